/*
 * kernel/ipc/channel.h - the shared-memory channel manager (spec ipc.md §7,
 * syscalls 28-32; design in docs/channels.md).
 *
 * A table of CHANNEL_MAX channels, each a run of 1..CHANNEL_MAX_PAGES
 * physically contiguous zeroed frames mapped into its creator and, once
 * attached, into one peer named by Principal.  A ChannelId is index |
 * generation << 32; a slot's generation moves on whenever the slot is
 * freed, so an id outlives nothing (stale ids fail with -EINVAL).
 *
 * States (ABI values, enum channel_state in abi/syscall_out.h):
 * AwaitingAttach -> Active; either -> Closed (channel_close) or Revoked
 * (channel_revoke, channel_revoke_all).  Terminal channels leave the
 * table at once: their slot is freed and its generation bumped.
 *
 * This module is the table and the state machine only.  Frames and
 * address spaces are the caller's, through struct channel_ops.  The
 * callbacks never run under the channel lock: an operation reserves the
 * slot under the lock, calls them unlocked, then commits under the lock
 * (docs/channels.md, "Two phases").  A teardown that meets an operation
 * in flight marks the slot doomed and returns; the in-flight operation
 * finishes the teardown when it comes back to commit.
 *
 * Locking: one spinlock, CHANNEL_MANAGER (LOCK_RANK_CHANNEL), taken with
 * interrupts off and held only for table updates.  Every function below
 * may be called from any task context with no lock of rank >=
 * LOCK_RANK_CHANNEL held and may sleep only inside the callbacks; none is
 * for interrupt handlers.
 *
 * Audit: ChannelCreated, ChannelAttached and ChannelClosed are emitted
 * here (kernel/audit/audit.h), after the lock is dropped.
 *
 * Every function but channel_init() and channel_stats() returns -ENODEV
 * (channel_revoke_all() 0) before channel_init().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/proc/process.h"

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

struct channel_info;

/** Channels in the table (spec ipc.md §7). */
#define CHANNEL_MAX 256u
/** Largest channel, in 4 KiB pages (256 MiB). */
#define CHANNEL_MAX_PAGES 65536u
/** Bytes of a Principal, as in abi/ipc.h. */
#define CHANNEL_PRINCIPAL_SIZE 32u
/** Values of arg2 of the ChannelClosed audit event: the terminal state. */
#define CHANNEL_CLOSED_BY_CLOSE	 3u /**< CHANNEL_CLOSED */
#define CHANNEL_CLOSED_BY_REVOKE 2u /**< CHANNEL_REVOKED */

/**
 * What the manager needs from memory management.  Every callback is
 * called without the channel lock held, in task context, and may take
 * any lock and sleep.
 */
struct channel_ops {
	/**
	 * Allocate pages physically contiguous frames, zeroed, and store
	 * the base in *phys.  Returns 0 or a negative errno (-ENOMEM);
	 * on failure nothing is allocated.
	 */
	int (*alloc_frames)(uint64_t pages, uint64_t *phys);
	/** Free frames from alloc_frames.  Never fails. */
	void (*free_frames)(uint64_t phys, uint64_t pages);
	/**
	 * Map [phys, phys + pages * 4096) into process pid, user-readable,
	 * writable when writable, as a region tagged with channel id id
	 * (VMA_KIND_CHANNEL, frames not owned by the process); store the
	 * user address in *vaddr.  Returns 0 or a negative errno (-ENOMEM
	 * when the address space is full, -EINVAL when pid is gone); on
	 * failure nothing stays mapped.
	 */
	int (*map)(process_id_t pid, uint64_t id, uint64_t phys, uint64_t pages,
		   bool writable, uint64_t *vaddr);
	/**
	 * Unmap pages pages at vaddr from pid, release the region, and shoot
	 * the range down from every CPU's TLB before returning.  Must
	 * tolerate a pid whose address space is already gone (exit
	 * teardown removes channel regions without freeing their frames):
	 * then it does nothing.  Never fails.
	 */
	void (*unmap)(process_id_t pid, uint64_t vaddr, uint64_t pages);
};

/**
 * Empty the table and use ops (kept by pointer; all four callbacks
 * required).  Returns 0, or -EINVAL for a NULL ops or callback.  Boot,
 * before any other channel call; or a host test between cases.
 */
