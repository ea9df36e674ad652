/*
 * The server side every Block server shares (lib/block, meson dep
 * block_server_dep): the root of the "Block" service, the session
 * arguments and the server's policy, the donation check, the INFO, TX and
 * TX_SIGH calls, and the packet stream. The library takes each packet,
 * validates it and acks bad ones itself (with the errors of
 * session/block.h); a good one reaches the backend as a struct
 * block_request, translated to device blocks. The backend completes each
 * request with block_request_complete(), at once or later, in any order.
 *
 * Everything here runs on the component's entrypoint; so must the
 * backend's calls into the library. A backend that works on other threads
 * (block_file) brings its completions back to the entrypoint first (an
 * eventfd watched with arbor_io_watch(), say).
 *
 * Lifetimes: a session the client closed (or that the library revoked
 * for a broken stream) lives on, invisible to the client, until the
 * backend completed every request it holds; their acks are dropped and
 * their data pointers stay valid until they complete.
 */
#ifndef BLOCK_BLOCK_SERVER_H
#define BLOCK_BLOCK_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/env.h>
#include <arbor/packet_stream.h>
#include <arbor/root.h>
#include <session/block.h>

struct block_session;

/* The device a server offers, in its own blocks. */
struct block_device_info {
	uint64_t block_count;
	uint32_t block_size;        /* a power of two, 512..65536 */
	int writeable;              /* 0: no session is ever writeable */
};

/*
 * What the server's policy grants one client (see block_backend.policy).
 * The client's offset/num_blocks arguments are relative to this region;
 * a view beyond it is denied, a writeable request narrowed to what the
 * policy and the device allow.
 */
struct block_policy {
	int writeable;              /* the client may write, if it asks */
	uint64_t first_block;       /* the region of the device the client may see */
	uint64_t block_count;       /* 0: from first_block to the device's end */
	/*
	 * A server of several devices (block_file: an image per policy, each
	 * with its own block size) names the client's device here: its
	 * geometry (NULL: the device of block_server_announce(); the region
	 * above is within this one) and the backend's handle for it, which
	 * block_session_device_priv() returns. Both must stay valid as long
	 * as a session may use them.
	 */
	const struct block_device_info *device;
	void *device_priv;
};

/*
 * A request handed to the backend. op is ARBOR_BLOCK_READ, _WRITE, _SYNC
 * or _TRIM; block and count are device blocks (the view's offset added;
 * a SYNC of count 0 has become the whole view). data is count *
 * block_size bytes of the client's bulk buffer for READ (fill it) and
 * WRITE (take it), NULL for SYNC and TRIM. The client can still write
 * the buffer while the request runs: a backend that needs stable data
 * (a checksum, a cache) copies it first.
 */
struct block_request {
	uint32_t op;
	uint64_t block;
	uint64_t count;
	void *data;
	size_t size;                    /* count * block_size, or 0 */
	struct block_session *session;
	void *backend_data;             /* free for the backend while it holds the request */
	/* private to lib/block */
	struct arbor_packet packet;     /* the client's descriptor, acked with the result */
	struct block_request *next;
};

struct block_backend {
	/*
	 * The policy for the client labeled label into *policy (cleared on
	 * entry). Returns 0, or ARBOR_E_DENIED after logging why (Genode's
	 * "no policy defined for label '...'", see policy_select()).
	 */
	int (*policy)(void *priv, const char *label, struct block_policy *policy);
	/*
	 * Take req (valid until block_request_complete()). Returns 0: the
	 * backend completes it, now or later; or ARBOR_E_AGAIN: it cannot take
	 * a request now, the library keeps req (and stops taking that
	 * session's packets) and offers it again after block_server_wakeup().
	 */
	int (*submit)(void *priv, struct block_request *req);
	/*
	 * Optional (NULL: not interested): the session's client closed it, or
	 * it was revoked. Requests it still has in the backend complete as
	 * usual, later or from inside this call: completing them here lets
	 * the session's memory go back with the close's answer, instead of
	 * the server keeping the client's donation. A write-back cache
	 * flushes here.
	 */
	void (*closed)(void *priv, struct block_session *s);
};

/* Embed; the fields are private to lib/block. */
struct block_server {
	struct arbor_env *env;
	struct block_device_info device;
	const struct block_backend *backend;
	void *priv;
	struct arbor_root root;
	struct block_session *sessions;
};

/*
 * Serve device with backend on env's entrypoint and announce the "Block"
 * service to the parent. srv must live as long as the component serves.
 * Session requests then run as follows: the backend's policy, the
 * arguments (tx_buf_size, offset, num_blocks, writeable; malformed ones
 * are denied), the donation (ARBOR_BLOCK_SESSION_COST plus the stream's
 * arbor_ps_size(), ARBOR_BLOCK_SESSION_COST_CAPS), the stream from the
 * component's PD. Returns 0, ARBOR_E_INVALID (device or backend
 * incomplete) or an error of arbor_root_announce().
 */
int block_server_announce(struct block_server *srv, struct arbor_env *env,
                          const struct block_device_info *device,
                          const struct block_backend *backend, void *priv);

/*
 * The backend can take requests again after it returned ARBOR_E_AGAIN:
 * the refused requests are offered again from the entrypoint soon (the
 * library never calls the backend from inside block_server_wakeup() or
 * block_request_complete()).
 */
void block_server_wakeup(struct block_server *srv);

/*
 * Complete req with result (0 or an error of session/block.h, -EIO for
 * a medium error). The ack reaches the client now, or once its ack ring
 * has room; for a closed session it is dropped. req is gone afterwards.
 */
void block_request_complete(struct block_request *req, int result);

/* The label of the session's client. */
const char *block_session_label(const struct block_session *s);

/* The backend's handle for the session's device (block_policy.device_priv). */
void *block_session_device_priv(const struct block_session *s);

/* The session's view in device blocks, and whether it is writeable. */
uint64_t block_session_first_block(const struct block_session *s);
uint64_t block_session_block_count(const struct block_session *s);
int block_session_writeable(const struct block_session *s);

#endif
