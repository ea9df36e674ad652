/*
 * The AML encoder of aml.h: opcodes and encodings from ACPI 6.3 section
 * 20.2, resource descriptors from section 6.4. A Scope's or Device's
 * PkgLength is only known at its end, so four bytes are held for it and
 * the contents moved back once its shortest encoding is known.
 */
#include <errno.h>
#include <string.h>
#include "aml.h"

#define AML_ZERO        0x00
#define AML_ONE         0x01
#define AML_NAME        0x08
#define AML_BYTE        0x0a
#define AML_WORD        0x0b
#define AML_DWORD       0x0c
#define AML_STRING      0x0d
#define AML_QWORD       0x0e
#define AML_SCOPE       0x10
#define AML_BUFFER      0x11
#define AML_EXT         0x5b
#define AML_EXT_DEVICE  0x82
#define AML_ROOT        0x5c

/* Resource descriptor tags: small items carry their length in the tag byte. */
#define RES_IRQ_NOFLAGS 0x22          /* type 0x04, 2 bytes */
#define RES_IO          0x47          /* type 0x08, 7 bytes */
#define RES_END         0x79          /* type 0x0f, 1 byte */
#define RES_MEMORY32_FIXED 0x86
#define RES_INTERRUPT   0x89

#define PKG_MAX ((1u << 28) - 1)

void vmm_aml_init(struct vmm_aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

static void emit(struct vmm_aml *a, const void *data, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		a->err = -ENOSPC;
		return;
	}
	memcpy(a->buf + a->len, data, n);
	a->len += n;
}

static void byte(struct vmm_aml *a, uint8_t b)
{
	emit(a, &b, 1);
}

static void le(struct vmm_aml *a, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		byte(a, (uint8_t)(v >> (8 * i)));
}

/* The shortest PkgLength for contents of len bytes: it counts itself (20.2.4). */
static unsigned pkg_size(size_t len)
{
	if (len + 1 < 0x40)
		return 1;
	if (len + 2 < 0x1000)
		return 2;
	return len + 3 < 0x100000 ? 3 : 4;
}

