/*
 * user/tests/bench_ipc_peer.c - the server half of bench_ipc: a
 * spawn-only module that bench_ipc starts with Spawn.
 *
 * It registers BENCH_PEER_EP (its reply endpoint), then sends a hello
 * carrying its CPU to bench_ipc's BENCH_DRIVER_EP, retrying with Yield
 * while the driver's Delegate of SEND has not landed yet (-EPERM).  The
 * kernel's reply rule then gives the driver SEND on BENCH_PEER_EP, and
 * the peer serves requests until told to quit:
 *
 *   'P' ping     echo the payload back (the IPC round trip)
 *   'S' status   reply with the CPU it runs on now
 *   'A' attach   attach channel id (u64 at offset 8); reply status
 *   'D' data     copy the attached channel (1 MiB) into a private buffer,
 *                check the stamp words the producer wrote; reply status
 *   'Q' quit     reply with its CPU, then exit 0
 *
 * Every reply is 16 bytes: [0] the command, [8..16) a u64 (the echoed
 * value, a CPU, or a status: 0 or a negative errno).  Prints nothing on
 * success; on a failure "bench_ipc_peer: failed <what> <err> (<name>)"
 * and exit code 1.
 */
#include "lib/libsys/libsys.h"

#include "bench_ipc.h"

static int fail(const char *what, int64_t err)
{
	printf("bench_ipc_peer: failed %s %ld (%s)\n", what, err,
	       errno_name((int)err));
	return 1;
}

static uint64_t current_cpu(void)
{
	struct sysinfo_sched s;

	if (sys_sysinfo(SYSINFO_SCHED, &s, sizeof(s)) < (int64_t)sizeof(s))
		return BENCH_CPU_UNKNOWN;
	return s.cpu;
}

/* Send a 16-byte reply; retries while the driver's queue is full. */
static int64_t reply(uint8_t cmd, uint64_t value)
{
	uint8_t msg[BENCH_MSG_BYTES] = {cmd};
	int64_t ret;

	memcpy(msg + 8, &value, 8);
	while ((ret = sys_write(BENCH_DRIVER_EP, msg, sizeof(msg))) ==
	       -EWOULDBLOCK)
		(void)sys_yield();
	return ret;
}

/* Consumer side of one 1 MiB transfer: copy out, check the stamps. */
static uint64_t consume(const uint8_t *chan, uint8_t *priv, uint64_t seq)
{
	uint64_t head, tail;

	if (!chan)
		return (uint64_t)-EINVAL;
	memcpy(priv, chan, BENCH_CHANNEL_BYTES);
	memcpy(&head, priv, 8);
	memcpy(&tail, priv + BENCH_CHANNEL_BYTES - 8, 8);
	return head == seq && tail == ~seq ? 0 : (uint64_t)-ECORRUPT;
}

int main(void)
{
	static uint8_t buf[IPC_RECV_BUF_SIZE];
	uint8_t hello[BENCH_MSG_BYTES] = {'H'};
	const uint8_t *chan = NULL;
	uint8_t *priv = NULL;
	uint64_t cpu = current_cpu();
	int64_t ret;

	ret = sys_register_endpoint(BENCH_PEER_EP, 0);
	if (ret < 0)
		return fail("register", ret);
	memcpy(hello + 8, &cpu, 8);
	/* The driver delegates SEND after Spawn returns: it may not have
	 * yet. */
	while ((ret = sys_write(BENCH_DRIVER_EP, hello, sizeof(hello))) ==
		   -EPERM ||
	       ret == -EWOULDBLOCK)
		(void)sys_yield();
	if (ret < 0)
		return fail("hello", ret);

	for (;;) {
		uint64_t value;

		ret = sys_recv_msg(BENCH_PEER_EP, buf, sizeof(buf));
		if (ret < IPC_RECV_HDR_SIZE + BENCH_MSG_BYTES)
			return fail("recv", ret < 0 ? ret : -ECORRUPT);
		const uint8_t *p = buf + IPC_RECV_HDR_SIZE;

		memcpy(&value, p + 8, 8);
		switch (p[0]) {
		case 'P':
			/* The round trip: echo the payload as it came. */
			ret = sys_write(BENCH_DRIVER_EP, p,
					(size_t)ret - IPC_RECV_HDR_SIZE);
			break;
		case 'S':
			ret = reply('S', current_cpu());
			break;
		case 'A':
			ret = sys_channel_attach(value);
			if (sys_failed(ret)) {
				ret = reply('A', (uint64_t)ret);
				break;
			}
			chan = (const uint8_t *)(uintptr_t)ret;
			/* One page in: see alloc_buffers() in bench_ipc.c. */
			ret = sys_allocate(BENCH_CHANNEL_BYTES + BENCH_PAGE, 0);
			if (sys_failed(ret)) {
				ret = reply('A', (uint64_t)ret);
				break;
			}
			priv = (uint8_t *)(uintptr_t)ret + BENCH_PAGE;
			memset(priv, 0x5a, BENCH_CHANNEL_BYTES);
			ret = reply('A', 0);
			break;
		case 'D':
			ret = reply('D', consume(chan, priv, value));
			break;
		case 'Q':
			ret = reply('Q', current_cpu());
			if (ret < 0)
				return fail("reply", ret);
			return 0;
		default:
			return fail("command", -EINVAL);
		}
		if (ret < 0)
			return fail("reply", ret);
	}
}
