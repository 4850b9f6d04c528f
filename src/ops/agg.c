/*
 * agg.c - the incremental aggregate functions (layout and contracts: agg.h).
 *
 * Records are read and written through memcpy of small per-kind structs: state
 * backends do not promise aligned values, and compilers turn these copies into
 * plain loads and stores. STRING values of MIN/MAX/FIRST/LAST and the value
 * sets of COUNT DISTINCT live in variable-size tables, so keys and values of
 * any length work (they are copied into state on purpose).
 *
 * Called by the window, group and OVER operators on their worker threads; the
 * COUNT DISTINCT value sets are in agg_distinct.c (shared parts: agg_int.h).
 */
#include <math.h>

#include "ops/agg_int.h"


static uint32_t round8(size_t n) {
    return (uint32_t)((n + 7) & ~(size_t)7);
}

static uint32_t state_size(const slagg_col *a) {
    switch (a->kind) {
    case SL_AGG_COUNT:
    case SL_AGG_COUNT_DISTINCT:
        return sizeof(st_count);
    case SL_AGG_SUM:
        return sizeof(st_sum);
    case SL_AGG_MIN:
    case SL_AGG_MAX:
        return sizeof(st_minmax);
    case SL_AGG_AVG:
        return sizeof(st_avg);
    case SL_AGG_STDDEV:
    case SL_AGG_STDDEV_POP:
        return sizeof(st_var);
    case SL_AGG_FIRST_VALUE:
    case SL_AGG_LAST_VALUE:
        return sizeof(st_fl);
    case SL_AGG_UDAF:
        return round8(a->udaf->acc_size);
    }
    return 0;
}

const char *slagg_kind_name(sl_agg_kind kind) {
    switch (kind) {
    case SL_AGG_COUNT:
        return "count";
    case SL_AGG_SUM:
        return "sum";
    case SL_AGG_MIN:
        return "min";
    case SL_AGG_MAX:
        return "max";
    case SL_AGG_AVG:
        return "avg";
    case SL_AGG_STDDEV:
        return "stddev";
    case SL_AGG_STDDEV_POP:
        return "stddev_pop";
    case SL_AGG_FIRST_VALUE:
        return "first_value";
    case SL_AGG_LAST_VALUE:
        return "last_value";
    case SL_AGG_COUNT_DISTINCT:
        return "count_distinct";
    case SL_AGG_UDAF:
        return "udaf";
    }
    return "?";
}

sl_type slagg_out_type(sl_agg_kind kind, sl_type in, const sl_udaf *udaf) {
    switch (kind) {
    case SL_AGG_COUNT:
    case SL_AGG_COUNT_DISTINCT:
        return SL_BIGINT;
    case SL_AGG_AVG:
        /* Flink: the average of integers is an integer (the quotient
         * truncated toward zero); of DOUBLEs a DOUBLE. */
        return in == SL_BIGINT ? SL_BIGINT : SL_DOUBLE;
    case SL_AGG_STDDEV:
    case SL_AGG_STDDEV_POP:
        return SL_DOUBLE;
    case SL_AGG_UDAF:
        return udaf ? udaf->result_type : SL_BIGINT;
    default:
        return in;
    }
}

static bool is_numeric(sl_type t) {
    return t == SL_BIGINT || t == SL_DOUBLE;
}

sl_err slaggs_init(slaggs *g, const sl_schema *in, const sl_agg *aggs, int n) {
    return slaggs_init_filtered(g, in, aggs, NULL, n);
}

