/*
 * kernel/mm/uaccess.c - copying between the kernel and user address spaces.
 *
 * When root is the address space this CPU has active (every syscall
 * copying its caller's memory), the copy goes straight through it with
 * arch_copy_*_user, which turns a page fault into an error; a concurrent
 * unmap (a channel closed by its peer) then makes the copy fail instead
 * of reaching a frame already freed.  Otherwise (another address space,
 * host tests) both directions first translate every page of the range,
 * so a fault in the middle copies nothing, then copy page by page
 * through the direct map.
 */
#include "kernel/mm/uaccess.h"

#include <stdbool.h>

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "lib/klib/string.h"

#define PAGE	4096u

bool uaccess_range_ok(uaddr_t addr, size_t len)
{
	uintptr_t ceiling = arch_user_ceiling();

	return addr < ceiling && len <= ceiling - addr;
}

/* Check every page of [addr, addr + len) and record its frames. */
static int translate_range(uint64_t root, uaddr_t addr, size_t len,
			   bool write, uint64_t frames[2 + UACCESS_MAX / PAGE])
{
	if (!root || len > UACCESS_MAX || !uaccess_range_ok(addr, len))
		return -EINVAL;

	uaddr_t first = addr & ~(uaddr_t)(PAGE - 1);
	uaddr_t last = (addr + len - 1) & ~(uaddr_t)(PAGE - 1);
	unsigned n = 0;

	for (uaddr_t page = first; page <= last; page += PAGE) {
		uint64_t pa;
		unsigned prot;

		if (!arch_vm_translate(root, page, &pa, &prot) ||
		    !(prot & ARCH_PROT_USER) ||
		    (write && !(prot & ARCH_PROT_WRITE)))
			return -EINVAL;
		frames[n++] = pa & ~(uint64_t)(PAGE - 1);
	}
	return 0;
}

static void *frame_byte(uint64_t frame, uaddr_t addr)
{
	return (void *)(arch_direct_map_base() + frame + (addr & (PAGE - 1)));
}

int copy_from_user(uint64_t root, void *dst, uaddr_t src, size_t len)
{
	uint64_t frames[2 + UACCESS_MAX / PAGE];
	uint8_t *out = dst;

	if (len == 0)
		return 0;
	if (root && len <= UACCESS_MAX && root == arch_vm_active_root())
		return arch_copy_from_user(dst, src, len);

	int err = translate_range(root, src, len, false, frames);

	if (err)
		return err;
	for (unsigned i = 0; len; i++) {
		size_t chunk = PAGE - (src & (PAGE - 1));

		if (chunk > len)
			chunk = len;
		memcpy(out, frame_byte(frames[i], src), chunk);
		out += chunk;
		src += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_to_user(uint64_t root, uaddr_t dst, const void *src, size_t len)
{
	uint64_t frames[2 + UACCESS_MAX / PAGE];
	const uint8_t *in = src;

	if (len == 0)
		return 0;
	if (root && len <= UACCESS_MAX && root == arch_vm_active_root())
		return arch_copy_to_user(dst, src, len);

	int err = translate_range(root, dst, len, true, frames);

	if (err)
		return err;
	for (unsigned i = 0; len; i++) {
		size_t chunk = PAGE - (dst & (PAGE - 1));

		if (chunk > len)
			chunk = len;
		memcpy(frame_byte(frames[i], dst), in, chunk);
		in += chunk;
		dst += chunk;
		len -= chunk;
	}
	return 0;
}
