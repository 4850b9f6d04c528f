/*
 * test_join.c - the join operators (ops/join.h) driven directly through
 * their slop_vt with a hand-made two-input slopctx. Output rows are text
 * lines "+I x 1 @5 | x 10 @3 @5": kind, the left row (k a @t), the right row
 * (k b @t), then the output row's event time; times in seconds, "-" for a
 * NULL-padded side. test_join_rocksdb.c runs the same tests on RocksDB.
 */
#include "ops/join_int.h"
#include "test_backend.h"

typedef struct harness {
    sl_schema *in[2], *out;
    sljoin_arg *arg;
    slop *op;
    slopctx ctx;
    slopmetrics m;
    slstate *st;
    slclock clk;
    int64_t now;
    slbuf text;
    slbatch *b[2];
    slop_factory factory;
} harness;

#define NUL INT64_MIN
#define S SL_SECOND

static void put_ts(slbuf *o, const slbatch *b, int c, uint32_t i) {
    if (slbatch_is_null(b, c, i)) {
        slbuf_puts(o, "null");
    } else {
        slbuf_printf(o, "%lld", (long long)(b->cols[c].v.i64[i] / S));
    }
}

static void put_side(slbuf *o, const slbatch *b, int first, uint32_t i) {
    if (slbatch_is_null(b, first + 1, i) && slbatch_is_null(b, first + 2, i)) {
        slbuf_puts(o, "-");
        return;
    }
    if (slbatch_is_null(b, first, i)) {
        slbuf_puts(o, "null");
    } else {
        slbuf_put(o, b->cols[first].v.s[i].ptr, b->cols[first].v.s[i].len);
    }
    slbuf_putc(o, ' ');
    if (slbatch_is_null(b, first + 1, i)) {
        slbuf_puts(o, "null");
    } else {
        slbuf_printf(o, "%lld", (long long)b->cols[first + 1].v.i64[i]);
    }
    slbuf_puts(o, " @");
    put_ts(o, b, first + 2, i);
}

static void h_emit(slopctx *c, int port, slbatch *b) {
    harness *h = c->rt;
    CHECK_INT(port, 0);
    for (uint32_t i = 0; i < b->n; i++) {
        slbuf_puts(&h->text, slfmt_kind((sl_rowkind)b->kind[i]));
        slbuf_putc(&h->text, ' ');
        put_side(&h->text, b, 0, i);
        slbuf_puts(&h->text, " | ");
        put_side(&h->text, b, 4, i);
        slbuf_printf(&h->text, " @%lld\n", (long long)(b->ts[i] / S));
    }
    slbatch_free(b);
}

static int64_t h_now(void *user) {
    return ((harness *)user)->now;
}

static slop_factory factory_of(sljoin_mode mode) {
    switch (mode) {
    case SLJOIN_MODE_WINDOW: return sljoin_window_new;
    case SLJOIN_MODE_INTERVAL: return sljoin_interval_new;
    case SLJOIN_MODE_REGULAR: return sljoin_regular_new;
    default: return sljoin_temporal_new;
    }
}

static void h_open_op(harness *h) {
    h->op = h->factory(h->arg, 0);
    h->op->ctx = &h->ctx;
    CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
}

/* Both sides: k STRING (the key), a value, t (time), we (window end).
 * residual: "a<b" for l.a < r.b, else none. */
static void h_init(harness *h, sljoin_mode mode, sljoin_type type, const char *residual) {
    memset(h, 0, sizeof *h);
    CHECK(sl_schema_parse("k STRING, a BIGINT, t TIMESTAMP, we TIMESTAMP", &h->in[0]) == SL_OK);
    CHECK(sl_schema_parse("k STRING, b BIGINT, t TIMESTAMP, we TIMESTAMP", &h->in[1]) == SL_OK);
    h->out = sljoin_out_schema(h->in[0], h->in[1]);
    CHECK_STR(sl_schema_name(h->out, 6), "t$1");
    slexpr *res = NULL;
    if (residual) {
        slexpr *args[2] = {slexpr_column(1, SL_BIGINT), slexpr_column(5, SL_BIGINT)};
        CHECK(slexpr_func("<", args, 2, &res) == SL_OK);
    }
    slkeyspec key = {1, {0}};
    CHECK(sljoin_arg_new(mode, type, h->in[0], h->in[1], h->out, &key, &key, res, &h->arg) ==
          SL_OK);
    h->arg->wend_col[0] = h->arg->wend_col[1] = 3;
    h->arg->time_col[0] = h->arg->time_col[1] = 2;
    h->st = sltest_state_new(SL_KEY_GROUPS);
    h->clk.now = h_now;
    h->clk.user = h;
    h->ctx.emit = h_emit;
    h->ctx.rt = h;
    h->ctx.clock = &h->clk;
    h->ctx.batch_rows = 3;
    h->ctx.n_key_groups = SL_KEY_GROUPS;
    h->ctx.kg_hi = SL_KEY_GROUPS;
    h->ctx.parallelism = 1;
    h->ctx.n_inputs = 2;
    h->ctx.watermark = SL_TIME_MIN;
    h->ctx.input_wm[0] = h->ctx.input_wm[1] = SL_TIME_MIN;
    h->ctx.state = h->st;
    h->ctx.metrics = &h->m;
    h->factory = factory_of(mode);
    h_open_op(h);
    for (int s = 0; s < 2; s++) {
        h->b[s] = slbatch_new(h->in[s], 64);
    }
}

