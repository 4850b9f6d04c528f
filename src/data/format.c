/*
 * format.c - text encoding of values and rows (JSON lines, CSV) for sinks,
 * dead letters and messages. Numbers print so they parse back exactly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "data/data.h"

const char *slfmt_kind(sl_rowkind k) {
    static const char *names[] = {"+I", "-U", "+U", "-D"};
    return (unsigned)k < 4 ? names[k] : "?";
}

void slfmt_json_string(slbuf *out, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    slbuf_reserve(out, n + 2);
    slbuf_putc(out, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        slbuf_put(out, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"':
            slbuf_puts(out, "\\\"");
            break;
        case '\\':
            slbuf_puts(out, "\\\\");
            break;
        case '\n':
            slbuf_puts(out, "\\n");
            break;
        case '\r':
            slbuf_puts(out, "\\r");
            break;
        case '\t':
            slbuf_puts(out, "\\t");
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            slbuf_put(out, esc, 6);
        }
        }
    }
    slbuf_put(out, s + start, n - start);
    slbuf_putc(out, '"');
}

/* Append v in decimal (what printf's %lld writes), without printf: sinks
 * write numbers per row. */
static void put_i64(slbuf *out, int64_t v) {
    char tmp[24];
    slbuf_put(out, tmp, slparse_fmt_i64(v, tmp));
}

static void put_double(slbuf *out, double v) {
    if (isnan(v) || isinf(v)) {
        slbuf_puts(out, isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        /* An integer: as "%.1f" writes it ("-0.0" for negative zero). */
        if (v == 0 && signbit(v)) {
            slbuf_putc(out, '-');
        }
        put_i64(out, (int64_t)v);
        slbuf_put(out, ".0", 2);
        return;
    }
    char tmp[32];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) {
            break;
        }
    }
    slbuf_puts(out, tmp);
}

static void put_plain(slbuf *out, const slbatch *b, int col, uint32_t i, bool json) {
    const slcol *c = &b->cols[col];
    switch (c->type) {
    case SL_BOOLEAN:
        slbuf_puts(out, c->v.b[i] ? "true" : "false");
        break;
    case SL_BIGINT:
        put_i64(out, c->v.i64[i]);
        break;
    case SL_DOUBLE:
        if (json && (isnan(c->v.f64[i]) || isinf(c->v.f64[i]))) {
            slbuf_puts(out, "null");
        } else {
            put_double(out, c->v.f64[i]);
        }
        break;
    case SL_TIMESTAMP: {
        char tmp[48];
        size_t n = sl_format_timestamp(c->v.i64[i], tmp, sizeof tmp);
        if (json) {
            slfmt_json_string(out, tmp, n);
        } else {
            slbuf_put(out, tmp, n);
        }
        break;
    }
    case SL_STRING:
        if (json) {
            slfmt_json_string(out, c->v.s[i].ptr, c->v.s[i].len);
        } else {
            slbuf_put(out, c->v.s[i].ptr, c->v.s[i].len);
        }
        break;
    }
}

void slfmt_json_value(slbuf *out, const slbatch *b, int col, uint32_t i) {
    if (b->cols[col].nulls[i]) {
        slbuf_puts(out, "null");
        return;
    }
    put_plain(out, b, col, i, true);
}

void slfmt_json_row(slbuf *out, const slbatch *b, uint32_t i, bool with_op) {
    slbuf_putc(out, '{');
    if (with_op) {
        slbuf_put(out, "\"op\":\"", 6);
        slbuf_puts(out, slfmt_kind((sl_rowkind)b->kind[i]));
        slbuf_putc(out, '"');
    }
    for (int c = 0; c < b->schema->n; c++) {
        if (c || with_op) {
            slbuf_putc(out, ',');
        }
        slfmt_json_string(out, b->schema->fields[c].name, strlen(b->schema->fields[c].name));
        slbuf_putc(out, ':');
        slfmt_json_value(out, b, c, i);
    }
    slbuf_putc(out, '}');
}

static void csv_field(slbuf *out, const char *s, size_t n) {
    bool quote = false;
    for (size_t k = 0; k < n; k++) {
        if (s[k] == ',' || s[k] == '"' || s[k] == '\n' || s[k] == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote) {
        slbuf_put(out, s, n);
        return;
    }
    slbuf_putc(out, '"');
    for (size_t k = 0; k < n; k++) {
        if (s[k] == '"') {
            slbuf_putc(out, '"');
        }
        slbuf_putc(out, s[k]);
    }
    slbuf_putc(out, '"');
}

void slfmt_csv_row(slbuf *out, const slbatch *b, uint32_t i, bool with_op) {
    if (with_op) {
        slbuf_puts(out, slfmt_kind((sl_rowkind)b->kind[i]));
    }
    for (int c = 0; c < b->schema->n; c++) {
        if (c || with_op) {
            slbuf_putc(out, ',');
        }
        if (b->cols[c].nulls[i]) {
            continue;
        }
        if (b->cols[c].type == SL_STRING) {
            const slstr *s = &b->cols[c].v.s[i];
            if (s->len == 0) {
                slbuf_puts(out, "\"\""); /* empty string, distinct from NULL */
            } else {
                csv_field(out, s->ptr, s->len);
            }
        } else {
            put_plain(out, b, c, i, false);
        }
    }
}
