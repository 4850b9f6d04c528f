/*
 * plan.c - the planner's core: FROM items (tables, views, subqueries,
 * window table functions), WHERE and SELECT projections (calc nodes), set
 * operations. Aggregation, OVER and Top-N steps are in plan_agg.c; sources
 * and sinks in plan_io.c.
 *
 * Every step appends nodes to the job being built (runtime/job.h) and yields
 * a relation (sql_int.h). What cannot be run correctly is refused with
 * SL_ERR_UNSUPPORTED and the reason, at the position of the construct.
 */
#include <stdio.h>
#include <strings.h>

#include "ops/calc.h"
#include "ops/group.h"
#include "ops/over.h"
#include "sql/sql_int.h"

void slplan_window_emit(const slplan *p, sl_window_spec *spec) {
    spec->allowed_lateness = p->allowed_lateness_us;
    spec->early_every_ms = p->early_fire_ms;
    if (spec->allowed_lateness > 0 || spec->early_every_ms > 0) {
        /* A window may fire more than once: later firings retract the
         * earlier result (-U/+U), so the result is a changelog. */
        spec->mode = SL_RETRACTING;
    }
}

void slplan_same_parallelism(slplan *p, const sl_stream *in) {
    slgraph *g = &p->job->g;
    g->nodes[g->n_nodes - 1]->parallelism = g->nodes[in->node]->parallelism;
}

void slplan_schema_add_unique(sl_schema *schema, const char *name, sl_type t) {
    char buf[300];
    snprintf(buf, sizeof buf, "%s", name);
    for (int k = 1; sl_schema_find(schema, buf) >= 0; k++) {
        snprintf(buf, sizeof buf, "%s$%d", name, k);
    }
    sl_schema_add(schema, buf, t);
}

void slrel_init(slplan *p, slrel *r, sl_stream *s, const char *qual) {
    memset(r, 0, sizeof *r);
    r->s = s;
    r->n = s->schema->n;
    r->cols = slarena_alloc(&p->arena, sizeof *r->cols * (size_t)(r->n ? r->n : 1));
    for (int i = 0; i < r->n; i++) {
        r->cols[i].name = slplan_strdup(p, sl_schema_name(s->schema, i));
        r->cols[i].qual = qual ? slplan_strdup(p, qual) : NULL;
        r->cols[i].hidden = false;
    }
    r->rowtime = -1;
    r->proctime = -1;
}

static void describe_calc(slbuf *d, const slrel *in, const slexpr *where, slexpr **proj,
                          const char **names, int n) {
    slbuf_puts(d, "Calc(");
    if (where) {
        slbuf_puts(d, "where: ");
        slexpr_describe(where, in->s->schema, d);
        if (n) {
            slbuf_puts(d, ", ");
        }
    }
    if (n) {
        slbuf_puts(d, "select: ");
    }
    for (int i = 0; i < n; i++) {
        if (i) {
            slbuf_puts(d, ", ");
        }
        slexpr_describe(proj[i], in->s->schema, d);
        int c = slexpr_column_index(proj[i]);
        if (c < 0 || strcasecmp(sl_schema_name(in->s->schema, c), names[i]) != 0) {
            slbuf_puts(d, " AS ");
            slbuf_puts(d, names[i]);
        }
    }
    slbuf_putc(d, ')');
}

/*
 * Two calcs in a row become one: when `in` is produced by a calc node that was
 * the last node added (so nothing else consumes it) and is not a cached table
 * scan, compose the new filter and projection with it (slexpr_inline) and
 * replace that node's argument. Takes where and proj[0..n) when it fuses
 * (returns the node's new stream); returns NULL and takes nothing otherwise.
 */
