/*
 * Escape attempts on shared resources: the host's process table (fork and
 * thread bombs) and its memory (allocating past the RAM quota, huge
 * mappings, locked memory). Each runs in a forked child; the limits must
 * stop it there while the suite and its siblings carry on.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "escape.h"

#define BOMB_MAX 4096          /* processes or threads past which the limit is missing */
#define MIB (1ull << 20)

/* Fork until fork fails; then kill and reap the bomb's processes. */
static void fork_bomb(struct verdict *v)
{
	static pid_t kids[BOMB_MAX];
	unsigned n = 0;
	int err = 0;

	while (n < BOMB_MAX) {
		pid_t pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n++] = pid;
	}
	for (unsigned i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (unsigned i = 0; i < n; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	if (!err)
		verdict_escaped(v, "%u processes forked without hitting a limit", n);
	else
		verdict_denied(v, "%s after %u processes, all killed again", verdict_errno_name(err), n);
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* Threads count against the same pids limit; the child's exit ends them all. */
static void thread_bomb(struct verdict *v)
{
	pthread_attr_t attr;
	unsigned n = 0;
	int err = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	while (n < BOMB_MAX) {
		pthread_t t;
		err = pthread_create(&t, &attr, sleeper, NULL);
		if (err)
			break;
		n++;
	}
	pthread_attr_destroy(&attr);
	if (!err)
		verdict_escaped(v, "%u threads created without hitting a limit", n);
	else
		verdict_denied(v, "%s after %u threads", verdict_errno_name(err), n);
}

/* malloc and touch 1 MiB at a time until malloc fails or the kernel kills us. */
static void ram_hog(struct verdict *v)
{
	uint64_t total = 0;

	while (total < ESCAPE_MEM_CAP) {
		char *p = malloc(MIB);
		if (!p) {
			verdict_denied(v, "malloc failed (ENOMEM) after %llu MiB",
			               (unsigned long long)(total / MIB));
			return;
		}
		memset(p, 0xa5, MIB);
		total += MIB;
		*escape_progress = total;
	}
	verdict_escaped(v, "allocated and touched %llu MiB, far past the RAM quota",
	                (unsigned long long)(total / MIB));
}

static void map_huge(struct verdict *v)
{
	size_t size = 1ull << 40;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		verdict_denied(v, "%s", verdict_errno_name(errno));
		return;
	}
	munmap(p, size);
	verdict_escaped(v, "1 TiB of committed private memory was mapped");
}

/* MAP_NORESERVE skips the commit check: touching the pages must still be stopped. */
static void map_noreserve_touch(struct verdict *v)
{
	size_t size = 1ull << 40;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		verdict_denied(v, "%s", verdict_errno_name(errno));
		return;
	}
	for (uint64_t off = 0; off < ESCAPE_MEM_CAP; off += 4096) {
		p[off] = 1;
		if (!(off % MIB))
			*escape_progress = off + 4096;
	}
	verdict_escaped(v, "mapped 1 TiB and touched %llu MiB of it",
	                (unsigned long long)(ESCAPE_MEM_CAP / MIB));
}

/* Locked memory bypasses reclaim: the lock limit must be small. */
static void lock_memory(struct verdict *v)
{
	size_t size = 256 * MIB;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		verdict_denied(v, "mmap %s", verdict_errno_name(errno));
		return;
	}
	if (mlock(p, size) == 0) {
		verdict_escaped(v, "locked 256 MiB");
		return;
	}
	int e1 = errno;
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
		verdict_escaped(v, "mlockall succeeded with 256 MiB mapped");
		return;
	}
	verdict_denied(v, "mlock %s, mlockall %s", verdict_errno_name(e1), verdict_errno_name(errno));
}

const struct attempt escape_resource_attempts[] = {
	{ "fork bomb (fork in a loop)", fork_bomb, ATTEMPT_FORKED },
	{ "thread bomb (pthread_create in a loop)", thread_bomb, ATTEMPT_FORKED },
	{ "allocate past the RAM quota (malloc + touch)", ram_hog, ATTEMPT_FORKED },
	{ "mmap 1 TiB", map_huge, ATTEMPT_FORKED },
	{ "mmap 1 TiB MAP_NORESERVE and touch it", map_noreserve_touch, ATTEMPT_FORKED },
	{ "mlock 256 MiB", lock_memory, ATTEMPT_FORKED },
	{ NULL, NULL, 0 },
};
