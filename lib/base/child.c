/*
 * The parent side of a child: its environment sessions (routed like any
 * other session), its quota, its start once the environment is complete,
 * the parent interface served to it, and its orderly end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <arbor/pd.h>
#include "child_internal.h"

const char *arbor_child_name(const struct arbor_child *c) { return c->name; }
void *arbor_child_priv(const struct arbor_child *c) { return c->priv; }
int arbor_child_exited(const struct arbor_child *c) { return c->exited; }
int arbor_child_started(const struct arbor_child *c) { return c->started; }
int arbor_child_quota_moved(const struct arbor_child *c) { return c->env_ready; }
struct arbor_session *arbor_child_sessions(const struct arbor_child *c) { return c->sessions; }

struct arbor_session *arbor_child_env_session(const struct arbor_child *c, unsigned i)
{
	return i < CHILD_ENV_SESSIONS ? c->env_sessions[i] : NULL;
}

const struct arbor_pd_exit_state *arbor_child_exit_state(const struct arbor_child *c)
{
	return &c->exit_state;
}

const char *arbor_child_incomplete(const struct arbor_child *c)
{
	return c->started || !c->incomplete[0] ? NULL : c->incomplete;
}

struct arbor_cap *arbor_child_pd(const struct arbor_child *c)
{
	struct arbor_session *pd = c->env_sessions[0];

	return pd && pd->cap ? pd->cap : NULL;
}

void child_signal(struct arbor_child *c, unsigned which)
{
	if (which < ARBOR_SIGNAL_KINDS && c->sighs[which])
		arbor_signal_submit(c->sighs[which], 1);
}

void child_changed(struct arbor_child *c)
{
	if (c->policy && c->policy->changed && !c->destroying)
		c->policy->changed(c);
}

/* ---- default routing: the policy's session() hook, else our parent ---- */

static int legacy_create(struct arbor_service *svc, struct arbor_session *s, void **obj,
                         struct arbor_cap **cap)
{
	struct arbor_child *c = s->client;

	*obj = c;
	return c->policy->session(c, s->service_name, s->args, cap);
}

static const struct arbor_local_ops legacy_ops = { legacy_create, NULL };
static struct arbor_service *legacy_local;
static struct arbor_service *upward_default[16];

static int upward(struct arbor_env *env, const char *service, struct arbor_service **svc)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(upward_default) && upward_default[i]; i++) {
		if (!strcmp(upward_default[i]->name, service)) {
			*svc = upward_default[i];
			return 0;
		}
	}
	if (i == ARRAY_SIZE(upward_default))
		return ARBOR_E_DENIED;
	int err = arbor_parent_service_new(env, service, svc);
	if (!err)
		upward_default[i] = *svc;
	return err;
}

int child_resolve(struct arbor_child *c, const char *service, const char *label,
                  struct arbor_service **svc, char *server_label, size_t size)
{
	*svc = NULL;
	snprintf(server_label, size, "%s", label);
	if (c->policy && c->policy->session) {
		if (!legacy_local &&
		    arbor_local_service_new(c->env, "local", &legacy_ops, NULL, &legacy_local))
			return -ENOMEM;
		*svc = legacy_local;
		return 0;
	}
	return upward(c->env, service, svc);
}

void child_initiate(struct arbor_child *c, struct arbor_service *svc, struct arbor_session *s)
{
	arbor_service_initiate(svc, s);
	if (svc != legacy_local || s->phase != ARBOR_PHASE_FAILED || s->error != ARBOR_E_NOT_FOUND)
		return;
	/* the session() hook passed: forward it upwards */
	s->phase = ARBOR_PHASE_CREATE_REQUESTED;
	s->error = 0;
	if (upward(c->env, s->service_name, &svc)) {
		s->phase = ARBOR_PHASE_FAILED;
		s->error = ARBOR_E_DENIED;
		return;
	}
	arbor_service_initiate(svc, s);
}

/* ---- the environment ---- */

static void progress(struct arbor_child *c);

static int open_env_session(struct arbor_child *c, unsigned slot);

