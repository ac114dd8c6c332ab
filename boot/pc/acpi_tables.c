/* SPDX-License-Identifier: BSD-2-Clause */
/* The ACPI tables behind S5: every table is checked (signature, length,
 * checksum, bounds) before a byte of it is trusted, and only as much AML is
 * read as the \_S5_ package takes. */
#include "acpi_tables.h"
#include "libc.h"

#define MAX_TABLE (1u << 20) /* a longer table is taken as corrupt */
#define MAX_RSDP 4096
#define SDT_HEADER 36
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
#define FLAG_HW_REDUCED (1u << 20)

/* AML opcodes the \_S5_ package is written with. */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_BYTE 0x0a
#define AML_WORD 0x0b
#define AML_DWORD 0x0c
#define AML_NAME 0x08
#define AML_PACKAGE 0x12
#define AML_ONES 0xff

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

bool acpi_rsdp_ok(const uint8_t *p)
{
    if (memcmp(p, "RSD PTR ", 8) || sum(p, ACPI_RSDP_V1_LEN))
        return false;
    if (p[15] < 2)
        return true;
    uint32_t len = get32(p + 20);
    return len >= RSDP_V2_LEN && len <= MAX_RSDP && !sum(p, len);
}

/* "the SIG" and what is wrong with it, in a buffer the next call reuses. */
static const char *about(const char *sig, const char *what)
{
    static char msg[80];
    size_t n = strlen(what);
    if (n > sizeof(msg) - 9)
        n = sizeof(msg) - 9;
    memcpy(msg, "the ", 4);
    memcpy(msg + 4, sig, 4);
    memcpy(msg + 8, what, n);
    msg[8 + n] = 0;
    return msg;
}

/* The table at phys with signature sig, its length and checksum checked;
 * NULL with *why set when it is not there or not valid. */
static const uint8_t *table(uint64_t phys, const char *sig, const char **why)
{
    const uint8_t *t = phys ? acpi_map(phys, SDT_HEADER) : NULL;
    if (!t) {
        *why = about(sig, "'s address is 0 or out of reach");
        return NULL;
    }
    if (memcmp(t, sig, 4)) {
        *why = about(sig, "'s address holds another table");
        return NULL;
    }
    uint32_t len = get32(t + 4);
    if (len < SDT_HEADER || len > MAX_TABLE || !acpi_map(phys, len)) {
        *why = about(sig, "'s length is out of bounds");
        return NULL;
    }
    if (sum(t, len)) {
        *why = about(sig, "'s checksum is wrong");
        return NULL;
    }
    return t;
}

/* The FADT ("FACP") among the entries of the XSDT (8-byte addresses) or
 * the RSDT (4-byte ones). */
static const uint8_t *fadt_find(const uint8_t *rsdp, const char **why)
{
    bool xsdt = rsdp[15] >= 2 && get64(rsdp + 24);
    const uint8_t *root = xsdt ? table(get64(rsdp + 24), "XSDT", why) : table(get32(rsdp + 16), "RSDT", why);
    if (!root)
        return NULL;
    unsigned entry = xsdt ? 8 : 4;
    uint32_t len = get32(root + 4);
    for (uint32_t off = SDT_HEADER; off + entry <= len; off += entry) {
        const char *skip; /* a bad entry that is not the FADT does not matter */
        const uint8_t *t = table(xsdt ? get64(root + off) : get32(root + off), "FACP", &skip);
        if (t)
            return t;
    }
    *why = "no valid FADT (FACP) in the RSDT/XSDT";
    return NULL;
}

/* An AML integer constant at *p (< end), *p moved past it; false if there
 * is none. */
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
 * Name (_S5_, Package () {...}), with or without the root prefix.  No AML
 * is interpreted: the bytes after the name must be the package itself.
 * A match that is not one (a 0x08 byte that was not NameOp, such as a
 * PkgLength) is passed over; its fault is reported if nothing better
 * follows. */
