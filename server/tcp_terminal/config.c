/* tcp_terminal's config ROM: read, checked, re-read on change (see config.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include <sandbox/policy.h>
#include <session/parent.h>
#include "config.h"

static int is_ipv4(const char *text)
{
	struct in_addr addr;

	return inet_pton(AF_INET, text, &addr) == 1;
}

/* A port is 1..65535 in plain decimal: "8K" or "0x1f90" would surprise a reader. */
static int parse_port(const char *text, uint16_t *port)
{
	unsigned long value = 0;

	if (!*text || strlen(text) > 5)
		return ARBOR_E_INVALID;
	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9')
			return ARBOR_E_INVALID;
		value = value * 10 + (unsigned long)(*c - '0');
	}
	if (value < 1 || value > 65535)
		return ARBOR_E_INVALID;
	*port = (uint16_t)value;
	return 0;
}

/* Every value a session would use, checked now: a typo shows at start, not at the first client. */
static int check_policy(const struct xml_node *policy)
{
	const char *port = xml_attr(policy, "port");
	const char *ip = xml_attr(policy, "ip");
	uint16_t number;

	if (port && parse_port(port, &number))
		return config_attr_error(policy, "port", "is not a port number (1..65535)");
	if (ip && !is_ipv4(ip))
		return config_attr_error(policy, "ip", "is not a dotted IPv4 address");
	return 0;
}

static int check(const struct config_rom *rom, const struct xml_node *root)
{
	const char *listen = xml_attr(root, "listen");
	int err = 0;

	if (listen && !is_ipv4(listen))
		return config_attr_error(root, "listen", "is not a dotted IPv4 address");
	for (const struct xml_node *n = xml_first_child(root, NULL); n && !err;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);
		if (!strcmp(type, "policy") || !strcmp(type, "default-policy"))
			err = check_policy(n);
	}
	return err;
}

/* New policies apply to new sessions; a session keeps its port until it closes. */
static void applied(struct config_rom *rom)
{
	struct config *cfg = container_of(rom, struct config, rom);
	const char *listen = xml_attr(rom->root, "listen");

	snprintf(cfg->listen, sizeof(cfg->listen), "%s", listen ? listen : CONFIG_DEFAULT_LISTEN);
}

int config_open(struct config *cfg, struct arbor_env *env)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_rom_open(&cfg->rom, env, check, applied);
}

void config_close(struct config *cfg)
{
	config_rom_close(&cfg->rom);
}

int config_endpoint_for(const struct config *cfg, const char *label, struct tcp_endpoint *ep)
{
	const struct xml_node *policy = policy_for_session(cfg->rom.root, label);
	const char *port, *ip;

	memset(ep, 0, sizeof(*ep));
	if (!policy)
		return ARBOR_E_DENIED;
	port = xml_attr(policy, "port");
	if (!port || parse_port(port, &ep->port)) {
		arbor_warning("policy for label '%s' names no port", label);
		return ARBOR_E_DENIED;
	}
	ip = xml_attr(policy, "ip");
	ep->outgoing = ip != NULL;
	snprintf(ep->text, sizeof(ep->text), "%s:%u", ip ? ip : cfg->listen, ep->port);
	return 0;
}
