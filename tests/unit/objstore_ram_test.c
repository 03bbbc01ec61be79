/*
 * tests/unit/objstore_ram_test.c - CambiObject validation and the RAM
 * object store (spec storage.md §2-4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/fs/objstore_ram.h"
#include "lib/crypto/blake3.h"
#include "tests/unit/objstore_testlib.h"

/* A RAM store over a heap table, as the kernel would set it up. */
struct ram_fixture {
	struct cambi_object *table;
	struct objstore_ram ram;
	struct objstore st;
};

static struct ram_fixture *ram_new(size_t nslots)
{
	struct ram_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->table = calloc(nslots, sizeof(*f->table));
	assert_non_null(f->table);
	assert_int_equal(objstore_ram_init(&f->ram, f->table, nslots, &f->st),
			 0);
	return f;
}

static void ram_free(struct ram_fixture *f)
{
	free(f->table);
	free(f);
}

/* init refuses a missing table and slot counts outside 1..256. */
static void test_ram_init_rejects_bad_args(void **state)
{
	struct cambi_object one;
	struct objstore_ram ram;
	struct objstore st;

	(void)state;
	assert_int_equal(objstore_ram_init(&ram, NULL, 4, &st), -EINVAL);
	assert_int_equal(objstore_ram_init(&ram, &one, 0, &st), -EINVAL);
	assert_int_equal(objstore_ram_init(&ram, &one, 257, &st), -EINVAL);
	assert_int_equal(objstore_ram_init(&ram, &one, 1, &st), 0);
}

/* The object hash is Blake3-256: the empty input's digest is known. */
static void test_object_hash_is_blake3(void **state)
{
	static const uint8_t empty[32] = {
	    0xaf, 0x13, 0x49, 0xb9, 0xf5, 0xf9, 0xa1, 0xa6, 0xa0, 0x40, 0x4d,
	    0xea, 0x36, 0xdc, 0xc9, 0x49, 0x9b, 0xcb, 0x25, 0xc9, 0xad, 0xc1,
	    0x12, 0xb7, 0xcc, 0x9a, 0x93, 0xca, 0xe4, 0x1f, 0x32, 0x62,
	};
	struct cambi_object *obj = test_obj(0, 0);

	(void)state;
	assert_memory_equal(obj->content_hash, empty, 32);
	free(obj);
}

/* cambi_object_init refuses content over 4096 bytes and leaves zeros. */
static void test_object_init_too_long(void **state)
{
	static uint8_t big[CAMBI_CONTENT_MAX + 1];
	struct cambi_object *obj = malloc(sizeof(*obj));

	(void)state;
	assert_int_equal(cambi_object_init(obj, big, sizeof(big)), -ERANGE);
	assert_int_equal(obj->content_len, 0);
	assert_int_equal(cambi_object_init(obj, big, CAMBI_CONTENT_MAX), 0);
	assert_int_equal(obj->content_len, CAMBI_CONTENT_MAX);
	free(obj);
}

/* Signing sets owner to the key, author too when it was unset. */
static void test_object_sign_sets_owner_and_author(void **state)
{
	struct test_key k, other;
	struct cambi_object *obj = test_obj(50, 1);

	(void)state;
	test_key(&k, 1);
	test_key(&other, 2);
	assert_int_equal(cambi_object_sign(obj, k.sk), 0);
	assert_memory_equal(obj->owner.key, k.pk, 32);
	assert_memory_equal(obj->author.key, k.pk, 32);
	assert_true(cambi_object_is_signed(obj));
	assert_int_equal(cambi_object_validate_signed(obj), 0);

	/* An existing owner is kept: the signer becomes the author, and
	 * the signature verifies against the author, not the owner. */
	memset(obj->author.key, 0, 32);
	memcpy(obj->owner.key, other.pk, 32);
	assert_int_equal(cambi_object_sign(obj, k.sk), 0);
	assert_memory_equal(obj->owner.key, other.pk, 32);
	assert_memory_equal(obj->author.key, k.pk, 32);
	assert_int_equal(cambi_object_validate_signed(obj), 0);
	free(obj);
}

