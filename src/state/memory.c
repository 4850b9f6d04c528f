/*
 * memory.c - the in-process state backend: one hash table per named table.
 *
 * Layout. Every entry is one allocation: a header (struct ment) followed by
 *     [int64 last-access time, only in tables with TTL] [key, padded to 8] [value]
 * so a value is 8-byte aligned and never moves while the entry lives (fixed-size
 * tables hand out in-place pointers; a variable-size put that grows the value
 * reallocates the entry and re-links it). Fixed-size tables carve entries of up
 * to 1 KiB (a regular join's stored row included) from 64 KiB slabs with
 * per-size free lists, so opening and closing windows allocates nothing once
 * warm; every table takes its namespace groups from its slab too. Slab memory
 * goes back at free, without visiting entries unless some were malloc'd.
 *
 * Index. An open-addressing table with linear probing and backward-shift
 * deletion maps (ns, key) to entries. Slots keep the probe hash (the caller's
 * key hash mixed with the namespace, so one key in many windows does not pile
 * up in one probe run) and the entry pointer; lookups compare the hash before
 * touching the entry. Hot path: an existing 8-byte key (one BIGINT) in a
 * table without TTL is found without calls (m_upsert; probe8_run for a whole
 * batch in upsert_many); everything else goes through upsert_any.
 *
 * Order. Entries are on two doubly linked lists: the table's insertion order
 * (visit_all) and their namespace group's insertion order (visit_ns, drop_ns,
 * both O(entries in the namespace)). Namespace groups are found through a
 * second small open-addressing map ns -> group; a group is freed when its last
 * entry goes.
 *
 * TTL. With TTL on, each entry carries its last write (or read, if
 * ttl_on_read) time; expired entries are invisible to get and visits and are
 * treated as absent by upsert/put; expire() removes them incrementally with a
 * cursor that walks the insertion list round-robin.
 *
 * Thread: an instance belongs to the worker that owns the subtask.
 */
#include "state/state.h"

typedef struct ment ment;
typedef struct nsgrp nsgrp;

struct ment {
    ment *gprev, *gnext; /* borrowed: table insertion order */
    ment *nprev, *nnext; /* borrowed: namespace insertion order */
    nsgrp *grp;          /* borrowed: the entry's namespace group */
    uint64_t ns;
    uint64_t hash; /* the caller's key hash (key group = its high half) */
    uint32_t klen, vlen;
    uint32_t vcap; /* bytes reserved for the value */
    uint32_t kg;   /* key group, same formula as slkey_group (ops/op.h) */
    _Alignas(8) unsigned char data[];
};

struct nsgrp {
    uint64_t ns;
    ment *head, *tail; /* borrowed */
    uint64_t n;
};

typedef slslot mslot; /* e: the ment, owned */

typedef struct nsslot {
    uint64_t ns;
    nsgrp *g; /* owned; NULL = empty */
} nsslot;

/* Fixed-size tables take small entries from slabs (no malloc per entry), and
 * every table its namespace groups. */
#define SLAB_MAX_WORDS 128 /* entries up to 1 KiB (a join's stored row) */
#ifdef SL_SMALL_BUFFERS
#define SLAB_CHUNK 1024
#else
#define SLAB_CHUNK 65536
#endif
_Static_assert(SLAB_MAX_WORDS * 8 <= SLAB_CHUNK, "a slab entry fits a chunk");

typedef struct slab_chunk slab_chunk;
struct slab_chunk {
    slab_chunk *next; /* owned */
    _Alignas(16) char data[];
};

typedef struct mtable {
    slkv kv;
    char *name;      /* owned */
    mslot *slots;    /* owned */
    size_t mask;     /* slots has mask + 1 entries, a power of two */
    uint64_t n;      /* entries */
    nsslot *nss;     /* owned */
    size_t ns_mask;
    uint64_t n_ns;
    nsgrp *last_grp; /* borrowed: cache of the last group inserted into */
    ment *head, *tail; /* borrowed: insertion order (entries owned via slots) */
    ment *cursor;    /* borrowed: where expire() resumes; NULL = head */
    uint32_t koff;   /* offset of the key in data: 8 with TTL storage, else 0 */
    int64_t ttl_us;  /* 0 = no expiry */
    const slclock *clock; /* borrowed */
    uint64_t expired_lazy; /* expired entries re-created by upsert/put */
    uint64_t bytes;  /* entries + index memory */
    ment *free_ents[SLAB_MAX_WORDS + 1]; /* borrowed: free slab entries by size in words,
                                          * linked through gnext */
    nsgrp *free_grps; /* borrowed: free slab groups, linked through head */
    uint64_t n_heap;  /* entries allocated one by one (not from the slab) */
    slab_chunk *chunks; /* owned */
    char *slab_pos, *slab_end;
} mtable;

