/*
 * block_cache's device side (see block_cache.h): fetches of consecutive
 * lines in one READ, write-backs of a line's dirty blocks (in runs, each
 * one WRITE; the data is copied into the link's buffer when sent, so the
 * line may take new writes meanwhile), SYNCs and TRIMs passed down. Every
 * completion runs the waiting ops again.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "block_cache.h"

static struct io *io_new(struct block_cache *bc, enum io_kind kind)
{
	struct io *io = bc->free_ios;

	if (io)
		bc->free_ios = io->next;
	else
		io = malloc(sizeof(*io));
	if (io) {
		memset(io, 0, sizeof(*io));
		io->kind = kind;
	}
	return io;
}

static void io_free(struct block_cache *bc, struct io *io)
{
	io->next = bc->free_ios;
	bc->free_ios = io;
}

/* ---- fetch ----------------------------------------------------------------- */

int device_fetch(struct block_cache *bc, uint64_t first, unsigned max, size_t scan)
{
	struct cache *c = &bc->cache;
	uint64_t device_lines = (bc->device_info.block_count + c->blocks_per_line - 1) /
	                        c->blocks_per_line;
	uint64_t link_lines = bc->device.max_blocks / c->blocks_per_line, count;
	struct io *io;
	int err;

	if (bc->device.gone)
		return ARBOR_E_OBJECT_GONE;
	if (max > link_lines)
		max = (unsigned)link_lines;
	io = io_new(bc, IO_FETCH);
	if (!io)
		return 0;
	for (uint64_t n = first; io->fetch.nlines < max && n < device_lines; n++) {
		struct cache_line *l = cache_lookup(c, n);

		if (l && (l->fetching || l->valid == cache_mask(0, cache_line_blocks(c, n))))
			break;
		if (!l)
			l = cache_claim(c, n, scan);
		if (!l)
			break;
		/* fetching from now on: the next claim of this loop must not take it */
		l->fetching = 1;
		io->fetch.line[io->fetch.nlines++] = l;
	}
	if (!io->fetch.nlines) {
		io_free(bc, io);
		return 0;
	}
	count = (first + io->fetch.nlines) * c->blocks_per_line;
	if (count > bc->device_info.block_count)
		count = bc->device_info.block_count;
	count -= first * c->blocks_per_line;
	err = block_link_submit(&bc->device, ARBOR_BLOCK_READ, first * c->blocks_per_line, count,
	                        NULL, io);
	if (err) {
		/* the lines stay, empty and idle: the next claim may take them back */
		for (unsigned i = 0; i < io->fetch.nlines; i++)
			io->fetch.line[i]->fetching = 0;
		io_free(bc, io);
		return err == ARBOR_E_AGAIN ? 0 : ARBOR_E_OBJECT_GONE;
	}
	c->stats.read_misses += io->fetch.nlines;
	return (int)io->fetch.nlines;
}

static void fetch_done(struct block_cache *bc, struct io *io, int result, const void *data)
{
	for (unsigned i = 0; i < io->fetch.nlines; i++) {
		struct cache_line *l = io->fetch.line[i];

		l->fetching = 0;
		if (result) {
			l->fetch_failed = 1;
			continue;
		}
		cache_fill(&bc->cache, l, (const unsigned char *)data + i * bc->cache.line_size);
		cache_touch(&bc->cache, l);
	}
	if (result)
		arbor_warning("fetching blocks %llu..: %s",
		              (unsigned long long)(io->fetch.line[0]->number *
		                                   bc->cache.blocks_per_line), arbor_strerror(result));
}

/* ---- write-back -------------------------------------------------------------- */

/* Send the write-back's runs that are not sent yet. Returns 0, ARBOR_E_AGAIN or ARBOR_E_OBJECT_GONE. */
static int writeback_send(struct block_cache *bc, struct io *io)
{
	struct cache_line *l = io->wb.line;
	uint32_t bs = bc->cache.block_size;

	while (io->wb.sent < io->wb.runs) {
		unsigned r = io->wb.sent;
		int err = block_link_submit(&bc->device, ARBOR_BLOCK_WRITE,
		                            l->number * bc->cache.blocks_per_line + io->wb.first[r],
		                            io->wb.count[r], l->data + (size_t)io->wb.first[r] * bs,
		                            io);
		if (err)
			return err == ARBOR_E_AGAIN ? err : ARBOR_E_OBJECT_GONE;
		io->wb.sent++;
	}
	return 0;
}

