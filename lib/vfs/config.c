/*
 * Building a VFS tree from its <vfs> node: the plugin of each node type,
 * the checks every plugin shares for its attributes, and the messages
 * that name a bad node by file, line and column.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/util.h>
#include "mount.h"
#include "path.h"
#include "vfs_internal.h"

/* Genode's node names, so that configs carry over. */
static const struct {
	const char *type;
	vfs_plugin_new_fn fn;
} plugins[] = {
	{ "dir", vfs_dir_new },
	{ "ram", vfs_ram_new },
	{ "tar", vfs_tar_new },
	{ "rom", vfs_rom_new },
	{ "fs", vfs_fs_new },
	{ "log", vfs_log_new },
	{ "null", vfs_null_new },
	{ "zero", vfs_zero_new },
	{ "terminal", vfs_terminal_new },
	{ "inline", vfs_inline_new },
	{ "symlink", vfs_symlink_new },
};

void vfs_config_error(const struct vfs_config *cfg, const struct xml_node *node,
                      const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	arbor_error("%s:%lu:%lu: <%s>: %s", cfg->file ? cfg->file : "config", xml_node_line(node),
	            xml_node_column(node), xml_node_type(node), why);
}

int vfs_config_string(const struct vfs_plugin_args *a, const char *attr, const char *def,
                      char *dst, size_t size)
{
	const char *value = xml_attr(a->node, attr);

	if (!value)
		value = def;
	if (!value) {
		vfs_config_error(a->cfg, a->node, "%s is missing", attr);
		return ARBOR_E_INVALID;
	}
	if (strlen(value) >= size) {
		vfs_config_error(a->cfg, a->node, "%s is longer than %zu bytes", attr, size - 1);
		return ARBOR_E_INVALID;
	}
	strcpy(dst, value);
	return 0;
}

int vfs_config_name(const struct vfs_plugin_args *a, const char *def, char *dst)
{
	int err = vfs_config_string(a, "name", def, dst, VFS_NAME_MAX + 1);

	if (err)
		return err;
	if (!vfs_name_valid(dst)) {
		vfs_config_error(a->cfg, a->node, "name=\"%s\" is not a file name", dst);
		return ARBOR_E_INVALID;
	}
	return 0;
}

void vfs_mounts_free(struct vfs_fs *first)
{
	while (first) {
		struct vfs_fs *next = first->next;

		first->ops->free(first);
		first = next;
	}
}

int vfs_config_mount(const struct vfs_plugin_args *a, struct vfs_fs **first)
{
	struct vfs_fs **tail = first;

	*first = NULL;
	for (struct xml_node *n = xml_first_child(a->node, NULL); n; n = xml_next_sibling(n, NULL)) {
		struct vfs_plugin_args sub = { a->env, n, a->cfg };
		vfs_plugin_new_fn fn = NULL;
		int err;

		for (size_t i = 0; i < ARRAY_SIZE(plugins); i++)
			if (!strcmp(xml_node_type(n), plugins[i].type))
				fn = plugins[i].fn;
		if (!fn) {
			vfs_config_error(a->cfg, n, "no such VFS plugin");
			err = ARBOR_E_INVALID;
		} else
			err = fn(&sub, tail);
		if (err) {
			vfs_mounts_free(*first);
			*first = NULL;
			return err;
		}
		tail = &(*tail)->next;
	}
	return 0;
}

int vfs_new(struct arbor_env *env, const struct vfs_config *cfg, struct vfs **out)
{
	struct vfs_plugin_args a = { env, cfg->node, cfg };
	struct vfs *vfs = calloc(1, sizeof(*vfs));
	int err;

	*out = NULL;
	if (!vfs)
		return ARBOR_E_OUT_OF_RAM;
	vfs->env = env;
	err = vfs_dir_root_new(&a, &vfs->root);
	if (err) {
		free(vfs);
		return err;
	}
	*out = vfs;
	return 0;
}

void vfs_free(struct vfs *vfs)
{
	if (!vfs)
		return;
	vfs->root->ops->free(vfs->root);
	free(vfs);
}
