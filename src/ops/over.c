/*
 * over.c - OVER aggregation (Flink SQL's OverAggregate; contract in over.h):
 * every input row comes out once, with the aggregates of its frame appended.
 *
 * Flow (event time). A row at or behind the watermark is late (port 1,
 * counted). Others are buffered in state under (their time T, key) and an
 * event-time timer (T, key) is set; when the watermark passes T the timer
 * processes the key's rows of T in arrival order. With proctime, T is the
 * job's clock when the batch arrives, and each batch's rows are processed at
 * the end of the batch.
 *
 * Aggregates. The aggregates are split in two slaggs sets:
 *   inc  kept incrementally in one accumulator per key (over.acc): rows are
 *        added when they enter the frame and retracted when they leave it.
 *        With an UNBOUNDED frame every aggregate is here (nothing leaves).
 *   rec  aggregates that cannot retract (MIN, MAX, FIRST_VALUE, LAST_VALUE,
 *        UDAFs without retract) under a bounded frame: recomputed from the
 *        frame's rows for each result, in a scratch record (its STRING parts
 *        in namespace NS_SCRATCH of over.str, removed after each use).
 * Results are written to a one-row scratch batch (inc columns, then rec
 * columns) and copied into the output row's aggregate columns.
 *
 * Frames. ROWS n: the key's last processed rows are kept in a queue; a row's
 * frame is itself and the n rows before it; after processing at most n rows
 * stay. RANGE p: the queue keeps the rows with time >= T - p; rows of T are
 * peers, all added before any result, so they share one result. A row can
 * leave a RANGE frame only once the watermark passes its time + p, so each
 * key has one cleanup timer (namespace TIMER_CLEANUP) at its last processed
 * time + p + 1 that evicts what no later row can reach; a key whose frame
 * empties loses its accumulator and bookkeeping. UNBOUNDED: accumulator only.
 *
 * State tables (all keyed data lives in ctx->state; the timers live in the
 * operator's timer service, as in window_session.c, and can be rebuilt from
 * state: one (T, key) per over.bufn entry, one cleanup per over.meta entry
 * with a cleanup time):
 *   over.bufn  fixed 8  (T, key) -> int64 rows buffered at T
 *   over.buf   var      (T, key ++ u32 i) -> row i buffered at T
 *   over.rows  var      (0, key ++ int64 q) -> frame row number q
 *   over.meta  fixed    (0, key) -> ometa: the queue's [head, tail), cleanup timer
 *   over.acc   fixed    (0, key) -> inc accumulator record (agg.h)
 *   over.str, over.distinct    variable parts of the aggregates (agg.h)
 *   over.timers fixed   the timers at a checkpoint (sltimers_save)
 * A stored row: int64 event time, int64 order time T, uint64 arrival number,
 * then per input column a byte (0 NULL, 1 value) and the value: 8 bytes
 * (BIGINT, TIMESTAMP, DOUBLE), 1 byte (BOOLEAN) or u32 length + bytes
 * (STRING). Rows are copied into state, never referenced in input batches.
 *
 * Graph: the planner adds the node with sljob_add_op (chainable false), marks
 * it keyed (also without PARTITION BY, then at parallelism 1) so that it gets
 * ctx->state, and gives port 1 the input schema for late rows.
 *
 * Input rows are treated as inserts (OVER needs an append-only input; the
 * planner refuses others). State TTL is not applied: frames are bounded by
 * their own eviction; an UNBOUNDED frame keeps one accumulator per key.
 *
 * Thread: the worker that owns the subtask; slover_arg_* on the builder's.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ops/agg.h"
#include "ops/opstate.h"
#include "ops/over.h"
#include "time/timers.h"

#define NS_ACC 0
#define NS_SCRATCH 1
#define TIMER_ROWS 0
#define TIMER_CLEANUP 1
#define ROW_HDR 24

/* Per-key bookkeeping of a bounded frame (over.meta). */
typedef struct ometa {
    uint64_t hash;
    int64_t head, tail; /* frame rows are numbers head .. tail - 1 in over.rows */
    int64_t cleanup_ts; /* the pending cleanup timer, SL_TIME_MIN = none */
} ometa;

