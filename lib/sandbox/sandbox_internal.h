/*
 * The engine's model: the configuration in force, the children made from
 * its <start> nodes, and the services they can be routed to. Shared by
 * sandbox.c (applying configurations), sandbox_child.c (one child),
 * route.c (routing) and state_report.c.
 */
#ifndef SANDBOX_INTERNAL_H
#define SANDBOX_INTERNAL_H

#include <stdint.h>
#include <arbor/child.h>
#include <arbor/entrypoint.h>
#include <arbor/service.h>
#include <sandbox/local_rom.h>
#include <sandbox/sandbox.h>
#include <sandbox/xml.h>

#define SANDBOX_NAME_MAX 128

/* Genode's defaults for init's own reserve (types.h): 40 words of KiB, 20 caps. */
#define SANDBOX_PRESERVE_RAM_DEFAULT  (320u * 1024)
#define SANDBOX_PRESERVE_CAPS_DEFAULT 20u

struct sandbox_child {
	struct sandbox *sb;
	char name[SANDBOX_NAME_MAX];
	char binary[SANDBOX_NAME_MAX];
	char version[SANDBOX_NAME_MAX];
	unsigned id;                      /* counts creations: restarts show */
	struct xml_node *start;           /* own copy of its <start> node */
	char *start_text;                 /* the text it was parsed from */
	uint64_t ram, caps;               /* assigned */
	struct arbor_child *child;
	struct local_rom *config;         /* the inline <config>, if any */
	struct arbor_service *config_service;
	int exit_propagate;
	unsigned heartbeat_restart_after; /* 0: no automatic restart */
	unsigned skipped_heartbeats;
	int heartbeat;                    /* has a <heartbeat> node */
	int abandoned;                    /* gone from the config or to be restarted */
	struct sandbox_child *next;
};

struct sandbox_parent_service {
	struct arbor_service *svc;
	struct sandbox_parent_service *next;
};

struct sandbox {
	struct arbor_env *env;
	struct sandbox_hooks hooks;
	struct xml_node *config;          /* in force */
	char *config_text;
	char config_file[256];
	struct sandbox_child *children;
	struct sandbox_parent_service *parent_services;
	uint64_t preserve_ram, preserve_caps;
	unsigned next_child_id;
	struct xml_node *default_report;  /* used when the config has no <report>, or NULL */
	struct sandbox_server *servers;   /* <service> nodes announced to init's parent */
	struct arbor_io heartbeat_io;     /* timerfd at <heartbeat rate_ms>; fd 0: none */
};

/* ---- sandbox_child.c ---- */

/*
 * Create the child for a <start> node (parsed anew from its own text so
 * that it outlives the configuration it came with) and its provided
 * services; not launched yet.
 */
int sandbox_child_new(struct sandbox *sb, const struct xml_node *start, const char *config_text,
                      struct sandbox_child **out);
void sandbox_child_launch(struct sandbox_child *sc);
void sandbox_child_free(struct sandbox_child *sc);
/* Take a changed <start> node that needs no restart (config, quota). */
void sandbox_child_update(struct sandbox_child *sc, const struct xml_node *start,
                          const char *config_text);
/* Does the new <start> node demand a restart (binary, route, version...)? */
int sandbox_child_needs_restart(struct sandbox_child *sc, const struct xml_node *start);
struct sandbox_child *sandbox_child_find(struct sandbox *sb, const char *name);
/* The RAM and caps a <start> node asks for (with the config's defaults). */
void sandbox_start_quota(const struct sandbox *sb, const struct xml_node *start,
                         uint64_t *ram, uint64_t *caps);

/* ---- route.c ---- */

/*
 * The route of a session of sc as the <start> node start (with binary) has
 * it; quiet: no warnings (for comparing routes). route_resolve() is the
 * child's policy hook, with its current start node.
 */
int route_for(struct sandbox_child *sc, const struct xml_node *start, const char *binary,
              const char *service, const char *label, int quiet,
              struct arbor_service **svc, char *server_label, size_t size);
int route_resolve(struct arbor_child *child, const char *service, const char *label,
                  struct arbor_service **svc, char *server_label, size_t size);
/* The parent service for name, created on first use. */
int route_parent_service(struct sandbox *sb, const char *name, struct arbor_service **out);

/* ---- server.c ---- */

/* Announce new <service> nodes; forward requests whose child is there now. */
void sandbox_servers_apply(struct sandbox *sb);

/* The <report> node in force (the config's or the default), or NULL. */
const struct xml_node *sandbox_report_node(const struct sandbox *sb);

/* ---- state_report.c ---- */

int state_report_write(struct sandbox *sb, char *buf, size_t size);

#endif
