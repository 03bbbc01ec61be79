/*
 * abi/syscall_out.h - fixed output records some syscalls write to user
 * buffers (spec syscalls.md §7.2-§7.5), the PortIo and ConsoleRead flags
 * and the channel enumerations (ipc.md §7).  DeviceInfo's bytes 9 and 11,
 * 0 in the spec, carry the interrupt line and pin here (docs/abi.md).  The RecvMsg header is in abi/ipc.h, SysInfo's records in
 * abi/sysinfo.h.  All little-endian; the spec fixes every offset, so two
 * records that put u64 fields at odd offsets are packed.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/** One BAR in struct device_info (16 bytes). */
struct device_bar {
	uint64_t address; /**< base address (I/O port or physical) */
	uint32_t size;	  /**< bytes decoded */
	uint8_t is_io;	  /**< 1 = I/O space, 0 = memory */
	uint8_t zero[3];  /**< 0 */
} __attribute__((packed));

/** DeviceInfo (22) output, one PCI function: 108 bytes. */
struct device_info {
	uint16_t vendor;	  /**< PCI vendor id */
	uint16_t device;	  /**< PCI device id */
	uint8_t class_code;	  /**< PCI class */
	uint8_t subclass;	  /**< PCI subclass */
	uint8_t bus;		  /**< bus number */
	uint8_t dev;		  /**< device number on the bus */
	uint8_t function;	  /**< function number */
	uint8_t irq;		  /**< WaitIrq line, 0xFF none (spec: 0) */
	uint8_t bar_count;	  /**< BARs with a non-zero address */
	uint8_t irq_pin;	  /**< 0 none, 1..4 INTA..D (spec: 0) */
	struct device_bar bar[6]; /**< BAR0..BAR5 */
} __attribute__((packed));

#define DEVICE_INFO_SIZE 108
/** struct device_info.irq when the function has no interrupt line. */
#define DEVICE_INFO_NO_IRQ 0xFF

_Static_assert(sizeof(struct device_bar) == 16, "device_bar");
_Static_assert(offsetof(struct device_info, class_code) == 4, "device_info");
_Static_assert(offsetof(struct device_info, bus) == 6, "device_info");
_Static_assert(offsetof(struct device_info, irq) == 9, "device_info");
_Static_assert(offsetof(struct device_info, bar_count) == 10, "device_info");
_Static_assert(offsetof(struct device_info, irq_pin) == 11, "device_info");
_Static_assert(offsetof(struct device_info, bar) == 12, "device_info");
_Static_assert(sizeof(struct device_info) == DEVICE_INFO_SIZE, "device_info");

/**
 * DeviceInfo (22) record kinds, a CambiOS-C extension (docs/abi.md
 * "Deviations"): a1 bits 63..32 pick the record, bits 31..0 the function
 * index.  Kind 0 is the spec's struct device_info; kind 1 the function's
 * vendor-specific PCI capabilities (struct device_caps).  Other kinds:
 * -EINVAL.
 */
#define DEVICE_INFO_KIND_SHIFT 32
enum device_info_kind {
	DEVICE_INFO_KIND_FUNCTION = 0,	  /**< struct device_info */
	DEVICE_INFO_KIND_VENDOR_CAPS = 1, /**< struct device_caps */
};

/** Vendor-specific capabilities (id 0x09) reported at most, per function. */
#define DEVICE_CAPS_MAX 16
/** Raw bytes of one capability reported at most (from its id byte on). */
#define DEVICE_CAP_BYTES 20

/** One vendor-specific capability, as configuration space holds it. */
struct device_vcap {
	uint8_t offset;			/**< its place in config space */
	uint8_t length;			/**< valid bytes in data (<= 20) */
	uint8_t zero[2];		/**< 0 */
	uint8_t data[DEVICE_CAP_BYTES]; /**< raw from the id; 0 past length */
} __attribute__((packed));

/** struct device_caps.flags: why the capability walk stopped early. */
enum device_caps_flags {
	DEVICE_CAPS_BAD_POINTER = 1u << 0, /**< pointer < 0x40 or unaligned */
	DEVICE_CAPS_LOOP = 1u << 1,	   /**< entry visited twice */
	DEVICE_CAPS_OVERFLOW = 1u << 2,	   /**< > 16 vendor capabilities */
};

/** DeviceInfo (22) kind 1 output: 388 bytes. */
struct device_caps {
	uint8_t count;	/**< entries in cap[] (<= DEVICE_CAPS_MAX) */
	uint8_t flags;	/**< enum device_caps_flags */
	uint8_t walked; /**< capabilities of any id in the list (<= 48) */
	uint8_t zero;	/**< 0 */
	struct device_vcap cap[DEVICE_CAPS_MAX]; /**< in list order */
} __attribute__((packed));

#define DEVICE_CAPS_SIZE 388

_Static_assert(sizeof(struct device_vcap) == 24, "device_vcap");
_Static_assert(offsetof(struct device_caps, cap) == 4, "device_caps");
_Static_assert(sizeof(struct device_caps) == DEVICE_CAPS_SIZE, "device_caps");

