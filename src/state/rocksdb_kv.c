/*
 * rocksdb_kv.c - the slkv operations of the RocksDB backend and the value
 * cache behind them (entry states: rocksdb_int.h; key layout and database
 * I/O: rocksdb.c).
 *
 * get/upsert/put look the (namespace, key) up in the table's cache index
 * first; a miss reads the database once and decodes the value into a new
 * cache entry, which is pinned and returned. release(dirty) marks the entry
 * dirty and unpins it; dirty entries are written back when evicted (the
 * cache is an LRU of unpinned entries with a byte budget), before their table
 * is iterated (visit, drop_ns, expire), and never otherwise, so a key updated
 * by every row of a batch costs one database write.
 *
 * Lifetimes match memory.c where operators rely on them (state.h): a pointer
 * stays valid until its entry is removed, moved by a growing put, or
 * slstate_unpin_all; several pointers, into one table or several, may be held
 * at once; the same entry is always the same pointer. Visits read the
 * database (key order, not insertion order) and pass cached values where an
 * entry is cached, a copy otherwise; a value the callback changed is written
 * back.
 *
 * Thread: the worker that owns the subtask.
 */
#include <stddef.h>

#include "state/rocksdb_int.h"

#ifdef SL_SMALL_BUFFERS
#define INIT_SLOTS 4
#define SMALL_DROP 2 /* drop_ns deletes up to this many keys one by one */
#else
#define INIT_SLOTS 64
#define SMALL_DROP 32
#endif

/* ---- lists ---- */

static void list_unlink(rent **head, rent **tail, rent *e) {
    if (e->lprev) {
        e->lprev->lnext = e->lnext;
    } else {
        *head = e->lnext;
    }
    if (e->lnext) {
        e->lnext->lprev = e->lprev;
    } else {
        *tail = e->lprev;
    }
    e->lprev = e->lnext = NULL;
}

static void list_append(rent **head, rent **tail, rent *e) {
    e->lnext = NULL;
    e->lprev = *tail;
    if (*tail) {
        (*tail)->lnext = e;
    } else {
        *head = e;
    }
    *tail = e;
}

static void pin(rstate *s, rent *e) {
    if (e->refs++ == 0) {
        list_unlink(&s->lru_head, &s->lru_tail, e);
        list_append(&s->pin_head, &s->pin_tail, e);
    }
}

static void unpin(rstate *s, rent *e) {
    if (e->refs == 0) {
        return;
    }
    if (--e->refs == 0 && e->magic == RENT_LIVE) {
        list_unlink(&s->pin_head, &s->pin_tail, e);
        list_append(&s->lru_head, &s->lru_tail, e);
    }
}

static void dirty_mark(rtable *t, rent *e) {
    if (e->dirty) {
        return;
    }
    e->dirty = true;
    e->dprev = NULL;
    e->dnext = t->dirty_head;
    if (t->dirty_head) {
        t->dirty_head->dprev = e;
    }
    t->dirty_head = e;
}

static void dirty_clear(rtable *t, rent *e) {
    if (!e->dirty) {
        return;
    }
    if (e->dprev) {
        e->dprev->dnext = e->dnext;
    } else {
        t->dirty_head = e->dnext;
    }
    if (e->dnext) {
        e->dnext->dprev = e->dprev;
    }
    e->dirty = false;
    e->dprev = e->dnext = NULL;
}

/* ---- entry memory (small entries are recycled by size class) ---- */

static size_t ent_size(uint32_t vcap, uint32_t klen) {
    return sizeof(rent) + rent_pad8(vcap) + klen;
}

static rent *ent_alloc(rstate *s, size_t size) {
    size_t cls = (size + 15) / 16;
    if (cls < RFREE_CLASSES) {
        rent *e = s->free_ents[cls];
        if (e) {
            s->free_ents[cls] = e->lnext;
            s->free_bytes -= cls * 16;
            return e;
        }
        return slmem_alloc(cls * 16);
    }
    return slmem_alloc(size);
}

