/* SPDX-License-Identifier: BSD-2-Clause */
/* The boot-entry parsers with hostile fixtures: BLS Type #1 and its order
 * (apps/entries/bls.c, apps/entries/verscmp.c), loader.conf and its glob
 * (apps/entries/loaderconf.c), extlinux.conf (apps/entries/extlinux.c), the UKI
 * section reader and os-release (apps/entries/uki.c); and the choice of the
 * entries a menu offers (apps/entries/entrypick.c) against a model of the
 * specification's order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootentry.h"
#include "cases.h"
#include "entrypick.h"
#include "verscmp.h"
#include "vs_errno.h"

/* The diagnostics of one parse: how many, and the last line and message. */
struct diags {
    int n;
    unsigned line;
    char msg[200];
};

static void record(void *ctx, unsigned line, const char *msg)
{
    struct diags *g = ctx;
    g->n++;
    g->line = line;
    snprintf(g->msg, sizeof g->msg, "%s", msg);
}

static int bls(const char *text, const char *name, struct boot_entry *e, struct diags *g)
{
    memset(g, 0, sizeof(*g));
    struct be_diag d = {record, g};
    return bls_parse(text, strlen(text), name, e, &d);
}

static void test_verscmp(void)
{
    static const struct {
        const char *older, *newer;
    } pairs[] = {
        {"6.1.0-9", "6.1.0-10"}, {"6.1.0-9-amd64", "6.1.0-10-amd64"}, {"1.0~rc1", "1.0"},
        {"1.0", "1.0^p1"},       {"1-2", "1.1"},                     {"1.0", "1.0.1"},
        {"a", "1"},              {"abc", "abcd"},                    {"1.009", "1.10"},
        {"122.1", "123"},        {"1.0~rc1", "1.0~rc2"},             {"5.9", "5.9a"},
        {"a", "0"},              {"1.a", "1.00"},
    };
    char why[200];
    int ok = 1;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int r1 = verscmp(pairs[i].older, pairs[i].newer), r2 = verscmp(pairs[i].newer, pairs[i].older);
        if (!(r1 < 0 && r2 > 0)) {
            snprintf(why, sizeof why, "%s vs %s: %d/%d", pairs[i].older, pairs[i].newer, r1, r2);
            ok = 0;
            break;
        }
    }
    check("verscmp: 6.1.0-10 newer than 6.1.0-9, ~ older, ^ newer, - before ., digits newer than letters", ok, why);
    check("verscmp: equal versions, leading zeros and skipped characters",
          verscmp("6.1.0", "6.1.0") == 0 && verscmp("1.01", "1.1") == 0 && verscmp("a 1", "a1") == 0 &&
              verscmp("", "") == 0,
          "not equal");
}

