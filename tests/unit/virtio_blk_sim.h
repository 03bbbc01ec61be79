/*
 * tests/unit/virtio_blk_sim.h - a simulated virtio-blk device for the
 * unit tests of the driver's core (user/virtio_blk/vblk.c) and of its
 * service protocol: the register file of the legacy transport, or (after
 * sim_init_modern) the four regions of the modern one with the vendor
 * capabilities that name them, DMA memory with made-up physical
 * addresses, queue 0 processed on notify, an in-memory disk with a
 * volatile write cache (flush copies it to the durable image), and an
 * interrupt line.
 *
 * It also checks the driver: every descriptor chain is parsed as the
 * device would, and anything a device could not accept (an address
 * outside the DMA memory, a wrong length or direction, a register
 * accessed with the wrong width) is counted in driver_bugs.
 *
 * Hostile behaviour is switched on by the fields under "faults".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "user/virtio_blk/vblk.h"

#define SIM_DMA_MAX	 8
#define SIM_PA_BASE	 0x40000000ull
#define SIM_DEFAULT_Q	 256
#define SIM_DEFAULT_SECT 256 /* 128 KiB, 32 blocks */

/* The modern device's BAR 4 and its regions, as QEMU lays them out. */
#define SIM_BAR_BASE	   0xFE000000ull
#define SIM_BAR_SIZE	   0x4000u
#define SIM_COMMON_OFF	   0x0000u
#define SIM_ISR_OFF	   0x1000u
#define SIM_DEVICE_OFF	   0x2000u
#define SIM_NOTIFY_OFF	   0x3000u
#define SIM_REGION_LEN	   0x1000u
#define SIM_DEVICE_CFG_LEN 0x3Cu /* struct virtio_blk_config */
#define SIM_NOTIFY_MULT	   4u
#define SIM_QUEUE_NOTIFY   3u /* queue 0's queue_notify_off */

struct device_caps;
struct device_info;

/** What one completed request does wrong (faults.req). */
enum sim_req_fault {
	SIM_OK = 0,
	SIM_USED_JUMP,	      /* used index advances by 2 */
	SIM_USED_ID_RANGE,    /* used id >= queue size */
	SIM_USED_ID_WRONG,    /* used id is another descriptor */
	SIM_USED_LEN_BIG,     /* used length larger than the buffers */
	SIM_USED_LEN_SHORT,   /* used length 1 for a read */
	SIM_STATUS_BAD,	      /* status byte 7 */
	SIM_STATUS_UNTOUCHED, /* status byte never written */
	SIM_IOERR,	      /* status 1, nothing done */
	SIM_UNSUPP,	      /* status 2, nothing done */
	SIM_IRQ_STORM,	      /* interrupts for ever, never completes */
	SIM_NO_IRQ,	      /* never completes, never interrupts */
	SIM_LATE,	      /* spurious interrupts first, then completes */
};

struct sim_dma {
	uint8_t *mem;
	uint64_t pa;
	size_t len;
};

struct sim {
	/* registers */
	uint8_t status;
	uint32_t dev_features, guest_features, pfn;
	uint16_t qsel, qsize; /* qsize: queue 0's size now */
	uint16_t qmax;	      /* its size after a reset */
	uint8_t isr;
	uint64_t capacity; /* what the register says, sectors */

	/* modern transport (sim_init_modern) */
	bool modern;
	uint32_t dfsel, gfsel, guest_hi; /* feature selects, driver word 1 */
	uint64_t q_desc, q_driver, q_device;
	uint16_t q_enable, q_notify_off;
	uint8_t generation;
	uint32_t notify_mult;

	/* the disk: the cache the device serves, the image that survives */
	uint8_t *disk, *durable;
	size_t disk_bytes;

	/* DMA memory handed to the driver */
	struct sim_dma dma[SIM_DMA_MAX];
	int ndma;
	uint64_t next_pa;

	/* queue 0, device side */
	uint16_t last_avail, used_idx;
	unsigned irq_pending;
	bool deferred; /* a SIM_LATE request waits for the interrupts */
	bool storm;    /* SIM_IRQ_STORM swallowed a request: interrupts */

	/* faults */
	struct {
		enum sim_req_fault req; /* applied to the next req_count */
		int req_count;		/* requests; < 0 for ever */
		unsigned late_irqs;	/* spurious interrupts of SIM_LATE */
		bool reset_ignored;	/* status reads 1 after a reset */
		bool features_ok_refused;
		bool driver_ok_refused;
		bool pfn_wrong;	     /* PFN reads back + 1 */
		bool capacity_flips; /* alternate reads differ */
		bool dma_fail;	     /* dma_alloc fails */
		uint64_t dma_pa;     /* if non-zero, next DMA physical base */
		uint32_t fail_read_off; /* register reads refused at off+1 */
		uint64_t capacity_after_reset; /* if non-zero, after a reset */
		/* modern only */
		bool no_version_1;	/* VERSION_1 not offered */
		bool qsize_fixed;	/* a write to queue_size is ignored */
		bool q_addr_wrong;	/* ring addresses read back + 16 */
		bool enable_ignored;	/* queue_enable stays 0 */
		bool enabled_at_reset;	/* queue_enable reads 1 after reset */
		bool generation_flips;	/* generation changes on every read */
	} f;

	/* counts */
	unsigned resets, notifies, waits, requests, flushes, cap_reads;
	unsigned driver_bugs;
	const char *last_bug;
};

/** A device with sectors of disk (zero-filled, or pattern when set). */
void sim_init(struct sim *s, uint64_t sectors, uint16_t qsize);
void sim_free(struct sim *s);

/** A modern-only device (virtio 1.x transport; 1AF4:1042). */
void sim_init_modern(struct sim *s, uint64_t sectors, uint16_t qsize);

/**
 * The records DeviceInfo would give for the modern device: BAR 4 (memory,
 * SIM_BAR_BASE + SIM_BAR_SIZE) and its vendor capabilities: common,
 * ISR, device, notify (multiplier SIM_NOTIFY_MULT) and a PCI-config
 * access capability, as QEMU lists them.
 */
void sim_modern_records(struct device_caps *caps, struct device_info *info);

/** The ops table over a struct sim (ctx = the sim). */
extern const struct vblk_ops sim_ops;

/** One page of DMA memory from the sim (for the shared page). */
struct vblk_dma sim_page(struct sim *s);

/** Fill block lba of both disk images with a byte pattern from seed. */
void sim_fill_block(struct sim *s, uint64_t lba, uint8_t seed);
