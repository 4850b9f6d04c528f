/*
 * join_regular.c - the regular (unbounded) join of two changelogs (join.h),
 * with the output Flink's StreamingJoinOperator produces.
 *
 * State: per side a fixed-size table (join_int.h, "join.rows.l" / "r") with
 * one entry per distinct stored row: its multiplicity (cnt) and, on an outer
 * side, the number of rows of the other side it matches (matched). The entry
 * is keyed (ns = the join key's hash, [u32 key length][join key][row bytes])
 * so that inserting or retracting a row is one upsert / get of its own entry
 * and a probe visits the namespace of its key: O(rows of that key), not a
 * list rewritten and decoded whole. For a row x of side s (other side o),
 * with M = the other side's rows of its key for which the residual holds:
 *   x accumulates (+I / +U):
 *     each e in M: if o is outer and e had no match yet: -D (null, e) (its
 *     padded row is withdrawn); e.matched += 1; then (x, e), as many times as
 *     e's multiplicity, kind +I (an outer join) or x's kind (an inner one);
 *     M empty and s outer: +I (x, null); x is added to s's rows.
 *   x retracts (-U / -D):
 *     each e in M: (x, e) kind -D (outer join) or x's kind (inner); if o is
 *     outer and x was e's last match: +I (null, e); e.matched -= 1;
 *     M empty and s outer: -D (x, null); x is removed from s's rows.
 * Output rows carry x's event time. The rows of M come out in the backend's
 * visit order (memory: the order the rows were first stored; RocksDB: key
 * order). A row whose key has a NULL matches nothing (on an outer side it
 * comes out padded, and is kept to retract it).
 *
 * Entry hash: the state hash of a stored row keeps the join key hash's high
 * half (its key group: rescaling splits a key's rows together) and takes its
 * low half from a hash of the row bytes, so the rows of a hot key spread over
 * the memory backend's index instead of sharing one probe run.
 *
 * State TTL (ctx->state_ttl_us, table.exec.state.ttl): a stored row expires
 * when it was not written (stored, or its multiplicity changed) for the TTL;
 * updating `matched` does not count as a write. A later row of that key then
 * misses the expired partners (and a retraction of an expired row finds
 * nothing to retract): results become incomplete, as in Flink.
 *
 * Thread: the worker that owns the subtask.
 */
#include "ops/join_int.h"

static sl_err rj_open(slop *op, slopctx *c) {
    return sljc_open((jop *)op, c, 0);
}

/* The state hash of a stored row: the join key hash's key group (high
 * half), the row's own low half. */
static inline uint64_t row_hash(uint64_t h, const char *row, size_t len) {
    return (h & UINT64_C(0xffffffff00000000)) | (uint32_t)slhash_bytes(row, len, h);
}

static inline rjval val_get(const void *v) {
    rjval x;
    memcpy(&x, v, sizeof x);
    return x;
}

static inline void val_set(void *v, rjval x) {
    memcpy(v, &x, sizeof x);
}

/* Rows are joined in chunks: every row of a chunk probes first (candidates
 * of all rows in j->ents, their bytes in j->val), then the residual is
 * evaluated once over all candidate pairs, then each row in order emits and
 * is stored. Exact because a batch comes from one side s: storing s's rows
 * does not change what the other side's probes find, and the one thing of
 * the other side that changes, an outer row's `matched`, is read back live
 * when it is updated. */
#ifdef SL_SMALL_BUFFERS
#define CHUNK_PAIRS 5
#else
#define CHUNK_PAIRS 1024
#endif

/* A row of the chunk. */
typedef struct rjrow {
    uint64_t h;        /* its join key's hash */
    uint32_t i;        /* its index in the batch */
    uint32_t first, n; /* its candidates: j->ents [first, first + n) */
    uint32_t pfx;      /* its stored-key prefix: j->pfx bytes [pfx, pfx + plen) */
    uint32_t plen;
} rjrow;

/* What a probe collects: the entries of the probed namespace whose key
 * starts with the prefix (other keys of the same hash are skipped); row
 * bytes are copied into j->val (visit pointers die with the call). */
typedef struct probe_ctx {
    jop *j;
    const char *pfx; /* borrowed: j->pfx, not changed during the visit */
    uint32_t plen;
    uint32_t n;
} probe_ctx;

static bool collect(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                    void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(vlen);
    probe_ctx *p = user;
    jop *j = p->j;
    if (klen < p->plen || memcmp(key, p->pfx, p->plen) != 0) {
        return true;
    }
    rjval v = val_get(val);
    jent e = {.cnt = v.cnt, .matched = v.matched, .len = klen - p->plen};
    /* row holds the offset into j->val until the chunk's probes are over */
    e.row = (const char *)(uintptr_t)j->val.len;
    slbuf_put(&j->val, (const char *)key + p->plen, e.len);
    slbuf_put(&j->ents, &e, sizeof e);
    p->n++;
    return true;
}