static void h_free(harness *h) {
    h->op->vt->free(h->op);
    slstate_free(h->st);
    sljoin_arg_free(h->arg);
    for (int s = 0; s < 2; s++) {
        slbatch_free(h->b[s]);
        slschema_unref(h->in[s]);
    }
    slschema_unref(h->out);
    slbuf_free(&h->text);
}

/* A row of side s: key k (NULL when k is NULL), value v, time t seconds,
 * window end = the end of t's 10-second tumbling window, kind. */
static void row_kind(harness *h, int s, const char *k, int64_t v, int64_t t, sl_rowkind kind) {
    slbatch *b = h->b[s];
    uint32_t i = slbatch_begin_row(b);
    if (k) {
        slbatch_set_str(b, 0, i, k, strlen(k));
    }
    if (v != NUL) {
        slbatch_set_i64(b, 1, i, v);
    }
    slbatch_set_i64(b, 2, i, t * S);
    int64_t we = (t >= 0 ? t / 10 : (t - 9) / 10) * 10 + 10;
    slbatch_set_i64(b, 3, i, we * S);
    b->ts[i] = t * S;
    b->kind[i] = (uint8_t)kind;
    b->n = i + 1;
}

static void L(harness *h, const char *k, int64_t v, int64_t t) {
    row_kind(h, 0, k, v, t, SL_INSERT);
}
static void R(harness *h, const char *k, int64_t v, int64_t t) {
    row_kind(h, 1, k, v, t, SL_INSERT);
}

static void send_side(harness *h, int s) {
    if (h->b[s]->n) {
        h->op->vt->batch_take(h->op, s, h->b[s]);
        sltest_unpin(h->st);
        h->b[s] = slbatch_new(h->in[s], 64);
    }
}

static void send(harness *h) {
    send_side(h, 0);
    send_side(h, 1);
}

static int64_t wm_us(int64_t s) {
    return s == SL_TIME_MAX ? SL_TIME_MAX : s * S - 1;
}

/* Watermarks of the two inputs (seconds: every row before it has arrived). */
static int64_t wm2(harness *h, int64_t l, int64_t r) {
    send(h);
    h->ctx.input_wm[0] = wm_us(l);
    h->ctx.input_wm[1] = wm_us(r);
    h->ctx.watermark = SL_MIN(h->ctx.input_wm[0], h->ctx.input_wm[1]);
    int64_t out = h->op->vt->watermark ? h->op->vt->watermark(h->op, h->ctx.watermark)
                                       : h->ctx.watermark;
    sltest_unpin(h->st);
    return out;
}

static void wm(harness *h, int64_t s) {
    wm2(h, s, s);
}

static void h_end(harness *h) {
    wm(h, SL_TIME_MAX);
    h->op->vt->end(h->op);
    sltest_unpin(h->st);
}

/* Take a checkpoint, drop the operator, make a new one on the same state
 * and restore it. */
static void h_restart(harness *h) {
    send(h);
    slbuf opstate = {0};
    if (h->op->vt->snapshot) {
        CHECK(h->op->vt->snapshot(h->op, 1, &opstate) == SL_OK);
    }
    sltest_unpin(h->st);
    h->op->vt->free(h->op);
    h_open_op(h);
    if (h->op->vt->restore) {
        CHECK(h->op->vt->restore(h->op, &opstate, 1) == SL_OK);
    }
    sltest_unpin(h->st);
    slbuf_free(&opstate);
}

static const char *out(harness *h) {
    return slbuf_cstr(&h->text);
}

/* Stored entries of a side: lists per key, or (regular join) distinct rows. */
static uint64_t rows_stored(harness *h, int side) {
    if (h->arg->mode == SLJOIN_MODE_REGULAR) {
        return slkv_count(
            slstate_table(h->st, side ? "join.rows.r" : "join.rows.l", sizeof(rjval)));
    }
    return slkv_count(slstate_table(h->st, side ? "join.r" : "join.l", 0));
}

/* ---- window join ---- */

TEST(window_inner) {
    harness h;
    h_init(&h, SLJOIN_MODE_WINDOW, SLJT_INNER, NULL);
    L(&h, "x", 1, 1);
    L(&h, "y", 2, 3);
    R(&h, "x", 10, 5);
    L(&h, "x", 3, 12); /* next window */
    R(&h, "x", 11, 9);
    R(&h, "z", 12, 2);
    wm(&h, 5);
    CHECK_STR(out(&h), "");
    R(&h, "x", 13, 15);
    wm(&h, 10);
    CHECK_OUT(out(&h), "+I x 1 @1 | x 10 @5 @9\n"
                       "+I x 1 @1 | x 11 @9 @9\n");
    L(&h, "x", 4, 8); /* late: window [0, 10) has fired */
    send(&h);
    CHECK_INT(h.m.rows_late, 1);
    h_end(&h);
    CHECK_OUT(out(&h), "+I x 1 @1 | x 10 @5 @9\n"
                       "+I x 1 @1 | x 11 @9 @9\n"
                       "+I x 3 @12 | x 13 @15 @19\n");
    CHECK_INT(rows_stored(&h, 0) + rows_stored(&h, 1), 0);
    h_free(&h);
}

