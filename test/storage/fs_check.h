/*
 * fs_check: a File_system client that runs the checks its config names
 * against any File_system server (ram_fs, ext_fs) and fs_rom, and logs
 * "ok: [label] what" or "FAILED: [label] what" for each. The checks of
 * one kind live in one file each: fs_check_ops.c (every operation and
 * error), fs_check_policy.c (read-only sessions, roots that must not be
 * escaped), fs_check_watch.c (watches), fs_check_rom.c (fs_rom).
 */
#ifndef FS_CHECK_H
#define FS_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/env.h>
#include <file_system/fs_client.h>
#include <sandbox/xml.h>

struct fs_check {
	struct arbor_env *env;
	struct fs_connection *fs;       /* the session under test */
	const struct xml_node *session; /* its config node */
	const char *label;
	unsigned checks, failures;
};

extern struct fs_check fs_check;

/* Count and log one check. */
__attribute__((format(printf, 2, 3))) void fs_check_that(int ok, const char *fmt, ...);

/* Check that got (a result of the client library) is want; what names the call. */
void fs_check_result(long got, long want, const char *what);

/* The name of an error of session/file_system.h ("lookup failed"), or a number. */
const char *fs_check_error_name(long err);

/*
 * The error named by text ("invalid_handle", "lookup_failed", "exists",
 * "no_space", "permission_denied", "not_empty", "invalid_name",
 * "name_too_long", "out_of_handles", "denied", "ok"); 1 and *err, or 0.
 */
int fs_check_error_by_name(const char *text, int *err);

/* Helpers over a connection: the whole file at path, or a new file with content. */
long fs_check_read_path(struct fs_connection *fs, const char *path, char *buf, size_t size);
int fs_check_write_path(struct fs_connection *fs, const char *path, const void *data,
                        size_t len);

/* The check groups: each runs on fs_check.fs and fs_check.session. */
void fs_check_operations(void);
void fs_check_handles(void);
void fs_check_unlinked_open(void);
void fs_check_big_file(const struct xml_node *node);
void fs_check_no_space(void);
void fs_check_read_only(void);
void fs_check_escape(const struct xml_node *node);
void fs_check_watch(void);
void fs_check_rom(const struct xml_node *node);

#endif
