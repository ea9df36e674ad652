/*
 * The dummy's sleeps: <sleep ms/> pauses the action list on a timerfd the
 * entrypoint watches, so that the component keeps serving (and answering
 * heartbeats) meanwhile; <sleep_forever/> blocks the entrypoint for good.
 */
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <arbor/entrypoint.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "dummy.h"

static struct arbor_io timer = { .fd = -1 };

static void timer_fired(struct arbor_io *io, uint32_t events)
{
	uint64_t expirations;

	/* a stale wake-up (nothing read) is not the end of the sleep */
	if (read(io->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	dummy_resume();
}

static int timer_arm(struct arbor_env *env, uint64_t ms)
{
	struct itimerspec when = { .it_value = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 } };
	int err;

	if (timer.fd < 0) {
		timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (timer.fd < 0)
			return -errno;
		timer.fn = timer_fired;
		err = arbor_io_watch(env->ep, &timer, EPOLLIN);
		if (err) {
			close(timer.fd);
			timer.fd = -1;
			return err;
		}
	}
	return timerfd_settime(timer.fd, 0, &when, NULL) < 0 ? -errno : 0;
}

enum dummy_step dummy_sleep(struct arbor_env *env, const struct xml_node *node)
{
	uint64_t ms;
	int err;

	if (xml_attr_u64(node, "ms", 100, &ms)) {
		arbor_error("<sleep>: ms=\"%s\" is not a number", xml_attr(node, "ms"));
		return DUMMY_NEXT;
	}
	if (!ms)
		return DUMMY_NEXT;
	err = timer_arm(env, ms);
	if (err) {
		arbor_error("<sleep>: no timer: %s", arbor_strerror(err));
		return DUMMY_NEXT;
	}
	return DUMMY_WAIT;
}

void dummy_sleep_forever(void)
{
	/* as in Genode: how a test makes a component stop answering heartbeats */
	for (;;)
		pause();
}
