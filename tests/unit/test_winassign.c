/*
 * test_winassign.c - window table functions without aggregation
 * (slwinassign_*, ops/over.h) in real jobs: generator -> the assigner
 * (added with sljob_add_op, chainable, as the SQL planner does) -> foreach.
 * Output lines: "a 1 t=7 [0, 10) +I" (times in seconds: the row's ts column
 * and the window). The collector checks on every row that window_time is
 * window_end - 1 us and that the row's event time is window_time.
 */
#include <pthread.h>

#include "ops/over.h"
#include "runtime/job.h"
#include "test.h"

static void put_secs(slbuf *o, int64_t us) {
    if (us % SL_SECOND == 0) {
        slbuf_printf(o, "%lld", (long long)(us / SL_SECOND));
    } else {
        slbuf_printf(o, "%lldus", (long long)us);
    }
}

typedef struct collector {
    pthread_mutex_t lock;
    slbuf text;
    int rows;
    int bad_time; /* rows whose window_time or event time is wrong */
} collector;

static void collector_init(collector *c) {
    pthread_mutex_init(&c->lock, NULL);
    memset(&c->text, 0, sizeof c->text);
    c->rows = 0;
    c->bad_time = 0;
}

static void collector_free(collector *c) {
    slbuf_free(&c->text);
    pthread_mutex_destroy(&c->lock);
}

/* Input schema k STRING, v BIGINT, ts TIMESTAMP; then window_start (3),
 * window_end (4), window_time (5). */
static void collect(const sl_row *r, void *user) {
    collector *c = user;
    const slbatch *b = r->b;
    uint32_t i = r->i;
    pthread_mutex_lock(&c->lock);
    slbuf *o = &c->text;
    slstr k = b->cols[0].v.s[i];
    slbuf_put(o, k.ptr, k.len);
    slbuf_printf(o, " %lld t=", (long long)b->cols[1].v.i64[i]);
    put_secs(o, b->cols[2].v.i64[i]);
    slbuf_puts(o, " [");
    put_secs(o, b->cols[3].v.i64[i]);
    slbuf_puts(o, ", ");
    put_secs(o, b->cols[4].v.i64[i]);
    slbuf_printf(o, ") %s\n", slfmt_kind((sl_rowkind)b->kind[i]));
    if (b->cols[5].v.i64[i] != b->cols[4].v.i64[i] - 1 || b->ts[i] != b->cols[5].v.i64[i] ||
        b->cols[3].nulls[i] || b->cols[4].nulls[i] || b->cols[5].nulls[i]) {
        c->bad_time++;
    }
    c->rows++;
    pthread_mutex_unlock(&c->lock);
}

typedef struct wrow {
    const char *k;
    int64_t v;
    int64_t ts_s;
    sl_rowkind kind;
} wrow;

typedef struct wgen {
    const wrow *rows;
    size_t n;
} wgen;

static sl_gen_status wrow_next(uint64_t i, sl_out *o, void *user) {
    const wgen *g = user;
    if (i >= g->n) {
        return SL_GEN_END;
    }
    const wrow *r = &g->rows[i];
    sl_out_string(o, 0, r->k, strlen(r->k));
    sl_out_bigint(o, 1, r->v);
    sl_out_timestamp(o, 2, r->ts_s * SL_SECOND);
    sl_out_time(o, r->ts_s * SL_SECOND);
    sl_out_kind(o, r->kind);
    sl_out_emit(o);
    return SL_GEN_MORE;
}

static int64_t fixed_clock(void *user) {
    return *(const int64_t *)user;
}

static int64_t g_clock_us;

static sl_err run_assign(const wrow *rows, size_t n, const sl_window_spec *spec, int parallelism,
                         collector *out) {
    sl_job *job;
    sl_schema *schema = schema_of("k STRING, v BIGINT, ts TIMESTAMP");
    wgen g = {rows, n};
    sl_stream *src, *win;
    char par[8];
    snprintf(par, sizeof par, "%d", parallelism);
    sl_job_new(&job);
    slwinassign_arg *a = NULL;
    sl_err err;
    if ((err = sl_job_set(job, "parallelism", par)) ||
        (err = sl_job_set_clock(job, fixed_clock, &g_clock_us)) ||
        (err = sl_job_source_gen(job, schema, wrow_next, &g, &src)) ||
        (err = slwinassign_arg_new(schema, spec, &a))) {
        goto out;
    }
    win = sljob_add_op(job, "window_assign", slwinassign_new, a, slwinassign_arg_free, src, a->out,
                       true);
    if ((err = sl_stream_foreach(win, collect, out))) {
        goto out;
    }
    err = sl_job_run(job);
out:
    sl_job_free(job);
    sl_schema_free(schema);
    return err;
}

