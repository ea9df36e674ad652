/*
 * Session states and the two services a parent answers without a child:
 * local ones (served by this component) and parent ones (forwarded to its
 * own parent, where an answer may be pending until the SESSION signal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/child.h>
#include <arbor/error.h>
#include <arbor/parent.h>
#include <arbor/service.h>

struct arbor_session *arbor_session_new(const char *service, const char *label,
                                        const char *args, uint64_t ram, uint64_t caps)
{
	struct arbor_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	snprintf(s->service_name, sizeof(s->service_name), "%s", service);
	snprintf(s->label, sizeof(s->label), "%s", label);
	snprintf(s->args, sizeof(s->args), "%s", args);
	s->ram = ram;
	s->caps = caps;
	return s;
}

void arbor_session_free(struct arbor_session *s)
{
	if (!s)
		return;
	arbor_cap_unref(s->cap);
	free(s->client_label);
	free(s);
}

const char *arbor_session_phase_name(const struct arbor_session *s)
{
	switch (s->phase) {
	case ARBOR_PHASE_CREATE_REQUESTED:  return "CREATING";
	case ARBOR_PHASE_FAILED:
		return s->error == ARBOR_E_INSUFFICIENT_RAM  ? "INSUFFICIENT_RAM" :
		       s->error == ARBOR_E_INSUFFICIENT_CAPS ? "INSUFFICIENT_CAP" : "DENIED";
	case ARBOR_PHASE_AVAILABLE:         return "AVAIL";
	case ARBOR_PHASE_CAP_HANDED_OUT:    return "OK";
	case ARBOR_PHASE_UPGRADE_REQUESTED: return "UPGRADING";
	case ARBOR_PHASE_CLOSE_REQUESTED:   return "CLOSING";
	case ARBOR_PHASE_CLOSED:            return "CLOSED";
	}
	return "?";
}

void arbor_session_created(struct arbor_session *s, int err)
{
	if (err) {
		s->phase = ARBOR_PHASE_FAILED;
		s->error = err;
		arbor_service_forget(s);
	} else {
		s->phase = ARBOR_PHASE_AVAILABLE;
	}
}

void arbor_session_upgraded(struct arbor_session *s)
{
	s->ram += s->upgrade_ram;
	s->caps += s->upgrade_caps;
	s->upgrade_ram = s->upgrade_caps = 0;
	s->phase = ARBOR_PHASE_CAP_HANDED_OUT;
}

void arbor_service_initiate(struct arbor_service *svc, struct arbor_session *s)
{
	if (!s->service) {
		s->service = svc;
		s->next_at_service = svc->sessions;
		svc->sessions = s;
	}
	svc->ops->initiate(svc, s);
}

void arbor_service_forget(struct arbor_session *s)
{
	if (!s->service)
		return;
	for (struct arbor_session **l = &s->service->sessions; *l; l = &(*l)->next_at_service) {
		if (*l == s) {
			*l = s->next_at_service;
			break;
		}
	}
	s->service = NULL;
}

void arbor_service_orphan(struct arbor_session *s)
{
	s->answered = NULL;
	s->owner = NULL;
	s->client = NULL;
	if (s->service)
		s->service->ops->orphan(s->service, s);
	else
		arbor_session_free(s);
}

/* ---- local services ---- */

struct local_service {
	struct arbor_service svc;
	const struct arbor_local_ops *ops;
};

static void local_initiate(struct arbor_service *svc, struct arbor_session *s)
{
	const struct arbor_local_ops *ops = container_of(svc, struct local_service, svc)->ops;
	int err;

	switch (s->phase) {
	case ARBOR_PHASE_CREATE_REQUESTED:
		err = ops->create(svc, s, &s->server_obj, &s->cap);
		arbor_session_created(s, err);
		break;
	case ARBOR_PHASE_UPGRADE_REQUESTED:
		arbor_session_upgraded(s);
		break;
	case ARBOR_PHASE_CLOSE_REQUESTED:
		if (s->server_obj && ops->close)
			ops->close(svc, s->server_obj);
		s->server_obj = NULL;
		s->phase = ARBOR_PHASE_CLOSED;
		arbor_service_forget(s);
		break;
	default:
		break;
	}
}

static void local_orphan(struct arbor_service *svc, struct arbor_session *s)
{
	s->phase = ARBOR_PHASE_CLOSE_REQUESTED;
	local_initiate(svc, s);
	arbor_session_free(s);
}

static const struct arbor_service_ops local_ops = { local_initiate, local_orphan };

int arbor_local_service_new(struct arbor_env *env, const char *name,
                            const struct arbor_local_ops *ops, void *priv,
                            struct arbor_service **out)
{
	struct local_service *ls = calloc(1, sizeof(*ls));

	*out = NULL;
	if (!ls)
		return -ENOMEM;
	snprintf(ls->svc.name, sizeof(ls->svc.name), "%s", name);
	ls->svc.ops = &local_ops;
	ls->svc.env = env;
	ls->svc.priv = priv;
	ls->ops = ops;
	*out = &ls->svc;
	return 0;
}

void arbor_local_service_free(struct arbor_service *svc)
{
	while (svc && svc->sessions) {
		struct arbor_session *s = svc->sessions;
		s->phase = ARBOR_PHASE_CLOSE_REQUESTED;
		local_initiate(svc, s);          /* unlinks s */
		if (s->answered)
			s->answered(s);
		else
			arbor_session_free(s);
	}
	free(container_of(svc, struct local_service, svc));
}

/* ---- parent services ---- */

