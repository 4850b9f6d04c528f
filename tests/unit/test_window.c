/*
 * test_window.c - the window operator driven directly through its slop_vt
 * with a hand-made slopctx: output rows are collected as text lines
 *   "+I a [0, 10) count=3 sum=9"   (times in seconds; "[-]" for no bounds)
 * and late rows as "late a v=7 @3". test_window_rocksdb.c runs the same
 * tests on the RocksDB backend (test_backend.h: CHECK_OUT compares sorted
 * lines there, since a window's keys come out in the backend's visit order).
 */
#include <math.h>

#include "ops/window.h"
#include "test_backend.h"

typedef struct harness {
    sl_schema *in;
    slwindow_arg *arg;
    slop *op;
    slopctx ctx;
    slopmetrics m;
    slstate *st;
    slclock clk;
    int64_t now;
    slbuf out, late;
    slbatch *b;
} harness;

/* Seconds, floored. */
static int64_t secs(int64_t us) {
    int64_t q = us / SL_SECOND;
    return us % SL_SECOND < 0 ? q - 1 : q;
}

static void put_val(slbuf *o, const slbatch *b, int c, uint32_t i) {
    if (slbatch_is_null(b, c, i)) {
        slbuf_puts(o, "NULL");
        return;
    }
    switch (b->cols[c].type) {
    case SL_STRING:
        if (b->cols[c].v.s[i].len > 64) {
            slbuf_printf(o, "<%u bytes>", b->cols[c].v.s[i].len);
        } else {
            slbuf_put(o, b->cols[c].v.s[i].ptr, b->cols[c].v.s[i].len);
        }
        break;
    case SL_DOUBLE:
        slbuf_printf(o, "%.6g", b->cols[c].v.f64[i]);
        break;
    case SL_BOOLEAN:
        slbuf_puts(o, b->cols[c].v.b[i] ? "true" : "false");
        break;
    case SL_TIMESTAMP:
        slbuf_printf(o, "%lld", (long long)secs(b->cols[c].v.i64[i]));
        break;
    default:
        slbuf_printf(o, "%lld", (long long)b->cols[c].v.i64[i]);
        break;
    }
}

static void h_emit(slopctx *c, int port, slbatch *b) {
    harness *h = c->rt;
    for (uint32_t i = 0; i < b->n; i++) {
        if (port == 1) {
            slbuf_puts(&h->late, "late ");
            put_val(&h->late, b, 0, i);
            slbuf_puts(&h->late, " v=");
            put_val(&h->late, b, 1, i);
            slbuf_printf(&h->late, " @%lld\n", (long long)secs(b->ts[i]));
            continue;
        }
        slbuf *o = &h->out;
        int nk = h->arg->key.n;
        slbuf_puts(o, slfmt_kind((sl_rowkind)b->kind[i]));
        for (int k = 0; k < nk; k++) {
            slbuf_putc(o, ' ');
            put_val(o, b, k, i);
        }
        if (slbatch_is_null(b, nk, i)) {
            slbuf_puts(o, " [-]");
        } else {
            slbuf_puts(o, " [");
            put_val(o, b, nk, i);
            slbuf_puts(o, ", ");
            put_val(o, b, nk + 1, i);
            slbuf_puts(o, ")");
        }
        for (int c2 = nk + 2; c2 < b->schema->n; c2++) {
            slbuf_printf(o, " %s=", b->schema->fields[c2].name);
            put_val(o, b, c2, i);
        }
        slbuf_printf(o, " @%lld\n", (long long)secs(b->ts[i]));
    }
    slbatch_free(b);
}

static int64_t h_now(void *user) {
    return ((harness *)user)->now;
}

static const char *IN_SCHEMA = "k STRING, v BIGINT, d DOUBLE, s STRING";

/* The harness keyed by input column key_col (0: k STRING). */
static sl_err h_init_key(harness *h, const sl_window_spec *spec, const sl_agg *aggs, int n,
                         int key_col) {
    memset(h, 0, sizeof(*h));
    CHECK(sl_schema_parse(IN_SCHEMA, &h->in) == SL_OK);
    slkeyspec key = {1, {key_col}};
    sl_err err = slwindow_arg_new(h->in, &key, spec, aggs, n, &h->arg);
    if (err) {
        slschema_unref(h->in);
        return err;
    }
    h->st = sltest_state_new(SL_KEY_GROUPS);
    h->clk.now = h_now;
    h->clk.user = h;
    h->ctx.emit = h_emit;
    h->ctx.rt = h;
    h->ctx.clock = &h->clk;
    h->ctx.batch_rows = 3; /* small: every flush path runs */
    h->ctx.n_key_groups = SL_KEY_GROUPS;
    h->ctx.kg_hi = SL_KEY_GROUPS;
    h->ctx.parallelism = 1;
    h->ctx.n_inputs = 1;
    h->ctx.watermark = SL_TIME_MIN;
    h->ctx.state = h->st;
    h->ctx.metrics = &h->m;
    h->op = slwindow_new(h->arg, 0);
    h->op->ctx = &h->ctx;
    CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
    h->b = slbatch_new(h->in, 64);
    return SL_OK;
}

static sl_err h_init(harness *h, const sl_window_spec *spec, const sl_agg *aggs, int n) {
    return h_init_key(h, spec, aggs, n, 0);
}

static void h_free(harness *h) {
    h->op->vt->free(h->op);
    slstate_free(h->st);
    slwindow_arg_free(h->arg);
    slbatch_free(h->b);
    slschema_unref(h->in);
    slbuf_free(&h->out);
    slbuf_free(&h->late);
}

#define NUL INT64_MIN

/* Buffer a row (k, v, d = v / 2, s = "s<v>") at ts seconds. */
static void row(harness *h, const char *k, int64_t v, int64_t ts_s) {
    uint32_t i = slbatch_begin_row(h->b);
    if (k) {
        slbatch_set_str(h->b, 0, i, k, strlen(k));
    }
    if (v != NUL) {
        char s[32];
        int n = snprintf(s, sizeof(s), "s%lld", (long long)v);
        slbatch_set_i64(h->b, 1, i, v);
        slbatch_set_f64(h->b, 2, i, (double)v / 2);
        slbatch_set_str(h->b, 3, i, s, (size_t)n);
    }
    h->b->ts[i] = ts_s * SL_SECOND;
    h->b->n++;
}

/* A row of another kind (a retraction: -U or -D). */
static void row_kind(harness *h, const char *k, int64_t v, int64_t ts_s, sl_rowkind kind) {
    row(h, k, v, ts_s);
    h->b->kind[h->b->n - 1] = (uint8_t)kind;
}

