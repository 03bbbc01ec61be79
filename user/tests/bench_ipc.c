/*
 * user/tests/bench_ipc.c - IPC round trip and channel throughput, for
 * `make bench` (tests/bench/bench.py).  A boot module; its peer is the
 * spawn-only module bench_ipc_peer (see bench_ipc_peer.c for the
 * protocol).  With -smp 2 the kernel places the spawned peer on the
 * other CPU; both sides report the CPU they ran on (SysInfo), before and
 * after the timed round trips, so the output says where they really were.
 *
 * Steps:
 *   1. TSC rate: read_cycles() across BENCH_TICKS timer ticks (100 Hz),
 *      so bench.py can turn cycles into seconds under plain TCG (where
 *      the guest TSC runs at the host's rate).
 *   2. Register BENCH_DRIVER_EP, spawn the peer, give it SEND there
 *      (Delegate); its hello gives this side SEND on its endpoint (the
 *      kernel's reply rule) and its Principal (the kernel's stamp).
 *   3. Round trip: Write a 16-byte ping to the peer, RecvMsg its echo;
 *      WARMUP rounds, then ROUNDS timed ones.
 *   4. memcpy of 1 MiB between two private buffers, ITERS times.
 *   5. Channel of 256 pages (producer role) for the peer's Principal;
 *      per iteration copy 1 MiB into it, send 'D', the peer copies the
 *      1 MiB out into its own buffer, checks it and replies; ITERS times.
 *   6. Bursts: BURST Writes back to back, then BURST RecvMsgs, to split
 *      the round trip into its syscalls (a diagnostic, run last).
 *
 * Prints
 *   "bench_ipc: tsc_hz=<hz>"
 *   "bench_ipc: client_cpu=<c> server_cpu=<s> at start
 *    reply_right_retries=<n>"
 *   "bench_ipc: cpus=<n> client_cpu=<c> server_cpu=<s> migrated=<0|1>
 *    rounds=<n> msg_bytes=16 cycles_total=<t> cycles_per_round=<r>"
 *   "bench_memcpy: bytes=<b> iters=<n> cycles_total=<t>"
 *   "bench_channel: producer_cpu=<c> consumer_cpu=<s> bytes=<b> iters=<n>
 *    cycles_total=<t>"
 *   "bench_ipc: burst writes=<n> cycles_per_write=<w>
 *    cycles_per_queued_recv=<r>"
 *   "bench_ipc: done"
 * and exits 0.  On a failure: "bench_ipc: failed <what> <err> (<name>)",
 * exit code 1.
 */
#include "lib/libsys/libsys.h"

#include "bench_ipc.h"

#define BENCH_TICKS 10
#define WARMUP	    200
#define ROUNDS	    2000
#define ITERS	    32
#define ITER_WARMUP 2
#define BURST	    15
#define BURSTS	    100
/* How long the first request retries -EPERM: 2 s of 100 Hz ticks. */
#define FIRST_REQUEST_TICKS 200

static uint8_t rbuf[IPC_RECV_BUF_SIZE];

static int fail(const char *what, int64_t err)
{
	printf("bench_ipc: failed %s %ld (%s)\n", what, err,
	       errno_name((int)err));
	return 1;
}

static uint32_t current_cpu(uint32_t *online)
{
	struct sysinfo_sched s;

	if (sys_sysinfo(SYSINFO_SCHED, &s, sizeof(s)) < (int64_t)sizeof(s))
		return BENCH_CPU_UNKNOWN;
	if (online)
		*online = s.online_cpus;
	return s.cpu;
}

/* TSC cycles per second, from BENCH_TICKS ticks of the 100 Hz timer. */
static uint64_t tsc_hz(void)
{
	int64_t t0 = sys_get_time(), t1;
	uint64_t c0, c1;

	while ((t1 = sys_get_time()) == t0)
		;
	c0 = read_cycles();
	while (sys_get_time() < t1 + BENCH_TICKS)
		;
	c1 = read_cycles();
	return (c1 - c0) * 100 / BENCH_TICKS;
}

/*
 * One request to the peer and its reply: cmd with value out, the reply's
 * value in *out.  Returns 0 or a negative errno.
 */
