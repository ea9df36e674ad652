/*
 * PD service: protection domains. A PD is a quota account, the owner of
 * the dataspaces allocated from it, and the holder of one sandboxed
 * process. Closing it kills the process, frees its memory and returns its
 * whole quota along the reference-account edge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <session/parent.h>
#include <session/pd.h>
#include "core.h"

#define PD_ARGV_MAX 64
#define PD_PIDS_LIMIT 64

struct dataspace {
	struct arbor_cap *cap;     /* core's reference: the writeable memfd */
	uint64_t ino;
	size_t size;
	struct dataspace *next;
};

struct pd_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
	struct account account;
	struct account *fallback;        /* where quota goes if the ref is gone */
	struct dataspace *dataspaces;
	struct process *process;
	uint64_t ram_limit;              /* what the process's memory cgroup says */
	struct cpu_session *cpu;
	int started;
	struct arbor_pd_exit_state exit;
	struct arbor_cap *exit_sigh;
	struct pd_session *next, *prev;
};

static struct pd_session *all_pds;
static const struct arbor_rpc_interface pd_iface;

static struct pd_session *pd_of_request(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct pd_session, obj);
}

struct pd_session *pd_session_of(struct arbor_cap *cap)
{
	struct arbor_rpc_object *obj = arbor_rpc_object_lookup(core.ep, cap, &pd_iface);
	return obj ? container_of(obj, struct pd_session, obj) : NULL;
}

static struct pd_session *pd_of_account(struct account *a)
{
	return !a || a == &core.account ? NULL : container_of(a, struct pd_session, account);
}

struct account *pd_session_account(struct pd_session *pd) { return &pd->account; }
const char *pd_session_label(struct pd_session *pd) { return pd->label; }

/*
 * Keep the kernel's RAM limit in step with the quota, within half the
 * slack: writing a v1 cgroup's limit costs tens of microseconds, and every
 * session's donation is a quota transfer of a few KiB, so small moves leave
 * the limit as it is (a component may then use up to half the slack more,
 * or less, than quota + slack).
 */
static void update_limit(struct pd_session *pd)
{
	uint64_t target;

	if (!pd || !pd->process)
		return;
	target = pd->account.ram_quota + PD_RAM_SLACK;
	if (pd->ram_limit >= target - PD_RAM_SLACK / 2 && pd->ram_limit <= target + PD_RAM_SLACK / 2)
		return;
	process_set_ram_limit(pd->process, target);
	pd->ram_limit = target;
}

/* ---- operations ---- */

static int pd_ref_account(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);
	struct pd_session *ref = pd_session_of(req->in->caps[0]);

	if (!ref)
		return ARBOR_E_INVALID_CAP;
	return account_set_ref(&pd->account, &ref->account);
}

static int pd_transfer_quota(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);
	struct pd_session *to = pd_session_of(req->in->caps[0]);
	struct arbor_pd_transfer_args a;
	int err;

	memcpy(&a, req->in->payload, sizeof(a));
	if (!to)
		return ARBOR_E_INVALID_CAP;
	err = account_transfer(&pd->account, &to->account, a.ram, a.caps);
	if (err)
		return err;
	update_limit(pd);
	update_limit(to);
	return 0;
}

static int pd_alloc_ram(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);
	struct arbor_pd_alloc_args a;
	struct dataspace *ds;
	struct stat st;
	int fd, err;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.size == 0 || a.size > (1ull << 46))
		return ARBOR_E_INVALID;
	err = account_charge(&pd->account, ram_round(a.size), 1);
	if (err)
		return err;
	ds = calloc(1, sizeof(*ds));
	if (!ds) {
		err = -ENOMEM;
		goto fail_charge;
	}
	fd = ram_alloc(a.size, "dataspace");
	if (fd < 0) {
		err = fd;
		goto fail_ds;
	}
	fstat(fd, &st);
	err = arbor_cap_from_fd(fd, ARBOR_CAP_DATASPACE, &ds->cap);
	if (err)
		goto fail_ds;
	ds->ino = (uint64_t)st.st_ino;
	ds->size = ram_round(a.size);
	ds->next = pd->dataspaces;
	pd->dataspaces = ds;
	arbor_msg_add_cap(req->out, ds->cap);
	return 0;

