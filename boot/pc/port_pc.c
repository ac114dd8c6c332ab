/* SPDX-License-Identifier: BSD-2-Clause */
/* The core's porting layer on this machine: PCI configuration mechanism #1
 * (ports 0xCF8/0xCFC), and memory that is identity-mapped RAM, so every
 * address the CPU uses is also the device's address. */
#include "runtime.h"
#include "port_common.h"

#define PCI_ADDRESS 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE 0x80000000u
#define PCI_CONFIG_SIZE 256 /* what mechanism #1 reaches */

static uint32_t pci_address(vs_bdf_t bdf, uint16_t off)
{
    return PCI_ENABLE | (bdf & 0xffff) << 8 | (off & 0xfc);
}

static uint32_t pci_read(void *ctx, vs_bdf_t bdf, uint16_t off, int width)
{
    (void)ctx;
    if (off >= PCI_CONFIG_SIZE)
        return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
    outl(PCI_ADDRESS, pci_address(bdf, off));
    uint16_t port = PCI_DATA + (off & 3);
    switch (width) {
    case 1:
        return inb(port);
    case 2:
        return inw(port);
    default:
        return inl(port);
    }
}

static void pci_write(void *ctx, vs_bdf_t bdf, uint16_t off, int width, uint32_t val)
{
    (void)ctx;
    if (off >= PCI_CONFIG_SIZE)
        return;
    outl(PCI_ADDRESS, pci_address(bdf, off));
    uint16_t port = PCI_DATA + (off & 3);
    switch (width) {
    case 1:
        outb(port, (uint8_t)val);
        break;
    case 2:
        outw(port, (uint16_t)val);
        break;
    default:
        outl(port, val);
        break;
    }
}

static void *alloc(void *ctx, size_t size)
{
    (void)ctx;
    return kmalloc(size);
}

static void release(void *ctx, void *p)
{
    (void)ctx;
    kfree(p);
}

static void relax(void *ctx)
{
    (void)ctx;
    cpu_relax();
}

static int irq_alloc(void *ctx, uint64_t *msg_addr, uint32_t *msg_data)
{
    (void)ctx;
    return irq_msi_alloc(msg_addr, msg_data);
}

static void wait_irq(void *ctx, uint64_t deadline_ns)
{
    (void)ctx;
    irq_wait(deadline_ns);
}

static const struct vs_port port = {
    .pci_read = pci_read,
    .pci_write = pci_write,
    .pci_max_bus = 255,
    .alloc = alloc,
    .free = release,
    .relax = relax,
    .irq_alloc = irq_alloc,
    .wait_irq = wait_irq,
    BPORT_SHARED_HOOKS,
};

const struct vs_port *platform_port(void)
{
    return &port;
}
