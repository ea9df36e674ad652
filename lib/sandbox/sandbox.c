/*
 * Applying a configuration: validate it whole, then compare it with the
 * children there are. A <start> node gone, or changed in what a restart is
 * needed for (binary, route, provides, version), ends its child, and in
 * cascade the children that had sessions at it; a changed <config> or
 * quota is passed to the running child. New children start in document
 * order, so leftover quota goes to the first ones first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/validate.h>
#include "sandbox_internal.h"

int sandbox_new(struct arbor_env *env, const struct sandbox_hooks *hooks, struct sandbox **out)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));

	*out = NULL;
	if (!sb)
		return -ENOMEM;
	sb->env = env;
	if (hooks)
		sb->hooks = *hooks;
	*out = sb;
	return 0;
}

void *sandbox_priv(struct sandbox *sb)
{
	return sb->hooks.priv;
}

static void unlink_child(struct sandbox *sb, struct sandbox_child *sc)
{
	for (struct sandbox_child **l = &sb->children; *l; l = &(*l)->next) {
		if (*l == sc) {
			*l = sc->next;
			return;
		}
	}
}

/* Does client hold (or wait for) a session at a service that server provides? */
static int depends_on(const struct sandbox_child *client, const struct sandbox_child *server)
{
	for (struct arbor_service *svc = arbor_child_services(server->child); svc;
	     svc = arbor_child_service_next(svc))
		for (struct arbor_session *s = svc->sessions; s; s = s->next_at_service)
			if (s->client == client->child)
				return 1;
	return 0;
}

/* Mark sc and, in cascade, its clients for ending. */
static void abandon(struct sandbox *sb, struct sandbox_child *sc)
{
	if (sc->abandoned)
		return;
	sc->abandoned = 1;
	for (struct sandbox_child *c = sb->children; c; c = c->next)
		if (!c->abandoned && depends_on(c, sc))
			abandon(sb, c);
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	/* in reverse order of creation: clients usually come after their servers */
	while (sb->children) {
		struct sandbox_child *last = sb->children;
		while (last->next)
			last = last->next;
		unlink_child(sb, last);
		sandbox_child_free(last);
	}
	while (sb->parent_services) {
		struct sandbox_parent_service *ps = sb->parent_services;
		sb->parent_services = ps->next;
		arbor_parent_service_free(ps->svc);
		free(ps);
	}
	if (sb->heartbeat_io.fd > 0) {
		arbor_io_unwatch(&sb->heartbeat_io);
		close(sb->heartbeat_io.fd);
	}
	xml_free(sb->default_report);
	xml_free(sb->config);
	free(sb->config_text);
	free(sb);
}

static void reconcile(struct sandbox *sb);
static void heartbeat_configure(struct sandbox *sb);

static const struct xml_node *find_start(const struct xml_node *config, const char *name)
{
	for (const struct xml_node *s = xml_first_child(config, "start"); s;
	     s = xml_next_sibling(s, "start")) {
		const char *n = xml_attr(s, "name");
		if (n && !strcmp(n, name))
			return s;
	}
	return NULL;
}

static void read_preserve(struct sandbox *sb)
{
	sb->preserve_ram = SANDBOX_PRESERVE_RAM_DEFAULT;
	sb->preserve_caps = SANDBOX_PRESERVE_CAPS_DEFAULT;
	for (const struct xml_node *r = xml_first_child(sb->config, "resource"); r;
	     r = xml_next_sibling(r, "resource")) {
		const char *name = xml_attr(r, "name");
		if (name && !strcmp(name, "RAM"))
			xml_attr_u64(r, "preserve", sb->preserve_ram, &sb->preserve_ram);
		else if (name && !strcmp(name, "CAP"))
			xml_attr_u64(r, "preserve", sb->preserve_caps, &sb->preserve_caps);
	}
}

