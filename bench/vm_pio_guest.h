/*
 * The guest of the port-I/O benchmark (bench_vm_pio and base_kvm_pio):
 * 32-bit code at 1 MiB that writes a byte to port 0x3FF (the UART's
 * scratch register, a device model's register) n times, then resets
 * through the keyboard controller. With a Multiboot header (a.out kludge)
 * in front, so that lib/vmm loads it as it loads any kernel.
 */
#ifndef BENCH_VM_PIO_GUEST_H
#define BENCH_VM_PIO_GUEST_H

#include <stdint.h>
#include <string.h>

#define PIO_GUEST_LOAD  0x100000u
#define PIO_GUEST_ENTRY 0x100020u

/* Fill image (at least 64 bytes); returns the size used. */
static inline size_t pio_guest(uint8_t *image, uint32_t n)
{
	const uint32_t header[8] = {
		0x1badb002u, 0x00010000u, (uint32_t)-(0x1badb002u + 0x00010000u),
		PIO_GUEST_LOAD, PIO_GUEST_LOAD, 0, 0, PIO_GUEST_ENTRY,
	};
	uint8_t code[] = {
		0xb9, 0, 0, 0, 0,           /* mov ecx, n */
		0x66, 0xba, 0xff, 0x03,     /* mov dx, 0x3ff */
		0xee,                       /* 1: out dx, al */
		0x49,                       /* dec ecx */
		0x75, 0xfc,                 /* jnz 1b */
		0xb0, 0xfe,                 /* mov al, 0xfe */
		0xe6, 0x64,                 /* out 0x64, al: reset */
		0xf4,                       /* hlt */
	};

	memcpy(code + 1, &n, 4);
	memcpy(image, header, sizeof(header));
	memcpy(image + sizeof(header), code, sizeof(code));
	return sizeof(header) + sizeof(code);
}

#endif
