/*
 * tools/urun/ipc.c - cambios-urun's model of endpoints and messages
 * (spec ipc.md §1-§5, syscalls.md 1, 2, 6, 13, 37; docs/capabilities.md
 * §3-§4), and with -f a model of fs-service on endpoint 16 (storage.md
 * §7) so clients such as the shell's arcobj can be tested.
 *
 * Modelled:
 *   - 32 endpoints, each with a queue of 16 messages (payload <= 256);
 *     a Write to a full queue gets -EWOULDBLOCK.  A queue needs no owner:
 *     messages to an endpoint nobody registered wait there, as in the
 *     kernel, and nobody ever answers them.
 *   - RegisterEndpoint: first come owns it; another program gets -EEXIST;
 *     23 and 25 (kernel-consumed) -EPERM; the reserved well-known
 *     endpoints only for the boot module whose name reserves them (the
 *     program given to urun is the boot module; spawned ones are not).
 *     The first endpoint registered is the program's reply endpoint.
 *   - SEND right: on the public endpoints 16, 21, 24, 28 and on one's
 *     own.  RECEIVE: the owner only.  (No Delegate, no reply rule: no
 *     two programs under urun ever run at once.)
 *   - Every program's Principal is the same non-zero key; messages from
 *     the fs-service model carry another, from = 16.
 *   - RecvMsg cannot block: nothing else runs while the program waits,
 *     so an empty queue answers -EWOULDBLOCK ("nothing there").
 *
 * The fs-service model answers each request at once, into the sender's
 * reply endpoint (dropped when it has none, as the kernel would refuse
 * the reply): PUT (1..254 bytes, BLAKE3 hash, idempotent, 64 objects
 * then FULL), GET (content cut to 255 bytes), DELETE, LIST (the first 7
 * hashes), anything else INVALID.
 */
#define _GNU_SOURCE
#include <string.h>

#include "abi/ipc.h"
#include "lib/crypto/blake3.h"
#include "tools/urun/urun.h"

#define EP(e) (1u << (e))

/* Public service endpoints: every program may send there. */
#define PUBLIC_SEND                                                            \
	(EP(IPC_EP_FS) | EP(IPC_EP_UDP) | EP(IPC_EP_BLK) |                     \
	 EP(IPC_EP_COMPOSITOR))
/* Only the kernel consumes these; nobody registers them. */
#define KERNEL_EPS (EP(IPC_EP_POLICY_REPLY) | EP(IPC_EP_BLK_KREPLY))

/* Owner of an endpoint served by the fs-service model. */
#define FS_MODEL_PID 0xFFFFFFFFu

/* Reserved endpoints and the boot module allowed each (cap.c's table). */
static const struct {
	const char *name;
	uint32_t eps;
} reservations[] = {
    {"policy-service", EP(IPC_EP_POLICY_QUERY)},
    {"key-store", EP(IPC_EP_KEYSTORE)},
    {"key-store-service", EP(IPC_EP_KEYSTORE)},
    {"fs-service", EP(IPC_EP_FS)},
    {"virtio-blk", EP(IPC_EP_BLK) | EP(IPC_EP_BLK_KCMD)},
    {"compositor", EP(IPC_EP_COMPOSITOR)},
    {"shell", EP(IPC_EP_SHELL)},
    {"virtio-net", EP(IPC_EP_NET)},
    {"i219-net", EP(IPC_EP_NET)},
    {"udp-stack", EP(IPC_EP_UDP)},
    {"scanout-driver", EP(IPC_EP_SCANOUT)},
};

#define NRESERVATIONS (sizeof(reservations) / sizeof(reservations[0]))

struct msg {
	uint8_t principal[PRINCIPAL_SIZE]; /* sender's, stamped */
	uint32_t from;			   /* reply endpoint or slot */
	size_t len;			   /* payload bytes */
	uint8_t data[IPC_MSG_SIZE];
};

struct endpoint {
	uint32_t owner; /* slot of the owner, 0 = none */
	unsigned head;	/* oldest message */
	unsigned count; /* messages queued */
	struct msg q[IPC_QUEUE_DEPTH];
};

static struct endpoint eps[IPC_MAX_ENDPOINTS];
static uint64_t sent, received;
static bool serve_fs;

/* Principals: the programs' (as GetPrincipal) and the fs model's. */
static const uint8_t prog_principal[PRINCIPAL_SIZE] = {0x86, 0x76, 0x3c, 0xb0};
static const uint8_t fs_principal[PRINCIPAL_SIZE] = {0xf5, 0x5e, 0x41, 0xce};

/* --- queues ----------------------------------------------------------------
 */

