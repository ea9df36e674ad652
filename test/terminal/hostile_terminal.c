/*
 * hostile_terminal: a hostile client of a Terminal server, with a good one
 * beside it. It opens two sessions at the server: "hostile", which it
 * attacks, and "good", which writes a line before the attacks and after
 * each of them (and must have it taken whole). It starts once both
 * sessions are connected: at once at terminal_log, when the peers came at
 * tcp_terminal.
 *
 * The attacks: the Terminal's own (reads and writes longer than the I/O
 * buffer: ARBOR_E_TOO_LARGE; payloads of the wrong size or a missing cap:
 * the RPC layer evicts the connection, ARBOR_E_OBJECT_GONE; a capability
 * of the wrong kind as a signal context: ARBOR_E_INVALID_CAP), then the
 * robustness suite's batches of malformed traffic
 * (test/robustness/hostile_attacks.c) against the hostile session. After
 * each the hostile session still answers a well-formed call.
 *
 * Logs "hostile: sent <what> to <target>: <outcome>" per message (an
 * unexpected outcome is marked UNEXPECTED) and exits 0 when all was as
 * designed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <terminal/terminal_client.h>
#include "../robustness/hostile.h"

#define WAIT_PEER_MS 20000

static struct {
	struct arbor_env *env;
	struct terminal_connection hostile, good;
	struct target target;
	unsigned sent, unexpected;
} h;

/* ---- what test/robustness/hostile_attacks.c needs (hostile.h) ---- */

void hostile_check(const struct target *t, const char *what, enum raw_outcome got,
                   const struct raw_reply *reply, enum raw_outcome want)
{
	char text[96];
	struct raw_reply none = { 0 };

	h.sent++;
	if (got != want)
		h.unexpected++;
	arbor_log("hostile: sent %s to %s: %s%s", what, t->name,
	          raw_wire_outcome_text(got, reply ? reply : &none, text, sizeof(text)),
	          got != want ? " -- UNEXPECTED" : "");
}

int hostile_foreign_door(const struct target *t)
{
	return arbor_cap_fd(h.good.conn.cap);
}

/* ---- the Terminal's own attacks, through the RPC layer ---- */

static void expect_status(const char *what, int got, int want)
{
	h.sent++;
	if (got != want)
		h.unexpected++;
	arbor_log("hostile: sent %s to %s: %s%s", what, h.target.name,
	          got >= 0 ? "ok" : arbor_strerror(got), got != want ? " -- UNEXPECTED" : "");
}

static int call(uint32_t op, const void *args, size_t size, struct arbor_cap *cap)
{
	struct arbor_msg reply;
	int err = arbor_rpc_call(h.hostile.conn.cap, op, args, size, cap ? &cap : NULL, cap ? 1 : 0,
	                         &reply);

	arbor_msg_release(&reply);
	return err;
}

