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
 * Pointer lifetimes every backend honours (what operators may rely on):
 *   - a pointer from get/upsert/put stays valid, and keeps showing writes made
 *     through any other pointer to the same entry, until the entry is removed
 *     (remove, drop_ns, expire), a put grows a variable-size value (the entry
 *     moves), or slstate_unpin_all is called;
 *   - several pointers may be held at once, into one table or several, and
 *     other tables may be read and written while one is visited;
 *   - a visited table itself must not be changed during the visit (reads are
 *     fine; the callback may write through the `val` it is given);
 *   - the runtime calls slstate_unpin_all between elements (after each batch,
 *     watermark or timer tick has been processed), when no operator code runs:
 *     every pointer handed out before is then invalid;
 *   - bytes changed through a pointer from get are kept only if it is released
 *     with dirty = true (RocksDB); upsert and put count as writes anyway.
 * Visit order differs: memory visits in insertion order, RocksDB in key order
 * (namespace, key group, key bytes). Operators must not depend on it for
 * correctness.
 *
 * Values are plain bytes: no pointers into the heap, so they can be copied,
 * spilled and checkpointed.
 *
 * Thread: a backend instance is used only by the worker that owns the subtask
 * (it may be created and freed on the runtime's thread before and after).
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
/* The same with the entry's key hash as the backend keeps it: the memory
 * backend the full hash it was written with, RocksDB only its key group
 * ((uint64_t)kg << 32, which slstate_key_group maps back to kg). Enough to
 * split a table by key group, and to copy entries into another state of the
 * same backend. */
typedef bool (*slkv_visit_hash_fn)(uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                                   void *val, uint32_t vlen, void *user);

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
    /* visit_all with each entry's key hash (slkv_visit_hash_fn). */
    void (*visit_all_hash)(slkv *t, slkv_visit_hash_fn fn, void *user);
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
    /* Memory the state takes (memory: exact; RocksDB: an estimate of live SST
     * data + memtables + its value cache). */
    uint64_t (*bytes)(slstate *s);
    void (*free)(slstate *s);
    /* No pointer handed out by get/upsert/put is in use any more (see the
     * lifetimes above): a caching backend may write back and evict. Returns
     * an error (message set) when the backend failed since the last call (an
     * I/O error of RocksDB); the runtime then fails the job. NULL: nothing to
     * do (memory). */
    sl_err (*unpin_all)(slstate *s);

    /* ---- checkpoints (DESIGN.md section 6) ----
     * snapshot: write everything the state holds to `path`, which does not
     * exist yet: the memory backend writes one file (format in memory.c),
     * RocksDB makes a directory with RocksDB's checkpoint (SST files hard
     * linked when on the same file system, so an unchanged file is not
     * copied again). Everything is on disk and fsync'ed when it returns.
     * Errors: SL_ERR_IO naming the path (the checkpoint fails, not the job).
     * Thread: the owning worker, between elements (no pointer pinned). */
    sl_err (*snapshot)(slstate *s, const char *path);
    /* restore: add the entries of key groups [kg_lo, kg_hi) found in the
     * snapshots paths[0..n) (one per subtask of the checkpointed job, any
     * number: this is how a rescaled restore redistributes state). Tables are
     * created as needed (with the value size the snapshot says). TTL access
     * times restart at the restore. Errors: SL_ERR_IO / SL_ERR_PARSE naming
     * the path. Thread: the owning worker, before the first element. */
    sl_err (*restore)(slstate *s, const char *const *paths, int n, int kg_lo, int kg_hi);
} slstate_vt;

typedef struct slsnap_writer slsnap_writer;

struct slstate {
    const slstate_vt *vt;
    int n_key_groups;
    /* borrowed, or NULL: where a backend that snapshots into a buffer hands
     * the file to be written (snapwriter.c); NULL: it writes the file itself.
     * Set by the runtime for jobs that take checkpoints. */
    slsnap_writer *writer;
};

/* Every backend's table starts with this header. */
struct slkv {
    slstate *owner; /* borrowed */
    uint32_t val_size; /* 0 = variable-size values */
    bool ttl_on_read;  /* with TTL: reads refresh an entry too (default: writes only) */
};

/* Which backend a job's keyed operators use (option state.backend). */
typedef enum slstate_backend { SLSTATE_MEMORY = 0, SLSTATE_ROCKSDB } slstate_backend;

slstate *slstate_memory_new(int n_key_groups);

/* ---- the RocksDB backend (rocksdb.c) ----
 * One RocksDB database per operator subtask, in a directory under the job's
 * run directory (slrocks_env), created fresh and removed when freed. The
 * key layout and value cache are described in rocksdb.c. */

