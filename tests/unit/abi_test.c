/*
 * tests/unit/abi_test.c - the kernel/user contract in abi/: the syscall
 * table's invariants and arguments checked against an independent copy
 * of the spec (syscalls.md §3, §5), error numbers, and the byte layout of
 * every record user space reads or writes (ipc.md, syscalls.md §7,
 * abi/sysinfo.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/syscall.h"
#include "abi/syscall_out.h"
#include "abi/sysinfo.h"

/* The table, expanded into rows the tests can walk. */
struct row {
	uint64_t nr;
	const char *upper, *lower, *spec;
	int nargs;
	enum syscall_gate gate;
	enum syscall_syscap syscap;
};

static const struct row rows[] = {
#define ROW(nr, NAME, name, nargs, gate, syscap, spec)                         \
	{(nr),                                                                 \
	 #NAME,                                                                \
	 #name,                                                                \
	 (spec),                                                               \
	 (nargs),                                                              \
	 SYSCALL_GATE_##gate,                                                  \
	 SYSCALL_SYSCAP_##syscap},
    SYSCALL_TABLE(ROW)
#undef ROW
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/*
 * Argument counts transcribed from the spec's table (syscalls.md §5), in
 * number order, plus SysInfo (docs/abi.md): kept apart from
 * abi/syscall.h so a wrong table row fails here.  24 ConsoleRead has 2
 * in the spec; its third argument (flags, CONSOLE_READ_WAIT) is our
 * extension, as are the last arguments of 15 ObjGet, 16 ObjDelete and
 * 19 ObjPutSigned (the client an object gateway acts for; 19's access
 * list) (docs/abi.md "Deviations").
 */
static const int spec_nargs[] = {
    1, 3, 3, 2, 2, 1, 2, 0, 0, 0, /*  0..9  */
    2, 3, 2, 3, 3, 4, 2, 2, 1, 6, /* 10..19 (15, 16, 19: + client) */
    2, 3, 3, 3, 3, 2, 1, 2, 4, 1, /* 20..29 (24: 2 + flags) */
    1, 1, 3, 0, 2, 3, 0, 3, 3, 3, /* 30..39 */
    1, 1,			  /* 40..41 */
};

/*
 * Numbers whose gate column says "ID + Boot" in the spec, but 27
 * RevokeCapability, whose authority check is the capability manager's
 * (docs/capabilities.md §7).
 */
static const uint64_t boot_only[] = {11, 18, 31, 33};
/* The identity-exempt seven (syscalls.md §3). */
static const uint64_t exempt[] = {0, 7, 8, 9, 10, 12, 36};

static bool listed(const uint64_t *list, size_t n, uint64_t nr)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i] == nr)
			return true;
	}
	return false;
}

/* Rows are in order 0..41 with no gaps, so each number appears once. */
static void test_numbers_are_unique_and_dense(void **state)
{
	(void)state;
	assert_int_equal(NROWS, SYSCALL_COUNT);
	assert_int_equal(SYSCALL_COUNT, 42);
	for (size_t i = 0; i < NROWS; i++)
		assert_int_equal(rows[i].nr, i);
	assert_int_equal(SYSCALL_ALL_MASK, (1ull << 42) - 1);
	assert_int_equal(SYS_EXIT, 0);
	assert_int_equal(SYS_MODULE_READY, 36);
	assert_int_equal(SYS_TRY_RECV_MSG, 37);
	assert_int_equal(SYS_SYSINFO, 38);
	assert_int_equal(SYS_DELEGATE, 39);
	assert_int_equal(SYS_TASK_PROCESS, 40);
	assert_int_equal(SYS_WAIT_MSG, 41);
}

/* No two rows share a constant, wrapper or spec name. */
static void test_names_are_unique(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		for (size_t j = i + 1; j < NROWS; j++) {
			assert_string_not_equal(rows[i].upper, rows[j].upper);
			assert_string_not_equal(rows[i].lower, rows[j].lower);
			assert_string_not_equal(rows[i].spec, rows[j].spec);
		}
	}
}

/* Every arity matches the spec and fits the six argument registers. */
static void test_arg_counts_match_spec(void **state)
{
	(void)state;
	assert_int_equal(sizeof(spec_nargs) / sizeof(spec_nargs[0]), NROWS);
	for (size_t i = 0; i < NROWS; i++) {
		assert_int_equal(rows[i].nargs, spec_nargs[i]);
		assert_int_equal(syscall_nargs(i), spec_nargs[i]);
		assert_in_range(rows[i].nargs, 0, SYSCALL_MAX_ARGS);
	}
	/* The two R10 users the original's library got wrong (ObjPutSigned
	 * also reads R8 and R9 now: the gateway's owner and author, the
	 * access list). */
	assert_int_equal(SYSCALL_NARGS_OBJ_PUT_SIGNED, 6);
	assert_int_equal(SYSCALL_NARGS_CHANNEL_CREATE, 4);
}

