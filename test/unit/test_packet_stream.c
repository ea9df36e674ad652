/* Unit test of packet streams (lib/base/packet_stream.c): hostile peers, two-thread stress. */

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arbor/error.h>
#include <arbor/packet_stream.h>
#include <arbor/signal.h>
#include "tap.h"

/* The shared layout documented at the top of packet_stream.c. */
#define L_SUBMIT_HEAD 64
#define L_SUBMIT_TAIL 128
#define L_ACK_HEAD    192
#define L_ACK_TAIL    256
#define L_RINGS       320


/*
 * Stand-in for lib/base's signal submission: the caps are fake pointers
 * into sig_ctx, and each submission is counted per context.
 */
enum { SIG_PACKET_AVAIL, SIG_READY_TO_ACK, SIG_ACK_AVAIL, SIG_READY_TO_SUBMIT, SIG_N };
static _Alignas(64) unsigned char sig_ctx[SIG_N][64];
static _Atomic unsigned sig_count[SIG_N];
static _Atomic unsigned sig_bogus;

/* For the signalled stress: each side sleeps on one semaphore. */
enum { SIDE_SOURCE, SIDE_SINK };
static sem_t side_sem[2];
static _Atomic int side_sem_on;

int arbor_signal_submit(struct arbor_cap *context, uint64_t count)
{
	int i;

	for (i = 0; i < SIG_N; i++) {
		if ((void *)context == (void *)sig_ctx[i] && count == 1) {
			sig_count[i]++;
			if (side_sem_on)
				sem_post(&side_sem[i == SIG_PACKET_AVAIL || i == SIG_READY_TO_ACK ?
				                   SIDE_SINK : SIDE_SOURCE]);
			return 0;
		}
	}
	sig_bogus++;
	return ARBOR_E_INVALID_CAP;
}

static struct arbor_cap *sig_cap(int i)
{
	return (struct arbor_cap *)(void *)sig_ctx[i];
}

static void sig_reset(void)
{
	int i;

	for (i = 0; i < SIG_N; i++)
		sig_count[i] = 0;
}

struct stream {
	struct arbor_ps_geometry geo;
	void *mem;
	size_t size;
	struct arbor_ps_source src;
	struct arbor_ps_sink sink;
};

/* Format a fresh stream and attach both sides (with or without signal caps). */
static int stream_open(struct stream *s, uint32_t submit, uint32_t ack, uint64_t bulk,
                       int with_signals)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->geo.submit_slots = submit;
	s->geo.ack_slots = ack;
	s->geo.bulk_size = bulk;
	s->size = arbor_ps_size(&s->geo);
	if (!s->size)
		return ARBOR_E_INVALID;
	s->mem = aligned_alloc(64, (s->size + 63) & ~(size_t)63);
	if (!s->mem)
		return -ENOMEM;
	err = arbor_ps_format(s->mem, s->size, &s->geo);
	if (!err)
		err = arbor_ps_source_init(&s->src, s->mem, s->size, &s->geo,
		                           with_signals ? sig_cap(SIG_PACKET_AVAIL) : NULL,
		                           with_signals ? sig_cap(SIG_READY_TO_ACK) : NULL);
	if (!err)
		err = arbor_ps_sink_init(&s->sink, s->mem, s->size, &s->geo,
		                         with_signals ? sig_cap(SIG_ACK_AVAIL) : NULL,
		                         with_signals ? sig_cap(SIG_READY_TO_SUBMIT) : NULL);
	return err;
}

static void stream_close(struct stream *s)
{
	arbor_ps_source_fini(&s->src);
	free(s->mem);
	s->mem = NULL;
}

static _Atomic uint32_t *shared_index(struct stream *s, size_t off)
{
	return (_Atomic uint32_t *)(void *)((char *)s->mem + off);
}

static struct arbor_packet *submit_slot(struct stream *s, uint32_t i)
{
	return (struct arbor_packet *)(void *)((char *)s->mem + L_RINGS) +
	       (i & (s->geo.submit_slots - 1));
}

static struct arbor_packet *ack_slot(struct stream *s, uint32_t i)
{
	return (struct arbor_packet *)(void *)((char *)s->mem + L_RINGS) + s->geo.submit_slots +
	       (i & (s->geo.ack_slots - 1));
}

/* A hostile source writes a descriptor straight into the submit ring. */
static void hostile_submit(struct stream *s, const struct arbor_packet *pkt)
{
	_Atomic uint32_t *head = shared_index(s, L_SUBMIT_HEAD);
	uint32_t h = atomic_load(head);

	*submit_slot(s, h) = *pkt;
	atomic_store(head, h + 1);
}

/* A hostile sink writes an ack straight into the ack ring. */
static void hostile_ack(struct stream *s, const struct arbor_packet *pkt)
{
	_Atomic uint32_t *head = shared_index(s, L_ACK_HEAD);
	uint32_t h = atomic_load(head);

	*ack_slot(s, h) = *pkt;
	atomic_store(head, h + 1);
}

