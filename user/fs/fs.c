/*
 * user/fs/fs.c - the fs-service: the object-store gateway on endpoint 16
 * (spec storage.md §7; docs/services.md "fs-service").
 *
 * Every request comes from an identified client (recv_verified drops
 * anonymous ones) whose Principal the kernel stamped; the service acts
 * for that client with the gateway forms of the object syscalls
 * (CAP_SYS_OBJ_GATEWAY, docs/storage.md §8), so the kernel itself checks
 * the client's rights: GET needs owner or an ACL read right, DELETE the
 * owner.  A PUT is signed by the key store (endpoint 17) and stored with
 * the client as owner and the key store's key as author: nothing is
 * stored unsigned, and with no key store a PUT is DENIED.
 *
 * While it waits for the key store's answer, client requests that arrive
 * on 16 are kept in order and served afterwards (the original dropped
 * them).  The key store's answer is the message whose kernel-stamped
 * reply endpoint is 17, which only the key-store boot module can own.
 */
#include "lib/libsys/libsys.h"
#include "user/fs/fs_proto.h"
#include "user/keystore/ks_proto.h"

static uint8_t rbuf[IPC_RECV_BUF_SIZE];
static struct fs_defer deferred;
static uint8_t author[PRINCIPAL_SIZE]; /* the key store's public key */
static bool have_author;

static void answer(uint32_t to, const uint8_t *ans, size_t len)
{
	int64_t r = sys_write(to, ans, len);

	if (sys_failed(r))
		printf("fs-service: answer to endpoint %u failed: %s\n", to,
		       strerror((int)r));
}

static void answer_status(uint32_t to, enum fs_status st, int64_t err)
{
	uint8_t ans[3] = {(uint8_t)st, 0, 0};
	uint64_t code = err < 0 ? (uint64_t)-err : 0;

	if (st == FS_UNAVAILABLE) {
		ans[1] = (uint8_t)code;
		ans[2] = (uint8_t)(code >> 8);
		answer(to, ans, 3);
	} else {
		answer(to, ans, 1);
	}
}

/*
 * Ask the key store (request req[0, len)) and wait for its answer in
 * ans[0, max); returns the answer length, or -1 when it cannot be asked.
 * Client requests arriving meanwhile are deferred (or refused as INVALID
 * when the queue is full).
 */
static int64_t ask_keystore(const uint8_t *req, size_t len, uint8_t *ans,
			    size_t max)
{
	int64_t r = sys_write(IPC_EP_KEYSTORE, req, len);

	if (sys_failed(r)) {
		printf("fs-service: key store unreachable: %s\n",
		       strerror((int)r));
		return -1;
	}
	for (;;) {
		struct recv_msg m;

		r = recv_verified(IPC_EP_FS, rbuf, sizeof(rbuf), &m);
		if (r < 0)
			continue;
		if (m.from_endpoint == IPC_EP_KEYSTORE) {
			size_t n = m.len < max ? m.len : max;

			memcpy(ans, m.payload, n);
			return (int64_t)n;
		}
		if (!fs_defer_push(&deferred, m.sender, m.from_endpoint,
				   m.payload, m.len))
			answer_status(m.from_endpoint, FS_INVALID, 0);
	}
}

static void learn_author(void)
{
	uint8_t req = KS_GET_PUBKEY, ans[KS_ANSWER_MAX];
	int64_t n = ask_keystore(&req, 1, ans, sizeof(ans));

	if (n == 1 + PRINCIPAL_SIZE && ans[0] == KS_OK) {
		memcpy(author, ans + 1, PRINCIPAL_SIZE);
		have_author = true;
	} else {
		printf("fs-service: no key store key: puts will be denied\n");
	}
}

/*
 * PUT, and SHARE (reader non-NULL: the object's access list gives that
 * Principal the read right).  content[0, n) was checked for length.
 */
static void store_signed(const struct fs_request *q, const uint8_t *content,
			 size_t n, const uint8_t *reader)
{
	static struct obj_acl acl;
	uint8_t sreq[IPC_MSG_SIZE], sans[KS_ANSWER_MAX];
	uint8_t who[2 * PRINCIPAL_SIZE], ans[1 + 32];
	int64_t r;

	if (!have_author)
		learn_author();
	if (!have_author) {
		answer_status(q->from, FS_DENIED, 0);
		return;
	}
	sreq[0] = KS_SIGN;
	memcpy(sreq + 1, content, n);
	r = ask_keystore(sreq, n + 1, sans, sizeof(sans));
	if (r != 1 + 64 || sans[0] != KS_OK) {
		printf("fs-service: key store refused to sign\n");
		answer_status(q->from, FS_DENIED, 0);
		return;
	}
	memcpy(who, q->sender, PRINCIPAL_SIZE);
	memcpy(who + PRINCIPAL_SIZE, author, PRINCIPAL_SIZE);
	memset(&acl, 0, sizeof(acl));
	if (reader) {
		acl.count = 1;
		memcpy(acl.entry[0].principal, reader, PRINCIPAL_SIZE);
		acl.entry[0].rights = OBJ_RIGHT_READ;
	}
	r = sys_obj_put_signed_for(content, n, sans + 1, ans + 1, who,
				   reader ? &acl : NULL);
	if (r != 0) {
		answer_status(q->from, fs_status_for(FS_OP_PUT, r), r);
		return;
	}
	ans[0] = FS_OK;
	answer(q->from, ans, sizeof(ans));
}

