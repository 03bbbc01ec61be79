"""The shell (user/shell) under cambios-urun, without a kernel.

Most tests pipe a whole keystroke script into the signed shell: urun
answers ConsoleRead from stdin one byte at a time and ends the program at
the end of the input, so each run is one deterministic transcript (the
shell's output is raw: "\\n" stays "\\n", cursor moves are VT100
sequences).  One test drives it through a terminal with pexpect.  `-f`
makes urun answer endpoint 16 with its fs-service model (storage.md §7);
without it nothing answers, as on a system without fs-service.

Skipped when the shell or cambios-urun is not built, or the host is not
Linux x86_64.
"""

import os
import platform
import re
import subprocess
import time

import pexpect
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CAMBIOS_BUILD", "build")
BUILD = BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD)
URUN = os.path.join(BUILD, "host", "bin", "cambios-urun")
SHELL = os.path.join(BUILD, "x86_64", "user", "shell.elf")

PROMPT = b"cambios> "
BANNER = b"CambiOS-C shell (pid 3). Type help for the commands.\n"
LEFT, RIGHT, UP, DOWN = b"\x1b[D", b"\x1b[C", b"\x1b[A", b"\x1b[B"
HOME, END, DELETE = b"\x1b[H", b"\x1b[F", b"\x1b[3~"
BEL = b"\x07"
HELLO_HASH = ("d74981efa70a0c880b8d8c1985d075db"
              "cbf679b99a5f9914e5aaf96b831a9e24")  # BLAKE3("hello world")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(SHELL),
                       reason="shell not built (make user)"),
    pytest.mark.skipif(
        not os.access(URUN, os.X_OK) or platform.system() != "Linux"
        or platform.machine() != "x86_64",
        reason="cambios-urun needs a Linux x86_64 host and `make tools`"),
]


def shell(keys, fs=False, timeout=20):
    """Run the shell on the keystrokes keys (bytes); return its output.

    The run must end at the end of the input, with status 0."""
    args = [URUN, "-t", str(timeout)] + (["-f"] if fs else []) + [SHELL]
    p = subprocess.run(args, input=keys, capture_output=True,
                       timeout=timeout + 10)
    assert p.returncode == 0, p.stderr
    assert b"shell.elf pid 3 end of input" in p.stderr, p.stderr
    return p.stdout


def replies(out):
    """Output after the banner, split at the prompts: [answer per line]."""
    assert out.startswith(BANNER + PROMPT), out[:200]
    # A prompt after a newline starts a new line; "\r" + prompt is a
    # redraw inside one.
    return re.split(rb"(?<=\n)" + re.escape(PROMPT),
                    out[len(BANNER) + len(PROMPT):])


def run_lines(*lines, fs=False):
    """Output text of each command line, echo line removed."""
    out = shell(b"".join(l + b"\r" for l in lines), fs=fs)
    parts = replies(out)
    assert len(parts) == len(lines) + 1 and parts[-1] == b""
    texts = []
    for line, part in zip(lines, parts):
        echo, _, rest = part.partition(b"\n")
        assert echo == line, (echo, line)
        texts.append(rest.decode())
    return texts


def test_shell_is_signed():
    with open(SHELL, "rb") as f:
        assert f.read()[-8:] == b"ARCSIG\x01\x00"


def test_banner_then_prompt_and_quiet_end_of_input():
    assert shell(b"") == BANNER + PROMPT


def test_typed_characters_are_echoed():
    assert shell(b"hello") == BANNER + PROMPT + b"hello"


def test_run_starts_a_module_and_waits():
    usage, missing, extra, ok = run_lines(b"run", b"run no-such-module",
                                          b"run hello extra", b"run hello")
    assert usage == "usage: run <module>\n"
    assert missing == ("run: cannot start no-such-module: no such boot "
                       "module\n")
    assert extra == "usage: run <module>\n"
    assert "hello from user space" in ok
    assert ok.endswith("run: hello exited with 0\n")


def test_help_lists_every_command():
    (text,) = run_lines(b"help")
    for cmd in ("help", "ps", "mem", "uptime", "audit", "caps",
                "run <module>", "arcobj put <text>", "arcobj get <hash>", "arcobj list",
                "arcobj delete <hash>"):
        assert re.search(rf"^  {re.escape(cmd)} +\S", text, re.M), cmd
    assert text.startswith("commands:\n")


def test_ps_lists_kernel_processes_and_the_shell_itself():
    (text,) = run_lines(b"ps")
    lines = text.splitlines()
    assert re.fullmatch(r"PID +PARENT +STATE +AGE +NAME", lines[0])
    rows = [l.split() for l in lines[1:-1]]
    assert [r[0] for r in rows] == ["0.0", "1.0", "2.0", "3.1"]
    assert rows[3] == ["3.1", "-", "live", rows[3][3], "shell"]
    assert all(r[3].isdigit() for r in rows)
    assert lines[-1] == "4 processes (age in ticks, 100 per second)"


