/*
 * window_int.h - what the window operator's files share: the operator struct,
 * output helpers (window.c) and the per-assigner entry points
 * (window_slice.c: tumble/hop/cumulate, window_session.c, window_count.c:
 * count and global windows).
 *
 * State tables of one operator subtask (all through state.h):
 *   win.acc       fixed   (ns, key) -> aggregate record (agg.h). ns: slice end
 *                         (slice windows), session id (sessions), count slice
 *                         number (count windows), 0 (global windows)
 *   win.str       var     STRING values of MIN/MAX/FIRST/LAST (agg.h)
 *   win.distinct  var     COUNT DISTINCT value sets (agg.h)
 *   win.fire*     scratch: windows merged from slices while firing (ns 0)
 *   win.prev      var     (window ns, key) -> the last emitted result row
 *                         (RETRACTING mode), see slwin_emit
 *   win.early     fixed   (window ns, key) -> int64 rows for early firing
 *   win.late      fixed   (window ns, key) -> int64 late rows since firing
 *   win.meta      var     (0, key) -> per-key assigner data (sessions, counts)
 *   win.timers    fixed   session timers at checkpoints (sltimers_save)
 *
 * Thread: the worker that owns the subtask.
 */
#ifndef SL_WINDOW_INT_H
#define SL_WINDOW_INT_H

#include "ops/agg.h"
#include "ops/window.h"
#include "time/timers.h"

/* A sorted set of distinct int64 (window ends, slice ends): small, in memory,
 * derived from state. */
typedef struct slwin_set {
    int64_t *v; /* owned */
    size_t n, cap;
} slwin_set;

void slwin_set_add(slwin_set *s, int64_t x);
bool slwin_set_has(const slwin_set *s, int64_t x);
/* Remove the first `k` elements. */
void slwin_set_shift(slwin_set *s, size_t k);
void slwin_set_free(slwin_set *s);

typedef enum slwin_firing {
    SLWIN_ONTIME = 0,
    SLWIN_EARLY,
    SLWIN_LATE,
} slwin_firing;

typedef struct slwin slwin;

/* What an assigner implements. */
typedef struct slwin_impl {
    void (*open)(slwin *w);
    /* Assign and aggregate the rows of b (borrowed); `now` is the processing
     * time at arrival. */
    void (*rows)(slwin *w, const slbatch *b, int64_t now);
    /* Time has advanced to `t` (the watermark; processing time for
     * processing-time windows): fire and clean up. */
    void (*advance)(slwin *w, int64_t t);
    /* Emit the current result of every open window (early firing). */
    void (*early)(slwin *w);
    /* Processing-time windows: the next time advance is wanted. */
    int64_t (*next_due)(slwin *w);
    void (*free)(slwin *w);
    /* Checkpoints (opstate.h): write in-memory keyed state into tables
     * (snapshot), rebuild it from the tables after w->wm, seq and next_id
     * were restored (restore). NULL: nothing in memory. */
    void (*snapshot)(slwin *w);
    void (*restore)(slwin *w);
} slwin_impl;

struct slwin {
    slop base;
    const slwindow_arg *arg;    /* borrowed: the graph owns it */
    const sl_window_spec *spec; /* borrowed: &arg->spec */
    const slwin_impl *impl;     /* borrowed: static */
    slaggs aggs;
    slkv *acc;       /* borrowed (state): records */
    slaggs_store st; /* borrowed tables */
    slkv *fire;      /* borrowed: scratch records (ns 0) */
    slaggs_store fst; /* borrowed: scratch variable-size parts */
    slkv *prev;      /* borrowed */
    slkv *early_cnt; /* borrowed */
    slkv *late_cnt;  /* borrowed */
    slkv *meta;      /* borrowed */
    sltimers *timers; /* owned: session timers */
    slkv *timer_tab;  /* borrowed: win.timers (sessions) */
    int nkey;        /* output columns: [0,nkey) keys, nkey start, nkey+1 end, then aggs */
    slbuf key;       /* the current row's encoded key */
    slbuf ser;       /* scratch: a serialized result */
    slbuf tmp;       /* scratch: collected keys */
    slbatch *out;    /* owned: output being filled (port 0) */
    slbatch *late;   /* owned: late rows being filled (port 1) */
    void *rec;       /* owned: scratch record of aggs.rec_size bytes */
    uint64_t seq;    /* arrival number of the next row */
    uint64_t next_id; /* next session id */
    int64_t wm;      /* last time passed to advance */
    int64_t next_early_us; /* next processing-time early firing */
    /* slice windows */
    int64_t slice_us;
    slwin_set pending; /* window ends that have data and have not fired on time */
    slwin_set fired;   /* window ends fired, waiting for cleanup */
    slwin_set slices;  /* slice ends with state */
    int64_t hot_se;    /* the slice of the previous row: its end, or SL_TIME_MIN */
    int64_t hot_last;  /* last_end(hot_se) */
    bool hot_known;    /* hot_se is in `slices` */
    /* per-batch scratch of slwin_keys and the batch paths, cap_rows long */
    slkv_key *keys;    /* owned: the key of every row of the batch */
    void **recs;       /* owned */
    uint8_t *created;  /* owned */
    size_t cap_rows;
    slbuf keybytes;    /* encoded keys that are not in the batch itself */
};

extern const slwin_impl slwin_slice_impl;
extern const slwin_impl slwin_session_impl;
extern const slwin_impl slwin_count_impl;
extern const slwin_impl slwin_global_impl;

/* a + b, saturating at SL_TIME_MAX / SL_TIME_MIN. */
int64_t slwin_add(int64_t a, int64_t b);
/* Encode the key of row i into w->key; fills *k. */
void slwin_key(slwin *w, const slbatch *b, uint32_t i, slagg_key *k);
/* The keys of every row of b into w->keys (as slwin_key gives them; they
 * borrow from b and w->keybytes), and room for b->n rows in w->recs and
 * w->created. */
void slwin_keys(slwin *w, const slbatch *b);
/* Send row i of b to the late-row output and count it. */
void slwin_late_row(slwin *w, const slbatch *b, uint32_t i);
/*
 * Emit the result in `rec` (variable parts in st at ns) for key k. `bounds`:
 * the window has [start, end) (else NULL bounds). The row's event time is
 * `ts`. In RETRACTING mode a previous result of (prev_ns, k) is retracted
 * first (-U, then +U), and the new one remembered. Records with no rows emit
 * nothing.
 */
void slwin_emit(slwin *w, const slagg_key *k, const void *rec, const slaggs_store *st,
                uint64_t ns, bool bounds, int64_t start, int64_t end, int64_t ts,
                uint64_t prev_ns);
/* Emit -U for the remembered result of (prev_ns, k), if any, and forget it. */
void slwin_retract_prev(slwin *w, const slagg_key *k, uint64_t prev_ns);
/* Increment the counter of (ns, k) in table t; true when it reaches a
 * multiple of `every` (every <= 1: always true). */
bool slwin_count(slwin *w, slkv *t, uint64_t ns, const slagg_key *k, int64_t every);
/* Forget the per-window bookkeeping (prev, early and late counters) of
 * namespace ns for every key. */
void slwin_forget_ns(slwin *w, uint64_t ns);
/* The same for one key. */
void slwin_forget_key(slwin *w, uint64_t ns, const slagg_key *k);
/* Flush full or non-empty output batches downstream. */
void slwin_flush(slwin *w);

#endif /* SL_WINDOW_INT_H */
