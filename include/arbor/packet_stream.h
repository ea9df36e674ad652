/*
 * Packet streams: the bulk data path of Block, File_system and Nic. One
 * shared dataspace holds a header, a submit ring, an ack ring and a bulk
 * buffer. The source allocates bulk space, fills it and submits a
 * descriptor; the sink processes it and acknowledges; the source takes the
 * ack and frees the space. Each side signals the other only on transitions:
 * packet_avail (submit ring empty -> non-empty), ready_to_submit (submit
 * ring full -> not full), ack_avail (ack ring empty -> non-empty),
 * ready_to_ack (ack ring full -> not full).
 *
 * The peer is untrusted: each side keeps its own copy of the geometry,
 * copies every descriptor out of the shared ring before looking at it, and
 * validates ring indices and every descriptor against the bulk bounds.
 */
#ifndef ARBOR_PACKET_STREAM_H
#define ARBOR_PACKET_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/cap.h>

/* A descriptor: 64 bytes, one cache line. */
struct arbor_packet {
	uint64_t offset;    /* into the bulk buffer */
	uint32_t size;      /* bytes of bulk data */
	uint32_t op;        /* session-specific opcode */
	uint64_t tag;       /* chosen by the source, echoed in the ack */
	uint64_t arg[4];    /* session-specific (block number, handle, position...) */
	int32_t  result;    /* set by the sink: 0 or a negative error */
	uint32_t reserved;
};

struct arbor_ps_geometry {
	uint32_t submit_slots;   /* power of two, 2..65536; all of them usable */
	uint32_t ack_slots;      /* power of two, 2..65536 */
	uint64_t bulk_size;      /* bytes, multiple of 64, at least 64 */
};

/* Bytes of dataspace a stream of geometry g needs (0 if g is invalid). */
size_t arbor_ps_size(const struct arbor_ps_geometry *g);

/*
 * Lay out an empty stream in mem (size bytes, from arbor_ps_size()). Done by
 * whoever allocates the dataspace. Returns 0 or ARBOR_E_INVALID.
 */
int arbor_ps_format(void *mem, size_t size, const struct arbor_ps_geometry *g);

struct arbor_ps_ring {     /* private: a side's view of one ring */
	struct arbor_packet *slots;
	uint32_t mask;
	_Atomic uint32_t *head;  /* producer's index, in shared memory */
	_Atomic uint32_t *tail;  /* consumer's index, in shared memory */
	uint32_t cached;         /* the index this side owns, never read back */
	uint32_t peer;           /* the peer's index as last read and validated */
};

struct arbor_ps_source {
	struct arbor_ps_geometry geo;
	unsigned char *bulk;
	struct arbor_ps_ring submit, ack;
	struct arbor_cap *packet_avail;     /* the sink's contexts (borrowed) */
	struct arbor_cap *ready_to_ack;
	uint64_t *alloc_map;                /* bulk allocator: bitmaps of 64-byte units */
	uint64_t units, outstanding;
	uint64_t alloc_hint;                /* first-fit starts here (rotating) */
	int broken;                         /* the peer corrupted the stream */
};

struct arbor_ps_sink {
	struct arbor_ps_geometry geo;
	unsigned char *bulk;
	struct arbor_ps_ring submit, ack;
	struct arbor_cap *ack_avail;        /* the source's contexts (borrowed) */
	struct arbor_cap *ready_to_submit;
	int broken;
};

/*
 * Attach a side to a formatted stream at mem. expect is the geometry this
 * side agreed to (it never trusts the header's copy). Signal caps may be
 * NULL (no signal is sent). Returns 0, ARBOR_E_INVALID (expect invalid,
 * mem not 64-byte aligned, size too small, header does not match expect,
 * ring indices inconsistent) or -ENOMEM. Each side is single-threaded: one
 * thread at a time may call the functions of a source (or of a sink).
 */
int arbor_ps_source_init(struct arbor_ps_source *src, void *mem, size_t size,
                         const struct arbor_ps_geometry *expect,
                         struct arbor_cap *packet_avail, struct arbor_cap *ready_to_ack);
void arbor_ps_source_fini(struct arbor_ps_source *src);

int arbor_ps_sink_init(struct arbor_ps_sink *sink, void *mem, size_t size,
                       const struct arbor_ps_geometry *expect,
                       struct arbor_cap *ack_avail, struct arbor_cap *ready_to_submit);

/*
 * Source: reserve size bytes of bulk buffer in pkt (offset, size; the other
 * fields are cleared). ARBOR_E_AGAIN when no free range is large enough,
 * ARBOR_E_TOO_LARGE when size exceeds the bulk buffer or 32 bits.
 */
int arbor_ps_alloc(struct arbor_ps_source *src, size_t size, struct arbor_packet *pkt);
/*
 * Source: give back the bulk space of a packet it allocated (after its ack,
 * or instead of submitting it). The whole allocation at pkt->offset is
 * freed, whatever pkt->size says; anything else is ignored.
 */
void arbor_ps_free(struct arbor_ps_source *src, const struct arbor_packet *pkt);
/* Source: the packet's bulk bytes. */
void *arbor_ps_source_content(struct arbor_ps_source *src, const struct arbor_packet *pkt);
/*
 * Source: submit; ARBOR_E_AGAIN when the submit ring is full,
 * ARBOR_E_INVALID when pkt is not an allocation of this source or is
 * already submitted, ARBOR_E_BAD_MESSAGE once the stream is broken.
 */
int arbor_ps_submit(struct arbor_ps_source *src, const struct arbor_packet *pkt);
/*
 * Source: take the next ack into *pkt; ARBOR_E_AGAIN when there is none,
 * ARBOR_E_BAD_MESSAGE when the sink corrupted the ring or the ack names
 * bulk space the source did not hand out, a packet not in flight (acked
 * twice) or a size beyond the allocation (the stream is then broken for
 * good). The sink may shrink size (a short read).
 */
int arbor_ps_get_ack(struct arbor_ps_source *src, struct arbor_packet *pkt);

/*
 * Sink: take the next submitted packet into *pkt; ARBOR_E_AGAIN when none,
 * ARBOR_E_BAD_MESSAGE when the descriptor lies outside the bulk buffer or
 * the ring indices are corrupt (the stream is then broken for good).
 */
int arbor_ps_get_packet(struct arbor_ps_sink *sink, struct arbor_packet *pkt);
/* Sink: the bulk bytes of a packet arbor_ps_get_packet() validated. */
void *arbor_ps_sink_content(struct arbor_ps_sink *sink, const struct arbor_packet *pkt);
/*
 * Sink: acknowledge; ARBOR_E_AGAIN when the ack ring is full,
 * ARBOR_E_BAD_MESSAGE once the stream is broken.
 */
int arbor_ps_ack(struct arbor_ps_sink *sink, const struct arbor_packet *pkt);

/* Free slots in the submit ring (source) / pending packets (sink). */
unsigned arbor_ps_submit_space(const struct arbor_ps_source *src);
unsigned arbor_ps_packets_pending(const struct arbor_ps_sink *sink);

#endif
