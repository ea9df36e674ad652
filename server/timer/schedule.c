/* One timerfd for all pending timeouts, armed for the earliest (see schedule.h). */
#include <sys/epoll.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/util.h>
#include "schedule.h"
#include "timer_source.h"

/* Point the timerfd at the earliest deadline, or stop it. */
static void rearm(struct schedule *s)
{
	struct deadline_entry *first = deadline_heap_first(&s->heap);
	int err = 0;

	if (first && first->deadline != s->armed_for) {
		err = timer_source_arm(s->io.fd, first->deadline);
		s->armed_for = err ? 0 : first->deadline;
	} else if (!first && s->armed_for) {
		err = timer_source_disarm(s->io.fd);
		s->armed_for = 0;
	}
	if (err)
		arbor_error("timer: cannot set the timerfd: %s", arbor_strerror(err));
}

static void fired(struct arbor_io *io, uint32_t events)
{
	struct schedule *s = container_of(io, struct schedule, io);
	struct deadline_entry *first;
	uint64_t now = timer_source_now_us();

	timer_source_ack(io->fd);
	s->armed_for = 0;
	/* expired() re-queues only for deadlines after now, so this ends */
	while ((first = deadline_heap_first(&s->heap)) && first->deadline <= now) {
		struct schedule_entry *e = container_of(first, struct schedule_entry, deadline);
		deadline_heap_remove(&s->heap, first);
		e->expired(e, now);
	}
	rearm(s);
}

int schedule_init(struct schedule *s, struct arbor_ep *ep)
{
	int fd = timer_source_open(), err;

	deadline_heap_init(&s->heap);
	s->armed_for = 0;
	if (fd < 0)
		return fd;
	s->io.fd = fd;
	s->io.fn = fired;
	err = arbor_io_watch(ep, &s->io, EPOLLIN);
	if (err) {
		timer_source_close(fd);
		s->io.fd = -1;
	}
	return err;
}

void schedule_fini(struct schedule *s)
{
	arbor_io_unwatch(&s->io);
	timer_source_close(s->io.fd);
	s->io.fd = -1;
	deadline_heap_fini(&s->heap);
}

int schedule_reserve(struct schedule *s, unsigned entries)
{
	return deadline_heap_reserve(&s->heap, entries);
}

void schedule_entry_init(struct schedule_entry *e, schedule_expired_fn expired)
{
	deadline_heap_entry_init(&e->deadline);
	e->expired = expired;
}

void schedule_set(struct schedule *s, struct schedule_entry *e, uint64_t deadline_us)
{
	/* every owner reserved its slot, so this cannot fail; if it did, say so loudly */
	int err = deadline_heap_set(&s->heap, &e->deadline, deadline_us);

	if (err)
		arbor_error("timer: schedule full despite reservation: %s", arbor_strerror(err));
	rearm(s);
}

void schedule_cancel(struct schedule *s, struct schedule_entry *e)
{
	deadline_heap_remove(&s->heap, &e->deadline);
	rearm(s);
}