static void ent_dealloc(rstate *s, rent *e) {
    size_t size = ent_size(e->vcap, e->klen);
    size_t cls = (size + 15) / 16;
    if (cls < RFREE_CLASSES && s->free_bytes + cls * 16 <= s->cache_max) {
        e->lnext = s->free_ents[cls];
        s->free_ents[cls] = e;
        s->free_bytes += cls * 16;
        return;
    }
    slmem_free(e);
}

/* ---- the cache index: (ns, key) -> entry, open addressing ---- */

static inline uint64_t idx_hash(uint64_t ns, const void *key, uint32_t klen) {
    return slhash_bytes(klen ? key : "", klen, ns ^ UINT64_C(0x9e3779b97f4a7c15));
}

static rent *cache_find(rtable *t, uint64_t h, uint64_t ns, const void *key, uint32_t klen,
                        size_t *idx) {
    size_t i = (size_t)h & t->mask;
    for (;;) {
        rslot *sl = &t->slots[i];
        if (!sl->e) {
            *idx = i;
            return NULL;
        }
        if (sl->h == h) {
            rent *e = sl->e;
            if (e->ns == ns && e->klen == klen &&
                (klen == 0 || memcmp(rent_key(e), key, klen) == 0)) {
                *idx = i;
                return e;
            }
        }
        i = (i + 1) & t->mask;
    }
}

static size_t slot_of(const rtable *t, const rent *e) {
    return slslot_of(t->slots, t->mask, e->h, e);
}

static void slot_clear(rtable *t, size_t i) {
    slslot_clear(t->slots, t->mask, i);
}

static void index_grow(rtable *t) {
    t->slots = slslot_grow(t->slots, &t->mask);
}

/* ---- entry life cycle ---- */

/* A new unpinned, clean entry for (ns, key) in empty slot idx (found by
 * cache_find with hash h); the value is not initialised. */
static rent *ent_new(rtable *t, size_t idx, uint64_t h, uint64_t ns, const void *key, uint32_t klen,
                     uint64_t hash, uint32_t vcap) {
    rstate *s = t->s;
    if ((t->n_cached + 1) * 4 > (t->mask + 1) * 3) {
        index_grow(t);
        idx = (size_t)h & t->mask;
        while (t->slots[idx].e) {
            idx = (idx + 1) & t->mask;
        }
    }
    size_t size = ent_size(vcap, klen);
    rent *e = ent_alloc(s, size);
    memset(e, 0, sizeof *e);
    e->magic = RENT_LIVE;
    e->t = t;
    e->ns = ns;
    e->h = h;
    e->klen = klen;
    e->vcap = vcap;
    e->kg = (uint16_t)slstate_key_group(hash, s->base.n_key_groups);
    if (klen) {
        memcpy(rent_key(e), key, klen);
    }
    t->slots[idx].h = h;
    t->slots[idx].e = e;
    t->n_cached++;
    s->cache_bytes += size;
    list_append(&s->lru_head, &s->lru_tail, e);
    return e;
}

/* Take e out of its table's cache. A pinned entry goes to the graveyard (a
 * late release must find a valid header); an unpinned one is freed. The
 * database is not touched. */
static void ent_kill(rtable *t, rent *e) {
    rstate *s = t->s;
    slot_clear(t, slot_of(t, e));
    t->n_cached--;
    dirty_clear(t, e);
    s->cache_bytes -= ent_size(e->vcap, e->klen);
    if (e->refs > 0) {
        list_unlink(&s->pin_head, &s->pin_tail, e);
        e->magic = RENT_DEAD;
        e->lnext = s->grave;
        s->grave = e;
    } else {
        list_unlink(&s->lru_head, &s->lru_tail, e);
        ent_dealloc(s, e);
    }
}

/* Write the dirty entries (unpinned ones become clean; a database read or
 * iteration then sees every entry). */
static void flush_entries(rstate *s, rtable *t) {
    rent *e = t->dirty_head;
    while (e) {
        rent *next = e->dnext;
        slrocks_write_entry(s, e);
        e->in_db = true;
        if (e->refs == 0) {
            dirty_clear(t, e);
        }
        e = next;
    }
}

