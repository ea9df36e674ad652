/*
 * The one rule both sides of lib/block use to turn a session's tx_buf_size
 * into the packet stream's geometry, so that the client can tell the
 * stream it asked for from anything else a server hands out.
 */
#ifndef LIB_BLOCK_BLOCK_STREAM_H
#define LIB_BLOCK_BLOCK_STREAM_H

#include <stddef.h>
#include <arbor/error.h>
#include <arbor/packet_stream.h>
#include <session/block.h>

/* tx_buf_size 0 is the default; returns 0 or ARBOR_E_INVALID (above the maximum). */
static inline int block_stream_geometry(size_t tx_buf_size, struct arbor_ps_geometry *g)
{
	if (!tx_buf_size)
		tx_buf_size = ARBOR_BLOCK_TX_BUF_DEFAULT;
	if (tx_buf_size > ARBOR_BLOCK_TX_BUF_MAX)
		return ARBOR_E_INVALID;
	g->submit_slots = ARBOR_BLOCK_QUEUE_SLOTS;
	g->ack_slots = ARBOR_BLOCK_QUEUE_SLOTS;
	g->bulk_size = (tx_buf_size + 63) & ~(size_t)63;
	return 0;
}

#endif
