/*
 * over.h - OVER aggregation (Flink SQL's OverAggregate) and the window table
 * functions' row assignment.
 *
 *   SELECT *, SUM(amount) OVER (PARTITION BY user ORDER BY ts
 *       RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW) FROM t
 *
 * OVER: a keyed operator (by the PARTITION BY columns; none = parallelism 1).
 * ORDER BY is the event time: rows are buffered per key until the watermark
 * passes their time, then processed in event-time order (rows with equal
 * times in arrival order). Output: every input row with one column per
 * aggregate appended, append-only, event time unchanged.
 *   ROWS frame: a row's aggregates cover it and the `preceding` rows before
 *     it in that order (-1: every earlier row).
 *   RANGE frame: a row's aggregates cover every row whose time t satisfies
 *     row_ts - preceding <= t <= row_ts (-1: every earlier row), so rows with
 *     equal times (peers) see each other and get the same results.
 * Rows that arrive with a time at or behind the watermark are late: they go
 * to port 1 (schema in) and are counted, as Flink drops them.
 * With proctime (ORDER BY a processing-time attribute) rows are processed
 * as they arrive, and RANGE is measured on the job's clock.
 * State of a key is kept only as far back as the frame needs.
 */
#ifndef SL_OVER_H
#define SL_OVER_H

#include "ops/op.h"

typedef struct slover_arg {
    sl_schema *in;        /* ref */
    slkeyspec partition;  /* n may be 0 */
    bool rows;            /* ROWS frame, else RANGE */
    int64_t preceding;    /* rows (ROWS) or microseconds (RANGE); -1 = UNBOUNDED */
    bool proctime;
    sl_agg *aggs;         /* owned copies */
    int n_aggs;
    sl_schema *out;       /* ref: in's columns, then the aggregates (named by aggs[i].as) */
} slover_arg;

/* Errors as slwindow_arg_new. Arguments borrowed. */
sl_err slover_arg_new(const sl_schema *in, const slkeyspec *partition, bool rows,
                      int64_t preceding, bool proctime, const sl_agg *aggs, int n,
                      slover_arg **out);
void slover_arg_free(void *arg);
slop *slover_new(void *arg, int subtask);

/*
 * Window table functions without aggregation (SELECT * FROM TABLE(TUMBLE(..))):
 * a stateless, chainable operator that appends window_start, window_end and
 * window_time (TIMESTAMP; window_time = window_end - 1 us) to each row, one
 * output row per window the row falls in (one for TUMBLE, size/slide for HOP,
 * size/step for CUMULATE), from the row's event time. The output rows' event
 * time is window_time. SESSION windows are not assigned this way (refused by
 * the planner: they need the window aggregation).
 */
typedef struct slwinassign_arg {
    sl_schema *in, *out;  /* ref: out = in + window_start, window_end, window_time */
    sl_window_spec spec;  /* TUMBLE, HOP or CUMULATE */
} slwinassign_arg;

sl_err slwinassign_arg_new(const sl_schema *in, const sl_window_spec *spec,
                           slwinassign_arg **out);
void slwinassign_arg_free(void *arg);
slop *slwinassign_new(void *arg, int subtask);

#endif /* SL_OVER_H */
