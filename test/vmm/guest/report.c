/* mbtest's report() and report_fail() over the shared line printer (guest_lib/report.c). */
#include <stdarg.h>

#include "mbtest.h"
#include "guest.h"

void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vreport("", fmt, ap);
	va_end(ap);
}

void report_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vreport("FAIL ", fmt, ap);
	va_end(ap);
}
