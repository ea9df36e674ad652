/* Packet streams: two rings and a bulk buffer in a dataspace shared with an untrusted peer. */

/*
 * Shared layout (every offset a multiple of 64, mem itself 64-byte aligned):
 *
 *   0     header line: magic "ARPS", version, submit_slots, ack_slots,
 *         bulk_size (the copy in memory is only compared at attach time)
 *   64    submit head   _Atomic uint32_t, written by the source
 *   128   submit tail   _Atomic uint32_t, written by the sink
 *   192   ack head      _Atomic uint32_t, written by the sink
 *   256   ack tail      _Atomic uint32_t, written by the source
 *   320   submit ring   submit_slots descriptors of 64 bytes
 *   ...   ack ring      ack_slots descriptors of 64 bytes
 *   ...   bulk buffer   bulk_size bytes (64-byte aligned by construction)
 *
 * Each index sits alone on its cache line so that a side writing its own
 * index does not steal the line the other side keeps polling. Indices are
 * free-running counters (slot = index & mask); since the slot counts are
 * powers of two up to 2^16 they divide 2^32, so wrap-around needs no care
 * and all slots are usable (full is head - tail == slots).
 *
 * Trust: a side never re-reads the geometry, copies a descriptor out of
 * the ring before looking at it, and accepts a new peer index only if it
 * moved forward by at most what the ring allows; anything else marks the
 * side broken for good.
 *
 * Wake-ups: a producer publishes its head, issues a full fence and reads
 * the tail; a consumer publishes its tail, issues a full fence and reads
 * the head. Of any such pair at least one side sees the other's store, so
 * "ring was empty" (producer signals) and "ring was full" (consumer
 * signals) are never missed by both, and a side that got ARBOR_E_AGAIN may
 * sleep until the signal.
 */

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/error.h>
#include <arbor/packet_stream.h>
#include <arbor/signal.h>

#define PS_MAGIC    0x53505241u   /* "ARPS" little-endian */
#define PS_VERSION  1u
#define PS_UNIT     64u           /* bulk allocation granule = cache line */
#define PS_MAX_SLOTS 65536u

struct ps_shared {
	uint32_t magic;
	uint32_t version;
	uint32_t submit_slots;
	uint32_t ack_slots;
	uint64_t bulk_size;
	_Alignas(64) _Atomic uint32_t submit_head;
	_Alignas(64) _Atomic uint32_t submit_tail;
	_Alignas(64) _Atomic uint32_t ack_head;
	_Alignas(64) _Atomic uint32_t ack_tail;
	_Alignas(64) unsigned char rings[];
};

_Static_assert(sizeof(struct arbor_packet) == 64, "a descriptor is one cache line");
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t), "atomic index has no lock");
_Static_assert(offsetof(struct ps_shared, submit_tail) == 128, "layout");
_Static_assert(offsetof(struct ps_shared, rings) == 320, "layout");

/* Stops the compiler from re-reading shared memory instead of our copy. */
#define PS_COMPILER_BARRIER() atomic_signal_fence(memory_order_seq_cst)

static int ps_slots_valid(uint32_t n)
{
	return n >= 2 && n <= PS_MAX_SLOTS && (n & (n - 1)) == 0;
}

static int ps_geometry_valid(const struct arbor_ps_geometry *g)
{
	return g && ps_slots_valid(g->submit_slots) && ps_slots_valid(g->ack_slots) &&
	       g->bulk_size >= PS_UNIT && g->bulk_size % PS_UNIT == 0;
}

size_t arbor_ps_size(const struct arbor_ps_geometry *g)
{
	uint64_t rings, total;

	if (!ps_geometry_valid(g))
		return 0;
	rings = ((uint64_t)g->submit_slots + g->ack_slots) * sizeof(struct arbor_packet);
	total = sizeof(struct ps_shared) + rings;
	if (g->bulk_size > UINT64_MAX - total)
		return 0;
	total += g->bulk_size;
	if (total > SIZE_MAX)
		return 0;
	return (size_t)total;
}