/* Evict unpinned entries, least recently released first, until the cache is
 * back under 3/4 of its budget. */
static void evict(rstate *s) {
    if (s->cache_bytes <= s->cache_max) {
        return;
    }
    uint64_t target = s->cache_max - s->cache_max / 4;
    while (s->cache_bytes > target && s->lru_head) {
        rent *e = s->lru_head;
        if (e->dirty) {
            slrocks_write_entry(s, e);
        }
        ent_kill(e->t, e);
    }
}

static inline bool is_expired(const rtable *t, int64_t access_us, int64_t now_us) {
    return t->ttl_us > 0 && now_us - access_us >= t->ttl_us;
}

/* Read (ns, key) from the database into a new clean cache entry at slot idx;
 * NULL if the database does not have it. */
static rent *load(rtable *t, uint64_t h, size_t idx, uint64_t ns, const void *key, uint32_t klen,
                  uint64_t hash) {
    rstate *s = t->s;
    uint16_t kg = (uint16_t)slstate_key_group(hash, s->base.n_key_groups);
    slrocks_key(&s->kbuf, t->id, ns, kg, key, klen);
    size_t vl = 0;
    char *raw = slrocks_get_raw(s, s->kbuf.data, s->kbuf.len, &vl);
    if (!raw) {
        return NULL;
    }
    size_t off = t->has_ts ? 8 : 0;
    if (vl < off) {
        rocksdb_free(raw);
        slrocks_fail(s, "corrupt value", NULL);
        return NULL;
    }
    uint32_t vlen = (uint32_t)(vl - off);
    rent *e = ent_new(t, idx, h, ns, key, klen, hash, vlen);
    e->vlen = vlen;
    e->in_db = true;
    if (off) {
        memcpy(&e->access_us, raw, 8);
    }
    if (vlen) {
        memcpy(e->data, raw + off, vlen);
    }
    rocksdb_free(raw);
    return e;
}

/* Whether the last lookup of this table found (ns, key) absent; forgets it. */
static bool known_absent(rtable *t, uint64_t h, uint64_t ns, const void *key, uint32_t klen) {
    if (!t->miss_valid) {
        return false;
    }
    t->miss_valid = false;
    return t->miss_h == h && t->miss_ns == ns && t->miss_key.len == klen &&
           (klen == 0 || memcmp(t->miss_key.data, key, klen) == 0);
}

static void remember_absent(rtable *t, uint64_t h, uint64_t ns, const void *key, uint32_t klen) {
    t->miss_valid = true;
    t->miss_h = h;
    t->miss_ns = ns;
    slbuf_reset(&t->miss_key);
    if (klen) {
        slbuf_put(&t->miss_key, key, klen);
    }
}

/* ---- the slkv interface ---- */

static void *r_get(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                   uint32_t *vlen) {
    rtable *t = (rtable *)kv;
    rstate *s = t->s;
    t->miss_valid = false;
    uint64_t h = idx_hash(ns, key, klen);
    size_t idx;
    rent *e = cache_find(t, h, ns, key, klen, &idx);
    if (!e) {
        e = load(t, h, idx, ns, key, klen, hash);
        if (!e) {
            remember_absent(t, h, ns, key, klen);
            return NULL;
        }
    }
    if (t->ttl_us > 0) {
        int64_t now = slclock_now(t->clock);
        if (is_expired(t, e->access_us, now)) {
            return NULL;
        }
        if (kv->ttl_on_read) {
            e->access_us = now;
            dirty_mark(t, e);
        }
    }
    pin(s, e);
    evict(s);
    if (vlen) {
        *vlen = e->vlen;
    }
    return e->data;
}

