/* block_file's file I/O: RWF_NOWAIT on the entrypoint first, a worker pool for the rest (io.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arbor/util.h>
#include "io.h"

/* A worker only calls pread/pwrite and friends: a small stack will do. */
#define IO_WORKER_STACK (64u * 1024)

/* ---- the blocking calls, each wrapped once ---- */

/* The whole transfer or -EIO: a short one means the image shrank under us. */
static int transfer(struct io_request *r)
{
	unsigned char *buf = r->buf;
	size_t left = r->len;
	uint64_t offset = r->offset;

	while (left) {
		ssize_t n = r->op == IO_READ ? pread(r->fd, buf, left, (off_t)offset)
		                             : pwrite(r->fd, buf, left, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		buf += n;
		offset += (uint64_t)n;
		left -= (size_t)n;
	}
	return 0;
}

static int run_blocking(struct io_request *r)
{
	switch (r->op) {
	case IO_READ:
	case IO_WRITE:
		return transfer(r);
	case IO_SYNC:
		return fdatasync(r->fd) ? -EIO : 0;
	case IO_TRIM:
		/* a hint: a file system that cannot punch holes keeps the bytes, which is allowed */
		if (!fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)r->offset,
		               (off_t)r->len))
			return 0;
		return errno == EOPNOTSUPP ? 0 : -EIO;
	}
	return -EIO;
}

/*
 * The page-cache attempt. Returns the bytes moved (r->len: done), or
 * -EAGAIN when the rest must go to the pool, or another negative errno.
 */
static ssize_t try_nowait(struct io_pool *p, struct io_request *r)
{
	struct iovec iov = { .iov_base = r->buf, .iov_len = r->len };
	ssize_t n;

	if (r->op == IO_WRITE && !p->nowait_write)
		return -EAGAIN;
	do
		n = r->op == IO_READ ? preadv2(r->fd, &iov, 1, (off_t)r->offset, RWF_NOWAIT)
		                     : pwritev2(r->fd, &iov, 1, (off_t)r->offset, RWF_NOWAIT);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EOPNOTSUPP) {
		/* this file system never completes a write without blocking: stop asking */
		if (r->op == IO_WRITE)
			p->nowait_write = 0;
		return -EAGAIN;
	}
	return errno == EAGAIN ? -EAGAIN : -EIO;
}

/* ---- the pool ---- */

static void wake_entrypoint(struct io_pool *p)
{
	uint64_t one = 1;

	(void)!write(p->done_io.fd, &one, sizeof(one));
}

static void unlink_running(struct io_pool *p, struct io_request *r)
{
	struct io_request **link = &p->running;

	while (*link != r)
		link = &(*link)->next;
	*link = r->next;
}

static int running_match(struct io_pool *p, int (*match)(const struct io_request *r, void *arg),
                         void *arg)
{
	for (struct io_request *r = p->running; r; r = r->next)
		if (match(r, arg))
			return 1;
	return 0;
}

