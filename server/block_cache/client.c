/*
 * block_cache's clients (see block_cache.h): reads are served from valid
 * lines, misses fetched (with the rest of the request, and read ahead
 * for a sequential reader); writes go into lines and are acked at once;
 * a SYNC writes back every line dirtied before it, then syncs the device,
 * then acks; a TRIM is passed down. A closing client leaves a flush
 * behind, so that nothing it wrote waits for an eviction.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "block_cache.h"

/* ---- ops ---------------------------------------------------------------- */

struct op *op_new(struct block_cache *bc, enum op_kind kind, struct block_request *req)
{
	struct op *op = bc->free_ops;

	if (op)
		bc->free_ops = op->next;
	else
		op = malloc(sizeof(*op));
	if (op)
		*op = (struct op){ .kind = kind, .req = req, .cursor = req ? req->block : 0 };
	return op;
}

void op_finish(struct block_cache *bc, struct op *op, int result)
{
	if (op->pinned)
		op->pinned->pins--;
	if (op->req)
		block_request_complete(op->req, result);
	else if (result)
		arbor_warning("flushing the cache after a client left: %s", arbor_strerror(result));
	op->next = bc->free_ops;
	bc->free_ops = op;
}

static void waiting_append(struct block_cache *bc, struct op *op)
{
	op->next = NULL;
	if (bc->waiting_tail)
		bc->waiting_tail->next = op;
	else
		bc->waiting_head = op;
	bc->waiting_tail = op;
}

/* ---- reads --------------------------------------------------------------- */

/* Fetch the lines from line to last that are neither valid nor on their way, in runs. */
static int fetch_rest(struct block_cache *bc, uint64_t line, uint64_t last)
{
	while (line <= last) {
		struct cache_line *l = cache_lookup(&bc->cache, line);
		unsigned max = last - line + 1 < BLOCK_CACHE_FETCH_LINES
		             ? (unsigned)(last - line + 1) : BLOCK_CACHE_FETCH_LINES;
		int started;

		if (l && (l->fetching || l->valid == cache_mask(0, cache_line_blocks(&bc->cache, line)))) {
			line++;
			continue;
		}
		started = device_fetch(bc, line, max, BLOCK_CACHE_SCAN);
		if (started < 0)
			return started;
		if (!started) {
			/* no line to claim (make room), or the link is full (wait for its acks) */
			bc->need_room = 1;
			return 0;
		}
		line += (uint64_t)started;
	}
	return 0;
}

/* A sequential reader gets the lines after its request fetched before it asks. */
static void read_ahead(struct block_cache *bc, const struct block_request *req)
{
	uint64_t bpl = bc->cache.blocks_per_line;
	uint64_t line = (req->block + req->count + bpl - 1) / bpl;
	uint64_t end = line + bc->read_ahead_lines;
	uint64_t device_lines = (bc->device_info.block_count + bpl - 1) / bpl;

	if (end > device_lines)
		end = device_lines;
	while (line < end) {
		struct cache_line *l = cache_lookup(&bc->cache, line);
		unsigned max = end - line < BLOCK_CACHE_FETCH_LINES ? (unsigned)(end - line)
		                                                     : BLOCK_CACHE_FETCH_LINES;
		int started;

		if (l) {
			line++;
			continue;
		}
		/* read-ahead takes clean lines near the cold end only: it never forces a write-back */
		started = device_fetch(bc, line, max, 64);
		if (started <= 0)
			return;
		line += (uint64_t)started;
	}
}

