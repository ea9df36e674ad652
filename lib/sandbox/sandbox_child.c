/*
 * One child of the sandbox: made from its <start> node, with its quota
 * (clamped to what init can give), the services it provides, its inline
 * config served as ROM "config", and the changes a new <start> node can
 * bring without a restart: a new config, more or less quota.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include "sandbox_internal.h"

/* What a downgrade always leaves a child (Genode: 16 KiB and 5 caps). */
#define DOWNGRADE_KEEP_RAM  (16u * 1024)
#define DOWNGRADE_KEEP_CAPS 5u

struct sandbox_child *sandbox_child_find(struct sandbox *sb, const char *name)
{
	for (struct sandbox_child *sc = sb->children; sc; sc = sc->next)
		if (!sc->abandoned && !strcmp(sc->name, name))
			return sc;
	return NULL;
}

void sandbox_start_quota(const struct sandbox *sb, const struct xml_node *start,
                         uint64_t *ram, uint64_t *caps)
{
	const struct xml_node *def = xml_first_child(sb->config, "default");

	xml_attr_u64(def, "ram", 0, ram);
	xml_attr_u64(def, "caps", 0, caps);
	for (const struct xml_node *r = xml_first_child(start, "resource"); r;
	     r = xml_next_sibling(r, "resource")) {
		const char *name = xml_attr(r, "name");
		if (name && !strcmp(name, "RAM"))
			xml_attr_u64(r, "quantum", *ram, ram);
		else if (name && !strcmp(name, "CAP"))
			xml_attr_u64(r, "quantum", *caps, caps);
	}
	xml_attr_u64(start, "ram", *ram, ram);
	xml_attr_u64(start, "caps", *caps, caps);
}

/*
 * What init can hand out: its free quota minus what it preserves and what
 * it promised to children whose quota has not moved yet (their
 * environment sessions are still on the way).
 */
static void available(struct sandbox *sb, uint64_t *ram, uint64_t *caps)
{
	struct arbor_pd_quota q = { 0 };
	uint64_t keep_ram = sb->preserve_ram, keep_caps = sb->preserve_caps;

	for (struct sandbox_child *sc = sb->children; sc; sc = sc->next) {
		if (sc->abandoned || !sc->child || arbor_child_quota_moved(sc->child))
			continue;
		keep_ram += sc->ram;
		keep_caps += sc->caps;
	}
	arbor_pd_quota(arbor_env_pd(sb->env), &q);
	*ram = q.ram_quota - q.ram_used;
	*caps = q.cap_quota - q.cap_used;
	*ram = *ram > keep_ram ? *ram - keep_ram : 0;
	*caps = *caps > keep_caps ? *caps - keep_caps : 0;
}

/* ---- policy hooks ---- */

static void exited(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	struct sandbox_child *sc = arbor_child_priv(child);

	if (st->state == ARBOR_PD_EXITED)
		arbor_log("child \"%s\" exited with exit value %d", sc->name, st->code);
	else if (st->state == ARBOR_PD_FAILED)
		arbor_error("child \"%s\" could not start: %s", sc->name, st->reason);
	else if (st->state == ARBOR_PD_CRASHED)
		arbor_error("child \"%s\" crashed (signal %d, address 0x%llx); core logged the "
		            "backtrace", sc->name, st->signal, (unsigned long long)st->fault_addr);
	else
		arbor_error("child \"%s\" was killed by signal %d", sc->name, st->signal);
	if (sc->exit_propagate && sc->sb->hooks.exit)
		sc->sb->hooks.exit(sc->sb, st->state == ARBOR_PD_EXITED ? st->code : 128 + st->signal);
}

static void changed(struct arbor_child *child)
{
	struct sandbox_child *sc = arbor_child_priv(child);

	if (sc->sb->hooks.state_changed)
		sc->sb->hooks.state_changed(sc->sb);
}

