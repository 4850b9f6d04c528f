/*
 * agg_distinct.c - the COUNT DISTINCT value sets of the aggregate functions
 * (layout: agg.h): the COUNT DISTINCT aggregates of one operator over one
 * column form a set sharing one entry per value, with a count (or a bit, for
 * append-only input) per aggregate; rows are added and taken back, and sets
 * are merged between namespaces (session windows, slices).
 *
 * Called by agg.c, on the operator's worker thread.
 */
#include <math.h>

#include "ops/agg_int.h"

void slagg_make_dsets(slaggs *g) {
    for (int i = 0; i < g->n; i++) {
        slagg_col *a = &g->a[i];
        a->dset = a->slot = -1;
        if (a->kind != SL_AGG_COUNT_DISTINCT) {
            continue;
        }
        int d = 0;
        while (d < g->n_dsets && g->dsets[d].col != a->col) {
            d++;
        }
        if (d == g->n_dsets) {
            g->dsets[d].col = a->col;
            g->dsets[d].leader = i;
            g->dsets[d].aggs = slmem_calloc((size_t)g->n, sizeof(int));
            g->n_dsets++;
        }
        slagg_dset *ds = &g->dsets[d];
        a->dset = d;
        a->slot = ds->n;
        ds->aggs[ds->n++] = i;
    }
}

void slaggs_distinct_bits(slaggs *g) {
    bool ok = true;
    for (int d = 0; d < g->n_dsets; d++) {
        ok &= g->dsets[d].n <= 64;
    }
    g->distinct_bits = ok;
}

/* ---- entry keys ---- */

static void distinct_value(slbuf *out, const slbatch *b, int col, uint32_t i) {
    const slcol *c = &b->cols[col];
    switch (c->type) {
    case SL_BOOLEAN:
        *buf_room(out, 1) = c->v.b[i] ? 1 : 0;
        break;
    case SL_DOUBLE: {
        double d = c->v.f64[i];
        if (d == 0) {
            d = 0; /* -0.0 == 0.0 */
        } else if (isnan(d)) {
            d = NAN;
        }
        memcpy(buf_room(out, 8), &d, 8);
        break;
    }
    case SL_STRING:
        if (c->v.s[i].len) {
            memcpy(buf_room(out, c->v.s[i].len), c->v.s[i].ptr, c->v.s[i].len);
        }
        break;
    default:
        memcpy(buf_room(out, 8), &c->v.i64[i], 8);
        break;
    }
}

/* Write [set byte, filled per set][u64 hash][u32 klen][key] into g->kbuf and
 * return its length: the part of a distinct entry's key all sets of a row
 * share. */
static size_t distinct_prefix(slaggs *g, const slagg_key *k) {
    g->kbuf.len = 0;
    char *p = buf_room(&g->kbuf, 13 + (size_t)k->klen);
    p[0] = 0;
    memcpy(p + 1, &k->hash, 8);
    memcpy(p + 9, &k->klen, 4);
    if (k->klen) {
        memcpy(p + 13, k->key, k->klen);
    }
    return g->kbuf.len;
}

/* Complete g->kbuf (holding a prefix of `plen` bytes) into the entry key of
 * set ds for the value of row i. */
static const char *distinct_key(slaggs *g, const slagg_dset *ds, size_t plen, const slbatch *b,
                                uint32_t i, uint32_t *len) {
    g->kbuf.len = plen;
    g->kbuf.data[0] = (char)ds->leader;
    distinct_value(&g->kbuf, b, ds->col, i);
    *len = (uint32_t)g->kbuf.len;
    return g->kbuf.data;
}

/* ---- add and retract ---- */

/* Which members of set ds accept row i (take[j]); false when none does or
 * the value is NULL. */
static bool dset_takes(const slaggs *g, const slagg_dset *ds, const slbatch *b, uint32_t i,
                       uint8_t *take) {
    if (b->cols[ds->col].nulls[i]) {
        return false;
    }
    bool any = false;
    for (int j = 0; j < ds->n; j++) {
        take[j] = passes(&g->a[ds->aggs[j]], b, i);
        any |= take[j];
    }
    return any;
}

/* Add row i to set ds of record rec (namespace ns, key k). *plen is the
 * length of the key prefix in g->kbuf, 0 until the first set of the row
 * encodes it. */
