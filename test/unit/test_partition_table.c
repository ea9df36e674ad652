/*
 * part_block's partition-table parser on images built in memory: MBR
 * primaries and logical partitions, GPT with its backup, and broken or
 * hostile tables (loops, partitions beyond the device, bad CRCs, mutated
 * bytes), after which every partition reported must still fit the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/util.h>
#include "tap.h"
#include "partition_table.h"

struct image {
	uint8_t *bytes;
	uint64_t blocks;
	uint32_t block_size;
	unsigned reads, fail_at;   /* fail_at: the read number that fails (0: none) */
	unsigned warnings;
	char last_warning[256];
};

static int image_read(void *priv, uint64_t block, uint32_t count, void *dst)
{
	struct image *img = priv;

	if (++img->reads == img->fail_at)
		return -EIO;
	if (block >= img->blocks || count > img->blocks - block) {
		printf("# read beyond the device: %llu+%u\n", (unsigned long long)block, count);
		exit(1);
	}
	memcpy(dst, img->bytes + block * img->block_size, (size_t)count * img->block_size);
	return 0;
}

static void image_warn(void *priv, const char *text)
{
	struct image *img = priv;

	img->warnings++;
	snprintf(img->last_warning, sizeof(img->last_warning), "%s", text);
}

static void image_new(struct image *img, uint64_t blocks, uint32_t block_size)
{
	memset(img, 0, sizeof(*img));
	img->blocks = blocks;
	img->block_size = block_size;
	img->bytes = calloc(blocks, block_size);
}

static struct partition_device image_device(struct image *img)
{
	return (struct partition_device){ .block_count = img->blocks,
	                                  .block_size = img->block_size, .read = image_read,
	                                  .warn = image_warn, .priv = img };
}

