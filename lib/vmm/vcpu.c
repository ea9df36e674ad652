/*
 * The vCPUs: KVM's vCPU and its run structure, and the loop each one's
 * thread runs. Everything a guest does that KVM reflects (port I/O, MMIO,
 * halts, a triple fault) is handled here or in the device models, under
 * the VMM's lock; KVM_RUN and the waits of a halted vCPU run without it,
 * so that the vCPUs run in parallel and meet only at their exits.
 *
 * An AP starts waiting for a STARTUP IPI (its thread sleeps on its wake
 * eventfd); the IPI starts it in real mode at vector << 12, as the MP
 * specification says; an INIT sends it back to wait. A vCPU that another
 * thread must tell something (an IPI, an IOAPIC message, the PIC's output,
 * the end of the run) is recalled: with VMM_KICK_SIGNAL while in KVM_RUN
 * (kick.c's handler sets immediate_exit), through its eventfd while it
 * waits; the flags in_run and waiting say which, under the lock.
 *
 * vmm_new creates every vCPU on the caller's thread (their CPUID must be set
 * before anything runs); an AP's first KVM_RUN on its thread makes KVM
 * take that thread as the vCPU's, once.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vmm_internal.h"

void vmm_vcpu_prepare(struct vmm *vmm, unsigned n)
{
	vmm->nvcpus = n;
	for (unsigned i = 0; i < VMM_VCPUS_MAX; i++) {
		struct vmm_vcpu *cpu = &vmm->vcpus[i];
		cpu->vmm = vmm;
		cpu->index = i;
		cpu->fd = cpu->wake_fd = cpu->lapic.timerfd = -1;
		cpu->state = i == 0 ? VMM_VCPU_RUNNING : VMM_VCPU_WAIT_SIPI;
	}
	vmm->cur = &vmm->vcpus[0];
}

int vmm_vcpu_create(struct vmm_vcpu *cpu, char *why, size_t size)
{
	struct vmm *vmm = cpu->vmm;
	int err;

	cpu->fd = ioctl(vmm->vm, KVM_CREATE_VCPU, (unsigned long)cpu->index);
	if (cpu->fd < 0) {
		err = -errno;
		snprintf(why, size, "KVM_CREATE_VCPU (vCPU %u): %s", cpu->index, strerror(-err));
		return err;
	}
	cpu->run = mmap(NULL, vmm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED) {
		cpu->run = NULL;
		snprintf(why, size, "cannot map the run structure of vCPU %u", cpu->index);
		return -ENOMEM;
	}
	/* the state a STARTUP IPI starts from: KVM's reset state, before anything ran */
	if (ioctl(cpu->fd, KVM_GET_SREGS, &cpu->reset_sregs) < 0) {
		err = -errno;
		snprintf(why, size, "KVM_GET_SREGS (vCPU %u): %s", cpu->index, strerror(-err));
		return err;
	}
	cpu->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (cpu->wake_fd < 0) {
		err = -errno;
		snprintf(why, size, "eventfd: %s", strerror(-err));
		return err;
	}
	return 0;
}

void vmm_vcpu_destroy(struct vmm_vcpu *cpu)
{
	if (cpu->run)
		munmap(cpu->run, cpu->vmm->run_size);
	cpu->run = NULL;
	if (cpu->fd >= 0)
		close(cpu->fd);
	if (cpu->wake_fd >= 0)
		close(cpu->wake_fd);
	cpu->fd = cpu->wake_fd = -1;
}

void vmm_vcpu_wake(struct vmm_vcpu *cpu)
{
	static const uint64_t one = 1;

	if (cpu == cpu->vmm->cur)
		return;                               /* the caller's own: it looks before it runs */
	if (cpu->in_run)
		pthread_kill(cpu->thread, VMM_KICK_SIGNAL);
	else if (cpu->waiting && write(cpu->wake_fd, &one, sizeof(one)) < 0)
		return;                               /* the counter is full: it is awake anyway */
	/* neither: its thread is on its way to the lock and will look then */
}

void vmm_vcpu_wake_all(struct vmm *vmm)
{
	for (unsigned i = 0; i < vmm->nvcpus; i++)
		vmm_vcpu_wake(&vmm->vcpus[i]);
}

