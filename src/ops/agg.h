/*
 * agg.h - incremental aggregate functions for the window operator (and later
 * group aggregation): COUNT, COUNT(*), SUM, MIN, MAX, AVG, STDDEV(_POP),
 * FIRST_VALUE, LAST_VALUE, COUNT DISTINCT and user-defined aggregates.
 *
 * All aggregates of one operator share one fixed-size accumulator record per
 * (namespace, key), stored as plain bytes in a fixed-size slkv table owned by
 * the caller. Layout (little-endian host order, all fields 8-byte aligned):
 *
 *   offset 0   int64  n_rows     rows added minus rows retracted
 *   offset 8   uint64 hash       the key's hash (visits do not return it)
 *   offset 16  per aggregate, at slagg_col.off, its fixed state:
 *     COUNT, COUNT(*), COUNT DISTINCT   int64 n
 *     SUM                               int64 n_nonnull, int64|double sum
 *     MIN, MAX                          int64 has, value (int64|double|bool;
 *                                       STRING: int64 length, bytes in `str`)
 *     AVG                               int64 n, int64 isum, double dsum
 *     STDDEV, STDDEV_POP                int64 n, double mean, double m2
 *                                       (Welford; Chan et al. to merge)
 *     FIRST_VALUE, LAST_VALUE           int64 has, int64 ts, int64 seq, value
 *     UDAF                              acc_size bytes, rounded up to 8
 *
 * Variable-size data lives in two variable-size tables of a store (slaggs_store):
 *   str:      (ns, [u8 agg][key bytes]) -> the STRING value of MIN/MAX/FIRST/LAST
 *   distinct: (ns, [u8 set][u64 hash][u32 klen][key][value]) -> int64 mult[m]
 * where hash is the key's hash (slkey_encode); the backend gets a hash whose
 * high 32 bits are the key's (distinct_hash in agg.c), so every entry of a
 * key lands in the key's key group. Distinct values encode as 8 bytes
 * (BIGINT, TIMESTAMP, DOUBLE with -0.0 and NaN canonicalised), 1 byte
 * (BOOLEAN) or the string bytes.
 *
 * Distinct sets: the COUNT DISTINCT aggregates of one slaggs over the same
 * input column share one entry per (ns, key, value), as Flink's distinct
 * MapState per column does (q16 counts each bidder under four filters). A
 * set is named by [u8 set] = the index of its first aggregate; its m members
 * are its aggregates in index order, and mult[j] is how many rows (added
 * minus retracted) of that value member j accepted (its FILTER was TRUE).
 * A member's count (its st_count in the record) is the number of values of
 * the key whose mult[j] > 0: it moves when mult[j] goes 0 -> 1 or 1 -> 0.
 * An entry is removed when every mult is 0; a row that no member accepts
 * (or whose value is NULL) touches no entry. Merging adds mult arrays slot
 * by slot. With one member per set (no two DISTINCT aggregates over one
 * column) the layout is the one before sets existed (byte = the aggregate,
 * one int64), so such state from older checkpoints reads back unchanged.
 * Inputs without retractions (slaggs_distinct_bits: GROUP BY over an
 * append-only input) need no multiplicities, only whether a member took
 * the value: the entry's value is then one uint64 with bit j set when
 * member j did (sets of at most 64 members), merged by OR. Flink keeps a
 * bitmap for such inputs too.
 *
 * FILTER (WHERE c) of an aggregate is a BOOLEAN input column (slagg_col.
 * filter): rows where it is not TRUE leave that aggregate alone (n_rows in
 * the header still counts every row).
 *
 * Thread: an slaggs belongs to one operator subtask.
 */
#ifndef SL_AGG_H
#define SL_AGG_H

#include "data/data.h"
#include "state/state.h"

#define SLAGG_MAX 255

