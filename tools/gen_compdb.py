#!/usr/bin/env python3
"""Write compile_commands.json for clangd from the Makefile's source lists."""
import argparse
import json
import os
import shlex

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--root", required=True)
ap.add_argument("--kernel-flags", default="")
ap.add_argument("--kernel-srcs", default="")
ap.add_argument("--host-flags", default="")
ap.add_argument("--host-srcs", default="")
a = ap.parse_args()

entries, seen = [], set()
for flags, srcs in ((a.kernel_flags, a.kernel_srcs), (a.host_flags, a.host_srcs)):
    for src in srcs.split():
        if src in seen or not src.endswith((".c", ".S")):
            continue
        seen.add(src)
        entries.append({
            "directory": a.root,
            "file": os.path.join(a.root, src),
            "arguments": ["clang", *shlex.split(flags), "-c", src],
        })
with open(a.out, "w") as f:
    json.dump(entries, f, indent=1)
