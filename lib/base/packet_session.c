/*
 * The set-up every packet-stream session shares (arbor/packet_session.h):
 * the server's stream dataspace and signal contexts, the TX and TX_SIGH
 * calls, and the client's side of both, including waiting without an
 * entrypoint.
 */
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/packet_session.h>
#include <arbor/pd.h>
#include "internal.h"

/* ---- server side ----------------------------------------------------- */

static void server_packet_avail(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_packet_session_server *ps =
		container_of(sh, struct arbor_packet_session_server, packet_avail);

	ps->fn(ps);
}

static void server_ready_to_ack(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_packet_session_server *ps =
		container_of(sh, struct arbor_packet_session_server, ready_to_ack);

	ps->fn(ps);
}

int arbor_packet_session_server_init(struct arbor_packet_session_server *ps,
                                     struct arbor_env *env,
                                     const struct arbor_ps_geometry *g,
                                     arbor_packet_session_fn fn, void *priv)
{
	size_t need = arbor_ps_size(g);
	void *mem;
	size_t mapped;
	int err;

	memset(ps, 0, sizeof(*ps));
	if (!need)
		return ARBOR_E_INVALID;
	ps->pd = arbor_env_pd(env);
	if (!ps->pd)
		return ARBOR_E_INVALID_CAP;
	ps->fn = fn;
	ps->priv = priv;
	err = arbor_pd_alloc_ram(ps->pd, need, &ps->ds);
	if (err)
		goto fail;
	err = arbor_ds_attach(ps->ds, ARBOR_DS_WRITE, &mem, &mapped);
	if (err)
		goto fail_ds;
	ps->mem = mem;
	ps->size = mapped;
	err = arbor_ps_format(mem, mapped, g);
	if (!err)
		err = arbor_ps_sink_init(&ps->sink, mem, mapped, g, NULL, NULL);
	if (err)
		goto fail_map;
	err = arbor_signal_handler_init(&ps->packet_avail, env->ep, server_packet_avail);
	if (err)
		goto fail_map;
	err = arbor_signal_handler_init(&ps->ready_to_ack, env->ep, server_ready_to_ack);
	if (err)
		goto fail_packet_avail;
	return 0;

fail_packet_avail:
	arbor_signal_handler_fini(&ps->packet_avail);
fail_map:
	arbor_ds_detach(mem, mapped);
fail_ds:
	arbor_pd_free_ram(ps->pd, ps->ds);
	arbor_cap_unref(ps->ds);
fail:
	memset(ps, 0, sizeof(*ps));
	return err;
}

void arbor_packet_session_server_fini(struct arbor_packet_session_server *ps)
{
	if (!ps->ds)
		return;
	arbor_signal_handler_fini(&ps->ready_to_ack);
	arbor_signal_handler_fini(&ps->packet_avail);
	arbor_cap_unref(ps->ack_avail);
	arbor_cap_unref(ps->ready_to_submit);
	/* The client may keep its mapping: the memory lives on until it unmaps too. */
	arbor_ds_detach(ps->mem, ps->size);
	arbor_pd_free_ram(ps->pd, ps->ds);
	arbor_cap_unref(ps->ds);
	memset(ps, 0, sizeof(*ps));
}

int arbor_packet_session_tx(struct arbor_packet_session_server *ps,
                            struct arbor_rpc_request *req)
{
	int err;

	_Static_assert(sizeof(ps->sink.geo) <= ARBOR_MSG_PAYLOAD_MAX, "geometry fits a reply");
	memcpy(req->out->payload, &ps->sink.geo, sizeof(ps->sink.geo));
	req->out->size = sizeof(ps->sink.geo);
	err = arbor_msg_add_cap(req->out, ps->ds);
	if (!err)
		err = arbor_msg_add_cap(req->out, arbor_signal_handler_cap(&ps->packet_avail));
	if (!err)
		err = arbor_msg_add_cap(req->out, arbor_signal_handler_cap(&ps->ready_to_ack));
	return err;
}

