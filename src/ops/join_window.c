/*
 * join_window.c - the window join (join.h): rows of both inputs carry the
 * window they belong to (window_end column; both inputs come from the same
 * window table function, so the end determines the start). A row is stored
 * in its side's list under (ns = window end, key) and an event-time timer
 * (window end - 1, ns, key) is set. When the watermark reaches it the key's
 * rows of that window are joined (each left row against every right row, the
 * residual deciding), outer rows without a match come out NULL-padded, and
 * both lists are removed. Output rows carry the window's time (end - 1).
 * A row whose window has closed on its own input (end - 1 <= that input's
 * watermark) is late: dropped and counted. Judging by the row's own input
 * (not the combined watermark) makes lateness independent of how the two
 * inputs interleave, and covers every window that has fired (the combined
 * watermark is never ahead of an input's).
 *
 * Thread: the worker that owns the subtask.
 */
#include "ops/join_int.h"

static sl_err wj_open(slop *op, slopctx *c) {
    return sljc_open((jop *)op, c, 1);
}

static void wj_batch_take(slop *op, int input, slbatch *b) {
    jop *j = (jop *)op;
    slopctx *c = op->ctx;
    int side = input ? 1 : 0;
    int wc = j->a->wend_col[side];
    slmetric_add(&c->metrics->rows_in, b->n);
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->cols[wc].nulls[i]) {
            continue;
        }
        int64_t wend = b->cols[wc].v.i64[i];
        if (wend - 1 <= c->input_wm[side]) {
            sljc_late(j, 1);
            continue;
        }
        bool nul;
        uint64_t h = sljc_key(j, side, b, i, &nul);
        if (nul && !sljc_outer(j->a, side)) {
            continue; /* never matches, never comes out */
        }
        sljc_append(j, side, (uint64_t)wend, j->key.data, (uint32_t)j->key.len, h, b->ts[i], 1, 0,
                    b, i);
        sltimers_set(j->tm[0], SLTIMER_EVENT, wend - 1, (uint64_t)wend, j->key.data,
                     (uint32_t)j->key.len, h);
    }
    slbatch_free(b);
    sljc_flush(j);
}

static void fire(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                 uint32_t klen, uint64_t hash) {
    SL_UNUSED(d);
    jop *j = user;
    uint32_t vl[2] = {0, 0};
    const char *v[2];
    for (int s = 0; s < 2; s++) {
        v[s] = slkv_get(j->rows[s], ns, key, klen, hash, &vl[s]);
    }
    jent *L, *R;
    uint32_t nl = sljc_list(v[0], vl[0], &j->ents, &L);
    uint32_t nr = sljc_list(v[1], vl[1], &j->ents2, &R);
    bool nul = sljc_key_has_null(j, key, klen);
    jsrc pad = {0};
    for (uint32_t k = 0; k < nr; k++) {
        R[k].matched = 0;
    }
    for (uint32_t x = 0; x < nl; x++) {
        jsrc l = {.row = L[x].row};
        uint32_t m = nul ? 0 : sljc_match(j, 0, &l, R, nr);
        for (uint32_t k = 0; m && k < nr; k++) {
            if (j->keep[k]) {
                sljc_emit(j, &l, &(jsrc){.row = R[k].row}, ts, SL_INSERT);
                R[k].matched = 1;
            }
        }
        if (m == 0 && sljc_outer(j->a, 0)) {
            sljc_emit(j, &l, &pad, ts, SL_INSERT);
        }
    }
    if (sljc_outer(j->a, 1)) {
        for (uint32_t k = 0; k < nr; k++) {
            if (!R[k].matched) {
                sljc_emit(j, &pad, &(jsrc){.row = R[k].row}, ts, SL_INSERT);
            }
        }
    }
    for (int s = 0; s < 2; s++) {
        if (v[s]) {
            slkv_remove(j->rows[s], ns, key, klen, hash);
        }
    }
}

static int64_t wj_watermark(slop *op, int64_t wm) {
    jop *j = (jop *)op;
    sltimers_pop_due(j->tm[0], SLTIMER_EVENT, wm, fire, j);
    sljc_flush(j);
    return wm;
}

static void wj_end(slop *op) {
    sljc_flush((jop *)op);
}

static void wj_free(slop *op) {
    sljc_free((jop *)op);
}

static const slop_vt window_join_vt = {
    .name = "window_join",
    .open = wj_open,
    .batch_take = wj_batch_take,
    .watermark = wj_watermark,
    .end = wj_end,
    .free = wj_free,
    .snapshot = sljc_snapshot,
    .restore = sljc_restore,
};

slop *sljoin_window_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    jop *j = slmem_calloc(1, sizeof *j);
    sljc_init(j, arg, &window_join_vt);
    return &j->base;
}