TEST(window_full_outer_nulls_residual) {
    harness h;
    h_init(&h, SLJOIN_MODE_WINDOW, SLJT_FULL, "a<b");
    L(&h, "x", 1, 1);
    L(&h, "x", 50, 2); /* fails the residual against every right row */
    L(&h, NULL, 3, 3); /* NULL key: never matches */
    R(&h, NULL, 30, 4);
    R(&h, "x", 10, 5);
    R(&h, "w", 20, 6);
    wm(&h, 10);
    CHECK_OUT(out(&h), "+I x 1 @1 | x 10 @5 @9\n"
                       "+I x 50 @2 | - @9\n"
                       "+I null 3 @3 | - @9\n"
                       "+I - | null 30 @4 @9\n"
                       "+I - | w 20 @6 @9\n");
    h_free(&h);
}

TEST(window_left_right_checkpoint) {
    for (int type = SLJT_LEFT; type <= SLJT_RIGHT; type++) {
        harness h;
        h_init(&h, SLJOIN_MODE_WINDOW, (sljoin_type)type, NULL);
        L(&h, "x", 1, 1);
        L(&h, "y", 2, 2);
        R(&h, "x", 10, 3);
        h_restart(&h);
        R(&h, "z", 11, 4);
        h_end(&h);
        if (type == SLJT_LEFT) {
            CHECK_OUT(out(&h), "+I x 1 @1 | x 10 @3 @9\n"
                               "+I y 2 @2 | - @9\n");
        } else {
            CHECK_OUT(out(&h), "+I x 1 @1 | x 10 @3 @9\n"
                               "+I - | z 11 @4 @9\n");
        }
        h_free(&h);
    }
}

/* ---- interval join: lo <= l.t - r.t <= hi ---- */

static void bounds(harness *h, int64_t lo_s, int64_t hi_s) {
    h->arg->lo = lo_s * S;
    h->arg->hi = hi_s * S;
}

TEST(interval_inner_out_of_order) {
    harness h;
    h_init(&h, SLJOIN_MODE_INTERVAL, SLJT_INNER, NULL);
    bounds(&h, -2, 5); /* r.t - 2 <= l.t <= r.t + 5 */
    L(&h, "x", 1, 10);
    R(&h, "x", 10, 4); /* 10 - 4 = 6: no */
    R(&h, "x", 11, 5); /* 5: yes */
    R(&h, "x", 12, 12); /* -2: yes */
    R(&h, "x", 13, 13); /* -3: no */
    R(&h, "y", 14, 10);
    send(&h);
    L(&h, "x", 2, 7); /* out of order: matches 4 (3), 5 (2) */
    send(&h);
    CHECK_STR(out(&h), "+I x 1 @10 | x 11 @5 @10\n"
                       "+I x 1 @10 | x 12 @12 @10\n"
                       "+I x 2 @7 | x 10 @4 @7\n"
                       "+I x 2 @7 | x 11 @5 @7\n");
    /* The watermark is held back by max(0, -lo, hi) = 5 s. */
    CHECK(wm2(&h, 20, 20) == wm_us(20) - 5 * S);
    L(&h, "x", 3, 15); /* late: behind the left watermark */
    send(&h);
    CHECK_INT(h.m.rows_late, 1);
    h_end(&h);
    CHECK_INT(rows_stored(&h, 0) + rows_stored(&h, 1), 0);
    h_free(&h);
}

TEST(interval_outer_expiry) {
    harness h;
    h_init(&h, SLJOIN_MODE_INTERVAL, SLJT_FULL, NULL);
    bounds(&h, 0, 3); /* r.t <= l.t <= r.t + 3 */
    L(&h, "x", 1, 10);
    L(&h, "y", 2, 11);
    L(&h, NULL, 3, 11);
    R(&h, "x", 10, 8);
    R(&h, "z", 11, 9);
    send(&h);
    CHECK_STR(out(&h), "+I null 3 @11 | - @11\n"
                       "+I x 1 @10 | x 10 @8 @10\n");
    /* left y@11 waits for the right watermark to pass 11; right z@9 waits
     * for the left watermark to pass 9 + 3. */
    wm2(&h, 12, 11);
    CHECK_STR(out(&h), "+I null 3 @11 | - @11\n"
                       "+I x 1 @10 | x 10 @8 @10\n");
    wm2(&h, 13, 12);
    CHECK_STR(out(&h), "+I null 3 @11 | - @11\n"
                       "+I x 1 @10 | x 10 @8 @10\n"
                       "+I y 2 @11 | - @11\n"
                       "+I - | z 11 @9 @9\n");
    CHECK_INT(rows_stored(&h, 0) + rows_stored(&h, 1), 0);
    h_end(&h);
    h_free(&h);
}

TEST(interval_state_flat) {
    harness h;
    h_init(&h, SLJOIN_MODE_INTERVAL, SLJT_LEFT, NULL);
    bounds(&h, -2, 2);
    uint64_t peak = 0, matches = 0;
    char k[8];
    for (int64_t t = 0; t < 3000; t++) {
        snprintf(k, sizeof k, "k%d", (int)(t % 5));
        L(&h, k, t, t);
        R(&h, k, t, t + 1);
        if (t % 10 == 9) {
            wm(&h, t - 5);
            uint64_t n = rows_stored(&h, 0) + rows_stored(&h, 1);
            peak = SL_MAX(peak, n);
            /* the operator keeps at most a handful of lists per key */
            CHECK(n <= 10);
            slbuf_reset(&h.text);
        }
    }
    CHECK(peak > 0);
    SL_UNUSED(matches);
    CHECK(sltimers_count(((jop *)h.op)->tm[0], SLTIMER_EVENT) <= 20);
    h_end(&h);
    CHECK_INT(rows_stored(&h, 0) + rows_stored(&h, 1), 0);
    h_free(&h);
}