typedef struct ovop {
    slop base;
    const slover_arg *arg; /* borrowed: the graph owns it */
    slaggs inc, rec;
    int *res_col;          /* owned: output column of each scratch result column */
    sl_schema *res_schema; /* ref: inc outputs, then rec outputs */
    int n_in;
    bool bounded;
    sltimer_domain dom;
    slkv *bufn, *buf, *rows, *meta, *acc; /* borrowed (state) */
    slkv *timer_tab;                      /* borrowed (state): over.timers */
    slaggs_store st;                      /* borrowed (state) */
    sltimers *timers;                     /* owned */
    slbuf key;                            /* the current key's bytes */
    slbuf ck;                             /* scratch: composite keys */
    slbuf ser;                            /* scratch: a serialized row */
    slbuf pend;                           /* the stored bytes of the rows being processed */
    size_t *pend_off;                     /* owned: offset of each in pend ([u32 len][bytes]) */
    size_t pend_cap;
    slbatch *cur;      /* owned: the rows being processed; ts = order time */
    int64_t *cur_ts;   /* owned: their event times */
    uint64_t *cur_seq; /* owned: their arrival numbers */
    slbatch *one;      /* owned: one frame row read back */
    slbatch *res;      /* owned: one row of results */
    slbatch *out;      /* owned: output being filled (port 0) */
    slbatch *late;     /* owned: late rows being filled (port 1) */
    void *rrec;        /* owned: scratch record of rec */
    uint64_t seq;      /* arrival number of the next row */
    int64_t wm;        /* last watermark */
    int64_t now;       /* proctime: last clock reading (never goes back) */
} ovop;

static int64_t add_sat(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        return b > 0 ? SL_TIME_MAX : SL_TIME_MIN;
    }
    return r;
}

/* ---- argument ---- */

sl_err slover_arg_new(const sl_schema *in, const slkeyspec *partition, bool rows, int64_t preceding,
                      bool proctime, const sl_agg *aggs, int n, slover_arg **out) {
    *out = NULL;
    slaggs g;
    slover_arg *a = NULL;
    sl_err err = slaggs_init(&g, in, aggs, n);
    if (err) {
        return slerr_prefix(err, "OVER: ");
    }
    if (partition->n < 0 || partition->n > (int)SL_ARRAY_LEN(partition->cols)) {
        err = slerr_set(SL_ERR_ARG, "OVER: bad number of PARTITION BY columns %d", partition->n);
        goto out;
    }
    for (int i = 0; i < partition->n; i++) {
        if (partition->cols[i] < 0 || partition->cols[i] >= in->n) {
            err = slerr_set(SL_ERR_NOTFOUND, "OVER: PARTITION BY column %d is not in the input",
                            partition->cols[i]);
            goto out;
        }
    }
    if (preceding < -1) {
        err = slerr_set(SL_ERR_ARG,
                        "OVER: %s frame: PRECEDING must be >= 0 or UNBOUNDED (got %" PRId64 ")",
                        rows ? "ROWS" : "RANGE", preceding);
        goto out;
    }
    a = slmem_calloc(1, sizeof *a);
    a->in = slschema_ref(in);
    a->partition = *partition;
    a->rows = rows;
    a->preceding = preceding;
    a->proctime = proctime;
    a->n_aggs = n;
    a->aggs = slagg_list_copy(aggs, n);
    a->out = slschema_copy(in);
    for (int i = 0; i < n && !err; i++) {
        err = sl_schema_add(a->out, a->aggs[i].as, g.a[i].out_type);
    }
    if (err) {
        slerr_prefix(err, "OVER output: ");
    }
out:
    slaggs_free(&g);
    if (err) {
        slover_arg_free(a);
    } else {
        *out = a;
    }
    return err;
}

void slover_arg_free(void *arg) {
    slover_arg *a = arg;
    if (!a) {
        return;
    }
    slagg_list_free(a->aggs, a->n_aggs);
    slschema_unref(a->in);
    slschema_unref(a->out);
    slmem_free(a);
}

/* ---- rows in state ---- */

