/*
 * init: reads its configuration from the ROM "config", hands it to the
 * sandbox engine, and applies every new version of it. It publishes its
 * state as the Report "state" when the configuration has a <report> node,
 * at most once per delay_ms; started with --report-state (as `arbor run`
 * does for the root init), it reports everything even without one. Its exit is a child's when that child says
 * <exit propagate="yes"/>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <report/report_client.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/signal.h>
#include <sandbox/sandbox.h>

struct init {
	struct arbor_env *env;
	struct sandbox *sandbox;
	struct arbor_rom config;

	/* the state report */
	struct report_connection report;
	int report_open, report_failed;
	size_t report_size;
	struct arbor_io report_timer;     /* the delay before a report goes out */
	int report_due;
	char *last_report;
};

static struct init init;

/* The config ROM changed: apply its new content. */
static void config_changed(struct arbor_rom *rom)
{
	int err = arbor_rom_refresh(rom);

	if (err) {
		arbor_error("cannot read the config ROM: %s", arbor_strerror(err));
		return;
	}
	sandbox_apply_config(init.sandbox, rom->text, rom->len, "config");
}

/* ---- the state report ---- */

static void report_close(struct init *in)
{
	if (in->report_open)
		report_connection_close(&in->report);
	in->report_open = 0;
	free(in->last_report);
	in->last_report = NULL;
}

static void report_now(struct arbor_io *io, uint32_t events)
{
	struct init *in = container_of(io, struct init, report_timer);
	uint64_t expirations;
	size_t size;
	unsigned delay_ms;
	char *buf;
	int len;

	if (read(io->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	in->report_due = 0;
	if (!in->sandbox)
		return;
	sandbox_report_params(in->sandbox, &size, &delay_ms);
	if (in->report_open && size != in->report_size)
		report_close(in);
	buf = malloc(size);
	if (!buf)
		return;
	len = sandbox_state_report(in->sandbox, buf, size);
	if (len == 0) {                       /* no <report> (any more) */
		report_close(in);
		in->report_failed = 0;
	} else {
		if (len < 0)                      /* Genode: say so instead of the report */
			len = snprintf(buf, size, "<state error=\"report buffer of %zu bytes exceeded\"/>",
			               size);
		if (!in->report_open && !in->report_failed) {
			int err = report_connection_open(in->env, &in->report, "state", size);
			if (err) {
				arbor_warning("no state report: the Report session was refused (%s)",
				              arbor_strerror(err));
				in->report_failed = 1;
			} else {
				in->report_open = 1;
				in->report_size = size;
			}
		}
		if (in->report_open && (!in->last_report || strcmp(in->last_report, buf))) {
			report_submit(&in->report, buf, (size_t)len);
			free(in->last_report);
			in->last_report = strdup(buf);
		}
	}
	free(buf);
}

/* The state changed: report it after the configured delay. */
static void state_changed(struct sandbox *sb)
{
	struct init *in = &init;
	struct itimerspec its = { 0 };
	size_t size;
	unsigned delay_ms;

	if (in->report_due || in->report_timer.fd <= 0)
		return;
	sandbox_report_params(sb, &size, &delay_ms);
	if (!delay_ms)
		delay_ms = 1;
	its.it_value.tv_sec = delay_ms / 1000;
	its.it_value.tv_nsec = (delay_ms % 1000) * 1000000L;
	if (timerfd_settime(in->report_timer.fd, 0, &its, NULL) == 0)
		in->report_due = 1;
}

static void child_exit(struct sandbox *sb, int code)
{
	sandbox_free(init.sandbox);
	init.sandbox = NULL;
	arbor_exit(init.env, code);
}

static const struct sandbox_hooks hooks = { .exit = child_exit, .state_changed = state_changed };

void component_construct(struct arbor_env *env)
{
	int err;

	init.env = env;
	init.report_timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	init.report_timer.fn = report_now;
	if (init.report_timer.fd < 0 || arbor_io_watch(env->ep, &init.report_timer, EPOLLIN))
		arbor_warning("no timer for state reports: none will be sent");
	if ((err = sandbox_new(env, &hooks, &init.sandbox)) ||
	    (env->argc > 1 && !strcmp(env->argv[1], "--report-state") &&
	     (err = sandbox_report_always(init.sandbox)))) {
		arbor_error("init cannot start: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = arbor_rom_open(env, &init.config, "config", config_changed);
	if (err) {
		arbor_error("init has no config ROM: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	sandbox_apply_config(init.sandbox, init.config.text, init.config.len, "config");
}
