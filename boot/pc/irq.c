/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupts for irq=msix: virtio devices signal used buffers with an MSI-X
 * message to this CPU's local APIC (xAPIC, memory-mapped), and the core
 * sleeps in irq_wait until one arrives.  Interrupts are enabled only
 * inside irq_sleep (isr.S: `sti; hlt; cli`), so a message that comes
 * while the core looks at its rings stays pending and ends the next sleep
 * at once: no wake-up is lost.  Every sleep is also bounded by the LAPIC
 * timer (one-shot, calibrated against the TSC clock), so a message that
 * never comes costs at most IRQ_SLEEP_MAX_NS per look at the rings.
 *
 * Vectors: IRQ_VECTOR_MSI (every device shares it), IRQ_VECTOR_TIMER, and
 * the LAPIC's spurious vector 0xff (no EOI). */
#include "runtime.h"
#include "vs_errno.h"

#define IRQ_VECTOR_MSI 64
#define IRQ_VECTOR_TIMER 65
#define IRQ_VECTOR_SPURIOUS 255
/* The stubs in isr.S, one per vector above. */
extern void irq_entry_64(void), irq_entry_65(void), irq_entry_255(void);

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define MSI_ADDRESS 0xfee00000u

/* Local APIC registers (Intel SDM vol. 3, 11.4.1). */
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_MASKED 0x10000
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LAPIC_DIV_16 0x3

#define CAL_NS 10000000ull               /* timer calibration window */
#define IRQ_SLEEP_MAX_NS 10000000ull     /* longest single sleep */

static volatile uint8_t *lapic;
static uint64_t timer_hz;   /* LAPIC timer ticks per second (divided by 16) */
static int lapic_state;     /* 0 untried, 1 ready, -1 unusable */
static volatile uint64_t irq_counts[3]; /* MSI, timer, spurious */

static uint32_t lapic_rd(uint32_t reg) { return *(volatile uint32_t *)(lapic + reg); }
static void lapic_wr(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(lapic + reg) = v; }

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static bool cpu_has_apic(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return d & (1u << 9);
}

/* Called from irq_common (isr.S) with interrupts disabled. */
uint64_t irq_msi_count(void)
{
    return irq_counts[0];
}

void irq_dispatch(uint64_t vector);
void irq_dispatch(uint64_t vector)
{
    if (vector == IRQ_VECTOR_SPURIOUS) {
        irq_counts[2]++;
        return; /* a spurious interrupt takes no EOI */
    }
    irq_counts[vector == IRQ_VECTOR_MSI ? 0 : 1]++;
    lapic_wr(LAPIC_EOI, 0);
}

static int lapic_init(void)
{
    if (!cpu_has_apic())
        return -VS_ENOTSUP;
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (base & APIC_BASE_X2APIC)
        return -VS_ENOTSUP; /* the memory-mapped interface is off */
    if (!(base & APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    lapic = mmio_map(base & 0xffffff000ull, PAGE_SIZE);
    if (!lapic)
        return -VS_ENOTSUP;
    idt_set_handler(IRQ_VECTOR_MSI, irq_entry_64);
    idt_set_handler(IRQ_VECTOR_TIMER, irq_entry_65);
    idt_set_handler(IRQ_VECTOR_SPURIOUS, irq_entry_255);
    lapic_wr(LAPIC_TPR, 0);
    lapic_wr(LAPIC_SVR, LAPIC_SVR_ENABLE | IRQ_VECTOR_SPURIOUS);

    /* Timer rate: count down, masked, for CAL_NS of the TSC clock. */
    lapic_wr(LAPIC_TIMER_DIV, LAPIC_DIV_16);
    lapic_wr(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | IRQ_VECTOR_TIMER);
    uint64_t t0 = clock_ns();
    lapic_wr(LAPIC_TIMER_INIT, 0xffffffffu);
    uint64_t t1;
    while ((t1 = clock_ns()) - t0 < CAL_NS)
        cpu_relax();
    uint32_t left = lapic_rd(LAPIC_TIMER_CUR);
    lapic_wr(LAPIC_TIMER_INIT, 0);
    uint64_t ticks = 0xffffffffu - (uint64_t)left;
    if (ticks == 0 || left == 0)
        return -VS_ENOTSUP; /* not counting, or too fast to measure */
    timer_hz = ticks * 1000000000ull / (t1 - t0);
    /* One-shot mode, unmasked; armed by irq_wait. */
    lapic_wr(LAPIC_LVT_TIMER, IRQ_VECTOR_TIMER);
    return 0;
}

int irq_msi_alloc(uint64_t *msg_addr, uint32_t *msg_data)
{
    if (lapic_state == 0)
        lapic_state = lapic_init() == 0 ? 1 : -1;
    if (lapic_state < 0)
        return -VS_ENOTSUP;
    uint32_t apic_id = lapic_rd(LAPIC_ID) >> 24;
    *msg_addr = MSI_ADDRESS | apic_id << 12; /* physical destination */
    *msg_data = IRQ_VECTOR_MSI;              /* fixed delivery, edge */
    return 0;
}

extern void irq_sleep(void);

void irq_wait(uint64_t deadline_ns)
{
    uint64_t now = clock_ns();
    if (lapic_state <= 0 || now >= deadline_ns) {
        cpu_relax();
        return;
    }
    uint64_t ns = deadline_ns - now;
    if (ns > IRQ_SLEEP_MAX_NS)
        ns = IRQ_SLEEP_MAX_NS;
    uint64_t ticks = ns * timer_hz / 1000000000ull;
    if (ticks > 0xffffffffu)
        ticks = 0xffffffffu;
    lapic_wr(LAPIC_TIMER_INIT, ticks ? (uint32_t)ticks : 1);
    irq_sleep();
    lapic_wr(LAPIC_TIMER_INIT, 0); /* disarm (a fired one stays counted) */
}
