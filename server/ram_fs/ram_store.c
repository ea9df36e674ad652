/* ram_fs's nodes in memory, charged against its quota (see ram_store.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include "ram_store.h"

/* What the allocator keeps beside each allocation, charged as well. */
#define ALLOC_OVERHEAD 16u

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static int charge(struct ram_store *st, uint64_t bytes)
{
	if (bytes > st->limit - st->used)
		return ARBOR_FS_E_NO_SPACE;
	st->used += bytes;
	return 0;
}

static void uncharge(struct ram_store *st, uint64_t bytes)
{
	st->used -= bytes;
}

/* ---- inode numbers ---- */

static int ino_alloc(struct ram_store *st, struct ram_node *n)
{
	size_t ino;

	if (st->free_head) {
		ino = st->free_head;
		st->free_head = st->table[ino] >> 1;
	} else {
		if (st->table_len == st->table_cap) {
			size_t cap = st->table_cap ? st->table_cap * 2 : 64;
			uintptr_t *grown;

			if (charge(st, (cap - st->table_cap) * sizeof(*grown)))
				return ARBOR_FS_E_NO_SPACE;
			grown = realloc(st->table, cap * sizeof(*grown));
			if (!grown) {
				uncharge(st, (cap - st->table_cap) * sizeof(*grown));
				return ARBOR_FS_E_NO_SPACE;
			}
			st->table = grown;
			st->table_cap = cap;
		}
		if (st->table_len == 0)
			st->table[st->table_len++] = 1;   /* 0 is no inode */
		ino = st->table_len++;
	}
	st->table[ino] = (uintptr_t)n;
	n->ino = ino;
	return 0;
}

static void ino_free(struct ram_store *st, fs_ino ino)
{
	st->table[ino] = (st->free_head << 1) | 1;
	st->free_head = ino;
}

struct ram_node *ram_store_node(struct ram_store *st, fs_ino ino)
{
	uintptr_t v;

	if (ino == 0 || ino >= st->table_len)
		return NULL;
	v = st->table[ino];
	return (v & 1) ? NULL : (struct ram_node *)v;
}

/* ---- nodes ---- */

static int node_new(struct ram_store *st, unsigned type, struct ram_node **out)
{
	struct ram_node *n;

	*out = NULL;
	if (charge(st, sizeof(*n) + ALLOC_OVERHEAD))
		return ARBOR_FS_E_NO_SPACE;
	n = calloc(1, sizeof(*n));
	if (!n || ino_alloc(st, n)) {
		free(n);
		uncharge(st, sizeof(*n) + ALLOC_OVERHEAD);
		return ARBOR_FS_E_NO_SPACE;
	}
	n->type = type;
	n->mtime = now_s();
	*out = n;
	return 0;
}

static void free_blocks_from(struct ram_store *st, struct ram_node *n, uint64_t first)
{
	for (uint64_t i = first; i < n->nblocks; i++) {
		if (n->blocks[i]) {
			free(n->blocks[i]);
			n->blocks[i] = NULL;
			uncharge(st, RAM_STORE_BLOCK + ALLOC_OVERHEAD);
		}
	}
}

static void node_free(struct ram_store *st, struct ram_node *n)
{
	free_blocks_from(st, n, 0);
	free(n->blocks);
	uncharge(st, n->nblocks * sizeof(*n->blocks));
	/* an unlinked directory is empty: unlink refuses others */
	free(n->entries);
	uncharge(st, n->cap * sizeof(*n->entries));
	ino_free(st, n->ino);
	free(n);
	uncharge(st, sizeof(*n) + ALLOC_OVERHEAD);
}

static void maybe_free(struct ram_store *st, struct ram_node *n)
{
	if (!n->linked && !n->opens)
		node_free(st, n);
}

int ram_store_init(struct ram_store *st, uint64_t limit)
{
	struct ram_node *root;
	int err;

	memset(st, 0, sizeof(*st));
	st->limit = limit;
	err = node_new(st, ARBOR_FS_DIRECTORY, &root);
	if (err)
		return err;
	root->linked = 1;
	return root->ino == RAM_STORE_ROOT ? 0 : ARBOR_FS_E_NO_SPACE;
}

void ram_store_hold(struct ram_node *n)
{
	n->opens++;
}

void ram_store_release(struct ram_store *st, struct ram_node *n)
{
	if (n->opens)
		n->opens--;
	maybe_free(st, n);
}

/* ---- directories ---- */

