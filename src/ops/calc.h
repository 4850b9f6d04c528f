/*
 * calc.h - the SQL projection/filter operator: a stateless, chainable
 * operator that keeps the rows of each batch for which a predicate is TRUE
 * and computes the output columns from expressions (expr.h), a whole batch at
 * a time. Row event times and row kinds pass through unchanged.
 *
 * The SQL planner makes one per SELECT list / WHERE / computed-column step.
 */
#ifndef SL_CALC_H
#define SL_CALC_H

#include "expr/expr.h"
#include "ops/op.h"

typedef struct slcalc_arg {
    sl_schema *in, *out; /* ref */
    slexpr *where;       /* owned; NULL = keep every row; BOOLEAN */
    slexpr **proj;       /* owned; proj[i] computes column i of out */
    int n_proj;          /* == out->n; 0 with out == in: filter only, rows pass as they are */
    int *src_col;        /* owned, n_proj: the input column proj[i] is, or -1 */
    bool *last_use;      /* owned, n_proj: src_col[i]'s last bare reference */
    int n_shared;        /* subexpressions computed once for where and proj (slexpr_share) */
} slcalc_arg;

/* Build the argument; takes `where` and the expressions proj[0..n) (also on
 * failure). Checks that each proj[i] has the type of out column i and that
 * where is BOOLEAN (SL_ERR_TYPE otherwise). n == 0 means "filter only":
 * out must then be NULL and the input schema is used. */
sl_err slcalc_arg_new(const sl_schema *in, const sl_schema *out, slexpr *where, slexpr **proj,
                      int n, slcalc_arg **res);
void slcalc_arg_free(void *arg);
/* The operator factory; arg is an slcalc_arg (borrowed, outlives it). */
slop *slcalc_new(void *arg, int subtask);

#endif /* SL_CALC_H */
