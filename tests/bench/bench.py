#!/usr/bin/env python3
"""make bench: CambiOS-C benchmarks under QEMU, beside Linux in the same QEMU.

Every figure is measured in this run, never quoted:
  - guest instructions under -icount shift=0,sleep=off, where the guest's
    time-stamp counter counts executed instructions (exact, repeatable);
  - wall clock under plain TCG (noisy; medians of several runs).
IPC round trip and channel throughput run on 1 and 2 CPUs (bench_ipc and
its spawn-only peer bench_ipc_peer), beside Linux's pipe ping-pong.
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
import textwrap
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ICOUNT = ["-icount", "shift=0,sleep=off"]
COMMON = ["-serial", "stdio", "-display", "none", "-monitor", "none",
          "-no-reboot"]


def make_iso(kernel, cmdline, out, modules=()):
    subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), kernel, out,
                    cmdline, *modules], check=True)


def run(args, patterns, timeout=180, wait_exit=True):
    """Start QEMU with args; return (wall seconds to each pattern, matches).
    With wait_exit, the guest must then power off by itself; else QEMU is
    stopped after the last pattern."""
    start = time.monotonic()
    child = pexpect.spawn("qemu-system-x86_64", args, encoding="utf-8",
                          codec_errors="replace", timeout=timeout)
    walls, matches = [], []
    try:
        for p in patterns:
            child.expect(p)
            walls.append(time.monotonic() - start)
            matches.append(child.match)
        if wait_exit:
            child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return walls, matches


def cambios_boot(iso, icount, mem="128M"):
    args = ["-cdrom", iso, "-m", mem, *COMMON,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if icount:
        args += ICOUNT
    # Each pattern ends with \s, or pexpect may match the first digits of
    # a number the serial port is still delivering.
    walls, m = run(args, [r"boot: kernel entered at cycle (\d+)\s",
                          r"boot: banner at cycle (\d+)\s",
                          r"boot: ready at cycle (\d+)\s"])
    return walls, [int(x[1]) for x in m]


def linux_files(build):
    out = os.path.join(build, "bench", "linux")
    res = subprocess.run([os.path.join(ROOT, "tests", "bench", "linux",
                                       "fetch_linux.sh"), out],
                         capture_output=True, text=True)
    if res.returncode != 0:
        return None
    return res.stdout.split()


def linux_boot(files, icount, mem="128M", smp=1, timeout=180):
    kernel, initrd = files
    args = ["-kernel", kernel, "-initrd", initrd, "-append",
            "console=ttyS0 quiet panic=-1", "-m", mem, "-smp", str(smp),
            *COMMON]
    if icount:
        args += ICOUNT
    walls, m = run(args, [r"linux: init at cycle (\d+)\s",
                          r"linux: null syscall (\d+) cycles",
                          r"linux: yield switch (\d+) cycles",
                          r"linux: pipe round trip (\d+) cycles"],
                     timeout=timeout)
    return walls, [int(x[1]) for x in m]


def boots_in(args_for_mem, pattern, mem_mib, wait_exit=True):
    try:
        run(args_for_mem(f"{mem_mib}M"), [pattern], timeout=60,
            wait_exit=wait_exit)
        return True
    except (pexpect.TIMEOUT, pexpect.EOF):
        return False


def min_memory(args_for_mem, pattern, lo, hi, wait_exit=True):
    """Smallest MiB in [lo, hi] that reaches pattern (bisection)."""
    if not boots_in(args_for_mem, pattern, hi, wait_exit):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if boots_in(args_for_mem, pattern, mid, wait_exit):
            hi = mid
        else:
            lo = mid + 1
    return hi


def ratio(a, b):
    return f"{a / b:.3f}x" if b else "n/a"


# Each numeric pattern ends with \s: otherwise pexpect may stop at the
# first digits of a number the serial port has not finished delivering.
IPC_PATTERNS = [
    ("tsc", r"bench_ipc: tsc_hz=(\d+)\s"),
    ("start", r"bench_ipc: client_cpu=(\d+) server_cpu=(\d+) at start "
              r"reply_right_retries=(\d+)\s"),
    ("rt", r"bench_ipc: cpus=(\d+) client_cpu=(\d+) server_cpu=(\d+) "
           r"migrated=(\d) rounds=(\d+) msg_bytes=(\d+) cycles_total=(\d+)\s"),
    ("memcpy", r"bench_memcpy: bytes=(\d+) iters=(\d+) cycles_total=(\d+)\s"),
    ("chan", r"bench_channel: producer_cpu=(\d+) consumer_cpu=(\d+) "
             r"bytes=(\d+) iters=(\d+) cycles_total=(\d+)\s"),
    ("burst", r"bench_ipc: burst writes=\d+ cycles_per_write=(\d+) "
              r"cycles_per_queued_recv=(\d+)\s"),
    ("done", r"bench_ipc: done"),
]
# A failure line of the programs, a kernel panic, or the line a dying
# kernel ends with (when two CPUs' output garbled the panic's first line).
# Lines end "\r\r\n" here: the guest's CR LF, then the pty's own CR.
IPC_FAILURE = (r"(bench_ipc\w*: failed [^\r\n]*|PANIC[^\r\n]*|"
               r"CPU halted)\r*\n")


def cambios_ipc(iso, smp, icount, timeout=30):
    """Boot bench_ipc (and its spawn-only peer) once: a dict of the
    figures of each IPC_PATTERNS line seen, plus "error": why when the run
    stopped early."""
    a = ["-cdrom", iso, "-m", "128M", "-smp", str(smp), *COMMON]
    if icount:
        a += ICOUNT
    child = pexpect.spawn("qemu-system-x86_64", a, encoding="utf-8",
                          codec_errors="replace", timeout=timeout)
    out = {}
    try:
        for key, pat in IPC_PATTERNS:
            i = child.expect([pat, IPC_FAILURE])
            if i == 1:
                out["error"] = child.match[1].strip()
                break
            out[key] = [int(x) for x in child.match.groups()]
    except (pexpect.TIMEOUT, pexpect.EOF) as e:
        out["error"] = ("timeout" if isinstance(e, pexpect.TIMEOUT)
                        else "QEMU ended") + " before " + key
    finally:
        child.close(force=True)
    return out


LINUX_SMP2_TIMEOUT = 45


def failures(results):
    """'; k of n boots failed: why...' for boots that stopped early, or ''."""
    bad = [r["error"] for r in results if "error" in r]
    if not bad:
        return ""
    return f"; {len(bad)} of {len(results)} boots failed: " + \
        "; ".join(sorted(set(bad)))


def ipc_section(kernel, user, tmp, runs, l_icount, l_tcg_runs, files):
    """IPC round trip and channel throughput on 1 and 2 CPUs, beside
    Linux's pipe round trip.  icount figures are exact (one boot each);
    TCG ones are the median of `runs` boots, with their range."""
    iso = os.path.join(tmp, "ipc.iso")
    make_iso(kernel, "", iso, [os.path.join(user, "bench_ipc.elf"),
                               os.path.join(user, "bench_ipc_peer.elf")
                               + ":spawn-only"])
    configs = [(1, True), (1, False), (2, True), (2, False)]
    res = {c: [cambios_ipc(iso, c[0], c[1])
               for _ in range(1 if c[1] else runs)] for c in configs}
    # Linux's pipe round trip per configuration, a list of runs.  On 2
    # CPUs under -icount this Linux hangs bringing up the second CPU, so
    # that configuration is not booted.
    linux = {(1, True): [l_icount[3]] if l_icount else [],
             (1, False): [r[3] for r in l_tcg_runs],
             (2, True): [], (2, False): []}
    # Linux's 2-CPU pipe round trip ranges from 0.2 to 15 million TSC
    # cycles from boot to boot (20,000 rounds: up to 2 minutes); a boot
    # that waits more than LINUX_SMP2_TIMEOUT seconds for a line is
    # counted, not waited for.
    linux_slow = 0
    if files:
        for _ in range(runs):
            try:
                linux[(2, False)].append(linux_boot(
                    files, False, smp=2, timeout=LINUX_SMP2_TIMEOUT)[1][3])
            except (pexpect.TIMEOUT, pexpect.EOF):
                linux_slow += 1

    print("\nIPC round trip, 16-byte messages (client Write, server "
          "RecvMsg and Write, client\n  RecvMsg), beside Linux's 1-byte "
          "pipe round trip in the same QEMU; target CambiOS-C\n  <= 0.200x "
          "Linux.  -icount: instructions, one boot; TCG: TSC cycles, median "
          f"of\n  {runs} boots (range on the line below)")
    for smp, icount in configs:
        head = f"  {smp} CPU{'s,' if smp > 1 else ', '} " + \
            ("-icount" if icount else "TCG    ")
        rs = res[(smp, icount)]
        ok = [r for r in rs if "rt" in r]
        if not ok:
            print(f"{head}  CambiOS-C unavailable{failures(rs)}")
            continue
        per = [r["rt"][6] / r["rt"][4] for r in ok]
        lin = linux[(smp, icount)]
        line = f"{head}  CambiOS-C {statistics.median(per):>9,.0f}   Linux "
        if lin:
            line += (f"{statistics.median(lin):>9,.0f}   ratio "
                     f"{ratio(statistics.median(per), statistics.median(lin))}")
        elif smp == 2 and icount:
            line += "n/a (it hangs starting CPU 1 under -icount)"
        else:
            line += "n/a"
        print(line)
        notes = [", ".join(f"client CPU {c}, server CPU {v}" for c, v in
                           sorted({(r["rt"][1], r["rt"][2]) for r in ok}))]
        if len(per) > 1:
            notes.append(f"range {min(per):,.0f}..{max(per):,.0f}")
        if len(lin) > 1:
            notes.append(f"Linux {min(lin):,.0f}..{max(lin):,.0f}")
        if smp == 2 and not icount and linux_slow:
            notes.append(f"{linux_slow} of {runs} Linux boots over "
                         f"{LINUX_SMP2_TIMEOUT} s not counted")
        if any(r["rt"][3] for r in ok):
            notes.append("a task changed CPU during a run")
        if any(r["rt"][0] != smp for r in ok):
            notes.append(f"CPUs online {sorted({r['rt'][0] for r in ok})}")
        retries = [r["start"][2] for r in ok if r["start"][2]]
        if retries:
            notes.append(f"first reply -EPERM in {len(retries)} of "
                         f"{len(ok)} boots, up to {max(retries):,d} retries")
        bursts = [r["burst"] for r in ok if "burst" in r]
        if bursts:
            notes.append("in bursts: Write "
                         f"{statistics.median(b[0] for b in bursts):,.0f}, "
                         "RecvMsg of a queued message "
                         f"{statistics.median(b[1] for b in bursts):,.0f}")
        print(textwrap.fill("; ".join(notes) + failures(rs), width=79,
                            initial_indent=" " * 19,
                            subsequent_indent=" " * 19))
    if files:
        print("  (Linux places its two processes itself, not pinned; "
              "CambiOS-C's CPUs are as\n  SysInfo reported them)")

    print("\nChannel throughput, 1 MiB per transfer (producer copies it "
          "into a 256-page\n  channel, IPC notify, consumer copies it out "
          "and replies), beside memcpy of\n  1 MiB in one process")
    for smp, icount in configs:
        head = f"  {smp} CPU{'s,' if smp > 1 else ', '} " + \
            ("-icount" if icount else "TCG    ")
        rs = res[(smp, icount)]
        ok = [r for r in rs if "chan" in r and "memcpy" in r]
        if not ok:
            print(f"{head}  unavailable{failures(rs)}")
            continue
        # Bytes per cycle (per instruction under -icount).
        cb = statistics.median(r["chan"][2] * r["chan"][3] / r["chan"][4]
                               for r in ok)
        mb = statistics.median(r["memcpy"][0] * r["memcpy"][1] /
                               r["memcpy"][2] for r in ok)
        if icount:
            rate = f"channel {cb:5.2f} B/instr  memcpy {mb:5.2f} B/instr"
        else:
            hz = statistics.median(r["tsc"][0] for r in ok) / 1e9
            rate = (f"channel {cb * hz:5.2f} GB/s     memcpy "
                    f"{mb * hz:5.2f} GB/s   ")
        cpus = ", ".join(f"CPUs {p}->{c}" for p, c in
                         sorted({(r["chan"][0], r["chan"][1]) for r in ok}))
        print(f"{head}  {rate}  ratio {ratio(cb, mb)}  ({cpus})")
    print("  (GB/s: TSC cycles at the rate the guest measured against its "
          "100 Hz timer,\n  the host's TSC rate under TCG.  Under -icount "
          "a cycle is an instruction:\n  bytes per instruction)")


SERVICES = ("policy-service", "key-store", "fs-service", "virtio-blk",
            "compositor", "shell")
PROMPT_AT = r"boot: shell waits for console input at cycle (\d+)\s"
OBJ_LINE = r"bench_obj: puts=(\d+) put_cycles=(\d+) gets=(\d+) get_cycles=(\d+)\s"


def formatted_disk(build, tmp, name, blocks):
    img = os.path.join(tmp, name)
    if os.path.exists(img):
        os.remove(img)
    subprocess.run([os.path.join(build, "host", "bin", "cambios-objtool"), img,
                    "format", "--blocks", str(blocks)], check=True,
                   capture_output=True)
    return ["-drive", f"file={img},if=none,id=d0,format=raw",
            "-device", "virtio-blk-pci,drive=d0"]


def services_section(build, kernel, user, tmp, runs, l_icount, l_wall):
    """Boot to the shell prompt with the whole service chain and a disk,
    beside Linux's boot to /init; the memory it needs; arcobj put/get
    latency through the chain, on the disk store and the RAM store."""
    iso = os.path.join(tmp, "services.iso")
    # The prompt mark is a debug-level kernel line.
    make_iso(kernel, "loglevel=debug", iso, [os.path.join(user, f"{p}.elf")
                                             for p in SERVICES])

    def boot(icount, mem="128M"):
        a = ["-cdrom", iso, "-m", mem, *COMMON,
             *formatted_disk(build, tmp, "prompt.img", 1024)]
        if icount:
            a += ICOUNT
        walls, m = run(a, [PROMPT_AT], timeout=120, wait_exit=False)
        return walls[0], int(m[0][1])

    instr = boot(True)[1]
    walls = [boot(False)[0] for _ in range(runs)]
    wall = statistics.median(walls)
    print("\nBoot to the shell prompt: " + ", ".join(SERVICES[:3]) + ",\n" +
          ", ".join(SERVICES[3:-1]) + " and the shell, with a virtio-blk "
          "disk")
    print(f"  CambiOS-C power-on to prompt:            {instr:>14,d} instr")
    print(f"  CambiOS-C power-on to prompt, wall (TCG):{wall * 1000:>11.1f} ms")
    if l_icount:
        lw = statistics.median(w[0] for w in l_wall)
        print(f"  ratio CambiOS-C prompt / Linux /init:    "
              f"{ratio(instr, l_icount[0])} (instructions), "
              f"{ratio(wall, lw)} (wall)")
    mem = min_memory(lambda m: ["-cdrom", iso, "-m", m, *COMMON,
                                *formatted_disk(build, tmp, "mem.img", 256)],
                     PROMPT_AT, 2, 64, wait_exit=False)
    print(f"  memory needed to reach the prompt: {mem} MiB "
          f"(Linux to /init: see \"Memory needed to boot\")")

    obj_iso = os.path.join(tmp, "obj.iso")
    make_iso(kernel, "", obj_iso, [os.path.join(user, f"{p}.elf") for p in
                                   ("key-store", "fs-service", "virtio-blk",
                                    "bench_obj")])
    print("\narcobj latency through the chain (shell-less client -> "
          "fs-service -> key-store,\nkernel store -> virtio-blk driver), "
          "per operation, 16 puts then 16 gets")
    res = {}
    # Under -icount a disk run takes minutes of wall time (the guest's
    # clock jumps while QEMU does the I/O), so the disk store is measured
    # under TCG only; the RAM store, the CPU cost, under both.
    for disk, icount in ((False, True), (False, False), (True, False)):
        a = ["-cdrom", obj_iso, "-m", "128M", *COMMON]
        if disk:
            a += formatted_disk(build, tmp, "obj.img", 1024)
        if icount:
            a += ICOUNT
        try:
            _, m = run(a, [OBJ_LINE], timeout=180, wait_exit=False)
            g = [int(x) for x in m[0].groups()]
            res[(disk, icount)] = (g[1] / g[0], g[3] / g[2])
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            print(f"  bench_obj ({'disk' if disk else 'RAM'}, "
                  f"{'icount' if icount else 'TCG'}) failed: "
                  f"{type(e).__name__}")
            res[(disk, icount)] = None
    ram_i, ram, dsk = res[(False, True)], res[(False, False)], \
        res[(True, False)]
    if ram_i:
        print(f"  RAM store, -icount: put {ram_i[0]:>11,.0f} instr   get "
              f"{ram_i[1]:>11,.0f} instr")
    if ram and dsk:
        print(f"  TCG, TSC cycles:    put RAM {ram[0]:>11,.0f}  disk "
              f"{dsk[0]:>11,.0f}  disk/RAM {ratio(dsk[0], ram[0])}")
        print(f"                      get RAM {ram[1]:>11,.0f}  disk "
              f"{dsk[1]:>11,.0f}  disk/RAM {ratio(dsk[1], ram[1])}")
    if ram_i and l_icount:
        print(f"  a put on the RAM store costs {ratio(ram_i[0], l_icount[3])} "
              f"a Linux pipe round trip (instructions)")
    print("  (The RAM-store figures are the CPU cost of the chain: an "
          "Ed25519 signature and\n  verification per put, a verification "
          "per get.  Disk figures add the\n  virtio-blk writes and a flush "
          "per put, two block reads per get.)")


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
        l_tcg_runs = []
        if files:
            runs = [linux_boot(files, False) for _ in range(args.runs)]
            l_wall = [r[0] for r in runs]
            l_tcg = runs[-1][1]
            l_tcg_runs = [r[1] for r in runs]
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
                child.expect(r"bench_syscall: calls=(\d+) cycles_total=(\d+)\s")
                calls, total = int(child.match[1]), int(child.match[2])
                t_sys = time.monotonic() - start
                child.expect(r"bench_yield: pid=\d+ yields=(\d+) cycles_total=(\d+)\s")
                y1 = (int(child.match[1]), int(child.match[2]))
                child.expect(r"bench_yield: pid=\d+ yields=(\d+) cycles_total=(\d+)\s")
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

        ipc_section(kernel, user, tmp, args.runs, l_icount, l_tcg_runs,
                    files)
        services_section(build, kernel, user, tmp, args.runs, l_icount,
                         l_wall)

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