static void test_geometry(void)
{
	struct arbor_ps_geometry g = { 8, 4, 4096 }, bad;
	struct arbor_ps_source src;
	struct arbor_ps_sink sink;
	size_t size = arbor_ps_size(&g);
	void *mem = aligned_alloc(64, 8192);
	int i;

	ok(size == L_RINGS + 12 * 64 + 4096, "size of 8/4/4096 stream");
	bad = g; bad.submit_slots = 1;
	ok(!arbor_ps_size(&bad), "1 slot is invalid");
	bad = g; bad.submit_slots = 6;
	ok(!arbor_ps_size(&bad), "slots not a power of two are invalid");
	bad = g; bad.ack_slots = 131072;
	ok(!arbor_ps_size(&bad), "more than 65536 slots are invalid");
	bad = g; bad.bulk_size = 0;
	ok(!arbor_ps_size(&bad), "empty bulk buffer is invalid");
	bad = g; bad.bulk_size = 100;
	ok(!arbor_ps_size(&bad), "bulk not a multiple of 64 is invalid");
	bad = g; bad.bulk_size = UINT64_MAX - 63;
	ok(!arbor_ps_size(&bad), "overflowing size is invalid");

	is_err(arbor_ps_format(mem, size - 1, &g), ARBOR_E_INVALID, "format: too small");
	is_err(arbor_ps_format((char *)mem + 8, size, &g), ARBOR_E_INVALID, "format: misaligned");
	bad = g; bad.ack_slots = 3;
	is_err(arbor_ps_format(mem, size, &bad), ARBOR_E_INVALID, "format: invalid geometry");
	is_err(arbor_ps_format(mem, size, &g), 0, "format");

	bad = g; bad.submit_slots = 16;
	is_err(arbor_ps_source_init(&src, mem, 8192, &bad, NULL, NULL), ARBOR_E_INVALID,
	       "source: submit_slots mismatch");
	bad = g; bad.ack_slots = 8;
	is_err(arbor_ps_sink_init(&sink, mem, 8192, &bad, NULL, NULL), ARBOR_E_INVALID,
	       "sink: ack_slots mismatch");
	bad = g; bad.bulk_size = 2048;
	is_err(arbor_ps_sink_init(&sink, mem, 8192, &bad, NULL, NULL), ARBOR_E_INVALID,
	       "sink: bulk_size mismatch (smaller)");
	bad = g; bad.bulk_size = 8192;
	is_err(arbor_ps_source_init(&src, mem, 1 << 20, &bad, NULL, NULL), ARBOR_E_INVALID,
	       "source: bulk_size mismatch (larger)");
	is_err(arbor_ps_sink_init(&sink, mem, size - 64, &g, NULL, NULL), ARBOR_E_INVALID,
	       "sink: mapping smaller than the geometry");
	ok(src.bulk == NULL && src.alloc_map == NULL, "failed init leaves the source cleared");

	((unsigned char *)mem)[0] ^= 1;
	is_err(arbor_ps_sink_init(&sink, mem, size, &g, NULL, NULL), ARBOR_E_INVALID,
	       "bad magic refused");
	((unsigned char *)mem)[0] ^= 1;
	((uint32_t *)mem)[1] = 99;
	is_err(arbor_ps_source_init(&src, mem, size, &g, NULL, NULL), ARBOR_E_INVALID,
	       "bad version refused");
	is_err(arbor_ps_format(mem, size, &g), 0, "reformat");
	atomic_store((_Atomic uint32_t *)(void *)((char *)mem + L_SUBMIT_HEAD), 9);
	is_err(arbor_ps_sink_init(&sink, mem, size, &g, NULL, NULL), ARBOR_E_INVALID,
	       "inconsistent indices at attach refused");
	is_err(arbor_ps_format(mem, size, &g), 0, "reformat");
	is_err(arbor_ps_source_init(&src, mem, size, &g, NULL, NULL), 0, "source init");
	is_err(arbor_ps_sink_init(&sink, mem, size, &g, NULL, NULL), 0, "sink init");

	/* The header copy is never consulted again: scribbling on it changes nothing. */
	memset(mem, 0xff, 64);
	for (i = 0; i < 3; i++) {
		struct arbor_packet p, q;

		if (arbor_ps_alloc(&src, 4096, &p) || arbor_ps_submit(&src, &p) ||
		    arbor_ps_get_packet(&sink, &q) || arbor_ps_ack(&sink, &q) ||
		    arbor_ps_get_ack(&src, &q))
			break;
		arbor_ps_free(&src, &q);
	}
	ok(i == 3, "scribbled header after attach has no effect");
	arbor_ps_source_fini(&src);
	free(mem);
}

