/*
 * rocksdb.c - the RocksDB state backend: keyed state larger than memory, in
 * one embedded RocksDB database per operator subtask (the slstate_vt of
 * state.h; the value cache it hands pointers into is rocksdb_cache.c).
 *
 * One database per subtask, not one per job with a column family per
 * subtask: subtasks run on different worker threads and never share keys, so
 * separate databases share no memtable, write queue or mutex; a checkpoint
 * (later) is one RocksDB checkpoint per subtask, taken by the worker that owns
 * it at its barrier without coordinating with other threads; rescaling reads
 * whole databases. The job's databases share one block cache and live in one
 * run directory (slrocks_env), which is removed at the end of the run.
 *
 * Key layout, format version 1 (every integer big-endian, so that byte order
 * is numeric order):
 *   entry    [u16 table id >= 1][u64 namespace][u16 key group][key bytes]
 *   catalog  [u16 0]['T'][table name bytes]
 *              -> [u16 table id][u32 val_size][u8 flags: 1 = values carry a time]
 *   format   [u16 0]['F'] -> ['S' 'L' 'R' 'K'][u32 version = 1]
 * Table id, then namespace, then key group: visit_ns and drop_ns are one
 * contiguous range (a prefix seek, a DeleteRange), and within each namespace
 * the key groups are contiguous and ordered, so the entries of a key-group
 * range (what a subtask owns after rescaling) are one range per (table,
 * namespace): a restore seeks [table][ns][kg_lo] .. [table][ns][kg_hi) and skips
 * to the next namespace. Putting the key group first would make every
 * visit_ns/drop_ns a seek per key group (up to 32768), and the process
 * operator's map state has a namespace per key. The catalog maps names to ids
 * inside the database, so a checkpoint carries it. A fixed 10-byte prefix
 * extractor (table id + namespace) gives prefix bloom filters for namespace
 * seeks; whole-key bloom filters serve point lookups.
 *
 * Value: [i64 last access time in microseconds, host order, only when the
 * table's flags say so (TTL)][value bytes]. Value bytes are what operators
 * store, in host byte order (state is not portable across architectures).
 *
 * Writes go into a pending WriteBatch (WAL disabled: durability will come from
 * checkpoints) that is committed before any read of the database and at
 * slstate_unpin_all. Reads use a block cache and bloom filters. count is exact
 * (kept per table; inserts and removes look the key up); bytes estimates live
 * SST data + memtables + the value cache.
 *
 * Errors: RocksDB failures (I/O) cannot be returned through slkv_*; the first
 * is kept, reads then behave as "absent", and slstate_unpin_all returns it so
 * the runtime fails the job.
 *
 * Thread: an instance belongs to the worker that owns the subtask; the env is
 * created and freed by the runtime's thread.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/rocksdb_int.h"

#ifdef SL_SMALL_BUFFERS
#define DEF_BLOCK_CACHE (256u << 10)
#define DEF_WRITE_BUFFER (64u << 10)
#define DEF_VALUE_CACHE (2u << 10)
#define BATCH_MAX_OPS 16
#else
#define DEF_BLOCK_CACHE (64u << 20)
#define DEF_WRITE_BUFFER (8u << 20)
#define DEF_VALUE_CACHE (4u << 20)
#define BATCH_MAX_OPS 4096
#endif

/* ---- the env: run directory and shared block cache ---- */

struct slrocks_env {
    char *dir;                    /* owned: the run directory */
    rocksdb_cache_t *block_cache; /* owned */
    uint64_t write_buffer_bytes;
    uint64_t cache_bytes;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    SL_UNUSED(st);
    SL_UNUSED(flag);
    SL_UNUSED(ftw);
    remove(path);
    return 0;
}

/* rm -rf dir (no error if it does not exist). */
static void remove_tree(const char *dir) {
    struct stat st;
    if (lstat(dir, &st) != 0) {
        return;
    }
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p */
static sl_err make_dirs(const char *path) {
    slbuf b = {0};
    slbuf_puts(&b, path);
    char *p = (char *)slbuf_cstr(&b);
    sl_err err = SL_OK;
    for (char *q = p + 1;; q++) {
        if (*q == '/' || *q == '\0') {
            char c = *q;
            *q = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                err = slerr_set(SL_ERR_IO, "state directory '%s': %s", p, strerror(errno));
                break;
            }
            *q = c;
            if (c == '\0') {
                break;
            }
        }
    }
    slbuf_free(&b);
    return err;
}

