/*
 * Indexing a tar archive in memory (tar_index.h). Paths are made clean:
 * a leading "./" or "/" goes, and an entry with ".." or an empty element,
 * or below something that is no directory, is left out rather than
 * trusted. When a path comes twice, the later entry wins, as when tar
 * extracts; a real entry wins over a directory that paths only imply.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <vfs/vfs.h>
#include "path.h"
#include "tar_index.h"

enum {
	IMPLIED  = 1,                 /* a directory only paths imply */
	HARDLINK = 2,                 /* target holds the path of the file whose content it shares */
	DROP     = 4,                 /* not to be kept */
};

struct builder {
	struct tar_index *idx;
	size_t cap;
	const uint8_t *base;
	size_t len;
};

static void entry_fini(struct tar_entry *e)
{
	free(e->path);
	free(e->owned);
	free(e->target);
}

void tar_index_free(struct tar_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->count; i++)
		entry_fini(&idx->ents[i]);
	free(idx->ents);
	free(idx);
}

/* "/" + the archive's name without "./" or "/" in front and "/" behind; NULL when unsafe. */
static char *clean_path(const char *name)
{
	size_t len = strlen(name), n = 0;
	char *path = malloc(len + 2);
	const char *p = name, *e;
	size_t elen;

	if (!path)
		return NULL;
	while (p = vfs_path_next(p, &e, &elen), elen) {
		if (elen == 1 && e[0] == '.')
			continue;
		if ((elen == 2 && e[0] == '.' && e[1] == '.') || elen > VFS_NAME_MAX) {
			free(path);
			return NULL;
		}
		path[n++] = '/';
		memcpy(path + n, e, elen);
		n += elen;
	}
	if (!n)
		path[n++] = '/';
	path[n] = '\0';
	if (n > VFS_PATH_MAX) {
		free(path);
		return NULL;
	}
	return path;
}

/* A new entry taking path (freed here when there is no room). */
static struct tar_entry *add(struct builder *b, char *path, uint32_t type)
{
	struct tar_index *idx = b->idx;
	struct tar_entry *e;

	if (!path)
		return NULL;
	if (idx->count == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct tar_entry *ents = realloc(idx->ents, cap * sizeof(*ents));

		if (!ents) {
			free(path);
			return NULL;
		}
		idx->ents = ents;
		b->cap = cap;
	}
	e = &idx->ents[idx->count++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->type = type;
	return e;
}

/* The content of the current file: where it lies in the archive, or a copy. */
static int read_content(struct builder *b, struct archive *a, struct tar_entry *e)
{
	const void *block;
	size_t size;
	la_int64_t offset;
	int r, pieces = 0;

	while ((r = archive_read_data_block(a, &block, &size, &offset)) == ARCHIVE_OK) {
		const uint8_t *p = block;

		if (offset < 0 || (uint64_t)offset > e->size || size > e->size - (uint64_t)offset)
			return ARBOR_E_INVALID;
		if (!size)
			continue;
		/* the usual case: one piece, in the archive's memory */
		if (!pieces++ && offset == 0 && size == e->size && p >= b->base &&
		    p + size <= b->base + b->len) {
			e->data = p;
			continue;
		}
		if (!e->owned) {
			if (!(e->owned = calloc(1, e->size)))
				return -ENOMEM;
			if (e->data)
				memcpy(e->owned, e->data, e->size);
			e->data = e->owned;
		}
		memcpy(e->owned + offset, p, size);
	}
	if (r != ARCHIVE_EOF)
		return ARBOR_E_INVALID;
	if (!e->data && e->size) {
		/* all of it a hole */
		if (!(e->owned = calloc(1, e->size)))
			return -ENOMEM;
		e->data = e->owned;
	}
	return 0;
}

/* Fill in an entry from the archive's header (and content). */
static int take(struct builder *b, struct archive *a, struct archive_entry *ae,
                struct tar_entry *e)
{
	const char *hardlink = archive_entry_hardlink(ae);
	const char *target;

