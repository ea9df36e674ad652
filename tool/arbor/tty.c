/*
 * The terminal relay (see tty.h). Everything the stream brings is checked
 * (type, length, no fds: none is ever installed) before a byte reaches the
 * screen; a stream that breaks the protocol is dropped. Typed bytes never
 * wait for a slow component: up to one message's worth is kept, the rest
 * is lost as a full tty input queue loses it, and Ctrl-] always works.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include <session/host_terminal.h>
#include "tty.h"

#define TTY_LABEL_MAX 512
#define OUTPUT_BATCH 64                   /* messages per round, so that typing stays responsive */

static struct {
	int stream;                           /* -1: not relaying */
	char label[TTY_LABEL_MAX];
	char pending[ARBOR_HOST_TERMINAL_MSG_MAX];   /* typed, not yet taken by the stream */
	size_t pending_len;
	int window_pending;
	int winch[2];                         /* SIGWINCH's self-pipe */
	int guarded;                          /* atexit and the fatal signals' handlers are in place */
} relay = { .stream = -1, .winch = { -1, -1 } };

/* What the handlers may touch: the saved mode and whether it is to be restored. */
static struct termios saved;
static volatile sig_atomic_t raw;

void tty_restore(void)
{
	if (raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		raw = 0;
	}
}

static void restore_at_exit(void)
{
	tty_restore();
}

static void fatal_signal(int sig)
{
	int saved_errno = errno;

	tty_restore();
	errno = saved_errno;
	raise(sig);                          /* SA_RESETHAND: the default action now */
}

static void winch_signal(int sig)
{
	int saved_errno = errno;
	char c = 0;

	if (write(relay.winch[1], &c, 1) < 0) {
		/* full: a resize is already noted */
	}
	errno = saved_errno;
}

/* Once: whatever ends the process, the terminal comes back as it was. */
static int guard(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGQUIT, SIGTRAP };
	struct sigaction sa;

	if (relay.guarded)
		return 0;
	if (pipe2(relay.winch, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	atexit(restore_at_exit);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	sa.sa_handler = winch_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, NULL);
	relay.guarded = 1;
	return 0;
}

/*
 * Raw input (as cfmakeraw: no line editing, echo, signals or flow control,
 * 8 bits) but output processing kept: OPOST|ONLCR makes the tool's and
 * core's log lines between start at the left margin.
 */
static int enter_raw(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved))
		return -errno;
	t = saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	raw = 1;                             /* first: a signal between the two restores too */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
		raw = 0;
		return -errno;
	}
	return 0;
}