static void ser_row(slbuf *o, const slbatch *b, uint32_t i, int64_t t, uint64_t seq) {
    slbuf_reset(o);
    slbuf_put(o, &b->ts[i], 8);
    slbuf_put(o, &t, 8);
    slbuf_put(o, &seq, 8);
    slrow_encode(o, b, i, 0, b->schema->n);
}

static int64_t row_order_time(const char *p) {
    int64_t t;
    memcpy(&t, p + 8, 8);
    return t;
}

/* Append the stored row `p` to b (not full) with ts = its order time; returns
 * its event time and arrival number through the out-params. */
static void deser_row(const char *p, slbatch *b, int64_t *ev_ts, uint64_t *seq) {
    uint32_t j = b->n;
    memcpy(ev_ts, p, 8);
    memcpy(&b->ts[j], p + 8, 8);
    memcpy(seq, p + 16, 8);
    b->kind[j] = SL_INSERT;
    slrow_decode(p + ROW_HDR, b, j, 0, b->schema->n);
    b->n = j + 1;
}

/* key ++ the `n` bytes of suffix, in w->ck. */
static const char *comp_key(ovop *w, const slagg_key *k, const void *suffix, size_t n,
                            uint32_t *len) {
    slbuf_reset(&w->ck);
    slbuf_put(&w->ck, k->key, k->klen);
    slbuf_put(&w->ck, suffix, n);
    *len = (uint32_t)w->ck.len;
    return w->ck.data;
}

/* ---- output ---- */

static slbatch *take_full(ovop *w, int port) {
    slbatch **bp = port == 0 ? &w->out : &w->late;
    if (*bp && slbatch_full(*bp)) {
        slop_emit(w->base.ctx, port, *bp);
        *bp = NULL;
    }
    if (!*bp) {
        *bp = slbatch_new(port == 0 ? w->arg->out : w->arg->in, w->base.ctx->batch_rows);
    }
    return *bp;
}

static void flush(ovop *w) {
    if (w->out && w->out->n) {
        slop_emit(w->base.ctx, 0, w->out);
        w->out = NULL;
    }
    if (w->late && w->late->n) {
        slop_emit(w->base.ctx, 1, w->late);
        w->late = NULL;
    }
}

/* Output row: row i of cur, then the results in w->res. */
static void emit_row(ovop *w, uint32_t i) {
    slbatch *o = take_full(w, 0);
    uint32_t j = o->n;
    for (int c = 0; c < w->n_in; c++) {
        slbatch_copy_value(o, c, j, w->cur, c, i);
    }
    for (int r = 0; r < w->res_schema->n; r++) {
        slbatch_copy_value(o, w->res_col[r], j, w->res, r, 0);
    }
    o->ts[j] = w->cur_ts[i];
    o->kind[j] = SL_INSERT;
    o->n = j + 1;
}

/* ---- frames ---- */

static void meta_load(ovop *w, const slagg_key *k, ometa *m) {
    uint32_t vl = 0;
    void *p = slkv_get(w->meta, 0, k->key, k->klen, k->hash, &vl);
    if (p) {
        memcpy(m, p, sizeof *m);
        slkv_release(w->meta, p, false);
    } else {
        *m = (ometa){k->hash, 0, 0, SL_TIME_MIN};
    }
}

static void meta_store(ovop *w, const slagg_key *k, const ometa *m) {
    slkv_put(w->meta, 0, k->key, k->klen, k->hash, m, sizeof *m);
}

/* The key's accumulator, created when new. Release with slkv_release. */
static void *acc_get(ovop *w, const slagg_key *k) {
    bool created = false;
    void *acc = slkv_upsert(w->acc, NS_ACC, k->key, k->klen, k->hash, &created);
    if (created) {
        slaggs_rec_init(&w->inc, acc, k->hash);
    }
    return acc;
}

static void frame_push(ovop *w, const slagg_key *k, ometa *m, const char *row, uint32_t len) {
    uint32_t cl;
    const char *ck = comp_key(w, k, &m->tail, 8, &cl);
    slkv_put(w->rows, 0, ck, cl, k->hash, row, len);
    m->tail++;
}

