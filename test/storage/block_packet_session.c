/*
 * block_packet_session: the packet-stream session set-up (arbor/
 * packet_session.h) in one component. The entrypoint serves a tiny
 * session with TX and TX_SIGH whose sink answers each packet with the
 * sum of its bytes and its bytes inverted; client threads drive it:
 *
 *   waiting  a client without entrypoint handlers (fn NULL) pushes 2000
 *            packets (every tenth empty) through rings of 4 submit and 2
 *            ack slots, so that both rings fill and every one of the four
 *            signals must arrive, or the transfer stalls;
 *   handled  a client whose handler runs on the entrypoint (fn set) does
 *            the same from there;
 *   gone     once the server revokes the session, the waiting client's
 *            wait reports ARBOR_E_OBJECT_GONE instead of hanging.
 *
 * Logs "ok: ..." / "FAILED: ..." and exits 0 when all passed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/packet_session.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>

#define PACKETS   2000u
#define BULK      4096u
#define STALL_MS  5000

enum { OP_TX, OP_TX_SIGH, OP_COUNT };

static const struct arbor_ps_geometry geo = { .submit_slots = 4, .ack_slots = 2, .bulk_size = BULK };

struct server {
	struct arbor_rpc_object obj;
	struct arbor_packet_session_server ps;
	struct arbor_packet held;          /* processed, waiting for room in the ack ring */
	int holding;
	unsigned served;
};

static struct {
	struct arbor_env *env;
	struct server servers[2];
	struct arbor_signal_handler revoke;   /* a client thread asks the entrypoint to revoke */
	atomic_uint failures;
	/* the handled client, driven on the entrypoint */
	struct arbor_packet_session_client handled;
	unsigned handled_sent, handled_acked, handled_bad;
	pthread_mutex_t lock;
	pthread_cond_t done;
	int handled_done;
} t = { .lock = PTHREAD_MUTEX_INITIALIZER, .done = PTHREAD_COND_INITIALIZER };

static void check(int ok, const char *what, const char *detail)
{
	if (ok) {
		arbor_log("ok: %s", what);
		return;
	}
	atomic_fetch_add(&t.failures, 1);
	arbor_error("FAILED: %s (%s)", what, detail ? detail : "");
}

/* ---- the server (entrypoint) ---------------------------------------------------- */

static void serve(struct arbor_packet_session_server *ps)
{
	struct server *s = ps->priv;

	for (;;) {
		struct arbor_packet pkt;

		if (s->holding) {
			if (arbor_ps_ack(&ps->sink, &s->held))
				return;             /* full: ready_to_ack brings us back */
			s->holding = 0;
		}
		if (arbor_ps_get_packet(&ps->sink, &pkt))
			return;
		{
			unsigned char *data = arbor_ps_sink_content(&ps->sink, &pkt);
			uint64_t sum = 0;

			for (uint32_t i = 0; i < pkt.size; i++) {
				sum += data[i];
				data[i] = (unsigned char)~data[i];
			}
			pkt.arg[1] = sum;
			pkt.result = (int32_t)s->served++;
		}
		s->held = pkt;
		s->holding = 1;
	}
}

static struct server *server_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct server, obj);
}

static int op_tx(struct arbor_rpc_request *req)
{
	return arbor_packet_session_tx(&server_of(req)->ps, req);
}

static int op_tx_sigh(struct arbor_rpc_request *req)
{
	return arbor_packet_session_tx_sigh(&server_of(req)->ps, req);
}

static const struct arbor_rpc_op ops[OP_COUNT] = {
	[OP_TX]      = { "tx", 0, 0, 0, op_tx },
	[OP_TX_SIGH] = { "tx_sigh", 0, 0, 2, op_tx_sigh },
};
static const struct arbor_rpc_interface iface = { "Packet_test", ops, OP_COUNT };

static int server_init(struct server *s)
{
	int err = arbor_packet_session_server_init(&s->ps, t.env, &geo, serve, s);

	if (!err)
		err = arbor_rpc_object_manage(t.env->ep, &s->obj, &iface);
	return err;
}

static void revoke(struct arbor_signal_handler *sh, uint64_t count)
{
	arbor_rpc_object_dissolve(&t.servers[0].obj);
	arbor_packet_session_server_fini(&t.servers[0].ps);
}

/* ---- packets ------------------------------------------------------------------------ */

static uint32_t packet_size(unsigned i)
{
	return i % 10 == 0 ? 0 : 1 + (i * 37) % (BULK / 4);
}

/* Fill and submit packet i; ARBOR_E_AGAIN when the buffer or the submit ring is full. */
static int send_one(struct arbor_ps_source *src, unsigned i)
{
	struct arbor_packet pkt;
	unsigned char *data;
	int err = arbor_ps_alloc(src, packet_size(i), &pkt);

	if (err)
		return err;
	data = arbor_ps_source_content(src, &pkt);
	for (uint32_t j = 0; j < pkt.size; j++)
		data[j] = (unsigned char)(i + j);
	pkt.tag = i;
	err = arbor_ps_submit(src, &pkt);
	if (err)
		arbor_ps_free(src, &pkt);
	return err;
}

/* Check an ack against what send_one() sent; 0 or -1. */
static int ack_ok(struct arbor_ps_source *src, const struct arbor_packet *pkt, unsigned expect)
{
	const unsigned char *data = arbor_ps_source_content(src, pkt);
	uint64_t sum = 0;
	int ok = pkt->tag == expect && pkt->size == packet_size(expect) &&
	         pkt->result == (int32_t)expect && data;

	for (uint32_t j = 0; ok && j < pkt->size; j++) {
		sum += (unsigned char)(expect + j);
		ok = data[j] == (unsigned char)~(expect + j);
	}
	return ok && pkt->arg[1] == sum ? 0 : -1;
}

