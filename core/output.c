/*
 * A component's stdout and stderr: pipes core reads on its entrypoint and
 * logs line by line under the component's label. A line longer than the
 * buffer is cut into pieces; a partial last line is flushed at EOF.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "core.h"

static void flush_lines(struct output *o, int all)
{
	size_t start = 0;

	for (size_t i = 0; i < o->len; i++) {
		if (o->buf[i] == '\n') {
			core_log_line(o->label, o->buf + start, i - start);
			start = i + 1;
		}
	}
	/* the rest: at the end, or when a full buffer holds no newline at all */
	if (start < o->len && (all || (start == 0 && o->len == sizeof(o->buf)))) {
		core_log_line(o->label, o->buf + start, o->len - start);
		start = o->len;
	}
	memmove(o->buf, o->buf + start, o->len - start);
	o->len -= start;
}

static void output_ready(struct arbor_io *io, uint32_t events)
{
	struct output *o = container_of(io, struct output, io);
	ssize_t n = read(io->fd, o->buf + o->len, sizeof(o->buf) - o->len);

	if (n > 0) {
		o->len += (size_t)n;
		flush_lines(o, 0);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	output_close(o);
	if (o->closed)
		o->closed(o);
}

int output_open(struct output *o, int fd, const char *label, void (*closed)(struct output *o))
{
	o->io.fd = fd;
	o->io.fn = output_ready;
	o->label = label;
	o->closed = closed;
	o->len = 0;
	return arbor_io_watch(core.ep, &o->io, EPOLLIN);
}

void output_close(struct output *o)
{
	if (o->io.fd < 0)
		return;
	/* drain what the component wrote before it ended */
	for (;;) {
		ssize_t n = read(o->io.fd, o->buf + o->len, sizeof(o->buf) - o->len);
		if (n <= 0)
			break;
		o->len += (size_t)n;
		flush_lines(o, 0);
	}
	flush_lines(o, 1);
	arbor_io_unwatch(&o->io);
	close(o->io.fd);
	o->io.fd = -1;
}