static int64_t request(uint8_t cmd, uint64_t value, uint64_t *out)
{
	uint8_t msg[BENCH_MSG_BYTES] = {cmd};
	int64_t ret;

	memcpy(msg + 8, &value, 8);
	ret = sys_write(BENCH_PEER_EP, msg, sizeof(msg));
	if (ret < 0)
		return ret;
	ret = sys_recv_msg(BENCH_DRIVER_EP, rbuf, sizeof(rbuf));
	if (ret < 0)
		return ret;
	if (ret != IPC_RECV_HDR_SIZE + BENCH_MSG_BYTES ||
	    rbuf[IPC_RECV_HDR_SIZE] != cmd)
		return -ECORRUPT;
	memcpy(out, rbuf + IPC_RECV_HDR_SIZE + 8, 8);
	return 0;
}

/* Spawn the peer under its module name, with or without ".elf". */
static int64_t spawn_peer(void)
{
	static const char *const names[] = {"bench_ipc_peer",
					    "bench_ipc_peer.elf"};
	int64_t task = -EINVAL;

	for (size_t i = 0; i < 2 && task < 0; i++)
		task = sys_spawn(names[i], strlen(names[i]));
	return task;
}

/* Wait for the peer's hello; its sender Principal goes to peer. */
static int64_t await_hello(uint8_t *peer, uint64_t *peer_cpu)
{
	struct ipc_recv_hdr hdr;
	int64_t ret = sys_recv_msg(BENCH_DRIVER_EP, rbuf, sizeof(rbuf));

	if (ret < 0)
		return ret;
	if (ret != IPC_RECV_HDR_SIZE + BENCH_MSG_BYTES ||
	    rbuf[IPC_RECV_HDR_SIZE] != 'H')
		return -ECORRUPT;
	memcpy(&hdr, rbuf, sizeof(hdr));
	if (hdr.from_endpoint != BENCH_PEER_EP)
		return -ENOENDPOINT;
	memcpy(peer, hdr.sender, PRINCIPAL_SIZE);
	memcpy(peer_cpu, rbuf + IPC_RECV_HDR_SIZE + 8, 8);
	return 0;
}

/*
 * The first request after the hello.  SEND on the peer's endpoint comes
 * from the kernel's reply rule when the peer's hello was sent; a kernel
 * that grants it after queueing the hello lets this side, on another
 * CPU, see the hello first and get -EPERM: yield and retry for up to
 * FIRST_REQUEST_TICKS (under TCG the other virtual CPU is a host thread
 * the host may not run for a while), counting the retries in *retries
 * (0 when the grant came first).
 */
static int64_t first_request(int *retries)
{
	int64_t deadline = sys_get_time() + FIRST_REQUEST_TICKS;
	uint64_t cpu;
	int64_t ret;

	*retries = 0;
	while ((ret = request('S', 0, &cpu)) == -EPERM &&
	       sys_get_time() < deadline) {
		++*retries;
		(void)sys_yield();
	}
	return ret;
}

/* Step 3: the timed ping-pong. */
static int round_trips(void)
{
	uint8_t msg[BENCH_MSG_BYTES] = {'P'};
	uint64_t start, total, seq, c_srv0, c_srv1;
	uint32_t online = 0, c_cli0, c_cli1;
	int64_t ret;

	for (int i = 0; i < WARMUP; i++) {
		ret = request('P', (uint64_t)i, &seq);
		if (ret < 0 || seq != (uint64_t)i)
			return fail("warmup", ret < 0 ? ret : -ECORRUPT);
	}
	c_cli0 = current_cpu(&online);
	if ((ret = request('S', 0, &c_srv0)) < 0)
		return fail("status", ret);

	start = read_cycles();
	for (uint64_t i = 0; i < ROUNDS; i++) {
		memcpy(msg + 8, &i, 8);
		ret = sys_write(BENCH_PEER_EP, msg, sizeof(msg));
		if (ret != sizeof(msg))
			return fail("write", ret < 0 ? ret : -ECORRUPT);
		ret = sys_recv_msg(BENCH_DRIVER_EP, rbuf, sizeof(rbuf));
		if (ret != IPC_RECV_HDR_SIZE + BENCH_MSG_BYTES)
			return fail("recv", ret < 0 ? ret : -ECORRUPT);
		memcpy(&seq, rbuf + IPC_RECV_HDR_SIZE + 8, 8);
		if (seq != i)
			return fail("echo", -ECORRUPT);
	}
	total = read_cycles() - start;

	c_cli1 = current_cpu(NULL);
	if ((ret = request('S', 0, &c_srv1)) < 0)
		return fail("status", ret);
	printf("bench_ipc: cpus=%u client_cpu=%u server_cpu=%u migrated=%d "
	       "rounds=%d msg_bytes=%d cycles_total=%llu "
	       "cycles_per_round=%llu\n",
	       online, c_cli1, (unsigned)c_srv1,
	       c_cli0 != c_cli1 || c_srv0 != c_srv1, ROUNDS, BENCH_MSG_BYTES,
	       (unsigned long long)total, (unsigned long long)(total / ROUNDS));
	return 0;
}

