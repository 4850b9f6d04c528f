/*
 * window_slice.c - tumbling, hopping (sliding) and cumulating windows,
 * computed from slices as Flink SQL's window aggregation does.
 *
 * Time is cut into slices of `slice_us` (tumble: size; hop: slide, which
 * divides size; cumulate: step, which divides the max size), aligned to the
 * spec's offset. A row is added to exactly one accumulator: (slice end, key)
 * in win.acc. A window is a run of consecutive slices:
 *   tumble   window end e = slice end; one slice
 *   hop      [e - size, e): slices e - size + slide, ..., e
 *   cumulate [s, e) with s = e - 1 floored to the max size: slices s + step, ..., e
 * A window fires (once its end - 1 <= watermark) by merging its slices per key
 * into the scratch table win.fire; windows of one slice are emitted straight
 * from win.acc. A slice is freed once the last window that uses it is past
 * its allowed lateness.
 *
 * In-memory sets (derived from state): `pending` holds the ends of windows
 * with data that have not fired on time, `fired` the ends of windows waiting
 * for cleanup, `slices` the slice ends that have state. Output order: windows
 * by ascending end; within a window, keys in the order their first slice saw
 * them.
 *
 * Thread: the worker that owns the subtask.
 */
#include "ops/window_int.h"

static int64_t floor_mod(int64_t a, int64_t m) {
    int64_t r = a % m;
    return r < 0 ? r + m : r;
}

/* The distance between consecutive window ends. */
static int64_t end_step(const slwin *w) {
    return w->spec->kind == SL_WINDOW_TUMBLE ? w->spec->size : w->spec->slide;
}

static int64_t slice_end(const slwin *w, int64_t ts) {
    return ts - floor_mod(ts - w->spec->offset, w->slice_us) + w->slice_us;
}

/* Start of the cumulate window group holding time t. */
static int64_t cum_start(const slwin *w, int64_t t) {
    return t - floor_mod(t - w->spec->offset, w->spec->size);
}

/* The end of the last window that contains the slice ending at se. */
static int64_t last_end(const slwin *w, int64_t se) {
    switch (w->spec->kind) {
    case SL_WINDOW_HOP:
        return se + w->spec->size - w->spec->slide;
    case SL_WINDOW_CUMULATE:
        return cum_start(w, se - w->slice_us) + w->spec->size;
    default:
        return se;
    }
}

static int64_t window_start(const slwin *w, int64_t e) {
    if (w->spec->kind == SL_WINDOW_CUMULATE) {
        return cum_start(w, e - 1);
    }
    return e - w->spec->size;
}

static int64_t first_slice(const slwin *w, int64_t e) {
    return window_start(w, e) + w->slice_us;
}

/* Window end e has fired on time (its end - 1 <= t) ... */
static bool passed(int64_t e, int64_t t) {
    return e - 1 <= t;
}

/* ... and is past its allowed lateness. */
static bool expired(const slwin *w, int64_t e, int64_t t) {
    return slwin_add(e - 1, w->spec->allowed_lateness) <= t;
}

/* ---- firing ---- */

typedef struct fire_ctx {
    slwin *w;
    int64_t e;
    const slaggs_store *st;
    uint64_t ns;
} fire_ctx;

static bool visit_emit(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                       void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(vlen);
    fire_ctx *f = user;
    slwin *w = f->w;
    slagg_key k = {key, klen, slaggs_rec_hash(val)};
    slwin_emit(w, &k, val, f->st, f->ns, true, window_start(w, f->e), f->e, f->e - 1,
               (uint64_t)f->e);
    return true;
}

static bool visit_merge(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                        void *user) {
    SL_UNUSED(vlen);
    fire_ctx *f = user;
    slwin *w = f->w;
    slagg_key k = {key, klen, slaggs_rec_hash(val)};
    bool created = false;
    void *dst = slkv_upsert(w->fire, 0, key, klen, k.hash, &created);
    if (created) {
        slaggs_rec_init(&w->aggs, dst, k.hash);
    }
    slaggs_merge(&w->aggs, dst, &w->fst, 0, val, &w->st, ns, &k);
    slkv_release(w->fire, dst, true);
    return true;
}