/* Access: owner anything, ACL per right and expiry, anonymous nothing. */
static void test_object_allows(void **state)
{
	struct test_key owner, reader, writer, stranger;
	struct cambi_object *obj = test_obj(20, 3);
	struct principal anon;

	(void)state;
	memset(&anon, 0, sizeof(anon));
	test_key(&owner, 11);
	test_key(&reader, 12);
	test_key(&writer, 13);
	test_key(&stranger, 14);
	memcpy(obj->owner.key, owner.pk, 32);
	obj->acl_count = 2;
	memcpy(obj->acl[0].principal.key, reader.pk, 32);
	obj->acl[0].rights = CAMBI_RIGHT_READ;
	obj->acl[0].expiry = 100;
	memcpy(obj->acl[1].principal.key, writer.pk, 32);
	obj->acl[1].rights = CAMBI_RIGHT_WRITE;

	const struct principal *o = (const struct principal *)owner.pk;
	const struct principal *r = (const struct principal *)reader.pk;
	const struct principal *w = (const struct principal *)writer.pk;
	const struct principal *x = (const struct principal *)stranger.pk;

	assert_true(cambi_object_allows(obj, o, CAMBI_RIGHT_READ, 500));
	assert_true(cambi_object_allows(obj, o, CAMBI_RIGHT_WRITE, 500));
	assert_true(cambi_object_allows(obj, r, CAMBI_RIGHT_READ, 99));
	assert_false(cambi_object_allows(obj, r, CAMBI_RIGHT_READ, 100));
	assert_false(cambi_object_allows(obj, r, CAMBI_RIGHT_WRITE, 0));
	assert_true(cambi_object_allows(obj, w, CAMBI_RIGHT_WRITE, 1u << 30));
	assert_false(cambi_object_allows(obj, w, CAMBI_RIGHT_READ, 0));
	assert_false(cambi_object_allows(obj, x, CAMBI_RIGHT_READ, 0));
	/* An entry past acl_count does not count. */
	obj->acl_count = 1;
	assert_false(cambi_object_allows(obj, w, CAMBI_RIGHT_WRITE, 0));
	/* Anonymous never, even for an object nobody owns. */
	memset(obj->owner.key, 0, 32);
	assert_false(cambi_object_allows(obj, &anon, CAMBI_RIGHT_READ, 0));
	assert_false(cambi_object_allows(NULL, o, CAMBI_RIGHT_READ, 0));
	free(obj);
}

/* put then get returns the very same object, metadata included. */
static void test_ram_put_get_roundtrip(void **state)
{
	struct ram_fixture *f = ram_new(8);
	struct test_key k;
	struct cambi_object *obj;

	(void)state;
	test_key(&k, 3);
	obj = test_signed_obj(777, 3, &k);
	obj->has_lineage = true;
	memset(obj->lineage, 0x42, 32);
	obj->acl_count = 2;
	obj->acl[0].principal = obj->owner;
	obj->acl[0].rights = CAMBI_RIGHT_READ | CAMBI_RIGHT_WRITE;
	obj->acl[1].expiry = 99;
	obj->acl[1].rights = CAMBI_RIGHT_EXECUTE;
	assert_int_equal(objstore_put(&f->st, obj), 0);
	test_expect_obj(&f->st, obj);
	free(obj);
	ram_free(f);
}

/* Unsigned objects are accepted by put (the ObjPut path). */
static void test_ram_put_unsigned(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *obj = test_obj(10, 4);

	(void)state;
	assert_false(cambi_object_is_signed(obj));
	assert_int_equal(objstore_put(&f->st, obj), 0);
	test_expect_obj(&f->st, obj);
	free(obj);
	ram_free(f);
}

