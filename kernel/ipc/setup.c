/*
 * kernel/ipc/setup.c - boot-time setup of IPC, channels and the audit ring,
 * and the memory callbacks the channel manager needs (docs/channels.md
 * section 5, docs/audit.md section 9).
 *
 * Channel memory is one physically contiguous buddy block per channel,
 * zeroed, mapped into the parties through kernel/proc's shared-region
 * functions (which take the right address-space lock and shoot the TLBs
 * down).  The block is the power of two at or above the channel's pages:
 * at most BUDDY_MAX_ORDER (1,024 pages, 4 MiB) per channel today.
 */
#include "kernel/ipc/setup.h"

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/core/panic.h"
#include "kernel/ipc/channel.h"
#include "kernel/ipc/ipc.h"
#include "kernel/mm/buddy.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/vma.h"
#include "kernel/proc/lifecycle.h"
#include "lib/klib/string.h"

#define PAGE 4096ull

/* Smallest order whose block holds pages frames, or -1 when too big. */
static int order_for(uint64_t pages)
{
	for (int order = 0; order <= BUDDY_MAX_ORDER; order++) {
		if ((1ull << order) >= pages)
			return order;
	}
	return -1;
}

static int channel_alloc_frames(uint64_t pages, uint64_t *phys)
{
	int order = order_for(pages);
	uint64_t pa;

	if (order < 0)
		return -ENOMEM;
	pa = frame_alloc_order((unsigned)order);
	if (!pa)
		return -ENOMEM;
	memset(frame_to_virt(pa), 0, (size_t)(PAGE << order));
	*phys = pa;
	return 0;
}

static void channel_free_frames(uint64_t phys, uint64_t pages)
{
	int order = order_for(pages);

	if (order >= 0)
		frame_free_order(phys, (unsigned)order);
}

static int channel_map(process_id_t pid, uint64_t id, uint64_t phys,
		       uint64_t pages, bool writable, uint64_t *vaddr)
{
	return proc_map_shared(pid, phys, pages, writable, VMA_KIND_CHANNEL, id,
			       vaddr);
}

static const struct channel_ops kernel_channel_ops = {
    .alloc_frames = channel_alloc_frames,
    .free_frames = channel_free_frames,
    .map = channel_map,
    .unmap = proc_unmap_shared,
};

void ipc_subsystem_init(void)
{
	int order = order_for(AUDIT_RING_PAGES);
	uint64_t ring = order < 0 ? 0 : frame_alloc_order((unsigned)order);

	ipc_init();
	if (channel_init(&kernel_channel_ops))
		panic("ipc: channel manager setup failed");
	if (!ring)
		panic("audit: no memory for the %u-page ring", AUDIT_RING_PAGES);
	memset(frame_to_virt(ring), 0, AUDIT_RING_BYTES);
	if (audit_init(frame_to_virt(ring), AUDIT_RING_BYTES))
		panic("audit: ring setup failed");
}

int64_t audit_map_ring(process_id_t pid)
{
	size_t bytes;
	const struct audit_ring_header *ring;
	uint64_t vaddr;
	int err = audit_attach_begin();

	if (err)
		return err;
	ring = audit_ring(&bytes);
	err = ring ? proc_map_shared(pid, frame_virt_to_phys(ring), bytes / PAGE,
				     false, VMA_KIND_AUDIT, 0, &vaddr)
		   : -ENODEV;
	if (err) {
		audit_attach_abort();
		return err;
	}
	audit_attach_commit(pid);
	return (int64_t)vaddr;
}
