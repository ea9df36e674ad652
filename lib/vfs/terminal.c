/*
 * <terminal name="terminal" label="…"/>: a file that is a Terminal
 * session. Writes go to the terminal (waiting while its backlog is full);
 * reads take what input there is and never wait: no input is -EAGAIN,
 * since 0 would tell the reader the terminal ended.
 */
#include <stdlib.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include <terminal/terminal_client.h>
#include "single.h"

struct terminal_fs {
	struct vfs_single s;
	struct terminal_connection term;
};

static struct terminal_fs *terminal_of(struct vfs_file *f)
{
	return container_of(vfs_single_file_node(f), struct terminal_fs, s);
}

static ssize_t terminal_file_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	ssize_t n = terminal_read(&terminal_of(f)->term, dst, len);

	return n == 0 && len ? -EAGAIN : n;
}

static ssize_t terminal_file_write(struct vfs_file *f, const void *src, size_t len, uint64_t pos)
{
	return terminal_write(&terminal_of(f)->term, src, len);
}

static const struct vfs_file_ops terminal_file_ops = {
	.read = terminal_file_read,
	.write = terminal_file_write,
	.stat = vfs_single_file_stat,
	.close = vfs_single_file_close,
};

static int terminal_stat(struct vfs_single *s, struct vfs_stat *st)
{
	st->rwx = VFS_R | VFS_W;
	return 0;
}

static int terminal_open(struct vfs_single *s, int flags, struct vfs_file **out)
{
	return vfs_single_file_new(s, &terminal_file_ops, out);
}

static const struct vfs_single_ops terminal_single_ops = {
	.stat = terminal_stat,
	.open = terminal_open,
};

static void terminal_free(struct vfs_fs *fs)
{
	struct terminal_fs *t = container_of(vfs_single_of(fs), struct terminal_fs, s);

	terminal_connection_close(&t->term);
	free(t);
}

static const struct vfs_fs_ops terminal_ops = {
	.type = "terminal",
	.stat = vfs_single_stat,
	.list = vfs_single_list,
	.open = vfs_single_open,
	.unlink = vfs_single_unlink,
	.rename = vfs_single_rename,
	.free = terminal_free,
};

int vfs_terminal_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct terminal_fs *t = calloc(1, sizeof(*t));
	const char *label = xml_attr(a->node, "label");
	int err;

	*out = NULL;
	if (!t)
		return ARBOR_E_OUT_OF_RAM;
	t->s.fs.ops = &terminal_ops;
	err = vfs_single_init(&t->s, a, "terminal", VFS_FILE, &terminal_single_ops);
	if (err)
		goto fail;
	if (!a->env) {
		vfs_config_error(a->cfg, a->node, "needs a component environment");
		err = ARBOR_E_INVALID;
		goto fail;
	}
	err = terminal_connection_open(a->env, &t->term, label ? label : "");
	if (err) {
		vfs_config_error(a->cfg, a->node, "no Terminal session: %s", arbor_strerror(err));
		goto fail;
	}
	*out = &t->s.fs;
	return 0;

fail:
	free(t);
	return err;
}
