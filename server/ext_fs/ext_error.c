/* libext2fs's error codes in the File_system session's terms. */
#include <errno.h>
#include <arbor/log.h>
#include <session/file_system.h>
#include "ext_fs.h"

int ext_error(errcode_t rc, const char *what)
{
	switch (rc) {
	case 0:
		return 0;
	case EXT2_ET_FILE_NOT_FOUND:
	case EXT2_ET_NO_DIRECTORY:
	case EXT2_ET_BAD_INODE_NUM:
		return ARBOR_FS_E_LOOKUP_FAILED;
	case EXT2_ET_DIR_EXISTS:
	case EXT2_ET_FILE_EXISTS:
		return ARBOR_FS_E_EXISTS;
	case EXT2_ET_BLOCK_ALLOC_FAIL:
	case EXT2_ET_INODE_ALLOC_FAIL:
	case EXT2_ET_DIR_NO_SPACE:
	case EXT2_ET_DIR_NO_SPACE_FOR_CSUM:
	case EXT2_ET_EA_NO_SPACE:
	case EXT2_ET_FILE_TOO_BIG:
	case EXT2_ET_TOOSMALL:
	case EXT2_ET_INLINE_DATA_NO_SPACE:
	case ENOSPC:
		return ARBOR_FS_E_NO_SPACE;
	case EXT2_ET_RO_FILSYS:
	case EXT2_ET_FILE_RO:
	case EROFS:
		return ARBOR_FS_E_PERMISSION_DENIED;
	case EXT2_ET_NO_MEMORY:
	case ENOMEM:
		return -ENOMEM;
	default:
		/* corruption, checksum failures, the device: the session sees "unavailable" */
		arbor_warning("ext_fs: %s: %s", what, error_message(rc));
		return ARBOR_FS_E_UNAVAILABLE;
	}
}
