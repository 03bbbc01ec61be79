#!/usr/bin/env python3
"""make bench: CambiOS-C benchmarks under QEMU, beside Linux in the same QEMU.

Every figure is measured in this run, never quoted:
  - guest instructions under -icount shift=0,sleep=off, where the guest's
    time-stamp counter counts executed instructions (exact, repeatable);
  - wall clock under plain TCG (noisy; medians of several runs).
The Linux baseline is Debian's linux-image-cloud-amd64 kernel with a static
/init (tests/bench/linux/linux_bench.c), fetched once with apt-get download
and cached under build/bench/linux.  Benchmarks never pass or fail.
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
ICOUNT = ["-icount", "shift=0,sleep=off"]
COMMON = ["-serial", "stdio", "-display", "none", "-monitor", "none",
          "-no-reboot"]


def make_iso(kernel, cmdline, out, modules=()):
    subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), kernel, out,
                    cmdline, *modules], check=True)


def run(args, patterns, timeout=180):
    """Start QEMU with args; return (wall seconds to each pattern, matches)."""
    start = time.monotonic()
    child = pexpect.spawn("qemu-system-x86_64", args, encoding="utf-8",
                          codec_errors="replace", timeout=timeout)
    walls, matches = [], []
    try:
        for p in patterns:
            child.expect(p)
            walls.append(time.monotonic() - start)
            matches.append(child.match)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return walls, matches


def cambios_boot(iso, icount, mem="128M"):
    args = ["-cdrom", iso, "-m", mem, *COMMON,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if icount:
        args += ICOUNT
    walls, m = run(args, [r"boot: kernel entered at cycle (\d+)",
                          r"boot: banner at cycle (\d+)",
                          r"boot: ready at cycle (\d+)"])
    return walls, [int(x[1]) for x in m]


def linux_files(build):
    out = os.path.join(build, "bench", "linux")
    res = subprocess.run([os.path.join(ROOT, "tests", "bench", "linux",
                                       "fetch_linux.sh"), out],
                         capture_output=True, text=True)
    if res.returncode != 0:
        return None
    return res.stdout.split()


def linux_boot(files, icount, mem="128M"):
    kernel, initrd = files
    args = ["-kernel", kernel, "-initrd", initrd, "-append",
            "console=ttyS0 quiet panic=-1", "-m", mem, *COMMON]
    if icount:
        args += ICOUNT
    walls, m = run(args, [r"linux: init at cycle (\d+)",
                          r"linux: null syscall (\d+) cycles",
                          r"linux: yield switch (\d+) cycles",
                          r"linux: pipe round trip (\d+) cycles"])
    return walls, [int(x[1]) for x in m]


def boots_in(args_for_mem, pattern, mem_mib):
    try:
        run(args_for_mem(f"{mem_mib}M"), [pattern], timeout=60)
        return True
    except (pexpect.TIMEOUT, pexpect.EOF):
        return False


def min_memory(args_for_mem, pattern, lo, hi):
    """Smallest MiB in [lo, hi] that reaches pattern (bisection)."""
    if not boots_in(args_for_mem, pattern, hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if boots_in(args_for_mem, pattern, mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def ratio(a, b):
    return f"{a / b:.3f}x" if b else "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--arch", default="x86_64")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    build = os.path.join(ROOT, args.build)
    kernel = os.path.join(build, args.arch, "kernel.elf")

    print("CambiOS-C benchmarks: QEMU TCG, x86_64, 128 MiB, 1 CPU; "
          "instructions under -icount shift=0,sleep=off")
    with tempfile.TemporaryDirectory() as tmp:
        iso = os.path.join(tmp, "bench.iso")
        make_iso(kernel, "exit", iso)
        c_wall = [cambios_boot(iso, False)[0] for _ in range(args.runs)]
        c_icount = cambios_boot(iso, True)[1]
        files = linux_files(build)
        l_wall, l_icount = None, None
        l_tcg = None
        if files:
            runs = [linux_boot(files, False) for _ in range(args.runs)]
            l_wall = [r[0] for r in runs]
            l_tcg = runs[-1][1]
            l_icount = linux_boot(files, True)[1]

        entered, banner, ready = c_icount
        print("\nBoot")
        print(f"  CambiOS-C firmware+GRUB to kernel entry: {entered:>14,d} instr")
        print(f"  CambiOS-C kernel entry to banner:        {banner - entered:>14,d} instr")
        print(f"  CambiOS-C kernel entry to ready:         {ready - entered:>14,d} instr")
        print(f"  CambiOS-C power-on to ready:             {ready:>14,d} instr")
        wall_ready = statistics.median(w[2] for w in c_wall)
        print(f"  CambiOS-C power-on to ready, wall (TCG): {wall_ready * 1000:>11.1f} ms")
        if l_icount:
            print(f"  Linux power-on to /init:                 {l_icount[0]:>14,d} instr")
            wall_init = statistics.median(w[0] for w in l_wall)
            print(f"  Linux power-on to /init, wall (TCG):     {wall_init * 1000:>11.1f} ms")
            print(f"  ratio CambiOS-C ready / Linux /init:     "
                  f"{ratio(ready, l_icount[0])} (instructions), "
                  f"{ratio(wall_ready, wall_init)} (wall)")
        else:
            print("  Linux baseline unavailable (apt-get download failed)")

        print("\nMemory needed to boot (bisection over -m, MiB)")
        cmem = min_memory(lambda m: ["-cdrom", iso, "-m", m, *COMMON,
                                     "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
                          r"boot: ready", 2, 64)
        print(f"  CambiOS-C to ready: {cmem} MiB")
        if files:
            lmem = min_memory(lambda m: ["-kernel", files[0], "-initrd", files[1],
                                         "-append", "console=ttyS0 quiet panic=-1",
                                         "-m", m, *COMMON],
                              r"linux: init at cycle", 32, 256)
            print(f"  Linux to /init:     {lmem} MiB")

        # CambiOS-C primitives: user programs timing themselves with rdtsc.
        prims = os.path.join(tmp, "prims.iso")
        user = os.path.join(build, args.arch, "user")
        make_iso(kernel, "", prims, [os.path.join(user, f"{p}.elf") for p in
                                     ("bench_syscall", "bench_yield",
                                      "bench_yield")])
        c_prims = {}
        for icount in (True, False):
            a = ["-cdrom", prims, "-m", "128M", *COMMON]
            if icount:
                a += ICOUNT
            start = time.monotonic()
            child = pexpect.spawn("qemu-system-x86_64", a, encoding="utf-8",
                                  codec_errors="replace", timeout=300)
            try:
                child.expect(r"bench_syscall: calls=(\d+) cycles_total=(\d+)")
                calls, total = int(child.match[1]), int(child.match[2])
                t_sys = time.monotonic() - start
                child.expect(r"bench_yield: pid=\d+ yields=(\d+) cycles_total=(\d+)")
                y1 = (int(child.match[1]), int(child.match[2]))
                child.expect(r"bench_yield: pid=\d+ yields=(\d+) cycles_total=(\d+)")
            finally:
                child.close(force=True)
            c_prims[icount] = (total / calls, y1[1] / (2 * y1[0]))

        print("\nPrimitives, guest instructions (-icount), CambiOS-C vs Linux")
        sc, sw = c_prims[True]
        if l_icount:
            print(f"  null syscall:          CambiOS-C {sc:>8,.0f}   Linux "
                  f"{l_icount[1]:>8,d}   ratio {ratio(sc, l_icount[1])}")
            print(f"  yield context switch:  CambiOS-C {sw:>8,.0f}   Linux "
                  f"{l_icount[2]:>8,d}   ratio {ratio(sw, l_icount[2])}")
            print(f"  pipe round trip (1 byte, Linux only, the IPC baseline): "
                  f"{l_icount[3]:,d}")
        else:
            print(f"  null syscall {sc:,.0f}, yield switch {sw:,.0f}")
        # Without icount, rdtsc counts the host's time: a wall-clock figure.
        sc_w, sw_w = c_prims[False]
        print("\nPrimitives, wall clock under plain TCG (rdtsc cycles of the "
              "host's clock), CambiOS-C vs Linux")
        if l_tcg:
            print(f"  null syscall:          CambiOS-C {sc_w:>8,.0f}   Linux "
                  f"{l_tcg[1]:>8,d}   ratio {ratio(sc_w, l_tcg[1])}")
            print(f"  yield context switch:  CambiOS-C {sw_w:>8,.0f}   Linux "
                  f"{l_tcg[2]:>8,d}   ratio {ratio(sw_w, l_tcg[2])}")
        else:
            print(f"  null syscall {sc_w:,.0f}, yield switch {sw_w:,.0f}")

    crypto = os.path.join(build, "host", "bin", "crypto_bench")
    if os.path.exists(crypto):
        print("\nCrypto (host, this machine)")
        sys.stdout.flush()
        subprocess.run([crypto])
    objbench = os.path.join(build, "host", "bin", "objstore_bench")
    if os.path.exists(objbench):
        print()
        sys.stdout.flush()
        subprocess.run([objbench])
    return 0


if __name__ == "__main__":
    sys.exit(main())
