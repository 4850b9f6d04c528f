/*
 * window_session.c - session windows (Flink EventTimeSessionWindows /
 * SQL SESSION): a row at ts opens [ts, ts + gap); windows of one key that
 * intersect (touching counts, as in Flink's TimeWindow.intersects) merge into
 * one, including when a late row (within the allowed lateness) bridges two
 * sessions.
 *
 * State: win.meta (0, key) -> [u64 key hash] then per session, sorted by
 * start: {int64 start, int64 end, int64 id, int64 fired}. The session's
 * accumulator is win.acc (id, key); ids come from a per-subtask counter.
 * Timers (time/timers.h, event-time domain, namespace 0): end - 1 fires a
 * session, end - 1 + allowed lateness removes it. Processing-time sessions use
 * the same timers with processing times.
 *
 * Thread: the worker that owns the subtask.
 */
#include "ops/window_int.h"

/* fired: the on-time firing for the current end has happened. */
typedef struct sess {
    int64_t start, end, id, fired;
} sess;

typedef struct sessions {
    uint64_t hash;
    sess *v; /* owned */
    size_t n, cap;
} sessions;

static void load(slwin *w, const slagg_key *k, sessions *s) {
    uint32_t vlen = 0;
    const char *p = slkv_get(w->meta, 0, k->key, k->klen, k->hash, &vlen);
    s->n = 0;
    s->hash = k->hash;
    if (!p || vlen < 8) {
        return;
    }
    size_t n = (vlen - 8) / sizeof(sess);
    slmem_grow((void **)&s->v, &s->cap, n, sizeof(sess));
    memcpy(s->v, p + 8, n * sizeof(sess));
    s->n = n;
}

static void store(slwin *w, const slagg_key *k, const sessions *s) {
    if (s->n == 0) {
        slkv_remove(w->meta, 0, k->key, k->klen, k->hash);
        return;
    }
    slbuf_reset(&w->ser);
    slbuf_put(&w->ser, &k->hash, 8);
    slbuf_put(&w->ser, s->v, s->n * sizeof(sess));
    slkv_put(w->meta, 0, k->key, k->klen, k->hash, w->ser.data, (uint32_t)w->ser.len);
}

static void set_timer(slwin *w, const slagg_key *k, int64_t t) {
    sltimers_set(w->timers, SLTIMER_EVENT, t, 0, k->key, k->klen, k->hash);
}

static void emit_session(slwin *w, const slagg_key *k, const sess *s) {
    uint32_t vlen;
    void *rec = slkv_get(w->acc, (uint64_t)s->id, k->key, k->klen, k->hash, &vlen);
    if (!rec) {
        return;
    }
    slwin_emit(w, k, rec, &w->st, (uint64_t)s->id, true, s->start, s->end, s->end - 1,
               (uint64_t)s->id);
    if (w->spec->mode == SL_DISCARDING) {
        slkv_remove(w->acc, (uint64_t)s->id, k->key, k->klen, k->hash);
        slaggs_clear_key(&w->aggs, &w->st, (uint64_t)s->id, k);
    }
}

static void drop_session(slwin *w, const slagg_key *k, const sess *s) {
    slkv_remove(w->acc, (uint64_t)s->id, k->key, k->klen, k->hash);
    slaggs_clear_key(&w->aggs, &w->st, (uint64_t)s->id, k);
    slwin_forget_key(w, (uint64_t)s->id, k);
}

static bool expired(const slwin *w, int64_t end, int64_t t) {
    return slwin_add(end - 1, w->spec->allowed_lateness) <= t;
}