/* Empty content and exactly 4096 bytes are both storable. */
static void test_ram_put_boundary_lengths(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *a = test_obj(0, 5), *b = test_obj(4096, 6);

	(void)state;
	assert_int_equal(objstore_put(&f->st, a), 0);
	assert_int_equal(objstore_put(&f->st, b), 0);
	test_expect_obj(&f->st, a);
	test_expect_obj(&f->st, b);
	free(a);
	free(b);
	ram_free(f);
}

/* A hash that does not match the content is InvalidObject; nothing kept. */
static void test_ram_put_bad_hash(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *obj = test_obj(100, 7);
	size_t total;

	(void)state;
	obj->content_hash[5] ^= 1;
	assert_int_equal(objstore_put(&f->st, obj), -EINVAL);
	obj->content_hash[5] ^= 1;
	obj->content[99] ^= 1;
	assert_int_equal(objstore_put(&f->st, obj), -EINVAL);
	assert_int_equal(objstore_list(&f->st, NULL, 0, &total), 0);
	assert_int_equal(total, 0);
	free(obj);
	ram_free(f);
}

/* content_len above 4096 is CapacityExceeded (-ERANGE), never a read. */
static void test_ram_put_oversized(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *obj = test_obj(100, 8);

	(void)state;
	obj->content_len = CAMBI_CONTENT_MAX + 1;
	assert_int_equal(objstore_put(&f->st, obj), -ERANGE);
	obj->content_len = UINT32_MAX;
	assert_int_equal(objstore_put(&f->st, obj), -ERANGE);
	free(obj);
	ram_free(f);
}

/* A second put of the same content succeeds and the first copy wins. */
static void test_ram_put_idempotent_first_wins(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *a = test_obj(64, 9), *b = test_obj(64, 9);
	struct objstore_stat s;

	(void)state;
	b->created_at = 5555;
	assert_int_equal(objstore_put(&f->st, a), 0);
	assert_int_equal(objstore_put(&f->st, b), 0);
	assert_int_equal(objstore_stat(&f->st, &s), 0);
	assert_int_equal(s.objects, 1);
	test_expect_obj(&f->st, a);
	free(a);
	free(b);
	ram_free(f);
}

/* get of an absent hash is NotFound. */
static void test_ram_get_missing(void **state)
{
	struct ram_fixture *f = ram_new(4);
	uint8_t hash[32] = {1, 2, 3};

	(void)state;
	test_expect_absent(&f->st, hash);
	ram_free(f);
}

/* delete removes; deleting again (or anything absent) is NotFound. */
static void test_ram_delete(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *obj = test_obj(30, 10);

	(void)state;
	assert_int_equal(objstore_put(&f->st, obj), 0);
	assert_int_equal(objstore_delete(&f->st, obj->content_hash), 0);
	test_expect_absent(&f->st, obj->content_hash);
	assert_int_equal(objstore_delete(&f->st, obj->content_hash), -ENOENT);
	free(obj);
	ram_free(f);
}

/* A freed slot is the next one used: put takes the first free slot. */
static void test_ram_slot_reuse(void **state)
{
	struct ram_fixture *f = ram_new(3);
	struct cambi_object *o[4];
	uint8_t list[3][32];
	size_t total;

	(void)state;
	for (int i = 0; i < 4; i++)
		o[i] = test_obj(20, 20 + (uint32_t)i);
	for (int i = 0; i < 3; i++)
		assert_int_equal(objstore_put(&f->st, o[i]), 0);
	assert_int_equal(objstore_delete(&f->st, o[1]->content_hash), 0);
	assert_int_equal(objstore_put(&f->st, o[3]), 0);
	assert_int_equal(objstore_list(&f->st, list, 3, &total), 0);
	assert_int_equal(total, 3);
	assert_memory_equal(list[0], o[0]->content_hash, 32);
	assert_memory_equal(list[1], o[3]->content_hash, 32);
	assert_memory_equal(list[2], o[2]->content_hash, 32);
	for (int i = 0; i < 4; i++)
		free(o[i]);
	ram_free(f);
}

