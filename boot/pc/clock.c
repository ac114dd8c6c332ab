/* SPDX-License-Identifier: BSD-2-Clause */
/* The clock: the TSC, its rate measured against PIT channel 2 (a fixed
 * 1.193182 MHz reference), gated on through port 0x61 and counting down
 * once from 0xffff (mode 0).
 *
 * The rate comes from two (TSC, PIT count) pairs CAL_MS apart.  Each pair
 * is read with the PIT's read-back command between two TSC reads, and the
 * tightest of a few tries is kept: a vCPU preempted by its host only
 * widens a bracket, so the result does not depend on the host's scheduling
 * (a plain "count down, then look at the TSC" was off by up to 7% on a
 * loaded TCG host). */
#include "runtime.h"

#define PIT_HZ 1193182u
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PIT_CH2_ONESHOT 0xb0  /* channel 2, low then high byte, mode 0, binary */
#define PIT_CH2_READBACK 0xc8 /* latch channel 2's status and count */
#define PIT_STATUS_OUT 0x80   /* the output went high: the count passed zero */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02

#define CAL_MS 40 /* of the 54.9 ms before the count reaches zero */
#define SAMPLE_TRIES 5
#define CAL_TRIES 20
/* Over a second at up to 10 GHz: the PIT is not counting. */
#define CAL_GIVE_UP 10000000000ull

static uint64_t tsc_hz;
static uint64_t tsc_base;
static uint64_t ns_per_tick_q32; /* nanoseconds per TSC tick, 32.32 fixed point */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

struct sample {
    uint64_t tsc;
    uint16_t count;
    bool passed_zero;
};

static struct sample sample(void)
{
    struct sample best = {0};
    uint64_t best_spread = UINT64_MAX;
    for (int i = 0; i < SAMPLE_TRIES; i++) {
        uint64_t before = rdtsc();
        outb(PIT_MODE, PIT_CH2_READBACK);
        uint8_t status = inb(PIT_CH2_DATA);
        uint8_t lo = inb(PIT_CH2_DATA);
        uint8_t hi = inb(PIT_CH2_DATA);
        uint64_t spread = rdtsc() - before;
        if (spread < best_spread) {
            best_spread = spread;
            best = (struct sample){before + spread / 2, (uint16_t)(lo | hi << 8), status & PIT_STATUS_OUT};
        }
    }
    return best;
}

/* One measurement; 0 when the host stalled us past the PIT's count (a
 * loaded host can take the vCPU away for longer than 55 ms). */
static uint64_t measure_tsc_hz(void)
{
    const uint16_t window = PIT_HZ * CAL_MS / 1000;
    outb(PIT_MODE, PIT_CH2_ONESHOT);
    outb(PIT_CH2_DATA, 0xff);
    outb(PIT_CH2_DATA, 0xff);
    struct sample a = sample(), b;
    do {
        b = sample();
        if (b.tsc - a.tsc > CAL_GIVE_UP)
            panic("clock: the PIT does not count");
    } while (!b.passed_zero && a.count - b.count < window);
    if (a.passed_zero || b.passed_zero)
        return 0;
    return (b.tsc - a.tsc) * PIT_HZ / (uint64_t)(a.count - b.count);
}

void clock_init(void)
{
    uint8_t port_b = inb(PORT_B);
    outb(PORT_B, (port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
    for (int tries = 0; tries < CAL_TRIES && !tsc_hz; tries++)
        tsc_hz = measure_tsc_hz();
    if (!tsc_hz)
        panic("clock: PIT calibration overran every time");
    outb(PORT_B, port_b);
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
