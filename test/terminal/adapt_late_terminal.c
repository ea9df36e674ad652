/*
 * adapt_late_terminal: a Terminal server that connects late, to test
 * log_terminal's backlog (adapt_log_backlog.scn). It serves one session
 * (log_terminal's) and keeps it disconnected while it writes BURST lines
 * through a LOG session routed to that same log_terminal: more than the
 * backlog holds. Each LOG write returns once log_terminal queued the line,
 * so when the last one returned the backlog is complete, and only then
 * does the terminal connect. What arrives must be one note on the dropped
 * lines and then the newest lines, whole and in order. Then it
 * disconnects, writes AWAY lines, connects again: they must arrive, with
 * no note. It logs each verdict, exits 0 when all held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/root.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/log.h>
#include <terminal/terminal_server.h>

#define BURST        2000u
#define AWAY         3u
#define BACKLOG      (64u * 1024)     /* what log_terminal promises to keep */
#define LINE_TEXT    100u             /* bytes of text in each line written */
#define LABEL        "[adapt_late_terminal -> backlog] "

enum phase { WAITING, BURST_WRITTEN, AWAY_WRITTEN, DONE };

static struct {
	struct arbor_env *env;
	struct arbor_root root;
	struct terminal_session *terminal;
	struct arbor_signal_handler step;     /* the next phase, off the root's create */
	struct arbor_connection log;
	enum phase phase;
	unsigned failures;
	/* what arrived */
	char line[512];
	size_t len;
	unsigned long noted;                  /* the count in the note, 0: none yet */
	unsigned notes, next, lines;          /* next: the line number expected next */
	size_t bytes;
} late;

static void check(int ok, const char *what)
{
	if (!ok) {
		late.failures++;
		arbor_error("late: FAIL: %s", what);
	}
}

static void log_write(unsigned number, const char *what)
{
	char text[LINE_TEXT + 1];
	struct arbor_msg reply;
	int n = snprintf(text, sizeof(text), "%s %04u ", what, number);

	memset(text + n, '.', LINE_TEXT - (size_t)n);
	int err = arbor_rpc_call(late.log.cap, ARBOR_LOG_WRITE, text, LINE_TEXT, NULL, 0, &reply);
	arbor_msg_release(&reply);
	check(err == 0, "a LOG write failed");
}

/* One whole line from log_terminal, its CR LF taken off. */
static void got_line(const char *line, size_t len)
{
	unsigned number;
	unsigned long dropped;
	char what[16];

	late.lines++;
	if (sscanf(line, "[log_terminal] Warning: %lu older lines dropped", &dropped) == 1) {
		late.notes++;
		late.noted = dropped;
		late.next = (unsigned)dropped + 1;
		return;
	}
	late.bytes += len + 2;
	if (len != strlen(LABEL) + LINE_TEXT || strncmp(line, LABEL, strlen(LABEL)) ||
	    sscanf(line + strlen(LABEL), "%15s %u", what, &number) != 2) {
		check(0, "a line of another shape arrived");
		arbor_log("late: the line: %.*s", (int)len, line);
		return;
	}
	if (late.phase == BURST_WRITTEN) {
		check(!strcmp(what, "burst") && number == late.next, "a burst line out of order");
		late.next = number + 1;
		if (number == BURST) {
			arbor_log("late: connected: %u note of %lu older lines dropped, then lines %lu..%u "
			          "in order (%zu bytes, the backlog holds %u)", late.notes, late.noted,
			          late.noted + 1, BURST, late.bytes, BACKLOG);
			check(late.notes == 1 && late.noted > 0, "no note on the dropped lines");
			check(late.bytes <= BACKLOG && late.bytes + 2 * (len + 2) > BACKLOG,
			      "the backlog kept more, or much less, than 64 KiB");
			arbor_signal_submit(arbor_signal_handler_cap(&late.step), 1);
		}
	} else if (late.phase == AWAY_WRITTEN) {
		check(!strcmp(what, "away") && number == late.next, "an away line out of order");
		late.next = number + 1;
		if (number == AWAY) {
			arbor_log("late: reconnected: the %u lines written while away arrived, %u notes",
			          AWAY, late.notes);
			check(late.notes == 1, "a note without dropped lines");
			arbor_signal_submit(arbor_signal_handler_cap(&late.step), 1);
		}
	} else {
		check(0, "a line before any was written");
	}
}

/* ---- the backend: lines in, no input ---- */

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
	const char *p = src;

	for (size_t i = 0; i < len; i++) {
		if (late.len == sizeof(late.line)) {
			check(0, "a line longer than any written");
			late.len = 0;
		}
		late.line[late.len++] = p[i];
		if (late.len >= 2 && late.line[late.len - 2] == '\r' && late.line[late.len - 1] == '\n') {
			got_line(late.line, late.len - 2);
			late.len = 0;
		}
	}
	return len;
}

static const struct terminal_backend late_backend = {
	.read = no_input, .avail = nothing_ready, .write = take_output,
};

/* ---- the phases, on the entrypoint ---- */

static void step(struct arbor_signal_handler *sh, uint64_t count)
{
	int err;

	switch (late.phase) {
	case WAITING:
		/* log_terminal has its terminal: its LOG is there now */
		err = arbor_connection_open(late.env, &late.log, ARBOR_LOG_SERVICE, "backlog",
		                            ARBOR_LOG_SESSION_RAM, ARBOR_LOG_SESSION_CAPS, NULL);
		if (err) {
			arbor_error("late: FAIL: no LOG session at log_terminal: %s", arbor_strerror(err));
			arbor_exit(late.env, 1);
		}
		for (unsigned i = 1; i <= BURST; i++)
			log_write(i, "burst");
		arbor_log("late: %u lines written while disconnected, connecting", BURST);
		late.phase = BURST_WRITTEN;
		late.next = 1;
		terminal_session_connected(late.terminal, 1);
		break;
	case BURST_WRITTEN:
		terminal_session_connected(late.terminal, 0);
		for (unsigned i = 1; i <= AWAY; i++)
			log_write(i, "away");
		arbor_log("late: disconnected, %u lines written, connecting again", AWAY);
		late.phase = AWAY_WRITTEN;
		late.next = 1;
		terminal_session_connected(late.terminal, 1);
		break;
	case AWAY_WRITTEN:
		late.phase = DONE;
		arbor_log("late: %u lines arrived, %u failures", late.lines, late.failures);
		arbor_exit(late.env, late.failures ? 1 : 0);
	case DONE:
		break;
	}
}

/* ---- the root: one session ---- */

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	int err;

	if (late.terminal)
		return ARBOR_E_DENIED;
	err = terminal_session_create(late.env, req, &late_backend, NULL, &late.terminal);
	if (err)
		return err;
	*session = late.terminal;
	*cap = arbor_cap_ref(terminal_session_cap(late.terminal));
	/* the LOG session waits until log_terminal has this one: not here */
	arbor_signal_submit(arbor_signal_handler_cap(&late.step), 1);
	return 0;
}

static void close_session(struct arbor_root *root, void *session)
{
	terminal_session_destroy(session);
	late.terminal = NULL;
}

static const struct arbor_root_ops late_ops = { .create = create, .close = close_session };

void component_construct(struct arbor_env *env)
{
	int err;

	late.env = env;
	if ((err = arbor_signal_handler_init(&late.step, env->ep, step)) ||
	    (err = arbor_root_announce(env, &late.root, ARBOR_TERMINAL_SERVICE, &late_ops, NULL))) {
		arbor_error("late: cannot serve: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
