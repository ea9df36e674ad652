/*
 * A VMM process for the VM benchmarks: started with its serial console on
 * pipes (stdin ours to write, stdout and stderr ours to read), watched for a
 * line of its guest's output.
 */
#ifndef BENCH_VM_H
#define BENCH_VM_H

#include <sys/types.h>

struct bench_vm {
	pid_t pid;
	int in;                 /* the guest's serial input; -1 once closed */
	int out;                /* its output (and the VMM's stderr) */
	char buf[8192];         /* output not yet searched (and a tail of what was) */
	size_t len;
	char line[256];         /* the line being received */
	size_t line_len;
	char last[256];         /* the last non-empty complete line */
};

/* Start argv[0] (found on PATH) with vm's pipes. 0 or a negative errno. */
int bench_vm_spawn(struct bench_vm *vm, char *const argv[]);

/* Wait up to timeout_ms for text in the output: 0, -ETIMEDOUT, or -EPIPE if it ended first. */
int bench_vm_wait_for(struct bench_vm *vm, const char *text, int timeout_ms);

/* Write s to the guest's serial input. 0 or a negative errno. */
int bench_vm_type(struct bench_vm *vm, const char *s);

/* Wait up to timeout_ms for the process to exit: its wait status, or -ETIMEDOUT. */
int bench_vm_wait_exit(struct bench_vm *vm, int timeout_ms);

/* The last non-empty line of output, an unfinished one too (for reasons); "" if none. */
const char *bench_vm_last_line(struct bench_vm *vm);

/* SIGKILL (if still running), reap, close the pipes. */
void bench_vm_stop(struct bench_vm *vm);

#endif
