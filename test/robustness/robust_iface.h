/*
 * The "Robust" interface robust_root serves to its two children, the
 * hostile client and the well-behaved one.
 */
#ifndef ARBOR_TEST_ROBUST_IFACE_H
#define ARBOR_TEST_ROBUST_IFACE_H

#include <stdint.h>

#define ROBUST_SERVICE "Robust"
#define ROBUST_DONE    0xffffffffu   /* batch number of the final report */

enum robust_op {
	/* echo(client, seq) -> the same, with the number of the last reported batch */
	ROBUST_ECHO = 0,
	/* add(n) -> total so far (u64) */
	ROBUST_ADD,
	/* take_cap(cap: any RPC cap) -> u32: 1 when the cap is this very object */
	ROBUST_TAKE_CAP,
	/*
	 * report(batch, name): the hostile client finished a batch. The server
	 * counts its open fds and logs them; batch 0 sets the baseline.
	 * -> struct robust_fds
	 */
	ROBUST_REPORT,
	ROBUST_NOPS
};

struct robust_echo {
	uint32_t client, seq;
	uint32_t batch;          /* filled in by the server */
	char pad[52];            /* 64 bytes in all */
};

struct robust_report {
	uint32_t batch;
	char name[60];
};

struct robust_fds {
	uint32_t now, baseline;   /* open fds of the server */
	uint64_t calls;           /* calls the server answered so far */
};

#endif