/* Order time of the oldest frame row (the queue must not be empty). */
static int64_t frame_head_time(ovop *w, const slagg_key *k, const ometa *m) {
    uint32_t cl, vl = 0;
    const char *ck = comp_key(w, k, &m->head, 8, &cl);
    const char *p = slkv_get(w->rows, 0, ck, cl, k->hash, &vl);
    if (!p) {
        return SL_TIME_MIN; /* cannot happen: evict it */
    }
    int64_t t = row_order_time(p);
    slkv_release(w->rows, (void *)p, false);
    return t;
}

/* Drop the oldest frame row, retracting it from `acc` (NULL: no inc). */
static void frame_pop(ovop *w, const slagg_key *k, ometa *m, void *acc) {
    uint32_t cl, vl = 0;
    const char *ck = comp_key(w, k, &m->head, 8, &cl);
    const char *p = slkv_get(w->rows, 0, ck, cl, k->hash, &vl);
    if (p && acc) {
        int64_t ev;
        uint64_t seq;
        slbatch_clear(w->one);
        deser_row(p, w->one, &ev, &seq);
        slkv_release(w->rows, (void *)p, false);
        slaggs_retract(&w->inc, acc, &w->st, NS_ACC, k, w->one, 0);
    } else if (p) {
        slkv_release(w->rows, (void *)p, false);
    }
    slkv_remove(w->rows, 0, ck, cl, k->hash);
    m->head++;
}

/* Evict the frame rows with order time < bound. */
static void frame_evict_before(ovop *w, const slagg_key *k, ometa *m, void *acc, int64_t bound) {
    while (m->head < m->tail && frame_head_time(w, k, m) < bound) {
        frame_pop(w, k, m, acc);
    }
}

/* Recompute the rec aggregates over the whole frame into result columns
 * inc.n.. of w->res. */
static void recompute(ovop *w, const slagg_key *k, const ometa *m) {
    slaggs_rec_init(&w->rec, w->rrec, k->hash);
    for (int64_t q = m->head; q < m->tail; q++) {
        uint32_t cl, vl = 0;
        const char *ck = comp_key(w, k, &q, 8, &cl);
        const char *p = slkv_get(w->rows, 0, ck, cl, k->hash, &vl);
        if (!p) {
            continue;
        }
        int64_t ev;
        uint64_t seq;
        slbatch_clear(w->one);
        deser_row(p, w->one, &ev, &seq);
        slkv_release(w->rows, (void *)p, false);
        slaggs_add(&w->rec, w->rrec, &w->st, NS_SCRATCH, k, w->one, 0, seq);
    }
    slaggs_result(&w->rec, w->rrec, &w->st, NS_SCRATCH, k, w->res, w->inc.n, 0);
    slaggs_clear_key(&w->rec, &w->st, NS_SCRATCH, k);
}

/* Fill w->res from the accumulator (may be NULL when inc is empty) and, for
 * bounded frames, the recomputed aggregates. */
static void results(ovop *w, const slagg_key *k, const void *acc, const ometa *m) {
    slbatch_clear(w->res);
    slbatch_begin_row(w->res);
    if (acc && w->inc.n) {
        slaggs_result(&w->inc, acc, &w->st, NS_ACC, k, w->res, 0, 0);
    }
    if (m && w->rec.n) {
        recompute(w, k, m);
    }
    w->res->n = 1;
}

/* ---- processing ---- */

static void cur_reserve(ovop *w, size_t n) {
    if (n > w->cur->cap) {
        size_t cap = SL_MAX(n, (size_t)w->cur->cap * 2);
        if (cap > UINT32_MAX) {
            slmem_fatal("OVER rows of one key and time", cap);
        }
        slbatch_free(w->cur);
        w->cur = slbatch_new(w->arg->in, (uint32_t)cap);
    }
    if (n > w->pend_cap) {
        size_t cap = SL_MAX(n, w->pend_cap * 2);
        w->pend_off = slmem_realloc(w->pend_off, slmem_mul(cap, sizeof(size_t)));
        w->cur_ts = slmem_realloc(w->cur_ts, slmem_mul(cap, sizeof(int64_t)));
        w->cur_seq = slmem_realloc(w->cur_seq, slmem_mul(cap, sizeof(uint64_t)));
        w->pend_cap = cap;
    }
    slbatch_clear(w->cur);
    slbuf_reset(&w->pend);
}

