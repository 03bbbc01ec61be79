/*
 * kernel/arch/x86_64/usercopy.c - arch_copy_from_user / arch_copy_to_user:
 * direct copies through the active address space, with page faults turned
 * into an error by the #PF handler (usercopy.S, x86_user_copy_fixup).
 */
#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/arch/x86_64/usercopy.h"

#include "abi/errno.h"

/* Set once by the boot CPU when CR4.SMAP is on (every CPU alike). */
bool x86_smap_enabled;

long x86_user_copy(void *dst, const void *src, size_t len);
extern const char x86_user_copy_movsq[], x86_user_copy_movsb[],
    x86_user_copy_fault[];

/* arch_user_ceiling's value, as a constant: every IPC copy asks. */
static inline bool user_range(uintptr_t addr, size_t len)
{
	return addr < USER_CEILING && len <= USER_CEILING - addr;
}

static long copy(void *dst, const void *src, size_t len)
{
	long ret;

	if (x86_smap_enabled)
		__asm__ volatile("stac" : : : "memory");
	ret = x86_user_copy(dst, src, len);
	if (x86_smap_enabled)
		__asm__ volatile("clac" : : : "memory");
	return ret;
}

int arch_copy_from_user(void *dst, uintptr_t src, size_t len)
{
	if (!user_range(src, len))
		return -EINVAL;
	return copy(dst, (const void *)src, len) ? -EINVAL : 0;
}

int arch_copy_to_user(uintptr_t dst, const void *src, size_t len)
{
	if (!user_range(dst, len))
		return -EINVAL;
	return copy((void *)dst, src, len) ? -EINVAL : 0;
}

uint64_t arch_vm_active_root(void)
{
	return read_cr3() & ~0xFFFull;
}

bool x86_user_copy_fixup(uint64_t *rip)
{
	if (*rip == (uint64_t)(uintptr_t)x86_user_copy_movsq ||
	    *rip == (uint64_t)(uintptr_t)x86_user_copy_movsb) {
		*rip = (uint64_t)(uintptr_t)x86_user_copy_fault;
		return true;
	}
	return false;
}
