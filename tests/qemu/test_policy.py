"""Layer 1: the policy service and the kernel's policy upcall
(docs/policy.md).  policy-service is the first boot module; policy_probe's
profile denies ObjPut (14); policy_admin (spawn-only, profile `admin`)
allows it at run time; audit_tail shows the denials."""
import re

import pytest

from conftest import user_prog

PROBE = "policy_probe"


def queries(out, name, syscall):
    """Lines of the service answering a query about (name, syscall)."""
    return re.findall(rf"policy: q\d+ {name} \d+\.\d+ syscall {syscall} "
                      r"(allow|deny)", out)


def boot_probe(boot, smp=1):
    return boot("", timeout=120, smp=smp, modules=[
        user_prog("policy-service"), user_prog("audit_tail"),
        user_prog(PROBE), user_prog("policy_admin") + ":spawn-only"])


def test_policy_denies_caches_and_changes(boot):
    m = boot_probe(boot)
    # The kernel logs the HELLO before the service prints its own line.
    m.expect(r"policy: policy service \(process \d+\) active")
    m.expect(r"policy: service ready, \d+ profiles")
    # The denied call gets the policy's own error, not EPERM.
    m.expect(r"policy_probe: objput ret=(-?\d+) \((\S+)\)")
    assert m.child.match.group(2) == "EPOLICY"
    assert int(m.child.match.group(1)) == -2014
    m.expect(r"policy_probe: objput repeated denied=(\d+)/20")
    assert m.child.match.group(1) == "20"
    # An allowed call works.
    m.expect(r"policy_probe: sysinfo ok=(\d+)/20")
    assert m.child.match.group(1) == "20"
    # Nobody but the policy service writes 23, nobody but the kernel's
    # queries and admins reach 22.
    m.expect(r"policy_probe: write 23 ret=(-?\d+) \((\S+)\)")
    assert m.child.match.group(2) == "EPERM"
    m.expect(r"policy_probe: write 22 ret=(-?\d+) \((\S+)\)")
    assert m.child.match.group(2) == "EPERM"
    # The admin's update, and a QUERY from a process refused as such.
    m.expect(r"policy_admin: stats status=0 queries=(\d+)")
    m.expect(r"policy_admin: fake query status=(-?\d+)")
    assert m.child.match.group(1) == "-1"
    m.expect(r"policy_admin: set status=(-?\d+)")
    assert m.child.match.group(1) == "0"
    m.expect(r"policy_probe: admin exit=(-?\d+)")
    assert m.child.match.group(1) == "0"
    # After the update (and the invalidation) the same call is allowed.
    m.expect(r"policy_probe: objput after update ret=(-?\d+) \((\S+)\)")
    assert m.child.match.group(2) != "EPOLICY"
    m.expect(r"policy_probe: objput repeated denied=(\d+)/5")
    assert m.child.match.group(1) == "0"
    m.expect(r"policy_probe: done")
    m.expect(r"audit: done, \d+ shown")
    out = m.output()
    # audit_tail shows the denials (SyscallDenied, syscall 14, check 5:
    # the policy) and the queries (PolicyQuery, allowed 0).
    probe = re.search(r"policy_probe is process (\d+)", out).group(1)
    denials = re.findall(rf"audit: #\d+ tick \d+ SyscallDenied "
                         rf"subject={probe}\.1 object=0 syscall=14 check=5",
                         out)
    assert denials, out
    # The update voided the kernel's cached decisions.
    assert re.search(r"policy: decisions invalidated \(generation \d+\)",
                     out)
    assert re.search(rf"PolicyQuery subject={probe}\.1 object=0 syscall=14 "
                     r"allowed=0", out)
    # The cache works: 26 ObjPuts and 20 SysInfos of the probe made one
    # query each per policy generation.
    assert queries(out, PROBE, 14) == ["deny", "allow"], out
    assert queries(out, PROBE, 38) == ["allow"], out
    # Exempt syscalls are never asked about.
    for nr in (0, 7, 8, 9, 10, 12, 36):
        assert not queries(out, r"[\w.-]+", nr)
    assert "panic" not in out.lower()


# Existing boot scenarios with policy-service first: the profiles of
# docs/policy.md allow everything these programs do.
COMPAT = {
    "ipc": (["audit_tail", "ipc_test", "ipc_peer:spawn-only"], 2,
            r"ipc_test: all scenarios passed"),
    "objects": (["obj_test"], 1, r"obj_test: done (\d+)/\1\b"),
    "badsys": (["fault_badsys", "hello"], 1, r"fault_badsys: done 30/30"),
    "sched": (["yielder", "spinner", "hello"], 2, r"spinner \d+ done"),
}


@pytest.mark.parametrize("name", sorted(COMPAT))
def test_existing_programs_pass_under_policy(boot, name):
    progs, smp, done = COMPAT[name]
    mods = [user_prog("policy-service")]
    for p in progs:
        prog, _, flag = p.partition(":")
        mods.append(user_prog(prog) + (":" + flag if flag else ""))
    m = boot("", timeout=150, smp=smp, modules=mods)
    m.expect(r"policy: service ready")
    m.expect(done)
    out = m.output()
    assert not re.findall(r"policy: q\d+ .* deny", out), out
    assert "EPOLICY" not in out and "PANIC" not in out
    if "hello" in progs:
        assert "hello from user space" in out
