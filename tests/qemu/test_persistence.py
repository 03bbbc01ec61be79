"""Objects on a virtio-blk disk through the whole chain (docs/services.md):
key-store, fs-service, the user-space virtio-blk driver, the kernel's disk
store over IPC, and the shell, driven over the serial console.

- put three objects, list, get (hash = host BLAKE3), reboot on the same
  image, list and get again; a delete persists across a reboot;
- the image the OS wrote is read by cambios-objtool on the host (same
  list, same contents, check clean), and an image cambios-objtool wrote is
  read by the OS;
- a disk with a damaged superblock: a clear error in the shell, the OS
  stays up, the image is not touched (byte for byte);
- a store filled to capacity: a clear "store full", nothing lost, also
  after a reboot;
- QEMU killed abruptly during a stream of puts: every put acknowledged
  before the kill is on the disk after it (read by the OS and objtool).
"""
import hashlib
import os
import re
import subprocess

from conftest import BUILD, HOST_BIN, user_prog
from shell_session import arcobj_list, arcobj_put, b3sum, shell_run
from shell_session import wait_prompt

BLOCK = 4096
KEYS = os.path.join(BUILD, "keys")
OBJTOOL = os.path.join(HOST_BIN, "cambios-objtool")


def b3(data):
    return b3sum(HOST_BIN, data)


def objtool(img, *args, check=0):
    p = subprocess.run([OBJTOOL, str(img), *map(str, args)],
                       capture_output=True)
    assert p.returncode == check, (args, p.returncode, p.stderr)
    return p.stdout.decode()


def blank_image(tmp_path, blocks=1024, name="disk.img"):
    img = tmp_path / name
    img.write_bytes(bytes(blocks * BLOCK))
    return img


def chain(img, tail=("shell",)):
    return ([user_prog("key-store"), user_prog("fs-service"),
             user_prog("virtio-blk")] + [user_prog(t) for t in tail],
            ["-drive", f"file={img},if=none,id=d0,format=raw",
             "-device", "virtio-blk-pci,drive=d0"])


def start(boot, img, smp=1):
    modules, qemu_args = chain(img)
    m = boot("", smp=smp, timeout=120, modules=modules, qemu_args=qemu_args)
    wait_prompt(m.child)
    return m


def run(m, line, timeout=60):
    return shell_run(m.child, line, timeout)


def put(m, text):
    return arcobj_put(m.child, text)


def listed(m):
    return arcobj_list(m.child)


def stop(m):
    m.kill()


TEXTS = ["persistent object one", "second: survives reboots", "3"]


def test_objects_survive_reboot_and_delete_persists(boot, tmp_path):
    img = blank_image(tmp_path)
    m = start(boot, img, smp=2)
    hashes = [put(m, t) for t in TEXTS]
    assert hashes == [b3(t.encode()) for t in TEXTS]
    assert listed(m) == set(hashes)
    for t, h in zip(TEXTS, hashes):
        assert t in run(m, f"arcobj get {h}")
    out = m.output()
    assert "objstore: disk store mounted" in out
    st = run(m, "store")
    assert "object store: disk (virtio-blk), 3 objects in 511 slots" in st
    assert re.search(r"block driver: [1-9]\d* requests, 0 timed out, 0 "
                     r"failed", st), st
    stop(m)

    m = start(boot, img)
    assert listed(m) == set(hashes)
    for t, h in zip(TEXTS, hashes):
        assert t in run(m, f"arcobj get {h}")
    assert "deleted" in run(m, f"arcobj delete {hashes[0]}")
    stop(m)

    m = start(boot, img)
    assert listed(m) == set(hashes[1:])
    assert "no such object" in run(m, f"arcobj get {hashes[0]}")
    stop(m)

    # The host tool reads what the OS wrote: same objects, same bytes,
    # owner = the shell's Principal (the bootstrap key), check clean.
    assert set(re.findall(r"^([0-9a-f]{64})", objtool(img, "list"),
                          re.MULTILINE)) == set(hashes[1:])
    for t, h in zip(TEXTS[1:], hashes[1:]):
        out = tmp_path / "out.bin"
        objtool(img, "get", h, "--out", out)
        assert out.read_bytes() == t.encode()
    objtool(img, "check")


