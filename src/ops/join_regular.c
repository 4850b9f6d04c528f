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

/* What a probe collects: the entries of the probed namespace whose key
 * starts with the probe's prefix (other keys of the same hash are skipped);
 * row bytes are copied into j->val (visit pointers die with the call). */
typedef struct probe_ctx {
    jop *j;
    uint32_t plen; /* prefix bytes in j->skey */
    uint32_t n;
} probe_ctx;

static bool collect(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                    void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(vlen);
    probe_ctx *p = user;
    jop *j = p->j;
    if (klen < p->plen || memcmp(key, j->skey.data, p->plen) != 0) {
        return true;
    }
    rjval v = val_get(val);
    jent e = {.cnt = v.cnt, .matched = v.matched, .len = klen - p->plen};
    /* row holds the offset into j->val until the visit is over */
    e.row = (const char *)(uintptr_t)j->val.len;
    slbuf_put(&j->val, (const char *)key + p->plen, e.len);
    slbuf_put(&j->ents, &e, sizeof e);
    p->n++;
    return true;
}

/* The rows of side o under the prefix in j->skey (key hash h) into an
 * array of jent (j->ents, rows in j->val); returns the count. */
static uint32_t probe(jop *j, int o, uint64_t h, uint32_t plen, jent **out) {
    slbuf_reset(&j->val);
    slbuf_reset(&j->ents);
    probe_ctx p = {j, plen, 0};
    slkv_visit_ns(j->rows[o], h, collect, &p);
    jent *M = (jent *)j->ents.data;
    for (uint32_t x = 0; x < p.n; x++) {
        M[x].row = j->val.data + (uintptr_t)M[x].row;
    }
    *out = M;
    return p.n;
}

/* Change the `matched` count of stored row e of side o (key hash h) by
 * delta. The entry's key is rebuilt in j->rowb from the prefix in j->skey. */
static void add_matched(jop *j, int o, uint64_t h, uint32_t plen, const jent *e, int delta) {
    slbuf_reset(&j->rowb);
    slbuf_put(&j->rowb, j->skey.data, plen);
    slbuf_put(&j->rowb, e->row, e->len);
    void *v = slkv_get(j->rows[o], h, j->rowb.data, (uint32_t)j->rowb.len,
                       row_hash(h, e->row, e->len), NULL);
    if (!v) {
        return; /* expired since the probe */
    }
    rjval x = val_get(v);
    x.matched += delta;
    if (x.matched < 0) {
        x.matched = 0;
    }
    val_set(v, x);
    slkv_release(j->rows[o], v, true);
}

/* Add (delta +1) or remove (-1) row i of b in side s's rows (key hash h,
 * prefix in j->skey); `matched` for a new entry. */
static void store(jop *j, int s, uint64_t h, uint32_t plen, int delta, int32_t matched,
                  const slbatch *b, uint32_t i) {
    slkv *t = j->rows[s];
    j->skey.len = plen;
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

static void join_row(jop *j, int s, const slbatch *b, uint32_t i) {
    const sljoin_arg *a = j->a;
    int o = 1 - s;
    sl_rowkind k = (sl_rowkind)b->kind[i];
    bool acc = k == SL_INSERT || k == SL_UPDATE_AFTER;
    bool s_outer = sljc_outer(a, s), o_outer = sljc_outer(a, o);
    sl_rowkind kout = a->type == SLJT_INNER ? k : acc ? SL_INSERT : SL_DELETE;
    int64_t ts = b->ts[i];
    jsrc me = {.b = b, .i = i}, pad = {0};
    bool nul;
    uint64_t h = sljc_key(j, s, b, i, &nul);
    if (nul && !s_outer) {
        return; /* matches nothing, never comes out */
    }
    /* The stored-key prefix: [u32 key length][key bytes]. */
    uint32_t kl = (uint32_t)j->key.len;
    slbuf_reset(&j->skey);
    slbuf_put(&j->skey, &kl, 4);
    slbuf_put(&j->skey, j->key.data, kl);
    uint32_t plen = 4 + kl;
    int32_t total = 0;
    jent *M = NULL;
    uint32_t n = nul ? 0 : probe(j, o, h, plen, &M);
    uint32_t m = sljc_match(j, s, &me, M, n);
    for (uint32_t x = 0; m && x < n; x++) {
        if (!j->keep[x]) {
            continue;
        }
        jsrc other = {.row = M[x].row};
        total += M[x].cnt;
        if (acc && o_outer && M[x].matched == 0) {
            for (int32_t c = 0; c < M[x].cnt; c++) {
                sljc_emit_side(j, s, &pad, &other, ts, SL_DELETE);
            }
        }
        for (int32_t c = 0; c < M[x].cnt; c++) {
            sljc_emit_side(j, s, &me, &other, ts, kout);
        }
        if (!acc && o_outer && M[x].matched == 1) {
            for (int32_t c = 0; c < M[x].cnt; c++) {
                sljc_emit_side(j, s, &pad, &other, ts, SL_INSERT);
            }
        }
        if (o_outer) {
            add_matched(j, o, h, plen, &M[x], acc ? 1 : -1);
        }
    }
    if (total == 0 && s_outer) {
        sljc_emit_side(j, s, &me, &pad, ts, acc ? SL_INSERT : SL_DELETE);
    }
    store(j, s, h, plen, acc ? 1 : -1, total, b, i);
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
    for (uint32_t i = 0; i < n; i++) {
        join_row(j, input ? 1 : 0, b, i);
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
