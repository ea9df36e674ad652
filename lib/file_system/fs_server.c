/*
 * The File_system service of a file-system server: its root (session
 * creation with the policy's and the client's root, the donation check,
 * the close), the tear-down of sessions whose client broke the stream,
 * and changes the backend reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/util.h>
#include "fs_internal.h"

/* The smallest bulk buffer: one directory entry and then some. */
#define FS_TX_BUF_MIN 4096u

struct session_args {
	uint64_t tx_buf_size;
	char root[ARBOR_FS_PATH_MAX + 1];
	int writeable;
};

static int parse_args(const struct arbor_root_request *req, struct session_args *a)
{
	char value[8];
	int err;

	memset(a, 0, sizeof(*a));
	err = arbor_args_get_u64(req->args, "tx_buf_size", &a->tx_buf_size);
	if (err == ARBOR_E_NOT_FOUND)
		a->tx_buf_size = ARBOR_FS_TX_BUF_DEFAULT;
	else if (err || a->tx_buf_size < FS_TX_BUF_MIN || a->tx_buf_size > ARBOR_FS_TX_BUF_MAX ||
	         a->tx_buf_size % 64) {
		arbor_warning("File_system session of '%s': tx_buf_size must be a multiple of 64 "
		              "in %u..%u", req->label, FS_TX_BUF_MIN, ARBOR_FS_TX_BUF_MAX);
		return ARBOR_E_DENIED;
	}
	err = arbor_args_get(req->args, "root", a->root, sizeof(a->root));
	if (err == ARBOR_E_NOT_FOUND)
		strcpy(a->root, "/");
	else if (err) {
		arbor_warning("File_system session of '%s': its root argument is malformed or too long",
		              req->label);
		return ARBOR_E_DENIED;
	}
	if (!arbor_args_get(req->args, "writeable", value, sizeof(value)))
		a->writeable = !strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1");
	return 0;
}

/* The directory the session's "/" is: the client's root below the policy's. */
static int session_root(struct fs_server *srv, const char *label, const char *policy_root,
                        const char *client_root, fs_ino *out)
{
	struct arbor_fs_status st;
	fs_ino top;
	int err = fs_path_resolve(srv, srv->ops->root(srv->be), policy_root, &top, NULL);

	if (!err)
		err = srv->ops->status(srv->be, top, &st);
	if (err || st.type != ARBOR_FS_DIRECTORY) {
		arbor_warning("File_system session of '%s': the policy's root '%s' is no directory",
		              label, policy_root);
		return ARBOR_E_DENIED;
	}
	err = fs_path_resolve(srv, top, client_root, out, NULL);
	if (!err)
		err = srv->ops->status(srv->be, *out, &st);
	if (err || st.type != ARBOR_FS_DIRECTORY) {
		arbor_warning("File_system session of '%s': root '%s' is no directory below '%s'",
		              label, client_root, policy_root);
		return ARBOR_E_DENIED;
	}
	return 0;
}

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct fs_server *srv = root->priv;
	char policy_root[ARBOR_FS_PATH_MAX + 1];
	struct arbor_ps_geometry geo;
	struct session_args a;
	struct fs_session *s;
	int policy_writeable, err;
	fs_ino ino;

	err = parse_args(req, &a);
	if (!err)
		err = fs_policy_for(srv, req->label, policy_root, sizeof(policy_root),
		                    &policy_writeable);
	if (err)
		return err;
	geo = (struct arbor_ps_geometry){ ARBOR_FS_QUEUE_SLOTS, ARBOR_FS_QUEUE_SLOTS,
	                                  a.tx_buf_size };
	if (req->ram < ARBOR_FS_SESSION_COST + arbor_ps_size(&geo))
		return ARBOR_E_INSUFFICIENT_RAM;
	if (req->caps < ARBOR_FS_SESSION_COST_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	err = session_root(srv, req->label, policy_root, a.root, &ino);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->srv = srv;
	s->root = ino;
	s->writeable = a.writeable && policy_writeable;
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	err = arbor_packet_session_server_init(&s->ps, srv->env, &geo, fs_stream_serve, s);
	if (err)
		goto fail_session;
	s->ps_ready = 1;
	err = arbor_rpc_object_manage(srv->env->ep, &s->obj, &fs_ops_iface);
	if (err)
		goto fail_stream;
	s->obj.label = s->label;
	if (srv->ops->opened)
		srv->ops->opened(srv->be, s->root);
	s->next = srv->sessions;
	srv->sessions = s;
	*session = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	return 0;

fail_stream:
	arbor_packet_session_server_fini(&s->ps);
fail_session:
	free(s);
fail:
	/* the parent passes on only DENIED and INSUFFICIENT_*: our own shortage is a denial */
	arbor_warning("no room for the File_system session of '%s': %s", req->label,
	              arbor_strerror(err ? err : -ENOMEM));
	return ARBOR_E_DENIED;
}

