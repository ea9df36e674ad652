/* Verdicts of escape attempts (see verdict.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "verdict.h"

const char *verdict_errno_name(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;
	return name ? name : "unknown errno";
}

const char *verdict_signal_name(int sig)
{
	const char *name = sigabbrev_np(sig);
	static char buf[16];

	if (name) {
		snprintf(buf, sizeof(buf), "SIG%s", name);
		return buf;
	}
	return "unknown signal";
}

static void verdict_set(struct verdict *v, int esc, const char *fmt, va_list ap)
{
	v->escaped = esc;
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
}

void verdict_denied(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict_set(v, 0, fmt, ap);
	va_end(ap);
}

void verdict_escaped(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict_set(v, 1, fmt, ap);
	va_end(ap);
}

void verdict_syscall(struct verdict *v, long ret, int err, const char *how)
{
	if (ret < 0)
		verdict_denied(v, "%s", verdict_errno_name(err));
	else
		verdict_escaped(v, "%s (returned %ld)", how, ret);
}

void verdict_tally_add(struct verdict_tally *t, long ret, int err)
{
	if (ret >= 0)
		t->successes++;
	else if (err > 0 && err < 4096)
		t->count[err]++;
}

void verdict_tally_format(const struct verdict_tally *t, char *buf, unsigned size)
{
	unsigned len = 0;

	buf[0] = '\0';
	for (int e = 1; e < 4096 && len < size; e++) {
		if (!t->count[e])
			continue;
		len += (unsigned)snprintf(buf + len, size - len, "%s%s x%u", len ? ", " : "",
		                          verdict_errno_name(e), t->count[e]);
	}
	if (t->successes && len < size)
		snprintf(buf + len, size - len, "%s%u succeeded", len ? ", " : "", t->successes);
}

void verdict_none_opens(struct verdict *v, const char *const *paths, unsigned n, int flags)
{
	char buf[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0;

	for (unsigned i = 0; i < n; i++) {
		int fd = open(paths[i], flags | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			verdict_escaped(v, "%s opened", paths[i]);
			return;
		}
		if (len < sizeof(buf))
			len += (unsigned)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? ", " : "",
			                          verdict_errno_name(errno));
	}
	verdict_denied(v, "%s", buf);
}

