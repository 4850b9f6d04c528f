/*
 * lookup_join.c - the lookup join operator (see lookup.h) and its cache.
 *
 * Per batch: the key expressions are evaluated over the whole batch into a
 * key batch; every row's key is encoded (slkey_encode) and looked up in the
 * cache; the distinct keys the cache lacks are fetched from the table in one
 * call, grouped by key and cached (keys without rows too, when
 * cache_missing). Then every input row is paired with its key's rows into a
 * candidate batch, the residual condition is evaluated over all candidates
 * at once, and the output is written in input order: a row's matching
 * candidates, or (LEFT JOIN) the row padded with NULLs when none matched.
 * Row kinds and event times pass through, so a changelog stays a changelog.
 *
 * The cache: a chained hash map of entries (key bytes + the key's rows,
 * encoded with slrow_encode, in one allocation) on an LRU list; at most
 * cache_max_rows keys; an entry older than cache_ttl_us is refetched. A table
 * without a cache (cache_max_rows 0, or a FILE table, which is in memory
 * anyway) still dedups the keys of one batch through the same map, emptied
 * after the batch.
 *
 * Thread: the subtask's worker; the arg is shared read-only.
 */
#include <string.h>

#include "connectors/lookup.h"

typedef struct centry {
    uint64_t hash;
    int64_t born_us;
    struct centry *chain;          /* next in the bucket */
    struct centry *older, *newer;  /* LRU list */
    uint32_t klen, rows_len, n_rows;
    char bytes[];                  /* key, then the encoded rows */
} centry;

typedef struct lcache {
    centry **buckets; /* owned array; entries owned */
    size_t mask, n;
    centry lru;       /* sentinel: lru.newer is the oldest entry */
} lcache;

typedef struct lkjoin {
    slop base;
    const sllookup_join_arg *arg; /* borrowed */
    sllookup *table;  /* owned */
    slexpr_eval *ev;  /* owned */
    sl_schema *key_schema; /* owned ref */
    slkeyspec kspec;  /* every column of the key batch */
    slkeyspec dspec;  /* the key columns of dim rows */
    lcache cache;
    bool cached;      /* entries outlive a batch */
    slbuf kbuf;       /* scratch: an encoded key */
    slbuf rbuf;       /* scratch: encoded rows of one key */
    centry **row_entry; /* owned: the entry of each input row (NULL: NULL key) */
    size_t cap_rows;
    centry **transient; /* owned array: entries of keys without rows that
                         * live for this batch only (cache_missing off) */
    size_t n_transient, cap_transient;
    uint64_t hits, misses;
} lkjoin;

/* ---- cache ---- */

static void lru_unlink(centry *e) {
    e->older->newer = e->newer;
    e->newer->older = e->older;
}

static void lru_push_newest(lcache *c, centry *e) {
    e->older = c->lru.older;
    e->newer = &c->lru;
    c->lru.older->newer = e;
    c->lru.older = e;
}

static void cache_init(lcache *c) {
    c->mask = 63;
    c->buckets = slmem_calloc(c->mask + 1, sizeof *c->buckets);
    c->lru.older = c->lru.newer = &c->lru;
}

static void cache_remove(lcache *c, centry *e) {
    centry **pp = &c->buckets[e->hash & c->mask];
    while (*pp != e) {
        pp = &(*pp)->chain;
    }
    *pp = e->chain;
    lru_unlink(e);
    c->n--;
    slmem_free(e);
}

static void cache_clear(lcache *c) {
    while (c->lru.newer != &c->lru) {
        cache_remove(c, c->lru.newer);
    }
}

static void cache_free(lcache *c) {
    if (c->buckets) {
        cache_clear(c);
        slmem_free(c->buckets);
    }
}

static centry *cache_find(lcache *c, uint64_t hash, const char *key, uint32_t klen) {
    for (centry *e = c->buckets[hash & c->mask]; e; e = e->chain) {
        if (e->hash == hash && e->klen == klen && memcmp(e->bytes, key, klen) == 0) {
            return e;
        }
    }
    return NULL;
}

static void cache_grow(lcache *c) {
    size_t mask = c->mask * 2 + 1;
    centry **nb = slmem_calloc(mask + 1, sizeof *nb);
    for (size_t i = 0; i <= c->mask; i++) {
        for (centry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = nb[e->hash & mask];
            nb[e->hash & mask] = e;
        }
    }
    slmem_free(c->buckets);
    c->buckets = nb;
    c->mask = mask;
}

