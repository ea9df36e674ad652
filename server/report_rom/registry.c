/* report_rom's modules and their readers and writers (see registry.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/pd.h>
#include <arbor/signal.h>
#include "registry.h"

int registry_init(struct registry *reg, struct arbor_env *env)
{
	struct arbor_cap *pd = arbor_env_pd(env);
	int err;

	memset(reg, 0, sizeof(*reg));
	reg->env = env;
	err = arbor_pd_alloc_ram(pd, 4096, &reg->empty_ds);
	if (err)
		return err;
	err = arbor_pd_read_only(pd, reg->empty_ds, &reg->empty_ro);
	if (err) {
		arbor_pd_free_ram(pd, reg->empty_ds);
		arbor_cap_unref(reg->empty_ds);
		reg->empty_ds = NULL;
	}
	return err;
}

int registry_lookup(struct registry *reg, const char *name, struct rom_module **out)
{
	struct rom_module *m;

	for (m = reg->modules; m; m = m->next) {
		if (!strcmp(m->name, name)) {
			*out = m;
			return 0;
		}
	}
	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->next = reg->modules;
	reg->modules = m;
	*out = m;
	return 0;
}

static void copy_free(struct registry *reg, struct report_copy *c)
{
	if (!c)
		return;
	arbor_pd_free_ram(arbor_env_pd(reg->env), c->ds);
	arbor_cap_unref(c->ds);
	arbor_cap_unref(c->ro);
	free(c);
}

void registry_collect(struct registry *reg, struct rom_module *m)
{
	if (m->versions.readers || m->writers)
		return;
	for (struct rom_module **l = &reg->modules; *l; l = &(*l)->next) {
		if (*l == m) {
			*l = m->next;
			break;
		}
	}
	copy_free(reg, m->content);
	free(m);
}

void registry_add_writer(struct rom_module *m)
{
	m->writers++;
}

void registry_remove_writer(struct registry *reg, struct rom_module *m)
{
	m->writers--;
	registry_collect(reg, m);
}

int registry_copy_new(struct registry *reg, const void *data, size_t len, const void *owner,
                      struct report_copy **out)
{
	struct arbor_cap *pd = arbor_env_pd(reg->env);
	struct report_copy *c;
	void *addr;
	size_t size;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ARBOR_E_OUT_OF_RAM;
	err = arbor_pd_alloc_ram(pd, len, &c->ds);
	if (err)
		goto fail_copy;
	err = arbor_ds_attach(c->ds, ARBOR_DS_WRITE, &addr, &size);
	if (err)
		goto fail_ds;
	/* the rest of the page stays zero: text readers find the end at the first NUL */
	memcpy(addr, data, len);
	arbor_ds_detach(addr, size);
	err = arbor_pd_read_only(pd, c->ds, &c->ro);
	if (err)
		goto fail_ds;
	c->length = len;
	c->owner = owner;
	*out = c;
	return 0;

fail_ds:
	arbor_pd_free_ram(pd, c->ds);
	arbor_cap_unref(c->ds);
fail_copy:
	free(c);
	return err;
}

void registry_publish(struct registry *reg, struct rom_module *m, struct report_copy *copy)
{
	struct report_copy *old = m->content;

	m->content = copy;
	copy_free(reg, old);
	rom_versions_publish(&m->versions);
}

void registry_withdraw(struct registry *reg, struct rom_module *m, const void *owner)
{
	if (m->content && m->content->owner == owner)
		registry_publish(reg, m, NULL);
}

struct arbor_cap *registry_content(const struct registry *reg, const struct rom_module *m)
{
	return m->content ? m->content->ro : reg->empty_ro;
}
