"""MapFramebuffer (35) and fb-demo (docs/compositor.md section 1): GRUB
hands the kernel the firmware's linear framebuffer (the kernel's
multiboot2 header asks for one, any mode), the kernel checks it at boot,
fb-demo maps it and draws four coloured quadrants inside a black border,
and a QMP screen dump of the real display must show them.  Without a
graphics card GRUB reports only an EGA text "framebuffer", which the
kernel refuses: MapFramebuffer then answers -ENODEV."""
import re

import pytest

from conftest import user_prog
from qmp import QMP, pixel, qmp_args

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
BORDER = 16                                # as user/tests/fb_demo.c


def expected(x, y, width, height):
    """The colour fb-demo draws at (x, y)."""
    if (x < BORDER or y < BORDER or x >= width - BORDER
            or y >= height - BORDER):
        return BLACK
    right, bottom = x >= width // 2, y >= height // 2
    if not bottom:
        return GREEN if right else RED
    return WHITE if right else BLUE


@pytest.mark.parametrize("firmware", ["bios", "uefi"])
def test_fb_demo_pattern_on_screen(boot, tmp_path, firmware):
    sock = tmp_path / "qmp.sock"
    m = boot("", firmware=firmware, timeout=120,
             modules=[user_prog("fb-demo")], qemu_args=qmp_args(sock))
    geo = m.expect(r"fb-demo: (\d+)x(\d+) bpp=(\d+) pitch=(\d+) "
                   r"red=(\d+)@(\d+) green=(\d+)@(\d+) blue=(\d+)@(\d+)")
    width, height, bpp, pitch = (int(v) for v in geo.groups()[:4])
    sizes = [int(v) for v in geo.groups()[4::2]]
    assert sizes == [8, 8, 8], "QEMU's modes have 8-bit channels"
    assert bpp in (24, 32) and pitch >= width * bpp // 8
    readback = m.expect(r"fb-demo: drew pattern, readback (\w+)")
    out = m.output()
    assert readback.group(1) == "ok", out

    # The kernel's boot line agrees with what fb-demo was told.
    assert re.search(rf"fb: {width}x{height}, {bpp} bpp, pitch {pitch} "
                     r"at 0x[0-9a-f]+", out), out
    # Error paths and the once-per-process mapping.
    for probe in ("short_len", "index_1", "null_out", "kernel_out"):
        assert re.search(rf"fb-demo: {probe} ret=-1 want=-1 ok", out), probe
    assert "fb-demo: second map same address ok" in out
    assert "BAD" not in out

    qmp = QMP(str(sock))
    try:
        image = qmp.screendump(tmp_path / "screen.ppm")
    finally:
        qmp.close()
    assert image[:2] == (width, height)
    points = [(width // 4, height // 4), (3 * width // 4, height // 4),
              (width // 4, 3 * height // 4),
              (3 * width // 4, 3 * height // 4),
              (BORDER, BORDER), (width - BORDER - 1, height - BORDER - 1),
              (0, 0), (width - 1, height - 1), (BORDER - 1, height // 2),
              (width // 2, height - BORDER)]
    for x, y in points:
        assert pixel(image, x, y) == expected(x, y, width, height), (x, y)
    # Every pixel of two full rows through both halves of the screen.
    for y in (height // 4, 3 * height // 4):
        for x in range(width):
            assert pixel(image, x, y) == expected(x, y, width, height), \
                (x, y)


def test_no_framebuffer_without_graphics(boot):
    """QEMU without a VGA card: GRUB reports EGA text mode, the kernel
    refuses it, MapFramebuffer answers -ENODEV."""
    m = boot("", timeout=60, modules=[user_prog("fb-demo")],
             qemu_args=["-vga", "none"])
    m.expect(r"fb-demo: no framebuffer \(no such device\)")
    out = m.output()
    assert "fb: framebuffer refused: not a direct-RGB framebuffer" in out
    assert "fb-demo: drew" not in out
