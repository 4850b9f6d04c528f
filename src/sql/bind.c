/*
 * bind.c - the binder: turns AST expressions (ast.h) into typed expression
 * trees (expr.h) over the columns of a relation, resolving names, checking
 * types (through the expr constructors) and reporting errors at the position
 * of the offending node. Aggregates, window properties and OVER calls are
 * not evaluated here: the planner replaces them by columns of the step that
 * computes them (substitutions, slbind.subst) before binding what is above.
 *
 * Called by the planner (plan*.c) on the job-building thread.
 */
#include <stdio.h>
#include <strings.h>

#include "sql/sql_int.h"

sl_err slplan_err(const slplan *p, slpos pos, sl_err code, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return slerr_set(code, "%s:%d:%d: %s", p->file, pos.line, pos.col, msg);
}

sl_err slplan_err_at(const slplan *p, slpos pos, sl_err code) {
    return slerr_prefix(code, "%s:%d:%d", p->file, pos.line, pos.col);
}

char *slplan_strdup(slplan *p, const char *s) {
    if (!s) {
        return NULL;
    }
    size_t n = strlen(s);
    char *d = slarena_alloc(&p->arena, n + 1);
    memcpy(d, s, n + 1);
    return d;
}

/* ---- names ---- */

int slrel_find(const slrel *r, const char *qual, const char *name) {
    int found = -1;
    for (int i = 0; i < r->n; i++) {
        const slrelcol *c = &r->cols[i];
        if (strcasecmp(c->name, name) != 0) {
            continue;
        }
        if (qual && (!c->qual || strcasecmp(c->qual, qual) != 0)) {
            continue;
        }
        if (found >= 0) {
            /* A hidden helper column never makes a visible one ambiguous. */
            if (r->cols[found].hidden && !c->hidden) {
                found = i;
                continue;
            }
            if (c->hidden) {
                continue;
            }
            return -2;
        }
        found = i;
    }
    return found;
}

void slrel_describe(const slrel *r, slbuf *out) {
    bool first = true;
    for (int i = 0; i < r->n; i++) {
        if (r->cols[i].hidden) {
            continue;
        }
        if (!first) {
            slbuf_puts(out, ", ");
        }
        first = false;
        slbuf_puts(out, r->cols[i].name);
    }
}

bool slx_equal(const slx *a, const slx *b) {
    if (a == b) {
        return true;
    }
    if (!a || !b || a->kind != b->kind || a->op != b->op ||
        (a->flags & ~SLX_F_PAREN) != (b->flags & ~SLX_F_PAREN) || a->n_kids != b->n_kids ||
        a->i != b->i || a->d != b->d) {
        return false;
    }
    if ((a->text == NULL) != (b->text == NULL)) {
        return false;
    }
    if (a->kind == SLX_STRING) {
        if (a->len != b->len || memcmp(a->text, b->text, a->len) != 0) {
            return false;
        }
    } else if (a->text && strcasecmp(a->text, b->text) != 0) {
        return false;
    }
    if (a->kind == SLX_COLUMN && a->qual && b->qual && strcasecmp(a->qual, b->qual) != 0) {
        return false;
    }
    if (a->kind == SLX_CAST && a->cast.type != b->cast.type) {
        return false;
    }
    if ((a->over == NULL) != (b->over == NULL) || a->sub || b->sub) {
        return false;
    }
    if (a->over) {
        const slover *x = a->over, *y = b->over;
        if (x->n_partition != y->n_partition || x->n_order != y->n_order ||
            x->frame != y->frame || !slx_equal(x->preceding, y->preceding)) {
            return false;
        }
        for (int i = 0; i < x->n_partition; i++) {
            if (!slx_equal(x->partition[i], y->partition[i])) {
                return false;
            }
        }
        for (int i = 0; i < x->n_order; i++) {
            if (!slx_equal(x->order[i].e, y->order[i].e) || x->order[i].desc != y->order[i].desc) {
                return false;
            }
        }
    }
    for (int i = 0; i < a->n_kids; i++) {
        if (!slx_equal(a->kids[i], b->kids[i])) {
            return false;
        }
    }
    return true;
}

sl_agg_kind slbind_agg_kind(const char *name, bool distinct) {
    static const struct {
        const char *name;
        sl_agg_kind kind;
    } aggs[] = {
        {"COUNT", SL_AGG_COUNT},          {"SUM", SL_AGG_SUM},
        {"MIN", SL_AGG_MIN},              {"MAX", SL_AGG_MAX},
        {"AVG", SL_AGG_AVG},              {"STDDEV", SL_AGG_STDDEV},
        {"STDDEV_SAMP", SL_AGG_STDDEV},   {"STDDEV_POP", SL_AGG_STDDEV_POP},
        {"FIRST_VALUE", SL_AGG_FIRST_VALUE}, {"LAST_VALUE", SL_AGG_LAST_VALUE},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(aggs); i++) {
        if (strcmp(name, aggs[i].name) == 0) {
            if (distinct && aggs[i].kind == SL_AGG_COUNT) {
                return SL_AGG_COUNT_DISTINCT;
            }
            return aggs[i].kind;
        }
    }
    return 0;
}

