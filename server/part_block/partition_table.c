/* Partition tables: which kind a device holds, and what the parsers share (see partition_table.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "partition_table.h"

#define MBR_SIGNATURE_OFFSET 510
#define MBR_ENTRIES_OFFSET   446
#define MBR_TYPE_GPT         0xee

void partition_warn(const struct partition_device *dev, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	if (!dev->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	dev->warn(dev->priv, text);
}

int partition_table_add(const struct partition_device *dev, struct partition_table *table,
                        const struct partition *p)
{
	if (p->count == 0 || p->first >= dev->block_count ||
	    p->count > dev->block_count - p->first) {
		partition_warn(dev, "partition %u (blocks %llu+%llu) does not fit the device "
		               "(%llu blocks): skipped", p->number, (unsigned long long)p->first,
		               (unsigned long long)p->count, (unsigned long long)dev->block_count);
		return 0;
	}
	if (table->count == PARTITION_MAX)
		return ARBOR_E_TOO_LARGE;
	table->part[table->count++] = *p;
	return 0;
}

const struct partition *partition_table_find(const struct partition_table *table,
                                             unsigned number)
{
	for (unsigned i = 0; i < table->count; i++)
		if (table->part[i].number == number)
			return &table->part[i];
	return NULL;
}

const char *partition_table_kind_name(enum partition_table_kind kind)
{
	switch (kind) {
	case PARTITION_TABLE_MBR: return "MBR";
	case PARTITION_TABLE_GPT: return "GPT";
	default:                  return "none";
	}
}

/* The first three fields are little-endian, the last two big-endian (RFC 4122 as UEFI stores it). */
void partition_guid_text(const uint8_t g[16], char buf[37])
{
	snprintf(buf, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         partition_le32(g), partition_le16(g + 4), partition_le16(g + 6), g[8], g[9],
	         g[10], g[11], g[12], g[13], g[14], g[15]);
}

uint32_t partition_crc32(const void *data, size_t size)
{
	static uint32_t table[256];
	static int ready;
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;

	/* the entrypoint is the only thread that parses, so the lazy table needs no lock */
	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	while (size--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

/* A protective (or hybrid) MBR names a partition of type 0xEE: the disk is GPT. */
static int mbr_protects_gpt(const uint8_t *sector0)
{
	for (unsigned i = 0; i < 4; i++)
		if (sector0[MBR_ENTRIES_OFFSET + 16 * i + 4] == MBR_TYPE_GPT)
			return 1;
	return 0;
}

int partition_table_read(const struct partition_device *dev, struct partition_table *table)
{
	uint8_t *sector0;
	int err;

	memset(table, 0, sizeof(*table));
	if (dev->block_size < 512 || dev->block_size > 65536 ||
	    (dev->block_size & (dev->block_size - 1)) || dev->block_count < 1)
		return ARBOR_E_INVALID;
	sector0 = malloc(dev->block_size);
	if (!sector0)
		return -ENOMEM;
	err = dev->read(dev->priv, 0, 1, sector0);
	if (!err && (sector0[MBR_SIGNATURE_OFFSET] != 0x55 ||
	             sector0[MBR_SIGNATURE_OFFSET + 1] != 0xaa))
		err = ARBOR_E_NOT_FOUND;
	if (!err) {
		if (mbr_protects_gpt(sector0)) {
			table->kind = PARTITION_TABLE_GPT;
			err = partition_gpt_parse(dev, table);
		} else {
			table->kind = PARTITION_TABLE_MBR;
			err = partition_mbr_parse(dev, sector0, table);
		}
	}
	free(sector0);
	if (err) {
		memset(table, 0, sizeof(*table));
		table->kind = PARTITION_TABLE_NONE;
	}
	return err;
}