static void *r_upsert(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                      bool *created) {
    rtable *t = (rtable *)kv;
    rstate *s = t->s;
    uint64_t h = idx_hash(ns, key, klen);
    bool absent = known_absent(t, h, ns, key, klen);
    size_t idx;
    rent *e = cache_find(t, h, ns, key, klen, &idx);
    if (!e && !absent) {
        e = load(t, h, idx, ns, key, klen, hash);
    }
    bool fresh = false;
    if (e) {
        if (t->ttl_us > 0 && is_expired(t, e->access_us, slclock_now(t->clock))) {
            memset(e->data, 0, e->vlen);
            t->expired_lazy++;
            fresh = true;
        }
    } else {
        e = ent_new(t, idx, h, ns, key, klen, hash, kv->val_size);
        e->vlen = kv->val_size;
        memset(e->data, 0, e->vlen);
        t->n++;
        fresh = true;
    }
    if (t->ttl_us > 0) {
        e->access_us = slclock_now(t->clock);
    }
    dirty_mark(t, e);
    pin(s, e);
    evict(s);
    if (created) {
        *created = fresh;
    }
    return e->data;
}

static void *r_put(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                   const void *val, uint32_t vlen) {
    rtable *t = (rtable *)kv;
    rstate *s = t->s;
    if (kv->val_size > 0 && vlen != kv->val_size) {
        slmem_fatal("state put with a value of the wrong size", vlen);
    }
    uint64_t h = idx_hash(ns, key, klen);
    bool absent = known_absent(t, h, ns, key, klen);
    size_t idx;
    rent *e = cache_find(t, h, ns, key, klen, &idx);
    if (!e && !absent) {
        e = load(t, h, idx, ns, key, klen, hash);
    }
    if (e) {
        if (t->ttl_us > 0 && is_expired(t, e->access_us, slclock_now(t->clock))) {
            t->expired_lazy++;
        }
        if (vlen > e->vcap) {
            /* Grow: a new entry takes the slot; the old one is retired after
             * the copy (val may point into it). */
            rent *old = e;
            size_t size = ent_size(vlen, klen);
            e = ent_alloc(s, size);
            memcpy(e, old, sizeof *e);
            e->vcap = vlen;
            e->refs = 0;
            e->dirty = false;
            e->lprev = e->lnext = e->dprev = e->dnext = NULL;
            if (klen) {
                memcpy(rent_key(e), rent_key(old), klen);
            }
            memcpy(e->data, val, vlen);
            list_append(&s->lru_head, &s->lru_tail, e);
            s->cache_bytes += size;
            ent_kill(t, old); /* frees or buries old and clears its slot */
            size_t ni = (size_t)h & t->mask;
            while (t->slots[ni].e) {
                ni = (ni + 1) & t->mask;
            }
            t->slots[ni].h = h;
            t->slots[ni].e = e;
            t->n_cached++;
        } else if (vlen) {
            memmove(e->data, val, vlen);
        }
    } else {
        e = ent_new(t, idx, h, ns, key, klen, hash, vlen);
        if (vlen) {
            memcpy(e->data, val, vlen);
        }
        t->n++;
    }
    e->vlen = vlen;
    if (t->ttl_us > 0) {
        e->access_us = slclock_now(t->clock);
    }
    dirty_mark(t, e);
    pin(s, e);
    evict(s);
    return e->data;
}

static void r_release(slkv *kv, void *val, bool dirty) {
    if (!val) {
        return;
    }
    rent *e = (rent *)(void *)((unsigned char *)val - offsetof(rent, data));
    if (e->t != (rtable *)kv) {
        return; /* not a pointer this table handed out */
    }
    if (e->magic == RENT_DEAD) {
        if (e->refs) {
            e->refs--;
        }
        return;
    }
    if (e->magic != RENT_LIVE) {
        return;
    }
    if (dirty) {
        dirty_mark(e->t, e);
    }
    unpin(e->t->s, e);
}

