/*
 * The lines log_terminal has not written to its terminal yet: a bounded
 * buffer of whole lines, each ending in '\n'. When a new line does not
 * fit, the oldest lines make room and are counted as dropped. Not
 * thread-safe: the caller locks.
 */
#ifndef LOG_TERMINAL_BACKLOG_H
#define LOG_TERMINAL_BACKLOG_H

#include <stddef.h>

#define BACKLOG_SIZE (64u * 1024)

struct backlog {
	size_t used;
	unsigned long dropped;     /* lines dropped since the last backlog_take_dropped() */
	char buf[BACKLOG_SIZE];
};

void backlog_init(struct backlog *b);

/*
 * Append one line (len bytes, ending in '\n', at most BACKLOG_SIZE),
 * dropping the oldest lines until it fits. Returns 0, or ARBOR_E_INVALID
 * for a line that is too long or does not end in '\n' (nothing changes).
 */
int backlog_add(struct backlog *b, const char *line, size_t len);

/*
 * Move the oldest whole lines that fit into max bytes to dst; returns the
 * bytes moved (0 when the backlog is empty or its oldest line is longer
 * than max).
 */
size_t backlog_take(struct backlog *b, char *dst, size_t max);

/* The count of lines dropped since the last call; resets it. */
unsigned long backlog_take_dropped(struct backlog *b);

#endif
