/*
 * plan_agg.c - the stateful steps of a SELECT: aggregation (window table
 * function aggregation, the older GROUP BY TUMBLE(...) group windows, and
 * non-windowed GROUP BY producing a changelog), OVER aggregation, and
 * ROW_NUMBER Top-N / deduplication (continuous and per window).
 *
 * Each step is: a calc that computes the keys and aggregate arguments as
 * columns, the keyed operator, and a calc that computes the select list (and
 * HAVING) over the operator's output, where group expressions, aggregates
 * and window properties are substitutions for that output's columns.
 */
#include <stdio.h>
#include <strings.h>

#include "ops/agg.h"
#include "ops/group.h"
#include "ops/over.h"
#include "ops/rank.h"
#include "ops/window.h"
#include "sql/sql_int.h"

typedef struct aggcall {
    const slx *call;
    sl_agg_kind kind;
    const slx *arg; /* NULL for COUNT(*) */
} aggcall;

typedef struct aggvec {
    aggcall *v;
    int n;
    size_t cap;
} aggvec;

static bool is_agg_call(const slx *x) {
    return x->kind == SLX_CALL && !x->over && slbind_agg_kind(x->text, false) != 0;
}

static void walk_aggs(const slx *x, aggvec *out) {
    if (!x) {
        return;
    }
    if (is_agg_call(x)) {
        for (int i = 0; i < out->n; i++) {
            if (slx_equal(out->v[i].call, x)) {
                return;
            }
        }
        slmem_grow((void **)&out->v, &out->cap, (size_t)out->n + 1, sizeof *out->v);
        aggcall *a = &out->v[out->n++];
        a->call = x;
        a->kind = slbind_agg_kind(x->text, x->flags & SLX_F_DISTINCT);
        a->arg = x->n_kids > 0 && x->kids[0]->kind != SLX_STAR ? x->kids[0] : NULL;
        return; /* nested aggregates are refused when the argument is bound */
    }
    if (x->kind == SLX_CALL && x->over) {
        return;
    }
    for (int i = 0; i < x->n_kids; i++) {
        walk_aggs(x->kids[i], out);
    }
}

static void collect_aggs(const slselect *sel, aggvec *out) {
    for (int i = 0; i < sel->n_items; i++) {
        walk_aggs(sel->items[i].e, out);
    }
    walk_aggs(sel->having, out);
}

bool slplan_has_aggs(const slselect *sel) {
    aggvec v = {0};
    collect_aggs(sel, &v);
    slmem_free(v.v);
    return v.n > 0;
}

static bool walk_over(const slx *x) {
    if (!x) {
        return false;
    }
    if (x->kind == SLX_CALL && x->over) {
        return true;
    }
    for (int i = 0; i < x->n_kids; i++) {
        if (walk_over(x->kids[i])) {
            return true;
        }
    }
    return false;
}

bool slplan_has_over(const slselect *sel) {
    for (int i = 0; i < sel->n_items; i++) {
        if (walk_over(sel->items[i].e)) {
            return true;
        }
    }
    return false;
}

/* Check an aggregate call's shape and fill the engine's description. */
static sl_err agg_check(slplan *p, const aggcall *a) {
    const slx *x = a->call;
    if ((x->flags & SLX_F_DISTINCT) && a->kind != SL_AGG_COUNT_DISTINCT) {
        return slplan_err(p, x->pos, SL_ERR_UNSUPPORTED, "%s(DISTINCT ...) is not supported",
                          x->text);
    }
    int want = 1;
    if (x->n_kids != want) {
        return slplan_err(p, x->pos, SL_ERR_ARG, "%s expects one argument", x->text);
    }
    if (!a->arg && a->kind != SL_AGG_COUNT) {
        return slplan_err(p, x->pos, SL_ERR_ARG, "%s(*) is not allowed; only COUNT(*)", x->text);
    }
    return SL_OK;
}

/* ---- the pre-aggregation calc ---- */

typedef struct prestep {
    slexpr **proj;
    const char **names;
    bool *hidden;
    int n, cap;
} prestep;

static void pre_add(slplan *p, prestep *ps, slexpr *e, const char *name, bool hidden) {
    if (ps->n == ps->cap) {
        int cap = ps->cap ? ps->cap * 2 : 16;
        ps->proj = slmem_realloc(ps->proj, sizeof *ps->proj * (size_t)cap);
        const char **nn = slarena_alloc(&p->arena, sizeof *nn * (size_t)cap);
        bool *hh = slarena_alloc(&p->arena, sizeof *hh * (size_t)cap);
        if (ps->n) {
            memcpy(nn, ps->names, sizeof *nn * (size_t)ps->n);
            memcpy(hh, ps->hidden, sizeof *hh * (size_t)ps->n);
        }
        ps->names = nn;
        ps->hidden = hh;
        ps->cap = cap;
    }
    ps->proj[ps->n] = e;
    ps->names[ps->n] = slplan_strdup(p, name);
    ps->hidden[ps->n] = hidden;
    ps->n++;
}

static void pre_free(prestep *ps) {
    for (int i = 0; i < ps->n; i++) {
        slexpr_free(ps->proj[i]);
    }
    slmem_free(ps->proj);
    ps->proj = NULL;
    ps->n = 0;
}

/* Run the pre-step calc (takes its expressions). */
static sl_err pre_run(slplan *p, const slrel *in, slexpr *where, prestep *ps, slrel *out) {
    sl_err err = slplan_calc(p, in, where, ps->proj, ps->names, ps->hidden, ps->n, out);
    slmem_free(ps->proj);
    ps->proj = NULL;
    ps->n = 0;
    return err;
}

