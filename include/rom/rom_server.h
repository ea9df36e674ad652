/*
 * The server side of ROM modules whose content changes (lib/rom): the
 * versions of a module and its readers, and the ROM session
 * (session/rom.h) each reader has. A reader is signalled when it
 * registers a context (as Genode's ROM servers do: a new handler looks at
 * the content right away) and on every new version, and learns from
 * UPDATE whether the content changed since its last DATASPACE. Shared by
 * report_rom (reports) and fs_rom (files); the server keeps the content.
 */
#ifndef ROM_ROM_SERVER_H
#define ROM_ROM_SERVER_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/entrypoint.h>
#include <arbor/rpc.h>
#include <session/parent.h>

/* A ROM session's view of its module; embedded in the session. */
struct rom_reader {
	struct arbor_cap *sigh;            /* NULL: not signalled */
	uint64_t fetched;                  /* the module version of its last DATASPACE */
	struct rom_reader *next;
};

/* Embed in a module. */
struct rom_versions {
	uint64_t version;                  /* counts changes of content */
	struct rom_reader *readers;
};

/* The module has a new content: count the version and signal every reader. */
void rom_versions_publish(struct rom_versions *v);

struct rom_server_session;

/* The read-only dataspace of the session's module as it is now (borrowed). */
typedef struct arbor_cap *(*rom_content_fn)(struct rom_server_session *s);

/* Embed in the server's session; the fields are lib/rom's. */
struct rom_server_session {
	struct arbor_rpc_object obj;
	struct rom_versions *module;
	struct rom_reader reader;
	rom_content_fn content;
	char label[ARBOR_LABEL_MAX];
};

/*
 * Serve s on ep for the client label as a reader of module, whose content
 * comes from content. A fresh reader has fetched nothing: UPDATE says
 * "changed" until its first DATASPACE. Returns 0 or an error of
 * arbor_rpc_object_manage() (s is then not a reader).
 */
int rom_server_session_init(struct rom_server_session *s, struct arbor_ep *ep, const char *label,
                            struct rom_versions *module, rom_content_fn content);

/* Revoke s, take it off its module's readers and drop its signal context. */
void rom_server_session_fini(struct rom_server_session *s);

#endif