/* Stop serving s: its object, handles, watches and stream. It stays listed until closed. */
static void reap(struct fs_session *s)
{
	if (s->reaped)
		return;
	s->reaped = 1;
	s->broken = 1;
	arbor_rpc_object_dissolve(&s->obj);
	fs_watch_drop_all(s);
	for (uint32_t h = 0; h < ARBOR_FS_HANDLES_MAX; h++) {
		/* the watches went above: close the handle without acking */
		if (s->handles[h].kind == FS_HANDLE_WATCH)
			s->handles[h].kind = FS_HANDLE_NODE;
		if (s->handles[h].kind != FS_HANDLE_FREE)
			fs_handle_close(s, h);
	}
	if (s->ps_ready)
		arbor_packet_session_server_fini(&s->ps);
	s->ps_ready = 0;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct fs_server *srv = root->priv;
	struct fs_session *s = session;

	reap(s);
	if (srv->ops->closed)
		srv->ops->closed(srv->be, s->root);
	for (struct fs_session **l = &srv->sessions; *l; l = &(*l)->next) {
		if (*l == s) {
			*l = s->next;
			break;
		}
	}
	free(s);
}

static void reap_broken(struct arbor_signal_handler *sh, uint64_t count)
{
	struct fs_server *srv = container_of(sh, struct fs_server, reaper);

	for (struct fs_session *s = srv->sessions; s; s = s->next)
		if (s->broken)
			reap(s);
}

static const struct arbor_root_ops fs_root_ops = { .create = create, .close = close_session };

int fs_server_start(struct arbor_env *env, const char *name,
                    const struct fs_backend *ops, void *be, struct fs_server **out)
{
	struct fs_server *srv = calloc(1, sizeof(*srv));
	int err;

	*out = NULL;
	if (!srv)
		return -ENOMEM;
	srv->env = env;
	srv->ops = ops;
	srv->be = be;
	snprintf(srv->name, sizeof(srv->name), "%s", name);
	err = fs_policy_open(srv);
	if (err) {
		arbor_error("%s: no usable config: %s", srv->name, arbor_strerror(err));
		goto fail;
	}
	err = arbor_signal_handler_init(&srv->reaper, env->ep, reap_broken);
	if (err)
		goto fail_config;
	err = arbor_root_announce(env, &srv->root, ARBOR_FS_SERVICE, &fs_root_ops, srv);
	if (err) {
		arbor_error("%s: cannot provide its File_system service: %s", srv->name,
		            arbor_strerror(err));
		goto fail_reaper;
	}
	*out = srv;
	return 0;

fail_reaper:
	arbor_signal_handler_fini(&srv->reaper);
fail_config:
	config_rom_close(&srv->config);
fail:
	free(srv);
	return err;
}

void fs_server_changed(struct fs_server *srv, fs_ino ino)
{
	fs_watch_notify(srv, ino, 0);
}