static void h_send(harness *h) {
    if (h->b->n) {
        h->op->vt->batch_take(h->op, 0, h->b);
        sltest_unpin(h->st);
        h->b = slbatch_new(h->in, 64);
    }
}

static void wm(harness *h, int64_t wm_s) {
    h_send(h);
    /* wm(h, s): every row before second s has arrived. */
    int64_t w = wm_s == SL_TIME_MAX ? SL_TIME_MAX : wm_s * SL_SECOND - 1;
    h->ctx.watermark = w;
    h->op->vt->watermark(h->op, w);
    sltest_unpin(h->st);
}

static void h_end(harness *h) {
    wm(h, SL_TIME_MAX);
    h->op->vt->end(h->op);
    sltest_unpin(h->st);
}

static const char *out(harness *h) {
    return slbuf_cstr(&h->out);
}

static const sl_agg CNT_SUM[] = {
    {SL_AGG_COUNT, NULL, "count", NULL},
    {SL_AGG_SUM, "v", "sum", NULL},
};

TEST(tumble_in_order_and_out_of_order) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    row(&h, "b", 2, 2);
    row(&h, "a", 3, 12);
    row(&h, "a", 4, 5); /* out of order, still inside the bound */
    wm(&h, 8);
    CHECK_OUT(out(&h), "");
    row(&h, "c", 5, 9);
    wm(&h, 10);
    CHECK_OUT(out(&h), "+I a [0, 10) count=2 sum=5 @9\n"
                       "+I b [0, 10) count=1 sum=2 @9\n"
                       "+I c [0, 10) count=1 sum=5 @9\n");
    slbuf_reset(&h.out);
    row(&h, "b", 6, 25);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [10, 20) count=1 sum=3 @19\n"
                       "+I b [20, 30) count=1 sum=6 @29\n");
    CHECK_INT(h.m.rows_late, 0);
    h_free(&h);
}

TEST(tumble_offset_and_negative_times) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.offset = 3 * SL_SECOND;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 2);
    row(&h, "a", 2, 3);
    row(&h, "a", 4, -8);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [-17, -7) count=1 sum=4 @-8\n"
                       "+I a [-7, 3) count=1 sum=1 @2\n"
                       "+I a [3, 13) count=1 sum=2 @12\n");
    h_free(&h);
}

TEST(hop_windows) {
    harness h;
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    row(&h, "b", 2, 6);
    row(&h, "a", 3, 7);
    row(&h, "a", 4, 12);
    wm(&h, 10);
    CHECK_OUT(out(&h), "+I a [-5, 5) count=1 sum=1 @4\n"
                       "+I a [0, 10) count=2 sum=4 @9\n"
                       "+I b [0, 10) count=1 sum=2 @9\n");
    slbuf_reset(&h.out);
    h_end(&h);
    CHECK_OUT(out(&h), "+I b [5, 15) count=1 sum=2 @14\n"
                       "+I a [5, 15) count=2 sum=7 @14\n"
                       "+I a [10, 20) count=1 sum=4 @19\n");
    h_free(&h);
}

TEST(hop_first_window_fires_before_later_ones) {
    harness h;
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    wm(&h, 5);
    CHECK_OUT(out(&h), "+I a [-5, 5) count=1 sum=1 @4\n");
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [-5, 5) count=1 sum=1 @4\n+I a [0, 10) count=1 sum=1 @9\n");
    h_free(&h);
}

TEST(cumulate_windows) {
    harness h;
    sl_window_spec sp = sl_window_cumulate(10 * SL_SECOND, 5 * SL_SECOND);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    row(&h, "a", 2, 6);
    row(&h, "b", 3, 7);
    row(&h, "a", 4, 11);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 5) count=1 sum=1 @4\n"
                       "+I a [0, 10) count=2 sum=3 @9\n"
                       "+I b [0, 10) count=1 sum=3 @9\n"
                       "+I a [10, 15) count=1 sum=4 @14\n"
                       "+I a [10, 20) count=1 sum=4 @19\n");
    h_free(&h);
}

TEST(late_rows_within_and_beyond_lateness) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.allowed_lateness = 5 * SL_SECOND;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    wm(&h, 10);
    row(&h, "a", 2, 3); /* late, within lateness: late firing */
    row(&h, "b", 7, 4); /* late, new key in the fired window */
    wm(&h, 14);
    row(&h, "a", 3, 9); /* still within (wm 14 < 9 + 5) */
    wm(&h, 15);
    row(&h, "a", 4, 2); /* beyond: side output */
    row(&h, "a", 5, 15);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 10) count=1 sum=1 @9\n"
                       "+I a [0, 10) count=2 sum=3 @9\n"
                       "+I b [0, 10) count=1 sum=7 @9\n"
                       "+I a [0, 10) count=3 sum=6 @9\n"
                       "+I a [10, 20) count=1 sum=5 @19\n");
    CHECK_STR(slbuf_cstr(&h.late), "late a v=4 @2\n");
    CHECK_INT(h.m.rows_late, 1);
    h_free(&h);
}

TEST(late_firing_modes) {
    static const char *expect[3] = {
        /* DISCARDING */
        "+I a [0, 10) count=2 sum=3 @9\n"
        "+I a [0, 10) count=1 sum=5 @9\n"
        "+I a [0, 10) count=1 sum=7 @9\n",
        /* ACCUMULATING */
        "+I a [0, 10) count=2 sum=3 @9\n"
        "+I a [0, 10) count=3 sum=8 @9\n"
        "+I a [0, 10) count=4 sum=15 @9\n",
        /* RETRACTING */
        "+I a [0, 10) count=2 sum=3 @9\n"
        "-U a [0, 10) count=2 sum=3 @9\n"
        "+U a [0, 10) count=3 sum=8 @9\n"
        "-U a [0, 10) count=3 sum=8 @9\n"
        "+U a [0, 10) count=4 sum=15 @9\n",
    };
    for (int mode = SL_DISCARDING; mode <= SL_RETRACTING; mode++) {
        harness h;
        sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
        sp.allowed_lateness = 60 * SL_SECOND;
        sp.mode = (sl_accumulate)mode;
        CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
        row(&h, "a", 1, 1);
        row(&h, "a", 2, 2);
        wm(&h, 20);
        row(&h, "a", 5, 3);
        h_send(&h);
        row(&h, "a", 7, 4);
        h_end(&h);
        CHECK_OUT(out(&h), expect[mode]);
        h_free(&h);
    }
}

