/*
 * Private state of the File_system server library: the server, its
 * sessions, their handles and watches, and the functions the library's
 * files (policy, path, handle, ops, stream, watch) share.
 */
#ifndef FILE_SYSTEM_FS_INTERNAL_H
#define FILE_SYSTEM_FS_INTERNAL_H

#include <stdint.h>
#include <arbor/packet_session.h>
#include <arbor/root.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <file_system/fs_server.h>
#include <sandbox/config_rom.h>
#include <session/parent.h>

enum fs_handle_kind {
	FS_HANDLE_FREE = 0,
	FS_HANDLE_FILE,      /* from file(): READ/WRITE as its mode allows, truncate */
	FS_HANDLE_SYMLINK,   /* from symlink(): READ, and WRITE on a writeable session */
	FS_HANDLE_DIR,       /* from dir(): READ of entries, the dir of file/unlink/move */
	FS_HANDLE_NODE,      /* from node(): status only */
	FS_HANDLE_WATCH,     /* from watch(): CONTENT_CHANGED packets */
};

struct fs_session;

/* The state of a watch handle; also an element of the server's list of watches. */
struct fs_watch {
	struct fs_session *session;
	uint32_t handle;
	fs_ino ino;
	int pending;                 /* the client's CONTENT_CHANGED packet is held in pkt */
	int changed;                 /* a change came while none was held */
	int acking;                  /* pkt is to be acked, waiting for room in the ack ring */
	int closed;                  /* its handle is gone; kept only until pkt is acked */
	struct arbor_packet pkt;
	struct fs_watch *next;       /* in fs_server.watches (not once closed) */
	struct fs_watch *session_next;   /* in fs_session.watches */
};

struct fs_handle {
	uint8_t kind;                /* enum fs_handle_kind */
	uint8_t mode;                /* enum arbor_fs_mode */
	fs_ino ino;
	fs_ino dir;                  /* the directory it was found in, told of its changes (0: none) */
	struct fs_watch *watch;      /* FS_HANDLE_WATCH only */
};

struct fs_session {
	struct arbor_rpc_object obj;
	struct fs_server *srv;
	struct arbor_packet_session_server ps;
	int ps_ready;                /* ps is set up (and must be torn down) */
	fs_ino root;                 /* the session's "/", held like a handle */
	int writeable;
	int broken;                  /* the client broke the stream: no longer served */
	int reaped;                  /* its service is torn down, it waits for the close */
	int held;                    /* an ack waits for room in the ack ring */
	struct arbor_packet held_ack;
	struct fs_handle handles[ARBOR_FS_HANDLES_MAX];
	struct fs_watch *watches;    /* of this session, closed ones with an ack still to send */
	struct fs_session *next;
	char label[ARBOR_LABEL_MAX];
};

struct fs_server {
	struct arbor_env *env;
	const struct fs_backend *ops;
	void *be;
	struct config_rom config;
	struct arbor_root root;
	struct fs_session *sessions;
	struct fs_watch *watches;
	struct arbor_signal_handler reaper;   /* tears broken sessions down */
	char name[64];               /* the server's, in its messages */
};

/* ---- fs_policy.c ---- */

/* Open the config ROM with the policies (checked, followed on change). */
int fs_policy_open(struct fs_server *srv);

/*
 * The policy for label: its root (copied, "/" or "/a/b" without a
 * trailing '/') and whether it allows writing. Returns 0, or
 * ARBOR_E_DENIED after logging why.
 */
int fs_policy_for(struct fs_server *srv, const char *label, char *root, size_t root_size,
                  int *writeable);

/* ---- fs_path.c ---- */

/*
 * Check one name: 0, ARBOR_FS_E_INVALID_NAME ("", ".", "..", holds '/')
 * or ARBOR_FS_E_NAME_TOO_LONG.
 */
int fs_path_check_name(const char *name);

/*
 * Take the NUL-terminated string a request carries in field[0..avail)
 * (avail: the bytes of the field the payload holds; size: the field's
 * size): 0, ARBOR_FS_E_NAME_TOO_LONG when the field is full and holds no
 * NUL, ARBOR_FS_E_INVALID_NAME when the payload ends before one.
 */
int fs_path_terminated(const char *field, size_t avail, size_t size);

