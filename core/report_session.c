/*
 * Report service for the root component: each submitted report is written
 * to the instance's run directory (core/state.c) as report.<label>, with
 * " -> " turned into '.', so that host tools (`arbor show`) can read the
 * root init's state. Components further down reach report_rom instead.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <session/parent.h>
#include <session/report.h>
#include "core.h"

struct report_session {
	struct arbor_rpc_object obj;
	char path[1024];
	int fd;                      /* the shared buffer (memfd) */
	void *buffer;                /* core's mapping of it */
	size_t size;                 /* buffer_size */
};

/* report.<label> with " -> " as '.', and nothing that leaves the directory */
static void file_name(const char *label, char *out, size_t size)
{
	size_t n = snprintf(out, size, "report.");

	for (const char *p = label; *p && n + 1 < size; p++) {
		if (!strncmp(p, " -> ", 4)) {
			out[n++] = '.';
			p += 3;
		} else {
			out[n++] = (*p == '/' || *p == ' ' || (unsigned char)*p < 0x20) ? '_' : *p;
		}
	}
	out[n] = '\0';
}

static int report_dataspace(struct arbor_rpc_request *req)
{
	struct report_session *s = container_of(req->object, struct report_session, obj);
	struct arbor_cap *ds;
	int fd = dup(s->fd), err;

	if (fd < 0)
		return ARBOR_E_OUT_OF_CAPS;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	err = arbor_cap_from_fd(fd, ARBOR_CAP_DATASPACE, &ds);
	if (err)
		return err;
	arbor_msg_add_cap(req->out, ds);
	arbor_cap_unref(ds);
	return 0;
}

static int report_submit(struct arbor_rpc_request *req)
{
	struct report_session *s = container_of(req->object, struct report_session, obj);
	struct arbor_report_submit_args a;
	char tmp[1100];
	FILE *f;

	memcpy(&a, req->in->payload, sizeof(a));
	if (a.length > s->size)
		return ARBOR_E_INVALID;
	if (!s->path[0])
		return 0;              /* no run directory: reports go nowhere */
	if (!a.length) {
		unlink(s->path);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", s->path);
	f = fopen(tmp, "w");
	if (!f)
		return ARBOR_E_OUT_OF_RAM;
	if (fwrite(s->buffer, 1, a.length, f) != a.length || fclose(f)) {
		unlink(tmp);
		return ARBOR_E_OUT_OF_RAM;
	}
	rename(tmp, s->path);
	return 0;
}

static int report_response_sigh(struct arbor_rpc_request *req)
{
	struct arbor_cap *cap = arbor_msg_take_cap(req->in, 0);
	int ok = !cap || arbor_cap_kind(cap) == ARBOR_CAP_SIGNAL;

	arbor_cap_unref(cap);    /* core never responds */
	return ok ? 0 : ARBOR_E_INVALID_CAP;
}

static int report_obtain_responses(struct arbor_rpc_request *req)
{
	struct arbor_report_responses r = { 0 };

	memcpy(req->out->payload, &r, sizeof(r));
	req->out->size = sizeof(r);
	return 0;
}

static const struct arbor_rpc_op report_ops[ARBOR_REPORT_NOPS] = {
	[ARBOR_REPORT_DATASPACE] = { "dataspace", 0, 0, 0, report_dataspace },
	[ARBOR_REPORT_SUBMIT] = { "submit", sizeof(struct arbor_report_submit_args),
	                          sizeof(struct arbor_report_submit_args), 0, report_submit },
	[ARBOR_REPORT_RESPONSE_SIGH] = { "response_sigh", 0, 0, 1, report_response_sigh },
	[ARBOR_REPORT_OBTAIN_RESPONSES] = { "obtain_responses", 0, 0, 0, report_obtain_responses },
};

static const struct arbor_rpc_interface report_iface = { "Report", report_ops, ARBOR_REPORT_NOPS };

static int report_create(struct core_client *owner, const char *label, const char *args,
                         void **obj, struct arbor_cap **cap)
{
	struct report_session *s;
	uint64_t size = 0, ram = 0;
	char name[512];
	int err;

	if (arbor_args_get_u64(args, "buffer_size", &size) || !size || size > ARBOR_REPORT_BUFFER_MAX)
		return ARBOR_E_DENIED;
	arbor_args_get_u64(args, "ram_quota", &ram);
	if (ram < ARBOR_REPORT_SESSION_COST(size))
		return ARBOR_E_INSUFFICIENT_RAM;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->size = size;
	s->fd = ram_alloc(size, "report");
	if (s->fd < 0) {
		err = s->fd;
		goto fail;
	}
	s->buffer = mmap(NULL, ram_round(size), PROT_READ, MAP_SHARED, s->fd, 0);
	if (s->buffer == MAP_FAILED) {
		err = -errno;
		goto fail_fd;
	}
	err = arbor_rpc_object_manage(core.ep, &s->obj, &report_iface);
	if (err)
		goto fail_map;
	if (state_dir()) {
		file_name(label, name, sizeof(name));
		snprintf(s->path, sizeof(s->path), "%s/%s", state_dir(), name);
	}
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;

fail_map:
	munmap(s->buffer, ram_round(size));
fail_fd:
	close(s->fd);
fail:
	free(s);
	return err;
}

static void report_destroy(void *obj)
{
	struct report_session *s = obj;

	arbor_rpc_object_dissolve(&s->obj);
	if (s->path[0])
		unlink(s->path);
	munmap(s->buffer, ram_round(s->size));
	close(s->fd);
	free(s);
}

const struct core_service report_service = {
	.name = ARBOR_REPORT_SERVICE,
	.ram = 4096,
	.caps = ARBOR_REPORT_SESSION_CAPS,
	.create = report_create,
	.destroy = report_destroy,
};
