/*
 * lib/vmm's ACPI tables without KVM: built for (a) the default machine
 * with a virtio console and two disks and (b) a machine whose LAPIC and
 * IOAPIC sit elsewhere with other IDs and whose virtio devices have other
 * windows and lines, checked by hand (checksums, lengths, pointers, the
 * MADT's entries, each virtio device's _CRS bytes), then written to a
 * temporary directory and checked with ACPICA's own tools (Debian's
 * acpica-tools): iasl disassembles each table, the disassembly compiles
 * again without errors or warnings and says what it should, and acpiexec
 * evaluates each device's _CRS. Machines without an IOAPIC get no tables.
 * A third build, the default machine with four vCPUs, has a MADT with four
 * processors. The Linux loader's use of them (acpi_rsdp_addr, the e820
 * map around them) is checked on a minimal bzImage. TAP output; the
 * ACPICA checks are skipped when iasl or acpiexec is missing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vmm/block.h>
#include "virtio.h"
#include "../unit/tap.h"

#define MEM_SIZE   (32u << 20)
#define ACPI_AREA  0xe0000u
#define ACPI_END   0xf0000u
#define HDR        36

static void skip(const char *what, const char *why)
{
	tests++;
	printf("ok %d - %s # SKIP %s\n", tests, what, why);
}

/* A disk of 16 sectors that is never read: the tables only need the devices to exist. */
static int ram_read(void *priv, uint64_t s, void *buf, uint32_t n) { return -EIO; }
static int ram_write(void *priv, uint64_t s, const void *buf, uint32_t n) { return -EIO; }
static int ram_flush(void *priv) { return 0; }
static uint64_t ram_size(void *priv) { return 16; }
static const struct vmm_block_ops ram_ops = { ram_read, ram_write, ram_flush, ram_size };

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A VM as vm.c builds one, without KVM: guest RAM on the heap, the APICs, the virtio devices. */
static int build_cpus(struct vmm *vmm, const struct vmm_machine *m, unsigned ndisks, unsigned cpus)
{
	static const struct vmm_disk disks[2] = {
		{ .path = "ram0", .ops = &ram_ops }, { .path = "ram1", .ops = &ram_ops },
	};
	struct vmm_config cfg = { .kvm_fd = -1, .input_fd = -1, .disks = disks, .ndisks = ndisks };
	char why[256] = "";
	int err = 0;

	memset(vmm, 0, sizeof(*vmm));
	vmm->kvm = vmm->vm = vmm->input_fd = -1;
	vmm_vcpu_prepare(vmm, cpus);
	vmm->pit.timerfd = -1;
	vmm->machine = *m;
	vmm->mem_size = MEM_SIZE;
	vmm->mem = calloc(1, MEM_SIZE);
	if (!vmm->mem)
		return -ENOMEM;
	for (unsigned i = 0; i < m->ndev && !err; i++) {
		const struct vmm_device *d = &m->dev[i];
		if (d->kind == VMM_DEV_LAPIC)
			err = vmm_lapic_init(vmm, d->mem_base, d->apic_id);
		else if (d->kind == VMM_DEV_IOAPIC)
			err = vmm_ioapic_init(vmm, d->mem_base, d->apic_id);
	}
	if (!err)
		err = vmm_virtio_machine_create(vmm, &cfg, why, sizeof(why));
	if (err)
		printf("# cannot build the VM: %s %s\n", strerror(-err), why);
	return err;
}

static int build(struct vmm *vmm, const struct vmm_machine *m, unsigned ndisks)
{
	return build_cpus(vmm, m, ndisks, 1);
}

static void unbuild(struct vmm *vmm)
{
	vmm_virtio_free_all(vmm);
	vmm_lapic_fini(vmm);
	free(vmm->mem);
}

