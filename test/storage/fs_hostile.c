/*
 * fs_hostile: a File_system client that breaks the protocol, one way at a
 * time, on "victim" sessions while a "good" session beside it must be
 * served after every attack: packets with unknown opcodes, bad handles,
 * wrong modes, sizes and positions (acked with errors), an ack ring left
 * full (backpressure), malformed calls (errors, or the call's connection
 * evicted), and descriptors outside the bulk buffer or a corrupt ring
 * (the victim's session is closed with a warning). Last it leaves with
 * packets in flight. Logs like fs_check; exits 0 when nothing was
 * unexpected.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include "fs_check.h"

#define R fs_check_result
#define ACK_MS 5000

static struct fs_connection good, victim;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void open_session(struct fs_connection *fs, const char *label)
{
	struct fs_args args = { .label = label, .writeable = 1 };
	char what[64];

	snprintf(what, sizeof(what), "open the %s session", label);
	R(fs_connection_open(fs_check.env, fs, &args), 0, what);
}

/* The good session still works: a file written and read back. */
static void good_served(const char *after)
{
	char buf[64] = "", what[128];
	long n;

	snprintf(what, sizeof(what), "good session after %s", after);
	n = fs_check_write_path(&good, "/good", after, strlen(after));
	if (!n)
		n = fs_check_read_path(&good, "/good", buf, sizeof(buf) - 1);
	fs_check_that(n == (long)strlen(after) && !memcmp(buf, after, (size_t)n), "%s: %s", what,
	              n < 0 ? fs_check_error_name(n) : "served");
}

/*
 * A session asked for with a donation far too small: the server answers
 * INSUFFICIENT until the client (lib/base's connection) raised it to what
 * the session costs.
 */
static void short_donation(void)
{
	struct arbor_ps_geometry geo = { ARBOR_FS_QUEUE_SLOTS, ARBOR_FS_QUEUE_SLOTS, 4096 };
	uint64_t cost = ARBOR_FS_SESSION_COST + arbor_ps_size(&geo);
	struct arbor_connection c;
	int err = arbor_connection_open(fs_check.env, &c, ARBOR_FS_SERVICE, "good", 4096, 1,
	                                "tx_buf_size=4096");

	R(err, 0, "a session asked for with 4 KiB and 1 cap");
	fs_check_that(!err && c.ram >= cost && c.caps >= ARBOR_FS_SESSION_COST_CAPS,
	              "is granted only once the donation covers its cost (%llu >= %llu bytes, "
	              "%llu >= %u caps)", (unsigned long long)c.ram, (unsigned long long)cost,
	              (unsigned long long)c.caps, ARBOR_FS_SESSION_COST_CAPS);
	if (!err)
		arbor_connection_close(fs_check.env, &c);
}

/* ---- packets ---- */

static int submit(struct fs_connection *fs, uint32_t op, uint64_t handle, uint64_t pos,
                  size_t size, uint64_t tag)
{
	struct arbor_packet pkt;
	int err = arbor_ps_alloc(&fs->tx.source, size, &pkt);

	if (err)
		return err;
	pkt.op = op;
	pkt.tag = tag;
	pkt.arg[0] = handle;
	pkt.arg[1] = pos;
	err = arbor_ps_submit(&fs->tx.source, &pkt);
	if (err)
		arbor_ps_free(&fs->tx.source, &pkt);
	return err;
}

/* The next ack (any tag), waited for. */
static int take_ack(struct fs_connection *fs, struct arbor_packet *pkt)
{
	int64_t deadline = now_ms() + ACK_MS;
	int err;

	while ((err = arbor_ps_get_ack(&fs->tx.source, pkt)) == ARBOR_E_AGAIN) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return ARBOR_E_AGAIN;
		err = arbor_packet_session_client_wait(&fs->tx, (int)left);
		if (err)
			return err;
	}
	if (!err)
		arbor_ps_free(&fs->tx.source, pkt);
	return err;
}

/* One packet, its ack's result checked. */
static void packet(uint32_t op, uint64_t handle, uint64_t pos, size_t size, long want,
                   const char *what)
{
	struct arbor_packet ack;
	int err = submit(&victim, op, handle, pos, size, 1);

	if (!err)
		err = take_ack(&victim, &ack);
	R(err ? err : ack.result, want, what);
}

