/* TAP output for the unit tests: "ok N - what", the plan at the end. */
#ifndef TEST_UNIT_TAP_H
#define TEST_UNIT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <arbor/error.h>

static int tests, failed;

__attribute__((format(printf, 2, 3))) static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* An Arbor error value must be exactly want. */
__attribute__((unused)) static void is_err(int got, int want, const char *what)
{
	ok(got == want, "%s", what);
	if (got != want)
		printf("# got %d (%s), want %d (%s)\n", got, arbor_strerror(got), want,
		       arbor_strerror(want));
}

/* Print the plan; the test's exit status. */
static int done_testing(void)
{
	printf("1..%d\n", tests);
	return failed ? 1 : 0;
}

#endif