/* ---- expressions ---- */

static const char *binary_name(slx_op op) {
    switch (op) {
    case SLOP_ADD: return "+";
    case SLOP_SUB: return "-";
    case SLOP_MUL: return "*";
    case SLOP_DIV: return "/";
    case SLOP_MOD: return "%";
    case SLOP_CONCAT: return "||";
    case SLOP_EQ: return "=";
    case SLOP_NE: return "<>";
    case SLOP_LT: return "<";
    case SLOP_LE: return "<=";
    case SLOP_GT: return ">";
    case SLOP_GE: return ">=";
    case SLOP_AND: return "AND";
    case SLOP_OR: return "OR";
    default: return NULL;
    }
}

static sl_err bind_kids(slbind *b, const slx *x, int from, slexpr **args) {
    for (int i = from; i < x->n_kids; i++) {
        sl_err err = slbind_expr(b, x->kids[i], &args[i - from]);
        if (err) {
            for (int k = from; k < i; k++) {
                slexpr_free(args[k - from]);
            }
            return err;
        }
    }
    return SL_OK;
}

/* Apply function `name` to the bound kids[from..] of x. */
static sl_err call(slbind *b, const slx *x, const char *name, int from, slexpr **out) {
    int n = x->n_kids - from;
    slexpr *stack[16];
    slexpr **args = n <= 16 ? stack : slmem_calloc((size_t)n, sizeof *args);
    sl_err err = bind_kids(b, x, from, args);
    if (!err && (err = slexpr_func(name, args, n, out))) {
        err = slplan_err_at(b->p, x->pos, err);
    }
    if (args != stack) {
        slmem_free(args);
    }
    return err;
}

static sl_err bind_column(slbind *b, const slx *x, slexpr **out) {
    if (!b->r) {
        return slplan_err(b->p, x->pos, SL_ERR_ARG, "column '%s' is not allowed here: %s needs a constant",
                          x->text, b->clause);
    }
    int col = slrel_find(b->r, x->qual, x->text);
    if (b->agg_scope && b->pre && slrel_find(b->pre, x->qual, x->text) >= 0) {
        return slplan_err(b->p, x->pos, SL_ERR_ARG,
                          "column '%s' in %s is neither grouped nor aggregated; add it to GROUP BY "
                          "or use it in an aggregate function",
                          x->text, b->clause);
    }
    if (col == -2) {
        return slplan_err(b->p, x->pos, SL_ERR_ARG, "column '%s' is ambiguous", x->text);
    }
    if (col < 0) {
        slbuf d = {0};
        slrel_describe(b->r, &d);
        sl_err err = slplan_err(b->p, x->pos, SL_ERR_NOTFOUND, "unknown column '%s%s%s' (columns: %s)",
                                x->qual ? x->qual : "", x->qual ? "." : "", x->text,
                                slbuf_cstr(&d));
        slbuf_free(&d);
        return err;
    }
    if (b->agg_scope) {
        return slplan_err(b->p, x->pos, SL_ERR_ARG,
                          "column '%s' in %s is neither grouped nor aggregated; add it to GROUP BY "
                          "or use it in an aggregate function",
                          x->text, b->clause);
    }
    if (b->r->win && col >= b->r->n - 3) {
        return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED,
                          "'%s' is only available in the SELECT, HAVING and GROUP BY of a window "
                          "aggregation here",
                          x->text);
    }
    *out = slexpr_column(col, sl_schema_type(b->r->s->schema, col));
    return SL_OK;
}

static sl_err bind_case(slbind *b, const slx *x, slexpr **out) {
    bool operand = x->flags & SLX_F_OPERAND, has_else = x->flags & SLX_F_ELSE;
    int first = operand ? 1 : 0;
    int n_pairs = (x->n_kids - first - (has_else ? 1 : 0)) / 2;
    int n = n_pairs * 2 + (has_else ? 1 : 0);
    slexpr **args = slmem_calloc((size_t)(n ? n : 1), sizeof *args);
    sl_err err = SL_OK;
    int k = 0;
    for (int i = 0; i < n_pairs && !err; i++) {
        const slx *when = x->kids[first + 2 * i], *then = x->kids[first + 2 * i + 1];
        slexpr *w = NULL;
        if ((err = slbind_expr(b, when, &w))) {
            break;
        }
        if (operand) {
            slexpr *v = NULL;
            if ((err = slbind_expr(b, x->kids[0], &v))) {
                slexpr_free(w);
                break;
            }
            if ((err = slexpr_func("=", (slexpr *[]){v, w}, 2, &w))) {
                err = slplan_err_at(b->p, when->pos, err);
                break;
            }
        }
        args[k++] = w;
        if ((err = slbind_expr(b, then, &args[k]))) {
            break;
        }
        k++;
    }
    if (!err && has_else) {
        err = slbind_expr(b, x->kids[x->n_kids - 1], &args[k]);
        if (!err) {
            k++;
        }
    }
    if (!err) {
        if ((err = slexpr_func("CASE", args, k, out))) {
            err = slplan_err_at(b->p, x->pos, err);
        }
    } else {
        for (int i = 0; i < k; i++) {
            slexpr_free(args[i]);
        }
    }
    slmem_free(args);
    return err;
}

