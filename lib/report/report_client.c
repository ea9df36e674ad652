/* Client side of the Report session: a mapped buffer and the SUBMIT call. */
#include <stdio.h>
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <report/report_client.h>

int report_connection_open(struct arbor_env *env, struct report_connection *r,
                           const char *label, size_t buffer_size)
{
	char extra[40];
	int err;

	memset(r, 0, sizeof(*r));
	if (!buffer_size || buffer_size > ARBOR_REPORT_BUFFER_MAX)
		return ARBOR_E_INVALID;
	snprintf(extra, sizeof(extra), "buffer_size=%zu", buffer_size);
	err = arbor_connection_open(env, &r->conn, ARBOR_REPORT_SERVICE, label,
	                            ARBOR_REPORT_SESSION_RAM(buffer_size),
	                            ARBOR_REPORT_SESSION_CAPS, extra);
	if (err)
		return err;
	r->env = env;
	r->buffer_size = buffer_size;
	err = arbor_ds_attach_from_call(r->conn.cap, ARBOR_REPORT_DATASPACE, ARBOR_DS_WRITE,
	                                buffer_size, (void **)&r->buffer, &r->mapped);
	if (err)
		report_connection_close(r);
	return err;
}

int report_submit(struct report_connection *r, const void *text, size_t len)
{
	struct arbor_report_submit_args a = { .length = len };
	struct arbor_msg reply;
	int err;

	if (len > r->buffer_size)
		return ARBOR_E_TOO_LARGE;
	memcpy(r->buffer, text, len);
	err = arbor_rpc_call(r->conn.cap, ARBOR_REPORT_SUBMIT, &a, sizeof(a), NULL, 0, &reply);
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

void report_connection_close(struct report_connection *r)
{
	if (r->buffer)
		arbor_ds_detach(r->buffer, r->mapped);
	if (r->env)
		arbor_connection_close(r->env, &r->conn);
	memset(r, 0, sizeof(*r));
}
