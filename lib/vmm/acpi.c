/*
 * ACPI tables for Linux guests, as QEMU microvm and Firecracker give them:
 * a hardware-reduced ACPI machine (no PM1 or GPE blocks, no SCI, no PM
 * timer) whose DSDT names each virtio-mmio window as an LNRO0005 device,
 * the only way a kernel without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES
 * (Debian's) finds them. In the BIOS area at 0xe0000, below the MP table,
 * where the e820 map says "reserved": RSDP (revision 2), XSDT, FADT
 * (revision 6), MADT and DSDT.
 *
 * Only for machines with a LAPIC and an IOAPIC: on a hardware-reduced
 * platform Linux bypasses the 8259s (null_legacy_pic) and takes every
 * interrupt through the IOAPIC, so on a machine without one it would get
 * none at all. For the same reason the DSDT also describes the 16550s, the
 * i8042 and the RTC with their ISA lines: Linux maps an ISA line on the
 * IOAPIC only when a device's resources name it.
 */
#include <errno.h>
#include <string.h>
#include "bytes.h"
#include "aml.h"
#include "virtio.h"

#define ACPI_AREA       0xe0000u
#define ACPI_AREA_END   0xf0000u      /* the MP table follows at 0xf0000 */
#define ACPI_ALIGN      64u

#define HEADER_SIZE     36
#define RSDP_SIZE       36
#define FADT_SIZE       276           /* revision 6 */
#define MADT_HEADER     44

/* FADT fields (ACPI 6.3, table 5.34) */
#define FADT_CENTURY        108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS          112
#define FADT_RESET_REG      116
#define FADT_RESET_VALUE    128
#define FADT_MINOR_VERSION  131
#define FADT_X_DSDT         140
#define FADT_HYPERVISOR_ID  268

#define BOOT_LEGACY_DEVICES 0x0001u   /* ISA devices the OS cannot enumerate by themselves */
#define BOOT_8042           0x0002u
#define BOOT_VGA_NOT_PRESENT 0x0004u
#define BOOT_MSI_NOT_SUPPORTED 0x0008u
#define BOOT_CMOS_RTC_NOT_PRESENT 0x0020u
#define FADT_RESET_REG_SUP  (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)

#define GAS_SYSTEM_IO       1
#define GAS_ACCESS_BYTE     1
#define KBC_RESET           0xfe

/* MADT (table 5.43) */
#define MADT_PCAT_COMPAT    1u
enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_INT_OVERRIDE = 2, MADT_LAPIC_NMI = 4 };
#define MADT_LAPIC_ENABLED  1u

/* A System Description Table header; the checksum is set by finish(). */
static void header(uint8_t *t, const char *signature, uint32_t len, uint8_t revision)
{
	memcpy(t, signature, 4);
	put32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, "ARBOR ", 6);
	memcpy(t + 16, "VMM     ", 8);
	put32(t + 24, 1);                                  /* OEM revision */
	memcpy(t + 28, "ARBR", 4);                         /* creator */
	put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = checksum(t, len);
}

/* The machine's first device of a kind, or NULL. */
static const struct vmm_device *device(const struct vmm *vmm, enum vmm_device_kind kind)
{
	for (unsigned i = 0; i < vmm->machine.ndev; i++)
		if (vmm->machine.dev[i].kind == kind)
			return &vmm->machine.dev[i];
	return NULL;
}

/* The IOAPIC input (= GSI, its base being 0) of an ISA line, as irq.c wires it; -1: none. */
static int isa_gsi(unsigned line)
{
	if (line == 0)
		return 2;
	return line == 2 || line > 15 ? -1 : (int)line;
}

