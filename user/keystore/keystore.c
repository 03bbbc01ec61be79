/*
 * user/keystore/keystore.c - the key store service (spec storage.md §8,
 * docs/services.md "Key store"): holds the object-signing key and signs
 * for the fs-service on endpoint 17.
 *
 * The key.  It first asks the kernel for the bootstrap secret
 * (ClaimBootstrapKey); this kernel never holds one (only the public key
 * is compiled in), so the answer is -EPERM and the store runs in the
 * degraded mode the issue asks for: the object-signing key provisioned
 * at build time (build/keys/object-signing.seed, linked into this
 * program as keystore_provisioned_seed).  The seed is wiped from the
 * program's data as soon as the key is derived; the secret then lives
 * only in this process's memory, which no other process can map.  (The
 * ISO still carries the seed inside this program: real key custody -
 * a TPM or token - is future work, docs/STATUS.md.)
 */
#include "lib/crypto/ed25519.h"
#include "lib/libsys/libsys.h"
#include "user/keystore/ks_proto.h"

extern uint8_t keystore_provisioned_seed[32];

static struct ks_key key;
static uint8_t buf[IPC_RECV_BUF_SIZE];

static void wipe(volatile uint8_t *p, size_t n)
{
	while (n--)
		*p++ = 0;
}

static void load_key(void)
{
	uint8_t claimed[64], pk[32];
	int64_t r = sys_claim_bootstrap_key(claimed);

	if (r == 64) {
		memcpy(key.sk, claimed, 64);
		key.present = true;
		wipe(claimed, sizeof(claimed));
		printf("key-store: holding the bootstrap key\n");
	} else {
		ed25519_keypair_from_seed(keystore_provisioned_seed, pk, key.sk);
		key.present = true;
		printf("key-store: degraded mode (ClaimBootstrapKey: %s): "
		       "build-provisioned object-signing key\n",
		       strerror((int)r));
	}
	wipe(keystore_provisioned_seed, sizeof(keystore_provisioned_seed));
	char hex[65];

	hex_encode(hex, key.sk + 32, 32);
	printf("key-store: public key %s\n", hex);
}

int main(void)
{
	int64_t r = sys_register_endpoint(IPC_EP_KEYSTORE, 0);

	if (sys_failed(r)) {
		printf("key-store: cannot register endpoint %d: %s\n",
		       IPC_EP_KEYSTORE, strerror((int)r));
		(void)sys_module_ready();
		return 1;
	}
	load_key();
	(void)sys_module_ready();
	for (;;) {
		struct recv_msg m;
		uint8_t ans[KS_ANSWER_MAX];

		r = recv_verified(IPC_EP_KEYSTORE, buf, sizeof(buf), &m);
		if (r < 0) {
			if (r != -EPERM)
				printf("key-store: receive failed: %s\n",
				       strerror((int)r));
			continue;
		}

		struct ks_result res =
		    ks_handle(&key, m.payload, m.len, m.from_endpoint, ans);

		if (res.refusal)
			printf("key-store: refused a request from endpoint "
			       "%u: %s\n",
			       m.from_endpoint, res.refusal);
		r = sys_write(m.from_endpoint, ans, res.len);
		if (sys_failed(r))
			printf("key-store: answer to endpoint %u failed: %s\n",
			       m.from_endpoint, strerror((int)r));
	}
}
