/* SPDX-License-Identifier: BSD-2-Clause */
/* How the image stops: through QEMU's isa-debug-exit when there is one;
 * elsewhere (libvirt, Cloud Hypervisor, microvm) a last console line with
 * the status, then ACPI power-off.  A panic prints its line first and
 * exits with status 70. */
#include "libc.h"
#include "runtime.h"

#define DEBUG_EXIT_PORT 0xf4
#define PANIC_STATUS 70
#define POWER_OFF_WAIT_NS 2000000000ull /* the VMM acts on S5 asynchronously */
#define POWER_OFF_SPINS 200000000u      /* the same without a calibrated clock */

static void put(const char *s);
static void put_num(uint64_t v, unsigned base);

static _Noreturn void halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

static void wait_for_power_off(void)
{
    if (clock_tsc_hz()) {
        uint64_t end = clock_ns() + POWER_OFF_WAIT_NS;
        while (clock_ns() < end)
            cpu_relax();
    } else {
        for (volatile uint32_t i = 0; i < POWER_OFF_SPINS; i++)
            cpu_relax();
    }
}

_Noreturn void platform_exit(int status)
{
    static bool exiting;
    /* isa-debug-exit ends QEMU inside this instruction; still running
     * means there is none. */
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    if (exiting) { /* a fault while powering off */
        put("vioshare: halted\n");
        halt();
    }
    exiting = true;
    put("vioshare: exit status ");
    put_num((uint64_t)status, 10);
    put("\n");
    const char *why = acpi_power_off();
    if (!why) {
        wait_for_power_off();
        why = "the VMM did not act on the ACPI sleep request";
    }
    put("vioshare: cannot power off: ");
    put(why);
    put("; halted\n");
    halt();
}

static void put(const char *s)
{
    console_write(s, strlen(s));
}

static void put_num(uint64_t v, unsigned base)
{
    char buf[24];
    size_t i = sizeof(buf);
    do {
        buf[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (base == 16)
        put("0x");
    console_write(buf + i, sizeof(buf) - i);
}

/* A fault while printing a panic must not recurse: the second one just
 * exits. */
static void panic_begin(void)
{
    static bool panicking;
    if (panicking)
        platform_exit(PANIC_STATUS);
    panicking = true;
    put("panic: ");
}

_Noreturn void panic(const char *msg)
{
    panic_begin();
    put(msg);
    put(" at RIP=");
    put_num((uint64_t)__builtin_return_address(0), 16);
    put("\n");
    platform_exit(PANIC_STATUS);
}

_Noreturn void panic_exception(uint64_t vector, uint64_t error, uint64_t rip, uint64_t cr2)
{
    panic_begin();
    put("exception ");
    put_num(vector, 10);
    put(" (error ");
    put_num(error, 16);
    put(") at RIP=");
    put_num(rip, 16);
    put(" CR2=");
    put_num(cr2, 16);
    put("\n");
    platform_exit(PANIC_STATUS);
}