/* Emit window e for every key (only == NULL) or one key. */
static void fire_window(slwin *w, int64_t e, const slagg_key *only) {
    int64_t first = first_slice(w, e);
    if (first == e) {
        if (only) {
            uint32_t vlen;
            void *rec = slkv_get(w->acc, (uint64_t)e, only->key, only->klen, only->hash, &vlen);
            if (rec) {
                slwin_emit(w, only, rec, &w->st, (uint64_t)e, true, window_start(w, e), e, e - 1,
                           (uint64_t)e);
                if (w->spec->mode == SL_DISCARDING) {
                    slkv_remove(w->acc, (uint64_t)e, only->key, only->klen, only->hash);
                    slaggs_clear_key(&w->aggs, &w->st, (uint64_t)e, only);
                }
            }
        } else {
            fire_ctx f = {w, e, &w->st, (uint64_t)e};
            slkv_visit_ns(w->acc, (uint64_t)e, visit_emit, &f);
            if (w->spec->mode == SL_DISCARDING) {
                slkv_drop_ns(w->acc, (uint64_t)e);
                slaggs_drop_ns(&w->aggs, &w->st, (uint64_t)e);
            }
        }
        return;
    }
    fire_ctx f = {w, e, &w->fst, 0};
    for (int64_t s = first; s <= e; s += w->slice_us) {
        if (!slwin_set_has(&w->slices, s)) {
            continue;
        }
        if (only) {
            uint32_t vlen;
            void *rec = slkv_get(w->acc, (uint64_t)s, only->key, only->klen, only->hash, &vlen);
            if (!rec) {
                continue;
            }
            bool created = false;
            void *dst = slkv_upsert(w->fire, 0, only->key, only->klen, only->hash, &created);
            if (created) {
                slaggs_rec_init(&w->aggs, dst, only->hash);
            }
            slaggs_merge(&w->aggs, dst, &w->fst, 0, rec, &w->st, (uint64_t)s, only);
            slkv_release(w->fire, dst, true);
        } else {
            slkv_visit_ns(w->acc, (uint64_t)s, visit_merge, &f);
        }
        slaggs_merge_distinct(&w->aggs, &w->fst, 0, &w->st, (uint64_t)s, w->fire, 0, only);
    }
    slkv_visit_ns(w->fire, 0, visit_emit, &f);
    slkv_drop_ns(w->fire, 0);
    slaggs_drop_ns(&w->aggs, &w->fst, 0);
}

/* ---- rows ---- */

static void new_slice(slwin *w, int64_t se) {
    slwin_set_add(&w->slices, se);
    int64_t last = last_end(w, se);
    for (int64_t e = se; e <= last; e += end_step(w)) {
        if (!passed(e, w->wm)) {
            slwin_set_add(&w->pending, e);
        }
    }
}

/* Point the hot slice at the one holding ts (see slwin.hot_se). */
static inline void hot_slice(slwin *w, int64_t ts) {
    if (!(ts < w->hot_se && ts >= w->hot_se - w->slice_us)) {
        w->hot_se = slice_end(w, ts);
        w->hot_last = last_end(w, w->hot_se);
        w->hot_known = false;
    }
}

/* The hot slice has state (or gets it now). */
static inline void hot_slice_known(slwin *w) {
    if (!w->hot_known) {
        if (!slwin_set_has(&w->slices, w->hot_se)) {
            new_slice(w, w->hot_se);
        }
        w->hot_known = true;
    }
}

/* One row with event time ts and key *kk: late output, or accumulate and
 * fire what its arrival triggers. */