/* Labels come from core, but reach the screen: no control characters. */
static void printable(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = len < size - 1 ? len : size - 1;

	for (size_t i = 0; i < n; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
	dst[n] = '\0';
}

/* Send what waits: the window first, then typed bytes. Returns 0 or -1 (the stream broke). */
static int flush(void)
{
	if (relay.window_pending) {
		struct winsize ws = { 0 };
		char msg[1 + sizeof(struct arbor_host_terminal_window)];
		struct arbor_host_terminal_window w;

		ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
		w.columns = ws.ws_col;
		w.lines = ws.ws_row;
		msg[0] = ARBOR_HOST_TERMINAL_WINDOW;
		memcpy(msg + 1, &w, sizeof(w));
		if (send(relay.stream, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		relay.window_pending = 0;
	}
	if (relay.pending_len) {
		char type = ARBOR_HOST_TERMINAL_INPUT;
		struct iovec iov[2] = { { &type, 1 }, { relay.pending, relay.pending_len } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

		if (sendmsg(relay.stream, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		relay.pending_len = 0;
	}
	return 0;
}

int tty_relay_start(int stream, const char *label, const char *escape_does)
{
	int err;

	if (!isatty(STDIN_FILENO)) {
		close(stream);
		return -ENOTTY;
	}
	err = guard();
	if (!err)
		err = enter_raw();
	if (err) {
		close(stream);
		return err;
	}
	relay.stream = stream;
	printable(relay.label, sizeof(relay.label), label, strlen(label));
	relay.pending_len = 0;
	relay.window_pending = 1;
	fflush(stdout);
	fprintf(stderr, "arbor: terminal attached to '%s'; Ctrl-] %s\n", relay.label, escape_does);
	flush();
	return 0;
}

int tty_relay_active(void)
{
	return relay.stream >= 0;
}

unsigned tty_relay_pollfds(struct pollfd *pfd)
{
	pfd[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = relay.stream, .events = POLLIN };
	if (relay.window_pending || relay.pending_len)
		pfd[1].events |= POLLOUT;
	pfd[2] = (struct pollfd){ .fd = relay.winch[0], .events = POLLIN };
	return 3;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The stream's output to the screen, checked message by message. */
static int from_stream(void)
{
	char buf[1 + ARBOR_HOST_TERMINAL_MSG_MAX + 1];

	for (unsigned i = 0; i < OUTPUT_BATCH; i++) {
		struct iovec iov = { buf, sizeof(buf) };
		/* no room for control data: fds sent along are dropped by the kernel, never installed */
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(relay.stream, &mh, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return TTY_RELAY_ON;
		if (n <= 0)
			return TTY_RELAY_ENDED;
		if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || n < 2 ||
		    (size_t)n > 1 + ARBOR_HOST_TERMINAL_MSG_MAX || buf[0] != ARBOR_HOST_TERMINAL_OUTPUT) {
			fprintf(stderr, "\narbor: '%s' sent a malformed terminal message (type 0x%02x, "
			        "length %zd)\n", relay.label, (unsigned char)buf[0], n);
			return TTY_RELAY_ENDED;
		}
		if (write_all(STDOUT_FILENO, buf + 1, (size_t)n - 1))
			return TTY_RELAY_ESCAPE;     /* the terminal is gone */
	}
	return TTY_RELAY_ON;
}

/* Typed bytes to the stream; Ctrl-] ends the relay (what it typed before still goes). */
static int from_terminal(void)
{
	char buf[ARBOR_HOST_TERMINAL_MSG_MAX];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	char *escape;
	size_t take, room;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TTY_RELAY_ON;
	if (n <= 0)
		return TTY_RELAY_ESCAPE;         /* hung up */
	escape = memchr(buf, TTY_ESCAPE, (size_t)n);
	take = escape ? (size_t)(escape - buf) : (size_t)n;
	room = sizeof(relay.pending) - relay.pending_len;
	if (take > room)
		take = room;
	memcpy(relay.pending + relay.pending_len, buf, take);
	relay.pending_len += take;
	if (flush())
		return TTY_RELAY_ENDED;
	return escape ? TTY_RELAY_ESCAPE : TTY_RELAY_ON;
}

int tty_relay_handle(const struct pollfd *pfd, unsigned n)
{
	int state = TTY_RELAY_ON;
	char drain[64];

	if (n < 3 || relay.stream < 0)
		return TTY_RELAY_ENDED;
	if (pfd[2].revents & POLLIN) {
		while (read(relay.winch[0], drain, sizeof(drain)) > 0)
			;
		relay.window_pending = 1;
	}
	if ((pfd[1].revents & POLLOUT) || relay.window_pending)
		if (flush())
			return TTY_RELAY_ENDED;
	if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
		state = from_stream();
	if (state == TTY_RELAY_ON && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
		state = from_terminal();
	return state;
}

void tty_relay_stop(int say)
{
	if (relay.stream < 0)
		return;
	close(relay.stream);
	relay.stream = -1;
	relay.pending_len = 0;
	relay.window_pending = 0;
	tty_restore();
	if (say)
		fprintf(stderr, "arbor: terminal detached from '%s'\n", relay.label);
}

int tty_ctl_recv(int sock, char *type, char *text, size_t size, int *fd)
{
	char buf[1 + ARBOR_HOST_TERMINAL_CTL_MAX + 1];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
	                     .msg_controllen = sizeof(control.space) };
	ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	int fds = 0, malformed;

	*fd = -1;
	if (n < 0)
		return -errno;
	/* every fd that came is ours to close, unless it is the one the message carries */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (!fds++)
				*fd = f;
			else
				close(f);
		}
	}
	if (n == 0 && !fds)
		return 1;
	malformed = n < 1 || (size_t)n > 1 + ARBOR_HOST_TERMINAL_CTL_MAX ||
	            (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || fds > 1 ||
	            (buf[0] == ARBOR_HOST_TERMINAL_CTL_STREAM) != (fds == 1) ||
	            (buf[0] != ARBOR_HOST_TERMINAL_CTL_STREAM && buf[0] != ARBOR_HOST_TERMINAL_CTL_ERROR);
	if (malformed) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	*type = buf[0];
	printable(text, size, buf + 1, (size_t)n - 1);
	return 0;
}
