/*
 * arbor ps and arbor show: the running instances' trees as core publishes
 * them (core/state.c: tree.json in the instance's run directory): per
 * component its state, RAM and caps used of its quota (with a bar), and
 * its process.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sandbox/xml.h>
#include "arbor.h"

#define COMPONENTS_MAX 4096
#define BAR_WIDTH 10

struct component {
	char label[512];
	char state[16];
	long pid;
	unsigned long long ram_quota, ram_used, cap_quota, cap_used;
	long exit_code, signal;
	int has_exit, has_signal;
};

/* The value after "key": in a line of tree.json (a string unescaped, or a number). */
static int field(const char *line, const char *key, char *out, size_t size)
{
	char pattern[64];
	const char *p;
	size_t n = 0;

	snprintf(pattern, sizeof(pattern), "\"%s\": ", key);
	p = strstr(line, pattern);
	if (!p)
		return -1;
	p += strlen(pattern);
	if (*p == '"') {
		for (p++; *p && *p != '"' && n + 1 < size; p++)
			out[n++] = (*p == '\\' && p[1]) ? *++p : *p;
	} else {
		for (; *p && *p != ',' && *p != '}' && n + 1 < size; p++)
			out[n++] = *p;
	}
	out[n] = '\0';
	return 0;
}

static int read_tree(const char *path, struct component *list, unsigned *count)
{
	FILE *f = fopen(path, "r");
	char line[2048], v[512];

	*count = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && *count < COMPONENTS_MAX) {
		struct component *c = &list[*count];
		if (field(line, "label", c->label, sizeof(c->label)))
			continue;
		field(line, "state", c->state, sizeof(c->state));
		c->pid = field(line, "pid", v, sizeof(v)) ? 0 : atol(v);
		c->ram_quota = field(line, "ram_quota", v, sizeof(v)) ? 0 : strtoull(v, NULL, 10);
		c->ram_used = field(line, "ram_used", v, sizeof(v)) ? 0 : strtoull(v, NULL, 10);
		c->cap_quota = field(line, "cap_quota", v, sizeof(v)) ? 0 : strtoull(v, NULL, 10);
		c->cap_used = field(line, "cap_used", v, sizeof(v)) ? 0 : strtoull(v, NULL, 10);
		c->has_exit = !field(line, "exit_code", v, sizeof(v));
		c->exit_code = c->has_exit ? atol(v) : 0;
		c->has_signal = !field(line, "signal", v, sizeof(v));
		c->signal = c->has_signal ? atol(v) : 0;
		(*count)++;
	}
	fclose(f);
	return 0;
}

static int by_label(const void *a, const void *b)
{
	return strcmp(((const struct component *)a)->label, ((const struct component *)b)->label);
}

static void bar(char *out, unsigned long long used, unsigned long long quota)
{
	unsigned fill = quota ? (unsigned)((used * BAR_WIDTH + quota - 1) / quota) : 0;

	if (fill > BAR_WIDTH)
		fill = BAR_WIDTH;
	out[0] = '[';
	for (unsigned i = 0; i < BAR_WIDTH; i++)
		out[1 + i] = i < fill ? '#' : '.';
	out[1 + BAR_WIDTH] = ']';
	out[2 + BAR_WIDTH] = '\0';
}

static void human(char *out, size_t size, unsigned long long bytes)
{
	if (bytes >= (1ull << 30))
		snprintf(out, size, "%.1fG", bytes / (double)(1ull << 30));
	else if (bytes >= (1ull << 20))
		snprintf(out, size, "%.1fM", bytes / (double)(1ull << 20));
	else
		snprintf(out, size, "%lluK", bytes >> 10);
}

static const char *last_element(const char *label)
{
	const char *p, *last = label;

	for (p = label; (p = strstr(p, " -> ")); p += 4)
		last = p + 4;
	return last;
}

static unsigned depth(const char *label)
{
	unsigned d = 0;

	for (const char *p = label; (p = strstr(p, " -> ")); p += 4)
		d++;
	return d;
}

