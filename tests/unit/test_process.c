/*
 * test_process.c - the keyed process operator driven directly through its
 * slop interface with a hand-made slopctx (no runtime, no threads): running
 * counts per key, list and map state, reducing and aggregating state, event-
 * and processing-time timers with out-of-order rows, state TTL on a manual
 * clock, and sl_ctx_key. test_process_rocksdb.c runs them on the RocksDB
 * backend (test_backend.h).
 */
#include "ops/process.h"
#include "test_backend.h"


/* ---- harness ---- */

typedef struct harness {
    slopctx c;
    slopmetrics m;
    slclock clock;
    int64_t now;
    slbuf out; /* emitted rows, one JSON line each, with "@ts" appended */
    slprocess_arg *arg;
    slop *op;
    sl_schema *in;
} harness;

static int64_t manual_now(void *user) {
    return *(int64_t *)user;
}

static void collect(slopctx *c, int port, slbatch *b) {
    harness *h = (harness *)c->rt;
    CHECK_INT(port, 0);
    for (uint32_t i = 0; i < b->n; i++) {
        slfmt_json_row(&h->out, b, i, false);
        slbuf_printf(&h->out, " @%lld\n", (long long)b->ts[i]);
    }
    slbatch_free(b);
}

static void h_open(harness *h, const char *in_schema, const char *out_schema, int key_col,
                   const sl_process_fns *fns, void *user, int64_t ttl_us) {
    memset(h, 0, sizeof *h);
    h->clock.now = manual_now;
    h->clock.user = &h->now;
    h->now = 1000;
    sl_schema *out;
    CHECK_INT(sl_schema_parse(in_schema, &h->in), SL_OK);
    CHECK_INT(sl_schema_parse(out_schema, &out), SL_OK);
    slkeyspec key = {1, {key_col}};
    h->arg = slprocess_arg_new(h->in, out, &key, fns, user);
    sl_schema_free(out);
    h->c.emit = collect;
    h->c.rt = h;
    h->c.clock = &h->clock;
    h->c.batch_rows = SL_DEFAULT_BATCH_ROWS;
    h->c.parallelism = 1;
    h->c.n_key_groups = SL_KEY_GROUPS;
    h->c.kg_hi = SL_KEY_GROUPS;
    h->c.n_inputs = 1;
    h->c.watermark = SL_TIME_MIN;
    h->c.state_ttl_us = ttl_us;
    h->c.state = sltest_state_new(SL_KEY_GROUPS);
    h->c.metrics = &h->m;
    h->op = slprocess_new(h->arg, 0);
    h->op->ctx = &h->c;
    CHECK_INT(h->op->vt->open(h->op, &h->c), SL_OK);
}

static void h_close(harness *h) {
    h->op->vt->free(h->op);
    slstate_free(h->c.state);
    slprocess_arg_free(h->arg);
    sl_schema_free(h->in);
    slbuf_free(&h->out);
}

/* Feed rows "key:value@ts" separated by spaces ("-" as key = NULL) as one batch
 * of schema (k STRING, v BIGINT). */
static void h_rows(harness *h, const char *rows) {
    slbatch *b = slbatch_new(h->in, 2048);
    const char *p = rows;
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        const char *colon = strchr(p, ':');
        uint32_t i = slbatch_begin_row(b);
        if (!(colon - p == 1 && *p == '-')) {
            slbatch_set_str(b, 0, i, p, (size_t)(colon - p));
        }
        char *end;
        slbatch_set_i64(b, 1, i, strtoll(colon + 1, &end, 10));
        CHECK(*end == '@');
        b->ts[i] = strtoll(end + 1, &end, 10);
        b->n = i + 1;
        p = end;
    }
    h->op->vt->batch_take(h->op, 0, b);
    sltest_unpin(h->c.state);
}

static void h_wm(harness *h, int64_t wm) {
    h->c.watermark = wm;
    h->c.input_wm[0] = wm;
    CHECK_INT(h->op->vt->watermark(h->op, wm), wm);
    sltest_unpin(h->c.state);
}

