/* Client side of the parent interface: one RPC per call, no waiting. */
#include <stdatomic.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/parent.h>
#include <arbor/rpc.h>

static atomic_uint next_session_id = ARBOR_ENV_IDS_END;

uint32_t arbor_session_id_alloc(void)
{
	return atomic_fetch_add(&next_session_id, 1);
}

/*
 * One call; when out is given, a successful reply must carry a capability.
 * ARBOR_E_PENDING and errors leave *out NULL.
 */
static int call(struct arbor_cap *parent, uint32_t op, const void *args, size_t size,
                struct arbor_cap *cap_arg, struct arbor_cap **out,
                void *reply_payload, size_t reply_size)
{
	struct arbor_cap *caps[1] = { cap_arg };
	struct arbor_msg reply;
	int err;

	if (out)
		*out = NULL;
	err = arbor_rpc_call(parent, op, args, size, caps, cap_arg ? 1 : 0, &reply);
	if (err >= 0 && out) {
		*out = arbor_msg_take_cap(&reply, 0);
		if (!*out)
			err = ARBOR_E_BAD_MESSAGE;
	}
	if (err >= 0 && reply_payload) {
		if (reply.size != reply_size)
			err = ARBOR_E_BAD_MESSAGE;
		else
			memcpy(reply_payload, reply.payload, reply_size);
	}
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_parent_session(struct arbor_cap *parent, uint32_t id, const char *service,
                         const char *args, struct arbor_cap **out)
{
	struct arbor_parent_session_args a;

	*out = NULL;
	if (strlen(service) >= sizeof(a.service) || strlen(args) >= sizeof(a.args))
		return ARBOR_E_TOO_LARGE;
	memset(&a, 0, sizeof(a));
	a.id = id;
	strcpy(a.service, service);
	strcpy(a.args, args);
	return call(parent, ARBOR_PARENT_SESSION, &a, sizeof(a), NULL, out, NULL, 0);
}

int arbor_parent_session_cap(struct arbor_cap *parent, uint32_t id, struct arbor_cap **out)
{
	struct arbor_parent_id_args a = { .id = id };

	return call(parent, ARBOR_PARENT_SESSION_CAP, &a, sizeof(a), NULL, out, NULL, 0);
}

int arbor_parent_upgrade(struct arbor_cap *parent, uint32_t id, uint64_t ram, uint64_t caps)
{
	struct arbor_parent_upgrade_args a = { .id = id, .ram = ram, .caps = caps };

	return call(parent, ARBOR_PARENT_UPGRADE, &a, sizeof(a), NULL, NULL, NULL, 0);
}

int arbor_parent_close(struct arbor_cap *parent, uint32_t id)
{
	struct arbor_parent_id_args a = { .id = id };

	return call(parent, ARBOR_PARENT_CLOSE, &a, sizeof(a), NULL, NULL, NULL, 0);
}

int arbor_parent_exit(struct arbor_cap *parent, int code)
{
	struct arbor_parent_exit_args a = { .code = code };

	return call(parent, ARBOR_PARENT_EXIT, &a, sizeof(a), NULL, NULL, NULL, 0);
}

int arbor_parent_sigh(struct arbor_cap *parent, unsigned which, struct arbor_cap *context)
{
	struct arbor_parent_sigh_args a = { .which = which };

	if (!context)
		return ARBOR_E_INVALID_CAP;
	return call(parent, ARBOR_PARENT_SIGH, &a, sizeof(a), context, NULL, NULL, 0);
}

int arbor_parent_announce(struct arbor_cap *parent, const char *service)
{
	struct arbor_parent_announce_args a;

	if (strlen(service) >= sizeof(a.service))
		return ARBOR_E_TOO_LARGE;
	memset(&a, 0, sizeof(a));
	strcpy(a.service, service);
	return call(parent, ARBOR_PARENT_ANNOUNCE, &a, sizeof(a), NULL, NULL, NULL, 0);
}

int arbor_parent_next_request(struct arbor_cap *parent, struct arbor_parent_request *out)
{
	int err = call(parent, ARBOR_PARENT_NEXT_REQUEST, NULL, 0, NULL, NULL, out, sizeof(*out));

	if (err)
		return err;
	/* the parent is trusted, but a torn string would still be a bug here */
	out->service[sizeof(out->service) - 1] = '\0';
	out->args[sizeof(out->args) - 1] = '\0';
	return 0;
}

int arbor_parent_deliver(struct arbor_cap *parent, uint32_t server_id, struct arbor_cap *session)
{
	struct arbor_parent_deliver_args a = { .server_id = server_id };

	if (!session)
		return ARBOR_E_INVALID_CAP;
	return call(parent, ARBOR_PARENT_DELIVER, &a, sizeof(a), session, NULL, NULL, 0);
}

int arbor_parent_response(struct arbor_cap *parent, uint32_t server_id, int result)
{
	struct arbor_parent_response_args a = { .server_id = server_id, .result = result };

	return call(parent, ARBOR_PARENT_RESPONSE, &a, sizeof(a), NULL, NULL, NULL, 0);
}

int arbor_parent_resource_request(struct arbor_cap *parent, uint64_t ram, uint64_t caps)
{
	struct arbor_parent_quota a = { .ram = ram, .caps = caps };

	return call(parent, ARBOR_PARENT_RESOURCE_REQUEST, &a, sizeof(a), NULL, NULL, NULL, 0);
}

int arbor_parent_yield_request(struct arbor_cap *parent, struct arbor_parent_quota *out)
{
	memset(out, 0, sizeof(*out));
	return call(parent, ARBOR_PARENT_YIELD_REQUEST, NULL, 0, NULL, NULL, out, sizeof(*out));
}

int arbor_parent_yield_response(struct arbor_cap *parent)
{
	return call(parent, ARBOR_PARENT_YIELD_RESPONSE, NULL, 0, NULL, NULL, NULL, 0);
}

int arbor_parent_heartbeat_response(struct arbor_cap *parent)
{
	return call(parent, ARBOR_PARENT_HEARTBEAT_RESPONSE, NULL, 0, NULL, NULL, NULL, 0);
}
