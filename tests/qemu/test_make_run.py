"""`make run` itself: it boots the whole chain (policy-service, key-store,
fs-service, virtio-blk, compositor, shell) with a disk image it creates and
formats on the first run, and an object stored in one `make run` is there
in the next.  A temporary RUN_DISK keeps the user's own build/disk.img
alone."""
import os

import pexpect

from conftest import BUILD, ROOT
from shell_session import arcobj_put, shell_run, wait_prompt


def make_run(disk):
    child = pexpect.spawn(
        "make", ["-s", f"BUILD={BUILD}", f"RUN_DISK={disk}", "run"], cwd=ROOT,
        encoding="utf-8", codec_errors="replace", timeout=120)
    wait_prompt(child)
    return child


def run(child, line):
    return shell_run(child, line)


def quit_qemu(child):
    child.send("\x01x")  # -serial mon:stdio: Ctrl-A x quits QEMU
    child.expect(pexpect.EOF, timeout=30)


def test_make_run_twice_keeps_objects(tmp_path):
    disk = tmp_path / "disk.img"
    child = make_run(disk)
    assert os.path.getsize(disk) == 64 << 20
    h = arcobj_put(child, "kept across two make runs")
    quit_qemu(child)

    child = make_run(disk)
    out = run(child, "arcobj list")
    assert h in out
    assert "kept across two make runs" in run(child, f"arcobj get {h}")
    quit_qemu(child)