/* A table at gpa inside the area with its signature, length and checksum right; or NULL. */
static const uint8_t *table(struct vmm *vmm, uint64_t gpa, const char *sig)
{
	const uint8_t *t = vmm->mem + gpa;
	uint32_t len;

	if (gpa < ACPI_AREA || gpa + HDR > ACPI_END || memcmp(t, sig, 4))
		return NULL;
	len = get32(t + 4);
	if (len < HDR || gpa + len > ACPI_END || sum(t, len) != 0)
		return NULL;
	return t;
}

/* How often needle occurs in hay. */
static unsigned count(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
	unsigned c = 0;

	for (size_t i = 0; i + n <= len; i++)
		c += !memcmp(hay + i, needle, n);
	return c;
}

/* What a machine's tables must say. */
struct expect {
	const char *name;
	unsigned cpus;                 /* 0: 1; LAPIC IDs lapic_id, lapic_id + 1, ... */
	uint8_t lapic_id, ioapic_id;
	uint32_t ioapic_base;
	unsigned nvirtio;
	uint32_t virtio_base[4];
	uint32_t virtio_gsi[4];
};

struct tables {
	uint64_t rsdp, xsdt, facp, apic, dsdt;
};

static void check_rsdp_xsdt(struct vmm *vmm, uint64_t rsdp, struct tables *t, const char *name)
{
	const uint8_t *r = vmm->mem + rsdp, *x;

	memset(t, 0, sizeof(*t));
	t->rsdp = rsdp;
	ok(rsdp >= ACPI_AREA && rsdp + 36 <= ACPI_END && rsdp % 16 == 0,
	   "%s: the RSDP at 0x%llx, 16-byte aligned in the BIOS area", name, (unsigned long long)rsdp);
	if (rsdp < ACPI_AREA || rsdp + 36 > ACPI_END)
		return;
	ok(!memcmp(r, "RSD PTR ", 8) && sum(r, 20) == 0 && r[15] == 2 && get32(r + 20) == 36 &&
	   sum(r, 36) == 0, "%s: RSDP signature, revision 2, length 36, both checksums", name);
	t->xsdt = get64(r + 24);
	x = table(vmm, t->xsdt, "XSDT");
	ok(x && get32(x + 4) == HDR + 16 && x[8] == 1,
	   "%s: the XSDT at 0x%llx: checksum, two entries", name, (unsigned long long)t->xsdt);
	if (!x)
		return;
	t->facp = get64(x + HDR);
	t->apic = get64(x + HDR + 8);
	ok(table(vmm, t->facp, "FACP") && table(vmm, t->apic, "APIC"),
	   "%s: the XSDT lists a FACP and an APIC with valid checksums", name);
}

static void check_fadt(struct vmm *vmm, struct tables *t, const char *name)
{
	const uint8_t *f = table(vmm, t->facp, "FACP");

	if (!f) {
		ok(0, "%s: no FADT", name);
		return;
	}
	ok(get32(f + 4) == 276 && f[8] == 6 && f[131] == 3, "%s: FADT revision 6.3, 276 bytes", name);
	ok(get32(f + 112) == ((1u << 20) | (1u << 10)),
	   "%s: FADT flags HW_REDUCED_ACPI and RESET_REG_SUP (0x%x)", name, get32(f + 112));
	ok(get16(f + 109) == 0x000f, "%s: IA-PC boot flags legacy devices, 8042, no VGA, no MSI (0x%x)",
	   name, get16(f + 109));
	ok(f[116] == 1 && f[117] == 8 && f[119] == 1 && get64(f + 120) == 0x64 && f[128] == 0xfe,
	   "%s: the reset register is the i8042's command port 0x64 taking 0xfe", name);
	ok(get32(f + 36) == 0 && get32(f + 40) == 0 && get32(f + 56) == 0 && get32(f + 64) == 0 &&
	   get32(f + 76) == 0 && get16(f + 46) == 0 && f[108] == 0x32,
	   "%s: no FACS, PM1 blocks, PM timer or SCI; RTC century at 0x32", name);
	t->dsdt = get64(f + 140);
	ok(table(vmm, t->dsdt, "DSDT") != NULL, "%s: X_DSDT 0x%llx is a DSDT with a valid checksum",
	   name, (unsigned long long)t->dsdt);
}

