/*
 * abi/syscall.h - the syscall table: numbers, names, argument counts and
 * the authority each syscall needs (spec syscalls.md §3, §5).
 *
 * SYSCALL_TABLE is the one table.  Everything else here, the kernel's
 * dispatch and gate, libsys's wrappers (checked against the arity column at
 * compile time) and tests/unit/abi_test.c are derived from it.  A consumer
 * expands it with its own row macro, as with abi/errno.h:
 *
 *	#define ROW(nr, NAME, name, nargs, gate, cap, spec) \
 *		[nr] = sys_##name,
 *	static const syscall_fn table[] = {SYSCALL_TABLE(ROW)};
 *	#undef ROW
 *
 * Columns:
 *   nr      syscall number (RAX on x86_64, x8 on AArch64); dense from 0
 *   NAME    suffix of the SYS_<NAME> constant
 *   name    suffix of the handler / wrapper name sys_<name>
 *   nargs   arguments the syscall reads, a1..a<nargs> (at most 6)
 *   gate    EXEMPT: no identity needed (exactly the spec's seven);
 *           ID: caller needs a non-zero Principal;
 *           BOOT: ID, and the Principal must be the Bootstrap Principal
 *   syscap  system capability the caller must hold (ipc.md §5), or NONE
 *   spec    the spec's name, for logs and audit decoding
 *
 * 38 SysInfo, 39 Delegate and 40 TaskProcess are CambiOS-C extensions
 * (docs/abi.md "Deviations"), as is 24 ConsoleRead's third argument
 * (flags, CONSOLE_READ_WAIT in abi/syscall_out.h).  27 RevokeCapability is gated ID here, not
 * BOOT: the capability manager itself admits Bootstrap authority or a
 * holder of the REVOKE right (docs/capabilities.md §7).
 * Numbers are part of the ABI: never renumber, only append.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* X(nr, NAME, name, nargs, gate, syscap, spec) */
#define SYSCALL_TABLE(X)                                                       \
	X(0, EXIT, exit, 1, EXEMPT, NONE, "Exit")                              \
	X(1, WRITE, write, 3, ID, NONE, "Write")                               \
	X(2, READ, read, 3, ID, NONE, "Read")                                  \
	X(3, ALLOCATE, allocate, 2, ID, NONE, "Allocate")                      \
	X(4, FREE, free, 2, ID, NONE, "Free")                                  \
	X(5, WAIT_IRQ, wait_irq, 1, ID, NONE, "WaitIrq")                       \
	X(6, REGISTER_ENDPOINT, register_endpoint, 2, ID, NONE,                \
	  "RegisterEndpoint")                                                  \
	X(7, YIELD, yield, 0, EXEMPT, NONE, "Yield")                           \
	X(8, GET_PID, get_pid, 0, EXEMPT, NONE, "GetPid")                      \
	X(9, GET_TIME, get_time, 0, EXEMPT, NONE, "GetTime")                   \
	X(10, PRINT, print, 2, EXEMPT, NONE, "Print")                          \
	X(11, BIND_PRINCIPAL, bind_principal, 3, BOOT, NONE, "BindPrincipal")  \
	X(12, GET_PRINCIPAL, get_principal, 2, EXEMPT, NONE, "GetPrincipal")   \
	X(13, RECV_MSG, recv_msg, 3, ID, NONE, "RecvMsg")                      \
	X(14, OBJ_PUT, obj_put, 3, ID, NONE, "ObjPut")                         \
	X(15, OBJ_GET, obj_get, 4, ID, NONE, "ObjGet")                         \
	X(16, OBJ_DELETE, obj_delete, 2, ID, NONE, "ObjDelete")                \
	X(17, OBJ_LIST, obj_list, 2, ID, NONE, "ObjList")                      \
	X(18, CLAIM_BOOTSTRAP_KEY, claim_bootstrap_key, 1, BOOT, NONE,         \
	  "ClaimBootstrapKey")                                                 \
	X(19, OBJ_PUT_SIGNED, obj_put_signed, 6, ID, NONE, "ObjPutSigned")     \
	X(20, MAP_MMIO, map_mmio, 2, ID, NONE, "MapMmio")                      \
	X(21, ALLOC_DMA, alloc_dma, 3, ID, NONE, "AllocDma")                   \
	X(22, DEVICE_INFO, device_info, 3, ID, NONE, "DeviceInfo")             \
	X(23, PORT_IO, port_io, 3, ID, NONE, "PortIo")                         \
	X(24, CONSOLE_READ, console_read, 3, ID, NONE, "ConsoleRead")          \
	X(25, SPAWN, spawn, 2, ID, CREATE_PROCESS, "Spawn")                    \
	X(26, WAIT_TASK, wait_task, 1, ID, NONE, "WaitTask")                   \
	X(27, REVOKE_CAPABILITY, revoke_capability, 2, ID, NONE,               \
	  "RevokeCapability")                                                  \
	X(28, CHANNEL_CREATE, channel_create, 4, ID, CREATE_CHANNEL,           \
	  "ChannelCreate")                                                     \
	X(29, CHANNEL_ATTACH, channel_attach, 1, ID, NONE, "ChannelAttach")    \
	X(30, CHANNEL_CLOSE, channel_close, 1, ID, NONE, "ChannelClose")       \
	X(31, CHANNEL_REVOKE, channel_revoke, 1, BOOT, NONE, "ChannelRevoke")  \
	X(32, CHANNEL_INFO, channel_info, 3, ID, NONE, "ChannelInfo")          \
	X(33, AUDIT_ATTACH, audit_attach, 0, BOOT, NONE, "AuditAttach")        \
	X(34, AUDIT_INFO, audit_info, 2, ID, NONE, "AuditInfo")                \
	X(35, MAP_FRAMEBUFFER, map_framebuffer, 3, ID, MAP_FRAMEBUFFER,        \
	  "MapFramebuffer")                                                    \
	X(36, MODULE_READY, module_ready, 0, EXEMPT, NONE, "ModuleReady")      \
	X(37, TRY_RECV_MSG, try_recv_msg, 3, ID, NONE, "TryRecvMsg")           \
	X(38, SYSINFO, sysinfo, 3, ID, NONE, "SysInfo")                        \
	X(39, DELEGATE, delegate, 3, ID, NONE, "Delegate")                     \
	X(40, TASK_PROCESS, task_process, 1, ID, NONE, "TaskProcess")        \
	X(41, WAIT_MSG, wait_msg, 1, ID, NONE, "WaitMsg")

