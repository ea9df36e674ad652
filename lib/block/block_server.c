/*
 * The root of the Block service: a session request is checked against the
 * server's policy, its arguments and its donation before anything is
 * allocated (decode), then the session is made (apply).
 */
#include <stdio.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "block_server_internal.h"
#include "block_stream.h"

/* A session request, decoded. */
struct block_wish {
	struct arbor_ps_geometry geo;
	uint64_t first_block, block_count;
	int writeable;
	const struct block_device_info *device;   /* the server's, or the policy's */
	void *device_priv;
};

static int block_size_valid(uint32_t bs)
{
	return bs >= 512 && bs <= 65536 && (bs & (bs - 1)) == 0;
}

static int denied(const struct arbor_root_request *req, const char *why)
{
	arbor_warning("Block session of '%s' denied: %s", req->label, why);
	return ARBOR_E_DENIED;
}

/* An unsigned session argument; absent is def. Returns 0 or ARBOR_E_INVALID. */
static int arg_u64(const char *args, const char *key, uint64_t def, uint64_t *value)
{
	int err = arbor_args_get_u64(args, key, value);

	if (err == ARBOR_E_NOT_FOUND) {
		*value = def;
		return 0;
	}
	return err;
}

/* writeable="yes" (or true, 1); absent is no. Returns 0 or ARBOR_E_INVALID. */
static int arg_bool(const char *args, const char *key, int *value)
{
	char buf[8];
	int err = arbor_args_get(args, key, buf, sizeof(buf));

	*value = 0;
	if (err == ARBOR_E_NOT_FOUND)
		return 0;
	if (err)
		return ARBOR_E_INVALID;
	if (!strcmp(buf, "yes") || !strcmp(buf, "true") || !strcmp(buf, "1"))
		*value = 1;
	else if (strcmp(buf, "no") && strcmp(buf, "false") && strcmp(buf, "0"))
		return ARBOR_E_INVALID;
	return 0;
}

static int decode(struct block_server *srv, const struct arbor_root_request *req,
                  struct block_wish *w)
{
	const struct block_device_info *dev;
	struct block_policy policy;
	uint64_t tx_buf_size, offset, num_blocks, region;
	int wants_write, err;
	char why[160];

	memset(w, 0, sizeof(*w));
	memset(&policy, 0, sizeof(policy));
	err = srv->backend->policy(srv->priv, req->label, &policy);
	if (err)
		return ARBOR_E_DENIED;          /* the backend said why */
	dev = policy.device ? policy.device : &srv->device;
	if (!block_size_valid(dev->block_size))
		return denied(req, "the policy's device has no valid block size");
	w->device = dev;
	w->device_priv = policy.device_priv;
	if (arg_u64(req->args, "tx_buf_size", ARBOR_BLOCK_TX_BUF_DEFAULT, &tx_buf_size) ||
	    arg_u64(req->args, "offset", 0, &offset) ||
	    arg_u64(req->args, "num_blocks", 0, &num_blocks) ||
	    arg_bool(req->args, "writeable", &wants_write))
		return denied(req, "malformed session arguments");
	if (tx_buf_size < dev->block_size || tx_buf_size > ARBOR_BLOCK_TX_BUF_MAX ||
	    block_stream_geometry((size_t)tx_buf_size, &w->geo)) {
		snprintf(why, sizeof(why), "tx_buf_size %llu not in %u..%u",
		         (unsigned long long)tx_buf_size, dev->block_size, ARBOR_BLOCK_TX_BUF_MAX);
		return denied(req, why);
	}

	/* The policy's region must lie on the device: a mistake of the server's config. */
	if (policy.first_block > dev->block_count ||
	    policy.block_count > dev->block_count - policy.first_block)
		return denied(req, "the policy's region lies beyond the device");
	region = policy.block_count ? policy.block_count : dev->block_count - policy.first_block;
	if (offset >= region || (num_blocks && num_blocks > region - offset)) {
		snprintf(why, sizeof(why), "view offset=%llu num_blocks=%llu beyond the %llu blocks "
		         "it may see", (unsigned long long)offset, (unsigned long long)num_blocks,
		         (unsigned long long)region);
		return denied(req, why);
	}
	w->first_block = policy.first_block + offset;
	w->block_count = num_blocks ? num_blocks : region - offset;
	w->writeable = wants_write && policy.writeable && dev->writeable;

	if (req->ram < ARBOR_BLOCK_SESSION_COST + arbor_ps_size(&w->geo))
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < ARBOR_BLOCK_SESSION_COST_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	return 0;
}

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct block_server *srv = root->priv;
	struct block_session *s;
	struct block_wish w;
	int err = decode(srv, req, &w);

	if (err)
		return err;
	err = block_session_new(srv, req->label, &w.geo, w.device, w.device_priv, w.first_block,
	                        w.block_count, w.writeable, &s);
	if (err) {
		/* the parent passes on only DENIED and INSUFFICIENT_*: our own shortage is a denial */
		arbor_warning("no room for the Block session of '%s': %s", req->label,
		              arbor_strerror(err));
		return ARBOR_E_DENIED;
	}
	s->next = srv->sessions;
	srv->sessions = s;
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	return 0;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct block_server *srv = root->priv;
	struct block_session *s = session;

	for (struct block_session **link = &srv->sessions; *link; link = &(*link)->next) {
		if (*link == s) {
			*link = s->next;
			break;
		}
	}
	block_session_close(s);
}

static const struct arbor_root_ops block_root_ops = { .create = create, .close = close_session };

int block_server_announce(struct block_server *srv, struct arbor_env *env,
                          const struct block_device_info *device,
                          const struct block_backend *backend, void *priv)
{
	memset(srv, 0, sizeof(*srv));
	if (!device || !block_size_valid(device->block_size) || !backend || !backend->policy ||
	    !backend->submit)
		return ARBOR_E_INVALID;
	srv->env = env;
	srv->device = *device;
	srv->backend = backend;
	srv->priv = priv;
	return arbor_root_announce(env, &srv->root, ARBOR_BLOCK_SERVICE, &block_root_ops, srv);
}

void block_server_wakeup(struct block_server *srv)
{
	/* By signal, so the backend is never entered from inside itself. */
	for (struct block_session *s = srv->sessions; s; s = s->next)
		if (s->parked)
			block_session_kick(s);
}
