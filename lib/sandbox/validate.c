/* Offline validation of init configurations: the report, the shared helpers and the stage driver. */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/error.h>
#include "validate_internal.h"

/* Names longer than this are never close to a known one: they would need more than two edits. */
#define VALIDATE_SUGGEST_MAX 64u

void validate_report_init(struct validate_report *report, const char *file)
{
	memset(report, 0, sizeof(*report));
	report->file = file;
	report->failed = VALIDATE_STAGE_NONE;
}

void validate_report_fini(struct validate_report *report)
{
	const char *file = report->file;

	free(report->diags);
	validate_report_init(report, file);
}

const char *validate_stage_name(enum validate_stage stage)
{
	switch (stage) {
	case VALIDATE_STAGE_PARSE:  return "parse";
	case VALIDATE_STAGE_SCHEMA: return "validate";
	case VALIDATE_STAGE_ROUTE:  return "route";
	case VALIDATE_STAGE_NONE:   break;
	}
	return "none";
}

const char *validate_severity_name(enum validate_severity severity)
{
	return severity == VALIDATE_ERROR ? "error" : "warning";
}

static void validate_store(struct validate_report *report, enum validate_severity severity,
			   enum validate_stage stage, unsigned long line, unsigned long column,
			   const char *message)
{
	struct validate_diag *d;

	if (severity == VALIDATE_ERROR) {
		report->errors++;
		if (report->failed == VALIDATE_STAGE_NONE)
			report->failed = stage;
	} else {
		report->warnings++;
	}
	if (report->count == VALIDATE_MAX_DIAGS) {
		report->dropped++;
		return;
	}
	if (report->count == report->capacity) {
		size_t cap = report->capacity ? report->capacity * 2 : 16;
		struct validate_diag *grown;

		if (cap > VALIDATE_MAX_DIAGS)
			cap = VALIDATE_MAX_DIAGS;
		grown = realloc(report->diags, cap * sizeof(*grown));
		if (!grown) {
			/* The counts above stay right; only the text of this finding is lost. */
			report->out_of_ram = 1;
			report->dropped++;
			return;
		}
		report->diags = grown;
		report->capacity = cap;
	}
	d = &report->diags[report->count++];
	d->severity = severity;
	d->stage = stage;
	d->line = line;
	d->column = column;
	snprintf(d->message, sizeof(d->message), "%s", message);
}

static int validate_name_char(char c)
{
	return c && !isspace((unsigned char)c) && c != '=' && c != '>' && c != '/';
}

/*
 * Where attribute attr of node starts in the document. The model keeps
 * positions of elements only, so this rescans the element's start tag,
 * which the parser has already found well-formed. Returns 0 or
 * ARBOR_E_NOT_FOUND.
 */
static int validate_attr_position(const struct validate_ctx *ctx, const struct xml_node *node,
				  const char *attr, unsigned long *line, unsigned long *column)
{
	size_t off, span, i, end, name_len = strlen(attr);
	const char *t = ctx->text;

	xml_node_source(node, &off, &span);
	if (!t || off >= ctx->len || span > ctx->len - off || t[off] != '<')
		return ARBOR_E_NOT_FOUND;
	end = off + span;
	i = off + 1 + strlen(xml_node_type(node));
	while (i < end) {
		size_t name;
		char quote;

		while (i < end && isspace((unsigned char)t[i]))
			i++;
		if (i >= end || !validate_name_char(t[i]))
			return ARBOR_E_NOT_FOUND;
		name = i;
		while (i < end && validate_name_char(t[i]))
			i++;
		if (i - name == name_len && !memcmp(t + name, attr, name_len)) {
			/* Count as xml.c does: lines, then characters (not bytes) within the line. */
			*line = xml_node_line(node);
			*column = xml_node_column(node);
			for (i = off; i < name; i++) {
				if (t[i] == '\n') {
					++*line;
					*column = 1;
				} else if (((unsigned char)t[i] & 0xc0) != 0x80) {
					++*column;
				}
			}
			return 0;
		}
		while (i < end && t[i] != '"' && t[i] != '\'')
			i++;
		if (i >= end)
			return ARBOR_E_NOT_FOUND;
		quote = t[i++];
		while (i < end && t[i] != quote)
			i++;
		i++;
	}
	return ARBOR_E_NOT_FOUND;
}

void validate_add(struct validate_ctx *ctx, enum validate_severity severity,
		  const struct xml_node *node, const char *attr, const char *fmt, ...)
{
	char message[VALIDATE_MESSAGE_MAX];
	unsigned long line = xml_node_line(node), column = xml_node_column(node);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (attr)
		validate_attr_position(ctx, node, attr, &line, &column);
	validate_store(ctx->report, severity, ctx->stage, line, column, message);
}

const char *validate_quote(char *buf, size_t size, const char *value)
{
	size_t in = 0, out = 0, limit = size - 4;   /* room for "..." and the NUL */

	if (limit > VALIDATE_QUOTE_MAX)
		limit = VALIDATE_QUOTE_MAX;
	while (value[in] && out < limit) {
		unsigned char c = (unsigned char)value[in];

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			if (out + 4 > limit)
				break;
			/* A message is one line that quotes the value; anything else would forge output. */
			out += (size_t)snprintf(buf + out, size - out, "\\x%02x", c);
			in++;
			continue;
		}
		buf[out++] = (char)c;
		in++;
	}
	if (value[in]) {
		/* Do not end in the middle of a UTF-8 sequence. */
		while (out && ((unsigned char)value[in] & 0xc0) == 0x80) {
			out--;
			in--;
		}
		memcpy(buf + out, "...", 3);
		out += 3;
	}
	buf[out] = '\0';
	return buf;
}