/* Serve what is valid from the cursor on; fetch the rest. Returns 1 when op completed. */
static int run_read(struct block_cache *bc, struct op *op)
{
	struct block_request *req = op->req;
	uint32_t bpl = bc->cache.blocks_per_line, bs = bc->cache.block_size;
	uint64_t end = req->block + req->count;

	if (op->pinned) {
		op->pinned->pins--;
		op->pinned = NULL;
	}
	while (op->cursor < end) {
		uint64_t line = op->cursor / bpl;
		uint32_t first = (uint32_t)(op->cursor % bpl);
		uint32_t count = end - op->cursor < bpl - first ? (uint32_t)(end - op->cursor)
		                                                  : bpl - first;
		uint64_t need = cache_mask(first, count), last;
		struct cache_line *l = cache_lookup(&bc->cache, line);
		int err;

		if (l && (l->valid & need) == need) {
			cache_read(&bc->cache, l, first, count,
			           (unsigned char *)req->data + (op->cursor - req->block) * bs);
			cache_touch(&bc->cache, l);
			/* a hit is a line served without waiting: after a fetch it was a miss */
			if (!op->waited)
				bc->cache.stats.read_hits++;
			op->cursor += count;
			continue;
		}
		if (l && !l->fetching && l->fetch_failed) {
			/* one read learns of the failure; the next tries the device again */
			l->fetch_failed = 0;
			op_finish(bc, op, -EIO);
			return 1;
		}
		/*
		 * Fetch ahead within the request, but not all of a huge one at
		 * once: it would flush the cache for lines it copies much later.
		 */
		last = (end - 1) / bpl;
		if (last - line >= BLOCK_CACHE_REQUEST_AHEAD)
			last = line + BLOCK_CACHE_REQUEST_AHEAD - 1;
		err = fetch_rest(bc, line, last);
		if (err) {
			op_finish(bc, op, -EIO);
			return 1;
		}
		op->waited = 1;
		l = cache_lookup(&bc->cache, line);
		if (l && l->fetching) {
			/* the line must stay until this op copied it */
			l->pins++;
			op->pinned = l;
		}
		return 0;
	}
	op_finish(bc, op, 0);
	return 1;
}

/* ---- writes ----------------------------------------------------------------- */

/* Write into lines from the cursor on. Returns 1 when op completed. */
static int run_write(struct block_cache *bc, struct op *op)
{
	struct block_request *req = op->req;
	uint32_t bpl = bc->cache.blocks_per_line, bs = bc->cache.block_size;
	uint64_t end = req->block + req->count;

	/* acking a write that can never reach the device would be a lie */
	if (bc->device.gone) {
		op_finish(bc, op, -EIO);
		return 1;
	}
	while (op->cursor < end) {
		uint64_t line = op->cursor / bpl;
		uint32_t first = (uint32_t)(op->cursor % bpl);
		uint32_t count = end - op->cursor < bpl - first ? (uint32_t)(end - op->cursor)
		                                                  : bpl - first;
		struct cache_line *l = cache_lookup(&bc->cache, line);

		if (!l)
			l = cache_claim(&bc->cache, line, BLOCK_CACHE_SCAN);
		if (!l) {
			bc->need_room = 1;
			return 0;
		}
		cache_write(&bc->cache, l, first, count,
		            (const unsigned char *)req->data + (op->cursor - req->block) * bs);
		cache_touch(&bc->cache, l);
		op->cursor += count;
	}
	op_finish(bc, op, 0);
	return 1;
}

/* ---- the waiting list, syncs and eviction --------------------------------------- */

static int run_op(struct block_cache *bc, struct op *op)
{
	int err;

	switch (op->kind) {
	case OP_READ:  return run_read(bc, op);
	case OP_WRITE: return run_write(bc, op);
	case OP_TRIM:
		err = device_submit_op(bc, op, ARBOR_BLOCK_TRIM);
		if (err == ARBOR_E_AGAIN)
			return 0;
		if (err)
			op_finish(bc, op, -EIO);
		return 1;       /* on its way: device.c finishes it */
	case OP_SYNC:
		break;
	}
	return 1;
}

static void run_waiting(struct block_cache *bc)
{
	struct op *op = bc->waiting_head, *keep_head = NULL, *keep_tail = NULL;

	bc->waiting_head = bc->waiting_tail = NULL;
	while (op) {
		struct op *next = op->next;

		if (!run_op(bc, op)) {
			op->next = NULL;
			if (keep_tail)
				keep_tail->next = op;
			else
				keep_head = op;
			keep_tail = op;
		}
		op = next;
	}
	/* ops submitted while these ran were appended to the (emptied) list: they stay behind */
	if (keep_tail) {
		keep_tail->next = bc->waiting_head;
		if (!bc->waiting_head)
			bc->waiting_tail = keep_tail;
		bc->waiting_head = keep_head;
	}
}

/*
 * Write back what the newest SYNC needs (which covers the older ones),
 * then sync the device for each SYNC whose data is all written, oldest
 * first.
 */
