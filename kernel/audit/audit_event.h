/*
 * kernel/audit/audit_event.h - the audit wire format (spec kernel.md §3):
 * the 64-byte event, the 64-byte header of the global ring, the kinds and
 * their names, and the rule a reader of the shared ring follows.
 *
 * This header is part of the kernel/user contract: the ring is mapped
 * read-only into one consumer (AuditAttach, syscall 33), which reads these
 * records directly.  It depends on nothing but <stdint.h>/<stddef.h> so
 * that it can move to abi/audit.h unchanged (docs/audit.md, "Deviations").
 * All fields are little-endian.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** Event kinds (spec kernel.md §3 table).  Values are ABI. */
enum audit_kind {
	AUDIT_CAPABILITY_GRANTED = 0, /**< grantor / endpoint / grantee */
	AUDIT_CAPABILITY_REVOKED = 1, /**< revoker / endpoint / holder */
	AUDIT_CAPABILITY_DENIED = 2,  /**< caller / endpoint */
	AUDIT_IPC_SEND = 3,	   /**< sender / endpoint / length; sampled */
	AUDIT_IPC_RECV = 4,	   /**< receiver / endpoint / length; sampled */
	AUDIT_CHANNEL_CREATED = 5, /**< creator / channel id / pages, role */
	AUDIT_CHANNEL_ATTACHED = 6, /**< attacher / channel id / creator */
	AUDIT_CHANNEL_CLOSED = 7, /**< closer / channel id / bytes, lifetime */
	AUDIT_SYSCALL_DENIED = 8, /**< caller / 0 / syscall number */
	AUDIT_BINARY_LOADED = 9,  /**< 0 / 0 / size, first 24 bytes */
	AUDIT_BINARY_REJECTED = 10,    /**< 0 / 0 / deny code */
	AUDIT_PROCESS_CREATED = 11,    /**< new pid / parent pid */
	AUDIT_PROCESS_TERMINATED = 12, /**< pid / 0 / exit code, runtime */
	AUDIT_POLICY_QUERY = 13,       /**< subject / 0 / syscall, allowed */
	AUDIT_ANOMALY_HOOK = 14,       /**< reserved */
	AUDIT_DROPPED = 15,	       /**< 0 / 0 / count, CPU (kernel only) */
};

/** Number of kinds; a kind byte >= this is not an event. */
#define AUDIT_KIND_COUNT 16u

/** Event flag bit 0: the event stands for AUDIT_SAMPLE_RATE occurrences. */
#define AUDIT_FLAG_SAMPLED 0x01u

/** IPC send and receive events: one in this many is recorded. */
#define AUDIT_SAMPLE_RATE 100u

/**
 * One audit event: 64 bytes, one cache line.
 *
 * sequence is a global emission counter (low 32 bits): every event that
 * survives sampling takes the next number, including events later lost in
 * a full staging ring, so a number missing from the ring is an event that
 * was dropped or overwritten.  Within one CPU numbers increase; the ring
 * interleaves CPUs, so they are not monotonic across it.
 */
struct audit_event {
	uint8_t kind;	    /**< enum audit_kind */
	uint8_t flags;	    /**< AUDIT_FLAG_* */
	uint8_t zero[2];    /**< 0 */
	uint32_t sequence;  /**< emission order, see above */
	uint64_t timestamp; /**< timer ticks (100 Hz) at emission */
	uint64_t subject;   /**< acting ProcessId (raw), 0 = kernel */
	uint64_t object;    /**< endpoint, channel id, pid, ... per kind */
	uint64_t arg[4];    /**< per-kind arguments (docs/audit.md) */
};

#define AUDIT_EVENT_SIZE 64

_Static_assert(sizeof(struct audit_event) == AUDIT_EVENT_SIZE, "audit event");
_Static_assert(offsetof(struct audit_event, flags) == 1, "audit event");
_Static_assert(offsetof(struct audit_event, sequence) == 4, "audit event");
_Static_assert(offsetof(struct audit_event, timestamp) == 8, "audit event");
_Static_assert(offsetof(struct audit_event, subject) == 16, "audit event");
_Static_assert(offsetof(struct audit_event, object) == 24, "audit event");
_Static_assert(offsetof(struct audit_event, arg) == 32, "audit event");

