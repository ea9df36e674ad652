/*
 * The dummy's LOG service: every line a client writes is logged through
 * the dummy's own LOG session as "[client label] text", so that chained
 * LOG servers show each hop's label. Each session lives in a page of RAM
 * allocated from the server's PD, which the client's donation paid for
 * (Genode's sliced heap): closing it gives exactly that page back.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/root.h>
#include <arbor/rpc.h>
#include <session/log.h>
#include <session/parent.h>
#include "dummy.h"

struct log_session {
	struct arbor_rpc_object obj;
	struct arbor_cap *ds;            /* the memory this struct lives in */
	size_t size;
	char label[ARBOR_LABEL_MAX];
};

/* What one session costs the server: its page, and that page's cap. */
#define LOG_SESSION_RAM  ((sizeof(struct log_session) + DUMMY_PAGE - 1) & ~(size_t)(DUMMY_PAGE - 1))
#define LOG_SESSION_CAPS 1u

struct log_service {
	struct arbor_env *env;
	struct arbor_root root;
	int serving;
	int verbose;                     /* log opens, closes and upgrades */
	uint64_t delay_close_ms;
};

static struct log_service service;

static void log_line(const struct log_session *s, const char *text, size_t len)
{
	arbor_log("[%s] %.*s", s->label, (int)len, text);
}

/* write(text): one log line per line of text; the last newline ends a line, not starts one. */
static int log_write(struct arbor_rpc_request *req)
{
	struct log_session *s = container_of(req->object, struct log_session, obj);
	const char *text = (const char *)req->in->payload;
	size_t len = req->in->size;

	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		log_line(s, text, n);
		if (!nl)
			break;
		text += n + 1;
		len -= n + 1;
	}
	return 0;
}

static const struct arbor_rpc_op log_ops[ARBOR_LOG_NOPS] = {
	[ARBOR_LOG_WRITE] = { "write", 0, ARBOR_LOG_WRITE_MAX, 0, log_write },
};

static const struct arbor_rpc_interface log_iface = { "LOG", log_ops, ARBOR_LOG_NOPS };

static int session_create(struct arbor_root *root, const struct arbor_root_request *req,
                          void **session, struct arbor_cap **cap)
{
	struct log_service *svc = root->priv;
	struct arbor_cap *pd = arbor_env_pd(svc->env), *ds;
	struct log_session *s;
	void *addr;
	size_t size;
	int err;

	*session = NULL;
	*cap = NULL;
	if (req->ram < LOG_SESSION_RAM)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < LOG_SESSION_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	err = arbor_pd_alloc_ram(pd, LOG_SESSION_RAM, &ds);
	/* the donation is in our PD by now: if it does not cover the page, it was too small */
	if (err == ARBOR_E_OUT_OF_RAM)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (err == ARBOR_E_OUT_OF_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	if (err)
		return err;
	err = arbor_ds_attach(ds, ARBOR_DS_WRITE, &addr, &size);
	if (err)
		goto fail_ds;
	s = addr;
	memset(s, 0, sizeof(*s));
	s->ds = ds;
	s->size = size;
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	err = arbor_rpc_object_manage(svc->env->ep, &s->obj, &log_iface);
	if (err)
		goto fail_attach;
	s->obj.label = s->label;
	if (svc->verbose)
		arbor_log("opening session with label %s", s->label);
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	return 0;

fail_attach:
	arbor_ds_detach(addr, size);
fail_ds:
	arbor_pd_free_ram(pd, ds);
	arbor_cap_unref(ds);
	return err;
}

static void session_upgrade(struct arbor_root *root, void *session, uint64_t ram, uint64_t caps)
{
	struct log_service *svc = root->priv;
	struct arbor_pd_quota q;

	/* as Genode's dummy: say so once the upgrade has really reached our PD */
	if (svc->verbose && !arbor_pd_quota(arbor_env_pd(svc->env), &q) &&
	    q.ram_quota - q.ram_used >= ram)
		arbor_log("received session quota upgrade");
}

static void session_close(struct arbor_root *root, void *session)
{
	struct log_service *svc = root->priv;
	struct log_session *s = session;
	struct arbor_cap *ds = s->ds;
	size_t size = s->size;

	if (svc->verbose)
		arbor_log("closing session with label %s", s->label);
	/*
	 * Genode's dummy delays the close by blocking its entrypoint: the
	 * client's close stays pending at the parent meanwhile.
	 */
	if (svc->delay_close_ms) {
		struct timespec t = { (time_t)(svc->delay_close_ms / 1000),
		                      (long)(svc->delay_close_ms % 1000) * 1000000 };
		arbor_log("delay close by %llu ms", (unsigned long long)svc->delay_close_ms);
		while (nanosleep(&t, &t))
			;
	}
	arbor_rpc_object_dissolve(&s->obj);
	arbor_ds_detach(s, size);
	arbor_pd_free_ram(arbor_env_pd(svc->env), ds);
	arbor_cap_unref(ds);
}

static const struct arbor_root_ops log_root_ops = {
	.create = session_create,
	.upgrade = session_upgrade,
	.close = session_close,
};

void dummy_log_service_start(struct arbor_env *env, const struct xml_node *node)
{
	int err;

	service.env = env;
	xml_attr_bool(node, "verbose", 0, &service.verbose);
	xml_attr_u64(node, "delay_close_ms", 0, &service.delay_close_ms);
	/* a later config's <log_service/> only changes how the running service behaves */
	if (service.serving) {
		arbor_log("LOG service reconfigured");
		return;
	}
	/* sessions that waited for us are created right in the announcement, so say it first */
	arbor_log("announcing the LOG service");
	err = arbor_root_announce(env, &service.root, ARBOR_LOG_SERVICE, &log_root_ops, &service);
	if (err) {
		arbor_error("cannot announce the LOG service: %s", arbor_strerror(err));
		return;
	}
	service.serving = 1;
	arbor_log("created LOG service");
}
