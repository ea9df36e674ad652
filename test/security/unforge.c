/*
 * Unforgeability: a component tries to reach objects it was never given.
 *   (a) every socket fd it did not get or make is called as a LOG session
 *       (a clone request, then a write of "FORGED message"; and the write
 *       sent on the fd directly)
 *   (b) guessed badges: session ids at its parent, opcodes on its LOG
 *       session and on its parent, the parent capability used as a LOG
 *   (c) other components' sockets by path and abstract name
 *   (d) /proc/<pid>/fd of a sibling
 *   (e) ptrace of a sibling
 *   (f) a newline or carriage return in a LOG write, posing as another
 *       component's line
 * Each attempt's result is logged as "unforge: (x) ...: <result>". The
 * scenario forbids "FORGED" anywhere: only a forged capability could make
 * a server print it. Exits 0 when no attempt reached anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <session/log.h>
#include <session/parent.h>
#include "raw_wire.h"

#define FD_SCAN     4096
#define ID_GUESSES  1000
#define OP_GUESSES  1000
#define WAIT_MS     500

static const char forged_text[] = "FORGED message\n";
static unsigned attempts, reached;

static void result(int bad, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void result(int bad, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attempts++;
	if (bad)
		reached++;
	arbor_log("unforge: %s%s", buf, bad ? " -- REACHED AN OBJECT" : "");
}

/* ---- (a) socket fds found by scanning ---- */

struct scan {
	unsigned open, sockets, own;
	int foreign[FD_SCAN];
	unsigned nforeign;
};

/* A socket pair this process made itself has itself as peer. */
static int made_here(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == getpid();
}

static void scan_fds(struct scan *s, const int *known, unsigned nknown)
{
	memset(s, 0, sizeof(*s));
	for (int fd = 0; fd < FD_SCAN; fd++) {
		struct stat st;
		if (fcntl(fd, F_GETFD) < 0 || fstat(fd, &st) < 0)
			continue;
		s->open++;
		if (!S_ISSOCK(st.st_mode))
			continue;
		s->sockets++;
		int mine = made_here(fd);
		for (unsigned i = 0; i < nknown; i++)
			mine |= known[i] == fd;
		if (mine)
			s->own++;
		else
			s->foreign[s->nforeign++] = fd;
	}
}

/* Talk to fd as if it were somebody's LOG session. */
static void forge_through(int fd)
{
	static const uint8_t no_kinds[4];
	struct raw_reply reply;
	char a[96], b[96];
	int conn, err;
	enum raw_outcome via_clone = RAW_ERROR, direct;

	err = raw_wire_clone(fd, &conn);
	if (!err) {
		via_clone = raw_wire_call(conn, ARBOR_LOG_WRITE, forged_text, sizeof(forged_text) - 1,
		                     WAIT_MS, &reply);
		close(conn);
	}
	raw_wire_outcome_text(via_clone, &reply, a, sizeof(a));
	err = raw_wire_send_msg(fd, ARBOR_LOG_WRITE, no_kinds, forged_text, sizeof(forged_text) - 1,
	                   NULL, 0);
	direct = err ? RAW_ERROR : raw_wire_await(fd, WAIT_MS, &reply);
	raw_wire_outcome_text(direct, &reply, b, sizeof(b));
	result(via_clone == RAW_REPLY || direct == RAW_REPLY,
	       "(a) foreign socket fd %d: as a door: %s; as a connection: %s", fd, a, b);
}

static void scan_and_forge(const char *when, const int *known, unsigned nknown)
{
	static struct scan s;

	scan_fds(&s, known, nknown);
	result(0, "(a) fd scan %s: %u fds open, %u sockets, %u of them its own, %u foreign", when,
	       s.open, s.sockets, s.own, s.nforeign);
	for (unsigned i = 0; i < s.nforeign; i++)
		forge_through(s.foreign[i]);
}

/* ---- (b) guessed ids and opcodes ---- */