int arbor_ps_format(void *mem, size_t size, const struct arbor_ps_geometry *g)
{
	struct ps_shared *sh = mem;
	size_t need = arbor_ps_size(g);
	size_t rings;

	if (!need || !mem || size < need || (uintptr_t)mem % 64)
		return ARBOR_E_INVALID;
	rings = ((size_t)g->submit_slots + g->ack_slots) * sizeof(struct arbor_packet);
	/* The bulk buffer is left alone: a fresh dataspace is zeroed anyway. */
	memset(sh, 0, sizeof(*sh) + rings);
	sh->magic = PS_MAGIC;
	sh->version = PS_VERSION;
	sh->submit_slots = g->submit_slots;
	sh->ack_slots = g->ack_slots;
	sh->bulk_size = g->bulk_size;
	atomic_store_explicit(&sh->submit_head, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->submit_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->ack_head, 0, memory_order_relaxed);
	atomic_store_explicit(&sh->ack_tail, 0, memory_order_release);
	return 0;
}

/*
 * Check mem against expect and return the shared header; the header's
 * geometry is copied once and only compared, never used.
 */
static int ps_attach(void *mem, size_t size, const struct arbor_ps_geometry *expect,
                     struct ps_shared **out)
{
	struct ps_shared *sh = mem;
	struct ps_shared hdr;
	size_t need = arbor_ps_size(expect);

	*out = NULL;
	if (!need || !mem || size < need || (uintptr_t)mem % 64)
		return ARBOR_E_INVALID;
	memcpy(&hdr, sh, offsetof(struct ps_shared, submit_head));
	PS_COMPILER_BARRIER();
	if (hdr.magic != PS_MAGIC || hdr.version != PS_VERSION ||
	    hdr.submit_slots != expect->submit_slots || hdr.ack_slots != expect->ack_slots ||
	    hdr.bulk_size != expect->bulk_size)
		return ARBOR_E_INVALID;
	*out = sh;
	return 0;
}

/*
 * Set up one ring view; own is the index this side writes. The peer may
 * have moved already (attach after the other side started), but the two
 * indices must describe a possible ring state.
 */
static int ps_ring_init(struct arbor_ps_ring *r, struct arbor_packet *slots, uint32_t n,
                        _Atomic uint32_t *head, _Atomic uint32_t *tail, int producer)
{
	uint32_t h = atomic_load_explicit(head, memory_order_acquire);
	uint32_t t = atomic_load_explicit(tail, memory_order_acquire);

	if (h - t > n)
		return ARBOR_E_INVALID;
	r->slots = slots;
	r->mask = n - 1;
	r->head = head;
	r->tail = tail;
	r->cached = producer ? h : t;
	r->peer = producer ? t : h;
	return 0;
}

/*
 * Producer side: reload the consumer's tail. It may only have moved
 * forward, and never past what we published.
 */
static int ps_reload_tail(struct arbor_ps_ring *r)
{
	uint32_t t = atomic_load_explicit(r->tail, memory_order_acquire);

	if (t - r->peer > r->cached - r->peer)
		return ARBOR_E_BAD_MESSAGE;
	r->peer = t;
	return 0;
}

/*
 * Consumer side: reload the producer's head. It may only have moved
 * forward, and never more than a ring's worth past our tail.
 */
static int ps_reload_head(struct arbor_ps_ring *r)
{
	uint32_t h = atomic_load_explicit(r->head, memory_order_acquire);
	uint32_t avail = h - r->cached;

	if (avail > r->mask + 1 || avail < r->peer - r->cached)
		return ARBOR_E_BAD_MESSAGE;
	r->peer = h;
	return 0;
}

static void ps_signal(struct arbor_cap *cap)
{
	if (cap)
		(void)arbor_signal_submit(cap, 1);
}

/* Publish pkt; wake the consumer when the ring was empty. */
static int ps_produce(struct arbor_ps_ring *r, const struct arbor_packet *pkt,
                      struct arbor_cap *wake)
{
	uint32_t head = r->cached;

	if (head - r->peer > r->mask) {
		/* Looks full from the cache: only now is the peer's line worth a read. */
		atomic_thread_fence(memory_order_seq_cst);
		if (ps_reload_tail(r) < 0)
			return ARBOR_E_BAD_MESSAGE;
		if (head - r->peer > r->mask)
			return ARBOR_E_AGAIN;
	}
	memcpy(&r->slots[head & r->mask], pkt, sizeof(*pkt));
	atomic_store_explicit(r->head, head + 1, memory_order_release);
	r->cached = head + 1;
	/* Without a context to signal, the fence and the reload buy nothing. */
	if (!wake)
		return 0;

