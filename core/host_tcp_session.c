/*
 * Host_tcp service: TCP sockets on the host's network stack, made by core
 * (components may not create sockets and live in an empty network
 * namespace) and handed over as capabilities. A listen session owns one
 * listening socket; a connect session makes a new connection out on each
 * call. What a socket may reach is fixed here, when core creates it: the
 * component can accept on it or use the connection, never bind or connect
 * elsewhere (the sandbox's filter denies socket, bind and connect).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <session/host_tcp.h>
#include "core.h"

#define LISTEN_BACKLOG 8

struct host_tcp_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
	struct sockaddr_in addr;
	int listener;                  /* -1: a connect session */
	int connect_warned;            /* a client retrying every second must not flood the log */
};

/* "ADDR:PORT" with a dotted IPv4 address and a port 1..65535. */
static int parse_endpoint(const char *text, struct sockaddr_in *addr)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(text, ':');
	char *end;
	unsigned long port;

	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return ARBOR_E_INVALID;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
		return ARBOR_E_INVALID;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &addr->sin_addr) == 1 ? 0 : ARBOR_E_INVALID;
}

static int op_listener(struct arbor_rpc_request *req)
{
	struct host_tcp_session *s = container_of(req->object, struct host_tcp_session, obj);

	if (s->listener < 0)
		return ARBOR_E_INVALID;
	return core_reply_device(req, s->listener);
}

static int op_connect(struct arbor_rpc_request *req)
{
	struct host_tcp_session *s = container_of(req->object, struct host_tcp_session, obj);
	int fd, err;

	if (s->listener >= 0)
		return ARBOR_E_INVALID;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ARBOR_E_OUT_OF_CAPS;
	/*
	 * Refused shows as SO_ERROR on the socket, as for any connect; a
	 * failure at once (no route) as an unconnected socket (getpeername()
	 * fails), which the client retries: say it once.
	 */
	if (connect(fd, (struct sockaddr *)&s->addr, sizeof(s->addr)) && errno != EINPROGRESS &&
	    !s->connect_warned) {
		core_warning("Host_tcp for \"%s\": connect: %s", s->label, strerror(errno));
		s->connect_warned = 1;
	}
	err = core_reply_device(req, fd);
	close(fd);
	return err;
}

static const struct arbor_rpc_op host_tcp_ops[ARBOR_HOST_TCP_NOPS] = {
	[ARBOR_HOST_TCP_LISTENER] = { "listener", 0, 0, 0, op_listener },
	[ARBOR_HOST_TCP_CONNECT]  = { "connect", 0, 0, 0, op_connect },
};

static const struct arbor_rpc_interface host_tcp_iface = {
	"Host_tcp", host_tcp_ops, ARBOR_HOST_TCP_NOPS
};

static int open_listener(struct host_tcp_session *s, const char *endpoint)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&s->addr, sizeof(s->addr)) ||
	    listen(fd, LISTEN_BACKLOG))
		goto fail;
	s->listener = fd;
	return 0;
fail:
	core_warning("Host_tcp for \"%s\" denied: cannot listen on %s: %s", s->label, endpoint,
	             strerror(errno));
	if (fd >= 0)
		close(fd);
	return ARBOR_E_DENIED;
}

static int host_tcp_create(struct core_client *owner, const char *label, const char *args,
                           void **obj, struct arbor_cap **cap)
{
	struct host_tcp_session *s = calloc(1, sizeof(*s));
	char listen_at[64] = "", connect_to[64] = "";
	int err;

	if (!s)
		return -ENOMEM;
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->listener = -1;
	arbor_args_get(args, "listen", listen_at, sizeof(listen_at));
	arbor_args_get(args, "connect", connect_to, sizeof(connect_to));
	if (!!listen_at[0] == !!connect_to[0] ||
	    parse_endpoint(listen_at[0] ? listen_at : connect_to, &s->addr)) {
		core_warning("Host_tcp for \"%s\" denied: it needs listen=\"ADDR:PORT\" or "
		             "connect=\"ADDR:PORT\" with an IPv4 address", label);
		free(s);
		return ARBOR_E_DENIED;
	}
	if (listen_at[0] && (err = open_listener(s, listen_at))) {
		free(s);
		return err;
	}
	err = arbor_rpc_object_manage(core.ep, &s->obj, &host_tcp_iface);
	if (err) {
		if (s->listener >= 0)
			close(s->listener);
		free(s);
		return err;
	}
	s->obj.label = s->label;
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;
}

static void host_tcp_destroy(void *obj)
{
	struct host_tcp_session *s = obj;

	arbor_rpc_object_dissolve(&s->obj);
	if (s->listener >= 0) {
		/* the client's copies die with it; a listener must not outlive the session */
		shutdown(s->listener, SHUT_RDWR);
		close(s->listener);
	}
	free(s);
}

const struct core_service host_tcp_service = {
	.name = ARBOR_HOST_TCP_SERVICE,
	.ram = ARBOR_HOST_TCP_SESSION_COST,
	.caps = ARBOR_HOST_TCP_SESSION_CAPS,
	.create = host_tcp_create,
	.destroy = host_tcp_destroy,
};