static void check_madt(struct vmm *vmm, const struct tables *t, const struct expect *e)
{
	const uint8_t *m = table(vmm, t->apic, "APIC"), *p, *end;
	unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0, bad = 0;
	unsigned cpus = e->cpus ? e->cpus : 1;

	if (!m) {
		ok(0, "%s: no MADT", e->name);
		return;
	}
	ok(get32(m + 36) == VMM_LAPIC_BASE && get32(m + 40) == 1,
	   "%s: MADT: the LAPIC at 0xfee00000, PCAT_COMPAT for the 8259s", e->name);
	end = m + get32(m + 4);
	for (p = m + 44; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		switch (p[0]) {
		case 0:                                /* processor UID n, the BSP first */
			bad += p[1] != 8 || p[2] != lapics || p[3] != e->lapic_id + lapics ||
			       get32(p + 4) != 1;
			lapics++;
			break;
		case 1:
			ioapics++;
			bad += p[1] != 12 || p[2] != e->ioapic_id || get32(p + 4) != e->ioapic_base ||
			       get32(p + 8) != 0;
			break;
		case 2:
			overrides++;
			bad += p[1] != 10 || p[2] != 0 || p[3] != 0 || get32(p + 4) != 2 || get16(p + 8);
			break;
		case 4:
			nmis++;
			bad += p[1] != 6 || p[2] != 0xff || p[5] != 1;
			break;
		default:
			bad++;
		}
	}
	ok(p == end && !bad && lapics == cpus && ioapics == 1 && overrides == 1 && nmis == 1,
	   "%s: MADT entries: %u LAPIC(s) from ID %u, IOAPIC %u at 0x%x GSI base 0, IRQ 0 -> GSI 2, "
	   "LINT1 NMI", e->name, cpus, e->lapic_id, e->ioapic_id, e->ioapic_base);
}

static void check_dsdt(struct vmm *vmm, const struct tables *t, const struct expect *e)
{
	const uint8_t *d = table(vmm, t->dsdt, "DSDT");
	uint32_t len = d ? get32(d + 4) : 0;
	int all = 1;

	if (!d) {
		ok(0, "%s: no DSDT", e->name);
		return;
	}
	ok(count(d, len, "LNRO0005", 9) == e->nvirtio, "%s: DSDT: %u LNRO0005 devices", e->name,
	   e->nvirtio);
	/* Memory32Fixed (ReadWrite, base, 0x1000), Interrupt (ResourceConsumer, Edge, ...) {gsi} */
	for (unsigned i = 0; i < e->nvirtio; i++) {
		uint8_t crs[21] = { 0x86, 9, 0, 1 };
		memcpy(crs + 4, &e->virtio_base[i], 4);
		memcpy(crs + 8, &(uint32_t){ VMM_VIRTIO_WINDOW }, 4);
		crs[12] = 0x89;
		crs[13] = 6;
		crs[15] = 0x03;
		crs[16] = 1;
		memcpy(crs + 17, &e->virtio_gsi[i], 4);
		all &= count(d, len, crs, sizeof(crs)) == 1;
	}
	ok(all, "%s: DSDT: each virtio device's _CRS: its window and its GSI, edge", e->name);
	ok(count(d, len, "COM1", 4) == 1 && count(d, len, "KBD_", 4) == 1 &&
	   count(d, len, "RTC_", 4) == 1,
	   "%s: DSDT: the 16550, the i8042 and the RTC with their ISA lines", e->name);
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	return fclose(f) || rc ? -1 : 0;
}