TEST(late_every_rows) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.allowed_lateness = 60 * SL_SECOND;
    sp.late_every_rows = 2;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    wm(&h, 20);
    row(&h, "a", 2, 2);
    row(&h, "a", 3, 3);
    row(&h, "a", 4, 4);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 10) count=1 sum=1 @9\n"
                       "+I a [0, 10) count=3 sum=6 @9\n");
    h_free(&h);
}

TEST(early_firing_rows_and_processing_time) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.early_every_rows = 2;
    sp.mode = SL_RETRACTING;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    row(&h, "a", 2, 2);
    row(&h, "a", 3, 3);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 10) count=2 sum=3 @9\n"
                       "-U a [0, 10) count=2 sum=3 @9\n"
                       "+U a [0, 10) count=3 sum=6 @9\n");
    h_free(&h);

    sp = sl_window_tumble(10 * SL_SECOND);
    sp.early_every_ms = 1000;
    sp.mode = SL_DISCARDING;
    h.now = 0;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    h.now = 0;
    row(&h, "a", 1, 1);
    row(&h, "b", 2, 2);
    h_send(&h);
    CHECK_INT(h.op->vt->tick(h.op, 500 * SL_MILLISECOND), 1000 * SL_MILLISECOND);
    CHECK_OUT(out(&h), "");
    CHECK_INT(h.op->vt->tick(h.op, 1000 * SL_MILLISECOND), 2000 * SL_MILLISECOND);
    CHECK_OUT(out(&h), "+I a [0, 10) count=1 sum=1 @9\n+I b [0, 10) count=1 sum=2 @9\n");
    slbuf_reset(&h.out);
    row(&h, "a", 5, 5);
    h_send(&h);
    h.op->vt->tick(h.op, 2500 * SL_MILLISECOND);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 10) count=1 sum=5 @9\n");
    h_free(&h);
}

TEST(processing_time_windows) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.processing_time = true;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    h.now = 3 * SL_SECOND;
    row(&h, "a", 1, 100);
    row(&h, "a", 2, -100);
    h_send(&h);
    CHECK_INT(h.op->vt->tick(h.op, 5 * SL_SECOND), 10 * SL_SECOND - 1);
    h.now = 12 * SL_SECOND;
    row(&h, "a", 3, 0);
    h_send(&h);
    CHECK_OUT(out(&h), "+I a [0, 10) count=2 sum=3 @9\n");
    CHECK_INT(h.op->vt->tick(h.op, 20 * SL_SECOND), SL_TIME_MAX);
    CHECK_OUT(out(&h), "+I a [0, 10) count=2 sum=3 @9\n+I a [10, 20) count=1 sum=3 @19\n");
    h_free(&h);
}

TEST(session_merging_and_late_bridge) {
    harness h;
    sl_window_spec sp = sl_window_session(5 * SL_SECOND);
    sp.allowed_lateness = 20 * SL_SECOND;
    sp.mode = SL_RETRACTING;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    row(&h, "b", 10, 2);
    row(&h, "a", 2, 3);  /* extends a to [1, 8) */
    row(&h, "a", 3, 12); /* new session [12, 17) */
    wm(&h, 7);
    CHECK_OUT(out(&h), "+I b [2, 7) count=1 sum=10 @6\n");
    slbuf_reset(&h.out);
    wm(&h, 17);
    CHECK_OUT(out(&h), "+I a [1, 8) count=2 sum=3 @7\n+I a [12, 17) count=1 sum=3 @16\n");
    slbuf_reset(&h.out);
    /* A late row at 7 bridges [1, 8) and [12, 17): both merge into [1, 17). */
    row(&h, "a", 4, 7);
    h_send(&h);
    CHECK_OUT(out(&h), "-U a [12, 17) count=1 sum=3 @16\n"
                       "-U a [1, 8) count=2 sum=3 @7\n"
                       "+U a [1, 17) count=4 sum=10 @16\n");
    slbuf_reset(&h.out);
    wm(&h, 37); /* cleans [1, 17) */
    row(&h, "a", 5, 10); /* [10, 15) is past its lateness too */
    h_end(&h);
    CHECK_OUT(out(&h), "");
    CHECK_STR(slbuf_cstr(&h.late), "late a v=5 @10\n");
    h_free(&h);
}

TEST(session_in_order_accumulating) {
    harness h;
    sl_window_spec sp = sl_window_session(10 * SL_SECOND);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 0);
    row(&h, "a", 1, 10); /* touches [0, 10): merges (Flink intersects) */
    row(&h, "a", 1, 25);
    row(&h, "b", 1, 26);
    row(&h, "a", 1, 18); /* out of order, bridges [0, 20) and [25, 35) */
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 35) count=4 sum=4 @34\n+I b [26, 36) count=1 sum=1 @35\n");
    h_free(&h);
}

TEST(count_windows) {
    harness h;
    sl_window_spec sp = sl_window_count(3, 3);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    for (int i = 1; i <= 7; i++) {
        row(&h, i % 2 ? "a" : "b", i, 100 - i);
    }
    h_end(&h); /* incomplete windows do not fire */
    CHECK_OUT(out(&h), "+I a [-] count=3 sum=9 @99\n+I b [-] count=3 sum=12 @98\n");
    h_free(&h);

    sp = sl_window_count(3, 2);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    for (int i = 1; i <= 7; i++) {
        row(&h, "a", i, i);
    }
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [-] count=2 sum=3 @2\n"
                       "+I a [-] count=3 sum=9 @4\n"
                       "+I a [-] count=3 sum=15 @6\n");
    h_free(&h);

    sp = sl_window_count(2, 3); /* slide > size: rows between windows skipped */
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    for (int i = 1; i <= 9; i++) {
        row(&h, "a", i, i);
    }
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [-] count=2 sum=5 @3\n"
                       "+I a [-] count=2 sum=11 @6\n"
                       "+I a [-] count=2 sum=17 @9\n");
    h_free(&h);
}

TEST(global_windows) {
    harness h;
    sl_window_spec sp = sl_window_global(2);
    sp.mode = SL_RETRACTING;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    for (int i = 1; i <= 5; i++) {
        row(&h, "a", i, i);
    }
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [-] count=2 sum=3 @2\n"
                       "-U a [-] count=2 sum=3 @2\n"
                       "+U a [-] count=4 sum=10 @4\n");
    h_free(&h);

    sp = sl_window_global(2);
    sp.purge_on_fire = true;
    sp.early_every_ms = 1000;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    for (int i = 1; i <= 3; i++) {
        row(&h, "a", i, i);
    }
    h_send(&h);
    h.op->vt->tick(h.op, 1 * SL_SECOND);
    h.op->vt->tick(h.op, 2 * SL_SECOND); /* nothing new */
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [-] count=2 sum=3 @2\n+I a [-] count=1 sum=3 @3\n");
    h_free(&h);
}

