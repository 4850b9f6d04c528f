/*
 * plan_join.c - planning `left [INNER|LEFT|RIGHT|FULL] JOIN right ON ...`
 * (and USING) into one of the join operators of ops/join.h, as Flink SQL
 * picks them:
 *
 *   temporal   right is `table FOR SYSTEM_TIME AS OF left.rowtime`;
 *   window     both sides are window table functions (same spec) and ON
 *              equates their window_start and window_end;
 *   interval   ON bounds left.rowtime against right.rowtime from both sides
 *              (BETWEEN, >=, >, <=, <, with +/- INTERVAL literals);
 *   regular    anything else with at least one equality between the sides.
 *
 * The ON condition is split into its AND-ed conjuncts: equalities between a
 * column of each side are the join key (types must be equal), window and
 * interval conjuncts are consumed by those modes, the rest becomes the
 * residual condition evaluated on candidate pairs. A join without an
 * equality key (a cross join of unbounded streams) is refused.
 *
 * The joined relation has the left columns then the right ones, with their
 * qualifiers; columns of the right named in USING are hidden (so * shows
 * them once).
 */
#include <stdio.h>
#include <strings.h>

#include "ops/join.h"
#include "sql/sql_int.h"

typedef struct jplan {
    slplan *p;
    const slfrom *f;
    slrel l, r, j;        /* j: the joined relation (over a stand-in stream) */
    int nl;               /* columns of l */
    slkeyspec key[2];
    slpos key_pos;
    const slx **resid;    /* arena array */
    int n_resid;
    bool wstart_eq, wend_eq;
    bool has_lo, has_hi;
    int64_t lo, hi;       /* lo <= L.t - R.t <= hi */
} jplan;

#define refuse(jp, pos, ...) slplan_err((jp)->p, pos, SL_ERR_UNSUPPORTED, __VA_ARGS__)

/* The joined-relation column of a bare column reference, or -1. */
static int column_of(jplan *jp, const slx *x) {
    if (!x || x->kind != SLX_COLUMN) {
        return -1;
    }
    int c = slrel_find(&jp->j, x->qual, x->text);
    return c >= 0 ? c : -1;
}

/* `t`, `t + INTERVAL`, `t - INTERVAL` over a rowtime column of either side:
 * the side (0/1) and the offset in microseconds; -1 otherwise. */
static int time_term(jplan *jp, const slx *x, int64_t *off) {
    *off = 0;
    if (x->kind == SLX_BINARY && (x->op == SLOP_ADD || x->op == SLOP_SUB) &&
        x->kids[1]->kind == SLX_INTERVAL && !(x->kids[1]->flags & SLX_F_MONTHS)) {
        *off = x->op == SLOP_ADD ? x->kids[1]->i : -x->kids[1]->i;
        x = x->kids[0];
    }
    int c = column_of(jp, x);
    if (c < 0) {
        return -1;
    }
    if (c < jp->nl) {
        return c == jp->l.rowtime ? 0 : -1;
    }
    return c - jp->nl == jp->r.rowtime ? 1 : -1;
}

/* a op b over the two time attributes: tighten [lo, hi] of L.t - R.t.
 * Returns false when it is not such a bound. */
static bool time_bound(jplan *jp, const slx *a, slx_op op, const slx *b) {
    int64_t oa, ob;
    int sa = time_term(jp, a, &oa), sb = time_term(jp, b, &ob);
    if (sa < 0 || sb < 0 || sa == sb) {
        return false;
    }
    /* t_sa + oa op t_sb + ob  ->  d = L.t - R.t against v */
    int64_t v = ob - oa;
    if (sa == 1) { /* R.t + oa op L.t + ob  ->  -d op (ob - oa)... flip */
        v = oa - ob;
        switch (op) {
        case SLOP_LT: op = SLOP_GT; break;
        case SLOP_LE: op = SLOP_GE; break;
        case SLOP_GT: op = SLOP_LT; break;
        case SLOP_GE: op = SLOP_LE; break;
        default: break;
        }
    }
    switch (op) {
    case SLOP_GE: jp->lo = jp->has_lo ? SL_MAX(jp->lo, v) : v; jp->has_lo = true; break;
    case SLOP_GT: jp->lo = jp->has_lo ? SL_MAX(jp->lo, v + 1) : v + 1; jp->has_lo = true; break;
    case SLOP_LE: jp->hi = jp->has_hi ? SL_MIN(jp->hi, v) : v; jp->has_hi = true; break;
    case SLOP_LT: jp->hi = jp->has_hi ? SL_MIN(jp->hi, v - 1) : v - 1; jp->has_hi = true; break;
    case SLOP_EQ:
        jp->lo = jp->has_lo ? SL_MAX(jp->lo, v) : v;
        jp->hi = jp->has_hi ? SL_MIN(jp->hi, v) : v;
        jp->has_lo = jp->has_hi = true;
        break;
    default: return false;
    }
    return true;
}