static bool r_remove(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash) {
    rtable *t = (rtable *)kv;
    rstate *s = t->s;
    uint64_t h = idx_hash(ns, key, klen);
    bool absent = known_absent(t, h, ns, key, klen);
    size_t idx;
    rent *e = cache_find(t, h, ns, key, klen, &idx);
    bool live;
    if (e) {
        live = !(t->ttl_us > 0 && is_expired(t, e->access_us, slclock_now(t->clock)));
        if (e->in_db) {
            slrocks_key(&s->kbuf, t->id, e->ns, e->kg, key, klen);
            slrocks_delete_raw(s, s->kbuf.data, s->kbuf.len);
        }
        ent_kill(t, e);
    } else {
        if (absent) {
            return false;
        }
        uint16_t kg = (uint16_t)slstate_key_group(hash, s->base.n_key_groups);
        slrocks_key(&s->kbuf, t->id, ns, kg, key, klen);
        size_t vl = 0;
        char *raw = slrocks_get_raw(s, s->kbuf.data, s->kbuf.len, &vl);
        if (!raw) {
            return false;
        }
        live = true;
        if (t->has_ts && vl >= 8 && t->ttl_us > 0) {
            int64_t ts;
            memcpy(&ts, raw, 8);
            live = !is_expired(t, ts, slclock_now(t->clock));
        }
        rocksdb_free(raw);
        slrocks_delete_raw(s, s->kbuf.data, s->kbuf.len);
    }
    if (!live) {
        t->expired_lazy++;
    }
    t->n--;
    return live;
}

/* ---- visits ---- */

typedef struct visit_ctx {
    rtable *t;
    slkv_visit_fn fn;
    slkv_visit_hash_fn hfn; /* instead of fn: visit_all_hash */
    void *user;
    int64_t now;
    slbuf copy; /* an aligned copy of a value that is not cached */
} visit_ctx;

/* The callback of a visit; visit_all_hash gets the key group from the entry
 * key ([u16 table][u64 ns][u16 kg], big-endian) as its hash's high half. */
static bool call_fn(visit_ctx *c, const char *k, uint64_t ns, const char *key, uint32_t klen,
                    void *val, uint32_t vlen) {
    if (c->hfn) {
        const unsigned char *p = (const unsigned char *)k + 10;
        uint64_t kg = ((uint64_t)p[0] << 8) | p[1];
        return c->hfn(ns, key, klen, kg << 32, val, vlen, c->user);
    }
    return c->fn(ns, key, klen, val, vlen, c->user);
}

static bool visit_one(const char *k, size_t kl, const char *v, size_t vl, void *user) {
    visit_ctx *c = user;
    rtable *t = c->t;
    rstate *s = t->s;
    uint64_t ns;
    const char *key;
    uint32_t klen;
    size_t off = t->has_ts ? 8 : 0;
    if (!slrocks_parse_key(k, kl, &ns, &key, &klen) || vl < off) {
        return true;
    }
    const char *val = v + off;
    uint32_t vlen = (uint32_t)(vl - off);
    rent *e = NULL;
    if (t->n_cached) {
        size_t idx;
        e = cache_find(t, idx_hash(ns, key, klen), ns, key, klen, &idx);
    }
    if (e) {
        if (is_expired(t, e->access_us, c->now)) {
            return true;
        }
        pin(s, e); /* not evicted by what the callback does to other tables */
        bool go = call_fn(c, k, ns, key, klen, e->data, e->vlen);
        if (e->magic == RENT_LIVE &&
            (e->vlen != vlen || (vlen && memcmp(e->data, val, vlen) != 0))) {
            dirty_mark(t, e);
        }
        unpin(s, e);
        return go;
    }
    int64_t ts = 0;
    if (off) {
        memcpy(&ts, v, 8);
        if (is_expired(t, ts, c->now)) {
            return true;
        }
    }
    slbuf_reset(&c->copy);
    slbuf_reserve(&c->copy, (size_t)vlen + 8);
    if (vlen) {
        memcpy(c->copy.data, val, vlen);
    }
    bool go = call_fn(c, k, ns, key, klen, c->copy.data, vlen);
    if (vlen && memcmp(c->copy.data, val, vlen) != 0) {
        /* The callback wrote through val: write the new bytes back. */
        slbuf_reset(&s->vbuf);
        if (off) {
            slbuf_put(&s->vbuf, &ts, 8);
        }
        slbuf_put(&s->vbuf, c->copy.data, vlen);
        slrocks_put_raw(s, k, kl, s->vbuf.data, s->vbuf.len);
    }
    return go;
}

