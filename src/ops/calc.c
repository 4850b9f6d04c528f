/*
 * calc.c - the SQL projection/filter operator (calc.h): per input batch,
 * evaluate the WHERE predicate into keep flags, compact the batch in place
 * (it is ours: batch_take takes it), then compute each output column over the
 * kept rows into a new batch of the output schema, and emit that. Filtering
 * first means projections never run on rows that are dropped. Event times
 * and row kinds are copied per kept row. Nothing is copied per string: the
 * output batch takes over the input's arena (slbatch_adopt_strings), so a
 * column passed through as it is keeps pointing at the same bytes and a
 * computed string is added to that arena; such a column is moved (its arrays
 * swapped) on its last reference and copied on earlier ones. The input batch
 * is freed before the output leaves.
 * Filter-only mode forwards the compacted input batch itself.
 *
 * Common subexpressions of the WHERE and the projections (slexpr_share) are
 * computed once per batch: the evaluator keeps their vectors from
 * slexpr_eval_begin_batch on, compacts those the WHERE computed along with
 * the batch, and the projections reuse them (see eval.c for why that is safe
 * under CASE and AND/OR).
 *
 * Stateless and chainable. Thread: the owning worker (see op.h); each
 * subtask has its own evaluator (scratch), the argument is shared read-only.
 */
#include "ops/calc.h"

typedef struct calcop {
    slop base;
    const slcalc_arg *arg; /* borrowed: owned by the graph node */
    slexpr_eval *ev;       /* owned */
    uint8_t *keep;         /* owned: keep_cap flags */
    uint32_t keep_cap;
} calcop;

static void free_exprs(slexpr *where, slexpr **proj, int n) {
    slexpr_free(where);
    for (int i = 0; i < n; i++) {
        slexpr_free(proj[i]);
    }
}

sl_err slcalc_arg_new(const sl_schema *in, const sl_schema *out, slexpr *where, slexpr **proj,
                      int n, slcalc_arg **res) {
    *res = NULL;
    sl_err err = SL_OK;
    if (n < 0 || (n == 0 && out) || (n > 0 && (!out || out->n != n))) {
        err = slerr_set(SL_ERR_ARG, "calc: %d expressions for an output of %d columns", n,
                        out ? out->n : 0);
        goto fail;
    }
    if (where) {
        sl_type t = slexpr_type(where);
        if (t != SL_BOOLEAN && t != SL_NULLTYPE) {
            slbuf d = {0};
            slexpr_describe(where, in, &d);
            err = slerr_set(SL_ERR_TYPE, "WHERE condition must be BOOLEAN, got %s: %s",
                            t == SL_INTERVAL ? "INTERVAL" : sl_type_name(t), slbuf_cstr(&d));
            slbuf_free(&d);
            goto fail;
        }
        if ((err = slexpr_check_columns(where, in))) {
            goto fail;
        }
    }
    for (int i = 0; i < n; i++) {
        sl_type t = slexpr_type(proj[i]), want = out->fields[i].type;
        if (t != want) {
            slbuf d = {0};
            slexpr_describe(proj[i], in, &d);
            err = slerr_set(SL_ERR_TYPE, "column '%s' is %s, its expression %s is %s",
                            out->fields[i].name, sl_type_name(want), slbuf_cstr(&d),
                            t == SL_INTERVAL   ? "INTERVAL"
                            : t == SL_NULLTYPE ? "NULL"
                                               : sl_type_name(t));
            slbuf_free(&d);
            goto fail;
        }
        if ((err = slexpr_check_columns(proj[i], in))) {
            goto fail;
        }
    }
    slcalc_arg *a = slmem_calloc(1, sizeof *a);
    a->in = slschema_ref(in);
    a->out = slschema_ref(n ? out : in);
    a->where = where;
    a->n_proj = n;
    if (n) {
        a->proj = slmem_alloc(slmem_mul((size_t)n, sizeof *a->proj));
        memcpy(a->proj, proj, (size_t)n * sizeof *proj);
        a->src_col = slmem_alloc(slmem_mul((size_t)n, sizeof *a->src_col));
        a->last_use = slmem_calloc((size_t)n, sizeof *a->last_use);
        for (int i = 0; i < n; i++) {
            a->src_col[i] = slexpr_column_index(proj[i]);
        }
        for (int i = 0; i < n; i++) {
            bool last = a->src_col[i] >= 0;
            for (int k = i + 1; k < n && last; k++) {
                last = a->src_col[k] != a->src_col[i];
            }
            a->last_use[i] = last;
        }
    }
    /* One set for the sharing: the WHERE first, as it is evaluated first. */
    slexpr **all = slmem_alloc(slmem_mul((size_t)n + 1, sizeof *all));
    all[0] = where;
    if (n) {
        memcpy(all + 1, proj, (size_t)n * sizeof *proj);
    }
    a->n_shared = slexpr_share(all, n + 1);
    slmem_free(all);
    *res = a;
    return SL_OK;
fail:
    free_exprs(where, proj, n > 0 ? n : 0);
    return err;
}