static void resource_request(struct arbor_child *child, uint64_t ram, uint64_t caps)
{
	changed(child);
}

static void yield_response(struct arbor_child *child)
{
	struct sandbox_child *sc = arbor_child_priv(child);

	sandbox_child_update(sc, sc->start, sc->start_text);
}

static const struct arbor_child_policy policy = {
	.resolve = route_resolve,
	.exited = exited,
	.changed = changed,
	.resource_request = resource_request,
	.yield_response = yield_response,
};

/* ---- the inline config ---- */

static int config_create(struct arbor_service *svc, struct arbor_session *s, void **obj,
                         struct arbor_cap **cap)
{
	struct sandbox_child *sc = svc->priv;

	return local_rom_session(sc->config, cap, obj);
}

static void config_close(struct arbor_service *svc, void *obj)
{
	struct sandbox_child *sc = svc->priv;

	local_rom_session_close(sc->config, obj);
}

static const struct arbor_local_ops config_ops = { config_create, config_close };

/* Serve the <config> node of start (as text) as the child's config ROM. */
static int set_config(struct sandbox_child *sc, const struct xml_node *start, const char *text)
{
	const struct xml_node *config = xml_first_child(start, "config");
	size_t off, len;
	int err;

	if (!config) {
		if (sc->config)
			local_rom_set(sc->config, "", 0);
		return 0;
	}
	if (!sc->config) {
		err = local_rom_new(sc->sb->env, &sc->config);
		if (!err)
			err = arbor_local_service_new(sc->sb->env, "ROM", &config_ops, sc,
			                              &sc->config_service);
		if (err)
			return err;
	}
	xml_node_source(config, &off, &len);
	return local_rom_set(sc->config, text + off, len);
}

/* ---- life cycle ---- */

/* A private copy of the <start> node: parsed from its own text. */
static int copy_start(const struct xml_node *start, const char *text, char **copy_text,
                      struct xml_node **copy)
{
	size_t off, len;
	struct xml_error err;

	xml_node_source(start, &off, &len);
	*copy_text = strndup(text + off, len);
	if (!*copy_text)
		return -ENOMEM;
	if (xml_parse(*copy_text, len, NULL, copy, &err)) {
		free(*copy_text);
		*copy_text = NULL;
		return ARBOR_E_INVALID;
	}
	return 0;
}

int sandbox_child_new(struct sandbox *sb, const struct xml_node *start, const char *config_text,
                      struct sandbox_child **out)
{
	struct sandbox_child *sc = calloc(1, sizeof(*sc));
	const struct xml_node *binary, *exit_node, *provides, *hb;
	uint64_t avail_ram, avail_caps;
	struct arbor_child_config cfg = { 0 };
	int err;

	*out = NULL;
	if (!sc)
		return -ENOMEM;
	sc->sb = sb;
	err = copy_start(start, config_text, &sc->start_text, &sc->start);
	if (err)
		goto fail;
	snprintf(sc->name, sizeof(sc->name), "%s", xml_attr(sc->start, "name"));
	binary = xml_first_child(sc->start, "binary");
	snprintf(sc->binary, sizeof(sc->binary), "%s",
	         binary && xml_attr(binary, "name") ? xml_attr(binary, "name") : sc->name);
	snprintf(sc->version, sizeof(sc->version), "%s",
	         xml_attr(sc->start, "version") ? xml_attr(sc->start, "version") : "");
	exit_node = xml_first_child(sc->start, "exit");
	xml_attr_bool(exit_node, "propagate", 0, &sc->exit_propagate);
	hb = xml_first_child(sc->start, "heartbeat");
	sc->heartbeat = hb != NULL;
	{
		uint64_t n = 0;
		xml_attr_u64(hb, "restart_after_skipped", 0, &n);
		sc->heartbeat_restart_after = (unsigned)n;
	}

