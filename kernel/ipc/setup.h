/*
 * kernel/ipc/setup.h - boot-time setup of IPC, channels and audit, and
 * the audit ring's mapping into its consumer.
 */
#pragma once

#include <stdint.h>

#include "kernel/proc/process.h"

/**
 * Set up the endpoints (ipc_init), the channel manager with the kernel's
 * memory callbacks, and the 16-page audit ring.  Boot CPU, once, after
 * proc_init and before any process runs.  Panics when memory is lacking.
 */
void ipc_subsystem_init(void);

/**
 * AuditAttach (33) after its gate: claim the one consumer position and
 * map the ring read-only into process pid (the caller).  Returns the user
 * address, -EINVAL when a consumer is attached already, -ENOMEM when the
 * address space is full, -ENODEV before ipc_subsystem_init.
 */
int64_t audit_map_ring(process_id_t pid);
