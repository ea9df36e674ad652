/*
 * Client side of the File_system session: the session with its stream,
 * and the handle calls of session/file_system.h. Names and paths that
 * cannot be valid are refused here already; the server checks them again.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <file_system/fs_client.h>

/* The stream's dataspace is paid in whole pages. */
#define FS_PAGE 4096u
#define FS_TX_BUF_MIN 4096u

static void client_signalled(struct arbor_packet_session_client *pc)
{
	struct fs_connection *fs = pc->priv;

	fs->signalled(fs, fs->priv);
}

int fs_connection_open(struct arbor_env *env, struct fs_connection *fs,
                       const struct fs_args *args)
{
	size_t tx = args->tx_buf_size ? args->tx_buf_size : ARBOR_FS_TX_BUF_DEFAULT;
	const char *root = args->root ? args->root : "/";
	char extra[ARBOR_FS_PATH_MAX + 128];
	struct arbor_ps_geometry geo;
	uint64_t ram;
	int err;

	memset(fs, 0, sizeof(*fs));
	tx = (tx + 63) & ~(size_t)63;
	if (tx < FS_TX_BUF_MIN)
		tx = FS_TX_BUF_MIN;
	if (tx > ARBOR_FS_TX_BUF_MAX || strlen(root) > ARBOR_FS_PATH_MAX || strchr(root, '"'))
		return ARBOR_E_INVALID;
	geo = (struct arbor_ps_geometry){ ARBOR_FS_QUEUE_SLOTS, ARBOR_FS_QUEUE_SLOTS, tx };
	snprintf(extra, sizeof(extra), "tx_buf_size=%zu, root=\"%s\", writeable=%s", tx, root,
	         args->writeable ? "yes" : "no");
	ram = ARBOR_FS_SESSION_COST + ARBOR_FS_SESSION_RAM_EXTRA +
	      ((arbor_ps_size(&geo) + FS_PAGE - 1) & ~(uint64_t)(FS_PAGE - 1));
	err = arbor_connection_open(env, &fs->conn, ARBOR_FS_SERVICE,
	                            args->label ? args->label : "", ram, ARBOR_FS_SESSION_CAPS,
	                            extra);
	if (err)
		return err;
	fs->env = env;
	fs->writeable = args->writeable;
	fs->signalled = args->signalled;
	fs->priv = args->priv;
	fs->next_tag = 1;
	err = arbor_packet_session_client_init(&fs->tx, fs->conn.cap, env->ep, ARBOR_FS_TX_OP,
	                                       ARBOR_FS_TX_SIGH_OP, &geo,
	                                       fs->signalled ? client_signalled : NULL, fs);
	if (err)
		fs_connection_close(fs);
	return err;
}

void fs_connection_close(struct fs_connection *fs)
{
	arbor_packet_session_client_fini(&fs->tx);
	if (fs->env)
		arbor_connection_close(fs->env, &fs->conn);
	memset(fs, 0, sizeof(*fs));
}

/* One call; a reply payload of exactly out_size bytes goes to out (if out). */
static int call(struct fs_connection *fs, uint32_t op, const void *args, size_t size,
                void *out, size_t out_size)
{
	return arbor_rpc_call_out(fs->conn.cap, op, args, size, NULL, 0, out, out_size);
}

/* A call answered with a handle. */
static int call_handle(struct fs_connection *fs, uint32_t op, const void *args, size_t size)
{
	struct arbor_fs_handle h;
	int err = call(fs, op, args, size, &h, sizeof(h));

	if (err < 0)
		return err;
	return h.handle < ARBOR_FS_HANDLES_MAX ? (int)h.handle : ARBOR_E_BAD_MESSAGE;
}

static int file_call(struct fs_connection *fs, uint32_t op, uint32_t dir, const char *name,
                     unsigned mode, int create)
{
	struct arbor_fs_file_req r = { .dir = dir, .mode = mode, .create = !!create };
	size_t len = strlen(name);

	if (len > ARBOR_FS_NAME_MAX)
		return ARBOR_FS_E_NAME_TOO_LONG;
	memcpy(r.name, name, len + 1);
	return call_handle(fs, op, &r, offsetof(struct arbor_fs_file_req, name) + len + 1);
}

