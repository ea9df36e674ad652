/*
 * CPU session (core): the threads of a PD. Components create their threads
 * themselves; core, which traces every component, keeps the list. The
 * session is bound to a PD by passing it to the PD's start.
 */
#ifndef ARBOR_SESSION_CPU_H
#define ARBOR_SESSION_CPU_H

#include <stdint.h>

#define ARBOR_CPU_SERVICE      "CPU"
#define ARBOR_CPU_SESSION_RAM  (8u * 1024)
#define ARBOR_CPU_SESSION_CAPS 2u
#define ARBOR_CPU_THREADS_MAX  256u

enum arbor_cpu_op {
	/* threads() -> struct arbor_cpu_threads; ARBOR_E_NOT_FOUND before the PD started */
	ARBOR_CPU_THREADS = 0,
	ARBOR_CPU_NOPS
};

struct arbor_cpu_threads {
	uint32_t count;
	int32_t  tid[ARBOR_CPU_THREADS_MAX];   /* host thread ids, main thread first */
};

#endif