static void test_round_trip(void)
{
	struct stream s;
	struct arbor_packet p, q, a;
	unsigned char *c, *d;
	int i, same = 1;

	is_err(stream_open(&s, 8, 8, 4096, 0), 0, "open 8/8/4096");
	is_err(arbor_ps_alloc(&s.src, 100, &p), 0, "alloc 100 bytes");
	ok(p.offset % 64 == 0 && p.size == 100 && s.src.outstanding == 1, "allocation aligned");
	c = arbor_ps_source_content(&s.src, &p);
	for (i = 0; i < 100; i++)
		c[i] = (unsigned char)(i * 7);
	p.op = 3;
	p.tag = 0x1122334455667788ull;
	p.arg[0] = 11;
	p.arg[3] = 44;
	ok(arbor_ps_submit_space(&s.src) == 8, "8 slots free");
	is_err(arbor_ps_submit(&s.src, &p), 0, "submit");
	ok(arbor_ps_submit_space(&s.src) == 7 && arbor_ps_packets_pending(&s.sink) == 1,
	   "one slot used, one pending");

	is_err(arbor_ps_get_packet(&s.sink, &q), 0, "get_packet");
	ok(q.offset == p.offset && q.size == 100 && q.op == 3 && q.tag == p.tag &&
	   q.arg[0] == 11 && q.arg[3] == 44, "descriptor arrives intact");
	d = arbor_ps_sink_content(&s.sink, &q);
	for (i = 0; i < 100; i++)
		same &= d[i] == (unsigned char)(i * 7);
	ok(d && same, "content arrives intact");
	is_err(arbor_ps_get_packet(&s.sink, &a), ARBOR_E_AGAIN, "no second packet");
	ok(a.tag == 0 && a.size == 0, "output cleared on AGAIN");

	memset(d, 0xab, 50);
	q.result = -5;
	q.size = 50;             /* a short read */
	is_err(arbor_ps_ack(&s.sink, &q), 0, "ack");
	is_err(arbor_ps_get_ack(&s.src, &a), 0, "get_ack");
	c = arbor_ps_source_content(&s.src, &a);
	ok(a.tag == p.tag && a.result == -5 && a.size == 50 && c[0] == 0xab && c[49] == 0xab,
	   "ack carries tag, result, shrunk size and sink's content");
	is_err(arbor_ps_get_ack(&s.src, &a), ARBOR_E_AGAIN, "no second ack");
	arbor_ps_free(&s.src, &p);
	ok(s.src.outstanding == 0, "freed");
	is_err(arbor_ps_alloc(&s.src, 4096, &p), 0, "whole buffer free again");
	stream_close(&s);
}

static void test_full_and_signals(void)
{
	struct stream s;
	struct arbor_packet p[5], q;
	int i, err = 0;

	sig_reset();
	is_err(stream_open(&s, 4, 4, 4096, 1), 0, "open 4/4 with signals");
	for (i = 0; i < 5; i++)
		err |= arbor_ps_alloc(&s.src, 64, &p[i]);
	ok(!err, "alloc 5");
	is_err(arbor_ps_submit(&s.src, &p[0]), 0, "submit into empty ring");
	ok(sig_count[SIG_PACKET_AVAIL] == 1, "empty -> non-empty signals packet_avail");
	for (i = 1; i < 4; i++)
		err |= arbor_ps_submit(&s.src, &p[i]);
	ok(!err && sig_count[SIG_PACKET_AVAIL] == 1, "further submits do not signal");
	is_err(arbor_ps_submit(&s.src, &p[4]), ARBOR_E_AGAIN, "full ring: AGAIN");
	ok(arbor_ps_submit_space(&s.src) == 0 && arbor_ps_packets_pending(&s.sink) == 4,
	   "no space, 4 pending");
	is_err(arbor_ps_submit(&s.src, &p[0]), ARBOR_E_INVALID, "submitting twice refused");

	is_err(arbor_ps_get_packet(&s.sink, &q), 0, "take from a full ring");
	ok(sig_count[SIG_READY_TO_SUBMIT] == 1, "full -> not full signals ready_to_submit");
	is_err(arbor_ps_submit(&s.src, &p[4]), 0, "submit after space appeared");
	ok(sig_count[SIG_PACKET_AVAIL] == 1, "submit into non-empty ring does not signal");
	for (i = 0; i < 4; i++)
		err |= arbor_ps_get_packet(&s.sink, &q) || q.tag != 0 ||
		       q.offset != p[i + 1].offset;
	ok(!err, "the rest arrive in order");
	ok(sig_count[SIG_READY_TO_SUBMIT] == 2, "each full -> not full transition signals once");
	is_err(arbor_ps_get_packet(&s.sink, &q), ARBOR_E_AGAIN, "drained");
	ok(sig_count[SIG_READY_TO_SUBMIT] == 2 && sig_count[SIG_PACKET_AVAIL] == 1,
	   "AGAIN does not signal");

	/* The ack ring: four acks fill it. */
	for (i = 0; i < 4; i++) {
		q = p[i];
		err |= arbor_ps_ack(&s.sink, &q);
	}
	ok(!err && sig_count[SIG_ACK_AVAIL] == 1, "acks: one ack_avail for the first");
	q = p[4];
	is_err(arbor_ps_ack(&s.sink, &q), ARBOR_E_AGAIN, "full ack ring: AGAIN");
	is_err(arbor_ps_get_ack(&s.src, &q), 0, "take an ack from a full ring");
	ok(sig_count[SIG_READY_TO_ACK] == 1, "full -> not full signals ready_to_ack");
	arbor_ps_free(&s.src, &q);
	q = p[4];
	is_err(arbor_ps_ack(&s.sink, &q), 0, "ack the last one");
	ok(sig_count[SIG_ACK_AVAIL] == 1, "ack into non-empty ring does not signal");
	for (i = 0; i < 4; i++) {
		err |= arbor_ps_get_ack(&s.src, &q);
		arbor_ps_free(&s.src, &q);
	}
	ok(!err && s.src.outstanding == 0, "all acks taken, all space freed");
	ok(sig_count[SIG_READY_TO_ACK] == 2, "second full -> not full transition signalled");

	is_err(arbor_ps_alloc(&s.src, 64, &p[0]), 0, "alloc again");
	is_err(arbor_ps_submit(&s.src, &p[0]), 0, "submit into the drained ring");
	ok(sig_count[SIG_PACKET_AVAIL] == 2, "empty -> non-empty signals again");
	ok(sig_bogus == 0, "no signal to an unknown cap");
	stream_close(&s);
}