/* Move the rows buffered at (T, k) into w->cur / w->pend; returns how many. */
static uint32_t take_buffered(ovop *w, int64_t T, const slagg_key *k) {
    uint32_t vl = 0;
    void *cp = slkv_get(w->bufn, (uint64_t)T, k->key, k->klen, k->hash, &vl);
    if (!cp) {
        return 0;
    }
    int64_t n;
    memcpy(&n, cp, 8);
    slkv_release(w->bufn, cp, false);
    slkv_remove(w->bufn, (uint64_t)T, k->key, k->klen, k->hash);
    cur_reserve(w, (size_t)n);
    uint32_t got = 0;
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        uint32_t cl;
        const char *ck = comp_key(w, k, &i, 4, &cl);
        const char *p = slkv_get(w->buf, (uint64_t)T, ck, cl, k->hash, &vl);
        if (!p) {
            continue;
        }
        w->pend_off[got] = w->pend.len;
        slbuf_put(&w->pend, &vl, 4);
        slbuf_put(&w->pend, p, vl);
        deser_row(p, w->cur, &w->cur_ts[got], &w->cur_seq[got]);
        slkv_release(w->buf, (void *)p, false);
        slkv_remove(w->buf, (uint64_t)T, ck, cl, k->hash);
        got++;
    }
    return got;
}

static void push_pending(ovop *w, const slagg_key *k, ometa *m, uint32_t i) {
    uint32_t len;
    memcpy(&len, w->pend.data + w->pend_off[i], 4);
    frame_push(w, k, m, w->pend.data + w->pend_off[i] + 4, len);
}

static void process_unbounded(ovop *w, const slagg_key *k, uint32_t n) {
    void *acc = acc_get(w, k);
    for (uint32_t i = 0; i < n; i++) {
        slaggs_add(&w->inc, acc, &w->st, NS_ACC, k, w->cur, i, w->cur_seq[i]);
        if (w->arg->rows) {
            results(w, k, acc, NULL);
            emit_row(w, i);
        }
    }
    if (!w->arg->rows) {
        results(w, k, acc, NULL);
        for (uint32_t i = 0; i < n; i++) {
            emit_row(w, i);
        }
    }
    slkv_release(w->acc, acc, true);
}

/* Move the key's cleanup timer to `at` (RANGE frames). */
static void move_cleanup(ovop *w, const slagg_key *k, ometa *m, int64_t at) {
    if (m->cleanup_ts == at) {
        return;
    }
    if (m->cleanup_ts != SL_TIME_MIN) {
        sltimers_delete(w->timers, w->dom, m->cleanup_ts, TIMER_CLEANUP, k->key, k->klen, k->hash);
    }
    m->cleanup_ts = at;
    if (at != SL_TIME_MIN) {
        sltimers_set(w->timers, w->dom, at, TIMER_CLEANUP, k->key, k->klen, k->hash);
    }
}

/* Save the key's frame, or drop the key's state when the frame is empty. */
static void frame_done(ovop *w, const slagg_key *k, ometa *m) {
    if (m->head < m->tail) {
        meta_store(w, k, m);
        return;
    }
    move_cleanup(w, k, m, SL_TIME_MIN);
    slkv_remove(w->meta, 0, k->key, k->klen, k->hash);
    if (w->inc.n) {
        slkv_remove(w->acc, NS_ACC, k->key, k->klen, k->hash);
        /* No variable parts remain: inc holds no MIN/MAX/FIRST/LAST here, and
         * COUNT DISTINCT entries went with the last retraction. */
    }
}

