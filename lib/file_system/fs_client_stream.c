/*
 * The client's data path: reads and writes split into packets that are
 * kept in flight together (the server works on one while the next is
 * filled), directory entries, sync, and the CONTENT_CHANGED packets of
 * armed watches, whose acks may come between those of any I/O.
 */
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/signal.h>
#include <file_system/fs_client.h>

/* Tags with this bit belong to watches; the others to I/O. */
#define FS_WATCH_TAG (1ull << 63)
/* Packets of one read or write in flight at most. */
#define FS_IO_DEPTH 8u

struct io_chunk {
	uint64_t tag;       /* 0: slot free */
	uint64_t off;       /* into the caller's buffer */
	uint32_t len;
};

/* One read or write in progress: its packets and how far it got. */
struct io_batch {
	uint32_t op;
	unsigned char *buf;
	struct io_chunk chunks[FS_IO_DEPTH];
	unsigned outstanding;
	uint64_t stop;      /* bytes before the first shortfall (the length if none) */
	int stop_err;       /* the error at stop, if a packet failed there */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain(int fd)
{
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0)
		return;
}

/*
 * Wait for a signal of the server. A connection whose contexts the
 * entrypoint watches (fs_args.signalled) is used on the entrypoint, which
 * meanwhile reads none of them: it polls them itself.
 */
