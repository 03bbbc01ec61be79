"""End-to-end tests of cambios-keygen, cambios-sign and cambios-b3sum.

Runs the built binaries ($CAMBIOS_BUILD/host/bin, default build/) on
temporary files: key generation, signing, verification, tampering,
re-signing, the external-signer protocol, and b3sum(1) compatibility.
Signing uses libsodium (the tool) and verification the kernel's own code
(kernel/loader/arcsig.c over lib/crypto), so a pass also cross-checks the
two Ed25519 implementations.
"""

import os
import random
import shutil
import stat
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CAMBIOS_BUILD", "build")
BIN = os.path.join(BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD),
                   "host", "bin")
KEYGEN = os.path.join(BIN, "cambios-keygen")
SIGN = os.path.join(BIN, "cambios-sign")
B3SUM = os.path.join(BIN, "cambios-b3sum")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus", "elf")
MAGIC = b"ARCSIG\x01\x00"
DEV_SEED = b"ArcOS-Bootstrap-Identity-Phase0!"
DEV_PUB = "86763cb0b855cd6c1bd99ce38c101679c58acb196e458bfbfe4aa606754819d4"

pytestmark = pytest.mark.skipif(
    not all(os.access(p, os.X_OK) for p in (KEYGEN, SIGN, B3SUM)),
    reason="tools not built (make tools)")


def run(*args, stdin=None, check=None):
    """Run a tool; check=0/1/2 asserts the exit status."""
    p = subprocess.run(list(args), input=stdin, capture_output=True)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stderr)
    return p


@pytest.fixture
def elf(tmp_path):
    path = tmp_path / "prog.elf"
    shutil.copy(os.path.join(CORPUS, "x86_64-valid"), path)
    return path


def keypair(tmp_path, name):
    seed, pub = tmp_path / f"{name}.seed", tmp_path / f"{name}.pub"
    out = run(KEYGEN, str(seed), "--pub", str(pub), check=0)
    return seed, pub, out.stdout.decode().strip()


# --- cambios-keygen ---------------------------------------------------------

def test_keygen_writes_private_seed_and_public_key(tmp_path):
    seed, pub, printed = keypair(tmp_path, "k")
    assert stat.S_IMODE(seed.stat().st_mode) == 0o600
    assert seed.stat().st_size == 32
    assert pub.read_bytes().hex() == printed
    assert len(printed) == 64
    out = run(SIGN, "--print-pub", "--key", str(seed), check=0)
    assert out.stdout.decode().strip() == printed


def test_keygen_never_overwrites_without_force(tmp_path):
    seed, _, first = keypair(tmp_path, "k")
    before = seed.read_bytes()
    p = run(KEYGEN, str(seed), check=1)
    assert b"refusing to overwrite" in p.stderr
    assert seed.read_bytes() == before
    p = run(KEYGEN, "--force", str(seed), check=0)
    assert p.stdout.decode().strip() != first
    assert stat.S_IMODE(seed.stat().st_mode) == 0o600


def test_keygen_hex_seed_is_accepted_by_sign(tmp_path):
    seed = tmp_path / "hex.seed"
    printed = run(KEYGEN, "--hex", str(seed), check=0).stdout.decode().strip()
    text = seed.read_text()
    assert len(text) == 65 and text.endswith("\n")
    bytes.fromhex(text.strip())
    out = run(SIGN, "--print-pub", "--key", str(seed), check=0)
    assert out.stdout.decode().strip() == printed


def test_keygen_usage_errors(tmp_path):
    assert run(KEYGEN).returncode == 2
    assert run(KEYGEN, "a", "b").returncode == 2
    p = run(KEYGEN, str(tmp_path / "no" / "dir" / "seed"), check=1)
    assert b"No such file" in p.stderr


# --- keys -------------------------------------------------------------------

def test_spec_dev_seed_gives_spec_public_key(tmp_path):
    raw = tmp_path / "dev.seed"
    raw.write_bytes(DEV_SEED)
    raw.chmod(0o600)
    assert run(SIGN, "--print-pub", "--key", str(raw),
               check=0).stdout.decode().strip() == DEV_PUB
    hexed = tmp_path / "dev.hex"
    hexed.write_text(DEV_SEED.hex().upper() + "\r\n")
    hexed.chmod(0o600)
    assert run(SIGN, "--print-pub", "--key", str(hexed),
               check=0).stdout.decode().strip() == DEV_PUB


def test_seed_from_stdin(tmp_path, elf):
    seed, pub, _ = keypair(tmp_path, "k")
    run(SIGN, "--key", "-", str(elf), stdin=seed.read_bytes(), check=0)
    run(SIGN, "--verify", "--pub", str(pub), str(elf), check=0)
    p = run(SIGN, "--sign-digest", "--key", "-", stdin=b"x" * 32, check=2)
    assert b"from a file" in p.stderr


