/*
 * tests/unit/services_test.c - the pure protocol parts of the key store
 * (user/keystore/ks_proto.c) and the fs-service (user/fs/fs_proto.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/errno.h"
#include "abi/ipc.h"
#include "lib/crypto/ed25519.h"
#include "user/fs/fs_proto.h"
#include "user/keystore/ks_proto.h"

static struct ks_key make_key(uint8_t seed_byte, uint8_t pk[32])
{
	struct ks_key k = {.present = true};
	uint8_t seed[32];

	memset(seed, seed_byte, sizeof(seed));
	ed25519_keypair_from_seed(seed, pk, k.sk);
	return k;
}

/* SIGN from the fs-service: a signature that verifies over the data. */
static void test_ks_sign_for_fs(void **state)
{
	uint8_t pk[32], ans[KS_ANSWER_MAX];
	struct ks_key k = make_key(7, pk);
	const uint8_t req[] = {KS_SIGN, 'h', 'e', 'l', 'l', 'o'};
	struct ks_result r;

	(void)state;
	r = ks_handle(&k, req, sizeof(req), IPC_EP_FS, ans);
	assert_null(r.refusal);
	assert_int_equal(r.len, 65);
	assert_int_equal(ans[0], KS_OK);
	assert_true(ed25519_verify(ans + 1, "hello", 5, pk));
	assert_false(ed25519_verify(ans + 1, "hellO", 5, pk));
}

/* SIGN from anyone else, of nothing, unknown commands: ERROR. */
static void test_ks_refusals(void **state)
{
	uint8_t pk[32], ans[KS_ANSWER_MAX];
	struct ks_key k = make_key(9, pk), none = {0};
	const uint8_t sign[] = {KS_SIGN, 'x'}, bare[] = {KS_SIGN},
		      odd[] = {0x77, 1, 2};
	struct ks_result r;

	(void)state;
	r = ks_handle(&k, sign, sizeof(sign), IPC_EP_SHELL, ans);
	assert_non_null(r.refusal);
	assert_int_equal(r.len, 1);
	assert_int_equal(ans[0], KS_ERROR);
	r = ks_handle(&k, bare, sizeof(bare), IPC_EP_FS, ans);
	assert_int_equal(ans[0], KS_ERROR);
	r = ks_handle(&k, odd, sizeof(odd), IPC_EP_FS, ans);
	assert_int_equal(ans[0], KS_ERROR);
	r = ks_handle(&k, NULL, 0, IPC_EP_FS, ans);
	assert_int_equal(ans[0], KS_ERROR);
	/* Degraded without a key: everything is ERROR. */
	r = ks_handle(&none, sign, sizeof(sign), IPC_EP_FS, ans);
	assert_int_equal(r.len, 1);
	assert_int_equal(ans[0], KS_ERROR);
}

static void test_ks_pubkey(void **state)
{
	uint8_t pk[32], ans[KS_ANSWER_MAX];
	struct ks_key k = make_key(3, pk);
	const uint8_t req[] = {KS_GET_PUBKEY};
	struct ks_result r;

	(void)state;
	r = ks_handle(&k, req, 1, IPC_EP_SHELL, ans);
	assert_int_equal(r.len, 33);
	assert_int_equal(ans[0], KS_OK);
	assert_memory_equal(ans + 1, pk, 32);
}

static void test_fs_status_mapping(void **state)
{
	(void)state;
	assert_int_equal(fs_status_for(FS_OP_PUT, 0), FS_OK);
	assert_int_equal(fs_status_for(FS_OP_GET, -ENOENT), FS_NOT_FOUND);
	assert_int_equal(fs_status_for(FS_OP_DELETE, -ENOENT), FS_NOT_FOUND);
	assert_int_equal(fs_status_for(FS_OP_PUT, -EFULL), FS_FULL);
	assert_int_equal(fs_status_for(FS_OP_DELETE, -EPERM), FS_DENIED);
	assert_int_equal(fs_status_for(FS_OP_GET, -EPERM), FS_DENIED);
	assert_int_equal(fs_status_for(FS_OP_PUT, -EBADSIG), FS_DENIED);
	assert_int_equal(fs_status_for(FS_OP_GET, -EINVAL), FS_INVALID);
	assert_int_equal(fs_status_for(FS_OP_LIST, -ECORRUPT), FS_UNAVAILABLE);
	assert_int_equal(fs_status_for(FS_OP_PUT, -EIO), FS_UNAVAILABLE);
	assert_int_equal(fs_status_for(FS_OP_GET, -ENOSYS), FS_NOT_FOUND);
	assert_int_equal(fs_status_for(FS_OP_PUT, -ENOSYS), FS_UNAVAILABLE);
}

/* The deferred queue: FIFO, bounded, copies what it is given. */
static void test_fs_defer_fifo(void **state)
{
	struct fs_defer d = {0};
	struct fs_request out;
	uint8_t who[PRINCIPAL_SIZE] = {1}, payload[IPC_MSG_SIZE];

	(void)state;
	assert_false(fs_defer_pop(&d, &out));
	for (unsigned i = 0; i < FS_DEFER_MAX; i++) {
		payload[0] = (uint8_t)i;
		assert_true(fs_defer_push(&d, who, 100 + i, payload, 1 + i));
	}
	assert_false(fs_defer_push(&d, who, 1, payload, 1));
	assert_false(fs_defer_push(&(struct fs_defer){0}, who, 1, payload,
				   IPC_MSG_SIZE + 1));
	for (unsigned i = 0; i < 3; i++) {
		assert_true(fs_defer_pop(&d, &out));
		assert_int_equal(out.from, 100 + i);
		assert_int_equal(out.len, 1 + i);
		assert_int_equal(out.payload[0], i);
		assert_memory_equal(out.sender, who, PRINCIPAL_SIZE);
	}
	/* Wrap around. */
	payload[0] = 0xAA;
	assert_true(fs_defer_push(&d, who, 999, payload, IPC_MSG_SIZE));
	for (unsigned i = 3; i < FS_DEFER_MAX; i++) {
		assert_true(fs_defer_pop(&d, &out));
		assert_int_equal(out.from, 100 + i);
	}
	assert_true(fs_defer_pop(&d, &out));
	assert_int_equal(out.from, 999);
	assert_int_equal(out.len, IPC_MSG_SIZE);
	assert_int_equal(out.payload[0], 0xAA);
	assert_false(fs_defer_pop(&d, &out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ks_sign_for_fs),
	    cmocka_unit_test(test_ks_refusals),
	    cmocka_unit_test(test_ks_pubkey),
	    cmocka_unit_test(test_fs_status_mapping),
	    cmocka_unit_test(test_fs_defer_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
