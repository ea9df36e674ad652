/*
 * The read loop of the Block benchmarks' clients (bench_block_client,
 * bench_block_cache_client): reads of one size over a Block session,
 * several in flight, in order or at random positions, timed.
 */
#ifndef BENCH_BLOCK_READS_H
#define BENCH_BLOCK_READS_H

#include <stdint.h>
#include <block/block_client.h>

struct bench_block_reads {
	struct block_connection b;     /* opened by the caller */
	uint64_t request_blocks;       /* blocks per request */
	uint64_t slots;                /* request-sized positions that are read */
	uint64_t next_seq;             /* seq: the next position */
	uint64_t random;               /* rand: the generator's state */
	int seq;                       /* positions in order, from 0 again after the last */
};

/*
 * Keep depth reads in flight on r->b until total were acked; *seconds is
 * the time from the first submit to the last ack. Returns 0, or an Arbor
 * error with *what naming the step that failed ("submitting a read",
 * "waiting for an ack", "a read failed"); both are cleared on entry.
 */
int bench_block_reads_measure(struct bench_block_reads *r, uint64_t depth, uint64_t total,
                              double *seconds, const char **what);

#endif
