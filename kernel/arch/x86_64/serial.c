/*
 * kernel/arch/x86_64/serial.c - the COM1 16550 UART as the boot console.
 */
#include "kernel/arch/x86_64/serial.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/ioapic.h"

#define COM1		0x3F8
#define UART_DATA	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01	/* a received byte is waiting */
#define LSR_THRE	0x20
#define IER_RDA		0x01	/* interrupt when received data is available */
#define MCR_DTR_RTS	0x03
#define MCR_OUT2	0x08	/* gates the UART's interrupt onto the ISA bus */
#define COM1_ISA_IRQ	4

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);	/* no interrupts (polled for now) */
	outb(COM1 + UART_LCR, 0x80);	/* DLAB on */
	outb(COM1 + 0, 0x01);		/* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xC7);	/* FIFO on, cleared, 14-byte level */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

void arch_console_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the kernel. */
	for (int spins = 0; spins < 100000; spins++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

unsigned arch_console_rx_irq(void)
{
	return ioapic_isa_gsi(COM1_ISA_IRQ);
}

void arch_console_rx_enable(void)
{
	/* FIFO on with a one-byte trigger level: each key interrupts at
	 * once instead of after 14 bytes or a character timeout. */
	outb(COM1 + UART_FCR, 0x07);
	outb(COM1 + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RDA);
}

int arch_console_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_DATA);
}
