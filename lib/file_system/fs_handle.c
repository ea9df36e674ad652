/*
 * A session's handles: small numbers private to the session, each naming
 * a node and what the session may do with it. The table is part of the
 * session (ARBOR_FS_HANDLES_MAX entries, paid by its donation); the
 * backend is told of every open and close, so it keeps unlinked nodes
 * that a handle still holds.
 */
#include <string.h>
#include "fs_internal.h"

static unsigned watches_open(const struct fs_session *s)
{
	unsigned n = 0;

	for (const struct fs_watch *w = s->watches; w; w = w->session_next)
		n++;
	return n;
}

int fs_handle_open(struct fs_session *s, unsigned kind, unsigned mode, fs_ino ino, fs_ino dir)
{
	struct fs_server *srv = s->srv;
	struct fs_handle *h;
	uint32_t i;

	for (i = 0; i < ARBOR_FS_HANDLES_MAX; i++)
		if (s->handles[i].kind == FS_HANDLE_FREE)
			break;
	if (i == ARBOR_FS_HANDLES_MAX)
		return ARBOR_FS_E_OUT_OF_HANDLES;
	/* a watch holds its state and packet at the server: bounded by the donation */
	if (kind == FS_HANDLE_WATCH && watches_open(s) >= ARBOR_FS_WATCHES_MAX)
		return ARBOR_FS_E_OUT_OF_HANDLES;
	h = &s->handles[i];
	if (kind == FS_HANDLE_WATCH && fs_watch_new(s, i, ino, &h->watch))
		return ARBOR_FS_E_NO_SPACE;
	h->kind = (uint8_t)kind;
	h->mode = (uint8_t)mode;
	h->ino = ino;
	h->dir = dir;
	if (srv->ops->opened)
		srv->ops->opened(srv->be, ino);
	return (int)i;
}

void fs_handle_close(struct fs_session *s, uint32_t i)
{
	struct fs_server *srv = s->srv;
	struct fs_handle *h = &s->handles[i];

	if (h->kind == FS_HANDLE_WATCH)
		fs_watch_free(h->watch);
	if (srv->ops->closed)
		srv->ops->closed(srv->be, h->ino);
	memset(h, 0, sizeof(*h));
}

struct fs_handle *fs_handle_get(struct fs_session *s, uint32_t i, unsigned mask)
{
	struct fs_handle *h;

	if (i >= ARBOR_FS_HANDLES_MAX)
		return NULL;
	h = &s->handles[i];
	if (h->kind == FS_HANDLE_FREE || !(mask & FS_KIND(h->kind)))
		return NULL;
	return h;
}
