/*
 * block_file's asynchronous file I/O without io_uring (the sandbox denies
 * it, see doc/architecture.md "Block I/O without io_uring"): the path
 * io_uring itself takes for buffered files. A read or write is first tried
 * on the entrypoint with RWF_NOWAIT, which the kernel completes at once
 * from the page cache or refuses with EAGAIN; what would block (and every
 * SYNC and TRIM) goes to a small pool of worker threads, whose completions
 * come back to the entrypoint through an eventfd. Requests therefore
 * complete out of order: cached ones at once, the others as the disk
 * answers. Completions reach the owner in batches (one wake-up for all the
 * workers finished meanwhile, IO_READY_BATCH for those done inline), so
 * that the acks they become go out together.
 */
#ifndef BLOCK_FILE_IO_H
#define BLOCK_FILE_IO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <arbor/entrypoint.h>

#define IO_WORKERS_DEFAULT 4u
#define IO_WORKERS_MAX     16u

/*
 * A read this large goes to an idle worker even when the page cache holds
 * it: copying it takes long enough (100 us per MiB) that several CPUs
 * copying at once beat one, and the entrypoint stays free for the acks.
 */
#define IO_PARALLEL_MIN    (256u * 1024)

/*
 * Requests done inline are completed in batches of this many, the rest of
 * a round's together after it: a client with 32 in flight gets the first
 * half's acks (one wake-up) and submits again while this thread reads the
 * second half. Completing each at once woke the client per ack (on a busy
 * machine it then preempted this thread each time); completing a whole
 * round at once left the two taking turns. Measured on random 4 KiB reads
 * at depth 32: 8, 12 and 16 beat 1, 24 and a whole round by up to 2x.
 */
#define IO_READY_BATCH     16u

enum io_op { IO_READ, IO_WRITE, IO_SYNC, IO_TRIM };

struct io_request;

/* Runs on the entrypoint when a request the pool took is done (r->result set). */
typedef void (*io_done_fn)(struct io_request *r);

struct io_request {
	enum io_op op;
	int fd;                      /* borrowed: stays open until the request is done */
	void *buf;                   /* READ/WRITE: len bytes */
	size_t len;                  /* READ/WRITE/TRIM */
	uint64_t offset;
	int result;                  /* 0 or a negative errno (-EIO for short transfers) */
	io_done_fn done;
	void *priv;                  /* the owner's */
	struct io_request *next;     /* private: queue links */
};

/* How requests went: for the benchmarks' breakdown (block_file's stats="yes"). */
struct io_stats {
	uint64_t inline_done;        /* completed on the entrypoint with RWF_NOWAIT */
	uint64_t inline_partial;     /* RWF_NOWAIT moved part of it; the pool did the rest */
	uint64_t queued;             /* went to the pool */
	uint64_t parallel;           /* of those, large reads the cache held (IO_PARALLEL_MIN) */
	uint64_t wakeups;            /* completion batches the entrypoint took */
};

struct io_pool {
	struct arbor_io done_io;     /* eventfd: workers -> entrypoint */
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct io_request *waiting, **waiting_tail;   /* queued for a worker, not started */
	struct io_request *done, **done_tail;
	struct io_request *ready, **ready_tail;   /* done inline: the entrypoint's alone */
	struct io_request *running;  /* taken by a worker, not yet done */
	pthread_cond_t finished;     /* a worker finished one (for io_cancel()) */
	unsigned nready;
	pthread_t threads[IO_WORKERS_MAX];
	unsigned nthreads;
	unsigned idle;               /* workers waiting for work (a hint outside the lock) */
	unsigned pending;            /* requests waiting (likewise) */
	int stopping;
	int nowait_write;            /* 0 once the file system refused RWF_NOWAIT for writes */
	struct io_stats stats;
};

/*
 * Start `workers` threads and watch their completions on ep. Returns 0,
 * -ENOMEM, -EMFILE or the error of creating a thread (after stopping those
 * already started).
 */
int io_pool_init(struct io_pool *p, struct arbor_ep *ep, unsigned workers);

/* Stop the workers after what they hold; completions not yet delivered are dropped. */
void io_pool_fini(struct io_pool *p);

/*
 * Start r (on the entrypoint). r->done runs on the entrypoint: for what the
 * page cache held, with a batch of IO_READY_BATCH (inside the io_submit()
 * call that fills it, which may be this one) or after the current event;
 * for the rest, when a worker is done. r and its buffer must stay valid
 * until then.
 */
void io_submit(struct io_pool *p, struct io_request *r);

/*
 * Finish with the requests for which match(r, arg) is true, before
 * returning: those the pool has not started complete with -ECANCELED,
 * those a worker runs are waited for, and every completion the entrypoint
 * has not delivered yet (these and others) is delivered from inside this
 * call. For a closing session, so that its memory can go back with the
 * close's answer instead of staying with the server.
 */
void io_cancel(struct io_pool *p, int (*match)(const struct io_request *r, void *arg),
               void *arg);

#endif