static const char *h_take(harness *h) {
    static char buf[1 << 17];
    snprintf(buf, sizeof buf, "%s", slbuf_cstr(&h->out));
    slbuf_reset(&h->out);
    return buf;
}

/* ---- running count ---- */

static void count_row(sl_ctx *c, const sl_row *r, sl_out *o, void *user) {
    SL_UNUSED(user);
    bool created;
    int64_t *n = sl_state_value(c, "count", sizeof *n, &created);
    CHECK(created == (*n == 0));
    *n += 1;
    if (sl_row_is_null(r, 0)) {
        sl_out_null(o, 0);
    } else {
        size_t len;
        const char *s = sl_row_string(r, 0, &len);
        sl_out_string(o, 0, s, len);
    }
    sl_out_bigint(o, 1, *n);
    sl_out_emit(o);
}

TEST(running_count) {
    harness h;
    sl_process_fns fns = {count_row, NULL};
    h_open(&h, "k STRING, v BIGINT", "k STRING, n BIGINT", 0, &fns, NULL, 0);
    h_rows(&h, "a:1@10 b:1@11 a:1@12 -:1@13 :1@14 a:1@15 b:1@9 -:1@1");
    CHECK_STR(h_take(&h), "{\"k\":\"a\",\"n\":1} @10\n"
                          "{\"k\":\"b\",\"n\":1} @11\n"
                          "{\"k\":\"a\",\"n\":2} @12\n"
                          "{\"k\":null,\"n\":1} @13\n"
                          "{\"k\":\"\",\"n\":1} @14\n"
                          "{\"k\":\"a\",\"n\":3} @15\n"
                          "{\"k\":\"b\",\"n\":2} @9\n"
                          "{\"k\":null,\"n\":2} @1\n");
    /* A second batch continues the counts; an empty batch emits nothing. */
    h_rows(&h, "");
    h_rows(&h, "b:1@20 c:1@21");
    CHECK_STR(h_take(&h), "{\"k\":\"b\",\"n\":3} @20\n{\"k\":\"c\",\"n\":1} @21\n");
    CHECK_INT(h.m.rows_in, 10);
    CHECK_INT(h.m.rows_out, 10);
    h_wm(&h, SL_TIME_MAX);
    h.op->vt->end(h.op);
    CHECK_STR(h_take(&h), "");
    h_close(&h);
}

/* ---- list and map state ---- */

static void listmap_row(sl_ctx *c, const sl_row *r, sl_out *o, void *user) {
    SL_UNUSED(user);
    int64_t v = sl_row_bigint(r, 1);
    char mk[16];
    int mklen = snprintf(mk, sizeof mk, "m%lld", (long long)(v % 3));
    if (v < 0) {
        sl_state_clear(c, "vals");
        sl_state_clear(c, "bymod");
    } else {
        /* Elements of varying length: v copies of the byte 'x'. */
        char elem[64];
        memset(elem, 'x', sizeof elem);
        sl_state_list_add(c, "vals", elem, (size_t)v);
        sl_state_map_put(c, "bymod", mk, (size_t)mklen, &v, sizeof v);
    }
    /* sum of element lengths, list count, map count, bymod[m<v%3>] */
    size_t n = sl_state_list_count(c, "vals"), sum = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = 99;
        const char *e = sl_state_list_get(c, "vals", i, &len);
        CHECK(e != NULL);
        for (size_t j = 0; j < len; j++) {
            CHECK(e[j] == 'x');
        }
        sum += len;
    }
    size_t len = 7;
    CHECK(sl_state_list_get(c, "vals", n, &len) == NULL);
    CHECK_INT(len, 0);
    sl_out_bigint(o, 0, (int64_t)n);
    sl_out_bigint(o, 1, (int64_t)sum);
    sl_out_bigint(o, 2, (int64_t)sl_state_map_count(c, "bymod"));
    size_t vlen;
    const int64_t *last = sl_state_map_get(c, "bymod", mk, (size_t)mklen, &vlen);
    if (last) {
        CHECK_INT(vlen, 8);
        sl_out_bigint(o, 3, *last);
    }
    sl_out_emit(o);
    if (v == 7) {
        sl_state_map_remove(c, "bymod", "m1", 2);
        CHECK(sl_state_map_get(c, "bymod", "m1", 2, &vlen) == NULL);
    }
}

