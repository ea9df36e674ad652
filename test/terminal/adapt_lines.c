/*
 * adapt_lines: a Terminal client that writes lines in every shape a
 * line-oriented server must take apart (several in one write, one across
 * several writes, longer than a LOG write, CR LF, a CR LF split between
 * writes, a lone CR, an empty line, a last line without its newline) and
 * checks what terminal_log promises besides: connected at once (the
 * signal comes as soon as it registers), no input, no size. The
 * scenario (adapt_terminal_log.scn) checks the lines in the log.
 */
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/signal.h>
#include <session/log.h>
#include <terminal/terminal_client.h>

#define LONG_A (ARBOR_LOG_WRITE_MAX - 1)    /* 'L' and these: exactly one LOG write */
#define LONG_B 600u                         /* the rest of the line, split off */

static struct {
	struct arbor_env *env;
	struct terminal_connection terminal;
	struct arbor_signal_handler connected;
	unsigned failures;
	char buf[1 + LONG_A + LONG_B + 1];
} lines;

static void check(int ok, const char *what)
{
	if (!ok) {
		lines.failures++;
		arbor_error("adapt_lines: FAIL: %s", what);
	}
}

static void put(const char *text, size_t len)
{
	ssize_t n = terminal_write(&lines.terminal, text, len);

	check(n == (ssize_t)len, "a write was not taken whole");
}

static void put_str(const char *text)
{
	put(text, strlen(text));
}

static void write_lines(void)
{
	put_str("one\ntwo\nthree\n");            /* several lines in one write */
	put_str("spl");                          /* one line across three writes */
	put_str("it ac");
	put_str("ross writes\n");
	lines.buf[0] = 'L';                      /* longer than a LOG write: split */
	memset(lines.buf + 1, 'a', LONG_A);
	memset(lines.buf + 1 + LONG_A, 'b', LONG_B);
	lines.buf[sizeof(lines.buf) - 1] = '\n';
	put(lines.buf, sizeof(lines.buf));
	put_str("crlf line\r\n");                /* the CR before the LF goes */
	put_str("cr split\r");                   /* ... also when the LF comes in the next write */
	put_str("\n");
	put_str("lone\rcr\n");                   /* a CR elsewhere stays (core shows it as \x0d) */
	put_str("\n");                           /* an empty line */
	put_str("after the empty line\n");
	put_str("partial, flushed at close");    /* no newline: the close ends it */
}

static void connected(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_terminal_size size;
	char c;
	size_t avail = 1;

	check(terminal_connected(&lines.terminal) == 1, "not connected");
	check(terminal_avail(&lines.terminal, &avail) == 0 && avail == 0, "input available");
	check(terminal_read(&lines.terminal, &c, 1) == 0, "a read returned input");
	check(terminal_size(&lines.terminal, &size) == 0 && !size.columns && !size.lines,
	      "a window size");
	arbor_log("adapt_lines: connected at once, no input, size 0x0");
	write_lines();
	terminal_connection_close(&lines.terminal);
	arbor_log("adapt_lines: all lines written, session closed: %u failures", lines.failures);
	arbor_exit(lines.env, lines.failures ? 1 : 0);
}

void component_construct(struct arbor_env *env)
{
	int err;

	lines.env = env;
	if ((err = terminal_connection_open(env, &lines.terminal, "")) ||
	    (err = arbor_signal_handler_init(&lines.connected, env->ep, connected)) ||
	    (err = terminal_connected_sigh(&lines.terminal,
	                                   arbor_signal_handler_cap(&lines.connected)))) {
		arbor_error("adapt_lines: no terminal: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
