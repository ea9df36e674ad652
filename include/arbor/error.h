/*
 * Arbor's one error convention: functions return 0 (or a non-negative
 * result) on success and a negative errno value on failure. The errno values
 * below carry Arbor-specific meanings; arbor_strerror() spells them out.
 */
#ifndef ARBOR_ERROR_H
#define ARBOR_ERROR_H

#include <errno.h>

#define ARBOR_E_OUT_OF_RAM         (-ENOMEM)     /* the caller's RAM quota is exhausted */
#define ARBOR_E_OUT_OF_CAPS        (-EMFILE)     /* the caller's cap quota is exhausted */
#define ARBOR_E_DENIED             (-EACCES)     /* the request was denied by policy */
#define ARBOR_E_INSUFFICIENT_RAM   (-EDQUOT)     /* the donated session RAM does not cover the cost */
#define ARBOR_E_INSUFFICIENT_CAPS  (-ENOSR)      /* the donated session caps do not cover the cost */
#define ARBOR_E_OBJECT_GONE        (-EPIPE)      /* the capability's object was destroyed */
#define ARBOR_E_INVALID_CAP        (-EBADF)      /* not a capability, or of the wrong kind */
#define ARBOR_E_BAD_MESSAGE        (-EBADMSG)    /* a malformed message */
#define ARBOR_E_UNKNOWN_OPCODE     (-ENOSYS)     /* the object has no such operation */
#define ARBOR_E_TOO_LARGE          (-E2BIG)      /* payload or argument exceeds its limit */
#define ARBOR_E_INVALID            (-EINVAL)     /* an argument is out of range */
#define ARBOR_E_NOT_FOUND          (-ENOENT)     /* no such module, session or thread */
#define ARBOR_E_EXISTS             (-EEXIST)     /* the id or name is taken */
#define ARBOR_E_PENDING            (-EINPROGRESS)/* the answer comes later, by signal */
#define ARBOR_E_AGAIN              (-EAGAIN)     /* try again (ring full, counter saturated) */

/*
 * Human-readable text for an error returned by an Arbor function; also
 * handles plain negative errno values. Never returns NULL.
 */
const char *arbor_strerror(int err);

#endif