TEST(list_and_map_state) {
    harness h;
    sl_process_fns fns = {listmap_row, NULL};
    h_open(&h, "k STRING, v BIGINT", "n BIGINT, sum BIGINT, mapn BIGINT, last BIGINT", 0, &fns,
           NULL, 0);
    /* key a: 0, 1, 5, 3, 7 (then m1 removed), 4; key ab must not see a's map. */
    h_rows(&h, "a:0@1 a:1@2 ab:2@3 a:5@4 a:3@5 a:7@6 a:4@7 ab:-1@8 ab:9@9");
    CHECK_STR(h_take(&h), "{\"n\":1,\"sum\":0,\"mapn\":1,\"last\":0} @1\n"
                          "{\"n\":2,\"sum\":1,\"mapn\":2,\"last\":1} @2\n"
                          "{\"n\":1,\"sum\":2,\"mapn\":1,\"last\":2} @3\n"
                          "{\"n\":3,\"sum\":6,\"mapn\":3,\"last\":5} @4\n"
                          "{\"n\":4,\"sum\":9,\"mapn\":3,\"last\":3} @5\n"
                          "{\"n\":5,\"sum\":16,\"mapn\":3,\"last\":7} @6\n"
                          "{\"n\":6,\"sum\":20,\"mapn\":3,\"last\":4} @7\n"
                          "{\"n\":0,\"sum\":0,\"mapn\":0,\"last\":null} @8\n"
                          "{\"n\":1,\"sum\":9,\"mapn\":1,\"last\":9} @9\n");
    /* A long list: 1000 adds to one key grow the list value many times. */
    char rows[16000];
    size_t off = 0;
    for (int i = 0; i < 1000; i++) {
        off += (size_t)snprintf(rows + off, sizeof rows - off, "z:%d@%d ", i % 50, i);
    }
    h_rows(&h, rows);
    const char *all = h_take(&h);
    /* the last row: n = 1000, sum = 20 * (0 + ... + 49) = 24500, 3 map keys, and
     * v = 999 % 50 = 49, so last = bymod[m1] = 49 */
    CHECK_CONTAINS(all, "{\"n\":1000,\"sum\":24500,\"mapn\":3,\"last\":49} @999\n");
    h_close(&h);
}

/* ---- reducing and aggregating state ---- */

static void max_reduce(void *acc, const void *value, void *user) {
    SL_UNUSED(user);
    int64_t a, v;
    memcpy(&a, acc, 8);
    memcpy(&v, value, 8);
    if (v > a) {
        memcpy(acc, &v, 8);
    }
}

typedef struct avg_acc {
    int64_t sum, n;
} avg_acc;

static void avg_init(void *acc, void *user) {
    SL_UNUSED(user);
    avg_acc *a = acc;
    a->sum = 0;
    a->n = 0;
}

static void avg_add(void *acc, const sl_row *r, int col, void *user) {
    SL_UNUSED(user);
    avg_acc *a = acc;
    a->sum += sl_row_bigint(r, col);
    a->n++;
}

static void avg_result(const void *acc, sl_out *o, int col, void *user) {
    SL_UNUSED(user);
    const avg_acc *a = acc;
    sl_out_double(o, col, a->n ? (double)a->sum / (double)a->n : 0.0);
}

static const sl_udaf avg_udaf = {"avg", sizeof(avg_acc), SL_DOUBLE, avg_init, avg_add, NULL,
                                 NULL, avg_result, NULL};

static void reduce_row(sl_ctx *c, const sl_row *r, sl_out *o, void *user) {
    SL_UNUSED(user);
    int64_t v = sl_row_bigint(r, 1);
    CHECK(sl_state_reduce_get(c, "max", 8) == NULL || v != 100);
    const int64_t *mx = sl_state_reduce(c, "max", &v, sizeof v, max_reduce, NULL);
    sl_out_bigint(o, 0, *mx);
    sl_state_aggregate(c, "avg", &avg_udaf, r, 1);
    CHECK(sl_state_aggregate_result(c, "avg", &avg_udaf, o, 1));
    sl_out_emit(o);
}

