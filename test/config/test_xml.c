/*
 * Unit test of the XML node model (lib/sandbox/xml.c), TAP output: the
 * config corpora in good/ and bad-at-parse/, accessors, limits, xml_equal.
 * argv[1] is the directory holding good/ and bad-at-parse/.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/error.h>
#include <sandbox/xml.h>
#include "../unit/tap.h"
#include "corpus.h"

/* Running out of memory in the test itself is fatal. */
static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	return strcpy(xmalloc(strlen(s) + 1), s);
}

/* Every element's source span must start with "<type" and end with ">". */
static int spans_valid(const struct xml_node *node, const char *text, size_t len)
{
	const struct xml_node *child;
	size_t off, n, tlen = strlen(xml_node_type(node));

	xml_node_source(node, &off, &n);
	if (off + n > len || n < tlen + 2 || text[off] != '<' ||
	    memcmp(text + off + 1, xml_node_type(node), tlen) || text[off + n - 1] != '>')
		return 0;
	for (child = xml_first_child(node, NULL); child; child = xml_next_sibling(child, NULL))
		if (!spans_valid(child, text, len))
			return 0;
	return 1;
}

static void test_good(const char *base)
{
	char dir[4096], path[4400];
	size_t count, i, len;
	char **names;

	snprintf(dir, sizeof(dir), "%s/good", base);
	names = corpus_list(dir, &count);
	ok(count >= 3, "good/ holds %zu configs", count);
	for (i = 0; i < count; i++) {
		struct xml_node *root = NULL;
		struct xml_error e;
		char *text;
		int err;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		text = corpus_read(path, &len);
		err = text ? xml_parse(text, len, names[i], &root, &e) : -ENOENT;
		ok(err == 0 && root && !strcmp(xml_node_type(root), "config"), "good/%s parses",
		   names[i]);
		if (err)
			printf("# %s:%lu:%lu: error: %s\n", e.file, e.line, e.column, e.message);
		if (root)
			ok(spans_valid(root, text, len), "good/%s: every source span is a whole element",
			   names[i]);
		xml_free(root);
		free(text);
		free(names[i]);
	}
	free(names);
}