typedef struct mstate {
    slstate base;
    mtable **tables; /* owned */
    size_t n_tables, cap_tables;
} mstate;

#ifdef SL_SMALL_BUFFERS
#define INIT_SLOTS 4
#else
#define INIT_SLOTS 64
#endif

static inline size_t pad8(size_t n) {
    return (n + 7) & ~(size_t)7;
}

static inline uint64_t probe_hash(uint64_t hash, uint64_t ns) {
    return hash ^ slhash_u64(ns);
}

static inline unsigned char *ent_key(const mtable *t, ment *e) {
    return e->data + t->koff;
}

static inline unsigned char *ent_val(const mtable *t, ment *e) {
    return e->data + t->koff + pad8(e->klen);
}

static inline int64_t *ent_access(ment *e) {
    return (int64_t *)(void *)e->data;
}

static inline size_t ent_size(const mtable *t, uint32_t klen, uint32_t vcap) {
    return sizeof(ment) + t->koff + pad8(klen) + vcap;
}

static inline bool ent_expired(const mtable *t, ment *e, int64_t now_us) {
    return t->ttl_us > 0 && now_us - *ent_access(e) >= t->ttl_us;
}

/* ---- entry memory ---- */

static inline bool from_slab(const mtable *t, size_t size) {
    return t->kv.val_size > 0 && (size + 7) / 8 <= SLAB_MAX_WORDS;
}

/* `words` 8-byte words from the table's slab (free lists are the caller's). */
static void *slab_take(mtable *t, size_t words) {
    if ((size_t)(t->slab_end - t->slab_pos) < words * 8) {
        slab_chunk *c = slmem_alloc(sizeof *c + SLAB_CHUNK);
        c->next = t->chunks;
        t->chunks = c;
        t->slab_pos = c->data;
        t->slab_end = c->data + SLAB_CHUNK;
        t->bytes += sizeof *c + SLAB_CHUNK;
    }
    void *p = t->slab_pos;
    t->slab_pos += words * 8;
    return p;
}

static ment *ent_alloc(mtable *t, size_t size) {
    if (!from_slab(t, size)) {
        t->bytes += size;
        t->n_heap++;
        return slmem_alloc(size);
    }
    size_t words = (size + 7) / 8;
    ment *e = t->free_ents[words];
    if (e) {
        t->free_ents[words] = e->gnext;
        return e;
    }
    return slab_take(t, words);
}

static nsgrp *grp_alloc(mtable *t) {
    nsgrp *g = t->free_grps;
    if (g) {
        t->free_grps = (nsgrp *)(void *)g->head;
    } else {
        g = slab_take(t, (sizeof *g + 7) / 8);
    }
    memset(g, 0, sizeof *g);
    return g;
}

static void grp_dealloc(mtable *t, nsgrp *g) {
    g->head = (ment *)(void *)t->free_grps;
    t->free_grps = g;
}

static void ent_dealloc(mtable *t, ment *e, size_t size) {
    if (!from_slab(t, size)) {
        t->bytes -= size;
        t->n_heap--;
        slmem_free(e);
        return;
    }
    size_t words = (size + 7) / 8;
    e->gnext = t->free_ents[words];
    t->free_ents[words] = e;
}

/* ---- the (ns, key) index ---- */

/* Key bytes equal; the common 8-byte key (one BIGINT) without a call. */
static inline bool key_eq(const void *a, const void *b, uint32_t n) {
    if (n == 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return x == y;
    }
    return n == 0 || memcmp(a, b, n) == 0;
}

/* Find (ns, key) with probe hash h. Returns the entry or NULL; *idx receives
 * its slot or the empty slot where it would go. Inlined into its callers: it
 * is the hot path of every lookup, and as a call its register saves cost as
 * much as the probe. */
static inline __attribute__((always_inline)) ment *find(mtable *t, uint64_t h, uint64_t ns,
                                                        const void *key, uint32_t klen,
                                                        size_t *idx) {
    size_t i = (size_t)h & t->mask;
    for (;;) {
        mslot *s = &t->slots[i];
        if (!s->e) {
            *idx = i;
            return NULL;
        }
        if (s->h == h) {
            ment *e = s->e;
            if (e->ns == ns && e->klen == klen && key_eq(ent_key(t, e), key, klen)) {
                *idx = i;
                return e;
            }
        }
        i = (i + 1) & t->mask;
    }
}

