/*
 * batch.c - columnar batches: allocation, row building, copying, compaction.
 * One allocation per column array, made when the batch is created; building
 * rows allocates nothing except string bytes in the batch's arena.
 */
#include <assert.h>

#include "data/data.h"

static size_t value_size(sl_type t) {
    switch (t) {
    case SL_BOOLEAN:
        return 1;
    case SL_DOUBLE:
        return sizeof(double);
    case SL_STRING:
        return sizeof(slstr);
    default:
        return sizeof(int64_t);
    }
}

slbatch *slbatch_new(const sl_schema *schema, uint32_t cap) {
    if (cap == 0) {
        cap = 1;
    }
    slbatch *b = slmem_calloc(1, sizeof *b);
    b->schema = slschema_ref(schema);
    b->cap = cap;
    b->cols = slmem_calloc((size_t)(schema->n ? schema->n : 1), sizeof *b->cols);
    for (int c = 0; c < schema->n; c++) {
        b->cols[c].type = schema->fields[c].type;
        b->cols[c].nulls = slmem_calloc(cap, 1);
        /* Values need no zeroing: a row's value is read only when its null
         * flag (set by slbatch_begin_row or a copy) says it was written. */
        b->cols[c].v.raw = slmem_alloc(slmem_mul(cap, value_size(schema->fields[c].type)));
    }
    b->ts = slmem_alloc(slmem_mul(cap, sizeof *b->ts));
    b->kind = slmem_calloc(cap, 1);
    slarena_init(&b->arena);
    return b;
}

void slbatch_free(slbatch *b) {
    if (!b) {
        return;
    }
    for (int c = 0; c < b->schema->n; c++) {
        slmem_free(b->cols[c].nulls);
        slmem_free(b->cols[c].v.raw);
    }
    slmem_free(b->cols);
    slmem_free(b->ts);
    slmem_free(b->kind);
    slarena_free(&b->arena);
    slschema_unref(b->schema);
    slmem_free(b);
}

void slbatch_extend(slbatch *b, const sl_schema *to) {
    int n = b->schema->n;
    assert(to->n >= n);
    for (int c = 0; c < n; c++) {
        assert(to->fields[c].type == b->cols[c].type);
    }
    if (to->n == n) {
        return;
    }
    b->cols = slmem_realloc(b->cols, slmem_mul((size_t)to->n, sizeof *b->cols));
    for (int c = n; c < to->n; c++) {
        b->cols[c].type = to->fields[c].type;
        b->cols[c].nulls = slmem_alloc(b->cap);
        memset(b->cols[c].nulls, 1, b->cap);
        b->cols[c].v.raw = slmem_alloc(slmem_mul(b->cap, value_size(to->fields[c].type)));
    }
    sl_schema *old = b->schema;
    b->schema = slschema_ref(to);
    slschema_unref(old);
}

void slbatch_adopt_strings(slbatch *dst, slbatch *src) {
    assert(dst->arena.head == NULL);
    slarena tmp = dst->arena;
    dst->arena = src->arena;
    src->arena = tmp;
}

void slbatch_copy_column(slbatch *dst, int cd, const slbatch *src, int cs, uint32_t n) {
    const slcol *sc = &src->cols[cs];
    slcol *dc = &dst->cols[cd];
    assert(sc->type == dc->type && n <= dst->cap && n <= src->cap);
    memcpy(dc->nulls, sc->nulls, n);
    memcpy(dc->v.raw, sc->v.raw, (size_t)n * value_size(sc->type));
}

void slbatch_move_column(slbatch *dst, int cd, slbatch *src, int cs) {
    slcol *sc = &src->cols[cs], *dc = &dst->cols[cd];
    assert(sc->type == dc->type && dst->cap == src->cap);
    slcol tmp = *dc;
    *dc = *sc;
    *sc = tmp;
}

void slbatch_clear(slbatch *b) {
    b->n = 0;
    slarena_reset(&b->arena);
}

uint32_t slbatch_begin_row(slbatch *b) {
    uint32_t i = b->n;
    /* Locals: stores through uint8_t pointers may alias *b, so the compiler
     * would otherwise reload b->cols and the count on every column. */
    slcol *cols = b->cols;
    int n = b->schema->n;
    for (int c = 0; c < n; c++) {
        cols[c].nulls[i] = 1;
    }
    b->ts[i] = 0;
    b->kind[i] = SL_INSERT;
    return i;
}

void slbatch_set_str(slbatch *b, int col, uint32_t i, const char *p, size_t len) {
    if (len > UINT32_MAX) {
        slmem_fatal("string value", len);
    }
    slstr *s = &b->cols[col].v.s[i];
    s->ptr = len ? slarena_strdup(&b->arena, p, len) : "";
    s->len = (uint32_t)len;
    b->cols[col].nulls[i] = 0;
}

void slbatch_copy_value(slbatch *dst, int cd, uint32_t j, const slbatch *src, int cs,
                        uint32_t i) {
    const slcol *sc = &src->cols[cs];
    slcol *dc = &dst->cols[cd];
    if (sc->nulls[i]) {
        dc->nulls[j] = 1;
        return;
    }
    dc->nulls[j] = 0;
    switch (sc->type) {
    case SL_BOOLEAN:
        dc->v.b[j] = sc->v.b[i];
        break;
    case SL_DOUBLE:
        dc->v.f64[j] = sc->v.f64[i];
        break;
    case SL_STRING:
        slbatch_set_str(dst, cd, j, sc->v.s[i].ptr, sc->v.s[i].len);
        break;
    default:
        dc->v.i64[j] = sc->v.i64[i];
        break;
    }
}

void slbatch_append_row(slbatch *dst, const slbatch *src, uint32_t i) {
    uint32_t j = dst->n;
    for (int c = 0; c < src->schema->n; c++) {
        slbatch_copy_value(dst, c, j, src, c, i);
    }
    dst->ts[j] = src->ts[i];
    dst->kind[j] = src->kind[i];
    dst->n = j + 1;
}

void slbatch_compact(slbatch *b, const uint8_t *keep) {
    uint32_t j = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        if (!keep[i]) {
            continue;
        }
        if (i != j) {
            for (int c = 0; c < b->schema->n; c++) {
                slcol *col = &b->cols[c];
                col->nulls[j] = col->nulls[i];
                switch (col->type) {
                case SL_BOOLEAN:
                    col->v.b[j] = col->v.b[i];
                    break;
                case SL_DOUBLE:
                    col->v.f64[j] = col->v.f64[i];
                    break;
                case SL_STRING:
                    col->v.s[j] = col->v.s[i];
                    break;
                default:
                    col->v.i64[j] = col->v.i64[i];
                    break;
                }
            }
            b->ts[j] = b->ts[i];
            b->kind[j] = b->kind[i];
        }
        j++;
    }
    b->n = j;
}

size_t slbatch_bytes(const slbatch *b) {
    size_t n = sizeof *b + (size_t)b->cap * (sizeof(int64_t) + 1) + b->arena.bytes;
    for (int c = 0; c < b->schema->n; c++) {
        n += (size_t)b->cap * (1 + value_size(b->cols[c].type));
    }
    return n;
}
