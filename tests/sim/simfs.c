/* SPDX-License-Identifier: BSD-2-Clause */
/* The in-memory FUSE server (see simfs.h). */
#include "simfs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simdev.h"
#include "simfs_internal.h"
#include "vs_errno.h"

#define HDR SFS_HDR
#define IN_HDR ((uint32_t)sizeof(struct fuse_in_header))
#define SUPPORTED_FLAGS (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_PARALLEL_DIROPS | \
                         FUSE_AUTO_INVAL_DATA | FUSE_DO_READDIRPLUS)

void sfs_bug(struct simfs *fs, const char *fmt, ...)
{
    if (!fs->bugs) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fs->bug, sizeof fs->bug, fmt, ap);
        va_end(ap);
    }
    fs->bugs++;
}

/* ---- The tree ----------------------------------------------------------- */

char *sfs_dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    memcpy(p, s, n);
    return p;
}

int sfs_add_node(struct simfs *fs, int parent, const char *name, uint32_t mode, uint64_t size)
{
    if (fs->nnodes == fs->cap) {
        fs->cap = fs->cap ? 2 * fs->cap : 256;
        fs->nodes = realloc(fs->nodes, fs->cap * sizeof(*fs->nodes));
        if (!fs->nodes)
            abort();
    }
    int i = (int)fs->nnodes++;
    struct simfs_node *n = &fs->nodes[i];
    memset(n, 0, sizeof(*n));
    /* Node ids unlike indexes, so a client mixing them up is caught. */
    n->nodeid = parent < 0 ? FUSE_ROOT_ID : 0x1000u + 7u * (uint64_t)i;
    n->ino = parent < 0 ? 1 : 1000000u + (uint64_t)i;
    n->mode = mode;
    n->size = size;
    n->name = sfs_dupstr(name);
    n->parent = parent;
    n->first_child = n->last_child = n->next_sibling = -1;
    n->inode = i;
    n->nlink = 1;
    n->uid = n->gid = 1000;
    n->atime = n->mtime = n->ctime = 1700000000;
    n->atime_ns = 1;
    n->mtime_ns = 2;
    n->ctime_ns = 3;
    if (parent >= 0) {
        struct simfs_node *p = &fs->nodes[parent];
        if (p->last_child >= 0)
            fs->nodes[p->last_child].next_sibling = i;
        else
            p->first_child = i;
        p->last_child = i;
        p->nchildren++;
    }
    return i;
}

static int add_dir(struct simfs *fs, int parent, const char *name)
{
    return sfs_add_node(fs, parent, name, VS_S_IFDIR | 0755, 4096);
}

static int add_file(struct simfs *fs, int parent, const char *name, uint64_t size)
{
    return sfs_add_node(fs, parent, name, VS_S_IFREG | 0644, size);
}

static int add_text(struct simfs *fs, int parent, const char *name, const char *text)
{
    int i = add_file(fs, parent, name, strlen(text));
    fs->nodes[i].text = sfs_dupstr(text);
    return i;
}

static int add_link(struct simfs *fs, int parent, const char *name, const char *target)
{
    int i = sfs_add_node(fs, parent, name, VS_S_IFLNK | 0777, strlen(target));
    fs->nodes[i].target = sfs_dupstr(target);
    return i;
}

void simfs_init(struct simfs *fs)
{
    memset(fs, 0, sizeof(*fs));
    fs->init_major = FUSE_KERNEL_VERSION;
    fs->init_minor = 31;
    fs->init_max_write = 1u << 20;
    fs->init_max_pages = 256;
    fs->init_len = sizeof(struct fuse_init_out);
    fs->next_fh = 0x5000;
    fs->clock = 1700000100;
    fs->entry_valid = fs->attr_valid = 1;

    int root = add_dir(fs, -1, "");
    add_text(fs, root, "hello.txt", "Hello, vioshare!\n");
    add_file(fs, root, "empty", 0);
    add_file(fs, root, "one.bin", 1);
    add_file(fs, root, "small.bin", 4095);
    add_file(fs, root, "page.bin", 4096);
    add_file(fs, root, "page1.bin", 4097);
    add_file(fs, root, "big.bin", SIMFS_BIG_SIZE);
    add_file(fs, root, "huge.bin", SIMFS_HUGE_SIZE);
    int dir = add_dir(fs, root, "dir");
    add_text(fs, dir, "inner.txt", "inner\n");
    add_link(fs, dir, "up", "../hello.txt");
    int sub = add_dir(fs, dir, "sub");
    add_file(fs, sub, "leaf.txt", 100);
    add_link(fs, root, "link-rel", "hello.txt");
    add_link(fs, root, "link-dir", "dir");
    add_link(fs, root, "link-abs", "/sim/dir");
    add_link(fs, root, "link-abs-file", "/sim/dir/inner.txt");
    add_link(fs, root, "link-none", "/nomount/x");
    add_link(fs, root, "link-dangling", "nothing-here");
    add_link(fs, root, "escape", "../../../../hello.txt");
    add_link(fs, root, "loop-a", "loop-b");
    add_link(fs, root, "loop-b", "loop-a");
    add_link(fs, root, "self", "self");
    char name[300], target[300];
    for (int k = 0; k <= 40; k++) {
        snprintf(name, sizeof name, "chain%02d", k);
        if (k < 40)
            snprintf(target, sizeof target, "chain%02d", k + 1);
        else
            snprintf(target, sizeof target, "hello.txt");
        add_link(fs, root, name, target);
    }
    int d = add_dir(fs, root, "deep");
    for (int k = 1; k <= SIMFS_DEEP; k++) {
        snprintf(name, sizeof name, "d%02d", k);
        d = add_dir(fs, d, name);
    }
    add_text(fs, d, "bottom.txt", "bottom\n");
    memset(name, 'L', 255);
    name[255] = 0;
    add_text(fs, root, name, "long name\n");
    int many = add_dir(fs, root, "many");
    for (int k = 0; k < SIMFS_MANY; k++) {
        snprintf(name, sizeof name, "f%04d", k);
        add_file(fs, many, name, (uint64_t)k);
    }
}

