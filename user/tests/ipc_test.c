/*
 * user/tests/ipc_test.c - IPC, capabilities and channels on the real
 * kernel, driven from user space (tests/qemu/test_ipc.py).  A boot
 * module; it spawns the spawn-only module ipc_peer (user/tests/ipc_peer.c)
 * and remote-controls it over IPC.
 *
 * The driver owns endpoints 5 (its reply endpoint, where peers answer)
 * and 4 (the endpoint the capability scenarios are about).  Each scenario
 * spawns its peers, delegates them SEND on 5, waits for their HELLO (which
 * gives the driver SEND on the peer's endpoint by the reply rule), runs,
 * ends the peers and waits for them, then compares SysInfo MEM and IPC
 * with the values read before it (no leak).  Scenarios:
 *
 *   pingpong    1000 echo round trips with a checked payload, peer and
 *               driver on different CPUs (SysInfo SCHED cpu)
 *   nocap       a send without SEND is refused, nothing is queued
 *   delegate    delegation beyond held rights is refused; a legal one
 *               works and the delegatee's message arrives
 *   forge       BindPrincipal by a peer is refused; a payload starting
 *               with a fake Principal is stamped with the real one
 *   revoke      revoking a sender's SEND while it sends in a loop: its
 *               next send is refused, queued messages stay
 *   channel     create, info, attach, verify, close; a peer writing its
 *               read-only mapping is killed (WaitTask 139)
 *
 * Output: one line per check ("ipc_test: <what>: <result>"), peers as
 * "ipc_test: <scenario> peer pid=<i.g> slot=<i> task=<t> endpoint=<e>
 * cpu=<c>", leak checks as "ipc_test: leak check <scenario>: ... ok", and
 * at the end "ipc_test: all scenarios passed" (exit 0).  Any unexpected
 * result prints "ipc_test: FAIL <what>: ..." ; the driver then goes on
 * with the next scenario and ends with "ipc_test: <n> scenario(s)
 * failed" (exit 1).
 */
#include "user/tests/ipc_proto.h"

#define TARGET_EP 4 /* ours: the capability scenarios' endpoint */
/* Longest wait for an answer (100 Hz ticks). */
#define REPLY_TICKS  1000
#define PINGPONG     1000
#define SPAWN_TRIES  4	 /* spawns to get a peer on another CPU */
#define REVOKE_AFTER 32	 /* messages received before revoking */
#define FILL_TICKS   100 /* longest wait for the client to fill our queue */
#define EXIT_KILLED  139

/* --- state ------------------------------------------------------------- */

struct peer {
	int64_t task; /* Spawn's TaskId */
	uint64_t pid; /* TaskProcess(task) */
	uint32_t ep;  /* its endpoint (HELLO's from_endpoint) */
	uint32_t cpu; /* CPU it said HELLO from */
	bool live;    /* spawned and not yet waited for */
};

struct snapshot {
	uint64_t free_frames;
	struct sysinfo_ipc ipc;
};

static const char *scenario = "start"; /* for messages */
static int failures;		       /* in the current scenario */
static uint64_t self_pid;
static uint8_t self_principal[PRINCIPAL_SIZE];
static const char *peer_name; /* the name Spawn accepted */
static uint32_t seq_next = 1;
static uint8_t rbuf[IPC_RECV_BUF_SIZE];
static struct ipc_cmd cmd;
static struct ipc_reply rep;

/* --- helpers ----------------------------------------------------------- */

/* "index.generation", or "index" for generation 0 (as audit_tail). */
static const char *id_str(char *buf, size_t size, uint64_t id)
{
	if (ipc_id_generation(id))
		snprintf(buf, size, "%u.%u", ipc_id_index(id),
			 ipc_id_generation(id));
	else
		snprintf(buf, size, "%u", ipc_id_index(id));
	return buf;
}

static const char *hex32(char out[2 * PRINCIPAL_SIZE + 1], const uint8_t *p)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < PRINCIPAL_SIZE; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * PRINCIPAL_SIZE] = '\0';
	return out;
}

static int fail(const char *what, int64_t got, int64_t want)
{
	printf("ipc_test: FAIL %s %s: got %ld (%s), want %ld (%s)\n", scenario,
	       what, got, sys_failed(got) ? strerror((int)got) : "value", want,
	       sys_failed(want) ? strerror((int)want) : "value");
	failures++;
	return 1;
}

