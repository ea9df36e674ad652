/*
 * Processes: core spawns each PD's process in its sandbox, logs its output,
 * and, as the tracer of every component, learns how it ended (exit value,
 * or fatal signal with fault address and backtrace) and tells its PD.
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arbor/error.h>
#include <session/parent.h>
#include "core.h"
#include "tracer.h"

struct process {
	char label[ARBOR_LABEL_MAX];
	struct sandbox_proc sp;
	struct pd_session *pd;          /* NULL once detached */
	struct output out;              /* stdout and stderr: one pipe keeps their order */
	int reaped;
	int stopped;                    /* killed on purpose (its CPU session closed): no warning */
	unsigned outputs;               /* pipes still open */
	struct process *next;
};

static struct process *processes;
static unsigned unreaped;

/*
 * The sandbox keeps children prepared ahead of time; after a start, one
 * more is prepared once the entrypoint has nothing more urgent to do.
 */
static struct arbor_io refill_io;

static void refill(struct arbor_io *io, uint32_t events)
{
	uint64_t count;

	if (read(io->fd, &count, sizeof(count)) == sizeof(count))
		sandbox_pool_fill(&core.host);
}

static void schedule_refill(void)
{
	uint64_t one = 1;

	if (refill_io.fd > 0 && write(refill_io.fd, &one, sizeof(one)) < 0) {
		/* saturated: a refill is pending anyway */
	}
}

int process_init(void)
{
	refill_io.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (refill_io.fd < 0)
		return -errno;
	refill_io.fn = refill;
	tracer_set_gate(vm_session_gate);
	schedule_refill();
	return arbor_io_watch(core.ep, &refill_io, EPOLLIN);
}

unsigned process_count(void)
{
	return unreaped;
}

pid_t process_pid(struct process *p)
{
	return p->sp.pid;
}

static void maybe_free(struct process *p)
{
	if (!p->reaped || p->outputs)
		return;
	for (struct process **l = &processes; *l; l = &(*l)->next) {
		if (*l == p) {
			*l = p->next;
			break;
		}
	}
	free(p);
}

static void out_closed(struct output *o)
{
	struct process *p = container_of(o, struct process, out);
	p->outputs--;
	maybe_free(p);
}

int process_start(const struct process_spec *spec, struct pd_session *pd, struct process **out)
{
	struct process *p;
	int out_pipe[2], err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->label, sizeof(p->label), "%s", spec->label);
	p->pd = pd;
	p->out.io.fd = -1;

	if (pipe2(out_pipe, O_CLOEXEC) < 0) {
		err = -errno;
		goto fail_proc;
	}

	struct sandbox_spec s = {
		.label = p->label,
		.binary_fd = spec->binary_fd,
		.parent_fd = spec->parent_fd,
		.stdout_fd = out_pipe[1],
		.stderr_fd = out_pipe[1],
		.argv = spec->argv,
		.ram_limit = spec->ram_limit,
		.pids_limit = spec->pids_limit,
	};
	err = sandbox_spawn(&core.host, &s, &p->sp);
	close(out_pipe[1]);
	if (err) {
		close(out_pipe[0]);
		goto fail_proc;
	}
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	if (output_open(&p->out, out_pipe[0], p->label, out_closed) == 0)
		p->outputs++;
	else
		close(out_pipe[0]);

	p->next = processes;
	processes = p;
	unreaped++;
	if (core.verbose)
		core_log("core: started \"%s\" as pid %d", p->label, p->sp.pid);
	schedule_refill();
	*out = p;
	return 0;

fail_proc:
	free(p);
	return err;
}

void process_set_ram_limit(struct process *p, uint64_t bytes)
{
	if (!p->reaped)
		sandbox_set_ram_limit(&core.host, &p->sp, bytes);
}

void process_kill(struct process *p)
{
	p->stopped = 1;
	if (!p->reaped)
		sandbox_kill(&p->sp);
}

void process_detach(struct process *p)
{
	p->pd = NULL;
	process_kill(p);
}

int process_threads(struct process *p, pid_t *tids, unsigned max, unsigned *count)
{
	*count = 0;
	if (p->reaped)
		return ARBOR_E_NOT_FOUND;
	return tracer_threads(p->sp.pid, tids, max, count);
}

static void report(struct process *p, const struct tracer_event *ev)
{
	struct tracer_event failed;
	const char *step = NULL;
	int state;

	/* A sandbox that never got to exec is a failed start, not an exit. */
	int setup = sandbox_setup_result(&p->sp, &step);
	if (setup < 0 && setup != -EINPROGRESS) {
		failed = *ev;
		failed.kind = TRACER_KILLED;
		failed.signal = 0;
		snprintf(failed.reason, sizeof(failed.reason), "could not start: %s: %s",
		         step ? step : "sandbox setup", strerror(-setup));
		core_error("\"%s\" %s", p->label, failed.reason);
		if (p->pd)
			pd_session_process_ended(p->pd, ARBOR_PD_FAILED, -1, 0, 0, failed.reason);
		p->pd = NULL;
		return;
	}

	switch (ev->kind) {
	case TRACER_EXITED:
		state = ARBOR_PD_EXITED;
		break;
	case TRACER_CRASHED:
		state = ARBOR_PD_CRASHED;
		core_error("\"%s\" crashed: SIG%s, %s", p->label,
		           sigabbrev_np(ev->signal) ? sigabbrev_np(ev->signal) : "?", ev->reason);
		break;
	default:
		state = ARBOR_PD_KILLED;
		if (p->pd && !p->stopped)
			core_warning("\"%s\" was killed by signal %d%s", p->label, ev->signal,
			             ev->reason[0] ? ev->reason : "");
		break;
	}
	if (p->pd)
		pd_session_process_ended(p->pd, state, ev->code, ev->signal, ev->fault_addr, ev->reason);
	p->pd = NULL;
}

void process_reap(void)
{
	struct tracer_event ev;

	while (tracer_next(&ev) == 1) {
		for (struct process *p = processes; p; p = p->next) {
			if (p->sp.pid != ev.pid || p->reaped)
				continue;
			p->reaped = 1;
			unreaped--;
			/* what is still in the pipes belongs before the report */
			if (p->out.io.fd >= 0) {
				output_close(&p->out);
				p->outputs--;
			}
			report(p, &ev);
			sandbox_release(&core.host, &p->sp);
			maybe_free(p);
			break;
		}
	}
}

void process_fini(void)
{
	if (refill_io.fd > 0) {
		arbor_io_unwatch(&refill_io);
		close(refill_io.fd);
		refill_io.fd = -1;
	}
	tracer_fini();
	while (processes) {
		struct process *p = processes;
		processes = p->next;
		output_close(&p->out);
		free(p);
	}
}