void slagg_dset_add(slaggs *g, const slagg_dset *ds, char *rec, const slaggs_store *st,
                    uint64_t ns, const slagg_key *k, const slbatch *b, uint32_t i, size_t *plen) {
    uint8_t take[SLAGG_MAX];
    if (!dset_takes(g, ds, b, i, take)) {
        return;
    }
    if (!*plen) {
        *plen = distinct_prefix(g, k);
    }
    uint32_t klen, vl = 0;
    const char *ck = distinct_key(g, ds, *plen, b, i, &klen);
    uint64_t dh = distinct_hash(k->hash, ck, klen);
    char *v = slkv_get(st->distinct, ns, ck, klen, dh, &vl);
    if (g->distinct_bits) {
        uint64_t bits = 0, had = 0;
        for (int j = 0; j < ds->n; j++) {
            bits |= (uint64_t)take[j] << j;
        }
        if (v && vl == 8) {
            memcpy(&had, v, 8);
        }
        uint64_t fresh = bits & ~had;
        for (int j = 0; j < ds->n && fresh; j++) {
            if ((fresh >> j) & 1) {
                count_add(rec, &g->a[ds->aggs[j]], 1);
            }
        }
        if (v && vl == 8) {
            if (fresh) {
                had |= bits;
                memcpy(v, &had, 8);
            }
            slkv_release(st->distinct, v, fresh != 0);
            return;
        }
        if (v) {
            slkv_release(st->distinct, v, false);
        }
        slkv_put(st->distinct, ns, ck, klen, dh, &bits, 8);
        return;
    }
    if (v && vl == 8 * (uint32_t)ds->n) {
        for (int j = 0; j < ds->n; j++) {
            if (!take[j]) {
                continue;
            }
            int64_t m;
            memcpy(&m, v + 8 * j, 8);
            if (m++ == 0) {
                count_add(rec, &g->a[ds->aggs[j]], 1);
            }
            memcpy(v + 8 * j, &m, 8);
        }
        slkv_release(st->distinct, v, true);
        return;
    }
    if (v) { /* not of this layout (cannot happen with state this code wrote) */
        slkv_release(st->distinct, v, false);
    }
    int64_t m[SLAGG_MAX];
    for (int j = 0; j < ds->n; j++) {
        m[j] = take[j];
        if (take[j]) {
            count_add(rec, &g->a[ds->aggs[j]], 1);
        }
    }
    slkv_put(st->distinct, ns, ck, klen, dh, m, 8 * (uint32_t)ds->n);
}

/* Take row i back out of set ds (as slagg_dset_add). */
void slagg_dset_retract(slaggs *g, const slagg_dset *ds, char *rec, const slaggs_store *st,
                        uint64_t ns, const slagg_key *k, const slbatch *b, uint32_t i,
                        size_t *plen) {
    uint8_t take[SLAGG_MAX];
    if (g->distinct_bits || !dset_takes(g, ds, b, i, take)) {
        return; /* bitmaps: the input has no retractions (slaggs_distinct_bits) */
    }
    if (!*plen) {
        *plen = distinct_prefix(g, k);
    }
    uint32_t klen, vl = 0;
    const char *ck = distinct_key(g, ds, *plen, b, i, &klen);
    uint64_t dh = distinct_hash(k->hash, ck, klen);
    char *v = slkv_get(st->distinct, ns, ck, klen, dh, &vl);
    if (!v) {
        return; /* never added (or expired): nothing to take back */
    }
    if (vl != 8 * (uint32_t)ds->n) {
        slkv_release(st->distinct, v, false);
        return;
    }
    bool live = false;
    for (int j = 0; j < ds->n; j++) {
        int64_t m;
        memcpy(&m, v + 8 * j, 8);
        if (take[j] && m > 0) {
            if (--m == 0) {
                count_add(rec, &g->a[ds->aggs[j]], -1);
            }
            memcpy(v + 8 * j, &m, 8);
        }
        live |= m > 0;
    }
    if (live) {
        slkv_release(st->distinct, v, true);
    } else {
        slkv_release(st->distinct, v, false);
        slkv_remove(st->distinct, ns, ck, klen, dh);
    }
}

/* ---- merge ---- */

typedef struct distinct_visit {
    slaggs *g;
    const slaggs_store *ds;
    uint64_t dst_ns;
    slkv *recs;
    uint64_t rec_ns;
    const slagg_key *only;
} distinct_visit;

/* The distinct set of an entry key ([set byte][u64 row-key hash][u32 row-key
 * length][row key][value]) with a value of vlen bytes, or NULL when it is not
 * one of g's; with the row key's hash and length, when it belongs to `only`
 * (NULL: any). */
static const slagg_dset *distinct_entry(const slaggs *g, const char *ck, uint32_t klen,
                                        uint32_t vlen, const slagg_key *only, uint64_t *hash,
                                        uint32_t *kl) {
    if (klen < 13) {
        return NULL;
    }
    uint8_t lead = (uint8_t)ck[0];
    if (lead >= g->n || g->a[lead].dset < 0) {
        return NULL;
    }
    const slagg_dset *ds = &g->dsets[g->a[lead].dset];
    if (ds->leader != lead || vlen != dset_vlen(g, ds)) {
        return NULL;
    }
    memcpy(hash, ck + 1, 8);
    memcpy(kl, ck + 9, 4);
    if (only && (*kl != only->klen || *hash != only->hash ||
                 memcmp(ck + 13, only->key, *kl) != 0)) {
        return NULL;
    }
    return ds;
}