/* Lines sorted, for runs where subtasks interleave. */
static int str_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(const char *text) {
    char *copy = slmem_strdup(text);
    char **ls = NULL;
    size_t n = 0, cap = 0;
    for (char *t = strtok(copy, "\n"); t; t = strtok(NULL, "\n")) {
        slmem_grow((void **)&ls, &cap, n + 1, sizeof *ls);
        ls[n++] = t;
    }
    if (n) {
        qsort(ls, n, sizeof *ls, str_cmp);
    }
    slbuf o = {0};
    for (size_t i = 0; i < n; i++) {
        slbuf_puts(&o, ls[i]);
        slbuf_putc(&o, '\n');
    }
    char *r = slmem_strdup(slbuf_cstr(&o));
    slbuf_free(&o);
    slmem_free(ls);
    slmem_free(copy);
    return r;
}

/* At parallelism 1 the output is `want` exactly; at 2 the same lines. */
static void check_both(const wrow *rows, size_t n, const sl_window_spec *spec, const char *want) {
    for (int p = 1; p <= 2; p++) {
        collector out;
        collector_init(&out);
        CHECK_INT(run_assign(rows, n, spec, p, &out), SL_OK);
        CHECK_INT(out.bad_time, 0);
        if (p == 1) {
            CHECK_STR(slbuf_cstr(&out.text), want);
        } else {
            char *a = sorted_lines(want), *b = sorted_lines(slbuf_cstr(&out.text));
            CHECK_STR(b, a);
            slmem_free(a);
            slmem_free(b);
        }
        collector_free(&out);
    }
}

static const wrow ROWS[] = {
    {"a", 1, -1, SL_INSERT}, {"a", 2, 2, SL_INSERT},  {"b", 3, 3, SL_INSERT},
    {"a", 4, 12, SL_INSERT}, {"b", 5, 13, SL_INSERT}, {"a", 6, -7, SL_INSERT},
    {"b", 7, -8, SL_INSERT},
};

TEST(tumble_with_offset_and_negative_times) {
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    check_both(ROWS, SL_ARRAY_LEN(ROWS), &sp,
               "a 1 t=-1 [-10, 0) +I\n"
               "a 2 t=2 [0, 10) +I\n"
               "b 3 t=3 [0, 10) +I\n"
               "a 4 t=12 [10, 20) +I\n"
               "b 5 t=13 [10, 20) +I\n"
               "a 6 t=-7 [-10, 0) +I\n"
               "b 7 t=-8 [-10, 0) +I\n");
    sp.offset = 3 * SL_SECOND;
    check_both(ROWS, SL_ARRAY_LEN(ROWS), &sp,
               "a 1 t=-1 [-7, 3) +I\n"
               "a 2 t=2 [-7, 3) +I\n"
               "b 3 t=3 [3, 13) +I\n"
               "a 4 t=12 [3, 13) +I\n"
               "b 5 t=13 [13, 23) +I\n"
               "a 6 t=-7 [-7, 3) +I\n"
               "b 7 t=-8 [-17, -7) +I\n");
    /* An offset larger than the size, or negative, is taken modulo it. */
    sp.offset = -7 * SL_SECOND;
    check_both(ROWS, 2, &sp, "a 1 t=-1 [-7, 3) +I\n"
                             "a 2 t=2 [-7, 3) +I\n");
}

TEST(hop_windows_in_start_order) {
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    static const wrow rows[] = {
        {"a", 1, 7, SL_INSERT}, {"a", 2, -1, SL_INSERT}, {"a", 3, 5, SL_INSERT},
    };
    check_both(rows, 3, &sp,
               "a 1 t=7 [0, 10) +I\n"
               "a 1 t=7 [5, 15) +I\n"
               "a 2 t=-1 [-10, 0) +I\n"
               "a 2 t=-1 [-5, 5) +I\n"
               "a 3 t=5 [0, 10) +I\n"
               "a 3 t=5 [5, 15) +I\n");
    sp.offset = 2 * SL_SECOND;
    static const wrow rows2[] = {{"a", 1, 7, SL_INSERT}, {"a", 2, 1, SL_INSERT}};
    check_both(rows2, 2, &sp,
               "a 1 t=7 [2, 12) +I\n"
               "a 1 t=7 [7, 17) +I\n"
               "a 2 t=1 [-8, 2) +I\n"
               "a 2 t=1 [-3, 7) +I\n");
}

