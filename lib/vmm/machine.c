/*
 * Vancouver's <machine> description: each element instantiates a device
 * model, in order (mem, nullio, pic, pit, scp, kbc, keyb, rtc, serial, vcpu,
 * and the ones not modelled yet, which are accepted and named). Unknown
 * elements are an error naming the element and its position.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sandbox/xml.h>
#include <vmm/vmm.h>

/* Elements Vancouver knows that this VMM does not model yet: accepted, and said so. */
static const char *const later[] = {
	"keyb", "mouse", "hostsink", "vga", "pcihostbridge", "pmtimer", "ioapic", "lapic", "msi",
	"halifax", "vbios", "vbios_disk", "vbios_keyboard", "vbios_mem", "vbios_time", "vbios_reset",
	"vbios_multiboot", NULL,
};

void vmm_machine_default(struct vmm_machine *m, uint64_t mem)
{
	static const struct vmm_device pc[] = {
		{ VMM_DEV_NULLIO, 0x80, 0, 0 },
		{ VMM_DEV_PIC, 0x20, 0x4d0, 0 }, { VMM_DEV_PIC, 0xa0, 0x4d1, 2 },
		{ VMM_DEV_PIT, 0x40, 0, 0 }, { VMM_DEV_SCP, 0x92, 0x61, 0 },
		{ VMM_DEV_KBC, 0x60, 0, 1 }, { VMM_DEV_RTC, 0x70, 0, 8 },
		{ VMM_DEV_SERIAL, 0x3f8, 0, 4 }, { VMM_DEV_VCPU, 0, 0, 0 },
	};

	memset(m, 0, sizeof(*m));
	m->mem[0].start = 0;
	m->mem[0].end = 0x9fc00;
	m->mem[1].start = 0x100000;
	m->mem[1].end = mem;
	m->nmem = 2;
	memcpy(m->dev, pc, sizeof(pc));
	m->ndev = sizeof(pc) / sizeof(pc[0]);
}

/* A number as Vancouver writes them: decimal or 0x-hexadecimal. */
static int number(const struct xml_node *n, const char *attr, uint64_t def, uint64_t max,
                  uint64_t *out, const char *file, char *why, size_t size)
{
	const char *v = xml_attr(n, attr);
	char *end = NULL;

	errno = 0;
	*out = v ? strtoull(v, &end, 0) : def;
	if ((v && (!*v || *end || errno || *v == '-')) || *out > max) {
		snprintf(why, size, "%s:%lu:%lu: invalid %s=\"%s\" in <%s>", file, xml_node_line(n),
		         xml_node_column(n), attr, xml_attr(n, attr), xml_node_type(n));
		return -EINVAL;
	}
	return 0;
}