	atomic_thread_fence(memory_order_seq_cst);
	if (ps_reload_tail(r) < 0)
		return ARBOR_E_BAD_MESSAGE;
	if (r->peer == head)
		ps_signal(wake);
	return 0;
}

/* Copy the next descriptor out; wake the producer when the ring was full. */
static int ps_consume(struct arbor_ps_ring *r, struct arbor_packet *out,
                      struct arbor_cap *wake)
{
	uint32_t tail = r->cached;

	if (r->peer == tail) {
		/* Orders our last tail store before this read (see the file comment). */
		atomic_thread_fence(memory_order_seq_cst);
		if (ps_reload_head(r) < 0)
			return ARBOR_E_BAD_MESSAGE;
		if (r->peer == tail)
			return ARBOR_E_AGAIN;
	}
	memcpy(out, &r->slots[tail & r->mask], sizeof(*out));
	PS_COMPILER_BARRIER();
	atomic_store_explicit(r->tail, tail + 1, memory_order_release);
	r->cached = tail + 1;
	if (!wake)
		return 0;

	atomic_thread_fence(memory_order_seq_cst);
	if (ps_reload_head(r) < 0)
		return ARBOR_E_BAD_MESSAGE;
	if (r->peer - tail == r->mask + 1)
		ps_signal(wake);
	return 0;
}

/* Bitmap helpers for the source's allocator. */