static void guess_session_ids(struct arbor_cap *parent)
{
	unsigned found = 0, not_found = 0, other = 0;
	uint32_t extra[] = { 0, 0x7fffffff, 0x80000000u, 0xffffffffu };

	for (uint32_t i = 0; i < ID_GUESSES + ARRAY_SIZE(extra); i++) {
		struct arbor_parent_id_args a = { .id = i < ID_GUESSES ? i + 1 : extra[i - ID_GUESSES] };
		struct arbor_msg reply;
		int err = arbor_rpc_call(parent, ARBOR_PARENT_SESSION_CAP, &a, sizeof(a), NULL, 0, &reply);
		int own = a.id >= ARBOR_ENV_PD && a.id <= ARBOR_ENV_ROM;
		arbor_msg_release(&reply);
		if (err == ARBOR_E_NOT_FOUND)
			not_found++;
		else if (err >= 0 && own)
			found++;
		else {
			other++;
			arbor_log("unforge: (b) session_cap(%u) gave %s", a.id, arbor_strerror(err));
		}
	}
	result(other > 0, "(b) session_cap for ids 1..%u and 0, 2^31-1, 2^31, 2^32-1: "
	       "%u own env sessions, %u not found, %u other", ID_GUESSES, found, not_found, other);

	unsigned denied = 0;
	not_found = other = 0;
	for (uint32_t id = 1; id <= ID_GUESSES; id++) {
		struct arbor_parent_id_args a = { .id = id };
		struct arbor_msg reply;
		int err = arbor_rpc_call(parent, ARBOR_PARENT_CLOSE, &a, sizeof(a), NULL, 0, &reply);
		arbor_msg_release(&reply);
		if (err == ARBOR_E_NOT_FOUND)
			not_found++;
		else if (err == ARBOR_E_DENIED && id < ARBOR_ENV_IDS_END)
			denied++;
		else
			other++;
	}
	result(other > 0, "(b) close of ids 1..%u (sessions of others): %u denied (reserved), "
	       "%u not found, %u other", ID_GUESSES, denied, not_found, other);
}

/* Opcodes the object never offered: each must be answered "unknown". */
static void guess_opcodes(struct arbor_cap *cap, const char *name, uint32_t first)
{
	unsigned unknown = 0, other = 0;

	for (uint32_t op = first; op < first + OP_GUESSES; op++) {
		struct arbor_msg reply;
		int err = arbor_rpc_call(cap, op, forged_text, sizeof(forged_text) - 1, NULL, 0, &reply);
		arbor_msg_release(&reply);
		if (err == ARBOR_E_UNKNOWN_OPCODE)
			unknown++;
		else
			other++;
	}
	/* the highest ones, which lib/base will not send: raw */
	int conn;
	if (!raw_wire_clone(arbor_cap_fd(cap), &conn)) {
		int32_t words[] = { -1, -2, INT32_MIN + 1, INT32_MAX };
		for (unsigned i = 0; i < ARRAY_SIZE(words); i++) {
			struct raw_reply r;
			enum raw_outcome o = raw_wire_call(conn, words[i], forged_text, sizeof(forged_text) - 1,
			                              WAIT_MS, &r);
			if (o == RAW_REPLY && r.status == ARBOR_E_UNKNOWN_OPCODE)
				unknown++;
			else
				other++;
		}
		close(conn);
	}
	result(other > 0, "(b) %s opcodes %u..%u and negative ones: %u unknown, %u other", name,
	       first, first + OP_GUESSES - 1, unknown, other);
}

/* The parent capability called with LOG's write: a different interface. */
static void parent_as_log(struct arbor_cap *parent)
{
	struct raw_reply r;
	char text[96];
	int conn;
	enum raw_outcome o = RAW_ERROR;

	if (!raw_wire_clone(arbor_cap_fd(parent), &conn)) {
		o = raw_wire_call(conn, ARBOR_LOG_WRITE, forged_text, sizeof(forged_text) - 1, WAIT_MS, &r);
		close(conn);
	}
	result(o == RAW_REPLY && r.status >= 0, "(b) the parent capability used as a LOG session: %s",
	       raw_wire_outcome_text(o, &r, text, sizeof(text)));
}