void simfs_fini(struct simfs *fs)
{
    for (unsigned i = 0; i < fs->nnodes; i++) {
        free(fs->nodes[i].name);
        free(fs->nodes[i].target);
        free(fs->nodes[i].text);
    }
    free(fs->nodes);
    free(fs->handles);
    memset(fs, 0, sizeof(*fs));
}

int sfs_find_child(const struct simfs *fs, int dir, const char *name, size_t len)
{
    for (int c = fs->nodes[dir].first_child; c >= 0; c = fs->nodes[c].next_sibling) {
        if (strlen(fs->nodes[c].name) == len && !memcmp(fs->nodes[c].name, name, len))
            return c;
    }
    return -1;
}

const struct simfs_node *simfs_find(const struct simfs *fs, const char *path)
{
    int cur = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if ((fs->nodes[cur].mode & VS_S_IFMT) != VS_S_IFDIR)
            return NULL;
        cur = sfs_find_child(fs, cur, p, len);
        if (cur < 0)
            return NULL;
        cur = fs->nodes[cur].inode;
        p += len;
    }
    return &fs->nodes[cur];
}

int sfs_node_index(const struct simfs *fs, uint64_t nodeid)
{
    if (nodeid == FUSE_ROOT_ID)
        return 0;
    if (nodeid < 0x1000u || (nodeid - 0x1000u) % 7u)
        return -1;
    uint64_t i = (nodeid - 0x1000u) / 7u;
    return i < fs->nnodes && fs->nodes[i].inode == (int)i ? (int)i : -1;
}

uint8_t simfs_pattern(uint64_t nodeid, uint64_t off)
{
    return (uint8_t)(off * 131u + (off >> 9) * 7u + (off >> 17) + nodeid * 17u);
}

uint8_t simfs_byte(const struct simfs_node *n, uint64_t off)
{
    if (n->text)
        return off < n->size ? (uint8_t)n->text[off] : 0;
    return simfs_pattern(n->nodeid, off);
}

unsigned simfs_nonzero_lookups(const struct simfs *fs, const char **name)
{
    unsigned count = 0;
    for (unsigned i = 0; i < fs->nnodes; i++) {
        if (fs->nodes[i].lookups) {
            if (!count && name)
                *name = fs->nodes[i].name;
            count++;
        }
    }
    return count;
}

void simfs_fault(struct simfs *fs, enum simfs_fault_kind kind, uint32_t opcode, uint32_t nth, uint32_t arg)
{
    fs->fault.kind = kind;
    fs->fault.opcode = opcode;
    fs->fault.nth = nth ? nth : 1;
    fs->fault.arg = arg;
    fs->fault.seen = 0;
    fs->fault.fired = false;
}

/* ---- Replies ------------------------------------------------------------ */


