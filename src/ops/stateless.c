/*
 * stateless.c - filter / map / flat_map with user C callbacks, union, and the
 * bounded-out-of-orderness watermark assigner. Filters compact the batch they
 * own in place; maps write a new batch of the output schema through sl_out.
 * Thread: the owning worker (see op.h).
 */
#include <stdio.h>

#include "ops/opstate.h"
#include "ops/stateless.h"

/* ---- filter / map / flat_map ---- */

typedef struct fnop {
    slop base;
    const slfn_arg *arg; /* borrowed: owned by the graph node */
    uint8_t *keep;       /* owned: filter flags, batch_rows long */
    uint32_t keep_cap;
    sl_out out;          /* map writer; out.b owned between batches */
} fnop;

slfn_arg *slfn_arg_new(slfn_kind kind, void *fn, void *user, const sl_schema *out_schema) {
    slfn_arg *a = slmem_calloc(1, sizeof *a);
    a->kind = kind;
    if (kind == SLFN_FILTER) {
        a->filter = (sl_filter_fn)fn;
    } else {
        a->map = (sl_map_fn)fn;
    }
    a->user = user;
    a->out_schema = out_schema ? slschema_ref(out_schema) : NULL;
    return a;
}

void slfn_arg_free(void *p) {
    slfn_arg *a = p;
    if (a) {
        slschema_unref(a->out_schema);
        slmem_free(a);
    }
}

static slbatch *fn_flush(slbatch *full, void *user) {
    fnop *op = user;
    slop_emit(op->base.ctx, 0, full);
    return slbatch_new(op->arg->out_schema, op->base.ctx->batch_rows);
}

static sl_err fn_open(slop *o, slopctx *c) {
    fnop *op = (fnop *)o;
    if (op->arg->kind != SLFN_FILTER) {
        slout_init(&op->out, slbatch_new(op->arg->out_schema, c->batch_rows), fn_flush, op);
    }
    return SL_OK;
}

static void fn_batch_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    fnop *op = (fnop *)o;
    const slfn_arg *a = op->arg;
    slmetric_add(&o->ctx->metrics->rows_in, b->n);
    sl_row r = {b, 0};
    if (a->kind == SLFN_FILTER) {
        if (b->n > op->keep_cap) {
            slmem_free(op->keep);
            op->keep = slmem_alloc(b->n);
            op->keep_cap = b->n;
        }
        for (uint32_t i = 0; i < b->n; i++) {
            r.i = i;
            op->keep[i] = a->filter(&r, a->user);
        }
        slbatch_compact(b, op->keep);
        slop_emit(o->ctx, 0, b);
        return;
    }
    sl_out *out = &op->out;
    for (uint32_t i = 0; i < b->n; i++) {
        r.i = i;
        out->default_ts = b->ts[i];
        out->default_kind = b->kind[i];
        if (a->kind == SLFN_MAP) {
            a->map(&r, out, a->user);
            sl_out_emit(out);
        } else {
            a->map(&r, out, a->user);
            out->started = false; /* a row begun but not emitted is dropped */
        }
    }
    slbatch_free(b);
    slout_flush(out);
}

static void fn_free(slop *o) {
    fnop *op = (fnop *)o;
    if (op->out.b) {
        slbatch_free(op->out.b);
    }
    slmem_free(op->keep);
    slmem_free(op);
}

static const slop_vt fn_vt = {
    .name = "fn",
    .open = fn_open,
    .batch_take = fn_batch_take,
    .free = fn_free,
};

slop *slfn_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    fnop *op = slmem_calloc(1, sizeof *op);
    op->base.vt = &fn_vt;
    op->arg = arg;
    return &op->base;
}

/* ---- union ---- */

static void union_batch_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    slmetric_add(&o->ctx->metrics->rows_in, b->n);
    slop_emit(o->ctx, 0, b);
}

static void union_free(slop *o) {
    slmem_free(o);
}