/** PortIo (23) flags. */
enum port_io_flags {
	PORT_IO_WRITE = 1u << 0, /**< bit0: 0 read, 1 write */
	PORT_IO_BYTE = 0u << 1,	 /**< bits 2:1 width */
	PORT_IO_WORD = 1u << 1,
	PORT_IO_DWORD = 2u << 1,
	PORT_IO_WIDTH_MASK = 3u << 1,
};

/**
 * ConsoleRead (24) a3 flags, a CambiOS-C extension (docs/abi.md
 * "Deviations"): bit 0 blocks until a byte is there.  Other bits: -EINVAL.
 */
enum console_read_flags {
	CONSOLE_READ_WAIT = 1u << 0,
};

/** Channel roles, ChannelCreate (28) a3. */
enum channel_role {
	CHANNEL_PRODUCER = 0,	   /**< creator RW, peer RO */
	CHANNEL_CONSUMER = 1,	   /**< creator RO, peer RW */
	CHANNEL_BIDIRECTIONAL = 2, /**< both RW */
};

/** Channel states as reported by ChannelInfo. */
enum channel_state {
	CHANNEL_AWAITING_ATTACH = 0,
	CHANNEL_ACTIVE = 1,
	CHANNEL_REVOKED = 2,
	CHANNEL_CLOSED = 3,
};

/** Peer slot value in struct channel_info when no peer has attached. */
#define CHANNEL_NO_PEER 0xFFFFFFFFu

/** ChannelInfo (32) output: 46 bytes. */
struct channel_info {
	uint8_t state;		/**< enum channel_state */
	uint8_t role;		/**< enum channel_role */
	uint32_t num_pages;	/**< size in 4 KiB pages */
	uint32_t creator_slot;	/**< creator's process slot */
	uint32_t peer_slot;	/**< peer's slot or CHANNEL_NO_PEER */
	uint64_t creator_vaddr; /**< mapping in the creator */
	uint64_t peer_vaddr;	/**< mapping in the peer, 0 if none */
	uint64_t phys_base;	/**< physical base of the frames */
	uint64_t created_tick;	/**< GetTime at creation */
} __attribute__((packed));

#define CHANNEL_INFO_SIZE 46

_Static_assert(offsetof(struct channel_info, num_pages) == 2, "channel_info");
_Static_assert(offsetof(struct channel_info, peer_slot) == 10, "channel_info");
_Static_assert(offsetof(struct channel_info, creator_vaddr) == 14,
	       "channel_info");
_Static_assert(offsetof(struct channel_info, phys_base) == 30, "channel_info");
_Static_assert(sizeof(struct channel_info) == CHANNEL_INFO_SIZE,
	       "channel_info");

/** AuditInfo (34) output: 48 bytes. */
struct audit_info {
	uint64_t produced;	   /**< events produced in total */
	uint64_t dropped;	   /**< events dropped in total */
	uint32_t capacity;	   /**< slots in the global ring */
	uint8_t consumer_attached; /**< 1 once AuditAttach succeeded */
	uint8_t zero0[3];	   /**< 0 */
	uint32_t online_cpus;	   /**< CPUs online */
	uint32_t staging[4];	   /**< staging occupancy, CPUs 0..3 */
	uint32_t zero1;		   /**< 0 */
};

#define AUDIT_INFO_SIZE 48

_Static_assert(offsetof(struct audit_info, capacity) == 16, "audit_info");
_Static_assert(offsetof(struct audit_info, consumer_attached) == 20,
	       "audit_info");
_Static_assert(offsetof(struct audit_info, online_cpus) == 24, "audit_info");
_Static_assert(offsetof(struct audit_info, staging) == 28, "audit_info");
_Static_assert(sizeof(struct audit_info) == AUDIT_INFO_SIZE, "audit_info");

/** MapFramebuffer (35) output: 32 bytes. */
struct framebuffer_desc {
	uint64_t vaddr;	  /**< user address of the first pixel */
	uint32_t width;	  /**< pixels */
	uint32_t height;  /**< pixels */
	uint32_t pitch;	  /**< bytes per row */
	uint16_t bpp;	  /**< bits per pixel */
	uint8_t red_size; /**< channel bits and shifts */
	uint8_t red_shift;
	uint8_t green_size;
	uint8_t green_shift;
	uint8_t blue_size;
	uint8_t blue_shift;
	uint8_t zero[4]; /**< 0 */
};

#define FRAMEBUFFER_DESC_SIZE 32

_Static_assert(offsetof(struct framebuffer_desc, pitch) == 16, "fb desc");
_Static_assert(offsetof(struct framebuffer_desc, bpp) == 20, "fb desc");
_Static_assert(offsetof(struct framebuffer_desc, red_size) == 22, "fb desc");
_Static_assert(offsetof(struct framebuffer_desc, blue_shift) == 27, "fb desc");
_Static_assert(sizeof(struct framebuffer_desc) == FRAMEBUFFER_DESC_SIZE,
	       "fb desc");
