/* SPDX-License-Identifier: BSD-2-Clause */
/* printf-style formatting without libc: one formatter, two sinks (a fixed
 * buffer for vs_vsnprintf, a streaming callback for fmt_vprintf). */
#include "fmt.h"

#include <stdbool.h>
#include <stdint.h>

#include "vs_util.h"

#define FMT_CHUNK 256

struct sink {
    /* Buffer sink: buf/size, pos = bytes stored so far (< size). */
    char *buf;
    size_t size;
    size_t pos;
    /* Stream sink: o != NULL; output is gathered in tmp first. */
    const struct fmt_out *o;
    size_t tlen;
    char tmp[FMT_CHUNK];
    /* Everything produced, whether stored or not. */
    size_t total;
};

static void sink_flush(struct sink *s)
{
    if (s->tlen && s->o->write)
        s->o->write(s->o->ctx, s->tmp, s->tlen);
    s->tlen = 0;
}

static void sink_put(struct sink *s, const char *p, size_t n)
{
    s->total += n;
    if (s->o) {
        while (n) {
            if (s->tlen == 0 && n >= FMT_CHUNK) {
                /* Large run: hand it over without copying. */
                if (s->o->write)
                    s->o->write(s->o->ctx, p, n);
                return;
            }
            size_t k = VS_MIN(n, FMT_CHUNK - s->tlen);
            memcpy(s->tmp + s->tlen, p, k);
            s->tlen += k;
            p += k;
            n -= k;
            if (s->tlen == FMT_CHUNK)
                sink_flush(s);
        }
        return;
    }
    if (s->size == 0)
        return;
    size_t room = s->size - 1 - s->pos;
    size_t k = VS_MIN(n, room);
    if (k) {
        memcpy(s->buf + s->pos, p, k);
        s->pos += k;
    }
}

static void sink_pad(struct sink *s, char c, size_t n)
{
    char run[32];
    memset(run, c, sizeof run);
    while (n) {
        size_t k = VS_MIN(n, sizeof run);
        sink_put(s, run, k);
        n -= k;
    }
}