static sl_stream *fuse_calc(slplan *p, const slrel *in, slexpr *where, slexpr **proj, int n,
                            const sl_schema *schema) {
    slgraph *g = &p->job->g;
    int id = in->s->node;
    slnode *prev = g->nodes[id];
    if (in->s->port != 0 || in->s->keyed || prev->op_new != slcalc_new || id != g->n_nodes - 1) {
        return NULL;
    }
    for (int e = 0; e < g->n_edges; e++) {
        if (g->edges[e].from == id) {
            return NULL;
        }
    }
    for (int i = 0; i < p->n_scans; i++) {
        if (p->scans[i].s->node == id) {
            return NULL;
        }
    }
    const slcalc_arg *oa = prev->arg;
    int nn = n ? n : oa->n_proj;
    slexpr **np = slmem_calloc((size_t)(nn ? nn : 1), sizeof *np);
    for (int i = 0; i < nn; i++) {
        np[i] = n ? slexpr_inline(proj[i], oa->proj, oa->n_proj) : slexpr_copy(oa->proj[i]);
    }
    slexpr *nw = oa->where ? slexpr_copy(oa->where) : NULL;
    if (where) {
        slexpr *w2 = slexpr_inline(where, oa->proj, oa->n_proj);
        if (nw) {
            slexpr_func("AND", (slexpr *[]){nw, w2}, 2, &nw);
        } else {
            nw = w2;
        }
    }
    slcalc_arg *a;
    sl_err err = slcalc_arg_new(oa->in, n ? schema : oa->out, nw, np, nn, &a);
    slmem_free(np);
    if (err) {
        /* Cannot happen for well-typed trees; keep the two calcs. */
        sllog_warn("calc fusion failed: %s", sl_errmsg());
        return NULL;
    }
    slexpr_free(where);
    for (int i = 0; i < n; i++) {
        slexpr_free(proj[i]);
    }
    slbuf d = {0};
    slrel shown = {0};
    shown.s = &(sl_stream){.schema = a->in};
    const char **names = slarena_alloc(&p->arena, sizeof *names * (size_t)(nn ? nn : 1));
    for (int i = 0; i < nn; i++) {
        names[i] = sl_schema_name(a->out ? a->out : a->in, i);
    }
    describe_calc(&d, &shown, a->where, a->proj, names, a->n_proj);
    prev->arg_free(prev->arg);
    prev->arg = a;
    slmem_free(prev->name);
    prev->name = slmem_strdup(slbuf_cstr(&d));
    slbuf_free(&d);
    slschema_unref(prev->out[0]);
    prev->out[0] = slschema_ref(a->out ? a->out : a->in);
    sl_stream *s = sljob_stream(p->job, id, 0, prev->out[0]);
    s->parallelism = in->s->parallelism;
    return s;
}