typedef struct slagg_col {
    sl_agg_kind kind;
    int col; /* input column; -1 for COUNT(*) */
    sl_type in_type, out_type;
    uint32_t off;         /* offset of its state in the record */
    const sl_udaf *udaf;  /* borrowed: for SL_AGG_UDAF */
    int filter;           /* BOOLEAN column: only rows where it is TRUE count; -1: all */
    int dset, slot;       /* COUNT DISTINCT: its set in slaggs.dsets and its position
                             in the set's mult array; -1 otherwise */
} slagg_col;

/* The COUNT DISTINCT aggregates over one column (see the file comment). */
typedef struct slagg_dset {
    int col;    /* the value column */
    int leader; /* the first member's aggregate index: the entries' set byte */
    int n;      /* members */
    int *aggs;  /* owned: aggs[j] is the aggregate of slot j, ascending */
} slagg_dset;

/* Where the variable-size parts of accumulators live. */
typedef struct slaggs_store {
    slkv *str;      /* borrowed; NULL when no STRING MIN/MAX/FIRST/LAST */
    slkv *distinct; /* borrowed; NULL when no COUNT DISTINCT */
} slaggs_store;

typedef struct slaggs {
    int n;
    slagg_col *a;      /* owned */
    int n_dsets;
    slagg_dset *dsets; /* owned: the distinct sets */
    uint32_t rec_size; /* bytes of the fixed record */
    bool has_str, has_distinct;
    bool retractable;  /* every aggregate supports retract */
    bool mergeable;    /* every aggregate supports merge */
    bool distinct_bits; /* distinct entries hold a member bitmap (no retraction) */
    slbuf kbuf;        /* scratch for composite keys */
    slbuf vbuf;        /* scratch for visits */
} slaggs;

/* The key an accumulator belongs to, as the state backend sees it. */
typedef struct slagg_key {
    const void *key; /* borrowed */
    uint32_t klen;
    uint64_t hash;
} slagg_key;

/*
 * Lay out the aggregates `aggs[0..n)` over input schema `in` and check them:
 * unknown column -> SL_ERR_NOTFOUND; SUM/AVG/STDDEV of a non-numeric column or
 * MIN/MAX of an unordered one -> SL_ERR_TYPE; a UDAF without init/add/result or
 * a column -> SL_ERR_ARG. `aggs` is borrowed; UDAF pointers are kept (the
 * caller keeps them alive). The output name of each is not handled here.
 */
sl_err slaggs_init(slaggs *g, const sl_schema *in, const sl_agg *aggs, int n);
/* The same with a FILTER per aggregate: filters NULL (none), or filters[i]
 * NULL or the name of a BOOLEAN column of `in` (SQL's agg(x) FILTER (WHERE
 * c) with c computed as a column). A missing column -> SL_ERR_NOTFOUND, one
 * of another type -> SL_ERR_TYPE. */
sl_err slaggs_init_filtered(slaggs *g, const sl_schema *in, const sl_agg *aggs,
                            const char *const *filters, int n);
void slaggs_free(slaggs *g);
/* Keep distinct entries as member bitmaps (see the file comment) when every
 * set has at most 64 members; for inputs that never retract (slaggs_retract
 * then leaves COUNT DISTINCT alone). Call right after init, before any
 * state is written; the choice is part of the state layout. */
void slaggs_distinct_bits(slaggs *g);

/* Initialise a fresh record of a key with hash `hash` (n_rows 0, every
 * aggregate empty). */
void slaggs_rec_init(const slaggs *g, void *rec, uint64_t hash);
static inline int64_t slaggs_rec_rows(const void *rec) {
    int64_t n;
    memcpy(&n, rec, 8);
    return n;
}
static inline uint64_t slaggs_rec_hash(const void *rec) {
    uint64_t h;
    memcpy(&h, (const char *)rec + 8, 8);
    return h;
}

/* Fold row i of b into `rec` (namespace ns of `st`, key k). `seq` is the row's
 * arrival number, used to break FIRST/LAST ties. */