static void test_bls(void)
{
    struct boot_entry e;
    struct diags g;
    int r = bls("# Debian\ntitle  Debian GNU/Linux \nversion 6.1.0-10-amd64\nmachine-id abc\n"
                "linux /vmlinuz-6.1.0-10-amd64\r\ninitrd /initrd.img-1\ninitrd /extra.img\n"
                "options root=myfs rw\noptions   console=ttyS0\nfrobnicate yes\ndevicetree /dtb\n"
                "architecture x64\nsort-key debian\n",
                "deb-10.conf", &e, &g);
    char why[3000];
    snprintf(why, sizeof why, "r=%d title='%s' options='%s' ninitrd=%u id='%s' line=%u", r, e.title, e.options,
             e.ninitrd, e.id, e.line);
    check("bls: every key read, unknown key ignored, blanks trimmed, CR LF",
          r == 0 && !strcmp(e.title, "Debian GNU/Linux") && !strcmp(e.version, "6.1.0-10-amd64") &&
              !strcmp(e.machine_id, "abc") && !strcmp(e.linux_path, "/vmlinuz-6.1.0-10-amd64") &&
              !strcmp(e.devicetree, "/dtb") && !strcmp(e.arch, "x64") && !strcmp(e.sort_key, "debian") &&
              g.n == 0,
          why);
    check("bls: repeated initrd lines kept in order",
          e.ninitrd == 2 && !strcmp(e.initrd[0], "/initrd.img-1") && !strcmp(e.initrd[1], "/extra.img"), why);
    check("bls: repeated options joined by one blank", !strcmp(e.options, "root=myfs rw console=ttyS0"), why);
    check("bls: id is the file name without .conf; linux line remembered", !strcmp(e.id, "deb-10") && e.line == 5,
          why);

    r = bls("title x\nversion 1\noptions a\n", "nolinux.conf", &e, &g);
    snprintf(why, sizeof why, "r=%d n=%d line=%u msg=%s", r, g.n, g.line, g.msg);
    check("bls: no linux key is one error naming the last line", r == -VS_EINVAL && g.n == 1 && g.line == 3 &&
          strstr(g.msg, "linux"), why);

    r = bls("efi /EFI/tool.efi\n", "efi.conf", &e, &g);
    check("bls: an efi-only entry is accepted", r == 0 && !strcmp(e.efi, "/EFI/tool.efi"), "refused");

    size_t big = 100 * 1024;
    char *t = malloc(big + 64);
    strcpy(t, "linux /k\ntitle ");
    memset(t + strlen(t), 'A', big);
    t[15 + big] = '\n';
    t[16 + big] = 0;
    r = bls(t, "big.conf", &e, &g);
    snprintf(why, sizeof why, "r=%d n=%d line=%u msg=%s", r, g.n, g.line, g.msg);
    check("bls: a 100 KiB line is one error naming line 2", r == -VS_EINVAL && g.n == 1 && g.line == 2, why);
    free(t);

    r = bls("linux /k\ntitle caf\xc3\xa9\n", "utf8.conf", &e, &g);
    check("bls: UTF-8 titles accepted", r == 0 && !strcmp(e.title, "caf\xc3\xa9"), g.msg);
    const char *bad_utf8[] = {"title \xff\xfe\nlinux /k\n", "title \xc0\xaf\nlinux /k\n",
                              "title \xed\xa0\x80\nlinux /k\n", "title \xe2\x82\nlinux /k\n"};
    int ok = 1;
    for (size_t i = 0; i < 4; i++) {
        r = bls(bad_utf8[i], "bad.conf", &e, &g);
        if (!(r == -VS_EINVAL && g.n == 1 && g.line == 1 && strstr(g.msg, "UTF-8")))
            ok = 0;
    }
    check("bls: invalid, overlong, surrogate and cut UTF-8 each one error at line 1", ok, g.msg);

    char nul[] = "linux /k\ntitle a\0b\n";
    memset(&g, 0, sizeof g);
    struct be_diag d = {record, &g};
    r = bls_parse(nul, sizeof nul - 1, "nul.conf", &e, &d);
    check("bls: a NUL byte is an error at its line", r == -VS_EINVAL && g.line == 2, g.msg);

    t = malloc(BE_PATH + 32);
    strcpy(t, "linux /");
    memset(t + 7, 'k', BE_PATH);
    strcpy(t + 7 + BE_PATH, "\n");
    r = bls(t, "long.conf", &e, &g);
    check("bls: a path longer than the field is refused, not cut", r == -VS_EINVAL && g.line == 1, g.msg);
    free(t);

    char nine[400] = "linux /k\n";
    for (int i = 0; i < 9; i++)
        strcat(nine, "initrd /i\n");
    r = bls(nine, "nine.conf", &e, &g);
    check("bls: a ninth initrd is refused", r == -VS_EINVAL && g.line == 10, g.msg);

    r = bls("", "empty.conf", &e, &g);
    check("bls: an empty file is one error", r == -VS_EINVAL && g.n == 1, g.msg);
}

static int by_bls_order(const void *x, const void *y)
{
    return bls_order(*(struct boot_entry *const *)x, *(struct boot_entry *const *)y);
}