static void pkg_encode(uint8_t *p, size_t len, unsigned size)
{
	size_t total = len + size;

	if (size == 1) {
		p[0] = (uint8_t)total;
		return;
	}
	p[0] = (uint8_t)(((size - 1) << 6) | (total & 0x0f));
	for (unsigned i = 1; i < size; i++)
		p[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
}

static void pkg_length(struct vmm_aml *a, size_t len)
{
	uint8_t p[4];
	unsigned size = pkg_size(len);

	if (len > PKG_MAX - 4) {
		a->err = a->err ? a->err : -ENOSPC;
		return;
	}
	pkg_encode(p, len, size);
	emit(a, p, size);
}

/* A NameSeg: one to four name characters, a letter or _ first, padded with _. */
static void name_seg(struct vmm_aml *a, const char *name)
{
	size_t n = strlen(name);
	uint8_t seg[4] = { '_', '_', '_', '_' };

	if (a->err)
		return;
	if (n < 1 || n > 4 || !((name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_')) {
		a->err = -EINVAL;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
			a->err = -EINVAL;
			return;
		}
		seg[i] = (uint8_t)c;
	}
	emit(a, seg, 4);
}

static void open_package(struct vmm_aml *a)
{
	if (a->err)
		return;
	if (a->depth == VMM_AML_DEPTH) {
		a->err = -EINVAL;
		return;
	}
	a->open[a->depth++] = a->len;
	le(a, 0, 4);                      /* the PkgLength's room, shrunk by vmm_aml_end */
}

void vmm_aml_scope(struct vmm_aml *a, const char *path)
{
	byte(a, AML_SCOPE);
	open_package(a);
	if (path[0] == '\\') {
		byte(a, AML_ROOT);
		path++;
	}
	name_seg(a, path);
}

void vmm_aml_device(struct vmm_aml *a, const char *name)
{
	byte(a, AML_EXT);
	byte(a, AML_EXT_DEVICE);
	open_package(a);
	name_seg(a, name);
}

void vmm_aml_end(struct vmm_aml *a)
{
	size_t at, len;
	unsigned size;

	if (a->err)
		return;
	if (!a->depth) {
		a->err = -EINVAL;
		return;
	}
	at = a->open[--a->depth];
	len = a->len - at - 4;
	if (len > PKG_MAX - 4) {
		a->err = -ENOSPC;
		return;
	}
	size = pkg_size(len);
	pkg_encode(a->buf + at, len, size);
	memmove(a->buf + at + size, a->buf + at + 4, len);
	a->len -= 4 - size;
}

static void integer(struct vmm_aml *a, uint64_t v)
{
	if (v <= 1) {
		byte(a, v ? AML_ONE : AML_ZERO);
	} else if (v <= 0xff) {
		byte(a, AML_BYTE);
		le(a, v, 1);
	} else if (v <= 0xffff) {
		byte(a, AML_WORD);
		le(a, v, 2);
	} else if (v <= 0xffffffffu) {
		byte(a, AML_DWORD);
		le(a, v, 4);
	} else {
		byte(a, AML_QWORD);
		le(a, v, 8);
	}
}

void vmm_aml_name_integer(struct vmm_aml *a, const char *name, uint64_t value)
{
	byte(a, AML_NAME);
	name_seg(a, name);
	integer(a, value);
}

void vmm_aml_name_string(struct vmm_aml *a, const char *name, const char *value)
{
	byte(a, AML_NAME);
	name_seg(a, name);
	byte(a, AML_STRING);
	for (const char *c = value; *c; c++) {
		if ((unsigned char)*c > 0x7f) {
			a->err = a->err ? a->err : -EINVAL;
			return;
		}
	}
	emit(a, value, strlen(value) + 1);
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "PNP0501": three letters compressed to 5 bits each, then four hex digits, big-endian. */
void vmm_aml_name_eisaid(struct vmm_aml *a, const char *name, const char *id)
{
	uint32_t v = 0;

	if (strlen(id) != 7) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			a->err = a->err ? a->err : -EINVAL;
			return;
		}
		v = v << 5 | (uint32_t)(id[i] - 0x40);
	}
	for (int i = 3; i < 7; i++) {
		if (hex(id[i]) < 0) {
			a->err = a->err ? a->err : -EINVAL;
			return;
		}
		v = v << 4 | (uint32_t)hex(id[i]);
	}
	/* the 31 bits big-endian in memory: the integer is their byte swap */
	vmm_aml_name_integer(a, name, __builtin_bswap32(v));
}

void vmm_aml_name_resources(struct vmm_aml *a, const char *name, const struct vmm_aml *res)
{
	size_t bytes = res->len + 2;      /* the descriptors and the end tag */
	uint8_t size[9];
	struct vmm_aml s;

	if (res->err) {
		a->err = a->err ? a->err : res->err;
		return;
	}
	vmm_aml_init(&s, size, sizeof(size));
	integer(&s, bytes);               /* BufferSize */
	byte(a, AML_NAME);
	name_seg(a, name);
	byte(a, AML_BUFFER);
	pkg_length(a, s.len + bytes);
	emit(a, size, s.len);
	emit(a, res->buf, res->len);
	byte(a, RES_END);
	byte(a, 0);                       /* checksum 0: "treat as correct" */
}

void vmm_aml_res_io(struct vmm_aml *res, uint16_t base, uint8_t len)
{
	byte(res, RES_IO);
	byte(res, 0x01);                  /* decodes 16 address bits */
	le(res, base, 2);                 /* minimum */
	le(res, base, 2);                 /* maximum: fixed */
	byte(res, 1);                     /* alignment */
	byte(res, len);
}

void vmm_aml_res_irq(struct vmm_aml *res, uint8_t irq)
{
	if (irq > 15) {
		res->err = res->err ? res->err : -EINVAL;
		return;
	}
	byte(res, RES_IRQ_NOFLAGS);
	le(res, 1u << irq, 2);
}

void vmm_aml_res_memory32_fixed(struct vmm_aml *res, uint32_t base, uint32_t len, int writable)
{
	byte(res, RES_MEMORY32_FIXED);
	le(res, 9, 2);
	byte(res, writable ? 1 : 0);
	le(res, base, 4);
	le(res, len, 4);
}

void vmm_aml_res_interrupt(struct vmm_aml *res, unsigned flags, uint32_t gsi)
{
	byte(res, RES_INTERRUPT);
	le(res, 6, 2);                    /* flags, count and one interrupt; no resource source */
	byte(res, (uint8_t)(flags & 0x0f));
	byte(res, 1);
	le(res, gsi, 4);
}
