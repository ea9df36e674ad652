/* CRC-32 (slicing by 8) and the test pattern of fs_tool (checksum.h). */
#include <string.h>
#include "checksum.h"

static uint32_t table[8][256];

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

uint32_t fs_tool_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!table[0][1])
		make_table();
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo, hi;

		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 4);
		lo ^= crc;
		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
		      table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
		      table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void put_le64(uint8_t *dst, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		dst[i] = (uint8_t)(v >> (8 * i));
}

void fs_tool_pattern_init(struct fs_tool_pattern *p, uint64_t seed)
{
	uint64_t x = seed ^ 0x9e3779b97f4a7c15ull;

	if (!x)
		x = 1;
	put_le64(p->block, seed);
	for (size_t i = 16; i < FS_TOOL_PATTERN_BLOCK; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		put_le64(p->block + i, x * 0x2545f4914f6cdd1dull);
	}
}

void fs_tool_pattern_fill(const struct fs_tool_pattern *p, void *dst, size_t len, uint64_t pos)
{
	uint8_t *out = dst;

	while (len) {
		uint64_t k = pos / FS_TOOL_PATTERN_BLOCK;
		size_t off = (size_t)(pos % FS_TOOL_PATTERN_BLOCK);
		size_t n = FS_TOOL_PATTERN_BLOCK - off < len ? FS_TOOL_PATTERN_BLOCK - off : len;
		uint8_t block[FS_TOOL_PATTERN_BLOCK];

		memcpy(block, p->block, sizeof(block));
		put_le64(block + 8, k);
		memcpy(out, block + off, n);
		out += n;
		pos += n;
		len -= n;
	}
}
