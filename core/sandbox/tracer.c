/*
 * Core as ptrace tracer of every component: keeps each process's thread
 * list, continues whatever stops, records faults with a backtrace, and
 * reports the end of each process.
 *
 * Every component is the init of its pid namespace, and the kernel drops
 * default-action signals an init sends itself (abort() only dies on a
 * second fault). So when a fatal signal with default action is about to be
 * delivered, the tracer kills the process itself and reports the recorded
 * signal: components die of abort() and raise(SIGSEGV) like any program.
 */
#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backtrace.h"

struct fault {
	int signal;
	int code;                      /* si_code */
	pid_t tid;
	uint64_t addr, ip;
	bool killed;                   /* the tracer turned it into SIGKILL */
	char text[TRACER_REASON_MAX];
};

struct traced {
	pid_t tgid;
	pid_t *tids;                   /* tids[0] is the main thread */
	unsigned ntids, cap;
	struct fault *fault;           /* the last fatal-class signal, or NULL */
};

static struct traced **procs;
static unsigned nprocs, procs_cap;
static tracer_gate_fn gate;

void tracer_set_gate(tracer_gate_fn fn)
{
	gate = fn;
}

static struct traced *find_proc(pid_t tgid)
{
	unsigned i;

	for (i = 0; i < nprocs; i++)
		if (procs[i]->tgid == tgid)
			return procs[i];
	return NULL;
}

static struct traced *find_by_tid(pid_t tid)
{
	unsigned i, j;

	for (i = 0; i < nprocs; i++)
		for (j = 0; j < procs[i]->ntids; j++)
			if (procs[i]->tids[j] == tid)
				return procs[i];
	return NULL;
}

static int add_thread(struct traced *t, pid_t tid)
{
	unsigned i;

	for (i = 0; i < t->ntids; i++)
		if (t->tids[i] == tid)
			return 0;
	if (t->ntids == t->cap) {
		unsigned cap = t->cap ? 2 * t->cap : 4;
		pid_t *tids = realloc(t->tids, cap * sizeof *tids);

		if (!tids)
			return -ENOMEM;
		t->tids = tids;
		t->cap = cap;
	}
	t->tids[t->ntids++] = tid;
	return 0;
}

static void remove_thread(struct traced *t, pid_t tid)
{
	unsigned i;

	/* Never index 0: the main thread stays first until the process ends. */
	for (i = 1; i < t->ntids; i++) {
		if (t->tids[i] == tid) {
			memmove(&t->tids[i], &t->tids[i + 1], (t->ntids - i - 1) * sizeof *t->tids);
			t->ntids--;
			return;
		}
	}
}

static void drop(struct traced *t)
{
	unsigned i;

	for (i = 0; i < nprocs; i++) {
		if (procs[i] == t) {
			procs[i] = procs[--nprocs];
			break;
		}
	}
	free(t->fault);
	free(t->tids);
	free(t);
}

int tracer_attach(pid_t pid)
{
	struct traced *t;
	int err;

	if (find_proc(pid))
		return -EEXIST;
	if (nprocs == procs_cap) {
		unsigned cap = procs_cap ? 2 * procs_cap : 16;
		struct traced **p = realloc(procs, cap * sizeof *p);

		if (!p)
			return -ENOMEM;
		procs = p;
		procs_cap = cap;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	t->tgid = pid;
	err = add_thread(t, pid);
	if (err)
		goto fail;
	if (ptrace(PTRACE_SEIZE, pid, NULL,
	           (void *)(PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE |
	                   PTRACE_O_TRACESECCOMP)) < 0) {
		err = -errno;
		goto fail;
	}
	procs[nprocs++] = t;
	return 0;

fail:
	free(t->tids);
	free(t);
	return err;
}

void tracer_forget(pid_t pid)
{
	struct traced *t = find_proc(pid);

	if (t)
		drop(t);
}

void tracer_fini(void)
{
	while (nprocs)
		drop(procs[nprocs - 1]);
	free(procs);
	procs = NULL;
	procs_cap = 0;
}

int tracer_threads(pid_t pid, pid_t *tids, unsigned max, unsigned *count)
{
	struct traced *t = find_proc(pid);
	unsigned n;

	*count = 0;
	if (!t)
		return -ENOENT;
	n = t->ntids < max ? t->ntids : max;
	memcpy(tids, t->tids, n * sizeof *tids);
	*count = t->ntids;
	return 0;
}

/* One "Name:\tvalue" field of /proc/<pid>/status, as a number in `base`. */
static int status_field(pid_t pid, const char *field, int base, uint64_t *value)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	int fd;

	*value = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, field, strlen(field))) {
			*value = strtoull(p + strlen(field), NULL, base);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * A stopped tid we have not seen: a new thread whose first stop came before
 * its creator's clone event (keep it), or a process cloned without
 * CLONE_THREAD and without SIGCHLD, which is the component's child and no
 * business of ours (let it go).
 */
static struct traced *adopt(pid_t tid)
{
	struct traced *t = NULL;
	uint64_t tgid;

	if (status_field(tid, "Tgid:", 10, &tgid) == 0)
		t = find_proc((pid_t)tgid);
	if (t) {
		add_thread(t, tid);   /* out of memory: traced all the same, just not listed */
		return t;
	}
	ptrace(PTRACE_DETACH, tid, NULL, NULL);
	return NULL;
}

static void note_clone(struct traced *t, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/task/%d", (int)t->tgid, (int)tid);
	if (access(path, F_OK) == 0)
		add_thread(t, tid);
}

static void resume(pid_t tid, int sig)
{
	/* ESRCH: the tracee died meanwhile; its end comes as another wait status. */
	ptrace(PTRACE_CONT, tid, NULL, (void *)(uintptr_t)sig);
}

static bool fatal_class(int sig)
{
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE:
	case SIGABRT: case SIGSYS: case SIGTRAP: case SIGQUIT:
		return true;
	}
	return false;
}