static const slop_vt union_vt = {
    .name = "union",
    .batch_take = union_batch_take,
    .free = union_free,
};

slop *slunion_new(void *arg, int subtask) {
    SL_UNUSED(arg);
    SL_UNUSED(subtask);
    slop *op = slmem_calloc(1, sizeof *op);
    op->vt = &union_vt;
    return op;
}

/* ---- watermark assigner ---- */

typedef struct wmop {
    slop base;
    const slwm_arg *arg; /* borrowed */
    int64_t max_ts;      /* largest event time seen (SL_TIME_MIN before any) */
    int64_t emitted;     /* last watermark emitted */
    uint8_t *keep;       /* owned */
    uint32_t keep_cap;
} wmop;

void slwm_arg_free(void *p) {
    slwm_arg *a = p;
    if (a) {
        slmem_free(a->col_name);
        slmem_free(a);
    }
}

/* The watermark after seeing event times up to max_ts. */
static int64_t wm_after(const wmop *op, int64_t max_ts) {
    if (max_ts == SL_TIME_MIN || max_ts < SL_TIME_MIN + op->arg->bound_us + 1) {
        return SL_TIME_MIN;
    }
    return max_ts - op->arg->bound_us - 1;
}

static void wm_grow_keep(wmop *op, uint32_t n) {
    if (n > op->keep_cap) {
        slmem_free(op->keep);
        op->keep = slmem_alloc(n);
        op->keep_cap = n;
    }
}

/*
 * Emit b, splitting it where a row is behind the watermark that the rows
 * before it imply: the watermark is emitted before that row, so whether a
 * row is late depends only on the rows before it in the input, never on how
 * the input was cut into batches (as if a watermark followed every row).
 * Splits happen only at such rows, so in-order input is never split.
 */
static void wm_emit_split(wmop *op, slopctx *c, slbatch *b, int64_t max_before) {
    uint32_t start = 0;
    int64_t m = max_before;
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t t = b->ts[i];
        int64_t w = wm_after(op, m);
        if (t <= w && w > op->emitted) {
            if (i > start) {
                slbatch *part = slbatch_new(b->schema, i - start);
                for (uint32_t k = start; k < i; k++) {
                    slbatch_append_row(part, b, k);
                }
                slop_emit(c, 0, part);
            }
            op->emitted = w;
            c->emit_watermark(c, w);
            start = i;
        }
        m = t > m ? t : m;
    }
    if (start > 0) {
        wm_grow_keep(op, b->n);
        for (uint32_t i = 0; i < b->n; i++) {
            op->keep[i] = i >= start;
        }
        slbatch_compact(b, op->keep);
    }
    slop_emit(c, 0, b);
}

