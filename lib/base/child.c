/*
 * The parent side of a child: environment sessions, quota, process start,
 * the parent interface served to the child, and orderly teardown.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/child.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/cpu.h>
#include <session/log.h>
#include <session/parent.h>
#include <session/rom.h>

/*
 * Sessions a child may hold through its parent: environment sessions of
 * its own children count too, so a child that is a parent itself needs
 * room. The table grows on demand up to this bound, so a child cannot
 * make its parent's state grow without limit.
 */
#define CHILD_SESSIONS_MAX 4096u

struct child_session {
	uint32_t id;              /* in the child's id space */
	uint32_t upstream;        /* in ours; 0 for sessions served locally */
	uint64_t ram, caps;       /* what the child paid */
	struct arbor_cap *cap;
};

struct arbor_child {
	struct arbor_env *env;
	char name[ARBOR_LABEL_MAX];
	const struct arbor_child_policy *policy;
	void *priv;
	struct arbor_rpc_object parent_obj;
	struct arbor_signal_handler exit_handler;
	uint32_t env_ids[4];                /* upstream ids of PD, CPU, LOG, ROM */
	struct arbor_cap *env_caps[4];
	struct child_session *sessions;
	unsigned nsessions;                 /* slots allocated */
	int exited;
};

static atomic_uint next_session_id = ARBOR_ENV_IDS_END;

uint32_t arbor_session_id_alloc(void)
{
	return atomic_fetch_add(&next_session_id, 1);
}

const char *arbor_child_name(const struct arbor_child *c) { return c->name; }
void *arbor_child_priv(const struct arbor_child *c) { return c->priv; }
struct arbor_cap *arbor_child_pd(const struct arbor_child *c) { return c->env_caps[0]; }
int arbor_child_exited(const struct arbor_child *c) { return c->exited; }

static struct child_session *find_session(struct arbor_child *c, uint32_t id)
{
	for (unsigned i = 0; i < c->nsessions; i++)
		if (c->sessions[i].cap && c->sessions[i].id == id)
			return &c->sessions[i];
	return NULL;
}

static struct child_session *free_slot(struct arbor_child *c)
{
	struct child_session *grown;
	unsigned n, old = c->nsessions;

	for (unsigned i = 0; i < c->nsessions; i++)
		if (!c->sessions[i].cap)
			return &c->sessions[i];
	if (c->nsessions == CHILD_SESSIONS_MAX)
		return NULL;
	n = old ? old * 2 : 8;
	grown = realloc(c->sessions, n * sizeof(*grown));
	if (!grown)
		return NULL;
	memset(grown + old, 0, (n - old) * sizeof(*grown));
	c->sessions = grown;
	c->nsessions = n;
	return &grown[old];
}

/* ---- the parent interface served to the child ---- */

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int forward_session(struct arbor_child *c, struct child_session *s, const char *service,
                           const char *args)
{
	struct arbor_cap *own_pd = arbor_env_pd(c->env);
	char fwd[ARBOR_SESSION_ARGS_MAX], label[ARBOR_LABEL_MAX], prefixed[ARBOR_LABEL_MAX];
	uint64_t ram = 0, caps = 0;
	int err;

	label[0] = '\0';
	err = arbor_args_get(args, "label", label, sizeof(label));
	if (err && err != ARBOR_E_NOT_FOUND)
		return ARBOR_E_INVALID;
	if (arbor_label_prefix(prefixed, sizeof(prefixed), c->name, label))
		return ARBOR_E_TOO_LARGE;
	snprintf(fwd, sizeof(fwd), "%s", args);
	if (arbor_args_set(fwd, sizeof(fwd), "label", prefixed, 1))
		return ARBOR_E_TOO_LARGE;
	arbor_args_get_u64(args, "ram_quota", &ram);
	arbor_args_get_u64(args, "cap_quota", &caps);

	/* the child pays: its PD's quota moves to us along the ref edge */
	if (ram || caps) {
		err = arbor_pd_transfer_quota(c->env_caps[0], own_pd, ram, caps);
		if (err)
			return err;
	}
	s->upstream = arbor_session_id_alloc();
	err = arbor_parent_session(c->env->parent, s->upstream, service, fwd, &s->cap);
	if (err) {
		if (ram || caps)
			arbor_pd_transfer_quota(own_pd, c->env_caps[0], ram, caps);
		s->upstream = 0;
		return err;
	}
	s->ram = ram;
	s->caps = caps;
	return 0;
}