/* The slot holding entry e. */
static size_t slot_of(mtable *t, ment *e) {
    return slslot_of(t->slots, t->mask, probe_hash(e->hash, e->ns), e);
}

static void slot_clear(mtable *t, size_t i) {
    slslot_clear(t->slots, t->mask, i);
}

static void index_grow(mtable *t) {
    size_t old_cap = t->mask + 1;
    t->slots = slslot_grow(t->slots, &t->mask);
    t->bytes += old_cap * sizeof(mslot);
}

/* ---- namespace groups ---- */

static nsgrp *grp_find(mtable *t, uint64_t ns, size_t *idx) {
    size_t i = (size_t)slhash_u64(ns ^ UINT64_C(0x9e3779b97f4a7c15)) & t->ns_mask;
    for (;;) {
        if (!t->nss[i].g) {
            *idx = i;
            return NULL;
        }
        if (t->nss[i].ns == ns) {
            *idx = i;
            return t->nss[i].g;
        }
        i = (i + 1) & t->ns_mask;
    }
}

static void grp_index_grow(mtable *t) {
    size_t old_cap = t->ns_mask + 1;
    nsslot *old = t->nss;
    size_t cap = old_cap * 2;
    t->nss = slmem_calloc(cap, sizeof(nsslot));
    t->ns_mask = cap - 1;
    for (size_t k = 0; k < old_cap; k++) {
        if (old[k].g) {
            size_t i;
            grp_find(t, old[k].ns, &i);
            t->nss[i] = old[k];
        }
    }
    slmem_free(old);
    t->bytes += (cap - old_cap) * sizeof(nsslot);
}

static nsgrp *grp_get(mtable *t, uint64_t ns) {
    if (t->last_grp && t->last_grp->ns == ns) {
        return t->last_grp;
    }
    size_t i;
    nsgrp *g = grp_find(t, ns, &i);
    if (!g) {
        if ((t->n_ns + 1) * 4 > (t->ns_mask + 1) * 3) {
            grp_index_grow(t);
            grp_find(t, ns, &i);
        }
        g = grp_alloc(t);
        g->ns = ns;
        t->nss[i].ns = ns;
        t->nss[i].g = g;
        t->n_ns++; /* its bytes are counted with the slab chunk */
    }
    t->last_grp = g;
    return g;
}

