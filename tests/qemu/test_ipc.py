"""IPC, capabilities and channels on the real kernel (x86_64, 2 CPUs).

One boot runs every scenario: audit_tail (first module: the kernel lets
the boot module of that name attach the audit ring), then the driver
ipc_test, with ipc_peer as a spawn-only module the driver starts and
remote-controls over IPC (user/tests/ipc_test.c describes the scenarios
and its output).  Each test below checks one scenario's lines of that
boot's serial log."""
import os
import re

import pexpect
import pytest

from conftest import BUILD, Machine, user_prog

# The driver and its peer; audit_tail must come first.
MODULES = ("audit_tail", "ipc_test")
PEER = "ipc_peer"
SCENARIOS = ("pingpong", "nocap", "delegate", "forge", "revoke", "channel")
EPERM = "-2 (permission denied)"
RUN_TIMEOUT = 50    # boot and all scenarios (seconds, TCG)
AUDIT_TIMEOUT = 15  # audit_tail stops 3 s after the last event


class Run:
    """The serial log of the one boot, and whether the driver finished."""

    def __init__(self, out, finished, why):
        self.out = out
        self.finished = finished
        self.why = why

    def driver_lines(self):
        return "\n".join(l for l in self.out.splitlines()
                         if l.startswith(("ipc_test:", "ipc_peer:"))
                         or "killed" in l or "PANIC" in l)

    def need(self, pattern):
        """The first match of pattern (a regex), or fail with the driver's
        lines."""
        m = re.search(pattern, self.out)
        assert m, (f"missing: {pattern!r} ({self.why})\n"
                   f"--- driver output ---\n{self.driver_lines()}")
        return m

    def line(self, text):
        """A literal driver check line."""
        return self.need(re.escape(text))

    def peer(self, scenario, role):
        """(pid as printed by audit_tail, slot) of a scenario's peer."""
        m = self.need(rf"ipc_test: {scenario} peer {role} pid=(\S+) "
                      rf"slot=(\d+) ")
        return m.group(1), int(m.group(2))


@pytest.fixture(scope="module")
def run(iso_cache, tmp_path_factory):
    modules = [user_prog(n) for n in MODULES] + [user_prog(PEER) +
                                                 ":spawn-only"]
    log = tmp_path_factory.mktemp("ipc") / "serial.log"
    m = Machine(iso_cache("", modules), "128M", 2, "bios", RUN_TIMEOUT,
                str(log))
    finished, why = False, "finished"
    try:
        i = m.child.expect([r"ipc_test: all scenarios passed",
                            r"ipc_test: \d+ scenario\(s\) failed",
                            r"ipc_test: FAIL (start|warm-up)",
                            r"\(ipc_test\) killed",
                            r"PANIC|EXCEPTION", pexpect.EOF,
                            pexpect.TIMEOUT], timeout=RUN_TIMEOUT)
        finished = i == 0
        why = ["passed", "driver reported failures",
               "driver failed before the scenarios", "driver killed",
               "kernel panic", "QEMU exited",
               f"timeout after {RUN_TIMEOUT} s"][i]
        if i in (2, 3, 4):
            # Let the driver's last lines (or the panic's) reach the log.
            m.child.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=3)
        if i in (0, 1):
            # The audit trail of the whole run: audit_tail prints until
            # the system has been quiet for 3 s.
            try:
                m.child.expect(r"audit: done", timeout=AUDIT_TIMEOUT)
            except (pexpect.TIMEOUT, pexpect.EOF):
                why += ", audit_tail did not finish"
        out = m.output()
    finally:
        m.kill()
    print(f"serial log: {log}")
    return Run(out, finished, why)


def test_all_scenarios_pass(run):
    assert run.finished, f"{run.why}\n{run.driver_lines()}"
    assert "FAIL" not in run.driver_lines(), run.driver_lines()
    for name in SCENARIOS:
        run.line(f"ipc_test: scenario {name} passed")
    assert "PANIC" not in run.out and "EXCEPTION" not in run.out


