/*
 * fs_check: runs the checks its config names, one <session> after the
 * other, and logs "ok: [label] ..." or "FAILED: [label] ...", then
 * "fs_check: done, N checks, M failures" (exit value 0 or 1). Scenario
 * tests of ram_fs and fs_rom use it (test/storage/fs_*.scn.in).
 *
 *   <config>
 *     <session label="rw" writeable="yes" root="/" tx_buf_size="128K">
 *       <operations/> <handles/> <unlinked_open/> <watch/> <no_space/>
 *       <big_file size="4M"/> <read_only/> <escape secret="/b/secret"/>
 *       <write path="/a/f" content="text"/>
 *       <read path="/a/f" content="text"/>   (or expect="lookup_failed")
 *       <list path="/a" entries="f,g"/>
 *       <mkdir path="/a/d"/>  <sync/>
 *       <rom label="f" content="text" .../>  (fs_check_rom.c)
 *     </session>
 *     <session label="nobody" expect="denied"/>
 *   </config>
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include "fs_check.h"

/* ---- simple steps ---- */

static int expected_error(const struct xml_node *n, int def)
{
	const char *text = xml_attr(n, "expect");
	int err = def;

	if (text && !fs_check_error_by_name(text, &err))
		fs_check_that(0, "config:%lu: unknown expect=\"%s\"", xml_node_line(n), text);
	return err;
}

static void step_read(const struct xml_node *n)
{
	const char *path = xml_attr(n, "path"), *content = xml_attr(n, "content");
	static char buf[64 * 1024];
	int want = expected_error(n, 0);
	long got;

	if (!path)
		path = "";
	got = fs_check_read_path(fs_check.fs, path, buf, sizeof(buf) - 1);
	if (want || got < 0) {
		char what[ARBOR_FS_PATH_MAX + 16];
		snprintf(what, sizeof(what), "read %s", path);
		fs_check_result(got < 0 ? got : 0, want, what);
		return;
	}
	buf[got] = 0;
	fs_check_that(!content || !strcmp(buf, content), "read %s: '%s'%s%s", path, buf,
	              !content || !strcmp(buf, content) ? "" : ", expected ",
	              !content || !strcmp(buf, content) ? "" : content);
}

static void step_write(const struct xml_node *n)
{
	const char *path = xml_attr(n, "path"), *content = xml_attr(n, "content");
	char what[ARBOR_FS_PATH_MAX + 16];

	if (!content)
		content = "";
	snprintf(what, sizeof(what), "write %s", path ? path : "");
	fs_check_result(fs_check_write_path(fs_check.fs, path ? path : "", content,
	                                    strlen(content)),
	                expected_error(n, 0), what);
}

static void step_mkdir(const struct xml_node *n)
{
	const char *path = xml_attr(n, "path");
	char what[ARBOR_FS_PATH_MAX + 16];
	int h = fs_dir(fs_check.fs, path ? path : "", 1);

	snprintf(what, sizeof(what), "mkdir %s", path ? path : "");
	fs_check_result(h < 0 ? h : 0, expected_error(n, 0), what);
	if (h >= 0)
		fs_close(fs_check.fs, (uint32_t)h);
}

static void step_list(const struct xml_node *n)
{
	const char *path = xml_attr(n, "path"), *want = xml_attr(n, "entries");
	struct arbor_fs_dirent ent;
	char names[1024] = "";
	int dir = fs_dir(fs_check.fs, path ? path : "/", 0), r = 1;

	if (dir < 0) {
		fs_check_result(dir, 0, "list");
		return;
	}
	for (uint64_t i = 0; (r = fs_readdir(fs_check.fs, (uint32_t)dir, i, &ent)) == 1; i++) {
		size_t len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%s", len ? "," : "", ent.name);
	}
	fs_close(fs_check.fs, (uint32_t)dir);
	fs_check_that(r == 0 && (!want || !strcmp(names, want)), "list %s: %s%s%s", path, names,
	              want && strcmp(names, want) ? ", expected " : "",
	              want && strcmp(names, want) ? want : "");
}

/* ---- sessions ---- */

static void run_step(const struct xml_node *n)
{
	const char *type = xml_node_type(n);

	if (!strcmp(type, "operations"))
		fs_check_operations();
	else if (!strcmp(type, "handles"))
		fs_check_handles();
	else if (!strcmp(type, "unlinked_open"))
		fs_check_unlinked_open();
	else if (!strcmp(type, "big_file"))
		fs_check_big_file(n);
	else if (!strcmp(type, "no_space"))
		fs_check_no_space();
	else if (!strcmp(type, "read_only"))
		fs_check_read_only();
	else if (!strcmp(type, "escape"))
		fs_check_escape(n);
	else if (!strcmp(type, "watch"))
		fs_check_watch();
	else if (!strcmp(type, "rom"))
		fs_check_rom(n);
	else if (!strcmp(type, "read"))
		step_read(n);
	else if (!strcmp(type, "write"))
		step_write(n);
	else if (!strcmp(type, "mkdir"))
		step_mkdir(n);
	else if (!strcmp(type, "list"))
		step_list(n);
	else if (!strcmp(type, "sync"))
		fs_check_result(fs_sync(fs_check.fs), 0, "sync");
	else
		fs_check_that(0, "config:%lu: unknown step <%s>", xml_node_line(n), type);
}

static void run_session(const struct xml_node *s)
{
	static struct fs_connection fs;
	const char *expect = xml_attr(s, "expect");
	struct fs_args args = { 0 };
	uint64_t tx = 0;
	int writeable = 0, err;

	args.label = xml_attr(s, "label");
	args.root = xml_attr(s, "root");
	xml_attr_bool(s, "writeable", 0, &writeable);
	xml_attr_u64(s, "tx_buf_size", 0, &tx);
	args.writeable = writeable;
	args.tx_buf_size = (size_t)tx;
	fs_check.label = args.label ? args.label : "";
	fs_check.session = s;
	err = fs_connection_open(fs_check.env, &fs, &args);
	if (expect && !strcmp(expect, "denied")) {
		fs_check_result(err, ARBOR_E_DENIED, "session request");
		if (!err)
			fs_connection_close(&fs);
		return;
	}
	fs_check_result(err, 0, "session request");
	if (err)
		return;
	fs_check.fs = &fs;
	for (const struct xml_node *n = xml_first_child(s, NULL); n; n = xml_next_sibling(n, NULL))
		run_step(n);
	fs_connection_close(&fs);
	fs_check.fs = NULL;
}

void component_construct(struct arbor_env *env)
{
	static struct config_rom config;
	int err;

	fs_check.env = env;
	fs_check.label = "config";
	err = config_rom_open(&config, env, NULL, NULL);
	if (err) {
		arbor_error("fs_check: no config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	for (const struct xml_node *s = xml_first_child(config.root, "session"); s;
	     s = xml_next_sibling(s, "session"))
		run_session(s);
	arbor_log("fs_check: done, %u checks, %u failures", fs_check.checks, fs_check.failures);
	arbor_exit(env, fs_check.failures ? 1 : 0);
}