static void test_bad_descriptors(void)
{
	static const struct { uint64_t offset; uint32_t size; int want; const char *what; } c[] = {
		{ 4096 + 64, 0, ARBOR_E_BAD_MESSAGE, "offset past the bulk buffer" },
		{ 4096, 1, ARBOR_E_BAD_MESSAGE, "one byte past the end" },
		{ 4032, 128, ARBOR_E_BAD_MESSAGE, "size runs past the end" },
		{ 0, 4097, ARBOR_E_BAD_MESSAGE, "size larger than the bulk buffer" },
		{ UINT64_MAX - 10, 100, ARBOR_E_BAD_MESSAGE, "offset + size wraps around" },
		{ UINT64_MAX, UINT32_MAX, ARBOR_E_BAD_MESSAGE, "both maximal" },
		{ 4096, 0, 0, "empty packet at the very end is fine" },
		{ 0, 4096, 0, "the whole buffer is fine" },
		{ 7, 100, 0, "unaligned but inside is fine for the sink" },
	};
	struct stream s;
	struct arbor_packet p, q;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		stream_open(&s, 4, 4, 4096, 0);
		memset(&p, 0, sizeof(p));
		p.offset = c[i].offset;
		p.size = c[i].size;
		p.tag = 77;
		hostile_submit(&s, &p);
		is_err(arbor_ps_get_packet(&s.sink, &q), c[i].want, c[i].what);
		if (c[i].want) {
			ok(q.size == 0 && q.offset == 0, "bad descriptor not handed out");
			p.offset = 0;
			p.size = 64;
			hostile_submit(&s, &p);
			ok(arbor_ps_get_packet(&s.sink, &q) == ARBOR_E_BAD_MESSAGE &&
			   arbor_ps_ack(&s.sink, &p) == ARBOR_E_BAD_MESSAGE, "broken for good");
		} else {
			ok(arbor_ps_sink_content(&s.sink, &q) != NULL, "content of a valid packet");
		}
		stream_close(&s);
	}
	stream_open(&s, 4, 4, 4096, 0);
	memset(&q, 0, sizeof(q));
	q.offset = 4000;
	q.size = 200;
	ok(arbor_ps_sink_content(&s.sink, &q) == NULL, "sink_content re-checks bounds");
	ok(arbor_ps_source_content(&s.src, &q) == NULL, "source_content checks bounds");
	stream_close(&s);
}

