/*
 * A user-level virtual machine monitor on KVM, after Vancouver: the kernel
 * only reflects virtualization events (port and MMIO accesses, halts) to
 * this library, which emulates the PC's devices in user space: interrupt
 * controllers (8259 pair, local APIC, I/O APIC: doc/vmm-interrupts.md),
 * timers, RTC, serial port, keyboard controller, and virtio-mmio console and
 * block devices (doc/vmm-virtio.md). One VM per process, with up to
 * VMM_VCPUS_MAX vCPUs, each run by a thread of its own.
 *
 * Errors follow Arbor's convention (0 or a negative errno); a VMM_E_* text
 * is left in vmm->error for the user.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stddef.h>
#include <stdint.h>

struct vmm;
struct vmm_block_ops;

/* Where guest serial output goes; NULL: stdout. */
typedef void (*vmm_output_fn)(void *priv, const char *data, size_t len);

/* A boot image in memory: a mapped host file, or a ROM module's dataspace. */
struct vmm_image {
	const char *name;          /* for messages (and a module's default string) */
	const void *data;
	size_t size;
};

struct vmm_module {
	struct vmm_image image;
	const char *cmdline;       /* the module's string (Multiboot), NULL: its name */
};

/*
 * The machine: Vancouver's <machine> description as a list of device
 * instances in order, and the guest's RAM ranges. Built by
 * vmm_machine_parse() or vmm_machine_default().
 */
enum vmm_device_kind {
	VMM_DEV_NULLIO, VMM_DEV_PIC, VMM_DEV_PIT, VMM_DEV_SCP, VMM_DEV_KBC, VMM_DEV_RTC,
	VMM_DEV_SERIAL,
	VMM_DEV_VCPU,                 /* a vCPU: one per <vcpu/>, VMM_VCPUS_MAX at most */
	VMM_DEV_VIRTIO_CONSOLE,       /* virtio-mmio devices (doc/vmm-virtio.md) */
	VMM_DEV_VIRTIO_BLOCK,         /* the next disk of vmm_config, in order; none left: left out */
	VMM_DEV_LAPIC,                /* each vCPU's local APIC at 0xfee00000 (doc/vmm-interrupts.md) */
	VMM_DEV_IOAPIC,               /* an I/O APIC; needs a LAPIC; brings ACPI tables (acpi.c) */
};

#define VMM_MACHINE_MEM_MAX     8
#define VMM_MACHINE_DEVICES_MAX 32
#define VMM_VCPUS_MAX           16

struct vmm_device {
	enum vmm_device_kind kind;
	uint16_t io_base, io_base2;   /* pic: elcr; scp: port b (speaker); others: 0 */
	uint8_t irq;
	uint64_t mem_base;            /* virtio: the 4 KiB MMIO window; ioapic, lapic: its registers */
	uint8_t apic_id;              /* lapic: the BSP's APIC ID (vCPU n has apic_id + n); ioapic: its ID */
};

/*
 * virtio-mmio windows: slot n is [VMM_VIRTIO_BASE + n * 4 KiB, +4 KiB) on
 * a PIC line of its own (5, 10, 11, 9, 3, 6, 14, 13 for slots 0..7).
 * A Linux guest finds them on its command line (virtio_mmio.device=) and,
 * on a machine with an IOAPIC, in the ACPI tables the Linux and PVH
 * loaders hand over: hardware-reduced ACPI, one LNRO0005 device per window
 * (doc/vmm-acpi.md).
 */
#define VMM_VIRTIO_BASE   0xfeb00000u
#define VMM_VIRTIO_WINDOW 0x1000u
#define VMM_VIRTIO_SLOTS  8

/*
 * The APICs' register windows. The LAPICs' stays where KVM's APIC base MSR
 * starts (relocation is not supported; each vCPU sees its own LAPIC there);
 * the IOAPIC's may move (<ioapic address>); the default IOAPIC ID is 1,
 * after the BSP's LAPIC's 0 (xAPIC IOAPIC IDs are a name space of their own).
 */
#define VMM_LAPIC_BASE    0xfee00000u
#define VMM_IOAPIC_BASE   0xfec00000u
#define VMM_IOAPIC_ID     1

struct vmm_machine {
	struct { uint64_t start, end; } mem[VMM_MACHINE_MEM_MAX];
	unsigned nmem;
	struct vmm_device dev[VMM_MACHINE_DEVICES_MAX];
	unsigned ndev;
	char not_modelled[256];       /* known elements without a model yet, for a note */
};