TEST(reducing_and_aggregating_state) {
    harness h;
    sl_process_fns fns = {reduce_row, NULL};
    h_open(&h, "k STRING, v BIGINT", "mx BIGINT, avg DOUBLE", 0, &fns, NULL, 0);
    h_rows(&h, "a:5@1 a:3@2 b:100@3 a:10@4 b:-4@5");
    CHECK_STR(h_take(&h), "{\"mx\":5,\"avg\":5.0} @1\n"
                          "{\"mx\":5,\"avg\":4.0} @2\n"
                          "{\"mx\":100,\"avg\":100.0} @3\n"
                          "{\"mx\":10,\"avg\":6.0} @4\n"
                          "{\"mx\":100,\"avg\":48.0} @5\n");
    h_close(&h);
}

/* ---- event-time timers ---- */

/* Sum per key in 10-unit windows; a timer at the window's last instant emits
 * the sum and clears it. Key written from sl_ctx_key. */
static void win_row(sl_ctx *c, const sl_row *r, sl_out *o, void *user) {
    SL_UNUSED(o);
    SL_UNUSED(user);
    int64_t ts = sl_row_time(r);
    if (ts <= sl_ctx_watermark(c)) {
        return; /* late */
    }
    int64_t end = ts - ((ts % 10) + 10) % 10 + 9;
    char name[32];
    snprintf(name, sizeof name, "sum%lld", (long long)end);
    int64_t *sum = sl_state_value(c, name, 8, NULL);
    *sum += sl_row_bigint(r, 1);
    sl_timer_event(c, end);
}

static void win_timer(sl_ctx *c, int64_t ts, bool event_time, sl_out *o, void *user) {
    SL_UNUSED(user);
    CHECK(event_time);
    CHECK(sl_ctx_watermark(c) >= ts);
    char name[32];
    snprintf(name, sizeof name, "sum%lld", (long long)ts);
    bool created;
    int64_t *sum = sl_state_value(c, name, 8, &created);
    CHECK(!created);
    const sl_row *k = sl_ctx_key(c);
    size_t len;
    const char *s = sl_row_string(k, 0, &len);
    sl_out_string(o, 0, s, len);
    sl_out_bigint(o, 1, *sum);
    sl_out_emit(o);
    sl_state_clear(c, name);
}

TEST(event_time_timers) {
    harness h;
    sl_process_fns fns = {win_row, win_timer};
    h_open(&h, "k STRING, v BIGINT", "k STRING, sum BIGINT", 0, &fns, NULL, 0);
    /* Out of order within the watermark delay. */
    h_rows(&h, "a:1@3 b:2@12 a:4@1 a:8@11 b:16@9 a:32@5");
    CHECK_STR(h_take(&h), "");
    h_wm(&h, 8); /* nothing due: first window ends at 9 */
    CHECK_STR(h_take(&h), "");
    h_rows(&h, "a:64@7 a:128@25"); /* a@7 is behind the watermark 8: dropped */
    h_wm(&h, 9);
    /* Window [0,9]: a = 1+4+32 (its timer set first), b = 16. Timers with equal
     * ts fire in the order they were set. */
    CHECK_STR(h_take(&h), "{\"k\":\"a\",\"sum\":37} @9\n{\"k\":\"b\",\"sum\":16} @9\n");
    h_rows(&h, "a:256@4 b:512@19"); /* a@4 is late (<= 9): dropped by the function */
    h_wm(&h, 30);
    CHECK_STR(h_take(&h), "{\"k\":\"b\",\"sum\":514} @19\n"
                          "{\"k\":\"a\",\"sum\":8} @19\n"
                          "{\"k\":\"a\",\"sum\":128} @29\n");
    CHECK_INT(slkv_count(slstate_table(h.c.state, "v:sum9", 8)), 0);
    h_wm(&h, SL_TIME_MAX);
    h.op->vt->end(h.op);
    CHECK_STR(h_take(&h), "");
    h_close(&h);
}

