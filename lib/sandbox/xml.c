/* The XML node model over libexpat: parse a bounded document into an immutable tree. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include <arbor/args.h>
#include <arbor/error.h>
#include <sandbox/xml.h>

struct xml_attr_pair {
	const char *name;
	const char *value;
};

/*
 * One element. The struct, its attribute array and all its strings but the
 * text live in one allocation; the text grows separately while parsing.
 */
struct xml_node {
	struct xml_node *parent, *first, *last, *next;
	const char *type;
	struct xml_attr_pair *attrs;
	size_t attr_count;
	char *text;
	size_t text_len, text_cap;
	unsigned long line, column;
	size_t offset, len;
	size_t start_tag_len;
};

struct xml_parse_state {
	XML_Parser parser;
	const char *text;
	size_t text_len;
	struct xml_node *root, *cur;
	unsigned depth;
	size_t nodes;
	int err;
	struct xml_error *error;
};

static const char xml_empty[] = "";

static void xml_node_free_one(struct xml_node *node)
{
	free(node->text);
	free(node);
}

void xml_free(struct xml_node *root)
{
	/* Recursion is bounded by XML_MAX_DEPTH; siblings are walked iteratively. */
	while (root) {
		struct xml_node *next = root->next;

		xml_free(root->first);
		xml_node_free_one(root);
		root = next;
	}
}

__attribute__((format(printf, 4, 5)))
static void xml_set_error(struct xml_error *error, unsigned long line, unsigned long column,
			  const char *fmt, ...)
{
	va_list ap;

	if (!error)
		return;
	error->line = line;
	error->column = column;
	va_start(ap, fmt);
	vsnprintf(error->message, sizeof(error->message), fmt, ap);
	va_end(ap);
}

/* Record the first failure at the parser's current position and stop parsing. */
__attribute__((format(printf, 3, 4)))
static void xml_fail(struct xml_parse_state *st, int err, const char *fmt, ...)
{
	va_list ap;

	if (st->err)
		return;
	st->err = err;
	if (st->error) {
		st->error->line = XML_GetCurrentLineNumber(st->parser);
		st->error->column = XML_GetCurrentColumnNumber(st->parser) + 1;
		va_start(ap, fmt);
		vsnprintf(st->error->message, sizeof(st->error->message), fmt, ap);
		va_end(ap);
	}
	XML_StopParser(st->parser, XML_FALSE);
}

static int xml_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void xml_on_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct xml_parse_state *st = data;
	struct xml_node *node;
	size_t size, count = 0, i;
	char *strings;

	if (st->err)
		return;
	if (st->depth >= XML_MAX_DEPTH) {
		xml_fail(st, ARBOR_E_TOO_LARGE, "elements nested deeper than %u", XML_MAX_DEPTH);
		return;
	}
	if (st->nodes >= XML_MAX_NODES) {
		xml_fail(st, ARBOR_E_TOO_LARGE, "more than %u elements", XML_MAX_NODES);
		return;
	}
	size = sizeof(*node) + strlen(name) + 1;
	for (; atts[2 * count]; count++) {
		size_t vlen = strlen(atts[2 * count + 1]);

		if (vlen > XML_MAX_ATTR_VALUE) {
			xml_fail(st, ARBOR_E_TOO_LARGE,
				 "value of attribute \"%.64s\" is longer than %u bytes",
				 atts[2 * count], XML_MAX_ATTR_VALUE);
			return;
		}
		size += sizeof(struct xml_attr_pair) + strlen(atts[2 * count]) + vlen + 2;
	}
	node = calloc(1, size);
	if (!node) {
		xml_fail(st, ARBOR_E_OUT_OF_RAM, "out of memory");
		return;
	}
	node->attrs = (struct xml_attr_pair *)(node + 1);
	node->attr_count = count;
	strings = (char *)(node->attrs + count);
	for (i = 0; i < count; i++) {
		size_t nlen = strlen(atts[2 * i]) + 1, vlen = strlen(atts[2 * i + 1]) + 1;

		node->attrs[i].name = memcpy(strings, atts[2 * i], nlen);
		strings += nlen;
		node->attrs[i].value = memcpy(strings, atts[2 * i + 1], vlen);
		strings += vlen;
	}
	node->type = strcpy(strings, name);
	node->line = XML_GetCurrentLineNumber(st->parser);
	node->column = XML_GetCurrentColumnNumber(st->parser) + 1;
	node->offset = (size_t)XML_GetCurrentByteIndex(st->parser);
	node->start_tag_len = (size_t)XML_GetCurrentByteCount(st->parser);
	node->parent = st->cur;
	if (!st->cur)
		st->root = node;
	else if (st->cur->last)
		st->cur->last = st->cur->last->next = node;
	else
		st->cur->first = st->cur->last = node;
	st->cur = node;
	st->depth++;
	st->nodes++;
}

