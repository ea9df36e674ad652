/*
 * The MBR: four primary entries in sector 0, and chains of extended boot
 * records (EBRs) in extended partitions whose data entries are the logical
 * partitions, numbered from 5 in chain order as Linux numbers them.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "partition_table.h"

#define MBR_ENTRIES_OFFSET 446
#define MBR_ENTRY_SIZE     16

struct mbr_entry {
	uint8_t type;
	uint32_t start;      /* relative: to the disk (primary), the EBR (logical) or the extended partition (link) */
	uint32_t count;
};

static struct mbr_entry mbr_entry(const uint8_t *sector, unsigned i)
{
	const uint8_t *e = sector + MBR_ENTRIES_OFFSET + MBR_ENTRY_SIZE * i;

	return (struct mbr_entry){ .type = e[4], .start = partition_le32(e + 8),
	                           .count = partition_le32(e + 12) };
}

/* DOS (0x05), Windows LBA (0x0f) and Linux (0x85) extended partitions. */
static int mbr_is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

static int mbr_signed(const uint8_t *sector)
{
	return sector[510] == 0x55 && sector[511] == 0xaa;
}

/*
 * Follow the EBR chain of the extended partition [ext_first, ext_first +
 * ext_count): each EBR's data entries are logical partitions relative to
 * the EBR, its first link entry names the next EBR relative to the
 * extended partition. A chain that leaves the extended partition, loops or
 * runs past PARTITION_LOGICAL_MAX ends there with a warning; what was
 * found until then stays.
 */
static int mbr_parse_extended(const struct partition_device *dev, uint64_t ext_first,
                              uint64_t ext_count, unsigned *number,
                              struct partition_table *table)
{
	uint8_t *ebr = malloc(dev->block_size);
	uint64_t at = ext_first;
	int err = 0;

	if (!ebr)
		return -ENOMEM;
	for (unsigned hops = 0; !err; hops++) {
		uint64_t next = 0;

		if (hops == PARTITION_LOGICAL_MAX) {
			partition_warn(dev, "extended partition at block %llu: more than %u EBRs, "
			               "the rest ignored", (unsigned long long)ext_first,
			               PARTITION_LOGICAL_MAX);
			break;
		}
		err = dev->read(dev->priv, at, 1, ebr);
		if (err)
			break;
		if (!mbr_signed(ebr)) {
			partition_warn(dev, "EBR at block %llu has no signature: chain ends",
			               (unsigned long long)at);
			break;
		}
		for (unsigned i = 0; i < 4 && !err; i++) {
			struct mbr_entry e = mbr_entry(ebr, i);
			struct partition p = { 0 };

			if (e.type == 0 || e.count == 0 || mbr_is_extended(e.type))
				continue;
			p.number = (*number)++;
			p.first = at + e.start;
			p.count = e.count;
			p.mbr_type = e.type;
			if (p.first < ext_first || p.first - ext_first >= ext_count ||
			    p.count > ext_count - (p.first - ext_first)) {
				partition_warn(dev, "logical partition %u lies outside its extended "
				               "partition: skipped", p.number);
				continue;
			}
			err = partition_table_add(dev, table, &p);
		}
		for (unsigned i = 0; i < 4; i++) {
			struct mbr_entry e = mbr_entry(ebr, i);

			if (mbr_is_extended(e.type) && e.count) {
				next = e.start;
				break;
			}
		}
		/* a link is relative to the extended partition; 0 would be the first EBR again */
		if (!next)
			break;
		if (next >= ext_count) {
			partition_warn(dev, "EBR link to block %llu leaves the extended partition: "
			               "chain ends", (unsigned long long)(ext_first + next));
			break;
		}
		at = ext_first + next;
	}
	free(ebr);
	return err;
}

int partition_mbr_parse(const struct partition_device *dev, const uint8_t *sector0,
                        struct partition_table *table)
{
	unsigned logical = 5;
	int err = 0;

	for (unsigned i = 0; i < 4 && !err; i++) {
		struct mbr_entry e = mbr_entry(sector0, i);
		struct partition p = { .number = i + 1, .first = e.start, .count = e.count,
		                       .mbr_type = e.type };

		if (e.type == 0 || e.count == 0)
			continue;
		if (!mbr_is_extended(e.type)) {
			err = partition_table_add(dev, table, &p);
			continue;
		}
		/* the container itself holds no data of its own: only its logical partitions are served */
		if (e.start == 0 || e.start >= dev->block_count ||
		    e.count > dev->block_count - e.start) {
			partition_warn(dev, "extended partition %u does not fit the device: skipped",
			               p.number);
			continue;
		}
		err = mbr_parse_extended(dev, e.start, e.count, &logical, table);
	}
	return err;
}
