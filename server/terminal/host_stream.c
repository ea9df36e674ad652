/*
 * The stream of the host terminal attached to our Host_terminal session.
 * Core signals every attachment change; we hold at most one stream, read
 * its 'i' and 'w' messages while the input buffer has room for a whole
 * message, and send output as 'o' messages without ever waiting: a full
 * stream makes the write short and EPOLLOUT says when to go on.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/host_terminal.h>
#include <session/terminal.h>
#include "host_stream.h"

#define INPUT_MAX ARBOR_TERMINAL_IO_BUFFER

static struct {
	const struct host_stream_events *ev;
	struct arbor_env *env;
	struct arbor_connection session;
	struct arbor_signal_handler attached;
	struct arbor_cap *stream;             /* NULL: no terminal attached */
	int announced;                        /* connected reported: the tool spoke first */
	struct arbor_io io;                   /* the stream's fd, borrowed from the cap */
	uint32_t watched;                     /* events io is watched for, 0: not watched */
	int output_full;
	struct arbor_host_terminal_window window;
	char input[INPUT_MAX];                /* a ring of typed bytes */
	size_t head, len;
} hs;

/* Watch for what we can take now: input while a whole message fits, room while output waits. */
static void rewatch(void)
{
	uint32_t want = 0;

	if (hs.stream) {
		want = EPOLLRDHUP;
		if (INPUT_MAX - hs.len >= ARBOR_HOST_TERMINAL_MSG_MAX)
			want |= EPOLLIN;
		if (hs.output_full)
			want |= EPOLLOUT;
	}
	if (want == hs.watched)
		return;
	if (hs.watched)
		arbor_io_unwatch(&hs.io);
	hs.watched = 0;
	if (want && !arbor_io_watch(hs.env->ep, &hs.io, want))
		hs.watched = want;
}

static void refresh(void);

static void drop_stream(void)
{
	struct arbor_cap *stream = hs.stream;

	hs.output_full = 0;
	hs.stream = NULL;
	rewatch();
	arbor_cap_unref(stream);
	if (hs.announced)
		hs.ev->connected(0);
	hs.announced = 0;
	refresh();                       /* another terminal may be there already */
}

static void add_input(const char *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hs.input[(hs.head + hs.len + i) % INPUT_MAX] = bytes[i];
	hs.len += n;
}

