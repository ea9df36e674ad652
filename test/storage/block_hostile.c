/*
 * block_hostile: a Block client that writes raw descriptors into its
 * streams, bypassing the source's checks, and checks what the server
 * promises (session/block.h):
 *
 *   - a wrong size, a count of 0, blocks beyond the view (also by
 *     overflow), an unknown opcode: acked with the error, the session
 *     serves on;
 *   - WRITE and TRIM on a session the policy keeps read-only: denied;
 *   - a descriptor outside the bulk buffer (past it, too large, wrapping
 *     around), a corrupt submit or ack ring index: that session is
 *     closed, the client's wait and calls see ARBOR_E_OBJECT_GONE;
 *
 * and after every attack, a session of its own that behaves still reads
 * back what it wrote, while another thread keeps a third session busy
 * with writes and reads throughout. Logs "ok: ..." / "FAILED: ...";
 * exit value 0 when all passed.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <block/block_client.h>

#define WAIT_MS 10000

static struct {
	struct arbor_env *env;
	struct block_connection good;     /* the well-behaved session */
	unsigned failures, round;
	struct block_connection busy;     /* the busy thread's session */
	atomic_int attacks_done;
	unsigned busy_rounds, busy_failures;
} h;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ok) {
		arbor_log("ok: %s", what);
	} else {
		h.failures++;
		arbor_error("FAILED: %s", what);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- raw access to the rings ------------------------------------------------------ */

/* Put p into the submit ring as it is and wake the server. */
static void raw_submit(struct block_connection *b, const struct arbor_packet *p)
{
	struct arbor_ps_ring *r = &b->tx.source.submit;
	uint32_t head = atomic_load_explicit(r->head, memory_order_relaxed);

	memcpy(&r->slots[head & r->mask], p, sizeof(*p));
	atomic_store_explicit(r->head, head + 1, memory_order_release);
	arbor_signal_submit(b->tx.packet_avail, 1);
}

/* The next ack, read raw. Returns 0, ARBOR_E_AGAIN (none in time) or ARBOR_E_OBJECT_GONE. */
static int raw_ack(struct block_connection *b, struct arbor_packet *p)
{
	struct arbor_ps_ring *r = &b->tx.source.ack;
	int64_t deadline = now_ms() + WAIT_MS;

	for (;;) {
		uint32_t tail = atomic_load_explicit(r->tail, memory_order_relaxed);
		uint32_t head = atomic_load_explicit(r->head, memory_order_acquire);
		int err;

		if (head != tail) {
			memcpy(p, &r->slots[tail & r->mask], sizeof(*p));
			atomic_store_explicit(r->tail, tail + 1, memory_order_release);
			return 0;
		}
		if (now_ms() >= deadline)
			return ARBOR_E_AGAIN;
		err = arbor_packet_session_client_wait(&b->tx, 100);
		if (err)
			return err;
	}
}

/* Wait until the server closed the session: the wait reports it and INFO fails. */
static int gone(struct block_connection *b)
{
	int64_t deadline = now_ms() + WAIT_MS;
	struct arbor_msg reply;
	int err = 0;

	while (!err && now_ms() < deadline)
		err = arbor_packet_session_client_wait(&b->tx, 100);
	if (err != ARBOR_E_OBJECT_GONE)
		return 0;
	err = arbor_rpc_call(b->conn.cap, ARBOR_BLOCK_INFO, NULL, 0, NULL, 0, &reply);
	arbor_msg_release(&reply);
	return err == ARBOR_E_OBJECT_GONE;
}

static struct arbor_packet packet(uint32_t op, uint64_t offset, uint32_t size, uint64_t block,
                                  uint64_t count)
{
	struct arbor_packet p = { .offset = offset, .size = size, .op = op, .tag = 0x7a6 };

	p.arg[0] = block;
	p.arg[1] = count;
	return p;
}

static int open_session(struct block_connection *b, const char *label, int writeable)
{
	struct block_args args = { .label = label, .writeable = writeable };
	int err = block_connection_open(h.env, b, &args);

	if (err)
		check(0, "[%s] session opened: %s", label, arbor_strerror(err));
	return err;
}

/* ---- the bystander: the server still serves a session that behaves ------------------ */

static void bystander(const char *after)
{
	static unsigned char out[64 * 512], in[64 * 512];
	/* the lower half of the device; the busy thread has the upper */
	uint64_t block = (h.round++ * 64) % (h.good.info.block_count / 2 - 64);
	int err;

	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 31 + h.round);
	err = block_write(&h.good, block, 64, out);
	if (!err)
		err = block_read(&h.good, block, 64, in);
	check(!err && !memcmp(in, out, sizeof(in)), "after %s, another session reads back what it "
	      "wrote (%s)", after, arbor_strerror(err));
}

/* Writes and reads back 256 blocks at a time until the attacks are over (at least once). */
static void *busy(void *arg)
{
	static unsigned char out[256 * 512], in[256 * 512];
	uint64_t half = h.busy.info.block_count / 2;

	while (!atomic_load(&h.attacks_done) || !h.busy_rounds) {
		uint64_t block = half + (h.busy_rounds * 256) % (half - 256);
		int err;

		for (unsigned i = 0; i < sizeof(out); i++)
			out[i] = (unsigned char)(i * 7 + h.busy_rounds);
		err = block_write(&h.busy, block, 256, out);
		if (!err)
			err = block_read(&h.busy, block, 256, in);
		if (err || memcmp(in, out, sizeof(in)))
			h.busy_failures++;
		h.busy_rounds++;
	}
	return NULL;
}

/* ---- attacks --------------------------------------------------------------------- */

struct bad_packet {
	const char *what;
	struct arbor_packet p;
	int expect;
};