sl_err slplan_calc(slplan *p, const slrel *in, slexpr *where, slexpr **proj, const char **names,
                   const bool *hidden, int n, slrel *out) {
    sl_err err = SL_OK;
    sl_schema *schema = NULL;
    if (n > 0) {
        sl_schema_new(&schema);
        for (int i = 0; i < n; i++) {
            sl_type t = slexpr_type(proj[i]);
            if (t == SL_NULLTYPE) {
                /* SELECT NULL: a typed NULL (STRING) as Flink's NULL literal in a row. */
                slexpr_free(proj[i]);
                proj[i] = slexpr_null(SL_STRING);
                t = SL_STRING;
            }
            if (t == SL_INTERVAL) {
                err = slerr_set(SL_ERR_UNSUPPORTED,
                                "column '%s' is an INTERVAL; intervals can only be used in "
                                "arithmetic and window sizes",
                                names[i]);
                for (int k = i; k < n; k++) {
                    slexpr_free(proj[k]);
                }
                for (int k = 0; k < i; k++) {
                    slexpr_free(proj[k]);
                }
                slexpr_free(where);
                slschema_unref(schema);
                return err;
            }
            slplan_schema_add_unique(schema, names[i], t);
        }
    }
    slbuf d = {0};
    describe_calc(&d, in, where, proj, names, n);
    /* Which output columns are bare copies of input columns. */
    int *src = slarena_alloc(&p->arena, sizeof(int) * (size_t)(n ? n : 1));
    int proc_col = -1; /* a PROCTIME() column is a processing-time attribute */
    for (int i = 0; i < n; i++) {
        src[i] = slexpr_column_index(proj[i]);
        if (proc_col < 0 && slexpr_is_proctime(proj[i])) {
            proc_col = i;
        }
    }
    slcalc_arg *a;
    sl_stream *s = fuse_calc(p, in, where, proj, n, schema);
    if (s) {
        slbuf_free(&d);
        slschema_unref(schema);
    } else {
        if ((err = slcalc_arg_new(in->s->schema, schema, where, proj, n, &a))) {
            slbuf_free(&d);
            slschema_unref(schema);
            return err;
        }
        s = sljob_add_op(p->job, slbuf_cstr(&d), slcalc_new, a, slcalc_arg_free, in->s, a->out,
                         true);
        slbuf_free(&d);
        slplan_same_parallelism(p, in->s);
        slschema_unref(schema);
    }
    if (n == 0) {
        slrel r = *in;
        r.s = s;
        *out = r;
        return SL_OK;
    }
    slrel r;
    slrel_init(p, &r, s, NULL);
    r.updating = in->updating;
    for (int i = 0; i < n; i++) {
        r.cols[i].name = slplan_strdup(p, names[i]);
        r.cols[i].hidden = hidden ? hidden[i] : false;
        if (src[i] >= 0) {
            r.cols[i].qual = in->cols[src[i]].qual;
            if (src[i] == in->rowtime && r.rowtime < 0) {
                r.rowtime = i;
            }
            if (src[i] == in->proctime && r.proctime < 0) {
                r.proctime = i;
            }
        }
    }
    if (r.proctime < 0) {
        r.proctime = proc_col;
    }
    *out = r;
    return SL_OK;
}

sl_err slplan_materialize_windows(slplan *p, slrel *r, slpos pos) {
    if (!r->win) {
        return SL_OK;
    }
    if (r->spec.kind == SL_WINDOW_SESSION) {
        return slplan_err(p, pos, SL_ERR_UNSUPPORTED,
                          "a SESSION window table function must be followed by a GROUP BY "
                          "window_start, window_end aggregation");
    }
    slrel in = *r;
    in.n -= 3;
    slwinassign_arg *a;
    sl_err err = slwinassign_arg_new(in.s->schema, &r->spec, &a);
    if (err) {
        return slplan_err_at(p, pos, err);
    }
    const char *kinds[] = {"", "TUMBLE", "HOP", "CUMULATE"};
    char name[160];
    snprintf(name, sizeof name, "WindowAssign(%s, size=%lld us, slide=%lld us)",
             kinds[r->spec.kind <= SL_WINDOW_CUMULATE ? r->spec.kind : 0],
             (long long)r->spec.size, (long long)r->spec.slide);
    sl_stream *s = sljob_add_op(p->job, name, slwinassign_new, a, slwinassign_arg_free, in.s,
                                a->out, true);
    slplan_same_parallelism(p, in.s);
    slrel o;
    slrel_init(p, &o, s, NULL);
    for (int i = 0; i < in.n; i++) {
        o.cols[i] = in.cols[i];
    }
    for (int i = in.n; i < o.n && i < r->n; i++) {
        o.cols[i].qual = r->cols[i].qual; /* L.window_start of an aliased TVF */
    }
    o.rowtime = o.n - 1; /* window_time */
    o.proctime = -1;
    o.updating = in.updating;
    *r = o;
    return SL_OK;
}

/* ---- FROM ---- */

static sl_err plan_from(slplan *p, const slfrom *f, slrel *out);

static const slcte *find_cte(const slplan *p, const char *name) {
    for (const slcte_scope *sc = p->ctes; sc; sc = sc->up) {
        for (int i = 0; i < sc->n; i++) {
            if (strcasecmp(sc->ctes[i].name, name) == 0) {
                return &sc->ctes[i];
            }
        }
    }
    return NULL;
}

