/*
 * The VM: KVM's VM and vCPU, guest RAM as one anonymous shared mapping,
 * and the run loop. Everything a guest does that KVM reflects (port I/O,
 * halts, a triple fault) is handled here or in the device models, and
 * interrupts are injected by this loop from the user-level LAPIC or PIC
 * (irq.c), as in Vancouver: KVM's in-kernel irqchip and PIT are not used.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vmm_internal.h"

void vmm_fail(struct vmm *vmm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vmm->error, sizeof(vmm->error), fmt, ap);
	va_end(ap);
	vmm->end = VMM_END_ERROR;
}

const char *vmm_error(const struct vmm *vmm)
{
	return vmm->error;
}

void *vmm_gpa(struct vmm *vmm, uint64_t gpa, uint64_t len)
{
	if (gpa > vmm->mem_size || len > vmm->mem_size - gpa)
		return NULL;
	return vmm->mem + gpa;
}

int vmm_load_image(struct vmm *vmm, const char *what, const struct vmm_image *image,
                   uint64_t at)
{
	uint8_t *dst = vmm_gpa(vmm, at, image->size);

	if (!dst) {
		vmm_fail(vmm, "the %s %s does not fit into the guest's memory", what, image->name);
		return -ENOSPC;
	}
	memcpy(dst, image->data, image->size);
	return 0;
}

static int setup_kvm(struct vmm *vmm, const struct vmm_config *cfg, char *why, size_t size)
{
	struct kvm_userspace_memory_region region;
	int version;

	vmm->kvm = cfg->kvm_fd >= 0 ? cfg->kvm_fd : open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vmm->kvm < 0) {
		snprintf(why, size, "cannot open /dev/kvm: %s", strerror(errno));
		return -errno;
	}
	version = ioctl(vmm->kvm, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		snprintf(why, size, "KVM API version %d, expected %d", version, KVM_API_VERSION);
		return -EINVAL;
	}
	vmm->vm = ioctl(vmm->kvm, KVM_CREATE_VM, 0);
	if (vmm->vm < 0) {
		snprintf(why, size, "KVM_CREATE_VM: %s", strerror(errno));
		return -errno;
	}
	/* guest RAM: one mapping up to the highest <mem> end; the ranges say what the guest is told */
	vmm->mem_size = 0;
	for (unsigned i = 0; i < vmm->machine.nmem; i++)
		if (vmm->machine.mem[i].end > vmm->mem_size)
			vmm->mem_size = vmm->machine.mem[i].end;
	if (vmm->mem_size < (2u << 20) || vmm->mem_size > (3ull << 30)) {
		snprintf(why, size, "guest memory must be between 2 MiB and 3 GiB");
		return -EINVAL;
	}
	if (cfg->guest_mem) {
		if (cfg->guest_mem_size < vmm->mem_size) {
			snprintf(why, size, "the guest's memory (%llu bytes) is smaller than its <mem> ranges",
			         (unsigned long long)cfg->guest_mem_size);
			return -EINVAL;
		}
		vmm->mem = cfg->guest_mem;
		vmm->mem_borrowed = 1;
	} else {
		vmm->mem = mmap(NULL, vmm->mem_size, PROT_READ | PROT_WRITE,
		                MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (vmm->mem == MAP_FAILED) {
		vmm->mem = NULL;
		snprintf(why, size, "cannot map %llu bytes of guest memory",
		         (unsigned long long)vmm->mem_size);
		return -ENOMEM;
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = vmm->mem_size,
		.userspace_addr = (uint64_t)(uintptr_t)vmm->mem,
	};
	if (ioctl(vmm->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		snprintf(why, size, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -errno;
	}
	vmm->vcpu = ioctl(vmm->vm, KVM_CREATE_VCPU, 0);
	if (vmm->vcpu < 0) {
		snprintf(why, size, "KVM_CREATE_VCPU: %s", strerror(errno));
		return -errno;
	}
	vmm->run_size = (size_t)ioctl(vmm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	vmm->run = mmap(NULL, vmm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vmm->vcpu, 0);
	if (vmm->run == MAP_FAILED) {
		vmm->run = NULL;
		snprintf(why, size, "cannot map the vCPU's run structure");
		return -ENOMEM;
	}
	return 0;
}

/* The device models of the machine description, in its order. */
static int create_devices(struct vmm *vmm, char *why, size_t size)
{
	unsigned pics = 0, vcpus = 0;
	int err = 0;

	for (unsigned i = 0; i < vmm->machine.ndev && !err; i++) {
		const struct vmm_device *d = &vmm->machine.dev[i];
		switch (d->kind) {
		case VMM_DEV_NULLIO: err = vmm_nullio_init(vmm, d->io_base); break;
		case VMM_DEV_PIC:    err = vmm_pic_chip_init(vmm, pics++, d->io_base, d->io_base2); break;
		case VMM_DEV_PIT:    err = vmm_pit_init_at(vmm, d->io_base); break;
		case VMM_DEV_SCP:
			err = vmm_fast_reset_init(vmm, d->io_base);
			if (!err)
				err = vmm_speaker_init(vmm, d->io_base2);
			break;
		case VMM_DEV_KBC:    err = vmm_kbc_init_at(vmm, d->io_base); break;
		case VMM_DEV_RTC:    err = vmm_rtc_init_at(vmm, d->io_base); break;
		case VMM_DEV_SERIAL: err = vmm_serial_init_at(vmm, d->io_base, d->irq); break;
		case VMM_DEV_VCPU:   vcpus++; break;
		case VMM_DEV_LAPIC:  err = vmm_lapic_init(vmm, d->mem_base, d->apic_id); break;
		case VMM_DEV_IOAPIC: err = vmm_ioapic_init(vmm, d->mem_base, d->apic_id); break;
		case VMM_DEV_VIRTIO_CONSOLE:
		case VMM_DEV_VIRTIO_BLOCK:  break;   /* vmm_virtio_machine_create() */
		}
	}
	if (err) {
		snprintf(why, size, "cannot set up the devices: %s",
		         err == -EINVAL ? "a PC has two PICs at most" :
		         err == -EEXIST ? "one <lapic> and one <ioapic> at most" : strerror(-err));
		return err;
	}
	if (vmm->ioapic.present && !vmm->lapic.present) {
		snprintf(why, size, "an <ioapic> needs a <lapic> to deliver to");
		return -EINVAL;
	}
	if (vcpus > 1) {
		snprintf(why, size, "one <vcpu> only, so far");
		return -EINVAL;
	}
	return 0;
}

int vmm_new(const struct vmm_config *cfg, struct vmm **out, char *why, size_t why_size)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));
	const uint8_t *image = cfg->kernel.data;
	size_t image_size = cfg->kernel.size;
	int err;

	*out = NULL;
	if (!vmm) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	vmm->kvm = vmm->vm = vmm->vcpu = -1;
	vmm->pit.timerfd = -1;
	vmm->lapic.timerfd = -1;
	vmm->output = cfg->output;
	vmm->output_priv = cfg->output_priv;
	vmm->input_fd = cfg->input_fd;
	if (cfg->machine)
		vmm->machine = *cfg->machine;
	else
		vmm_machine_default(&vmm->machine, cfg->mem);
	err = setup_kvm(vmm, cfg, why, why_size);
	if (err)
		goto fail;
	err = create_devices(vmm, why, why_size);
	if (!err)
		err = vmm_virtio_machine_create(vmm, cfg, why, why_size);
	if (!err)
		err = vmm_cpuid_setup(vmm, why, why_size);      /* before the loaders set CR4, EFER */
	if (!err && (err = vmm_mptable_write(vmm)))
		snprintf(why, why_size, "no room for the MP table in the guest's memory");
	if (err)
		goto fail;
	/* told apart by their headers: a bzImage's setup header, else Multiboot's */
	if (vmm_linux_probe(image, image_size)) {
		err = vmm_linux_load(vmm, cfg, image, image_size);
	} else if (vmm_multiboot_probe(image, image_size)) {
		err = vmm_multiboot_load(vmm, cfg, image, image_size);
	} else if (vmm_pvh_entry(image, image_size)) {
		err = vmm_pvh_load(vmm, cfg, image, image_size);     /* QEMU's order: Multiboot first */
	} else {
		vmm_fail(vmm, "%s is neither a Linux bzImage nor a Multiboot or PVH kernel",
		         cfg->kernel.name);
		err = -EINVAL;
	}
	if (err) {
		snprintf(why, why_size, "%s", vmm->error[0] ? vmm->error : strerror(-err));
		goto fail;
	}
	*out = vmm;
	return 0;

fail:
	vmm_free(vmm);
	return err;
}

int vmm_kernel_is_linux(const struct vmm_image *image)
{
	return vmm_linux_probe(image->data, image->size);
}

/* The guest halted: wait for the next device event (timer, serial input). */
static void wait_for_event(struct vmm *vmm)
{
	/* poll() skips the fds that are -1 */
	struct pollfd pfd[3] = {
		{ .fd = vmm->pit.timerfd, .events = POLLIN },
		{ .fd = vmm->lapic.timerfd, .events = POLLIN },
		{ .fd = vmm->input_fd, .events = POLLIN },
	};

	/* input waits in the fd while the device that reads it holds a byte or has no buffer */
	if (!vmm_serial_wants_input(vmm) && !vmm_virtio_console_wants_input(vmm))
		pfd[2].fd = -1;

	vmm_serial_flush(vmm);
	if (vmm_irq_pending(vmm))
		return;
	if (poll(pfd, 3, 1000) > 0) {
		vmm_irq_poll(vmm);
		vmm_serial_poll_input(vmm);
		vmm_virtio_console_poll_input(vmm);
	}
}

enum vmm_end vmm_run(struct vmm *vmm)
{
	struct kvm_run *run = vmm->run;

	vmm->end = 0;
	if (vmm_kick_start(vmm) < 0)
		vmm->kick.on = 0;             /* kick.c: then a timer waits for the guest's next exit */
	while (!vmm->end) {
		vmm_irq_poll(vmm);
		vmm_irq_inject(vmm);          /* irq.c: from the LAPIC or the PIC */
		if (ioctl(vmm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vmm_fail(vmm, "KVM_RUN: %s", strerror(errno));
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			vmm_port_access(vmm, run);
			break;
		case KVM_EXIT_HLT:
			/*
			 * Halted with interrupts off, only an NMI could wake the vCPU:
			 * the guest stopped for good. Linux's poweroff ends so on a
			 * machine without ACPI's S5 (its halt path: cli, hlt forever).
			 */
			if (!run->if_flag && !vmm->lapic.nmi_pending)
				vmm->end = VMM_END_POWEROFF;
			else
				wait_for_event(vmm);
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_MMIO:
			vmm_mmio_access(vmm, run);
			break;
		case KVM_EXIT_SHUTDOWN:
			vmm->end = VMM_END_RESET;      /* a triple fault resets a PC */
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vmm_fail(vmm, "the vCPU could not enter the guest (reason 0x%llx)",
			         (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			vmm_fail(vmm, "KVM could not emulate a guest instruction (suberror %u)",
			         run->internal.suberror);
			break;
		default:
			vmm_fail(vmm, "unexpected exit %u from KVM", run->exit_reason);
			break;
		}
	}
	vmm_kick_stop(vmm);
	vmm_serial_flush(vmm);
	return vmm->end;
}

void vmm_free(struct vmm *vmm)
{
	if (!vmm)
		return;
	vmm_pit_fini(vmm);
	vmm_lapic_fini(vmm);
	vmm_virtio_free_all(vmm);
	if (vmm->run)
		munmap(vmm->run, vmm->run_size);
	if (vmm->mem && !vmm->mem_borrowed)
		munmap(vmm->mem, vmm->mem_size);
	if (vmm->vcpu >= 0)
		close(vmm->vcpu);
	if (vmm->vm >= 0)
		close(vmm->vm);
	if (vmm->kvm >= 0)
		close(vmm->kvm);
	free(vmm);
}
