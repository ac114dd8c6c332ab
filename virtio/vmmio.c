/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtio 1.x over MMIO (virtio 1.x 4.2.2, register layout version 2).
 * Every register is 32 bits wide and accessed with aligned 32-bit loads and
 * stores; the device configuration (from 0x100) with accesses of each
 * field's own width (4.2.2.2). */
#include "vconfig.h"
#include "vmmio.h"
#include "vs_errno.h"
#include "vs_mmio.h"
#include "vq.h"

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_VENDOR_ID 0x00c
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_IRQ_STATUS 0x060
#define R_IRQ_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LO 0x080
#define R_QUEUE_DESC_HI 0x084
#define R_QUEUE_DRIVER_LO 0x090
#define R_QUEUE_DRIVER_HI 0x094
#define R_QUEUE_DEVICE_LO 0x0a0
#define R_QUEUE_DEVICE_HI 0x0a4
#define R_CONFIG_GEN 0x0fc

#define LEGACY_VERSION 1u
/* A window larger than this is not a virtio-mmio device. */
#define MAX_WINDOW (1u << 20)

static uint32_t rd32(volatile uint8_t *b, uint32_t off)
{
    return vs_mmio_read32(b + off);
}

static void wr32(volatile uint8_t *b, uint32_t off, uint32_t v)
{
    vs_mmio_write32(b + off, v);
}

static void wr64(volatile uint8_t *b, uint32_t lo, uint32_t hi, uint64_t v)
{
    wr32(b, lo, (uint32_t)v);
    wr32(b, hi, (uint32_t)(v >> 32));
}

static void log_msg(const struct vs_port *port, const char *msg)
{
    if (port->log)
        port->log(port->ctx, msg);
}

/* Maps and identifies the window: the device type, 0 for an empty slot,
 * or a negative errno. */
static int identify(const struct vs_port *port, uint64_t phys, uint64_t size, volatile uint8_t **base)
{
    if (size < VMMIO_CONFIG || size > MAX_WINDOW || phys % 4 || phys > UINT64_MAX - size)
        return -VS_ENODEV;
    volatile void *p = port->map_mmio(port->ctx, phys, size);
    if (!p)
        return -VS_ENOMEM;
    volatile uint8_t *b = (volatile uint8_t *)p;
    if (rd32(b, R_MAGIC) != VMMIO_MAGIC)
        return -VS_ENODEV;
    /* Device ID 0: a transport with no device behind it, whatever its
     * version (4.2.2.2). */
    uint32_t id = rd32(b, R_DEVICE_ID);
    if (id == 0)
        return 0;
    uint32_t version = rd32(b, R_VERSION);
    if (version == LEGACY_VERSION) {
        log_msg(port, "virtio-mmio: legacy device (version 1) not supported; "
                      "QEMU: -global virtio-mmio.force-legacy=false");
        return -VS_ENOTSUP;
    }
    if (version != VMMIO_VERSION)
        return -VS_EPROTO;
    *base = b;
    return id > 0xffff ? -VS_EPROTO : (int)id;
}

int vmmio_probe(const struct vs_port *port, uint64_t phys, uint64_t size)
{
    volatile uint8_t *b;
    return identify(port, phys, size, &b);
}

static uint64_t op_get_features(void *t)
{
    struct vmmio_dev *d = t;
    wr32(d->base, R_DEV_FEATURES_SEL, 0);
    uint64_t lo = rd32(d->base, R_DEV_FEATURES);
    wr32(d->base, R_DEV_FEATURES_SEL, 1);
    return lo | (uint64_t)rd32(d->base, R_DEV_FEATURES) << 32;
}

