/* SPDX-License-Identifier: BSD-2-Clause */
/* The commands (apps/cmd/, apps/entries/, the shell), what a program runs
 * when started, and the loads behind `chain`.  The command language
 * (apps/lang/) knows none of this: it reads the table, app_commands. */
#ifndef COMMANDS_H
#define COMMANDS_H

#include "app.h"

/* Runs a command line: with text, its commands; empty, the first share's
 * /TAG/vioshare.cfg, else `menu` when the shares hold boot entries (then
 * the shell if the user leaves it), else the default job.  Returns the
 * exit status (job.c). */
int app_run(struct app *a, char *line);
/* The no-command-line menu (menu.c): false, having done nothing, when no
 * share holds a boot entry. */
bool app_menu_if_entries(struct app *a);
/* Loads path and starts it through a->chain (cmd_chain.c), then mounts the
 * shares again; reported like a command. */
int app_chain(struct app *a, const char *path, const char *opts);

/* The commands, by file. */
int cmd_echo(struct app *a, int argc, char **argv);   /* cmd_script.c */
int cmd_exit(struct app *a, int argc, char **argv);
int cmd_run(struct app *a, int argc, char **argv);
int cmd_ls(struct app *a, int argc, char **argv);     /* cmd_fs.c */
int cmd_stat(struct app *a, int argc, char **argv);
int cmd_cat(struct app *a, int argc, char **argv);
int cmd_sha256(struct app *a, int argc, char **argv);
int cmd_df(struct app *a, int argc, char **argv);
/* A run of entries to hash in order (hashfiles.c).  next gives entry i's
 * path to hash (valid until the next call), or NULL for an entry with
 * nothing to hash, and returns 1; 0 when there are no more, a negative
 * errno to stop the run with it (not reported).  done takes
 * entry i once finished, in order: hex its hash (NULL with no path, or
 * after err, which is already reported); nonzero from it stops the run. */
struct hash_run {
    int (*next)(void *ctx, size_t i, const char **path);
    int (*done)(void *ctx, size_t i, const char *hex, int err);
    void *ctx;
};
/* Hashes run's files one after another, the next one opened and its reads
 * sent while the last reads of this one come back.  Returns 0, next's
 * error, done's nonzero result, -EINTR (Ctrl-C; reported) or -ENOMEM
 * (reported). */
int app_hash_files(struct app *a, const char *cmd, const struct hash_run *run);
int cmd_manifest(struct app *a, int argc, char **argv); /* manifest.c */
/* What `manifest -n root` gathers (every entry below root, with its
 * attributes, sorted), without printing it: *count entries (bench's W7). */
int manifest_walk(struct app *a, const char *root, size_t *count);
int cmd_mounts(struct app *a, int argc, char **argv); /* cmd_mount.c */
int cmd_mount(struct app *a, int argc, char **argv);
int cmd_umount(struct app *a, int argc, char **argv);
int cmd_mkdir(struct app *a, int argc, char **argv);  /* cmd_write.c */
int cmd_rmdir(struct app *a, int argc, char **argv);
int cmd_rm(struct app *a, int argc, char **argv);
int cmd_mv(struct app *a, int argc, char **argv);
int cmd_ln(struct app *a, int argc, char **argv);
int cmd_truncate(struct app *a, int argc, char **argv);
int cmd_write(struct app *a, int argc, char **argv);
int cmd_append(struct app *a, int argc, char **argv);
int cmd_cp(struct app *a, int argc, char **argv);
/* Where dst names an existing directory, dst/basename(src), as mv and cp
 * take it; else dst itself.  out has VFS_PATH_MAX + 1 bytes. */
int app_target_path(struct app *a, const char *src, const char *dst, char *out);
/* Whether two stats are of one file (there is no device number). */
bool app_same_file(const struct vfs_stat *x, const struct vfs_stat *y);
/* cp of the file from to the path to (made, or emptied first; one file onto
 * itself is EINVAL).  Reports its error as cp's. */
int app_copy_file(struct app *a, const char *from, const char *to);
/* cp -r (cp_tree.c): the tree at from copied to app_target_path(from, to);
 * a file is copied as cp copies it.  Reports every error, goes on after
 * each, returns the first. */
int app_copy_tree(struct app *a, const char *from, const char *to);
int cmd_shell(struct app *a, int argc, char **argv);  /* cmd_shell.c */
int cmd_bench(struct app *a, int argc, char **argv);  /* cmd_bench.c */
int cmd_boot(struct app *a, int argc, char **argv);   /* cmd_boot.c */
int cmd_debug(struct app *a, int argc, char **argv);  /* cmd_stats.c */
int cmd_stats(struct app *a, int argc, char **argv);
/* The mount slot path lies on, -1 when none. */
int app_mount_slot(struct app *a, const char *path);
int cmd_version(struct app *a, int argc, char **argv);
int cmd_help(struct app *a, int argc, char **argv);
int cmd_entries(struct app *a, int argc, char **argv); /* apps/entries/entries.c */
int cmd_options(struct app *a, int argc, char **argv);
int cmd_menu(struct app *a, int argc, char **argv);   /* apps/entries/menu.c */
int cmd_chain(struct app *a, int argc, char **argv);  /* cmd_chain.c */

#endif
