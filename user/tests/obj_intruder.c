/*
 * user/tests/obj_intruder.c - a client under a Principal of its own (the
 * boot configuration's principal= argument) trying the shell's objects
 * through the fs-service, for tests/qemu/test_services.py.
 *
 * The test stores SECRET from the shell first, and SHARED with `arcobj
 * share` naming this program's Principal.  This program must not be able
 * to read or delete SECRET - through the fs-service, or with the object
 * syscalls directly, or by naming the shell as the client without being
 * a gateway; it may read SHARED (the object's access list) but not
 * delete it; its own objects work, and LIST shows exactly its own and
 * the shared one.
 * One line per check, "obj_intruder: <check> ... ok" or "... BAD", then
 * "obj_intruder: done <ok>/<total>".
 */
#include "abi/fs.h"
#include "lib/crypto/blake3.h"
#include "lib/libsys/libsys.h"

#define SECRET	  "the shell's secret note"
#define SHARED	  "shared with the intruder"
#define OWN	  "the intruder's own note"
#define REPLY_EP  9u

static unsigned ok, total;
static uint8_t rbuf[IPC_RECV_BUF_SIZE];

static void check(const char *what, int64_t got, int64_t want)
{
	total++;
	if (got == want)
		ok++;
	printf("obj_intruder: %s got=%ld want=%ld %s\n", what, (long)got,
	       (long)want, got == want ? "ok" : "BAD");
}

/* One fs-service request; returns the answer's length, its bytes in ans. */
static int64_t fs(const uint8_t *req, size_t len, uint8_t *ans)
{
	struct recv_msg m;
	int64_t r = sys_write(IPC_EP_FS, req, len);

	if (sys_failed(r))
		return r;
	r = recv_verified(REPLY_EP, rbuf, sizeof(rbuf), &m);
	if (r < 0)
		return r;
	memcpy(ans, m.payload, m.len);
	return (int64_t)m.len;
}

static int64_t fs_hash_cmd(uint8_t cmd, const uint8_t hash[32], uint8_t *ans)
{
	uint8_t req[33];

	req[0] = cmd;
	memcpy(req + 1, hash, 32);
	return fs(req, sizeof(req), ans);
}

int main(void)
{
	uint8_t secret[32], shared[32], own[32], ans[IPC_MSG_SIZE], buf[64];
	uint8_t req[64];
	uint8_t shell_principal[PRINCIPAL_SIZE], me[PRINCIPAL_SIZE];
	int64_t r;

	blake3_hash(SECRET, sizeof(SECRET) - 1, secret);
	blake3_hash(SHARED, sizeof(SHARED) - 1, shared);
	r = sys_register_endpoint(REPLY_EP, 0);
	check("register reply endpoint", r, 0);
	(void)sys_get_principal(me, sizeof(me));
	printf("obj_intruder: principal %02x%02x%02x%02x..\n", me[0], me[1],
	       me[2], me[3]);

	/* Through the fs-service: DENIED (3). */
	r = fs_hash_cmd(FS_GET, secret, ans);
	check("fs GET of the shell's object denied", r > 0 ? ans[0] : r,
	      FS_DENIED);
	r = fs_hash_cmd(FS_DELETE, secret, ans);
	check("fs DELETE of the shell's object denied", r > 0 ? ans[0] : r,
	      FS_DENIED);

	/* Directly: the kernel checks the caller's own Principal. */
	check("ObjGet of the shell's object", sys_obj_get(secret, buf, 8),
	      -EPERM);
	check("ObjDelete of the shell's object", sys_obj_delete(secret),
	      -EPERM);

	/* Naming another client needs the gateway capability. */
	memset(shell_principal, 0x11, sizeof(shell_principal));
	check("ObjGet for another client without the gateway right",
	      sys_obj_get_for(secret, buf, 8, shell_principal), -EPERM);

	/* The shared object: readable (ACL), not deletable (owner only). */
	r = fs_hash_cmd(FS_GET, shared, ans);
	check("fs GET of the object shared with it",
	      r == (int64_t)sizeof(SHARED) && ans[0] == FS_OK &&
		      !memcmp(ans + 1, SHARED, sizeof(SHARED) - 1),
	      1);
	check("ObjGet of the object shared with it",
	      sys_obj_get(shared, buf, sizeof(buf)), sizeof(SHARED) - 1);
	r = fs_hash_cmd(FS_DELETE, shared, ans);
	check("fs DELETE of the shared object denied", r > 0 ? ans[0] : r,
	      FS_DENIED);

	/* Its own object: put, get, list (its own and the shared), delete. */
	req[0] = FS_PUT;
	memcpy(req + 1, OWN, sizeof(OWN) - 1);
	r = fs(req, sizeof(OWN), ans);
	check("fs PUT of its own object", r == 33 ? ans[0] : -1000 - r, 0);
	memcpy(own, ans + 1, 32);
	r = fs_hash_cmd(FS_GET, own, ans);
	check("fs GET of its own object",
	      r == (int64_t)sizeof(OWN) && ans[0] == 0 &&
		      !memcmp(ans + 1, OWN, sizeof(OWN) - 1),
	      1);
	req[0] = FS_LIST;
	r = fs(req, 1, ans);
	check("fs LIST shows exactly its own and the shared object",
	      r == 2 + 64 && ans[0] == FS_OK && ans[1] == 2 &&
		      ((!memcmp(ans + 2, own, 32) &&
			!memcmp(ans + 34, shared, 32)) ||
		       (!memcmp(ans + 2, shared, 32) &&
			!memcmp(ans + 34, own, 32))),
	      1);
	r = fs_hash_cmd(FS_DELETE, own, ans);
	check("fs DELETE of its own object", r == 1 ? ans[0] : -1000 - r, 0);
	r = fs_hash_cmd(FS_GET, own, ans);
	check("fs GET after delete", r > 0 ? ans[0] : r, FS_NOT_FOUND);

	printf("obj_intruder: done %u/%u\n", ok, total);
	return ok == total ? 0 : 1;
}
