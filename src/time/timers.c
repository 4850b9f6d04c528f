/*
 * timers.c - the timer service: per domain an indexed binary min-heap of timer
 * records ordered by (ts, seq), plus one open-addressing map over both domains
 * that finds a record by (domain, ts, ns, key) for dedup and delete.
 *
 * Records sit in one array (free slots chained through next_free); a record
 * knows its heap position, so delete removes it from the heap at once (no
 * tombstones). Key bytes sit in one byte store; a freed record's bytes become
 * garbage and the store is compacted when garbage exceeds half of it.
 */
#include <stdlib.h>

#include "time/timers.h"

enum { REC_FREE = 0, REC_PENDING = 1 };

typedef struct trec {
    int64_t ts;
    uint64_t ns;
    uint64_t hash;  /* the caller's key hash */
    uint64_t dh;    /* dedup-map hash of (domain, ts, ns, key) */
    uint64_t seq;   /* registration order, for ties */
    uint64_t koff;  /* key bytes in the store */
    uint32_t klen;
    uint32_t hpos;  /* index in its domain's heap */
    uint32_t next_free; /* free list: index + 1, 0 = end */
    uint8_t domain, state;
} trec;

typedef struct theap {
    uint32_t *a; /* owned: record indices */
    size_t n, cap;
} theap;

struct sltimers {
    trec *recs; /* owned */
    size_t n_recs, cap_recs;
    uint32_t free_head; /* index + 1, 0 = none */
    theap heap[2];
    uint32_t *map; /* owned: record index + 1, 0 = empty */
    size_t map_mask;
    size_t n_live;
    char *keys; /* owned: key byte store */
    size_t keys_len, keys_cap, keys_garbage;
    slbuf scratch; /* the key of the timer being fired */
    uint64_t seq;
};

#ifdef SL_SMALL_BUFFERS
#define INIT_MAP 4
#define COMPACT_MIN 64
#else
#define INIT_MAP 256
#define COMPACT_MIN 65536
#endif

static inline uint64_t timer_hash(sltimer_domain d, int64_t ts, uint64_t ns, uint64_t hash) {
    uint64_t x = slhash_u64((uint64_t)ts ^ UINT64_C(0x9e3779b97f4a7c15));
    x = slhash_u64(x ^ ns ^ ((uint64_t)d << 62));
    return x ^ hash;
}

static inline bool rec_before(const sltimers *t, uint32_t a, uint32_t b) {
    const trec *x = &t->recs[a], *y = &t->recs[b];
    return x->ts < y->ts || (x->ts == y->ts && x->seq < y->seq);
}

/* ---- heap ---- */

static inline void heap_place(sltimers *t, theap *h, size_t i, uint32_t r) {
    h->a[i] = r;
    t->recs[r].hpos = (uint32_t)i;
}

static void sift_up(sltimers *t, theap *h, size_t i) {
    uint32_t r = h->a[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!rec_before(t, r, h->a[p])) {
            break;
        }
        heap_place(t, h, i, h->a[p]);
        i = p;
    }
    heap_place(t, h, i, r);
}

static void sift_down(sltimers *t, theap *h, size_t i) {
    uint32_t r = h->a[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) {
            break;
        }
        if (c + 1 < h->n && rec_before(t, h->a[c + 1], h->a[c])) {
            c++;
        }
        if (!rec_before(t, h->a[c], r)) {
            break;
        }
        heap_place(t, h, i, h->a[c]);
        i = c;
    }
    heap_place(t, h, i, r);
}

static void heap_push(sltimers *t, theap *h, uint32_t r) {
    slmem_grow((void **)&h->a, &h->cap, h->n + 1, sizeof(uint32_t));
    h->a[h->n++] = r;
    sift_up(t, h, h->n - 1);
}

static void heap_remove(sltimers *t, theap *h, size_t i) {
    uint32_t last = h->a[--h->n];
    if (i == h->n) {
        return;
    }
    heap_place(t, h, i, last);
    if (i > 0 && rec_before(t, last, h->a[(i - 1) / 2])) {
        sift_up(t, h, i);
    } else {
        sift_down(t, h, i);
    }
}

/* ---- dedup map ---- */

