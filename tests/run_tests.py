#!/usr/bin/env python3
"""Run every CambiOS-C test and print one closing summary line.

Unit tests: each cmocka binary in TAP mode (ASan + UBSan builds).
Fuzz smoke: each libFuzzer target for a bounded time on a copy of its corpus.
QEMU tests: pytest over tests/qemu (and tests/host when present).
The exit status is non-zero when anything failed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def ok(self, n=1):
        self.passed += n

    def fail(self, what):
        self.failed += 1
        self.failures.append(what)


def run_unit(build, name, tally):
    exe = os.path.join(build, "host", "unit", name)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    start = time.monotonic()
    try:
        proc = subprocess.run([exe], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=600)
        out, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as e:
        out, code = (e.stdout or b"").decode(errors="replace"), -1
    passed = len(re.findall(r"^ok \d+", out, re.M))
    failed = re.findall(r"^not ok \d+ - (.*)$", out, re.M)
    tally.ok(passed)
    for f in failed:
        tally.fail(f"unit/{name}: {f}")
    if code != 0 and not failed:
        tally.fail(f"unit/{name}: exit status {code}")
    status = "ok" if code == 0 and not failed else "FAILED"
    print(f"unit  {name:<24} {passed:4d} passed {len(failed):3d} failed "
          f"{time.monotonic() - start:6.1f}s  {status}", flush=True)
    if status != "ok":
        print(out[-4000:])


def run_fuzz(build, name, seconds, tally):
    exe = os.path.join(build, "host", "fuzz", name)
    seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    work = tempfile.mkdtemp(prefix=f"fuzz-{name}-")
    try:
        if os.path.isdir(seeds):
            for f in os.listdir(seeds):
                shutil.copy(os.path.join(seeds, f), work)
        proc = subprocess.run(
            [exe, f"-max_total_time={seconds}", "-timeout=10",
             "-rss_limit_mb=2048", f"-artifact_prefix={work}/", work],
            cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120)
        runs = re.findall(r"Done (\d+) runs", proc.stderr)
        if proc.returncode == 0:
            tally.ok()
            print(f"fuzz  {name:<24} {runs[-1] if runs else '?':>8} runs "
                  f"in {seconds}s  ok", flush=True)
        else:
            tally.fail(f"fuzz/{name}: exit status {proc.returncode}")
            print(f"fuzz  {name:<24} FAILED\n{proc.stderr[-4000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_pytest(python, build, arch, tally):
    dirs = [d for d in ("tests/host", "tests/qemu")
            if os.path.isdir(os.path.join(ROOT, d))]
    if not dirs:
        return
    xml = os.path.join(build, "pytest-results.xml")
    env = dict(os.environ, CAMBIOS_BUILD=build, CAMBIOS_ARCH=arch)
    proc = subprocess.run([python, "-m", "pytest", "-q", "-p",
                           "no:cacheprovider", f"--junitxml={xml}", *dirs],
                          cwd=ROOT, env=env)
    try:
        root = ET.parse(xml).getroot()
    except (OSError, ET.ParseError):
        tally.fail(f"pytest: no results (exit status {proc.returncode})")
        return
    for case in root.iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            tally.fail(f"pytest {name}")
        elif case.find("skipped") is not None:
            pass
        else:
            tally.ok()
    if proc.returncode not in (0, 5) and not tally.failed:
        tally.fail(f"pytest: exit status {proc.returncode}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--arch", default="x86_64")
    ap.add_argument("--fuzz-seconds", type=int, default=20)
    ap.add_argument("--unit", nargs="*", default=[])
    ap.add_argument("--fuzz", nargs="*", default=[])
    ap.add_argument("--only-fuzz", action="store_true")
    args = ap.parse_args()
    build = os.path.abspath(os.path.join(ROOT, args.build))

    tally = Tally()
    start = time.monotonic()
    if not args.only_fuzz:
        for name in args.unit:
            run_unit(build, name, tally)
    for name in args.fuzz:
        run_fuzz(build, name, args.fuzz_seconds, tally)
    if not args.only_fuzz:
        run_pytest(sys.executable, build, args.arch, tally)

    print()
    for f in tally.failures:
        print(f"FAILED: {f}")
    print(f"{tally.passed} passed, {tally.failed} failed "
          f"in {time.monotonic() - start:.0f}s")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
