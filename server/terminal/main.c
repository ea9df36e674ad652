/*
 * terminal: the host terminal bridge. Provides Terminal to one client over
 * a Host_terminal session: what the person at the host terminal types is
 * the client's input, the client's output goes to their screen, and the
 * window's size and the terminal coming and going are signalled. Nothing
 * here touches the terminal itself: the arbor tool does, on the other end
 * of the stream (host_stream.c).
 */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/root.h>
#include <terminal/terminal_server.h>
#include "host_stream.h"

static struct {
	struct arbor_env *env;
	struct arbor_root root;
	struct terminal_session *session;     /* the one client's, or NULL */
} bridge;

/* ---- the stream's events, passed on to the client ---- */

static void connected(int now)
{
	if (bridge.session)
		terminal_session_connected(bridge.session, now);
}

static void input(void)
{
	if (bridge.session)
		terminal_session_input(bridge.session);
}

static void size(unsigned columns, unsigned lines)
{
	if (bridge.session)
		terminal_session_size(bridge.session, columns, lines);
}

static void output_ready(void)
{
	if (bridge.session)
		terminal_session_output_ready(bridge.session);
}

static const struct host_stream_events events = { connected, input, size, output_ready };

/* ---- the Terminal session's backend ---- */

static size_t backend_read(void *priv, void *dst, size_t max)
{
	return host_stream_read(dst, max);
}

static size_t backend_avail(void *priv)
{
	return host_stream_avail();
}

static size_t backend_write(void *priv, const void *src, size_t len)
{
	return host_stream_write(src, len);
}

static const struct terminal_backend backend = { backend_read, backend_avail, backend_write };

/* ---- the root: one client, as there is one person at the terminal ---- */

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct terminal_session *s;
	unsigned columns, lines;
	int err;

	if (bridge.session) {
		arbor_warning("denied Terminal session of '%s': the terminal has a client, '%s'",
		              req->label, terminal_session_label(bridge.session));
		return ARBOR_E_DENIED;
	}
	err = terminal_session_create(bridge.env, req, &backend, NULL, &s);
	if (err)
		return err;
	host_stream_window(&columns, &lines);
	terminal_session_size(s, columns, lines);
	terminal_session_connected(s, host_stream_connected());
	bridge.session = s;
	*session = s;
	*cap = arbor_cap_ref(terminal_session_cap(s));
	return 0;
}

static void close_session(struct arbor_root *root, void *session)
{
	terminal_session_destroy(session);
	bridge.session = NULL;
}

static const struct arbor_root_ops root_ops = { .create = create, .close = close_session };

void component_construct(struct arbor_env *env)
{
	int err;

	bridge.env = env;
	err = host_stream_open(env, &events);
	if (err) {
		arbor_error("terminal: no Host_terminal session: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = arbor_root_announce(env, &bridge.root, ARBOR_TERMINAL_SERVICE, &root_ops, NULL);
	if (err) {
		arbor_error("terminal: cannot provide the Terminal service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
