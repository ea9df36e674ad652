/*
 * The test guests' line printer: a tiny printf on the serial port, every
 * line starting with the guest's name so that a VMM test can pick them out.
 */
#include <stdint.h>
#include "guest.h"

#ifndef GUEST_NAME
#error "build with -DGUEST_NAME=\"...\""
#endif
#ifndef GUEST_STR_MAX
#error "build with -DGUEST_STR_MAX=N: how far %s may read a loader's string"
#endif

static void put_str(const char *s)
{
	for (int i = 0; i < GUEST_STR_MAX && s[i]; i++)
		serial_putc(s[i]);
}

/* Hex needs only shifts, so 64-bit values print without libgcc's division helpers. */
static void put_hex(uint64_t v, int width)
{
	char buf[16];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v & 0xF];
		v >>= 4;
	} while (v && n < 16);
	while (n < width && n < 16)
		buf[n++] = '0';
	while (n)
		serial_putc(buf[--n]);
}

static void put_dec(uint32_t v, int width)
{
	char buf[10];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width && n < 10)
		buf[n++] = '0';
	while (n)
		serial_putc(buf[--n]);
}

void guest_vreport(const char *prefix, const char *fmt, va_list ap)
{
	put_str(GUEST_NAME ": ");
	put_str(prefix);
	for (; *fmt; fmt++) {
		int width = 0, longs = 0;

		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' && longs < 2) {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'c':
			serial_putc((char)va_arg(ap, int));
			break;
		case 'u':
			put_dec(va_arg(ap, uint32_t), width);
			break;
		case 'x':
			/* as C has it: l is unsigned long (32 or 64 bits), ll 64 bits */
			put_hex(longs == 2 ? va_arg(ap, unsigned long long) :
			        longs == 1 ? va_arg(ap, unsigned long) : va_arg(ap, uint32_t), width);
			break;
		case '\0':
			fmt--;	/* a trailing '%': stop at the NUL */
			break;
		default:
			serial_putc(*fmt);
		}
	}
	serial_putc('\n');
}