/* Each table as a file of its own (what acpixtract would make of an acpidump). */
static int dump(struct vmm *vmm, const struct tables *t, const char *dir)
{
	const uint64_t at[] = { t->facp, t->apic, t->dsdt, t->xsdt };
	const char *names[] = { "facp.dat", "apic.dat", "dsdt.dat", "xsdt.dat" };
	int err = write_file(dir, "rsdp.dat", vmm->mem + t->rsdp, 36);

	for (unsigned i = 0; i < 4 && !err; i++)
		err = write_file(dir, names[i], vmm->mem + at[i], get32(vmm->mem + at[i] + 4));
	return err;
}

/* "[034h 0052   1]": the offsets iasl puts before each field of a data table. */
static size_t offset_prefix(const char *p)
{
	const char *q = p + 1;

	if (*p != '[')
		return 0;
	while ((*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'F'))
		q++;
	if (q == p + 1 || *q++ != 'h')
		return 0;
	while (*q == ' ' || (*q >= '0' && *q <= '9'))
		q++;
	return *q == ']' ? (size_t)(q + 1 - p) : 0;
}

/* The text of a file, whitespace runs made one space, // comments and field offsets dropped. */
static char *slurp_normalized(const char *dir, const char *name)
{
	char path[512], *raw, *out;
	FILE *f;
	size_t len, n = 0;
	int space = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	raw = f ? calloc(1, 1 << 20) : NULL;
	out = raw ? malloc(1 << 20) : NULL;
	len = out ? fread(raw, 1, (1 << 20) - 1, f) : 0;
	if (f)
		fclose(f);
	if (!out) {
		free(raw);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		char c = raw[i];
		size_t skip = offset_prefix(raw + i);
		if (c == '/' && raw[i + 1] == '/') {
			while (i + 1 < len && raw[i + 1] != '\n')
				i++;
			space = 1;
		} else if (skip) {
			i += skip - 1;
			space = 1;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = 1;
		} else {
			if (space && n)
				out[n++] = ' ';
			space = 0;
			out[n++] = c;
		}
	}
	out[n] = '\0';
	free(raw);
	return out;
}

static unsigned occurs(const char *hay, const char *needle)
{
	unsigned c = 0;

	for (const char *p = hay; hay && (p = strstr(p, needle)); p++)
		c++;
	return c;
}

/* A shell command in dir, its output to log; its exit status. */
static int run(const char *dir, const char *log, const char *cmd)
{
	char line[2048];
	int rc;

	snprintf(line, sizeof(line), "cd '%s' && %s >%s 2>&1", dir, cmd, log);
	rc = system(line);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Bytes 36 on (the header names the compiler) of two files the same. */
static int same_body(const char *dir, const char *a, const char *b)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "cmp -s -i 36 %s %s", a, b);
	return run(dir, "/dev/null", cmd) == 0;
}

