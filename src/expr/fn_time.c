/*
 * fn_time.c - date and time functions over UTC microsecond timestamps:
 * TO_TIMESTAMP TO_TIMESTAMP_LTZ UNIX_TIMESTAMP FROM_UNIXTIME DATE_FORMAT,
 * EXTRACT and YEAR QUARTER MONTH WEEK DAYOFYEAR DAYOFMONTH DAYOFWEEK HOUR
 * MINUTE SECOND, FLOOR/CEIL(ts TO unit), TIMESTAMPADD, TIMESTAMPDIFF,
 * CURRENT_TIMESTAMP and friends.
 *
 * Calendar: proleptic Gregorian, UTC (the session time zone is UTC, so
 * TIMESTAMP_LTZ and TIMESTAMP read the same), through the days-from-civil
 * conversions of base (sltime_days_from_civil). Flink's conventions:
 * DAYOFWEEK/DOW is 1 = Sunday .. 7 = Saturday; WEEK is the ISO 8601 week
 * number; FLOOR(ts TO WEEK) starts weeks on Sunday; adding months clamps the
 * day to the end of the month (Jan 31 + 1 month = Feb 28/29);
 * TIMESTAMPDIFF(MONTH, a, b) is the largest m with a + m months <= b (for
 * b >= a; negated the other way round).
 *
 * Formats are Java SimpleDateFormat patterns: y (yy = 20yy), M (MMM Jan,
 * MMMM January), d, H, h, a, m, s, S (fraction digits), D (day of year),
 * E (Mon / Monday), Z (+0000), X (Z), 'quoted text', '' for a quote; other
 * letters are refused. Parsing is strict: the whole text must match.
 * Results out of range (overflowing microseconds) are NULL.
 */
#include <math.h>
#include <stdio.h>

#include "expr/expr_int.h"

#define ARG_S(k) (&args[k].v.s[IX(&args[k], i)])
#define ARG_I(k) (args[k].v.i64[IX(&args[k], i)])
#define ARG_D(k) (args[k].v.f64[IX(&args[k], i)])

#define DAY_US (86400 * SL_SECOND)

static inline int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
static inline int64_t fmod64(int64_t a, int64_t b) {
    int64_t r = a % b;
    return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}

static bool leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m) {
    static const unsigned md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return md[m - 1] + (m == 2 && leap(y));
}

/* A timestamp split into calendar fields. */
typedef struct civil {
    int64_t days; /* since 1970-01-01 */
    int64_t tod;  /* microseconds into the day */
    int64_t y;
    unsigned m, d;
} civil;

static void split(int64_t ts, civil *c) {
    c->days = ts / DAY_US;
    c->tod = ts % DAY_US;
    if (c->tod < 0) {
        c->tod += DAY_US;
        c->days--;
    }
    sltime_civil_from_days(c->days, &c->y, &c->m, &c->d);
}

/* days * DAY_US + tod, false on overflow. */
static bool join(int64_t days, int64_t tod, int64_t *out) {
    int64_t t;
    return !__builtin_mul_overflow(days, DAY_US, &t) && !__builtin_add_overflow(t, tod, out);
}

/* Years the calendar code accepts (beyond them timestamps overflow anyway). */
#define MAX_YEAR 400000

static bool add_months(int64_t ts, int64_t k, int64_t *out) {
    civil c;
    split(ts, &c);
    if (k > 12 * (int64_t)MAX_YEAR || k < -12 * (int64_t)MAX_YEAR) {
        return false;
    }
    int64_t months = c.y * 12 + (c.m - 1) + k;
    int64_t y = floor_div(months, 12);
    unsigned m = (unsigned)(months - y * 12) + 1;
    unsigned d = SL_MIN(c.d, month_days(y, m));
    return join(sltime_days_from_civil(y, m, d), c.tod, out);
}

/* Largest m with add_months(a, m) <= b, for b >= a; negated otherwise. */
static int64_t months_between(int64_t a, int64_t b) {
    if (b < a) {
        return -months_between(b, a);
    }
    civil ca, cb;
    split(a, &ca);
    split(b, &cb);
    int64_t m = (cb.y * 12 + cb.m) - (ca.y * 12 + ca.m);
    int64_t t;
    if (!add_months(a, m, &t) || t > b) {
        m--;
    }
    return m;
}

/* ---- parsing timestamps ---- */

static bool digits(const char *s, size_t n, size_t at, size_t count, unsigned *out) {
    if (at + count > n) {
        return false;
    }
    unsigned v = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned dg = (unsigned)(s[at + i] - '0');
        if (dg > 9) {
            return false;
        }
        v = v * 10 + dg;
    }
    *out = v;
    return true;
}

