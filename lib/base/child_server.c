/*
 * The services a child provides. A session routed here queues at the
 * child service; the child, once it announced the service, takes the
 * requests one by one (upgrades, then closes, then creates), and only
 * then does the donation move on from this component's PD to the child's.
 * Its answers (DELIVER, RESPONSE) complete the sessions and reach their
 * owners. When the child goes, its PD returns every donation here and its
 * sessions end: pending creates are denied, the others closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include "child_internal.h"

static uint32_t next_server_id = 1;

static struct child_service *child_service_of(const struct arbor_service *svc);

/* Move a donation between our PD and the server child's. */
static int pay_server(struct arbor_child *server, uint64_t ram, uint64_t caps, int to_server)
{
	struct arbor_cap *own = arbor_env_pd(server->env), *pd = arbor_child_pd(server);

	if (!ram && !caps)
		return 0;
	if (!pd)
		return ARBOR_E_DENIED;
	return to_server ? arbor_pd_transfer_quota(own, pd, ram, caps)
	                 : arbor_pd_transfer_quota(pd, own, ram, caps);
}

/* Tell the owner, or finish an orphan. */
static void done(struct arbor_session *s)
{
	if (s->answered) {
		s->answered(s);
		return;
	}
	if (s->phase == ARBOR_PHASE_FAILED || s->phase == ARBOR_PHASE_CLOSED) {
		arbor_service_forget(s);
		arbor_session_free(s);
	}
}

static void wake(struct child_service *cs)
{
	if (cs->announced)
		child_signal(cs->child, ARBOR_SIGNAL_REQUESTS);
	child_changed(cs->child);
}

static void service_initiate(struct arbor_service *svc, struct arbor_session *s)
{
	struct child_service *cs = child_service_of(svc);

	if (svc->abandoned) {
		if (s->phase == ARBOR_PHASE_CREATE_REQUESTED) {
			s->phase = ARBOR_PHASE_FAILED;
			s->error = ARBOR_E_DENIED;
		} else {
			s->phase = ARBOR_PHASE_CLOSED;
		}
		arbor_service_forget(s);
		return;
	}
	switch (s->phase) {
	case ARBOR_PHASE_CREATE_REQUESTED:
		s->server_id = next_server_id++;
		s->handed_to_server = 0;
		break;
	case ARBOR_PHASE_CLOSE_REQUESTED:
		if (!s->cap && !s->handed_to_server) {
			/* the server never saw it, the donation never left */
			s->phase = ARBOR_PHASE_CLOSED;
			arbor_service_forget(s);
			return;
		}
		s->handed_to_server = 0;
		break;
	default:
		s->handed_to_server = 0;
		break;
	}
	wake(cs);
}

static void service_orphan(struct arbor_service *svc, struct arbor_session *s)
{
	switch (s->phase) {
	case ARBOR_PHASE_FAILED:
	case ARBOR_PHASE_CLOSED:
		done(s);
		return;
	case ARBOR_PHASE_UPGRADE_REQUESTED:
	case ARBOR_PHASE_CLOSE_REQUESTED:
		return;       /* finished when the server answers */
	case ARBOR_PHASE_CREATE_REQUESTED:
		if (s->handed_to_server)
			return;   /* the delivery is turned into a close */
		break;
	default:
		break;
	}
	s->phase = ARBOR_PHASE_CLOSE_REQUESTED;
	service_initiate(svc, s);
	if (s->phase == ARBOR_PHASE_CLOSED)
		done(s);
}

static const struct arbor_service_ops service_ops = { service_initiate, service_orphan };

static struct child_service *child_service_of(const struct arbor_service *svc)
{
	return svc && svc->ops == &service_ops ? container_of(svc, struct child_service, svc) : NULL;
}

int arbor_child_service_new(struct arbor_child *c, const char *name, struct arbor_service **out)
{
	struct child_service *cs = calloc(1, sizeof(*cs)), **l;

	*out = NULL;
	if (!cs)
		return -ENOMEM;
	snprintf(cs->svc.name, sizeof(cs->svc.name), "%s", name);
	cs->svc.ops = &service_ops;
	cs->svc.env = c->env;
	cs->child = c;
	/* keep <provides> order */
	for (l = (struct child_service **)&c->services; *l; l = &(*l)->next)
		;
	*l = cs;
	*out = &cs->svc;
	return 0;
}

