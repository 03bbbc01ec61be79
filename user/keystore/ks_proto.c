/*
 * user/keystore/ks_proto.c - the key store's protocol (ks_proto.h).
 */
#include "user/keystore/ks_proto.h"

#include "abi/ipc.h"
#include "lib/crypto/ed25519.h"
#include "lib/klib/string.h"

static struct ks_result refuse(uint8_t *ans, const char *why)
{
	ans[0] = KS_ERROR;
	return (struct ks_result){1, why};
}

struct ks_result ks_handle(const struct ks_key *key, const uint8_t *req,
			   size_t len, uint32_t from, uint8_t *ans)
{
	if (!req || len == 0)
		return refuse(ans, "empty request");
	if (!key || !key->present)
		return refuse(ans, "no key (degraded mode)");
	switch (req[0]) {
	case KS_SIGN:
		if (from != IPC_EP_FS)
			return refuse(ans, "SIGN only for the fs-service");
		if (len < 2)
			return refuse(ans, "SIGN of nothing");
		ans[0] = KS_OK;
		ed25519_sign(ans + 1, req + 1, len - 1, key->sk);
		return (struct ks_result){1 + ED25519_SIGNATURE_LEN, NULL};
	case KS_GET_PUBKEY:
		ans[0] = KS_OK;
		memcpy(ans + 1, key->sk + 32, 32);
		return (struct ks_result){33, NULL};
	default:
		return refuse(ans, "unknown command");
	}
}
