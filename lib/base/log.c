/*
 * log(): formatted text to the LOG session, which prints "[label] text".
 * Without one (no parent, or before the environment exists) the text goes
 * to stderr, which core logs under the component's label as well.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arbor/env.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <session/log.h>
#include "internal.h"

static arbor_log_backend_fn backend;

void arbor_log_set_backend(arbor_log_backend_fn fn)
{
	backend = fn;
}

static void write_stderr(const char *text, unsigned len)
{
	while (len) {
		ssize_t n = write(STDERR_FILENO, text, len);
		if (n <= 0)
			return;
		text += n;
		len -= (unsigned)n;
	}
}

void arbor_log_write(const char *text, unsigned len)
{
	struct arbor_env *env = arbor_env();
	struct arbor_cap *log = env ? arbor_env_log(env) : NULL;

	if (backend) {
		backend(text, len);
		return;
	}
	if (!log) {
		write_stderr(text, len);
		return;
	}
	while (len) {
		unsigned chunk = len > ARBOR_LOG_WRITE_MAX ? ARBOR_LOG_WRITE_MAX : len;
		struct arbor_msg reply;
		int err = arbor_rpc_call(log, ARBOR_LOG_WRITE, text, chunk, NULL, 0, &reply);
		arbor_msg_release(&reply);
		if (err < 0) {
			write_stderr(text, len);
			return;
		}
		text += chunk;
		len -= chunk;
	}
}

static void log_v(const char *prefix, const char *fmt, va_list ap)
{
	char buf[ARBOR_LOG_WRITE_MAX + 1];
	size_t plen = strlen(prefix);
	int n;

	memcpy(buf, prefix, plen);
	n = vsnprintf(buf + plen, sizeof(buf) - plen - 1, fmt, ap);
	if (n < 0)
		return;
	size_t len = plen + ((size_t)n < sizeof(buf) - plen - 1 ? (size_t)n : sizeof(buf) - plen - 2);
	buf[len++] = '\n';
	arbor_log_write(buf, (unsigned)len);
}

void arbor_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("", fmt, ap);
	va_end(ap);
}

void arbor_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("Warning: ", fmt, ap);
	va_end(ap);
}

void arbor_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v("Error: ", fmt, ap);
	va_end(ap);
}