static int ps_bit(const uint64_t *map, uint64_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void ps_bits(uint64_t *map, uint64_t pos, uint64_t n, int on)
{
	while (n) {
		unsigned shift = pos % 64;
		uint64_t take = 64 - shift < n ? 64 - shift : n;
		uint64_t mask = (take == 64 ? ~0ull : (1ull << take) - 1) << shift;

		if (on)
			map[pos / 64] |= mask;
		else
			map[pos / 64] &= ~mask;
		pos += take;
		n -= take;
	}
}

/* First index in [pos, lim) whose bit equals want, or lim. */
static uint64_t ps_find(const uint64_t *map, uint64_t pos, uint64_t lim, int want)
{
	while (pos < lim) {
		uint64_t w = map[pos / 64];

		w = (want ? w : ~w) >> (pos % 64);
		if (w) {
			pos += (uint64_t)__builtin_ctzll(w);
			return pos < lim ? pos : lim;
		}
		pos = (pos | 63) + 1;
	}
	return lim;
}

/* The three bitmaps live in one allocation. */
static uint64_t *ps_used(struct arbor_ps_source *src)
{
	return src->alloc_map;
}

static uint64_t *ps_start(struct arbor_ps_source *src)
{
	return src->alloc_map + (src->units + 63) / 64;
}

static uint64_t *ps_inflight(struct arbor_ps_source *src)
{
	return src->alloc_map + 2 * ((src->units + 63) / 64);
}

/*
 * Allocations are not recorded by size: one ends where the used bits stop
 * or the next allocation starts. That lets the sink shrink size in an ack.
 */
static uint64_t ps_extent(struct arbor_ps_source *src, uint64_t unit)
{
	uint64_t end = ps_find(ps_used(src), unit + 1, src->units, 0);

	return ps_find(ps_start(src), unit + 1, end, 1) - unit;
}

/* The start unit of the allocation pkt names, or -1 (units < 2^58). */
static int64_t ps_alloc_unit(struct arbor_ps_source *src, const struct arbor_packet *pkt)
{
	uint64_t unit;

	if (pkt->offset % PS_UNIT || pkt->offset >= src->geo.bulk_size)
		return -1;
	unit = pkt->offset / PS_UNIT;
	if (!ps_bit(ps_start(src), unit))
		return -1;
	if (pkt->size > ps_extent(src, unit) * PS_UNIT)
		return -1;
	return (int64_t)unit;
}

int arbor_ps_source_init(struct arbor_ps_source *src, void *mem, size_t size,
                         const struct arbor_ps_geometry *expect,
                         struct arbor_cap *packet_avail, struct arbor_cap *ready_to_ack)
{
	struct ps_shared *sh;
	struct arbor_packet *rings;
	uint64_t words;
	int err;

	memset(src, 0, sizeof(*src));
	err = ps_attach(mem, size, expect, &sh);
	if (err)
		return err;
	src->geo = *expect;
	rings = (struct arbor_packet *)sh->rings;
	err = ps_ring_init(&src->submit, rings, expect->submit_slots,
	                   &sh->submit_head, &sh->submit_tail, 1);
	if (!err)
		err = ps_ring_init(&src->ack, rings + expect->submit_slots, expect->ack_slots,
		                   &sh->ack_head, &sh->ack_tail, 0);
	if (err)
		goto fail;
	src->bulk = (unsigned char *)(rings + expect->submit_slots + expect->ack_slots);
	src->units = expect->bulk_size / PS_UNIT;
	words = (src->units + 63) / 64;
	if (words > SIZE_MAX / (3 * sizeof(uint64_t))) {
		err = -ENOMEM;
		goto fail;
	}
	src->alloc_map = calloc((size_t)words * 3, sizeof(uint64_t));
	if (!src->alloc_map) {
		err = -ENOMEM;
		goto fail;
	}
	src->packet_avail = packet_avail;
	src->ready_to_ack = ready_to_ack;
	return 0;
fail:
	memset(src, 0, sizeof(*src));
	return err;
}

void arbor_ps_source_fini(struct arbor_ps_source *src)
{
	free(src->alloc_map);
	memset(src, 0, sizeof(*src));
}

int arbor_ps_sink_init(struct arbor_ps_sink *sink, void *mem, size_t size,
                       const struct arbor_ps_geometry *expect,
                       struct arbor_cap *ack_avail, struct arbor_cap *ready_to_submit)
{
	struct ps_shared *sh;
	struct arbor_packet *rings;
	int err;

	memset(sink, 0, sizeof(*sink));
	err = ps_attach(mem, size, expect, &sh);
	if (err)
		return err;
	rings = (struct arbor_packet *)sh->rings;
	err = ps_ring_init(&sink->submit, rings, expect->submit_slots,
	                   &sh->submit_head, &sh->submit_tail, 0);
	if (!err)
		err = ps_ring_init(&sink->ack, rings + expect->submit_slots, expect->ack_slots,
		                   &sh->ack_head, &sh->ack_tail, 1);
	if (err) {
		memset(sink, 0, sizeof(*sink));
		return err;
	}
	sink->geo = *expect;
	sink->bulk = (unsigned char *)(rings + expect->submit_slots + expect->ack_slots);
	sink->ack_avail = ack_avail;
	sink->ready_to_submit = ready_to_submit;
	return 0;
}

/* First fit over start positions [from, lim); a run may extend past lim. */
static uint64_t ps_first_fit(struct arbor_ps_source *src, uint64_t from, uint64_t lim,
                             uint64_t n)
{
	const uint64_t *used = ps_used(src);
	uint64_t pos = from;

	while (pos < lim) {
		uint64_t end;

		pos = ps_find(used, pos, lim, 0);
		if (pos >= lim || src->units - pos < n)
			break;
		end = ps_find(used, pos, pos + n, 1);
		if (end == pos + n)
			return pos;
		pos = end;
	}
	return UINT64_MAX;
}

int arbor_ps_alloc(struct arbor_ps_source *src, size_t size, struct arbor_packet *pkt)
{
	uint64_t n, pos;

	memset(pkt, 0, sizeof(*pkt));
	if (size > UINT32_MAX || size > src->geo.bulk_size)
		return ARBOR_E_TOO_LARGE;
	/* Even an empty packet takes a unit: its offset is what the ack names. */
	n = size ? (size + PS_UNIT - 1) / PS_UNIT : 1;
	pos = ps_first_fit(src, src->alloc_hint, src->units, n);
	if (pos == UINT64_MAX)
		pos = ps_first_fit(src, 0, src->alloc_hint, n);
	if (pos == UINT64_MAX)
		return ARBOR_E_AGAIN;
	ps_bits(ps_used(src), pos, n, 1);
	ps_bits(ps_start(src), pos, 1, 1);
	src->alloc_hint = pos + n < src->units ? pos + n : 0;
	src->outstanding++;
	pkt->offset = pos * PS_UNIT;
	pkt->size = (uint32_t)size;
	return 0;
}

void arbor_ps_free(struct arbor_ps_source *src, const struct arbor_packet *pkt)
{
	struct arbor_packet p = *pkt;
	int64_t unit;

	/* The size may have been shrunk by the sink; the allocation knows its end. */
	p.size = 0;
	unit = ps_alloc_unit(src, &p);
	/* Freeing space the sink still works on would hand it out twice. */
	if (unit < 0 || ps_bit(ps_inflight(src), (uint64_t)unit))
		return;
	ps_bits(ps_used(src), (uint64_t)unit, ps_extent(src, (uint64_t)unit), 0);
	ps_bits(ps_start(src), (uint64_t)unit, 1, 0);
	src->outstanding--;
}

void *arbor_ps_source_content(struct arbor_ps_source *src, const struct arbor_packet *pkt)
{
	if (pkt->offset > src->geo.bulk_size || pkt->size > src->geo.bulk_size - pkt->offset)
		return NULL;
	return src->bulk + pkt->offset;
}

int arbor_ps_submit(struct arbor_ps_source *src, const struct arbor_packet *pkt)
{
	int64_t unit;
	int err;

	if (src->broken)
		return ARBOR_E_BAD_MESSAGE;
	unit = ps_alloc_unit(src, pkt);
	if (unit < 0 || ps_bit(ps_inflight(src), (uint64_t)unit))
		return ARBOR_E_INVALID;
	err = ps_produce(&src->submit, pkt, src->packet_avail);
	if (err == ARBOR_E_AGAIN)
		return err;
	ps_bits(ps_inflight(src), (uint64_t)unit, 1, 1);
	if (err)
		src->broken = 1;
	return err;
}

int arbor_ps_get_ack(struct arbor_ps_source *src, struct arbor_packet *pkt)
{
	struct arbor_packet p;
	int64_t unit;
	int err;

	memset(pkt, 0, sizeof(*pkt));
	if (src->broken)
		return ARBOR_E_BAD_MESSAGE;
	err = ps_consume(&src->ack, &p, src->ready_to_ack);
	if (err == ARBOR_E_AGAIN)
		return err;
	if (err)
		goto broken;
	unit = ps_alloc_unit(src, &p);
	if (unit < 0 || !ps_bit(ps_inflight(src), (uint64_t)unit))
		goto broken;
	ps_bits(ps_inflight(src), (uint64_t)unit, 1, 0);
	*pkt = p;
	return 0;
broken:
	src->broken = 1;
	return ARBOR_E_BAD_MESSAGE;
}

int arbor_ps_get_packet(struct arbor_ps_sink *sink, struct arbor_packet *pkt)
{
	struct arbor_packet p;
	int err;

	memset(pkt, 0, sizeof(*pkt));
	if (sink->broken)
		return ARBOR_E_BAD_MESSAGE;
	err = ps_consume(&sink->submit, &p, sink->ready_to_submit);
	if (err == ARBOR_E_AGAIN)
		return err;
	if (err || p.offset > sink->geo.bulk_size || p.size > sink->geo.bulk_size - p.offset) {
		sink->broken = 1;
		return ARBOR_E_BAD_MESSAGE;
	}
	*pkt = p;
	return 0;
}

void *arbor_ps_sink_content(struct arbor_ps_sink *sink, const struct arbor_packet *pkt)
{
	/* Checked again: pkt is caller memory and may have been edited since. */
	if (pkt->offset > sink->geo.bulk_size || pkt->size > sink->geo.bulk_size - pkt->offset)
		return NULL;
	return sink->bulk + pkt->offset;
}

int arbor_ps_ack(struct arbor_ps_sink *sink, const struct arbor_packet *pkt)
{
	int err;

	if (sink->broken)
		return ARBOR_E_BAD_MESSAGE;
	err = ps_produce(&sink->ack, pkt, sink->ack_avail);
	if (err && err != ARBOR_E_AGAIN)
		sink->broken = 1;
	return err;
}

unsigned arbor_ps_submit_space(const struct arbor_ps_source *src)
{
	const struct arbor_ps_ring *r = &src->submit;
	uint32_t t;

	if (!r->tail)
		return 0;
	t = atomic_load_explicit(r->tail, memory_order_acquire);
	/* A bogus tail is not trusted here; the next submit will notice it. */
	if (t - r->peer > r->cached - r->peer)
		t = r->peer;
	return (unsigned)(r->mask + 1 - (r->cached - t));
}

unsigned arbor_ps_packets_pending(const struct arbor_ps_sink *sink)
{
	const struct arbor_ps_ring *r = &sink->submit;
	uint32_t h, avail;

	if (!r->head)
		return 0;
	h = atomic_load_explicit(r->head, memory_order_acquire);
	avail = h - r->cached;
	if (avail > r->mask + 1 || avail < r->peer - r->cached)
		avail = r->peer - r->cached;
	return (unsigned)avail;
}
