/*
 * A user-level virtual machine monitor on KVM, after Vancouver: the kernel
 * only reflects virtualization events (port and MMIO accesses, halts) to
 * this library, which emulates the PC's devices in user space: interrupt
 * controller, timers, RTC, serial port, keyboard controller. One VM per
 * process, one vCPU for now.
 *
 * Errors follow Arbor's convention (0 or a negative errno); a VMM_E_* text
 * is left in vmm->error for the user.
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stddef.h>
#include <stdint.h>

struct vmm;

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
	VMM_DEV_SERIAL, VMM_DEV_VCPU,
};

#define VMM_MACHINE_MEM_MAX     8
#define VMM_MACHINE_DEVICES_MAX 32

struct vmm_device {
	enum vmm_device_kind kind;
	uint16_t io_base, io_base2;   /* pic: elcr; scp: port b (speaker); others: 0 */
	uint8_t irq;
};

struct vmm_machine {
	struct { uint64_t start, end; } mem[VMM_MACHINE_MEM_MAX];
	unsigned nmem;
	struct vmm_device dev[VMM_MACHINE_DEVICES_MAX];
	unsigned ndev;
	char not_modelled[256];       /* known elements without a model yet, for a note */
};

/* A PC with mem bytes of RAM: conventional memory and the rest above 1 MiB, and its devices. */
void vmm_machine_default(struct vmm_machine *m, uint64_t mem);

/*
 * Parse a <machine> node (or a <config> holding one) from text. Unknown
 * elements and bad attributes are errors naming the element, with
 * file:line:column in why. Returns 0 or -EINVAL.
 */
int vmm_machine_parse(const char *text, size_t len, const char *file, struct vmm_machine *m,
                      char *why, size_t why_size);

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
	int input_fd;              /* guest serial input, -1: none */
};

/* How a run ended. */
enum vmm_end {
	VMM_END_RESET = 1,         /* the guest reset the machine (keyboard controller, port 0x92, triple fault) */
	VMM_END_POWEROFF,          /* the guest switched the machine off */
	VMM_END_ERROR,             /* the VMM gave up: vmm_error() says why */
};

/* Whether image is a Linux bzImage (its first module is then the initrd). */
int vmm_kernel_is_linux(const struct vmm_image *image);

/* Create the VM and load the kernel. Returns 0, or an error with the reason in why. */
int vmm_new(const struct vmm_config *cfg, struct vmm **out, char *why, size_t why_size);

/* Run until the guest resets, powers off or fails. */
enum vmm_end vmm_run(struct vmm *vmm);

/* Why the run ended in VMM_END_ERROR (or why vmm_new failed). */
const char *vmm_error(const struct vmm *vmm);

void vmm_free(struct vmm *vmm);

#endif
