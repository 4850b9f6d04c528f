/*
 * join_interval.c - the interval join (join.h): a left row at time l and a
 * right row at time r of equal key match when lo <= l - r <= hi (and the
 * residual holds). The times are the inputs' time columns (a->time_col).
 *
 * Each arriving row is probed against the other side's stored rows of its
 * key (pairs come out at once, with the left's time as event time, the
 * right's for a RIGHT join, the later for FULL) and then stored in
 * its side's list (ns 0). A row can meet no future row once the other
 * side's watermark passes it: a left row at l when the right watermark
 * reaches l - lo, a right row at r when the left watermark reaches r + hi.
 * A cleanup timer per (side, key, that time) removes it then (tm[0] holds the
 * left rows' timers and fires on the right input's watermark, tm[1] the
 * reverse); an outer side's row that never matched comes out NULL-padded at
 * that moment. So state holds only rows that can still match.
 *
 * Late rows: a row at or behind its own input's watermark is dropped and
 * counted (the other side may already have let go of its partners).
 * Watermark: outer rows come out up to max(0, -lo, hi) behind the input
 * watermark, so the operator forwards the watermark held back by that much.
 *
 * Thread: the worker that owns the subtask.
 */
#include "ops/join_int.h"

static sl_err ij_open(slop *op, slopctx *c) {
    return sljc_open((jop *)op, c, 2);
}

/* The time at which a stored row of `side` at t can no longer match. */
static int64_t expiry(const sljoin_arg *a, int side, int64_t t) {
    int64_t d = side == 0 ? -a->lo : a->hi;
    if (d > 0 && t > SL_TIME_MAX - d) {
        return SL_TIME_MAX;
    }
    if (d < 0 && t < SL_TIME_MIN - d) {
        return SL_TIME_MIN;
    }
    return t + d;
}

static bool in_bounds(const sljoin_arg *a, int side, int64_t t, int64_t other) {
    __int128 d = side == 0 ? (__int128)t - other : (__int128)other - t;
    return d >= a->lo && d <= a->hi;
}

/* A pair's event time: the time attribute the planner gives the output (the
 * left's, the right's for a RIGHT join), the later of the two for FULL. */
static int64_t pair_ts(const sljoin_arg *a, int side, int64_t t, int64_t other) {
    int64_t l = side == 0 ? t : other, r = side == 0 ? other : t;
    return a->type == SLJT_FULL ? SL_MAX(l, r) : a->type == SLJT_RIGHT ? r : l;
}

static void probe_row(jop *j, int side, const slbatch *b, uint32_t i) {
    slopctx *c = j->base.ctx;
    const sljoin_arg *a = j->a;
    int tc = a->time_col[side];
    jsrc me = {.b = b, .i = i};
    jsrc pad = {0};
    if (b->cols[tc].nulls[i]) {
        if (sljc_outer(a, side)) {
            sljc_emit_side(j, side, &me, &pad, b->ts[i], SL_INSERT);
        }
        return;
    }
    int64_t t = b->cols[tc].v.i64[i];
    if (t <= c->input_wm[side]) {
        sljc_late(j, 1);
        return;
    }
    bool nul;
    uint64_t h = sljc_key(j, side, b, i, &nul);
    if (nul) {
        if (sljc_outer(a, side)) {
            sljc_emit_side(j, side, &me, &pad, t, SL_INSERT);
        }
        return;
    }
    int o = 1 - side;
    uint32_t vlen = 0;
    char *ov = slkv_get(j->rows[o], 0, j->key.data, (uint32_t)j->key.len, h, &vlen);
    uint32_t m = 0;
    if (ov) {
        jent *all;
        uint32_t n = sljc_list(ov, vlen, &j->ents, &all);
        slbuf_reset(&j->ents2);
        uint32_t nc = 0;
        for (uint32_t k = 0; k < n; k++) {
            if (in_bounds(a, side, t, all[k].ts)) {
                slbuf_put(&j->ents2, &all[k], sizeof all[k]);
                nc++;
            }
        }
        jent *cand = (jent *)j->ents2.data;
        m = sljc_match(j, side, &me, cand, nc);
        bool dirty = false;
        for (uint32_t k = 0; m && k < nc; k++) {
            if (!j->keep[k]) {
                continue;
            }
            jsrc other = {.row = cand[k].row};
            sljc_emit_side(j, side, &me, &other, pair_ts(a, side, t, cand[k].ts), SL_INSERT);
            if (cand[k].matched == 0) {
                int32_t one = 1;
                memcpy(cand[k].hdr + 12, &one, 4);
                dirty = true;
            }
        }
        slkv_release(j->rows[o], ov, dirty);
    }
    int64_t exp = expiry(a, side, t);
    if (exp <= c->input_wm[o]) {
        /* Already out of reach of every future row of the other side. */
        if (m == 0 && sljc_outer(a, side)) {
            sljc_emit_side(j, side, &me, &pad, t, SL_INSERT);
        }
        return;
    }
    sljc_append(j, side, 0, j->key.data, (uint32_t)j->key.len, h, t, 1, m > 0, b, i);
    sltimers_set(j->tm[side], SLTIMER_EVENT, exp, 0, j->key.data, (uint32_t)j->key.len, h);
}