static void test_bad(const char *base)
{
	char dir[4096], path[4400], *expected, *line, *save = NULL;
	size_t count, i, len, entries = 0;
	char **names;
	int *seen;

	snprintf(dir, sizeof(dir), "%s/bad-at-parse", base);
	names = corpus_list(dir, &count);
	seen = calloc(count + 1, sizeof(*seen));
	ok(count >= 8, "bad-at-parse/ holds %zu configs", count);
	snprintf(path, sizeof(path), "%s/EXPECTED", dir);
	expected = corpus_read(path, &len);
	ok(expected != NULL, "bad-at-parse/EXPECTED is readable");
	if (expected)
		expected[len] = '\0';
	for (line = expected ? strtok_r(expected, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char file[256], want[256];
		unsigned long want_line, want_col;
		struct xml_node *root = (struct xml_node *)1;
		struct xml_error e;
		char *text;
		int err, n = 0;

		if (line[0] == '#' || !line[0])
			continue;
		if (sscanf(line, "%255s %lu:%lu %n", file, &want_line, &want_col, &n) != 3 || !n) {
			ok(0, "EXPECTED line is well-formed: %s", line);
			continue;
		}
		snprintf(want, sizeof(want), "%s", line + n);
		entries++;
		for (i = 0; i < count; i++)
			if (!strcmp(names[i], file))
				seen[i] = 1;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		text = corpus_read(path, &len);
		if (!text) {
			ok(0, "bad-at-parse/%s exists", file);
			continue;
		}
		err = xml_parse(text, len, file, &root, &e);
		ok(err < 0 && !root && e.file == file && e.line == want_line &&
		   e.column == want_col && strstr(e.message, want),
		   "bad-at-parse/%s fails at %lu:%lu with \"%s\"", file, want_line, want_col, want);
		printf("# %s:%lu:%lu: error: %s\n", e.file, e.line, e.column, e.message);
		free(text);
	}
	for (i = 0; i < count; i++) {
		ok(seen[i], "bad-at-parse/%s has an EXPECTED line", names[i]);
		free(names[i]);
	}
	ok(entries == count, "EXPECTED lists %zu files, the directory holds %zu", entries, count);
	free(names);
	free(seen);
	free(expected);
}

static struct xml_node *parse_str(const char *text)
{
	struct xml_node *root;
	struct xml_error e;

	if (xml_parse(text, strlen(text), "inline", &root, &e)) {
		printf("# inline:%lu:%lu: error: %s\n", e.line, e.column, e.message);
		return NULL;
	}
	return root;
}

static const char accessor_doc[] =
	"<config verbose=\"yes\">\n"
	"  <default caps=\"100\"/>\n"
	"  <start name=\"a\" ram=\"16M\" caps=\"1000\" big=\"4G\" odd=\"12X\" on=\"true\" off=\"0\""
	" maybe=\"maybe\">\n"
	"    <config><x  y='1'>some &amp; &#x263A; text</x></config>\n"
	"  </start>\n"
	"  <!-- a comment -->\n"
	"  <start name=\"b\"/>\n"
	"  <text>  leading <b/> and trailing <![CDATA[<raw>]]>  </text>\n"
	"</config>\n";

static void test_accessors(void)
{
	struct xml_node *root = parse_str(accessor_doc), *start, *b, *cfg, *x, *text;
	const char *name, *value;
	size_t off, len;
	uint64_t u;
	int v;

	ok(root != NULL, "accessor document parses");
	if (!root)
		return;
	ok(!strcmp(xml_node_type(root), "config") && xml_node_line(root) == 1 &&
	   xml_node_column(root) == 1, "root is <config> at 1:1");
	ok(!strcmp(xml_attr(root, "verbose"), "yes") && !xml_attr(root, "missing"),
	   "xml_attr finds present, NULL for absent");
	ok(!strcmp(xml_node_type(xml_first_child(root, NULL)), "default"),
	   "first child of any type");
	start = xml_first_child(root, "start");
	ok(start && !strcmp(xml_attr(start, "name"), "a") && xml_node_line(start) == 3 &&
	   xml_node_column(start) == 3, "first <start> is a at 3:3");
	b = xml_next_sibling(start, "start");
	ok(b && !strcmp(xml_attr(b, "name"), "b") && xml_node_line(b) == 7,
	   "next <start> is b on line 7, skipping the comment");
	ok(!xml_next_sibling(b, "start"), "no <start> after b");
	text = xml_next_sibling(b, NULL);
	ok(text && !strcmp(xml_node_type(text), "text") && !xml_next_sibling(text, NULL),
	   "next sibling of any type, then none");
	ok(!xml_first_child(b, NULL), "empty element has no children");
	ok(!xml_first_child(root, "nosuch"), "first child of an absent type is NULL");

	ok(xml_attr_count(start) == 8 && !xml_attr_at(start, 0, &name, &value) &&
	   !strcmp(name, "name") && !strcmp(value, "a") && !xml_attr_at(start, 7, &name, &value) &&
	   !strcmp(name, "maybe"), "attributes are kept in document order");
	is_err(xml_attr_at(start, 8, &name, &value), ARBOR_E_NOT_FOUND, "xml_attr_at past the end");
	ok(!name && !value, "xml_attr_at clears its out-parameters");

	ok(!xml_attr_u64(start, "ram", 7, &u) && u == 16u << 20, "ram=16M is 16 MiB");
	ok(!xml_attr_u64(start, "caps", 7, &u) && u == 1000, "caps=1000");
	ok(!xml_attr_u64(start, "big", 7, &u) && u == 4ull << 30, "big=4G");
	ok(!xml_attr_u64(start, "absent", 7, &u) && u == 7, "absent number gives the default");
	is_err(xml_attr_u64(start, "odd", 7, &u), ARBOR_E_INVALID, "12X is not a size");
	ok(u == 0, "invalid size clears the value");
	is_err(xml_attr_u64(start, "name", 7, &u), ARBOR_E_INVALID, "a name is not a size");

	ok(!xml_attr_bool(start, "on", 0, &v) && v == 1, "on=true");
	ok(!xml_attr_bool(start, "off", 1, &v) && v == 0, "off=0");
	ok(!xml_attr_bool(root, "verbose", 0, &v) && v == 1, "verbose=yes");
	ok(!xml_attr_bool(start, "absent", 1, &v) && v == 1, "absent bool gives the default");
	is_err(xml_attr_bool(start, "maybe", 1, &v), ARBOR_E_INVALID, "maybe is not a boolean");
	is_err(xml_attr_bool(start, "caps", 1, &v), ARBOR_E_INVALID, "1000 is not a boolean");

	cfg = xml_first_child(start, "config");
	x = cfg ? xml_first_child(cfg, "x") : NULL;
	ok(x && !strcmp(xml_node_text(x), "some & \xe2\x98\xba text") && !strcmp(xml_attr(x, "y"), "1"),
	   "text and single-quoted attribute are decoded");
	ok(!strcmp(xml_node_text(start), "") && !strcmp(xml_node_text(b), ""),
	   "indentation is not text");
	ok(!strcmp(xml_node_text(text), "leading  and trailing <raw>"),
	   "text concatenates character data and CDATA, trimmed at both ends");
	if (cfg) {
		static const char want[] = "<config><x  y='1'>some &amp; &#x263A; text</x></config>";

		xml_node_source(cfg, &off, &len);
		ok(len == strlen(want) && !memcmp(accessor_doc + off, want, len),
		   "inline <config> source span is verbatim");
	}
	xml_node_source(b, &off, &len);
	ok(len == strlen("<start name=\"b\"/>") && !memcmp(accessor_doc + off, "<start name=\"b\"/>", len),
	   "empty-element source span");
	xml_node_source(root, &off, &len);
	ok(off == 0 && len == strlen(accessor_doc) - 1, "root spans the document but the final newline");
	xml_free(root);
}

/* "<n>" nested depth times. */
static char *nested(unsigned depth, size_t *len)
{
	char *buf = xmalloc(depth * 7 + 1), *p = buf;
	unsigned i;

	for (i = 0; i < depth; i++, p += 3)
		memcpy(p, "<n>", 3);
	for (i = 0; i < depth; i++, p += 4)
		memcpy(p, "</n>", 4);
	*len = (size_t)(p - buf);
	return buf;
}

/* <r> with count - 1 empty children. */
static char *many(unsigned count, size_t *len)
{
	char *buf = xmalloc((size_t)count * 5 + 16), *p = buf;
	unsigned i;

	memcpy(p, "<r>", 3);
	for (i = 1, p += 3; i < count; i++, p += 4)
		memcpy(p, "<a/>", 4);
	memcpy(p, "</r>", 4);
	p += 4;
	*len = (size_t)(p - buf);
	return buf;
}

static char *big_attr(size_t value_len, size_t *len)
{
	char *buf = xmalloc(value_len + 16);

	memcpy(buf, "<r v=\"", 6);
	memset(buf + 6, 'x', value_len);
	memcpy(buf + 6 + value_len, "\"/>", 3);
	*len = value_len + 9;
	return buf;
}

static void expect(char *text, size_t len, int want, const char *substr, const char *what)
{
	struct xml_node *root = (struct xml_node *)1;
	struct xml_error e;
	int err = xml_parse(text, len, "gen", &root, &e);

	ok(err == want && (err ? !root && strstr(e.message, substr) != NULL : root != NULL),
	   "%s", what);
	if (err != want || (err && !strstr(e.message, substr)))
		printf("# got %d: %lu:%lu: %s\n", err, e.line, e.column, err ? e.message : "");
	if (!err)
		xml_free(root);
	free(text);
}

static const char billion_laughs[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE lolz [\n"
	" <!ENTITY lol \"lol\">\n"
	" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	"]>\n"
	"<lolz>&lol9;</lolz>\n";

static void test_limits(void)
{
	struct xml_node *root = (struct xml_node *)1;
	struct xml_error e;
	size_t len;
	char *text;

	text = nested(XML_MAX_DEPTH, &len);
	expect(text, len, 0, "", "64-deep nesting parses");
	text = nested(XML_MAX_DEPTH + 1, &len);
	expect(text, len, ARBOR_E_TOO_LARGE, "nested deeper than 64", "65-deep nesting is refused");
	text = nested(100, &len);
	expect(text, len, ARBOR_E_TOO_LARGE, "nested deeper than 64", "100-deep nesting is refused");
	text = many(XML_MAX_NODES, &len);
	expect(text, len, 0, "", "100000 elements parse");
	text = many(XML_MAX_NODES + 1, &len);
	expect(text, len, ARBOR_E_TOO_LARGE, "more than 100000 elements",
	       "100001 elements are refused");
	text = many(200000, &len);
	expect(text, len, ARBOR_E_TOO_LARGE, "more than 100000 elements",
	       "200000 elements are refused");
	text = big_attr(XML_MAX_ATTR_VALUE, &len);
	expect(text, len, 0, "", "64 KiB attribute value parses");
	text = big_attr(XML_MAX_ATTR_VALUE + 1, &len);
	expect(text, len, ARBOR_E_TOO_LARGE, "attribute \"v\" is longer than 65536",
	       "64 KiB + 1 attribute value is refused");
	text = big_attr(1u << 20, &len);
	expect(text, len, ARBOR_E_TOO_LARGE, "attribute \"v\" is longer", "1 MiB attribute is refused");
	text = xstrdup(billion_laughs);
	expect(text, strlen(billion_laughs), ARBOR_E_INVALID, "DOCTYPE declarations are not allowed",
	       "billion laughs is refused at its DOCTYPE");

	text = xmalloc(XML_MAX_DOCUMENT + 1);
	memset(text, ' ', XML_MAX_DOCUMENT + 1);
	memcpy(text, "<r/>", 4);
	expect(text, XML_MAX_DOCUMENT + 1, ARBOR_E_TOO_LARGE, "larger than", "17 MiB document is refused");

	text = xstrdup("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r v=\"caf\xe9\"/>");
	expect(text, strlen(text), ARBOR_E_INVALID, "invalid UTF-8",
	       "an encoding declaration does not switch away from UTF-8");
	text = xmalloc(8);
	memcpy(text, "<r>\0</r>", 8);
	expect(text, 8, ARBOR_E_INVALID, "", "a NUL byte is refused");
	text = xstrdup("<a><b></a>");
	expect(text, strlen(text), ARBOR_E_INVALID, "found </a>, expected </b>", "mismatched tag");
	text = xstrdup("<a x=\"1\" y=\"2\" x=\"3\"/>");
	expect(text, strlen(text), ARBOR_E_INVALID, "duplicate attribute \"x\"",
	       "duplicate attribute is named");

	is_err(xml_parse("<a", 2, "f", &root, NULL), ARBOR_E_INVALID, "err may be NULL");
	ok(root == NULL, "root is cleared on failure");
	is_err(xml_parse(NULL, 0, "f", &root, &e), ARBOR_E_INVALID, "NULL, 0 is an empty document");
	xml_free(NULL);
	ok(1, "xml_free(NULL) is harmless");
}

static int equal_docs(const char *a, const char *b)
{
	struct xml_node *ra = parse_str(a), *rb = parse_str(b);
	int eq = ra && rb && xml_equal(ra, rb);

	xml_free(ra);
	xml_free(rb);
	return eq;
}

static void test_equal(void)
{
	static const char base[] =
		"<config><start name=\"a\" ram=\"1M\"><config><x>t</x></config></start>"
		"<start name=\"b\"/></config>";
	struct xml_node *r, *a, *b;

	ok(equal_docs(base, base), "a document equals itself");
	ok(equal_docs(base,
		      "<?xml version=\"1.0\"?>\n<config>\n  <start name='a' ram=\"1M\">\n"
		      "    <!-- c --><config><x> t </x></config>\n  </start>\n"
		      "  <start name=\"b\"></start>\n</config>\n"),
	   "whitespace, comments, quoting and empty-tag form do not matter");
	ok(!equal_docs(base,
		       "<config><start ram=\"1M\" name=\"a\"><config><x>t</x></config></start>"
		       "<start name=\"b\"/></config>"),
	   "attribute order matters");
	ok(!equal_docs(base,
		       "<config><start name=\"a\" ram=\"2M\"><config><x>t</x></config></start>"
		       "<start name=\"b\"/></config>"),
	   "an attribute value matters");
	ok(!equal_docs(base,
		       "<config><start name=\"a\" ram=\"1M\"><config><x>u</x></config></start>"
		       "<start name=\"b\"/></config>"),
	   "text matters");
	ok(!equal_docs(base,
		       "<config><start name=\"a\" ram=\"1M\"><config><x>t</x><y/></config></start>"
		       "<start name=\"b\"/></config>"),
	   "an extra child matters");
	ok(!equal_docs(base,
		       "<config><start name=\"b\"/><start name=\"a\" ram=\"1M\"><config><x>t</x>"
		       "</config></start></config>"),
	   "child order matters");
	ok(!equal_docs(base, "<init><start name=\"a\" ram=\"1M\"><config><x>t</x></config></start>"
			     "<start name=\"b\"/></init>"),
	   "the type matters");
	ok(xml_equal(NULL, NULL), "NULL equals NULL");
	r = parse_str("<r><a/><a/><a x=\"1\"/></r>");
	a = r ? xml_first_child(r, NULL) : NULL;
	b = a ? xml_next_sibling(a, NULL) : NULL;
	ok(a && b && xml_equal(a, b), "equal siblings compare equal, whatever follows them");
	ok(a && !xml_equal(a, NULL) && !xml_equal(NULL, a), "a node does not equal NULL");
	xml_free(r);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : ".";

	test_good(base);
	test_bad(base);
	test_accessors();
	test_limits();
	test_equal();
	return done_testing();
}