int arbor_child_service_announced(const struct arbor_service *svc)
{
	struct child_service *cs = child_service_of(svc);

	return cs && cs->announced;
}

struct arbor_child *arbor_child_service_child(const struct arbor_service *svc)
{
	struct child_service *cs = child_service_of(svc);

	return cs ? cs->child : NULL;
}

struct arbor_service *arbor_child_services(const struct arbor_child *c)
{
	return c->services;
}

struct arbor_service *arbor_child_service_next(const struct arbor_service *svc)
{
	struct child_service *cs = child_service_of(svc);

	return cs && cs->next ? &cs->next->svc : NULL;
}

/* ---- the child's side: announce, take requests, answer ---- */

static struct child_service *find_service(struct arbor_child *c, const char *name)
{
	for (struct child_service *cs = (struct child_service *)c->services; cs; cs = cs->next)
		if (!strcmp(cs->svc.name, name))
			return cs;
	return NULL;
}

int child_op_announce(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_announce_args a;
	struct child_service *cs;

	memcpy(&a, req->in->payload, sizeof(a));
	a.service[sizeof(a.service) - 1] = '\0';
	cs = find_service(c, a.service);
	if (!cs) {
		arbor_warning("%s: illegal announcement of service \"%s\"", c->name, a.service);
		return ARBOR_E_DENIED;
	}
	cs->announced = 1;
	if (cs->svc.sessions)
		child_signal(c, ARBOR_SIGNAL_REQUESTS);
	child_changed(c);
	return 0;
}

/* The first request of the given phase not yet handed to the child. */
static struct arbor_session *untaken(struct arbor_child *c, enum arbor_session_phase phase)
{
	for (struct child_service *cs = (struct child_service *)c->services; cs; cs = cs->next) {
		if (!cs->announced)
			continue;
		for (struct arbor_session *s = cs->svc.sessions; s; s = s->next_at_service)
			if (s->phase == phase && !s->handed_to_server)
				return s;
	}
	return NULL;
}

int child_op_next_request(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_request *rq = (struct arbor_parent_request *)req->out->payload;
	struct arbor_session *s;

	memset(rq, 0, sizeof(*rq));
	if ((s = untaken(c, ARBOR_PHASE_UPGRADE_REQUESTED))) {
		if (pay_server(c, s->upgrade_ram, s->upgrade_caps, 1)) {
			/* cannot happen while we hold the upgrade; tell the owner */
			s->error = ARBOR_E_OUT_OF_RAM;
			s->phase = ARBOR_PHASE_CAP_HANDED_OUT;
			done(s);
			return ARBOR_E_NOT_FOUND;
		}
		rq->kind = ARBOR_REQUEST_UPGRADE;
		rq->ram = s->upgrade_ram;
		rq->caps = s->upgrade_caps;
	} else if ((s = untaken(c, ARBOR_PHASE_CLOSE_REQUESTED))) {
		rq->kind = ARBOR_REQUEST_CLOSE;
	} else if ((s = untaken(c, ARBOR_PHASE_CREATE_REQUESTED))) {
		int err = pay_server(c, s->ram, s->caps, 1);
		if (err) {
			arbor_session_created(s, err);
			done(s);
			return ARBOR_E_NOT_FOUND;
		}
		rq->kind = ARBOR_REQUEST_CREATE;
		rq->ram = s->ram;
		rq->caps = s->caps;
		snprintf(rq->args, sizeof(rq->args), "%s", s->args);
	} else {
		return ARBOR_E_NOT_FOUND;
	}
	s->handed_to_server = 1;
	rq->server_id = s->server_id;
	snprintf(rq->service, sizeof(rq->service), "%s", s->service_name);
	req->out->size = sizeof(*rq);
	return 0;
}

/* The session with server_id that the child was handed and has not answered. */
static struct arbor_session *outstanding(struct arbor_child *c, uint32_t server_id)
{
	for (struct child_service *cs = (struct child_service *)c->services; cs; cs = cs->next)
		for (struct arbor_session *s = cs->svc.sessions; s; s = s->next_at_service)
			if (s->server_id == server_id && s->handed_to_server)
				return s;
	return NULL;
}

