"""The device layer for user-space drivers (docs/devices.md): the PCI scan
at boot, DeviceInfo, PortIo, MapMmio, AllocDma (with its guard pages),
WaitIrq on a real device's interrupt line, and ConsoleRead from the serial
console, driven by user/tests/dev_probe.c with a virtio-blk device and a
small scratch drive attached.  Nothing here depends on timing: input is
typed only after the program says it is ready, and every wait is for a
line of output."""
import re

import pytest

from conftest import user_prog

SECTOR0 = b"sector-0 of test"
SECTOR1 = b"sector-1 of test"


def scratch_drive(tmp_path):
    """A 64 KiB raw image whose first two sectors start with known text."""
    data = bytearray(64 * 1024)
    data[0:len(SECTOR0)] = SECTOR0
    data[512:512 + len(SECTOR1)] = SECTOR1
    path = tmp_path / "scratch.img"
    path.write_bytes(bytes(data))
    return ["-drive", f"file={path},if=none,id=scratch,format=raw",
            "-device", "virtio-blk-pci,drive=scratch"]


def boot_probe(boot, tmp_path, firmware, smp):
    # dev_probe alone: its free-frame counts must not see other
    # processes start or end.
    modules = [user_prog("dev_probe"), user_prog("irq_thief") + ":spawn-only"]
    return boot("", smp=smp, firmware=firmware, timeout=180, modules=modules,
                qemu_args=scratch_drive(tmp_path))


def run_probe(m):
    """Type into the console when asked; return the output at the end."""
    m.expect(r"dev_probe: console wait ready")
    m.child.send("abc")
    m.expect(r"dev_probe: console poll ready")
    m.child.send("xyz")
    m.expect(r"dev_probe: done ok=(\d+) bad=(\d+)")
    return m.output()


@pytest.mark.parametrize("firmware,smp", [("bios", 2), ("uefi", 1)])
def test_device_syscalls(boot, tmp_path, firmware, smp):
    m = boot_probe(boot, tmp_path, firmware, smp)
    out = run_probe(m)
    assert "EXCEPTION" not in out and "PANIC" not in out

    # The boot scan: one line per function, the virtio-blk device with
    # its legacy I/O BAR, its interrupt line and its memory BARs.
    assert re.search(r"pci: 00:00\.0 8086:1237 class 06\.00", out)
    blk = re.search(r"pci: 00:0[0-9a-f]\.0 1af4:1001 class 01\.00 if 00 "
                    r"irq (\d+) pin A bar0 io 0x[0-9a-f]+\+0x80 .*mem", out)
    assert blk, "virtio-blk not in the boot scan"
    irq = int(blk.group(1))
    assert re.search(r"pci: \d+ functions", out)

    # DeviceInfo lists the same device to user space.
    assert re.search(rf"dev_probe: dev \d+ 00:0[0-9a-f]\.0 1af4:1001 class "
                     rf"01\.00 irq {irq} pin 1 bars 3", out)
    assert re.search(r"dev_probe: dev \d+ 00:02\.0 1234:1111 class 03\.00",
                     out)
    assert re.search(r"dev_probe: dev \d+ bar0 io 0x[0-9a-f]+\+0x80", out)

    # Every probe answered as documented.
    probes = re.findall(r"^dev_probe: (\S+) (?:ret=\S+ want=\S+ )?"
                        r"(ok|BAD)\r?$", out, re.MULTILINE)
    bad = [name for name, verdict in probes if verdict == "BAD"]
    assert not bad, bad
    names = {name for name, _ in probes}
    for name in ("port_com1", "port_pci_config", "port_no_bar",
                 "port_width3", "port_word_odd", "port_dword_unaligned",
                 "port_read_in_bar", "mmio_lapic", "mmio_ioapic", "mmio_ram",
                 "mmio_past_bar", "mmio_map_bar", "mmio_free", "dma_alloc",
                 "dma_zeroed", "dma_beyond_buddy", "dma_readonly_out",
                 "dma_free", "dma_free_again", "irq_224",
                 "irq_console_line", "irq_no_controller", "virtio_setup",
                 "virtio_read_irq_0", "virtio_read_irq_1", "spawn_irq_thief",
                 "irq_thief_exit", "console_empty", "console_too_long",
                 "console_null_buf_wait", "console_readonly_buf"):
        assert name in names, f"probe {name} did not run"
    ok, bad_count = map(int, re.search(r"dev_probe: done ok=(\d+) bad=(\d+)",
                                       out).groups())
    assert bad_count == 0 and ok == len(probes)

    # AllocDma: a page-aligned physical address; Free returns every
    # block whole (no frame leaks over 200 rounds).
    dma = re.search(r"dev_probe: dma vaddr=0x([0-9a-f]+) paddr=0x([0-9a-f]+)",
                    out)
    assert dma and int(dma.group(2), 16) % 4096 == 0
    before, after = map(int, re.search(
        r"dma_cycles free_before=(\d+) free_after=(\d+)", out).groups())
    assert before == after

    # WaitIrq on the device's line: both reads completed by interrupt,
    # and the data is the drive's.
    assert f"dev_probe: sector 0 '{SECTOR0.decode()}'" in out
    assert f"dev_probe: sector 1 '{SECTOR1.decode()}'" in out
    # Another process is refused the line while its owner lives.
    assert re.search(rf"irq_thief: wait_irq\({irq}\) ret=-2 want=-2 ok", out)

    # ConsoleRead: the blocking reads and the polled ones got the typed
    # bytes, in order.
    assert re.findall(r"dev_probe: wait got 0x([0-9a-f]{2})", out) == \
        ["61", "62", "63"]
    assert re.findall(r"dev_probe: poll got 0x([0-9a-f]{2})", out) == \
        ["78", "79", "7a"]


def test_dma_guard_pages_fault(boot, tmp_path):
    m = boot("", smp=1, timeout=120,
             modules=[user_prog("dma_guard_low"),
                      user_prog("dma_guard_high"), user_prog("hello")])
    for which in ("low", "high"):
        # Up to the line's end: a match must not stop inside the number.
        addr = m.expect(rf"dma_guard_{which}: touching 0x([0-9a-f]+)\r").group(1)
        m.expect(rf"process \d+ \(dma_guard_{which}\) killed: #PF page fault "
                 rf"at pc 0x[0-9a-f]+, address 0x{addr}, error 0x6")
    # The system carries on.
    m.expect(r"hello from user space, pid \d+")
    out = m.output()
    assert "survived" not in out
    assert "EXCEPTION" not in out and "PANIC" not in out
