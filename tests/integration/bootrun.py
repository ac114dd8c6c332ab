"""Shared by test_aarch64_boot.py and test_microvm_boot.py: the launcher run
with every console line stamped, and what the boot tests read from it."""

import os
import subprocess
import threading
import time

import vstest
from vstest import note


def run_timed(args, share, timeout, extra=(), env=None):
    """Runs the launcher (which starts virtiofsd, then QEMU) with share as
    tag myfs, stamping each stdout line with the seconds since the start.
    Returns (status, [(secs, line)], stderr)."""
    argv = [vstest.LAUNCHER, "--share", "%s:myfs" % share, "--mem", "1024", "--timeout", str(timeout)]
    argv += list(extra) + ["--", args]
    e = dict(os.environ)
    e.pop("VIOSHARE_IMAGE", None)
    e.update(env or {})
    note("run: %s%s" % ("".join("%s=%r " % kv for kv in (env or {}).items()),
                        " ".join(repr(a) if " " in a else a for a in argv[1:])))
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
    err_chunks = []
    t = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()), daemon=True)
    t.start()
    killer = threading.Timer(timeout + 60, p.kill)
    killer.start()
    stamped = []
    try:
        for raw in p.stdout:
            stamped.append((time.monotonic() - start, raw.decode("utf-8", "replace").rstrip("\r\n")))
        p.wait()
    finally:
        killer.cancel()
    t.join(10)
    err = b"".join(err_chunks).decode("utf-8", "replace")
    note("  -> status %s in %.1f s" % (p.returncode, time.monotonic() - start))
    if err.strip():
        note("  stderr: " + err.strip()[-1000:])
    return p.returncode, stamped, err


def cat_body(text):
    """The lines the initramfs printed between its CAT markers, stripped
    (None when the markers are missing)."""
    try:
        i = text.index("VIOSHARE-INITRAMFS-CAT-BEGIN")
        return [l.strip() for l in text[i + 1:text.index("VIOSHARE-INITRAMFS-CAT-END", i)]]
    except ValueError:
        return None


def timing(stamped, what):
    """Notes the seconds from the launcher's start to the hand-over, the
    kernel's first console line and the file read; returns the second."""
    text = [l for _, l in stamped]
    hand = [i for i, l in enumerate(text) if l.startswith("boot: kernel at ")]
    if not hand or hand[0] + 1 >= len(stamped):
        return None
    after = stamped[hand[0] + 1:]
    t_first, first = next(((s, l) for s, l in after if l.startswith("[")), after[0])
    t_cat = next((s for s, l in stamped if l == "VIOSHARE-INITRAMFS-CAT-END"), None)
    note("timing %s (from the launcher's start: virtiofsd, then QEMU): hand-over %.2f s, kernel's first console "
         "line %.2f s (%r), file read through Linux's virtiofs %s s"
         % (what, stamped[hand[0]][0], t_first, first[:60], "%.2f" % t_cat if t_cat else "-"))
    return t_first
