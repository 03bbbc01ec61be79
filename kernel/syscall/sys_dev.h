/*
 * kernel/syscall/sys_dev.h - the device syscalls (spec syscalls.md
 * section 5: 5 WaitIrq, 20 MapMmio, 21 AllocDma, 22 DeviceInfo, 23 PortIo,
 * 24 ConsoleRead; docs/devices.md).  Handlers of the dispatcher in
 * kernel/syscall/syscall.c: a[] holds the six raw argument registers; the
 * gates have run.  Each checks every argument before changing anything.
 */
#pragma once

#include <stdint.h>

int64_t sys_wait_irq(const uint64_t a[6]);
int64_t sys_map_mmio(const uint64_t a[6]);
int64_t sys_alloc_dma(const uint64_t a[6]);
int64_t sys_device_info(const uint64_t a[6]);
int64_t sys_port_io(const uint64_t a[6]);
int64_t sys_console_read(const uint64_t a[6]);
