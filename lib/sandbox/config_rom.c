/* A component's config ROM: read, parsed, checked, re-read on change (see config_rom.h). */
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>

/* Parse and check the ROM's mapped content; the old config stays on failure. */
static int load(struct config_rom *cr)
{
	struct xml_node *root = NULL;
	struct xml_error xerr;
	int err = xml_parse(cr->rom.text, cr->rom.len, "config", &root, &xerr);
	if (err) {
		arbor_error("config:%lu:%lu: %s", xerr.line, xerr.column, xerr.message);
		return err;
	}
	err = cr->check ? cr->check(cr, root) : 0;
	if (err) {
		xml_free(root);
		return err;
	}
	xml_free(cr->root);
	cr->root = root;
	if (cr->applied)
		cr->applied(cr);
	return 0;
}

static void changed(struct arbor_rom *rom)
{
	struct config_rom *cr = container_of(rom, struct config_rom, rom);

	if (arbor_rom_refresh(rom) || load(cr))
		arbor_warning("keeping the previous config");
}

int config_rom_open(struct config_rom *cr, struct arbor_env *env, config_rom_check_fn check,
                    config_rom_applied_fn applied)
{
	int err;

	memset(cr, 0, sizeof(*cr));
	cr->check = check;
	cr->applied = applied;
	err = arbor_rom_open(env, &cr->rom, "config", changed);
	if (err)
		return err;
	err = load(cr);                  /* arbor_rom_open() mapped the content already */
	if (err)
		arbor_rom_close(&cr->rom);
	return err;
}

void config_rom_close(struct config_rom *cr)
{
	arbor_rom_close(&cr->rom);
	xml_free(cr->root);
	cr->root = NULL;
}

int config_attr_error(const struct xml_node *node, const char *attr, const char *why)
{
	const char *value = xml_attr(node, attr);

	arbor_error("config:%lu:%lu: %s=\"%s\" %s", xml_node_line(node), xml_node_column(node),
	            attr, value ? value : "", why);
	return ARBOR_E_INVALID;
}