static void grp_remove(mtable *t, nsgrp *g) {
    size_t i;
    grp_find(t, g->ns, &i);
    /* Backward-shift deletion, as for the entry index. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & t->ns_mask;
        if (!t->nss[j].g) {
            break;
        }
        size_t home =
            (size_t)slhash_u64(t->nss[j].ns ^ UINT64_C(0x9e3779b97f4a7c15)) & t->ns_mask;
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            t->nss[i] = t->nss[j];
            i = j;
        }
    }
    t->nss[i].g = NULL;
    t->n_ns--;
    if (t->last_grp == g) {
        t->last_grp = NULL;
    }
    grp_dealloc(t, g);
}

/* ---- entry lifecycle ---- */

static ment *ent_new(mtable *t, size_t idx, uint64_t h, uint64_t ns, const void *key,
                     uint32_t klen, uint64_t hash, uint32_t vlen) {
    size_t size = ent_size(t, klen, vlen);
    ment *e = ent_alloc(t, size);
    e->ns = ns;
    e->hash = hash;
    e->klen = klen;
    e->vlen = vlen;
    e->vcap = vlen;
    e->kg = (uint32_t)slstate_key_group(hash, t->kv.owner->n_key_groups);
    if (klen) {
        memcpy(ent_key(t, e), key, klen);
    }
    if (t->koff) {
        *ent_access(e) = slclock_now(t->clock);
    }
    /* table order */
    e->gnext = NULL;
    e->gprev = t->tail;
    if (t->tail) {
        t->tail->gnext = e;
    } else {
        t->head = e;
    }
    t->tail = e;
    /* namespace order */
    nsgrp *g = grp_get(t, ns);
    e->grp = g;
    e->nnext = NULL;
    e->nprev = g->tail;
    if (g->tail) {
        g->tail->nnext = e;
    } else {
        g->head = e;
    }
    g->tail = e;
    g->n++;

    t->slots[idx].h = h;
    t->slots[idx].e = e;
    t->n++;
    return e;
}

/* Point the neighbours of `e` (just moved from `old`) and slot idx at it. */
static void ent_relink(mtable *t, const ment *old, ment *e, size_t idx) {
    t->slots[idx].e = e;
    if (e->gprev) {
        e->gprev->gnext = e;
    } else {
        t->head = e;
    }
    if (e->gnext) {
        e->gnext->gprev = e;
    } else {
        t->tail = e;
    }
    if (e->nprev) {
        e->nprev->nnext = e;
    } else {
        e->grp->head = e;
    }
    if (e->nnext) {
        e->nnext->nprev = e;
    } else {
        e->grp->tail = e;
    }
    if (t->cursor == old) {
        t->cursor = e;
    }
}

/* Unlink and free an entry whose slot has already been cleared. */
static void ent_free(mtable *t, ment *e) {
    if (t->cursor == e) {
        t->cursor = e->gnext;
    }
    if (e->gprev) {
        e->gprev->gnext = e->gnext;
    } else {
        t->head = e->gnext;
    }
    if (e->gnext) {
        e->gnext->gprev = e->gprev;
    } else {
        t->tail = e->gprev;
    }
    nsgrp *g = e->grp;
    if (e->nprev) {
        e->nprev->nnext = e->nnext;
    } else {
        g->head = e->nnext;
    }
    if (e->nnext) {
        e->nnext->nprev = e->nprev;
    } else {
        g->tail = e->nprev;
    }
    if (--g->n == 0) {
        grp_remove(t, g);
    }
    t->n--;
    ent_dealloc(t, e, ent_size(t, e->klen, e->vcap));
}

static inline void ent_touch(mtable *t, ment *e) {
    if (t->koff) {
        *ent_access(e) = slclock_now(t->clock);
    }
}

/* ---- the slkv interface ---- */

static void *m_get(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                   uint32_t *vlen) {
    mtable *t = (mtable *)kv;
    size_t idx;
    ment *e = find(t, probe_hash(hash, ns), ns, key, klen, &idx);
    if (!e) {
        return NULL;
    }
    if (t->ttl_us > 0) {
        int64_t now = slclock_now(t->clock);
        if (ent_expired(t, e, now)) {
            return NULL;
        }
        if (kv->ttl_on_read) {
            *ent_access(e) = now;
        }
    }
    if (vlen) {
        *vlen = e->vlen;
    }
    return ent_val(t, e);
}

/* Upsert without shortcuts. */
static __attribute__((noinline)) void *upsert_any(mtable *t, uint64_t ns, const void *key,
                                                   uint32_t klen, uint64_t hash, bool *created) {
    uint64_t h = probe_hash(hash, ns);
    size_t idx;
    ment *e = find(t, h, ns, key, klen, &idx);
    if (e) {
        bool fresh = false;
        if (t->ttl_us > 0) {
            int64_t now = slclock_now(t->clock);
            if (ent_expired(t, e, now)) {
                memset(ent_val(t, e), 0, e->vlen);
                t->expired_lazy++;
                fresh = true;
            }
            *ent_access(e) = now;
        }
        if (created) {
            *created = fresh;
        }
        return ent_val(t, e);
    }
    if ((t->n + 1) * 4 > (t->mask + 1) * 3) {
        index_grow(t);
        find(t, h, ns, key, klen, &idx);
    }
    e = ent_new(t, idx, h, ns, key, klen, hash, t->kv.val_size);
    memset(ent_val(t, e), 0, e->vlen);
    if (created) {
        *created = true;
    }
    return ent_val(t, e);
}

/* The common case, an existing 8-byte key (one BIGINT) in a table without
 * TTL, is probed here without calls, so it needs no register saves; all
 * else goes to upsert_any (a tail call). */
static void *m_upsert(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                      bool *created) {
    mtable *t = (mtable *)kv;
    if (klen != 8 || t->ttl_us > 0) {
        return upsert_any(t, ns, key, klen, hash, created);
    }
    uint64_t h = probe_hash(hash, ns);
    uint64_t k8;
    memcpy(&k8, key, 8);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        const mslot *s = &t->slots[i];
        ment *e = s->e;
        if (!e) {
            return upsert_any(t, ns, key, klen, hash, created);
        }
        if (s->h == h && e->ns == ns && e->klen == 8) {
            uint64_t x;
            memcpy(&x, ent_key(t, e), 8);
            if (x == k8) {
                if (created) {
                    *created = false;
                }
                return ent_val(t, e);
            }
        }
        i = (i + 1) & t->mask;
    }
}