/* Where name is in dir (1) or would go (0), by binary search. */
static int find(const struct ram_node *dir, const char *name, size_t *pos)
{
	size_t lo = 0, hi = dir->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(dir->entries[mid].name, name);
		if (!c) {
			*pos = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return 0;
}

static int live_dir(const struct ram_node *dir)
{
	return dir->type == ARBOR_FS_DIRECTORY && dir->linked;
}

struct ram_node *ram_store_lookup(struct ram_store *st, struct ram_node *dir, const char *name)
{
	size_t pos;

	if (!live_dir(dir) || !find(dir, name, &pos))
		return NULL;
	return dir->entries[pos].node;
}

/* Room for one more entry in dir. */
static int reserve_entry(struct ram_store *st, struct ram_node *dir)
{
	size_t cap = dir->cap ? dir->cap * 2 : 8;
	struct ram_entry *grown;

	if (dir->count < dir->cap)
		return 0;
	if (charge(st, (cap - dir->cap) * sizeof(*grown)))
		return ARBOR_FS_E_NO_SPACE;
	grown = realloc(dir->entries, cap * sizeof(*grown));
	if (!grown) {
		uncharge(st, (cap - dir->cap) * sizeof(*grown));
		return ARBOR_FS_E_NO_SPACE;
	}
	dir->entries = grown;
	dir->cap = cap;
	return 0;
}

static char *name_new(struct ram_store *st, const char *name)
{
	size_t len = strlen(name) + 1;
	char *copy;

	if (charge(st, len + ALLOC_OVERHEAD))
		return NULL;
	copy = malloc(len);
	if (!copy) {
		uncharge(st, len + ALLOC_OVERHEAD);
		return NULL;
	}
	memcpy(copy, name, len);
	return copy;
}

static void name_free(struct ram_store *st, char *name)
{
	uncharge(st, strlen(name) + 1 + ALLOC_OVERHEAD);
	free(name);
}

/* Insert (name, n) at pos of dir, which has room. */
static void insert(struct ram_node *dir, size_t pos, char *name, struct ram_node *n)
{
	memmove(&dir->entries[pos + 1], &dir->entries[pos],
	        (dir->count - pos) * sizeof(*dir->entries));
	dir->entries[pos] = (struct ram_entry){ name, n };
	dir->count++;
	dir->mtime = now_s();
	n->linked = 1;
	n->parent = dir;
}

/* Take entry pos out of dir; its node is unlinked (freed if no handle holds it). */
static void remove_entry(struct ram_store *st, struct ram_node *dir, size_t pos, int unlink)
{
	struct ram_node *n = dir->entries[pos].node;

	name_free(st, dir->entries[pos].name);
	memmove(&dir->entries[pos], &dir->entries[pos + 1],
	        (dir->count - pos - 1) * sizeof(*dir->entries));
	dir->count--;
	dir->mtime = now_s();
	if (!unlink)
		return;
	n->linked = 0;
	n->parent = NULL;
	maybe_free(st, n);
}

int ram_store_create(struct ram_store *st, struct ram_node *dir, const char *name,
                     unsigned type, struct ram_node **out)
{
	struct ram_node *n;
	char *copy;
	size_t pos;
	int err;

	*out = NULL;
	if (!live_dir(dir))
		return ARBOR_FS_E_LOOKUP_FAILED;
	if (find(dir, name, &pos))
		return ARBOR_FS_E_EXISTS;
	err = reserve_entry(st, dir);
	if (err)
		return err;
	copy = name_new(st, name);
	if (!copy)
		return ARBOR_FS_E_NO_SPACE;
	err = node_new(st, type, &n);
	if (err) {
		name_free(st, copy);
		return err;
	}
	insert(dir, pos, copy, n);
	*out = n;
	return 0;
}

int ram_store_unlink(struct ram_store *st, struct ram_node *dir, const char *name)
{
	struct ram_node *n;
	size_t pos;

	if (!live_dir(dir) || !find(dir, name, &pos))
		return ARBOR_FS_E_LOOKUP_FAILED;
	n = dir->entries[pos].node;
	if (n->type == ARBOR_FS_DIRECTORY && n->count)
		return ARBOR_FS_E_NOT_EMPTY;
	remove_entry(st, dir, pos, 1);
	return 0;
}

int ram_store_move(struct ram_store *st, struct ram_node *from, const char *from_name,
                   struct ram_node *to, const char *to_name)
{
	struct ram_node *n, *old = NULL;
	size_t src, dst;
	char *copy;
	int err;

	if (!live_dir(from) || !live_dir(to) || !find(from, from_name, &src))
		return ARBOR_FS_E_LOOKUP_FAILED;
	n = from->entries[src].node;
	if (find(to, to_name, &dst)) {
		old = to->entries[dst].node;
		if (old == n)
			return 0;
		if (old->type == ARBOR_FS_DIRECTORY && old->count)
			return ARBOR_FS_E_NOT_EMPTY;
	}
	/* all that can fail first: the new name, and a slot if nothing is replaced */
	if (!old && from != to) {
		err = reserve_entry(st, to);
		if (err)
			return err;
	}
	copy = name_new(st, to_name);
	if (!copy)
		return ARBOR_FS_E_NO_SPACE;
	if (old)
		remove_entry(st, to, dst, 1);
	find(from, from_name, &src);
	remove_entry(st, from, src, 0);
	find(to, to_name, &dst);
	insert(to, dst, copy, n);
	return 0;
}

/* ---- content ---- */

ssize_t ram_store_read(struct ram_store *st, struct ram_node *n, uint64_t pos, void *dst,
                       size_t len)
{
	unsigned char *out = dst;
	size_t done = 0;

	if (n->type == ARBOR_FS_DIRECTORY)
		return ARBOR_E_INVALID;
	if (pos >= n->size)
		return 0;
	if (len > n->size - pos)
		len = (size_t)(n->size - pos);
	while (done < len) {
		uint64_t at = pos + done, block = at / RAM_STORE_BLOCK;
		size_t off = at % RAM_STORE_BLOCK, part = RAM_STORE_BLOCK - off;

		if (part > len - done)
			part = len - done;
		if (block < n->nblocks && n->blocks[block])
			memcpy(out + done, n->blocks[block] + off, part);
		else
			memset(out + done, 0, part);
		done += part;
	}
	return (ssize_t)done;
}

/* A block list of at least need entries. */
static int reserve_blocks(struct ram_store *st, struct ram_node *n, uint64_t need)
{
	uint64_t room = (st->limit - st->used) / sizeof(unsigned char *), want;
	unsigned char **grown;

	if (need <= n->nblocks)
		return 0;
	if (need - n->nblocks > room)
		return ARBOR_FS_E_NO_SPACE;
	/* a quarter more than asked where that fits: appending stays linear */
	want = n->nblocks + n->nblocks / 4;
	if (want < need || want - n->nblocks > room)
		want = need;
	/* cannot fail: want was kept within room above */
	(void)charge(st, (want - n->nblocks) * sizeof(*grown));
	grown = realloc(n->blocks, want * sizeof(*grown));
	if (!grown) {
		uncharge(st, (want - n->nblocks) * sizeof(*grown));
		return ARBOR_FS_E_NO_SPACE;
	}
	memset(grown + n->nblocks, 0, (want - n->nblocks) * sizeof(*grown));
	n->blocks = grown;
	n->nblocks = want;
	return 0;
}

ssize_t ram_store_write(struct ram_store *st, struct ram_node *n, uint64_t pos,
                        const void *src, size_t len)
{
	const unsigned char *in = src;
	size_t done = 0;

	if (n->type == ARBOR_FS_DIRECTORY)
		return ARBOR_E_INVALID;
	if (!len)
		return 0;
	if (pos > UINT64_MAX - len || reserve_blocks(st, n, (pos + len - 1) / RAM_STORE_BLOCK + 1))
		return ARBOR_FS_E_NO_SPACE;
	while (done < len) {
		uint64_t at = pos + done, block = at / RAM_STORE_BLOCK;
		size_t off = at % RAM_STORE_BLOCK, part = RAM_STORE_BLOCK - off;
		unsigned char *b = n->blocks[block];

		if (part > len - done)
			part = len - done;
		if (!b) {
			if (charge(st, RAM_STORE_BLOCK + ALLOC_OVERHEAD))
				break;
			b = malloc(RAM_STORE_BLOCK);
			if (!b) {
				uncharge(st, RAM_STORE_BLOCK + ALLOC_OVERHEAD);
				break;
			}
			/* what this write leaves of a new block reads as zeros */
			if (part < RAM_STORE_BLOCK)
				memset(b, 0, RAM_STORE_BLOCK);
			n->blocks[block] = b;
		}
		memcpy(b + off, in + done, part);
		done += part;
	}
	if (!done)
		return ARBOR_FS_E_NO_SPACE;
	if (pos + done > n->size)
		n->size = pos + done;
	n->mtime = now_s();
	return (ssize_t)done;
}

int ram_store_truncate(struct ram_store *st, struct ram_node *n, uint64_t size)
{
	uint64_t keep = (size + RAM_STORE_BLOCK - 1) / RAM_STORE_BLOCK;

	if (n->type == ARBOR_FS_DIRECTORY)
		return ARBOR_E_INVALID;
	if (size < n->size) {
		free_blocks_from(st, n, keep);
		/* bytes past the end stay zero, so that growing again reads zeros */
		if (size % RAM_STORE_BLOCK && keep - 1 < n->nblocks && n->blocks[keep - 1])
			memset(n->blocks[keep - 1] + size % RAM_STORE_BLOCK, 0,
			       RAM_STORE_BLOCK - size % RAM_STORE_BLOCK);
	}
	n->size = size;
	n->mtime = now_s();
	return 0;
}
