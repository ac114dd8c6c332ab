/* SPDX-License-Identifier: BSD-2-Clause */
/* The commands of scripts: `echo`, `exit` and `run`. */
#include "commands.h"
#include "numparse.h"
#include "vs_errno.h"

int cmd_echo(struct app *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        app_printf(a, "%s%s", i > 1 ? " " : "", argv[i]);
    app_printf(a, "\n");
    return 0;
}

int cmd_exit(struct app *a, int argc, char **argv)
{
    uint64_t n = 0;
    if (argc > 2 || (argc == 2 && (parse_u64(argv[1], &n) || n > 127))) {
        app_usage(a, "exit", -VS_EINVAL, "usage: exit [N], N from 0 to 127");
        return -VS_EINVAL;
    }
    a->exit_status = (int)n;
    a->exit_requested = true;
    return 0;
}

int cmd_run(struct app *a, int argc, char **argv)
{
    if (argc != 2) {
        app_usage(a, "run", -VS_EINVAL, "usage: run SCRIPT");
        return -VS_EINVAL;
    }
    return app_run_script(a, argv[1]);
}