static int wait_server(struct fs_connection *fs, int timeout_ms)
{
	struct pollfd fds[3] = {
		{ .fd = fs->tx.ack_avail.io.fd, .events = POLLIN },
		{ .fd = fs->tx.ready_to_submit.io.fd, .events = POLLIN },
		{ .fd = arbor_cap_fd(fs->conn.cap), .events = 0 },
	};
	int n;

	if (!fs->tx.fn)
		return arbor_packet_session_client_wait(&fs->tx, timeout_ms);
	n = poll(fds, 3, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (fds[0].revents & POLLIN)
		drain(fds[0].fd);
	if (fds[1].revents & POLLIN)
		drain(fds[1].fd);
	if (fds[2].revents & (POLLHUP | POLLERR | POLLNVAL))
		return ARBOR_E_OBJECT_GONE;
	return 0;
}

static int any_fired(const struct fs_connection *fs)
{
	for (unsigned i = 0; i < ARBOR_FS_HANDLES_MAX / 64; i++)
		if (fs->fired[i])
			return 1;
	return 0;
}

/*
 * After a call that waited on the contexts itself: a watch heard of
 * meanwhile must still reach the signalled handler, whose wake-up that
 * wait consumed.
 */
static void pass_on_fired(struct fs_connection *fs)
{
	if (fs->tx.fn && any_fired(fs))
		arbor_signal_submit(fs->tx.ack_avail.cap, 1);
}

static void watch_acked(struct fs_connection *fs, const struct arbor_packet *pkt)
{
	uint64_t h = pkt->arg[0];

	if (h >= ARBOR_FS_HANDLES_MAX || fs->watch_tag[h] != pkt->tag)
		return;               /* a closed watch's last packet */
	fs->watch_tag[h] = 0;
	if (pkt->result == 0)
		fs->fired[h / 64] |= 1ull << (h % 64);
}

static int io_acked(struct fs_connection *fs, struct io_batch *io, const struct arbor_packet *pkt)
{
	struct io_chunk *c = NULL;
	int32_t r = pkt->result;

	for (unsigned i = 0; io && i < FS_IO_DEPTH; i++)
		if (io->chunks[i].tag && io->chunks[i].tag == pkt->tag)
			c = &io->chunks[i];
	if (!c)
		return 0;             /* not ours: an I/O given up on */
	if (r > (int32_t)c->len || (io->op == ARBOR_FS_PACKET_READ && r > 0 && pkt->size < (uint32_t)r))
		return ARBOR_E_BAD_MESSAGE;
	if (io->op == ARBOR_FS_PACKET_READ && r > 0)
		memcpy(io->buf + c->off, arbor_ps_source_content(&fs->tx.source, pkt), (size_t)r);
	if (r < 0 && c->off < io->stop) {
		io->stop = c->off;
		io->stop_err = r;
	} else if (r >= 0 && (uint32_t)r < c->len && c->off + (uint64_t)r < io->stop) {
		io->stop = c->off + (uint64_t)r;
		io->stop_err = 0;
	}
	c->tag = 0;
	io->outstanding--;
	return 0;
}

/* Take every ack there is: watches note their change, io's packets complete. */
static int take_acks(struct fs_connection *fs, struct io_batch *io)
{
	struct arbor_packet pkt;
	int err;

	for (;;) {
		err = arbor_ps_get_ack(&fs->tx.source, &pkt);
		if (err == ARBOR_E_AGAIN)
			return 0;
		if (err)
			return err;
		if (pkt.tag & FS_WATCH_TAG)
			watch_acked(fs, &pkt);
		else
			err = io_acked(fs, io, &pkt);
		arbor_ps_free(&fs->tx.source, &pkt);
		if (err)
			return err;
	}
}

/* Submit pkt, taking acks while the submit ring is full. */
static int submit(struct fs_connection *fs, struct io_batch *io, const struct arbor_packet *pkt)
{
	for (;;) {
		int err = arbor_ps_submit(&fs->tx.source, pkt);

		if (err != ARBOR_E_AGAIN)
			return err;
		err = take_acks(fs, io);
		if (!err)
			err = wait_server(fs, -1);
		if (err)
			return err;
	}
}

/* Bulk space of size bytes; while there is none, wait for io's packets to come back. */
static int alloc(struct fs_connection *fs, struct io_batch *io, size_t size,
                 struct arbor_packet *pkt)
{
	for (;;) {
		int err = arbor_ps_alloc(&fs->tx.source, size, pkt);

		if (err != ARBOR_E_AGAIN || !io || !io->outstanding)
			return err;
		err = take_acks(fs, io);
		if (!err && io->outstanding)
			err = wait_server(fs, -1);
		if (err)
			return err;
	}
}

static int submit_chunk(struct fs_connection *fs, struct io_batch *io, uint32_t handle,
                        uint64_t pos, uint64_t off, uint32_t len)
{
	struct arbor_packet pkt;
	unsigned slot;
	int err;

	for (slot = 0; slot < FS_IO_DEPTH && io->chunks[slot].tag; slot++)
		;
	err = alloc(fs, io, len, &pkt);
	if (err)
		return err;
	pkt.op = io->op;
	pkt.tag = fs->next_tag++ & ~FS_WATCH_TAG;
	if (!pkt.tag)
		pkt.tag = fs->next_tag++;
	pkt.arg[0] = handle;
	pkt.arg[1] = pos + off;
	if (io->op == ARBOR_FS_PACKET_WRITE)
		memcpy(arbor_ps_source_content(&fs->tx.source, &pkt), io->buf + off, len);
	err = submit(fs, io, &pkt);
	if (err) {
		arbor_ps_free(&fs->tx.source, &pkt);
		return err;
	}
	io->chunks[slot] = (struct io_chunk){ pkt.tag, off, len };
	io->outstanding++;
	return 0;
}

/*
 * Move len bytes between buf and handle at pos in packets of a quarter of
 * the bulk buffer, up to FS_IO_DEPTH in flight; no packet goes out after
 * one came back short.
 */
static ssize_t transfer(struct fs_connection *fs, uint32_t op, uint32_t handle, uint64_t pos,
                        unsigned char *buf, size_t len)
{
	struct io_batch io = { .op = op, .buf = buf, .stop = len };
	uint64_t chunk = fs->tx.geo.bulk_size / 4, next = 0;
	int err = 0;

	if (!fs->tx.mem)
		return ARBOR_E_OBJECT_GONE;
	chunk = chunk < 64 ? 64 : chunk;
	while (!err && next < len && next < io.stop) {
		uint32_t n = (uint32_t)(len - next < chunk ? len - next : chunk);

		if (io.outstanding == FS_IO_DEPTH) {
			err = take_acks(fs, &io);
			if (!err && io.outstanding == FS_IO_DEPTH)
				err = wait_server(fs, -1);
			continue;
		}
		err = submit_chunk(fs, &io, handle, pos, next, n);
		next += n;
	}
	while (io.outstanding && (!err || err == ARBOR_E_AGAIN)) {
		err = take_acks(fs, &io);
		if (!err && io.outstanding)
			err = wait_server(fs, -1);
	}
	pass_on_fired(fs);
	if (err)
		return err;
	if (io.stop == 0 && io.stop_err)
		return io.stop_err;
	return (ssize_t)io.stop;
}

ssize_t fs_read(struct fs_connection *fs, uint32_t handle, uint64_t pos, void *dst, size_t len)
{
	return transfer(fs, ARBOR_FS_PACKET_READ, handle, pos, dst, len);
}

ssize_t fs_write(struct fs_connection *fs, uint32_t handle, uint64_t pos,
                 const void *src, size_t len)
{
	/* transfer() only reads buf for a WRITE */
	return transfer(fs, ARBOR_FS_PACKET_WRITE, handle, pos, (unsigned char *)src, len);
}

int fs_readdir(struct fs_connection *fs, uint32_t dir, uint64_t index,
               struct arbor_fs_dirent *ent)
{
	ssize_t n;

	memset(ent, 0, sizeof(*ent));
	if (index > UINT64_MAX / sizeof(*ent))
		return ARBOR_E_INVALID;
	n = transfer(fs, ARBOR_FS_PACKET_READ, dir, index * sizeof(*ent), (unsigned char *)ent,
	             sizeof(*ent));
	if (n < 0)
		return (int)n;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*ent))
		return ARBOR_E_BAD_MESSAGE;
	ent->name[ARBOR_FS_NAME_MAX] = 0;
	return 1;
}

