/* SPDX-License-Identifier: BSD-2-Clause */
/* The program's commands, in the order `help` lists them: the one place a
 * command is registered (its function and usage line). */
#include "commands.h"

const struct app_command app_commands[] = {
    {"ls", cmd_ls, "ls [-l] PATH"},
    {"stat", cmd_stat, "stat PATH"},
    {"cat", cmd_cat, "cat PATH"},
    {"sha256", cmd_sha256, "sha256 PATH... | sha256 PATH OFFSET [LEN]"},
    {"manifest", cmd_manifest, "manifest [-n] PATH"},
    {"df", cmd_df, "df PATH"},
    {"echo", cmd_echo, "echo TEXT..."},
    {"run", cmd_run, "run SCRIPT"},
    {"mounts", cmd_mounts, "mounts"},
    {"mount", cmd_mount, "mount TAG PATH [-o OPTS]   (OPTS: ro,nocase,chroot,owner=UID:GID,irq=poll|msix,timeout=SECONDS,debug=LEVEL,profile=small|default)"},
    {"umount", cmd_umount, "umount PATH"},
    {"exit", cmd_exit, "exit [N]"},
    {"mkdir", cmd_mkdir, "mkdir PATH"},
    {"rmdir", cmd_rmdir, "rmdir PATH"},
    {"rm", cmd_rm, "rm PATH"},
    {"mv", cmd_mv, "mv OLD NEW"},
    {"ln", cmd_ln, "ln -s TARGET PATH | ln OLD NEW"},
    {"truncate", cmd_truncate, "truncate PATH SIZE"},
    {"write", cmd_write, "write PATH SIZE SEED"},
    {"append", cmd_append, "append PATH SIZE SEED"},
    {"cp", cmd_cp, "cp [-r] SRC DST"},
    {"shell", cmd_shell, "shell"},
    {"bench", cmd_bench, "bench DIR"},
    {"boot", cmd_boot, "boot KERNEL [initrd=PATH[,PATH...]] [CMDLINE...] | boot -e N | boot --default"},
    {"entries", cmd_entries, "entries"},
    {"menu", cmd_menu, "menu [SECONDS]"},
    {"chain", cmd_chain, "chain PATH [ARGS...]   (EFI app: starts an EFI program)"},
    {"options", cmd_options, "options [CMDLINE...]   (for a bare distribution root's entries)"},
    {"debug", cmd_debug, "debug [LEVEL]   (0 off, 1 events, 2 requests, 3 virtqueues)"},
    {"stats", cmd_stats, "stats [-r] [PATH]"},
    {"version", cmd_version, "version"},
    {"help", cmd_help, "help [COMMAND]"},
};

const size_t app_ncommands = VS_ARRAY_SIZE(app_commands);