static void op_set_features(void *t, uint64_t f)
{
    struct vmmio_dev *d = t;
    wr32(d->base, R_DRV_FEATURES_SEL, 0);
    wr32(d->base, R_DRV_FEATURES, (uint32_t)f);
    wr32(d->base, R_DRV_FEATURES_SEL, 1);
    wr32(d->base, R_DRV_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t op_get_status(void *t)
{
    struct vmmio_dev *d = t;
    return (uint8_t)rd32(d->base, R_STATUS);
}

static void op_set_status(void *t, uint8_t s)
{
    struct vmmio_dev *d = t;
    wr32(d->base, R_STATUS, s);
}

static int op_config_read(void *t, uint32_t off, unsigned width, uint32_t *val)
{
    struct vmmio_dev *d = t;
    int err = vs_config_check(off, width, d->size - VMMIO_CONFIG);
    if (err)
        return err;
    *val = vs_mmio_read(d->base + VMMIO_CONFIG + off, width);
    return 0;
}

static uint32_t op_config_generation(void *t)
{
    struct vmmio_dev *d = t;
    return rd32(d->base, R_CONFIG_GEN);
}

static uint16_t op_queue_max(void *t, uint16_t idx)
{
    struct vmmio_dev *d = t;
    wr32(d->base, R_QUEUE_SEL, idx);
    uint32_t max = rd32(d->base, R_QUEUE_NUM_MAX);
    /* The split ring's largest size is 32768 (2.6). */
    return max > 32768 ? 32768 : (uint16_t)max;
}

static void notify_queue(void *ctx, uint16_t index)
{
    volatile uint8_t *base = ctx;
    vs_io_wmb(); /* the rings before the doorbell, for a device that reads it directly */
    wr32(base, R_QUEUE_NOTIFY, index);
}

static int op_queue_enable(void *t, struct vq *vq)
{
    struct vmmio_dev *d = t;
    volatile uint8_t *b = d->base;
    wr32(b, R_QUEUE_SEL, vq->index);
    uint32_t max = rd32(b, R_QUEUE_NUM_MAX);
    if (max == 0)
        return -VS_ENODEV;
    if (vq->size > max)
        return -VS_EINVAL;
    if (rd32(b, R_QUEUE_READY) != 0)
        return -VS_EBUSY; /* the device was not reset */
    wr32(b, R_QUEUE_NUM, vq->size);
    wr64(b, R_QUEUE_DESC_LO, R_QUEUE_DESC_HI, vq->desc_addr);
    wr64(b, R_QUEUE_DRIVER_LO, R_QUEUE_DRIVER_HI, vq->avail_addr);
    wr64(b, R_QUEUE_DEVICE_LO, R_QUEUE_DEVICE_HI, vq->used_addr);
    vq->notify = notify_queue;
    vq->notify_ctx = (void *)(uintptr_t)b;
    wr32(b, R_QUEUE_READY, 1);
    return 0;
}

uint32_t vmmio_irq_ack(struct vmmio_dev *d)
{
    uint32_t pending = rd32(d->base, R_IRQ_STATUS) & 3;
    if (pending)
        wr32(d->base, R_IRQ_ACK, pending);
    return pending;
}

int vmmio_open(struct vmmio_dev *d, const struct vs_port *port, uint64_t phys, uint64_t size,
               struct vs_transport *tr)
{
    vs_memset(d, 0, sizeof(*d));
    volatile uint8_t *b = 0;
    int id = identify(port, phys, size, &b);
    if (id < 0)
        return id;
    if (id == 0)
        return -VS_ENODEV;
    d->port = port;
    d->base = b;
    d->phys = phys;
    d->size = (uint32_t)size;
    d->device_id = (uint32_t)id;
    d->vendor_id = rd32(b, R_VENDOR_ID);

    tr->t = d;
    tr->get_features = op_get_features;
    tr->set_features = op_set_features;
    tr->get_status = op_get_status;
    tr->set_status = op_set_status;
    tr->config_read = op_config_read;
    tr->config_generation = op_config_generation;
    tr->queue_max = op_queue_max;
    tr->queue_enable = op_queue_enable;
    tr->irq_setup = 0; /* polled only */
    return 0;
}

/* ---- virtio_mmio.device= words ---- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses a number at *p (decimal, or hex after 0x); false on no digits or
 * overflow. */
static bool parse_num(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    unsigned base = 10;
    if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    const char *start = s;
    for (; s < end; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    if (s == start)
        return false;
    *p = s;
    *out = v;
    return true;
}

static bool parse_device_word(const char *w, const char *end, struct vmmio_window *win)
{
    static const char key[] = "virtio_mmio.device=";
    size_t klen = sizeof(key) - 1;
    if ((size_t)(end - w) <= klen || vs_memcmp(w, key, klen) != 0)
        return false;
    const char *p = w + klen;
    uint64_t size, base, irq, id;
    if (!parse_num(&p, end, &size))
        return false;
    if (p < end && (*p == 'K' || *p == 'k' || *p == 'M' || *p == 'm' || *p == 'G' || *p == 'g')) {
        unsigned shift = (*p == 'K' || *p == 'k') ? 10 : (*p == 'M' || *p == 'm') ? 20 : 30;
        if (size > (UINT64_MAX >> shift))
            return false;
        size <<= shift;
        p++;
    }
    if (p >= end || *p++ != '@' || !parse_num(&p, end, &base))
        return false;
    if (p >= end || *p++ != ':' || !parse_num(&p, end, &irq) || irq > UINT32_MAX)
        return false;
    if (p < end && (*p++ != ':' || !parse_num(&p, end, &id)))
        return false;
    if (p != end || size == 0 || base > UINT64_MAX - size)
        return false;
    win->base = base;
    win->size = size;
    win->irq = (uint32_t)irq;
    return true;
}

int vmmio_take_cmdline(char *line, struct vmmio_window *out, int max)
{
    /* From the end: how many device words there are, and where they start. */
    size_t len = vs_strlen(line), cut = len;
    int n = 0;
    for (;;) {
        while (len > 0 && is_blank(line[len - 1]))
            len--;
        size_t start = len;
        while (start > 0 && !is_blank(line[start - 1]))
            start--;
        struct vmmio_window w;
        if (start == len || !parse_device_word(line + start, line + len, &w))
            break;
        n++;
        cut = len = start;
    }
    if (n == 0)
        return 0;
    /* Then forwards, in line order, into out. */
    size_t i = cut, end = vs_strlen(line);
    for (int k = 0; k < n && k < max; k++) {
        while (i < end && is_blank(line[i]))
            i++;
        size_t j = i;
        while (j < end && !is_blank(line[j]))
            j++;
        parse_device_word(line + i, line + j, &out[k]);
        i = j;
    }
    /* Cut the line after its last ordinary word. */
    while (cut > 0 && is_blank(line[cut - 1]))
        cut--;
    line[cut] = 0;
    return n;
}
