/*
 * kernel/core/main.c - kmain: the portable part of boot.
 *
 * Order: banner, command line, memory map, final address space, frame
 * allocator, heap, memory report, test switches, idle.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/audit/audit.h"
#include "kernel/core/bootinfo.h"
#include "kernel/core/cmdline.h"
#include "kernel/core/log.h"
#include "kernel/core/panic.h"
#include "kernel/core/time.h"
#include "kernel/core/version.h"
#include "kernel/dev/dev.h"
#include "kernel/fs/kstore.h"
#include "kernel/ipc/setup.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/memmap.h"
#include "kernel/policy/policy.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/sched/glue.h"
#include "kernel/sched/sched.h"
#include "kernel/syscall/sys_fb.h"

/* The Bootstrap Principal, generated at build time from the signing key
 * (build/<arch>/gen/bootstrap_key.c). */
extern const uint8_t bootstrap_pubkey[32];

/* Address the test=pagefault switch writes to: never mapped (low half). */
#define TEST_FAULT_ADDR		0x00000000DEADB000ull

/* Parsed once at boot, read-only afterwards. */
static struct cmdline cmdline;

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE:
		return "usable";
	case BOOT_MEM_ACPI_RECLAIM:
		return "ACPI reclaimable";
	case BOOT_MEM_ACPI_NVS:
		return "ACPI NVS";
	case BOOT_MEM_BAD:
		return "bad";
	default:
		return "reserved";
	}
}

static enum log_level log_level_from_cmdline(int level)
{
	if (level >= CMDLINE_LOG_DEBUG)
		return LOG_DEBUG;
	if (level >= CMDLINE_LOG_INFO)
		return LOG_INFO;
	if (level >= CMDLINE_LOG_WARN)
		return LOG_WARN;
	return LOG_ERROR;
}

static void setup_cmdline(const struct boot_info *bi)
{
	int err = cmdline_parse(bi->cmdline, &cmdline);

	log_set_level(log_level_from_cmdline(cmdline.loglevel));
	panic_set_exit_on_fatal(cmdline.exit_after_boot ||
				cmdline.test_count > 0);
	kprintf("boot: loader \"%s\", command line \"%s\"\n", bi->loader,
		bi->cmdline);
	if (err)
		log_warn("cmdline: rejected \"%s\": %s (defaults used)\n",
			 cmdline.error_word, errno_message(cmdline.error));
	for (unsigned i = 0; i < cmdline.unknown_count; i++)
		log_warn("cmdline: unknown option \"%s\" ignored\n",
			 cmdline.unknown[i]);
}

static void print_memory_map(const struct boot_info *bi)
{
	kprintf("memory map (%u regions):\n", bi->mem_count);
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_region *r = &bi->mem[i];

		kprintf("  [0x%016lx-0x%016lx] %s\n", (unsigned long)r->base,
			(unsigned long)(r->base + r->length - 1),
			mem_type_name(r->type));
	}
	if (bi->dropped)
		log_warn("boot: %u boot-info entries dropped (tables full)\n",
			 bi->dropped);
}

static void setup_memory(const struct boot_info *bi)
{
	static struct mem_range ranges[BOOT_MAX_MEM_REGIONS + BOOT_MAX_RESERVED];
	size_t n = 0;
	uint64_t top = memmap_ram_top(bi), mapped = 0;
	int err = memmap_usable(bi, ranges, sizeof(ranges) / sizeof(ranges[0]),
				&n);

	if (err)
		panic("mm: memory map unusable: %s", errno_message(err));
	if (n == 0)
		panic("mm: no usable memory");

	err = arch_mmu_init(top, &mapped);
	if (err)
		log_warn("mm: direct map covers only %lu MiB of %lu MiB\n",
			 (unsigned long)(mapped >> 20), (unsigned long)(top >> 20));

	/* Drop RAM the direct map does not reach. */
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		if (ranges[i].base >= mapped)
			continue;
		if (ranges[i].end > mapped)
			ranges[i].end = mapped;
		ranges[kept++] = ranges[i];
	}

	uint64_t usable = memmap_total(ranges, kept);

	err = frame_init(ranges, kept, arch_direct_map_base());
	if (err)
		panic("mm: frame allocator: %s", errno_message(err));
	heap_init(&frame_heap_backend);

	kprintf("memory: usable %lu KiB (%lu MiB), direct map %lu MiB\n",
		(unsigned long)(usable >> 10), (unsigned long)(usable >> 20),
		(unsigned long)(mapped >> 20));
	kprintf("memory: free %lu KiB in %lu frames\n",
		(unsigned long)(frame_free_count() * 4), (unsigned long)frame_free_count());
}