static bool visit_distinct(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                           void *user) {
    SL_UNUSED(ns);
    distinct_visit *dv = user;
    const char *ck = key;
    uint64_t hash;
    uint32_t kl;
    const slagg_dset *ds = distinct_entry(dv->g, ck, klen, vlen, dv->only, &hash, &kl);
    if (!ds) {
        return true;
    }
    const char *k = ck + 13;
    int64_t src[SLAGG_MAX];
    memcpy(src, val, vlen);
    uint8_t fresh[SLAGG_MAX];
    bool any = false;
    uint32_t vl = 0;
    uint64_t dh = distinct_hash(hash, ck, klen);
    char *dst = slkv_get(dv->ds->distinct, dv->dst_ns, ck, klen, dh, &vl);
    if (dv->g->distinct_bits) {
        /* Bitmaps: OR; a member is new where only src has its bit. */
        uint64_t sb = (uint64_t)src[0], db = 0;
        if (dst && vl == 8) {
            memcpy(&db, dst, 8);
        }
        for (int j = 0; j < ds->n; j++) {
            fresh[j] = ((sb & ~db) >> j) & 1;
            any |= fresh[j];
        }
        if (dst && vl == 8) {
            db |= sb;
            memcpy(dst, &db, 8);
            slkv_release(dv->ds->distinct, dst, any);
        } else {
            if (dst) {
                slkv_release(dv->ds->distinct, dst, false);
            }
            slkv_put(dv->ds->distinct, dv->dst_ns, ck, klen, dh, &sb, 8);
        }
    } else if (dst && vl == vlen) {
        for (int j = 0; j < ds->n; j++) {
            int64_t m;
            memcpy(&m, dst + 8 * j, 8);
            fresh[j] = m == 0 && src[j] > 0;
            any |= fresh[j];
            m += src[j];
            memcpy(dst + 8 * j, &m, 8);
        }
        slkv_release(dv->ds->distinct, dst, true);
    } else {
        if (dst) {
            slkv_release(dv->ds->distinct, dst, false);
        }
        slkv_put(dv->ds->distinct, dv->dst_ns, ck, klen, dh, src, vlen);
        for (int j = 0; j < ds->n; j++) {
            fresh[j] = src[j] > 0;
            any |= fresh[j];
        }
    }
    if (!any) {
        return true;
    }
    char *rec = slkv_get(dv->recs, dv->rec_ns, k, kl, hash, &vl);
    if (rec) {
        for (int j = 0; j < ds->n; j++) {
            if (fresh[j]) {
                count_add(rec, &dv->g->a[ds->aggs[j]], 1);
            }
        }
        slkv_release(dv->recs, rec, true);
    }
    return true;
}

typedef struct copy_visit {
    const slaggs *g;
    slbuf *buf; /* [u32 klen][u32 vlen][key][value] ... */
    const slagg_key *only;
} copy_visit;

static bool visit_copy(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                       void *user) {
    SL_UNUSED(ns);
    copy_visit *cv = user;
    uint64_t hash;
    uint32_t kl;
    if (!distinct_entry(cv->g, key, klen, vlen, cv->only, &hash, &kl)) {
        return true;
    }
    slbuf_put(cv->buf, &klen, 4);
    slbuf_put(cv->buf, &vlen, 4);
    slbuf_put(cv->buf, key, klen);
    slbuf_put(cv->buf, val, vlen);
    return true;
}

void slaggs_merge_distinct(slaggs *g, const slaggs_store *ds, uint64_t dst_ns,
                           const slaggs_store *ss, uint64_t src_ns, slkv *recs, uint64_t rec_ns,
                           const slagg_key *only) {
    if (!g->has_distinct) {
        return;
    }
    distinct_visit dv = {g, ds, dst_ns, recs, rec_ns, only};
    if (ds->distinct != ss->distinct) {
        slkv_visit_ns(ss->distinct, src_ns, visit_distinct, &dv);
        return;
    }
    /* Same table (merging sessions): copy the entries out first, since the
     * table must not change while it is visited. */
    slbuf buf = {0};
    copy_visit cv = {g, &buf, only};
    slkv_visit_ns(ss->distinct, src_ns, visit_copy, &cv);
    for (size_t off = 0; off < buf.len;) {
        uint32_t klen, vlen;
        memcpy(&klen, buf.data + off, 4);
        memcpy(&vlen, buf.data + off + 4, 4);
        char *key = buf.data + off + 8;
        visit_distinct(src_ns, key, klen, key + klen, vlen, &dv);
        off += 8 + (size_t)klen + vlen;
    }
    slbuf_free(&buf);
}
