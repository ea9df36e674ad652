/*
 * Server side of the Terminal session: the operations of session/terminal.h
 * over a backend. A write the backend cannot take at once keeps its reply
 * (arbor_rpc_defer) and goes on when the backend has room, so one slow peer
 * holds up its own client and nobody else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/parent.h>
#include <terminal/terminal_server.h>

struct terminal_session {
	struct arbor_rpc_object obj;
	struct arbor_env *env;
	const struct terminal_backend *backend;
	void *priv;
	struct arbor_cap *io_ds;
	char *io;                           /* the I/O buffer, mapped */
	size_t mapped;
	int connected;
	struct arbor_terminal_size size;
	struct arbor_cap *connected_sigh, *read_avail_sigh, *size_changed_sigh;
	struct {
		struct arbor_rpc_conn *token;   /* NULL: no write waits */
		size_t len, done;
	} write;
	char label[ARBOR_LABEL_MAX];
};

static struct terminal_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct terminal_session, obj);
}

static void submit(struct arbor_cap *sigh)
{
	if (sigh)
		arbor_signal_submit(sigh, 1);
}

static int reply_value(struct arbor_rpc_request *req, const void *value, size_t size)
{
	memcpy(req->out->payload, value, size);
	req->out->size = (uint32_t)size;
	return 0;
}

/* The length a read or write asks for, checked against the I/O buffer. */
static int requested_len(struct arbor_rpc_request *req, size_t *len)
{
	struct arbor_terminal_len a;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.bytes > ARBOR_TERMINAL_IO_BUFFER)
		return ARBOR_E_TOO_LARGE;
	*len = a.bytes;
	return 0;
}

static int op_dataspace(struct arbor_rpc_request *req)
{
	return arbor_msg_add_cap(req->out, session_of(req)->io_ds);
}

static int op_read(struct arbor_rpc_request *req)
{
	struct terminal_session *s = session_of(req);
	size_t len;
	int err = requested_len(req, &len);

	if (err)
		return err;
	return (int)s->backend->read(s->priv, s->io, len);
}

/* Feed the waiting write to the backend; reply once all is taken. */
static void write_on(struct terminal_session *s)
{
	s->write.done += s->backend->write(s->priv, s->io + s->write.done,
	                                   s->write.len - s->write.done);
	if (s->write.done < s->write.len)
		return;
	arbor_rpc_reply(s->write.token, (int32_t)s->write.len, NULL, 0, NULL, 0);
	s->write.token = NULL;
}

static int op_write(struct arbor_rpc_request *req)
{
	struct terminal_session *s = session_of(req);
	size_t len, taken;
	int err = requested_len(req, &len);

	if (err)
		return err;
	if (s->write.token)
		return ARBOR_E_AGAIN;        /* another thread of the client shares the buffer */
	if (!s->connected || !len)
		return 0;
	taken = s->backend->write(s->priv, s->io, len);
	if (taken == len)
		return (int)len;
	s->write.token = arbor_rpc_defer(req);
	s->write.len = len;
	s->write.done = taken;
	return ARBOR_RPC_DEFERRED;
}

static int op_avail(struct arbor_rpc_request *req)
{
	struct terminal_session *s = session_of(req);
	size_t n = s->backend->avail(s->priv);
	struct arbor_terminal_len a = { .bytes = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n };

	return reply_value(req, &a, sizeof(a));
}

static int op_size(struct arbor_rpc_request *req)
{
	return reply_value(req, &session_of(req)->size, sizeof(struct arbor_terminal_size));
}

static int op_connected(struct arbor_rpc_request *req)
{
	return session_of(req)->connected;
}

static int op_connected_sigh(struct arbor_rpc_request *req)
{
	struct terminal_session *s = session_of(req);
	int err = arbor_rpc_take_sigh(req, 0, &s->connected_sigh);

	if (!err && s->connected)
		submit(s->connected_sigh);
	return err;
}

static int op_read_avail_sigh(struct arbor_rpc_request *req)
{
	struct terminal_session *s = session_of(req);
	int err = arbor_rpc_take_sigh(req, 0, &s->read_avail_sigh);

	if (!err && s->backend->avail(s->priv))
		submit(s->read_avail_sigh);
	return err;
}

static int op_size_changed_sigh(struct arbor_rpc_request *req)
{
	return arbor_rpc_take_sigh(req, 0, &session_of(req)->size_changed_sigh);
}

#define LEN sizeof(struct arbor_terminal_len)

