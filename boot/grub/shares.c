/* SPDX-License-Identifier: BSD-2-Clause */
#include <grub/misc.h>
#include "shares.h"
#include "port_grub.h"
#include "virtiofs.h"
#include "vpci.h"

/* Requests wait this long for the daemon before GRUB reports an error. */
#define GRUB_VS_TIMEOUT_S 5

static struct {
    bool scanned;
    int count;
    struct vs_port port;
    struct vfs vfs;
    struct vpci_dev dev[GRUB_VS_MAX_SHARES];
    vs_bdf_t bdf[GRUB_VS_MAX_SHARES];
    struct vs_transport tr[GRUB_VS_MAX_SHARES];
    char tag[GRUB_VS_MAX_SHARES][VIOFS_TAG_MAX + 1];
    bool mounted[GRUB_VS_MAX_SHARES];
} shares;

void grub_vs_scan(void)
{
    if (shares.scanned)
        return;
    shares.scanned = true;
    grub_vs_port_init(&shares.port);
    vfs_init(&shares.vfs, &shares.port);
    vs_bdf_t found[GRUB_VS_MAX_SHARES];
    int n = vpci_find(&shares.port, VPCI_DEVICE_ID(VIRTIO_ID_FS), found, GRUB_VS_MAX_SHARES);
    for (int i = 0; i < n && i < GRUB_VS_MAX_SHARES; i++) {
        int k = shares.count;
        int err = vpci_open(&shares.dev[k], &shares.port, found[i], &shares.tr[k]);
        if (!err)
            err = viofs_read_tag(&shares.tr[k], shares.tag[k]);
        if (err) {
            grub_dprintf("virtiofs", "pci %02x:%02x.%x: %s\n", found[i] >> 8, (found[i] >> 3) & 31,
                         found[i] & 7, vs_errno_text(err));
            continue;
        }
        shares.bdf[k] = found[i];
        shares.count++;
    }
}

int grub_vs_count(void)
{
    return shares.count;
}

const char *grub_vs_tag(int i)
{
    return shares.tag[i];
}

vs_bdf_t grub_vs_bdf(int i)
{
    return shares.bdf[i];
}

int grub_vs_find(const char *tag)
{
    for (int i = 0; i < shares.count; i++)
        if (grub_strcmp(shares.tag[i], tag) == 0)
            return i;
    return -1;
}

int grub_vs_mount(int i)
{
    if (shares.mounted[i])
        return 0;
    char path[VIOFS_TAG_MAX + 2];
    path[0] = '/';
    grub_strcpy(path + 1, shares.tag[i]);
    /* chroot: an absolute symlink on the share means the share's own root,
     * as it does to GRUB's other file systems.  Read-write, for save_env's
     * one write (boot/grub/README.md says why not remounted for it); every
     * other open is read-only. */
    struct vfs_mount_opts opts = { .chroot = true, .timeout_s = GRUB_VS_TIMEOUT_S };
    int err = vfs_mount(&shares.vfs, &shares.tr[i], path, &opts);
    if (!err)
        shares.mounted[i] = true;
    return err;
}

struct vfs *grub_vs_vfs(void)
{
    return &shares.vfs;
}

void grub_vs_unmount_all(void)
{
    if (!shares.scanned)
        return;
    vfs_umount_all(&shares.vfs);
    for (int i = 0; i < shares.count; i++)
        shares.mounted[i] = false;
}