static void process_bounded(ovop *w, const slagg_key *k, int64_t T, uint32_t n) {
    const int64_t p = w->arg->preceding;
    ometa m;
    meta_load(w, k, &m);
    void *acc = w->inc.n ? acc_get(w, k) : NULL;
    if (w->arg->rows) {
        for (uint32_t i = 0; i < n; i++) {
            if (acc) {
                slaggs_add(&w->inc, acc, &w->st, NS_ACC, k, w->cur, i, w->cur_seq[i]);
            }
            push_pending(w, k, &m, i);
            while (m.tail - m.head - 1 > p) {
                frame_pop(w, k, &m, acc);
            }
            results(w, k, acc, &m);
            emit_row(w, i);
        }
        while (m.tail - m.head > p) {
            frame_pop(w, k, &m, acc);
        }
    } else {
        frame_evict_before(w, k, &m, acc, add_sat(T, -p));
        for (uint32_t i = 0; i < n; i++) {
            if (acc) {
                slaggs_add(&w->inc, acc, &w->st, NS_ACC, k, w->cur, i, w->cur_seq[i]);
            }
            push_pending(w, k, &m, i);
        }
        results(w, k, acc, &m);
        for (uint32_t i = 0; i < n; i++) {
            emit_row(w, i);
        }
        /* Rows of T leave every frame once the watermark passes T + p. */
        move_cleanup(w, k, &m, add_sat(add_sat(T, p), 1));
    }
    if (acc) {
        slkv_release(w->acc, acc, true);
    }
    frame_done(w, k, &m);
}

static void process_key(ovop *w, int64_t T, const slagg_key *k) {
    uint32_t n = take_buffered(w, T, k);
    if (n == 0) {
        return;
    }
    if (w->bounded) {
        process_bounded(w, k, T, n);
    } else {
        process_unbounded(w, k, n);
    }
}

/* The cleanup timer at C: evict the rows that no row after time C - 1 can
 * reach (order time < C - p). */
static void cleanup_key(ovop *w, int64_t C, const slagg_key *k) {
    ometa m;
    meta_load(w, k, &m);
    if (m.cleanup_ts != C) {
        return;
    }
    m.cleanup_ts = SL_TIME_MIN;
    void *acc = NULL;
    if (w->inc.n) {
        uint32_t vl = 0;
        acc = slkv_get(w->acc, NS_ACC, k->key, k->klen, k->hash, &vl);
    }
    frame_evict_before(w, k, &m, acc, add_sat(C, -w->arg->preceding));
    if (acc) {
        slkv_release(w->acc, acc, true);
    }
    frame_done(w, k, &m);
}

static void on_timer(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                     uint32_t klen, uint64_t hash) {
    SL_UNUSED(d);
    ovop *w = user;
    if (ns == TIMER_CLEANUP && w->wm == SL_TIME_MAX) {
        return; /* end of input: state is dropped with the operator */
    }
    slbuf_reset(&w->key);
    if (klen) {
        slbuf_put(&w->key, key, klen);
    }
    slagg_key k = {w->key.data ? w->key.data : "", klen, hash};
    if (ns == TIMER_ROWS) {
        process_key(w, ts, &k);
    } else {
        cleanup_key(w, ts, &k);
    }
}

/* Buffer row i of b under (T, its key) and set its timer. */
static void buffer_row(ovop *w, const slbatch *b, uint32_t i, int64_t T) {
    uint64_t hash = slkey_encode(&w->arg->partition, b, i, &w->key);
    slagg_key k = {w->key.data ? w->key.data : "", (uint32_t)w->key.len, hash};
    bool created = false;
    void *cp = slkv_upsert(w->bufn, (uint64_t)T, k.key, k.klen, k.hash, &created);
    int64_t n = 0;
    if (!created) {
        memcpy(&n, cp, 8);
    }
    if (n >= (int64_t)UINT32_MAX) {
        slmem_fatal("OVER rows of one key and time", (size_t)n);
    }
    uint32_t idx = (uint32_t)n;
    n++;
    memcpy(cp, &n, 8);
    slkv_release(w->bufn, cp, true);
    ser_row(&w->ser, b, i, T, w->seq++);
    uint32_t cl;
    const char *ck = comp_key(w, &k, &idx, 4, &cl);
    slkv_put(w->buf, (uint64_t)T, ck, cl, k.hash, w->ser.data, (uint32_t)w->ser.len);
    sltimers_set(w->timers, w->dom, T, TIMER_ROWS, k.key, k.klen, k.hash);
}

