/*
 * What the host-side ext_fs tests share: the host's e2fsprogs (mke2fs,
 * e2fsck, debugfs) run on image files, a scratch directory, reproducible
 * content, and the backend reached by path.
 */
#ifndef TEST_STORAGE_EXT_HOST_H
#define TEST_STORAGE_EXT_HOST_H

#include <stddef.h>
#include <stdint.h>
#include "ext_file_dev.h"
#include "ext_fs.h"

/* A private scratch directory under $TMPDIR (removed by ext_host_cleanup()). */
const char *ext_host_scratch(void);
void ext_host_cleanup(void);

/* Run a shell command (printf format); its exit status, -1 if it did not run. */
__attribute__((format(printf, 1, 2))) int ext_host_run(const char *fmt, ...);

/* 1 when every tool the tests need is installed (else print a TAP skip and exit). */
void ext_host_require_tools(void);

/* e2fsck -fn's exit status on image (0: clean); its output goes to the TAP diagnostics. */
int ext_host_fsck(const char *image);

/* The bytes of file fs_path in image as debugfs dumps them, in *out (malloc'd); -1 on failure. */
long ext_host_dump(const char *image, const char *fs_path, unsigned char **out);

/* n reproducible bytes of stream seed from position pos on. */
void ext_host_pattern(unsigned char *p, size_t n, uint32_t seed, uint64_t pos);

/* A mounted image: the device and the file system on it. */
struct ext_host_fs {
	struct ext_file_dev dev;
	struct ext_fs fs;
};

/* Mount image read-write or read-only on a device of dev_block-byte blocks; 0 or an error. */
int ext_host_mount(struct ext_host_fs *m, const char *image, uint32_t dev_block, int writeable,
               size_t cache);
void ext_host_umount(struct ext_host_fs *m);

/* Resolve an absolute path through the backend; 0 or an error. */
int ext_host_resolve(struct ext_fs *x, const char *path, fs_ino *out);

#endif
