"""User processes on x86_64: preemption on 1, 2 and 4 CPUs, faults that end
only the faulting process, bad syscalls, spawn/exit without leaks, and the
boot-module release chain."""
import re

import pytest

from conftest import user_prog


def progs(*names):
    return [user_prog(n) for n in names]


def expect_all(m, patterns, timeout=120):
    """Wait until every pattern has appeared, in any order (CPUs race)."""
    left = list(patterns)
    while left:
        i = m.child.expect(left, timeout=timeout)
        left.pop(i)


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_tasks_advance_under_preemption_and_hog_does_not_starve(boot, smp):
    # hog spins forever without a syscall; the others must still finish.
    m = boot("", smp=smp, timeout=120,
             modules=progs("hog", "spinner", "yielder"))
    m.expect(f"smp: {smp} CPUs? online")
    # CPUs race: the three lines may come in any order.
    expect_all(m, [r"hog \d+ spinning", r"spinner \d+ done",
                   r"yielder \d+ done"])
    out = m.output()
    # Progress lines of both, in order, each step once.
    for who, word in (("spinner", "step"), ("yielder", "round")):
        steps = [int(x) for x in re.findall(rf"{who} \d+ {word} (\d+)", out)]
        assert steps == [1, 2, 3, 4, 5], (who, steps)
    assert "EXCEPTION" not in out and "PANIC" not in out


def test_two_spinners_interleave_on_one_cpu(boot):
    # Neither spinner yields: only timer preemption lets both progress.
    m = boot("", smp=1, timeout=120, modules=progs("spinner", "spinner"))
    # Both finish.
    m.expect(r"spinner \d+ done")
    m.expect(r"spinner \d+ done")
    out = m.output()
    pids = re.findall(r"spinner (\d+) step", out)
    assert len(set(pids)) == 2
    # Interleaved: the second spinner printed before the first finished.
    first_done = out.index("done")
    assert len(set(re.findall(r"spinner (\d+) step", out[:first_done]))) == 2


@pytest.mark.parametrize("smp", [1, 2])
def test_faults_kill_only_the_faulting_process(boot, smp):
    m = boot("", smp=smp, timeout=120,
             modules=progs("fault_null", "fault_rodata", "fault_kjump",
                           "hello"))
    expect_all(m, [
        r"process \d+ \(fault_null\) killed: #PF page fault at pc "
        r"0x[0-9a-f]+, address 0, error 0x6",
        r"process \d+ \(fault_rodata\) killed: #PF page fault .* error 0x7",
        r"process \d+ \(fault_kjump\) killed: #PF page fault at pc "
        r"0xffffffff80200000",
        # The kernel and later modules carry on.
        r"hello from user space, pid \d+",
    ])
    out = m.output()
    assert "survived" not in out
    assert "EXCEPTION" not in out and "PANIC" not in out


def test_bogus_syscalls_return_errors(boot):
    m = boot("", timeout=120, modules=progs("fault_badsys", "hello"))
    m.expect(r"fault_badsys: done (\d+)/(\d+)")
    out = m.output()
    probes = dict(re.findall(r"fault_badsys: (\S+) ret=\S+ want=\S+ (ok|BAD)",
                             out))
    # Unknown numbers and hostile pointers for the syscalls of this issue.
    for name in ("unknown_9999", "unknown_minus_1", "print_null",
                 "print_kernel", "print_wraps", "print_unmapped",
                 "get_principal_kernel", "spawn_kernel_name",
                 "sysinfo_kernel_buf", "allocate_huge", "free_kernel",
                 "wait_task_bogus"):
        assert probes.get(name) == "ok", (name, probes.get(name))
    m.expect(r"hello from user space")
    assert "PANIC" not in out


def test_thousand_spawn_exit_cycles_leave_frames_unchanged(boot):
    m = boot("", timeout=600, modules=progs("spawn_loop", "hello_quiet"))
    m.expect(r"spawn_loop: done (\d+) free_before=(\d+) free_after=(\d+)",
             timeout=600)
    done, before, after = (int(x) for x in m.child.match.groups())
    assert done == 1000
    assert before == after, (before, after)


@pytest.mark.parametrize("smp", [1, 2, 4, 8])
def test_cpus_come_online(boot, smp):
    m = boot("exit", smp=smp, timeout=120)
    m.expect(rf"smp: {smp} CPUs? online")
    m.expect("boot: ready")
    assert m.wait_exit() == 1


def test_boot_gate_releases_modules_in_order(boot):
    m = boot("loglevel=debug", timeout=120,
             modules=progs("yielder", "spinner", "hello"))
    m.expect(r"proc: boot gate releases spinner")
    m.expect(r"proc: boot gate releases hello")
    expect_all(m, [r"yielder \d+ done", r"spinner \d+ done",
                   r"hello from user space"])
    out = m.output()
    # Before release, a module has not run: its first line comes after.
    first_step = re.search(r"spinner \d+ step 1", out).start()
    assert out.index("boot gate releases spinner") < first_step
    assert out.index("boot gate releases hello") < out.index("hello from")
    assert (out.index("boot gate releases spinner") <
            out.index("boot gate releases hello"))


def test_module_dying_before_module_ready_releases_the_next(boot):
    # fault_null dies; the chain must still reach hello.  (fault_null calls
    # ModuleReady first; the exit path releases the next module anyway.)
    m = boot("loglevel=debug", timeout=120,
             modules=progs("fault_null", "hello"))
    expect_all(m, [r"\(fault_null\) killed", r"hello from user space"])
