/*
 * PD session (core): a protection domain. It is a RAM and cap quota
 * account, allocates dataspaces from that quota, and runs one sandboxed
 * process.
 *
 * Quota moves only along reference-account edges: from a PD to its
 * reference account or from the reference account to the PD. A new PD has
 * no quota and no reference account until its creator sets one and
 * transfers quota. When a PD session closes, its process is killed, its
 * dataspaces are freed and its whole quota returns to its reference
 * account (or, if that is gone too, to the session's owner); its
 * sub-accounts are re-parented to its reference account.
 */
#ifndef ARBOR_SESSION_PD_H
#define ARBOR_SESSION_PD_H

#include <stdint.h>

#define ARBOR_PD_SERVICE      "PD"
#define ARBOR_PD_SESSION_RAM  (16u * 1024)   /* donation the session costs */
#define ARBOR_PD_SESSION_CAPS 4u

#define ARBOR_PD_ARGV_MAX     2048u          /* NUL-separated argv strings */
#define ARBOR_PD_REASON_MAX   2048u

enum arbor_pd_op {
	/* ref_account(cap: PD): set once. ARBOR_E_INVALID_CAP, ARBOR_E_EXISTS, ARBOR_E_INVALID (self/cycle). */
	ARBOR_PD_REF_ACCOUNT = 0,
	/*
	 * transfer_quota(cap: PD, ram, caps): move quota to the given PD, which
	 * must be this PD's reference account or have this PD as its reference
	 * account. ARBOR_E_DENIED (no such edge), ARBOR_E_OUT_OF_RAM /
	 * ARBOR_E_OUT_OF_CAPS (not enough free quota), ARBOR_E_INVALID_CAP.
	 */
	ARBOR_PD_TRANSFER_QUOTA,
	/* alloc_ram(size) -> cap: writeable dataspace, costs the page-rounded size and one cap. */
	ARBOR_PD_ALLOC_RAM,
	/* free_ram(cap: dataspace of this PD). ARBOR_E_NOT_FOUND. */
	ARBOR_PD_FREE_RAM,
	/* quota() -> struct arbor_pd_quota */
	ARBOR_PD_QUOTA,
	/* read_only(cap: dataspace) -> cap: a read-only capability for the same memory. */
	ARBOR_PD_READ_ONLY,
	/*
	 * start(caps: the binary (a dataspace, or a ROM session of core's),
	 * parent RPC cap or invalid, CPU session or invalid, exit signal
	 * context or invalid; payload: argv as NUL-separated strings): run the
	 * PD's process in a sandbox. Handing over the ROM session saves its
	 * client fetching the dataspace first. ARBOR_E_EXISTS (already
	 * started), ARBOR_E_OUT_OF_RAM (no quota), ARBOR_E_INVALID_CAP.
	 */
	ARBOR_PD_START,
	/* exit_sigh(cap: signal context): notified when the process ends. */
	ARBOR_PD_EXIT_SIGH,
	/* exit_state() -> struct arbor_pd_exit_state */
	ARBOR_PD_EXIT_STATE,
	ARBOR_PD_NOPS
};

struct arbor_pd_transfer_args {
	uint64_t ram;
	uint64_t caps;
};

struct arbor_pd_alloc_args {
	uint64_t size;
};

struct arbor_pd_quota {
	uint64_t ram_quota, ram_used;
	uint64_t cap_quota, cap_used;
};

enum arbor_pd_state {
	ARBOR_PD_NOT_STARTED = 0,
	ARBOR_PD_RUNNING     = 1,
	ARBOR_PD_EXITED      = 2,   /* code holds the exit value */
	ARBOR_PD_CRASHED     = 3,   /* signal, fault_addr, reason (with backtrace) */
	ARBOR_PD_KILLED      = 4,   /* killed by a signal without a fault (SIGKILL, OOM) */
	ARBOR_PD_FAILED      = 5,   /* never ran its binary: reason names the sandbox step */
};

struct arbor_pd_exit_state {
	int32_t  state;             /* enum arbor_pd_state */
	int32_t  code;
	int32_t  signal;
	uint32_t reserved;
	uint64_t fault_addr;
	char     reason[ARBOR_PD_REASON_MAX];  /* NUL-terminated, multi-line */
};

#endif
