/*
 * The Report service: each session owns a shared buffer and writes the
 * module named by its label. A submission copies the buffer into a new
 * dataspace and publishes it; the buffer and the copies are paid from the
 * session's donation (ARBOR_REPORT_SESSION_COST).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <session/report.h>
#include "report_rom.h"

struct report_session {
	struct arbor_rpc_object obj;
	struct report_rom *rr;
	struct rom_module *module;
	struct arbor_cap *buffer_ds;     /* writeable, handed to the client */
	const char *buffer;              /* our mapping of it */
	size_t mapped;
	uint64_t buffer_size;
	struct arbor_cap *response_sigh; /* kept, never signalled: report_rom does not respond */
	char label[ARBOR_LABEL_MAX];
};

static struct report_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct report_session, obj);
}

static int op_dataspace(struct arbor_rpc_request *req)
{
	return arbor_msg_add_cap(req->out, session_of(req)->buffer_ds);
}

/* Genode's verbose report_rom: the label, then the content line by line. */
static void log_report(const struct report_session *s, const char *text, size_t len)
{
	arbor_log("report '%s'", s->label);
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t line = nl ? (size_t)(nl - text) : len;
		arbor_log("  %.*s", (int)line, text);
		line += nl ? 1 : 0;
		text += line;
		len -= line;
	}
}

static int op_submit(struct arbor_rpc_request *req)
{
	struct report_session *s = session_of(req);
	struct report_rom *rr = s->rr;
	struct arbor_report_submit_args a;
	struct report_copy *copy = NULL;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.length > s->buffer_size)
		return ARBOR_E_INVALID;
	/* the copy first: if it fails, the published report stays */
	if (a.length && registry_copy_new(&rr->registry, s->buffer, a.length, s, &copy))
		return ARBOR_E_OUT_OF_RAM;
	if (rr->config.verbose)
		log_report(s, s->buffer, a.length);
	registry_publish(&rr->registry, s->module, copy);
	return 0;
}

static int op_response_sigh(struct arbor_rpc_request *req)
{
	struct report_session *s = session_of(req);
	int err = arbor_rpc_take_sigh(req, 0, &s->response_sigh);

	if (err)
		return err;
	return 0;
}

static int op_obtain_responses(struct arbor_rpc_request *req)
{
	struct arbor_report_responses r = { .length = 0 };

	memcpy(req->out->payload, &r, sizeof(r));
	req->out->size = sizeof(r);
	return 0;
}

#define SUBMIT_SIZE sizeof(struct arbor_report_submit_args)

static const struct arbor_rpc_op report_ops[ARBOR_REPORT_NOPS] = {
	[ARBOR_REPORT_DATASPACE]        = { "dataspace", 0, 0, 0, op_dataspace },
	[ARBOR_REPORT_SUBMIT]           = { "submit", SUBMIT_SIZE, SUBMIT_SIZE, 0, op_submit },
	[ARBOR_REPORT_RESPONSE_SIGH]    = { "response_sigh", 0, 0, 1, op_response_sigh },
	[ARBOR_REPORT_OBTAIN_RESPONSES] = { "obtain_responses", 0, 0, 0, op_obtain_responses },
};

static const struct arbor_rpc_interface report_iface = { "Report", report_ops, ARBOR_REPORT_NOPS };

/* ---- the root ---- */

static int buffer_size_of(const struct arbor_root_request *req, uint64_t *size)
{
	int err = arbor_args_get_u64(req->args, "buffer_size", size);

	if (err || !*size || *size > ARBOR_REPORT_BUFFER_MAX) {
		arbor_warning("report '%s': buffer_size must be 1..%u", req->label,
		              ARBOR_REPORT_BUFFER_MAX);
		return ARBOR_E_DENIED;
	}
	return 0;
}

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct report_rom *rr = root->priv;
	struct arbor_cap *pd = arbor_env_pd(rr->env);
	struct report_session *s;
	void *addr;
	uint64_t size;
	int err = buffer_size_of(req, &size);

	if (err)
		return err;
	if (req->ram < ARBOR_REPORT_SESSION_COST(size))
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < ARBOR_REPORT_SESSION_COST_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->rr = rr;
	s->buffer_size = size;
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	err = arbor_pd_alloc_ram(pd, size, &s->buffer_ds);
	if (err)
		goto fail_session;
	err = arbor_ds_attach(s->buffer_ds, ARBOR_DS_READ, &addr, &s->mapped);
	if (err)
		goto fail_ds;
	s->buffer = addr;
	err = registry_lookup(&rr->registry, s->label, &s->module);
	if (err)
		goto fail_map;
	err = arbor_rpc_object_manage(rr->env->ep, &s->obj, &report_iface);
	if (err)
		goto fail_map;
	registry_add_writer(s->module);
	s->obj.label = s->label;
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	return 0;

fail_map:
	/* a module just created for us goes when nobody uses it */
	if (s->module)
		registry_collect(&rr->registry, s->module);
	arbor_ds_detach(addr, s->mapped);
fail_ds:
	arbor_pd_free_ram(pd, s->buffer_ds);
	arbor_cap_unref(s->buffer_ds);
fail_session:
	free(s);
fail:
	/* the parent passes on only DENIED and INSUFFICIENT_*: our own shortage is a denial */
	arbor_warning("report '%s': no room for the session: %s", req->label,
	              arbor_strerror(err ? err : -ENOMEM));
	return ARBOR_E_DENIED;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct report_rom *rr = root->priv;
	struct report_session *s = session;

	arbor_rpc_object_dissolve(&s->obj);
	/* the content goes with the donation that paid for it */
	registry_withdraw(&rr->registry, s->module, s);
	registry_remove_writer(&rr->registry, s->module);
	arbor_ds_detach((void *)s->buffer, s->mapped);
	arbor_pd_free_ram(arbor_env_pd(rr->env), s->buffer_ds);
	arbor_cap_unref(s->buffer_ds);
	arbor_cap_unref(s->response_sigh);
	free(s);
}

static const struct arbor_root_ops report_root_ops = { .create = create, .close = close_session };

int report_service_announce(struct report_rom *rr)
{
	return arbor_root_announce(rr->env, &rr->report_root, ARBOR_REPORT_SERVICE,
	                           &report_root_ops, rr);
}
