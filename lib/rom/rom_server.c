/* The ROM session of changing modules (see rom/rom_server.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/msg.h>
#include <arbor/signal.h>
#include <arbor/util.h>
#include <rom/rom_server.h>
#include <session/rom.h>

void rom_versions_publish(struct rom_versions *v)
{
	v->version++;
	for (struct rom_reader *r = v->readers; r; r = r->next)
		if (r->sigh)
			arbor_signal_submit(r->sigh, 1);
}

static struct rom_server_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct rom_server_session, obj);
}

static int op_dataspace(struct arbor_rpc_request *req)
{
	struct rom_server_session *s = session_of(req);
	int err = arbor_msg_add_cap(req->out, s->content(s));

	if (!err)
		s->reader.fetched = s->module->version;
	return err;
}

static int op_sigh(struct arbor_rpc_request *req)
{
	struct rom_server_session *s = session_of(req);
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
	struct rom_server_session *s = session_of(req);
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

int rom_server_session_init(struct rom_server_session *s, struct arbor_ep *ep, const char *label,
                            struct rom_versions *module, rom_content_fn content)
{
	int err = arbor_rpc_object_manage(ep, &s->obj, &rom_iface);

	if (err)
		return err;
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->obj.label = s->label;
	s->module = module;
	s->content = content;
	s->reader.sigh = NULL;
	s->reader.fetched = module->version - 1;
	s->reader.next = module->readers;
	module->readers = &s->reader;
	return 0;
}

void rom_server_session_fini(struct rom_server_session *s)
{
	arbor_rpc_object_dissolve(&s->obj);
	for (struct rom_reader **l = &s->module->readers; *l; l = &(*l)->next) {
		if (*l == &s->reader) {
			*l = s->reader.next;
			break;
		}
	}
	arbor_cap_unref(s->reader.sigh);
	s->reader.sigh = NULL;
}
