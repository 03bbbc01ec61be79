#!/usr/bin/env python3
"""make bench: CambiOS-C benchmarks under QEMU.

Boot to banner, measured two ways:
  - wall clock under plain TCG, from QEMU start to the banner line;
  - guest instructions under -icount shift=0,sleep=off, where the guest's
    time-stamp counter counts executed instructions, so the kernel's own
    "boot: banner at cycle N" line is an exact, repeatable count (it
    includes firmware and GRUB, which run before the kernel).
Figures are medians of several runs; benchmarks, never pass/fail tests.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_iso(kernel, cmdline, out):
    subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), kernel, out,
                    cmdline], check=True)


def boot_once(iso, icount, mem="128M"):
    args = ["-cdrom", iso, "-m", mem, "-serial", "stdio", "-display", "none",
            "-monitor", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if icount:
        args += ["-icount", "shift=0,sleep=off"]
    start = time.monotonic()
    child = pexpect.spawn("qemu-system-x86_64", args, encoding="utf-8",
                          codec_errors="replace", timeout=120)
    child.expect(r"boot: banner at cycle (\d+)")
    banner_wall = time.monotonic() - start
    banner_cycles = int(child.match[1])
    child.expect(r"boot: ready at cycle (\d+)")
    ready_cycles = int(child.match[1])
    child.expect(pexpect.EOF)
    child.close()
    return banner_wall, banner_cycles, ready_cycles


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--arch", default="x86_64")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    kernel = os.path.join(ROOT, args.build, args.arch, "kernel.elf")

    with tempfile.TemporaryDirectory() as tmp:
        iso = os.path.join(tmp, "bench.iso")
        make_iso(kernel, "exit", iso)
        walls = [boot_once(iso, False)[0] for _ in range(args.runs)]
        counts = [boot_once(iso, True) for _ in range(args.runs)]

    banner = [c[1] for c in counts]
    kernel_part = [c[2] - c[1] for c in counts]
    print("CambiOS-C benchmarks (QEMU TCG, x86_64, 128 MiB, 1 CPU)")
    print(f"  boot to banner, wall clock (TCG):          "
          f"{statistics.median(walls) * 1000:9.1f} ms "
          f"(min {min(walls) * 1000:.1f}, max {max(walls) * 1000:.1f}, "
          f"{args.runs} runs)")
    print(f"  boot to banner, guest instructions (icount): "
          f"{statistics.median(banner):12,d} (firmware + GRUB + kernel entry)")
    print(f"  banner to ready, guest instructions:         "
          f"{statistics.median(kernel_part):12,d} (kernel memory setup)")
    spread = max(banner) - min(banner)
    print(f"  icount repeatability: spread {spread:,d} instructions over "
          f"{args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
