#!/usr/bin/env python3
"""Regenerate the seed corpus of the ACPI fuzzer (tests/fuzz/fuzz_acpi.c).

Each seed is a control byte followed by a fake physical arena placed at
0xE0000: the RSDP first, then the root tables and the tables they name.
The layouts follow what QEMU's q35 machine and typical firmware produce;
the tables are built here by hand.
    usage: tests/fuzz/gen_acpi_corpus.py [outdir]
"""
import os
import struct
import sys

BASE = 0xE0000
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus", "acpi")


def fix(buf, off, start=0, end=None):
    """Set buf[off] so that buf[start:end] sums to zero."""
    end = len(buf) if end is None else end
    buf[off] = 0
    buf[off] = (-sum(buf[start:end])) & 0xFF


def table(sig, body, rev=1):
    t = bytearray(sig + struct.pack("<IBB6s8sIII", 36 + len(body), rev, 0,
                                    b"CAMBIO", b"FUZZSEED", 1, 0x43414d42, 1))
    t += body
    fix(t, 9)
    return bytes(t)


def rsdp(rsdt, xsdt=None, rev=None):
    rev = (2 if xsdt is not None else 0) if rev is None else rev
    r = bytearray(b"RSD PTR " + b"\0" + b"QEMUXX" + bytes([rev]) +
                  struct.pack("<I", rsdt))
    fix(r, 8)
    if rev >= 2:
        r += struct.pack("<IQ", 36, xsdt or 0) + b"\0\0\0\0"
        fix(r, 32)
    return bytes(r)


def lapic(uid, apic, flags=1):
    return struct.pack("<BBBBI", 0, 8, uid, apic, flags)


def ioapic(i, addr, gsi):
    return struct.pack("<BBBBII", 1, 12, i, 0, addr, gsi)


def iso(irq, gsi, flags=0, bus=0):
    return struct.pack("<BBBBIH", 2, 10, bus, irq, gsi, flags)


def nmi(uid, flags, lint):
    return struct.pack("<BBBHB", 4, 6, uid, flags, lint)


def lapic_addr(addr):
    return struct.pack("<BBHQ", 5, 12, 0, addr)


def x2apic(apic, flags, uid):
    return struct.pack("<BBHIII", 9, 16, 0, apic, flags, uid)


def x2nmi(uid, flags, lint):
    return struct.pack("<BBHIB3x", 10, 12, flags, uid, lint)


def madt(entries, rev=1, lapic_base=0xFEE00000, flags=1):
    return table(b"APIC", struct.pack("<II", lapic_base, flags) +
                 b"".join(entries), rev)


def qemu_madt(cpus=2):
    e = [lapic(i, i) for i in range(cpus)]
    e += [ioapic(0, 0xFEC00000, 0), iso(0, 2), iso(5, 5, 0xD),
          iso(9, 9, 0xD), iso(10, 10, 0xD), iso(11, 11, 0xD),
          nmi(0xFF, 0, 1)]
    return madt(e)


def arena(rsdp_bytes, tables):
    """Lay out tables at fixed offsets; tables is a list of (off, bytes)."""
    size = max(off + len(t) for off, t in tables)
    a = bytearray(max(size, len(rsdp_bytes)))
    a[:len(rsdp_bytes)] = rsdp_bytes
    for off, t in tables:
        a[off:off + len(t)] = t
    return bytes(a)


def root(sig, addrs):
    fmt = "<Q" if sig == b"XSDT" else "<I"
    return table(sig, b"".join(struct.pack(fmt, a) for a in addrs))