static void test_bls_order(void)
{
    static struct boot_entry es[7];
    const char *files[7][4] = {
        /* id, sort-key, machine-id, version */
        {"debian-6.1.0-9", "", "", ""},      {"debian-6.1.0-10", "", "", ""}, {"zz-b", "b", "m1", "1"},
        {"zz-a2", "a", "m2", "1"},           {"zz-a1-old", "a", "m1", "5.9"}, {"zz-a1-new", "a", "m1", "5.10"},
        {"debian-6.1.0-10~rc1", "", "", ""},
    };
    struct boot_entry *v[7];
    for (int i = 0; i < 7; i++) {
        memset(&es[i], 0, sizeof es[i]);
        strcpy(es[i].id, files[i][0]);
        strcpy(es[i].sort_key, files[i][1]);
        strcpy(es[i].machine_id, files[i][2]);
        strcpy(es[i].version, files[i][3]);
        v[i] = &es[i];
    }
    qsort(v, 7, sizeof v[0], by_bls_order);
    const char *want[7] = {"zz-a1-new", "zz-a1-old", "zz-a2", "zz-b", "debian-6.1.0-10", "debian-6.1.0-10~rc1",
                           "debian-6.1.0-9"};
    char why[400] = "got";
    int ok = 1;
    for (int i = 0; i < 7; i++) {
        ok = ok && !strcmp(v[i]->id, want[i]);
        strcat(why, " ");
        strcat(why, v[i]->id);
    }
    check("bls order: sort-key first (key, machine-id, newest version), then ids newest first", ok, why);
}

static void test_loader_conf(void)
{
    struct loader_conf c;
    struct diags g = {0};
    struct be_diag d = {record, &g};
    const char *t = "# comment\ntimeout 3\ndefault debian-*\nconsole-mode max\n";
    int r = loader_conf_parse(t, strlen(t), &c, &d);
    check("loader.conf: default and timeout read, others ignored",
          r == 0 && c.timeout == 3 && !strcmp(c.default_glob, "debian-*") && g.n == 0, c.default_glob);
    t = "timeout soon\ndefault x\n";
    r = loader_conf_parse(t, strlen(t), &c, &d);
    check("loader.conf: a bad timeout is reported at its line, default still read",
          r == -VS_EINVAL && g.line == 1 && c.timeout == BE_TIMEOUT_UNSET && !strcmp(c.default_glob, "x"), g.msg);
    t = "timeout menu-force\n";
    loader_conf_parse(t, strlen(t), &c, &d);
    check("loader.conf: timeout menu-force waits", c.timeout == BE_TIMEOUT_FOREVER, "not forever");
    check("glob: *, ?, classes, negation, literal [",
          be_glob("debian-*", "debian-6.1.conf") && !be_glob("debian-*", "fedora") && be_glob("a?c", "abc") &&
              !be_glob("a?c", "ac") && be_glob("*-[0-9]*", "x-6.1") && !be_glob("*-[!0-9]*", "x-6") &&
              be_glob("[a", "[a") && be_glob("*", "") && be_glob("**a**", "bab") && !be_glob("", "a"),
          "mismatch");
}

/* The entries an extlinux parse passes on: the first 4 kept, all counted,
 * the ids of those marked default noted. */
struct collected {
    struct boot_entry out[4], scratch;
    size_t n;
    char defaults[64];
};

static struct boot_entry *collect(void *ctx, struct boot_entry *e)
{
    struct collected *k = ctx;
    if (k->n < 4)
        k->out[k->n] = *e;
    k->n++;
    if (e->is_default && strlen(k->defaults) + strlen(e->id) + 2 < sizeof k->defaults) {
        strcat(k->defaults, " ");
        strcat(k->defaults, e->id);
    }
    return e;
}

static int ext(const char *t, struct collected *k, struct extlinux_conf *c, const struct be_diag *d)
{
    memset(k, 0, sizeof(*k));
    struct extlinux_sink sink = {&k->scratch, collect, k};
    return extlinux_parse(t, strlen(t), &sink, c, d);
}