static void test_bad_indices(void)
{
	struct stream s;
	struct arbor_packet p, q;

	/* Sink: head more than a ring ahead. */
	stream_open(&s, 4, 4, 4096, 1);
	atomic_store(shared_index(&s, L_SUBMIT_HEAD), 5);
	is_err(arbor_ps_get_packet(&s.sink, &q), ARBOR_E_BAD_MESSAGE, "head > tail + slots");
	is_err(arbor_ps_get_packet(&s.sink, &q), ARBOR_E_BAD_MESSAGE, "still broken");
	stream_close(&s);

	/* Sink: head far behind (wraps to a huge distance). */
	stream_open(&s, 4, 4, 4096, 1);
	atomic_store(shared_index(&s, L_SUBMIT_HEAD), UINT32_MAX);
	is_err(arbor_ps_get_packet(&s.sink, &q), ARBOR_E_BAD_MESSAGE, "head behind tail");
	stream_close(&s);

	/*
	 * With signal caps every operation re-reads the peer's index (the
	 * wake-up protocol needs it), so corruption shows at once; without
	 * caps it shows when the index is next needed (below).
	 */

	/* Sink: head moves backwards after it was seen. */
	stream_open(&s, 4, 4, 4096, 1);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	is_err(arbor_ps_get_packet(&s.sink, &q), 0, "first packet");
	atomic_store(shared_index(&s, L_SUBMIT_HEAD), 2);
	is_err(arbor_ps_get_packet(&s.sink, &q), ARBOR_E_BAD_MESSAGE, "head moved backwards");
	stream_close(&s);

	/* Source: tail beyond head. */
	stream_open(&s, 4, 4, 4096, 1);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	atomic_store(shared_index(&s, L_SUBMIT_TAIL), 3);
	arbor_ps_alloc(&s.src, 64, &p);
	is_err(arbor_ps_submit(&s.src, &p), ARBOR_E_BAD_MESSAGE, "tail beyond head");
	arbor_ps_alloc(&s.src, 64, &p);
	is_err(arbor_ps_submit(&s.src, &p), ARBOR_E_BAD_MESSAGE, "source broken for good");
	is_err(arbor_ps_get_ack(&s.src, &q), ARBOR_E_BAD_MESSAGE, "get_ack broken too");
	stream_close(&s);

	/* Source: tail moves backwards. */
	stream_open(&s, 4, 4, 4096, 1);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	arbor_ps_get_packet(&s.sink, &q);
	arbor_ps_get_packet(&s.sink, &q);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);    /* sees tail 2 */
	atomic_store(shared_index(&s, L_SUBMIT_TAIL), 1);
	arbor_ps_alloc(&s.src, 64, &p);
	is_err(arbor_ps_submit(&s.src, &p), ARBOR_E_BAD_MESSAGE, "tail moved backwards");
	stream_close(&s);

	/* Source: ack head too far ahead; sink: ack tail beyond its head. */
	stream_open(&s, 4, 4, 4096, 1);
	atomic_store(shared_index(&s, L_ACK_HEAD), 100);
	is_err(arbor_ps_get_ack(&s.src, &q), ARBOR_E_BAD_MESSAGE, "ack head > tail + slots");
	stream_close(&s);
	stream_open(&s, 4, 4, 4096, 1);
	atomic_store(shared_index(&s, L_ACK_TAIL), 2);
	memset(&q, 0, sizeof(q));
	is_err(arbor_ps_ack(&s.sink, &q), ARBOR_E_BAD_MESSAGE, "ack tail beyond ack head");
	is_err(arbor_ps_get_packet(&s.sink, &q), ARBOR_E_BAD_MESSAGE, "sink broken for good");
	stream_close(&s);

	/* Without caps: the stale head is only trusted up to what was seen. */
	stream_open(&s, 4, 4, 4096, 0);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	is_err(arbor_ps_get_packet(&s.sink, &q), 0, "no caps: first packet");
	atomic_store(shared_index(&s, L_SUBMIT_HEAD), 1);
	is_err(arbor_ps_get_packet(&s.sink, &q), 0, "no caps: second packet (seen before)");
	is_err(arbor_ps_get_packet(&s.sink, &q), ARBOR_E_BAD_MESSAGE,
	       "no caps: backwards head caught at the next reload");
	stream_close(&s);
	stream_open(&s, 2, 2, 4096, 0);
	atomic_store(shared_index(&s, L_SUBMIT_TAIL), 7);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	arbor_ps_alloc(&s.src, 64, &p);
	arbor_ps_submit(&s.src, &p);
	arbor_ps_alloc(&s.src, 64, &p);
	is_err(arbor_ps_submit(&s.src, &p), ARBOR_E_BAD_MESSAGE,
	       "no caps: bogus tail caught when the ring looks full");
	stream_close(&s);
}

static void test_bad_acks(void)
{
	struct stream s;
	struct arbor_packet p, q, a;
	int i;

	for (i = 0; i < 7; i++) {
		static const char *what[] = {
			"ack of never-allocated space", "ack at an unaligned offset",
			"ack inside an allocation", "ack of allocated but unsubmitted space",
			"ack larger than the allocation", "ack past the bulk buffer",
			"second ack of the same packet",
		};

		stream_open(&s, 4, 4, 4096, 0);
		arbor_ps_alloc(&s.src, 256, &p);    /* units 0..3 */
		arbor_ps_submit(&s.src, &p);
		arbor_ps_alloc(&s.src, 64, &a);     /* unit 4, never submitted */
		arbor_ps_get_packet(&s.sink, &q);
		q.offset = i == 0 ? 1024 : i == 1 ? 8 : i == 2 ? 64 : i == 3 ? a.offset :
		           i == 5 ? 8192 : p.offset;
		if (i == 4)
			q.size = 257 + 64;   /* would swallow unit 4 */
		arbor_ps_ack(&s.sink, &q);
		if (i == 6) {
			is_err(arbor_ps_get_ack(&s.src, &a), 0, "first ack is fine");
			arbor_ps_ack(&s.sink, &q);
		}
		is_err(arbor_ps_get_ack(&s.src, &a), ARBOR_E_BAD_MESSAGE, what[i]);
		if (i == 0)
			is_err(arbor_ps_get_ack(&s.src, &a), ARBOR_E_BAD_MESSAGE,
			       "source broken for good after a bad ack");
		stream_close(&s);
	}

	/* An ack of in-range size, forged straight into the ack ring, is accepted. */
	stream_open(&s, 4, 4, 4096, 0);
	arbor_ps_alloc(&s.src, 100, &p);
	arbor_ps_submit(&s.src, &p);
	q = p;
	q.size = 128;
	hostile_ack(&s, &q);
	is_err(arbor_ps_get_ack(&s.src, &a), 0, "ack rounded up to the allocation is fine");
	stream_close(&s);
}