static void r_visit_ns(slkv *kv, uint64_t ns, slkv_visit_fn fn, void *user) {
    rtable *t = (rtable *)kv;
    t->miss_valid = false;
    if (t->n == 0) {
        return;
    }
    flush_entries(t->s, t);
    visit_ctx c = {t, fn, NULL, user, t->ttl_us > 0 ? slclock_now(t->clock) : 0, {0}};
    slrocks_scan_ns(t->s, t->id, ns, visit_one, &c);
    slbuf_free(&c.copy);
}

static void r_visit_all(slkv *kv, slkv_visit_fn fn, void *user) {
    rtable *t = (rtable *)kv;
    t->miss_valid = false;
    if (t->n == 0) {
        return;
    }
    flush_entries(t->s, t);
    visit_ctx c = {t, fn, NULL, user, t->ttl_us > 0 ? slclock_now(t->clock) : 0, {0}};
    slrocks_scan_table(t->s, t->id, visit_one, &c);
    slbuf_free(&c.copy);
}

static void r_visit_all_hash(slkv *kv, slkv_visit_hash_fn fn, void *user) {
    rtable *t = (rtable *)kv;
    t->miss_valid = false;
    if (t->n == 0) {
        return;
    }
    flush_entries(t->s, t);
    visit_ctx c = {t, NULL, fn, user, t->ttl_us > 0 ? slclock_now(t->clock) : 0, {0}};
    slrocks_scan_table(t->s, t->id, visit_one, &c);
    slbuf_free(&c.copy);
}

/* ---- drop_ns ---- */

typedef struct drop_ctx {
    rtable *t;
    uint64_t n; /* keys in the namespace in the database */
} drop_ctx;

static bool drop_one(const char *k, size_t kl, const char *v, size_t vl, void *user) {
    SL_UNUSED(v);
    SL_UNUSED(vl);
    drop_ctx *c = user;
    rtable *t = c->t;
    uint64_t ns;
    const char *key;
    uint32_t klen;
    if (!slrocks_parse_key(k, kl, &ns, &key, &klen)) {
        return true;
    }
    c->n++;
    if (t->n_cached) {
        size_t idx;
        rent *e = cache_find(t, idx_hash(ns, key, klen), ns, key, klen, &idx);
        if (e) {
            ent_kill(t, e);
        }
    }
    if (c->n <= SMALL_DROP) {
        slrocks_delete_raw(t->s, k, kl);
    }
    return true;
}

static void r_drop_ns(slkv *kv, uint64_t ns) {
    rtable *t = (rtable *)kv;
    rstate *s = t->s;
    t->miss_valid = false;
    if (t->n == 0) {
        return;
    }
    /* Dirty entries of ns: ones not yet in the database leave the count here;
     * the others are counted by the scan. Clean cached ones are found by it. */
    rent *e = t->dirty_head;
    while (e) {
        rent *next = e->dnext;
        if (e->ns == ns) {
            if (!e->in_db) {
                t->n--;
            }
            ent_kill(t, e);
        }
        e = next;
    }
    drop_ctx c = {t, 0};
    slrocks_scan_ns(s, t->id, ns, drop_one, &c);
    if (c.n > SMALL_DROP) {
        slrocks_delete_ns_range(s, t->id, ns);
    }
    t->n -= c.n;
}

static uint64_t r_count(slkv *kv) {
    return ((rtable *)kv)->n;
}

/* ---- TTL ---- */

typedef struct ts_ctx {
    rtable *t;
    int64_t now;
} ts_ctx;

/* set_ttl on a filled table: rewrite every value with a time prefix. */
static bool add_ts_one(const char *k, size_t kl, const char *v, size_t vl, void *user) {
    ts_ctx *c = user;
    rstate *s = c->t->s;
    slbuf_reset(&s->vbuf);
    slbuf_put(&s->vbuf, &c->now, 8);
    if (vl) {
        slbuf_put(&s->vbuf, v, vl);
    }
    slrocks_put_raw(s, k, kl, s->vbuf.data, s->vbuf.len);
    return true;
}

