/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtio 1.x over PCI (virtio 1.x 4.1). */
#include "vpci.h"
#include "vconfig.h"
#include "vs_errno.h"
#include "vs_mmio.h"
#include "vq.h"

#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CMD_MEMORY 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX 0x11

/* MSI-X capability (PCI 3.0 6.8.2): message control, table BIR/offset. */
#define MSIX_CTRL 2
#define MSIX_TABLE 4
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_CTRL_SIZE 0x07ff
#define MSIX_ENTRY 16
#define MSIX_VECTOR 0 /* the one table entry used */

/* The capability list lives in [0x40, 0x100): pointers below are in the
 * header, and the extended (PCIe) space has a list of its own. */
#define PCI_CAP_FIRST 0x40
#define PCI_CAP_END 0x100
#define MSIX_CAP_SIZE 12

/* struct virtio_pci_cap (4.1.4) and the notify capability's extra field. */
#define VCAP_LEN 2
#define VCAP_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_LENGTH 12
#define VCAP_SIZE 16
#define VCAP_NOTIFY_MULT 16
#define VCAP_NOTIFY_SIZE 20
#define VCAP_BAR_MAX 5 /* larger values are reserved: such a capability is ignored */

#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4

/* Common configuration layout (4.1.4.3). */
#define CC_DFSELECT 0
#define CC_DF 4
#define CC_GFSELECT 8
#define CC_GF 12
#define CC_MSIX 16
#define CC_NUMQ 18
#define CC_STATUS 20
#define CC_CFGGEN 21
#define CC_Q_SELECT 22
#define CC_Q_SIZE 24
#define CC_Q_MSIX 26
#define CC_Q_ENABLE 28
#define CC_Q_NOFF 30
#define CC_Q_DESC 32
#define CC_Q_DRIVER 40
#define CC_Q_DEVICE 48
#define CC_SIZE 56
#define NO_VECTOR 0xffff

static uint8_t rd8(volatile uint8_t *b, uint32_t off) { return vs_mmio_read8(b + off); }
static uint16_t rd16(volatile uint8_t *b, uint32_t off) { return vs_mmio_read16(b + off); }
static uint32_t rd32(volatile uint8_t *b, uint32_t off) { return vs_mmio_read32(b + off); }
static void wr8(volatile uint8_t *b, uint32_t off, uint8_t v) { vs_mmio_write8(b + off, v); }
static void wr16(volatile uint8_t *b, uint32_t off, uint16_t v) { vs_mmio_write16(b + off, v); }
static void wr32(volatile uint8_t *b, uint32_t off, uint32_t v) { vs_mmio_write32(b + off, v); }
static void wr64(volatile uint8_t *b, uint32_t off, uint64_t v)
{
    wr32(b, off, (uint32_t)v);
    wr32(b, off + 4, (uint32_t)(v >> 32));
}

static uint32_t cfg(const struct vs_port *p, vs_bdf_t bdf, uint16_t off, int w)
{
    return p->pci_read(p->ctx, bdf, off, w);
}

int vpci_find(const struct vs_port *port, uint16_t device_id, vs_bdf_t *found, int max)
{
    int n = 0;
    for (int bus = 0; bus <= port->pci_max_bus && bus < 256; bus++) {
        for (int dev = 0; dev < 32; dev++) {
            int nfn = 1;
            for (int fn = 0; fn < nfn; fn++) {
                vs_bdf_t bdf = VS_BDF(bus, dev, fn);
                uint32_t id = cfg(port, bdf, 0, 4);
                if ((id & 0xffff) == 0xffff)
                    continue;
                if (fn == 0 && (cfg(port, bdf, PCI_HEADER_TYPE, 1) & 0x80))
                    nfn = 8;
                if ((id & 0xffff) == VPCI_VENDOR && (id >> 16) == device_id) {
                    if (n < max)
                        found[n] = bdf;
                    n++;
                }
            }
        }
    }
    return n;
}

/* The physical address BAR `bar` decodes, 0 when unassigned or not memory. */
static uint64_t bar_address(const struct vs_port *port, vs_bdf_t bdf, uint8_t bar)
{
    uint32_t lo = cfg(port, bdf, (uint16_t)(PCI_BAR0 + 4 * bar), 4);
    if (lo & 1)
        return 0; /* an I/O BAR: modern virtio regions are memory */
    uint64_t addr = lo & ~0xfull;
    if (((lo >> 1) & 3) == 2) {
        if (bar >= 5)
            return 0;
        addr |= (uint64_t)cfg(port, bdf, (uint16_t)(PCI_BAR0 + 4 * (bar + 1)), 4) << 32;
    }
    return addr;
}