	sandbox_start_quota(sb, sc->start, &sc->ram, &sc->caps);
	if (!sc->ram) {
		arbor_warning("%s: no valid RAM quota defined", sc->name);
		err = ARBOR_E_INVALID;
		goto fail;
	}
	available(sb, &avail_ram, &avail_caps);
	if (sc->ram > avail_ram) {
		arbor_warning("%s: configured RAM exceeds available RAM, proceed with %llu", sc->name,
		              (unsigned long long)avail_ram);
		sc->ram = avail_ram;
	}
	if (sc->caps > avail_caps) {
		arbor_warning("%s: configured caps exceed available caps, proceed with %llu",
		              sc->name, (unsigned long long)avail_caps);
		sc->caps = avail_caps;
	}
	err = set_config(sc, sc->start, sc->start_text);
	if (err)
		goto fail;

	cfg.name = sc->name;
	cfg.binary = sc->binary;
	cfg.ram = sc->ram;
	cfg.caps = sc->caps;
	cfg.policy = &policy;
	cfg.priv = sc;
	err = arbor_child_new(sb->env, &cfg, &sc->child);
	if (err) {
		arbor_error("%s: cannot create the child: %s", sc->name, arbor_strerror(err));
		goto fail;
	}
	provides = xml_first_child(sc->start, "provides");
	for (const struct xml_node *s = provides ? xml_first_child(provides, "service") : NULL; s;
	     s = xml_next_sibling(s, "service")) {
		struct arbor_service *svc;
		err = arbor_child_service_new(sc->child, xml_attr(s, "name"), &svc);
		if (err)
			goto fail;
	}
	sc->id = ++sb->next_child_id;
	*out = sc;
	return 0;

fail:
	sandbox_child_free(sc);
	return err;
}

void sandbox_child_launch(struct sandbox_child *sc)
{
	int err = arbor_child_launch(sc->child);

	if (err)
		arbor_warning("%s: %s; the child stays incomplete until a configuration mends it "
		              "('arbor check' shows the routes)", sc->name,
		              arbor_child_incomplete(sc->child) ? arbor_child_incomplete(sc->child)
		                                                : arbor_strerror(err));
}

void sandbox_child_free(struct sandbox_child *sc)
{
	if (!sc)
		return;
	arbor_child_destroy(sc->child);
	if (sc->config_service)
		arbor_local_service_free(sc->config_service);
	local_rom_free(sc->config);
	xml_free(sc->start);
	free(sc->start_text);
	free(sc);
}

/* Compare the child nodes of type in a and b. */
static int same_node(const struct xml_node *a, const struct xml_node *b, const char *type)
{
	return xml_equal(xml_first_child(a, type), xml_first_child(b, type));
}

/* Would the session s be routed elsewhere (another service or label) under start? */
static int rerouted(struct sandbox_child *sc, const struct arbor_session *s,
                    const struct xml_node *start, const char *binary)
{
	char label[ARBOR_LABEL_MAX];
	struct arbor_service *svc;

	if (!s->service || !s->client_label)
		return 0;                      /* done or failed: nothing to move */
	if (route_for(sc, start, binary, s->service_name, s->client_label, 1, &svc, label,
	              sizeof(label)))
		return 1;
	return svc != s->service || strcmp(label, s->label);
}

/*
 * Genode's rule: a new version restarts; so does a changed <provides>
 * (its clients would be left at a service that is gone). A changed route
 * or binary restarts only when one of the child's sessions, the binary's
 * ROM included, would now be routed to another server or label.
 */
