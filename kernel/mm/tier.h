/*
 * kernel/mm/tier.h - boot-time sizing of the kernel object tables.
 *
 * The build picks one tier policy (spec kernel.md section 4, ADR-008/009);
 * at boot, once the frame allocator knows how much RAM is free, the policy
 * turns the free memory into a slot count for the process table and the
 * capability table.  Both tables are carved from one contiguous region
 * holding two page-aligned arrays of num_slots entries each.
 *
 * Pure arithmetic: no locks, no allocation, callable from any context.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __must_check
#define __must_check __attribute__((warn_unused_result))
#endif

/*
 * The build-time tier, 1 (Embedded), 2 (Standard) or 3 (Full).  The build
 * passes -DCAMBIOS_TIER=<n> from the environment's CAMBIOS_TIER
 * (tier1|tier2|tier3); the spec's default is tier 3.
 */
#ifdef CAMBIOS_TIER
#define CAMBIOS_TIER_FORCED 1
#else
#define CAMBIOS_TIER_FORCED 0
#define CAMBIOS_TIER 3
#endif

/** Page size the table region is measured in. */
#define TIER_PAGE_SIZE 4096u
/** Padding added to every slot on top of the descriptor sizes (spec 4). */
#define TIER_SLOT_PADDING 256u
/** Parts per million: budget_ppm / TIER_PPM_ONE is the RAM fraction. */
#define TIER_PPM_ONE 1000000u

/** The three tiers of spec kernel.md section 4. */
enum tier_id {
	TIER_EMBEDDED = 1, /**< tier1: small boards */
	TIER_STANDARD = 2, /**< tier2: desktops */
	TIER_FULL = 3,	   /**< tier3: servers (default) */
};

/** One tier's limits.  Immutable; the built-in ones live in .rodata. */
struct tier_policy {
	const char *name;     /**< "tier1 (embedded)", for the boot log */
	uint32_t min_slots;   /**< never fewer slots than this (>= 1) */
	uint32_t max_slots;   /**< never more slots than this */
	uint32_t budget_ppm;  /**< share of available RAM, parts per million */
	uint64_t floor_bytes; /**< budget is raised to at least this */
	uint64_t ceiling_bytes; /**< budget is cut to at most this */
};

/**
 * Which limit decided the slot count, for the boot log.  When a slot clamp
 * and a budget clamp both apply the slot clamp is reported (spec 4);
 * TIER_BOUND_FREE_MEMORY, when the halving rule fired, overrides both.
 */
enum tier_binding {
	TIER_BOUND_NONE = 0,	   /**< budget / overhead, unclamped */
	TIER_BOUND_BUDGET_FLOOR,   /**< budget raised to the floor */
	TIER_BOUND_BUDGET_CEILING, /**< budget cut to the ceiling */
	TIER_BOUND_MIN_SLOTS,	   /**< raised to min_slots */
	TIER_BOUND_MAX_SLOTS,	   /**< cut to max_slots */
	TIER_BOUND_FREE_MEMORY,	   /**< halved against half the free RAM */
};

/** Outcome of tier_compute(). */
struct tier_sizing {
	uint32_t num_slots;	   /**< slots in both tables */
	enum tier_binding binding; /**< the deciding limit */
	uint64_t avail_bytes;	/**< free frames x 4096, saturated at 2^64-1 */
	uint64_t budget_bytes;	/**< RAM budget after floor and ceiling */
	uint64_t slot_overhead; /**< proc + cap + TIER_SLOT_PADDING bytes */
	uint32_t halvings;	/**< times the free-memory rule halved */
	uint64_t region_bytes;	/**< tier_region_bytes() of the result */
	bool fits;		/**< region <= half of the free frames */
};

/** The built-in policy of tier id, or NULL for an unknown id. */
const struct tier_policy *tier_policy_get(enum tier_id id);

/** The policy the build selected (CAMBIOS_TIER); never NULL. */
const struct tier_policy *tier_policy_default(void);

/** RAM from which tier_policy_for_memory picks tier2, and tier3. */
#define TIER_AUTO_STANDARD_RAM	(256ull << 20)
#define TIER_AUTO_FULL_RAM	(4ull << 30)

/**
 * The policy for a machine with ram_bytes of RAM: the build's tier when the
 * build forced one (CAMBIOS_TIER given), else tier1 below 256 MiB, tier2
 * below 4 GiB and tier3 above (docs/processes.md: the original fixed the
 * tier at build time, which sizes a 16 MiB machine's tables for a server).
 */
const struct tier_policy *tier_policy_for_memory(uint64_t ram_bytes);

/**
 * Size the object tables for policy p with free_frames 4 KiB frames free.
 *
 * proc_size and cap_size are the sizes of one process descriptor and one
 * capability record (sizeof of each); their sum plus TIER_SLOT_PADDING is
 * the slot overhead.  num_slots = clamp(clamp(avail * ppm / 10^6, floor,
 * ceiling) / overhead, min_slots, max_slots), computed with a 128-bit
 * intermediate so no input overflows.  Then, while the table region would
 * exceed half of the free frames and num_slots > min_slots, num_slots is
 * halved, but never below min_slots (deviation: the spec's halving could
 * undershoot min_slots).  out->fits tells whether the final region fits in
 * half of the free frames; when it does not, num_slots == min_slots and
 * the caller decides (boot panics: not enough memory for the tier).
 *
 * Returns 0, or -EINVAL when p or out is NULL, the policy is inconsistent
 * (min_slots 0, min > max, floor > ceiling, ppm > 10^6) or the slot
 * overhead overflows 64 bits.  *out is unchanged on error.
 */
__must_check int tier_compute(const struct tier_policy *p, uint64_t free_frames,
			      size_t proc_size, size_t cap_size,
			      struct tier_sizing *out);

/**
 * Bytes of the table region for num_slots slots: the process array rounded
 * up to a page, then the capability array rounded up to a page.  The
 * capability array starts at tier_cap_offset().  Saturates at UINT64_MAX.
 */
uint64_t tier_region_bytes(uint32_t num_slots, size_t proc_size,
			   size_t cap_size);

/** Byte offset of the capability array inside the table region. */
uint64_t tier_cap_offset(uint32_t num_slots, size_t proc_size);

/** Short name of a binding constraint ("budget-ceiling"), never NULL. */
const char *tier_binding_name(enum tier_binding b);
