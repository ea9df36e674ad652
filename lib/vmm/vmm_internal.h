/*
 * The VMM's inner model: guest memory, the vCPU, the port-I/O bus and the
 * device models that sit on it. Shared by the files of lib/vmm.
 */
#ifndef VMM_INTERNAL_H
#define VMM_INTERNAL_H

#include <stdint.h>
#include <time.h>
#include <linux/kvm.h>
#include <vmm/vmm.h>

#define VMM_PORT_HANDLERS 32
#define VMM_MMIO_HANDLERS 16

/* A device's share of the port space: [base, base + count). */
struct vmm_port_handler {
	uint16_t base, count;
	/* size is 1, 2 or 4; reads fill *value */
	void (*read)(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value);
	void (*write)(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value);
	void *dev;
};

/*
 * A device's window of guest-physical addresses: [base, base + size). size
 * is 1, 2, 4 or 8, offset is from base; reads fill *value.
 */
struct vmm_mmio_handler {
	uint64_t base, size;
	void (*read)(struct vmm *vmm, void *dev, uint64_t offset, unsigned size, uint64_t *value);
	void (*write)(struct vmm *vmm, void *dev, uint64_t offset, unsigned size, uint64_t value);
	void *dev;
};

/* The 8259 pair. */
struct vmm_pic_chip {
	uint8_t irr, isr, imr;
	uint8_t vector_base;
	uint8_t icw_step;              /* 0: operational; 2..4: expecting ICW2..ICW4 */
	uint8_t icw4_needed, read_isr, auto_eoi, elcr;
	uint16_t io_base;
};

struct vmm_pic {
	struct vmm_pic_chip chip[2];
};

/* The 8254's channels (0: timer interrupt, 2: speaker gate for calibration). */
struct vmm_pit_channel {
	uint16_t reload;               /* 0 means 65536 */
	uint8_t mode, access, write_lsb_next, read_lsb_next, latched;
	uint16_t latch;
	uint64_t start_ns;             /* when counting began */
	int armed;
};

struct vmm_pit {
	uint16_t io_base;
	struct vmm_pit_channel ch[3];
	int timerfd;                   /* channel 0's interrupts */
	uint8_t port61;                /* speaker gate (bit 0), channel 2 output (bit 5) */
};

struct vmm_rtc {
	uint16_t io_base;
	uint8_t index;
	uint8_t regs[128];             /* CMOS; time registers are read live */
};

struct vmm_serial {
	uint16_t io_base;
	uint8_t irq;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t rbr;
	int rx_ready;
	char line[256];
	size_t line_len;
};

struct vmm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	uint64_t mem_size;
	int mem_borrowed;              /* the caller's guest_mem: not ours to unmap */
	struct vmm_machine machine;    /* the RAM ranges the loaders describe to the guest */
	struct vmm_port_handler ports[VMM_PORT_HANDLERS];
	unsigned nports;
	struct vmm_mmio_handler mmio[VMM_MMIO_HANDLERS];
	unsigned nmmio;
	struct vmm_pic pic;
	struct vmm_pit pit;
	struct vmm_rtc rtc;
	struct vmm_serial serial;
	vmm_output_fn output;
	void *output_priv;
	int input_fd;
	enum vmm_end end;              /* set by a device to stop the run */
	char error[256];
};

/* io.c */
int vmm_port_register(struct vmm *vmm, const struct vmm_port_handler *h);
void vmm_port_access(struct vmm *vmm, struct kvm_run *run);

/* mmio.c: windows must not overlap (-EBUSY) */
int vmm_mmio_register(struct vmm *vmm, const struct vmm_mmio_handler *h);
void vmm_mmio_access(struct vmm *vmm, struct kvm_run *run);

/* Guest physical memory: a host pointer, or NULL when [gpa, gpa+len) is not RAM. */
void *vmm_gpa(struct vmm *vmm, uint64_t gpa, uint64_t len);

/* Devices: each registers its ports. */
int vmm_pic_init(struct vmm *vmm);                  /* both at the PC's ports */
int vmm_pic_chip_init(struct vmm *vmm, unsigned index, uint16_t io_base, uint16_t elcr);
void vmm_pic_raise(struct vmm *vmm, unsigned irq);
/* The vector to inject now, or -1; acknowledges it (IRR -> ISR). */
int vmm_pic_ack(struct vmm *vmm);
int vmm_pic_pending(struct vmm *vmm);

int vmm_pit_init(struct vmm *vmm);                  /* 0x40 and the speaker port 0x61 */
int vmm_pit_init_at(struct vmm *vmm, uint16_t io_base);
int vmm_speaker_init(struct vmm *vmm, uint16_t port);
/* Timer expirations since last time: raise IRQ 0 for them. */
void vmm_pit_poll(struct vmm *vmm);
void vmm_pit_fini(struct vmm *vmm);

int vmm_rtc_init(struct vmm *vmm);
int vmm_rtc_init_at(struct vmm *vmm, uint16_t io_base);
int vmm_serial_init(struct vmm *vmm);
int vmm_serial_init_at(struct vmm *vmm, uint16_t io_base, uint8_t irq);
void vmm_serial_flush(struct vmm *vmm);
/* Take a waiting input byte (raising IRQ 4 if the guest asked for it). */
void vmm_serial_poll_input(struct vmm *vmm);
int vmm_kbc_init(struct vmm *vmm);                  /* 0x60/0x64 and the fast reset at 0x92 */
int vmm_kbc_init_at(struct vmm *vmm, uint16_t io_base);
int vmm_fast_reset_init(struct vmm *vmm, uint16_t port);
int vmm_nullio_init(struct vmm *vmm, uint16_t port);

/* boot_multiboot.c: load a Multiboot kernel; sets the vCPU's entry state. */
int vmm_multiboot_probe(const uint8_t *image, size_t size);
int vmm_multiboot_load(struct vmm *vmm, const struct vmm_config *cfg, const uint8_t *image,
                       size_t size);

/* An image into guest memory at `at` (what names it in messages: "module", "initrd"). */
int vmm_load_image(struct vmm *vmm, const char *what, const struct vmm_image *image,
                   uint64_t at);

/* Load an ELF32 kernel's segments; *end: the highest address used. */
int vmm_elf32_load(struct vmm *vmm, const uint8_t *image, size_t size, uint64_t *end);
/* Flat 32-bit protected mode, paging and interrupts off, at entry with EAX and EBX. */
int vmm_enter_protected_mode(struct vmm *vmm, uint32_t entry, uint32_t eax, uint32_t ebx);

/* boot_pvh.c: an ELF32 with Xen's PVH entry note (0: none). */
uint32_t vmm_pvh_entry(const uint8_t *image, size_t size);
int vmm_pvh_load(struct vmm *vmm, const struct vmm_config *cfg, const uint8_t *image,
                 size_t size);

/* boot_linux.c: a bzImage with a 64-bit entry; the first module is the initrd. */
int vmm_linux_probe(const uint8_t *image, size_t size);
int vmm_linux_load(struct vmm *vmm, const struct vmm_config *cfg, const uint8_t *image,
                   size_t size);

void vmm_fail(struct vmm *vmm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
