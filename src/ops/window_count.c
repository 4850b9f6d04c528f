/*
 * window_count.c - count windows and global windows (Flink DataStream
 * countWindow and GlobalWindows with a count / processing-time trigger).
 *
 * Count windows ignore time and watermarks. countWindow(size) (slide ==
 * size) fires every `size` rows of a key and purges. countWindow(size, slide)
 * fires every `slide` rows with the last `size` rows (fewer for the first
 * firings, as Flink's CountEvictor keeps what there is); rows that no window
 * covers (slide > size) are skipped. Sliding count windows keep partial
 * aggregates per slice of gcd(size, slide) rows at win.acc (slice number, key)
 * and merge them when firing. At end of input an incomplete count window does
 * NOT fire, as in Flink (its trigger never saw enough rows).
 *
 * Global windows keep one accumulator per key at win.acc (0, key) and fire
 * every global_every_rows rows of the key and on processing-time early
 * firings (early_every_ms); with purge_on_fire or DISCARDING the state is
 * cleared after each firing. They do not fire at end of input either.
 *
 * Output: window_start and window_end are NULL; the event time of a result is
 * the largest event time of the key's rows seen so far.
 *
 * win.meta (0, key) -> {u64 hash, int64 rows seen, int64 max event time}.
 *
 * Thread: the worker that owns the subtask.
 */
#include "ops/window_int.h"

typedef struct cmeta {
    uint64_t hash;
    int64_t total, max_ts;
} cmeta;

static void meta_load(slwin *w, const slagg_key *k, cmeta *m) {
    uint32_t vlen = 0;
    const void *p = slkv_get(w->meta, 0, k->key, k->klen, k->hash, &vlen);
    if (p && vlen == sizeof(*m)) {
        memcpy(m, p, sizeof(*m));
    } else {
        m->hash = k->hash;
        m->total = 0;
        m->max_ts = SL_TIME_MIN;
    }
}

static void meta_store(slwin *w, const slagg_key *k, const cmeta *m) {
    slkv_put(w->meta, 0, k->key, k->klen, k->hash, m, sizeof(*m));
}

static void fold(slwin *w, uint64_t ns, const slagg_key *k, const slbatch *b, uint32_t i) {
    bool created = false;
    void *rec = slkv_upsert(w->acc, ns, k->key, k->klen, k->hash, &created);
    if (created) {
        slaggs_rec_init(&w->aggs, rec, k->hash);
    }
    if (b->kind[i] == SL_UPDATE_BEFORE || b->kind[i] == SL_DELETE) {
        slaggs_retract(&w->aggs, rec, &w->st, ns, k, b, i);
    } else {
        slaggs_add(&w->aggs, rec, &w->st, ns, k, b, i, w->seq);
    }
    w->seq++;
    slkv_release(w->acc, rec, true);
}

static void purge(slwin *w, uint64_t ns, const slagg_key *k) {
    slkv_remove(w->acc, ns, k->key, k->klen, k->hash);
    slaggs_clear_key(&w->aggs, &w->st, ns, k);
}