/* ---- (c) sockets by name ---- */

static void named_sockets(void)
{
	static const char *const names[] = {
		"/tmp/arbor", "/run/arbor/core", "/dev/log", "@arbor", "@arbor-core", "@init",
	};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		result(0, "(c) socket(AF_UNIX) to reach sockets by path or abstract name: %s",
		       strerrorname_np(errno));
		return;
	}
	close(fd);
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(names[i]));
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", names[i]);
		if (names[i][0] == '@')
			sa.sun_path[0] = '\0';
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		int r = connect(fd, (struct sockaddr *)&sa, len);
		int err = errno;
		if (r == 0)
			forge_through(fd);
		close(fd);
		result(r == 0, "(c) connect to %s: %s", names[i], r == 0 ? "connected" : strerrorname_np(err));
	}
}

/* ---- (d), (e) the sibling's process ---- */

static void sibling_fds(void)
{
	char path[64];
	unsigned opened = 0;
	int err = 0;

	for (int pid = 1; pid <= 64; pid++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/3", pid);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			opened++;
			forge_through(fd);
			close(fd);
		} else {
			err = errno;
		}
	}
	result(opened > 0, "(d) /proc/<pid>/fd/3 for pids 1..64: %u opened, last error %s", opened,
	       strerrorname_np(err));
}

static void sibling_ptrace(void)
{
	unsigned attached = 0;
	int err = 0;

	for (pid_t pid = 1; pid <= 4096; pid++) {
		if (pid == getpid())
			continue;
		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
			attached++;
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
		} else {
			err = errno;
		}
	}
	result(attached > 0, "(e) ptrace PTRACE_ATTACH of pids 1..4096: %u attached, last error %s",
	       attached, strerrorname_np(err));
}

/* ---- (f) a line posing as another component's ---- */

static void impersonate(void)
{
	static const char nl[] = "ok\n[init -> victim] impersonation attempt\n";
	static const char cr[] = "ok\r[init -> victim] carriage return attempt\n";

	arbor_log_write(nl, sizeof(nl) - 1);
	arbor_log_write(cr, sizeof(cr) - 1);
	result(0, "(f) wrote lines starting \"[init -> victim]\" after a newline and a carriage "
	       "return: the scenario checks they carry our label");
}

void component_construct(struct arbor_env *env)
{

	/*
	 * The only socket may be the parent capability: lib/base's main
	 * called the parent once (to take heartbeats) on a private connection
	 * the parent made; drop that first.
	 */
	int known[8];
	unsigned nknown = 0;

	arbor_cap_trim(env->parent);
	known[nknown++] = 3;
	static struct scan first;
	scan_fds(&first, known, nknown);

	struct arbor_cap *log = arbor_env_log(env), *pd = arbor_env_pd(env);
	arbor_log("unforge: started; %u fds open at start, %u sockets, %u foreign", first.open,
	          first.sockets, first.nforeign);
	for (unsigned i = 0; i < first.nforeign; i++)
		forge_through(first.foreign[i]);

	known[nknown++] = arbor_cap_fd(log);
	if (pd)
		known[nknown++] = arbor_cap_fd(pd);
	/* our private connections were made by the servers: close them, keep the caps */
	arbor_cap_trim(env->parent);
	arbor_cap_trim(log);
	arbor_cap_trim(pd);
	scan_and_forge("with its sessions open", known, nknown);

	guess_session_ids(env->parent);
	guess_opcodes(log, "LOG", ARBOR_LOG_NOPS);
	guess_opcodes(env->parent, "parent", ARBOR_PARENT_NOPS);
	parent_as_log(env->parent);
	named_sockets();
	sibling_fds();
	sibling_ptrace();
	impersonate();
	arbor_cap_trim(env->parent);
	arbor_cap_trim(log);
	arbor_cap_trim(pd);
	scan_and_forge("after all attempts", known, nknown);

	arbor_log("unforge: %u attempts, %u reached an object it was not given", attempts, reached);
	arbor_exit(env, reached ? 1 : 0);
}
