/*
 * A child's sessions: its requests decoded, routed by the policy, paid for
 * from its PD (this component keeps ARBOR_SESSION_STATE_RAM of each
 * donation, the rest goes to the server) and answered now or, when the
 * server answers later, after a SESSION signal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include "child_internal.h"

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static struct arbor_session *find(struct arbor_child *c, uint32_t id)
{
	for (struct arbor_session *s = c->sessions; s; s = s->next_at_client)
		if (s->client_id == id)
			return s;
	return NULL;
}

static void unlink_session(struct arbor_child *c, struct arbor_session *s)
{
	for (struct arbor_session **l = &c->sessions; *l; l = &(*l)->next_at_client) {
		if (*l == s) {
			*l = s->next_at_client;
			c->nsessions--;
			return;
		}
	}
}

/* Move quota between the child's PD and ours; to_child says which way. */
static int pay(struct arbor_child *c, uint64_t ram, uint64_t caps, int to_child)
{
	struct arbor_cap *own = arbor_env_pd(c->env), *pd = arbor_child_pd(c);

	if (!ram && !caps)
		return 0;
	return to_child ? arbor_pd_transfer_quota(own, pd, ram, caps)
	                : arbor_pd_transfer_quota(pd, own, ram, caps);
}

/* Give back what the child paid for s and drop it. */
static void refund_and_free(struct arbor_child *c, struct arbor_session *s)
{
	pay(c, s->ram + ARBOR_SESSION_STATE_RAM, s->caps, 1);
	unlink_session(c, s);
	arbor_service_forget(s);
	arbor_session_free(s);
}

/* An asynchronous answer for one of the child's sessions. */
static void answered(struct arbor_session *s)
{
	struct arbor_child *c = s->client;

	if (s->phase == ARBOR_PHASE_CLOSED) {
		refund_and_free(c, s);
	} else if (s->phase == ARBOR_PHASE_FAILED && (s->ram || s->caps)) {
		/* the donation is back here: return it now, the error on SESSION_CAP */
		pay(c, s->ram, s->caps, 1);
		s->ram = s->caps = 0;
	} else if (s->phase == ARBOR_PHASE_CAP_HANDED_OUT && s->error) {
		/* a failed upgrade: the child gets it back */
		pay(c, s->upgrade_ram, s->upgrade_caps, 1);
		s->error = 0;
	}
	child_signal(c, ARBOR_SIGNAL_SESSION);
	child_changed(c);
}

int child_op_session(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_session_args a;
	char label[ARBOR_LABEL_MAX], prefixed[ARBOR_LABEL_MAX], server_label[ARBOR_LABEL_MAX];
	char args[ARBOR_SESSION_ARGS_MAX];
	struct arbor_service *svc;
	struct arbor_session *s;
	uint64_t ram = 0, caps = 0;
	int err;

	memcpy(&a, req->in->payload, sizeof(a));
	if (!terminated(a.service, sizeof(a.service)) || !terminated(a.args, sizeof(a.args)) ||
	    a.id < ARBOR_ENV_IDS_END)
		return ARBOR_E_INVALID;
	if (find(c, a.id)) {
		arbor_warning("%s: requested conflicting session ID %u", c->name, a.id);
		return ARBOR_E_EXISTS;
	}
	if (c->nsessions >= CHILD_SESSIONS_MAX)
		return ARBOR_E_OUT_OF_CAPS;
	label[0] = '\0';
	err = arbor_args_get(a.args, "label", label, sizeof(label));
	if (err && err != ARBOR_E_NOT_FOUND)
		return ARBOR_E_INVALID;
	if (arbor_label_prefix(prefixed, sizeof(prefixed), c->name, label))
		return ARBOR_E_TOO_LARGE;
	if (arbor_args_get_u64(a.args, "ram_quota", &ram) == ARBOR_E_INVALID ||
	    arbor_args_get_u64(a.args, "cap_quota", &caps) == ARBOR_E_INVALID)
		return ARBOR_E_INVALID;

	/* decide everything before any quota moves */
	err = c->policy && c->policy->resolve
	    ? c->policy->resolve(c, a.service, prefixed, &svc, server_label, sizeof(server_label))
	    : child_resolve(c, a.service, prefixed, &svc, server_label, sizeof(server_label));
	if (err)
		return err;
	if (ram < ARBOR_SESSION_STATE_RAM)
		return ARBOR_E_INSUFFICIENT_RAM;
	snprintf(args, sizeof(args), "%s", a.args);
	if (arbor_args_set(args, sizeof(args), "label", server_label, 1) ||
	    arbor_args_set_u64(args, sizeof(args), "ram_quota", ram - ARBOR_SESSION_STATE_RAM))
		return ARBOR_E_TOO_LARGE;
	s = arbor_session_new(a.service, server_label, args, ram - ARBOR_SESSION_STATE_RAM, caps);
	if (!s)
		return ARBOR_E_OUT_OF_RAM;
	err = pay(c, ram, caps, 0);
	if (err) {
		arbor_session_free(s);
		return err;
	}
	s->client = c;
	s->client_id = a.id;
	s->client_label = strdup(prefixed);
	s->answered = answered;
	child_initiate(c, svc, s);

	switch (s->phase) {
	case ARBOR_PHASE_FAILED:
		err = s->error;
		pay(c, ram, caps, 1);
		arbor_session_free(s);
		return err;
	case ARBOR_PHASE_AVAILABLE:
		s->phase = ARBOR_PHASE_CAP_HANDED_OUT;
		arbor_msg_add_cap(req->out, s->cap);
		err = 0;
		break;
	default:
		err = ARBOR_E_PENDING;
		break;
	}
	s->next_at_client = c->sessions;
	c->sessions = s;
	c->nsessions++;
	child_changed(c);
	return err;
}