static void log_diagnostics(const struct validate_report *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct validate_diag *d = &r->diags[i];
		/*
		 * Routing problems do not stop init: the child concerned stays
		 * incomplete until a later configuration mends the route.
		 */
		if (d->severity == VALIDATE_ERROR && d->stage != VALIDATE_STAGE_ROUTE)
			arbor_error("%s:%lu:%lu: %s", r->file, d->line, d->column, d->message);
		else
			arbor_warning("%s:%lu:%lu: %s", r->file, d->line, d->column, d->message);
	}
}

int sandbox_apply_config(struct sandbox *sb, const char *text, size_t len, const char *file)
{
	struct validate_limits limits = { 0, 0 };
	struct validate_report report;
	struct xml_node *config;
	struct xml_error perr;
	char *copy;
	int err;

	snprintf(sb->config_file, sizeof(sb->config_file), "%s", file ? file : "config");
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	err = xml_parse(copy, len, sb->config_file, &config, &perr);
	if (err) {
		arbor_error("%s:%lu:%lu: %s", sb->config_file, perr.line, perr.column, perr.message);
		arbor_error("unable to apply complete configuration: the running system stays as it is");
		free(copy);
		return ARBOR_E_INVALID;
	}
	validate_report_init(&report, sb->config_file);
	err = validate_config(config, copy, len, &limits, &report);
	log_diagnostics(&report);
	if (err == ARBOR_E_INVALID && report.failed == VALIDATE_STAGE_ROUTE)
		err = 0;
	validate_report_fini(&report);
	if (err) {
		arbor_error("unable to apply complete configuration: the running system stays as it is "
		            "(arbor check shows every error)");
		xml_free(config);
		free(copy);
		return ARBOR_E_INVALID;
	}

	/* the new configuration is in force from here */
	xml_free(sb->config);
	free(sb->config_text);
	sb->config = config;
	sb->config_text = copy;
	read_preserve(sb);

	/* children whose <start> is gone or changed beyond a live update */
	for (struct sandbox_child *sc = sb->children; sc; sc = sc->next) {
		const struct xml_node *start = find_start(config, sc->name);
		if (!start || sandbox_child_needs_restart(sc, start))
			abandon(sb, sc);
		/* a child that never started may find its routes now: try it anew */
		else if (!arbor_child_started(sc->child) && arbor_child_incomplete(sc->child))
			abandon(sb, sc);
	}
	reconcile(sb);
	heartbeat_configure(sb);
	return 0;
}

/*
 * Bring the children in line with the configuration in force: end the
 * abandoned ones, update the others, start what is missing.
 */
static void reconcile(struct sandbox *sb)
{
	const struct xml_node *config = sb->config;

	for (struct sandbox_child *sc = sb->children, *next; sc; sc = next) {
		next = sc->next;
		if (sc->abandoned) {
			unlink_child(sb, sc);
			sandbox_child_free(sc);
		}
	}
	/* live updates first: a downgrade frees quota for new children */
	for (struct sandbox_child *sc = sb->children; sc; sc = sc->next)
		sandbox_child_update(sc, find_start(config, sc->name), sb->config_text);

	/* new children: create them all, so that routes between them resolve, then launch */
	struct sandbox_child *created = NULL, **tail = &sb->children;
	while (*tail)
		tail = &(*tail)->next;
	for (const struct xml_node *s = xml_first_child(config, "start"); s;
	     s = xml_next_sibling(s, "start")) {
		struct sandbox_child *sc;
		if (sandbox_child_find(sb, xml_attr(s, "name")))
			continue;
		if (sandbox_child_new(sb, s, sb->config_text, &sc))
			continue;
		*tail = sc;
		tail = &sc->next;
		if (!created)
			created = sc;
	}
	for (struct sandbox_child *sc = created; sc; sc = sc->next)
		sandbox_child_launch(sc);
	sandbox_servers_apply(sb);
	if (sb->hooks.state_changed)
		sb->hooks.state_changed(sb);
}

/* ---- heartbeats ---- */

