"""The shell (user/shell) on the real kernel, driven over the serial console.

The shell is booted as a boot module (followed by `hello`, which starts
only when the shell's ModuleReady advances the boot gate) and typed at
through QEMU's serial port: the prompt, `help`, `ps` listing the shell
itself, `mem`, `uptime`, `caps`, `audit`, an unknown command, arcobj's
malformed-hash check and its timeout with no fs-service, and line
editing (Backspace, arrows with insertion, history).  Ctrl-C is not
sent: QEMU's `-serial stdio` turns it into SIGINT for QEMU itself; the
host tests (tests/host/test_shell.py) cover it.

Each line is sent in one piece, as a paste would arrive.
"""
import re
import time

import pytest

from conftest import user_prog

PROMPT = "cambios> "
LEFT, UP = "\x1b[D", "\x1b[A"


def start(boot, smp=1):
    """Boot shell + hello; return (machine, the shell's process slot)."""
    m = boot("", smp=smp, timeout=60,
             modules=[user_prog("shell"), user_prog("hello")])
    # The shell's banner and prompt and hello's line race on the
    # console: wait for both lines, then sync on a line of our own.
    banner = r"CambiOS-C shell \(pid (\d+)\)\. Type help for the commands\."
    left = [banner, r"hello from user space, pid \d+"]
    while left:
        i = m.child.expect(left)
        if left[i] == banner:
            slot = int(m.child.match.group(1))
        left.pop(i)
    type_keys(m, "sync\r")
    m.child.expect_exact("unknown command: sync (try help)")
    m.child.expect_exact(PROMPT)
    return m, slot


def type_keys(m, keys):
    # In one piece: QEMU feeds the UART only as fast as its FIFO drains,
    # and the kernel's input ring (1 KiB) holds more than any line here.
    m.child.send(keys)


def run(m, line, until="\n" + PROMPT, timeout=30):
    """Type line + Enter; return the output up to the next prompt (one
    after a newline: "\\r" + prompt is a redraw of the line)."""
    type_keys(m, line + "\r")
    m.child.expect_exact(until, timeout=timeout)
    return m.child.before


@pytest.mark.parametrize("smp", [1, 2])
def test_shell_commands_on_the_serial_console(boot, smp):
    m, slot = start(boot, smp)
    out = run(m, "help")
    for cmd in ("help", "ps", "mem", "uptime", "audit", "caps",
                "arcobj put <text>", "arcobj list"):
        assert re.search(rf"^  {re.escape(cmd)} +\S", out, re.M), (cmd, out)

    out = run(m, "ps")
    assert re.search(r"PID +PARENT +STATE +AGE +NAME", out)
    rows = re.findall(r"^(\d+)\.(\d+) +(\S+) +(\S+) +(\d+) +(\S+)\s*$",
                      out, re.M)
    names = [r[5] for r in rows]
    assert "shell" in names and "kernel" in names, out
    shell = rows[names.index("shell")]
    assert int(shell[0]) == slot
    assert int(shell[1]) >= 1  # user processes have generation >= 1
    assert shell[3] == "live" and shell[2] == "-"  # a boot module
    assert [r[5] for r in rows[:3]] == ["kernel"] * 3

    out = run(m, "mem")
    total = re.search(r"^total +(\d+) KiB +(\d+) MiB +(\d+) frames", out,
                      re.M)
    free = re.search(r"^free +(\d+) KiB +(\d+) MiB +(\d+) frames", out, re.M)
    assert total and free, out
    assert int(total.group(1)) == 4 * int(total.group(3))
    assert 0 < int(free.group(3)) < int(total.group(3))
    # 128 MiB of RAM, less what the firmware keeps.
    assert 100 <= int(total.group(2)) <= 128
    assert re.search(r"kernel heap: \d+ KiB in use, \d+ pages", out)

    out1 = run(m, "uptime")
    time.sleep(0.5)
    out2 = run(m, "uptime")
    pat = r"up (\d+):(\d\d):(\d\d)\.(\d\d) \((\d+) ticks at 100 Hz\)"
    t1, t2 = (re.search(pat, o) for o in (out1, out2))
    assert t1 and t2, (out1, out2)
    assert int(t2.group(5)) > int(t1.group(5))
    h, mi, s, cs, ticks = map(int, t2.groups())
    assert ((h * 60 + mi) * 60 + s) * 100 + cs == ticks
    cpus = "1 CPU" if smp == 1 else f"{smp} CPUs"
    assert re.search(rf"{cpus} online, \d+ tasks?", out2), out2

    out = run(m, "caps")
    owned = re.search(r"endpoints owned: +(\d+)", out)
    assert owned and int(owned.group(1)) >= 1, out
    for key in ("capability entries", "channels", "queued messages",
                "messages sent", "messages received"):
        assert re.search(rf"^{key}: +\d+", out, re.M), (key, out)
    assert "shell endpoint 18:  registered" in out

    out = run(m, "audit")
    assert re.search(r"events produced: \d+", out)
    assert re.search(r"ring capacity: +\d+ slots", out)
    assert re.search(rf"CPUs online: +{smp} \(staging:", out), out

    out = run(m, "frobnicate x")
    assert "unknown command: frobnicate (try help)" in out

    out = run(m, "arcobj get 12")
    assert "arcobj: malformed hash" in out
    start_t = time.monotonic()
    out = run(m, "arcobj list")
    assert ("arcobj: object store not available (no answer from "
            "fs-service)") in out
    assert time.monotonic() - start_t >= 1.5
    assert "PANIC" not in m.output() and "EXCEPTION" not in m.output()


def test_line_editing_on_the_serial_console(boot):
    m, _ = start(boot)
    # Backspace (DEL), then a fix in the middle with the arrows.
    out = run(m, "mex\x7fm")
    assert re.search(r"^total +\d+ KiB", out, re.M), out
    out = run(m, "hwlp" + LEFT + LEFT + "\x7f" + "e")
    assert "commands:" in out and "unknown command" not in out
    # The echo as the terminal got it: the cursor steps left, the
    # backspace redraws "lp" and a blank, the insertion redraws "elp".
    assert "hwlp" + LEFT + LEFT + "\blp \x1b[3D" + "elp\x1b[2D" in out
    # Up twice recalls mem (help, then mem); Enter runs it again.
    out = run(m, UP + UP)
    assert re.search(r"^free +\d+ KiB", out, re.M), out
    # Ctrl-U clears what was typed.
    out = run(m, "garbage\x15uptime")
    assert "ticks at 100 Hz" in out and "unknown command" not in out
    # An over-long line rings the bell and is cut at 256 characters.
    out = run(m, "y" * 260)
    assert out.count("\a") == 4, repr(out)
    assert "unknown command: " + "y" * 256 + " (try help)" in out
