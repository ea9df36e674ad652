/*
 * report_rom's modules: one per report label, holding the latest report
 * as a read-only dataspace, the readers (ROM sessions) to signal when it
 * changes, and the writers (Report sessions) that may change it. A module
 * lives while it has a reader or a writer.
 */
#ifndef REPORT_ROM_REGISTRY_H
#define REPORT_ROM_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/env.h>
#include <rom/rom_server.h>
#include <session/parent.h>

/* One published report: a copy of the writer's buffer, paid from its donation. */
struct report_copy {
	struct arbor_cap *ds;              /* writeable: this server's, for free_ram */
	struct arbor_cap *ro;              /* what readers get */
	size_t length;
	const void *owner;                 /* the Report session whose donation pays for it */
};

struct rom_module {
	char name[ARBOR_LABEL_MAX];
	struct rom_versions versions;      /* and the readers (ROM sessions) */
	struct report_copy *content;       /* NULL: empty */
	unsigned writers;
	struct rom_module *next;
};

struct registry {
	struct arbor_env *env;
	struct rom_module *modules;
	struct arbor_cap *empty_ds, *empty_ro;   /* one zeroed page: the content of an empty module */
};

/* Allocate the empty page from this server's own quota. Returns 0 or a PD error. */
int registry_init(struct registry *reg, struct arbor_env *env);

/* The module named name, created empty if needed. Returns 0 or -ENOMEM. */
int registry_lookup(struct registry *reg, const char *name, struct rom_module **out);

/*
 * Drop m if nobody reads or writes it: after a lookup that was not
 * followed by a reader (rom_server_session_init()) or registry_add_writer(),
 * and after a reader or writer left.
 */
void registry_collect(struct registry *reg, struct rom_module *m);

/* Count a writer in or out; a module without readers and writers goes away. */
void registry_add_writer(struct rom_module *m);
void registry_remove_writer(struct registry *reg, struct rom_module *m);

/*
 * Store len (>= 1) bytes of data as a copy paid for by owner: a
 * dataspace of its own, so that readers holding an older version keep it
 * intact. Returns 0 or an error of the PD session (ARBOR_E_OUT_OF_RAM...).
 */
int registry_copy_new(struct registry *reg, const void *data, size_t len, const void *owner,
                      struct report_copy **out);

/*
 * Make copy (taken; NULL: empty) the module's content, free the old one
 * and signal every reader.
 */
void registry_publish(struct registry *reg, struct rom_module *m, struct report_copy *copy);

/* Empty the module if its content is owner's (the writer leaves, with its donation). */
void registry_withdraw(struct registry *reg, struct rom_module *m, const void *owner);

/* The read-only dataspace of the module's content (borrowed), the empty page if none. */
struct arbor_cap *registry_content(const struct registry *reg, const struct rom_module *m);

#endif
