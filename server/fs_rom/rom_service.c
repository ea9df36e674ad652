/*
 * The ROM service of fs_rom: a session reads the module named by the last
 * element of its label, as lib/rom's reader of it: signalled on every new
 * version of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <arbor/util.h>
#include <session/parent.h>
#include "fs_rom.h"

struct rom_session {
	struct rom_server_session rs;
	struct fs_rom *fr;
	struct rom_module *module;
};

static struct arbor_cap *content(struct rom_server_session *rs)
{
	struct rom_session *s = container_of(rs, struct rom_session, rs);

	return module_content(s->fr, s->module);
}

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct fs_rom *fr = root->priv;
	const char *name = arbor_label_last(req->label);
	struct rom_session *s;
	int err;

	if (req->ram < FS_ROM_SESSION_COST)
		return ARBOR_E_INSUFFICIENT_RAM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->fr = fr;
	err = module_get(fr, name, &s->module);
	if (err == ARBOR_E_INVALID) {
		arbor_warning("ROM '%s': '%s' is no valid file name", req->label, name);
		free(s);
		return ARBOR_E_DENIED;
	}
	if (err)
		goto fail_session;
	err = rom_server_session_init(&s->rs, fr->env->ep, req->label, &s->module->versions,
	                              content);
	if (err) {
		/* a module just created for us goes when nobody uses it */
		module_collect(fr, s->module);
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
	struct fs_rom *fr = root->priv;
	struct rom_session *s = session;

	rom_server_session_fini(&s->rs);
	module_collect(fr, s->module);
	free(s);
}

static const struct arbor_root_ops rom_root_ops = { .create = create, .close = close_session };

int rom_service_announce(struct fs_rom *fr)
{
	return arbor_root_announce(fr->env, &fr->root, ARBOR_ROM_SERVICE, &rom_root_ops, fr);
}