/* Raise an environment session's donation after an INSUFFICIENT answer. */
static int raise_env_donation(struct arbor_child *c, unsigned slot, int error)
{
	if (c->env_attempts[slot]++ >= ENV_ATTEMPTS_MAX)
		return 0;
	if (error == ARBOR_E_INSUFFICIENT_RAM)
		c->env_ram[slot] += 4096;
	else if (error == ARBOR_E_INSUFFICIENT_CAPS)
		c->env_caps[slot] += 1;
	else
		return 0;
	return 1;
}

static void env_answered(struct arbor_session *s)
{
	struct arbor_child *c = s->client;

	if (s->phase == ARBOR_PHASE_FAILED && !c->destroying) {
		for (unsigned i = 0; i < CHILD_ENV_SESSIONS; i++) {
			if (c->env_sessions[i] == s && raise_env_donation(c, i, s->error)) {
				c->env_sessions[i] = NULL;
				arbor_service_forget(s);
				arbor_session_free(s);
				open_env_session(c, i);
				progress(c);
				child_changed(c);
				return;
			}
		}
	}
	if (s->phase == ARBOR_PHASE_CLOSED || s->phase == ARBOR_PHASE_FAILED) {
		for (unsigned i = 0; i < CHILD_ENV_SESSIONS; i++)
			if (c->env_sessions[i] == s)
				c->env_sessions[i] = NULL;
		if (!c->started)
			snprintf(c->incomplete, sizeof(c->incomplete), "environment %s session %s",
			         s->service_name, s->phase == ARBOR_PHASE_FAILED ? "denied" : "closed");
		arbor_service_forget(s);
		arbor_session_free(s);
	}
	progress(c);
	child_changed(c);
}

static const char *const env_services[CHILD_ENV_SESSIONS] = {
	ARBOR_PD_SERVICE, ARBOR_CPU_SERVICE, ARBOR_LOG_SERVICE, ARBOR_ROM_SERVICE,
};
static const uint64_t env_ram_default[CHILD_ENV_SESSIONS] = {
	ARBOR_PD_SESSION_RAM, ARBOR_CPU_SESSION_RAM, ARBOR_LOG_SESSION_RAM, ARBOR_ROM_SESSION_RAM,
};
static const uint64_t env_caps_default[CHILD_ENV_SESSIONS] = {
	ARBOR_PD_SESSION_CAPS, ARBOR_CPU_SESSION_CAPS, ARBOR_LOG_SESSION_CAPS, ARBOR_ROM_SESSION_CAPS,
};

/*
 * Route and request one environment session. Its label is the bare child
 * name (the binary ROM's too: the policy maps it to the binary); this
 * component pays the donation out of the child's configured quota.
 */
static int open_env_session(struct arbor_child *c, unsigned slot)
{
	const char *service = env_services[slot];
	char server_label[ARBOR_LABEL_MAX], args[ARBOR_SESSION_ARGS_MAX];
	struct arbor_service *svc;
	struct arbor_session *s;
	int err;

	if (c->policy && c->policy->resolve) {
		err = c->policy->resolve(c, service, c->name, &svc, server_label, sizeof(server_label));
	} else {
		/* upwards (a session() hook serves the running child only), the ROM by its binary */
		err = upward(c->env, service, &svc);
		snprintf(server_label, sizeof(server_label), "%s", slot == 3 ? c->binary : c->name);
	}
	if (err) {
		snprintf(c->incomplete, sizeof(c->incomplete), "no route to %s session", service);
		return err;
	}
retry:
	snprintf(args, sizeof(args), "label=\"%s\", ram_quota=%llu, cap_quota=%llu", server_label,
	         (unsigned long long)c->env_ram[slot], (unsigned long long)c->env_caps[slot]);
	s = arbor_session_new(service, server_label, args, c->env_ram[slot], c->env_caps[slot]);
	if (!s)
		return -ENOMEM;
	s->client = c;
	s->client_id = ARBOR_ENV_PD + slot;
	s->client_label = strdup(c->name);
	s->answered = env_answered;
	c->env_sessions[slot] = s;
	child_initiate(c, svc, s);
	if (s->phase == ARBOR_PHASE_FAILED) {
		err = s->error;
		c->env_sessions[slot] = NULL;
		arbor_session_free(s);
		/* each parent on the way keeps a little: pay more, as any client would */
		if (raise_env_donation(c, slot, err))
			goto retry;
		snprintf(c->incomplete, sizeof(c->incomplete), "environment %s session denied",
		         service);
		return err;
	}
	return 0;
}