sl_err slplan_bind_where(slplan *p, const slselect *sel, const slrel *r, slexpr **where) {
    *where = NULL;
    if (!sel->where) {
        return SL_OK;
    }
    slbind b = {.p = p, .r = r, .clause = "WHERE"};
    sl_err err = slbind_expr(&b, sel->where, where);
    if (!err && slexpr_type(*where) != SL_BOOLEAN) {
        slexpr_free(*where);
        *where = NULL;
        return slplan_err(p, sel->where->pos, SL_ERR_TYPE, "WHERE needs a BOOLEAN condition");
    }
    return err;
}

/* ---- aggregation ---- */

static bool is_col_named(const slx *x, const char *name) {
    return x->kind == SLX_COLUMN && strcasecmp(x->text, name) == 0;
}

static const char *legacy_window(const slx *x) {
    if (x->kind != SLX_CALL || x->over) {
        return NULL;
    }
    static const char *fns[] = {"TUMBLE", "HOP", "SESSION", "CUMULATE"};
    for (size_t i = 0; i < SL_ARRAY_LEN(fns); i++) {
        if (strcmp(x->text, fns[i]) == 0) {
            return fns[i];
        }
    }
    return NULL;
}

/* GROUP BY TUMBLE(ts, size) / HOP(ts, slide, size) / SESSION(ts, gap). */
static sl_err legacy_spec(slplan *p, const slx *call, const slrel *r, sl_window_spec *spec) {
    const char *fn = call->text;
    int need = strcmp(fn, "HOP") == 0 || strcmp(fn, "CUMULATE") == 0 ? 3 : 2;
    if (call->n_kids != need) {
        return slplan_err(p, call->pos, SL_ERR_ARG, "%s expects %d arguments: the time attribute and %s",
                          fn, need, need == 3 ? "two intervals" : "an interval");
    }
    const slx *t = call->kids[0];
    int col = t->kind == SLX_COLUMN ? slrel_find(r, t->qual, t->text) : -1;
    if (col < 0 || (col != r->rowtime && col != r->proctime)) {
        return slplan_err(p, t->pos, SL_ERR_ARG,
                          "the first argument of %s must be a time attribute column (declared "
                          "with WATERMARK FOR, or PROCTIME())",
                          fn);
    }
    int64_t a, b = 0;
    sl_err err = slbind_interval(p, call->kids[1], "the window size", &a);
    if (!err && need == 3) {
        err = slbind_interval(p, call->kids[2], "the window size", &b);
    }
    if (err) {
        return err;
    }
    if (strcmp(fn, "TUMBLE") == 0) {
        *spec = sl_window_tumble(a);
    } else if (strcmp(fn, "SESSION") == 0) {
        *spec = sl_window_session(a);
    } else if (strcmp(fn, "HOP") == 0) {
        if (b % a != 0) {
            return slplan_err(p, call->pos, SL_ERR_UNSUPPORTED,
                              "HOP size must be a whole multiple of the slide");
        }
        *spec = sl_window_hop(b, a);
    } else {
        if (b % a != 0) {
            return slplan_err(p, call->pos, SL_ERR_UNSUPPORTED,
                              "CUMULATE size must be a whole multiple of the step");
        }
        *spec = sl_window_cumulate(b, a);
    }
    spec->processing_time = col == r->proctime;
    slplan_window_emit(p, spec);
    return SL_OK;
}

typedef struct substs {
    slsubst *v;
    int n;
    size_t cap;
} substs;

static void subst_add(slplan *p, substs *s, const slx *ast, slexpr *e) {
    SL_UNUSED(p);
    slmem_grow((void **)&s->v, &s->cap, (size_t)s->n + 1, sizeof *s->v);
    s->v[s->n].ast = ast;
    s->v[s->n].e = e;
    s->n++;
}

static void substs_free(substs *s) {
    for (int i = 0; i < s->n; i++) {
        slexpr_free(s->v[i].e);
    }
    slmem_free(s->v);
}

static slx *synth(slplan *p, slx_kind kind, const char *text, const slx *like) {
    slx *x = slarena_alloc(&p->arena, sizeof *x);
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->text = text;
    if (like) {
        x->kids = like->kids;
        x->n_kids = like->n_kids;
        x->pos = like->pos;
    }
    return x;
}

static slexpr *minus_one_us(int col) {
    slexpr *e;
    slexpr_func("-", (slexpr *[]){slexpr_column(col, SL_TIMESTAMP), slexpr_interval(1)}, 2, &e);
    return e;
}

static void describe_aggs(slbuf *d, const sl_agg *aggs, const char *const *filters, int n) {
    for (int i = 0; i < n; i++) {
        slbuf_printf(d, "%s%s(%s)", i ? ", " : "", slagg_kind_name(aggs[i].kind),
                     aggs[i].column ? aggs[i].column : "*");
        if (filters && filters[i]) {
            slbuf_printf(d, " filter %s", filters[i]);
        }
    }
}

/*
 * Whether an aggregate's argument is CASE WHEN cond THEN x END (no operand,
 * no ELSE), which is what agg(x) FILTER (WHERE cond) parses to: for the
 * built-in aggregates, which skip NULLs, that is x under the filter cond,
 * and the operator takes it so (FIRST_VALUE, LAST_VALUE and UDAFs keep the
 * CASE).
 */