static void requalify(slplan *p, slrel *r, const char *qual) {
    if (!qual) {
        return;
    }
    char *q = slplan_strdup(p, qual);
    for (int i = 0; i < r->n; i++) {
        r->cols[i].qual = q;
    }
}

static sl_err plan_table(slplan *p, const slfrom *f, slrel *out) {
    if (f->as_of) {
        return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                          "FOR SYSTEM_TIME AS OF is only supported on the right side of a "
                          "JOIN (a temporal join)");
    }
    const char *qual = f->alias ? f->alias : f->name;
    const slcte *cte = find_cte(p, f->name);
    if (cte) {
        sl_err err = slplan_query(p, cte->q, out);
        if (!err) {
            requalify(p, out, qual);
        }
        return err;
    }
    slcat_entry *t = slcat_find(p->sess, f->name);
    if (!t) {
        return slplan_err(p, f->pos, SL_ERR_NOTFOUND, "unknown table '%s'", f->name);
    }
    if (t->view) {
        /* A view is planned in its own file's terms, with no outer CTEs. */
        slcte_scope *saved = p->ctes;
        const char *saved_file = p->file;
        p->ctes = NULL;
        p->file = t->script->file;
        sl_err err = slplan_query(p, t->def->query, out);
        p->ctes = saved;
        p->file = saved_file;
        if (err) {
            return err;
        }
        for (int i = 0; i < t->def->n_view_cols && i < out->n; i++) {
            out->cols[i].name = slplan_strdup(p, t->def->view_cols[i]);
        }
        requalify(p, out, qual);
        return SL_OK;
    }
    sl_err err = slplan_scan(p, t, f->pos, out);
    if (!err) {
        requalify(p, out, qual);
    }
    return err;
}

static sl_err window_spec(slplan *p, const slfrom *f, sl_window_spec *spec) {
    int need = 1;
    int64_t a = 0, b = 0, offset = 0;
    if (strcmp(f->fn, "TUMBLE") == 0 || strcmp(f->fn, "SESSION") == 0) {
        need = 1;
    } else {
        need = 2;
    }
    if (f->n_args < need || f->n_args > need + (strcmp(f->fn, "SESSION") == 0 ? 0 : 1)) {
        return slplan_err(p, f->pos, SL_ERR_ARG, "%s expects %d interval argument%s%s, got %d",
                          f->fn, need, need > 1 ? "s" : "",
                          strcmp(f->fn, "SESSION") == 0 ? "" : " (and an optional offset)",
                          f->n_args);
    }
    static const char *what[][2] = {{"TUMBLE size", ""},
                                    {"HOP slide", "HOP size"},
                                    {"CUMULATE step", "CUMULATE size"},
                                    {"SESSION gap", ""}};
    int w = strcmp(f->fn, "TUMBLE") == 0 ? 0 : strcmp(f->fn, "HOP") == 0 ? 1
            : strcmp(f->fn, "CUMULATE") == 0 ? 2 : 3;
    sl_err err = slbind_interval(p, f->args[0], what[w][0], &a);
    if (!err && need > 1) {
        err = slbind_interval(p, f->args[1], what[w][1], &b);
    }
    if (!err && f->n_args > need) {
        slvalue v;
        slexpr *e;
        if (!(err = slbind_const(p, f->args[need], &v, &e))) {
            if (v.type != SL_INTERVAL || v.is_null) {
                err = slplan_err(p, f->args[need]->pos, SL_ERR_ARG,
                                 "the window offset must be an INTERVAL");
            }
            offset = v.v.i64;
            slexpr_free(e);
        }
    }
    if (err) {
        return err;
    }
    switch (w) {
    case 0: *spec = sl_window_tumble(a); break;
    case 1: *spec = sl_window_hop(b, a); break;
    case 2: *spec = sl_window_cumulate(b, a); break;
    default: *spec = sl_window_session(a); break;
    }
    spec->offset = offset;
    slplan_window_emit(p, spec);
    if (w == 1 && b % a != 0) {
        return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                          "HOP size must be a whole multiple of the slide");
    }
    if (w == 2 && b % a != 0) {
        return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                          "CUMULATE size must be a whole multiple of the step");
    }
    return SL_OK;
}

