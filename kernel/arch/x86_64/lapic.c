/*
 * kernel/arch/x86_64/lapic.c - local APIC in xAPIC (MMIO) mode.
 *
 * The timer is calibrated once against PIT channel 2 over 10 ms, then runs
 * periodically on every CPU with the same count.
 */
#include "kernel/arch/x86_64/lapic.h"

#include "abi/errno.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/mmu.h"

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0B0
#define LAPIC_SVR	0x0F0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3E0

#define SVR_ENABLE	(1u << 8)
#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define ICR_PENDING	(1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT	(5u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_STARTUP	(6u << 8)
#define APIC_BASE_ENABLE (1ull << 11)

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61

/* Mapped once by the boot CPU; read-only afterwards. */
static volatile uint32_t *lapic;
/* Timer counts per 10 ms, measured once by the boot CPU. */
static uint32_t calibrated_per_10ms;

static uint32_t rd(uint32_t reg)
{
	return lapic[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void lapic_init_cpu(void)
{
	wr(LAPIC_TPR, 0);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_LVT_LINT0, LVT_MASKED);
	wr(LAPIC_LVT_LINT1, LVT_MASKED);
	wr(LAPIC_LVT_ERROR, LVT_MASKED);
	wr(LAPIC_ESR, 0);
	wr(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
	wr(LAPIC_EOI, 0);
}

int lapic_init_bsp(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 9)))
		return -ENODEV;

	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = mmu_map_mmio(base & 0xFFFFFF000ull, 4096);
	if (!lapic)
		return -ENOMEM;
	lapic_init_cpu();
	return 0;
}

uint32_t lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

/* Count LAPIC timer ticks (divide by 16) during ms milliseconds of PIT. */
static uint32_t measure(unsigned ms)
{
	uint32_t pit_count = PIT_HZ * ms / 1000;

	/* Channel 2, gate low while programming, speaker off. */
	outb(PIT_GATE, inb(PIT_GATE) & ~0x03);
	outb(PIT_CMD, 0xB0);		/* ch 2, lo/hi byte, mode 0 */
	outb(PIT_CH2, pit_count & 0xFF);
	outb(PIT_CH2, (pit_count >> 8) & 0xFF);

	wr(LAPIC_TIMER_DIV, 0x3);	/* divide by 16 */
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);	/* gate high: go */
	wr(LAPIC_TIMER_INIT, 0xFFFFFFFF);
	/* Bounded: a missing PIT must not hang the boot. */
	for (uint64_t spins = 0; spins < (1ull << 32); spins++) {
		if (inb(PIT_GATE) & 0x20)
			break;
	}

	uint32_t elapsed = 0xFFFFFFFF - rd(LAPIC_TIMER_CUR);

	wr(LAPIC_TIMER_INIT, 0);
	return elapsed;
}

void lapic_timer_start(uint32_t count_per_tick)
{
	wr(LAPIC_TIMER_DIV, 0x3);
	wr(LAPIC_LVT_TIMER, VECTOR_TIMER | LVT_PERIODIC);
	wr(LAPIC_TIMER_INIT, count_per_tick);
}

uint32_t lapic_timer_calibrate_and_start(unsigned hz)
{
	/* 50 ms: long enough to swamp the emulator's timing jitter. */
	uint32_t per_10ms = measure(50) / 5;

	calibrated_per_10ms = per_10ms;
	uint32_t count = (uint32_t)((uint64_t)per_10ms * 100 / hz);

	if (count == 0)
		count = 1;
	lapic_timer_start(count);
	return count;
}

static void icr_wait(void)
{
	for (unsigned i = 0; i < 1000000 && (rd(LAPIC_ICR_LO) & ICR_PENDING); i++)
		__asm__ volatile("pause");
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_wait();
	wr(LAPIC_ICR_HI, apic_id << 24);
	wr(LAPIC_ICR_LO, vector | ICR_LEVEL_ASSERT);
	icr_wait();
}

void lapic_start_ap(uint32_t apic_id, uint8_t page, void (*delay_us)(unsigned))
{
	wr(LAPIC_ESR, 0);
	icr_wait();
	wr(LAPIC_ICR_HI, apic_id << 24);
	wr(LAPIC_ICR_LO, ICR_INIT | ICR_LEVEL_ASSERT);
	icr_wait();
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		wr(LAPIC_ICR_HI, apic_id << 24);
		wr(LAPIC_ICR_LO, ICR_STARTUP | page);
		delay_us(200);
		icr_wait();
	}
}

void lapic_send_ipi_all_but_self(uint8_t vector)
{
	icr_wait();
	wr(LAPIC_ICR_HI, 0);
	wr(LAPIC_ICR_LO, vector | ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
	icr_wait();
}

void lapic_delay_us(unsigned us)
{
	/* Counts at the calibrated rate: count_per_10ms / 10000 per us. */
	uint32_t init = rd(LAPIC_TIMER_INIT);
	uint64_t per_us = calibrated_per_10ms / 10000 + 1;
	uint64_t want = per_us * us, seen = 0;
	uint32_t last = rd(LAPIC_TIMER_CUR);

	while (seen < want && init) {
		uint32_t now = rd(LAPIC_TIMER_CUR);

		/* Periodic: the count runs down, then reloads from init. */
		seen += now <= last ? last - now : last + (init - now);
		last = now;
		__asm__ volatile("pause");
	}
}