static void oversized_lengths(void)
{
	static const struct { uint32_t op; uint32_t bytes; const char *what; } c[] = {
		{ ARBOR_TERMINAL_READ, ARBOR_TERMINAL_IO_BUFFER + 1, "a read of the buffer + 1" },
		{ ARBOR_TERMINAL_READ, UINT32_MAX, "a read of 4 GiB - 1" },
		{ ARBOR_TERMINAL_WRITE, ARBOR_TERMINAL_IO_BUFFER + 1, "a write of the buffer + 1" },
		{ ARBOR_TERMINAL_WRITE, UINT32_MAX, "a write of 4 GiB - 1" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		struct arbor_terminal_len a = { c[i].bytes };
		expect_status(c[i].what, call(c[i].op, &a, sizeof(a), NULL), ARBOR_E_TOO_LARGE);
	}
	/* the limit itself is fine */
	struct arbor_terminal_len a = { ARBOR_TERMINAL_IO_BUFFER };
	expect_status("a read of the whole buffer", call(ARBOR_TERMINAL_READ, &a, sizeof(a), NULL), 0);
}

static void wrong_sizes(void)
{
	static const char payload[8];
	static const struct { uint32_t op; size_t size; const char *what; } c[] = {
		{ ARBOR_TERMINAL_READ, 8, "a read with 8 bytes of arguments" },
		{ ARBOR_TERMINAL_WRITE, 0, "a write without its length" },
		{ ARBOR_TERMINAL_WRITE, 2, "a write with 2 bytes of arguments" },
		{ ARBOR_TERMINAL_AVAIL, 4, "avail with 4 bytes of arguments" },
		{ ARBOR_TERMINAL_CONNECTED_SIGH, 0, "connected_sigh without its cap slot" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++)
		expect_status(c[i].what, call(c[i].op, payload, c[i].size, NULL), ARBOR_E_OBJECT_GONE);
}

static void wrong_caps(void)
{
	struct arbor_cap *pd = arbor_env_pd(h.env), *ds = NULL;
	int err;

	expect_status("its own session as the connected signal",
	              call(ARBOR_TERMINAL_CONNECTED_SIGH, NULL, 0, h.hostile.conn.cap),
	              ARBOR_E_INVALID_CAP);
	expect_status("another session as the size_changed signal",
	              call(ARBOR_TERMINAL_SIZE_CHANGED_SIGH, NULL, 0, h.good.conn.cap),
	              ARBOR_E_INVALID_CAP);
	err = arbor_pd_alloc_ram(pd, 4096, &ds);
	if (err) {
		expect_status("a dataspace (none to be had)", err, 0);
		return;
	}
	expect_status("a dataspace as the read_avail signal",
	              call(ARBOR_TERMINAL_READ_AVAIL_SIGH, NULL, 0, ds), ARBOR_E_INVALID_CAP);
	arbor_pd_free_ram(pd, ds);
	arbor_cap_unref(ds);
}

/* ---- between the attacks ---- */

/* Poll (a peer comes from outside: no signal handler can run while we attack). */
static void wait_connected(struct terminal_connection *t, const char *which)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int said = 0;

	for (unsigned i = 0; i < WAIT_PEER_MS / 20; i++) {
		int state = terminal_connected(t);
		if (state == 1)
			return;
		if (state < 0)
			break;
		if (!said++)
			arbor_log("hostile: waiting for the %s session's peer", which);
		nanosleep(&pause, NULL);
	}
	arbor_error("hostile: the %s session did not become connected", which);
	arbor_exit(h.env, 1);
}

static void still_served(const char *after)
{
	size_t avail = 1;
	char line[160];
	int n = snprintf(line, sizeof(line), "good: after %s\n", after);

	h.sent++;
	if (terminal_avail(&h.hostile, &avail) || avail) {
		h.unexpected++;
		arbor_log("hostile: after %s: the hostile session does not answer -- UNEXPECTED", after);
	}
	h.sent++;
	if (terminal_write(&h.good, line, (size_t)n) != n) {
		h.unexpected++;
		arbor_log("hostile: after %s: the good session's line was not taken -- UNEXPECTED",
		          after);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} terminal_attacks[] = {
	{ "oversized lengths", oversized_lengths },
	{ "wrong payload sizes", wrong_sizes },
	{ "wrong capabilities", wrong_caps },
};

void component_construct(struct arbor_env *env)
{
	int err;

	h.env = env;
	if ((err = terminal_connection_open(env, &h.good, "good")) ||
	    (err = terminal_connection_open(env, &h.hostile, "hostile"))) {
		arbor_error("hostile: no Terminal session: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	wait_connected(&h.good, "good");
	wait_connected(&h.hostile, "hostile");
	h.target = (struct target){
		.name = "the hostile session", .door = arbor_cap_fd(h.hostile.conn.cap),
		.valid_op = ARBOR_TERMINAL_AVAIL,
		.sized_op = ARBOR_TERMINAL_READ, .size_min = sizeof(struct arbor_terminal_len),
		.size_max = sizeof(struct arbor_terminal_len),
		.cap_op = ARBOR_TERMINAL_CONNECTED_SIGH,
	};
	still_served("nothing yet");
	arbor_log("hostile: attacks begin");
	for (unsigned i = 0; i < ARRAY_SIZE(terminal_attacks); i++) {
		arbor_log("hostile: %s", terminal_attacks[i].name);
		terminal_attacks[i].fn();
		still_served(terminal_attacks[i].name);
	}
	for (const struct batch *b = hostile_batches; b->name; b++) {
		arbor_log("hostile: batch: %s", b->name);
		b->fn(&h.target);
		still_served(b->name);
	}
	terminal_write(&h.hostile, "hostile: still served\n", 22);
	arbor_log("hostile: attacks done: %u messages and checks, %u unexpected", h.sent,
	          h.unexpected);
	arbor_exit(env, h.unexpected ? 1 : 0);
}
