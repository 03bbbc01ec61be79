/*
 * kernel/arch/x86_64/pic.c - the legacy 8259 interrupt controllers.
 *
 * Firmware leaves the PICs delivering IRQ 0-7 at vectors 8-15, on top of
 * CPU exceptions (the PIT's IRQ 0 would look like a double fault).  We move
 * them to 0xF0-0xFF and mask every line; the Local APIC and I/O APIC take
 * over device interrupts.  A spurious IRQ 7 or 15 can still arrive at 0xF7
 * or 0xFF and is ignored.
 */
#include "kernel/arch/x86_64/pic.h"

#include "kernel/arch/x86_64/cpu.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xA0
#define PIC2_DATA	0xA1
#define ICW1_INIT	0x11	/* edge triggered, cascade, ICW4 follows */
#define ICW4_8086	0x01

/* Port 0x80 write: a short delay some old PICs need between commands. */
static void io_wait(void)
{
	outb(0x80, 0);
}

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT);
	io_wait();
	outb(PIC2_CMD, ICW1_INIT);
	io_wait();
	outb(PIC1_DATA, PIC_VECTOR_BASE);	/* ICW2: vector offsets */
	io_wait();
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	io_wait();
	outb(PIC1_DATA, 4);			/* ICW3: slave on IRQ 2 */
	io_wait();
	outb(PIC2_DATA, 2);
	io_wait();
	outb(PIC1_DATA, ICW4_8086);
	io_wait();
	outb(PIC2_DATA, ICW4_8086);
	io_wait();
	outb(PIC1_DATA, 0xFF);			/* mask everything */
	outb(PIC2_DATA, 0xFF);
}
