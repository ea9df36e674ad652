/*
 * The validate stage, part two: what one element cannot tell alone. Child
 * names (present, unique, not taken by an alias), quotas that init would
 * refuse, resource names, rules whose selectors contradict each other,
 * forwarding policies without a target, priorities and affinities init
 * would adjust, and nested inits, whose configs get the same treatment.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/error.h>
#include "validate_internal.h"

/* The resources init accounts: RAM in bytes, CAP in capabilities. */
static const char *const validate_resources[] = { "RAM", "CAP", NULL };

/* Report a <resource name> that is neither RAM nor CAP; returns the valid name or NULL. */
static const char *validate_resource_name(struct validate_ctx *ctx, const struct xml_node *rsc)
{
	const char *name = xml_attr(rsc, "name"), *hint;
	char q[VALIDATE_QUOTE_MAX + 8];

	if (!name || !*name)
		return NULL;   /* reported as missing or empty */
	if (!strcmp(name, "RAM") || !strcmp(name, "CAP"))
		return name;
	hint = validate_suggest(name, validate_resources);
	validate_add(ctx, VALIDATE_ERROR, rsc, "name",
		     "unknown resource \"%s\" in <resource>; %s%s%s",
		     validate_quote(q, sizeof(q), name), hint ? "did you mean \"" : "expected RAM or CAP",
		     hint ? hint : "", hint ? "\"?" : "");
	return NULL;
}

/* prio_levels as init applies it: a power of two below 64, otherwise priorities are off (0). */
static unsigned long validate_prio_levels(struct validate_ctx *ctx, const struct xml_node *config)
{
	uint64_t levels;

	if (!xml_attr(config, "prio_levels") || xml_attr_u64(config, "prio_levels", 0, &levels))
		return 0;
	if (levels && (levels >= 64 || (levels & (levels - 1)))) {
		validate_add(ctx, VALIDATE_WARNING, config, "prio_levels",
			     "prio levels is not power of two, priorities are disabled");
		return 0;
	}
	return (unsigned long)levels;
}

/* init's own <resource> nodes: RAM or CAP, each once (the last one counts). */
static void validate_init_resources(struct validate_ctx *ctx, const struct xml_node *config)
{
	const struct xml_node *rsc, *seen[2] = { NULL, NULL };

	for (rsc = xml_first_child(config, "resource"); rsc;
	     rsc = xml_next_sibling(rsc, "resource")) {
		const char *name = validate_resource_name(ctx, rsc);
		int i;

		if (!name)
			continue;
		i = !strcmp(name, "CAP");
		if (seen[i])
			validate_add(ctx, VALIDATE_WARNING, rsc, NULL,
				     "duplicate <resource name=\"%s\">; init uses the last one", name);
		seen[i] = rsc;
	}
}

static int validate_node_name_cmp(const void *a, const void *b)
{
	const struct xml_node *const *x = a, *const *y = b;
	int c = strcmp(xml_attr(*x, "name"), xml_attr(*y, "name"));

	/* Ties in document order, so that the first one stays unreported. */
	if (c)
		return c;
	return xml_node_line(*x) != xml_node_line(*y)
		? (xml_node_line(*x) < xml_node_line(*y) ? -1 : 1)
		: (xml_node_column(*x) < xml_node_column(*y) ? -1 :
		   xml_node_column(*x) > xml_node_column(*y));
}

/* Warn about <service name> listed twice in parent (<parent-provides> or <provides>). */
static void validate_service_list(struct validate_ctx *ctx, const struct xml_node *parent)
{
	const struct xml_node *node, **nodes;
	char q[VALIDATE_QUOTE_MAX + 8];
	size_t count = 0, i;

	for (node = xml_first_child(parent, "service"); node;
	     node = xml_next_sibling(node, "service"))
		count++;
	if (count < 2)
		return;
	nodes = calloc(count, sizeof(*nodes));
	if (!nodes) {
		ctx->report->out_of_ram = 1;
		return;
	}
	count = 0;
	for (node = xml_first_child(parent, "service"); node;
	     node = xml_next_sibling(node, "service"))
		if (xml_attr(node, "name"))
			nodes[count++] = node;
	qsort(nodes, count, sizeof(*nodes), validate_node_name_cmp);
	for (i = 1; i < count; i++)
		if (!strcmp(xml_attr(nodes[i], "name"), xml_attr(nodes[i - 1], "name")))
			validate_add(ctx, VALIDATE_WARNING, nodes[i], "name",
				     "service \"%s\" is listed twice in <%s>",
				     validate_quote(q, sizeof(q), xml_attr(nodes[i], "name")),
				     xml_node_type(parent));
	free(nodes);
}

