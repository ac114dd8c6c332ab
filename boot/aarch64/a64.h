/* SPDX-License-Identifier: BSD-2-Clause */
/* The AArch64 boot runtime for QEMU's `virt` board (and any board whose
 * device tree describes the same kinds of devices): what its parts offer
 * each other and the program (main.c).
 *
 * Memory is identity-mapped: a pointer is its physical address, and it is
 * also the device's (DMA) address: QEMU's virt has no IOMMU by default. */
#ifndef A64_H
#define A64_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define PAGE_SIZE 4096u
#define A64_MAX_MEM 8
#define A64_MAX_MMIO 32
#define A64_MAX_WINDOWS 4

struct a64_range {
    uint64_t base, size;
};

/* A PCI memory window of the host bridge's `ranges`: PCI addresses
 * [pci, pci + size) appear at CPU addresses [cpu, cpu + size). */
struct a64_pci_window {
    uint64_t pci, cpu, size;
    bool mem64;        /* a 64-bit memory window (else 32-bit) */
    bool prefetch;
};

/* What the device tree says (fdt.c). */
struct a64_board {
    struct a64_range mem[A64_MAX_MEM];       /* RAM */
    int nmem;
    struct a64_range rsv[A64_MAX_MEM];       /* the memory reservation block */
    int nrsv;
    uint64_t uart;                           /* PL011 registers, 0 when none */
    const char *bootargs;                    /* /chosen/bootargs, "" when none */
    uint64_t bootargs_len;
    struct a64_range mmio[A64_MAX_MMIO];     /* virtio,mmio nodes */
    int nmmio;
    uint64_t ecam, ecam_size;                /* pci-host-ecam-generic, 0 when none */
    int bus_start, bus_end;
    struct a64_pci_window win[A64_MAX_WINDOWS];
    int nwin;
    bool psci_hvc;                           /* PSCI conduit: hvc (else smc) */
    bool have_psci;
    uint64_t dtb;                            /* where the parsed DTB is (boot.c) */
};

extern struct a64_board a64_board;

/* Parses the flattened device tree at fdt into a64_board.  Returns false
 * when it is not a valid FDT (bad magic, version, or sizes). */
bool fdt_parse(const void *fdt);
/* The total size the FDT header announces (0 if not a valid FDT). */
uint32_t fdt_size(const void *fdt);

/* A property of /chosen for fdt_with_chosen: set to val[0..len), or
 * removed when val is NULL. */
struct fdt_prop {
    const char *name;
    const void *val;
    uint32_t len;
};
/* Bytes enough for fdt_with_chosen's copy of fdt with these properties. */
size_t fdt_chosen_size(const void *fdt, const struct fdt_prop *set, int n);
/* Writes into buf (cap bytes) a copy of the FDT at fdt whose /chosen
 * (added if missing) has the properties of set[0..n) set or removed.
 * False when fdt is not a valid FDT or buf is too small. */
bool fdt_with_chosen(const void *fdt, const struct fdt_prop *set, int n, void *buf, size_t cap);

/* gzip (gunzip.c): whether in[0..n) starts like gzip; the unpacked size
 * its trailer announces; gunzip unpacks into out[0..cap), cap being that
 * size, and returns NULL or why it could not (CRC-32 and size checked). */
bool gzip_is(const uint8_t *in, size_t n);
size_t gzip_size(const uint8_t *in, size_t n);
const char *gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* PL011 console: "\n" goes out as "\r\n".  console_getc: the next byte or -1. */
void console_init(uint64_t base);
void console_write(const char *s, size_t n);
void console_puts(const char *s);
int console_getc(void);

/* Identity map with the MMU on: RAM Normal write-back, everything else
 * Device-nGnRE, in 1 GiB blocks.  mmu_init maps the image's and the DTB's
 * blocks as RAM; a64_map_ram adds the RAM the DTB describes. */
void mmu_init(uint64_t dtb);
void a64_map_ram(uint64_t base, uint64_t len);
/* Makes [phys, phys + len) accessible as Device memory; NULL if it cannot. */
volatile void *mmio_map(uint64_t phys, uint64_t len);

/* Pages of RAM not used by the image, the DTB or the heap: zeroed, 4 KiB
 * aligned, NULL when exhausted. */
void pages_init(uint64_t dtb, uint64_t dtb_size);
void *page_alloc(size_t npages);
/* The lowest npages free pages starting at a multiple of align (bytes, a
 * power of two, at least PAGE_SIZE); not zeroed.  NULL when none. */
void *page_alloc_aligned(size_t npages, uint64_t align);
void page_free(void *p, size_t npages);
uint64_t page_free_bytes(void);

/* The generic timer: nanoseconds since boot. */
void clock_init(void);
uint64_t clock_ns(void);

/* ECAM configuration access and BAR assignment (pci.c). */
uint32_t ecam_read(uint32_t bdf, uint16_t off, int width);
void ecam_write(uint32_t bdf, uint16_t off, int width, uint32_t val);
/* Assigns every unassigned memory BAR on the root bus from the bridge's
 * windows and enables memory decoding and bus mastering.  Returns how many
 * functions were set up. */
int pci_assign_bars(void);

/* Leaves with status (0..127): semihosting SYS_EXIT_EXTENDED with
 * status * 2 + 1 (what isa-debug-exit gives on x86), else PSCI SYSTEM_OFF. */
_Noreturn void platform_exit(int status);
_Noreturn void panic(const char *msg);
void exceptions_init(void);

/* The kernel command line (/chosen/bootargs), "" when none. */
const char *platform_cmdline(void);

struct vs_port;
const struct vs_port *platform_port(void);

/* The exception level start.S was entered at (1, 2 or 3). */
extern uint64_t a64_entry_el;

/* `boot` (linux.c): the arm64 Linux boot protocol; app->boot's contract. */
struct app;
struct app_boot;
int a64_linux_boot(struct app *a, struct app_boot *b, const char **why);
/* boot/linux/aarch64_jump.S: with interrupts masked, the MMU and data cache off and the
 * instruction cache invalidated, enters the kernel at entry with x0 = dtb
 * and x1-x3 = 0: at EL1, or at EL2 through start.S's EL2 stub when el2. */
_Noreturn void a64_linux_jump(uint64_t entry, uint64_t dtb, bool el2);
/* Cleans the data cache lines of [p, p + len) to the point of coherency. */
void a64_clean_to_poc(const void *p, size_t len);

/* Run by boot.c once everything is up; returns the exit status. */
int app_main(void);

static inline void cpu_relax(void)
{
    __asm__ volatile("yield");
}

#endif
