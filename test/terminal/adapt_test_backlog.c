/* Unit test of log_terminal's backlog (server/log_terminal/backlog.c), TAP output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "backlog.h"
#include "tap.h"

static struct backlog b;
static char out[2 * BACKLOG_SIZE];

/* "line NNNNN" padded with dots to len bytes, '\n' included. */
static size_t make_line(char *dst, unsigned number, size_t len)
{
	int n = snprintf(dst, len, "line %05u ", number);

	memset(dst + n, '.', len - 1 - (size_t)n);
	dst[len - 1] = '\n';
	return len;
}

/* The numbers of the lines in text, in order, into numbers; returns their count. */
static unsigned numbers_of(const char *text, size_t len, unsigned *numbers, unsigned max)
{
	unsigned n = 0;

	for (size_t i = 0; i < len && n < max;) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (!nl || sscanf(text + i, "line %u", &numbers[n]) != 1)
			return n;
		n++;
		i = (size_t)(nl - text) + 1;
	}
	return n;
}

static void rejects_bad_lines(void)
{
	static char huge[BACKLOG_SIZE + 1];

	backlog_init(&b);
	is_err(backlog_add(&b, "no newline", 10), ARBOR_E_INVALID, "a line without '\\n' is refused");
	is_err(backlog_add(&b, "", 0), ARBOR_E_INVALID, "an empty text is refused");
	memset(huge, 'x', sizeof(huge));
	huge[sizeof(huge) - 1] = '\n';
	is_err(backlog_add(&b, huge, sizeof(huge)), ARBOR_E_INVALID,
	       "a line longer than the backlog is refused");
	ok(b.used == 0 && b.dropped == 0, "refusals change nothing");
	memset(huge, 'y', BACKLOG_SIZE);
	huge[BACKLOG_SIZE - 1] = '\n';
	ok(backlog_add(&b, huge, BACKLOG_SIZE) == 0 && b.used == BACKLOG_SIZE,
	   "a line of exactly the backlog's size fits");
}

static void keeps_order_when_it_fits(void)
{
	char line[64];
	unsigned numbers[16], n;
	size_t got;

	backlog_init(&b);
	for (unsigned i = 1; i <= 10; i++)
		backlog_add(&b, line, make_line(line, i, 40));
	got = backlog_take(&b, out, 4 * 40 + 39);
	n = numbers_of(out, got, numbers, 16);
	ok(got == 4 * 40 && n == 4 && numbers[0] == 1 && numbers[3] == 4,
	   "take moves only whole lines that fit (%zu bytes, %u lines)", got, n);
	got = backlog_take(&b, out, sizeof(out));
	n = numbers_of(out, got, numbers, 16);
	ok(n == 6 && numbers[0] == 5 && numbers[5] == 10 && b.used == 0,
	   "the rest follows in order, and the backlog is empty");
	ok(backlog_take_dropped(&b) == 0, "nothing was dropped");
	ok(backlog_take(&b, out, sizeof(out)) == 0, "an empty backlog gives nothing");
	backlog_add(&b, line, make_line(line, 11, 40));
	ok(backlog_take(&b, out, 39) == 0 && b.used == 40, "a line longer than max stays");
}

/* Random line lengths: the backlog holds the newest lines, at most its size, and counts the rest. */
static void drops_the_oldest(void)
{
	static char line[5000];
	static unsigned numbers[BACKLOG_SIZE];
	unsigned total = 3000, n;
	size_t added = 0, got;
	int ok_order = 1;

	srand(7);
	backlog_init(&b);
	for (unsigned i = 1; i <= total; i++) {
		size_t len = 20 + (size_t)rand() % 400;
		added += len;
		backlog_add(&b, line, make_line(line, i, len));
		if (b.used > BACKLOG_SIZE)
			ok_order = 0;
	}
	ok(ok_order, "the backlog never holds more than its size");
	unsigned long dropped = backlog_take_dropped(&b);
	ok(dropped > 0 && backlog_take_dropped(&b) == 0, "%lu lines dropped, counted once", dropped);
	got = backlog_take(&b, out, sizeof(out));
	n = numbers_of(out, got, numbers, BACKLOG_SIZE);
	ok(n == total - dropped, "every line not dropped is kept (%u)", n);
	for (unsigned i = 0; i < n; i++)
		if (numbers[i] != dropped + 1 + i)
			ok_order = 0;
	ok(ok_order && numbers[n - 1] == total, "the newest lines, whole and in order");
	ok(got > BACKLOG_SIZE - 420, "the backlog was full up to less than a line (%zu bytes)", got);
}

int main(void)
{
	rejects_bad_lines();
	keeps_order_when_it_fits();
	drops_the_oldest();
	return done_testing();
}
