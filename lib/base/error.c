/* Text for Arbor's error values (negative errno values with Arbor meanings). */
#include <string.h>
#include <arbor/error.h>

const char *arbor_strerror(int err)
{
	switch (err) {
	case 0:                         return "success";
	case ARBOR_E_OUT_OF_RAM:        return "out of RAM quota";
	case ARBOR_E_OUT_OF_CAPS:       return "out of cap quota";
	case ARBOR_E_DENIED:            return "denied";
	case ARBOR_E_INSUFFICIENT_RAM:  return "insufficient RAM quota donated";
	case ARBOR_E_INSUFFICIENT_CAPS: return "insufficient cap quota donated";
	case ARBOR_E_OBJECT_GONE:       return "object gone (capability revoked)";
	case ARBOR_E_INVALID_CAP:       return "invalid capability";
	case ARBOR_E_BAD_MESSAGE:       return "malformed message";
	case ARBOR_E_UNKNOWN_OPCODE:    return "unknown operation";
	case ARBOR_E_TOO_LARGE:         return "too large";
	case ARBOR_E_INVALID:           return "invalid argument";
	case ARBOR_E_NOT_FOUND:         return "not found";
	case ARBOR_E_EXISTS:            return "already exists";
	case ARBOR_E_PENDING:           return "pending";
	case ARBOR_E_AGAIN:             return "try again";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}
