/* Serial console: the COM1 16550 UART, polled, 115200 8N1. */
#include "runtime.h"

#define COM1 0x3F8
#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define DLL 0 /* divisor latch, when LCR.DLAB is set */
#define DLM 1

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS 0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

void console_init(void)
{
    outb(COM1 + IER, 0); /* polled: no UART interrupts */
    outb(COM1 + LCR, LCR_DLAB);
    outb(COM1 + DLL, 1); /* 115200 / 1 */
    outb(COM1 + DLM, 0);
    outb(COM1 + LCR, LCR_8N1);
    outb(COM1 + FCR, FCR_ENABLE_CLEAR);
    outb(COM1 + MCR, MCR_DTR_RTS);
}

static void put_byte(uint8_t c)
{
    while (!(inb(COM1 + LSR) & LSR_THR_EMPTY))
        cpu_relax();
    outb(COM1 + THR, c);
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put_byte('\r');
        put_byte((uint8_t)s[i]);
    }
}

int console_getc(void)
{
    if (!(inb(COM1 + LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1 + RBR);
}