def full_set(madt_bytes, use_xsdt=True, extra=()):
    """RSDP (v2 or v1) -> root -> FACP, APIC, HPET, MCFG (+ extra)."""
    fadt, hpet, mcfg, apic = 0x200, 0x300, 0x340, 0x400
    tabs = [(fadt, table(b"FACP", bytes(208), 5)),
            (apic, madt_bytes),
            (hpet, table(b"HPET", bytes(20))),
            (mcfg, table(b"MCFG", bytes(8) + struct.pack(
                "<QHBBI", 0xB0000000, 0, 0, 255, 0)))]
    tabs += list(extra)
    addrs = [BASE + off for off, _ in tabs]
    rsdt_off, xsdt_off = 0x40, 0x100
    tabs.append((rsdt_off, root(b"RSDT", addrs)))
    if use_xsdt:
        tabs.append((xsdt_off, root(b"XSDT", addrs)))
        r = rsdp(BASE + rsdt_off, BASE + xsdt_off)
    else:
        r = rsdp(BASE + rsdt_off)
    return arena(r, tabs)


def seed(name, ctl, data):
    assert len(data) < 16384, name
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([ctl]) + data)


def main():
    os.makedirs(OUT, exist_ok=True)
    # QEMU-like, XSDT, through the boot_info copy and through phys.
    seed("qemu-q35-xsdt", 0, full_set(qemu_madt()))
    seed("qemu-q35-xsdt-phys", 1, full_set(qemu_madt(4)))
    seed("qemu-v1-rsdt", 2, full_set(qemu_madt(), use_xsdt=False))
    # Bad XSDT checksum: falls back to the RSDT.
    a = bytearray(full_set(qemu_madt()))
    a[0x100 + 40] ^= 0xFF
    seed("bad-xsdt-fallback", 0, bytes(a))
    # Many CPUs: xAPIC then x2APIC entries, per-CPU NMIs.
    e = [lapic(i, i) for i in range(200)]
    e += [x2apic(300 + i, 1, 200 + i) for i in range(70)]
    e += [x2nmi(0xFFFFFFFF, 0, 1), ioapic(0, 0xFEC00000, 0)]
    seed("many-cpus-x2apic", 1, full_set(madt(e, rev=5)))
    # Six I/O APICs and twenty overrides: limits and duplicates.
    e = [lapic(0, 0)]
    e += [ioapic(i, 0xFEC00000 + 0x1000 * i, 24 * i) for i in range(6)]
    e += [iso(i % 16, i + 16, 0xF if i & 1 else 0) for i in range(20)]
    seed("ioapics-overrides", 0, full_set(madt(e)))
    # Online-capable CPUs, 64-bit local APIC address, NMIs of each kind.
    e = [lapic(0, 0, 1), lapic(1, 1, 2), lapic(2, 2, 0), x2apic(500, 2, 3),
         lapic_addr(0xFEE00000), nmi(0, 5, 0), nmi(0xFF, 0xF, 1),
         x2nmi(3, 0xD, 1)]
    seed("online-capable-rev5", 0, full_set(madt(e, rev=5)))
    # Hostile MADT entries: duplicates, invalid values, unknown types.
    e = [lapic(0, 0), lapic(1, 0), lapic(2, 0xFF), x2apic(0xFFFFFFFF, 1, 0),
         ioapic(0, 0, 0), iso(16, 16), iso(3, 3, 2, 0), iso(4, 4, 0, 1),
         nmi(0, 0, 2), lapic_addr(0), bytes([0x0B, 4, 0, 0]),
         bytes([0x7F, 2])]
    seed("hostile-entries", 0, full_set(madt(e)))
    # A zero-length entry (the parser must not loop).
    m = bytearray(madt([lapic(0, 0), lapic(1, 1)]))
    m[44 + 9] = 0
    fix(m, 9)
    seed("zero-length-entry", 0, full_set(bytes(m)))
    # Root table with null, repeated and self entries.
    a = bytearray(full_set(qemu_madt()))
    xs = root(b"XSDT", [0, BASE + 0x400, BASE + 0x400, BASE + 0x100,
                        0xFFFFFFFFFFFFFFF0])
    a[0x100:0x100 + len(xs)] = xs
    seed("root-hostile-entries", 0, bytes(a))
    # A bare MADT, for the raw-buffer path (the RSDP check fails at once).
    seed("raw-madt", 0, qemu_madt(8))


if __name__ == "__main__":
    main()
