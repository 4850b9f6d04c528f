/*
 * winassign.c - window table functions without aggregation (contract in
 * over.h): SELECT * FROM TABLE(TUMBLE|HOP|CUMULATE(...)) appends
 * window_start, window_end and window_time to each row, one output row per
 * window the row's time falls in.
 *
 * Window arithmetic (times in us, `offset` shifts every boundary, floor_mod
 * keeps negative times right):
 *   TUMBLE   start = t - floor_mod(t - offset, size); one window [start, start + size)
 *   HOP      every [s, s + size) with s = offset + k * slide and s <= t < s + size,
 *            emitted by increasing s (size need not be a multiple of slide)
 *   CUMULATE with S the TUMBLE start of `size` holding t: [S, S + step * k) for
 *            k = 1 .. size / step with S + step * k > t, by increasing end
 * window_time = window_end - 1 and is the output row's event time; the row
 * kind passes through. Windows are computed exactly (128-bit) and bounds
 * outside the int64 range are clamped to SL_TIME_MIN / SL_TIME_MAX.
 * With spec.processing_time the job's clock (read once per batch) replaces
 * the row's event time for the assignment. TUMBLE adds the columns to the
 * input batch in place (one output row per input row, same order); HOP and
 * CUMULATE copy rows into new batches.
 *
 * A stateless operator: the planner adds it with chainable = true.
 * Thread: the owning worker (op.h); slwinassign_arg_* on the builder's thread.
 */
#include <inttypes.h>

#include "ops/over.h"

typedef __int128 i128;

static i128 floor_mod(i128 a, i128 m) {
    i128 r = a % m;
    return r < 0 ? r + m : r;
}

static int64_t clamp(i128 v) {
    return v < SL_TIME_MIN ? SL_TIME_MIN : v > SL_TIME_MAX ? SL_TIME_MAX : (int64_t)v;
}

/* The start of the window of `size` on the grid offset + k * size holding t
 * (exact: 128-bit arithmetic). */
static i128 align_start(int64_t t, int64_t offset, int64_t size) {
    /* 64-bit when nothing can overflow (every real time and window size);
     * 128-bit division is a library call. */
    const int64_t lim = INT64_C(1) << 61;
    if (t > -lim && t < lim && offset > -lim && offset < lim && size < lim) {
        int64_t r = (t - offset) % size;
        return (i128)(t - (r < 0 ? r + size : r));
    }
    return (i128)t - floor_mod((i128)t - offset, size);
}

sl_err slwinassign_arg_new(const sl_schema *in, const sl_window_spec *spec, slwinassign_arg **out) {
    *out = NULL;
    const char *what = spec->kind == SL_WINDOW_TUMBLE ? "TUMBLE"
                       : spec->kind == SL_WINDOW_HOP  ? "HOP"
                                                      : "CUMULATE";
    switch (spec->kind) {
    case SL_WINDOW_TUMBLE:
        if (spec->size <= 0) {
            return slerr_set(SL_ERR_ARG, "TUMBLE window: size must be > 0 (got %" PRId64 ")",
                             spec->size);
        }
        break;
    case SL_WINDOW_HOP:
    case SL_WINDOW_CUMULATE:
        if (spec->size <= 0 || spec->slide <= 0) {
            return slerr_set(SL_ERR_ARG, "%s window: size and %s must be > 0", what,
                             spec->kind == SL_WINDOW_HOP ? "slide" : "step");
        }
        if (spec->kind == SL_WINDOW_CUMULATE && spec->size % spec->slide != 0) {
            return slerr_set(SL_ERR_ARG,
                             "CUMULATE window: max size (%" PRId64
                             " us) must be a whole multiple of the step (%" PRId64 " us)",
                             spec->size, spec->slide);
        }
        break;
    case SL_WINDOW_SESSION:
        return slerr_set(SL_ERR_UNSUPPORTED,
                         "SESSION windows cannot be assigned row by row: they need the window "
                         "aggregation");
    default:
        return slerr_set(SL_ERR_ARG, "window table function: unsupported window kind %d",
                         (int)spec->kind);
    }
    static const char *const names[3] = {"window_start", "window_end", "window_time"};
    sl_schema *s = slschema_copy(in);
    sl_err err = SL_OK;
    for (int i = 0; i < 3 && !err; i++) {
        err = sl_schema_add(s, names[i], SL_TIMESTAMP);
    }
    if (err) {
        slschema_unref(s);
        return slerr_prefix(err, "%s window table function: ", what);
    }
    slwinassign_arg *a = slmem_calloc(1, sizeof *a);
    a->in = slschema_ref(in);
    a->out = s;
    a->spec = *spec;
    *out = a;
    return SL_OK;
}

