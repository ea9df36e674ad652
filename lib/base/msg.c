/* RPC message helpers: a message owns the capabilities in its slots. */
#include <arbor/error.h>
#include "internal.h"

void arbor_msg_init(struct arbor_msg *msg)
{
	msg->word = 0;
	msg->size = 0;
	msg->ncaps = 0;
}

struct arbor_cap *arbor_msg_take_cap(struct arbor_msg *msg, unsigned i)
{
	struct arbor_cap *cap;

	if (i >= msg->ncaps)
		return NULL;
	cap = msg->caps[i];
	msg->caps[i] = NULL;
	return cap;
}

int arbor_msg_add_cap(struct arbor_msg *msg, struct arbor_cap *cap)
{
	if (msg->ncaps >= ARBOR_MSG_CAPS_MAX)
		return ARBOR_E_TOO_LARGE;
	msg->caps[msg->ncaps++] = arbor_cap_ref(cap);
	return 0;
}

void arbor_msg_release(struct arbor_msg *msg)
{
	for (unsigned i = 0; i < msg->ncaps; i++) {
		arbor_cap_unref(msg->caps[i]);
		msg->caps[i] = NULL;
	}
	msg->ncaps = 0;
}
