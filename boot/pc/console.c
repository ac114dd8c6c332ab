/* SPDX-License-Identifier: BSD-2-Clause */
/* Serial console: the COM1 16550 UART, polled, 115200 8N1.
 *
 * Input that arrives before anyone reads it (typed while the image boots and
 * mounts) is kept: the UART is drained into a ring on every console access
 * from console_init on, and console_getc reads the ring first. */
#include "runtime.h"

#define COM1 0x3F8
#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1
#define LCR 3
#define MCR 4
#define LSR 5
#define DLL 0 /* divisor latch, when LCR.DLAB is set */
#define DLM 1

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR_RTS 0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

/* Received bytes not yet read.  When it is full the UART keeps the rest
 * (and QEMU holds back more until there is room): nothing is dropped. */
static uint8_t rx_ring[256];
static unsigned rx_head, rx_count;

/* Moves what the UART has received into the ring; returns the LSR last read. */
static uint8_t drain(void)
{
    uint8_t lsr = inb(COM1 + LSR);
    while ((lsr & LSR_DATA_READY) && rx_count < sizeof(rx_ring)) {
        rx_ring[(rx_head + rx_count++) % sizeof(rx_ring)] = inb(COM1 + RBR);
        lsr = inb(COM1 + LSR);
    }
    return lsr;
}

void console_init(void)
{
    /* The FIFO control register is left as the firmware left it: turning the
     * FIFO on flushes what was received (QEMU hands the UART a byte as soon as
     * input is there, long before this runs), and the ring does the FIFO's job. */
    outb(COM1 + IER, 0); /* polled: no UART interrupts */
    outb(COM1 + LCR, LCR_8N1); /* DLAB off: offset 0 is the receive buffer */
    drain();
    outb(COM1 + LCR, LCR_DLAB);
    outb(COM1 + DLL, 1); /* 115200 / 1 */
    outb(COM1 + DLM, 0);
    outb(COM1 + LCR, LCR_8N1);
    outb(COM1 + MCR, MCR_DTR_RTS);
}

static void put_byte(uint8_t c)
{
    while (!(drain() & LSR_THR_EMPTY))
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
    drain();
    if (!rx_count)
        return -1;
    uint8_t c = rx_ring[rx_head];
    rx_head = (rx_head + 1) % sizeof(rx_ring);
    rx_count--;
    return c;
}
