/*
 * The GUID partition table (UEFI 2.x, chapter 5.3): a header at block 1
 * and its backup at the last block, each naming an entry array; both are
 * guarded by CRC32. The primary is used when its header and array check
 * out, else the backup; each entry of a non-zero type GUID is a partition
 * numbered by its slot (index + 1), as Linux numbers them.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "partition_table.h"

#define GPT_SIGNATURE        "EFI PART"
#define GPT_REVISION_1       0x00010000u
#define GPT_HEADER_SIZE_MIN  92u
#define GPT_ENTRY_SIZE_MIN   128u

/* Header fields, by byte offset. */
#define GPT_H_REVISION       8
#define GPT_H_SIZE           12
#define GPT_H_CRC            16
#define GPT_H_MY_LBA         24
#define GPT_H_ALTERNATE_LBA  32
#define GPT_H_FIRST_USABLE   40
#define GPT_H_LAST_USABLE    48
#define GPT_H_ENTRIES_LBA    72
#define GPT_H_ENTRIES_COUNT  80
#define GPT_H_ENTRY_SIZE     84
#define GPT_H_ENTRIES_CRC    88

/* Entry fields. */
#define GPT_E_TYPE           0
#define GPT_E_GUID           16
#define GPT_E_FIRST          32
#define GPT_E_LAST           40
#define GPT_E_NAME           56
#define GPT_E_NAME_UNITS     36

/* What a header says, once checked. */
struct gpt_header {
	uint64_t my_lba, alternate_lba, first_usable, last_usable, entries_lba;
	uint32_t entries, entry_size, entries_crc;
};

/*
 * Check the header in block (read from lba): signature, revision, size,
 * CRC, that it names lba as its own, a usable range and an entry array
 * inside the device and outside the usable range. Returns 0 or a reason.
 */
static const char *gpt_header_check(const struct partition_device *dev, uint8_t *block,
                                    uint64_t lba, struct gpt_header *h)
{
	uint32_t size = partition_le32(block + GPT_H_SIZE);
	uint32_t crc = partition_le32(block + GPT_H_CRC);
	uint64_t array_bytes, array_blocks;

	if (memcmp(block, GPT_SIGNATURE, 8))
		return "no signature";
	if (partition_le32(block + GPT_H_REVISION) != GPT_REVISION_1)
		return "unknown revision";
	if (size < GPT_HEADER_SIZE_MIN || size > dev->block_size)
		return "bad header size";
	/* the CRC covers the header with its own CRC field zeroed */
	memset(block + GPT_H_CRC, 0, 4);
	if (partition_crc32(block, size) != crc)
		return "header CRC mismatch";
	h->my_lba = partition_le64(block + GPT_H_MY_LBA);
	h->alternate_lba = partition_le64(block + GPT_H_ALTERNATE_LBA);
	h->first_usable = partition_le64(block + GPT_H_FIRST_USABLE);
	h->last_usable = partition_le64(block + GPT_H_LAST_USABLE);
	h->entries_lba = partition_le64(block + GPT_H_ENTRIES_LBA);
	h->entries = partition_le32(block + GPT_H_ENTRIES_COUNT);
	h->entry_size = partition_le32(block + GPT_H_ENTRY_SIZE);
	h->entries_crc = partition_le32(block + GPT_H_ENTRIES_CRC);
	if (h->my_lba != lba)
		return "header names another block as its own";
	if (h->first_usable > h->last_usable || h->last_usable >= dev->block_count)
		return "usable range outside the device";
	if (h->entry_size < GPT_ENTRY_SIZE_MIN || h->entry_size % 8 ||
	    h->entry_size > dev->block_size)
		return "bad entry size";
	array_bytes = (uint64_t)h->entries * h->entry_size;
	if (h->entries == 0 || array_bytes > PARTITION_GPT_ARRAY_MAX)
		return "bad number of entries";
	array_blocks = (array_bytes + dev->block_size - 1) / dev->block_size;
	if (h->entries_lba < 1 || h->entries_lba >= dev->block_count ||
	    array_blocks > dev->block_count - h->entries_lba)
		return "entry array outside the device";
	if (h->entries_lba <= h->last_usable && h->entries_lba + array_blocks > h->first_usable)
		return "entry array overlaps the usable range";
	if (lba >= h->first_usable && lba <= h->last_usable)
		return "header inside the usable range";
	return NULL;
}

