# SPDX-License-Identifier: BSD-2-Clause
"""A model of the boot menu's order and of the entries it keeps, written from
the Boot Loader Specification ("Sorting"), the UAPI Version Format
Specification and README ("Booting a distribution from a host directory"),
independently of apps/entries/bls.c, verscmp.c and entrypick.c.

An entry is a dict: id (file name without .conf), sort_key, machine_id,
version, seq (the order found in: /loader/entries before
/boot/loader/entries), and whatever else the caller needs."""

import fnmatch
import functools


def _valid(c):
    return c.isascii() and (c.isalnum() or c in "~-^.")


def verscmp(a, b):
    """<0, 0, >0 as version a is older than, equal to or newer than b (the
    UAPI rules: '~' before everything, even the end; the end before any other
    segment; '-' before '^', '.' and alphanumerics; '^' after them; '.'
    before alphanumerics; digits after letters, numerically; letters by
    bytes, a prefix first)."""
    i = j = 0
    while True:
        while i < len(a) and not _valid(a[i]):
            i += 1
        while j < len(b) and not _valid(b[j]):
            j += 1
        ca, cb = a[i:i + 1], b[j:j + 1]
        if ca == "~" or cb == "~":
            if ca != cb:
                return -1 if ca == "~" else 1
            i, j = i + 1, j + 1
            ca, cb = a[i:i + 1], b[j:j + 1]
        if not ca or not cb:
            return (ca != "") - (cb != "")
        for sep, holder in (("-", -1), ("^", 1), (".", -1)):
            ca, cb = a[i:i + 1], b[j:j + 1]
            if ca == sep or cb == sep:
                if ca != cb:
                    return holder if ca == sep else -holder
                i, j = i + 1, j + 1
        ca, cb = a[i:i + 1], b[j:j + 1]
        da, db = ca.isdigit() and ca.isascii(), cb.isdigit() and cb.isascii()
        if da != db:
            return 1 if da else -1
        if da:
            ea, eb = i, j
            while ea < len(a) and a[ea] in "0123456789":
                ea += 1
            while eb < len(b) and b[eb] in "0123456789":
                eb += 1
            x, y = int(a[i:ea]), int(b[j:eb])
            if x != y:
                return 1 if x > y else -1
        else:
            ea, eb = i, j
            while ea < len(a) and a[ea].isascii() and a[ea].isalpha():
                ea += 1
            while eb < len(b) and b[eb].isascii() and b[eb].isalpha():
                eb += 1
            x, y = a[i:ea].encode(), b[j:eb].encode()
            if x != y:
                return 1 if x > y else -1   # bytes order; a prefix sorts first
        i, j = ea, eb


def _cmp(x, y):
    return (x > y) - (x < y)


def menu_cmp(p, q):
    """The specification's order of two BLS entries: those with a sort-key
    first, by sort-key, machine-id (increasing), version (decreasing); then
    by id as a version, decreasing; then by id's bytes; then as found."""
    kp, kq = bool(p["sort_key"]), bool(q["sort_key"])
    if kp != kq:
        return -1 if kp else 1
    if kp:
        r = (_cmp(p["sort_key"].encode(), q["sort_key"].encode()) or
             _cmp(p["machine_id"].encode(), q["machine_id"].encode()) or -verscmp(p["version"], q["version"]))
        if r:
            return r
    return -verscmp(p["id"], q["id"]) or _cmp(p["id"].encode(), q["id"].encode()) or _cmp(p["seq"], q["seq"])


def offered(entries, default_glob, limit=64):
    """(the entries offered in menu order, the default's index): the first
    `limit` in menu order; the first entry the glob matches (id with or
    without .conf) is the default, and takes the last place when it is not
    among them."""
    order = sorted(entries, key=functools.cmp_to_key(menu_cmp))
    d = next((k for k, e in enumerate(order)
              if default_glob and (fnmatch.fnmatchcase(e["id"], default_glob) or
                                   fnmatch.fnmatchcase(e["id"] + ".conf", default_glob))), None)
    kept = order[:limit]
    if d is None:
        return kept, 0
    if d >= limit:
        kept[-1] = order[d]
        d = limit - 1
    return kept, d
