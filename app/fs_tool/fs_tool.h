/* fs_tool: what its actions share (main.c runs them, actions_*.c implement them). */
#ifndef FS_TOOL_H
#define FS_TOOL_H

#include <arbor/env.h>
#include <sandbox/xml.h>
#include <vfs/vfs.h>

/* Bytes moved per call by write and read unless chunk="…" says otherwise. */
#define FS_TOOL_CHUNK_DEFAULT (1u << 20)
#define FS_TOOL_CHUNK_MAX     (64u << 20)
/* Files up to this size have their content logged by <read> (max="…" overrides). */
#define FS_TOOL_SHOW_DEFAULT  4096u

struct fs_tool {
	struct arbor_env *env;
	struct vfs *vfs;
};

/* One action: 0 or an error (already logged with the path and the reason). */
typedef int (*fs_tool_action_fn)(struct fs_tool *t, const struct xml_node *n);

struct fs_tool_action {
	const char *name;
	fs_tool_action_fn run;
	const char *required;        /* attributes it cannot do without, space-separated */
	const char *optional;        /* the others it knows */
};

/* The actions, by node name; NULL for none. */
const struct fs_tool_action *fs_tool_action_find(const char *name);

/* Log "Error: WHAT: ENAME (text)" and return err. */
int fs_tool_fail(const char *what, int err);

/* Actions on content (actions_data.c) and on the tree (actions_tree.c). */
int fs_tool_write(struct fs_tool *t, const struct xml_node *n);
int fs_tool_read(struct fs_tool *t, const struct xml_node *n);
int fs_tool_truncate(struct fs_tool *t, const struct xml_node *n);
int fs_tool_wait(struct fs_tool *t, const struct xml_node *n);
int fs_tool_list(struct fs_tool *t, const struct xml_node *n);
int fs_tool_stat(struct fs_tool *t, const struct xml_node *n);
int fs_tool_mkdir(struct fs_tool *t, const struct xml_node *n);
int fs_tool_remove(struct fs_tool *t, const struct xml_node *n);
int fs_tool_move(struct fs_tool *t, const struct xml_node *n);
int fs_tool_symlink(struct fs_tool *t, const struct xml_node *n);
int fs_tool_sync(struct fs_tool *t, const struct xml_node *n);
int fs_tool_sleep(struct fs_tool *t, const struct xml_node *n);

#endif