static void fadt(const struct vmm *vmm, uint8_t *t, uint64_t dsdt)
{
	const struct vmm_device *kbc = device(vmm, VMM_DEV_KBC);
	const struct vmm_device *rtc = device(vmm, VMM_DEV_RTC);
	uint16_t boot = BOOT_VGA_NOT_PRESENT | BOOT_MSI_NOT_SUPPORTED;
	uint32_t flags = FADT_HW_REDUCED_ACPI;

	header(t, "FACP", FADT_SIZE, 6);
	t[FADT_MINOR_VERSION] = 3;                         /* ACPI 6.3 */
	if (kbc || rtc || device(vmm, VMM_DEV_SERIAL))
		boot |= BOOT_LEGACY_DEVICES;
	if (kbc) {
		/* Linux's first way to reboot: the i8042's reset command */
		boot |= BOOT_8042;
		flags |= FADT_RESET_REG_SUP;
		t[FADT_RESET_REG] = GAS_SYSTEM_IO;
		t[FADT_RESET_REG + 1] = 8;                 /* bit width */
		t[FADT_RESET_REG + 3] = GAS_ACCESS_BYTE;
		put64(t + FADT_RESET_REG + 4, (uint16_t)(kbc->io_base + 4));
		t[FADT_RESET_VALUE] = KBC_RESET;
	}
	if (rtc)
		t[FADT_CENTURY] = 0x32;                    /* dev_rtc.c keeps the century there */
	else
		boot |= BOOT_CMOS_RTC_NOT_PRESENT;
	put16(t + FADT_IAPC_BOOT_ARCH, boot);
	put32(t + FADT_FLAGS, flags);
	put64(t + FADT_X_DSDT, dsdt);                      /* the 32-bit DSDT field stays 0 */
	memcpy(t + FADT_HYPERVISOR_ID, "ARBORVMM", 8);
	finish(t, FADT_SIZE);
}

/*
 * The vCPUs' LAPICs (processor UID = vCPU index), the IOAPIC (GSI base 0)
 * and what the MP table says too: ISA
 * IRQ 0 on pin 2 (the other lines one to one, ISA's edge and active high),
 * LINT1 the NMI.
 */
static uint32_t madt(const struct vmm *vmm, uint8_t *t)
{
	uint8_t *p = t + MADT_HEADER;
	uint32_t len;

	put32(t + 36, VMM_LAPIC_BASE);
	put32(t + 40, device(vmm, VMM_DEV_PIC) ? MADT_PCAT_COMPAT : 0);

	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i;                             /* ACPI processor UID */
		p[3] = vmm->vcpus[i].lapic.id;
		put32(p + 4, MADT_LAPIC_ENABLED);
		p += 8;
	}

	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = vmm->ioapic.id;
	put32(p + 4, (uint32_t)vmm->ioapic.base);
	put32(p + 8, 0);                                   /* GSI base */
	p += 12;

	p[0] = MADT_INT_OVERRIDE;
	p[1] = 10;
	p[2] = 0;                                          /* ISA */
	p[3] = 0;                                          /* IRQ 0 */
	put32(p + 4, (uint32_t)isa_gsi(0));
	put16(p + 8, 0);                                   /* as the bus says: edge, high */
	p += 10;

	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = 0xff;                                       /* all processors */
	put16(p + 3, 0);
	p[5] = 1;                                          /* LINT1 */
	p += 6;

	len = (uint32_t)(p - t);
	header(t, "APIC", len, 5);
	finish(t, len);
	return len;
}

/* An ISA device: its ports and its line. */
static void isa_device(struct vmm_aml *a, const char *name, const char *hid, unsigned uid,
                       uint16_t port, uint8_t ports, int port2, uint8_t irq)
{
	uint8_t buf[32];
	struct vmm_aml res;

	vmm_aml_init(&res, buf, sizeof(buf));
	vmm_aml_res_io(&res, port, ports);
	if (port2 >= 0)
		vmm_aml_res_io(&res, (uint16_t)port2, 1);
	vmm_aml_res_irq(&res, irq);
	vmm_aml_device(a, name);
	vmm_aml_name_eisaid(a, "_HID", hid);
	vmm_aml_name_integer(a, "_UID", uid);
	vmm_aml_name_resources(a, "_CRS", &res);
	vmm_aml_end(a);
}

/*
 * A virtio-mmio window as Linux's virtio_mmio driver matches it (LNRO0005),
 * edge-triggered as the device signals (vmm_irq_raise).
 */
static void virtio_device(struct vmm_aml *a, unsigned n, uint64_t base, uint32_t gsi)
{
	char name[5] = { 'V', 'R', (char)('0' + n / 10), (char)('0' + n % 10), 0 };
	uint8_t buf[32];
	struct vmm_aml res;

	vmm_aml_init(&res, buf, sizeof(buf));
	vmm_aml_res_memory32_fixed(&res, (uint32_t)base, VMM_VIRTIO_WINDOW, 1);
	vmm_aml_res_interrupt(&res, VMM_AML_INT_CONSUMER | VMM_AML_INT_EDGE, gsi);
	vmm_aml_device(a, name);
	vmm_aml_name_string(a, "_HID", "LNRO0005");
	vmm_aml_name_integer(a, "_UID", n);
	vmm_aml_name_integer(a, "_CCA", 1);                /* DMA is cache-coherent */
	vmm_aml_name_resources(a, "_CRS", &res);
	vmm_aml_end(a);
}

