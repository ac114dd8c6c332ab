/* SPDX-License-Identifier: BSD-2-Clause */
/* The fixture of the VFS tests against the simulated device: a hosted port,
 * a simulated virtio-fs device with its in-memory FUSE server, a namespace,
 * and the checks every case ends with (nothing leaked after umount, no
 * driver error seen by the device, no FUSE rule broken, every lookup and
 * handle returned).  Each test program prints `PASS name` / `FAIL name:
 * why` per case through run (check, cases.h). */
#ifndef SIMENV_H
#define SIMENV_H

#include <stdbool.h>
#include <stdio.h>

#include "cases.h"
#include "hostport.h"
#include "simdev.h"
#include "simfs.h"
#include "vfs.h"

struct env {
    struct hostport hp;
    struct hostport_mark mark;
    struct simdev d;
    struct simfs fs;
    struct vfs v;
    struct vfs_mount_opts opts;
    /* Checked at teardown unless cleared: every lookup returned, every
     * handle released (not possible once the connection is dead). */
    bool check_counts;
    /* A mount was unmounted after its device stopped answering: the device
     * was left as it was, with the DMA memory it may still write. */
    bool abandoned;
};

/* A fresh environment (timeout 5 s), nothing mounted. */
void env_init(struct env *e);
/* Mounts the device at /sim with e->opts. */
bool env_mount(struct env *e);
/* A fresh environment with /sim mounted. */
bool env_up(struct env *e);
/* Unmounts everything and runs the end-of-case checks; returns ok && them. */
bool env_down(struct env *e, bool ok);
/* Runs one case on a fresh environment and prints its line. */
void run(const char *name, bool (*fn)(struct env *));
double secs_since(uint64_t t0);
/* The server's node at rel (aborts on a test bug: no such node). */
const struct simfs_node *node(struct env *e, const char *rel);
/* Compares buf with bytes [off, off + len) of node n. */
bool same_content(const struct simfs_node *n, const uint8_t *buf, uint64_t off, size_t len, const char *what);

#endif
