"""End-to-end tests of cambios-objtool on disk images.

Runs the built binary ($CAMBIOS_BUILD/host/bin, default build/) on
temporary images: format, put (signed with raw and hex keys, unsigned),
list, get, delete, info, check, and damaged images of many kinds.  The
tool signs with libsodium and the store verifies with lib/crypto, so a
pass also cross-checks the two Ed25519 implementations.
"""

import os
import random
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CAMBIOS_BUILD", "build")
BIN = os.path.join(BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD),
                   "host", "bin")
OBJTOOL = os.path.join(BIN, "cambios-objtool")
BLOCK = 4096

pytestmark = pytest.mark.skipif(not os.access(OBJTOOL, os.X_OK),
                                reason="cambios-objtool not built (make tools)")


def tool(image, *args, check=None, stdin=None):
    """Run cambios-objtool; check=0/1/2 asserts the exit status."""
    p = subprocess.run([OBJTOOL, str(image), *map(str, args)], input=stdin,
                       capture_output=True)
    # Never killed by a signal (a crash), whatever the input.
    assert p.returncode >= 0, (args, p.returncode, p.stderr)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stderr)
    return p


def one_line_error(p):
    """A failure prints exactly one line, prefixed with the tool's name."""
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("cambios-objtool: "), lines
    return lines[0]


@pytest.fixture
def image(tmp_path):
    img = tmp_path / "store.img"
    tool(img, "format", "--blocks", 64, check=0)
    return img


@pytest.fixture
def hexkey(tmp_path):
    key = tmp_path / "key.hex"
    key.write_text("11" * 32 + "\n")
    return key


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def b3(data):
    """Blake3 via b3sum(1), or None when it is not installed."""
    if not shutil.which("b3sum"):
        return None
    p = subprocess.run(["b3sum", "--no-names"], input=data,
                       capture_output=True, check=True)
    return p.stdout.decode().strip()


def listing(image):
    out = tool(image, "list", check=0).stdout.decode().splitlines()
    return {line.split()[0]: line.split()[1:] for line in out}


# --- format and info ---------------------------------------------------------

def test_format_creates_sized_image(tmp_path):
    img = tmp_path / "a.img"
    out = tool(img, "format", "--blocks", 101, check=0).stdout.decode()
    assert "101 blocks, 50 slots" in out
    assert img.stat().st_size == 101 * BLOCK
    info = tool(img, "info", check=0).stdout.decode()
    assert "slots       50" in info
    assert "objects     0" in info
    assert "generation  1" in info


def test_format_default_is_largest_store(tmp_path):
    img = tmp_path / "big.img"
    out = tool(img, "format", check=0).stdout.decode()
    assert "16384 blocks, 4096 slots" in out


def test_format_slots_limit(tmp_path):
    img = tmp_path / "s.img"
    out = tool(img, "format", "--blocks", 100, "--slots", 5,
               check=0).stdout.decode()
    assert "5 slots" in out


def test_format_refuses_to_erase_without_force(image, tmp_path, hexkey):
    f = write(tmp_path, "f", b"keep me")
    h = tool(image, "put", f, "--key", hexkey, check=0).stdout.decode().strip()
    err = one_line_error(tool(image, "format", check=1))
    assert "--force" in err
    assert h in listing(image)
    tool(image, "format", "--force", check=0)
    assert listing(image) == {}


def test_format_rejects_tiny_image(tmp_path):
    one_line_error(tool(tmp_path / "t.img", "format", "--blocks", 2, check=1))


# --- put / list / get / delete ------------------------------------------------

def test_put_signed_hex_key_and_get(image, tmp_path, hexkey):
    data = b"hello, object store\n"
    h = tool(image, "put", write(tmp_path, "f", data), "--key", hexkey,
             check=0).stdout.decode().strip()
    assert len(h) == 64
    if b3(data):
        assert h == b3(data)
    assert tool(image, "get", h, check=0).stdout == data
    assert listing(image)[h][:2] == [str(len(data)), "signed"]


def test_put_signed_raw_key(image, tmp_path):
    key = write(tmp_path, "key.raw", bytes(range(32)))
    data = os.urandom(4096)
    h = tool(image, "put", write(tmp_path, "f", data), "--key", key,
             check=0).stdout.decode().strip()
    out = tmp_path / "out"
    tool(image, "get", h, "--out", out, check=0)
    assert out.read_bytes() == data


