/* Reads the MC146818 RTC through CMOS ports 0x70/0x71 and prints the date, normalised to binary 24-hour. */
#include "io.h"
#include "mbtest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_A_UIP 0x80		/* registers are being updated: reads may tear */
#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04
#define RTC_HOUR_PM 0x80	/* 12-hour mode only */
/* A missing RTC reads 0xFF, which would look like an update in progress for ever. */
#define RTC_ABSENT 0xFF
/* UIP lasts under 2 ms per second; each poll is a VM exit of a few microseconds or more. */
#define RTC_UIP_POLL_MAX 20000
/* A read can straddle an update even after UIP cleared; retry until two agree. */
#define RTC_READ_TRIES 5

struct rtc_time {
	uint8_t sec, min, hour, day, month, year;
};

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static int wait_uip_clear(void)
{
	for (int i = 0; i < RTC_UIP_POLL_MAX; i++)
		if (!(cmos_read(RTC_STATUS_A) & RTC_A_UIP))
			return 0;
	return -1;
}

static void read_raw(struct rtc_time *t)
{
	t->sec = cmos_read(RTC_SECONDS);
	t->min = cmos_read(RTC_MINUTES);
	t->hour = cmos_read(RTC_HOURS);
	t->day = cmos_read(RTC_DAY);
	t->month = cmos_read(RTC_MONTH);
	t->year = cmos_read(RTC_YEAR);
}

static int same(const struct rtc_time *a, const struct rtc_time *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour &&
	       a->day == b->day && a->month == b->month && a->year == b->year;
}

static uint8_t from_bcd(uint8_t v)
{
	return (uint8_t)((v >> 4) * 10 + (v & 0x0F));
}

static void normalise(struct rtc_time *t, uint8_t status_b)
{
	int pm = t->hour & RTC_HOUR_PM;

	t->hour &= (uint8_t)~RTC_HOUR_PM;
	if (!(status_b & RTC_B_BINARY)) {
		t->sec = from_bcd(t->sec);
		t->min = from_bcd(t->min);
		t->hour = from_bcd(t->hour);
		t->day = from_bcd(t->day);
		t->month = from_bcd(t->month);
		t->year = from_bcd(t->year);
	}
	if (!(status_b & RTC_B_24H))
		t->hour = (uint8_t)(t->hour % 12 + (pm ? 12 : 0));
}

void rtc_check(void)
{
	struct rtc_time t, again;
	uint8_t status_b;
	int tries = 0;

	if (cmos_read(RTC_STATUS_A) == RTC_ABSENT) {
		report_fail("rtc: none (status A reads 0xff)");
		return;
	}
	do {
		if (wait_uip_clear()) {
			report_fail("rtc: update-in-progress never clears");
			return;
		}
		read_raw(&t);
		read_raw(&again);
	} while (!same(&t, &again) && ++tries < RTC_READ_TRIES);
	status_b = cmos_read(RTC_STATUS_B);
	normalise(&t, status_b);

	if (t.sec > 59 || t.min > 59 || t.hour > 23 || t.day < 1 || t.day > 31 ||
	    t.month < 1 || t.month > 12 || t.year > 99) {
		report_fail("rtc: implausible 20%02u-%02u-%02u %02u:%02u:%02u (status b 0x%02x)",
			    t.year, t.month, t.day, t.hour, t.min, t.sec, status_b);
		return;
	}
	report("rtc 20%02u-%02u-%02u %02u:%02u:%02u", t.year, t.month, t.day, t.hour, t.min, t.sec);
}
