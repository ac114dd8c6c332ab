#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The vioshare test runner (`make test`).

Runs every unit test binary build/host/tests/test_* and every
tests/integration/test_*.py, one at a time, each with a time limit, its stdout and
stderr going to build/test-logs/RUN-ID/NAME.log (build/test-logs/latest names the
last run).  Every test program prints one line `PASS name`, `FAIL name: reason` or
`SKIP name: reason` per check and exits non-zero if a check failed.

The runner adds up those lines, and counts one more failure named after a program
that exits non-zero, times out or prints no result without a FAIL line; that
prints another number of checks than EXPECTED declares for it (or is not declared
there); or that printed a SKIP line while CI is set (a missing kernel or firmware
fails in CI) unless SKIP_ALLOWED names it.  The PASS and SKIP lines of a program
that timed out, was killed by a signal or exited non-zero without a FAIL line
(a crash) are not counted.
The last line of the output is `N passed, N failed`, followed by `, N skipped`
when something was skipped; exit 0 only if nothing failed and something passed.

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
RESULT = re.compile(rb"^(PASS|FAIL|SKIP) (.*?)\r?$")

# The number of PASS + FAIL + SKIP lines each program prints: an int (exactly),
# a tuple (one of these) or ">= N" (its checks depend on the data it finds).
# A new test program declares its count here.
EXPECTED = {
    # unit tests (build/host/tests/)
    "test_acpi": 28,
    "test_aio": 10,
    "test_bootentries": 40,
    "test_cmdparse": 41,
    "test_dirplus": 22,
    "test_prelist": 8,
    "test_sharepath": 3,
    "test_errno": 5,
    "test_efi_file": 17,
    "test_escape_sort": 18,
    "test_fmt": 12,
    "test_fdt_edit": 9,
    "test_gunzip": 12,
    "test_fuse_codec": 70,
    "test_interop": 6,
    "test_late_answers": 10,
    "test_profiles": 10,
    "test_sha256": 11,
    "test_hashfiles": 5,
    "test_stats": 3,
    "test_soak": 4,                       # the 2-minute soak (100 s); make soak runs it for MINUTES
    "test_vfs_sim": 96,
    "test_vfs_write": 22,
    "test_vmmio": 39,
    "test_vpci": 37,
    "test_vq": 29,
    # integration tests (tests/integration/); test_current_X.py is test_X.py on the current stack
    "test_aarch64.py": 12,
    "test_aarch64_boot.py": 19,
    "test_badinput.py": 156,
    "test_current_badinput.py": 50,      # only the inputs that reach virtiofsd
    "test_bootentries.py": 27,
    "test_boot_linux.py": 15,
    "test_current_boot_linux.py": 15,
    "test_grub.py": 20,
    "test_grub_efi.py": 23,
    "test_grub_arm64.py": 14,
    "test_cli.py": 50,
    "test_coherence.py": 37,
    "test_current_coherence.py": 37,
    "test_docs.py": 6,
    "test_documented.py": 54,
    "test_documented_more.py": 17,
    "test_efi.py": 17,
    "test_efi_driver.py": 36,
    "test_efi_driver_aarch64.py": 11,
    "test_faults.py": 39,
    "test_current_faults.py": 39,
    "test_fuzz_smoke.py": 19,
    "test_install.py": 15,
    "test_kvm.py": 6,                     # 5 SKIP lines where /dev/kvm does not open as KVM
    "test_launcher.py": 73,
    "test_libvirt.py": 33,
    "test_microvm.py": 12,
    "test_migrate.py": 4,                 # QEMU 7.2 refuses: its message checked
    "test_current_migrate.py": 8,
    "test_microvm_boot.py": 11,
    "test_msix.py": 15,
    "test_outputs.py": 218,             # both stacks in one program
    "test_ports.py": 12,
    "test_poweroff.py": 15,
    "test_remount.py": 3,
    "test_current_remount.py": 3,
    # 2 + 6 seeds (5 fixed, 1 fresh) x 8 + 27; VIOSHARE_RW_SEEDS adds 8 a seed (run the program itself)
    "test_rw.py": 77,
    "test_current_rw.py": 77,
    "test_rw_errors.py": 143,
    "test_reconnect.py": 9,
    "test_current_reconnect.py": 9,
    "test_runner.py": 17,
    "test_scale.py": 13,
    "test_shell.py": 17,
    "test_submounts.py": 5,
    "test_current_shell.py": 17,
    "test_tools.py": 59,
    "test_trace.py": 19,
    "test_roundtrips.py": 12,
    "test_current_roundtrips.py": 12,
    "test_tree.py": 20,
    "test_cptree.py": 10,
    "test_uboot.py": 32,
    "test_current_tree.py": 20,
}

