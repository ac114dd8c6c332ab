/* SPDX-License-Identifier: BSD-2-Clause */
/* The ACPI table reader behind the boot image's power-off (boot/pc/acpi_tables.c):
 * tables built here in a fake physical memory, valid ones as QEMU's pc, q35
 * and microvm lay them out, and every check broken once. */
#include <stdio.h>
#include <string.h>

#include "acpi_tables.c"
#include "cases.h"

#define MEM_BASE 0x100000u
#define MEM_SIZE 0x10000u
#define RSDP 0x100000u
#define XSDT 0x100100u
#define RSDT 0x100180u
#define OTHER 0x100200u
#define FADT 0x100400u
#define DSDT 0x100800u
#define FADT_LEN 276

static uint8_t mem[MEM_SIZE];

const uint8_t *acpi_map(uint64_t phys, uint64_t len)
{
    if (phys < MEM_BASE || phys - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (phys - MEM_BASE))
        return NULL;
    return mem + (phys - MEM_BASE);
}

static uint8_t *at(uint32_t phys)
{
    return mem + (phys - MEM_BASE);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void fix_sum(uint8_t *p, size_t n, uint8_t *field)
{
    *field = 0;
    *field = (uint8_t)-sum(p, n);
}

static void table_fix(uint32_t phys)
{
    uint8_t *t = at(phys);
    fix_sum(t, get32(t + 4), t + 9);
}

static void header(uint32_t phys, const char *sig, uint32_t len)
{
    uint8_t *t = at(phys);
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = 2;
    memcpy(t + 10, "VSTEST", 6);
}

static void rsdp(int revision)
{
    uint8_t *p = at(RSDP);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "VSTEST", 6);
    p[15] = (uint8_t)revision;
    put32(p + 16, RSDT);
    put32(p + 20, 36);
    put64(p + 24, revision >= 2 ? XSDT : 0);
    fix_sum(p, 20, p + 8);
    fix_sum(p, 36, p + 32);
}

/* A DSDT holding some AML before and the given bytes. */
static void dsdt(const uint8_t *aml, size_t n)
{
    static const uint8_t before[] = {0x10, 0x05, '_', 'S', 'B', '_', 0x5b, 0x82}; /* Scope, Device... */
    header(DSDT, "DSDT", (uint32_t)(36 + sizeof(before) + n));
    memcpy(at(DSDT) + 36, before, sizeof(before));
    memcpy(at(DSDT) + 36 + sizeof(before), aml, n);
    table_fix(DSDT);
}

static const uint8_t QEMU_S5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};

/* QEMU pc's layout: RSDP 2 -> XSDT (another table first) -> FADT with the
 * PM1a port 0x604, SMI_CMD 0xb2 / 0xf1 -> DSDT with Package {0, 0, 0, 0}. */
static void machine(void)
{
    memset(mem, 0, sizeof(mem));
    rsdp(2);
    header(XSDT, "XSDT", 36 + 16);
    put64(at(XSDT) + 36, OTHER);
    put64(at(XSDT) + 44, FADT);
    table_fix(XSDT);
    header(RSDT, "RSDT", 36 + 8);
    put32(at(RSDT) + 36, OTHER);
    put32(at(RSDT) + 40, FADT);
    table_fix(RSDT);
    header(OTHER, "APIC", 44);
    table_fix(OTHER);
    header(FADT, "FACP", FADT_LEN);
    put32(at(FADT) + 40, DSDT);
    put32(at(FADT) + 48, 0xb2);
    at(FADT)[52] = 0xf1;
    put32(at(FADT) + 64, 0x604);
    put64(at(FADT) + 140, DSDT);
    table_fix(FADT);
    dsdt(QEMU_S5, sizeof(QEMU_S5));
}

static const char *info(struct acpi_sleep *s)
{
    return acpi_sleep_info(RSDP, s);
}