static void log_msg(const struct vs_port *port, const char *msg)
{
    if (port->log)
        port->log(port->ctx, msg);
}

/* Maps what the virtio capability at cap points at: its BAR (checked not
 * reserved by the caller), offset and length.  `align` is what the
 * region's accesses need of its start (4.1.4.3 to 4.1.4.6). */
static int map_region(struct vpci_dev *d, uint16_t cap, uint8_t bar, uint32_t align, struct vpci_region *r)
{
    const struct vs_port *port = d->port;
    uint32_t off = cfg(port, d->bdf, (uint16_t)(cap + VCAP_OFFSET), 4);
    uint32_t len = cfg(port, d->bdf, (uint16_t)(cap + VCAP_LENGTH), 4);
    uint64_t base = bar_address(port, d->bdf, bar);
    if (base == 0)
        return -VS_ENODEV;
    if (len == 0 || len > (1u << 28) || off > UINT32_MAX - len || off % align || base > UINT64_MAX - off - len) {
        log_msg(port, "virtio-pci: a capability's region is empty, too large, misaligned or wraps around");
        return -VS_EPROTO;
    }
    volatile void *p = port->map_mmio(port->ctx, base + off, len);
    if (!p)
        return -VS_ENOMEM;
    r->p = (volatile uint8_t *)p;
    r->len = len;
    return 0;
}

static uint64_t op_get_features(void *t)
{
    struct vpci_dev *d = t;
    wr32(d->common.p, CC_DFSELECT, 0);
    uint64_t lo = rd32(d->common.p, CC_DF);
    wr32(d->common.p, CC_DFSELECT, 1);
    return lo | (uint64_t)rd32(d->common.p, CC_DF) << 32;
}

static void op_set_features(void *t, uint64_t f)
{
    struct vpci_dev *d = t;
    wr32(d->common.p, CC_GFSELECT, 0);
    wr32(d->common.p, CC_GF, (uint32_t)f);
    wr32(d->common.p, CC_GFSELECT, 1);
    wr32(d->common.p, CC_GF, (uint32_t)(f >> 32));
}

/* A reset also turns MSI-X off, so that every initialisation starts from
 * the same state and only irq_setup turns it on.  Left on into a polled
 * mount, it made QEMU 7.2 give the daemon the queues' interrupt eventfds
 * only after starting the queues, and the C virtiofsd (libvhost-user),
 * answering the first request before then, died ("Error writing eventfd:
 * Bad file descriptor").  After the reset, not before: turned off while
 * the device runs, MSI-X would have QEMU swap those eventfds under the
 * running queues. */
static void msix_off(struct vpci_dev *d)
{
    const struct vs_port *port = d->port;
    uint16_t at = (uint16_t)(d->msix_cap + MSIX_CTRL);
    uint16_t ctrl = (uint16_t)cfg(port, d->bdf, at, 2);
    if (ctrl & MSIX_CTRL_ENABLE)
        port->pci_write(port->ctx, d->bdf, at, 2, ctrl & ~MSIX_CTRL_ENABLE);
}

static uint8_t op_get_status(void *t)
{
    struct vpci_dev *d = t;
    return rd8(d->common.p, CC_STATUS);
}

static void op_set_status(void *t, uint8_t s)
{
    struct vpci_dev *d = t;
    wr8(d->common.p, CC_STATUS, s);
    if (s == 0 && d->msix_cap)
        msix_off(d);
}

static int op_config_read(void *t, uint32_t off, unsigned width, uint32_t *val)
{
    struct vpci_dev *d = t;
    int err = vs_config_check(off, width, d->device.len);
    if (err)
        return err;
    *val = vs_mmio_read(d->device.p + off, width);
    return 0;
}

static uint32_t op_config_generation(void *t)
{
    struct vpci_dev *d = t;
    return rd8(d->common.p, CC_CFGGEN);
}

static uint16_t op_queue_max(void *t, uint16_t idx)
{
    struct vpci_dev *d = t;
    if (idx >= d->num_queues)
        return 0;
    wr16(d->common.p, CC_Q_SELECT, idx);
    return rd16(d->common.p, CC_Q_SIZE);
}

