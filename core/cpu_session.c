/*
 * CPU service: the threads of a PD's process. Components create threads
 * themselves; core traces every component and therefore knows them. Thread
 * control for the GDB monitor (pause, resume, single-step, registers)
 * belongs here and builds on the same tracer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <session/cpu.h>
#include "core.h"

struct cpu_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
	struct pd_session *pd;     /* bound by the PD's start; NULL before and after */
};

static const struct arbor_rpc_interface cpu_iface;

struct cpu_session *cpu_session_of(struct arbor_cap *cap)
{
	struct arbor_rpc_object *obj = arbor_rpc_object_lookup(core.ep, cap, &cpu_iface);
	return obj ? container_of(obj, struct cpu_session, obj) : NULL;
}

void cpu_session_bind(struct cpu_session *cpu, struct pd_session *pd)
{
	cpu->pd = pd;
}

static int cpu_threads(struct arbor_rpc_request *req)
{
	struct cpu_session *cpu = container_of(req->object, struct cpu_session, obj);
	struct arbor_cpu_threads t;
	struct process *p = cpu->pd ? pd_session_process(cpu->pd) : NULL;
	unsigned count = 0;
	int err;

	if (!p)
		return ARBOR_E_NOT_FOUND;
	memset(&t, 0, sizeof(t));
	err = process_threads(p, (pid_t *)t.tid, ARBOR_CPU_THREADS_MAX, &count);
	if (err)
		return err;
	t.count = count;
	memcpy(req->out->payload, &t, sizeof(t));
	req->out->size = sizeof(t);
	return 0;
}

static const struct arbor_rpc_op cpu_ops[ARBOR_CPU_NOPS] = {
	[ARBOR_CPU_THREADS] = { "threads", 0, 0, 0, cpu_threads },
};

static const struct arbor_rpc_interface cpu_iface = { "CPU", cpu_ops, ARBOR_CPU_NOPS };

static int cpu_create(struct core_client *owner, const char *label, const char *args,
                      void **obj, struct arbor_cap **cap)
{
	struct cpu_session *cpu = calloc(1, sizeof(*cpu));
	int err;

	if (!cpu)
		return -ENOMEM;
	err = arbor_rpc_object_manage(core.ep, &cpu->obj, &cpu_iface);
	if (err) {
		free(cpu);
		return err;
	}
	snprintf(cpu->label, sizeof(cpu->label), "%s", label);
	cpu->obj.label = cpu->label;
	*obj = cpu;
	*cap = arbor_rpc_object_cap(&cpu->obj);
	return 0;
}

static void cpu_destroy(void *obj)
{
	struct cpu_session *cpu = obj;
	struct process *p = cpu->pd ? pd_session_process(cpu->pd) : NULL;

	/*
	 * The CPU session holds the component's threads: without it they
	 * stop, as Genode's do. A parent tearing a child down closes it
	 * first, so the child runs no more while its sessions are closed.
	 */
	if (p)
		process_kill(p);
	if (cpu->pd)
		pd_session_forget_cpu(cpu->pd);
	arbor_rpc_object_dissolve(&cpu->obj);
	free(cpu);
}

const struct core_service cpu_service = {
	.name = ARBOR_CPU_SERVICE,
	.ram = ARBOR_CPU_SESSION_RAM,
	.caps = ARBOR_CPU_SESSION_CAPS,
	.create = cpu_create,
	.destroy = cpu_destroy,
};