def test_export_pub_writes_raw_key(tmp_path):
    seed, pub, printed = keypair(tmp_path, "k")
    out = tmp_path / "bootstrap_pubkey.bin"
    run(SIGN, "--export-pub", str(out), "--key", str(seed), check=0)
    assert out.read_bytes() == pub.read_bytes()
    # From an inline hex public key too (the external-signer build).
    out2 = tmp_path / "again.bin"
    run(SIGN, "--export-pub", str(out2), "--pub", printed, check=0)
    assert out2.read_bytes().hex() == printed


def test_bad_key_files_are_refused_clearly(tmp_path, elf):
    for content in (b"", b"x" * 31, b"x" * 33, b"g" * 64, b"a" * 63 + b"\n"):
        bad = tmp_path / "bad.seed"
        bad.write_bytes(content)
        bad.chmod(0o600)
        p = run(SIGN, "--key", str(bad), str(elf), check=1)
        assert b"not a key" in p.stderr
    p = run(SIGN, "--key", str(tmp_path / "missing"), str(elf), check=1)
    assert b"No such file" in p.stderr
    p = run(SIGN, "--verify", "--pub", "12ab", str(elf), check=1)
    assert b"12ab" in p.stderr


def test_world_readable_seed_warns(tmp_path, elf):
    seed, _, _ = keypair(tmp_path, "k")
    seed.chmod(0o644)
    p = run(SIGN, "--key", str(seed), str(elf), check=0)
    assert b"readable by other users" in p.stderr


# --- cambios-sign -----------------------------------------------------------

def test_sign_in_place_then_verify(tmp_path, elf):
    seed, pub, printed = keypair(tmp_path, "k")
    orig = elf.read_bytes()
    mode = stat.S_IMODE(elf.stat().st_mode)
    p = run(SIGN, "--key", str(seed), str(elf), check=0)
    signed = elf.read_bytes()
    assert len(signed) == len(orig) + 72
    assert signed[:len(orig)] == orig and signed.endswith(MAGIC)
    assert stat.S_IMODE(elf.stat().st_mode) == mode
    assert printed.encode() in p.stdout
    p = run(SIGN, "--verify", "--pub", str(pub), str(elf), check=0)
    assert b"OK" in p.stdout
    run(SIGN, "--verify", "--pub", printed, str(elf), check=0)
    run(SIGN, "--verify", "--key", str(seed), str(elf), check=0)


def test_sign_reports_blake3_of_payload(tmp_path, elf):
    seed, _, _ = keypair(tmp_path, "k")
    orig = elf.read_bytes()
    p = run(SIGN, "--key", str(seed), str(elf), check=0)
    digest = run(B3SUM, "--no-names", stdin=orig, check=0).stdout.strip()
    assert b"blake3 " + digest in p.stdout


def test_output_option_leaves_input_alone(tmp_path, elf):
    seed, pub, _ = keypair(tmp_path, "k")
    orig = elf.read_bytes()
    out = tmp_path / "signed.elf"
    run(SIGN, "--key", str(seed), "-o", str(out), str(elf), check=0)
    assert elf.read_bytes() == orig
    run(SIGN, "--verify", "--pub", str(pub), str(out), check=0)
    assert run(SIGN, "--verify", "--pub", str(pub), str(elf),
               check=1).stderr.find(b"MissingSignature") >= 0


def test_unsigned_is_missing_signature(tmp_path, elf):
    _, pub, _ = keypair(tmp_path, "k")
    p = run(SIGN, "--verify", "--pub", str(pub), str(elf), check=1)
    assert b"FAILED" in p.stderr and b"MissingSignature" in p.stderr


