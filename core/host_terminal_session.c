/*
 * Host_terminal service: a person's terminal, attached to a session as a
 * stream (one end of a SOCK_SEQPACKET pair; the arbor tool holds the other
 * end and relays the real terminal). Core never touches the terminal or
 * its bytes: it makes the pair, hands the ends out and watches who leaves.
 * Terminals come two ways: the one `arbor run` was started on
 * (--terminal-fd), lent to the oldest session waiting for one, and those
 * `arbor attach` brings through ARBOR_HOST_TERMINAL_SOCKET in the run
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <arbor/error.h>
#include <session/host_terminal.h>
#include "core.h"

#define ATTACH_REQUESTS_MAX 8

struct host_terminal_session {
	struct arbor_rpc_object obj;
	struct host_terminal_session *next;   /* in creation order: the run's terminal goes to the oldest */
	char label[ARBOR_LABEL_MAX];
	struct arbor_cap *sigh;               /* attached_sigh, or NULL */
	/*
	 * core's copy of the component's end of the stream (fd -1: none
	 * attached), watched for the tool's hang-up only: its bytes are the
	 * component's to read.
	 */
	struct arbor_io stream;
	/* a pidfd of the client's process: once it ends, nobody reads the stream */
	struct arbor_io owner;
	int orphaned;                         /* the client's process ended */
	int run_refused;                      /* the run's terminal left it: it does not come back */
};

/* An `arbor attach` connection, waiting for its one request. */
struct attach_request {
	struct arbor_io io;                   /* fd -1: slot free */
};

static struct {
	struct host_terminal_session *sessions;
	int run_ctl;                          /* the run's control socket, -1: none (any more) */
	struct host_terminal_session *run_at; /* the session the run's terminal is lent to */
	struct arbor_io listener;             /* ARBOR_HOST_TERMINAL_SOCKET, fd -1 until needed */
	struct attach_request requests[ATTACH_REQUESTS_MAX];
	unsigned next_request;                /* the slot reused when all are taken */
} ht = { .run_ctl = -1, .listener = { .fd = -1 } };

void host_terminal_session_run_terminal(int fd)
{
	ht.run_ctl = fd;
}

static int attached(const struct host_terminal_session *s)
{
	return s->stream.fd >= 0;
}

static void notify(struct host_terminal_session *s)
{
	if (s->sigh)
		arbor_signal_submit(s->sigh, 1);
}