int sandbox_child_needs_restart(struct sandbox_child *sc, const struct xml_node *start)
{
	const struct xml_node *binary = xml_first_child(start, "binary");
	const char *bin = binary && xml_attr(binary, "name") ? xml_attr(binary, "name")
	                                                      : xml_attr(start, "name");
	const char *version = xml_attr(start, "version") ? xml_attr(start, "version") : "";

	if (strcmp(version, sc->version) || !same_node(sc->start, start, "provides"))
		return 1;
	if (!strcmp(bin, sc->binary) && same_node(sc->start, start, "route"))
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		const struct arbor_session *s = arbor_child_env_session(sc->child, i);
		if (s && rerouted(sc, s, start, bin))
			return 1;
	}
	for (const struct arbor_session *s = arbor_child_sessions(sc->child); s; s = s->next_at_client)
		if (rerouted(sc, s, start, bin))
			return 1;
	return 0;
}

/* Move quota towards the configured amount: upgrade at once, downgrade what is free. */
static void balance(struct sandbox_child *sc, uint64_t want_ram, uint64_t want_caps)
{
	struct arbor_cap *own = arbor_env_pd(sc->sb->env), *pd = arbor_child_pd(sc->child);
	struct arbor_pd_quota q;
	uint64_t avail_ram, avail_caps, give_ram = 0, give_caps = 0, take_ram = 0, take_caps = 0;

	if (!pd || arbor_pd_quota(pd, &q))
		return;
	available(sc->sb, &avail_ram, &avail_caps);
	if (want_ram > sc->ram)
		give_ram = want_ram - sc->ram < avail_ram ? want_ram - sc->ram : avail_ram;
	if (want_caps > sc->caps)
		give_caps = want_caps - sc->caps < avail_caps ? want_caps - sc->caps : avail_caps;
	if ((give_ram || give_caps) && !arbor_pd_transfer_quota(own, pd, give_ram, give_caps)) {
		sc->ram += give_ram;
		sc->caps += give_caps;
		uint64_t req_ram, req_caps;
		arbor_child_requested(sc->child, &req_ram, &req_caps);
		if (req_ram || req_caps)
			arbor_child_resource_avail(sc->child);
	}
	if (want_ram < sc->ram) {
		uint64_t free_ram = q.ram_quota - q.ram_used;
		uint64_t spare = free_ram > DOWNGRADE_KEEP_RAM ? free_ram - DOWNGRADE_KEEP_RAM : 0;
		take_ram = sc->ram - want_ram < spare ? sc->ram - want_ram : spare;
	}
	if (want_caps < sc->caps) {
		uint64_t free_caps = q.cap_quota - q.cap_used;
		uint64_t spare = free_caps > DOWNGRADE_KEEP_CAPS ? free_caps - DOWNGRADE_KEEP_CAPS : 0;
		take_caps = sc->caps - want_caps < spare ? sc->caps - want_caps : spare;
	}
	if ((take_ram || take_caps) && !arbor_pd_transfer_quota(pd, own, take_ram, take_caps)) {
		sc->ram -= take_ram;
		sc->caps -= take_caps;
	}
	if (want_ram < sc->ram || want_caps < sc->caps)
		arbor_child_yield(sc->child, want_ram < sc->ram ? sc->ram - want_ram : 0,
		                  want_caps < sc->caps ? sc->caps - want_caps : 0);
}

void sandbox_child_update(struct sandbox_child *sc, const struct xml_node *start,
                          const char *config_text)
{
	uint64_t ram, caps;
	char *text;
	struct xml_node *copy;

	if (start != sc->start) {
		if (copy_start(start, config_text, &text, &copy))
			return;
		xml_free(sc->start);
		free(sc->start_text);
		sc->start = copy;
		sc->start_text = text;
		/* a new binary name whose ROM routes to the same module needs no restart */
		const struct xml_node *binary = xml_first_child(sc->start, "binary");
		snprintf(sc->binary, sizeof(sc->binary), "%s",
		         binary && xml_attr(binary, "name") ? xml_attr(binary, "name") : sc->name);
		set_config(sc, sc->start, sc->start_text);
	}
	sandbox_start_quota(sc->sb, sc->start, &ram, &caps);
	if (arbor_child_started(sc->child) && (ram != sc->ram || caps != sc->caps))
		balance(sc, ram, caps);
}
