/*
 * arbor test: a scenario with its verdict, in the form of Genode's test
 * runtimes:
 *
 *   <runtime ram="32M">
 *     <fail after_seconds="20"/>
 *     <succeed>[init -> test] step one*
 *              [init -> test] done</succeed>
 *     <fail>Error: </fail>
 *     <config> ...init's configuration... </config>
 *   </runtime>
 *
 * The lines of <succeed> must appear in the log in this order; a line
 * matching a <fail> pattern fails the test at once. Patterns match
 * anywhere in a log line; '*' stands for any text.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sandbox/xml.h>
#include "arbor.h"
#include "scenario.h"

#define PATTERNS_MAX 256
#define EXIT_TIMEOUT 124

struct verdict {
	char *succeed[PATTERNS_MAX];
	unsigned nsucceed, next;
	const char *fail[PATTERNS_MAX];
	unsigned nfail;
	const char *file;
};

/* Does the glob pattern (with '*') match text from its start? */
static int glob_at(const char *p, const char *t)
{
	for (; *p; p++, t++) {
		if (*p == '*') {
			while (p[1] == '*')
				p++;
			if (!p[1])
				return 1;
			for (; *t; t++)
				if (glob_at(p + 1, t))
					return 1;
			return 0;
		}
		if (*t != *p)
			return 0;
	}
	return 1;     /* the pattern may end inside the line */
}

static int pattern_in_line(const char *pattern, const char *line)
{
	for (const char *t = line; ; t++) {
		if (glob_at(pattern, t))
			return 1;
		if (!*t)
			return 0;
	}
}

static int judge(const char *line, void *priv)
{
	struct verdict *v = priv;

	for (unsigned i = 0; i < v->nfail; i++) {
		if (pattern_in_line(v->fail[i], line)) {
			fprintf(stderr, "arbor test: %s: failed: the line matches <fail>%s</fail>\n",
			        v->file, v->fail[i]);
			return ARBOR_EXIT_FAILURE;
		}
	}
	if (v->next < v->nsucceed && pattern_in_line(v->succeed[v->next], line))
		v->next++;
	if (v->next == v->nsucceed) {
		fprintf(stderr, "arbor test: %s: passed (%u expected lines in order)\n", v->file,
		        v->nsucceed);
		return 0;
	}
	return SCENARIO_GO_ON;
}

/* Split the text of <succeed> into its non-empty lines, trimmed. */
static int split_succeed(struct verdict *v, const char *text)
{
	while (*text) {
		const char *end = strchr(text, '\n');
		size_t n = end ? (size_t)(end - text) : strlen(text);
		while (n && (*text == ' ' || *text == '\t')) {
			text++;
			n--;
		}
		while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
			n--;
		if (n) {
			if (v->nsucceed == PATTERNS_MAX)
				return -1;
			v->succeed[v->nsucceed++] = strndup(text, n);
		}
		if (!end)
			break;
		text = end + 1;
	}
	return 0;
}

/*
 * The <config> of the runtime in a file of its own, at the same line and
 * column as in the runtime file, so that diagnostics point into the latter.
 */
static int write_config(const char *text, const struct xml_node *config, char *path)
{
	size_t off, len;
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	xml_node_source(config, &off, &len);
	for (size_t i = 0; i < off; i++)
		fputc(text[i] == '\n' ? '\n' : ' ', f);
	fwrite(text + off, 1, len, f);
	fputc('\n', f);
	return fclose(f) ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: arbor test FILE [--rom-dir DIR]... [--file-dir DIR] [-v]\n"
	        "\n"
	        "Run the test runtime FILE (<runtime> with <succeed>, <fail>, <fail after_seconds>\n"
	        "and the init <config>) and judge it. Exit status: 0 passed, 1 failed, 124 timed\n"
	        "out, 3 invalid file, 2 usage. -v copies the scenario's log to stdout.\n"
	        "--file-dir: the host files Host_file sessions may open (default: the first\n"
	        "--rom-dir, else the directory of FILE).\n");
}

