/*
 * block_cache: a write-back LRU cache between one Block device and its
 * clients, as large as the component's RAM quota allows (see README.md).
 */
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include "block_cache.h"

static struct block_cache block_cache;

/*
 * The cache takes what the quota has left once the device session is
 * paid for, less BLOCK_CACHE_RAM_MARGIN: each line costs its data and its
 * bookkeeping (cache_metadata_size()).
 */
static int cache_setup(struct block_cache *bc)
{
	uint32_t bs = bc->device_info.block_size;
	uint64_t line = bc->config.line_size < bs ? bs : bc->config.line_size;
	struct arbor_cap *pd = arbor_env_pd(bc->env);
	struct arbor_pd_quota q;
	uint64_t avail, nlines;
	void *mem;
	size_t mapped;
	int err;

	if (line / bs > CACHE_LINE_BLOCKS_MAX) {
		arbor_error("block_cache: line_size %llu holds more than %u blocks of %u bytes",
		            (unsigned long long)line, CACHE_LINE_BLOCKS_MAX, bs);
		return ARBOR_E_INVALID;
	}
	if (line > bc->device.max_blocks * bs) {
		arbor_error("block_cache: line_size %llu is larger than io_buffer",
		            (unsigned long long)line);
		return ARBOR_E_INVALID;
	}
	err = pd ? arbor_pd_quota(pd, &q) : ARBOR_E_DENIED;
	if (err) {
		arbor_error("block_cache: cannot learn the RAM quota: %s", arbor_strerror(err));
		return err;
	}
	avail = q.ram_quota > q.ram_used ? q.ram_quota - q.ram_used : 0;
	avail = avail > BLOCK_CACHE_RAM_MARGIN ? avail - BLOCK_CACHE_RAM_MARGIN : 0;
	nlines = avail / (line + cache_metadata_size(1) + sizeof(struct cache_line *));
	/* a cache smaller than a few fetches would only thrash */
	if (nlines < 4 * BLOCK_CACHE_FETCH_LINES) {
		arbor_error("block_cache: RAM quota too small: %llu bytes left for lines of %llu "
		            "(at least %u lines, and %u bytes of margin)", (unsigned long long)avail,
		            (unsigned long long)line, 4 * BLOCK_CACHE_FETCH_LINES,
		            BLOCK_CACHE_RAM_MARGIN);
		return ARBOR_E_OUT_OF_RAM;
	}
	err = arbor_pd_alloc_ram(pd, (size_t)(nlines * line), &bc->lines_ds);
	if (!err)
		err = arbor_ds_attach(bc->lines_ds, ARBOR_DS_WRITE, &mem, &mapped);
	if (!err)
		err = cache_init(&bc->cache, bs, (uint32_t)(line / bs), bc->device_info.block_count,
		                 (size_t)nlines, mem);
	if (err) {
		arbor_error("block_cache: no memory for %llu lines: %s", (unsigned long long)nlines,
		            arbor_strerror(err));
		return err;
	}
	bc->read_ahead_lines = bc->config.read_ahead / line;
	/* no sequential reader yet: no block number a first read could match */
	bc->sequential_next = UINT64_MAX;
	arbor_log("block_cache: %llu lines of %llu bytes (%llu KiB) over %llu blocks of %u bytes, "
	          "read-ahead %llu lines", (unsigned long long)nlines, (unsigned long long)line,
	          (unsigned long long)(nlines * line / 1024),
	          (unsigned long long)bc->device_info.block_count, bs,
	          (unsigned long long)bc->read_ahead_lines);
	return 0;
}

void component_construct(struct arbor_env *env)
{
	struct block_cache *bc = &block_cache;
	struct block_args args = { .label = "", .writeable = 1 };
	int err;

	bc->env = env;
	err = config_open(&bc->config, env);
	if (err) {
		arbor_error("block_cache: no usable config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	args.tx_buf_size = (size_t)bc->config.io_buffer;
	err = block_link_open(&bc->device, env, &args, device_done, device_room, bc);
	if (err) {
		arbor_error("block_cache: no Block device: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	bc->device_info.block_count = bc->device.info.block_count;
	bc->device_info.block_size = bc->device.info.block_size;
	bc->device_info.writeable = !!(bc->device.info.flags & ARBOR_BLOCK_WRITEABLE);
	if (cache_setup(bc))
		arbor_exit(env, 1);
	err = block_server_announce(&bc->server, env, &bc->device_info, &client_backend, bc);
	if (err) {
		arbor_error("block_cache: cannot provide the Block service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
