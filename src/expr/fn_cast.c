/*
 * fn_cast.c - CAST between the engine's types, and the text forms casts use:
 * numbers and booleans parsed as Flink parses them (surrounding whitespace
 * ignored, "12.7" -> 12 for BIGINT), DOUBLE printed as Java's
 * Double.toString does, with the shortest digits that read back to the same
 * value (found by trying 1..17 significant digits: exact, not fast).
 *
 * A cast that fails on a value (CAST('x' AS BIGINT)) gives NULL; a cast
 * that can never succeed (BOOLEAN to TIMESTAMP) is refused when the tree is
 * built (slexpr_cast_check). Called by the evaluator (eval.c) and expr.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr/expr_int.h"

sl_err slexpr_cast_check(sl_type from, sl_type to) {
    if (from == to || from == SL_NULLTYPE) {
        return to == SL_NULLTYPE ? slerr_set(SL_ERR_TYPE, "cannot cast to NULL") : SL_OK;
    }
    const char *f = slexpr_type_name(from), *t = slexpr_type_name(to);
    if (to == SL_INTERVAL || to == SL_NULLTYPE || from == SL_INTERVAL) {
        return slerr_set(SL_ERR_TYPE, "cannot cast %s to %s", f, t);
    }
    if (to == SL_TIMESTAMP) {
        if (from == SL_STRING) {
            return SL_OK;
        }
        if (from == SL_BIGINT || from == SL_DOUBLE) {
            return slerr_set(SL_ERR_TYPE,
                             "cannot cast %s to TIMESTAMP (use TO_TIMESTAMP_LTZ(value, 0|3|6) for "
                             "epoch seconds, milliseconds or microseconds)",
                             f);
        }
        return slerr_set(SL_ERR_TYPE, "cannot cast %s to TIMESTAMP", f);
    }
    if (from == SL_TIMESTAMP && to != SL_STRING && to != SL_BIGINT) {
        return slerr_set(SL_ERR_TYPE, "cannot cast TIMESTAMP to %s", t);
    }
    return SL_OK;
}

/* ---- text ---- */

static void trim_ws(const char **s, size_t *n) {
    const char *p = *s;
    size_t len = *n;
    while (len && (unsigned char)p[0] <= ' ') {
        p++;
        len--;
    }
    while (len && (unsigned char)p[len - 1] <= ' ') {
        len--;
    }
    *s = p;
    *n = len;
}

bool slexpr_parse_bigint(const char *s, size_t n, int64_t *out) {
    trim_ws(&s, &n);
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    size_t digits = 0;
    for (; i < n && s[i] != '.'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (limit - d) / 10) {
            return false;
        }
        v = v * 10 + d;
        digits++;
    }
    if (i < n) { /* a fraction: digits only, truncated */
        for (i++; i < n; i++) {
            if ((unsigned)(s[i] - '0') > 9) {
                return false;
            }
            digits++;
        }
    }
    if (!digits) {
        return false;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool slexpr_parse_double(const char *s, size_t n, double *out) {
    trim_ws(&s, &n);
    static const struct {
        const char *text;
        double v;
    } named[] = {
        {"NaN", NAN}, {"Infinity", INFINITY}, {"+Infinity", INFINITY}, {"-Infinity", -INFINITY}};
    for (size_t i = 0; i < SL_ARRAY_LEN(named); i++) {
        if (n == strlen(named[i].text) && memcmp(s, named[i].text, n) == 0) {
            *out = named[i].v;
            return true;
        }
    }
    return slparse_f64(s, n, out);
}

bool slexpr_parse_bool(const char *s, size_t n, bool *out) {
    trim_ws(&s, &n);
    static const char *yes[] = {"t", "true", "y", "yes", "1"};
    static const char *no[] = {"f", "false", "n", "no", "0"};
    for (size_t i = 0; i < SL_ARRAY_LEN(yes); i++) {
        if (slstr_ieq(yes[i], s, n)) {
            *out = true;
            return true;
        }
        if (slstr_ieq(no[i], s, n)) {
            *out = false;
            return true;
        }
    }
    return false;
}

size_t slexpr_fmt_double(double d, char *buf) {
    if (isnan(d)) {
        memcpy(buf, "NaN", 4);
        return 3;
    }
    if (isinf(d)) {
        const char *s = d > 0 ? "Infinity" : "-Infinity";
        size_t n = strlen(s);
        memcpy(buf, s, n + 1);
        return n;
    }
    if (d == 0) {
        const char *s = signbit(d) ? "-0.0" : "0.0";
        size_t n = strlen(s);
        memcpy(buf, s, n + 1);
        return n;
    }
    char tmp[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        if (strtod(tmp, NULL) == d) {
            break;
        }
    }
    /* tmp is [-]D[.DDD]e(+|-)XX: collect the digits and the exponent. */
    char digits[24];
    int nd = 0;
    const char *p = tmp;
    bool neg = *p == '-';
    p += neg;
    for (; *p && *p != 'e'; p++) {
        if (*p != '.' && nd < 20) {
            digits[nd++] = *p;
        }
    }
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') {
        nd--;
    }
    char *o = buf;
    if (neg) {
        *o++ = '-';
    }
    double ad = fabs(d);
    if (ad >= 1e-3 && ad < 1e7) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++) {
                *o++ = i < nd ? digits[i] : '0';
            }
            *o++ = '.';
            if (nd > exp + 1) {
                for (int i = exp + 1; i < nd; i++) {
                    *o++ = digits[i];
                }
            } else {
                *o++ = '0';
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -exp - 1; i++) {
                *o++ = '0';
            }
            for (int i = 0; i < nd; i++) {
                *o++ = digits[i];
            }
        }
    } else {
        *o++ = digits[0];
        *o++ = '.';
        if (nd > 1) {
            for (int i = 1; i < nd; i++) {
                *o++ = digits[i];
            }
        } else {
            *o++ = '0';
        }
        o += sprintf(o, "E%d", exp);
    }
    *o = '\0';
    return (size_t)(o - buf);
}