/** Syscall numbers: SYS_EXIT = 0 ... SYS_WAIT_MSG = 41. */
enum syscall_nr {
#define SYSCALL_NR_ENUM(nr, NAME, name, nargs, gate, syscap, spec)             \
	SYS_##NAME = (nr),
	SYSCALL_TABLE(SYSCALL_NR_ENUM)
#undef SYSCALL_NR_ENUM
};

/** Number of table rows; numbers are dense, so also one past the last. */
enum {
#define SYSCALL_COUNT_ROW(nr, NAME, name, nargs, gate, syscap, spec)           \
	SYSCALL_ROW_##NAME,
	SYSCALL_TABLE(SYSCALL_COUNT_ROW)
#undef SYSCALL_COUNT_ROW
	    SYSCALL_COUNT
};

/** Argument counts as constants: SYSCALL_NARGS_WRITE = 3, ... */
enum syscall_nargs {
#define SYSCALL_NARGS_ENUM(nr, NAME, name, nargs, gate, syscap, spec)          \
	SYSCALL_NARGS_##NAME = (nargs),
	SYSCALL_TABLE(SYSCALL_NARGS_ENUM)
#undef SYSCALL_NARGS_ENUM
};

/** Most arguments any syscall takes (registers a1..a6). */
#define SYSCALL_MAX_ARGS 6

/** Identity gate (syscalls.md §3), the table's gate column. */
enum syscall_gate {
	SYSCALL_GATE_EXEMPT = 0, /**< callable without a Principal */
	SYSCALL_GATE_ID = 1,	 /**< caller's Principal must be non-zero */
	SYSCALL_GATE_BOOT = 2,	 /**< ID, and Principal == Bootstrap */
};

/**
 * System capability a syscall requires (syscap column).  Values are the
 * capability kind numbers of ipc.md §5; 0 (the Endpoint kind, which never
 * gates a whole syscall) means none.
 */
enum syscall_syscap {
	SYSCALL_SYSCAP_NONE = 0,
	SYSCALL_SYSCAP_CREATE_PROCESS = 1,
	SYSCALL_SYSCAP_CREATE_CHANNEL = 2,
	SYSCALL_SYSCAP_MAP_FRAMEBUFFER = 4,
};

/*
 * Bit n set for every syscall n of the given gate.  64 bits cover the
 * table; the policy service's per-process bitmap has the same shape
 * (ipc.md §6) and denies any syscall >= 64.
 */
