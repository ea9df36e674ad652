/*
 * The hostile client's batches of malformed traffic. Every malformed
 * message on a connection must get that connection closed (and the fds it
 * carried closed by the server); unknown opcodes are answered and keep the
 * connection; garbage on a door is dropped and leaves the door working.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arbor/rpc.h>
#include <arbor/error.h>
#include "hostile.h"

unsigned hostile_flood_size = 1100;

/* One well-formed call on a fresh connection: is the target still serving? */
int hostile_valid_call(const struct target *t)
{
	struct raw_reply r;
	int conn, ok;

	if (raw_wire_clone(t->door, &conn))
		return 0;
	ok = raw_wire_call(conn, t->valid_op, t->valid_args, t->valid_size, HOSTILE_WAIT_MS, &r) ==
	     RAW_REPLY && r.status >= 0;
	close(conn);
	return ok;
}

static const uint8_t KINDS_NONE[4];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000l };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Send one record on a fresh connection and check what the server does. */
static void one_shot(const struct target *t, const char *what, const void *buf, size_t len,
                     const int *fds, unsigned nfds, enum raw_outcome want)
{
	struct raw_reply r;
	enum raw_outcome o = RAW_ERROR;
	int conn;

	if (!raw_wire_clone(t->door, &conn)) {
		o = raw_wire_send(conn, buf, len, fds, nfds) ? RAW_CLOSED : raw_wire_await(conn, HOSTILE_WAIT_MS, &r);
		close(conn);
	}
	hostile_check(t, what, o, &r, want);
}

static void one_msg(const struct target *t, const char *what, int32_t word, const uint8_t kinds[4],
                    size_t size, const int *fds, unsigned nfds, enum raw_outcome want)
{
	static unsigned char buf[1 << 17];
	struct raw_wire_header h = { .type = RAW_TYPE_CALL, .word = word };

	memcpy(h.kinds, kinds, 4);
	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), 'x', size);
	one_shot(t, what, buf, sizeof(h) + size, fds, nfds, want);
}

/* After garbage on the door: it must still mint working connections. */
static void door_still_works(const struct target *t, const char *after)
{
	char what[128];
	int ok = hostile_valid_call(t);

	snprintf(what, sizeof(what), "a well-formed call after %s", after);
	hostile_check(t, what, ok ? RAW_REPLY : RAW_CLOSED, NULL, RAW_REPLY);
}

/* ---- batches ---- */

static void truncated(const struct target *t)
{
	struct raw_wire_header h = { .type = RAW_TYPE_CALL, .word = t->valid_op };
	static const size_t lens[] = { 0, 1, 4, 7, 11 };

	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "a truncated message (%zu bytes)", lens[i]);
		one_shot(t, what, &h, lens[i], NULL, 0, RAW_CLOSED);
	}
}

static void oversized(const struct target *t)
{
	static const size_t sizes[] = { 4097, 8192, 65536 };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "an oversized message (%zu bytes)", sizes[i]);
		one_msg(t, what, t->valid_op, KINDS_NONE, sizes[i] - RAW_WIRE_HEADER_SIZE, NULL, 0, RAW_CLOSED);
	}
}

static void garbage_headers(const struct target *t)
{
	static const struct { uint8_t kinds[4]; const char *what; } g[] = {
		{ { 5, 0, 0, 0 }, "kinds {5,0,0,0} (no such kind)" },
		{ { 0xff, 0xff, 0xff, 0xff }, "kinds {255,255,255,255}" },
		{ { 0, 0, 0, 9 }, "kinds {0,0,0,9}" },
		{ { 1, 1, 1, 1 }, "four invalid caps on a call taking none" },
	};

	for (unsigned i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		one_msg(t, g[i].what, t->valid_op, g[i].kinds, t->valid_size, NULL, 0, RAW_CLOSED);
}

static void wrong_sizes(const struct target *t)
{
	char what[96];

	snprintf(what, sizeof(what), "opcode %d with %zu bytes (max %zu)", t->sized_op,
	         t->size_max + 1, t->size_max);
	one_msg(t, what, t->sized_op, KINDS_NONE, t->size_max + 1, NULL, 0, RAW_CLOSED);
	if (t->size_min) {
		snprintf(what, sizeof(what), "opcode %d with %zu bytes (min %zu)", t->sized_op,
		         t->size_min - 1, t->size_min);
		one_msg(t, what, t->sized_op, KINDS_NONE, t->size_min - 1, NULL, 0, RAW_CLOSED);
	}
}

/* Unknown opcodes are answered, and the connection stays usable. */
static void unknown_opcodes(const struct target *t)
{
	static const int32_t ops[] = { 999, -5, INT32_MAX, INT32_MIN + 1 };
	struct raw_reply r;
	int conn;

	if (raw_wire_clone(t->door, &conn)) {
		hostile_check(t, "a clone request", RAW_ERROR, NULL, RAW_REPLY);
		return;
	}
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char what[64];
		enum raw_outcome o = raw_wire_call(conn, ops[i], NULL, 0, HOSTILE_WAIT_MS, &r);
		snprintf(what, sizeof(what), "unknown opcode %d", ops[i]);
		if (o == RAW_REPLY && r.status != ARBOR_E_UNKNOWN_OPCODE)
			o = RAW_ERROR;
		hostile_check(t, what, o, &r, RAW_REPLY);
	}
	enum raw_outcome o = raw_wire_call(conn, t->valid_op, t->valid_args, t->valid_size,
	                              HOSTILE_WAIT_MS, &r);
	if (o == RAW_REPLY && r.status < 0)
		o = RAW_ERROR;
	hostile_check(t, "a well-formed call on the same connection", o, &r, RAW_REPLY);
	close(conn);
}