/* All 256 slots fill; the 257th object is -EFULL and nothing is lost. */
static void test_ram_capacity_256(void **state)
{
	struct ram_fixture *f = ram_new(OBJSTORE_RAM_SLOTS);
	struct cambi_object *obj;
	struct objstore_stat s;

	(void)state;
	for (uint32_t i = 0; i < OBJSTORE_RAM_SLOTS; i++) {
		obj = test_obj(16, 1000 + i);
		assert_int_equal(objstore_put(&f->st, obj), 0);
		free(obj);
	}
	obj = test_obj(16, 5000);
	assert_int_equal(objstore_put(&f->st, obj), -EFULL);
	free(obj);
	/* An already stored object is still "stored" when full. */
	obj = test_obj(16, 1000);
	assert_int_equal(objstore_put(&f->st, obj), 0);
	free(obj);
	for (uint32_t i = 0; i < OBJSTORE_RAM_SLOTS; i++) {
		obj = test_obj(16, 1000 + i);
		test_expect_obj(&f->st, obj);
		free(obj);
	}
	assert_int_equal(objstore_stat(&f->st, &s), 0);
	assert_int_equal(s.objects, 256);
	assert_int_equal(s.capacity, 256);
	ram_free(f);
}

/* list reports the full total even when the buffer is short. */
static void test_ram_list_truncated(void **state)
{
	struct ram_fixture *f = ram_new(8);
	uint8_t list[2][32];
	size_t total = 0;

	(void)state;
	for (uint32_t i = 0; i < 5; i++) {
		struct cambi_object *obj = test_obj(8, 40 + i);

		assert_int_equal(objstore_put(&f->st, obj), 0);
		free(obj);
	}
	assert_int_equal(objstore_list(&f->st, list, 2, &total), 0);
	assert_int_equal(total, 5);
	assert_int_equal(objstore_list(&f->st, NULL, 0, &total), 0);
	assert_int_equal(total, 5);
	assert_int_equal(objstore_list(&f->st, NULL, 1, &total), -EINVAL);
	ram_free(f);
}

/* put_signed (ObjPutSigned) refuses an unsigned object. */
static void test_ram_put_signed_requires_signature(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *obj = test_obj(40, 50);

	(void)state;
	assert_int_equal(objstore_put_signed(&f->st, obj), -ENOSIG);
	test_expect_absent(&f->st, obj->content_hash);
	free(obj);
	ram_free(f);
}

/* put_signed stores a correctly signed object and its signature. */
static void test_ram_put_signed_ok(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct test_key k;
	struct cambi_object *obj;

	(void)state;
	test_key(&k, 5);
	obj = test_signed_obj(300, 51, &k);
	assert_int_equal(objstore_put_signed(&f->st, obj), 0);
	test_expect_obj(&f->st, obj);
	free(obj);
	ram_free(f);
}

/* A flipped signature bit fails on both put paths. */
static void test_ram_put_bad_signature(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct test_key k;
	struct cambi_object *obj;

	(void)state;
	test_key(&k, 6);
	obj = test_signed_obj(300, 52, &k);
	obj->signature[10] ^= 0x20;
	assert_int_equal(objstore_put_signed(&f->st, obj), -EBADSIG);
	assert_int_equal(objstore_put(&f->st, obj), -EBADSIG);
	test_expect_absent(&f->st, obj->content_hash);
	free(obj);
	ram_free(f);
}

/* A signature by someone other than the author does not verify; an
 * owner other than the author is fine; a zero owner is not. */
static void test_ram_put_signature_wrong_owner(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct test_key k, other;
	struct cambi_object *obj;

	(void)state;
	test_key(&k, 7);
	test_key(&other, 8);
	obj = test_signed_obj(30, 53, &k);
	memcpy(obj->author.key, other.pk, 32);
	assert_int_equal(objstore_put_signed(&f->st, obj), -EBADSIG);
	memcpy(obj->author.key, k.pk, 32);
	memset(obj->owner.key, 0, 32);
	assert_int_equal(objstore_put_signed(&f->st, obj), -EBADSIG);
	memcpy(obj->owner.key, other.pk, 32);
	assert_int_equal(objstore_put_signed(&f->st, obj), 0);
	free(obj);
	ram_free(f);
}

