/*
 * Symbolised backtraces of a ptrace-stopped thread: CFI unwinding with
 * libdwfl, a checked frame-pointer walk as fallback, names from the ELF
 * symbol tables of the process's mappings.
 */
#ifndef ARBOR_CORE_SANDBOX_BACKTRACE_H
#define ARBOR_CORE_SANDBOX_BACKTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The registers a walk starts from. */
struct backtrace_regs {
	uint64_t ip, sp, fp;
};

/*
 * Read the registers of thread `tid`, which the caller traces and which is
 * in a ptrace stop. Errors: ptrace's errno.
 */
int backtrace_regs_read(pid_t tid, struct backtrace_regs *regs);

/*
 * Append one line per frame ("  #0 0x0000000000401136 in crash_here+0x16\n")
 * of ptrace-stopped thread `tid` of process `pid` to the NUL-terminated
 * text in buf (size bytes; cut, still terminated, when full), at most
 * `max_frames` frames. A garbage stack ends the walk, never the caller.
 * Returns the number of frames written (at least the one at regs->ip).
 */
unsigned backtrace_append(pid_t pid, pid_t tid, const struct backtrace_regs *regs,
                          unsigned max_frames, char *buf, size_t size);

#endif
