#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The test runner itself (tests/run.py): fake test programs whose output and
end are known, run through its main loop; what it counts, drops and prints.
No QEMU: it runs in a second."""

import contextlib
import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check  # noqa: E402

sys.path.insert(0, os.path.join(vstest.REPO, "tests"))
import run  # noqa: E402

# name: (what it prints, how it ends, declared count)
FAKES = {
    "fake_ok": ("PASS a\nPASS b\n", "sys.exit(0)", 2),
    "fake_fail": ("PASS a\nFAIL b: broken\n", "sys.exit(1)", 2),
    "fake_crash": ("PASS a\nPASS b\n", "os.abort()", 2),
    "fake_exit": ("PASS a\n", "sys.exit(3)", 1),
    "fake_hang": ("PASS a\n", "time.sleep(60)", 1),
    "fake_count": ("PASS a\nPASS b\nPASS c\n", "sys.exit(0)", 2),
    "fake_atleast": ("PASS a\nPASS b\nPASS c\n", "sys.exit(0)", ">= 2"),
    "fake_skip": ("PASS a\nSKIP b: no kernel\n", "sys.exit(0)", 2),
    # one SKIP line per check it could not run; SKIP_ALLOWED names it in the CI cases
    "fake_skip_allowed": ("PASS a\nSKIP b: no kvm\nSKIP c: no kvm\n", "sys.exit(0)", 3),
    "fake_undeclared": ("PASS a\n", "sys.exit(0)", None),
    "fake_silent": ("", "sys.exit(0)", 1),
}


def run_fakes(names, env_ci, skip_allowed=frozenset()):
    """Runs run.main over the named fakes (SKIP_ALLOWED: skip_allowed); returns
    (exit status, stdout lines, run dir)."""
    top = vstest.tmpdir("vstest-runner-")
    progs = []
    for name in names:
        out, end, _ = FAKES[name]
        path = os.path.join(top, name + ".py")
        with open(path, "w") as f:
            f.write("import os, sys, time\nsys.stdout.write(%r)\nsys.stdout.flush()\n%s\n" % (out, end))
        progs.append((name, [sys.executable, path], 3))
    saved = (run.programs, run.LOGS, dict(run.EXPECTED), os.environ.get("CI"), run.SKIP_ALLOWED)
    run.programs = lambda pattern: progs
    run.LOGS = os.path.join(top, "logs")
    run.SKIP_ALLOWED = frozenset(skip_allowed)
    for name in names:
        if FAKES[name][2] is not None:
            run.EXPECTED[name] = FAKES[name][2]
    if env_ci:
        os.environ["CI"] = "1"
    else:
        os.environ.pop("CI", None)
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            status = run.main(["run.py"])
    finally:
        run.programs, run.LOGS, run.SKIP_ALLOWED = saved[0], saved[1], saved[4]
        run.EXPECTED.clear()
        run.EXPECTED.update(saved[2])
        if saved[3] is None:
            os.environ.pop("CI", None)
        else:
            os.environ["CI"] = saved[3]
    latest = os.path.join(top, "logs", "latest")
    return status, buf.getvalue().splitlines(), latest


def line_for(lines, name):
    return next((l for l in lines if l.startswith("[") and "] %s:" % name in l), "")


def main():
    status, lines, latest = run_fakes(list(FAKES), env_ci=False)
    out = "\n".join(lines)
    check("runner: the last line is 'N passed, N failed, N skipped' with every count",
          lines[-1] == "12 passed, 7 failed, 3 skipped", lines[-1:])
    check("runner: exit status 1 when something failed", status == 1, status)
    check("runner: a clean program's PASS lines are counted",
          "fake_ok: 2 passed, 0 failed" in line_for(lines, "fake_ok"), line_for(lines, "fake_ok"))
    check("runner: a crash (abort) drops the PASS lines it printed and is one failure",
          "fake_crash: 0 passed, 1 failed" in line_for(lines, "fake_crash") and
          "FAIL fake_crash: killed by signal 6; its 2 PASS/SKIP lines not counted" in out, line_for(lines, "fake_crash"))
    check("runner: a non-zero exit without a FAIL line drops the PASS lines",
          "fake_exit: 0 passed, 1 failed" in line_for(lines, "fake_exit"), line_for(lines, "fake_exit"))
    check("runner: a timeout drops the PASS lines and is one failure",
          "fake_hang: 0 passed, 1 failed" in line_for(lines, "fake_hang") and
          "FAIL fake_hang: timed out after 3 s" in out, line_for(lines, "fake_hang"))
    check("runner: a program's own FAIL line is counted, its PASS lines too",
          "fake_fail: 1 passed, 1 failed" in line_for(lines, "fake_fail"), line_for(lines, "fake_fail"))
    check("runner: more checks than declared is a failure named after the program",
          "FAIL fake_count: 3 checks printed, 2 expected" in out, line_for(lines, "fake_count"))
    check("runner: '>= N' accepts more", "fake_atleast: 3 passed, 0 failed" in line_for(lines, "fake_atleast"),
          line_for(lines, "fake_atleast"))
    check("runner: a program without a declared count fails",
          "FAIL fake_undeclared: no expected number of checks declared" in out, line_for(lines, "fake_undeclared"))
    check("runner: a program that prints nothing fails", "FAIL fake_silent: printed no PASS or FAIL line" in out,
          line_for(lines, "fake_silent"))
    check("runner: a SKIP line is counted as skipped, not passed",
          "fake_skip: 1 passed, 0 failed, 1 skipped" in line_for(lines, "fake_skip"), line_for(lines, "fake_skip"))
    logs = sorted(os.listdir(latest)) if os.path.isdir(latest) else []
    check("runner: each program's log in the run's directory, 'latest' pointing to it",
          os.path.islink(latest) and logs == sorted(n + ".log" for n in FAKES), logs)

    status, lines, _ = run_fakes(["fake_ok", "fake_skip"], env_ci=True)
    check("runner: with CI set a SKIP line fails the run", status == 1 and lines[-1] == "3 passed, 1 failed, 1 skipped"
          and any(l.startswith("FAIL fake_skip: 1 checks skipped, not allowed in CI") for l in lines), lines[-3:])
    status, lines, _ = run_fakes(["fake_ok", "fake_skip_allowed"], env_ci=True,
                                 skip_allowed={"fake_skip_allowed"})
    check("runner: with CI set the SKIP lines of a program SKIP_ALLOWED names pass, counted as skipped; exit 0",
          status == 0 and lines[-1] == "3 passed, 0 failed, 2 skipped"
          and "fake_skip_allowed: 1 passed, 0 failed, 2 skipped" in line_for(lines, "fake_skip_allowed"),
          (status, lines[-3:]))
    status, lines, _ = run_fakes(["fake_skip", "fake_skip_allowed"], env_ci=True,
                                 skip_allowed={"fake_skip_allowed"})
    check("runner: with CI set SKIP_ALLOWED spares only the program it names",
          status == 1 and lines[-1] == "2 passed, 1 failed, 3 skipped"
          and "fake_skip: 1 passed, 1 failed, 1 skipped" in line_for(lines, "fake_skip")
          and "fake_skip_allowed: 1 passed, 0 failed, 2 skipped" in line_for(lines, "fake_skip_allowed"),
          lines[-4:])
    status, lines, _ = run_fakes(["fake_ok"], env_ci=False)
    check("runner: 'N passed, N failed' alone when nothing was skipped; exit 0",
          status == 0 and lines[-1] == "2 passed, 0 failed", (status, lines[-1:]))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