static const char *s5_find(const uint8_t *dsdt, uint8_t typ[2])
{
    const uint8_t *end = dsdt + get32(dsdt + 4);
    const char *err = "the DSDT has no \\_S5_ (the machine offers no soft-off)";
    for (const uint8_t *p = dsdt + SDT_HEADER; end - p >= 4; p++) {
        if (memcmp(p, "_S5_", 4))
            continue;
        const uint8_t *op = p[-1] == '\\' ? p - 2 : p - 1;
        if (op < dsdt + SDT_HEADER || *op != AML_NAME)
            continue;
        const uint8_t *q = p + 4;
        /* PackageOp, PkgLength (1 to 4 bytes: the top 2 bits of the first
         * count the others), NumElements. */
        if (end - q < 3 || q[0] != AML_PACKAGE || end - q < 3 + (q[1] >> 6)) {
            err = "\\_S5_ in the DSDT is not a package";
            continue;
        }
        q += 2 + (q[1] >> 6);
        if (*q++ < 2) {
            err = "\\_S5_ in the DSDT has fewer than two elements";
            continue;
        }
        uint32_t v[2];
        if (q < end && aml_int(&q, end, &v[0]) && q < end && aml_int(&q, end, &v[1])) {
            typ[0] = (uint8_t)(v[0] & 7);
            typ[1] = (uint8_t)(v[1] & 7);
            return NULL;
        }
        err = "\\_S5_ in the DSDT holds no integer SLP_TYP values";
    }
    return err;
}

uint64_t acpi_gas_addr(const uint8_t *gas)
{
    return get64(gas + 4);
}

bool acpi_gas_usable(const uint8_t *gas)
{
    uint8_t width = gas[1];
    return acpi_gas_addr(gas) && (gas[0] == ACPI_GAS_IO || gas[0] == ACPI_GAS_MEMORY) &&
           (width == 8 || width == 16 || width == 32);
}

/* A PM1 control block: the 32-bit I/O port of the ACPI 1.0 field, else
 * the X_ field's GAS if the FADT is long enough to have one. */
static void pm1_cnt(const uint8_t *fadt, uint32_t off, uint32_t x_off, uint8_t gas[ACPI_GAS_LEN])
{
    uint32_t port = get32(fadt + off);
    if (port) {
        gas[0] = ACPI_GAS_IO;
        gas[1] = 16;
        for (int i = 0; i < 4; i++)
            gas[4 + i] = (uint8_t)(port >> (8 * i));
    } else if (get32(fadt + 4) >= x_off + ACPI_GAS_LEN) {
        memcpy(gas, fadt + x_off, ACPI_GAS_LEN);
        if (gas[1] > 16) /* PM1 control is a 16-bit register */
            gas[1] = 16;
    }
}

const char *acpi_sleep_info(uint64_t rsdp_phys, struct acpi_sleep *out)
{
    memset(out, 0, sizeof(*out));
    const uint8_t *rsdp = rsdp_phys ? acpi_map(rsdp_phys, ACPI_RSDP_V1_LEN) : NULL;
    if (!rsdp || !acpi_rsdp_ok(rsdp) || (rsdp[15] >= 2 && !acpi_map(rsdp_phys, RSDP_V2_LEN)))
        return "the RSDP is not valid";
    const char *why = NULL;
    const uint8_t *fadt = fadt_find(rsdp, &why);
    if (!fadt)
        return why;
    uint32_t flen = get32(fadt + 4);
    if (flen < FADT_FLAGS + 4)
        return "the FADT is too short to hold its flags";
    bool x_dsdt = flen >= FADT_X_DSDT + 8 && get64(fadt + FADT_X_DSDT);
    const uint8_t *dsdt = table(x_dsdt ? get64(fadt + FADT_X_DSDT) : get32(fadt + FADT_DSDT), "DSDT", &why);
    if (!dsdt)
        return why;
    if ((why = s5_find(dsdt, out->slp_typ)))
        return why;

    out->hw_reduced = get32(fadt + FADT_FLAGS) & FLAG_HW_REDUCED;
    if (out->hw_reduced) {
        if (flen >= FADT_SLEEP_CONTROL + ACPI_GAS_LEN)
            memcpy(out->sleep_ctl, fadt + FADT_SLEEP_CONTROL, ACPI_GAS_LEN);
        if (!acpi_gas_usable(out->sleep_ctl))
            return "hardware-reduced ACPI without a usable SLEEP_CONTROL_REG";
        return NULL;
    }
    pm1_cnt(fadt, FADT_PM1A_CNT, FADT_X_PM1A_CNT, out->pm1a);
    pm1_cnt(fadt, FADT_PM1B_CNT, FADT_X_PM1B_CNT, out->pm1b);
    if (!acpi_gas_usable(out->pm1a))
        return "the FADT has no usable PM1a control block";
    out->smi_cmd = get32(fadt + FADT_SMI_CMD);
    out->acpi_enable = fadt[FADT_ACPI_ENABLE];
    return NULL;
}