/* Optimal string alignment distance (edits plus adjacent swaps), ignoring case. */
static size_t validate_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t rows[3][VALIDATE_SUGGEST_MAX + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *tmp;

	if (la > VALIDATE_SUGGEST_MAX || lb > VALIDATE_SUGGEST_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + !same;

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb];
}

const char *validate_suggest(const char *name, const char *const *known)
{
	const char *best = NULL;
	size_t n = strlen(name), best_d = n <= 4 ? 2 : 3;

	for (; *known; known++) {
		size_t d = validate_distance(name, *known);

		/*
		 * Two edits turn "CPU" into "CAP" and one "x" into "ld": on short
		 * names that is a guess, not a typo, so they get one edit only.
		 */
		if (d < best_d && d < n && d < strlen(*known)) {
			best = *known;
			best_d = d;
		}
	}
	return best;
}

const char *validate_binary_name(const struct xml_node *start)
{
	const struct xml_node *binary = xml_first_child(start, "binary");
	const char *name = binary ? xml_attr(binary, "name") : NULL;

	return name ? name : xml_attr(start, "name");
}

/*
 * The start node's quota of resource rsc ("RAM" or "CAP"): attribute attr,
 * else the last <resource name=rsc quantum>, else <default attr>.
 */
static int validate_start_quota(const struct xml_node *config, const struct xml_node *start,
				const char *attr, const char *rsc, uint64_t *value)
{
	const struct xml_node *node, *last = NULL, *dflt;

	*value = 0;
	if (xml_attr(start, attr))
		return xml_attr_u64(start, attr, 0, value);
	for (node = xml_first_child(start, "resource"); node;
	     node = xml_next_sibling(node, "resource")) {
		const char *name = xml_attr(node, "name");

		if (name && !strcmp(name, rsc))
			last = node;
	}
	if (last)
		return xml_attr_u64(last, "quantum", 0, value);
	dflt = xml_first_child(config, "default");
	return dflt ? xml_attr_u64(dflt, attr, 0, value) : 0;
}

int validate_start_ram(const struct xml_node *config, const struct xml_node *start,
		       uint64_t *value)
{
	return validate_start_quota(config, start, "ram", "RAM", value);
}

int validate_start_caps(const struct xml_node *config, const struct xml_node *start,
			uint64_t *value)
{
	return validate_start_quota(config, start, "caps", "CAP", value);
}

/*
 * Put diags[from..count) in document order. The checks find things in
 * their own order; a reader wants the file top to bottom. Stable, and
 * insertion sort is fine for VALIDATE_MAX_DIAGS entries.
 */
static void validate_sort(struct validate_report *report, size_t from)
{
	size_t i, j;

	for (i = from + 1; i < report->count; i++) {
		struct validate_diag d = report->diags[i];

		for (j = i; j > from && (report->diags[j - 1].line > d.line ||
					 (report->diags[j - 1].line == d.line &&
					  report->diags[j - 1].column > d.column)); j--)
			report->diags[j] = report->diags[j - 1];
		report->diags[j] = d;
	}
}

int validate_config(const struct xml_node *config, const char *text, size_t len,
		    const struct validate_limits *limits, struct validate_report *report)
{
	struct validate_ctx ctx = { report, text, len, VALIDATE_STAGE_SCHEMA };
	static const struct validate_limits unknown = { 0, 0 };
	size_t errors = report->errors, from = report->count;

	if (strcmp(xml_node_type(config), "config")) {
		char type[VALIDATE_QUOTE_MAX + 8];

		validate_add(&ctx, VALIDATE_ERROR, config, NULL,
			     "root element is <%s>, expected <config>",
			     validate_quote(type, sizeof(type), xml_node_type(config)));
	} else {
		validate_semantics_config(&ctx, config);
		validate_sort(report, from);
		if (report->errors == errors) {
			from = report->count;
			ctx.stage = VALIDATE_STAGE_ROUTE;
			validate_routes_config(&ctx, config, limits ? limits : &unknown);
			validate_sort(report, from);
		}
	}
	if (report->out_of_ram)
		return ARBOR_E_OUT_OF_RAM;
	return report->errors == errors ? 0 : ARBOR_E_INVALID;
}

int validate_document(const char *text, size_t len, const struct validate_limits *limits,
		      struct validate_report *report)
{
	struct xml_node *root = NULL;
	struct xml_error e;
	int err;

	err = xml_parse(text, len, report->file, &root, &e);
	if (err == ARBOR_E_OUT_OF_RAM)
		return err;
	if (err) {
		validate_store(report, VALIDATE_ERROR, VALIDATE_STAGE_PARSE, e.line, e.column,
			       e.message);
		return report->out_of_ram ? ARBOR_E_OUT_OF_RAM : ARBOR_E_INVALID;
	}
	err = validate_config(root, text, len, limits, report);
	xml_free(root);
	return err;
}
