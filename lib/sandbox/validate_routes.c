/*
 * The route stage: what init could only find out by routing sessions or
 * handing out quota. Targets naming absent children, children or parents
 * that do not provide the rule's service, ambiguous <any-child> targets,
 * forwarding policies into nowhere, and RAM and caps that do not fit.
 * Runs only over configs the validate stage accepted.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/error.h>
#include "validate_internal.h"

/* One <provides><service name> of a child. */
struct validate_provider {
	const char *service;
	const struct xml_node *start;
};

/* What routing looks up, for one config level. */
struct validate_index {
	struct validate_names names;
	struct validate_provider *providers;   /* sorted by service, then start */
	size_t provider_count;
	const char **parent_services;          /* sorted */
	size_t parent_count;
};

static int validate_provider_cmp(const void *a, const void *b)
{
	const struct validate_provider *x = a, *y = b;
	int c = strcmp(x->service, y->service);

	if (c)
		return c;
	return (uintptr_t)x->start < (uintptr_t)y->start ? -1 :
	       (uintptr_t)x->start > (uintptr_t)y->start;
}

static int validate_string_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void validate_index_fini(struct validate_index *idx)
{
	validate_names_fini(&idx->names);
	free(idx->providers);
	free(idx->parent_services);
}

static int validate_index_init(struct validate_index *idx, const struct xml_node *config)
{
	const struct xml_node *start, *svc, *pp = xml_first_child(config, "parent-provides");
	size_t n = 0;
	int pass;

	memset(idx, 0, sizeof(*idx));
	if (validate_names_init(&idx->names, config))
		return ARBOR_E_OUT_OF_RAM;
	for (pass = 0; pass < 2; pass++) {
		if (pass && n && !(idx->providers = calloc(n, sizeof(*idx->providers))))
			goto oom;
		for (start = xml_first_child(config, "start"); start;
		     start = xml_next_sibling(start, "start")) {
			const struct xml_node *provides = xml_first_child(start, "provides");

			for (svc = provides ? xml_first_child(provides, "service") : NULL; svc;
			     svc = xml_next_sibling(svc, "service"))
				if (!pass)
					n++;
				else
					idx->providers[idx->provider_count++] =
						(struct validate_provider){ xml_attr(svc, "name"),
									    start };
		}
	}
	/* qsort() and bsearch() want an array even for no elements. */
	if (idx->provider_count)
		qsort(idx->providers, idx->provider_count, sizeof(*idx->providers),
		      validate_provider_cmp);
	n = 0;
	for (svc = pp ? xml_first_child(pp, "service") : NULL; svc; svc = xml_next_sibling(svc, "service"))
		n++;
	if (n && !(idx->parent_services = calloc(n, sizeof(*idx->parent_services))))
		goto oom;
	for (svc = pp ? xml_first_child(pp, "service") : NULL; svc; svc = xml_next_sibling(svc, "service"))
		idx->parent_services[idx->parent_count++] = xml_attr(svc, "name");
	if (idx->parent_count)
		qsort(idx->parent_services, idx->parent_count, sizeof(*idx->parent_services),
		      validate_string_cmp);
	return 0;
oom:
	validate_index_fini(idx);
	return ARBOR_E_OUT_OF_RAM;
}

/* The <start> that a <child name> means, looking through an alias; NULL when there is none. */
static const struct xml_node *validate_resolve(const struct validate_index *idx, const char *name)
{
	const struct validate_name *entry = validate_names_find(&idx->names, name);

	if (entry && entry->alias)
		entry = validate_names_find(&idx->names, xml_attr(entry->node, "child"));
	return entry && !entry->alias ? entry->node : NULL;
}

