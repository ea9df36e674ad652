/*
 * Client side of the Block session: the session with its view, the packet
 * stream as the source, and the calls that run one request at a time on
 * top of the ones that keep many in flight.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <block/block_client.h>
#include "block_stream.h"

/* Dataspaces come in pages: the stream costs its size rounded up to them. */
#define BLOCK_PAGE 4096u

static int info_call(struct block_connection *b)
{
	int err = arbor_rpc_call_out(b->conn.cap, ARBOR_BLOCK_INFO, NULL, 0, NULL, 0, &b->info,
	                             sizeof(b->info));
	uint32_t bs;

	if (err < 0)
		return err;
	bs = b->info.block_size;
	/* Everything below divides by the block size: a server's nonsense stops here. */
	if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
		return ARBOR_E_BAD_MESSAGE;
	return 0;
}

int block_connection_open(struct arbor_env *env, struct block_connection *b,
                          const struct block_args *args)
{
	struct arbor_ps_geometry geo;
	char extra[160];
	uint64_t ram;
	int err;

	memset(b, 0, sizeof(*b));
	err = block_stream_geometry(args->tx_buf_size, &geo);
	if (err)
		return err;
	snprintf(extra, sizeof(extra), "tx_buf_size=%llu, offset=%llu, num_blocks=%llu, writeable=%s",
	         (unsigned long long)geo.bulk_size, (unsigned long long)args->offset,
	         (unsigned long long)args->num_blocks, args->writeable ? "yes" : "no");
	ram = ARBOR_BLOCK_SESSION_COST + ARBOR_BLOCK_SESSION_RAM_EXTRA +
	      ((arbor_ps_size(&geo) + BLOCK_PAGE - 1) & ~(uint64_t)(BLOCK_PAGE - 1));
	err = arbor_connection_open(env, &b->conn, ARBOR_BLOCK_SERVICE,
	                            args->label ? args->label : "", ram,
	                            ARBOR_BLOCK_SESSION_CAPS, extra);
	if (err)
		return err;
	b->env = env;
	err = info_call(b);
	if (!err)
		err = arbor_packet_session_client_init(&b->tx, b->conn.cap, env->ep, ARBOR_BLOCK_TX,
		                                       ARBOR_BLOCK_TX_SIGH, &geo, NULL, NULL);
	if (err)
		block_connection_close(b);
	return err;
}

void block_connection_close(struct block_connection *b)
{
	arbor_packet_session_client_fini(&b->tx);
	if (b->env)
		arbor_connection_close(b->env, &b->conn);
	memset(b, 0, sizeof(*b));
}

/* ---- many in flight --------------------------------------------------- */

int block_alloc(struct block_connection *b, struct arbor_packet *pkt, uint32_t op,
                uint64_t block, uint64_t count, uint64_t tag)
{
	uint64_t size = 0;
	int err;

	memset(pkt, 0, sizeof(*pkt));
	if (op == ARBOR_BLOCK_READ || op == ARBOR_BLOCK_WRITE) {
		if (count > UINT32_MAX / b->info.block_size)
			return ARBOR_E_TOO_LARGE;
		size = count * b->info.block_size;
	}
	err = arbor_ps_alloc(&b->tx.source, (size_t)size, pkt);
	if (err)
		return err;
	pkt->op = op;
	pkt->tag = tag;
	pkt->arg[0] = block;
	pkt->arg[1] = count;
	return 0;
}

void *block_content(struct block_connection *b, const struct arbor_packet *pkt)
{
	return arbor_ps_source_content(&b->tx.source, pkt);
}

int block_submit(struct block_connection *b, const struct arbor_packet *pkt)
{
	int err = arbor_ps_submit(&b->tx.source, pkt);

	if (!err)
		b->in_flight++;
	return err;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int block_take_ack(struct block_connection *b, struct arbor_packet *pkt, int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;

	for (;;) {
		int wait_ms = timeout_ms, err = arbor_ps_get_ack(&b->tx.source, pkt);

		if (!err) {
			b->in_flight--;
			return 0;
		}
		if (err != ARBOR_E_AGAIN || timeout_ms == 0)
			return err;
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return ARBOR_E_AGAIN;
			wait_ms = (int)left;
		}
		/* The context's count survives until this wait: an ack in between is not missed. */
		err = arbor_packet_session_client_wait(&b->tx, wait_ms);
		if (err)
			return err;
	}
}

