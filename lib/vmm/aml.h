/*
 * A small encoder of ACPI Machine Language (ACPI 6.3, chapter 20) and of
 * resource descriptors (section 6.4), as much as the VMM's DSDT needs:
 * scopes, devices, named integers, strings and EISA IDs, and resource
 * templates. It writes into a fixed buffer the caller owns; the first
 * overflow, bad name or bad nesting sets err, and every later call does
 * nothing, so a caller checks err once at the end.
 */
#ifndef VMM_AML_H
#define VMM_AML_H

#include <stddef.h>
#include <stdint.h>

#define VMM_AML_DEPTH 4

struct vmm_aml {
	uint8_t *buf;                     /* borrowed from the caller */
	size_t len, cap;
	int err;                          /* 0, -ENOSPC (buffer full), -EINVAL (name, nesting) */
	size_t open[VMM_AML_DEPTH];       /* where each open Scope's or Device's PkgLength is */
	unsigned depth;
};

/* Extended Interrupt descriptor flags (6.4.3.6); 0 is a level-triggered, active-high producer. */
#define VMM_AML_INT_CONSUMER   0x01u
#define VMM_AML_INT_EDGE       0x02u
#define VMM_AML_INT_ACTIVE_LOW 0x04u
#define VMM_AML_INT_SHARED     0x08u

void vmm_aml_init(struct vmm_aml *a, uint8_t *buf, size_t cap);

/*
 * Scope (path) { and Device (name) {, closed by vmm_aml_end. A path is a
 * name segment of one to four characters (A-Z, 0-9, _; padded with _),
 * optionally after a root prefix "\".
 */
void vmm_aml_scope(struct vmm_aml *a, const char *path);
void vmm_aml_device(struct vmm_aml *a, const char *name);
void vmm_aml_end(struct vmm_aml *a);

/* Name (name, value): an integer, a string, EisaId ("PNP0501"). */
void vmm_aml_name_integer(struct vmm_aml *a, const char *name, uint64_t value);
void vmm_aml_name_string(struct vmm_aml *a, const char *name, const char *value);
void vmm_aml_name_eisaid(struct vmm_aml *a, const char *name, const char *id);

/* Name (name, ResourceTemplate () {...}): res holds the descriptors; the end tag is added. */
void vmm_aml_name_resources(struct vmm_aml *a, const char *name, const struct vmm_aml *res);

/* Resource descriptors, appended to res. */
void vmm_aml_res_io(struct vmm_aml *res, uint16_t base, uint8_t len);     /* IO (Decode16) */
void vmm_aml_res_irq(struct vmm_aml *res, uint8_t irq);                   /* IRQNoFlags: ISA */
void vmm_aml_res_memory32_fixed(struct vmm_aml *res, uint32_t base, uint32_t len, int writable);
void vmm_aml_res_interrupt(struct vmm_aml *res, unsigned flags, uint32_t gsi);

#endif