/** Ring header magic: ASCII "ARCAUDIT" read as a little-endian u64. */
#define AUDIT_RING_MAGIC 0x5449445541435241ull

/**
 * Header at offset 0 of the global ring; slots follow at
 * AUDIT_RING_HEADER_SIZE.  Written only by the kernel's drain, after each
 * batch: write_index and dropped first, produced last (release).
 */
struct audit_ring_header {
	uint64_t magic;	      /**< AUDIT_RING_MAGIC */
	uint64_t write_index; /**< next slot: produced % capacity */
	uint64_t capacity;    /**< slots after the header (1023 for 64 KiB) */
	uint64_t produced;    /**< events ever written to the ring */
	uint64_t dropped;     /**< events lost before reaching the ring */
	uint64_t zero[3];     /**< 0 */
};

#define AUDIT_RING_HEADER_SIZE 64

_Static_assert(sizeof(struct audit_ring_header) == AUDIT_RING_HEADER_SIZE,
	       "audit ring header");
_Static_assert(offsetof(struct audit_ring_header, write_index) == 8,
	       "audit ring header");
_Static_assert(offsetof(struct audit_ring_header, capacity) == 16,
	       "audit ring header");
_Static_assert(offsetof(struct audit_ring_header, produced) == 24,
	       "audit ring header");
_Static_assert(offsetof(struct audit_ring_header, dropped) == 32,
	       "audit ring header");

/** Pages of the global ring (spec: 16 contiguous pages). */
#define AUDIT_RING_PAGES 16u
/** Bytes of the global ring. */
#define AUDIT_RING_BYTES (AUDIT_RING_PAGES * 4096u)
/** Slots of a ring of AUDIT_RING_BYTES: (65536 - 64) / 64 = 1023. */
#define AUDIT_RING_SLOTS                                                       \
	((AUDIT_RING_BYTES - AUDIT_RING_HEADER_SIZE) / AUDIT_EVENT_SIZE)

_Static_assert(AUDIT_RING_SLOTS == 1023, "spec kernel.md §3: 1023 slots");

/**
 * Most events one drain writes before it publishes the header.  A reader
 * relies on it: see audit_ring_slot_stable().
 */
#define AUDIT_DRAIN_MAX 64u

/** Slot i (0 .. capacity - 1) of the ring whose header is h. */
static inline const volatile struct audit_event *
audit_ring_slot(const volatile struct audit_ring_header *h, uint64_t i)
{
	return (const volatile struct audit_event *)((const volatile char *)h +
						     AUDIT_RING_HEADER_SIZE +
						     i * AUDIT_EVENT_SIZE);
}

/**
 * Reader's check that a copy of the event at ring position pos (0 = first
 * event ever written; slot pos % capacity) is whole.  Protocol: load
 * produced (acquire), copy events with positions below it, issue an
 * acquire fence, load produced again and pass that value here.  The
 * kernel publishes produced after every batch of at most AUDIT_DRAIN_MAX
 * events, so it may be writing any position below produced_after +
 * AUDIT_DRAIN_MAX; pos's slot is rewritten by position pos + capacity.
 */
static inline int audit_ring_slot_stable(uint64_t pos, uint64_t capacity,
					 uint64_t produced_after)
{
	return pos + capacity >= produced_after + AUDIT_DRAIN_MAX;
}

/** The spec's name of a kind ("CapabilityDenied"), "?" if unknown. */
static inline const char *audit_kind_name(unsigned kind)
{
	static const char *const names[AUDIT_KIND_COUNT] = {
	    "CapabilityGranted", "CapabilityRevoked", "CapabilityDenied",
	    "IpcSend",		 "IpcRecv",	      "ChannelCreated",
	    "ChannelAttached",	 "ChannelClosed",     "SyscallDenied",
	    "BinaryLoaded",	 "BinaryRejected",    "ProcessCreated",
	    "ProcessTerminated", "PolicyQuery",	      "AnomalyHook",
	    "AuditDropped",
	};

	return kind < AUDIT_KIND_COUNT ? names[kind] : "?";
}
