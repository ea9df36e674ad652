/*
 * log_terminal's terminal side. A Terminal call may wait: opening the
 * session waits for its server, a write waits for the peer (a TCP peer
 * that reads slowly, a terminal nobody attached yet). So none happens on
 * the entrypoint: LOG writes only add lines to the backlog and return, and
 * a thread of its own opens the session and writes the backlog out while
 * the terminal is connected. A slow terminal never holds up a LOG client,
 * and a Terminal server that logs through us cannot deadlock with us.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/signal.h>
#include <session/log.h>
#include <session/parent.h>
#include <terminal/terminal_client.h>
#include "backlog.h"
#include "output.h"

/* The longest line: "[" label "] " text "\r\n", every byte of both possibly shown as \xNN. */
#define LINE_MAX (4u * ARBOR_LABEL_MAX + 4u * ARBOR_LOG_WRITE_MAX + 8u)
/* What the writer takes from the backlog at once: a note and at least one line. */
#define STAGE_SIZE (2u * ARBOR_TERMINAL_IO_BUFFER)

_Static_assert(LINE_MAX + 128 <= STAGE_SIZE, "a line and the note fit the stage");
_Static_assert(LINE_MAX <= BACKLOG_SIZE, "a line fits the backlog");

static struct {
	struct arbor_env *env;
	struct terminal_connection terminal;   /* the writer's */
	struct arbor_signal_handler connected_sh;
	pthread_t writer;
	pthread_mutex_t lock;            /* the fields below */
	pthread_cond_t wake;             /* the writer may have work */
	int signalled;                   /* the connected state may have changed */
	struct backlog backlog;
} out = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static void fail(const char *what, int err)
{
	arbor_error("log_terminal: %s: %s", what, arbor_strerror(err));
	arbor_exit(out.env, 1);
}

/*
 * Control characters are shown, not obeyed (as core shows them): a LOG
 * client must not be able to move the cursor, clear the screen or retitle
 * the window of whoever reads the terminal.
 */
static size_t shown(char *dst, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = (char)c;
		}
	}
	return o;
}

/*
 * Lines end in "\r\n": a Terminal's peer is a terminal in raw mode (where
 * "\n" only moves down a row) or a network peer (where CR LF is the line
 * end); terminal_log, as a peer, drops the CR again.
 */
void output_lines(const char *label, const char *text, size_t len)
{
	static char line[LINE_MAX];
	size_t label_len = strnlen(label, ARBOR_LABEL_MAX);

	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len, t = n, o = 0;

		while (t && text[t - 1] == '\r')
			t--;                     /* a CRLF-ended line, as core takes it */
		line[o++] = '[';
		o += shown(line + o, label, label_len);
		line[o++] = ']';
		line[o++] = ' ';
		o += shown(line + o, text, t);
		line[o++] = '\r';
		line[o++] = '\n';
		pthread_mutex_lock(&out.lock);
		backlog_add(&out.backlog, line, o);
		pthread_cond_signal(&out.wake);
		pthread_mutex_unlock(&out.lock);
		n += nl ? 1 : 0;
		text += n;
		len -= n;
	}
}

/* The writer's next batch from the backlog into stage: a note on dropped lines first. */
static size_t stage_next(char *stage, size_t size)
{
	unsigned long dropped = backlog_take_dropped(&out.backlog);
	size_t n = 0;

	if (dropped)
		n = (size_t)snprintf(stage, size, "[log_terminal] Warning: %lu older lines dropped\r\n",
		                     dropped);
	return n + backlog_take(&out.backlog, stage + n, size - n);
}

/* Open the session and register for its connected signal, or end the component. */
static void open_terminal(void)
{
	int err = terminal_connection_open(out.env, &out.terminal, "");

	if (err)
		fail("no terminal", err);
	/* signalled at once if connected already */
	err = terminal_connected_sigh(&out.terminal, arbor_signal_handler_cap(&out.connected_sh));
	if (err)
		fail("cannot register with the terminal", err);
}

/* Ask the server whether it is connected (called unlocked). */
static int ask_connected(void)
{
	static int told = -1;
	int state = terminal_connected(&out.terminal);

	if (state < 0)
		fail("the terminal failed", state);
	if (state != told)
		arbor_log("terminal %s", state ? "connected" : "disconnected");
	told = state;
	return state;
}

/*
 * Write the backlog out whenever the terminal is connected. Only this
 * thread calls the Terminal server: the entrypoint just passes the
 * connected signal on, so a Terminal server that logs through us while it
 * signals never waits for an entrypoint that waits for it. What a write
 * did not take (the peer left meanwhile) stays staged for the next
 * connection, so the backlog holds at most BACKLOG_SIZE + STAGE_SIZE.
 */
static void *writer(void *arg)
{
	static char stage[STAGE_SIZE];
	size_t len = 0, off = 0;
	int connected = 0;

	open_terminal();
	pthread_mutex_lock(&out.lock);
	for (;;) {
		while (!out.signalled &&
		       (!connected || (off == len && !out.backlog.used && !out.backlog.dropped)))
			pthread_cond_wait(&out.wake, &out.lock);
		if (out.signalled) {
			out.signalled = 0;
			pthread_mutex_unlock(&out.lock);
			connected = ask_connected();
			pthread_mutex_lock(&out.lock);
			continue;
		}
		if (off == len) {
			off = 0;
			len = stage_next(stage, sizeof(stage));
		}
		pthread_mutex_unlock(&out.lock);
		ssize_t n = terminal_write(&out.terminal, stage + off, len - off);
		if (n < 0)
			fail("the terminal failed", (int)n);
		off += (size_t)n;
		/* a short write: not connected any more; its signal is on the way */
		if (off < len)
			connected = 0;
		pthread_mutex_lock(&out.lock);
	}
	return NULL;
}

static void connected(struct arbor_signal_handler *sh, uint64_t count)
{
	pthread_mutex_lock(&out.lock);
	out.signalled = 1;
	pthread_cond_signal(&out.wake);
	pthread_mutex_unlock(&out.lock);
}

int output_open(struct arbor_env *env)
{
	int err;

	out.env = env;
	backlog_init(&out.backlog);
	err = arbor_signal_handler_init(&out.connected_sh, env->ep, connected);
	if (err)
		return err;
	err = -pthread_create(&out.writer, NULL, writer, NULL);
	if (err)
		arbor_signal_handler_fini(&out.connected_sh);
	return err;
}
