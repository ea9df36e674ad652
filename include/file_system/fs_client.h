/*
 * The File_system session's client library (lib/file_system): open a
 * session, make the handle calls of session/file_system.h, and move data
 * through the packet stream. Reads and writes wait for their acks; a
 * watch is told of changes through fs_watch_poll(). Every call runs on the
 * caller's thread; none needs the entrypoint. One thread at a time per
 * connection. Errors are those of session/file_system.h and the RPC layer.
 */
#ifndef FILE_SYSTEM_FS_CLIENT_H
#define FILE_SYSTEM_FS_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <arbor/packet_session.h>
#include <session/file_system.h>

struct fs_connection;

/* See fs_args.signalled. */
typedef void (*fs_signalled_fn)(struct fs_connection *fs, void *priv);

struct fs_connection {
	struct arbor_env *env;
	struct arbor_connection conn;
	struct arbor_packet_session_client tx;
	int writeable;
	/* private (fs_client_stream.c): tags of I/O and of armed watches */
	uint64_t next_tag;
	uint64_t watch_tag[ARBOR_FS_HANDLES_MAX];   /* 0: not armed */
	uint64_t fired[ARBOR_FS_HANDLES_MAX / 64];   /* changes heard of, not yet polled */
	fs_signalled_fn signalled;
	void *priv;
};

struct fs_args {
	const char *label;       /* may be "" */
	const char *root;        /* NULL or "/": the policy's root */
	size_t tx_buf_size;      /* 0: ARBOR_FS_TX_BUF_DEFAULT */
	int writeable;
	/*
	 * Optional: runs on the entrypoint whenever the server signals (an
	 * ack, room to submit), for a client that also serves and cannot block
	 * waiting for a watch (fs_rom): it calls fs_watch_poll(fs, 0) there.
	 * NULL: nothing of the connection runs on the entrypoint.
	 */
	fs_signalled_fn signalled;
	void *priv;
};

int fs_connection_open(struct arbor_env *env, struct fs_connection *fs,
                       const struct fs_args *args);
void fs_connection_close(struct fs_connection *fs);

/* Handle calls: the handle (>= 0) or an error. */
int fs_file(struct fs_connection *fs, uint32_t dir, const char *name,
            enum arbor_fs_mode mode, int create);
int fs_symlink(struct fs_connection *fs, uint32_t dir, const char *name, int create);
int fs_dir(struct fs_connection *fs, const char *path, int create);
int fs_node(struct fs_connection *fs, const char *path);
int fs_watch(struct fs_connection *fs, const char *path);
int fs_close(struct fs_connection *fs, uint32_t handle);
int fs_status(struct fs_connection *fs, uint32_t handle, struct arbor_fs_status *st);
int fs_unlink(struct fs_connection *fs, uint32_t dir, const char *name);
int fs_truncate(struct fs_connection *fs, uint32_t file, uint64_t size);
int fs_move(struct fs_connection *fs, uint32_t from_dir, const char *from_name,
            uint32_t to_dir, const char *to_name);
/* Entries of a directory, or an error. */
long fs_num_entries(struct fs_connection *fs, uint32_t dir);

/*
 * Read or write len bytes at pos of a file or symlink handle, in as many
 * packets as the buffer needs. Returns the bytes moved (a read: fewer at
 * the end) or an error.
 */
ssize_t fs_read(struct fs_connection *fs, uint32_t handle, uint64_t pos, void *dst, size_t len);
ssize_t fs_write(struct fs_connection *fs, uint32_t handle, uint64_t pos,
                 const void *src, size_t len);
/* Directory entry number index into *ent: 1, 0 past the last, or an error. */
int fs_readdir(struct fs_connection *fs, uint32_t dir, uint64_t index,
               struct arbor_fs_dirent *ent);
int fs_sync(struct fs_connection *fs);

/*
 * Watches: after fs_watch(), arm it (submits its CONTENT_CHANGED packet);
 * fs_watch_poll() waits up to timeout_ms (0: not at all, -1: no limit) for
 * a change of any armed watch of the connection and returns that watch's
 * handle (disarmed: arm it again to hear of the next change), ARBOR_E_AGAIN
 * when none changed in time, or an error.
 */
int fs_watch_arm(struct fs_connection *fs, uint32_t watch);
int fs_watch_poll(struct fs_connection *fs, int timeout_ms);

#endif