static void attack_packets(int dir, int ro, int rw, int watch)
{
	struct arbor_packet ack;
	int err;

	arbor_log("hostile: packets with bad fields");
	packet(99, (uint32_t)rw, 0, 64, ARBOR_E_UNKNOWN_OPCODE, "opcode 99");
	packet(0, (uint32_t)rw, 0, 64, ARBOR_E_UNKNOWN_OPCODE, "opcode 0");
	packet(ARBOR_FS_PACKET_READ, 12345, 0, 64, ARBOR_FS_E_INVALID_HANDLE, "READ of handle 12345");
	packet(ARBOR_FS_PACKET_READ, (1ull << 40) | (uint32_t)rw, 0, 64, ARBOR_FS_E_INVALID_HANDLE,
	       "READ of a handle beyond 32 bits");
	packet(ARBOR_FS_PACKET_READ, 200, 0, 64, ARBOR_FS_E_INVALID_HANDLE,
	       "READ of a handle never opened");
	packet(ARBOR_FS_PACKET_WRITE, (uint32_t)dir, 0, 64, ARBOR_FS_E_INVALID_HANDLE,
	       "WRITE to a directory handle");
	packet(ARBOR_FS_PACKET_WRITE, (uint32_t)ro, 0, 64, ARBOR_FS_E_PERMISSION_DENIED,
	       "WRITE through a read-only handle");
	packet(ARBOR_FS_PACKET_READ, (uint32_t)watch, 0, 64, ARBOR_FS_E_INVALID_HANDLE,
	       "READ of a watch handle");
	packet(ARBOR_FS_PACKET_CONTENT_CHANGED, (uint32_t)rw, 0, 0, ARBOR_FS_E_INVALID_HANDLE,
	       "CONTENT_CHANGED on a file handle");
	packet(ARBOR_FS_PACKET_READ, (uint32_t)dir, 5, sizeof(struct arbor_fs_dirent),
	       ARBOR_E_INVALID, "READ of a directory off an entry boundary");
	packet(ARBOR_FS_PACKET_READ, (uint32_t)dir, 0, 100, 0,
	       "READ of a directory smaller than an entry");
	packet(ARBOR_FS_PACKET_WRITE, (uint32_t)rw, UINT64_MAX - 10, 64, ARBOR_E_INVALID,
	       "WRITE whose end overflows");
	packet(ARBOR_FS_PACKET_WRITE, (uint32_t)rw, 0, 0, 0, "WRITE of 0 bytes");

	/* a second CONTENT_CHANGED on one watch is refused at once; the first stays held */
	err = submit(&victim, ARBOR_FS_PACKET_CONTENT_CHANGED, (uint32_t)watch, 0, 0, 7);
	if (!err)
		err = submit(&victim, ARBOR_FS_PACKET_CONTENT_CHANGED, (uint32_t)watch, 0, 0, 8);
	if (!err)
		err = take_ack(&victim, &ack);
	fs_check_that(!err && ack.tag == 8 && ack.result == ARBOR_E_INVALID,
	              "a second CONTENT_CHANGED on one watch is refused at once (tag %llu: %s)",
	              (unsigned long long)ack.tag, fs_check_error_name(err ? err : ack.result));
	R(fs_close(&victim, (uint32_t)watch), 0, "close the watch holding the first");
	err = take_ack(&victim, &ack);
	fs_check_that(!err && ack.tag == 7 && ack.result == ARBOR_FS_E_INVALID_HANDLE,
	              "its held packet comes back as invalid handle");
	good_served("bad packets");
}

/*
 * Fill the ack ring and leave it full: the server must hold the acks of
 * what comes next (backpressure), then deliver every one once there is room.
 */
