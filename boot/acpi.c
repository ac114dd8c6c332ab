/* Powering the machine off through ACPI (sleep state S5), for VMMs without
 * isa-debug-exit: RSDP -> RSDT/XSDT -> FADT -> DSDT, where the \_S5_
 * package gives the SLP_TYP values.  Every table is checked (signature,
 * length, checksum, bounds) before a byte of it is trusted. */
#include "libc.h"
#include "runtime.h"

#define FOUR_GIB (4ull << 30) /* what entry.S identity-maps: tables must lie below */
#define MAX_TABLE (1u << 20)  /* a longer table is taken as corrupt */

#define SDT_HEADER 36
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

/* FADT field offsets (ACPI 6.x, table 5.9). */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_FLAGS 112
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_SLEEP_CONTROL 244
#define GAS_LEN 12
#define FLAG_HW_REDUCED (1u << 20)

#define GAS_MEMORY 0
#define GAS_IO 1

#define PM1_SCI_EN 0x0001
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1u << 13)
#define SLEEP_CTL_TYP_SHIFT 2
#define SLEEP_CTL_EN (1u << 5)

/* AML opcodes the \_S5_ package is written with. */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_NAME 0x08
#define AML_PACKAGE 0x12
#define AML_ONES 0xff

static const char *why; /* why the last lookup failed */

