/* Client side of the parent interface. */
#include <string.h>
#include <arbor/error.h>
#include <arbor/parent.h>
#include <arbor/rpc.h>
#include <session/parent.h>

int arbor_parent_session(struct arbor_cap *parent, uint32_t id, const char *service,
                         const char *args, struct arbor_cap **out)
{
	struct arbor_parent_session_args a;
	struct arbor_msg reply;
	int err;

	*out = NULL;
	if (strlen(service) >= sizeof(a.service) || strlen(args) >= sizeof(a.args))
		return ARBOR_E_TOO_LARGE;
	memset(&a, 0, sizeof(a));
	a.id = id;
	strcpy(a.service, service);
	strcpy(a.args, args);
	err = arbor_rpc_call(parent, ARBOR_PARENT_SESSION, &a, sizeof(a), NULL, 0, &reply);
	if (err >= 0) {
		*out = arbor_msg_take_cap(&reply, 0);
		if (!*out)
			err = ARBOR_E_BAD_MESSAGE;
	}
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_parent_session_cap(struct arbor_cap *parent, uint32_t id, struct arbor_cap **out)
{
	struct arbor_parent_id_args a = { .id = id };
	struct arbor_msg reply;
	int err;

	*out = NULL;
	err = arbor_rpc_call(parent, ARBOR_PARENT_SESSION_CAP, &a, sizeof(a), NULL, 0, &reply);
	if (err >= 0) {
		*out = arbor_msg_take_cap(&reply, 0);
		if (!*out)
			err = ARBOR_E_BAD_MESSAGE;
	}
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_parent_close(struct arbor_cap *parent, uint32_t id)
{
	struct arbor_parent_id_args a = { .id = id };
	struct arbor_msg reply;
	int err = arbor_rpc_call(parent, ARBOR_PARENT_CLOSE, &a, sizeof(a), NULL, 0, &reply);

	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_parent_exit(struct arbor_cap *parent, int code)
{
	struct arbor_parent_exit_args a = { .code = code };
	struct arbor_msg reply;
	int err = arbor_rpc_call(parent, ARBOR_PARENT_EXIT, &a, sizeof(a), NULL, 0, &reply);

	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}