static void slice_row(slwin *w, const slbatch *b, uint32_t i, int64_t ts, const slkv_key *kk) {
    const sl_window_spec *sp = w->spec;
    hot_slice(w, ts);
    int64_t se = w->hot_se, last = w->hot_last;
    if (expired(w, last, w->wm)) {
        slwin_late_row(w, b, i);
        return;
    }
    slagg_key k = {kk->key, kk->klen, kk->hash};
    hot_slice_known(w);
    bool created = false;
    void *rec = slkv_upsert(w->acc, (uint64_t)se, k.key, k.klen, k.hash, &created);
    if (created) {
        slaggs_rec_init(&w->aggs, rec, k.hash);
    }
    if (b->kind[i] == SL_UPDATE_BEFORE || b->kind[i] == SL_DELETE) {
        slaggs_retract(&w->aggs, rec, &w->st, (uint64_t)se, &k, b, i);
    } else {
        slaggs_add(&w->aggs, rec, &w->st, (uint64_t)se, &k, b, i, w->seq);
    }
    w->seq++;
    slkv_release(w->acc, rec, true);
    /* Windows of this row that already fired get a late firing; open ones
     * may get an early one. */
    for (int64_t e = se; e <= last; e += end_step(w)) {
        if (passed(e, w->wm)) {
            if (expired(w, e, w->wm)) {
                continue;
            }
            /* Its late counter is forgotten when it expires, even when
             * this row does not fire it (late_every_rows > 1). */
            slwin_set_add(&w->fired, e);
            if (slwin_count(w, w->late_cnt, (uint64_t)e, &k, sp->late_every_rows)) {
                fire_window(w, e, &k);
            }
        } else if (sp->early_every_rows > 0 &&
                   slwin_count(w, w->early_cnt, (uint64_t)e, &k, sp->early_every_rows)) {
            fire_window(w, e, &k);
        }
    }
}

/* A row that only accumulates: an addition, +I or +U (an even kind; any
 * other value goes row by row, and slice_row adds all but -U and -D). */
_Static_assert(SL_INSERT == 0 && SL_UPDATE_BEFORE == 1 && SL_UPDATE_AFTER == 2 && SL_DELETE == 3,
               "additions are the even row kinds");
static inline bool adds(uint8_t kind) {
    return (kind & 1) == 0;
}

/*
 * Rows go in order. A row that only accumulates (an addition whose windows
 * have not fired, with no early firing by row count) starts a run of such rows
 * in the same slice; a run is folded at once (slkv_upsert_many,
 * slaggs_add_rows). Other rows (late, retractions, early firings) go one by
 * one through slice_row, in their place, so the results are those of a row
 * at a time.
 */
static void slice_rows(slwin *w, const slbatch *b, int64_t now) {
    const sl_window_spec *sp = w->spec;
    slwin_keys(w, b);
    const int64_t *ts = b->ts;
    const uint8_t *kind = b->kind;
    bool pt = sp->processing_time;
    bool runs = sp->early_every_rows <= 0;
    uint32_t n = b->n;
    for (uint32_t i = 0; i < n;) {
        int64_t t = pt ? now : ts[i];
        hot_slice(w, t);
        if (!runs || !adds(kind[i]) || passed(w->hot_se, w->wm)) {
            slice_row(w, b, i, t, &w->keys[i]);
            i++;
            continue;
        }
        /* Not passed, so neither expired: extend the run over the rows of
         * this slice. */
        int64_t hi = w->hot_se, lo = hi - w->slice_us;
        uint32_t j = i + 1;
        if (pt) {
            while (j < n && adds(kind[j])) {
                j++;
            }
        } else {
            /* ts in [lo, hi), as one unsigned comparison */
            uint64_t width = (uint64_t)hi - (uint64_t)lo;
            while (j < n && (uint64_t)ts[j] - (uint64_t)lo < width && adds(kind[j])) {
                j++;
            }
        }
        hot_slice_known(w);
        uint64_t ns = (uint64_t)w->hot_se;
        uint32_t m = j - i;
        if (slkv_upsert_many(w->acc, ns, w->keys + i, m, w->recs, w->created)) {
            for (uint32_t r = 0; r < m; r++) {
                if (w->created[r]) {
                    slaggs_rec_init(&w->aggs, w->recs[r], w->keys[i + r].hash);
                }
            }
        }
        slaggs_add_rows(&w->aggs, w->recs, &w->st, ns, w->keys + i, b, i, m, w->seq);
        w->seq += m;
        slkv_release_many(w->acc, w->recs, m, true);
        i = j;
    }
}

