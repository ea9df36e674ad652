/*
 * The data path of a File_system session: packets from the client's
 * stream, each checked (packet_stream validated the descriptor; here the
 * opcode, the handle's kind and mode, the position) before the backend
 * moves a byte. A full ack ring holds the session's next ack until the
 * client makes room; a broken stream ends the session's service.
 */
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/signal.h>
#include "fs_internal.h"

/* Packets taken per round before the entrypoint serves others. */
#define FS_STREAM_BATCH ARBOR_FS_QUEUE_SLOTS

#define DIRENT_SIZE sizeof(struct arbor_fs_dirent)

static int read_dir(struct fs_session *s, struct fs_handle *h, struct arbor_packet *pkt,
                    unsigned char *dst)
{
	struct fs_server *srv = s->srv;
	uint64_t index = pkt->arg[1] / DIRENT_SIZE, n = pkt->size / DIRENT_SIZE, i;
	struct arbor_fs_dirent ent;
	int err;

	if (pkt->arg[1] % DIRENT_SIZE)
		return ARBOR_E_INVALID;
	for (i = 0; i < n; i++) {
		/* cleared: the name's tail must not carry the server's stack to the client */
		memset(&ent, 0, sizeof(ent));
		err = srv->ops->readdir(srv->be, h->ino, index + i, &ent);
		if (err < 0 && i == 0)
			return err;
		if (err <= 0)
			break;
		if (!s->writeable)
			ent.rwx &= ~ARBOR_FS_W;
		memcpy(dst + i * DIRENT_SIZE, &ent, DIRENT_SIZE);
	}
	return (int)(i * DIRENT_SIZE);
}

static int packet_read(struct fs_session *s, struct arbor_packet *pkt)
{
	struct fs_server *srv = s->srv;
	struct fs_handle *h = fs_handle_get(s, (uint32_t)pkt->arg[0],
	                                    FS_KIND(FS_HANDLE_FILE) | FS_KIND(FS_HANDLE_SYMLINK) |
	                                    FS_KIND(FS_HANDLE_DIR));
	unsigned char *dst = arbor_ps_sink_content(&s->ps.sink, pkt);
	ssize_t n;

	if (!h || pkt->arg[0] > UINT32_MAX)
		return ARBOR_FS_E_INVALID_HANDLE;
	if (h->kind == FS_HANDLE_DIR)
		return read_dir(s, h, pkt, dst);
	if (!(h->mode & ARBOR_FS_READ_ONLY))
		return ARBOR_FS_E_PERMISSION_DENIED;
	if (pkt->arg[1] > UINT64_MAX - pkt->size)
		return ARBOR_E_INVALID;
	n = srv->ops->read(srv->be, h->ino, pkt->arg[1], dst, pkt->size);
	return (int)n;
}

static int packet_write(struct fs_session *s, struct arbor_packet *pkt)
{
	struct fs_server *srv = s->srv;
	struct fs_handle *h = fs_handle_get(s, (uint32_t)pkt->arg[0],
	                                    FS_KIND(FS_HANDLE_FILE) | FS_KIND(FS_HANDLE_SYMLINK));
	const unsigned char *src = arbor_ps_sink_content(&s->ps.sink, pkt);
	ssize_t n;

	if (!h || pkt->arg[0] > UINT32_MAX)
		return ARBOR_FS_E_INVALID_HANDLE;
	if (!(h->mode & ARBOR_FS_WRITE_ONLY) || !s->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	if (pkt->arg[1] > UINT64_MAX - pkt->size)
		return ARBOR_E_INVALID;
	if (!pkt->size)
		return 0;
	n = srv->ops->write(srv->be, h->ino, pkt->arg[1], src, pkt->size);
	if (n > 0)
		fs_watch_notify(srv, h->ino, h->dir);
	return (int)n;
}

static int packet_sync(struct fs_session *s)
{
	struct fs_server *srv = s->srv;

	return srv->ops->sync ? srv->ops->sync(srv->be) : 0;
}

/* Returns 1 when a watch holds the packet, 0 when pkt->result is set for its ack. */
static int process(struct fs_session *s, struct arbor_packet *pkt)
{
	struct fs_handle *h;
	int result;

	switch (pkt->op) {
	case ARBOR_FS_PACKET_READ:
		result = packet_read(s, pkt);
		/* a short read tells the client how much is there */
		pkt->size = result > 0 ? (uint32_t)result : 0;
		break;
	case ARBOR_FS_PACKET_WRITE:
		result = packet_write(s, pkt);
		break;
	case ARBOR_FS_PACKET_SYNC:
		result = packet_sync(s);
		break;
	case ARBOR_FS_PACKET_CONTENT_CHANGED:
		h = pkt->arg[0] > UINT32_MAX ? NULL
		  : fs_handle_get(s, (uint32_t)pkt->arg[0], FS_KIND(FS_HANDLE_WATCH));
		if (!h) {
			result = ARBOR_FS_E_INVALID_HANDLE;
			break;
		}
		return fs_watch_arm(h->watch, pkt);
	default:
		result = ARBOR_E_UNKNOWN_OPCODE;
		break;
	}
	pkt->result = result;
	return 0;
}

int fs_stream_ack(struct fs_session *s, const struct arbor_packet *pkt)
{
	int err;

	if (s->broken)
		return ARBOR_E_BAD_MESSAGE;
	err = arbor_ps_ack(&s->ps.sink, pkt);
	if (err && err != ARBOR_E_AGAIN)
		fs_stream_break(s, "its ack ring is corrupt");
	return err;
}

void fs_stream_serve(struct arbor_packet_session_server *ps)
{
	struct fs_session *s = ps->priv;
	struct arbor_packet pkt;
	int err;

	if (s->broken)
		return;
	/* what waited for room goes first, in order */
	if (s->held) {
		if (fs_stream_ack(s, &s->held_ack))
			return;
		s->held = 0;
	}
	if (fs_watch_flush(s))
		return;
	for (unsigned n = 0; n < FS_STREAM_BATCH; n++) {
		err = arbor_ps_get_packet(&ps->sink, &pkt);
		if (err == ARBOR_E_AGAIN)
			return;
		if (err) {
			fs_stream_break(s, "a packet outside its bulk buffer or a corrupt submit ring");
			return;
		}
		if (process(s, &pkt))
			continue;
		err = fs_stream_ack(s, &pkt);
		if (err == ARBOR_E_AGAIN) {
			/* backpressure: take no more until the client took acks */
			s->held_ack = pkt;
			s->held = 1;
			return;
		}
		if (err)
			return;
	}
	/* more may wait: come back after the entrypoint served the others */
	arbor_signal_submit(arbor_signal_handler_cap(&ps->packet_avail), 1);
}

void fs_stream_break(struct fs_session *s, const char *why)
{
	if (s->broken)
		return;
	s->broken = 1;
	arbor_warning("closing the File_system session of '%s': %s", s->label, why);
	/* torn down from the entrypoint's next round: we may be inside its handlers now */
	arbor_signal_submit(arbor_signal_handler_cap(&s->srv->reaper), 1);
}
