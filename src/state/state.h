/*
 * state.h - the keyed state backend interface.
 *
 * A backend instance (slstate) holds the state of one operator subtask. It has
 * named tables (slkv); a table maps (namespace, key) to a value. The key is
 * bytes (an encoded row key, see slkey_encode); the namespace is a uint64 (a
 * window's end or slice, a timer domain, 0 for plain per-key state); `kg` is
 * the key group of the key, so snapshots can be split by key group when a job
 * is restored with another parallelism.
 *
 * Tables with a fixed value size (val_size > 0) support slkv_upsert, which
 * returns a pointer to the value in place: for the memory backend that pointer
 * stays valid until the entry is removed or the table is dropped; a backend
 * that stores bytes elsewhere (RocksDB) hands out a cached copy and writes it
 * back at slkv_release. Operators therefore always pair upsert/get with
 * release when they have changed the bytes.
 *
 * Values are plain bytes: no pointers into the heap, so they can be copied,
 * spilled and checkpointed.
 *
 * Thread: a backend instance is used only by the worker that owns the subtask.
 */
#ifndef SL_STATE_H
#define SL_STATE_H

#include "base/base.h"

typedef struct slstate slstate;
typedef struct slkv slkv;

/* A key as the batch calls see it: its bytes and its hash (see slkey_encode). */
typedef struct slkv_key {
    const void *key; /* borrowed */
    uint32_t klen;
    uint64_t hash;
} slkv_key;

/* Callback for iteration; return false to stop. The pointers are valid for
 * the duration of the call only. */
typedef bool (*slkv_visit_fn)(uint64_t ns, const void *key, uint32_t klen, void *val,
                              uint32_t vlen, void *user);

typedef struct slstate_vt {
    const char *name;
    slkv *(*table)(slstate *s, const char *name, uint32_t val_size);
    void *(*get)(slkv *t, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                 uint32_t *vlen);
    void *(*upsert)(slkv *t, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                    bool *created);
    void *(*put)(slkv *t, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                 const void *val, uint32_t vlen);
    void (*release)(slkv *t, void *val, bool dirty);
    /* Batch forms of upsert and release (fixed-size tables): see
     * slkv_upsert_many. */
    uint32_t (*upsert_many)(slkv *t, uint64_t ns, const slkv_key *keys, uint32_t n,
                            void **vals, uint8_t *created);
    void (*release_many)(slkv *t, void *const *vals, uint32_t n, bool dirty);
    bool (*remove)(slkv *t, uint64_t ns, const void *key, uint32_t klen, uint64_t hash);
    void (*visit_ns)(slkv *t, uint64_t ns, slkv_visit_fn fn, void *user);
    void (*visit_all)(slkv *t, slkv_visit_fn fn, void *user);
    void (*drop_ns)(slkv *t, uint64_t ns);
    uint64_t (*count)(slkv *t);
    /* State TTL (Flink's table.exec.state.ttl): an entry not written (nor read,
     * when t->ttl_on_read) for ttl_us expires. get never returns an expired
     * entry; upsert/put treat it as absent. ttl_us <= 0 disables. Call before
     * the first insertion into the table. `clock` is borrowed and must outlive
     * the table. */
    void (*set_ttl)(slkv *t, int64_t ttl_us, const slclock *clock);
    /* Incremental cleanup: examine at most `budget` entries and remove the
     * expired ones. Returns the number of entries removed (including expired
     * entries that upsert/put re-created since the last call). */
    uint64_t (*expire)(slkv *t, int64_t now_us, uint64_t budget);
    uint64_t (*bytes)(slstate *s);
    void (*free)(slstate *s);
} slstate_vt;

struct slstate {
    const slstate_vt *vt;
    int n_key_groups;
};

/* Every backend's table starts with this header. */
struct slkv {
    slstate *owner; /* borrowed */
    uint32_t val_size; /* 0 = variable-size values */
    bool ttl_on_read;  /* with TTL: reads refresh an entry too (default: writes only) */
};

slstate *slstate_memory_new(int n_key_groups);

/* Thin inline wrappers so call sites read well. */
static inline slkv *slstate_table(slstate *s, const char *name, uint32_t val_size) {
    return s->vt->table(s, name, val_size);
}
static inline void *slkv_get(slkv *t, uint64_t ns, const void *key, uint32_t klen,
                             uint64_t hash, uint32_t *vlen) {
    return t->owner->vt->get(t, ns, key, klen, hash, vlen);
}
static inline void *slkv_upsert(slkv *t, uint64_t ns, const void *key, uint32_t klen,
                                uint64_t hash, bool *created) {
    return t->owner->vt->upsert(t, ns, key, klen, hash, created);
}
static inline void *slkv_put(slkv *t, uint64_t ns, const void *key, uint32_t klen,
                             uint64_t hash, const void *val, uint32_t vlen) {
    return t->owner->vt->put(t, ns, key, klen, hash, val, vlen);
}
static inline void slkv_release(slkv *t, void *val, bool dirty) {
    t->owner->vt->release(t, val, dirty);
}
/*
 * Upsert the n entries (ns, keys[j]) of a fixed-size table at once, as n
 * slkv_upsert calls in order would: vals[j] receives entry j's value, and
 * created[j] is 1 when the entry was new (zeroed), else 0. Equal keys get the
 * same pointer (created is 1 only at the first). Returns the number of entries
 * created. The pointers stay valid until
 * slkv_release_many(t, vals, n, dirty), which must come before any other call
 * on t. For the hot path of operators that aggregate whole batches: one call
 * per batch instead of two per row.
 */
static inline uint32_t slkv_upsert_many(slkv *t, uint64_t ns, const slkv_key *keys,
                                        uint32_t n, void **vals, uint8_t *created) {
    return t->owner->vt->upsert_many(t, ns, keys, n, vals, created);
}
static inline void slkv_release_many(slkv *t, void *const *vals, uint32_t n, bool dirty) {
    t->owner->vt->release_many(t, vals, n, dirty);
}
static inline bool slkv_remove(slkv *t, uint64_t ns, const void *key, uint32_t klen,
                               uint64_t hash) {
    return t->owner->vt->remove(t, ns, key, klen, hash);
}
static inline void slkv_visit_ns(slkv *t, uint64_t ns, slkv_visit_fn fn, void *user) {
    t->owner->vt->visit_ns(t, ns, fn, user);
}
static inline void slkv_visit_all(slkv *t, slkv_visit_fn fn, void *user) {
    t->owner->vt->visit_all(t, fn, user);
}
static inline void slkv_drop_ns(slkv *t, uint64_t ns) {
    t->owner->vt->drop_ns(t, ns);
}
static inline uint64_t slkv_count(slkv *t) {
    return t->owner->vt->count(t);
}
static inline void slkv_set_ttl(slkv *t, int64_t ttl_us, const slclock *clock) {
    t->owner->vt->set_ttl(t, ttl_us, clock);
}
static inline uint64_t slkv_expire(slkv *t, int64_t now_us, uint64_t budget) {
    return t->owner->vt->expire(t, now_us, budget);
}
static inline uint64_t slstate_bytes(slstate *s) {
    return s->vt->bytes(s);
}
/* The key group of a key hash. Must agree with slkey_group in ops/op.h (state
 * sits below ops, so the formula is repeated here). */
static inline int slstate_key_group(uint64_t hash, int n_key_groups) {
    return (int)((hash >> 32) % (uint64_t)n_key_groups);
}
static inline void slstate_free(slstate *s) {
    if (s) {
        s->vt->free(s);
    }
}

#endif /* SL_STATE_H */
