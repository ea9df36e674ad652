/*
 * core's shared state and the interfaces between its modules. core is the
 * trusted root: it spawns every component in a sandbox, traces it, and
 * serves PD, CPU, ROM and LOG. It knows nothing of routing policy.
 */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <arbor/cap.h>
#include <arbor/entrypoint.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/parent.h>
#include <session/pd.h>
#include "account.h"
#include "sandbox.h"

/* as many as `arbor run` passes: the project's component directories and the user's */
#define CORE_ROM_DIRS_MAX 32

struct core {
	struct arbor_ep *ep;
	struct sandbox_host host;
	const char *rom_dirs[CORE_ROM_DIRS_MAX];
	unsigned nrom_dirs;
	struct account account;        /* core's own: the root's reference account */
	int verbose;
	int exit_code;                 /* the root component's, once it ended */
	int stopping;
};

extern struct core core;

/* ---- log.c: core's output ---- */

/* Print one line as "[label] text" (label NULL: core's own line). */
void core_log_line(const char *label, const char *text, size_t len);
/* Print text that may hold several lines, each under label. */
void core_log_text(const char *label, const char *text, size_t len);
void core_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void core_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void core_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- ram.c: memory objects ---- */

/* A sealed (fixed-size) writeable memfd of size bytes. Returns the fd or a negative errno. */
int ram_alloc(size_t size, const char *name);
/* A read-only fd for the same memory. Returns the fd or a negative errno. */
int ram_reopen_read_only(int fd);
size_t ram_round(size_t size);

/* ---- services ---- */

struct core_client;

enum core_service_id { SERVICE_PD, SERVICE_CPU, SERVICE_ROM, SERVICE_LOG, SERVICE_COUNT };

struct core_service {
	const char *name;
	uint64_t ram, caps;            /* what a session costs (the minimal donation) */
	/* Create a session object for label; *obj and *cap out. */
	int (*create)(struct core_client *owner, const char *label, const char *args,
	              void **obj, struct arbor_cap **cap);
	void (*destroy)(void *obj);
};

extern const struct core_service pd_service, cpu_service, rom_service, log_service, report_service,
                                 vm_service, host_tcp_service, host_terminal_service;
extern const struct core_service host_file_service;

/* ---- host_file_session.c ---- */

/* Resolve Host_file paths beneath dir from now on. Returns 0 or a negative errno. */
int host_file_session_dir(const char *dir);

/* ---- host_terminal_session.c ---- */

/*
 * The control socket of `arbor run`'s terminal (--terminal-fd; taken): the
 * terminal is lent to the oldest Host_terminal session waiting for one.
 */
void host_terminal_session_run_terminal(int fd);

/* ---- device_cap.c ---- */

/*
 * Add to req's reply a capability (ARBOR_CAP_DEVICE) for a copy of fd, a
 * host object core opened: /dev/kvm, a socket. fd stays core's. Returns 0,
 * ARBOR_E_OUT_OF_CAPS (core is out of fds) or an error of wrapping it.
 */
struct arbor_rpc_request;
int core_reply_device(struct arbor_rpc_request *req, int fd);

/* ---- vm_session.c ---- */

/* The tracer's gate (tracer_set_gate()): one KVM_CREATE_VM per VM session's handle. */
struct user_regs_struct;
int vm_session_gate(pid_t tgid, pid_t tid, const struct user_regs_struct *regs);

/* ---- pd_session.c ---- */

struct pd_session;
struct cpu_session;
struct process;

/*
 * RAM a process may use beyond its quota: text, stacks, page tables. A
 * sanitizer build's components carry shadow memory and allocator caches
 * that no quota of a real configuration would cover.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PD_RAM_SLACK (512ull * 1024 * 1024)
#else
#define PD_RAM_SLACK (1024ull * 1024)
#endif

struct pd_session *pd_session_of(struct arbor_cap *cap);

/* What `arbor ps` shows of a PD (core/state.c publishes it). */
struct pd_view {
	const char *label;                  /* borrowed */
	uint64_t ram_quota, ram_used, cap_quota, cap_used;
	pid_t pid;                          /* 0 before the start */
	int state, code, signal;            /* enum arbor_pd_state and how it ended */
};
int pd_session_view(struct pd_session *pd, struct pd_view *v);
/* Every PD session, in no particular order. */
struct pd_session *pd_session_first(void);
struct pd_session *pd_session_next(struct pd_session *pd);