/* ---- the waiting client (a thread) ---------------------------------------------------- */

static void *waiting_client(void *arg)
{
	struct arbor_packet_session_client pc;
	unsigned sent = 0, acked = 0, bad = 0, stalls = 0;
	struct timespec before, after;
	char detail[96];
	/* our own reference, as a real client has: the server's goes with the object */
	struct arbor_cap *session = arbor_cap_ref(arbor_rpc_object_cap(&t.servers[0].obj));
	int err = arbor_packet_session_client_init(&pc, session, t.env->ep, OP_TX, OP_TX_SIGH,
	                                           &geo, NULL, NULL);

	snprintf(detail, sizeof(detail), "%s", arbor_strerror(err));
	check(!err, "waiting client attaches the stream", detail);
	if (err) {
		arbor_cap_unref(session);
		return NULL;
	}
	while (acked < PACKETS && stalls < 2) {
		struct arbor_packet pkt;
		int progress = 0;

		while (sent < PACKETS && send_one(&pc.source, sent) == 0) {
			sent++;
			progress = 1;
		}
		while (arbor_ps_get_ack(&pc.source, &pkt) == 0) {
			bad += ack_ok(&pc.source, &pkt, acked) != 0;
			arbor_ps_free(&pc.source, &pkt);
			acked++;
			progress = 1;
		}
		if (progress)
			continue;
		/* nothing moved: only a signal can move it on; a wait that times out lost one */
		clock_gettime(CLOCK_MONOTONIC, &before);
		err = arbor_packet_session_client_wait(&pc, STALL_MS);
		if (err)
			break;
		clock_gettime(CLOCK_MONOTONIC, &after);
		if ((after.tv_sec - before.tv_sec) * 1000 +
		    (after.tv_nsec - before.tv_nsec) / 1000000 >= STALL_MS)
			stalls++;
	}
	snprintf(detail, sizeof(detail), "%u of %u acked, %u wrong, %s", acked, PACKETS, bad,
	         arbor_strerror(err));
	check(acked == PACKETS && !bad && !err,
	      "waiting client: 2000 packets through full rings, answered in order", detail);

	/* the server goes away: the wait says so instead of sleeping on */
	arbor_signal_submit(arbor_signal_handler_cap(&t.revoke), 1);
	{
		struct timespec start, now;
		clock_gettime(CLOCK_MONOTONIC, &start);
		do {
			err = arbor_packet_session_client_wait(&pc, 1000);
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while (!err && now.tv_sec - start.tv_sec < 10);
	}
	snprintf(detail, sizeof(detail), "%s", arbor_strerror(err));
	check(err == ARBOR_E_OBJECT_GONE, "a revoked session wakes the waiting client", detail);
	arbor_packet_session_client_fini(&pc);
	arbor_cap_unref(session);
	return NULL;
}

/* ---- the handled client (entrypoint) ---------------------------------------------------- */

static void handled_step(struct arbor_packet_session_client *pc)
{
	struct arbor_packet pkt;

	while (arbor_ps_get_ack(&pc->source, &pkt) == 0) {
		t.handled_bad += ack_ok(&pc->source, &pkt, t.handled_acked) != 0;
		arbor_ps_free(&pc->source, &pkt);
		t.handled_acked++;
	}
	while (t.handled_sent < PACKETS && send_one(&pc->source, t.handled_sent) == 0)
		t.handled_sent++;
	if (t.handled_acked == PACKETS) {
		pthread_mutex_lock(&t.lock);
		t.handled_done = 1;
		pthread_cond_signal(&t.done);
		pthread_mutex_unlock(&t.lock);
	}
}

static void *handled_client(void *arg)
{
	struct timespec until;
	char detail[96];
	int err = arbor_packet_session_client_init(&t.handled,
	                                           arbor_rpc_object_cap(&t.servers[1].obj),
	                                           t.env->ep, OP_TX, OP_TX_SIGH, &geo,
	                                           handled_step, NULL);

	snprintf(detail, sizeof(detail), "%s", arbor_strerror(err));
	check(!err, "handled client attaches the stream", detail);
	if (err)
		return NULL;
	/* the first packets go from here; the rest from the handler on each ack_avail */
	arbor_signal_submit(arbor_signal_handler_cap(&t.handled.ack_avail), 1);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	pthread_mutex_lock(&t.lock);
	while (!t.handled_done && !err)
		err = pthread_cond_timedwait(&t.done, &t.lock, &until);
	snprintf(detail, sizeof(detail), "%u acked, %u wrong", t.handled_acked, t.handled_bad);
	err = !t.handled_done || t.handled_bad;
	pthread_mutex_unlock(&t.lock);
	check(!err, "handled client: 2000 packets, driven by its handler", detail);
	return NULL;
}

static void *run(void *arg)
{
	pthread_t a, b;

	/* one after the other, so that the log has one order */
	pthread_create(&a, NULL, waiting_client, NULL);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, handled_client, NULL);
	pthread_join(b, NULL);
	arbor_log("block_packet_session: %u failures", atomic_load(&t.failures));
	arbor_exit(t.env, atomic_load(&t.failures) ? 1 : 0);
	return NULL;
}

void component_construct(struct arbor_env *env)
{
	pthread_t runner;
	int err;

	t.env = env;
	if ((err = server_init(&t.servers[0])) || (err = server_init(&t.servers[1])) ||
	    (err = arbor_signal_handler_init(&t.revoke, env->ep, revoke))) {
		arbor_error("block_packet_session: no server: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	pthread_create(&runner, NULL, run, NULL);
	pthread_detach(runner);
}
