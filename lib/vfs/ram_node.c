/* The nodes of the <ram> plugin (ram_node.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <vfs/vfs.h>
#include "ram_node.h"

struct ram_node *ram_node_new(const char *name, uint32_t type, uint64_t inode)
{
	struct ram_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->type = type;
	n->inode = inode;
	return n;
}

static void free_chunks(struct ram_node *f, size_t from)
{
	for (size_t i = from; i < f->file.nchunks; i++) {
		free(f->file.chunks[i]);
		f->file.chunks[i] = NULL;
	}
}

void ram_node_free(struct ram_node *n)
{
	switch (n->type) {
	case VFS_DIRECTORY:
		for (size_t i = 0; i < n->dir.count; i++) {
			n->dir.ents[i]->parent = NULL;
			if (!n->dir.ents[i]->open)
				ram_node_free(n->dir.ents[i]);
		}
		free(n->dir.ents);
		break;
	case VFS_FILE:
		free_chunks(n, 0);
		free(n->file.chunks);
		break;
	default:
		free(n->target);
		break;
	}
	free(n->name);
	free(n);
}

/* The index of name in dir's entries, or where it would go (*found 0). */
static size_t dir_index(const struct ram_node *dir, const char *name, int *found)
{
	size_t lo = 0, hi = dir->dir.count;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(dir->dir.ents[mid]->name, name);

		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct ram_node *ram_dir_find(const struct ram_node *dir, const char *name)
{
	int found;
	size_t i = dir_index(dir, name, &found);

	return found ? dir->dir.ents[i] : NULL;
}

int ram_dir_reserve(struct ram_node *dir)
{
	size_t cap = dir->dir.cap ? 2 * dir->dir.cap : 8;
	struct ram_node **ents;

	if (dir->dir.count < dir->dir.cap)
		return 0;
	ents = realloc(dir->dir.ents, cap * sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	dir->dir.ents = ents;
	dir->dir.cap = cap;
	return 0;
}

int ram_dir_insert(struct ram_node *dir, struct ram_node *n)
{
	int found, err;
	size_t i = dir_index(dir, n->name, &found);

	if (found)
		return -EEXIST;
	if ((err = ram_dir_reserve(dir)))
		return err;
	memmove(dir->dir.ents + i + 1, dir->dir.ents + i, (dir->dir.count - i) * sizeof(n));
	dir->dir.ents[i] = n;
	dir->dir.count++;
	n->parent = dir;
	return 0;
}

void ram_dir_remove(struct ram_node *n)
{
	struct ram_node *dir = n->parent;
	int found;
	size_t i;

	if (!dir)
		return;
	i = dir_index(dir, n->name, &found);
	if (found) {
		memmove(dir->dir.ents + i, dir->dir.ents + i + 1, (dir->dir.count - i - 1) * sizeof(n));
		dir->dir.count--;
	}
	n->parent = NULL;
}

ssize_t ram_file_read(const struct ram_node *f, void *dst, size_t len, uint64_t pos)
{
	uint8_t *out = dst;
	size_t done = 0;

	if (pos >= f->file.size)
		return 0;
	if (len > f->file.size - pos)
		len = (size_t)(f->file.size - pos);
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	while (done < len) {
		uint64_t at = pos + done;
		size_t i = (size_t)(at / RAM_CHUNK), off = (size_t)(at % RAM_CHUNK);
		size_t n = RAM_CHUNK - off < len - done ? RAM_CHUNK - off : len - done;

		if (i < f->file.nchunks && f->file.chunks[i])
			memcpy(out + done, f->file.chunks[i] + off, n);
		else
			memset(out + done, 0, n);
		done += n;
	}
	return (ssize_t)len;
}

/* Make the chunk table hold the chunks of size bytes. */
static int grow_table(struct ram_node *f, uint64_t size)
{
	size_t need = (size_t)((size + RAM_CHUNK - 1) / RAM_CHUNK);
	uint8_t **chunks;

	if (need <= f->file.nchunks)
		return 0;
	chunks = realloc(f->file.chunks, need * sizeof(*chunks));
	if (!chunks)
		return -ENOMEM;
	memset(chunks + f->file.nchunks, 0, (need - f->file.nchunks) * sizeof(*chunks));
	f->file.chunks = chunks;
	f->file.nchunks = need;
	return 0;
}

ssize_t ram_file_write(struct ram_node *f, const void *src, size_t len, uint64_t pos)
{
	const uint8_t *in = src;
	size_t done = 0;
	int err;

	if (pos > RAM_FILE_MAX || len > RAM_FILE_MAX - pos)
		return -EFBIG;
	if (!len)
		return 0;
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	if ((err = grow_table(f, pos + len)))
		return err;
	while (done < len) {
		uint64_t at = pos + done;
		size_t i = (size_t)(at / RAM_CHUNK), off = (size_t)(at % RAM_CHUNK);
		size_t n = RAM_CHUNK - off < len - done ? RAM_CHUNK - off : len - done;

		/* zeroed, so that the bytes around what is written read as zeros */
		if (!f->file.chunks[i] && !(f->file.chunks[i] = calloc(1, RAM_CHUNK)))
			break;
		memcpy(f->file.chunks[i] + off, in + done, n);
		done += n;
	}
	if (pos + done > f->file.size)
		f->file.size = pos + done;
	return done ? (ssize_t)done : -ENOMEM;
}

int ram_file_truncate(struct ram_node *f, uint64_t size)
{
	int err;

	if (size > RAM_FILE_MAX)
		return -EFBIG;
	if (size < f->file.size) {
		size_t keep = (size_t)((size + RAM_CHUNK - 1) / RAM_CHUNK);

		free_chunks(f, keep);
		/* the cut-off tail of the last chunk must read as zeros if the file grows again */
		if (size % RAM_CHUNK && keep - 1 < f->file.nchunks && f->file.chunks[keep - 1])
			memset(f->file.chunks[keep - 1] + size % RAM_CHUNK, 0,
			       RAM_CHUNK - size % RAM_CHUNK);
	} else if ((err = grow_table(f, size)))
		return err;
	f->file.size = size;
	return 0;
}