/* upsert_many's common case: look up existing 8-byte keys keys[j], j = from,
 * from + 1, ... (m_upsert's probe, with the namespace mixed once) and store
 * their values in vals[j]. Stops at the first key that is not 8 bytes or not
 * there; returns its index (n if none). No calls, few live values: the loop
 * keeps everything in registers. */
static __attribute__((noinline)) uint32_t probe8_run(const mtable *t, uint64_t ns, uint64_t ns_mix, const slkv_key *keys,
                           uint32_t from, uint32_t n, void **vals) {
    const mslot *slots = t->slots;
    size_t mask = t->mask;
    size_t koff = t->koff;
    uint32_t j = from;
    for (; j < n; j++) {
        const slkv_key *k = &keys[j];
        if (k->klen != 8) {
            break;
        }
        uint64_t h = k->hash ^ ns_mix;
        uint64_t k8;
        memcpy(&k8, k->key, 8);
        size_t i = (size_t)h & mask;
        ment *e;
        while ((e = slots[i].e) != NULL) {
            if (slots[i].h == h && e->ns == ns && e->klen == 8) {
                uint64_t x;
                memcpy(&x, e->data + koff, 8);
                if (x == k8) {
                    break;
                }
            }
            i = (i + 1) & mask;
        }
        if (!e) {
            break;
        }
        vals[j] = e->data + koff + 8;
    }
    return j;
}

static uint32_t m_upsert_many(slkv *kv, uint64_t ns, const slkv_key *keys, uint32_t n,
                              void **vals, uint8_t *created) {
    mtable *t = (mtable *)kv;
    uint64_t ns_mix = slhash_u64(ns);
    uint32_t n_created = 0;
    memset(created, 0, n);
    for (uint32_t j = 0; j < n; j++) {
        if (t->ttl_us <= 0) {
            j = probe8_run(t, ns, ns_mix, keys, j, n, vals);
            if (j == n) {
                break;
            }
        }
        const slkv_key *k = &keys[j];
        bool c = false;
        vals[j] = upsert_any(t, ns, k->key, k->klen, k->hash, &c);
        created[j] = c;
        n_created += c;
    }
    return n_created;
}

static void m_release_many(slkv *kv, void *const *vals, uint32_t n, bool dirty) {
    /* Values live in place: nothing to write back. */
    SL_UNUSED(kv);
    SL_UNUSED(vals);
    SL_UNUSED(n);
    SL_UNUSED(dirty);
}

static void *m_put(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                   const void *val, uint32_t vlen) {
    mtable *t = (mtable *)kv;
    if (kv->val_size > 0 && vlen != kv->val_size) {
        slmem_fatal("state put with a value of the wrong size", vlen);
    }
    uint64_t h = probe_hash(hash, ns);
    size_t idx;
    ment *e = find(t, h, ns, key, klen, &idx);
    if (e) {
        if (t->ttl_us > 0 && ent_expired(t, e, slclock_now(t->clock))) {
            t->expired_lazy++;
        }
        if (vlen > e->vcap) {
            /* Only variable-size tables get here: their entries are malloc'd. */
            ment *old = e;
            size_t old_size = ent_size(t, e->klen, e->vcap);
            size_t size = ent_size(t, e->klen, vlen);
            e = slmem_realloc(e, size);
            e->vcap = vlen;
            t->bytes += size - old_size;
            ent_relink(t, old, e, idx);
        }
        ent_touch(t, e);
    } else {
        if ((t->n + 1) * 4 > (t->mask + 1) * 3) {
            index_grow(t);
            find(t, h, ns, key, klen, &idx);
        }
        e = ent_new(t, idx, h, ns, key, klen, hash, vlen);
    }
    e->vlen = vlen;
    if (vlen) {
        memmove(ent_val(t, e), val, vlen);
    }
    return ent_val(t, e);
}

static void m_release(slkv *kv, void *val, bool dirty) {
    /* Values live in place: nothing to write back. */
    SL_UNUSED(kv);
    SL_UNUSED(val);
    SL_UNUSED(dirty);
}

static bool m_remove(slkv *kv, uint64_t ns, const void *key, uint32_t klen, uint64_t hash) {
    mtable *t = (mtable *)kv;
    size_t idx;
    ment *e = find(t, probe_hash(hash, ns), ns, key, klen, &idx);
    if (!e) {
        return false;
    }
    bool live = !(t->ttl_us > 0 && ent_expired(t, e, slclock_now(t->clock)));
    if (!live) {
        t->expired_lazy++;
    }
    slot_clear(t, idx);
    ent_free(t, e);
    return live;
}