static void child_ended(struct arbor_signal_handler *sh, uint64_t count);

/* Once the PD is there, move the quota; once all is there, start. */
static void progress(struct arbor_child *c)
{
	struct arbor_session **env = c->env_sessions;
	struct arbor_cap *own_pd = arbor_env_pd(c->env);
	int err;

	uint64_t env_ram = 0, env_caps = 0;

	if (c->started || c->destroying)
		return;
	for (unsigned i = 0; i < CHILD_ENV_SESSIONS; i++) {
		if (!env[i] || !env[i]->cap) {
			if (!env[i])
				return;     /* incomplete says why */
			snprintf(c->incomplete, sizeof(c->incomplete), "waiting for %s session",
			         env_services[i]);
			return;
		}
	}
	/* the environment is paid out of the child's quota; the rest goes to its PD */
	for (unsigned i = 0; i < CHILD_ENV_SESSIONS; i++) {
		env_ram += c->env_ram[i];
		env_caps += c->env_caps[i];
	}
	if (!c->env_ready) {
		err = arbor_pd_ref_account(env[0]->cap, own_pd);
		if (!err && (env_ram > c->ram || env_caps > c->caps))
			err = ARBOR_E_OUT_OF_RAM;
		if (!err)
			err = arbor_pd_transfer_quota(own_pd, env[0]->cap, c->ram - env_ram,
			                              c->caps - env_caps);
		if (err) {
			snprintf(c->incomplete, sizeof(c->incomplete), "cannot move quota: %s",
			         arbor_strerror(err));
			arbor_warning("%s: cannot move its quota (%llu bytes, %llu caps): %s; the child "
			              "stays incomplete", c->name, (unsigned long long)(c->ram - env_ram),
			              (unsigned long long)(c->caps - env_caps), arbor_strerror(err));
			return;
		}
		c->env_ready = 1;
	}
	for (unsigned i = 0; i < CHILD_ENV_SESSIONS; i++)
		env[i]->phase = ARBOR_PHASE_CAP_HANDED_OUT;
	/* the ROM session itself names the binary: no dataspace round trip */
	err = arbor_pd_start(env[0]->cap, env[3]->cap, arbor_rpc_object_cap(&c->parent_obj),
	                     env[1]->cap, arbor_signal_handler_cap(&c->exit_handler),
	                     (const char *const *)c->argv);
	if (err) {
		snprintf(c->incomplete, sizeof(c->incomplete), "start failed: %s", arbor_strerror(err));
		arbor_error("%s: start failed: %s", c->name, arbor_strerror(err));
		return;
	}
	c->started = 1;
	c->incomplete[0] = '\0';
}

/* ---- the rest of the parent interface ---- */

static int op_exit(struct arbor_rpc_request *req)
{
	/* a hint; the process's end, as core saw it, is what counts */
	return 0;
}

static int op_sigh(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_sigh_args a;
	struct arbor_cap *cap;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.which >= ARBOR_SIGNAL_KINDS)
		return ARBOR_E_INVALID;
	cap = arbor_msg_take_cap(req->in, 0);
	if (!cap || arbor_cap_kind(cap) != ARBOR_CAP_SIGNAL) {
		arbor_cap_unref(cap);
		return ARBOR_E_INVALID_CAP;
	}
	arbor_cap_unref(c->sighs[a.which]);
	c->sighs[a.which] = cap;
	return 0;
}

static int op_resource_request(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_quota a;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.ram == c->requested_ram && a.caps == c->requested_caps)
		return 0;       /* already known */
	c->requested_ram = a.ram;
	c->requested_caps = a.caps;
	arbor_log("child \"%s\" requests resources: ram_quota=%llu, cap_quota=%llu", c->name,
	          (unsigned long long)a.ram, (unsigned long long)a.caps);
	if (c->policy && c->policy->resource_request)
		c->policy->resource_request(c, a.ram, a.caps);
	child_changed(c);
	return 0;
}