/* Exactly the seven spec syscalls are identity-exempt, nothing else. */
static void test_exempt_set_is_exactly_seven(void **state)
{
	size_t count = 0;

	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		bool want = listed(exempt, 7, i);

		assert_int_equal(rows[i].gate == SYSCALL_GATE_EXEMPT, want);
		assert_int_equal(syscall_is_exempt(i), want);
		count += want;
	}
	assert_int_equal(count, 7);
	assert_int_equal(__builtin_popcountll(SYSCALL_EXEMPT_MASK), 7);
	/* SysInfo, the extension, needs an identity. */
	assert_int_equal(syscall_gate(SYS_SYSINFO), SYSCALL_GATE_ID);
	/* Beyond the table and beyond 64 bits of mask: never exempt. */
	for (uint64_t nr = NROWS; nr < 200; nr++)
		assert_false(syscall_is_exempt(nr));
	assert_false(syscall_is_exempt((1ull << 32) | SYS_GET_PID));
	assert_false(syscall_is_exempt(UINT64_MAX));
}

/* Bootstrap-only rows are the spec's five; the rest need an identity. */
static void test_bootstrap_gate_matches_spec(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		enum syscall_gate want =
		    listed(exempt, 7, i)      ? SYSCALL_GATE_EXEMPT
		    : listed(boot_only, 4, i) ? SYSCALL_GATE_BOOT
					      : SYSCALL_GATE_ID;

		assert_int_equal(syscall_gate(i), want);
	}
}

/* The three capability-gated syscalls carry ipc.md §5's kind numbers. */
static void test_syscap_column(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		enum syscall_syscap want = SYSCALL_SYSCAP_NONE;

		if (i == 25)
			want = SYSCALL_SYSCAP_CREATE_PROCESS;
		else if (i == 28)
			want = SYSCALL_SYSCAP_CREATE_CHANNEL;
		else if (i == 35)
			want = SYSCALL_SYSCAP_MAP_FRAMEBUFFER;
		assert_int_equal(syscall_syscap(i), want);
	}
	assert_int_equal(SYSCALL_SYSCAP_CREATE_PROCESS, 1);
	assert_int_equal(SYSCALL_SYSCAP_CREATE_CHANNEL, 2);
	assert_int_equal(SYSCALL_SYSCAP_MAP_FRAMEBUFFER, 4);
}

/* Unknown numbers, including ones that alias a real one in 32 bits. */
static void test_unknown_numbers(void **state)
{
	static const uint64_t bad[] = {
	    42, 64, 9999, (1ull << 32) | 8, (uint64_t)-1, (uint64_t)INT64_MIN};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(syscall_valid(bad[i]));
		assert_int_equal(syscall_nargs(bad[i]), -1);
		assert_string_equal(syscall_name(bad[i]), "?");
		assert_int_equal(syscall_gate(bad[i]), SYSCALL_GATE_BOOT);
		assert_int_equal(syscall_syscap(bad[i]), SYSCALL_SYSCAP_NONE);
	}
	assert_true(syscall_valid(0));
	assert_true(syscall_valid(38));
}

/* Spec names and the derived constants agree with the spec's table. */
static void test_spec_names(void **state)
{
	(void)state;
	assert_string_equal(syscall_name(SYS_EXIT), "Exit");
	assert_string_equal(syscall_name(SYS_GET_PID), "GetPid");
	assert_string_equal(syscall_name(13), "RecvMsg");
	assert_string_equal(syscall_name(19), "ObjPutSigned");
	assert_string_equal(syscall_name(25), "Spawn");
	assert_string_equal(syscall_name(36), "ModuleReady");
	assert_string_equal(syscall_name(37), "TryRecvMsg");
	assert_string_equal(syscall_name(38), "SysInfo");
	assert_string_equal(rows[SYS_WAIT_TASK].lower, "wait_task");
	assert_int_equal(SYS_WAIT_TASK, 26);
	assert_int_equal(SYS_CHANNEL_INFO, 32);
}

/* The spec's error values (syscalls.md §2). */
static void test_errno_values_match_spec(void **state)
{
	(void)state;
	assert_int_equal(EINVAL, 1);
	assert_int_equal(EPERM, 2);
	assert_int_equal(ENOMEM, 3);
	assert_int_equal(ENOENDPOINT, 4);
	assert_int_equal(EWOULDBLOCK, 5);
	assert_int_equal(EINTR, 6);
	assert_int_equal(ENOSYS, 38);
	assert_string_equal(errno_name(-ENOSYS), "ENOSYS");
}

