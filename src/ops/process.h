/*
 * process.h - the keyed process operator behind sl_stream_process: calls the
 * user's on_row for every input row and on_timer for every due timer, with
 * the current key set, and gives the callbacks keyed state (value, list, map,
 * reducing, aggregating) and timers (event and processing time).
 *
 * Outputs go to port 0. Event-time timers fire in watermark(), processing-time
 * timers in tick(). With ctx->state_ttl_us > 0 every state table gets that TTL
 * (refreshed by reads and writes) and is cleaned incrementally after each batch
 * and tick; removed entries count into metrics->rows_expired.
 */
#ifndef SL_PROCESS_H
#define SL_PROCESS_H

#include "ops/op.h"

typedef struct slprocess_arg {
    sl_schema *in_schema;  /* ref */
    sl_schema *out_schema; /* ref */
    slkeyspec key;
    sl_process_fns fns;
    void *user; /* borrowed: the caller's */
} slprocess_arg;

/* A new argument block (schemas are referenced, the rest copied). */
slprocess_arg *slprocess_arg_new(const sl_schema *in_schema, const sl_schema *out_schema,
                                 const slkeyspec *key, const sl_process_fns *fns, void *user);
void slprocess_arg_free(void *arg);
/* The operator factory; `arg` (an slprocess_arg) is borrowed and must outlive
 * the operator. */
slop *slprocess_new(void *arg, int subtask);

#endif /* SL_PROCESS_H */
