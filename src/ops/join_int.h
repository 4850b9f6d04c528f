/*
 * join_int.h - what the join operators (join_window.c, join_interval.c,
 * join_regular.c, join_temporal.c) share: the operator body, rows stored in
 * state as lists per key, output rows, residual matching (join_core.c).
 *
 * Row lists (window, interval and temporal joins). Each input side has a
 * variable-size state table ("join.l", "join.r"); an entry (ns, join key)
 * holds a list of stored rows, each:
 *     int64 ts        event time of the row (little-endian, as all below)
 *     int32 cnt       a flag (mode-specific)
 *     int32 matched   outer joins: whether / how often the row matched
 *     uint32 len      length of the row bytes that follow
 *     row bytes       per column a byte 0 (NULL) / 1 (value), then the value:
 *                     8 bytes BIGINT/TIMESTAMP/DOUBLE, 1 byte BOOLEAN,
 *                     u32 length + bytes STRING (slrow_encode)
 * What ns means is the mode's business (window: the window end; others 0).
 * A list is rewritten whole when it changes; `cnt` and `matched` are changed
 * in place (get, write, release dirty).
 *
 * Row entries (regular join, join_regular.c). Each side has a fixed-size
 * table ("join.rows.l", "join.rows.r", values of sizeof(rjval) = 8 bytes)
 * with one entry per distinct stored row:
 *     ns     the join key's hash (slkey_encode)
 *     key    u32 length of the join key (host order), the encoded join key,
 *            then the row bytes (as above)
 *     hash   high half: the join key hash's (its key group); low half: the
 *            low half of slhash_bytes(row bytes, seed = join key hash)
 *     value  rjval: int32 cnt (multiplicity, >= 1), int32 matched (outer
 *            joins: rows of the other side it matches, counted with their
 *            multiplicities)
 * A probe visits ns and skips entries whose key prefix differs (another key
 * with the same hash). Inserting or retracting a row touches its own entry.
 *
 * Thread: the worker that owns the subtask.
 */
#ifndef SL_JOIN_INT_H
#define SL_JOIN_INT_H

#include "ops/join.h"
#include "time/timers.h"

#define JENT_HDR 20

/* The value of a regular join's row entry (above). */
typedef struct rjval {
    int32_t cnt;
    int32_t matched;
} rjval;

/* One stored row, as sljc_next reads it. `hdr` points at the entry's header
 * inside the list value (for in-place updates of cnt / matched). */
typedef struct jent {
    int64_t ts;
    int32_t cnt, matched;
    uint32_t len;
    const char *row; /* borrowed: the row bytes */
    char *hdr;       /* borrowed */
} jent;

/* One side of an output row: a row of an input batch (b, i), stored row
 * bytes (row), or NULL padding (both NULL). */
typedef struct jsrc {
    const slbatch *b;
    uint32_t i;
    const char *row;
} jsrc;

typedef struct jop {
    slop base;
    const sljoin_arg *a;  /* borrowed: the graph owns it */
    slkv *rows[2];        /* row lists (regular join: row entries) per side */
    slkv *tm_tab[2];      /* where timers go at a checkpoint */
    sltimers *tm[2];      /* owned: mode-specific timers (NULL when unused) */
    slexpr_eval *ev;      /* owned */
    slbatch *scratch;     /* owned: candidate pairs for the residual */
    uint8_t *keep;        /* owned: scap bytes */
    uint8_t *res_used;    /* owned: per output column, 1 if the residual reads it
                           * (only those go into scratch); NULL: no residual */
    uint32_t scap;
    slbatch *out;         /* owned: output being filled */
    slbuf key;            /* encoded key of the current row */
    slbuf val;            /* a list being rebuilt */
    slbuf ents;           /* jent array of the list being examined */
    slbuf ents2;          /* a second jent array */
    slbuf rowb;           /* a row being compared */
    slbuf skey;           /* regular join: the stored key being built */
    slbuf pfx;            /* regular join: stored-key prefixes of a chunk's rows */
    slbuf prow;           /* regular join: the probe row of each candidate pair */
    int64_t fire_wm;      /* the watermark timers are being fired for */
    int fire_side;        /* the side whose timers fire */
} jop;

/* Set up j (zeroed by the caller) for `a` with vtable vt. */
void sljc_init(jop *j, const sljoin_arg *a, const slop_vt *vt);
/* Tables, timers (n_timers services: 0, 1 or 2), evaluator. */
sl_err sljc_open(jop *j, slopctx *c, int n_timers);
void sljc_free(jop *j);
/* Snapshot/restore hooks: timers to and from their state tables. */
sl_err sljc_snapshot(slop *op, int64_t id, slbuf *opstate);
sl_err sljc_restore(slop *op, const slbuf *opstate, int n);

/* Encode the join key of row i of b (input `side`) into j->key; returns its
 * hash; *has_null when a key column is NULL. */
uint64_t sljc_key(jop *j, int side, const slbatch *b, uint32_t i, bool *has_null);
/* Whether an encoded join key holds a NULL. */
bool sljc_key_has_null(const jop *j, const void *key, uint32_t klen);

/* Append row i of b to `o` in the stored-row form above (header included). */
void sljc_ser_entry(slbuf *o, int64_t ts, int32_t cnt, int32_t matched, const slbatch *b,
                    uint32_t i);
/* Append a stored entry as it is. */
void sljc_copy_entry(slbuf *o, const jent *e);
/* Read the entry at *off of a list value (vlen bytes); false at the end. */
bool sljc_next(const char *v, uint32_t vlen, uint32_t *off, jent *e);
/* Read every entry of a list into a jent array held in `arr` (reset first);
 * returns the count and the array through *out. */
uint32_t sljc_list(const char *v, uint32_t vlen, slbuf *arr, jent **out);
/* Append row i of b to the list (ns, key) of `side`. */
void sljc_append(jop *j, int side, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                 int64_t ts, int32_t cnt, int32_t matched, const slbatch *b, uint32_t i);

/* Write one output row: left l, right r, event time ts, kind. */
void sljc_emit(jop *j, const jsrc *l, const jsrc *r, int64_t ts, sl_rowkind kind);
/* Emit what is buffered. */
void sljc_flush(jop *j);

/* Which of the pairs (probe, ents[k]) satisfy the residual: keep[k] = 1/0 for
 * k < n (keep is j->keep, grown to n). The probe is on side `probe_side`.
 * Returns how many matched. */
uint32_t sljc_match(jop *j, int probe_side, const jsrc *probe, const jent *ents, uint32_t n);
/* The same for pairs with different probes: pair k is (row rows[k] of b,
 * ents[k]). One residual evaluation for the pairs of many rows. */
uint32_t sljc_match_rows(jop *j, int probe_side, const slbatch *b, const uint32_t *rows,
                         const jent *ents, uint32_t n);

/* The side is outer (its unmatched rows come out NULL-padded). */
static inline bool sljc_outer(const sljoin_arg *a, int side) {
    return a->type == SLJT_FULL || (side == 0 ? a->type == SLJT_LEFT : a->type == SLJT_RIGHT);
}
/* An output row with `mine` on `side` and `other` on the other side. */
static inline void sljc_emit_side(jop *j, int side, const jsrc *mine, const jsrc *other,
                                  int64_t ts, sl_rowkind kind) {
    if (side == 0) {
        sljc_emit(j, mine, other, ts, kind);
    } else {
        sljc_emit(j, other, mine, ts, kind);
    }
}
static inline void sljc_late(jop *j, uint64_t n) {
    slmetric_add(&j->base.ctx->metrics->rows_late, n);
}

#endif /* SL_JOIN_INT_H */