/* Every <start> needs a name, and each name may be taken once, by a start or an alias. */
static void validate_child_names(struct validate_ctx *ctx, const struct xml_node *config)
{
	struct validate_names names;
	const struct xml_node *start;
	char q[VALIDATE_QUOTE_MAX + 8];
	size_t i;

	for (start = xml_first_child(config, "start"); start;
	     start = xml_next_sibling(start, "start"))
		if (!xml_attr(start, "name") || !*xml_attr(start, "name"))
			validate_add(ctx, VALIDATE_ERROR, start, "name",
				     "skipped startup of nameless child");
	if (validate_names_init(&names, config)) {
		ctx->report->out_of_ram = 1;
		return;
	}
	for (i = 1; i < names.count; i++)
		if (!strcmp(names.entries[i].name, names.entries[i - 1].name))
			validate_add(ctx, VALIDATE_ERROR, names.entries[i].node, "name",
				     "duplicate child name \"%s\"",
				     validate_quote(q, sizeof(q), names.entries[i].name));
	validate_names_fini(&names);
}

/* The rules of a <route> or <default-route>. */
static void validate_rules(struct validate_ctx *ctx, const struct xml_node *route)
{
	const struct xml_node *rule;

	for (rule = xml_first_child(route, NULL); rule; rule = xml_next_sibling(rule, NULL)) {
		const char *type = xml_node_type(rule), *name = xml_attr(rule, "name");
		const struct xml_node *target;
		size_t targets = 0;
		char q[VALIDATE_QUOTE_MAX + 8];

		if (strcmp(type, "service") && strcmp(type, "any-service"))
			continue;   /* reported as unknown */
		if (!strcmp(type, "service") && !name)
			validate_add(ctx, VALIDATE_ERROR, rule, NULL,
				     "missing attribute \"name\" in <service> rule; "
				     "<any-service> matches every service");
		if (xml_attr(rule, "unscoped_label") &&
		    (xml_attr(rule, "label") || xml_attr(rule, "label_prefix") ||
		     xml_attr(rule, "label_suffix") || xml_attr(rule, "label_last")))
			validate_add(ctx, VALIDATE_WARNING, rule, "unscoped_label",
				     "service node contains both scoped and unscoped label attributes");
		for (target = xml_first_child(rule, NULL); target;
		     target = xml_next_sibling(target, NULL))
			targets++;
		if (targets)
			continue;
		/* A specific rule denies what it matches; an empty <any-service> just falls through. */
		if (name)
			validate_add(ctx, VALIDATE_WARNING, rule, NULL,
				     "<service name=\"%s\"> has no target, so every matching session "
				     "is denied", validate_quote(q, sizeof(q), name));
		else
			validate_add(ctx, VALIDATE_WARNING, rule, NULL,
				     "<%s> has no target and routes nothing", type);
	}
}

/* A <service> that init forwards from its parent must say to which child. */
static void validate_forwarding(struct validate_ctx *ctx, const struct xml_node *service)
{
	const struct xml_node *policy;
	size_t policies = 0;

	for (policy = xml_first_child(service, NULL); policy;
	     policy = xml_next_sibling(policy, NULL)) {
		const char *type = xml_node_type(policy);

		if (strcmp(type, "policy") && strcmp(type, "default-policy"))
			continue;   /* reported as unknown */
		policies++;
		if (!xml_first_child(policy, "child"))
			validate_add(ctx, VALIDATE_ERROR, policy, NULL,
				     "missing <child> in <%s>; init would not know where to "
				     "forward the session", type);
	}
	if (!policies && xml_attr(service, "name")) {
		char q[VALIDATE_QUOTE_MAX + 8];

		validate_add(ctx, VALIDATE_WARNING, service, NULL,
			     "<service name=\"%s\"> has no <policy> or <default-policy>, so every "
			     "session request is denied",
			     validate_quote(q, sizeof(q), xml_attr(service, "name")));
	}
}

/* Legacy <resource> nodes of a start: known names, no second one, no clash with ram or caps. */
static void validate_start_resources(struct validate_ctx *ctx, const struct xml_node *start)
{
	const struct xml_node *rsc, *seen[2] = { NULL, NULL };

	for (rsc = xml_first_child(start, "resource"); rsc;
	     rsc = xml_next_sibling(rsc, "resource")) {
		const char *name = validate_resource_name(ctx, rsc);
		int cap;

		if (!name)
			continue;
		cap = !strcmp(name, "CAP");
		if (seen[cap])
			validate_add(ctx, VALIDATE_WARNING, rsc, NULL,
				     "duplicate <resource name=\"%s\">; init uses the last one", name);
		seen[cap] = rsc;
		if (xml_attr(start, cap ? "caps" : "ram"))
			validate_add(ctx, VALIDATE_WARNING, rsc, NULL, "ambiguous %s-quota definition",
				     cap ? "capability" : "RAM");
	}
}