/* Check got == want; print "ipc_test: <what>: <got> (<msg>)" or FAIL. */
static int expect(const char *what, int64_t got, int64_t want)
{
	if (got != want)
		return fail(what, got, want);
	printf("ipc_test: %s: %ld (%s)\n", what, got,
	       sys_failed(got) ? strerror((int)got) : "ok");
	return 0;
}

/* Quiet check: prints only on failure. */
static int check(const char *what, int64_t got, int64_t want)
{
	return got != want ? fail(what, got, want) : 0;
}

static uint32_t current_cpu(void)
{
	struct sysinfo_sched s;

	memset(&s, 0, sizeof(s));
	if (sys_failed(sys_sysinfo(SYSINFO_SCHED, &s, sizeof(s))))
		return 0xFFFFFFFFu;
	return s.cpu;
}

static uint32_t online_cpus(void)
{
	struct sysinfo_sched s;

	memset(&s, 0, sizeof(s));
	if (sys_failed(sys_sysinfo(SYSINFO_SCHED, &s, sizeof(s))))
		return 0;
	return s.online_cpus;
}

static int snapshot(struct snapshot *s)
{
	struct sysinfo_mem mem;
	int64_t r;

	memset(s, 0, sizeof(*s));
	r = sys_sysinfo(SYSINFO_MEM, &mem, sizeof(mem));
	if (r != (int64_t)sizeof(mem))
		return fail("sysinfo mem", r, sizeof(mem));
	s->free_frames = mem.free_frames;
	r = sys_sysinfo(SYSINFO_IPC, &s->ipc, sizeof(s->ipc));
	if (r != (int64_t)sizeof(s->ipc))
		return fail("sysinfo ipc", r, sizeof(s->ipc));
	return 0;
}

/*
 * Wait up to REPLY_TICKS for a message on ep, polling TryRecvMsg (a
 * blocking receive would hang the test if the peer died).  Returns the
 * payload length (>= 1) with *msg filled, or a negative error (-EINTR on
 * time-out, after a FAIL line naming what).
 */
static int64_t recv_wait(uint32_t ep, struct recv_msg *msg, const char *what)
{
	uint64_t start = (uint64_t)sys_get_time();
	int64_t r;

	for (;;) {
		r = try_recv_verified(ep, rbuf, sizeof(rbuf), msg);
		if (r != 0)
			break;
		if ((uint64_t)sys_get_time() - start > REPLY_TICKS) {
			printf("ipc_test: FAIL %s %s: no message on endpoint "
			       "%u after %u ticks\n",
			       scenario, what, ep, REPLY_TICKS);
			failures++;
			return -EINTR;
		}
		(void)sys_yield();
	}
	if (r < 0)
		fail(what, r, 1);
	return r;
}

/* An answer from p to op: into rep; 0, or 1 after a FAIL line. */
static int take_reply(const struct peer *p, const struct recv_msg *msg,
		      uint8_t op, const char *what)
{
	memset(&rep, 0, sizeof(rep));
	memcpy(&rep, msg->payload,
	       msg->len < sizeof(rep) ? msg->len : sizeof(rep));
	if (msg->len < REPLY_HDR || rep.op != op || rep.pid != p->pid ||
	    msg->from_endpoint != p->ep) {
		printf("ipc_test: FAIL %s %s: unexpected message (len %u op %u "
		       "from endpoint %u, want op %u from %u)\n",
		       scenario, what, (unsigned)msg->len, rep.op,
		       msg->from_endpoint, op, p->ep);
		failures++;
		return 1;
	}
	return 0;
}

static int wait_reply(const struct peer *p, uint8_t op, const char *what)
{
	struct recv_msg msg;

	if (recv_wait(DRIVER_EP, &msg, what) < 0)
		return 1;
	return take_reply(p, &msg, op, what);
}

/* Send cmd with n data bytes to p (waits while its queue is full). */
static int send_cmd(const struct peer *p, size_t n, const char *what)
{
	size_t len = CMD_HDR + n;
	int64_t r;

	cmd.seq = seq_next++;
	do {
		r = sys_write(p->ep, &cmd, len);
		if (r == -EWOULDBLOCK)
			(void)sys_yield();
	} while (r == -EWOULDBLOCK);
	return check(what, r, (int64_t)len);
}

static void cmd_init(uint8_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = op;
	cmd.arg[0] = a0;
	cmd.arg[1] = a1;
	cmd.arg[2] = a2;
}

