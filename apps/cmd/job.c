/* SPDX-License-Identifier: BSD-2-Clause */
/* What a program runs when started: its command line, or without one a
 * share's vioshare.cfg, the boot menu, or the default job. */
#include "commands.h"

/* The default job: the mounts, then each share's root. */
static int default_job(struct app *a)
{
    char *ls[] = {"ls", "-l", 0, 0};
    cmd_mounts(a, 1, ls);
    struct vfs_mount_info mi;
    for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
        if (!vfs_mount_info(&a->vfs, i, &mi))
            continue;
        app_printf(a, "\n%s:\n", mi.path);
        ls[2] = (char *)mi.path;
        if (cmd_ls(a, 3, ls))
            return 1;
    }
    return 0;
}

int app_run(struct app *a, char *line)
{
    bool blank = true;
    for (char *p = line; *p; p++)
        blank = blank && (*p == ' ' || *p == '\t');
    if (!blank) {
        app_exec_line(a, line);
    } else {
        struct vfs_mount_info mi;
        bool ran = false;
        for (int i = 0; i < VFS_MAX_MOUNTS && !ran; i++) {
            if (!vfs_mount_info(&a->vfs, i, &mi))
                continue;
            char cfg[VFS_NAME_MAX + 32];
            size_t n = vs_strlen(mi.path);
            vs_memcpy(cfg, mi.path, n);
            vs_memcpy(cfg + n, "/vioshare.cfg", sizeof("/vioshare.cfg"));
            struct vfs_stat st;
            if (vfs_stat(&a->vfs, cfg, &st) == 0 && (st.mode & VS_S_IFMT) == VS_S_IFREG) {
                ran = true;
                if (app_run_script(a, cfg) && a->exit_status == APP_EXIT_NONE)
                    a->exit_status = 1;
            }
        }
        if (!ran && !app_menu_if_entries(a) && default_job(a))
            a->exit_status = 1;
    }
    return a->exit_status == APP_EXIT_NONE ? 0 : a->exit_status;
}