/* A signature over different content (re-hashed) does not verify. */
static void test_ram_put_signature_over_other_content(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct test_key k;
	struct cambi_object *obj;

	(void)state;
	test_key(&k, 9);
	obj = test_signed_obj(30, 54, &k);
	obj->content[0] ^= 1;
	cambi_hash(obj->content, obj->content_len, obj->content_hash);
	assert_int_equal(objstore_put_signed(&f->st, obj), -EBADSIG);
	free(obj);
	ram_free(f);
}

/* A signature with an all-zero owner never verifies. */
static void test_ram_put_signature_zero_owner(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct test_key k;
	struct cambi_object *obj;

	(void)state;
	test_key(&k, 10);
	obj = test_signed_obj(30, 55, &k);
	memset(obj->owner.key, 0, 32);
	assert_int_equal(objstore_put_signed(&f->st, obj), -EBADSIG);
	free(obj);
	ram_free(f);
}

/* ML-DSA-65 is reserved: a signed object using it is refused. */
static void test_ram_put_reserved_algorithm(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct test_key k;
	struct cambi_object *obj;

	(void)state;
	test_key(&k, 11);
	obj = test_signed_obj(30, 56, &k);
	obj->sig_algo = CAMBI_SIG_MLDSA65;
	assert_int_equal(objstore_put_signed(&f->st, obj), -ENOSYS);
	obj->sig_algo = 9;
	assert_int_equal(objstore_put(&f->st, obj), -ENOSYS);
	/* Unsigned with an unknown algorithm byte is malformed. */
	memset(obj->signature, 0, 64);
	assert_int_equal(objstore_put(&f->st, obj), -EINVAL);
	free(obj);
	ram_free(f);
}

/* Malformed metadata is InvalidObject: ACL count, rights, stray bytes. */
static void test_ram_put_malformed_metadata(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *obj = test_obj(30, 57);

	(void)state;
	obj->acl_count = CAMBI_ACL_MAX + 1;
	assert_int_equal(objstore_put(&f->st, obj), -EINVAL);
	obj->acl_count = 1;
	obj->acl[0].rights = 8;
	assert_int_equal(objstore_put(&f->st, obj), -EINVAL);
	obj->acl[0].rights = CAMBI_RIGHTS_ALL;
	obj->acl[3].expiry = 1; /* unused entry not empty */
	assert_int_equal(objstore_put(&f->st, obj), -EINVAL);
	obj->acl[3].expiry = 0;
	obj->lineage[0] = 1; /* lineage bytes without the flag */
	assert_int_equal(objstore_put(&f->st, obj), -EINVAL);
	obj->has_lineage = true;
	assert_int_equal(objstore_put(&f->st, obj), 0);
	free(obj);
	ram_free(f);
}

/* The wrappers reject NULL arguments instead of crashing. */
static void test_ram_null_arguments(void **state)
{
	struct ram_fixture *f = ram_new(4);
	struct cambi_object *obj = test_obj(1, 58);
	uint8_t hash[32] = {0};

	(void)state;
	assert_int_equal(objstore_put(&f->st, NULL), -EINVAL);
	assert_int_equal(objstore_put_signed(&f->st, NULL), -EINVAL);
	assert_int_equal(objstore_get(&f->st, NULL, obj), -EINVAL);
	assert_int_equal(objstore_get(&f->st, hash, NULL), -EINVAL);
	assert_int_equal(objstore_delete(&f->st, NULL), -EINVAL);
	assert_int_equal(objstore_list(&f->st, NULL, 0, NULL), -EINVAL);
	assert_int_equal(objstore_stat(&f->st, NULL), -EINVAL);
	free(obj);
	ram_free(f);
}