__must_check int channel_init(const struct channel_ops *ops);

/**
 * ChannelCreate: a channel of pages pages from creator (whose Principal
 * is creator_principal) for the peer whose Principal is peer_principal,
 * with role (enum channel_role) deciding who may write.  Frames are
 * allocated and zeroed, mapped into creator; the channel waits in
 * AwaitingAttach.  Writes the id to *id and the creator's address to
 * *creator_vaddr; emits ChannelCreated (arg0 pages, arg1 role).
 *
 * The caller (the syscall layer) has checked CreateChannel and copied the
 * Principal in from user memory.  Returns 0; -EINVAL for pages outside
 * 1..CHANNEL_MAX_PAGES, role > 2, a NULL pointer; -EPERM for an all-zero
 * creator Principal; -ENOMEM when the table is full; the error of
 * alloc_frames or map; -EINVAL when creator was torn down
 * (channel_revoke_all) meanwhile.  On any error everything done so far is
 * undone and *id, *creator_vaddr are untouched.
 */
__must_check int channel_create(process_id_t creator,
				const uint8_t *creator_principal,
				const uint8_t *peer_principal, uint64_t pages,
				uint32_t role, uint64_t *id,
				uint64_t *creator_vaddr);

/**
 * ChannelAttach: map channel id into pid, whose Principal is principal,
 * as the channel's peer; the channel becomes Active.  Writes the peer's
 * address to *vaddr; emits ChannelAttached (arg0 the creator's pid).
 * Returns 0; -EINVAL for an unknown or stale id, a channel not
 * AwaitingAttach (attached, or another attach in flight), a NULL pointer,
 * or one torn down while this attach was mapping it; -EPERM when
 * principal is not the named peer's; the error of map (the channel then
 * stays AwaitingAttach).
 */
__must_check int channel_attach(uint64_t id, process_id_t pid,
				const uint8_t *principal, uint64_t *vaddr);

/**
 * ChannelClose by pid, which must be the creator or the attached peer:
 * the channel leaves the table (Closed), both mappings are unmapped with
 * TLB shootdown, the frames freed; emits ChannelClosed (arg0 bytes
 * shared, arg1 lifetime in ticks, arg2 CHANNEL_CLOSED_BY_CLOSE).  If an
 * attach is in flight, the slot is doomed and the attach does the
 * teardown when it returns.  Returns 0; -EINVAL for an unknown or stale
 * id; -EPERM for anyone else.
 */
__must_check int channel_close(uint64_t id, process_id_t pid);

/**
 * ChannelRevoke: as channel_close with no identity check (the syscall
 * layer requires the Bootstrap Principal); revoker is the audit subject
 * (0 = kernel), the event's arg2 CHANNEL_CLOSED_BY_REVOKE.  Returns 0 or
 * -EINVAL for an unknown or stale id.
 */
__must_check int channel_revoke(uint64_t id, process_id_t revoker);

/**
 * Exit teardown (spec syscalls.md §6 step 4): revoke every channel whose
 * creator or peer (attached, or attaching) is pid, and doom a channel pid
 * is still creating.  Channels of other processes are untouched.
 * Returns the number of channels revoked or doomed.
 */
unsigned channel_revoke_all(process_id_t pid);

/**
 * ChannelInfo: the 46-byte record of channel id (spec syscalls.md §7.3)
 * into the kernel buffer *out.  Returns 0, or -EINVAL for an unknown or
 * stale id or a NULL out.
 */
__must_check int channel_info(uint64_t id, struct channel_info *out);

/** Counters of the manager (racy snapshot; for logs and tests). */
struct channel_stats {
	uint32_t in_use;   /**< slots not free (in flight included) */
	uint64_t created;  /**< channels that reached AwaitingAttach */
	uint64_t attached; /**< attaches committed */
	uint64_t closed;   /**< torn down by channel_close */
	uint64_t revoked;  /**< torn down by revoke / revoke_all */
	uint64_t unwound;  /**< creates or attaches undone */
	uint64_t deferred; /**< teardowns left to an in-flight operation */
};

/** Fill *out.  Takes the channel lock. */
void channel_stats(struct channel_stats *out);
