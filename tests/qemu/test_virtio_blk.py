"""The virtio-blk driver service (docs/virtio-blk.md): the `virtio-blk`
boot module finds the disk through DeviceInfo, starts it over PortIo
(legacy) or over the registers its vendor capabilities name, mapped with
MapMmio (modern-only, `disable-legacy=on`), with its rings in AllocDma
memory, reads block 0 and flushes (its self-test, completed by WaitIrq),
registers endpoints 24 and 26, releases the next module, and answers
`blk_client`'s requests on 24.  Without a disk it answers NO_DEVICE.  The
kernel's disk store runs over it through endpoints 26 and 25, on both
transports."""
import re

import pytest

from conftest import user_prog

PROMPT = "cambios> "
BLOCK0 = b"virtio-blk test!"  # exactly 16 bytes: the self-test logs them
OK, ERROR, NO_DEVICE, UNIMPLEMENTED = 0, 1, 2, 4


def disk_image(tmp_path, size):
    data = bytearray(size)
    data[0:16] = BLOCK0
    path = tmp_path / "disk.img"
    path.write_bytes(bytes(data))
    return path


def boot_driver(boot, qemu_args, smp=1):
    modules = [user_prog("virtio-blk"), user_prog("blk_client")]
    return boot("", smp=smp, timeout=180, modules=modules,
                qemu_args=qemu_args)


def answers(m):
    """Run the client to its end; return {request: (len, st, value)}."""
    m.expect(r"blk_client: done")
    out = m.output()
    assert "EXCEPTION" not in out and "PANIC" not in out
    assert "blk_client: FAIL" not in out
    got = {}
    for name, n, st, value in re.findall(
            r"blk_client: (\w+) len=(\d+) st=(\d+)(?: value=(\d+))?\r?$",
            out, re.MULTILINE):
        got[name] = (int(n), int(st), int(value) if value else None)
    return out, got


@pytest.mark.parametrize("size,smp", [(1 << 20, 1), (3 * 1024 * 1024 + 512, 2)])
def test_driver_serves_a_disk(boot, tmp_path, size, smp):
    img = disk_image(tmp_path, size)
    m = boot_driver(boot, ["-drive", f"file={img},if=none,id=d0,format=raw",
                           "-device", "virtio-blk-pci,drive=d0"], smp=smp)
    out, got = answers(m)
    sectors = size // 512

    # Start-up: the legacy device, its geometry, the self-test read of
    # block 0 (the image's first 16 bytes) and a flush, both by interrupt.
    assert re.search(r"virtio-blk: 00:[0-9a-f]{2}\.0 1af4:1001 legacy, io "
                     r"0x[0-9a-f]+\+0x[0-9a-f]+, irq \d+", out)
    assert (f"virtio-blk: capacity {sectors} sectors ({sectors // 8} blocks)"
            f", queue 256, flush yes") in out
    assert (f"virtio-blk: self-test block 0 {BLOCK0.hex()} "
            f"'{BLOCK0.decode()}', flush ok") in out
    assert "virtio-blk: serving endpoints 24 and 26" in out

    # The user protocol of endpoint 24.
    assert got["GET_STATUS"] == (2, OK, 1)
    assert got["GET_CAPACITY"] == (9, OK, sectors)
    assert got["FLUSH"] == (1, OK, None)
    assert got["READ_BLOCK"] == (1, UNIMPLEMENTED, None)
    assert got["WRITE_BLOCK"] == (1, UNIMPLEMENTED, None)
    assert got["UNKNOWN"] == (1, ERROR, None)


def test_no_disk_answers_no_device(boot):
    m = boot_driver(boot, [])
    out, got = answers(m)
    assert "virtio-blk: no device: every request is answered NO_DEVICE" in out
    assert "virtio-blk: serving endpoints 24 and 26" in out
    assert len(got) == 6
    for name, answer in got.items():
        assert answer == (1, NO_DEVICE, None), name


def test_modern_only_device_is_driven(boot, tmp_path):
    """A modern-only device (1AF4:1042): no I/O window; the common,
    notify, ISR and device regions found through DeviceInfo's vendor
    capabilities, VERSION_1 negotiated, the 64-bit ring addresses, the
    self-test read and flush by interrupt, capacity, and endpoint 24."""
    size = 2 << 20
    img = disk_image(tmp_path, size)
    m = boot_driver(boot, ["-drive", f"file={img},if=none,id=d0,format=raw",
                           "-device",
                           "virtio-blk-pci,drive=d0,disable-legacy=on"])
    out, got = answers(m)
    sectors = size // 512
    assert "not supported" not in out
    assert re.search(r"virtio-blk: 00:[0-9a-f]{2}\.0 1af4:1042 modern, "
                     r"common bar\d\+0x[0-9a-f]+ notify bar\d\+0x[0-9a-f]+ "
                     r"x\d+, irq \d+", out)
    assert (f"virtio-blk: capacity {sectors} sectors ({sectors // 8} blocks)"
            f", queue 256, flush yes") in out
    assert (f"virtio-blk: self-test block 0 {BLOCK0.hex()} "
            f"'{BLOCK0.decode()}', flush ok") in out
    assert got["GET_STATUS"] == (2, OK, 1)
    assert got["GET_CAPACITY"] == (9, OK, sectors)
    assert got["FLUSH"] == (1, OK, None)
    assert got["READ_BLOCK"] == (1, UNIMPLEMENTED, None)


