/*
 * The dummy's main part: read the config ROM and run its actions in
 * document order, pausing (never blocking the entrypoint) where an action
 * has to wait for a timer or for the parent; rerun when the config changes
 * its version, as Genode's dummy does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/connection.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/rom.h>
#include "dummy.h"

#define VERSION_MAX 128

struct dummy {
	struct arbor_env *env;
	struct arbor_rom config;
	unsigned config_count;           /* configs run so far */
	char version[VERSION_MAX];       /* of the config last run */
	struct xml_node *running;        /* the config whose actions run */
	const struct xml_node *next;     /* the action after the current one */
	int paused;                      /* an action waits; dummy_resume() goes on */
	int config_pending;              /* a new config arrived while paused */
};

static struct dummy dummy;

const char *dummy_size_text(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "GMK";

	for (unsigned i = 0; i < 3; i++) {
		uint64_t unit = 1ull << (10 * (3 - i));
		if (bytes >= unit && bytes % unit == 0) {
			snprintf(buf, size, "%" PRIu64 "%c", bytes / unit, units[i]);
			return buf;
		}
	}
	snprintf(buf, size, "%" PRIu64, bytes);
	return buf;
}

/* ---- actions ---- */

static enum dummy_step act_log(struct dummy *d, const struct xml_node *node)
{
	const char *text = xml_attr(node, "string");

	arbor_log("%s", text ? text : "");
	return DUMMY_NEXT;
}

static enum dummy_step act_create_log_connections(struct dummy *d, const struct xml_node *node)
{
	dummy_log_connections_create(d->env, node);
	return DUMMY_NEXT;
}

static enum dummy_step act_destroy_log_connections(struct dummy *d, const struct xml_node *node)
{
	dummy_log_connections_destroy(d->env);
	return DUMMY_NEXT;
}

static enum dummy_step act_log_service(struct dummy *d, const struct xml_node *node)
{
	dummy_log_service_start(d->env, node);
	return DUMMY_NEXT;
}

/* Attribute amount as a size; errors are the config's and logged. */
static int amount_of(const struct xml_node *node, uint64_t *amount)
{
	if (xml_attr_u64(node, "amount", 0, amount)) {
		arbor_error("<%s>: amount=\"%s\" is not a number", xml_node_type(node),
		            xml_attr(node, "amount"));
		return ARBOR_E_INVALID;
	}
	return 0;
}

static enum dummy_step act_consume_ram(struct dummy *d, const struct xml_node *node)
{
	uint64_t amount;

	return amount_of(node, &amount) ? DUMMY_NEXT : dummy_consume_ram(d->env, amount);
}

static enum dummy_step act_consume_caps(struct dummy *d, const struct xml_node *node)
{
	uint64_t amount;

	return amount_of(node, &amount) ? DUMMY_NEXT : dummy_consume_caps(d->env, amount);
}

static enum dummy_step act_handle_yield_requests(struct dummy *d, const struct xml_node *node)
{
	int err = dummy_consume_handle_yield(d->env);

	if (err)
		arbor_error("cannot handle yield requests: %s", arbor_strerror(err));
	return DUMMY_NEXT;
}

/* <sleep ms/>: the entrypoint serves on meanwhile (a LOG service keeps logging). */
static enum dummy_step act_sleep(struct dummy *d, const struct xml_node *node)
{
	return dummy_sleep(d->env, node);
}

static enum dummy_step act_sleep_forever(struct dummy *d, const struct xml_node *node)
{
	dummy_sleep_forever();
}

static enum dummy_step act_exit(struct dummy *d, const struct xml_node *node)
{
	uint64_t code;

	if (xml_attr_u64(node, "code", 0, &code) || code > 255) {
		arbor_error("<exit>: code=\"%s\" is not an exit code (0..255)", xml_attr(node, "code"));
		code = 1;
	}
	arbor_exit(d->env, (int)code);
}

struct action {
	const char *type;
	enum dummy_step (*run)(struct dummy *d, const struct xml_node *node);
};

static const struct action actions[] = {
	{ "log",                     act_log },
	{ "create_log_connections",  act_create_log_connections },
	{ "destroy_log_connections", act_destroy_log_connections },
	{ "log_service",             act_log_service },
	{ "consume_ram",             act_consume_ram },
	{ "consume_caps",            act_consume_caps },
	{ "handle_yield_requests",   act_handle_yield_requests },
	{ "sleep",                   act_sleep },
	{ "sleep_forever",           act_sleep_forever },
	{ "exit",                    act_exit },
};

static enum dummy_step act(struct dummy *d, const struct xml_node *node)
{
	const char *type = xml_node_type(node);

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i].type, type))
			return actions[i].run(d, node);
	arbor_error("unknown action <%s> (line %lu): skipped", type, xml_node_line(node));
	return DUMMY_NEXT;
}

/* ---- the config ---- */

static void handle_config(struct dummy *d);

/* Run actions from d->next until one pauses or none is left. */
static void run(struct dummy *d)
{
	d->paused = 0;
	while (d->next) {
		const struct xml_node *node = d->next;
		d->next = xml_next_sibling(node, NULL);
		if (act(d, node) == DUMMY_WAIT) {
			d->paused = 1;
			return;
		}
	}
	/* a config that came while we were paused is handled now (Genode: after the handler) */
	if (d->config_pending) {
		d->config_pending = 0;
		handle_config(d);
	}
}

void dummy_resume(void)
{
	if (dummy.paused)
		run(&dummy);
}

/* The config ROM's current content, parsed. */
static int read_config(struct dummy *d, struct xml_node **out)
{
	struct xml_error perr;
	int err = arbor_rom_refresh(&d->config);

	*out = NULL;
	if (err) {
		arbor_error("cannot read the config ROM: %s", arbor_strerror(err));
		return err;
	}
	err = xml_parse(d->config.text, d->config.len, "config", out, &perr);
	if (err)
		arbor_error("config:%lu:%lu: %s", perr.line, perr.column, perr.message);
	return err;
}

static void handle_config(struct dummy *d)
{
	struct xml_node *config;
	const char *version;

	if (read_config(d, &config))
		return;
	version = xml_attr(config, "version") ? xml_attr(config, "version") : "";
	/* like Genode's dummy: an update that keeps the version changes nothing */
	if (d->config_count > 0 && !strcmp(version, d->version)) {
		xml_free(config);
		return;
	}
	d->config_count++;
	snprintf(d->version, sizeof(d->version), "%s", version);
	if (*version)
		arbor_log("config %u: %s", d->config_count, version);
	xml_free(d->running);
	d->running = config;
	d->next = xml_first_child(config, NULL);
	run(d);
}

static void config_changed(struct arbor_rom *rom)
{
	struct dummy *d = container_of(rom, struct dummy, config);

	if (d->paused)
		d->config_pending = 1;
	else
		handle_config(d);
}

void component_construct(struct arbor_env *env)
{
	int err;

	dummy.env = env;
	err = arbor_rom_open(env, &dummy.config, "config", config_changed);
	if (err) {
		arbor_error("dummy has no config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	handle_config(&dummy);
}