static bool filter_form(const slx *arg, sl_agg_kind kind) {
    switch (kind) {
    case SL_AGG_COUNT:
    case SL_AGG_SUM:
    case SL_AGG_MIN:
    case SL_AGG_MAX:
    case SL_AGG_AVG:
    case SL_AGG_STDDEV:
    case SL_AGG_STDDEV_POP:
    case SL_AGG_COUNT_DISTINCT:
        break;
    default:
        return false;
    }
    return arg->kind == SLX_CASE && arg->n_kids == 2 &&
           !(arg->flags & (SLX_F_OPERAND | SLX_F_ELSE));
}

sl_err slplan_aggregate(slplan *p, const slselect *sel, slrel *r, slrel *out) {
    sl_err err = SL_OK;
    aggvec aggs = {0};
    prestep ps = {0};
    substs sub = {0};
    sl_agg *eng = NULL;
    slexpr *where = NULL, *having = NULL;
    collect_aggs(sel, &aggs);
    for (int i = 0; i < aggs.n && !err; i++) {
        err = agg_check(p, &aggs.v[i]);
    }
    if (err) {
        goto out;
    }

    /* Which kind of aggregation. */
    bool tvf = false;
    const slx *legacy = NULL;
    if (r->win) {
        int ws = -1, we = -1;
        for (int i = 0; i < sel->n_group_by; i++) {
            const slx *g = sel->group_by[i];
            int c = g->kind == SLX_COLUMN ? slrel_find(r, g->qual, g->text) : -1;
            ws = c == r->n - 3 ? c : ws;
            we = c == r->n - 2 ? c : we;
        }
        tvf = ws >= 0 && we >= 0;
        if (!tvf && (err = slplan_materialize_windows(p, r, sel->pos))) {
            goto out;
        }
    }
    for (int i = 0; i < sel->n_group_by; i++) {
        if (legacy_window(sel->group_by[i])) {
            if (legacy || tvf) {
                err = slplan_err(p, sel->group_by[i]->pos, SL_ERR_ARG,
                                 "only one group window is allowed in GROUP BY");
                goto out;
            }
            legacy = sel->group_by[i];
        }
    }
    bool windowed = tvf || legacy;
    sl_window_spec spec = {0};
    if (tvf) {
        spec = r->spec;
    } else if (legacy && (err = legacy_spec(p, legacy, r, &spec))) {
        goto out;
    }
    if (windowed && r->updating) {
        err = slplan_err(p, sel->pos, SL_ERR_UNSUPPORTED,
                         "window aggregation needs an append-only input; this input is a "
                         "changelog with updates");
        goto out;
    }

    /* Pre-step: WHERE, then keys and aggregate arguments as columns. */
    slrel in = *r;
    if (tvf) {
        in.n -= 3; /* the virtual window columns are not in the stream */
        in.win = false;
    }
    if ((err = slplan_bind_where(p, sel, r, &where))) {
        goto out;
    }
    slbind b = {.p = p, .r = &in, .clause = "GROUP BY"};
    const slx **keys = slarena_alloc(&p->arena, sizeof *keys * (size_t)(sel->n_group_by + 1));
    int nk = 0;
    for (int i = 0; i < sel->n_group_by; i++) {
        const slx *g = sel->group_by[i];
        if (g == legacy || (tvf && (is_col_named(g, "window_start") || is_col_named(g, "window_end") ||
                                    is_col_named(g, "window_time")))) {
            continue;
        }
        slexpr *e;
        if ((err = slbind_expr(&b, g, &e))) {
            goto out;
        }
        char name[300];
        if (g->kind == SLX_COLUMN) {
            snprintf(name, sizeof name, "%s", g->text);
        } else {
            snprintf(name, sizeof name, "$k%d", nk);
        }
        if (nk == (int)SL_ARRAY_LEN(((slkeyspec *)0)->cols)) {
            slexpr_free(e);
            err = slplan_err(p, g->pos, SL_ERR_UNSUPPORTED, "at most 8 GROUP BY expressions");
            goto out;
        }
        keys[nk++] = g;
        pre_add(p, &ps, e, name, false);
    }
    if (tvf && r->win_part.n) {
        /* SESSION ... PARTITION BY k: sessions are per key, so k must be grouped. */
        for (int i = 0; i < r->win_part.n; i++) {
            bool grouped = false;
            for (int k = 0; k < nk; k++) {
                grouped |= slexpr_column_index(ps.proj[k]) == r->win_part.cols[i];
            }
            if (!grouped) {
                err = slplan_err(p, sel->pos, SL_ERR_UNSUPPORTED,
                                 "the SESSION window's PARTITION BY column '%s' must also be in "
                                 "GROUP BY",
                                 r->cols[r->win_part.cols[i]].name);
                goto out;
            }
        }
    }
    b.clause = "an aggregate function";
    eng = slmem_calloc((size_t)(aggs.n ? aggs.n : 1), sizeof *eng);
    /* Per aggregate: the pre-step column of its argument and of its filter
     * (-1: none). Equal expressions share one column, so the aggregates
     * COUNT(DISTINCT x) FILTER (WHERE ...) over one x share one distinct
     * set in the operator (agg.h) and a condition is computed once. */
    int *vcol = slarena_alloc(&p->arena, sizeof(int) * (size_t)(aggs.n + 1));
    int *fcol = slarena_alloc(&p->arena, sizeof(int) * (size_t)(aggs.n + 1));
    const slx **pre_ast = slarena_alloc(&p->arena, sizeof *pre_ast * (size_t)(2 * aggs.n + 1));
    int n_pre_ast = 0; /* pre_ast[j] is the expression of column nk + j */
    bool any_filter = false;
    for (int i = 0; i < aggs.n; i++) {
        char as[32];
        snprintf(as, sizeof as, "$agg%d", i);
        eng[i].kind = aggs.v[i].kind;
        eng[i].as = slplan_strdup(p, as);
        vcol[i] = fcol[i] = -1;
        const slx *arg = aggs.v[i].arg, *cond = NULL;
        if (!arg) {
            continue;
        }
        if (filter_form(arg, aggs.v[i].kind)) {
            cond = arg->kids[0];
            arg = arg->kids[1];
            if (aggs.v[i].kind == SL_AGG_COUNT && arg->kind == SLX_INT) {
                arg = NULL; /* COUNT(*) FILTER (WHERE cond) */
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            const slx *x = pass ? cond : arg;
            if (!x) {
                continue;
            }
            int j = 0;
            while (j < n_pre_ast && !slx_equal(pre_ast[j], x)) {
                j++;
            }
            if (j == n_pre_ast) {
                slexpr *e;
                if ((err = slbind_expr(&b, x, &e))) {
                    goto out;
                }
                if (pass && slexpr_type(e) != SL_BOOLEAN) {
                    slexpr_free(e);
                    err = slplan_err(p, x->pos, SL_ERR_TYPE,
                                     "FILTER (WHERE ...) needs a BOOLEAN condition");
                    goto out;
                }
                char name[32];
                snprintf(name, sizeof name, pass ? "$f%d" : "$a%d", i);
                pre_add(p, &ps, e, name, false);
                pre_ast[n_pre_ast++] = x;
            }
            if (pass) {
                fcol[i] = nk + j;
                any_filter = true;
            } else {
                vcol[i] = nk + j;
            }
        }
    }
    /* The operator reads keys and arguments as columns: when they are all
     * plain columns of the input and nothing is filtered, it reads the input
     * itself; otherwise a calc computes them first. */
    slkeyspec key = {.n = nk};
    bool plain = !where;
    for (int i = 0; i < ps.n && plain; i++) {
        plain = slexpr_column_index(ps.proj[i]) >= 0;
    }
    const char **filters = NULL;
    if (any_filter) {
        filters = slarena_alloc(&p->arena, sizeof *filters * (size_t)aggs.n);
    }
    for (int i = 0; i < aggs.n; i++) {
        /* Plain: the input's column names; else the calc's. */
        if (vcol[i] >= 0) {
            eng[i].column = plain ? sl_schema_name(in.s->schema,
                                                   slexpr_column_index(ps.proj[vcol[i]]))
                                  : ps.names[vcol[i]];
        }
        if (filters) {
            filters[i] = fcol[i] < 0 ? NULL
                         : plain ? sl_schema_name(in.s->schema,
                                                  slexpr_column_index(ps.proj[fcol[i]]))
                                 : ps.names[fcol[i]];
        }
    }
    slrel pre;
    if (plain) {
        for (int i = 0; i < nk; i++) {
            key.cols[i] = slexpr_column_index(ps.proj[i]);
        }
        pre_free(&ps);
        pre = in;
    } else {
        for (int i = 0; i < nk; i++) {
            key.cols[i] = i;
        }
        if (ps.n == 0) {
            /* SELECT COUNT(*) FROM t WHERE ..: the calc still needs a column. */
            pre_add(p, &ps, slexpr_bool(true), "$one", true);
        }
        err = pre_run(p, &in, where, &ps, &pre);
        where = NULL;
        if (err) {
            goto out;
        }
    }
    slbuf d = {0};
    sl_stream *s;
    int first_agg;
    if (windowed) {
        slwindow_arg *wa;
        if ((err = slwindow_arg_new_filtered(pre.s->schema, &key, &spec, eng, filters, aggs.n,
                                             &wa))) {
            err = slplan_err_at(p, sel->pos, err);
            goto out;
        }
        static const char *kinds[] = {"", "TUMBLE", "HOP", "CUMULATE", "SESSION", "COUNT", "GLOBAL"};
        char head[200], d1[40], d2[40];
        if (spec.kind == SL_WINDOW_SESSION) {
            snprintf(head, sizeof head, "WindowAggregate(SESSION(gap=%s%s), key: %d column%s, aggs: ",
                     slduration_format(spec.gap, d1, sizeof d1),
                     spec.processing_time ? ", processing time" : "", nk, nk == 1 ? "" : "s");
        } else {
            snprintf(head, sizeof head, "WindowAggregate(%s(size=%s%s%s%s), key: %d column%s, aggs: ",
                     kinds[spec.kind], slduration_format(spec.size, d1, sizeof d1),
                     spec.kind == SL_WINDOW_TUMBLE ? "" : spec.kind == SL_WINDOW_HOP ? ", slide=" : ", step=",
                     spec.kind == SL_WINDOW_TUMBLE ? "" : slduration_format(spec.slide, d2, sizeof d2),
                     spec.processing_time ? ", processing time" : "", nk, nk == 1 ? "" : "s");
        }
        slbuf_puts(&d, head);
        describe_aggs(&d, eng, filters, aggs.n);
        slbuf_putc(&d, ')');
        s = sljob_add_keyed_op(p->job, slbuf_cstr(&d), slwindow_new, wa, slwindow_arg_free_v,
                               pre.s, &key, wa->out, wa->in);
        first_agg = nk + 2;
    } else {
        slgroup_arg *ga;
        if ((err = slgroup_arg_new_filtered(pre.s->schema, &key, eng, filters, aggs.n,
                                            pre.updating, &ga))) {
            err = slplan_err_at(p, sel->pos, err);
            goto out;
        }
        ga->mini_batch = p->mini_batch; /* not in the name: the state is the same */
        char head[120];
        snprintf(head, sizeof head, "GroupAggregate(key: %d column%s, aggs: ", nk, nk == 1 ? "" : "s");
        slbuf_puts(&d, head);
        describe_aggs(&d, eng, filters, aggs.n);
        slbuf_putc(&d, ')');
        s = sljob_add_keyed_op(p->job, slbuf_cstr(&d), slgroup_new, ga, slgroup_arg_free, pre.s,
                               &key, ga->out, NULL);
        first_agg = nk;
    }
    slbuf_free(&d);
    slrel post;
    slrel_init(p, &post, s, NULL);
    post.updating = !windowed || spec.mode == SL_RETRACTING;
    for (int i = 0; i < post.n; i++) {
        post.cols[i].hidden = true; /* reachable through the substitutions only */
    }

    /* Substitutions for the select list and HAVING. */
    for (int i = 0; i < nk; i++) {
        subst_add(p, &sub, keys[i], slexpr_column(i, sl_schema_type(s->schema, i)));
    }
    const slx *wtime_ast = NULL;
    if (tvf) {
        subst_add(p, &sub, synth(p, SLX_COLUMN, "window_start", NULL), slexpr_column(nk, SL_TIMESTAMP));
        subst_add(p, &sub, synth(p, SLX_COLUMN, "window_end", NULL), slexpr_column(nk + 1, SL_TIMESTAMP));
        wtime_ast = synth(p, SLX_COLUMN, "window_time", NULL);
        subst_add(p, &sub, wtime_ast, minus_one_us(nk + 1));
    } else if (legacy) {
        char nm[40];
        snprintf(nm, sizeof nm, "%s_START", legacy->text);
        subst_add(p, &sub, synth(p, SLX_CALL, slplan_strdup(p, nm), legacy),
                  slexpr_column(nk, SL_TIMESTAMP));
        snprintf(nm, sizeof nm, "%s_END", legacy->text);
        subst_add(p, &sub, synth(p, SLX_CALL, slplan_strdup(p, nm), legacy),
                  slexpr_column(nk + 1, SL_TIMESTAMP));
        snprintf(nm, sizeof nm, "%s_ROWTIME", legacy->text);
        wtime_ast = synth(p, SLX_CALL, slplan_strdup(p, nm), legacy);
        subst_add(p, &sub, wtime_ast, minus_one_us(nk + 1));
    }
    for (int i = 0; i < aggs.n; i++) {
        subst_add(p, &sub, aggs.v[i].call,
                  slexpr_column(first_agg + i, sl_schema_type(s->schema, first_agg + i)));
    }
    slbind pb = {.p = p, .r = &post, .subst = sub.v, .n_subst = sub.n, .agg_scope = true,
                 .pre = &in, .clause = "HAVING"};
    if (sel->having) {
        if ((err = slbind_expr(&pb, sel->having, &having))) {
            goto out;
        }
        if (slexpr_type(having) != SL_BOOLEAN) {
            err = slplan_err(p, sel->having->pos, SL_ERR_TYPE, "HAVING needs a BOOLEAN condition");
            goto out;
        }
    }
    pb.clause = "SELECT";
    err = slplan_project_items(p, &pb, sel, having, out);
    having = NULL;
    if (err) {
        goto out;
    }
    /* window_time (TUMBLE_ROWTIME) in the result is its time attribute: the
     * window operator emits its rows at window_end - 1. */
    if (wtime_ast) {
        for (int i = 0, c = 0; i < sel->n_items; i++, c++) {
            if (slx_equal(sel->items[i].e, wtime_ast)) {
                out->rowtime = c;
                break;
            }
        }
    }
out:
    slexpr_free(where);
    slexpr_free(having);
    pre_free(&ps);
    substs_free(&sub);
    slmem_free(eng);
    slmem_free(aggs.v);
    return err;
}

/* ---- OVER ---- */

static void walk_over_calls(const slx *x, aggvec *out) {
    if (!x) {
        return;
    }
    if (x->kind == SLX_CALL && x->over) {
        for (int i = 0; i < out->n; i++) {
            if (slx_equal(out->v[i].call, x)) {
                return;
            }
        }
        slmem_grow((void **)&out->v, &out->cap, (size_t)out->n + 1, sizeof *out->v);
        aggcall *a = &out->v[out->n++];
        a->call = x;
        a->kind = slbind_agg_kind(x->text, x->flags & SLX_F_DISTINCT);
        a->arg = x->n_kids > 0 && x->kids[0]->kind != SLX_STAR ? x->kids[0] : NULL;
        return;
    }
    for (int i = 0; i < x->n_kids; i++) {
        walk_over_calls(x->kids[i], out);
    }
}

static bool same_over(const slover *a, const slover *b) {
    slx fa = {.kind = SLX_CALL, .text = "F", .over = (slover *)a};
    slx fb = {.kind = SLX_CALL, .text = "F", .over = (slover *)b};
    return slx_equal(&fa, &fb);
}

sl_err slplan_over(slplan *p, const slselect *sel, slrel *r, slrel *out) {
    sl_err err = SL_OK;
    aggvec calls = {0};
    prestep ps = {0};
    substs sub = {0};
    sl_agg *eng = NULL;
    slexpr *where = NULL;
    for (int i = 0; i < sel->n_items; i++) {
        walk_over_calls(sel->items[i].e, &calls);
    }
    const slover *ov = calls.v[0].call->over;
    for (int i = 0; i < calls.n; i++) {
        const slx *c = calls.v[i].call;
        if (!calls.v[i].kind) {
            err = slplan_err(p, c->pos, SL_ERR_UNSUPPORTED,
                             strcmp(c->text, "ROW_NUMBER") == 0
                                 ? "ROW_NUMBER() OVER (...) is only supported for Top-N: select "
                                   "it in a subquery and filter it in the outer WHERE (rn <= N)"
                                 : "%s is not an aggregate function usable with OVER",
                             c->text);
            goto out;
        }
        if ((err = agg_check(p, &calls.v[i]))) {
            goto out;
        }
        if (!same_over(c->over, ov)) {
            err = slplan_err(p, c->over->pos, SL_ERR_UNSUPPORTED,
                             "all OVER aggregates of a SELECT must use the same window");
            goto out;
        }
    }
    if (ov->n_order != 1 || ov->order[0].desc) {
        err = slplan_err(p, ov->pos, SL_ERR_UNSUPPORTED,
                         "OVER windows must be ORDER BY the time attribute, ascending");
        goto out;
    }
    const slx *oe = ov->order[0].e;
    int tcol = oe->kind == SLX_COLUMN ? slrel_find(r, oe->qual, oe->text) : -1;
    if (tcol < 0 || (tcol != r->rowtime && tcol != r->proctime)) {
        err = slplan_err(p, oe->pos, SL_ERR_UNSUPPORTED,
                         "OVER windows must be ORDER BY a time attribute (a column with a "
                         "WATERMARK, or PROCTIME())");
        goto out;
    }
    if (r->updating) {
        err = slplan_err(p, sel->pos, SL_ERR_UNSUPPORTED,
                         "OVER aggregation needs an append-only input");
        goto out;
    }
    bool rows = ov->frame == SLFRAME_ROWS;
    int64_t preceding = -1;
    if (ov->preceding) {
        if (rows) {
            slvalue v;
            slexpr *e;
            if ((err = slbind_const(p, ov->preceding, &v, &e))) {
                goto out;
            }
            bool ok = v.type == SL_BIGINT && !v.is_null && v.v.i64 >= 0;
            preceding = v.v.i64;
            slexpr_free(e);
            if (!ok) {
                err = slplan_err(p, ov->preceding->pos, SL_ERR_ARG,
                                 "ROWS ... PRECEDING needs a row count >= 0");
                goto out;
            }
        } else if ((err = slbind_interval(p, ov->preceding, "RANGE ... PRECEDING", &preceding))) {
            goto out;
        }
    }
    if ((err = slplan_bind_where(p, sel, r, &where))) {
        goto out;
    }
    /* Pre-step: the input's columns, the partition keys, the arguments. */
    for (int i = 0; i < r->n; i++) {
        pre_add(p, &ps, slexpr_column(i, sl_schema_type(r->s->schema, i)), r->cols[i].name,
                r->cols[i].hidden);
    }
    slbind b = {.p = p, .r = r, .clause = "PARTITION BY"};
    slkeyspec key = {0};
    for (int i = 0; i < ov->n_partition; i++) {
        slexpr *e;
        if ((err = slbind_expr(&b, ov->partition[i], &e))) {
            goto out;
        }
        int c = slexpr_column_index(e);
        if (c >= 0) {
            slexpr_free(e);
        } else {
            char name[32];
            snprintf(name, sizeof name, "$p%d", i);
            c = ps.n;
            pre_add(p, &ps, e, name, true);
        }
        if (key.n == (int)SL_ARRAY_LEN(key.cols)) {
            err = slplan_err(p, ov->partition[i]->pos, SL_ERR_UNSUPPORTED, "at most 8 PARTITION BY expressions");
            goto out;
        }
        key.cols[key.n++] = c;
    }
    b.clause = "an aggregate function";
    eng = slmem_calloc((size_t)calls.n, sizeof *eng);
    for (int i = 0; i < calls.n; i++) {
        char name[32], as[32];
        snprintf(name, sizeof name, "$a%d", i);
        snprintf(as, sizeof as, "$over%d", i);
        eng[i].kind = calls.v[i].kind;
        eng[i].as = slplan_strdup(p, as);
        if (calls.v[i].arg) {
            slexpr *e;
            if ((err = slbind_expr(&b, calls.v[i].arg, &e))) {
                goto out;
            }
            pre_add(p, &ps, e, name, true);
            eng[i].column = slplan_strdup(p, name);
        }
    }
    slrel pre;
    err = pre_run(p, r, where, &ps, &pre);
    where = NULL;
    if (err) {
        goto out;
    }
    slover_arg *oa;
    if ((err = slover_arg_new(pre.s->schema, &key, rows, preceding, tcol == r->proctime, eng,
                              calls.n, &oa))) {
        err = slplan_err_at(p, ov->pos, err);
        goto out;
    }
    char name[200];
    snprintf(name, sizeof name, "OverAggregate(%s %s%lld PRECEDING, partition: %d column%s, %d aggregate%s)",
             rows ? "ROWS" : "RANGE", preceding < 0 ? "UNBOUNDED" : "",
             (long long)(preceding < 0 ? 0 : preceding), key.n, key.n == 1 ? "" : "s", calls.n,
             calls.n == 1 ? "" : "s");
    if (preceding < 0) {
        snprintf(name, sizeof name, "OverAggregate(%s UNBOUNDED PRECEDING, partition: %d column%s, %d aggregate%s)",
                 rows ? "ROWS" : "RANGE", key.n, key.n == 1 ? "" : "s", calls.n,
                 calls.n == 1 ? "" : "s");
    }
    sl_stream *s = sljob_add_keyed_op(p->job, name, slover_new, oa, slover_arg_free, pre.s, &key,
                                      oa->out, oa->in);
    slrel post;
    slrel_init(p, &post, s, NULL);
    for (int i = 0; i < pre.n; i++) {
        post.cols[i] = pre.cols[i];
    }
    for (int i = pre.n; i < post.n; i++) {
        post.cols[i].hidden = true;
    }
    post.rowtime = pre.rowtime;
    post.proctime = pre.proctime;
    for (int i = 0; i < calls.n; i++) {
        subst_add(p, &sub, calls.v[i].call,
                  slexpr_column(pre.n + i, sl_schema_type(s->schema, pre.n + i)));
    }
    slbind pb = {.p = p, .r = &post, .subst = sub.v, .n_subst = sub.n, .clause = "SELECT"};
    err = slplan_project_items(p, &pb, sel, NULL, out);
out:
    slexpr_free(where);
    pre_free(&ps);
    substs_free(&sub);
    slmem_free(eng);
    slmem_free(calls.v);
    return err;
}

/* ---- Top-N ---- */

/* The limit N of "rn <= N", "rn < N", "rn = 1" (either side). */
static sl_err rank_limit(slplan *p, const slx *w, const char *rn, int64_t *limit) {
    if (!w || w->kind != SLX_BINARY) {
        goto bad;
    }
    const slx *a = w->kids[0], *b = w->kids[1];
    slx_op op = w->op;
    if (b->kind == SLX_COLUMN && a->kind == SLX_INT) {
        const slx *t = a;
        a = b;
        b = t;
        op = op == SLOP_LE ? SLOP_GE : op == SLOP_LT ? SLOP_GT : op == SLOP_GE ? SLOP_LE
             : op == SLOP_GT ? SLOP_LT : op;
    }
    if (a->kind != SLX_COLUMN || strcasecmp(a->text, rn) != 0 || b->kind != SLX_INT) {
        goto bad;
    }
    if (op == SLOP_LE) {
        *limit = b->i;
    } else if (op == SLOP_LT) {
        *limit = b->i - 1;
    } else if (op == SLOP_EQ && b->i == 1) {
        *limit = 1;
    } else {
        goto bad;
    }
    if (*limit < 1) {
        return slplan_err(p, w->pos, SL_ERR_ARG, "the Top-N condition keeps no rows");
    }
    return SL_OK;
bad:
    return slplan_err(p, w ? w->pos : (slpos){0, 0}, SL_ERR_UNSUPPORTED,
                      "a ROW_NUMBER() subquery must be filtered by its row number alone: "
                      "WHERE %s <= N (or %s = 1)",
                      rn, rn);
}

static bool refers_to(const slx *x, const char *name) {
    if (!x) {
        return false;
    }
    if (x->kind == SLX_STAR) {
        return true;
    }
    if (x->kind == SLX_COLUMN && strcasecmp(x->text, name) == 0) {
        return true;
    }
    for (int i = 0; i < x->n_kids; i++) {
        if (refers_to(x->kids[i], name)) {
            return true;
        }
    }
    return false;
}

sl_err slplan_topn(slplan *p, const slselect *sel, bool *matched, slrel *out) {
    *matched = false;
    const slfrom *f = sel->from;
    if (!f || f->kind != SLFROM_SUBQUERY || f->sub->op != SLSET_NONE || f->sub->n_with ||
        f->sub->n_order || f->sub->limit) {
        return SL_OK;
    }
    const slselect *in = f->sub->select;
    int rn_item = -1;
    for (int i = 0; i < in->n_items; i++) {
        const slx *e = in->items[i].e;
        if (e->kind == SLX_CALL && e->over && strcmp(e->text, "ROW_NUMBER") == 0) {
            rn_item = i;
        }
    }
    if (rn_item < 0) {
        return SL_OK;
    }
    *matched = true;
    const slitem *rni = &in->items[rn_item];
    const slover *ov = rni->e->over;
    if (!rni->alias) {
        return slplan_err(p, rni->pos, SL_ERR_ARG, "ROW_NUMBER() OVER (...) needs a name: AS rn");
    }
    if (rni->e->n_kids) {
        return slplan_err(p, rni->pos, SL_ERR_ARG, "ROW_NUMBER() takes no arguments");
    }
    if (ov->n_order < 1 || ov->n_order > SLRANK_MAX_ORDER) {
        return slplan_err(p, ov->pos, SL_ERR_ARG,
                          "ROW_NUMBER() OVER needs ORDER BY (1 to %d expressions)", SLRANK_MAX_ORDER);
    }
    if (ov->frame != SLFRAME_NONE) {
        return slplan_err(p, ov->pos, SL_ERR_ARG, "ROW_NUMBER() OVER takes no frame");
    }
    if (in->n_group_by || slplan_has_aggs(in) || in->distinct || in->having) {
        return slplan_err(p, in->pos, SL_ERR_UNSUPPORTED,
                          "ROW_NUMBER() in an aggregating SELECT is not supported; aggregate in a "
                          "subquery first");
    }
    int64_t limit = 0;
    sl_err err = rank_limit(p, sel->where, rni->alias, &limit);
    if (err) {
        return err;
    }
    /* Plan the inner FROM and WHERE as a plain select of its items. */
    slselect inner = *in;
    slitem *items = slarena_alloc(&p->arena, sizeof *items * (size_t)(in->n_items + 1));
    int ni = 0;
    for (int i = 0; i < in->n_items; i++) {
        if (i != rn_item) {
            items[ni++] = in->items[i];
        }
    }
    /* Plan FROM via a select of "*" then project; the items are bound over it. */
    slitem star = {.e = &(slx){.kind = SLX_STAR, .pos = in->pos}, .pos = in->pos};
    inner.items = &star;
    inner.n_items = 1;
    slrel base;
    if ((err = slplan_select(p, &inner, &base))) {
        return err;
    }
    /* base has FROM's visible columns (windows materialised) and WHERE applied.
     * Now the items, then hidden partition and order columns. */
    prestep ps = {0};
    slbind b = {.p = p, .r = &base, .clause = "SELECT"};
    for (int i = 0; i < ni && !err; i++) {
        const slitem *it = &items[i];
        if (it->e->kind == SLX_STAR) {
            for (int c = 0; c < base.n; c++) {
                if (base.cols[c].hidden ||
                    (it->e->qual && (!base.cols[c].qual || strcasecmp(base.cols[c].qual, it->e->qual)))) {
                    continue;
                }
                pre_add(p, &ps, slexpr_column(c, sl_schema_type(base.s->schema, c)),
                        base.cols[c].name, false);
            }
            continue;
        }
        slexpr *e;
        if ((err = slbind_expr(&b, it->e, &e))) {
            break;
        }
        char nm[32];
        snprintf(nm, sizeof nm, "EXPR$%d", i);
        pre_add(p, &ps, e, it->alias ? it->alias : it->e->kind == SLX_COLUMN ? it->e->text : nm,
                false);
    }
    slkeyspec part = {0};
    int order_col[SLRANK_MAX_ORDER];
    bool desc[SLRANK_MAX_ORDER], nulls_first[SLRANK_MAX_ORDER];
    int wstart = -1, wend = -1;
    b.clause = "PARTITION BY";
    for (int i = 0; i < ov->n_partition && !err; i++) {
        const slx *x = ov->partition[i];
        slexpr *e;
        if ((err = slbind_expr(&b, x, &e))) {
            break;
        }
        char nm[32];
        snprintf(nm, sizeof nm, "$p%d", i);
        if (part.n == (int)SL_ARRAY_LEN(part.cols)) {
            slexpr_free(e);
            err = slplan_err(p, x->pos, SL_ERR_UNSUPPORTED, "at most 8 PARTITION BY expressions");
            break;
        }
        int src = slexpr_column_index(e);
        if (src >= 0 && strcasecmp(base.cols[src].name, "window_start") == 0 &&
            sl_schema_type(base.s->schema, src) == SL_TIMESTAMP) {
            wstart = ps.n;
        }
        if (src >= 0 && strcasecmp(base.cols[src].name, "window_end") == 0 &&
            sl_schema_type(base.s->schema, src) == SL_TIMESTAMP) {
            wend = ps.n;
        }
        part.cols[part.n++] = ps.n;
        pre_add(p, &ps, e, nm, true);
    }
    b.clause = "ORDER BY";
    for (int i = 0; i < ov->n_order && !err; i++) {
        const slx *x = ov->order[i].e;
        slexpr *e;
        if ((err = slbind_expr(&b, x, &e))) {
            break;
        }
        desc[i] = ov->order[i].desc;
        nulls_first[i] = ov->order[i].nulls ? ov->order[i].nulls == 1 : desc[i];
        int src = slexpr_column_index(e);
        if (src >= 0 && src == base.rowtime) {
            order_col[i] = -1; /* event time: deduplication keeps first/last by time */
            slexpr_free(e);
            continue;
        }
        char nm[32];
        snprintf(nm, sizeof nm, "$o%d", i);
        order_col[i] = ps.n;
        pre_add(p, &ps, e, nm, true);
    }
    if (err) {
        pre_free(&ps);
        return err;
    }
    if (base.updating) {
        pre_free(&ps);
        return slplan_err(p, in->pos, SL_ERR_UNSUPPORTED,
                          "Top-N needs an append-only input; this input is a changelog with updates");
    }
    slrel c;
    if ((err = pre_run(p, &base, NULL, &ps, &c))) {
        return slplan_err_at(p, in->pos, err);
    }
    bool window = wstart >= 0 && wend >= 0;
    bool with_rank = false;
    for (int i = 0; i < sel->n_items; i++) {
        with_rank |= refers_to(sel->items[i].e, rni->alias);
    }
    slrank_arg *ra;
    if ((err = slrank_arg_new(c.s->schema, &part, ov->n_order, order_col, desc, nulls_first, limit,
                              with_rank, rni->alias, window, window ? wend : -1, &ra))) {
        return slplan_err_at(p, ov->pos, err);
    }
    char name[160];
    snprintf(name, sizeof name, "%s(N=%lld, partition: %d column%s%s)",
             window ? "WindowRank" : limit == 1 && order_col[0] == -1 ? "Deduplicate" : "Rank",
             (long long)limit, part.n, part.n == 1 ? "" : "s", with_rank ? ", with row number" : "");
    sl_stream *s = sljob_add_keyed_op(p->job, name, slrank_new, ra, slrank_arg_free, c.s, &part,
                                      ra->out, window ? ra->in : NULL);
    slrel o;
    slrel_init(p, &o, s, f->alias);
    for (int i = 0; i < c.n; i++) {
        o.cols[i].hidden = c.cols[i].hidden;
        o.cols[i].name = c.cols[i].name;
    }
    /* Deduplication on the time attribute keeps it (as Flink): its result is a
     * versioned table, usable on the right of a temporal join. */
    bool dedup_time = limit == 1 && order_col[0] == -1;
    o.rowtime = window || dedup_time ? c.rowtime : -1;
    o.proctime = -1;
    o.updating = !window;
    *out = o;
    return SL_OK;
}