def test_pingpong_crosses_cpus(run):
    run.need(r"smp: 2 CPUs online")
    m = run.need(r"ipc_test: pingpong ok rounds=(\d+) cpu_driver=(\d+) "
                 r"cpu_peer=(\d+) cross=(\d+) driver_cpus=(\S+) "
                 r"peer_cpus=(\S+) online=(\d+)")
    rounds, cpu_driver, cpu_peer, cross = (int(x) for x in m.groups()[:4])
    assert rounds == 1000
    assert int(m.group(7)) == 2
    # The peer said HELLO from another CPU than the driver's, and round
    # trips really crossed CPUs (each side reads SysInfo's cpu).
    assert cpu_driver != cpu_peer, m.group(0)
    assert cross > 0, m.group(0)


def test_send_without_capability_refused(run):
    run.line(f"ipc_test: send without capability refused: {EPERM}")
    run.line("ipc_test: nothing queued on the refused endpoint: 0 (ok)")


def test_delegation_beyond_held_rights_refused(run):
    for what in ("delegate by SEND-only holder refused",
                 "target still cannot send",
                 "delegate of REVOKE not held refused",
                 "delegate of RECV by holder refused",
                 "delegate of RECV by owner refused",
                 "target still cannot send after refusals",
                 "delegate by delegatee without DELEGATE refused"):
        run.line(f"ipc_test: {what}: {EPERM}")
    # Legal delegations work, and the delegatee's message arrives.
    for what in ("owner delegates SEND to peer",
                 "owner delegates SEND|DELEGATE to peer",
                 "legal delegation by SEND|DELEGATE holder"):
        run.line(f"ipc_test: {what}: 0 (ok)")
    run.line("ipc_test: delegatee sends: 16 (ok)")
    target, _ = run.peer("delegate", "target")
    m = run.need(r"ipc_test: delegated send delivered: from endpoint (\d+) "
                 r"pid (\S+) len 16")
    assert m.group(2) == target


def test_principal_cannot_be_forged(run):
    run.line(f"ipc_test: bind_principal by peer on itself refused: {EPERM}")
    run.line(f"ipc_test: bind_principal by peer on the driver refused: "
             f"{EPERM}")
    own = run.need(r"ipc_test: start pid=\S+ slot=\d+ cpus=\d+ "
                   r"principal=([0-9a-f]{64})").group(1)
    fake = run.need(r"ipc_test: fake principal ([0-9a-f]{64})").group(1)
    stamped = run.need(r"ipc_test: stamped principal ([0-9a-f]{64})").group(1)
    peer = run.need(r"ipc_test: peer principal ([0-9a-f]{64})").group(1)
    assert stamped != fake
    # All modules are signed with the build's key: one Principal.
    assert stamped == own == peer
    pub = os.path.join(BUILD, "keys", "bootstrap_pubkey.bin")
    if os.path.exists(pub):
        with open(pub, "rb") as f:
            assert stamped == f.read().hex()
    run.line("ipc_test: forged principal ignored: ok")


def test_revoke_during_conversation(run):
    run.line("ipc_test: server revokes client's SEND mid-conversation: "
             "0 (ok)")
    run.line(f"ipc_test: client's next send after revoke refused: {EPERM}")
    # The client's own account, then the driver's: every message queued
    # before the revocation was delivered, and the client exited 0.
    sent = int(run.need(r"ipc_peer: send to endpoint 4 refused after (\d+) "
                        r"messages: " + re.escape(EPERM)).group(1))
    client, _ = run.peer("revoke", "client")
    m = run.need(r"ipc_test: revoke during conversation ok: client (\S+) "
                 r"sent (\d+), received (\d+) \((\d+) of them queued at "
                 r"the revocation\), then refused -2 "
                 r"\(permission denied\), client exit 0")
    assert m.group(1) == client
    assert int(m.group(2)) == int(m.group(3)) == sent >= 32
    # Revocation is not retroactive: what was queued is delivered.
    assert int(m.group(4)) > 0


