/* SPDX-License-Identifier: BSD-2-Clause */
/* Powering the machine off through ACPI (sleep state S5), for VMMs without
 * isa-debug-exit: the RSDP from the boot protocol or the BIOS areas, the
 * tables through acpi_tables.c, then the PM1 control blocks or, on
 * hardware-reduced ACPI, the sleep control register. */
#include "acpi_tables.h"
#include "runtime.h"

#define FOUR_GIB (4ull << 30) /* what entry.S identity-maps */
#define BDA_EBDA_SEGMENT 0x40e

#define PM1_SCI_EN 0x0001
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1u << 13)
#define SLEEP_CTL_TYP_SHIFT 2
#define SLEEP_CTL_EN (1u << 5)
#define ACPI_ENABLE_POLLS 1000000

/* The tables are read in place: below 4 GiB everything is identity-mapped. */
const uint8_t *acpi_map(uint64_t phys, uint64_t len)
{
    return phys < FOUR_GIB && len <= FOUR_GIB - phys ? (const uint8_t *)(uintptr_t)phys : NULL;
}

/* The BIOS puts the RSDP on a 16-byte boundary in the first KiB of the
 * EBDA or in 0xE0000-0xFFFFF. */
static uint64_t rsdp_scan(uint64_t base, uint64_t len)
{
    for (uint64_t a = ALIGN_UP(base, 16); a + ACPI_RSDP_V1_LEN <= base + len; a += 16)
        if (acpi_rsdp_ok(acpi_map(a, ACPI_RSDP_V1_LEN)))
            return a;
    return 0;
}

static uint64_t rsdp_find(void)
{
    uint64_t given = platform_acpi_rsdp();
    if (given)
        return given;
    uintptr_t bda = BDA_EBDA_SEGMENT;
    __asm__("" : "+r"(bda)); /* a computed address: GCC warns of a literal one */
    uint64_t ebda = (uint64_t)*(volatile uint16_t *)bda << 4, found = 0;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        found = rsdp_scan(ebda, 1024);
    return found ? found : rsdp_scan(0xe0000, 0x20000);
}

static uint32_t gas_read(const uint8_t *gas)
{
    uint64_t a = acpi_gas_addr(gas);
    if (gas[0] == ACPI_GAS_IO)
        return gas[1] == 8 ? inb((uint16_t)a) : gas[1] == 16 ? inw((uint16_t)a) : inl((uint16_t)a);
    volatile void *m = (volatile void *)(uintptr_t)a;
    return gas[1] == 8 ? *(volatile uint8_t *)m : gas[1] == 16 ? *(volatile uint16_t *)m : *(volatile uint32_t *)m;
}

static void gas_write(const uint8_t *gas, uint32_t v)
{
    uint64_t a = acpi_gas_addr(gas);
    volatile void *m = (volatile void *)(uintptr_t)a;
    if (gas[0] == ACPI_GAS_IO) {
        if (gas[1] == 8)
            outb((uint16_t)a, (uint8_t)v);
        else if (gas[1] == 16)
            outw((uint16_t)a, (uint16_t)v);
        else
            outl((uint16_t)a, v);
    } else if (gas[1] == 8) {
        *(volatile uint8_t *)m = (uint8_t)v;
    } else if (gas[1] == 16) {
        *(volatile uint16_t *)m = (uint16_t)v;
    } else {
        *(volatile uint32_t *)m = v;
    }
}

/* Firmware may leave the machine in legacy mode: ask it for ACPI mode
 * through SMI_CMD, as an OS does, before touching PM1 control. */
static void acpi_enable(const struct acpi_sleep *s)
{
    if (!s->smi_cmd || !s->acpi_enable || (gas_read(s->pm1a) & PM1_SCI_EN))
        return;
    outb((uint16_t)s->smi_cmd, s->acpi_enable);
    for (int i = 0; i < ACPI_ENABLE_POLLS && !(gas_read(s->pm1a) & PM1_SCI_EN); i++)
        cpu_relax();
}

static void pm1_sleep(const uint8_t *gas, uint8_t typ, bool enable)
{
    uint32_t v = gas_read(gas) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
    gas_write(gas, v | (uint32_t)typ << PM1_SLP_TYP_SHIFT | (enable ? PM1_SLP_EN : 0));
}

const char *acpi_power_off(void)
{
    uint64_t rsdp = rsdp_find();
    if (!rsdp)
        return "no ACPI RSDP (not given by the boot protocol, none in the EBDA or 0xE0000-0xFFFFF)";
    struct acpi_sleep s;
    const char *why = acpi_sleep_info(rsdp, &s);
    if (why)
        return why;
    if (s.hw_reduced) {
        gas_write(s.sleep_ctl, (uint32_t)s.slp_typ[0] << SLEEP_CTL_TYP_SHIFT | SLEEP_CTL_EN);
        return NULL;
    }
    acpi_enable(&s);
    /* SLP_TYP first, then SLP_TYP | SLP_EN, to both blocks, as ACPICA does. */
    for (int enable = 0; enable < 2; enable++) {
        pm1_sleep(s.pm1a, s.slp_typ[0], enable);
        if (acpi_gas_usable(s.pm1b))
            pm1_sleep(s.pm1b, s.slp_typ[1], enable);
    }
    return NULL;
}
