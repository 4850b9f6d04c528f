/*
 * join.h - the two-input join operators of Flink SQL (DESIGN.md section 7):
 *
 *   window join    both inputs carry materialised windows (window_start,
 *                  window_end columns of the same window table function);
 *                  rows of equal key and window are joined when the watermark
 *                  closes the window, then the window's state is dropped.
 *   interval join  L.t - R.t in [lo, hi] (the inputs' time columns); a row
 *                  is kept until the other input's watermark makes a match
 *                  impossible; outer rows without a match come out then.
 *   regular join   two changelogs joined on their keys with no time bound;
 *                  the output is a changelog (+I/-U/+U/-D) as Flink's
 *                  StreamingJoinOperator makes it; state bounded by TTL.
 *   temporal join  probe rows (input 0) joined with the version of a
 *                  versioned table (input 1) valid at the probe row's time;
 *                  probe rows wait until the watermark passes them.
 *
 * Every join: input 0 is the left side, input 1 the right; both are hash
 * partitioned on their key columns (key[0] over in[0], key[1] over in[1],
 * pairwise of equal types, so equal values encode and hash alike and meet in
 * one subtask). A row whose key has a NULL never matches. Output rows are the
 * left columns then the right ones (NULL-padded for outer rows); `residual`
 * (over that output schema, may be NULL) must be TRUE for a pair to match.
 *
 * Late rows (event time at or behind the watermark, see each mode) are
 * dropped and counted in rows_late.
 *
 * All rows live in ctx->state tables; timers are saved into a state table at
 * a checkpoint (snapshot) and loaded at restore.
 *
 * Graph: the planner adds the node with sljob_add_keyed_op2 (job.h).
 * Thread: the worker that owns the subtask; sljoin_arg_* on the builder's.
 */
#ifndef SL_JOIN_H
#define SL_JOIN_H

#include "expr/expr.h"
#include "ops/op.h"

typedef enum sljoin_mode {
    SLJOIN_MODE_WINDOW = 1,
    SLJOIN_MODE_INTERVAL,
    SLJOIN_MODE_REGULAR,
    SLJOIN_MODE_TEMPORAL,
} sljoin_mode;

typedef enum sljoin_type {
    SLJT_INNER = 0,
    SLJT_LEFT,
    SLJT_RIGHT,
    SLJT_FULL,
} sljoin_type;

typedef struct sljoin_arg {
    sljoin_mode mode;
    sljoin_type type;     /* temporal: INNER or LEFT only */
    sl_schema *in[2];     /* ref */
    sl_schema *out;       /* ref: in[0] columns then in[1] columns */
    slkeyspec key[2];
    slexpr *residual;     /* owned; BOOLEAN over out; NULL = none */
    int wend_col[2];      /* window: the window_end column of each input */
    int time_col[2];      /* interval: the time column of each input */
    int64_t lo, hi;       /* interval: lo <= L.t - R.t <= hi (microseconds) */
} sljoin_arg;

/* Check and build the argument. Takes `residual` (also on failure); schemas
 * and keys are borrowed. Errors: SL_ERR_ARG for keys of different counts or
 * types, SL_ERR_TYPE for a residual that is not BOOLEAN. */
sl_err sljoin_arg_new(sljoin_mode mode, sljoin_type type, const sl_schema *left,
                      const sl_schema *right, const sl_schema *out, const slkeyspec *lkey,
                      const slkeyspec *rkey, slexpr *residual, sljoin_arg **res);
void sljoin_arg_free(void *arg);
/* The output schema: left columns then right columns; a right column whose
 * name is already taken is renamed name$1, name$2, ... (caller unrefs). */
sl_schema *sljoin_out_schema(const sl_schema *left, const sl_schema *right);

/* Factories; arg is an sljoin_arg of the matching mode (borrowed). */
slop *sljoin_window_new(void *arg, int subtask);
slop *sljoin_interval_new(void *arg, int subtask);
slop *sljoin_regular_new(void *arg, int subtask);
slop *sljoin_temporal_new(void *arg, int subtask);

#endif /* SL_JOIN_H */
