/*
 * parse.c - parsing of numbers, durations and timestamps shared by the formats,
 * the options and (later) SQL literals. Timestamps are UTC microseconds.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base.h"

static inline char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

bool slstr_ieq(const char *a, const char *b, size_t blen) {
    size_t i = 0;
    for (; i < blen; i++) {
        if (a[i] == '\0' || lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return a[i] == '\0';
}

bool slstr_ieq0(const char *a, const char *b) {
    return slstr_ieq(a, b, strlen(b));
}

bool slparse_i64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (n == 0) {
        return false;
    }
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
        if (n == 1) {
            return false;
        }
    }
    uint64_t v = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) {
            return false;
        }
        if (v > (limit - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool slparse_f64(const char *s, size_t n, double *out) {
    char tmp[64];
    if (n == 0 || n >= sizeof tmp) {
        return false;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    /* strtod accepts "inf"/"nan"/hex; numbers in data are decimal only. */
    for (size_t i = 0; i < n; i++) {
        char c = tmp[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' ||
              c == '+')) {
            return false;
        }
    }
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + n || errno == ERANGE) {
        return false;
    }
    *out = v;
    return true;
}

/* Howard Hinnant's civil-calendar algorithms (public domain formulas). */
int64_t sltime_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sltime_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static bool digits(const char *s, size_t n, size_t at, size_t count, unsigned *out) {
    if (at + count > n) {
        return false;
    }
    unsigned v = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned dgt = (unsigned)(s[at + i] - '0');
        if (dgt > 9) {
            return false;
        }
        v = v * 10 + dgt;
    }
    *out = v;
    return true;
}

static bool leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

sl_err sl_parse_timestamp(const char *s, size_t n, int64_t *out_us) {
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac_us = 0;
    size_t i = 0;
    if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || !digits(s, n, 5, 2, &mo) ||
        s[7] != '-' || !digits(s, n, 8, 2, &d)) {
        goto bad;
    }
    i = 10;
    if (i < n && (s[i] == ' ' || s[i] == 'T')) {
        i++;
        if (!digits(s, n, i, 2, &h) || i + 2 >= n || s[i + 2] != ':' ||
            !digits(s, n, i + 3, 2, &mi)) {
            goto bad;
        }
        i += 5;
        if (i < n && s[i] == ':') {
            if (!digits(s, n, i + 1, 2, &sec)) {
                goto bad;
            }
            i += 3;
            if (i < n && s[i] == '.') {
                i++;
                size_t nd = 0;
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    if (nd < 6) {
                        frac_us = frac_us * 10 + (s[i] - '0');
                    }
                    nd++;
                    i++;
                }
                if (nd == 0) {
                    goto bad;
                }
                for (size_t k = nd; k < 6; k++) {
                    frac_us *= 10;
                }
            }
        }
        if (i < n && s[i] == 'Z') {
            i++;
        }
    }
    if (i != n) {
        goto bad;
    }
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
        mi > 59 || sec > 59) {
        goto bad;
    }
    int64_t days = sltime_days_from_civil(y, mo, d);
    *out_us = ((days * 24 + h) * 60 + mi) * 60 * SL_SECOND + (int64_t)sec * SL_SECOND + frac_us;
    return SL_OK;
bad:
    return slerr_set(SL_ERR_PARSE, "bad timestamp '%.*s' (expected YYYY-MM-DD HH:MM:SS[.ffffff])",
                     (int)SL_MIN(n, 64), s);
}

size_t slparse_fmt_i64(int64_t v, char *buf) {
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--p = '-';
    }
    size_t n = (size_t)(e - p);
    memcpy(buf, p, n);
    return n;
}

