/* The read loop of the Block benchmarks' clients (see bench_block_reads.h). */
#include <time.h>
#include <arbor/error.h>
#include "bench_block_reads.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: the random offsets, the same on every run */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

static int submit_one(struct bench_block_reads *r, const char **what)
{
	struct arbor_packet pkt;
	uint64_t slot;
	int err;

	if (r->seq) {
		slot = r->next_seq;
		r->next_seq = (r->next_seq + 1) % r->slots;
	} else {
		slot = next_random(&r->random) % r->slots;
	}
	err = block_alloc(&r->b, &pkt, ARBOR_BLOCK_READ, slot * r->request_blocks,
	                  r->request_blocks, slot);
	if (!err)
		err = block_submit(&r->b, &pkt);
	if (err)
		*what = "submitting a read";
	return err;
}

/*
 * Take one ack (waiting up to timeout_ms), check and free it. Returns 1,
 * 0 when there was none (timeout_ms 0 only) or an error with *what set.
 */
static int take_one(struct bench_block_reads *r, int timeout_ms, const char **what)
{
	struct arbor_packet pkt;
	int err = block_take_ack(&r->b, &pkt, timeout_ms);

	if (err == ARBOR_E_AGAIN && !timeout_ms)
		return 0;
	if (err) {
		*what = "waiting for an ack";
		return err;
	}
	if (pkt.result) {
		*what = "a read failed";
		return pkt.result;
	}
	block_release(&r->b, &pkt);
	return 1;
}

/*
 * Like fio's io_uring engine, it reaps every completion there is before it
 * submits their successors, so that one wake-up each way serves a batch of
 * requests.
 */
int bench_block_reads_measure(struct bench_block_reads *r, uint64_t depth, uint64_t total,
                              double *seconds, const char **what)
{
	uint64_t submitted = 0, acked = 0;
	double t0;
	int err;

	*seconds = 0;
	*what = NULL;
	t0 = now_s();
	for (; submitted < depth && submitted < total; submitted++)
		if ((err = submit_one(r, what)))
			return err;
	while (acked < total) {
		uint64_t batch = 1;

		if ((err = take_one(r, 60000, what)) < 0)
			return err;
		while ((err = take_one(r, 0, what)) > 0)
			batch++;
		if (err < 0)
			return err;
		acked += batch;
		for (; batch && submitted < total; batch--, submitted++)
			if ((err = submit_one(r, what)))
				return err;
	}
	*seconds = now_s() - t0;
	return 0;
}
