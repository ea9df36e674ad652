/*
 * Session requests at the server: after the parent's REQUESTS signal, take
 * every outstanding request with NEXT_REQUEST, hand it to the root of its
 * service and answer it. The parent orders them (upgrades, closes,
 * creates). The table of live sessions maps the parent's server ids to the
 * roots' handles; it is bounded by what clients donated, since every
 * create the parent forwards was paid for.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <arbor/root.h>

struct served {
	uint32_t server_id;
	struct arbor_root *root;
	void *session;
};

static struct arbor_env *root_env;
static struct arbor_root *roots;
static struct served *table;
static unsigned table_size;

static struct served *find(uint32_t server_id)
{
	for (unsigned i = 0; i < table_size; i++)
		if (table[i].root && table[i].server_id == server_id)
			return &table[i];
	return NULL;
}

static int remember(uint32_t server_id, struct arbor_root *root, void *session)
{
	struct served *grown;
	unsigned n;

	for (unsigned i = 0; i < table_size; i++) {
		if (!table[i].root) {
			table[i] = (struct served){ server_id, root, session };
			return 0;
		}
	}
	n = table_size ? table_size * 2 : 16;
	grown = realloc(table, n * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memset(grown + table_size, 0, (n - table_size) * sizeof(*grown));
	table = grown;
	grown[table_size] = (struct served){ server_id, root, session };
	table_size = n;
	return 0;
}

static struct arbor_root *root_of(const char *service)
{
	for (struct arbor_root *r = roots; r; r = r->next)
		if (!strcmp(r->service, service))
			return r;
	return NULL;
}

static void create(struct arbor_parent_request *rq)
{
	struct arbor_root *root = root_of(rq->service);
	char label[ARBOR_LABEL_MAX] = "";
	struct arbor_root_request req = { rq->server_id, label, rq->args, rq->ram, rq->caps };
	struct arbor_cap *cap = NULL;
	void *session = NULL;
	int err;

	if (!root) {
		arbor_parent_response(root_env->parent, rq->server_id, ARBOR_E_DENIED);
		return;
	}
	arbor_args_get(rq->args, "label", label, sizeof(label));
	err = root->ops->create(root, &req, &session, &cap);
	if (err == ARBOR_E_PENDING)
		return;
	if (!err) {
		arbor_root_deliver(root, rq->server_id, session, cap);
	} else {
		/* the parent knows denial and insufficiency; any other failure is a denial */
		if (err != ARBOR_E_INSUFFICIENT_RAM && err != ARBOR_E_INSUFFICIENT_CAPS)
			err = ARBOR_E_DENIED;
		arbor_parent_response(root_env->parent, rq->server_id, err);
	}
	arbor_cap_unref(cap);
}

static void requests(struct arbor_env *env, unsigned which)
{
	struct arbor_parent_request rq;
	struct served *s;

	while (arbor_parent_next_request(env->parent, &rq) == 0) {
		switch (rq.kind) {
		case ARBOR_REQUEST_CREATE:
			create(&rq);
			break;
		case ARBOR_REQUEST_UPGRADE:
			s = find(rq.server_id);
			if (s && s->root->ops->upgrade)
				s->root->ops->upgrade(s->root, s->session, rq.ram, rq.caps);
			arbor_parent_response(env->parent, rq.server_id, ARBOR_SESSION_OK);
			break;
		case ARBOR_REQUEST_CLOSE:
			s = find(rq.server_id);
			if (s) {
				struct served gone = *s;
				memset(s, 0, sizeof(*s));
				gone.root->ops->close(gone.root, gone.session);
			}
			arbor_parent_response(env->parent, rq.server_id, ARBOR_SESSION_CLOSED);
			break;
		}
	}
}

int arbor_root_announce(struct arbor_env *env, struct arbor_root *root, const char *service,
                        const struct arbor_root_ops *ops, void *priv)
{
	int err;

	if (strlen(service) >= sizeof(root->service))
		return ARBOR_E_TOO_LARGE;
	if (!env->parent)
		return ARBOR_E_DENIED;
	root_env = env;
	root->ops = ops;
	root->priv = priv;
	strcpy(root->service, service);
	err = arbor_parent_signal_handle(env, ARBOR_SIGNAL_REQUESTS, requests);
	if (err)
		return err;
	root->next = roots;
	roots = root;
	err = arbor_parent_announce(env->parent, service);
	if (err) {
		roots = root->next;
		return err;
	}
	/* requests may have queued before the announcement */
	requests(env, ARBOR_SIGNAL_REQUESTS);
	return 0;
}

int arbor_root_deliver(struct arbor_root *root, uint32_t server_id, void *session,
                       struct arbor_cap *cap)
{
	int err = remember(server_id, root, session);

	if (err) {
		root->ops->close(root, session);
		arbor_parent_response(root_env->parent, server_id, ARBOR_E_INSUFFICIENT_RAM);
		return err;
	}
	err = arbor_parent_deliver(root_env->parent, server_id, cap);
	if (err) {
		struct served *s = find(server_id);
		memset(s, 0, sizeof(*s));
		root->ops->close(root, session);
	}
	return err;
}

int arbor_root_refuse(struct arbor_root *root, uint32_t server_id, int error)
{
	if (error != ARBOR_E_INSUFFICIENT_RAM && error != ARBOR_E_INSUFFICIENT_CAPS)
		error = ARBOR_E_DENIED;
	return arbor_parent_response(root_env->parent, server_id, error);
}