static const sl_agg ALL[] = {
    {SL_AGG_COUNT, "v", "cv", NULL},
    {SL_AGG_COUNT, NULL, "c", NULL},
    {SL_AGG_SUM, "v", "sv", NULL},
    {SL_AGG_SUM, "d", "sd", NULL},
    {SL_AGG_MIN, "v", "mnv", NULL},
    {SL_AGG_MAX, "s", "mxs", NULL},
    {SL_AGG_MIN, "s", "mns", NULL},
    {SL_AGG_AVG, "v", "av", NULL},
    {SL_AGG_STDDEV, "v", "sd1", NULL},
    {SL_AGG_STDDEV_POP, "d", "sdp", NULL},
    {SL_AGG_FIRST_VALUE, "s", "fs", NULL},
    {SL_AGG_LAST_VALUE, "v", "lv", NULL},
    {SL_AGG_COUNT_DISTINCT, "s", "cds", NULL},
};

TEST(every_aggregate_with_nulls) {
    harness h;
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    CHECK(h_init(&h, &sp, ALL, (int)SL_ARRAY_LEN(ALL)) == SL_OK);
    row(&h, "a", 2, 5);
    row(&h, "a", NUL, 6);
    row(&h, "a", 4, 7);
    row(&h, "a", 10, 6); /* same time as the NULL row: LAST by arrival */
    row(&h, "a", 4, 8);
    row(&h, "n", NUL, 6);
    h_end(&h);
    CHECK_STR(out(&h),
                    "+I a [0, 10) cv=4 c=5 sv=20 sd=10 mnv=2 mxs=s4 mns=s10 av=5 sd1=3.4641 "
                    "sdp=1.5 fs=s2 lv=4 cds=3 @9\n"
                    "+I n [0, 10) cv=0 c=1 sv=NULL sd=NULL mnv=NULL mxs=NULL mns=NULL av=NULL "
                    "sd1=NULL sdp=NULL fs=NULL lv=NULL cds=0 @9\n"
                    "+I a [5, 15) cv=4 c=5 sv=20 sd=10 mnv=2 mxs=s4 mns=s10 av=5 sd1=3.4641 "
                    "sdp=1.5 fs=s2 lv=4 cds=3 @14\n"
                    "+I n [5, 15) cv=0 c=1 sv=NULL sd=NULL mnv=NULL mxs=NULL mns=NULL av=NULL "
                    "sd1=NULL sdp=NULL fs=NULL lv=NULL cds=0 @14\n");
    h_free(&h);
}

TEST(stddev_single_value_and_distinct_across_slices) {
    static const sl_agg aggs[] = {
        {SL_AGG_STDDEV, "v", "s", NULL},
        {SL_AGG_STDDEV_POP, "v", "p", NULL},
        {SL_AGG_COUNT_DISTINCT, "s", "cd", NULL},
    };
    harness h;
    sl_window_spec sp = sl_window_cumulate(20 * SL_SECOND, 5 * SL_SECOND);
    CHECK(h_init(&h, &sp, aggs, 3) == SL_OK);
    row(&h, "a", 7, 1);
    row(&h, "a", 7, 6);  /* same string in another slice */
    row(&h, "a", 8, 11);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 5) s=NULL p=0 cd=1 @4\n"
                       "+I a [0, 10) s=0 p=0 cd=1 @9\n"
                       "+I a [0, 15) s=0.57735 p=0.471405 cd=2 @14\n"
                       "+I a [0, 20) s=0.57735 p=0.471405 cd=2 @19\n");
    h_free(&h);
}

typedef struct prod_acc {
    int64_t prod, n;
} prod_acc;
static void p_init(void *acc, void *user) {
    SL_UNUSED(user);
    prod_acc a = {1, 0};
    memcpy(acc, &a, sizeof(a));
}
static void p_add(void *acc, const sl_row *r, int col, void *user) {
    SL_UNUSED(user);
    prod_acc *a = acc;
    a->prod *= sl_row_bigint(r, col);
    a->n++;
}
static void p_merge(void *acc, const void *other, void *user) {
    SL_UNUSED(user);
    prod_acc *a = acc;
    const prod_acc *b = other;
    a->prod *= b->prod;
    a->n += b->n;
}
static void p_result(const void *acc, sl_out *o, int col, void *user) {
    SL_UNUSED(user);
    const prod_acc *a = acc;
    if (a->n) {
        sl_out_bigint(o, col, a->prod);
    } else {
        sl_out_null(o, col);
    }
}

TEST(udaf) {
    sl_udaf u = {"product", sizeof(prod_acc), SL_BIGINT, p_init, p_add, p_merge, NULL, p_result,
                 NULL};
    sl_agg aggs[] = {{SL_AGG_UDAF, "v", NULL, &u}};
    harness h;
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    CHECK(h_init(&h, &sp, aggs, 1) == SL_OK);
    row(&h, "a", 2, 1);
    row(&h, "a", 3, 6);
    row(&h, "a", NUL, 7);
    row(&h, "a", 5, 11);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [-5, 5) product_v=2 @4\n"
                       "+I a [0, 10) product_v=6 @9\n"
                       "+I a [5, 15) product_v=15 @14\n"
                       "+I a [10, 20) product_v=5 @19\n");
    h_free(&h);

    u.merge = NULL;
    sp = sl_window_session(SL_SECOND);
    CHECK(h_init(&h, &sp, aggs, 1) == SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "merge");
    sp = sl_window_tumble(SL_SECOND);
    CHECK(h_init(&h, &sp, aggs, 1) == SL_OK);
    row(&h, "a", 4, 0);
    row(&h, "a", 5, 0);
    h_end(&h);
    CHECK_OUT(out(&h), "+I a [0, 1) product_v=20 @0\n");
    h_free(&h);
}