bool slexpr_parse_ts(const char *s, size_t n, int64_t *out_us) {
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0;
    if (n < 10 || !digits(s, n, 0, 4, &y) || s[4] != '-' || !digits(s, n, 5, 2, &mo) ||
        s[7] != '-' || !digits(s, n, 8, 2, &d)) {
        return false;
    }
    size_t i = 10;
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        i++;
        if (!digits(s, n, i, 2, &h) || i + 2 >= n || s[i + 2] != ':' ||
            !digits(s, n, i + 3, 2, &mi)) {
            return false;
        }
        i += 5;
        if (i < n && s[i] == ':') {
            if (!digits(s, n, i + 1, 2, &sec)) {
                return false;
            }
            i += 3;
            if (i < n && s[i] == '.') {
                size_t nd = 0;
                for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
                    if (nd < 6) {
                        frac = frac * 10 + (s[i] - '0');
                    }
                }
                if (nd == 0) {
                    return false;
                }
                for (; nd < 6; nd++) {
                    frac *= 10;
                }
            }
        }
        if (i < n && s[i] == 'Z') {
            i++;
        }
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 ||
        sec > 59) {
        return false;
    }
    *out_us = sltime_days_from_civil(y, mo, d) * DAY_US + (int64_t)h * SL_HOUR +
              (int64_t)mi * SL_MINUTE + (int64_t)sec * SL_SECOND + frac;
    return true;
}

/* ---- units ---- */

typedef enum tunit {
    U_MICROSECOND,
    U_MILLISECOND,
    U_SECOND,
    U_MINUTE,
    U_HOUR,
    U_DAY,
    U_WEEK,
    U_MONTH,
    U_QUARTER,
    U_YEAR,
    U_DOY,
    U_DOW,
    U_EPOCH,
} tunit;

/* Which functions take a unit. */
#define UF_EXTRACT 1
#define UF_FLOOR 2
#define UF_ADD 4

static const struct {
    const char *name;
    tunit u;
    int fns;
} units[] = {
    {"MICROSECOND", U_MICROSECOND, UF_EXTRACT | UF_ADD},
    {"MILLISECOND", U_MILLISECOND, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"SECOND", U_SECOND, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"MINUTE", U_MINUTE, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"HOUR", U_HOUR, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"DAY", U_DAY, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"WEEK", U_WEEK, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"MONTH", U_MONTH, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"QUARTER", U_QUARTER, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"YEAR", U_YEAR, UF_EXTRACT | UF_FLOOR | UF_ADD},
    {"DOY", U_DOY, UF_EXTRACT},
    {"DOW", U_DOW, UF_EXTRACT},
    {"EPOCH", U_EPOCH, UF_EXTRACT},
};

static const int64_t unit_us[] = {
    [U_MICROSECOND] = 1,    [U_MILLISECOND] = SL_MILLISECOND,
    [U_SECOND] = SL_SECOND, [U_MINUTE] = SL_MINUTE,
    [U_HOUR] = SL_HOUR,     [U_DAY] = DAY_US,
    [U_WEEK] = 7 * DAY_US,
};

/* The unit named by constant argument a of e, allowed for `fns`. */
static sl_err want_unit(slexpr *e, int a, int fns) {
    char name[32];
    sl_err err = slexpr_want_const_str(e, a, name, sizeof name);
    if (err) {
        return err;
    }
    const char *nm = name;
    if (fns == UF_ADD && strncmp(nm, "SQL_TSI_", 8) == 0) {
        nm += 8;
    }
    for (size_t i = 0; i < SL_ARRAY_LEN(units); i++) {
        if (slstr_ieq(units[i].name, nm, strlen(nm))) {
            if (!(units[i].fns & fns)) {
                return slerr_set(SL_ERR_ARG, "%s does not support unit %s", e->fn->name,
                                 units[i].name);
            }
            e->imm = units[i].u;
            return SL_OK;
        }
    }
    return slerr_set(SL_ERR_ARG, "%s: unknown time unit '%s'", e->fn->name, name);
}

/* ---- EXTRACT ---- */