void block_release(struct block_connection *b, const struct arbor_packet *pkt)
{
	arbor_ps_free(&b->tx.source, pkt);
}

/* ---- one request at a time ------------------------------------------ */

/* Submit pkt, waiting for room in the submit ring. */
static int submit_waiting(struct block_connection *b, const struct arbor_packet *pkt)
{
	for (;;) {
		int err = block_submit(b, pkt);

		if (err != ARBOR_E_AGAIN)
			return err;
		err = arbor_packet_session_client_wait(&b->tx, -1);
		if (err)
			return err;
	}
}

/*
 * Move count blocks at block between buf and the server, in packets of a
 * quarter of the bulk buffer, so that the server works on one while the
 * next is filled or emptied. Waits for every packet it submitted.
 */
static int transfer(struct block_connection *b, uint32_t op, uint64_t block, uint64_t count,
                    unsigned char *buf)
{
	uint32_t bs = b->info.block_size;
	uint64_t chunk = b->tx.geo.bulk_size / 4 / bs, done = 0, next = 0;
	unsigned outstanding = 0;
	int first_err = 0;

	if (!chunk)
		chunk = 1;
	if (chunk > UINT32_MAX / bs)
		chunk = UINT32_MAX / bs;
	while (done < count) {
		struct arbor_packet pkt;
		int err = 0;

		/* Fill the pipeline while the buffer has room and nothing failed. */
		while (next < count && !first_err) {
			uint64_t n = count - next < chunk ? count - next : chunk;

			err = block_alloc(b, &pkt, op, block + next, n, next);
			if (err == ARBOR_E_AGAIN && outstanding)
				break;
			if (err)
				return err;
			if (op == ARBOR_BLOCK_WRITE)
				memcpy(block_content(b, &pkt), buf + next * bs, n * bs);
			err = submit_waiting(b, &pkt);
			if (err) {
				block_release(b, &pkt);
				return err;
			}
			outstanding++;
			next += n;
		}
		if (!outstanding)
			break;
		err = block_take_ack(b, &pkt, -1);
		if (err)
			return err;
		outstanding--;
		if (pkt.tag >= count || pkt.arg[1] > count - pkt.tag) {
			block_release(b, &pkt);
			return ARBOR_E_BAD_MESSAGE;
		}
		if (!pkt.result && op == ARBOR_BLOCK_READ) {
			const void *src = block_content(b, &pkt);

			if (!src || pkt.size != pkt.arg[1] * bs) {
				block_release(b, &pkt);
				return ARBOR_E_BAD_MESSAGE;
			}
			memcpy(buf + pkt.tag * bs, src, pkt.size);
		}
		if (pkt.result && !first_err)
			first_err = pkt.result;
		done += pkt.arg[1];
		block_release(b, &pkt);
	}
	return first_err;
}

int block_read(struct block_connection *b, uint64_t block, uint64_t count, void *dst)
{
	return transfer(b, ARBOR_BLOCK_READ, block, count, dst);
}

int block_write(struct block_connection *b, uint64_t block, uint64_t count, const void *src)
{
	/* transfer() only reads buf for a WRITE */
	return transfer(b, ARBOR_BLOCK_WRITE, block, count, (unsigned char *)src);
}

/* One packet without data, waited for. */
static int simple(struct block_connection *b, uint32_t op, uint64_t block, uint64_t count)
{
	struct arbor_packet pkt;
	int err = block_alloc(b, &pkt, op, block, count, 0);

	if (err)
		return err;
	err = submit_waiting(b, &pkt);
	if (err) {
		block_release(b, &pkt);
		return err;
	}
	err = block_take_ack(b, &pkt, -1);
	if (err)
		return err;
	block_release(b, &pkt);
	return pkt.result;
}

int block_sync(struct block_connection *b)
{
	return simple(b, ARBOR_BLOCK_SYNC, 0, 0);
}

int block_trim(struct block_connection *b, uint64_t block, uint64_t count)
{
	return simple(b, ARBOR_BLOCK_TRIM, block, count);
}