static void notify_queue(void *ctx, uint16_t index)
{
    vs_io_wmb(); /* the rings before the doorbell, for a device that reads it directly */
    vs_mmio_write16(ctx, index);
}

static int op_queue_enable(void *t, struct vq *vq)
{
    struct vpci_dev *d = t;
    volatile uint8_t *c = d->common.p;
    if (vq->index >= d->num_queues)
        return -VS_ENODEV;
    wr16(c, CC_Q_SELECT, vq->index);
    wr16(c, CC_Q_SIZE, vq->size);
    if (vq->irq && !d->msix_table)
        return -VS_ENOTSUP; /* irq_setup has not succeeded */
    uint16_t vector = vq->irq ? MSIX_VECTOR : NO_VECTOR;
    wr16(c, CC_Q_MSIX, vector);
    /* A device out of vector resources answers NO_VECTOR (4.1.5.1.2). */
    if (vq->irq && rd16(c, CC_Q_MSIX) != vector)
        return -VS_ENOTSUP;
    wr64(c, CC_Q_DESC, vq->desc_addr);
    wr64(c, CC_Q_DRIVER, vq->avail_addr);
    wr64(c, CC_Q_DEVICE, vq->used_addr);
    uint64_t noff = (uint64_t)rd16(c, CC_Q_NOFF) * d->notify_mult;
    if (noff + 2 > d->notify.len)
        return -VS_EPROTO;
    vq->notify = notify_queue;
    vq->notify_ctx = (void *)(uintptr_t)(d->notify.p + noff);
    wr16(c, CC_Q_ENABLE, 1);
    return 0;
}

