/*
 * user/shell/arcobj.c - `arcobj`, the client of the fs-service protocol
 * (spec storage.md §7, the shell side of §9; docs/shell.md §4).
 *
 * Transport: a request is one Write to endpoint 16 (IPC_EP_FS), payload
 * [cmd u8][data...].  fs-service answers [status u8][data...] to the
 * request's `from`, which the kernel sets to the shell's reply endpoint
 * 18 (IPC_EP_SHELL, registered at start: ipc.md §3, §4).  The shell
 * polls 18 with TryRecvMsg, accepting only identified senders
 * (try_recv_verified), between Yields, for ARCOBJ_TIMEOUT_TICKS; then it
 * reports that the object store is not available.  The spec's shell
 * blocks in RecvMsg, so a missing fs-service hung it (storage.md §9).
 *
 * The protocol carries no request id.  Answers left on 18 by an earlier
 * request that timed out are drained before each new request, so a late
 * answer is never taken for the current one.
 *
 * Commands and answers:
 *   1 PUT    content 1..254 bytes     [0][hash 32]
 *   2 GET    hash 32                  [0][content <= 255]
 *   3 DELETE hash 32                  [status]
 *   4 LIST   -                        [0][count u8][count x hash 32], <= 7
 * Status: 0 OK, 1 NOT_FOUND, 2 FULL, 3 DENIED, 4 INVALID, and 5
 * UNAVAILABLE [5][error u16] (the store is offline: a damaged disk, an
 * I/O error; docs/services.md).
 */
#include "abi/fs.h"
#include "lib/libsys/libsys.h"

#include "user/shell/shell.h"

/* How long to wait for fs-service: 2 s of 100 Hz ticks. */
#define ARCOBJ_TIMEOUT_TICKS 200u

/* Bytes of an object hash (BLAKE3-256) and of its hex form. */
#define HASH_SIZE 32
#define HASH_HEX  64

/* Largest PUT content (storage.md §7: it must fit the signing request). */
#define PUT_MAX 254
/* Hashes one LIST answer carries at most. */
#define LIST_MAX FS_LIST_MAX

/* RegisterEndpoint's result for 18; "not yet" until arcobj_init. */
static int endpoint_err = -ENOENDPOINT;

/* Receive buffer: any message (header + 256 bytes). */
static uint8_t rbuf[IPC_RECV_BUF_SIZE];

int arcobj_init(void)
{
	int64_t r = sys_register_endpoint(IPC_EP_SHELL, 0);

	endpoint_err = sys_failed(r) ? (int)r : 0;
	return endpoint_err;
}

int arcobj_endpoint_error(void)
{
	return endpoint_err;
}

/* Throw away answers an earlier, timed-out request left on 18. */
static void drain_stale(void)
{
	struct recv_msg m;

	/* Bounded: a persistent error must not hang the shell. */
	for (unsigned i = 0; i <= IPC_QUEUE_DEPTH; i++)
		if (try_recv_verified(IPC_EP_SHELL, rbuf, sizeof(rbuf), &m) ==
		    0)
			break;
}

/*
 * Send req (len bytes) to fs-service and wait for its answer.  Returns
 * the answer's length (>= 1, copied to ans, IPC_MSG_SIZE bytes), 0 when
 * nothing answered in time, or a negative error from Write or from
 * receiving.  Rejected messages (anonymous or malformed) are skipped.
 */
static int64_t transact(const uint8_t *req, size_t len, uint8_t *ans)
{
	struct recv_msg m;
	uint64_t start;
	int64_t r;

	drain_stale();
	r = sys_write(IPC_EP_FS, req, len);
	if (sys_failed(r))
		return r;
	start = (uint64_t)sys_get_time();
	for (;;) {
		r = try_recv_verified(IPC_EP_SHELL, rbuf, sizeof(rbuf), &m);
		if (r > 0) {
			memcpy(ans, m.payload, m.len);
			return (int64_t)m.len;
		}
		if (r < 0 && r != -EPERM && r != -ECORRUPT)
			return r;
		if ((uint64_t)sys_get_time() - start >= ARCOBJ_TIMEOUT_TICKS)
			return 0;
		(void)sys_yield();
	}
}