/*
 * A PC with mem bytes of RAM: conventional memory and the rest above 1 MiB,
 * and its devices (PIC pair, PIT, IOAPIC, LAPIC, RTC, COM1, one vCPU, ...),
 * a virtio console among them.
 */
void vmm_machine_default(struct vmm_machine *m, uint64_t mem);

/*
 * Append a virtio device (VMM_DEV_VIRTIO_*) in the first slot no virtio
 * device of m uses, with that slot's IRQ. Returns 0, or -ENOSPC when the
 * machine or the slots are full.
 */
int vmm_machine_add_virtio(struct vmm_machine *m, enum vmm_device_kind kind);

/*
 * Parse a <machine> node (or a <config> holding one) from text. Unknown
 * elements and bad attributes are errors naming the element, with
 * file:line:column in why. Returns 0 or -EINVAL.
 */
int vmm_machine_parse(const char *text, size_t len, const char *file, struct vmm_machine *m,
                      char *why, size_t why_size);

/*
 * A guest disk: a virtio block device. The machine's <virtio_block>
 * elements place the disks in order; disks beyond them go into the next
 * free virtio slots. Guest output on the virtio console goes where serial
 * output goes; input (input_fd) goes to the virtio console while the
 * guest's driver has its receive queue running, else to the serial port.
 */
struct vmm_disk {
	const char *path;          /* a raw image file, opened by vmm_new (ops NULL); names the disk */
	int read_only;             /* the guest is told, and its writes fail with an I/O error */
	/* NULL: the file at path; else a backend the VMM borrows until vmm_free (vmm/block.h) */
	const struct vmm_block_ops *ops;
	void *priv;                /* the backend's, passed to each op */
};

struct vmm_config {
	const struct vmm_machine *machine;   /* NULL: vmm_machine_default() with mem */
	uint64_t mem;              /* guest RAM in bytes (without a machine) */
	int kvm_fd;                /* an open /dev/kvm (a VM session's), or -1 to open it here */
	/*
	 * Guest RAM, e.g. a RAM dataspace paid from a component's quota: at
	 * least as large as the highest <mem> end; NULL: the VMM maps it.
	 */
	void *guest_mem;
	uint64_t guest_mem_size;
	struct vmm_image kernel;   /* a Linux bzImage, a Multiboot or a PVH kernel */
	const char *cmdline;       /* the kernel's command line, may be NULL */
	const struct vmm_module *modules;
	unsigned nmodules;
	vmm_output_fn output;
	void *output_priv;
	int input_fd;              /* guest input (serial port or virtio console), -1: none */
	const struct vmm_disk *disks;   /* virtio block devices, in order */
	unsigned ndisks;
	/*
	 * vCPUs, 1..VMM_VCPUS_MAX; 0: one per <vcpu/> of the machine (one when
	 * it has none). More than one needs a <lapic>; vCPU 0 is the BSP, the
	 * others are APs waiting for INIT and STARTUP IPIs (doc/vmm-interrupts.md).
	 */
	unsigned cpus;
};

/* How a run ended. */
enum vmm_end {
	VMM_END_RESET = 1,         /* the guest reset the machine (keyboard controller, port 0x92, triple fault) */
	VMM_END_POWEROFF,          /* the guest switched the machine off */
	VMM_END_ERROR,             /* the VMM gave up: vmm_error() says why */
};

/* Whether image is a Linux bzImage (its first module is then the initrd). */
int vmm_kernel_is_linux(const struct vmm_image *image);

/*
 * Create the VM, its vCPUs, its devices (opening the disk images) and load
 * the kernel. Returns 0, or an error with the reason in why (e.g. "cannot
 * open the disk image PATH: No such file or directory", "at most 16
 * vCPUs", "more than one vCPU needs a <lapic>").
 */
int vmm_new(const struct vmm_config *cfg, struct vmm **out, char *why, size_t why_size);

/*
 * Run until the guest resets, powers off (every vCPU halted with interrupts
 * off, or waiting for STARTUP) or fails. The calling thread runs the BSP;
 * each AP gets a thread of its own (all signals but SIGRTMIN blocked), and
 * vmm_run returns once every one of them has stopped. Timers and IPIs
 * recall a vCPU from KVM_RUN with SIGRTMIN, whose handler vmm_run installs
 * (doc/vmm-interrupts.md): leave that signal to it.
 */
enum vmm_end vmm_run(struct vmm *vmm);

/* Why the run ended in VMM_END_ERROR (or why vmm_new failed). */
const char *vmm_error(const struct vmm *vmm);

void vmm_free(struct vmm *vmm);

#endif