static struct arbor_service *upward[64];   /* for the SESSION signal's re-check */
static unsigned nupward;

/* The answer to what s asked our parent, if it is in. */
static void parent_poll(struct arbor_service *svc, struct arbor_session *s)
{
	struct arbor_cap *cap = NULL;
	int err;

	switch (s->phase) {
	case ARBOR_PHASE_CREATE_REQUESTED:
		err = arbor_parent_session_cap(svc->env->parent, s->server_id, &cap);
		if (err == ARBOR_E_PENDING)
			return;
		s->cap = cap;
		arbor_session_created(s, err);
		break;
	case ARBOR_PHASE_UPGRADE_REQUESTED:
		err = arbor_parent_session_cap(svc->env->parent, s->server_id, &cap);
		arbor_cap_unref(cap);
		if (err == ARBOR_E_PENDING)
			return;
		arbor_session_upgraded(s);
		break;
	case ARBOR_PHASE_CLOSE_REQUESTED:
		err = arbor_parent_close(svc->env->parent, s->server_id);
		if (err == ARBOR_E_PENDING)
			return;
		s->phase = ARBOR_PHASE_CLOSED;
		arbor_service_forget(s);
		break;
	default:
		return;
	}
	if (s->answered)
		s->answered(s);
	else if (s->phase == ARBOR_PHASE_AVAILABLE || s->phase == ARBOR_PHASE_CAP_HANDED_OUT)
		svc->ops->orphan(svc, s);
	else if (!s->service)
		arbor_session_free(s);
}

static void parent_answers(struct arbor_env *env, unsigned which)
{
	for (unsigned i = 0; i < nupward; i++) {
		struct arbor_session *s = upward[i]->sessions, *next;
		for (; s; s = next) {
			next = s->next_at_service;
			parent_poll(upward[i], s);
		}
	}
}

static void parent_initiate(struct arbor_service *svc, struct arbor_session *s)
{
	struct arbor_cap *parent = svc->env->parent;
	int err;

	switch (s->phase) {
	case ARBOR_PHASE_CREATE_REQUESTED:
		s->server_id = arbor_session_id_alloc();
		err = arbor_parent_session(parent, s->server_id, svc->name, s->args, &s->cap);
		if (err == ARBOR_E_PENDING) {
			arbor_parent_signal_handle(svc->env, ARBOR_SIGNAL_SESSION, parent_answers);
			return;
		}
		arbor_session_created(s, err);
		return;
	case ARBOR_PHASE_UPGRADE_REQUESTED:
		err = arbor_parent_upgrade(parent, s->server_id, s->upgrade_ram, s->upgrade_caps);
		if (err == ARBOR_E_PENDING) {
			arbor_parent_signal_handle(svc->env, ARBOR_SIGNAL_SESSION, parent_answers);
			return;
		}
		if (err) {
			/* the owner takes the upgrade back */
			s->error = err;
			s->upgrade_ram = s->upgrade_caps = 0;
			s->phase = ARBOR_PHASE_CAP_HANDED_OUT;
		} else {
			arbor_session_upgraded(s);
		}
		return;
	case ARBOR_PHASE_CLOSE_REQUESTED:
		err = arbor_parent_close(parent, s->server_id);
		if (err == ARBOR_E_PENDING) {
			arbor_parent_signal_handle(svc->env, ARBOR_SIGNAL_SESSION, parent_answers);
			return;
		}
		s->phase = ARBOR_PHASE_CLOSED;
		arbor_service_forget(s);
		return;
	default:
		return;
	}
}

static void parent_orphan(struct arbor_service *svc, struct arbor_session *s)
{
	if (s->phase == ARBOR_PHASE_FAILED || s->phase == ARBOR_PHASE_CLOSED || !s->service) {
		arbor_service_forget(s);
		arbor_session_free(s);
		return;
	}
	if (s->phase == ARBOR_PHASE_UPGRADE_REQUESTED)
		return;      /* closed once the upgrade is answered (parent_poll) */
	s->phase = ARBOR_PHASE_CLOSE_REQUESTED;
	parent_initiate(svc, s);
	if (s->phase == ARBOR_PHASE_CLOSED)
		arbor_session_free(s);
}

static const struct arbor_service_ops parent_ops = { parent_initiate, parent_orphan };

int arbor_parent_service_new(struct arbor_env *env, const char *name, struct arbor_service **out)
{
	struct arbor_service *svc;

	*out = NULL;
	if (!env->parent)
		return ARBOR_E_DENIED;
	if (nupward == sizeof(upward) / sizeof(upward[0]))
		return ARBOR_E_OUT_OF_CAPS;
	svc = calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	snprintf(svc->name, sizeof(svc->name), "%s", name);
	svc->ops = &parent_ops;
	svc->env = env;
	upward[nupward++] = svc;
	*out = svc;
	return 0;
}

void arbor_parent_service_free(struct arbor_service *svc)
{
	if (!svc)
		return;
	/* the parent no longer provides it: close whatever is left, answered or not */
	while (svc->sessions) {
		struct arbor_session *s = svc->sessions;
		arbor_parent_close(svc->env->parent, s->server_id);
		s->phase = ARBOR_PHASE_CLOSED;
		arbor_service_forget(s);
		if (s->answered)
			s->answered(s);
		else
			arbor_session_free(s);
	}
	for (unsigned i = 0; i < nupward; i++) {
		if (upward[i] == svc) {
			upward[i] = upward[--nupward];
			break;
		}
	}
	free(svc);
}