int child_op_deliver(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_deliver_args a;
	struct arbor_session *s;
	struct arbor_cap *cap;

	memcpy(&a, req->in->payload, sizeof(a));
	s = outstanding(c, a.server_id);
	if (!s || s->phase != ARBOR_PHASE_CREATE_REQUESTED)
		return ARBOR_E_NOT_FOUND;
	cap = arbor_msg_take_cap(req->in, 0);
	if (!cap || arbor_cap_kind(cap) != ARBOR_CAP_RPC) {
		arbor_cap_unref(cap);
		return ARBOR_E_INVALID_CAP;
	}
	s->cap = cap;
	s->handed_to_server = 0;
	if (!s->answered) {
		/* the client went away meanwhile: close what it asked for */
		s->phase = ARBOR_PHASE_CLOSE_REQUESTED;
		wake(child_service_of(s->service));
		return 0;
	}
	s->phase = ARBOR_PHASE_AVAILABLE;
	done(s);
	return 0;
}

int child_op_response(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_response_args a;
	struct arbor_session *s;

	memcpy(&a, req->in->payload, sizeof(a));
	s = outstanding(c, a.server_id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	switch (s->phase) {
	case ARBOR_PHASE_CREATE_REQUESTED:
		if (a.result >= 0)
			return ARBOR_E_INVALID;      /* a create is answered by DELIVER */
		/* the client knows denial and insufficiency; anything else is a denial */
		if (a.result != ARBOR_E_INSUFFICIENT_RAM && a.result != ARBOR_E_INSUFFICIENT_CAPS)
			a.result = ARBOR_E_DENIED;
		if (pay_server(c, s->ram, s->caps, 0))
			arbor_warning("%s: keeps the donation of a session it refused", c->name);
		s->phase = ARBOR_PHASE_FAILED;
		s->error = a.result;
		if (!s->answered) {
			s->phase = ARBOR_PHASE_CLOSED;
		}
		break;
	case ARBOR_PHASE_UPGRADE_REQUESTED:
		if (a.result != ARBOR_SESSION_OK)
			return ARBOR_E_INVALID;
		arbor_session_upgraded(s);
		s->handed_to_server = 0;
		if (!s->answered) {
			/* its owner left while the upgrade was under way */
			s->phase = ARBOR_PHASE_CLOSE_REQUESTED;
			wake(child_service_of(s->service));
			return 0;
		}
		done(s);
		return 0;
	case ARBOR_PHASE_CLOSE_REQUESTED:
		if (a.result != ARBOR_SESSION_CLOSED)
			return ARBOR_E_INVALID;
		if (pay_server(c, s->ram, s->caps, 0))
			arbor_warning("%s: keeps the donation of a session it closed", c->name);
		s->phase = ARBOR_PHASE_CLOSED;
		break;
	default:
		return ARBOR_E_INVALID;
	}
	s->handed_to_server = 0;
	arbor_service_forget(s);
	done(s);
	child_changed(c);
	return 0;
}

/* ---- the child goes ---- */

void child_abandon_services(struct arbor_child *c)
{
	for (struct child_service *cs = (struct child_service *)c->services; cs; cs = cs->next)
		cs->svc.abandoned = 1;
}

void child_free_services(struct arbor_child *c)
{
	/*
	 * The child's PD is gone, and with it every donation came back here:
	 * creates it never answered are denied, everything else is closed.
	 */
	while (c->services) {
		struct child_service *cs = (struct child_service *)c->services;
		while (cs->svc.sessions) {
			struct arbor_session *s = cs->svc.sessions;
			arbor_service_forget(s);
			if (s->phase == ARBOR_PHASE_CREATE_REQUESTED) {
				s->phase = ARBOR_PHASE_FAILED;
				s->error = ARBOR_E_DENIED;
			} else {
				if (s->phase == ARBOR_PHASE_UPGRADE_REQUESTED)
					arbor_session_upgraded(s);   /* its donation came back too */
				s->phase = ARBOR_PHASE_CLOSED;
			}
			done(s);
		}
		c->services = cs->next ? &cs->next->svc : NULL;
		free(cs);
	}
}
