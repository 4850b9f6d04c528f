/*
 * row.c - the public row view (sl_row_*) and row writer (sl_out_*).
 * Accessors check the column type in debug builds only: a wrong-type read is
 * a programming error of the caller, not bad data.
 *
 * The writer is on the hot path of every generator and map (one call per
 * column per row), so it keeps per-row work small: a row is started by the
 * first call on it; the null flags of a batch's unwritten rows are set in one
 * pass per column (sl_out.fresh_from/fresh_to) rather than per row; a row
 * begun and dropped is reset on its own when the next row starts in its place.
 * A full batch goes to `flush` when the next row starts, not when it fills.
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
    o->fresh_from = o->fresh_to = 0;
}

/* Row i of o->b is not fresh: make it (and, unless it is the row just
 * dropped, the rest of the batch) all NULL. */
static __attribute__((noinline)) void refresh(sl_out *o, uint32_t i) {
    slbatch *b = o->b;
    if (i + 1 == o->fresh_from) {
        slbatch_begin_row(b); /* a row begun and dropped: that row alone */
        return;
    }
    for (int c = 0; c < b->schema->n; c++) {
        memset(b->cols[c].nulls + i, 1, b->cap - i);
    }
    o->fresh_from = i + 1;
    o->fresh_to = b->cap;
}

/* Start the row at b->n (all NULL, default time and kind) if it is fresh;
 * false if it is not (then nothing is done). No calls: see SETTER. */
static inline bool begin_fresh(sl_out *o) {
    slbatch *b = o->b;
    uint32_t i = b->n;
    if (SL_UNLIKELY(i < o->fresh_from || i >= o->fresh_to)) {
        return false;
    }
    o->row = i;
    o->fresh_from = i + 1;
    b->ts[i] = o->default_ts;
    b->kind[i] = o->default_kind;
    o->started = true;
    return true;
}

static void next_batch(sl_out *o);

/* Start the row at b->n, fresh or not; a full batch is handed on first. */
static void begin(sl_out *o) {
    if (slbatch_full(o->b)) {
        next_batch(o);
    }
    if (!begin_fresh(o)) {
        slbatch *b = o->b;
        uint32_t i = b->n;
        refresh(o, i);
        o->row = i;
        b->ts[i] = o->default_ts;
        b->kind[i] = o->default_kind;
        o->started = true;
    }
}

static inline uint32_t cur(sl_out *o) {
    if (SL_UNLIKELY(!o->started)) {
        begin(o);
    }
    return o->row;
}

/*
 * The setters are called once per column of every row, so their common cases
 * (the row has begun; or it is the first column and the row is fresh) must
 * not pay for a stack frame: otherwise they jump to an out-of-line twin that
 * begins the row first (a tail call).
 */
#define SETTER(name, params, args, body)                                       \
    static __attribute__((noinline)) void name##_begin params {               \
        begin(o);                                                              \
        body;                                                                  \
    }                                                                          \
    void name params {                                                         \
        if (SL_UNLIKELY(!o->started) && !begin_fresh(o)) {                     \
            name##_begin args;                                                 \
            return;                                                            \
        }                                                                      \
        body;                                                                  \
    }

SETTER(sl_out_null, (sl_out * o, int col), (o, col), slbatch_set_null(o->b, col, o->row))
SETTER(sl_out_bool, (sl_out * o, int col, bool v), (o, col, v),
       slbatch_set_bool(o->b, col, o->row, v))
SETTER(sl_out_bigint, (sl_out * o, int col, int64_t v), (o, col, v),
       slbatch_set_i64(o->b, col, o->row, v))
SETTER(sl_out_double, (sl_out * o, int col, double v), (o, col, v),
       slbatch_set_f64(o->b, col, o->row, v))
SETTER(sl_out_timestamp, (sl_out * o, int col, int64_t ts_us), (o, col, ts_us),
       slbatch_set_i64(o->b, col, o->row, ts_us))
SETTER(sl_out_time, (sl_out * o, int64_t ts_us), (o, ts_us), o->b->ts[o->row] = ts_us)
SETTER(sl_out_kind, (sl_out * o, sl_rowkind k), (o, k), o->b->kind[o->row] = (uint8_t)k)

void sl_out_string(sl_out *o, int col, const char *s, size_t len) {
    slbatch_set_str(o->b, col, cur(o), s, len);
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

/* Hand the batch on and continue in the one flush returns. */
static __attribute__((noinline)) void next_batch(sl_out *o) {
    o->b = o->flush(o->b, o->flush_user);
    o->row = o->b->n;
    o->fresh_from = o->fresh_to = 0;
}

static __attribute__((noinline)) void emit_begin(sl_out *o);

void sl_out_emit(sl_out *o) {
    if (SL_UNLIKELY(!o->started) && !begin_fresh(o)) {
        emit_begin(o); /* a row of NULLs */
        return;
    }
    /* A batch this fills is handed on when the next row starts (or at
     * slout_flush), not now: a generator that stops here needs no new one. */
    o->b->n = o->row + 1;
    o->started = false;
    o->emitted++;
}

static void emit_begin(sl_out *o) {
    begin(o);
    sl_out_emit(o);
}

void slout_flush(sl_out *o) {
    if (o->b->n > 0) {
        o->started = false;
        next_batch(o);
    }
}