static bool has_fault_addr(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE;
}

static const char *signal_text(int sig)
{
	switch (sig) {
	case SIGSEGV: return "segmentation fault";
	case SIGBUS:  return "bus error";
	case SIGILL:  return "illegal instruction";
	case SIGFPE:  return "arithmetic exception";
	case SIGABRT: return "aborted";
	case SIGSYS:  return "bad system call";
	case SIGTRAP: return "trace/breakpoint trap";
	case SIGQUIT: return "quit";
	}
	return "fatal signal";
}

static const char *code_text(int sig, int code, char *buf, size_t size)
{
	static const char *const segv[] = { "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR",
	                                    "SEGV_PKUERR" };
	static const char *const bus[] = { "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR",
	                                   "BUS_MCEERR_AR", "BUS_MCEERR_AO" };
	static const char *const ill[] = { "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP",
	                                   "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK" };
	static const char *const fpe[] = { "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF",
	                                   "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB" };
	static const char *const trap[] = { "TRAP_BRKPT", "TRAP_TRACE" };
#define PICK(table) \
	if (code >= 1 && code <= (int)(sizeof table / sizeof table[0])) return table[code - 1]

	switch (code) {
	case SI_USER:   return "SI_USER";
	case SI_KERNEL: return "SI_KERNEL";
	case SI_QUEUE:  return "SI_QUEUE";
	case SI_TKILL:  return "SI_TKILL";
	}
	switch (sig) {
	case SIGSEGV: PICK(segv); break;
	case SIGBUS:  PICK(bus); break;
	case SIGILL:  PICK(ill); break;
	case SIGFPE:  PICK(fpe); break;
	case SIGTRAP: PICK(trap); break;
	case SIGSYS:  if (code == 1) return "SYS_SECCOMP"; break;
	}
#undef PICK
	snprintf(buf, size, "code %d", code);
	return buf;
}

/* True when the process runs the kernel's default action for `sig`. */
static bool default_action(pid_t tgid, int sig)
{
	uint64_t caught, ignored, bit = 1ULL << (sig - 1);

	if (status_field(tgid, "SigCgt:", 16, &caught) || status_field(tgid, "SigIgn:", 16, &ignored))
		return true;
	return !(caught & bit) && !(ignored & bit);
}

/*
 * At the signal-delivery-stop of a fatal-class signal: record what, where
 * and the stack, while the thread still stands where it faulted. Returns
 * the signal to deliver (0 when the tracer killed the process instead).
 */
