/*
 * ext_fs's io manager (server/ext_fs/ext_io.c) on a plain file: random
 * reads and writes of every size against a shadow copy, the write order
 * of a flush (superblock unit last, behind a sync, the unclean hook
 * first), deferred discards and read-ahead. TAP.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../unit/tap.h"
#include "ext_file_dev.h"
#include "ext_io.h"

#define DEV_BYTES (2u << 20)

static char path[256];
static unsigned char shadow[DEV_BYTES];
static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)next_rand();
}

static int file_equals_shadow(void)
{
	static unsigned char buf[DEV_BYTES];
	int fd = open(path, O_RDONLY);
	ssize_t n = pread(fd, buf, DEV_BYTES, 0);

	close(fd);
	return n == DEV_BYTES && !memcmp(buf, shadow, DEV_BYTES);
}

static void make_file(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	memset(shadow, 0, sizeof(shadow));
	if (fd < 0 || ftruncate(fd, DEV_BYTES)) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static io_channel open_channel(struct ext_file_dev *d, uint32_t dev_block, size_t cache,
                               int discard)
{
	struct ext_io_params p = { cache, discard };
	io_channel ch = NULL;

	if (ext_file_dev_open(d, path, dev_block, 1)) {
		perror(path);
		exit(1);
	}
	if (ext_io_manager->open(ext_io_attach(&d->dev, &p), IO_FLAG_RW, &ch)) {
		printf("Bail out! cannot open the channel\n");
		exit(1);
	}
	return ch;
}

/* Random requests in random channel block sizes, large ones included. */
static void random_ops(uint32_t dev_block)
{
	static unsigned char buf[DEV_BYTES];
	struct ext_file_dev d;
	io_channel ch = open_channel(&d, dev_block, 64 * 1024, 0);
	int i, bad = 0;

	for (i = 0; i < 3000 && !bad; i++) {
		int bs = (next_rand() & 1) ? 1024 : 4096;
		uint64_t blocks = DEV_BYTES / bs, block = next_rand() % blocks;
		int count = (next_rand() % 8 == 0) ? (int)(next_rand() % 200) + 1
		                                   : (int)(next_rand() % 4) + 1;
		size_t len;
		errcode_t rc;

		if (block + count > blocks)
			count = (int)(blocks - block);
		len = (size_t)count * bs;
		io_channel_set_blksize(ch, bs);
		if (next_rand() % 10 == 0 && count == 1) {
			/* a byte count, as the superblock writes use */
			len = (size_t)(next_rand() % bs) + 1;
			count = -(int)len;
		}
		if (next_rand() & 1) {
			fill_random(buf, len);
			rc = io_channel_write_blk64(ch, block, count, buf);
			if (!rc)
				memcpy(shadow + block * bs, buf, len);
		} else {
			rc = io_channel_read_blk64(ch, block, count, buf);
			if (!rc && memcmp(buf, shadow + block * bs, len))
				bad = 1;
		}
		if (rc)
			bad = 2;
		if (i % 700 == 699)
			io_channel_flush(ch);
	}
	ok(!bad, "%u-byte device: 3000 random requests read back what was written (%d)",
	   dev_block, bad);
	{
		struct ext_io_run runs[3];
		static unsigned char a[300000], b[4096], c[70000];

		runs[0] = (struct ext_io_run){ 4096 * 10 + 512, sizeof(a), a };
		runs[1] = (struct ext_io_run){ 1024 * 1024, sizeof(b), b };
		runs[2] = (struct ext_io_run){ 1536 * 1024 + 1024, sizeof(c), c };
		ok(!ext_io_read_runs(ch, runs, 3) && !memcmp(a, shadow + runs[0].offset, sizeof(a)) &&
		   !memcmp(b, shadow + runs[1].offset, sizeof(b)) &&
		   !memcmp(c, shadow + runs[2].offset, sizeof(c)),
		   "%u-byte device: runs read past the cache see its dirty units", dev_block);
	}
	ok(io_channel_read_blk64(ch, DEV_BYTES / 1024, 1, buf) != 0,
	   "%u-byte device: a read past the end fails", dev_block);
	ok(!io_channel_flush(ch) && file_equals_shadow(),
	   "%u-byte device: after a flush the file holds everything", dev_block);
	io_channel_close(ch);
	ext_file_dev_close(&d);
}

static struct {
	io_channel ch;
	struct ext_file_dev *d;
	int calls;
	size_t at;              /* the log position when it ran */
} hook;

static int unclean(void *arg)
{
	unsigned char sb[1024];

	hook.calls++;
	hook.at = hook.d->logged;
	memset(sb, 0xab, sizeof(sb));
	return ext_io_write_super(hook.ch, sb) ? -5 : 0;
}