int test_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "rom-dir", required_argument, NULL, 'd' },
		{ "file-dir", required_argument, NULL, 'f' },
		{ "verbose", no_argument,       NULL, 'v' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scenario sc = { .timeout_status = EXIT_TIMEOUT, .quiet = 1 };
	struct verdict v = { 0 };
	struct xml_node *root = NULL;
	const struct xml_node *config, *n;
	struct xml_error perr;
	char *text = NULL, path[] = "/tmp/arbor-test-XXXXXX", file_dir[PATH_MAX];
	size_t len;
	uint64_t after = 0;
	int opt, status = ARBOR_EXIT_INVALID;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (sc.ndirs + 1 >= SCENARIO_DIRS_MAX)
				return ARBOR_EXIT_USAGE;
			sc.dirs[sc.ndirs++] = optarg;
			break;
		case 'f': sc.file_dir = optarg; break;
		case 'v': sc.quiet = 0; break;
		case 'h': usage(stdout); return 0;
		default:  usage(stderr); return ARBOR_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return ARBOR_EXIT_USAGE;
	}
	v.file = argv[optind];
	if ((opt = arbor_read_file(v.file, &text, &len))) {
		fprintf(stderr, "arbor test: cannot read %s: %s\n", v.file, strerror(-opt));
		return ARBOR_EXIT_FAILURE;
	}
	if (xml_parse(text, len, v.file, &root, &perr)) {
		fprintf(stderr, "%s:%lu:%lu: error: %s\n", v.file, perr.line, perr.column, perr.message);
		goto out;
	}
	config = xml_first_child(root, "config");
	if (strcmp(xml_node_type(root), "runtime") || !config) {
		fprintf(stderr, "%s:%lu:%lu: error: expected <runtime> holding a <config>\n", v.file,
		        xml_node_line(root), xml_node_column(root));
		goto out;
	}
	for (n = xml_first_child(root, "succeed"); n; n = xml_next_sibling(n, "succeed"))
		if (split_succeed(&v, xml_node_text(n)))
			goto out;
	for (n = xml_first_child(root, "fail"); n; n = xml_next_sibling(n, "fail")) {
		if (xml_attr(n, "after_seconds"))
			xml_attr_u64(n, "after_seconds", 0, &after);
		else if (*xml_node_text(n) && v.nfail < PATTERNS_MAX)
			v.fail[v.nfail++] = xml_node_text(n);
	}
	if (!v.nsucceed || !after) {
		fprintf(stderr, "%s: error: a test needs a <succeed> pattern and <fail after_seconds>\n",
		        v.file);
		goto out;
	}
	sc.ram = xml_attr(root, "ram");
	/* the runtime's config is served from a temporary file: Host_file's files sit beside FILE */
	if (!sc.file_dir && !sc.ndirs && realpath(v.file, file_dir)) {
		*strrchr(file_dir, '/') = '\0';
		sc.file_dir = file_dir[0] ? file_dir : "/";
	}
	sc.timeout_s = (int)after;
	if (write_config(text, config, path)) {
		fprintf(stderr, "arbor test: cannot write %s: %s\n", path, strerror(errno));
		status = ARBOR_EXIT_FAILURE;
		goto out;
	}
	status = scenario_check(path, v.file);
	if (!status) {
		sc.config = path;
		sc.line = judge;
		sc.priv = &v;
		status = scenario_run(&sc);
		if (v.next == v.nsucceed && status == 0) {
			/* passed */
		} else if (status == EXIT_TIMEOUT) {
			fprintf(stderr, "arbor test: %s: timed out after %llu s waiting for: %s\n", v.file,
			        (unsigned long long)after, v.succeed[v.next]);
		} else if (v.next < v.nsucceed) {
			if (status != ARBOR_EXIT_FAILURE)
				fprintf(stderr, "arbor test: %s: the scenario ended (status %d) before: %s\n",
				        v.file, status, v.succeed[v.next]);
			status = ARBOR_EXIT_FAILURE;
		}
	}
	unlink(path);
out:
	for (unsigned i = 0; i < v.nsucceed; i++)
		free(v.succeed[i]);
	xml_free(root);
	free(text);
	return status;
}