void vmm_vcpu_ipi_init(struct vmm_vcpu *cpu)
{
	if (cpu->index == 0)
		return;                               /* INIT would restart the BSP at the reset vector: no firmware */
	vmm_lapic_reset(&cpu->lapic);
	cpu->state = VMM_VCPU_WAIT_SIPI;
	cpu->sipi = 0;
	cpu->stopped = 0;
	vmm_vcpu_wake(cpu);
}

void vmm_vcpu_ipi_startup(struct vmm_vcpu *cpu, uint8_t vector)
{
	if (cpu->state != VMM_VCPU_WAIT_SIPI || cpu->sipi)
		return;                               /* running: a second STARTUP does nothing, as on a PC */
	cpu->sipi = 1;
	cpu->sipi_vector = vector;
	vmm_vcpu_wake(cpu);
}

/* The lock; its holder's vCPU is vmm->cur. */
static void lock(struct vmm_vcpu *cpu)
{
	pthread_mutex_lock(&cpu->vmm->lock);
	cpu->vmm->cur = cpu;
}

static void unlock(struct vmm_vcpu *cpu)
{
	vmm_irq_kick_extint(cpu->vmm);            /* what this thread did may have the PIC asking */
	pthread_mutex_unlock(&cpu->vmm->lock);
}

/*
 * Every vCPU halted with interrupts off or waiting for STARTUP: nothing
 * but an NMI could go on, and nobody is left to send one.
 */
static int all_stopped(const struct vmm *vmm)
{
	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		const struct vmm_vcpu *cpu = &vmm->vcpus[i];
		if (!cpu->stopped && !(cpu->state == VMM_VCPU_WAIT_SIPI && !cpu->sipi))
			return 0;
	}
	return 1;
}

/*
 * Sleep until something may have come for this vCPU: its LAPIC timer, a
 * recall; the BSP also waits for the PIT and for input. At most a second
 * (a halted guest may be woken spuriously, as hlt allows).
 */