/* Command without data and its answer: returns 0 with rep filled. */
static int call(const struct peer *p, uint8_t op, uint64_t a0, uint64_t a1,
		uint64_t a2, const char *what)
{
	cmd_init(op, a0, a1, a2);
	if (send_cmd(p, 0, what))
		return 1;
	if (wait_reply(p, op, what))
		return 1;
	return check(what, rep.seq, cmd.seq);
}

static int64_t spawn_child(void)
{
	static const char *const names[] = {"ipc_peer", "ipc_peer.elf"};
	int64_t task = -EINVAL;

	if (peer_name)
		return sys_spawn(peer_name, strlen(peer_name));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		task = sys_spawn(names[i], strlen(names[i]));
		if (task != -EINVAL) {
			peer_name = names[i];
			break;
		}
	}
	return task;
}

/*
 * Spawn a peer, give it SEND on our endpoint, wait for its HELLO.  On
 * failure p->live tells whether it must still be reaped.
 */
static int spawn_peer(struct peer *p, const char *role)
{
	struct recv_msg msg;
	char pid[24];
	int64_t r;

	memset(p, 0, sizeof(*p));
	p->task = spawn_child();
	if (p->task <= 0)
		return fail("spawn ipc_peer", p->task, 1);
	p->live = true;
	r = sys_task_process((uint64_t)p->task);
	if (sys_failed(r) || r == 0)
		return fail("task_process", r, 1);
	p->pid = (uint64_t)r;
	r = sys_delegate(DRIVER_EP, p->pid, IPC_RIGHT_SEND);
	if (check("delegate SEND on 5 to peer", r, 0))
		return 1;
	if (recv_wait(DRIVER_EP, &msg, "hello") < 0)
		return 1;
	/* We learn its endpoint from the kernel's header; the rest from it. */
	p->ep = msg.from_endpoint;
	if (take_reply(p, &msg, OP_HELLO, "hello"))
		return 1;
	if (check("hello endpoint", rep.val[0], p->ep))
		return 1;
	p->cpu = (uint32_t)rep.val[1];
	printf(
	    "ipc_test: %s peer %s pid=%s slot=%u task=%ld endpoint=%u cpu=%u\n",
	    scenario, role, id_str(pid, sizeof(pid), p->pid),
	    ipc_id_index(p->pid), p->task, p->ep, p->cpu);
	return 0;
}

/* Tell p to exit with code (if it can still hear us) and reap it. */
static int end_peer(struct peer *p, int code, bool tell)
{
	int64_t r;

	if (!p->live)
		return 0;
	if (tell) {
		cmd_init(OP_EXIT, (uint64_t)code, 0, 0);
		if (send_cmd(p, 0, "exit command"))
			return 1;
	}
	r = sys_wait_task((uint64_t)p->task);
	p->live = false;
	return check("peer exit code", r, code);
}

/*
 * After a failure, tell the peers to exit and reap them, so the next
 * scenario starts from a clean state.  A peer that can no longer hear us
 * (no endpoint, or gone) is reaped only if the command could be sent; a
 * peer always either listens for commands or ends by itself, so the wait
 * ends.
 */
static void abandon_peers(struct peer *peers, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!peers[i].live)
			continue;
		peers[i].live = false;
		if (!peers[i].ep)
			continue;
		cmd_init(OP_EXIT, 99, 0, 0);
		cmd.seq = seq_next++;
		if (sys_write(peers[i].ep, &cmd, CMD_HDR) == CMD_HDR)
			(void)sys_wait_task((uint64_t)peers[i].task);
	}
}

/*
 * Nothing may be left on our endpoints between scenarios: count (and
 * unless quiet, report) what is.
 */
static int drain(bool quiet)
{
	struct recv_msg msg;
	int stray = 0;
	int64_t r;

	for (uint32_t ep = TARGET_EP; ep <= DRIVER_EP; ep++) {
		while ((r = try_recv_verified(ep, rbuf, sizeof(rbuf), &msg)) !=
		       0) {
			if (!quiet)
				printf("ipc_test: FAIL %s: stray message on "
				       "endpoint %u (%ld, from %u)\n",
				       scenario, ep, r,
				       r > 0 ? msg.from_endpoint : 0);
			stray++;
		}
	}
	if (!quiet)
		failures += stray;
	return stray;
}