def test_same_key_both_formats_same_owner(image, tmp_path):
    seed = bytes(range(100, 132))
    raw = write(tmp_path, "raw", seed)
    hexk = write(tmp_path, "hex", seed.hex().upper().encode())
    h1 = tool(image, "put", write(tmp_path, "a", b"a"), "--key", raw,
              check=0).stdout.decode().strip()
    h2 = tool(image, "put", write(tmp_path, "b", b"b"), "--key", hexk,
              check=0).stdout.decode().strip()
    lst = listing(image)
    assert lst[h1][2] == lst[h2][2]      # owner=<prefix>


def test_put_unsigned_and_empty(image, tmp_path):
    h = tool(image, "put", write(tmp_path, "e", b""), "--unsigned",
             check=0).stdout.decode().strip()
    assert h == "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    assert listing(image)[h] == ["0", "unsigned"]
    assert tool(image, "get", h, check=0).stdout == b""


def test_put_needs_key_or_unsigned(image, tmp_path, hexkey):
    f = write(tmp_path, "f", b"x")
    tool(image, "put", f, check=2)
    tool(image, "put", f, "--key", hexkey, "--unsigned", check=2)


def test_put_is_idempotent(image, tmp_path, hexkey):
    f = write(tmp_path, "f", b"same")
    h1 = tool(image, "put", f, "--key", hexkey, check=0).stdout
    h2 = tool(image, "put", f, "--unsigned", check=0).stdout
    assert h1 == h2
    assert len(listing(image)) == 1
    assert listing(image)[h1.decode().strip()][1] == "signed"  # first wins


def test_put_too_large(image, tmp_path, hexkey):
    err = one_line_error(tool(image, "put", write(tmp_path, "f", bytes(4097)),
                              "--key", hexkey, check=1))
    assert "4096" in err


@pytest.mark.parametrize("content", [b"", b"short", b"11" * 31, b"zz" * 32,
                                     b"x" * 31, b"x" * 33])
def test_put_bad_key_file(image, tmp_path, content):
    key = write(tmp_path, "bad.key", content)
    err = one_line_error(tool(image, "put", write(tmp_path, "f", b"data"),
                              "--key", key, check=1))
    assert "key" in err
    assert listing(image) == {}


def test_put_until_full(tmp_path):
    img = tmp_path / "small.img"
    tool(img, "format", "--blocks", 7, check=0)          # 3 slots
    for i in range(3):
        tool(img, "put", write(tmp_path, f"f{i}", b"%d" % i), "--unsigned",
             check=0)
    err = one_line_error(tool(img, "put", write(tmp_path, "f9", b"9"),
                              "--unsigned", check=1))
    assert "store full" in err
    assert len(listing(img)) == 3


def test_list_is_sorted(image, tmp_path):
    for i in range(10):
        tool(image, "put", write(tmp_path, f"f{i}", os.urandom(50)),
             "--unsigned", check=0)
    hashes = list(listing(image))
    assert hashes == sorted(hashes) and len(hashes) == 10


def test_get_accepts_uppercase_and_rejects_bad_hashes(image, tmp_path):
    h = tool(image, "put", write(tmp_path, "f", b"abc"), "--unsigned",
             check=0).stdout.decode().strip()
    assert tool(image, "get", h.upper(), check=0).stdout == b"abc"
    for bad in ("", "00", "g" * 64, h + "0", h[:-1]):
        one_line_error(tool(image, "get", bad, check=1))
    err = one_line_error(tool(image, "get", "0" * 64, check=1))
    assert "no such object" in err


def test_delete(image, tmp_path, hexkey):
    h = tool(image, "put", write(tmp_path, "f", b"bye"), "--key", hexkey,
             check=0).stdout.decode().strip()
    assert tool(image, "delete", h, check=0).stdout.decode().startswith("deleted")
    assert listing(image) == {}
    one_line_error(tool(image, "delete", h, check=1))
    one_line_error(tool(image, "get", h, check=1))
    # The freed slot is reused; the old content counts as an orphan.
    out = tool(image, "check", "--verbose", check=0).stdout.decode()
    assert "orphan" in out


# --- check and damaged images ---------------------------------------------------

def populated(tmp_path, hexkey, n=3):
    img = tmp_path / "p.img"
    tool(img, "format", "--blocks", 64, check=0)
    hashes = []
    for i in range(n):
        hashes.append(tool(img, "put", write(tmp_path, f"f{i}", b"obj %d" % i),
                           "--key", hexkey, check=0).stdout.decode().strip())
    return img, hashes