static sl_err bind_call(slbind *b, const slx *x, slexpr **out) {
    const char *name = x->text;
    if (x->over) {
        return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED,
                          "%s OVER (...) is not allowed in %s", name, b->clause);
    }
    if (slbind_agg_kind(name, false)) {
        return slplan_err(b->p, x->pos, SL_ERR_ARG,
                          "aggregate function %s is not allowed in %s", name, b->clause);
    }
    if (strcmp(name, "ROW_NUMBER") == 0 || strcmp(name, "RANK") == 0 ||
        strcmp(name, "DENSE_RANK") == 0) {
        return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED,
                          "%s() is only supported with OVER in a Top-N or deduplication query", name);
    }
    if (strcmp(name, "EXISTS") == 0) {
        return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED, "EXISTS subqueries are not supported");
    }
    static const char *window_fns[] = {"TUMBLE", "HOP", "SESSION", "CUMULATE", "TUMBLE_START",
                                       "TUMBLE_END", "TUMBLE_ROWTIME", "HOP_START", "HOP_END",
                                       "HOP_ROWTIME", "SESSION_START", "SESSION_END",
                                       "SESSION_ROWTIME", "TUMBLE_PROCTIME", "HOP_PROCTIME",
                                       "SESSION_PROCTIME"};
    for (size_t i = 0; i < SL_ARRAY_LEN(window_fns); i++) {
        if (strcmp(name, window_fns[i]) == 0) {
            return slplan_err(b->p, x->pos, SL_ERR_ARG,
                              "%s(...) is only allowed in the GROUP BY of a group window "
                              "aggregation and its SELECT",
                              name);
        }
    }
    if (strcmp(name, "CURRENT_DATE") == 0 || strcmp(name, "CURRENT_TIME") == 0 ||
        strcmp(name, "LOCALTIME") == 0) {
        return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED,
                          "%s is not supported: Sluice has no DATE/TIME types; use "
                          "CURRENT_TIMESTAMP",
                          name);
    }
    if (x->flags & SLX_F_DISTINCT) {
        return slplan_err(b->p, x->pos, SL_ERR_ARG, "DISTINCT is only allowed in aggregate functions");
    }
    for (int i = 0; i < x->n_kids; i++) {
        if (x->kids[i]->kind == SLX_STAR) {
            return slplan_err(b->p, x->kids[i]->pos, SL_ERR_ARG, "'*' is only allowed in COUNT(*)");
        }
    }
    return call(b, x, name, 0, out);
}

