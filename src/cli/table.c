/*
 * table.c - a SELECT's result in the shell, materialised from its changelog,
 * and its rendering as a text table (shell_int.h).
 *
 * Storage: each row is encoded into bytes (per column a tag byte, 0 = NULL,
 * 1 = a value, then 1 byte BOOLEAN, 8 bytes BIGINT/TIMESTAMP/DOUBLE, or a
 * 4-byte length and the bytes of a STRING), appended to one buffer `data`.
 * `ents` lists the rows in display order; a removed row leaves a dead entry
 * (and garbage bytes in `data`) until the table is compacted. Live entries
 * are chained in a hash table by their bytes, so a retraction finds its row
 * without a scan. Equality is on the encoded bytes: the engine retracts a
 * row with exactly the values it emitted.
 *
 * Invariants: every live entry is in exactly one chain, dead ones in none;
 * `hole` is a dead entry (the row the previous change, a -U, removed) or NONE;
 * compaction happens only when hole is NONE, so it never moves the hole.
 *
 * Thread: every entry point takes `mu`; rows arrive on sink threads while the
 * shell's foreground renders.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/shell_int.h"

#define NONE UINT32_MAX
#define DEFAULT_MAX_CELL 40

typedef struct entry {
    uint64_t off; /* of the row's bytes in data */
    uint64_t hash;
    uint32_t len;
    uint32_t next; /* next entry in the hash chain, NONE at the end */
    bool live;
} entry;

struct slcli_table {
    pthread_mutex_t mu;
    int n_cols;
    char **names;   /* owned, each owned */
    sl_type *types; /* owned */
    slbuf data;     /* owned: encoded rows */
    entry *ents;    /* owned */
    size_t n_ents, cap_ents;
    uint32_t *buckets; /* owned: chain heads */
    size_t n_buckets;  /* a power of two */
    uint64_t n_live;
    uint64_t garbage; /* bytes of dead rows in data */
    uint32_t hole;
    uint64_t changes, unmatched, compactions;
    slbuf key; /* owned scratch: the row being applied, encoded */
};