sl_err slrocks_env_new(const slrocks_conf *conf, slrocks_env **out) {
    *out = NULL;
    slrocks_conf none = {0};
    if (!conf) {
        conf = &none;
    }
    const char *base = conf->localdir;
    if (!base || !*base) {
        base = getenv("TMPDIR");
        if (!base || !*base) {
            base = "/tmp";
        }
    } else {
        sl_err err = make_dirs(base);
        if (err) {
            return slerr_prefix(err, "state.backend.rocksdb.localdir");
        }
    }
    slbuf b = {0};
    slbuf_printf(&b, "%s/sluice-state-XXXXXX", base);
    char *dir = (char *)slbuf_cstr(&b);
    if (!mkdtemp(dir)) {
        sl_err err = slerr_set(SL_ERR_IO, "cannot create a state directory in '%s': %s", base,
                               strerror(errno));
        slbuf_free(&b);
        return err;
    }
    slrocks_env *env = slmem_calloc(1, sizeof *env);
    env->dir = slmem_strdup(dir);
    slbuf_free(&b);
    uint64_t bc = conf->block_cache_bytes ? conf->block_cache_bytes : DEF_BLOCK_CACHE;
    env->block_cache = rocksdb_cache_create_lru((size_t)bc);
    env->write_buffer_bytes =
        conf->write_buffer_bytes ? conf->write_buffer_bytes : DEF_WRITE_BUFFER;
    env->cache_bytes = conf->cache_bytes ? conf->cache_bytes : DEF_VALUE_CACHE;
    *out = env;
    return SL_OK;
}

void slrocks_env_free(slrocks_env *env) {
    if (!env) {
        return;
    }
    remove_tree(env->dir);
    rocksdb_cache_destroy(env->block_cache);
    slmem_free(env->dir);
    slmem_free(env);
}

const char *slrocks_env_dir(const slrocks_env *env) {
    return env->dir;
}

/* ---- errors ---- */

void slrocks_fail(rstate *s, const char *what, char *rerr) {
    if (!s->err) {
        s->err = SL_ERR_IO;
        snprintf(s->errmsg, sizeof s->errmsg, "rocksdb state in '%s': %s: %s", s->dir, what,
                 rerr ? rerr : "failed");
    }
    rocksdb_free(rerr);
}

/* ---- key and value encoding ---- */

static inline void put_be16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static inline void put_be64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)v;
        v >>= 8;
    }
}

static inline uint64_t get_be64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

void slrocks_key(slbuf *b, uint16_t tid, uint64_t ns, uint16_t kg, const void *key, uint32_t klen) {
    slbuf_reset(b);
    slbuf_reserve(b, KEY_HDR + (size_t)klen);
    unsigned char *p = (unsigned char *)b->data;
    put_be16(p, tid);
    put_be64(p + 2, ns);
    put_be16(p + 10, kg);
    if (klen) {
        memcpy(p + KEY_HDR, key, klen);
    }
    b->len = KEY_HDR + (size_t)klen;
}

/* [tid][ns] (10 bytes): the start of a namespace. */
static void ns_prefix(unsigned char *p, uint16_t tid, uint64_t ns) {
    put_be16(p, tid);
    put_be64(p + 2, ns);
}

/* The exclusive end of namespace ns of table tid, written to p; returns its
 * length (2 when ns is the last namespace: [tid + 1]). */
static size_t ns_end(unsigned char *p, uint16_t tid, uint64_t ns) {
    if (ns == UINT64_MAX) {
        put_be16(p, (uint16_t)(tid + 1));
        return 2;
    }
    ns_prefix(p, tid, ns + 1);
    return 10;
}

/* ---- database I/O ---- */

void slrocks_commit(rstate *s) {
    if (s->batch_ops == 0) {
        return;
    }
    char *rerr = NULL;
    rocksdb_write(s->db, s->wo, s->batch, &rerr);
    if (rerr) {
        slrocks_fail(s, "write", rerr);
    }
    rocksdb_writebatch_clear(s->batch);
    s->batch_ops = 0;
}

static void batch_done(rstate *s) {
    if (++s->batch_ops >= BATCH_MAX_OPS) {
        slrocks_commit(s);
    }
}

void slrocks_put_raw(rstate *s, const void *k, size_t klen, const void *v, size_t vlen) {
    rocksdb_writebatch_put(s->batch, k, klen, v, vlen);
    batch_done(s);
}

void slrocks_delete_raw(rstate *s, const void *k, size_t klen) {
    rocksdb_writebatch_delete(s->batch, k, klen);
    batch_done(s);
}

/* Write entry e (its key, access time if the table has times, value). */
void slrocks_write_entry(rstate *s, rent *e) {
    rtable *t = e->t;
    slrocks_key(&s->ebuf, t->id, e->ns, e->kg, rent_key(e), e->klen);
    slbuf_reset(&s->vbuf);
    if (t->has_ts) {
        slbuf_put(&s->vbuf, &e->access_us, 8);
    }
    if (e->vlen) {
        slbuf_put(&s->vbuf, e->data, e->vlen);
    }
    slrocks_put_raw(s, s->ebuf.data, s->ebuf.len, s->vbuf.data ? s->vbuf.data : "", s->vbuf.len);
}

