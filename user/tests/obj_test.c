/*
 * user/tests/obj_test.c - the object syscalls (14-17, 19) on the kernel's
 * RAM store, for tests/qemu/test_objects.py.
 *
 * One line per check: "obj_test: <check> ret=<got> ok" or "... BAD", then
 * "obj_test: done <ok>/<total>".  Checks: put, idempotent put, get of the
 * content and a short get, list, a forged signature refused, bad
 * arguments refused, delete, get and delete of an absent object, filling
 * the store to capacity ("store full"), and after emptying it again the
 * same number of slots free.
 */
#include "lib/libsys/libsys.h"

#define MAX_SLOTS 256

static unsigned ok, total;
static uint8_t list[MAX_SLOTS + 1][32];

static void check(const char *what, int64_t got, int64_t want)
{
	total++;
	if (got == want)
		ok++;
	printf("obj_test: %s ret=%ld want=%ld %s\n", what, (long)got, (long)want,
	       got == want ? "ok" : "BAD");
}

static void print_hash(const char *what, const uint8_t h[32])
{
	char hex[65];

	hex_encode(hex, h, 32);
	printf("obj_test: %s hash %s\n", what, hex);
}

/* Fill the store with distinct objects; returns how many went in. */
static unsigned fill(int64_t *last)
{
	char text[32];
	uint8_t h[32];
	unsigned n = 0;

	for (;;) {
		int len = snprintf(text, sizeof(text), "filler object %u", n);

		*last = sys_obj_put(text, (size_t)len, h);
		if (*last != 0 || n > MAX_SLOTS)
			return n;
		n++;
	}
}

int main(void)
{
	static const char hello[] = "hello, object store";
	uint8_t h[32], h2[32], sig[64];
	char out[64];
	int64_t r;

	(void)sys_module_ready();
	r = sys_obj_put(hello, sizeof(hello) - 1, h);
	check("put", r, 0);
	print_hash("hello", h);
	check("put_again", sys_obj_put(hello, sizeof(hello) - 1, h2), 0);
	check("same_hash", memcmp(h, h2, 32), 0);
	memset(out, 0, sizeof(out));
	r = sys_obj_get(h, out, sizeof(out));
	check("get_len", r, (int64_t)sizeof(hello) - 1);
	check("get_content", memcmp(out, hello, sizeof(hello) - 1), 0);
	check("get_short", sys_obj_get(h, out, 5), 5);
	r = sys_obj_list(list, sizeof(list));
	check("list_count", r, 1);
	check("list_hash", memcmp(list[0], h, 32), 0);

	/* A signature that does not verify against our Principal. */
	memset(sig, 0x5A, sizeof(sig));
	check("put_signed_forged",
	      sys_obj_put_signed("signed?", 7, sig, h2), -EBADSIG);
	/* Access lists: every field checked before anything is stored. */
	{
		static struct obj_acl acl;
		uint8_t who[64];

		memset(&acl, 0, sizeof(acl));
		acl.count = OBJ_ACL_MAX + 1;
		check("acl_too_many",
		      sys_obj_put_signed_for("a", 1, sig, h2, NULL, &acl),
		      -EINVAL);
		acl.count = 1;
		acl.entry[0].rights = OBJ_RIGHT_READ;
		check("acl_anonymous_entry",
		      sys_obj_put_signed_for("a", 1, sig, h2, NULL, &acl),
		      -EINVAL);
		memset(acl.entry[0].principal, 0x77, PRINCIPAL_SIZE);
		acl.entry[0].rights = 0x80;
		check("acl_unknown_right",
		      sys_obj_put_signed_for("a", 1, sig, h2, NULL, &acl),
		      -EINVAL);
		acl.entry[0].rights = OBJ_RIGHT_READ;
		acl.entry[0].reserved[3] = 1;
		check("acl_reserved_bytes",
		      sys_obj_put_signed_for("a", 1, sig, h2, NULL, &acl),
		      -EINVAL);
		check("acl_bad_pointer",
		      sys_obj_put_signed_for("a", 1, sig, h2, NULL,
					     (void *)0x10),
		      -EINVAL);
		/* Naming a client needs the gateway capability. */
		memset(who, 0x33, sizeof(who));
		check("gateway_put_refused",
		      sys_obj_put_signed_for("a", 1, sig, h2, who, NULL),
		      -EPERM);
	}
	check("put_empty", sys_obj_put(hello, 0, h2), -EINVAL);
	check("put_too_long", sys_obj_put(hello, 4097, h2), -EINVAL);
	check("put_bad_content", sys_obj_put((void *)0x10, 8, h2), -EINVAL);
	check("put_kernel_hash_ptr",
	      sys_obj_put(hello, 5, (void *)0xffffffff80200000ull), -EINVAL);
	check("get_zero_len", sys_obj_get(h, out, 0), -EINVAL);
	check("list_short_buffer", sys_obj_list(list, 31), -EINVAL);
	check("claim_key", sys_claim_bootstrap_key(out), -EPERM);

	check("delete", sys_obj_delete(h), 0);
	check("get_deleted", sys_obj_get(h, out, sizeof(out)), -ENOENT);
	check("delete_again", sys_obj_delete(h), -ENOENT);
	check("list_empty", sys_obj_list(list, sizeof(list)), 0);

	int64_t last;
	unsigned n = fill(&last);

	printf("obj_test: filled %u objects\n", n);
	check("full", last, -EFULL);
	r = sys_obj_list(list, sizeof(list));
	check("list_full", r, (int64_t)n);
	for (int64_t i = 0; i < r; i++)
		(void)sys_obj_delete(list[i]);
	check("emptied", sys_obj_list(list, sizeof(list)), 0);
	check("refill", (int64_t)fill(&last), (int64_t)n);
	printf("obj_test: done %u/%u\n", ok, total);
	return ok == total ? 0 : 1;
}
