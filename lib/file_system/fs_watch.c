/*
 * Watches: a watch handle holds the client's CONTENT_CHANGED packet until
 * its node changes, then acks it. The server lists every open watch, so
 * that a change through any session reaches the watchers of every other.
 * An ack that finds the ack ring full waits in its watch (acking) until
 * the client makes room; a watch closed meanwhile stays until then.
 */
#include <stdlib.h>
#include <arbor/error.h>
#include "fs_internal.h"

int fs_watch_new(struct fs_session *s, uint32_t h, fs_ino ino, struct fs_watch **out)
{
	struct fs_watch *w = calloc(1, sizeof(*w));

	*out = w;
	if (!w)
		return -ENOMEM;
	w->session = s;
	w->handle = h;
	w->ino = ino;
	w->next = s->srv->watches;
	s->srv->watches = w;
	w->session_next = s->watches;
	s->watches = w;
	return 0;
}

static void unlist_server(struct fs_watch *w)
{
	for (struct fs_watch **l = &w->session->srv->watches; *l; l = &(*l)->next) {
		if (*l == w) {
			*l = w->next;
			break;
		}
	}
}

static void unlist_free(struct fs_watch *w)
{
	for (struct fs_watch **l = &w->session->watches; *l; l = &(*l)->session_next) {
		if (*l == w) {
			*l = w->session_next;
			break;
		}
	}
	free(w);
}

/* Send w's ack, or leave it acking for fs_watch_flush(). Returns as fs_stream_ack(). */
static int send_ack(struct fs_watch *w)
{
	int err = fs_stream_ack(w->session, &w->pkt);

	if (err == ARBOR_E_AGAIN)
		return err;
	w->acking = 0;
	w->pending = 0;
	return err;
}

void fs_watch_free(struct fs_watch *w)
{
	unlist_server(w);
	w->closed = 1;
	if (w->pending && !w->acking && !w->session->broken) {
		w->pkt.result = ARBOR_FS_E_INVALID_HANDLE;
		w->acking = 1;
	}
	if (w->acking && !w->session->broken && send_ack(w) == ARBOR_E_AGAIN)
		return;
	unlist_free(w);
}

int fs_watch_arm(struct fs_watch *w, struct arbor_packet *pkt)
{
	if (w->pending) {
		pkt->result = ARBOR_E_INVALID;
		return 0;
	}
	if (w->changed) {
		w->changed = 0;
		pkt->result = 0;
		return 0;
	}
	w->pending = 1;
	w->pkt = *pkt;
	return 1;
}

static void fire(struct fs_watch *w)
{
	if (w->session->broken || w->acking)
		return;
	if (!w->pending) {
		w->changed = 1;
		return;
	}
	w->pkt.result = 0;
	w->acking = 1;
	/* with the ring full it goes out when the client makes room (fs_stream_serve) */
	send_ack(w);
}

int fs_watch_flush(struct fs_session *s)
{
	struct fs_watch *w = s->watches, *next;
	int err;

	for (; w; w = next) {
		next = w->session_next;
		if (!w->acking)
			continue;
		err = send_ack(w);
		if (err == ARBOR_E_AGAIN)
			return err;
		if (w->closed)
			unlist_free(w);
		if (err)
			return err;
	}
	return 0;
}

void fs_watch_notify(struct fs_server *srv, fs_ino ino, fs_ino dir)
{
	if (dir == ino)
		dir = 0;
	for (struct fs_watch *w = srv->watches; w; w = w->next)
		if (w->ino == ino || (dir && w->ino == dir))
			fire(w);
}

void fs_watch_drop_all(struct fs_session *s)
{
	while (s->watches) {
		struct fs_watch *w = s->watches;
		if (!w->closed)
			unlist_server(w);
		s->watches = w->session_next;
		free(w);
	}
}
