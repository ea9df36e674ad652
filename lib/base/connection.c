/*
 * The blocking, retrying session client (Genode's Connection and the
 * client loop of its component.cc): no client can predict what the parents
 * on the way keep, so it answers their verdicts instead.
 */
#include <stdio.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>

/* How long one wait lasts before the answer is polled again (a lost wake-up costs this). */
#define WAIT_SLICE_MS 200

/* The parent just said "pending": wait for its signal, then ask. */
static int wait_session(struct arbor_env *env, uint32_t id, struct arbor_cap **cap)
{
	int err;

	for (;;) {
		arbor_parent_signal_wait(env, ARBOR_SIGNAL_SESSION, WAIT_SLICE_MS);
		err = arbor_parent_session_cap(env->parent, id, cap);
		if (err != ARBOR_E_PENDING)
			return err;
	}
}

/*
 * Ask the parent for quota we lack and wait until it signals some. The
 * signal context is registered before the request, or a quick answer
 * would find none; the wait is sliced, since the caller asks again anyway.
 */
static void request_resources(struct arbor_env *env, uint64_t ram, uint64_t caps)
{
	arbor_parent_signal_register(env, ARBOR_SIGNAL_RESOURCE_AVAIL);
	arbor_parent_resource_request(env->parent, ram, caps);
	arbor_parent_signal_wait(env, ARBOR_SIGNAL_RESOURCE_AVAIL, 1000);
}

int arbor_connection_open(struct arbor_env *env, struct arbor_connection *c,
                          const char *service, const char *label,
                          uint64_t ram, uint64_t caps, const char *extra)
{
	char args[ARBOR_SESSION_ARGS_MAX];
	unsigned attempts = 0;
	int err, n;

	memset(c, 0, sizeof(*c));
	if (!env->parent)
		return ARBOR_E_DENIED;
	snprintf(c->service, sizeof(c->service), "%s", service);
	c->id = arbor_session_id_alloc();
	for (;;) {
		n = snprintf(args, sizeof(args), "label=\"%s\", ram_quota=%llu, cap_quota=%llu%s%s",
		             label, (unsigned long long)ram, (unsigned long long)caps,
		             extra && *extra ? ", " : "", extra ? extra : "");
		if (n < 0 || (size_t)n >= sizeof(args)) {
			arbor_error("session denied because of truncated arguments");
			return ARBOR_E_TOO_LARGE;
		}
		err = arbor_parent_session(env->parent, c->id, service, args, &c->cap);
		if (err == ARBOR_E_PENDING)
			err = wait_session(env, c->id, &c->cap);
		if (!err)
			break;
		attempts++;
		if (attempts >= 2 && (attempts & (attempts - 1)) == 0)
			arbor_warning("re-attempted %s session request %u times (args: %s)", service,
			              attempts, args);
		switch (err) {
		case ARBOR_E_INSUFFICIENT_RAM:  ram += 4096; continue;
		case ARBOR_E_INSUFFICIENT_CAPS: caps += 4; continue;
		case ARBOR_E_OUT_OF_RAM:        request_resources(env, ram, 0); continue;
		case ARBOR_E_OUT_OF_CAPS:       request_resources(env, 0, caps); continue;
		case ARBOR_E_DENIED:
			arbor_error("stop because parent denied %s-session: %s", service, args);
			return err;
		default:
			return err;
		}
	}
	c->ram = ram;
	c->caps = caps;
	return 0;
}

int arbor_connection_upgrade(struct arbor_env *env, struct arbor_connection *c,
                             uint64_t ram, uint64_t caps)
{
	int err;

	for (;;) {
		err = arbor_parent_upgrade(env->parent, c->id, ram, caps);
		if (err == ARBOR_E_OUT_OF_RAM || err == ARBOR_E_OUT_OF_CAPS) {
			request_resources(env, err == ARBOR_E_OUT_OF_RAM ? ram : 0,
			                  err == ARBOR_E_OUT_OF_CAPS ? caps : 0);
			continue;
		}
		break;
	}
	if (err == ARBOR_E_PENDING) {
		/* the answer is in when the session is no longer pending at the parent */
		struct arbor_cap *cap;
		err = wait_session(env, c->id, &cap);
		arbor_cap_unref(cap);
	}
	if (!err) {
		c->ram += ram;
		c->caps += caps;
	}
	return err;
}

void arbor_connection_close(struct arbor_env *env, struct arbor_connection *c)
{
	int err;

	if (!c->id)
		return;
	err = arbor_parent_close(env->parent, c->id);
	while (err == ARBOR_E_PENDING) {
		arbor_parent_signal_wait(env, ARBOR_SIGNAL_SESSION, WAIT_SLICE_MS);
		err = arbor_parent_close(env->parent, c->id);
	}
	arbor_cap_unref(c->cap);
	memset(c, 0, sizeof(*c));
}