/* RAM and caps a child would start with: none at all is something init refuses to work with. */
static void validate_start_quotas(struct validate_ctx *ctx, const struct xml_node *config,
				  const struct xml_node *start, const char *name)
{
	char q[VALIDATE_QUOTE_MAX + 8];
	uint64_t ram, caps;

	validate_quote(q, sizeof(q), name);
	if (!validate_start_ram(config, start, &ram) && !ram)
		validate_add(ctx, VALIDATE_ERROR, start, xml_attr(start, "ram") ? "ram" : NULL,
			     "child \"%s\": no valid RAM quota defined%s", q,
			     xml_attr(start, "ram") ? "" : "; give <start> a ram attribute or "
			     "init a <default ram>");
	if (!validate_start_caps(config, start, &caps) && !caps)
		validate_add(ctx, VALIDATE_ERROR, start, xml_attr(start, "caps") ? "caps" : NULL,
			     "child \"%s\": no valid capability quota defined%s", q,
			     xml_attr(start, "caps") ? "" : "; give <start> a caps attribute or "
			     "init a <default caps>");
}

/* Priorities are 0 or negative, and init clamps those beyond its prio_levels. */
static void validate_priority(struct validate_ctx *ctx, const struct xml_node *start,
			      const char *name, unsigned long levels)
{
	const char *text = xml_attr(start, "priority");
	char q[VALIDATE_QUOTE_MAX + 8], *end;
	long long prio;

	if (!text)
		return;
	prio = strtoll(text, &end, 10);
	if (*end || end == text)
		return;   /* reported as an invalid number */
	validate_quote(q, sizeof(q), name);
	if (prio > 0)
		validate_add(ctx, VALIDATE_WARNING, start, "priority",
			     "child \"%s\": priority %lld is positive; priorities are 0 (highest) "
			     "or negative", q, prio);
	else if (prio && 0ull - (unsigned long long)prio >= levels)
		validate_add(ctx, VALIDATE_WARNING, start, "priority",
			     "child \"%s\": invalid priority, upgrading from %lld to %s%lu%s", q,
			     prio, levels > 1 ? "-" : "", levels ? levels - 1 : 0,
			     levels ? "" : "; <config prio_levels> is not set");
}

static void validate_start(struct validate_ctx *ctx, const struct xml_node *config,
			   const struct xml_node *start, unsigned long levels)
{
	const char *name = xml_attr(start, "name"), *binary = validate_binary_name(start);
	const struct xml_node *node;
	char q[VALIDATE_QUOTE_MAX + 8];

	validate_start_resources(ctx, start);
	if (!name || !*name)
		return;   /* init skips it; reported by validate_child_names() */
	validate_start_quotas(ctx, config, start, name);
	validate_priority(ctx, start, name, levels);
	node = xml_first_child(start, "affinity");
	if (node && !xml_first_child(config, "affinity-space"))
		validate_add(ctx, VALIDATE_WARNING, node, NULL,
			     "affinity-space configuration missing, but affinity defined for "
			     "child %s", validate_quote(q, sizeof(q), name));
	node = xml_first_child(start, "route");
	if (node)
		validate_rules(ctx, node);
	node = xml_first_child(start, "config");
	if (node && binary && !strcmp(binary, "init"))
		validate_semantics_config(ctx, node);
}

void validate_semantics_config(struct validate_ctx *ctx, const struct xml_node *config)
{
	const struct xml_node *node, *start;
	unsigned long levels;

	validate_schema_elements(ctx, config);
	levels = validate_prio_levels(ctx, config);
	validate_init_resources(ctx, config);
	validate_child_names(ctx, config);
	node = xml_first_child(config, "parent-provides");
	if (node)
		validate_service_list(ctx, node);
	node = xml_first_child(config, "default-route");
	if (node)
		validate_rules(ctx, node);
	for (node = xml_first_child(config, "service"); node;
	     node = xml_next_sibling(node, "service"))
		validate_forwarding(ctx, node);
	for (start = xml_first_child(config, "start"); start;
	     start = xml_next_sibling(start, "start")) {
		validate_start(ctx, config, start, levels);
		node = xml_first_child(start, "provides");
		if (node)
			validate_service_list(ctx, node);
	}
}
