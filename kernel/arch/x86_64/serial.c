/*
 * kernel/arch/x86_64/serial.c - the COM1 16550 UART as the boot console.
 */
#include "kernel/arch/x86_64/serial.h"

#include "kernel/arch/arch.h"
#include "kernel/arch/x86_64/cpu.h"

#define COM1		0x3F8
#define UART_DATA	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_THRE	0x20

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