static void check_iasl(const struct expect *e, const struct tables *t, const char *dir)
{
	static const char *const names[] = { "facp", "apic", "xsdt", "dsdt" };
	char want[256], *text;
	int good = 1;

	ok(run(dir, "iasl-d.log", "iasl -d facp.dat apic.dat xsdt.dat dsdt.dat") == 0,
	   "%s: iasl -d disassembles FACP, APIC, XSDT and DSDT", e->name);
	/* the disassembly compiles again, to the very same tables */
	for (unsigned i = 0; i < 4; i++) {
		char cmd[128], log[32], dat[32], aml[32];
		snprintf(cmd, sizeof(cmd), "mkdir -p re && iasl -p re/%s %s.dsl", names[i], names[i]);
		snprintf(log, sizeof(log), "iasl-%s.log", names[i]);
		snprintf(dat, sizeof(dat), "%s.dat", names[i]);
		snprintf(aml, sizeof(aml), "re/%s.aml", names[i]);
		text = run(dir, log, cmd) == 0 ? slurp_normalized(dir, log) : NULL;
		ok(text && strstr(text, "Compilation successful. 0 Errors, 0 Warnings, 0 Remarks") &&
		   same_body(dir, dat, aml),
		   "%s: %s.dsl compiles with 0 errors, 0 warnings, 0 remarks to the same bytes",
		   e->name, names[i]);
		free(text);
	}

	text = slurp_normalized(dir, "dsdt.dsl");
	ok(occurs(text, "Name (_HID, \"LNRO0005\")") == e->nvirtio,
	   "%s: dsdt.dsl: %u devices Name (_HID, \"LNRO0005\")", e->name, e->nvirtio);
	for (unsigned i = 0; i < e->nvirtio; i++) {
		snprintf(want, sizeof(want), "Memory32Fixed (ReadWrite, 0x%08X, 0x00001000, ) "
		         "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) { 0x%08X, }",
		         e->virtio_base[i], e->virtio_gsi[i]);
		good &= occurs(text, want) == 1;
	}
	ok(good, "%s: dsdt.dsl: each _CRS is Memory32Fixed (ReadWrite, window, 0x1000) and "
	   "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {GSI}", e->name);
	ok(text && strstr(text, "Name (_HID, EisaId (\"PNP0501\")") &&
	   strstr(text, "IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08, ) IRQNoFlags () {4}") &&
	   strstr(text, "Name (_HID, EisaId (\"PNP0303\")") &&
	   strstr(text, "Name (_HID, EisaId (\"PNP0B00\")"),
	   "%s: dsdt.dsl: COM1 (PNP0501) at 0x3F8 on IRQ 4, the i8042 (PNP0303), the RTC (PNP0B00)",
	   e->name);
	free(text);

	text = slurp_normalized(dir, "apic.dsl");
	snprintf(want, sizeof(want), "Subtable Type : 01 [I/O APIC] Length : 0C I/O Apic ID : %02X "
	         "Reserved : 00 Address : %08X Interrupt : 00000000", e->ioapic_id, e->ioapic_base);
	ok(text && strstr(text, "Local Apic Address : FEE00000") &&
	   strstr(text, "PC-AT Compatibility : 1") && strstr(text, want) &&
	   strstr(text, "[Interrupt Source Override] Length : 0A Bus : 00 Source : 00 "
	          "Interrupt : 00000002") &&
	   strstr(text, "[Local APIC NMI] Length : 06 Processor ID : FF") &&
	   strstr(text, "Interrupt Input LINT : 01"),
	   "%s: apic.dsl: the LAPIC, IOAPIC %u at 0x%X, IRQ 0 -> GSI 2, LINT1 NMI", e->name,
	   e->ioapic_id, e->ioapic_base);
	good = 1;
	for (unsigned i = 0; i < (e->cpus ? e->cpus : 1); i++) {
		snprintf(want, sizeof(want), "[Processor Local APIC] Length : 08 Processor ID : %02X "
		         "Local Apic ID : %02X Flags (decoded below) : 00000001 Processor Enabled : 1",
		         i, e->lapic_id + i);
		good &= text && strstr(text, want);
	}
	ok(good && occurs(text, "[Processor Local APIC]") == (e->cpus ? e->cpus : 1),
	   "%s: apic.dsl: %u processor(s) from LAPIC ID %u, enabled", e->name,
	   e->cpus ? e->cpus : 1, e->lapic_id);
	free(text);

	text = slurp_normalized(dir, "facp.dsl");
	snprintf(want, sizeof(want), "DSDT Address : %016llX", (unsigned long long)t->dsdt);
	ok(text && strstr(text, "Hardware Reduced (V5) : 1") &&
	   strstr(text, "8042 Present on ports 60/64 (V2) : 1") &&
	   strstr(text, "VGA Not Present (V4) : 1") && strstr(text, "CMOS RTC Not Present (V5) : 0") &&
	   strstr(text, "Reset Register Supported (V2) : 1") &&
	   strstr(text, "Value to cause reset : FE") && strstr(text, want),
	   "%s: facp.dsl: hardware reduced, 8042, no VGA, an RTC, the reset register, X_DSDT",
	   e->name);
	free(text);
}

