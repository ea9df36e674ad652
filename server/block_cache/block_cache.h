/*
 * block_cache: a write-back LRU cache between one Block device and its
 * clients. Shared by its modules: main.c (start: the device, sizing the
 * cache from the RAM quota, the service), client.c (the backend of
 * lib/block's server: client requests served from and into the cache,
 * waiting when they need the device) and device.c (fetches, write-backs
 * and SYNCs on the device, asynchronously). cache.c holds the lines.
 *
 * Everything runs on the entrypoint. A client request that cannot finish
 * at once (a miss, a cache full of dirty lines) becomes an op on the
 * waiting list; every completion from the device runs the waiting ops
 * again, oldest first.
 */
#ifndef BLOCK_CACHE_H
#define BLOCK_CACHE_H

#include <arbor/cap.h>
#include <arbor/env.h>
#include <block/block_server.h>
#include <block/block_link.h>
#include "cache.h"
#include "config.h"

/*
 * RAM the component keeps beside its lines: its binary, stacks and heap,
 * the op and I/O records of requests in flight, the config. Everything
 * else of its quota (less what the device session costs) becomes lines.
 */
#define BLOCK_CACHE_RAM_MARGIN (2u * 1024 * 1024)
/* Lines one fetch covers at most (consecutive misses of a request, read-ahead). */
#define BLOCK_CACHE_FETCH_LINES 32u
/* Lines of one request fetched ahead of what it copies. */
#define BLOCK_CACHE_REQUEST_AHEAD (4 * BLOCK_CACHE_FETCH_LINES)
/* How far from the cold end a claim (or a write-back to make room) looks. */
#define BLOCK_CACHE_SCAN 1024u
/* Write-backs in flight at most to make room (a SYNC or a close writes back more). */
#define BLOCK_CACHE_EVICT_WRITEBACKS 16u

enum op_kind { OP_READ, OP_WRITE, OP_SYNC, OP_TRIM };

/* A client request in progress (or a flush of the cache: a SYNC without request). */
struct op {
	enum op_kind kind;
	struct block_request *req;     /* NULL: a flush after a client closed its session */
	uint64_t cursor;               /* READ/WRITE: the next device block to serve */
	struct cache_line *pinned;     /* READ: the line it waits for */
	int waited;                    /* READ: had to wait for the device (its lines were misses) */
	uint64_t epoch;                /* SYNC: what it waits for (cache_sync_epoch()) */
	int device_sync;               /* SYNC: its device SYNC is in flight */
	struct op *next;               /* on the waiting or sync list */
};

enum io_kind { IO_FETCH, IO_WRITEBACK, IO_SYNC, IO_TRIM };

/* A request to the device; its address is the link's ctx. */
struct io {
	enum io_kind kind;
	struct io *next;               /* free list, or the list of unsent write-backs */
	union {
		struct {                   /* FETCH: consecutive lines */
			unsigned nlines;
			struct cache_line *line[BLOCK_CACHE_FETCH_LINES];
		} fetch;
		struct {                   /* WRITEBACK: one line, in runs */
			struct cache_line *line;
			uint8_t first[64], count[64];
			unsigned runs, sent, done;
			int failed;
			int evict;             /* started to make room */
		} wb;
		struct op *op;             /* SYNC, TRIM */
	};
};

struct block_cache {
	struct arbor_env *env;
	struct config config;
	struct block_link device;
	struct block_device_info device_info;
	struct block_server server;
	struct cache cache;
	struct arbor_cap *lines_ds;        /* the lines' memory */
	uint64_t read_ahead_lines;
	uint64_t sequential_next;          /* the block after the last read: a sequential reader's next */
	struct op *waiting_head, *waiting_tail;
	struct op *syncs_head, *syncs_tail;
	struct io *unsent;                 /* write-backs begun whose runs did not all fit the link */
	struct io *free_ios;
	struct op *free_ops;
	unsigned evict_writebacks;         /* write-backs in flight to make room */
	int need_room;                     /* an op found no line to claim */
	int kicking, kick_again;
};

/* ---- client.c ---- */

extern const struct block_backend client_backend;

/* Run the waiting ops, the syncs and the eviction: after anything that may let them go on. */
void client_kick(struct block_cache *bc);

struct op *op_new(struct block_cache *bc, enum op_kind kind, struct block_request *req);
/* Complete op's request (if it has one) with result and recycle op. */
void op_finish(struct block_cache *bc, struct op *op, int result);

/* ---- device.c ---- */

/* The link's callbacks. */
void device_done(struct block_link *l, void *ctx, const struct arbor_packet *sent, int result,
                 const void *data);
void device_room(struct block_link *l);

/*
 * Fetch up to max lines from line number first on (stopping at a line that
 * is valid or being fetched, or when no line can be claimed, looking
 * scan lines from the cold end). Returns the number of lines whose fetch
 * started, 0 when none could, or ARBOR_E_OBJECT_GONE.
 */
int device_fetch(struct block_cache *bc, uint64_t first, unsigned max, size_t scan);

/* Write l's dirty blocks back (l dirty, not writing). Returns 0, ARBOR_E_AGAIN or ARBOR_E_OBJECT_GONE. */
int device_writeback(struct block_cache *bc, struct cache_line *l, int evict);

/* Send what waits for the link: unsent write-back runs. */
void device_send_unsent(struct block_cache *bc);

/* Submit a device SYNC (or TRIM) for op. Returns 0, ARBOR_E_AGAIN or ARBOR_E_OBJECT_GONE. */
int device_submit_op(struct block_cache *bc, struct op *op, uint32_t opcode);

#endif