static int dsdt(const struct vmm *vmm, uint8_t *t, size_t room, uint32_t *out)
{
	struct vmm_aml a;
	unsigned serials = 0;

	*out = 0;
	if (room < HEADER_SIZE)
		return -ENOSPC;
	vmm_aml_init(&a, t + HEADER_SIZE, room - HEADER_SIZE);
	vmm_aml_scope(&a, "_SB");                       /* \_SB: the DSDT is at the root */
	for (unsigned i = 0; i < vmm->machine.ndev; i++) {
		const struct vmm_device *d = &vmm->machine.dev[i];
		char com[5] = { 'C', 'O', 'M', (char)('1' + serials), 0 };

		if (isa_gsi(d->irq) < 0)
			continue;                          /* no way to the IOAPIC: not described */
		if (d->kind == VMM_DEV_SERIAL && serials < 4)
			isa_device(&a, com, "PNP0501", ++serials, d->io_base, 8, -1, d->irq);
		else if (d->kind == VMM_DEV_KBC)
			isa_device(&a, "KBD", "PNP0303", 0, d->io_base, 1, d->io_base + 4, d->irq);
		else if (d->kind == VMM_DEV_RTC)
			isa_device(&a, "RTC", "PNP0B00", 0, d->io_base, 2, -1, d->irq);
	}
	for (unsigned i = 0; i < vmm->nvirtio; i++) {
		int gsi = isa_gsi(vmm->virtio[i]->irq);
		if (gsi >= 0)
			virtio_device(&a, i, vmm->virtio[i]->base, (uint32_t)gsi);
	}
	vmm_aml_end(&a);
	if (a.err)
		return a.err;
	*out = (uint32_t)(HEADER_SIZE + a.len);
	header(t, "DSDT", *out, 2);
	finish(t, *out);
	return 0;
}

int vmm_acpi_write(struct vmm *vmm, uint64_t *rsdp_addr)
{
	uint8_t *area = vmm_gpa(vmm, ACPI_AREA, ACPI_AREA_END - ACPI_AREA);
	uint8_t *rsdp, *xsdt;
	uint32_t at = 0, len;
	uint64_t facp_addr, madt_addr;
	int err;

	*rsdp_addr = 0;
	if (!vmm->vcpus[0].lapic.present || !vmm->ioapic.present)
		return 0;
	if (!area)
		return -ENOSPC;
	memset(area, 0, ACPI_AREA_END - ACPI_AREA);
	rsdp = area;                                       /* 16-byte aligned, for kernels that scan */
	at = ACPI_ALIGN;
	xsdt = area + at;
	at += ACPI_ALIGN;

	facp_addr = ACPI_AREA + at;
	len = FADT_SIZE;                                   /* the DSDT's address is set below */
	at += (len + ACPI_ALIGN - 1) & ~(ACPI_ALIGN - 1);
	madt_addr = ACPI_AREA + at;
	len = madt(vmm, area + at);
	at += (len + ACPI_ALIGN - 1) & ~(ACPI_ALIGN - 1);
	err = dsdt(vmm, area + at, ACPI_AREA_END - ACPI_AREA - at, &len);
	if (err)
		return err;
	fadt(vmm, area + (facp_addr - ACPI_AREA), ACPI_AREA + at);

	header(xsdt, "XSDT", HEADER_SIZE + 2 * 8, 1);
	put64(xsdt + HEADER_SIZE, facp_addr);
	put64(xsdt + HEADER_SIZE + 8, madt_addr);
	finish(xsdt, HEADER_SIZE + 2 * 8);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "ARBOR ", 6);
	rsdp[15] = 2;                                      /* revision: with the XSDT */
	put32(rsdp + 16, 0);                               /* no RSDT */
	put32(rsdp + 20, RSDP_SIZE);
	put64(rsdp + 24, ACPI_AREA + ACPI_ALIGN);
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, RSDP_SIZE);
	*rsdp_addr = ACPI_AREA;
	return 0;
}