/* ---- processing-time timers and TTL ---- */

static void ttl_row(sl_ctx *c, const sl_row *r, sl_out *o, void *user) {
    SL_UNUSED(user);
    bool created;
    int64_t *n = sl_state_value(c, "count", 8, &created);
    *n += 1;
    sl_state_map_put(c, "m", "x", 1, n, 8);
    size_t len;
    const char *k = sl_row_string(r, 0, &len);
    sl_out_string(o, 0, k, len);
    sl_out_bigint(o, 1, *n);
    sl_out_emit(o);
    if (sl_row_bigint(r, 1) > 0) {
        sl_timer_processing(c, sl_ctx_now(c) + sl_row_bigint(r, 1));
    }
}

static void ttl_timer(sl_ctx *c, int64_t ts, bool event_time, sl_out *o, void *user) {
    SL_UNUSED(user);
    CHECK(!event_time);
    CHECK(sl_ctx_now(c) >= ts);
    size_t vlen = 0;
    const int64_t *mv = sl_state_map_get(c, "m", "x", 1, &vlen);
    const sl_row *k = sl_ctx_key(c);
    size_t len;
    const char *s = sl_row_string(k, 0, &len);
    sl_out_string(o, 0, s, len);
    if (mv) {
        sl_out_bigint(o, 1, -*mv);
    }
    sl_out_emit(o);
}

TEST(processing_timers_and_ttl) {
    harness h;
    sl_process_fns fns = {ttl_row, ttl_timer};
    h_open(&h, "k STRING, v BIGINT", "k STRING, n BIGINT", 0, &fns, NULL, 100);
    h.now = 1000;
    h_rows(&h, "a:0@1 a:50@2"); /* a timer at 1050 */
    h.now = 1040;
    h_rows(&h, "b:0@3");
    CHECK_STR(h_take(&h), "{\"k\":\"a\",\"n\":1} @1\n{\"k\":\"a\",\"n\":2} @2\n"
                          "{\"k\":\"b\",\"n\":1} @3\n");
    CHECK_INT(h.op->vt->tick(h.op, 1049), 1050); /* the timer, before the cleanup tick */
    CHECK_STR(h_take(&h), "");
    h.now = 1050;
    h.op->vt->tick(h.op, 1050);
    CHECK_STR(h_take(&h), "{\"k\":\"a\",\"n\":-2} @1050\n");
    /* a's state was last touched at 1050 (the timer read the map entry, reads
     * refresh); its count value at 1000. At 1101 the count of a is gone. */
    h.now = 1101;
    CHECK_INT(h.m.rows_expired, 0);
    h_rows(&h, "c:0@4");
    CHECK_INT(h.m.rows_expired, 1); /* a's count */
    h.now = 1141;
    h_rows(&h, "a:0@5"); /* b's count and map entry expire too, but cleanup comes after */
    CHECK_STR(h_take(&h), "{\"k\":\"c\",\"n\":1} @4\n{\"k\":\"a\",\"n\":1} @5\n");
    CHECK_INT(h.m.rows_expired, 3);
    h.now = 1300;
    h.op->vt->tick(h.op, 1300);
    CHECK_INT(h.m.rows_expired, 7); /* a: 2 entries, c: 2 entries */
    CHECK_INT(h.op->vt->tick(h.op, 1301), SL_TIME_MAX);
    h_close(&h);
}

/* ---- checkpoints (opcut.h): snapshot, restore on a new instance, rescale ---- */

#include "opcut.h"

static void ck_out(sl_ctx *c, sl_out *o, const char *what, int64_t n) {
    const sl_row *k = sl_ctx_key(c);
    size_t len;
    const char *s = sl_row_string(k, 0, &len);
    sl_out_string(o, 0, s, len);
    sl_out_string(o, 1, what, strlen(what));
    sl_out_bigint(o, 2, n);
    sl_out_emit(o);
}