TEST(huge_string_key_and_values) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "c", NULL},
        {SL_AGG_MAX, "k", "mk", NULL},
        {SL_AGG_COUNT_DISTINCT, "k", "dk", NULL},
    };
    harness h;
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    CHECK(h_init(&h, &sp, aggs, 3) == SL_OK);
    size_t n = 100 * 1024;
    char *big = slmem_alloc(n + 1);
    memset(big, 'x', n);
    big[n] = 0;
    row(&h, big, 1, 1);
    big[n - 1] = 'y'; /* a different key sharing a 100 KiB prefix */
    row(&h, big, 1, 2);
    big[n - 1] = 'x';
    row(&h, big, 2, 7);
    h_end(&h);
    CHECK_OUT(out(&h), "+I <102400 bytes> [-5, 5) c=1 mk=<102400 bytes> dk=1 @4\n"
                       "+I <102400 bytes> [-5, 5) c=1 mk=<102400 bytes> dk=1 @4\n"
                       "+I <102400 bytes> [0, 10) c=2 mk=<102400 bytes> dk=1 @9\n"
                       "+I <102400 bytes> [0, 10) c=1 mk=<102400 bytes> dk=1 @9\n"
                       "+I <102400 bytes> [5, 15) c=1 mk=<102400 bytes> dk=1 @14\n");
    slmem_free(big);
    h_free(&h);
}

TEST(argument_errors) {
    harness h;
    sl_agg bad_col[] = {{SL_AGG_SUM, "nope", NULL, NULL}};
    sl_window_spec sp = sl_window_tumble(SL_SECOND);
    CHECK(h_init(&h, &sp, bad_col, 1) == SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "nope");
    sl_agg sum_str[] = {{SL_AGG_SUM, "s", NULL, NULL}};
    CHECK(h_init(&h, &sp, sum_str, 1) == SL_ERR_TYPE);
    sp = sl_window_tumble(0);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_ERR_ARG);
    sp = sl_window_hop(10, 20);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_ERR_ARG);
    sp = sl_window_hop(10, 4);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "multiple");
    sp = sl_window_cumulate(10, 3);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_ERR_UNSUPPORTED);
    sp = sl_window_hop(10, 5);
    sp.mode = SL_DISCARDING;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_ERR_UNSUPPORTED);
    sp = sl_window_session(0);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_ERR_ARG);
    sp = sl_window_global(0);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_ERR_ARG);
    sl_agg dup[] = {{SL_AGG_COUNT, NULL, "x", NULL}, {SL_AGG_COUNT, NULL, "x", NULL}};
    sp = sl_window_tumble(SL_SECOND);
    CHECK(h_init(&h, &sp, dup, 2) == SL_ERR_ARG);
    /* default names */
    sl_agg noname[] = {{SL_AGG_COUNT, NULL, NULL, NULL}, {SL_AGG_SUM, "v", NULL, NULL}};
    CHECK(h_init(&h, &sp, noname, 2) == SL_OK);
    slbuf d = {0};
    slschema_describe(h.arg->out, &d);
    CHECK_STR(slbuf_cstr(&d), "k STRING, window_start TIMESTAMP, window_end TIMESTAMP, "
                              "count BIGINT, sum_v BIGINT");
    slbuf_free(&d);
    h_free(&h);
}

/* Hop windows through slices equal a naive per-window computation. */
TEST(hop_slices_equal_naive) {
    enum { N = 10000, KEYS = 7 };
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "c", NULL},
        {SL_AGG_SUM, "v", "s", NULL},
        {SL_AGG_MIN, "v", "mn", NULL},
        {SL_AGG_MAX, "v", "mx", NULL},
    };
    int64_t size = 60, slide = 15; /* seconds */
    harness h;
    sl_window_spec sp = sl_window_hop(size * SL_SECOND, slide * SL_SECOND);
    CHECK(h_init(&h, &sp, aggs, 4) == SL_OK);
    static int64_t ts[N], v[N];
    static int key[N];
    uint64_t x = 42;
    int64_t maxts = 0;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        key[i] = (int)((x >> 33) % KEYS);
        ts[i] = (int64_t)(i / 10) + (int64_t)((x >> 20) % 20); /* out of order by < 20 s */
        v[i] = (int64_t)((x >> 40) % 1000) - 500;
        maxts = SL_MAX(maxts, ts[i]);
        char k[8];
        snprintf(k, sizeof(k), "k%d", key[i]);
        row(&h, k, v[i], ts[i]);
        if (h.b->n == 64) {
            h_send(&h);
        }
        if (i % 100 == 99) {
            wm(&h, maxts - 21); /* bounded out-of-orderness: no row is late */
        }
    }
    h_end(&h);
    CHECK_INT(h.m.rows_late, 0);
    /* Naive: every window end, every key, scanning all rows. */
    slbuf want = {0};
    int64_t first_end = -slide + slide, last_end = (maxts / slide + 1) * slide + size;
    for (int64_t e = first_end; e <= last_end; e += slide) {
        /* keys in first-seen order within the window: order of the first
         * slice holding them, then arrival within it */
        int order[KEYS], n_order = 0;
        for (int64_t s = e - size + slide; s <= e; s += slide) {
            for (int i = 0; i < N; i++) {
                if (ts[i] >= s - slide && ts[i] < s) {
                    bool seen = false;
                    for (int j = 0; j < n_order; j++) {
                        seen |= order[j] == key[i];
                    }
                    if (!seen) {
                        order[n_order++] = key[i];
                    }
                }
            }
        }
        for (int j = 0; j < n_order; j++) {
            int64_t c = 0, sum = 0, mn = INT64_MAX, mx = INT64_MIN;
            for (int i = 0; i < N; i++) {
                if (key[i] == order[j] && ts[i] >= e - size && ts[i] < e) {
                    c++;
                    sum += v[i];
                    mn = SL_MIN(mn, v[i]);
                    mx = SL_MAX(mx, v[i]);
                }
            }
            slbuf_printf(&want, "+I k%d [%lld, %lld) c=%lld s=%lld mn=%lld mx=%lld @%lld\n",
                         order[j], (long long)(e - size), (long long)e, (long long)c,
                         (long long)sum, (long long)mn, (long long)mx, (long long)(e - 1));
        }
    }
    CHECK_OUT(out(&h), slbuf_cstr(&want));
    slbuf_free(&want);
    h_free(&h);
}

/* One batch mixing rows that only accumulate (folded a run at a time) with
 * rows that must go one by one in their place: late firings, a retraction, a
 * row beyond the allowed lateness, a new slice. */