void slwinassign_arg_free(void *arg) {
    slwinassign_arg *a = arg;
    if (!a) {
        return;
    }
    slschema_unref(a->in);
    slschema_unref(a->out);
    slmem_free(a);
}

typedef struct waop {
    slop base;
    const slwinassign_arg *arg; /* borrowed: the graph owns it */
    slbatch *out;               /* owned: output being filled */
} waop;

/* Append row i of b with window [start, end) (clamped to the int64 range)
 * to the output. */
static void put_row(waop *op, const slbatch *b, uint32_t i, i128 start128, i128 end128) {
    int64_t start = clamp(start128), end = clamp(end128);
    slopctx *c = op->base.ctx;
    if (op->out && slbatch_full(op->out)) {
        slop_emit(c, 0, op->out);
        op->out = NULL;
    }
    if (!op->out) {
        op->out = slbatch_new(op->arg->out, c->batch_rows);
    }
    slbatch *o = op->out;
    uint32_t j = o->n;
    int n = b->schema->n;
    for (int col = 0; col < n; col++) {
        slbatch_copy_value(o, col, j, b, col, i);
    }
    int64_t wt = end == SL_TIME_MIN ? SL_TIME_MIN : end - 1;
    slbatch_set_i64(o, n, j, start);
    slbatch_set_i64(o, n + 1, j, end);
    slbatch_set_i64(o, n + 2, j, wt);
    o->ts[j] = wt;
    o->kind[j] = b->kind[i];
    o->n = j + 1;
}

/* TUMBLE: one window per row, so the three columns are added to the input
 * batch itself (slbatch_extend) and no row is copied. */
static void tumble_in_place(waop *op, slbatch *b, int64_t now) {
    const sl_window_spec *sp = &op->arg->spec;
    int n = b->schema->n;
    slbatch_extend(b, op->arg->out);
    slcol *cs = &b->cols[n], *ce = &b->cols[n + 1], *ct = &b->cols[n + 2];
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t t = sp->processing_time ? now : b->ts[i];
        i128 start128 = align_start(t, sp->offset, sp->size);
        int64_t start = clamp(start128), end = clamp(start128 + sp->size);
        int64_t wt = end == SL_TIME_MIN ? SL_TIME_MIN : end - 1;
        cs->v.i64[i] = start;
        ce->v.i64[i] = end;
        ct->v.i64[i] = wt;
        cs->nulls[i] = ce->nulls[i] = ct->nulls[i] = 0;
        b->ts[i] = wt;
    }
}

static void wa_batch_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    waop *op = (waop *)o;
    const sl_window_spec *sp = &op->arg->spec;
    slmetric_add(&o->ctx->metrics->rows_in, b->n);
    int64_t now = sp->processing_time ? slclock_now(o->ctx->clock) : 0;
    if (sp->kind == SL_WINDOW_TUMBLE) {
        tumble_in_place(op, b, now);
        if (b->n) {
            slop_emit(o->ctx, 0, b);
        } else {
            slbatch_free(b);
        }
        return;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t t = sp->processing_time ? now : b->ts[i];
        switch (sp->kind) {
        case SL_WINDOW_HOP: {
            /* Starts on the slide grid in (t - size, last]: k + 1 of them. */
            i128 last = align_start(t, sp->offset, sp->slide);
            i128 diff = last - ((i128)t - sp->size);
            if (diff <= 0) {
                break; /* slide > size and t falls between windows */
            }
            int64_t k = (int64_t)((diff - 1) / sp->slide);
            for (int64_t j = k; j >= 0; j--) {
                i128 s = last - (i128)j * sp->slide;
                put_row(op, b, i, s, s + sp->size);
            }
            break;
        }
        case SL_WINDOW_CUMULATE: {
            i128 start = align_start(t, sp->offset, sp->size);
            int64_t steps = sp->size / sp->slide;
            for (int64_t k = 1; k <= steps; k++) {
                i128 end = start + (i128)sp->slide * k;
                if (end > t) {
                    put_row(op, b, i, start, end);
                }
            }
            break;
        }
        default: {
            i128 start = align_start(t, sp->offset, sp->size);
            put_row(op, b, i, start, start + sp->size);
            break;
        }
        }
    }
    slbatch_free(b);
    if (op->out && op->out->n) {
        slop_emit(o->ctx, 0, op->out);
        op->out = NULL;
    }
}

static void wa_free(slop *o) {
    waop *op = (waop *)o;
    if (!op) {
        return;
    }
    slbatch_free(op->out);
    slmem_free(op);
}

static const slop_vt winassign_vt = {
    .name = "window_assign",
    .batch_take = wa_batch_take,
    .free = wa_free,
};

slop *slwinassign_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    waop *op = slmem_calloc(1, sizeof *op);
    op->base.vt = &winassign_vt;
    op->arg = arg;
    return &op->base;
}
