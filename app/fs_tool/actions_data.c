/* fs_tool's actions on content: <write>, <read>, <truncate>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "checksum.h"
#include "fs_tool.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* " (1.234 s, 81.0 MiB/s)" for transfers of a MiB or more, so big files show their speed. */
static void speed(char *buf, size_t size, uint64_t bytes, double seconds)
{
	buf[0] = '\0';
	if (bytes >= (1u << 20) && seconds > 0)
		snprintf(buf, size, " (%.3f s, %.1f MiB/s)", seconds,
		         (double)bytes / (1 << 20) / seconds);
}

/* A size attribute (K/M/G) into *v; logs a bad one. */
static int size_attr(const struct xml_node *n, const char *name, uint64_t def, uint64_t *v)
{
	if (!xml_attr_u64(n, name, def, v))
		return 0;
	arbor_error("config:%lu:%lu: <%s> %s=\"%s\" is no size", xml_node_line(n),
	            xml_node_column(n), xml_node_type(n), name, xml_attr(n, name));
	return ARBOR_E_INVALID;
}

static int chunk_attr(const struct xml_node *n, size_t *chunk)
{
	uint64_t v;
	int err = size_attr(n, "chunk", FS_TOOL_CHUNK_DEFAULT, &v);

	if (!err && (!v || v > FS_TOOL_CHUNK_MAX)) {
		arbor_error("config:%lu:%lu: <%s> chunk must be 1 to %u bytes", xml_node_line(n),
		            xml_node_column(n), xml_node_type(n), FS_TOOL_CHUNK_MAX);
		err = ARBOR_E_INVALID;
	}
	*chunk = (size_t)v;
	return err;
}

/* Write len bytes through h, in chunks, from text or (text NULL) the pattern. */
static int put(struct vfs_handle *h, const char *text, const struct fs_tool_pattern *pat,
               uint64_t len, size_t chunk, uint32_t *crc)
{
	uint8_t *buf = text ? NULL : malloc(chunk);
	uint64_t done = 0;

	if (!text && !buf)
		return -ENOMEM;
	while (done < len) {
		size_t n = len - done < chunk ? (size_t)(len - done) : chunk;
		const void *src = text ? (const void *)(text + done) : buf;
		ssize_t w;

		if (!text)
			fs_tool_pattern_fill(pat, buf, n, done);
		w = vfs_write(h, src, n);
		if (w <= 0) {
			free(buf);
			return w < 0 ? (int)w : -EIO;
		}
		*crc = fs_tool_crc32(*crc, src, (size_t)w);
		done += (uint64_t)w;
	}
	free(buf);
	return 0;
}

int fs_tool_write(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path"), *text = xml_attr(n, "content");
	char what[VFS_PATH_MAX + 32], rate[64];
	struct fs_tool_pattern pat;
	uint64_t size, seed;
	struct vfs_handle *h;
	size_t chunk;
	int append, err, cerr;
	uint32_t crc = 0;
	double start = now();

	snprintf(what, sizeof(what), "write %s", path);
	if (size_attr(n, "size", 0, &size) || size_attr(n, "seed", 0, &seed) ||
	    chunk_attr(n, &chunk) || xml_attr_bool(n, "append", 0, &append))
		return fs_tool_fail(what, ARBOR_E_INVALID);
	if (xml_attr(n, "size")) {
		if (text)
			return fs_tool_fail(what, ARBOR_E_INVALID);
		fs_tool_pattern_init(&pat, seed);
	} else {
		if (!text)
			text = xml_node_text(n);
		size = strlen(text);
	}
	err = vfs_open(t->vfs, path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), &h);
	if (err)
		return fs_tool_fail(what, err);
	err = put(h, text, &pat, size, chunk, &crc);
	cerr = vfs_close(h);
	if (err || cerr)
		return fs_tool_fail(what, err ? err : cerr);
	speed(rate, sizeof(rate), size, now() - start);
	arbor_log("write %s: %llu bytes, crc32 0x%08x%s", path, (unsigned long long)size, crc, rate);
	return 0;
}

/* Log the content, line by line, indented, with control bytes as \xNN. */
static void show(const uint8_t *data, size_t len)
{
	char line[3000];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];

		if (c == '\n' || n + 5 >= sizeof(line)) {
			line[n] = '\0';
			arbor_log("  %s", line);
			n = 0;
			if (c == '\n')
				continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "\\x%02x", c);
		else
			line[n++] = (char)c;
	}
	if (n) {
		line[n] = '\0';
		arbor_log("  %s", line);
	}
}

