/* What the host-side ext_fs tests share (see ext_host.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ext_host.h"

static char scratch[256];

const char *ext_host_scratch(void)
{
	if (!scratch[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(scratch, sizeof(scratch), "%s/ext_test.XXXXXX", tmp ? tmp : "/tmp");
		if (!mkdtemp(scratch)) {
			printf("Bail out! cannot make a scratch directory: %s\n", strerror(errno));
			exit(1);
		}
	}
	return scratch;
}

void ext_host_cleanup(void)
{
	if (scratch[0])
		ext_host_run("rm -rf '%s'", scratch);
}

int ext_host_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

void ext_host_require_tools(void)
{
	/* quiet: what command -v prints on stdout would break the TAP stream */
	if (ext_host_run("{ command -v mke2fs && command -v e2fsck && command -v debugfs; }"
	                 " >/dev/null") != 0) {
		printf("1..0 # SKIP e2fsprogs (mke2fs, e2fsck, debugfs) are not installed\n");
		exit(0);
	}
}

int ext_host_fsck(const char *image)
{
	int st = ext_host_run("e2fsck -fn '%s' >'%s/fsck.out' 2>&1", image, ext_host_scratch());

	/* its report as TAP diagnostics when it found something */
	if (st)
		ext_host_run("sed 's/^/# /' '%s/fsck.out'", ext_host_scratch());
	return st;
}

long ext_host_dump(const char *image, const char *fs_path, unsigned char **out)
{
	char file[512];
	FILE *f;
	long n;

	*out = NULL;
	snprintf(file, sizeof(file), "%s/dump.out", ext_host_scratch());
	unlink(file);
	if (ext_host_run("debugfs -R 'dump \"%s\" %s' '%s' >/dev/null 2>&1", fs_path, file, image))
		return -1;
	f = fopen(file, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*out = malloc(n ? (size_t)n : 1);
	if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n)
		n = -1;
	fclose(f);
	unlink(file);
	return n;
}

void ext_host_pattern(unsigned char *p, size_t n, uint32_t seed, uint64_t pos)
{
	size_t i;

	/* a function of (seed, position): any slice is reproducible on its own */
	for (i = 0; i < n; i++) {
		uint64_t x = (pos + i) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 32 | seed);

		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ull;
		p[i] = (unsigned char)(x >> 40);
	}
}

int ext_host_mount(struct ext_host_fs *m, const char *image, uint32_t dev_block, int writeable,
               size_t cache)
{
	struct mount_params p = { writeable, cache, 1, "ext_fs" };
	int err;

	memset(m, 0, sizeof(*m));
	err = ext_file_dev_open(&m->dev, image, dev_block, writeable);
	if (err)
		return err;
	err = mount_open(&m->fs, &m->dev.dev, &p);
	if (err)
		ext_file_dev_close(&m->dev);
	return err;
}

void ext_host_umount(struct ext_host_fs *m)
{
	mount_close(&m->fs);
	ext_file_dev_close(&m->dev);
}

int ext_host_resolve(struct ext_fs *x, const char *path, fs_ino *out)
{
	char name[EXT2_NAME_LEN + 1];
	fs_ino ino = backend_ops.root(x);

	while (*path) {
		size_t len;
		int err;

		while (*path == '/')
			path++;
		len = strcspn(path, "/");
		if (!len)
			break;
		if (len > EXT2_NAME_LEN)
			return -ENAMETOOLONG;
		memcpy(name, path, len);
		name[len] = 0;
		err = backend_ops.lookup(x, ino, name, &ino);
		if (err)
			return err;
		path += len;
	}
	*out = ino;
	return 0;
}