static int64_t extract(tunit u, int64_t ts) {
    civil c;
    split(ts, &c);
    switch (u) {
    case U_YEAR:
        return c.y;
    case U_QUARTER:
        return (c.m - 1) / 3 + 1;
    case U_MONTH:
        return c.m;
    case U_DAY:
        return c.d;
    case U_HOUR:
        return c.tod / SL_HOUR;
    case U_MINUTE:
        return c.tod / SL_MINUTE % 60;
    case U_SECOND:
        return c.tod / SL_SECOND % 60;
    case U_MILLISECOND:
        return c.tod / SL_MILLISECOND % 1000;
    case U_MICROSECOND:
        return c.tod % SL_SECOND;
    case U_DOY:
        return c.days - sltime_days_from_civil(c.y, 1, 1) + 1;
    case U_DOW:
        return fmod64(c.days + 4, 7) + 1; /* 1970-01-01 was a Thursday */
    case U_EPOCH:
        return floor_div(ts, SL_SECOND);
    default: {                                       /* WEEK: ISO 8601, the week of its Thursday */
        int64_t iso_dow = fmod64(c.days + 3, 7) + 1; /* Monday = 1 */
        int64_t thursday = c.days - iso_dow + 4;
        int64_t ty;
        unsigned tm, td;
        sltime_civil_from_days(thursday, &ty, &tm, &td);
        return (thursday - sltime_days_from_civil(ty, 1, 1)) / 7 + 1;
    }
    }
}

static void k_extract(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    int a = e->fn->op == SLX_EXTRACT ? 1 : 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!out->nulls[i]) {
            out->v.i64[i] = extract((tunit)e->imm, ARG_I(a));
        }
    }
}

static sl_err check_extract(slexpr *e) {
    sl_err err = want_unit(e, 0, UF_EXTRACT);
    if (!err) {
        err = slexpr_want(e, 1, SL_TIMESTAMP);
    }
    e->type = SL_BIGINT;
    return err;
}

static sl_err check_datepart(slexpr *e) {
    static const struct {
        const char *fn;
        tunit u;
    } parts[] = {{"YEAR", U_YEAR},     {"QUARTER", U_QUARTER}, {"MONTH", U_MONTH},
                 {"WEEK", U_WEEK},     {"DAYOFYEAR", U_DOY},   {"DAYOFMONTH", U_DAY},
                 {"DAYOFWEEK", U_DOW}, {"HOUR", U_HOUR},       {"MINUTE", U_MINUTE},
                 {"SECOND", U_SECOND}};
    for (size_t i = 0; i < SL_ARRAY_LEN(parts); i++) {
        if (strcmp(parts[i].fn, e->fn->name) == 0) {
            e->imm = parts[i].u;
        }
    }
    e->type = SL_BIGINT;
    return slexpr_want(e, 0, SL_TIMESTAMP);
}

/* ---- FLOOR / CEIL (ts TO unit) ---- */

static bool floor_ts(tunit u, int64_t ts, int64_t *out) {
    civil c;
    switch (u) {
    case U_WEEK:
        split(ts, &c);
        return join(c.days - fmod64(c.days + 4, 7), 0, out); /* back to Sunday */
    case U_MONTH:
    case U_QUARTER:
    case U_YEAR:
        split(ts, &c);
        {
            unsigned m = u == U_MONTH ? c.m : u == U_QUARTER ? (c.m - 1) / 3 * 3 + 1 : 1;
            return join(sltime_days_from_civil(c.y, m, 1), 0, out);
        }
    default: {
        int64_t q = floor_div(ts, unit_us[u]);
        return !__builtin_mul_overflow(q, unit_us[u], out);
    }
    }
}

static bool ceil_ts(tunit u, int64_t ts, int64_t *out) {
    int64_t f;
    if (!floor_ts(u, ts, &f)) {
        return false;
    }
    if (f == ts) {
        *out = ts;
        return true;
    }
    switch (u) {
    case U_MONTH:
        return add_months(f, 1, out);
    case U_QUARTER:
        return add_months(f, 3, out);
    case U_YEAR:
        return add_months(f, 12, out);
    default:
        return !__builtin_add_overflow(f, unit_us[u], out);
    }
}

static void k_floor_ceil(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                         slvec *out) {
    SL_UNUSED(ev);
    bool is_ceil = e->fn->op == SLX_TS_CEIL;
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        int64_t ts = ARG_I(0);
        bool ok = is_ceil ? ceil_ts((tunit)e->imm, ts, &out->v.i64[i])
                          : floor_ts((tunit)e->imm, ts, &out->v.i64[i]);
        out->nulls[i] = !ok;
    }
}

static sl_err check_floor_ceil(slexpr *e) {
    sl_err err = slexpr_want(e, 0, SL_TIMESTAMP);
    if (!err) {
        err = want_unit(e, 1, UF_FLOOR);
    }
    e->type = SL_TIMESTAMP;
    return err;
}

/* ---- TIMESTAMPADD / TIMESTAMPDIFF ---- */

static bool ts_add(tunit u, int64_t k, int64_t ts, int64_t *out) {
    switch (u) {
    case U_MONTH:
        return add_months(ts, k, out);
    case U_QUARTER:
    case U_YEAR: {
        int64_t m;
        return !__builtin_mul_overflow(k, u == U_QUARTER ? 3 : 12, &m) && add_months(ts, m, out);
    }
    default: {
        int64_t d;
        return !__builtin_mul_overflow(k, unit_us[u], &d) && !__builtin_add_overflow(ts, d, out);
    }
    }
}

