/*
 * Ends the run of either test guest: a keyboard-controller reset (QEMU pc,
 * arbor vm), else a triple fault (machines without an i8042, e.g. microvm).
 */
#include "guest.h"
#include "io.h"

#define KBC_STATUS 0x64
#define KBC_CMD 0x64
#define KBC_STATUS_INPUT_FULL 0x02
#define KBC_CMD_PULSE_RESET 0xFE
#define KBC_ABSENT 0xFF
#define KBC_POLL_MAX 10000
/* Time for the reset to take effect before falling back; each read is a VM exit. */
#define KBC_SETTLE_READS 1000

struct idt_desc {
	uint16_t limit;
	uintptr_t base;               /* 32 bits in mbtest, 64 in lxtest */
} __attribute__((packed));

void reset_machine(void)
{
	static const struct idt_desc no_idt = { 0, 0 };

	cli();
	/* No controller at all (microvm) reads 0xFF: skip straight to the triple fault. */
	if (inb(KBC_STATUS) != KBC_ABSENT) {
		for (int i = 0; i < KBC_POLL_MAX && (inb(KBC_STATUS) & KBC_STATUS_INPUT_FULL); i++)
			;
		outb(KBC_CMD, KBC_CMD_PULSE_RESET);
		for (int i = 0; i < KBC_SETTLE_READS; i++)
			(void)inb(KBC_STATUS);
	}

	/*
	 * #UD finds no gate, nor does the #GP and #DF that follow: the CPU shuts down. Not int3:
	 * kvm_pvm emulates guest ring 0 and its emulator gives up on int n in protected mode.
	 */
	__asm__ volatile("lidt %0; ud2" : : "m"(no_idt));
	for (;;)
		hlt();
}