static uint32_t rnd_state = 0x12345678;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void test_allocator(void)
{
	struct stream s;
	struct arbor_packet p[64], q, big;
	int order[64], i, j, err = 0, overlap = 0, bad = 0;
	unsigned live;

	stream_open(&s, 4, 4, 4096, 0);
	for (i = 0; i < 64; i++)
		err |= arbor_ps_alloc(&s.src, i % 2 ? 1 : 64, &p[i]);
	ok(!err && s.src.outstanding == 64, "64 one-unit allocations fill 4 KiB");
	is_err(arbor_ps_alloc(&s.src, 0, &q), ARBOR_E_AGAIN, "full: AGAIN");
	is_err(arbor_ps_alloc(&s.src, 4097, &q), ARBOR_E_TOO_LARGE, "larger than bulk");
	is_err(arbor_ps_alloc(&s.src, (size_t)1 << 33, &q), ARBOR_E_TOO_LARGE, "beyond 32 bits");
	for (i = 0; i < 64; i++)
		for (j = 0; j < i; j++)
			overlap |= p[i].offset == p[j].offset;
	ok(!overlap, "distinct offsets");

	q = p[5];
	q.offset += 8;
	arbor_ps_free(&s.src, &q);
	q.offset = 1 << 20;
	arbor_ps_free(&s.src, &q);
	ok(s.src.outstanding == 64, "freeing garbage is ignored");
	arbor_ps_submit(&s.src, &p[7]);
	arbor_ps_free(&s.src, &p[7]);
	ok(s.src.outstanding == 64, "freeing an in-flight packet is ignored");

	for (i = 0; i < 64; i++)
		order[i] = i;
	for (i = 63; i > 0; i--) {
		j = (int)(rnd() % (uint32_t)(i + 1));
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 64; i++)
		if (order[i] != 7)
			arbor_ps_free(&s.src, &p[order[i]]);
	ok(s.src.outstanding == 1, "freed in random order");
	is_err(arbor_ps_alloc(&s.src, 4096, &big), ARBOR_E_AGAIN, "in-flight unit blocks a full alloc");
	is_err(arbor_ps_get_packet(&s.sink, &q), 0, "sink takes it");
	is_err(arbor_ps_ack(&s.sink, &q), 0, "and acks it");
	is_err(arbor_ps_get_ack(&s.src, &q), 0, "source takes the ack");
	arbor_ps_free(&s.src, &q);
	is_err(arbor_ps_alloc(&s.src, 4096, &big), 0, "all space reusable after random frees");
	arbor_ps_free(&s.src, &big);

	/* Fragmentation: first fit needs a contiguous run. */
	for (i = 0; i < 4; i++)
		err |= arbor_ps_alloc(&s.src, 1024, &p[i]);
	arbor_ps_free(&s.src, &p[1]);
	arbor_ps_free(&s.src, &p[3]);
	is_err(arbor_ps_alloc(&s.src, 2048, &q), ARBOR_E_AGAIN, "no contiguous 2 KiB");
	is_err(arbor_ps_alloc(&s.src, 1024, &q), 0, "1 KiB fits a hole");
	ok(q.offset == 1024 || q.offset == 3072, "placed in a hole");
	arbor_ps_free(&s.src, &q);
	arbor_ps_free(&s.src, &p[0]);
	arbor_ps_free(&s.src, &p[2]);
	ok(!err && s.src.outstanding == 0, "fragmentation round done");
	stream_close(&s);

	/* Random alloc/free against a model: no overlap, no leak. */
	stream_open(&s, 4, 4, 64 * 1024, 0);
	{
		struct arbor_packet live_p[256];
		uint64_t lo, hi;
		unsigned n = 0, k, agains = 0;

		for (i = 0; i < 200000; i++) {
			if (n && (n == 256 || rnd() % 2)) {
				k = rnd() % n;
				arbor_ps_free(&s.src, &live_p[k]);
				live_p[k] = live_p[--n];
				continue;
			}
			err = arbor_ps_alloc(&s.src, rnd() % 2048, &q);
			if (err == ARBOR_E_AGAIN) {
				agains++;
				continue;
			}
			if (err) {
				bad++;
				continue;
			}
			lo = q.offset;
			hi = q.offset + (q.size ? q.size : 1);
			if (hi > 64 * 1024)
				bad++;
			for (k = 0; k < n; k++) {
				uint64_t l2 = live_p[k].offset;
				uint64_t h2 = l2 + (live_p[k].size ? live_p[k].size : 1);

				if (lo < h2 && l2 < hi)
					overlap++;
			}
			live_p[n++] = q;
		}
		live = n;
		ok(!overlap && !bad, "200000 random allocs/frees: no overlap, all in bounds");
		ok(s.src.outstanding == live, "outstanding matches the model");
		while (n)
			arbor_ps_free(&s.src, &live_p[--n]);
		printf("# %u allocations failed with AGAIN\n", agains);
	}
	is_err(arbor_ps_alloc(&s.src, 64 * 1024, &big), 0, "no leak: whole buffer again");
	stream_close(&s);
}