static bool ts_diff(tunit u, int64_t a, int64_t b, int64_t *out) {
    switch (u) {
    case U_MONTH:
        *out = months_between(a, b);
        return true;
    case U_QUARTER:
        *out = months_between(a, b) / 3;
        return true;
    case U_YEAR:
        *out = months_between(a, b) / 12;
        return true;
    default: {
        int64_t d;
        if (__builtin_sub_overflow(b, a, &d)) {
            return false;
        }
        *out = d / unit_us[u];
        return true;
    }
    }
}

static void k_ts_add_diff(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                          slvec *out) {
    SL_UNUSED(ev);
    bool add = e->fn->op == SLX_TIMESTAMPADD;
    tunit u = (tunit)e->imm;
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        bool ok = add ? ts_add(u, ARG_I(1), ARG_I(2), &out->v.i64[i])
                      : ts_diff(u, ARG_I(1), ARG_I(2), &out->v.i64[i]);
        out->nulls[i] = !ok;
    }
}

static sl_err check_ts_add(slexpr *e) {
    sl_err err = want_unit(e, 0, UF_ADD);
    if (!err) {
        err = slexpr_want(e, 1, SL_BIGINT);
    }
    if (!err) {
        err = slexpr_want(e, 2, SL_TIMESTAMP);
    }
    e->type = SL_TIMESTAMP;
    return err;
}

static sl_err check_ts_diff(slexpr *e) {
    sl_err err = want_unit(e, 0, UF_ADD);
    if (!err) {
        err = slexpr_want(e, 1, SL_TIMESTAMP);
    }
    if (!err) {
        err = slexpr_want(e, 2, SL_TIMESTAMP);
    }
    e->type = SL_BIGINT;
    return err;
}

/* ---- formats ---- */

#define TFMT_MAX_TOKENS 64
#define TFMT_MAX_LIT 256

typedef struct tfmt_tok {
    char letter; /* 0: literal text lit[off..off+len) */
    uint8_t count;
    uint16_t off, len;
} tfmt_tok;

typedef struct tfmt {
    int n;
    tfmt_tok tok[TFMT_MAX_TOKENS];
    char lit[TFMT_MAX_LIT];
} tfmt;

static bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool add_lit(tfmt *f, uint16_t *used, const char *p, size_t len) {
    if (*used + len > TFMT_MAX_LIT) {
        return false;
    }
    if (f->n && f->tok[f->n - 1].letter == 0 &&
        f->tok[f->n - 1].off + f->tok[f->n - 1].len == *used) {
        f->tok[f->n - 1].len = (uint16_t)(f->tok[f->n - 1].len + len);
    } else {
        if (f->n == TFMT_MAX_TOKENS) {
            return false;
        }
        f->tok[f->n++] = (tfmt_tok){0, 0, *used, (uint16_t)len};
    }
    memcpy(f->lit + *used, p, len);
    *used = (uint16_t)(*used + len);
    return true;
}

/* Compile a SimpleDateFormat pattern; false (with the offending letter in
 * *bad, 0 for other problems) when it uses something not supported. */
static bool tfmt_compile(const char *p, size_t n, tfmt *f, char *bad) {
    f->n = 0;
    uint16_t used = 0;
    *bad = 0;
    for (size_t i = 0; i < n;) {
        char c = p[i];
        if (c == '\'') {
            if (i + 1 < n && p[i + 1] == '\'') {
                if (!add_lit(f, &used, "'", 1)) {
                    return false;
                }
                i += 2;
                continue;
            }
            size_t j = i + 1;
            for (;;) {
                if (j >= n) {
                    return false; /* unterminated quote */
                }
                if (p[j] == '\'') {
                    if (j + 1 < n && p[j + 1] == '\'') {
                        if (!add_lit(f, &used, "'", 1)) {
                            return false;
                        }
                        j += 2;
                        continue;
                    }
                    break;
                }
                if (!add_lit(f, &used, p + j, 1)) {
                    return false;
                }
                j++;
            }
            i = j + 1;
            continue;
        }
        if (!is_letter(c)) {
            if (!add_lit(f, &used, p + i, 1)) {
                return false;
            }
            i++;
            continue;
        }
        if (!strchr("yMdHhmsSaEDZX", c)) {
            *bad = c;
            return false;
        }
        size_t j = i;
        while (j < n && p[j] == c) {
            j++;
        }
        if (f->n == TFMT_MAX_TOKENS) {
            return false;
        }
        f->tok[f->n++] = (tfmt_tok){c, (uint8_t)SL_MIN(j - i, 255), 0, 0};
        i = j;
    }
    return true;
}