static int enqueue(unsigned ep, const uint8_t *principal, uint32_t from,
		   const void *data, size_t len)
{
	struct endpoint *e = &eps[ep];
	struct msg *m;

	if (e->count == IPC_QUEUE_DEPTH)
		return -CAMBIOS_EWOULDBLOCK;
	m = &e->q[(e->head + e->count) % IPC_QUEUE_DEPTH];
	memcpy(m->principal, principal, PRINCIPAL_SIZE);
	m->from = from;
	m->len = len;
	memcpy(m->data, data, len);
	e->count++;
	sent++;
	return 0;
}

static const struct msg *dequeue(unsigned ep)
{
	struct endpoint *e = &eps[ep];
	const struct msg *m;

	if (e->count == 0)
		return NULL;
	m = &e->q[e->head];
	e->head = (e->head + 1) % IPC_QUEUE_DEPTH;
	e->count--;
	received++;
	return m;
}

static void reset(unsigned ep)
{
	memset(&eps[ep], 0, sizeof(eps[ep]));
}

void ipc_model_init(bool fs)
{
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++)
		reset(ep);
	sent = received = 0;
	serve_fs = fs;
	if (fs)
		eps[IPC_EP_FS].owner = FS_MODEL_PID;
}

/* --- the fs-service model (storage.md §7) ----------------------------------
 */

enum { FS_PUT = 1, FS_GET = 2, FS_DELETE = 3, FS_LIST = 4 };
enum { FS_OK = 0, FS_NOT_FOUND = 1, FS_FULL = 2, FS_INVALID = 4 };

#define FS_OBJECTS  64
#define FS_PUT_MAX  254
#define FS_GET_MAX  255
#define FS_LIST_MAX 7

static struct {
	bool used;
	uint8_t hash[BLAKE3_OUT_LEN];
	size_t len;
	uint8_t content[FS_PUT_MAX];
} objects[FS_OBJECTS];

static int fs_find(const uint8_t *hash)
{
	for (int i = 0; i < FS_OBJECTS; i++)
		if (objects[i].used && !memcmp(objects[i].hash, hash, 32))
			return i;
	return -1;
}

/* Answer one request into ans; returns the answer's length. */
static size_t fs_answer(const uint8_t *req, size_t len, uint8_t *ans)
{
	int i;

	ans[0] = FS_INVALID;
	switch (req[0]) {
	case FS_PUT:
		if (len < 2 || len - 1 > FS_PUT_MAX)
			return 1;
		blake3_hash(req + 1, len - 1, ans + 1);
		if (fs_find(ans + 1) >= 0) {
			ans[0] = FS_OK; /* idempotent: first copy wins */
			return 33;
		}
		for (i = 0; i < FS_OBJECTS && objects[i].used; i++)
			;
		if (i == FS_OBJECTS) {
			ans[0] = FS_FULL;
			return 1;
		}
		objects[i].used = true;
		memcpy(objects[i].hash, ans + 1, 32);
		objects[i].len = len - 1;
		memcpy(objects[i].content, req + 1, len - 1);
		ans[0] = FS_OK;
		return 33;
	case FS_GET:
	case FS_DELETE:
		if (len < 33)
			return 1;
		i = fs_find(req + 1);
		if (i < 0) {
			ans[0] = FS_NOT_FOUND;
			return 1;
		}
		ans[0] = FS_OK;
		if (req[0] == FS_DELETE) {
			objects[i].used = false;
			return 1;
		}
		len = objects[i].len < FS_GET_MAX ? objects[i].len : FS_GET_MAX;
		memcpy(ans + 1, objects[i].content, len);
		return 1 + len;
	case FS_LIST: {
		unsigned n = 0;

		for (i = 0; i < FS_OBJECTS && n < FS_LIST_MAX; i++)
			if (objects[i].used)
				memcpy(ans + 2 + 32 * n++, objects[i].hash, 32);
		ans[0] = FS_OK;
		ans[1] = (uint8_t)n;
		return 2 + 32 * n;
	}
	default:
		return 1;
	}
}

/* --- syscalls --------------------------------------------------------------
 */

static uint32_t reserved_for(const struct proc *p)
{
	if (p->parent != 0)
		return 0; /* boot-only rows: not for spawned programs */
	for (size_t i = 0; i < NRESERVATIONS; i++)
		if (!strcmp(reservations[i].name, p->name))
			return reservations[i].eps;
	return 0;
}

int64_t ipc_register(struct proc *p, uint64_t ep)
{
	uint32_t reserved = 0;

	if (ep >= IPC_MAX_ENDPOINTS)
		return -CAMBIOS_ENOENDPOINT;
	for (size_t i = 0; i < NRESERVATIONS; i++)
		reserved |= reservations[i].eps;
	if (eps[ep].owner == p->pid)
		return 0; /* again: a no-op */
	if ((KERNEL_EPS & EP(ep)) ||
	    ((reserved & EP(ep)) && !(reserved_for(p) & EP(ep))))
		return -CAMBIOS_EPERM;
	if (eps[ep].owner != 0)
		return -CAMBIOS_EEXIST;
	reset((unsigned)ep); /* a new owner never reads old mail */
	eps[ep].owner = p->pid;
	if (p->reply_ep < 0)
		p->reply_ep = (int)ep;
	return 0;
}

