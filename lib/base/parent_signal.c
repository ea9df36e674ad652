/*
 * The parent's signals at the component: one signal context per kind,
 * created and registered with the parent on first use, watched by the
 * entrypoint. A thread that must wait for one (a client whose session is
 * pending) polls the same eventfd; the count it consumes is handed back to
 * the context so that a handler on the entrypoint still runs.
 */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/parent.h>
#include <arbor/signal.h>

struct parent_signal {
	struct arbor_signal_handler handler;
	struct arbor_env *env;
	unsigned which;
	arbor_parent_signal_fn fn;
};

struct parent_signals {
	struct parent_signal kinds[ARBOR_SIGNAL_KINDS];
};

static pthread_mutex_t signals_lock = PTHREAD_MUTEX_INITIALIZER;

static void signalled(struct arbor_signal_handler *sh, uint64_t count)
{
	struct parent_signal *ps = container_of(sh, struct parent_signal, handler);

	if (ps->fn)
		ps->fn(ps->env, ps->which);
}

/* The context for which, created and registered on first use. */
static int context(struct arbor_env *env, unsigned which, struct parent_signal **out)
{
	struct parent_signal *ps;
	int err = 0;

	*out = NULL;
	if (which >= ARBOR_SIGNAL_KINDS)
		return ARBOR_E_INVALID;
	if (!env->parent)
		return ARBOR_E_DENIED;
	pthread_mutex_lock(&signals_lock);
	if (!env->parent_signals) {
		env->parent_signals = calloc(1, sizeof(*env->parent_signals));
		if (!env->parent_signals) {
			err = -ENOMEM;
			goto out;
		}
	}
	ps = &env->parent_signals->kinds[which];
	if (!ps->handler.cap) {
		ps->env = env;
		ps->which = which;
		err = arbor_signal_handler_init(&ps->handler, env->ep, signalled);
		if (err)
			goto out;
		err = arbor_parent_sigh(env->parent, which, ps->handler.cap);
		if (err) {
			arbor_signal_handler_fini(&ps->handler);
			goto out;
		}
	}
	*out = ps;
out:
	pthread_mutex_unlock(&signals_lock);
	return err;
}

int arbor_parent_signal_handle(struct arbor_env *env, unsigned which, arbor_parent_signal_fn fn)
{
	struct parent_signal *ps;
	int err = context(env, which, &ps);

	if (!err)
		ps->fn = fn;
	return err;
}

int arbor_parent_signal_register(struct arbor_env *env, unsigned which)
{
	struct parent_signal *ps;

	return context(env, which, &ps);
}

int arbor_parent_signal_wait(struct arbor_env *env, unsigned which, int timeout_ms)
{
	struct parent_signal *ps;
	struct pollfd pfd;
	uint64_t count;
	int err = context(env, which, &ps);

	if (err)
		return err;
	pfd = (struct pollfd){ .fd = arbor_cap_fd(ps->handler.cap), .events = POLLIN };
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return ARBOR_E_AGAIN;
	if (read(pfd.fd, &count, sizeof(count)) != sizeof(count))
		return ARBOR_E_AGAIN;      /* the entrypoint took it first */
	if (ps->fn)
		arbor_signal_submit(ps->handler.cap, count);
	return 0;
}

static void heartbeat(struct arbor_env *env, unsigned which)
{
	arbor_parent_heartbeat_response(env->parent);
}

int arbor_parent_heartbeat_enable(struct arbor_env *env)
{
	return arbor_parent_signal_handle(env, ARBOR_SIGNAL_HEARTBEAT, heartbeat);
}
