/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio-mmio transport against a register window in ordinary memory:
 * identification (magic, version, device id, window size), the legacy
 * refusal, the register writes of queue set-up and feature negotiation,
 * the doorbell (a barrier, then one store), the device configuration (every
 * field at its own width, one snapshot between two equal ConfigGeneration
 * readings, within bounds); and the virtio_mmio.device= words.  Register
 * accesses are logged by tests/sim/simmmio.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "simcfg.h"
#include "simmmio.h"
#include "vconfig.h"
#include "virtiofs.h"
#include "vmmio.h"
#include "vs_errno.h"

static uint32_t regs[0x200 / 4];
static uint64_t clock;

static volatile void *map_mmio(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    return phys == 0x1000 && len <= sizeof(regs) ? (volatile void *)regs : NULL;
}

static uint64_t now_ns(void *ctx)
{
    (void)ctx;
    return clock += 1000000;
}

static const struct vs_port port = {.pci_max_bus = -1, .map_mmio = map_mmio, .now_ns = now_ns};

static void window(uint32_t magic, uint32_t version, uint32_t id)
{
    memset(regs, 0, sizeof(regs));
    regs[0] = magic;
    regs[1] = version;
    regs[2] = id;
}

#define R(off) regs[(off) / 4]

static void test_identify(void)
{
    window(VMMIO_MAGIC, 2, 26);
    check("probe: virtio-fs, version 2", vmmio_probe(&port, 0x1000, 0x200) == 26, "wrong id");
    window(VMMIO_MAGIC, 2, 0);
    check("probe: device id 0 is an empty slot", vmmio_probe(&port, 0x1000, 0x200) == 0, "not 0");
    window(VMMIO_MAGIC, 1, 0);
    check("probe: an empty legacy slot is an empty slot", vmmio_probe(&port, 0x1000, 0x200) == 0, "not 0");
    window(VMMIO_MAGIC, 1, 26);
    check("probe: legacy (version 1) refused with ENOTSUP", vmmio_probe(&port, 0x1000, 0x200) == -VS_ENOTSUP,
          "not ENOTSUP");
    window(VMMIO_MAGIC, 3, 26);
    check("probe: unknown version is EPROTO", vmmio_probe(&port, 0x1000, 0x200) == -VS_EPROTO, "not EPROTO");
    window(0x12345678, 2, 26);
    check("probe: bad magic is ENODEV", vmmio_probe(&port, 0x1000, 0x200) == -VS_ENODEV, "not ENODEV");
    window(VMMIO_MAGIC, 2, 26);
    check("probe: a window smaller than the registers is ENODEV",
          vmmio_probe(&port, 0x1000, 0xfc) == -VS_ENODEV, "not ENODEV");
    check("probe: an unmappable window is ENOMEM", vmmio_probe(&port, 0x2000, 0x200) == -VS_ENOMEM, "not ENOMEM");
    check("probe: a window wrapping around is ENODEV",
          vmmio_probe(&port, UINT64_MAX - 0xff, 0x200) == -VS_ENODEV, "not ENODEV");
    struct vmmio_dev d;
    struct vs_transport tr;
    window(VMMIO_MAGIC, 2, 0);
    check("open: an empty slot is ENODEV", vmmio_open(&d, &port, 0x1000, 0x200, &tr) == -VS_ENODEV, "not ENODEV");
}

/* The device configuration at 0x100, ConfigGeneration at 0xfc. */
static const struct simcfg where = {(volatile uint8_t *)regs + 0x100, &R(0xfc), 4};

