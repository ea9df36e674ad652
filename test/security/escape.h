/*
 * The sandbox escape suite: each attempt tries one way out of a component's
 * sandbox and returns a verdict; escape.c runs them (risky ones in a forked
 * child) and prints one "ATTEMPT n: ..." line per attempt.
 */
#ifndef ARBOR_TEST_SECURITY_ESCAPE_H
#define ARBOR_TEST_SECURITY_ESCAPE_H

#include <stdint.h>
#include "verdict.h"

#define ESCAPE_PID_SCAN   4096     /* pids guessed by the process attempts */
#define ESCAPE_MEM_CAP    (512ull << 20)   /* a hog stops here: far past any quota */

typedef void (*attempt_fn)(struct verdict *v);

enum attempt_mode {
	ATTEMPT_INLINE = 0,    /* harmless: run in the suite's process */
	ATTEMPT_FORKED,        /* may crash, hang or change the process: run in a child */
};

struct attempt {
	const char *what;
	attempt_fn fn;
	enum attempt_mode mode;
};

/* The attempts of each module, terminated by an entry with what == NULL. */
extern const struct attempt escape_state_attempts[];
extern const struct attempt escape_fs_attempts[];
extern const struct attempt escape_net_attempts[];
extern const struct attempt escape_proc_attempts[];
extern const struct attempt escape_kernel_attempts[];
extern const struct attempt escape_resource_attempts[];

/* Set by main() before any attempt runs. */
extern int escape_tcp_port;               /* the host listener's port, 0 if none */
extern volatile uint64_t *escape_progress; /* shared page: how far a forked hog got */

#endif