/*
 * Two-thread stress: the source and the sink each on their own thread.
 * Busy-polling (no signal caps) checks data and ordering; the signalled
 * run makes each side sleep on AGAIN until the other signals it, so a
 * lost wake-up shows as a timeout.
 */

#define STRESS_PATTERN 4096u
#define STRESS_WAIT_S  20

static unsigned char pattern[2 * STRESS_PATTERN];

static uint64_t checksum(const unsigned char *c, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

static size_t stress_size(uint64_t seq)
{
	/* Mostly small, sometimes large, sometimes empty. */
	uint64_t x = seq * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	return (x & 7) == 0 ? (size_t)(x >> 40) % STRESS_PATTERN : (size_t)(x >> 40) % 200;
}

struct stress {
	struct stream s;
	uint64_t packets;
	int signals;
	const char *failure;
	_Atomic int stop;
};

static void stress_fail(struct stress *st, const char *why)
{
	if (!atomic_exchange(&st->stop, 1)) {
		st->failure = why;
		/* Wake a side that sleeps so it sees stop. */
		sem_post(&side_sem[SIDE_SOURCE]);
		sem_post(&side_sem[SIDE_SINK]);
	}
}

/* Nothing to do: yield, or sleep until the peer signals. */
static void stress_wait(struct stress *st, int side)
{
	struct timespec until;

	if (!st->signals) {
		sched_yield();
		return;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STRESS_WAIT_S;
	while (sem_timedwait(&side_sem[side], &until)) {
		if (errno == ETIMEDOUT) {
			stress_fail(st, side == SIDE_SINK ? "sink: lost wake-up" : "source: lost wake-up");
			return;
		}
	}
}

static void *stress_sink(void *arg)
{
	struct stress *st = arg;
	struct arbor_packet p;
	uint64_t seq = 0;
	int pending = 0, err;

	while (seq < st->packets && !atomic_load_explicit(&st->stop, memory_order_relaxed)) {
		unsigned char *c;

		if (!pending) {
			err = arbor_ps_get_packet(&st->s.sink, &p);
			if (err == ARBOR_E_AGAIN) {
				stress_wait(st, SIDE_SINK);
				continue;
			}
			if (err) {
				stress_fail(st, "sink: get_packet failed");
				break;
			}
			c = arbor_ps_sink_content(&st->s.sink, &p);
			if (p.tag != seq || p.arg[0] != ~seq || p.size != stress_size(seq) || !c) {
				stress_fail(st, "sink: wrong sequence or size");
				break;
			}
			if (checksum(c, p.size) != p.arg[1] ||
			    memcmp(c, pattern + seq % STRESS_PATTERN, p.size)) {
				stress_fail(st, "sink: content corrupted");
				break;
			}
			/* Answer through the bulk buffer and a shrunk size. */
			if (p.size >= 8)
				memcpy(c, &seq, 8);
			p.size /= 2;
			p.result = (int32_t)(seq & 0xffff);
			pending = 1;
		}
		err = arbor_ps_ack(&st->s.sink, &p);
		if (err == ARBOR_E_AGAIN) {
			stress_wait(st, SIDE_SINK);
			continue;
		}
		if (err) {
			stress_fail(st, "sink: ack failed");
			break;
		}
		pending = 0;
		seq++;
	}
	return NULL;
}

static void stress_source(struct stress *st)
{
	struct arbor_packet p, a;
	uint64_t next = 0, acked = 0;
	int have = 0, err, progress;

	while (acked < st->packets && !atomic_load_explicit(&st->stop, memory_order_relaxed)) {
		progress = 0;
		while ((err = arbor_ps_get_ack(&st->s.src, &a)) == 0) {
			unsigned char *c = arbor_ps_source_content(&st->s.src, &a);
			size_t size = stress_size(acked);

			if (a.tag != acked || a.size != size / 2 ||
			    a.result != (int32_t)(acked & 0xffff) ||
			    (size >= 8 && memcmp(c, &acked, 8))) {
				stress_fail(st, "source: wrong ack");
				return;
			}
			arbor_ps_free(&st->s.src, &a);
			acked++;
			progress = 1;
		}
		if (err != ARBOR_E_AGAIN) {
			stress_fail(st, "source: get_ack failed");
			return;
		}
		while (next < st->packets) {
			if (!have) {
				size_t size = stress_size(next);
				unsigned char *c;

				/* AGAIN: all space is in flight, so an ack will come. */
				if (arbor_ps_alloc(&st->s.src, size, &p))
					break;
				c = arbor_ps_source_content(&st->s.src, &p);
				memcpy(c, pattern + next % STRESS_PATTERN, size);
				p.tag = next;
				p.arg[0] = ~next;
				p.arg[1] = checksum(c, size);
				have = 1;
			}
			err = arbor_ps_submit(&st->s.src, &p);
			if (err == ARBOR_E_AGAIN)
				break;
			if (err) {
				stress_fail(st, "source: submit failed");
				return;
			}
			have = 0;
			next++;
			progress = 1;
		}
		if (!progress)
			stress_wait(st, SIDE_SOURCE);
	}
}

static void stress_run(uint64_t packets, int signals, uint32_t slots, uint64_t bulk)
{
	static struct stress st;
	pthread_t t;

	memset(&st, 0, sizeof(st));
	st.packets = packets;
	st.signals = signals;
	sig_reset();
	sem_init(&side_sem[SIDE_SOURCE], 0, 0);
	sem_init(&side_sem[SIDE_SINK], 0, 0);
	side_sem_on = signals;
	is_err(stream_open(&st.s, slots, slots, bulk, signals), 0, "stress stream opened");
	ok(pthread_create(&t, NULL, stress_sink, &st) == 0, "sink thread started");
	stress_source(&st);
	pthread_join(t, NULL);
	ok(!st.failure, "%llu packets with sequence and checksum across two threads (%s)",
	   (unsigned long long)packets, signals ? "sleeping on signals" : "busy-polling");
	if (st.failure)
		printf("# %s\n", st.failure);
	ok(st.s.src.outstanding == 0, "everything freed after the stress");
	if (signals)
		printf("# signals: packet_avail %u ready_to_submit %u ack_avail %u ready_to_ack %u\n",
		       sig_count[SIG_PACKET_AVAIL], sig_count[SIG_READY_TO_SUBMIT],
		       sig_count[SIG_ACK_AVAIL], sig_count[SIG_READY_TO_ACK]);
	else
		ok(sig_count[SIG_PACKET_AVAIL] == 0 && sig_bogus == 0, "no signals without caps");
	side_sem_on = 0;
	stream_close(&st.s);
	sem_destroy(&side_sem[SIDE_SOURCE]);
	sem_destroy(&side_sem[SIDE_SINK]);
}

static void test_stress_threads(void)
{
	size_t i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(rnd() >> 7);
	stress_run(1000000, 0, 64, 64 * 1024);
	/* Signalled: once the bulk buffer runs out first, once the rings do. */
	stress_run(200000, 1, 64, 16 * 1024);
	stress_run(200000, 1, 2, 64 * 1024);
}

/* The same protocol across two processes over a shared mapping. */
static void test_two_processes(void)
{
	struct arbor_ps_geometry g = { 16, 16, 256 * 1024 };
	size_t size = arbor_ps_size(&g);
	struct arbor_ps_source src;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t next = 0, acked = 0, n = 20000;
	struct arbor_packet p, a;
	int status = -1, bad = 0, reaped = 0;
	pid_t pid;

	ok(mem != MAP_FAILED && !arbor_ps_format(mem, size, &g) &&
	   !arbor_ps_source_init(&src, mem, size, &g, NULL, NULL), "shared mapping formatted");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct arbor_ps_sink sink;
		uint64_t seq = 0;

		if (arbor_ps_sink_init(&sink, mem, size, &g, NULL, NULL))
			_exit(2);
		while (seq < n) {
			int err = arbor_ps_get_packet(&sink, &p);
			unsigned char *c;

			if (err == ARBOR_E_AGAIN) {
				sched_yield();
				continue;
			}
			c = arbor_ps_sink_content(&sink, &p);
			if (err || p.tag != seq || c[0] != (unsigned char)seq ||
			    c[p.size - 1] != (unsigned char)~seq)
				_exit(3);
			c[1] = 0x5a;
			while ((err = arbor_ps_ack(&sink, &p)) == ARBOR_E_AGAIN)
				sched_yield();
			if (err)
				_exit(4);
			seq++;
		}
		_exit(0);
	}
	while (pid > 0 && acked < n && !bad) {
		int progress = 0;

		while (arbor_ps_get_ack(&src, &a) == 0) {
			unsigned char *c = arbor_ps_source_content(&src, &a);

			bad |= a.tag != acked || c[1] != 0x5a;
			arbor_ps_free(&src, &a);
			acked++;
			progress = 1;
		}
		if (next < n && !arbor_ps_alloc(&src, 64 * 1024, &p)) {
			unsigned char *c = arbor_ps_source_content(&src, &p);

			c[0] = (unsigned char)next;
			c[p.size - 1] = (unsigned char)~next;
			p.tag = next;
			if (arbor_ps_submit(&src, &p) == 0) {
				next++;
				progress = 1;
			} else {
				arbor_ps_free(&src, &p);
			}
		}
		if (!progress) {
			/* A dead child must not leave us spinning. */
			if (waitpid(pid, &status, WNOHANG) == pid) {
				reaped = 1;
				break;
			}
			sched_yield();
		}
	}
	if (pid > 0 && !reaped)
		waitpid(pid, &status, 0);
	ok(pid > 0 && !bad && acked == n && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "20000 64 KiB packets between two processes");
	arbor_ps_source_fini(&src);
	munmap(mem, size);
}

int main(void)
{
	test_geometry();
	test_round_trip();
	test_full_and_signals();
	test_bad_descriptors();
	test_bad_indices();
	test_bad_acks();
	test_allocator();
	test_stress_threads();
	test_two_processes();
	return done_testing();
}
