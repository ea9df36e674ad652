/* LOG service: each session prints its client's lines as "[label] text". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <session/log.h>
#include <session/parent.h>
#include <arbor/error.h>
#include "core.h"

struct log_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
};

static int log_write(struct arbor_rpc_request *req)
{
	struct log_session *s = container_of(req->object, struct log_session, obj);

	core_log_text(s->label, (const char *)req->in->payload, req->in->size);
	return 0;
}

static const struct arbor_rpc_op log_ops[ARBOR_LOG_NOPS] = {
	[ARBOR_LOG_WRITE] = { "write", 0, ARBOR_LOG_WRITE_MAX, 0, log_write },
};

static const struct arbor_rpc_interface log_iface = { "LOG", log_ops, ARBOR_LOG_NOPS };

static int log_create(struct core_client *owner, const char *label, const char *args,
                      void **obj, struct arbor_cap **cap)
{
	struct log_session *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	snprintf(s->label, sizeof(s->label), "%s", label);
	err = arbor_rpc_object_manage(core.ep, &s->obj, &log_iface);
	if (err) {
		free(s);
		return err;
	}
	s->obj.label = s->label;
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;
}

static void log_destroy(void *obj)
{
	struct log_session *s = obj;

	arbor_rpc_object_dissolve(&s->obj);
	free(s);
}

const struct core_service log_service = {
	.name = ARBOR_LOG_SERVICE,
	.ram = ARBOR_LOG_SESSION_RAM,
	.caps = ARBOR_LOG_SESSION_CAPS,
	.create = log_create,
	.destroy = log_destroy,
};