def test_channel_readonly_peer_killed(run):
    _, slot = run.peer("channel", "reader")
    run.need(r"ipc_test: channel \S+ of 2 pages: creator vaddr 0x[0-9a-f]+, "
             r"peer attached at 0x[0-9a-f]+ and read the pattern, info ok")
    run.line("ipc_test: channel_close by creator: 0 (ok)")
    addr = run.need(r"ipc_test: peer writes its read-only mapping of channel "
                    r"\S+ at (0x[0-9a-f]+)").group(1)
    run.need(rf"ipc_peer: attached channel \S+ at {addr}")
    run.need(rf"process {slot} \(ipc_peer\) killed: #PF page fault at pc "
             rf"0x[0-9a-f]+, address {addr}, error 0x7")
    run.line("ipc_test: peer killed by write to read-only channel, exit: "
             "139 (ok)")
    run.need(r"ipc_test: channel \S+ gone with its peer")
    assert "FAIL write to read-only mapping survived" not in run.out


def test_audit_trail_shows_the_scenarios(run):
    run.need(r"audit: attached, \d+ slots")
    driver = run.need(r"ipc_test: start pid=(\S+) ").group(1)
    nocap, _ = run.peer("nocap", "client")
    delegator, _ = run.peer("delegate", "delegator")
    target, _ = run.peer("delegate", "target")
    revoked, _ = run.peer("revoke", "client")
    forger, _ = run.peer("forge", "forger")
    reader, _ = run.peer("channel", "reader")
    chan = run.need(r"ipc_test: channel (\S+) of 2 pages").group(1)
    ev = r"audit: #\d+ tick \d+ "
    for pattern in (
            # Refused send and refused delegation.
            rf"CapabilityDenied subject={nocap} object=4\b",
            rf"CapabilityDenied subject={delegator} object=4\b",
            # Delegations by the owner, and by the delegator.
            rf"CapabilityGranted subject={driver} object=4 "
            rf"grantee={delegator} rights=0x1\b",
            rf"CapabilityGranted subject={driver} object=4 "
            rf"grantee={delegator} rights=0x5\b",
            rf"CapabilityGranted subject={delegator} object=4 "
            rf"grantee={target} rights=0x1\b",
            # BindPrincipal refused at the Bootstrap gate.
            rf"SyscallDenied subject={forger} object=0 syscall=11\b",
            # Revocation by the endpoint's owner.
            rf"CapabilityRevoked subject={driver} object=4 "
            rf"holder={revoked}\b",
            # The channel's life.
            rf"ChannelCreated subject={driver} object={chan} pages=2 "
            rf"role=0\b",
            rf"ChannelAttached subject={reader} object={chan} "
            rf"creator={driver}\b",
            rf"ChannelClosed subject={driver} object={chan} bytes=8192 "
            rf"lifetime=\d+ state=3\b",
            # The peers' lives.
            rf"ProcessCreated subject={reader} object={reader}\b",
            rf"ProcessTerminated subject={reader} object={reader} "
            rf"exit=139\b",
            rf"ProcessTerminated subject={revoked} object={revoked} "
            rf"exit=0\b"):
        run.need(ev + pattern)


def test_no_leaks_after_each_scenario(run):
    checks = re.findall(
        r"ipc_test: leak check (\w+): free (\d+) -> (\d+), endpoints (\d+) "
        r"-> (\d+), caps (\d+) -> (\d+), channels (\d+) -> (\d+), "
        r"queued (\d+) -> (\d+): (ok|FAIL)", run.out)
    assert sorted(c[0] for c in checks) == sorted(SCENARIOS), \
        run.driver_lines()
    for c in checks:
        name, nums = c[0], [int(x) for x in c[1:11]]
        for what, before, after in zip(
                ("free frames", "endpoints", "cap entries", "channels",
                 "queued"), nums[0::2], nums[1::2]):
            assert before == after, (name, what, before, after)
        assert c[11] == "ok"
