/*
 * fs_tool: runs the actions of its config on its VFS, in order, one log
 * line each, then exits with 0 (all succeeded) or 1. The config is checked
 * as a whole first, so that a typo stops it before it changes anything.
 * See README.md for the actions and the lines they log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/util.h>
#include "fs_tool.h"

static const struct fs_tool_action actions[] = {
	{ "write",    fs_tool_write,    "path",         "content size seed append chunk" },
	{ "read",     fs_tool_read,     "path",         "offset length max chunk" },
	{ "wait",     fs_tool_wait,     "path content", "timeout_ms" },
	{ "truncate", fs_tool_truncate, "path size",    "" },
	{ "list",     fs_tool_list,     "path",         "" },
	{ "stat",     fs_tool_stat,     "path",         "" },
	{ "mkdir",    fs_tool_mkdir,    "path",         "parents" },
	{ "remove",   fs_tool_remove,   "path",         "recursive" },
	{ "move",     fs_tool_move,     "from to",      "" },
	{ "symlink",  fs_tool_symlink,  "path target",  "" },
	{ "sync",     fs_tool_sync,     "",             "" },
	{ "sleep",    fs_tool_sleep,    "ms",           "" },
};

/* The attributes that are sizes (K/M/G) and yes/no switches, in any action. */
static const char size_attrs[] = "size seed chunk max length offset timeout_ms ms";
static const char bool_attrs[] = "append parents recursive";

const struct fs_tool_action *fs_tool_action_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

int fs_tool_fail(const char *what, int err)
{
	const char *name = err < 0 ? strerrorname_np(-err) : NULL;

	arbor_error("%s: %s (%s)", what, name ? name : "error",
	            err == ARBOR_E_OBJECT_GONE ? arbor_strerror(err) : strerror(-err));
	return err;
}

/* 1 when name is one of the space-separated words of list. */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return 1;
	return 0;
}

__attribute__((format(printf, 2, 3)))
static void config_error(const struct xml_node *n, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	arbor_error("config:%lu:%lu: <%s> %s", xml_node_line(n), xml_node_column(n),
	            xml_node_type(n), why);
}

/* An action's attributes: the required ones there, none unknown, sizes and switches valid. */
static int check_action(const struct fs_tool_action *a, const struct xml_node *n)
{
	const char *name, *value;
	char required[64], *save, *r;
	uint64_t size;
	int on, bad = 0;

	snprintf(required, sizeof(required), "%s", a->required);
	for (r = strtok_r(required, " ", &save); r; r = strtok_r(NULL, " ", &save))
		if (!xml_attr(n, r)) {
			config_error(n, "needs %s=\"…\"", r);
			bad = 1;
		}
	if (xml_attr(n, "content") && xml_attr(n, "size")) {
		config_error(n, "has content and size: one or the other");
		bad = 1;
	}
	for (size_t i = 0; !xml_attr_at(n, i, &name, &value); i++) {
		if (!listed(a->required, name) && !listed(a->optional, name)) {
			config_error(n, "has no attribute %s", name);
			bad = 1;
		} else if (listed(size_attrs, name) && xml_attr_u64(n, name, 0, &size)) {
			config_error(n, "%s=\"%s\" is no number", name, value);
			bad = 1;
		} else if (listed(bool_attrs, name) && xml_attr_bool(n, name, 0, &on)) {
			config_error(n, "%s=\"%s\" is neither yes nor no", name, value);
			bad = 1;
		}
	}
	return bad;
}

/* Every node but <vfs> must be a known action with good attributes. */
static int check(const struct xml_node *config)
{
	int bad = 0;

	for (struct xml_node *n = xml_first_child(config, NULL); n; n = xml_next_sibling(n, NULL)) {
		const struct fs_tool_action *a = fs_tool_action_find(xml_node_type(n));

		if (!strcmp(xml_node_type(n), "vfs"))
			continue;
		if (!a) {
			config_error(n, "is no fs_tool action");
			bad = 1;
		} else
			bad |= check_action(a, n);
	}
	return bad ? ARBOR_E_INVALID : 0;
}

void component_construct(struct arbor_env *env)
{
	static struct arbor_rom rom;
	struct fs_tool t = { .env = env };
	struct xml_node *config = NULL;
	struct xml_error xerr;
	unsigned ran = 0, failed = 0;
	int err;

	if ((err = arbor_rom_open(env, &rom, "config", NULL))) {
		arbor_error("fs_tool: no config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	if ((err = xml_parse(rom.text, rom.len, "config", &config, &xerr))) {
		arbor_error("config:%lu:%lu: %s", xerr.line, xerr.column, xerr.message);
		arbor_exit(env, 1);
	}
	if (check(config))
		arbor_exit(env, 1);
	struct vfs_config cfg = { xml_first_child(config, "vfs"), rom.text, rom.len, "config" };
	if (!cfg.node) {
		arbor_error("config: fs_tool needs a <vfs> node");
		arbor_exit(env, 1);
	}
	if ((err = vfs_new(env, &cfg, &t.vfs))) {
		arbor_error("fs_tool: cannot build the VFS: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	for (struct xml_node *n = xml_first_child(config, NULL); n; n = xml_next_sibling(n, NULL)) {
		const struct fs_tool_action *a = fs_tool_action_find(xml_node_type(n));

		if (!a)
			continue;
		ran++;
		if (a->run(&t, n))
			failed++;
	}
	arbor_log("fs_tool: %u actions, %u failed", ran, failed);
	vfs_free(t.vfs);
	xml_free(config);
	arbor_rom_close(&rom);
	arbor_exit(env, failed ? 1 : 0);
}
