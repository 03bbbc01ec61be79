/*
 * user/tests/ipc_peer.c - the remote-controlled half of the IPC tests
 * (user/tests/ipc_test.c is the driver).  A spawn-only module: the
 * driver starts it with Spawn("ipc_peer").
 *
 * Start-up: register the first free endpoint of 6..15 (two peers may run
 * at once; -EEXIST means taken), which becomes the reply endpoint, then
 * send a HELLO to the driver's endpoint 5.  The driver delegates SEND on
 * 5 right after Spawn, so the first sends may be refused (-EPERM): retry
 * with Yield for at most HELLO_TICKS.  The HELLO gives the owner of 5
 * (the driver) SEND on our endpoint by the kernel's reply rule.
 *
 * Then loop: receive one command on our endpoint (only from the driver's
 * endpoint 5), execute it, answer on 5.  Commands and answers are the
 * structs of ipc_proto.h.  Every answer
 * carries our own ProcessId; the driver checks it.
 *
 * Exit codes: the driver's EXIT argument; 0 after SEND_LOOP ended with
 * -EPERM; 2 when SEND_LOOP ended otherwise; 3 when a write to a read-only
 * channel mapping survived; 10..14 start-up or receive failures (each
 * printed as "ipc_peer: FAIL ...").
 */
#include "user/tests/ipc_proto.h"

#define PEER_EP_FIRST 6
#define PEER_EP_LAST  15
/* Longest wait for the driver's delegation of SEND on 5 (100 Hz ticks). */
#define HELLO_TICKS 500
/* SEND_LOOP gives up when its sends have been blocked this long. */
#define LOOP_TICKS 1000

/* --- state ------------------------------------------------------------- */

static uint64_t self_pid; /* our ProcessId (TaskProcess(0)) */
static uint32_t self_ep;  /* our endpoint */
static uint8_t rbuf[IPC_RECV_BUF_SIZE];
static struct ipc_cmd cmd;
static struct ipc_reply rep;

static uint32_t current_cpu(void)
{
	struct sysinfo_sched s;

	memset(&s, 0, sizeof(s));
	if (sys_failed(sys_sysinfo(SYSINFO_SCHED, &s, sizeof(s))))
		return 0xFFFFFFFFu;
	return s.cpu;
}

/* Send rep with n data bytes to the driver; waits while the queue is full. */
static int64_t answer(size_t n)
{
	int64_t r;

	rep.pid = self_pid;
	do {
		r = sys_write(DRIVER_EP, &rep, REPLY_HDR + n);
		if (r == -EWOULDBLOCK)
			(void)sys_yield();
	} while (r == -EWOULDBLOCK);
	if (r != (int64_t)(REPLY_HDR + n))
		printf("ipc_peer: FAIL answer op %u: %ld (%s)\n", rep.op, r,
		       strerror((int)r));
	return r;
}

static int hello(void)
{
	uint64_t start = (uint64_t)sys_get_time();
	int64_t r;

	memset(&rep, 0, sizeof(rep));
	rep.op = OP_HELLO;
	rep.pid = self_pid;
	rep.val[0] = self_ep;
	rep.val[1] = current_cpu();
	for (;;) {
		r = sys_write(DRIVER_EP, &rep, REPLY_HDR);
		if (r == REPLY_HDR)
			return 0;
		if (r != -EPERM && r != -EWOULDBLOCK)
			break;
		if ((uint64_t)sys_get_time() - start > HELLO_TICKS)
			break;
		(void)sys_yield();
	}
	printf("ipc_peer: FAIL hello to endpoint %u: %ld (%s)\n", DRIVER_EP, r,
	       strerror((int)r));
	return 1;
}

/* --- commands ----------------------------------------------------------- */

static void do_echo(void)
{
	size_t n = (size_t)cmd.arg[0];
	int64_t result = 0;

	if (n > sizeof(rep.data))
		n = sizeof(rep.data);
	for (size_t j = 0; j < n; j++) {
		if (cmd.data[j] != echo_byte(cmd.seq, j))
			result = -ECORRUPT;
		rep.data[j] = (uint8_t)~cmd.data[j];
	}
	rep.result = result;
	rep.val[0] = current_cpu();
	(void)answer(n);
}

static void do_try_send(void)
{
	uint8_t msg[64];
	size_t n = (size_t)cmd.arg[1];

	if (n > sizeof(msg))
		n = sizeof(msg);
	memset(msg, 0, sizeof(msg));
	snprintf((char *)msg, sizeof(msg), "ipc_peer try-send %u", cmd.seq);
	rep.result = sys_write((uint32_t)cmd.arg[0], msg, n);
	(void)answer(0);
}

static void do_delegate(void)
{
	rep.result = sys_delegate((uint32_t)cmd.arg[0], cmd.arg[1],
				  (uint32_t)cmd.arg[2]);
	(void)answer(0);
}

/*
 * Try to make the fake Principal ours (and the driver's), answer, then
 * send a message whose payload starts with the fake Principal: the
 * receiver must still see our real one in the kernel's header.
 */
