/*
 * tools/urun/urun.h - what the parts of cambios-urun share: the running
 * programs, user-memory access, the IPC model (ipc.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "abi/sysinfo.h"

/* abi/errno.h is not included: its names clash with the C library's. */
#define CAMBIOS_EINVAL	    1
#define CAMBIOS_EPERM	    2
#define CAMBIOS_ENOMEM	    3
#define CAMBIOS_ENOENDPOINT 4
#define CAMBIOS_EWOULDBLOCK 5
#define CAMBIOS_EEXIST	    17
#define CAMBIOS_ENOSYS	    38
#define CAMBIOS_ENOENT	    2001

/* A running program: the one given, or one a Spawn started. */
struct proc {
	pid_t host;	  /* Linux pid of the traced process */
	uint32_t pid;	  /* CambiOS process slot (GetPid) */
	uint32_t parent;  /* spawner's slot; 0 for the program given */
	uint64_t started; /* tick (GetTime) at start */
	char name[32];	  /* module name: file name without ".elf" */
	int reply_ep;	  /* first endpoint it registered, -1 = none */
};

/* Timer ticks since urun started (GetTime, 100 Hz). */
uint64_t urun_ticks(void);

/* [addr, addr + len) is a user range (syscalls.md §4). */
bool user_range(uint64_t addr, uint64_t len);
/* Copy from / to the traced process; false on a bad or unmapped range. */
bool copy_in(pid_t host, void *dst, uint64_t addr, size_t len);
bool copy_out(pid_t host, uint64_t addr, const void *src, size_t len);

/* --- ipc.c: endpoints, queues and the fs-service model ------------------- */

/* Reset every endpoint; serve_fs makes urun answer endpoint 16. */
void ipc_model_init(bool serve_fs);
/* RegisterEndpoint (6). */
int64_t ipc_register(struct proc *p, uint64_t ep);
/* Write (1). */
int64_t ipc_write(struct proc *p, uint64_t ep, uint64_t buf, uint64_t len);
/* Read (2). */
int64_t ipc_read(struct proc *p, uint64_t ep, uint64_t buf, uint64_t max);
/* RecvMsg (13, blocking) and TryRecvMsg (37). */
int64_t ipc_recv(struct proc *p, uint64_t ep, uint64_t buf, uint64_t len,
		 bool blocking);
/* A program ended: its endpoints and their queues go. */
void ipc_process_exit(const struct proc *p);
/* SysInfo SYSINFO_IPC counters. */
void ipc_stats(struct sysinfo_ipc *out);