static const char *month_names[] = {"January",   "February", "March",    "April",
                                    "May",       "June",     "July",     "August",
                                    "September", "October",  "November", "December"};
static const char *day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                  "Thursday", "Friday", "Saturday"};

/* v in decimal, zero-padded to `width` digits (as "%0*lld", without the
 * printf call: DATE_FORMAT runs it per field per row; it was most of the
 * cost of Nexmark q10). */
static void put_num(slbuf *b, int64_t v, int width) {
    if (v < 0) {
        slbuf_putc(b, '-');
        v = v == INT64_MIN ? INT64_MAX : -v;
    }
    char d[24];
    int at = (int)sizeof d;
    uint64_t u = (uint64_t)v;
    do {
        d[--at] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (int k = (int)sizeof d - at; k < width; k++) {
        slbuf_putc(b, '0');
    }
    slbuf_put(b, d + at, sizeof d - (size_t)at);
}

static void tfmt_format(const tfmt *f, int64_t ts, slbuf *b) {
    civil c;
    split(ts, &c);
    int64_t hour = c.tod / SL_HOUR;
    for (int k = 0; k < f->n; k++) {
        const tfmt_tok *t = &f->tok[k];
        int w = t->count;
        switch (t->letter) {
        case 0:
            slbuf_put(b, f->lit + t->off, t->len);
            break;
        case 'y':
            put_num(b, w == 2 ? fmod64(c.y, 100) : c.y, w == 2 ? 2 : w);
            break;
        case 'M':
            if (w >= 4) {
                slbuf_puts(b, month_names[c.m - 1]);
            } else if (w == 3) {
                slbuf_put(b, month_names[c.m - 1], 3);
            } else {
                put_num(b, c.m, w);
            }
            break;
        case 'd':
            put_num(b, c.d, w);
            break;
        case 'H':
            put_num(b, hour, w);
            break;
        case 'h':
            put_num(b, hour % 12 == 0 ? 12 : hour % 12, w);
            break;
        case 'm':
            put_num(b, c.tod / SL_MINUTE % 60, w);
            break;
        case 's':
            put_num(b, c.tod / SL_SECOND % 60, w);
            break;
        case 'S': {
            char us[8];
            snprintf(us, sizeof us, "%06lld", (long long)(c.tod % SL_SECOND));
            for (int q = 0; q < w; q++) {
                slbuf_putc(b, q < 6 ? us[q] : '0');
            }
            break;
        }
        case 'a':
            slbuf_puts(b, hour < 12 ? "AM" : "PM");
            break;
        case 'E': {
            const char *dn = day_names[fmod64(c.days + 4, 7)];
            slbuf_put(b, dn, w >= 4 ? strlen(dn) : 3);
            break;
        }
        case 'D':
            put_num(b, c.days - sltime_days_from_civil(c.y, 1, 1) + 1, w);
            break;
        case 'Z':
            slbuf_puts(b, "+0000");
            break;
        default: /* X */
            slbuf_putc(b, 'Z');
            break;
        }
    }
}

static bool is_numeric_tok(const tfmt_tok *t) {
    return t->letter && strchr("yMdHhmsSD", t->letter) && !(t->letter == 'M' && t->count >= 3);
}

static bool ieq_n(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        x = (x >= 'A' && x <= 'Z') ? (char)(x + 32) : x;
        y = (y >= 'A' && y <= 'Z') ? (char)(y + 32) : y;
        if (x != y) {
            return false;
        }
    }
    return true;
}

/* Match a name (case-insensitive) from names[0..n) in full or by its first
 * three letters; its index, or -1. */
static int match_name(const char *s, size_t len, size_t *pos, const char **names, int n) {
    for (int full = 1; full >= 0; full--) {
        for (int k = 0; k < n; k++) {
            size_t l = full ? strlen(names[k]) : 3;
            if (*pos + l <= len && ieq_n(s + *pos, names[k], l)) {
                *pos += l;
                return k;
            }
        }
    }
    return -1;
}

