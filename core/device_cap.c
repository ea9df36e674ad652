/* Host objects core opened (/dev/kvm, sockets) handed to a client as ARBOR_CAP_DEVICE. */
#include <fcntl.h>
#include <arbor/error.h>
#include "core.h"

int core_reply_device(struct arbor_rpc_request *req, int fd)
{
	struct arbor_cap *cap;
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0), err;

	if (copy < 0)
		return ARBOR_E_OUT_OF_CAPS;
	err = arbor_cap_from_fd(copy, ARBOR_CAP_DEVICE, &cap);     /* closes copy on failure */
	if (err)
		return err;
	err = arbor_msg_add_cap(req->out, cap);
	arbor_cap_unref(cap);
	return err;
}
