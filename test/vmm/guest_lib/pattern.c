/*
 * Recognises a data file made by guest_lib/mkpattern.py (which documents
 * the format) and verifies it byte for byte, so a loader that hands it over
 * short, shifted or corrupted is caught: mbtest's module, lxtest's initrd.
 */
#include "guest.h"

#define PATTERN_MAGIC_LEN 8
#define PATTERN_SIZE 4096
#define PATTERN_SUM_OFFSET (PATTERN_SIZE - 4)
#define FNV32_OFFSET_BASIS 0x811c9dc5u
#define FNV32_PRIME 0x01000193u

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pattern_check(const uint8_t *data, uint64_t size, const char *magic, unsigned multiplier,
                  const char **why)
{
	uint32_t sum = FNV32_OFFSET_BASIS;

	*why = "";
	if (size < PATTERN_MAGIC_LEN)
		return 0;
	for (int i = 0; i < PATTERN_MAGIC_LEN; i++)
		if (data[i] != (uint8_t)magic[i])
			return 0;
	if (size != PATTERN_SIZE || le32(data + PATTERN_MAGIC_LEN) != PATTERN_SIZE) {
		*why = "size mismatch";
		return -1;
	}
	for (uint32_t i = 0; i < PATTERN_SUM_OFFSET; i++) {
		/* varies with the offset, so a shifted copy cannot pass */
		uint8_t expect = (uint8_t)(i * multiplier + (i >> 8));
		if (i >= PATTERN_MAGIC_LEN + 4 && data[i] != expect) {
			*why = "pattern mismatch";
			return -1;
		}
		sum = (sum ^ data[i]) * FNV32_PRIME;
	}
	if (sum != le32(data + PATTERN_SUM_OFFSET)) {
		*why = "checksum mismatch";
		return -1;
	}
	return 1;
}