/* acpiexec loads the tables and decodes each device's _CRS with ACPICA's resource manager. */
static void check_acpiexec(const struct expect *e, const char *dir)
{
	char cmd[1024] = "acpiexec -b '", want[512], *text;
	int good = 1;

	for (unsigned i = 0; i < e->nvirtio; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "resources \\_SB.VR%02u; ", i);
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "' facp.dat apic.dat dsdt.dat");
	text = run(dir, "acpiexec.log", cmd) == 0 ? slurp_normalized(dir, "acpiexec.log") : NULL;
	ok(text && strstr(text, "ACPI: 1 ACPI AML tables successfully acquired and loaded") &&
	   !strstr(text, "Exception") && !strstr(text, "AE_AML") && !strstr(text, "Error"),
	   "%s: acpiexec loads FACP, APIC and DSDT without an exception", e->name);
	for (unsigned i = 0; text && i < e->nvirtio; i++) {
		snprintf(want, sizeof(want), "Device: \\_SB.VR%02u Evaluating _CRS", i);
		const char *dev = strstr(text, want);
		snprintf(want, sizeof(want), "[00] 32-Bit Fixed Memory Range Resource Write Protect : "
		         "ReadWrite Address : %08X Address Length : 00001000 [01] Extended IRQ Resource "
		         "Type : ResourceConsumer Triggering : Edge Polarity : ActiveHigh Sharing : "
		         "Exclusive Resource Source Index : 00 Resource Source : [Not Specified] "
		         "Interrupt Count : 01 Dword00 : %08X [02] EndTag Resource",
		         e->virtio_base[i], e->virtio_gsi[i]);
		good &= dev && strstr(dev, want);
	}
	ok(text && good, "%s: acpiexec: each \\_SB.VRnn._CRS decodes to its window and GSI, edge",
	   e->name);
	free(text);
}

static void check_machine(struct vmm *vmm, const struct expect *e, const char *dir, int iasl,
                          int acpiexec)
{
	struct tables t;
	uint64_t rsdp = 1;
	int err = vmm_acpi_write(vmm, &rsdp), dumped;

	ok(err == 0 && rsdp, "%s: tables written (%d)", e->name, err);
	if (err || !rsdp)
		return;
	check_rsdp_xsdt(vmm, rsdp, &t, e->name);
	check_fadt(vmm, &t, e->name);
	check_madt(vmm, &t, e);
	check_dsdt(vmm, &t, e);
	dumped = dir && dump(vmm, &t, dir) == 0;
	ok(dumped, "%s: tables written to %s", e->name, dir ? dir : "-");
	if (!iasl)
		skip("iasl's checks", "iasl is not installed (Debian: acpica-tools)");
	else if (dumped)
		check_iasl(e, &t, dir);
	if (!acpiexec)
		skip("acpiexec's checks", "acpiexec is not installed (Debian: acpica-tools)");
	else if (dumped)
		check_acpiexec(e, dir);
}

static int parse(const char *xml, struct vmm_machine *m)
{
	char why[256];
	int err = vmm_machine_parse(xml, strlen(xml), "test", m, why, sizeof(why));

	if (err)
		printf("# %s\n", why);
	return err;
}

/* Machines without an IOAPIC get no tables, and the area stays as it was. */
static void check_none(const char *name, const char *xml)
{
	static struct vmm vmm;
	struct vmm_machine m;
	uint64_t rsdp = 1;
	int built = parse(xml, &m) == 0 && build(&vmm, &m, 0) == 0;

	ok(built && vmm_acpi_write(&vmm, &rsdp) == 0 && rsdp == 0 &&
	   count(vmm.mem + ACPI_AREA, ACPI_END - ACPI_AREA, "RSD PTR ", 8) == 0,
	   "%s: no ACPI tables (Linux would bypass the 8259s and find no IOAPIC)", name);
	if (built)
		unbuild(&vmm);
}

