/*
 * window.h - the keyed window aggregation operator (Flink DataStream windows
 * and Flink SQL window TVF aggregation): tumble, hop, cumulate, session,
 * count and global windows over the aggregates of agg.h.
 *
 * The graph builder (C API, SQL planner) makes an slwindow_arg with
 * slwindow_arg_new, adds a node whose factory is slwindow_new and whose arg is
 * that slwindow_arg (freed with slwindow_arg_free), output port 0 with schema
 * arg->out and port 1 (late rows) with schema arg->in.
 *
 * Output schema: the key columns (input names and types), window_start
 * TIMESTAMP, window_end TIMESTAMP, one column per aggregate. Count and global
 * windows have no time bounds: their window_start/window_end are NULL.
 */
#ifndef SL_WINDOW_H
#define SL_WINDOW_H

#include "ops/op.h"

typedef struct slwindow_arg {
    sl_schema *in; /* ref */
    slkeyspec key;
    sl_window_spec spec;
    sl_agg *aggs; /* owned, with owned column/as strings and owned udaf copies */
    int n_aggs;
    char **filters; /* owned; NULL, or per aggregate NULL or its FILTER column */
    sl_schema *out; /* ref */
} slwindow_arg;

/*
 * Check a window aggregation and build its argument. Errors: unknown column ->
 * SL_ERR_NOTFOUND naming it; SUM/AVG/STDDEV of a non-number -> SL_ERR_TYPE;
 * bad sizes or a UDAF without merge where windows merge -> SL_ERR_ARG;
 * combinations the engine does not run (HOP size not a multiple of slide,
 * CUMULATE max size not a multiple of step, DISCARDING with overlapping
 * windows) -> SL_ERR_UNSUPPORTED. All arguments are borrowed (copied).
 */
sl_err slwindow_arg_new(const sl_schema *in, const slkeyspec *key, const sl_window_spec *spec,
                        const sl_agg *aggs, int n, slwindow_arg **out);
/* The same with a FILTER column per aggregate (slaggs_init_filtered):
 * filters NULL or filters[0..n), each NULL or a BOOLEAN column of `in`. */
sl_err slwindow_arg_new_filtered(const sl_schema *in, const slkeyspec *key,
                                 const sl_window_spec *spec, const sl_agg *aggs,
                                 const char *const *filters, int n, slwindow_arg **out);
void slwindow_arg_free(slwindow_arg *a);
/* Same signature as slwindow_arg_free, for slnode.arg_free. */
void slwindow_arg_free_v(void *a);

/* The operator factory: `arg` is a slwindow_arg (borrowed; it must outlive
 * the operator). */
slop *slwindow_new(void *arg, int subtask);

#endif /* SL_WINDOW_H */