	e->mode = archive_entry_perm(ae);
	e->mtime = archive_entry_mtime(ae) > 0 ? (uint64_t)archive_entry_mtime(ae) : 0;
	if (hardlink) {
		e->type = VFS_FILE;
		e->flags |= HARDLINK;
		if (!(e->target = clean_path(hardlink)))
			e->flags |= DROP;
		return 0;
	}
	switch (e->type) {
	case VFS_SYMLINK:
		target = archive_entry_symlink(ae);
		if (!target || !*target) {
			e->flags |= DROP;
			return 0;
		}
		return (e->target = strdup(target)) ? 0 : -ENOMEM;
	case VFS_FILE:
		e->size = archive_entry_size(ae) > 0 ? (uint64_t)archive_entry_size(ae) : 0;
		return read_content(b, a, e);
	default:
		return 0;
	}
}

static int read_archive(struct builder *b, char *why, size_t why_size)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int r = ARCHIVE_OK, err = 0;

	if (!a)
		return -ENOMEM;
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, b->base, b->len) != ARCHIVE_OK) {
		snprintf(why, why_size, "%s", archive_error_string(a));
		archive_read_free(a);
		return ARBOR_E_INVALID;
	}
	while (!err && (r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae);
		mode_t type = archive_entry_filetype(ae);
		char *path = name ? clean_path(name) : NULL;
		struct tar_entry *e;

		if (!path || !strcmp(path, "/") ||
		    (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK &&
		     !archive_entry_hardlink(ae))) {
			free(path);
			b->idx->skipped++;
			continue;
		}
		e = add(b, path, type == AE_IFDIR ? VFS_DIRECTORY :
		                 type == AE_IFLNK ? VFS_SYMLINK : VFS_FILE);
		err = e ? take(b, a, ae, e) : -ENOMEM;
		if (err == ARBOR_E_INVALID)
			snprintf(why, why_size, "%s: content broken", name);
	}
	if (!err && r != ARCHIVE_EOF) {
		const char *msg = archive_error_string(a);

		snprintf(why, why_size, "%s", msg ? msg : "not a tar archive");
		err = ARBOR_E_INVALID;
	}
	archive_read_free(a);
	return err;
}

/* Add "/" and the directories that paths imply (duplicates go in merge()). */
static int add_implied(struct builder *b)
{
	size_t count = b->idx->count;
	struct tar_entry *e;

	if (!(e = add(b, strdup("/"), VFS_DIRECTORY)))
		return -ENOMEM;
	e->flags = IMPLIED;
	e->mode = 0755;
	for (size_t i = 0; i < count; i++) {
		const char *path = b->idx->ents[i].path;

		for (const char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
			if (!(e = add(b, strndup(path, (size_t)(s - path)), VFS_DIRECTORY)))
				return -ENOMEM;
			e->flags = IMPLIED;
			e->mode = 0755;
			path = b->idx->ents[i].path;   /* add() may have moved the array */
		}
	}
	return 0;
}

/* Sorting keeps the archive's order among equal paths: the position breaks ties. */
struct ordered {
	struct tar_entry e;
	size_t order;
};

static int by_path(const void *x, const void *y)
{
	const struct ordered *a = x, *b = y;
	int c = strcmp(a->e.path, b->e.path);

	return c ? c : (a->order < b->order ? -1 : a->order > b->order);
}

static int sort(struct tar_index *idx)
{
	struct ordered *o = malloc((idx->count ? idx->count : 1) * sizeof(*o));

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < idx->count; i++)
		o[i] = (struct ordered){ idx->ents[i], i };
	qsort(o, idx->count, sizeof(*o), by_path);
	for (size_t i = 0; i < idx->count; i++)
		idx->ents[i] = o[i].e;
	free(o);
	return 0;
}

/*
 * Of a run of entries sharing a path (real ones first, in archive order,
 * then implied ones), 1 when b should be kept instead of a: the last real
 * entry, else the first implied one.
 */
static int better(const struct tar_entry *a, const struct tar_entry *b)
{
	return !(b->flags & IMPLIED);
}

