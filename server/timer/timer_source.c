/* CLOCK_MONOTONIC and the timerfd, wrapped once (see timer_source.h). */
#include <errno.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "timer_source.h"

uint64_t timer_source_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: 0 means "not armed" to the schedule, and no boot is that early anyway */
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u + 1;
}

int timer_source_open(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int timer_source_arm(int fd, uint64_t deadline_us)
{
	/* undo the +1 of timer_source_now_us(); an all-zero it_value would disarm */
	uint64_t clock_us = deadline_us > 1 ? deadline_us - 1 : 0;
	struct itimerspec its = {
		.it_value = { .tv_sec = (time_t)(clock_us / 1000000u),
		              .tv_nsec = (long)(clock_us % 1000000u) * 1000 },
	};

	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

int timer_source_disarm(int fd)
{
	struct itimerspec its = { 0 };

	return timerfd_settime(fd, 0, &its, NULL) < 0 ? -errno : 0;
}

void timer_source_ack(int fd)
{
	uint64_t expirations;
	/* EAGAIN: the fd was re-armed since it fired, there is nothing to consume */
	ssize_t n = read(fd, &expirations, sizeof(expirations));

	(void)n;
}

void timer_source_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