static void do_forge(void)
{
	uint8_t fake[PRINCIPAL_SIZE], msg[PRINCIPAL_SIZE + 32];
	int64_t r;

	memcpy(fake, cmd.data, sizeof(fake));
	rep.result = sys_bind_principal(self_pid, fake, sizeof(fake));
	rep.val[1] =
	    (uint64_t)sys_bind_principal(cmd.arg[0], fake, sizeof(fake));
	memset(rep.data, 0, PRINCIPAL_SIZE);
	rep.val[0] = (uint64_t)sys_get_principal(rep.data, PRINCIPAL_SIZE);
	if (answer(PRINCIPAL_SIZE) < 0)
		return;

	memset(msg, 0, sizeof(msg));
	memcpy(msg, fake, sizeof(fake));
	snprintf((char *)msg + PRINCIPAL_SIZE, 32, "forged by ipc_peer");
	do {
		r = sys_write(DRIVER_EP, msg, sizeof(msg));
		if (r == -EWOULDBLOCK)
			(void)sys_yield();
	} while (r == -EWOULDBLOCK);
	if (r != (int64_t)sizeof(msg))
		printf("ipc_peer: FAIL forged send: %ld (%s)\n", r,
		       strerror((int)r));
}

/*
 * Send numbered messages to arg0 as fast as the queue takes them, until a
 * send is refused (the driver revokes our SEND meanwhile).  Print and
 * answer how it ended, then exit: 0 for a clean -EPERM after at least one
 * message.
 */
static _Noreturn void do_send_loop(void)
{
	uint32_t ep = (uint32_t)cmd.arg[0];
	uint32_t msg[4] = {0, 0x5EED5EEDu, 0, 0};
	uint64_t sent = 0, blocked_since = 0;
	int64_t r;

	for (;;) {
		msg[0] = (uint32_t)(sent + 1);
		r = sys_write(ep, msg, sizeof(msg));
		if (r == (int64_t)sizeof(msg)) {
			sent++;
			blocked_since = 0;
			continue;
		}
		if (r != -EWOULDBLOCK)
			break;
		/* Queue full: the driver is not reading; give it the CPU. */
		if (blocked_since == 0)
			blocked_since = (uint64_t)sys_get_time();
		else if ((uint64_t)sys_get_time() - blocked_since > LOOP_TICKS)
			break;
		(void)sys_yield();
	}
	printf("ipc_peer: send to endpoint %u refused after %llu messages: "
	       "%ld (%s)\n",
	       ep, (unsigned long long)sent, r, strerror((int)r));
	rep.result = r;
	rep.val[0] = sent;
	(void)answer(0);
	sys_exit(r == -EPERM && sent > 0 ? 0 : 2);
}

static void do_attach(void)
{
	int64_t va = sys_channel_attach(cmd.arg[0]);
	uint64_t n = cmd.arg[1];

	rep.result = 0;
	rep.val[0] = (uint64_t)va;
	if (sys_failed(va)) {
		rep.result = va;
	} else {
		const volatile uint8_t *p = (const volatile uint8_t *)va;

		printf("ipc_peer: attached channel %#llx at %#llx\n",
		       (unsigned long long)cmd.arg[0], (unsigned long long)va);
		for (uint64_t j = 0; j < n; j++) {
			if (p[j] != chan_byte(cmd.arg[2], j)) {
				rep.result = -ECORRUPT;
				rep.val[1] = j;
				break;
			}
		}
	}
	(void)answer(0);
}

static void do_write_ro(void)
{
	volatile uint8_t *p = (volatile uint8_t *)cmd.arg[0];

	printf("ipc_peer: writing to read-only channel mapping at %#llx\n",
	       (unsigned long long)cmd.arg[0]);
	*p = 0x42;
	printf("ipc_peer: FAIL write to read-only mapping survived\n");
	rep.result = -EINVAL;
	(void)answer(0);
	sys_exit(3);
}

int main(void)
{
	struct recv_msg msg;
	int64_t r = -EINVAL;

	self_pid = (uint64_t)sys_task_process(0);
	if (sys_failed((int64_t)self_pid)) {
		printf("ipc_peer: FAIL TaskProcess(0): %ld (%s)\n",
		       (int64_t)self_pid, strerror((int)self_pid));
		return 10;
	}
	for (self_ep = PEER_EP_FIRST; self_ep <= PEER_EP_LAST; self_ep++) {
		r = sys_register_endpoint(self_ep, 0);
		if (r != -EEXIST)
			break;
	}
	if (r != 0) {
		printf("ipc_peer: FAIL register endpoint %u: %ld (%s)\n",
		       self_ep, r, strerror((int)r));
		return 11;
	}
	if (hello())
		return 12;

	for (;;) {
		r = recv_verified(self_ep, rbuf, sizeof(rbuf), &msg);
		if (r < 0) {
			printf("ipc_peer: FAIL receive on %u: %ld (%s)\n",
			       self_ep, r, strerror((int)r));
			return 14;
		}
		if (msg.from_endpoint != DRIVER_EP) {
			printf("ipc_peer: ignoring message from endpoint %u\n",
			       msg.from_endpoint);
			continue;
		}
		memset(&cmd, 0, sizeof(cmd));
		memcpy(&cmd, msg.payload,
		       msg.len < sizeof(cmd) ? msg.len : sizeof(cmd));
		memset(&rep, 0, sizeof(rep));
		rep.op = cmd.op;
		rep.seq = cmd.seq;
		switch (cmd.op) {
		case OP_ECHO:
			do_echo();
			break;
		case OP_TRY_SEND:
			do_try_send();
			break;
		case OP_DELEGATE:
			do_delegate();
			break;
		case OP_FORGE:
			do_forge();
			break;
		case OP_SEND_LOOP:
			do_send_loop();
		case OP_ATTACH:
			do_attach();
			break;
		case OP_WRITE_RO:
			do_write_ro();
			break;
		case OP_EXIT:
			return (int)cmd.arg[0];
		default:
			rep.result = -EINVAL;
			(void)answer(0);
			break;
		}
	}
}
