/*
 * log_terminal: provides LOG and writes every LOG session's lines to one
 * Terminal session, as "[label] text" (Genode's log_terminal). What the
 * terminal is not ready for waits in a bounded backlog (output.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/root.h>
#include <arbor/rpc.h>
#include <session/log.h>
#include <session/parent.h>
#include "output.h"

struct log_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
};

/*
 * What a session costs us: its state, paid from the client's donation.
 * The backlog is log_terminal's own, of a fixed size.
 */
#define LOG_TERMINAL_SESSION_COST      1024u
#define LOG_TERMINAL_SESSION_COST_CAPS 1u

_Static_assert(sizeof(struct log_session) <= LOG_TERMINAL_SESSION_COST, "a session fits its cost");
_Static_assert(LOG_TERMINAL_SESSION_COST <= ARBOR_LOG_SESSION_RAM, "what a LOG client donates");

static struct {
	struct arbor_env *env;
	struct arbor_root root;
} log_terminal;

static int op_write(struct arbor_rpc_request *req)
{
	struct log_session *s = container_of(req->object, struct log_session, obj);

	output_lines(s->label, (const char *)req->in->payload, req->in->size);
	return 0;
}

static const struct arbor_rpc_op log_ops[ARBOR_LOG_NOPS] = {
	[ARBOR_LOG_WRITE] = { "write", 0, ARBOR_LOG_WRITE_MAX, 0, op_write },
};

static const struct arbor_rpc_interface log_iface = { "LOG", log_ops, ARBOR_LOG_NOPS };

/* ---- the root ---- */

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct log_session *s;

	if (req->ram < LOG_TERMINAL_SESSION_COST)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < LOG_TERMINAL_SESSION_COST_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	if (arbor_rpc_object_manage(log_terminal.env->ep, &s->obj, &log_iface))
		goto fail_session;
	s->obj.label = s->label;
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	return 0;

fail_session:
	free(s);
fail:
	/* the parent passes on only DENIED and INSUFFICIENT_*: our own shortage is a denial */
	arbor_warning("no room for the LOG session of '%s'", req->label);
	return ARBOR_E_DENIED;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct log_session *s = session;

	arbor_rpc_object_dissolve(&s->obj);
	free(s);
}

static const struct arbor_root_ops log_root_ops = { .create = create, .close = close_session };

void component_construct(struct arbor_env *env)
{
	int err;

	log_terminal.env = env;
	/* the writer opens the terminal meanwhile: LOG clients need not wait for it */
	err = output_open(env);
	if (err) {
		arbor_error("log_terminal: no terminal: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = arbor_root_announce(env, &log_terminal.root, ARBOR_LOG_SERVICE, &log_root_ops, NULL);
	if (err) {
		arbor_error("log_terminal: cannot provide the LOG service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
