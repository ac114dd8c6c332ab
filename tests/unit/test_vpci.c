/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtio PCI transport against a simulated function (tests/sim/simpci.c):
 * the capability walk over hostile lists (loops, pointers outside
 * [0x40, 0x100), capabilities shorter than their fields or running past
 * 0xff, reserved BARs, misaligned or wrapping regions, odd notify
 * multipliers), the doorbell (a barrier, then one 16-bit store inside the
 * notify region), and the device configuration: every field at its own
 * width, read as one snapshot between two equal generations. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "simcfg.h"
#include "simmmio.h"
#include "simpci.h"
#include "vconfig.h"
#include "virtiofs.h"
#include "vpci.h"
#include "vs_errno.h"

/* Common configuration offsets (virtio 1.x 4.1.4.3). */
#define CC_DF 4
#define CC_NUMQ 18
#define CC_STATUS 20
#define CC_CFGGEN 21
#define CC_Q_NOFF 30

static struct simpci sim;
static struct vpci_dev dev;
static struct vs_transport tr;

static volatile uint8_t *common(void) { return simpci_mem(&sim, SIMPCI_STD_BAR, SIMPCI_COMMON_OFF); }
static volatile uint8_t *devcfg(void) { return simpci_mem(&sim, SIMPCI_STD_BAR, SIMPCI_DEVICE_OFF); }

/* The device configuration and its 8-bit generation (they move with fresh()). */
static struct simcfg where(void)
{
    return (struct simcfg){devcfg(), common() + CC_CFGGEN, 1};
}

static void fresh(void)
{
    simpci_fini(&sim);
    simpci_init(&sim);
    common()[CC_NUMQ] = 2;
    struct simcfg w = where();
    simcfg_set(&w, "pcifs", 1);
}

static int open_dev(void)
{
    return vpci_open(&dev, &sim.port, SIMPCI_BDF, &tr);
}

/* An open that must fail with want, having read nothing outside
 * configuration space and logged why. */
static void open_fails(const char *name, int want)
{
    int err = open_dev();
    char why[500];
    snprintf(why, sizeof(why), "open gave %d (want %d); sim errors %lu (%s); log [%s]", err, want, sim.errors,
             sim.error, sim.last_log);
    check(name, err == want && sim.errors == 0 && (want != -VS_EPROTO || sim.last_log[0]), why);
}

static void test_well_formed(void)
{
    fresh();
    int err = open_dev();
    check("open: a well-formed virtio-fs function",
          err == 0 && dev.common.p == common() && dev.device.p == devcfg() && dev.notify_mult == 4 &&
              dev.num_queues == 2 && dev.msix_cap == SIMPCI_CAP_MSIX && sim.errors == 0,
          sim.error);

    fresh();
    simpci_put8(&sim, 0x34, SIMPCI_CAP_COMMON | 3);
    check("open: the reserved low bits of a capability pointer are masked", open_dev() == 0 && sim.errors == 0,
          sim.error);

    fresh();
    simpci_put16(&sim, 0x06, 0);
    check("open: no capability list is ENODEV", open_dev() == -VS_ENODEV, "opened");
}

