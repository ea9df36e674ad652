/*
 * The 8254 programmable interval timer (ports 0x40-0x43) and the speaker
 * port 0x61 that gates channel 2. The counters are computed from the host's
 * monotonic clock when read; channel 0's interrupts come from a timerfd
 * that the run loop polls, each expiration an edge on IRQ 0.
 */
#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "vmm_internal.h"

#define PIT_HZ 1193182ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t reload_of(const struct vmm_pit_channel *ch)
{
	return ch->reload ? ch->reload : 65536;
}

/* Input clock ticks since the channel started counting. */
static uint64_t ticks(const struct vmm_pit_channel *ch)
{
	return (now_ns() - ch->start_ns) * PIT_HZ / 1000000000ull;
}

static uint16_t current_count(const struct vmm_pit_channel *ch)
{
	uint64_t t = ticks(ch), reload = reload_of(ch);

	if (!ch->armed)
		return (uint16_t)reload;
	if (ch->mode == 2 || ch->mode == 3)
		return (uint16_t)(reload - t % reload);
	return t >= reload ? 0 : (uint16_t)(reload - t);   /* one-shot modes count down once */
}

static uint64_t period_ns(const struct vmm_pit_channel *ch)
{
	return reload_of(ch) * 1000000000ull / PIT_HZ;
}

static int periodic(const struct vmm_pit_channel *ch)
{
	return ch->mode == 2 || ch->mode == 3;
}

/* Expirations at start_ns + k * period exactly, so that vmm_pit_due_ns() names them. */
static void arm_channel0(struct vmm *vmm)
{
	struct vmm_pit_channel *ch = &vmm->pit.ch[0];
	uint64_t ns = period_ns(ch), first = ch->start_ns + ns;
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(first / 1000000000ull);
	its.it_value.tv_nsec = (long)(first % 1000000000ull);
	if (periodic(ch)) {
		its.it_interval.tv_sec = (time_t)(ns / 1000000000ull);
		its.it_interval.tv_nsec = (long)(ns % 1000000000ull);
	}
	timerfd_settime(vmm->pit.timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

uint64_t vmm_pit_due_ns(struct vmm *vmm)
{
	const struct vmm_pit_channel *ch = &vmm->pit.ch[0];
	uint64_t period = period_ns(ch);

	if (vmm->pit.timerfd < 0 || !ch->armed || (!periodic(ch) && ch->fired))
		return 0;
	if (!periodic(ch))
		return ch->start_ns + period;
	return ch->start_ns + ((now_ns() - ch->start_ns) / period + 1) * period;
}

void vmm_pit_poll(struct vmm *vmm)
{
	struct vmm_pit_channel *ch = &vmm->pit.ch[0];
	uint64_t expirations;

	if (vmm->pit.timerfd < 0 || !ch->armed)
		return;
	/*
	 * One-shot: by the clock, so that a recall at the due time finds it
	 * even if the timerfd's expiry lags by a microsecond; then disarmed.
	 */
	if (!periodic(ch)) {
		if (ch->fired || now_ns() < ch->start_ns + period_ns(ch))
			return;
		ch->fired = 1;
		timerfd_settime(vmm->pit.timerfd, 0, &(struct itimerspec){ 0 }, NULL);
		vmm_irq_raise(vmm, 0);
		return;
	}
	/* periodic: a syscall per exit while it runs */
	if (read(vmm->pit.timerfd, &expirations, sizeof(expirations)) == sizeof(expirations) &&
	    expirations)
		vmm_irq_raise(vmm, 0);        /* edges coalesce while the guest is busy, as on a PC */
}

static void start(struct vmm *vmm, unsigned n)
{
	struct vmm_pit_channel *ch = &vmm->pit.ch[n];

	ch->start_ns = now_ns();
	ch->armed = 1;
	ch->fired = 0;
	if (n == 0)
		arm_channel0(vmm);
}

static void pit_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct vmm_pit_channel *ch;
	uint8_t v = (uint8_t)value;

	port = (uint16_t)(port - vmm->pit.io_base + 0x40);   /* registers as at 0x40 */
	if (port == 0x43) {
		unsigned n = v >> 6;
		if (n == 3)
			return;                       /* read-back command: not modelled */
		ch = &vmm->pit.ch[n];
		if (((v >> 4) & 3) == 0) {            /* counter latch */
			ch->latch = current_count(ch);
			ch->latched = 2;
			ch->read_lsb_next = 1;
			return;
		}
		ch->access = (v >> 4) & 3;
		ch->mode = (v >> 1) & 7;
		if (ch->mode > 5)
			ch->mode -= 4;
		ch->write_lsb_next = ch->read_lsb_next = 1;
		ch->armed = 0;
		if (n == 0)
			timerfd_settime(vmm->pit.timerfd, 0, &(struct itimerspec){ 0 }, NULL);
		return;
	}
	ch = &vmm->pit.ch[port - 0x40];
	switch (ch->access) {
	case 1:
		ch->reload = v;
		break;
	case 2:
		ch->reload = (uint16_t)(v << 8);
		break;
	default:
		if (ch->write_lsb_next) {
			ch->reload = (ch->reload & 0xff00) | v;
			ch->write_lsb_next = 0;
			return;                       /* counting starts with the high byte */
		}
		ch->reload = (uint16_t)((ch->reload & 0xff) | (v << 8));
		ch->write_lsb_next = 1;
	}
	if (port != 0x42 || (vmm->pit.port61 & 1))
		start(vmm, port - 0x40);
}

static void pit_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	struct vmm_pit_channel *ch;
	uint16_t count;

	port = (uint16_t)(port - vmm->pit.io_base + 0x40);
	if (port == 0x43) {
		*value = 0xff;
		return;
	}
	ch = &vmm->pit.ch[port - 0x40];
	count = ch->latched ? ch->latch : current_count(ch);
	if (ch->access == 1) {
		*value = count & 0xff;
		ch->latched = 0;
	} else if (ch->access == 2) {
		*value = count >> 8;
		ch->latched = 0;
	} else {
		*value = ch->read_lsb_next ? (count & 0xff) : (count >> 8);
		if (!ch->read_lsb_next)
			ch->latched = 0;              /* both bytes read: the latch lets go */
		ch->read_lsb_next = !ch->read_lsb_next;
	}
}

