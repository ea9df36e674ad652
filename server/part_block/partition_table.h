/*
 * Partition tables as part_block reads them: an MBR (primary partitions
 * 1-4, logical partitions of extended ones numbered from 5, as Linux does)
 * or a GPT behind a protective MBR (header and entry array checked by
 * CRC32, the backup header at the end of the device used when the primary
 * is bad). Pure code: the device is read through a callback, so the parser
 * is unit-tested on images in memory (test/unit/test_partition_table.c).
 *
 * Everything read is untrusted: every partition that survives parsing lies
 * inside the device and has at least one block, so a server can serve it
 * without further checks.
 */
#ifndef PART_BLOCK_PARTITION_TABLE_H
#define PART_BLOCK_PARTITION_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* Partitions a table may yield; GPT entries beyond this are ignored (with a warning). */
#define PARTITION_MAX        128u
/* Logical partitions followed in one extended partition: bounds a looping EBR chain. */
#define PARTITION_LOGICAL_MAX 64u
/* The largest GPT entry array read (GPT's usual one is 16 KiB). */
#define PARTITION_GPT_ARRAY_MAX (1024u * 1024)
/* A GPT name, UTF-16 in the entry, as UTF-8 (36 code units, each at most 3 bytes). */
#define PARTITION_NAME_MAX   (36u * 3 + 1)

enum partition_table_kind {
	PARTITION_TABLE_NONE = 0,
	PARTITION_TABLE_MBR,
	PARTITION_TABLE_GPT,
};

struct partition {
	unsigned number;          /* 1..4 primary, 5.. logical (MBR); entry index + 1 (GPT) */
	uint64_t first;           /* first block */
	uint64_t count;           /* blocks, at least 1 */
	uint8_t mbr_type;         /* MBR: the type byte; GPT: 0 */
	uint8_t type_guid[16];    /* GPT: the type GUID as stored (mixed endian); MBR: zero */
	uint8_t guid[16];         /* GPT: the partition's unique GUID */
	char name[PARTITION_NAME_MAX];   /* GPT: the name; MBR: "" */
};

struct partition_table {
	enum partition_table_kind kind;
	int gpt_backup;           /* GPT: the primary was bad, the backup was used */
	unsigned count;
	struct partition part[PARTITION_MAX];
};

/*
 * Read count blocks from block on into dst (count * block_size bytes).
 * Returns 0 or a negative error.
 */
typedef int (*partition_read_fn)(void *priv, uint64_t block, uint32_t count, void *dst);

/*
 * Why a parse found something to complain about without failing (a
 * partition beyond the device, a bad primary GPT): called with a line of
 * text; may be NULL.
 */
typedef void (*partition_warn_fn)(void *priv, const char *text);

struct partition_device {
	uint64_t block_count;
	uint32_t block_size;      /* a power of two, 512..65536 */
	partition_read_fn read;
	partition_warn_fn warn;
	void *priv;
};

/*
 * Parse the partition table of dev into *table (cleared first). Returns
 * 0, or: ARBOR_E_NOT_FOUND (no MBR signature, or a GPT whose primary and
 * backup are both bad), ARBOR_E_INVALID (dev's geometry is not usable:
 * block size, a device too small for an MBR), -ENOMEM, or an error of
 * dev->read. Partitions that do not fit the device are skipped with a
 * warning, never clamped: a table that disagrees with its device is not
 * to be trusted with data.
 */
int partition_table_read(const struct partition_device *dev, struct partition_table *table);

/* The partition numbered number, or NULL. */
const struct partition *partition_table_find(const struct partition_table *table,
                                             unsigned number);

/* "MBR", "GPT" or "none". */
const char *partition_table_kind_name(enum partition_table_kind kind);

/* The GUID in its usual text form (36 characters and a NUL into buf[37]). */
void partition_guid_text(const uint8_t guid[16], char buf[37]);

/* ---- used by the parsers (mbr.c, gpt.c) ------------------------------ */

int partition_mbr_parse(const struct partition_device *dev, const uint8_t *sector0,
                        struct partition_table *table);
int partition_gpt_parse(const struct partition_device *dev, struct partition_table *table);

/* A warning through dev->warn, printf-style. */
__attribute__((format(printf, 2, 3)))
void partition_warn(const struct partition_device *dev, const char *fmt, ...);

/* Append a partition if it fits the device (else warn and skip). 0 or ARBOR_E_TOO_LARGE. */
int partition_table_add(const struct partition_device *dev, struct partition_table *table,
                        const struct partition *p);

/* CRC-32 (IEEE 802.3, as GPT uses it) of size bytes. */
uint32_t partition_crc32(const void *data, size_t size);

static inline uint16_t partition_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t partition_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t partition_le64(const uint8_t *p)
{
	return (uint64_t)partition_le32(p) | (uint64_t)partition_le32(p + 4) << 32;
}

#endif
