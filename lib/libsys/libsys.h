/*
 * lib/libsys/libsys.h - the user-space C library: one typed wrapper per
 * syscall, console output, verified receive, error strings.  User
 * programs include this header and abi/ headers, nothing else of the
 * system (STYLE.md §1).
 *
 * Every wrapper but sys_exit returns the kernel's signed 64-bit result:
 * >= 0 success (a count, an address, an id or 0), or a negative code from
 * abi/errno.h (-EINVAL, -EPERM, ...).  See abi/syscall.h for numbers and
 * the identity gate, spec syscalls.md §5 for each syscall's errors.
 * Unsigned results (addresses, ChannelIds) come back raw: test them with
 * sys_failed(), not `< 0`.
 *
 * The program entry point is libsys's _start, which calls
 * `int main(void)` and passes its result to sys_exit.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/klib/string.h"

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/obj.h"
#include "abi/syscall.h"
#include "abi/syscall_out.h"
#include "abi/sysinfo.h"

/** The program's entry, called by _start; its result is the exit code. */
int main(void);

/**
 * True when a syscall result is an error code.  Errors are the range
 * -4095..-1; anything else, including a ChannelId whose generation has
 * the top bit set, is a value.
 */
static inline bool sys_failed(int64_t ret)
{
	return ret < 0 && ret >= -4095;
}

/* --- Syscalls, in table order -------------------------------------------- */

/** 0 Exit: end the process with code (WaitTask reports it). */
_Noreturn void sys_exit(int code);
/** 1 Write: queue len (<= 256) bytes on endpoint; returns len. */
int64_t sys_write(uint32_t endpoint, const void *buf, size_t len);
/** 2 Read: non-blocking payload-only receive; 0 when the queue is empty. */
int64_t sys_read(uint32_t endpoint, void *buf, size_t max);
/** 3 Allocate: size bytes (<= 64 MiB) of zeroed RW pages; returns vaddr. */
int64_t sys_allocate(size_t size, uint64_t flags);
/** 4 Free: release the region Allocate returned at vaddr. */
int64_t sys_free(void *vaddr, size_t size);
/** 5 WaitIrq: block until irq fires (registers and pins the caller). */
int64_t sys_wait_irq(uint32_t irq);
/** 6 RegisterEndpoint: take full rights on endpoint (< 32). */
int64_t sys_register_endpoint(uint32_t endpoint, uint64_t flags);
/** 7 Yield: give up the CPU now; returns 0. */
int64_t sys_yield(void);
/** 8 GetPid: the caller's process slot. */
int64_t sys_get_pid(void);
/** 9 GetTime: timer ticks since boot (100 Hz). */
int64_t sys_get_time(void);
/** 10 Print: write len (<= 256) bytes to the console; returns len. */
int64_t sys_print(const void *buf, size_t len);
/**
 * 11 BindPrincipal: bind a 32-byte key to process pid (the full 64-bit
 * ProcessId), once; Bootstrap authority only.
 */
int64_t sys_bind_principal(uint64_t pid, const void *key, size_t key_len);
/** 12 GetPrincipal: copy the caller's Principal (len >= 32); returns 32. */
int64_t sys_get_principal(void *buf, size_t len);
/**
 * 13 RecvMsg: block until a message arrives on endpoint; buf gets a
 * struct ipc_recv_hdr then the payload.  Returns 36 + payload bytes.
 * Prefer recv_verified(), which rejects anonymous senders.
 */
int64_t sys_recv_msg(uint32_t endpoint, void *buf, size_t len);
/** 14 ObjPut: store len (1..4096) bytes; writes the 32-byte hash. */
int64_t sys_obj_put(const void *content, size_t len, void *out_hash);
/** 15 ObjGet: copy object hash into out; returns bytes copied. */
int64_t sys_obj_get(const void *hash, void *out, size_t out_len);
/**
 * 15 ObjGet for an object gateway (CAP_SYS_OBJ_GATEWAY): read as client,
 * a 32-byte Principal, whose owner/ACL rights the kernel checks.
 */
int64_t sys_obj_get_for(const void *hash, void *out, size_t out_len,
			const void *client);