static void r_set_ttl(slkv *kv, int64_t ttl_us, const slclock *clock) {
    rtable *t = (rtable *)kv;
    rstate *s = t->s;
    t->miss_valid = false;
    t->clock = clock;
    t->ttl_us = ttl_us > 0 ? ttl_us : 0;
    if (t->ttl_us == 0 || t->has_ts) {
        return;
    }
    int64_t now = slclock_now(clock);
    if (t->n > 0) {
        flush_entries(s, t); /* in the old layout, then converted below */
        ts_ctx c = {t, now};
        slrocks_scan_table(s, t->id, add_ts_one, &c);
    }
    t->has_ts = true;
    slrocks_write_catalog(s, t);
    for (size_t i = 0; i <= t->mask; i++) {
        if (t->slots[i].e) {
            ((rent *)t->slots[i].e)->access_us = now;
        }
    }
}

typedef struct expire_ctx {
    rtable *t;
    int64_t now;
    uint64_t budget, removed;
    bool stopped; /* the budget ran out: t->cursor holds the next key */
} expire_ctx;

static bool expire_one(const char *k, size_t kl, const char *v, size_t vl, void *user) {
    expire_ctx *c = user;
    rtable *t = c->t;
    if (c->budget == 0) {
        slbuf_reset(&t->cursor);
        slbuf_put(&t->cursor, k, kl);
        c->stopped = true;
        return false;
    }
    c->budget--;
    uint64_t ns;
    const char *key;
    uint32_t klen;
    if (!slrocks_parse_key(k, kl, &ns, &key, &klen) || vl < 8) {
        return true;
    }
    rent *e = NULL;
    if (t->n_cached) {
        size_t idx;
        e = cache_find(t, idx_hash(ns, key, klen), ns, key, klen, &idx);
    }
    int64_t ts;
    if (e) {
        ts = e->access_us;
    } else {
        memcpy(&ts, v, 8);
    }
    if (is_expired(t, ts, c->now)) {
        if (e) {
            ent_kill(t, e);
        }
        slrocks_delete_raw(t->s, k, kl);
        t->n--;
        c->removed++;
    }
    return true;
}

static uint64_t r_expire(slkv *kv, int64_t now_us, uint64_t budget) {
    rtable *t = (rtable *)kv;
    rstate *s = t->s;
    t->miss_valid = false;
    uint64_t removed = t->expired_lazy;
    t->expired_lazy = 0;
    if (t->ttl_us <= 0 || t->n == 0 || !t->has_ts) {
        return removed;
    }
    if (budget > t->n) {
        budget = t->n;
    }
    flush_entries(s, t);
    expire_ctx c = {t, now_us, budget, 0, false};
    unsigned char lo[2], hi[2];
    lo[0] = (unsigned char)(t->id >> 8);
    lo[1] = (unsigned char)t->id;
    hi[0] = (unsigned char)((t->id + 1) >> 8);
    hi[1] = (unsigned char)(t->id + 1);
    slbuf start = {0};
    if (t->cursor.len) {
        slbuf_put(&start, t->cursor.data, t->cursor.len);
        slrocks_scan(s, start.data, start.len, hi, 2, false, expire_one, &c);
    } else {
        slrocks_scan(s, lo, 2, hi, 2, false, expire_one, &c);
    }
    if (!c.stopped) {
        slbuf_reset(&t->cursor);
        if (start.len && c.budget > 0) {
            /* Wrap around: from the table's start up to where this call began. */
            slrocks_scan(s, lo, 2, start.data, start.len, false, expire_one, &c);
            if (!c.stopped) {
                slbuf_reset(&t->cursor);
            }
        }
    }
    slbuf_free(&start);
    return removed + c.removed;
}

/* ---- the backend ---- */

