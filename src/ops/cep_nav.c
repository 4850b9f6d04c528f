/*
 * cep_nav.c - navigation values over a (partial) match: PREV, LAST, FIRST,
 * aggregates over a variable's rows, the match's row time and classifier
 * (slcep_nav, contract in cep.h); and the public sl_match view of the C
 * pattern API (sluice.h).
 *
 * A view's rows are win[base + k] for k < n whose label is not
 * SLCEP_IGNORED, in order; the last one is the current row (in a condition)
 * or the match's last row (in a measure). Values are read from the window
 * batch directly; nothing is allocated.
 *
 * Thread: the operator's worker (the view is valid during one call).
 */
#include <strings.h>

#include "ops/cep.h"

sl_err slcep_nav_type(const slcep_nav *nav, const sl_schema *in, sl_type *out) {
    static const char *fname[] = {"",    "PREV", "LAST", "FIRST", "COUNT", "SUM",
                                  "AVG", "MIN",  "MAX",  "MATCH_ROWTIME", "CLASSIFIER"};
    sl_type t = nav->col >= 0 ? in->fields[nav->col].type : SL_BIGINT;
    switch (nav->kind) {
    case SLCEP_NAV_PREV:
    case SLCEP_NAV_LAST:
    case SLCEP_NAV_FIRST:
    case SLCEP_NAV_MIN:
    case SLCEP_NAV_MAX:
        if (nav->col < 0) {
            return slerr_set(SL_ERR_ARG, "%s needs a column", fname[nav->kind]);
        }
        if ((nav->kind == SLCEP_NAV_MIN || nav->kind == SLCEP_NAV_MAX) && t == SL_BOOLEAN) {
            return slerr_set(SL_ERR_TYPE, "%s expects a number, STRING or TIMESTAMP, got BOOLEAN",
                             fname[nav->kind]);
        }
        *out = t;
        return SL_OK;
    case SLCEP_NAV_COUNT:
        *out = SL_BIGINT;
        return SL_OK;
    case SLCEP_NAV_SUM:
    case SLCEP_NAV_AVG:
        if (nav->col < 0 || (t != SL_BIGINT && t != SL_DOUBLE)) {
            return slerr_set(SL_ERR_TYPE, "%s expects a number, got %s", fname[nav->kind],
                             nav->col < 0 ? "*" : sl_type_name(t));
        }
        *out = t; /* AVG of a BIGINT is a BIGINT (truncated), as in Flink */
        return SL_OK;
    case SLCEP_NAV_ROWTIME:
        *out = SL_TIMESTAMP;
        return SL_OK;
    case SLCEP_NAV_CLASSIFIER:
        *out = SL_STRING;
        return SL_OK;
    }
    return slerr_set(SL_ERR_ARG, "bad navigation function");
}

static bool of_var(const slcep_view *v, uint32_t k, int var) {
    uint8_t l = v->labels[k];
    return l != SLCEP_IGNORED && (var < 0 || l == (uint8_t)var);
}

/* The window row of the `off`-th row of var counted from the end (from_end)
 * or the start, or -1. */
static int64_t nth_row(const slcep_view *v, int var, int64_t off, bool from_end) {
    if (off < 0) {
        return -1;
    }
    int64_t seen = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        uint32_t k = from_end ? v->n - 1 - i : i;
        if (of_var(v, k, var)) {
            if (seen++ == off) {
                return (int64_t)(v->base + k);
            }
        }
    }
    return -1;
}

static int cmp_val(const slbatch *b, int col, uint32_t i, uint32_t j) {
    const slcol *c = &b->cols[col];
    switch (c->type) {
    case SL_DOUBLE:
        return c->v.f64[i] < c->v.f64[j] ? -1 : c->v.f64[i] > c->v.f64[j];
    case SL_STRING: {
        slstr a = c->v.s[i], s = c->v.s[j];
        uint32_t m = a.len < s.len ? a.len : s.len;
        int r = m ? memcmp(a.ptr, s.ptr, m) : 0;
        return r ? r : (a.len < s.len ? -1 : a.len > s.len);
    }
    default:
        return c->v.i64[i] < c->v.i64[j] ? -1 : c->v.i64[i] > c->v.i64[j];
    }
}

