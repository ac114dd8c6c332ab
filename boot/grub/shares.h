/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio-fs devices GRUB sees, each known by its tag and mounted at
 * "/TAG" of one vfs namespace the first time it is used. */
#ifndef SHARES_H
#define SHARES_H

#include "vfs.h"

#define GRUB_VS_MAX_SHARES 8

/* Finds the devices on PCI and reads their tags (only once: later calls
 * return at once).  Mounts nothing, so it needs no daemon. */
void grub_vs_scan(void);
/* How many shares there are, and the tag of share i (0 <= i < count). */
int grub_vs_count(void);
const char *grub_vs_tag(int i);
/* The PCI function of share i. */
vs_bdf_t grub_vs_bdf(int i);
/* The index of the share tagged `tag`, or -1. */
int grub_vs_find(const char *tag);
/* Mounts share i unless it is mounted; 0 or a negative errno. */
int grub_vs_mount(int i);
/* The namespace the shares are mounted in. */
struct vfs *grub_vs_vfs(void);
/* Unmounts every share: the devices are reset, ready for the next OS. */
void grub_vs_unmount_all(void);

#endif