def test_os_reads_an_image_objtool_wrote(boot, tmp_path):
    img = tmp_path / "tool.img"
    objtool(img, "format", "--blocks", 512)
    hashes = {}
    for i, text in enumerate([b"written on the host", b"by cambios-objtool"]):
        f = tmp_path / f"c{i}"
        f.write_bytes(text)
        # Signed with the key store's key, owned by the shell's Principal.
        out = objtool(img, "put", f, "--key",
                      os.path.join(KEYS, "object-signing.seed"), "--owner",
                      os.path.join(KEYS, "bootstrap_pubkey.bin"))
        hashes[b3(text)] = text
        assert b3(text) in out
    m = start(boot, img)
    assert listed(m) == set(hashes)
    for h, text in hashes.items():
        assert text.decode() in run(m, f"arcobj get {h}")
    stop(m)


def test_damaged_superblock_is_reported_not_reformatted(boot, tmp_path):
    img = tmp_path / "bad.img"
    objtool(img, "format", "--blocks", 256)
    f = tmp_path / "c"
    f.write_bytes(b"an object on a disk about to be damaged")
    objtool(img, "put", f, "--key", os.path.join(KEYS, "object-signing.seed"),
            "--owner", os.path.join(KEYS, "bootstrap_pubkey.bin"))
    data = bytearray(img.read_bytes())
    data[100] ^= 0x01  # inside the superblock: its checksum fails
    img.write_bytes(bytes(data))
    before = hashlib.sha256(img.read_bytes()).hexdigest()

    m = start(boot, img)
    out = run(m, "arcobj list")
    assert "object store unavailable" in out
    assert "corrupt" in out and "left as it is" in out
    assert "object store unavailable" in run(m, "arcobj put more")
    assert "object store: offline: corrupt data" in run(m, "store")
    # The OS stays up.
    assert "ticks" in run(m, "uptime")
    assert "disk store unavailable" in m.output()
    stop(m)
    assert hashlib.sha256(img.read_bytes()).hexdigest() == before


def test_store_full_is_clear_and_loses_nothing(boot, tmp_path):
    img = tmp_path / "small.img"
    objtool(img, "format", "--blocks", 16)  # 7 slots
    m = start(boot, img)
    hashes = [put(m, f"object number {i}") for i in range(7)]
    out = run(m, "arcobj put one too many")
    assert "object store full" in out
    assert listed(m) == set(hashes)
    stop(m)
    m = start(boot, img)
    for i, h in enumerate(hashes):
        assert f"object number {i}" in run(m, f"arcobj get {h}")
    stop(m)
    assert len(re.findall(r"^[0-9a-f]{64}", objtool(img, "list"),
                          re.MULTILINE)) == 7


def test_kill_during_puts_keeps_every_acknowledged_put(boot, tmp_path):
    img = blank_image(tmp_path, blocks=512)
    modules, qemu_args = chain(img, tail=("put_stream",))
    m = boot("", timeout=180, modules=modules, qemu_args=qemu_args)
    acked = {}
    while len(acked) < 12:
        m.child.expect(r"put_stream: acked (\d+) ([0-9a-f]{64})")
        acked[int(m.child.match.group(1))] = m.child.match.group(2)
    m.child.kill(9)  # abruptly: no shutdown, whatever was in flight
    m.kill()

    on_disk = set(re.findall(r"^([0-9a-f]{64})", objtool(img, "list"),
                             re.MULTILINE))
    for i, h in acked.items():
        assert h in on_disk, i
        assert h == b3(f"stream object {i}".encode())
    objtool(img, "check")

    m = start(boot, img)
    for i, h in list(acked.items())[:3]:
        assert f"stream object {i}" in run(m, f"arcobj get {h}")
    stop(m)