/* ---- time ---- */

static void slice_advance(slwin *w, int64_t t) {
    if (t > w->wm) {
        w->wm = t;
    }
    t = w->wm;
    while (w->pending.n && passed(w->pending.v[0], t)) {
        int64_t e = w->pending.v[0];
        slwin_set_shift(&w->pending, 1);
        fire_window(w, e, NULL);
        slwin_set_add(&w->fired, e);
    }
    size_t k = 0;
    while (k < w->fired.n && expired(w, w->fired.v[k], t)) {
        slwin_forget_ns(w, (uint64_t)w->fired.v[k]);
        k++;
    }
    slwin_set_shift(&w->fired, k);
    k = 0;
    while (k < w->slices.n && expired(w, last_end(w, w->slices.v[k]), t)) {
        uint64_t ns = (uint64_t)w->slices.v[k];
        slkv_drop_ns(w->acc, ns);
        slaggs_drop_ns(&w->aggs, &w->st, ns);
        k++;
    }
    slwin_set_shift(&w->slices, k);
    if (k > 0) {
        w->hot_known = false; /* the hot slice may have been dropped */
    }
}

static void slice_early(slwin *w) {
    for (size_t i = 0; i < w->pending.n; i++) {
        fire_window(w, w->pending.v[i], NULL);
    }
}

static int64_t slice_next_due(slwin *w) {
    return w->pending.n ? w->pending.v[0] - 1 : SL_TIME_MAX;
}

static void slice_open(slwin *w) {
    w->slice_us = w->spec->kind == SL_WINDOW_TUMBLE ? w->spec->size : w->spec->slide;
    w->hot_se = SL_TIME_MIN;
    w->hot_known = false;
}

/* ---- checkpoints: the sets are rebuilt from the tables ---- */

static bool visit_slice(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                        void *user) {
    SL_UNUSED(key);
    SL_UNUSED(klen);
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    slwin_set_add(user, (int64_t)ns);
    return true;
}

typedef struct book_ctx {
    slwin *w;
    int64_t last_ns; /* the namespace seen last (entries come grouped by ns) */
    bool any;
} book_ctx;

static bool visit_book(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                       void *user) {
    SL_UNUSED(key);
    SL_UNUSED(klen);
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    book_ctx *b = user;
    int64_t e = (int64_t)ns;
    if (b->any && e == b->last_ns) {
        return true;
    }
    b->any = true;
    b->last_ns = e;
    slwin_set_add(passed(e, b->w->wm) ? &b->w->fired : &b->w->pending, e);
    return true;
}

/*
 * After a restore (w->wm restored): `slices` are the namespaces of win.acc;
 * `pending` every window of those slices that has not passed the watermark;
 * `fired` the windows that have bookkeeping (prev, early, late counters) to
 * forget once they expire. A window whose accumulators were all discarded
 * (DISCARDING mode) but has bookkeeping is found through the bookkeeping
 * tables: pending when it has not passed yet, fired when it has. Windows that
 * only the original's sets held have no state left, so firing or forgetting
 * them did nothing.
 */
static void slice_restore(slwin *w) {
    w->slices.n = w->pending.n = w->fired.n = 0;
    slkv_visit_all(w->acc, visit_slice, &w->slices);
    for (size_t i = 0; i < w->slices.n; i++) {
        int64_t se = w->slices.v[i], last = last_end(w, se);
        for (int64_t e = se; e <= last; e += end_step(w)) {
            if (!passed(e, w->wm)) {
                slwin_set_add(&w->pending, e);
            }
        }
    }
    slkv *book[3] = {w->prev, w->early_cnt, w->late_cnt};
    for (int i = 0; i < 3; i++) {
        book_ctx b = {w, 0, false};
        slkv_visit_all(book[i], visit_book, &b);
    }
}

const slwin_impl slwin_slice_impl = {
    .open = slice_open,
    .rows = slice_rows,
    .advance = slice_advance,
    .early = slice_early,
    .next_due = slice_next_due,
    .free = NULL,
    .snapshot = NULL,
    .restore = slice_restore,
};