void slcep_nav_eval(const slcep_nav *nav, const slcep_view *v, slbatch *dst, int col, uint32_t j) {
    const slbatch *w = v->win;
    int64_t r = -1;
    switch (nav->kind) {
    case SLCEP_NAV_PREV: {
        /* `off` matched rows before the last row of var (any: the last row) */
        r = nth_row(v, nav->var, 0, true);
        for (int64_t k = 0; r >= 0 && k < nav->off; k++) {
            do {
                r--;
            } while (r >= (int64_t)v->base && v->labels[r - v->base] == SLCEP_IGNORED);
            if (r < (int64_t)v->base) {
                r = -1;
            }
        }
        break;
    }
    case SLCEP_NAV_LAST:
        r = nth_row(v, nav->var, nav->off, true);
        break;
    case SLCEP_NAV_FIRST:
        r = nth_row(v, nav->var, nav->off, false);
        break;
    case SLCEP_NAV_ROWTIME:
        r = nth_row(v, -1, 0, true);
        if (r < 0) {
            slbatch_set_null(dst, col, j);
        } else {
            slbatch_set_i64(dst, col, j, w->ts[r]);
        }
        return;
    case SLCEP_NAV_CLASSIFIER: {
        r = nth_row(v, -1, 0, true);
        if (r < 0) {
            slbatch_set_null(dst, col, j);
        } else {
            const char *nm = v->names[v->labels[r - v->base]];
            slbatch_set_str(dst, col, j, nm, strlen(nm));
        }
        return;
    }
    case SLCEP_NAV_COUNT: {
        int64_t n = 0;
        for (uint32_t k = 0; k < v->n; k++) {
            n += of_var(v, k, nav->var) && (nav->col < 0 || !w->cols[nav->col].nulls[v->base + k]);
        }
        slbatch_set_i64(dst, col, j, n);
        return;
    }
    case SLCEP_NAV_SUM:
    case SLCEP_NAV_AVG: {
        int64_t n = 0, si = 0;
        double sd = 0;
        const slcol *c = &w->cols[nav->col];
        for (uint32_t k = 0; k < v->n; k++) {
            uint32_t i = v->base + k;
            if (of_var(v, k, nav->var) && !c->nulls[i]) {
                n++;
                if (c->type == SL_DOUBLE) {
                    sd += c->v.f64[i];
                } else {
                    si = (int64_t)((uint64_t)si + (uint64_t)c->v.i64[i]); /* wraps as SUM does */
                    sd += (double)c->v.i64[i];
                }
            }
        }
        if (n == 0) {
            slbatch_set_null(dst, col, j);
        } else if (nav->kind == SLCEP_NAV_AVG && c->type == SL_DOUBLE) {
            slbatch_set_f64(dst, col, j, sd / (double)n);
        } else if (nav->kind == SLCEP_NAV_AVG) {
            slbatch_set_i64(dst, col, j, si / n); /* truncated toward zero */
        } else if (c->type == SL_DOUBLE) {
            slbatch_set_f64(dst, col, j, sd);
        } else {
            slbatch_set_i64(dst, col, j, si);
        }
        return;
    }
    case SLCEP_NAV_MIN:
    case SLCEP_NAV_MAX: {
        const slcol *c = &w->cols[nav->col];
        for (uint32_t k = 0; k < v->n; k++) {
            uint32_t i = v->base + k;
            if (of_var(v, k, nav->var) && !c->nulls[i]) {
                int d = r < 0 ? 0 : cmp_val(w, nav->col, i, (uint32_t)r);
                if (r < 0 || (nav->kind == SLCEP_NAV_MIN ? d < 0 : d > 0)) {
                    r = i;
                }
            }
        }
        break;
    }
    }
    if (r < 0) {
        slbatch_set_null(dst, col, j);
    } else {
        slbatch_copy_value(dst, col, j, w, nav->col, (uint32_t)r);
    }
}

/* ---- the public match view ---- */

int sl_match_size(const sl_match *m) {
    int n = 0;
    for (uint32_t k = 0; k < m->n; k++) {
        n += m->labels[k] != SLCEP_IGNORED;
    }
    return n;
}

static int var_index(const sl_match *m, const char *var) {
    for (int i = 0; var && i < m->n_vars; i++) {
        if (strcasecmp(m->names[i], var) == 0) {
            return i;
        }
    }
    return -2;
}

static const sl_row *row_at(const sl_match *m, int64_t r) {
    if (r < 0) {
        return NULL;
    }
    sl_match *mm = (sl_match *)m; /* the scratch row view is the match's own */
    mm->row.b = m->win;
    mm->row.i = (uint32_t)r;
    return &mm->row;
}

const sl_row *sl_match_at(const sl_match *m, int i) {
    return row_at(m, nth_row(m, -1, i, false));
}

const char *sl_match_var_at(const sl_match *m, int i) {
    int64_t r = nth_row(m, -1, i, false);
    return r < 0 ? NULL : m->names[m->labels[r - m->base]];
}

int sl_match_count(const sl_match *m, const char *var) {
    int v = var ? var_index(m, var) : -1;
    if (v == -2) {
        return 0;
    }
    int n = 0;
    for (uint32_t k = 0; k < m->n; k++) {
        n += of_var(m, k, v);
    }
    return n;
}

const sl_row *sl_match_row(const sl_match *m, const char *var, int i) {
    int v = var ? var_index(m, var) : -1;
    if (v == -2) {
        return NULL;
    }
    return row_at(m, i < 0 ? nth_row(m, v, -(int64_t)i - 1, true) : nth_row(m, v, i, false));
}
