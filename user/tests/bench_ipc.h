/*
 * user/tests/bench_ipc.h - what bench_ipc and its spawn-only peer
 * bench_ipc_peer agree on: endpoints, message size, channel size.
 */
#pragma once

#include <stdint.h>

/** The driver's (bench_ipc's) endpoint: its reply endpoint. */
#define BENCH_DRIVER_EP 4
/** The peer's endpoint: where requests go. */
#define BENCH_PEER_EP 5
/**
 * Bytes of every request and reply: [0] command, [8..16) a u64.  The
 * round trip carries 16 bytes each way (Linux's pipe bench 1 byte).
 */
#define BENCH_MSG_BYTES 16
/** The channel and each transfer: 256 pages, 1 MiB. */
#define BENCH_PAGE	    4096
#define BENCH_CHANNEL_PAGES 256
#define BENCH_CHANNEL_BYTES (BENCH_CHANNEL_PAGES * BENCH_PAGE)
/** A CPU number SysInfo could not give. */
#define BENCH_CPU_UNKNOWN 0xFFFFFFFFu