fail_ds:
	free(ds);
fail_charge:
	account_release(&pd->account, ram_round(a.size), 1);
	return err;
}

static void free_dataspace(struct pd_session *pd, struct dataspace **link)
{
	struct dataspace *ds = *link;

	*link = ds->next;
	account_release(&pd->account, ds->size, 1);
	arbor_cap_unref(ds->cap);
	free(ds);
}

static int pd_free_ram(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);
	struct stat st;

	if (fstat(arbor_cap_fd(req->in->caps[0]), &st) < 0)
		return ARBOR_E_INVALID_CAP;
	for (struct dataspace **d = &pd->dataspaces; *d; d = &(*d)->next) {
		if ((*d)->ino == (uint64_t)st.st_ino) {
			free_dataspace(pd, d);
			return 0;
		}
	}
	return ARBOR_E_NOT_FOUND;
}

static int pd_quota(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);
	struct arbor_pd_quota q = {
		.ram_quota = pd->account.ram_quota, .ram_used = pd->account.ram_used,
		.cap_quota = pd->account.cap_quota, .cap_used = pd->account.cap_used,
	};

	memcpy(req->out->payload, &q, sizeof(q));
	req->out->size = sizeof(q);
	return 0;
}

static int pd_read_only(struct arbor_rpc_request *req)
{
	struct arbor_cap *ds = req->in->caps[0], *ro;
	int fd, err;

	if (arbor_cap_kind(ds) != ARBOR_CAP_DATASPACE)
		return ARBOR_E_INVALID_CAP;
	fd = ram_reopen_read_only(arbor_cap_fd(ds));
	if (fd < 0)
		return fd;
	err = arbor_cap_from_fd(fd, ARBOR_CAP_DATASPACE, &ro);
	if (err)
		return err;
	arbor_msg_add_cap(req->out, ro);
	arbor_cap_unref(ro);
	return 0;
}

int pd_session_start(struct pd_session *pd, int binary_fd, struct arbor_cap *parent,
                     struct cpu_session *cpu, char *const *argv)
{
	struct process_spec spec = {
		.label = pd->label,
		.binary_fd = binary_fd,
		.parent_fd = parent ? arbor_cap_fd(parent) : -1,
		.argv = argv,
		.ram_limit = pd->ram_limit = pd->account.ram_quota + PD_RAM_SLACK,
		.pids_limit = PD_PIDS_LIMIT,
	};
	int err;

	if (pd->started)
		return ARBOR_E_EXISTS;
	if (!pd->account.ram_quota)
		return ARBOR_E_OUT_OF_RAM;
	err = process_start(&spec, pd, &pd->process);
	if (err)
		return err;
	pd->started = 1;
	pd->exit.state = ARBOR_PD_RUNNING;
	if (cpu) {
		pd->cpu = cpu;
		cpu_session_bind(cpu, pd);
	}
	return 0;
}