void sfs_put(struct out *o, const void *p, uint32_t n)
{
    if (n > o->max - o->len)
        n = o->max - o->len;
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void sfs_fill_attr(const struct simfs *fs, const struct simfs_node *n, struct fuse_attr *a)
{
    memset(a, 0, sizeof(*a));
    a->ino = n->ino;
    a->size = n->size;
    a->blocks = (n->size + 511) / 512;
    a->atime = (uint64_t)n->atime;
    a->mtime = (uint64_t)n->mtime;
    a->ctime = (uint64_t)n->ctime;
    a->atimensec = n->atime_ns;
    a->mtimensec = n->mtime_ns;
    a->ctimensec = n->ctime_ns;
    a->mode = n->mode;
    a->nlink = n->nlink;
    if ((n->mode & VS_S_IFMT) == VS_S_IFDIR) {
        a->nlink = n->removed ? 0 : 2;
        for (int c = n->first_child; c >= 0; c = fs->nodes[c].next_sibling)
            a->nlink += (fs->nodes[c].mode & VS_S_IFMT) == VS_S_IFDIR;
    }
    a->uid = n->uid;
    a->gid = n->gid;
    a->blksize = 4096;
}

void sfs_reply_entry(struct simfs *fs, int i, enum simfs_fault_kind fk, struct out *o)
{
    struct simfs_node *n = &fs->nodes[i];
    struct fuse_entry_out e;
    memset(&e, 0, sizeof(e));
    e.nodeid = n->nodeid;
    e.entry_valid = fs->entry_valid;
    e.attr_valid = fs->attr_valid;
    sfs_fill_attr(fs, n, &e.attr);
    if (fk == SIMFS_FAULT_ATTR_TYPE)
        e.attr.mode &= ~VS_S_IFMT;
    if (fk == SIMFS_FAULT_ENTRY_ROOT) {
        e.nodeid = FUSE_ROOT_ID; /* not counted: nothing to forget */
    } else {
        n->lookups++;
        if (++fs->lookups_now > fs->lookups_max)
            fs->lookups_max = fs->lookups_now;
    }
    sfs_put(o, &e, sizeof(e));
}

void sfs_drop_unreachable(struct simfs *fs, int i)
{
    struct simfs_node *n = &fs->nodes[i];
    if (!n->text || n->nlink || n->lookups)
        return;
    for (unsigned k = 0; k < fs->nhandles; k++)
        if (fs->nodes[fs->handles[k].node].inode == i)
            return;
    free(n->text);
    n->text = NULL;
    n->size = 0;
}

void sfs_set_size(struct simfs_node *n, uint64_t size)
{
    if (n->text) {
        char *t = realloc(n->text, size ? size : 1);
        if (!t)
            abort();
        if (size > n->size)
            memset(t + n->size, 0, size - n->size);
        n->text = t;
        n->size = size;
        return;
    }
    /* A patterned file: its bytes made explicit. */
    char *t = malloc(size ? size : 1);
    if (!t)
        abort();
    for (uint64_t k = 0; k < size; k++)
        t[k] = k < n->size ? (char)simfs_pattern(n->nodeid, k) : 0;
    n->text = t;
    n->size = size;
}

struct simfs_handle *sfs_find_handle(struct simfs *fs, uint64_t fh, int node, bool dir)
{
    for (unsigned i = 0; i < fs->nhandles; i++) {
        struct simfs_handle *h = &fs->handles[i];
        if (h->fh == fh)
            return h->node == node && h->dir == dir ? h : NULL;
    }
    return NULL;
}

uint64_t sfs_new_handle(struct simfs *fs, int node, bool dir, uint32_t flags)
{
    if (fs->nhandles == fs->hcap) {
        fs->hcap = fs->hcap ? 2 * fs->hcap : 64;
        fs->handles = realloc(fs->handles, fs->hcap * sizeof(*fs->handles));
        if (!fs->handles)
            abort();
    }
    struct simfs_handle *h = &fs->handles[fs->nhandles++];
    h->fh = fs->next_fh;
    fs->next_fh += 3;
    h->node = node;
    h->dir = dir;
    h->flags = flags;
    return h->fh;
}

static bool sfs_drop_handle(struct simfs *fs, uint64_t fh, int node, bool dir)
{
    struct simfs_handle *h = sfs_find_handle(fs, fh, node, dir);
    if (!h)
        return false;
    *h = fs->handles[--fs->nhandles];
    sfs_drop_unreachable(fs, fs->nodes[node].inode);
    return true;
}

static void do_init(struct simfs *fs, const uint8_t *arg, uint32_t alen, struct out *o)
{
    struct fuse_init_in in;
    if (alen < sizeof(in)) {
        sfs_bug(fs, "INIT of %u bytes", alen);
        o->error = -VS_EINVAL;
        return;
    }
    memcpy(&in, arg, sizeof(in));
    if (in.major != FUSE_KERNEL_VERSION || in.minor < 31)
        sfs_bug(fs, "INIT offering %u.%u", in.major, in.minor);
    /* A new session (after DESTROY, or after a device reset that cut the
     * old one short, as when a connection died): it starts afresh, like
     * virtiofsd's, with no lookups and no open handles. */
    if (fs->initialized) {
        fs->lookups_now = 0;
        fs->nhandles = 0;
        for (unsigned i = 0; i < fs->nnodes; i++)
            fs->nodes[i].lookups = 0;
        for (unsigned i = 0; i < fs->nnodes; i++)
            if (fs->nodes[i].removed)
                sfs_drop_unreachable(fs, fs->nodes[i].inode);
    }
    struct fuse_init_out r;
    memset(&r, 0, sizeof(r));
    r.major = fs->init_major;
    r.minor = fs->init_minor;
    r.max_readahead = in.max_readahead;
    r.flags = in.flags & SUPPORTED_FLAGS;
    if (fs->init_no_max_pages)
        r.flags &= ~FUSE_MAX_PAGES;
    if (fs->no_readdirplus_flag)
        r.flags &= ~FUSE_DO_READDIRPLUS;
    r.max_background = 16;
    r.congestion_threshold = 12;
    r.max_write = fs->init_max_write;
    r.time_gran = 1;
    r.max_pages = fs->init_max_pages;
    /* A max_pages of 0 allows one page, as Linux reads it. */
    fs->max_pages = (r.flags & FUSE_MAX_PAGES) ? (fs->init_max_pages ? fs->init_max_pages : 1u)
                                               : FUSE_DEFAULT_MAX_PAGES_PER_REQ;
    fs->initialized = true;
    fs->destroyed = false;
    fs->inits++;
    sfs_put(o, &r, fs->init_len < sizeof(r) ? fs->init_len : (uint32_t)sizeof(r));
}

static void do_lookup(struct simfs *fs, int dir, const uint8_t *arg, uint32_t alen, enum simfs_fault_kind fk,
                      struct out *o)
{
    const uint8_t *nul = memchr(arg, 0, alen);
    if (!nul) {
        sfs_bug(fs, "LOOKUP name without NUL");
        o->error = -VS_EINVAL;
        return;
    }
    size_t len = (size_t)(nul - arg);
    const char *name = (const char *)arg;
    if (len == 0 || memchr(name, '/', len) || (len == 1 && name[0] == '.') ||
        (len == 2 && name[0] == '.' && name[1] == '.')) {
        sfs_bug(fs, "LOOKUP of \"%.*s\"", (int)len, name);
        o->error = -VS_EINVAL;
        return;
    }
    if (len > 255) {
        o->error = -VS_ENAMETOOLONG;
        return;
    }
    if ((fs->nodes[dir].mode & VS_S_IFMT) != VS_S_IFDIR) {
        o->error = -VS_ENOTDIR;
        return;
    }
    int c = sfs_find_child(fs, dir, name, len);
    struct fuse_entry_out e;
    memset(&e, 0, sizeof(e));
    if (c < 0) {
        if (!fs->negative_entries) {
            o->error = -VS_ENOENT;
            return;
        }
        e.entry_valid = fs->entry_valid;
        sfs_put(o, &e, sizeof(e));
        return;
    }
    sfs_reply_entry(fs, fs->nodes[c].inode, fk, o);
}

/* Gives back nlookup lookups of nodeid (FORGET, or one of a BATCH_FORGET). */
static void forget_one(struct simfs *fs, uint64_t nodeid, uint64_t nlookup)
{
    fs->forgets++;
    int i = sfs_node_index(fs, nodeid);
    if (i <= 0) {
        sfs_bug(fs, "FORGET of %s node %#llx", i == 0 ? "the root" : "an unknown", (unsigned long long)nodeid);
        return;
    }
    if (nlookup == 0)
        sfs_bug(fs, "FORGET of 0 lookups of %s", fs->nodes[i].name);
    struct simfs_node *n = &fs->nodes[i];
    n->lookups -= (int64_t)nlookup;
    fs->lookups_now -= (int64_t)nlookup;
    if (n->lookups < 0)
        sfs_bug(fs, "lookup count of %s went to %lld", n->name, (long long)n->lookups);
    sfs_drop_unreachable(fs, n->inode);
}

static void do_forget(struct simfs *fs, uint64_t nodeid, const uint8_t *arg, uint32_t alen)
{
    struct fuse_forget_in f;
    if (alen < sizeof(f)) {
        sfs_bug(fs, "FORGET of %u bytes", alen);
        return;
    }
    memcpy(&f, arg, sizeof(f));
    forget_one(fs, nodeid, f.nlookup);
}

static void do_batch_forget(struct simfs *fs, const uint8_t *arg, uint32_t alen)
{
    struct fuse_batch_forget_in b;
    if (alen < sizeof(b)) {
        sfs_bug(fs, "BATCH_FORGET of %u bytes", alen);
        return;
    }
    memcpy(&b, arg, sizeof(b));
    if (b.count == 0 || (uint64_t)alen != sizeof(b) + (uint64_t)b.count * sizeof(struct fuse_forget_one)) {
        sfs_bug(fs, "BATCH_FORGET of %u nodes in %u bytes", b.count, alen);
        return;
    }
    fs->batch_forgets++;
    for (uint32_t k = 0; k < b.count; k++) {
        struct fuse_forget_one f;
        memcpy(&f, arg + sizeof(b) + k * sizeof(f), sizeof(f));
        forget_one(fs, f.nodeid, f.nlookup);
    }
}

static void do_read(struct simfs *fs, int node, const uint8_t *arg, uint32_t alen, uint32_t writable,
                    enum simfs_fault_kind fk, struct out *o)
{
    struct fuse_read_in in;
    if (alen < sizeof(in)) {
        sfs_bug(fs, "READ of %u bytes", alen);
        o->error = -VS_EINVAL;
        return;
    }
    memcpy(&in, arg, sizeof(in));
    const struct simfs_handle *fh = sfs_find_handle(fs, in.fh, node, false);
    if (!fh) {
        sfs_bug(fs, "READ with unknown handle %#llx", (unsigned long long)in.fh);
        o->error = -VS_EBADF;
        return;
    }
    if ((fh->flags & SFS_O_ACCMODE) == 1) {
        sfs_bug(fs, "READ through a write-only handle");
        o->error = -VS_EBADF;
        return;
    }
    if (in.size > fs->max_pages * 4096u)
        sfs_bug(fs, "READ of %u bytes beyond max_pages %u", in.size, fs->max_pages);
    if (in.size > writable - HDR)
        sfs_bug(fs, "READ of %u bytes with room for %u", in.size, writable - HDR);
    const struct simfs_node *n = &fs->nodes[node];
    uint64_t len = in.offset >= n->size ? 0 : n->size - in.offset;
    if (len > in.size)
        len = in.size;
    if (fk == SIMFS_FAULT_READ_MORE)
        len = (uint64_t)in.size + (fs->fault.arg ? fs->fault.arg : 1);
    if (len > o->max - o->len)
        len = o->max - o->len;
    for (uint64_t k = 0; k < len; k++)
        o->buf[o->len + k] = simfs_byte(n, in.offset + k);
    o->len += (uint32_t)len;
}

static void put_dirent(struct out *o, uint64_t ino, uint64_t off, uint32_t type, const char *name, uint32_t namelen)
{
    struct fuse_dirent de;
    memset(&de, 0, sizeof(de));
    de.ino = ino;
    de.off = off;
    de.namelen = namelen;
    de.type = type;
    sfs_put(o, &de, FUSE_NAME_OFFSET);
    sfs_put(o, name, namelen);
    static const uint8_t zero[8];
    sfs_put(o, zero, (uint32_t)(fuse_dirent_size(namelen) - FUSE_NAME_OFFSET - namelen));
}

/* A READDIRPLUS record: "." and ".." name no node (nodeid 0, the inode
 * number and type alone, as virtiofsd sends them); any other counts one
 * lookup of the inode, unless `counted` is false. */
static void put_direntplus(struct simfs *fs, struct out *o, int child, uint64_t ino, uint64_t off, uint32_t type,
                           const char *name, uint32_t namelen)
{
    struct fuse_entry_out e;
    memset(&e, 0, sizeof(e));
    if (child >= 0 && !fs->readdirplus_no_entries) {
        const struct simfs_node *n = &fs->nodes[child];
        e.nodeid = n->nodeid;
        e.entry_valid = fs->entry_valid;
        e.attr_valid = fs->attr_valid;
        sfs_fill_attr(fs, n, &e.attr);
        fs->nodes[child].lookups++;
        if (++fs->lookups_now > fs->lookups_max)
            fs->lookups_max = fs->lookups_now;
    } else {
        e.attr.ino = ino;
        e.attr.mode = type << 12;
    }
    sfs_put(o, &e, sizeof(e));
    put_dirent(o, ino, off, type, name, namelen);
}

/* Faults on the last record of a READDIRPLUS reply (at `at`, naming inode
 * `counted`, or -1 for "." and ".."): a record spoilt by any of them is one
 * no client can take, so its lookup is not counted. */
static void plus_fault(struct simfs *fs, struct out *o, uint32_t at, int counted, enum simfs_fault_kind fk)
{
    struct fuse_entry_out e;
    memcpy(&e, o->buf + at, sizeof(e));
    switch (fk) {
    case SIMFS_FAULT_DIRENTPLUS_ROOT:
        e.nodeid = FUSE_ROOT_ID;
        break;
    case SIMFS_FAULT_DIRENTPLUS_ATTR:
        e.attr.mode &= ~VS_S_IFMT;
        break;
    case SIMFS_FAULT_DIRENTPLUS_NSEC:
        e.entry_valid_nsec = 1000000000u;
        break;
    case SIMFS_FAULT_DIRENT_OVERFLOW:
    case SIMFS_FAULT_DIRENT_NAMELEN0:
    case SIMFS_FAULT_DIRENT_SLASH:
    case SIMFS_FAULT_DIRENT_NUL:
        break;
    default:
        return;
    }
    memcpy(o->buf + at, &e, sizeof(e));
    if (counted >= 0) {
        fs->nodes[counted].lookups--;
        fs->lookups_now--;
    }
}

static void do_readdir(struct simfs *fs, int node, bool plus, const uint8_t *arg, uint32_t alen, uint32_t writable,
                       enum simfs_fault_kind fk, struct out *o)
{
    struct fuse_read_in in;
    if (alen < sizeof(in)) {
        sfs_bug(fs, "READDIR of %u bytes", alen);
        o->error = -VS_EINVAL;
        return;
    }
    memcpy(&in, arg, sizeof(in));
    if (!sfs_find_handle(fs, in.fh, node, true)) {
        sfs_bug(fs, "READDIR with unknown handle %#llx", (unsigned long long)in.fh);
        o->error = -VS_EBADF;
        return;
    }
    if (in.size > fs->max_pages * 4096u)
        sfs_bug(fs, "READDIR of %u bytes beyond max_pages %u", in.size, fs->max_pages);
    if (in.size > writable - HDR)
        sfs_bug(fs, "READDIR of %u bytes with room for %u", in.size, writable - HDR);
    const struct simfs_node *d = &fs->nodes[node];
    uint32_t limit = in.size;
    uint64_t index = 0;
    uint32_t last_at = 0;
    int last_counted = -1;
    int c = d->first_child;
    const struct simfs_node *parent = d->parent >= 0 ? &fs->nodes[d->parent] : d;
    for (;; index++) {
        const char *name;
        uint64_t ino;
        uint32_t type;
        int inode = -1;
        if (index == 0) {
            name = ".", ino = d->ino, type = VS_DT_DIR;
        } else if (index == 1) {
            name = "..", ino = parent->ino, type = VS_DT_DIR;
        } else {
            if (c < 0)
                break;
            name = fs->nodes[c].name;
            inode = fs->nodes[c].inode;
            ino = fs->nodes[inode].ino;
            type = fuse_mode_to_dt(fs->nodes[inode].mode);
            c = fs->nodes[c].next_sibling;
        }
        if (index < in.offset)
            continue;
        uint32_t namelen = (uint32_t)strlen(name);
        if (o->len - HDR + (plus ? fuse_direntplus_size(namelen) : fuse_dirent_size(namelen)) > limit)
            break;
        last_at = o->len;
        last_counted = inode;
        if (plus)
            put_direntplus(fs, o, inode, ino, index + 1, type, name, namelen);
        else
            put_dirent(o, ino, index + 1, type, name, namelen);
    }
    if (last_at == 0)
        return;
    if (plus)
        plus_fault(fs, o, last_at, last_counted, fk);
    if (plus)
        last_at += FUSE_NAME_OFFSET_DIRENTPLUS - FUSE_NAME_OFFSET;
    /* Faults on the last entry of the reply. */
    uint8_t *e = o->buf + last_at;
    uint32_t namelen;
    memcpy(&namelen, e + 16, 4);
    switch (fk) {
    case SIMFS_FAULT_DIRENT_OVERFLOW:
        namelen = o->len - last_at - FUSE_NAME_OFFSET + 9;
        memcpy(e + 16, &namelen, 4);
        break;
    case SIMFS_FAULT_DIRENT_NAMELEN0:
        namelen = 0;
        memcpy(e + 16, &namelen, 4);
        break;
    case SIMFS_FAULT_DIRENT_SLASH:
        e[FUSE_NAME_OFFSET + namelen / 2] = '/';
        break;
    case SIMFS_FAULT_DIRENT_NUL:
        e[FUSE_NAME_OFFSET + namelen / 2] = 0;
        break;
    default:
        break;
    }
}

static void do_readlink(struct simfs *fs, int node, uint32_t writable, enum simfs_fault_kind fk, struct out *o)
{
    const struct simfs_node *n = &fs->nodes[node];
    if (!n->target) {
        o->error = -VS_EINVAL;
        return;
    }
    if (fk == SIMFS_FAULT_READLINK_LONG) {
        uint32_t len = writable - HDR + (fs->fault.arg ? fs->fault.arg : 1);
        for (uint32_t k = 0; k < len && o->len < o->max; k++)
            o->buf[o->len++] = 'a' + k % 26;
        return;
    }
    if (fk == SIMFS_FAULT_READLINK_EMPTY)
        return;
    uint32_t at = o->len;
    sfs_put(o, n->target, (uint32_t)strlen(n->target));
    if (fk == SIMFS_FAULT_READLINK_NUL)
        o->buf[at + (o->len - at) / 2] = 0;
}

static void do_statfs(enum simfs_fault_kind fk, struct out *o)
{
    struct fuse_statfs_out s;
    memset(&s, 0, sizeof(s));
    s.st.blocks = 1000000;
    s.st.bfree = fk == SIMFS_FAULT_STATFS_BAD ? 1000001 : 500000;
    s.st.bavail = 400000;
    s.st.files = 10000;
    s.st.ffree = 5000;
    s.st.bsize = 4096;
    s.st.namelen = 255;
    s.st.frsize = 4096;
    sfs_put(o, &s, sizeof(s));
}

static const char *opname(uint32_t op)
{
    switch (op) {
    case FUSE_LOOKUP: return "LOOKUP";
    case FUSE_FORGET: return "FORGET";
    case FUSE_GETATTR: return "GETATTR";
    case FUSE_READLINK: return "READLINK";
    case FUSE_OPEN: return "OPEN";
    case FUSE_READ: return "READ";
    case FUSE_STATFS: return "STATFS";
    case FUSE_RELEASE: return "RELEASE";
    case FUSE_INIT: return "INIT";
    case FUSE_OPENDIR: return "OPENDIR";
    case FUSE_READDIR: return "READDIR";
    case FUSE_READDIRPLUS: return "READDIRPLUS";
    case FUSE_BATCH_FORGET: return "BATCH_FORGET";
    case FUSE_RELEASEDIR: return "RELEASEDIR";
    case FUSE_DESTROY: return "DESTROY";
    case FUSE_MKNOD: return "MKNOD";
    case FUSE_SETATTR: return "SETATTR";
    case FUSE_SYMLINK: return "SYMLINK";
    case FUSE_MKDIR: return "MKDIR";
    case FUSE_UNLINK: return "UNLINK";
    case FUSE_RMDIR: return "RMDIR";
    case FUSE_RENAME: return "RENAME";
    case FUSE_LINK: return "LINK";
    case FUSE_WRITE: return "WRITE";
    case FUSE_FSYNC: return "FSYNC";
    case FUSE_FLUSH: return "FLUSH";
    case FUSE_CREATE: return "CREATE";
    case FUSE_RENAME2: return "RENAME2";
    default: return "opcode";
    }
}

uint32_t simfs_handle(void *ctx, uint16_t queue, const uint8_t *req, uint32_t req_len, uint8_t *reply,
                      uint32_t writable, uint32_t reply_max)
{
    struct simfs *fs = ctx;
    struct fuse_in_header h;
    if (req_len < IN_HDR) {
        sfs_bug(fs, "request of %u bytes on queue %u", req_len, queue);
        return 0;
    }
    memcpy(&h, req, sizeof(h));
    fs->requests++;
    if (h.opcode < 64)
        fs->ops[h.opcode]++;
    if (h.len != req_len)
        sfs_bug(fs, "%s header says %u bytes, the chain holds %u", opname(h.opcode), h.len, req_len);
    const uint8_t *arg = req + IN_HDR;
    uint32_t alen = req_len - IN_HDR;

    if (h.opcode == FUSE_FORGET || h.opcode == FUSE_BATCH_FORGET) {
        if (queue != 0)
            sfs_bug(fs, "%s on queue %u", opname(h.opcode), queue);
        if (writable)
            sfs_bug(fs, "%s with %u writable bytes", opname(h.opcode), writable);
        if (h.opcode == FUSE_FORGET)
            do_forget(fs, h.nodeid, arg, alen);
        else
            do_batch_forget(fs, arg, alen);
        return 0;
    }
    if (queue != 1)
        sfs_bug(fs, "%s on queue %u", opname(h.opcode), queue);
    if (writable < HDR) {
        sfs_bug(fs, "%s with %u writable bytes", opname(h.opcode), writable);
        return 0;
    }

    enum simfs_fault_kind fk = SIMFS_FAULT_NONE;
    if (fs->fault.kind != SIMFS_FAULT_NONE && !fs->fault.fired &&
        (fs->fault.opcode == 0 || fs->fault.opcode == h.opcode) && ++fs->fault.seen == fs->fault.nth) {
        fk = fs->fault.kind;
        fs->fault.fired = true;
    }
    if (fk == SIMFS_FAULT_NO_REPLY)
        return SIMDEV_NO_REPLY;

    struct out o = {.buf = reply, .len = HDR, .max = reply_max, .unique = h.unique};
    if (h.opcode != FUSE_INIT && !fs->initialized)
        sfs_bug(fs, "%s before INIT", opname(h.opcode));
    if (fs->destroyed && h.opcode != FUSE_INIT)
        sfs_bug(fs, "%s after DESTROY", opname(h.opcode));

    int node = -1;
    if (h.opcode != FUSE_INIT && h.opcode != FUSE_DESTROY) {
        node = sfs_node_index(fs, h.nodeid);
        if (node < 0) {
            sfs_bug(fs, "%s of unknown node %#llx", opname(h.opcode), (unsigned long long)h.nodeid);
            o.error = -VS_ENOENT;
            goto done;
        }
        if (node > 0 && fs->nodes[node].lookups <= 0)
            sfs_bug(fs, "%s of %s, which the client forgot", opname(h.opcode), fs->nodes[node].name);
    }

    /* An injected error reply: the operation does not happen. */
    if (fk == SIMFS_FAULT_ERROR || fk == SIMFS_FAULT_ERROR_PAYLOAD)
        goto done;

    switch (h.opcode) {
    case FUSE_INIT:
        do_init(fs, arg, alen, &o);
        break;
    case FUSE_LOOKUP:
        do_lookup(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_MKNOD:
        sfs_do_mknod(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_CREATE:
        if (fs->no_create)
            o.error = -VS_ENOSYS;
        else
            sfs_do_create(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_MKDIR:
        sfs_do_mkdir(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_SYMLINK:
        sfs_do_symlink(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_LINK:
        sfs_do_link(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_UNLINK:
    case FUSE_RMDIR:
        sfs_do_remove(fs, node, h.opcode == FUSE_RMDIR, arg, alen, &o);
        break;
    case FUSE_RENAME:
    case FUSE_RENAME2:
        sfs_do_rename(fs, node, h.opcode == FUSE_RENAME2, arg, alen, &o);
        break;
    case FUSE_WRITE:
        sfs_do_write(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_SETATTR:
        sfs_do_setattr(fs, node, arg, alen, fk, &o);
        break;
    case FUSE_FSYNC:
        if (fs->no_fsync)
            o.error = -VS_ENOSYS;
        else
            sfs_do_fsync(fs, node, arg, alen, &o);
        break;
    case FUSE_FLUSH:
        sfs_do_flush(fs, node, arg, alen, &o);
        break;
    case FUSE_GETATTR: {
        struct fuse_attr_out a;
        memset(&a, 0, sizeof(a));
        a.attr_valid = fs->attr_valid;
        sfs_fill_attr(fs, &fs->nodes[node], &a.attr);
        if (fk == SIMFS_FAULT_ATTR_TYPE)
            a.attr.mode &= ~VS_S_IFMT;
        sfs_put(&o, &a, sizeof(a));
        break;
    }
    case FUSE_OPEN:
    case FUSE_OPENDIR: {
        bool dir = h.opcode == FUSE_OPENDIR;
        struct fuse_open_in in;
        if (alen < sizeof(in)) {
            sfs_bug(fs, "%s of %u bytes", opname(h.opcode), alen);
            o.error = -VS_EINVAL;
            break;
        }
        memcpy(&in, arg, sizeof(in));
        uint32_t type = fs->nodes[node].mode & VS_S_IFMT;
        if (dir && type != VS_S_IFDIR) {
            o.error = -VS_ENOTDIR;
        } else if (!dir && type == VS_S_IFDIR) {
            o.error = -VS_EISDIR;
        } else if (!dir && type == VS_S_IFLNK) {
            o.error = -VS_ELOOP;
        } else if (dir && (in.flags & SFS_O_ACCMODE) != 0) {
            o.error = -VS_EISDIR;
        } else {
            if (!dir && (in.flags & SFS_O_TRUNC) && (in.flags & SFS_O_ACCMODE) != 0)
                sfs_set_size(&fs->nodes[node], 0);
            struct fuse_open_out r;
            memset(&r, 0, sizeof(r));
            r.fh = sfs_new_handle(fs, node, dir, in.flags);
            sfs_put(&o, &r, sizeof(r));
        }
        break;
    }
    case FUSE_READ:
        do_read(fs, node, arg, alen, writable, fk, &o);
        break;
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR: {
        struct fuse_release_in in;
        if (alen < sizeof(in)) {
            sfs_bug(fs, "%s of %u bytes", opname(h.opcode), alen);
            o.error = -VS_EINVAL;
            break;
        }
        memcpy(&in, arg, sizeof(in));
        if (!sfs_drop_handle(fs, in.fh, node, h.opcode == FUSE_RELEASEDIR)) {
            sfs_bug(fs, "%s of unknown handle %#llx", opname(h.opcode), (unsigned long long)in.fh);
            o.error = -VS_EBADF;
        }
        break;
    }
    case FUSE_READDIR:
        do_readdir(fs, node, false, arg, alen, writable, fk, &o);
        break;
    case FUSE_READDIRPLUS:
        if (fs->readdirplus_enosys)
            o.error = -VS_ENOSYS;
        else
            do_readdir(fs, node, true, arg, alen, writable, fk, &o);
        break;
    case FUSE_READLINK:
        do_readlink(fs, node, writable, fk, &o);
        break;
    case FUSE_STATFS:
        do_statfs(fk, &o);
        break;
    case FUSE_DESTROY:
        fs->destroyed = true;
        fs->destroys++;
        fs->lookups_at_destroy = fs->lookups_now;
        fs->handles_at_destroy = fs->nhandles;
        break;
    default:
        o.error = -VS_ENOSYS;
        break;
    }

done:
    if (o.error)
        o.len = HDR;
    switch (fk) {
    case SIMFS_FAULT_ERROR:
        o.error = (int32_t)fs->fault.arg;
        o.len = HDR;
        break;
    case SIMFS_FAULT_ERROR_PAYLOAD:
        o.error = -VS_EIO;
        if (o.len == HDR) {
            static const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
            sfs_put(&o, junk, sizeof(junk));
        }
        break;
    case SIMFS_FAULT_SHORT:
        if (o.len - HDR > fs->fault.arg)
            o.len = HDR + fs->fault.arg;
        break;
    default:
        break;
    }
    struct fuse_out_header oh = {.len = o.len, .error = o.error, .unique = o.unique};
    if (fk == SIMFS_FAULT_HDR_LEN)
        oh.len = o.len + (fs->fault.arg ? fs->fault.arg : 8);
    if (fk == SIMFS_FAULT_UNIQUE)
        oh.unique = o.unique + 1;
    memcpy(reply, &oh, sizeof(oh));
    return o.len;
}