/* Merge session o's state into session t's (both of key k). */
static void merge_into(slwin *w, const slagg_key *k, sess *t, const sess *o) {
    /* A result the absorbed session already emitted is retracted (RETRACTING
     * mode; no-op otherwise). */
    slwin_retract_prev(w, k, (uint64_t)o->id);
    uint32_t vlen;
    void *src = slkv_get(w->acc, (uint64_t)o->id, k->key, k->klen, k->hash, &vlen);
    if (src) {
        bool created = false;
        void *dst = slkv_upsert(w->acc, (uint64_t)t->id, k->key, k->klen, k->hash, &created);
        if (created) {
            slaggs_rec_init(&w->aggs, dst, k->hash);
        }
        /* The memory backend keeps src in place across the upsert of another
         * entry; copy it anyway so other backends may move it. */
        memcpy(w->rec, src, w->aggs.rec_size);
        slaggs_merge(&w->aggs, dst, &w->st, (uint64_t)t->id, w->rec, &w->st, (uint64_t)o->id, k);
        slkv_release(w->acc, dst, true);
        slaggs_merge_distinct(&w->aggs, &w->st, (uint64_t)t->id, &w->st, (uint64_t)o->id, w->acc,
                              (uint64_t)t->id, k);
    }
    drop_session(w, k, o);
    t->start = SL_MIN(t->start, o->start);
    t->end = SL_MAX(t->end, o->end);
}

static void session_row(slwin *w, sessions *ss, const slbatch *b, uint32_t i, int64_t ts,
                        const slagg_key *k) {
    const sl_window_spec *sp = w->spec;
    int64_t ns = ts, ne = slwin_add(ts, sp->gap);
    /* The merged extent first: a row whose merged session is past the
     * allowed lateness changes nothing. */
    int64_t ms = ns, me = ne;
    size_t first = SIZE_MAX;
    for (size_t j = 0; j < ss->n; j++) {
        if (ss->v[j].start <= ne && ss->v[j].end >= ns) {
            ms = SL_MIN(ms, ss->v[j].start);
            me = SL_MAX(me, ss->v[j].end);
            if (first == SIZE_MAX) {
                first = j;
            }
        }
    }
    if (expired(w, me, w->wm)) {
        slwin_late_row(w, b, i);
        return;
    }
    sess *t;
    if (first == SIZE_MAX) {
        size_t at = 0;
        while (at < ss->n && ss->v[at].start < ns) {
            at++;
        }
        slmem_grow((void **)&ss->v, &ss->cap, ss->n + 1, sizeof(sess));
        memmove(ss->v + at + 1, ss->v + at, (ss->n - at) * sizeof(sess));
        ss->v[at] = (sess){ns, ne, (int64_t)w->next_id++, 0};
        ss->n++;
        t = &ss->v[at];
    } else {
        t = &ss->v[first];
        t->start = SL_MIN(t->start, ns);
        t->end = SL_MAX(t->end, ne);
        /* Absorb every later session the grown one now reaches. */
        size_t j = first + 1;
        while (j < ss->n) {
            if (ss->v[j].start <= t->end && ss->v[j].end >= t->start) {
                sess o = ss->v[j];
                merge_into(w, k, t, &o);
                memmove(ss->v + j, ss->v + j + 1, (ss->n - j - 1) * sizeof(sess));
                ss->n--;
            } else {
                j++;
            }
        }
    }
    if (t->end - 1 > w->wm) {
        t->fired = 0; /* it grew past the watermark: it fires on time again */
    }
    bool created = false;
    void *rec = slkv_upsert(w->acc, (uint64_t)t->id, k->key, k->klen, k->hash, &created);
    if (created) {
        slaggs_rec_init(&w->aggs, rec, k->hash);
    }
    if (b->kind[i] == SL_UPDATE_BEFORE || b->kind[i] == SL_DELETE) {
        slaggs_retract(&w->aggs, rec, &w->st, (uint64_t)t->id, k, b, i);
    } else {
        slaggs_add(&w->aggs, rec, &w->st, (uint64_t)t->id, k, b, i, w->seq);
    }
    w->seq++;
    slkv_release(w->acc, rec, true);
    if (t->end - 1 <= w->wm) {
        /* The session is past its on-time firing: a late firing. */
        if (slwin_count(w, w->late_cnt, (uint64_t)t->id, k, sp->late_every_rows)) {
            emit_session(w, k, t);
            t->fired = 1;
        }
        set_timer(w, k, slwin_add(t->end - 1, sp->allowed_lateness));
    } else {
        set_timer(w, k, t->end - 1);
        if (sp->early_every_rows > 0 &&
            slwin_count(w, w->early_cnt, (uint64_t)t->id, k, sp->early_every_rows)) {
            emit_session(w, k, t);
        }
    }
}