static int op_irq_setup(void *t, uint64_t msg_addr, uint32_t msg_data)
{
    struct vpci_dev *d = t;
    const struct vs_port *port = d->port;
    if (!d->msix_cap)
        return -VS_ENOTSUP;
    uint16_t ctrl = (uint16_t)cfg(port, d->bdf, (uint16_t)(d->msix_cap + MSIX_CTRL), 2);
    uint32_t table = cfg(port, d->bdf, (uint16_t)(d->msix_cap + MSIX_TABLE), 4);
    uint32_t entries = (ctrl & MSIX_CTRL_SIZE) + 1u;
    uint8_t bir = table & 7;
    if (bir > 5)
        return -VS_ENOTSUP;
    uint64_t base = bar_address(port, d->bdf, bir);
    if (base == 0 || base > UINT64_MAX - table - entries * MSIX_ENTRY)
        return -VS_ENOTSUP;
    if (!d->msix_table) {
        volatile void *p = port->map_mmio(port->ctx, base + (table & ~7u), entries * MSIX_ENTRY);
        if (!p)
            return -VS_ENOTSUP;
        d->msix_table = (volatile uint8_t *)p;
    }
    /* Mask the function while the entry changes, then enable MSI-X with
     * only entry 0 unmasked: every other entry keeps its reset mask. */
    port->pci_write(port->ctx, d->bdf, (uint16_t)(d->msix_cap + MSIX_CTRL), 2,
                    ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
    volatile uint8_t *e = d->msix_table + MSIX_VECTOR * MSIX_ENTRY;
    wr32(e, 0, (uint32_t)msg_addr);
    wr32(e, 4, (uint32_t)(msg_addr >> 32));
    wr32(e, 8, msg_data);
    wr32(e, 12, 0); /* vector control: unmasked */
    port->pci_write(port->ctx, d->bdf, (uint16_t)(d->msix_cap + MSIX_CTRL), 2,
                    (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
    /* Configuration changes are not waited for: no vector for them. */
    wr16(d->common.p, CC_MSIX, NO_VECTOR);
    return 0;
}

/* Takes what the virtio vendor capability at cap describes, if it is the
 * first usable one of its type (the device lists them in order of
 * preference); ignores other types and reserved BARs (4.1.4). */
static int take_vendor_cap(struct vpci_dev *d, uint16_t cap, unsigned *have)
{
    const struct vs_port *port = d->port;
    uint8_t type = (uint8_t)cfg(port, d->bdf, (uint16_t)(cap + VCAP_TYPE), 1);
    struct vpci_region *r;
    uint32_t align = 1;
    if (type == CAP_COMMON) { r = &d->common; align = 4; }
    else if (type == CAP_NOTIFY) { r = &d->notify; align = 2; }
    else if (type == CAP_ISR) r = &d->isr;
    else if (type == CAP_DEVICE) { r = &d->device; align = 4; }
    else return 0;
    if (*have & (1u << type))
        return 0;
    uint32_t need = type == CAP_NOTIFY ? VCAP_NOTIFY_SIZE : VCAP_SIZE;
    uint8_t len = (uint8_t)cfg(port, d->bdf, (uint16_t)(cap + VCAP_LEN), 1);
    if (len < need || cap + len > PCI_CAP_END) {
        log_msg(port, "virtio-pci: a virtio capability is shorter than its fields or runs past 0xff");
        return -VS_EPROTO;
    }
    uint8_t bar = (uint8_t)cfg(port, d->bdf, (uint16_t)(cap + VCAP_BAR), 1);
    if (bar > VCAP_BAR_MAX)
        return 0;
    int err = map_region(d, cap, bar, align, r);
    if (err)
        return err;
    if (type == CAP_NOTIFY) {
        /* An odd multiplier would misalign the 16-bit doorbell stores. */
        d->notify_mult = cfg(port, d->bdf, (uint16_t)(cap + VCAP_NOTIFY_MULT), 4);
        if ((d->notify_mult & 1) || r->len < 2) {
            log_msg(port, "virtio-pci: notify capability with an odd multiplier or no room for a doorbell");
            return -VS_EPROTO;
        }
    }
    *have |= 1u << type;
    return 0;
}

/* Walks the capability list: at most one visit per dword slot of
 * [0x40, 0x100), so a list that loops or leaves that range is an error, not
 * a hang or a read outside configuration space. */
static int walk_caps(struct vpci_dev *d, unsigned *have)
{
    const struct vs_port *port = d->port;
    uint64_t seen = 0;
    /* The low two bits of a pointer are reserved: software masks them (PCI
     * 3.0, 6.7). */
    uint16_t cap = cfg(port, d->bdf, PCI_CAP_PTR, 1) & 0xfc;
    while (cap != 0) {
        if (cap < PCI_CAP_FIRST) {
            log_msg(port, "virtio-pci: capability pointer below 0x40");
            return -VS_EPROTO;
        }
        uint64_t bit = 1ull << ((cap - PCI_CAP_FIRST) / 4);
        if (seen & bit) {
            log_msg(port, "virtio-pci: capability list loops");
            return -VS_EPROTO;
        }
        seen |= bit;
        uint8_t id = (uint8_t)cfg(port, d->bdf, cap, 1);
        if (id == PCI_CAP_MSIX && !d->msix_cap) {
            if (cap + MSIX_CAP_SIZE > PCI_CAP_END) {
                log_msg(port, "virtio-pci: MSI-X capability runs past 0xff");
                return -VS_EPROTO;
            }
            d->msix_cap = cap;
        }
        if (id == PCI_CAP_VENDOR) {
            int err = take_vendor_cap(d, cap, have);
            if (err)
                return err;
        }
        cap = cfg(port, d->bdf, (uint16_t)(cap + 1), 1) & 0xfc;
    }
    return 0;
}

int vpci_open(struct vpci_dev *d, const struct vs_port *port, vs_bdf_t bdf, struct vs_transport *tr)
{
    vs_memset(d, 0, sizeof(*d));
    d->port = port;
    d->bdf = bdf;
    if (!(cfg(port, bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
        return -VS_ENODEV;

    unsigned have = 0;
    int err = walk_caps(d, &have);
    if (err)
        return err;
    unsigned all = 1u << CAP_COMMON | 1u << CAP_NOTIFY | 1u << CAP_ISR | 1u << CAP_DEVICE;
    if (have != all)
        return -VS_ENODEV;
    if (d->common.len < CC_SIZE)
        return -VS_EPROTO;

    uint32_t cmd = cfg(port, bdf, PCI_COMMAND, 2);
    port->pci_write(port->ctx, bdf, PCI_COMMAND, 2, cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER);
    d->num_queues = rd16(d->common.p, CC_NUMQ);
    wr16(d->common.p, CC_MSIX, NO_VECTOR);

    tr->t = d;
    tr->get_features = op_get_features;
    tr->set_features = op_set_features;
    tr->get_status = op_get_status;
    tr->set_status = op_set_status;
    tr->config_read = op_config_read;
    tr->config_generation = op_config_generation;
    tr->queue_max = op_queue_max;
    tr->queue_enable = op_queue_enable;
    tr->irq_setup = op_irq_setup;
    return 0;
}
