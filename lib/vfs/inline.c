/*
 * <inline name="…">content</inline>: a read-only file holding the node's
 * content verbatim, as in Genode (XML elements inside included), when the
 * document's text is known; otherwise the node's character data, trimmed.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include "single.h"

struct inline_fs {
	struct vfs_single s;
	char *content;
	size_t len;
};

static ssize_t inline_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	struct inline_fs *in = container_of(vfs_single_file_node(f), struct inline_fs, s);

	if (pos >= in->len)
		return 0;
	if (len > in->len - pos)
		len = in->len - (size_t)pos;
	memcpy(dst, in->content + pos, len);
	return (ssize_t)len;
}

static const struct vfs_file_ops inline_file_ops = {
	.read = inline_read,
	.stat = vfs_single_file_stat,
	.close = vfs_single_file_close,
};

static int inline_stat(struct vfs_single *s, struct vfs_stat *st)
{
	st->rwx = VFS_R;
	st->size = container_of(s, struct inline_fs, s)->len;
	return 0;
}

static int inline_open(struct vfs_single *s, int flags, struct vfs_file **out)
{
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	return vfs_single_file_new(s, &inline_file_ops, out);
}

static const struct vfs_single_ops inline_single_ops = { .stat = inline_stat, .open = inline_open };

static void inline_free(struct vfs_fs *fs)
{
	struct inline_fs *in = container_of(vfs_single_of(fs), struct inline_fs, s);

	free(in->content);
	free(in);
}

static const struct vfs_fs_ops inline_ops = {
	.type = "inline",
	.stat = vfs_single_stat,
	.list = vfs_single_list,
	.open = vfs_single_open,
	.unlink = vfs_single_unlink,
	.rename = vfs_single_rename,
	.free = inline_free,
};

/*
 * The bytes between the node's start and end tag in the document: the
 * start tag ends at the first '>' outside a quoted attribute value, the
 * end tag starts at the last "</". An empty-element tag has none.
 */
static int raw_content(const struct vfs_config *cfg, const struct xml_node *node,
                       const char **start, size_t *len)
{
	size_t off, span, i;
	char quote = 0;

	xml_node_source(node, &off, &span);
	if (!cfg->text || off + span > cfg->len || span < 2)
		return -1;
	const char *s = cfg->text + off;
	for (i = 1; i < span; i++) {
		if (quote) {
			if (s[i] == quote)
				quote = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			quote = s[i];
		else if (s[i] == '>')
			break;
	}
	if (i >= span)
		return -1;
	if (s[i - 1] == '/') {
		*start = s + i;
		*len = 0;
		return 0;
	}
	for (size_t end = span - 1; end > i; end--)
		if (s[end] == '<' && s[end + 1] == '/') {
			*start = s + i + 1;
			*len = end - i - 1;
			return 0;
		}
	return -1;
}

int vfs_inline_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct inline_fs *in = calloc(1, sizeof(*in));
	const char *content;
	size_t len;
	int err;

	*out = NULL;
	if (!in)
		return ARBOR_E_OUT_OF_RAM;
	in->s.fs.ops = &inline_ops;
	err = vfs_single_init(&in->s, a, "inline", VFS_FILE, &inline_single_ops);
	if (err)
		goto fail;
	if (raw_content(a->cfg, a->node, &content, &len)) {
		content = xml_node_text(a->node);
		len = strlen(content);
	}
	in->content = malloc(len + 1);
	if (!in->content) {
		err = ARBOR_E_OUT_OF_RAM;
		goto fail;
	}
	memcpy(in->content, content, len);
	in->content[len] = '\0';
	in->len = len;
	*out = &in->s.fs;
	return 0;

fail:
	free(in);
	return err;
}