/*
 * Resolve the absolute path from directory start, component by component
 * through the backend's lookup, never following a symlink: every
 * component but the last must be a directory. With parent non-NULL, the
 * last component's directory goes there (start for "/"). Returns 0,
 * ARBOR_FS_E_INVALID_NAME (not absolute, empty, ".", ".." components),
 * ARBOR_FS_E_NAME_TOO_LONG, ARBOR_FS_E_LOOKUP_FAILED.
 */
int fs_path_resolve(struct fs_server *srv, fs_ino start, const char *path, fs_ino *out,
                    fs_ino *parent);

/*
 * Split path into its directory part (resolved from start) and its last
 * name (a pointer into path): for creating path. "/" has no last name:
 * ARBOR_FS_E_INVALID_NAME. Errors as fs_path_resolve().
 */
int fs_path_resolve_parent(struct fs_server *srv, fs_ino start, const char *path,
                           fs_ino *dir, const char **name);

/*
 * Whether directory ino is dir or lies below it: 1, 0, or an error of
 * the backend.
 */
int fs_path_is_below(struct fs_server *srv, fs_ino ino, fs_ino dir);

/* ---- fs_handle.c ---- */

/*
 * A free handle of session s set to kind/ino (the backend is told it is
 * opened). Returns the handle or ARBOR_FS_E_OUT_OF_HANDLES.
 */
int fs_handle_open(struct fs_session *s, unsigned kind, unsigned mode, fs_ino ino, fs_ino dir);

/* Close handle h (a watch's held packet is acked with INVALID_HANDLE). */
void fs_handle_close(struct fs_session *s, uint32_t h);

/*
 * Handle h of s if it is open and of one of the kinds in mask (bits 1 <<
 * enum fs_handle_kind); NULL otherwise.
 */
struct fs_handle *fs_handle_get(struct fs_session *s, uint32_t h, unsigned mask);

#define FS_KIND(k) (1u << (k))
#define FS_KINDS_ANY (FS_KIND(FS_HANDLE_FILE) | FS_KIND(FS_HANDLE_SYMLINK) | \
                      FS_KIND(FS_HANDLE_DIR) | FS_KIND(FS_HANDLE_NODE) | \
                      FS_KIND(FS_HANDLE_WATCH))

/* ---- fs_ops.c ---- */

/* The session's RPC interface (session/file_system.h). */
extern const struct arbor_rpc_interface fs_ops_iface;

/* ---- fs_stream.c ---- */

/* The packet stream's signal handler: take, process and ack packets. */
void fs_stream_serve(struct arbor_packet_session_server *ps);

/*
 * Ack pkt (result set). Returns 0, ARBOR_E_AGAIN when the ack ring is full
 * (the caller keeps pkt for later and takes no more packets), or
 * ARBOR_E_BAD_MESSAGE when the stream is broken (s is then no longer
 * served).
 */
int fs_stream_ack(struct fs_session *s, const struct arbor_packet *pkt);

/* The client broke the protocol: stop serving s, with a warning naming why. */
void fs_stream_break(struct fs_session *s, const char *why);

/* ---- fs_watch.c ---- */

/* A new watch of ino for handle h of s, listed with the server. Returns 0 or -ENOMEM. */
int fs_watch_new(struct fs_session *s, uint32_t h, fs_ino ino, struct fs_watch **out);

/* Unlist and free w; a held packet is acked with INVALID_HANDLE (if s serves on). */
void fs_watch_free(struct fs_watch *w);

/*
 * A CONTENT_CHANGED packet for w: returns 1 when w holds it until the
 * next change, 0 when it is to be acked now with pkt->result set (0: a
 * change was remembered; ARBOR_E_INVALID: w holds one already).
 */
int fs_watch_arm(struct fs_watch *w, struct arbor_packet *pkt);

/* Ack the packets of fired watches of s that wait for room. Returns as fs_stream_ack(). */
int fs_watch_flush(struct fs_session *s);

/* Free every watch of s without acking (the session goes). */
void fs_watch_drop_all(struct fs_session *s);

/* ino and (if not 0) its directory dir changed through a session. */
void fs_watch_notify(struct fs_server *srv, fs_ino ino, fs_ino dir);

#endif
