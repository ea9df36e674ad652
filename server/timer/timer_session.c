/*
 * Timer sessions: each holds at most one pending timeout in the shared
 * schedule and signals its client's context when it passes. Nothing here
 * waits for a client: signals are eventfd writes that never block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/parent.h>
#include <session/timer.h>
#include "timer_session.h"
#include "timer_source.h"

struct timer_session {
	struct arbor_rpc_object obj;
	struct timer_service *service;
	struct schedule_entry timeout;
	uint64_t period_us;              /* 0: the pending timeout is one-shot */
	uint64_t created_us;
	struct arbor_cap *sigh;          /* NULL: timeouts pass unnoticed */
	char label[ARBOR_LABEL_MAX];
};

static struct timer_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct timer_session, obj);
}

static void expired(struct schedule_entry *e, uint64_t now)
{
	struct timer_session *s = container_of(e, struct timer_session, timeout);
	uint64_t ticks = 1;

	if (s->period_us) {
		/* a late wake-up counts every period that passed, and the next one stays on the grid */
		uint64_t due = e->deadline.deadline;
		ticks += (now - due) / s->period_us;
		schedule_set(&s->service->schedule, e, due + ticks * s->period_us);
	}
	if (s->sigh)
		arbor_signal_submit(s->sigh, ticks);
}

static int op_sigh(struct arbor_rpc_request *req)
{
	struct timer_session *s = session_of(req);
	int err = arbor_rpc_take_sigh(req, 0, &s->sigh);

	if (err)
		return err;
	return 0;
}

/* Decode a trigger's duration; the caller acts only when this passed. */
static int trigger_arg(struct arbor_rpc_request *req, uint64_t *us)
{
	struct arbor_timer_trigger_args a;

	memcpy(&a, req->in->payload, sizeof(a));
	*us = a.us;
	return a.us > ARBOR_TIMER_TIMEOUT_MAX_US ? ARBOR_E_INVALID : 0;
}

static int op_trigger_once(struct arbor_rpc_request *req)
{
	struct timer_session *s = session_of(req);
	uint64_t us;
	int err = trigger_arg(req, &us);

	if (err)
		return err;
	s->period_us = 0;
	schedule_set(&s->service->schedule, &s->timeout, timer_source_now_us() + us);
	return 0;
}

static int op_trigger_periodic(struct arbor_rpc_request *req)
{
	struct timer_session *s = session_of(req);
	uint64_t us;
	int err = trigger_arg(req, &us);

	if (err)
		return err;
	if (!us) {
		s->period_us = 0;
		schedule_cancel(&s->service->schedule, &s->timeout);
		return 0;
	}
	s->period_us = us < ARBOR_TIMER_PERIOD_MIN_US ? ARBOR_TIMER_PERIOD_MIN_US : us;
	schedule_set(&s->service->schedule, &s->timeout, timer_source_now_us() + s->period_us);
	return 0;
}

static int reply_elapsed(struct arbor_rpc_request *req, uint64_t divisor)
{
	struct timer_session *s = session_of(req);
	struct arbor_timer_elapsed e = { (timer_source_now_us() - s->created_us) / divisor };

	memcpy(req->out->payload, &e, sizeof(e));
	req->out->size = sizeof(e);
	return 0;
}

static int op_elapsed_ms(struct arbor_rpc_request *req)
{
	return reply_elapsed(req, 1000);
}

static int op_elapsed_us(struct arbor_rpc_request *req)
{
	return reply_elapsed(req, 1);
}

#define TRIGGER_SIZE sizeof(struct arbor_timer_trigger_args)

static const struct arbor_rpc_op timer_ops[ARBOR_TIMER_NOPS] = {
	[ARBOR_TIMER_SIGH]             = { "sigh", 0, 0, 1, op_sigh },
	[ARBOR_TIMER_TRIGGER_ONCE]     = { "trigger_once", TRIGGER_SIZE, TRIGGER_SIZE, 0,
	                                   op_trigger_once },
	[ARBOR_TIMER_TRIGGER_PERIODIC] = { "trigger_periodic", TRIGGER_SIZE, TRIGGER_SIZE, 0,
	                                   op_trigger_periodic },
	[ARBOR_TIMER_ELAPSED_MS]       = { "elapsed_ms", 0, 0, 0, op_elapsed_ms },
	[ARBOR_TIMER_ELAPSED_US]       = { "elapsed_us", 0, 0, 0, op_elapsed_us },
};

static const struct arbor_rpc_interface timer_iface = { "Timer", timer_ops, ARBOR_TIMER_NOPS };

/* ---- the root ---- */

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct timer_service *svc = root->priv;
	struct timer_session *s;

	if (req->ram < ARBOR_TIMER_SESSION_COST)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < ARBOR_TIMER_SESSION_COST_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	/* the session's slot in the schedule, so that triggering never fails */
	if (schedule_reserve(&svc->schedule, svc->sessions + 1))
		goto fail_session;
	if (arbor_rpc_object_manage(svc->env->ep, &s->obj, &timer_iface))
		goto fail_reserve;
	svc->sessions++;
	s->service = svc;
	s->created_us = timer_source_now_us();
	schedule_entry_init(&s->timeout, expired);
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	s->obj.label = s->label;
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	return 0;

fail_reserve:
	schedule_reserve(&svc->schedule, svc->sessions);
fail_session:
	free(s);
fail:
	/* the parent passes on only DENIED and INSUFFICIENT_*: our own shortage is a denial */
	arbor_warning("timer: no room for a session of '%s'", req->label);
	return ARBOR_E_DENIED;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct timer_service *svc = root->priv;
	struct timer_session *s = session;

	schedule_cancel(&svc->schedule, &s->timeout);
	arbor_rpc_object_dissolve(&s->obj);
	arbor_cap_unref(s->sigh);
	free(s);
	svc->sessions--;
	/* shrinking cannot leave too little room; a failed realloc just keeps more */
	schedule_reserve(&svc->schedule, svc->sessions);
}

static const struct arbor_root_ops timer_root_ops = { .create = create, .close = close_session };

int timer_session_serve(struct timer_service *svc, struct arbor_env *env)
{
	int err;

	svc->env = env;
	svc->sessions = 0;
	err = schedule_init(&svc->schedule, env->ep);
	if (err)
		return err;
	err = arbor_root_announce(env, &svc->root, ARBOR_TIMER_SERVICE, &timer_root_ops, svc);
	if (err)
		schedule_fini(&svc->schedule);
	return err;
}
