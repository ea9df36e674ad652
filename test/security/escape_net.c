/*
 * Escape attempts on the network: the host's loopback listener, the outside
 * world, raw and packet sockets, netlink, and other programs' UNIX sockets.
 * A component has no network: socket() is denied, or it only finds an
 * empty network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "escape.h"

#define CONNECT_WAIT_MS 2000

/* Connect without blocking for long; returns 0 when connected, else an errno. */
static int connect_within(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t elen = sizeof(err);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	if (poll(&p, 1, CONNECT_WAIT_MS) <= 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return errno;
	return err;
}

static void tcp_connect(struct verdict *v, const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, err;

	inet_pton(AF_INET, ip, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		verdict_denied(v, "socket: %s", verdict_errno_name(errno));
		return;
	}
	err = connect_within(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!err)
		verdict_escaped(v, "connected to %s:%d", ip, port);
	else
		verdict_denied(v, "socket allowed, connect: %s", verdict_errno_name(err));
}

static void host_listener(struct verdict *v)
{
	if (!escape_tcp_port) {
		verdict_escaped(v, "no port given: the attempt could not be made");
		return;
	}
	tcp_connect(v, "127.0.0.1", escape_tcp_port);
}

static void outside_world(struct verdict *v) { tcp_connect(v, "1.1.1.1", 80); }

static void udp_outside(struct verdict *v)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		verdict_denied(v, "socket: %s", verdict_errno_name(errno));
		return;
	}
	inet_pton(AF_INET, "8.8.8.8", &sa.sin_addr);
	ssize_t n = sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	close(fd);
	if (n == 1)
		verdict_escaped(v, "a UDP datagram to 8.8.8.8:53 was sent");
	else
		verdict_denied(v, "socket allowed, sendto: %s", verdict_errno_name(err));
}

static void open_socket(struct verdict *v, int domain, int type, int proto, const char *what)
{
	int fd = socket(domain, type | SOCK_CLOEXEC, proto);

	if (fd >= 0)
		close(fd);
	verdict_syscall(v, fd, errno, what);
}

static void packet_socket(struct verdict *v)
{
	open_socket(v, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL), "AF_PACKET socket created");
}

static void raw_socket(struct verdict *v)
{
	open_socket(v, AF_INET, SOCK_RAW, IPPROTO_ICMP, "AF_INET raw socket created");
}

static void netlink_socket(struct verdict *v)
{
	open_socket(v, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, "AF_NETLINK route socket created");
}

static void audit_socket(struct verdict *v)
{
	open_socket(v, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, "AF_NETLINK audit socket created");
}

/* Well-known host UNIX sockets, by path and by abstract name. */
static void unix_sockets(struct verdict *v)
{
	static const char *const names[] = {
		"/run/dbus/system_bus_socket", "/var/run/docker.sock", "/tmp/.X11-unix/X0",
		"@/tmp/.X11-unix/X0", "@arbor", "@arbor-core",
	};
	char buf[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		socklen_t salen;
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			verdict_denied(v, "socket(AF_UNIX): %s", verdict_errno_name(errno));
			return;
		}
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", names[i]);
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(names[i]));
		if (names[i][0] == '@')
			sa.sun_path[0] = '\0';
		int r = connect(fd, (struct sockaddr *)&sa, salen);
		int err = errno;
		close(fd);
		if (r == 0) {
			verdict_escaped(v, "connected to %s", names[i]);
			return;
		}
		if (len < sizeof(buf))
			len += (unsigned)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? ", " : "",
			                          verdict_errno_name(err));
	}
	verdict_denied(v, "socket allowed, connect: %s", buf);
}

/*
 * A socket the component may have (a socketpair end) turned into a
 * listener or pointed somewhere: bind, listen and connect are core's to do
 * (Host_tcp), never the component's.
 */
static void rebind_socketpair(struct verdict *v)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + 12);
	int sv[2], bound, bind_err, connected, connect_err;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		verdict_denied(v, "socketpair: %s", verdict_errno_name(errno));
		return;
	}
	memcpy(sa.sun_path + 1, "arbor-escape", 12);     /* abstract: no file needed */
	bound = bind(sv[0], (struct sockaddr *)&sa, salen) == 0 && listen(sv[0], 1) == 0;
	bind_err = errno;
	connected = connect(sv[1], (struct sockaddr *)&sa, salen) == 0;
	connect_err = errno;
	close(sv[0]);
	close(sv[1]);
	if (bound || connected)
		verdict_escaped(v, "a socketpair end was %s", bound ? "bound and listening" : "connected");
	else
		verdict_denied(v, "bind: %s, connect: %s", verdict_errno_name(bind_err),
		               verdict_errno_name(connect_err));
}

const struct attempt escape_net_attempts[] = {
	{ "bind, listen or connect a socketpair end", rebind_socketpair, ATTEMPT_INLINE },
	{ "connect to the host's TCP listener on 127.0.0.1", host_listener, ATTEMPT_INLINE },
	{ "connect to 1.1.1.1:80", outside_world, ATTEMPT_INLINE },
	{ "send a UDP datagram to 8.8.8.8:53", udp_outside, ATTEMPT_INLINE },
	{ "open an AF_PACKET socket", packet_socket, ATTEMPT_INLINE },
	{ "open an AF_INET SOCK_RAW socket", raw_socket, ATTEMPT_INLINE },
	{ "open an AF_NETLINK route socket", netlink_socket, ATTEMPT_INLINE },
	{ "open an AF_NETLINK audit socket", audit_socket, ATTEMPT_INLINE },
	{ "connect to host UNIX sockets (paths and abstract names)", unix_sockets, ATTEMPT_INLINE },
	{ NULL, NULL, 0 },
};