static int parse(struct image *img, struct partition_table *t)
{
	struct partition_device dev = image_device(img);

	img->reads = 0;
	img->warnings = 0;
	return partition_table_read(&dev, t);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* An MBR-style entry in the sector at block (the MBR or an EBR). */
static void mbr_set(struct image *img, uint64_t block, unsigned slot, uint8_t type,
                    uint32_t start, uint32_t count)
{
	uint8_t *s = img->bytes + block * img->block_size;
	uint8_t *e = s + 446 + 16 * slot;

	e[4] = type;
	put32(e + 8, start);
	put32(e + 12, count);
	s[510] = 0x55;
	s[511] = 0xaa;
}

static int has(const struct partition_table *t, unsigned number, uint64_t first, uint64_t count)
{
	const struct partition *p = partition_table_find(t, number);

	return p && p->first == first && p->count == count;
}

static int all_fit(const struct partition_table *t, uint64_t blocks)
{
	for (unsigned i = 0; i < t->count; i++)
		if (t->part[i].count == 0 || t->part[i].first >= blocks ||
		    t->part[i].count > blocks - t->part[i].first)
			return 0;
	return 1;
}

/* ---- MBR ------------------------------------------------------------- */

/* Two primaries, an extended partition in slot 3 with three logicals, as sfdisk lays them out. */
static void mbr_image(struct image *img)
{
	image_new(img, 8192, 512);
	mbr_set(img, 0, 0, 0x83, 64, 1000);
	mbr_set(img, 0, 1, 0x0c, 1064, 500);
	mbr_set(img, 0, 2, 0x05, 2048, 4096);
	/* EBR 1 at 2048: logical at +16, link to +1024 (relative to the extended partition) */
	mbr_set(img, 2048, 0, 0x83, 16, 512);
	mbr_set(img, 2048, 1, 0x05, 1024, 1024);
	/* EBR 2 at 3072 */
	mbr_set(img, 3072, 0, 0x82, 16, 1000);
	mbr_set(img, 3072, 1, 0x05, 2048, 2048);
	/* EBR 3 at 4096, the last */
	mbr_set(img, 4096, 0, 0x83, 32, 2000);
}

static void test_mbr(void)
{
	struct partition_table *t = malloc(sizeof(*t));
	struct image img;
	int err;

	image_new(&img, 64, 512);
	is_err(parse(&img, t), ARBOR_E_NOT_FOUND, "a device without an MBR signature has no table");
	free(img.bytes);

	mbr_image(&img);
	ok(parse(&img, t) == 0 && t->kind == PARTITION_TABLE_MBR, "MBR recognised");
	ok(t->count == 5, "five partitions (2 primary, 3 logical): %u", t->count);
	ok(has(t, 1, 64, 1000) && has(t, 2, 1064, 500), "primaries 1 and 2 in place");
	ok(!partition_table_find(t, 3) && !partition_table_find(t, 4),
	   "the extended container and the empty slot are no partitions");
	ok(has(t, 5, 2064, 512) && has(t, 6, 3088, 1000) && has(t, 7, 4128, 2000),
	   "logicals numbered 5, 6, 7 at EBR-relative offsets");
	ok(partition_table_find(t, 6)->mbr_type == 0x82, "logical keeps its type byte");
	ok(img.warnings == 0, "no warnings on a sound table");

	/* a primary beyond the device is skipped, the rest stays */
	mbr_set(&img, 0, 3, 0x83, 8000, 500);
	ok(parse(&img, t) == 0 && !partition_table_find(t, 4) && t->count == 5 &&
	   img.warnings == 1, "a primary beyond the device is skipped with a warning");
	mbr_set(&img, 0, 3, 0x83, 0xffffffffu, 0xffffffffu);
	ok(parse(&img, t) == 0 && !partition_table_find(t, 4), "32-bit overflow does not wrap");
	mbr_set(&img, 0, 3, 0, 0, 0);

	/* an EBR chain that loops ends after PARTITION_LOGICAL_MAX EBRs */
	mbr_set(&img, 4096, 1, 0x05, 1024, 1024);
	err = parse(&img, t);
	ok(err == 0 && t->count == 2 + PARTITION_LOGICAL_MAX && all_fit(t, img.blocks) &&
	   img.warnings == 1, "a looping EBR chain ends after %u EBRs with a warning",
	   PARTITION_LOGICAL_MAX);
	/* a link outside the extended partition ends the chain */
	mbr_set(&img, 4096, 1, 0x05, 5000, 10);
	ok(parse(&img, t) == 0 && t->count == 5 && img.warnings == 1,
	   "a link leaving the extended partition ends the chain with a warning");
	mbr_set(&img, 4096, 1, 0, 0, 0);

	/* a logical that leaves its extended partition is skipped */
	mbr_set(&img, 4096, 0, 0x83, 32, 3000);
	ok(parse(&img, t) == 0 && !partition_table_find(t, 7) && t->count == 4,
	   "a logical leaving its extended partition is skipped");
	mbr_set(&img, 4096, 0, 0x83, 32, 2000);

	/* an EBR without signature ends the chain */
	img.bytes[3072 * 512 + 510] = 0;
	ok(parse(&img, t) == 0 && t->count == 3 && has(t, 5, 2064, 512),
	   "an unsigned EBR ends the chain after the logicals before it");
	img.bytes[3072 * 512 + 510] = 0x55;

	/* read errors come back */
	img.reads = 0;
	img.fail_at = 2;
	{
		struct partition_device dev = image_device(&img);
		is_err(partition_table_read(&dev, t), -EIO, "a failing read fails the parse");
		ok(t->count == 0 && t->kind == PARTITION_TABLE_NONE, "and leaves no partitions");
	}
	free(img.bytes);

	/* 4 KiB blocks: entries count 4 KiB blocks, the MBR is the first 512 bytes */
	image_new(&img, 1024, 4096);
	mbr_set(&img, 0, 0, 0x83, 8, 100);
	ok(parse(&img, t) == 0 && has(t, 1, 8, 100), "MBR on 4 KiB blocks");
	free(img.bytes);
	free(t);
}

/* ---- GPT ------------------------------------------------------------- */

#define GPT_ENTRIES 128u

static const uint8_t linux_data[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
                                        0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };

static void gpt_entry(uint8_t *array, unsigned slot, uint64_t first, uint64_t last,
                      const char *name)
{
	uint8_t *e = array + 128 * slot;

	memcpy(e, linux_data, 16);
	memset(e + 16, (int)slot + 1, 16);
	put64(e + 32, first);
	put64(e + 40, last);
	for (unsigned i = 0; name[i]; i++)
		e[56 + 2 * i] = (uint8_t)name[i];
}

static void gpt_header(struct image *img, uint64_t lba, uint64_t alternate, uint64_t entries_lba,
                       uint64_t first_usable, uint64_t last_usable, const uint8_t *array)
{
	uint8_t *h = img->bytes + lba * img->block_size;

	memset(h, 0, img->block_size);
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000u);
	put32(h + 12, 92);
	put64(h + 24, lba);
	put64(h + 32, alternate);
	put64(h + 40, first_usable);
	put64(h + 48, last_usable);
	memset(h + 56, 0x42, 16);
	put64(h + 72, entries_lba);
	put32(h + 80, GPT_ENTRIES);
	put32(h + 84, 128);
	put32(h + 88, partition_crc32(array, GPT_ENTRIES * 128));
	put32(h + 16, partition_crc32(h, 92));
}

