/*
 * The ROM service of fs_rom: a session reads the module named by the last
 * element of its label, is signalled when it registers a context and on
 * every new version, and learns from UPDATE whether the content changed
 * since its last DATASPACE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/parent.h>
#include "fs_rom.h"

struct rom_session {
	struct arbor_rpc_object obj;
	struct fs_rom *fr;
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
	int err = arbor_msg_add_cap(req->out, module_content(s->fr, s->module));

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
	/* as Genode's ROM servers: a new handler looks at the content right away */
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
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	err = module_get(fr, name, &s->module);
	if (err == ARBOR_E_INVALID) {
		arbor_warning("ROM '%s': '%s' is no valid file name", req->label, name);
		free(s);
		return ARBOR_E_DENIED;
	}
	if (err)
		goto fail_session;
	err = arbor_rpc_object_manage(fr->env->ep, &s->obj, &rom_iface);
	if (err) {
		/* a module just created for us goes when nobody uses it */
		module_collect(fr, s->module);
		goto fail_session;
	}
	/* a fresh reader has fetched nothing: UPDATE says "changed" until it does */
	s->reader.fetched = s->module->version - 1;
	s->reader.next = s->module->readers;
	s->module->readers = &s->reader;
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
	struct fs_rom *fr = root->priv;
	struct rom_session *s = session;

	arbor_rpc_object_dissolve(&s->obj);
	for (struct rom_reader **l = &s->module->readers; *l; l = &(*l)->next) {
		if (*l == &s->reader) {
			*l = s->reader.next;
			break;
		}
	}
	module_collect(fr, s->module);
	arbor_cap_unref(s->reader.sigh);
	free(s);
}

static const struct arbor_root_ops rom_root_ops = { .create = create, .close = close_session };

int rom_service_announce(struct fs_rom *fr)
{
	return arbor_root_announce(fr->env, &fr->root, ARBOR_ROM_SERVICE, &rom_root_ops, fr);
}
