/*
 * user/tests/blk_client.c - a user of the virtio-blk service's endpoint
 * 24, for tests/qemu/test_virtio_blk.py (docs/virtio-blk.md §5).
 *
 * Registers its reply endpoint (BLK_CLIENT_EP), then sends each request
 * below to 24 and prints the answer, waiting for it with RecvMsg (only
 * identified senders):
 *
 *   "blk_client: <name> len=<n> st=<status>[ value=<v>]"
 *
 * value is the u64 sectors of GET_CAPACITY or the alive byte of
 * GET_STATUS.  Ends with "blk_client: done", exit 0; a failed send or
 * receive prints "blk_client: FAIL ..." and exits 1.
 */
#include "lib/klib/endian.h"
#include "lib/libsys/libsys.h"

/* Not reserved by any service (kernel/cap/cap.c's boot policy). */
#define BLK_CLIENT_EP 12

struct probe {
	const char *name;
	uint8_t cmd;
};

static const struct probe probes[] = {
    {"GET_STATUS", 5}, {"GET_CAPACITY", 4}, {"FLUSH", 3},
    {"READ_BLOCK", 1}, {"WRITE_BLOCK", 2},  {"UNKNOWN", 0x77},
};

static uint8_t rbuf[IPC_RECV_BUF_SIZE];

static int ask(const struct probe *p)
{
	uint8_t req[2] = {p->cmd, 0};
	struct recv_msg msg;
	int64_t r = sys_write(IPC_EP_BLK, req, 1);

	if (r != 1) {
		printf("blk_client: FAIL write %s: %ld\n", p->name, r);
		return -1;
	}
	r = recv_verified(BLK_CLIENT_EP, rbuf, sizeof(rbuf), &msg);
	if (r <= 0) {
		printf("blk_client: FAIL recv %s: %ld\n", p->name, r);
		return -1;
	}
	printf("blk_client: %s len=%lu st=%u", p->name, (unsigned long)msg.len,
	       msg.payload[0]);
	if (msg.len >= 9)
		printf(" value=%lu\n",
		       (unsigned long)le64_load(msg.payload + 1));
	else if (msg.len == 2)
		printf(" value=%u\n", msg.payload[1]);
	else
		printf("\n");
	return 0;
}

int main(void)
{
	int64_t r = sys_register_endpoint(BLK_CLIENT_EP, 0);

	(void)sys_module_ready();
	if (r != 0) {
		printf("blk_client: FAIL register %d: %ld\n", BLK_CLIENT_EP, r);
		return 1;
	}
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (ask(&probes[i]) != 0)
			return 1;
	printf("blk_client: done\n");
	return 0;
}
