/*
 * ext_fs's device on a Block session: the runs of one call go out as
 * packets of up to PACKET_MAX (and a quarter of the bulk buffer) each, as
 * many in flight as the buffer and the rings hold, and complete in any
 * order (a tag names the slot that knows where the data goes).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arbor/error.h>
#include "dev_block.h"

/*
 * The largest request: a run is split into packets of at most this, so
 * that block_file's workers copy several at once and ext_fs copies each
 * out while it is still in the caches (256 KiB measured fastest against
 * 64K..4M, see bench/bench_ext_fs.c).
 */
#define PACKET_MAX (256u * 1024)

static int slot_take(struct dev_block *db)
{
	unsigned i;

	for (i = 0; i < ARBOR_BLOCK_QUEUE_SLOTS; i++)
		if (!db->slots[i].buf)
			return (int)i;
	return -1;
}

/* Wait for one ack and finish its request: copy a READ's data out, free the slot. */
static int complete_one(struct dev_block *db, uint32_t op, int *first_err)
{
	struct block_connection *b = &db->conn;
	struct dev_block_slot *slot;
	struct arbor_packet pkt;
	int err = block_take_ack(b, &pkt, -1);

	if (err)
		return err;
	if (pkt.tag >= ARBOR_BLOCK_QUEUE_SLOTS || !db->slots[pkt.tag].buf) {
		block_release(b, &pkt);
		return ARBOR_E_BAD_MESSAGE;
	}
	slot = &db->slots[pkt.tag];
	if (!pkt.result && op == ARBOR_BLOCK_READ) {
		const void *src = block_content(b, &pkt);

		if (!src || pkt.size != slot->bytes) {
			block_release(b, &pkt);
			return ARBOR_E_BAD_MESSAGE;
		}
		memcpy(slot->buf, src, slot->bytes);
	}
	if (pkt.result && !*first_err)
		*first_err = pkt.result;
	slot->buf = NULL;
	block_release(b, &pkt);
	return 0;
}

static int transfer(struct dev_block *db, uint32_t op, const struct dev_run *runs, size_t n)
{
	struct block_connection *b = &db->conn;
	uint32_t bs = db->dev.block_size;
	size_t i = 0;
	uint64_t done = 0;          /* blocks of runs[i] already submitted */
	unsigned outstanding = 0;
	int first_err = 0, err;

	while ((i < n && !first_err) || outstanding) {
		struct arbor_packet pkt;
		uint64_t count;
		int slot;

		if (i < n && !runs[i].count) {
			i++;
			continue;
		}
		slot = (i < n && !first_err) ? slot_take(db) : -1;
		count = i < n ? runs[i].count - done : 0;
		if (count > db->packet_blocks)
			count = db->packet_blocks;
		err = slot < 0 ? ARBOR_E_AGAIN
		               : block_alloc(b, &pkt, op, runs[i].block + done, count, (uint64_t)slot);
		if (err == ARBOR_E_AGAIN && outstanding) {
			err = complete_one(db, op, &first_err);
			if (err)
				return err;
			outstanding--;
			continue;
		}
		if (err)
			return err;
		db->slots[slot].buf = (unsigned char *)runs[i].buf + done * bs;
		db->slots[slot].bytes = count * bs;
		if (op == ARBOR_BLOCK_WRITE)
			memcpy(block_content(b, &pkt), db->slots[slot].buf, count * bs);
		while ((err = block_submit(b, &pkt)) == ARBOR_E_AGAIN && outstanding) {
			err = complete_one(db, op, &first_err);
			if (err)
				return err;
			outstanding--;
		}
		if (err) {
			db->slots[slot].buf = NULL;
			block_release(b, &pkt);
			return err;
		}
		outstanding++;
		done += count;
		if (done == runs[i].count) {
			i++;
			done = 0;
		}
	}
	return first_err;
}

/*
 * A failure of the stream itself (not a request's result) may leave
 * requests in flight whose slots point into buffers of a returned call:
 * the device is then given up rather than reused.
 */
static int guarded(struct dev_block *db, uint32_t op, const struct dev_run *runs, size_t n)
{
	int err;

	if (db->broken)
		return -EIO;
	err = transfer(db, op, runs, n);
	if (err && err != -EIO && err != ARBOR_E_INVALID && err != ARBOR_E_DENIED)
		db->broken = 1;
	return err;
}

static int dev_readv(void *priv, const struct dev_run *runs, size_t n)
{
	return guarded(priv, ARBOR_BLOCK_READ, runs, n);
}

static int dev_writev(void *priv, const struct dev_run *runs, size_t n)
{
	return guarded(priv, ARBOR_BLOCK_WRITE, runs, n);
}

static int dev_sync(void *priv)
{
	struct dev_block *db = priv;

	return db->broken ? -EIO : block_sync(&db->conn);
}

static int dev_trim(void *priv, uint64_t block, uint64_t count)
{
	struct dev_block *db = priv;

	return db->broken ? -EIO : block_trim(&db->conn, block, count);
}

static const struct dev_ops block_ops = {
	.readv  = dev_readv,
	.writev = dev_writev,
	.sync   = dev_sync,
	.trim   = dev_trim,
};

int dev_block_open(struct dev_block *db, struct arbor_env *env, const char *label,
                   int writeable, size_t tx_buf_size)
{
	struct block_args args = { label, tx_buf_size, 0, 0, writeable };
	int err;

	memset(db, 0, sizeof(*db));
	err = block_connection_open(env, &db->conn, &args);
	if (err)
		return err;
	db->dev.ops = &block_ops;
	db->dev.priv = db;
	db->dev.block_size = db->conn.info.block_size;
	db->dev.block_count = db->conn.info.block_count;
	db->dev.writeable = !!(db->conn.info.flags & ARBOR_BLOCK_WRITEABLE);
	db->packet_blocks = db->conn.tx.geo.bulk_size / 4;
	if (db->packet_blocks > PACKET_MAX)
		db->packet_blocks = PACKET_MAX;
	db->packet_blocks /= db->dev.block_size;
	if (!db->packet_blocks)
		db->packet_blocks = 1;
	return 0;
}

void dev_block_close(struct dev_block *db)
{
	block_connection_close(&db->conn);
}