/* Write v at p as n little-endian bytes (what the kernel puts on the wire). */
static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* RecvMsg header: 32-byte Principal, u32 endpoint, payload at 36. */
static void test_recv_header_layout(void **state)
{
	uint8_t wire[IPC_RECV_BUF_SIZE];
	struct ipc_recv_hdr hdr;

	(void)state;
	assert_int_equal(IPC_MSG_SIZE, 256);
	assert_int_equal(IPC_RECV_HDR_SIZE, 36);
	assert_int_equal(sizeof(struct ipc_recv_hdr), 36);
	assert_int_equal(IPC_RECV_BUF_SIZE, 292);
	assert_int_equal(IPC_MAX_ENDPOINTS, 32);
	assert_int_equal(PRINCIPAL_SIZE, 32);
	for (int i = 0; i < 32; i++)
		wire[i] = (uint8_t)(0xA0 + i);
	put_le(wire + 32, 0x11223344u, 4);
	memcpy(&hdr, wire, sizeof(hdr));
	assert_int_equal(hdr.sender[0], 0xA0);
	assert_int_equal(hdr.sender[31], 0xA0 + 31);
	assert_int_equal(hdr.from_endpoint, 0x11223344u);
}

/* Well-known endpoints (ipc.md §4) and rights bits (§5). */
static void test_endpoints_and_rights(void **state)
{
	(void)state;
	assert_int_equal(IPC_EP_FS, 16);
	assert_int_equal(IPC_EP_KEYSTORE, 17);
	assert_int_equal(IPC_EP_SHELL, 18);
	assert_int_equal(IPC_EP_NET, 20);
	assert_int_equal(IPC_EP_UDP, 21);
	assert_int_equal(IPC_EP_POLICY_QUERY, 22);
	assert_int_equal(IPC_EP_POLICY_REPLY, 23);
	assert_int_equal(IPC_EP_BLK, 24);
	assert_int_equal(IPC_EP_BLK_KREPLY, 25);
	assert_int_equal(IPC_EP_BLK_KCMD, 26);
	assert_int_equal(IPC_EP_SCANOUT, 27);
	assert_int_equal(IPC_EP_COMPOSITOR, 28);
	assert_true(IPC_EP_COMPOSITOR < IPC_MAX_ENDPOINTS);
	assert_int_equal(IPC_RIGHT_SEND | IPC_RIGHT_RECV | IPC_RIGHT_DELEGATE |
			     IPC_RIGHT_REVOKE,
			 IPC_RIGHTS_FULL);
}

/* ProcessId / ChannelId = index | generation << 32, both halves kept. */
static void test_id_encoding(void **state)
{
	uint64_t id = ipc_id_make(0xFFFFFFFFu, 0x80000001u);

	(void)state;
	assert_int_equal(id, 0x80000001FFFFFFFFull);
	assert_int_equal(ipc_id_index(id), 0xFFFFFFFFu);
	assert_int_equal(ipc_id_generation(id), 0x80000001u);
	assert_int_equal(ipc_id_make(7, 0), 7);
}

/* Policy query payload: 48 bytes, fields where ipc.md §6 puts them. */
static void test_policy_payload_layout(void **state)
{
	struct ipc_policy_query q;
	uint8_t wire[48];

	(void)state;
	memset(&q, 0, sizeof(q));
	q.query_id = 0x0102030405060708ull;
	q.caller_slot = 0x0A0B0C0Du;
	q.syscall = 25;
	q.principal[0] = 0xEE;
	q.principal[31] = 0xFF;
	memcpy(wire, &q, sizeof(wire));
	assert_int_equal(wire[0], 0x08);
	assert_int_equal(wire[7], 0x01);
	assert_int_equal(wire[8], 0x0D);
	assert_int_equal(wire[12], 25);
	assert_int_equal(wire[16], 0xEE);
	assert_int_equal(wire[47], 0xFF);
	assert_int_equal(IPC_POLICY_REPLY_MIN, 9);
	assert_int_equal(IPC_POLICY_REPLY_DECISION, 8);
}