/* The tables as they are now must be refused with a reason containing want. */
static void refused(const char *name, const char *want)
{
    struct acpi_sleep s;
    const char *why = info(&s);
    char detail[200];
    snprintf(detail, sizeof(detail), "got %s, want ...%s...", why ? why : "success", want);
    check(name, why && strstr(why, want), detail);
}

static void test_qemu_pc(void)
{
    machine();
    struct acpi_sleep s;
    const char *why = info(&s);
    check("pc layout: found", !why, why);
    check("pc layout: PM1a control is I/O port 0x604, 16 bits, no PM1b",
          s.pm1a[0] == ACPI_GAS_IO && s.pm1a[1] == 16 && acpi_gas_addr(s.pm1a) == 0x604 && !acpi_gas_usable(s.pm1b),
          "wrong PM1 blocks");
    check("pc layout: SLP_TYP 0/0, SMI_CMD 0xb2 with ACPI_ENABLE 0xf1, not hardware-reduced",
          s.slp_typ[0] == 0 && s.slp_typ[1] == 0 && s.smi_cmd == 0xb2 && s.acpi_enable == 0xf1 && !s.hw_reduced,
          "wrong values");

    rsdp(0);
    why = info(&s);
    check("ACPI 1.0 RSDP: the RSDT is walked", !why && acpi_gas_addr(s.pm1a) == 0x604, why);
}