static int pd_start(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);
	struct arbor_msg *in = req->in;
	struct arbor_cap *binary = in->caps[0], *parent = in->caps[1], *sigh = in->caps[3];
	struct cpu_session *cpu = NULL;
	char *argv[PD_ARGV_MAX + 1];
	char args[ARBOR_PD_ARGV_MAX + 1];
	unsigned argc = 0;
	int binary_fd = -1, err;

	if (arbor_cap_kind(binary) == ARBOR_CAP_DATASPACE)
		binary_fd = arbor_cap_fd(binary);
	else if (arbor_cap_kind(binary) == ARBOR_CAP_RPC)
		binary_fd = rom_session_fd_of(binary);
	if (binary_fd < 0)
		return ARBOR_E_INVALID_CAP;
	if (sigh && arbor_cap_kind(sigh) != ARBOR_CAP_SIGNAL)
		return ARBOR_E_INVALID_CAP;
	if (parent && arbor_cap_kind(parent) != ARBOR_CAP_RPC)
		return ARBOR_E_INVALID_CAP;
	if (in->caps[2] && !(cpu = cpu_session_of(in->caps[2])))
		return ARBOR_E_INVALID_CAP;

	/* argv: NUL-separated strings; the label stands in for an empty argv[0] */
	memcpy(args, in->payload, in->size);
	args[in->size] = '\0';
	for (size_t off = 0; off < in->size && argc < PD_ARGV_MAX; ) {
		argv[argc++] = args + off;
		off += strlen(args + off) + 1;
	}
	if (!argc)
		argv[argc++] = pd->label;
	argv[argc] = NULL;
	err = pd_session_start(pd, binary_fd, parent, cpu, argv);
	if (!err && sigh) {
		arbor_cap_unref(pd->exit_sigh);
		pd->exit_sigh = arbor_msg_take_cap(in, 3);
	}
	return err;
}

static int pd_exit_sigh(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);
	int err = arbor_rpc_take_sigh(req, 0, &pd->exit_sigh);

	if (err)
		return err;
	/* registering after the end still tells about it */
	if (pd->exit_sigh && pd->exit.state >= ARBOR_PD_EXITED)
		arbor_signal_submit(pd->exit_sigh, 1);
	return 0;
}

static int pd_exit_state(struct arbor_rpc_request *req)
{
	struct pd_session *pd = pd_of_request(req);

	memcpy(req->out->payload, &pd->exit, sizeof(pd->exit));
	req->out->size = sizeof(pd->exit);
	return 0;
}

static const struct arbor_rpc_op pd_ops[ARBOR_PD_NOPS] = {
	[ARBOR_PD_REF_ACCOUNT]    = { "ref_account", 0, 0, 1, pd_ref_account },
	[ARBOR_PD_TRANSFER_QUOTA] = { "transfer_quota", sizeof(struct arbor_pd_transfer_args),
	                              sizeof(struct arbor_pd_transfer_args), 1, pd_transfer_quota },
	[ARBOR_PD_ALLOC_RAM]      = { "alloc_ram", sizeof(struct arbor_pd_alloc_args),
	                              sizeof(struct arbor_pd_alloc_args), 0, pd_alloc_ram },
	[ARBOR_PD_FREE_RAM]       = { "free_ram", 0, 0, 1, pd_free_ram },
	[ARBOR_PD_QUOTA]          = { "quota", 0, 0, 0, pd_quota },
	[ARBOR_PD_READ_ONLY]      = { "read_only", 0, 0, 1, pd_read_only },
	[ARBOR_PD_START]          = { "start", 0, ARBOR_PD_ARGV_MAX, 4, pd_start },
	[ARBOR_PD_EXIT_SIGH]      = { "exit_sigh", 0, 0, 1, pd_exit_sigh },
	[ARBOR_PD_EXIT_STATE]     = { "exit_state", 0, 0, 0, pd_exit_state },
};

static const struct arbor_rpc_interface pd_iface = { "PD", pd_ops, ARBOR_PD_NOPS };

/* ---- life cycle ---- */

static int pd_new(const char *label, struct account *fallback, struct pd_session **out)
{
	struct pd_session *pd = calloc(1, sizeof(*pd));
	int err;

	*out = NULL;
	if (!pd)
		return -ENOMEM;
	snprintf(pd->label, sizeof(pd->label), "%s", label);
	account_init(&pd->account, pd->label, 0, 0);
	pd->fallback = fallback;
	err = arbor_rpc_object_manage(core.ep, &pd->obj, &pd_iface);
	if (err) {
		free(pd);
		return err;
	}
	pd->obj.label = pd->label;
	pd->next = all_pds;
	if (all_pds)
		all_pds->prev = pd;
	all_pds = pd;
	*out = pd;
	return 0;
}

