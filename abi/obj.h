/*
 * abi/obj.h - the access list an object is stored with (ObjPutSigned's
 * a6; docs/services.md §5).  An entry lets principal use the object with
 * rights (OBJ_RIGHT_* bits) until tick expiry (0 = never); the owner
 * needs no entry.  ObjGet honours OBJ_RIGHT_READ.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/ipc.h"

enum obj_right {
	OBJ_RIGHT_READ = 1u << 0,
	OBJ_RIGHT_WRITE = 1u << 1,
	OBJ_RIGHT_EXECUTE = 1u << 2,
};

/** Most entries an object carries. */
#define OBJ_ACL_MAX 8u

struct obj_acl_entry {
	uint8_t principal[PRINCIPAL_SIZE]; /**< non-zero */
	uint64_t expiry;		   /**< tick; 0 = never */
	uint8_t rights;			   /**< enum obj_right bits, non-zero */
	uint8_t reserved[7];		   /**< zero */
};

/** The list ObjPutSigned's a6 points at. */
struct obj_acl {
	uint32_t count; /**< entries used, <= OBJ_ACL_MAX */
	uint32_t reserved; /**< zero */
	struct obj_acl_entry entry[OBJ_ACL_MAX];
};

_Static_assert(sizeof(struct obj_acl_entry) == 48, "acl entry");
_Static_assert(offsetof(struct obj_acl_entry, expiry) == 32, "acl entry");
_Static_assert(offsetof(struct obj_acl, entry) == 8, "acl");
_Static_assert(sizeof(struct obj_acl) == 8 + 8 * 48, "acl");