/** 16 ObjDelete: delete object hash (owner only). */
int64_t sys_obj_delete(const void *hash);
/** 16 ObjDelete for an object gateway: client (32 bytes) must own it. */
int64_t sys_obj_delete_for(const void *hash, const void *client);
/** 17 ObjList: write packed 32-byte hashes; returns how many. */
int64_t sys_obj_list(void *out, size_t out_len);
/** 18 ClaimBootstrapKey: one-shot copy of the 64-byte bootstrap secret. */
int64_t sys_claim_bootstrap_key(void *out);
/** 19 ObjPutSigned: as ObjPut with a 64-byte Ed25519 signature. */
int64_t sys_obj_put_signed(const void *content, size_t len, const void *sig,
			   void *out_hash);
/**
 * 19 ObjPutSigned with its extensions: owner_author (an object gateway
 * only; NULL = the caller) is 64 bytes, the owner's Principal then the
 * author's, and sig is the author's signature; acl (NULL = none) is the
 * access list stored with the object (abi/obj.h).
 */
int64_t sys_obj_put_signed_for(const void *content, size_t len,
			       const void *sig, void *out_hash,
			       const void *owner_author,
			       const struct obj_acl *acl);
/** 20 MapMmio: map pages at page-aligned phys uncached; returns vaddr. */
int64_t sys_map_mmio(uint64_t phys, uint64_t pages);
/** 21 AllocDma: contiguous zeroed pages, guard pages around; *out_paddr. */
int64_t sys_alloc_dma(uint64_t pages, uint64_t flags, uint64_t *out_paddr);
/** 22 DeviceInfo: PCI function index into out (struct device_info). */
int64_t sys_device_info(uint32_t index, void *out, size_t len);
/**
 * 22 DeviceInfo, record kind 1 (extension): the vendor-specific PCI
 * capabilities of function index into out (struct device_caps).
 */
int64_t sys_device_caps(uint32_t index, void *out, size_t len);
/** 23 PortIo: read or write a PCI I/O BAR port (enum port_io_flags). */
int64_t sys_port_io(uint16_t port, uint32_t value, uint32_t flags);
/**
 * 24 ConsoleRead: at most one byte; returns 0 or 1.  flags 0 never blocks
 * (the spec's call); CONSOLE_READ_WAIT blocks until a byte is there
 * (CambiOS-C extension).
 */
int64_t sys_console_read(void *buf, size_t max, uint32_t flags);
/** 25 Spawn: start boot module name (len 1..64); returns its TaskId. */
int64_t sys_spawn(const char *name, size_t len);
/** 26 WaitTask: wait for child task (the id Spawn returned: 64 bits,
 * slot and generation) to exit; returns its exit code. */
int64_t sys_wait_task(uint64_t task);
/**
 * 27 RevokeCapability: remove process pid's (full ProcessId) capability
 * on endpoint.  Allowed to Bootstrap authority and to a holder of REVOKE
 * on the endpoint (its owner, or whom the owner delegated REVOKE to).
 */
int64_t sys_revoke_capability(uint64_t pid, uint32_t endpoint);
/**
 * 28 ChannelCreate: shared memory of pages (1..65536) for the peer
 * Principal (32 bytes), role enum channel_role; the creator's mapping is
 * written to *out_vaddr.  Returns the ChannelId.
 */
int64_t sys_channel_create(uint64_t pages, const void *peer, uint32_t role,
			   uint64_t *out_vaddr);
/** 29 ChannelAttach: map channel as its named peer; returns vaddr. */
int64_t sys_channel_attach(uint64_t channel);
/** 30 ChannelClose: tear down channel (creator or peer). */
int64_t sys_channel_close(uint64_t channel);
/** 31 ChannelRevoke: tear down channel (Bootstrap only). */
int64_t sys_channel_revoke(uint64_t channel);
/** 32 ChannelInfo: struct channel_info of channel into out. */
int64_t sys_channel_info(uint64_t channel, void *out, size_t len);
/** 33 AuditAttach: map the audit ring read-only; returns vaddr. */
int64_t sys_audit_attach(void);
/** 34 AuditInfo: struct audit_info into out. */
int64_t sys_audit_info(void *out, size_t len);
/** 35 MapFramebuffer: map framebuffer index; struct framebuffer_desc. */
int64_t sys_map_framebuffer(uint32_t index, void *out, size_t len);
/** 36 ModuleReady: release the next boot module (idempotent). */
int64_t sys_module_ready(void);
/** 37 TryRecvMsg: as sys_recv_msg but returns 0 at once when empty. */
int64_t sys_try_recv_msg(uint32_t endpoint, void *buf, size_t len);
/**
 * 38 SysInfo (CambiOS-C): record kind (enum sysinfo_kind) into buf;
 * returns bytes written.  See abi/sysinfo.h.
 */
