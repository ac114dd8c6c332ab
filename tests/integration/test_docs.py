#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The documentation holds together: README.md stays a front door of at most
250 lines; in every Markdown file of the repository each relative link names a
file that exists and each #anchor a heading of it (GitHub's slugs); every
repository path written in backquotes and every test program named exists; and
docs/DESIGN.md's Layout names only folders and files that exist, and every
folder that holds source (so that a new port's folder gets its line).
No QEMU: this reads files only."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vstest  # noqa: E402
from vstest import check  # noqa: E402

REPO = vstest.REPO
README_MAX_LINES = 250
# Where a path in backquotes is a path of this repository (others are the
# guest's, the host's or build products).
REPO_DIRS = ("apps", "boot", "virtio", "fuse", "vfs", "tests", "tools", "examples", "linker", "docs")


def tracked_files():
    """The repository's files (git's list; without git, the tree but build/)."""
    r = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                       capture_output=True, text=True)
    if r.returncode == 0:
        return set(r.stdout.split())
    out = set()
    for top, subdirs, names in os.walk(REPO):
        subdirs[:] = [d for d in subdirs if not (top == REPO and d in ("build", ".git"))]
        out.update(os.path.relpath(os.path.join(top, n), REPO) for n in names)
    return out


def folders(files):
    out = set()
    for f in files:
        d = os.path.dirname(f)
        while d:
            out.add(d)
            d = os.path.dirname(d)
    return out


def slugs(text):
    """The anchors GitHub gives the headings of a Markdown text."""
    out, seen, fenced = set(), {}, False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"#{1,6}\s+(.*)", line)
        if not m:
            continue
        s = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else "%s-%d" % (s, n))
    return out


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


def main():
    files = tracked_files()
    dirs = folders(files)
    docs = sorted(f for f in files if f.endswith(".md"))
    vstest.note("Markdown files: %s" % " ".join(docs))

    n = len(read("README.md").splitlines())
    check("README.md is at most %d lines" % README_MAX_LINES, n <= README_MAX_LINES, "%d lines" % n)

    missing, anchors, paths = [], [], []
    for doc in docs:
        text = read(doc)
        for m in re.finditer(r"\]\(([^)\s]+)\)", text):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
            if not os.path.exists(os.path.join(REPO, full)):
                missing.append("%s: %s" % (doc, target))
            elif anchor and full.endswith(".md") and anchor not in slugs(read(full)):
                anchors.append("%s: %s" % (doc, target))
        for m in re.finditer(r"`([^`\s]+)`", text):
            p = m.group(1).split(":")[0].rstrip("/")
            if p.split("/")[0] not in REPO_DIRS or "/" not in p or re.search(r"[*{}\[\]<>|=,]", p):
                continue
            if p not in files and p not in dirs:
                paths.append("%s: %s" % (doc, p))
        for name in set(re.findall(r"\b(test_[a-z0-9_]+\.py)\b", text)):
            if not any(f.endswith("/" + name) for f in files):
                paths.append("%s: %s" % (doc, name))
    check("every relative link names a file that exists", not missing, "; ".join(missing))
    check("every #anchor names a heading of its file", not anchors, "; ".join(anchors))
    check("every repository path and test program the documents name exists", not paths, "; ".join(paths))

    design = read("docs/DESIGN.md")
    layout = design[design.index("\n## Layout"):]
    layout = layout[:layout.find("\n## ", 5) if "\n## " in layout[5:] else len(layout)]
    listed, wrong, cur = set(), [], None
    for line in layout.splitlines():
        m = re.match(r"    (\S+)", line)
        if m and not line.startswith("     "):
            cur = m.group(1).rstrip(",")
            listed.add(cur.rstrip("/"))
            if "/" in cur and cur.rstrip("/") not in files and cur.rstrip("/") not in dirs:
                wrong.append(cur)
        for name in re.findall(r"\b([\w-]+\.(?:c|h|S|py|mk|ld))\b", line):
            if not any(f == name or f.endswith("/" + name) for f in files):
                wrong.append("%s (under %s)" % (name, cur))
    check("docs/DESIGN.md's Layout names only folders and files that exist", not wrong, "; ".join(wrong))

    # Every folder holding files, to two levels (tests/fuzz/corpus/NAME is tests/fuzz's).
    source = {"/".join(f.split("/")[:2]) for f in dirs if not f.startswith(".")}
    unlisted = sorted(d for d in source if d not in listed and not any(x.startswith(d + "/") for x in listed))
    check("docs/DESIGN.md's Layout has a line for every folder", not unlisted, "unlisted: " + " ".join(unlisted))
    return vstest.finish()


if __name__ == "__main__":
    sys.exit(main())