static void heartbeat_tick(struct arbor_io *io, uint32_t events)
{
	struct sandbox *sb = container_of(io, struct sandbox, heartbeat_io);
	uint64_t expirations;
	int restart = 0, changed = 0;

	if (read(sb->heartbeat_io.fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	for (struct sandbox_child *sc = sb->children; sc; sc = sc->next) {
		if (!sc->heartbeat || sc->abandoned)
			continue;
		/* one outstanding beat is tolerated: it is on its way */
		unsigned outstanding = arbor_child_heartbeat(sc->child);
		unsigned skipped = outstanding > 1 ? outstanding - 1 : 0;
		if (skipped != sc->skipped_heartbeats)
			changed = 1;
		sc->skipped_heartbeats = skipped;
		if (sc->heartbeat_restart_after && skipped > sc->heartbeat_restart_after) {
			arbor_warning("%s: %u heartbeats skipped, restarting it", sc->name, skipped);
			abandon(sb, sc);
			restart = 1;
		}
	}
	if (restart)
		reconcile(sb);
	else if (changed && sb->hooks.state_changed)
		sb->hooks.state_changed(sb);
}

/* Beat at <heartbeat rate_ms> while any child asks for it. */
static void heartbeat_configure(struct sandbox *sb)
{
	const struct xml_node *hb = xml_first_child(sb->config, "heartbeat");
	uint64_t rate_ms = 1000;
	int wanted = 0;
	struct itimerspec its = { 0 };

	for (struct sandbox_child *sc = sb->children; sc; sc = sc->next)
		wanted |= sc->heartbeat;
	xml_attr_u64(hb, "rate_ms", rate_ms, &rate_ms);
	if (!hb || !rate_ms)
		wanted = 0;
	if (wanted && sb->heartbeat_io.fd <= 0) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (fd < 0)
			return;
		sb->heartbeat_io.fd = fd;
		sb->heartbeat_io.fn = heartbeat_tick;
		if (arbor_io_watch(sb->env->ep, &sb->heartbeat_io, EPOLLIN)) {
			close(fd);
			sb->heartbeat_io.fd = 0;
			return;
		}
	}
	if (sb->heartbeat_io.fd <= 0)
		return;
	if (wanted) {
		its.it_value.tv_sec = its.it_interval.tv_sec = rate_ms / 1000;
		its.it_value.tv_nsec = its.it_interval.tv_nsec = (rate_ms % 1000) * 1000000L;
	}
	timerfd_settime(sb->heartbeat_io.fd, 0, &its, NULL);
}

int sandbox_report_always(struct sandbox *sb)
{
	static const char text[] =
		"<report ids=\"yes\" init_ram=\"yes\" init_caps=\"yes\" child_ram=\"yes\" "
		"child_caps=\"yes\" requested=\"yes\" provided=\"yes\" delay_ms=\"250\" "
		"buffer=\"1M\"/>";

	xml_free(sb->default_report);
	return xml_parse(text, sizeof(text) - 1, NULL, &sb->default_report, NULL) ? -ENOMEM : 0;
}

/* The <report> node in force: the config's, else the default one, else NULL. */
const struct xml_node *sandbox_report_node(const struct sandbox *sb)
{
	const struct xml_node *report = sb->config ? xml_first_child(sb->config, "report") : NULL;

	return report ? report : sb->default_report;
}

int sandbox_state_report(struct sandbox *sb, char *buf, size_t size)
{
	if (!sb->config || !sandbox_report_node(sb))
		return 0;
	return state_report_write(sb, buf, size);
}

void sandbox_report_params(struct sandbox *sb, size_t *buffer, unsigned *delay_ms)
{
	const struct xml_node *report = sandbox_report_node(sb);
	uint64_t b = 4096, d = 100;

	xml_attr_u64(report, "buffer", b, &b);
	xml_attr_u64(report, "delay_ms", d, &d);
	*buffer = (size_t)b;
	*delay_ms = (unsigned)d;
}