/* ---- the operator ---- */

static sl_err ov_open(slop *op, slopctx *c) {
    ovop *w = (ovop *)op;
    slstate *s = c->state;
    if (!s) {
        return slerr_set(SL_ERR_STATE, "OVER aggregation: no keyed state (the node must be "
                                       "marked keyed)");
    }
    w->bufn = slstate_table(s, "over.bufn", 8);
    w->buf = slstate_table(s, "over.buf", 0);
    w->rows = slstate_table(s, "over.rows", 0);
    w->meta = slstate_table(s, "over.meta", sizeof(ometa));
    w->acc = slstate_table(s, "over.acc", w->inc.rec_size);
    w->st.str = slstate_table(s, "over.str", 0);
    w->st.distinct = slstate_table(s, "over.distinct", 0);
    w->timer_tab = slstate_table(s, "over.timers", SLTIMERS_STATE_VAL);
    uint32_t cap = c->batch_rows ? c->batch_rows : 1;
    w->cur = slbatch_new(w->arg->in, cap);
    w->one = slbatch_new(w->arg->in, 1);
    w->res = slbatch_new(w->res_schema, 1);
    w->wm = SL_TIME_MIN;
    w->now = SL_TIME_MIN;
    return SL_OK;
}

static void ov_batch_take(slop *op, int input, slbatch *b) {
    SL_UNUSED(input);
    ovop *w = (ovop *)op;
    slopctx *c = op->ctx;
    slmetric_add(&c->metrics->rows_in, b->n);
    if (w->arg->proctime) {
        int64_t now = slclock_now(c->clock);
        w->now = SL_MAX(w->now, now);
        for (uint32_t i = 0; i < b->n; i++) {
            buffer_row(w, b, i, w->now);
        }
        sltimers_pop_due(w->timers, SLTIMER_PROCESSING, w->now, on_timer, w);
    } else {
        for (uint32_t i = 0; i < b->n; i++) {
            if (w->wm != SL_TIME_MIN && b->ts[i] <= w->wm) {
                slbatch_append_row(take_full(w, 1), b, i);
                slmetric_add(&c->metrics->rows_late, 1);
                continue;
            }
            buffer_row(w, b, i, b->ts[i]);
        }
    }
    slbatch_free(b);
    flush(w);
}

static int64_t ov_watermark(slop *op, int64_t wm) {
    ovop *w = (ovop *)op;
    if (wm > w->wm) {
        w->wm = wm;
    }
    if (!w->arg->proctime) {
        sltimers_pop_due(w->timers, SLTIMER_EVENT, w->wm, on_timer, w);
    }
    flush(w);
    return wm;
}

/* Proctime: fire due cleanup timers; ask again at the next one, and poll
 * every second so timers set by later batches are not missed. */
static int64_t ov_tick(slop *op, int64_t now_us) {
    ovop *w = (ovop *)op;
    if (!w->arg->proctime) {
        return SL_TIME_MAX;
    }
    w->now = SL_MAX(w->now, now_us);
    sltimers_pop_due(w->timers, SLTIMER_PROCESSING, w->now, on_timer, w);
    flush(w);
    return SL_MIN(sltimers_next(w->timers, SLTIMER_PROCESSING), add_sat(w->now, SL_SECOND));
}

static void ov_end(slop *op) {
    flush((ovop *)op);
}

static void ov_free(slop *op) {
    ovop *w = (ovop *)op;
    if (!w) {
        return;
    }
    slaggs_free(&w->inc);
    slaggs_free(&w->rec);
    slmem_free(w->res_col);
    slschema_unref(w->res_schema);
    sltimers_free(w->timers);
    slbuf_free(&w->key);
    slbuf_free(&w->ck);
    slbuf_free(&w->ser);
    slbuf_free(&w->pend);
    slmem_free(w->pend_off);
    slmem_free(w->cur_ts);
    slmem_free(w->cur_seq);
    slbatch_free(w->cur);
    slbatch_free(w->one);
    slbatch_free(w->res);
    slbatch_free(w->out);
    slbatch_free(w->late);
    slmem_free(w->rrec);
    slmem_free(w);
}