/* Send a control message: type, text and at most one fd (borrowed). Returns 0 or -errno. */
static int ctl_send(int sock, char type, const char *text, int fd)
{
	char buf[1 + ARBOR_HOST_TERMINAL_CTL_MAX];
	size_t len = strnlen(text, ARBOR_HOST_TERMINAL_CTL_MAX);
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { buf, 1 + len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	buf[0] = type;
	memcpy(buf + 1, text, len);
	if (fd >= 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.space;
		mh.msg_controllen = sizeof(control.space);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	/* never wait for a tool: a stuck one loses its terminal, not core's time */
	return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void stream_hangup(struct arbor_io *io, uint32_t events);
static void offer_run_terminal(void);

/* A new stream for s: core keeps the component's end, *tool_end is the tool's. */
static int attach(struct host_terminal_session *s, int *tool_end)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	s->stream.fd = sv[0];
	s->stream.fn = stream_hangup;
	/* EPOLLHUP comes unasked; EPOLLIN would fire on every byte for the component */
	err = arbor_io_watch(core.ep, &s->stream, EPOLLRDHUP);
	if (err) {
		close(sv[0]);
		close(sv[1]);
		s->stream.fd = -1;
		return err;
	}
	*tool_end = sv[1];
	notify(s);
	return 0;
}

/*
 * End s's stream for everybody: shutdown reaches the tool and every copy
 * the component took, whoever left first. The run's terminal moves on.
 */
static void detach(struct host_terminal_session *s)
{
	if (!attached(s))
		return;
	arbor_io_unwatch(&s->stream);
	shutdown(s->stream.fd, SHUT_RDWR);
	close(s->stream.fd);
	s->stream.fd = -1;
	notify(s);
	if (ht.run_at == s) {
		ht.run_at = NULL;
		offer_run_terminal();
	}
}

/*
 * The tool hung up. For the run's terminal that means the session broke
 * the stream's protocol (the tool says so): it is not lent it again, or
 * two such sessions would pass the terminal back and forth for ever.
 */
static void stream_hangup(struct arbor_io *io, uint32_t events)
{
	struct host_terminal_session *s = container_of(io, struct host_terminal_session, stream);

	if (ht.run_at == s)
		s->run_refused = 1;
	detach(s);
}

/* Lend the run's terminal, if it is free, to the oldest session waiting for one. */
static void offer_run_terminal(void)
{
	struct host_terminal_session *s;
	int tool_end, err;

	if (ht.run_ctl < 0 || ht.run_at)
		return;
	for (s = ht.sessions; s; s = s->next)
		if (!attached(s) && !s->orphaned && !s->run_refused)
			break;
	if (!s || attach(s, &tool_end))
		return;
	err = ctl_send(ht.run_ctl, ARBOR_HOST_TERMINAL_CTL_STREAM, s->label, tool_end);
	close(tool_end);
	if (err) {
		core_warning("core: the terminal of arbor run is gone (%s)", strerror(-err));
		close(ht.run_ctl);
		ht.run_ctl = -1;
		detach(s);
		return;
	}
	ht.run_at = s;
}

/* ---- the client's process ---- */

static void owner_ended(struct arbor_io *io, uint32_t events)
{
	struct host_terminal_session *s = container_of(io, struct host_terminal_session, owner);

	arbor_io_unwatch(&s->owner);
	close(s->owner.fd);
	s->owner.fd = -1;
	s->orphaned = 1;
	detach(s);
}

/* The length of the PD label that is label or one of its " -> " prefixes, 0: none. */
static size_t prefix_len(const char *pd_label, const char *label)
{
	size_t n = strlen(pd_label);

	if (strncmp(pd_label, label, n) || (label[n] && strncmp(label + n, " -> ", 4)))
		return 0;
	return n;
}

/*
 * Watch the process of the component the session serves: the PD whose
 * label is the longest prefix of the session's (parents prefix labels, so
 * no other component's sessions carry it). A crashed component's sessions
 * stay open until its parent closes them, but the terminal must come back
 * to the person at once.
 */
static void watch_owner(struct host_terminal_session *s)
{
	struct process *best = NULL;
	size_t best_len = 0;

	for (struct pd_session *pd = pd_session_first(); pd; pd = pd_session_next(pd)) {
		size_t n = prefix_len(pd_session_label(pd), s->label);
		if (n > best_len && pd_session_process(pd)) {
			best = pd_session_process(pd);
			best_len = n;
		}
	}
	if (!best)
		return;
	s->owner.fd = (int)syscall(SYS_pidfd_open, process_pid(best), 0);
	s->owner.fn = owner_ended;
	if (s->owner.fd >= 0 && arbor_io_watch(core.ep, &s->owner, EPOLLIN)) {
		close(s->owner.fd);
		s->owner.fd = -1;
	}
}

/* ---- arbor attach ---- */

static int label_matches(const char *label, const char *want)
{
	size_t l = strlen(label), w = strlen(want);

	if (!strcmp(label, want))
		return 1;
	return w && w + 4 <= l && !strcmp(label + l - w, want) &&
	       !strncmp(label + l - w - 4, " -> ", 4);
}

/* Append "'label'" of every live session to out (for the person to choose from). */
static void list_sessions(char *out, size_t size)
{
	size_t len = strlen(out);
	int first = 1;

	for (struct host_terminal_session *s = ht.sessions; s && len < size; s = s->next) {
		if (s->orphaned)
			continue;
		snprintf(out + len, size - len, "%s'%s'", first ? "" : ", ", s->label);
		len += strlen(out + len);
		first = 0;
	}
	if (first)
		snprintf(out + len, size - len, "none");
}

/* The session want names (or the only free one): *out, or why not in why. */
static int choose(const char *want, struct host_terminal_session **out, char *why, size_t size)
{
	struct host_terminal_session *found = NULL;
	unsigned n = 0;

	*out = NULL;
	for (struct host_terminal_session *s = ht.sessions; s; s = s->next) {
		if (s->orphaned || (want[0] ? !label_matches(s->label, want) : attached(s)))
			continue;
		found = s;
		n++;
	}
	if (n == 1 && !attached(found)) {
		*out = found;
		return 0;
	}
	if (n == 1)
		snprintf(why, size, "'%s' already has a terminal", found->label);
	else if (n && want[0])
		snprintf(why, size, "'%s' matches several Host_terminal sessions, name one: ", want);
	else if (n)
		snprintf(why, size, "several Host_terminal sessions wait for a terminal, name one: ");
	else if (want[0])
		snprintf(why, size, "no Host_terminal session matches '%.400s'; there are: ", want);
	else
		snprintf(why, size, "no Host_terminal session waits for a terminal; there are: ");
	if (n != 1)
		list_sessions(why, size);
	return ARBOR_E_NOT_FOUND;
}

static void request_close(struct attach_request *r)
{
	arbor_io_unwatch(&r->io);
	close(r->io.fd);
	r->io.fd = -1;
}

/* One request: ATTACH and the label. Anything else ends the connection unanswered. */
static void request_ready(struct arbor_io *io, uint32_t events)
{
	struct attach_request *r = container_of(io, struct attach_request, io);
	char buf[1 + ARBOR_HOST_TERMINAL_CTL_MAX + 1], want[ARBOR_HOST_TERMINAL_CTL_MAX + 1];
	char why[ARBOR_HOST_TERMINAL_CTL_MAX];
	struct iovec iov = { buf, sizeof(buf) };
	/* no room for control data: fds sent along are dropped by the kernel, never installed */
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct host_terminal_session *s;
	ssize_t n = recvmsg(io->fd, &mh, MSG_DONTWAIT);
	int tool_end;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 1 || (size_t)n > 1 + ARBOR_HOST_TERMINAL_CTL_MAX || buf[0] != ARBOR_HOST_TERMINAL_CTL_ATTACH ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || memchr(buf + 1, '\0', (size_t)n - 1)) {
		request_close(r);
		return;
	}
	memcpy(want, buf + 1, (size_t)n - 1);
	want[n - 1] = '\0';
	if (choose(want, &s, why, sizeof(why))) {
		ctl_send(io->fd, ARBOR_HOST_TERMINAL_CTL_ERROR, why, -1);
	} else if (attach(s, &tool_end)) {
		ctl_send(io->fd, ARBOR_HOST_TERMINAL_CTL_ERROR, "core is out of file descriptors", -1);
	} else {
		if (ctl_send(io->fd, ARBOR_HOST_TERMINAL_CTL_STREAM, s->label, tool_end))
			detach(s);             /* the tool left before it got it */
		close(tool_end);
	}
	request_close(r);
}

static void listener_ready(struct arbor_io *io, uint32_t events)
{
	int fd;

	while ((fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct attach_request *r = NULL;

		for (unsigned i = 0; i < ATTACH_REQUESTS_MAX && !r; i++)
			if (ht.requests[i].io.fd < 0)
				r = &ht.requests[i];
		if (!r) {
			/* all taken by connections that do not ask: the oldest goes */
			r = &ht.requests[ht.next_request++ % ATTACH_REQUESTS_MAX];
			request_close(r);
		}
		r->io.fd = fd;
		r->io.fn = request_ready;
		if (arbor_io_watch(core.ep, &r->io, EPOLLIN)) {
			close(fd);
			r->io.fd = -1;
		}
	}
}

/*
 * Listen on ARBOR_HOST_TERMINAL_SOCKET once the first session exists. The
 * run directory is the user's own (mode 0700): only they can attach.
 */
static void listen_for_attach(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *dir = state_dir();
	int fd;

	if (ht.listener.fd >= 0 || !dir)
		return;
	for (unsigned i = 0; i < ATTACH_REQUESTS_MAX; i++)
		ht.requests[i].io.fd = -1;
	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", dir,
	                     ARBOR_HOST_TERMINAL_SOCKET) >= sizeof(addr.sun_path))
		goto fail_path;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail_path;
	unlink(addr.sun_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || chmod(addr.sun_path, 0600) ||
	    listen(fd, ATTACH_REQUESTS_MAX))
		goto fail_socket;
	ht.listener.fd = fd;
	ht.listener.fn = listener_ready;
	if (arbor_io_watch(core.ep, &ht.listener, EPOLLIN)) {
		ht.listener.fd = -1;
		goto fail_socket;
	}
	return;

fail_socket:
	close(fd);
fail_path:
	core_warning("core: arbor attach will not find this instance: cannot listen on %s: %s",
	             addr.sun_path, strerror(errno));
}