static int record_fault(struct traced *t, pid_t tid, int sig)
{
	struct backtrace_regs regs;
	struct fault *f = t->fault;
	char code[32];
	siginfo_t si;

	if (!f) {
		f = malloc(sizeof *f);
		if (!f)
			return sig;
		t->fault = f;
	}
	memset(f, 0, sizeof *f);
	memset(&si, 0, sizeof si);
	ptrace(PTRACE_GETSIGINFO, tid, NULL, &si);
	backtrace_regs_read(tid, &regs);
	f->signal = sig;
	f->code = si.si_code;
	f->tid = tid;
	f->ip = regs.ip;
	if (has_fault_addr(sig) && si.si_code > 0)
		f->addr = (uint64_t)(uintptr_t)si.si_addr;

	if (has_fault_addr(sig) && si.si_code > 0)
		snprintf(f->text, sizeof f->text, "%s (%s) at address 0x%" PRIx64 ", ip 0x%" PRIx64 "\n",
		         signal_text(sig), code_text(sig, si.si_code, code, sizeof code), f->addr, f->ip);
	else
		snprintf(f->text, sizeof f->text, "%s (%s), ip 0x%" PRIx64 "\n", signal_text(sig),
		         code_text(sig, si.si_code, code, sizeof code), f->ip);
	backtrace_append(t->tgid, tid, &regs, TRACER_FRAMES_MAX, f->text, sizeof f->text);
	/* Frames are lines of their own; the report as a whole ends without one. */
	if (f->text[0] && f->text[strlen(f->text) - 1] == '\n')
		f->text[strlen(f->text) - 1] = '\0';

	if (!default_action(t->tgid, sig))
		return sig;
	f->killed = true;
	kill(t->tgid, SIGKILL);
	return 0;
}

/* A call the filter handed over: the gate lets it run, or it is skipped with an error. */
static void decide_call(struct traced *t, pid_t tid)
{
	struct user_regs_struct regs;
	int err;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0)
		return;
	err = gate ? gate(t->tgid, tid, &regs) : -ENOSYS;
	if (!err)
		return;
	regs.orig_rax = (unsigned long long)-1;      /* skip the call... */
	regs.rax = (unsigned long long)(long long)err;  /* ...and return this */
	ptrace(PTRACE_SETREGS, tid, NULL, &regs);
}

static void handle_stop(pid_t tid, int status)
{
	int sig = WSTOPSIG(status), event = (unsigned)status >> 16;
	struct traced *t = find_by_tid(tid);
	unsigned long msg;

	if (!t)
		t = adopt(tid);
	if (!t)
		return;
	switch (event) {
	case 0:
		/* Signal-delivery-stop: pass the signal on, after a look at fatal ones. */
		if (fatal_class(sig))
			sig = record_fault(t, tid, sig);
		resume(tid, sig);
		return;
	case PTRACE_EVENT_CLONE:
		if (ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0)
			note_clone(t, (pid_t)msg);
		resume(tid, 0);
		return;
	case PTRACE_EVENT_SECCOMP:
		decide_call(t, tid);
		resume(tid, 0);
		return;
	case PTRACE_EVENT_STOP:
		/* Group-stop: stay stopped, but let SIGCONT and SIGKILL through. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			ptrace(PTRACE_LISTEN, tid, NULL, NULL);
		else
			resume(tid, 0);   /* first stop of a new thread */
		return;
	default:
		resume(tid, 0);
		return;
	}
}

static void report_end(struct tracer_event *ev, pid_t pid, int status, struct traced *t)
{
	struct fault *f = t ? t->fault : NULL;
	int sig;

	ev->pid = pid;
	if (WIFEXITED(status)) {
		ev->kind = TRACER_EXITED;
		ev->code = WEXITSTATUS(status);
		return;
	}
	sig = WTERMSIG(status);
	if (f && (f->killed ? sig == SIGKILL : sig == f->signal)) {
		ev->kind = TRACER_CRASHED;
		ev->tid = f->tid;
		ev->code = f->code;
		ev->signal = f->signal;
		ev->fault_addr = f->addr;
		ev->ip = f->ip;
		memcpy(ev->reason, f->text, sizeof ev->reason);
		return;
	}
	if (sig == SIGSYS) {
		/* The filter kills only calls through a foreign ABI (x32, i386). */
		ev->kind = TRACER_CRASHED;
		ev->signal = sig;
		snprintf(ev->reason, sizeof ev->reason,
		         "bad system call: killed by the seccomp filter (foreign system call ABI)");
		return;
	}
	ev->kind = TRACER_KILLED;
	ev->signal = sig;
}

int tracer_next(struct tracer_event *ev)
{
	struct traced *t;
	int status;
	pid_t tid;

	memset(ev, 0, sizeof *ev);
	for (;;) {
		tid = waitpid(-1, &status, WNOHANG | __WALL);
		if (tid == 0)
			return 0;
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? 0 : -errno;
		}
		if (WIFSTOPPED(status)) {
			handle_stop(tid, status);
			continue;
		}
		if (!WIFEXITED(status) && !WIFSIGNALED(status))
			continue;
		t = find_by_tid(tid);
		if (t && tid != t->tgid) {
			remove_thread(t, tid);
			continue;
		}
		report_end(ev, tid, status, t);
		if (t)
			drop(t);
		return 1;
	}
}
