/*
 * The well-behaved client of the robustness scenario: calls the Robust
 * object in a loop while the hostile client attacks and checks that every
 * answer is its own. Whenever the server reports a finished batch it also
 * mints a fresh connection (proving the server still accepts new callers)
 * and logs "good: after batch N: ...". Ends when the final batch is
 * reported; exits 1 on any wrong or failed answer.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <arbor/rpc.h>
#include "raw_wire.h"
#include "robust_iface.h"

#define CLIENT_ID 7
#define PAUSE_NS  (2 * 1000 * 1000)

/* A call on a connection of our own, minted just now. */
static int fresh_echo(struct arbor_cap *obj, uint32_t seq)
{
	struct robust_echo e = { .client = CLIENT_ID, .seq = seq };
	struct raw_reply r;
	int conn, ok;

	if (raw_wire_clone(arbor_cap_fd(obj), &conn))
		return 0;
	ok = raw_wire_call(conn, ROBUST_ECHO, &e, sizeof(e), 5000, &r) == RAW_REPLY && r.status == 0 &&
	     r.size == sizeof(e) && !memcmp(r.payload, &e, 8);
	close(conn);
	return ok;
}

void component_construct(struct arbor_env *env)
{
	struct arbor_cap *obj;
	uint32_t seq = 0, batch = 0, since = 0;
	struct timespec pause = { 0, PAUSE_NS };
	int err;

	err = arbor_parent_session(env->parent, arbor_session_id_alloc(), ROBUST_SERVICE,
	                           "label=\"\", ram_quota=4096, cap_quota=2", &obj);
	if (err) {
		arbor_error("good: no Robust session: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("good: connected");
	for (;;) {
		struct robust_echo e = { .client = CLIENT_ID, .seq = seq }, back;
		struct arbor_msg reply;
		err = arbor_rpc_call(obj, ROBUST_ECHO, &e, sizeof(e), NULL, 0, &reply);
		memcpy(&back, reply.payload, sizeof(back));
		int right = err == 0 && reply.size == sizeof(e) && back.client == CLIENT_ID &&
		            back.seq == seq;
		arbor_msg_release(&reply);
		if (!right) {
			arbor_error("good: call %u: %s", seq,
			            err ? arbor_strerror(err) : "the answer was not ours");
			arbor_exit(env, 1);
		}
		seq++;
		since++;
		if (back.batch != batch) {
			batch = back.batch;
			if (!fresh_echo(obj, seq)) {
				arbor_error("good: a fresh connection failed after batch %u", batch);
				arbor_exit(env, 1);
			}
			if (batch == ROBUST_DONE) {
				arbor_log("good: all %u answers were correct, a fresh connection works", seq);
				arbor_exit(env, 0);
			}
			arbor_log("good: after batch %u: %u more answers correct, a fresh connection works",
			          batch, since);
			since = 0;
		}
		nanosleep(&pause, NULL);
	}
}
