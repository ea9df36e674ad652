/*
 * <log name="log" label="…"/>: a write-only file whose text becomes LOG
 * lines, one per line written, through a LOG session of its own labeled
 * label (the component's lines then read "[… -> label] text"). Each
 * handle collects its own partial line, so two writers do not mix their
 * halves; what is left is logged on sync and close.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <arbor/util.h>
#include <session/log.h>
#include "single.h"

struct log_fs {
	struct vfs_single s;
	struct arbor_env *env;
	struct arbor_connection conn;
};

struct log_file {
	struct vfs_file f;
	struct log_fs *log;
	size_t len;
	char buf[ARBOR_LOG_WRITE_MAX];
};

static int log_send(struct log_fs *log, const char *text, size_t len)
{
	struct arbor_msg reply;
	int err = arbor_rpc_call(log->conn.cap, ARBOR_LOG_WRITE, text, (uint32_t)len, NULL, 0, &reply);

	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

/* Log the complete lines collected (all of it with partial: a line of its own). */
static int flush(struct log_file *lf, int partial)
{
	char *nl = lf->len ? memrchr(lf->buf, '\n', lf->len) : NULL;
	size_t n = nl ? (size_t)(nl - lf->buf) + 1 : 0;
	int err;

	if (partial || (!nl && lf->len == sizeof(lf->buf)))
		n = lf->len;
	if (!n)
		return 0;
	err = log_send(lf->log, lf->buf, n);
	memmove(lf->buf, lf->buf + n, lf->len - n);
	lf->len -= n;
	return err;
}

static ssize_t log_write(struct vfs_file *f, const void *src, size_t len, uint64_t pos)
{
	struct log_file *lf = container_of(f, struct log_file, f);
	const char *p = src;
	size_t done = 0;

	while (done < len) {
		size_t n = sizeof(lf->buf) - lf->len;
		int err;

		if (n > len - done)
			n = len - done;
		memcpy(lf->buf + lf->len, p + done, n);
		lf->len += n;
		done += n;
		if ((err = flush(lf, 0)))
			return err;
	}
	return (ssize_t)len;
}

static ssize_t log_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	return 0;
}

static int log_file_stat(struct vfs_file *f, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = VFS_FILE;
	st->rwx = VFS_W;
	st->inode = (uint64_t)(uintptr_t)container_of(f, struct log_file, f)->log;
	return 0;
}

static int log_truncate(struct vfs_file *f, uint64_t size)
{
	return 0;
}

static int log_sync(struct vfs_file *f)
{
	return flush(container_of(f, struct log_file, f), 1);
}

static int log_close(struct vfs_file *f)
{
	int err = log_sync(f);

	free(container_of(f, struct log_file, f));
	return err;
}

static const struct vfs_file_ops log_file_ops = {
	.read = log_read,
	.write = log_write,
	.stat = log_file_stat,
	.truncate = log_truncate,
	.sync = log_sync,
	.close = log_close,
};

static int log_stat(struct vfs_single *s, struct vfs_stat *st)
{
	st->rwx = VFS_W;
	return 0;
}

static int log_open(struct vfs_single *s, int flags, struct vfs_file **out)
{
	struct log_file *lf = malloc(sizeof(*lf));

	*out = NULL;
	if (!lf)
		return -ENOMEM;
	lf->f.ops = &log_file_ops;
	lf->log = container_of(s, struct log_fs, s);
	lf->len = 0;
	*out = &lf->f;
	return 0;
}

static const struct vfs_single_ops log_single_ops = { .stat = log_stat, .open = log_open };

static void log_free(struct vfs_fs *fs)
{
	struct log_fs *log = container_of(vfs_single_of(fs), struct log_fs, s);

	arbor_connection_close(log->env, &log->conn);
	free(log);
}

static const struct vfs_fs_ops log_ops = {
	.type = "log",
	.stat = vfs_single_stat,
	.list = vfs_single_list,
	.open = vfs_single_open,
	.unlink = vfs_single_unlink,
	.rename = vfs_single_rename,
	.free = log_free,
};

int vfs_log_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct log_fs *log = calloc(1, sizeof(*log));
	const char *label = xml_attr(a->node, "label");
	int err;

	*out = NULL;
	if (!log)
		return ARBOR_E_OUT_OF_RAM;
	log->s.fs.ops = &log_ops;
	log->env = a->env;
	err = vfs_single_init(&log->s, a, "log", VFS_FILE, &log_single_ops);
	if (err)
		goto fail;
	if (!a->env) {
		vfs_config_error(a->cfg, a->node, "needs a component environment");
		err = ARBOR_E_INVALID;
		goto fail;
	}
	err = arbor_connection_open(a->env, &log->conn, ARBOR_LOG_SERVICE, label ? label : "",
	                            ARBOR_LOG_SESSION_RAM, ARBOR_LOG_SESSION_CAPS, NULL);
	if (err) {
		vfs_config_error(a->cfg, a->node, "no LOG session: %s", arbor_strerror(err));
		goto fail;
	}
	*out = &log->s.fs;
	return 0;

fail:
	free(log);
	return err;
}