static void test_config(const struct vs_transport *tr)
{
    char tag[VIOFS_TAG_MAX + 1], why[200];
    simcfg_set(&where, "myfs", 1);
    simmmio_clear();
    int err = viofs_read_tag(tr, tag);
    struct simcfg_reads n = simcfg_reads(&where);
    snprintf(why, sizeof(why), "err %d tag [%s]: %u tag bytes, %u 32-bit reads at 36, %u generation reads, %u other",
             err, tag, n.bytes, n.nrq32, n.gens, n.other);
    check("config: tag read a byte at a time, num_request_queues with one 32-bit load, between two "
          "ConfigGeneration reads",
          err == 0 && strcmp(tag, "myfs") == 0 && n.bytes == 36 && n.nrq32 == 1 && n.gens == 2 && n.other == 0,
          why);

    uintptr_t cfg = (uintptr_t)where.cfg;
    struct simcfg_change c = {where, cfg + 17, 1, "newtag", 3, 0};
    simmmio_hook(simcfg_on_access, &c);
    err = viofs_read_tag(tr, tag);
    simmmio_hook(NULL, NULL);
    snprintf(why, sizeof(why), "err %d tag [%s], %u generation reads", err, tag, c.gen_reads);
    check("config: ConfigGeneration changing in the middle of the tag: read again, the new tag whole",
          err == 0 && strcmp(tag, "newtag") == 0 && c.gen_reads == 4, why);

    uint32_t nrq = 0;
    struct vs_cfg_field f[] = {{0, VIOFS_TAG_MAX, true, tag}, {36, 4, false, &nrq}};
    c = (struct simcfg_change){where, cfg + 36, 1, "third", 5, 0};
    simmmio_hook(simcfg_on_access, &c);
    err = vs_config_read(tr, f, 2);
    simmmio_hook(NULL, NULL);
    tag[VIOFS_TAG_MAX] = 0;
    snprintf(why, sizeof(why), "err %d tag [%s] nrq %u, %u generation reads", err, tag, nrq, c.gen_reads);
    check("config: a configuration that changes once, between tag and num_request_queues: one snapshot",
          err == 0 && strcmp(tag, "third") == 0 && nrq == 5 && c.gen_reads == 4, why);

    c = (struct simcfg_change){where, 0, -1, NULL, 0, 0};
    simmmio_hook(simcfg_on_access, &c);
    memset(tag, 'x', sizeof(tag));
    err = viofs_read_tag(tr, tag);
    simmmio_hook(NULL, NULL);
    snprintf(why, sizeof(why), "err %d tag [%.36s], %u generation reads", err, tag, c.gen_reads);
    check("config: a ConfigGeneration that never holds still: EIO after bounded passes, no tag",
          err == -VS_EIO && tag[0] == 0 && c.gen_reads == 2 * VS_CONFIG_TRIES, why);

    uint32_t v = 0;
    check("config_read: a 32-bit field at the window's end", tr->config_read(tr->t, 0xfc, 4, &v) == 0, "refused");
    check("config_read: past the window is EPROTO", tr->config_read(tr->t, 0x100, 1, &v) == -VS_EPROTO &&
          tr->config_read(tr->t, UINT32_MAX - 3, 4, &v) == -VS_EPROTO, "accepted");
    check("config_read: misaligned is EINVAL", tr->config_read(tr->t, 2, 4, &v) == -VS_EINVAL, "accepted");
}