char *slrocks_get_raw(rstate *s, const void *k, size_t klen, size_t *vlen) {
    slrocks_commit(s);
    char *rerr = NULL;
    char *v = rocksdb_get(s->db, s->ro, k, klen, vlen, &rerr);
    if (rerr) {
        slrocks_fail(s, "read", rerr);
        return NULL;
    }
    return v;
}

/* ---- iteration ---- */

/* Visit the raw entries in [lo, hi): fn(key, klen, val, vlen, user) returns
 * false to stop. prefix: the range is one namespace (prefix bloom filters
 * apply). Commits pending writes first; writes made during the iteration are
 * not seen by it. */
void slrocks_scan(rstate *s, const void *lo, size_t lolen, const void *hi, size_t hilen,
                  bool prefix, slrocks_scan_fn fn, void *user) {
    slrocks_commit(s);
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_iterate_lower_bound(ro, lo, lolen);
    rocksdb_readoptions_set_iterate_upper_bound(ro, hi, hilen);
    if (prefix) {
        rocksdb_readoptions_set_prefix_same_as_start(ro, 1);
    } else {
        rocksdb_readoptions_set_total_order_seek(ro, 1);
    }
    rocksdb_iterator_t *it = rocksdb_create_iterator(s->db, ro);
    rocksdb_iter_seek(it, lo, lolen);
    while (rocksdb_iter_valid(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        if (!fn(k, kl, v, vl, user)) {
            break;
        }
        rocksdb_iter_next(it);
    }
    char *rerr = NULL;
    rocksdb_iter_get_error(it, &rerr);
    if (rerr) {
        slrocks_fail(s, "iterate", rerr);
    }
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
}

void slrocks_scan_table(rstate *s, uint16_t tid, slrocks_scan_fn fn, void *user) {
    unsigned char lo[2], hi[2];
    put_be16(lo, tid);
    put_be16(hi, (uint16_t)(tid + 1));
    slrocks_scan(s, lo, 2, hi, 2, false, fn, user);
}

void slrocks_scan_ns(rstate *s, uint16_t tid, uint64_t ns, slrocks_scan_fn fn, void *user) {
    unsigned char lo[10], hi[10];
    ns_prefix(lo, tid, ns);
    size_t hl = ns_end(hi, tid, ns);
    slrocks_scan(s, lo, 10, hi, hl, true, fn, user);
}

void slrocks_delete_ns_range(rstate *s, uint16_t tid, uint64_t ns) {
    unsigned char lo[10], hi[10];
    ns_prefix(lo, tid, ns);
    size_t hl = ns_end(hi, tid, ns);
    rocksdb_writebatch_delete_range(s->batch, (const char *)lo, 10, (const char *)hi, hl);
    batch_done(s);
}

bool slrocks_parse_key(const char *k, size_t kl, uint64_t *ns, const char **key, uint32_t *klen) {
    if (kl < KEY_HDR) {
        return false;
    }
    *ns = get_be64((const unsigned char *)k + 2);
    *key = k + KEY_HDR;
    *klen = (uint32_t)(kl - KEY_HDR);
    return true;
}

/* ---- catalog ---- */

void slrocks_write_catalog(rstate *s, const rtable *t) {
    slbuf_reset(&s->ebuf);
    unsigned char hdr[3];
    put_be16(hdr, 0);
    hdr[2] = 'T';
    slbuf_put(&s->ebuf, hdr, 3);
    slbuf_puts(&s->ebuf, t->name);
    unsigned char v[7];
    put_be16(v, t->id);
    v[2] = (unsigned char)(t->kv.val_size >> 24);
    v[3] = (unsigned char)(t->kv.val_size >> 16);
    v[4] = (unsigned char)(t->kv.val_size >> 8);
    v[5] = (unsigned char)t->kv.val_size;
    v[6] = t->has_ts ? 1 : 0;
    slrocks_put_raw(s, s->ebuf.data, s->ebuf.len, v, sizeof v);
}

static void write_format(rstate *s) {
    unsigned char k[3] = {0, 0, 'F'};
    unsigned char v[8] = {'S', 'L', 'R', 'K', 0, 0, 0, FORMAT_VERSION};
    slrocks_put_raw(s, k, sizeof k, v, sizeof v);
}

/* ---- open and close ---- */

static void sanitize(slbuf *b, const char *name) {
    size_t n = 0;
    for (const char *p = name; *p && n < 80; p++, n++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        slbuf_putc(b, ok ? c : '_');
    }
    if (n == 0 || strcmp(slbuf_cstr(b), ".") == 0 || strcmp(slbuf_cstr(b), "..") == 0) {
        slbuf_putc(b, '_');
    }
}

static void close_db(rstate *s) {
    if (s->db) {
        rocksdb_close(s->db);
        s->db = NULL;
    }
    if (s->batch) {
        rocksdb_writebatch_destroy(s->batch);
    }
    if (s->wo) {
        rocksdb_writeoptions_destroy(s->wo);
    }
    if (s->ro) {
        rocksdb_readoptions_destroy(s->ro);
    }
    if (s->opts) {
        rocksdb_options_destroy(s->opts);
    }
    if (s->topts) {
        rocksdb_block_based_options_destroy(s->topts);
    }
    s->batch = NULL;
    s->wo = NULL;
    s->ro = NULL;
    s->opts = NULL;
    s->topts = NULL;
}

void slrocks_close(rstate *s) {
    close_db(s);
    if (s->dir) {
        remove_tree(s->dir);
    }
}

sl_err slstate_rocksdb_new(slrocks_env *env, const char *name, int n_key_groups, slstate **out) {
    *out = NULL;
    if (n_key_groups > 65535) {
        return slerr_set(SL_ERR_ARG, "rocksdb state: at most 65535 key groups (got %d)",
                         n_key_groups);
    }
    rstate *s = slmem_calloc(1, sizeof *s);
    s->base.vt = &slrocks_vt;
    s->base.n_key_groups = n_key_groups > 0 ? n_key_groups : 1;
    s->cache_max = env->cache_bytes;
    slbuf d = {0};
    slbuf_printf(&d, "%s/", env->dir);
    sanitize(&d, name ? name : "state");
    s->dir = slmem_strdup(slbuf_cstr(&d));
    slbuf_free(&d);
    remove_tree(s->dir); /* leftovers of an earlier run */

    s->topts = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(s->topts, env->block_cache);
    rocksdb_block_based_options_set_filter_policy(s->topts,
                                                  rocksdb_filterpolicy_create_bloom_full(10));
    rocksdb_block_based_options_set_whole_key_filtering(s->topts, 1);
    /* Index and filter blocks stay with the table readers, outside the block
     * cache (about 1.3 bytes of filter per key): when they compete with data
     * blocks, a point lookup that misses the cache re-reads whole filters. */
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(s->topts, 0);
    s->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(s->opts, 1);
    rocksdb_options_set_error_if_exists(s->opts, 1);
    rocksdb_options_set_block_based_table_factory(s->opts, s->topts);
    rocksdb_options_set_prefix_extractor(s->opts, rocksdb_slicetransform_create_fixed_prefix(10));
    /* Memtable bloom filters on whole keys: inserting a new key looks it up
     * first, and that lookup mostly misses. */
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(s->opts, 0.05);
    rocksdb_options_set_memtable_whole_key_filtering(s->opts, 1);
    rocksdb_options_set_write_buffer_size(s->opts, (size_t)env->write_buffer_bytes);
    rocksdb_options_set_max_write_buffer_number(s->opts, 2);
    rocksdb_options_set_target_file_size_base(s->opts, env->write_buffer_bytes);
    rocksdb_options_set_max_bytes_for_level_base(s->opts, env->write_buffer_bytes * 4);
    rocksdb_options_set_info_log_level(s->opts, 3 /* ERROR */);
    rocksdb_options_set_keep_log_file_num(s->opts, 1);
    rocksdb_options_set_stats_dump_period_sec(s->opts, 0);
    rocksdb_options_set_max_background_jobs(s->opts, 2);
    char *rerr = NULL;
    s->db = rocksdb_open(s->opts, s->dir, &rerr);
    if (rerr || !s->db) {
        sl_err err = slerr_set(SL_ERR_IO, "rocksdb state: cannot open '%s': %s", s->dir,
                               rerr ? rerr : "failed");
        rocksdb_free(rerr);
        slrocks_close(s);
        slmem_free(s->dir);
        slmem_free(s);
        return err;
    }
    s->wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(s->wo, 1);
    s->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_verify_checksums(s->ro, 0);
    s->batch = rocksdb_writebatch_create();
    write_format(s);
    slrocks_commit(s);
    *out = &s->base;
    return s->err ? slerr_set(s->err, "%s", s->errmsg) : SL_OK;
}

uint64_t slrocks_db_bytes(rstate *s) {
    uint64_t live = 0, mem = 0;
    if (rocksdb_property_int(s->db, "rocksdb.estimate-live-data-size", &live) != 0) {
        live = 0;
    }
    if (rocksdb_property_int(s->db, "rocksdb.cur-size-all-mem-tables", &mem) != 0) {
        mem = 0;
    }
    return live + mem;
}