static int op_yield_request(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);

	memcpy(req->out->payload, &c->yield, sizeof(c->yield));
	req->out->size = sizeof(c->yield);
	return 0;
}

static int op_yield_response(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);

	if (c->policy && c->policy->yield_response)
		c->policy->yield_response(c);
	return 0;
}

static int op_heartbeat_response(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);

	c->heartbeats = 0;
	return 0;
}

#define OP(op, name, type, ncaps, fn) \
	[op] = { name, sizeof(type), sizeof(type), ncaps, fn }
#define OP_NOARGS(op, name, fn) [op] = { name, 0, 0, 0, fn }

static const struct arbor_rpc_op child_ops[ARBOR_PARENT_NOPS] = {
	OP(ARBOR_PARENT_SESSION, "session", struct arbor_parent_session_args, 0, child_op_session),
	OP(ARBOR_PARENT_SESSION_CAP, "session_cap", struct arbor_parent_id_args, 0, child_op_session_cap),
	OP(ARBOR_PARENT_UPGRADE, "upgrade", struct arbor_parent_upgrade_args, 0, child_op_upgrade),
	OP(ARBOR_PARENT_CLOSE, "close", struct arbor_parent_id_args, 0, child_op_close),
	OP(ARBOR_PARENT_EXIT, "exit", struct arbor_parent_exit_args, 0, op_exit),
	OP(ARBOR_PARENT_SIGH, "sigh", struct arbor_parent_sigh_args, 1, op_sigh),
	OP(ARBOR_PARENT_ANNOUNCE, "announce", struct arbor_parent_announce_args, 0, child_op_announce),
	OP_NOARGS(ARBOR_PARENT_NEXT_REQUEST, "next_request", child_op_next_request),
	OP(ARBOR_PARENT_DELIVER, "deliver", struct arbor_parent_deliver_args, 1, child_op_deliver),
	OP(ARBOR_PARENT_RESPONSE, "response", struct arbor_parent_response_args, 0, child_op_response),
	OP(ARBOR_PARENT_RESOURCE_REQUEST, "resource_request", struct arbor_parent_quota, 0,
	   op_resource_request),
	OP_NOARGS(ARBOR_PARENT_YIELD_REQUEST, "yield_request", op_yield_request),
	OP_NOARGS(ARBOR_PARENT_YIELD_RESPONSE, "yield_response", op_yield_response),
	OP_NOARGS(ARBOR_PARENT_HEARTBEAT_RESPONSE, "heartbeat_response", op_heartbeat_response),
};

static const struct arbor_rpc_interface child_iface = { "Parent", child_ops, ARBOR_PARENT_NOPS };

void arbor_child_requested(const struct arbor_child *c, uint64_t *ram, uint64_t *caps)
{
	*ram = c->requested_ram;
	*caps = c->requested_caps;
}

void arbor_child_resource_avail(struct arbor_child *c)
{
	c->requested_ram = c->requested_caps = 0;
	child_signal(c, ARBOR_SIGNAL_RESOURCE_AVAIL);
}

void arbor_child_yield(struct arbor_child *c, uint64_t ram, uint64_t caps)
{
	c->yield.ram = ram;
	c->yield.caps = caps;
	child_signal(c, ARBOR_SIGNAL_YIELD);
}

unsigned arbor_child_heartbeat(struct arbor_child *c)
{
	if (!c->sighs[ARBOR_SIGNAL_HEARTBEAT] || c->exited)
		return 0;
	c->heartbeats++;
	child_signal(c, ARBOR_SIGNAL_HEARTBEAT);
	return c->heartbeats;
}

/* ---- life cycle ---- */

static void child_ended(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_child *c = container_of(sh, struct arbor_child, exit_handler);
	struct arbor_pd_exit_state *st = &c->exit_state;

	if (c->exited || !arbor_child_pd(c) || arbor_pd_exit_state(arbor_child_pd(c), st) ||
	    st->state < ARBOR_PD_EXITED)
		return;
	c->exited = 1;
	child_changed(c);
	if (c->policy && c->policy->exited) {
		/* last: the policy may destroy the child */
		c->policy->exited(c, st);
		return;
	}
	if (st->state == ARBOR_PD_EXITED)
		arbor_log("child \"%s\" exited with exit value %d", c->name, st->code);
	else if (st->state == ARBOR_PD_FAILED)
		arbor_log("child \"%s\" %s", c->name, st->reason);
	else if (st->state == ARBOR_PD_CRASHED)
		arbor_log("child \"%s\" crashed (signal %d, address 0x%llx)", c->name, st->signal,
		          (unsigned long long)st->fault_addr);
	else
		arbor_log("child \"%s\" was killed by signal %d", c->name, st->signal);
}

