/*
 * The VMM component's config, as in Genode's Vancouver: the <machine>
 * description and, in <multiboot>, the ROM modules to boot, the kernel
 * first:
 *
 *   <config>
 *     <machine> <mem start="0" end="0x9fc00"/> <mem start="0x100000" end="0x2000000"/>
 *               <pic .../> ... </machine>
 *     <multiboot> <rom name="kernel" cmdline="console=ttyS0"/> <rom name="module"/> </multiboot>
 *   </config>
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sandbox/xml.h>
#include "vmm.h"

static int copy(char *dst, size_t size, const char *src, const struct xml_node *n,
                const char *what, char *why, size_t why_size)
{
	if (strlen(src) >= size) {
		snprintf(why, why_size, "config:%lu:%lu: %s too long (at most %zu bytes)",
		         xml_node_line(n), xml_node_column(n), what, size - 1);
		return -EINVAL;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int read_roms(const struct xml_node *multiboot, struct vmm_setup *setup, char *why,
                     size_t why_size)
{
	const struct xml_node *rom;

	for (rom = xml_first_child(multiboot, "rom"); rom; rom = xml_next_sibling(rom, "rom")) {
		struct vmm_boot_rom *r = &setup->rom[setup->nrom];
		const char *name = xml_attr(rom, "name"), *cmdline = xml_attr(rom, "cmdline");
		if (setup->nrom == VMM_BOOT_ROMS_MAX) {
			snprintf(why, why_size, "config:%lu:%lu: more than %d boot modules",
			         xml_node_line(rom), xml_node_column(rom), VMM_BOOT_ROMS_MAX);
			return -EINVAL;
		}
		if (!name || !*name) {
			snprintf(why, why_size, "config:%lu:%lu: <rom> without a name",
			         xml_node_line(rom), xml_node_column(rom));
			return -EINVAL;
		}
		if (copy(r->name, sizeof(r->name), name, rom, "ROM name", why, why_size) ||
		    copy(r->cmdline, sizeof(r->cmdline), cmdline ? cmdline : "", rom, "cmdline", why,
		         why_size))
			return -EINVAL;
		setup->nrom++;
	}
	if (!setup->nrom) {
		snprintf(why, why_size, "config: <multiboot> names no <rom> to boot");
		return -EINVAL;
	}
	return 0;
}

int vmm_setup_parse(const char *text, size_t len, struct vmm_setup *setup, char *why,
                    size_t why_size)
{
	struct xml_node *config;
	const struct xml_node *multiboot;
	struct xml_error xe;
	int err;

	memset(setup, 0, sizeof(*setup));
	if (xml_parse(text, len, "config", &config, &xe)) {
		snprintf(why, why_size, "config:%lu:%lu: %s", xe.line, xe.column, xe.message);
		return -EINVAL;
	}
	err = 0;
	if (xml_first_child(config, "machine"))
		err = vmm_machine_parse(text, len, "config", &setup->machine, why, why_size);
	else
		vmm_machine_default(&setup->machine, VMM_DEFAULT_GUEST_RAM);
	multiboot = xml_first_child(config, "multiboot");
	if (!err && !multiboot) {
		snprintf(why, why_size, "config: no <multiboot> with the kernel to boot");
		err = -EINVAL;
	}
	if (!err)
		err = read_roms(multiboot, setup, why, why_size);
	xml_free(config);
	return err;
}