static void m_visit_ns(slkv *kv, uint64_t ns, slkv_visit_fn fn, void *user) {
    mtable *t = (mtable *)kv;
    size_t i;
    nsgrp *g = grp_find(t, ns, &i);
    if (!g) {
        return;
    }
    int64_t now = t->ttl_us > 0 ? slclock_now(t->clock) : 0;
    for (ment *e = g->head; e; e = e->nnext) {
        if (ent_expired(t, e, now)) {
            continue;
        }
        if (!fn(e->ns, ent_key(t, e), e->klen, ent_val(t, e), e->vlen, user)) {
            return;
        }
    }
}

static void m_visit_all(slkv *kv, slkv_visit_fn fn, void *user) {
    mtable *t = (mtable *)kv;
    int64_t now = t->ttl_us > 0 ? slclock_now(t->clock) : 0;
    for (ment *e = t->head; e; e = e->gnext) {
        if (ent_expired(t, e, now)) {
            continue;
        }
        if (!fn(e->ns, ent_key(t, e), e->klen, ent_val(t, e), e->vlen, user)) {
            return;
        }
    }
}

static void m_visit_all_hash(slkv *kv, slkv_visit_hash_fn fn, void *user) {
    mtable *t = (mtable *)kv;
    int64_t now = t->ttl_us > 0 ? slclock_now(t->clock) : 0;
    for (ment *e = t->head; e; e = e->gnext) {
        if (ent_expired(t, e, now)) {
            continue;
        }
        if (!fn(e->ns, ent_key(t, e), e->klen, e->hash, ent_val(t, e), e->vlen, user)) {
            return;
        }
    }
}

static void m_drop_ns(slkv *kv, uint64_t ns) {
    mtable *t = (mtable *)kv;
    size_t i;
    nsgrp *g = grp_find(t, ns, &i);
    if (!g) {
        return;
    }
    /* ent_free releases the group together with its last entry. */
    ment *e = g->head;
    while (e) {
        ment *next = e->nnext;
        slot_clear(t, slot_of(t, e));
        ent_free(t, e);
        e = next;
    }
}

static uint64_t m_count(slkv *kv) {
    return ((mtable *)kv)->n;
}

static void m_set_ttl(slkv *kv, int64_t ttl_us, const slclock *clock) {
    mtable *t = (mtable *)kv;
    t->clock = clock;
    t->ttl_us = ttl_us > 0 ? ttl_us : 0;
    if (t->ttl_us == 0 || t->koff) {
        return;
    }
    /* Add access-time storage to entries that exist already (normally none:
     * tables get their TTL right after creation). */
    int64_t now = slclock_now(clock);
    t->koff = 8;
    for (ment *e = t->head; e;) {
        size_t idx = slot_of(t, e);
        size_t old_size = sizeof(ment) + pad8(e->klen) + e->vcap;
        ment *old = e;
        e = ent_alloc(t, old_size + 8);
        memcpy(e, old, sizeof(ment));
        memcpy(e->data + 8, old->data, old_size - sizeof(ment));
        *ent_access(e) = now;
        ent_relink(t, old, e, idx);
        t->koff = 0; /* old was laid out without the access time */
        ent_dealloc(t, old, old_size);
        t->koff = 8;
        e = e->gnext;
    }
}

static uint64_t m_expire(slkv *kv, int64_t now_us, uint64_t budget) {
    mtable *t = (mtable *)kv;
    uint64_t removed = t->expired_lazy;
    t->expired_lazy = 0;
    if (t->ttl_us <= 0 || t->n == 0) {
        return removed;
    }
    if (budget > t->n) {
        budget = t->n;
    }
    ment *e = t->cursor ? t->cursor : t->head;
    while (budget-- > 0 && e) {
        ment *next = e->gnext ? e->gnext : t->head;
        if (ent_expired(t, e, now_us)) {
            if (next == e) {
                next = NULL;
            }
            slot_clear(t, slot_of(t, e));
            ent_free(t, e);
            removed++;
        }
        e = next;
    }
    t->cursor = e;
    return removed;
}

/* ---- the backend ---- */

