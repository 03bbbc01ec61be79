"""The object syscalls (ObjPut, ObjGet, ObjDelete, ObjList, ObjPutSigned,
ClaimBootstrapKey) on the kernel's RAM store: contents and hashes, errors,
and a full store (user/tests/obj_test.c prints one line per check)."""
import os
import re
import subprocess

from conftest import HOST_BIN, user_prog


def test_object_syscalls(boot):
    m = boot("", timeout=90, modules=[user_prog("obj_test")])
    m.expect(r"objstore: RAM store, (\d+) object slots")
    slots = int(m.child.match.group(1))
    m.expect(r"obj_test: hello hash ([0-9a-f]{64})")
    hashed = m.child.match.group(1)
    m.expect(r"obj_test: filled (\d+) objects")
    assert int(m.child.match.group(1)) == slots
    m.expect(r"obj_test: done (\d+)/(\d+)")
    done, total = m.child.match.group(1), m.child.match.group(2)
    out = m.output()
    bad = [l for l in out.splitlines() if l.startswith("obj_test:")
           and l.endswith("BAD")]
    assert not bad, "\n".join(bad)
    assert done == total
    # The object's address is BLAKE3 of its content, computed on the host.
    b3 = subprocess.run([os.path.join(HOST_BIN, "cambios-b3sum")],
                        input=b"hello, object store", capture_output=True,
                        check=True).stdout.decode().split()[0]
    assert hashed == b3
    # Filling the store says so with its own code, and nothing was lost.
    assert re.search(r"obj_test: full ret=-2010 want=-2010 ok", out)
    assert re.search(r"obj_test: refill ret=\d+ want=\d+ ok", out)