TEST(interval_checkpoint) {
    harness h;
    h_init(&h, SLJOIN_MODE_INTERVAL, SLJT_LEFT, NULL);
    bounds(&h, 0, 5);
    L(&h, "x", 1, 10);
    L(&h, "y", 2, 10);
    h_restart(&h);
    R(&h, "x", 10, 6);
    h_end(&h);
    CHECK_STR(out(&h), "+I x 1 @10 | x 10 @6 @10\n"
                       "+I y 2 @10 | - @10\n");
    h_free(&h);
}

/* ---- regular join ---- */

TEST(regular_inner_changelog) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_INNER, NULL);
    L(&h, "x", 1, 1);
    send(&h);
    R(&h, "x", 10, 2);
    R(&h, "x", 10, 2); /* a duplicate: multiplicity 2 */
    send(&h);
    row_kind(&h, 0, "x", 1, 1, SL_UPDATE_BEFORE);
    row_kind(&h, 0, "x", 2, 4, SL_UPDATE_AFTER);
    send(&h);
    row_kind(&h, 1, "x", 10, 2, SL_DELETE); /* one of the two copies */
    send(&h);
    L(&h, NULL, 3, 6);
    R(&h, NULL, 3, 6);
    h_end(&h);
    CHECK_STR(out(&h), "+I x 1 @1 | x 10 @2 @2\n"
                       "+I x 1 @1 | x 10 @2 @2\n"
                       "-U x 1 @1 | x 10 @2 @1\n"
                       "-U x 1 @1 | x 10 @2 @1\n"
                       "+U x 2 @4 | x 10 @2 @4\n"
                       "+U x 2 @4 | x 10 @2 @4\n"
                       "-D x 2 @4 | x 10 @2 @2\n");
    CHECK_INT(rows_stored(&h, 0), 1);
    CHECK_INT(rows_stored(&h, 1), 1);
    h_free(&h);
}

TEST(regular_left_outer_retractions) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_LEFT, NULL);
    L(&h, "x", 1, 1);
    send(&h);
    R(&h, "x", 10, 2);
    send(&h);
    R(&h, "x", 11, 3);
    send(&h);
    row_kind(&h, 1, "x", 10, 2, SL_DELETE);
    send(&h);
    row_kind(&h, 1, "x", 11, 3, SL_DELETE);
    send(&h);
    row_kind(&h, 0, "x", 1, 1, SL_DELETE);
    send(&h);
    R(&h, "y", 12, 7); /* no left row: nothing on a LEFT join */
    L(&h, NULL, 2, 8);
    h_end(&h);
    CHECK_STR(out(&h), "+I x 1 @1 | - @1\n"
                       "-D x 1 @1 | - @2\n"
                       "+I x 1 @1 | x 10 @2 @2\n"
                       "+I x 1 @1 | x 11 @3 @3\n"
                       "-D x 1 @1 | x 10 @2 @2\n"
                       "-D x 1 @1 | x 11 @3 @3\n"
                       "+I x 1 @1 | - @3\n"
                       "-D x 1 @1 | - @1\n"
                       "+I null 2 @8 | - @8\n");
    CHECK_INT(rows_stored(&h, 0), 1); /* the NULL-key row, kept to retract it */
    h_free(&h);
}

TEST(regular_full_outer_residual) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_FULL, "a<b");
    R(&h, "x", 10, 1);
    send(&h);
    L(&h, "x", 50, 2); /* fails a < b */
    send(&h);
    L(&h, "x", 5, 3);
    send(&h);
    row_kind(&h, 0, "x", 5, 4, SL_DELETE);
    h_end(&h);
    CHECK_STR(out(&h), "+I - | x 10 @1 @1\n"
                       "+I x 50 @2 | - @2\n"
                       "-D - | x 10 @1 @3\n"
                       "+I x 5 @3 | x 10 @1 @3\n"
                       "-D x 5 @4 | x 10 @1 @4\n"
                       "+I - | x 10 @1 @4\n");
    h_free(&h);
}

TEST(regular_ttl) {
    harness h;
    memset(&h, 0, sizeof h);
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_INNER, NULL);
    /* TTL is applied at open: reopen with it set. */
    h.op->vt->free(h.op);
    slstate_free(h.st);
    h.st = sltest_state_new(SL_KEY_GROUPS);
    h.ctx.state = h.st;
    h.ctx.state_ttl_us = 10 * S;
    h_open_op(&h);
    h.now = 100 * S;
    L(&h, "x", 1, 1);
    send(&h);
    h.now = 105 * S;
    R(&h, "x", 10, 2); /* within the TTL */
    send(&h);
    h.now = 200 * S;
    h.op->vt->tick(h.op, h.now);
    sltest_unpin(h.st);
    R(&h, "x", 11, 3); /* the left row expired: no match */
    h_end(&h);
    CHECK_STR(out(&h), "+I x 1 @1 | x 10 @2 @2\n");
    CHECK(h.m.rows_expired >= 1);
    h_free(&h);
}

