/* The client side of RPC: a call is one send and one receive on a private connection. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arbor/error.h>
#include "internal.h"

int arbor_rpc_call(struct arbor_cap *cap, uint32_t opcode,
                   const void *args, size_t args_size,
                   struct arbor_cap *const caps[], unsigned ncaps,
                   struct arbor_msg *reply)
{
	int conn, err;

	arbor_msg_init(reply);
	if (!cap || cap->kind != ARBOR_CAP_RPC || cap->fd < 0)
		return ARBOR_E_INVALID_CAP;
	if (args_size > ARBOR_MSG_PAYLOAD_MAX || ncaps > ARBOR_MSG_CAPS_MAX)
		return ARBOR_E_TOO_LARGE;
	if (opcode > INT32_MAX)
		return ARBOR_E_INVALID;

	for (;;) {
		int pooled;
		err = cap_conn_take(cap, &conn, &pooled);
		if (err)
			return err;
		err = wire_send(conn, WIRE_CALL, (int32_t)opcode, args, args_size, caps, ncaps, 0);
		/*
		 * An idle connection the server closed meanwhile (it evicted it,
		 * say) never saw this call: try a fresh one. Once a call was sent,
		 * it is never sent again: it may have had its effect.
		 */
		if (err == ARBOR_E_OBJECT_GONE && pooled) {
			close(conn);
			continue;
		}
		break;
	}
	if (!err)
		err = wire_recv(conn, WIRE_REPLY, reply, 0, NULL);
	if (err) {
		/* A connection that failed mid-call is never reused. */
		close(conn);
		return err;
	}
	cap_conn_give(cap, conn);
	return reply->word;
}

int rpc_call_for_cap(struct arbor_cap *obj, uint32_t op, const void *args, size_t size,
                     struct arbor_cap *const caps[], unsigned ncaps, struct arbor_cap **out)
{
	struct arbor_msg reply;
	int err = arbor_rpc_call(obj, op, args, size, caps, ncaps, &reply);

	*out = NULL;
	if (err >= 0) {
		*out = arbor_msg_take_cap(&reply, 0);
		if (!*out)
			err = ARBOR_E_BAD_MESSAGE;
	}
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_rpc_call_out(struct arbor_cap *cap, uint32_t opcode,
                       const void *args, size_t args_size,
                       struct arbor_cap *const caps[], unsigned ncaps,
                       void *out, size_t out_size)
{
	struct arbor_msg reply;
	int err = arbor_rpc_call(cap, opcode, args, args_size, caps, ncaps, &reply);

	if (err >= 0 && out) {
		if (reply.size == out_size)
			memcpy(out, reply.payload, out_size);
		else
			err = ARBOR_E_BAD_MESSAGE;
	}
	arbor_msg_release(&reply);
	return err;
}
