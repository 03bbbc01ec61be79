/*
 * lib/libsys/error.c - error messages for user programs, from the one
 * table in abi/errno.h.
 */
#include "lib/libsys/libsys.h"

const char *strerror(int err)
{
	return errno_message(err);
}