TEST(batch_mixes_runs_and_single_rows) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.allowed_lateness = 60 * SL_SECOND;
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    row(&h, "a", 1, 1);
    row(&h, "a", 2, 2);
    wm(&h, 10);
    CHECK_STR(out(&h), "+I a [0, 10) count=2 sum=3 @9\n");
    slbuf_reset(&h.out);
    row(&h, "b", 10, 12);
    row(&h, "a", 5, 3); /* late: fires [0, 10) with the rows before it */
    row(&h, "a", 3, 11);
    row(&h, "a", 20, 13);
    row_kind(&h, "a", 7, 14, SL_DELETE);
    row(&h, "b", 30, 15);
    row(&h, "a", 9, -100); /* beyond the lateness: side output */
    row(&h, "a", 1, 4);    /* late again */
    row(&h, "c", 100, 25);
    h_send(&h);
    CHECK_STR(out(&h), "+I a [0, 10) count=3 sum=8 @9\n"
                       "+I a [0, 10) count=4 sum=9 @9\n");
    CHECK_STR(slbuf_cstr(&h.late), "late a v=9 @-100\n");
    slbuf_reset(&h.out);
    h_end(&h);
    CHECK_OUT(out(&h), "+I b [10, 20) count=2 sum=40 @19\n"
                       "+I a [10, 20) count=1 sum=16 @19\n"
                       "+I c [20, 30) count=1 sum=100 @29\n");
    CHECK_INT(h.m.rows_late, 1);
    h_free(&h);
}

/* A BIGINT key (its 8 bytes used in place) with NULL keys among them. */
TEST(bigint_key_with_nulls) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    CHECK(h_init_key(&h, &sp, CNT_SUM, 2, 1) == SL_OK);
    row(&h, "x", 5, 1);
    row(&h, "x", NUL, 2);
    row(&h, "x", 5, 3);
    row(&h, "x", 7, 4);
    row(&h, "x", NUL, 5);
    row(&h, "x", -1, 12);
    h_end(&h);
    CHECK_OUT(out(&h), "+I 5 [0, 10) count=2 sum=10 @9\n"
                       "+I NULL [0, 10) count=2 sum=NULL @9\n"
                       "+I 7 [0, 10) count=1 sum=7 @9\n"
                       "+I -1 [10, 20) count=1 sum=-1 @19\n");
    h_free(&h);
}

/* ---- checkpoints: snapshot, a new instance on the same state, restore ---- */

#include "ops/window_int.h" /* the record size of win.acc, for the rescale split */

/* A script step: 'r' a +I row (k, v, at t seconds), 'u' a -U row, 's' send
 * the buffered rows, 'w' watermark t seconds, 'n' processing time t ms then
 * tick. A cut (snapshot and restore) can come before any step that follows
 * 's', 'w' or 'n' (no rows buffered). */
typedef struct step {
    char op;
    const char *k;
    int64_t v, t;
} step;

static void run_step(harness *h, const step *s) {
    switch (s->op) {
    case 'r':
        row(h, s->k, s->v, s->t);
        break;
    case 'u':
        row_kind(h, s->k, s->v, s->t, SL_UPDATE_BEFORE);
        break;
    case 's':
        h_send(h);
        break;
    case 'w':
        wm(h, s->t);
        break;
    default:
        h_send(h);
        h->now = s->t * SL_MILLISECOND;
        h->op->vt->tick(h->op, h->now);
        sltest_unpin(h->st);
        break;
    }
}

static bool cut_ok(const step *s, int i) {
    return i == 0 || s[i - 1].op == 's' || s[i - 1].op == 'w' || s[i - 1].op == 'n';
}

/* Take a snapshot of h's operator: its opstate blob into *blob. */
static void h_snapshot(harness *h, slbuf *blob) {
    slbuf_reset(blob);
    CHECK(h->op->vt->snapshot(h->op, 1, blob) == SL_OK);
    sltest_unpin(h->st);
}

/* Free h's operator and start a new one on state `st` (h's own when NULL)
 * owning key groups [kg_lo, kg_hi), restored from blobs[0..n). */
static void h_reopen(harness *h, slstate *st, int kg_lo, int kg_hi, const slbuf *blobs, int n) {
    h->op->vt->free(h->op);
    if (st) {
        h->st = st;
    }
    h->ctx.state = h->st;
    h->ctx.kg_lo = kg_lo;
    h->ctx.kg_hi = kg_hi;
    h->op = slwindow_new(h->arg, 0);
    h->op->ctx = &h->ctx;
    CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
    CHECK(h->op->vt->restore(h->op, blobs, n) == SL_OK);
    sltest_unpin(h->st);
}

/* The entries left in the state tables (after the end: what was not
 * cleaned up), as a line of the output. */
static void state_counts(harness *h, int64_t *c) {
    static const char *names[] = {"win.prev", "win.early", "win.late", "win.meta"};
    for (int i = 0; i < 4; i++) {
        uint32_t vs = i == 1 || i == 2 ? 8 : 0;
        c[i] += (int64_t)slkv_count(slstate_table(h->st, names[i], vs));
    }
    c[4] += (int64_t)slkv_count(
        slstate_table(h->st, "win.acc", ((slwin *)h->op)->aggs.rec_size));
}

static void put_counts(slbuf *o, const int64_t *c) {
    slbuf_printf(o, "~state prev=%lld early=%lld late=%lld meta=%lld acc=%lld\n", (long long)c[0],
                 (long long)c[1], (long long)c[2], (long long)c[3], (long long)c[4]);
}

/* Run the script with a cut before step `cut` (-1: none; INT32_MAX: before
 * every step where one can come); returns output then late rows (owned). */
static char *run_cut(const sl_window_spec *sp, const sl_agg *aggs, int na, const step *s, int n,
                     int cut) {
    harness h;
    CHECK(h_init(&h, sp, aggs, na) == SL_OK);
    slbuf blob = {0};
    for (int i = 0; i < n; i++) {
        if ((i == cut || cut == INT32_MAX) && cut_ok(s, i)) {
            h_snapshot(&h, &blob);
            h_reopen(&h, NULL, 0, SL_KEY_GROUPS, &blob, 1);
        }
        run_step(&h, &s[i]);
    }
    h_end(&h);
    int64_t cnt[5] = {0};
    state_counts(&h, cnt);
    put_counts(&h.out, cnt);
    slbuf_puts(&h.out, "---\n");
    slbuf_puts(&h.out, slbuf_cstr(&h.late));
    char *r = slmem_strdup(slbuf_cstr(&h.out));
    slbuf_free(&blob);
    h_free(&h);
    return r;
}

static int key_group_of(const slbatch *b, uint32_t i) {
    slkeyspec ks = {1, {0}};
    slbuf tmp = {0};
    uint64_t hash = slkey_encode(&ks, b, i, &tmp);
    slbuf_free(&tmp);
    return slkey_group(hash, SL_KEY_GROUPS);
}

