/*
 * tcp_host_tcp_client: asks core's Host_tcp service for sockets with good
 * and bad arguments (test/terminal/tcp_terminal_test.py, case
 * host_tcp_args). Bad arguments must be denied, each with core's warning;
 * a listen session hands out its listener and refuses CONNECT, a connect
 * session the reverse; what a socket reaches stays what core made it for.
 * Its config: <config busy_port="P" free_port="Q"/>, P a port the test
 * listens on (so listening there fails and connecting there works), Q a
 * free one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/rpc.h>
#include <sandbox/xml.h>
#include <session/host_tcp.h>

static struct arbor_env *env;
static unsigned checks;

static void check(int ok, const char *what)
{
	if (!ok) {
		arbor_error("host_tcp: FAILED: %s", what);
		arbor_exit(env, 1);
	}
	checks++;
}

static int open_session(struct arbor_connection *c, const char *extra)
{
	return arbor_connection_open(env, c, ARBOR_HOST_TCP_SERVICE, "", ARBOR_HOST_TCP_SESSION_RAM,
	                             ARBOR_HOST_TCP_SESSION_CAPS, extra);
}

static void denied(const char *extra)
{
	struct arbor_connection c;
	char what[160];
	int err = open_session(&c, extra);

	snprintf(what, sizeof(what), "Host_tcp with '%s' denied (got %s)", extra,
	         arbor_strerror(err));
	check(err == ARBOR_E_DENIED, what);
}

/* op on the session: the status, and the socket it handed out (ours) in *fd. */
static int socket_op(struct arbor_connection *c, unsigned op, int *fd)
{
	struct arbor_msg reply;
	struct arbor_cap *cap = NULL;
	int err = arbor_rpc_call(c->cap, op, NULL, 0, NULL, 0, &reply);

	*fd = -1;
	if (err >= 0)
		cap = arbor_msg_take_cap(&reply, 0);
	arbor_msg_release(&reply);
	if (cap) {
		*fd = dup(arbor_cap_fd(cap));
		arbor_cap_unref(cap);
	}
	return err;
}

/* A socket core made must stay what it was made for: no bind, listen or connect here. */
static void cannot_repoint(int fd)
{
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	check(bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0, "bind on a core socket fails");
	check(listen(fd, 1) < 0, "listen on a core socket fails");
	check(connect(fd, (struct sockaddr *)&any, sizeof(any)) < 0,
	      "connect on a core socket fails");
}

static void listen_session(unsigned port)
{
	struct arbor_connection c;
	char extra[64];
	int fd, other;

	snprintf(extra, sizeof(extra), "listen=\"127.0.0.1:%u\"", port);
	check(!open_session(&c, extra), "a listen session on a free port");
	check(socket_op(&c, ARBOR_HOST_TCP_LISTENER, &fd) == 0 && fd >= 0, "LISTENER gives a socket");
	check(socket_op(&c, ARBOR_HOST_TCP_LISTENER, &other) == 0 && other >= 0,
	      "LISTENER again gives it again");
	close(other);
	check(socket_op(&c, ARBOR_HOST_TCP_CONNECT, &other) == ARBOR_E_INVALID && other < 0,
	      "CONNECT on a listen session is INVALID");
	check(accept4(fd, NULL, NULL, SOCK_NONBLOCK) < 0 && errno == EAGAIN,
	      "accept4 on the listener works (nobody waits)");
	cannot_repoint(fd);
	arbor_connection_close(env, &c);
	/* core shuts its listener down with the session: our copy accepts nothing more */
	check(accept4(fd, NULL, NULL, SOCK_NONBLOCK) < 0 && errno != EAGAIN,
	      "the listener is dead once the session closed");
	close(fd);
}

static void connect_session(unsigned port)
{
	struct arbor_connection c;
	struct pollfd pfd;
	char extra[64];
	int fd, error = 0;
	socklen_t len = sizeof(error);

	snprintf(extra, sizeof(extra), "connect=\"127.0.0.1:%u\"", port);
	check(!open_session(&c, extra), "a connect session");
	check(socket_op(&c, ARBOR_HOST_TCP_LISTENER, &fd) == ARBOR_E_INVALID && fd < 0,
	      "LISTENER on a connect session is INVALID");
	check(socket_op(&c, ARBOR_HOST_TCP_CONNECT, &fd) == 0 && fd >= 0, "CONNECT gives a socket");
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	check(poll(&pfd, 1, 10000) == 1, "the connection settles");
	check(!getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) && !error,
	      "the connection to the test's listener succeeded");
	cannot_repoint(fd);
	check(send(fd, "host_tcp\n", 9, MSG_NOSIGNAL) == 9, "send on the connection");
	close(fd);
	arbor_connection_close(env, &c);
}

void component_construct(struct arbor_env *e)
{
	struct arbor_rom rom;
	struct xml_node *config = NULL;
	uint64_t busy = 0, free_port = 0;
	char extra[64];

	env = e;
	check(!arbor_rom_open(env, &rom, "config", NULL), "a config");
	check(!xml_parse(rom.text, rom.len, "config", &config, NULL), "the config parses");
	check(!xml_attr_u64(config, "busy_port", 0, &busy) && busy && busy < 65536 &&
	      !xml_attr_u64(config, "free_port", 0, &free_port) && free_port && free_port < 65536,
	      "busy_port and free_port in the config");
	xml_free(config);
	arbor_rom_close(&rom);

	denied("");
	denied("listen=\"127.0.0.1:1\", connect=\"127.0.0.1:1\"");
	denied("listen=\"localhost:8181\"");
	denied("listen=\"127.0.0.1\"");
	denied("listen=\"127.0.0.1:0\"");
	denied("listen=\"127.0.0.1:65536\"");
	denied("listen=\"127.0.0.1:81x\"");
	denied("connect=\"::1:8181\"");
	snprintf(extra, sizeof(extra), "listen=\"127.0.0.1:%u\"", (unsigned)busy);
	denied(extra);
	arbor_log("host_tcp: bad arguments denied");

	listen_session((unsigned)free_port);
	connect_session((unsigned)busy);
	arbor_log("host_tcp: all %u checks passed", checks);
	arbor_exit(env, 0);
}
