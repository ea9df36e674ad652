/*
 * The ACPI tables as Linux finds them: boot_params.acpi_rsdp_addr (protocol 2.14), else the RSDP
 * on a 16-byte boundary in the BIOS area 0xE0000-0xFFFFF. Checks the RSDP's checksums, the root
 * table (the XSDT from revision 2 on, else the RSDT), each table it lists, the FADT's DSDT, and
 * that none of them lies in usable RAM of the e820 map; counts the DSDT's virtio-mmio devices.
 */
#include "lxtest.h"

#define BIOS_AREA 0xE0000ull
#define BIOS_AREA_END 0x100000ull
#define FOUR_GIB 0x100000000ull
#define HEADER_SIZE 36
#define ROOT_ENTRIES_MAX 32
#define FADT_DSDT 40
#define FADT_FLAGS 112
#define FADT_X_DSDT 140
#define FADT_HW_REDUCED (1u << 20)

static int same(const void *a, const char *b, unsigned n)
{
	const char *p = a;

	for (unsigned i = 0; i < n; i++)
		if (p[i] != b[i])
			return 0;
	return 1;
}

static uint8_t sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint64_t scan(void)
{
	for (uint64_t at = BIOS_AREA; at < BIOS_AREA_END; at += 16)
		if (same((const void *)at, "RSD PTR ", 8) && sum((const uint8_t *)at, 20) == 0)
			return at;
	return 0;
}

/* Tables are the firmware's: a usable e820 range over one would let the kernel reuse it. */
static void outside_ram(const uint8_t *bp, uint64_t addr, uint64_t len, const char *what)
{
	uint32_t entries = bp[BP_E820_ENTRIES];

	for (uint32_t i = 0; i < entries && i < BP_E820_MAX; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;
		uint64_t start = load64(e), end = start + load64(e + 8);

		if (load32(e + 16) == BP_E820_RAM && addr < end && addr + len > start)
			report_fail("acpi %s at 0x%08lx lies in usable RAM 0x%lx-0x%lx (e820)", what,
				    addr, start, end);
	}
}

/* A table's header: below 4 GiB, its length sane, its checksum right, outside RAM. */
static const uint8_t *table(const uint8_t *bp, uint64_t addr, const char *what)
{
	const uint8_t *t = (const uint8_t *)addr;
	uint32_t len;
	char sig[5];

	if (addr == 0 || addr + HEADER_SIZE > FOUR_GIB)
		report_fail("acpi %s at 0x%lx: not below 4 GiB", what, addr);
	len = load32(t + 4);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)t[i];
	sig[4] = '\0';
	if (len < HEADER_SIZE || len > (1u << 20) || addr + len > FOUR_GIB)
		report_fail("acpi %s %s at 0x%08lx: length %u", what, sig, addr, len);
	if (sum(t, len) != 0)
		report_fail("acpi %s %s at 0x%08lx: bad checksum", what, sig, addr);
	outside_ram(bp, addr, len, sig);
	return t;
}

static unsigned count(const uint8_t *p, uint32_t len, const char *needle, unsigned n)
{
	unsigned c = 0;

	for (uint32_t i = 0; i + n <= len; i++)
		c += same(p + i, needle, n);
	return c;
}

void acpi_check(const uint8_t *bp)
{
	uint64_t given = load64(bp + BP_ACPI_RSDP_ADDR), found = scan(), at = given ? given : found;
	const uint8_t *rsdp = (const uint8_t *)at, *root, *fadt = 0, *dsdt;
	char names[ROOT_ENTRIES_MAX * 5 + 1];
	unsigned n = 0, width, entries, revision;
	uint64_t dsdt_addr;

	if (!at) {
		report("acpi: none (acpi_rsdp_addr 0, no RSDP in the BIOS area)");
		return;
	}
	if (!same(rsdp, "RSD PTR ", 8) || sum(rsdp, 20) != 0)
		report_fail("acpi_rsdp_addr 0x%lx: no RSDP there (signature, checksum)", at);
	revision = rsdp[15];
	if (revision >= 2 && (load32(rsdp + 20) < 36 || sum(rsdp, load32(rsdp + 20)) != 0))
		report_fail("acpi RSDP revision %u at 0x%lx: bad length or extended checksum", revision,
			    at);
	outside_ram(bp, at, revision >= 2 ? 36 : 20, "RSDP");
	report("acpi rsdp at 0x%08lx (%s), revision %u", at,
	       !given ? "scan of the BIOS area" :
	       found == given ? "boot_params; the BIOS-area scan finds it too" :
	       "boot_params; not in the BIOS area", revision);

	if (revision >= 2 && load64(rsdp + 24)) {
		root = table(bp, load64(rsdp + 24), "XSDT");
		width = 8;
	} else {
		root = table(bp, load32(rsdp + 16), "RSDT");
		width = 4;
	}
	entries = (load32(root + 4) - HEADER_SIZE) / width;
	if (entries > ROOT_ENTRIES_MAX)
		report_fail("acpi root table lists %u tables, more than %u", entries, ROOT_ENTRIES_MAX);
	for (unsigned i = 0; i < entries; i++) {
		const uint8_t *e = root + HEADER_SIZE + i * width;
		const uint8_t *t = table(bp, width == 8 ? load64(e) : load32(e), "table");
		for (int c = 0; c < 4; c++)
			names[n++] = (char)t[c];
		names[n++] = ' ';
		if (same(t, "FACP", 4))
			fadt = t;
	}
	if (!fadt)
		report_fail("acpi: the %s lists no FACP", width == 8 ? "XSDT" : "RSDT");
	dsdt_addr = load32(fadt + 4) >= FADT_X_DSDT + 8 && load64(fadt + FADT_X_DSDT) ?
		    load64(fadt + FADT_X_DSDT) : load32(fadt + FADT_DSDT);
	dsdt = table(bp, dsdt_addr, "DSDT");
	if (!same(dsdt, "DSDT", 4))
		report_fail("acpi: the FADT's DSDT at 0x%lx is not one", dsdt_addr);
	names[n ? n - 1 : 0] = '\0';
	report("acpi %s %s, DSDT via the FADT: checksums ok, none in RAM",
	       width == 8 ? "xsdt" : "rsdt", names);
	report("acpi dsdt %u bytes: %u LNRO0005 (virtio-mmio), FADT %s", load32(dsdt + 4),
	       count(dsdt, load32(dsdt + 4), "LNRO0005", 8),
	       load32(fadt + 4) >= FADT_FLAGS + 4 && (load32(fadt + FADT_FLAGS) & FADT_HW_REDUCED) ?
	       "hardware-reduced" : "full");
}
