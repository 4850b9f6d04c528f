/*
 * group.h - non-windowed GROUP BY aggregation (Flink SQL's GroupAggregate):
 * a keyed operator that keeps one accumulator per group in the state backend
 * and emits a changelog of the aggregate results.
 *
 * Input: an append-only or updating stream. +I and +U rows are added to their
 * group; -U and -D rows are retracted from it (every aggregate must then be
 * retractable: slgroup_arg_new refuses MIN/MAX/FIRST_VALUE/LAST_VALUE over an
 * updating input with SL_ERR_UNSUPPORTED).
 *
 * Output (schema: the group columns, then one column per aggregate), per input
 * row, as Flink does without mini-batch:
 *   first row of a group          +I (keys, results)
 *   a changed result              -U (keys, previous results), +U (keys, new results)
 *   an unchanged result           nothing
 *   the group's row count hits 0  -D (keys, previous results); state removed
 * With no group columns (key.n == 0: SELECT COUNT(*) FROM t) there is one
 * group, and the planner runs the operator with parallelism 1. The node must
 * be keyed (ctx->state) in both cases: without group columns, fed by a keyed
 * stream of no columns.
 * Output rows carry the event time of the input row that caused them.
 *
 * Mini-batch (mini_batch, Flink's table.exec.mini-batch.enabled): the rows of
 * one input batch are folded into their groups first, and then each group the
 * batch touched emits once, in the order the batch first touched them, what
 * changed over the whole batch: +I (new group), -U/+U (result changed; its
 * previous result is the one before the batch), -D (the group's count fell to
 * 0), nothing when the result is what it was. Such output rows carry the event
 * time (and group columns) of the group's last row in the batch. The final
 * results are the same as without mini-batch; the changelog is shorter. No row
 * waits for more rows: the batch is what the input delivered.
 * State TTL (ctx->state_ttl_us) expires idle groups (their next row starts
 * over with +I), as table.exec.state.ttl does in Flink.
 */
#ifndef SL_GROUP_H
#define SL_GROUP_H

#include "ops/op.h"

typedef struct slgroup_arg {
    sl_schema *in;   /* ref */
    slkeyspec key;   /* group columns (n may be 0) */
    sl_agg *aggs;    /* owned copies (column / as strings owned) */
    int n_aggs;
    char **filters;  /* owned; NULL, or per aggregate NULL or its FILTER column */
    bool updating_input; /* the input carries -U/-D rows */
    bool mini_batch; /* fold each input batch per group first (set by the
                      * planner after slgroup_arg_new; default false) */
    sl_schema *out;  /* ref */
} slgroup_arg;

/* Errors as slwindow_arg_new (unknown column, type), plus SL_ERR_UNSUPPORTED
 * for a non-retractable aggregate over an updating input. Arguments borrowed. */
sl_err slgroup_arg_new(const sl_schema *in, const slkeyspec *key, const sl_agg *aggs, int n,
                       bool updating_input, slgroup_arg **out);
/* The same with a FILTER column per aggregate (slaggs_init_filtered). */
sl_err slgroup_arg_new_filtered(const sl_schema *in, const slkeyspec *key, const sl_agg *aggs,
                                const char *const *filters, int n, bool updating_input,
                                slgroup_arg **out);
void slgroup_arg_free(void *arg);
slop *slgroup_new(void *arg, int subtask);

#endif /* SL_GROUP_H */
