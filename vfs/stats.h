/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-mount request statistics and the trace levels.
 *
 * Every FUSE request a mount sends is counted by opcode: how many, how many
 * failed, the bulk bytes they moved (WRITE payload sent plus variable reply
 * data received: READ, READDIR, READDIRPLUS, READLINK), and their latency (submit to
 * reply, the port's clock): exact min/max, and a histogram from which the
 * median and the 99th percentile are estimated.
 *
 * The histogram counts whole microseconds: 0..3 us exactly, then four
 * buckets per power of two (so a bucket is at most a quarter of its lower
 * bound wide), up to 2^24 us (16.7 s; above that, the last bucket).  A
 * quantile is interpolated linearly inside its bucket and clamped to
 * [min, max]: it is exact below 4 us and within 25% (typically much better)
 * above. */
#ifndef VS_STATS_H
#define VS_STATS_H

#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Trace levels (mount option debug=LEVEL, command `debug LEVEL`). */
#define VS_TRACE_OFF 0      /* nothing */
#define VS_TRACE_EVENTS 1   /* errors and device events: mount, INIT, timeouts, protocol errors, reset */
#define VS_TRACE_REQUESTS 2 /* one line per request: opcode, node, unique, lengths, error, latency */
#define VS_TRACE_QUEUE 3    /* and virtqueue add/kick/used */

#define VS_STATS_OPS 53     /* opcodes 1..52 by number; slot 0 collects any other */
#define VS_STATS_BUCKETS 96

struct vs_opstat {
    uint64_t count;
    uint64_t errors;        /* replies with an error, and requests the device failed */
    uint64_t bytes;
    uint64_t min_ns, max_ns, sum_ns; /* of the requests that got a reply */
    uint32_t hist[VS_STATS_BUCKETS];
};

struct vs_stats {
    uint64_t since_ns;      /* when counting began: the mount, or the last reset */
    uint32_t inflight;      /* requests submitted and not yet answered */
    uint32_t inflight_max;  /* the most there were at once */
    uint64_t name_hits, name_misses; /* path walk: names found in the cache / not */
    uint64_t attr_hits, attr_misses; /* stat: attributes still valid / GETATTR sent */
    /* Of the requests counted in op[], those nobody waits for: FORGET and
     * BATCH_FORGET (no reply), RELEASE and RELEASEDIR at a close. */
    uint64_t unanswered;
    /* Where the caller's time went: waits that found their reply not yet
     * there and the time they spent until it came (the device's work and
     * its wake-up), and doorbell writes (both queues) with the time they
     * took (on a host whose daemon sleeps between requests, waking it). */
    uint64_t waits, wait_ns;
    uint64_t doorbells, doorbell_ns;
    struct vs_opstat op[VS_STATS_OPS];
};

/* "LOOKUP", "READ", ...; "OP%u"-style names are not made: "?" for unknown. */
const char *vs_fuse_opname(uint32_t opcode);
/* The opcode slot i of vs_stats.op counts (0: the others). */
static inline uint32_t vs_stats_slot(uint32_t opcode) { return opcode < VS_STATS_OPS ? opcode : 0; }
/* Estimated latency quantile (permille: 500 median, 990 p99) in microseconds;
 * 0 when nothing was measured. */
uint64_t vs_opstat_quantile_us(const struct vs_opstat *o, uint32_t permille);
/* Zeroes the counters (inflight is kept) and restarts them at now_ns. */
void vs_stats_reset(struct vs_stats *s, uint64_t now_ns);
/* Histogram bucket of a latency in microseconds, and a bucket's lower bound. */
unsigned vs_stats_bucket(uint64_t us);
uint64_t vs_stats_bucket_low(unsigned b);

#ifdef __cplusplus
}
#endif

#endif