int fs_sync(struct fs_connection *fs)
{
	/* one chunk of length 0 at 0: an error moves stop from 1 to 0 */
	struct io_batch io = { .op = ARBOR_FS_PACKET_SYNC, .stop = 1 };
	int err;

	if (!fs->tx.mem)
		return ARBOR_E_OBJECT_GONE;
	err = submit_chunk(fs, &io, 0, 0, 0, 0);
	while (!err && io.outstanding) {
		err = take_acks(fs, &io);
		if (!err && io.outstanding)
			err = wait_server(fs, -1);
	}
	pass_on_fired(fs);
	return err ? err : io.stop_err;
}

int fs_watch_arm(struct fs_connection *fs, uint32_t watch)
{
	struct arbor_packet pkt;
	int err;

	if (watch >= ARBOR_FS_HANDLES_MAX)
		return ARBOR_FS_E_INVALID_HANDLE;
	if (fs->watch_tag[watch])
		return 0;
	err = arbor_ps_alloc(&fs->tx.source, 0, &pkt);
	if (err)
		return err;
	pkt.op = ARBOR_FS_PACKET_CONTENT_CHANGED;
	pkt.tag = FS_WATCH_TAG | fs->next_tag++;
	pkt.arg[0] = watch;
	err = submit(fs, NULL, &pkt);
	if (err) {
		arbor_ps_free(&fs->tx.source, &pkt);
		return err;
	}
	fs->watch_tag[watch] = pkt.tag;
	return 0;
}

/* The lowest watch that changed, disarmed and forgotten; -1 if none. */
static int take_fired(struct fs_connection *fs)
{
	for (unsigned i = 0; i < ARBOR_FS_HANDLES_MAX / 64; i++) {
		if (fs->fired[i]) {
			unsigned bit = (unsigned)__builtin_ctzll(fs->fired[i]);
			fs->fired[i] &= ~(1ull << bit);
			return (int)(i * 64 + bit);
		}
	}
	return -1;
}

int fs_watch_poll(struct fs_connection *fs, int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	int err, h;

	if (!fs->tx.mem)
		return ARBOR_E_OBJECT_GONE;
	for (;;) {
		err = take_acks(fs, NULL);
		if (err)
			return err;
		h = take_fired(fs);
		if (h >= 0)
			return h;
		if (timeout_ms == 0)
			return ARBOR_E_AGAIN;
		int wait = timeout_ms;
		if (timeout_ms > 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return ARBOR_E_AGAIN;
			wait = (int)left;
		}
		err = wait_server(fs, wait);
		if (err)
			return err;
	}
}
