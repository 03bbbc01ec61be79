/*
 * user/compositor/compositor.c - the compositor service (ADR-014, spec
 * kernel.md section 10; docs/compositor.md).
 *
 * Start-up: register endpoint 28 (its reply endpoint too), signal
 * ModuleReady so the boot chain goes on (a scanout driver later in the
 * chain must be able to start), then, if a scanout driver is running,
 * send it RegisterCompositor on endpoint 27 and wait for its
 * WelcomeCompositor; without one, run headless at once.
 *
 * Loop: block in RecvMsg on 28.  Driver messages (from endpoint 27: only
 * 27's owner has 27 as its reply endpoint) go to the state machine,
 * client requests get an answer on their reply endpoint.  Messages from
 * anonymous senders are dropped unanswered.  The handshake's 500-tick
 * timeout is applied when the next message arrives (core.h comp_tick), so
 * an idle compositor is always blocked and uses no CPU.
 *
 * Syscalls: RegisterEndpoint, ModuleReady, SysInfo (is a driver
 * running?), Write, RecvMsg, GetTime, Print.  No framebuffer, MMIO or DMA.
 */
#include "lib/libsys/libsys.h"
#include "user/compositor/core.h"
#include "user/compositor/proto.h"

/* The boot-module name whose row may register endpoint 27. */
#define DRIVER_NAME "scanout-driver"
#define PROC_STATE_LIVE 2u

static struct comp_state state;
static uint8_t rbuf[IPC_RECV_BUF_SIZE];
static uint8_t out[IPC_MSG_SIZE];
static struct sysinfo_proc procs[64];

/* Is a process named DRIVER_NAME alive?  (The first 64 processes.) */
static bool driver_running(void)
{
	int64_t n = sys_sysinfo(SYSINFO_PROCS, procs, sizeof(procs));

	if (sys_failed(n))
		return false;
	for (int64_t i = 0; i < n / SYSINFO_PROC_SIZE; i++) {
		if (procs[i].state == PROC_STATE_LIVE &&
		    strncmp(procs[i].name, DRIVER_NAME, sizeof(procs[i].name)) == 0)
			return true;
	}
	return false;
}

static bool contact_driver(void)
{
	struct scanout_msg m;
	size_t len;
	int64_t r;

	memset(&m, 0, sizeof(m));
	m.tag = SCANOUT_REGISTER_COMPOSITOR;
	m.u.hello.version = SCANOUT_VERSION;
	len = scanout_encode(&m, out, sizeof(out));
	r = sys_write(IPC_EP_SCANOUT, out, len);
	if (sys_failed(r)) {
		printf("compositor: RegisterCompositor not sent: %s\n",
		       strerror((int)r));
		return false;
	}
	return true;
}

static bool anonymous(const uint8_t *sender)
{
	for (int i = 0; i < PRINCIPAL_SIZE; i++)
		if (sender[i])
			return false;
	return true;
}

static void from_driver(const uint8_t *payload, size_t len)
{
	uint32_t before = state.mode;
	int err = comp_driver_message(&state, payload, len);

	if (err)
		printf("compositor: driver message ignored: %s\n",
		       strerror(err));
	else if (before != state.mode)
		printf("compositor: paired with the scanout driver\n");
}

static void from_client(uint32_t from, const uint8_t *payload, size_t len)
{
	size_t n = comp_client_request(&state, payload, len, out, sizeof(out));
	uint32_t tag, value;
	int64_t r;

	memcpy(&tag, out, 4);
	if (tag == COMP_ERROR_REPLY) {
		memcpy(&value, out + 8, 4);
		printf("compositor: malformed request (tag %#x, %zu bytes) "
		       "from endpoint %u\n",
		       value, len, from);
	}
	/* A client whose queue is full or that gave no reply endpoint loses
	 * its answer: the compositor never waits for a client. */
	r = sys_write(from, out, n);
	if (sys_failed(r))
		printf("compositor: answer to endpoint %u lost: %s\n", from,
		       strerror((int)r));
}

int main(void)
{
	int64_t r = sys_register_endpoint(IPC_EP_COMPOSITOR, 0);
	bool contacted = false;

	if (sys_failed(r)) {
		printf("compositor: cannot register endpoint %u: %s\n",
		       IPC_EP_COMPOSITOR, strerror((int)r));
		(void)sys_module_ready();
		return 1;
	}
	(void)sys_module_ready();
	if (driver_running())
		contacted = contact_driver();
	comp_start(&state, contacted, (uint64_t)sys_get_time());
	printf("compositor: endpoint %u, %s\n", IPC_EP_COMPOSITOR,
	       contacted ? "waiting for the scanout driver"
			 : "headless (no scanout driver)");
	for (;;) {
		struct ipc_recv_hdr hdr;
		size_t len;

		r = sys_recv_msg(IPC_EP_COMPOSITOR, rbuf, sizeof(rbuf));
		if (sys_failed(r) || r < IPC_RECV_HDR_SIZE) {
			printf("compositor: receive failed: %s\n",
			       strerror((int)r));
			return 1;
		}
		if (comp_tick(&state, (uint64_t)sys_get_time()))
			printf("compositor: no answer from the scanout driver "
			       "in %u ticks: headless\n",
			       SCANOUT_HANDSHAKE_TICKS);
		memcpy(&hdr, rbuf, sizeof(hdr));
		len = (size_t)r - IPC_RECV_HDR_SIZE;
		if (anonymous(hdr.sender))
			continue;
		if (hdr.from_endpoint == IPC_EP_SCANOUT)
			from_driver(rbuf + IPC_RECV_HDR_SIZE, len);
		else
			from_client(hdr.from_endpoint, rbuf + IPC_RECV_HDR_SIZE,
				    len);
	}
}
