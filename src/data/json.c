/*
 * json.c - decoder of one JSON object (one line of a JSON-lines file) into a
 * row of a batch (contract in formats.h).
 *
 * One pass, no recursion, no heap: string values are unescaped straight into
 * the batch's arena (their unescaped length never exceeds the raw length),
 * strings are scanned 8 bytes at a time, unknown values of any depth are
 * validated and skipped with a bit stack. Column names are matched against a
 * hint first (the column after the previous one), so a line whose fields come
 * in schema order costs one memcmp per field.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "data/formats.h"

#define MAX_DEPTH 1024 /* nesting of skipped values */

typedef struct jp {
    const char *s; /* borrowed: the record */
    size_t n, i;
    char *reason; /* borrowed */
    size_t cap;
} jp;

void sljson_dec_init(sljson_dec *d, const sl_schema *schema) {
    d->schema = schema;
    d->name_len = slmem_calloc((size_t)(schema->n ? schema->n : 1), sizeof *d->name_len);
    for (int c = 0; c < schema->n; c++) {
        d->name_len[c] = (uint32_t)strlen(schema->fields[c].name);
    }
    d->hint = 0;
}

void sljson_dec_free(sljson_dec *d) {
    slmem_free(d->name_len);
    d->name_len = NULL;
}

/* ---- errors ---- */

static bool fail_at(jp *j, size_t at, const char *what) {
    snprintf(j->reason, j->cap, "invalid JSON at column %zu: %s", at + 1, what);
    return false;
}

SL_PRINTF(3, 4)
static bool fail_field(jp *j, const char *name, const char *fmt, ...) {
    int k = snprintf(j->reason, j->cap, "field '%s': ", name);
    if (k >= 0 && (size_t)k < j->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->reason + k, j->cap - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- lexing ---- */

static inline void ws(jp *j) {
    while (j->i < j->n) {
        char c = j->s[j->i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            break;
        }
        j->i++;
    }
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero if some byte of w may be '"', '\\' or a control character (false
 * positives are possible after a true one; the byte loop sorts them out). */
static inline uint64_t special8(uint64_t w) {
    uint64_t q = w ^ (ONES * '"');
    uint64_t b = w ^ (ONES * '\\');
    return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w)) & HIGHS;
}

static inline int hexval(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static bool hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p[k]);
        if (h < 0) {
            return false;
        }
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

/* j->i is at an opening quote. Find the closing quote (*end) and validate the
 * escapes' syntax; *esc tells whether there are any. */
static bool scan_string(jp *j, size_t *end, bool *esc) {
    const char *s = j->s;
    size_t n = j->n, i = j->i + 1;
    bool any = false;
    for (;;) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t m = special8(w);
            if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                i += (size_t)__builtin_ctzll(m) >> 3; /* the lowest flag is exact */
#endif
                break;
            }
            i += 8;
        }
        if (i >= n) {
            return fail_at(j, j->i, "unterminated string");
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            *end = i;
            *esc = any;
            return true;
        }
        if (c == '\\') {
            any = true;
            if (i + 1 >= n) {
                return fail_at(j, j->i, "unterminated string");
            }
            char e = s[i + 1];
            unsigned cp;
            if (e == 'u') {
                if (i + 6 > n || !hex4(s + i + 2, &cp)) {
                    return fail_at(j, i, "invalid \\u escape");
                }
                i += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                       e == 'r' || e == 't') {
                i += 2;
            } else {
                return fail_at(j, i, "invalid escape sequence");
            }
            continue;
        }
        if (c < 0x20) {
            return fail_at(j, i, "control character in string");
        }
        i++;
    }
}

static char *put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Unescape the validated string body [from, to) into dst (room for to - from
 * bytes); returns the length written, or -1 after setting the reason. */
