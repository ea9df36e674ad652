/*
 * host_hostile: a Host_terminal client that breaks the stream's protocol
 * (test/terminal/host_hostile.py). Once a terminal is attached it writes a
 * good line, then one bad message, as <config attack="..."/> says:
 * "oversized" (a payload beyond ARBOR_HOST_TERMINAL_MSG_MAX), "type" (an
 * unknown message type), "empty" (a type without bytes) or "fd" (a good
 * message carrying an fd, a memfd named "hostile-fd"). The tool must drop
 * the stream, say why and give the person their terminal back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <sandbox/xml.h>
#include <session/host_terminal.h>

static struct {
	struct arbor_env *env;
	struct arbor_connection session;
	struct arbor_signal_handler attached;
	char attack[16];
	int done;
} h;

static void fail(const char *what, int err)
{
	arbor_error("host_hostile: %s: %s", what, arbor_strerror(err));
	arbor_exit(h.env, 1);
}

static void send_with_fd(int stream, const void *msg, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

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
	if (sendmsg(stream, &mh, MSG_NOSIGNAL) < 0)
		arbor_warning("host_hostile: send: %s", strerror(errno));
}

static void attack(int stream)
{
	static char big[1 + ARBOR_HOST_TERMINAL_MSG_MAX + 1];
	char line[64];
	int n = snprintf(line, sizeof(line), "o%s: ready\r\n", h.attack);

	send_with_fd(stream, line, (size_t)n, -1);
	if (!strcmp(h.attack, "oversized")) {
		memset(big, 'x', sizeof(big));
		big[0] = ARBOR_HOST_TERMINAL_OUTPUT;
		send_with_fd(stream, big, sizeof(big), -1);
	} else if (!strcmp(h.attack, "type")) {
		send_with_fd(stream, "xabc", 4, -1);
	} else if (!strcmp(h.attack, "empty")) {
		send_with_fd(stream, "o", 1, -1);
	} else {
		int fd = memfd_create("hostile-fd", MFD_CLOEXEC);
		send_with_fd(stream, "oabc", 4, fd);
		close(fd);
	}
	arbor_log("attacked (%s)", h.attack);
}

static void attached(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_msg reply;
	struct arbor_cap *stream = NULL;
	int err;

	if (h.done)
		return;
	err = arbor_rpc_call(h.session.cap, ARBOR_HOST_TERMINAL_STREAM, NULL, 0, NULL, 0, &reply);
	if (err >= 0)
		stream = arbor_msg_take_cap(&reply, 0);
	arbor_msg_release(&reply);
	if (!stream)
		return;
	h.done = 1;
	attack(arbor_cap_fd(stream));
	/* keep the stream: the tool must leave by itself */
}

void component_construct(struct arbor_env *env)
{
	struct arbor_rom config;
	struct xml_node *root = NULL;
	struct arbor_cap *sigh;
	struct arbor_msg reply;
	const char *a;
	int err;

	h.env = env;
	if ((err = arbor_rom_open(env, &config, "config", NULL)) ||
	    (err = xml_parse(config.text, config.len, "config", &root, NULL)))
		fail("no config", err);
	a = xml_attr(root, "attack");
	snprintf(h.attack, sizeof(h.attack), "%s", a ? a : "fd");
	xml_free(root);
	err = arbor_connection_open(env, &h.session, ARBOR_HOST_TERMINAL_SERVICE, "",
	                            ARBOR_HOST_TERMINAL_SESSION_RAM, ARBOR_HOST_TERMINAL_SESSION_CAPS,
	                            NULL);
	if (err)
		fail("no Host_terminal session", err);
	if ((err = arbor_signal_handler_init(&h.attached, env->ep, attached)))
		fail("no signal context", err);
	sigh = arbor_signal_handler_cap(&h.attached);
	err = arbor_rpc_call(h.session.cap, ARBOR_HOST_TERMINAL_ATTACHED_SIGH, NULL, 0, &sigh, 1,
	                     &reply);
	arbor_msg_release(&reply);
	if (err < 0)
		fail("cannot register", err);
}
