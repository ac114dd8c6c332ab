/* SPDX-License-Identifier: BSD-2-Clause */
/* The generic timer's virtual counter (CNTVCT_EL0) at CNTFRQ_EL0 Hz. */
#include "a64.h"

static uint64_t freq, start;

static uint64_t counter(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

void clock_init(void)
{
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    if (freq == 0)
        panic("CNTFRQ_EL0 is 0: the generic timer frequency is unknown");
    start = counter();
}

uint64_t clock_ns(void)
{
    uint64_t t = counter() - start;
    return t / freq * 1000000000ull + t % freq * 1000000000ull / freq;
}