static void xml_on_end(void *data, const XML_Char *name)
{
	struct xml_parse_state *st = data;
	struct xml_node *node = st->cur;
	size_t count, start = 0;

	if (st->err || !node)
		return;
	/* An empty-element tag reports its end with no bytes of its own. */
	count = (size_t)XML_GetCurrentByteCount(st->parser);
	if (count)
		node->len = (size_t)XML_GetCurrentByteIndex(st->parser) + count - node->offset;
	else
		node->len = node->start_tag_len;
	if (node->text) {
		while (node->text_len && xml_is_space(node->text[node->text_len - 1]))
			node->text_len--;
		while (start < node->text_len && xml_is_space(node->text[start]))
			start++;
		memmove(node->text, node->text + start, node->text_len - start);
		node->text_len -= start;
		node->text[node->text_len] = '\0';
	}
	st->cur = node->parent;
	st->depth--;
}

static void xml_on_text(void *data, const XML_Char *s, int len)
{
	struct xml_parse_state *st = data;
	struct xml_node *node = st->cur;
	size_t n = (size_t)len, i;

	if (st->err || !node || len <= 0)
		return;
	/* Leading whitespace is trimmed anyway: don't store indentation. */
	if (!node->text_len) {
		for (i = 0; i < n && xml_is_space(s[i]); i++)
			;
		if (i == n)
			return;
	}
	if (node->text_len + n + 1 > node->text_cap) {
		size_t cap = node->text_cap ? node->text_cap : 64;
		char *text;

		while (cap < node->text_len + n + 1)
			cap *= 2;
		text = realloc(node->text, cap);
		if (!text) {
			xml_fail(st, ARBOR_E_OUT_OF_RAM, "out of memory");
			return;
		}
		node->text = text;
		node->text_cap = cap;
	}
	memcpy(node->text + node->text_len, s, n);
	node->text_len += n;
	node->text[node->text_len] = '\0';
}

/* Line and column (in characters, as expat counts) of byte offset in text. */
static void xml_position(const char *text, size_t offset, unsigned long *line,
			 unsigned long *column)
{
	size_t i;

	*line = *column = 1;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			++*line;
			*column = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			++*column;
		}
	}
}

static void xml_on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
			   const XML_Char *pubid, int has_internal_subset)
{
	struct xml_parse_state *st = data;
	size_t p = (size_t)XML_GetCurrentByteIndex(st->parser);

	xml_fail(st, ARBOR_E_INVALID, "DOCTYPE declarations are not allowed");
	/* expat reports the end of the declaration: point at its "<!DOCTYPE". */
	if (st->error && p < st->text_len) {
		while (p > 0 && st->text[p] != '<')
			p--;
		if (!strncmp(st->text + p, "<!DOCTYPE", 9))
			xml_position(st->text, p, &st->error->line, &st->error->column);
	}
}

static void xml_on_entity(void *data, const XML_Char *name, int is_parameter,
			  const XML_Char *value, int value_len, const XML_Char *base,
			  const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	xml_fail(data, ARBOR_E_INVALID, "entity declarations are not allowed");
}

static int xml_is_name_end(char c)
{
	return xml_is_space(c) || c == '=' || c == '>' || c == '/' || c == '\0';
}

/*
 * expat reports a duplicate attribute without its name: rescan the start
 * tag that begins at or before offset and copy the first repeated name.
 */