/* A slot of the call that must hold a signal context or an invalid cap. */
static int take_context(struct arbor_rpc_request *req, unsigned i, struct arbor_cap **out)
{
	*out = arbor_msg_take_cap(req->in, i);
	if (*out && arbor_cap_kind(*out) != ARBOR_CAP_SIGNAL) {
		arbor_cap_unref(*out);
		*out = NULL;
		return ARBOR_E_INVALID_CAP;
	}
	return 0;
}

int arbor_packet_session_tx_sigh(struct arbor_packet_session_server *ps,
                                 struct arbor_rpc_request *req)
{
	struct arbor_cap *ack_avail, *ready_to_submit;
	int err;

	/* Both checked before either is taken: a half-applied registration helps nobody. */
	err = take_context(req, 0, &ack_avail);
	if (err)
		return err;
	err = take_context(req, 1, &ready_to_submit);
	if (err) {
		arbor_cap_unref(ack_avail);
		return err;
	}
	arbor_cap_unref(ps->ack_avail);
	arbor_cap_unref(ps->ready_to_submit);
	ps->ack_avail = ack_avail;
	ps->ready_to_submit = ready_to_submit;
	ps->sink.ack_avail = ack_avail;
	ps->sink.ready_to_submit = ready_to_submit;
	return 0;
}

/* ---- client side ----------------------------------------------------- */

static void client_ack_avail(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_packet_session_client *pc =
		container_of(sh, struct arbor_packet_session_client, ack_avail);

	pc->fn(pc);
}

static void client_ready_to_submit(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_packet_session_client *pc =
		container_of(sh, struct arbor_packet_session_client, ready_to_submit);

	pc->fn(pc);
}

/*
 * A context the client polls itself: an eventfd no entrypoint watches, so
 * that nobody else reads and resets its count.
 */
static int context_unwatched(struct arbor_signal_handler *sh)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	memset(sh, 0, sizeof(*sh));
	sh->io.fd = -1;
	if (fd < 0)
		return errno == EMFILE || errno == ENFILE ? ARBOR_E_OUT_OF_CAPS : -errno;
	sh->cap = cap_alloc(fd, ARBOR_CAP_SIGNAL);
	if (!sh->cap) {
		close(fd);
		return -ENOMEM;
	}
	sh->io.fd = fd;
	return 0;
}

static int context_init(struct arbor_packet_session_client *pc, struct arbor_signal_handler *sh,
                        struct arbor_ep *ep, arbor_signal_fn fn)
{
	return pc->fn ? arbor_signal_handler_init(sh, ep, fn) : context_unwatched(sh);
}

static void context_fini(struct arbor_packet_session_client *pc, struct arbor_signal_handler *sh)
{
	if (pc->fn) {
		arbor_signal_handler_fini(sh);
		return;
	}
	arbor_cap_unref(sh->cap);
	sh->cap = NULL;
}