static void wrong_fd_counts(const struct target *t)
{
	static const uint8_t two[4] = { 2, 3, 0, 0 }, signal1[4] = { 4, 0, 0, 0 };
	int ev[3];

	for (int i = 0; i < 3; i++)
		ev[i] = eventfd(0, EFD_CLOEXEC);
	one_msg(t, "1 fd the kinds do not announce", t->valid_op, KINDS_NONE, t->valid_size, ev, 1,
	        RAW_CLOSED);
	one_msg(t, "3 fds the kinds do not announce", t->valid_op, KINDS_NONE, t->valid_size, ev, 3,
	        RAW_CLOSED);
	one_msg(t, "kinds announcing 2 fds with 1 attached", t->valid_op, two, t->valid_size, ev, 1,
	        RAW_CLOSED);
	one_msg(t, "kinds announcing a signal fd with none attached", t->valid_op, signal1,
	        t->valid_size, NULL, 0, RAW_CLOSED);
	for (int i = 0; i < 3; i++)
		close(ev[i]);
}

static void wrong_fd_types(const struct target *t)
{
	static const uint8_t rpc[4] = { 2 }, ds[4] = { 3 }, sig[4] = { 4 };
	int32_t op = t->cap_op >= 0 ? t->cap_op : t->valid_op;
	size_t size = t->cap_op >= 0 ? 0 : t->valid_size;
	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ev = eventfd(0, EFD_CLOEXEC);
	int mem = memfd_create("hostile", MFD_CLOEXEC);
	int sv[2] = { -1, -1 };

	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
	if (dir >= 0) {
		one_msg(t, "a directory fd as an RPC cap", op, rpc, size, &dir, 1, RAW_CLOSED);
		one_msg(t, "a directory fd as a signal cap", op, sig, size, &dir, 1, RAW_CLOSED);
	}
	one_msg(t, "an eventfd as an RPC cap", op, rpc, size, &ev, 1, RAW_CLOSED);
	one_msg(t, "a socket as a dataspace cap", op, ds, size, &sv[0], 1, RAW_CLOSED);
	if (mem >= 0)
		one_msg(t, "a memfd as a signal cap", op, sig, size, &mem, 1, RAW_CLOSED);
	/* the server's own door: well-formed where a cap is taken, one cap too many elsewhere */
	one_msg(t, "its own door as an RPC cap", op, rpc, size, &t->door, 1,
	        t->cap_op >= 0 ? RAW_REPLY : RAW_CLOSED);
	if (t->cap_op >= 0)
		one_msg(t, "its own door on a call taking no cap", t->valid_op, rpc, t->valid_size,
		        &t->door, 1, RAW_CLOSED);
	close(sv[0]);
	close(sv[1]);
	if (mem >= 0)
		close(mem);
	close(ev);
	if (dir >= 0)
		close(dir);
}

/* 253 fds: more than the server's control buffer holds (MSG_CTRUNC). */
static void many_fds(const struct target *t)
{
	static const uint8_t sig[4] = { 4 }, clone_kinds[4] = { 2 };
	int fds[RAW_WIRE_FDS_MAX], n = 0;
	int ev = eventfd(0, EFD_CLOEXEC);

	while (n < (int)RAW_WIRE_FDS_MAX && (fds[n] = dup(ev)) >= 0)
		n++;
	one_msg(t, "253 fds in one message", t->valid_op, sig, t->valid_size, fds, (unsigned)n,
	        RAW_CLOSED);

	/* on the door: dropped, the door stays */
	int err = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, clone_kinds, NULL, 0, fds, (unsigned)n);
	hostile_check(t, "a clone request with 253 fds on the door", err ? RAW_ERROR : RAW_SILENT,
	              NULL, RAW_SILENT);
	door_still_works(t, "253 fds on the door");
	for (int i = 0; i < n; i++)
		close(fds[i]);
	close(ev);
}

