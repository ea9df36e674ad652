/* Interfaces between the guest's modules; each check reports its own lines. */
#ifndef MBTEST_H
#define MBTEST_H

#include <stdint.h>
#include "guest.h"

/* Passed by the entry code in mbtest.S: which header the loader followed. */
#define MBTEST_PROTO_MULTIBOOT 1
#define MBTEST_PROTO_PVH 2

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define PVH_START_INFO_MAGIC 0x336ec578u

/*
 * IDT layout: exceptions 0..31, the remapped PICs at 0x20..0x2F, the LAPIC's spurious vector
 * 0x3F, then the APIC checks' vectors in classes 4 and 5 (their priorities matter).
 */
#define MBTEST_VECTOR_PIC_BASE 0x20
#define MBTEST_VECTOR_LAPIC_SPURIOUS 0x3F
#define MBTEST_VECTOR_APIC_BASE 0x40
#define MBTEST_VECTOR_LAPIC_TIMER 0x40
#define MBTEST_VECTOR_IPI_LOW 0x45
#define MBTEST_VECTOR_IOAPIC 0x48
#define MBTEST_VECTOR_SMP_IPI 0x50	/* the BSP's IPIs to the APs */
#define MBTEST_VECTOR_SMP_STOP 0x51	/* ... and the one that stops them */
#define MBTEST_VECTOR_IPI_HIGH 0x55
#define MBTEST_VECTORS 0x60		/* traps.S's NR_TRAP_ENTRIES */

/* Linker-script symbols bounding the loaded image, for overlap checks. */
extern char __kernel_start[], __kernel_end[];

/* Set by the entry code when the loader left .bss nonzero. */
extern uint32_t mbtest_bss_dirty;

void mbtest_main(uint32_t proto, uint32_t magic, uint32_t info) __attribute__((noreturn));


/* One line: "mbtest: " + format + "\n". Knows %s %c %u %x %llx, '0' and width. */
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same with "FAIL " after the prefix, so a test can grep for it. */
void report_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Protocol-neutral reporters used by both boot protocols' parsers. */
struct bootinfo_mmap {
	uint32_t entries;
	uint32_t usable_kib;
};
void bootinfo_mmap_entry(struct bootinfo_mmap *m, uint64_t addr, uint64_t len, uint32_t type);
void bootinfo_mmap_done(const struct bootinfo_mmap *m);
void bootinfo_cmdline(const char *cmdline);
/* The command line the loader gave (set by bootinfo_cmdline()), or NULL. */
extern const char *mbtest_cmdline;
void bootinfo_module(uint32_t index, uint64_t start, uint64_t end, const char *cmdline,
		     int want_page_aligned);

void multiboot_report(uint32_t info);
void pvh_report(uint32_t start_info);

/* 1: a good mbtest module; 0: not one of ours; -1: ours but damaged (*why says how). */

void idt_init(void);
void lapic_virtual_wire(void);
/* LAPIC and IOAPIC checks (lapic.c, ioapic.c); each says "none" when CPUID shows no APIC. */
void lapic_check(void);
void ioapic_check(void);
/* An APIC vector (MBTEST_VECTOR_APIC_BASE and up) arrived; the handler EOIs as it needs. */
void lapic_irq(uint32_t vector);
void ioapic_irq(void);
/* The MP configuration table of a valid floating pointer in 0xF0000-0xFFFFF, or 0 (ioapic.c). */
const uint8_t *mp_config(void);
/*
 * SMP (smp.c): the APs the MP table ("cpus=N" on the command line) names started by
 * INIT-SIPI-SIPI through trampoline.S, then a fixed IPI to each and one to all but the BSP.
 */
void smp_check(void);
void smp_ap_main(void) __attribute__((noreturn));	/* each AP's C entry (trampoline.S) */
void smp_irq(uint32_t vector);				/* MBTEST_VECTOR_SMP_*, on an AP */
/* The APs started halt with interrupts off, as Linux stops them before a poweroff. */
void smp_stop(void);
/* The LAPIC's register window (0: none or globally disabled), a register, EOI. */
uint32_t lapic_base(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t value);
/*
 * Spins (interrupts as the caller left them) until *count reaches want or ms milliseconds
 * have passed by the PIT, which pit_check left counting at 1 kHz. Returns *count >= want.
 */
int pit_wait(volatile uint32_t *count, uint32_t want, uint32_t ms);
void pit_check(void);
void pit_irq(void);
void rtc_check(void);
void virtio_check(void);
/* An IRQ other than the PIT's: 1 when a virtio device raised it (then acknowledged). */
int virtio_irq(uint32_t irq);

/* Echo mode (echo.c): wanted when the command line has the word "echo". */
int echo_wanted(const char *cmdline);
void echo_run(void);
void echo_irq(void);	/* IRQ 4, the UART's */


#endif