def test_tampered_byte_fails_verification(tmp_path, elf):
    seed, pub, _ = keypair(tmp_path, "k")
    run(SIGN, "--key", str(seed), str(elf), check=0)
    good = elf.read_bytes()
    n = len(good)
    # Header, program headers, code, signature, last signature byte.
    for pos in (0, 5, 18, 64, 100, n // 2, n - 72, n - 40, n - 9):
        bad = bytearray(good)
        bad[pos] ^= 0x01
        elf.write_bytes(bytes(bad))
        p = run(SIGN, "--verify", "--pub", str(pub), str(elf), check=1)
        assert b"InvalidSignature" in p.stderr, pos
    # A byte of the magic: the trailer is gone, so it is unsigned.
    bad = bytearray(good)
    bad[n - 3] ^= 0x01
    elf.write_bytes(bytes(bad))
    p = run(SIGN, "--verify", "--pub", str(pub), str(elf), check=1)
    assert b"MissingSignature" in p.stderr
    # Appended garbage, truncation.
    elf.write_bytes(good + b"\0")
    run(SIGN, "--verify", "--pub", str(pub), str(elf), check=1)
    elf.write_bytes(good[1:])
    run(SIGN, "--verify", "--pub", str(pub), str(elf), check=1)
    elf.write_bytes(good)
    run(SIGN, "--verify", "--pub", str(pub), str(elf), check=0)


def test_foreign_key_fails_and_any_trusted_key_passes(tmp_path, elf):
    seed_a, pub_a, _ = keypair(tmp_path, "a")
    _, pub_b, _ = keypair(tmp_path, "b")
    _, pub_c, _ = keypair(tmp_path, "c")
    run(SIGN, "--key", str(seed_a), str(elf), check=0)
    p = run(SIGN, "--verify", "--pub", str(pub_b), str(elf), check=1)
    assert b"InvalidSignature" in p.stderr
    run(SIGN, "--verify", "--pub", str(pub_b), "--pub", str(pub_c),
        "--pub", str(pub_a), str(elf), check=0)
    p = run(SIGN, "--verify", *(["--pub", str(pub_b)] * 5), str(elf))
    assert p.returncode == 2


def test_resign_replaces_old_trailer(tmp_path, elf):
    seed_a, pub_a, _ = keypair(tmp_path, "a")
    seed_b, pub_b, _ = keypair(tmp_path, "b")
    orig = elf.read_bytes()
    run(SIGN, "--key", str(seed_a), str(elf), check=0)
    p = run(SIGN, "--key", str(seed_b), str(elf), check=0)
    assert b"replaced old signature" in p.stdout
    signed = elf.read_bytes()
    assert len(signed) == len(orig) + 72 and signed[:len(orig)] == orig
    run(SIGN, "--verify", "--pub", str(pub_b), str(elf), check=0)
    run(SIGN, "--verify", "--pub", str(pub_a), str(elf), check=1)
    # Same key again: same bytes (Ed25519 is deterministic).
    run(SIGN, "--key", str(seed_b), str(elf), check=0)
    assert elf.read_bytes() == signed


def test_sign_refuses_what_the_loader_would_reject(tmp_path):
    seed, pub, _ = keypair(tmp_path, "k")
    for name, why in (("x86_64-wx-shared-page", b"share a page"),
                      ("x86_64-omagic-rwx", b"writable and executable"),
                      ("bad-magic", b"MalformedElf")):
        path = tmp_path / name
        shutil.copy(os.path.join(CORPUS, name), path)
        orig = path.read_bytes()
        p = run(SIGN, "--key", str(seed), str(path), check=1)
        assert b"refusing to sign" in p.stderr and why in p.stderr, name
        assert path.read_bytes() == orig
        run(SIGN, "--no-check", "--key", str(seed), str(path), check=0)
        p = run(SIGN, "--verify", "--pub", str(pub), str(path), check=1)
        assert b"loader would reject" in p.stderr
        run(SIGN, "--verify", "--no-check", "--pub", str(pub), str(path),
            check=0)


def test_all_architectures_sign_and_verify(tmp_path):
    seed, pub, _ = keypair(tmp_path, "k")
    for name in ("x86_64-valid", "aarch64-valid", "riscv64-valid",
                 "x86_64-shared-ro-rw-page"):
        path = tmp_path / name
        shutil.copy(os.path.join(CORPUS, name), path)
        run(SIGN, "--key", str(seed), str(path), check=0)
        run(SIGN, "--verify", "--pub", str(pub), str(path), check=0)


def test_external_signer(tmp_path, elf):
    seed, pub, printed = keypair(tmp_path, "k")
    signer = f"'{SIGN}' --sign-digest --key '{seed}'"
    run(SIGN, "--external-signer", signer, "--pub", str(pub), str(elf),
        check=0)
    run(SIGN, "--verify", "--pub", printed, str(elf), check=0)
    # A signer answering in hex is accepted too.
    hexer = (f"{signer} | '{sys.executable}' -c "
             "'import sys; print(sys.stdin.buffer.read().hex())'")
    run(SIGN, "--external-signer", hexer, "--pub", str(pub), str(elf),
        check=0)
    run(SIGN, "--verify", "--pub", str(pub), str(elf), check=0)


def test_external_signer_failures_write_nothing(tmp_path, elf):
    seed, pub, _ = keypair(tmp_path, "k")
    other, _, _ = keypair(tmp_path, "other")
    orig = elf.read_bytes()
    cases = (
        ("exit 3", b"exit status 3"),
        ("head -c 10 /dev/zero", b"expected a 64-byte signature"),
        ("cat >/dev/null; head -c 64 /dev/zero", b"does not verify"),
        (f"'{SIGN}' --sign-digest --key '{other}'", b"does not verify"),
        ("kill -9 $$", b"signal"),
    )
    for cmd, why in cases:
        p = run(SIGN, "--external-signer", cmd, "--pub", str(pub), str(elf),
                check=1)
        assert why in p.stderr, (cmd, p.stderr)
        assert elf.read_bytes() == orig
    p = run(SIGN, "--external-signer", "true", str(elf), check=1)
    assert b"exactly one --pub" in p.stderr


def test_sign_digest_wants_exactly_32_bytes(tmp_path):
    seed, _, _ = keypair(tmp_path, "k")
    p = run(SIGN, "--sign-digest", "--key", str(seed), stdin=b"x" * 32,
            check=0)
    assert len(p.stdout) == 64
    p = run(SIGN, "--sign-digest", "--key", str(seed), stdin=b"x" * 31,
            check=1)
    assert b"expected 32" in p.stderr


def test_sign_usage_and_io_errors(tmp_path, elf):
    seed, pub, _ = keypair(tmp_path, "k")
    assert run(SIGN).returncode == 2
    assert run(SIGN, "--bogus").returncode == 2
    assert run(SIGN, str(elf)).returncode == 2
    assert run(SIGN, "--key", str(seed), str(elf), str(elf)).returncode == 2
    assert run(SIGN, "--verify", str(elf)).returncode == 2
    p = run(SIGN, "--key", str(seed), str(tmp_path / "nope.elf"), check=1)
    assert b"nope.elf: No such file" in p.stderr
    p = run(SIGN, "--key", str(seed), str(tmp_path), check=1)
    assert b"is a directory" in p.stderr
    p = run(SIGN, "--key", str(seed), "-o", str(tmp_path / "x" / "y"),
            str(elf), check=1)
    assert b"temporary file" in p.stderr


# --- cambios-b3sum ----------------------------------------------------------

needs_b3sum = pytest.mark.skipif(shutil.which("b3sum") is None,
                                 reason="b3sum(1) not installed")


def both(*args, stdin=None, cwd=None):
    """Run b3sum and cambios-b3sum alike; return both results."""
    ref = subprocess.run(["b3sum", "--num-threads", "1", *args],
                         input=stdin, capture_output=True, cwd=cwd)
    ours = subprocess.run([B3SUM, *args], input=stdin, capture_output=True,
                          cwd=cwd)
    return ref, ours


@needs_b3sum
def test_b3sum_matches_on_random_files(tmp_path):
    rng = random.Random(42)
    sizes = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 3072, 8193,
             65536 + 17, 1 << 20, (1 << 20) + 3, 5 * 1024 * 1024 + 1]
    names = []
    for i, size in enumerate(sizes):
        name = f"f{i}"
        (tmp_path / name).write_bytes(rng.randbytes(size))
        names.append(name)
    ref, ours = both(*names, cwd=tmp_path)
    assert ref.returncode == ours.returncode == 0
    assert ours.stdout == ref.stdout