int fs_tool_read(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path");
	char what[VFS_PATH_MAX + 32], rate[64];
	uint64_t max, length, offset, total = 0;
	struct vfs_handle *h;
	uint8_t *buf, *kept = NULL;
	size_t chunk, nkept = 0;
	uint32_t crc = 0;
	double start = now();
	int err = 0;

	snprintf(what, sizeof(what), "read %s", path);
	if (size_attr(n, "max", FS_TOOL_SHOW_DEFAULT, &max) || max > FS_TOOL_CHUNK_MAX ||
	    size_attr(n, "length", UINT64_MAX, &length) || size_attr(n, "offset", 0, &offset) ||
	    chunk_attr(n, &chunk))
		return fs_tool_fail(what, ARBOR_E_INVALID);
	if ((err = vfs_open(t->vfs, path, O_RDONLY, &h)))
		return fs_tool_fail(what, err);
	buf = malloc(chunk);
	kept = malloc(max + 1);
	if (!buf || !kept)
		err = -ENOMEM;
	while (!err && total < length) {
		size_t want = length - total < chunk ? (size_t)(length - total) : chunk;
		ssize_t r = vfs_pread(h, buf, want, offset + total);

		if (r < 0)
			err = (int)r;
		if (r <= 0)
			break;
		crc = fs_tool_crc32(crc, buf, (size_t)r);
		/* keep up to max + 1 bytes: one more tells that there is too much to show */
		if (nkept <= max) {
			size_t take = (size_t)r < max + 1 - nkept ? (size_t)r : max + 1 - nkept;

			memcpy(kept + nkept, buf, take);
			nkept += take;
		}
		total += (uint64_t)r;
	}
	vfs_close(h);
	free(buf);
	if (err) {
		free(kept);
		return fs_tool_fail(what, err);
	}
	speed(rate, sizeof(rate), total, now() - start);
	arbor_log("read %s: %llu bytes, crc32 0x%08x%s", path, (unsigned long long)total, crc, rate);
	if (nkept <= max)
		show(kept, nkept);
	free(kept);
	return 0;
}

int fs_tool_truncate(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path");
	char what[VFS_PATH_MAX + 32];
	uint64_t size;
	int err;

	snprintf(what, sizeof(what), "truncate %s", path);
	if (size_attr(n, "size", 0, &size))
		return fs_tool_fail(what, ARBOR_E_INVALID);
	if ((err = vfs_truncate(t->vfs, path, size)))
		return fs_tool_fail(what, err);
	arbor_log("truncate %s: %llu bytes", path, (unsigned long long)size);
	return 0;
}

/* The content of path equals text (a short file only): 1, 0, or an error. */
static int content_is(struct fs_tool *t, const char *path, const char *text)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	struct vfs_handle *h;
	ssize_t n = 0, r = 0;
	int err;

	if (!buf)
		return -ENOMEM;
	if ((err = vfs_open(t->vfs, path, O_RDONLY, &h))) {
		free(buf);
		return err;
	}
	while ((size_t)n <= len && (r = vfs_read(h, buf + n, len + 1 - (size_t)n)) > 0)
		n += r;
	vfs_close(h);
	err = r < 0 ? (int)r : (size_t)n == len && !memcmp(buf, text, len);
	free(buf);
	return err;
}

/*
 * Poll until the file holds content (a ROM update arriving, a file another
 * component writes), reopening it every 10 ms, for at most timeout_ms.
 * A missing file counts as not there yet.
 */
int fs_tool_wait(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path"), *text = xml_attr(n, "content");
	char what[VFS_PATH_MAX + 32];
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	uint64_t timeout;
	double start = now();
	int r;

	snprintf(what, sizeof(what), "wait %s", path);
	if (size_attr(n, "timeout_ms", 10000, &timeout))
		return fs_tool_fail(what, ARBOR_E_INVALID);
	while ((r = content_is(t, path, text)) != 1) {
		if (r < 0 && r != -ENOENT)
			return fs_tool_fail(what, r);
		if ((now() - start) * 1000 > (double)timeout)
			return fs_tool_fail(what, -ETIMEDOUT);
		nanosleep(&tick, NULL);
	}
	arbor_log("wait %s: content is there", path);
	return 0;
}