/*
 * Malformed clone requests on the door. The door is shared, so they are
 * dropped without an answer; where we keep the peer of the fd we passed,
 * its closing shows that the server closed what it was given.
 */
static void bad_clones(const struct target *t)
{
	static const uint8_t rpc[4] = { 2 };
	int sv[2], sv2[2], ev = eventfd(0, EFD_CLOEXEC);
	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	err = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc, NULL, 0, NULL, 0);
	hostile_check(t, "a clone request without an fd", err ? RAW_ERROR : RAW_SILENT, NULL,
	              RAW_SILENT);
	err = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc, NULL, 0, &ev, 1);
	hostile_check(t, "a clone request with an eventfd", err ? RAW_ERROR : RAW_SILENT, NULL,
	              RAW_SILENT);
	if (dir >= 0) {
		err = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc, NULL, 0, &dir, 1);
		hostile_check(t, "a clone request with a directory fd", err ? RAW_ERROR : RAW_SILENT,
		              NULL, RAW_SILENT);
		close(dir);
	}
	close(ev);

	/*
	 * The socket in a clone request is only where the server sends its
	 * grant (a connection it made itself), so its type does not matter:
	 * a stream socket gets the grant like any other.
	 */
	static const struct {
		int type; uint8_t kinds[4]; size_t payload; int32_t word; enum raw_outcome want;
		const char *what;
	} c[] = {
		{ SOCK_STREAM, { 2 }, 0, RAW_WIRE_CLONE, RAW_REPLY, "a clone request with a stream socket" },
		{ SOCK_SEQPACKET, { 2 }, 16, RAW_WIRE_CLONE, RAW_CLOSED, "a clone request with a payload" },
		{ SOCK_SEQPACKET, { 0 }, 0, RAW_WIRE_CLONE, RAW_CLOSED, "a clone request with kinds {0}" },
		{ SOCK_SEQPACKET, { 3 }, 0, RAW_WIRE_CLONE, RAW_CLOSED, "a clone request with kinds {3}" },
		{ SOCK_SEQPACKET, { 2 }, 0, 0, RAW_CLOSED, "a call (opcode 0) on the door" },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char payload[16] = { 0 };
		if (socketpair(AF_UNIX, c[i].type | SOCK_CLOEXEC, 0, sv) < 0)
			continue;
		err = raw_wire_send_msg(t->door, c[i].word, c[i].kinds, payload, c[i].payload, &sv[1], 1);
		close(sv[1]);
		enum raw_outcome o = err ? RAW_ERROR : raw_wire_await(sv[0], HOSTILE_WAIT_MS, NULL);
		hostile_check(t, c[i].what, o, NULL, c[i].want);
		close(sv[0]);
	}

	/* two connections in one clone request */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0 &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv2) == 0) {
		int two[2] = { sv[1], sv2[1] };
		static const uint8_t rpc2[4] = { 2, 2 };
		err = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc2, NULL, 0, two, 2);
		close(sv[1]);
		close(sv2[1]);
		enum raw_outcome o = err ? RAW_ERROR : raw_wire_await(sv[0], HOSTILE_WAIT_MS, NULL);
		hostile_check(t, "a clone request with two sockets", o, NULL, RAW_CLOSED);
		close(sv[0]);
		close(sv2[0]);
	}
	door_still_works(t, "malformed clone requests");
}

/* Requests sent and replies never read: the server must not block on us. */
static void never_read(const struct target *t)
{
	struct raw_wire_header h = { .type = RAW_TYPE_CALL, .word = 999 };
	unsigned sent = 0, replies = 0;
	enum raw_outcome o = RAW_ERROR;
	int conn;

	if (raw_wire_clone(t->door, &conn)) {
		hostile_check(t, "a clone request", RAW_ERROR, NULL, RAW_REPLY);
		return;
	}
	while (sent < 5000) {
		int err = raw_wire_send(conn, &h, sizeof(h), NULL, 0);
		if (err == -EAGAIN) {
			struct pollfd p = { .fd = conn, .events = POLLOUT };
			if (poll(&p, 1, 200) <= 0 || (p.revents & (POLLHUP | POLLERR)))
				break;
			continue;
		}
		if (err)
			break;
		sent++;
	}
	sleep_ms(200);
	while ((o = raw_wire_await(conn, HOSTILE_WAIT_MS, NULL)) == RAW_REPLY)
		replies++;
	close(conn);
	char what[96];
	snprintf(what, sizeof(what), "%u requests without reading a reply (%u replies read before the close)",
	         sent, replies);
	hostile_check(t, what, o, NULL, RAW_CLOSED);
}

