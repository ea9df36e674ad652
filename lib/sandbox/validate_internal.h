/* What validate.c shares with the stages: validate_schema.c, validate_semantics.c, validate_routes.c. */
#ifndef SANDBOX_VALIDATE_INTERNAL_H
#define SANDBOX_VALIDATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sandbox/validate.h>
#include <sandbox/xml.h>

/* Longest attribute value quoted in a message; longer ones end in "...". */
#define VALIDATE_QUOTE_MAX 64u

/* One run over one document: where findings go and the text to locate attributes in. */
struct validate_ctx {
	struct validate_report *report;
	const char *text;    /* the parsed document, may be NULL */
	size_t len;
	enum validate_stage stage;
};

/*
 * Record a finding of the current stage at node, or at its attribute attr
 * when attr is not NULL and the document text is known. Never fails: a
 * finding that cannot be stored sets report->out_of_ram.
 */
__attribute__((format(printf, 5, 6)))
void validate_add(struct validate_ctx *ctx, enum validate_severity severity,
		  const struct xml_node *node, const char *attr, const char *fmt, ...);

/*
 * value made safe and short for a message: control characters as \xNN and
 * at most VALIDATE_QUOTE_MAX bytes (cut at a character boundary) plus
 * "...". Returns buf, which has size bytes (at least 5).
 */
const char *validate_quote(char *buf, size_t size, const char *value);

/*
 * Of the NULL-terminated known names, the one closest to name (ignoring
 * case) when it is at most two edits away (one for names of up to four
 * characters) and closer than a rewrite of either; NULL otherwise.
 */
const char *validate_suggest(const char *name, const char *const *known);

/* The name of the <start> node's binary: <binary name>, else the start name; NULL if neither. */
const char *validate_binary_name(const struct xml_node *start);

/*
 * The quota a <start> node asks for, as init computes it: the ram (caps)
 * attribute, else the last legacy <resource name="RAM" ("CAP") quantum>,
 * else the <default> value of config, else 0. Returns 0, or
 * ARBOR_E_INVALID when the value that decides does not parse (the validate
 * stage reports that one); *value is 0 then.
 */
int validate_start_ram(const struct xml_node *config, const struct xml_node *start,
		       uint64_t *value);
int validate_start_caps(const struct xml_node *config, const struct xml_node *start,
			uint64_t *value);

/* One name a <child name> target may use: a <start> or an <alias>. */
struct validate_name {
	const char *name;              /* borrowed from the tree */
	const struct xml_node *node;   /* the <start> or <alias> */
	int alias;
	size_t order;                  /* document order among starts and aliases */
};

/* The names of one config level, sorted by name, starts before aliases, then document order. */
struct validate_names {
	struct validate_name *entries;
	size_t count;
};

/*
 * Index the named <start> and <alias> children of config (nameless ones are
 * left out). Returns 0 or ARBOR_E_OUT_OF_RAM (names is then empty).
 */
int validate_names_init(struct validate_names *names, const struct xml_node *config);
void validate_names_fini(struct validate_names *names);

/* The entry for name, a <start> in preference to an <alias>; NULL when there is none. */
const struct validate_name *validate_names_find(const struct validate_names *names,
						const char *name);

/*
 * The validate stage: validate_schema_elements() checks config's elements
 * and attributes against Genode init's set (not inside inline <config>s);
 * validate_semantics_config() runs it and then the checks that span
 * nodes, and recurses into the config of each nested init.
 */
void validate_schema_elements(struct validate_ctx *ctx, const struct xml_node *config);
void validate_semantics_config(struct validate_ctx *ctx, const struct xml_node *config);

/* The route stage over config and, for nested inits, their configs. */
void validate_routes_config(struct validate_ctx *ctx, const struct xml_node *config,
			    const struct validate_limits *limits);

#endif
