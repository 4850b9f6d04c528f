/*
 * csv.c - RFC 4180 decoder of one CSV record into a row of a batch (contract
 * in formats.h), plus the quote tracker the file reader uses to join the
 * physical lines of a record whose quoted field holds a newline.
 *
 * A field is quoted only when its first byte is '"'; inside, "" is a quote.
 * A quote in the middle of an unquoted field is kept as a plain byte (as most
 * readers do). Quoted string values are unescaped straight into the arena.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "data/formats.h"

void slcsv_dec_init(slcsv_dec *d, const sl_schema *schema, char delim) {
    d->schema = schema;
    d->delim = delim ? delim : ',';
    d->n_fields = schema->n;
    d->col_of = slmem_alloc(slmem_mul((size_t)(schema->n ? schema->n : 1), sizeof(int)));
    for (int c = 0; c < schema->n; c++) {
        d->col_of[c] = c;
    }
}

void slcsv_dec_free(slcsv_dec *d) {
    slmem_free(d->col_of);
    d->col_of = NULL;
}

/* Quote tracker states. */
enum { Q_START = 0, Q_PLAIN, Q_QUOTED, Q_QUOTE_IN_QUOTED };

bool slcsv_continues(int *state, const char *line, size_t len, char delim) {
    int st = *state; /* Q_QUOTED here: the previous newline was data */
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        switch (st) {
        case Q_START:
            st = c == '"' ? Q_QUOTED : (c == delim ? Q_START : Q_PLAIN);
            break;
        case Q_PLAIN:
            if (c == delim) {
                st = Q_START;
            }
            break;
        case Q_QUOTED: {
            const char *q = memchr(line + i, '"', len - i);
            if (!q) {
                i = len;
                break;
            }
            i = (size_t)(q - line);
            st = Q_QUOTE_IN_QUOTED;
            break;
        }
        default: /* Q_QUOTE_IN_QUOTED */
            st = c == '"' ? Q_QUOTED : (c == delim ? Q_START : Q_PLAIN);
            break;
        }
    }
    *state = st;
    return st == Q_QUOTED;
}

/* ---- fields ---- */

typedef struct cfield {
    const char *p; /* borrowed: raw bytes (inside the quotes if quoted) */
    size_t len;
    bool quoted;
    size_t n_escapes; /* "" pairs inside a quoted field */
} cfield;

SL_PRINTF(3, 4)
static bool failf(char *reason, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, cap, fmt, ap);
    va_end(ap);
    return false;
}

/* Read the field starting at *at; on return *at is just past its delimiter
 * (or at len) and *last tells whether it was the record's last field. */
static bool next_field(const char *rec, size_t len, size_t *at, char delim, cfield *f, bool *last,
                       char *reason, size_t cap) {
    size_t i = *at;
    f->quoted = false;
    f->n_escapes = 0;
    if (i < len && rec[i] == '"') {
        size_t start = i + 1, k = start;
        for (;;) {
            const char *q = k < len ? memchr(rec + k, '"', len - k) : NULL;
            if (!q) {
                return failf(reason, cap, "invalid CSV at column %zu: unterminated quoted field",
                             i + 1);
            }
            k = (size_t)(q - rec);
            if (k + 1 < len && rec[k + 1] == '"') {
                f->n_escapes++;
                k += 2;
                continue;
            }
            break;
        }
        f->p = rec + start;
        f->len = k - start;
        f->quoted = true;
        i = k + 1;
        if (i < len && rec[i] != delim) {
            return failf(reason, cap,
                         "invalid CSV at column %zu: expected '%c' after a closing quote", i + 1,
                         delim);
        }
    } else {
        const char *e = i < len ? memchr(rec + i, delim, len - i) : NULL;
        size_t end = e ? (size_t)(e - rec) : len;
        f->p = rec + i;
        f->len = end - i;
        i = end;
    }
    *last = i >= len;
    *at = i + (i < len); /* past the delimiter */
    return true;
}

static bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

