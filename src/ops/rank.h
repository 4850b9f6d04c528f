/*
 * rank.h - ROW_NUMBER() based operators of Flink SQL: Top-N, deduplication
 * and window Top-N / window deduplication.
 *
 *   SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY p ORDER BY o) AS rn
 *                  FROM t) WHERE rn <= N
 *
 * Continuous mode (window == false): a keyed operator keeping, per partition,
 * the rows that are in the top N so far (state backend, by partition key).
 * The input must be append-only. It emits a changelog as Flink's
 * AppendOnlyTopNFunction does:
 *   without the rank column: a row entering the top N is +I; the row it pushes
 *     out is -D (emitted first);
 *   with the rank column (the last output column, BIGINT, 1-based), rows are
 *     keyed by (partition, rank): for each rank position from the entering
 *     row's down to the last filled one, -U (the row that held the position,
 *     with that rank) then +U (the row holding it now); a position that was
 *     empty before gets +I. A row pushed out of a full top N leaves through
 *     the -U of rank N (no -D).
 * Ties in the ORDER BY values keep arrival order (the earlier row ranks
 * first). Deduplication is N = 1 ordered by event time ASC (keep first row)
 * or DESC (keep last row; there a row with an equal time replaces the kept
 * one, as Flink's rowtime >=): then the first row of a key is +I and a
 * replacement is -U/+U (without rank column as well), as Flink's
 * deduplication does.
 *
 * Window mode (window == true): the partition includes window_start and
 * window_end; rows are buffered per (window_end, partition) until the
 * watermark reaches window_end - 1, then sorted and the first N emitted as +I
 * (append-only output); state of the window is then freed. Rows arriving
 * for a window the watermark already closed are late: port 1 and counted.
 *
 * Ordering: NULLs sort last in ASC and first in DESC unless nulls_first says
 * otherwise. An order column of -1 means the row's event time.
 * (nulls_first[i] is applied as given: true puts NULLs before every value
 * whatever the direction; the planner fills in the default above when the
 * query says neither; slrank_arg_new takes nulls_first == NULL as the
 * default.)
 *
 * Graph: the node must be keyed (ctx->state), also with no partition columns
 * (then a keyed stream of no columns, parallelism 1); window mode sends late
 * rows to port 1, whose schema (in) the planner sets on the node.
 */
#ifndef SL_RANK_H
#define SL_RANK_H

#include "ops/op.h"

#define SLRANK_MAX_ORDER 8

typedef struct slrank_arg {
    sl_schema *in;    /* ref */
    slkeyspec partition; /* n may be 0: one partition (parallelism 1) */
    int n_order;
    int order_col[SLRANK_MAX_ORDER];   /* -1 = event time */
    bool order_desc[SLRANK_MAX_ORDER];
    bool nulls_first[SLRANK_MAX_ORDER];
    int64_t limit;    /* N >= 1 */
    bool with_rank;   /* append the row number as a last BIGINT column */
    bool window;      /* window Top-N */
    int window_end_col; /* window mode: the window_end column (TIMESTAMP) */
    sl_schema *out;   /* ref: in's columns [+ rank BIGINT named rank_name] */
} slrank_arg;

/* Build the argument (arguments borrowed). `rank_name` names the rank column
 * when with_rank. Errors: limit < 1 or no ORDER BY -> SL_ERR_ARG; an order
 * column out of range -> SL_ERR_ARG. */
sl_err slrank_arg_new(const sl_schema *in, const slkeyspec *partition, int n_order,
                      const int *order_col, const bool *order_desc, const bool *nulls_first,
                      int64_t limit, bool with_rank, const char *rank_name, bool window,
                      int window_end_col, slrank_arg **out);
void slrank_arg_free(void *arg);
slop *slrank_new(void *arg, int subtask);

#endif /* SL_RANK_H */
