/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot entries: what the parsers of the boot-loader configurations (BLS
 * Type #1 in bls.c, loader.conf in loaderconf.c, extlinux.conf in
 * extlinux.c, unified kernel images in uki.c) make of a file, and what
 * discovery (entries.c) adds: the share and file the entry came from.
 * The parsers work on text in memory and report problems through a
 * be_diag, one line each, naming the line. */
#ifndef BOOTENTRY_H
#define BOOTENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BE_PATH 256
#define BE_TEXT 128
#define BE_CMDLINE 2048
#define BE_INITRDS 8
/* Entries offered at most: the first in menu order and the default
 * (entrypick.h); discovery says so when there are more. */
#define BE_MAX 64
/* A longer line is an error (the entry is skipped). */
#define BE_LINE_MAX 4096
/* No timeout configured; `menu` then counts down this many seconds. */
#define BE_TIMEOUT_UNSET -1
/* loader.conf "menu-force": no countdown, wait for a key. */
#define BE_TIMEOUT_FOREVER -2

/* BE_EFI: an EFI program (/EFI/BOOT/BOOTX64.EFI), offered by the EFI app. */
enum be_kind { BE_BLS, BE_UKI, BE_EXTLINUX, BE_BARE, BE_EFI };

struct boot_entry {
    uint8_t kind;
    bool is_default;            /* extlinux MENU DEFAULT / DEFAULT, or chosen by discovery */
    char id[BE_TEXT];           /* BLS: file name without .conf; UKI: without .efi; extlinux: LABEL */
    char title[BE_TEXT];
    char version[BE_TEXT];
    char machine_id[BE_TEXT];
    char sort_key[BE_TEXT];
    char arch[16];
    char linux_path[BE_PATH];   /* as written in the file (discovery resolves it) */
    char initrd[BE_INITRDS][BE_PATH];
    unsigned initrd_line[BE_INITRDS];
    unsigned ninitrd;
    char options[BE_CMDLINE];
    char devicetree[BE_PATH];
    char efi[BE_PATH];
    unsigned line;              /* of the `linux` key (BLS) or the LABEL (extlinux) */
    /* Discovery: the share's mount path ("/myfs") and the defining file;
     * the share's index and the order found in, for the menu order. */
    char root[BE_TEXT];
    char source[BE_PATH];
    unsigned share;
    uint32_t seq;
};

/* Where a parser reports a problem: line 1-based, msg one sentence. */
struct be_diag {
    void (*report)(void *ctx, unsigned line, const char *msg);
    void *ctx;
};

/* Splits text into lines for the parsers: *line and *len the next one
 * (without its end of line, CR LF too), *lineno counted; returns false at
 * the end.  A line longer than BE_LINE_MAX, with a NUL byte or not valid
 * UTF-8 is reported and returned with *len 0 and *bad set. */
struct be_lines {
    const char *p, *end;
    unsigned lineno;
    const struct be_diag *d;
};
bool be_next_line(struct be_lines *l, const char **line, size_t *len, bool *bad);
/* Reports through d (a no-op when d or d->report is NULL). */
void be_report(const struct be_diag *d, unsigned line, const char *msg);
/* Copies n bytes of s into dst (cap bytes with the NUL); false if too long. */
bool be_copy(char *dst, size_t cap, const char *s, size_t n);

/* BLS Type #1: parses one entry file (name: the file name, for the id).
 * Returns 0, or -EINVAL after reporting why the entry cannot be used. */
int bls_parse(const char *text, size_t len, const char *name, struct boot_entry *e, const struct be_diag *d);
/* The specification's order: entries with a sort-key first (by sort-key,
 * machine-id, then version newest first), then all by id, newest version
 * first (ids equal as versions by their bytes).  <0 when a comes first. */
int bls_order(const struct boot_entry *a, const struct boot_entry *b);

/* loader/loader.conf: `default GLOB` and `timeout SECONDS` (also
 * menu-force, menu-hidden, menu-disabled); other keys ignored. */
struct loader_conf {
    char default_glob[BE_TEXT];  /* "" when none */
    int timeout;                 /* seconds, or BE_TIMEOUT_UNSET / _FOREVER */
};
int loader_conf_parse(const char *text, size_t len, struct loader_conf *c, const struct be_diag *d);
/* The glob of loader.conf: '*', '?' and [...] classes ([!...] negated). */
bool be_glob(const char *pattern, const char *s);

/* extlinux.conf as U-Boot's pxe_utils reads it.  Each entry, in file
 * order, is read into sink->e and given to emit, which returns where the
 * next one is read (the same entry when it is done with it); an entry
 * without KERNEL/LINUX is reported and dropped.  There is no limit on the
 * number of entries.  TIMEOUT is in tenths of a second. */
struct extlinux_conf {
    char default_label[BE_TEXT];
    char menu_title[BE_TEXT];
    int timeout;                 /* seconds (rounded up), or BE_TIMEOUT_UNSET */
};
struct extlinux_sink {
    struct boot_entry *e;
    struct boot_entry *(*emit)(void *ctx, struct boot_entry *e);
    void *ctx;
};
int extlinux_parse(const char *text, size_t len, const struct extlinux_sink *sink, struct extlinux_conf *c,
                   const struct be_diag *d);

/* A unified kernel image's PE sections. */
struct uki_section {
    uint64_t off, size;          /* in the file; size 0 when absent */
};
struct uki {
    uint16_t machine;            /* IMAGE_FILE_MACHINE_*: 0x8664 x86-64, 0xaa64 AArch64 */
    struct uki_section linux_, initrd, cmdline, osrel, uname;
};
/* Reads the PE headers in hdr[0..hdrlen) (the start of a file of file_size
 * bytes): every offset and size is checked against both; a UKI needs a
 * .linux section.  Returns 0 or -ENOEXEC/-EINVAL with a reason in *why. */
int uki_parse(const uint8_t *hdr, size_t hdrlen, uint64_t file_size, struct uki *u, const char **why);
/* From os-release text: title PRETTY_NAME (else NAME VERSION, else NAME)
 * and version VERSION_ID (else IMAGE_VERSION); unchanged when absent. */
void osrel_parse(const char *text, size_t len, char *title, size_t tcap, char *version, size_t vcap);

#endif
