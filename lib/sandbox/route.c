/*
 * Routing, as Genode's init does it: the child's <route> (or the
 * <default-route>) is read rule by rule; the first rule whose service and
 * label selectors match decides. Its targets are tried in order; a
 * specific <service> rule whose targets all fail denies, an <any-service>
 * rule falls through to the next rule. <any-child/> with two providers is
 * ambiguous and denied. Before routing, a child's "config" ROM is served
 * from its inline <config>, and its binary ROM (labelled with its bare
 * name) is asked for by the <binary> name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "sandbox_internal.h"

int route_parent_service(struct sandbox *sb, const char *name, struct arbor_service **out)
{
	struct sandbox_parent_service *ps;
	int err;

	for (ps = sb->parent_services; ps; ps = ps->next) {
		if (!strcmp(ps->svc->name, name)) {
			*out = ps->svc;
			return 0;
		}
	}
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	err = arbor_parent_service_new(sb->env, name, &ps->svc);
	if (err) {
		free(ps);
		return err;
	}
	ps->next = sb->parent_services;
	sb->parent_services = ps;
	*out = ps->svc;
	return 0;
}

static int parent_provides(const struct sandbox *sb, const char *service)
{
	const struct xml_node *pp = xml_first_child(sb->config, "parent-provides");

	for (const struct xml_node *s = pp ? xml_first_child(pp, "service") : NULL; s;
	     s = xml_next_sibling(s, "service")) {
		const char *name = xml_attr(s, "name");
		if (name && !strcmp(name, service))
			return 1;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Do the rule's label selectors accept the label? */
static int label_matches(const struct xml_node *rule, const char *scoped, const char *full)
{
	const char *v;

	if ((v = xml_attr(rule, "unscoped_label")) && strcmp(v, full))
		return 0;
	if ((v = xml_attr(rule, "label")) && strcmp(v, scoped))
		return 0;
	if ((v = xml_attr(rule, "label_prefix")) && strncmp(scoped, v, strlen(v)))
		return 0;
	if ((v = xml_attr(rule, "label_suffix")) && !ends_with(scoped, v))
		return 0;
	if ((v = xml_attr(rule, "label_last")) && strcmp(v, arbor_label_last(scoped)))
		return 0;
	return 1;
}

/* The server-side label a target gives: its label= replaces the whole label. */
static void target_label(const struct xml_node *target, const char *label, char *out, size_t size)
{
	const char *v = xml_attr(target, "label");

	snprintf(out, size, "%s", v ? v : label);
}

/* The child service name of child, or NULL when it is absent or going away. */
static struct arbor_service *provided_by(struct sandbox_child *sc, const char *service)
{
	if (!sc || sc->abandoned || !sc->child)
		return NULL;
	for (struct arbor_service *s = arbor_child_services(sc->child); s;
	     s = arbor_child_service_next(s))
		if (!strcmp(s->name, service))
			return s;
	return NULL;
}

static const char *alias_target(const struct sandbox *sb, const char *name)
{
	for (const struct xml_node *a = xml_first_child(sb->config, "alias"); a;
	     a = xml_next_sibling(a, "alias")) {
		const char *n = xml_attr(a, "name"), *child = xml_attr(a, "child");
		if (n && child && !strcmp(n, name))
			return child;
	}
	return name;
}

enum target_result { TARGET_OK, TARGET_UNAVAILABLE, TARGET_AMBIGUOUS };

static enum target_result try_target(struct sandbox *sb, const struct xml_node *target,
                                     const char *service, struct arbor_service **svc)
{
	const char *type = xml_node_type(target);

	if (!strcmp(type, "parent")) {
		if (!parent_provides(sb, service))
			return TARGET_UNAVAILABLE;
		return route_parent_service(sb, service, svc) ? TARGET_UNAVAILABLE : TARGET_OK;
	}
	if (!strcmp(type, "child")) {
		const char *name = xml_attr(target, "name");
		if (!name)
			return TARGET_UNAVAILABLE;
		*svc = provided_by(sandbox_child_find(sb, alias_target(sb, name)), service);
		return *svc ? TARGET_OK : TARGET_UNAVAILABLE;
	}
	if (!strcmp(type, "any-child")) {
		unsigned found = 0;
		for (struct sandbox_child *sc = sb->children; sc; sc = sc->next) {
			struct arbor_service *s = provided_by(sc, service);
			if (s) {
				*svc = s;
				found++;
			}
		}
		return found == 1 ? TARGET_OK : found ? TARGET_AMBIGUOUS : TARGET_UNAVAILABLE;
	}
	return TARGET_UNAVAILABLE;    /* <local/>: init hosts no local services */
}

int route_for(struct sandbox_child *sc, const struct xml_node *start, const char *binary,
              const char *service, const char *label, int quiet,
              struct arbor_service **svc, char *server_label, size_t size)
{
	struct sandbox *sb = sc->sb;
	const char *name = sc->name, *scoped = label, *lookup = label;
	const struct xml_node *route;
	size_t nlen = strlen(name);

	*svc = NULL;
	/* the label without the child's own name */
	if (!strncmp(label, name, nlen) && !strncmp(label + nlen, " -> ", 4))
		scoped = label + nlen + 4;
	else if (!strcmp(label, name))
		scoped = "";

	if (!strcmp(service, "ROM") && sc->config && xml_first_child(start, "config") &&
	    !strcmp(scoped, "config")) {
		*svc = sc->config_service;
		snprintf(server_label, size, "%s", label);
		return 0;
	}
	/* the binary: asked for by the child's bare name */
	if (!strcmp(service, "ROM") && !strcmp(label, name))
		lookup = binary;
	if (lookup != label)
		scoped = lookup;

	route = xml_first_child(start, "route");
	if (!route)
		route = xml_first_child(sb->config, "default-route");
	for (const struct xml_node *rule = route ? xml_first_child(route, NULL) : NULL; rule;
	     rule = xml_next_sibling(rule, NULL)) {
		const char *type = xml_node_type(rule), *rule_service = xml_attr(rule, "name");
		int any = !strcmp(type, "any-service");

		if (!any && (strcmp(type, "service") || !rule_service || strcmp(rule_service, service)))
			continue;
		if (!label_matches(rule, scoped, lookup))
			continue;
		for (const struct xml_node *t = xml_first_child(rule, NULL); t;
		     t = xml_next_sibling(t, NULL)) {
			enum target_result r = try_target(sb, t, service, svc);
			if (r == TARGET_AMBIGUOUS) {
				if (!quiet)
					arbor_warning("%s: ambiguous routes to service \"%s\"", name, service);
				return ARBOR_E_DENIED;
			}
			if (r == TARGET_OK) {
				target_label(t, lookup, server_label, size);
				return 0;
			}
		}
		if (!any) {
			if (!quiet)
				arbor_warning("%s: no route to service \"%s\" (label=\"%s\"): the matching "
				              "<service> rule's targets are unavailable", name, service, lookup);
			return ARBOR_E_DENIED;
		}
	}
	if (!quiet)
		arbor_warning("%s: no route to service \"%s\" (label=\"%s\")", name, service, lookup);
	return ARBOR_E_DENIED;
}

int route_resolve(struct arbor_child *child, const char *service, const char *label,
                  struct arbor_service **svc, char *server_label, size_t size)
{
	struct sandbox_child *sc = arbor_child_priv(child);

	return route_for(sc, sc->start, sc->binary, service, label, 0, svc, server_label, size);
}
