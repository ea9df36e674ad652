/*
 * A vCPU's recall, as Seoul's timer recalls its vCPU: KVM returns to the
 * run loop only at an exit, so a guest spinning without port or MMIO
 * accesses would never see a timer interrupt fall due. A POSIX timer aimed
 * at the vCPU's thread fires when its next device timer (PIT channel 0 for
 * the BSP, its LAPIC timer) is due; the signal's handler sets
 * kvm_run.immediate_exit, so that KVM_RUN returns at once whether the
 * signal came during the guest's run (KVM_RUN ends with EINTR) or just
 * before it. Another vCPU's IPI sends the same signal (vcpu.c).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "vmm_internal.h"

/* The run structure of the vCPU this thread runs, for the handler. */
static __thread struct kvm_run *recalled;

static void recall(int sig)
{
	(void)sig;
	if (recalled)
		recalled->immediate_exit = 1;
}

int vmm_kick_start(struct vmm_vcpu *cpu)
{
	struct sigaction sa;
	struct sigevent sev;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = recall;
	sa.sa_flags = SA_RESTART;                 /* output writes go on; KVM_RUN, poll() return EINTR */
	sigemptyset(&sa.sa_mask);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = VMM_KICK_SIGNAL;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	sigemptyset(&set);
	sigaddset(&set, VMM_KICK_SIGNAL);
	recalled = cpu->run;
	if (sigaction(VMM_KICK_SIGNAL, &sa, NULL) < 0 ||
	    pthread_sigmask(SIG_UNBLOCK, &set, NULL) != 0 ||
	    timer_create(CLOCK_MONOTONIC, &sev, &cpu->kick.timer) < 0)
		return -errno;
	cpu->kick.on = 1;
	cpu->kick.at = 0;
	return 0;
}

void vmm_kick_stop(struct vmm_vcpu *cpu)
{
	if (cpu->kick.on)
		timer_delete(cpu->kick.timer);
	cpu->kick.on = 0;
	recalled = NULL;
}

void vmm_kick_at(struct vmm_vcpu *cpu, uint64_t due_ns)
{
	struct itimerspec its = { 0 };

	if (!cpu->kick.on || due_ns == cpu->kick.at)
		return;
	if (due_ns) {
		its.it_value.tv_sec = (time_t)(due_ns / 1000000000ull);
		its.it_value.tv_nsec = (long)(due_ns % 1000000000ull);
	}
	if (timer_settime(cpu->kick.timer, TIMER_ABSTIME, &its, NULL) == 0)
		cpu->kick.at = due_ns;
}
