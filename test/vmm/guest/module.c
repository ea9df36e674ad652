/*
 * Recognises the known test module (made by guest_lib/mkpattern.py, which documents the format) and
 * verifies it byte for byte, so a VMM that loads modules short, shifted or corrupted is caught.
 */
#include "mbtest.h"

#define MODULE_MAGIC "MBTESTMD"
#define MODULE_MAGIC_LEN 8
#define MODULE_SIZE 4096
#define MODULE_SUM_OFFSET (MODULE_SIZE - 4)
#define FNV32_OFFSET_BASIS 0x811c9dc5u
#define FNV32_PRIME 0x01000193u

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Must match mkmodule.py: varies with the offset so a shifted copy cannot pass. */
static uint8_t pattern_byte(uint32_t offset)
{
	return (uint8_t)(offset * 13 + (offset >> 8));
}

int module_check(const uint8_t *data, uint32_t size, const char **why)
{
	uint32_t sum = FNV32_OFFSET_BASIS;

	*why = "";
	if (size < MODULE_MAGIC_LEN)
		return 0;
	for (int i = 0; i < MODULE_MAGIC_LEN; i++)
		if (data[i] != (uint8_t)MODULE_MAGIC[i])
			return 0;
	if (size != MODULE_SIZE || le32(data + MODULE_MAGIC_LEN) != MODULE_SIZE) {
		*why = "size mismatch";
		return -1;
	}
	for (uint32_t i = 0; i < MODULE_SUM_OFFSET; i++) {
		if (i >= MODULE_MAGIC_LEN + 4 && data[i] != pattern_byte(i)) {
			*why = "pattern mismatch";
			return -1;
		}
		sum = (sum ^ data[i]) * FNV32_PRIME;
	}
	if (sum != le32(data + MODULE_SUM_OFFSET)) {
		*why = "checksum mismatch";
		return -1;
	}
	return 1;
}
