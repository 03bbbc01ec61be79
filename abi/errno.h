/*
 * abi/errno.h - the one table of error codes shared by kernel, libsys,
 * host tools and tests.  Numbers follow the original design's syscall ABI
 * (spec syscalls.md); codes the original lacks are appended after them.
 */
#pragma once

/* X(name, value, message) */
#define ERRNO_TABLE(X)                                                       \
	X(EINVAL, 1, "invalid argument")                                     \
	X(EPERM, 2, "permission denied")                                     \
	X(ENOMEM, 3, "out of memory")                                        \
	X(ENOENDPOINT, 4, "endpoint not found")                              \
	X(EWOULDBLOCK, 5, "operation would block")                           \
	X(EINTR, 6, "interrupted")                                           \
	X(EFAULT, 14, "bad address")                                         \
	X(EEXIST, 17, "already exists")                                      \
	X(ENOSPC, 28, "no space left")                                       \
	X(ERANGE, 34, "out of range")                                        \
	X(ENODEV, 19, "no such device")                                      \
	X(ENOSYS, 38, "function not implemented")                            \
	X(ENOENT, 2001, "no such object")                                    \
	X(EIO, 2002, "input/output error")                                   \
	X(ECORRUPT, 2003, "corrupt data")                                    \
	X(ETRUNC, 2004, "truncated input")                                   \
	X(EALIGN, 2005, "misaligned input")                                  \
	X(EBADSIG, 2006, "bad signature")                                    \
	X(ENOSIG, 2007, "missing signature")                                 \
	X(EVERSION, 2008, "unsupported version")                             \
	X(EBUSY, 2009, "resource busy")                                      \
	X(EFULL, 2010, "store full")                                         \
	X(EBLANK, 2011, "blank device (not formatted)")                      \
	X(EROFS, 2012, "read-only store")                                    \
	X(ENOEXEC, 2013, "exec format error")                                \
	X(EPOLICY, 2014, "denied by system policy")

enum cambios_errno {
#define ERRNO_ENUM(name, value, msg) name = (value),
	ERRNO_TABLE(ERRNO_ENUM)
#undef ERRNO_ENUM
};

/** Human-readable message for an error code given as positive or negative. */
static inline const char *errno_message(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
#define ERRNO_CASE(name, value, msg)                                         \
	case (value):                                                        \
		return (msg);
		ERRNO_TABLE(ERRNO_CASE)
#undef ERRNO_CASE
	default:
		return "unknown error";
	}
}

/** Symbolic name ("EINVAL") for an error code given as positive or negative. */
static inline const char *errno_name(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
#define ERRNO_NAME(name, value, msg)                                         \
	case (value):                                                        \
		return #name;
		ERRNO_TABLE(ERRNO_NAME)
#undef ERRNO_NAME
	default:
		return "E?";
	}
}