def test_mem_prints_frames_in_kib_and_mib():
    (text,) = run_lines(b"mem")
    # urun's fixed numbers: 32768 frames, 30000 free.
    assert text.splitlines() == [
        "total      131072 KiB     128 MiB     32768 frames",
        "free       120000 KiB     117 MiB     30000 frames",
        "used        11072 KiB      10 MiB      2768 frames",
        "kernel heap: 64 KiB in use, 256 pages (1024 KiB)",
    ]


def test_uptime_prints_clock_and_ticks():
    out = shell(b"uptime\r", timeout=20)
    (text, _) = replies(out)
    m = re.search(r"^up (\d+):(\d\d):(\d\d)\.(\d\d) \((\d+) ticks at 100 Hz\)$",
                  text.decode(), re.M)
    assert m, text
    h, mi, s, cs, ticks = map(int, m.groups())
    assert ((h * 60 + mi) * 60 + s) * 100 + cs == ticks
    assert b"1 CPU online, 1 task" in text


def test_audit_prints_ring_counters():
    (text,) = run_lines(b"audit")
    assert text.splitlines() == [
        "events produced: 42",
        "events dropped:  0",
        "ring capacity:   4096 slots",
        "consumer:        not attached",
        "CPUs online:     1 (staging: cpu0=0)",
    ]


def test_caps_prints_ipc_counters_and_the_reply_endpoint():
    (text,) = run_lines(b"caps")
    keys = [l.split(":")[0] for l in text.splitlines()]
    assert keys == ["endpoints owned", "capability entries", "channels",
                    "queued messages", "messages sent", "messages received",
                    "audit events", "shell endpoint 18"]
    # The shell registered 18 at start: it owns one endpoint.
    assert re.search(r"^endpoints owned: +1$", text, re.M)
    assert "shell endpoint 18:  registered" in text


def test_unknown_command_and_arguments_where_none_are_taken():
    texts = run_lines(b"frobnicate now", b"mem please")
    assert texts == ["unknown command: frobnicate (try help)\n",
                     "usage: mem\n"]


def test_empty_and_blank_lines_do_nothing():
    out = shell(b"\r   \r\n")
    assert out == BANNER + PROMPT + b"\n" + PROMPT + b"   \n" + PROMPT


def test_cr_lf_counts_as_one_enter_and_lf_alone_works():
    out = shell(b"help\r\nps\n\r\n")
    parts = replies(out)
    # help, ps, one empty line (the last CR LF), final prompt.
    assert len(parts) == 4
    assert parts[0].startswith(b"help\ncommands:")
    assert parts[1].startswith(b"ps\nPID")
    assert parts[2] == b"\n"


@pytest.mark.parametrize("bs", [b"\x7f", b"\x08"])
def test_backspace_erases_the_last_character(bs):
    out = shell(b"helx" + bs + b"p\r")
    parts = replies(out)
    assert parts[0].startswith(b"helx\b \x1b[Dp\ncommands:")


def test_arrows_insert_and_erase_in_the_middle():
    # Type "hwlp", step back before "lp", erase the w, insert e: "help".
    out = shell(b"hwlp" + LEFT + LEFT + b"\x7f" + b"e" + b"\r")
    parts = replies(out)
    echo, _, rest = parts[0].partition(b"\n")
    # Left twice; Backspace redraws "lp" and a blank, steps back 3;
    # "e" redraws "elp" and steps back 2.
    assert echo == (b"hwlp" + LEFT + LEFT + b"\blp \x1b[3D" +
                    b"elp\x1b[2D")
    assert rest.startswith(b"commands:")


def test_right_arrow_home_end_and_delete():
    # "xelp": Home, Delete the x, type h: "help"; End, Right rings.
    out = shell(b"xelp" + HOME + DELETE + b"h" + END + RIGHT + b"\r")
    parts = replies(out)
    echo, _, rest = parts[0].partition(b"\n")
    assert echo == (b"xelp" + b"\x1b[4D" + b"elp \x1b[4D" + b"help\x1b[3D"
                    + b"\x1b[3C" + BEL)
    assert rest.startswith(b"commands:")


def test_keys_that_cannot_act_ring_the_bell():
    out = shell(LEFT + b"\x7f" + UP + DOWN + b"\t")
    assert out == BANNER + PROMPT + BEL * 5


def test_up_arrow_recalls_history_and_down_returns_to_the_draft():
    out = shell(b"mem\rps\r" + b"dra" + UP + UP + DOWN + DOWN + b"ft\r")
    parts = replies(out)
    echo = parts[2].partition(b"\n")[0]
    redraw = b"\r" + PROMPT
    assert echo == (b"dra" + redraw + b"ps\x1b[K" + redraw + b"mem\x1b[K" +
                    redraw + b"ps\x1b[K" + redraw + b"dra\x1b[K" + b"ft")
    assert parts[2].endswith(b"unknown command: draft (try help)\n")


def test_recalled_line_runs_and_history_holds_at_least_16():
    lines = [b"c%d" % i for i in range(1, 21)]
    keys = b"".join(l + b"\r" for l in lines) + UP * 16 + b"\r"
    parts = replies(shell(keys))
    assert parts[20].endswith(b"unknown command: c5 (try help)\n")