def patch(img, offset, data):
    with open(img, "r+b") as f:
        f.seek(offset)
        f.write(data)


def test_check_clean(tmp_path, hexkey):
    img, _ = populated(tmp_path, hexkey)
    out = tool(img, "check", check=0).stdout.decode()
    assert "3 objects (3 signed)" in out and "clean" in out


def test_check_finds_corrupt_content(tmp_path, hexkey):
    img, hashes = populated(tmp_path, hexkey)
    patch(img, 4 * BLOCK, b"X")                  # slot 1 content
    p = tool(img, "check", check=1)
    out = p.stdout.decode()
    assert "slot 1: DAMAGE: content does not match its hash" in out
    # get refuses the damaged object, the others still read.
    one_line_error(tool(img, "get", hashes[1], check=1))
    tool(img, "get", hashes[0], check=0)
    assert "damaged" in tool(img, "list", check=1).stdout.decode()


def test_check_finds_bad_signature_behind_valid_checksum(tmp_path, hexkey):
    img, hashes = populated(tmp_path, hexkey)
    # Rewrite slot 0's header with a flipped signature bit and a correct
    # checksum, as an attacker with disk access could.
    with open(img, "r+b") as f:
        f.seek(1 * BLOCK)
        hdr = bytearray(f.read(BLOCK))
    hdr[130] ^= 1
    if not shutil.which("b3sum"):
        pytest.skip("b3sum not installed")
    ck = subprocess.run(["b3sum", "--no-names", "--raw", "-l", "8"],
                        input=bytes(hdr[:4088]), capture_output=True,
                        check=True).stdout
    hdr[4088:] = ck
    patch(img, 1 * BLOCK, bytes(hdr))
    out = tool(img, "check", check=1).stdout.decode()
    assert "signature does not verify" in out
    err = one_line_error(tool(img, "get", hashes[0], check=1))
    assert "bad signature" in err


def test_damaged_superblock_is_one_line_error(tmp_path, hexkey):
    img, hashes = populated(tmp_path, hexkey)
    patch(img, 100, b"\x01")
    for args in (("list",), ("info",), ("get", hashes[0]), ("delete", hashes[0]),
                 ("put", write(tmp_path, "g", b"g"), "--unsigned")):
        err = one_line_error(tool(img, *args, check=1))
        assert "corrupt data" in err
    err = one_line_error(tool(img, "check", check=1))
    assert "superblock" in err


def test_wrong_version(tmp_path, hexkey):
    img, _ = populated(tmp_path, hexkey)
    patch(img, 8, b"\x02")
    assert "unsupported version" in one_line_error(tool(img, "list", check=1))


def test_blank_and_empty_images(tmp_path):
    blank = tmp_path / "blank.img"
    blank.write_bytes(bytes(10 * BLOCK))
    err = one_line_error(tool(blank, "list", check=1))
    assert "format" in err
    empty = tmp_path / "empty.img"
    empty.write_bytes(b"")
    one_line_error(tool(empty, "list", check=1))
    one_line_error(tool(empty, "check", check=1))
    one_line_error(tool(tmp_path / "missing.img", "list", check=1))


def test_truncated_image(tmp_path, hexkey):
    img, _ = populated(tmp_path, hexkey)
    os.truncate(img, 20 * BLOCK)
    assert "too small" in one_line_error(tool(img, "list", check=1))


def test_random_damage_never_crashes(tmp_path, hexkey):
    img, _ = populated(tmp_path, hexkey, n=5)
    good = img.read_bytes()
    rng = random.Random(1234)
    for _ in range(60):
        data = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(8 * BLOCK)] = rng.randrange(256)
        img.write_bytes(bytes(data))
        for args in (("check",), ("list",), ("info",)):
            p = tool(img, *args)
            assert p.returncode in (0, 1)
            if p.returncode == 1 and args != ("check",) and args != ("list",):
                one_line_error(p)


def test_usage_errors(image):
    assert tool(image, "frobnicate", check=2).stderr.startswith(b"usage:")
    tool(image, "get", check=2)
    tool(image, "format", "--blocks", "x", check=2)
    p = subprocess.run([OBJTOOL], capture_output=True)
    assert p.returncode == 2
