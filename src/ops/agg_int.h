/*
 * agg_int.h - what agg.c (the aggregate functions) and agg_distinct.c (the
 * COUNT DISTINCT value sets) share: the layouts of the fixed per-aggregate
 * state, the helpers that build state keys and the hash of a distinct entry.
 * Layouts and contracts: agg.h.
 */
#ifndef SL_AGG_INT_H
#define SL_AGG_INT_H

#include "ops/agg.h"

#define HDR_SIZE 16

typedef union slv {
    int64_t i;
    double d;
} slv;

typedef struct st_count {
    int64_t n;
} st_count;
typedef struct st_sum {
    int64_t n;
    slv sum;
} st_sum;
typedef struct st_minmax {
    int64_t has;
    slv v; /* STRING: v.i is the length; bytes in the str table */
} st_minmax;
typedef struct st_avg {
    int64_t n, isum;
    double dsum;
} st_avg;
typedef struct st_var {
    int64_t n;
    double mean, m2;
} st_var;
typedef struct st_fl {
    int64_t has, ts, seq;
    slv v;
} st_fl;

/* n more bytes at the end of b (grown when needed), to be written. The keys
 * are built per row and per aggregate: this keeps them out of calls. */
static inline char *buf_room(slbuf *b, size_t n) {
    if (b->len + n + 1 > b->cap) {
        slbuf_reserve(b, n);
    }
    char *p = b->data + b->len;
    b->len += n;
    return p;
}

/*
 * The state hash of a distinct-value entry: the row key's hash in the high
 * half (the key group, so entries move with their group's key), the entry's
 * own bytes mixed into the low half (the probe position: the values of one
 * group must not all land in one probe run, which made each lookup scan
 * every earlier value of its group).
 */
static inline uint64_t distinct_hash(uint64_t row_hash, const char *ck, uint32_t klen) {
    return (row_hash & UINT64_C(0xFFFFFFFF00000000)) |
           (slhash_bytes(ck, klen, row_hash) & UINT64_C(0xFFFFFFFF));
}

/* Whether row i of b passes aggregate a's FILTER (TRUE, not NULL). */
static inline bool passes(const slagg_col *a, const slbatch *b, uint32_t i) {
    if (a->filter < 0) {
        return true;
    }
    const slcol *f = &b->cols[a->filter];
    return !f->nulls[i] && f->v.b[i];
}

static inline void count_add(char *rec, const slagg_col *a, int64_t d) {
    st_count s;
    memcpy(&s, rec + a->off, sizeof(s));
    s.n += d;
    memcpy(rec + a->off, &s, sizeof(s));
}

/* Bytes of an entry value of set ds. */
static inline uint32_t dset_vlen(const slaggs *g, const slagg_dset *ds) {
    return g->distinct_bits ? 8 : 8 * (uint32_t)ds->n;
}

/* agg_distinct.c */

/* Group the COUNT DISTINCT aggregates of g by column into distinct sets. */
void slagg_make_dsets(slaggs *g);
/* Add row i of b to set ds of record rec (namespace ns, key k), or take it
 * back out. *plen is the length of the key prefix in g->kbuf, 0 until the
 * first set of the row encodes it. */
void slagg_dset_add(slaggs *g, const slagg_dset *ds, char *rec, const slaggs_store *st,
                    uint64_t ns, const slagg_key *k, const slbatch *b, uint32_t i, size_t *plen);
void slagg_dset_retract(slaggs *g, const slagg_dset *ds, char *rec, const slaggs_store *st,
                        uint64_t ns, const slagg_key *k, const slbatch *b, uint32_t i,
                        size_t *plen);

#endif /* SL_AGG_INT_H */