/* Take the messages waiting (as many as fit). Returns 0, or -1 once the stream ended. */
static int receive(void)
{
	char buf[1 + ARBOR_HOST_TERMINAL_MSG_MAX + 1];
	size_t before = hs.len;
	int got = 0;

	while (INPUT_MAX - hs.len >= ARBOR_HOST_TERMINAL_MSG_MAX) {
		struct iovec iov = { buf, sizeof(buf) };
		/* no room for control data: fds sent along are dropped by the kernel, never installed */
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(hs.io.fd, &mh, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0)
			return -1;               /* end of stream: the terminal left */
		got = 1;
		if (!(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && buf[0] == ARBOR_HOST_TERMINAL_INPUT &&
		    n > 1 && (size_t)n <= 1 + ARBOR_HOST_TERMINAL_MSG_MAX) {
			add_input(buf + 1, (size_t)n - 1);
		} else if (!(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
		           buf[0] == ARBOR_HOST_TERMINAL_WINDOW && n == 1 + sizeof(hs.window)) {
			memcpy(&hs.window, buf + 1, sizeof(hs.window));
			hs.ev->size(hs.window.columns, hs.window.lines);
		} else {
			arbor_warning("terminal: a malformed message from the host terminal (type 0x%02x, "
			              "%zd bytes) ignored", (unsigned char)buf[0], n);
		}
	}
	/* the tool sends the window first: connected with the size known */
	if (got && !hs.announced) {
		hs.announced = 1;
		hs.ev->connected(1);
	}
	if (hs.len > before)
		hs.ev->input();
	return 0;
}

static void stream_ready(struct arbor_io *io, uint32_t events)
{
	if (events & EPOLLOUT) {
		hs.output_full = 0;
		rewatch();
		hs.ev->output_ready();
	}
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && hs.stream && receive())
		drop_stream();
	else
		rewatch();
}

/* A stream whose other end is already gone is one core has not noticed leaving yet. */
static int alive(struct arbor_cap *stream)
{
	struct pollfd pfd = { .fd = arbor_cap_fd(stream), .events = POLLRDHUP };
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(pfd.fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET)
		return 0;
	return poll(&pfd, 1, 0) == 0;
}

/* Take the attached terminal's stream if we hold none. */
static void refresh(void)
{
	struct arbor_msg reply;
	struct arbor_cap *cap = NULL;
	int err;

	if (hs.stream)
		return;                  /* a change shows on the stream we hold first */
	err = arbor_rpc_call(hs.session.cap, ARBOR_HOST_TERMINAL_STREAM, NULL, 0, NULL, 0, &reply);
	if (err >= 0)
		cap = arbor_msg_take_cap(&reply, 0);
	arbor_msg_release(&reply);
	if (!cap)
		return;
	if (arbor_cap_kind(cap) != ARBOR_CAP_DEVICE || !alive(cap)) {
		arbor_cap_unref(cap);
		return;
	}
	hs.stream = cap;
	hs.io.fd = arbor_cap_fd(cap);
	hs.io.fn = stream_ready;
	memset(&hs.window, 0, sizeof(hs.window));
	rewatch();
}

static void attached_changed(struct arbor_signal_handler *sh, uint64_t count)
{
	refresh();
}

int host_stream_open(struct arbor_env *env, const struct host_stream_events *ev)
{
	struct arbor_msg reply;
	struct arbor_cap *sigh;
	int err;

	hs.env = env;
	hs.ev = ev;
	err = arbor_connection_open(env, &hs.session, ARBOR_HOST_TERMINAL_SERVICE, "",
	                            ARBOR_HOST_TERMINAL_SESSION_RAM, ARBOR_HOST_TERMINAL_SESSION_CAPS,
	                            NULL);
	if (err)
		return err;
	err = arbor_signal_handler_init(&hs.attached, env->ep, attached_changed);
	if (err)
		return err;
	sigh = arbor_signal_handler_cap(&hs.attached);
	err = arbor_rpc_call(hs.session.cap, ARBOR_HOST_TERMINAL_ATTACHED_SIGH, NULL, 0, &sigh, 1,
	                     &reply);
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

size_t host_stream_read(void *dst, size_t max)
{
	size_t n = max < hs.len ? max : hs.len;

	for (size_t i = 0; i < n; i++)
		((char *)dst)[i] = hs.input[(hs.head + i) % INPUT_MAX];
	hs.head = (hs.head + n) % INPUT_MAX;
	hs.len -= n;
	rewatch();                       /* room again: take what waits in the stream */
	return n;
}

size_t host_stream_avail(void)
{
	return hs.len;
}

size_t host_stream_write(const void *src, size_t len)
{
	char type = ARBOR_HOST_TERMINAL_OUTPUT;
	size_t done = 0;

	while (hs.stream && done < len) {
		size_t chunk = len - done < ARBOR_HOST_TERMINAL_MSG_MAX ? len - done
		                                                        : ARBOR_HOST_TERMINAL_MSG_MAX;
		struct iovec iov[2] = { { &type, 1 }, { (char *)src + done, chunk } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

		if (sendmsg(hs.io.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				break;       /* broken: the hang-up shows on the stream soon */
			hs.output_full = 1;
			rewatch();
			return done;
		}
		done += chunk;
	}
	return len;
}

int host_stream_connected(void)
{
	return hs.announced;
}

void host_stream_window(unsigned *columns, unsigned *lines)
{
	*columns = hs.window.columns;
	*lines = hs.window.lines;
}
