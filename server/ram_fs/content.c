/*
 * ram_fs's initial content: the <content> node of its config, read once
 * at start. Each node is checked as it is met; the first bad one stops
 * ram_fs with its position, since a half-filled file system would
 * surprise its clients more than one that does not start.
 */
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <sandbox/xml.h>
#include "ram_fs.h"

static int bad(const struct xml_node *node, const char *what)
{
	arbor_error("config:%lu:%lu: <%s> %s", xml_node_line(node), xml_node_column(node),
	            xml_node_type(node), what);
	return ARBOR_E_INVALID;
}

static int valid_name(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	return len && len <= ARBOR_FS_NAME_MAX && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

static int create(struct ram_fs *fs, const struct xml_node *node, struct ram_node *dir,
                  const char *name, unsigned type, struct ram_node **out)
{
	int err = ram_store_create(&fs->store, dir, name, type, out);

	if (err == ARBOR_FS_E_EXISTS)
		return bad(node, "names a node that exists already");
	if (err)
		return bad(node, "does not fit in ram_fs's RAM quota");
	return 0;
}

static int write_all(struct ram_fs *fs, const struct xml_node *node, struct ram_node *file,
                     const void *data, size_t len)
{
	ssize_t n = len ? ram_store_write(&fs->store, file, 0, data, len) : 0;

	if (n < 0 || (size_t)n != len)
		return bad(node, "does not fit in ram_fs's RAM quota");
	return 0;
}

static int load_inline(struct ram_fs *fs, const struct xml_node *node, struct ram_node *dir)
{
	const char *name = xml_attr(node, "name"), *text = xml_node_text(node);
	struct ram_node *file;
	int err;

	if (!valid_name(name))
		return bad(node, "has no valid name");
	err = create(fs, node, dir, name, ARBOR_FS_FILE, &file);
	return err ? err : write_all(fs, node, file, text, strlen(text));
}

/* The module's whole dataspace: core serves a ROM file at its exact size. */
static int load_rom(struct ram_fs *fs, const struct xml_node *node, struct ram_node *dir)
{
	const char *module = xml_attr(node, "name"), *as = xml_attr(node, "as");
	struct arbor_rom rom;
	struct ram_node *file;
	int err;

	if (!as)
		as = module;
	if (!module || !*module)
		return bad(node, "has no module name");
	if (!valid_name(as))
		return bad(node, "has no valid file name (attribute 'as', or the module's name)");
	err = arbor_rom_open(fs->env, &rom, module, NULL);
	if (err) {
		arbor_error("config:%lu:%lu: <rom name=\"%s\"> cannot be read: %s",
		            xml_node_line(node), xml_node_column(node), module, arbor_strerror(err));
		return err;
	}
	err = create(fs, node, dir, as, ARBOR_FS_FILE, &file);
	if (!err)
		err = write_all(fs, node, file, rom.addr, rom.size);
	arbor_rom_close(&rom);
	return err;
}

static int load_dir(struct ram_fs *fs, const struct xml_node *parent, struct ram_node *dir)
{
	int err = 0;

	for (const struct xml_node *n = xml_first_child(parent, NULL); n && !err;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n), *name = xml_attr(n, "name");
		struct ram_node *sub;

		if (!strcmp(type, "dir")) {
			if (!valid_name(name))
				return bad(n, "has no valid name");
			sub = ram_store_lookup(&fs->store, dir, name);
			/* two <dir> of one name merge, as in Genode's VFS */
			if (sub && sub->type != ARBOR_FS_DIRECTORY)
				return bad(n, "names a file that exists already");
			if (!sub)
				err = create(fs, n, dir, name, ARBOR_FS_DIRECTORY, &sub);
			if (!err)
				err = load_dir(fs, n, sub);
		} else if (!strcmp(type, "inline")) {
			err = load_inline(fs, n, dir);
		} else if (!strcmp(type, "rom")) {
			err = load_rom(fs, n, dir);
		} else {
			err = bad(n, "is unknown in <content> (dir, inline, rom)");
		}
	}
	return err;
}

int content_load(struct ram_fs *fs)
{
	struct xml_node *root = NULL;
	struct xml_error xerr;
	struct arbor_rom config;
	int err = arbor_rom_open(fs->env, &config, "config", NULL);

	if (err)
		return err;
	err = xml_parse(config.text, config.len, "config", &root, &xerr);
	if (err)
		arbor_error("%s:%lu:%lu: error: %s", "config", xerr.line, xerr.column, xerr.message);
	else
		err = load_dir(fs, xml_first_child(root, "content"),
		               ram_store_node(&fs->store, RAM_STORE_ROOT));
	xml_free(root);
	arbor_rom_close(&config);
	return err;
}
