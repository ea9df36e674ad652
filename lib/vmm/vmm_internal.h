/*
 * The VMM's inner model: guest memory, the vCPUs, the port-I/O bus and the
 * device models that sit on it. Shared by the files of lib/vmm.
 */
#ifndef VMM_INTERNAL_H
#define VMM_INTERNAL_H

#include <pthread.h>
#include <signal.h>
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
	uint8_t lines;                 /* input lines asserted (vmm_irq_set) */
	uint16_t io_base;
};

struct vmm_pic {
	struct vmm_pic_chip chip[2];
};

/* The 8254's channels (0: timer interrupt, 2: speaker gate for calibration). */
struct vmm_pit_channel {
	uint16_t reload;               /* 0 means 65536 */
	uint8_t mode, access, write_lsb_next, read_lsb_next, latched;
	uint8_t fired;                 /* channel 0, one-shot modes: its interrupt was raised */
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

/* The local APIC's registers (xAPIC, at VMM_LAPIC_BASE), one per vCPU: dev_lapic.c. */
enum { VMM_LVT_TIMER, VMM_LVT_THERMAL, VMM_LVT_PERF, VMM_LVT_LINT0, VMM_LVT_LINT1, VMM_LVT_ERROR,
       VMM_LVTS };

/* Nanoseconds of CLOCK_MONOTONIC; tests put a fake clock in. */
typedef uint64_t (*vmm_clock_fn)(void);

struct vmm_lapic {
	int present;
	uint8_t id;
	uint32_t tpr, ldr, dfr, svr, esr, esr_pending, icr_lo, icr_hi;
	uint32_t lvt[VMM_LVTS];
	uint32_t irr[8], isr[8], tmr[8];   /* 256 bits each, vector v in word v / 32 */
	int nmi_pending;
	uint32_t timer_initial, timer_divide;   /* divide: the register as written */
	uint64_t timer_start_ns;       /* when the count began; 0: not counting */
	uint64_t timer_next_ns;        /* the next interrupt; 0: none due */
	int timerfd;                   /* wakes a halted vCPU at timer_next_ns */
	vmm_clock_fn clock;
};

/* The I/O APIC (at VMM_IOAPIC_BASE): dev_ioapic.c. */
#define VMM_IOAPIC_PINS 24

struct vmm_ioapic {
	int present;
	uint64_t base;                 /* its window */
	uint8_t id, index;             /* index: IOREGSEL */
	uint64_t redir[VMM_IOAPIC_PINS];
	uint32_t lines;                /* pins asserted */
};

/* What vmm_cpuid_filter makes of KVM's CPUID. */
struct vmm_cpuid_policy {
	uint8_t apic_id;
	int lapic;                     /* a LAPIC is modelled */
	unsigned cpus;                 /* vCPUs: cores of one package, one thread each (0: 1) */
};

/*
 * A vCPU (vcpu.c). The BSP (index 0) starts at the loader's entry; an AP
 * waits for a STARTUP IPI (after reset, and again after an INIT). Each runs
 * on a thread of its own; every field but the thread's own (fd, run, kick)
 * is guarded by the VMM's lock.
 */
enum vmm_vcpu_state {
	VMM_VCPU_RUNNING,
	VMM_VCPU_WAIT_SIPI,            /* its thread sleeps until a STARTUP IPI */
};

struct vmm_vcpu {
	struct vmm *vmm;
	unsigned index;                /* 0: the BSP */
	int fd;                        /* KVM's vCPU */
	struct kvm_run *run;
	struct vmm_lapic lapic;        /* present as the machine's <lapic> is; ID = <lapic id> + index */
	enum vmm_vcpu_state state;
	int sipi;                      /* a STARTUP IPI came: the thread starts at sipi_vector << 12 */
	uint8_t sipi_vector;
	int has_run;                   /* entered KVM_RUN since its last start */
	int stopped;                   /* halted with interrupts off: an NMI or an INIT wakes it */
	int in_run;                    /* in KVM_RUN (or about to be): a signal recalls it */
	int waiting;                   /* sleeping in poll(): its eventfd wakes it */
	int wake_fd;                   /* that eventfd */
	int thread_on;                 /* an AP's thread was started (vmm_run joins it) */
	pthread_t thread;
	struct { int on; timer_t timer; uint64_t at; } kick;   /* kick.c, on the vCPU's own thread */
	struct kvm_sregs reset_sregs;  /* as KVM created it, APIC base set: a STARTUP IPI's start */
};

struct vmm {
	int kvm, vm;
	struct vmm_vcpu vcpus[VMM_VCPUS_MAX];
	unsigned nvcpus;
	/*
	 * The VMM lock: held by a vCPU thread while it handles an exit, injects
	 * or polls its timers, so that the devices (and every vCPU's LAPIC and
	 * state) see one thread at a time; KVM_RUN and the waits run without it.
	 * cur: the vCPU of the thread that holds it (LAPIC accesses go to its LAPIC).
	 */
	pthread_mutex_t lock;
	int lock_ready;
	struct vmm_vcpu *cur;
	int extint_kicked;             /* the PIC's output was signalled to the vCPUs it reaches */
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
	struct vmm_ioapic ioapic;
	struct vmm_virtio *virtio[VMM_VIRTIO_SLOTS];   /* virtio-mmio devices, owned */
	unsigned nvirtio;
	struct vmm_virtio *console;    /* the first virtio console: takes input when running */
	vmm_output_fn output;
	void *output_priv;
	int input_fd;
	enum vmm_end end;              /* set by a device to stop the run (every vCPU's) */
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
/* Kept for devices: an edge on ISA line irq, to every interrupt controller (vmm_irq_raise). */
void vmm_pic_raise(struct vmm *vmm, unsigned irq);
/* The 8259s' own inputs: an edge, or a line's level (level-triggered per ELCR). */
void vmm_pic_edge(struct vmm *vmm, unsigned irq);
void vmm_pic_level(struct vmm *vmm, unsigned irq, int level);
/* The vector to inject now, or -1; acknowledges it (IRR -> ISR). */
int vmm_pic_ack(struct vmm *vmm);
int vmm_pic_pending(struct vmm *vmm);

/*
 * irq.c: how an interrupt travels. Lines are ISA IRQs 0-15 (to the PIC and
 * the IOAPIC; ISA IRQ 0 is IOAPIC pin 2, as the MP table says) and 16-23
 * (IOAPIC only). raise is an edge, set a level (for level-triggered lines).
 */
void vmm_irq_raise(struct vmm *vmm, unsigned line);
void vmm_irq_set(struct vmm *vmm, unsigned line, int level);
/* Something the vCPU should take now (an NMI, an ExtINT, a LAPIC vector, the PIC's). */
int vmm_irq_pending(struct vmm_vcpu *cpu);
/* Before each KVM_RUN: inject one, or ask KVM for the window to do so. */
void vmm_irq_inject(struct vmm_vcpu *cpu);
/* The timers: raise what fell due (the PIT's, the vCPU's LAPIC's), recall the vCPU at the next. */
void vmm_irq_poll(struct vmm_vcpu *cpu);
/* Whether the PIC's output reaches this vCPU (LINT0 or IOAPIC pin 0 ExtINT; the BSP without a LAPIC). */
int vmm_irq_extint_path(struct vmm_vcpu *cpu);
/* The PIC has something: recall the other vCPUs it reaches (once per request). */
void vmm_irq_kick_extint(struct vmm *vmm);

/*
 * dev_lapic.c: the xAPIC of each vCPU, all behind one window (an access
 * goes to vmm->cur's). The BSP's starts as PC firmware leaves it (enabled,
 * LINT0 ExtINT, LINT1 NMI), the APs' as at power-up (software-disabled, all
 * LVT entries masked). Messages come from the IOAPIC and the ICRs (apic_bus.c).
 */
enum { VMM_APIC_FIXED = 0, VMM_APIC_LOWEST = 1, VMM_APIC_SMI = 2, VMM_APIC_NMI = 4,
       VMM_APIC_INIT = 5, VMM_APIC_STARTUP = 6, VMM_APIC_EXTINT = 7 };
/* One LAPIC per vCPU (vmm->nvcpus of them), IDs id, id + 1, ...: -EINVAL past 254. */
int vmm_lapic_init(struct vmm *vmm, uint64_t base, uint8_t id);
void vmm_lapic_fini(struct vmm *vmm);
/* INIT: the power-up state, the ID kept. */
void vmm_lapic_reset(struct vmm_lapic *l);
/* Whether an interrupt message for dest (physical or logical) reaches this LAPIC. */
int vmm_lapic_match(const struct vmm_lapic *l, uint8_t dest, int logical);
/*
 * A message: vector and delivery mode (VMM_APIC_FIXED, _LOWEST or _NMI),
 * level: level-triggered (TMR). Recalls the vCPU when another thread runs it.
 */
void vmm_lapic_accept(struct vmm_vcpu *cpu, uint8_t vector, unsigned mode, int level);
/* The highest vector in IRR that PPR lets through, or -1. ack moves it to ISR. */
int vmm_lapic_pending(struct vmm_vcpu *cpu);
void vmm_lapic_ack(struct vmm_vcpu *cpu, uint8_t vector);
/* LINT0 passes the PIC's output (unmasked ExtINT, software-enabled). */
int vmm_lapic_extint(const struct vmm_vcpu *cpu);
void vmm_lapic_poll(struct vmm_vcpu *cpu);
/* The processor priority register: max(TPR, class of the highest in ISR). */
uint32_t vmm_lapic_ppr(const struct vmm_lapic *l);

/*
 * apic_bus.c: an interrupt message to the LAPICs it names, from the IOAPIC
 * (from NULL) or a LAPIC's ICR. dest is physical (an APIC ID, 0xFF all) or
 * logical (flat or cluster against each LDR/DFR); an ICR's shorthand
 * (VMM_APIC_DEST_*) replaces it. Fixed and NMI go to every LAPIC named,
 * lowest priority to one of them; INIT (asserted) sends an AP back to wait
 * for STARTUP, which starts it at vector << 12. Returns how many LAPICs
 * were named.
 */
enum { VMM_APIC_DEST_FIELD, VMM_APIC_DEST_SELF, VMM_APIC_DEST_ALL, VMM_APIC_DEST_OTHERS };
struct vmm_apic_msg {
	uint8_t vector, mode;          /* VMM_APIC_* */
	uint8_t dest, logical;
	uint8_t level;                 /* trigger mode: level (TMR) */
	uint8_t assert;                /* INIT: 0 is the level de-assert, which does nothing */
	uint8_t shorthand;             /* VMM_APIC_DEST_* */
};
unsigned vmm_apic_bus_send(struct vmm *vmm, struct vmm_vcpu *from, const struct vmm_apic_msg *m);

/* dev_ioapic.c: 24 pins; the PIC's output is pin 0 (ExtINT). */
int vmm_ioapic_init(struct vmm *vmm, uint64_t base, uint8_t id);
void vmm_ioapic_set(struct vmm *vmm, unsigned pin, int level);
void vmm_ioapic_pulse(struct vmm *vmm, unsigned pin);
/* A LAPIC's EOI of a level-triggered vector: clears remote IRR, may deliver again. */
void vmm_ioapic_eoi(struct vmm *vmm, uint8_t vector);
/* Pin 0 passes the PIC's output to this vCPU (unmasked ExtINT naming its LAPIC). */
int vmm_ioapic_extint(const struct vmm_vcpu *cpu);

/*
 * cpuid.c: KVM's supported CPUID (e, *n entries, room for cap) made to
 * agree with the machine, in place; -ENOSPC without room for the topology
 * leaves. setup does it on every vCPU, with the APIC base MSR; why on error.
 */
int vmm_cpuid_filter(struct kvm_cpuid_entry2 *e, unsigned *n, unsigned cap,
                     const struct vmm_cpuid_policy *p);
int vmm_cpuid_setup(struct vmm *vmm, char *why, size_t size);

/*
 * kick.c: a vCPU's recall. start (on the thread that runs the vCPU) aims a
 * POSIX timer raising VMM_KICK_SIGNAL at that thread; at arms it for an
 * absolute CLOCK_MONOTONIC time (0: off); the signal's handler sets the
 * vCPU's immediate_exit, which the run loop clears.
 */
#define VMM_KICK_SIGNAL SIGRTMIN
int vmm_kick_start(struct vmm_vcpu *cpu);
void vmm_kick_stop(struct vmm_vcpu *cpu);
void vmm_kick_at(struct vmm_vcpu *cpu, uint64_t due_ns);

/*
 * vcpu.c: the vCPUs' lives. prepare readies n slots (nothing open, the BSP
 * running, the APs waiting for STARTUP, vmm->cur the BSP); create makes
 * KVM's vCPU with its run structure and wake eventfd (why on error);
 * destroy undoes it. run is one vCPU's loop on the calling thread until
 * vmm->end, then it recalls the others. wake recalls a vCPU that another
 * thread runs (a signal in KVM_RUN, the eventfd in a wait; nothing for the
 * lock holder's own). ipi_init sends an AP back to wait for a STARTUP IPI
 * (the BSP ignores INIT), ipi_startup starts a waiting one at vector << 12.
 * All but prepare, create and destroy with the lock held.
 */
void vmm_vcpu_prepare(struct vmm *vmm, unsigned n);
int vmm_vcpu_create(struct vmm_vcpu *cpu, char *why, size_t size);
void vmm_vcpu_destroy(struct vmm_vcpu *cpu);
void vmm_vcpu_run(struct vmm_vcpu *cpu);
void vmm_vcpu_wake(struct vmm_vcpu *cpu);
void vmm_vcpu_wake_all(struct vmm *vmm);
void vmm_vcpu_ipi_init(struct vmm_vcpu *cpu);
void vmm_vcpu_ipi_startup(struct vmm_vcpu *cpu, uint8_t vector);

/* mptable.c: an Intel MP table in the BIOS area (0xf0000) for the vCPUs' LAPICs and the IOAPIC. */
int vmm_mptable_write(struct vmm *vmm);

/*
 * acpi.c: hardware-reduced ACPI tables in the BIOS area (0xe0000-0xeffff)
 * for a machine with a LAPIC and an IOAPIC: RSDP, XSDT, FADT, MADT and a
 * DSDT naming the virtio devices (after vmm_virtio_machine_create) and the
 * ISA devices. *rsdp: the RSDP's address, 0 for a machine without them.
 * 0, or -ENOSPC when the area is not in guest memory.
 */
int vmm_acpi_write(struct vmm *vmm, uint64_t *rsdp);

int vmm_pit_init(struct vmm *vmm);                  /* 0x40 and the speaker port 0x61 */
int vmm_pit_init_at(struct vmm *vmm, uint16_t io_base);
int vmm_speaker_init(struct vmm *vmm, uint16_t port);
/* Timer expirations since last time: raise IRQ 0 for them. */
void vmm_pit_poll(struct vmm *vmm);
/* When channel 0's next interrupt is due (CLOCK_MONOTONIC ns), 0: none. */
uint64_t vmm_pit_due_ns(struct vmm *vmm);
void vmm_pit_fini(struct vmm *vmm);

int vmm_rtc_init(struct vmm *vmm);
int vmm_rtc_init_at(struct vmm *vmm, uint16_t io_base);
int vmm_serial_init(struct vmm *vmm);
int vmm_serial_init_at(struct vmm *vmm, uint16_t io_base, uint8_t irq);
void vmm_serial_flush(struct vmm *vmm);
/* Take a waiting input byte (raising IRQ 4 if the guest asked for it). */
void vmm_serial_poll_input(struct vmm *vmm);
/* Whether the UART would take an input byte now (it holds none, and the virtio console does not read). */
int vmm_serial_wants_input(struct vmm *vmm);
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

/*
 * virtio-mmio devices (virtio.h holds their model): a window at base, an
 * IRQ line, registered on the MMIO bus and freed by vmm_virtio_free_all().
 * The block device opens disk->path as a raw image unless disk->ops is
 * set; why says what went wrong.
 */
struct vmm_virtio;
/* virtio_machine.c: the machine's virtio devices and cfg's disks (after the other devices). */
int vmm_virtio_machine_create(struct vmm *vmm, const struct vmm_config *cfg, char *why,
                              size_t why_size);
int vmm_virtio_console_init(struct vmm *vmm, uint64_t base, uint8_t irq);
int vmm_virtio_block_init(struct vmm *vmm, uint64_t base, uint8_t irq,
                          const struct vmm_disk *disk, char *why, size_t why_size);
/* Input waiting on input_fd goes to the virtio console while its driver receives. */
int vmm_virtio_console_takes_input(struct vmm *vmm);
void vmm_virtio_console_poll_input(struct vmm *vmm);
/* Whether the console reads input and its driver has a receive buffer posted. */
int vmm_virtio_console_wants_input(struct vmm *vmm);
void vmm_virtio_free_all(struct vmm *vmm);

void vmm_fail(struct vmm *vmm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
