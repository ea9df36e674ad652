/*
 * The device ext_fs keeps its file system on: fixed-size blocks read and
 * written in runs. In the component it is a Block session (dev_block.c);
 * the host-side tests put a plain file behind the same operations. The
 * io manager (ext_io.h) is the only user.
 */
#ifndef EXT_FS_DEV_H
#define EXT_FS_DEV_H

#include <stddef.h>
#include <stdint.h>

/* count device blocks at block, to or from buf (count * block_size bytes). */
struct dev_run {
	uint64_t block;
	uint64_t count;
	void *buf;
};

struct dev_ops {
	/*
	 * Move every run; the runs may be serviced in any order and in
	 * parallel, so none may overlap another's blocks. Returns 0 or the
	 * first error (-EIO: the medium failed, ARBOR_E_OBJECT_GONE: the
	 * server went away, ARBOR_E_DENIED: not writeable).
	 */
	int (*readv)(void *priv, const struct dev_run *runs, size_t n);
	int (*writev)(void *priv, const struct dev_run *runs, size_t n);
	/* What was written so far is durable once this returns 0. */
	int (*sync)(void *priv);
	/* The blocks' content is no longer needed (NULL: not supported). */
	int (*trim)(void *priv, uint64_t block, uint64_t count);
};

struct dev {
	const struct dev_ops *ops;
	void *priv;
	uint32_t block_size;     /* a power of two, 512..65536 */
	uint64_t block_count;
	int writeable;
};

#endif