static int child_session(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_session_args a;
	struct child_session *s;
	int err = ARBOR_E_NOT_FOUND;

	memcpy(&a, req->in->payload, sizeof(a));
	if (!terminated(a.service, sizeof(a.service)) || !terminated(a.args, sizeof(a.args)) ||
	    a.id < ARBOR_ENV_IDS_END)
		return ARBOR_E_INVALID;
	if (find_session(c, a.id))
		return ARBOR_E_EXISTS;
	s = free_slot(c);
	if (!s)
		return ARBOR_E_OUT_OF_CAPS;

	if (c->policy && c->policy->session)
		err = c->policy->session(c, a.service, a.args, &s->cap);
	if (err == ARBOR_E_NOT_FOUND)
		err = forward_session(c, s, a.service, a.args);
	if (err) {
		s->cap = NULL;
		return err;
	}
	s->id = a.id;
	arbor_msg_add_cap(req->out, s->cap);
	return 0;
}

static int child_session_cap(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_id_args a;
	struct child_session *s;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.id >= ARBOR_ENV_PD && a.id <= ARBOR_ENV_ROM) {
		arbor_msg_add_cap(req->out, c->env_caps[a.id - ARBOR_ENV_PD]);
		return 0;
	}
	s = find_session(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	arbor_msg_add_cap(req->out, s->cap);
	return 0;
}

static void close_session(struct arbor_child *c, struct child_session *s, int refund)
{
	if (s->upstream) {
		arbor_parent_close(c->env->parent, s->upstream);
		if (refund && (s->ram || s->caps))
			arbor_pd_transfer_quota(arbor_env_pd(c->env), c->env_caps[0], s->ram, s->caps);
	}
	arbor_cap_unref(s->cap);
	memset(s, 0, sizeof(*s));
}

static int child_close(struct arbor_rpc_request *req)
{
	struct arbor_child *c = container_of(req->object, struct arbor_child, parent_obj);
	struct arbor_parent_id_args a;
	struct child_session *s;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.id < ARBOR_ENV_IDS_END)
		return ARBOR_E_DENIED;
	s = find_session(c, a.id);
	if (!s)
		return ARBOR_E_NOT_FOUND;
	close_session(c, s, 1);
	return 0;
}

static int child_exit(struct arbor_rpc_request *req)
{
	/* a hint; the process's end, as core saw it, is what counts */
	return 0;
}

static const struct arbor_rpc_op child_ops[ARBOR_PARENT_NOPS] = {
	[ARBOR_PARENT_SESSION]     = { "session", sizeof(struct arbor_parent_session_args),
	                               sizeof(struct arbor_parent_session_args), 0, child_session },
	[ARBOR_PARENT_SESSION_CAP] = { "session_cap", sizeof(struct arbor_parent_id_args),
	                               sizeof(struct arbor_parent_id_args), 0, child_session_cap },
	[ARBOR_PARENT_CLOSE]       = { "close", sizeof(struct arbor_parent_id_args),
	                               sizeof(struct arbor_parent_id_args), 0, child_close },
	[ARBOR_PARENT_EXIT]        = { "exit", sizeof(struct arbor_parent_exit_args),
	                               sizeof(struct arbor_parent_exit_args), 0, child_exit },
};

static const struct arbor_rpc_interface child_iface = { "Parent", child_ops, ARBOR_PARENT_NOPS };

/* ---- life cycle ---- */

static void child_ended(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_child *c = container_of(sh, struct arbor_child, exit_handler);
	struct arbor_pd_exit_state st;

	if (c->exited || arbor_pd_exit_state(c->env_caps[0], &st) || st.state < ARBOR_PD_EXITED)
		return;
	c->exited = 1;
	if (c->policy && c->policy->exited) {
		c->policy->exited(c, &st);
		return;
	}
	if (st.state == ARBOR_PD_EXITED)
		arbor_log("child \"%s\" exited with exit value %d", c->name, st.code);
	else if (st.state == ARBOR_PD_FAILED)
		arbor_log("child \"%s\" %s", c->name, st.reason);
	else if (st.state == ARBOR_PD_CRASHED)
		arbor_log("child \"%s\" crashed (signal %d, address 0x%llx)", c->name, st.signal,
		          (unsigned long long)st.fault_addr);
	else
		arbor_log("child \"%s\" was killed by signal %d", c->name, st.signal);
}

