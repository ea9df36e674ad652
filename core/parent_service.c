/*
 * core as the parent of the root component: the parent capability it is
 * started with. Every session request arriving here is for one of core's
 * services; the donated quota is taken from the root's account and
 * returned exactly when the session closes. The label is prefixed with the
 * root's name, as every parent does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <session/parent.h>
#include "core.h"

struct session {
	const struct core_service *service;
	uint32_t id;
	uint64_t ram, caps;              /* the donation, returned on close */
	void *obj;
	struct arbor_cap *cap;           /* borrowed from obj */
	struct session *next;
};

struct core_client {
	struct arbor_rpc_object obj;     /* the parent capability */
	char name[ARBOR_LABEL_MAX];
	struct pd_session *pd;
	struct session *sessions;
	struct arbor_signal_handler exit_handler;
	int exit_reported;
};

static struct core_client root;

static const struct core_service *const services[] = {
	&pd_service, &cpu_service, &rom_service, &log_service, &report_service, &vm_service,
	&host_tcp_service, &host_terminal_service,
	&host_file_service,
};

struct account *parent_service_account(struct core_client *client)
{
	return client && client->pd ? pd_session_account(client->pd) : &core.account;
}

static struct session *find_session(struct core_client *c, uint32_t id)
{
	for (struct session *s = c->sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static int add_session(struct core_client *c, const struct core_service *svc, uint32_t id,
                       const char *label, const char *args, uint64_t ram, uint64_t caps,
                       struct session **out)
{
	struct session *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	err = svc->create(c, label, args, &s->obj, &s->cap);
	if (err) {
		free(s);
		return err;
	}
	s->service = svc;
	s->id = id;
	s->ram = ram;
	s->caps = caps;
	s->next = c->sessions;
	c->sessions = s;
	if (out)
		*out = s;
	return 0;
}

static void destroy_session(struct core_client *c, struct session *s)
{
	for (struct session **l = &c->sessions; *l; l = &(*l)->next) {
		if (*l == s) {
			*l = s->next;
			break;
		}
	}
	s->service->destroy(s->obj);
	if (s->ram || s->caps)
		account_deposit(parent_service_account(c), s->ram, s->caps);
	free(s);
}

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int parent_session(struct arbor_rpc_request *req)
{
	struct core_client *c = container_of(req->object, struct core_client, obj);
	struct arbor_parent_session_args a;
	const struct core_service *svc = NULL;
	char client_label[ARBOR_LABEL_MAX], label[ARBOR_LABEL_MAX];
	uint64_t ram = 0, caps = 0;
	struct session *s;
	int err;

	memcpy(&a, req->in->payload, sizeof(a));
	if (!terminated(a.service, sizeof(a.service)) || !terminated(a.args, sizeof(a.args)))
		return ARBOR_E_INVALID;
	if (a.id < ARBOR_ENV_IDS_END)
		return ARBOR_E_INVALID;
	if (find_session(c, a.id))
		return ARBOR_E_EXISTS;

	client_label[0] = '\0';
	err = arbor_args_get(a.args, "label", client_label, sizeof(client_label));
	if (err && err != ARBOR_E_NOT_FOUND)
		return ARBOR_E_INVALID;
	if (arbor_label_prefix(label, sizeof(label), c->name, client_label))
		return ARBOR_E_TOO_LARGE;

	for (unsigned i = 0; i < ARRAY_SIZE(services); i++)
		if (!strcmp(services[i]->name, a.service))
			svc = services[i];
	if (!svc) {
		core_warning("%s: no route to service \"%s\" (label=\"%s\"): core provides PD, CPU, ROM, LOG and Report only",
		             c->name, a.service, label);
		return ARBOR_E_DENIED;
	}

	arbor_args_get_u64(a.args, "ram_quota", &ram);
	arbor_args_get_u64(a.args, "cap_quota", &caps);
	if (ram < svc->ram)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (caps < svc->caps)
		return ARBOR_E_INSUFFICIENT_CAPS;
	err = account_withdraw(parent_service_account(c), ram, caps);
	if (err)
		return err;
	err = add_session(c, svc, a.id, label, a.args, ram, caps, &s);
	if (err) {
		account_deposit(parent_service_account(c), ram, caps);
		return err;
	}
	arbor_msg_add_cap(req->out, s->cap);
	return 0;
}

static int parent_session_cap(struct arbor_rpc_request *req)
{
	struct core_client *c = container_of(req->object, struct core_client, obj);
	struct arbor_parent_id_args a;
	struct session *s;

	memcpy(&a, req->in->payload, sizeof(a));
	s = find_session(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	arbor_msg_add_cap(req->out, s->cap);
	return 0;
}

static int parent_close(struct arbor_rpc_request *req)
{
	struct core_client *c = container_of(req->object, struct core_client, obj);
	struct arbor_parent_id_args a;
	struct session *s;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.id < ARBOR_ENV_IDS_END)
		return ARBOR_E_DENIED;     /* environment sessions live as long as the child */
	s = find_session(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	destroy_session(c, s);
	return 0;
}

static int parent_exit(struct arbor_rpc_request *req)
{
	/* Only a hint: the process's real end is what core reports. */
	return 0;
}

static int parent_upgrade(struct arbor_rpc_request *req)
{
	struct core_client *c = container_of(req->object, struct core_client, obj);
	struct arbor_parent_upgrade_args a;
	struct session *s;
	int err;

	memcpy(&a, req->in->payload, sizeof(a));
	s = find_session(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	/* core's sessions need no more than they cost: keep it, return it on close */
	err = account_withdraw(parent_service_account(c), a.ram, a.caps);
	if (err)
		return err;
	s->ram += a.ram;
	s->caps += a.caps;
	return 0;
}

static int parent_sigh(struct arbor_rpc_request *req)
{
	/* core sends the root none of these signals: it answers everything at once */
	return 0;
}

static int parent_announce(struct arbor_rpc_request *req)
{
	struct core_client *c = container_of(req->object, struct core_client, obj);
	struct arbor_parent_announce_args a;

	memcpy(&a, req->in->payload, sizeof(a));
	a.service[sizeof(a.service) - 1] = '\0';
	core_warning("%s: illegal announcement of service \"%s\": core has no clients but its root",
	             c->name, a.service);
	return ARBOR_E_DENIED;
}

static int parent_no_requests(struct arbor_rpc_request *req)
{
	return ARBOR_E_NOT_FOUND;
}

static int parent_resource_request(struct arbor_rpc_request *req)
{
	struct core_client *c = container_of(req->object, struct core_client, obj);
	struct arbor_parent_quota a;

	memcpy(&a, req->in->payload, sizeof(a));
	core_warning("%s requests resources: ram_quota=%llu, cap_quota=%llu, but core has no more "
	             "to give (start it with a larger --ram or --caps)", c->name,
	             (unsigned long long)a.ram, (unsigned long long)a.caps);
	return 0;
}

static int parent_yield_request(struct arbor_rpc_request *req)
{
	struct arbor_parent_quota none = { 0, 0 };

	memcpy(req->out->payload, &none, sizeof(none));
	req->out->size = sizeof(none);
	return 0;
}

static int parent_ignore(struct arbor_rpc_request *req)
{
	return 0;
}

#define OP(op, name, type, ncaps, fn) [op] = { name, sizeof(type), sizeof(type), ncaps, fn }
#define OP_NOARGS(op, name, fn)       [op] = { name, 0, 0, 0, fn }

static const struct arbor_rpc_op parent_ops[ARBOR_PARENT_NOPS] = {
	OP(ARBOR_PARENT_UPGRADE, "upgrade", struct arbor_parent_upgrade_args, 0, parent_upgrade),
	OP(ARBOR_PARENT_SIGH, "sigh", struct arbor_parent_sigh_args, 1, parent_sigh),
	OP(ARBOR_PARENT_ANNOUNCE, "announce", struct arbor_parent_announce_args, 0, parent_announce),
	OP_NOARGS(ARBOR_PARENT_NEXT_REQUEST, "next_request", parent_no_requests),
	OP(ARBOR_PARENT_DELIVER, "deliver", struct arbor_parent_deliver_args, 1, parent_no_requests),
	OP(ARBOR_PARENT_RESPONSE, "response", struct arbor_parent_response_args, 0, parent_no_requests),
	OP(ARBOR_PARENT_RESOURCE_REQUEST, "resource_request", struct arbor_parent_quota, 0,
	   parent_resource_request),
	OP_NOARGS(ARBOR_PARENT_YIELD_REQUEST, "yield_request", parent_yield_request),
	OP_NOARGS(ARBOR_PARENT_YIELD_RESPONSE, "yield_response", parent_ignore),
	OP_NOARGS(ARBOR_PARENT_HEARTBEAT_RESPONSE, "heartbeat_response", parent_ignore),
	[ARBOR_PARENT_SESSION]     = { "session", sizeof(struct arbor_parent_session_args),
	                               sizeof(struct arbor_parent_session_args), 0, parent_session },
	[ARBOR_PARENT_SESSION_CAP] = { "session_cap", sizeof(struct arbor_parent_id_args),
	                               sizeof(struct arbor_parent_id_args), 0, parent_session_cap },
	[ARBOR_PARENT_CLOSE]       = { "close", sizeof(struct arbor_parent_id_args),
	                               sizeof(struct arbor_parent_id_args), 0, parent_close },
	[ARBOR_PARENT_EXIT]        = { "exit", sizeof(struct arbor_parent_exit_args),
	                               sizeof(struct arbor_parent_exit_args), 0, parent_exit },
};

static const struct arbor_rpc_interface parent_iface = { "Parent", parent_ops, ARBOR_PARENT_NOPS };

/* The root's process ended: report it and end the run with its exit value. */
static void root_ended(struct arbor_signal_handler *sh, uint64_t count)
{
	struct core_client *c = container_of(sh, struct core_client, exit_handler);
	struct arbor_pd_exit_state st;

	if (c->exit_reported || !c->pd || !pd_session_exit_state(c->pd, &st))
		return;
	c->exit_reported = 1;
	if (st.state == ARBOR_PD_EXITED) {
		core_log("child \"%s\" exited with exit value %d", c->name, st.code);
		core.exit_code = st.code;
	} else {
		core.exit_code = 128 + st.signal;
	}
	arbor_ep_stop(core.ep);
}

int parent_service_start_root(const char *name, const char *binary, char *const *argv,
                      uint64_t ram, uint64_t caps)
{
	struct core_client *c = &root;
	struct arbor_cap *pd_cap;
	struct session *cpu, *log, *rom;
	int binary_fd, err;
	char rom_label[ARBOR_LABEL_MAX];

	snprintf(c->name, sizeof(c->name), "%s", name);
	err = rom_session_module_fd(binary, &binary_fd);
	if (err) {
		core_error("cannot start \"%s\": ROM module \"%s\" not found in the ROM directories",
		           name, binary);
		return err;
	}
	err = arbor_rpc_object_manage(core.ep, &c->obj, &parent_iface);
	if (err)
		return err;
	c->obj.label = c->name;

	/* The environment sessions: core pays for them itself. */
	err = pd_session_create_root(name, ram, caps, &c->pd, &pd_cap);
	if (err)
		return err;
	struct session *pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	*pd = (struct session){ .service = &pd_service, .id = ARBOR_ENV_PD, .obj = c->pd,
	                        .cap = pd_cap, .next = c->sessions };
	c->sessions = pd;
	snprintf(rom_label, sizeof(rom_label), "%s -> %s", name, binary);
	if ((err = add_session(c, &cpu_service, ARBOR_ENV_CPU, name, "", 0, 0, &cpu)) ||
	    (err = add_session(c, &log_service, ARBOR_ENV_LOG, name, "", 0, 0, &log)) ||
	    (err = add_session(c, &rom_service, ARBOR_ENV_ROM, rom_label, "", 0, 0, &rom)))
		return err;

	err = arbor_signal_handler_init(&c->exit_handler, core.ep, root_ended);
	if (err)
		return err;
	pd_session_set_exit_sigh(c->pd, arbor_signal_handler_cap(&c->exit_handler));

	err = pd_session_start(c->pd, binary_fd, arbor_rpc_object_cap(&c->obj),
	                       cpu_session_of(cpu->cap), argv);
	if (err)
		core_error("cannot start \"%s\": %s", name, arbor_strerror(err));
	return err;
}

void parent_service_destroy_root(void)
{
	struct core_client *c = &root;
	struct session *pd = NULL;

	if (!c->obj.cap)
		return;
	arbor_rpc_object_dissolve(&c->obj);
	/* CPU sessions first, the PD last (Genode's order) */
	for (struct session *s = c->sessions, *next; s; s = next) {
		next = s->next;
		if (s->service == &cpu_service)
			destroy_session(c, s);
	}
	while (c->sessions) {
		struct session *s = c->sessions;
		if (s->id == ARBOR_ENV_PD) {
			c->sessions = s->next;
			pd = s;
			continue;
		}
		destroy_session(c, s);
	}
	if (pd) {
		pd->service->destroy(pd->obj);
		free(pd);
	}
	c->pd = NULL;
	arbor_signal_handler_fini(&c->exit_handler);
}