sl_err slbind_expr(slbind *b, const slx *x, slexpr **out) {
    *out = NULL;
    for (int i = 0; i < b->n_subst; i++) {
        if (slx_equal(b->subst[i].ast, x)) {
            *out = slexpr_copy(b->subst[i].e);
            return SL_OK;
        }
    }
    sl_err err = SL_OK;
    switch (x->kind) {
    case SLX_COLUMN:
        return bind_column(b, x, out);
    case SLX_STAR:
        return slplan_err(b->p, x->pos, SL_ERR_ARG, "'*' is not allowed here");
    case SLX_INT:
        *out = slexpr_bigint(x->i);
        return SL_OK;
    case SLX_DOUBLE:
        *out = slexpr_double(x->d);
        return SL_OK;
    case SLX_STRING:
        *out = slexpr_string(x->text, x->len);
        return SL_OK;
    case SLX_BOOL:
        *out = slexpr_bool(x->i != 0);
        return SL_OK;
    case SLX_NULL:
        *out = slexpr_null(SL_NULLTYPE);
        return SL_OK;
    case SLX_INTERVAL:
        if (x->flags & SLX_F_MONTHS) {
            return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED,
                              "year-month intervals are not supported; use days, hours, minutes "
                              "or seconds");
        }
        *out = slexpr_interval(x->i);
        return SL_OK;
    case SLX_TIMESTAMP:
        *out = slexpr_timestamp(x->i);
        return SL_OK;
    case SLX_UNARY:
        if (x->op == SLOP_PLUS) {
            return slbind_expr(b, x->kids[0], out);
        }
        return call(b, x, x->op == SLOP_NEG ? "NEG" : "NOT", 0, out);
    case SLX_BINARY: {
        const slx *iv = x->kids[1];
        if ((x->op == SLOP_ADD || x->op == SLOP_SUB) && iv->kind == SLX_INTERVAL &&
            (iv->flags & SLX_F_MONTHS)) {
            /* ts +/- INTERVAL 'n' MONTH: calendar arithmetic. */
            slexpr *ts;
            if ((err = slbind_expr(b, x->kids[0], &ts))) {
                return err;
            }
            slexpr *args[3] = {slexpr_string("MONTH", 5),
                               slexpr_bigint(x->op == SLOP_SUB ? -iv->i : iv->i), ts};
            if ((err = slexpr_func("TIMESTAMPADD", args, 3, out))) {
                return slplan_err_at(b->p, x->pos, err);
            }
            return SL_OK;
        }
        const char *name = binary_name(x->op);
        if (!name) {
            return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED, "operator not supported");
        }
        return call(b, x, name, 0, out);
    }
    case SLX_IS: {
        bool neg = x->flags & SLX_F_NEGATED;
        const char *name = x->op == SLOP_IS_NULL ? (neg ? "IS NOT NULL" : "IS NULL")
                           : x->op == SLOP_IS_TRUE ? (neg ? "IS NOT TRUE" : "IS TRUE")
                           : x->op == SLOP_IS_FALSE ? (neg ? "IS NOT FALSE" : "IS FALSE")
                           : (neg ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM");
        return call(b, x, name, 0, out);
    }
    case SLX_IN:
        for (int i = 1; i < x->n_kids; i++) {
            if (x->kids[i]->kind == SLX_SUBQUERY) {
                return slplan_err(b->p, x->kids[i]->pos, SL_ERR_UNSUPPORTED,
                                  "IN (subquery) is not supported; use a join");
            }
        }
        return call(b, x, (x->flags & SLX_F_NEGATED) ? "NOT IN" : "IN", 0, out);
    case SLX_BETWEEN:
        if (x->flags & SLX_F_SYMMETRIC) {
            return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED, "BETWEEN SYMMETRIC is not supported");
        }
        return call(b, x, (x->flags & SLX_F_NEGATED) ? "NOT BETWEEN" : "BETWEEN", 0, out);
    case SLX_LIKE:
        if (x->op == SLOP_SIMILAR) {
            return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED,
                              "SIMILAR TO is not supported; use LIKE or REGEXP");
        }
        return call(b, x, (x->flags & SLX_F_NEGATED) ? "NOT LIKE" : "LIKE", 0, out);
    case SLX_CASE:
        return bind_case(b, x, out);
    case SLX_CAST: {
        if (!x->cast.type) {
            return slplan_err(b->p, x->cast.pos, SL_ERR_UNSUPPORTED, "type %s is not supported",
                              x->cast.name);
        }
        slexpr *v;
        if ((err = slbind_expr(b, x->kids[0], &v))) {
            return err;
        }
        if ((err = slexpr_cast(v, x->cast.type, x->flags & SLX_F_TRY, out))) {
            return slplan_err_at(b->p, x->pos, err);
        }
        return SL_OK;
    }
    case SLX_CALL:
        return bind_call(b, x, out);
    case SLX_SUBQUERY:
        return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED,
                          "scalar subqueries are not supported; use a join");
    }
    return slplan_err(b->p, x->pos, SL_ERR_UNSUPPORTED, "expression not supported");
}

sl_err slbind_const(slplan *p, const slx *x, slvalue *out, slexpr **keep) {
    slbind b = {.p = p, .clause = "this place"};
    slexpr *e;
    sl_err err = slbind_expr(&b, x, &e);
    if (err) {
        return err;
    }
    if (!slexpr_is_const(e) || slexpr_const(e, out) != SL_OK) {
        slexpr_free(e);
        return slplan_err(p, x->pos, SL_ERR_ARG, "expected a constant");
    }
    *keep = e;
    return SL_OK;
}

sl_err slbind_interval(slplan *p, const slx *x, const char *what, int64_t *us) {
    slvalue v;
    slexpr *e;
    sl_err err = slbind_const(p, x, &v, &e);
    if (err) {
        return err;
    }
    bool ok = v.type == SL_INTERVAL && !v.is_null && v.v.i64 > 0;
    *us = v.v.i64;
    slexpr_free(e);
    if (!ok) {
        return slplan_err(p, x->pos, SL_ERR_ARG,
                          "%s must be a positive INTERVAL such as INTERVAL '5' MINUTE", what);
    }
    return SL_OK;
}