TEST(regular_checkpoint_huge_key) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_FULL, NULL);
    char *big = slmem_calloc(20001, 1);
    memset(big, 'k', 20000);
    L(&h, big, 1, 1);
    R(&h, "small", 2, 2);
    send(&h);
    h_restart(&h);
    R(&h, big, 3, 3);
    send(&h);
    row_kind(&h, 0, big, 1, 1, SL_DELETE);
    h_end(&h);
    /* put_side prints the key: compare around it */
    slbuf want = {0};
    slbuf_printf(&want, "+I %s 1 @1 | - @1\n+I - | small 2 @2 @2\n-D %s 1 @1 | - @3\n"
                        "+I %s 1 @1 | %s 3 @3 @3\n-D %s 1 @1 | %s 3 @3 @1\n+I - | %s 3 @3 @1\n",
                 big, big, big, big, big, big, big);
    if (strcmp(out(&h), slbuf_cstr(&want)) != 0) {
        fprintf(stderr, "%s", out(&h));
    }
    CHECK(strcmp(out(&h), slbuf_cstr(&want)) == 0);
    slbuf_free(&want);
    slmem_free(big);
    h_free(&h);
}

/* ---- regular join: hot keys, multiplicities, rescaling ---- */

/* One key "x" with many rows on both sides (and a cold key "y" in between):
 * every arrival joins every stored row of the other side, a retraction
 * withdraws every pair. The expected text is built in the memory backend's
 * order (rows of a probe in the order they were stored). */
TEST(regular_hot_key_inner) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_INNER, NULL);
    enum { N = 60 };
    slbuf want = {0};
    for (int i = 0; i < N; i++) {
        L(&h, "x", i, i);
        send(&h);
        for (int r = 0; r < i; r++) {
            slbuf_printf(&want, "+I x %d @%d | x %d @%d @%d\n", i, i, 1000 + r, r, i);
        }
        R(&h, "x", 1000 + i, i);
        R(&h, "y", 5000 + i, i);
        send(&h);
        for (int l = 0; l <= i; l++) {
            slbuf_printf(&want, "+I x %d @%d | x %d @%d @%d\n", l, l, 1000 + i, i, i);
        }
    }
    L(&h, "y", 7, 100);
    send(&h);
    for (int r = 0; r < N; r++) {
        slbuf_printf(&want, "+I y 7 @100 | y %d @%d @100\n", 5000 + r, r);
    }
    CHECK_INT(rows_stored(&h, 0), N + 1);
    CHECK_INT(rows_stored(&h, 1), 2 * N);
    for (int i = 0; i < N; i += 2) { /* retract every other left row */
        row_kind(&h, 0, "x", i, i, SL_DELETE);
        send(&h);
        for (int r = 0; r < N; r++) {
            slbuf_printf(&want, "-D x %d @%d | x %d @%d @%d\n", i, i, 1000 + r, r, i);
        }
    }
    R(&h, "x", 9999, 200);
    send(&h);
    for (int l = 1; l < N; l += 2) {
        slbuf_printf(&want, "+I x %d @%d | x 9999 @200 @200\n", l, l);
    }
    h_end(&h);
    CHECK_OUT(out(&h), slbuf_cstr(&want));
    CHECK_INT(rows_stored(&h, 0), N / 2 + 1);
    CHECK_INT(rows_stored(&h, 1), 2 * N + 1);
    slbuf_free(&want);
    h_free(&h);
}

/* Retracting one of many equal rows changes its multiplicity only; on a
 * FULL join the other side's padding comes back with the last copy. */
TEST(regular_equal_rows_multiplicity) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_FULL, NULL);
    for (int c = 0; c < 5; c++) {
        L(&h, "x", 1, 1);
    }
    L(&h, "x", 2, 1); /* another row of the same key */
    send(&h);
    R(&h, "x", 10, 2);
    send(&h);
    CHECK_INT(rows_stored(&h, 0), 2);
    row_kind(&h, 0, "x", 1, 1, SL_DELETE); /* one copy of five */
    send(&h);
    R(&h, "x", 11, 3);
    send(&h);
    row_kind(&h, 0, "x", 2, 1, SL_DELETE);
    for (int c = 0; c < 4; c++) {
        row_kind(&h, 0, "x", 1, 1, SL_DELETE);
    }
    send(&h);
    row_kind(&h, 0, "x", 1, 1, SL_DELETE); /* no copy left */
    send(&h);
    h_end(&h);
    CHECK_STR(out(&h), "+I x 1 @1 | - @1\n"
                       "+I x 1 @1 | - @1\n"
                       "+I x 1 @1 | - @1\n"
                       "+I x 1 @1 | - @1\n"
                       "+I x 1 @1 | - @1\n"
                       "+I x 2 @1 | - @1\n"
                       /* R x 10: the padded rows go, five + one pairs */
                       "-D x 1 @1 | - @2\n"
                       "-D x 1 @1 | - @2\n"
                       "-D x 1 @1 | - @2\n"
                       "-D x 1 @1 | - @2\n"
                       "-D x 1 @1 | - @2\n"
                       "+I x 1 @1 | x 10 @2 @2\n"
                       "+I x 1 @1 | x 10 @2 @2\n"
                       "+I x 1 @1 | x 10 @2 @2\n"
                       "+I x 1 @1 | x 10 @2 @2\n"
                       "+I x 1 @1 | x 10 @2 @2\n"
                       "-D x 2 @1 | - @2\n"
                       "+I x 2 @1 | x 10 @2 @2\n"
                       /* one copy of x 1 retracted */
                       "-D x 1 @1 | x 10 @2 @1\n"
                       /* R x 11: four copies of x 1, one x 2 */
                       "+I x 1 @1 | x 11 @3 @3\n"
                       "+I x 1 @1 | x 11 @3 @3\n"
                       "+I x 1 @1 | x 11 @3 @3\n"
                       "+I x 1 @1 | x 11 @3 @3\n"
                       "+I x 2 @1 | x 11 @3 @3\n"
                       /* x 2 goes, then the four copies of x 1: the right
                        * rows lose their last match with the last copy */
                       "-D x 2 @1 | x 10 @2 @1\n"
                       "-D x 2 @1 | x 11 @3 @1\n"
                       "-D x 1 @1 | x 10 @2 @1\n"
                       "-D x 1 @1 | x 11 @3 @1\n"
                       "-D x 1 @1 | x 10 @2 @1\n"
                       "-D x 1 @1 | x 11 @3 @1\n"
                       "-D x 1 @1 | x 10 @2 @1\n"
                       "-D x 1 @1 | x 11 @3 @1\n"
                       "-D x 1 @1 | x 10 @2 @1\n"
                       "+I - | x 10 @2 @1\n"
                       "-D x 1 @1 | x 11 @3 @1\n"
                       "+I - | x 11 @3 @1\n"
                       /* a sixth retraction of x 1 is joined as it comes
                        * (as Flink does; the right rows' counts stay 0) */
                       "-D x 1 @1 | x 10 @2 @1\n"
                       "-D x 1 @1 | x 11 @3 @1\n");
    CHECK_INT(rows_stored(&h, 0), 0);
    CHECK_INT(rows_stored(&h, 1), 2);
    h_free(&h);
}

