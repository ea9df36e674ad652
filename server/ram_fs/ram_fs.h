/*
 * ram_fs: a File_system server keeping its nodes in memory, paid from its
 * own RAM quota; its <config> holds the <content> it starts with and the
 * policies of its clients.
 */
#ifndef RAM_FS_H
#define RAM_FS_H

#include <arbor/env.h>
#include <file_system/fs_server.h>
#include "ram_store.h"

/*
 * What ram_fs keeps of its quota for itself (code, stack, heap of the
 * config and of sessions beyond their donations); the rest holds nodes.
 */
#define RAM_FS_RESERVE (512u * 1024)

struct ram_fs {
	struct arbor_env *env;
	struct ram_store store;
	struct fs_server *server;
};

extern const struct fs_backend ram_fs_backend;

/*
 * Fill the store from the <content> node of the config ROM: <dir name>
 * (nested), <inline name>text</inline>, <rom name="module" as="file"/>.
 * Returns 0, or an error after logging it with its config:LINE:COL.
 */
int content_load(struct ram_fs *fs);

#endif
