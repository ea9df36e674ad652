/*
 * terminal_log: provides Terminal and writes what each client writes into
 * a LOG session of its own, labeled with the client's label, line by line
 * (Genode's terminal_log). The terminal is always connected, has no input
 * and no size.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/root.h>
#include <arbor/rpc.h>
#include <session/log.h>
#include <terminal/terminal_server.h>

/*
 * A session costs what every Terminal session costs
 * (ARBOR_TERMINAL_SESSION_COST); the share meant for an output backlog,
 * which terminal_log does not keep, pays for the LOG session and the line
 * being collected. The LOG session's cap comes on top of the session's.
 */
#define TERMINAL_LOG_CAPS (ARBOR_TERMINAL_SESSION_COST_CAPS + ARBOR_LOG_SESSION_CAPS)

_Static_assert(ARBOR_LOG_SESSION_RAM + ARBOR_LOG_WRITE_MAX + 1024 <=
               ARBOR_TERMINAL_SESSION_COST - ARBOR_TERMINAL_IO_BUFFER,
               "a Terminal session's donation must cover the LOG session and the line");

struct line_session {
	struct terminal_session *terminal;
	struct arbor_connection log;
	int log_broken;                      /* warned once, later lines dropped */
	int cr;                              /* a '\r' held back: it may end a line */
	size_t len;
	char line[ARBOR_LOG_WRITE_MAX];      /* the line being collected */
};

static struct {
	struct arbor_env *env;
	struct arbor_root root;
} terminal_log;

/*
 * One LOG write per line. A line that filled the buffer goes without a
 * newline: the end of a LOG write ends its line anyway, and so every byte
 * of ARBOR_LOG_WRITE_MAX carries text.
 */
static void flush_line(struct line_session *s)
{
	struct arbor_msg reply;
	int err;

	if (s->len < sizeof(s->line))
		s->line[s->len++] = '\n';
	err = arbor_rpc_call(s->log.cap, ARBOR_LOG_WRITE, s->line, s->len, NULL, 0, &reply);
	arbor_msg_release(&reply);
	s->len = 0;
	if (err < 0 && !s->log_broken) {
		s->log_broken = 1;
		arbor_warning("the LOG session of '%s' failed: %s", terminal_session_label(s->terminal),
		              arbor_strerror(err));
	}
}

static void add_byte(struct line_session *s, char c)
{
	if (s->len == sizeof(s->line))
		flush_line(s);               /* too long for one LOG write: split */
	s->line[s->len++] = c;
}

/* ---- the backend: output only, always taken whole ---- */

static size_t no_input(void *priv, void *dst, size_t max)
{
	return 0;
}

static size_t nothing_ready(void *priv)
{
	return 0;
}

static size_t take_output(void *priv, const void *src, size_t len)
{
	struct line_session *s = priv;
	const char *p = src;

	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (s->cr) {
			s->cr = 0;
			if (c == '\n') {         /* CR LF: the CR goes */
				flush_line(s);
				continue;
			}
			add_byte(s, '\r');
		}
		if (c == '\r')
			s->cr = 1;
		else if (c == '\n')
			flush_line(s);
		else
			add_byte(s, c);
	}
	return len;
}

static const struct terminal_backend line_backend = {
	.read = no_input, .avail = nothing_ready, .write = take_output,
};

/* ---- the root ---- */

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct line_session *s;
	int err;

	/* before the LOG session is opened, or a short donation would open one per retry */
	if (req->ram < ARBOR_TERMINAL_SESSION_COST)
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < TERMINAL_LOG_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	s = calloc(1, sizeof(*s));
	if (!s) {
		arbor_warning("no room for the Terminal session of '%s'", req->label);
		return ARBOR_E_DENIED;
	}
	/*
	 * Our parent prefixes our name, so the lines appear as
	 * "[... -> terminal_log -> <client label>] text".
	 */
	err = arbor_connection_open(terminal_log.env, &s->log, ARBOR_LOG_SERVICE, req->label,
	                            ARBOR_LOG_SESSION_RAM, ARBOR_LOG_SESSION_CAPS, NULL);
	if (err)
		goto fail;
	err = terminal_session_create(terminal_log.env, req, &line_backend, s, &s->terminal);
	if (err)
		goto fail_log;
	terminal_session_connected(s->terminal, 1);
	*session = s;
	*cap = arbor_cap_ref(terminal_session_cap(s->terminal));
	return 0;

fail_log:
	arbor_connection_close(terminal_log.env, &s->log);
fail:
	if (err != ARBOR_E_INSUFFICIENT_RAM && err != ARBOR_E_INSUFFICIENT_CAPS)
		arbor_warning("no LOG session for the Terminal session of '%s': %s", req->label,
		              arbor_strerror(err));
	free(s);
	return err;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct line_session *s = session;

	if (s->cr)
		add_byte(s, '\r');
	if (s->len)
		flush_line(s);               /* the partial line the client left */
	terminal_session_destroy(s->terminal);
	arbor_connection_close(terminal_log.env, &s->log);
	free(s);
}

static const struct arbor_root_ops terminal_log_ops = { .create = create, .close = close_session };

void component_construct(struct arbor_env *env)
{
	int err;

	terminal_log.env = env;
	err = arbor_root_announce(env, &terminal_log.root, ARBOR_TERMINAL_SERVICE,
	                          &terminal_log_ops, NULL);
	if (err) {
		arbor_error("terminal_log: cannot provide the Terminal service: %s",
		            arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
