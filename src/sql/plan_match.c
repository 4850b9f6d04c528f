/*
 * plan_match.c - planning MATCH_RECOGNIZE (an SLFROM_MATCH item, parsed by
 * parse_match.c) into the pattern operator (ops/cep.h).
 *
 * Checks: the input is append-only with an event-time attribute; ORDER BY
 * is that attribute, ascending (anything else is an error at its
 * position); PARTITION BY items are columns; DEFINE and AFTER MATCH SKIP
 * name pattern variables. The output relation has the PARTITION BY columns,
 * then the measures; its event time is the match's last row's, and a
 * measure MATCH_ROWTIME() is its time attribute.
 *
 * Navigation: in DEFINE and MEASURES the binder sees the input relation,
 * with these AST nodes substituted by columns after the input's (one
 * slcep_nav each, equal nodes sharing one):
 *   v.col (v a variable)           DEFINE of v: the current row's col;
 *                                  otherwise LAST(v.col)
 *   PREV(col [, n])                the row n (1) rows before the current row
 *                                  (DEFINE) or the match's last row
 *                                  (MEASURES), within the match; NULL before it;
 *                                  PREV(v.col [, n]): before v's last row
 *   LAST(v.col [, n]), FIRST(..)   the n-th (0) last / first row of v (no v:
 *                                  of the match); in DEFINE of v, v's rows
 *                                  include the current row
 *   COUNT/SUM/AVG/MIN/MAX(v.col)   over v's rows (no v: every row); COUNT(*)
 *                                  and COUNT(v.*) count rows
 *   MATCH_ROWTIME()                the last row's event time (MEASURES)
 *   CLASSIFIER()                   the variable of the current / last row
 * Unqualified columns are the current row (DEFINE) or the last row
 * (MEASURES), as in Flink.
 *
 * Called on the job-building thread.
 */
#include <stdio.h>
#include <strings.h>

#include "ops/cep.h"
#include "sql/sql_int.h"

#define SLTRY_M(x)                                                                                 \
    do {                                                                                           \
        sl_err e_ = (x);                                                                           \
        if (e_) {                                                                                  \
            return e_;                                                                             \
        }                                                                                          \
    } while (0)

typedef struct mctx {
    slplan *p;
    const slrel *in;
    const char **vars;
    int n_vars;
    int cur_var;  /* DEFINE of this variable, -1 in MEASURES */
    slcep_nav *navs;
    int n_navs;
    size_t cap_navs;
    slsubst *subst;
    int n_subst;
    size_t cap_subst;
    const char *clause;
} mctx;