static char **copy_argv(const char *const *argv, const char *name)
{
	const char *const def[] = { name, NULL };
	size_t n = 0;
	char **copy;

	if (!argv)
		argv = def;
	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	for (size_t i = 0; copy && i < n; i++) {
		copy[i] = strdup(argv[i]);
		if (!copy[i]) {
			while (i--)
				free(copy[i]);
			free(copy);
			return NULL;
		}
	}
	return copy;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void close_env_session(struct arbor_child *c, unsigned slot)
{
	struct arbor_session *s = c->env_sessions[slot];

	if (!s)
		return;
	c->env_sessions[slot] = NULL;
	arbor_service_orphan(s);
}

int arbor_child_new(struct arbor_env *env, const struct arbor_child_config *cfg,
                    struct arbor_child **out)
{
	struct arbor_child *c;
	int err;

	*out = NULL;
	if (!env->parent || !arbor_env_pd(env))
		return ARBOR_E_DENIED;
	if (cfg->ram < ARBOR_CHILD_ENV_RAM || cfg->caps < ARBOR_CHILD_ENV_CAPS)
		return ARBOR_E_INVALID;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->env = env;
	c->policy = cfg->policy;
	c->priv = cfg->priv;
	c->ram = cfg->ram;
	c->caps = cfg->caps;
	memcpy(c->env_ram, env_ram_default, sizeof(c->env_ram));
	memcpy(c->env_caps, env_caps_default, sizeof(c->env_caps));
	snprintf(c->name, sizeof(c->name), "%s", cfg->name);
	snprintf(c->binary, sizeof(c->binary), "%s", cfg->binary ? cfg->binary : cfg->name);
	c->argv = copy_argv(cfg->argv, cfg->name);
	if (!c->argv) {
		free(c);
		return -ENOMEM;
	}
	err = arbor_rpc_object_manage(env->ep, &c->parent_obj, &child_iface);
	if (err)
		goto fail_argv;
	c->parent_obj.label = c->name;
	err = arbor_signal_handler_init(&c->exit_handler, env->ep, child_ended);
	if (err)
		goto fail_parent;
	*out = c;
	return 0;

fail_parent:
	arbor_rpc_object_dissolve(&c->parent_obj);
fail_argv:
	free_argv(c->argv);
	free(c);
	return err;
}

int arbor_child_launch(struct arbor_child *c)
{
	int err;

	/* the PD first: every other session waits for nothing but it starts the quota */
	for (unsigned i = 0; i < CHILD_ENV_SESSIONS; i++) {
		err = open_env_session(c, i);
		if (err)
			return err;
	}
	progress(c);
	return 0;
}

int arbor_child_start(struct arbor_env *env, const struct arbor_child_config *cfg,
                      struct arbor_child **out)
{
	int err = arbor_child_new(env, cfg, out);

	if (err)
		return err;
	err = arbor_child_launch(*out);
	if (err) {
		arbor_child_destroy(*out);
		*out = NULL;
	}
	return err;
}

void arbor_child_destroy(struct arbor_child *c)
{
	if (!c)
		return;
	c->destroying = 1;
	arbor_signal_handler_fini(&c->exit_handler);
	close_env_session(c, 1);                       /* CPU first: the child runs no more */
	arbor_rpc_object_dissolve(&c->parent_obj);
	child_abandon_services(c);
	child_close_sessions(c);
	close_env_session(c, 2);
	close_env_session(c, 3);
	close_env_session(c, 0);                       /* PD last: its quota comes back */
	child_free_services(c);
	for (unsigned i = 0; i < ARBOR_SIGNAL_KINDS; i++)
		arbor_cap_unref(c->sighs[i]);
	free_argv(c->argv);
	free(c);
}
