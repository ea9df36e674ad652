/*
 * Unit test of offline config validation (lib/sandbox/validate*.c), TAP
 * output: good/ passes every stage, each file of bad-at-parse/,
 * bad-at-validate/ and bad-at-route/ fails at exactly its stage with the
 * position and message its EXPECTED file states, and the API's finer
 * points on inline configs.
 * argv[1] is the directory holding the corpora.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/error.h>
#include <sandbox/validate.h>
#include "../unit/tap.h"
#include "corpus.h"

static void dump(const struct validate_report *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		printf("# %s:%lu:%lu: %s: [%s] %s\n", r->file, r->diags[i].line, r->diags[i].column,
		       validate_severity_name(r->diags[i].severity),
		       validate_stage_name(r->diags[i].stage), r->diags[i].message);
}

/* The first diagnostic of severity sev whose message holds want, or NULL. */
static const struct validate_diag *find(const struct validate_report *r,
					enum validate_severity sev, const char *want)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (r->diags[i].severity == sev && strstr(r->diags[i].message, want))
			return &r->diags[i];
	return NULL;
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
		struct validate_report r;
		char *text;
		int err;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		text = corpus_read(path, &len);
		validate_report_init(&r, names[i]);
		err = text ? validate_document(text, len, NULL, &r) : -ENOENT;
		ok(err == 0 && r.errors == 0 && r.failed == VALIDATE_STAGE_NONE,
		   "good/%s passes parse, validate and route", names[i]);
		dump(&r);
		validate_report_fini(&r);
		free(text);
		free(names[i]);
	}
	free(names);
}

