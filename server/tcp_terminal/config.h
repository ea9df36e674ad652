/*
 * tcp_terminal's configuration: the ROM session labeled "config", parsed
 * and checked as a whole (a bad attribute names config:LINE:COL), read
 * again whenever the ROM changes. It holds the address listeners bind to
 * (listen="ADDR", 127.0.0.1 unless said otherwise) and the <policy> nodes
 * that give each client its port, and with ip= a peer to connect to.
 */
#ifndef TCP_TERMINAL_CONFIG_H
#define TCP_TERMINAL_CONFIG_H

#include <arpa/inet.h>
#include <stdint.h>
#include <arbor/env.h>
#include <sandbox/config_rom.h>

#define CONFIG_DEFAULT_LISTEN "127.0.0.1"

/* Where a session's bytes go: a port to listen on, or an address to connect to. */
struct tcp_endpoint {
	int outgoing;                              /* 1: connect to text, 0: listen on it */
	uint16_t port;
	char text[INET_ADDRSTRLEN + sizeof(":65535")];   /* "ADDR:PORT", as Host_tcp takes it */
};

struct config {
	struct config_rom rom;                     /* rom.root: the current config, checked */
	char listen[INET_ADDRSTRLEN];
};

/*
 * Open the config ROM, read, check and watch it. Returns 0, an error of
 * the ROM session, or ARBOR_E_INVALID / ARBOR_E_TOO_LARGE (a config that
 * is not well-formed or has a bad attribute; logged with its position).
 */
int config_open(struct config *cfg, struct arbor_env *env);

void config_close(struct config *cfg);

/*
 * The endpoint of the session of the client labeled label, by the best
 * matching policy (policy_select() rules) into *ep. Returns 0, or
 * ARBOR_E_DENIED after a warning naming the label: no policy matches, or
 * the matching one names no port.
 */
int config_endpoint_for(const struct config *cfg, const char *label, struct tcp_endpoint *ep);

#endif