@needs_b3sum
def test_b3sum_stdin_length_and_no_names(tmp_path):
    data = random.Random(7).randbytes(100_000)
    (tmp_path / "f").write_bytes(data)
    for args in ([], ["-"], ["--no-names"], ["--length", "0", "f"],
                 ["--length", "7", "f"], ["--length=100", "f"],
                 ["-l", "1000", "--no-names", "f", "-"], ["-l5", "f"]):
        ref, ours = both(*args, stdin=data, cwd=tmp_path)
        assert ours.returncode == ref.returncode == 0, args
        assert ours.stdout == ref.stdout, args


@needs_b3sum
def test_b3sum_escapes_names_like_b3sum(tmp_path):
    for name in ("back\\slash", "new\nline", "plain name", "tab\tx"):
        (tmp_path / name).write_bytes(name.encode())
    names = sorted(os.listdir(tmp_path))
    ref, ours = both(*names, cwd=tmp_path)
    assert ours.stdout == ref.stdout


@needs_b3sum
def test_b3sum_errors_keep_going(tmp_path):
    (tmp_path / "ok").write_bytes(b"abc")
    (tmp_path / "dir").mkdir()
    ref, ours = both("ok", "missing", "dir", "ok", cwd=tmp_path)
    assert ours.returncode == ref.returncode == 1
    assert ours.stdout == ref.stdout
    assert b"missing: No such file" in ours.stderr
    assert b"dir: Is a directory" in ours.stderr
    for bad in (["--length", "x"], ["--length"], ["--frob"],
                ["--length", "-1"]):
        assert subprocess.run([B3SUM, *bad], capture_output=True,
                              stdin=subprocess.DEVNULL).returncode == 2, bad


def test_b3sum_known_vector():
    # BLAKE3("abc"), from the reference implementation.
    out = run(B3SUM, stdin=b"abc", check=0).stdout
    assert out == (b"6437b3ac38465133ffb63b75273a8db548c558465d79db03fd"
                   b"359c6cd5bd9d85  -\n")
