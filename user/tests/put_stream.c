/*
 * user/tests/put_stream.c - a stream of puts through the fs-service, for
 * tests/qemu/test_persistence.py, which kills QEMU in the middle of it.
 *
 * Puts "stream object <i>" for i = 0, 1, ... and prints
 * "put_stream: acked <i> <hash>" only after the fs-service answered OK:
 * each such line is a promise that the object is on the disk.
 */
#include "abi/fs.h"
#include "lib/libsys/libsys.h"

#define REPLY_EP 9u

static uint8_t rbuf[IPC_RECV_BUF_SIZE];

int main(void)
{
	uint8_t req[64];
	char hex[65];

	(void)sys_module_ready();
	if (sys_failed(sys_register_endpoint(REPLY_EP, 0))) {
		printf("put_stream: cannot register endpoint %u\n", REPLY_EP);
		return 1;
	}
	for (unsigned i = 0;; i++) {
		struct recv_msg m;
		int n = snprintf((char *)req + 1, sizeof(req) - 1,
				 "stream object %u", i);
		int64_t r;

		req[0] = FS_PUT;
		r = sys_write(IPC_EP_FS, req, (size_t)n + 1);
		if (sys_failed(r)) {
			printf("put_stream: send failed: %s\n", strerror((int)r));
			return 1;
		}
		r = recv_verified(REPLY_EP, rbuf, sizeof(rbuf), &m);
		if (r < 0 || m.len != 33 || m.payload[0] != FS_OK) {
			printf("put_stream: put %u failed (status %d)\n", i,
			       r < 0 ? -1 : m.payload[0]);
			return 1;
		}
		hex_encode(hex, m.payload + 1, 32);
		printf("put_stream: acked %u %s\n", i, hex);
	}
}
