/*
 * Block session: a device of fixed-size blocks, as Genode's Block session.
 * Requests travel as packets of one packet stream (arbor/packet_stream.h)
 * that the server allocates and shares with its client: many may be in
 * flight, and they may complete out of order; the client tells them apart
 * by the tag it chose. See doc/sessions/block.md.
 *
 * Session arguments (beside label, ram_quota, cap_quota):
 *   tx_buf_size  bytes of bulk buffer the client wants (default
 *                ARBOR_BLOCK_TX_BUF_DEFAULT, at most ARBOR_BLOCK_TX_BUF_MAX);
 *                the client pays for it in its donation
 *   offset       first block of the device the session sees (default 0)
 *   num_blocks   blocks the session sees (default: all from offset on)
 *   writeable    "yes" to write; the server's policy has the last word
 * A view beyond the device, or a writeable session the policy forbids, is
 * narrowed (writeable) or denied (view), never widened.
 */
#ifndef ARBOR_SESSION_BLOCK_H
#define ARBOR_SESSION_BLOCK_H

#include <stdint.h>

#define ARBOR_BLOCK_SERVICE "Block"

#define ARBOR_BLOCK_TX_BUF_DEFAULT (1024u * 1024)
#define ARBOR_BLOCK_TX_BUF_MAX     (64u * 1024 * 1024)
/* Submit and ack ring slots: the most requests one session has in flight. */
#define ARBOR_BLOCK_QUEUE_SLOTS    256u

/*
 * What a session costs its server beside the stream's dataspace
 * (arbor_ps_size() of the geometry, rounded up to pages), and what a
 * client donates on top of that: the server's share plus what each parent
 * on the way keeps. The cost holds the session's state and one request
 * record per queue slot (lib/block), so that a full queue allocates
 * nothing.
 */
#define ARBOR_BLOCK_SESSION_COST      (48u * 1024)
#define ARBOR_BLOCK_SESSION_RAM_EXTRA (32u * 1024)
#define ARBOR_BLOCK_SESSION_CAPS      6u
#define ARBOR_BLOCK_SESSION_COST_CAPS 4u

enum arbor_block_op {
	/* info() -> struct arbor_block_info */
	ARBOR_BLOCK_INFO = 0,
	/*
	 * tx() -> struct arbor_ps_geometry, caps: [0] the stream's dataspace
	 * (writeable), [1] the server's packet_avail signal context, [2] its
	 * ready_to_ack context. See arbor/packet_session.h.
	 */
	ARBOR_BLOCK_TX,
	/*
	 * tx_sigh(caps: [0] the client's ack_avail context, [1] its
	 * ready_to_submit context; invalid caps unregister).
	 * Errors: ARBOR_E_INVALID_CAP (not a signal context).
	 */
	ARBOR_BLOCK_TX_SIGH,
	ARBOR_BLOCK_NOPS
};

#define ARBOR_BLOCK_WRITEABLE 1u

struct arbor_block_info {
	uint64_t block_count;   /* blocks in the session's view */
	uint32_t block_size;    /* bytes, a power of two, 512..65536 */
	uint32_t align_log2;    /* bulk buffers are aligned to 1 << align_log2 */
	uint32_t flags;         /* ARBOR_BLOCK_WRITEABLE */
	uint32_t reserved;
};

/*
 * Packet opcodes (struct arbor_packet.op). Fields: arg[0] the first block
 * (relative to the session's view), arg[1] the number of blocks; tag is the
 * client's, echoed in the ack; SYNC and TRIM carry the smallest bulk
 * allocation (their size is ignored); result is set by the server: 0, or
 *   ARBOR_E_INVALID        blocks outside the view, a size that is not
 *                          count * block_size (READ/WRITE), count 0
 *                          (READ/WRITE/TRIM)
 *   ARBOR_E_DENIED         WRITE or TRIM on a session that is not writeable
 *   ARBOR_E_UNKNOWN_OPCODE an opcode not below
 *   -EIO                   the medium failed
 * A descriptor outside the bulk buffer breaks the stream: the server closes
 * that session (its client sees ARBOR_E_OBJECT_GONE) and serves the others.
 */
enum arbor_block_packet_op {
	ARBOR_BLOCK_READ  = 1,   /* size = count * block_size bytes into the bulk buffer */
	ARBOR_BLOCK_WRITE = 2,   /* size = count * block_size bytes from the bulk buffer */
	ARBOR_BLOCK_SYNC  = 3,   /* what was acked before is durable; count 0: the whole view */
	ARBOR_BLOCK_TRIM  = 4,   /* the blocks' content is no longer needed */
};

#endif