static void state_text(const struct component *c, char *out, size_t size)
{
	if (c->has_exit)
		snprintf(out, size, "exited %ld", c->exit_code);
	else if (c->has_signal)
		snprintf(out, size, "%s SIG%ld", c->state, c->signal);
	else
		snprintf(out, size, "%s", c->state);
}

static void print_tree(struct component *list, unsigned n)
{
	char name[128], st[32], ram_bar[16], cap_bar[16], used[16], quota[16];

	qsort(list, n, sizeof(*list), by_label);
	printf("%-32s %-12s %-30s %-24s %s\n", "COMPONENT", "STATE", "RAM used/quota", "CAPS used/quota",
	       "PID");
	for (unsigned i = 0; i < n; i++) {
		struct component *c = &list[i];
		snprintf(name, sizeof(name), "%*s%.96s", 2 * (depth(c->label) % 16), "", last_element(c->label));
		state_text(c, st, sizeof(st));
		bar(ram_bar, c->ram_used, c->ram_quota);
		bar(cap_bar, c->cap_used, c->cap_quota);
		human(used, sizeof(used), c->ram_used);
		human(quota, sizeof(quota), c->ram_quota);
		char ram[40], caps[40];
		snprintf(ram, sizeof(ram), "%s %s/%s", ram_bar, used, quota);
		snprintf(caps, sizeof(caps), "%s %llu/%llu", cap_bar, c->cap_used, c->cap_quota);
		printf("%-32s %-12s %-30s %-24s ", name, st, ram, caps);
		if (c->pid)
			printf("%ld\n", c->pid);
		else
			printf("-\n");
	}
}

/* Each live instance's tree.json, or the one of core pid `only` (0: all). */
static int instances(long only, char paths[][1024], unsigned max, unsigned *n)
{
	char base[512];
	DIR *d;
	struct dirent *e;

	*n = 0;
	arbor_run_base_dir(base, sizeof(base));
	d = opendir(base);
	if (!d)
		return 0;
	while ((e = readdir(d)) && *n < max) {
		long pid = atol(e->d_name);
		if (pid <= 0 || (only && pid != only))
			continue;
		if (kill((pid_t)pid, 0) && errno == ESRCH) {
			/* a core that was killed before it could clean up: do it now */
			char dir[1024], file[1300];
			DIR *sub;
			struct dirent *f;
			snprintf(dir, sizeof(dir), "%s/%s", base, e->d_name);
			sub = opendir(dir);
			while (sub && (f = readdir(sub))) {
				if (f->d_name[0] == '.' && (!f->d_name[1] || !strcmp(f->d_name, "..")))
					continue;
				snprintf(file, sizeof(file), "%s/%s", dir, f->d_name);
				unlink(file);
			}
			if (sub)
				closedir(sub);
			rmdir(dir);
			continue;
		}
		snprintf(paths[*n], 1024, "%s/%s/tree.json", base, e->d_name);
		if (access(paths[*n], R_OK) == 0)
			(*n)++;
	}
	closedir(d);
	return 0;
}

static void print_json_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	if (f)
		fclose(f);
}

/*
 * The sessions of the child of the root init that c is, from the state
 * report the root init publishes to core (report.<root>.state beside
 * tree.json). Returns 0 when it printed them.
 */
