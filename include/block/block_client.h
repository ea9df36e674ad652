/*
 * The Block session's client library (lib/block): open a session, and
 * either run requests one at a time (block_read/block_write/block_sync,
 * which wait) or keep many in flight (block_submit + block_take_ack,
 * completions in any order, told apart by tag). Every call runs on the
 * caller's thread; none needs the entrypoint to run. One thread at a time
 * per connection.
 */
#ifndef BLOCK_BLOCK_CLIENT_H
#define BLOCK_BLOCK_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <arbor/packet_session.h>
#include <session/block.h>

struct block_connection {
	struct arbor_env *env;
	struct arbor_connection conn;
	struct arbor_packet_session_client tx;
	struct arbor_block_info info;
	unsigned in_flight;
};

struct block_args {
	const char *label;       /* may be "" */
	size_t tx_buf_size;      /* 0: ARBOR_BLOCK_TX_BUF_DEFAULT */
	uint64_t offset;         /* first block of the view */
	uint64_t num_blocks;     /* 0: all from offset on */
	int writeable;
};

/*
 * Open a Block session and attach its stream. Returns 0 or an error of
 * arbor_connection_open() (ARBOR_E_DENIED: no route, no policy, a view
 * beyond the device), of the TX calls or of mapping the stream.
 */
int block_connection_open(struct arbor_env *env, struct block_connection *b,
                          const struct block_args *args);
/* Detach and close; requests in flight are abandoned. */
void block_connection_close(struct block_connection *b);

/* ---- one request at a time ------------------------------------------ */

/*
 * Read or write count blocks at block through the bulk buffer, in as many
 * packets as the buffer needs, and wait for them. Returns 0 or the first
 * packet's error (session/block.h), ARBOR_E_OBJECT_GONE when the server
 * went away.
 */
int block_read(struct block_connection *b, uint64_t block, uint64_t count, void *dst);
int block_write(struct block_connection *b, uint64_t block, uint64_t count, const void *src);
/* Make everything written so far durable. */
int block_sync(struct block_connection *b);
int block_trim(struct block_connection *b, uint64_t block, uint64_t count);

/* ---- many in flight --------------------------------------------------- */

/*
 * Allocate bulk space for a request of op on count blocks at block (count
 * * block_size bytes for READ and WRITE; SYNC and TRIM carry no data and
 * take the smallest allocation; a SYNC of count 0 covers the view),
 * filling pkt's offset/size/op/arg/tag. ARBOR_E_AGAIN when the buffer is
 * full: take acks first; ARBOR_E_TOO_LARGE when the request could never
 * fit a packet.
 */
int block_alloc(struct block_connection *b, struct arbor_packet *pkt, uint32_t op,
                uint64_t block, uint64_t count, uint64_t tag);
/* The bulk bytes of pkt (fill before submitting a WRITE, read after a READ's ack). */
void *block_content(struct block_connection *b, const struct arbor_packet *pkt);
/* Submit; ARBOR_E_AGAIN when the submit ring is full. */
int block_submit(struct block_connection *b, const struct arbor_packet *pkt);
/*
 * Take the next ack into *pkt (its result field is the request's
 * outcome), waiting up to timeout_ms (0: not at all, -1: no limit).
 * ARBOR_E_AGAIN when none arrived in time. The caller frees the bulk
 * space with block_release() when done with the content.
 */
int block_take_ack(struct block_connection *b, struct arbor_packet *pkt, int timeout_ms);
void block_release(struct block_connection *b, const struct arbor_packet *pkt);

#endif
