/*
 * user/tests/bench_obj.c - arcobj latency through the whole chain, for
 * make bench (tests/bench/bench.py): PUT and GET requests to the
 * fs-service on endpoint 16, each answered after the key store signed
 * (PUT), the kernel's store checked and stored it, and - with a disk -
 * the virtio-blk driver wrote and flushed the blocks.
 *
 * Prints "bench_obj: puts=<n> put_cycles=<total> gets=<n>
 * get_cycles=<total>" (cycles are instructions under -icount), or
 * "bench_obj: failed ..." and exits 1.  Whether a disk serves is the
 * benchmark's choice (a virtio-blk drive, or none: the RAM store).
 */
#include "abi/fs.h"
#include "lib/libsys/libsys.h"

#define REPLY_EP 9u
#define N	 16u

static uint8_t rbuf[IPC_RECV_BUF_SIZE];
static uint8_t hashes[N][32];

/* One request; the answer's status, or -1 on a transport error. */
static int request(const uint8_t *req, size_t len, uint8_t *ans, size_t *n)
{
	struct recv_msg m;

	if (sys_failed(sys_write(IPC_EP_FS, req, len)))
		return -1;
	if (recv_verified(REPLY_EP, rbuf, sizeof(rbuf), &m) < 0)
		return -1;
	memcpy(ans, m.payload, m.len);
	*n = m.len;
	return m.payload[0];
}

int main(void)
{
	uint8_t req[64], ans[IPC_MSG_SIZE];
	uint64_t t0, put_cycles, get_cycles;
	size_t n;

	(void)sys_module_ready();
	if (sys_failed(sys_register_endpoint(REPLY_EP, 0))) {
		printf("bench_obj: failed to register endpoint %u\n", REPLY_EP);
		return 1;
	}
	/* Warm up: the first operation switches the store to the disk. */
	req[0] = FS_LIST;
	if (request(req, 1, ans, &n) != 0) {
		printf("bench_obj: failed: LIST status %d\n", ans[0]);
		return 1;
	}
	t0 = read_cycles();
	for (unsigned i = 0; i < N; i++) {
		int len = snprintf((char *)req + 1, sizeof(req) - 1,
				   "bench object %u of this run", i);

		req[0] = FS_PUT;
		if (request(req, (size_t)len + 1, ans, &n) != 0 || n != 33) {
			printf("bench_obj: failed: PUT %u status %d\n", i, ans[0]);
			return 1;
		}
		memcpy(hashes[i], ans + 1, 32);
	}
	put_cycles = read_cycles() - t0;
	t0 = read_cycles();
	for (unsigned i = 0; i < N; i++) {
		req[0] = FS_GET;
		memcpy(req + 1, hashes[i], 32);
		if (request(req, 33, ans, &n) != 0 || n < 2) {
			printf("bench_obj: failed: GET %u status %d\n", i, ans[0]);
			return 1;
		}
	}
	get_cycles = read_cycles() - t0;
	printf("bench_obj: puts=%u put_cycles=%lu gets=%u get_cycles=%lu\n", N,
	       (unsigned long)put_cycles, N, (unsigned long)get_cycles);
	return 0;
}