/* Print why a request got no answer (transact() returned r <= 0). */
static void report_no_answer(int64_t r)
{
	if (r == 0)
		printf("arcobj: object store not available (no answer from "
		       "fs-service)\n");
	else if (r == -EWOULDBLOCK)
		printf("arcobj: object store not available (fs-service queue "
		       "full)\n");
	else
		printf("arcobj: cannot reach fs-service: %s (%s)\n",
		       strerror((int)r), errno_name((int)r));
}

/* Print the message of a non-OK answer; cmd picks DENIED's meaning. */
static void report_status(enum fs_cmd cmd, const uint8_t *ans, size_t len)
{
	uint8_t status = ans[0];

	switch (status) {
	case FS_NOT_FOUND:
		printf("arcobj: no such object\n");
		break;
	case FS_FULL:
		printf("arcobj: object store full\n");
		break;
	case FS_UNAVAILABLE:
		if (len >= 3) {
			int code = ans[1] | ans[2] << 8;

			printf("arcobj: object store unavailable: %s%s\n",
			       strerror(code),
			       code == ECORRUPT || code == EVERSION
				   ? " (the disk is damaged or not an object "
				     "store; it was left as it is)"
				   : "");
		} else {
			printf("arcobj: object store unavailable\n");
		}
		break;
	case FS_DENIED:
		if (cmd == FS_PUT)
			printf("arcobj: denied: key-store unavailable "
			       "(the object cannot be signed)\n");
		else if (cmd == FS_DELETE)
			printf("arcobj: denied: not the owner\n");
		else if (cmd == FS_GET)
			printf("arcobj: denied: not the owner and not in the "
			       "object's ACL\n");
		else
			printf("arcobj: denied\n");
		break;
	case FS_INVALID:
		printf("arcobj: fs-service refused the request as invalid\n");
		break;
	default:
		printf("arcobj: unexpected status %u from fs-service\n",
		       status);
		break;
	}
}

static void print_hash(const uint8_t *hash)
{
	char hex[HASH_HEX + 1];

	hex_encode(hex, hash, HASH_SIZE);
	printf("%s\n", hex);
}