int fs_file(struct fs_connection *fs, uint32_t dir, const char *name,
            enum arbor_fs_mode mode, int create)
{
	return file_call(fs, ARBOR_FS_FILE_OP, dir, name, mode, create);
}

int fs_symlink(struct fs_connection *fs, uint32_t dir, const char *name, int create)
{
	return file_call(fs, ARBOR_FS_SYMLINK_OP, dir, name, 0, create);
}

static int path_call(struct fs_connection *fs, uint32_t op, const char *path, int create)
{
	struct arbor_fs_path_req r = { .create = !!create };
	size_t len = strlen(path);

	if (len > ARBOR_FS_PATH_MAX)
		return ARBOR_FS_E_NAME_TOO_LONG;
	memcpy(r.path, path, len + 1);
	return call_handle(fs, op, &r, offsetof(struct arbor_fs_path_req, path) + len + 1);
}

int fs_dir(struct fs_connection *fs, const char *path, int create)
{
	return path_call(fs, ARBOR_FS_DIR_OP, path, create);
}

int fs_node(struct fs_connection *fs, const char *path)
{
	return path_call(fs, ARBOR_FS_NODE_OP, path, 0);
}

int fs_watch(struct fs_connection *fs, const char *path)
{
	return path_call(fs, ARBOR_FS_WATCH_OP, path, 0);
}

int fs_close(struct fs_connection *fs, uint32_t handle)
{
	struct arbor_fs_handle h = { .handle = handle };
	int err = call(fs, ARBOR_FS_CLOSE_OP, &h, sizeof(h), NULL, 0);

	/* an armed watch's packet comes back as INVALID_HANDLE: no longer ours to report */
	if (handle < ARBOR_FS_HANDLES_MAX) {
		fs->watch_tag[handle] = 0;
		fs->fired[handle / 64] &= ~(1ull << (handle % 64));
	}
	return err < 0 ? err : 0;
}

int fs_status(struct fs_connection *fs, uint32_t handle, struct arbor_fs_status *st)
{
	struct arbor_fs_handle h = { .handle = handle };
	int err;

	memset(st, 0, sizeof(*st));
	err = call(fs, ARBOR_FS_STATUS_OP, &h, sizeof(h), st, sizeof(*st));
	return err < 0 ? err : 0;
}

int fs_unlink(struct fs_connection *fs, uint32_t dir, const char *name)
{
	struct arbor_fs_name_req r = { .dir = dir };
	size_t len = strlen(name);
	int err;

	if (len > ARBOR_FS_NAME_MAX)
		return ARBOR_FS_E_NAME_TOO_LONG;
	memcpy(r.name, name, len + 1);
	err = call(fs, ARBOR_FS_UNLINK_OP, &r, offsetof(struct arbor_fs_name_req, name) + len + 1,
	           NULL, 0);
	return err < 0 ? err : 0;
}

int fs_truncate(struct fs_connection *fs, uint32_t file, uint64_t size)
{
	struct arbor_fs_truncate_req r = { .file = file, .size = size };
	int err = call(fs, ARBOR_FS_TRUNCATE_OP, &r, sizeof(r), NULL, 0);

	return err < 0 ? err : 0;
}

int fs_move(struct fs_connection *fs, uint32_t from_dir, const char *from_name,
            uint32_t to_dir, const char *to_name)
{
	struct arbor_fs_move_req r = { .from_dir = from_dir, .to_dir = to_dir };
	size_t from_len = strlen(from_name), to_len = strlen(to_name);
	int err;

	if (from_len > ARBOR_FS_NAME_MAX || to_len > ARBOR_FS_NAME_MAX)
		return ARBOR_FS_E_NAME_TOO_LONG;
	memcpy(r.from_name, from_name, from_len + 1);
	memcpy(r.to_name, to_name, to_len + 1);
	err = call(fs, ARBOR_FS_MOVE_OP, &r, sizeof(r), NULL, 0);
	return err < 0 ? err : 0;
}

long fs_num_entries(struct fs_connection *fs, uint32_t dir)
{
	struct arbor_fs_handle h = { .handle = dir };

	return call(fs, ARBOR_FS_NUM_ENTRIES_OP, &h, sizeof(h), NULL, 0);
}