static void test_hostile_lists(void)
{
    fresh();
    simpci_put8(&sim, SIMPCI_CAP_MSIX + 1, SIMPCI_CAP_COMMON);
    open_fails("open: a list that loops back to its start is EPROTO", -VS_EPROTO);
    check("open: the looping list is walked once", sim.cfg_read_at[SIMPCI_CAP_MSIX] <= 1, "walked again");

    fresh();
    simpci_put8(&sim, SIMPCI_CAP_COMMON + 1, SIMPCI_CAP_COMMON);
    open_fails("open: a capability pointing at itself is EPROTO", -VS_EPROTO);
    check("open: the self loop is read once", sim.cfg_reads < 40, "too many config reads");

    fresh();
    simpci_put8(&sim, SIMPCI_CAP_NOTIFY + 1, 0x20);
    open_fails("open: a pointer below 0x40 (into the header) is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put8(&sim, 0x34, 0x3c);
    open_fails("open: a first pointer below 0x40 is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put8(&sim, SIMPCI_CAP_DEVICE + 1, 0xf0);
    simpci_vcap(&sim, 0xf0, SIMPCI_CAP_MSIX, 20, 2, SIMPCI_STD_BAR, SIMPCI_NOTIFY_OFF, 0x1000, 4);
    simpci_put8(&sim, SIMPCI_CAP_NOTIFY, 0); /* the old one is now off the list */
    open_fails("open: a capability running past 0xff is EPROTO, nothing read beyond", -VS_EPROTO);

    fresh();
    simpci_put8(&sim, SIMPCI_CAP_NOTIFY + 1, 0xfc);
    simpci_put8(&sim, 0xfc, 0x11);
    simpci_put8(&sim, 0xfd, 0);
    open_fails("open: an MSI-X capability at 0xfc (past 0xff) is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put8(&sim, SIMPCI_CAP_COMMON + 2, 8);
    open_fails("open: a virtio capability with cap_len 8 is EPROTO", -VS_EPROTO);
    int untouched = 1;
    for (int i = 4; i < 16; i++)
        untouched &= sim.cfg_read_at[SIMPCI_CAP_COMMON + i] == 0;
    check("open: a short capability's fields are not read", untouched, "read");

    fresh();
    simpci_put8(&sim, SIMPCI_CAP_NOTIFY + 2, 16);
    open_fails("open: a notify capability with cap_len 16 (no multiplier) is EPROTO", -VS_EPROTO);
    check("open: the missing multiplier is not read", sim.cfg_read_at[SIMPCI_CAP_NOTIFY + 16] == 0, "read");
}

static void test_bars_and_regions(void)
{
    /* A reserved BAR first, then a usable capability of the same type. */
    fresh();
    simpci_put8(&sim, SIMPCI_CAP_COMMON + 4, 6);
    simpci_put8(&sim, SIMPCI_CAP_MSIX + 1, 0xa8);
    simpci_vcap(&sim, 0xa8, 0, 16, 1, SIMPCI_STD_BAR, SIMPCI_COMMON_OFF, 0x1000, 0);
    int err = open_dev();
    check("open: a capability naming a reserved BAR (6) is skipped for the next one",
          err == 0 && dev.common.p == common() && sim.errors == 0, "not opened");

    static const uint8_t reserved[] = {6, 7, 0xff};
    int all = 1;
    for (size_t i = 0; i < sizeof(reserved); i++) {
        fresh();
        simpci_put8(&sim, SIMPCI_CAP_DEVICE + 4, reserved[i]);
        all &= open_dev() == -VS_ENODEV && sim.errors == 0;
    }
    check("open: a device capability naming only a reserved BAR (6, 7, 255) is ENODEV", all, "wrong error");

    fresh();
    simpci_put32(&sim, SIMPCI_CAP_COMMON + 8, SIMPCI_COMMON_OFF + 2);
    open_fails("open: a common region at an offset not 4-aligned is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put32(&sim, SIMPCI_CAP_NOTIFY + 8, SIMPCI_NOTIFY_OFF + 1);
    open_fails("open: a notify region at an odd offset is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put32(&sim, SIMPCI_CAP_NOTIFY + 16, 3);
    open_fails("open: an odd notify_off_multiplier is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put32(&sim, SIMPCI_CAP_NOTIFY + 12, 1);
    open_fails("open: a notify region too small for a doorbell is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put32(&sim, SIMPCI_CAP_ISR + 8, 0xfffff000u);
    simpci_put32(&sim, SIMPCI_CAP_ISR + 12, 0x2000);
    open_fails("open: offset + length past 4 GiB is EPROTO", -VS_EPROTO);

    fresh();
    simpci_put32(&sim, 0x10 + 4 * SIMPCI_STD_BAR, 0xfffff000u | 4);
    simpci_put32(&sim, 0x14 + 4 * SIMPCI_STD_BAR, 0xffffffffu);
    open_fails("open: a region wrapping the 64-bit address space is EPROTO", -VS_EPROTO);
}

static void test_notify(void)
{
    fresh();
    if (open_dev() != 0) {
        check("notify: open", 0, sim.error);
        return;
    }
    struct vq vq;
    memset(&vq, 0, sizeof(vq));
    vq.index = 1;
    vq.size = 8;
    common()[CC_Q_NOFF] = 0x00;
    common()[CC_Q_NOFF + 1] = 0x04; /* 0x400 * 4 = 0x1000: the region's end */
    check("queue_enable: a doorbell past the notify region is EPROTO", tr.queue_enable(tr.t, &vq) == -VS_EPROTO,
          "accepted");
    common()[CC_Q_NOFF] = 3;
    common()[CC_Q_NOFF + 1] = 0;
    int err = tr.queue_enable(tr.t, &vq);
    check("queue_enable: doorbell at queue_notify_off * multiplier",
          err == 0 && vq.notify_ctx == (void *)(simpci_mem(&sim, SIMPCI_STD_BAR, SIMPCI_NOTIFY_OFF) + 12),
          "wrong address");
    if (err)
        return;
    simmmio_clear();
    vq.notify(vq.notify_ctx, 1);
    const struct simmmio_access *b = simmmio_get(0), *w = simmmio_get(1);
    check("notify: a write barrier, then one 16-bit store of the queue index",
          simmmio_count() == 2 && b->kind == 'b' && w->kind == 'w' && w->width == 2 && w->val == 1 &&
              w->addr == (uintptr_t)vq.notify_ctx,
          "wrong accesses");
}

/* MSI-X is on only between irq_setup and the next reset, so that every
 * initialisation starts from the same state (a polled mount after an
 * irq=msix one killed QEMU 7.2's C virtiofsd, see vpci.c). */
static uint16_t msix_control(void)
{
    return (uint16_t)(sim.cfg[SIMPCI_CAP_MSIX + 2] | sim.cfg[SIMPCI_CAP_MSIX + 3] << 8);
}

static void test_msix_off_at_reset(void)
{
    fresh();
    simpci_put16(&sim, SIMPCI_CAP_MSIX + 2, 3); /* a table of 4 entries */
    if (open_dev() != 0) {
        check("msix: open", 0, sim.error);
        return;
    }
    int err = tr.irq_setup(tr.t, 0xfee00000u, 0x41);
    snprintf(why, sizeof why, "err %d, control %#x", err, msix_control());
    check("msix: irq_setup enables MSI-X, function unmasked", err == 0 && msix_control() == 0x8003, why);
    tr.set_status(tr.t, 0x0f);
    snprintf(why, sizeof why, "control %#x", msix_control());
    check("msix: a non-zero status leaves MSI-X on", msix_control() == 0x8003, why);
    tr.set_status(tr.t, 0);
    snprintf(why, sizeof why, "control %#x, status %#x", msix_control(), common()[CC_STATUS]);
    check("msix: a reset turns MSI-X off, the table size kept",
          msix_control() == 0x0003 && common()[CC_STATUS] == 0 && sim.errors == 0, why);
}

/* ---- Configuration --------------------------------------------------- */

static void test_config_widths(void)
{
    fresh();
    if (open_dev() != 0) {
        check("config: open", 0, sim.error);
        return;
    }
    char tag[VIOFS_TAG_MAX + 1];
    simmmio_clear();
    int err = viofs_read_tag(&tr, tag);
    struct simcfg w = where();
    struct simcfg_reads n = simcfg_reads(&w);
    char why[200];
    snprintf(why, sizeof(why), "err %d tag [%s]: %u tag bytes, %u 32-bit reads at 36, %u generation reads, %u other",
             err, tag, n.bytes, n.nrq32, n.gens, n.other);
    check("config: tag read a byte at a time, num_request_queues with one 32-bit load, between two generations",
          err == 0 && strcmp(tag, "pcifs") == 0 && n.bytes == 36 && n.nrq32 == 1 && n.gens == 2 && n.other == 0,
          why);
}

static void test_config_snapshot(void)
{
    char tag[VIOFS_TAG_MAX + 1];
    uint32_t nrq = 0;
    struct vs_cfg_field f[] = {{0, VIOFS_TAG_MAX, true, tag}, {36, 4, false, &nrq}};
    char why[200];

    fresh();
    open_dev();
    struct simcfg_change c = {where(), (uintptr_t)(devcfg() + 10), 1, "changedfs", 7, 0};
    simmmio_hook(simcfg_on_access, &c);
    int err = viofs_read_tag(&tr, tag);
    simmmio_hook(NULL, NULL);
    snprintf(why, sizeof(why), "err %d tag [%s], %u generation reads", err, tag, c.gen_reads);
    check("config: a generation change in the middle of the tag: read again, the new tag whole",
          err == 0 && strcmp(tag, "changedfs") == 0 && c.gen_reads == 4, why);

    fresh();
    open_dev();
    c = (struct simcfg_change){where(), (uintptr_t)(devcfg() + 36), 1, "otherfs", 9, 0};
    simmmio_hook(simcfg_on_access, &c);
    memset(tag, 0, sizeof(tag));
    err = vs_config_read(&tr, f, 2);
    simmmio_hook(NULL, NULL);
    tag[VIOFS_TAG_MAX] = 0;
    snprintf(why, sizeof(why), "err %d tag [%s] nrq %u, %u generation reads", err, tag, nrq, c.gen_reads);
    check("config: a device whose configuration changes once, between tag and num_request_queues: "
          "one snapshot of the new one",
          err == 0 && strcmp(tag, "otherfs") == 0 && nrq == 9 && c.gen_reads == 4, why);

    fresh();
    open_dev();
    c = (struct simcfg_change){where(), 0, -1, NULL, 0, 0};
    simmmio_hook(simcfg_on_access, &c);
    memset(tag, 'x', sizeof(tag));
    err = viofs_read_tag(&tr, tag);
    simmmio_hook(NULL, NULL);
    snprintf(why, sizeof(why), "err %d tag [%.36s], %u generation reads", err, tag, c.gen_reads);
    check("config: a generation that never holds still: EIO after a bounded number of passes, no tag",
          err == -VS_EIO && tag[0] == 0 && c.gen_reads == 2 * VS_CONFIG_TRIES, why);

    /* viofs_init gets as far as the configuration (features in plain
     * memory: VERSION_1 in both halves, FEATURES_OK read back). */
    fresh();
    open_dev();
    common()[CC_DF] = 1;
    c = (struct simcfg_change){where(), 0, -1, NULL, 0, 0};
    simmmio_hook(simcfg_on_access, &c);
    struct viofs fs;
    err = viofs_init(&fs, &sim.port, &tr, 64, false);
    simmmio_hook(NULL, NULL);
    snprintf(why, sizeof(why), "err %d status %#x", err, common()[CC_STATUS]);
    check("viofs_init: a configuration that never holds still is EIO, device FAILED",
          err == -VS_EIO && common()[CC_STATUS] == VS_STATUS_FAILED, why);

    fresh();
    simpci_put32(&sim, SIMPCI_CAP_DEVICE + 12, 16);
    open_dev();
    memset(tag, 'x', sizeof(tag));
    err = viofs_read_tag(&tr, tag);
    check("config: a device region too small for num_request_queues is EPROTO, no tag",
          err == -VS_EPROTO && tag[0] == 0, "read");
    uint32_t v = 0;
    check("config_read: a misaligned 32-bit read is EINVAL", tr.config_read(tr.t, 2, 4, &v) == -VS_EINVAL,
          "accepted");
    check("config_read: a bad width is EINVAL", tr.config_read(tr.t, 0, 3, &v) == -VS_EINVAL, "accepted");
}

int main(void)
{
    simpci_init(&sim);
    test_well_formed();
    test_hostile_lists();
    test_bars_and_regions();
    test_notify();
    test_msix_off_at_reset();
    test_config_widths();
    test_config_snapshot();
    simpci_fini(&sim);
    return failures != 0;
}
