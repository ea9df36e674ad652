/*
 * Arbor's wire format spoken by hand, for hostile tests: every byte and fd
 * of a message is the caller's choice, nothing is validated, and replies
 * are awaited with a deadline so a server that drops a message never hangs
 * the test.
 *
 * A message is one SOCK_SEQPACKET record: a 12-byte header {uint32 type;
 * int32 word; uint8 kinds[4]} + payload, the fds in one SCM_RIGHTS block.
 * The type says call, reply, clone request or grant. A door accepts only a
 * clone request: type clone, kinds {2,0,0,0}, one SOCK_SEQPACKET socket, no
 * payload; the server answers through that socket with a grant carrying
 * one end of a connection it made; calls then go over that connection.
 */
#ifndef ARBOR_TEST_RAW_WIRE_H
#define ARBOR_TEST_RAW_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Passed as the word to raw_wire_send_msg(): send a clone request instead of a call. */
#define RAW_WIRE_CLONE       ((int32_t)0x80000000)
#define RAW_WIRE_HEADER_SIZE 12u

/* The message types of the header (lib/base/internal.h). */
#define RAW_TYPE_CALL   0x41524331u
#define RAW_TYPE_REPLY  0x41525231u
#define RAW_TYPE_CLONE  0x41524e31u
#define RAW_TYPE_GRANT  0x41524731u
#define RAW_WIRE_FDS_MAX     253u    /* SCM_MAX_FD: the most one message can carry */

struct raw_wire_header {
	uint32_t type;
	int32_t word;
	uint8_t kinds[4];
};

/*
 * Send len bytes and nfds fds (borrowed) as one record. Never blocks,
 * never raises SIGPIPE. Returns 0 or a negative errno.
 */
int raw_wire_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds);

/* Send a header (word, kinds) + payload with fds. Returns 0 or a negative errno. */
int raw_wire_send_msg(int sock, int32_t word, const uint8_t kinds[4], const void *payload,
                 size_t size, const int *fds, unsigned nfds);

/*
 * Mint a private connection through door: one end of a scratch socketpair
 * goes in a clone request, the grant comes back on the other within 2 s.
 * Returns 0 and *conn (owned by the caller), or a negative errno (the door
 * refused the send, the server refused the request, or no grant came).
 */
int raw_wire_clone(int door, int *conn);

enum raw_outcome {
	RAW_REPLY = 0,      /* a reply arrived: *status holds its word */
	RAW_CLOSED,         /* the peer closed the connection */
	RAW_SILENT,         /* nothing within the deadline (message dropped or ignored) */
	RAW_ERROR,          /* receiving failed otherwise */
};

struct raw_reply {
	int32_t status;
	size_t size;        /* payload bytes */
	unsigned nfds;      /* fds that came with it (closed already) */
	unsigned char payload[4096];
};

/*
 * Wait up to ms for one record on conn. Received fds are closed.
 * reply may be NULL.
 */
enum raw_outcome raw_wire_await(int conn, int ms, struct raw_reply *reply);

/* One call on a connection: send, then await. */
enum raw_outcome raw_wire_call(int conn, int32_t opcode, const void *payload, size_t size, int ms,
                          struct raw_reply *reply);

/* "reply status -38", "connection closed by server", ... into buf. */
const char *raw_wire_outcome_text(enum raw_outcome o, const struct raw_reply *reply, char *buf,
                             size_t size);

/* Open fds among 0..4095 (fcntl F_GETFD). */
unsigned raw_wire_count_fds(void);

#endif