slcli_table *slcli_table_new(const sl_schema *schema) {
    slcli_table *t = slmem_calloc(1, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    t->n_cols = sl_schema_count(schema);
    t->names = slmem_calloc((size_t)t->n_cols + 1, sizeof *t->names);
    t->types = slmem_calloc((size_t)t->n_cols + 1, sizeof *t->types);
    for (int c = 0; c < t->n_cols; c++) {
        t->names[c] = slmem_strdup(sl_schema_name(schema, c));
        t->types[c] = sl_schema_type(schema, c);
    }
    t->n_buckets = 64;
    t->buckets = slmem_alloc(slmem_mul(t->n_buckets, sizeof *t->buckets));
    memset(t->buckets, 0xff, t->n_buckets * sizeof *t->buckets);
    t->hole = NONE;
    return t;
}

void slcli_table_free(slcli_table *t) {
    if (!t) {
        return;
    }
    for (int c = 0; c < t->n_cols; c++) {
        slmem_free(t->names[c]);
    }
    slmem_free(t->names);
    slmem_free(t->types);
    slbuf_free(&t->data);
    slbuf_free(&t->key);
    slmem_free(t->ents);
    slmem_free(t->buckets);
    pthread_mutex_destroy(&t->mu);
    slmem_free(t);
}

/* ---- changelog ---- */

static void link_entry(slcli_table *t, uint32_t i) {
    uint32_t *head = &t->buckets[t->ents[i].hash & (t->n_buckets - 1)];
    t->ents[i].next = *head;
    *head = i;
}

/* Re-chain every live entry into n_buckets buckets. */
static void rechain(slcli_table *t, size_t n_buckets) {
    if (n_buckets != t->n_buckets) {
        slmem_free(t->buckets);
        t->buckets = slmem_alloc(slmem_mul(n_buckets, sizeof *t->buckets));
        t->n_buckets = n_buckets;
    }
    memset(t->buckets, 0xff, n_buckets * sizeof *t->buckets);
    for (size_t i = 0; i < t->n_ents; i++) {
        if (t->ents[i].live) {
            link_entry(t, (uint32_t)i);
        }
    }
}

/* Drop dead entries and garbage bytes when they outweigh the live ones. */
static void maybe_compact(slcli_table *t) {
    uint64_t dead = t->n_ents - t->n_live;
    bool many_dead = dead > 1024 && dead > t->n_live;
    bool much_garbage = t->garbage > (1u << 20) && t->garbage > t->data.len / 2;
    if (t->hole != NONE || !(many_dead || much_garbage)) {
        return;
    }
    slbuf data = {0};
    size_t w = 0;
    for (size_t i = 0; i < t->n_ents; i++) {
        entry e = t->ents[i];
        if (!e.live) {
            continue;
        }
        uint64_t off = data.len;
        slbuf_put(&data, t->data.data + e.off, e.len);
        e.off = off;
        t->ents[w++] = e;
    }
    slbuf_free(&t->data);
    t->data = data;
    t->n_ents = w;
    t->garbage = 0;
    t->compactions++;
    rechain(t, t->n_buckets);
}

/* Apply t->key (the encoded row) with `kind`. Holds mu. */
static void apply_key(slcli_table *t, sl_rowkind kind) {
    t->changes++;
    const char *key = t->key.data;
    uint32_t len = (uint32_t)t->key.len;
    uint64_t h = slhash_bytes(key, len, 0);
    if (kind == SL_INSERT || kind == SL_UPDATE_AFTER) {
        uint32_t slot;
        if (kind == SL_UPDATE_AFTER && t->hole != NONE) {
            slot = t->hole;
        } else {
            if (t->n_ents >= NONE - 1) {
                slmem_fatal("shell result rows", t->n_ents);
            }
            slmem_grow((void **)&t->ents, &t->cap_ents, t->n_ents + 1, sizeof *t->ents);
            slot = (uint32_t)t->n_ents++;
        }
        t->hole = NONE;
        entry *e = &t->ents[slot];
        e->off = t->data.len;
        e->len = len;
        e->hash = h;
        e->live = true;
        slbuf_put(&t->data, key, len);
        link_entry(t, slot);
        t->n_live++;
        if (t->n_live > t->n_buckets) {
            rechain(t, t->n_buckets * 2);
        }
        maybe_compact(t);
        return;
    }
    t->hole = NONE;
    uint32_t *link = &t->buckets[h & (t->n_buckets - 1)];
    while (*link != NONE) {
        entry *e = &t->ents[*link];
        if (e->hash == h && e->len == len && memcmp(t->data.data + e->off, key, len) == 0) {
            uint32_t idx = *link;
            *link = e->next;
            e->live = false;
            e->next = NONE;
            t->n_live--;
            t->garbage += len;
            if (kind == SL_UPDATE_BEFORE) {
                t->hole = idx;
            } else {
                maybe_compact(t);
            }
            return;
        }
        link = &e->next;
    }
    t->unmatched++;
}

static void put_u32(slbuf *b, uint32_t v) {
    slbuf_put(b, &v, sizeof v);
}

static void put_value(slbuf *b, sl_type type, const slcli_val *v) {
    if (v->null) {
        slbuf_putc(b, 0);
        return;
    }
    slbuf_putc(b, 1);
    switch (type) {
    case SL_BOOLEAN:
        slbuf_putc(b, v->b ? 1 : 0);
        break;
    case SL_BIGINT:
    case SL_TIMESTAMP:
        slbuf_put(b, &v->i64, sizeof v->i64);
        break;
    case SL_DOUBLE:
        slbuf_put(b, &v->f64, sizeof v->f64);
        break;
    case SL_STRING:
        put_u32(b, (uint32_t)v->len);
        slbuf_put(b, v->str, v->len);
        break;
    }
}

void slcli_table_apply_vals(slcli_table *t, sl_rowkind kind, const slcli_val *vals) {
    pthread_mutex_lock(&t->mu);
    slbuf_reset(&t->key);
    for (int c = 0; c < t->n_cols; c++) {
        put_value(&t->key, t->types[c], &vals[c]);
    }
    apply_key(t, kind);
    pthread_mutex_unlock(&t->mu);
}

void slcli_table_apply(slcli_table *t, const sl_row *r) {
    pthread_mutex_lock(&t->mu);
    slbuf_reset(&t->key);
    for (int c = 0; c < t->n_cols; c++) {
        slcli_val v = {.null = sl_row_is_null(r, c)};
        if (!v.null) {
            switch (t->types[c]) {
            case SL_BOOLEAN:
                v.b = sl_row_bool(r, c);
                break;
            case SL_BIGINT:
            case SL_TIMESTAMP:
                v.i64 = sl_row_bigint(r, c);
                break;
            case SL_DOUBLE:
                v.f64 = sl_row_double(r, c);
                break;
            case SL_STRING:
                v.str = sl_row_string(r, c, &v.len);
                break;
            }
        }
        put_value(&t->key, t->types[c], &v);
    }
    apply_key(t, sl_row_kind(r));
    pthread_mutex_unlock(&t->mu);
}

void slcli_table_stats_get(slcli_table *t, slcli_table_stats *out) {
    pthread_mutex_lock(&t->mu);
    out->rows = t->n_live;
    out->changes = t->changes;
    out->unmatched = t->unmatched;
    out->compactions = t->compactions;
    pthread_mutex_unlock(&t->mu);
}

/* ---- text: UTF-8, widths, escapes ---- */

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if none. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        return 0;
    }
    *cp = v;
    return len;
}

