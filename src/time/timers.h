/*
 * timers.h - the timer service of one keyed operator subtask.
 *
 * A timer is (domain, ts, namespace, key bytes). Event-time timers fire when
 * the watermark reaches their time, processing-time timers when the clock
 * does. Setting a timer that is already set does nothing (it fires once);
 * timers fire in ts order, ties in the order they were first set. A callback
 * may set or delete timers, including ones due in the same pass: those fire in
 * the same pass too (as in Flink).
 *
 * Memory: timer records live in an amortised array reused through a free list,
 * key bytes in one byte store owned by the service (compacted when more than
 * half of it is garbage): no allocation per timer.
 *
 * Thread: the worker that owns the subtask.
 */
#ifndef SL_TIMERS_H
#define SL_TIMERS_H

#include "base/base.h"

typedef enum sltimer_domain {
    SLTIMER_EVENT = 0,
    SLTIMER_PROCESSING = 1,
} sltimer_domain;

typedef struct sltimers sltimers;

/* A due timer. `key` is valid during the call only. */
typedef void (*sltimer_fn)(void *user, sltimer_domain d, int64_t ts, uint64_t ns,
                           const void *key, uint32_t klen, uint64_t hash);

sltimers *sltimers_new(void);
void sltimers_free(sltimers *t);

/* Set a timer; `key` is copied, `hash` is the caller's hash of the key
 * (slhash_bytes). Returns false when the same timer was already set. */
bool sltimers_set(sltimers *t, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                  uint32_t klen, uint64_t hash);
/* Delete a timer; returns false when it was not set. */
bool sltimers_delete(sltimers *t, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                     uint32_t klen, uint64_t hash);
/* The earliest pending time of a domain, or SL_TIME_MAX. */
int64_t sltimers_next(sltimers *t, sltimer_domain d);
/* Fire (remove, then call cb for) every timer of `d` with ts <= upto, in
 * order. Returns how many fired. */
uint64_t sltimers_pop_due(sltimers *t, sltimer_domain d, int64_t upto, sltimer_fn cb,
                          void *user);
/* Pending timers of a domain. */
uint64_t sltimers_count(const sltimers *t, sltimer_domain d);
/* Every pending timer of both domains, in firing order per domain (event time
 * first), for snapshots. */
void sltimers_visit(sltimers *t, sltimer_fn cb, void *user);
/* Bytes held (approximate). */
uint64_t sltimers_bytes(const sltimers *t);

/* ---- timers in keyed state (timers_state.c), for checkpoints ----
 * Timers live in memory while a job runs; an operator that owns an sltimers
 * writes them into a state table when a checkpoint is taken and reads them
 * back when it is restored, so the state backend's snapshot covers them and
 * a rescaled restore hands each timer to the subtask owning its key group
 * (the table entry carries the timer key's hash).
 *
 * The table must be a fixed-size table of SLTIMERS_STATE_VAL bytes, used for
 * nothing else. */
#define SLTIMERS_STATE_VAL 16
struct slkv;
/* Replace the table's contents with every pending timer of t. */
void sltimers_save(sltimers *t, struct slkv *table);
/* Set every timer found in the table (t is normally empty), in the order
 * they were saved within each domain; the table is left unchanged. Returns
 * the number of timers set. */
uint64_t sltimers_load(sltimers *t, struct slkv *table);

#endif /* SL_TIMERS_H */