static void test_extlinux(void)
{
    static struct collected k;
    struct boot_entry *out = k.out;
    struct extlinux_conf c;
    struct diags g = {0};
    struct be_diag d = {record, &g};
    size_t n = 0;
    const char *t = "# U-Boot\nMENU TITLE Boot menu\nTIMEOUT 25\nDEFAULT second\nPROMPT 1\n"
                    "LABEL first\n  MENU LABEL First system\n  KERNEL /boot/vmlinuz-1\n  INITRD /i1,/i2\n"
                    "  APPEND root=/dev/vda ro\n  FDT /dtb/a.dtb\n"
                    "label second\n  linux ../vmlinuz-2\n  fdtdir /dtbs\n  append quiet\n";
    int r = ext(t, &k, &c, &d);
    n = k.n;
    char why[3000];
    snprintf(why, sizeof why, "r=%d n=%zu title='%s' timeout=%d default='%s' initrds=%u", r, n, out[0].title,
             c.timeout, c.default_label, out[0].ninitrd);
    check("extlinux: two labels, MENU LABEL title, MENU TITLE, TIMEOUT 25 tenths is 3 s",
          r == 0 && n == 2 && !strcmp(out[0].title, "First system") && !strcmp(c.menu_title, "Boot menu") &&
              c.timeout == 3 && g.n == 0,
          why);
    check("extlinux: INITRD comma list, APPEND, FDT",
          out[0].ninitrd == 2 && !strcmp(out[0].initrd[1], "/i2") && !strcmp(out[0].options, "root=/dev/vda ro") &&
              !strcmp(out[0].devicetree, "/dtb/a.dtb") && !strcmp(out[0].linux_path, "/boot/vmlinuz-1"),
          why);
    check("extlinux: keywords case-insensitive, DEFAULT marks its label, FDTDIR kept as a directory",
          n == 2 && !strcmp(out[1].id, "second") && !strcmp(out[1].title, "second") && out[1].is_default &&
              !out[0].is_default && !strcmp(out[1].devicetree, "/dtbs/") && !strcmp(out[1].linux_path, "../vmlinuz-2"),
          why);

    t = "LABEL nokernel\n  APPEND x\nLABEL ok\n  KERNEL /k\nLABEL alsobad\n  MENU DEFAULT\n";
    memset(&g, 0, sizeof g);
    r = ext(t, &k, &c, &d);
    n = k.n;
    snprintf(why, sizeof why, "r=%d n=%zu errors=%d line=%u msg=%s", r, n, g.n, g.line, g.msg);
    check("extlinux: LABELs without a kernel each reported at their LABEL line and dropped",
          r == -VS_EINVAL && n == 1 && !strcmp(out[0].id, "ok") && g.n == 2 && g.line == 5, why);

    size_t big = 10000 * 24 + 64;
    char *many = malloc(big);
    many[0] = 0;
    char *p = many;
    for (int i = 0; i < 10000; i++)
        p += sprintf(p, "LABEL l%d\nKERNEL /k\n", i);
    strcpy(p, "DEFAULT l9998\n");
    memset(&g, 0, sizeof g);
    r = ext(many, &k, &c, &d);
    snprintf(why, sizeof why, "r=%d n=%zu errors=%d line=%u defaults=%s", r, k.n, g.n, g.line, k.defaults);
    check("extlinux: 10,000 labels all passed on in file order, none refused; a DEFAULT after them marks its label",
          r == 0 && k.n == 10000 && g.n == 0 && !strcmp(out[3].id, "l3") && !strcmp(k.defaults, " l9998"), why);
    free(many);

    t = "LABEL a\nKERNEL /k\nAPPEND \xff\nLABEL b\nKERNEL /k2\n";
    memset(&g, 0, sizeof g);
    r = ext(t, &k, &c, &d);
    n = k.n;
    check("extlinux: a non-UTF-8 line drops its entry only", n == 1 && !strcmp(out[0].id, "b") && g.line == 3,
          g.msg);
    t = "TIMEOUT -1\nLABEL a\nKERNEL /k\n";
    r = ext(t, &k, &c, &d);
    n = k.n;
    check("extlinux: a bad TIMEOUT is reported, the entries kept", r == -VS_EINVAL && n == 1 &&
          c.timeout == BE_TIMEOUT_UNSET, g.msg);
}

/* The model of the menu's order, written from the Boot Loader
 * Specification ("Sorting") and README: by share; in a share BLS entries and
 * UKIs, then extlinux, the bare root's kernels, the EFI loader; among BLS
 * entries those with a sort-key first, by sort-key (bytes, increasing),
 * machine-id (increasing), version (decreasing); then all by file name
 * without its suffix, as a version, decreasing, then by bytes; remaining
 * ties in the order found. */
static int model_group(const struct boot_entry *e)
{
    return e->kind == BE_BLS || e->kind == BE_UKI ? 0 : e->kind == BE_EXTLINUX ? 1 : e->kind == BE_BARE ? 2 : 3;
}