/* Terminal columns of a printable code point: 0 for combining marks and
 * zero-width characters, 2 for wide East Asian characters and emoji. */
static int cp_width(uint32_t c) {
    if (c < 0x300) {
        return 1;
    }
    if ((c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) ||
        (c >= 0x200b && c <= 0x200f) || (c >= 0x20d0 && c <= 0x20ff) ||
        (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xfe20 && c <= 0xfe2f)) {
        return 0;
    }
    if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
        (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
        (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
        (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
        (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd)) {
        return 2;
    }
    return 1;
}

int slcli_text_width(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    int w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        w += k ? cp_width(cp) : 1;
        i += k ? k : 1;
    }
    return w;
}

/* Append s[0..n) with control characters, C1 controls and invalid UTF-8
 * shown as escapes, so the text only ever prints. */
static void put_printable(slbuf *out, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_next(p + i, n - i, &cp);
        if (k == 0) {
            slbuf_printf(out, "\\x%02X", p[i]);
            i++;
        } else if (cp == '\n') {
            slbuf_puts(out, "\\n");
            i++;
        } else if (cp == '\t') {
            slbuf_puts(out, "\\t");
            i++;
        } else if (cp == '\r') {
            slbuf_puts(out, "\\r");
            i++;
        } else if (cp < 0x20 || cp == 0x7f) {
            slbuf_printf(out, "\\x%02X", (unsigned)cp);
            i++;
        } else if (cp >= 0x80 && cp <= 0x9f) {
            slbuf_printf(out, "\\u%04X", (unsigned)cp);
            i += k;
        } else {
            slbuf_put(out, s + i, k);
            i += k;
        }
    }
}

/* Append `text` (printable, `w` columns wide) in a cell of `width` columns:
 * cut with '…' when wider, padded on the left (right-aligned) or right. */
static void put_cell(slbuf *out, const char *text, size_t n, int w, int width, bool right) {
    if (w > width) {
        const unsigned char *p = (const unsigned char *)text;
        int used = 0;
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t k = utf8_next(p + i, n - i, &cp);
            int cw = k ? cp_width(cp) : 1;
            k = k ? k : 1;
            if (used + cw > width - 1) {
                break;
            }
            slbuf_put(out, text + i, k);
            used += cw;
            i += k;
        }
        slbuf_puts(out, "\xe2\x80\xa6"); /* … */
        for (used++; used < width; used++) {
            slbuf_putc(out, ' ');
        }
        return;
    }
    for (int i = 0; right && i < width - w; i++) {
        slbuf_putc(out, ' ');
    }
    slbuf_put(out, text, n);
    for (int i = 0; !right && i < width - w; i++) {
        slbuf_putc(out, ' ');
    }
}

static void put_double(slbuf *out, double v) {
    if (isnan(v)) {
        slbuf_puts(out, "NaN");
        return;
    }
    if (isinf(v)) {
        slbuf_puts(out, v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        slbuf_printf(out, "%.1f", v);
        return;
    }
    char tmp[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) {
            break;
        }
    }
    slbuf_puts(out, tmp);
}

/* Append the printable text of the cell at p (encoded, type `type`); returns
 * the bytes of the encoding consumed. */
static size_t put_encoded(slbuf *out, sl_type type, const char *p) {
    if (p[0] == 0) {
        slbuf_puts(out, "NULL");
        return 1;
    }
    p++;
    switch (type) {
    case SL_BOOLEAN:
        slbuf_puts(out, p[0] ? "TRUE" : "FALSE");
        return 2;
    case SL_BIGINT: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        slbuf_printf(out, "%lld", (long long)v);
        return 1 + sizeof v;
    }
    case SL_TIMESTAMP: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        char tmp[64];
        size_t n = sl_format_timestamp(v, tmp, sizeof tmp);
        slbuf_put(out, tmp, n);
        return 1 + sizeof v;
    }
    case SL_DOUBLE: {
        double v;
        memcpy(&v, p, sizeof v);
        put_double(out, v);
        return 1 + sizeof v;
    }
    case SL_STRING: {
        uint32_t n;
        memcpy(&n, p, sizeof n);
        put_printable(out, p + sizeof n, n);
        return 1 + sizeof n + n;
    }
    }
    return 1;
}

