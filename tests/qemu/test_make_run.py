"""`make run` itself: it boots the whole chain (policy-service, key-store,
fs-service, virtio-blk, compositor, shell) with a disk image it creates and
formats on the first run, and an object stored in one `make run` is there
in the next.  A temporary RUN_DISK keeps the user's own build/disk.img
alone."""
import os
import re

import pexpect

from conftest import BUILD, ROOT

PROMPT = "cambios> "


def make_run(disk):
    child = pexpect.spawn(
        "make", ["-s", f"BUILD={BUILD}", f"RUN_DISK={disk}", "run"], cwd=ROOT,
        encoding="utf-8", codec_errors="replace", timeout=120)
    child.expect(r"CambiOS-C shell \(pid \d+\)")
    child.expect_exact(PROMPT)
    return child


def run(child, line):
    child.send(line + "\r")
    child.expect_exact("\n" + PROMPT, timeout=60)
    return child.before.replace("\r", "")


def quit_qemu(child):
    child.send("\x01x")  # -serial mon:stdio: Ctrl-A x quits QEMU
    child.expect(pexpect.EOF, timeout=30)


def test_make_run_twice_keeps_objects(tmp_path):
    disk = tmp_path / "disk.img"
    child = make_run(disk)
    assert os.path.getsize(disk) == 64 << 20
    out = run(child, "arcobj put kept across two make runs")
    h = re.search(r"stored: ([0-9a-f]{64})", out).group(1)
    quit_qemu(child)

    child = make_run(disk)
    out = run(child, "arcobj list")
    assert h in out
    assert "kept across two make runs" in run(child, f"arcobj get {h}")
    quit_qemu(child)