void slcalc_arg_free(void *p) {
    slcalc_arg *a = p;
    if (!a) {
        return;
    }
    free_exprs(a->where, a->proj, a->n_proj);
    slmem_free(a->proj);
    slmem_free(a->src_col);
    slmem_free(a->last_use);
    slschema_unref(a->in);
    slschema_unref(a->out);
    slmem_free(a);
}

static sl_err calc_open(slop *o, slopctx *c) {
    calcop *op = (calcop *)o;
    op->ev = slexpr_eval_new(c->batch_rows);
    return SL_OK;
}

static void calc_batch_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    calcop *op = (calcop *)o;
    const slcalc_arg *a = op->arg;
    slopctx *c = o->ctx;
    slmetric_add(&c->metrics->rows_in, b->n);
    if (!op->ev) {
        op->ev = slexpr_eval_new(b->n);
    }
    slexpr_eval_set_now(op->ev, slclock_now(c->clock));
    slexpr_eval_begin_batch(op->ev);
    if (a->where && b->n) {
        if (b->n > op->keep_cap) {
            slmem_free(op->keep);
            op->keep = slmem_alloc(b->n);
            op->keep_cap = b->n;
        }
        slexpr_eval_filter(op->ev, a->where, b, op->keep);
        uint32_t kept = 0;
        for (uint32_t i = 0; i < b->n; i++) {
            kept += op->keep[i];
        }
        if (kept < b->n) {
            uint32_t n_in = b->n;
            slbatch_compact(b, op->keep);
            slexpr_eval_compact(op->ev, op->keep, n_in);
        }
    }
    if (a->n_proj == 0 || b->n == 0) {
        slop_emit(c, 0, b); /* an empty batch is freed there */
        return;
    }
    uint32_t n = b->n;
    slbatch *out = slbatch_new(a->out, b->cap);
    /* Computed columns first (they may read any input column), then the bare
     * column references: copied, or on a column's last reference moved. */
    slbatch_adopt_strings(out, b);
    for (int i = 0; i < a->n_proj; i++) {
        if (a->src_col[i] < 0) {
            slexpr_eval_into(op->ev, a->proj[i], b, out, i);
        }
    }
    for (int i = 0; i < a->n_proj; i++) {
        if (a->last_use[i]) {
            slbatch_move_column(out, i, b, a->src_col[i]);
        } else if (a->src_col[i] >= 0) {
            slbatch_copy_column(out, i, b, a->src_col[i], n);
        }
    }
    memcpy(out->ts, b->ts, (size_t)n * sizeof *b->ts);
    memcpy(out->kind, b->kind, n);
    out->n = n;
    slbatch_free(b);
    slop_emit(c, 0, out);
}

static void calc_free(slop *o) {
    calcop *op = (calcop *)o;
    slexpr_eval_free(op->ev);
    slmem_free(op->keep);
    slmem_free(op);
}

static const slop_vt calc_vt = {
    .name = "calc",
    .open = calc_open,
    .batch_take = calc_batch_take,
    .free = calc_free,
};

slop *slcalc_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    calcop *op = slmem_calloc(1, sizeof *op);
    op->base.vt = &calc_vt;
    op->arg = arg;
    return &op->base;
}