static void add_resid(jplan *jp, const slx *x) {
    const slx **n = slarena_alloc(&jp->p->arena, sizeof *n * (size_t)(jp->n_resid + 1));
    if (jp->n_resid) {
        memcpy(n, jp->resid, sizeof *n * (size_t)jp->n_resid);
    }
    n[jp->n_resid++] = x;
    jp->resid = n;
}

static sl_err add_key(jplan *jp, int a, int b, slpos pos) {
    int lc = a < jp->nl ? a : b, rc = (a < jp->nl ? b : a) - jp->nl;
    sl_type lt = sl_schema_type(jp->l.s->schema, lc), rt = sl_schema_type(jp->r.s->schema, rc);
    if (lt != rt) {
        return slplan_err(jp->p, pos, SL_ERR_TYPE,
                          "join key '%s' = '%s' compares %s with %s; CAST one side so both "
                          "have the same type",
                          jp->l.cols[lc].name, jp->r.cols[rc].name, sl_type_name(lt),
                          sl_type_name(rt));
    }
    if (jp->key[0].n == (int)SL_ARRAY_LEN(jp->key[0].cols)) {
        return slplan_err(jp->p, pos, SL_ERR_UNSUPPORTED, "too many join key columns");
    }
    if (jp->key[0].n == 0) {
        jp->key_pos = pos;
    }
    jp->key[0].cols[jp->key[0].n++] = lc;
    jp->key[1].cols[jp->key[1].n++] = rc;
    return SL_OK;
}

static bool is_window_col(const jplan *jp, int c, int which) {
    /* which: 0 window_start, 1 window_end (materialised: n-3, n-2) */
    if (c < jp->nl) {
        return jp->l.n >= 3 && c == jp->nl - 3 + which &&
               strcasecmp(jp->l.cols[c].name, which ? "window_end" : "window_start") == 0;
    }
    c -= jp->nl;
    return jp->r.n >= 3 && c == jp->r.n - 3 + which &&
           strcasecmp(jp->r.cols[c].name, which ? "window_end" : "window_start") == 0;
}

static sl_err conjunct(jplan *jp, const slx *x, bool windowed) {
    if (x->kind == SLX_BINARY && x->op == SLOP_AND) {
        sl_err err = conjunct(jp, x->kids[0], windowed);
        return err ? err : conjunct(jp, x->kids[1], windowed);
    }
    if (x->kind == SLX_BINARY && x->op == SLOP_EQ) {
        int a = column_of(jp, x->kids[0]), b = column_of(jp, x->kids[1]);
        if (a >= 0 && b >= 0 && (a < jp->nl) != (b < jp->nl)) {
            if (windowed && is_window_col(jp, a, 0) && is_window_col(jp, b, 0)) {
                jp->wstart_eq = true;
                return SL_OK;
            }
            if (windowed && is_window_col(jp, a, 1) && is_window_col(jp, b, 1)) {
                jp->wend_eq = true;
                return SL_OK;
            }
            int64_t o;
            if (time_term(jp, x->kids[0], &o) >= 0 && time_term(jp, x->kids[1], &o) >= 0 &&
                !windowed) {
                time_bound(jp, x->kids[0], SLOP_EQ, x->kids[1]);
                return SL_OK;
            }
            return add_key(jp, a, b, x->pos);
        }
    }
    if (!windowed && x->kind == SLX_BINARY &&
        (x->op == SLOP_LT || x->op == SLOP_LE || x->op == SLOP_GT || x->op == SLOP_GE) &&
        time_bound(jp, x->kids[0], x->op, x->kids[1])) {
        return SL_OK;
    }
    if (!windowed && x->kind == SLX_BETWEEN && !(x->flags & (SLX_F_NEGATED | SLX_F_SYMMETRIC))) {
        int64_t o;
        if (time_term(jp, x->kids[0], &o) >= 0 && time_term(jp, x->kids[1], &o) >= 0 &&
            time_term(jp, x->kids[2], &o) >= 0) {
            if (time_bound(jp, x->kids[0], SLOP_GE, x->kids[1]) &&
                time_bound(jp, x->kids[0], SLOP_LE, x->kids[2])) {
                return SL_OK;
            }
        }
    }
    add_resid(jp, x);
    return SL_OK;
}

