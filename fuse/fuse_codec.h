/* SPDX-License-Identifier: BSD-2-Clause */
/* Encoding FUSE requests and validating FUSE replies.  Pure: no I/O, no
 * allocation.  Every validator checks lengths before it reads a field and
 * returns 0 or -EPROTO (as a negative VS_ errno); a reply that fails is never
 * used. */
#ifndef FUSE_CODEC_H
#define FUSE_CODEC_H

#include "fuse_proto.h"

/* Oldest protocol minor we accept (QEMU 7.2's virtiofsd needs >= 31) and the
 * one we speak. */
#define FUSE_CODEC_MIN_MINOR 31
#define FUSE_CODEC_MINOR 31

/* What INIT settled, validated and clamped to our own limits. */
struct fuse_conn_params {
    uint32_t minor;
    uint32_t flags;          /* flags the device accepted, masked to those we offered */
    uint32_t max_write;      /* bytes of data in one WRITE, >= 4096 */
    uint32_t max_read;       /* bytes of data in one READ/READDIR reply, >= 4096 */
    uint32_t max_readahead;
    uint32_t max_pages;      /* >= 1 */
};

/* Fills a request header; uid/gid/pid are 0. */
void fuse_encode_in_header(struct fuse_in_header *h, uint32_t opcode, uint64_t unique,
                           uint64_t nodeid, uint32_t total_len);
/* Fills an INIT request offering `flags` with our version and max_readahead. */
void fuse_encode_init(struct fuse_init_in *in, uint32_t flags, uint32_t max_readahead);

/* Checks a reply header against the request it answers: used_len is what the
 * device says it wrote (at least the header; exactly h->len), unique must
 * match, error must be 0 or -1..-4095, and an error reply carries no payload.
 * On success stores the (zero or negative) error in *error and returns 0. */
int fuse_check_out_header(const struct fuse_out_header *h, uint32_t used_len, uint64_t unique,
                          int32_t *error);

/* INIT reply of `len` payload bytes (after the header).  `offered` are the
 * flags we sent; limits clamp max_write/max_read (bytes). */
int fuse_check_init(const struct fuse_init_out *o, uint32_t len, uint32_t offered,
                    uint32_t limit_write, uint32_t limit_read, struct fuse_conn_params *p);

/* A node's attributes: a known file type, size <= INT64_MAX, blksize sane. */
int fuse_check_attr(const struct fuse_attr *a);
/* LOOKUP/MKDIR/MKNOD/SYMLINK/LINK entry: exact length and, unless nodeid is
 * 0 (a negative entry: the caller reports ENOENT), a valid attr and a
 * generation-independent nodeid other than the root's (1). */
int fuse_check_entry(const struct fuse_entry_out *o, uint32_t len);
/* GETATTR/SETATTR reply. */
int fuse_check_attr_out(const struct fuse_attr_out *o, uint32_t len);
/* OPEN/OPENDIR reply. */
int fuse_check_open(const struct fuse_open_out *o, uint32_t len);
/* STATFS reply: bsize/frsize non-zero, free <= total. */
int fuse_check_statfs(const struct fuse_statfs_out *o, uint32_t len);
/* WRITE reply: size <= what was sent. */
int fuse_check_write(const struct fuse_write_out *o, uint32_t len, uint32_t sent);
/* READ reply of len bytes for `asked` bytes: len <= asked. */
int fuse_check_read(uint32_t len, uint32_t asked);
/* READLINK reply: 1 <= len <= asked, no NUL byte. */
int fuse_check_readlink(const char *target, uint32_t len, uint32_t asked);
/* CREATE reply: entry then open, exact length. */
int fuse_check_create(const void *payload, uint32_t len);

/* One entry of a READDIR or READDIRPLUS reply. */
struct fuse_dirent_view {
    uint64_t ino;
    uint64_t off;       /* cookie to continue after this entry */
    uint32_t type;      /* DT_* value from the device */
    const char *name;   /* not NUL-terminated */
    uint32_t namelen;
    const struct fuse_entry_out *entry; /* READDIRPLUS only, else NULL; validated
                                           with fuse_check_attr unless nodeid is 0 */
};
/* Parses the entry at *pos of a reply of len bytes.  Returns 1 with *d filled
 * and *pos advanced past the entry's padding, 0 when *pos == len, -EPROTO for
 * a truncated or misaligned entry, a namelen of 0 or > 1024, or a name with
 * '/' or NUL. */
int fuse_dirent_next(const void *buf, uint32_t len, uint32_t *pos, bool plus,
                     struct fuse_dirent_view *d);
/* The record at *pos of a reply that fuse_dirent_next has already accepted
 * past *pos, in memory the device can no longer write: fills *d and advances
 * *pos as fuse_dirent_next did, without checking the record again. */
void fuse_dirent_accepted(const void *buf, uint32_t *pos, bool plus, struct fuse_dirent_view *d);

#endif