static void attack_full_ack_ring(int rw)
{
	const unsigned total = 3 * ARBOR_FS_QUEUE_SLOTS;
	unsigned submitted = 0, acked = 0, ok = 0;
	static unsigned char seen[3 * ARBOR_FS_QUEUE_SLOTS];
	int64_t deadline = now_ms() + 10 * ACK_MS;
	struct arbor_packet ack;

	memset(seen, 0, sizeof(seen));
	arbor_log("hostile: leaving the ack ring full");
	/* submit until the server takes no more: a full submit ring it leaves alone */
	while (submitted < total && now_ms() < deadline) {
		int err = submit(&victim, ARBOR_FS_PACKET_READ, (uint32_t)rw, 0, 64, submitted + 1);
		if (!err) {
			submitted++;
			continue;
		}
		if (err != ARBOR_E_AGAIN)
			break;
		/* room comes with ready_to_submit; none for a while means the server stopped */
		int64_t quiet_end = now_ms() + 300;
		while (!arbor_ps_submit_space(&victim.tx.source) && now_ms() < quiet_end)
			arbor_packet_session_client_wait(&victim.tx, (int)(quiet_end - now_ms()));
		if (!arbor_ps_submit_space(&victim.tx.source))
			break;
	}
	/* what it acked (a ring's worth), what it holds (one), what waits (a ring's worth) */
	fs_check_that(submitted <= 2 * ARBOR_FS_QUEUE_SLOTS + 1,
	              "the server stops taking packets while its acks cannot go out "
	              "(%u of %u submitted)", submitted, total);
	good_served("an ack ring left full");
	while (acked < total && now_ms() < deadline) {
		int err = take_ack(&victim, &ack);
		if (err)
			break;
		acked++;
		if (ack.tag >= 1 && ack.tag <= total && !seen[ack.tag - 1] && ack.result >= 0) {
			seen[ack.tag - 1] = 1;
			ok++;
		}
		while (submitted < total &&
		       !submit(&victim, ARBOR_FS_PACKET_READ, (uint32_t)rw, 0, 64, submitted + 1))
			submitted++;
	}
	fs_check_that(acked == total && ok == total,
	              "then every packet is acked once (%u acks, %u distinct of %u)", acked, ok,
	              total);
}

/* ---- calls ---- */

static int raw_call(uint32_t op, const void *args, size_t size)
{
	struct arbor_msg reply;
	int err = arbor_rpc_call(victim.conn.cap, op, args, size, NULL, 0, &reply);

	arbor_msg_release(&reply);
	return err;
}

static void attack_calls(int dir)
{
	struct arbor_fs_path_req path;
	struct arbor_fs_file_req file;
	struct arbor_fs_move_req move;
	struct arbor_msg reply;
	struct arbor_cap *ds = NULL;

	arbor_log("hostile: malformed calls");
	memset(&path, 'a', sizeof(path));
	path.create = 0;
	path.path[0] = '/';
	R(raw_call(ARBOR_FS_DIR_OP, &path, sizeof(path)), ARBOR_FS_E_NAME_TOO_LONG,
	  "dir: a path field without NUL");
	memset(&file, 'b', sizeof(file));
	file.dir = (uint32_t)dir;
	file.mode = ARBOR_FS_READ_ONLY;
	file.create = 0;
	R(raw_call(ARBOR_FS_FILE_OP, &file, sizeof(file)), ARBOR_FS_E_NAME_TOO_LONG,
	  "file: a name field without NUL");
	R(raw_call(ARBOR_FS_FILE_OP, &file, offsetof(struct arbor_fs_file_req, name) + 20),
	  ARBOR_FS_E_INVALID_NAME, "file: a call ending inside the name");
	memset(&move, 'c', sizeof(move));
	move.from_dir = move.to_dir = (uint32_t)dir;
	R(raw_call(ARBOR_FS_MOVE_OP, &move, sizeof(move)), ARBOR_FS_E_NAME_TOO_LONG,
	  "move: names without NUL");
	R(raw_call(ARBOR_FS_FILE_OP, &file, 4), ARBOR_E_OBJECT_GONE,
	  "file: 4 bytes, fewer than the call has (the connection is evicted)");
	R(raw_call(ARBOR_FS_CLOSE_OP, &file, 8), ARBOR_E_OBJECT_GONE,
	  "close: 8 bytes instead of 4 (evicted)");
	R(raw_call(99, NULL, 0), ARBOR_E_UNKNOWN_OPCODE, "opcode 99");
	arbor_pd_alloc_ram(arbor_env_pd(fs_check.env), 4096, &ds);
	struct arbor_cap *caps[2] = { ds, ds };
	int err = arbor_rpc_call(victim.conn.cap, ARBOR_FS_TX_SIGH_OP, NULL, 0, caps, 2, &reply);
	arbor_msg_release(&reply);
	R(err, ARBOR_E_INVALID_CAP, "tx_sigh with dataspaces as contexts");
	arbor_pd_free_ram(arbor_env_pd(fs_check.env), ds);
	arbor_cap_unref(ds);
	struct arbor_fs_status st;
	R(fs_status(&victim, (uint32_t)dir, &st), 0, "the victim's session serves on");
	good_served("malformed calls");
}

