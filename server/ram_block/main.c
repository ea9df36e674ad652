/*
 * ram_block: a Block device in RAM, paid from the component's own quota
 * (a dataspace of its PD), optionally filled from a ROM module at start,
 * served to each client as its policy says (see README.md). Requests
 * complete at once.
 */
#include <string.h>
#include <arbor/connection.h>
#include <arbor/dataspace.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <block/block_server.h>
#include <session/rom.h>
#include "config.h"

static struct ram_block {
	struct arbor_env *env;
	struct config config;
	struct block_server server;
	struct arbor_cap *ds;          /* the device's memory */
	unsigned char *mem;
	size_t mapped;
	uint32_t block_size;
} ram_block;

static int policy(void *priv, const char *label, struct block_policy *p)
{
	struct ram_block *rb = priv;

	return config_policy_for(&rb->config, label, p);
}

static int submit(void *priv, struct block_request *req)
{
	struct ram_block *rb = priv;
	unsigned char *at = rb->mem + req->block * rb->block_size;

	/* lib/block checked the range against the device and the size against the count */
	switch (req->op) {
	case ARBOR_BLOCK_READ:  memcpy(req->data, at, req->size); break;
	case ARBOR_BLOCK_WRITE: memcpy(at, req->data, req->size); break;
	case ARBOR_BLOCK_TRIM:  memset(at, 0, req->count * rb->block_size); break;
	case ARBOR_BLOCK_SYNC:  break;        /* RAM is as durable as it gets */
	}
	block_request_complete(req, 0);
	return 0;
}

static const struct block_backend ram_backend = { .policy = policy, .submit = submit };

/*
 * Copy the ROM module name into the device: as much of it as fits, the
 * rest stays zero. Its dataspace is mapped whole, NULs and all (the ROM
 * client's text view stops at the first NUL).
 */
static int fill_from_rom(struct ram_block *rb, const char *name, size_t device_size)
{
	struct arbor_connection rom;
	void *addr;
	size_t size;
	int err = arbor_connection_open(rb->env, &rom, ARBOR_ROM_SERVICE, name,
	                                ARBOR_ROM_SESSION_RAM, ARBOR_ROM_SESSION_CAPS, NULL);

	if (err)
		return err;
	err = arbor_ds_attach_from_call(rom.cap, ARBOR_ROM_DATASPACE, ARBOR_DS_READ, 0, &addr,
	                                &size);
	if (!err) {
		if (size > device_size)
			arbor_warning("ROM '%s' (%zu bytes) is larger than the device: cut to %zu",
			              name, size, device_size);
		memcpy(rb->mem, addr, size < device_size ? size : device_size);
		arbor_ds_detach(addr, size);
	}
	arbor_connection_close(rb->env, &rom);
	return err;
}

static int device_init(struct ram_block *rb)
{
	const struct config_geometry *g = &rb->config.geometry;
	uint64_t bytes = g->block_count * g->block_size;
	void *addr;
	int err;

	if (bytes > SIZE_MAX)
		return ARBOR_E_TOO_LARGE;
	rb->block_size = g->block_size;
	err = arbor_pd_alloc_ram(arbor_env_pd(rb->env), (size_t)bytes, &rb->ds);
	if (err) {
		arbor_error("ram_block: no %llu bytes for the device: %s", (unsigned long long)bytes,
		            arbor_strerror(err));
		return err;
	}
	err = arbor_ds_attach(rb->ds, ARBOR_DS_WRITE, &addr, &rb->mapped);
	if (err)
		return err;
	rb->mem = addr;
	if (g->rom[0]) {
		err = fill_from_rom(rb, g->rom, (size_t)bytes);
		if (err) {
			arbor_error("ram_block: cannot read ROM '%s': %s", g->rom, arbor_strerror(err));
			return err;
		}
	}
	arbor_log("ram_block: %llu blocks of %u bytes%s%s", (unsigned long long)g->block_count,
	          g->block_size, g->rom[0] ? " from ROM " : "", g->rom);
	return 0;
}

void component_construct(struct arbor_env *env)
{
	struct block_device_info device;
	int err;

	ram_block.env = env;
	err = config_open(&ram_block.config, env);
	if (err) {
		arbor_error("ram_block: no usable config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	if (device_init(&ram_block))
		arbor_exit(env, 1);
	device.block_count = ram_block.config.geometry.block_count;
	device.block_size = ram_block.config.geometry.block_size;
	device.writeable = 1;
	err = block_server_announce(&ram_block.server, env, &device, &ram_backend, &ram_block);
	if (err) {
		arbor_error("ram_block: cannot provide the Block service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
