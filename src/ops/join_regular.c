/*
 * join_regular.c - the regular (unbounded) join of two changelogs (join.h),
 * with the output Flink's StreamingJoinOperator produces.
 *
 * State: per side and key one list (ns 0) of distinct rows, each with its
 * multiplicity (cnt) and, on an outer side, the number of rows of the other
 * side it matches (matched). For a row x of side s (other side o), with
 * M = the other side's rows of its key for which the residual holds:
 *   x accumulates (+I / +U):
 *     each e in M: if o is outer and e had no match yet: -D (null, e) (its
 *     padded row is withdrawn); e.matched += 1; then (x, e), as many times as
 *     e's multiplicity, kind +I (an outer join) or x's kind (an inner one);
 *     M empty and s outer: +I (x, null); x is added to s's list.
 *   x retracts (-U / -D):
 *     each e in M: (x, e) kind -D (outer join) or x's kind (inner); if o is
 *     outer and x was e's last match: +I (null, e); e.matched -= 1;
 *     M empty and s outer: -D (x, null); x is removed from s's list.
 * Output rows carry x's event time. A row whose key has a NULL matches
 * nothing (on an outer side it comes out padded, and is kept to retract it).
 *
 * State TTL (ctx->state_ttl_us, table.exec.state.ttl): the row lists expire
 * when their key was not written for the TTL; a later row of that key then
 * misses the expired partners (and a retraction of an expired row finds
 * nothing to retract): results become incomplete, as in Flink.
 *
 * Thread: the worker that owns the subtask.
 */
#include "ops/join_int.h"

static sl_err rj_open(slop *op, slopctx *c) {
    return sljc_open((jop *)op, c, 0);
}

/* Add (delta +1) or remove (-1) row i of b in side s's list of key
 * j->key (hash h); `matched` for a new entry. */
static void store(jop *j, int s, uint64_t h, int delta, int32_t matched, const slbatch *b,
                  uint32_t i) {
    const char *key = j->key.data;
    uint32_t klen = (uint32_t)j->key.len;
    uint32_t vlen = 0;
    char *v = slkv_get(j->rows[s], 0, key, klen, h, &vlen);
    uint32_t off = 0;
    jent e;
    while (v && sljc_next(v, vlen, &off, &e)) {
        if (!sljc_row_equal(j, s, &e, b, i)) {
            continue;
        }
        if (delta > 0 || e.cnt > 1) {
            int32_t cnt = e.cnt + delta;
            memcpy(e.hdr + 8, &cnt, 4);
            slkv_release(j->rows[s], v, true);
            return;
        }
        /* Last copy: rebuild the list without it. */
        size_t at = (size_t)(e.hdr - v);
        slbuf_reset(&j->val);
        slbuf_put(&j->val, v, at);
        slbuf_put(&j->val, v + off, vlen - off);
        if (j->val.len == 0) {
            slkv_remove(j->rows[s], 0, key, klen, h);
        } else {
            slkv_put(j->rows[s], 0, key, klen, h, j->val.data, (uint32_t)j->val.len);
        }
        return;
    }
    if (v) {
        slkv_release(j->rows[s], v, false);
    }
    if (delta > 0) {
        sljc_append(j, s, 0, key, klen, h, b->ts[i], 1, matched, b, i);
    }
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
    uint32_t vlen = 0;
    char *ov = nul ? NULL : slkv_get(j->rows[o], 0, j->key.data, (uint32_t)j->key.len, h, &vlen);
    int32_t total = 0;
    if (ov) {
        jent *M;
        uint32_t n = sljc_list(ov, vlen, &j->ents, &M);
        uint32_t m = sljc_match(j, s, &me, M, n);
        bool dirty = false;
        for (uint32_t x = 0; m && x < n; x++) {
            if (!j->keep[x]) {
                continue;
            }
            jsrc other = {.row = M[x].row};
            total += M[x].cnt;
            if (acc) {
                if (o_outer) {
                    if (M[x].matched == 0) {
                        for (int32_t c = 0; c < M[x].cnt; c++) {
                            sljc_emit_side(j, s, &pad, &other, ts, SL_DELETE);
                        }
                    }
                    int32_t nm = M[x].matched + 1;
                    memcpy(M[x].hdr + 12, &nm, 4);
                    dirty = true;
                }
                for (int32_t c = 0; c < M[x].cnt; c++) {
                    sljc_emit_side(j, s, &me, &other, ts, kout);
                }
            } else {
                for (int32_t c = 0; c < M[x].cnt; c++) {
                    sljc_emit_side(j, s, &me, &other, ts, kout);
                }
                if (o_outer) {
                    if (M[x].matched == 1) {
                        for (int32_t c = 0; c < M[x].cnt; c++) {
                            sljc_emit_side(j, s, &pad, &other, ts, SL_INSERT);
                        }
                    }
                    int32_t nm = M[x].matched > 0 ? M[x].matched - 1 : 0;
                    memcpy(M[x].hdr + 12, &nm, 4);
                    dirty = true;
                }
            }
        }
        slkv_release(j->rows[o], ov, dirty);
    }
    if (total == 0 && s_outer) {
        sljc_emit_side(j, s, &me, &pad, ts, acc ? SL_INSERT : SL_DELETE);
    }
    store(j, s, h, acc ? 1 : -1, total, b, i);
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
    .end = rj_end,
    .free = rj_free,
};

slop *sljoin_regular_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    jop *j = slmem_calloc(1, sizeof *j);
    sljc_init(j, arg, &regular_join_vt);
    return &j->base;
}