int vmm_machine_parse(const char *text, size_t len, const char *file, struct vmm_machine *m,
                      char *why, size_t size)
{
	struct xml_node *root;
	struct xml_error err;
	const struct xml_node *machine;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	if (xml_parse(text, len, file, &root, &err)) {
		snprintf(why, size, "%s:%lu:%lu: %s", file, err.line, err.column, err.message);
		return -EINVAL;
	}
	machine = !strcmp(xml_node_type(root), "machine") ? root : xml_first_child(root, "machine");
	if (!machine) {
		snprintf(why, size, "%s: no <machine> node", file);
		xml_free(root);
		return -EINVAL;
	}
	for (const struct xml_node *n = xml_first_child(machine, NULL); n && !rc;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);
		uint64_t a = 0, b = 0, irq = 0;
		struct vmm_device d = { 0 };
		int modelled = 1;

		if (!strcmp(type, "mem")) {
			if ((rc = number(n, "start", 0, ~0ull, &a, file, why, size)) ||
			    (rc = number(n, "end", 0, ~0ull, &b, file, why, size)))
				break;
			if (b <= a || m->nmem == VMM_MACHINE_MEM_MAX) {
				snprintf(why, size, "%s:%lu:%lu: <mem> needs start < end (at most %d of them)",
				         file, xml_node_line(n), xml_node_column(n), VMM_MACHINE_MEM_MAX);
				rc = -EINVAL;
				break;
			}
			m->mem[m->nmem].start = a;
			m->mem[m->nmem++].end = b;
			continue;
		}
		if (!strcmp(type, "nullio")) {
			d.kind = VMM_DEV_NULLIO;
			rc = number(n, "io_base", 0x80, 0xffff, &a, file, why, size);
		} else if (!strcmp(type, "pic")) {
			d.kind = VMM_DEV_PIC;
			rc = number(n, "io_base", 0x20, 0xffff, &a, file, why, size) ||
			     number(n, "elcr_base", 0, 0xffff, &b, file, why, size) ||
			     number(n, "irq", 0, 15, &irq, file, why, size) ? -EINVAL : 0;
		} else if (!strcmp(type, "pit")) {
			d.kind = VMM_DEV_PIT;
			rc = number(n, "io_base", 0x40, 0xffff, &a, file, why, size) ||
			     number(n, "irq", 0, 15, &irq, file, why, size) ? -EINVAL : 0;
		} else if (!strcmp(type, "scp")) {
			d.kind = VMM_DEV_SCP;
			rc = number(n, "io_port_a", 0x92, 0xffff, &a, file, why, size) ||
			     number(n, "io_port_b", 0x61, 0xffff, &b, file, why, size) ? -EINVAL : 0;
		} else if (!strcmp(type, "kbc")) {
			d.kind = VMM_DEV_KBC;
			rc = number(n, "io_base", 0x60, 0xffff, &a, file, why, size) ||
			     number(n, "irq_kbd", 1, 15, &irq, file, why, size) ? -EINVAL : 0;
		} else if (!strcmp(type, "rtc")) {
			d.kind = VMM_DEV_RTC;
			rc = number(n, "io_base", 0x70, 0xffff, &a, file, why, size) ||
			     number(n, "irq", 8, 15, &irq, file, why, size) ? -EINVAL : 0;
		} else if (!strcmp(type, "serial")) {
			d.kind = VMM_DEV_SERIAL;
			rc = number(n, "io_base", 0x3f8, 0xffff, &a, file, why, size) ||
			     number(n, "irq", 4, 15, &irq, file, why, size) ? -EINVAL : 0;
		} else if (!strcmp(type, "vcpu")) {
			d.kind = VMM_DEV_VCPU;
		} else {
			unsigned i;
			for (i = 0; later[i] && strcmp(later[i], type); i++)
				;
			if (!later[i]) {
				snprintf(why, size, "%s:%lu:%lu: unknown element <%s> in <machine>", file,
				         xml_node_line(n), xml_node_column(n), type);
				rc = -EINVAL;
				break;
			}
			modelled = 0;
			if (!strstr(m->not_modelled, type) &&
			    strlen(m->not_modelled) + strlen(type) + 3 < sizeof(m->not_modelled))
				snprintf(m->not_modelled + strlen(m->not_modelled),
				         sizeof(m->not_modelled) - strlen(m->not_modelled), "%s%s",
				         m->not_modelled[0] ? ", " : "", type);
		}
		if (rc || !modelled)
			continue;
		if (m->ndev == VMM_MACHINE_DEVICES_MAX) {
			snprintf(why, size, "%s: more than %d devices", file, VMM_MACHINE_DEVICES_MAX);
			rc = -EINVAL;
			break;
		}
		d.io_base = (uint16_t)a;
		d.io_base2 = (uint16_t)b;
		d.irq = (uint8_t)irq;
		m->dev[m->ndev++] = d;
	}
	if (!rc && !m->nmem) {
		snprintf(why, size, "%s: the <machine> has no <mem>", file);
		rc = -EINVAL;
	}
	xml_free(root);
	return rc;
}