#define SYSCALL_GATE_BIT(nr, NAME, name, nargs, gate, syscap, spec)            \
	| ((SYSCALL_GATE_##gate == SYSCALL_GATE_EXEMPT) ? 1ull << (nr) : 0)
/** Syscalls exempt from the identity gate, as a bitmap. */
#define SYSCALL_EXEMPT_MASK (0ull SYSCALL_TABLE(SYSCALL_GATE_BIT))

#define SYSCALL_ALL_BIT(nr, NAME, name, nargs, gate, syscap, spec)             \
	| (1ull << (nr))
/** Every number in the table, as a bitmap. */
#define SYSCALL_ALL_MASK (0ull SYSCALL_TABLE(SYSCALL_ALL_BIT))

/*
 * The table's invariants, checked wherever this header is compiled.
 * COUNT rows covering exactly the bits 0..COUNT-1 means the numbers are
 * unique and dense.
 */
_Static_assert(SYSCALL_COUNT == 42,
	       "spec syscalls 0..37 plus SysInfo, Delegate, TaskProcess, "
	       "WaitMsg");
_Static_assert(SYSCALL_COUNT <= 64, "masks are 64-bit");
_Static_assert(SYSCALL_ALL_MASK == (1ull << SYSCALL_COUNT) - 1,
	       "syscall numbers must be unique and dense from 0");
_Static_assert(SYSCALL_EXEMPT_MASK ==
		   ((1ull << 0) | (1ull << 7) | (1ull << 8) | (1ull << 9) |
		    (1ull << 10) | (1ull << 12) | (1ull << 36)),
	       "exactly Exit, Yield, GetPid, GetTime, Print, GetPrincipal "
	       "and ModuleReady are identity-exempt (syscalls.md §3)");

/** True when nr names a syscall in the table. */
static inline bool syscall_valid(uint64_t nr)
{
	return nr < SYSCALL_COUNT;
}

/** Arguments syscall nr reads, or -1 for an unknown number. */
static inline int syscall_nargs(uint64_t nr)
{
	switch (nr) {
#define SYSCALL_NARGS_CASE(nr, NAME, name, nargs, gate, syscap, spec)          \
	case (nr):                                                             \
		return (nargs);
		SYSCALL_TABLE(SYSCALL_NARGS_CASE)
#undef SYSCALL_NARGS_CASE
	default:
		return -1;
	}
}

/** The spec's name ("GetPid") of syscall nr, or "?" for an unknown one. */
static inline const char *syscall_name(uint64_t nr)
{
	switch (nr) {
#define SYSCALL_NAME_CASE(nr, NAME, name, nargs, gate, syscap, spec)           \
	case (nr):                                                             \
		return (spec);
		SYSCALL_TABLE(SYSCALL_NAME_CASE)
#undef SYSCALL_NAME_CASE
	default:
		return "?";
	}
}

/**
 * Identity gate of syscall nr.  An unknown number reports
 * SYSCALL_GATE_BOOT, the strictest, though dispatch rejects it with
 * -ENOSYS before any gate is consulted (syscalls.md §3 step 1).
 */
static inline enum syscall_gate syscall_gate(uint64_t nr)
{
	switch (nr) {
#define SYSCALL_GATE_CASE(nr, NAME, name, nargs, gate, syscap, spec)           \
	case (nr):                                                             \
		return SYSCALL_GATE_##gate;
		SYSCALL_TABLE(SYSCALL_GATE_CASE)
#undef SYSCALL_GATE_CASE
	default:
		return SYSCALL_GATE_BOOT;
	}
}

/** True when syscall nr may be made without a Principal (the seven). */
static inline bool syscall_is_exempt(uint64_t nr)
{
	return nr < 64 && ((SYSCALL_EXEMPT_MASK >> nr) & 1);
}

/** System capability syscall nr requires (SYSCALL_SYSCAP_NONE if none). */
static inline enum syscall_syscap syscall_syscap(uint64_t nr)
{
	switch (nr) {
#define SYSCALL_SYSCAP_CASE(nr, NAME, name, nargs, gate, syscap, spec)         \
	case (nr):                                                             \
		return SYSCALL_SYSCAP_##syscap;
		SYSCALL_TABLE(SYSCALL_SYSCAP_CASE)
#undef SYSCALL_SYSCAP_CASE
	default:
		return SYSCALL_SYSCAP_NONE;
	}
}
