/* SPDX-License-Identifier: BSD-2-Clause */
/* The IDT: every vector leads to a panic (isr.S) until irq.c
 * installs a handler for the few it uses (MSI-X completions, the LAPIC
 * timer).  Interrupts stay disabled outside irq_sleep's hlt, and the legacy
 * PIC masked. */
#include "runtime.h"

#define SEL_CODE64 0x08
#define GATE_INTERRUPT 0x8e /* present, ring 0, 64-bit interrupt gate */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};

struct __attribute__((packed)) idt_pointer {
    uint16_t limit;
    uint64_t base;
};

extern const uint64_t isr_table[256];
static struct idt_entry idt[256];

static void set_gate(size_t v, uint64_t a)
{
    idt[v] = (struct idt_entry){
        .offset_low = (uint16_t)a,
        .selector = SEL_CODE64,
        .type = GATE_INTERRUPT,
        .offset_mid = (uint16_t)(a >> 16),
        .offset_high = (uint32_t)(a >> 32),
    };
}

void idt_set_handler(uint8_t vector, void (*entry)(void))
{
    set_gate(vector, (uintptr_t)entry);
}

void exceptions_init(void)
{
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
    for (size_t v = 0; v < 256; v++)
        set_gate(v, isr_table[v]);
    struct idt_pointer p = {sizeof(idt) - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" ::"m"(p));
}
