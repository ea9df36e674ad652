/*
 * fs_rom: provides ROM from the files of a File_system session. Its
 * config may name that session's label (<config label="..."/>, default
 * none); without a config ROM it opens the session with an empty label.
 */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rom.h>
#include <sandbox/xml.h>
#include "fs_rom.h"

static struct fs_rom fs_rom;

/* The label of the File_system session from the config, if there is one. */
static int fs_label(struct arbor_env *env, char *label, size_t size)
{
	struct xml_node *root = NULL;
	struct xml_error xerr;
	struct arbor_rom config;
	const char *value;
	int err;

	label[0] = 0;
	if (arbor_rom_open(env, &config, "config", NULL))
		return 0;
	err = xml_parse(config.text, config.len, "config", &root, &xerr);
	if (err) {
		arbor_error("config:%lu:%lu: error: %s", xerr.line, xerr.column, xerr.message);
	} else if ((value = xml_attr(root, "label"))) {
		if (strlen(value) >= size || strchr(value, '"')) {
			arbor_error("config:%lu:%lu: label=\"%s\" is too long or holds a quote",
			            xml_node_line(root), xml_node_column(root), value);
			err = ARBOR_E_INVALID;
		} else {
			snprintf(label, size, "%s", value);
		}
	}
	xml_free(root);
	arbor_rom_close(&config);
	return err;
}

/* One zeroed page, read-only: the content of every empty module. */
static int empty_page(struct fs_rom *fr)
{
	struct arbor_cap *pd = arbor_env_pd(fr->env), *ds;
	int err = arbor_pd_alloc_ram(pd, 4096, &ds);

	if (err)
		return err;
	err = arbor_pd_read_only(pd, ds, &fr->empty_ro);
	/* the page lives as long as fs_rom: its writeable cap is no longer needed */
	arbor_cap_unref(ds);
	return err;
}

void component_construct(struct arbor_env *env)
{
	char label[ARBOR_LABEL_MAX];
	struct fs_args args = { .signalled = module_changes, .priv = &fs_rom };
	int err;

	fs_rom.env = env;
	err = fs_label(env, label, sizeof(label));
	if (err)
		arbor_exit(env, 1);
	args.label = label;
	err = empty_page(&fs_rom);
	if (!err)
		err = fs_connection_open(env, &fs_rom.fs, &args);
	if (!err)
		err = rom_service_announce(&fs_rom);
	if (err) {
		arbor_error("fs_rom: cannot provide its ROM service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