static void wm_batch_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    wmop *op = (wmop *)o;
    slopctx *c = o->ctx;
    const slcol *col = &b->cols[op->arg->col];
    slmetric_add(&c->metrics->rows_in, b->n);
    int64_t max_before = op->max_ts;
    /* Simple loops over locals: NULLs are looked for 8 flags at a time, the
     * time column is one memcpy, and the maximum skips the NULL test when
     * there are none (two running maxima, for instruction-level
     * parallelism). */
    const uint8_t *nulls = col->nulls;
    const int64_t *v = col->v.i64;
    uint32_t n = b->n;
    uint64_t any_null = 0;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, nulls + i, 8);
        any_null |= w;
    }
    for (; i < n; i++) {
        any_null |= nulls[i];
    }
    memcpy(b->ts, v, (size_t)n * sizeof *v);
    int64_t max_ts = op->max_ts;
    if (!any_null) {
        int64_t m2 = max_ts;
        for (i = 0; i + 2 <= n; i += 2) {
            max_ts = v[i] > max_ts ? v[i] : max_ts;
            m2 = v[i + 1] > m2 ? v[i + 1] : m2;
        }
        if (i < n && v[i] > max_ts) {
            max_ts = v[i];
        }
        max_ts = SL_MAX(max_ts, m2);
    } else {
        for (i = 0; i < n; i++) {
            max_ts = (!nulls[i] && v[i] > max_ts) ? v[i] : max_ts;
        }
    }
    op->max_ts = max_ts;
    if (any_null) {
        wm_grow_keep(op, b->n);
        char reason[160];
        snprintf(reason, sizeof reason, "event time column '%s' is NULL", op->arg->col_name);
        slbuf raw = {0};
        for (i = 0; i < b->n; i++) {
            op->keep[i] = !col->nulls[i];
            if (col->nulls[i]) {
                slbuf_reset(&raw);
                slfmt_json_row(&raw, b, i, false);
                slop_dead_letter(c, "watermark", op->arg->col_name, reason, raw.data, raw.len);
            }
        }
        slbuf_free(&raw);
        slbatch_compact(b, op->keep);
    }
    /* Only a batch whose times go backwards somewhere can hold a row that
     * the rows before it make late (the first row is compared with the
     * watermark already emitted, which is the one the earlier rows imply). */
    const int64_t *ts = b->ts;
    uint32_t n_back = 0;
    for (i = 1; i < b->n; i++) {
        n_back += ts[i] < ts[i - 1];
    }
    if (n_back) {
        wm_emit_split(op, c, b, max_before);
    } else {
        slop_emit(c, 0, b);
    }
    int64_t wm = wm_after(op, op->max_ts);
    if (wm > op->emitted) {
        op->emitted = wm;
        c->emit_watermark(c, wm);
    }
}

static int64_t wm_watermark(slop *o, int64_t wm) {
    wmop *op = (wmop *)o;
    if (wm == SL_TIME_MAX) {
        op->emitted = wm;
        return wm;
    }
    return op->emitted;
}

static void wm_free(slop *o) {
    wmop *op = (wmop *)o;
    slmem_free(op->keep);
    slmem_free(op);
}

/* Checkpoints (opstate.h): the blob is {largest event time, last watermark
 * emitted}. At the same parallelism subtask j reads the same input as old
 * subtask j did and takes blob j exactly. Rescaled, it cannot know which old
 * inputs it now reads: it takes the minimum of every field, so no row that
 * was on time becomes late (downstream operators keep their own watermarks,
 * which never go back). */
#define WM_TAG SLOPSTATE_TAG('W', 'M', 'A', 1)

static sl_err wm_snapshot(slop *o, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    wmop *op = (wmop *)o;
    int64_t v[2] = {op->max_ts, op->emitted};
    slopstate_put(opstate, WM_TAG, v, 2);
    return SL_OK;
}

static sl_err wm_restore(slop *o, const slbuf *opstate, int n) {
    wmop *op = (wmop *)o;
    slopctx *c = o->ctx;
    sl_err err = SL_OK;
    bool any = false;
    int64_t max_ts = SL_TIME_MAX, emitted = SL_TIME_MAX;
    for (int j = 0; j < n; j++) {
        if (n == c->parallelism && j != c->subtask) {
            continue;
        }
        int64_t v[2];
        if (slopstate_get(&opstate[j], WM_TAG, v, 2, "watermark assigner", &err)) {
            any = true;
            max_ts = SL_MIN(max_ts, v[0]);
            emitted = SL_MIN(emitted, v[1]);
        } else if (err) {
            return err;
        }
    }
    if (any) {
        op->max_ts = max_ts;
        op->emitted = emitted;
    }
    return SL_OK;
}

static const slop_vt wm_vt = {
    .name = "watermark",
    .batch_take = wm_batch_take,
    .watermark = wm_watermark,
    .free = wm_free,
    .snapshot = wm_snapshot,
    .restore = wm_restore,
};

slop *slwm_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    wmop *op = slmem_calloc(1, sizeof *op);
    op->base.vt = &wm_vt;
    op->arg = arg;
    op->max_ts = SL_TIME_MIN;
    op->emitted = SL_TIME_MIN;
    return &op->base;
}