int64_t ipc_write(struct proc *p, uint64_t ep, uint64_t buf, uint64_t len)
{
	uint8_t data[IPC_MSG_SIZE], ans[IPC_MSG_SIZE];
	uint32_t from = p->reply_ep >= 0 ? (uint32_t)p->reply_ep : p->pid;
	size_t n;
	int err;

	if (len == 0)
		return 0;
	if (len > IPC_MSG_SIZE)
		return -CAMBIOS_EINVAL;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -CAMBIOS_ENOENDPOINT;
	if (!copy_in(p->host, data, buf, len))
		return -CAMBIOS_EINVAL;
	if (!(PUBLIC_SEND & EP(ep)) && eps[ep].owner != p->pid)
		return -CAMBIOS_EPERM;
	if (ep == IPC_EP_FS && serve_fs) {
		sent++;
		received++; /* taken at once by the model */
		n = fs_answer(data, len, ans);
		/* The answer goes to `from`; without a reply endpoint the
		 * kernel would refuse it, so it is lost. */
		if (p->reply_ep >= 0 && eps[p->reply_ep].owner == p->pid)
			(void)enqueue((unsigned)p->reply_ep, fs_principal,
				      IPC_EP_FS, ans, n);
		return (int64_t)len;
	}
	err = enqueue((unsigned)ep, prog_principal, from, data, len);
	return err ? err : (int64_t)len;
}

/* May p receive on ep?  0, or the error. */
static int64_t recv_check(const struct proc *p, uint64_t ep)
{
	if (ep >= IPC_MAX_ENDPOINTS)
		return -CAMBIOS_ENOENDPOINT;
	return eps[ep].owner == p->pid ? 0 : -CAMBIOS_EPERM;
}

int64_t ipc_read(struct proc *p, uint64_t ep, uint64_t buf, uint64_t max)
{
	const struct msg *m;
	int64_t err;
	size_t n;

	if (max == 0)
		return 0;
	if (max > IPC_MSG_SIZE)
		return -CAMBIOS_EINVAL;
	if (!user_range(buf, max))
		return -CAMBIOS_EINVAL;
	err = recv_check(p, ep);
	if (err)
		return err;
	m = dequeue((unsigned)ep);
	if (!m)
		return 0;
	n = m->len < max ? m->len : max;
	return copy_out(p->host, buf, m->data, n) ? (int64_t)n
						  : -CAMBIOS_EINVAL;
}

int64_t ipc_recv(struct proc *p, uint64_t ep, uint64_t buf, uint64_t len,
		 bool blocking)
{
	uint8_t out[IPC_RECV_BUF_SIZE];
	const struct msg *m;
	int64_t err;
	size_t n;

	if (len < IPC_RECV_HDR_SIZE)
		return -CAMBIOS_EINVAL;
	if (ep >= IPC_MAX_ENDPOINTS)
		return -CAMBIOS_ENOENDPOINT;
	if (len > IPC_RECV_BUF_SIZE)
		len = IPC_RECV_BUF_SIZE;
	if (!user_range(buf, len))
		return -CAMBIOS_EINVAL;
	err = recv_check(p, ep);
	if (err)
		return err;
	m = dequeue((unsigned)ep);
	if (!m)
		return blocking ? -CAMBIOS_EWOULDBLOCK : 0;
	n = m->len < len - IPC_RECV_HDR_SIZE ? m->len : len - IPC_RECV_HDR_SIZE;
	memcpy(out, m->principal, PRINCIPAL_SIZE);
	memcpy(out + PRINCIPAL_SIZE, &m->from, 4);
	memcpy(out + IPC_RECV_HDR_SIZE, m->data, n);
	return copy_out(p->host, buf, out, IPC_RECV_HDR_SIZE + n)
		   ? (int64_t)(IPC_RECV_HDR_SIZE + n)
		   : -CAMBIOS_EINVAL;
}

void ipc_process_exit(const struct proc *p)
{
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++)
		if (eps[ep].owner == p->pid)
			reset(ep);
}

void ipc_stats(struct sysinfo_ipc *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned ep = 0; ep < IPC_MAX_ENDPOINTS; ep++) {
		if (eps[ep].owner)
			out->endpoints_owned++;
		out->queued += eps[ep].count;
	}
	/* Owners hold FULL on their endpoints; SEND on the 4 public ones
	 * is every program's, not counted per program here. */
	out->cap_entries = out->endpoints_owned;
	out->sent = sent;
	out->received = received;
}
