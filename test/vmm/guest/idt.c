/* The IDT: IRQ0 feeds the PIT check; any exception is a guest or VMM bug, reported before a reset. */
#include "io.h"
#include "mbtest.h"

#define TRAP_ENTRY_SIZE 16		/* must match traps.S */
#define CODE_SELECTOR 0x08
#define GATE_INTERRUPT32 0x8E	/* present, DPL 0, 32-bit interrupt gate: IF is cleared on entry */
#define PIC_MASTER_CMD 0x20
#define PIC_SLAVE_CMD 0xA0
#define PIC_EOI 0x20

/* Layout pushed by traps.S: pusha, then vector and error code, then the CPU's frame. */
struct trap_frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;
	uint16_t offset_hi;
} __attribute__((packed));

struct idt_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern char trap_entries[];

static struct idt_gate idt[MBTEST_VECTORS];

void idt_trap(struct trap_frame *f);

void idt_init(void)
{
	struct idt_desc desc = { sizeof(idt) - 1, (uint32_t)idt };

	for (uint32_t v = 0; v < MBTEST_VECTORS; v++) {
		uint32_t entry = (uint32_t)trap_entries + v * TRAP_ENTRY_SIZE;

		idt[v].offset_lo = entry & 0xFFFF;
		idt[v].selector = CODE_SELECTOR;
		idt[v].zero = 0;
		idt[v].type = GATE_INTERRUPT32;
		idt[v].offset_hi = entry >> 16;
	}
	__asm__ volatile("lidt %0" : : "m"(desc));
}

void idt_trap(struct trap_frame *f)
{
	uint32_t irq = f->vector - MBTEST_VECTOR_PIC_BASE;

	if (f->vector < MBTEST_VECTOR_PIC_BASE) {
		report_fail("exception %u error 0x%x at eip 0x%08x", f->vector, f->error, f->eip);
		reset_machine();
	}
	if (f->vector == MBTEST_VECTOR_LAPIC_SPURIOUS)
		return;		/* the LAPIC wants no EOI for it */
	if (f->vector >= MBTEST_VECTOR_APIC_BASE) {
		lapic_irq(f->vector);
		return;
	}
	if (irq >= 16) {
		report_fail("unexpected vector 0x%x", f->vector);
		return;
	}
	if (irq == 0) {
		pit_irq();
	} else if (irq == 7 || irq == 15) {
		/* Spurious: no EOI on its own PIC; a slave spurious still went through the master's IRQ2. */
		if (irq == 15)
			outb(PIC_MASTER_CMD, PIC_EOI);
		return;
	} else if (irq == 4) {
		echo_irq();
	} else if (virtio_irq(irq)) {
		if (irq >= 8)
			outb(PIC_SLAVE_CMD, PIC_EOI);
	} else {
		/* Everything but IRQ0, the UART's in echo mode and the virtio devices' lines is masked. */
		report_fail("unexpected irq %u", irq);
		if (irq >= 8)
			outb(PIC_SLAVE_CMD, PIC_EOI);
	}
	outb(PIC_MASTER_CMD, PIC_EOI);
}