/* The first provider of service at or after the lower bound; idx->provider_count if none. */
static size_t validate_first_provider(const struct validate_index *idx, const char *service)
{
	size_t lo = 0, hi = idx->provider_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(idx->providers[mid].service, service) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int validate_provides(const struct validate_index *idx, const struct xml_node *start,
			     const char *service)
{
	struct validate_provider key = { service, start };

	return idx->provider_count &&
	       bsearch(&key, idx->providers, idx->provider_count, sizeof(key),
		       validate_provider_cmp) != NULL;
}

/* How many distinct children provide service, counting no further than 2. */
static unsigned validate_provider_count(const struct validate_index *idx, const char *service)
{
	size_t i = validate_first_provider(idx, service);
	const struct xml_node *last = NULL;
	unsigned count = 0;

	for (; i < idx->provider_count && count < 2 && !strcmp(idx->providers[i].service, service);
	     i++)
		if (idx->providers[i].start != last) {
			last = idx->providers[i].start;
			count++;
		}
	return count;
}

static int validate_parent_provides(const struct validate_index *idx, const char *service)
{
	return idx->parent_count &&
	       bsearch(&service, idx->parent_services, idx->parent_count,
		       sizeof(*idx->parent_services), validate_string_cmp) != NULL;
}

/*
 * A <child name> target (in a route rule or a forwarding policy) for
 * service (NULL: any). what names the kind of reference in messages.
 */
static void validate_child_target(struct validate_ctx *ctx, const struct validate_index *idx,
				  const struct xml_node *target, const char *service,
				  const char *what)
{
	const char *name = xml_attr(target, "name");
	const struct xml_node *start;
	char n[VALIDATE_QUOTE_MAX + 8], s[VALIDATE_QUOTE_MAX + 8], a[VALIDATE_QUOTE_MAX + 8];

	if (!name)
		return;
	validate_quote(n, sizeof(n), name);
	start = validate_resolve(idx, name);
	if (!start) {
		validate_add(ctx, VALIDATE_ERROR, target, "name", "dangling %s: no child named \"%s\"",
			     what, n);
		return;
	}
	if (!service || validate_provides(idx, start, service))
		return;
	validate_quote(s, sizeof(s), service);
	if (strcmp(name, xml_attr(start, "name")))
		validate_add(ctx, VALIDATE_ERROR, target, "name",
			     "child \"%s\" (alias of \"%s\") does not provide service \"%s\"", n,
			     validate_quote(a, sizeof(a), xml_attr(start, "name")), s);
	else
		validate_add(ctx, VALIDATE_ERROR, target, "name",
			     "child \"%s\" does not provide service \"%s\"", n, s);
}

/* The targets of every rule in a <route> or <default-route>. */
static void validate_route(struct validate_ctx *ctx, const struct validate_index *idx,
			   const struct xml_node *route)
{
	const struct xml_node *rule, *target;

	for (rule = xml_first_child(route, NULL); rule; rule = xml_next_sibling(rule, NULL)) {
		/* Only a specific rule names the service its targets must provide. */
		const char *service = !strcmp(xml_node_type(rule), "service")
				      ? xml_attr(rule, "name") : NULL;
		char s[VALIDATE_QUOTE_MAX + 8];

		if (service)
			validate_quote(s, sizeof(s), service);
		for (target = xml_first_child(rule, NULL); target;
		     target = xml_next_sibling(target, NULL)) {
			const char *type = xml_node_type(target);

			if (!strcmp(type, "child")) {
				validate_child_target(ctx, idx, target, service, "route");
			} else if (!service) {
				continue;
			} else if (!strcmp(type, "parent")) {
				if (!validate_parent_provides(idx, service))
					validate_add(ctx, VALIDATE_ERROR, target, NULL,
						     "parent does not provide service \"%s\"; add it "
						     "to <parent-provides>", s);
			} else if (!strcmp(type, "any-child")) {
				unsigned providers = validate_provider_count(idx, service);

				if (providers > 1)
					validate_add(ctx, VALIDATE_WARNING, target, NULL,
						     "ambiguous routes to service \"%s\"", s);
				else if (!providers && !xml_next_sibling(target, NULL))
					/* with a target after it, that one is the fallback */
					validate_add(ctx, VALIDATE_WARNING, target, NULL,
						     "no child provides service \"%s\"", s);
			}
		}
	}
}

/* Forwarding from init's parent: each policy must lead to a child that provides the service. */
static void validate_forwarding(struct validate_ctx *ctx, const struct validate_index *idx,
				const struct xml_node *service)
{
	const struct xml_node *policy, *child;

	for (policy = xml_first_child(service, NULL); policy; policy = xml_next_sibling(policy, NULL)) {
		child = xml_first_child(policy, "child");
		if (child)
			validate_child_target(ctx, idx, child, xml_attr(service, "name"), "policy");
	}
}

static uint64_t validate_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Does what the children of config ask for of resource rsc fit into have,
 * once init kept its share? Reported at the <start> that tips the sum over.
 */
static void validate_quota(struct validate_ctx *ctx, const struct xml_node *config,
			   const char *rsc, uint64_t have)
{
	int ram = !strcmp(rsc, "RAM");
	const char *unit = ram ? " bytes of RAM" : " caps";
	uint64_t preserve = ram ? VALIDATE_DEFAULT_RAM_PRESERVE : VALIDATE_DEFAULT_CAPS_PRESERVE;
	uint64_t need = 0, avail, q;
	const struct xml_node *node, *preserve_node = config, *tip = NULL;

	if (!have)
		return;
	for (node = xml_first_child(config, "resource"); node;
	     node = xml_next_sibling(node, "resource"))
		if (!strcmp(xml_attr(node, "name"), rsc) && xml_attr(node, "preserve") &&
		    !xml_attr_u64(node, "preserve", 0, &preserve))
			preserve_node = node;
	if (preserve > have) {
		validate_add(ctx, VALIDATE_ERROR, preserve_node,
			     preserve_node == config ? NULL : "preserve",
			     "%s preservation exceeds available %s: init preserves %llu%s but "
			     "has only %llu", ram ? "RAM" : "capability",
			     ram ? "memory" : "capabilities", (unsigned long long)preserve, unit,
			     (unsigned long long)have);
		return;
	}
	avail = have - preserve;
	for (node = xml_first_child(config, "start"); node; node = xml_next_sibling(node, "start")) {
		if (ram ? validate_start_ram(config, node, &q) : validate_start_caps(config, node, &q))
			continue;
		need = validate_add_sat(need, q);
		if (need > avail && !tip)
			tip = node;
	}
	if (tip)
		validate_add(ctx, VALIDATE_ERROR, tip, NULL,
			     "children need %llu%s but init has only %llu (after preserving %llu)",
			     (unsigned long long)need, unit, (unsigned long long)avail,
			     (unsigned long long)preserve);
}

void validate_routes_config(struct validate_ctx *ctx, const struct xml_node *config,
			    const struct validate_limits *limits)
{
	const struct xml_node *node, *default_route = xml_first_child(config, "default-route");
	struct validate_index idx;

	if (validate_index_init(&idx, config)) {
		ctx->report->out_of_ram = 1;
		return;
	}
	for (node = xml_first_child(config, "alias"); node; node = xml_next_sibling(node, "alias")) {
		const struct validate_name *target = validate_names_find(&idx.names,
									 xml_attr(node, "child"));
		char a[VALIDATE_QUOTE_MAX + 8], c[VALIDATE_QUOTE_MAX + 8];

		if (!target || target->alias)
			validate_add(ctx, VALIDATE_ERROR, node, "child",
				     "dangling alias \"%s\": no child named \"%s\"",
				     validate_quote(a, sizeof(a), xml_attr(node, "name")),
				     validate_quote(c, sizeof(c), xml_attr(node, "child")));
	}
	if (default_route)
		validate_route(ctx, &idx, default_route);
	for (node = xml_first_child(config, "service"); node; node = xml_next_sibling(node, "service"))
		validate_forwarding(ctx, &idx, node);
	for (node = xml_first_child(config, "start"); node; node = xml_next_sibling(node, "start")) {
		const struct xml_node *route = xml_first_child(node, "route");
		const struct xml_node *inner = xml_first_child(node, "config");
		const char *binary = validate_binary_name(node);
		char q[VALIDATE_QUOTE_MAX + 8];

		if (route)
			validate_route(ctx, &idx, route);
		else if (!default_route)
			validate_add(ctx, VALIDATE_ERROR, node, NULL,
				     "child \"%s\" has no <route> and init has no <default-route>, "
				     "so none of its sessions can be routed",
				     validate_quote(q, sizeof(q), xml_attr(node, "name")));
		if (inner && binary && !strcmp(binary, "init")) {
			/* A nested init hands out what its own <start> node gave it. */
			struct validate_limits nested = { 0, 0 };

			if (validate_start_ram(config, node, &nested.ram))
				nested.ram = 0;
			if (validate_start_caps(config, node, &nested.caps))
				nested.caps = 0;
			validate_routes_config(ctx, inner, &nested);
		}
	}
	validate_quota(ctx, config, "RAM", limits->ram);
	validate_quota(ctx, config, "CAP", limits->caps);
	validate_index_fini(&idx);
}
