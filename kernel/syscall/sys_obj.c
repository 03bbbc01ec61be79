/*
 * kernel/syscall/sys_obj.c - the object syscalls over the kernel's store
 * (kernel/fs/kstore.h).  The caller's Principal comes from its capability
 * record; contents go through a kernel heap buffer (up to 4 KiB).
 *
 * Errors are this kernel's distinct codes where the spec overloads small
 * numbers (docs/abi.md "Deviations"): -ENOENT for an absent object (spec
 * -4), -EFULL for a full store (spec -3), -EBADSIG for a signature that
 * does not verify (spec -2).
 *
 * Gateway arguments (docs/services.md §5): ObjGet's a4, ObjDelete's a2
 * and ObjPutSigned's a5 name the client an object gateway acts for.
 * Zero means the caller itself (the spec's call); non-zero needs
 * CAP_SYS_OBJ_GATEWAY (the fs-service boot module), else -EPERM.
 * ObjPutSigned's a6 is the object's access list (abi/obj.h), 0 = none.
 */
#include "kernel/syscall/sys_obj.h"

#include "abi/errno.h"
#include "abi/obj.h"
#include "abi/sysinfo.h"
#include "kernel/cap/cap.h"
#include "kernel/core/time.h"
#include "kernel/fs/kblk.h"
#include "kernel/fs/kstore.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/proc/process.h"
#include "lib/klib/string.h"

/* ObjList copies this many hashes per round through a kernel buffer. */
#define LIST_CHUNK 32u

static struct process *me(void)
{
	return proc_current();
}

/* The caller's Principal; the identity gate has checked one is bound. */
static int caller_principal(struct principal *out)
{
	return cap_get_principal(me()->id, out->key) ? -EPERM : 0;
}

/*
 * Who an operation is for: the caller, or - for a gateway naming one at
 * user address client - that client.  n Principals are read (1, or 2
 * for owner then author).  An all-zero Principal is refused.
 */
static int acting_for(uaddr_t client, struct principal *out, unsigned n)
{
	uint8_t any = 0;

	if (!client) {
		int err = caller_principal(&out[0]);

		if (!err && n > 1)
			out[1] = out[0];
		return err;
	}
	if (!cap_has_syscap(me()->id, CAP_SYS_OBJ_GATEWAY))
		return -EPERM;
	if (copy_from_user(me()->page_table_root, out, client,
			   n * sizeof(struct principal)))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		any = 0;
		for (size_t k = 0; k < CAMBI_PRINCIPAL_SIZE; k++)
			any |= out[i].key[k];
		if (!any)
			return -EINVAL;
	}
	return 0;
}

/*
 * The access list at user address acl_ptr (abi/obj.h) into acl[],
 * checked: count <= 8, every entry a non-zero Principal with rights
 * inside READ|WRITE|EXECUTE, reserved bytes zero.  *n gets the count.
 */
static int read_acl(uaddr_t acl_ptr, struct cambi_acl_entry *acl, size_t *n)
{
	struct obj_acl a;

	*n = 0;
	if (!acl_ptr)
		return 0;
	if (copy_from_user(me()->page_table_root, &a, acl_ptr, sizeof(a)))
		return -EINVAL;
	if (a.count > OBJ_ACL_MAX || a.reserved)
		return -EINVAL;
	for (uint32_t i = 0; i < a.count; i++) {
		const struct obj_acl_entry *e = &a.entry[i];
		uint8_t any = 0, pad = 0;

		for (size_t k = 0; k < PRINCIPAL_SIZE; k++)
			any |= e->principal[k];
		for (size_t k = 0; k < sizeof(e->reserved); k++)
			pad |= e->reserved[k];
		if (!any || pad || !e->rights ||
		    (e->rights & ~(unsigned)CAMBI_RIGHTS_ALL))
			return -EINVAL;
		memcpy(acl[i].principal.key, e->principal, PRINCIPAL_SIZE);
		acl[i].expiry = e->expiry;
		acl[i].rights = e->rights;
	}
	*n = a.count;
	return 0;
}

