/*
 * lookup_file.c - a JSON-lines or CSV file as a lookup table: read whole
 * when the operator opens, through the file source itself (file.c: the same
 * decoding, and malformed records become dead letters at "path:line"), and
 * indexed by the key columns in a chained hash map (rows of one key keep
 * their file order).
 *
 * Thread: the subtask's worker (each subtask loads its own copy).
 */
#include <string.h>

#include "connectors/lookup.h"

typedef struct fkey {
    uint64_t hash;
    size_t koff;       /* key bytes in `keys` */
    uint32_t klen;
    uint32_t first;    /* first row of the key; rows chain through next_row */
    uint32_t last;
    uint32_t chain;    /* next key in the bucket: index + 1, 0 = end */
} fkey;

typedef struct filelookup {
    sllookup base;
    slbatch *rows;     /* owned: the whole table */
    uint32_t *next_row; /* owned: next row of the same key + 1, 0 = end */
    fkey *fkeys;       /* owned */
    size_t n_keys, cap_keys;
    uint32_t *buckets; /* owned: key index + 1 */
    size_t mask;
    slbuf keys;        /* key bytes */
    slbuf kbuf;        /* scratch */
    slkeyspec dspec;   /* key columns of the table */
    slkeyspec kspec;   /* columns of a key batch */
} filelookup;

static fkey *find_key(filelookup *l, uint64_t h, const char *k, size_t n) {
    for (uint32_t e = l->buckets[h & l->mask]; e; e = l->fkeys[e - 1].chain) {
        fkey *f = &l->fkeys[e - 1];
        if (f->hash == h && f->klen == n && memcmp(l->keys.data + f->koff, k, n) == 0) {
            return f;
        }
    }
    return NULL;
}

static void build_index(filelookup *l) {
    size_t want = 16;
    while (want < (size_t)l->rows->n * 2) {
        want *= 2;
    }
    l->mask = want - 1;
    l->buckets = slmem_calloc(want, sizeof *l->buckets);
    l->next_row = slmem_calloc(l->rows->n ? l->rows->n : 1, sizeof *l->next_row);
    for (uint32_t r = 0; r < l->rows->n; r++) {
        bool null_key = false;
        for (int k = 0; k < l->dspec.n; k++) {
            null_key |= l->rows->cols[l->dspec.cols[k]].nulls[r] != 0;
        }
        if (null_key) {
            continue; /* a NULL key is never looked up */
        }
        uint64_t h = slkey_encode(&l->dspec, l->rows, r, &l->kbuf);
        fkey *f = find_key(l, h, l->kbuf.data, l->kbuf.len);
        if (f) {
            l->next_row[f->last] = r + 1;
            f->last = r;
            continue;
        }
        slmem_grow((void **)&l->fkeys, &l->cap_keys, l->n_keys + 1, sizeof *l->fkeys);
        f = &l->fkeys[l->n_keys++];
        f->hash = h;
        f->koff = l->keys.len;
        f->klen = (uint32_t)l->kbuf.len;
        f->first = f->last = r;
        f->chain = l->buckets[h & l->mask];
        l->buckets[h & l->mask] = (uint32_t)l->n_keys;
        slbuf_put(&l->keys, l->kbuf.data, l->kbuf.len);
    }
}

static sl_err file_fetch(sllookup *base, const slbatch *keys, slbatch **rows) {
    filelookup *l = (filelookup *)base;
    l->kspec.n = keys->schema->n;
    for (int k = 0; k < l->kspec.n; k++) {
        l->kspec.cols[k] = k;
    }
    for (uint32_t i = 0; i < keys->n; i++) {
        uint64_t h = slkey_encode(&l->kspec, keys, i, &l->kbuf);
        fkey *f = find_key(l, h, l->kbuf.data, l->kbuf.len);
        if (!f) {
            continue;
        }
        for (uint32_t r = f->first + 1; r; r = l->next_row[r - 1]) {
            sllookup_room(rows);
            slbatch_append_row(*rows, l->rows, r - 1);
        }
    }
    return SL_OK;
}

static void file_close(sllookup *base) {
    filelookup *l = (filelookup *)base;
    slbatch_free(l->rows);
    slmem_free(l->next_row);
    slmem_free(l->fkeys);
    slmem_free(l->buckets);
    slbuf_free(&l->keys);
    slbuf_free(&l->kbuf);
    slmem_free(l);
}

static const sllookup_vt file_vt = {.fetch = file_fetch, .close = file_close};

sl_err sllookup_file_open(const sllookup_conf *conf, slopctx *c, sllookup **out) {
    filelookup *l = slmem_calloc(1, sizeof *l);
    l->base.vt = &file_vt;
    l->base.conf = conf;
    l->dspec.n = conf->n_keys;
    memcpy(l->dspec.cols, conf->key_cols, sizeof(int) * (size_t)conf->n_keys);
    /* Read the file with the file source, as subtask 0 of 1 (it reads). */
    slsource *src = slfile_source_new(conf->file, 0, 1);
    src->schema = conf->file->schema;
    src->ctx = c;
    sl_err err = src->vt->open(src, c);
    uint32_t cap = c->batch_rows ? c->batch_rows : 1024;
    l->rows = slbatch_new(conf->dim, cap);
    slbatch *b = slbatch_new(conf->dim, cap);
    while (!err) {
        slbatch_clear(b);
        slsrc_status st = src->vt->read(src, b);
        for (uint32_t i = 0; i < b->n; i++) {
            sllookup_room(&l->rows);
            slbatch_append_row(l->rows, b, i);
        }
        if (st == SLSRC_END) {
            break;
        }
        if (st == SLSRC_ERROR) {
            err = slerr_set(SL_ERR_IO, "table '%s': %s", conf->name, sl_errmsg());
        }
    }
    slbatch_free(b);
    src->vt->free(src);
    if (err) {
        file_close(&l->base);
        return err;
    }
    build_index(l);
    *out = &l->base;
    return SL_OK;
}