int pd_session_create_root(const char *label, uint64_t ram, uint64_t caps,
                           struct pd_session **out, struct arbor_cap **cap)
{
	int err = pd_new(label, &core.account, out);

	if (err)
		return err;
	account_set_ref(&(*out)->account, &core.account);
	err = account_transfer(&core.account, &(*out)->account, ram, caps);
	if (err)
		return err;
	*cap = arbor_rpc_object_cap(&(*out)->obj);
	return 0;
}

static int pd_create(struct core_client *owner, const char *label, const char *args,
                     void **obj, struct arbor_cap **cap)
{
	struct pd_session *pd;
	int err = pd_new(label, parent_service_account(owner), &pd);

	if (err)
		return err;
	*obj = pd;
	*cap = arbor_rpc_object_cap(&pd->obj);
	return 0;
}

static void pd_destroy(void *obj)
{
	struct pd_session *pd = obj;
	struct account *heir;

	if (pd->cpu)
		cpu_session_bind(pd->cpu, NULL);
	if (pd->process)
		process_detach(pd->process);
	while (pd->dataspaces)
		free_dataspace(pd, &pd->dataspaces);
	arbor_rpc_object_dissolve(&pd->obj);

	heir = pd->account.ref ? pd->account.ref : pd->fallback;
	account_dissolve(&pd->account, pd->fallback);
	update_limit(pd_of_account(heir));

	arbor_cap_unref(pd->exit_sigh);
	if (pd->prev)
		pd->prev->next = pd->next;
	else
		all_pds = pd->next;
	if (pd->next)
		pd->next->prev = pd->prev;
	free(pd);
}

void pd_session_process_ended(struct pd_session *pd, int state, int code, int signal,
                              uint64_t fault_addr, const char *reason)
{
	pd->process = NULL;
	pd->exit.state = state;
	pd->exit.code = code;
	pd->exit.signal = signal;
	pd->exit.fault_addr = fault_addr;
	snprintf(pd->exit.reason, sizeof(pd->exit.reason), "%s", reason ? reason : "");
	if (pd->cpu)
		cpu_session_bind(pd->cpu, NULL);
	pd->cpu = NULL;
	if (pd->exit_sigh)
		arbor_signal_submit(pd->exit_sigh, 1);
}

void pd_session_kill_all(void)
{
	for (struct pd_session *pd = all_pds; pd; pd = pd->next)
		if (pd->process)
			process_kill(pd->process);
}

void pd_session_set_exit_sigh(struct pd_session *pd, struct arbor_cap *sigh)
{
	arbor_cap_unref(pd->exit_sigh);
	pd->exit_sigh = arbor_cap_ref(sigh);
}

int pd_session_exit_state(struct pd_session *pd, struct arbor_pd_exit_state *st)
{
	*st = pd->exit;
	return pd->exit.state >= ARBOR_PD_EXITED;
}

void pd_session_forget_cpu(struct pd_session *pd)
{
	pd->cpu = NULL;
}

struct process *pd_session_process(struct pd_session *pd)
{
	return pd->process;
}

const struct core_service pd_service = {
	.name = ARBOR_PD_SERVICE,
	.ram = ARBOR_PD_SESSION_RAM,
	.caps = ARBOR_PD_SESSION_CAPS,
	.create = pd_create,
	.destroy = pd_destroy,
};

int pd_session_view(struct pd_session *pd, struct pd_view *v)
{
	memset(v, 0, sizeof(*v));
	v->label = pd->label;
	v->ram_quota = pd->account.ram_quota;
	v->ram_used = pd->account.ram_used;
	v->cap_quota = pd->account.cap_quota;
	v->cap_used = pd->account.cap_used;
	v->pid = pd->process ? process_pid(pd->process) : 0;
	v->state = pd->exit.state;
	v->code = pd->exit.code;
	v->signal = pd->exit.signal;
	return 0;
}

struct pd_session *pd_session_first(void) { return all_pds; }
struct pd_session *pd_session_next(struct pd_session *pd) { return pd->next; }