static bool tfmt_parse(const tfmt *f, const char *s, size_t n, int64_t *out) {
    int64_t y = 1970, mo = 1, d = 1, h = 0, h12 = -1, mi = 0, sec = 0, us = 0, doy = -1;
    int pm = -1;
    int64_t zone = 0;
    size_t pos = 0;
    for (int k = 0; k < f->n; k++) {
        const tfmt_tok *t = &f->tok[k];
        if (t->letter == 0) {
            if (pos + t->len > n || memcmp(s + pos, f->lit + t->off, t->len) != 0) {
                return false;
            }
            pos += t->len;
            continue;
        }
        if (is_numeric_tok(t)) {
            bool adjacent = k + 1 < f->n && is_numeric_tok(&f->tok[k + 1]);
            size_t min = 1, max;
            if (t->letter == 'y' && t->count == 2) {
                min = max = 2;
            } else if (adjacent) {
                min = max = t->count;
            } else {
                max = (t->letter == 'y' || t->letter == 'S') ? 9
                      : t->letter == 'D'                       ? 3
                                                               : SL_MAX(t->count, 2);
            }
            size_t nd = 0;
            int64_t v = 0;
            while (nd < max && pos + nd < n && s[pos + nd] >= '0' && s[pos + nd] <= '9') {
                v = v * 10 + (s[pos + nd] - '0');
                nd++;
            }
            if (nd < min) {
                return false;
            }
            pos += nd;
            switch (t->letter) {
            case 'y':
                y = t->count == 2 ? 2000 + v : v;
                break;
            case 'M':
                mo = v;
                break;
            case 'd':
                d = v;
                break;
            case 'H':
                h = v;
                break;
            case 'h':
                h12 = v;
                break;
            case 'm':
                mi = v;
                break;
            case 's':
                sec = v;
                break;
            case 'D':
                doy = v;
                break;
            default: /* S: fraction digits */
                for (size_t q = nd; q < 6; q++) {
                    v *= 10;
                }
                for (size_t q = 6; q < nd; q++) {
                    v /= 10;
                }
                us = v;
                break;
            }
            continue;
        }
        switch (t->letter) {
        case 'M': {
            int m = match_name(s, n, &pos, month_names, 12);
            if (m < 0) {
                return false;
            }
            mo = m + 1;
            break;
        }
        case 'E':
            if (match_name(s, n, &pos, day_names, 7) < 0) {
                return false;
            }
            break;
        case 'a':
            if (pos + 2 > n) {
                return false;
            }
            if (slstr_ieq("AM", s + pos, 2)) {
                pm = 0;
            } else if (slstr_ieq("PM", s + pos, 2)) {
                pm = 1;
            } else {
                return false;
            }
            pos += 2;
            break;
        default: /* Z, X: 'Z' or +hh[:]mm */
            if (pos < n && s[pos] == 'Z') {
                pos++;
                break;
            }
            if (pos < n && (s[pos] == '+' || s[pos] == '-')) {
                int sign = s[pos] == '-' ? -1 : 1;
                unsigned hh, mm;
                pos++;
                if (!digits(s, n, pos, 2, &hh)) {
                    return false;
                }
                pos += 2;
                if (pos < n && s[pos] == ':') {
                    pos++;
                }
                if (!digits(s, n, pos, 2, &mm)) {
                    return false;
                }
                pos += 2;
                zone = sign * ((int64_t)hh * SL_HOUR + (int64_t)mm * SL_MINUTE);
                break;
            }
            return false;
        }
    }
    if (pos != n) {
        return false;
    }
    if (h12 >= 0) {
        if (h12 < 1 || h12 > 12) {
            return false;
        }
        h = h12 % 12 + (pm == 1 ? 12 : 0);
    } else if (pm == 1 && h < 12) {
        h += 12;
    }
    if (y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > month_days(y, (unsigned)mo) || h > 23 ||
        mi > 59 || sec > 59) {
        return false;
    }
    int64_t days = sltime_days_from_civil(y, (unsigned)mo, (unsigned)d);
    if (doy >= 0) {
        if (doy < 1 || doy > 365 + leap(y)) {
            return false;
        }
        days = sltime_days_from_civil(y, 1, 1) + doy - 1;
    }
    return join(days, h * SL_HOUR + mi * SL_MINUTE + sec * SL_SECOND + us - zone, out);
}

static void tfmt_free(void *p) {
    slmem_free(p);
}

/* Compile constant format argument a into e->aux. */
static sl_err prepare_format(slexpr *e, int a) {
    slvalue v;
    if (a >= e->n_args || !slexpr_arg_const(e, a, &v) || v.is_null) {
        return SL_OK;
    }
    tfmt *f = slmem_alloc(sizeof *f);
    char bad;
    if (!tfmt_compile(v.v.s.ptr, v.v.s.len, f, &bad)) {
        slmem_free(f);
        if (bad) {
            return slerr_set(SL_ERR_ARG, "%s: unsupported letter '%c' in format '%.*s'",
                             e->fn->name, bad, (int)SL_MIN(v.v.s.len, 64), v.v.s.ptr);
        }
        return slerr_set(SL_ERR_ARG, "%s: bad format '%.*s'", e->fn->name,
                         (int)SL_MIN(v.v.s.len, 64), v.v.s.ptr);
    }
    e->aux = f;
    e->aux_free = tfmt_free;
    return SL_OK;
}

