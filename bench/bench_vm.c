/* A VMM process on pipes for the VM benchmarks (see bench_vm.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "bench_vm.h"

#define KEEP_TAIL 512   /* bytes kept when the buffer is full: longer than any text waited for */

int bench_vm_spawn(struct bench_vm *vm, char *const argv[])
{
	int in[2], out[2];

	memset(vm, 0, sizeof(*vm));
	vm->pid = -1;
	vm->in = vm->out = -1;
	signal(SIGPIPE, SIG_IGN);          /* typing to a guest that is gone is an error, not death */
	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		int err = -errno;
		close(in[0]);
		close(in[1]);
		return err;
	}
	vm->pid = fork();
	if (vm->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (vm->pid < 0) {
		int err = -errno;
		close(in[1]);
		close(out[0]);
		return err;
	}
	vm->in = in[1];
	vm->out = out[0];
	return 0;
}

/* The length of line without its trailing blanks. */
static size_t trimmed(const char *line, size_t len)
{
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	return len;
}

/* Remember lines as they pass, for bench_vm_last_line(). */
static void track_lines(struct bench_vm *vm, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = data[i];
		if (c == '\n') {
			size_t len = trimmed(vm->line, vm->line_len);
			if (len) {
				memcpy(vm->last, vm->line, len);
				vm->last[len] = '\0';
			}
			vm->line_len = 0;
		} else if (c != '\r' && vm->line_len < sizeof(vm->line) - 1) {
			vm->line[vm->line_len++] = c;
		}
	}
}

const char *bench_vm_last_line(struct bench_vm *vm)
{
	size_t len = trimmed(vm->line, vm->line_len);

	if (!len)
		return vm->last;
	vm->line[len] = '\0';
	return vm->line;
}

/* One read of what is there. The bytes read, 0 at the end, or a negative errno. */
static ssize_t take(struct bench_vm *vm)
{
	ssize_t n;

	if (vm->len == sizeof(vm->buf)) {
		memmove(vm->buf, vm->buf + vm->len - KEEP_TAIL, KEEP_TAIL);
		vm->len = KEEP_TAIL;
	}
	n = read(vm->out, vm->buf + vm->len, sizeof(vm->buf) - vm->len);
	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	track_lines(vm, vm->buf + vm->len, (size_t)n);
	vm->len += (size_t)n;
	return n;
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = bench_now_ns();

	return now >= deadline ? 0 : (int)((deadline - now) / 1000000u) + 1;
}

int bench_vm_wait_for(struct bench_vm *vm, const char *text, int timeout_ms)
{
	uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
	size_t tlen = strlen(text);

	for (;;) {
		char *hit = memmem(vm->buf, vm->len, text, tlen);
		struct pollfd pfd = { vm->out, POLLIN, 0 };
		int ms;

		if (hit) {
			size_t used = (size_t)(hit - vm->buf) + tlen;
			memmove(vm->buf, vm->buf + used, vm->len - used);
			vm->len -= used;
			return 0;
		}
		ms = remaining_ms(deadline);
		if (ms == 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		if (take(vm) <= 0)
			return -EPIPE;
	}
}

int bench_vm_type(struct bench_vm *vm, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(vm->in, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int bench_vm_wait_exit(struct bench_vm *vm, int timeout_ms)
{
	uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int status;

	/* keep reading, or a VMM writing to a full pipe never gets to exit */
	while (waitpid(vm->pid, &status, WNOHANG) == 0) {
		struct pollfd pfd = { vm->out, POLLIN, 0 };
		int ms = remaining_ms(deadline);

		if (ms == 0)
			return -ETIMEDOUT;
		if (vm->out >= 0 && poll(&pfd, 1, ms < 10 ? ms : 10) > 0 && take(vm) <= 0) {
			close(vm->out);
			vm->out = -1;
		} else if (vm->out < 0) {
			usleep(10000);
		}
	}
	vm->pid = -1;
	return status;
}

void bench_vm_stop(struct bench_vm *vm)
{
	if (vm->pid > 0) {
		kill(vm->pid, SIGKILL);
		waitpid(vm->pid, NULL, 0);
	}
	vm->pid = -1;
	if (vm->in >= 0)
		close(vm->in);
	if (vm->out >= 0)
		close(vm->out);
	vm->in = vm->out = -1;
}
