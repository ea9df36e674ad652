/* Line output with a tiny printf (from mbtest): every line starts "lxtest: " for the tests. */
#include <stdarg.h>

#include "lxtest.h"

/* Bounds %s: loader strings are untrusted; the command line may be cmdline_size long. */
#define REPORT_STR_MAX (LXTEST_CMDLINE_SIZE + 1)

static void put_str(const char *s)
{
	for (int i = 0; i < REPORT_STR_MAX && s[i]; i++)
		serial_putc(s[i]);
}

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

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	put_str("lxtest: ");
	put_str(prefix);
	for (; *fmt; fmt++) {
		int width = 0, longlong = 0;

		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		/* %lx and %lx alike: uint64_t is unsigned long here. */
		if (*fmt == 'l') {
			longlong = 1;
			if (*++fmt == 'l')
				fmt++;
		}
		switch (*fmt) {
		case 's':
			put_str(va_arg(ap, const char *));
			break;
		case 'u':
			put_dec(va_arg(ap, uint32_t), width);
			break;
		case 'x':
			put_hex(longlong ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), width);
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

void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

void report_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("FAIL ", fmt, ap);
	va_end(ap);
	reset_machine();
}