static void write_order(void)
{
	struct ext_file_dev d;
	unsigned char buf[4096], disk[1024];
	io_channel ch;
	int fd;
	size_t i, last_write = 0, syncs_after = 0;

	make_file();
	ch = open_channel(&d, 512, 256 * 1024, 0);
	hook.ch = ch;
	hook.d = &d;
	ext_io_set_unclean_hook(ch, unclean, NULL);
	io_channel_set_blksize(ch, 1024);

	/* only the superblock changes: written alone, no hook */
	memset(buf, 0x11, sizeof(buf));
	io_channel_write_blk64(ch, 1, -1024, buf);
	d.logged = 0;
	ok(!io_channel_flush(ch) && hook.calls == 0 && d.logged == 2 && d.log[0] == 0 &&
	   d.log[1] == UINT64_MAX,
	   "a flush of the superblock alone writes it and syncs, without the unclean hook");
	memcpy(shadow + 1024, buf, 1024);

	/* more than the cache holds: write-backs happen before the flush */
	d.logged = 0;
	for (i = 0; i < 512; i++) {
		memset(buf, (int)i, 1024);
		io_channel_write_blk64(ch, 100 + i, 1, buf);
		memcpy(shadow + (100 + i) * 1024, buf, 1024);
	}
	memset(buf, 0x22, 1024);
	io_channel_write_blk64(ch, 1, -1024, buf);
	memcpy(shadow + 1024, buf, 1024);
	fd = open(path, O_RDONLY);
	ok(hook.calls == 1 && hook.at == 0 && d.logged > 2 && d.log[0] == 2 && d.log[1] == UINT64_MAX,
	   "the first device write after a flush is preceded by the unclean superblock and a sync");
	ok(pread(fd, disk, sizeof(disk), 1024) == 1024 && disk[0] == 0xab && disk[1023] == 0xab,
	   "the device holds the unclean superblock meanwhile");
	ok(!io_channel_flush(ch), "flush");
	for (i = 0; i < d.logged; i++)
		if (d.log[i] != UINT64_MAX)
			last_write = i;
	for (i = last_write + 1; i < d.logged; i++)
		syncs_after++;
	ok(hook.calls == 1 && d.log[last_write] == 0 && last_write >= 1 &&
	   d.log[last_write - 1] == UINT64_MAX && syncs_after == 1,
	   "the flush writes the superblock's unit last, between two syncs");
	ok(pread(fd, disk, sizeof(disk), 1024) == 1024 && disk[0] == 0x22 && file_equals_shadow(),
	   "after the flush the device holds the cached superblock and all the rest");
	close(fd);

	/* after a flush the next epoch calls the hook again */
	io_channel_write_blk64(ch, 1500, 1, buf);
	memcpy(shadow + 1500 * 1024, buf, 1024);
	io_channel_flush(ch);
	ok(hook.calls == 2, "the next epoch marks the image unclean again");
	io_channel_close(ch);
	ext_file_dev_close(&d);
	ok(file_equals_shadow(), "closing leaves the device as written");
}

static void discards(void)
{
	struct ext_file_dev d;
	unsigned char buf[4096];
	io_channel ch;
	int fd;

	make_file();
	memset(shadow, 0x5a, sizeof(shadow));
	fd = open(path, O_RDWR);
	if (pwrite(fd, shadow, DEV_BYTES, 0) != DEV_BYTES)
		exit(1);
	close(fd);
	ch = open_channel(&d, 4096, 256 * 1024, 1);
	io_channel_set_blksize(ch, 4096);
	ok(!io_channel_discard(ch, 100, 50) && d.trims == 0, "a discard waits for the next flush");
	memset(buf, 0x77, sizeof(buf));
	io_channel_write_blk64(ch, 120, 1, buf);
	memcpy(shadow + 120 * 4096, buf, 4096);
	memset(shadow + 100 * 4096, 0, 20 * 4096);
	memset(shadow + 121 * 4096, 0, 29 * 4096);
	ok(!io_channel_flush(ch) && d.trims == 2 && d.trimmed_blocks == 49,
	   "the flush trims the discarded blocks around one written since");
	io_channel_close(ch);
	ext_file_dev_close(&d);
	ok(file_equals_shadow(), "trimmed blocks read as zeros, the written one as written");
}

static void read_ahead(void)
{
	struct ext_file_dev d;
	unsigned char buf[1024];
	io_channel ch;
	int i, bad = 0;

	make_file();
	fill_random(shadow, DEV_BYTES);
	{
		int fd = open(path, O_RDWR);

		if (pwrite(fd, shadow, DEV_BYTES, 0) != DEV_BYTES)
			exit(1);
		close(fd);
	}
	ch = open_channel(&d, 512, 1024 * 1024, 0);
	io_channel_set_blksize(ch, 1024);
	d.reads = 0;
	for (i = 0; i < 1024; i++) {
		if (io_channel_read_blk64(ch, i, 1, buf) || memcmp(buf, shadow + i * 1024, 1024))
			bad = 1;
	}
	ok(!bad && d.reads < 40, "1024 sequential 1K reads take %lu device reads", d.reads);
	io_channel_close(ch);
	ext_file_dev_close(&d);
}

int main(void)
{
	const char *dir = getenv("TMPDIR");

	snprintf(path, sizeof(path), "%s/ext_io_test.%d", dir ? dir : "/tmp", (int)getpid());
	make_file();
	random_ops(512);
	make_file();
	random_ops(4096);
	write_order();
	discards();
	read_ahead();
	unlink(path);
	return done_testing();
}