static int leak_check(const struct snapshot *b)
{
	struct snapshot a;
	bool same;

	if (drain(false) || snapshot(&a))
		return 1;
	same = a.free_frames == b->free_frames &&
	       a.ipc.endpoints_owned == b->ipc.endpoints_owned &&
	       a.ipc.cap_entries == b->ipc.cap_entries &&
	       a.ipc.channels == b->ipc.channels &&
	       a.ipc.queued == b->ipc.queued;
	printf(
	    "ipc_test: leak check %s: free %llu -> %llu, endpoints %u -> %u, "
	    "caps %u -> %u, channels %u -> %u, queued %u -> %u: %s\n",
	    scenario, (unsigned long long)b->free_frames,
	    (unsigned long long)a.free_frames, b->ipc.endpoints_owned,
	    a.ipc.endpoints_owned, b->ipc.cap_entries, a.ipc.cap_entries,
	    b->ipc.channels, a.ipc.channels, b->ipc.queued, a.ipc.queued,
	    same ? "ok" : "FAIL");
	if (!same)
		failures++;
	return same ? 0 : 1;
}

/* --- scenarios --------------------------------------------------------- */

/* One echo round trip with a blocking receive; counts CPU crossings. */
static int echo_round(const struct peer *p, uint32_t round, uint32_t *cross,
		      uint32_t *cpus_driver, uint32_t *cpus_peer)
{
	size_t n = 1 + (round * 37u) % sizeof(rep.data);
	struct recv_msg msg;
	uint32_t dcpu;
	int64_t r;

	cmd_init(OP_ECHO, n, 0, 0);
	cmd.seq = seq_next; /* send_cmd takes it */
	for (size_t j = 0; j < n; j++)
		cmd.data[j] = echo_byte(cmd.seq, j);
	if (send_cmd(p, n, "echo send"))
		return 1;
	r = recv_verified(DRIVER_EP, rbuf, sizeof(rbuf), &msg);
	if (r < 0)
		return fail("echo receive", r, (int64_t)(REPLY_HDR + n));
	if (take_reply(p, &msg, OP_ECHO, "echo reply") ||
	    check("echo seq", rep.seq, cmd.seq) ||
	    check("echo length", (int64_t)msg.len, (int64_t)(REPLY_HDR + n)) ||
	    check("echo payload seen by peer", rep.result, 0))
		return 1;
	for (size_t j = 0; j < n; j++) {
		if (rep.data[j] != (uint8_t)~echo_byte(cmd.seq, j))
			return fail("echo payload returned", (int64_t)j, -1);
	}
	dcpu = current_cpu();
	if (dcpu < 32)
		*cpus_driver |= 1u << dcpu;
	if (rep.val[0] < 32)
		*cpus_peer |= 1u << rep.val[0];
	if (dcpu != (uint32_t)rep.val[0])
		(*cross)++;
	return 0;
}

static int scenario_pingpong(void)
{
	struct peer p;
	uint32_t cross = 0, cpus_driver = 0, cpus_peer = 0, cpus, dcpu = 0;
	uint64_t start;
	int tries;

	cpus = online_cpus();
	/* Spawn placement is round robin: try again for another CPU. */
	for (tries = 1; tries <= SPAWN_TRIES; tries++) {
		if (spawn_peer(&p, "server")) {
			abandon_peers(&p, 1);
			return 1;
		}
		dcpu = current_cpu();
		if (cpus < 2 || p.cpu != dcpu)
			break;
		printf("ipc_test: pingpong peer on our CPU %u, respawning\n",
		       dcpu);
		if (end_peer(&p, 0, true))
			return 1;
	}
	start = (uint64_t)sys_get_time();
	for (uint32_t i = 1; i <= PINGPONG; i++) {
		if (echo_round(&p, i, &cross, &cpus_driver, &cpus_peer)) {
			printf("ipc_test: FAIL pingpong stopped at round %u\n",
			       i);
			abandon_peers(&p, 1);
			return 1;
		}
	}
	if (end_peer(&p, 0, true))
		return 1;
	/* With two CPUs the round trips must really cross between them. */
	if (cpus >= 2 && cross == 0)
		return fail("rounds with driver and peer on different CPUs",
			    cross, PINGPONG);
	printf("ipc_test: pingpong ok rounds=%u cpu_driver=%u cpu_peer=%u "
	       "cross=%u driver_cpus=%#x peer_cpus=%#x online=%u ticks=%llu\n",
	       PINGPONG, dcpu, p.cpu, cross, cpus_driver, cpus_peer, cpus,
	       (unsigned long long)((uint64_t)sys_get_time() - start));
	return 0;
}

