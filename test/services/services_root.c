/*
 * Root of the services scenario, standing in for init: starts timer and
 * report_rom as children that provide Timer, Report and ROM, and
 * services_client, which uses them; routes each session by hand (the
 * servers' environment and report_rom's config to core, the client's
 * Timer, Report and ROM sessions to the servers). When the client exits,
 * everything is torn down (client first) and the root exits with the
 * client's exit value, after checking that all quota came back.
 */
#include <stdio.h>
#include <string.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/service.h>
#include <arbor/signal.h>
#include <session/report.h>
#include <session/timer.h>

#define CLIENT "services_client"

static struct arbor_env *env;
static struct arbor_child *timer, *report_rom, *client;
static struct arbor_service *parent_pd, *parent_cpu, *parent_log, *parent_rom;
static struct arbor_service *timer_svc, *report_svc, *rom_svc;
static struct arbor_signal_handler teardown;
static struct arbor_pd_quota before;
static int client_code = 1;

static int route(struct arbor_service *svc, struct arbor_service **out, const char *server_label,
                 char *buf, size_t size)
{
	*out = svc;
	snprintf(buf, size, "%s", server_label);
	return 0;
}

static int resolve(struct arbor_child *child, const char *service, const char *label,
                   struct arbor_service **svc, char *server_label, size_t size)
{
	const char *name = arbor_child_name(child);
	char config_label[ARBOR_LABEL_MAX];

	/* environment sessions carry the bare child name; the binary ROM is named after it too */
	if (!strcmp(label, name)) {
		if (!strcmp(service, ARBOR_PD_SERVICE))
			return route(parent_pd, svc, label, server_label, size);
		if (!strcmp(service, ARBOR_CPU_SERVICE))
			return route(parent_cpu, svc, label, server_label, size);
		if (!strcmp(service, ARBOR_LOG_SERVICE))
			return route(parent_log, svc, label, server_label, size);
		if (!strcmp(service, ARBOR_ROM_SERVICE))
			return route(parent_rom, svc, label, server_label, size);
	}
	snprintf(config_label, sizeof(config_label), "%s -> config", name);
	if (child == report_rom && !strcmp(service, ARBOR_ROM_SERVICE) &&
	    !strcmp(label, config_label))
		return route(parent_rom, svc, "report_rom.config", server_label, size);
	if (child == client && !strcmp(service, ARBOR_TIMER_SERVICE))
		return route(timer_svc, svc, label, server_label, size);
	if (child == client && !strcmp(service, ARBOR_REPORT_SERVICE))
		return route(report_svc, svc, label, server_label, size);
	if (child == client && !strcmp(service, ARBOR_ROM_SERVICE))
		return route(rom_svc, svc, label, server_label, size);
	arbor_warning("no route for %s session '%s'", service, label);
	return ARBOR_E_DENIED;
}

static void exited(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	int code = st->state == ARBOR_PD_EXITED ? st->code : -st->signal;

	arbor_log("child \"%s\" exited with exit value %d", arbor_child_name(child), code);
	if (child == client)
		client_code = code;
	else
		arbor_error("server \"%s\" ended before its client", arbor_child_name(child));
	/*
	 * lib/base still uses the child after this hook returns: destroy it
	 * (and the others) later, from a signal of our own.
	 */
	arbor_signal_submit(arbor_signal_handler_cap(&teardown), 1);
}

static const struct arbor_child_policy policy = { .resolve = resolve, .exited = exited };

/* The servers stay until their client is gone: sessions close before their servers go. */
static void tear_down(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_pd_quota after;
	int leak;

	arbor_child_destroy(client);
	arbor_child_destroy(report_rom);
	arbor_child_destroy(timer);
	client = report_rom = timer = NULL;
	arbor_pd_quota(arbor_env_pd(env), &after);
	leak = after.ram_used != before.ram_used || after.cap_used != before.cap_used ||
	       after.ram_quota != before.ram_quota || after.cap_quota != before.cap_quota;
	arbor_log("quota after teardown: ram %llu of %llu used, caps %llu of %llu used (%s)",
	          (unsigned long long)after.ram_used, (unsigned long long)after.ram_quota,
	          (unsigned long long)after.cap_used, (unsigned long long)after.cap_quota,
	          leak ? "NOT as before the start" : "as before the start");
	arbor_exit(env, client_code ? client_code : leak);
}

static int start(const char *name, uint64_t ram, uint64_t caps, struct arbor_child **out)
{
	struct arbor_child_config cfg = {
		.name = name, .ram = ram, .caps = caps, .policy = &policy,
	};

	return arbor_child_new(env, &cfg, out);
}

void component_construct(struct arbor_env *e)
{
	int err;

	env = e;
	err = arbor_signal_handler_init(&teardown, env->ep, tear_down);
	if (!err)
		err = arbor_pd_quota(arbor_env_pd(env), &before);
	if (!err)
		err = arbor_parent_service_new(env, ARBOR_PD_SERVICE, &parent_pd);
	if (!err)
		err = arbor_parent_service_new(env, ARBOR_CPU_SERVICE, &parent_cpu);
	if (!err)
		err = arbor_parent_service_new(env, ARBOR_LOG_SERVICE, &parent_log);
	if (!err)
		err = arbor_parent_service_new(env, ARBOR_ROM_SERVICE, &parent_rom);

	/* the children exist, with what they provide, before any of them asks for anything */
	if (!err)
		err = start("timer", 1 << 20, 50, &timer);
	if (!err)
		err = arbor_child_service_new(timer, ARBOR_TIMER_SERVICE, &timer_svc);
	if (!err)
		err = start("report_rom", 2 << 20, 100, &report_rom);
	if (!err)
		err = arbor_child_service_new(report_rom, ARBOR_REPORT_SERVICE, &report_svc);
	if (!err)
		err = arbor_child_service_new(report_rom, ARBOR_ROM_SERVICE, &rom_svc);
	if (!err)
		err = start(CLIENT, 2 << 20, 100, &client);

	if (!err)
		err = arbor_child_launch(timer);
	if (!err)
		err = arbor_child_launch(report_rom);
	if (!err)
		err = arbor_child_launch(client);
	if (err) {
		arbor_error("cannot start the services scenario: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("started timer, report_rom and " CLIENT);
}