/* get never returns bytes past content_len from an earlier occupant. */
static void test_ram_reused_slot_has_no_stale_bytes(void **state)
{
	struct ram_fixture *f = ram_new(1);
	struct cambi_object *big = test_obj(4096, 60), *small = test_obj(3, 61);
	struct cambi_object *got = malloc(sizeof(*got));

	(void)state;
	assert_int_equal(objstore_put(&f->st, big), 0);
	assert_int_equal(objstore_delete(&f->st, big->content_hash), 0);
	assert_int_equal(objstore_put(&f->st, small), 0);
	assert_int_equal(objstore_get(&f->st, small->content_hash, got), 0);
	assert_true(cambi_is_zero(got->content + 3, CAMBI_CONTENT_MAX - 3));
	free(got);
	free(big);
	free(small);
	ram_free(f);
}

/* stat counts objects and capacity as they change. */
static void test_ram_stat(void **state)
{
	struct ram_fixture *f = ram_new(5);
	struct cambi_object *obj = test_obj(9, 62);
	struct objstore_stat s;

	(void)state;
	assert_int_equal(objstore_stat(&f->st, &s), 0);
	assert_int_equal(s.objects, 0);
	assert_int_equal(s.capacity, 5);
	assert_int_equal(objstore_put(&f->st, obj), 0);
	assert_int_equal(objstore_stat(&f->st, &s), 0);
	assert_int_equal(s.objects, 1);
	assert_int_equal(objstore_delete(&f->st, obj->content_hash), 0);
	assert_int_equal(objstore_stat(&f->st, &s), 0);
	assert_int_equal(s.objects, 0);
	assert_int_equal(s.unusable, 0);
	free(obj);
	ram_free(f);
}

/* Equality looks at every meaningful field. */
static void test_object_equal_detects_differences(void **state)
{
	struct cambi_object *a = test_obj(10, 63), *b = test_obj(10, 63);

	(void)state;
	assert_true(cambi_object_equal(a, b));
	b->created_at++;
	assert_false(cambi_object_equal(a, b));
	b->created_at--;
	b->author.key[31] = 1;
	assert_false(cambi_object_equal(a, b));
	b->author.key[31] = 0;
	b->acl_count = 1;
	assert_false(cambi_object_equal(a, b));
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ram_init_rejects_bad_args),
	    cmocka_unit_test(test_object_hash_is_blake3),
	    cmocka_unit_test(test_object_init_too_long),
	    cmocka_unit_test(test_object_sign_sets_owner_and_author),
	    cmocka_unit_test(test_object_allows),
	    cmocka_unit_test(test_object_equal_detects_differences),
	    cmocka_unit_test(test_ram_put_get_roundtrip),
	    cmocka_unit_test(test_ram_put_unsigned),
	    cmocka_unit_test(test_ram_put_boundary_lengths),
	    cmocka_unit_test(test_ram_put_bad_hash),
	    cmocka_unit_test(test_ram_put_oversized),
	    cmocka_unit_test(test_ram_put_idempotent_first_wins),
	    cmocka_unit_test(test_ram_get_missing),
	    cmocka_unit_test(test_ram_delete),
	    cmocka_unit_test(test_ram_slot_reuse),
	    cmocka_unit_test(test_ram_capacity_256),
	    cmocka_unit_test(test_ram_list_truncated),
	    cmocka_unit_test(test_ram_put_signed_requires_signature),
	    cmocka_unit_test(test_ram_put_signed_ok),
	    cmocka_unit_test(test_ram_put_bad_signature),
	    cmocka_unit_test(test_ram_put_signature_wrong_owner),
	    cmocka_unit_test(test_ram_put_signature_over_other_content),
	    cmocka_unit_test(test_ram_put_signature_zero_owner),
	    cmocka_unit_test(test_ram_put_reserved_algorithm),
	    cmocka_unit_test(test_ram_put_malformed_metadata),
	    cmocka_unit_test(test_ram_null_arguments),
	    cmocka_unit_test(test_ram_reused_slot_has_no_stale_bytes),
	    cmocka_unit_test(test_ram_stat),
	};

	return cmocka_run_group_tests_name("objstore_ram", tests, NULL, NULL);
}