/*
 * The Linux loader on a minimal bzImage (boot protocol 2.15, 64-bit entry):
 * acpi_rsdp_addr in the zero page, and an e820 map that keeps the tables
 * out of RAM even where a <mem> range covers the BIOS area. vCPU setup
 * fails without KVM, after the zero page is written.
 */
static void check_loader(const char *name, const struct vmm_machine *m, const uint64_t *e820,
                         unsigned entries)
{
	static struct vmm vmm;
	static uint8_t image[0x2000];
	struct vmm_config cfg = { .kvm_fd = -1, .input_fd = -1 };
	const uint8_t *zp;
	int good;

	memset(image, 0, sizeof(image));
	image[0x1f1] = 1;                                  /* setup_sects */
	memcpy(image + 0x1fe, "\x55\xaa", 2);
	image[0x200] = 0xeb;
	image[0x201] = 0x6a;                               /* the header ends at 0x26c */
	memcpy(image + 0x202, "HdrS", 4);
	memcpy(image + 0x206, "\x0f\x02", 2);              /* 2.15 */
	image[0x236] = 1;                                  /* XLF_KERNEL_64 */
	if (build(&vmm, m, 0)) {
		ok(0, "%s: builds", name);
		return;
	}
	vmm_linux_load(&vmm, &cfg, image, sizeof(image));
	zp = vmm.mem + 0x7000;
	ok(get64(zp + 0x070) == ACPI_AREA && !memcmp(vmm.mem + ACPI_AREA, "RSD PTR ", 8),
	   "%s: the loader sets boot_params.acpi_rsdp_addr to the RSDP", name);
	good = zp[0x1e8] == entries;
	for (unsigned i = 0; good && i < entries; i++) {
		const uint8_t *x = zp + 0x2d0 + 20 * i;
		good = get64(x) == e820[3 * i] && get64(x + 8) == e820[3 * i + 1] &&
		       get32(x + 16) == e820[3 * i + 2];
	}
	ok(good, "%s: e820: %u entries, the BIOS area with the tables reserved", name, entries);
	unbuild(&vmm);
}

static const char apics_elsewhere[] =
	"<machine><mem start=\"0\" end=\"0x9fc00\"/><mem start=\"0x100000\" end=\"0x2000000\"/>"
	"<pic io_base=\"0x20\" elcr_base=\"0x4d0\"/><pic io_base=\"0xa0\" irq=\"2\" elcr_base=\"0x4d1\"/>"
	"<pit io_base=\"0x40\" irq=\"0\"/><kbc io_base=\"0x60\" irq_kbd=\"1\"/>"
	"<rtc io_base=\"0x70\" irq=\"8\"/><serial io_base=\"0x3f8\" irq=\"4\"/>"
	"<ioapic address=\"0xfec10000\" id=\"2\"/><lapic id=\"3\"/><vcpu/>"
	"<virtio_block mem_base=\"0xfeb06000\" irq=\"7\"/>"
	"<virtio_console mem_base=\"0xfeb04000\" irq=\"15\"/>"
	/* on the cascade: no way to the IOAPIC, so not in the DSDT */
	"<virtio_console mem_base=\"0xfeb07000\" irq=\"2\"/></machine>";

static const char pic_only[] =
	"<machine><mem start=\"0\" end=\"0x9fc00\"/><mem start=\"0x100000\" end=\"0x2000000\"/>"
	"<pic io_base=\"0x20\"/><pic io_base=\"0xa0\" irq=\"2\"/><pit/><serial/><vcpu/>"
	"<virtio_console/></machine>";

static const char lapic_only[] =
	"<machine><mem start=\"0\" end=\"0x9fc00\"/><mem start=\"0x100000\" end=\"0x2000000\"/>"
	"<pic io_base=\"0x20\"/><pic io_base=\"0xa0\" irq=\"2\"/><pit/><serial/><lapic/><vcpu/>"
	"<virtio_console/></machine>";

static const char one_range[] =
	"<machine><mem start=\"0\" end=\"0x2000000\"/><pic io_base=\"0x20\"/>"
	"<pic io_base=\"0xa0\" irq=\"2\"/><kbc/><ioapic/><lapic/><vcpu/></machine>";

