/*
 * Vancouver's <machine> description: each element instantiates a device
 * model, in order (mem, nullio, pic, pit, scp, kbc, keyb, rtc, serial,
 * ioapic, lapic, vcpu (one per vCPU), Arbor's virtio_console and
 * virtio_block, and the ones not modelled yet, which are accepted and
 * named). Unknown elements are an error naming the element and its position.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sandbox/xml.h>
#include <vmm/vmm.h>

/* Elements Vancouver knows that this VMM does not model yet: accepted, and said so. */
static const char *const later[] = {
	"keyb", "mouse", "hostsink", "vga", "pcihostbridge", "pmtimer", "msi",
	"halifax", "vbios", "vbios_disk", "vbios_keyboard", "vbios_mem", "vbios_time", "vbios_reset",
	"vbios_multiboot", NULL,
};

/*
 * The PIC line of each virtio slot: none of the PC's (0 PIT, 1 keyboard,
 * 2 cascade, 4 COM1, 8 RTC, 12 PS/2 mouse), nor 7 and 15, where spurious
 * interrupts show.
 */
static const uint8_t virtio_irq[VMM_VIRTIO_SLOTS] = { 5, 10, 11, 9, 3, 6, 14, 13 };

static int is_virtio(enum vmm_device_kind kind)
{
	return kind == VMM_DEV_VIRTIO_CONSOLE || kind == VMM_DEV_VIRTIO_BLOCK;
}

/* The first slot whose window no virtio device of m uses, or -1. */
static int free_slot(const struct vmm_machine *m)
{
	for (unsigned s = 0; s < VMM_VIRTIO_SLOTS; s++) {
		uint64_t base = VMM_VIRTIO_BASE + (uint64_t)s * VMM_VIRTIO_WINDOW;
		unsigned i;
		for (i = 0; i < m->ndev && !(is_virtio(m->dev[i].kind) && m->dev[i].mem_base == base); i++)
			;
		if (i == m->ndev)
			return (int)s;
	}
	return -1;
}

static unsigned virtio_count(const struct vmm_machine *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->ndev; i++)
		n += is_virtio(m->dev[i].kind);
	return n;
}

int vmm_machine_add_virtio(struct vmm_machine *m, enum vmm_device_kind kind)
{
	int slot = free_slot(m);

	if (slot < 0 || m->ndev == VMM_MACHINE_DEVICES_MAX || virtio_count(m) == VMM_VIRTIO_SLOTS)
		return -ENOSPC;
	m->dev[m->ndev++] = (struct vmm_device){
		.kind = kind, .irq = virtio_irq[slot],
		.mem_base = VMM_VIRTIO_BASE + (uint64_t)slot * VMM_VIRTIO_WINDOW,
	};
	return 0;
}