int child_op_session_cap(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_id_args a;
	struct arbor_session *s;
	int err;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.id >= ARBOR_ENV_PD && a.id <= ARBOR_ENV_ROM) {
		s = c->env_sessions[a.id - ARBOR_ENV_PD];
		if (!s || !s->cap)
			return ARBOR_E_NOT_FOUND;
		arbor_msg_add_cap(req->out, s->cap);
		return 0;
	}
	s = find(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	switch (s->phase) {
	case ARBOR_PHASE_AVAILABLE:
		s->phase = ARBOR_PHASE_CAP_HANDED_OUT;
		/* fall through */
	case ARBOR_PHASE_CAP_HANDED_OUT:
		arbor_msg_add_cap(req->out, s->cap);
		return 0;
	case ARBOR_PHASE_FAILED:
		err = s->error;
		refund_and_free(c, s);
		return err;
	default:
		return ARBOR_E_PENDING;
	}
}

int child_op_upgrade(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_upgrade_args a;
	struct arbor_session *s;
	int err;

	memcpy(&a, req->in->payload, sizeof(a));
	s = find(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	if (s->phase == ARBOR_PHASE_UPGRADE_REQUESTED)
		return ARBOR_E_PENDING;
	if (s->phase != ARBOR_PHASE_CAP_HANDED_OUT)
		return ARBOR_E_INVALID;
	err = pay(c, a.ram, a.caps, 0);
	if (err)
		return err;
	s->upgrade_ram = a.ram;
	s->upgrade_caps = a.caps;
	s->error = 0;
	s->phase = ARBOR_PHASE_UPGRADE_REQUESTED;
	arbor_service_initiate(s->service, s);
	if (s->phase == ARBOR_PHASE_UPGRADE_REQUESTED)
		return ARBOR_E_PENDING;
	if (s->error) {
		err = s->error;
		pay(c, a.ram, a.caps, 1);
		s->error = 0;
		return err;
	}
	child_changed(c);
	return 0;
}

int child_op_close(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_id_args a;
	struct arbor_session *s;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.id < ARBOR_ENV_IDS_END)
		return ARBOR_E_DENIED;       /* environment sessions live as long as the child */
	s = find(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	switch (s->phase) {
	case ARBOR_PHASE_FAILED:
		refund_and_free(c, s);
		child_changed(c);
		return 0;
	case ARBOR_PHASE_UPGRADE_REQUESTED:
	case ARBOR_PHASE_CLOSE_REQUESTED:
		return ARBOR_E_PENDING;
	default:
		break;
	}
	s->phase = ARBOR_PHASE_CLOSE_REQUESTED;
	arbor_service_initiate(s->service, s);
	child_changed(c);
	if (s->phase != ARBOR_PHASE_CLOSED)
		return ARBOR_E_PENDING;
	refund_and_free(c, s);
	return 0;
}

void child_close_sessions(struct arbor_child *c)
{
	/* the child is going: its donations stay here, the servers finish alone */
	while (c->sessions) {
		struct arbor_session *s = c->sessions;
		c->sessions = s->next_at_client;
		arbor_service_orphan(s);
	}
	c->nsessions = 0;
}