/* 64 hex digits (either case) at s into 32 bytes; false otherwise. */
static bool parse_hex32(const char *s, uint8_t *hash)
{
	for (unsigned i = 0; i < HASH_SIZE; i++) {
		int hi = hex_digit(s[2 * i]), lo;

		if (hi < 0)
			return false;
		lo = hex_digit(s[2 * i + 1]);
		if (lo < 0)
			return false;
		hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/*
 * Parse exactly 64 hex digits (either case), optionally followed by
 * blanks, into hash.  Returns false for anything else.
 */
static bool parse_hash(const char *s, uint8_t *hash)
{
	return parse_hex32(s, hash) && !has_args(s + HASH_HEX);
}

/* Send one request; on an OK answer return its length, else report and
 * return 0.  ans holds IPC_MSG_SIZE bytes. */
static size_t request(enum fs_cmd cmd, const uint8_t *req, size_t len,
		      uint8_t *ans)
{
	int64_t r;

	if (endpoint_err) {
		printf("arcobj: reply endpoint %d not registered (%s)\n",
		       IPC_EP_SHELL, strerror(endpoint_err));
		return 0;
	}
	r = transact(req, len, ans);
	if (r <= 0) {
		report_no_answer(r);
		return 0;
	}
	if (ans[0] != FS_OK) {
		report_status(cmd, ans, (size_t)r);
		return 0;
	}
	return (size_t)r;
}

static void malformed_answer(void)
{
	printf("arcobj: malformed answer from fs-service\n");
}

static void arcobj_put(const char *text)
{
	uint8_t req[1 + PUT_MAX], ans[IPC_MSG_SIZE];
	size_t len = strlen(text), n;

	if (len == 0) {
		printf("usage: arcobj put <text>\n");
		return;
	}
	if (len > PUT_MAX) {
		printf("arcobj: text too long (%zu bytes, at most %d)\n", len,
		       PUT_MAX);
		return;
	}
	req[0] = FS_PUT;
	memcpy(req + 1, text, len);
	n = request(FS_PUT, req, 1 + len, ans);
	if (n == 0)
		return;
	if (n < 1 + HASH_SIZE) {
		malformed_answer();
		return;
	}
	printf("stored: ");
	print_hash(ans + 1);
}

/*
 * share <principal> <text>: store text readable by that Principal too
 * (64 hex digits, e.g. another program's key), [5][reader 32][text].
 */
static void arcobj_share(const char *args)
{
	uint8_t req[1 + HASH_SIZE + FS_SHARE_MAX], ans[IPC_MSG_SIZE];
	const char *text = args + HASH_HEX;
	size_t len, n;

	if (strlen(args) < HASH_HEX || !parse_hex32(args, req + 1) ||
	    *text != ' ') {
		printf("usage: arcobj share <principal: 64 hex digits> "
		       "<text>\n");
		return;
	}
	while (*text == ' ')
		text++;
	len = strlen(text);
	if (len == 0) {
		printf("usage: arcobj share <principal> <text>\n");
		return;
	}
	if (len > FS_SHARE_MAX) {
		printf("arcobj: text too long (%zu bytes, at most %u)\n", len,
		       FS_SHARE_MAX);
		return;
	}
	req[0] = FS_SHARE;
	memcpy(req + 1 + HASH_SIZE, text, len);
	n = request(FS_SHARE, req, 1 + HASH_SIZE + len, ans);
	if (n == 0)
		return;
	if (n < 1 + HASH_SIZE) {
		malformed_answer();
		return;
	}
	printf("stored (shared): ");
	print_hash(ans + 1);
}

/* GET and DELETE: [cmd][hash 32]. */
static size_t hash_request(enum fs_cmd cmd, const char *arg, uint8_t *ans)
{
	uint8_t req[1 + HASH_SIZE];

	if (!parse_hash(arg, req + 1)) {
		printf("arcobj: malformed hash (want 64 hex digits)\n");
		return 0;
	}
	req[0] = (uint8_t)cmd;
	return request(cmd, req, sizeof(req), ans);
}

static void arcobj_get(const char *arg)
{
	uint8_t ans[IPC_MSG_SIZE];
	char text[IPC_MSG_SIZE];
	size_t n = hash_request(FS_GET, arg, ans);

	if (n == 0)
		return;
	/* Content is bytes: show what is not printable ASCII as '.'. */
	for (size_t i = 1; i < n; i++)
		text[i - 1] =
		    ans[i] >= 0x20 && ans[i] <= 0x7E ? (char)ans[i] : '.';
	printf("%zu byte%s\n", n - 1, n == 2 ? "" : "s");
	printf("%.*s\n", (int)(n - 1), text);
}

static void arcobj_delete(const char *arg)
{
	uint8_t ans[IPC_MSG_SIZE];

	if (hash_request(FS_DELETE, arg, ans))
		printf("deleted\n");
}

static void arcobj_list(void)
{
	uint8_t req[1] = {FS_LIST}, ans[IPC_MSG_SIZE];
	size_t n = request(FS_LIST, req, sizeof(req), ans);
	unsigned count;

	if (n == 0)
		return;
	count = n >= 2 ? ans[1] : LIST_MAX + 1;
	if (count > LIST_MAX || n < 2 + (size_t)count * HASH_SIZE) {
		malformed_answer();
		return;
	}
	if (count == 0) {
		printf("(none)\n");
		return;
	}
	printf("%u object%s%s\n", count, count == 1 ? "" : "s",
	       count == LIST_MAX ? " (the protocol lists at most 7)" : "");
	for (unsigned i = 0; i < count; i++)
		print_hash(ans + 2 + i * HASH_SIZE);
}

/* Does the first word of s equal word?  Sets *rest after its blanks. */
static bool word_is(const char *s, const char *word, const char **rest)
{
	size_t n = strlen(word);

	if (strncmp(s, word, n) != 0 || (s[n] != '\0' && s[n] != ' '))
		return false;
	for (s += n; *s == ' '; s++)
		;
	*rest = s;
	return true;
}

void cmd_arcobj(const char *args)
{
	const char *rest;

	if (word_is(args, "put", &rest))
		arcobj_put(rest);
	else if (word_is(args, "share", &rest))
		arcobj_share(rest);
	else if (word_is(args, "get", &rest))
		arcobj_get(rest);
	else if (word_is(args, "list", &rest) && !has_args(rest))
		arcobj_list();
	else if (word_is(args, "delete", &rest) ||
		 word_is(args, "del", &rest) || word_is(args, "rm", &rest))
		arcobj_delete(rest);
	else
		printf("usage: arcobj put <text> | share <principal> <text> | "
		       "get <hash> | list | delete <hash>\n");
}
