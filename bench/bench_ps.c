/*
 * Benchmark 5: packet stream bandwidth with 64 KiB packets. The producer
 * (CPU 0) memsets each packet into the bulk buffer and submits it; the
 * consumer (CPU 1) memcpys it out and acks. Both sides busy-poll their rings
 * with sched_yield() (no signal contexts). The stream (4 MiB bulk buffer)
 * lives in one memfd mapped twice, one mapping per side. Baseline:
 * base_memcpy, one thread copying the same bytes.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/packet_stream.h>
#include "bench.h"

#define CHUNK (64u * 1024u)

static const struct arbor_ps_geometry geometry = {
	.submit_slots = 64, .ack_slots = 64, .bulk_size = 4096u * 1024u,
};

struct consumer {
	struct arbor_ps_sink sink;
	long packets;      /* to consume in all, warm-up included */
	int cpu;
};

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	unsigned char *out = aligned_alloc(4096, CHUNK);
	struct arbor_packet pkt;

	if (!out)
		bench_die("aligned_alloc", -ENOMEM);
	bench_pin_or_die(c->cpu);
	for (long i = 0; i < c->packets; i++) {
		int ret;
		while ((ret = arbor_ps_get_packet(&c->sink, &pkt)) == ARBOR_E_AGAIN)
			sched_yield();
		bench_check("arbor_ps_get_packet", ret);
		if (pkt.size != CHUNK)
			bench_die("packet of the wrong size", -EBADMSG);
		memcpy(out, arbor_ps_sink_content(&c->sink, &pkt), CHUNK);
		if (out[CHUNK - 1] != (unsigned char)pkt.tag)
			bench_die("packet content", -EBADMSG);
		pkt.result = 0;
		while ((ret = arbor_ps_ack(&c->sink, &pkt)) == ARBOR_E_AGAIN)
			sched_yield();
		bench_check("arbor_ps_ack", ret);
	}
	free(out);
	return NULL;
}

/* Take every ack there is and free its space; returns how many. */
static long collect_acks(struct arbor_ps_source *src)
{
	struct arbor_packet pkt;
	long n = 0;
	int ret;

	while ((ret = arbor_ps_get_ack(src, &pkt)) == 0) {
		arbor_ps_free(src, &pkt);
		n++;
	}
	if (ret != ARBOR_E_AGAIN)
		bench_die("arbor_ps_get_ack", ret);
	return n;
}

/* Produce n packets (tags from *tag on) and wait for all their acks. */
static void produce(struct arbor_ps_source *src, long n, uint64_t *tag)
{
	long acked = 0;

	for (long sent = 0; sent < n; sent++) {
		struct arbor_packet pkt;
		int ret;

		memset(&pkt, 0, sizeof pkt);
		while ((ret = arbor_ps_alloc(src, CHUNK, &pkt)) == ARBOR_E_AGAIN) {
			long got = collect_acks(src);
			if (!got)
				sched_yield();
			acked += got;
		}
		bench_check("arbor_ps_alloc", ret);
		pkt.tag = (*tag)++;
		memset(arbor_ps_source_content(src, &pkt), (unsigned char)pkt.tag, CHUNK);
		while ((ret = arbor_ps_submit(src, &pkt)) == ARBOR_E_AGAIN)
			sched_yield();
		bench_check("arbor_ps_submit", ret);
		acked += collect_acks(src);
	}
	while (acked < n) {
		long got = collect_acks(src);
		if (!got)
			sched_yield();
		acked += got;
	}
}

static void *map_stream(int fd, size_t size)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		bench_die("mmap", -errno);
	return mem;
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 65536);   /* packets: 4 GiB by default */
	long warmup = n / 10 + 1;
	size_t size = arbor_ps_size(&geometry);

	if (!size)
		bench_die("arbor_ps_size", -EINVAL);
	int fd = memfd_create("bench_ps", MFD_CLOEXEC);
	if (fd < 0)
		bench_die("memfd_create", -errno);
	if (ftruncate(fd, (off_t)size) < 0)
		bench_die("ftruncate", -errno);
	void *source_mem = map_stream(fd, size), *sink_mem = map_stream(fd, size);
	close(fd);
	bench_check("arbor_ps_format", arbor_ps_format(source_mem, size, &geometry));

	struct arbor_ps_source src;
	struct consumer c = { .packets = warmup + n, .cpu = bench_cpus() > 1 ? 1 : 0 };
	bench_check("arbor_ps_source_init",
	            arbor_ps_source_init(&src, source_mem, size, &geometry, NULL, NULL));
	bench_check("arbor_ps_sink_init",
	            arbor_ps_sink_init(&c.sink, sink_mem, size, &geometry, NULL, NULL));

	bench_pin_or_die(0);
	pthread_t thread;
	int err = pthread_create(&thread, NULL, consumer_main, &c);
	if (err)
		bench_die("pthread_create", -err);

	uint64_t tag = 0;
	produce(&src, warmup, &tag);
	uint64_t start = bench_now_ns();
	produce(&src, n, &tag);
	uint64_t elapsed = bench_now_ns() - start;

	pthread_join(thread, NULL);
	arbor_ps_source_fini(&src);
	double mib = (double)n * CHUNK / (1024.0 * 1024.0);
	bench_report("result", mib / ((double)elapsed / 1e9), "MiB/s");
	return 0;
}
