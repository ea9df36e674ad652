/*
 * ROM modules served by this component: a read-only dataspace per version
 * of the content, and per session the version it last fetched, so that
 * UPDATE answers "changed" exactly once per new version.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <sandbox/local_rom.h>
#include <session/rom.h>

struct rom_session {
	struct arbor_rpc_object obj;
	struct local_rom *rom;
	struct arbor_cap *sigh;
	unsigned version;              /* of the content last handed out */
	struct rom_session *next;
};

struct local_rom {
	struct arbor_env *env;
	struct arbor_cap *rw, *ro;     /* the current content */
	char *text;
	size_t len;
	unsigned version;
	struct rom_session *sessions;
};

static int rom_dataspace(struct arbor_rpc_request *req)
{
	struct rom_session *s = container_of(req->object, struct rom_session, obj);

	if (!s->rom->ro)
		return ARBOR_E_NOT_FOUND;
	s->version = s->rom->version;
	arbor_msg_add_cap(req->out, s->rom->ro);
	return 0;
}

static int rom_sigh(struct arbor_rpc_request *req)
{
	struct rom_session *s = container_of(req->object, struct rom_session, obj);
	int err = arbor_rpc_take_sigh(req, 0, &s->sigh);

	if (err)
		return err;
	return 0;
}

static int rom_update(struct arbor_rpc_request *req)
{
	struct rom_session *s = container_of(req->object, struct rom_session, obj);
	struct arbor_rom_update u = { .changed = s->version != s->rom->version };

	memcpy(req->out->payload, &u, sizeof(u));
	req->out->size = sizeof(u);
	return 0;
}

static const struct arbor_rpc_op rom_ops[ARBOR_ROM_NOPS] = {
	[ARBOR_ROM_DATASPACE] = { "dataspace", 0, 0, 0, rom_dataspace },
	[ARBOR_ROM_SIGH]      = { "sigh", 0, 0, 1, rom_sigh },
	[ARBOR_ROM_UPDATE]    = { "update", 0, 0, 0, rom_update },
};

static const struct arbor_rpc_interface rom_iface = { "ROM", rom_ops, ARBOR_ROM_NOPS };

int local_rom_new(struct arbor_env *env, struct local_rom **out)
{
	struct local_rom *rom = calloc(1, sizeof(*rom));

	*out = NULL;
	if (!rom)
		return -ENOMEM;
	rom->env = env;
	*out = rom;
	return local_rom_set(rom, "", 0) ? (free(rom), *out = NULL, -ENOMEM) : 0;
}

static void drop_content(struct local_rom *rom)
{
	if (rom->rw)
		arbor_pd_free_ram(arbor_env_pd(rom->env), rom->rw);
	arbor_cap_unref(rom->rw);
	arbor_cap_unref(rom->ro);
	free(rom->text);
	rom->rw = rom->ro = NULL;
	rom->text = NULL;
}

int local_rom_set(struct local_rom *rom, const char *text, size_t len)
{
	struct arbor_cap *pd = arbor_env_pd(rom->env), *rw, *ro;
	char *copy;
	void *addr;
	size_t size;
	int err;

	if (rom->text && rom->len == len && !memcmp(rom->text, text, len))
		return 0;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	err = arbor_pd_alloc_ram(pd, len + 1, &rw);
	if (err)
		goto fail_copy;
	err = arbor_ds_attach(rw, ARBOR_DS_WRITE, &addr, &size);
	if (err)
		goto fail_ds;
	memcpy(addr, copy, len + 1);
	arbor_ds_detach(addr, size);
	err = arbor_pd_read_only(pd, rw, &ro);
	if (err)
		goto fail_ds;
	drop_content(rom);
	rom->rw = rw;
	rom->ro = ro;
	rom->text = copy;
	rom->len = len;
	rom->version++;
	for (struct rom_session *s = rom->sessions; s; s = s->next)
		if (s->sigh)
			arbor_signal_submit(s->sigh, 1);
	return 0;

fail_ds:
	arbor_pd_free_ram(pd, rw);
	arbor_cap_unref(rw);
fail_copy:
	free(copy);
	return err;
}

int local_rom_session(struct local_rom *rom, struct arbor_cap **cap, void **handle)
{
	struct rom_session *s = calloc(1, sizeof(*s));
	int err;

	*cap = NULL;
	*handle = NULL;
	if (!s)
		return -ENOMEM;
	err = arbor_rpc_object_manage(rom->env->ep, &s->obj, &rom_iface);
	if (err) {
		free(s);
		return err;
	}
	s->rom = rom;
	s->next = rom->sessions;
	rom->sessions = s;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&s->obj));
	*handle = s;
	return 0;
}

void local_rom_session_close(struct local_rom *rom, void *handle)
{
	struct rom_session *s = handle;

	for (struct rom_session **l = &rom->sessions; *l; l = &(*l)->next) {
		if (*l == s) {
			*l = s->next;
			break;
		}
	}
	arbor_rpc_object_dissolve(&s->obj);
	arbor_cap_unref(s->sigh);
	free(s);
}

void local_rom_free(struct local_rom *rom)
{
	if (!rom)
		return;
	while (rom->sessions)
		local_rom_session_close(rom, rom->sessions);
	drop_content(rom);
	free(rom);
}
