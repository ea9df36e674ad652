/*
 * The validate stage, part one: Genode init's element and attribute set as
 * tables, and a walk that reports unknown names (with a did-you-mean),
 * missing and malformed attributes, and repeated singletons.
 * validate_semantics.c adds the checks that span nodes.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/args.h>
#include <arbor/error.h>
#include "validate_internal.h"

enum validate_attr_kind {
	KIND_TEXT,    /* anything, labels and versions */
	KIND_NAME,    /* not empty */
	KIND_SIZE,    /* bytes with an optional K, M or G suffix */
	KIND_NUMBER,  /* a decimal count */
	KIND_INT,     /* a decimal number, possibly negative */
	KIND_BOOL,    /* yes, no, true, false, 1, 0 */
};

#define ATTR_REQUIRED 1u

struct attr_spec {
	const char *name;
	enum validate_attr_kind kind;
	unsigned flags;
};

#define ELEM_ONCE   1u  /* init reads only the first one in its parent */
#define ELEM_OPAQUE 2u  /* content and attributes belong to the child (<config>) */

struct elem_spec {
	const char *type;
	const struct attr_spec *attrs;            /* ends with a NULL name */
	const struct elem_spec *const *children;  /* ends with NULL; NULL: none allowed */
	unsigned flags;
};

static const struct attr_spec no_attrs[] = { { NULL, KIND_TEXT, 0 } };

/* Route targets: where a matching session goes, and how its label is rewritten. */
#define REWRITE_ATTRS { "label", KIND_TEXT, 0 }, { "identity", KIND_TEXT, 0 }, \
	{ "resource", KIND_TEXT, 0 }, { "prepend_resource", KIND_TEXT, 0 }