static int scenario_nocap(void)
{
	struct peer p;
	struct recv_msg msg;

	if (spawn_peer(&p, "client"))
		goto out;
	if (call(&p, OP_TRY_SEND, TARGET_EP, 16, 0, "try send"))
		goto out;
	if (expect("send without capability refused", rep.result, -EPERM))
		goto out;
	if (expect("nothing queued on the refused endpoint",
		   try_recv_verified(TARGET_EP, rbuf, sizeof(rbuf), &msg), 0))
		goto out;
	return end_peer(&p, 0, true);
out:
	abandon_peers(&p, 1);
	return 1;
}

static int peer_delegate(const struct peer *from, const struct peer *to,
			 uint32_t rights, const char *what, int64_t want)
{
	if (call(from, OP_DELEGATE, TARGET_EP, to->pid, rights, what))
		return 1;
	return expect(what, rep.result, want);
}

static int peer_try_send(const struct peer *p, const char *what, int64_t want)
{
	if (call(p, OP_TRY_SEND, TARGET_EP, 16, 0, what))
		return 1;
	return expect(what, rep.result, want);
}

static int scenario_delegate(void)
{
	struct peer pq[2];
	struct peer *p = &pq[0], *q = &pq[1];
	struct recv_msg msg;
	char pid[24];

	memset(pq, 0, sizeof(pq));
	if (spawn_peer(p, "delegator") || spawn_peer(q, "target"))
		goto out;
	/* p holds SEND only on 4. */
	if (expect("owner delegates SEND to peer",
		   sys_delegate(TARGET_EP, p->pid, IPC_RIGHT_SEND), 0) ||
	    peer_delegate(p, q, IPC_RIGHT_SEND,
			  "delegate by SEND-only holder refused", -EPERM) ||
	    peer_try_send(q, "target still cannot send", -EPERM))
		goto out;
	/* p holds SEND|DELEGATE, not REVOKE; RECV is never delegated. */
	if (expect("owner delegates SEND|DELEGATE to peer",
		   sys_delegate(TARGET_EP, p->pid,
				IPC_RIGHT_SEND | IPC_RIGHT_DELEGATE),
		   0) ||
	    peer_delegate(p, q, IPC_RIGHT_SEND | IPC_RIGHT_REVOKE,
			  "delegate of REVOKE not held refused", -EPERM) ||
	    peer_delegate(p, q, IPC_RIGHT_RECV,
			  "delegate of RECV by holder refused", -EPERM) ||
	    expect("delegate of RECV by owner refused",
		   sys_delegate(TARGET_EP, q->pid, IPC_RIGHT_RECV), -EPERM) ||
	    peer_try_send(q, "target still cannot send after refusals", -EPERM))
		goto out;
	/* Legal: p passes SEND on; q's message arrives, stamped as q's. */
	if (peer_delegate(p, q, IPC_RIGHT_SEND,
			  "legal delegation by SEND|DELEGATE holder", 0) ||
	    peer_try_send(q, "delegatee sends", 16))
		goto out;
	if (recv_wait(TARGET_EP, &msg, "delegatee's message") < 0)
		goto out;
	if (check("delegatee's message from", msg.from_endpoint, q->ep) ||
	    check("delegatee's message length", (int64_t)msg.len, 16) ||
	    check("delegatee's message text",
		  memcmp(msg.payload, "ipc_peer try-send", 16), 0))
		goto out;
	printf("ipc_test: delegated send delivered: from endpoint %u pid %s "
	       "len %u\n",
	       msg.from_endpoint, id_str(pid, sizeof(pid), q->pid),
	       (unsigned)msg.len);
	/* What q got was SEND alone: it cannot pass it on. */
	if (peer_delegate(q, p, IPC_RIGHT_SEND,
			  "delegate by delegatee without DELEGATE refused",
			  -EPERM))
		goto out;
	if (end_peer(p, 0, true) | end_peer(q, 0, true))
		return 1;
	return 0;
out:
	abandon_peers(pq, 2);
	return 1;
}

