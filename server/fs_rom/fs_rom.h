/*
 * fs_rom: a ROM server whose modules are the files of a File_system
 * session. A ROM session "x" reads the file "/x"; fs_rom watches it and
 * hands out a new version (signalling its readers) whenever it changes.
 * A missing file is an empty module until it appears.
 */
#ifndef FS_ROM_H
#define FS_ROM_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/env.h>
#include <arbor/root.h>
#include <file_system/fs_client.h>
#include <rom/rom_server.h>
#include <session/rom.h>

/* What a ROM session costs fs_rom: its state (the content is fs_rom's own). */
#define FS_ROM_SESSION_COST 2048u
/* The largest file served; a larger one is an empty module (and a warning). */
#define FS_ROM_FILE_MAX (64u * 1024 * 1024)

/* A ROM session's view of its module. */
struct rom_module {
	char name[ARBOR_ROM_NAME_MAX];
	char path[ARBOR_FS_PATH_MAX + 1];   /* "/" + name */
	struct rom_versions versions;    /* and the readers (ROM sessions) */
	struct arbor_cap *ds, *ro;       /* the content (NULL: empty), fs_rom's and the readers' */
	const unsigned char *addr;       /* fs_rom's mapping of it */
	size_t mapped, length;
	int watch;                       /* handle watching the file or its nearest directory */
	struct rom_module *next;
};

struct fs_rom {
	struct arbor_env *env;
	struct fs_connection fs;
	struct rom_module *modules;
	struct arbor_cap *empty_ro;      /* one zeroed page: the content of an empty module */
	struct arbor_root root;
	int fs_gone;                     /* the File_system server went away (logged once) */
};

/* ---- module.c ---- */

/*
 * The module named name (a path relative to the session's root, whose
 * components are valid names), read and watched if it is new. Returns 0,
 * ARBOR_E_INVALID (not such a name) or -ENOMEM.
 */
int module_get(struct fs_rom *fr, const char *name, struct rom_module **out);

/* Drop m if nobody reads it. */
void module_collect(struct fs_rom *fr, struct rom_module *m);

/* Read m's file anew; on a change of content, publish it and signal the readers. */
void module_refresh(struct fs_rom *fr, struct rom_module *m);

/* The read-only dataspace of m's content (borrowed), the empty page if none. */
struct arbor_cap *module_content(const struct fs_rom *fr, const struct rom_module *m);

/* The File_system server signalled: refresh the modules whose watch reported. */
void module_changes(struct fs_connection *fs, void *priv);

/* ---- rom_service.c ---- */

int rom_service_announce(struct fs_rom *fr);

#endif
