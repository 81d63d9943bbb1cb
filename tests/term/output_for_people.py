#!/usr/bin/env python3
"""Output for people: outcomes in colour on a terminal (NO_COLOR and --color=auto|always|never
respected, never on a pipe by default), advice wrapped at word boundaries to COLUMNS with quoted
names kept whole, and dry-run step lines that say "would" where the real run acts."""
import os, re, subprocess, tempfile

from termkit import MEND, check, finish, run_on_pty

SRC = os.environ["MEND_SOURCE_DIR"]


def run(env, *args):
    return subprocess.run([MEND, *args], capture_output=True, text=True, env=env)


def pty_text(env, *args):
    return run_on_pty([MEND, *args], env)[1].decode("utf-8", "replace")


GREEN, ESC = "\x1b[32m", "\x1b["
with tempfile.TemporaryDirectory(dir=os.environ.get("MEND_TEST_TMP")) as work:
    env = dict(os.environ, MEND_STATE_DIR=os.path.join(work, "state"))
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    run(env, "sim", "reset", "-q")

    # Colour: auto is off on a pipe, on on a terminal; NO_COLOR and --color=never turn it off,
    # --color=always turns it on (even on a pipe, even with NO_COLOR).
    r = run(env, "fix", "--dry-run", "--allow", "all")
    check(ESC not in r.stdout, "colour on a pipe without --color=always")
    r = run(env, "fix", "--dry-run", "--allow", "all", "--color=always")
    check(GREEN + "fixed" in r.stdout, "--color=always: no green 'fixed' in the table")
    r = run(dict(env, NO_COLOR="1"), "fix", "--dry-run", "--allow", "all", "--color=always")
    check(GREEN + "fixed" in r.stdout, "--color=always did not override NO_COLOR")
    out = pty_text(env, "fix", "--dry-run", "--allow", "all")
    check(GREEN + "fixed" in out, "no colour on a terminal with --color=auto")
    out = pty_text(dict(env, NO_COLOR="1"), "fix", "--dry-run", "--allow", "all")
    check(GREEN not in out, "colour on a terminal despite NO_COLOR")
    out = pty_text(env, "fix", "--dry-run", "--allow", "all", "--color=never")
    check(GREEN not in out, "colour on a terminal despite --color=never")
    r = run(env, "fix", "--dry-run", "--allow", "all", "--color=blue")
    check(r.returncode == 2 and "expected auto, always or never" in r.stderr, "--color=blue accepted")

    # Wrapping: every advice line fits COLUMNS unless one quoted part alone is wider; a quoted
    # name is never split across lines.
    r = run(dict(env, COLUMNS="60"), "check")
    advice = r.stdout.split("\nadvice:\n", 1)[1] if "\nadvice:\n" in r.stdout else ""
    check(advice != "", "check printed no advice")
    lines = advice.rstrip("\n").split("\n")
    check(len(lines) > 1 and any(l.startswith("    ") for l in lines), "advice was not wrapped at 60 columns")
    for l in lines:
        if len(l) > 60:
            check(re.search(r'"[^"]{40,}"|`[^`]{40,}`', l) is not None, "advice line over 60 columns: %r" % l)
        check(l.count('"') % 2 == 0, "a quoted name was broken across lines: %r" % l)
        check(not re.search(r"--[a-z-]+$", l), "an option was parted from its value: %r" % l)
    # A command to copy stays whole when it fits a line.
    check(any(l.strip() == 'mend fix "VPN-Tunnel" --allow kill,service' or l.endswith('mend fix "VPN-Tunnel" --allow kill,service')
              for l in lines), "the fix command for VPN-Tunnel was broken: %r" % lines)
    r = run(env, "check")
    unwrapped = r.stdout.split("\nadvice:\n", 1)[1].rstrip("\n").split("\n")
    check(all(l.startswith("  - ") for l in unwrapped), "advice wrapped on a pipe without COLUMNS")
    check(len(unwrapped) < len(lines), "wrapping did not add lines")

    # Dry run: actions say "would", reads keep "ok"; the real run says "ok".
    r = run(env, "fix", "--dry-run", "--allow", "all")
    check("Corp-QM: would ipsec.delete" in r.stderr, "dry-run delete line does not say 'would'")
    check("would svc.restart PolicyAgent" in r.stderr, "dry-run restart line does not say 'would'")
    check("ipsec.delete ok" not in r.stderr, "a dry-run line claims a delete happened")
    check("[identify] ipsec.get ok" in r.stderr, "a read in a dry run lost its 'ok'")
    r = run(env, "fix", "--allow", "all")
    check("Corp-QM: ipsec.delete ok" in r.stderr and "would " not in r.stderr, "the real run's lines say 'would'")

finish("output_for_people")