static int scenario_forge(void)
{
	struct peer p;
	uint8_t fake[PRINCIPAL_SIZE], peer_principal[PRINCIPAL_SIZE];
	struct ipc_recv_hdr hdr;
	char hex[2 * PRINCIPAL_SIZE + 1];
	uint64_t start;
	int64_t r;

	for (size_t i = 0; i < sizeof(fake); i++)
		fake[i] = (uint8_t)(0xA5 ^ (i * 3));
	if (spawn_peer(&p, "forger"))
		goto out;
	cmd_init(OP_FORGE, self_pid, 0, 0);
	memcpy(cmd.data, fake, sizeof(fake));
	if (send_cmd(&p, sizeof(fake), "forge command") ||
	    wait_reply(&p, OP_FORGE, "forge reply"))
		goto out;
	memcpy(peer_principal, rep.data, sizeof(peer_principal));
	if (expect("bind_principal by peer on itself refused", rep.result,
		   -EPERM) ||
	    expect("bind_principal by peer on the driver refused",
		   (int64_t)rep.val[1], -EPERM) ||
	    check("peer's get_principal", (int64_t)rep.val[0], PRINCIPAL_SIZE))
		goto out;
	printf("ipc_test: peer principal %s\n", hex32(hex, peer_principal));

	/* The forged message: read raw, the kernel's header included. */
	start = (uint64_t)sys_get_time();
	while ((r = sys_try_recv_msg(DRIVER_EP, rbuf, sizeof(rbuf))) == 0) {
		if ((uint64_t)sys_get_time() - start > REPLY_TICKS)
			break;
		(void)sys_yield();
	}
	if (check("forged message received", r,
		  IPC_RECV_HDR_SIZE + PRINCIPAL_SIZE + 32))
		goto out;
	memcpy(&hdr, rbuf, sizeof(hdr));
	printf("ipc_test: fake principal %s\n", hex32(hex, fake));
	printf("ipc_test: stamped principal %s\n", hex32(hex, hdr.sender));
	if (check("forged message from", hdr.from_endpoint, p.ep) ||
	    check("payload starts with the fake principal",
		  memcmp(rbuf + IPC_RECV_HDR_SIZE, fake, sizeof(fake)), 0) ||
	    check("stamped principal differs from the fake",
		  memcmp(hdr.sender, fake, sizeof(fake)) != 0, 1) ||
	    check("stamped principal is the peer's own",
		  memcmp(hdr.sender, peer_principal, PRINCIPAL_SIZE), 0) ||
	    check("stamped principal equals ours (same signing key)",
		  memcmp(hdr.sender, self_principal, PRINCIPAL_SIZE), 0))
		goto out;
	printf("ipc_test: forged principal ignored: ok\n");
	return end_peer(&p, 0, true);
out:
	abandon_peers(&p, 1);
	return 1;
}

/*
 * The peer sends numbered messages to 4 in a loop; after REVOKE_AFTER of
 * them we revoke its SEND.  Its next send must fail with -EPERM; what it
 * queued before stays queued (revocation is not retroactive).
 */
static int scenario_revoke(void)
{
	struct peer p;
	struct recv_msg msg;
	uint32_t got = 0, after = 0, word;
	uint64_t start;
	int64_t revoke;
	char pid[24];

	if (spawn_peer(&p, "client"))
		goto out;
	if (check("owner delegates SEND on 4",
		  sys_delegate(TARGET_EP, p.pid, IPC_RIGHT_SEND), 0))
		goto out;
	cmd_init(OP_SEND_LOOP, TARGET_EP, 0, 0);
	if (send_cmd(&p, 0, "send-loop command"))
		goto out;
	while (got < REVOKE_AFTER) {
		if (recv_wait(TARGET_EP, &msg, "looped message") < 0)
			goto out;
		memcpy(&word, msg.payload, sizeof(word));
		if (check("looped message number", word, got + 1))
			goto out;
		got++;
	}
	/*
	 * Stop reading until the client has filled our queue (it keeps
	 * trying), so messages are queued when its right goes.
	 */
	start = (uint64_t)sys_get_time();
	while ((uint64_t)sys_get_time() - start < FILL_TICKS) {
		struct sysinfo_ipc si;

		if (sys_sysinfo(SYSINFO_IPC, &si, sizeof(si)) ==
			(int64_t)sizeof(si) &&
		    si.queued >= IPC_QUEUE_DEPTH)
			break;
		(void)sys_yield();
	}
	revoke = sys_revoke_capability(p.pid, TARGET_EP);
	if (expect("server revokes client's SEND mid-conversation", revoke, 0))
		goto out;
	if (wait_reply(&p, OP_SEND_LOOP, "send-loop report"))
		goto out;
	/* What it queued before the revocation is still delivered. */
	while (try_recv_verified(TARGET_EP, rbuf, sizeof(rbuf), &msg) > 0) {
		memcpy(&word, msg.payload, sizeof(word));
		if (check("looped message number", word, got + 1))
			goto out;
		got++;
		after++;
	}
	if (expect("client's next send after revoke refused", rep.result,
		   -EPERM) ||
	    check("messages sent before the revocation all received", got,
		  (int64_t)rep.val[0]) ||
	    check("messages queued at the revocation delivered after it",
		  after > 0, 1))
		goto out;
	if (end_peer(&p, 0, false))
		return 1;
	printf("ipc_test: revoke during conversation ok: client %s sent %llu, "
	       "received %u (%u of them queued at the revocation), then "
	       "refused %ld (%s), client exit 0\n",
	       id_str(pid, sizeof(pid), p.pid), (unsigned long long)rep.val[0],
	       got, after, rep.result, strerror((int)rep.result));
	return 0;
out:
	abandon_peers(&p, 1);
	return 1;
}