static void setup_scheduler(const struct boot_info *bi)
{
	struct task *idle;
	struct runqueue *rq = kzalloc(sizeof(*rq));

	proc_init(bi, bootstrap_pubkey);
	ipc_subsystem_init();
	policy_init();	/* the policy upcall's cache and endpoint 23 */
	kprintf("objstore: RAM store, %zu object slots\n",
		kstore_init((uint64_t)frame_total_count() * 4096));
	sched_init();
	sched_set_poke_hook(arch_send_resched);
	if (!rq || sched_make_idle_task(&idle) || sched_rq_init(rq, 0, idle))
		panic("sched: cannot set up the boot CPU's run queue");
}

/* Test switches (test=<name> on the command line). */
static void run_test_switches(void)
{
	if (cmdline_has_test(&cmdline, "heap")) {
		void *p = kmalloc(100), *q = kmalloc(5000);

		kprintf("test: heap allocations %p %p\n", p, q);
		kfree(p);
		kfree(q);
	}
	if (cmdline_has_test(&cmdline, "double-free")) {
		void *p = kmalloc(64);

		kprintf("test: freeing %p twice\n", p);
		kfree(p);
		kfree(p);
	}
	if (cmdline_has_test(&cmdline, "foreign-free")) {
		static uint64_t not_heap[4];

		kprintf("test: freeing non-heap pointer %p\n", (void *)not_heap);
		kfree(not_heap);
	}
	if (cmdline_has_test(&cmdline, "timer")) {
		uint64_t start = time_ticks();

		arch_irq_enable();
		while (time_ticks() < start + 50)
			arch_idle();
		arch_irq_disable();
		kprintf("test: timer reached %lu ticks\n",
			(unsigned long)(time_ticks() - start));
	}
	if (cmdline_has_test(&cmdline, "panic"))
		panic("test: deliberate panic");
	if (cmdline_has_test(&cmdline, "pagefault")) {
		kprintf("test: writing to unmapped address %#lx\n",
			(unsigned long)TEST_FAULT_ADDR);
		*(volatile uint64_t *)(uintptr_t)TEST_FAULT_ADDR = 1;
	}
	if (cmdline_has_test(&cmdline, "ud")) {
		kprintf("test: executing an invalid opcode\n");
		arch_test_invalid_opcode();
	}
}

void kmain(struct boot_info *bi)
{
	uint64_t banner_cycles = arch_cycles();

	kprintf("\nCambiOS-C %s (%s)\n", CAMBIOS_VERSION, arch_name());
	kprintf("boot: banner at cycle %lu\n", (unsigned long)banner_cycles);
	setup_cmdline(bi);
	print_memory_map(bi);
	setup_memory(bi);
	setup_scheduler(bi);
	arch_platform_init(bi);
	dev_init(bi);	/* after the interrupt controllers */
	sys_fb_init(bi);
	run_test_switches();

	unsigned cpus = arch_start_cpus(bi, cmdline.smp);

	kprintf("smp: %u CPU%s online\n", cpus, cpus == 1 ? "" : "s");
	unsigned started = proc_start_boot_modules();

	kprintf("boot: %u of %u boot modules started\n", started,
		bi->module_count);
	kprintf("boot: ready at cycle %lu\n", (unsigned long)arch_cycles());
	if (cmdline.exit_after_boot) {
		kprintf("boot: exit switch set, stopping the machine\n");
		arch_debug_exit(PANIC_STATUS_OK);
	}
	cpu_idle_loop();
}

void kernel_cpu_main(unsigned cpu)
{
	struct task *idle;

	if (cpu >= AUDIT_STATIC_CPUS) {
		/* Staging of CPUs past the built-in ones; kept for good. */
		uint8_t *raw = kmalloc(audit_cpu_storage_size() + 63);

		if (!raw || audit_cpu_attach(cpu, (void *)(((uintptr_t)raw + 63) &
							   ~(uintptr_t)63)))
			log_warn("audit: CPU %u has no staging; its events are dropped\n",
				 cpu);
	}

	if (sched_make_idle_task(&idle) ||
	    sched_rq_init(kzalloc(sizeof(struct runqueue)), cpu, idle))
		panic("smp: CPU %u cannot join the scheduler", cpu);
	log_debug("smp: CPU %u online\n", cpu);
	cpu_idle_loop();
}
