/*
 * The timer's only contact with the kernel's clock: CLOCK_MONOTONIC and one
 * timerfd armed for an absolute deadline. Every errno of the timer server
 * is read here.
 */
#ifndef TIMER_SOURCE_H
#define TIMER_SOURCE_H

#include <stdint.h>

/* Microseconds of CLOCK_MONOTONIC (never 0, never decreasing). */
uint64_t timer_source_now_us(void);

/* A non-blocking, close-on-exec timerfd on CLOCK_MONOTONIC: the fd, or a negative errno. */
int timer_source_open(void);

/* Fire once at the absolute time deadline_us (in the past: at once). Returns 0 or a negative errno. */
int timer_source_arm(int fd, uint64_t deadline_us);

/* Stop the pending expiry. Returns 0 or a negative errno. */
int timer_source_disarm(int fd);

/* Consume the expiry count so that the fd stops being readable. */
void timer_source_ack(int fd);

void timer_source_close(int fd);

#endif
