/* The bounded backlog of whole lines (backlog.h). */
#include <string.h>
#include <arbor/error.h>
#include "backlog.h"

void backlog_init(struct backlog *b)
{
	b->used = 0;
	b->dropped = 0;
}

static void consume(struct backlog *b, size_t n)
{
	memmove(b->buf, b->buf + n, b->used - n);
	b->used -= n;
}

int backlog_add(struct backlog *b, const char *line, size_t len)
{
	size_t room = 0;

	if (!len || len > sizeof(b->buf) || line[len - 1] != '\n')
		return ARBOR_E_INVALID;
	/* find how much to drop first, then move the rest once */
	while (b->used - room + len > sizeof(b->buf)) {
		const char *nl = memchr(b->buf + room, '\n', b->used - room);

		room = nl ? (size_t)(nl - b->buf) + 1 : b->used;
		b->dropped++;
	}
	if (room)
		consume(b, room);
	memcpy(b->buf + b->used, line, len);
	b->used += len;
	return 0;
}

size_t backlog_take(struct backlog *b, char *dst, size_t max)
{
	size_t n = 0, line;

	while (n < b->used) {
		const char *nl = memchr(b->buf + n, '\n', b->used - n);

		line = nl ? (size_t)(nl - (b->buf + n)) + 1 : b->used - n;
		if (n + line > max)
			break;
		n += line;
	}
	memcpy(dst, b->buf, n);
	consume(b, n);
	return n;
}

unsigned long backlog_take_dropped(struct backlog *b)
{
	unsigned long n = b->dropped;

	b->dropped = 0;
	return n;
}
