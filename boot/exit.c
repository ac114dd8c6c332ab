/* How the image stops: a normal exit through isa-debug-exit, or a panic
 * line on the console followed by exit status 70. */
#include "libc.h"
#include "runtime.h"

#define DEBUG_EXIT_PORT 0xf4
#define PANIC_STATUS 70

_Noreturn void platform_exit(int status)
{
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    for (;;)
        __asm__ volatile("cli; hlt");
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