/* Protective MBR, primary header + array at 1/2, backup array + header at the end. */
static void gpt_image(struct image *img, uint64_t blocks, uint32_t block_size)
{
	uint8_t array[GPT_ENTRIES * 128] = { 0 };
	uint64_t array_blocks = sizeof(array) / block_size;
	uint64_t last = blocks - 1, first_usable = 2 + array_blocks;
	uint64_t last_usable = last - array_blocks - 1;

	image_new(img, blocks, block_size);
	mbr_set(img, 0, 0, 0xee, 1, (uint32_t)(blocks - 1));
	gpt_entry(array, 0, first_usable, first_usable + 99, "boot");
	/* slot 1 empty: the next partition is number 3 */
	gpt_entry(array, 2, first_usable + 100, first_usable + 599, "root");
	gpt_entry(array, 3, first_usable + 600, last_usable, "");
	/* the name of slot 3 in UTF-16: 'h', U+00E4, 'm', 'e' */
	memset(array + 3 * 128 + 56, 0, 72);
	array[3 * 128 + 56] = 'h';
	array[3 * 128 + 58] = 0xe4;
	array[3 * 128 + 60] = 'm';
	array[3 * 128 + 62] = 'e';
	memcpy(img->bytes + 2 * block_size, array, sizeof(array));
	memcpy(img->bytes + (last - array_blocks) * block_size, array, sizeof(array));
	gpt_header(img, 1, last, 2, first_usable, last_usable, array);
	gpt_header(img, last, 1, last - array_blocks, first_usable, last_usable, array);
}

static void check_gpt_partitions(const struct image *img, const struct partition_table *t,
                                 const char *what)
{
	uint64_t array_blocks = GPT_ENTRIES * 128 / img->block_size;
	uint64_t first_usable = 2 + array_blocks;
	uint64_t last_usable = img->blocks - 1 - array_blocks - 1;

	ok(t->kind == PARTITION_TABLE_GPT && t->count == 3, "%s: GPT with three partitions", what);
	ok(has(t, 1, first_usable, 100) && has(t, 3, first_usable + 100, 500) &&
	   has(t, 4, first_usable + 600, last_usable - first_usable - 600 + 1),
	   "%s: numbered by slot, in place", what);
	ok(partition_table_find(t, 1) && !strcmp(partition_table_find(t, 1)->name, "boot") &&
	   partition_table_find(t, 4) && !strcmp(partition_table_find(t, 4)->name, "h\xc3\xa4me"),
	   "%s: names decoded from UTF-16", what);
}