/* Create a channel of pages for our own Principal and fill it. */
static int channel_new(uint64_t pages, uint64_t seed, uint64_t *id,
		       uint64_t *va)
{
	int64_t r =
	    sys_channel_create(pages, self_principal, CHANNEL_PRODUCER, va);
	volatile uint8_t *p;

	if (sys_failed(r))
		return fail("channel_create", r, 1);
	*id = (uint64_t)r;
	p = (volatile uint8_t *)*va;
	for (uint64_t j = 0; j < pages * 4096; j++)
		p[j] = chan_byte(seed, j);
	return 0;
}

static int channel_info_is(uint64_t id, uint8_t state, uint64_t pages,
			   uint32_t peer_slot, uint64_t creator_va,
			   uint64_t peer_va)
{
	struct channel_info ci;
	int64_t r;

	memset(&ci, 0, sizeof(ci));
	r = sys_channel_info(id, &ci, sizeof(ci));
	if (check("channel_info", r, 0) ||
	    check("channel state", ci.state, state) ||
	    check("channel role", ci.role, CHANNEL_PRODUCER) ||
	    check("channel pages", ci.num_pages, (int64_t)pages) ||
	    check("channel creator slot", ci.creator_slot,
		  ipc_id_index(self_pid)) ||
	    check("channel peer slot", ci.peer_slot, peer_slot) ||
	    check("channel creator vaddr", (int64_t)ci.creator_vaddr,
		  (int64_t)creator_va) ||
	    check("channel peer vaddr", (int64_t)ci.peer_vaddr,
		  (int64_t)peer_va))
		return 1;
	return 0;
}

/* Channel for p: create, info, attach, verify, info; *peer_va out. */
static int channel_share(const struct peer *p, uint64_t pages, uint64_t seed,
			 uint64_t *id, uint64_t *peer_va, bool quiet)
{
	uint64_t va = 0;
	char cid[24];

	if (channel_new(pages, seed, id, &va) ||
	    channel_info_is(*id, CHANNEL_AWAITING_ATTACH, pages,
			    CHANNEL_NO_PEER, va, 0))
		return 1;
	if (call(p, OP_ATTACH, *id, pages * 4096, seed, "channel attach") ||
	    check("peer attach and pattern check", rep.result, 0))
		return 1;
	*peer_va = rep.val[0];
	if (channel_info_is(*id, CHANNEL_ACTIVE, pages, ipc_id_index(p->pid),
			    va, *peer_va))
		return 1;
	if (!quiet)
		printf("ipc_test: channel %s of %llu pages: creator vaddr "
		       "%#llx, peer attached at %#llx and read the pattern, "
		       "info ok\n",
		       id_str(cid, sizeof(cid), *id), (unsigned long long)pages,
		       (unsigned long long)va, (unsigned long long)*peer_va);
	return 0;
}

static int channel_close_checked(uint64_t id, bool quiet)
{
	struct channel_info ci;

	if (quiet
		? check("channel_close by creator", sys_channel_close(id), 0)
		: expect("channel_close by creator", sys_channel_close(id), 0))
		return 1;
	if (check("channel_info after close fails",
		  sys_failed(sys_channel_info(id, &ci, sizeof(ci))), 1))
		return 1;
	return 0;
}