static int model_order(const struct boot_entry *a, const struct boot_entry *b)
{
    if (a->share != b->share)
        return a->share < b->share ? -1 : 1;
    if (model_group(a) != model_group(b))
        return model_group(a) < model_group(b) ? -1 : 1;
    if (model_group(a) == 0) {
        int ka = a->sort_key[0] != 0, kb = b->sort_key[0] != 0, r;
        if (ka != kb)
            return ka ? -1 : 1;
        if (ka && (r = strcmp(a->sort_key, b->sort_key)))
            return r;
        if (ka && (r = strcmp(a->machine_id, b->machine_id)))
            return r;
        if (ka && (r = verscmp(b->version, a->version)))
            return r;
        if ((r = verscmp(b->id, a->id)) || (r = strcmp(a->id, b->id)))
            return r;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_model(const void *x, const void *y)
{
    return model_order(*(struct boot_entry *const *)x, *(struct boot_entry *const *)y);
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}

/* A random entry: ids and versions from small pools, so ties and the
 * version rules (6.1.0-10 vs 6.1.0-9, ~, ^) come up often. */
static void random_entry(struct boot_entry *e, uint32_t seq)
{
    static const char *const ids[] = {"debian-6.1.0-9", "debian-6.1.0-10", "debian-6.1.0-10~rc1", "fedora-1.0^p1",
                                      "fedora-1.0", "e", "e9", "e10", "arch"};
    static const char *const keys[] = {"", "", "", "a", "b", "debian"};
    static const char *const mids[] = {"", "m1", "m2"};
    static const char *const vers[] = {"", "6.1.0-9", "6.1.0-10", "1.0~rc1", "1.0", "1.0^p1", "6.1.0-10-amd64"};
    static const uint8_t kinds[] = {BE_BLS, BE_BLS, BE_BLS, BE_UKI, BE_EXTLINUX, BE_BARE, BE_EFI};
    memset(e, 0, sizeof(*e));
    e->kind = kinds[rnd(sizeof kinds)];
    e->share = rnd(2);
    e->seq = seq;
    snprintf(e->id, sizeof e->id, "%s", ids[rnd(sizeof ids / sizeof ids[0])]);
    if (rnd(3) == 0) /* some ids unique, so more than a pool's worth differ */
        snprintf(e->id + strlen(e->id), sizeof e->id - strlen(e->id), ".%u", rnd(50));
    strcpy(e->sort_key, keys[rnd(sizeof keys / sizeof keys[0])]);
    strcpy(e->machine_id, mids[rnd(3)]);
    strcpy(e->version, vers[rnd(sizeof vers / sizeof vers[0])]);
}

/* Offers all[0..n) (default: those for which is_def holds) in their array
 * order and compares the picker's list with the model's: the first BE_MAX
 * in menu order, the first default replacing the last when it is not among
 * them. */
static bool pick_matches_model(struct boot_entry *all, size_t n, bool (*is_def)(const struct boot_entry *),
                               char *out, size_t cap)
{
    static struct boot_entry slots[PICK_SLOTS];
    struct entry_pick p;
    struct boot_entry *got[BE_MAX];
    entry_pick_init(&p, slots);
    for (size_t i = 0; i < n; i++) {
        *p.next = all[i];
        entry_pick_offer(&p, is_def(&all[i]));
    }
    size_t ng = entry_pick_finish(&p, got);

    struct boot_entry **model = malloc((n ? n : 1) * sizeof(*model));
    for (size_t i = 0; i < n; i++)
        model[i] = &all[i];
    qsort(model, n, sizeof(*model), by_model);
    size_t nm = n < BE_MAX ? n : BE_MAX, def = n;
    for (size_t i = 0; i < n && def == n; i++)
        if (is_def(model[i]))
            def = i;
    if (def != n && def >= BE_MAX)
        model[BE_MAX - 1] = model[def];
    bool ok = ng == nm && p.offered == n;
    for (size_t i = 0; ok && i < nm; i++)
        ok = got[i]->seq == model[i]->seq;
    snprintf(out, cap, "n=%zu: %zu kept (model %zu), default at %zu;", n, ng, nm, def);
    for (size_t i = 0; i < ng && i < 6; i++)
        snprintf(out + strlen(out), cap - strlen(out), " %s/%u%s", got[i]->id, (unsigned)got[i]->seq,
                 i < nm && got[i]->seq == model[i]->seq ? "" : "(model differs)");
    free(model);
    return ok;
}

static bool flagged(const struct boot_entry *e)
{
    return e->is_default;
}

static bool never(const struct boot_entry *e)
{
    (void)e;
    return false;
}

static bool old_debian(const struct boot_entry *e)
{
    return e->kind == BE_BLS && be_glob("debian-6.1.0-1", e->id);
}

static void test_pick(void)
{
    static const size_t sizes[] = {0, 1, 2, 63, 64, 65, 66, 127, 128, 500, 3000};
    char why[600] = "";
    int ok = 1, trials = 0;
    size_t cap = 3000;
    struct boot_entry *all = malloc(cap * sizeof(*all));
    /* Random sets, offered in a random order (readdir's order is the
     * server's); a few entries flagged as default candidates. */
    for (rng_state = 31; ok && trials < 400; trials++) {
        size_t n = sizes[trials % (sizeof sizes / sizeof sizes[0])];
        for (size_t i = 0; i < n; i++) {
            random_entry(&all[i], (uint32_t)rnd(1u << 30));
            all[i].is_default = rnd(40) == 0;
        }
        ok = pick_matches_model(all, n, trials % 3 ? flagged : never, why, sizeof why);
    }
    check("pick: 400 random sets of 0 to 3000 entries (2 shares, every kind, sort-keys, version ties): the list is "
          "the model's first 64 in menu order and its default",
          ok, why);

    /* 3000 BLS entries in byte order of their names (what a sorted listing
     * gives), versions 6.1.0-0 to 6.1.0-2999: "6.1.0-999" sorts after
     * "6.1.0-2999" as bytes, but is older. */
    for (size_t i = 0; i < cap; i++) {
        memset(&all[i], 0, sizeof all[i]);
        all[i].kind = BE_BLS;
        all[i].seq = (uint32_t)i;
    }
    char (*names)[32] = malloc(cap * sizeof(*names));
    for (size_t i = 0; i < cap; i++)
        snprintf(names[i], sizeof names[i], "debian-6.1.0-%zu", i);
    qsort(names, cap, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < cap; i++)
        strcpy(all[i].id, names[i]);
    ok = pick_matches_model(all, cap, old_debian, why, sizeof why);
    static struct boot_entry slots[PICK_SLOTS];
    struct entry_pick p;
    struct boot_entry *got[BE_MAX];
    entry_pick_init(&p, slots);
    for (size_t i = 0; i < cap; i++) {
        *p.next = all[i];
        entry_pick_offer(&p, old_debian(&all[i]));
    }
    size_t ng = entry_pick_finish(&p, got);
    check("pick: 3000 entries in byte order: 6.1.0-2999 down to 6.1.0-2937, then the default 6.1.0-1 last",
          ok && ng == 64 && !strcmp(got[0]->id, "debian-6.1.0-2999") && !strcmp(got[62]->id, "debian-6.1.0-2937") &&
              !strcmp(got[63]->id, "debian-6.1.0-1"),
          why);

    /* The same in reverse and shuffled offering orders. */
    for (size_t i = 0; i < cap / 2; i++) {
        struct boot_entry t = all[i];
        all[i] = all[cap - 1 - i];
        all[cap - 1 - i] = t;
    }
    ok = pick_matches_model(all, cap, old_debian, why, sizeof why);
    for (size_t i = cap - 1; ok && i > 0; i--) {
        size_t j = rnd((uint32_t)i + 1);
        struct boot_entry t = all[i];
        all[i] = all[j];
        all[j] = t;
    }
    ok = ok && pick_matches_model(all, cap, old_debian, why, sizeof why);
    check("pick: the same entries offered in reverse and in a shuffled order: the same list", ok, why);
    free(names);
    free(all);
}

/* A PE image with the named sections, each of the given size, data after
 * the headers. */
static size_t make_pe(uint8_t *buf, size_t cap, const char **names, const uint32_t *sizes, int nsec)
{
    memset(buf, 0, cap);
    buf[0] = 'M', buf[1] = 'Z';
    uint32_t pe = 0x80;
    memcpy(buf + 0x3c, &pe, 4);
    memcpy(buf + pe, "PE\0\0", 4);
    uint16_t machine = 0x8664, ns = (uint16_t)nsec, opt = 240;
    memcpy(buf + pe + 4, &machine, 2);
    memcpy(buf + pe + 6, &ns, 2);
    memcpy(buf + pe + 20, &opt, 2);
    uint32_t table = pe + 24 + opt, data = 0x400;
    for (int i = 0; i < nsec; i++) {
        uint8_t *s = buf + table + 40 * i;
        strncpy((char *)s, names[i], 8);
        uint32_t raw = (sizes[i] + 511) & ~511u;
        memcpy(s + 8, &sizes[i], 4);
        memcpy(s + 16, &raw, 4);
        memcpy(s + 20, &data, 4);
        data += raw;
    }
    return data;
}

static void test_uki(void)
{
    static uint8_t buf[1 << 16];
    const char *names[] = {".text", ".osrel", ".cmdline", ".linux", ".initrd"};
    const uint32_t sizes[] = {100, 60, 30, 5000, 700};
    size_t size = make_pe(buf, sizeof buf, names, sizes, 5);
    struct uki u;
    const char *why = "";
    int r = uki_parse(buf, 4096, size, &u, &why);
    char w[3000];
    snprintf(w, sizeof w, "r=%d why=%s linux=%llu+%llu initrd=%llu cmdline=%llu", r, why,
             (unsigned long long)u.linux_.off, (unsigned long long)u.linux_.size, (unsigned long long)u.initrd.size,
             (unsigned long long)u.cmdline.size);
    check("uki: .linux, .initrd, .cmdline, .osrel found with their virtual sizes",
          r == 0 && u.machine == 0x8664 && u.linux_.size == 5000 && u.linux_.off == 0x400 + 512 * 3 &&
              u.initrd.size == 700 && u.cmdline.size == 30 && u.osrel.size == 60 && u.uname.size == 0,
          w);
    r = uki_parse(buf, 4096, size - 600, &u, &why);
    check("uki: truncated file (a section past its end) refused", r == -VS_EINVAL, why);
    r = uki_parse(buf, 0x100, size, &u, &why);
    check("uki: section table beyond the header bytes refused", r == -VS_EINVAL, why);
    r = uki_parse((const uint8_t *)"#!/bin/sh\n", 10, 10, &u, &why);
    check("uki: a non-PE file refused", r == -VS_ENOEXEC, why);
    const char *names2[] = {".text", ".data"};
    size = make_pe(buf, sizeof buf, names2, sizes, 2);
    r = uki_parse(buf, 4096, size, &u, &why);
    check("uki: a PE without .linux is not a UKI", r == -VS_ENOEXEC && strstr(why, ".linux"), why);
    size = make_pe(buf, sizeof buf, names, sizes, 5);
    uint32_t huge = 0xfffffff0;
    memcpy(buf + 0x80 + 24 + 240 + 40 * 3 + 20, &huge, 4);
    r = uki_parse(buf, 4096, size, &u, &why);
    check("uki: an offset near 4 GiB does not wrap", r == -VS_EINVAL, why);
    memcpy(buf + 0x3c, &huge, 4);
    r = uki_parse(buf, 4096, size, &u, &why);
    check("uki: e_lfanew past the header refused", r == -VS_ENOEXEC, why);
    uint16_t many = 2000;
    size = make_pe(buf, sizeof buf, names, sizes, 5);
    memcpy(buf + 0x80 + 6, &many, 2);
    r = uki_parse(buf, 4096, size, &u, &why);
    check("uki: 2000 sections refused", r == -VS_EINVAL, why);

    char title[BE_TEXT] = "", version[BE_TEXT] = "";
    const char *os = "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
    osrel_parse(os, strlen(os), title, sizeof title, version, sizeof version);
    check("osrel: PRETTY_NAME is the title, VERSION_ID the version",
          !strcmp(title, "Debian GNU/Linux 12 (bookworm)") && !strcmp(version, "12"), title);
    title[0] = version[0] = 0;
    os = "NAME=Arch\nVERSION='rolling'\n\xff\xff\nIMAGE_VERSION=7\n";
    osrel_parse(os, strlen(os), title, sizeof title, version, sizeof version);
    check("osrel: NAME VERSION without PRETTY_NAME, IMAGE_VERSION, a bad line skipped",
          !strcmp(title, "Arch rolling") && !strcmp(version, "7"), title);
}

int main(void)
{
    test_verscmp();
    test_bls();
    test_bls_order();
    test_loader_conf();
    test_extlinux();
    test_pick();
    test_uki();
    return failures ? 1 : 0;
}