void vmm_machine_default(struct vmm_machine *m, uint64_t mem)
{
	static const struct vmm_device pc[] = {
		{ .kind = VMM_DEV_NULLIO, .io_base = 0x80 },
		{ .kind = VMM_DEV_PIC, .io_base = 0x20, .io_base2 = 0x4d0 },
		{ .kind = VMM_DEV_PIC, .io_base = 0xa0, .io_base2 = 0x4d1, .irq = 2 },
		{ .kind = VMM_DEV_PIT, .io_base = 0x40 },
		{ .kind = VMM_DEV_SCP, .io_base = 0x92, .io_base2 = 0x61 },
		{ .kind = VMM_DEV_KBC, .io_base = 0x60, .irq = 1 },
		{ .kind = VMM_DEV_RTC, .io_base = 0x70, .irq = 8 },
		{ .kind = VMM_DEV_SERIAL, .io_base = 0x3f8, .irq = 4 },
		{ .kind = VMM_DEV_IOAPIC, .mem_base = VMM_IOAPIC_BASE, .apic_id = VMM_IOAPIC_ID },
		{ .kind = VMM_DEV_LAPIC, .mem_base = VMM_LAPIC_BASE },
		{ .kind = VMM_DEV_VCPU },
	};

	memset(m, 0, sizeof(*m));
	m->mem[0].start = 0;
	m->mem[0].end = 0x9fc00;
	m->mem[1].start = 0x100000;
	m->mem[1].end = mem;
	m->nmem = 2;
	memcpy(m->dev, pc, sizeof(pc));
	m->ndev = sizeof(pc) / sizeof(pc[0]);
	vmm_machine_add_virtio(m, VMM_DEV_VIRTIO_CONSOLE);
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

/* <virtio_console mem_base irq/>, <virtio_block mem_base irq/>: the first free slot's by default. */
static int virtio_element(const struct vmm_machine *m, const struct xml_node *n,
                          struct vmm_device *d, const char *file, char *why, size_t size)
{
	int slot = free_slot(m);
	uint64_t base = slot < 0 ? 0 : VMM_VIRTIO_BASE + (uint64_t)slot * VMM_VIRTIO_WINDOW;
	uint64_t irq = slot < 0 ? 0 : virtio_irq[slot];

	d->kind = !strcmp(xml_node_type(n), "virtio_console") ? VMM_DEV_VIRTIO_CONSOLE
	                                                      : VMM_DEV_VIRTIO_BLOCK;
	if (number(n, "mem_base", base, 0xfffff000u, &base, file, why, size) ||
	    number(n, "irq", irq, 15, &irq, file, why, size))
		return -EINVAL;
	if (virtio_count(m) == VMM_VIRTIO_SLOTS || !base || (base & (VMM_VIRTIO_WINDOW - 1))) {
		snprintf(why, size, "%s:%lu:%lu: <%s> needs a 4 KiB-aligned mem_base below 4 GiB "
		         "(at most %d virtio devices)", file, xml_node_line(n), xml_node_column(n),
		         xml_node_type(n), VMM_VIRTIO_SLOTS);
		return -EINVAL;
	}
	d->mem_base = base;
	d->irq = (uint8_t)irq;
	return 0;
}

/* Add type to the ", "-separated list of elements left out, once. */
static void note_not_modelled(struct vmm_machine *m, const char *type)
{
	size_t len = strlen(m->not_modelled), n = strlen(type);

	for (const char *p = m->not_modelled; (p = strstr(p, type)); p += n)
		if ((p == m->not_modelled || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return;                        /* listed already (vbios is not vbios_disk) */
	if (len + n + 3 < sizeof(m->not_modelled))
		snprintf(m->not_modelled + len, sizeof(m->not_modelled) - len, "%s%s",
		         len ? ", " : "", type);
}

int vmm_machine_parse(const char *text, size_t len, const char *file, struct vmm_machine *m,
                      char *why, size_t size)
{
	struct xml_node *root;
	struct xml_error err;
	const struct xml_node *machine;
	unsigned vcpus = 0;
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
		} else if (!strcmp(type, "ioapic")) {
			d.kind = VMM_DEV_IOAPIC;
			rc = number(n, "address", VMM_IOAPIC_BASE, 0xfffff000u, &d.mem_base, file, why, size) ||
			     number(n, "id", VMM_IOAPIC_ID, 15, &a, file, why, size) ? -EINVAL : 0;
			if (!rc && (d.mem_base & 0xfff)) {
				snprintf(why, size, "%s:%lu:%lu: <ioapic> needs a 4 KiB-aligned address", file,
				         xml_node_line(n), xml_node_column(n));
				rc = -EINVAL;
			}
			d.apic_id = (uint8_t)a;
			a = 0;
		} else if (!strcmp(type, "lapic")) {
			d.kind = VMM_DEV_LAPIC;               /* at VMM_LAPIC_BASE: the APIC base MSR's */
			d.mem_base = VMM_LAPIC_BASE;
			rc = number(n, "id", 0, 254, &a, file, why, size);
			d.apic_id = (uint8_t)a;
			a = 0;
		} else if (!strcmp(type, "vcpu")) {
			d.kind = VMM_DEV_VCPU;
			if (++vcpus > VMM_VCPUS_MAX) {
				snprintf(why, size, "%s:%lu:%lu: more than %d <vcpu> elements", file,
				         xml_node_line(n), xml_node_column(n), VMM_VCPUS_MAX);
				rc = -EINVAL;
				break;
			}
		} else if (!strcmp(type, "virtio_console") || !strcmp(type, "virtio_block")) {
			rc = virtio_element(m, n, &d, file, why, size);
			irq = d.irq;
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
			note_not_modelled(m, type);
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