size_t sl_format_timestamp(int64_t ts, char *buf, size_t cap) {
    int64_t days = ts / (86400 * SL_SECOND);
    int64_t rem = ts % (86400 * SL_SECOND);
    if (rem < 0) {
        rem += 86400 * SL_SECOND;
        days--;
    }
    int64_t y;
    unsigned m, d;
    sltime_civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / SL_SECOND;
    int64_t us = rem % SL_SECOND;
    if (y >= 0 && y <= 9999 && cap >= 27) {
        /* The common case without snprintf (sinks format a time per row). */
        unsigned f[6] = {(unsigned)y, m, d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
                         (unsigned)(secs % 60)};
        char *p = buf;
        p[0] = (char)('0' + f[0] / 1000);
        p[1] = (char)('0' + f[0] / 100 % 10);
        p[2] = (char)('0' + f[0] / 10 % 10);
        p[3] = (char)('0' + f[0] % 10);
        p += 4;
        static const char sep[5] = {'-', '-', ' ', ':', ':'};
        for (int k = 1; k < 6; k++) {
            *p++ = sep[k - 1];
            *p++ = (char)('0' + f[k] / 10);
            *p++ = (char)('0' + f[k] % 10);
        }
        int digits = us == 0 ? 0 : us % 1000 == 0 ? 3 : 6;
        if (digits) {
            unsigned frac = (unsigned)(digits == 3 ? us / 1000 : us);
            *p++ = '.';
            for (int k = digits - 1; k >= 0; k--) {
                p[k] = (char)('0' + frac % 10);
                frac /= 10;
            }
            p += digits;
        }
        *p = '\0';
        return (size_t)(p - buf);
    }
    int n;
    if (us == 0) {
        n = snprintf(buf, cap, "%04lld-%02u-%02u %02lld:%02lld:%02lld", (long long)y, m, d,
                     (long long)(secs / 3600), (long long)(secs / 60 % 60),
                     (long long)(secs % 60));
    } else if (us % 1000 == 0) {
        n = snprintf(buf, cap, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%03lld", (long long)y, m,
                     d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
                     (long long)(secs % 60), (long long)(us / 1000));
    } else {
        n = snprintf(buf, cap, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld", (long long)y, m,
                     d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
                     (long long)(secs % 60), (long long)us);
    }
    return n < 0 ? 0 : SL_MIN((size_t)n, cap ? cap - 1 : 0);
}

sl_err sl_parse_duration(const char *text, int64_t *out_us) {
    const char *p = text;
    while (*p == ' ') {
        p++;
    }
    const char *num = p;
    while ((*p >= '0' && *p <= '9') || *p == '.') {
        p++;
    }
    double v;
    if (p == num || !slparse_f64(num, (size_t)(p - num), &v) || v < 0) {
        goto bad;
    }
    while (*p == ' ') {
        p++;
    }
    const char *unit = p;
    size_t ulen = strlen(unit);
    while (ulen && unit[ulen - 1] == ' ') {
        ulen--;
    }
    static const struct {
        const char *name;
        int64_t us;
    } units[] = {
        {"", SL_MILLISECOND}, /* a bare number is milliseconds, as in Flink */
        {"us", 1},        {"micro", 1},          {"micros", 1},
        {"ms", SL_MILLISECOND}, {"milli", SL_MILLISECOND}, {"millis", SL_MILLISECOND},
        {"s", SL_SECOND}, {"sec", SL_SECOND},    {"second", SL_SECOND}, {"seconds", SL_SECOND},
        {"m", SL_MINUTE}, {"min", SL_MINUTE},    {"minute", SL_MINUTE}, {"minutes", SL_MINUTE},
        {"h", SL_HOUR},   {"hour", SL_HOUR},     {"hours", SL_HOUR},
        {"d", 24 * SL_HOUR}, {"day", 24 * SL_HOUR}, {"days", 24 * SL_HOUR},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(units); i++) {
        if (slstr_ieq(units[i].name, unit, ulen)) {
            double us = v * (double)units[i].us;
            if (us > 9.2e18) {
                goto bad;
            }
            *out_us = (int64_t)llround(us);
            return SL_OK;
        }
    }
bad:
    return slerr_set(SL_ERR_PARSE, "bad duration '%s' (expected a number and a unit: ms, s, min, h, d)",
                     text);
}

const char *slduration_format(int64_t us, char *buf, size_t cap) {
    static const struct {
        int64_t unit;
        const char *name;
    } units[] = {{SL_HOUR * 24, "d"}, {SL_HOUR, "h"},        {SL_MINUTE, "min"},
                 {SL_SECOND, "s"},    {SL_MILLISECOND, "ms"}, {1, "us"}};
    for (size_t i = 0; i < SL_ARRAY_LEN(units); i++) {
        if (us != 0 && us % units[i].unit == 0) {
            snprintf(buf, cap, "%lld %s", (long long)(us / units[i].unit), units[i].name);
            return buf;
        }
    }
    snprintf(buf, cap, "%lld us", (long long)us);
    return buf;
}
