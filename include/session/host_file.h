/*
 * Host_file session (core): one regular file of the host, for the few
 * components meant to reach one (block_file serves a disk image as a Block
 * device). Components have an empty root and cannot open host files; core
 * opens the file the session's arguments name, beneath its file directory
 * (`arbor-core --file-dir DIR`), and hands the open file over. Routing
 * decides who may have one. See doc/sessions/host_file.md.
 *
 * Session arguments:
 *   path="NAME"        the file, relative to core's file directory: no
 *                      absolute path, no ".." component, no symbolic link
 *                      on the way (openat2 RESOLVE_BENEATH |
 *                      RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS); it must
 *                      be a regular file that exists
 *   writeable="yes"    open it for reading and writing (default: "no",
 *                      read-only; the kernel refuses writes on that fd)
 * Anything else is a denial, logged by core with the client's label and
 * the reason.
 */
#ifndef ARBOR_SESSION_HOST_FILE_H
#define ARBOR_SESSION_HOST_FILE_H

#include <stdint.h>

#define ARBOR_HOST_FILE_SERVICE "Host_file"

#define ARBOR_HOST_FILE_SESSION_COST (4u * 1024)
#define ARBOR_HOST_FILE_SESSION_RAM  (ARBOR_HOST_FILE_SESSION_COST + 4u * 1024)
#define ARBOR_HOST_FILE_SESSION_CAPS 2u

/* The longest path argument core accepts, in bytes. */
#define ARBOR_HOST_FILE_PATH_MAX 256u

#define ARBOR_HOST_FILE_WRITEABLE 1u

struct arbor_host_file_info {
	uint64_t size;      /* bytes, as of the call */
	uint32_t flags;     /* ARBOR_HOST_FILE_WRITEABLE */
	uint32_t reserved;
};

enum arbor_host_file_op {
	/*
	 * file() -> struct arbor_host_file_info, cap (ARBOR_CAP_DEVICE): the
	 * open file, the same open file description on every call (O_RDWR or
	 * O_RDONLY as the session asked, close-on-exec, blocking). Errors:
	 * ARBOR_E_OUT_OF_CAPS (core is out of fds), -EIO (fstat failed).
	 */
	ARBOR_HOST_FILE_FILE = 0,
	ARBOR_HOST_FILE_NOPS
};

#endif