/* SysInfo records: sizes, offsets and LE encoding. */
static void test_sysinfo_layouts(void **state)
{
	struct sysinfo_mem mem;
	struct sysinfo_sched sched;
	uint8_t wire[32];

	(void)state;
	assert_int_equal(SYSINFO_MEM, 0);
	assert_int_equal(SYSINFO_SCHED, 1);
	assert_int_equal(sizeof(mem), SYSINFO_MEM_MIN);
	assert_int_equal(sizeof(sched), SYSINFO_SCHED_MIN);

	memset(wire, 0, sizeof(wire));
	put_le(wire + 0, 262144, 8);
	put_le(wire + 8, 250000, 8);
	put_le(wire + 16, 123456, 8);
	put_le(wire + 24, 1024, 8);
	memcpy(&mem, wire, sizeof(mem));
	assert_int_equal(mem.total_frames, 262144);
	assert_int_equal(mem.free_frames, 250000);
	assert_int_equal(mem.heap_used_bytes, 123456);
	assert_int_equal(mem.heap_pages, 1024);

	memset(wire, 0, sizeof(wire));
	put_le(wire + 0, 4, 4);
	put_le(wire + 4, 17, 4);
	put_le(wire + 8, 0x100000002ull, 8);
	put_le(wire + 16, 100, 4);
	put_le(wire + 20, 3, 4);
	memcpy(&sched, wire, sizeof(sched));
	assert_int_equal(sched.online_cpus, 4);
	assert_int_equal(sched.tasks, 17);
	assert_int_equal(sched.ticks, 0x100000002ull);
	assert_int_equal(sched.tick_hz, 100);
	assert_int_equal(sched.cpu, 3);
}

/* DeviceInfo: 108 bytes, BAR i at 12 + 16 i (syscalls.md §7.2). */
static void test_device_info_layout(void **state)
{
	struct device_info di;
	uint8_t wire[DEVICE_INFO_SIZE];

	(void)state;
	assert_int_equal(sizeof(di), 108);
	memset(wire, 0, sizeof(wire));
	put_le(wire + 0, 0x1AF4, 2);
	put_le(wire + 2, 0x1001, 2);
	wire[4] = 1;
	wire[5] = 0;
	wire[8] = 3;
	wire[9] = 11;	/* interrupt line: CambiOS-C extension */
	wire[10] = 2;
	wire[11] = 1;	/* INTA: CambiOS-C extension */
	put_le(wire + 12 + 16 * 5, 0xC000, 8);
	put_le(wire + 12 + 16 * 5 + 8, 0x40, 4);
	wire[12 + 16 * 5 + 12] = 1;
	memcpy(&di, wire, sizeof(di));
	assert_int_equal(di.vendor, 0x1AF4);
	assert_int_equal(di.device, 0x1001);
	assert_int_equal(di.class_code, 1);
	assert_int_equal(di.function, 3);
	assert_int_equal(di.bar_count, 2);
	assert_int_equal(di.irq, 11);
	assert_int_equal(di.irq_pin, 1);
	assert_int_equal(CONSOLE_READ_WAIT, 1);
	assert_int_equal(di.bar[5].address, 0xC000);
	assert_int_equal(di.bar[5].size, 0x40);
	assert_int_equal(di.bar[5].is_io, 1);
}

/* DeviceInfo kind 1 (extension): 4-byte header, 24-byte entries. */
static void test_device_caps_layout(void **state)
{
	struct device_caps dc;
	uint8_t wire[DEVICE_CAPS_SIZE];

	(void)state;
	assert_int_equal(sizeof(dc), 388);
	assert_int_equal(DEVICE_INFO_KIND_SHIFT, 32);
	assert_int_equal(DEVICE_INFO_KIND_VENDOR_CAPS, 1);
	assert_int_equal(DEVICE_CAPS_BAD_POINTER | DEVICE_CAPS_LOOP |
			     DEVICE_CAPS_OVERFLOW,
			 7);
	memset(wire, 0, sizeof(wire));
	wire[0] = 2;
	wire[1] = DEVICE_CAPS_LOOP;
	wire[2] = 5;
	wire[4 + 24] = 0x84;  /* second entry: offset */
	wire[4 + 24 + 1] = 20; /* length */
	wire[4 + 24 + 4] = 0x09;
	wire[4 + 24 + 4 + 19] = 0x77;
	wire[4 + 24 * 15 + 4 + 19] = 0x55;
	memcpy(&dc, wire, sizeof(dc));
	assert_int_equal(dc.count, 2);
	assert_int_equal(dc.flags, DEVICE_CAPS_LOOP);
	assert_int_equal(dc.walked, 5);
	assert_int_equal(dc.cap[1].offset, 0x84);
	assert_int_equal(dc.cap[1].length, 20);
	assert_int_equal(dc.cap[1].data[0], 0x09);
	assert_int_equal(dc.cap[1].data[19], 0x77);
	assert_int_equal(dc.cap[15].data[19], 0x55);
}