static void ij_batch_take(slop *op, int input, slbatch *b) {
    jop *j = (jop *)op;
    slmetric_add(&op->ctx->metrics->rows_in, b->n);
    for (uint32_t i = 0; i < b->n; i++) {
        probe_row(j, input ? 1 : 0, b, i);
    }
    slbatch_free(b);
    sljc_flush(j);
}

/* Cleanup timer of side j->fire_side: drop the key's rows that the other
 * side's watermark (j->fire_wm) put out of reach. */
static void cleanup(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                    uint32_t klen, uint64_t hash) {
    SL_UNUSED(d);
    SL_UNUSED(ts);
    jop *j = user;
    int side = j->fire_side;
    uint32_t vlen = 0;
    const char *v = slkv_get(j->rows[side], ns, key, klen, hash, &vlen);
    if (!v) {
        return;
    }
    slbuf_reset(&j->val);
    uint32_t off = 0, kept = 0;
    jent e;
    jsrc pad = {0};
    bool outer = sljc_outer(j->a, side);
    while (sljc_next(v, vlen, &off, &e)) {
        if (expiry(j->a, side, e.ts) > j->fire_wm) {
            sljc_copy_entry(&j->val, &e);
            kept++;
        } else if (outer && e.matched == 0) {
            sljc_emit_side(j, side, &(jsrc){.row = e.row}, &pad, e.ts, SL_INSERT);
        }
    }
    if (kept == 0) {
        slkv_remove(j->rows[side], ns, key, klen, hash);
    } else if (j->val.len != vlen) {
        slkv_put(j->rows[side], ns, key, klen, hash, j->val.data, (uint32_t)j->val.len);
    }
}

static int64_t ij_watermark(slop *op, int64_t wm) {
    jop *j = (jop *)op;
    slopctx *c = op->ctx;
    for (int s = 0; s < 2; s++) {
        j->fire_side = s;
        j->fire_wm = c->input_wm[1 - s];
        sltimers_pop_due(j->tm[s], SLTIMER_EVENT, j->fire_wm, cleanup, j);
    }
    sljc_flush(j);
    if (wm == SL_TIME_MAX) {
        return wm;
    }
    int64_t delay = SL_MAX(SL_MAX((int64_t)0, -j->a->lo), j->a->hi);
    return wm < SL_TIME_MIN + delay ? SL_TIME_MIN : wm - delay;
}

static void ij_end(slop *op) {
    sljc_flush((jop *)op);
}

static void ij_free(slop *op) {
    sljc_free((jop *)op);
}

static const slop_vt interval_join_vt = {
    .name = "interval_join",
    .open = ij_open,
    .batch_take = ij_batch_take,
    .watermark = ij_watermark,
    .end = ij_end,
    .free = ij_free,
    .snapshot = sljc_snapshot,
    .restore = sljc_restore,
};

slop *sljoin_interval_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    jop *j = slmem_calloc(1, sizeof *j);
    sljc_init(j, arg, &interval_join_vt);
    return &j->base;
}