static bool same_windows(const sl_window_spec *a, const sl_window_spec *b) {
    return a->kind == b->kind && a->size == b->size && a->slide == b->slide &&
           a->offset == b->offset && a->processing_time == b->processing_time;
}

sl_err slplan_join(slplan *p, const slfrom *f, slrel *out) {
    jplan jp = {.p = p, .f = f};
    if (f->join == SLJOIN_CROSS || (!f->on && f->n_using == 0)) {
        return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                          "cross joins of unbounded streams are not supported: their state "
                          "would grow without bound; join ON an equality of the two sides");
    }
    if (f->left->kind == SLFROM_TABLE && f->left->as_of) {
        return slplan_err(p, f->left->pos, SL_ERR_UNSUPPORTED,
                          "FOR SYSTEM_TIME AS OF belongs to the right side of a join (the "
                          "versioned table)");
    }
    bool temporal = f->right->kind == SLFROM_TABLE && f->right->as_of;
    sl_err err = slplan_from(p, f->left, &jp.l);
    if (err) {
        return err;
    }
    if (temporal && slplan_is_lookup_join(p, f, &jp.l)) {
        return slplan_lookup_join(p, f, &jp.l, out); /* AS OF processing time: plan_lookup.c */
    }
    /* A table used twice shares its scan (and its column array): copy. */
    slrelcol *lc = slarena_alloc(&p->arena, sizeof *lc * (size_t)(jp.l.n ? jp.l.n : 1));
    memcpy(lc, jp.l.cols, sizeof *lc * (size_t)jp.l.n);
    jp.l.cols = lc;
    if (temporal) {
        slfrom rf = *f->right;
        rf.as_of = NULL;
        err = slplan_from(p, &rf, &jp.r);
    } else {
        err = slplan_from(p, f->right, &jp.r);
    }
    if (err) {
        return err;
    }
    bool windowed = jp.l.win && jp.r.win;
    if (windowed && !same_windows(&jp.l.spec, &jp.r.spec)) {
        return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                          "a window join needs the same window table function (kind, size, "
                          "slide, offset) on both sides");
    }
    if ((err = slplan_materialize_windows(p, &jp.l, f->pos)) ||
        (err = slplan_materialize_windows(p, &jp.r, f->pos))) {
        return err;
    }
    jp.nl = jp.l.n;
    /* The joined relation, over a stand-in stream with the output schema. */
    sl_schema *outs = sljoin_out_schema(jp.l.s->schema, jp.r.s->schema);
    sl_stream fake = {.schema = outs};
    jp.j = jp.l;
    jp.j.s = &fake;
    jp.j.n = jp.l.n + jp.r.n;
    jp.j.cols = slarena_alloc(&p->arena, sizeof *jp.j.cols * (size_t)(jp.j.n ? jp.j.n : 1));
    memcpy(jp.j.cols, jp.l.cols, sizeof *jp.j.cols * (size_t)jp.l.n);
    memcpy(jp.j.cols + jp.l.n, jp.r.cols, sizeof *jp.j.cols * (size_t)jp.r.n);
    jp.j.win = false;
    for (int i = 0; i < f->n_using; i++) {
        int a = slrel_find(&jp.l, NULL, f->using_cols[i]);
        int b = slrel_find(&jp.r, NULL, f->using_cols[i]);
        if (a < 0 || b < 0) {
            err = slplan_err(p, f->pos, SL_ERR_NOTFOUND,
                             "USING column '%s' must be a column of both sides",
                             f->using_cols[i]);
            goto out;
        }
        if ((err = add_key(&jp, a, jp.nl + b, f->pos))) {
            goto out;
        }
        jp.j.cols[jp.nl + b].hidden = true;
    }
    if (f->on && (err = conjunct(&jp, f->on, windowed))) {
        goto out;
    }
    if (jp.key[0].n == 0) {
        err = slplan_err(p, f->on ? f->on->pos : f->pos, SL_ERR_UNSUPPORTED,
                         "a join needs at least one equality between a column of each side "
                         "(a join key); without one it is a cross join of unbounded streams");
        goto out;
    }
    sljoin_mode mode = SLJOIN_MODE_REGULAR;
    sljoin_type type = f->join == SLJOIN_LEFT    ? SLJT_LEFT
                       : f->join == SLJOIN_RIGHT ? SLJT_RIGHT
                       : f->join == SLJOIN_FULL  ? SLJT_FULL
                                                 : SLJT_INNER;
    const char *what = "Join";
    if (temporal) {
        mode = SLJOIN_MODE_TEMPORAL;
        what = "TemporalJoin";
        const slx *as_of = f->right->as_of;
        int c = as_of->kind == SLX_COLUMN ? slrel_find(&jp.l, as_of->qual, as_of->text) : -1;
        if (c < 0 || c != jp.l.rowtime) {
            err = slplan_err(p, as_of->pos, SL_ERR_UNSUPPORTED,
                             "FOR SYSTEM_TIME AS OF needs the event-time attribute of the left "
                             "side (a column with a WATERMARK) for a temporal join, or its "
                             "processing-time attribute (a PROCTIME() column) for a lookup "
                             "join");
            goto out;
        }
        if (type != SLJT_INNER && type != SLJT_LEFT) {
            err = refuse(&jp, f->pos, "a temporal join is %s: only INNER and LEFT joins are "
                                      "supported", type == SLJT_RIGHT ? "RIGHT" : "FULL");
            goto out;
        }
        if (jp.r.rowtime < 0) {
            err = refuse(&jp, f->right->pos,
                         "the versioned table '%s' needs an event-time attribute (a WATERMARK) "
                         "and a PRIMARY KEY",
                         f->right->name);
            goto out;
        }
        if (jp.l.updating) {
            err = refuse(&jp, f->left->pos, "%s",
                         "the left side of a temporal join must be append-only");
            goto out;
        }
        slcat_entry *t = slcat_find(p->sess, f->right->name);
        if (t && !t->view && t->def->n_pk > 0) {
            for (int k = 0; k < t->def->n_pk; k++) {
                bool in_key = false;
                for (int x = 0; x < jp.key[1].n; x++) {
                    in_key |= strcasecmp(jp.r.cols[jp.key[1].cols[x]].name, t->def->pk[k]) == 0;
                }
                if (!in_key) {
                    err = slplan_err(p, f->on ? f->on->pos : f->pos, SL_ERR_UNSUPPORTED,
                                     "a temporal join must equate the versioned table's "
                                     "primary key column '%s'",
                                     t->def->pk[k]);
                    goto out;
                }
            }
        } else if (t && !t->view) {
            err = refuse(&jp, f->right->pos,
                         "the versioned table '%s' needs a PRIMARY KEY (..) NOT ENFORCED",
                         f->right->name);
            goto out;
        }
    } else if (windowed) {
        mode = SLJOIN_MODE_WINDOW;
        what = "WindowJoin";
        if (!jp.wend_eq || !jp.wstart_eq) {
            err = slplan_err(p, f->on ? f->on->pos : f->pos, SL_ERR_UNSUPPORTED,
                             "a window join needs ON ... AND L.window_start = R.window_start AND "
                             "L.window_end = R.window_end");
            goto out;
        }
    } else if (jp.has_lo || jp.has_hi) {
        mode = SLJOIN_MODE_INTERVAL;
        what = "IntervalJoin";
        if (!jp.has_lo || !jp.has_hi) {
            err = slplan_err(p, f->on->pos, SL_ERR_UNSUPPORTED,
                             "an interval join needs both a lower and an upper bound on the "
                             "time attributes (L.ts BETWEEN R.ts - INTERVAL .. AND R.ts + "
                             "INTERVAL ..)");
            goto out;
        }
        if (jp.lo > jp.hi) {
            err = slplan_err(p, f->on->pos, SL_ERR_ARG,
                             "the interval join bounds are empty (lower bound above upper)");
            goto out;
        }
        if (jp.l.updating || jp.r.updating) {
            err = slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                             "an interval join needs append-only inputs");
            goto out;
        }
    }
    /* The residual, bound over the joined relation. */
    slexpr *residual = NULL;
    for (int i = 0; i < jp.n_resid; i++) {
        slbind b = {.p = p, .r = &jp.j, .clause = "ON"};
        slexpr *e;
        if ((err = slbind_expr(&b, jp.resid[i], &e))) {
            slexpr_free(residual);
            goto out;
        }
        if (slexpr_type(e) != SL_BOOLEAN) {
            slexpr_free(e);
            slexpr_free(residual);
            err = slplan_err(p, jp.resid[i]->pos, SL_ERR_TYPE, "%s",
                             "a join condition must be BOOLEAN");
            goto out;
        }
        if (residual) {
            slexpr_func("AND", (slexpr *[]){residual, e}, 2, &residual);
        } else {
            residual = e;
        }
    }
    sljoin_arg *a;
    if ((err = sljoin_arg_new(mode, type, jp.l.s->schema, jp.r.s->schema, outs, &jp.key[0],
                              &jp.key[1], residual, &a))) {
        err = slplan_err_at(p, f->pos, err);
        goto out;
    }
    a->time_col[0] = jp.l.rowtime;
    a->time_col[1] = jp.r.rowtime;
    a->wend_col[0] = jp.l.n - 2;
    a->wend_col[1] = jp.r.n - 2;
    a->lo = jp.lo;
    a->hi = jp.hi;
    static const char *tn[] = {"INNER", "LEFT", "RIGHT", "FULL"};
    slbuf d = {0};
    slbuf_printf(&d, "%s(%s, key: ", what, tn[type]);
    for (int k = 0; k < jp.key[0].n; k++) {
        slbuf_printf(&d, "%s%s = %s", k ? ", " : "", jp.l.cols[jp.key[0].cols[k]].name,
                     jp.r.cols[jp.key[1].cols[k]].name);
    }
    if (mode == SLJOIN_MODE_INTERVAL) {
        slbuf_printf(&d, ", %lld us <= L.t - R.t <= %lld us", (long long)jp.lo, (long long)jp.hi);
    }
    if (a->residual) {
        slbuf_puts(&d, ", where: ");
        slexpr_describe(a->residual, outs, &d);
    }
    slbuf_putc(&d, ')');
    static const slop_factory fac[] = {NULL, sljoin_window_new, sljoin_interval_new,
                                       sljoin_regular_new, sljoin_temporal_new};
    sl_stream *s = sljob_add_keyed_op2(p->job, slbuf_cstr(&d), fac[mode], a, sljoin_arg_free,
                                       jp.l.s, &jp.key[0], jp.r.s, &jp.key[1], a->out);
    slbuf_free(&d);
    slrel o;
    slrel_init(p, &o, s, NULL);
    for (int i = 0; i < o.n; i++) {
        o.cols[i] = jp.j.cols[i];
    }
    o.rowtime = -1;
    o.proctime = -1;
    if (mode != SLJOIN_MODE_REGULAR) {
        if (type == SLJT_INNER || type == SLJT_LEFT) {
            o.rowtime = mode == SLJOIN_MODE_WINDOW ? jp.nl - 1 : jp.l.rowtime;
        } else if (type == SLJT_RIGHT && mode != SLJOIN_MODE_TEMPORAL) {
            o.rowtime = jp.nl + (mode == SLJOIN_MODE_WINDOW ? jp.r.n - 1 : jp.r.rowtime);
        }
    }
    o.updating = mode == SLJOIN_MODE_REGULAR && (type != SLJT_INNER || jp.l.updating ||
                                                 jp.r.updating);
    *out = o;
out:
    slschema_unref(outs);
    return err;
}