static ptrdiff_t unescape(jp *j, size_t from, size_t to, char *dst) {
    const char *s = j->s;
    char *o = dst;
    size_t i = from;
    while (i < to) {
        const char *bs = memchr(s + i, '\\', to - i);
        size_t run = bs ? (size_t)(bs - (s + i)) : to - i;
        memcpy(o, s + i, run);
        o += run;
        i += run;
        if (!bs) {
            break;
        }
        char e = s[i + 1];
        switch (e) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            unsigned cp = 0;
            hex4(s + i + 2, &cp);
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail_at(j, i, "unpaired surrogate in \\u escape");
                return -1;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (i + 12 > to || s[i + 6] != '\\' || s[i + 7] != 'u' || !hex4(s + i + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    fail_at(j, i, "unpaired surrogate in \\u escape");
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            o = put_utf8(o, cp);
            i += 6;
            continue;
        }
        default: /* '"', '\\', '/' */
            *o++ = e;
            break;
        }
        i += 2;
    }
    return o - dst;
}

typedef struct jnum {
    size_t start, end;
    bool is_int;
} jnum;

/* Scan a number at j->i by the JSON grammar. */
static bool scan_number(jp *j, jnum *num) {
    const char *s = j->s;
    size_t n = j->n, i = j->i;
    num->start = i;
    num->is_int = true;
    if (i < n && s[i] == '-') {
        i++;
    }
    if (i >= n || s[i] < '0' || s[i] > '9') {
        return fail_at(j, j->i, "invalid number");
    }
    if (s[i] == '0') {
        i++;
    } else {
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
    }
    if (i < n && s[i] == '.') {
        num->is_int = false;
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == d) {
            return fail_at(j, j->i, "invalid number");
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        num->is_int = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == d) {
            return fail_at(j, j->i, "invalid number");
        }
    }
    num->end = i;
    j->i = i;
    return true;
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The value of a scanned number. Small mantissas with small exponents are
 * exact in one multiplication or division (correctly rounded); the rest go to
 * strtod. Returns false if out of range. */
static bool number_f64(const char *s, const jnum *num, double *out) {
    size_t i = num->start, end = num->end;
    bool neg = s[i] == '-';
    i += neg;
    uint64_t m = 0;
    int digits = 0, exp10 = 0;
    for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
        if (digits < 19) {
            m = m * 10 + (unsigned)(s[i] - '0');
            digits += m != 0;
        } else {
            exp10++;
            digits++;
        }
    }
    if (i < end && s[i] == '.') {
        for (i++; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
            if (digits < 19) {
                m = m * 10 + (unsigned)(s[i] - '0');
                digits += m != 0;
                exp10--;
            } else {
                digits++;
            }
        }
    }
    bool fast = digits <= 19;
    if (i < end) { /* exponent */
        i++;
        bool eneg = s[i] == '-';
        i += s[i] == '-' || s[i] == '+';
        int e = 0;
        for (; i < end; i++) {
            if (e < 100000) {
                e = e * 10 + (s[i] - '0');
            }
        }
        exp10 += eneg ? -e : e;
    }
    if (fast && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)m;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return true;
    }
    char tmp[512];
    size_t len = num->end - num->start;
    if (len >= sizeof tmp) {
        return false;
    }
    memcpy(tmp, s + num->start, len);
    tmp[len] = '\0';
    errno = 0;
    double v = strtod(tmp, NULL);
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)) {
        return false;
    }
    *out = v;
    return true;
}

/* Integer value of a scanned integer literal; false on overflow. */
static bool number_i64(const char *s, const jnum *num, int64_t *out) {
    return slparse_i64(s + num->start, num->end - num->start, out);
}

static bool literal(jp *j, const char *word, size_t len) {
    if (j->n - j->i < len || memcmp(j->s + j->i, word, len) != 0) {
        return fail_at(j, j->i, "invalid literal");
    }
    j->i += len;
    return true;
}

