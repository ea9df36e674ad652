/*
 * Walks the stack of a ptrace-stopped thread for a crash report: libdwfl
 * unwinds with the binary's CFI, a bounded frame-pointer walk takes over
 * when that fails, and every address is named from the ELF symbol tables.
 */
#include "backtrace.h"

#include <elf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

struct walk {
	Dwfl *dwfl;          /* NULL: no symbols */
	char *buf;
	size_t size;
	unsigned frames;
	unsigned max;
};

/* libdwfl's find_elf has no context argument: the process being walked. */
static pid_t walk_pid;

int backtrace_regs_read(pid_t tid, struct backtrace_regs *regs)
{
	struct user_regs_struct u;
	struct iovec iov = { &u, sizeof u };

	memset(regs, 0, sizeof *regs);
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
#if defined(__x86_64__)
	regs->ip = u.rip;
	regs->sp = u.rsp;
	regs->fp = u.rbp;
#elif defined(__aarch64__)
	regs->ip = u.pc;
	regs->sp = u.sp;
	regs->fp = u.regs[29];
#else
#error "backtrace: registers of this architecture are not known"
#endif
	return 0;
}

static void append(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(struct walk *w, const char *fmt, ...)
{
	size_t used = strnlen(w->buf, w->size);
	va_list ap;

	if (used + 1 >= w->size)
		return;
	va_start(ap, fmt);
	vsnprintf(w->buf + used, w->size - used, fmt, ap);
	va_end(ap);
}

/*
 * Components run from a memfd, which /proc/<pid>/maps shows as
 * "/memfd:name (deleted)": libdwfl would rebuild it from memory, without a
 * symbol table. /proc/<pid>/exe still opens the real file.
 */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
                    char **file_name, Elf **elfp)
{
	char exe[64], target[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(exe, sizeof exe, "/proc/%d/exe", (int)walk_pid);
	n = name ? readlink(exe, target, sizeof target - 1) : -1;
	if (n > 0) {
		target[n] = '\0';
		if (!strcmp(target, name)) {
			fd = open(exe, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				*elfp = NULL;
				return fd;
			}
		}
	}
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
}

/* Symbols come from the binaries themselves: no debuginfo search, no debuginfod. */
static int no_debuginfo(Dwfl_Module *mod __attribute__((unused)),
                        void **userdata __attribute__((unused)),
                        const char *modname __attribute__((unused)),
                        Dwarf_Addr base __attribute__((unused)),
                        const char *file_name __attribute__((unused)),
                        const char *debuglink_file __attribute__((unused)),
                        GElf_Word debuglink_crc __attribute__((unused)),
                        char **debuginfo_file_name __attribute__((unused)))
{
	return -1;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = no_debuginfo,
};

/*
 * A return address points after the call: look it up one byte earlier so a
 * call at the end of a function is not named after the next one.
 */
static void describe(struct walk *w, uint64_t pc, bool activation)
{
	uint64_t lookup = activation ? pc : pc - 1;
	const char *name = NULL;
	Dwfl_Module *mod;
	GElf_Off off = 0;
	GElf_Sym sym;

	mod = w->dwfl ? dwfl_addrmodule(w->dwfl, lookup) : NULL;
	if (mod)
		name = dwfl_module_addrinfo(mod, lookup, &off, &sym, NULL, NULL, NULL);
	if (name)
		append(w, "  #%u 0x%016" PRIx64 " in %s+0x%" PRIx64 "\n", w->frames, pc, name,
		       (uint64_t)off + (pc - lookup));
	else
		append(w, "  #%u 0x%016" PRIx64 " in ??\n", w->frames, pc);
	w->frames++;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (!pc)
		return DWARF_CB_ABORT;
	describe(w, pc, activation || w->frames == 0);
	return w->frames < w->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static bool read_pair(pid_t pid, uint64_t addr, uint64_t pair[2])
{
	struct iovec local = { pair, 2 * sizeof pair[0] };
	struct iovec remote = { (void *)(uintptr_t)addr, 2 * sizeof pair[0] };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)(2 * sizeof pair[0]);
}

/*
 * Frame records are { caller's fp, return address } on x86_64 and aarch64.
 * Every record must lie above the last (stacks grow down) and be aligned;
 * anything else ends the walk.
 */
static void walk_frame_pointers(struct walk *w, pid_t pid, const struct backtrace_regs *r)
{
	uint64_t fp = r->fp, pair[2];

	describe(w, r->ip, true);
	while (w->frames < w->max) {
		if (!fp || (fp & 7) || fp < r->sp || !read_pair(pid, fp, pair) || !pair[1])
			break;
		describe(w, pair[1], false);
		if (pair[0] <= fp)
			break;
		fp = pair[0];
	}
}

static Dwfl *open_process(pid_t pid)
{
	Dwfl *dwfl = dwfl_begin(&callbacks);

	if (!dwfl)
		return NULL;
	walk_pid = pid;
	dwfl_report_begin(dwfl);
	if (dwfl_linux_proc_report(dwfl, pid) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0) {
		dwfl_end(dwfl);
		return NULL;
	}
	return dwfl;
}

unsigned backtrace_append(pid_t pid, pid_t tid, const struct backtrace_regs *regs,
                          unsigned max_frames, char *buf, size_t size)
{
	struct walk w = { .buf = buf, .size = size, .max = max_frames ? max_frames : 1 };
	size_t start = strnlen(buf, size);

	w.dwfl = open_process(pid);
	/* The thread is stopped by us already: libdwfl must not attach or detach. */
	if (w.dwfl && dwfl_linux_proc_attach(w.dwfl, pid, true) == 0)
		dwfl_getthread_frames(w.dwfl, tid, frame_cb, &w);
	if (w.frames < 2) {
		/* CFI gave nothing useful: start over with the frame pointers. */
		if (start < size)
			buf[start] = '\0';
		w.frames = 0;
		walk_frame_pointers(&w, pid, regs);
	}
	if (w.dwfl)
		dwfl_end(w.dwfl);
	return w.frames;
}