/* A write-back is over: the line is clean (or dirty again after a failure). */
static void writeback_end(struct block_cache *bc, struct io *io)
{
	struct cache_line *l = io->wb.line;
	uint64_t epoch = l->writing_epoch;

	cache_writeback_end(&bc->cache, l, !io->wb.failed);
	/* a line the device refused goes to the back of the eviction queue: others first */
	if (io->wb.failed)
		cache_touch(&bc->cache, l);
	if (io->wb.evict)
		bc->evict_writebacks--;
	if (io->wb.failed) {
		/* a SYNC that needs this data cannot succeed now; the data stays dirty for a later one */
		struct op **link = &bc->syncs_head, *prev = NULL;

		while (*link) {
			struct op *op = *link;

			if (op->epoch >= epoch && !op->device_sync) {
				*link = op->next;
				if (bc->syncs_tail == op)
					bc->syncs_tail = prev;
				op_finish(bc, op, -EIO);
				continue;
			}
			prev = op;
			link = &op->next;
		}
	}
	io_free(bc, io);
}

int device_writeback(struct block_cache *bc, struct cache_line *l, int evict)
{
	uint32_t first[64], count[64];
	struct io *io;
	uint64_t mask;
	int err;

	if (bc->device.gone)
		return ARBOR_E_OBJECT_GONE;
	/* nothing sent yet may be begun: a full link leaves the line dirty, and untouched */
	if (bc->unsent || block_link_in_flight(&bc->device) == BLOCK_LINK_SLOTS)
		return ARBOR_E_AGAIN;
	io = io_new(bc, IO_WRITEBACK);
	if (!io)
		return ARBOR_E_AGAIN;
	mask = cache_writeback_begin(&bc->cache, l);
	io->wb.line = l;
	io->wb.evict = evict;
	io->wb.runs = cache_writeback_runs(l, mask, first, count);
	for (unsigned r = 0; r < io->wb.runs; r++) {
		io->wb.first[r] = (uint8_t)first[r];
		io->wb.count[r] = (uint8_t)count[r];
	}
	if (evict)
		bc->evict_writebacks++;
	err = writeback_send(bc, io);
	if (err == ARBOR_E_AGAIN) {
		/* begun: the rest goes when the link has room, before anything else */
		io->next = bc->unsent;
		bc->unsent = io;
		return 0;
	}
	if (err) {
		io->wb.failed = 1;
		if (io->wb.done == io->wb.sent)
			writeback_end(bc, io);
		return err;
	}
	return 0;
}

void device_send_unsent(struct block_cache *bc)
{
	while (bc->unsent) {
		struct io *io = bc->unsent;
		int err = writeback_send(bc, io);

		if (err == ARBOR_E_AGAIN)
			return;
		bc->unsent = io->next;
		if (err) {
			io->wb.failed = 1;
			/* the runs still to send will never complete: count them as done */
			io->wb.done += io->wb.runs - io->wb.sent;
			io->wb.sent = io->wb.runs;
			if (io->wb.done == io->wb.runs)
				writeback_end(bc, io);
		}
	}
}

static void writeback_done(struct block_cache *bc, struct io *io, int result)
{
	if (result)
		io->wb.failed = 1;
	io->wb.done++;
	if (io->wb.done == io->wb.runs)
		writeback_end(bc, io);
}

/* ---- SYNC and TRIM -------------------------------------------------------------------- */

int device_submit_op(struct block_cache *bc, struct op *op, uint32_t opcode)
{
	struct io *io = io_new(bc, opcode == ARBOR_BLOCK_SYNC ? IO_SYNC : IO_TRIM);
	uint64_t block = 0, count = bc->device_info.block_count;
	int err;

	if (!io)
		return ARBOR_E_AGAIN;
	if (opcode == ARBOR_BLOCK_TRIM) {
		block = op->req->block;
		count = op->req->count;
	}
	io->op = op;
	err = block_link_submit(&bc->device, opcode, block, count, NULL, io);
	if (err)
		io_free(bc, io);
	return err;
}

static void sync_done(struct block_cache *bc, struct op *op, int result)
{
	struct op **link = &bc->syncs_head, *prev = NULL;

	while (*link != op) {
		prev = *link;
		link = &(*link)->next;
	}
	*link = op->next;
	if (bc->syncs_tail == op)
		bc->syncs_tail = prev;
	op_finish(bc, op, result);
}

/* ---- the link's callbacks ------------------------------------------------------------------ */

void device_done(struct block_link *l, void *ctx, const struct arbor_packet *sent, int result,
                 const void *data)
{
	struct block_cache *bc = l->priv;
	struct io *io = ctx;

	switch (io->kind) {
	case IO_FETCH:
		fetch_done(bc, io, result, data);
		io_free(bc, io);
		break;
	case IO_WRITEBACK:
		if (result)
			arbor_warning("writing back blocks %llu+%llu: %s",
			              (unsigned long long)sent->arg[0], (unsigned long long)sent->arg[1],
			              arbor_strerror(result));
		writeback_done(bc, io, result);
		break;
	case IO_SYNC:
		sync_done(bc, io->op, result);
		io_free(bc, io);
		break;
	case IO_TRIM:
		op_finish(bc, io->op, result);
		io_free(bc, io);
		break;
	}
}

void device_room(struct block_link *l)
{
	client_kick(l->priv);
}
