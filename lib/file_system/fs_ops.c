/*
 * The RPC operations of a File_system session (session/file_system.h):
 * each decodes and checks its request completely (handle kinds, names,
 * the session's right to write) before it asks the backend to change
 * anything, and tells the watchers of what it changed.
 */
#include <stddef.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include "fs_internal.h"

static struct fs_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct fs_session, obj);
}

static int reply_handle(struct arbor_rpc_request *req, int handle)
{
	struct arbor_fs_handle h = { .handle = (uint32_t)handle };

	if (handle < 0)
		return handle;
	memcpy(req->out->payload, &h, sizeof(h));
	req->out->size = sizeof(h);
	return 0;
}

static int has_free_handle(const struct fs_session *s)
{
	for (unsigned i = 0; i < ARBOR_FS_HANDLES_MAX; i++)
		if (s->handles[i].kind == FS_HANDLE_FREE)
			return 1;
	return 0;
}

static int type_of(struct fs_server *srv, fs_ino ino, unsigned *type)
{
	struct arbor_fs_status st;
	int err = srv->ops->status(srv->be, ino, &st);

	*type = err ? 0 : st.type;
	return err;
}

/* The payload as a struct of size bytes; a shorter call leaves the rest zero. */
static void payload(struct arbor_rpc_request *req, void *out, size_t size)
{
	memset(out, 0, size);
	memcpy(out, req->in->payload, req->in->size < size ? req->in->size : size);
}

/* ---- file and symlink: (directory handle, name) ---- */

/*
 * Open or create name in the request's directory as a node of type, for
 * a handle of kind: creating, and a file handle that may write, need a
 * writeable session.
 */
/*
 * The (directory handle, name) pair of a request whose name field (max
 * bytes) ends within the avail bytes the call carried: the name is
 * terminated there, the handle is a directory, the name is valid; checked
 * in this order, the order of the errors clients see.
 */
static int dir_and_name(struct fs_session *s, uint32_t handle, const char *name, size_t avail,
                        size_t max, struct fs_handle **dir)
{
	int err = fs_path_terminated(name, avail, max);

	if (err)
		return err;
	*dir = fs_handle_get(s, handle, FS_KIND(FS_HANDLE_DIR));
	if (!*dir)
		return ARBOR_FS_E_INVALID_HANDLE;
	return fs_path_check_name(name);
}