TEST(hop_size_not_a_multiple_of_slide) {
    /* Size 10, slide 4: a row is in two or three windows. */
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 4 * SL_SECOND);
    static const wrow rows[] = {{"a", 1, 7, SL_INSERT}, {"a", 2, 9, SL_INSERT}};
    check_both(rows, 2, &sp,
               "a 1 t=7 [0, 10) +I\n"
               "a 1 t=7 [4, 14) +I\n"
               "a 2 t=9 [0, 10) +I\n"
               "a 2 t=9 [4, 14) +I\n"
               "a 2 t=9 [8, 18) +I\n");
    /* Slide larger than the size: rows between windows are in none. */
    sp = sl_window_hop(3 * SL_SECOND, 5 * SL_SECOND);
    static const wrow rows2[] = {{"a", 1, 4, SL_INSERT}, {"a", 2, 6, SL_INSERT}};
    check_both(rows2, 2, &sp, "a 2 t=6 [5, 8) +I\n");
}

TEST(cumulate_windows) {
    sl_window_spec sp = sl_window_cumulate(12 * SL_SECOND, 4 * SL_SECOND);
    sp.offset = SL_SECOND;
    static const wrow rows[] = {
        {"a", 1, 6, SL_INSERT}, {"a", 2, 1, SL_INSERT},
        {"a", 3, 0, SL_INSERT}, {"a", 4, -12, SL_INSERT},
    };
    check_both(rows, 4, &sp,
               "a 1 t=6 [1, 9) +I\n"
               "a 1 t=6 [1, 13) +I\n"
               "a 2 t=1 [1, 5) +I\n"
               "a 2 t=1 [1, 9) +I\n"
               "a 2 t=1 [1, 13) +I\n"
               "a 3 t=0 [-11, 1) +I\n"
               "a 4 t=-12 [-23, -11) +I\n");
}

TEST(row_kind_passes_through) {
    sl_window_spec sp = sl_window_hop(2 * SL_SECOND, SL_SECOND);
    static const wrow rows[] = {
        {"a", 1, 0, SL_UPDATE_BEFORE}, {"a", 2, 0, SL_UPDATE_AFTER}, {"a", 3, 1, SL_DELETE},
    };
    check_both(rows, 3, &sp,
               "a 1 t=0 [-1, 1) -U\n"
               "a 1 t=0 [0, 2) -U\n"
               "a 2 t=0 [-1, 1) +U\n"
               "a 2 t=0 [0, 2) +U\n"
               "a 3 t=1 [0, 2) -D\n"
               "a 3 t=1 [1, 3) -D\n");
}

TEST(many_windows_per_row) {
    /* HOP 1 h / 1 min: 60 rows per input row, over several batches. */
    enum { N = 50 };
    static wrow rows[N];
    for (int i = 0; i < N; i++) {
        rows[i] = (wrow){i % 2 ? "b" : "a", i, (int64_t)i * 37 - 900, SL_INSERT};
    }
    sl_window_spec sp = sl_window_hop(SL_HOUR, SL_MINUTE);
    for (int p = 1; p <= 2; p++) {
        collector out;
        collector_init(&out);
        CHECK_INT(run_assign(rows, N, &sp, p, &out), SL_OK);
        CHECK_INT(out.rows, N * 60);
        CHECK_INT(out.bad_time, 0);
        if (p == 1) {
            /* Row 0 at -900 s: windows start at -4440 .. -900 s. */
            CHECK(strncmp(slbuf_cstr(&out.text), "a 0 t=-900 [-4440, -840) +I\n", 28) == 0);
            CHECK_CONTAINS(slbuf_cstr(&out.text), "a 0 t=-900 [-900, 2700) +I\nb 1 t=-863 [-4440, -840) +I\n");
        }
        collector_free(&out);
    }
    /* CUMULATE 1 day / 1 h at midnight: 24 windows. */
    sp = sl_window_cumulate(24 * SL_HOUR, SL_HOUR);
    static const wrow one[] = {{"a", 1, 0, SL_INSERT}, {"a", 2, 24 * 3600 - 1, SL_INSERT}};
    collector out;
    collector_init(&out);
    CHECK_INT(run_assign(one, 2, &sp, 1, &out), SL_OK);
    CHECK_INT(out.rows, 25);
    CHECK_CONTAINS(slbuf_cstr(&out.text), "a 1 t=0 [0, 86400) +I\na 2 t=86399 [0, 86400) +I\n");
    collector_free(&out);
}

TEST(empty_input) {
    sl_window_spec sp = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    check_both(NULL, 0, &sp, "");
}

TEST(processing_time_assignment) {
    /* The job's clock (25 s) decides the window, whatever the rows' times. */
    sl_window_spec sp = sl_window_tumble(10 * SL_SECOND);
    sp.processing_time = true;
    g_clock_us = 25 * SL_SECOND;
    static const wrow rows[] = {{"a", 1, -100, SL_INSERT}, {"a", 2, 7, SL_INSERT}};
    check_both(rows, 2, &sp, "a 1 t=-100 [20, 30) +I\n"
                             "a 2 t=7 [20, 30) +I\n");
    g_clock_us = 0;
}

