/*
 * kernel/core/config.h - build-time limits of the kernel.
 * Every numeric bound that is not derived at boot lives here.
 */
#pragma once

/* Most CPUs the kernel will bring up (spec kernel.md section 1). */
#define MAX_CPUS		256
