#!/usr/bin/env python3
"""The mend Ansible role, run for real with ansible-playbook on localhost against the simulator.

usage: ansible_test.py MEND_EXE SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

import jsonschema

MEND, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
SCENARIOS = os.path.join(SRC, "tests", "fleet", "scenarios")
failures = []
with open(os.path.join(SRC, "docs", "report.schema.json"), encoding="utf-8") as _f:
    SCHEMA = jsonschema.Draft202012Validator(json.load(_f))
REPORTS = []  # every report the role read, each validated against the schema


def check(cond, what):
    print(("ok      " if cond else "FAILED  ") + what)
    if not cond:
        failures.append(what)


def fresh_state(name, scenario):
    """A throwaway copy of a scenario: the simulator writes its state back to it."""
    path = os.path.join(WORK, name + ".lua")
    shutil.copyfile(os.path.join(SCENARIOS, scenario + ".lua"), path)
    return path


def play(state, *extra, **role_vars):
    """Runs the role once; returns (stats for localhost, failure messages, whole result)."""
    role_vars.setdefault("mend_allow", [])
    role_vars.update(mend_exe=MEND, mend_host_spec="sim:" + state,
                     mend_environment={"MEND_DATA_DIR": SRC,
                                       "MEND_STATE_DIR": os.path.join(WORK, "state")})
    vars_file = os.path.join(WORK, "vars.json")
    with open(vars_file, "w") as f:
        json.dump(role_vars, f)
    env = dict(os.environ,
               ANSIBLE_ROLES_PATH=os.path.join(SRC, "contrib", "ansible", "roles"),
               ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_HOME=os.path.join(WORK, "ansible-home"),
               ANSIBLE_LOCAL_TEMP=os.path.join(WORK, "tmp"), ANSIBLE_REMOTE_TEMP=os.path.join(WORK, "tmp"),
               ANSIBLE_CONFIG=os.path.join(WORK, "no-ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_DEPRECATION_WARNINGS="0")
    cmd = ["ansible-playbook", "-i", "localhost,", "-e", "@" + vars_file,
           "-e", "ansible_python_interpreter=" + sys.executable,
           os.path.join(SRC, "tests", "fleet", "ansible", "site.yml")] + list(extra)
    proc = subprocess.run(cmd, cwd=WORK, env=env, capture_output=True, text=True, timeout=240)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        print(proc.stdout, proc.stderr, sep="\n")
        raise SystemExit("ansible-playbook did not print its JSON result (exit %d)" % proc.returncode)
    messages = []
    for p in result.get("plays", []):
        for t in p.get("tasks", []):
            h = t.get("hosts", {}).get("localhost", {})
            if h.get("failed"):
                messages.append(h.get("msg", ""))
            report = h.get("ansible_facts", {}).get("mend_report")
            if isinstance(report, dict):
                for err in SCHEMA.iter_errors(report):
                    check(False, "the report the role read matches docs/report.schema.json: %s" % err.message)
                REPORTS.append(report)
    return result["stats"]["localhost"], messages, result


def mend_check(state_file):
    """mend check's exit code on the simulator's saved state: 0 healthy, 1 problem found."""
    env = dict(os.environ, MEND_DATA_DIR=SRC, MEND_STATE_DIR=os.path.join(WORK, "state"))
    return subprocess.run([MEND, "check", "--host", "sim:" + state_file], env=env,
                          capture_output=True, text=True, timeout=60).returncode


def main():
    if shutil.which("ansible-playbook") is None:
        raise SystemExit("ansible-playbook not found: install Debian's ansible-core (apt-get install -y ansible-core)")
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(os.path.join(WORK, "tmp"))

    # A stuck policy: the role fixes it and says changed.
    state = fresh_state("stuck", "stuck")
    stats, msgs, _ = play(state)
    check(stats["changed"] == 1 and stats["failures"] == 0 and not msgs,
          "stuck scenario: changed=1, no failure (got %s %s)" % (stats, msgs))
    # Run again: nothing left to do, so ok without change (idempotent).
    stats, msgs, _ = play(state)
    check(stats["changed"] == 0 and stats["failures"] == 0 and not msgs,
          "second run: ok, changed=0 (got %s %s)" % (stats, msgs))

    # --check is a dry run: it reports what would change and changes nothing.
    state = fresh_state("check-mode", "stuck")
    before = open(state).read()
    stats, msgs, _ = play(state, "--check")
    check(stats["changed"] == 1 and stats["failures"] == 0, "--check: changed=1 (would change) (got %s)" % stats)
    check(open(state).read() == before, "--check: the simulator's state is untouched")
    stats, _, _ = play(state)
    check(stats["changed"] == 1, "real run after --check still has the work to do (got %s)" % stats)

    # A dry run asked for through the role's variable changes nothing and says so.
    state = fresh_state("dry", "stuck")
    stats, msgs, _ = play(state, mend_dry_run=True)
    check(stats["changed"] == 0 and stats["failures"] == 0, "mend_dry_run: changed=0 (got %s %s)" % (stats, msgs))

    # A policy held by a VPN client without --allow kill: failed, with mend's advice.
    state = fresh_state("blocked", "blocked")
    stats, msgs, _ = play(state)
    check(stats["failures"] == 1 and stats["changed"] == 0, "blocked policy: failed=1 (got %s)" % stats)
    msg = msgs[-1] if msgs else ""
    check("--allow kill" in msg and "Corp-QM" in msg and "blocked" in msg,
          "failure message carries the outcome, the policy and mend's advice: %r" % msg)
    env = dict(os.environ, MEND_DATA_DIR=SRC, MEND_STATE_DIR=os.path.join(WORK, "state"))
    direct = subprocess.run([MEND, "fix", "--all-pending", "--dry-run", "--json", "--host", "sim:" + state],
                            env=env, capture_output=True, text=True, timeout=60)
    advice = json.loads(direct.stdout)["advice"]
    check(bool(advice) and all(a in msg for a in advice), "every advice line of the report is in the message")

    # The same host once the gate is open: fixed, changed.
    stats, msgs, _ = play(state, mend_allow=["kill"])
    check(stats["changed"] == 1 and stats["failures"] == 0, "blocked policy with kill allowed: changed=1 (got %s %s)"
          % (stats, msgs))
    check(mend_check(state) == 0, "mend check finds the simulator healthy afterwards")

    # mend itself cannot run (exit 2): the failure says why.
    state = fresh_state("usage", "stuck")
    stats, msgs, _ = play(state, mend_extra_args=["--exit-codes", "bogus"])
    msg = msgs[-1] if msgs else ""
    check(stats["failures"] == 1 and "mend could not run" in msg and "exit 2" in msg and "--exit-codes" in msg,
          "exit 2 fails with mend's own error: %r" % msg)

    check(len(REPORTS) >= 4, "the role's reports were validated against the schema (%d)" % len(REPORTS))
    if failures:
        raise SystemExit("%d check(s) failed" % len(failures))


main()
