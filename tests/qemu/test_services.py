"""The object services without a disk: key-store, fs-service and the shell
(docs/services.md), with objects in the kernel's RAM store.

Driven over the serial console: `arcobj put` of three objects, `list`,
`get` of each (content, and the hash equals BLAKE3 of the content computed
on the host), `delete`, errors for malformed input; and a client under a
Principal of its own (obj_intruder, booted with principal=) that can
neither read nor delete the shell's object, through the fs-service or
directly, can read but not delete the one the shell shared with it, while
its own objects work and LIST shows exactly those it may read.
The disk-backed chain and persistence are in test_persistence.py.
"""
import re

from conftest import HOST_BIN, user_prog
from shell_session import arcobj_put as put
from shell_session import b3sum, shell_run, wait_prompt

INTRUDER_PRINCIPAL = "5a" * 32


def b3(text):
    return b3sum(HOST_BIN, text.encode())


def start(boot, extra=(), smp=1):
    modules = [user_prog("key-store"), user_prog("fs-service"),
               user_prog("shell"), *extra]
    m = boot("", smp=smp, timeout=60, modules=modules)
    m.child.expect_exact("fs-service: ready on endpoint 16")
    wait_prompt(m.child)
    return m


def run(m, line, timeout=30):
    return shell_run(m.child, line, timeout)


def test_put_list_get_delete(boot):
    m = start(boot, smp=2)
    texts = ["first object", "second, with punctuation!", "3rd"]
    hashes = [put(m.child, t) for t in texts]
    assert hashes == [b3(t) for t in texts]
    # Idempotent: the same content again gives the same hash.
    assert put(m.child, texts[0]) == hashes[0]
    listing = run(m, "arcobj list")
    assert "3 objects" in listing
    for h in hashes:
        assert h in listing
    for t, h in zip(texts, hashes):
        out = run(m, f"arcobj get {h.upper()}")
        assert f"{len(t)} byte" in out and t in out, out
    assert "deleted" in run(m, f"arcobj delete {hashes[1]}")
    assert "no such object" in run(m, f"arcobj get {hashes[1]}")
    assert "no such object" in run(m, f"arcobj delete {hashes[1]}")
    listing = run(m, "arcobj list")
    assert "2 objects" in listing and hashes[1] not in listing
    assert "object store: RAM, 2 objects in" in run(m, "store")
    # Bad input: clear messages, the shell goes on.
    assert "malformed hash" in run(m, "arcobj get 1234")
    assert "malformed hash" in run(m, "arcobj get " + "g" * 64)
    assert "usage: arcobj" in run(m, "arcobj frobnicate")
    assert "unknown command" in run(m, "arcbj list")
    assert "no such boot module" in run(m, "run nothing-like-this")


def test_other_principal_cannot_read_or_delete(boot):
    intruder = (f"{user_prog('obj_intruder')}:spawn-only "
                f"principal={INTRUDER_PRINCIPAL}")
    m = start(boot, extra=[intruder])
    h = put(m.child, "the shell's secret note")
    out = run(m, f"arcobj share {INTRUDER_PRINCIPAL} shared with the "
                 "intruder")
    shared = re.search(r"stored \(shared\): ([0-9a-f]{64})", out).group(1)
    assert shared == b3("shared with the intruder")
    out = run(m, "run obj_intruder", timeout=60)
    checks = re.findall(r"obj_intruder: (.*) (ok|BAD)\n", out)
    assert len(checks) == 14, out
    assert all(r == "ok" for _, r in checks), out
    assert "obj_intruder: done 14/14" in out
    assert "run: obj_intruder exited with 0" in out
    # The shell's objects are untouched, and the intruder left nothing.
    listing = run(m, "arcobj list")
    assert "2 objects" in listing and h in listing and shared in listing
    assert "the shell's secret note" in run(m, f"arcobj get {h}")
    assert "shared with the intruder" in run(m, f"arcobj get {shared}")


def test_bad_principal_argument_refused(boot):
    bad = f"{user_prog('obj_intruder')}:spawn-only principal=xyz"
    m = start(boot, extra=[bad])
    assert "principal= needs 64 hex digits" in m.output()
    assert "no such boot module" in run(m, "run obj_intruder")
