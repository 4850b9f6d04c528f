/*
 * row.c - the public row view (sl_row_*) and row writer (sl_out_*).
 * Accessors check the column type in debug builds only: a wrong-type read is
 * a programming error of the caller, not bad data.
 */
#include <assert.h>

#include "data/data.h"

const sl_schema *sl_row_schema(const sl_row *r) {
    return r->b->schema;
}

bool sl_row_is_null(const sl_row *r, int col) {
    return r->b->cols[col].nulls[r->i] != 0;
}

bool sl_row_bool(const sl_row *r, int col) {
    assert(r->b->cols[col].type == SL_BOOLEAN);
    return r->b->cols[col].v.b[r->i] != 0;
}

int64_t sl_row_bigint(const sl_row *r, int col) {
    assert(r->b->cols[col].type == SL_BIGINT || r->b->cols[col].type == SL_TIMESTAMP);
    return r->b->cols[col].v.i64[r->i];
}

double sl_row_double(const sl_row *r, int col) {
    const slcol *c = &r->b->cols[col];
    if (c->type == SL_DOUBLE) {
        return c->v.f64[r->i];
    }
    assert(c->type == SL_BIGINT || c->type == SL_TIMESTAMP);
    return (double)c->v.i64[r->i];
}

const char *sl_row_string(const sl_row *r, int col, size_t *len) {
    assert(r->b->cols[col].type == SL_STRING);
    const slstr *s = &r->b->cols[col].v.s[r->i];
    if (len) {
        *len = s->len;
    }
    return s->ptr;
}

int64_t sl_row_timestamp(const sl_row *r, int col) {
    return sl_row_bigint(r, col);
}

int64_t sl_row_time(const sl_row *r) {
    return r->b->ts[r->i];
}

sl_rowkind sl_row_kind(const sl_row *r) {
    return (sl_rowkind)r->b->kind[r->i];
}

/* ---- writer ---- */

void slout_init(sl_out *o, slbatch *b, slout_flush_fn flush, void *user) {
    o->b = b;
    o->row = b->n;
    o->started = false;
    o->default_ts = 0;
    o->default_kind = SL_INSERT;
    o->flush = flush;
    o->flush_user = user;
    o->emitted = 0;
}

static inline uint32_t cur(sl_out *o) {
    if (!o->started) {
        o->row = slbatch_begin_row(o->b);
        o->b->ts[o->row] = o->default_ts;
        o->b->kind[o->row] = o->default_kind;
        o->started = true;
    }
    return o->row;
}

void sl_out_null(sl_out *o, int col) {
    slbatch_set_null(o->b, col, cur(o));
}

void sl_out_bool(sl_out *o, int col, bool v) {
    slbatch_set_bool(o->b, col, cur(o), v);
}

void sl_out_bigint(sl_out *o, int col, int64_t v) {
    slbatch_set_i64(o->b, col, cur(o), v);
}

void sl_out_double(sl_out *o, int col, double v) {
    slbatch_set_f64(o->b, col, cur(o), v);
}

void sl_out_string(sl_out *o, int col, const char *s, size_t len) {
    slbatch_set_str(o->b, col, cur(o), s, len);
}

void sl_out_timestamp(sl_out *o, int col, int64_t ts_us) {
    slbatch_set_i64(o->b, col, cur(o), ts_us);
}

void sl_out_time(sl_out *o, int64_t ts_us) {
    o->b->ts[cur(o)] = ts_us;
}

void sl_out_kind(sl_out *o, sl_rowkind k) {
    o->b->kind[cur(o)] = (uint8_t)k;
}

void sl_out_copy(sl_out *o, const sl_row *r) {
    uint32_t j = cur(o);
    int n = SL_MIN(o->b->schema->n, r->b->schema->n);
    for (int c = 0; c < n; c++) {
        if (o->b->cols[c].type == r->b->cols[c].type) {
            slbatch_copy_value(o->b, c, j, r->b, c, r->i);
        }
    }
}

void sl_out_emit(sl_out *o) {
    cur(o);
    o->b->n = o->row + 1;
    o->started = false;
    o->emitted++;
    if (slbatch_full(o->b)) {
        o->b = o->flush(o->b, o->flush_user);
        o->row = o->b->n;
    }
}

void slout_flush(sl_out *o) {
    if (o->b->n > 0) {
        o->started = false;
        o->b = o->flush(o->b, o->flush_user);
        o->row = o->b->n;
    }
}
