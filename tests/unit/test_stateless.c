/*
 * test_stateless.c - the watermark assigner (ops/stateless.h) driven directly
 * through its slop_vt: checkpoints. The output is a text trace of rows and
 * watermarks in order; a snapshot and a restore on a new instance at any
 * point between batches must give the same trace as an uninterrupted run,
 * and a rescaled restore takes its old subtask's blob (same parallelism) or
 * the smallest of all (another parallelism).
 */
#include "ops/opstate.h"
#include "ops/stateless.h"
#include "test.h"

typedef struct wmh {
    sl_schema *in;
    slwm_arg arg;
    slop *op;
    slopctx ctx;
    slopmetrics m;
    slbuf out;
} wmh;

static void wmh_emit(slopctx *c, int port, slbatch *b) {
    wmh *h = c->rt;
    for (uint32_t i = 0; i < b->n; i++) {
        slbuf_printf(&h->out, "%d:%lld ", port, (long long)(b->ts[i] / SL_SECOND));
    }
    slbatch_free(b);
}

static void wmh_wm(slopctx *c, int64_t wm) {
    wmh *h = c->rt;
    slbuf_printf(&h->out, "W%lld ", (long long)(wm == SL_TIME_MIN ? -999 : wm / SL_SECOND));
}

static void wmh_start(wmh *h, int subtask, int par, const slbuf *blobs, int n) {
    memset(&h->ctx, 0, sizeof h->ctx);
    h->ctx.emit = wmh_emit;
    h->ctx.emit_watermark = wmh_wm;
    h->ctx.rt = h;
    h->ctx.batch_rows = 4;
    h->ctx.subtask = subtask;
    h->ctx.parallelism = par;
    h->ctx.n_inputs = 1;
    h->ctx.metrics = &h->m;
    h->op = slwm_new(&h->arg, subtask);
    h->op->ctx = &h->ctx;
    if (h->op->vt->open) {
        CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
    }
    if (blobs) {
        CHECK(h->op->vt->restore(h->op, blobs, n) == SL_OK);
    }
}

static void wmh_init(wmh *h) {
    memset(h, 0, sizeof *h);
    h->in = schema_of("k STRING, t TIMESTAMP");
    h->arg.col = 1;
    h->arg.bound_us = 2 * SL_SECOND;
    h->arg.col_name = NULL;
}

static void wmh_free(wmh *h) {
    h->op->vt->free(h->op);
    slschema_unref(h->in);
    slbuf_free(&h->out);
}

/* A batch of the times (seconds) in ts[0..n). */
static void wmh_batch(wmh *h, const int64_t *ts, int n) {
    slbatch *b = slbatch_new(h->in, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_i64(b, 1, r, ts[i] * SL_SECOND);
        b->n++;
    }
    h->op->vt->batch_take(h->op, 0, b);
}

static const int64_t BATCHES[][4] = {
    {1, 5, 3, 2}, {4, 9, 2, 8}, {6, 7, 12, 3}, {11, 10, 9, 15}, {14, 13, 20, 1},
};

static char *wm_run(int cut) {
    wmh h;
    wmh_init(&h);
    wmh_start(&h, 0, 1, NULL, 0);
    slbuf blob = {0};
    for (int i = 0; i < (int)SL_ARRAY_LEN(BATCHES); i++) {
        if (i == cut) {
            CHECK(h.op->vt->snapshot(h.op, 1, &blob) == SL_OK);
            h.op->vt->free(h.op);
            wmh_start(&h, 0, 1, &blob, 1);
        }
        wmh_batch(&h, BATCHES[i], 4);
    }
    char *r = slmem_strdup(slbuf_cstr(&h.out));
    slbuf_free(&blob);
    wmh_free(&h);
    return r;
}

TEST(watermark_assigner_checkpoint) {
    char *base = wm_run(-1);
    /* Watermarks (seconds, floored) come before rows they make late. */
    CHECK_STR(base, "0:1 0:5 0:3 W2 0:2 0:4 0:9 W6 0:2 0:8 0:6 0:7 0:12 W9 0:3 0:11 0:10 0:9 "
                    "0:15 W12 0:14 0:13 0:20 W17 0:1 ");
    for (int c = 0; c <= (int)SL_ARRAY_LEN(BATCHES); c++) {
        char *got = wm_run(c);
        CHECK_STR(got, base);
        slmem_free(got);
    }
    slmem_free(base);
}

TEST(watermark_assigner_rescaled_restore) {
    /* Two old subtasks: one saw times up to 9 s, the other up to 20 s. */
    static const int64_t slow[] = {1, 9}, fast[] = {20, 3};
    slbuf blobs[2] = {{0}, {0}};
    for (int j = 0; j < 2; j++) {
        wmh h;
        wmh_init(&h);
        wmh_start(&h, j, 2, NULL, 0);
        wmh_batch(&h, j ? fast : slow, 2);
        CHECK(h.op->vt->snapshot(h.op, 1, &blobs[j]) == SL_OK);
        wmh_free(&h);
    }
    /* Same parallelism: subtask 1 goes on from its own blob (a row at 17 s is
     * late there: the watermark is 17 s). */
    static const int64_t next[] = {17, 18, 23};
    wmh h;
    wmh_init(&h);
    wmh_start(&h, 1, 2, blobs, 2);
    wmh_batch(&h, next, 3);
    CHECK_STR(slbuf_cstr(&h.out), "0:17 0:18 0:23 W20 ");
    wmh_free(&h);
    /* Parallelism 1: the smallest of both (up to 9 s: watermark 6 s). */
    static const int64_t more[] = {7, 10};
    wmh_init(&h);
    wmh_start(&h, 0, 1, blobs, 2);
    wmh_batch(&h, more, 2);
    CHECK_STR(slbuf_cstr(&h.out), "0:7 0:10 W7 ");
    wmh_free(&h);
    /* A blob of another operator is refused. */
    slbuf bad = {0};
    slopstate_put(&bad, SLOPSTATE_TAG('X', 'X', 'X', 1), NULL, 0);
    wmh_init(&h);
    wmh_start(&h, 0, 1, NULL, 0);
    CHECK(h.op->vt->restore(h.op, &bad, 1) == SL_ERR_STATE);
    CHECK_CONTAINS(sl_errmsg(), "watermark assigner");
    wmh_free(&h);
    slbuf_free(&bad);
    slbuf_free(&blobs[0]);
    slbuf_free(&blobs[1]);
}