/* Change the `matched` count of stored row e of side o (key hash h, stored
 * key prefix pfx) by delta; returns the count before, read from the state
 * (e's copy when the entry expired since the probe). */
static int32_t add_matched(jop *j, int o, uint64_t h, const char *pfx, uint32_t plen,
                           const jent *e, int delta) {
    slbuf_reset(&j->rowb);
    slbuf_put(&j->rowb, pfx, plen);
    slbuf_put(&j->rowb, e->row, e->len);
    void *v = slkv_get(j->rows[o], h, j->rowb.data, (uint32_t)j->rowb.len,
                       row_hash(h, e->row, e->len), NULL);
    if (!v) {
        return e->matched;
    }
    rjval x = val_get(v);
    int32_t before = x.matched;
    x.matched = SL_MAX(before + delta, 0);
    val_set(v, x);
    slkv_release(j->rows[o], v, true);
    return before;
}

/* Add (delta +1) or remove (-1) row i of b in side s's rows (key hash h,
 * stored key prefix pfx); `matched` for a new entry. */
static void store(jop *j, int s, uint64_t h, const char *pfx, uint32_t plen, int delta,
                  int32_t matched, const slbatch *b, uint32_t i) {
    slkv *t = j->rows[s];
    slbuf_reset(&j->skey);
    slbuf_put(&j->skey, pfx, plen);
    slrow_encode(&j->skey, b, i, 0, b->schema->n);
    const char *key = j->skey.data;
    uint32_t klen = (uint32_t)j->skey.len;
    uint64_t rh = row_hash(h, key + plen, klen - plen);
    if (delta > 0) {
        bool created = false;
        void *v = slkv_upsert(t, h, key, klen, rh, &created);
        rjval x = created ? (rjval){1, matched} : val_get(v);
        if (!created) {
            x.cnt++;
        }
        val_set(v, x);
        slkv_release(t, v, true);
        return;
    }
    void *v = slkv_get(t, h, key, klen, rh, NULL);
    if (!v) {
        return; /* not stored (or expired): nothing to retract */
    }
    rjval x = val_get(v);
    if (x.cnt > 1) {
        x.cnt--;
        val_set(v, x);
        slkv_release(t, v, true);
        return;
    }
    slkv_release(t, v, false);
    slkv_remove(t, h, key, klen, rh);
}

/* Probe for row i of b (side s) and add it to the chunk; returns its
 * candidate count. A row that can never come out is not added. */
static uint32_t probe_row(jop *j, int s, const slbatch *b, uint32_t i) {
    bool nul;
    uint64_t h = sljc_key(j, s, b, i, &nul);
    if (nul && !sljc_outer(j->a, s)) {
        return 0; /* matches nothing, never comes out */
    }
    uint32_t kl = (uint32_t)j->key.len;
    rjrow r = {.h = h, .i = i, .pfx = (uint32_t)j->pfx.len, .plen = 4 + kl};
    r.first = (uint32_t)(j->ents.len / sizeof(jent));
    slbuf_put(&j->pfx, &kl, 4);
    slbuf_put(&j->pfx, j->key.data, kl);
    if (!nul) {
        probe_ctx p = {j, j->pfx.data + r.pfx, r.plen, 0};
        slkv_visit_ns(j->rows[1 - s], h, collect, &p);
        r.n = p.n;
    }
    slbuf_put(&j->ents2, &r, sizeof r);
    return r.n;
}

/* Emit what row r (side s) makes with its candidates M (keep: the residual
 * held), update the other side's counts, store or retract it. */
static void finish_row(jop *j, int s, const slbatch *b, const rjrow *r, const jent *M,
                       const uint8_t *keep) {
    const sljoin_arg *a = j->a;
    int o = 1 - s;
    uint32_t i = r->i;
    sl_rowkind k = (sl_rowkind)b->kind[i];
    bool acc = k == SL_INSERT || k == SL_UPDATE_AFTER;
    bool s_outer = sljc_outer(a, s), o_outer = sljc_outer(a, o);
    sl_rowkind kout = a->type == SLJT_INNER ? k : acc ? SL_INSERT : SL_DELETE;
    int64_t ts = b->ts[i];
    jsrc me = {.b = b, .i = i}, pad = {0};
    const char *pfx = j->pfx.data + r->pfx;
    int32_t total = 0;
    for (uint32_t x = 0; x < r->n; x++) {
        if (!keep[x]) {
            continue;
        }
        jsrc other = {.row = M[x].row};
        total += M[x].cnt;
        int32_t before = o_outer ? add_matched(j, o, r->h, pfx, r->plen, &M[x], acc ? 1 : -1) : -1;
        if (acc && before == 0) {
            for (int32_t c = 0; c < M[x].cnt; c++) {
                sljc_emit_side(j, s, &pad, &other, ts, SL_DELETE);
            }
        }
        for (int32_t c = 0; c < M[x].cnt; c++) {
            sljc_emit_side(j, s, &me, &other, ts, kout);
        }
        if (!acc && before == 1) {
            for (int32_t c = 0; c < M[x].cnt; c++) {
                sljc_emit_side(j, s, &pad, &other, ts, SL_INSERT);
            }
        }
    }
    if (total == 0 && s_outer) {
        sljc_emit_side(j, s, &me, &pad, ts, acc ? SL_INSERT : SL_DELETE);
    }
    store(j, s, r->h, pfx, r->plen, acc ? 1 : -1, total, b, i);
}