static int64_t gcd64(int64_t a, int64_t b) {
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* ---- count windows ---- */

static void count_fire_sliding(slwin *w, const slagg_key *k, int64_t t, int64_t ts) {
    int64_t size = w->spec->size, slide = w->spec->slide, g = w->slice_us;
    int64_t lo = t - size <= 0 ? 1 : (t - size) / g + 1, hi = t / g;
    for (int64_t s = lo; s <= hi; s++) {
        uint32_t vlen;
        void *rec = slkv_get(w->acc, (uint64_t)s, k->key, k->klen, k->hash, &vlen);
        if (!rec) {
            continue;
        }
        bool created = false;
        void *dst = slkv_upsert(w->fire, 0, k->key, k->klen, k->hash, &created);
        if (created) {
            slaggs_rec_init(&w->aggs, dst, k->hash);
        }
        slaggs_merge(&w->aggs, dst, &w->fst, 0, rec, &w->st, (uint64_t)s, k);
        slkv_release(w->fire, dst, true);
        slaggs_merge_distinct(&w->aggs, &w->fst, 0, &w->st, (uint64_t)s, w->fire, 0, k);
    }
    uint32_t vlen;
    void *f = slkv_get(w->fire, 0, k->key, k->klen, k->hash, &vlen);
    if (f) {
        slwin_emit(w, k, f, &w->fst, 0, false, 0, 0, ts, 0);
        slwin_forget_key(w, 0, k); /* every firing is its own window */
    }
    slkv_remove(w->fire, 0, k->key, k->klen, k->hash);
    slaggs_drop_ns(&w->aggs, &w->fst, 0);
    /* Slices the next window (t + slide - size, t + slide] does not need. */
    int64_t rm_hi = (t + slide - size) / g;
    for (int64_t s = lo; s <= rm_hi; s++) {
        purge(w, (uint64_t)s, k);
    }
}

static void count_rows(slwin *w, const slbatch *b, int64_t now) {
    SL_UNUSED(now);
    const sl_window_spec *sp = w->spec;
    slagg_key k;
    cmeta m;
    for (uint32_t i = 0; i < b->n; i++) {
        slwin_key(w, b, i, &k);
        meta_load(w, &k, &m);
        int64_t pos = m.total + 1; /* 1-based position of this row */
        m.total = pos;
        m.max_ts = SL_MAX(m.max_ts, b->ts[i]);
        if (sp->slide == sp->size) {
            fold(w, 0, &k, b, i);
            if (pos % sp->size == 0) {
                uint32_t vlen;
                void *rec = slkv_get(w->acc, 0, k.key, k.klen, k.hash, &vlen);
                slwin_emit(w, &k, rec, &w->st, 0, false, 0, 0, m.max_ts, 0);
                slwin_forget_key(w, 0, &k);
                purge(w, 0, &k);
            }
        } else {
            int64_t next = (pos + sp->slide - 1) / sp->slide * sp->slide;
            if (pos > next - sp->size) { /* covered by the window firing at `next` */
                fold(w, (uint64_t)((pos - 1) / w->slice_us + 1), &k, b, i);
            }
            if (pos % sp->slide == 0) {
                count_fire_sliding(w, &k, pos, m.max_ts);
            }
        }
        meta_store(w, &k, &m);
    }
}

static void count_advance(slwin *w, int64_t t) {
    /* Count windows ignore watermarks. */
    SL_UNUSED(w);
    SL_UNUSED(t);
}

static void count_open(slwin *w) {
    w->slice_us = gcd64(w->spec->size, w->spec->slide);
}

const slwin_impl slwin_count_impl = {
    .open = count_open,
    .rows = count_rows,
    .advance = count_advance,
    .early = NULL,
    .next_due = NULL,
    .free = NULL,
};

/* ---- global windows ---- */

static void global_fire(slwin *w, const slagg_key *k, int64_t ts) {
    uint32_t vlen;
    void *rec = slkv_get(w->acc, 0, k->key, k->klen, k->hash, &vlen);
    if (!rec) {
        return;
    }
    slwin_emit(w, k, rec, &w->st, 0, false, 0, 0, ts, 0);
    if (w->spec->purge_on_fire || w->spec->mode == SL_DISCARDING) {
        purge(w, 0, k);
        if (w->spec->purge_on_fire) {
            slwin_forget_key(w, 0, k);
        }
    }
}

static void global_rows(slwin *w, const slbatch *b, int64_t now) {
    SL_UNUSED(now);
    slagg_key k;
    cmeta m;
    int64_t every = w->spec->global_every_rows;
    for (uint32_t i = 0; i < b->n; i++) {
        slwin_key(w, b, i, &k);
        meta_load(w, &k, &m);
        m.total++;
        m.max_ts = SL_MAX(m.max_ts, b->ts[i]);
        fold(w, 0, &k, b, i);
        if (every > 0 && m.total % every == 0) {
            global_fire(w, &k, m.max_ts);
        }
        meta_store(w, &k, &m);
    }
}

static bool visit_meta(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                       void *user) {
    SL_UNUSED(ns);
    if (vlen != sizeof(cmeta)) {
        return true;
    }
    slbuf *keys = user;
    slbuf_put(keys, val, sizeof(cmeta));
    slbuf_put(keys, &klen, 4);
    slbuf_put(keys, key, klen);
    return true;
}

/* Processing-time firing of every key's global window. */
static void global_early(slwin *w) {
    slbuf keys = {0};
    slkv_visit_ns(w->meta, 0, visit_meta, &keys);
    for (size_t off = 0; off < keys.len;) {
        cmeta m;
        uint32_t klen;
        memcpy(&m, keys.data + off, sizeof(m));
        memcpy(&klen, keys.data + off + sizeof(m), 4);
        slagg_key k = {keys.data + off + sizeof(m) + 4, klen, m.hash};
        off += sizeof(m) + 4 + klen;
        global_fire(w, &k, m.max_ts);
    }
    slbuf_free(&keys);
}

static void global_advance(slwin *w, int64_t t) {
    SL_UNUSED(w);
    SL_UNUSED(t);
}

const slwin_impl slwin_global_impl = {
    .open = NULL,
    .rows = global_rows,
    .advance = global_advance,
    .early = global_early,
    .next_due = NULL,
    .free = NULL,
};
