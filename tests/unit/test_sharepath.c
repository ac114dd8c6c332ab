/* SPDX-License-Identifier: BSD-2-Clause */
/* share_resolve (apps/util/sharepath.c) against the simulated device: symlinks
 * inside a share used as a system's root, an absolute target taken from the
 * share's root, ".." stopping there, loops. */
#include <string.h>

#include "sharepath.h"
#include "simenv.h"
#include "vs_errno.h"

static char out[VFS_PATH_MAX + 1];

static int resolve(struct env *e, const char *path)
{
    return share_resolve(&e->v, &e->hp.port, "/sim", path, out);
}

static bool make_file(struct env *e, const char *path)
{
    int fd = vfs_open(&e->v, path, VFS_O_RDWR | VFS_O_CREAT, 0644);
    return fd >= 0 && vfs_close(&e->v, fd) == 0;
}

/* /sim mounted with the Debian layout: /boot/vmlinuz-1 and links to it. */
static bool layout(struct env *e)
{
    CHECK(env_up(e));
    REQUIRE(vfs_mkdir(&e->v, "/sim/boot", 0755) == 0 && make_file(e, "/sim/boot/vmlinuz-1"), "layout");
    REQUIRE(vfs_symlink(&e->v, "/boot/vmlinuz-1", "/sim/vmlinuz") == 0, "absolute link");
    REQUIRE(vfs_symlink(&e->v, "boot/vmlinuz-1", "/sim/vmlinuz.rel") == 0, "relative link");
    REQUIRE(vfs_symlink(&e->v, "../../../../boot/vmlinuz-1", "/sim/boot/up") == 0, "link above the root");
    REQUIRE(vfs_symlink(&e->v, "/boot", "/sim/bootdir") == 0, "link to a directory");
    int r1 = vfs_symlink(&e->v, "/cyc-b", "/sim/cyc-a"), r2 = vfs_symlink(&e->v, "/cyc-a", "/sim/cyc-b");
    REQUIRE(r1 == 0 && r2 == 0, "a loop: %d %d", r1, r2);
    REQUIRE(vfs_symlink(&e->v, "/vmlinuz", "/sim/chain") == 0, "a link to a link");
    return true;
}

static bool t_absolute(struct env *e)
{
    CHECK(layout(e));
    int r = resolve(e, "/vmlinuz");
    REQUIRE(r == 0 && !strcmp(out, "/sim/boot/vmlinuz-1"), "got %d %.200s", r, out);
    r = resolve(e, "/chain");
    REQUIRE(r == 0 && !strcmp(out, "/sim/boot/vmlinuz-1"), "link to a link: %d %.200s", r, out);
    r = resolve(e, "/bootdir/vmlinuz-1");
    REQUIRE(r == 0 && !strcmp(out, "/sim/boot/vmlinuz-1"), "through a directory link: %d %.200s", r, out);
    return env_down(e, true);
}

static bool t_relative_dotdot(struct env *e)
{
    CHECK(layout(e));
    int r = resolve(e, "/vmlinuz.rel");
    REQUIRE(r == 0 && !strcmp(out, "/sim/boot/vmlinuz-1"), "relative: %d %.200s", r, out);
    r = resolve(e, "/boot/up");
    REQUIRE(r == 0 && !strcmp(out, "/sim/boot/vmlinuz-1"), ".. above the root: %d %.200s", r, out);
    r = resolve(e, "/../../boot/./vmlinuz-1");
    REQUIRE(r == 0 && !strcmp(out, "/sim/boot/vmlinuz-1"), ".. in the path: %d %.200s", r, out);
    r = resolve(e, "/boot");
    REQUIRE(r == 0 && !strcmp(out, "/sim/boot"), "a directory: %d %.200s", r, out);
    return env_down(e, true);
}

static bool t_errors(struct env *e)
{
    CHECK(layout(e));
    int r = resolve(e, "/cyc-a");
    REQUIRE(r == -VS_ELOOP, "a loop: %d", r);
    r = resolve(e, "/boot/missing");
    REQUIRE(r == -VS_ENOENT, "missing: %d", r);
    r = resolve(e, "/vmlinuz/x");
    REQUIRE(r == -VS_ENOTDIR, "through a file: %d", r);
    return env_down(e, true);
}

int main(void)
{
    run("an absolute symlink resolves from the share's root, through links and directory links", t_absolute);
    run("relative links, '.' and '..' never above the share's root", t_relative_dotdot);
    run("a loop is ELOOP, a missing name ENOENT, a file used as a directory ENOTDIR", t_errors);
    return failures ? 1 : 0;
}