static slkv *m_table(slstate *s, const char *name, uint32_t val_size) {
    mstate *m = (mstate *)s;
    for (size_t i = 0; i < m->n_tables; i++) {
        if (strcmp(m->tables[i]->name, name) == 0) {
            if (m->tables[i]->kv.val_size != val_size) {
                slmem_fatal("state table reopened with another value size", val_size);
            }
            return &m->tables[i]->kv;
        }
    }
    mtable *t = slmem_calloc(1, sizeof *t);
    t->kv.owner = s;
    t->kv.val_size = val_size;
    t->name = slmem_strdup(name);
    t->slots = slmem_calloc(INIT_SLOTS, sizeof(mslot));
    t->mask = INIT_SLOTS - 1;
    t->nss = slmem_calloc(INIT_SLOTS, sizeof(nsslot));
    t->ns_mask = INIT_SLOTS - 1;
    t->bytes = sizeof *t + INIT_SLOTS * (sizeof(mslot) + sizeof(nsslot));
    slmem_grow((void **)&m->tables, &m->cap_tables, m->n_tables + 1, sizeof(mtable *));
    m->tables[m->n_tables++] = t;
    return &t->kv;
}

static uint64_t m_bytes(slstate *s) {
    mstate *m = (mstate *)s;
    uint64_t n = sizeof *m;
    for (size_t i = 0; i < m->n_tables; i++) {
        n += m->tables[i]->bytes;
    }
    return n;
}

static void table_free(mtable *t) {
    for (ment *e = t->n_heap ? t->head : NULL; e;) {
        ment *next = e->gnext;
        if (!from_slab(t, ent_size(t, e->klen, e->vcap))) {
            slmem_free(e);
        }
        e = next;
    }
    for (slab_chunk *c = t->chunks; c;) {
        slab_chunk *next = c->next;
        slmem_free(c);
        c = next;
    }
    slmem_free(t->nss); /* the groups live in the slab chunks */
    slmem_free(t->slots);
    slmem_free(t->name);
    slmem_free(t);
}

static void m_free(slstate *s) {
    mstate *m = (mstate *)s;
    for (size_t i = 0; i < m->n_tables; i++) {
        table_free(m->tables[i]);
    }
    slmem_free(m->tables);
    slmem_free(m);
}

/* ---- snapshots ----
 * File format, version 1 (integers in host byte order: state is not portable
 * across architectures):
 *   header  "SLMS" [u32 version = 1][u32 n_key_groups][u32 n_tables]
 *   table   [u32 name length][name][u32 val_size][u64 n_entries] then entries
 *   entry   [u64 ns][u64 hash][u32 klen][u32 vlen][key][value]
 * The key group of an entry is slstate_key_group(hash). The checksum of the
 * whole file is kept by the checkpoint's metadata. The copy is made into one
 * buffer first (a consistent image), then written and fsync'ed: by the
 * snapshot writer thread when s->writer is set (the worker pauses only for
 * the copy), else here. */

#define SNAP_MAGIC "SLMS"
#define SNAP_VERSION 1u

static void put_u32(slbuf *b, uint32_t v) {
    slbuf_put(b, &v, sizeof v);
}

static void put_u64(slbuf *b, uint64_t v) {
    slbuf_put(b, &v, sizeof v);
}

static sl_err m_snapshot(slstate *s, const char *path) {
    mstate *m = (mstate *)s;
    slbuf b = {0};
    slbuf_put(&b, SNAP_MAGIC, 4);
    put_u32(&b, SNAP_VERSION);
    put_u32(&b, (uint32_t)s->n_key_groups);
    put_u32(&b, (uint32_t)m->n_tables);
    for (size_t i = 0; i < m->n_tables; i++) {
        mtable *t = m->tables[i];
        put_u32(&b, (uint32_t)strlen(t->name));
        slbuf_puts(&b, t->name);
        put_u32(&b, t->kv.val_size);
        put_u64(&b, t->n);
        for (ment *e = t->head; e; e = e->gnext) {
            put_u64(&b, e->ns);
            put_u64(&b, e->hash);
            put_u32(&b, e->klen);
            put_u32(&b, e->vlen);
            slbuf_put(&b, ent_key(t, e), e->klen);
            slbuf_put(&b, ent_val(t, e), e->vlen);
        }
    }
    if (s->writer) { /* the write and fsync happen on the writer thread */
        slsnap_writer_put(s->writer, path, &b);
        return SL_OK;
    }
    sl_err err = slsnap_write_file(path, b.data, b.len);
    slbuf_free(&b);
    return err;
}

typedef struct rd {
    const char *p, *end;
} rd;