static sl_err plan_window_tvf(slplan *p, const slfrom *f, slrel *out) {
    slrel in;
    sl_err err = plan_from(p, f->input, &in);
    if (err) {
        return err;
    }
    if ((err = slplan_materialize_windows(p, &in, f->pos))) {
        return err;
    }
    if (in.updating) {
        return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                          "window table functions need an append-only input; this input is a "
                          "changelog with updates");
    }
    int tc = slrel_find(&in, NULL, f->time_col);
    if (tc < 0) {
        return slplan_err(p, f->time_col_pos, SL_ERR_NOTFOUND,
                          "unknown column '%s' in DESCRIPTOR", f->time_col);
    }
    sl_window_spec spec;
    if ((err = window_spec(p, f, &spec))) {
        return err;
    }
    if (tc == in.proctime) {
        spec.processing_time = true;
    } else if (tc != in.rowtime) {
        return slplan_err(p, f->time_col_pos, SL_ERR_ARG,
                          "column '%s' is not a time attribute: declare it with WATERMARK FOR "
                          "%s AS ... in its CREATE TABLE (or use a PROCTIME() column)",
                          f->time_col, f->time_col);
    }
    slkeyspec part = {0};
    for (int i = 0; i < f->n_partition; i++) {
        const slx *k = f->partition[i];
        int c = k->kind == SLX_COLUMN ? slrel_find(&in, k->qual, k->text) : -1;
        if (c < 0) {
            return slplan_err(p, k->pos, SL_ERR_ARG, "PARTITION BY needs a column of the input");
        }
        if (part.n == (int)SL_ARRAY_LEN(part.cols)) {
            return slplan_err(p, k->pos, SL_ERR_ARG, "too many PARTITION BY columns");
        }
        part.cols[part.n++] = c;
    }
    /* Pending windows: three virtual columns after the input's. */
    slrel r = in;
    r.n = in.n + 3;
    r.cols = slarena_alloc(&p->arena, sizeof *r.cols * (size_t)r.n);
    memcpy(r.cols, in.cols, sizeof *r.cols * (size_t)in.n);
    const char *wn[] = {"window_start", "window_end", "window_time"};
    for (int i = 0; i < 3; i++) {
        r.cols[in.n + i] = (slrelcol){.name = wn[i], .qual = in.n ? in.cols[0].qual : NULL};
    }
    r.win = true;
    r.spec = spec;
    r.win_part = part;
    if (f->alias) {
        requalify(p, &r, f->alias);
    }
    *out = r;
    return SL_OK;
}

static sl_err plan_from(slplan *p, const slfrom *f, slrel *out) {
    switch (f->kind) {
    case SLFROM_TABLE:
        return plan_table(p, f, out);
    case SLFROM_SUBQUERY: {
        sl_err err = slplan_query(p, f->sub, out);
        if (!err) {
            requalify(p, out, f->alias);
        }
        return err;
    }
    case SLFROM_WINDOW:
        return plan_window_tvf(p, f, out);
    case SLFROM_MATCH: {
        slrel in;
        sl_err err = plan_from(p, f->input, &in);
        return err ? err : slplan_match(p, f, &in, out);
    }
    case SLFROM_JOIN:
        return slplan_join(p, f, out);
    }
    return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED, "FROM item not supported");
}

sl_err slplan_from(slplan *p, const slfrom *f, slrel *out) {
    return plan_from(p, f, out);
}

/* ---- SELECT ---- */

/* The output name of select item i: its alias, a column's name, or EXPR$i. */
static const char *item_name(slplan *p, const slitem *it, int i) {
    if (it->alias) {
        return it->alias;
    }
    if (it->e->kind == SLX_COLUMN) {
        return it->e->text;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "EXPR$%d", i);
    return slplan_strdup(p, buf);
}

/* Bind the select list of `sel` over the scope of b into proj/names
 * (expanding * and t.*). Returns the count in *n. */
