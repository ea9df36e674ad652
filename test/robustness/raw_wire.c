/* Arbor's wire format by hand, for hostile tests (see raw_wire.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "raw_wire.h"

int raw_wire_send(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
	static union { char buf[CMSG_SPACE(sizeof(int) * RAW_WIRE_FDS_MAX)]; struct cmsghdr align; } ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > RAW_WIRE_FDS_MAX)
		return -EINVAL;
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
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int raw_wire_send_msg(int sock, int32_t word, const uint8_t kinds[4], const void *payload,
                 size_t size, const int *fds, unsigned nfds)
{
	static unsigned char buf[1 << 17];
	struct raw_wire_header h = { .type = word == RAW_WIRE_CLONE ? RAW_TYPE_CLONE : RAW_TYPE_CALL,
	                        .word = word == RAW_WIRE_CLONE ? 0 : word };

	if (size > sizeof(buf) - sizeof(h))
		return -E2BIG;
	if (kinds)
		memcpy(h.kinds, kinds, sizeof(h.kinds));
	memcpy(buf, &h, sizeof(h));
	if (size)
		memcpy(buf + sizeof(h), payload, size);
	return raw_wire_send(sock, buf, sizeof(h) + size, fds, nfds);
}

/* The server's grant on our scratch socket: one fd, the new connection. */
static int receive_grant(int sock, int ms, int *conn)
{
	union { char buf[CMSG_SPACE(sizeof(int) * RAW_WIRE_FDS_MAX)]; struct cmsghdr align; } ctl;
	struct raw_wire_header h;
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	                     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	unsigned nfds = 0;
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned count = (unsigned)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (unsigned i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (nfds++ == 0 && *conn < 0)
				*conn = fd;
			else
				close(fd);
		}
	}
	if (n == (ssize_t)sizeof(h) && h.type == RAW_TYPE_GRANT && nfds == 1)
		return 0;
	if (*conn >= 0)
		close(*conn);
	*conn = -1;
	return n == 0 ? -ECONNRESET : -EPROTO;
}

int raw_wire_clone(int door, int *conn)
{
	static const uint8_t kinds[4] = { 2, 0, 0, 0 };
	int sv[2], err;

	*conn = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	err = raw_wire_send_msg(door, RAW_WIRE_CLONE, kinds, NULL, 0, &sv[1], 1);
	close(sv[1]);
	if (!err)
		err = receive_grant(sv[0], 2000, conn);
	close(sv[0]);
	return err;
}

enum raw_outcome raw_wire_await(int conn, int ms, struct raw_reply *reply)
{
	static struct raw_reply scratch;
	union { char buf[CMSG_SPACE(sizeof(int) * RAW_WIRE_FDS_MAX)]; struct cmsghdr align; } ctl;
	struct raw_wire_header h;
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	struct pollfd p = { .fd = conn, .events = POLLIN };
	ssize_t n;

	if (!reply)
		reply = &scratch;
	memset(reply, 0, offsetof(struct raw_reply, payload));
	for (;;) {
		int r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return RAW_ERROR;
		if (r == 0)
			return RAW_SILENT;
		break;
	}
	iov[0] = (struct iovec){ .iov_base = &h, .iov_len = sizeof(h) };
	iov[1] = (struct iovec){ .iov_base = reply->payload, .iov_len = sizeof(reply->payload) };
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(conn, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned count = (unsigned)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (unsigned i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(fd);
			reply->nfds++;
		}
	}
	if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
		return RAW_CLOSED;
	if (n < 0)
		return errno == EAGAIN ? RAW_SILENT : RAW_ERROR;
	if ((size_t)n < sizeof(h))
		return RAW_ERROR;
	reply->status = h.word;
	reply->size = (size_t)n - sizeof(h);
	return RAW_REPLY;
}

enum raw_outcome raw_wire_call(int conn, int32_t opcode, const void *payload, size_t size, int ms,
                          struct raw_reply *reply)
{
	if (raw_wire_send_msg(conn, opcode, NULL, payload, size, NULL, 0))
		return RAW_CLOSED;
	return raw_wire_await(conn, ms, reply);
}

const char *raw_wire_outcome_text(enum raw_outcome o, const struct raw_reply *reply, char *buf,
                             size_t size)
{
	switch (o) {
	case RAW_REPLY:
		snprintf(buf, size, "reply status %d (%s)", reply->status,
		         reply->status < 0 && strerrorname_np(-reply->status) ?
		         strerrorname_np(-reply->status) : "ok");
		break;
	case RAW_CLOSED:
		snprintf(buf, size, "connection closed by server");
		break;
	case RAW_SILENT:
		snprintf(buf, size, "no answer (dropped)");
		break;
	default:
		snprintf(buf, size, "receive error");
		break;
	}
	return buf;
}

unsigned raw_wire_count_fds(void)
{
	unsigned n = 0;

	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}
