/*
 * core's output: every component line as "[label] text", core's own lines
 * bare, with Genode's "Warning: "/"Error: " prefixes. One write per line,
 * so lines never interleave mid-way.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "core.h"

static void write_all(struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(STDOUT_FILENO, iov, n);
		if (w < 0)
			return;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

/*
 * Control characters of a component's text are shown, not obeyed: a
 * carriage return or an escape sequence must not let one component
 * overwrite the terminal line that names it, or pose as another.
 */
static size_t sanitize(const char *text, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len && o + 4 < size; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

void core_log_line(const char *label, const char *text, size_t len)
{
	static char clean[4 * 4096 + 16];
	struct iovec iov[5];
	int n = 0;

	/* strip one trailing newline and carriage return */
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (label) {
		len = sanitize(text, len, clean, sizeof(clean));
		text = clean;
	}
	if (label) {
		iov[n++] = (struct iovec){ "[", 1 };
		iov[n++] = (struct iovec){ (void *)label, strlen(label) };
		iov[n++] = (struct iovec){ "] ", 2 };
	}
	iov[n++] = (struct iovec){ (void *)text, len };
	iov[n++] = (struct iovec){ "\n", 1 };
	write_all(iov, n);
}

void core_log_text(const char *label, const char *text, size_t len)
{
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t line = nl ? (size_t)(nl - text) + 1 : len;
		core_log_line(label, text, line);
		text += line;
		len -= line;
	}
}

static void log_v(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];
	size_t plen = strlen(prefix);
	int n;

	memcpy(buf, prefix, plen);
	n = vsnprintf(buf + plen, sizeof(buf) - plen, fmt, ap);
	if (n < 0)
		return;
	size_t len = plen + ((size_t)n < sizeof(buf) - plen ? (size_t)n : sizeof(buf) - plen - 1);
	core_log_text(NULL, buf, len);
}

void core_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("", fmt, ap);
	va_end(ap);
}

void core_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("Warning: ", fmt, ap);
	va_end(ap);
}

void core_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("Error: ", fmt, ap);
	va_end(ap);
}