static int open_in_dir(struct arbor_rpc_request *req, unsigned type, unsigned kind)
{
	struct fs_session *s = session_of(req);
	struct fs_server *srv = s->srv;
	struct arbor_fs_file_req r;
	struct fs_handle *dir;
	unsigned mode, found;
	fs_ino ino;
	int err;

	payload(req, &r, sizeof(r));
	err = dir_and_name(s, r.dir, r.name, req->in->size - offsetof(struct arbor_fs_file_req, name),
	                   sizeof(r.name), &dir);
	if (err)
		return err;
	if (type == ARBOR_FS_FILE) {
		if (r.mode > ARBOR_FS_READ_WRITE)
			return ARBOR_E_INVALID;
		mode = r.mode;
	} else {
		/* a symlink's target is written through its handle right after creation */
		mode = s->writeable ? ARBOR_FS_READ_WRITE : ARBOR_FS_READ_ONLY;
	}
	if ((r.create || (type == ARBOR_FS_FILE && (mode & ARBOR_FS_WRITE_ONLY))) && !s->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	if (!has_free_handle(s))
		return ARBOR_FS_E_OUT_OF_HANDLES;
	if (r.create) {
		err = srv->ops->create(srv->be, dir->ino, r.name, type, &ino);
		if (err)
			return err;
		fs_watch_notify(srv, ino, dir->ino);
	} else {
		err = srv->ops->lookup(srv->be, dir->ino, r.name, &ino);
		if (!err)
			err = type_of(srv, ino, &found);
		if (err)
			return err;
		if (found != type)
			return ARBOR_FS_E_LOOKUP_FAILED;
	}
	return reply_handle(req, fs_handle_open(s, kind, mode, ino, dir->ino));
}

static int op_file(struct arbor_rpc_request *req)
{
	return open_in_dir(req, ARBOR_FS_FILE, FS_HANDLE_FILE);
}

static int op_symlink(struct arbor_rpc_request *req)
{
	return open_in_dir(req, ARBOR_FS_SYMLINK, FS_HANDLE_SYMLINK);
}

/* ---- dir, node, watch: a path from the session's root ---- */

static int path_of(struct arbor_rpc_request *req, struct arbor_fs_path_req *r)
{
	payload(req, r, sizeof(*r));
	return fs_path_terminated(r->path, req->in->size - offsetof(struct arbor_fs_path_req, path),
	                          sizeof(r->path));
}

static int op_dir(struct arbor_rpc_request *req)
{
	struct fs_session *s = session_of(req);
	struct fs_server *srv = s->srv;
	struct arbor_fs_path_req r;
	const char *name;
	unsigned type;
	fs_ino ino, dir;
	int err = path_of(req, &r);

	if (err)
		return err;
	if (r.create) {
		if (!s->writeable)
			return ARBOR_FS_E_PERMISSION_DENIED;
		err = fs_path_resolve_parent(srv, s->root, r.path, &dir, &name);
		if (err)
			return err;
		if (!has_free_handle(s))
			return ARBOR_FS_E_OUT_OF_HANDLES;
		err = srv->ops->create(srv->be, dir, name, ARBOR_FS_DIRECTORY, &ino);
		if (err)
			return err;
		fs_watch_notify(srv, ino, dir);
	} else {
		err = fs_path_resolve(srv, s->root, r.path, &ino, &dir);
		if (!err)
			err = type_of(srv, ino, &type);
		if (err)
			return err;
		if (type != ARBOR_FS_DIRECTORY)
			return ARBOR_FS_E_LOOKUP_FAILED;
	}
	return reply_handle(req, fs_handle_open(s, FS_HANDLE_DIR, ARBOR_FS_READ_ONLY, ino,
	                                        ino == s->root ? 0 : dir));
}

/* A handle of kind to the node at the request's path, whatever its type. */
static int open_path(struct arbor_rpc_request *req, unsigned kind)
{
	struct fs_session *s = session_of(req);
	struct arbor_fs_path_req r;
	fs_ino ino, dir;
	int err = path_of(req, &r);

	if (!err)
		err = fs_path_resolve(s->srv, s->root, r.path, &ino, &dir);
	if (err)
		return err;
	return reply_handle(req, fs_handle_open(s, kind, ARBOR_FS_STAT_ONLY, ino,
	                                        ino == s->root ? 0 : dir));
}

static int op_node(struct arbor_rpc_request *req)
{
	return open_path(req, FS_HANDLE_NODE);
}

static int op_watch(struct arbor_rpc_request *req)
{
	return open_path(req, FS_HANDLE_WATCH);
}

/* ---- operations on handles ---- */

static uint32_t handle_of(struct arbor_rpc_request *req)
{
	struct arbor_fs_handle h;

	payload(req, &h, sizeof(h));
	return h.handle;
}

static int op_close(struct arbor_rpc_request *req)
{
	struct fs_session *s = session_of(req);
	uint32_t h = handle_of(req);

	if (!fs_handle_get(s, h, FS_KINDS_ANY))
		return ARBOR_FS_E_INVALID_HANDLE;
	fs_handle_close(s, h);
	return 0;
}

static int op_status(struct arbor_rpc_request *req)
{
	struct fs_session *s = session_of(req);
	struct fs_handle *h = fs_handle_get(s, handle_of(req), FS_KINDS_ANY);
	struct arbor_fs_status st;
	int err;

	if (!h)
		return ARBOR_FS_E_INVALID_HANDLE;
	memset(&st, 0, sizeof(st));
	err = s->srv->ops->status(s->srv->be, h->ino, &st);
	if (err)
		return err;
	/* what this session may do */
	if (!s->writeable)
		st.rwx &= ~ARBOR_FS_W;
	memcpy(req->out->payload, &st, sizeof(st));
	req->out->size = sizeof(st);
	return 0;
}

static int op_num_entries(struct arbor_rpc_request *req)
{
	struct fs_session *s = session_of(req);
	struct fs_handle *h = fs_handle_get(s, handle_of(req), FS_KIND(FS_HANDLE_DIR));
	struct arbor_fs_status st;
	uint64_t n;
	int err;

	if (!h)
		return ARBOR_FS_E_INVALID_HANDLE;
	err = s->srv->ops->status(s->srv->be, h->ino, &st);
	if (err)
		return err;
	/* a directory's size counts its entries (session/file_system.h) */
	n = st.size / sizeof(struct arbor_fs_dirent);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

static int op_unlink(struct arbor_rpc_request *req)
{
	struct fs_session *s = session_of(req);
	struct fs_server *srv = s->srv;
	struct arbor_fs_name_req r;
	struct fs_handle *dir;
	fs_ino ino;
	int err;

	payload(req, &r, sizeof(r));
	err = dir_and_name(s, r.dir, r.name, req->in->size - offsetof(struct arbor_fs_name_req, name),
	                   sizeof(r.name), &dir);
	if (err)
		return err;
	if (!s->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	err = srv->ops->lookup(srv->be, dir->ino, r.name, &ino);
	if (!err)
		err = srv->ops->unlink(srv->be, dir->ino, r.name);
	if (err)
		return err;
	fs_watch_notify(srv, ino, dir->ino);
	return 0;
}

static int op_truncate(struct arbor_rpc_request *req)
{
	struct fs_session *s = session_of(req);
	struct fs_server *srv = s->srv;
	struct arbor_fs_truncate_req r;
	struct fs_handle *h;
	int err;

	payload(req, &r, sizeof(r));
	h = fs_handle_get(s, r.file, FS_KIND(FS_HANDLE_FILE));
	if (!h)
		return ARBOR_FS_E_INVALID_HANDLE;
	if (!(h->mode & ARBOR_FS_WRITE_ONLY) || !s->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	err = srv->ops->truncate(srv->be, h->ino, r.size);
	if (err)
		return err;
	fs_watch_notify(srv, h->ino, h->dir);
	return 0;
}

/* A directory may not go below itself: the loop would cut it off from the root. */
static int check_not_below(struct fs_server *srv, fs_ino node, fs_ino to_dir)
{
	unsigned type;
	int err = type_of(srv, node, &type);

	if (err)
		return err;
	if (type != ARBOR_FS_DIRECTORY)
		return 0;
	err = fs_path_is_below(srv, to_dir, node);
	if (err < 0)
		return err;
	return err ? ARBOR_FS_E_INVALID_NAME : 0;
}

static int op_move(struct arbor_rpc_request *req)
{
	struct fs_session *s = session_of(req);
	struct fs_server *srv = s->srv;
	struct arbor_fs_move_req r;
	struct fs_handle *from, *to;
	fs_ino node, replaced = 0;
	int err;

	payload(req, &r, sizeof(r));
	err = fs_path_terminated(r.from_name, sizeof(r.from_name), sizeof(r.from_name));
	if (!err)
		err = fs_path_terminated(r.to_name, sizeof(r.to_name), sizeof(r.to_name));
	if (err)
		return err;
	from = fs_handle_get(s, r.from_dir, FS_KIND(FS_HANDLE_DIR));
	to = fs_handle_get(s, r.to_dir, FS_KIND(FS_HANDLE_DIR));
	if (!from || !to)
		return ARBOR_FS_E_INVALID_HANDLE;
	err = fs_path_check_name(r.from_name);
	if (!err)
		err = fs_path_check_name(r.to_name);
	if (err)
		return err;
	if (!s->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	err = srv->ops->lookup(srv->be, from->ino, r.from_name, &node);
	if (!err && from->ino != to->ino)
		err = check_not_below(srv, node, to->ino);
	if (err)
		return err;
	if (srv->ops->lookup(srv->be, to->ino, r.to_name, &replaced))
		replaced = 0;
	if (from->ino == to->ino && !strcmp(r.from_name, r.to_name))
		return 0;
	err = srv->ops->move(srv->be, from->ino, r.from_name, to->ino, r.to_name);
	if (err)
		return err;
	fs_watch_notify(srv, node, from->ino);
	fs_watch_notify(srv, to->ino, 0);
	if (replaced && replaced != node)
		fs_watch_notify(srv, replaced, 0);
	return 0;
}

/* ---- the stream ---- */

static int op_tx(struct arbor_rpc_request *req)
{
	return arbor_packet_session_tx(&session_of(req)->ps, req);
}

static int op_tx_sigh(struct arbor_rpc_request *req)
{
	return arbor_packet_session_tx_sigh(&session_of(req)->ps, req);
}

#define FILE_MIN  (offsetof(struct arbor_fs_file_req, name) + 1)
#define FILE_MAX  sizeof(struct arbor_fs_file_req)
#define PATH_MIN  (offsetof(struct arbor_fs_path_req, path) + 1)
#define PATH_MAX_ sizeof(struct arbor_fs_path_req)
#define NAME_MIN  (offsetof(struct arbor_fs_name_req, name) + 1)
#define NAME_MAX_ sizeof(struct arbor_fs_name_req)
#define HANDLE    sizeof(struct arbor_fs_handle)
#define TRUNCATE  sizeof(struct arbor_fs_truncate_req)
#define MOVE      sizeof(struct arbor_fs_move_req)

static const struct arbor_rpc_op fs_ops[ARBOR_FS_NOPS] = {
	[ARBOR_FS_FILE_OP]        = { "file", FILE_MIN, FILE_MAX, 0, op_file },
	[ARBOR_FS_SYMLINK_OP]     = { "symlink", FILE_MIN, FILE_MAX, 0, op_symlink },
	[ARBOR_FS_DIR_OP]         = { "dir", PATH_MIN, PATH_MAX_, 0, op_dir },
	[ARBOR_FS_NODE_OP]        = { "node", PATH_MIN, PATH_MAX_, 0, op_node },
	[ARBOR_FS_WATCH_OP]       = { "watch", PATH_MIN, PATH_MAX_, 0, op_watch },
	[ARBOR_FS_CLOSE_OP]       = { "close", HANDLE, HANDLE, 0, op_close },
	[ARBOR_FS_STATUS_OP]      = { "status", HANDLE, HANDLE, 0, op_status },
	[ARBOR_FS_UNLINK_OP]      = { "unlink", NAME_MIN, NAME_MAX_, 0, op_unlink },
	[ARBOR_FS_TRUNCATE_OP]    = { "truncate", TRUNCATE, TRUNCATE, 0, op_truncate },
	[ARBOR_FS_MOVE_OP]        = { "move", MOVE, MOVE, 0, op_move },
	[ARBOR_FS_NUM_ENTRIES_OP] = { "num_entries", HANDLE, HANDLE, 0, op_num_entries },
	[ARBOR_FS_TX_OP]          = { "tx", 0, 0, 0, op_tx },
	[ARBOR_FS_TX_SIGH_OP]     = { "tx_sigh", 0, 0, 2, op_tx_sigh },
};

const struct arbor_rpc_interface fs_ops_iface = { "File_system", fs_ops, ARBOR_FS_NOPS };