/* The format of row i: the compiled constant, or compiled into *tmp. */
static const tfmt *row_format(const slexpr *e, const slvec *args, int a, uint32_t i, tfmt *tmp) {
    if (e->aux) {
        return e->aux;
    }
    const slstr *s = ARG_S(a);
    char bad;
    return tfmt_compile(s->ptr, s->len, tmp, &bad) ? tmp : NULL;
}

static const tfmt default_format = {
    11,
    {{'y', 4, 0, 0},
     {0, 0, 0, 1},
     {'M', 2, 0, 0},
     {0, 0, 1, 1},
     {'d', 2, 0, 0},
     {0, 0, 2, 1},
     {'H', 2, 0, 0},
     {0, 0, 3, 1},
     {'m', 2, 0, 0},
     {0, 0, 4, 1},
     {'s', 2, 0, 0}},
    "-- ::",
};

/* ---- TO_TIMESTAMP, UNIX_TIMESTAMP, FROM_UNIXTIME, DATE_FORMAT ---- */

/* Parse string argument 0 with the format of argument 1 (or the default
 * grammar); false when it does not parse. */
static bool parse_arg(const slexpr *e, const slvec *args, uint32_t i, int64_t *ts) {
    const slstr *s = ARG_S(0);
    if (e->n_args < 2) {
        return slexpr_parse_ts(s->ptr, s->len, ts);
    }
    tfmt tmp;
    const tfmt *f = row_format(e, args, 1, i, &tmp);
    return f && tfmt_parse(f, s->ptr, s->len, ts);
}

static void k_to_timestamp(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                           slvec *out) {
    bool unix_secs = e->fn->op == SLX_UNIX_TIMESTAMP;
    if (e->n_args == 0) { /* UNIX_TIMESTAMP(): now */
        out->v.i64[0] = floor_div(slexpr_now(ev), SL_SECOND);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        int64_t ts;
        if (!parse_arg(e, args, i, &ts)) {
            out->nulls[i] = 1;
            continue;
        }
        out->v.i64[i] = unix_secs ? floor_div(ts, SL_SECOND) : ts;
    }
}

static void k_format(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    bool from_unix = e->fn->op == SLX_FROM_UNIXTIME;
    slbuf *b = slexpr_tmpbuf(ev);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        int64_t ts;
        bool ok;
        if (from_unix) {
            ok = !__builtin_mul_overflow(ARG_I(0), SL_SECOND, &ts);
        } else if (args[0].type == SL_STRING) {
            const slstr *s = ARG_S(0);
            ok = slexpr_parse_ts(s->ptr, s->len, &ts);
        } else {
            ts = ARG_I(0);
            ok = true;
        }
        tfmt tmp;
        const tfmt *f = e->n_args > 1 ? row_format(e, args, 1, i, &tmp) : &default_format;
        if (!ok || !f) {
            out->nulls[i] = 1;
            continue;
        }
        slbuf_reset(b);
        tfmt_format(f, ts, b);
        char *p = slexpr_scratch(ev, b->len);
        memcpy(p, b->data, b->len);
        out->v.s[i].ptr = p;
        out->v.s[i].len = (uint32_t)b->len;
    }
}

static sl_err check_to_timestamp(slexpr *e) {
    for (int a = 0; a < e->n_args; a++) {
        sl_err err = slexpr_want(e, a, SL_STRING);
        if (err) {
            return err;
        }
    }
    e->type = e->fn->op == SLX_UNIX_TIMESTAMP ? SL_BIGINT : SL_TIMESTAMP;
    return prepare_format(e, 1);
}

static sl_err check_from_unixtime(slexpr *e) {
    sl_err err = slexpr_want(e, 0, SL_BIGINT);
    if (!err && e->n_args > 1) {
        err = slexpr_want(e, 1, SL_STRING);
    }
    e->type = SL_STRING;
    return err ? err : prepare_format(e, 1);
}

static sl_err check_date_format(slexpr *e) {
    sl_type t = e->args[0]->type;
    sl_err err = t == SL_STRING ? SL_OK : slexpr_want(e, 0, SL_TIMESTAMP);
    if (!err) {
        err = slexpr_want(e, 1, SL_STRING);
    }
    e->type = SL_STRING;
    return err ? err : prepare_format(e, 1);
}

/* ---- TO_TIMESTAMP_LTZ, NOW ---- */

static bool ltz_factor(int64_t p, int64_t *f) {
    *f = p == 0 ? SL_SECOND : p == 3 ? SL_MILLISECOND : p == 6 ? 1 : 0;
    return *f != 0;
}