/* The TX call: the geometry as the server states it, the dataspace and two contexts. */
static int fetch_stream(struct arbor_packet_session_client *pc, struct arbor_cap *session,
                        uint32_t tx_op, struct arbor_cap **ds)
{
	struct arbor_msg reply;
	struct arbor_ps_geometry geo;
	int err = arbor_rpc_call(session, tx_op, NULL, 0, NULL, 0, &reply);

	*ds = NULL;
	if (err < 0)
		goto out;
	err = ARBOR_E_BAD_MESSAGE;
	if (reply.size != sizeof(geo) || reply.ncaps != 3)
		goto out;
	memcpy(&geo, reply.payload, sizeof(geo));
	if (memcmp(&geo, &pc->geo, sizeof(geo)))
		goto out;
	*ds = arbor_msg_take_cap(&reply, 0);
	pc->packet_avail = arbor_msg_take_cap(&reply, 1);
	pc->ready_to_ack = arbor_msg_take_cap(&reply, 2);
	if (arbor_cap_kind(*ds) != ARBOR_CAP_DATASPACE ||
	    arbor_cap_kind(pc->packet_avail) != ARBOR_CAP_SIGNAL ||
	    arbor_cap_kind(pc->ready_to_ack) != ARBOR_CAP_SIGNAL)
		goto out;
	err = 0;
out:
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_packet_session_client_init(struct arbor_packet_session_client *pc,
                                     struct arbor_cap *session, struct arbor_ep *ep,
                                     uint32_t tx_op, uint32_t sigh_op,
                                     const struct arbor_ps_geometry *geo_expected,
                                     arbor_packet_session_client_fn fn, void *priv)
{
	struct arbor_cap *ds = NULL, *contexts[2];
	struct arbor_msg reply;
	size_t need = arbor_ps_size(geo_expected);
	void *mem = NULL;
	size_t mapped = 0;
	int err;

	memset(pc, 0, sizeof(*pc));
	pc->ack_avail.io.fd = pc->ready_to_submit.io.fd = -1;
	if (!need)
		return ARBOR_E_INVALID;
	pc->geo = *geo_expected;
	pc->fn = fn;
	pc->priv = priv;
	pc->session = session;
	err = fetch_stream(pc, session, tx_op, &ds);
	if (err)
		goto fail;
	err = arbor_ds_attach(ds, ARBOR_DS_WRITE, &mem, &mapped);
	arbor_cap_unref(ds);
	if (err)
		goto fail;
	/* A dataspace smaller than the geometry is the server breaking its protocol. */
	err = mapped < need ? ARBOR_E_BAD_MESSAGE : 0;
	if (!err)
		err = arbor_ps_source_init(&pc->source, mem, mapped, &pc->geo,
		                           pc->packet_avail, pc->ready_to_ack);
	if (err == ARBOR_E_INVALID)
		err = ARBOR_E_BAD_MESSAGE;      /* the server formatted something else */
	if (err)
		goto fail_map;
	pc->mem = mem;
	pc->size = mapped;
	err = context_init(pc, &pc->ack_avail, ep, client_ack_avail);
	if (err)
		goto fail_source;
	err = context_init(pc, &pc->ready_to_submit, ep, client_ready_to_submit);
	if (err)
		goto fail_ack_avail;
	contexts[0] = pc->ack_avail.cap;
	contexts[1] = pc->ready_to_submit.cap;
	err = arbor_rpc_call(session, sigh_op, NULL, 0, contexts, 2, &reply);
	arbor_msg_release(&reply);
	if (err < 0)
		goto fail_contexts;
	return 0;

fail_contexts:
	context_fini(pc, &pc->ready_to_submit);
fail_ack_avail:
	context_fini(pc, &pc->ack_avail);
fail_source:
	arbor_ps_source_fini(&pc->source);
fail_map:
	arbor_ds_detach(mem, mapped);
fail:
	arbor_cap_unref(pc->packet_avail);
	arbor_cap_unref(pc->ready_to_ack);
	memset(pc, 0, sizeof(*pc));
	return err;
}

void arbor_packet_session_client_fini(struct arbor_packet_session_client *pc)
{
	if (!pc->mem)
		return;
	context_fini(pc, &pc->ready_to_submit);
	context_fini(pc, &pc->ack_avail);
	arbor_ps_source_fini(&pc->source);
	arbor_ds_detach(pc->mem, pc->size);
	arbor_cap_unref(pc->packet_avail);
	arbor_cap_unref(pc->ready_to_ack);
	memset(pc, 0, sizeof(*pc));
}

/* Reset a context's count; it only says "look at the rings". */
static void drain(int fd)
{
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0)
		return;
}

int arbor_packet_session_client_wait(struct arbor_packet_session_client *pc, int timeout_ms)
{
	/*
	 * The session's door hangs up when the server dissolves the session
	 * (a broken stream) or dies; events 0 still reports POLLHUP.
	 */
	struct pollfd fds[3] = {
		{ .fd = pc->ack_avail.io.fd, .events = POLLIN },
		{ .fd = pc->ready_to_submit.io.fd, .events = POLLIN },
		{ .fd = pc->session ? arbor_cap_fd(pc->session) : -1, .events = 0 },
	};
	int n;

	if (pc->fn || fds[0].fd < 0)
		return ARBOR_E_INVALID;
	n = poll(fds, 3, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (fds[0].revents & POLLIN)
		drain(fds[0].fd);
	if (fds[1].revents & POLLIN)
		drain(fds[1].fd);
	if (fds[2].revents & (POLLHUP | POLLERR | POLLNVAL))
		return ARBOR_E_OBJECT_GONE;
	return 0;
}