/* ChannelInfo: 46 packed bytes, u64 fields at 14, 22, 30, 38 (§7.3). */
static void test_channel_info_layout(void **state)
{
	struct channel_info ci;
	uint8_t wire[CHANNEL_INFO_SIZE];

	(void)state;
	assert_int_equal(sizeof(ci), 46);
	memset(wire, 0, sizeof(wire));
	wire[0] = CHANNEL_ACTIVE;
	wire[1] = CHANNEL_BIDIRECTIONAL;
	put_le(wire + 2, 16, 4);
	put_le(wire + 6, 5, 4);
	put_le(wire + 10, CHANNEL_NO_PEER, 4);
	put_le(wire + 14, 0x10000000, 8);
	put_le(wire + 22, 0x10010000, 8);
	put_le(wire + 30, 0x7F000000, 8);
	put_le(wire + 38, 0xABCDEF, 8);
	memcpy(&ci, wire, sizeof(ci));
	assert_int_equal(ci.state, 1);
	assert_int_equal(ci.role, 2);
	assert_int_equal(ci.num_pages, 16);
	assert_int_equal(ci.creator_slot, 5);
	assert_int_equal(ci.peer_slot, 0xFFFFFFFFu);
	assert_int_equal(ci.creator_vaddr, 0x10000000);
	assert_int_equal(ci.peer_vaddr, 0x10010000);
	assert_int_equal(ci.phys_base, 0x7F000000);
	assert_int_equal(ci.created_tick, 0xABCDEF);
	assert_int_equal(CHANNEL_PRODUCER, 0);
	assert_int_equal(CHANNEL_CONSUMER, 1);
	assert_int_equal(CHANNEL_CLOSED, 3);
}

/* AuditInfo (48 bytes, §7.4) and FramebufferDescriptor (32 bytes, §7.5). */
static void test_audit_and_framebuffer_layouts(void **state)
{
	struct audit_info ai;
	struct framebuffer_desc fb;
	uint8_t wire[48];

	(void)state;
	assert_int_equal(sizeof(ai), 48);
	assert_int_equal(sizeof(fb), 32);
	memset(wire, 0, sizeof(wire));
	put_le(wire + 16, 1023, 4);
	wire[20] = 1;
	put_le(wire + 24, 2, 4);
	put_le(wire + 28 + 12, 9, 4);
	memcpy(&ai, wire, sizeof(ai));
	assert_int_equal(ai.capacity, 1023);
	assert_int_equal(ai.consumer_attached, 1);
	assert_int_equal(ai.online_cpus, 2);
	assert_int_equal(ai.staging[3], 9);

	memset(wire, 0, sizeof(wire));
	put_le(wire + 8, 1024, 4);
	put_le(wire + 12, 768, 4);
	put_le(wire + 16, 4096, 4);
	put_le(wire + 20, 32, 2);
	wire[22] = 8;
	wire[23] = 16;
	wire[27] = 3;
	memcpy(&fb, wire, sizeof(fb));
	assert_int_equal(fb.width, 1024);
	assert_int_equal(fb.height, 768);
	assert_int_equal(fb.pitch, 4096);
	assert_int_equal(fb.bpp, 32);
	assert_int_equal(fb.red_size, 8);
	assert_int_equal(fb.red_shift, 16);
	assert_int_equal(fb.blue_shift, 3);
	assert_int_equal(PORT_IO_WRITE | PORT_IO_DWORD, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_numbers_are_unique_and_dense),
	    cmocka_unit_test(test_names_are_unique),
	    cmocka_unit_test(test_arg_counts_match_spec),
	    cmocka_unit_test(test_exempt_set_is_exactly_seven),
	    cmocka_unit_test(test_bootstrap_gate_matches_spec),
	    cmocka_unit_test(test_syscap_column),
	    cmocka_unit_test(test_unknown_numbers),
	    cmocka_unit_test(test_spec_names),
	    cmocka_unit_test(test_errno_values_match_spec),
	    cmocka_unit_test(test_recv_header_layout),
	    cmocka_unit_test(test_endpoints_and_rights),
	    cmocka_unit_test(test_id_encoding),
	    cmocka_unit_test(test_policy_payload_layout),
	    cmocka_unit_test(test_sysinfo_layouts),
	    cmocka_unit_test(test_device_info_layout),
	    cmocka_unit_test(test_device_caps_layout),
	    cmocka_unit_test(test_channel_info_layout),
	    cmocka_unit_test(test_audit_and_framebuffer_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
