/*
 * A bounded XML node model for init's configuration (Genode init syntax),
 * parsed with libexpat and safe against hostile input: no DTDs or entity
 * declarations, and hard limits on size, depth, node count and attribute
 * length. The tree is immutable once parsed; all strings are NUL-terminated
 * UTF-8 and owned by the tree.
 */
#ifndef SANDBOX_XML_H
#define SANDBOX_XML_H

#include <stddef.h>
#include <stdint.h>

#define XML_MAX_DOCUMENT   (16u << 20)  /* bytes in one document */
#define XML_MAX_DEPTH      64u          /* nesting of elements, the root is depth 1 */
#define XML_MAX_NODES      100000u      /* elements in one document */
#define XML_MAX_ATTR_VALUE (64u << 10)  /* bytes in one attribute value (after decoding) */

struct xml_node;

/*
 * Where and why a parse failed. Callers print
 * "FILE:LINE:COL: error: MESSAGE". line and column count from 1; 0 means
 * the position is unknown. file is borrowed from the xml_parse() caller.
 */
struct xml_error {
	const char *file;
	unsigned long line;
	unsigned long column;
	char message[192];
};

/*
 * Parse the whole document text[0..len) (UTF-8, need not be NUL-terminated)
 * into a tree and store its root element in *root (cleared on entry). file
 * names the document in error messages; it is borrowed and may be NULL.
 * err may be NULL; on failure it holds position and message. The caller owns
 * the tree and releases it with xml_free(). Text content and attribute
 * values are stored decoded (character references and the five predefined
 * entities resolved); comments and processing instructions are dropped.
 *
 * Returns 0, ARBOR_E_INVALID (not well-formed, invalid UTF-8, DOCTYPE or
 * entity declaration, duplicate attribute), ARBOR_E_TOO_LARGE (a limit
 * above was exceeded) or ARBOR_E_OUT_OF_RAM.
 */
int xml_parse(const char *text, size_t len, const char *file, struct xml_node **root,
	      struct xml_error *err);

/* Release a tree returned by xml_parse(), with every node in it. NULL is fine. */
void xml_free(struct xml_node *root);

/* The element's type (tag) name, borrowed from the tree. */
const char *xml_node_type(const struct xml_node *node);

/*
 * The character data directly inside the element (not inside its
 * children), concatenated, with leading and trailing whitespace removed;
 * "" when there is none. Borrowed from the tree.
 */
const char *xml_node_text(const struct xml_node *node);

/*
 * Position of the element's start tag ('<'), both counting from 1; the column
 * counts characters, not bytes.
 */
unsigned long xml_node_line(const struct xml_node *node);
unsigned long xml_node_column(const struct xml_node *node);

/*
 * The byte span of the element in the parsed document, from its '<' to the
 * end of its end tag (or of its empty-element tag), so that a caller can
 * hand out "<config>...</config>" verbatim from the text it parsed.
 */
void xml_node_source(const struct xml_node *node, size_t *offset, size_t *len);

/*
 * The first child element of node whose type is type, or any child when
 * type is NULL; NULL when there is none. Borrowed from the tree. The
 * lookups (first child, next sibling, attributes) accept a NULL node and
 * then find nothing, so optional elements need no special case.
 */
struct xml_node *xml_first_child(const struct xml_node *node, const char *type);

/* The next sibling after node of the given type (NULL = any), or NULL. */
struct xml_node *xml_next_sibling(const struct xml_node *node, const char *type);

/* The number of attributes of node. */
size_t xml_attr_count(const struct xml_node *node);

/*
 * The index-th attribute in document order: its name and value, borrowed
 * from the tree. Returns 0 or ARBOR_E_NOT_FOUND (index out of range; both
 * out-parameters are then NULL).
 */
int xml_attr_at(const struct xml_node *node, size_t index, const char **name,
		const char **value);

/* The value of attribute name, borrowed from the tree, or NULL if absent. */
const char *xml_attr(const struct xml_node *node, const char *name);

/*
 * A number attribute with an optional K, M or G suffix (binary units),
 * e.g. ram="16M". *value is def when the attribute is absent, 0 on error.
 * Returns 0 or ARBOR_E_INVALID (not a number, or it overflows 64 bits).
 */
int xml_attr_u64(const struct xml_node *node, const char *name, uint64_t def,
		 uint64_t *value);

/*
 * A boolean attribute: "yes", "true", "1" give 1; "no", "false", "0" give 0.
 * *value is def when the attribute is absent, 0 on error. Returns 0 or
 * ARBOR_E_INVALID (any other value).
 */
int xml_attr_bool(const struct xml_node *node, const char *name, int def, int *value);

/*
 * Deep structural equality: same type, same attributes (names and values,
 * in the same order), same text, and pairwise equal children in the same
 * order. Positions, comments and whitespace around text are ignored.
 * Returns 1 if equal, 0 otherwise; two NULLs are equal.
 */
int xml_equal(const struct xml_node *a, const struct xml_node *b);

#endif
