/*
 * lib/libsys/recv.c - receive that only accepts identified senders
 * (spec security.md §6: the user half of "identity is load-bearing").
 *
 * The kernel stamps every message with its sender's Principal; kernel
 * messages and processes without a Principal carry 32 zero bytes.  A
 * service that acts on a request must know who asked, so it receives
 * through these helpers and never sees anonymous messages.
 */
#include "lib/libsys/libsys.h"

/* Shortest acceptable answer: the header and one payload byte. */
#define RECV_MIN (IPC_RECV_HDR_SIZE + 1)

/* True when all n bytes of p are zero. */
static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/*
 * Check what RecvMsg or TryRecvMsg wrote (ret is its result) and fill
 * *msg.  The buffer may be unaligned: fields are copied out, not cast.
 */
static int64_t recv_check(int64_t ret, const uint8_t *buf, size_t buf_len,
			  struct recv_msg *msg)
{
	if (ret <= 0)
		return ret; /* an error, or 0: nothing queued (TryRecvMsg) */
	if ((uint64_t)ret < RECV_MIN || (uint64_t)ret > buf_len)
		return -ECORRUPT;
	if (all_zero(buf, PRINCIPAL_SIZE))
		return -EPERM;
	memcpy(msg->sender, buf, PRINCIPAL_SIZE);
	memcpy(&msg->from_endpoint, buf + PRINCIPAL_SIZE,
	       sizeof(msg->from_endpoint));
	msg->payload = buf + IPC_RECV_HDR_SIZE;
	msg->len = (size_t)ret - IPC_RECV_HDR_SIZE;
	return (int64_t)msg->len;
}

int64_t recv_verified(uint32_t endpoint, void *buf, size_t buf_len,
		      struct recv_msg *msg)
{
	if (buf_len < RECV_MIN)
		return -EINVAL;
	return recv_check(sys_recv_msg(endpoint, buf, buf_len), buf, buf_len,
			  msg);
}

int64_t try_recv_verified(uint32_t endpoint, void *buf, size_t buf_len,
			  struct recv_msg *msg)
{
	if (buf_len < RECV_MIN)
		return -EINVAL;
	return recv_check(sys_try_recv_msg(endpoint, buf, buf_len), buf,
			  buf_len, msg);
}
