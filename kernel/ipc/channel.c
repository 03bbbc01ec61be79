/*
 * kernel/ipc/channel.c - the channel table and its state machine (spec
 * ipc.md §7; design in docs/channels.md).
 *
 * Slot life: FREE -> CREATING (reserved by channel_create, callbacks
 * running) -> AWAITING (id published) -> ACTIVE -> FREE.  A CREATING slot
 * or one with an attach in flight is "busy": only the operation that made
 * it busy may free it.  A teardown that finds a busy slot sets doomed and
 * leaves; the busy operation sees doomed when it commits and tears down
 * itself.  Lookups by id ignore CREATING and doomed slots, so the id of a
 * doomed channel is already dead.
 */
#include "kernel/ipc/channel.h"

#include "kernel/audit/audit.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/spinlock.h"
#include "kernel/core/time.h"
#include "lib/klib/string.h"

#include "abi/errno.h"
#include "abi/ipc.h"
#include "abi/syscall_out.h"

#define PAGE_BYTES 4096u

_Static_assert(CHANNEL_PRINCIPAL_SIZE == PRINCIPAL_SIZE, "Principal size");
_Static_assert(CHANNEL_CLOSED_BY_CLOSE == CHANNEL_CLOSED, "close reason");
_Static_assert(CHANNEL_CLOSED_BY_REVOKE == CHANNEL_REVOKED, "revoke reason");

enum slot_state {
	SLOT_FREE = 0, /* unused */
	SLOT_CREATING, /* reserved; channel_create is allocating/mapping */
	SLOT_AWAITING, /* CHANNEL_AWAITING_ATTACH */
	SLOT_ACTIVE,   /* CHANNEL_ACTIVE */
};

/** One table slot.  Every field guarded by chan_lock. */
struct channel {
	uint32_t generation;	/**< id's high half; survives free, never 0 */
	uint8_t state;		/**< enum slot_state */
	uint8_t role;		/**< enum channel_role */
	bool attaching;		/**< an attach is mapping the peer */
	bool doomed;		/**< torn down while busy; owner finishes */
	uint8_t doom_reason;	/**< CHANNEL_CLOSED_BY_* of the doomer */
	process_id_t doomer;	/**< audit subject of the deferred teardown */
	process_id_t creator;	/**< set from CREATING on */
	process_id_t peer;	/**< valid in ACTIVE */
	process_id_t attacher;	/**< valid while attaching */
	uint64_t pages;		/**< size in pages */
	uint64_t phys;		/**< base of the frames */
	uint64_t creator_vaddr; /**< creator's mapping */
	uint64_t peer_vaddr;	/**< peer's mapping, valid in ACTIVE */
	uint64_t created_tick;	/**< time_ticks() at commit of create */
	uint8_t peer_principal[CHANNEL_PRINCIPAL_SIZE]; /**< who may attach */
};

/* CHANNEL_MANAGER, rank 5 (spec kernel.md §2). */
static struct spinlock chan_lock =
    SPINLOCK_INIT("channel manager", LOCK_RANK_CHANNEL);
static struct channel table[CHANNEL_MAX]; /* chan_lock */
static struct channel_stats stats;	  /* chan_lock */
/* Set by channel_init() before any other call; constant after. */
static const struct channel_ops *ops;

/* What a teardown needs once the slot is gone; filled under the lock. */
struct teardown {
	uint64_t id; /* the dead id */
	process_id_t creator;
	process_id_t peer;
	bool has_peer; /* peer mapping exists */
	uint64_t creator_vaddr;
	uint64_t peer_vaddr;
	uint64_t phys;
	uint64_t pages;
	uint64_t created_tick;
};

