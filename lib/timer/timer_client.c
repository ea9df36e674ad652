/* Client side of the Timer session: one RPC per operation, and sleeps built on them. */
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <timer/timer_client.h>

/* How long a sleeper waits for its signal before it asks the server whether it is still there. */
#define SLEEP_SLICE_MS 1000

int timer_connection_open(struct arbor_env *env, struct timer_connection *t, const char *label)
{
	memset(t, 0, sizeof(*t));
	t->env = env;
	return arbor_connection_open(env, &t->conn, ARBOR_TIMER_SERVICE, label,
	                             ARBOR_TIMER_SESSION_RAM, ARBOR_TIMER_SESSION_CAPS, NULL);
}

void timer_connection_close(struct timer_connection *t)
{
	if (t->env)
		arbor_connection_close(t->env, &t->conn);
	arbor_cap_unref(t->sigh);
	arbor_cap_unref(t->sleep_sigh);
	memset(t, 0, sizeof(*t));
}

static int call(struct timer_connection *t, uint32_t op, const void *args, size_t size,
                struct arbor_cap *const caps[], unsigned ncaps, void *out, size_t out_size)
{
	int err = arbor_rpc_call_out(t->conn.cap, op, args, size, caps, ncaps, out, out_size);

	return err < 0 ? err : 0;
}

static int register_sigh(struct timer_connection *t, struct arbor_cap *sigh)
{
	return call(t, ARBOR_TIMER_SIGH, NULL, 0, &sigh, 1, NULL, 0);
}

int timer_sigh(struct timer_connection *t, struct arbor_cap *sigh)
{
	int err = register_sigh(t, sigh);

	if (!err) {
		arbor_cap_unref(t->sigh);
		t->sigh = arbor_cap_ref(sigh);
	}
	return err;
}

static int trigger(struct timer_connection *t, uint32_t op, uint64_t us)
{
	struct arbor_timer_trigger_args a = { .us = us };

	return call(t, op, &a, sizeof(a), NULL, 0, NULL, 0);
}

int timer_trigger_once(struct timer_connection *t, uint64_t us)
{
	return trigger(t, ARBOR_TIMER_TRIGGER_ONCE, us);
}

int timer_trigger_periodic(struct timer_connection *t, uint64_t us)
{
	return trigger(t, ARBOR_TIMER_TRIGGER_PERIODIC, us);
}

static int elapsed(struct timer_connection *t, uint32_t op, uint64_t *value)
{
	struct arbor_timer_elapsed e = { 0 };
	int err = call(t, op, NULL, 0, NULL, 0, &e, sizeof(e));

	*value = err ? 0 : e.value;
	return err;
}

int timer_elapsed_ms(struct timer_connection *t, uint64_t *ms)
{
	return elapsed(t, ARBOR_TIMER_ELAPSED_MS, ms);
}

int timer_elapsed_us(struct timer_connection *t, uint64_t *us)
{
	return elapsed(t, ARBOR_TIMER_ELAPSED_US, us);
}

/* The private context: an eventfd nobody's entrypoint watches, so only the sleeper reads it. */
static int sleep_context(struct timer_connection *t)
{
	int fd;

	if (t->sleep_sigh)
		return 0;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return arbor_cap_from_fd(fd, ARBOR_CAP_SIGNAL, &t->sleep_sigh);
}

/*
 * Wait for the context's signal, at most timeout_ms, and consume it. The
 * caller consults the session's clock afterwards in any case: an early
 * return (a timeout, EINTR) only costs it one more trigger.
 */
static void wait_signal(struct arbor_cap *context, int timeout_ms)
{
	struct pollfd pfd = { .fd = arbor_cap_fd(context), .events = POLLIN };
	uint64_t count;
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) > 0) {
		n = read(pfd.fd, &count, sizeof(count));
		(void)n;                         /* EAGAIN: consumed already, nothing to do */
	}
}

static void drain(struct arbor_cap *context)
{
	uint64_t count;
	ssize_t n = read(arbor_cap_fd(context), &count, sizeof(count));

	(void)n;                                 /* EAGAIN: nothing was pending */
}

int timer_usleep(struct timer_connection *t, uint64_t us)
{
	uint64_t now, until;
	int err, restored;

	if (us > ARBOR_TIMER_TIMEOUT_MAX_US)
		return ARBOR_E_INVALID;
	err = sleep_context(t);
	if (!err)
		err = register_sigh(t, t->sleep_sigh);
	if (!err)
		err = timer_elapsed_us(t, &now);
	if (err)
		return err;
	until = now + us;
	drain(t->sleep_sigh);
	/* a signal of a timeout this one replaced may still arrive: the clock decides */
	while (now < until) {
		err = timer_trigger_once(t, until - now);
		if (err)
			break;
		/* the signal ends the wait; the slice only notices a timer that went away */
		wait_signal(t->sleep_sigh, SLEEP_SLICE_MS);
		err = timer_elapsed_us(t, &now);
		if (err)
			break;
	}
	restored = register_sigh(t, t->sigh);
	return err ? err : restored;
}

int timer_msleep(struct timer_connection *t, uint64_t ms)
{
	if (ms > ARBOR_TIMER_TIMEOUT_MAX_US / 1000)
		return ARBOR_E_INVALID;
	return timer_usleep(t, ms * 1000);
}
