/*
 * The ROM service of report_rom: a session reads the report its policy
 * names (config.c), as lib/rom's reader of its module: signalled on every
 * submission. Each version is a dataspace of its own, handed out
 * read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <arbor/util.h>
#include <session/rom.h>
#include "report_rom.h"

struct rom_session {
	struct rom_server_session rs;
	struct report_rom *rr;
	struct rom_module *module;
};

static struct arbor_cap *content(struct rom_server_session *rs)
{
	struct rom_session *s = container_of(rs, struct rom_session, rs);

	return registry_content(&s->rr->registry, s->module);
}

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
	err = registry_lookup(&rr->registry, report, &s->module);
	if (err)
		goto fail_session;
	err = rom_server_session_init(&s->rs, rr->env->ep, req->label, &s->module->versions,
	                              content);
	if (err) {
		/* a module just created for us goes when nobody uses it */
		registry_collect(&rr->registry, s->module);
		goto fail_session;
	}
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->rs.obj));
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

	rom_server_session_fini(&s->rs);
	registry_collect(&rr->registry, s->module);
	free(s);
}

static const struct arbor_root_ops rom_root_ops = { .create = create, .close = close_session };

int rom_service_announce(struct report_rom *rr)
{
	return arbor_root_announce(rr->env, &rr->rom_root, ARBOR_ROM_SERVICE, &rom_root_ops, rr);
}