void slaggs_add(slaggs *g, void *rec, const slaggs_store *st, uint64_t ns, const slagg_key *k,
                const slbatch *b, uint32_t i, uint64_t seq);
/*
 * Fold the rows first .. first+n-1 of b into the records recs[0..n) (row
 * first+j into recs[j]), all of namespace ns of st; keys[j] is the key of
 * recs[j] and seq0+j the arrival number of row first+j. Several rows may share
 * a record (equal pointers). The result is that of slaggs_add for each row in
 * order; the work is done one aggregate at a time over all rows, in loops
 * specialised by kind and column type, so a batch pays for the dispatch once.
 * Used by the window operator's hot path (with slkv_upsert_many).
 */
void slaggs_add_rows(slaggs *g, void *const *recs, const slaggs_store *st, uint64_t ns,
                     const slkv_key *keys, const slbatch *b, uint32_t first, uint32_t n,
                     uint64_t seq0);
/* Remove row i of b from `rec` for the aggregates that can (COUNT, SUM, AVG,
 * STDDEV, COUNT DISTINCT, UDAFs with retract); others keep their value. */
void slaggs_retract(slaggs *g, void *rec, const slaggs_store *st, uint64_t ns, const slagg_key *k,
                    const slbatch *b, uint32_t i);
/* Merge src (of namespace src_ns in store ss) into dst (dst_ns in ds), except
 * COUNT DISTINCT, which slaggs_merge_distinct handles. */
void slaggs_merge(slaggs *g, void *dst, const slaggs_store *ds, uint64_t dst_ns, const void *src,
                  const slaggs_store *ss, uint64_t src_ns, const slagg_key *k);
/* Merge the COUNT DISTINCT entries of namespace src_ns of ss (only key `only`
 * when not NULL) into dst_ns of ds, counting new values into the records of
 * table `recs` (namespace rec_ns). ss->distinct and ds->distinct must be
 * different tables. */
void slaggs_merge_distinct(slaggs *g, const slaggs_store *ds, uint64_t dst_ns,
                           const slaggs_store *ss, uint64_t src_ns, slkv *recs, uint64_t rec_ns,
                           const slagg_key *only);
/* Write the results into columns first_col.. of row `row` of `out`. */
void slaggs_result(slaggs *g, const void *rec, const slaggs_store *st, uint64_t ns,
                   const slagg_key *k, slbatch *out, int first_col, uint32_t row);
/* Remove the variable-size entries of key k in namespace ns (the record itself
 * is the caller's). */
void slaggs_clear_key(slaggs *g, const slaggs_store *st, uint64_t ns, const slagg_key *k);
/* Drop the variable-size entries of every key in namespace ns. */
void slaggs_drop_ns(slaggs *g, const slaggs_store *st, uint64_t ns);

/* An owned copy of aggs[0..n) for an operator's argument: column, output
 * name and UDAF copied; a missing output name becomes "<kind>_<column>"
 * ("count", "sum_v", "<udaf name>_v"). Free with slagg_list_free. */
sl_agg *slagg_list_copy(const sl_agg *aggs, int n);
void slagg_list_free(sl_agg *aggs, int n);
/* An owned copy of filters[0..n) (NULL stays NULL); free with
 * slagg_filters_free. */
char **slagg_filters_copy(const char *const *filters, int n);
void slagg_filters_free(char **filters, int n);
/* Whether an aggregate can take a row back out (slaggs_retract really
 * removes it): false for MIN, MAX, FIRST_VALUE, LAST_VALUE and UDAFs without
 * retract. */
bool slagg_can_retract(sl_agg_kind kind, const sl_udaf *udaf);

/* The output type of aggregate `kind` over an input of type `in`. */
sl_type slagg_out_type(sl_agg_kind kind, sl_type in, const sl_udaf *udaf);
/* "count", "sum", ... (lower case). */
const char *slagg_kind_name(sl_agg_kind kind);

#endif /* SL_AGG_H */