/*
 * A split of the round trip: BURST Writes back to back (the peer's queue
 * takes IPC_QUEUE_DEPTH), then the BURST echoes; after the first,
 * blocking, RecvMsg the rest find the echoes already queued when the
 * peer ran to the end of the burst.  BURSTS times; per-call averages.
 */
static int bursts(void)
{
	uint8_t msg[BENCH_MSG_BYTES] = {'P'};
	uint64_t t0, t1, t2, t3, w = 0, r = 0;
	int64_t ret;

	for (int b = 0; b < BURSTS; b++) {
		t0 = read_cycles();
		for (int i = 0; i < BURST; i++)
			if ((ret = sys_write(BENCH_PEER_EP, msg, sizeof(msg))) <
			    0)
				return fail("burst write", ret);
		t1 = read_cycles();
		ret = sys_recv_msg(BENCH_DRIVER_EP, rbuf, sizeof(rbuf));
		if (ret < 0)
			return fail("burst recv", ret);
		t2 = read_cycles();
		for (int i = 1; i < BURST; i++)
			if ((ret = sys_recv_msg(BENCH_DRIVER_EP, rbuf,
						sizeof(rbuf))) < 0)
				return fail("burst recv", ret);
		t3 = read_cycles();
		w += t1 - t0;
		r += t3 - t2;
	}
	printf("bench_ipc: burst writes=%d cycles_per_write=%llu "
	       "cycles_per_queued_recv=%llu\n",
	       BURSTS * BURST, (unsigned long long)(w / (BURSTS * BURST)),
	       (unsigned long long)(r / (BURSTS * (BURST - 1))));
	return 0;
}

/*
 * Both private 1 MiB buffers, in one allocation: src one page in, dst one
 * page after src's end.  Buffers an exact multiple of 64 pages apart
 * (Allocate and ChannelCreate hand out such addresses) index the same
 * entry of QEMU's software TLB, which is 64 entries when no flush has
 * resized it: every word copied would then miss it, and memcpy under
 * TCG ran about 14 times slower than the same copy with the skew.  Real
 * CPUs have a milder form of it (4 KiB aliasing).
 */
static int alloc_buffers(uint8_t **src, uint8_t **dst)
{
	size_t size = 2 * BENCH_CHANNEL_BYTES + 3 * BENCH_PAGE;
	int64_t ret = sys_allocate(size, 0);

	if (sys_failed(ret))
		return fail("allocate", ret);
	/* Touch every page now, so no first-touch cost is timed. */
	memset((void *)(uintptr_t)ret, 0x5a, size);
	*src = (uint8_t *)(uintptr_t)ret + BENCH_PAGE;
	*dst = *src + BENCH_CHANNEL_BYTES + BENCH_PAGE;
	return 0;
}

/* Step 4: the baseline, memcpy of 1 MiB between private buffers. */
static int memcpy_bench(uint8_t *src, uint8_t *dst)
{
	uint64_t start, total;

	for (int i = 0; i < ITER_WARMUP; i++)
		memcpy(dst, src, BENCH_CHANNEL_BYTES);
	start = read_cycles();
	for (int i = 0; i < ITERS; i++)
		memcpy(dst, src, BENCH_CHANNEL_BYTES);
	total = read_cycles() - start;
	printf("bench_memcpy: bytes=%d iters=%d cycles_total=%llu\n",
	       BENCH_CHANNEL_BYTES, ITERS, (unsigned long long)total);
	return 0;
}