static const struct arbor_rpc_op terminal_ops[ARBOR_TERMINAL_NOPS] = {
	[ARBOR_TERMINAL_DATASPACE]         = { "dataspace", 0, 0, 0, op_dataspace },
	[ARBOR_TERMINAL_READ]              = { "read", LEN, LEN, 0, op_read },
	[ARBOR_TERMINAL_WRITE]             = { "write", LEN, LEN, 0, op_write },
	[ARBOR_TERMINAL_AVAIL]             = { "avail", 0, 0, 0, op_avail },
	[ARBOR_TERMINAL_SIZE]              = { "size", 0, 0, 0, op_size },
	[ARBOR_TERMINAL_CONNECTED]         = { "connected", 0, 0, 0, op_connected },
	[ARBOR_TERMINAL_CONNECTED_SIGH]    = { "connected_sigh", 0, 0, 1, op_connected_sigh },
	[ARBOR_TERMINAL_READ_AVAIL_SIGH]   = { "read_avail_sigh", 0, 0, 1, op_read_avail_sigh },
	[ARBOR_TERMINAL_SIZE_CHANGED_SIGH] = { "size_changed_sigh", 0, 0, 1, op_size_changed_sigh },
};

static const struct arbor_rpc_interface terminal_iface = {
	"Terminal", terminal_ops, ARBOR_TERMINAL_NOPS
};

int terminal_session_create(struct arbor_env *env, const struct arbor_root_request *req,
                            const struct terminal_backend *backend, void *priv,
                            struct terminal_session **out)
{
	struct arbor_cap *pd = arbor_env_pd(env);
	struct terminal_session *s;
	void *addr;
	int err = -ENOMEM;

	if (req->ram < ARBOR_TERMINAL_SESSION_COST)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < ARBOR_TERMINAL_SESSION_COST_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->env = env;
	s->backend = backend;
	s->priv = priv;
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	err = arbor_pd_alloc_ram(pd, ARBOR_TERMINAL_IO_BUFFER, &s->io_ds);
	if (err)
		goto fail_session;
	err = arbor_ds_attach(s->io_ds, ARBOR_DS_WRITE, &addr, &s->mapped);
	if (err)
		goto fail_ds;
	s->io = addr;
	err = arbor_rpc_object_manage(env->ep, &s->obj, &terminal_iface);
	if (err)
		goto fail_map;
	s->obj.label = s->label;
	*out = s;
	return 0;

fail_map:
	arbor_ds_detach(addr, s->mapped);
fail_ds:
	arbor_pd_free_ram(pd, s->io_ds);
	arbor_cap_unref(s->io_ds);
fail_session:
	free(s);
fail:
	/* the parent passes on only DENIED and INSUFFICIENT_*: our own shortage is a denial */
	arbor_warning("no room for the Terminal session of '%s': %s", req->label,
	              arbor_strerror(err));
	return ARBOR_E_DENIED;
}

void terminal_session_destroy(struct terminal_session *s)
{
	if (s->write.token)
		arbor_rpc_reply(s->write.token, (int32_t)s->write.done, NULL, 0, NULL, 0);
	arbor_rpc_object_dissolve(&s->obj);
	arbor_ds_detach(s->io, s->mapped);
	arbor_pd_free_ram(arbor_env_pd(s->env), s->io_ds);
	arbor_cap_unref(s->io_ds);
	arbor_cap_unref(s->connected_sigh);
	arbor_cap_unref(s->read_avail_sigh);
	arbor_cap_unref(s->size_changed_sigh);
	free(s);
}

struct arbor_cap *terminal_session_cap(struct terminal_session *s)
{
	return arbor_rpc_object_cap(&s->obj);
}

const char *terminal_session_label(const struct terminal_session *s)
{
	return s->label;
}

void terminal_session_connected(struct terminal_session *s, int connected)
{
	connected = !!connected;
	if (connected == s->connected)
		return;
	s->connected = connected;
	if (!connected && s->write.token) {
		arbor_rpc_reply(s->write.token, (int32_t)s->write.done, NULL, 0, NULL, 0);
		s->write.token = NULL;
	}
	submit(s->connected_sigh);
}

void terminal_session_input(struct terminal_session *s)
{
	submit(s->read_avail_sigh);
}

void terminal_session_size(struct terminal_session *s, unsigned columns, unsigned lines)
{
	if (s->size.columns == columns && s->size.lines == lines)
		return;
	s->size.columns = columns;
	s->size.lines = lines;
	submit(s->size_changed_sigh);
}

void terminal_session_output_ready(struct terminal_session *s)
{
	if (s->write.token && s->connected)
		write_on(s);
}