static int scenario_channel(void)
{
	struct peer p;
	struct channel_info ci;
	uint64_t id_a, id_b, va_a, va_b;
	char cid[24];
	int64_t r;

	if (spawn_peer(&p, "reader"))
		goto out;
	if (channel_share(&p, 2, 0x11, &id_a, &va_a, false) ||
	    channel_close_checked(id_a, false))
		goto out;
	if (channel_share(&p, 1, 0x77, &id_b, &va_b, false))
		goto out;
	printf("ipc_test: peer writes its read-only mapping of channel %s at "
	       "%#llx\n",
	       id_str(cid, sizeof(cid), id_b), (unsigned long long)va_b);
	cmd_init(OP_WRITE_RO, va_b, 0, 0);
	if (send_cmd(&p, 0, "write-ro command"))
		goto out;
	r = sys_wait_task((uint64_t)p.task);
	p.live = false;
	if (expect("peer killed by write to read-only channel, exit", r,
		   EXIT_KILLED))
		return 1;
	/* Its exit tore the channel down. */
	if (check("channel_info after the peer's death fails",
		  sys_failed(sys_channel_info(id_b, &ci, sizeof(ci))), 1))
		return 1;
	printf("ipc_test: channel %s gone with its peer\n",
	       id_str(cid, sizeof(cid), id_b));
	return 0;
out:
	abandon_peers(&p, 1);
	return 1;
}

/*
 * The same shapes as the scenarios, once, unchecked for leaks: first-use
 * allocations (page tables under the driver's channel mappings, kernel
 * heap growth) must not count as leaks later.
 */
static int warm_up(void)
{
	struct peer p;
	uint64_t id, va;

	if (spawn_peer(&p, "warm-up"))
		goto out;
	if (call(&p, OP_TRY_SEND, TARGET_EP, 16, 0, "warm-up try send") ||
	    channel_share(&p, 2, 1, &id, &va, true) ||
	    channel_close_checked(id, true) ||
	    channel_share(&p, 1, 2, &id, &va, true) ||
	    channel_close_checked(id, true))
		goto out;
	return end_peer(&p, 0, true);
out:
	abandon_peers(&p, 1);
	return 1;
}

static const struct {
	const char *name;
	int (*run)(void);
} scenarios[] = {
    {"pingpong", scenario_pingpong}, {"nocap", scenario_nocap},
    {"delegate", scenario_delegate}, {"forge", scenario_forge},
    {"revoke", scenario_revoke},     {"channel", scenario_channel},
};

int main(void)
{
	struct snapshot before;
	char hex[2 * PRINCIPAL_SIZE + 1], pid[24];
	int failed = 0;
	int64_t r;

	(void)sys_module_ready();
	r = sys_task_process(0);
	if (sys_failed(r) || r == 0) {
		fail("task_process(0)", r, 1);
		return 1;
	}
	self_pid = (uint64_t)r;
	r = sys_get_principal(self_principal, sizeof(self_principal));
	if (check("get_principal", r, PRINCIPAL_SIZE))
		return 1;
	if (check("register endpoint 5", sys_register_endpoint(DRIVER_EP, 0),
		  0) ||
	    check("register endpoint 4", sys_register_endpoint(TARGET_EP, 0),
		  0))
		return 1;
	printf("ipc_test: start pid=%s slot=%u cpus=%u principal=%s\n",
	       id_str(pid, sizeof(pid), self_pid), ipc_id_index(self_pid),
	       online_cpus(), hex32(hex, self_principal));

	scenario = "warm-up";
	if (warm_up() || drain(false)) {
		printf("ipc_test: FAIL warm-up\n");
		return 1;
	}
	printf("ipc_test: warm-up ok\n");

	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		scenario = scenarios[i].name;
		failures = 0;
		printf("ipc_test: scenario %s\n", scenario);
		if (snapshot(&before) == 0) {
			(void)scenarios[i].run();
			/* Leaks are only meaningful when the peers are gone. */
			if (failures == 0)
				(void)leak_check(&before);
		}
		if (failures) {
			printf("ipc_test: scenario %s FAILED\n", scenario);
			failed++;
			/* Leftovers of a failed scenario: not the next one's.
			 */
			(void)drain(true);
		} else {
			printf("ipc_test: scenario %s passed\n", scenario);
		}
	}
	if (failed) {
		printf("ipc_test: %d scenario(s) failed\n", failed);
		return 1;
	}
	printf("ipc_test: all scenarios passed\n");
	return 0;
}