static int print_sessions(const char *tree_path, const struct component *c)
{
	char path[1400], root[128], *text = NULL;
	const char *arrow = strstr(c->label, " -> ");
	struct xml_node *state = NULL;
	size_t len = 0;

	if (!arrow || strstr(arrow + 4, " -> "))
		return -1;           /* only the root init's children are reported to core */
	snprintf(root, sizeof(root), "%.*s", (int)(arrow - c->label), c->label);
	snprintf(path, sizeof(path), "%.*s/report.%.127s.state",
	         (int)(strrchr(tree_path, '/') - tree_path), tree_path, root);
	if (arbor_read_file(path, &text, &len))
		return -1;
	if (xml_parse(text, len, path, &state, NULL)) {
		free(text);
		return -1;
	}
	for (const struct xml_node *ch = xml_first_child(state, "child"); ch;
	     ch = xml_next_sibling(ch, "child")) {
		const char *name = xml_attr(ch, "name");
		if (!name || strcmp(name, arrow + 4))
			continue;
		const struct xml_node *inc = xml_first_child(ch, "incomplete");
		if (inc)
			printf("waits:  %s\n", xml_attr(inc, "reason") ? xml_attr(inc, "reason") : "?");
		static const char *const kinds[] = { "requested", "provided" };
		for (unsigned k = 0; k < 2; k++) {
			const struct xml_node *list_node = xml_first_child(ch, kinds[k]);
			printf("%s:\n", k ? "provides" : "sessions");
			for (const struct xml_node *sn = xml_first_child(list_node, "session"); sn;
			     sn = xml_next_sibling(sn, "session"))
				printf("  %-8s %-10s %-40s ram %s caps %s\n", xml_attr(sn, "service"),
				       xml_attr(sn, "state"), xml_attr(sn, "label"), xml_attr(sn, "ram"),
				       xml_attr(sn, "caps"));
		}
	}
	xml_free(state);
	free(text);
	return 0;
}

static struct component list[COMPONENTS_MAX];

static int ps_or_show(int argc, char **argv, int show)
{
	static const struct option options[] = {
		{ "core", required_argument, NULL, 'c' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char paths[16][1024];
	const char *label = NULL, *format = "text";
	unsigned n, count;
	long only = 0;
	int opt, found = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'o': format = optarg; break;
		case 'c': only = atol(optarg); break;
		case 'h':
			printf(show ? "usage: arbor show LABEL [-o text|json] [--core PID]\n"
			            : "usage: arbor ps [-o text|json] [--core PID]\n");
			return 0;
		default:
			return ARBOR_EXIT_USAGE;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json"))
		return ARBOR_EXIT_USAGE;
	if (show) {
		if (optind != argc - 1) {
			fprintf(stderr, "usage: arbor show LABEL [-o text|json] [--core PID]\n");
			return ARBOR_EXIT_USAGE;
		}
		label = argv[optind];
	} else if (optind != argc) {
		return ARBOR_EXIT_USAGE;
	}
	instances(only, paths, 16, &n);
	if (!n) {
		fprintf(stderr, "arbor: no running instance (start one with arbor run)\n");
		return ARBOR_EXIT_FAILURE;
	}
	for (unsigned i = 0; i < n; i++) {
		if (read_tree(paths[i], list, &count))
			continue;
		if (!show) {
			if (!strcmp(format, "json")) {
				print_json_file(paths[i]);
				continue;
			}
			if (n > 1)
				printf("%sinstance %s\n", i ? "\n" : "", paths[i]);
			print_tree(list, count);
			continue;
		}
		for (unsigned j = 0; j < count; j++) {
			struct component *c = &list[j];
			char st[32];
			if (strcmp(c->label, label) && strcmp(last_element(c->label), label))
				continue;
			found++;
			state_text(c, st, sizeof(st));
			if (!strcmp(format, "json")) {
				printf("{\"label\": \"%s\", \"state\": \"%s\", \"pid\": %ld, \"ram_quota\": %llu, "
				       "\"ram_used\": %llu, \"cap_quota\": %llu, \"cap_used\": %llu}\n",
				       c->label, c->state, c->pid, c->ram_quota, c->ram_used, c->cap_quota,
				       c->cap_used);
				continue;
			}
			printf("label:  %s\nstate:  %s\npid:    %ld\nRAM:    %llu of %llu bytes used\n"
			       "caps:   %llu of %llu used\n", c->label, st, c->pid, c->ram_used, c->ram_quota,
			       c->cap_used, c->cap_quota);
			if (print_sessions(paths[i], c))
				printf("sessions: known for the root init's children only\n");
		}
	}
	if (show && !found) {
		fprintf(stderr, "arbor show: no component labelled \"%s\" (see arbor ps)\n", label);
		return ARBOR_EXIT_FAILURE;
	}
	return 0;
}

int ps_main(int argc, char **argv)
{
	return ps_or_show(argc, argv, 0);
}

int show_main(int argc, char **argv)
{
	return ps_or_show(argc, argv, 1);
}
