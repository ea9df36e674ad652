/*
 * The VM: KVM's VM and its vCPUs, guest RAM as one anonymous shared
 * mapping, the devices, and the run: the caller's thread runs the BSP, a
 * thread each the APs (vcpu.c's loop), until one of them ends it. Interrupts
 * are injected by those loops from the user-level LAPICs or PIC (irq.c), as
 * in Vancouver: KVM's in-kernel irqchip and PIT are not used.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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
	vmm->run_size = (size_t)ioctl(vmm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		int err = vmm_vcpu_create(&vmm->vcpus[i], why, size);
		if (err)
			return err;
	}
	return 0;
}

/* How many vCPUs: cfg->cpus, else one per <vcpu/> (one when there is none). */
static int count_vcpus(const struct vmm *vmm, const struct vmm_config *cfg, unsigned *n, char *why,
                       size_t size)
{
	unsigned elements = 0;

	for (unsigned i = 0; i < vmm->machine.ndev; i++)
		elements += vmm->machine.dev[i].kind == VMM_DEV_VCPU;
	*n = cfg->cpus ? cfg->cpus : elements ? elements : 1;
	if (*n > VMM_VCPUS_MAX) {
		snprintf(why, size, "at most %d vCPUs (%u asked for)", VMM_VCPUS_MAX, *n);
		return -EINVAL;
	}
	return 0;
}

/* The device models of the machine description, in its order. */
static int create_devices(struct vmm *vmm, char *why, size_t size)
{
	const struct vmm_device *d = NULL;
	unsigned pics = 0;
	int err = 0;

	for (unsigned i = 0; i < vmm->machine.ndev && !err; i++) {
		d = &vmm->machine.dev[i];
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
		case VMM_DEV_VCPU:   break;            /* count_vcpus() */
		case VMM_DEV_LAPIC:  err = vmm_lapic_init(vmm, d->mem_base, d->apic_id); break;
		case VMM_DEV_IOAPIC: err = vmm_ioapic_init(vmm, d->mem_base, d->apic_id); break;
		case VMM_DEV_VIRTIO_CONSOLE:
		case VMM_DEV_VIRTIO_BLOCK:  break;   /* vmm_virtio_machine_create() */
		}
	}
	if (err) {
		snprintf(why, size, "cannot set up the devices: %s",
		         err == -EINVAL && d->kind == VMM_DEV_LAPIC ?
		                 "the LAPICs' IDs (<lapic id> plus the vCPU's number) end at 254" :
		         err == -EINVAL ? "a PC has two PICs at most" :
		         err == -EEXIST ? "one <lapic> and one <ioapic> at most" : strerror(-err));
		return err;
	}
	if (vmm->ioapic.present && !vmm->vcpus[0].lapic.present) {
		snprintf(why, size, "an <ioapic> needs a <lapic> to deliver to");
		return -EINVAL;
	}
	if (vmm->nvcpus > 1 && !vmm->vcpus[0].lapic.present) {
		snprintf(why, size, "more than one vCPU needs a <lapic> (for the IPIs that start them)");
		return -EINVAL;
	}
	return 0;
}

int vmm_new(const struct vmm_config *cfg, struct vmm **out, char *why, size_t why_size)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));
	const uint8_t *image = cfg->kernel.data;
	size_t image_size = cfg->kernel.size;
	unsigned ncpus;
	int err;

	*out = NULL;
	if (!vmm) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	vmm->kvm = vmm->vm = -1;
	vmm_vcpu_prepare(vmm, 0);
	vmm->pit.timerfd = -1;
	vmm->output = cfg->output;
	vmm->output_priv = cfg->output_priv;
	vmm->input_fd = cfg->input_fd;
	if (pthread_mutex_init(&vmm->lock, NULL)) {
		snprintf(why, why_size, "cannot create the VMM's lock");
		err = -ENOMEM;
		goto fail;
	}
	vmm->lock_ready = 1;
	if (cfg->machine)
		vmm->machine = *cfg->machine;
	else
		vmm_machine_default(&vmm->machine, cfg->mem);
	err = count_vcpus(vmm, cfg, &ncpus, why, why_size);
	if (err)
		goto fail;
	vmm_vcpu_prepare(vmm, ncpus);
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

static void *ap_thread(void *arg)
{
	vmm_vcpu_run(arg);
	return NULL;
}

/*
 * The APs' threads start with every signal but the recall's blocked (the
 * embedding program's signals go to its own threads), and wait for the
 * lock until all of them exist, so that each one's handle is written
 * before another vCPU may signal it.
 */
static void start_aps(struct vmm *vmm)
{
	sigset_t all, old;

	sigfillset(&all);
	sigdelset(&all, VMM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_mutex_lock(&vmm->lock);
	for (unsigned i = 1; i < vmm->nvcpus; i++) {
		struct vmm_vcpu *cpu = &vmm->vcpus[i];
		int err = pthread_create(&cpu->thread, NULL, ap_thread, cpu);
		if (err) {
			vmm_fail(vmm, "cannot start a thread for vCPU %u: %s", i, strerror(err));
			break;
		}
		cpu->thread_on = 1;
	}
	pthread_mutex_unlock(&vmm->lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

enum vmm_end vmm_run(struct vmm *vmm)
{
	vmm->end = 0;
	vmm->vcpus[0].thread = pthread_self();
	start_aps(vmm);
	vmm_vcpu_run(&vmm->vcpus[0]);             /* returns at once when an AP could not start */
	for (unsigned i = 1; i < vmm->nvcpus; i++) {
		if (vmm->vcpus[i].thread_on)
			pthread_join(vmm->vcpus[i].thread, NULL);
		vmm->vcpus[i].thread_on = 0;
	}
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
	for (unsigned i = 0; i < VMM_VCPUS_MAX; i++)
		vmm_vcpu_destroy(&vmm->vcpus[i]);
	if (vmm->mem && !vmm->mem_borrowed)
		munmap(vmm->mem, vmm->mem_size);
	if (vmm->vm >= 0)
		close(vmm->vm);
	if (vmm->kvm >= 0)
		close(vmm->kvm);
	if (vmm->lock_ready)
		pthread_mutex_destroy(&vmm->lock);
	free(vmm);
}