/* A LEFT join with many left rows of one key: every right row that comes
 * or goes flips all their paddings. */
TEST(regular_outer_padding_many_rows) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_LEFT, NULL);
    enum { N = 40 };
    slbuf want = {0};
    for (int i = 0; i < N; i++) {
        L(&h, "x", i, 1);
        slbuf_printf(&want, "+I x %d @1 | - @1\n", i);
    }
    send(&h);
    R(&h, "x", 1000, 2);
    send(&h);
    for (int i = 0; i < N; i++) {
        slbuf_printf(&want, "-D x %d @1 | - @2\n+I x %d @1 | x 1000 @2 @2\n", i, i);
    }
    R(&h, "x", 1001, 3);
    send(&h);
    for (int i = 0; i < N; i++) {
        slbuf_printf(&want, "+I x %d @1 | x 1001 @3 @3\n", i);
    }
    row_kind(&h, 1, "x", 1000, 2, SL_DELETE);
    send(&h);
    for (int i = 0; i < N; i++) {
        slbuf_printf(&want, "-D x %d @1 | x 1000 @2 @2\n", i);
    }
    row_kind(&h, 1, "x", 1001, 3, SL_UPDATE_BEFORE);
    send(&h);
    for (int i = 0; i < N; i++) {
        slbuf_printf(&want, "-D x %d @1 | x 1001 @3 @3\n+I x %d @1 | - @3\n", i, i);
    }
    for (int i = 0; i < N; i += 2) {
        row_kind(&h, 0, "x", i, 1, SL_DELETE);
        slbuf_printf(&want, "-D x %d @1 | - @1\n", i);
    }
    send(&h);
    R(&h, "x", 1002, 4);
    send(&h);
    for (int i = 1; i < N; i += 2) {
        slbuf_printf(&want, "-D x %d @1 | - @4\n+I x %d @1 | x 1002 @4 @4\n", i, i);
    }
    h_end(&h);
    CHECK_OUT(out(&h), slbuf_cstr(&want));
    CHECK_INT(rows_stored(&h, 0), N / 2);
    CHECK_INT(rows_stored(&h, 1), 1);
    slbuf_free(&want);
    h_free(&h);
}

/* Two join keys with one hash share a namespace: a probe skips the rows of
 * the other key. The collision is made by hand: a right row of key "zz" is
 * stored under the hash of "x". */
TEST(regular_hash_collision_skipped) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_INNER, NULL);
    R(&h, "x", 10, 1);
    send(&h);
    slbatch *b = slbatch_new(h.in[1], 2);
    slkeyspec ks = {1, {0}};
    slbuf kx = {0}, kz = {0}, key = {0};
    for (int r = 0; r < 2; r++) {
        uint32_t i = slbatch_begin_row(b);
        slbatch_set_str(b, 0, i, r ? "zz" : "x", r ? 2 : 1);
        slbatch_set_i64(b, 1, i, 20);
        slbatch_set_i64(b, 2, i, S);
        slbatch_set_i64(b, 3, i, 10 * S);
        b->n = i + 1;
    }
    uint64_t hx = slkey_encode(&ks, b, 0, &kx);
    slkey_encode(&ks, b, 1, &kz);
    uint32_t kl = (uint32_t)kz.len;
    slbuf_put(&key, &kl, 4);
    slbuf_put(&key, kz.data, kz.len);
    slrow_encode(&key, b, 1, 0, 4);
    slkv *t = slstate_table(h.st, "join.rows.r", sizeof(rjval));
    bool created = false;
    void *v = slkv_upsert(t, hx, key.data, (uint32_t)key.len, hx ^ 1, &created);
    CHECK(created);
    rjval one = {1, 0};
    memcpy(v, &one, sizeof one);
    slkv_release(t, v, true);
    sltest_unpin(h.st);
    CHECK_INT(rows_stored(&h, 1), 2);
    L(&h, "x", 1, 2);
    h_end(&h);
    CHECK_STR(out(&h), "+I x 1 @2 | x 10 @1 @2\n");
    slbuf_free(&kx);
    slbuf_free(&kz);
    slbuf_free(&key);
    slbatch_free(b);
    h_free(&h);
}

