/* SPDX-License-Identifier: BSD-2-Clause */
/* From the boot stub to the application: bring the runtime up, run
 * app_main, exit with its status. */
#include "runtime.h"

_Noreturn void boot_main(uint32_t magic, uint32_t info)
{
    console_init();
    exceptions_init();
    bootinfo_init(magic, info);
    pages_init();
    paging_init();
    clock_init();
    platform_exit(app_main());
}