static void xml_find_duplicate(const char *text, size_t len, size_t offset, char *out,
			       size_t size)
{
	const char *names[64];
	size_t lens[64], count = 0, i, p = offset < len ? offset : len;

	snprintf(out, size, "?");
	while (p > 0 && text[p] != '<')
		p--;
	if (text[p] != '<')
		return;
	for (p++; p < len && !xml_is_name_end(text[p]); p++)
		;
	while (p < len) {
		size_t start;
		char quote;

		while (p < len && xml_is_space(text[p]))
			p++;
		if (p >= len || text[p] == '>' || text[p] == '/')
			return;
		for (start = p; p < len && !xml_is_name_end(text[p]); p++)
			;
		for (i = 0; i < count; i++) {
			if (lens[i] == p - start && !memcmp(names[i], text + start, p - start)) {
				snprintf(out, size, "%.*s", (int)(p - start), text + start);
				return;
			}
		}
		if (count == 64)
			return;
		names[count] = text + start;
		lens[count++] = p - start;
		while (p < len && (xml_is_space(text[p]) || text[p] == '='))
			p++;
		if (p >= len || (text[p] != '"' && text[p] != '\''))
			return;
		quote = text[p++];
		while (p < len && text[p] != quote)
			p++;
		p++;
	}
}

/* Turn an expat error into a message that names what went wrong. */
static int xml_explain(struct xml_parse_state *st)
{
	enum XML_Error code = XML_GetErrorCode(st->parser);
	unsigned long line = XML_GetCurrentLineNumber(st->parser);
	unsigned long column = XML_GetCurrentColumnNumber(st->parser) + 1;
	size_t index = (size_t)XML_GetCurrentByteIndex(st->parser);
	struct xml_node *open = st->cur;
	char name[80];

	switch (code) {
	case XML_ERROR_NO_MEMORY:
		xml_set_error(st->error, line, column, "out of memory");
		return ARBOR_E_OUT_OF_RAM;
	case XML_ERROR_NO_ELEMENTS:
	case XML_ERROR_UNCLOSED_TOKEN:
	case XML_ERROR_PARTIAL_CHAR:
		if (open)
			xml_set_error(st->error, line, column,
				      "unexpected end of file: <%.64s> opened at %lu:%lu is not closed",
				      open->type, open->line, open->column);
		else if (st->root)
			xml_set_error(st->error, line, column, "unexpected end of file");
		else
			xml_set_error(st->error, line, column,
				      "unexpected end of file: no root element");
		return ARBOR_E_INVALID;
	case XML_ERROR_TAG_MISMATCH:
		if (open) {
			size_t start = index, n = 0;

			/* expat points at the name in the offending end tag. */
			if (start + 2 <= st->text_len && !memcmp(st->text + start, "</", 2))
				start += 2;
			while (start + n < st->text_len && n < 64 &&
			       !xml_is_name_end(st->text[start + n]))
				n++;
			xml_set_error(st->error, line, column,
				      "mismatched tag: found </%.*s>, expected </%.64s> to close <%.64s> at %lu:%lu",
				      (int)n, st->text + start, open->type, open->type,
				      open->line, open->column);
			return ARBOR_E_INVALID;
		}
		break;
	case XML_ERROR_DUPLICATE_ATTRIBUTE:
		xml_find_duplicate(st->text, st->text_len, index, name, sizeof(name));
		xml_set_error(st->error, line, column, "duplicate attribute \"%s\"", name);
		return ARBOR_E_INVALID;
	case XML_ERROR_JUNK_AFTER_DOC_ELEMENT:
		xml_set_error(st->error, line, column, "garbage after the root element");
		return ARBOR_E_INVALID;
	case XML_ERROR_INVALID_TOKEN:
		if (index < st->text_len && (unsigned char)st->text[index] >= 0x80) {
			xml_set_error(st->error, line, column, "invalid UTF-8");
			return ARBOR_E_INVALID;
		}
		break;
	case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
		xml_set_error(st->error, line, column, "entity expansion limit exceeded");
		return ARBOR_E_TOO_LARGE;
	default:
		break;
	}
	xml_set_error(st->error, line, column, "%s", XML_ErrorString(code));
	return ARBOR_E_INVALID;
}

int xml_parse(const char *text, size_t len, const char *file, struct xml_node **root,
	      struct xml_error *err)
{
	struct xml_parse_state st = { .text = text, .text_len = len, .error = err };
	int status;

