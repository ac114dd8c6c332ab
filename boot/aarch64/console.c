/* SPDX-License-Identifier: BSD-2-Clause */
/* The PL011 UART (Arm PrimeCell UART TRM): QEMU's needs no setup. */
#include <string.h>
#include "a64.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)

static volatile uint8_t *uart = (volatile uint8_t *)0x09000000; /* virt's, until the DTB says */

void console_init(uint64_t base)
{
    if (base)
        uart = (volatile uint8_t *)(uintptr_t)base;
}

static void putc_raw(char c)
{
    while (*(volatile uint32_t *)(uart + UARTFR) & FR_TXFF)
        ;
    *(volatile uint32_t *)(uart + UARTDR) = (uint8_t)c;
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            putc_raw('\r');
        putc_raw(s[i]);
    }
}

void console_puts(const char *s)
{
    console_write(s, strlen(s));
}

int console_getc(void)
{
    if (*(volatile uint32_t *)(uart + UARTFR) & FR_RXFE)
        return -1;
    return (int)(*(volatile uint32_t *)(uart + UARTDR) & 0xff);
}