static void *worker(void *arg)
{
	struct io_pool *p = arg;

	prctl(PR_SET_NAME, "block_file io");
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct io_request *r;
		int wake;

		while (!p->waiting && !p->stopping) {
			__atomic_add_fetch(&p->idle, 1, __ATOMIC_RELAXED);
			pthread_cond_wait(&p->work, &p->lock);
			__atomic_sub_fetch(&p->idle, 1, __ATOMIC_RELAXED);
		}
		if (p->stopping)
			break;
		r = p->waiting;
		p->waiting = r->next;
		if (!p->waiting)
			p->waiting_tail = &p->waiting;
		__atomic_sub_fetch(&p->pending, 1, __ATOMIC_RELAXED);
		r->next = p->running;
		p->running = r;
		pthread_mutex_unlock(&p->lock);

		r->result = run_blocking(r);

		pthread_mutex_lock(&p->lock);
		unlink_running(p, r);
		pthread_cond_broadcast(&p->finished);
		r->next = NULL;
		wake = !p->done;
		*p->done_tail = r;
		p->done_tail = &r->next;
		/* one wake-up per batch: the entrypoint takes the whole list */
		if (wake)
			wake_entrypoint(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void run_done(struct io_request *list)
{
	while (list) {
		struct io_request *r = list;

		list = r->next;
		r->done(r);
	}
}

/* Take the list of requests done inline. */
static struct io_request *take_ready(struct io_pool *p)
{
	struct io_request *list = p->ready;

	p->ready = NULL;
	p->ready_tail = &p->ready;
	p->nready = 0;
	return list;
}

static void completions(struct arbor_io *io, uint32_t events)
{
	struct io_pool *p = container_of(io, struct io_pool, done_io);
	struct io_request *ready = take_ready(p), *done;
	uint64_t count;

	(void)!read(io->fd, &count, sizeof(count));
	pthread_mutex_lock(&p->lock);
	done = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->lock);
	p->stats.wakeups++;
	run_done(ready);
	run_done(done);
}

/* Done on the entrypoint: r->done runs with a batch of others (IO_READY_BATCH). */
static void ready(struct io_pool *p, struct io_request *r)
{
	r->next = NULL;
	if (!p->ready)
		wake_entrypoint(p);
	*p->ready_tail = r;
	p->ready_tail = &r->next;
	if (++p->nready == IO_READY_BATCH)
		run_done(take_ready(p));
}

static void queue(struct io_pool *p, struct io_request *r)
{
	r->next = NULL;
	pthread_mutex_lock(&p->lock);
	*p->waiting_tail = r;
	p->waiting_tail = &r->next;
	__atomic_add_fetch(&p->pending, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	p->stats.queued++;
}

void io_submit(struct io_pool *p, struct io_request *r)
{
	ssize_t n;

	if (r->op == IO_SYNC || r->op == IO_TRIM || !r->len) {
		queue(p, r);
		return;
	}
	/* a worker nobody has work for yet copies it, while this thread goes on */
	if (r->op == IO_READ && r->len >= IO_PARALLEL_MIN &&
	    __atomic_load_n(&p->idle, __ATOMIC_RELAXED) >
	    __atomic_load_n(&p->pending, __ATOMIC_RELAXED)) {
		p->stats.parallel++;
		queue(p, r);
		return;
	}
	n = try_nowait(p, r);
	if (n == (ssize_t)r->len || (n < 0 && n != -EAGAIN)) {
		r->result = n < 0 ? (int)n : 0;
		p->stats.inline_done++;
		ready(p, r);
		return;
	}
	if (n > 0) {
		/* part of it was cached: the pool moves the rest */
		r->buf = (unsigned char *)r->buf + n;
		r->offset += (uint64_t)n;
		r->len -= (size_t)n;
		p->stats.inline_partial++;
	}
	queue(p, r);
}

void io_cancel(struct io_pool *p, int (*match)(const struct io_request *r, void *arg),
               void *arg)
{
	struct io_request **link, *done;

	pthread_mutex_lock(&p->lock);
	link = &p->waiting;
	while (*link) {
		struct io_request *r = *link;

		if (!match(r, arg)) {
			link = &r->next;
			continue;
		}
		*link = r->next;
		__atomic_sub_fetch(&p->pending, 1, __ATOMIC_RELAXED);
		r->result = -ECANCELED;
		r->next = NULL;
		*p->done_tail = r;
		p->done_tail = &r->next;
	}
	p->waiting_tail = link;
	/* a worker's pread or pwrite: bounded by the disk, not by a client */
	while (running_match(p, match, arg))
		pthread_cond_wait(&p->finished, &p->lock);
	done = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->lock);
	run_done(take_ready(p));
	run_done(done);
}

static void stop_workers(struct io_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->nthreads = 0;
}

int io_pool_init(struct io_pool *p, struct arbor_ep *ep, unsigned workers)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	memset(p, 0, sizeof(*p));
	p->waiting_tail = &p->waiting;
	p->done_tail = &p->done;
	p->ready_tail = &p->ready;
	p->nowait_write = 1;
	if (workers < 1)
		workers = 1;
	if (workers > IO_WORKERS_MAX)
		workers = IO_WORKERS_MAX;
	p->done_io.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->done_io.fd < 0)
		return errno == ENOMEM ? -ENOMEM : -EMFILE;
	p->done_io.fn = completions;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->finished, NULL);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, IO_WORKER_STACK);
	/* signals are the entrypoint's business */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = 0;
	while (p->nthreads < workers && !err) {
		err = -pthread_create(&p->threads[p->nthreads], &attr, worker, p);
		if (!err)
			p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (!err)
		err = arbor_io_watch(ep, &p->done_io, EPOLLIN);
	if (err) {
		stop_workers(p);
		close(p->done_io.fd);
		p->done_io.fd = -1;
	}
	return err;
}

void io_pool_fini(struct io_pool *p)
{
	if (p->done_io.fd < 0)
		return;
	stop_workers(p);
	arbor_io_unwatch(&p->done_io);
	close(p->done_io.fd);
	p->done_io.fd = -1;
}