/* ---- the session ---- */

static struct host_terminal_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct host_terminal_session, obj);
}

static int op_attached_sigh(struct arbor_rpc_request *req)
{
	struct host_terminal_session *s = session_of(req);
	int err = arbor_rpc_take_sigh(req, 0, &s->sigh);

	if (err)
		return err;
	if (attached(s))
		notify(s);
	return 0;
}

static int op_stream(struct arbor_rpc_request *req)
{
	struct host_terminal_session *s = session_of(req);

	if (!attached(s))
		return ARBOR_E_NOT_FOUND;
	return core_reply_device(req, s->stream.fd);
}

static const struct arbor_rpc_op host_terminal_ops[ARBOR_HOST_TERMINAL_NOPS] = {
	[ARBOR_HOST_TERMINAL_ATTACHED_SIGH] = { "attached_sigh", 0, 0, 1, op_attached_sigh },
	[ARBOR_HOST_TERMINAL_STREAM]        = { "stream", 0, 0, 0, op_stream },
};

static const struct arbor_rpc_interface host_terminal_iface = {
	"Host_terminal", host_terminal_ops, ARBOR_HOST_TERMINAL_NOPS
};

static int host_terminal_create(struct core_client *owner, const char *label, const char *args,
                                void **obj, struct arbor_cap **cap)
{
	struct host_terminal_session *s = calloc(1, sizeof(*s)), **tail;
	int err;

	if (!s)
		return -ENOMEM;
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->stream.fd = -1;
	s->owner.fd = -1;
	err = arbor_rpc_object_manage(core.ep, &s->obj, &host_terminal_iface);
	if (err) {
		free(s);
		return err;
	}
	s->obj.label = s->label;
	for (tail = &ht.sessions; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	watch_owner(s);
	listen_for_attach();
	offer_run_terminal();
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;
}

static void host_terminal_destroy(void *obj)
{
	struct host_terminal_session *s = obj;

	for (struct host_terminal_session **l = &ht.sessions; *l; l = &(*l)->next) {
		if (*l == s) {
			*l = s->next;
			break;
		}
	}
	arbor_cap_unref(s->sigh);
	s->sigh = NULL;
	detach(s);                     /* after unlinking: the run's terminal moves to another */
	if (s->owner.fd >= 0) {
		arbor_io_unwatch(&s->owner);
		close(s->owner.fd);
	}
	arbor_rpc_object_dissolve(&s->obj);
	free(s);
}

const struct core_service host_terminal_service = {
	.name = ARBOR_HOST_TERMINAL_SERVICE,
	.ram = ARBOR_HOST_TERMINAL_SESSION_COST,
	.caps = ARBOR_HOST_TERMINAL_SESSION_CAPS,
	.create = host_terminal_create,
	.destroy = host_terminal_destroy,
};