/* Read the header at lba and its entry array into *array (malloc'ed). Returns 0 or a reason. */
static const char *gpt_load(const struct partition_device *dev, uint64_t lba,
                            struct gpt_header *h, uint8_t **array, int *err)
{
	uint8_t *block = malloc(dev->block_size);
	const char *why = NULL;
	uint64_t blocks;

	*array = NULL;
	*err = 0;
	if (!block) {
		*err = -ENOMEM;
		return "out of memory";
	}
	*err = dev->read(dev->priv, lba, 1, block);
	if (*err)
		why = "cannot read the header";
	if (!why)
		why = gpt_header_check(dev, block, lba, h);
	free(block);
	if (why)
		return why;
	blocks = ((uint64_t)h->entries * h->entry_size + dev->block_size - 1) / dev->block_size;
	*array = malloc(blocks * dev->block_size);
	if (!*array) {
		*err = -ENOMEM;
		return "out of memory";
	}
	*err = dev->read(dev->priv, h->entries_lba, (uint32_t)blocks, *array);
	if (*err)
		why = "cannot read the entry array";
	else if (partition_crc32(*array, (size_t)h->entries * h->entry_size) != h->entries_crc)
		why = "entry array CRC mismatch";
	if (why) {
		free(*array);
		*array = NULL;
	}
	return why;
}

/* UTF-16LE (no surrogate pairs beyond the BMP needed for names) to UTF-8, NUL-terminated. */
static void gpt_name(const uint8_t *utf16, char *out)
{
	size_t o = 0;

	for (unsigned i = 0; i < GPT_E_NAME_UNITS; i++) {
		uint16_t c = partition_le16(utf16 + 2 * i);

		if (c == 0)
			break;
		if (c >= 0xd800 && c <= 0xdfff)
			c = '?';   /* a half of a surrogate pair: not worth decoding for a label */
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
}

static int gpt_entries(const struct partition_device *dev, const struct gpt_header *h,
                       const uint8_t *array, struct partition_table *table)
{
	static const uint8_t unused[16];
	int err = 0;

	for (uint32_t i = 0; i < h->entries && !err; i++) {
		const uint8_t *e = array + (size_t)i * h->entry_size;
		uint64_t first = partition_le64(e + GPT_E_FIRST);
		uint64_t last = partition_le64(e + GPT_E_LAST);
		struct partition p = { .number = i + 1 };

		if (!memcmp(e + GPT_E_TYPE, unused, 16))
			continue;
		if (first > last || first < h->first_usable || last > h->last_usable) {
			partition_warn(dev, "GPT entry %u (blocks %llu..%llu) lies outside the usable "
			               "range: skipped", i + 1, (unsigned long long)first,
			               (unsigned long long)last);
			continue;
		}
		if (table->count == PARTITION_MAX) {
			partition_warn(dev, "more than %u GPT partitions: the rest ignored",
			               PARTITION_MAX);
			break;
		}
		p.first = first;
		p.count = last - first + 1;
		memcpy(p.type_guid, e + GPT_E_TYPE, 16);
		memcpy(p.guid, e + GPT_E_GUID, 16);
		gpt_name(e + GPT_E_NAME, p.name);
		err = partition_table_add(dev, table, &p);
	}
	return err;
}

int partition_gpt_parse(const struct partition_device *dev, struct partition_table *table)
{
	struct gpt_header h;
	uint8_t *array;
	const char *why;
	uint64_t backup = dev->block_count - 1;
	int err;

	if (dev->block_count < 3)
		return ARBOR_E_NOT_FOUND;
	why = gpt_load(dev, 1, &h, &array, &err);
	if (why) {
		if (err == -ENOMEM)
			return err;
		/*
		 * The backup lives at the device's last block; a primary whose
		 * header checked out names it too, but a bad array is reason
		 * enough to trust nothing else the primary says.
		 */
		partition_warn(dev, "primary GPT header is bad (%s): trying the backup at block %llu",
		               why, (unsigned long long)backup);
		why = gpt_load(dev, backup, &h, &array, &err);
		if (why) {
			if (err == -ENOMEM)
				return err;
			partition_warn(dev, "backup GPT header is bad too (%s)", why);
			return err ? err : ARBOR_E_NOT_FOUND;
		}
		table->gpt_backup = 1;
	}
	err = gpt_entries(dev, &h, array, table);
	free(array);
	return err;
}