/* Port 0x61 (Vancouver's scp port b): the speaker gate of channel 2, and its output. */
static void speaker_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	uint8_t v = (uint8_t)value;

	if ((v & 1) && !(vmm->pit.port61 & 1))
		start(vmm, 2);                        /* a rising gate restarts channel 2 */
	vmm->pit.port61 = (uint8_t)((vmm->pit.port61 & ~3u) | (v & 3));
}

static void speaker_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	struct vmm_pit_channel *c2 = &vmm->pit.ch[2];
	int out = c2->armed && ticks(c2) >= reload_of(c2);

	*value = (vmm->pit.port61 & 3) | (out ? 0x20 : 0);
}

int vmm_speaker_init(struct vmm *vmm, uint16_t port)
{
	struct vmm_port_handler speaker = { port, 1, speaker_read, speaker_write, NULL };

	return vmm_port_register(vmm, &speaker);
}

int vmm_pit_init_at(struct vmm *vmm, uint16_t io_base)
{
	struct vmm_port_handler pit = { io_base, 4, pit_read, pit_write, NULL };

	vmm->pit.io_base = io_base;
	if (vmm->pit.timerfd < 0)
		vmm->pit.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (vmm->pit.timerfd < 0)
		return -errno;
	return vmm_port_register(vmm, &pit);
}

int vmm_pit_init(struct vmm *vmm)
{
	int err = vmm_pit_init_at(vmm, 0x40);

	return err ? err : vmm_speaker_init(vmm, 0x61);
}

void vmm_pit_fini(struct vmm *vmm)
{
	if (vmm->pit.timerfd >= 0)
		close(vmm->pit.timerfd);
	vmm->pit.timerfd = -1;
}
