/*
 * fs_check's fs_rom check: <rom label="motd" content="..." write="/motd"
 * new_content="..."/> reads the ROM session labelled label (routed to
 * fs_rom), then rewrites the file through the File_system session under
 * test and waits for the ROM's signal and the new content. A file that
 * does not exist yet is an empty ROM (content=""). With expect="denied"
 * the session must be refused.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <arbor/connection.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <session/rom.h>
#include "fs_check.h"

#define UPDATE_MS 5000

/* A signal context this thread polls (the entrypoint does not run during the checks). */
static struct arbor_cap *context_new(void)
{
	struct arbor_cap *cap = NULL;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0 || arbor_cap_from_fd(fd, ARBOR_CAP_SIGNAL, &cap))
		return NULL;
	return cap;
}

static int signalled(struct arbor_cap *context, int timeout_ms)
{
	struct pollfd pfd = { .fd = arbor_cap_fd(context), .events = POLLIN };
	uint64_t count;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return read(pfd.fd, &count, sizeof(count)) == sizeof(count);
}

/* The ROM's content as text, into buf. */
static int content(struct arbor_cap *rom, char *buf, size_t size)
{
	void *addr;
	size_t mapped;
	int err = arbor_ds_attach_from_call(rom, ARBOR_ROM_DATASPACE, ARBOR_DS_READ, 0, &addr,
	                                    &mapped);

	buf[0] = 0;
	if (err)
		return err;
	snprintf(buf, size, "%.*s", (int)strnlen(addr, mapped), (const char *)addr);
	arbor_ds_detach(addr, mapped);
	return 0;
}

static int changed(struct arbor_cap *rom)
{
	struct arbor_rom_update u = { 0 };
	struct arbor_msg reply;
	int err = arbor_rpc_call(rom, ARBOR_ROM_UPDATE, NULL, 0, NULL, 0, &reply);

	if (err >= 0 && reply.size == sizeof(u))
		memcpy(&u, reply.payload, sizeof(u));
	arbor_msg_release(&reply);
	return err < 0 ? err : (int)u.changed;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fs_check_rom(const struct xml_node *n)
{
	const char *label = xml_attr(n, "label"), *want = xml_attr(n, "content");
	const char *path = xml_attr(n, "write"), *next = xml_attr(n, "new_content");
	struct arbor_connection conn;
	struct arbor_cap *ctx = context_new();
	struct arbor_msg reply;
	char buf[4096];
	int err;

	if (!label || !ctx) {
		fs_check_that(0, "<rom> needs a label (and a signal context)");
		arbor_cap_unref(ctx);
		return;
	}
	err = arbor_connection_open(fs_check.env, &conn, ARBOR_ROM_SERVICE, label,
	                            ARBOR_ROM_SESSION_RAM, ARBOR_ROM_SESSION_CAPS, NULL);
	if (xml_attr(n, "expect")) {
		fs_check_that(err == ARBOR_E_DENIED, "ROM '%s' is denied (%s)", label,
		              fs_check_error_name(err));
		if (!err)
			arbor_connection_close(fs_check.env, &conn);
		arbor_cap_unref(ctx);
		return;
	}
	fs_check_result(err, 0, "ROM session");
	if (err) {
		arbor_cap_unref(ctx);
		return;
	}
	err = arbor_rpc_call(conn.cap, ARBOR_ROM_SIGH, NULL, 0, &ctx, 1, &reply);
	arbor_msg_release(&reply);
	fs_check_result(err < 0 ? err : 0, 0, "ROM sigh");
	signalled(ctx, UPDATE_MS);
	err = content(conn.cap, buf, sizeof(buf));
	fs_check_that(!err && (!want || !strcmp(buf, want)), "ROM '%s' reads '%s'%s%s", label, buf,
	              want && strcmp(buf, want) ? ", expected " : "",
	              want && strcmp(buf, want) ? want : "");
	fs_check_result(changed(conn.cap), 0, "UPDATE after DATASPACE: unchanged");
	if (path && next) {
		int64_t deadline = now_ms() + UPDATE_MS;
		int got_signal = 0;

		fs_check_result(fs_check_write_path(fs_check.fs, path, next, strlen(next)), 0,
		                "rewrite the file through the File_system session");
		/* each version is signalled; the last one must be the new content */
		while (strcmp(buf, next) && now_ms() < deadline) {
			if (!signalled(ctx, (int)(deadline - now_ms())))
				break;
			got_signal = 1;
			content(conn.cap, buf, sizeof(buf));
		}
		fs_check_that(got_signal, "ROM '%s' signalled its update", label);
		fs_check_that(!strcmp(buf, next), "ROM '%s' now reads '%s'", label, buf);
	}
	arbor_connection_close(fs_check.env, &conn);
	arbor_cap_unref(ctx);
}