/* Checkpoints (opstate.h): rows, frames and accumulators are in state; the
 * timers go to over.timers; the blob holds the watermark (blobs merge to the
 * smallest), the arrival counter and the last clock reading (the largest). */
#define OVER_TAG SLOPSTATE_TAG('O', 'V', 'R', 1)

static sl_err ov_snapshot(slop *op, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    ovop *w = (ovop *)op;
    sltimers_save(w->timers, w->timer_tab);
    int64_t v[3] = {w->wm, (int64_t)w->seq, w->now};
    slopstate_put(opstate, OVER_TAG, v, 3);
    return SL_OK;
}

static sl_err ov_restore(slop *op, const slbuf *opstate, int n) {
    ovop *w = (ovop *)op;
    sl_err err = SL_OK;
    bool any = false;
    int64_t wm = SL_TIME_MAX;
    for (int j = 0; j < n; j++) {
        int64_t v[3];
        if (slopstate_get(&opstate[j], OVER_TAG, v, 3, "OVER aggregation", &err)) {
            any = true;
            wm = SL_MIN(wm, v[0]);
            w->seq = SL_MAX(w->seq, (uint64_t)v[1]);
            w->now = SL_MAX(w->now, v[2]);
        } else if (err) {
            return err;
        }
    }
    if (any) {
        w->wm = wm;
    }
    sltimers_free(w->timers);
    w->timers = sltimers_new();
    sltimers_load(w->timers, w->timer_tab);
    return SL_OK;
}

static const slop_vt over_vt = {
    .name = "over",
    .open = ov_open,
    .batch_take = ov_batch_take,
    .watermark = ov_watermark,
    .tick = ov_tick,
    .end = ov_end,
    .free = ov_free,
    .snapshot = ov_snapshot,
    .restore = ov_restore,
};

slop *slover_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    const slover_arg *a = arg;
    ovop *w = slmem_calloc(1, sizeof *w);
    w->base.vt = &over_vt;
    w->arg = a;
    w->n_in = a->in->n;
    w->bounded = a->preceding >= 0;
    w->dom = a->proctime ? SLTIMER_PROCESSING : SLTIMER_EVENT;
    /* Split the aggregates: incremental ones, then recomputed ones. */
    int n = a->n_aggs;
    sl_agg *split = slmem_calloc(n ? (size_t)n : 1, sizeof(sl_agg));
    int *orig = slmem_calloc(n ? (size_t)n : 1, sizeof(int));
    int n_inc = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            bool inc = !w->bounded || slagg_can_retract(a->aggs[i].kind, a->aggs[i].udaf);
            if (inc == (pass == 0)) {
                orig[n_inc] = i;
                split[n_inc++] = a->aggs[i];
            }
        }
        if (pass == 0) {
            if (slaggs_init(&w->inc, a->in, split, n_inc) != SL_OK) {
                slmem_fatal("OVER aggregates", 0); /* slover_arg_new checked them */
            }
        }
    }
    if (slaggs_init(&w->rec, a->in, split + w->inc.n, n - w->inc.n) != SL_OK) {
        slmem_fatal("OVER aggregates", 0);
    }
    w->res_col = slmem_calloc(n ? (size_t)n : 1, sizeof(int));
    if (sl_schema_new(&w->res_schema) != SL_OK) {
        slmem_fatal("OVER result schema", 0);
    }
    for (int r = 0; r < n; r++) {
        char name[32];
        snprintf(name, sizeof name, "r%d", r);
        sl_type t = r < w->inc.n ? w->inc.a[r].out_type : w->rec.a[r - w->inc.n].out_type;
        if (sl_schema_add(w->res_schema, name, t) != SL_OK) {
            slmem_fatal("OVER result schema", 0);
        }
        w->res_col[r] = w->n_in + orig[r];
    }
    slmem_free(split);
    slmem_free(orig);
    w->rrec = slmem_alloc(w->rec.rec_size);
    w->timers = sltimers_new();
    return &w->base;
}
