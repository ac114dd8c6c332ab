/* SPDX-License-Identifier: BSD-2-Clause */
/* What the two halves of the in-memory FUSE server share (simfs.c: the
 * tree, the read side and the dispatch; simfs_write.c: the write side). */
#ifndef SIMFS_INTERNAL_H
#define SIMFS_INTERNAL_H

#include <stddef.h>

#include "simfs.h"

#define SFS_HDR ((uint32_t)sizeof(struct fuse_out_header))
/* Open flags (Linux values). */
#define SFS_O_ACCMODE 3
#define SFS_O_EXCL 0200
#define SFS_O_TRUNC 01000
#define SFS_O_APPEND 02000

/* A reply being built. */
struct out {
    uint8_t *buf;      /* header then payload */
    uint32_t len;      /* bytes so far, header included */
    uint32_t max;
    int32_t error;
    uint64_t unique;
};

void sfs_bug(struct simfs *fs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sfs_dupstr(const char *s);
int sfs_add_node(struct simfs *fs, int parent, const char *name, uint32_t mode, uint64_t size);
int sfs_find_child(const struct simfs *fs, int dir, const char *name, size_t len);
int sfs_node_index(const struct simfs *fs, uint64_t nodeid);
void sfs_put(struct out *o, const void *p, uint32_t n);
void sfs_fill_attr(const struct simfs *fs, const struct simfs_node *n, struct fuse_attr *a);
struct simfs_handle *sfs_find_handle(struct simfs *fs, uint64_t fh, int node, bool dir);
uint64_t sfs_new_handle(struct simfs *fs, int node, bool dir, uint32_t flags);
/* An entry reply naming inode i, counted as one more lookup (ATTR_TYPE and
 * ENTRY_ROOT faults applied). */
void sfs_reply_entry(struct simfs *fs, int i, enum simfs_fault_kind fk, struct out *o);
/* Frees the content of inode i once no name, lookup or open handle reaches
 * it (a soak makes and removes files by the hundred thousand). */
void sfs_drop_unreachable(struct simfs *fs, int i);
/* Sets inode n's size, its content made explicit (new bytes 0). */
void sfs_set_size(struct simfs_node *n, uint64_t size);

/* The write side (simfs_write.c): node is the request's node (index). */
void sfs_do_create(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                   struct out *o);
void sfs_do_mknod(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                  struct out *o);
void sfs_do_mkdir(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                  struct out *o);
void sfs_do_symlink(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                    struct out *o);
void sfs_do_link(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                 struct out *o);
void sfs_do_remove(struct simfs *fs, int dir, bool rmdir, const uint8_t *arg, uint32_t alen, struct out *o);
void sfs_do_rename(struct simfs *fs, int dir, bool two, const uint8_t *arg, uint32_t alen, struct out *o);
void sfs_do_write(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                  struct out *o);
void sfs_do_setattr(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                    struct out *o);
void sfs_do_fsync(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, struct out *o);
void sfs_do_flush(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, struct out *o);

#endif