/* The kept entry at path among ents[0..n), sorted: NULL when there is none. */
static const struct tar_entry *find_in(const struct tar_entry *ents, size_t n, const char *path)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ents[mid].path, path);

		if (!c)
			return &ents[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * One entry per path, then only entries whose parent was kept and is a
 * directory (parents sort before their children, so one pass does).
 */
static void merge(struct tar_index *idx)
{
	size_t n = 0;

	for (size_t i = 0; i < idx->count; i++) {
		struct tar_entry *e = &idx->ents[i];

		if (n && !strcmp(idx->ents[n - 1].path, e->path)) {
			if (better(&idx->ents[n - 1], e)) {
				if (!(idx->ents[n - 1].flags & IMPLIED))
					idx->skipped++;
				entry_fini(&idx->ents[n - 1]);
				idx->ents[n - 1] = *e;
			} else {
				if (!(e->flags & IMPLIED))
					idx->skipped++;
				entry_fini(e);
			}
			continue;
		}
		idx->ents[n++] = *e;
	}
	idx->count = n;
	n = 0;
	for (size_t i = 0; i < idx->count; i++) {
		struct tar_entry *e = &idx->ents[i];
		char *slash = strrchr(e->path, '/');
		const struct tar_entry *parent = NULL;

		if (e->path[1] && !(e->flags & DROP)) {
			if (slash == e->path)
				parent = find_in(idx->ents, n, "/");
			else {
				*slash = '\0';
				parent = find_in(idx->ents, n, e->path);
				*slash = '/';
			}
		}
		if (e->path[1] && (!parent || parent->type != VFS_DIRECTORY)) {
			entry_fini(e);
			idx->skipped++;
			continue;
		}
		idx->ents[n++] = *e;
	}
	idx->count = n;
}

/* Point hard links at the content of their target, a file; others are dropped. */
static void resolve_hardlinks(struct tar_index *idx)
{
	size_t n = 0;

	for (size_t i = 0; i < idx->count; i++) {
		struct tar_entry *e = &idx->ents[i];

		if (e->flags & HARDLINK) {
			const struct tar_entry *t = tar_index_find(idx, e->target);

			free(e->target);
			e->target = NULL;
			if (!t || t->type != VFS_FILE || (t->flags & HARDLINK) || t->flags & DROP) {
				e->flags |= DROP;
			} else {
				e->data = t->data;
				e->size = t->size;
				e->mode = t->mode;
			}
		}
	}
	/* a dropped link is a file: nothing lies below it */
	for (size_t i = 0; i < idx->count; i++) {
		if (idx->ents[i].flags & DROP) {
			entry_fini(&idx->ents[i]);
			idx->skipped++;
			continue;
		}
		idx->ents[n++] = idx->ents[i];
	}
	idx->count = n;
}

int tar_index_build(const void *data, size_t len, struct tar_index **out,
                    char *why, size_t why_size)
{
	struct builder b = { calloc(1, sizeof(struct tar_index)), 0, data, len };
	int err;

	*out = NULL;
	snprintf(why, why_size, "out of memory");
	if (!b.idx)
		return -ENOMEM;
	err = read_archive(&b, why, why_size);
	if (!err)
		err = add_implied(&b);
	if (!err)
		err = sort(b.idx);
	if (err) {
		tar_index_free(b.idx);
		return err;
	}
	merge(b.idx);
	resolve_hardlinks(b.idx);
	*out = b.idx;
	return 0;
}

const struct tar_entry *tar_index_find(const struct tar_index *idx, const char *path)
{
	return find_in(idx->ents, idx->count, path);
}

const struct tar_entry *tar_index_child(const struct tar_index *idx, const char *dir,
                                        size_t *cursor)
{
	char prefix[VFS_PATH_MAX + 2];
	size_t plen;

	snprintf(prefix, sizeof(prefix), "%s/", strcmp(dir, "/") ? dir : "");
	plen = strlen(prefix);
	if (!*cursor) {
		/* the entries below dir are those from the first >= prefix on, sorted */
		size_t lo = 0, hi = idx->count;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(idx->ents[mid].path, prefix) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		*cursor = lo + 1;   /* cursor is one past the position, so that 0 means "start" */
	}
	for (; *cursor - 1 < idx->count; (*cursor)++) {
		const struct tar_entry *e = &idx->ents[*cursor - 1];

		if (strncmp(e->path, prefix, plen))
			return NULL;
		if (e->path[plen] && !strchr(e->path + plen, '/')) {
			(*cursor)++;
			return e;
		}
	}
	return NULL;
}
