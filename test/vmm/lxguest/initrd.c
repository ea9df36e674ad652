/*
 * Recognises the known test initrd (made by guest_lib/mkpattern.py, which documents the format) and
 * verifies it byte for byte, so a loader that passes it short, shifted or corrupted is caught.
 */
#include "lxtest.h"

#define INITRD_MAGIC "LXINITRD"
#define INITRD_MAGIC_LEN 8
#define INITRD_SIZE 4096
#define INITRD_SUM_OFFSET (INITRD_SIZE - 4)
#define FNV32_OFFSET_BASIS 0x811c9dc5u
#define FNV32_PRIME 0x01000193u

/* Must match mkinitrd.py: varies with the offset so a shifted copy cannot pass. */
static uint8_t pattern_byte(uint32_t offset)
{
	return (uint8_t)(offset * 31 + (offset >> 8));
}

int initrd_check(const uint8_t *data, uint64_t size, const char **why)
{
	uint32_t sum = FNV32_OFFSET_BASIS;

	*why = "";
	if (size < INITRD_MAGIC_LEN)
		return 0;
	for (int i = 0; i < INITRD_MAGIC_LEN; i++)
		if (data[i] != (uint8_t)INITRD_MAGIC[i])
			return 0;
	if (size != INITRD_SIZE || load32(data + INITRD_MAGIC_LEN) != INITRD_SIZE) {
		*why = "size mismatch";
		return -1;
	}
	for (uint32_t i = 0; i < INITRD_SUM_OFFSET; i++) {
		if (i >= INITRD_MAGIC_LEN + 4 && data[i] != pattern_byte(i)) {
			*why = "pattern mismatch";
			return -1;
		}
		sum = (sum ^ data[i]) * FNV32_PRIME;
	}
	if (sum != load32(data + INITRD_SUM_OFFSET)) {
		*why = "checksum mismatch";
		return -1;
	}
	return 1;
}