/* Java's (long) of a double: NaN -> 0, saturating at the ends. */
static inline int64_t d2l(double d) {
    if (d != d) {
        return 0;
    }
    if (d >= 9223372036854775807.0) {
        return INT64_MAX;
    }
    if (d <= -9223372036854775808.0) {
        return INT64_MIN;
    }
    return (int64_t)d;
}

static inline int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- the kernel ---- */

static void to_string(slexpr_eval *ev, const slvec *a, uint32_t n, slvec *out) {
    slstr *r = out->v.s;
    uint8_t *nl = out->nulls;
    for (uint32_t i = 0; i < n; i++) {
        if (nl[i]) {
            continue;
        }
        char buf[64];
        size_t len = 0;
        switch (a->type) {
        case SL_BOOLEAN:
            r[i].ptr = a->v.b[i] ? "TRUE" : "FALSE";
            r[i].len = a->v.b[i] ? 4 : 5;
            continue;
        case SL_BIGINT:
            len = slparse_fmt_i64(a->v.i64[i], buf);
            break;
        case SL_DOUBLE:
            len = slexpr_fmt_double(a->v.f64[i], buf);
            break;
        default: /* TIMESTAMP */
            len = sl_format_timestamp(a->v.i64[i], buf, sizeof buf);
            break;
        }
        char *p = slexpr_scratch(ev, len);
        memcpy(p, buf, len);
        r[i].ptr = p;
        r[i].len = (uint32_t)len;
    }
}

static void from_string(const slvec *a, uint32_t n, slvec *out) {
    uint8_t *nl = out->nulls;
    for (uint32_t i = 0; i < n; i++) {
        if (nl[i]) {
            continue;
        }
        const slstr *s = &a->v.s[i];
        bool ok;
        switch (out->type) {
        case SL_BIGINT:
            ok = slexpr_parse_bigint(s->ptr, s->len, &out->v.i64[i]);
            break;
        case SL_DOUBLE:
            ok = slexpr_parse_double(s->ptr, s->len, &out->v.f64[i]);
            break;
        case SL_BOOLEAN: {
            bool b = false;
            ok = slexpr_parse_bool(s->ptr, s->len, &b);
            out->v.b[i] = b;
            break;
        }
        default: { /* TIMESTAMP */
            const char *p = s->ptr;
            size_t len = s->len;
            trim_ws(&p, &len);
            ok = slexpr_parse_ts(p, len, &out->v.i64[i]);
            break;
        }
        }
        if (!ok) {
            nl[i] = 1;
        }
    }
}

void slexpr_k_cast(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(e);
    const slvec *a = &args[0];
    sl_type from = a->type, to = out->type;
    if (from == SL_NULLTYPE) {
        memset(out->nulls, 1, n);
        return;
    }
    if (to == SL_STRING) {
        to_string(ev, a, n, out);
        return;
    }
    if (from == SL_STRING) {
        from_string(a, n, out);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        switch (to) {
        case SL_DOUBLE:
            out->v.f64[i] = from == SL_BOOLEAN ? (double)(a->v.b[i] != 0) : (double)a->v.i64[i];
            break;
        case SL_BOOLEAN:
            out->v.b[i] = from == SL_DOUBLE ? a->v.f64[i] != 0 : a->v.i64[i] != 0;
            break;
        default: /* BIGINT */
            if (from == SL_DOUBLE) {
                out->v.i64[i] = d2l(a->v.f64[i]);
            } else if (from == SL_BOOLEAN) {
                out->v.i64[i] = a->v.b[i] != 0;
            } else { /* TIMESTAMP: epoch seconds */
                out->v.i64[i] = floor_div(a->v.i64[i], SL_SECOND);
            }
            break;
        }
    }
}
