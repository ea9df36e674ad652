/*
 * init as a server to its own parent: a <service name="S"> node forwards
 * sessions of S that init's parent routes here to one of init's children,
 * chosen by the best-matching <policy> (or <default-policy>) and its
 * <child name [label]>. A policy naming a child that is not there (yet, or
 * while it restarts) keeps the request waiting until it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/root.h>
#include <sandbox/policy.h>
#include "sandbox_internal.h"

struct forwarded {
	struct sandbox_server *server;
	uint32_t server_id;              /* at init's parent */
	char label[ARBOR_LABEL_MAX];
	char args[ARBOR_SESSION_ARGS_MAX];
	uint64_t ram, caps;
	struct arbor_session *session;   /* at the child; NULL while waiting for it */
	int delivered;
	struct forwarded *next;          /* waiting for the child */
};

struct sandbox_server {
	struct arbor_root root;
	struct sandbox *sb;
	struct forwarded *waiting;
	struct sandbox_server *next;
};

static const struct xml_node *service_node(struct sandbox *sb, const char *name)
{
	for (const struct xml_node *s = xml_first_child(sb->config, "service"); s;
	     s = xml_next_sibling(s, "service")) {
		const char *n = xml_attr(s, "name");
		if (n && !strcmp(n, name))
			return s;
	}
	return NULL;
}

static void forwarded_answered(struct arbor_session *s)
{
	struct forwarded *f = s->owner;

	if (s->phase == ARBOR_PHASE_AVAILABLE && !f->delivered) {
		s->phase = ARBOR_PHASE_CAP_HANDED_OUT;
		f->delivered = 1;
		arbor_root_deliver(&f->server->root, f->server_id, f, s->cap);
	} else if (s->phase == ARBOR_PHASE_FAILED) {
		arbor_root_refuse(&f->server->root, f->server_id, s->error);
		arbor_service_forget(s);
		arbor_session_free(s);
		free(f);
	} else if (s->phase == ARBOR_PHASE_CLOSED) {
		/* the child went away: what is left is closed by our parent later */
		arbor_service_forget(s);
		arbor_session_free(s);
		f->session = NULL;
	}
}

/*
 * Route f by policy: 0 once it is at a child (or answered), ARBOR_E_PENDING
 * while the child is missing, an error to refuse it.
 */
static int forward(struct forwarded *f)
{
	struct sandbox_server *srv = f->server;
	struct sandbox *sb = srv->sb;
	const struct xml_node *svc_node = service_node(sb, srv->root.service), *policy, *target;
	char why[ARBOR_LABEL_MAX + 64], args[ARBOR_SESSION_ARGS_MAX];
	struct arbor_service *svc = NULL;
	struct sandbox_child *sc;
	const char *label = f->label;

	if (!svc_node)
		return ARBOR_E_DENIED;
	policy = policy_select(svc_node, "policy", f->label, why, sizeof(why));
	if (!policy) {
		arbor_warning("%s", why);
		return ARBOR_E_DENIED;
	}
	target = xml_first_child(policy, "child");
	if (!target || !xml_attr(target, "name"))
		return ARBOR_E_DENIED;
	sc = sandbox_child_find(sb, xml_attr(target, "name"));
	for (struct arbor_service *s = sc ? arbor_child_services(sc->child) : NULL; s;
	     s = arbor_child_service_next(s))
		if (!strcmp(s->name, srv->root.service))
			svc = s;
	if (!svc)
		return ARBOR_E_PENDING;
	if (xml_attr(target, "label"))
		label = xml_attr(target, "label");
	snprintf(args, sizeof(args), "%s", f->args);
	if (arbor_args_set(args, sizeof(args), "label", label, 1) ||
	    arbor_args_set_u64(args, sizeof(args), "ram_quota", f->ram))
		return ARBOR_E_TOO_LARGE;
	f->session = arbor_session_new(srv->root.service, label, args, f->ram, f->caps);
	if (!f->session)
		return -ENOMEM;
	f->session->answered = forwarded_answered;
	f->session->owner = f;
	arbor_service_initiate(svc, f->session);
	/* a child service answers later, through forwarded_answered() */
	return 0;
}

static int server_create(struct arbor_root *root, const struct arbor_root_request *req,
                         void **session, struct arbor_cap **cap)
{
	struct sandbox_server *srv = root->priv;
	struct forwarded *f;
	int err;

	if (req->ram < ARBOR_SESSION_STATE_RAM)
		return ARBOR_E_INSUFFICIENT_RAM;
	f = calloc(1, sizeof(*f));
	if (!f)
		return ARBOR_E_DENIED;
	f->server = srv;
	f->server_id = req->server_id;
	f->ram = req->ram - ARBOR_SESSION_STATE_RAM;
	f->caps = req->caps;
	snprintf(f->label, sizeof(f->label), "%s", req->label);
	snprintf(f->args, sizeof(f->args), "%s", req->args);
	err = forward(f);
	if (err == ARBOR_E_PENDING) {
		f->next = srv->waiting;
		srv->waiting = f;
		return ARBOR_E_PENDING;
	}
	if (err) {
		free(f);
		return err;
	}
	return ARBOR_E_PENDING;   /* answered by forwarded_answered() */
}

static void server_upgrade(struct arbor_root *root, void *session, uint64_t ram, uint64_t caps)
{
	struct forwarded *f = session;
	struct arbor_session *s = f->session;

	if (!s || s->phase != ARBOR_PHASE_CAP_HANDED_OUT)
		return;         /* the donation stays with init, returned on close */
	s->upgrade_ram = ram;
	s->upgrade_caps = caps;
	s->phase = ARBOR_PHASE_UPGRADE_REQUESTED;
	arbor_service_initiate(s->service, s);
}

static void server_close(struct arbor_root *root, void *session)
{
	struct forwarded *f = session;

	if (f->session)
		arbor_service_orphan(f->session);
	free(f);
}

static const struct arbor_root_ops server_ops = { server_create, server_upgrade, server_close };

void sandbox_servers_apply(struct sandbox *sb)
{
	for (const struct xml_node *s = xml_first_child(sb->config, "service"); s;
	     s = xml_next_sibling(s, "service")) {
		const char *name = xml_attr(s, "name");
		struct sandbox_server *srv;
		int known = 0;

		for (srv = sb->servers; srv; srv = srv->next)
			known |= !strcmp(srv->root.service, name);
		if (known || !name)
			continue;
		srv = calloc(1, sizeof(*srv));
		if (!srv)
			continue;
		srv->sb = sb;
		if (arbor_root_announce(sb->env, &srv->root, name, &server_ops, srv)) {
			arbor_warning("cannot provide service \"%s\" to init's parent", name);
			free(srv);
			continue;
		}
		srv->next = sb->servers;
		sb->servers = srv;
	}
	/* requests waiting for a child that may be there now */
	for (struct sandbox_server *srv = sb->servers; srv; srv = srv->next) {
		struct forwarded *waiting = srv->waiting;
		srv->waiting = NULL;
		while (waiting) {
			struct forwarded *f = waiting;
			int err;
			waiting = f->next;
			err = forward(f);
			if (err == ARBOR_E_PENDING) {
				f->next = srv->waiting;
				srv->waiting = f;
			} else if (err) {
				arbor_root_refuse(&srv->root, f->server_id, err);
				free(f);
			}
		}
	}
}