/* ---- state.c ---- */

/*
 * Publish the tree (every PD's label, quota, use and state) as JSON in
 * the run directory, for `arbor ps`, whenever it changed (checked twice a
 * second). The directory goes away with core.
 */
int state_init(void);
void state_fini(void);
/* The run directory, NULL when there is none. */
const char *state_dir(void);
struct account *pd_session_account(struct pd_session *pd);
/* Give the PD its process's ending (called by process.c). */
void pd_session_process_ended(struct pd_session *pd, int state, int code, int signal,
                              uint64_t fault_addr, const char *reason);
/* Kill the process of every PD (core's teardown). */
void pd_session_kill_all(void);
const char *pd_session_label(struct pd_session *pd);
/* The PD's running process, or NULL. */
struct process *pd_session_process(struct pd_session *pd);
void pd_session_set_exit_sigh(struct pd_session *pd, struct arbor_cap *sigh);
/* Copy the exit state; returns non-zero once the process has ended. */
int pd_session_exit_state(struct pd_session *pd, struct arbor_pd_exit_state *st);
/* The PD's CPU session is gone. */
void pd_session_forget_cpu(struct pd_session *pd);
/* Run the PD's process (the START operation, also used for the root). */
int pd_session_start(struct pd_session *pd, int binary_fd, struct arbor_cap *parent,
                     struct cpu_session *cpu, char *const *argv);
/* Create the root's PD directly (no parent asked for it). */
int pd_session_create_root(const char *label, uint64_t ram, uint64_t caps,
                           struct pd_session **out, struct arbor_cap **cap);

/* ---- cpu_session.c ---- */

struct cpu_session *cpu_session_of(struct arbor_cap *cap);
/* Bind to a PD's process (NULL: the PD is gone). */
void cpu_session_bind(struct cpu_session *cpu, struct pd_session *pd);

/* ---- output.c: a component's stdout/stderr, line by line into the log ---- */

#define OUTPUT_LINE_MAX 4096

struct output {
	struct arbor_io io;
	const char *label;             /* borrowed */
	void (*closed)(struct output *o);
	size_t len;
	char buf[OUTPUT_LINE_MAX];
};

/* Watch fd (taken) and log its lines under label; closed() runs at EOF. */
int output_open(struct output *o, int fd, const char *label, void (*closed)(struct output *o));
/* Flush a partial line, stop watching, close the fd. */
void output_close(struct output *o);

/* ---- process.c: spawning and reaping ---- */

struct process_spec {
	const char *label;
	int binary_fd;
	int parent_fd;                 /* -1: none */
	char *const *argv;
	uint64_t ram_limit;
	unsigned pids_limit;
};

int process_start(const struct process_spec *spec, struct pd_session *pd, struct process **out);
pid_t process_pid(struct process *p);
/* SIGCHLD: reap and report what ended. */
void process_reap(void);
/* Processes not yet reaped. */
unsigned process_count(void);
void process_set_ram_limit(struct process *p, uint64_t bytes);
void process_kill(struct process *p);
/* The PD gives up its process (PD closed): it is killed and reaped without reporting. */
void process_detach(struct process *p);
int process_threads(struct process *p, pid_t *tids, unsigned max, unsigned *count);
/* Set up (prepared children are refilled on the entrypoint). */
int process_init(void);
void process_fini(void);

/* ---- parent_service.c: core as the root component's parent ---- */

/* Start the root component from ROM module binary. Returns 0 or a negative errno. */
int parent_service_start_root(const char *name, const char *binary, char *const *argv,
                      uint64_t ram, uint64_t caps);
/* The root ended: close its sessions. */
void parent_service_destroy_root(void);
struct account *parent_service_account(struct core_client *client);

/* ---- rom_session.c ---- */

/* The sealed memfd of module name (borrowed), loading it on first use. */
int rom_session_module_fd(const char *name, int *fd);
void rom_session_modules_fini(void);
/* Follow module files on disk from now on (reloading changed ones). */
int rom_session_watch_init(void);
/* The module fd of one of core's ROM sessions (borrowed), or -1 for any other cap. */
int rom_session_fd_of(struct arbor_cap *cap);

#endif