int main(void)
{
	static struct vmm vmm;
	struct vmm_machine m;
	char tmpl[] = "/tmp/test_acpi.XXXXXX", *tmp = mkdtemp(tmpl), dir[600];
	int iasl = system("command -v iasl >/dev/null 2>&1") == 0;
	int acpiexec = system("command -v acpiexec >/dev/null 2>&1") == 0;
	const struct expect def = {
		.name = "default machine", .lapic_id = 0, .ioapic_id = VMM_IOAPIC_ID,
		.ioapic_base = VMM_IOAPIC_BASE, .nvirtio = 3,
		.virtio_base = { 0xfeb00000, 0xfeb01000, 0xfeb02000 }, .virtio_gsi = { 5, 10, 11 },
	};
	const struct expect other = {
		.name = "APICs elsewhere", .lapic_id = 3, .ioapic_id = 2, .ioapic_base = 0xfec10000,
		.nvirtio = 2, .virtio_base = { 0xfeb06000, 0xfeb04000 }, .virtio_gsi = { 7, 15 },
	};
	struct expect smp = def;
	const uint64_t e820_default[] = {
		0, 0x9fc00, 1, 0x9fc00, 0x100000 - 0x9fc00, 2, 0x100000, MEM_SIZE - 0x100000, 1,
	};
	const uint64_t e820_one_range[] = {
		0, ACPI_AREA, 1, ACPI_AREA, 0x100000 - ACPI_AREA, 2, 0x100000, MEM_SIZE - 0x100000, 1,
	};

	smp.name = "default machine, 4 vCPUs";
	smp.cpus = 4;

	/* (a) the default machine: a console and two disks */
	vmm_machine_default(&m, MEM_SIZE);
	snprintf(dir, sizeof(dir), "%s/default", tmp ? tmp : "/nonexistent");
	if (build(&vmm, &m, 2) == 0)
		check_machine(&vmm, &def, tmp && mkdir(dir, 0700) == 0 ? dir : NULL, iasl, acpiexec);
	else
		ok(0, "the default machine builds");
	unbuild(&vmm);

	/* (b) LAPIC ID 3, IOAPIC ID 2 at 0xfec10000, virtio devices in other windows and lines */
	snprintf(dir, sizeof(dir), "%s/other", tmp ? tmp : "/nonexistent");
	if (parse(apics_elsewhere, &m) == 0 && build(&vmm, &m, 1) == 0)
		check_machine(&vmm, &other, tmp && mkdir(dir, 0700) == 0 ? dir : NULL, iasl, acpiexec);
	else
		ok(0, "the machine with its APICs elsewhere builds");
	unbuild(&vmm);

	/* (c) the default machine with four vCPUs: four processors in the MADT */
	vmm_machine_default(&m, MEM_SIZE);
	snprintf(dir, sizeof(dir), "%s/smp", tmp ? tmp : "/nonexistent");
	if (build_cpus(&vmm, &m, 2, 4) == 0)
		check_machine(&vmm, &smp, tmp && mkdir(dir, 0700) == 0 ? dir : NULL, iasl, acpiexec);
	else
		ok(0, "the default machine with four vCPUs builds");
	unbuild(&vmm);

	check_none("PICs only", pic_only);
	check_none("a LAPIC without an IOAPIC", lapic_only);

	vmm_machine_default(&m, MEM_SIZE);
	check_loader("default machine", &m, e820_default, 3);
	if (parse(one_range, &m) == 0)
		check_loader("one <mem> range over the BIOS area", &m, e820_one_range, 3);
	else
		ok(0, "the one-range machine parses");

	if (tmp && !failed) {
		char cmd[64];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			printf("# cannot remove %s\n", tmp);
	} else if (tmp) {
		printf("# the tables and tool logs are kept in %s\n", tmp);
	}
	return done_testing();
}