/* ---- breaking the stream ---- */

/* A descriptor written into the submit ring as is, past every check of the source. */
static void submit_raw(struct fs_connection *fs, const struct arbor_packet *p, uint32_t step)
{
	struct arbor_ps_source *src = &fs->tx.source;

	src->submit.slots[src->submit.cached & src->submit.mask] = *p;
	src->submit.cached += step;
	atomic_store(src->submit.head, src->submit.cached);
	arbor_signal_submit(src->packet_avail, 1);
}

/* The victim's session is closed by the server: its calls fail from some moment on. */
static void victim_closed(const char *how)
{
	int64_t deadline = now_ms() + ACK_MS;
	struct arbor_fs_status st;
	int err = 0;

	while (now_ms() < deadline) {
		err = fs_status(&victim, 0, &st);
		if (err == ARBOR_E_OBJECT_GONE)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	char what[128];
	snprintf(what, sizeof(what), "%s: the victim's session is closed", how);
	R(err, ARBOR_E_OBJECT_GONE, what);
	fs_connection_close(&victim);
	good_served(how);
}

static void attack_stream(void)
{
	struct arbor_packet p;
	uint64_t bulk;

	arbor_log("hostile: descriptors outside the bulk buffer");
	open_session(&victim, "victim");
	bulk = victim.tx.geo.bulk_size;
	p = (struct arbor_packet){ .offset = bulk + 4096, .size = 64, .op = ARBOR_FS_PACKET_READ };
	submit_raw(&victim, &p, 1);
	victim_closed("an offset past the bulk buffer");

	open_session(&victim, "victim");
	p = (struct arbor_packet){ .offset = bulk - 64, .size = 8192, .op = ARBOR_FS_PACKET_WRITE };
	submit_raw(&victim, &p, 1);
	victim_closed("a size running past the bulk buffer");

	open_session(&victim, "victim");
	p = (struct arbor_packet){ .offset = 0, .size = 64, .op = ARBOR_FS_PACKET_READ };
	submit_raw(&victim, &p, 1000);
	victim_closed("a submit head far beyond the ring");
}

/* Leave with packets in flight: writes, a held watch packet, an ack ring filling up. */
static void vanish(void)
{
	unsigned n = 0;
	int dir, f, w;

	open_session(&victim, "victim");
	dir = fs_dir(&victim, "/", 0);
	f = fs_file(&victim, (uint32_t)dir, "vanish", ARBOR_FS_READ_WRITE, 1);
	w = fs_watch(&victim, "/");
	if (w >= 0 && !submit(&victim, ARBOR_FS_PACKET_CONTENT_CHANGED, (uint32_t)w, 0, 0, 1))
		n++;
	while (n < 2 * ARBOR_FS_QUEUE_SLOTS &&
	       !submit(&victim, ARBOR_FS_PACKET_WRITE, (uint32_t)f, n * 4096, 4096, n + 2))
		n++;
	R(fs_check_write_path(&good, "/hostile_done", "yes", 3), 0, "leave a mark");
	arbor_log("hostile: leaving with %u packets in flight", n);
}

void component_construct(struct arbor_env *env)
{
	int dir, ro, rw, watch;

	fs_check.env = env;
	fs_check.label = "hostile";
	open_session(&good, "good");
	open_session(&victim, "victim");
	arbor_log("hostile: attacks begin");
	short_donation();
	dir = fs_dir(&victim, "/", 0);
	rw = fs_file(&victim, (uint32_t)dir, "target", ARBOR_FS_READ_WRITE, 1);
	ro = fs_file(&victim, (uint32_t)dir, "target", ARBOR_FS_READ_ONLY, 0);
	watch = fs_watch(&victim, "/target");
	fs_check_that(dir >= 0 && rw >= 0 && ro >= 0 && watch >= 0, "handles for the attacks");
	attack_packets(dir, ro, rw, watch);
	attack_full_ack_ring(rw);
	attack_calls(dir);
	fs_connection_close(&victim);
	attack_stream();
	vanish();
	arbor_log("fs_hostile: done, %u checks, %u failures", fs_check.checks, fs_check.failures);
	/* no close: the victim's packets are still in flight when the process ends */
	arbor_exit(env, fs_check.failures ? 1 : 0);
}
