/*
 * The MC146818 real-time clock in the CMOS (ports 0x70/0x71): the time
 * registers read the host's UTC clock live, in BCD and 24-hour mode as a
 * PC BIOS leaves them (or binary if the guest sets register B so); the
 * update-in-progress bit is never set, since every read is consistent.
 */
#include <time.h>
#include "vmm_internal.h"

static uint8_t bcd(const struct vmm_rtc *rtc, int v)
{
	return (rtc->regs[0x0b] & 0x04) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t time_register(struct vmm_rtc *rtc, uint8_t index)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (index) {
	case 0x00: return bcd(rtc, tm.tm_sec);
	case 0x02: return bcd(rtc, tm.tm_min);
	case 0x04: return bcd(rtc, tm.tm_hour);
	case 0x06: return bcd(rtc, tm.tm_wday + 1);
	case 0x07: return bcd(rtc, tm.tm_mday);
	case 0x08: return bcd(rtc, tm.tm_mon + 1);
	case 0x09: return bcd(rtc, tm.tm_year % 100);
	case 0x32: return bcd(rtc, 19 + tm.tm_year / 100);   /* century, as PC BIOSes keep it */
	}
	return rtc->regs[index];
}

static void rtc_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct vmm_rtc *rtc = &vmm->rtc;

	if (port == rtc->io_base) {
		rtc->index = value & 0x7f;            /* bit 7 masks NMIs: there are none */
		return;
	}
	/* the clock runs on the host: time writes are dropped, the rest is CMOS */
	if (rtc->index > 0x09 && rtc->index != 0x0a && rtc->index != 0x0c && rtc->index != 0x0d)
		rtc->regs[rtc->index] = (uint8_t)value;
}

static void rtc_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	struct vmm_rtc *rtc = &vmm->rtc;

	if (port == rtc->io_base) {
		*value = rtc->index;
		return;
	}
	if (rtc->index == 0x0a)
		*value = 0x26;                        /* 32.768 kHz base, 1024 Hz rate, no update in progress */
	else if (rtc->index == 0x0c)
		*value = 0;                           /* no interrupt flags */
	else if (rtc->index == 0x0d)
		*value = 0x80;                        /* valid RAM and time */
	else
		*value = time_register(rtc, rtc->index);
}

int vmm_rtc_init_at(struct vmm *vmm, uint16_t io_base)
{
	struct vmm_port_handler h = { io_base, 2, rtc_read, rtc_write, NULL };

	vmm->rtc.io_base = io_base;
	vmm->rtc.regs[0x0b] = 0x02;                   /* 24-hour mode, BCD */
	return vmm_port_register(vmm, &h);
}

int vmm_rtc_init(struct vmm *vmm)
{
	return vmm_rtc_init_at(vmm, 0x70);
}
