/*
 * bench_ext_fs_client: the client of the ext_fs benchmark (bench_ext_fs.c),
 * a component reading one file of its File_system session whole, three
 * times:
 *
 *   <config path="/file" request="4M" depth="2" buffer="8M"/>
 *
 *   1. as a consumer of the data in place: READ packets of `request` bytes,
 *      `depth` in flight, each looked at in the bulk buffer (its first and
 *      last word summed) and given back, as debugfs's dump hands its data
 *      to /dev/null; logs
 *      "bench_ext_fs_client: first <seconds> s <MiB/s> MiB/s <bytes> bytes"
 *   2. the same again, now that every buffer on the way has its pages and
 *      ext_fs its metadata, as in a process that reads files all day; logs
 *      "bench_ext_fs_client: result <seconds> s <MiB/s> MiB/s <bytes> bytes"
 *   3. with fs_read() into the component's own memory (one more copy),
 *      depth * request bytes per call; logs
 *      "bench_ext_fs_client: copied <seconds> s <MiB/s> MiB/s"
 *
 * The clock runs from opening the file to its last byte; the session's
 * set-up (and ext_fs's mount) is not counted, debugfs's start-up is on
 * the other side (a few milliseconds of a run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <file_system/fs_client.h>
#include <sandbox/xml.h>

#define DEPTH_MAX 64u

static struct arbor_env *env;
static volatile uint64_t sink;     /* what the in-place pass looked at */

static void fail(const char *what, int err)
{
	arbor_error("bench_ext_fs_client: %s: %s", what, arbor_strerror(err));
	arbor_exit(env, 1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open path's file: its handle, its directory's in *dir, its size in *size. */
static int open_file(struct fs_connection *fs, const char *path, int *dir, uint64_t *size)
{
	char parent[ARBOR_FS_PATH_MAX + 1];
	const char *name = strrchr(path, '/') + 1;
	struct arbor_fs_status st;
	int file;

	snprintf(parent, sizeof(parent), "%.*s", (int)(name - 1 - path), path);
	*dir = fs_dir(fs, parent[0] ? parent : "/", 0);
	if (*dir < 0)
		fail("the file's directory", *dir);
	file = fs_file(fs, (uint32_t)*dir, name, ARBOR_FS_READ_ONLY, 0);
	if (file < 0)
		fail("the file", file);
	if ((file = fs_status(fs, (uint32_t)file, &st) ? -1 : file) < 0)
		fail("the file's status", ARBOR_E_INVALID);
	*size = st.size;
	return file;
}

static void submit_read(struct fs_connection *fs, uint32_t file, uint64_t pos, uint64_t len)
{
	struct arbor_packet pkt;
	int err = arbor_ps_alloc(&fs->tx.source, (size_t)len, &pkt);

	if (err)
		fail("bulk space for a read", err);
	pkt.op = ARBOR_FS_PACKET_READ;
	pkt.tag = pos + 1;
	pkt.arg[0] = file;
	pkt.arg[1] = pos;
	while ((err = arbor_ps_submit(&fs->tx.source, &pkt)) == ARBOR_E_AGAIN)
		arbor_packet_session_client_wait(&fs->tx, 1000);
	if (err)
		fail("a read's submit", err);
}

/* Pass 1: READ packets kept in flight, their data used where it arrived. */
static uint64_t read_in_place(struct fs_connection *fs, uint32_t file, uint64_t size,
                              uint64_t request, unsigned depth)
{
	uint64_t next = 0, done = 0;
	unsigned in_flight = 0;

	while (done < size) {
		struct arbor_packet ack;
		int err;

		for (; in_flight < depth && next < size; in_flight++, next += request)
			submit_read(fs, file, next, size - next < request ? size - next : request);
		err = arbor_ps_get_ack(&fs->tx.source, &ack);
		if (err == ARBOR_E_AGAIN) {
			err = arbor_packet_session_client_wait(&fs->tx, 10000);
			if (err)
				fail("waiting for ext_fs", err);
			continue;
		}
		if (err)
			fail("an ack", err);
		if (ack.result <= 0 || (uint32_t)ack.result != ack.size)
			fail("a read came back short", ack.result < 0 ? ack.result : ARBOR_E_INVALID);
		{
			const uint64_t *w = arbor_ps_source_content(&fs->tx.source, &ack);

			sink += w[0] + w[ack.size / 8 - 1];
		}
		done += ack.size;
		in_flight--;
		arbor_ps_free(&fs->tx.source, &ack);
	}
	return done;
}

void component_construct(struct arbor_env *e)
{
	struct arbor_rom rom;
	struct xml_node *config = NULL;
	struct fs_args args = { .label = "" };
	struct fs_connection fs;
	char path[ARBOR_FS_PATH_MAX + 1];
	uint64_t request, depth, buffer, size, total = 0;
	unsigned char *buf;
	int dir, file, err;
	double t0, s;

	env = e;
	if ((err = arbor_rom_open(env, &rom, "config", NULL)) ||
	    (err = xml_parse(rom.text, rom.len, "config", &config, NULL)))
		fail("the config", err);
	snprintf(path, sizeof(path), "%s", xml_attr(config, "path") ? xml_attr(config, "path")
	                                                             : "/file");
	if (xml_attr_u64(config, "request", 4u << 20, &request) ||
	    xml_attr_u64(config, "depth", 2, &depth) ||
	    xml_attr_u64(config, "buffer", 8u << 20, &buffer) || !request || request % 8 ||
	    !depth || depth > DEPTH_MAX || request * depth > buffer ||
	    buffer > ARBOR_FS_TX_BUF_MAX || path[0] != '/')
		fail("path, request, depth or buffer", ARBOR_E_INVALID);
	xml_free(config);
	arbor_rom_close(&rom);
	/* page-aligned, as fio's and dd's buffers: the copies into it run at full speed */
	if (posix_memalign((void **)&buf, 4096, (size_t)(request * depth)))
		fail("the read buffer", -ENOMEM);

	args.tx_buf_size = (size_t)buffer;
	err = fs_connection_open(env, &fs, &args);
	if (err)
		fail("the File_system session", err);

	/* the first pass also pays for first touches: the buffers' pages, ext_fs's metadata */
	for (int pass = 0; pass < 2; pass++) {
		t0 = now_s();
		file = open_file(&fs, path, &dir, &size);
		total = read_in_place(&fs, (uint32_t)file, size, request, (unsigned)depth);
		s = now_s() - t0;
		arbor_log("bench_ext_fs_client: %s %.6f s %.1f MiB/s %llu bytes",
		          pass ? "result" : "first", s, (double)total / (1024.0 * 1024.0) / s,
		          (unsigned long long)total);
		fs_close(&fs, (uint32_t)file);
		fs_close(&fs, (uint32_t)dir);
	}

	t0 = now_s();
	file = open_file(&fs, path, &dir, &size);
	for (total = 0; total < size;) {
		ssize_t n = fs_read(&fs, (uint32_t)file, total, buf, (size_t)(request * depth));

		if (n <= 0)
			fail("a read", n < 0 ? (int)n : ARBOR_E_INVALID);
		total += (uint64_t)n;
	}
	s = now_s() - t0;
	arbor_log("bench_ext_fs_client: copied %.6f s %.1f MiB/s", s,
	          (double)total / (1024.0 * 1024.0) / s);
	fs_close(&fs, (uint32_t)file);
	fs_close(&fs, (uint32_t)dir);
	fs_connection_close(&fs);
	free(buf);
	arbor_exit(env, 0);
}
