/*
 * What fs_check's checks and fs_hostile share: counting and logging
 * checks, names of errors, and reading or writing a file by path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "fs_check.h"

struct fs_check fs_check;

void fs_check_that(int ok, const char *fmt, ...)
{
	char what[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fs_check.checks++;
	if (ok) {
		arbor_log("ok: [%s] %s", fs_check.label, what);
	} else {
		fs_check.failures++;
		arbor_error("FAILED: [%s] %s", fs_check.label, what);
	}
}

static const struct {
	const char *name;
	const char *text;
	int err;
} errors[] = {
	{ "ok", "success", 0 },
	{ "invalid_handle", "invalid handle", ARBOR_FS_E_INVALID_HANDLE },
	{ "lookup_failed", "lookup failed", ARBOR_FS_E_LOOKUP_FAILED },
	{ "exists", "exists", ARBOR_FS_E_EXISTS },
	{ "no_space", "no space", ARBOR_FS_E_NO_SPACE },
	{ "permission_denied", "permission denied", ARBOR_FS_E_PERMISSION_DENIED },
	{ "not_empty", "not empty", ARBOR_FS_E_NOT_EMPTY },
	{ "invalid_name", "invalid name", ARBOR_FS_E_INVALID_NAME },
	{ "name_too_long", "name too long", ARBOR_FS_E_NAME_TOO_LONG },
	{ "out_of_handles", "out of handles", ARBOR_FS_E_OUT_OF_HANDLES },
	{ "unknown_opcode", "unknown opcode", ARBOR_E_UNKNOWN_OPCODE },
	{ "again", "again", ARBOR_E_AGAIN },
	{ "object_gone", "object gone", ARBOR_E_OBJECT_GONE },
};

const char *fs_check_error_name(long err)
{
	static char other[32];

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].err == err)
			return errors[i].text;
	if (err > 0)
		snprintf(other, sizeof(other), "%ld", err);
	else
		snprintf(other, sizeof(other), "error %ld", err);
	return other;
}

int fs_check_error_by_name(const char *text, int *err)
{
	if (!strcmp(text, "denied")) {
		*err = ARBOR_E_DENIED;
		return 1;
	}
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		if (!strcmp(errors[i].name, text)) {
			*err = errors[i].err;
			return 1;
		}
	}
	return 0;
}

void fs_check_result(long got, long want, const char *what)
{
	char got_text[32];

	snprintf(got_text, sizeof(got_text), "%s", fs_check_error_name(got));
	fs_check_that(got == want, "%s: %s%s%s", what, got_text, got == want ? "" : ", expected ",
	              got == want ? "" : fs_check_error_name(want));
}

/* ---- paths ---- */

/* The directory handle of path's parent and the last name (pointing into path). */
static int open_parent(struct fs_connection *fs, const char *path, const char **name)
{
	char dir[ARBOR_FS_PATH_MAX + 1];
	const char *slash = strrchr(path, '/');

	*name = NULL;
	if (!slash || (size_t)(slash - path) > ARBOR_FS_PATH_MAX)
		return ARBOR_FS_E_INVALID_NAME;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	*name = slash + 1;
	return fs_dir(fs, dir[0] ? dir : "/", 0);
}

long fs_check_read_path(struct fs_connection *fs, const char *path, char *buf, size_t size)
{
	const char *name;
	int dir = open_parent(fs, path, &name), file;
	ssize_t n;

	if (dir < 0)
		return dir;
	file = fs_file(fs, (uint32_t)dir, name, ARBOR_FS_READ_ONLY, 0);
	fs_close(fs, (uint32_t)dir);
	if (file < 0)
		return file;
	n = fs_read(fs, (uint32_t)file, 0, buf, size);
	fs_close(fs, (uint32_t)file);
	return n;
}

int fs_check_write_path(struct fs_connection *fs, const char *path, const void *data, size_t len)
{
	const char *name;
	int dir = open_parent(fs, path, &name), file, err = 0;
	ssize_t n;

	if (dir < 0)
		return dir;
	file = fs_file(fs, (uint32_t)dir, name, ARBOR_FS_WRITE_ONLY, 1);
	if (file == ARBOR_FS_E_EXISTS) {
		file = fs_file(fs, (uint32_t)dir, name, ARBOR_FS_WRITE_ONLY, 0);
		if (file >= 0)
			err = fs_truncate(fs, (uint32_t)file, 0);
	}
	fs_close(fs, (uint32_t)dir);
	if (file < 0)
		return file;
	n = err ? err : fs_write(fs, (uint32_t)file, 0, data, len);
	fs_close(fs, (uint32_t)file);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : ARBOR_FS_E_NO_SPACE;
}

