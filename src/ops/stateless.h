/*
 * stateless.h - one-input operators without state, chained into their
 * predecessor's task: filter, map, flat_map (C callbacks), union (two
 * inputs, pass-through) and the watermark assigner.
 */
#ifndef SL_STATELESS_H
#define SL_STATELESS_H

#include "ops/op.h"

typedef enum slfn_kind { SLFN_FILTER = 1, SLFN_MAP, SLFN_FLAT_MAP } slfn_kind;

typedef struct slfn_arg {
    slfn_kind kind;
    sl_filter_fn filter;
    sl_map_fn map;
    void *user;             /* borrowed: the caller's */
    sl_schema *out_schema;  /* ref: map / flat_map output */
} slfn_arg;

slfn_arg *slfn_arg_new(slfn_kind kind, void *fn, void *user, const sl_schema *out_schema);
void slfn_arg_free(void *arg);
slop *slfn_new(void *arg, int subtask);

/* Pass-through of any number of inputs (the runtime combines watermarks). */
slop *slunion_new(void *arg, int subtask);

/* Watermark assigner: event time from column `col` (TIMESTAMP or BIGINT
 * microseconds), bounded out-of-orderness watermarks max_ts - bound - 1 after
 * each batch — and before any row that the rows ahead of it already make
 * late, so lateness never depends on how input is cut into batches. Rows with
 * a NULL time go to the dead-letter output. */
typedef struct slwm_arg {
    int col;
    int64_t bound_us;
    char *col_name; /* owned: for dead-letter reasons */
} slwm_arg;

void slwm_arg_free(void *arg);
slop *slwm_new(void *arg, int subtask);

#endif /* SL_STATELESS_H */
