/*
 * The wire format of RPC messages: one SOCK_SEQPACKET record per message,
 * header + payload, capability fds in one SCM_RIGHTS block. This is the
 * only place that turns raw fds into capabilities, and it closes every fd
 * of a message it rejects (a received fd has exactly one owner).
 */
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arbor/error.h>
#include "internal.h"

#define CMSG_SPACE_FDS CMSG_SPACE(sizeof(int) * ARBOR_MSG_CAPS_MAX)

static int kind_carries_fd(uint8_t kind)
{
	return kind == ARBOR_CAP_RPC || kind == ARBOR_CAP_DATASPACE || kind == ARBOR_CAP_SIGNAL ||
	       kind == ARBOR_CAP_DEVICE;
}

static int send_msg(int fd, struct msghdr *mh, int dontwait)
{
	int flags = MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0);

	for (;;) {
		ssize_t n = sendmsg(fd, mh, flags);
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN || errno == ECONNREFUSED)
			return ARBOR_E_OBJECT_GONE;
		if (errno == EAGAIN)
			return ARBOR_E_AGAIN;
		if (errno == ENOTSOCK || errno == EBADF)
			return ARBOR_E_INVALID_CAP;
		return -errno;
	}
}

int wire_send(int fd, enum wire_type type, int32_t word, const void *payload, size_t size,
              struct arbor_cap *const caps[], unsigned ncaps, int dontwait)
{
	struct wire_header hdr = { .type = type, .word = word };
	union { char buf[CMSG_SPACE_FDS]; struct cmsghdr align; } ctl;
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 1 };
	int fds[ARBOR_MSG_CAPS_MAX];
	unsigned nfds = 0;

	if (size > ARBOR_MSG_PAYLOAD_MAX || ncaps > ARBOR_MSG_CAPS_MAX)
		return ARBOR_E_TOO_LARGE;

	for (unsigned i = 0; i < ncaps; i++) {
		struct arbor_cap *cap = caps[i];
		if (!cap || cap->kind == ARBOR_CAP_INVALID || cap->fd < 0) {
			hdr.kinds[i] = ARBOR_CAP_INVALID;
			continue;
		}
		hdr.kinds[i] = cap->kind;
		fds[nfds++] = cap->fd;
	}

	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	if (size) {
		iov[1].iov_base = (void *)payload;
		iov[1].iov_len = size;
		mh.msg_iovlen = 2;
	}
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return send_msg(fd, &mh, dontwait);
}

int wire_send_fd(int fd, enum wire_type type, int passed_fd, int dontwait)
{
	struct wire_header hdr = { .type = type, .kinds = { ARBOR_CAP_RPC } };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
	struct iovec iov = { .iov_base = &hdr, .iov_len = sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	                     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };

	memset(&ctl, 0, sizeof(ctl));
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passed_fd, sizeof(int));
	return send_msg(fd, &mh, dontwait);
}

static void close_fds(const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

/* Collect the fds of every SCM_RIGHTS block; more than max is an error. */
static int collect_fds(struct msghdr *mh, int *fds, unsigned max, unsigned *n)
{
	int overflow = 0;

	*n = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (unsigned i = 0; i < count; i++) {
			int f;
			memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*n < max)
				fds[(*n)++] = f;
			else {
				close(f);
				overflow = 1;
			}
		}
	}
	return overflow ? ARBOR_E_BAD_MESSAGE : 0;
}

static int wrap_fd(int fd, uint8_t kind, struct arbor_cap **out)
{
	struct stat st;

	*out = NULL;
	if (kind == ARBOR_CAP_RPC)
		return cap_import_rpc(fd, out);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return ARBOR_E_BAD_MESSAGE;
	}
	/*
	 * A dataspace is a regular file (memfd); a signal context an eventfd; a
	 * device a chardev, a socket core made (Host_tcp, Host_terminal) or a
	 * host file core opened (Host_file).
	 */
	if ((kind == ARBOR_CAP_DATASPACE && !S_ISREG(st.st_mode)) ||
	    (kind == ARBOR_CAP_DEVICE && !S_ISCHR(st.st_mode) && !S_ISSOCK(st.st_mode) &&
	     !S_ISREG(st.st_mode)) ||
	    (kind == ARBOR_CAP_SIGNAL && (S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode) ||
	                                  S_ISDIR(st.st_mode) || S_ISFIFO(st.st_mode)))) {
		close(fd);
		return ARBOR_E_BAD_MESSAGE;
	}
	*out = cap_alloc(fd, kind);
	if (!*out) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

int wire_recv(int fd, enum wire_type type, struct arbor_msg *msg, int dontwait, int *raw_fd)
{
	struct wire_header hdr;
	union { char buf[CMSG_SPACE_FDS]; struct cmsghdr align; } ctl;
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = msg->payload, .iov_len = sizeof(msg->payload) },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
	                     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	int fds[ARBOR_MSG_CAPS_MAX];
	unsigned nfds = 0, want = 0;
	ssize_t n;
	int err;

	msg->size = 0;
	msg->ncaps = 0;
	if (raw_fd)
		*raw_fd = -1;

	for (;;) {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | (dontwait ? MSG_DONTWAIT : 0));
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		if (errno == EAGAIN)
			return ARBOR_E_AGAIN;
		if (errno == ECONNRESET || errno == EPIPE)
			return ARBOR_E_OBJECT_GONE;
		if (errno == ENOTSOCK || errno == EBADF)
			return ARBOR_E_INVALID_CAP;
		return -errno;
	}

	err = collect_fds(&mh, fds, ARBOR_MSG_CAPS_MAX, &nfds);
	if (n == 0 && nfds == 0)
		return ARBOR_E_OBJECT_GONE;
	if (err || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof(hdr) ||
	    hdr.type != type)
		goto bad;

	for (unsigned i = 0; i < ARBOR_MSG_CAPS_MAX; i++) {
		uint8_t k = hdr.kinds[i];
		if (k > ARBOR_CAP_DEVICE)
			goto bad;
		if (k != ARBOR_CAP_NONE)
			msg->ncaps = i + 1;
		want += kind_carries_fd(k);
	}
	if (want != nfds)
		goto bad;

	msg->word = hdr.word;
	msg->size = (uint32_t)(n - sizeof(hdr));

	if (type == WIRE_CLONE || type == WIRE_GRANT) {
		/* A clone request or grant carries one plain socket, nothing else. */
		if (!raw_fd || nfds != 1 || msg->ncaps != 1 || hdr.kinds[0] != ARBOR_CAP_RPC || msg->size)
			goto bad;
		msg->ncaps = 0;
		*raw_fd = fds[0];
		return 0;
	}

	unsigned next = 0;
	for (unsigned i = 0; i < msg->ncaps; i++) {
		msg->caps[i] = NULL;
		if (!kind_carries_fd(hdr.kinds[i]))
			continue;
		err = wrap_fd(fds[next++], hdr.kinds[i], &msg->caps[i]);
		if (err) {
			close_fds(fds + next, nfds - next);
			for (unsigned j = 0; j < i; j++)
				arbor_cap_unref(msg->caps[j]);
			msg->ncaps = 0;
			return err == -ENOMEM ? err : ARBOR_E_BAD_MESSAGE;
		}
	}
	return 0;

bad:
	close_fds(fds, nfds);
	msg->ncaps = 0;
	msg->size = 0;
	return ARBOR_E_BAD_MESSAGE;
}
