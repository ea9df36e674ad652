/*
 * The tree as core sees it, for `arbor ps` and `arbor show`: a JSON file
 * in a run directory of this core instance, rewritten (atomically, by
 * rename) whenever it changed, checked twice a second. The run directory
 * is /run/arbor/<pid> for root, $XDG_RUNTIME_DIR/arbor/<pid> or
 * /tmp/arbor-<uid>/<pid> otherwise; it is removed when core ends.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <arbor/error.h>
#include <session/pd.h>
#include "core.h"

#define STATE_PERIOD_MS 500

static struct {
	struct arbor_io io;
	char dir[512];
	char *last;
	size_t last_len;
} state = { .io = { .fd = -1 } };

/* The run directory's parent for this user (created if need be). */
static int base_dir(char *out, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0) {
		snprintf(out, size, "/run/arbor");
	} else if (xdg && *xdg) {
		snprintf(out, size, "%s/arbor", xdg);
	} else {
		snprintf(out, size, "/tmp/arbor-%u", (unsigned)geteuid());
	}
	if (mkdir(out, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static const char *state_name(int pd_state)
{
	switch (pd_state) {
	case ARBOR_PD_NOT_STARTED: return "starting";
	case ARBOR_PD_RUNNING:     return "running";
	case ARBOR_PD_EXITED:      return "exited";
	case ARBOR_PD_CRASHED:     return "crashed";
	case ARBOR_PD_KILLED:      return "killed";
	case ARBOR_PD_FAILED:      return "failed";
	}
	return "?";
}

/* A JSON string: labels are printable (core logs control characters escaped). */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void publish(void)
{
	char path[600], tmp[640], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct pd_view v;
	int first = 1;

	if (!f)
		return;
	fprintf(f, "{\"core_pid\": %d, \"components\": [", (int)getpid());
	for (struct pd_session *pd = pd_session_first(); pd; pd = pd_session_next(pd)) {
		pd_session_view(pd, &v);
		fprintf(f, "%s\n {\"label\": ", first ? "" : ",");
		put_string(f, v.label);
		fprintf(f, ", \"pid\": %d, \"state\": \"%s\", \"ram_quota\": %llu, \"ram_used\": %llu, "
		           "\"cap_quota\": %llu, \"cap_used\": %llu", (int)v.pid, state_name(v.state),
		        (unsigned long long)v.ram_quota, (unsigned long long)v.ram_used,
		        (unsigned long long)v.cap_quota, (unsigned long long)v.cap_used);
		if (v.state == ARBOR_PD_EXITED)
			fprintf(f, ", \"exit_code\": %d", v.code);
		else if (v.state >= ARBOR_PD_CRASHED && v.signal)
			fprintf(f, ", \"signal\": %d", v.signal);
		fputc('}', f);
		first = 0;
	}
	fprintf(f, "\n]}\n");
	if (fclose(f)) {
		free(text);
		return;
	}
	if (state.last && state.last_len == len && !memcmp(state.last, text, len)) {
		free(text);
		return;
	}
	snprintf(path, sizeof(path), "%s/tree.json", state.dir);
	snprintf(tmp, sizeof(tmp), "%s/.tree.json.new", state.dir);
	f = fopen(tmp, "w");
	if (f && fwrite(text, 1, len, f) == len && !fclose(f)) {
		rename(tmp, path);
	} else if (f) {
		fclose(f);
	}
	free(state.last);
	state.last = text;
	state.last_len = len;
}

static void tick_fn(struct arbor_io *io, uint32_t events)
{
	uint64_t expirations;

	if (read(io->fd, &expirations, sizeof(expirations)) == sizeof(expirations))
		publish();
}

int state_init(void)
{
	struct itimerspec its = {
		.it_value    = { 0, 1000000 },
		.it_interval = { STATE_PERIOD_MS / 1000, (STATE_PERIOD_MS % 1000) * 1000000L },
	};
	char base[448];
	int err = base_dir(base, sizeof(base));

	if (err)
		return err;
	snprintf(state.dir, sizeof(state.dir), "%s/%d", base, (int)getpid());
	if (mkdir(state.dir, 0700) && errno != EEXIST)
		return -errno;
	state.io.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (state.io.fd < 0)
		return -errno;
	state.io.fn = tick_fn;
	timerfd_settime(state.io.fd, 0, &its, NULL);
	return arbor_io_watch(core.ep, &state.io, EPOLLIN);
}

const char *state_dir(void)
{
	return state.io.fd >= 0 ? state.dir : NULL;
}

void state_fini(void)
{
	char path[1024];

	if (state.io.fd < 0)
		return;
	arbor_io_unwatch(&state.io);
	close(state.io.fd);
	state.io.fd = -1;
	snprintf(path, sizeof(path), "%s/tree.json", state.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.tree.json.new", state.dir);
	unlink(path);
	/* reports whose sessions were not closed (the root crashed) */
	DIR *d = opendir(state.dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", state.dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(state.dir);
	free(state.last);
	state.last = NULL;
}