static void raw_emit(slopctx *c, int port, slbatch *b) {
    slbuf *o = c->rt;
    for (uint32_t i = 0; i < b->n; i++) {
        slbuf_printf(o, "%d %lld %lld %lld %lld\n", port, (long long)b->cols[3].v.i64[i],
                     (long long)b->cols[4].v.i64[i], (long long)b->cols[5].v.i64[i],
                     (long long)b->ts[i]);
    }
    slbatch_free(b);
}

/* Rows at the ends of the time range: no overflow (driven directly, UBSan
 * watching). */
TEST(extreme_times_saturate) {
    sl_schema *in = schema_of("k STRING, v BIGINT, ts TIMESTAMP");
    sl_window_spec specs[3] = {sl_window_tumble(10 * SL_SECOND),
                               sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND),
                               sl_window_cumulate(10 * SL_SECOND, 5 * SL_SECOND)};
    /* Exact windows, bounds clamped to the int64 range (a row keeps every
     * window it is in, even when two clamp to the same bounds). */
    const char *want[3] = {
        "0 9223372036850000000 9223372036854775807 9223372036854775806 9223372036854775806\n"
        "0 -9223372036854775808 -9223372036850000000 -9223372036850000001 -9223372036850000001\n",
        "0 9223372036845000000 9223372036854775807 9223372036854775806 9223372036854775806\n"
        "0 9223372036850000000 9223372036854775807 9223372036854775806 9223372036854775806\n"
        "0 -9223372036854775808 -9223372036850000000 -9223372036850000001 -9223372036850000001\n"
        "0 -9223372036854775808 -9223372036845000000 -9223372036845000001 -9223372036845000001\n",
        "0 9223372036850000000 9223372036854775807 9223372036854775806 9223372036854775806\n"
        "0 9223372036850000000 9223372036854775807 9223372036854775806 9223372036854775806\n"
        "0 -9223372036854775808 -9223372036850000000 -9223372036850000001 -9223372036850000001\n",
    };
    for (int s = 0; s < 3; s++) {
        slwinassign_arg *a;
        CHECK_INT(slwinassign_arg_new(in, &specs[s], &a), SL_OK);
        slop *op = slwinassign_new(a, 0);
        slopmetrics m;
        memset(&m, 0, sizeof m);
        slopctx ctx;
        memset(&ctx, 0, sizeof ctx);
        slbuf got = {0};
        ctx.emit = raw_emit;
        ctx.rt = &got;
        ctx.batch_rows = 2;
        ctx.metrics = &m;
        op->ctx = &ctx;
        slbatch *b = slbatch_new(in, 4);
        int64_t ts[2] = {SL_TIME_MAX, SL_TIME_MIN};
        for (int i = 0; i < 2; i++) {
            uint32_t r = slbatch_begin_row(b);
            b->ts[r] = ts[i];
            b->n++;
        }
        op->vt->batch_take(op, 0, b);
        CHECK_STR(slbuf_cstr(&got), want[s]);
        CHECK_INT(m.rows_in, 2);
        slbuf_free(&got);
        op->vt->free(op);
        slwinassign_arg_free(a);
    }
    sl_schema_free(in);
}

TEST(argument_errors) {
    sl_schema *in = schema_of("k STRING, v BIGINT, ts TIMESTAMP");
    slwinassign_arg *a = NULL;
    sl_window_spec sp = sl_window_tumble(0);
    CHECK_INT(slwinassign_arg_new(in, &sp, &a), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "size must be > 0");
    sp = sl_window_cumulate(10 * SL_SECOND, 3 * SL_SECOND);
    CHECK_INT(slwinassign_arg_new(in, &sp, &a), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "multiple of the step");
    sp = sl_window_hop(10 * SL_SECOND, 0);
    CHECK_INT(slwinassign_arg_new(in, &sp, &a), SL_ERR_ARG);
    sp = sl_window_session(SL_SECOND);
    CHECK_INT(slwinassign_arg_new(in, &sp, &a), SL_ERR_UNSUPPORTED);
    CHECK(a == NULL);
    sl_schema *clash = schema_of("window_end TIMESTAMP, v BIGINT");
    sp = sl_window_tumble(SL_SECOND);
    CHECK_INT(slwinassign_arg_new(clash, &sp, &a), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "window_end");
    CHECK_INT(slwinassign_arg_new(in, &sp, &a), SL_OK);
    slbuf d = {0};
    slschema_describe(a->out, &d);
    CHECK_STR(slbuf_cstr(&d), "k STRING, v BIGINT, ts TIMESTAMP, window_start TIMESTAMP, "
                              "window_end TIMESTAMP, window_time TIMESTAMP");
    slbuf_free(&d);
    slwinassign_arg_free(a);
    slwinassign_arg_free(NULL);
    sl_schema_free(clash);
    sl_schema_free(in);
}
