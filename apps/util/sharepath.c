/* SPDX-License-Identifier: BSD-2-Clause */
/* share_resolve: a component-by-component walk, with lstat and readlink
 * through the VFS, of a path kept relative to the share's root. */
#include "sharepath.h"
#include "vs_errno.h"

#define MAX_LINKS 40

/* out holds the root and the components resolved so far; todo[pos..] what
 * is left to walk.  A symlink replaces todo with its target and the rest. */
int share_resolve(struct vfs *v, const struct vs_port *port, const char *root, const char *path, char *out)
{
    size_t rootlen = vs_strlen(root);
    if (rootlen >= VFS_PATH_MAX)
        return -VS_ENAMETOOLONG;
    char *todo = port->alloc(port->ctx, 2 * (VFS_PATH_MAX + 1));
    if (!todo)
        return -VS_ENOMEM;
    char *link = todo + VFS_PATH_MAX + 1;
    size_t tlen = vs_strlen(path);
    int err = 0, links = 0;
    if (tlen > VFS_PATH_MAX) {
        err = -VS_ENAMETOOLONG;
        goto out;
    }
    vs_memcpy(todo, path, tlen + 1);
    vs_memcpy(out, root, rootlen + 1);
    size_t n = rootlen; /* out[0..n) is resolved: the root and what follows */
    size_t pos = 0;
    while (pos < tlen) {
        while (pos < tlen && todo[pos] == '/')
            pos++;
        size_t start = pos;
        while (pos < tlen && todo[pos] != '/')
            pos++;
        size_t clen = pos - start;
        if (clen == 0 || (clen == 1 && todo[start] == '.'))
            continue;
        if (clen == 2 && todo[start] == '.' && todo[start + 1] == '.') {
            while (n > rootlen && out[n - 1] != '/')
                n--;
            if (n > rootlen)
                n--;
            out[n] = 0;
            continue;
        }
        if (n + 1 + clen > VFS_PATH_MAX) {
            err = -VS_ENAMETOOLONG;
            goto out;
        }
        size_t before = n;
        out[n++] = '/';
        vs_memcpy(out + n, todo + start, clen);
        n += clen;
        out[n] = 0;
        struct vfs_stat st;
        err = vfs_lstat(v, out, &st);
        if (err)
            goto out;
        if ((st.mode & VS_S_IFMT) != VS_S_IFLNK)
            continue;
        if (++links > MAX_LINKS) {
            err = -VS_ELOOP;
            goto out;
        }
        int64_t got = vfs_readlink(v, out, link, VFS_PATH_MAX);
        if (got < 0) {
            err = (int)got;
            goto out;
        }
        /* The target, then what was left of the path, becomes the path. */
        size_t rest = tlen - pos;
        if ((size_t)got + rest > VFS_PATH_MAX) {
            err = -VS_ENAMETOOLONG;
            goto out;
        }
        vs_memcpy(link + got, todo + pos, rest);
        tlen = (size_t)got + rest;
        vs_memcpy(todo, link, tlen);
        todo[tlen] = 0;
        pos = 0;
        /* An absolute target starts again at the share's root; a relative
         * one in the link's directory. */
        n = got > 0 && link[0] == '/' ? rootlen : before;
        out[n] = 0;
    }
out:
    port->free(port->ctx, todo);
    return err;
}