	*root = NULL;
	if (err) {
		memset(err, 0, sizeof(*err));
		err->file = file;
	}
	if (len > XML_MAX_DOCUMENT) {
		xml_set_error(err, 1, 1, "document is larger than %u bytes", XML_MAX_DOCUMENT);
		return ARBOR_E_TOO_LARGE;
	}
	if (!text)
		st.text = text = xml_empty;
	/* Force UTF-8: an encoding declaration must not select another decoder. */
	st.parser = XML_ParserCreate("UTF-8");
	if (!st.parser) {
		xml_set_error(err, 1, 1, "out of memory");
		return ARBOR_E_OUT_OF_RAM;
	}
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, xml_on_start, xml_on_end);
	XML_SetCharacterDataHandler(st.parser, xml_on_text);
	XML_SetStartDoctypeDeclHandler(st.parser, xml_on_doctype);
	XML_SetEntityDeclHandler(st.parser, xml_on_entity);
	XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);

	status = XML_Parse(st.parser, text, (int)len, XML_TRUE);
	if (status != XML_STATUS_OK && !st.err)
		st.err = xml_explain(&st);
	XML_ParserFree(st.parser);
	if (st.err) {
		xml_free(st.root);
		return st.err;
	}
	*root = st.root;
	return 0;
}

const char *xml_node_type(const struct xml_node *node)
{
	return node->type;
}

const char *xml_node_text(const struct xml_node *node)
{
	return node->text ? node->text : xml_empty;
}

unsigned long xml_node_line(const struct xml_node *node)
{
	return node->line;
}

unsigned long xml_node_column(const struct xml_node *node)
{
	return node->column;
}

void xml_node_source(const struct xml_node *node, size_t *offset, size_t *len)
{
	*offset = node->offset;
	*len = node->len;
}

static struct xml_node *xml_match(struct xml_node *node, const char *type)
{
	while (node && type && strcmp(node->type, type))
		node = node->next;
	return node;
}

struct xml_node *xml_first_child(const struct xml_node *node, const char *type)
{
	return node ? xml_match(node->first, type) : NULL;
}

struct xml_node *xml_next_sibling(const struct xml_node *node, const char *type)
{
	return node ? xml_match(node->next, type) : NULL;
}

size_t xml_attr_count(const struct xml_node *node)
{
	return node->attr_count;
}

int xml_attr_at(const struct xml_node *node, size_t index, const char **name,
		const char **value)
{
	*name = *value = NULL;
	if (index >= node->attr_count)
		return ARBOR_E_NOT_FOUND;
	*name = node->attrs[index].name;
	*value = node->attrs[index].value;
	return 0;
}

const char *xml_attr(const struct xml_node *node, const char *name)
{
	size_t i;

	if (!node)
		return NULL;
	for (i = 0; i < node->attr_count; i++)
		if (!strcmp(node->attrs[i].name, name))
			return node->attrs[i].value;
	return NULL;
}

int xml_attr_u64(const struct xml_node *node, const char *name, uint64_t def,
		 uint64_t *value)
{
	const char *text = xml_attr(node, name);

	*value = 0;
	if (!text) {
		*value = def;
		return 0;
	}
	return arbor_parse_size(text, value);
}

int xml_attr_bool(const struct xml_node *node, const char *name, int def, int *value)
{
	const char *text = xml_attr(node, name);

	*value = 0;
	if (!text) {
		*value = def;
		return 0;
	}
	if (!strcmp(text, "yes") || !strcmp(text, "true") || !strcmp(text, "1")) {
		*value = 1;
		return 0;
	}
	if (!strcmp(text, "no") || !strcmp(text, "false") || !strcmp(text, "0"))
		return 0;
	return ARBOR_E_INVALID;
}

static int xml_list_equal(const struct xml_node *a, const struct xml_node *b);

static int xml_node_equal(const struct xml_node *a, const struct xml_node *b)
{
	size_t i;

	if (strcmp(a->type, b->type) || a->attr_count != b->attr_count)
		return 0;
	for (i = 0; i < a->attr_count; i++)
		if (strcmp(a->attrs[i].name, b->attrs[i].name) ||
		    strcmp(a->attrs[i].value, b->attrs[i].value))
			return 0;
	return !strcmp(xml_node_text(a), xml_node_text(b)) && xml_list_equal(a->first, b->first);
}

/* Recursion is bounded by XML_MAX_DEPTH; siblings are walked iteratively. */
static int xml_list_equal(const struct xml_node *a, const struct xml_node *b)
{
	for (; a && b; a = a->next, b = b->next)
		if (!xml_node_equal(a, b))
			return 0;
	return !a && !b;
}

int xml_equal(const struct xml_node *a, const struct xml_node *b)
{
	if (!a || !b)
		return !a && !b;
	return xml_node_equal(a, b);
}