static const struct attr_spec parent_attrs[] = { REWRITE_ATTRS, { NULL, KIND_TEXT, 0 } };
static const struct attr_spec child_attrs[] = {
	{ "name", KIND_NAME, ATTR_REQUIRED }, REWRITE_ATTRS, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec parent_spec = { "parent", parent_attrs, NULL, 0 };
static const struct elem_spec child_spec = { "child", child_attrs, NULL, 0 };
static const struct elem_spec any_child_spec = { "any-child", parent_attrs, NULL, 0 };
static const struct elem_spec local_spec = { "local", no_attrs, NULL, 0 };
static const struct elem_spec *const target_specs[] = {
	&parent_spec, &child_spec, &any_child_spec, &local_spec, NULL };

/* Route rules: which sessions they match. A nameless <service> is reported by validate_semantics.c. */
#define SELECTOR_ATTRS { "label", KIND_TEXT, 0 }, { "label_prefix", KIND_TEXT, 0 }, \
	{ "label_suffix", KIND_TEXT, 0 }, { "label_last", KIND_TEXT, 0 }
static const struct attr_spec service_rule_attrs[] = {
	{ "name", KIND_NAME, 0 }, SELECTOR_ATTRS, { "unscoped_label", KIND_TEXT, 0 },
	{ NULL, KIND_TEXT, 0 } };
static const struct attr_spec any_service_rule_attrs[] = {
	SELECTOR_ATTRS, { "unscoped_label", KIND_TEXT, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec service_rule_spec = {
	"service", service_rule_attrs, target_specs, 0 };
static const struct elem_spec any_service_rule_spec = {
	"any-service", any_service_rule_attrs, target_specs, 0 };
static const struct elem_spec *const rule_specs[] = {
	&service_rule_spec, &any_service_rule_spec, NULL };

/* A service named in <parent-provides> or <provides>. */
static const struct attr_spec name_attrs[] = {
	{ "name", KIND_NAME, ATTR_REQUIRED }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec service_name_spec = { "service", name_attrs, NULL, 0 };
static const struct elem_spec *const service_name_specs[] = { &service_name_spec, NULL };

/* <start> and what it may hold. */
static const struct elem_spec binary_spec = { "binary", name_attrs, NULL, ELEM_ONCE };
static const struct elem_spec inline_config_spec = {
	"config", no_attrs, NULL, ELEM_ONCE | ELEM_OPAQUE };
static const struct elem_spec route_spec = { "route", no_attrs, rule_specs, ELEM_ONCE };
static const struct elem_spec provides_spec = {
	"provides", no_attrs, service_name_specs, ELEM_ONCE };
static const struct attr_spec start_resource_attrs[] = {
	{ "name", KIND_NAME, ATTR_REQUIRED }, { "quantum", KIND_SIZE, ATTR_REQUIRED },
	{ NULL, KIND_TEXT, 0 } };
static const struct elem_spec start_resource_spec = {
	"resource", start_resource_attrs, NULL, 0 };
static const struct attr_spec start_heartbeat_attrs[] = {
	{ "restart_after_skipped", KIND_NUMBER, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec start_heartbeat_spec = {
	"heartbeat", start_heartbeat_attrs, NULL, ELEM_ONCE };
static const struct attr_spec affinity_attrs[] = {
	{ "xpos", KIND_NUMBER, 0 }, { "ypos", KIND_NUMBER, 0 },
	{ "width", KIND_NUMBER, 0 }, { "height", KIND_NUMBER, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec affinity_spec = { "affinity", affinity_attrs, NULL, ELEM_ONCE };
static const struct attr_spec exit_attrs[] = {
	{ "propagate", KIND_BOOL, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec exit_spec = { "exit", exit_attrs, NULL, ELEM_ONCE };
static const struct elem_spec *const start_children[] = {
	&binary_spec, &inline_config_spec, &route_spec, &provides_spec, &start_resource_spec,
	&start_heartbeat_spec, &affinity_spec, &exit_spec, NULL };
static const struct attr_spec start_attrs[] = {
	{ "name", KIND_TEXT, 0 }, { "ram", KIND_SIZE, 0 }, { "caps", KIND_NUMBER, 0 },
	{ "version", KIND_TEXT, 0 }, { "priority", KIND_INT, 0 }, { "ld", KIND_BOOL, 0 },
	{ "managing_system", KIND_BOOL, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec start_spec = { "start", start_attrs, start_children, 0 };

/* Session forwarding from init's parent into a child. */
static const struct attr_spec forward_child_attrs[] = {
	{ "name", KIND_NAME, ATTR_REQUIRED }, { "label", KIND_TEXT, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec forward_child_spec = {
	"child", forward_child_attrs, NULL, ELEM_ONCE };
static const struct elem_spec *const forward_child_specs[] = { &forward_child_spec, NULL };
static const struct attr_spec policy_attrs[] = { SELECTOR_ATTRS, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec policy_spec = { "policy", policy_attrs, forward_child_specs, 0 };
static const struct elem_spec default_policy_spec = {
	"default-policy", no_attrs, forward_child_specs, ELEM_ONCE };
static const struct elem_spec *const policy_specs[] = {
	&policy_spec, &default_policy_spec, NULL };

/* The top level. */
static const struct elem_spec parent_provides_spec = {
	"parent-provides", no_attrs, service_name_specs, ELEM_ONCE };
static const struct elem_spec default_route_spec = {
	"default-route", no_attrs, rule_specs, ELEM_ONCE };
static const struct attr_spec default_attrs[] = {
	{ "caps", KIND_NUMBER, 0 }, { "ram", KIND_SIZE, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec default_spec = { "default", default_attrs, NULL, ELEM_ONCE };
static const struct attr_spec init_resource_attrs[] = {
	{ "name", KIND_NAME, ATTR_REQUIRED }, { "preserve", KIND_SIZE, 0 },
	{ NULL, KIND_TEXT, 0 } };
static const struct elem_spec init_resource_spec = {
	"resource", init_resource_attrs, NULL, 0 };
static const struct attr_spec report_attrs[] = {
	{ "delay_ms", KIND_NUMBER, 0 }, { "buffer", KIND_SIZE, 0 },
	{ "init_ram", KIND_BOOL, 0 }, { "init_caps", KIND_BOOL, 0 },
	{ "child_ram", KIND_BOOL, 0 }, { "child_caps", KIND_BOOL, 0 },
	{ "requested", KIND_BOOL, 0 }, { "provided", KIND_BOOL, 0 },
	{ "session_args", KIND_BOOL, 0 }, { "ids", KIND_BOOL, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec report_spec = { "report", report_attrs, NULL, ELEM_ONCE };
static const struct attr_spec heartbeat_attrs[] = {
	{ "rate_ms", KIND_NUMBER, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec heartbeat_spec = {
	"heartbeat", heartbeat_attrs, NULL, ELEM_ONCE };
static const struct attr_spec forward_service_attrs[] = {
	{ "name", KIND_NAME, ATTR_REQUIRED }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec forward_service_spec = {
	"service", forward_service_attrs, policy_specs, 0 };
static const struct attr_spec alias_attrs[] = {
	{ "name", KIND_NAME, ATTR_REQUIRED }, { "child", KIND_NAME, ATTR_REQUIRED },
	{ NULL, KIND_TEXT, 0 } };
static const struct elem_spec alias_spec = { "alias", alias_attrs, NULL, 0 };
static const struct attr_spec affinity_space_attrs[] = {
	{ "width", KIND_NUMBER, 0 }, { "height", KIND_NUMBER, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec affinity_space_spec = {
	"affinity-space", affinity_space_attrs, NULL, ELEM_ONCE };
static const struct elem_spec *const config_children[] = {
	&parent_provides_spec, &default_route_spec, &default_spec, &start_spec,
	&init_resource_spec, &report_spec, &heartbeat_spec, &forward_service_spec, &alias_spec,
	&affinity_space_spec, NULL };
static const struct attr_spec config_attrs[] = {
	{ "verbose", KIND_BOOL, 0 }, { "ld_verbose", KIND_BOOL, 0 },
	{ "prio_levels", KIND_NUMBER, 0 }, { "version", KIND_TEXT, 0 }, { NULL, KIND_TEXT, 0 } };
static const struct elem_spec config_spec = { "config", config_attrs, config_children, 0 };

/* More than any table above holds. */
#define VALIDATE_KNOWN_MAX 16u

/* Decimal digits only, optionally after a '-', and within 64 bits. */
static int validate_decimal(const char *text, int sign_ok)
{
	const char *digits = text + (sign_ok && *text == '-');
	char *end;

	if (!*digits)
		return 0;
	for (end = (char *)digits; *end; end++)
		if (!isdigit((unsigned char)*end))
			return 0;
	errno = 0;
	if (sign_ok)
		(void)strtoll(text, &end, 10);
	else
		(void)strtoull(text, &end, 10);
	return errno != ERANGE;
}

static void validate_value(struct validate_ctx *ctx, const struct xml_node *node,
			   const struct attr_spec *spec, const char *value)
{
	char v[VALIDATE_QUOTE_MAX + 8];
	const char *type = xml_node_type(node);
	uint64_t bytes;

	switch (spec->kind) {
	case KIND_TEXT:
		break;
	case KIND_NAME:
		if (!*value)
			validate_add(ctx, VALIDATE_ERROR, node, spec->name,
				     "empty attribute %s=\"\" in <%s>", spec->name, type);
		break;
	case KIND_SIZE:
		if (arbor_parse_size(value, &bytes))
			validate_add(ctx, VALIDATE_ERROR, node, spec->name,
				     "invalid size %s=\"%s\" in <%s>; expected a number of bytes "
				     "with an optional K, M or G suffix",
				     spec->name, validate_quote(v, sizeof(v), value), type);
		break;
	case KIND_NUMBER:
	case KIND_INT:
		if (!validate_decimal(value, spec->kind == KIND_INT))
			validate_add(ctx, VALIDATE_ERROR, node, spec->name,
				     "invalid number %s=\"%s\" in <%s>; expected %s", spec->name,
				     validate_quote(v, sizeof(v), value), type,
				     spec->kind == KIND_INT ? "a decimal integer such as -1"
							   : "a decimal number");
		break;
	case KIND_BOOL:
		if (strcmp(value, "yes") && strcmp(value, "no") && strcmp(value, "true") &&
		    strcmp(value, "false") && strcmp(value, "1") && strcmp(value, "0"))
			validate_add(ctx, VALIDATE_ERROR, node, spec->name,
				     "invalid boolean %s=\"%s\" in <%s>; expected yes, no, true, "
				     "false, 1 or 0",
				     spec->name, validate_quote(v, sizeof(v), value), type);
		break;
	}
}

static void validate_attrs(struct validate_ctx *ctx, const struct xml_node *node,
			   const struct elem_spec *spec)
{
	const char *known[VALIDATE_KNOWN_MAX + 1], *name, *value, *hint;
	const struct attr_spec *a;
	size_t i, n = 0;

	for (a = spec->attrs; a->name && n < VALIDATE_KNOWN_MAX; a++)
		known[n++] = a->name;
	known[n] = NULL;
	for (i = 0; !xml_attr_at(node, i, &name, &value); i++) {
		char q[VALIDATE_QUOTE_MAX + 8];

		for (a = spec->attrs; a->name && strcmp(a->name, name); a++)
			;
		if (a->name) {
			validate_value(ctx, node, a, value);
			continue;
		}
		hint = validate_suggest(name, known);
		validate_add(ctx, VALIDATE_ERROR, node, name, "unknown attribute \"%s\" in <%s>%s%s%s",
			     validate_quote(q, sizeof(q), name), spec->type,
			     hint ? "; did you mean \"" : "", hint ? hint : "", hint ? "\"?" : "");
	}
	for (a = spec->attrs; a->name; a++)
		if ((a->flags & ATTR_REQUIRED) && !xml_attr(node, a->name))
			validate_add(ctx, VALIDATE_ERROR, node, NULL,
				     "missing attribute \"%s\" in <%s>", a->name, spec->type);
}

/* Check node against spec, then its children against spec's children, recursively. */
static void validate_node(struct validate_ctx *ctx, const struct xml_node *node,
			  const struct elem_spec *spec)
{
	const char *known[VALIDATE_KNOWN_MAX + 1], *hint;
	const struct elem_spec *const *c;
	const struct xml_node *child;
	size_t n = 0;

	if (spec->flags & ELEM_OPAQUE)
		return;
	validate_attrs(ctx, node, spec);
	if (*xml_node_text(node)) {
		char q[VALIDATE_QUOTE_MAX + 8];

		validate_add(ctx, VALIDATE_WARNING, node, NULL, "text \"%s\" in <%s> is ignored",
			     validate_quote(q, sizeof(q), xml_node_text(node)), spec->type);
	}
	for (c = spec->children; c && *c && n < VALIDATE_KNOWN_MAX; c++)
		known[n++] = (*c)->type;
	known[n] = NULL;
	for (child = xml_first_child(node, NULL); child; child = xml_next_sibling(child, NULL)) {
		const char *type = xml_node_type(child);
		char q[VALIDATE_QUOTE_MAX + 8];

		for (c = spec->children; c && *c && strcmp((*c)->type, type); c++)
			;
		if (c && *c) {
			if (((*c)->flags & ELEM_ONCE) && xml_first_child(node, type) != child)
				validate_add(ctx, VALIDATE_WARNING, child, NULL,
					     "duplicate <%s> in <%s>; init uses the first one", type,
					     spec->type);
			validate_node(ctx, child, *c);
			continue;
		}
		hint = validate_suggest(type, known);
		validate_add(ctx, VALIDATE_ERROR, child, NULL, "unknown element <%s> in <%s>%s%s%s",
			     validate_quote(q, sizeof(q), type), spec->type,
			     hint ? "; did you mean <" : "", hint ? hint : "", hint ? ">?" : "");
	}
}

void validate_schema_elements(struct validate_ctx *ctx, const struct xml_node *config)
{
	validate_node(ctx, config, &config_spec);
}
