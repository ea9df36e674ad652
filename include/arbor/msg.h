/*
 * RPC messages: an opcode (calls) or a status (replies), a bounded payload
 * and up to four capabilities. On the wire a message is one SOCK_SEQPACKET
 * record: a 12-byte header (the message type: call, reply or clone request;
 * the word; one kind byte per cap slot), the payload, and the capabilities'
 * fds in one SCM_RIGHTS block, in slot order.
 */
#ifndef ARBOR_MSG_H
#define ARBOR_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/cap.h>

#define ARBOR_MSG_SIZE_MAX     4096u   /* header + payload, one page */
#define ARBOR_MSG_HEADER_SIZE  12u
#define ARBOR_MSG_PAYLOAD_MAX  (ARBOR_MSG_SIZE_MAX - ARBOR_MSG_HEADER_SIZE)
#define ARBOR_MSG_CAPS_MAX     4u

struct arbor_msg {
	int32_t  word;                          /* opcode of a call, status of a reply */
	uint32_t size;                          /* payload bytes in use */
	unsigned ncaps;                         /* slots in use, 0..ARBOR_MSG_CAPS_MAX */
	struct arbor_cap *caps[ARBOR_MSG_CAPS_MAX]; /* owned by the message; NULL = invalid cap */
	unsigned char payload[ARBOR_MSG_PAYLOAD_MAX] __attribute__((aligned(8)));
};

/* An empty message (no payload, no caps). */
void arbor_msg_init(struct arbor_msg *msg);

/*
 * Take capability i out of msg: the caller owns the returned reference and
 * the slot is left NULL. Returns NULL for an empty or invalid slot.
 */
struct arbor_cap *arbor_msg_take_cap(struct arbor_msg *msg, unsigned i);

/* Give the message a reference to cap in the next slot (ARBOR_E_TOO_LARGE when full). */
int arbor_msg_add_cap(struct arbor_msg *msg, struct arbor_cap *cap);

/* Drop every capability the message still owns. */
void arbor_msg_release(struct arbor_msg *msg);

#endif
