/*
 * The ROM service of report_rom: a session reads the report its policy
 * names (config.c), is signalled when it registers a context and on every
 * submission, and learns from UPDATE whether the content changed since its
 * last DATASPACE. Each version is a dataspace of its own, handed out
 * read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/rom.h>
#include "report_rom.h"

struct rom_session {
	struct arbor_rpc_object obj;
	struct report_rom *rr;
	struct rom_module *module;
	struct rom_reader reader;
	char label[ARBOR_LABEL_MAX];
};

static struct rom_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct rom_session, obj);
}

static int op_dataspace(struct arbor_rpc_request *req)
{
	struct rom_session *s = session_of(req);
	int err = arbor_msg_add_cap(req->out, registry_content(&s->rr->registry, s->module));

	if (!err)
		s->reader.fetched = s->module->version;
	return err;
}

static int op_sigh(struct arbor_rpc_request *req)
{
	struct rom_session *s = session_of(req);
	int err = arbor_rpc_take_sigh(req, 0, &s->reader.sigh);

	if (err)
		return err;
	/* as Genode's report_rom: a new handler looks at the content right away */
	if (s->reader.sigh)
		arbor_signal_submit(s->reader.sigh, 1);
	return 0;
}

static int op_update(struct arbor_rpc_request *req)
{
	struct rom_session *s = session_of(req);
	struct arbor_rom_update u = { .changed = s->module->version != s->reader.fetched };

	memcpy(req->out->payload, &u, sizeof(u));
	req->out->size = sizeof(u);
	return 0;
}

static const struct arbor_rpc_op rom_ops[ARBOR_ROM_NOPS] = {
	[ARBOR_ROM_DATASPACE] = { "dataspace", 0, 0, 0, op_dataspace },
	[ARBOR_ROM_SIGH]      = { "sigh", 0, 0, 1, op_sigh },
	[ARBOR_ROM_UPDATE]    = { "update", 0, 0, 0, op_update },
};

static const struct arbor_rpc_interface rom_iface = { "ROM", rom_ops, ARBOR_ROM_NOPS };

/* ---- the root ---- */

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct report_rom *rr = root->priv;
	char report[ARBOR_LABEL_MAX];
	struct rom_session *s;
	int err;

	if (req->ram < REPORT_ROM_ROM_SESSION_COST)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (config_report_for(&rr->config, req->label, report, sizeof(report)))
		return ARBOR_E_DENIED;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->rr = rr;
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	err = registry_lookup(&rr->registry, report, &s->module);
	if (err)
		goto fail_session;
	err = arbor_rpc_object_manage(rr->env->ep, &s->obj, &rom_iface);
	if (err) {
		/* a module just created for us goes when nobody uses it */
		registry_collect(&rr->registry, s->module);
		goto fail_session;
	}
	/* a fresh reader has fetched nothing: UPDATE says "changed" until it does */
	s->reader.fetched = s->module->version - 1;
	registry_add_reader(s->module, &s->reader);
	s->obj.label = s->label;
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	return 0;

fail_session:
	free(s);
fail:
	/* the parent passes on only DENIED and INSUFFICIENT_*: our own shortage is a denial */
	arbor_warning("ROM '%s': no room for the session", req->label);
	return ARBOR_E_DENIED;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct report_rom *rr = root->priv;
	struct rom_session *s = session;

	arbor_rpc_object_dissolve(&s->obj);
	registry_remove_reader(&rr->registry, s->module, &s->reader);
	arbor_cap_unref(s->reader.sigh);
	free(s);
}

static const struct arbor_root_ops rom_root_ops = { .create = create, .close = close_session };

int rom_service_announce(struct report_rom *rr)
{
	return arbor_root_announce(rr->env, &rr->rom_root, ARBOR_ROM_SERVICE, &rom_root_ops, rr);
}
