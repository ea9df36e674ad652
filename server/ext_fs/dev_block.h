/* ext_fs's device on a Block session (dev_block.c). */
#ifndef EXT_FS_DEV_BLOCK_H
#define EXT_FS_DEV_BLOCK_H

#include <block/block_client.h>
#include "dev.h"

struct dev_block_slot {
	unsigned char *buf;      /* where a READ's data goes; NULL: slot free */
	size_t bytes;
};

struct dev_block {
	struct dev dev;
	struct block_connection conn;
	size_t packet_blocks;    /* the largest request, in blocks */
	int broken;              /* the stream failed: every further request fails */
	struct dev_block_slot slots[ARBOR_BLOCK_QUEUE_SLOTS];
};

/*
 * Open the Block session (label as the parent routes it; writeable asks
 * for a writeable one, the server may narrow it) with a bulk buffer of
 * tx_buf_size bytes, and describe it in db->dev. Returns 0 or an error
 * of block_connection_open().
 */
int dev_block_open(struct dev_block *db, struct arbor_env *env, const char *label,
                   int writeable, size_t tx_buf_size);
void dev_block_close(struct dev_block *db);

#endif
