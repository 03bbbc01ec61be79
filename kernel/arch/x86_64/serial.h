/* kernel/arch/x86_64/serial.h - COM1 console. */
#pragma once

/** Program COM1 for 115200 8N1, polled.  Call once, early. */
void serial_init(void);