/* ---- rendering ---- */

/* Append line[0..n) to out, clipped to max columns (0: unclipped). */
static void put_line(slbuf *out, const char *line, size_t n, int max) {
    int w = max > 0 ? slcli_text_width(line, n) : 0;
    if (max > 0 && w > max) {
        put_cell(out, line, n, w, max, false);
    } else {
        slbuf_put(out, line, n);
    }
    slbuf_putc(out, '\n');
}

static void put_rule(slbuf *line, const int *width, int n_cols) {
    slbuf_putc(line, '+');
    for (int c = 0; c < n_cols; c++) {
        for (int i = 0; i < width[c] + 2; i++) {
            slbuf_putc(line, '-');
        }
        slbuf_putc(line, '+');
    }
}

int slcli_table_render(slcli_table *t, const slcli_render *opts, slbuf *out, uint64_t *shown) {
    int max_cell = opts->max_cell > 1 ? opts->max_cell : DEFAULT_MAX_CELL;
    int n_cols = t->n_cols;
    /* Cell texts, header first: cell k of text row r is text[off[r*n_cols+k] ..
     * off[r*n_cols+k+1]). */
    slbuf text = {0};
    size_t *off = NULL, cap_off = 0, n_off = 0;
    slmem_grow((void **)&off, &cap_off, (size_t)n_cols + 1, sizeof *off);
    off[n_off++] = 0;
    for (int c = 0; c < n_cols; c++) {
        put_printable(&text, t->names[c], strlen(t->names[c]));
        off[n_off++] = text.len;
    }
    pthread_mutex_lock(&t->mu);
    uint64_t n_rows = 0;
    for (size_t i = 0; i < t->n_ents && (opts->max_rows == 0 || n_rows < opts->max_rows); i++) {
        const entry *e = &t->ents[i];
        if (!e->live) {
            continue;
        }
        slmem_grow((void **)&off, &cap_off, n_off + (size_t)n_cols, sizeof *off);
        const char *p = t->data.data + e->off;
        for (int c = 0; c < n_cols; c++) {
            p += put_encoded(&text, t->types[c], p);
            off[n_off++] = text.len;
        }
        n_rows++;
    }
    pthread_mutex_unlock(&t->mu);

    size_t n_cells = n_off - 1;
    int *cw = slmem_alloc(slmem_mul(n_cells ? n_cells : 1, sizeof *cw));
    int *width = slmem_calloc((size_t)n_cols + 1, sizeof *width);
    for (size_t k = 0; k < n_cells; k++) {
        cw[k] = slcli_text_width(text.data + off[k], off[k + 1] - off[k]);
        int c = (int)(k % (size_t)n_cols);
        width[c] = SL_MAX(width[c], SL_MIN(cw[k], max_cell));
    }
    slbuf line = {0};
    int lines = 0;
    put_rule(&line, width, n_cols);
    put_line(out, line.data, line.len, opts->max_line);
    lines++;
    for (uint64_t r = 0; r <= n_rows; r++) {
        slbuf_reset(&line);
        slbuf_putc(&line, '|');
        for (int c = 0; c < n_cols; c++) {
            size_t k = (size_t)r * (size_t)n_cols + (size_t)c;
            bool right = t->types[c] == SL_BIGINT || t->types[c] == SL_DOUBLE;
            slbuf_putc(&line, ' ');
            put_cell(&line, text.data + off[k], off[k + 1] - off[k], cw[k], width[c], right);
            slbuf_puts(&line, " |");
        }
        put_line(out, line.data, line.len, opts->max_line);
        lines++;
        if (r == 0) {
            slbuf_reset(&line);
            put_rule(&line, width, n_cols);
            put_line(out, line.data, line.len, opts->max_line);
            lines++;
        }
    }
    slbuf_reset(&line);
    put_rule(&line, width, n_cols);
    put_line(out, line.data, line.len, opts->max_line);
    lines++;
    if (shown) {
        *shown = n_rows;
    }
    slbuf_free(&line);
    slbuf_free(&text);
    slmem_free(off);
    slmem_free(cw);
    slmem_free(width);
    return lines;
}
