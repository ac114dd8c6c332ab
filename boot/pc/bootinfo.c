/* SPDX-License-Identifier: BSD-2-Clause */
/* What the boot protocol tells us: Multiboot v1 information or the PVH
 * struct hvm_start_info.  The memory map is copied into a static table
 * before anything can allocate over it; the command line is used in place
 * and kept out of the page allocator. */
#include "libc.h"
#include "runtime.h"

#define MB_BOOT_MAGIC 0x2BADB002
#define MB_INFO_MEM (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MMAP (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)

#define PVH_MAGIC 0x336ec578

#define MAX_REGIONS 128
#define E820_USABLE 1

struct mb_info {
    uint32_t flags;
    uint32_t mem_lower; /* KiB below 1 MiB */
    uint32_t mem_upper; /* KiB above 1 MiB */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t unused[6];
    uint32_t mmap_length;
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
};

/* Each entry is preceded by its size, which does not count itself. */
struct __attribute__((packed)) mb_mmap_entry {
    uint32_t size;
    uint64_t base;
    uint64_t len;
    uint32_t type;
};

struct pvh_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    /* version >= 1 */
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct pvh_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

static struct mem_region regions[MAX_REGIONS];
static size_t nregions;
static const char *cmdline = "";
static const char *protocol;
static uint64_t rsdp;

/* Entries beyond MAX_REGIONS are dropped: the RAM they describe is unused. */
static void add_region(uint64_t base, uint64_t len, uint32_t type)
{
    if (nregions < MAX_REGIONS && len)
        regions[nregions++] = (struct mem_region){base, len, type};
}

static void multiboot_init(const struct mb_info *mb)
{
    protocol = "multiboot";
    if (mb->flags & MB_INFO_MMAP) {
        uintptr_t p = mb->mmap_addr, end = p + mb->mmap_length;
        while (p + sizeof(struct mb_mmap_entry) <= end) {
            const struct mb_mmap_entry *e = (const void *)p;
            add_region(e->base, e->len, e->type);
            p += e->size + sizeof(e->size);
        }
    } else if (mb->flags & MB_INFO_MEM) {
        add_region(0, (uint64_t)mb->mem_lower << 10, E820_USABLE);
        add_region(1u << 20, (uint64_t)mb->mem_upper << 10, E820_USABLE);
    }
    /* QEMU (and most loaders) pass "KERNEL_PATH ARGS", GRUB 2 only ARGS. */
    if (mb->flags & MB_INFO_CMDLINE) {
        const char *line = (const char *)(uintptr_t)mb->cmdline;
        const char *loader = mb->flags & MB_INFO_LOADER_NAME ? (const char *)(uintptr_t)mb->boot_loader_name : "";
        const char *space = strchr(line, ' ');
        if (!strncmp(loader, "GRUB 2", 6))
            cmdline = line;
        else if (space)
            cmdline = space + 1;
    }
}

static void pvh_init(const struct pvh_start_info *si)
{
    if (si->magic != PVH_MAGIC)
        panic("boot: bad hvm_start_info magic");
    protocol = "pvh";
    if (si->version >= 1) {
        const struct pvh_memmap_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
        for (uint32_t i = 0; i < si->memmap_entries; i++)
            add_region(e[i].addr, e[i].size, e[i].type);
    }
    if (si->cmdline_paddr)
        cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
    rsdp = si->rsdp_paddr;
}

void bootinfo_init(uint32_t magic, uint32_t info)
{
    if (magic == MB_BOOT_MAGIC)
        multiboot_init((const struct mb_info *)(uintptr_t)info);
    else if (magic == PVH_MAGIC)
        pvh_init((const struct pvh_start_info *)(uintptr_t)info);
    else
        panic("boot: unknown boot protocol");
    if (!nregions)
        panic("boot: no memory map");
}

void bootinfo_cmdline_range(uint64_t *base, uint64_t *len)
{
    *base = (uintptr_t)cmdline;
    *len = strlen(cmdline) + 1;
}

const char *platform_cmdline(void)
{
    return cmdline;
}

const char *platform_boot_protocol(void)
{
    return protocol;
}

uint64_t platform_acpi_rsdp(void)
{
    return rsdp;
}

size_t platform_memmap(const struct mem_region **out)
{
    *out = regions;
    return nregions;
}

bool platform_usable_ram(size_t *i, uint64_t limit, uint64_t *base, uint64_t *end)
{
    for (; *i < nregions; (*i)++) {
        const struct mem_region *r = &regions[*i];
        if (r->type != E820_USABLE)
            continue;
        (*i)++;
        *base = r->base;
        *end = r->base + r->len < limit ? r->base + r->len : limit;
        return true;
    }
    return false;
}