static sl_err bind_items(slbind *b, const slselect *sel, slexpr ***proj, const char ***names,
                         int *n) {
    slplan *p = b->p;
    int cap = 0;
    for (int i = 0; i < sel->n_items; i++) {
        cap += sel->items[i].e->kind == SLX_STAR ? (b->r ? b->r->n : 0) : 1;
    }
    *proj = slmem_calloc((size_t)(cap ? cap : 1), sizeof **proj);
    *names = slarena_alloc(&p->arena, sizeof **names * (size_t)(cap ? cap : 1));
    int k = 0;
    sl_err err = SL_OK;
    for (int i = 0; i < sel->n_items && !err; i++) {
        const slitem *it = &sel->items[i];
        if (it->e->kind == SLX_STAR) {
            if (b->agg_scope) {
                err = slplan_err(p, it->pos, SL_ERR_ARG,
                                 "'*' cannot be used with GROUP BY or aggregates; list the columns");
                break;
            }
            int before = k;
            for (int c = 0; b->r && c < b->r->n; c++) {
                const slrelcol *rc = &b->r->cols[c];
                if (rc->hidden || (b->r->win && c >= b->r->n - 3)) {
                    continue;
                }
                if (it->e->qual && (!rc->qual || strcasecmp(rc->qual, it->e->qual) != 0)) {
                    continue;
                }
                (*proj)[k] = slexpr_column(c, sl_schema_type(b->r->s->schema, c));
                (*names)[k++] = rc->name;
            }
            if (it->e->qual && k == before) {
                err = slplan_err(p, it->pos, SL_ERR_NOTFOUND, "unknown table '%s' in %s.*",
                                 it->e->qual, it->e->qual);
            }
            continue;
        }
        if ((err = slbind_expr(b, it->e, &(*proj)[k]))) {
            break;
        }
        (*names)[k] = item_name(p, it, i);
        k++;
    }
    if (err) {
        for (int i = 0; i < k; i++) {
            slexpr_free((*proj)[i]);
        }
        slmem_free(*proj);
        *proj = NULL;
        return err;
    }
    *n = k;
    return SL_OK;
}

/* SELECT DISTINCT: a group aggregation on every column, no aggregates. */
static sl_err plan_distinct(slplan *p, const slselect *sel, slrel *r);

sl_err slplan_select(slplan *p, const slselect *sel, slrel *out) {
    if (!sel->from) {
        return slplan_err(p, sel->pos, SL_ERR_UNSUPPORTED,
                          "SELECT without FROM is not supported in a streaming job");
    }
    sl_err err;
    slrel r;
    bool topn = false;
    if ((err = slplan_topn(p, sel, &topn, &r))) {
        return err;
    }
    slselect rest = *sel;
    const slfrom *f = sel->from;
    if (!topn && f->kind == SLFROM_JOIN && f->join == SLJOIN_CROSS && !f->on && sel->where) {
        /* FROM a, b WHERE ...: the WHERE is the inner join's condition, as
         * Flink's planner pushes it (the join needs its equality). */
        slfrom j = *f;
        j.join = SLJOIN_INNER;
        j.on = sel->where;
        if ((err = plan_from(p, &j, &r))) {
            return err;
        }
        rest.where = NULL;
        sel = &rest;
    } else if (!topn && (err = plan_from(p, f, &r))) {
        return err;
    }
    if (topn) {
        rest.where = NULL; /* the rank filter, applied by the ranking */
        sel = &rest;
    }
    bool grouped = sel->n_group_by > 0 || slplan_has_aggs(sel);
    if (grouped) {
        if (sel->having && !sel->n_group_by && !slplan_has_aggs(sel)) {
            return slplan_err(p, sel->having->pos, SL_ERR_ARG, "HAVING without GROUP BY");
        }
        err = slplan_aggregate(p, sel, &r, out);
    } else if (slplan_has_over(sel)) {
        if ((err = slplan_materialize_windows(p, &r, sel->pos))) {
            return err;
        }
        err = slplan_over(p, sel, &r, out);
    } else {
        if (sel->having) {
            return slplan_err(p, sel->having->pos, SL_ERR_ARG,
                              "HAVING needs GROUP BY or an aggregate");
        }
        if ((err = slplan_materialize_windows(p, &r, sel->pos))) {
            return err;
        }
        slexpr *where;
        if ((err = slplan_bind_where(p, sel, &r, &where))) {
            return err;
        }
        slbind b = {.p = p, .r = &r, .clause = "SELECT"};
        err = slplan_project_items(p, &b, sel, where, out);
    }
    if (err) {
        return err;
    }
    if (sel->distinct) {
        return plan_distinct(p, sel, out);
    }
    return SL_OK;
}

