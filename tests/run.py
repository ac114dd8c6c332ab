#!/usr/bin/env python3
"""The vioshare test runner (`make test`).

Runs every unit test binary build/host/tests/test_* and every
tests/integration/test_*.py, one at a time, each with a time limit, its stdout and
stderr going to build/test-logs/NAME.log.  Every test program prints one line
`PASS name` or `FAIL name: reason` per case and exits non-zero if a case failed.
The runner adds up those lines; a program that exits non-zero, times out or prints
no result without a FAIL line counts as one more failure named after it.
The last line of the output is `N passed, N failed`; exit 0 only if nothing
failed and something passed.

usage: python3 tests/run.py [PATTERN]   (only the programs whose name contains PATTERN)

Environment: VIOSHARE_UNIT_TIMEOUT, VIOSHARE_INTEGRATION_TIMEOUT (seconds; defaults 600, 1800).
"""

import glob
import os
import re
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
LOGS = os.path.join(REPO, "build", "test-logs")
RESULT = re.compile(rb"^(PASS|FAIL) (.*?)\r?$")


def env_seconds(name, default):
    try:
        v = float(os.environ.get(name, default))
        return v if v > 0 else default
    except ValueError:
        return default


def programs(pattern):
    found = []
    unit_t = env_seconds("VIOSHARE_UNIT_TIMEOUT", 600)
    integ_t = env_seconds("VIOSHARE_INTEGRATION_TIMEOUT", 1800)
    for path in sorted(glob.glob(os.path.join(REPO, "build", "host", "tests", "test_*"))):
        if os.path.isfile(path) and os.access(path, os.X_OK) and not path.endswith((".d", ".o")):
            found.append((os.path.basename(path), [path], unit_t))
    for path in sorted(glob.glob(os.path.join(REPO, "tests", "integration", "test_*.py"))):
        found.append((os.path.basename(path), [sys.executable, path], integ_t))
    if pattern is not None:
        found = [p for p in found if pattern in p[0]]
    return found


def run_one(name, argv, limit, log_path):
    """Runs one program; returns (exit status or None on timeout, seconds)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            status = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            status = None
        except BaseException:
            stop_group(proc)
            raise
        # Whatever the program left running in its session goes too.
        stop_group(proc)
    return status, time.monotonic() - start


def stop_group(proc):
    """SIGTERM the program's process group (launchers clean up on SIGTERM), then SIGKILL."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        return
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if proc.poll() is not None:
            try:
                os.killpg(proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        sys.stdout.write("usage: python3 tests/run.py [PATTERN]\n")
        return 0 if len(argv) == 2 else 2
    pattern = argv[1] if len(argv) == 2 else None
    os.makedirs(LOGS, exist_ok=True)
    progs = programs(pattern)
    passed = failed = 0
    if not progs:
        print("no test programs found%s" % (" matching %r" % pattern if pattern else ""))
    for i, (name, cmd, limit) in enumerate(progs, 1):
        log_path = os.path.join(LOGS, name + ".log")
        rel_log = os.path.relpath(log_path, REPO)
        try:
            status, secs = run_one(name, cmd, limit, log_path)
        except KeyboardInterrupt:
            print("interrupted")
            print("%d passed, %d failed" % (passed, failed + 1))
            return 130
        except OSError as e:
            status, secs = -1, 0.0
            with open(log_path, "ab") as log:
                log.write(("cannot run %s: %s\n" % (cmd, e)).encode())
        p = f = 0
        fail_lines = []
        with open(log_path, "rb") as log:
            for line in log:
                m = RESULT.match(line.rstrip(b"\n"))
                if not m:
                    continue
                if m.group(1) == b"PASS":
                    p += 1
                else:
                    f += 1
                    fail_lines.append(line.rstrip(b"\r\n").decode("utf-8", "replace"))
        if f == 0:
            if status is None:
                fail_lines.append("FAIL %s: timed out after %g s" % (name, limit))
                f += 1
            elif status != 0:
                how = ("exit status %d" % status) if status >= 0 else ("killed by signal %d" % -status)
                fail_lines.append("FAIL %s: %s without a FAIL line" % (name, how))
                f += 1
            elif p == 0:
                fail_lines.append("FAIL %s: printed no PASS or FAIL line" % name)
                f += 1
        elif status is None:
            fail_lines.append("FAIL %s: timed out after %g s" % (name, limit))
            f += 1
        for line in fail_lines:
            print("%s  [log: %s]" % (line, rel_log))
        print("[%d/%d] %s: %d passed, %d failed (%.1f s)" % (i, len(progs), name, p, f, secs), flush=True)
        passed += p
        failed += f
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