/* State in the list format of an older version is refused at restore. */
TEST(regular_old_list_state_refused) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, SLJT_INNER, NULL);
    slbuf opstate = {0};
    CHECK(h.op->vt->restore(h.op, &opstate, 1) == SL_OK);
    slkv *old = slstate_table(h.st, "join.r", 0);
    slkv_put(old, 0, "k", 1, 42, "list", 4);
    sltest_unpin(h.st);
    CHECK(h.op->vt->restore(h.op, &opstate, 1) == SL_ERR_STATE);
    CHECK_CONTAINS(sl_errmsg(), "older Sluice (state table 'join.r')");
    sltest_unpin(h.st);
    h_free(&h);
}

/* A script of rows for the checkpoint tests: hot and cold keys, equal rows,
 * retractions of earlier rows, NULL keys. */
typedef struct jrow {
    int side;
    const char *k;
    int64_t v, t;
    sl_rowkind kind;
} jrow;

static int script_rows(jrow *rows, int cap) {
    static const char *keys[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"};
    int n = 0;
    for (int i = 0; n < cap; i++) {
        if (i % 5 == 4) { /* retract the insert four steps back */
            rows[n] = rows[n - 4];
            rows[n].kind = rows[n].kind == SL_INSERT ? SL_DELETE : SL_INSERT;
        } else {
            rows[n].side = (i * 7 / 3) % 2;
            rows[n].k = i % 3 == 0 ? "hot" : i % 17 == 1 ? NULL : keys[(i * 5) % 10];
            rows[n].v = i % 4;
            rows[n].t = i % 6;
            rows[n].kind = SL_INSERT;
        }
        n++;
    }
    return n;
}

static void feed(harness *h, const jrow *r) {
    row_kind(h, r->side, r->k, r->v, r->t, r->kind);
    send_side(h, r->side);
}

/* Put harness h on state st (taken) with a fresh operator. */
static void h_use_state(harness *h, slstate *st) {
    h->op->vt->free(h->op);
    slstate_free(h->st);
    h->st = st;
    h->ctx.state = st;
    h_open_op(h);
}

static int key_group_of(harness *h, const char *k) {
    slbatch *b = slbatch_new(h->in[0], 1);
    uint32_t i = slbatch_begin_row(b);
    if (k) {
        slbatch_set_str(b, 0, i, k, strlen(k));
    }
    b->n = i + 1;
    slbuf kb = {0};
    slkeyspec ks = {1, {0}};
    int kg = slkey_group(slkey_encode(&ks, b, i, &kb), SL_KEY_GROUPS);
    slbuf_free(&kb);
    slbatch_free(b);
    return kg;
}

/* The script through one operator, with a checkpoint and restart before
 * every `every`-th row (every < 0: no restarts, and consecutive rows of one
 * side go as one batch); returns the sorted output (owned). */
static char *run_cut(sljoin_type type, const char *residual, const jrow *rows, int n, int every) {
    harness h;
    h_init(&h, SLJOIN_MODE_REGULAR, type, residual);
    for (int i = 0; i < n; i++) {
        if (every > 0 && i % every == 0) {
            h_restart(&h);
        }
        if (every < 0) {
            row_kind(&h, rows[i].side, rows[i].k, rows[i].v, rows[i].t, rows[i].kind);
            if (i + 1 == n || rows[i + 1].side != rows[i].side) {
                send_side(&h, rows[i].side);
            }
            continue;
        }
        feed(&h, &rows[i]);
    }
    h_end(&h);
    char *s = sltest_sort_lines(out(&h));
    h_free(&h);
    return s;
}

/* Up to row `cut` on one operator, then the state split by key group into
 * two operators, rows routed by key group: sorted output (owned). */
static char *run_rescaled(sljoin_type type, const char *residual, const jrow *rows, int n,
                          int cut) {
    static const sltest_table tabs[] = {{"join.rows.l", sizeof(rjval)},
                                        {"join.rows.r", sizeof(rjval)}};
    harness h, p[2];
    h_init(&h, SLJOIN_MODE_REGULAR, type, residual);
    for (int i = 0; i < cut; i++) {
        feed(&h, &rows[i]);
    }
    slbuf all = {0};
    slbuf_puts(&all, out(&h));
    for (int q = 0; q < 2; q++) {
        h_init(&p[q], SLJOIN_MODE_REGULAR, type, residual);
        h_use_state(&p[q], sltest_state_split(h.st, tabs, 2, q ? 64 : 0, q ? SL_KEY_GROUPS : 64));
    }
    for (int i = cut; i < n; i++) {
        feed(&p[key_group_of(&h, rows[i].k) >= 64], &rows[i]);
    }
    for (int q = 0; q < 2; q++) {
        h_end(&p[q]);
        slbuf_puts(&all, out(&p[q]));
        h_free(&p[q]);
    }
    h_free(&h);
    char *s = sltest_sort_lines(slbuf_cstr(&all));
    slbuf_free(&all);
    return s;
}

TEST(regular_checkpoint_and_rescale) {
    enum { N = 120 };
    jrow rows[N];
    script_rows(rows, N);
    static const sljoin_type types[] = {SLJT_INNER, SLJT_LEFT, SLJT_RIGHT, SLJT_FULL};
    for (int t = 0; t < 4; t++) {
        for (int r = 0; r < 2; r++) {
            const char *res = r ? "a<b" : NULL;
            char *base = run_cut(types[t], res, rows, N, 0);
            CHECK(strlen(base) > 1000);
            char *cut = run_cut(types[t], res, rows, N, 7);
            CHECK_STR(cut, base);
            slmem_free(cut);
            char *batched = run_cut(types[t], res, rows, N, -1);
            CHECK_STR(batched, base);
            slmem_free(batched);
            for (int c = 0; c <= N; c += 30) {
                char *re = run_rescaled(types[t], res, rows, N, c);
                if (strcmp(re, base) != 0) {
                    fprintf(stderr, "type %d residual %d rescaled at %d\n", t, r, c);
                }
                CHECK_STR(re, base);
                slmem_free(re);
            }
            slmem_free(base);
        }
    }
}

/* ---- temporal join: left = probe, right = versions ---- */

TEST(temporal_versions) {
    harness h;
    h_init(&h, SLJOIN_MODE_TEMPORAL, SLJT_LEFT, NULL);
    R(&h, "EUR", 110, 0);
    R(&h, "EUR", 120, 10);
    L(&h, "EUR", 1, 5);
    L(&h, "EUR", 2, 12);
    L(&h, "EUR", 3, 9);
    L(&h, "USD", 4, 6); /* no version: padded (LEFT) */
    L(&h, NULL, 5, 6);
    send(&h);
    R(&h, "EUR", 115, 8); /* arrives after the probes, before the watermark */
    row_kind(&h, 1, "EUR", 120, 11, SL_UPDATE_BEFORE);
    row_kind(&h, 1, "EUR", 125, 11, SL_UPDATE_AFTER);
    wm(&h, 13);
    CHECK_STR(out(&h), "+I null 5 @6 | - @6\n"
                       "+I EUR 1 @5 | EUR 110 @0 @5\n"
                       "+I EUR 3 @9 | EUR 115 @8 @9\n"
                       "+I EUR 2 @12 | EUR 125 @11 @12\n"
                       "+I USD 4 @6 | - @6\n");
    /* Only the version valid at the watermark is left. */
    CHECK_INT(rows_stored(&h, 0), 0);
    L(&h, "EUR", 6, 12); /* late */
    send(&h);
    CHECK_INT(h.m.rows_late, 1);
    h_restart(&h);
    row_kind(&h, 1, "EUR", 125, 20, SL_DELETE);
    L(&h, "EUR", 7, 19);
    L(&h, "EUR", 8, 21);
    h_end(&h);
    CHECK_STR(out(&h) + strlen("+I null 5 @6 | - @6\n+I EUR 1 @5 | EUR 110 @0 @5\n"
                               "+I EUR 3 @9 | EUR 115 @8 @9\n"
                               "+I EUR 2 @12 | EUR 125 @11 @12\n+I USD 4 @6 | - @6\n"),
              "+I EUR 7 @19 | EUR 125 @11 @19\n"
              "+I EUR 8 @21 | - @21\n");
    CHECK_INT(rows_stored(&h, 1), 0);
    h_free(&h);
}

TEST(temporal_inner_prunes) {
    harness h;
    h_init(&h, SLJOIN_MODE_TEMPORAL, SLJT_INNER, NULL);
    for (int64_t t = 0; t < 100; t++) {
        R(&h, "EUR", 100 + t, t);
        if (t % 10 == 5) {
            L(&h, "EUR", t, t);
            L(&h, "GBP", t, t);
        }
        wm(&h, t - 1);
    }
    CHECK(slkv_count(slstate_table(h.st, "join.r", 0)) == 1);
    h_end(&h);
    CHECK_STR(out(&h), "+I EUR 5 @5 | EUR 105 @5 @5\n+I EUR 15 @15 | EUR 115 @15 @15\n"
                       "+I EUR 25 @25 | EUR 125 @25 @25\n+I EUR 35 @35 | EUR 135 @35 @35\n"
                       "+I EUR 45 @45 | EUR 145 @45 @45\n+I EUR 55 @55 | EUR 155 @55 @55\n"
                       "+I EUR 65 @65 | EUR 165 @65 @65\n+I EUR 75 @75 | EUR 175 @75 @75\n"
                       "+I EUR 85 @85 | EUR 185 @85 @85\n+I EUR 95 @95 | EUR 195 @95 @95\n");
    h_free(&h);
}

TEST(arg_errors) {
    sl_schema *a, *b;
    CHECK(sl_schema_parse("k STRING", &a) == SL_OK);
    CHECK(sl_schema_parse("k BIGINT", &b) == SL_OK);
    sl_schema *o = sljoin_out_schema(a, b);
    CHECK_STR(sl_schema_name(o, 1), "k$1");
    slkeyspec key = {1, {0}};
    sljoin_arg *arg;
    CHECK(sljoin_arg_new(SLJOIN_MODE_REGULAR, SLJT_INNER, a, b, o, &key, &key, NULL, &arg) ==
          SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "STRING and BIGINT");
    slkeyspec none = {0};
    CHECK(sljoin_arg_new(SLJOIN_MODE_REGULAR, SLJT_INNER, a, a, o, &none, &none, NULL, &arg) ==
          SL_ERR_ARG);
    slschema_unref(a);
    slschema_unref(b);
    slschema_unref(o);
}
