/* SPDX-License-Identifier: BSD-2-Clause */
/* Leaving the machine, panics and exceptions.
 *
 * The status goes out through Arm semihosting (QEMU -semihosting):
 * SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit and the code
 * status * 2 + 1, so the launcher reads it exactly as isa-debug-exit's on
 * x86.  Without semihosting the HLT traps; then (or if QEMU returns) the
 * machine powers off through PSCI SYSTEM_OFF, and QEMU exits with 0, which
 * the launcher reports as a crash: a status is never invented. */
#include "a64.h"

#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define PSCI_SYSTEM_OFF 0x84000008u
#define PANIC_STATUS 70

static volatile bool exiting;

extern char a64_vectors[];

void exceptions_init(void)
{
    __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(a64_vectors));
}

static _Noreturn void power_off(void)
{
    if (a64_board.have_psci) {
        register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
        if (a64_board.psci_hvc)
            __asm__ volatile("hvc #0" : "+r"(x0)::"memory");
        else
            __asm__ volatile("smc #0" : "+r"(x0)::"memory");
    }
    for (;;)
        __asm__ volatile("wfi");
}

_Noreturn void platform_exit(int status)
{
    if (exiting)
        power_off();
    exiting = true;
    uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(status & 0x7f) * 2 + 1};
    register uint64_t x0 __asm__("x0") = SYS_EXIT_EXTENDED;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    power_off();
}

static void put_hex(uint64_t v)
{
    char buf[19];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    console_write(buf, 18);
}

static void panic_begin(void)
{
    static bool panicking;
    if (panicking)
        platform_exit(PANIC_STATUS);
    panicking = true;
    console_puts("panic: ");
}

_Noreturn void panic(const char *msg)
{
    panic_begin();
    console_puts(msg);
    console_puts(" at PC=");
    put_hex((uint64_t)(uintptr_t)__builtin_return_address(0));
    console_puts("\n");
    platform_exit(PANIC_STATUS);
}

_Noreturn void a64_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far);
_Noreturn void a64_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
    if (exiting) /* the semihosting HLT trapped: no semihosting */
        power_off();
    panic_begin();
    console_puts("exception ");
    put_hex(kind);
    console_puts(" ESR=");
    put_hex(esr);
    console_puts(" at PC=");
    put_hex(elr);
    console_puts(" FAR=");
    put_hex(far);
    console_puts("\n");
    platform_exit(PANIC_STATUS);
}
