#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Fuzz smoke runs (part of `make test`): builds every libFuzzer harness
(`make fuzz-build`, into build/fuzz/) and runs each for a short time over its
seed corpus tests/fuzz/corpus/NAME/.  One PASS/FAIL line per harness with the
number of executions (libFuzzer's final stats); a crash, a broken promise
(abort) or a sanitizer report is a FAIL with the reason, the crashing input
kept in build/fuzz/artifacts/.

Every run uses one random seed, printed (`# seed N`) so that a failure can be
replayed with FUZZ_SMOKE_SEED=N.

Environment: FUZZ_SMOKE_SECONDS (default 20) per harness, FUZZ_SMOKE_SEED.
`make fuzz` is the long run (FUZZ_SECONDS, default 300 each)."""

import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check, note  # noqa: E402

REPO = vstest.REPO
NAMES = ["fuse_codec", "dirent", "vq", "cmdparse", "pcicaps", "bls", "extlinux", "uki", "vfs"]
# Executions a smoke run must reach; fuzz_vfs mounts a whole simulated share per input.
MIN_EXECS = {"vfs": 200}


def seconds():
    try:
        v = int(os.environ.get("FUZZ_SMOKE_SECONDS", "20"))
        return v if v > 0 else 20
    except ValueError:
        return 20


def main():
    if shutil.which(os.environ.get("FUZZ_CC", "clang")) is None:
        check("clang available for the fuzz harnesses", False, "clang not found (tools/deps installs it)")
        return vstest.finish()
    r = subprocess.run(["make", "-s", "fuzz-build"], cwd=REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    built = r.stdout.decode(errors="replace")
    # clang's sanitizer and libFuzzer runtimes come in a package of their own, only recommended.
    runtime = re.search(r"cannot find \S*(libclang_rt\.[\w.-]+\.a)", built)
    if not check("fuzz harnesses build (make fuzz-build)", r.returncode == 0,
                 "clang's runtime %s is missing: install the Debian package libclang-rt-N-dev for clang N "
                 "(tools/deps installs libclang-rt-14-dev)" % runtime.group(1) if runtime else built[-400:]):
        note(r.stdout)
        return vstest.finish()
    secs = seconds()
    try:
        seed = int(os.environ.get("FUZZ_SMOKE_SEED", ""))
    except ValueError:
        seed = random.randrange(1, 1 << 31)
    note("seed %d (FUZZ_SMOKE_SEED=%d replays this run)" % (seed, seed))
    artifacts = os.path.join(REPO, "build", "fuzz", "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    for name in NAMES:
        binary = os.path.join(REPO, "build", "fuzz", "fuzz_" + name)
        seeds = os.path.join(REPO, "tests", "fuzz", "corpus", name)
        nseeds = len(glob.glob(os.path.join(seeds, "*")))
        check("fuzz_%s has a seed corpus (%d inputs)" % (name, nseeds), nseeds >= 3,
              "tests/fuzz/corpus/%s has %d inputs" % (name, nseeds))
        work = tempfile.mkdtemp(prefix="vioshare-fuzz-%s-" % name)
        try:
            argv = [binary, "-max_total_time=%d" % secs, "-seed=%d" % seed, "-print_final_stats=1",
                    "-artifact_prefix=%s/%s-" % (artifacts, name), work, seeds]
            note("run: " + " ".join(argv))
            try:
                p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=secs + 120)
                out, status = p.stdout.decode(errors="replace"), p.returncode
            except subprocess.TimeoutExpired as e:
                out, status = (e.output or b"").decode(errors="replace"), None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        m = re.search(r"stat::number_of_executed_units: (\d+)", out) or re.search(r"Done (\d+) runs", out)
        execs = int(m.group(1)) if m else 0
        cov = re.findall(r"cov: (\d+)", out)
        if status != 0:
            why = [l for l in out.splitlines()
                   if re.match(r"(==\d+==ERROR|SUMMARY|.*runtime error|Test unit written|"
                               r"\s+#\d+ 0x[0-9a-f]+ in (LLVMFuzzerTestOneInput|[a-z_]+) )", l)]
            note(out[-4000:])
            check("fuzz_%s: no crash in %d s" % (name, secs), False,
                  "status %s after %d execs (seed %d): %s" % (status, execs, seed, " | ".join(why[:6]) or out[-300:]))
            continue
        check("fuzz_%s: %d executions in %d s, no crash (coverage %s)"
              % (name, execs, secs, cov[-1] if cov else "?"), execs > MIN_EXECS.get(name, 1000),
              "only %d executions (seed %d)" % (execs, seed))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