static bool rd_take(rd *r, void *out, size_t n) {
    if ((size_t)(r->end - r->p) < n) {
        return false;
    }
    memcpy(out, r->p, n);
    r->p += n;
    return true;
}

static const char *rd_skip(rd *r, size_t n) {
    if ((size_t)(r->end - r->p) < n) {
        return NULL;
    }
    const char *at = r->p;
    r->p += n;
    return at;
}

static sl_err restore_one(mstate *m, const char *path, const slbuf *f, int kg_lo, int kg_hi) {
    rd r = {f->data, f->data + f->len};
    char magic[4];
    uint32_t version, n_kg, n_tables;
    if (!rd_take(&r, magic, 4) || memcmp(magic, SNAP_MAGIC, 4) != 0 ||
        !rd_take(&r, &version, 4) || !rd_take(&r, &n_kg, 4) || !rd_take(&r, &n_tables, 4)) {
        return slerr_set(SL_ERR_PARSE, "state snapshot '%s': not a memory state snapshot", path);
    }
    if (version != SNAP_VERSION) {
        return slerr_set(SL_ERR_PARSE, "state snapshot '%s': format version %u (this build reads %u)",
                         path, version, SNAP_VERSION);
    }
    if ((int)n_kg != m->base.n_key_groups) {
        return slerr_set(SL_ERR_ARG,
                         "state snapshot '%s': taken with %u key groups, the job has %d "
                         "(pipeline.max-parallelism must not change)",
                         path, n_kg, m->base.n_key_groups);
    }
    char name[1024];
    for (uint32_t i = 0; i < n_tables; i++) {
        uint32_t nlen, val_size;
        uint64_t n;
        if (!rd_take(&r, &nlen, 4) || nlen >= sizeof name || !rd_take(&r, name, nlen)) {
            goto bad;
        }
        name[nlen] = '\0';
        if (!rd_take(&r, &val_size, 4) || !rd_take(&r, &n, 8)) {
            goto bad;
        }
        slkv *kv = m_table(&m->base, name, val_size);
        for (uint64_t k = 0; k < n; k++) {
            uint64_t ns, hash;
            uint32_t klen, vlen;
            if (!rd_take(&r, &ns, 8) || !rd_take(&r, &hash, 8) || !rd_take(&r, &klen, 4) ||
                !rd_take(&r, &vlen, 4)) {
                goto bad;
            }
            const char *key = rd_skip(&r, klen);
            const char *val = rd_skip(&r, vlen);
            if (!key || !val || (val_size && vlen != val_size)) {
                goto bad;
            }
            int kg = slstate_key_group(hash, m->base.n_key_groups);
            if (kg >= kg_lo && kg < kg_hi) {
                m_put(kv, ns, key, klen, hash, val, vlen);
            }
        }
    }
    if (r.p != r.end) {
        goto bad;
    }
    return SL_OK;
bad:
    return slerr_set(SL_ERR_PARSE, "state snapshot '%s': truncated or corrupt", path);
}

static sl_err m_restore(slstate *s, const char *const *paths, int n, int kg_lo, int kg_hi) {
    mstate *m = (mstate *)s;
    sl_err err = SL_OK;
    slbuf f = {0};
    for (int i = 0; i < n && !err; i++) {
        slbuf_reset(&f);
        err = slsnap_read_file(paths[i], &f);
        if (!err) {
            err = restore_one(m, paths[i], &f, kg_lo, kg_hi);
        }
    }
    slbuf_free(&f);
    return err;
}

static const slstate_vt memory_vt = {
    .name = "memory",
    .table = m_table,
    .get = m_get,
    .upsert = m_upsert,
    .put = m_put,
    .release = m_release,
    .upsert_many = m_upsert_many,
    .release_many = m_release_many,
    .remove = m_remove,
    .visit_ns = m_visit_ns,
    .visit_all = m_visit_all,
    .visit_all_hash = m_visit_all_hash,
    .drop_ns = m_drop_ns,
    .count = m_count,
    .set_ttl = m_set_ttl,
    .expire = m_expire,
    .bytes = m_bytes,
    .free = m_free,
    .snapshot = m_snapshot,
    .restore = m_restore,
};

slstate *slstate_memory_new(int n_key_groups) {
    mstate *m = slmem_calloc(1, sizeof *m);
    m->base.vt = &memory_vt;
    m->base.n_key_groups = n_key_groups > 0 ? n_key_groups : 1;
    return &m->base;
}
