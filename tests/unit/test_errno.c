/* SPDX-License-Identifier: BSD-2-Clause */
/* vs_errno_name / vs_errno_text. */
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "vs_errno.h"

#define E(x) { VS_##x, #x }
static const struct {
    int num;
    const char *name;
} all[] = {
    E(EPERM), E(ENOENT), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(EBADF), E(EAGAIN), E(ENOMEM),
    E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR),
    E(EINVAL), E(ENFILE), E(EMFILE), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK),
    E(ERANGE), E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENODATA), E(EPROTO),
    E(EOVERFLOW), E(ENOTSUP), E(ETIMEDOUT), E(ESTALE), E(EDQUOT),
};

int main(void)
{
    char why[200] = "";
    int ok = 1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *n1 = vs_errno_name(all[i].num), *n2 = vs_errno_name(-all[i].num);
        if ((strcmp(n1, all[i].name) != 0 || strcmp(n2, all[i].name) != 0) && ok) {
            ok = 0;
            snprintf(why, sizeof why, "%d: got %s / %s want %s", all[i].num, n1, n2, all[i].name);
        }
    }
    check("every VS_ constant has its name, for n and -n", ok, why);

    ok = 1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *t1 = vs_errno_text(all[i].num), *t2 = vs_errno_text(-all[i].num);
        if ((!t1 || !*t1 || strcmp(t1, "Unknown error") == 0 || t1 != t2) && ok) {
            ok = 0;
            snprintf(why, sizeof why, "%s: text \"%s\"", all[i].name, t1 ? t1 : "(null)");
        }
    }
    check("every VS_ constant has a text, for n and -n", ok, why);

    ok = 1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        for (size_t j = i + 1; j < sizeof all / sizeof all[0]; j++)
            if (strcmp(vs_errno_text(all[i].num), vs_errno_text(all[j].num)) == 0 && ok) {
                ok = 0;
                snprintf(why, sizeof why, "%s and %s share a text", all[i].name, all[j].name);
            }
    check("texts are distinct", ok, why);

    static const struct {
        int num;
        const char *text;
    } texts[] = {
        { VS_ENOENT, "No such file or directory" }, { VS_EACCES, "Permission denied" },
        { VS_EEXIST, "File exists" },               { VS_ENOTDIR, "Not a directory" },
        { VS_EISDIR, "Is a directory" },            { VS_ENOTEMPTY, "Directory not empty" },
        { VS_EROFS, "Read-only file system" },      { VS_EIO, "Input/output error" },
        { VS_EPROTO, "Protocol error" },            { VS_ENOSPC, "No space left on device" },
    };
    ok = 1;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (strcmp(vs_errno_text(texts[i].num), texts[i].text) != 0 && ok) {
            ok = 0;
            snprintf(why, sizeof why, "%d: got \"%s\"", texts[i].num, vs_errno_text(texts[i].num));
        }
    check("common texts read as strerror does", ok, why);

    static const int unknown[] = { 0, 3, 15, 10, 1000, 4095, -3, -4096, 0x7fffffff, -0x7fffffff - 1 };
    ok = 1;
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        if ((strcmp(vs_errno_name(unknown[i]), "E???") != 0 ||
             strcmp(vs_errno_text(unknown[i]), "Unknown error") != 0) && ok) {
            ok = 0;
            snprintf(why, sizeof why, "%d: got %s / %s", unknown[i], vs_errno_name(unknown[i]),
                     vs_errno_text(unknown[i]));
        }
    check("unknown numbers (incl. 0, INT_MIN) give E??? / Unknown error", ok, why);
    return failures ? 1 : 0;
}