static bool rec_matches(const sltimers *t, const trec *r, sltimer_domain d, int64_t ts,
                        uint64_t ns, const void *key, uint32_t klen) {
    return r->ts == ts && r->ns == ns && r->domain == d && r->klen == klen &&
           (klen == 0 || memcmp(t->keys + r->koff, key, klen) == 0);
}

/* Slot of the matching record, or of the empty slot where it would go. */
static size_t map_find(const sltimers *t, uint64_t dh, sltimer_domain d, int64_t ts, uint64_t ns,
                       const void *key, uint32_t klen, bool *found) {
    size_t i = (size_t)dh & t->map_mask;
    for (;;) {
        uint32_t v = t->map[i];
        if (v == 0) {
            *found = false;
            return i;
        }
        const trec *r = &t->recs[v - 1];
        if (r->dh == dh && rec_matches(t, r, d, ts, ns, key, klen)) {
            *found = true;
            return i;
        }
        i = (i + 1) & t->map_mask;
    }
}

static void map_grow(sltimers *t) {
    size_t old_cap = t->map_mask + 1;
    uint32_t *old = t->map;
    t->map = slmem_calloc(old_cap * 2, sizeof(uint32_t));
    t->map_mask = old_cap * 2 - 1;
    for (size_t k = 0; k < old_cap; k++) {
        if (old[k]) {
            size_t i = (size_t)t->recs[old[k] - 1].dh & t->map_mask;
            while (t->map[i]) {
                i = (i + 1) & t->map_mask;
            }
            t->map[i] = old[k];
        }
    }
    slmem_free(old);
}

/* Remove record r from the map (backward-shift deletion). */
static void map_remove(sltimers *t, uint32_t r) {
    size_t i = (size_t)t->recs[r].dh & t->map_mask;
    while (t->map[i] != r + 1) {
        i = (i + 1) & t->map_mask;
    }
    size_t j = i;
    for (;;) {
        j = (j + 1) & t->map_mask;
        if (!t->map[j]) {
            break;
        }
        size_t home = (size_t)t->recs[t->map[j] - 1].dh & t->map_mask;
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            t->map[i] = t->map[j];
            i = j;
        }
    }
    t->map[i] = 0;
}

/* ---- records and key store ---- */

static void keys_compact(sltimers *t) {
    size_t live = t->keys_len - t->keys_garbage;
    char *fresh = slmem_alloc(live ? live : 1);
    size_t pos = 0;
    for (size_t i = 0; i < t->n_recs; i++) {
        trec *r = &t->recs[i];
        if (r->state != REC_FREE && r->klen) {
            memcpy(fresh + pos, t->keys + r->koff, r->klen);
            r->koff = pos;
            pos += r->klen;
        }
    }
    slmem_free(t->keys);
    t->keys = fresh;
    t->keys_len = pos;
    t->keys_cap = live ? live : 1;
    t->keys_garbage = 0;
}

static uint32_t rec_alloc(sltimers *t) {
    if (t->free_head) {
        uint32_t r = t->free_head - 1;
        t->free_head = t->recs[r].next_free;
        return r;
    }
    slmem_grow((void **)&t->recs, &t->cap_recs, t->n_recs + 1, sizeof(trec));
    if (t->n_recs >= UINT32_MAX - 1) {
        slmem_fatal("timer records", t->n_recs);
    }
    return (uint32_t)t->n_recs++;
}

static void rec_release(sltimers *t, uint32_t r) {
    trec *x = &t->recs[r];
    x->state = REC_FREE;
    t->keys_garbage += x->klen;
    x->next_free = t->free_head;
    t->free_head = r + 1;
    t->n_live--;
    if (t->keys_garbage > COMPACT_MIN && t->keys_garbage * 2 > t->keys_len) {
        keys_compact(t);
    }
}

/* ---- API ---- */

sltimers *sltimers_new(void) {
    sltimers *t = slmem_calloc(1, sizeof *t);
    t->map = slmem_calloc(INIT_MAP, sizeof(uint32_t));
    t->map_mask = INIT_MAP - 1;
    return t;
}

void sltimers_free(sltimers *t) {
    if (!t) {
        return;
    }
    slmem_free(t->recs);
    slmem_free(t->heap[0].a);
    slmem_free(t->heap[1].a);
    slmem_free(t->map);
    slmem_free(t->keys);
    slbuf_free(&t->scratch);
    slmem_free(t);
}