static void run_syncs(struct block_cache *bc)
{
	struct op **link = &bc->syncs_head, *prev = NULL;

	if (bc->device.gone) {
		/* what is dirty now can never be written: every SYNC fails */
		while (bc->syncs_head) {
			struct op *op = bc->syncs_head;

			bc->syncs_head = op->next;
			op_finish(bc, op, -EIO);
		}
		bc->syncs_tail = NULL;
		return;
	}
	if (bc->syncs_tail) {
		struct cache_line *l;

		while ((l = cache_sync_next(&bc->cache, bc->syncs_tail->epoch)))
			if (device_writeback(bc, l, 0))
				break;
	}
	while (*link) {
		struct op *op = *link;
		int err;

		if (op->device_sync || !cache_synced(&bc->cache, op->epoch)) {
			prev = op;
			link = &op->next;
			continue;
		}
		err = device_submit_op(bc, op, ARBOR_BLOCK_SYNC);
		if (err == ARBOR_E_AGAIN)
			break;
		if (err) {
			*link = op->next;
			if (bc->syncs_tail == op)
				bc->syncs_tail = prev;
			op_finish(bc, op, -EIO);
			continue;
		}
		op->device_sync = 1;
		prev = op;
		link = &op->next;
	}
}

/* Write back cold dirty lines so that claims find clean ones. */
static void make_room(struct block_cache *bc)
{
	bc->need_room = 0;
	while (bc->evict_writebacks < BLOCK_CACHE_EVICT_WRITEBACKS) {
		struct cache_line *l = cache_cold_dirty(&bc->cache, BLOCK_CACHE_SCAN);

		if (!l || device_writeback(bc, l, 1))
			break;
	}
}

void client_kick(struct block_cache *bc)
{
	if (bc->kicking) {
		bc->kick_again = 1;
		return;
	}
	bc->kicking = 1;
	do {
		bc->kick_again = 0;
		device_send_unsent(bc);
		run_waiting(bc);
		run_syncs(bc);
		if (bc->need_room)
			make_room(bc);
	} while (bc->kick_again);
	bc->kicking = 0;
}

/* ---- lib/block's backend --------------------------------------------------------- */

static int policy(void *priv, const char *label, struct block_policy *p)
{
	struct block_cache *bc = priv;

	return config_policy_for(&bc->config, label, p);
}

static void sync_append(struct block_cache *bc, struct op *op)
{
	op->epoch = cache_sync_epoch(&bc->cache);
	op->next = NULL;
	if (bc->syncs_tail)
		bc->syncs_tail->next = op;
	else
		bc->syncs_head = op;
	bc->syncs_tail = op;
}

static int submit(void *priv, struct block_request *req)
{
	static const enum op_kind kinds[] = {
		[ARBOR_BLOCK_READ] = OP_READ, [ARBOR_BLOCK_WRITE] = OP_WRITE,
		[ARBOR_BLOCK_SYNC] = OP_SYNC, [ARBOR_BLOCK_TRIM] = OP_TRIM,
	};
	struct block_cache *bc = priv;
	struct op *op = op_new(bc, kinds[req->op], req);
	int sequential = req->op == ARBOR_BLOCK_READ && req->block == bc->sequential_next;

	if (!op) {
		arbor_warning("'%s': out of memory for a request", block_session_label(req->session));
		block_request_complete(req, -EIO);
		return 0;
	}
	if (req->op == ARBOR_BLOCK_READ)
		bc->sequential_next = req->block + req->count;
	if (op->kind == OP_SYNC)
		sync_append(bc, op);
	else if (!run_op(bc, op))
		waiting_append(bc, op);
	if (sequential && bc->read_ahead_lines && !bc->device.gone)
		read_ahead(bc, req);
	client_kick(bc);
	return 0;
}

/* The client is gone, its data is not: write back everything and sync, without an ack. */
static void closed(void *priv, struct block_session *s)
{
	struct block_cache *bc = priv;
	struct op *flush = op_new(bc, OP_SYNC, NULL);
	const struct cache_stats *st = &bc->cache.stats;

	arbor_log("'%s' closed; so far %llu line reads hit, %llu lines fetched, %llu written back, "
	          "%llu evicted", block_session_label(s), (unsigned long long)st->read_hits,
	          (unsigned long long)st->read_misses, (unsigned long long)st->writebacks,
	          (unsigned long long)st->evictions);
	if (!flush) {
		arbor_warning("no memory to flush after '%s' left", block_session_label(s));
		return;
	}
	sync_append(bc, flush);
	client_kick(bc);
}

const struct block_backend client_backend = { .policy = policy, .submit = submit,
                                              .closed = closed };