static int var_find(const mctx *m, const char *name) {
    for (int i = 0; name && i < m->n_vars; i++) {
        if (strcasecmp(m->vars[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

static void collect_vars(const slmpat *pt, const char ***vars, int *n, size_t *cap) {
    if (pt->kind == SLMPAT_VAR) {
        for (int i = 0; i < *n; i++) {
            if (strcasecmp((*vars)[i], pt->name) == 0) {
                return;
            }
        }
        slmem_grow((void **)vars, cap, (size_t)*n + 1, sizeof **vars);
        (*vars)[(*n)++] = pt->name;
        return;
    }
    for (int i = 0; i < pt->n_kids; i++) {
        collect_vars(pt->kids[i], vars, n, cap);
    }
}

static slcep_pat *to_pat(const mctx *m, const slmpat *pt) {
    switch (pt->kind) {
    case SLMPAT_VAR:
        return slcep_pat_var(var_find(m, pt->name), SLCEP_STRICT);
    case SLMPAT_SEQ:
    case SLMPAT_ALT: {
        slcep_pat **kids = slmem_calloc((size_t)pt->n_kids, sizeof *kids);
        for (int i = 0; i < pt->n_kids; i++) {
            kids[i] = to_pat(m, pt->kids[i]);
        }
        slcep_pat *r = slcep_pat_list(pt->kind == SLMPAT_SEQ ? SLCEP_PAT_SEQ : SLCEP_PAT_ALT, kids,
                                      pt->n_kids);
        slmem_free(kids);
        return r;
    }
    case SLMPAT_REPEAT:
        return slcep_pat_repeat(to_pat(m, pt->kids[0]), pt->min, pt->max, !pt->reluctant);
    }
    return NULL;
}

/* A synthetic column node "$navK" standing for substitution K: the
 * rewritten tree uses it instead of the navigation node, so the binder's
 * structural matching (which treats A.price and price alike) cannot mix two
 * navigations up. */
static slx *synth(mctx *m, const slx *x, int k) {
    slx *c = slarena_alloc(&m->p->arena, sizeof *c);
    memset(c, 0, sizeof *c);
    c->kind = SLX_COLUMN;
    c->pos = x->pos;
    char name[32];
    snprintf(name, sizeof name, "$nav%d", k);
    c->text = slplan_strdup(m->p, name);
    return c;
}

static slx *add_subst(mctx *m, const slx *x, slexpr *e) {
    slmem_grow((void **)&m->subst, &m->cap_subst, (size_t)m->n_subst + 1, sizeof *m->subst);
    slx *c = synth(m, x, m->n_subst);
    m->subst[m->n_subst].ast = c;
    m->subst[m->n_subst].e = e;
    m->n_subst++;
    return c;
}

/* The node standing for nav (one per distinct nav). */
static sl_err add_nav(mctx *m, const slx *x, const slcep_nav *nav, slx **out) {
    for (int i = 0; i < m->n_navs; i++) {
        const slcep_nav *o = &m->navs[i];
        if (o->kind == nav->kind && o->var == nav->var && o->col == nav->col &&
            o->off == nav->off) {
            for (int j = 0; j < m->n_subst; j++) {
                if (slexpr_column_index(m->subst[j].e) == m->in->n + i) {
                    *out = (slx *)m->subst[j].ast;
                    return SL_OK;
                }
            }
        }
    }
    slcep_nav nv = *nav;
    sl_err err = slcep_nav_type(&nv, m->in->s->schema, &nv.type);
    if (err) {
        return slplan_err_at(m->p, x->pos, err);
    }
    slmem_grow((void **)&m->navs, &m->cap_navs, (size_t)m->n_navs + 1, sizeof *m->navs);
    m->navs[m->n_navs] = nv;
    *out = add_subst(m, x, slexpr_column(m->in->n + m->n_navs, nv.type));
    m->n_navs++;
    return SL_OK;
}

/* The (variable, column) a navigation argument names: v.col, col, v.* or
 * * (col -1, allowed when star_ok). */
static sl_err nav_arg(mctx *m, const slx *a, const char *fn, bool star_ok, int *var, int *col) {
    *var = -1;
    *col = -1;
    if (a->kind == SLX_STAR && star_ok) {
        if (a->qual) {
            *var = var_find(m, a->qual);
            if (*var < 0) {
                return slplan_err(m->p, a->pos, SL_ERR_NOTFOUND,
                                  "'%s' is not a pattern variable", a->qual);
            }
        }
        return SL_OK;
    }
    if (a->kind != SLX_COLUMN) {
        return slplan_err(m->p, a->pos, SL_ERR_UNSUPPORTED,
                          "the argument of %s must be a column, optionally qualified by a "
                          "pattern variable (A.price)",
                          fn);
    }
    const char *qual = a->qual;
    if (qual) {
        *var = var_find(m, qual);
        if (*var >= 0) {
            qual = NULL;
        }
    }
    *col = slrel_find(m->in, qual, a->text);
    if (*col < 0) {
        return slplan_err(m->p, a->pos, SL_ERR_NOTFOUND, "%s column '%s'%s",
                          *col == -2 ? "ambiguous" : "unknown", a->text,
                          qual ? " (its qualifier is not a pattern variable)" : "");
    }
    return SL_OK;
}

static sl_err int_arg(mctx *m, const slx *x, const char *fn, int64_t *out) {
    if (x->kind != SLX_INT || x->i < 0) {
        return slplan_err(m->p, x->pos, SL_ERR_ARG,
                          "the offset of %s must be a non-negative integer literal", fn);
    }
    *out = x->i;
    return SL_OK;
}

/* A copy of x (*out) in which navigation nodes are replaced by synthetic
 * columns with substitutions. */
static sl_err walk(mctx *m, const slx *x, slx **out) {
    *out = (slx *)x;
    if (!x) {
        return SL_OK;
    }
    if (x->kind == SLX_COLUMN && x->qual && var_find(m, x->qual) >= 0) {
        int v = var_find(m, x->qual);
        int col = slrel_find(m->in, NULL, x->text);
        if (col < 0) {
            return slplan_err(m->p, x->pos, SL_ERR_NOTFOUND, "%s column '%s'",
                              col == -2 ? "ambiguous" : "unknown", x->text);
        }
        if (v == m->cur_var) {
            *out = add_subst(m, x, slexpr_column(col, sl_schema_type(m->in->s->schema, col)));
            return SL_OK;
        }
        slcep_nav nav = {SLCEP_NAV_LAST, v, col, 0, 0};
        return add_nav(m, x, &nav, out);
    }
    if (x->kind == SLX_CALL && !x->over) {
        const char *fn = x->text;
        bool prev = strcmp(fn, "PREV") == 0, last = strcmp(fn, "LAST") == 0,
             first = strcmp(fn, "FIRST") == 0;
        if (prev || last || first) {
            if (x->n_kids < 1 || x->n_kids > 2) {
                return slplan_err(m->p, x->pos, SL_ERR_ARG, "%s takes a column and an optional "
                                                            "offset", fn);
            }
            slcep_nav nav = {prev ? SLCEP_NAV_PREV : last ? SLCEP_NAV_LAST : SLCEP_NAV_FIRST, -1,
                             -1, prev ? 1 : 0, 0};
            SLTRY_M(nav_arg(m, x->kids[0], fn, false, &nav.var, &nav.col));
            if (x->n_kids == 2) {
                SLTRY_M(int_arg(m, x->kids[1], fn, &nav.off));
            }
            return add_nav(m, x, &nav, out);
        }
        if (strcmp(fn, "NEXT") == 0) {
            return slplan_err(m->p, x->pos, SL_ERR_UNSUPPORTED,
                              "NEXT is not supported in a streaming pattern (use PREV)");
        }
        if (strcmp(fn, "MATCH_ROWTIME") == 0 || strcmp(fn, "CLASSIFIER") == 0) {
            bool rt = fn[0] == 'M';
            if (x->n_kids) {
                return slplan_err(m->p, x->pos, SL_ERR_ARG, "%s takes no arguments", fn);
            }
            if (rt && m->cur_var >= 0) {
                return slplan_err(m->p, x->pos, SL_ERR_UNSUPPORTED,
                                  "MATCH_ROWTIME() is only allowed in MEASURES");
            }
            slcep_nav nav = {rt ? SLCEP_NAV_ROWTIME : SLCEP_NAV_CLASSIFIER, -1, -1, 0, 0};
            return add_nav(m, x, &nav, out);
        }
        if (strcmp(fn, "MATCH_PROCTIME") == 0) {
            return slplan_err(m->p, x->pos, SL_ERR_UNSUPPORTED, "MATCH_PROCTIME() is not supported");
        }
        sl_agg_kind ak = slbind_agg_kind(fn, (x->flags & SLX_F_DISTINCT) != 0);
        if (ak) {
            slcep_nav_kind k = ak == SL_AGG_COUNT ? SLCEP_NAV_COUNT
                               : ak == SL_AGG_SUM ? SLCEP_NAV_SUM
                               : ak == SL_AGG_AVG ? SLCEP_NAV_AVG
                               : ak == SL_AGG_MIN ? SLCEP_NAV_MIN
                               : ak == SL_AGG_MAX ? SLCEP_NAV_MAX
                                                  : 0;
            if (!k || x->n_kids != 1) {
                return slplan_err(m->p, x->pos, SL_ERR_UNSUPPORTED,
                                  "%s%s is not supported in %s (COUNT, SUM, AVG, MIN and MAX of "
                                  "one column are)",
                                  fn, x->flags & SLX_F_DISTINCT ? " DISTINCT" : "", m->clause);
            }
            slcep_nav nav = {k, -1, -1, 0, 0};
            SLTRY_M(nav_arg(m, x->kids[0], fn, k == SLCEP_NAV_COUNT, &nav.var, &nav.col));
            return add_nav(m, x, &nav, out);
        }
    }
    if (x->kind == SLX_SUBQUERY) {
        return slplan_err(m->p, x->pos, SL_ERR_UNSUPPORTED, "subqueries are not allowed in %s",
                          m->clause);
    }
    if (x->n_kids == 0) {
        return SL_OK;
    }
    slx *c = slarena_alloc(&m->p->arena, sizeof *c);
    *c = *x;
    c->kids = slarena_alloc(&m->p->arena, sizeof *c->kids * (size_t)x->n_kids);
    for (int i = 0; i < x->n_kids; i++) {
        SLTRY_M(walk(m, x->kids[i], &c->kids[i]));
    }
    *out = c;
    return SL_OK;
}

static void mctx_reset(mctx *m) {
    for (int i = 0; i < m->n_subst; i++) {
        slexpr_free(m->subst[i].e);
    }
    m->n_subst = 0;
    m->navs = NULL;
    m->n_navs = 0;
    m->cap_navs = 0;
}

/* Bind x with navigation: *e and m->navs (taken by the caller). */
static sl_err bind_nav(mctx *m, const slx *x, slexpr **e) {
    *e = NULL;
    slx *y;
    sl_err err = walk(m, x, &y);
    if (!err) {
        slbind b = {.p = m->p, .r = m->in, .subst = m->subst, .n_subst = m->n_subst,
                    .clause = m->clause};
        err = slbind_expr(&b, y, e);
    }
    return err;
}

sl_err slplan_match(slplan *p, const slfrom *f, slrel *in, slrel *out) {
    const slmatch *mr = f->match;
    sl_err err = SL_OK;
    mctx m = {.p = p, .in = in, .cur_var = -1};
    size_t cap_vars = 0;
    slcep_cond *conds = NULL;
    slcep_measure *meas = NULL;
    slcep_nav *mnavs = NULL;
    int n_mnavs = 0;
    slcep_arg *arg = NULL;
    if (in->win && (err = slplan_materialize_windows(p, in, f->pos))) {
        return err;
    }
    if (in->updating) {
        return slplan_err(p, mr->pos, SL_ERR_UNSUPPORTED,
                          "MATCH_RECOGNIZE needs an append-only input; this one carries updates");
    }
    /* ORDER BY the event-time attribute */
    if (mr->n_order == 0) {
        return slplan_err(p, mr->pos, SL_ERR_UNSUPPORTED,
                          "MATCH_RECOGNIZE needs ORDER BY the input's event-time attribute");
    }
    const slorder *o = &mr->order[0];
    int oc = o->e->kind == SLX_COLUMN ? slrel_find(in, o->e->qual, o->e->text) : -1;
    if (oc < 0 || oc != in->rowtime) {
        if (oc >= 0 && oc == in->proctime) {
            return slplan_err(p, o->e->pos, SL_ERR_UNSUPPORTED,
                              "MATCH_RECOGNIZE over processing time is not supported; ORDER BY "
                              "an event-time attribute");
        }
        return slplan_err(p, o->e->pos, SL_ERR_UNSUPPORTED,
                          "MATCH_RECOGNIZE must be ordered by the input's event-time attribute "
                          "%s%s%s first",
                          in->rowtime >= 0 ? "'" : "(the input has none)",
                          in->rowtime >= 0 ? in->cols[in->rowtime].name : "",
                          in->rowtime >= 0 ? "'" : "");
    }
    if (o->desc) {
        return slplan_err(p, o->e->pos, SL_ERR_UNSUPPORTED,
                          "MATCH_RECOGNIZE must be ordered by its time attribute ascending");
    }
    if (mr->n_order > 1) {
        return slplan_err(p, mr->order[1].e->pos, SL_ERR_UNSUPPORTED,
                          "MATCH_RECOGNIZE orders by the time attribute only (rows with equal "
                          "times are taken in arrival order)");
    }
    /* PARTITION BY columns */
    slkeyspec key = {0};
    if (mr->n_partition > (int)SL_ARRAY_LEN(key.cols)) {
        return slplan_err(p, mr->partition[0]->pos, SL_ERR_UNSUPPORTED,
                          "at most %d PARTITION BY columns", (int)SL_ARRAY_LEN(key.cols));
    }
    for (int i = 0; i < mr->n_partition; i++) {
        const slx *x = mr->partition[i];
        int c = x->kind == SLX_COLUMN ? slrel_find(in, x->qual, x->text) : -3;
        if (c == -3) {
            return slplan_err(p, x->pos, SL_ERR_UNSUPPORTED,
                              "PARTITION BY takes columns, not expressions");
        }
        if (c < 0) {
            return slplan_err(p, x->pos, SL_ERR_NOTFOUND, "%s column '%s'",
                              c == -2 ? "ambiguous" : "unknown", x->text);
        }
        key.cols[key.n++] = c;
    }
    /* variables */
    collect_vars(mr->pattern, &m.vars, &m.n_vars, &cap_vars);
    if (m.n_vars > SLCEP_MAX_VARS) {
        err = slplan_err(p, mr->pattern->pos, SL_ERR_UNSUPPORTED,
                         "a pattern has at most %d variables", SLCEP_MAX_VARS);
        goto out;
    }
    for (int i = 0; i < mr->n_defines; i++) {
        if (var_find(&m, mr->define_names[i]) < 0) {
            err = slplan_err(p, mr->define_pos[i], SL_ERR_NOTFOUND,
                             "DEFINE names '%s', which is not a variable of the PATTERN",
                             mr->define_names[i]);
            goto out;
        }
        for (int j = 0; j < i; j++) {
            if (strcasecmp(mr->define_names[i], mr->define_names[j]) == 0) {
                err = slplan_err(p, mr->define_pos[i], SL_ERR_ARG, "'%s' is defined twice",
                                 mr->define_names[i]);
                goto out;
            }
        }
    }
    int skip_var = -1;
    slcep_skip skip = (slcep_skip)mr->skip;
    if (mr->skip_var) {
        skip_var = var_find(&m, mr->skip_var);
        if (skip_var < 0) {
            err = slplan_err(p, mr->skip_pos, SL_ERR_NOTFOUND,
                             "AFTER MATCH SKIP TO names '%s', which is not a variable of the "
                             "PATTERN",
                             mr->skip_var);
            goto out;
        }
    }
    int64_t within = 0;
    if (mr->within && (err = slbind_interval(p, mr->within, "WITHIN", &within))) {
        goto out;
    }
    /* DEFINE */
    conds = slmem_calloc((size_t)m.n_vars, sizeof *conds);
    for (int i = 0; i < mr->n_defines; i++) {
        int v = var_find(&m, mr->define_names[i]);
        m.cur_var = v;
        m.clause = "DEFINE";
        slexpr *e;
        err = bind_nav(&m, mr->defines[i], &e);
        conds[v].navs = m.navs;
        conds[v].n_navs = m.n_navs;
        mctx_reset(&m);
        if (err) {
            goto out;
        }
        conds[v].e = e;
        if (slexpr_type(e) != SL_BOOLEAN) {
            err = slplan_err(p, mr->defines[i]->pos, SL_ERR_TYPE,
                             "the condition of %s must be BOOLEAN, not %s", mr->define_names[i],
                             sl_type_name(slexpr_type(e)));
            goto out;
        }
    }
    /* MEASURES */
    m.cur_var = -1;
    m.clause = "MEASURES";
    meas = slmem_calloc((size_t)mr->n_measures + 1, sizeof *meas);
    int rowtime_measure = -1;
    for (int i = 0; i < mr->n_measures && !err; i++) {
        const slx *x = mr->measures[i].e;
        meas[i].name = mr->measures[i].alias;
        err = bind_nav(&m, x, &meas[i].e);
        if (x->kind == SLX_CALL && strcmp(x->text, "MATCH_ROWTIME") == 0) {
            rowtime_measure = i;
        }
    }
    mnavs = m.navs;
    n_mnavs = m.n_navs;
    mctx_reset(&m);
    if (err) {
        goto out;
    }
    slcep_pat *pat = to_pat(&m, mr->pattern);
    /* slcep_arg_new takes pat, the conditions' trees and navs, the measures
     * and mnavs */
    err = slcep_arg_new(in->s->schema, &key, m.vars, m.n_vars, pat, conds, within, skip, skip_var,
                        meas, mr->n_measures, mnavs, n_mnavs, NULL, NULL, NULL, &arg);
    slmem_free(conds); /* its entries were taken */
    conds = NULL;
    mnavs = NULL;
    for (int i = 0; i < mr->n_measures; i++) {
        meas[i].e = NULL;
    }
    if (err) {
        err = slplan_err_at(p, mr->pattern->pos, err);
        goto out;
    }
    slbuf d = {0};
    slcep_describe(arg, &d);
    sl_stream *s = sljob_add_keyed_op(p->job, slbuf_cstr(&d), slcep_new, arg, slcep_arg_free,
                                      in->s, &key, arg->out, arg->in);
    slbuf_free(&d);
    slrel_init(p, out, s, f->alias);
    for (int i = 0; i < key.n; i++) {
        out->cols[i].name = in->cols[key.cols[i]].name;
    }
    out->rowtime = rowtime_measure >= 0 ? key.n + rowtime_measure : -1;
    out->proctime = -1;
    out->updating = false;
out:
    mctx_reset(&m);
    slmem_free(m.subst);
    slmem_free(m.vars);
    if (conds) {
        for (int i = 0; i < m.n_vars; i++) {
            slexpr_free(conds[i].e);
            slmem_free(conds[i].navs);
        }
        slmem_free(conds);
    }
    if (meas) {
        for (int i = 0; i < mr->n_measures; i++) {
            slexpr_free(meas[i].e);
        }
        slmem_free(meas);
    }
    slmem_free(mnavs);
    return err;
}