typedef struct slrocks_conf {
    const char *localdir;        /* borrowed: parent of the run directory (created if
                                  * missing); NULL: $TMPDIR, else /tmp */
    uint64_t block_cache_bytes;  /* shared by the job's databases; 0: 64 MiB */
    uint64_t write_buffer_bytes; /* memtable size per database; 0: 8 MiB */
    uint64_t cache_bytes;        /* decoded-value cache per instance; 0: 4 MiB */
} slrocks_conf;

/* What a job's RocksDB states share: the run directory (a fresh
 * "sluice-state-XXXXXX" under localdir) and the block cache. */
typedef struct slrocks_env slrocks_env;

/* Create the run directory. Errors: SL_ERR_IO naming the directory. */
sl_err slrocks_env_new(const slrocks_conf *conf, slrocks_env **out);
/* Remove the run directory and everything in it. Call after every state of
 * the env has been freed. NULL is a no-op. */
void slrocks_env_free(slrocks_env *env);
/* The run directory (owned by env). */
const char *slrocks_env_dir(const slrocks_env *env);
/* A RocksDB state in <run dir>/<name> (name: letters, digits, '-', '_', '.';
 * other bytes become '_'); leftovers of that name are deleted first. Errors:
 * SL_ERR_IO with RocksDB's message. `env` is borrowed and must outlive the
 * state. Thread: any, then only the owning worker. */
sl_err slstate_rocksdb_new(slrocks_env *env, const char *name, int n_key_groups, slstate **out);

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
    if (t->owner->vt->upsert_many) {
        return t->owner->vt->upsert_many(t, ns, keys, n, vals, created);
    }
    /* A backend without a batch call: one upsert per key (equal keys get the
     * same cached value from the backend). */
    uint32_t n_created = 0;
    for (uint32_t j = 0; j < n; j++) {
        bool c = false;
        vals[j] = t->owner->vt->upsert(t, ns, keys[j].key, keys[j].klen, keys[j].hash, &c);
        created[j] = c;
        n_created += c;
    }
    return n_created;
}
static inline void slkv_release_many(slkv *t, void *const *vals, uint32_t n, bool dirty) {
    if (t->owner->vt->release_many) {
        t->owner->vt->release_many(t, vals, n, dirty);
        return;
    }
    for (uint32_t j = 0; j < n; j++) {
        bool seen = false; /* release each distinct value once */
        for (uint32_t k = 0; k < j && !seen; k++) {
            seen = vals[k] == vals[j];
        }
        if (!seen) {
            t->owner->vt->release(t, vals[j], dirty);
        }
    }
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
static inline void slkv_visit_all_hash(slkv *t, slkv_visit_hash_fn fn, void *user) {
    t->owner->vt->visit_all_hash(t, fn, user);
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
static inline sl_err slstate_unpin_all(slstate *s) {
    return s->vt->unpin_all ? s->vt->unpin_all(s) : SL_OK;
}
static inline sl_err slstate_snapshot(slstate *s, const char *path) {
    return s->vt->snapshot(s, path);
}
static inline sl_err slstate_restore(slstate *s, const char *const *paths, int n, int kg_lo,
                                     int kg_hi) {
    return s->vt->restore(s, paths, n, kg_lo, kg_hi);
}

/* ---- snapshot file helpers (snapio.c) ---- */
/* Write data[0..len) to a new file `path` (O_EXCL is not used: an old file
 * is replaced) and fsync it. Errors: SL_ERR_IO naming the path. */
sl_err slsnap_write_file(const char *path, const void *data, size_t len);
/* Read the whole file `path` into out (appended). Errors: SL_ERR_IO. */
sl_err slsnap_read_file(const char *path, slbuf *out);
/* fsync a directory (so renames and new names in it are durable). */
void slsnap_sync_dir(const char *dir);
/* mkdir -p. Errors: SL_ERR_IO naming the directory. */
sl_err slsnap_mkdirs(const char *dir);
/* Remove a file or a directory tree (missing: nothing to do). */
void slsnap_remove_tree(const char *path);

/* ---- the snapshot writer (snapwriter.c) ----
 * A thread writing snapshot files in the background: a worker hands over the
 * buffer holding its state's image and goes on; the coordinator waits for
 * the writes before it commits the checkpoint. */
/* Start the thread. Errors: SL_ERR_RUNTIME. */
sl_err slsnap_writer_new(slsnap_writer **out);
/* Queue data (taken: *data is left empty) to be written to `path` and
 * fsync'ed. Returns at once. Thread: any. */
void slsnap_writer_put(slsnap_writer *w, const char *path, slbuf *data);
/* Wait until every queued write is done; returns the first error (message
 * set on this thread) since the previous wait, else SL_OK. Thread: any. */
sl_err slsnap_writer_wait(slsnap_writer *w);
/* Write what is queued, stop the thread, free. NULL: nothing. */
void slsnap_writer_free(slsnap_writer *w);

static inline void slstate_free(slstate *s) {
    if (s) {
        s->vt->free(s);
    }
}

#endif /* SL_STATE_H */