static bool fail(const char *msg)
{
    why = msg;
    return false;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool below_4g(uint64_t addr, uint64_t len)
{
    return addr && addr < FOUR_GIB && len <= FOUR_GIB - addr;
}

/* A valid RSDP at p: signature, the ACPI 1.0 checksum, and for revision 2
 * its length and extended checksum. */
static bool rsdp_ok(const uint8_t *p)
{
    if (memcmp(p, "RSD PTR ", 8) || sum(p, RSDP_V1_LEN))
        return false;
    if (p[15] < 2)
        return true;
    uint32_t len = get32(p + 20);
    return len >= RSDP_V2_LEN && len <= 4096 && below_4g((uintptr_t)p, len) && !sum(p, len);
}

/* The BIOS puts the RSDP on a 16-byte boundary in the first KiB of the
 * EBDA or in 0xE0000-0xFFFFF. */
static const uint8_t *rsdp_scan(uint64_t base, uint64_t len)
{
    for (uint64_t a = ALIGN_UP(base, 16); a + RSDP_V1_LEN <= base + len; a += 16)
        if (rsdp_ok((const uint8_t *)(uintptr_t)a))
            return (const uint8_t *)(uintptr_t)a;
    return NULL;
}

static const uint8_t *rsdp_find(void)
{
    uint64_t given = platform_acpi_rsdp();
    if (given && below_4g(given, RSDP_V2_LEN) && rsdp_ok((const uint8_t *)(uintptr_t)given))
        return (const uint8_t *)(uintptr_t)given;
    uintptr_t bda_ebda = 0x40e; /* the EBDA's segment, in the BIOS data area */
    __asm__("" : "+r"(bda_ebda)); /* a computed address: GCC warns of a literal one */
    uint64_t ebda = (uint64_t)*(volatile uint16_t *)bda_ebda << 4;
    const uint8_t *p = NULL;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        p = rsdp_scan(ebda, 1024);
    return p ? p : rsdp_scan(0xe0000, 0x20000);
}

/* The table at addr if its signature is sig and its length and checksum
 * hold, else NULL (why says which check failed). */
static const uint8_t *table(uint64_t addr, const char *sig)
{
    if (!below_4g(addr, SDT_HEADER)) {
        fail("a table address is 0 or above 4 GiB");
        return NULL;
    }
    const uint8_t *t = (const uint8_t *)(uintptr_t)addr;
    if (memcmp(t, sig, 4))
        return NULL;
    uint32_t len = get32(t + 4);
    if (len < SDT_HEADER || len > MAX_TABLE || !below_4g(addr, len)) {
        fail("a table's length is out of bounds");
        return NULL;
    }
    if (sum(t, len)) {
        fail("a table's checksum is wrong");
        return NULL;
    }
    return t;
}

/* The FADT ("FACP") among the entries of the RSDT (4-byte addresses) or
 * the XSDT (8-byte ones). */
static const uint8_t *fadt_find(const uint8_t *rsdp)
{
    const uint8_t *root;
    unsigned entry;
    if (rsdp[15] >= 2 && get64(rsdp + 24)) {
        root = table(get64(rsdp + 24), "XSDT");
        entry = 8;
    } else {
        root = table(get32(rsdp + 16), "RSDT");
        entry = 4;
    }
    if (!root) {
        fail("the RSDP points at no valid RSDT/XSDT");
        return NULL;
    }
    uint32_t len = get32(root + 4);
    for (uint32_t off = SDT_HEADER; off + entry <= len; off += entry) {
        uint64_t addr = entry == 8 ? get64(root + off) : get32(root + off);
        const uint8_t *t = table(addr, "FACP");
        if (t)
            return t;
    }
    fail("no valid FADT (FACP) in the RSDT/XSDT");
    return NULL;
}

/* An AML integer constant at p (< end); false if it is not one. */
static bool aml_int(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *q = *p;
    unsigned n;
    switch (q[0]) {
    case AML_ZERO: *v = 0; *p = q + 1; return true;
    case AML_ONE: *v = 1; *p = q + 1; return true;
    case AML_ONES: *v = 0xffffffffu; *p = q + 1; return true;
    case AML_BYTE: n = 1; break;
    case AML_WORD: n = 2; break;
    case AML_DWORD: n = 4; break;
    default: return false;
    }
    if (end - q < (ptrdiff_t)(1 + n))
        return false;
    *v = 0;
    for (unsigned i = 0; i < n; i++)
        *v |= (uint32_t)q[1 + i] << (8 * i);
    *p = q + 1 + n;
    return true;
}

/* SLP_TYPa and SLP_TYPb: the first two elements of the DSDT's
 * Name (_S5_, Package () {...}).  No AML is interpreted: the bytes after
 * the name must be the package itself. */
static bool s5_find(const uint8_t *dsdt, uint8_t typ[2])
{
    uint32_t len = get32(dsdt + 4);
    const uint8_t *end = dsdt + len;
    for (const uint8_t *p = dsdt + SDT_HEADER; p + 4 <= end; p++) {
        if (memcmp(p, "_S5_", 4))
            continue;
        const uint8_t *op = p[-1] == '\\' ? p - 2 : p - 1;
        if (op < dsdt + SDT_HEADER || *op != AML_NAME)
            continue;
        const uint8_t *q = p + 4;
        if (end - q < 3 || q[0] != AML_PACKAGE || end - q < 3 + (q[1] >> 6))
            return fail("\\_S5_ in the DSDT is not a package");
        q += 2 + (q[1] >> 6); /* PackageOp, PkgLength (1-4 bytes) */
        if (*q < 2)
            return fail("\\_S5_ in the DSDT has fewer than two elements");
        q++;
        for (int i = 0; i < 2; i++) {
            uint32_t v;
            if (q >= end || !aml_int(&q, end, &v))
                return fail("\\_S5_ in the DSDT holds no integer SLP_TYP values");
            typ[i] = (uint8_t)(v & 7);
        }
        return true;
    }
    return fail("the DSDT has no \\_S5_ (the machine offers no soft-off)");
}

/* A Generic Address Structure register: system I/O or memory, 8-32 bits. */
static bool gas_usable(const uint8_t *gas)
{
    uint8_t width = gas[1];
    return get64(gas + 4) && (gas[0] == GAS_IO || gas[0] == GAS_MEMORY) &&
           (width == 8 || width == 16 || width == 32);
}

static uint32_t gas_read(const uint8_t *gas)
{
    uint64_t a = get64(gas + 4);
    if (gas[0] == GAS_IO)
        return gas[1] == 8 ? inb((uint16_t)a) : gas[1] == 16 ? inw((uint16_t)a) : inl((uint16_t)a);
    volatile void *m = (volatile void *)(uintptr_t)a;
    return gas[1] == 8 ? *(volatile uint8_t *)m : gas[1] == 16 ? *(volatile uint16_t *)m : *(volatile uint32_t *)m;
}

static void gas_write(const uint8_t *gas, uint32_t v)
{
    uint64_t a = get64(gas + 4);
    volatile void *m = (volatile void *)(uintptr_t)a;
    if (gas[0] == GAS_IO) {
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

/* A PM1 control block as a GAS: the 32-bit port of the ACPI 1.0 field, or
 * the X_ field where the port is 0.  Zeroed when the FADT has neither. */
static void pm1_cnt(const uint8_t *fadt, uint32_t off, uint32_t x_off, uint8_t gas[GAS_LEN])
{
    memset(gas, 0, GAS_LEN);
    uint32_t port = get32(fadt + off);
    if (port) {
        gas[0] = GAS_IO;
        gas[1] = 16;
        for (int i = 0; i < 4; i++)
            gas[4 + i] = (uint8_t)(port >> (8 * i));
    } else if (get32(fadt + 4) >= x_off + GAS_LEN) {
        memcpy(gas, fadt + x_off, GAS_LEN);
        if (gas[1] > 16) /* PM1 control is a 16-bit register */
            gas[1] = 16;
    }
}

/* Firmware may leave the machine in legacy mode: ask it for ACPI mode
 * through SMI_CMD, as an OS does, before touching PM1 control. */
static void acpi_enable(const uint8_t *fadt, const uint8_t *pm1a)
{
    uint32_t smi_cmd = get32(fadt + FADT_SMI_CMD);
    uint8_t enable = fadt[FADT_ACPI_ENABLE];
    if (!smi_cmd || !enable || (gas_read(pm1a) & PM1_SCI_EN))
        return;
    outb((uint16_t)smi_cmd, enable);
    for (int i = 0; i < 1000000 && !(gas_read(pm1a) & PM1_SCI_EN); i++)
        cpu_relax();
}

/* SLP_TYP first, then SLP_TYP | SLP_EN, as ACPICA does. */
static void pm1_sleep(const uint8_t *gas, uint8_t typ, bool enable)
{
    uint32_t v = gas_read(gas) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
    gas_write(gas, v | (uint32_t)typ << PM1_SLP_TYP_SHIFT | (enable ? PM1_SLP_EN : 0));
}

const char *acpi_power_off(void)
{
    why = NULL;
    const uint8_t *rsdp = rsdp_find();
    if (!rsdp)
        return "no ACPI RSDP (not given by the boot protocol, none in the EBDA or 0xE0000-0xFFFFF)";
    const uint8_t *fadt = fadt_find(rsdp);
    if (!fadt)
        return why;
    uint32_t flen = get32(fadt + 4);
    if (flen < FADT_FLAGS + 4)
        return "the FADT is too short to hold its flags";
    uint64_t dsdt_addr = flen >= FADT_X_DSDT + 8 && get64(fadt + FADT_X_DSDT) ? get64(fadt + FADT_X_DSDT)
                                                                            : get32(fadt + FADT_DSDT);
    why = "the FADT's DSDT address holds no DSDT";
    const uint8_t *dsdt = table(dsdt_addr, "DSDT");
    uint8_t typ[2];
    if (!dsdt || !s5_find(dsdt, typ))
        return why;

    if (get32(fadt + FADT_FLAGS) & FLAG_HW_REDUCED) {
        const uint8_t *ctl = fadt + FADT_SLEEP_CONTROL;
        if (flen < FADT_SLEEP_CONTROL + GAS_LEN || !gas_usable(ctl))
            return "hardware-reduced ACPI without a usable SLEEP_CONTROL_REG";
        gas_write(ctl, (uint32_t)typ[0] << SLEEP_CTL_TYP_SHIFT | SLEEP_CTL_EN);
        return NULL;
    }
    uint8_t pm1a[GAS_LEN], pm1b[GAS_LEN];
    pm1_cnt(fadt, FADT_PM1A_CNT, FADT_X_PM1A_CNT, pm1a);
    pm1_cnt(fadt, FADT_PM1B_CNT, FADT_X_PM1B_CNT, pm1b);
    if (!gas_usable(pm1a))
        return "the FADT has no usable PM1a control block";
    bool have_b = gas_usable(pm1b);
    acpi_enable(fadt, pm1a);
    for (int enable = 0; enable < 2; enable++) {
        pm1_sleep(pm1a, typ[0], enable);
        if (have_b)
            pm1_sleep(pm1b, typ[1], enable);
    }
    return NULL;
}
