/*
 * lib/libsys/syscalls.c - one typed wrapper per syscall of abi/syscall.h.
 *
 * Each wrapper converts its arguments to the 64-bit registers the kernel
 * reads (pointers as their address, narrower integers zero-extended) and
 * calls the raw helper of its arity.  SYSCALL_ARITY() checks at compile
 * time that the helper matches the table's argument count, so the table
 * and the library cannot drift apart.
 */
#include "lib/libsys/libsys.h"

#include "syscall.h" /* lib/libsys/arch/<arch>/syscall.h */

#define SYSCALL_ARITY(NAME, n)                                                 \
	_Static_assert(SYSCALL_NARGS_##NAME == (n),                            \
		       "sys_" #NAME ": argument count differs from the table")

/* A user pointer as the register value the kernel receives. */
static inline uint64_t uptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

_Noreturn void sys_exit(int code)
{
	SYSCALL_ARITY(EXIT, 1);
	/* The exit code is a u32 (syscalls.md §5): -1 is seen as 0xFFFFFFFF. */
	(void)arch_syscall1(SYS_EXIT, (uint32_t)code);
	/* Exit never returns; should a broken kernel return, do not run on. */
	for (;;)
		(void)arch_syscall0(SYS_YIELD);
}

int64_t sys_write(uint32_t endpoint, const void *buf, size_t len)
{
	SYSCALL_ARITY(WRITE, 3);
	return arch_syscall3(SYS_WRITE, endpoint, uptr(buf), len);
}

int64_t sys_read(uint32_t endpoint, void *buf, size_t max)
{
	SYSCALL_ARITY(READ, 3);
	return arch_syscall3(SYS_READ, endpoint, uptr(buf), max);
}

int64_t sys_allocate(size_t size, uint64_t flags)
{
	SYSCALL_ARITY(ALLOCATE, 2);
	return arch_syscall2(SYS_ALLOCATE, size, flags);
}

int64_t sys_free(void *vaddr, size_t size)
{
	SYSCALL_ARITY(FREE, 2);
	return arch_syscall2(SYS_FREE, uptr(vaddr), size);
}

int64_t sys_wait_irq(uint32_t irq)
{
	SYSCALL_ARITY(WAIT_IRQ, 1);
	return arch_syscall1(SYS_WAIT_IRQ, irq);
}

int64_t sys_register_endpoint(uint32_t endpoint, uint64_t flags)
{
	SYSCALL_ARITY(REGISTER_ENDPOINT, 2);
	return arch_syscall2(SYS_REGISTER_ENDPOINT, endpoint, flags);
}

int64_t sys_yield(void)
{
	SYSCALL_ARITY(YIELD, 0);
	return arch_syscall0(SYS_YIELD);
}

int64_t sys_get_pid(void)
{
	SYSCALL_ARITY(GET_PID, 0);
	return arch_syscall0(SYS_GET_PID);
}

int64_t sys_get_time(void)
{
	SYSCALL_ARITY(GET_TIME, 0);
	return arch_syscall0(SYS_GET_TIME);
}

int64_t sys_print(const void *buf, size_t len)
{
	SYSCALL_ARITY(PRINT, 2);
	return arch_syscall2(SYS_PRINT, uptr(buf), len);
}

int64_t sys_bind_principal(uint64_t pid, const void *key, size_t key_len)
{
	SYSCALL_ARITY(BIND_PRINCIPAL, 3);
	return arch_syscall3(SYS_BIND_PRINCIPAL, pid, uptr(key), key_len);
}

int64_t sys_get_principal(void *buf, size_t len)
{
	SYSCALL_ARITY(GET_PRINCIPAL, 2);
	return arch_syscall2(SYS_GET_PRINCIPAL, uptr(buf), len);
}

int64_t sys_recv_msg(uint32_t endpoint, void *buf, size_t len)
{
	SYSCALL_ARITY(RECV_MSG, 3);
	return arch_syscall3(SYS_RECV_MSG, endpoint, uptr(buf), len);
}

int64_t sys_obj_put(const void *content, size_t len, void *out_hash)
{
	SYSCALL_ARITY(OBJ_PUT, 3);
	return arch_syscall3(SYS_OBJ_PUT, uptr(content), len, uptr(out_hash));
}

int64_t sys_obj_get(const void *hash, void *out, size_t out_len)
{
	return sys_obj_get_for(hash, out, out_len, NULL);
}

int64_t sys_obj_get_for(const void *hash, void *out, size_t out_len,
			const void *client)
{
	SYSCALL_ARITY(OBJ_GET, 4);
	return arch_syscall4(SYS_OBJ_GET, uptr(hash), uptr(out), out_len,
			     uptr(client));
}

int64_t sys_obj_delete(const void *hash)
{
	return sys_obj_delete_for(hash, NULL);
}

int64_t sys_obj_delete_for(const void *hash, const void *client)
{
	SYSCALL_ARITY(OBJ_DELETE, 2);
	return arch_syscall2(SYS_OBJ_DELETE, uptr(hash), uptr(client));
}

int64_t sys_obj_list(void *out, size_t out_len)
{
	SYSCALL_ARITY(OBJ_LIST, 2);
	return arch_syscall2(SYS_OBJ_LIST, uptr(out), out_len);
}

int64_t sys_claim_bootstrap_key(void *out)
{
	SYSCALL_ARITY(CLAIM_BOOTSTRAP_KEY, 1);
	return arch_syscall1(SYS_CLAIM_BOOTSTRAP_KEY, uptr(out));
}

int64_t sys_obj_put_signed(const void *content, size_t len, const void *sig,
			   void *out_hash)
{
	return sys_obj_put_signed_for(content, len, sig, out_hash, NULL, NULL);
}

int64_t sys_obj_put_signed_for(const void *content, size_t len,
			       const void *sig, void *out_hash,
			       const void *owner_author,
			       const struct obj_acl *acl)
{
	SYSCALL_ARITY(OBJ_PUT_SIGNED, 6);
	return arch_syscall6(SYS_OBJ_PUT_SIGNED, uptr(content), len, uptr(sig),
			     uptr(out_hash), uptr(owner_author), uptr(acl));
}

int64_t sys_map_mmio(uint64_t phys, uint64_t pages)
{
	SYSCALL_ARITY(MAP_MMIO, 2);
	return arch_syscall2(SYS_MAP_MMIO, phys, pages);
}

int64_t sys_alloc_dma(uint64_t pages, uint64_t flags, uint64_t *out_paddr)
{
	SYSCALL_ARITY(ALLOC_DMA, 3);
	return arch_syscall3(SYS_ALLOC_DMA, pages, flags, uptr(out_paddr));
}

int64_t sys_device_info(uint32_t index, void *out, size_t len)
{
	SYSCALL_ARITY(DEVICE_INFO, 3);
	return arch_syscall3(SYS_DEVICE_INFO, index, uptr(out), len);
}

int64_t sys_device_caps(uint32_t index, void *out, size_t len)
{
	SYSCALL_ARITY(DEVICE_INFO, 3);
	return arch_syscall3(SYS_DEVICE_INFO,
			     (uint64_t)DEVICE_INFO_KIND_VENDOR_CAPS
				     << DEVICE_INFO_KIND_SHIFT |
				 index,
			     uptr(out), len);
}

int64_t sys_port_io(uint16_t port, uint32_t value, uint32_t flags)
{
	SYSCALL_ARITY(PORT_IO, 3);
	return arch_syscall3(SYS_PORT_IO, port, value, flags);
}

int64_t sys_console_read(void *buf, size_t max, uint32_t flags)
{
	SYSCALL_ARITY(CONSOLE_READ, 3);
	return arch_syscall3(SYS_CONSOLE_READ, uptr(buf), max, flags);
}

int64_t sys_spawn(const char *name, size_t len)
{
	SYSCALL_ARITY(SPAWN, 2);
	return arch_syscall2(SYS_SPAWN, uptr(name), len);
}

int64_t sys_wait_task(uint64_t task)
{
	SYSCALL_ARITY(WAIT_TASK, 1);
	return arch_syscall1(SYS_WAIT_TASK, task);
}

int64_t sys_revoke_capability(uint64_t pid, uint32_t endpoint)
{
	SYSCALL_ARITY(REVOKE_CAPABILITY, 2);
	return arch_syscall2(SYS_REVOKE_CAPABILITY, pid, endpoint);
}

int64_t sys_channel_create(uint64_t pages, const void *peer, uint32_t role,
			   uint64_t *out_vaddr)
{
	SYSCALL_ARITY(CHANNEL_CREATE, 4);
	return arch_syscall4(SYS_CHANNEL_CREATE, pages, uptr(peer), role,
			     uptr(out_vaddr));
}

int64_t sys_channel_attach(uint64_t channel)
{
	SYSCALL_ARITY(CHANNEL_ATTACH, 1);
	return arch_syscall1(SYS_CHANNEL_ATTACH, channel);
}

int64_t sys_channel_close(uint64_t channel)
{
	SYSCALL_ARITY(CHANNEL_CLOSE, 1);
	return arch_syscall1(SYS_CHANNEL_CLOSE, channel);
}

int64_t sys_channel_revoke(uint64_t channel)
{
	SYSCALL_ARITY(CHANNEL_REVOKE, 1);
	return arch_syscall1(SYS_CHANNEL_REVOKE, channel);
}

int64_t sys_channel_info(uint64_t channel, void *out, size_t len)
{
	SYSCALL_ARITY(CHANNEL_INFO, 3);
	return arch_syscall3(SYS_CHANNEL_INFO, channel, uptr(out), len);
}

int64_t sys_audit_attach(void)
{
	SYSCALL_ARITY(AUDIT_ATTACH, 0);
	return arch_syscall0(SYS_AUDIT_ATTACH);
}

int64_t sys_audit_info(void *out, size_t len)
{
	SYSCALL_ARITY(AUDIT_INFO, 2);
	return arch_syscall2(SYS_AUDIT_INFO, uptr(out), len);
}

int64_t sys_map_framebuffer(uint32_t index, void *out, size_t len)
{
	SYSCALL_ARITY(MAP_FRAMEBUFFER, 3);
	return arch_syscall3(SYS_MAP_FRAMEBUFFER, index, uptr(out), len);
}

int64_t sys_module_ready(void)
{
	SYSCALL_ARITY(MODULE_READY, 0);
	return arch_syscall0(SYS_MODULE_READY);
}

int64_t sys_try_recv_msg(uint32_t endpoint, void *buf, size_t len)
{
	SYSCALL_ARITY(TRY_RECV_MSG, 3);
	return arch_syscall3(SYS_TRY_RECV_MSG, endpoint, uptr(buf), len);
}

int64_t sys_sysinfo(uint32_t kind, void *buf, size_t len)
{
	SYSCALL_ARITY(SYSINFO, 3);
	return arch_syscall3(SYS_SYSINFO, kind, uptr(buf), len);
}

int64_t sys_delegate(uint32_t endpoint, uint64_t pid, uint32_t rights)
{
	SYSCALL_ARITY(DELEGATE, 3);
	return arch_syscall3(SYS_DELEGATE, endpoint, pid, rights);
}

int64_t sys_task_process(uint64_t task)
{
	SYSCALL_ARITY(TASK_PROCESS, 1);
	return arch_syscall1(SYS_TASK_PROCESS, task);
}

int64_t sys_wait_msg(uint32_t mask)
{
	SYSCALL_ARITY(WAIT_MSG, 1);
	return arch_syscall1(SYS_WAIT_MSG, mask);
}

int64_t sys_raw(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		uint64_t a5, uint64_t a6)
{
	return arch_syscall6(nr, a1, a2, a3, a4, a5, a6);
}