/* One transfer: stamp, copy into the channel, notify, wait for the ack. */
static int64_t transfer(uint8_t *chan, uint8_t *src, uint64_t seq)
{
	uint64_t tail = ~seq, status;
	int64_t ret;

	memcpy(src, &seq, 8);
	memcpy(src + BENCH_CHANNEL_BYTES - 8, &tail, 8);
	memcpy(chan, src, BENCH_CHANNEL_BYTES);
	ret = request('D', seq, &status);
	if (ret < 0)
		return ret;
	return (int64_t)status;
}

/* Step 5: channel throughput, producer here, consumer in the peer. */
static int channel_bench(const uint8_t *peer, uint8_t *src)
{
	uint64_t vaddr = 0, status, start, total, c_srv;
	uint32_t c_cli;
	int64_t id, ret;
	uint8_t *chan;

	id = sys_channel_create(BENCH_CHANNEL_PAGES, peer, CHANNEL_PRODUCER,
				&vaddr);
	if (sys_failed(id))
		return fail("channel_create", id);
	chan = (uint8_t *)(uintptr_t)vaddr;
	if ((ret = request('A', (uint64_t)id, &status)) < 0)
		return fail("attach request", ret);
	if (status)
		return fail("channel_attach", (int64_t)status);

	for (uint64_t i = 0; i < ITER_WARMUP; i++)
		if ((ret = transfer(chan, src, i)) != 0)
			return fail("transfer", ret);
	start = read_cycles();
	for (uint64_t i = 0; i < ITERS; i++)
		if ((ret = transfer(chan, src, ITER_WARMUP + i)) != 0)
			return fail("transfer", ret);
	total = read_cycles() - start;

	c_cli = current_cpu(NULL);
	if ((ret = request('S', 0, &c_srv)) < 0)
		return fail("status", ret);
	printf("bench_channel: producer_cpu=%u consumer_cpu=%u bytes=%d "
	       "iters=%d cycles_total=%llu\n",
	       c_cli, (unsigned)c_srv, BENCH_CHANNEL_BYTES, ITERS,
	       (unsigned long long)total);
	ret = sys_channel_close((uint64_t)id);
	if (ret < 0)
		return fail("channel_close", ret);
	return 0;
}

int main(void)
{
	uint8_t peer[PRINCIPAL_SIZE];
	uint64_t peer_cpu, cpu_end;
	int64_t task, pid, ret;
	int retries;
	uint8_t *src = NULL, *dst = NULL;
	int err;

	(void)sys_module_ready();
	printf("bench_ipc: tsc_hz=%llu\n", (unsigned long long)tsc_hz());

	if ((ret = sys_register_endpoint(BENCH_DRIVER_EP, 0)) < 0)
		return fail("register", ret);
	if ((task = spawn_peer()) < 0)
		return fail("spawn", task);
	pid = sys_task_process((uint64_t)task);
	if (sys_failed(pid))
		return fail("task_process", pid);
	ret = sys_delegate(BENCH_DRIVER_EP, (uint64_t)pid, IPC_RIGHT_SEND);
	if (ret < 0)
		return fail("delegate", ret);
	if ((ret = await_hello(peer, &peer_cpu)) < 0)
		return fail("hello", ret);
	if ((ret = first_request(&retries)) < 0)
		return fail("first request", ret);
	printf("bench_ipc: client_cpu=%u server_cpu=%u at start "
	       "reply_right_retries=%d\n",
	       current_cpu(NULL), (unsigned)peer_cpu, retries);

	err = round_trips();
	if (!err)
		err = alloc_buffers(&src, &dst);
	if (!err)
		err = memcpy_bench(src, dst);
	if (!err)
		err = channel_bench(peer, src);
	if (!err)
		err = bursts();

	if ((ret = request('Q', 0, &cpu_end)) < 0)
		return fail("quit", ret);
	ret = sys_wait_task((uint64_t)task);
	if (ret != 0)
		return fail("peer exit", ret);
	if (!err)
		printf("bench_ipc: done\n");
	return err;
}
