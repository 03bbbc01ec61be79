"""Signed boot modules: a tampered module, an unsigned one and one signed by
a foreign key are each refused with one log line, while the others boot."""
import os
import subprocess

from conftest import HOST_BIN, user_prog

TRAILER = 72


def make_variants(tmp_path):
    good = open(user_prog("hello"), "rb").read()
    payload = good[:-TRAILER]

    tampered = bytearray(good)
    tampered[len(payload) // 2] ^= 0x01
    (tmp_path / "tampered.elf").write_bytes(bytes(tampered))

    (tmp_path / "unsigned.elf").write_bytes(payload)

    seed = tmp_path / "foreign.seed"
    subprocess.run([os.path.join(HOST_BIN, "cambios-keygen"), str(seed)],
                   check=True, capture_output=True)
    (tmp_path / "foreign_in.elf").write_bytes(payload)
    subprocess.run([os.path.join(HOST_BIN, "cambios-sign"), "--key", str(seed),
                    "-o", str(tmp_path / "foreign.elf"),
                    str(tmp_path / "foreign_in.elf")],
                   check=True, capture_output=True)
    return [str(tmp_path / n) for n in ("tampered.elf", "unsigned.elf",
                                        "foreign.elf")]


def test_bad_modules_refused_and_the_rest_boot(boot, tmp_path):
    bad = make_variants(tmp_path)
    m = boot("", timeout=120, modules=[*bad, user_prog("hello")])
    m.expect(r"loader: tampered refused: InvalidSignature")
    m.expect(r"loader: unsigned refused: MissingSignature")
    m.expect(r"loader: foreign refused: InvalidSignature")
    m.expect(r"boot: 1 of 4 boot modules started")
    m.expect(r"hello from user space, pid \d+")
    out = m.output()
    # One line each, and no process was made for them.
    for name in ("tampered", "unsigned", "foreign"):
        assert out.count(f"loader: {name} refused") == 1
        assert f"proc: {name} is process" not in out


def test_every_byte_matters(boot, tmp_path):
    # A change in the first byte (the ELF magic) and in the signature
    # itself are both caught by the signature check.
    good = bytearray(open(user_prog("hello"), "rb").read())
    first = bytearray(good)
    first[0] ^= 0x80
    sig = bytearray(good)
    sig[-TRAILER] ^= 0x01
    (tmp_path / "firstbyte.elf").write_bytes(bytes(first))
    (tmp_path / "sigbyte.elf").write_bytes(bytes(sig))
    m = boot("", timeout=120, modules=[str(tmp_path / "firstbyte.elf"),
                                       str(tmp_path / "sigbyte.elf"),
                                       user_prog("hello")])
    m.expect(r"loader: firstbyte refused: InvalidSignature")
    m.expect(r"loader: sigbyte refused: InvalidSignature")
    m.expect(r"hello from user space")