/* What a value starting with c is, for messages. */
static const char *kind_of(char c) {
    switch (c) {
    case '"':
        return "string";
    case '{':
        return "object";
    case '[':
        return "array";
    case 't':
    case 'f':
        return "boolean";
    default:
        return "number";
    }
}

/* ---- skipping ---- */

/* Validate and skip the value at j->i (any depth, no recursion). */
static bool skip_value(jp *j) {
    uint64_t stack[MAX_DEPTH / 64]; /* bit set = object, clear = array */
    int depth = 0;
    enum { VALUE, KEY, AFTER } st = VALUE;
    for (;;) {
        ws(j);
        if (j->i >= j->n) {
            return fail_at(j, j->i, "unexpected end of line");
        }
        char c = j->s[j->i];
        if (st == KEY) {
            size_t end;
            bool esc;
            if (c != '"') {
                return fail_at(j, j->i, "expected a field name");
            }
            if (!scan_string(j, &end, &esc)) {
                return false;
            }
            j->i = end + 1;
            ws(j);
            if (j->i >= j->n || j->s[j->i] != ':') {
                return fail_at(j, j->i, "expected ':'");
            }
            j->i++;
            st = VALUE;
            continue;
        }
        if (st == AFTER) {
            bool obj = (stack[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
            if (c == ',') {
                j->i++;
                st = obj ? KEY : VALUE;
            } else if (c == (obj ? '}' : ']')) {
                j->i++;
                if (--depth == 0) {
                    return true;
                }
            } else {
                return fail_at(j, j->i, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            }
            continue;
        }
        /* st == VALUE */
        if (c == '{' || c == '[') {
            if (depth == MAX_DEPTH) {
                return fail_at(j, j->i, "nesting too deep");
            }
            uint64_t bit = UINT64_C(1) << (depth % 64);
            stack[depth / 64] = c == '{' ? (stack[depth / 64] | bit) : (stack[depth / 64] & ~bit);
            depth++;
            j->i++;
            ws(j);
            if (j->i < j->n && j->s[j->i] == (c == '{' ? '}' : ']')) {
                j->i++;
                if (--depth == 0) {
                    return true;
                }
                st = AFTER;
            } else {
                st = c == '{' ? KEY : VALUE;
            }
            continue;
        }
        if (c == '"') {
            size_t end;
            bool esc;
            if (!scan_string(j, &end, &esc)) {
                return false;
            }
            j->i = end + 1;
        } else if (c == 't') {
            if (!literal(j, "true", 4)) {
                return false;
            }
        } else if (c == 'f') {
            if (!literal(j, "false", 5)) {
                return false;
            }
        } else if (c == 'n') {
            if (!literal(j, "null", 4)) {
                return false;
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            jnum num;
            if (!scan_number(j, &num)) {
                return false;
            }
        } else {
            return fail_at(j, j->i, "expected a value");
        }
        if (depth == 0) {
            return true;
        }
        st = AFTER;
    }
}

/* ---- values of known columns ---- */

static bool set_string(jp *j, slbatch *b, int col, uint32_t row) {
    size_t end;
    bool esc;
    if (!scan_string(j, &end, &esc)) {
        return false;
    }
    size_t from = j->i + 1, len = end - from;
    if (len > UINT32_MAX) {
        return fail_field(j, b->schema->fields[col].name, "string longer than 4 GB");
    }
    slstr *v = &b->cols[col].v.s[row];
    if (len == 0) {
        v->ptr = "";
        v->len = 0;
    } else {
        char *dst = slarena_alloc(&b->arena, len);
        if (esc) {
            ptrdiff_t k = unescape(j, from, end, dst);
            if (k < 0) {
                return false;
            }
            len = (size_t)k;
        } else {
            memcpy(dst, j->s + from, len);
        }
        v->ptr = dst;
        v->len = (uint32_t)len;
    }
    b->cols[col].nulls[row] = 0;
    j->i = end + 1;
    return true;
}

static bool set_timestamp_text(jp *j, slbatch *b, int col, uint32_t row) {
    const char *name = b->schema->fields[col].name;
    size_t end;
    bool esc;
    if (!scan_string(j, &end, &esc)) {
        return false;
    }
    size_t from = j->i + 1, len = end - from;
    const char *text = j->s + from;
    char tmp[64];
    if (esc) {
        if (len > sizeof tmp) {
            return fail_field(j, name, "bad timestamp '%.40s...'", text);
        }
        ptrdiff_t k = unescape(j, from, end, tmp);
        if (k < 0) {
            return false;
        }
        text = tmp;
        len = (size_t)k;
    }
    int64_t ts;
    if (sl_parse_timestamp(text, len, &ts) != SL_OK) {
        return fail_field(j, name, "bad timestamp '%.*s'", (int)SL_MIN(len, 64), text);
    }
    slbatch_set_i64(b, col, row, ts);
    j->i = end + 1;
    return true;
}

/* Decode the value at j->i into column `col` of row `row`. */
static bool set_value(jp *j, slbatch *b, int col, uint32_t row) {
    char c = j->s[j->i];
    const slfield *f = &b->schema->fields[col];
    if (c == 'n') {
        if (!literal(j, "null", 4)) {
            return false;
        }
        slbatch_set_null(b, col, row);
        return true;
    }
    switch (f->type) {
    case SL_STRING:
        if (c == '"') {
            return set_string(j, b, col, row);
        }
        break;
    case SL_BOOLEAN:
        if (c == 't' || c == 'f') {
            bool v = c == 't';
            if (!literal(j, v ? "true" : "false", v ? 4 : 5)) {
                return false;
            }
            slbatch_set_bool(b, col, row, v);
            return true;
        }
        break;
    case SL_BIGINT:
    case SL_TIMESTAMP:
        if (c == '-' || (c >= '0' && c <= '9')) {
            jnum num;
            int64_t v;
            if (!scan_number(j, &num)) {
                return false;
            }
            int len = (int)SL_MIN(num.end - num.start, 40);
            const char *text = j->s + num.start;
            if (!num.is_int) {
                return fail_field(j, f->name, "expected %s, found %.*s",
                                  f->type == SL_BIGINT ? "an integer"
                                                       : "a timestamp or epoch milliseconds",
                                  len, text);
            }
            if (!number_i64(j->s, &num, &v)) {
                return fail_field(j, f->name, "integer out of range: %.*s", len, text);
            }
            if (f->type == SL_TIMESTAMP) {
                if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000) {
                    return fail_field(j, f->name, "timestamp out of range: %.*s", len, text);
                }
                v *= 1000; /* epoch milliseconds -> microseconds */
            }
            slbatch_set_i64(b, col, row, v);
            return true;
        }
        if (c == '"' && f->type == SL_TIMESTAMP) {
            return set_timestamp_text(j, b, col, row);
        }
        break;
    case SL_DOUBLE:
        if (c == '-' || (c >= '0' && c <= '9')) {
            jnum num;
            double v;
            if (!scan_number(j, &num)) {
                return false;
            }
            if (!number_f64(j->s, &num, &v)) {
                return fail_field(j, f->name, "number out of range: %.*s",
                                  (int)SL_MIN(num.end - num.start, 40), j->s + num.start);
            }
            slbatch_set_f64(b, col, row, v);
            return true;
        }
        break;
    }
    /* A value of the wrong kind: report it unless it is not even JSON. */
    size_t at = j->i;
    if (!skip_value(j)) {
        return false;
    }
    static const char *expect[] = {"", "a boolean", "an integer", "a number", "a string",
                                   "a timestamp"};
    j->i = at;
    return fail_field(j, f->name, "expected %s, found %s", expect[f->type], kind_of(c));
}

/* ---- field names ---- */

/* Names are short: a plain loop beats a call to memcmp. */
static inline bool same_bytes(const char *a, const char *b, size_t n) {
    for (size_t k = 0; k < n; k++) {
        if (a[k] != b[k]) {
            return false;
        }
    }
    return true;
}

static int match_name(sljson_dec *d, const char *key, size_t klen) {
    const sl_schema *s = d->schema;
    int h = d->hint;
    if (h < s->n && d->name_len[h] == klen && same_bytes(s->fields[h].name, key, klen)) {
        return h;
    }
    for (int c = 0; c < s->n; c++) {
        if (d->name_len[c] == klen && memcmp(s->fields[c].name, key, klen) == 0) {
            return c;
        }
    }
    for (int c = 0; c < s->n; c++) {
        if (d->name_len[c] == klen && slstr_ieq(s->fields[c].name, key, klen)) {
            return c;
        }
    }
    return -1;
}

/* The column named by the key string [from, end) (escaped or not), or -1. */
static int find_column(sljson_dec *d, jp *j, size_t from, size_t end, bool esc, bool *bad) {
    *bad = false;
    if (!esc) {
        return match_name(d, j->s + from, end - from);
    }
    char tmp[256];
    if (end - from > sizeof tmp) {
        return -1; /* longer than any column name could be after unescaping */
    }
    ptrdiff_t k = unescape(j, from, end, tmp);
    if (k < 0) {
        *bad = true;
        return -1;
    }
    return match_name(d, tmp, (size_t)k);
}

/* ---- the object ---- */

bool sljson_decode_row(sljson_dec *d, slbatch *b, const char *rec, size_t len, char *reason,
                       size_t cap) {
    jp j = {rec, len, 0, reason, cap};
    if (len >= 3 && memcmp(rec, "\xEF\xBB\xBF", 3) == 0) {
        j.i = 3;
    }
    ws(&j);
    if (j.i == j.n) {
        return true; /* blank line */
    }
    if (rec[j.i] != '{') {
        return fail_at(&j, j.i, "expected '{'");
    }
    j.i++;
    slarena_pos mark = slarena_mark(&b->arena);
    uint32_t row = slbatch_begin_row(b);
    ws(&j);
    if (j.i < j.n && rec[j.i] == '}') {
        j.i++;
        goto done;
    }
    for (;;) {
        ws(&j);
        if (j.i >= j.n) {
            fail_at(&j, j.i, "unexpected end of line");
            goto fail;
        }
        if (rec[j.i] != '"') {
            fail_at(&j, j.i, "expected a field name");
            goto fail;
        }
        size_t end;
        bool esc, bad;
        if (!scan_string(&j, &end, &esc)) {
            goto fail;
        }
        int col = find_column(d, &j, j.i + 1, end, esc, &bad);
        if (bad) {
            goto fail;
        }
        j.i = end + 1;
        ws(&j);
        if (j.i >= j.n || rec[j.i] != ':') {
            fail_at(&j, j.i, "expected ':'");
            goto fail;
        }
        j.i++;
        ws(&j);
        if (j.i >= j.n) {
            fail_at(&j, j.i, "unexpected end of line");
            goto fail;
        }
        if (col >= 0) {
            if (!set_value(&j, b, col, row)) {
                goto fail;
            }
            d->hint = col + 1;
        } else if (!skip_value(&j)) {
            goto fail;
        }
        ws(&j);
        if (j.i < j.n && rec[j.i] == ',') {
            j.i++;
            continue;
        }
        if (j.i < j.n && rec[j.i] == '}') {
            j.i++;
            break;
        }
        fail_at(&j, j.i, j.i >= j.n ? "unexpected end of line" : "expected ',' or '}'");
        goto fail;
    }
done:
    ws(&j);
    if (j.i != j.n) {
        fail_at(&j, j.i, "unexpected data after the object");
        goto fail;
    }
    d->hint = 0;
    b->n = row + 1;
    return true;
fail:
    d->hint = 0;
    slarena_rollback(&b->arena, &mark);
    return false;
}
