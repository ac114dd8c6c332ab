/* The clock: the TSC, its rate measured against the PIT (a fixed 1.193182
 * MHz reference).  PIT channel 2 is gated through port 0x61 and counts down
 * once (mode 0); its output, readable in port 0x61 bit 5, goes high at zero. */
#include "runtime.h"

#define PIT_HZ 1193182u
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PIT_CH2_ONESHOT 0xb0 /* channel 2, low then high byte, mode 0, binary */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

#define CAL_MS 15
#define CAL_RUNS 3

static uint64_t tsc_hz;
static uint64_t tsc_base;
static uint64_t ns_per_tick_q32; /* nanoseconds per TSC tick, 32.32 fixed point */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* TSC ticks during `pit_ticks` PIT periods. */
static uint64_t measure(uint16_t pit_ticks)
{
    uint8_t saved = inb(PORT_B);
    outb(PORT_B, (saved & ~PORT_B_SPEAKER) | PORT_B_GATE2);
    outb(PIT_MODE, PIT_CH2_ONESHOT);
    outb(PIT_CH2_DATA, pit_ticks & 0xff);
    outb(PIT_CH2_DATA, pit_ticks >> 8);
    if (inb(PORT_B) & PORT_B_OUT2)
        panic("clock: PIT channel 2 output stuck high");
    uint64_t start = rdtsc();
    while (!(inb(PORT_B) & PORT_B_OUT2))
        cpu_relax();
    uint64_t ticks = rdtsc() - start;
    outb(PORT_B, saved);
    return ticks;
}

void clock_init(void)
{
    const uint16_t pit_ticks = PIT_HZ * CAL_MS / 1000;
    /* Delays (a preempted host thread) only ever lengthen a run: keep the
     * shortest. */
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < CAL_RUNS; i++) {
        uint64_t t = measure(pit_ticks);
        best = t < best ? t : best;
    }
    tsc_hz = best * PIT_HZ / pit_ticks;
    if (tsc_hz < 1000000)
        panic("clock: TSC slower than 1 MHz");
    ns_per_tick_q32 = (1000000000ull << 32) / tsc_hz;
    tsc_base = rdtsc();
}

uint64_t clock_ns(void)
{
    unsigned __int128 ns = (unsigned __int128)(rdtsc() - tsc_base) * ns_per_tick_q32;
    return (uint64_t)(ns >> 32);
}

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}
