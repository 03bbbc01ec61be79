"""The compositor service (docs/compositor.md section 2) with its
headless backend: booted with the test client user/tests/comp_client.c
and no scanout driver, it must answer every request of the client
protocol with the Headless status, answer malformed requests with an
error naming the request, keep the framebuffer from a process without
the capability, and, once idle, leave the CPU halted: it blocks in
RecvMsg instead of polling.  The halt state is read from outside through
QMP; a control run with a busy program shows the measure can tell."""
import re
import time

from conftest import user_prog
from qmp import QMP, qmp_args


def boot_compositor(boot, tmp_path, extra=()):
    sock = tmp_path / "qmp.sock"
    modules = [user_prog("compositor"), user_prog("comp_client"),
               *(user_prog(p) for p in extra)]
    m = boot("", smp=1, timeout=120, modules=modules,
             qemu_args=qmp_args(sock))
    return m, sock


def halted_samples(sock, samples=20):
    """How many of `samples` looks at the only CPU find it halted."""
    qmp = QMP(str(sock))
    try:
        halted = 0
        for _ in range(samples):
            regs = qmp.hmp("info registers")
            assert "HLT=" in regs, regs
            halted += "HLT=1" in regs
            time.sleep(0.05)
        return halted
    finally:
        qmp.close()


def test_headless_compositor_answers_and_sleeps(boot, tmp_path):
    m, sock = boot_compositor(boot, tmp_path)
    m.expect(r"comp_client: done")
    out = m.output()
    assert "EXCEPTION" not in out and "PANIC" not in out
    assert "compositor: endpoint 28, headless (no scanout driver)" in out

    # The client protocol, headless: zero displays, everything else
    # refused with the Headless status.
    assert ("comp_client: query_displays -> displays status=headless "
            "mode=headless displays=0") in out
    assert "comp_client: display_info -> info status=headless" in out
    assert "comp_client: create_surface -> surface status=headless" in out
    assert "comp_client: frame_ready -> frame status=headless value=0x1" in out

    # Malformed requests: an error reply naming the request's tag, and a
    # line from the compositor.
    for what, tag, size in (("long_query", "0x301", 12),
                            ("frame_17_rects", "0x304", 152),
                            ("unknown_tag", "0x4242", 8),
                            ("one_byte", "0", 1)):
        assert re.search(rf"comp_client: {what} -> error status=bad request "
                         rf"value={tag}\b", out), what
        assert re.search(rf"compositor: malformed request \(tag {tag}, "
                         rf"{size} bytes\)", out), what

    # MapFramebuffer is for fb-demo only.
    assert "comp_client: map_framebuffer ret=-2" in out
    assert "answer to endpoint" not in out          # nothing was lost

    # Idle: the client has exited, the compositor waits for messages.
    # With nothing runnable the CPU halts between timer ticks.
    time.sleep(0.5)
    assert halted_samples(sock) >= 16
    assert m.child.isalive()


def test_busy_cpu_is_seen(boot, tmp_path):
    """Control: with `hog` spinning next to the compositor the CPU is
    never found halted, so the idle check above is meaningful."""
    m, sock = boot_compositor(boot, tmp_path, extra=("hog",))
    m.expect(r"comp_client: done")
    assert halted_samples(sock) <= 2