static void do_put(const struct fs_request *q)
{
	size_t n = q->len - 1u;

	if (n == 0 || n > FS_PUT_MAX) {
		answer_status(q->from, FS_INVALID, 0);
		return;
	}
	store_signed(q, q->payload + 1, n, NULL);
}

static void do_share(const struct fs_request *q)
{
	static const uint8_t zero[PRINCIPAL_SIZE];
	const uint8_t *reader = q->payload + 1;

	/* A reader, then 1..FS_SHARE_MAX bytes; never the anonymous one. */
	if (q->len < 1 + PRINCIPAL_SIZE + 1 ||
	    !memcmp(reader, zero, PRINCIPAL_SIZE)) {
		answer_status(q->from, FS_INVALID, 0);
		return;
	}
	store_signed(q, reader + PRINCIPAL_SIZE, q->len - 1u - PRINCIPAL_SIZE,
		     reader);
}

static void do_get(const struct fs_request *q)
{
	uint8_t ans[IPC_MSG_SIZE];
	int64_t r;

	if (q->len != 1 + 32) {
		answer_status(q->from, FS_INVALID, 0);
		return;
	}
	r = sys_obj_get_for(q->payload + 1, ans + 1, sizeof(ans) - 1,
			    q->sender);
	if (r < 0) {
		answer_status(q->from, fs_status_for(FS_OP_GET, r), r);
		return;
	}
	ans[0] = FS_OK;
	answer(q->from, ans, (size_t)r + 1);
}

static void do_delete(const struct fs_request *q)
{
	int64_t r;

	if (q->len != 1 + 32) {
		answer_status(q->from, FS_INVALID, 0);
		return;
	}
	r = sys_obj_delete_for(q->payload + 1, q->sender);
	answer_status(q->from, fs_status_for(FS_OP_DELETE, r), r);
}

/* LIST: the first FS_LIST_MAX objects the client may read. */
static void do_list(const struct fs_request *q)
{
	static uint8_t all[256][32];
	uint8_t ans[2 + FS_LIST_MAX * 32], probe;
	unsigned count = 0;
	int64_t r;

	if (q->len != 1) {
		answer_status(q->from, FS_INVALID, 0);
		return;
	}
	r = sys_obj_list(all, sizeof(all));
	if (r < 0) {
		answer_status(q->from, fs_status_for(FS_OP_LIST, r), r);
		return;
	}
	for (int64_t i = 0; i < r && count < FS_LIST_MAX; i++) {
		if (sys_obj_get_for(all[i], &probe, 1, q->sender) < 0)
			continue;
		memcpy(ans + 2 + count * 32, all[i], 32);
		count++;
	}
	ans[0] = FS_OK;
	ans[1] = (uint8_t)count;
	answer(q->from, ans, 2 + count * 32);
}

static void serve(const struct fs_request *q)
{
	if (q->len == 0)
		return;
	switch (q->payload[0]) {
	case FS_PUT:
		do_put(q);
		break;
	case FS_GET:
		do_get(q);
		break;
	case FS_DELETE:
		do_delete(q);
		break;
	case FS_LIST:
		do_list(q);
		break;
	case FS_SHARE:
		do_share(q);
		break;
	default:
		answer_status(q->from, FS_INVALID, 0);
		break;
	}
}

int main(void)
{
	static struct fs_request q;
	int64_t r = sys_register_endpoint(IPC_EP_FS, 0);

	if (sys_failed(r)) {
		printf("fs-service: cannot register endpoint %d: %s\n",
		       IPC_EP_FS, strerror((int)r));
		(void)sys_module_ready();
		return 1;
	}
	(void)sys_module_ready();
	printf("fs-service: ready on endpoint %d\n", IPC_EP_FS);
	for (;;) {
		if (!fs_defer_pop(&deferred, &q)) {
			struct recv_msg m;

			r = recv_verified(IPC_EP_FS, rbuf, sizeof(rbuf), &m);
			if (r < 0)
				continue;
			if (m.from_endpoint == IPC_EP_KEYSTORE)
				continue; /* a late key-store answer */
			memcpy(q.sender, m.sender, PRINCIPAL_SIZE);
			q.from = m.from_endpoint;
			q.len = (uint16_t)m.len;
			memcpy(q.payload, m.payload, m.len);
		}
		serve(&q);
	}
}
