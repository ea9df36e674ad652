/*
 * ptrace supervision of all components: core traces every thread of every
 * component, reaps them, and turns fatal signals into crash reports with a
 * symbolised backtrace.
 *
 * ptrace binds tracees to the tracing thread: all tracer_* calls (and
 * sandbox_spawn(), which attaches) must come from the same core thread, and
 * if that thread ends, every component is killed (PTRACE_O_EXITKILL).
 */
#ifndef ARBOR_CORE_SANDBOX_TRACER_H
#define ARBOR_CORE_SANDBOX_TRACER_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* Frames in a crash report; deeper stacks are cut. */
#define TRACER_FRAMES_MAX 32
#define TRACER_REASON_MAX 2048

enum tracer_event_kind {
	TRACER_EXITED,    /* called exit: `code` holds the exit value */
	TRACER_CRASHED,   /* died of a fault or abort: `signal`, `code` (si_code), `reason` */
	TRACER_KILLED,    /* died of a signal without a fault (SIGKILL, OOM...): `signal` */
};

struct tracer_event {
	enum tracer_event_kind kind;
	pid_t pid;                   /* thread-group id, as sandbox_spawn() returned it */
	pid_t tid;                   /* CRASHED: the thread that faulted */
	int code;                    /* EXITED: exit value; CRASHED: si_code */
	int signal;                  /* CRASHED, KILLED: the signal */
	uint64_t fault_addr;         /* CRASHED by SIGSEGV/SIGBUS/SIGILL/SIGFPE: si_addr */
	uint64_t ip;                 /* CRASHED: instruction pointer of the faulting thread */
	/*
	 * CRASHED only (empty otherwise): e.g. "segmentation fault (SEGV_MAPERR)
	 * at address 0x0, ip 0x401136", then one line per frame
	 * "\n  #0 0x0000000000401136 in crash_here+0x16"; no final newline.
	 */
	char reason[TRACER_REASON_MAX];
};

/*
 * Trace process `pid` (a child of the calling thread, not yet running its
 * binary) with PTRACE_SEIZE, PTRACE_O_EXITKILL, PTRACE_O_TRACECLONE and
 * PTRACE_O_TRACESECCOMP, and
 * start its thread list. Errors: -ENOMEM, -EEXIST, or ptrace's errno.
 */
int tracer_attach(pid_t pid);

/* Drop a process from the tracer's books without waiting (failed spawns). */
void tracer_forget(pid_t pid);

/*
 * Handle what is pending, without blocking: call it whenever SIGCHLD
 * arrives until it returns 0. It reaps core's children (all of them: also
 * untraced ones, reported as EXITED/KILLED), continues stopped threads
 * (re-injecting their signals), follows new threads, records faults, and
 * returns 1 with *ev filled (cleared first) when a whole process ended.
 * Returns 0 when nothing more is pending, or a negative errno of waitpid.
 */
int tracer_next(struct tracer_event *ev);

/*
 * The live threads of traced process `pid`, main thread first: up to `max`
 * tids into `tids`, the total number into *count (more than max means the
 * list was cut). Errors: -ENOENT (not traced).
 */
int tracer_threads(pid_t pid, pid_t *tids, unsigned max, unsigned *count);

/*
 * The filter hands a few calls to the tracer (SECCOMP_RET_TRACE: see
 * seccomp_policy.c); the gate decides them: 0 lets the call run, a
 * negative errno makes it fail with that error. Without a gate they fail
 * with ENOSYS.
 */
typedef int (*tracer_gate_fn)(pid_t tgid, pid_t tid, const struct user_regs_struct *regs);
void tracer_set_gate(tracer_gate_fn gate);

/* Forget all processes (they keep running); for core's shutdown. */
void tracer_fini(void);

#endif