static void test_gpt(void)
{
	struct partition_table *t = malloc(sizeof(*t));
	struct image img;
	char text[37];

	gpt_image(&img, 20480, 512);
	ok(parse(&img, t) == 0 && !t->gpt_backup && img.warnings == 0, "GPT parsed from the primary");
	check_gpt_partitions(&img, t, "primary");
	partition_guid_text(partition_table_find(t, 1)->type_guid, text);
	ok(!strcmp(text, "0fc63daf-8483-4772-8e79-3d69d8477de4"), "type GUID text: %s", text);

	/* corrupt primary header: the backup is used */
	img.bytes[512 + 40] ^= 1;
	ok(parse(&img, t) == 0 && t->gpt_backup && img.warnings == 1,
	   "a primary header with a bad CRC falls back to the backup (%s)", img.last_warning);
	check_gpt_partitions(&img, t, "backup after bad header");
	img.bytes[512 + 40] ^= 1;

	/* corrupt primary entry array: the backup is used */
	img.bytes[2 * 512 + 128 * 2 + 33] ^= 0x10;
	ok(parse(&img, t) == 0 && t->gpt_backup && strstr(img.last_warning, "entry array CRC"),
	   "a primary entry array with a bad CRC falls back to the backup");
	check_gpt_partitions(&img, t, "backup after bad array");

	/* both bad: no table */
	img.bytes[(img.blocks - 1) * 512 + 3] ^= 1;
	is_err(parse(&img, t), ARBOR_E_NOT_FOUND, "primary and backup both bad: no table");
	ok(t->count == 0, "and no partitions");
	free(img.bytes);

	/* signature wiped from the primary, backup good */
	gpt_image(&img, 20480, 512);
	memset(img.bytes + 512, 0, 512);
	ok(parse(&img, t) == 0 && t->gpt_backup, "a zeroed primary header falls back to the backup");
	free(img.bytes);

	/* an entry outside the usable range, with a correct CRC, is skipped */
	gpt_image(&img, 20480, 512);
	{
		uint8_t array[GPT_ENTRIES * 128];
		uint64_t last = img.blocks - 1;

		memcpy(array, img.bytes + 2 * 512, sizeof(array));
		gpt_entry(array, 5, 10, 19000, "wide");
		gpt_entry(array, 6, 100, 50, "backwards");
		memcpy(img.bytes + 2 * 512, array, sizeof(array));
		gpt_header(&img, 1, last, 2, 34, last - 33, array);
		ok(parse(&img, t) == 0 && t->count == 3 && !t->gpt_backup && img.warnings == 2,
		   "entries outside the usable range or backwards are skipped with warnings");
	}
	free(img.bytes);

	/* hostile headers with valid CRCs */
	gpt_image(&img, 20480, 512);
	{
		uint8_t *h = img.bytes + 512;
		struct { unsigned off; uint64_t value; int wide; const char *what; } cases[] = {
			{ 80, 0x10000000u, 0, "an enormous entry count" },
			{ 84, 7, 0, "an entry size below 128" },
			{ 84, 1u << 20, 0, "an entry size above the block" },
			{ 72, 20470, 1, "an entry array past the device" },
			{ 72, 40, 1, "an entry array inside the usable range" },
			{ 48, 20480, 1, "a usable range past the device" },
			{ 24, 5, 1, "a header naming another block" },
			{ 12, 4096, 0, "a header larger than its block" },
		};
		for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
			uint8_t saved[512];

			memcpy(saved, h, 512);
			if (cases[i].wide)
				put64(h + cases[i].off, cases[i].value);
			else
				put32(h + cases[i].off, (uint32_t)cases[i].value);
			put32(h + 16, 0);
			put32(h + 16, partition_crc32(h, 92));
			ok(parse(&img, t) == 0 && t->gpt_backup && t->count == 3,
			   "%s is refused; the backup serves", cases[i].what);
			memcpy(h, saved, 512);
		}
	}
	free(img.bytes);

	/* 4 KiB blocks: the array takes 4 blocks */
	gpt_image(&img, 4096, 4096);
	ok(parse(&img, t) == 0 && !t->gpt_backup, "GPT on 4 KiB blocks");
	check_gpt_partitions(&img, t, "4 KiB blocks");
	free(img.bytes);
	free(t);
}

/* ---- mutation: nothing read may yield a partition outside the device ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_mutations(void)
{
	struct partition_table *t = malloc(sizeof(*t));
	unsigned bad = 0, rounds = 4000;

	for (unsigned round = 0; round < rounds; round++) {
		struct image img;
		/* interesting bytes: the MBR entries, the EBRs, the GPT headers and arrays */
		static const uint64_t hot_mbr[] = { 0, 2048, 3072, 4096 };

		if (round % 2) {
			mbr_image(&img);
			for (unsigned k = 0; k < 1 + rng() % 8; k++) {
				uint64_t block = hot_mbr[rng() % ARRAY_SIZE(hot_mbr)];
				img.bytes[block * 512 + 446 + rng() % 66] = (uint8_t)rng();
			}
		} else {
			gpt_image(&img, 20480, 512);
			for (unsigned k = 0; k < 1 + rng() % 8; k++) {
				uint64_t at = rng() % 3 == 0 ? (img.blocks - 1) * 512 + rng() % 92
				            : rng() % 2 ? 512 + rng() % 92 : 2 * 512 + rng() % (128 * 8);
				img.bytes[at] = (uint8_t)rng();
			}
			/* keep some CRCs valid so that the checks behind them get hit too */
			if (rng() % 2) {
				uint8_t *h = img.bytes + 512;
				put32(h + 16, 0);
				put32(h + 16, partition_crc32(h, 92));
			}
		}
		parse(&img, t);
		if (!all_fit(t, img.blocks))
			bad++;
		free(img.bytes);
	}
	ok(bad == 0, "%u mutated tables: every partition fits the device", rounds);
	free(t);
}

int main(void)
{
	ok(partition_crc32("123456789", 9) == 0xcbf43926u, "CRC-32 check value");
	test_mbr();
	test_gpt();
	test_mutations();
	return done_testing();
}