@pytest.mark.parametrize("device", ["virtio-blk-pci",
                                    "virtio-blk-pci,disable-legacy=on"])
def test_kernel_disk_store_through_the_driver(boot, tmp_path, device):
    """End to end over endpoints 26 and 25, on the legacy and the modern
    transport: the kernel's object store formats a blank disk through the
    driver (HANDSHAKE, CAPACITY, block reads, writes and flushes in the
    shared page), obj_test's objects go to it, and a second boot on the
    same image finds them there."""
    img = tmp_path / "store.img"
    img.write_bytes(bytes(8 << 20))
    drive = ["-drive", f"file={img},if=none,id=d0,format=raw",
             "-device", f"{device},drive=d0"]
    modules = [user_prog("virtio-blk"), user_prog("obj_test")]
    kind = "modern" if "disable-legacy" in device else "legacy"

    m = boot("", timeout=240, modules=modules, qemu_args=drive)
    m.expect(r"obj_test: done", timeout=240)
    out = m.output()
    m.kill()
    assert "EXCEPTION" not in out and "PANIC" not in out
    assert re.search(rf"virtio-blk: \S+ 1af4:10(01|42) {kind}", out)
    assert "objstore: disk store mounted: 0 objects" in out
    for check in ("put", "put_again", "get_len", "get_content", "delete",
                  "get_deleted", "list_empty"):
        assert re.search(rf"obj_test: {check} ret=\S+ want=\S+ ok", out), \
            check
    assert re.search(r"obj_test: refill ret=257 want=257 ok", out)
    assert "virtio-blk: kernel command" not in out  # no failed command
    assert any(img.read_bytes()[:4096])  # formatted

    m = boot("", timeout=240, modules=modules, qemu_args=drive)
    m.expect(r"obj_test: done", timeout=240)
    out = m.output()
    # The driver's self-test reads the store's superblock back.
    assert re.search(r"virtio-blk: self-test block 0 [0-9a-f]{32} 'ARCOBJ00",
                     out)
    stored = re.search(r"objstore: disk store mounted: (\d+) objects", out)
    assert stored and int(stored.group(1)) >= 257


def test_chain_persists_over_a_modern_only_disk(boot, tmp_path):
    """The boot chain (key-store, fs-service, virtio-blk, put_stream) on a
    modern-only device: acknowledged puts reach the disk; after a reboot
    on the same image with the shell, the kernel's store mounts them and
    `arcobj get` reads them back through the chain."""
    img = tmp_path / "chain.img"
    img.write_bytes(bytes(512 * 4096))
    drive = ["-drive", f"file={img},if=none,id=d0,format=raw",
             "-device", "virtio-blk-pci,drive=d0,disable-legacy=on"]
    chain = [user_prog("key-store"), user_prog("fs-service"),
             user_prog("virtio-blk")]

    m = boot("", timeout=180, modules=chain + [user_prog("put_stream")],
             qemu_args=drive)
    acked = {}
    while len(acked) < 6:
        m.child.expect(r"put_stream: acked (\d+) ([0-9a-f]{64})")
        acked[int(m.child.match.group(1))] = m.child.match.group(2)
    out = m.output()
    m.kill()
    assert re.search(r"virtio-blk: \S+ 1af4:1042 modern", out)
    assert "virtio-blk: kernel command" not in out

    m = boot("", timeout=180, modules=chain + [user_prog("shell")],
             qemu_args=drive)
    m.child.expect(r"CambiOS-C shell \(pid \d+\)")
    m.child.expect_exact(PROMPT)
    for i, h in list(acked.items())[:4]:
        m.child.send(f"arcobj get {h}\r")
        m.child.expect_exact("\n" + PROMPT, timeout=60)
        assert f"stream object {i}" in m.child.before, (i, m.child.before)
    out = m.output()
    m.kill()
    assert "EXCEPTION" not in out and "PANIC" not in out
    assert re.search(r"virtio-blk: \S+ 1af4:1042 modern", out)
    stored = re.search(r"objstore: disk store mounted: (\d+) objects", out)
    assert stored and int(stored.group(1)) >= len(acked)
    assert re.search(r"virtio-blk: self-test block 0 [0-9a-f]{32} 'ARCOBJ00",
                     out)