/* Run the script on one instance up to `cut`, then on two restored from its
 * snapshot, owning key groups [0, 64) and [64, 128): rows go to the instance
 * of their key, watermarks and ticks to both. Output lines sorted. */
static char *run_rescale(const sl_window_spec *sp, const sl_agg *aggs, int na, const step *s,
                         int n, int cut, int *rows_in_each) {
    harness h[2];
    CHECK(h_init(&h[0], sp, aggs, na) == SL_OK);
    CHECK(h_init(&h[1], sp, aggs, na) == SL_OK);
    h[1].ctx.rt = &h[0]; /* one output */
    slbuf blob = {0};
    int i = 0;
    for (; i < cut; i++) {
        run_step(&h[0], &s[i]);
    }
    h_snapshot(&h[0], &blob);
    const sltest_table tabs[] = {
        {"win.acc", ((slwin *)h[0].op)->aggs.rec_size},
        {"win.str", 0},
        {"win.distinct", 0},
        {"win.prev", 0},
        {"win.early", 8},
        {"win.late", 8},
        {"win.meta", 0},
        {"win.timers", SLTIMERS_STATE_VAL},
    };
    int nt = (int)SL_ARRAY_LEN(tabs);
    slstate *parts[2] = {sltest_state_split(h[0].st, tabs, nt, 0, 64),
                         sltest_state_split(h[0].st, tabs, nt, 64, SL_KEY_GROUPS)};
    for (int j = 0; j < 2; j++) {
        slstate *old = h[j].st;
        h_reopen(&h[j], parts[j], j ? 64 : 0, j ? SL_KEY_GROUPS : 64, &blob, 1);
        slstate_free(old);
        h[j].now = h[0].now;
    }
    for (; i < n; i++) {
        if (s[i].op == 'r' || s[i].op == 'u') {
            run_step(&h[0], &s[i]); /* buffer in h[0], route at the send */
            continue;
        }
        /* route the buffered rows by key group */
        slbatch *b = h[0].b;
        h[0].b = slbatch_new(h[0].in, 64);
        for (uint32_t r = 0; r < b->n; r++) {
            int j = key_group_of(b, r) < 64 ? 0 : 1;
            slbatch_append_row(h[j].b, b, r);
            rows_in_each[j]++;
        }
        slbatch_free(b);
        for (int j = 1; j >= 0; j--) {
            run_step(&h[j], &s[i]);
        }
    }
    h_end(&h[1]);
    h_end(&h[0]);
    int64_t cnt[5] = {0};
    state_counts(&h[0], cnt);
    state_counts(&h[1], cnt);
    put_counts(&h[0].out, cnt);
    slbuf_puts(&h[0].out, "---\n");
    slbuf_puts(&h[0].out, slbuf_cstr(&h[0].late));
    char *r = sltest_sort_lines(slbuf_cstr(&h[0].out));
    slbuf_free(&blob);
    h_free(&h[0]);
    h_free(&h[1]);
    return r;
}

/* Every cut gives the uninterrupted output, and so does a cut before every
 * step; rescaled restores give the same lines. */
static void check_cuts(const sl_window_spec *sp, const sl_agg *aggs, int na, const step *s, int n,
                       const char *want) {
    char *base = run_cut(sp, aggs, na, s, n, -1);
    if (want) {
        CHECK_OUT(base, want);
    }
    for (int c = 0; c <= n; c++) {
        if (c < n && !cut_ok(s, c)) {
            continue;
        }
        char *got = run_cut(sp, aggs, na, s, n, c);
        if (strcmp(got, base) != 0) {
            fprintf(stderr, "cut before step %d:\n", c);
        }
        CHECK_STR(got, base);
        slmem_free(got);
    }
    char *got = run_cut(sp, aggs, na, s, n, INT32_MAX);
    CHECK_STR(got, base);
    slmem_free(got);
    char *sorted = sltest_sort_lines(base);
    int split = 0;
    for (int c = 0; c <= n; c++) {
        if (c < n && !cut_ok(s, c)) {
            continue;
        }
        int each[2] = {0, 0};
        got = run_rescale(sp, aggs, na, s, n, c, each);
        if (strcmp(got, sorted) != 0) {
            fprintf(stderr, "rescale at step %d:\n", c);
        }
        CHECK_STR(got, sorted);
        split += each[0] > 0 && each[1] > 0;
        slmem_free(got);
    }
    CHECK(split > 0); /* the keys spread over both halves */
    slmem_free(sorted);
    slmem_free(base);
}

#define CHECK_CUTS(sp, aggs, steps, want)                                                          \
    check_cuts(&(sp), aggs, (int)SL_ARRAY_LEN(aggs), steps, (int)SL_ARRAY_LEN(steps), want)

/* Keys a..e spread over both key-group halves. */
static const step TUMBLE_STEPS[] = {
    {'r', "a", 1, 1},  {'r', "b", 2, 2},  {'r', "c", 3, 12}, {'s', 0, 0, 0},
    {'r', "d", 4, 3},  {'r', "e", 5, 25}, {'s', 0, 0, 0},    {'w', 0, 0, 10},
    {'r', "a", 6, 4},  {'s', 0, 0, 0},  /* late, within lateness */
    {'r', "e", 7, 5},  {'u', "a", 1, 1}, {'s', 0, 0, 0},    {'w', 0, 0, 16},
    {'r', "b", 8, 8},  {'r', "c", 9, 14}, {'s', 0, 0, 0},  /* 8: beyond lateness */
    {'w', 0, 0, 22},   {'r', "d", 10, 21}, {'r', "a", 11, 19}, {'s', 0, 0, 0},
    {'w', 0, 0, 40},   {'r', "a", 12, 39}, {'s', 0, 0, 0},
};

TEST(checkpoint_tumble_late_rows_and_modes) {
    for (int mode = SL_DISCARDING; mode <= SL_RETRACTING; mode++) {
        sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
        sp.allowed_lateness = 5 * SL_SECOND;
        sp.mode = (sl_accumulate)mode;
        CHECK_CUTS(sp, CNT_SUM, TUMBLE_STEPS, NULL);
    }
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.allowed_lateness = 5 * SL_SECOND;
    CHECK_CUTS(sp, ALL, TUMBLE_STEPS, NULL);
}

TEST(checkpoint_early_firing_discarding) {
    /* DISCARDING early firings remove a key's accumulator: the window then
     * lives on only in its bookkeeping (early counters). */
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.allowed_lateness = 5 * SL_SECOND;
    sp.early_every_rows = 2;
    sp.late_every_rows = 2;
    for (int mode = SL_DISCARDING; mode <= SL_RETRACTING; mode++) {
        sp.mode = (sl_accumulate)mode;
        CHECK_CUTS(sp, CNT_SUM, TUMBLE_STEPS, NULL);
    }
}