/* More clone requests than an object accepts; all held open, then dropped. */
static void clone_flood(const struct target *t)
{
	static int conns[8192];
	unsigned n = 0, closed = 0, refused = 0;

	while (n < hostile_flood_size) {
		if (raw_wire_clone(t->door, &conns[n])) {
			refused++;
			sleep_ms(10);
			if (refused > 100)
				break;
			continue;
		}
		n++;
	}
	sleep_ms(500);
	for (unsigned i = 0; i < n; i++) {
		struct pollfd p = { .fd = conns[i], .events = POLLIN };
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLIN)))
			closed++;
	}
	char what[128];
	snprintf(what, sizeof(what), "%u clone requests held open: %u accepted, %u refused, "
	         "%u closed by the server later", n + refused, n - closed, refused, closed);
	/* more than ARBOR_RPC_CONNS_MAX: some must be refused, up to the limit accepted */
	int as_designed = (refused > 0 || closed > 0) && n - closed >= ARBOR_RPC_CONNS_MAX / 2 &&
	                  n - closed <= ARBOR_RPC_CONNS_MAX;
	hostile_check(t, what, as_designed ? RAW_CLOSED : RAW_ERROR, NULL, RAW_CLOSED);
	for (unsigned i = 0; i < n; i++)
		close(conns[i]);
	sleep_ms(300);
	door_still_works(t, "the flood was closed");
}

const struct batch hostile_batches[] = {
	{ "truncated messages", truncated },
	{ "oversized messages", oversized },
	{ "garbage headers", garbage_headers },
	{ "wrong payload sizes", wrong_sizes },
	{ "unknown opcodes", unknown_opcodes },
	{ "wrong fd counts", wrong_fd_counts },
	{ "wrong fd types", wrong_fd_types },
	{ "253 fds", many_fds },
	{ "malformed clone requests", bad_clones },
	{ "replies never read", never_read },
	{ "clone flood", clone_flood },
	{ NULL, NULL },
};

/* ---- connection injection ---- */

/* The door's own client end offered as a "connection": the server would hold it forever. */
static void door_as_connection(const struct target *t)
{
	static const uint8_t rpc[4] = { 2 };
	int dup_door = dup(t->door);
	int err = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc, NULL, 0, &dup_door, 1);

	close(dup_door);
	hostile_check(t, "a clone request whose connection is the door itself",
	              err ? RAW_ERROR : RAW_SILENT, NULL, RAW_SILENT);
}

/*
 * Another object's door offered as a connection: it never hangs up either,
 * and what the server would write into it goes to that other object.
 */
static void foreign_door_as_connection(const struct target *t)
{
	static const uint8_t rpc[4] = { 2 };
	int foreign = dup(hostile_foreign_door(t));
	int err = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc, NULL, 0, &foreign, 1);

	close(foreign);
	hostile_check(t, "a clone request whose connection is another object's door",
	              err ? RAW_ERROR : RAW_SILENT, NULL, RAW_SILENT);
}

/*
 * Both ends of one socket pair offered as two connections, primed with a
 * well-formed call: the server's reply on one end arrives on the other as
 * a request, and it would answer itself for as long as the object lives.
 */
static void connection_pair(const struct target *t)
{
	int sv[2], a, b;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	static const unsigned char zeros[4096];
	raw_wire_send_msg(sv[0], t->sized_op, KINDS_NONE, zeros, t->size_min, NULL, 0);
	/* hand over sv[1] (with the call waiting in it), then sv[0] */
	static const uint8_t rpc[4] = { 2 };
	a = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc, NULL, 0, &sv[1], 1);
	sleep_ms(100);
	b = raw_wire_send_msg(t->door, RAW_WIRE_CLONE, rpc, NULL, 0, &sv[0], 1);
	close(sv[0]);
	close(sv[1]);
	hostile_check(t, "both ends of one socket pair as two connections, primed with a call",
	              a || b ? RAW_ERROR : RAW_SILENT, NULL, RAW_SILENT);
}

const struct batch hostile_injections[] = {
	{ "the door as a connection", door_as_connection },
	{ "another object's door as a connection", foreign_door_as_connection },
	{ "a connection pair answering itself", connection_pair },
	{ NULL, NULL },
};