int channel_init(const struct channel_ops *o)
{
	if (!o || !o->alloc_frames || !o->free_frames || !o->map || !o->unmap)
		return -EINVAL;

	unsigned long irq = spin_lock_irqsave(&chan_lock);

	memset(table, 0, sizeof(table));
	/* Generation 0 is never used, so no valid ChannelId is 0. */
	for (unsigned i = 0; i < CHANNEL_MAX; i++)
		table[i].generation = 1;
	memset(&stats, 0, sizeof(stats));
	ops = o;
	spin_unlock_irqrestore(&chan_lock, irq);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static uint64_t slot_id(const struct channel *c)
{
	return ipc_id_make((uint32_t)(c - table), c->generation);
}

/* The published, live channel id names, or NULL.  Lock held. */
static struct channel *lookup(uint64_t id)
{
	uint32_t index = ipc_id_index(id);
	struct channel *c;

	if (index >= CHANNEL_MAX)
		return NULL;
	c = &table[index];
	if (c->generation != ipc_id_generation(id) || c->doomed)
		return NULL;
	if (c->state != SLOT_AWAITING && c->state != SLOT_ACTIVE)
		return NULL;
	return c;
}

/*
 * Release a slot.  bump: its id was published, so move the generation on
 * (wrapping, skipping 0) to kill every copy of the id.  Lock held.
 */
static void slot_release(struct channel *c, bool bump)
{
	uint32_t generation = c->generation;

	if (bump && ++generation == 0)
		generation = 1;
	memset(c, 0, sizeof(*c));
	c->generation = generation;
	stats.in_use--;
}

/* Capture c for teardown and free its slot (spec: removed at once). */
static void detach_locked(struct channel *c, struct teardown *t)
{
	t->id = slot_id(c);
	t->creator = c->creator;
	t->creator_vaddr = c->creator_vaddr;
	t->has_peer = c->state == SLOT_ACTIVE;
	t->peer = c->peer;
	t->peer_vaddr = c->peer_vaddr;
	t->phys = c->phys;
	t->pages = c->pages;
	t->created_tick = c->created_tick;
	slot_release(c, true);
}

/*
 * Unmap both sides (the callback shoots down TLBs), free the frames,
 * report.  Lock not held: the callbacks take address-space and frame
 * locks and wait for other CPUs.
 */
static void teardown_run(const struct teardown *t, process_id_t subject,
			 unsigned reason)
{
	ops->unmap(t->creator, t->creator_vaddr, t->pages);
	if (t->has_peer)
		ops->unmap(t->peer, t->peer_vaddr, t->pages);
	/* Frames go back only once no address space maps them. */
	ops->free_frames(t->phys, t->pages);
	audit_emit(AUDIT_CHANNEL_CLOSED, subject, t->id, t->pages * PAGE_BYTES,
		   time_ticks() - t->created_tick, reason, 0);
}

/* Leave the teardown of busy slot c to its owner.  Lock held. */
static void doom_locked(struct channel *c, process_id_t subject,
			unsigned reason)
{
	c->doomed = true;
	c->doomer = subject;
	c->doom_reason = (uint8_t)reason;
	stats.deferred++;
	if (c->state != SLOT_CREATING) {
		if (reason == CHANNEL_CLOSED_BY_CLOSE)
			stats.closed++;
		else
			stats.revoked++;
	}
}

/* Reserve a free slot for creator: CREATING.  NULL when full.  Lock held. */
static struct channel *reserve_locked(process_id_t creator)
{
	for (unsigned i = 0; i < CHANNEL_MAX; i++) {
		struct channel *c = &table[i];

		if (c->state == SLOT_FREE) {
			c->state = SLOT_CREATING;
			c->creator = creator;
			stats.in_use++;
			return c;
		}
	}
	return NULL;
}

int channel_create(process_id_t creator, const uint8_t *creator_principal,
		   const uint8_t *peer_principal, uint64_t pages, uint32_t role,
		   uint64_t *id, uint64_t *creator_vaddr)
{
	uint64_t phys, vaddr, cid;
	unsigned long irq;
	struct channel *c;
	int err;

	if (!ops)
		return -ENODEV;
	/* Decode: every argument before any state changes (spec §7). */
	if (pages < 1 || pages > CHANNEL_MAX_PAGES ||
	    role > CHANNEL_BIDIRECTIONAL)
		return -EINVAL;
	if (!creator_principal || !peer_principal || !id || !creator_vaddr)
		return -EINVAL;
	/* The identity gate should have stopped an anonymous creator. */
	if (all_zero(creator_principal, CHANNEL_PRINCIPAL_SIZE))
		return -EPERM;

	irq = spin_lock_irqsave(&chan_lock);
	c = reserve_locked(creator);
	if (c)
		cid = slot_id(c);
	spin_unlock_irqrestore(&chan_lock, irq);
	if (!c)
		return -ENOMEM;

	/* Phase two, unlocked: frames (zeroed by the callback), mapping. */
	err = ops->alloc_frames(pages, &phys);
	if (err)
		goto out_release;
	err = ops->map(creator, cid, phys, pages, role != CHANNEL_CONSUMER,
		       &vaddr);
	if (err)
		goto out_free;

	irq = spin_lock_irqsave(&chan_lock);
	if (c->doomed) {
		/* The creator is exiting (channel_revoke_all): undo. */
		slot_release(c, false);
		stats.unwound++;
		spin_unlock_irqrestore(&chan_lock, irq);
		ops->unmap(creator, vaddr, pages);
		ops->free_frames(phys, pages);
		return -EINVAL;
	}
	c->state = SLOT_AWAITING;
	c->role = (uint8_t)role;
	c->pages = pages;
	c->phys = phys;
	c->creator_vaddr = vaddr;
	c->created_tick = time_ticks();
	memcpy(c->peer_principal, peer_principal, CHANNEL_PRINCIPAL_SIZE);
	stats.created++;
	spin_unlock_irqrestore(&chan_lock, irq);

	*id = cid;
	*creator_vaddr = vaddr;
	audit_emit(AUDIT_CHANNEL_CREATED, creator, cid, pages, role, 0, 0);
	return 0;

out_free:
	ops->free_frames(phys, pages);
out_release:
	/* Never published: the generation need not move. */
	irq = spin_lock_irqsave(&chan_lock);
	slot_release(c, false);
	stats.unwound++;
	spin_unlock_irqrestore(&chan_lock, irq);
	return err;
}

/*
 * Second half of an attach whose map returned err (vaddr valid when err is
 * 0).  Lock held on entry, released on return.
 */
static int attach_commit(struct channel *c, process_id_t pid, int err,
			 uint64_t vaddr, unsigned long irq, uint64_t *out)
{
	struct teardown t;
	process_id_t creator;
	uint64_t id = slot_id(c);

	c->attaching = false;
	if (c->doomed) {
		/* Torn down meanwhile: finish it, our fresh mapping too. */
		process_id_t subject = c->doomer;
		unsigned reason = c->doom_reason;

		detach_locked(c, &t);
		if (!err) {
			t.has_peer = true;
			t.peer = pid;
			t.peer_vaddr = vaddr;
		}
		spin_unlock_irqrestore(&chan_lock, irq);
		teardown_run(&t, subject, reason);
		return err ? err : -EINVAL;
	}
	if (err) {
		/* Still AwaitingAttach: the peer may try again. */
		stats.unwound++;
		spin_unlock_irqrestore(&chan_lock, irq);
		return err;
	}
	c->state = SLOT_ACTIVE;
	c->peer = pid;
	c->peer_vaddr = vaddr;
	creator = c->creator;
	stats.attached++;
	spin_unlock_irqrestore(&chan_lock, irq);

	*out = vaddr;
	audit_emit(AUDIT_CHANNEL_ATTACHED, pid, id, creator, 0, 0, 0);
	return 0;
}

int channel_attach(uint64_t id, process_id_t pid, const uint8_t *principal,
		   uint64_t *vaddr)
{
	uint64_t phys, pages, va = 0;
	unsigned long irq;
	struct channel *c;
	uint8_t role;
	int err;

	if (!ops)
		return -ENODEV;
	if (!principal || !vaddr)
		return -EINVAL;

	irq = spin_lock_irqsave(&chan_lock);
	c = lookup(id);
	if (!c || c->state != SLOT_AWAITING || c->attaching) {
		spin_unlock_irqrestore(&chan_lock, irq);
		return -EINVAL;
	}
	if (memcmp(principal, c->peer_principal, CHANNEL_PRINCIPAL_SIZE) != 0) {
		spin_unlock_irqrestore(&chan_lock, irq);
		return -EPERM;
	}
	/* Busy from here: teardowns defer to us. */
	c->attaching = true;
	c->attacher = pid;
	phys = c->phys;
	pages = c->pages;
	role = c->role;
	spin_unlock_irqrestore(&chan_lock, irq);

	err = ops->map(pid, id, phys, pages, role != CHANNEL_PRODUCER, &va);

	irq = spin_lock_irqsave(&chan_lock);
	/* A busy slot is freed by nobody else: c is still this channel. */
	return attach_commit(c, pid, err, va, irq, vaddr);
}

/* Tear down c for subject, or doom it if busy.  Lock held, released. */
static void teardown_or_doom(struct channel *c, process_id_t subject,
			     unsigned reason, unsigned long irq)
{
	struct teardown t;

	if (c->attaching || c->state == SLOT_CREATING) {
		doom_locked(c, subject, reason);
		spin_unlock_irqrestore(&chan_lock, irq);
		return;
	}
	if (reason == CHANNEL_CLOSED_BY_CLOSE)
		stats.closed++;
	else
		stats.revoked++;
	detach_locked(c, &t);
	spin_unlock_irqrestore(&chan_lock, irq);
	teardown_run(&t, subject, reason);
}

int channel_close(uint64_t id, process_id_t pid)
{
	unsigned long irq;
	struct channel *c;

	if (!ops)
		return -ENODEV;
	irq = spin_lock_irqsave(&chan_lock);
	c = lookup(id);
	if (!c) {
		spin_unlock_irqrestore(&chan_lock, irq);
		return -EINVAL;
	}
	/* Spec §7: creator or attached peer only. */
	if (pid != c->creator && !(c->state == SLOT_ACTIVE && pid == c->peer)) {
		spin_unlock_irqrestore(&chan_lock, irq);
		return -EPERM;
	}
	teardown_or_doom(c, pid, CHANNEL_CLOSED_BY_CLOSE, irq);
	return 0;
}

int channel_revoke(uint64_t id, process_id_t revoker)
{
	unsigned long irq;
	struct channel *c;

	if (!ops)
		return -ENODEV;
	irq = spin_lock_irqsave(&chan_lock);
	c = lookup(id);
	if (!c) {
		spin_unlock_irqrestore(&chan_lock, irq);
		return -EINVAL;
	}
	teardown_or_doom(c, revoker, CHANNEL_CLOSED_BY_REVOKE, irq);
	return 0;
}

/* Does pid take part in slot c (creator, peer, attacher)?  Lock held. */
static bool involves(const struct channel *c, process_id_t pid)
{
	if (c->state == SLOT_FREE || c->doomed)
		return false;
	return c->creator == pid ||
	       (c->state == SLOT_ACTIVE && c->peer == pid) ||
	       (c->attaching && c->attacher == pid);
}

unsigned channel_revoke_all(process_id_t pid)
{
	unsigned count = 0;

	if (!ops)
		return 0;
	/*
	 * One channel per lock hold: its unmapping runs unlocked.  A slot
	 * once passed cannot start involving pid again (pid is exiting and
	 * creates nothing new), so the scan resumes where it stopped.
	 */
	for (unsigned i = 0; i < CHANNEL_MAX; i++) {
		unsigned long irq = spin_lock_irqsave(&chan_lock);

		if (!involves(&table[i], pid)) {
			spin_unlock_irqrestore(&chan_lock, irq);
			continue;
		}
		teardown_or_doom(&table[i], pid, CHANNEL_CLOSED_BY_REVOKE, irq);
		count++;
	}
	return count;
}

int channel_info(uint64_t id, struct channel_info *out)
{
	unsigned long irq;
	struct channel *c;

	if (!ops)
		return -ENODEV;
	if (!out)
		return -EINVAL;
	irq = spin_lock_irqsave(&chan_lock);
	c = lookup(id);
	if (!c) {
		spin_unlock_irqrestore(&chan_lock, irq);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->state =
	    c->state == SLOT_ACTIVE ? CHANNEL_ACTIVE : CHANNEL_AWAITING_ATTACH;
	out->role = c->role;
	out->num_pages = (uint32_t)c->pages;
	out->creator_slot = pid_slot(c->creator);
	out->peer_slot =
	    c->state == SLOT_ACTIVE ? pid_slot(c->peer) : CHANNEL_NO_PEER;
	out->creator_vaddr = c->creator_vaddr;
	out->peer_vaddr = c->state == SLOT_ACTIVE ? c->peer_vaddr : 0;
	out->phys_base = c->phys;
	out->created_tick = c->created_tick;
	spin_unlock_irqrestore(&chan_lock, irq);
	return 0;
}

void channel_stats(struct channel_stats *out)
{
	unsigned long irq = spin_lock_irqsave(&chan_lock);

	*out = stats;
	spin_unlock_irqrestore(&chan_lock, irq);
}
