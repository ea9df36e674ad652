/*
 * The timer's schedule: every session's pending timeout in one deadline
 * heap, served by one timerfd armed for the earliest deadline. One fd for
 * all sessions instead of one each: a session already costs the server its
 * door and connection fds, and the heap keeps the schedule in plain,
 * unit-tested code (deadline_heap.c).
 */
#ifndef TIMER_SCHEDULE_H
#define TIMER_SCHEDULE_H

#include <stdint.h>
#include <arbor/entrypoint.h>
#include "deadline_heap.h"

struct schedule_entry;

/*
 * The entry's deadline passed (it is no longer queued); now_us is the time
 * the timer noticed. The callback may queue the entry again, for a
 * deadline after now_us.
 */
typedef void (*schedule_expired_fn)(struct schedule_entry *e, uint64_t now_us);

/* Embed in the owner and recover it with container_of() in the callback. */
struct schedule_entry {
	struct deadline_entry deadline;   /* private */
	schedule_expired_fn expired;
};

struct schedule {
	struct deadline_heap heap;
	struct arbor_io io;               /* the timerfd, watched by the entrypoint */
	uint64_t armed_for;               /* the deadline the timerfd is set to; 0: disarmed */
};

/* Open the timerfd and watch it on ep. Returns 0 or a negative errno. */
int schedule_init(struct schedule *s, struct arbor_ep *ep);
void schedule_fini(struct schedule *s);

/*
 * Room for entries queued at once: reserve one per owner before it can
 * queue, so that schedule_set() never fails. Returns 0 or -ENOMEM.
 */
int schedule_reserve(struct schedule *s, unsigned entries);

void schedule_entry_init(struct schedule_entry *e, schedule_expired_fn expired);

/* Queue e for the absolute time deadline_us (timer_source_now_us()), replacing its old deadline. */
void schedule_set(struct schedule *s, struct schedule_entry *e, uint64_t deadline_us);

/* Take e out of the schedule; a no-op when it is not queued. */
void schedule_cancel(struct schedule *s, struct schedule_entry *e);

#endif
