"""QEMU boot-test fixtures: build an ISO with a given kernel command line,
boot it under TCG with the serial console on a pexpect pipe, and collect
the exit status the kernel reports through isa-debug-exit."""
import os
import shutil
import subprocess

import pexpect
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CAMBIOS_BUILD", os.path.join(ROOT, "build"))
ARCH = os.environ.get("CAMBIOS_ARCH", "x86_64")
KERNEL = os.path.join(BUILD, ARCH, "kernel.elf")
OVMF = "/usr/share/ovmf/OVMF.fd"

# isa-debug-exit turns status s into QEMU exit code (s << 1) | 1.
EXIT_OK, EXIT_PANIC, EXIT_EXCEPTION = 1, 5, 7


class Machine:
    """One QEMU run. expect() waits for console output, with a time limit."""

    def __init__(self, iso, mem, smp, firmware, timeout, log_path,
                 qemu_args=()):
        args = ["-cdrom", iso, "-m", mem, "-smp", str(smp),
                "-serial", "stdio", "-display", "none", "-no-reboot",
                "-monitor", "none",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if firmware == "uefi":
            args += ["-bios", OVMF]
        args += list(qemu_args)
        self.log = open(log_path, "w")
        self.child = pexpect.spawn("qemu-system-x86_64", args,
                                   encoding="utf-8", codec_errors="replace",
                                   timeout=timeout, logfile=self.log)

    def expect(self, pattern, timeout=-1):
        self.child.expect(pattern, timeout=timeout)
        return self.child.match

    def wait_exit(self, timeout=60):
        """Wait for QEMU to end; return its exit code."""
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        return self.child.exitstatus

    def output(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def kill(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        self.log.close()


@pytest.fixture(scope="session")
def iso_cache(tmp_path_factory):
    assert os.path.exists(KERNEL), f"{KERNEL} missing: run make first"
    cache = {}
    base = tmp_path_factory.mktemp("iso")

    def get(cmdline, modules=()):
        key = (cmdline, tuple(modules))
        if key not in cache:
            path = str(base / f"boot{len(cache)}.iso")
            subprocess.run([os.path.join(ROOT, "tools", "mkiso.sh"), KERNEL,
                            path, cmdline, *modules], check=True)
            cache[key] = path
        return cache[key]
    return get


@pytest.fixture
def boot(iso_cache, tmp_path, request):
    """boot(cmdline, mem="128M", smp=1, firmware="bios", timeout=60,
    modules=(), qemu_args=()): qemu_args are appended to QEMU's command
    line (extra devices, drives)."""
    machines = []

    def start(cmdline="", mem="128M", smp=1, firmware="bios", timeout=60,
              modules=(), qemu_args=()):
        if firmware == "uefi" and not os.path.exists(OVMF):
            pytest.fail(f"{OVMF} missing (package ovmf)")
        log = tmp_path / f"serial{len(machines)}.log"
        m = Machine(iso_cache(cmdline, modules), mem, smp, firmware, timeout,
                    str(log), qemu_args)
        machines.append(m)
        return m

    yield start
    for m in machines:
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            print(f"--- serial output ---\n{m.output()}")
        m.kill()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


USER_DIR = os.path.join(BUILD, ARCH, "user")
HOST_BIN = os.path.join(BUILD, "host", "bin")


def user_prog(name):
    """Path of a signed user program built by make."""
    path = os.path.join(USER_DIR, f"{name}.elf")
    assert os.path.exists(path), f"{path} missing: run make user"
    return path


def kernel_symbol(name):
    """(address, size) of a kernel symbol, from llvm-nm."""
    nm = shutil.which("llvm-nm") or "llvm-nm-14"
    out = subprocess.run([nm, "-S", KERNEL], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == name:
            return int(parts[0], 16), int(parts[1], 16)
    raise KeyError(name)
