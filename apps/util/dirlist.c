/* SPDX-License-Identifier: BSD-2-Clause */
/* Directory listings and path building shared by ls, manifest and boot-entry
 * discovery. */
#include "dirlist.h"
#include "sort.h"
#include "vs_errno.h"

/* "DIR/NAME" into out (VFS_PATH_MAX + 1 bytes); -ENAMETOOLONG if it won't fit. */
int path_join(char *out, const char *dir, const char *name)
{
    size_t dl = vs_strlen(dir), nl = vs_strlen(name);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    bool slash = !(dl == 1 && dir[0] == '/');
    if (dl + slash + nl >= VFS_PATH_MAX + 1)
        return -VS_ENAMETOOLONG;
    vs_memcpy(out, dir, dl);
    if (slash)
        out[dl] = '/';
    vs_memcpy(out + dl + slash, name, nl + 1);
    return 0;
}


/* Byte order of two names (NUL-terminated, no NUL inside): bytes_cmp's. */
static int names_cmp(const void *x, const void *y, void *arg)
{
    (void)arg;
    const unsigned char *p = x, *q = y;
    while (*p && *p == *q) {
        p++;
        q++;
    }
    return (*p > *q) - (*p < *q);
}

void name_list_free(struct app *a, struct name_list *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        a->port->free(a->port->ctx, ns->v[i]);
    a->port->free(a->port->ctx, ns->v);
}

static bool is_dot(const struct vfs_dirent *de)
{
    return (de->namelen == 1 && de->name[0] == '.') ||
           (de->namelen == 2 && de->name[0] == '.' && de->name[1] == '.');
}

int dir_each(struct app *a, const char *dir, void (*fn)(void *ctx, const char *name), void *ctx)
{
    int dd = vfs_opendir_plus(&a->vfs, dir);
    if (dd < 0)
        return dd;
    struct vfs_dirent de;
    int r;
    while ((r = vfs_readdir(&a->vfs, dd, &de)) == 1)
        if (!is_dot(&de))
            fn(ctx, de.name);
    int cerr = vfs_closedir(&a->vfs, dd);
    return r ? r : cerr;
}

int name_list_take(struct app *a, int dd, struct name_list *ns)
{
    vs_memset(ns, 0, sizeof(*ns));
    struct vfs_dirent de;
    int r;
    while ((r = vfs_readdir(&a->vfs, dd, &de)) == 1) {
        if (is_dot(&de))
            continue;
        if (ns->n == ns->cap) {
            size_t cap = ns->cap ? ns->cap * 2 : 64;
            char **v = a->port->alloc(a->port->ctx, cap * sizeof(*v));
            if (!v) {
                r = -VS_ENOMEM;
                break;
            }
            if (ns->n)
                vs_memcpy(v, ns->v, ns->n * sizeof(*v));
            a->port->free(a->port->ctx, ns->v);
            ns->v = v;
            ns->cap = cap;
        }
        char *copy = a->port->alloc(a->port->ctx, de.namelen + 1);
        if (!copy) {
            r = -VS_ENOMEM;
            break;
        }
        vs_memcpy(copy, de.name, de.namelen + 1);
        ns->v[ns->n++] = copy;
    }
    /* A listing comes in the host's order, often sorted or reversed: the
     * merge sort takes such runs whole. */
    const void **tmp = r == 0 && ns->n > 1 ? a->port->alloc(a->port->ctx, ns->n * sizeof(*tmp)) : 0;
    if (r == 0 && ns->n > 1 && !tmp)
        r = -VS_ENOMEM;
    if (r < 0) {
        name_list_free(a, ns);
        return r;
    }
    vs_sort_ptrs((const void **)ns->v, ns->n, names_cmp, 0, tmp);
    a->port->free(a->port->ctx, tmp);
    return 0;
}

int name_list_read(struct app *a, const char *dir, bool attrs, struct name_list *ns)
{
    vs_memset(ns, 0, sizeof(*ns));
    int dd = attrs ? vfs_opendir_plus(&a->vfs, dir) : vfs_opendir(&a->vfs, dir);
    if (dd < 0)
        return dd;
    int r = name_list_take(a, dd, ns);
    int cerr = vfs_closedir(&a->vfs, dd);
    if (r == 0 && cerr < 0) {
        name_list_free(a, ns);
        r = cerr;
    }
    return r;
}
