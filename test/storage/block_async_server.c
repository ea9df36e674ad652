/*
 * block_async_server: a Block server for testing lib/block's server side
 * with a backend that completes late and out of order. It keeps each
 * request (its data already moved, in RAM) until it holds hold="N" of
 * them, then completes all it holds newest first; a timer completes the
 * rest every 20 ms, so that a short queue finishes too. Sessions whose
 * policy says freeze="yes" are never completed while open: when such a
 * session closes, the server logs how many of its requests it still
 * holds, and completes them on the next tick, after the library has
 * dropped the session from its client's view.
 *
 *   <config block_size="512" block_count="8192" hold="32">
 *     <policy label_prefix="client -> freeze" freeze="yes"/>
 *     <default-policy/>
 *   </config>
 *
 * Every session may write. Logs "block_async_server: ..." lines that
 * test/storage/block_async.scn.in expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <block/block_server.h>
#include <sandbox/config_rom.h>
#include <sandbox/policy.h>
#include <session/parent.h>

#define TICK_NS   20000000L
#define CLOSED_MAX 16

static struct {
	struct arbor_env *env;
	struct config_rom config;
	struct block_server server;
	unsigned char *mem;
	uint32_t block_size;
	uint64_t hold;
	struct block_request *held;        /* newest first, linked by backend_data */
	uint64_t nheld;
	struct arbor_io tick;
	struct {                           /* closed sessions whose requests we still hold */
		struct block_session *s;
		char label[ARBOR_LABEL_MAX];
	} closed[CLOSED_MAX];
} as;

static int frozen_flag = 1, thawed_flag = 0;

static int is_closed(const struct block_session *s)
{
	for (unsigned i = 0; i < CLOSED_MAX; i++)
		if (as.closed[i].s == s)
			return 1;
	return 0;
}

static int completable(const struct block_request *req)
{
	return !*(int *)block_session_device_priv(req->session) || is_closed(req->session);
}

/* Complete what may be completed, newest first; the rest stays held in order. */
static void complete_held(void)
{
	struct block_request *keep = NULL, **tail = &keep, *req = as.held;

	as.held = NULL;
	while (req) {
		struct block_request *next = req->backend_data;

		if (completable(req)) {
			as.nheld--;
			block_request_complete(req, 0);
		} else {
			req->backend_data = NULL;
			*tail = req;
			tail = (struct block_request **)&req->backend_data;
		}
		req = next;
	}
	/* nothing arrived meanwhile: lib/block never calls submit() from inside complete() */
	as.held = keep;
}

/* Forget closed sessions none of whose requests we hold any more (they are freed now). */
static void thaw_closed(void)
{
	for (unsigned i = 0; i < CLOSED_MAX; i++) {
		uint64_t n = 0;

		if (!as.closed[i].s)
			continue;
		for (struct block_request *r = as.held; r; r = r->backend_data)
			n += r->session == as.closed[i].s;
		if (n)
			continue;
		arbor_log("block_async_server: every request of closed '%s' completed",
		          as.closed[i].label);
		as.closed[i].s = NULL;
	}
}

/* Complete, then forget the closed sessions that are gone now (their memory may be reused). */
static void flush(void)
{
	complete_held();
	thaw_closed();
}

static void tick(struct arbor_io *io, uint32_t events)
{
	uint64_t n;

	if (read(io->fd, &n, sizeof(n)) == sizeof(n))
		flush();
}

static int policy(void *priv, const char *label, struct block_policy *p)
{
	char why[ARBOR_LABEL_MAX + 64];
	const struct xml_node *node = policy_select(as.config.root, "policy", label, why,
	                                            sizeof(why));
	int freeze = 0;

	if (!node) {
		arbor_warning("%s", why);
		return ARBOR_E_DENIED;
	}
	xml_attr_bool(node, "freeze", 0, &freeze);
	p->writeable = 1;
	p->device_priv = freeze ? &frozen_flag : &thawed_flag;
	return 0;
}

static int submit(void *priv, struct block_request *req)
{
	unsigned char *at = as.mem + req->block * as.block_size;

	if (req->op == ARBOR_BLOCK_READ)
		memcpy(req->data, at, req->size);
	else if (req->op == ARBOR_BLOCK_WRITE)
		memcpy(at, req->data, req->size);
	req->backend_data = as.held;
	as.held = req;
	if (++as.nheld >= as.hold)
		flush();
	return 0;
}

static void closed(void *priv, struct block_session *s)
{
	uint64_t n = 0;

	for (struct block_request *r = as.held; r; r = r->backend_data)
		n += r->session == s;
	if (!n)
		return;
	for (unsigned i = 0; i < CLOSED_MAX; i++) {
		if (as.closed[i].s)
			continue;
		as.closed[i].s = s;
		snprintf(as.closed[i].label, sizeof(as.closed[i].label), "%s",
		         block_session_label(s));
		break;
	}
	arbor_log("block_async_server: '%s' closed with %llu requests in the backend",
	          block_session_label(s), (unsigned long long)n);
}

static const struct block_backend async_backend = {
	.policy = policy, .submit = submit, .closed = closed,
};

void component_construct(struct arbor_env *env)
{
	struct itimerspec every = { .it_interval = { 0, TICK_NS }, .it_value = { 0, TICK_NS } };
	struct block_device_info device = { .writeable = 1 };
	uint64_t block_size;
	int err;

	as.env = env;
	err = config_rom_open(&as.config, env, NULL, NULL);
	if (!err && (xml_attr_u64(as.config.root, "block_size", 512, &block_size) ||
	             xml_attr_u64(as.config.root, "block_count", 8192, &device.block_count) ||
	             xml_attr_u64(as.config.root, "hold", 32, &as.hold) || !as.hold))
		err = ARBOR_E_INVALID;
	device.block_size = (uint32_t)block_size;
	as.block_size = device.block_size;
	if (!err && !(as.mem = calloc(device.block_count, block_size)))
		err = -ENOMEM;
	as.tick.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	as.tick.fn = tick;
	if (!err && (as.tick.fd < 0 || timerfd_settime(as.tick.fd, 0, &every, NULL) ||
	             arbor_io_watch(env->ep, &as.tick, EPOLLIN)))
		err = -EIO;
	if (!err)
		err = block_server_announce(&as.server, env, &device, &async_backend, NULL);
	if (err) {
		arbor_error("block_async_server: cannot serve: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("block_async_server: %llu blocks, completing %llu at a time, newest first",
	          (unsigned long long)device.block_count, (unsigned long long)as.hold);
}
