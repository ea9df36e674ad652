/*
 * File_system session: a tree of directories, files and symlinks, as
 * Genode's File_system session. The client names nodes by path or by
 * (directory handle, name) and gets a handle, a small number private to
 * its session; data moves through a packet stream (arbor/packet_stream.h)
 * in which the client is the source. See doc/sessions/file_system.md.
 *
 * Session arguments (beside label, ram_quota, cap_quota):
 *   tx_buf_size  bytes of bulk buffer (default ARBOR_FS_TX_BUF_DEFAULT,
 *                at most ARBOR_FS_TX_BUF_MAX), paid in the donation
 *   root         a directory below the policy's root to serve as "/"
 *                (default "/"); must exist
 *   writeable    "yes" to change anything; granted only when the policy
 *                says writeable="yes" as well
 * Server policy: <policy label="…" root="/dir" writeable="yes"/>; no
 * policy, or one without root, is a denial.
 *
 * Paths are absolute ("/", "/a/b"), at most ARBOR_FS_PATH_MAX bytes;
 * names are one component, at most ARBOR_FS_NAME_MAX bytes. "", ".", ".."
 * and names with '/' are ARBOR_FS_E_INVALID_NAME. Symlinks are never
 * followed by the server: a symlink is a node whose content is its target,
 * which the client reads and resolves itself. So no path reaches beyond
 * the session's root.
 */
#ifndef ARBOR_SESSION_FILE_SYSTEM_H
#define ARBOR_SESSION_FILE_SYSTEM_H

#include <errno.h>
#include <stdint.h>

#define ARBOR_FS_SERVICE "File_system"

#define ARBOR_FS_NAME_MAX 255u
#define ARBOR_FS_PATH_MAX 1024u
#define ARBOR_FS_TX_BUF_DEFAULT (128u * 1024)
#define ARBOR_FS_TX_BUF_MAX     (16u * 1024 * 1024)
#define ARBOR_FS_QUEUE_SLOTS    64u
/* Open handles per session; more is ARBOR_FS_E_OUT_OF_HANDLES. */
#define ARBOR_FS_HANDLES_MAX    256u
/* Of them watch handles at most (each holds a packet at the server); more is OUT_OF_HANDLES. */
#define ARBOR_FS_WATCHES_MAX    64u

/* Cost beside the stream's dataspace, and the client's extra donation. */
#define ARBOR_FS_SESSION_COST      (32u * 1024)
#define ARBOR_FS_SESSION_RAM_EXTRA (48u * 1024)
#define ARBOR_FS_SESSION_CAPS      6u
#define ARBOR_FS_SESSION_COST_CAPS 4u

/* Errors (as Genode's exceptions), beside the RPC layer's own. */
#define ARBOR_FS_E_INVALID_HANDLE    (-EBADF)
#define ARBOR_FS_E_LOOKUP_FAILED     (-ENOENT)
#define ARBOR_FS_E_EXISTS            (-EEXIST)
#define ARBOR_FS_E_NO_SPACE          (-ENOSPC)
#define ARBOR_FS_E_PERMISSION_DENIED (-EACCES)
#define ARBOR_FS_E_NOT_EMPTY         (-ENOTEMPTY)
#define ARBOR_FS_E_INVALID_NAME      (-EINVAL)
#define ARBOR_FS_E_NAME_TOO_LONG     (-ENAMETOOLONG)
#define ARBOR_FS_E_OUT_OF_HANDLES    (-EMFILE)
#define ARBOR_FS_E_UNAVAILABLE       (-EIO)

enum arbor_fs_node_type {
	ARBOR_FS_DIRECTORY = 1,
	ARBOR_FS_FILE      = 2,
	ARBOR_FS_SYMLINK   = 3,
};

enum arbor_fs_mode {
	ARBOR_FS_STAT_ONLY  = 0,
	ARBOR_FS_READ_ONLY  = 1,
	ARBOR_FS_WRITE_ONLY = 2,
	ARBOR_FS_READ_WRITE = 3,
};

#define ARBOR_FS_R 4u
#define ARBOR_FS_W 2u
#define ARBOR_FS_X 1u

