/* Client side of the Terminal session: the mapped I/O buffer and one RPC per operation. */
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <terminal/terminal_client.h>

/* One call; a reply of out_size bytes is copied to out. Returns the status or an error. */
static int call(struct terminal_connection *t, uint32_t op, const void *args, size_t size,
                void *out, size_t out_size)
{
	return arbor_rpc_call_out(t->conn.cap, op, args, size, NULL, 0, out, out_size);
}

int terminal_connection_open(struct arbor_env *env, struct terminal_connection *t,
                             const char *label)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = arbor_connection_open(env, &t->conn, ARBOR_TERMINAL_SERVICE, label,
	                            ARBOR_TERMINAL_SESSION_RAM, ARBOR_TERMINAL_SESSION_CAPS, NULL);
	if (err)
		return err;
	t->env = env;
	err = arbor_ds_attach_from_call(t->conn.cap, ARBOR_TERMINAL_DATASPACE, ARBOR_DS_WRITE,
	                                ARBOR_TERMINAL_IO_BUFFER, (void **)&t->io, &t->mapped);
	if (err)
		terminal_connection_close(t);
	return err;
}

void terminal_connection_close(struct terminal_connection *t)
{
	if (t->io)
		arbor_ds_detach(t->io, t->mapped);
	if (t->env)
		arbor_connection_close(t->env, &t->conn);
	memset(t, 0, sizeof(*t));
}

ssize_t terminal_read(struct terminal_connection *t, void *dst, size_t max)
{
	size_t total = 0;

	while (total < max) {
		size_t chunk = max - total < ARBOR_TERMINAL_IO_BUFFER ? max - total
		                                                      : ARBOR_TERMINAL_IO_BUFFER;
		struct arbor_terminal_len a = { .bytes = (uint32_t)chunk };
		int n = call(t, ARBOR_TERMINAL_READ, &a, sizeof(a), NULL, 0);

		if (n < 0)
			return total ? (ssize_t)total : n;
		if ((size_t)n > chunk)
			return ARBOR_E_BAD_MESSAGE;
		memcpy((char *)dst + total, t->io, (size_t)n);
		total += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	return (ssize_t)total;
}

ssize_t terminal_write(struct terminal_connection *t, const void *src, size_t len)
{
	size_t total = 0;

	while (total < len) {
		size_t chunk = len - total < ARBOR_TERMINAL_IO_BUFFER ? len - total
		                                                      : ARBOR_TERMINAL_IO_BUFFER;
		struct arbor_terminal_len a = { .bytes = (uint32_t)chunk };
		int n;

		memcpy(t->io, (const char *)src + total, chunk);
		n = call(t, ARBOR_TERMINAL_WRITE, &a, sizeof(a), NULL, 0);
		if (n < 0)
			return total ? (ssize_t)total : n;
		total += (size_t)n < chunk ? (size_t)n : chunk;
		if ((size_t)n < chunk)
			break;                     /* disconnected */
	}
	return (ssize_t)total;
}

int terminal_avail(struct terminal_connection *t, size_t *n)
{
	struct arbor_terminal_len a = { 0 };
	int err = call(t, ARBOR_TERMINAL_AVAIL, NULL, 0, &a, sizeof(a));

	*n = a.bytes;
	return err < 0 ? err : 0;
}

int terminal_size(struct terminal_connection *t, struct arbor_terminal_size *size)
{
	int err;

	memset(size, 0, sizeof(*size));
	err = call(t, ARBOR_TERMINAL_SIZE, NULL, 0, size, sizeof(*size));
	return err < 0 ? err : 0;
}

int terminal_connected(struct terminal_connection *t)
{
	int status = call(t, ARBOR_TERMINAL_CONNECTED, NULL, 0, NULL, 0);

	return status < 0 ? status : !!status;
}

/* A signal context travels in the call's one cap slot; NULL as the invalid cap. */
static int register_sigh(struct terminal_connection *t, uint32_t op, struct arbor_cap *context)
{
	struct arbor_msg reply;
	int err = arbor_rpc_call(t->conn.cap, op, NULL, 0, &context, 1, &reply);

	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int terminal_connected_sigh(struct terminal_connection *t, struct arbor_cap *context)
{
	return register_sigh(t, ARBOR_TERMINAL_CONNECTED_SIGH, context);
}

int terminal_read_avail_sigh(struct terminal_connection *t, struct arbor_cap *context)
{
	return register_sigh(t, ARBOR_TERMINAL_READ_AVAIL_SIGH, context);
}

int terminal_size_changed_sigh(struct terminal_connection *t, struct arbor_cap *context)
{
	return register_sigh(t, ARBOR_TERMINAL_SIZE_CHANGED_SIGH, context);
}