/* Insert (key -> rows), replacing an entry of the same key. */
static centry *cache_put(lcache *c, uint64_t hash, const char *key, uint32_t klen,
                         const slbuf *rows, uint32_t n_rows, int64_t now) {
    centry *old = cache_find(c, hash, key, klen);
    if (old) {
        cache_remove(c, old);
    }
    centry *e = slmem_alloc(sizeof *e + klen + rows->len);
    e->hash = hash;
    e->born_us = now;
    e->klen = klen;
    e->rows_len = (uint32_t)rows->len;
    e->n_rows = n_rows;
    memcpy(e->bytes, key, klen);
    if (rows->len) {
        memcpy(e->bytes + klen, rows->data, rows->len);
    }
    if (c->n + 1 > (c->mask + 1) * 3 / 4) {
        cache_grow(c);
    }
    e->chain = c->buckets[hash & c->mask];
    c->buckets[hash & c->mask] = e;
    lru_push_newest(c, e);
    c->n++;
    return e;
}

/* ---- the operator ---- */

void sllookup_join_arg_free(void *p) {
    sllookup_join_arg *a = p;
    if (!a) {
        return;
    }
    sllookup_conf_free(a->conf);
    slschema_unref(a->in);
    slschema_unref(a->out);
    for (int i = 0; i < SL_LOOKUP_MAX_KEYS; i++) {
        slexpr_free(a->keys[i]);
    }
    slexpr_free(a->residual);
    slmem_free(a);
}

static sl_err lk_open(slop *o, slopctx *c) {
    lkjoin *j = (lkjoin *)o;
    o->ctx = c;
    const sllookup_conf *conf = j->arg->conf;
    j->ev = slexpr_eval_new(c->batch_rows);
    cache_init(&j->cache);
    j->cached = conf->kind == SLLOOKUP_POSTGRES && conf->cache_max_rows > 0;
    sl_schema *ks = NULL;
    sl_err err = sl_schema_new(&ks);
    if (err) {
        return err;
    }
    j->key_schema = ks;
    j->kspec.n = conf->n_keys;
    j->dspec.n = conf->n_keys;
    for (int k = 0; k < conf->n_keys; k++) {
        const slfield *f = &conf->dim->fields[conf->key_cols[k]];
        if ((err = sl_schema_add(ks, f->name, f->type))) {
            return err;
        }
        j->kspec.cols[k] = k;
        j->dspec.cols[k] = conf->key_cols[k];
    }
    if (conf->kind == SLLOOKUP_POSTGRES) {
        return sllookup_pg_open(conf, &j->table);
    }
    return sllookup_file_open(conf, c, &j->table);
}

void sllookup_room(slbatch **rows) {
    slbatch *b = *rows;
    if (b->n < b->cap) {
        return;
    }
    slbatch *nb = slbatch_new(b->schema, b->cap * 2);
    for (uint32_t i = 0; i < b->n; i++) {
        slbatch_append_row(nb, b, i);
    }
    slbatch_free(b);
    *rows = nb;
}

/* Look up the keys of `keys` that have no fresh entry: fetch them and cache
 * the result (every key of `miss` gets an entry, possibly without rows).
 * miss_idx are rows of `keys`. Returns an error when the table failed. */
static sl_err fetch_missing(lkjoin *j, const slbatch *keys, const uint32_t *miss_idx, uint32_t n,
                            int64_t now) {
    const sllookup_conf *conf = j->arg->conf;
    slbatch *mk = slbatch_new(keys->schema, n);
    for (uint32_t m = 0; m < n; m++) {
        slbatch_append_row(mk, keys, miss_idx[m]);
    }
    slbatch *rows = slbatch_new(conf->dim, 64);
    sl_err err = j->table->vt->fetch(j->table, mk, &rows);
    if (err) {
        slbatch_free(mk);
        slbatch_free(rows);
        return err;
    }
    /* Group the fetched rows by key: sort row indices by (hash, key bytes)
     * would need a copy; the counts are small, so group through a pass per
     * requested key over a hash of each row's key. */
    uint64_t *rh = slmem_alloc(slmem_mul(rows->n ? rows->n : 1, sizeof *rh));
    slbuf rk = {0};
    size_t *roff = slmem_alloc(slmem_mul(rows->n + 1, sizeof *roff));
    for (uint32_t r = 0; r < rows->n; r++) {
        roff[r] = rk.len;
        rh[r] = slkey_encode(&j->dspec, rows, r, &j->kbuf);
        slbuf_put(&rk, j->kbuf.data, j->kbuf.len);
    }
    roff[rows->n] = rk.len;
    for (uint32_t m = 0; m < n; m++) {
        uint64_t h = slkey_encode(&j->kspec, mk, m, &j->kbuf);
        slbuf_reset(&j->rbuf);
        uint32_t n_rows = 0;
        for (uint32_t r = 0; r < rows->n; r++) {
            size_t len = roff[r + 1] - roff[r];
            if (rh[r] == h && len == j->kbuf.len &&
                memcmp(rk.data + roff[r], j->kbuf.data, len) == 0) {
                slrow_encode(&j->rbuf, rows, r, 0, conf->dim->n);
                n_rows++;
            }
        }
        centry *e =
            cache_put(&j->cache, h, j->kbuf.data, (uint32_t)j->kbuf.len, &j->rbuf, n_rows, now);
        if (n_rows == 0 && !conf->cache_missing) {
            /* not cached beyond this batch */
            slmem_grow((void **)&j->transient, &j->cap_transient, j->n_transient + 1,
                       sizeof *j->transient);
            j->transient[j->n_transient++] = e;
        }
    }
    slmem_free(rh);
    slmem_free(roff);
    slbuf_free(&rk);
    slbatch_free(mk);
    slbatch_free(rows);
    return SL_OK;
}

