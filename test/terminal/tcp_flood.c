/*
 * tcp_flood: a Terminal client that only writes. Each time its session
 * becomes connected it writes <config mib="N"/> MiB into it as fast as the
 * session takes them, then logs "flood: done N MiB"; it never reads. The
 * client of the tcp_terminal throughput benchmark (bench_tcp_terminal) and
 * of tcp_terminal_test.py's write-only case. The bytes are a fixed
 * pattern, 'a' to 'z' over and over: what is measured is the way through
 * the Terminal session, not making them.
 */
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/signal.h>
#include <sandbox/xml.h>
#include <terminal/terminal_client.h>

/* Several I/O buffers per terminal_write(): the library splits them into buffer-sized calls. */
#define CHUNK (4u * ARBOR_TERMINAL_IO_BUFFER)

static struct {
	struct arbor_env *env;
	struct terminal_connection terminal;
	struct arbor_signal_handler connected;
	uint64_t mib;
	char pattern[CHUNK + 26];          /* 'a' to 'z' over and over; written from sent % 26 on */
} flood;

static void fail(const char *what, int err)
{
	arbor_error("flood: %s: %s", what, arbor_strerror(err));
	arbor_exit(flood.env, 1);
}

static void connected(struct arbor_signal_handler *sh, uint64_t count)
{
	uint64_t total = flood.mib << 20, sent = 0;

	if (terminal_connected(&flood.terminal) != 1)
		return;
	while (sent < total) {
		size_t len = total - sent < CHUNK ? (size_t)(total - sent) : CHUNK;
		ssize_t n = terminal_write(&flood.terminal, flood.pattern + sent % 26, len);

		if (n < 0)
			fail("cannot write", (int)n);
		if ((size_t)n < len) {
			arbor_log("flood: the peer left after %llu bytes", (unsigned long long)sent);
			return;                    /* the next peer gets it all again */
		}
		sent += len;
	}
	arbor_log("flood: done %llu MiB", (unsigned long long)flood.mib);
}

static int read_config(void)
{
	struct arbor_rom rom;
	struct xml_node *config = NULL;
	int err = arbor_rom_open(flood.env, &rom, "config", NULL);

	if (err)
		return err;
	err = xml_parse(rom.text, rom.len, "config", &config, NULL);
	if (!err)
		err = xml_attr_u64(config, "mib", 64, &flood.mib);
	if (!err && (!flood.mib || flood.mib > 65536))
		err = ARBOR_E_INVALID;
	xml_free(config);
	arbor_rom_close(&rom);
	return err;
}

void component_construct(struct arbor_env *env)
{
	int err;

	flood.env = env;
	for (size_t i = 0; i < sizeof(flood.pattern); i++)
		flood.pattern[i] = (char)('a' + i % 26);
	if ((err = read_config()))
		fail("no usable config (mib=\"1..65536\")", err);
	if ((err = terminal_connection_open(env, &flood.terminal, "")))
		fail("no terminal", err);
	if ((err = arbor_signal_handler_init(&flood.connected, env->ep, connected)) ||
	    (err = terminal_connected_sigh(&flood.terminal,
	                                   arbor_signal_handler_cap(&flood.connected))))
		fail("cannot register with the terminal", err);
}
