"""The user programs and libsys, run on the host without a kernel.

Each signed program in $CAMBIOS_BUILD/x86_64/user runs natively under
cambios-urun (tools/urun/urun.c), which answers its syscalls with a model
of the spec's.  The tests check the exact console lines docs/abi.md
promises ("Test programs"), exit codes and faults, and the ELF layout
every program must have for the kernel loader: ET_EXEC, entry _start at
0x40_0000, page-aligned PT_LOAD segments that never share a page and are
never writable and executable, an ARCSIG trailer.

Skipped when the programs or cambios-urun are not built (`make user
build/host/bin/cambios-urun`), or the host is not Linux x86_64.
"""

import os
import platform
import re
import struct
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CAMBIOS_BUILD", "build")
BUILD = BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD)
URUN = os.path.join(BUILD, "host", "bin", "cambios-urun")
UDIR = os.path.join(BUILD, "x86_64", "user")
PROGS = ["hello", "hello_quiet", "spinner", "hog", "yielder", "fault_null",
         "fault_rodata", "fault_kjump", "fault_badsys", "spawn_loop",
         "bench_syscall", "bench_yield"]
MAGIC = b"ARCSIG\x01\x00"
PAGE = 4096

built = all(os.path.exists(os.path.join(UDIR, p + ".elf")) for p in PROGS)
pytestmark = pytest.mark.skipif(
    not built, reason="user programs not built (make user)")
needs_urun = pytest.mark.skipif(
    not os.access(URUN, os.X_OK) or platform.system() != "Linux"
    or platform.machine() != "x86_64",
    reason="cambios-urun needs a Linux x86_64 host and `make tools`")


def urun(prog, timeout=30):
    """Run one program; return (stdout lines, stderr, exit status)."""
    p = subprocess.run([URUN, "-t", str(timeout),
                        os.path.join(UDIR, prog + ".elf")],
                       capture_output=True, text=True, timeout=timeout + 30)
    return p.stdout.splitlines(), p.stderr, p.returncode


@needs_urun
def test_hello_prints_its_pid_and_exits_0():
    out, err, code = urun("hello")
    assert out == ["hello from user space, pid 3"]
    assert code == 0 and "exit 0" in err


@needs_urun
def test_hello_quiet_prints_nothing():
    out, _, code = urun("hello_quiet")
    assert out == [] and code == 0


@needs_urun
def test_spinner_steps_in_order():
    out, _, code = urun("spinner")
    assert out == [f"spinner 3 step {k}" for k in range(1, 6)] + \
        ["spinner 3 done"]
    assert code == 0


@needs_urun
def test_yielder_rounds_in_order():
    out, _, code = urun("yielder")
    assert out == [f"yielder 3 round {k}" for k in range(1, 6)] + \
        ["yielder 3 done"]
    assert code == 0


@needs_urun
def test_hog_spins_until_killed():
    out, err, code = urun("hog", timeout=1)
    assert out == ["hog 3 spinning"]
    assert code == 124 and "timeout" in err


# Each fault program prints one line, then faults at the documented
# address; a "survived" line would mean the write or jump went through.
@needs_urun
@pytest.mark.parametrize("prog,line,addr", [
    ("fault_null", r"fault_null 3 writing to 0x0", r"\(nil\)"),
    ("fault_rodata", r"fault_rodata 3 writing to 0x0000000000401000",
     "0x401000"),
    ("fault_kjump", r"fault_kjump 3 jumping to 0xffffffff80200000",
     "0xffffffff80200000"),
])
def test_fault_programs_fault(prog, line, addr):
    out, err, code = urun(prog)
    assert len(out) == 1 and re.fullmatch(line, out[0])
    assert re.search(rf"fault SIGSEGV addr {addr} ", err), err
    assert code == 128 + 11


@needs_urun
def test_fault_badsys_all_errors_as_expected():
    out, _, code = urun("fault_badsys")
    probes = [l for l in out if re.fullmatch(
        r"fault_badsys: \w+ ret=-?\d+ want=-?\d+ (ok|BAD)", l)]
    assert len(probes) == 30
    assert all(l.endswith(" ok") for l in probes), probes
    assert out[-1] == "fault_badsys: done 30/30"
    assert code == 0


@needs_urun
def test_spawn_loop_spawns_1000_and_counts_frames():
    out, _, code = urun("spawn_loop", timeout=120)
    assert out[0] == "spawn_loop: module hello_quiet"
    assert out[1:5] == [f"spawn_loop: progress {i}"
                        for i in (250, 500, 750, 1000)]
    m = re.fullmatch(r"spawn_loop: done 1000 free_before=(\d+) "
                     r"free_after=(\d+)", out[5])
    assert m and m.group(1) == m.group(2)  # the model never leaks
    assert code == 0


@needs_urun
@pytest.mark.parametrize("prog,pattern", [
    ("bench_syscall",
     r"bench_syscall: calls=100000 cycles_total=(\d+) cycles_per_call=(\d+)"),
    ("bench_yield",
     r"bench_yield: pid=3 yields=20000 cycles_total=(\d+) "
     r"cycles_per_yield=(\d+)"),
])
def test_benchmarks_print_one_parseable_line(prog, pattern):
    out, _, code = urun(prog, timeout=120)
    assert len(out) == 1
    m = re.fullmatch(pattern, out[0])
    assert m and int(m.group(1)) > 0
    assert code == 0


def load_segments(path):
    """(e_type, e_entry, [(vaddr, memsz, flags)]) of an ELF64 LE file."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    e_entry, e_phoff = struct.unpack_from("<QQ", data, 24)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    assert e_machine == 0x3E and e_phentsize == 56
    segs = []
    for i in range(e_phnum):
        p_type, p_flags, _, p_vaddr, _, _, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, e_phoff + 56 * i)
        if p_type == 1:
            segs.append((p_vaddr, p_memsz, p_flags))
    return e_type, e_entry, segs, data


@pytest.mark.parametrize("prog", PROGS)
def test_elf_layout(prog):
    e_type, entry, segs, data = load_segments(
        os.path.join(UDIR, prog + ".elf"))
    assert data[-8:] == MAGIC  # signed
    assert e_type == 2 and entry == 0x400000
    assert segs[0][0] == 0x400000 and segs[0][2] == 5  # text R+X first
    pages = {}
    for vaddr, memsz, flags in segs:
        assert vaddr % PAGE == 0
        assert not (flags & 2 and flags & 1), "W^X"
        assert vaddr + memsz <= 0x7F0000  # below the user stack
        for page in range(vaddr // PAGE, (vaddr + memsz + PAGE - 1) // PAGE):
            assert page not in pages, "two segments share a page"
            pages[page] = flags
    # rodata, when present, is read-only; data, when present, RW.
    assert [f for _, _, f in segs][1:] in ([], [4], [6], [4, 6])
