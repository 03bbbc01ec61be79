/*
 * user/policy/builtin_table.c - the policy table compiled into the policy
 * service (format in policy_table.h, reasons in docs/policy.md section 3).
 * tests/unit/policy_table_test.c parses this very text, so a bad line
 * fails `make unit`, not the boot.
 *
 * Syscall numbers (abi/syscall.h): 0 Exit, 1 Write, 2 Read, 3 Allocate,
 * 4 Free, 5 WaitIrq, 6 RegisterEndpoint, 7 Yield, 8 GetPid, 9 GetTime,
 * 10 Print, 11 BindPrincipal, 12 GetPrincipal, 13 RecvMsg, 14 ObjPut,
 * 15 ObjGet, 16 ObjDelete, 17 ObjList, 18 ClaimBootstrapKey,
 * 19 ObjPutSigned, 20 MapMmio, 21 AllocDma, 22 DeviceInfo, 23 PortIo,
 * 24 ConsoleRead, 25 Spawn, 26 WaitTask, 27 RevokeCapability,
 * 28 ChannelCreate, 29 ChannelAttach, 30 ChannelClose, 31 ChannelRevoke,
 * 32 ChannelInfo, 33 AuditAttach, 34 AuditInfo, 35 MapFramebuffer,
 * 36 ModuleReady, 37 TryRecvMsg, 38 SysInfo, 39 Delegate,
 * 40 TaskProcess, 41 WaitMsg.
 */
#include "user/policy/policy_table.h"

const char policy_builtin_table[] =
    "# Programs without a line: IPC, memory, processes, channels, info.\n"
    "# Not: devices (5 20-23), the object store (14-17 19), keys (18),\n"
    "# the console (24), authority calls (11 31 33) or the framebuffer (35).\n"
    "default         0-4 6-10 12 13 25-30 32 34 36-41\n"
    "\n"
    "# Services of the boot chain (spec ipc.md section 10).\n"
    "key-store       @default 11 18\n"
    "key-store-service @default 11 18\n"
    "fs-service      @default 14-17 19\n"
    "virtio-blk      @default 5 20-23\n"
    "virtio-net      @default 5 20-23\n"
    "i219-net        @default 5 20-23\n"
    "udp-stack       @default\n"
    "compositor      @default 35\n"
    "scanout-driver  @default 5 20-23 35\n"
    "fb-demo         @default 35\n"
    "shell           @default 24\n"
    "audit_tail      @default 33\n"
    "\n"
    "# Test programs that probe the kernel's own checks below this layer.\n"
    "ipc_test        all\n"
    "ipc_peer        all\n"
    "obj_test        all\n"
    "dev_probe       all\n"
    "irq_thief       all\n"
    "dma_guard_low   all\n"
    "dma_guard_high  all\n"
    "fault_badsys    all\n"
    "blk_client      all\n"
    "comp_client     all\n"
    "\n"
    "# tests/qemu/test_policy.py: ObjPut (14) refused until an update.\n"
    "policy_probe    @default !14 log\n"
    "policy_admin    @default admin log\n";