/* Join rows [from, to) of b (side s) as one chunk. */
static void join_chunk(jop *j, int s, const slbatch *b, uint32_t *from, uint32_t to) {
    slbuf_reset(&j->val);
    slbuf_reset(&j->ents);
    slbuf_reset(&j->ents2);
    slbuf_reset(&j->pfx);
    uint32_t pairs = 0, i = *from;
    while (i < to && (i == *from || pairs < CHUNK_PAIRS)) {
        pairs += probe_row(j, s, b, i);
        i++;
    }
    *from = i;
    jent *M = (jent *)j->ents.data;
    for (uint32_t x = 0; x < pairs; x++) {
        M[x].row = j->val.data + (uintptr_t)M[x].row;
    }
    const rjrow *rows = (const rjrow *)j->ents2.data;
    uint32_t nr = (uint32_t)(j->ents2.len / sizeof(rjrow));
    if (j->a->residual && pairs) {
        slbuf_reset(&j->prow);
        for (uint32_t q = 0; q < nr; q++) {
            for (uint32_t x = 0; x < rows[q].n; x++) {
                slbuf_put(&j->prow, &rows[q].i, 4);
            }
        }
    }
    sljc_match_rows(j, s, b, (const uint32_t *)j->prow.data, M, pairs);
    for (uint32_t q = 0; q < nr; q++) {
        const rjrow *r = &rows[q];
        finish_row(j, s, b, r, r->n ? M + r->first : NULL, r->n ? j->keep + r->first : NULL);
    }
}

/* Incremental TTL cleanup: examine up to `budget` entries per side. */
static void cleanup(jop *j, int64_t now_us, uint64_t budget) {
    slopctx *c = j->base.ctx;
    if (c->state_ttl_us <= 0) {
        return;
    }
    uint64_t n = 0;
    for (int s = 0; s < 2; s++) {
        n += slkv_expire(j->rows[s], now_us, budget);
    }
    if (n) {
        slmetric_add(&c->metrics->rows_expired, n);
    }
}

static void rj_batch_take(slop *op, int input, slbatch *b) {
    jop *j = (jop *)op;
    slopctx *c = op->ctx;
    slmetric_add(&c->metrics->rows_in, b->n);
    uint32_t n = b->n;
    for (uint32_t i = 0; i < n;) {
        join_chunk(j, input ? 1 : 0, b, &i, n);
    }
    slbatch_free(b);
    sljc_flush(j);
    if (c->state_ttl_us > 0) {
        cleanup(j, slclock_now(c->clock), 2 * (uint64_t)n + 16);
    }
}

/* Processing-time TTL: examine a bounded number of entries per tick. */
static int64_t rj_tick(slop *op, int64_t now_us) {
    jop *j = (jop *)op;
    slopctx *c = op->ctx;
    if (c->state_ttl_us <= 0) {
        return SL_TIME_MAX;
    }
    cleanup(j, now_us, 1024);
    return now_us + SL_MAX(c->state_ttl_us / 4, (int64_t)1000);
}

/* The rows are in the state tables already: nothing to load. A checkpoint of
 * an older Sluice kept them as one list per key in "join.l" / "join.r";
 * such state is refused rather than ignored (the join would start empty). */
static sl_err rj_restore(slop *op, const slbuf *opstate, int n) {
    SL_UNUSED(opstate);
    SL_UNUSED(n);
    static const char *old[2] = {"join.l", "join.r"};
    slstate *st = op->ctx->state;
    for (int s = 0; s < 2; s++) {
        if (slkv_count(slstate_table(st, old[s], 0)) > 0) {
            return slerr_set(SL_ERR_STATE,
                             "regular join: the checkpoint holds this join's rows in the "
                             "list format of an older Sluice (state table '%s'); restore it "
                             "with that version or start the job without it",
                             old[s]);
        }
    }
    return SL_OK;
}

static void rj_end(slop *op) {
    sljc_flush((jop *)op);
}

static void rj_free(slop *op) {
    sljc_free((jop *)op);
}

static const slop_vt regular_join_vt = {
    .name = "regular_join",
    .open = rj_open,
    .batch_take = rj_batch_take,
    .tick = rj_tick,
    .restore = rj_restore,
    .end = rj_end,
    .free = rj_free,
};

slop *sljoin_regular_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    jop *j = slmem_calloc(1, sizeof *j);
    sljc_init(j, arg, &regular_join_vt);
    return &j->base;
}