/* Per key: a count (value state), the values (list state), sums per 10 s
 * window (map state) emitted by an event-time timer at the window's end, and
 * for v >= 100 a processing-time timer v ms later. Rows behind the watermark
 * are reported as late. */
static void ck_row(sl_ctx *c, const sl_row *r, sl_out *o, void *user) {
    SL_UNUSED(user);
    int64_t ts = sl_row_time(r), v = sl_row_is_null(r, 1) ? 0 : sl_row_bigint(r, 1);
    int64_t *n = sl_state_value(c, "count", 8, NULL);
    *n += 1;
    sl_state_list_add(c, "vals", &v, 8);
    if (ts <= sl_ctx_watermark(c)) {
        ck_out(c, o, "late", v);
        return;
    }
    int64_t w = 10 * SL_SECOND, end = ts - ((ts % w) + w) % w + w - 1;
    size_t vlen;
    const int64_t *old = sl_state_map_get(c, "sums", &end, 8, &vlen);
    int64_t sum = (old ? *old : 0) + v;
    sl_state_map_put(c, "sums", &end, 8, &sum, 8);
    sl_timer_event(c, end);
    if (v >= 100) {
        sl_timer_processing(c, sl_ctx_now(c) + v * SL_MILLISECOND);
    }
}

static void ck_timer(sl_ctx *c, int64_t ts, bool event_time, sl_out *o, void *user) {
    SL_UNUSED(user);
    if (!event_time) {
        int64_t *n = sl_state_value(c, "count", 8, NULL);
        ck_out(c, o, "proc", *n);
        return;
    }
    size_t vlen;
    const int64_t *sum = sl_state_map_get(c, "sums", &ts, 8, &vlen);
    ck_out(c, o, "sum", sum ? *sum : -1);
    ck_out(c, o, "vals", (int64_t)sl_state_list_count(c, "vals"));
    sl_state_map_remove(c, "sums", &ts, 8);
}

static void process_cuts(int64_t ttl_us, const char *const *script, int n_script) {
    sl_schema *in, *out;
    CHECK(sl_schema_parse("k STRING, v BIGINT", &in) == SL_OK);
    CHECK(sl_schema_parse("k STRING, what STRING, n BIGINT", &out) == SL_OK);
    slkeyspec key = {1, {0}};
    sl_process_fns fns = {ck_row, ck_timer};
    slprocess_arg *a = slprocess_arg_new(in, out, &key, &fns, NULL);
    const sltest_table tabs[] = {
        {"v:count", 8}, {"l:vals", 0}, {"m:sums", 0}, {"process.timers", SLTIMERS_STATE_VAL}};
    opcut oc = {"k STRING, v BIGINT", key, slprocess_new, a, out, tabs, 4, ttl_us, ttl_us > 0};
    opcut_check(&oc, script, n_script, NULL);
    slprocess_arg_free(a);
    sl_schema_free(out);
    sl_schema_free(in);
}

TEST(checkpoint_process_states_and_timers) {
    static const char *const script[] = {
        "tick 0",      "+I a 1 @3",   "+I b 2 @12",  "+I a 4 @1",   "|",
        "+I c 100 @5", "+I d 8 @11",  "|",           "wm 8",        "tick 50",
        "+I a 64 @7",  "+I e 200 @25", "|",          "wm 10",       "tick 120",
        "+I b 7 @19",  "+I a 3 @4",   "+I c 5 @15",  "|",           "tick 300",
        "wm 20",       "+I d 300 @30", "|",          "tick 700",    "wm 40",
    };
    process_cuts(0, script, (int)SL_ARRAY_LEN(script));
}

TEST(checkpoint_process_state_ttl) {
    static const char *const script[] = {
        "tick 0",     "+I a 1 @1",   "+I b 150 @2", "|",         "tick 100",
        "+I c 2 @3",  "|",           "tick 200",    "+I a 3 @4", "|",
        "tick 1500",  "+I b 4 @5",   "|",           "tick 4000", "wm 20",
    };
    process_cuts(1 * SL_SECOND, script, (int)SL_ARRAY_LEN(script));
}