static void session_rows(slwin *w, const slbatch *b, int64_t now) {
    sessions ss = {0};
    slagg_key k;
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t ts = w->spec->processing_time ? now : b->ts[i];
        slwin_key(w, b, i, &k);
        load(w, &k, &ss);
        session_row(w, &ss, b, i, ts, &k);
        store(w, &k, &ss);
    }
    slmem_free(ss.v);
}

typedef struct due_ctx {
    slwin *w;
    sessions ss;
} due_ctx;

/* A timer of a key is due: fire its sessions that passed, drop expired ones. */
static void on_timer(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                     uint32_t klen, uint64_t hash) {
    SL_UNUSED(d);
    SL_UNUSED(ts);
    SL_UNUSED(ns);
    due_ctx *dc = user;
    slwin *w = dc->w;
    slagg_key k = {key, klen, hash};
    load(w, &k, &dc->ss);
    sessions *ss = &dc->ss;
    size_t out = 0;
    for (size_t j = 0; j < ss->n; j++) {
        sess *s = &ss->v[j];
        if (s->end - 1 <= w->wm && !s->fired) {
            emit_session(w, &k, s);
            s->fired = 1;
        }
        if (s->end - 1 <= w->wm && expired(w, s->end, w->wm)) {
            drop_session(w, &k, s);
            continue;
        }
        if (s->end - 1 <= w->wm) {
            set_timer(w, &k, slwin_add(s->end - 1, w->spec->allowed_lateness));
        }
        ss->v[out++] = *s;
    }
    ss->n = out;
    store(w, &k, ss);
}

static void session_advance(slwin *w, int64_t t) {
    if (t > w->wm) {
        w->wm = t;
    }
    due_ctx dc = {w, {0}};
    sltimers_pop_due(w->timers, SLTIMER_EVENT, w->wm, on_timer, &dc);
    slmem_free(dc.ss.v);
}

static bool visit_key(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                      void *user) {
    SL_UNUSED(ns);
    slbuf *keys = user;
    if (vlen < 8) {
        return true;
    }
    slbuf_put(keys, val, 8); /* hash */
    slbuf_put(keys, &klen, 4);
    slbuf_put(keys, key, klen);
    return true;
}

/* Early firing of every open session. */
static void session_early(slwin *w) {
    slbuf keys = {0};
    slkv_visit_all(w->meta, visit_key, &keys);
    sessions ss = {0};
    for (size_t off = 0; off < keys.len;) {
        slagg_key k;
        uint32_t klen;
        memcpy(&k.hash, keys.data + off, 8);
        memcpy(&klen, keys.data + off + 8, 4);
        k.key = keys.data + off + 12;
        k.klen = klen;
        off += 12 + klen;
        load(w, &k, &ss);
        for (size_t j = 0; j < ss.n; j++) {
            if (ss.v[j].end - 1 > w->wm) {
                emit_session(w, &k, &ss.v[j]);
            }
        }
    }
    slmem_free(ss.v);
    slbuf_free(&keys);
}

static int64_t session_next_due(slwin *w) {
    return sltimers_next(w->timers, SLTIMER_EVENT);
}

static void session_open(slwin *w) {
    w->timers = sltimers_new();
    w->timer_tab = slstate_table(w->base.ctx->state, "win.timers", SLTIMERS_STATE_VAL);
}

/* Sessions live in win.meta; only the timers are in memory. */
static void session_snapshot(slwin *w) {
    sltimers_save(w->timers, w->timer_tab);
}

static void session_restore(slwin *w) {
    sltimers_free(w->timers);
    w->timers = sltimers_new();
    sltimers_load(w->timers, w->timer_tab);
}

const slwin_impl slwin_session_impl = {
    .open = session_open,
    .rows = session_rows,
    .advance = session_advance,
    .early = session_early,
    .next_due = session_next_due,
    .free = NULL,
    .snapshot = session_snapshot,
    .restore = session_restore,
};