TEST(checkpoint_hop_and_cumulate) {
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    sp.allowed_lateness = 5 * SL_SECOND;
    sp.mode = SL_RETRACTING;
    CHECK_CUTS(sp, CNT_SUM, TUMBLE_STEPS, NULL);
    sp.mode = SL_ACCUMULATING;
    sp.early_every_rows = 2;
    CHECK_CUTS(sp, ALL, TUMBLE_STEPS, NULL);
    sp = sl_window_cumulate(20 * SL_SECOND, 5 * SL_SECOND);
    sp.allowed_lateness = 3 * SL_SECOND;
    CHECK_CUTS(sp, ALL, TUMBLE_STEPS, NULL);
    sp.mode = SL_RETRACTING;
    sp.late_every_rows = 2;
    CHECK_CUTS(sp, CNT_SUM, TUMBLE_STEPS, NULL);
}

TEST(checkpoint_processing_time_early_firing) {
    static const step steps[] = {
        {'n', 0, 0, 0},    {'r', "a", 1, 1}, {'r', "b", 2, 2},   {'s', 0, 0, 0},
        {'n', 0, 0, 500},  {'r', "c", 3, 3}, {'s', 0, 0, 0},     {'n', 0, 0, 1000},
        {'r', "a", 4, 4},  {'s', 0, 0, 0},   {'n', 0, 0, 1700},  {'n', 0, 0, 2100},
        {'w', 0, 0, 10},   {'r', "d", 5, 12}, {'s', 0, 0, 0},    {'n', 0, 0, 3000},
    };
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.early_every_ms = 1000;
    for (int mode = SL_DISCARDING; mode <= SL_RETRACTING; mode++) {
        sp.mode = (sl_accumulate)mode;
        CHECK_CUTS(sp, CNT_SUM, steps, NULL);
    }
    sp = sl_window_tumble(2 * SL_SECOND);
    sp.processing_time = true;
    CHECK_CUTS(sp, CNT_SUM, steps, NULL);
}

static const step SESSION_STEPS[] = {
    {'r', "a", 1, 1},  {'r', "b", 10, 2}, {'r', "a", 2, 3}, {'s', 0, 0, 0},
    {'r', "a", 3, 12}, {'r', "c", 4, 4},  {'s', 0, 0, 0},   {'w', 0, 0, 7},
    {'r', "d", 5, 9},  {'r', "e", 6, 30}, {'s', 0, 0, 0},   {'w', 0, 0, 17},
    {'r', "a", 4, 7},  {'s', 0, 0, 0},  /* late: bridges [1, 8) and [12, 17) */
    {'r', "c", 7, 8},  {'r', "d", 8, 14}, {'s', 0, 0, 0},   {'w', 0, 0, 26},
    {'r', "b", 9, 6},  {'r', "e", 1, 27}, {'s', 0, 0, 0},   {'w', 0, 0, 37},
    {'r', "a", 5, 10}, {'r', "e", 2, 36}, {'s', 0, 0, 0},   {'w', 0, 0, 50},
};

TEST(checkpoint_sessions) {
    sl_window_spec sp = sl_window_session(5 * SL_SECOND);
    sp.allowed_lateness = 20 * SL_SECOND;
    for (int mode = SL_DISCARDING; mode <= SL_RETRACTING; mode++) {
        sp.mode = (sl_accumulate)mode;
        CHECK_CUTS(sp, CNT_SUM, SESSION_STEPS, NULL);
    }
    sp.mode = SL_RETRACTING;
    sp.early_every_rows = 2;
    sp.late_every_rows = 2;
    CHECK_CUTS(sp, ALL, SESSION_STEPS, NULL);
    sp = sl_window_session(5 * SL_SECOND);
    CHECK_CUTS(sp, CNT_SUM, SESSION_STEPS, NULL);
}

static const step COUNT_STEPS[] = {
    {'r', "a", 1, 1}, {'r', "b", 2, 2},  {'r', "a", 3, 3},  {'s', 0, 0, 0},
    {'r', "c", 4, 4}, {'r', "a", 5, 5},  {'s', 0, 0, 0},    {'r', "b", 6, 6},
    {'s', 0, 0, 0},   {'r', "a", 7, 7},  {'r', "b", 8, 8},  {'s', 0, 0, 0},
    {'r', "d", 9, 9}, {'r', "a", 10, 10}, {'s', 0, 0, 0},   {'n', 0, 0, 1000},
    {'r', "b", 11, 11}, {'r', "e", 12, 12}, {'r', "a", 13, 1}, {'s', 0, 0, 0},
    {'r', "b", 14, 3}, {'s', 0, 0, 0},   {'n', 0, 0, 2000}, {'r', "a", 15, 15},
};

TEST(checkpoint_count_and_global) {
    sl_window_spec sp = sl_window_count(3, 3);
    CHECK_CUTS(sp, ALL, COUNT_STEPS, NULL);
    sp = sl_window_count(3, 2);
    sp.mode = SL_RETRACTING;
    CHECK_CUTS(sp, CNT_SUM, COUNT_STEPS, NULL);
    sp = sl_window_count(2, 3);
    CHECK_CUTS(sp, CNT_SUM, COUNT_STEPS, NULL);
    sp = sl_window_global(2);
    sp.mode = SL_RETRACTING;
    CHECK_CUTS(sp, CNT_SUM, COUNT_STEPS, NULL);
    sp = sl_window_global(3);
    sp.purge_on_fire = true;
    sp.early_every_ms = 1000;
    CHECK_CUTS(sp, ALL, COUNT_STEPS, NULL);
}

TEST(checkpoint_restore_refuses_foreign_blob) {
    harness h;
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    CHECK(h_init(&h, &sp, CNT_SUM, 2) == SL_OK);
    slbuf bad = {0};
    slbuf_puts(&bad, "not a window blob");
    slbuf blobs[2] = {{0}, bad}; /* an empty blob is fine, a foreign one is not */
    CHECK(h.op->vt->restore(h.op, blobs, 2) == SL_ERR_STATE);
    CHECK_CONTAINS(sl_errmsg(), "window operator");
    CHECK(h.op->vt->restore(h.op, blobs, 1) == SL_OK);
    CHECK(h.op->vt->restore(h.op, NULL, 0) == SL_OK);
    slbuf_free(&bad);
    h_free(&h);
}