static void test_s5_forms(void)
{
    struct acpi_sleep s;
    const char *why;
    /* "_S5_" first as a method's name, after its PkgLength 0x08 (NameOp's
     * value): passed over; then \_S5_ with BytePrefix values and a 2-byte
     * PkgLength. */
    static const uint8_t rooted[] = {0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x00,
                                     0x08, '\\', '_', 'S', '5', '_', 0x12, 0x40, 0x00, 0x02, 0x0a, 0x05, 0x0a, 0x07};
    machine();
    dsdt(rooted, sizeof(rooted));
    why = info(&s);
    check("\\_S5_ with the root prefix, BytePrefix values, 2-byte PkgLength: 5 and 7",
          !why && s.slp_typ[0] == 5 && s.slp_typ[1] == 7, why ? why : "wrong values");

    static const uint8_t words[] = {0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 0x0b, 0x06, 0x00, 0x01};
    dsdt(words, sizeof(words));
    why = info(&s);
    check("\\_S5_ with WordPrefix and One", !why && s.slp_typ[0] == 6 && s.slp_typ[1] == 1, why ? why : "wrong");

    static const uint8_t none[] = {0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    dsdt(none, sizeof(none));
    refused("a DSDT without \\_S5_", "has no \\_S5_");
    static const uint8_t notpkg[] = {0x08, '_', 'S', '5', '_', 0x0a, 0x05, 0x00};
    dsdt(notpkg, sizeof(notpkg));
    refused("\\_S5_ that is not a package", "is not a package");
    static const uint8_t one[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00};
    dsdt(one, sizeof(one));
    refused("\\_S5_ with one element", "fewer than two");
    static const uint8_t cut[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a};
    dsdt(cut, sizeof(cut));
    refused("\\_S5_ cut off by the end of the DSDT", "no integer SLP_TYP");
    static const uint8_t cutpkg[] = {0x08, '_', 'S', '5', '_', 0x12, 0xc0};
    dsdt(cutpkg, sizeof(cutpkg));
    refused("\\_S5_ whose PkgLength runs past the DSDT", "is not a package");
}

static void test_broken_tables(void)
{
    machine();
    at(RSDP)[8]++;
    refused("RSDP checksum wrong", "RSDP is not valid");
    machine();
    at(RSDP)[32]++;
    refused("RSDP extended checksum wrong", "RSDP is not valid");
    machine();
    at(XSDT)[40]++;
    refused("XSDT checksum wrong", "the XSDT's checksum is wrong");
    machine();
    put32(at(XSDT) + 4, MEM_SIZE); /* the length is checked before the checksum */
    refused("XSDT longer than memory", "the XSDT's length is out of bounds");
    machine();
    put64(at(RSDP) + 24, 0xfffffffffffff000ull);
    fix_sum(at(RSDP), 36, at(RSDP) + 32);
    refused("XSDT address out of reach", "the XSDT's address is 0 or out of reach");
    machine();
    memcpy(at(XSDT), "XSDX", 4);
    refused("XSDT signature wrong", "the XSDT's address holds another table");
    machine();
    at(FADT)[100]++;
    refused("FADT checksum wrong", "no valid FADT");
    machine();
    put32(at(FADT) + 4, 100);
    table_fix(FADT);
    refused("FADT too short for its flags", "too short");
    machine();
    memcpy(at(DSDT), "SSDT", 4);
    refused("DSDT signature wrong", "the DSDT's address holds another table");
    machine();
    at(DSDT)[40]++;
    refused("DSDT checksum wrong", "the DSDT's checksum is wrong");
    machine();
    put32(at(FADT) + 64, 0);
    table_fix(FADT);
    refused("no PM1a control block", "no usable PM1a");

    struct acpi_sleep s;
    const char *why;
    machine();
    put64(at(XSDT) + 36, 0x7000000000ull); /* an unreachable entry before the FADT */
    table_fix(XSDT);
    why = info(&s);
    check("an unreachable XSDT entry before the FADT is skipped", !why, why);
    machine();
    put32(at(FADT) + 40, 0x12345678); /* the 32-bit DSDT is wrong, X_DSDT right */
    table_fix(FADT);
    why = info(&s);
    check("X_DSDT is preferred to DSDT", !why, why);
    machine();
    put32(at(FADT) + 4, 116); /* an ACPI 1.0 FADT: no X_ fields */
    put64(at(FADT) + 140, 0);
    table_fix(FADT);
    why = info(&s);
    check("a 116-byte FADT: DSDT and PM1a from the 32-bit fields", !why && acpi_gas_addr(s.pm1a) == 0x604, why);
    machine();
    put32(at(FADT) + 64, 0); /* PM1a only as X_PM1a_CNT_BLK: memory, 32 bits wide */
    uint8_t *x = at(FADT) + 172;
    x[0] = ACPI_GAS_MEMORY;
    x[1] = 32;
    put64(x + 4, 0xfed00000u);
    table_fix(FADT);
    why = info(&s);
    check("PM1a from X_PM1a_CNT_BLK, narrowed to 16 bits",
          !why && s.pm1a[0] == ACPI_GAS_MEMORY && s.pm1a[1] == 16 && acpi_gas_addr(s.pm1a) == 0xfed00000u, why);
}

static void test_hw_reduced(void)
{
    /* microvm: hardware-reduced, no PM1 blocks, the sleep control register
     * in memory, \_S5_ = Package {5}. */
    static const uint8_t s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00};
    machine();
    put32(at(FADT) + 64, 0);
    put32(at(FADT) + 112, 1u << 20);
    uint8_t *g = at(FADT) + 244;
    g[0] = ACPI_GAS_MEMORY;
    g[1] = 8;
    put64(g + 4, 0xfea00004u);
    table_fix(FADT);
    dsdt(s5, sizeof(s5));
    struct acpi_sleep s;
    const char *why = info(&s);
    check("hardware-reduced: the sleep control register and SLP_TYP 5",
          !why && s.hw_reduced && acpi_gas_addr(s.sleep_ctl) == 0xfea00004u && s.slp_typ[0] == 5, why);
    memset(g, 0, ACPI_GAS_LEN);
    table_fix(FADT);
    refused("hardware-reduced without SLEEP_CONTROL_REG", "SLEEP_CONTROL_REG");
}

int main(void)
{
    test_qemu_pc();
    test_s5_forms();
    test_broken_tables();
    test_hw_reduced();
    return failures ? 1 : 0;
}