sl_err slaggs_init_filtered(slaggs *g, const sl_schema *in, const sl_agg *aggs,
                            const char *const *filters, int n) {
    memset(g, 0, sizeof(*g));
    if (n < 0 || n > SLAGG_MAX) {
        return slerr_set(SL_ERR_ARG, "between 0 and %d aggregates are allowed, not %d", SLAGG_MAX,
                         n);
    }
    g->a = slmem_calloc(n ? (size_t)n : 1, sizeof(slagg_col));
    g->n = n;
    g->retractable = true;
    g->mergeable = true;
    uint32_t off = HDR_SIZE;
    sl_err err = SL_OK;
    for (int i = 0; i < n; i++) {
        const sl_agg *s = &aggs[i];
        slagg_col *a = &g->a[i];
        a->kind = s->kind;
        a->col = -1;
        a->filter = -1;
        const char *name = slagg_kind_name(s->kind);
        if (s->kind < SL_AGG_COUNT || s->kind > SL_AGG_UDAF) {
            err = slerr_set(SL_ERR_ARG, "aggregate %d: unknown kind %d", i, (int)s->kind);
            goto out;
        }
        if (s->column) {
            a->col = sl_schema_find(in, s->column);
            if (a->col < 0) {
                err = slerr_set(SL_ERR_NOTFOUND, "%s(%s): no column '%s' in the input", name,
                                s->column, s->column);
                goto out;
            }
            a->in_type = sl_schema_type(in, a->col);
        } else if (s->kind != SL_AGG_COUNT) {
            err = slerr_set(SL_ERR_ARG, "%s needs an input column", name);
            goto out;
        }
        switch (s->kind) {
        case SL_AGG_SUM:
        case SL_AGG_AVG:
        case SL_AGG_STDDEV:
        case SL_AGG_STDDEV_POP:
            if (!is_numeric(a->in_type)) {
                err = slerr_set(SL_ERR_TYPE, "%s(%s): column '%s' is %s, a numeric type is needed",
                                name, s->column, s->column, sl_type_name(a->in_type));
                goto out;
            }
            break;
        case SL_AGG_MIN:
        case SL_AGG_MAX:
        case SL_AGG_FIRST_VALUE:
        case SL_AGG_LAST_VALUE:
            g->retractable = false;
            g->has_str |= a->in_type == SL_STRING;
            break;
        case SL_AGG_COUNT_DISTINCT:
            g->has_distinct = true;
            break;
        case SL_AGG_UDAF:
            if (!s->udaf || !s->udaf->init || !s->udaf->add || !s->udaf->result) {
                err = slerr_set(SL_ERR_ARG, "aggregate %d: a UDAF needs init, add and result", i);
                goto out;
            }
            if (s->udaf->acc_size > (1u << 20)) {
                err = slerr_set(SL_ERR_ARG, "UDAF %s: accumulator of %zu bytes is too large",
                                s->udaf->name ? s->udaf->name : "?", s->udaf->acc_size);
                goto out;
            }
            a->udaf = s->udaf;
            g->retractable &= s->udaf->retract != NULL;
            g->mergeable &= s->udaf->merge != NULL;
            break;
        default:
            break;
        }
        if (filters && filters[i]) {
            a->filter = sl_schema_find(in, filters[i]);
            if (a->filter < 0) {
                err = slerr_set(SL_ERR_NOTFOUND, "%s FILTER: no column '%s' in the input", name,
                                filters[i]);
                goto out;
            }
            if (sl_schema_type(in, a->filter) != SL_BOOLEAN) {
                err = slerr_set(SL_ERR_TYPE, "%s FILTER: column '%s' is %s, BOOLEAN is needed",
                                name, filters[i], sl_type_name(sl_schema_type(in, a->filter)));
                goto out;
            }
        }
        a->out_type = slagg_out_type(a->kind, a->in_type, a->udaf);
        a->off = off;
        off += state_size(a);
    }
    g->rec_size = off;
    g->dsets = slmem_calloc(n ? (size_t)n : 1, sizeof(slagg_dset));
    slagg_make_dsets(g);
out:
    if (err) {
        slaggs_free(g);
    }
    return err;
}

void slaggs_free(slaggs *g) {
    if (!g) {
        return;
    }
    slmem_free(g->a);
    for (int d = 0; d < g->n_dsets; d++) {
        slmem_free(g->dsets[d].aggs);
    }
    slmem_free(g->dsets);
    slbuf_free(&g->kbuf);
    slbuf_free(&g->vbuf);
    memset(g, 0, sizeof(*g));
}

void slaggs_rec_init(const slaggs *g, void *rec, uint64_t hash) {
    memset(rec, 0, g->rec_size);
    memcpy((char *)rec + 8, &hash, 8);
    for (int i = 0; i < g->n; i++) {
        const slagg_col *a = &g->a[i];
        if (a->kind == SL_AGG_UDAF) {
            char *acc = (char *)rec + a->off;
            a->udaf->init(acc, a->udaf->user);
        }
    }
}

/* ---- composite keys of the variable-size tables ---- */

