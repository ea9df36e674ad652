/*
 * arbor check: validate init configurations offline, in the stages init
 * would fail them at (parse, validate, route), and print what is wrong as
 * FILE:LINE:COL diagnostics or as JSON.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arbor/args.h>
#include <arbor/error.h>
#include <sandbox/validate.h>
#include <sandbox/xml.h>

#include "arbor.h"

struct check_options {
	struct validate_limits limits;
	int json, quiet;
	size_t printed;   /* JSON objects written so far, for the commas */
};

static void check_usage(FILE *f)
{
	fprintf(f,
		"usage: arbor check [--ram SIZE] [--caps N] [-o text|json] [-q] FILE...\n"
		"\n"
		"Check init configurations without running them: parse the XML, validate\n"
		"it against init's elements and attributes, and check its routes and quotas.\n"
		"Diagnostics go to stderr as FILE:LINE:COL: error|warning: MESSAGE. A FILE\n"
		"of - is standard input.\n"
		"\n"
		"  --ram SIZE      RAM init has to hand out (K/M/G suffixes); checks the sum\n"
		"  --caps N        capabilities init has to hand out; checks the sum\n"
		"  -o, --output F  text (default) or json: a JSON array of diagnostics on stdout\n"
		"  -q, --quiet     do not print \"FILE: ok\" for clean files\n"
		"  -h, --help      print this summary\n"
		"\n"
		"Exit status: 0 no errors (warnings allowed), 1 a file could not be read,\n"
		"2 usage error, 3 a file has errors.\n");
}

/* s as the body of a JSON string. */
static void check_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void check_print_json(struct check_options *opt, const char *file,
			     const struct validate_diag *d)
{
	printf("%s\n  {\"file\": ", opt->printed++ ? "," : "");
	check_json_string(file);
	printf(", \"line\": %lu, \"column\": %lu, \"severity\": \"%s\", \"stage\": \"%s\", "
	       "\"message\": ", d->line, d->column, validate_severity_name(d->severity),
	       validate_stage_name(d->stage));
	check_json_string(d->message);
	putchar('}');
}

static void check_print_text(const char *file, const struct validate_diag *d)
{
	if (d->line)
		fprintf(stderr, "%s:%lu:%lu: %s: %s\n", file, d->line, d->column,
			validate_severity_name(d->severity), d->message);
	else
		fprintf(stderr, "%s: %s: %s\n", file, validate_severity_name(d->severity),
			d->message);
}

/* Check one file and print its findings. Returns the file's exit status. */
static int check_file(struct check_options *opt, const char *path)
{
	const char *file = strcmp(path, "-") ? path : "<stdin>";
	struct validate_report report;
	size_t len, i;
	char *text;
	int err, status;

	err = arbor_read_file(path, &text, &len);
	if (err) {
		fprintf(stderr, "arbor check: %s: %s\n", file, strerror(-err));
		return ARBOR_EXIT_FAILURE;
	}
	validate_report_init(&report, file);
	err = validate_document(text, len, &opt->limits, &report);
	for (i = 0; i < report.count; i++) {
		if (opt->json)
			check_print_json(opt, file, &report.diags[i]);
		else
			check_print_text(file, &report.diags[i]);
	}
	if (report.dropped && !opt->json)
		fprintf(stderr, "%s: note: %zu more diagnostics not shown\n", file, report.dropped);
	if (err == ARBOR_E_OUT_OF_RAM) {
		fprintf(stderr, "arbor check: %s: %s\n", file, arbor_strerror(err));
		status = ARBOR_EXIT_FAILURE;
	} else {
		status = report.errors ? ARBOR_EXIT_INVALID : ARBOR_EXIT_OK;
	}
	if (!report.errors && !report.warnings && !opt->quiet && !opt->json)
		printf("%s: ok\n", file);
	validate_report_fini(&report);
	free(text);
	return status;
}

int check_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ram",    required_argument, NULL, 'r' },
		{ "caps",   required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet",  no_argument,       NULL, 'q' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_options opt = { { 0, 0 }, 0, 0, 0 };
	int c, status = ARBOR_EXIT_OK, failed = 0, invalid = 0;

	/* The messages below say which option; getopt's would start with argv[0], "check". */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (arbor_parse_size(optarg, &opt.limits.ram) || !opt.limits.ram) {
				fprintf(stderr, "arbor check: invalid --ram \"%s\"\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'c':
			if (arbor_parse_size(optarg, &opt.limits.caps) || !opt.limits.caps) {
				fprintf(stderr, "arbor check: invalid --caps \"%s\"\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'o':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "arbor check: unknown output format \"%s\"; "
					"expected text or json\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			opt.json = !strcmp(optarg, "json");
			break;
		case 'q':
			opt.quiet = 1;
			break;
		case 'h':
			check_usage(stdout);
			return ARBOR_EXIT_OK;
		case ':':
			fprintf(stderr, "arbor check: option \"%s\" needs an argument\n",
				argv[optind - 1]);
			check_usage(stderr);
			return ARBOR_EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "arbor check: unknown option \"-%c\"\n", optopt);
			else
				fprintf(stderr, "arbor check: unknown option \"%s\"\n",
					argv[optind - 1]);
			check_usage(stderr);
			return ARBOR_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "arbor check: no FILE given\n");
		check_usage(stderr);
		return ARBOR_EXIT_USAGE;
	}
	if (opt.json)
		putchar('[');
	for (; optind < argc; optind++) {
		int s = check_file(&opt, argv[optind]);

		failed |= s == ARBOR_EXIT_FAILURE;
		invalid |= s == ARBOR_EXIT_INVALID;
	}
	if (opt.json)
		printf("%s]\n", opt.printed ? "\n" : "");
	/* An unreadable file means the check is incomplete, which outranks what it found. */
	if (failed)
		status = ARBOR_EXIT_FAILURE;
	else if (invalid)
		status = ARBOR_EXIT_INVALID;
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "arbor check: writing to stdout: %s\n", strerror(errno));
		status = ARBOR_EXIT_FAILURE;
	}
	return status;
}