static void k_to_timestamp_ltz(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                               slvec *out) {
    SL_UNUSED(ev);
    SL_UNUSED(e);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        int64_t f;
        bool ok = ltz_factor(ARG_I(1), &f);
        if (ok && args[0].type == SL_DOUBLE) {
            double v = ARG_D(0) * (double)f;
            ok = v > -9.2e18 && v < 9.2e18;
            out->v.i64[i] = ok ? (int64_t)floor(v) : 0;
        } else if (ok) {
            ok = !__builtin_mul_overflow(ARG_I(0), f, &out->v.i64[i]);
        }
        out->nulls[i] = !ok;
    }
}

static sl_err check_to_timestamp_ltz(slexpr *e) {
    sl_err err = slexpr_want_num(e, 0);
    if (!err) {
        err = slexpr_want(e, 1, SL_BIGINT);
    }
    if (err) {
        return err;
    }
    slvalue v;
    int64_t f;
    if (slexpr_arg_const(e, 1, &v) && !v.is_null && !ltz_factor(v.v.i64, &f)) {
        return slerr_set(SL_ERR_ARG,
                         "TO_TIMESTAMP_LTZ precision must be 0, 3 or 6 (seconds, milliseconds, "
                         "microseconds), got %lld",
                         (long long)v.v.i64);
    }
    e->type = SL_TIMESTAMP;
    return SL_OK;
}

static void k_now(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(e);
    SL_UNUSED(args);
    SL_UNUSED(n);
    out->v.i64[0] = slexpr_now(ev);
}

/* clang-format off */
const slexpr_fn slexpr_fns_time[] = {
    {"TO_TIMESTAMP", SLX_TO_TIMESTAMP, 1, 2, 0, check_to_timestamp, k_to_timestamp, NULL, 0},
    {"TO_TIMESTAMP_LTZ", SLX_TO_TIMESTAMP_LTZ, 2, 2, 0, check_to_timestamp_ltz, k_to_timestamp_ltz,
     NULL, 0},
    {"UNIX_TIMESTAMP", SLX_UNIX_TIMESTAMP, 0, 0, SLFN_CLOCK, NULL, k_to_timestamp, "S", SL_BIGINT},
    {"UNIX_TIMESTAMP", SLX_UNIX_TIMESTAMP, 1, 2, 0, check_to_timestamp, k_to_timestamp, NULL, 0},
    {"FROM_UNIXTIME", SLX_FROM_UNIXTIME, 1, 2, 0, check_from_unixtime, k_format, NULL, 0},
    {"DATE_FORMAT", SLX_DATE_FORMAT, 2, 2, 0, check_date_format, k_format, NULL, 0},
    {"EXTRACT", SLX_EXTRACT, 2, 2, 0, check_extract, k_extract, NULL, 0},
    {"YEAR", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"QUARTER", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"MONTH", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"WEEK", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"DAYOFYEAR", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"DAYOFMONTH", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"DAYOFWEEK", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"HOUR", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"MINUTE", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"SECOND", SLX_DATEPART, 1, 1, 0, check_datepart, k_extract, NULL, 0},
    {"FLOOR", SLX_TS_FLOOR, 2, 2, 0, check_floor_ceil, k_floor_ceil, NULL, 0},
    {"CEIL", SLX_TS_CEIL, 2, 2, 0, check_floor_ceil, k_floor_ceil, NULL, 0},
    {"CEILING", SLX_TS_CEIL, 2, 2, 0, check_floor_ceil, k_floor_ceil, NULL, 0},
    {"TIMESTAMPADD", SLX_TIMESTAMPADD, 3, 3, 0, check_ts_add, k_ts_add_diff, NULL, 0},
    {"TIMESTAMPDIFF", SLX_TIMESTAMPDIFF, 3, 3, 0, check_ts_diff, k_ts_add_diff, NULL, 0},
    {"CURRENT_TIMESTAMP", SLX_NOW, 0, 0, SLFN_CLOCK, NULL, k_now, "", SL_TIMESTAMP},
    {"NOW", SLX_NOW, 0, 0, SLFN_CLOCK, NULL, k_now, "", SL_TIMESTAMP},
    {"LOCALTIMESTAMP", SLX_NOW, 0, 0, SLFN_CLOCK, NULL, k_now, "", SL_TIMESTAMP},
    {"PROCTIME", SLX_NOW, 0, 0, SLFN_CLOCK, NULL, k_now, "", SL_TIMESTAMP},
};
/* clang-format on */
const int slexpr_n_fns_time = (int)SL_ARRAY_LEN(slexpr_fns_time);
