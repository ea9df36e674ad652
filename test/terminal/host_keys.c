/*
 * host_keys: a Terminal client for the host terminal bridge's tests. It
 * logs every byte it reads ("key 0x03"), so that a test can tell the
 * component got a key (raw mode) from the terminal showing it, and echoes
 * nothing.
 */
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/signal.h>
#include <terminal/terminal_client.h>

static struct {
	struct arbor_env *env;
	struct terminal_connection terminal;
	struct arbor_signal_handler connected, read_avail;
} keys;

static void connected(struct arbor_signal_handler *sh, uint64_t count)
{
	arbor_log(terminal_connected(&keys.terminal) > 0 ? "connected" : "disconnected");
}

static void read_avail(struct arbor_signal_handler *sh, uint64_t count)
{
	unsigned char in[256];
	ssize_t n;

	while ((n = terminal_read(&keys.terminal, in, sizeof(in))) > 0)
		for (ssize_t i = 0; i < n; i++)
			arbor_log("key 0x%02x", in[i]);
}

void component_construct(struct arbor_env *env)
{
	int err;

	keys.env = env;
	if ((err = terminal_connection_open(env, &keys.terminal, "")) ||
	    (err = arbor_signal_handler_init(&keys.connected, env->ep, connected)) ||
	    (err = arbor_signal_handler_init(&keys.read_avail, env->ep, read_avail)) ||
	    (err = terminal_read_avail_sigh(&keys.terminal,
	                                    arbor_signal_handler_cap(&keys.read_avail))) ||
	    (err = terminal_connected_sigh(&keys.terminal,
	                                   arbor_signal_handler_cap(&keys.connected)))) {
		arbor_error("host_keys: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