static const char *str_key(slaggs *g, int agg, const slagg_key *k, uint32_t *len) {
    g->kbuf.len = 0;
    char *p = buf_room(&g->kbuf, 1 + (size_t)k->klen);
    p[0] = (char)agg;
    if (k->klen) {
        memcpy(p + 1, k->key, k->klen);
    }
    *len = (uint32_t)g->kbuf.len;
    return g->kbuf.data;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, SL_MIN(alen, blen));
    if (c != 0) {
        return c;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* -1, 0, 1: value x (of type t) against the stored value v. */
static int cmp_fixed(sl_type t, slv x, slv v) {
    if (t == SL_DOUBLE) {
        return x.d < v.d ? -1 : x.d > v.d ? 1 : 0;
    }
    return x.i < v.i ? -1 : x.i > v.i ? 1 : 0;
}

static slv col_value(const slcol *c, uint32_t i) {
    slv v;
    switch (c->type) {
    case SL_DOUBLE:
        v.d = c->v.f64[i];
        break;
    case SL_BOOLEAN:
        v.i = c->v.b[i] ? 1 : 0;
        break;
    case SL_STRING:
        v.i = c->v.s[i].len;
        break;
    default:
        v.i = c->v.i64[i];
        break;
    }
    return v;
}

/* ---- add ---- */

static void add_minmax(slaggs *g, int ai, char *p, const slaggs_store *st, uint64_t ns,
                       const slagg_key *k, const slcol *c, uint32_t i) {
    const slagg_col *a = &g->a[ai];
    st_minmax s;
    memcpy(&s, p, sizeof(s));
    int want = a->kind == SL_AGG_MIN ? -1 : 1;
    if (c->type == SL_STRING) {
        const slstr *x = &c->v.s[i];
        uint32_t klen;
        const char *ck = str_key(g, ai, k, &klen);
        if (s.has) {
            uint32_t vlen = 0;
            const char *cur = slkv_get(st->str, ns, ck, klen, k->hash, &vlen);
            if (cur && cmp_bytes(x->ptr, x->len, cur, vlen) * want <= 0) {
                return;
            }
        }
        slkv_put(st->str, ns, ck, klen, k->hash, x->ptr, x->len);
        s.has = 1;
        s.v.i = x->len;
    } else {
        slv x = col_value(c, i);
        if (s.has && cmp_fixed(c->type, x, s.v) * want <= 0) {
            return;
        }
        s.has = 1;
        s.v = x;
    }
    memcpy(p, &s, sizeof(s));
}

static void add_firstlast(slaggs *g, int ai, char *p, const slaggs_store *st, uint64_t ns,
                          const slagg_key *k, const slcol *c, uint32_t i, int64_t ts,
                          uint64_t seq) {
    const slagg_col *a = &g->a[ai];
    st_fl s;
    memcpy(&s, p, sizeof(s));
    if (s.has) {
        /* Ties on event time go to arrival order: FIRST keeps the earlier. */
        bool take = a->kind == SL_AGG_FIRST_VALUE ? ts < s.ts : ts >= s.ts;
        if (!take) {
            return;
        }
    }
    s.has = 1;
    s.ts = ts;
    s.seq = (int64_t)seq;
    s.v = col_value(c, i);
    if (c->type == SL_STRING) {
        uint32_t klen;
        const char *ck = str_key(g, ai, k, &klen);
        slkv_put(st->str, ns, ck, klen, k->hash, c->v.s[i].ptr, c->v.s[i].len);
    }
    memcpy(p, &s, sizeof(s));
}

static void udaf_call_add(const slagg_col *a, char *p, const slbatch *b, uint32_t i, bool retract) {
    /* The accumulator is copied to aligned memory for the callback: state
     * backends do not promise alignment. Small accumulators use the stack. */
    uint64_t local[32];
    size_t sz = a->udaf->acc_size;
    void *acc = sz <= sizeof(local) ? (void *)local : slmem_alloc(sz);
    memcpy(acc, p, sz);
    sl_row r = {b, i};
    if (retract) {
        a->udaf->retract(acc, &r, a->col, a->udaf->user);
    } else {
        a->udaf->add(acc, &r, a->col, a->udaf->user);
    }
    memcpy(p, acc, sz);
    if (acc != (void *)local) {
        slmem_free(acc);
    }
}

/* Fold row i of b into the state p of aggregate ai (COUNT(*) and NULL inputs
 * included); the record's row count is the caller's. */
static void add_one(slaggs *g, int ai, char *p, const slaggs_store *st, uint64_t ns,
                    const slagg_key *k, const slbatch *b, uint32_t i, uint64_t seq) {
    const slagg_col *a = &g->a[ai];
    if (!passes(a, b, i)) {
        return;
    }
    if (a->col < 0) { /* COUNT(*) */
        st_count s;
        memcpy(&s, p, sizeof(s));
        s.n++;
        memcpy(p, &s, sizeof(s));
        return;
    }
    const slcol *c = &b->cols[a->col];
    if (c->nulls[i]) {
        return;
    }
    switch (a->kind) {
    case SL_AGG_COUNT: {
        st_count s;
        memcpy(&s, p, sizeof(s));
        s.n++;
        memcpy(p, &s, sizeof(s));
        break;
    }
    case SL_AGG_SUM: {
        st_sum s;
        memcpy(&s, p, sizeof(s));
        s.n++;
        if (c->type == SL_DOUBLE) {
            s.sum.d += c->v.f64[i];
        } else {
            s.sum.i = (int64_t)((uint64_t)s.sum.i + (uint64_t)c->v.i64[i]);
        }
        memcpy(p, &s, sizeof(s));
        break;
    }
    case SL_AGG_MIN:
    case SL_AGG_MAX:
        add_minmax(g, ai, p, st, ns, k, c, i);
        break;
    case SL_AGG_AVG: {
        st_avg s;
        memcpy(&s, p, sizeof(s));
        s.n++;
        if (c->type == SL_DOUBLE) {
            s.dsum += c->v.f64[i];
        } else {
            s.isum = (int64_t)((uint64_t)s.isum + (uint64_t)c->v.i64[i]);
        }
        memcpy(p, &s, sizeof(s));
        break;
    }
    case SL_AGG_STDDEV:
    case SL_AGG_STDDEV_POP: {
        st_var s;
        memcpy(&s, p, sizeof(s));
        double x = c->type == SL_DOUBLE ? c->v.f64[i] : (double)c->v.i64[i];
        s.n++;
        double d = x - s.mean;
        s.mean += d / (double)s.n;
        s.m2 += d * (x - s.mean);
        memcpy(p, &s, sizeof(s));
        break;
    }
    case SL_AGG_FIRST_VALUE:
    case SL_AGG_LAST_VALUE:
        add_firstlast(g, ai, p, st, ns, k, c, i, b->ts[i], seq);
        break;
    case SL_AGG_COUNT_DISTINCT:
        break; /* by distinct set: dset_add */
    case SL_AGG_UDAF:
        udaf_call_add(a, p, b, i, false);
        break;
    }
}

void slaggs_add(slaggs *g, void *rec, const slaggs_store *st, uint64_t ns, const slagg_key *k,
                const slbatch *b, uint32_t i, uint64_t seq) {
    char *r = rec;
    int64_t rows;
    memcpy(&rows, r, 8);
    rows++;
    memcpy(r, &rows, 8);
    for (int ai = 0; ai < g->n; ai++) {
        if (g->a[ai].dset < 0) {
            add_one(g, ai, r + g->a[ai].off, st, ns, k, b, i, seq);
        }
    }
    size_t plen = 0;
    for (int d = 0; d < g->n_dsets; d++) {
        slagg_dset_add(g, &g->dsets[d], r, st, ns, k, b, i, &plen);
    }
}

/* ---- add, a run of rows at a time ---- */

/* The int64 at byte `off` of record r, read and written through memcpy (see
 * the file comment). */
static inline int64_t rec_i64(void *const r, uint32_t off) {
    int64_t v;
    memcpy(&v, (const char *)r + off, 8);
    return v;
}
static inline void rec_set_i64(void *r, uint32_t off, int64_t v) {
    memcpy((char *)r + off, &v, 8);
}
static inline double rec_f64(void *const r, uint32_t off) {
    double v;
    memcpy(&v, (const char *)r + off, 8);
    return v;
}
static inline void rec_set_f64(void *r, uint32_t off, double v) {
    memcpy((char *)r + off, &v, 8);
}

/* Add 1 to the int64 at `off` of every record (of non-NULL rows only if
 * nulls is not NULL). */
static void fold_count(void *const *recs, uint32_t off, const uint8_t *nulls, uint32_t n) {
    if (!nulls) {
        for (uint32_t j = 0; j < n; j++) {
            rec_set_i64(recs[j], off, rec_i64(recs[j], off) + 1);
        }
        return;
    }
    for (uint32_t j = 0; j < n; j++) {
        if (!nulls[j]) {
            rec_set_i64(recs[j], off, rec_i64(recs[j], off) + 1);
        }
    }
}

/* SUM and AVG: a count at off, then integer sum at isum_off and/or double
 * sum at dsum_off. */
static void fold_sum_i64(void *const *recs, uint32_t off, uint32_t sum_off, const uint8_t *nulls,
                         const int64_t *v, uint32_t n) {
    for (uint32_t j = 0; j < n; j++) {
        if (!nulls[j]) {
            void *r = recs[j];
            rec_set_i64(r, off, rec_i64(r, off) + 1);
            rec_set_i64(r, sum_off, (int64_t)((uint64_t)rec_i64(r, sum_off) + (uint64_t)v[j]));
        }
    }
}

static void fold_sum_f64(void *const *recs, uint32_t off, uint32_t sum_off, const uint8_t *nulls,
                         const double *v, uint32_t n) {
    for (uint32_t j = 0; j < n; j++) {
        if (!nulls[j]) {
            void *r = recs[j];
            rec_set_i64(r, off, rec_i64(r, off) + 1);
            rec_set_f64(r, sum_off, rec_f64(r, sum_off) + v[j]);
        }
    }
}

/* MIN/MAX of a fixed-size value (as add_minmax). */
static void fold_minmax(const slagg_col *a, void *const *recs, const slcol *c,
                        const uint8_t *nulls, uint32_t first, uint32_t n) {
    int want = a->kind == SL_AGG_MIN ? -1 : 1;
    for (uint32_t j = 0; j < n; j++) {
        if (nulls[j]) {
            continue;
        }
        char *p = (char *)recs[j] + a->off;
        st_minmax s;
        memcpy(&s, p, sizeof(s));
        slv x = col_value(c, first + j);
        if (s.has && cmp_fixed(c->type, x, s.v) * want <= 0) {
            continue;
        }
        s.has = 1;
        s.v = x;
        memcpy(p, &s, sizeof(s));
    }
}

/* Rows per pass of slaggs_add_rows: every aggregate takes a pass over the
 * records of a chunk, so a chunk's records should stay in the L1 cache
 * (entries of ~128 bytes: 64 of them are 8 KiB). */
#define ADD_CHUNK 64

static void add_chunk(slaggs *g, void *const *recs, const slaggs_store *st, uint64_t ns,
                      const slkv_key *keys, const slbatch *b, uint32_t first, uint32_t n,
                      uint64_t seq0);

void slaggs_add_rows(slaggs *g, void *const *recs, const slaggs_store *st, uint64_t ns,
                     const slkv_key *keys, const slbatch *b, uint32_t first, uint32_t n,
                     uint64_t seq0) {
    for (uint32_t j = 0; j < n; j += ADD_CHUNK) {
        uint32_t m = SL_MIN(ADD_CHUNK, n - j);
        add_chunk(g, recs + j, st, ns, keys + j, b, first + j, m, seq0 + j);
    }
}

static void add_chunk(slaggs *g, void *const *recs, const slaggs_store *st, uint64_t ns,
                      const slkv_key *keys, const slbatch *b, uint32_t first, uint32_t n,
                      uint64_t seq0) {
    /* The record's row count, with the first unfiltered COUNT(*) in the
     * same pass. */
    int star = -1;
    for (int ai = 0; ai < g->n && star < 0; ai++) {
        star = g->a[ai].col < 0 && g->a[ai].filter < 0 ? ai : -1;
    }
    if (star >= 0) {
        uint32_t off = g->a[star].off;
        for (uint32_t j = 0; j < n; j++) {
            void *r = recs[j];
            rec_set_i64(r, 0, rec_i64(r, 0) + 1);
            rec_set_i64(r, off, rec_i64(r, off) + 1);
        }
    } else {
        fold_count(recs, 0, NULL, n);
    }
    uint8_t skip[ADD_CHUNK];
    for (int ai = 0; ai < g->n; ai++) {
        const slagg_col *a = &g->a[ai];
        if (a->kind == SL_AGG_COUNT_DISTINCT) {
            continue; /* by distinct set, below */
        }
        const slcol *c = a->col >= 0 ? &b->cols[a->col] : NULL;
        const uint8_t *nulls = c ? c->nulls + first : NULL;
        if (a->filter >= 0) {
            /* Rows the filter rejects count as NULLs. */
            const slcol *f = &b->cols[a->filter];
            for (uint32_t j = 0; j < n; j++) {
                skip[j] = (uint8_t)((nulls && nulls[j]) || f->nulls[first + j] ||
                                    !f->v.b[first + j]);
            }
            nulls = skip;
        }
        if (a->col < 0) {
            if (ai != star) {
                fold_count(recs, a->off, nulls, n); /* COUNT(*) */
            }
            continue;
        }
        bool dbl = c->type == SL_DOUBLE;
        switch (a->kind) {
        case SL_AGG_COUNT:
            fold_count(recs, a->off, nulls, n);
            continue;
        case SL_AGG_SUM:
            if (dbl) {
                fold_sum_f64(recs, a->off, a->off + 8, nulls, c->v.f64 + first, n);
            } else {
                fold_sum_i64(recs, a->off, a->off + 8, nulls, c->v.i64 + first, n);
            }
            continue;
        case SL_AGG_AVG:
            if (dbl) {
                fold_sum_f64(recs, a->off, a->off + 16, nulls, c->v.f64 + first, n);
            } else {
                fold_sum_i64(recs, a->off, a->off + 8, nulls, c->v.i64 + first, n);
            }
            continue;
        case SL_AGG_MIN:
        case SL_AGG_MAX:
            if (c->type != SL_STRING) {
                fold_minmax(a, recs, c, nulls, first, n);
                continue;
            }
            break;
        default:
            break;
        }
        /* The rest (STDDEV, FIRST/LAST, STRING MIN/MAX, UDAFs): row by row
         * (add_one applies the filter). */
        for (uint32_t j = 0; j < n; j++) {
            const slkv_key *kk = &keys[j];
            slagg_key k = {kk->key, kk->klen, kk->hash};
            add_one(g, ai, (char *)recs[j] + a->off, st, ns, &k, b, first + j, seq0 + j);
        }
    }
    /* COUNT DISTINCT: row by row, each row's key prefix encoded once for all
     * its sets. */
    for (uint32_t j = 0; j < n && g->n_dsets; j++) {
        const slkv_key *kk = &keys[j];
        slagg_key k = {kk->key, kk->klen, kk->hash};
        size_t plen = 0;
        for (int d = 0; d < g->n_dsets; d++) {
            slagg_dset_add(g, &g->dsets[d], recs[j], st, ns, &k, b, first + j, &plen);
        }
    }
}

void slaggs_retract(slaggs *g, void *rec, const slaggs_store *st, uint64_t ns, const slagg_key *k,
                    const slbatch *b, uint32_t i) {
    char *r = rec;
    int64_t rows;
    memcpy(&rows, r, 8);
    rows--;
    memcpy(r, &rows, 8);
    for (int ai = 0; ai < g->n; ai++) {
        const slagg_col *a = &g->a[ai];
        char *p = r + a->off;
        if ((a->col >= 0 && b->cols[a->col].nulls[i]) || !passes(a, b, i)) {
            continue;
        }
        const slcol *c = a->col >= 0 ? &b->cols[a->col] : NULL;
        switch (a->kind) {
        case SL_AGG_COUNT: {
            st_count s;
            memcpy(&s, p, sizeof(s));
            s.n--;
            memcpy(p, &s, sizeof(s));
            break;
        }
        case SL_AGG_SUM: {
            st_sum s;
            memcpy(&s, p, sizeof(s));
            s.n--;
            if (c->type == SL_DOUBLE) {
                s.sum.d = s.n ? s.sum.d - c->v.f64[i] : 0;
            } else {
                s.sum.i = (int64_t)((uint64_t)s.sum.i - (uint64_t)c->v.i64[i]);
            }
            memcpy(p, &s, sizeof(s));
            break;
        }
        case SL_AGG_AVG: {
            st_avg s;
            memcpy(&s, p, sizeof(s));
            s.n--;
            if (c->type == SL_DOUBLE) {
                s.dsum = s.n ? s.dsum - c->v.f64[i] : 0;
            } else {
                s.isum = (int64_t)((uint64_t)s.isum - (uint64_t)c->v.i64[i]);
            }
            memcpy(p, &s, sizeof(s));
            break;
        }
        case SL_AGG_STDDEV:
        case SL_AGG_STDDEV_POP: {
            st_var s;
            memcpy(&s, p, sizeof(s));
            double x = c->type == SL_DOUBLE ? c->v.f64[i] : (double)c->v.i64[i];
            if (s.n <= 1) {
                memset(&s, 0, sizeof(s));
            } else {
                double mean0 = s.mean - (x - s.mean) / (double)(s.n - 1);
                s.m2 -= (x - mean0) * (x - s.mean);
                s.mean = mean0;
                s.n--;
                if (s.m2 < 0) {
                    s.m2 = 0;
                }
            }
            memcpy(p, &s, sizeof(s));
            break;
        }
        case SL_AGG_COUNT_DISTINCT:
            break; /* by distinct set, below */
        case SL_AGG_UDAF:
            if (a->udaf->retract) {
                udaf_call_add(a, p, b, i, true);
            }
            break;
        default: /* MIN, MAX, FIRST_VALUE, LAST_VALUE keep their value */
            break;
        }
    }
    size_t plen = 0;
    for (int d = 0; d < g->n_dsets; d++) {
        slagg_dset_retract(g, &g->dsets[d], r, st, ns, k, b, i, &plen);
    }
}

/* ---- merge ---- */

/* Copy the STRING value of aggregate ai from (ss, src_ns) to (ds, dst_ns). */
static void copy_str(slaggs *g, int ai, const slaggs_store *ds, uint64_t dst_ns,
                     const slaggs_store *ss, uint64_t src_ns, const slagg_key *k) {
    uint32_t klen, vlen = 0;
    const char *ck = str_key(g, ai, k, &klen);
    const char *v = slkv_get(ss->str, src_ns, ck, klen, k->hash, &vlen);
    if (!v) {
        return;
    }
    /* Copy first: src and dst may be the same table, and put may move it. */
    slbuf_reset(&g->vbuf);
    slbuf_put(&g->vbuf, v, vlen);
    slkv_put(ds->str, dst_ns, ck, klen, k->hash, g->vbuf.data, vlen);
}

static void merge_minmax(slaggs *g, int ai, char *dp, const slaggs_store *ds, uint64_t dst_ns,
                         const char *sp, const slaggs_store *ss, uint64_t src_ns,
                         const slagg_key *k) {
    const slagg_col *a = &g->a[ai];
    st_minmax d, s;
    memcpy(&d, dp, sizeof(d));
    memcpy(&s, sp, sizeof(s));
    if (!s.has) {
        return;
    }
    int want = a->kind == SL_AGG_MIN ? -1 : 1;
    if (a->in_type == SL_STRING) {
        if (d.has) {
            uint32_t klen, slen = 0, dlen = 0;
            const char *ck = str_key(g, ai, k, &klen);
            const char *sv = slkv_get(ss->str, src_ns, ck, klen, k->hash, &slen);
            const char *dv = slkv_get(ds->str, dst_ns, ck, klen, k->hash, &dlen);
            if (!sv || (dv && cmp_bytes(sv, slen, dv, dlen) * want <= 0)) {
                return;
            }
        }
        copy_str(g, ai, ds, dst_ns, ss, src_ns, k);
    } else if (d.has && cmp_fixed(a->in_type, s.v, d.v) * want <= 0) {
        return;
    }
    memcpy(dp, &s, sizeof(s));
}

static void merge_firstlast(slaggs *g, int ai, char *dp, const slaggs_store *ds, uint64_t dst_ns,
                            const char *sp, const slaggs_store *ss, uint64_t src_ns,
                            const slagg_key *k) {
    const slagg_col *a = &g->a[ai];
    st_fl d, s;
    memcpy(&d, dp, sizeof(d));
    memcpy(&s, sp, sizeof(s));
    if (!s.has) {
        return;
    }
    if (d.has) {
        bool take = a->kind == SL_AGG_FIRST_VALUE
                        ? (s.ts < d.ts || (s.ts == d.ts && s.seq < d.seq))
                        : (s.ts > d.ts || (s.ts == d.ts && s.seq > d.seq));
        if (!take) {
            return;
        }
    }
    if (a->in_type == SL_STRING) {
        copy_str(g, ai, ds, dst_ns, ss, src_ns, k);
    }
    memcpy(dp, &s, sizeof(s));
}

void slaggs_merge(slaggs *g, void *dst, const slaggs_store *ds, uint64_t dst_ns, const void *src,
                  const slaggs_store *ss, uint64_t src_ns, const slagg_key *k) {
    char *dr = dst;
    const char *sr = src;
    int64_t dn, sn;
    memcpy(&dn, dr, 8);
    memcpy(&sn, sr, 8);
    dn += sn;
    memcpy(dr, &dn, 8);
    for (int ai = 0; ai < g->n; ai++) {
        const slagg_col *a = &g->a[ai];
        char *dp = dr + a->off;
        const char *sp = sr + a->off;
        switch (a->kind) {
        case SL_AGG_COUNT: {
            st_count d, s;
            memcpy(&d, dp, sizeof(d));
            memcpy(&s, sp, sizeof(s));
            d.n += s.n;
            memcpy(dp, &d, sizeof(d));
            break;
        }
        case SL_AGG_SUM: {
            st_sum d, s;
            memcpy(&d, dp, sizeof(d));
            memcpy(&s, sp, sizeof(s));
            d.n += s.n;
            if (a->in_type == SL_DOUBLE) {
                d.sum.d += s.sum.d;
            } else {
                d.sum.i = (int64_t)((uint64_t)d.sum.i + (uint64_t)s.sum.i);
            }
            memcpy(dp, &d, sizeof(d));
            break;
        }
        case SL_AGG_MIN:
        case SL_AGG_MAX:
            merge_minmax(g, ai, dp, ds, dst_ns, sp, ss, src_ns, k);
            break;
        case SL_AGG_AVG: {
            st_avg d, s;
            memcpy(&d, dp, sizeof(d));
            memcpy(&s, sp, sizeof(s));
            d.n += s.n;
            d.isum = (int64_t)((uint64_t)d.isum + (uint64_t)s.isum);
            d.dsum += s.dsum;
            memcpy(dp, &d, sizeof(d));
            break;
        }
        case SL_AGG_STDDEV:
        case SL_AGG_STDDEV_POP: {
            /* Chan, Golub and LeVeque's pairwise update. */
            st_var d, s;
            memcpy(&d, dp, sizeof(d));
            memcpy(&s, sp, sizeof(s));
            if (s.n == 0) {
                break;
            }
            if (d.n == 0) {
                d = s;
            } else {
                double n = (double)(d.n + s.n);
                double delta = s.mean - d.mean;
                d.mean += delta * (double)s.n / n;
                d.m2 += s.m2 + delta * delta * (double)d.n * (double)s.n / n;
                d.n += s.n;
            }
            memcpy(dp, &d, sizeof(d));
            break;
        }
        case SL_AGG_FIRST_VALUE:
        case SL_AGG_LAST_VALUE:
            merge_firstlast(g, ai, dp, ds, dst_ns, sp, ss, src_ns, k);
            break;
        case SL_AGG_COUNT_DISTINCT:
            break; /* slaggs_merge_distinct */
        case SL_AGG_UDAF: {
            if (!a->udaf->merge) {
                break;
            }
            uint64_t l1[32], l2[32];
            size_t sz = a->udaf->acc_size;
            bool small = sz <= sizeof(l1);
            void *x = small ? (void *)l1 : slmem_alloc(sz);
            void *y = small ? (void *)l2 : slmem_alloc(sz);
            memcpy(x, dp, sz);
            memcpy(y, sp, sz);
            a->udaf->merge(x, y, a->udaf->user);
            memcpy(dp, x, sz);
            if (!small) {
                slmem_free(x);
                slmem_free(y);
            }
            break;
        }
        }
    }
}

/* ---- result ---- */

static void set_value(slbatch *out, int col, uint32_t row, sl_type t, slv v) {
    switch (t) {
    case SL_DOUBLE:
        slbatch_set_f64(out, col, row, v.d);
        break;
    case SL_BOOLEAN:
        slbatch_set_bool(out, col, row, v.i != 0);
        break;
    default:
        slbatch_set_i64(out, col, row, v.i);
        break;
    }
}

void slaggs_result(slaggs *g, const void *rec, const slaggs_store *st, uint64_t ns,
                   const slagg_key *k, slbatch *out, int first_col, uint32_t row) {
    const char *r = rec;
    for (int ai = 0; ai < g->n; ai++) {
        const slagg_col *a = &g->a[ai];
        const char *p = r + a->off;
        int col = first_col + ai;
        slbatch_set_null(out, col, row);
        switch (a->kind) {
        case SL_AGG_COUNT:
        case SL_AGG_COUNT_DISTINCT: {
            st_count s;
            memcpy(&s, p, sizeof(s));
            slbatch_set_i64(out, col, row, s.n);
            break;
        }
        case SL_AGG_SUM: {
            st_sum s;
            memcpy(&s, p, sizeof(s));
            if (s.n > 0) {
                set_value(out, col, row, a->out_type, s.sum);
            }
            break;
        }
        case SL_AGG_AVG: {
            st_avg s;
            memcpy(&s, p, sizeof(s));
            if (s.n > 0 && a->out_type == SL_BIGINT) {
                slbatch_set_i64(out, col, row, s.isum / s.n); /* truncated toward zero */
            } else if (s.n > 0) {
                double sum = a->in_type == SL_DOUBLE ? s.dsum : (double)s.isum;
                slbatch_set_f64(out, col, row, sum / (double)s.n);
            }
            break;
        }
        case SL_AGG_STDDEV:
        case SL_AGG_STDDEV_POP: {
            st_var s;
            memcpy(&s, p, sizeof(s));
            int64_t denom = a->kind == SL_AGG_STDDEV ? s.n - 1 : s.n;
            if (denom > 0) {
                double m2 = s.m2 < 0 ? 0 : s.m2;
                slbatch_set_f64(out, col, row, sqrt(m2 / (double)denom));
            }
            break;
        }
        case SL_AGG_MIN:
        case SL_AGG_MAX:
        case SL_AGG_FIRST_VALUE:
        case SL_AGG_LAST_VALUE: {
            int64_t has;
            slv v;
            memcpy(&has, p, 8);
            if (a->kind == SL_AGG_MIN || a->kind == SL_AGG_MAX) {
                memcpy(&v, p + 8, 8);
            } else {
                memcpy(&v, p + 24, 8);
            }
            if (!has) {
                break;
            }
            if (a->in_type == SL_STRING) {
                uint32_t klen, vlen = 0;
                const char *ck = str_key(g, ai, k, &klen);
                const char *sv = slkv_get(st->str, ns, ck, klen, k->hash, &vlen);
                if (sv) {
                    slbatch_set_str(out, col, row, sv, vlen);
                }
            } else {
                set_value(out, col, row, a->out_type, v);
            }
            break;
        }
        case SL_AGG_UDAF: {
            uint64_t local[32];
            size_t sz = a->udaf->acc_size;
            void *acc = sz <= sizeof(local) ? (void *)local : slmem_alloc(sz);
            memcpy(acc, p, sz);
            sl_out o;
            memset(&o, 0, sizeof(o));
            o.b = out;
            o.row = row;
            o.started = true;
            a->udaf->result(acc, &o, col, a->udaf->user);
            if (acc != (void *)local) {
                slmem_free(acc);
            }
            break;
        }
        }
    }
}

/* ---- clearing ---- */

typedef struct collect_visit {
    slbuf *keys; /* [u32 len][bytes] ... */
    const slagg_key *only;
} collect_visit;

static bool visit_collect(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                          void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    collect_visit *cv = user;
    const char *ck = key;
    uint32_t kl;
    if (klen < 13) {
        return true;
    }
    memcpy(&kl, ck + 9, 4);
    if (kl != cv->only->klen || memcmp(ck + 13, cv->only->key, kl) != 0) {
        return true;
    }
    slbuf_put(cv->keys, &klen, 4);
    slbuf_put(cv->keys, key, klen);
    return true;
}

void slaggs_clear_key(slaggs *g, const slaggs_store *st, uint64_t ns, const slagg_key *k) {
    for (int ai = 0; ai < g->n; ai++) {
        const slagg_col *a = &g->a[ai];
        bool str = a->in_type == SL_STRING &&
                   (a->kind == SL_AGG_MIN || a->kind == SL_AGG_MAX ||
                    a->kind == SL_AGG_FIRST_VALUE || a->kind == SL_AGG_LAST_VALUE);
        if (str) {
            uint32_t klen;
            const char *ck = str_key(g, ai, k, &klen);
            slkv_remove(st->str, ns, ck, klen, k->hash);
        }
    }
    if (g->has_distinct) {
        /* Collect first: removing while visiting is not allowed. */
        slbuf keys = {0};
        collect_visit cv = {&keys, k};
        slkv_visit_ns(st->distinct, ns, visit_collect, &cv);
        for (size_t off = 0; off < keys.len;) {
            uint32_t len;
            memcpy(&len, keys.data + off, 4);
            slkv_remove(st->distinct, ns, keys.data + off + 4, len,
                        distinct_hash(k->hash, keys.data + off + 4, len));
            off += 4 + len;
        }
        slbuf_free(&keys);
    }
}

void slaggs_drop_ns(slaggs *g, const slaggs_store *st, uint64_t ns) {
    if (g->has_str && st->str) {
        slkv_drop_ns(st->str, ns);
    }
    if (g->has_distinct && st->distinct) {
        slkv_drop_ns(st->distinct, ns);
    }
}

/* ---- aggregate lists of operator arguments ---- */

sl_agg *slagg_list_copy(const sl_agg *aggs, int n) {
    sl_agg *c = slmem_calloc(n ? (size_t)n : 1, sizeof *c);
    slbuf name = {0};
    for (int i = 0; i < n; i++) {
        c[i].kind = aggs[i].kind;
        c[i].column = aggs[i].column ? slmem_strdup(aggs[i].column) : NULL;
        if (aggs[i].as) {
            c[i].as = slmem_strdup(aggs[i].as);
        } else {
            slbuf_reset(&name);
            const sl_udaf *u = aggs[i].udaf;
            slbuf_puts(&name, aggs[i].kind == SL_AGG_UDAF && u && u->name
                                  ? u->name : slagg_kind_name(aggs[i].kind));
            if (aggs[i].column) {
                slbuf_putc(&name, '_');
                slbuf_puts(&name, aggs[i].column);
            }
            c[i].as = slmem_strdup(slbuf_cstr(&name));
        }
        if (aggs[i].udaf) {
            sl_udaf *u = slmem_memdup(aggs[i].udaf, sizeof *u);
            u->name = u->name ? slmem_strdup(u->name) : NULL;
            c[i].udaf = u;
        }
    }
    slbuf_free(&name);
    return c;
}

void slagg_list_free(sl_agg *aggs, int n) {
    if (!aggs) {
        return;
    }
    for (int i = 0; i < n; i++) {
        slmem_free((char *)aggs[i].column);
        slmem_free((char *)aggs[i].as);
        if (aggs[i].udaf) {
            slmem_free((char *)aggs[i].udaf->name);
            slmem_free((sl_udaf *)aggs[i].udaf);
        }
    }
    slmem_free(aggs);
}

bool slagg_can_retract(sl_agg_kind kind, const sl_udaf *udaf) {
    switch (kind) {
    case SL_AGG_MIN:
    case SL_AGG_MAX:
    case SL_AGG_FIRST_VALUE:
    case SL_AGG_LAST_VALUE:
        return false;
    case SL_AGG_UDAF:
        return udaf && udaf->retract;
    default:
        return true;
    }
}

char **slagg_filters_copy(const char *const *filters, int n) {
    if (!filters) {
        return NULL;
    }
    char **c = slmem_calloc(n ? (size_t)n : 1, sizeof *c);
    for (int i = 0; i < n; i++) {
        c[i] = filters[i] ? slmem_strdup(filters[i]) : NULL;
    }
    return c;
}

void slagg_filters_free(char **filters, int n) {
    if (!filters) {
        return;
    }
    for (int i = 0; i < n; i++) {
        slmem_free(filters[i]);
    }
    slmem_free(filters);
}