/* Evict the oldest entries beyond the bound (not the ones this batch uses:
 * eviction runs after the batch). */
static void cache_trim(lkjoin *j) {
    const sllookup_conf *conf = j->arg->conf;
    if (!j->cached) {
        cache_clear(&j->cache);
        j->n_transient = 0;
        return;
    }
    for (size_t t = 0; t < j->n_transient; t++) {
        cache_remove(&j->cache, j->transient[t]);
    }
    j->n_transient = 0;
    while (j->cache.n > (size_t)conf->cache_max_rows) {
        cache_remove(&j->cache, j->cache.lru.newer);
    }
}

static void emit_batch(lkjoin *j, slbatch **out) {
    slop_emit(j->base.ctx, 0, *out);
    *out = slbatch_new(j->arg->out, j->base.ctx->batch_rows);
}

static void lk_batch_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    lkjoin *j = (lkjoin *)o;
    slopctx *c = o->ctx;
    const sllookup_join_arg *a = j->arg;
    const sllookup_conf *conf = a->conf;
    slmetric_add(&c->metrics->rows_in, b->n);
    if (c->failed || b->n == 0) {
        slbatch_free(b);
        return;
    }
    int64_t now = slclock_now(c->clock);
    slexpr_eval_set_now(j->ev, now);
    uint32_t n = b->n;
    slbatch *keys = slbatch_new(j->key_schema, n);
    for (int k = 0; k < conf->n_keys; k++) {
        slexpr_eval_into(j->ev, a->keys[k], b, keys, k);
    }
    keys->n = n;
    if (n > j->cap_rows) {
        slmem_free(j->row_entry);
        j->row_entry = slmem_alloc(slmem_mul(n, sizeof *j->row_entry));
        j->cap_rows = n;
    }
    /* 1. find cached keys; collect the distinct missing ones */
    uint32_t *miss = slmem_alloc(slmem_mul(n, sizeof *miss));
    uint32_t n_miss = 0;
    for (uint32_t i = 0; i < n; i++) {
        j->row_entry[i] = NULL;
        bool null_key = false;
        for (int k = 0; k < conf->n_keys; k++) {
            null_key |= keys->cols[k].nulls[i] != 0;
        }
        if (null_key) {
            continue; /* NULL never equals anything */
        }
        uint64_t h = slkey_encode(&j->kspec, keys, i, &j->kbuf);
        centry *e = cache_find(&j->cache, h, j->kbuf.data, (uint32_t)j->kbuf.len);
        if (e && conf->cache_ttl_us > 0 && e->born_us != SL_TIME_MIN &&
            now - e->born_us >= conf->cache_ttl_us) {
            cache_remove(&j->cache, e); /* expired: fetch again */
            e = NULL;
        }
        if (e) {
            if (e->born_us != SL_TIME_MIN) {
                j->hits++;
            }
            continue;
        }
        /* not cached: a placeholder entry marks the key as requested */
        slbuf empty = {0};
        cache_put(&j->cache, h, j->kbuf.data, (uint32_t)j->kbuf.len, &empty, 0, SL_TIME_MIN);
        miss[n_miss++] = i;
    }
    j->misses += n_miss;
    if (n_miss) {
        sl_err err = fetch_missing(j, keys, miss, n_miss, now);
        if (err) {
            char msg[400];
            snprintf(msg, sizeof msg, "%s", sl_errmsg());
            slerr_set(err, "lookup of table '%s' failed: %s", conf->name, msg);
            slop_fail(c, err);
            cache_clear(&j->cache);
            j->n_transient = 0;
            slmem_free(miss);
            slbatch_free(keys);
            slbatch_free(b);
            return;
        }
    }
    slmem_free(miss);
    /* 2. every row's entry (looked up again: fetching may have grown the map) */
    uint64_t n_cand = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool null_key = false;
        for (int k = 0; k < conf->n_keys; k++) {
            null_key |= keys->cols[k].nulls[i] != 0;
        }
        if (null_key) {
            continue;
        }
        uint64_t h = slkey_encode(&j->kspec, keys, i, &j->kbuf);
        centry *e = cache_find(&j->cache, h, j->kbuf.data, (uint32_t)j->kbuf.len);
        j->row_entry[i] = e;
        if (e) {
            n_cand += e->n_rows;
            lru_unlink(e); /* recently used */
            lru_push_newest(&j->cache, e);
        }
    }
    slbatch_free(keys);
    /* 3. candidates: every (row, dim row) pair */
    int nin = a->in->n, ndim = conf->dim->n;
    slbatch *cand = slbatch_new(a->out, n_cand ? (uint32_t)n_cand : 1);
    uint32_t *cand_of = slmem_alloc(slmem_mul(n_cand ? n_cand : 1, sizeof *cand_of));
    for (uint32_t i = 0; i < n; i++) {
        centry *e = j->row_entry[i];
        if (!e) {
            continue;
        }
        const char *p = e->bytes + e->klen;
        for (uint32_t r = 0; r < e->n_rows; r++) {
            uint32_t row = slbatch_begin_row(cand);
            for (int col = 0; col < nin; col++) {
                slbatch_copy_value(cand, col, row, b, col, i);
            }
            p += slrow_decode(p, cand, row, nin, ndim);
            cand->ts[row] = b->ts[i];
            cand->kind[row] = b->kind[i];
            cand_of[row] = i;
            cand->n++;
        }
    }
    uint8_t *keep = slmem_alloc(cand->n ? cand->n : 1);
    memset(keep, 1, cand->n);
    if (a->residual && cand->n) {
        slexpr_eval_filter(j->ev, a->residual, cand, keep);
    }
    /* 4. output in input order */
    slbatch *out = slbatch_new(a->out, c->batch_rows);
    uint32_t ci = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool matched = false;
        for (; ci < cand->n && cand_of[ci] == i; ci++) {
            if (!keep[ci]) {
                continue;
            }
            matched = true;
            if (slbatch_full(out)) {
                emit_batch(j, &out);
            }
            slbatch_append_row(out, cand, ci);
        }
        if (!matched && a->left_outer) {
            if (slbatch_full(out)) {
                emit_batch(j, &out);
            }
            uint32_t row = slbatch_begin_row(out);
            for (int col = 0; col < nin; col++) {
                slbatch_copy_value(out, col, row, b, col, i);
            }
            out->ts[row] = b->ts[i];
            out->kind[row] = b->kind[i];
            out->n++;
        }
    }
    slop_emit(c, 0, out);
    slmem_free(keep);
    slmem_free(cand_of);
    slbatch_free(cand);
    slbatch_free(b);
    cache_trim(j);
}