def test_repeated_lines_are_stored_once():
    parts = replies(shell(b"mem\rps\rps\r" + UP + UP + b"\r"))
    assert b"\r" + PROMPT + b"mem\x1b[K" in parts[3]
    assert parts[3].endswith(b"(1024 KiB)\n")


def test_ctrl_c_drops_the_line():
    parts = replies(shell(b"hel\x03ps\r"))
    assert parts[0] == b"hel^C\n"
    assert parts[1].startswith(b"ps\nPID")
    assert b"unknown command" not in b"".join(parts)


def test_ctrl_u_clears_the_line():
    parts = replies(shell(b"garbage\x15help\r"))
    echo, _, rest = parts[0].partition(b"\n")
    assert echo == b"garbage\r" + PROMPT + b"\x1b[Khelp"
    assert rest.startswith(b"commands:")


def test_over_long_line_is_refused_with_bells_never_overflows():
    keys = b"x" * 300 + b"\r" + b"help\r"
    parts = replies(shell(keys))
    echo, _, rest = parts[0].partition(b"\n")
    assert echo == b"x" * 256 + BEL * 44
    assert rest == b"unknown command: " + b"x" * 256 + b" (try help)\n"
    # The shell carries on.
    assert parts[1].startswith(b"help\ncommands:")


def test_insertion_into_a_full_line_is_refused():
    keys = b"y" * 256 + LEFT + b"z" + b"\x15" + b"ps\r"
    parts = replies(shell(keys))
    assert parts[0].startswith(b"y" * 256 + LEFT + BEL)
    assert b"\nPID" in parts[0]


@pytest.mark.parametrize("line", [
    b"arcobj get 12",
    b"arcobj get " + b"0" * 63,
    b"arcobj delete " + b"0" * 63 + b"g",
    b"arcobj rm " + b"0" * 65,
    b"arcobj get " + b"a" * 32 + b" " + b"a" * 32,
])
def test_malformed_hash_is_refused_before_sending(line):
    (text,) = run_lines(line)
    assert text == "arcobj: malformed hash (want 64 hex digits)\n"


def test_arcobj_usage():
    texts = run_lines(b"arcobj", b"arcobj frob", b"arcobj put",
                      b"arcobj list extra", b"arcobj share",
                      b"arcobj share 1234 text", b"arcobj share " +
                      b"ab" * 32, b"arcobj share " + b"ab" * 32 + b"x")
    usage = ("usage: arcobj put <text> | share <principal> <text> | "
             "get <hash> | list | delete <hash>\n")
    share = "usage: arcobj share <principal: 64 hex digits> <text>\n"
    assert texts == [usage, usage, "usage: arcobj put <text>\n", usage,
                     share, share, share, share]


def test_arcobj_without_fs_service_times_out_in_about_2_s():
    start = time.monotonic()
    texts = run_lines(b"arcobj get " + HELLO_HASH.encode())
    took = time.monotonic() - start
    assert texts == ["arcobj: object store not available "
                     "(no answer from fs-service)\n"]
    assert 1.9 <= took < 6


def test_arcobj_round_trip_with_the_fs_service_model():
    texts = run_lines(b"arcobj list",
                      b"arcobj put hello world",
                      b"arcobj put hello world",
                      b"arcobj list",
                      b"arcobj get " + HELLO_HASH.upper().encode(),
                      b"arcobj del " + HELLO_HASH.encode(),
                      b"arcobj get " + HELLO_HASH.encode(),
                      b"arcobj delete " + HELLO_HASH.encode(),
                      b"arcobj list", fs=True)
    assert texts == [
        "(none)\n",
        f"stored: {HELLO_HASH}\n",
        f"stored: {HELLO_HASH}\n",  # idempotent
        f"1 object\n{HELLO_HASH}\n",
        "11 bytes\nhello world\n",
        "deleted\n",
        "arcobj: no such object\n",
        "arcobj: no such object\n",
        "(none)\n",
    ]


def test_arcobj_list_shows_at_most_seven():
    lines = [b"arcobj put object %d" % i for i in range(9)] + [b"arcobj list"]
    texts = run_lines(*lines, fs=True)
    listing = texts[-1].splitlines()
    assert listing[0] == "7 objects (the protocol lists at most 7)"
    assert len(listing) == 8
    stored = [t.split()[1] for t in texts[:7]]
    assert listing[1:] == stored


def test_terminal_session_with_pexpect():
    # Through a pty: urun puts it in raw mode, ^C reaches the shell as a
    # byte, and Ctrl-] ends the input.
    child = pexpect.spawn(URUN, ["-t", "20", SHELL], timeout=10)
    try:
        child.expect_exact(PROMPT)
        child.send(b"uptime\r")
        child.expect(rb"up \d+:\d\d:\d\d\.\d\d \(\d+ ticks at 100 Hz\)")
        child.expect_exact(PROMPT)
        child.send(b"ps")
        child.expect_exact(b"ps")
        child.send(b"\x03")
        child.expect_exact(b"^C")
        child.expect_exact(PROMPT)
        child.send(UP + b"\r")  # history: uptime
        child.expect(rb"\(\d+ ticks at 100 Hz\)")
        child.expect_exact(PROMPT)
        child.send(b"\x1d")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