enum { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct spec {
    bool left, zero, space, plus, alt;
    size_t width;
    int prec; /* -1: none */
    int len;
};

/* Pads a field of content length n (already known) on the left, returns
 * the padding still owed on the right. */
static size_t pad_before(struct sink *s, const struct spec *sp, size_t n)
{
    size_t pad = sp->width > n ? sp->width - n : 0;
    if (!sp->left) {
        sink_pad(s, ' ', pad);
        return 0;
    }
    return pad;
}

static void emit_num(struct sink *s, const struct spec *sp, uintmax_t v, bool neg,
                     char conv)
{
    char dig[32];
    size_t nd = 0;
    unsigned base = 10;
    const char *digits = "0123456789abcdef";
    bool nonzero = v != 0;
    if (conv == 'x' || conv == 'p')
        base = 16;
    else if (conv == 'X') {
        base = 16;
        digits = "0123456789ABCDEF";
    } else if (conv == 'o')
        base = 8;

    if (!(sp->prec == 0 && v == 0)) {
        /* Emit from the least significant end. */
        char *e = dig + sizeof dig;
        do {
            *--e = digits[v % base];
            v /= base;
            nd++;
        } while (v);
        for (size_t i = 0; i < nd; i++)
            dig[i] = e[i];
    }

    char pre[3];
    size_t np = 0;
    if (conv == 'd' || conv == 'i') {
        if (neg)
            pre[np++] = '-';
        else if (sp->plus)
            pre[np++] = '+';
        else if (sp->space)
            pre[np++] = ' ';
    }
    size_t zeros = sp->prec > 0 && (size_t)sp->prec > nd ? (size_t)sp->prec - nd : 0;
    if (conv == 'p' || (sp->alt && (conv == 'x' || conv == 'X') && nonzero)) {
        pre[np++] = '0';
        pre[np++] = conv == 'X' ? 'X' : 'x';
    } else if (sp->alt && conv == 'o' && zeros == 0 && (nd == 0 || dig[0] != '0')) {
        zeros = 1;
    }

    size_t n = np + zeros + nd;
    if (sp->zero && !sp->left && sp->prec < 0 && sp->width > n) {
        zeros += sp->width - n;
        n = sp->width;
    }
    size_t after = pad_before(s, sp, n);
    sink_put(s, pre, np);
    sink_pad(s, '0', zeros);
    sink_put(s, dig, nd);
    sink_pad(s, ' ', after);
}

static void emit_str(struct sink *s, const struct spec *sp, const char *p, size_t n)
{
    size_t after = pad_before(s, sp, n);
    sink_put(s, p, n);
    sink_pad(s, ' ', after);
}

/* Reads a decimal number at *f, saturating at INT_MAX. */
static int parse_dec(const char **f)
{
    int v = 0;
    while (**f >= '0' && **f <= '9') {
        int d = **f - '0';
        v = v > (0x7fffffff - d) / 10 ? 0x7fffffff : v * 10 + d;
        (*f)++;
    }
    return v;
}

static void format(struct sink *s, const char *f, va_list ap)
{
    while (*f) {
        if (*f != '%') {
            const char *lit = f;
            while (*f && *f != '%')
                f++;
            sink_put(s, lit, (size_t)(f - lit));
            continue;
        }
        const char *start = f++;
        struct spec sp = { .prec = -1 };

        for (;; f++) {
            if (*f == '-')
                sp.left = true;
            else if (*f == '0')
                sp.zero = true;
            else if (*f == ' ')
                sp.space = true;
            else if (*f == '+')
                sp.plus = true;
            else if (*f == '#')
                sp.alt = true;
            else
                break;
        }
        if (*f == '*') {
            int w = va_arg(ap, int);
            f++;
            if (w < 0) {
                sp.left = true;
                sp.width = (size_t)(0u - (unsigned)w);
            } else {
                sp.width = (size_t)w;
            }
        } else {
            sp.width = (size_t)parse_dec(&f);
        }
        if (*f == '.') {
            f++;
            if (*f == '*') {
                int p = va_arg(ap, int);
                f++;
                sp.prec = p < 0 ? -1 : p;
            } else {
                sp.prec = parse_dec(&f);
            }
        }
        switch (*f) {
        case 'h':
            f++;
            if (*f == 'h') {
                f++;
                sp.len = LEN_HH;
            } else {
                sp.len = LEN_H;
            }
            break;
        case 'l':
            f++;
            if (*f == 'l') {
                f++;
                sp.len = LEN_LL;
            } else {
                sp.len = LEN_L;
            }
            break;
        case 'z': f++; sp.len = LEN_Z; break;
        case 'j': f++; sp.len = LEN_J; break;
        case 't': f++; sp.len = LEN_T; break;
        default: break;
        }

        char conv = *f;
        if (conv)
            f++;
        switch (conv) {
        case 'd':
        case 'i': {
            intmax_t v;
            switch (sp.len) {
            case LEN_HH: v = (signed char)va_arg(ap, int); break;
            case LEN_H: v = (short)va_arg(ap, int); break;
            case LEN_L: v = va_arg(ap, long); break;
            case LEN_LL: v = va_arg(ap, long long); break;
            case LEN_Z: v = va_arg(ap, ptrdiff_t); break; /* signed size_t */
            case LEN_J: v = va_arg(ap, intmax_t); break;
            case LEN_T: v = va_arg(ap, ptrdiff_t); break;
            default: v = va_arg(ap, int); break;
            }
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            emit_num(s, &sp, mag, v < 0, conv);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uintmax_t v;
            switch (sp.len) {
            case LEN_HH: v = (unsigned char)va_arg(ap, unsigned); break;
            case LEN_H: v = (unsigned short)va_arg(ap, unsigned); break;
            case LEN_L: v = va_arg(ap, unsigned long); break;
            case LEN_LL: v = va_arg(ap, unsigned long long); break;
            case LEN_Z: v = va_arg(ap, size_t); break;
            case LEN_J: v = va_arg(ap, uintmax_t); break;
            case LEN_T: v = (size_t)va_arg(ap, ptrdiff_t); break;
            default: v = va_arg(ap, unsigned); break;
            }
            emit_num(s, &sp, v, false, conv);
            break;
        }
        case 'p': {
            void *p = va_arg(ap, void *);
            if (!p) {
                emit_str(s, &sp, "(nil)", 5);
            } else {
                struct spec ps = sp;
                ps.alt = false;
                emit_num(s, &ps, (uintptr_t)p, false, 'p');
            }
            break;
        }
        case 'c': {
            char c = (char)(unsigned char)va_arg(ap, int);
            emit_str(s, &sp, &c, 1);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            if (sp.prec >= 0) {
                while (n < (size_t)sp.prec && str[n])
                    n++;
            } else {
                n = strlen(str);
            }
            emit_str(s, &sp, str, n);
            break;
        }
        case '%':
            sink_put(s, "%", 1);
            break;
        default:
            /* Unknown or truncated conversion: copy it as it stands. */
            sink_put(s, start, (size_t)(f - start));
            break;
        }
    }
}

static int result(size_t total)
{
    return total > 0x7fffffff ? -1 : (int)total;
}

int vs_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { .buf = buf, .size = size };
    format(&s, fmt, ap);
    if (size)
        buf[s.pos] = '\0';
    return result(s.total);
}

int vs_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vs_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return r;
}

int fmt_vprintf(const struct fmt_out *o, const char *fmt, va_list ap)
{
    struct sink s = { .o = o };
    format(&s, fmt, ap);
    sink_flush(&s);
    return result(s.total);
}

int fmt_printf(const struct fmt_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = fmt_vprintf(o, fmt, ap);
    va_end(ap);
    return r;
}