/* ObjPut (14) and ObjPutSigned (19). */
static int64_t put(uaddr_t content, uint64_t len, uaddr_t sig_ptr,
		   uaddr_t out_hash, bool signed_put, uaddr_t client,
		   uaddr_t acl_ptr)
{
	struct cambi_acl_entry acl[CAMBI_ACL_MAX];
	size_t acl_n;
	uint64_t root = me()->page_table_root;
	uint8_t hash[CAMBI_HASH_SIZE], sig[CAMBI_SIG_SIZE];
	struct principal who[2]; /* owner, author */
	void *buf;
	int err;

	if (len == 0 || len > CAMBI_CONTENT_MAX)
		return -EINVAL;
	/* The hash must be writable before anything is stored. */
	memset(hash, 0, sizeof(hash));
	if (copy_to_user(root, out_hash, hash, sizeof(hash)))
		return -EINVAL;
	if (signed_put && copy_from_user(root, sig, sig_ptr, sizeof(sig)))
		return -EINVAL;
	err = acting_for(client, who, 2);
	if (!err)
		err = read_acl(acl_ptr, acl, &acl_n);
	if (err)
		return err;
	buf = kmalloc(len);
	if (!buf)
		return -ENOMEM;
	err = copy_from_user(root, buf, content, len);
	if (!err)
		err = kstore_put(&who[0], &who[1], acl, acl_n, buf, len,
				 signed_put ? sig : NULL, time_ticks(), hash);
	kfree(buf);
	if (err)
		return err;
	return copy_to_user(root, out_hash, hash, sizeof(hash)) ? -EINVAL : 0;
}

int64_t sys_obj_put(const uint64_t a[6])
{
	return put(a[0], a[1], 0, a[2], false, 0, 0);
}

int64_t sys_obj_put_signed(const uint64_t a[6])
{
	return put(a[0], a[1], a[2], a[3], true, a[4], a[5]);
}

int64_t sys_obj_get(const uint64_t a[6])
{
	uint64_t root = me()->page_table_root;
	uint8_t hash[CAMBI_HASH_SIZE];
	uint64_t out_len = a[2];
	struct principal who;
	size_t copied;
	void *buf;
	int err;

	if (out_len == 0)
		return -EINVAL;
	err = acting_for(a[3], &who, 1);
	if (err)
		return err;
	if (out_len > CAMBI_CONTENT_MAX)
		out_len = CAMBI_CONTENT_MAX;
	if (copy_from_user(root, hash, a[0], sizeof(hash)) ||
	    !uaccess_range_ok(a[1], out_len))
		return -EINVAL;
	buf = kmalloc(out_len);
	if (!buf)
		return -ENOMEM;
	err = kstore_get(&who, hash, buf, out_len, &copied);
	if (!err && copy_to_user(root, a[1], buf, copied))
		err = -EINVAL;
	kfree(buf);
	return err ? err : (int64_t)copied;
}

int64_t sys_obj_delete(const uint64_t a[6])
{
	uint8_t hash[CAMBI_HASH_SIZE];
	struct principal who;
	int err;

	if (copy_from_user(me()->page_table_root, hash, a[0], sizeof(hash)))
		return -EINVAL;
	err = acting_for(a[1], &who, 1);
	return err ? err : kstore_delete(&who, hash);
}

int64_t sys_obj_list(const uint64_t a[6])
{
	uint64_t root = me()->page_table_root;
	uint64_t want = a[1] / CAMBI_HASH_SIZE;
	uint8_t (*chunk)[CAMBI_HASH_SIZE];
	size_t n;
	int err;

	if (want == 0 || !uaccess_range_ok(a[0], want * CAMBI_HASH_SIZE))
		return -EINVAL;
	if (want > KSTORE_LIST_MAX)
		want = KSTORE_LIST_MAX;
	chunk = kmalloc(want * CAMBI_HASH_SIZE);
	if (!chunk)
		return -ENOMEM;
	err = kstore_list(chunk, want, &n);
	/* Through uaccess in pieces of at most 4 KiB. */
	for (size_t done = 0; !err && done < n; done += LIST_CHUNK) {
		size_t k = n - done < LIST_CHUNK ? n - done : LIST_CHUNK;

		if (copy_to_user(root, a[0] + done * CAMBI_HASH_SIZE, chunk[done],
				 k * CAMBI_HASH_SIZE))
			err = -EINVAL;
	}
	kfree(chunk);
	return err ? err : (int64_t)n;
}

int64_t sys_claim_bootstrap_key(const uint64_t a[6])
{
	(void)a;
	/*
	 * The kernel holds no bootstrap secret (only the public key is
	 * compiled in): the spec's "no key held" answer.  The key store's
	 * provisioning is the services issue's (docs/storage.md).
	 */
	return -EPERM;
}

int64_t sysinfo_store(uint64_t out, uint64_t len)
{
	struct sysinfo_store r;
	struct kstore_info ki;
	struct kblk_stats bs;

	if (len < SYSINFO_STORE_MIN)
		return -EINVAL;
	kstore_get_info(&ki);
	kblk_get_stats(&bs);
	r.kind = ki.kind;
	r.error = ki.offline_err;
	r.capacity = ki.capacity;
	r.used = ki.used;
	r.blk_requests = bs.requests;
	r.blk_timeouts = bs.timeouts;
	r.blk_errors = bs.errors;
	return copy_to_user(me()->page_table_root, out, &r, sizeof(r))
		   ? -EINVAL
		   : (int64_t)sizeof(r);
}