sl_err slplan_project_items(slplan *p, slbind *b, const slselect *sel, slexpr *where,
                            slrel *out) {
    slexpr **proj;
    const char **names;
    int n;
    sl_err err = bind_items(b, sel, &proj, &names, &n);
    if (err) {
        slexpr_free(where);
        return err;
    }
    err = slplan_calc(p, b->r, where, proj, names, NULL, n, out);
    slmem_free(proj);
    return err;
}

static sl_err plan_distinct(slplan *p, const slselect *sel, slrel *r) {
    slkeyspec key = {0};
    for (int i = 0; i < r->n; i++) {
        if (r->cols[i].hidden) {
            continue;
        }
        if (key.n == (int)SL_ARRAY_LEN(key.cols)) {
            return slplan_err(p, sel->pos, SL_ERR_UNSUPPORTED,
                              "SELECT DISTINCT supports at most %d columns",
                              (int)SL_ARRAY_LEN(key.cols));
        }
        key.cols[key.n++] = i;
    }
    slgroup_arg *a;
    sl_err err = slgroup_arg_new(r->s->schema, &key, NULL, 0, r->updating, &a);
    if (err) {
        return slplan_err_at(p, sel->pos, err);
    }
    a->mini_batch = p->mini_batch;
    sl_stream *s = sljob_add_keyed_op(p->job, "GroupAggregate(DISTINCT)", slgroup_new, a,
                                      slgroup_arg_free, r->s, &key, a->out, NULL);
    slrel o;
    slrel_init(p, &o, s, NULL);
    for (int i = 0; i < o.n; i++) {
        o.cols[i].name = r->cols[key.cols[i]].name;
        o.cols[i].qual = r->cols[key.cols[i]].qual;
    }
    o.updating = true;
    *r = o;
    return SL_OK;
}

/* ---- queries and set operations ---- */