/* Decode field text into (col, row) of b. */
static bool set_field(slbatch *b, int col, uint32_t row, const cfield *f, char *reason,
                      size_t cap) {
    const slfield *sf = &b->schema->fields[col];
    if (sf->type == SL_STRING) {
        if (f->len == 0 && !f->quoted) {
            slbatch_set_null(b, col, row);
            return true;
        }
        if (f->len > UINT32_MAX) {
            return failf(reason, cap, "column '%s': string longer than 4 GB", sf->name);
        }
        slstr *v = &b->cols[col].v.s[row];
        size_t out_len = f->len - f->n_escapes;
        if (out_len == 0) {
            v->ptr = "";
        } else if (f->n_escapes == 0) {
            v->ptr = slarena_strdup(&b->arena, f->p, out_len);
        } else {
            char *dst = slarena_alloc(&b->arena, out_len), *o = dst;
            const char *s = f->p, *end = f->p + f->len;
            while (s < end) {
                const char *q = memchr(s, '"', (size_t)(end - s));
                size_t run = q ? (size_t)(q - s) + 1 : (size_t)(end - s);
                memcpy(o, s, run);
                o += run;
                s += run + (q != NULL); /* skip the second quote of "" */
            }
            v->ptr = dst;
        }
        v->len = (uint32_t)out_len;
        b->cols[col].nulls[row] = 0;
        return true;
    }
    const char *s = f->p;
    size_t n = f->len;
    while (n && is_blank(*s)) {
        s++;
        n--;
    }
    while (n && is_blank(s[n - 1])) {
        n--;
    }
    if (n == 0) {
        slbatch_set_null(b, col, row);
        return true;
    }
    if (f->n_escapes) {
        goto bad;
    }
    switch (sf->type) {
    case SL_BIGINT: {
        int64_t v;
        if (!slparse_i64(s, n, &v)) {
            goto bad;
        }
        slbatch_set_i64(b, col, row, v);
        return true;
    }
    case SL_DOUBLE: {
        double v;
        if (slparse_f64(s, n, &v)) {
            slbatch_set_f64(b, col, row, v);
        } else if (slstr_ieq("nan", s, n)) {
            slbatch_set_f64(b, col, row, NAN);
        } else if (slstr_ieq("infinity", s, n) || slstr_ieq("+infinity", s, n)) {
            slbatch_set_f64(b, col, row, INFINITY);
        } else if (slstr_ieq("-infinity", s, n)) {
            slbatch_set_f64(b, col, row, -INFINITY);
        } else {
            goto bad;
        }
        return true;
    }
    case SL_BOOLEAN:
        if (slstr_ieq("true", s, n) || (n == 1 && s[0] == '1')) {
            slbatch_set_bool(b, col, row, true);
        } else if (slstr_ieq("false", s, n) || (n == 1 && s[0] == '0')) {
            slbatch_set_bool(b, col, row, false);
        } else {
            goto bad;
        }
        return true;
    default: { /* SL_TIMESTAMP: text, or an integer of epoch milliseconds */
        int64_t v;
        if (s[0] != '-' && slparse_i64(s, n, &v)) {
            if (v > INT64_MAX / 1000) {
                goto bad;
            }
            slbatch_set_i64(b, col, row, v * 1000);
            return true;
        }
        if (sl_parse_timestamp(s, n, &v) != SL_OK) {
            goto bad;
        }
        slbatch_set_i64(b, col, row, v);
        return true;
    }
    }
bad:;
    static const char *expect[] = {"", "a boolean", "an integer", "a number", "a string",
                                   "a timestamp"};
    return failf(reason, cap, "column '%s': expected %s, found '%.*s'", sf->name,
                 expect[sf->type], (int)SL_MIN(n, 40), s);
}

static bool blank_record(const char *rec, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (!is_blank(rec[i]) && rec[i] != '\r' && rec[i] != '\n') {
            return false;
        }
    }
    return true;
}

bool slcsv_decode_row(slcsv_dec *d, slbatch *b, const char *rec, size_t len, char *reason,
                      size_t cap) {
    if (len >= 3 && memcmp(rec, "\xEF\xBB\xBF", 3) == 0) {
        rec += 3;
        len -= 3;
    }
    if (blank_record(rec, len)) {
        return true;
    }
    slarena_pos mark = slarena_mark(&b->arena);
    uint32_t row = slbatch_begin_row(b);
    size_t at = 0;
    int nf = 0;
    bool last = false, ok = true, type_ok = true;
    while (!last) {
        cfield f;
        if (!next_field(rec, len, &at, d->delim, &f, &last, reason, cap)) {
            ok = false;
            break;
        }
        /* After a type error keep counting: a wrong field count explains it better. */
        if (type_ok && nf < d->n_fields && d->col_of[nf] >= 0) {
            type_ok = set_field(b, d->col_of[nf], row, &f, reason, cap);
        }
        nf++;
    }
    if (ok && nf != d->n_fields) {
        ok = failf(reason, cap, "expected %d fields, found %d", d->n_fields, nf);
    }
    ok = ok && type_ok;
    if (!ok) {
        slarena_rollback(&b->arena, &mark);
        return false;
    }
    b->n = row + 1;
    return true;
}

bool slcsv_dec_header(slcsv_dec *d, const char *rec, size_t len, char *reason, size_t cap) {
    if (len >= 3 && memcmp(rec, "\xEF\xBB\xBF", 3) == 0) {
        rec += 3;
        len -= 3;
    }
    /* Count fields first, then map them. */
    size_t at = 0;
    int nf = 0;
    bool last = false;
    cfield f;
    while (!last) {
        if (!next_field(rec, len, &at, d->delim, &f, &last, reason, cap)) {
            return false;
        }
        nf++;
    }
    int *map = slmem_alloc(slmem_mul((size_t)nf, sizeof(int)));
    int matched = 0;
    at = 0;
    last = false;
    for (int k = 0; k < nf; k++) {
        next_field(rec, len, &at, d->delim, &f, &last, reason, cap);
        const char *s = f.p;
        size_t n = f.len;
        while (n && is_blank(*s)) {
            s++;
            n--;
        }
        while (n && is_blank(s[n - 1])) {
            n--;
        }
        map[k] = -1;
        for (int c = 0; c < d->schema->n && !f.n_escapes; c++) {
            if (slstr_ieq(d->schema->fields[c].name, s, n)) {
                bool dup = false;
                for (int p = 0; p < k; p++) {
                    dup |= map[p] == c;
                }
                if (!dup) {
                    map[k] = c;
                    matched++;
                }
                break;
            }
        }
    }
    if (matched == 0) {
        slmem_free(map);
        return failf(reason, cap, "CSV header names none of the columns (%.*s)",
                     (int)SL_MIN(len, 80), rec);
    }
    slmem_free(d->col_of);
    d->col_of = map;
    d->n_fields = nf;
    return true;
}