static void wait_for_event(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	/* poll() skips the fds that are -1 */
	struct pollfd pfd[4] = {
		{ .fd = cpu->wake_fd, .events = POLLIN },
		{ .fd = cpu->lapic.timerfd, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	uint64_t wakes;
	int n;

	if (cpu->index == 0) {
		pfd[2].fd = vmm->pit.timerfd;
		/* input waits in the fd while the device that reads it holds a byte or has no buffer */
		if (vmm_serial_wants_input(vmm) || vmm_virtio_console_wants_input(vmm))
			pfd[3].fd = vmm->input_fd;
	}
	vmm_serial_flush(vmm);
	cpu->waiting = 1;
	unlock(cpu);
	n = poll(pfd, 4, 1000);
	lock(cpu);
	cpu->waiting = 0;
	if (read(cpu->wake_fd, &wakes, sizeof(wakes)) < 0)
		wakes = 0;                            /* none came: EAGAIN */
	if (n > 0) {
		vmm_irq_poll(cpu);
		vmm_serial_poll_input(vmm);
		vmm_virtio_console_poll_input(vmm);
	}
}

/*
 * HLT: wait for an interrupt. Halted with interrupts off, only an NMI (or
 * an INIT) wakes the vCPU; when all of them are so (or wait for STARTUP)
 * the guest stopped for good: Linux's poweroff ends so on a machine
 * without ACPI's S5 (its halt path: cli, hlt forever).
 */
static void halt(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;

	if (cpu->run->if_flag || cpu->lapic.nmi_pending) {
		vmm_serial_flush(vmm);
		if (!vmm_irq_pending(cpu))
			wait_for_event(cpu);
		return;
	}
	cpu->stopped = 1;
	if (all_stopped(vmm)) {
		vmm->end = VMM_END_POWEROFF;
		return;
	}
	while (!vmm->end && cpu->state == VMM_VCPU_RUNNING && !cpu->lapic.nmi_pending)
		wait_for_event(cpu);
	cpu->stopped = 0;
}

/*
 * A STARTUP IPI's start: real mode at vector << 12 (CS = vector << 8, IP
 * 0), the rest as KVM's reset state, the APIC base MSR kept. An I/O exit's
 * data reaches the registers only at the next KVM_RUN: one that returns at
 * once (immediate_exit) finishes it before the registers are replaced, and
 * what KVM still holds to inject goes.
 */
static int start(struct vmm_vcpu *cpu)
{
	struct kvm_sregs sregs = cpu->reset_sregs, now;
	struct kvm_regs regs = { .rflags = 0x2 };
	struct kvm_vcpu_events events;

	if (cpu->has_run) {
		cpu->run->immediate_exit = 1;
		ioctl(cpu->fd, KVM_RUN, 0);
		cpu->run->immediate_exit = 0;
		if (ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &events) == 0) {
			events.exception.injected = 0;
			events.interrupt.injected = 0;
			events.nmi.injected = events.nmi.pending = 0;
			events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
			ioctl(cpu->fd, KVM_SET_VCPU_EVENTS, &events);
		}
	}
	if (ioctl(cpu->fd, KVM_GET_SREGS, &now) < 0)
		return -errno;
	sregs.apic_base = now.apic_base;
	sregs.cs.selector = (uint16_t)(cpu->sipi_vector << 8);
	sregs.cs.base = (uint64_t)cpu->sipi_vector << 12;
	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	cpu->has_run = 0;
	return 0;
}

/* Waiting for STARTUP: 1 when the vCPU was started and may run. */
static int wait_for_startup(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	int err;

	if (!cpu->sipi) {
		if (all_stopped(vmm))
			vmm->end = VMM_END_POWEROFF;  /* the last running vCPU sent itself INIT */
		else
			wait_for_event(cpu);
		return 0;
	}
	cpu->sipi = 0;
	err = start(cpu);
	if (err) {
		vmm_fail(vmm, "vCPU %u cannot start at its STARTUP IPI's vector 0x%02x: %s", cpu->index,
		         cpu->sipi_vector, strerror(-err));
		return 0;
	}
	cpu->state = VMM_VCPU_RUNNING;
	return 1;
}

static void handle_exit(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	struct kvm_run *run = cpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vmm_port_access(vmm, run);
		break;
	case KVM_EXIT_HLT:
		halt(cpu);
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_MMIO:
		vmm_mmio_access(vmm, run);
		break;
	case KVM_EXIT_SHUTDOWN:
		vmm->end = VMM_END_RESET;          /* a triple fault resets a PC */
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vmm_fail(vmm, "vCPU %u could not enter the guest (reason 0x%llx)", cpu->index,
		         (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vmm_fail(vmm, "KVM could not emulate a guest instruction on vCPU %u (suberror %u)",
		         cpu->index, run->internal.suberror);
		break;
	default:
		vmm_fail(vmm, "unexpected exit %u from KVM on vCPU %u", run->exit_reason, cpu->index);
		break;
	}
}

void vmm_vcpu_run(struct vmm_vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;
	int r, err;

	if (vmm_kick_start(cpu) < 0)
		cpu->kick.on = 0;                     /* kick.c: then a timer waits for the guest's next exit */
	lock(cpu);
	while (!vmm->end) {
		if (cpu->state == VMM_VCPU_WAIT_SIPI && !wait_for_startup(cpu))
			continue;
		vmm_irq_poll(cpu);
		vmm_irq_inject(cpu);                  /* irq.c: from its LAPIC or the PIC */
		cpu->in_run = 1;
		unlock(cpu);
		r = ioctl(cpu->fd, KVM_RUN, 0);
		err = errno;
		lock(cpu);
		cpu->in_run = 0;
		cpu->has_run = 1;
		if (vmm->end)
			break;                            /* another vCPU ended the run meanwhile */
		if (r < 0) {
			if (err == EINTR || err == EAGAIN)
				continue;
			vmm_fail(vmm, "KVM_RUN (vCPU %u): %s", cpu->index, strerror(err));
			break;
		}
		handle_exit(cpu);
	}
	vmm_vcpu_wake_all(vmm);                   /* the others see vmm->end */
	unlock(cpu);
	vmm_kick_stop(cpu);
}