bool sltimers_set(sltimers *t, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                  uint32_t klen, uint64_t hash) {
    uint64_t dh = timer_hash(d, ts, ns, hash);
    bool found;
    size_t slot = map_find(t, dh, d, ts, ns, key, klen, &found);
    if (found) {
        return false;
    }
    if ((t->n_live + 1) * 4 > (t->map_mask + 1) * 3) {
        map_grow(t);
        slot = map_find(t, dh, d, ts, ns, key, klen, &found);
    }
    if (t->keys_len + klen > t->keys_cap) {
        size_t cap = t->keys_cap;
        slmem_grow((void **)&t->keys, &cap, t->keys_len + klen, 1);
        t->keys_cap = cap;
    }
    if (klen) {
        memcpy(t->keys + t->keys_len, key, klen);
    }
    uint32_t r = rec_alloc(t);
    trec *x = &t->recs[r];
    x->ts = ts;
    x->ns = ns;
    x->hash = hash;
    x->dh = dh;
    x->seq = t->seq++;
    x->koff = t->keys_len;
    x->klen = klen;
    x->next_free = 0;
    x->domain = (uint8_t)d;
    x->state = REC_PENDING;
    t->keys_len += klen;
    t->map[slot] = r + 1;
    t->n_live++;
    heap_push(t, &t->heap[d], r);
    return true;
}

bool sltimers_delete(sltimers *t, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                     uint32_t klen, uint64_t hash) {
    bool found;
    size_t slot = map_find(t, timer_hash(d, ts, ns, hash), d, ts, ns, key, klen, &found);
    if (!found) {
        return false;
    }
    uint32_t r = t->map[slot] - 1;
    map_remove(t, r);
    heap_remove(t, &t->heap[d], t->recs[r].hpos);
    rec_release(t, r);
    return true;
}

int64_t sltimers_next(sltimers *t, sltimer_domain d) {
    const theap *h = &t->heap[d];
    return h->n ? t->recs[h->a[0]].ts : SL_TIME_MAX;
}

uint64_t sltimers_pop_due(sltimers *t, sltimer_domain d, int64_t upto, sltimer_fn cb,
                          void *user) {
    theap *h = &t->heap[d];
    uint64_t fired = 0;
    while (h->n > 0 && t->recs[h->a[0]].ts <= upto) {
        uint32_t r = h->a[0];
        trec x = t->recs[r];
        /* The key moves to scratch: cb may set timers (growing or compacting
         * the store) or delete others. */
        slbuf_reset(&t->scratch);
        if (x.klen) {
            slbuf_put(&t->scratch, t->keys + x.koff, x.klen);
        }
        map_remove(t, r);
        heap_remove(t, h, 0);
        rec_release(t, r);
        fired++;
        cb(user, d, x.ts, x.ns, t->scratch.data, x.klen, x.hash);
    }
    return fired;
}

uint64_t sltimers_count(const sltimers *t, sltimer_domain d) {
    return t->heap[d].n;
}

typedef struct vorder {
    int64_t ts;
    uint64_t seq;
    uint32_t r;
} vorder;

static int vorder_cmp(const void *a, const void *b) {
    const vorder *x = a, *y = b;
    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

void sltimers_visit(sltimers *t, sltimer_fn cb, void *user) {
    for (int d = 0; d < 2; d++) {
        theap *h = &t->heap[d];
        if (h->n == 0) {
            continue;
        }
        vorder *v = slmem_alloc(slmem_mul(h->n, sizeof *v));
        for (size_t i = 0; i < h->n; i++) {
            trec *x = &t->recs[h->a[i]];
            v[i] = (vorder){x->ts, x->seq, h->a[i]};
        }
        qsort(v, h->n, sizeof *v, vorder_cmp);
        size_t n = h->n;
        for (size_t i = 0; i < n; i++) {
            trec *x = &t->recs[v[i].r];
            cb(user, (sltimer_domain)d, x->ts, x->ns, x->klen ? t->keys + x->koff : "", x->klen,
               x->hash);
        }
        slmem_free(v);
    }
}

uint64_t sltimers_bytes(const sltimers *t) {
    return sizeof *t + t->cap_recs * sizeof(trec) + (t->heap[0].cap + t->heap[1].cap) * 4 +
           (t->map_mask + 1) * 4 + t->keys_cap + t->scratch.cap;
}