/* Every file of base/sub fails in stage, at the positions and with the messages of EXPECTED. */
static void test_bad(const char *base, const char *sub, enum validate_stage stage)
{
	char dir[4096], path[4400], *expected, *line, *save = NULL;
	size_t count, i, len;
	char **names;
	int *seen;

	snprintf(dir, sizeof(dir), "%s/%s", base, sub);
	names = corpus_list(dir, &count);
	seen = calloc(count + 1, sizeof(*seen));
	ok(count >= 10, "%s/ holds %zu configs", sub, count);
	snprintf(path, sizeof(path), "%s/EXPECTED", dir);
	expected = corpus_read(path, &len);
	ok(expected != NULL, "%s/EXPECTED is readable", sub);
	for (line = expected ? strtok_r(expected, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char file[256];
		const char *want;
		const struct validate_diag *d = NULL;
		unsigned long want_line, want_col;
		struct validate_report r;
		char *text;
		int err, n = 0;

		if (line[0] == '#' || !line[0])
			continue;
		if (sscanf(line, "%255s %lu:%lu %n", file, &want_line, &want_col, &n) != 3 || !n) {
			ok(0, "EXPECTED line is well-formed: %s", line);
			continue;
		}
		want = line + n;
		for (i = 0; i < count; i++)
			if (!strcmp(names[i], file))
				seen[i] = 1;
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		text = corpus_read(path, &len);
		if (!text) {
			ok(0, "%s/%s exists", sub, file);
			continue;
		}
		validate_report_init(&r, file);
		err = validate_document(text, len, NULL, &r);
		for (i = 0; i < r.count && !d; i++)
			if (r.diags[i].severity == VALIDATE_ERROR && r.diags[i].line == want_line &&
			    r.diags[i].column == want_col && strstr(r.diags[i].message, want))
				d = &r.diags[i];
		ok(err == ARBOR_E_INVALID && r.failed == stage && d && d->stage == stage,
		   "%s/%s fails at %s, %lu:%lu, with \"%s\"", sub, file, validate_stage_name(stage),
		   want_line, want_col, want);
		if (!d || r.failed != stage)
			dump(&r);
		validate_report_fini(&r);
		free(text);
	}
	for (i = 0; i < count; i++) {
		ok(seen[i], "%s/%s has an EXPECTED line", sub, names[i]);
		free(names[i]);
	}
	free(names);
	free(seen);
	free(expected);
}

/* Validate text with limits (may be NULL) into r, which the caller releases. */
static int check(const char *text, const struct validate_limits *limits, struct validate_report *r)
{
	validate_report_init(r, "inline");
	return validate_document(text, strlen(text), limits, r);
}

#define HEAD "<config>\n" \
	"<parent-provides> <service name=\"ROM\"/> <service name=\"LOG\"/> </parent-provides>\n" \
	"<default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>\n" \
	"<default caps=\"100\" ram=\"1M\"/>\n"

static void test_quota(void)
{
	static const char two[] = HEAD "<start name=\"a\"/>\n<start name=\"b\" caps=\"200\"/>\n</config>\n";
	static const char preserve[] = HEAD "<resource name=\"RAM\" preserve=\"1M\"/>\n"
		"<resource name=\"CAP\" preserve=\"50\"/>\n<start name=\"a\"/>\n</config>\n";
	struct validate_limits lim = { 2u << 20, 1000 };
	const struct validate_diag *d;
	struct validate_report r;

	ok(check(two, NULL, &r) == 0 && !r.errors, "quotas are not summed when init's are unknown");
	validate_report_fini(&r);
	ok(check(two, &lim, &r) == ARBOR_E_INVALID && r.failed == VALIDATE_STAGE_ROUTE,
	   "2M of children and 320K preserved do not fit into 2M");
	d = find(&r, VALIDATE_ERROR,
		 "children need 2097152 bytes of RAM but init has only 1769472 (after preserving 327680)");
	ok(d && d->line == 6 && d->column == 1, "the RAM error names the sums, at the start that tips over");
	dump(&r);
	validate_report_fini(&r);
	lim.ram = 4u << 20;
	lim.caps = 300;
	ok(check(two, &lim, &r) == ARBOR_E_INVALID &&
	   find(&r, VALIDATE_ERROR, "children need 300 caps but init has only 280") && r.errors == 1,
	   "300 caps do not fit into 300 less the 20 init preserves; the RAM does");
	validate_report_fini(&r);
	lim.caps = 320;
	ok(check(two, &lim, &r) == 0 && !r.errors, "it fits with 4M and 320 caps");
	validate_report_fini(&r);
	lim.ram = 512u << 10;
	ok(check(preserve, &lim, &r) == ARBOR_E_INVALID &&
	   (d = find(&r, VALIDATE_ERROR, "RAM preservation exceeds available memory")) &&
	   d->line == 5 && d->column == 22, "preserving all of init's RAM leaves nothing, reported at preserve=");
	validate_report_fini(&r);
	lim.ram = 2u << 20;
	lim.caps = 149;
	ok(check(preserve, &lim, &r) == ARBOR_E_INVALID &&
	   find(&r, VALIDATE_ERROR, "children need 100 caps but init has only 99 (after preserving 50)") &&
	   r.errors == 1, "<resource preserve> replaces the default preservation");
	validate_report_fini(&r);
}

static void test_warnings(void)
{
	static const char ambiguous[] = HEAD
		"<start name=\"r1\"> <provides> <service name=\"Report\"/> </provides> </start>\n"
		"<start name=\"r2\"> <provides> <service name=\"Report\"/> </provides> </start>\n"
		"<start name=\"app\" ram=\"2M\"> <resource name=\"RAM\" quantum=\"2M\"/>\n"
		"  <route> <service name=\"Report\" label=\"x\" unscoped_label=\"app -> x\"> <any-child/> </service>\n"
		"  <any-service> <parent/> </any-service> </route> <route/> </start>\n"
		"</config>\n";
	const struct validate_diag *d;
	struct validate_report r;

	ok(check(ambiguous, NULL, &r) == 0 && r.errors == 0 && r.warnings == 4,
	   "warnings alone do not fail a config");
	d = find(&r, VALIDATE_WARNING, "ambiguous routes to service \"Report\"");
	ok(d && d->stage == VALIDATE_STAGE_ROUTE && d->line == 8,
	   "<any-child/> with two providers is ambiguous");
	d = find(&r, VALIDATE_WARNING, "service node contains both scoped and unscoped label attributes");
	ok(d && d->stage == VALIDATE_STAGE_SCHEMA && d->line == 8 && d->column == 44,
	   "mixing unscoped_label with label warns, at unscoped_label");
	ok(find(&r, VALIDATE_WARNING, "ambiguous RAM-quota definition") != NULL,
	   "ram= and <resource name=\"RAM\"> together warn");
	ok(find(&r, VALIDATE_WARNING, "duplicate <route> in <start>; init uses the first one") != NULL,
	   "a second <route> is ignored, with a warning");
	dump(&r);
	validate_report_fini(&r);
}

static void test_messages(void)
{
	static const char far[] = HEAD "<start name=\"a\" colour=\"red\"/>\n</config>\n";
	static const char control[] = HEAD "<start name=\"a\" ram=\"1&#10;error: forged\"/>\n</config>\n";
	static const char zero[] = HEAD "<start name=\"a\" ram=\"0\"/>\n</config>\n";
	static const char parse[] = "<config>\n  <start name=\"a\">\n</config>\n";
	static const char prio[] = "<config prio_levels=\"3\">\n"
		"<parent-provides> <service name=\"ROM\"/> </parent-provides>\n"
		"<default-route> <any-service> <parent/> </any-service> </default-route>\n"
		"<default caps=\"100\" ram=\"1M\"/>\n<start name=\"a\" priority=\"-2\"/>\n</config>\n";
	char *long_value;
	const struct validate_diag *d;
	struct validate_report r;
	size_t n = 300;

	ok(check(far, NULL, &r) == ARBOR_E_INVALID &&
	   (d = find(&r, VALIDATE_ERROR, "unknown attribute \"colour\" in <start>")) &&
	   !strstr(d->message, "did you mean"), "a name far from every known one gets no suggestion");
	validate_report_fini(&r);
	ok(check(control, NULL, &r) == ARBOR_E_INVALID &&
	   (d = find(&r, VALIDATE_ERROR, "invalid size ram=\"1\\x0aerror: forged\" in <start>")) &&
	   !strchr(d->message, '\n'), "control characters in values are shown, not obeyed");
	validate_report_fini(&r);
	long_value = malloc(n + 512);
	if (long_value) {
		snprintf(long_value, n + 512, HEAD "<start name=\"a\" ld=\"%0300d\"/>\n</config>\n", 7);
		ok(check(long_value, NULL, &r) == ARBOR_E_INVALID &&
		   (d = find(&r, VALIDATE_ERROR, "...\" in <start>")) && strlen(d->message) < 200,
		   "long values are cut short in messages");
		validate_report_fini(&r);
		free(long_value);
	}
	ok(check(zero, NULL, &r) == ARBOR_E_INVALID &&
	   (d = find(&r, VALIDATE_ERROR, "child \"a\": no valid RAM quota defined")) &&
	   d->stage == VALIDATE_STAGE_SCHEMA && d->column == 17, "ram=\"0\" is no valid RAM quota");
	validate_report_fini(&r);
	ok(check(parse, NULL, &r) == ARBOR_E_INVALID && r.failed == VALIDATE_STAGE_PARSE &&
	   r.count == 1 && r.diags[0].stage == VALIDATE_STAGE_PARSE && r.diags[0].line == 3,
	   "a parse error is one diagnostic of stage parse");
	validate_report_fini(&r);
	ok(check(prio, NULL, &r) == 0 &&
	   find(&r, VALIDATE_WARNING, "prio levels is not power of two, priorities are disabled") &&
	   find(&r, VALIDATE_WARNING, "child \"a\": invalid priority, upgrading from -2 to 0"),
	   "prio_levels that is no power of two disables priorities");
	validate_report_fini(&r);
	ok(!strcmp(validate_stage_name(VALIDATE_STAGE_SCHEMA), "validate") &&
	   !strcmp(validate_stage_name(VALIDATE_STAGE_ROUTE), "route") &&
	   !strcmp(validate_stage_name(VALIDATE_STAGE_PARSE), "parse"), "stage names");
}

/* Without the text, findings about attributes fall back to their element's position. */
static void test_without_text(void)
{
	static const char doc[] = HEAD "<start name=\"a\"   ld=\"perhaps\"/>\n</config>\n";
	struct xml_node *root;
	struct validate_report r;
	const struct validate_diag *d;

	if (xml_parse(doc, strlen(doc), "inline", &root, NULL)) {
		ok(0, "inline config parses");
		return;
	}
	validate_report_init(&r, "inline");
	ok(validate_config(root, NULL, 0, NULL, &r) == ARBOR_E_INVALID &&
	   (d = find(&r, VALIDATE_ERROR, "invalid boolean ld=\"perhaps\"")) && d->line == 5 &&
	   d->column == 1, "without the text, an attribute's finding points at its element");
	validate_report_fini(&r);
	validate_report_init(&r, "inline");
	ok(validate_config(root, doc, strlen(doc), NULL, &r) == ARBOR_E_INVALID &&
	   (d = find(&r, VALIDATE_ERROR, "invalid boolean ld=\"perhaps\"")) && d->line == 5 &&
	   d->column == 19, "with the text, it points at the attribute");
	validate_report_fini(&r);
	xml_free(root);
}

/* Many findings are counted but only VALIDATE_MAX_DIAGS kept; many children stay fast. */
static void test_bounds(void)
{
	size_t i, n = 1100, size = n * 64 + 256, off;
	struct validate_report r;
	char *doc = malloc(size);

	if (!doc) {
		ok(0, "allocate a large config");
		return;
	}
	off = (size_t)snprintf(doc, size, "%s", HEAD);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(doc + off, size - off, "<strat name=\"c%zu\"/>\n", i);
	snprintf(doc + off, size - off, "</config>\n");
	ok(check(doc, NULL, &r) == ARBOR_E_INVALID && r.errors == n &&
	   r.count == VALIDATE_MAX_DIAGS && r.dropped == n - VALIDATE_MAX_DIAGS,
	   "%zu findings: %u kept, the rest counted", n, VALIDATE_MAX_DIAGS);
	validate_report_fini(&r);
	free(doc);
	size = n * 160 + 256;
	doc = malloc(size);
	if (!doc)
		return;
	off = (size_t)snprintf(doc, size, "%s", HEAD);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(doc + off, size - off,
					"<start name=\"c%zu\"><provides><service name=\"X\"/></provides>"
					"<route><service name=\"X\"><child name=\"c%zu\"/></service>"
					"</route></start>\n", i, (i + 1) % n);
	snprintf(doc + off, size - off, "</config>\n");
	ok(check(doc, NULL, &r) == 0 && r.errors == 0, "%zu children routing to each other check clean", n);
	validate_report_fini(&r);
	free(doc);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("Bail out! usage: test_validate CORPUS_DIR\n");
		return 1;
	}
	test_good(argv[1]);
	test_bad(argv[1], "bad-at-parse", VALIDATE_STAGE_PARSE);
	test_bad(argv[1], "bad-at-validate", VALIDATE_STAGE_SCHEMA);
	test_bad(argv[1], "bad-at-route", VALIDATE_STAGE_ROUTE);
	test_quota();
	test_warnings();
	test_messages();
	test_without_text();
	test_bounds();
	return done_testing();
}