/* Each packet is answered with its error; the session serves on. */
static void errors_acked(const char *label, int writeable, const struct bad_packet *cases,
                         unsigned n)
{
	struct block_connection b;

	if (open_session(&b, label, writeable))
		return;
	for (unsigned i = 0; i < n; i++) {
		struct arbor_packet ack;
		int err;

		raw_submit(&b, &cases[i].p);
		err = raw_ack(&b, &ack);
		if (err)
			check(0, "[%s] %s: no ack (%s)", label, cases[i].what, arbor_strerror(err));
		else
			check(ack.result == cases[i].expect && ack.tag == cases[i].p.tag,
			      "[%s] %s is answered '%s'", label, cases[i].what,
			      ack.result ? arbor_strerror(ack.result) : "ok");
	}
	block_connection_close(&b);
	bystander(label);
}

/* The session is closed for what p does to the stream. */
static void session_closed(const char *label, const char *what, const struct arbor_packet *p,
                           int corrupt)
{
	struct block_connection b;

	if (open_session(&b, label, 1))
		return;
	if (corrupt == 1) {            /* the submit head leaps past a ring's worth */
		struct arbor_ps_ring *r = &b.tx.source.submit;
		atomic_store(r->head, atomic_load(r->head) + 1000);
		arbor_signal_submit(b.tx.packet_avail, 1);
	} else if (corrupt == 2) {     /* the ack tail runs ahead of the acks */
		struct arbor_ps_ring *r = &b.tx.source.ack;
		atomic_store(r->tail, atomic_load(r->tail) + 5);
		raw_submit(&b, p);
	} else {
		raw_submit(&b, p);
	}
	check(gone(&b), "[%s] %s closes the session", label, what);
	block_connection_close(&b);
	bystander(label);
}

void component_construct(struct arbor_env *env)
{
	uint64_t bulk, view;
	pthread_t busy_thread;

	h.env = env;
	if (open_session(&h.good, "good", 1) || open_session(&h.busy, "busy", 1) ||
	    pthread_create(&busy_thread, NULL, busy, NULL))
		arbor_exit(env, 1);
	bulk = h.good.tx.geo.bulk_size;
	view = h.good.info.block_count;
	bystander("start");
	{
		const struct bad_packet cases[] = {
			{ "unknown opcode 77", packet(77, 0, 512, 0, 1), ARBOR_E_UNKNOWN_OPCODE },
			{ "READ of 1 block, 100 bytes", packet(ARBOR_BLOCK_READ, 0, 100, 0, 1),
			  ARBOR_E_INVALID },
			{ "WRITE of 2 blocks, 512 bytes", packet(ARBOR_BLOCK_WRITE, 0, 512, 0, 2),
			  ARBOR_E_INVALID },
			{ "READ of 0 blocks", packet(ARBOR_BLOCK_READ, 0, 0, 0, 0), ARBOR_E_INVALID },
			{ "READ past the view", packet(ARBOR_BLOCK_READ, 0, 512, view, 1),
			  ARBOR_E_INVALID },
			{ "READ across the view's end", packet(ARBOR_BLOCK_READ, 0, 1024, view - 1, 2),
			  ARBOR_E_INVALID },
			{ "WRITE wrapping around 2^64",
			  packet(ARBOR_BLOCK_WRITE, 0, 2048, UINT64_MAX - 1, 4), ARBOR_E_INVALID },
			{ "READ of 2^55 blocks (size overflows)",
			  packet(ARBOR_BLOCK_READ, 0, 0, 0, 1ull << 55), ARBOR_E_INVALID },
			{ "TRIM past the view", packet(ARBOR_BLOCK_TRIM, 0, 0, view, 1), ARBOR_E_INVALID },
			{ "a good READ after all that", packet(ARBOR_BLOCK_READ, 0, 512, 0, 1), 0 },
		};
		errors_acked("malformed", 1, cases, ARRAY_SIZE(cases));
	}
	{
		const struct bad_packet cases[] = {
			{ "WRITE", packet(ARBOR_BLOCK_WRITE, 0, 512, 0, 1), ARBOR_E_DENIED },
			{ "TRIM", packet(ARBOR_BLOCK_TRIM, 0, 0, 0, 1), ARBOR_E_DENIED },
			{ "READ", packet(ARBOR_BLOCK_READ, 0, 512, 0, 1), 0 },
		};
		errors_acked("readonly", 1, cases, ARRAY_SIZE(cases));
	}
	{
		struct arbor_packet past = packet(ARBOR_BLOCK_READ, bulk, 512, 0, 1);
		struct arbor_packet large = packet(ARBOR_BLOCK_READ, 0, (uint32_t)bulk + 64, 0, 1);
		struct arbor_packet wrap = packet(ARBOR_BLOCK_READ, UINT64_MAX - 100, 512, 0, 1);
		struct arbor_packet good = packet(ARBOR_BLOCK_READ, 0, 512, 0, 1);

		session_closed("offset", "a descriptor past the bulk buffer", &past, 0);
		session_closed("size", "a descriptor larger than the bulk buffer", &large, 0);
		session_closed("wrap", "a descriptor whose offset wraps around", &wrap, 0);
		session_closed("submit_ring", "a submit index leaping ahead", NULL, 1);
		session_closed("ack_ring", "an ack index running ahead of the acks", &good, 2);
	}
	atomic_store(&h.attacks_done, 1);
	pthread_join(busy_thread, NULL);
	check(!h.busy_failures, "a session kept busy throughout: %u rounds, %u failed",
	      h.busy_rounds, h.busy_failures);
	block_connection_close(&h.busy);
	block_connection_close(&h.good);
	arbor_log("block_hostile: done, %u failures", h.failures);
	arbor_exit(env, h.failures ? 1 : 0);
}
