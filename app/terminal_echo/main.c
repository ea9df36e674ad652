/*
 * terminal_echo: an example Terminal client. It sends every byte it reads
 * straight back (a carriage return as CR LF, so that Enter starts a new
 * line on a raw terminal) and logs when its peer comes and goes and when
 * the window size changes.
 */
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/signal.h>
#include <terminal/terminal_client.h>

static struct {
	struct arbor_env *env;
	struct terminal_connection terminal;
	struct arbor_signal_handler connected, read_avail, size_changed;
	char in[ARBOR_TERMINAL_IO_BUFFER];
	char out[2 * ARBOR_TERMINAL_IO_BUFFER];
} echo;

static void fail(const char *what, int err)
{
	arbor_error("terminal_echo: %s: %s", what, arbor_strerror(err));
	arbor_exit(echo.env, 1);
}

static void log_size(void)
{
	struct arbor_terminal_size size;

	if (!terminal_size(&echo.terminal, &size))
		arbor_log("terminal size %ux%u", size.columns, size.lines);
}

static void connected(struct arbor_signal_handler *sh, uint64_t count)
{
	int state = terminal_connected(&echo.terminal);

	if (state < 0)
		fail("terminal gone", state);
	arbor_log(state ? "connected" : "disconnected");
	if (state)
		log_size();
}

static void size_changed(struct arbor_signal_handler *sh, uint64_t count)
{
	log_size();
}

static void read_avail(struct arbor_signal_handler *sh, uint64_t count)
{
	ssize_t n;

	while ((n = terminal_read(&echo.terminal, echo.in, sizeof(echo.in))) > 0) {
		size_t len = 0;

		for (ssize_t i = 0; i < n; i++) {
			echo.out[len++] = echo.in[i];
			if (echo.in[i] == '\r')
				echo.out[len++] = '\n';
		}
		if (terminal_write(&echo.terminal, echo.out, len) < 0)
			fail("cannot write", ARBOR_E_OBJECT_GONE);
	}
	if (n < 0)
		fail("cannot read", (int)n);
}

void component_construct(struct arbor_env *env)
{
	int err;

	echo.env = env;
	if ((err = terminal_connection_open(env, &echo.terminal, "")))
		fail("no terminal", err);
	if ((err = arbor_signal_handler_init(&echo.connected, env->ep, connected)) ||
	    (err = arbor_signal_handler_init(&echo.read_avail, env->ep, read_avail)) ||
	    (err = arbor_signal_handler_init(&echo.size_changed, env->ep, size_changed)) ||
	    (err = terminal_size_changed_sigh(&echo.terminal,
	                                      arbor_signal_handler_cap(&echo.size_changed))) ||
	    (err = terminal_read_avail_sigh(&echo.terminal,
	                                    arbor_signal_handler_cap(&echo.read_avail))) ||
	    (err = terminal_connected_sigh(&echo.terminal,
	                                   arbor_signal_handler_cap(&echo.connected))))
		fail("cannot register with the terminal", err);
}