static void lk_free(slop *o) {
    lkjoin *j = (lkjoin *)o;
    if (j->table) {
        j->table->vt->close(j->table);
    }
    cache_free(&j->cache);
    slexpr_eval_free(j->ev);
    slschema_unref(j->key_schema);
    slbuf_free(&j->kbuf);
    slbuf_free(&j->rbuf);
    slmem_free(j->row_entry);
    slmem_free(j->transient);
    slmem_free(j);
}

static const slop_vt lk_vt = {
    .name = "lookup-join",
    .open = lk_open,
    .batch_take = lk_batch_take,
    .free = lk_free,
};

slop *sllookup_join_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    lkjoin *j = slmem_calloc(1, sizeof *j);
    j->base.vt = &lk_vt;
    j->arg = arg;
    return &j->base;
}

sllookup_conf *sllookup_conf_new(sllookup_kind kind, const sl_schema *dim, const char *name) {
    sllookup_conf *c = slmem_calloc(1, sizeof *c);
    c->kind = kind;
    c->dim = slschema_ref(dim);
    c->name = slmem_strdup(name);
    c->max_retries = 3;
    c->cache_missing = true;
    return c;
}

void sllookup_conf_free(sllookup_conf *c) {
    if (!c) {
        return;
    }
    slschema_unref(c->dim);
    slmem_free(c->name);
    slmem_free(c->conninfo);
    slmem_free(c->user);
    slmem_free(c->password);
    slmem_free(c->table);
    slfile_conf_free(c->file);
    slmem_free(c);
}