# Programs whose SKIP lines the README allows in CI (a missing kernel,
# firmware or tool is a failure there): KVM runs only where /dev/kvm answers
# as KVM (vstest.kvm_unusable; the programs' other skips fail in CI).
SKIP_ALLOWED = frozenset({"test_kvm.py", "test_libvirt.py"})


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


def count_ok(name, count):
    """None if count checks is what EXPECTED declares for name, else why not."""
    want = EXPECTED.get(name)
    if want is None:
        return "no expected number of checks declared (EXPECTED in tests/run.py)"
    if isinstance(want, str):
        ok = count >= int(want.split(">=")[1])
    elif isinstance(want, tuple):
        ok = count in want
    else:
        ok = count == want
    if ok:
        return None
    shown = want if isinstance(want, str) else " or ".join(str(w) for w in (want if isinstance(want, tuple) else (want,)))
    return "%d checks printed, %s expected" % (count, shown)


def new_run_dir():
    """build/test-logs/RUN-ID/, and build/test-logs/latest pointing to it."""
    run_id = time.strftime("%Y%m%d-%H%M%S") + "-%d" % os.getpid()
    path = os.path.join(LOGS, run_id)
    os.makedirs(path)
    tmp = os.path.join(LOGS, ".latest-%d" % os.getpid())
    os.symlink(run_id, tmp)
    os.replace(tmp, os.path.join(LOGS, "latest"))
    return path


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


def summary(passed, failed, skipped):
    return "%d passed, %d failed%s" % (passed, failed, ", %d skipped" % skipped if skipped else "")


def tally(log_path):
    """The PASS, FAIL and SKIP lines of a log: (passes, fail lines, skip lines)."""
    p, fails, skips = 0, [], []
    with open(log_path, "rb") as log:
        for line in log:
            m = RESULT.match(line.rstrip(b"\n"))
            if not m:
                continue
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            if m.group(1) == b"PASS":
                p += 1
            elif m.group(1) == b"FAIL":
                fails.append(text)
            else:
                skips.append(text)
    return p, fails, skips


def judge(name, status, limit, log_path):
    """Returns (passed, skipped, fail lines) for one program's run."""
    p, fail_lines, skip_lines = tally(log_path)
    count = p + len(fail_lines) + len(skip_lines)
    crashed = None
    if status is None:
        crashed = "timed out after %g s" % limit
    elif status < 0:
        crashed = "killed by signal %d" % -status
    elif status != 0 and not fail_lines:
        crashed = "exit status %d without a FAIL line" % status
    if crashed:
        # What a crashed run printed before it went proves nothing.
        dropped = p + len(skip_lines)
        fail_lines.append("FAIL %s: %s%s" % (name, crashed, "; its %d PASS/SKIP lines not counted" % dropped
                                                  if dropped else ""))
        return 0, 0, fail_lines
    if status == 0 and p == 0 and not fail_lines and not skip_lines:
        fail_lines.append("FAIL %s: printed no PASS or FAIL line" % name)
        return 0, 0, fail_lines
    why = count_ok(name, count)
    if why:
        fail_lines.append("FAIL %s: %s" % (name, why))
    if skip_lines and os.environ.get("CI") and name not in SKIP_ALLOWED:
        fail_lines.append("FAIL %s: %d checks skipped, not allowed in CI (first: %s)"
                          % (name, len(skip_lines), skip_lines[0]))
    return p, len(skip_lines), fail_lines


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        sys.stdout.write("usage: python3 tests/run.py [PATTERN]\n")
        return 0 if len(argv) == 2 else 2
    pattern = argv[1] if len(argv) == 2 else None
    os.makedirs(LOGS, exist_ok=True)
    run_dir = new_run_dir()
    progs = programs(pattern)
    passed = failed = skipped = 0
    if not progs:
        print("no test programs found%s" % (" matching %r" % pattern if pattern else ""))
    for i, (name, cmd, limit) in enumerate(progs, 1):
        log_path = os.path.join(run_dir, name + ".log")
        rel_log = os.path.relpath(log_path, REPO)
        try:
            status, secs = run_one(name, cmd, limit, log_path)
        except KeyboardInterrupt:
            print("interrupted")
            print(summary(passed, failed + 1, skipped))
            return 130
        except OSError as e:
            status, secs = -1, 0.0
            with open(log_path, "ab") as log:
                log.write(("cannot run %s: %s\n" % (cmd, e)).encode())
        p, s, fail_lines = judge(name, status, limit, log_path)
        for line in fail_lines:
            print("%s  [log: %s]" % (line, rel_log))
        print("[%d/%d] %s: %s (%.1f s)" % (i, len(progs), name, summary(p, len(fail_lines), s), secs), flush=True)
        passed += p
        failed += len(fail_lines)
        skipped += s
    print("logs: %s" % os.path.relpath(run_dir, REPO))
    print(summary(passed, failed, skipped), flush=True)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
