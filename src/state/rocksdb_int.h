/*
 * rocksdb_int.h - private structures of the RocksDB state backend, shared by
 * rocksdb.c (database, encoding, env) and rocksdb_kv.c (the slkv operations
 * and the value cache). Only src/state/rocksdb*.c include this.
 *
 * The value cache. Operators get pointers to values (state.h), so each entry
 * they touch is decoded into a cache entry (rent) that lives in the instance's
 * memory: [header][value: vcap bytes padded to 8][key bytes]. A pointer
 * handed out is the entry's value; release finds the header just before it.
 * An entry is
 *   pinned    refs > 0: handed out since the last unpin_all and not released
 *             as often; never evicted; on the instance's pinned list
 *   unpinned  refs == 0: on the LRU list, may be evicted (written first if
 *             dirty) when the cache is over its byte budget
 *   dirty     the value or access time differs from the database (or the key
 *             is not there yet); on its table's dirty list
 *   in_db     the database may hold the key (a remove must delete it there)
 *   dead      removed, or moved by a put that grew it, while pinned: kept on
 *             the graveyard until unpin_all so a late slkv_release finds a
 *             valid header (marked dead, ignored); unpinned entries are freed
 *             at once
 * The cache is authoritative: a database read happens only on a miss, and
 * every dirty entry of a table is written before that table is iterated.
 * Pinned entries stay dirty after being written (their holder may still write
 * through the pointer) and are written again when evicted.
 */
#ifndef SL_ROCKSDB_INT_H
#define SL_ROCKSDB_INT_H

#include <rocksdb/c.h>

#include "state/state.h"

#define FORMAT_VERSION 1
#define KEY_HDR 12 /* table id u16, namespace u64, key group u16 */
#define RENT_LIVE 0x534c5245u
#define RENT_DEAD 0x44454144u

typedef struct rent rent;
typedef struct rtable rtable;
typedef struct rstate rstate;

struct rent {
    uint32_t magic;      /* RENT_LIVE or RENT_DEAD */
    uint32_t refs;       /* pointers handed out and not released since the last unpin_all */
    rtable *t;           /* borrowed */
    rent *lprev, *lnext; /* borrowed: the LRU list (refs == 0) or the pinned list;
                          * dead entries: the graveyard, through lnext */
    rent *dprev, *dnext; /* borrowed: the table's dirty list */
    uint64_t ns;
    uint64_t h;        /* index hash of (ns, key bytes) */
    int64_t access_us; /* last write (or read, ttl_on_read); used when the table has TTL */
    uint32_t klen, vlen, vcap;
    uint16_t kg;
    bool dirty, in_db;
    _Alignas(8) unsigned char data[]; /* value (vcap, padded to 8), then key */
};

typedef slslot rslot; /* e: the rent, borrowed (entries are owned by the state) */

struct rtable {
    slkv kv;
    rstate *s;  /* borrowed: kv.owner */
    char *name; /* owned */
    uint16_t id;
    bool has_ts; /* database values start with the 8-byte access time */
    int64_t ttl_us;
    const slclock *clock; /* borrowed */
    uint64_t n;           /* entries, exact (expired ones count until removed) */
    uint64_t expired_lazy;
    rslot *slots; /* owned: cache index, open addressing */
    size_t mask;
    uint64_t n_cached;
    rent *dirty_head; /* borrowed */
    slbuf cursor;     /* expire: the key where the next call starts (empty: table start) */
    /* A lookup that found nothing, remembered until the next operation on
     * this table, so a get-then-put does not read the database twice. */
    bool miss_valid;
    uint64_t miss_h, miss_ns;
    slbuf miss_key;
};

#define RFREE_CLASSES 64 /* free lists for entries of up to 64 * 16 bytes */

struct rstate {
    slstate base;
    char *dir;                                  /* owned: this database's directory */
    rocksdb_t *db;                              /* owned */
    rocksdb_options_t *opts;                    /* owned */
    rocksdb_block_based_table_options_t *topts; /* owned */
    rocksdb_writeoptions_t *wo;                 /* owned */
    rocksdb_readoptions_t *ro;                  /* owned: point reads */
    rocksdb_writebatch_t *batch;                /* owned: pending writes */
    size_t batch_ops;
    rtable **tables; /* owned */
    size_t n_tables, cap_tables;
    rent *lru_head, *lru_tail;       /* borrowed: unpinned entries, least recent first */
    rent *pin_head, *pin_tail;       /* borrowed: pinned entries */
    rent *grave;                     /* owned: dead pinned entries */
    rent *free_ents[RFREE_CLASSES];  /* owned: recycled entry memory by size class */
    uint64_t cache_bytes, cache_max; /* live entries' memory, and its budget */
    uint64_t free_bytes;             /* memory on the free lists */
    slbuf kbuf;                      /* scratch: the key of the current operation */
    slbuf ebuf;                      /* scratch: keys of entries being written */
    slbuf vbuf;                      /* scratch: values being written */
    sl_err err;                      /* first RocksDB failure */
    char errmsg[512];
};

static inline size_t rent_pad8(size_t n) {
    return (n + 7) & ~(size_t)7;
}

static inline unsigned char *rent_key(rent *e) {
    return e->data + rent_pad8(e->vcap);
}

extern const slstate_vt slrocks_vt;

/* rocksdb.c */
typedef bool (*slrocks_scan_fn)(const char *k, size_t klen, const char *v, size_t vlen, void *user);
void slrocks_fail(rstate *s, const char *what, char *rerr);
void slrocks_key(slbuf *b, uint16_t tid, uint64_t ns, uint16_t kg, const void *key, uint32_t klen);
bool slrocks_parse_key(const char *k, size_t kl, uint64_t *ns, const char **key, uint32_t *klen);
void slrocks_commit(rstate *s);
void slrocks_put_raw(rstate *s, const void *k, size_t klen, const void *v, size_t vlen);
void slrocks_delete_raw(rstate *s, const void *k, size_t klen);
void slrocks_write_entry(rstate *s, rent *e);
/* The value of key k (malloc'd by RocksDB: rocksdb_free), or NULL. Commits
 * pending writes first. */
char *slrocks_get_raw(rstate *s, const void *k, size_t klen, size_t *vlen);
void slrocks_scan(rstate *s, const void *lo, size_t lolen, const void *hi, size_t hilen,
                  bool prefix, slrocks_scan_fn fn, void *user);
void slrocks_scan_table(rstate *s, uint16_t tid, slrocks_scan_fn fn, void *user);
void slrocks_scan_ns(rstate *s, uint16_t tid, uint64_t ns, slrocks_scan_fn fn, void *user);
void slrocks_delete_ns_range(rstate *s, uint16_t tid, uint64_t ns);
void slrocks_write_catalog(rstate *s, const rtable *t);
uint64_t slrocks_db_bytes(rstate *s);
/* rocksdb_kv.c: write every dirty cache entry and commit. */
void slrocks_flush_all(rstate *s);
slkv *slrocks_table(slstate *st, const char *name, uint32_t val_size);
/* rocksdb_snap.c: the snapshot and restore of slstate_vt. */
sl_err slrocks_snapshot(slstate *st, const char *path);
sl_err slrocks_restore(slstate *st, const char *const *paths, int n, int kg_lo, int kg_hi);
/* Close the database and delete its directory. */
void slrocks_close(rstate *s);

#endif /* SL_ROCKSDB_INT_H */