static void test_ops(void)
{
    struct vmmio_dev d;
    struct vs_transport tr;
    window(VMMIO_MAGIC, 2, 26);
    int err = vmmio_open(&d, &port, 0x1000, 0x200, &tr);
    check("open: version 2 virtio-fs", err == 0 && d.device_id == 26, "open failed");
    if (err)
        return;
    /* Features: the window echoes what was written last, so the select
     * register shows which half was read. */
    R(0x10) = 0xabcd;
    uint64_t f = tr.get_features(tr.t);
    check("get_features reads both halves", f == (0xabcdull | 0xabcdull << 32) && R(0x14) == 1, "wrong");
    tr.set_features(tr.t, 0x100000003ull);
    check("set_features writes the high half last", R(0x24) == 1 && R(0x20) == 1, "wrong");
    tr.set_status(tr.t, 0x0f);
    check("set_status / get_status", R(0x70) == 0x0f && tr.get_status(tr.t) == 0x0f, "wrong");
    tr.set_status(tr.t, 0);
    check("reset writes 0 and returns", R(0x70) == 0, "not reset");

    R(0x34) = 1024;
    check("queue_max reads QueueNumMax of the selected queue", tr.queue_max(tr.t, 1) == 1024 && R(0x30) == 1,
          "wrong");
    R(0x34) = 100000;
    check("queue_max caps at 32768", tr.queue_max(tr.t, 0) == 32768, "not capped");
    struct vq vq;
    memset(&vq, 0, sizeof(vq));
    vq.index = 1;
    vq.size = 256;
    vq.desc_addr = 0x1122334455667788ull;
    vq.avail_addr = 0x2000;
    vq.used_addr = 0x3000;
    R(0x34) = 128;
    check("queue_enable refuses a size above the maximum", tr.queue_enable(tr.t, &vq) == -VS_EINVAL, "accepted");
    R(0x34) = 1024;
    R(0x44) = 1;
    check("queue_enable refuses a queue already ready", tr.queue_enable(tr.t, &vq) == -VS_EBUSY, "accepted");
    R(0x44) = 0;
    err = tr.queue_enable(tr.t, &vq);
    check("queue_enable programs the queue", err == 0 && R(0x38) == 256 && R(0x80) == 0x55667788u &&
          R(0x84) == 0x11223344u && R(0x90) == 0x2000 && R(0x94) == 0 && R(0xa0) == 0x3000 && R(0x44) == 1,
          "wrong registers");
    simmmio_clear();
    vq.notify(vq.notify_ctx, 1);
    const struct simmmio_access *b = simmmio_get(0), *w = simmmio_get(1);
    check("notify: a write barrier, then one 32-bit store of the queue index to QueueNotify",
          R(0x50) == 1 && simmmio_count() == 2 && b->kind == 'b' && w->kind == 'w' && w->width == 4 &&
              w->addr == (uintptr_t)&R(0x50),
          "wrong accesses");
    R(0x34) = 0;
    check("queue_enable of a missing queue is ENODEV", tr.queue_enable(tr.t, &vq) == -VS_ENODEV, "accepted");

    test_config(&tr);
    R(0x60) = 3;
    check("vmmio_irq_ack acknowledges what is pending", vmmio_irq_ack(&d) == 3 && R(0x64) == 3, "wrong");
}

static void cmdline(const char *in, const char *want_line, int want_n, uint64_t base0, uint64_t size0)
{
    char line[256];
    snprintf(line, sizeof(line), "%s", in);
    struct vmmio_window w[2];
    memset(w, 0, sizeof(w));
    int n = vmmio_take_cmdline(line, w, 2);
    char name[300];
    snprintf(name, sizeof(name), "cmdline %s", in);
    int ok = n == want_n && strcmp(line, want_line) == 0 && (n == 0 || (w[0].base == base0 && w[0].size == size0));
    char why[300];
    snprintf(why, sizeof(why), "n=%d line=[%s] base=%#llx size=%#llx", n, line, (unsigned long long)w[0].base,
             (unsigned long long)w[0].size);
    check(name, ok, why);
}

static void test_cmdline(void)
{
    cmdline("echo X virtio_mmio.device=512@0xfeb00e00:12", "echo X", 1, 0xfeb00e00, 512);
    cmdline("ls /myfs;  virtio_mmio.device=4K@0xfeb00c00:11:3 virtio_mmio.device=512@0xfeb00e00:12 ",
            "ls /myfs;", 2, 0xfeb00c00, 4096);
    cmdline("virtio_mmio.device=0x200@4273999360:12", "", 1, 4273999360u, 512);
    cmdline("echo virtio_mmio.device=512@0xfeb00e00:12 end", "echo virtio_mmio.device=512@0xfeb00e00:12 end", 0,
            0, 0);
    cmdline("echo virtio_mmio.device=512@0xfeb00e00", "echo virtio_mmio.device=512@0xfeb00e00", 0, 0, 0);
    cmdline("echo virtio_mmio.device=512@0xfeb00e00:12x", "echo virtio_mmio.device=512@0xfeb00e00:12x", 0, 0, 0);
    cmdline("echo virtio_mmio.device=0@0x1000:1", "echo virtio_mmio.device=0@0x1000:1", 0, 0, 0);
    cmdline("echo virtio_mmio.device=99999999999999999999@0x1:1",
            "echo virtio_mmio.device=99999999999999999999@0x1:1", 0, 0, 0);
    cmdline("", "", 0, 0, 0);
}

int main(void)
{
    test_identify();
    test_ops();
    test_cmdline();
    return failures != 0;
}