static sl_err plan_union(slplan *p, const slquery *q, slrel *out) {
    if (q->op == SLSET_INTERSECT || q->op == SLSET_EXCEPT) {
        return slplan_err(p, q->pos, SL_ERR_UNSUPPORTED, "%s is not supported",
                          q->op == SLSET_INTERSECT ? "INTERSECT" : "EXCEPT");
    }
    slrel l, r;
    sl_err err = slplan_query(p, q->left, &l);
    if (!err) {
        err = slplan_query(p, q->right, &r);
    }
    if (err) {
        return err;
    }
    int nl = 0, nr = 0;
    for (int i = 0; i < l.n; i++) {
        nl += !l.cols[i].hidden;
    }
    for (int i = 0; i < r.n; i++) {
        nr += !r.cols[i].hidden;
    }
    if (nl != nr || nl != l.n || nr != r.n) {
        return slplan_err(p, q->pos, SL_ERR_ARG,
                          "UNION inputs have different column counts (%d and %d)", nl, nr);
    }
    /* Unify types: equal, or BIGINT with DOUBLE -> DOUBLE. */
    bool cast_l = false, cast_r = false;
    sl_type *types = slarena_alloc(&p->arena, sizeof(sl_type) * (size_t)(l.n ? l.n : 1));
    for (int i = 0; i < l.n; i++) {
        sl_type a = sl_schema_type(l.s->schema, i), b = sl_schema_type(r.s->schema, i);
        if (a == b) {
            types[i] = a;
        } else if ((a == SL_BIGINT && b == SL_DOUBLE) || (a == SL_DOUBLE && b == SL_BIGINT)) {
            types[i] = SL_DOUBLE;
            cast_l |= a != SL_DOUBLE;
            cast_r |= b != SL_DOUBLE;
        } else {
            return slplan_err(p, q->pos, SL_ERR_TYPE,
                              "UNION column %d ('%s'): %s and %s do not match", i + 1,
                              l.cols[i].name, sl_type_name(a), sl_type_name(b));
        }
    }
    slrel *sides[2] = {&l, &r};
    bool casts[2] = {cast_l, cast_r};
    for (int s = 0; s < 2; s++) {
        if (!casts[s]) {
            continue;
        }
        slrel *x = sides[s];
        slexpr **proj = slmem_calloc((size_t)x->n, sizeof *proj);
        const char **names = slarena_alloc(&p->arena, sizeof *names * (size_t)x->n);
        for (int i = 0; i < x->n; i++) {
            proj[i] = slexpr_column(i, sl_schema_type(x->s->schema, i));
            if (slexpr_type(proj[i]) != types[i]) {
                slexpr_cast(proj[i], types[i], false, &proj[i]);
            }
            names[i] = l.cols[i].name;
        }
        err = slplan_calc(p, x, NULL, proj, names, NULL, x->n, x);
        slmem_free(proj);
        if (err) {
            return slplan_err_at(p, q->pos, err);
        }
    }
    /* The union node wants equal schemas, names included: rename the right. */
    bool same_names = true;
    for (int i = 0; i < l.n; i++) {
        same_names &= strcmp(sl_schema_name(l.s->schema, i), sl_schema_name(r.s->schema, i)) == 0;
    }
    if (!same_names || !slschema_equal(l.s->schema, r.s->schema)) {
        slexpr **proj = slmem_calloc((size_t)r.n, sizeof *proj);
        const char **names = slarena_alloc(&p->arena, sizeof *names * (size_t)r.n);
        for (int i = 0; i < r.n; i++) {
            proj[i] = slexpr_column(i, sl_schema_type(r.s->schema, i));
            names[i] = sl_schema_name(l.s->schema, i);
        }
        err = slplan_calc(p, &r, NULL, proj, names, NULL, r.n, &r);
        slmem_free(proj);
        if (err) {
            return slplan_err_at(p, q->pos, err);
        }
    }
    sl_stream *u;
    if ((err = sl_stream_union(l.s, r.s, &u))) {
        return slplan_err_at(p, q->pos, err);
    }
    slrel o = l;
    o.s = u;
    o.updating = l.updating || r.updating;
    o.rowtime = l.rowtime == r.rowtime ? l.rowtime : -1;
    o.proctime = -1;
    o.win = false;
    *out = o;
    if (q->op == SLSET_UNION) {
        slselect fake = {.pos = q->pos};
        return plan_distinct(p, &fake, out);
    }
    return SL_OK;
}

sl_err slplan_query(slplan *p, const slquery *q, slrel *out) {
    if (q->n_order > 0) {
        return slplan_err(p, q->order[0].e->pos, SL_ERR_UNSUPPORTED,
                          "ORDER BY is not supported on a streaming query; for the first N rows "
                          "per group use ROW_NUMBER() OVER (PARTITION BY .. ORDER BY ..) <= N");
    }
    if (q->limit) {
        return slplan_err(p, q->limit->pos, SL_ERR_UNSUPPORTED,
                          "LIMIT is not supported on a streaming query; use a Top-N query");
    }
    slcte_scope scope = {.ctes = q->with, .n = q->n_with, .up = p->ctes};
    if (q->n_with) {
        p->ctes = &scope;
    }
    sl_err err = q->op == SLSET_NONE ? slplan_select(p, q->select, out) : plan_union(p, q, out);
    if (q->n_with) {
        p->ctes = scope.up;
    }
    return err;
}
