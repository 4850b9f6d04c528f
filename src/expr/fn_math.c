/*
 * fn_math.c - numeric functions: ABS CEIL/CEILING FLOOR ROUND TRUNCATE POWER
 * SQRT EXP LN LOG10 LOG2 LOG SIGN PI (MOD is the '%' operator, eval.c).
 *
 * ROUND and TRUNCATE of a DOUBLE work on its shortest decimal form, as
 * Flink's BigDecimal.valueOf(x).setScale(d, HALF_UP / DOWN) does: ROUND(2.675,
 * 2) is 2.68 (the binary value is a little below, the decimal one is not).
 * Halves round away from zero. Domain errors follow Java's Math: SQRT(-1) and
 * LN(-1) are NaN, LN(0) is -Infinity. ROUND/TRUNCATE/CEIL/FLOOR/ABS/SIGN of a
 * BIGINT are BIGINT (ABS of the smallest BIGINT wraps, as Math.abs).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr/expr_int.h"

#define ARG_D(k) (args[k].v.f64[IX(&args[k], i)])
#define ARG_I(k) (args[k].v.i64[IX(&args[k], i)])

/* x rounded (or truncated) to d decimal places of its shortest decimal form. */
static double round_decimal(double x, int64_t d, bool trunc) {
    if (!isfinite(x) || x == 0) {
        return x;
    }
    if (d > 350) {
        return x;
    }
    if (d < -350) { /* beyond any double's digits */
        return x < 0 ? -0.0 : 0.0;
    }
    char tmp[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (strtod(tmp, NULL) == x) {
            break;
        }
    }
    char dig[24];
    int nd = 0;
    const char *q = tmp + (tmp[0] == '-');
    for (; *q && *q != 'e'; q++) {
        if (*q != '.' && nd < 20) {
            dig[nd++] = *q;
        }
    }
    int64_t exp = atoi(q + 1);
    /* Digit k has place value 10^(exp - k): keep those at or above 10^-d. */
    int64_t keep = exp + d + 1;
    if (keep >= nd) {
        return x;
    }
    bool neg = x < 0;
    if (keep < 0) {
        return neg ? -0.0 : 0.0;
    }
    bool up = !trunc && dig[keep] >= '5';
    /* K = the kept digits (+1 when rounding up), result K * 10^-d. */
    char num[48];
    int len = 0;
    num[len++] = '0'; /* room for a carry */
    for (int64_t k = 0; k < keep; k++) {
        num[len++] = dig[k];
    }
    if (up) {
        int k = len - 1;
        while (num[k] == '9') {
            num[k--] = '0';
        }
        num[k]++;
    }
    snprintf(num + len, sizeof num - (size_t)len, "e%lld", (long long)-d);
    double r = strtod(num, NULL);
    return neg ? -r : r;
}

static int64_t round_bigint(int64_t x, int64_t d, bool trunc) {
    if (d >= 0) {
        return x;
    }
    if (d <= -19) {
        return 0;
    }
    int64_t p = 1;
    for (int64_t k = 0; k < -d; k++) {
        p *= 10;
    }
    int64_t q = x / p, r = x % p;
    if (!trunc && (r < 0 ? -r : r) * 2 >= p) {
        q += x < 0 ? -1 : 1;
    }
    return (int64_t)((uint64_t)q * (uint64_t)p);
}

static void k_math(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    slx_op op = e->fn->op;
    bool dbl = out->type == SL_DOUBLE;
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        if (!dbl) { /* BIGINT in, BIGINT out */
            int64_t x = e->n_args ? ARG_I(0) : 0;
            int64_t r;
            switch (op) {
            case SLX_ABS:
                r = x < 0 ? (int64_t)(0 - (uint64_t)x) : x;
                break;
            case SLX_SIGN:
                r = (x > 0) - (x < 0);
                break;
            case SLX_ROUND:
            case SLX_TRUNCATE:
                r = round_bigint(x, e->n_args > 1 ? ARG_I(1) : 0, op == SLX_TRUNCATE);
                break;
            default: /* CEIL, FLOOR */
                r = x;
                break;
            }
            out->v.i64[i] = r;
            continue;
        }
        double x = e->n_args ? ARG_D(0) : 0, r;
        switch (op) {
        case SLX_ABS:
            r = fabs(x);
            break;
        case SLX_CEIL:
            r = ceil(x);
            break;
        case SLX_FLOOR:
            r = floor(x);
            break;
        case SLX_ROUND:
        case SLX_TRUNCATE:
            r = round_decimal(x, e->n_args > 1 ? ARG_I(1) : 0, op == SLX_TRUNCATE);
            break;
        case SLX_POWER:
            r = pow(x, ARG_D(1));
            break;
        case SLX_SQRT:
            r = sqrt(x);
            break;
        case SLX_EXP:
            r = exp(x);
            break;
        case SLX_LN:
            r = log(x);
            break;
        case SLX_LOG10:
            r = log10(x);
            break;
        case SLX_LOG2:
            r = log2(x);
            break;
        case SLX_LOG: /* LOG(x) is ln x; LOG(base, x) as Flink */
            r = e->n_args == 1 ? log(x) : log(ARG_D(1)) / log(x);
            break;
        case SLX_SIGN:
            r = x > 0 ? 1.0 : x < 0 ? -1.0 : x;
            break;
        default: /* PI */
            r = M_PI;
            break;
        }
        out->v.f64[i] = r;
    }
}

/* clang-format off */
const slexpr_fn slexpr_fns_math[] = {
    {"ABS", SLX_ABS, 1, 1, 0, NULL, k_math, "N", 0},
    {"CEIL", SLX_CEIL, 1, 1, 0, NULL, k_math, "N", 0},
    {"CEILING", SLX_CEIL, 1, 1, 0, NULL, k_math, "N", 0},
    {"FLOOR", SLX_FLOOR, 1, 1, 0, NULL, k_math, "N", 0},
    {"ROUND", SLX_ROUND, 1, 2, 0, NULL, k_math, "NI", 0},
    {"TRUNCATE", SLX_TRUNCATE, 1, 2, 0, NULL, k_math, "NI", 0},
    {"POWER", SLX_POWER, 2, 2, 0, NULL, k_math, "D", SL_DOUBLE},
    {"SQRT", SLX_SQRT, 1, 1, 0, NULL, k_math, "D", SL_DOUBLE},
    {"EXP", SLX_EXP, 1, 1, 0, NULL, k_math, "D", SL_DOUBLE},
    {"LN", SLX_LN, 1, 1, 0, NULL, k_math, "D", SL_DOUBLE},
    {"LOG10", SLX_LOG10, 1, 1, 0, NULL, k_math, "D", SL_DOUBLE},
    {"LOG2", SLX_LOG2, 1, 1, 0, NULL, k_math, "D", SL_DOUBLE},
    {"LOG", SLX_LOG, 1, 2, 0, NULL, k_math, "D", SL_DOUBLE},
    {"SIGN", SLX_SIGN, 1, 1, 0, NULL, k_math, "N", 0},
    {"PI", SLX_PI, 0, 0, 0, NULL, k_math, "D", SL_DOUBLE},
};
/* clang-format on */
const int slexpr_n_fns_math = (int)SL_ARRAY_LEN(slexpr_fns_math);
