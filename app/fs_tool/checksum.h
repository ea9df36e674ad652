/*
 * fs_tool's checksum and test pattern, both simple enough to compute on
 * the host (Python: zlib.crc32, and the pattern as in README.md).
 */
#ifndef FS_TOOL_CHECKSUM_H
#define FS_TOOL_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE 802.3, zlib's): start with crc 0, feed the bytes in order. */
uint32_t fs_tool_crc32(uint32_t crc, const void *data, size_t len);

#define FS_TOOL_PATTERN_BLOCK 4096u

/*
 * The deterministic content of seed: 4 KiB blocks, block k being the
 * little-endian 64-bit words seed and k, then 4080 bytes of xorshift64*
 * output started from seed (the same in every block). Fills dst with the
 * len bytes from file offset pos on.
 */
struct fs_tool_pattern {
	uint8_t block[FS_TOOL_PATTERN_BLOCK];
};

void fs_tool_pattern_init(struct fs_tool_pattern *p, uint64_t seed);
void fs_tool_pattern_fill(const struct fs_tool_pattern *p, void *dst, size_t len, uint64_t pos);

#endif