static int open_env_session(struct arbor_child *c, unsigned slot, const char *service,
                            const char *label, uint64_t ram, uint64_t caps)
{
	char args[ARBOR_SESSION_ARGS_MAX];

	snprintf(args, sizeof(args), "label=\"%s\", ram_quota=%llu, cap_quota=%llu", label,
	         (unsigned long long)ram, (unsigned long long)caps);
	c->env_ids[slot] = arbor_session_id_alloc();
	return arbor_parent_session(c->env->parent, c->env_ids[slot], service, args, &c->env_caps[slot]);
}

static void close_env_session(struct arbor_child *c, unsigned slot)
{
	if (!c->env_caps[slot])
		return;
	arbor_parent_close(c->env->parent, c->env_ids[slot]);
	arbor_cap_unref(c->env_caps[slot]);
	c->env_caps[slot] = NULL;
}

int arbor_child_start(struct arbor_env *env, const struct arbor_child_config *cfg,
                      struct arbor_child **out)
{
	const char *binary = cfg->binary ? cfg->binary : cfg->name;
	const char *default_argv[] = { cfg->name, NULL };
	struct arbor_cap *own_pd = arbor_env_pd(env);
	struct arbor_child *c;
	int err;

	*out = NULL;
	if (!env->parent || !own_pd)
		return ARBOR_E_DENIED;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->env = env;
	c->policy = cfg->policy;
	c->priv = cfg->priv;
	snprintf(c->name, sizeof(c->name), "%s", cfg->name);

	if ((err = open_env_session(c, 0, ARBOR_PD_SERVICE, c->name, ARBOR_PD_SESSION_RAM, ARBOR_PD_SESSION_CAPS)) ||
	    (err = arbor_pd_ref_account(c->env_caps[0], own_pd)) ||
	    (err = arbor_pd_transfer_quota(own_pd, c->env_caps[0], cfg->ram, cfg->caps)) ||
	    (err = open_env_session(c, 1, ARBOR_CPU_SERVICE, c->name, ARBOR_CPU_SESSION_RAM, ARBOR_CPU_SESSION_CAPS)) ||
	    (err = open_env_session(c, 2, ARBOR_LOG_SERVICE, c->name, ARBOR_LOG_SESSION_RAM, ARBOR_LOG_SESSION_CAPS)) ||
	    (err = open_env_session(c, 3, ARBOR_ROM_SERVICE, binary, ARBOR_ROM_SESSION_RAM, ARBOR_ROM_SESSION_CAPS)))
		goto fail_sessions;

	err = arbor_rpc_object_manage(env->ep, &c->parent_obj, &child_iface);
	if (err)
		goto fail_sessions;
	c->parent_obj.label = c->name;
	err = arbor_signal_handler_init(&c->exit_handler, env->ep, child_ended);
	if (err)
		goto fail_parent;
	/* the ROM session itself names the binary: no dataspace round trip */
	err = arbor_pd_start(c->env_caps[0], c->env_caps[3], arbor_rpc_object_cap(&c->parent_obj),
	                     c->env_caps[1], arbor_signal_handler_cap(&c->exit_handler),
	                     cfg->argv ? cfg->argv : default_argv);
	if (err)
		goto fail_handler;
	*out = c;
	return 0;

fail_handler:
	arbor_signal_handler_fini(&c->exit_handler);
fail_parent:
	arbor_rpc_object_dissolve(&c->parent_obj);
fail_sessions:
	for (unsigned i = 4; i-- > 1; )
		close_env_session(c, i);
	close_env_session(c, 0);
	free(c);
	return err;
}

void arbor_child_destroy(struct arbor_child *c)
{
	if (!c)
		return;
	arbor_rpc_object_dissolve(&c->parent_obj);
	arbor_signal_handler_fini(&c->exit_handler);
	close_env_session(c, 1);                       /* CPU first */
	for (unsigned i = 0; i < c->nsessions; i++)
		if (c->sessions[i].cap)
			close_session(c, &c->sessions[i], 1);
	free(c->sessions);
	close_env_session(c, 2);
	close_env_session(c, 3);
	close_env_session(c, 0);                       /* PD last: its quota comes back */
	free(c);
}
