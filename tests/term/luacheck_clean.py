#!/usr/bin/env python3
"""Editor support: .luacheckrc's globals are generated from scripts/types/mend.lua and kept in
step with it (this test fails when they differ; `--write` regenerates the file), .luarc.json
points editors at the annotations, and luacheck finds nothing in scripts/ and the examples.
luacheck (Debian's lua-check) must be installed: CI installs it, and its absence is a failure."""
import json, os, re, shutil, subprocess, sys

from termkit import failures, finish

SRC = os.environ.get("MEND_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES = os.path.join(SRC, "scripts", "types", "mend.lua")
RC = os.path.join(SRC, ".luacheckrc")


def api_globals(text):
    """{global: [fields]} from the annotations: `X = {}`, `function X.f(`, and mend's @field lines."""
    out, order = {}, []
    pending_fields = []
    for line in text.splitlines():
        m = re.match(r"---@class\s", line)
        if m:
            pending_fields = []
            continue
        m = re.match(r"---@field\s+([A-Za-z_][A-Za-z_0-9]*)", line)
        if m:
            pending_fields.append(m.group(1))
            continue
        m = re.match(r"([A-Za-z_][A-Za-z_0-9]*)\s*=\s*\{\}", line)
        if m:
            out[m.group(1)] = list(pending_fields)
            order.append(m.group(1))
        if not line.startswith("---"):
            pending_fields = []   # a class's fields count only for the table right under it
        m = re.match(r"function\s+([A-Za-z_][A-Za-z_0-9]*)\.([A-Za-z_][A-Za-z_0-9]*)\s*\(", line)
        if m and m.group(1) in out:
            out[m.group(1)].append(m.group(2))
    return [(g, sorted(set(out[g]))) for g in order]


def render(globals_):
    lines = ["-- luacheck settings for mend scripts. GENERATED from scripts/types/mend.lua by",
             "-- `python3 tests/term/luacheck_clean.py --write`; test term_luacheck_clean fails when they differ.",
             "-- Use: luacheck scripts/ (docs/lua-api.md, \"Editor support\").",
             'std = "lua54"',
             "max_line_length = 140",
             "-- Callbacks and methods take the arguments mend passes, used or not.",
             "unused_args = false",
             "-- The annotations only declare the API (never run).",
             'exclude_files = { "scripts/types/*.lua" }',
             "-- mend's API: read-only globals with exactly the documented fields (a typo is a warning).",
             "read_globals = {"]
    for g, fields in globals_:
        lines.append("  %s = { fields = { %s } }," % (g, ", ".join('"%s"' % f for f in fields)))
    lines += ["}",
              "-- apply.lua runs with the plan it carries out (bindings/plan.c), a global of its own.",
              'files["scripts/apply.lua"] = { read_globals = { "plan" } }',
              ""]
    return "\n".join(lines)


with open(TYPES) as f:
    want = render(api_globals(f.read()))
if "--write" in sys.argv:
    with open(RC, "w") as f:
        f.write(want)
    sys.exit(0)

have = open(RC).read() if os.path.exists(RC) else ""
if have != want:
    failures.append(".luacheckrc is not what scripts/types/mend.lua generates; run "
                    "`python3 tests/term/luacheck_clean.py --write`")
try:
    luarc = json.load(open(os.path.join(SRC, ".luarc.json")))
    lib = luarc.get("workspace.library") or luarc.get("workspace", {}).get("library") or []
    if "scripts/types" not in lib:
        failures.append(".luarc.json does not add scripts/types to workspace.library")
except (OSError, ValueError) as e:
    failures.append(".luarc.json: %s" % e)

luacheck = shutil.which("luacheck")
if not luacheck:
    failures.append("luacheck is not installed (Debian: apt-get install lua-check); CI installs it")
else:
    r = subprocess.run([luacheck, "--no-color", "--codes", "scripts"], cwd=SRC, capture_output=True, text=True)
    if r.returncode != 0:
        failures.append("luacheck scripts/ found problems:\n" + r.stdout[-6000:] + r.stderr[-2000:])

finish("luacheck_clean")
