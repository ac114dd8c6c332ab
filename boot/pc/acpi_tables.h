/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading the ACPI tables that say how to enter S5 (soft off): RSDP ->
 * RSDT/XSDT -> FADT -> DSDT's \_S5_.  Pure parsing, no register access, so
 * that the host unit test can feed it tables (tests/unit/test_acpi.c). */
#ifndef BOOT_ACPI_TABLES_H
#define BOOT_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_GAS_LEN 12
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1
#define ACPI_RSDP_V1_LEN 20

/* Generic Address Structures as the FADT has them: byte 0 the address space,
 * 1 the width in bits, 4-11 the address.  All zero when absent. */
struct acpi_sleep {
    bool hw_reduced;
    uint8_t slp_typ[2];               /* \_S5_'s SLP_TYPa, SLP_TYPb (3 bits each) */
    uint8_t pm1a[ACPI_GAS_LEN];       /* PM1 control blocks (legacy ACPI) */
    uint8_t pm1b[ACPI_GAS_LEN];
    uint8_t sleep_ctl[ACPI_GAS_LEN];  /* SLEEP_CONTROL_REG (hardware-reduced) */
    uint32_t smi_cmd;                 /* where to ask the firmware for ACPI mode, 0 if none */
    uint8_t acpi_enable;
};

/* Supplied by the caller: the bytes at physical [phys, phys + len), NULL if
 * that range cannot be read. */
const uint8_t *acpi_map(uint64_t phys, uint64_t len);

/* Whether the 20 bytes (36 for revision 2) at p are a valid RSDP: signature,
 * checksum, and for revision 2 its length and extended checksum. */
bool acpi_rsdp_ok(const uint8_t *p);

/* Fills *out from the RSDP at rsdp_phys, checking every table on the way
 * (signature, length, checksum, bounds).  NULL on success, else why not. */
const char *acpi_sleep_info(uint64_t rsdp_phys, struct acpi_sleep *out);

/* The GAS's address, and whether it is a register this code can access:
 * system I/O or memory, 8, 16 or 32 bits wide, at a non-zero address. */
uint64_t acpi_gas_addr(const uint8_t *gas);
bool acpi_gas_usable(const uint8_t *gas);

#endif