int64_t sys_sysinfo(uint32_t kind, void *buf, size_t len);
/**
 * 39 Delegate (CambiOS-C): give process pid the rights (enum ipc_right
 * bits) on endpoint.  The caller must hold DELEGATE and every right it
 * passes; RECEIVE is never delegated.  Returns 0.
 */
int64_t sys_delegate(uint32_t endpoint, uint64_t pid, uint32_t rights);
/**
 * 40 TaskProcess (CambiOS-C): the full ProcessId of the process running
 * task (a TaskId Spawn returned to the caller, i.e. its own child), or
 * the caller's own ProcessId when task is 0.
 */
int64_t sys_task_process(uint64_t task);
/**
 * 41 WaitMsg (CambiOS-C): block until one of the endpoints in mask (bit
 * n = endpoint n; the caller needs RECEIVE on each) holds a message;
 * returns the mask of those that do, dequeuing nothing (take messages
 * with sys_try_recv_msg).  For a service with several endpoints.
 */
int64_t sys_wait_msg(uint32_t mask);

/**
 * Any syscall number with all six argument registers, for tests of the
 * kernel's decoding (unknown numbers, hostile arguments).  Programs use
 * the typed wrappers above.
 */
int64_t sys_raw(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		uint64_t a5, uint64_t a6);

/* --- Console ------------------------------------------------------------- */

/**
 * printf-style output to the console (conversions of lib/klib/fmt.h).
 * The text is gathered in a 256-byte buffer and handed to Print one
 * buffer at a time, so output of up to 256 bytes is one syscall and
 * reaches the console unbroken.  Returns the characters produced, or the
 * first negative error Print returned (the rest is then dropped).
 */
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
/** printf() with a va_list. */
int vprintf(const char *fmt, va_list ap);
/** Write s and a newline (one Print when short enough); as printf. */
int puts(const char *s);
/** Format into buf of size bytes, always NUL-terminated (see fmt.h). */
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(__printf__, 3, 4)));
/** snprintf() with a va_list. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/** Message for an error code given as positive or negative. */
const char *strerror(int err);

/* --- IPC ----------------------------------------------------------------- */

/** A received message whose sender the kernel identified. */
struct recv_msg {
	uint8_t sender[PRINCIPAL_SIZE]; /**< sender's Principal, non-zero */
	uint32_t from_endpoint;		/**< where to send a reply */
	const uint8_t *payload;		/**< inside the caller's buffer */
	size_t len;			/**< payload bytes, >= 1 */
};

/**
 * Receive on endpoint into buf (buf_len >= 37; IPC_RECV_BUF_SIZE holds any
 * message), blocking until a message arrives, and accept it only from an
 * identified sender (spec security.md §6).  Fills *msg and returns the
 * payload length (>= 1).
 *
 * Fails with: -EINVAL when buf_len < 37 (nothing is received); -EPERM
 * when the message came from an anonymous sender (all-zero Principal:
 * the kernel or an unbound process); -ECORRUPT when the kernel's answer
 * is malformed (no payload, or longer than buf); or RecvMsg's own error.  A
 * rejected message is consumed: call again for the next one.
 */
int64_t recv_verified(uint32_t endpoint, void *buf, size_t buf_len,
		      struct recv_msg *msg);

/**
 * recv_verified() without blocking: returns 0 at once when the queue is
 * empty, otherwise as recv_verified().
 */
int64_t try_recv_verified(uint32_t endpoint, void *buf, size_t buf_len,
			  struct recv_msg *msg);

/** First payload byte: the command code of the services' protocols. */
static inline uint8_t recv_command(const struct recv_msg *msg)
{
	return msg->payload[0];
}

/* --- Timing -------------------------------------------------------------- */

/**
 * CPU cycle counter (x86_64 TSC, serialised with lfence).  Under QEMU
 * with -icount it counts guest instructions.  For benchmarks only.
 */
uint64_t read_cycles(void);