static slkv *r_table(slstate *st, const char *name, uint32_t val_size) {
    rstate *s = (rstate *)st;
    for (size_t i = 0; i < s->n_tables; i++) {
        if (strcmp(s->tables[i]->name, name) == 0) {
            if (s->tables[i]->kv.val_size != val_size) {
                slmem_fatal("state table reopened with another value size", val_size);
            }
            return &s->tables[i]->kv;
        }
    }
    if (s->n_tables >= 65534) {
        slmem_fatal("rocksdb state: too many tables", s->n_tables);
    }
    rtable *t = slmem_calloc(1, sizeof *t);
    t->kv.owner = st;
    t->kv.val_size = val_size;
    t->s = s;
    t->name = slmem_strdup(name);
    t->id = (uint16_t)(s->n_tables + 1);
    t->slots = slmem_calloc(INIT_SLOTS, sizeof(rslot));
    t->mask = INIT_SLOTS - 1;
    slmem_grow((void **)&s->tables, &s->cap_tables, s->n_tables + 1, sizeof(rtable *));
    s->tables[s->n_tables++] = t;
    slrocks_write_catalog(s, t);
    return &t->kv;
}

static uint64_t r_bytes(slstate *st) {
    rstate *s = (rstate *)st;
    uint64_t n = sizeof *s + s->cache_bytes + s->free_bytes;
    for (size_t i = 0; i < s->n_tables; i++) {
        n += sizeof(rtable) + (s->tables[i]->mask + 1) * sizeof(rslot);
    }
    return n + slrocks_db_bytes(s);
}

static void free_grave(rstate *s) {
    while (s->grave) {
        rent *e = s->grave;
        s->grave = e->lnext;
        ent_dealloc(s, e);
    }
}

static sl_err r_unpin_all(slstate *st) {
    rstate *s = (rstate *)st;
    for (rent *e = s->pin_head; e; e = e->lnext) {
        e->refs = 0;
    }
    if (s->pin_head) {
        /* Append the whole pinned list to the LRU. */
        s->pin_head->lprev = s->lru_tail;
        if (s->lru_tail) {
            s->lru_tail->lnext = s->pin_head;
        } else {
            s->lru_head = s->pin_head;
        }
        s->lru_tail = s->pin_tail;
        s->pin_head = s->pin_tail = NULL;
    }
    free_grave(s);
    evict(s);
    slrocks_commit(s);
    return s->err ? slerr_set(s->err, "%s", s->errmsg) : SL_OK;
}

static void r_free(slstate *st) {
    rstate *s = (rstate *)st;
    slrocks_close(s);
    for (size_t i = 0; i < s->n_tables; i++) {
        rtable *t = s->tables[i];
        for (size_t k = 0; k <= t->mask; k++) {
            slmem_free(t->slots[k].e);
        }
        slmem_free(t->slots);
        slmem_free(t->name);
        slbuf_free(&t->cursor);
        slbuf_free(&t->miss_key);
        slmem_free(t);
    }
    slmem_free(s->tables);
    while (s->grave) {
        rent *e = s->grave;
        s->grave = e->lnext;
        slmem_free(e);
    }
    for (int c = 0; c < RFREE_CLASSES; c++) {
        while (s->free_ents[c]) {
            rent *e = s->free_ents[c];
            s->free_ents[c] = e->lnext;
            slmem_free(e);
        }
    }
    slbuf_free(&s->kbuf);
    slbuf_free(&s->ebuf);
    slbuf_free(&s->vbuf);
    slmem_free(s->dir);
    slmem_free(s);
}

void slrocks_flush_all(rstate *s) {
    for (size_t i = 0; i < s->n_tables; i++) {
        flush_entries(s, s->tables[i]);
    }
    slrocks_commit(s);
}

slkv *slrocks_table(slstate *st, const char *name, uint32_t val_size) {
    return r_table(st, name, val_size);
}

const slstate_vt slrocks_vt = {
    .name = "rocksdb",
    .table = r_table,
    .get = r_get,
    .upsert = r_upsert,
    .put = r_put,
    .release = r_release,
    .remove = r_remove,
    .visit_ns = r_visit_ns,
    .visit_all = r_visit_all,
    .visit_all_hash = r_visit_all_hash,
    .drop_ns = r_drop_ns,
    .count = r_count,
    .set_ttl = r_set_ttl,
    .expire = r_expire,
    .bytes = r_bytes,
    .free = r_free,
    .unpin_all = r_unpin_all,
    .snapshot = slrocks_snapshot,
    .restore = slrocks_restore,
};
