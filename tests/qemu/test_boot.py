"""Boot tests of the x86_64 kernel: banner, memory report, faults, panics,
BIOS and UEFI firmware.  Each run has a time limit; the kernel ends QEMU
itself through isa-debug-exit when the command line asks for it."""
import re

import pytest

from conftest import EXIT_EXCEPTION, EXIT_OK, EXIT_PANIC, kernel_symbol

BANNER = r"CambiOS-C \d+\.\d+\.\d+ \(x86_64\)"


def test_bios_boot_reaches_banner_and_exits_cleanly(boot):
    m = boot("exit")
    m.expect(BANNER)
    m.expect(r"boot: loader \"GRUB[^\"]*\", command line \"exit\"")
    m.expect("boot: ready")
    assert m.wait_exit() == EXIT_OK


def test_uefi_boot_reaches_banner(boot):
    m = boot("exit", firmware="uefi", timeout=180)
    m.expect(BANNER)
    m.expect("boot: ready")
    assert m.wait_exit() == EXIT_OK


@pytest.mark.parametrize("mem_mib", [128, 2048])
def test_memory_figures_agree_with_qemu_ram(boot, mem_mib):
    m = boot("exit", mem=f"{mem_mib}M")
    m.expect(r"memory map \((\d+) regions\)")
    usable_kib = int(m.expect(r"memory: usable (\d+) KiB")[1])
    free_kib = int(m.expect(r"memory: free (\d+) KiB")[1])
    assert m.wait_exit() == EXIT_OK
    ram_kib = mem_mib * 1024
    # Firmware keeps a little: the legacy hole below 1 MiB, ACPI tables,
    # the kernel image and the boot information.  At most 4 MiB of it.
    assert ram_kib - 4096 <= usable_kib <= ram_kib
    # The allocator's own metadata comes out of usable RAM.
    assert usable_kib - ram_kib // 64 <= free_kib <= usable_kib
    # The map lists at least one usable region.
    assert re.search(r"\] usable", m.output())


def test_memory_map_is_printed(boot):
    m = boot("exit")
    m.expect(r"memory map \(\d+ regions\):")
    m.expect(r"\[0x0000000000000000-0x[0-9a-f]{16}\] usable")
    assert m.wait_exit() == EXIT_OK


def test_page_fault_reports_vector_and_address(boot):
    m = boot("test=pagefault")
    m.expect("test: writing to unmapped address 0xdeadb000")
    m.expect(r"EXCEPTION: vector 14 \(#PF page fault\) error 0x2")
    m.expect("CR2=00000000deadb000")
    m.expect("page fault: non-present page on write in kernel mode")
    m.expect("backtrace:")
    m.expect(r"#0 [0-9a-f]{16} kmain\+0x")
    assert m.wait_exit() == EXIT_EXCEPTION


def test_invalid_opcode_reports_vector_and_rip(boot):
    addr, size = kernel_symbol("arch_test_invalid_opcode")
    m = boot("test=ud")
    m.expect(r"EXCEPTION: vector 6 \(#UD invalid opcode\) error 0x0")
    rip = int(m.expect(r"RIP=([0-9a-f]{16})")[1], 16)
    assert addr <= rip < addr + size
    assert m.wait_exit() == EXIT_EXCEPTION


def test_panic_prints_message_and_symbolized_backtrace(boot):
    addr, size = kernel_symbol("kmain")
    m = boot("test=panic")
    m.expect("PANIC: test: deliberate panic")
    m.expect("backtrace:")
    assert m.wait_exit() == EXIT_PANIC
    frames = re.findall(r"#\d+ ([0-9a-f]{16}) (\w+)\+0x[0-9a-f]+", m.output())
    names = [name for _, name in frames]
    assert names[0] == "panic", names
    # kmain called panic (through the test switch, maybe inlined into it).
    kmain = [int(a, 16) for a, name in frames if name == "kmain"]
    assert kmain and addr <= kmain[0] < addr + size, frames


def test_heap_double_free_is_caught(boot):
    m = boot("test=double-free")
    m.expect(r"test: freeing 0x[0-9a-f]+ twice")
    m.expect(r"PANIC: kfree: double free of 0x[0-9a-f]+")
    assert m.wait_exit() == EXIT_PANIC


def test_heap_foreign_free_is_caught(boot):
    m = boot("test=foreign-free")
    m.expect(r"PANIC: kfree: foreign pointer 0x[0-9a-f]+")
    assert m.wait_exit() == EXIT_PANIC


def test_heap_allocates_after_boot(boot):
    m = boot("test=heap exit")
    m.expect(r"test: heap allocations 0x[0-9a-f]+ 0x[0-9a-f]+")
    assert m.wait_exit() == EXIT_OK


def test_unknown_option_is_reported_not_fatal(boot):
    m = boot("frobnicate=3 exit")
    m.expect(r"cmdline: unknown option \"frobnicate\" ignored")
    m.expect("boot: ready")
    assert m.wait_exit() == EXIT_OK


def test_without_exit_switch_kernel_idles_quietly(boot):
    m = boot("")
    m.expect("boot: ready at cycle")
    # Interrupts are enabled while idle: a stray legacy-PIC interrupt
    # (the PIT at vector 8) once showed up here as a bogus double fault.
    with pytest.raises(Exception):
        m.wait_exit(timeout=3)
    assert m.child.isalive()
    out = m.output()
    assert "EXCEPTION" not in out and "PANIC" not in out, out


def test_timer_ticks_at_100hz(boot):
    m = boot("test=timer exit")
    count = int(m.expect(r"timer (\d+) counts per tick \(100 Hz\)")[1])
    m.expect("test: timer reached 50 ticks")
    assert m.wait_exit() == EXIT_OK
    # QEMU's APIC timer runs at 1 GHz; divided by 16 that is 625,000 per
    # 10 ms tick.  Calibration against the PIT must land within 10 %.
    assert 562_500 <= count <= 687_500, count