enum arbor_fs_op {
	/*
	 * file(struct arbor_fs_file_req) -> struct arbor_fs_handle: open or
	 * (create != 0) create the file name in directory handle dir. Errors:
	 * INVALID_HANDLE, INVALID_NAME, NAME_TOO_LONG, LOOKUP_FAILED, EXISTS
	 * (create, and it is there), PERMISSION_DENIED (write mode or create
	 * on a read-only session), NO_SPACE, OUT_OF_HANDLES.
	 */
	ARBOR_FS_FILE_OP = 0,
	/* symlink(struct arbor_fs_file_req; mode ignored) -> handle: as file, for symlinks. */
	ARBOR_FS_SYMLINK_OP,
	/*
	 * dir(struct arbor_fs_path_req) -> handle: open or (create != 0)
	 * create the directory path; its parent must exist. Errors as file.
	 */
	ARBOR_FS_DIR_OP,
	/* node(struct arbor_fs_path_req; create ignored) -> handle of any type, for status. */
	ARBOR_FS_NODE_OP,
	/*
	 * watch(struct arbor_fs_path_req; create ignored) -> handle: a node to
	 * be told about (packet ARBOR_FS_PACKET_CONTENT_CHANGED).
	 */
	ARBOR_FS_WATCH_OP,
	/* close(struct arbor_fs_handle). Errors: INVALID_HANDLE. */
	ARBOR_FS_CLOSE_OP,
	/* status(struct arbor_fs_handle) -> struct arbor_fs_status. */
	ARBOR_FS_STATUS_OP,
	/*
	 * unlink(struct arbor_fs_name_req): remove name from directory dir.
	 * Errors: LOOKUP_FAILED, NOT_EMPTY (a directory with entries),
	 * PERMISSION_DENIED (read-only session), INVALID_NAME.
	 */
	ARBOR_FS_UNLINK_OP,
	/* truncate(struct arbor_fs_truncate_req): set a file's size. PERMISSION_DENIED, NO_SPACE. */
	ARBOR_FS_TRUNCATE_OP,
	/*
	 * move(struct arbor_fs_move_req): rename from_dir/from_name to
	 * to_dir/to_name, replacing a file there (not a non-empty
	 * directory: NOT_EMPTY). Moving a directory below itself is INVALID_NAME.
	 */
	ARBOR_FS_MOVE_OP,
	/* num_entries(struct arbor_fs_handle: a directory) -> status: its entries. */
	ARBOR_FS_NUM_ENTRIES_OP,
	/* tx() and tx_sigh(): the stream, as in arbor/packet_session.h. */
	ARBOR_FS_TX_OP,
	ARBOR_FS_TX_SIGH_OP,
	ARBOR_FS_NOPS
};

struct arbor_fs_handle {
	uint32_t handle;
};

struct arbor_fs_file_req {
	uint32_t dir;            /* a directory handle */
	uint32_t mode;           /* enum arbor_fs_mode */
	uint32_t create;
	char name[ARBOR_FS_NAME_MAX + 1];   /* NUL-terminated; the call may end after the NUL */
};

struct arbor_fs_path_req {
	uint32_t create;
	char path[ARBOR_FS_PATH_MAX + 1];   /* NUL-terminated; the call may end after the NUL */
};

struct arbor_fs_name_req {
	uint32_t dir;
	char name[ARBOR_FS_NAME_MAX + 1];
};

struct arbor_fs_truncate_req {
	uint32_t file;
	uint32_t reserved;
	uint64_t size;
};

struct arbor_fs_move_req {
	uint32_t from_dir;
	uint32_t to_dir;
	char from_name[ARBOR_FS_NAME_MAX + 1];
	char to_name[ARBOR_FS_NAME_MAX + 1];
};

struct arbor_fs_status {
	uint64_t size;           /* bytes; a directory: entries * sizeof(struct arbor_fs_dirent) */
	uint64_t inode;
	uint64_t modification_time;   /* seconds since the epoch */
	uint32_t type;           /* enum arbor_fs_node_type */
	uint32_t rwx;            /* ARBOR_FS_R | _W | _X */
};

/* What a READ on a directory handle returns, one per entry, in a stable order. */
struct arbor_fs_dirent {
	uint64_t inode;
	uint32_t type;
	uint32_t rwx;
	char name[ARBOR_FS_NAME_MAX + 1];
};

/*
 * Packet opcodes (struct arbor_packet.op). arg[0] the handle, arg[1] the
 * position in bytes (a directory: entry index * sizeof(struct
 * arbor_fs_dirent)); size the bytes to move. result: bytes moved (a READ
 * may be short; 0 at the end), or a negative error: INVALID_HANDLE,
 * PERMISSION_DENIED (the handle's mode forbids it), NO_SPACE,
 * ARBOR_E_INVALID (a directory position not on an entry boundary),
 * ARBOR_E_UNKNOWN_OPCODE.
 */
enum arbor_fs_packet_op {
	ARBOR_FS_PACKET_READ  = 1,
	ARBOR_FS_PACKET_WRITE = 2,   /* extends the file as needed; result: bytes written */
	ARBOR_FS_PACKET_SYNC  = 3,   /* what was acked before is durable; arg[0] ignored */
	/*
	 * On a watch handle: acked (result 0) the next time the watched node
	 * changes: its content, or a directory's entries. A client keeps one
	 * such packet submitted per watch; a change while none is there is
	 * remembered and acks the next at once. Closing the watch acks a
	 * pending one with INVALID_HANDLE.
	 */
	ARBOR_FS_PACKET_CONTENT_CHANGED = 4,
};

#endif
