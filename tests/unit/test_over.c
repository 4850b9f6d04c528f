/*
 * test_over.c - the OVER aggregation operator (ops/over.h).
 *
 * Most tests run real jobs: generator -> watermark -> key_by(k) -> the OVER
 * operator (added with sljob_add_op as the SQL planner does) -> foreach,
 * with late rows from port 1 collected too. Output rows are text lines
 *   "a 3 @4: s=6 c=3"     (input columns except ts, event time in seconds,
 *                           then the aggregate columns)
 * Parallelism 1 gives a defined order (event time, then keys in the order
 * their rows arrived); at parallelism 2 the lines are compared grouped per
 * key, in order within each key. Random runs are checked against a naive
 * computation. State size and processing time use a hand-made slopctx.
 * test_over_rocksdb.c runs them all on the RocksDB backend (test_backend.h;
 * the OVER operator's output order does not depend on visit order).
 */
#include <pthread.h>

#include "ops/over.h"
#include "runtime/job.h"
#include "test_backend.h"

#define NUL INT64_MIN

/* ---- formatting ---- */

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
    case SL_STRING: {
        slstr s = b->cols[c].v.s[i];
        if (s.len > 64) {
            slbuf_printf(o, "<%uB:%c>", s.len, s.ptr[s.len - 1]);
        } else {
            slbuf_put(o, s.ptr, s.len);
        }
        break;
    }
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

/* One line: input columns but the ts column (2), "@secs", then "name=value"
 * for the columns from n_in on. */
static void format_row(slbuf *o, const slbatch *b, uint32_t i, int n_in) {
    bool first = true;
    for (int c = 0; c < n_in; c++) {
        if (c == 2) {
            continue;
        }
        if (!first) {
            slbuf_putc(o, ' ');
        }
        first = false;
        put_val(o, b, c, i);
    }
    slbuf_printf(o, " @%lld", (long long)secs(b->ts[i]));
    if (b->kind[i] != SL_INSERT) {
        slbuf_printf(o, " %s", slfmt_kind((sl_rowkind)b->kind[i]));
    }
    if (n_in < b->schema->n) {
        slbuf_putc(o, ':');
    }
    for (int c = n_in; c < b->schema->n; c++) {
        slbuf_printf(o, " %s=", b->schema->fields[c].name);
        put_val(o, b, c, i);
    }
    slbuf_putc(o, '\n');
}

typedef struct collector {
    pthread_mutex_t lock;
    slbuf text;
    int rows;
    int n_in;
} collector;

static void collector_init(collector *c, int n_in) {
    pthread_mutex_init(&c->lock, NULL);
    memset(&c->text, 0, sizeof c->text);
    c->rows = 0;
    c->n_in = n_in;
}

static void collector_free(collector *c) {
    slbuf_free(&c->text);
    pthread_mutex_destroy(&c->lock);
}

static void collect(const sl_row *r, void *user) {
    collector *c = user;
    pthread_mutex_lock(&c->lock);
    format_row(&c->text, r->b, r->i, c->n_in);
    c->rows++;
    pthread_mutex_unlock(&c->lock);
}

/* Lines grouped by their first word (stable: order within a group kept),
 * groups in byte order. */
typedef struct line {
    const char *p;
    size_t len, klen, idx;
} line;

static int line_cmp(const void *a, const void *b) {
    const line *x = a, *y = b;
    int c = memcmp(x->p, y->p, SL_MIN(x->klen, y->klen));
    if (c == 0 && x->klen != y->klen) {
        c = x->klen < y->klen ? -1 : 1;
    }
    if (c == 0) {
        c = x->idx < y->idx ? -1 : x->idx > y->idx;
    }
    return c;
}

static char *group_by_key(const char *text) {
    size_t n = 0, cap = 0;
    line *ls = NULL;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        const char *sp = memchr(p, ' ', len);
        slmem_grow((void **)&ls, &cap, n + 1, sizeof *ls);
        ls[n] = (line){p, len, sp ? (size_t)(sp - p) : len, n};
        n++;
        p += len;
    }
    if (n) {
        qsort(ls, n, sizeof *ls, line_cmp);
    }
    slbuf o = {0};
    for (size_t i = 0; i < n; i++) {
        slbuf_put(&o, ls[i].p, ls[i].len);
    }
    slmem_free(ls);
    char *r = slmem_strdup(slbuf_cstr(&o));
    slbuf_free(&o);
    return r;
}

/* ---- jobs ---- */

typedef struct orow {
    const char *k; /* NULL = NULL */
    int64_t v;     /* NUL = NULL */
    int64_t ts_s;
    const char *s; /* only with a 4th column; NULL = NULL */
} orow;

typedef struct ojob {
    const orow *rows;
    size_t n;
    int64_t bound_s;
    bool rows_frame;
    int64_t preceding; /* rows, or seconds for RANGE; -1 unbounded */
    const sl_agg *aggs;
    int n_aggs;
    int parallelism;
    const char *batch_rows;
    bool unkeyed;   /* no PARTITION BY: one key, parallelism 1 */
    bool with_s;    /* schema has a 4th column s STRING */
    int64_t time_us; /* unit of ts_s (default seconds) */
} ojob;

static sl_gen_status orow_next(uint64_t i, sl_out *o, void *user) {
    const ojob *j = user;
    if (i >= j->n) {
        return SL_GEN_END;
    }
    const orow *r = &j->rows[i];
    if (r->k) {
        sl_out_string(o, 0, r->k, strlen(r->k));
    }
    if (r->v != NUL) {
        sl_out_bigint(o, 1, r->v);
    }
    sl_out_timestamp(o, 2, r->ts_s * (j->time_us ? j->time_us : SL_SECOND));
    if (j->with_s && r->s) {
        sl_out_string(o, 3, r->s, strlen(r->s));
    }
    sl_out_emit(o);
    return SL_GEN_MORE;
}

/* Run the job; output lines into out, late rows into late (may be NULL). */
static sl_err run_over(const ojob *j, collector *out, collector *late, uint64_t *rows_late) {
    sl_job *job;
    sl_schema *schema = schema_of(j->with_s ? "k STRING, v BIGINT, ts TIMESTAMP, s STRING"
                                            : "k STRING, v BIGINT, ts TIMESTAMP");
    sl_stream *src, *timed, *in, *over;
    char par[8];
    snprintf(par, sizeof par, "%d", j->parallelism ? j->parallelism : 1);
    sl_job_new(&job);
    slover_arg *a = NULL;
    sl_err err;
    if ((err = sl_job_set(job, "parallelism", par)) ||
        (err = sl_job_set(job, "state.backend", SLTEST_BACKEND)) ||
        (j->batch_rows && (err = sl_job_set(job, "batch.rows", j->batch_rows))) ||
        (err = sl_job_source_gen(job, schema, orow_next, (void *)j, &src)) ||
        (err = sl_stream_watermark(src, "ts", j->bound_s * SL_SECOND, &timed))) {
        goto out;
    }
    slkeyspec part = {0};
    if (j->unkeyed) {
        in = timed;
    } else {
        if ((err = sl_stream_key_by(timed, "k", &in))) {
            goto out;
        }
        part = in->key;
    }
    int64_t prec = j->preceding;
    if (!j->rows_frame && prec > 0) {
        prec *= SL_SECOND;
    }
    if ((err = slover_arg_new(schema, &part, j->rows_frame, prec, false, j->aggs, j->n_aggs,
                              &a))) {
        goto out;
    }
    /* What the planner does: a keyed node (also without PARTITION BY, then
     * at parallelism 1) with late rows on port 1. */
    over = sljob_add_op(job, "over", slover_new, a, slover_arg_free, in, a->out, false);
    slnode *node = job->g.nodes[over->node];
    node->keyed = true;
    node->out[1] = slschema_ref(a->in);
    if (j->unkeyed) {
        node->parallelism = 1;
    }
    if ((err = sl_stream_foreach(over, collect, out))) {
        goto out;
    }
    if (late) {
        sl_stream *lr = sljob_stream(job, over->node, 1, a->in);
        if ((err = sl_stream_foreach(lr, collect, late))) {
            goto out;
        }
    }
    err = sl_job_run(job);
    if (rows_late) {
        sl_metrics m;
        sl_job_metrics(job, &m);
        *rows_late = m.rows_late;
    }
out:
    sl_job_free(job);
    sl_schema_free(schema);
    return err;
}

/* Run at parallelism 1 and 2: the first output must be `want` exactly, the
 * second the same per key. */
static void check_both(ojob j, const char *want) {
    for (int p = 1; p <= 2; p++) {
        collector out;
        collector_init(&out, j.with_s ? 4 : 3);
        j.parallelism = p;
        CHECK_INT(run_over(&j, &out, NULL, NULL), SL_OK);
        if (p == 1) {
            CHECK_STR(slbuf_cstr(&out.text), want);
        } else {
            char *g1 = group_by_key(want), *g2 = group_by_key(slbuf_cstr(&out.text));
            CHECK_STR(g2, g1);
            slmem_free(g1);
            slmem_free(g2);
        }
        collector_free(&out);
    }
}

static const sl_agg FIVE[] = {
    {SL_AGG_SUM, "v", "s", NULL},  {SL_AGG_COUNT, NULL, "c", NULL},
    {SL_AGG_MIN, "v", "mn", NULL}, {SL_AGG_MAX, "v", "mx", NULL},
    {SL_AGG_AVG, "v", "avg", NULL},
};

TEST(rows_2_preceding) {
    static const orow rows[] = {
        {"a", 1, 1, NULL}, {"b", 10, 2, NULL}, {"a", 3, 4, NULL},
        {"a", 2, 3, NULL}, /* out of order, within the bound */
        {"a", 5, 6, NULL}, {"b", 20, 7, NULL}, {"a", 4, 8, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 5, true, 2, FIVE, 5, 0, NULL, false, false, 0};
    check_both(j, "a 1 @1: s=1 c=1 mn=1 mx=1 avg=1\n"
                  "b 10 @2: s=10 c=1 mn=10 mx=10 avg=10\n"
                  "a 2 @3: s=3 c=2 mn=1 mx=2 avg=1\n"
                  "a 3 @4: s=6 c=3 mn=1 mx=3 avg=2\n"
                  "a 5 @6: s=10 c=3 mn=2 mx=5 avg=3\n"
                  "b 20 @7: s=30 c=2 mn=10 mx=20 avg=15\n"
                  "a 4 @8: s=12 c=3 mn=3 mx=5 avg=4\n");
    /* Tiny batches: the watermark moves after every row. */
    j.batch_rows = "1";
    check_both(j, "a 1 @1: s=1 c=1 mn=1 mx=1 avg=1\n"
                  "b 10 @2: s=10 c=1 mn=10 mx=10 avg=10\n"
                  "a 2 @3: s=3 c=2 mn=1 mx=2 avg=1\n"
                  "a 3 @4: s=6 c=3 mn=1 mx=3 avg=2\n"
                  "a 5 @6: s=10 c=3 mn=2 mx=5 avg=3\n"
                  "b 20 @7: s=30 c=2 mn=10 mx=20 avg=15\n"
                  "a 4 @8: s=12 c=3 mn=3 mx=5 avg=4\n");
}

TEST(rows_0_preceding_is_the_row_itself) {
    static const orow rows[] = {{"a", 1, 1, NULL}, {"a", 2, 2, NULL}, {"a", 3, 2, NULL}};
    ojob j = {rows, 3, 0, true, 0, FIVE, 5, 0, NULL, false, false, 0};
    check_both(j, "a 1 @1: s=1 c=1 mn=1 mx=1 avg=1\n"
                  "a 2 @2: s=2 c=1 mn=2 mx=2 avg=2\n"
                  "a 3 @2: s=3 c=1 mn=3 mx=3 avg=3\n");
}

static const sl_agg CSM[] = {
    {SL_AGG_COUNT, NULL, "c", NULL},
    {SL_AGG_SUM, "v", "s", NULL},
    {SL_AGG_MAX, "v", "mx", NULL},
};

TEST(range_interval_with_peers) {
    static const orow rows[] = {
        {"a", 1, 0, NULL},  {"b", 100, 3, NULL}, {"a", 30, 5, NULL},
        {"a", 4, 10, NULL}, {"a", 3, 5, NULL}, /* a peer of the row at 5, arriving later */
        {"a", 5, 15, NULL}, {"a", 6, 16, NULL},  {"b", 200, 20, NULL},
        {"a", 7, 26, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 5, false, 10, CSM, 3, 0, NULL, false, false, 0};
    const char *want = "a 1 @0: c=1 s=1 mx=1\n"
                       "b 100 @3: c=1 s=100 mx=100\n"
                       "a 30 @5: c=3 s=34 mx=30\n"
                       "a 3 @5: c=3 s=34 mx=30\n"
                       "a 4 @10: c=4 s=38 mx=30\n"
                       "a 5 @15: c=4 s=42 mx=30\n"
                       "a 6 @16: c=3 s=15 mx=6\n"
                       "b 200 @20: c=1 s=200 mx=200\n"
                       "a 7 @26: c=2 s=13 mx=7\n";
    check_both(j, want);
    j.batch_rows = "1";
    check_both(j, want);
}

TEST(unbounded_rows_and_range) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "c", NULL},
        {SL_AGG_SUM, "v", "s", NULL},
        {SL_AGG_MIN, "v", "mn", NULL},
    };
    static const orow rows[] = {
        {"a", 1, 1, NULL}, {"b", 9, 1, NULL}, {"a", 2, 2, NULL},
        {"a", 3, 2, NULL}, {"a", 4, 5, NULL}, {"a", 0, 9, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 2, true, -1, aggs, 3, 0, NULL, false, false, 0};
    check_both(j, "a 1 @1: c=1 s=1 mn=1\n"
                  "b 9 @1: c=1 s=9 mn=9\n"
                  "a 2 @2: c=2 s=3 mn=1\n"
                  "a 3 @2: c=3 s=6 mn=1\n"
                  "a 4 @5: c=4 s=10 mn=1\n"
                  "a 0 @9: c=5 s=10 mn=0\n");
    j.rows_frame = false;
    check_both(j, "a 1 @1: c=1 s=1 mn=1\n"
                  "b 9 @1: c=1 s=9 mn=9\n"
                  "a 2 @2: c=3 s=6 mn=1\n"
                  "a 3 @2: c=3 s=6 mn=1\n"
                  "a 4 @5: c=4 s=10 mn=1\n"
                  "a 0 @9: c=5 s=10 mn=0\n");
}

TEST(nulls_and_null_partition_key) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, "v", "cv", NULL}, {SL_AGG_COUNT, NULL, "c", NULL},
        {SL_AGG_SUM, "v", "s", NULL},    {SL_AGG_MIN, "v", "mn", NULL},
        {SL_AGG_AVG, "v", "avg", NULL},
    };
    static const orow rows[] = {
        {NULL, 5, 1, NULL},   {"a", NUL, 1, NULL}, {NULL, NUL, 2, NULL},
        {"a", 7, 2, NULL},    {NULL, NUL, 3, NULL}, {"a", NUL, 3, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 0, true, 1, aggs, 5, 0, NULL, false, false, 0};
    check_both(j, "NULL 5 @1: cv=1 c=1 s=5 mn=5 avg=5\n"
                  "a NULL @1: cv=0 c=1 s=NULL mn=NULL avg=NULL\n"
                  "NULL NULL @2: cv=1 c=2 s=5 mn=5 avg=5\n"
                  "a 7 @2: cv=1 c=2 s=7 mn=7 avg=7\n"
                  "NULL NULL @3: cv=0 c=2 s=NULL mn=NULL avg=NULL\n"
                  "a NULL @3: cv=1 c=2 s=7 mn=7 avg=7\n");
    /* The same as a RANGE frame of 1 s (one row per key and second). */
    j.rows_frame = false;
    check_both(j, "NULL 5 @1: cv=1 c=1 s=5 mn=5 avg=5\n"
                  "a NULL @1: cv=0 c=1 s=NULL mn=NULL avg=NULL\n"
                  "NULL NULL @2: cv=1 c=2 s=5 mn=5 avg=5\n"
                  "a 7 @2: cv=1 c=2 s=7 mn=7 avg=7\n"
                  "NULL NULL @3: cv=0 c=2 s=NULL mn=NULL avg=NULL\n"
                  "a NULL @3: cv=1 c=2 s=7 mn=7 avg=7\n");
}

TEST(first_last_distinct_keep_column_order) {
    /* MIN/FIRST/LAST are recomputed over the frame, COUNT DISTINCT and SUM
     * are retracted: the output columns stay in the declared order. */
    static const sl_agg aggs[] = {
        {SL_AGG_MIN, "v", "mn", NULL},         {SL_AGG_COUNT_DISTINCT, "v", "cd", NULL},
        {SL_AGG_FIRST_VALUE, "v", "f", NULL},  {SL_AGG_SUM, "v", "s", NULL},
        {SL_AGG_LAST_VALUE, "v", "l", NULL},
    };
    static const orow rows[] = {
        {"a", 5, 1, NULL}, {"a", 3, 2, NULL}, {"a", 5, 3, NULL},
        {"a", 9, 4, NULL}, {"a", 3, 5, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 0, true, 2, aggs, 5, 0, NULL, false, false, 0};
    const char *want = "a 5 @1: mn=5 cd=1 f=5 s=5 l=5\n"
                       "a 3 @2: mn=3 cd=2 f=5 s=8 l=3\n"
                       "a 5 @3: mn=3 cd=2 f=5 s=13 l=5\n"
                       "a 9 @4: mn=3 cd=3 f=3 s=17 l=9\n"
                       "a 3 @5: mn=3 cd=3 f=5 s=17 l=3\n";
    check_both(j, want);
    /* RANGE 2 s is the same frame here (one row per second). */
    j.rows_frame = false;
    check_both(j, want);
}

/* A product (no retract: recomputed over the frame) and a sum of squares
 * (with retract: kept incrementally). */
static void u_init(void *acc, void *user) {
    *(int64_t *)acc = (intptr_t)user;
}
static void u_mul(void *acc, const sl_row *r, int col, void *user) {
    SL_UNUSED(user);
    *(int64_t *)acc *= sl_row_bigint(r, col);
}
static void u_sq(void *acc, const sl_row *r, int col, void *user) {
    SL_UNUSED(user);
    int64_t v = sl_row_bigint(r, col);
    *(int64_t *)acc += v * v;
}
static void u_unsq(void *acc, const sl_row *r, int col, void *user) {
    SL_UNUSED(user);
    int64_t v = sl_row_bigint(r, col);
    *(int64_t *)acc -= v * v;
}
static void u_result(const void *acc, sl_out *o, int col, void *user) {
    SL_UNUSED(user);
    sl_out_bigint(o, col, *(const int64_t *)acc);
}

TEST(udafs_with_and_without_retract) {
    static const sl_udaf prod = {"prod", 8, SL_BIGINT, u_init, u_mul, NULL, NULL, u_result,
                                 (void *)1};
    static const sl_udaf sq = {"sq", 8, SL_BIGINT, u_init, u_sq, NULL, u_unsq, u_result, NULL};
    static const sl_agg aggs[] = {
        {SL_AGG_UDAF, "v", "p", &prod},
        {SL_AGG_UDAF, "v", "q", &sq},
    };
    static const orow rows[] = {
        {"a", 2, 1, NULL}, {"a", 3, 2, NULL}, {"a", NUL, 3, NULL}, {"a", 5, 4, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 0, true, 1, aggs, 2, 0, NULL, false, false, 0};
    check_both(j, "a 2 @1: p=2 q=4\n"
                  "a 3 @2: p=6 q=13\n"
                  "a NULL @3: p=3 q=9\n"
                  "a 5 @4: p=5 q=25\n");
}

TEST(late_rows_to_port_1_and_counted) {
    static const orow rows[] = {
        {"a", 1, 10, NULL}, {"a", 2, 20, NULL},
        {"a", 3, 15, NULL}, /* behind the watermark (20 s - 1 us): late */
        {"a", 4, 20, NULL}, /* not late: the watermark is just below 20 s */
        {"a", 5, 25, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 0, false, 10, CSM, 3, 0, "1", false, false, 0};
    for (int p = 1; p <= 2; p++) {
        collector out, late;
        collector_init(&out, 3);
        collector_init(&late, 3);
        j.parallelism = p;
        uint64_t n_late = 0;
        CHECK_INT(run_over(&j, &out, &late, &n_late), SL_OK);
        CHECK_STR(slbuf_cstr(&out.text), "a 1 @10: c=1 s=1 mx=1\n"
                                         "a 2 @20: c=3 s=7 mx=4\n"
                                         "a 4 @20: c=3 s=7 mx=4\n"
                                         "a 5 @25: c=3 s=11 mx=5\n");
        CHECK_STR(slbuf_cstr(&late.text), "a 3 @15\n");
        CHECK_INT(n_late, 1);
        collector_free(&out);
        collector_free(&late);
    }
}

TEST(empty_input) {
    ojob j = {NULL, 0, 0, false, 10, CSM, 3, 0, NULL, false, false, 0};
    check_both(j, "");
    j.rows_frame = true;
    check_both(j, "");
}

TEST(no_partition_one_key) {
    static const orow rows[] = {
        {"a", 1, 1, NULL}, {"b", 2, 2, NULL}, {"c", 3, 3, NULL}, {NULL, 4, 4, NULL},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 0, true, 1, CSM, 3, 0, NULL, true, false, 0};
    check_both(j, "a 1 @1: c=1 s=1 mx=1\n"
                  "b 2 @2: c=2 s=3 mx=2\n"
                  "c 3 @3: c=2 s=5 mx=3\n"
                  "NULL 4 @4: c=2 s=7 mx=4\n");
}

TEST(huge_keys_and_strings) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "c", NULL},
        {SL_AGG_MIN, "s", "mn", NULL},
        {SL_AGG_MAX, "s", "mx", NULL},
        {SL_AGG_LAST_VALUE, "s", "l", NULL},
    };
    enum { KLEN = 100000, SLEN = 50000 };
    char *k1 = slmem_alloc(KLEN + 2), *k2 = slmem_alloc(KLEN + 2);
    char *s[4];
    memset(k1, 'x', KLEN);
    memcpy(k1 + KLEN, "1", 2);
    memset(k2, 'x', KLEN);
    memcpy(k2 + KLEN, "2", 2);
    for (int i = 0; i < 4; i++) {
        s[i] = slmem_alloc(SLEN + 2);
        memset(s[i], 'm', SLEN);
        s[i][SLEN] = (char)('a' + (i * 3) % 4); /* a d c b */
        s[i][SLEN + 1] = 0;
    }
    orow rows[] = {
        {k1, 1, 1, s[0]}, {k2, 2, 1, s[1]}, {k1, 3, 2, s[1]},
        {k1, 4, 3, s[2]}, {k2, 5, 3, NULL}, {k1, 6, 4, s[3]},
    };
    ojob j = {rows, SL_ARRAY_LEN(rows), 1, true, 1, aggs, 4, 0, NULL, false, true, 0};
    check_both(j,
               "<100001B:1> 1 <50001B:a> @1: c=1 mn=<50001B:a> mx=<50001B:a> l=<50001B:a>\n"
               "<100001B:2> 2 <50001B:d> @1: c=1 mn=<50001B:d> mx=<50001B:d> l=<50001B:d>\n"
               "<100001B:1> 3 <50001B:d> @2: c=2 mn=<50001B:a> mx=<50001B:d> l=<50001B:d>\n"
               "<100001B:1> 4 <50001B:c> @3: c=2 mn=<50001B:c> mx=<50001B:d> l=<50001B:c>\n"
               "<100001B:2> 5 NULL @3: c=2 mn=<50001B:d> mx=<50001B:d> l=<50001B:d>\n"
               "<100001B:1> 6 <50001B:b> @4: c=2 mn=<50001B:b> mx=<50001B:c> l=<50001B:b>\n");
    slmem_free(k1);
    slmem_free(k2);
    for (int i = 0; i < 4; i++) {
        slmem_free(s[i]);
    }
}

/* ---- random runs against a naive computation ---- */

typedef struct nrow {
    int key;
    int64_t v, ts;
    size_t arrival;
    size_t first; /* arrival of the first row of (key, ts) */
} nrow;

static int nrow_cmp(const void *a, const void *b) {
    const nrow *x = a, *y = b;
    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

/* The expected output at parallelism 1: rows by (ts, first arrival of their
 * (key, ts), arrival); each with COUNT(*), SUM, MIN, MAX, AVG of its frame
 * (in the same order restricted to its key). */
static void naive(const orow *rows, size_t n, bool rows_frame, int64_t prec, slbuf *out) {
    nrow *r = slmem_calloc(n ? n : 1, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        r[i] = (nrow){rows[i].k[1] - '0', rows[i].v, rows[i].ts_s, i, i};
        for (size_t j = 0; j < i; j++) {
            if (r[j].key == r[i].key && r[j].ts == r[i].ts) {
                r[i].first = r[j].first;
                break;
            }
        }
    }
    qsort(r, n, sizeof *r, nrow_cmp);
    for (size_t i = 0; i < n; i++) {
        int64_t c = 0, cv = 0, s = 0, mn = INT64_MAX, mx = INT64_MIN;
        size_t seen = 0;
        /* The key's rows in processing order: index of row i among them. */
        size_t pos = 0;
        for (size_t j = 0; j < i; j++) {
            pos += r[j].key == r[i].key;
        }
        for (size_t j = 0; j < n; j++) {
            if (r[j].key != r[i].key) {
                continue;
            }
            bool in;
            if (rows_frame) {
                in = seen <= pos && (prec < 0 || seen + (size_t)prec >= pos);
            } else {
                in = r[j].ts <= r[i].ts && (prec < 0 || r[j].ts >= r[i].ts - prec);
            }
            seen++;
            if (!in) {
                continue;
            }
            c++;
            if (r[j].v != NUL) {
                cv++;
                s += r[j].v;
                mn = SL_MIN(mn, r[j].v);
                mx = SL_MAX(mx, r[j].v);
            }
        }
        slbuf_printf(out, "k%d ", r[i].key);
        if (r[i].v == NUL) {
            slbuf_puts(out, "NULL");
        } else {
            slbuf_printf(out, "%lld", (long long)r[i].v);
        }
        slbuf_printf(out, " @%lld: c=%lld", (long long)r[i].ts, (long long)c);
        if (cv) {
            slbuf_printf(out, " s=%lld mn=%lld mx=%lld avg=%lld\n", (long long)s, (long long)mn,
                         (long long)mx, (long long)(s / cv)); /* BIGINT AVG truncates */
        } else {
            slbuf_puts(out, " s=NULL mn=NULL mx=NULL avg=NULL\n");
        }
    }
    slmem_free(r);
}

static int cmp_ts(const void *a, const void *b) {
    const orow *x = a, *y = b;
    return x->ts_s < y->ts_s ? -1 : x->ts_s > y->ts_s;
}

TEST(random_frames_equal_naive_in_and_out_of_order) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "c", NULL}, {SL_AGG_SUM, "v", "s", NULL},
        {SL_AGG_MIN, "v", "mn", NULL},   {SL_AGG_MAX, "v", "mx", NULL},
        {SL_AGG_AVG, "v", "avg", NULL},
    };
    enum { N = 1500 };
    static orow rows[N], sorted[N];
    static const char *keys[] = {"k0", "k1", "k2", "k3", "k4"};
    uint64_t x = 7;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        rows[i].k = keys[(x >> 33) % 5];
        rows[i].ts_s = i / 4 + (int64_t)((x >> 20) % 10); /* out of order by < 10 s */
        rows[i].v = (x >> 45) % 17 == 0 ? NUL : (int64_t)((x >> 40) % 100) - 50;
    }
    /* In event-time order (a stable sort keeps arrival order among equal
     * times): the same output. */
    memcpy(sorted, rows, sizeof rows);
    for (int i = 1; i < N; i++) { /* insertion sort: stable */
        orow t = sorted[i];
        int j = i - 1;
        while (j >= 0 && cmp_ts(&sorted[j], &t) > 0) {
            sorted[j + 1] = sorted[j];
            j--;
        }
        sorted[j + 1] = t;
    }
    static const struct {
        bool rows;
        int64_t prec;
    } frames[] = {{true, 3}, {false, 4}, {true, -1}, {false, -1}, {false, 0}};
    for (size_t f = 0; f < SL_ARRAY_LEN(frames); f++) {
        slbuf want = {0};
        naive(rows, N, frames[f].rows, frames[f].prec, &want);
        ojob j = {rows, N, 10, frames[f].rows, frames[f].prec, aggs, 5, 0, NULL, false, false, 0};
        check_both(j, slbuf_cstr(&want));
        j.rows = sorted;
        j.bound_s = 0;
        check_both(j, slbuf_cstr(&want));
        slbuf_free(&want);
    }
}

/* ---- the operator driven directly: state size, processing time ---- */

typedef struct harness {
    sl_schema *in;
    slover_arg *arg;
    slop *op;
    slopctx ctx;
    slopmetrics m;
    slstate *st;
    slclock clk;
    int64_t now;
    slbuf out;
    uint64_t n_out;
    int64_t last_c; /* COUNT(*) of the last output row (first aggregate) */
    slbatch *b;
} harness;

static void h_emit(slopctx *c, int port, slbatch *b) {
    harness *h = c->rt;
    for (uint32_t i = 0; i < b->n && port == 0; i++) {
        if (h->n_out < 64) {
            format_row(&h->out, b, i, 3);
        }
        h->n_out++;
        h->last_c = b->cols[3].v.i64[i];
    }
    slbatch_free(b);
}

static int64_t h_now(void *user) {
    return ((harness *)user)->now;
}

static void h_init(harness *h, bool rows, int64_t prec, bool proctime, const sl_agg *aggs,
                   int n) {
    memset(h, 0, sizeof *h);
    h->in = schema_of("k STRING, v BIGINT, ts TIMESTAMP");
    slkeyspec key = {1, {0}};
    CHECK(slover_arg_new(h->in, &key, rows, prec, proctime, aggs, n, &h->arg) == SL_OK);
    h->st = sltest_state_new(SL_KEY_GROUPS);
    h->clk.now = h_now;
    h->clk.user = h;
    h->ctx.emit = h_emit;
    h->ctx.rt = h;
    h->ctx.clock = &h->clk;
    h->ctx.batch_rows = 5;
    h->ctx.n_key_groups = SL_KEY_GROUPS;
    h->ctx.kg_hi = SL_KEY_GROUPS;
    h->ctx.parallelism = 1;
    h->ctx.n_inputs = 1;
    h->ctx.watermark = SL_TIME_MIN;
    h->ctx.state = h->st;
    h->ctx.metrics = &h->m;
    h->op = slover_new(h->arg, 0);
    h->op->ctx = &h->ctx;
    CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
    h->b = slbatch_new(h->in, 64);
}

static void h_free(harness *h) {
    h->op->vt->free(h->op);
    slstate_free(h->st);
    slover_arg_free(h->arg);
    slbatch_free(h->b);
    slschema_unref(h->in);
    slbuf_free(&h->out);
}

static void h_row(harness *h, const char *k, int64_t v, int64_t ts_us) {
    uint32_t i = slbatch_begin_row(h->b);
    slbatch_set_str(h->b, 0, i, k, strlen(k));
    slbatch_set_i64(h->b, 1, i, v);
    slbatch_set_i64(h->b, 2, i, ts_us);
    h->b->ts[i] = ts_us;
    h->b->n++;
}

static void h_send(harness *h) {
    if (h->b->n) {
        h->op->vt->batch_take(h->op, 0, h->b);
        sltest_unpin(h->st);
        h->b = slbatch_new(h->in, 64);
    }
}

static void h_wm(harness *h, int64_t w) {
    h_send(h);
    h->ctx.watermark = w;
    h->op->vt->watermark(h->op, w);
    sltest_unpin(h->st);
}

static uint64_t table_count(harness *h, const char *name, uint32_t vsize) {
    return slkv_count(slstate_table(h->st, name, vsize));
}

/* Entries of every table but the accumulators and bookkeeping. */
static uint64_t row_entries(harness *h) {
    return table_count(h, "over.rows", 0) + table_count(h, "over.buf", 0);
}

static const sl_agg C_S_MN[] = {
    {SL_AGG_COUNT, NULL, "c", NULL},
    {SL_AGG_SUM, "v", "s", NULL},
    {SL_AGG_MIN, "v", "mn", NULL},
};

TEST(range_state_stays_flat) {
    /* 100k rows, a row every 100 ms over 4 keys, RANGE 10 s: a frame holds
     * the rows of its key's last 10 s (26), plus what waits for the watermark
     * (1 s behind: 10 rows). A key that stops sending is cleaned up. */
    harness h;
    h_init(&h, false, 10 * SL_SECOND, false, C_S_MN, 3);
    h_row(&h, "quiet", 1, 0);
    uint64_t max_rows = 0, bytes_20k = 0, bytes_max = 0;
    enum { N = 100000 };
    for (int i = 1; i <= N; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i % 4);
        int64_t ts = (int64_t)i * 100 * SL_MILLISECOND;
        h_row(&h, k, i % 1000, ts);
        if (h.b->n == 50) {
            h_wm(&h, ts - SL_SECOND);
            max_rows = SL_MAX(max_rows, row_entries(&h));
            uint64_t bytes = slstate_bytes(h.st);
            if (bytes_20k == 0 && i >= 20000) {
                bytes_20k = bytes;
            } else if (bytes_20k) {
                bytes_max = SL_MAX(bytes_max, bytes);
            }
        }
    }
    h_wm(&h, (int64_t)N * 100 * SL_MILLISECOND);
    CHECK_INT(h.n_out, N + 1);
    CHECK_INT(h.last_c, 26); /* one key: a row every 400 ms in [t - 10 s, t] */
    CHECK(max_rows <= 4 * 26 + 10);
    CHECK(bytes_20k > 0);
#ifndef SL_TEST_ROCKSDB
    /* (RocksDB's size estimate counts SST data until compaction drops what
     * was deleted; the entry counts below show the state stays flat there.) */
    CHECK(bytes_max <= bytes_20k + bytes_20k / 2);
#endif
    /* After the watermark passed everything: 4 keys keep their last 10 s;
     * the quiet key has no state left. */
    CHECK_INT(table_count(&h, "over.rows", 0), 4 * 26);
    CHECK_INT(table_count(&h, "over.buf", 0), 0);
    CHECK_INT(table_count(&h, "over.bufn", 8), 0);
    CHECK_INT(table_count(&h, "over.meta", 32), 4);
    CHECK_INT(table_count(&h, "over.str", 0), 0);
    /* Ten seconds later every key's frame has emptied. */
    h_wm(&h, (int64_t)N * 100 * SL_MILLISECOND + 11 * SL_SECOND);
    CHECK_INT(table_count(&h, "over.rows", 0), 0);
    CHECK_INT(table_count(&h, "over.meta", 32), 0);
    CHECK_INT(table_count(&h, "over.distinct", 0), 0);
    h_wm(&h, SL_TIME_MAX);
    h.op->vt->end(h.op);
    CHECK_INT(h.m.rows_late, 0);
    h_free(&h);
}

TEST(rows_state_keeps_last_n) {
    harness h;
    h_init(&h, true, 5, false, C_S_MN, 3);
    for (int i = 0; i < 20000; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i % 7);
        h_row(&h, k, i, (int64_t)i * SL_SECOND);
        if (h.b->n == 40) {
            h_wm(&h, (int64_t)i * SL_SECOND - 1);
            CHECK(row_entries(&h) <= 7 * 5 + 40);
        }
    }
    h_wm(&h, SL_TIME_MAX);
    CHECK_INT(h.n_out, 20000);
    CHECK_INT(h.last_c, 6);
    CHECK_INT(table_count(&h, "over.rows", 0), 7 * 5);
    CHECK_INT(table_count(&h, "over.buf", 0), 0);
    h_free(&h);
}

TEST(many_peers_of_one_time) {
    /* 300 rows of one key at one time (more than a batch): RANGE peers all
     * see each other; ROWS 2 sees the two rows before in arrival order. */
    for (int rows = 0; rows < 2; rows++) {
        harness h;
        h_init(&h, rows, rows ? 2 : 0, false, C_S_MN, 3);
        for (int i = 0; i < 300; i++) {
            h_row(&h, "a", i, SL_SECOND);
            if (h.b->n == 64) {
                h_send(&h);
            }
        }
        h_wm(&h, SL_SECOND);
        CHECK_INT(h.n_out, 300);
        CHECK_INT(h.last_c, rows ? 3 : 300);
        CHECK_CONTAINS(slbuf_cstr(&h.out), rows ? "a 2 @1: c=3 s=3 mn=0\na 3 @1: c=3 s=6 mn=1\n"
                                                : "a 0 @1: c=300 s=44850 mn=0\n");
        h_wm(&h, SL_TIME_MAX);
        h_free(&h);
    }
}

TEST(processing_time) {
    /* RANGE 2 s on the job's clock: rows are processed when they arrive,
     * rows of one batch are peers; event times pass through untouched and
     * nothing is late. */
    harness h;
    h_init(&h, false, 2 * SL_SECOND, true, C_S_MN, 3);
    h.now = 10 * SL_SECOND;
    h_row(&h, "a", 1, 100 * SL_SECOND);
    h_row(&h, "a", 2, 5 * SL_SECOND);
    h_row(&h, "b", 7, 5 * SL_SECOND);
    h_send(&h);
    h.now = 11 * SL_SECOND;
    h_row(&h, "a", 3, 1 * SL_SECOND);
    h_send(&h);
    h.now = 13 * SL_SECOND;
    CHECK_INT(h.op->vt->tick(h.op, h.now), 13 * SL_SECOND + 1); /* a's cleanup */
    h_row(&h, "a", 4, 2 * SL_SECOND);
    h_send(&h);
    CHECK_STR(slbuf_cstr(&h.out), "a 1 @100: c=2 s=3 mn=1\n"
                                  "a 2 @5: c=2 s=3 mn=1\n"
                                  "b 7 @5: c=1 s=7 mn=7\n"
                                  "a 3 @1: c=3 s=6 mn=1\n"
                                  "a 4 @2: c=2 s=7 mn=3\n");
    /* The clock passing 13 s + 2 s empties a's frame (b's went at 13 s). */
    CHECK_INT(table_count(&h, "over.meta", 32), 1);
    h.now = 20 * SL_SECOND;
    h.op->vt->tick(h.op, h.now);
    CHECK_INT(table_count(&h, "over.meta", 32), 0);
    CHECK_INT(table_count(&h, "over.rows", 0), 0);
    h_row(&h, "a", 5, 0);
    h_send(&h);
    h_wm(&h, SL_TIME_MAX);
    CHECK_CONTAINS(slbuf_cstr(&h.out), "a 5 @0: c=1 s=5 mn=5\n");
    CHECK_INT(h.m.rows_late, 0);
    h_free(&h);
    /* ROWS 1 on processing time: order of arrival. */
    h_init(&h, true, 1, true, C_S_MN, 3);
    h.now = 5;
    h_row(&h, "a", 1, 30);
    h_row(&h, "a", 2, 10);
    h_send(&h);
    h.now = 4; /* a clock going back is held at its highest reading */
    h_row(&h, "a", 3, 20);
    h_send(&h);
    h_wm(&h, SL_TIME_MAX);
    CHECK_STR(slbuf_cstr(&h.out), "a 1 @0: c=1 s=1 mn=1\n"
                                  "a 2 @0: c=2 s=3 mn=1\n"
                                  "a 3 @0: c=2 s=5 mn=2\n");
    h_free(&h);
}

TEST(argument_errors) {
    sl_schema *in = schema_of("k STRING, v BIGINT, ts TIMESTAMP");
    slkeyspec key = {1, {0}};
    slover_arg *a = NULL;
    sl_agg bad_col[] = {{SL_AGG_SUM, "nope", "s", NULL}};
    CHECK_INT(slover_arg_new(in, &key, true, 2, false, bad_col, 1, &a), SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "nope");
    sl_agg bad_type[] = {{SL_AGG_SUM, "k", "s", NULL}};
    CHECK_INT(slover_arg_new(in, &key, true, 2, false, bad_type, 1, &a), SL_ERR_TYPE);
    CHECK_INT(slover_arg_new(in, &key, true, -2, false, CSM, 3, &a), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "PRECEDING");
    sl_agg dup[] = {{SL_AGG_COUNT, NULL, "v", NULL}};
    CHECK_INT(slover_arg_new(in, &key, true, 2, false, dup, 1, &a), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "duplicate column name 'v'");
    slkeyspec bad_key = {1, {7}};
    CHECK_INT(slover_arg_new(in, &bad_key, true, 2, false, CSM, 3, &a), SL_ERR_NOTFOUND);
    CHECK(a == NULL);
    /* Default names as the window operator makes them. */
    sl_agg unnamed[] = {{SL_AGG_SUM, "v", NULL, NULL}, {SL_AGG_COUNT, NULL, NULL, NULL}};
    CHECK_INT(slover_arg_new(in, &key, false, -1, false, unnamed, 2, &a), SL_OK);
    slbuf d = {0};
    slschema_describe(a->out, &d);
    CHECK_STR(slbuf_cstr(&d), "k STRING, v BIGINT, ts TIMESTAMP, sum_v BIGINT, count BIGINT");
    slbuf_free(&d);
    slover_arg_free(a);
    slover_arg_free(NULL);
    sl_schema_free(in);
}

/* ---- checkpoints (opcut.h): snapshot, restore on a new instance, rescale ---- */

#include "opcut.h"
#include "ops/agg.h"

static const char *CK_SCHEMA = "k STRING, v BIGINT, ts TIMESTAMP, s STRING";

static void over_cuts(bool rows, int64_t prec, bool proctime, const sl_agg *aggs, int n,
                      const char *const *script, int n_script) {
    sl_schema *in = schema_of(CK_SCHEMA);
    slkeyspec key = {1, {0}};
    slover_arg *a;
    CHECK(slover_arg_new(in, &key, rows, prec, proctime, aggs, n, &a) == SL_OK);
    /* win.acc holds the incrementally kept aggregates (over.c) */
    sl_agg inc[16];
    int n_inc = 0;
    for (int i = 0; i < n; i++) {
        if (prec < 0 || slagg_can_retract(aggs[i].kind, aggs[i].udaf)) {
            inc[n_inc++] = aggs[i];
        }
    }
    slaggs g;
    CHECK(slaggs_init(&g, in, inc, n_inc) == SL_OK);
    const sltest_table tabs[] = {
        {"over.bufn", 8},        {"over.buf", 0}, {"over.rows", 0},
        {"over.meta", 32},       {"over.acc", g.rec_size}, {"over.str", 0},
        {"over.distinct", 0},    {"over.timers", SLTIMERS_STATE_VAL},
    };
    opcut oc = {CK_SCHEMA, key, slover_new, a, a->out, tabs, (int)SL_ARRAY_LEN(tabs), 0, false};
    opcut_check(&oc, script, n_script, NULL);
    slaggs_free(&g);
    slover_arg_free(a);
    slschema_unref(in);
}

static const char *const OVER_SCRIPT[] = {
    "+I a 1 1 x @1",  "+I b 10 2 y @2", "+I a 3 4 z @4", "|",
    "+I a 2 3 w @3",  "+I c 7 3 u @3",  "|",            "wm 4",
    "+I a 9 3 late @3", "+I a 5 6 p @6", "+I b 20 7 q @7", "|",
    "+I d 1 5 r @5",  "|",              "wm 7",         "+I a 4 8 s @8",
    "+I a 6 8 t @8",  "+I c 8 20 v @20", "|",           "wm 9",
    "+I b 30 25 o @25", "|",            "wm 21",        "+I d 2 40 n @40",
    "|",              "wm 30",
};

TEST(checkpoint_over_rows_range_unbounded) {
    static const sl_agg aggs[] = {
        {SL_AGG_SUM, "v", "sm", NULL},          {SL_AGG_COUNT, NULL, "c", NULL},
        {SL_AGG_MIN, "v", "mn", NULL},         {SL_AGG_MAX, "s", "mx", NULL},
        {SL_AGG_FIRST_VALUE, "s", "f", NULL},  {SL_AGG_LAST_VALUE, "s", "l", NULL},
        {SL_AGG_COUNT_DISTINCT, "v", "d", NULL},
    };
    int n = (int)SL_ARRAY_LEN(aggs), ns = (int)SL_ARRAY_LEN(OVER_SCRIPT);
    over_cuts(true, 2, false, aggs, n, OVER_SCRIPT, ns);
    over_cuts(false, 3 * SL_SECOND, false, aggs, n, OVER_SCRIPT, ns);
    over_cuts(true, -1, false, aggs, n, OVER_SCRIPT, ns);
    over_cuts(false, -1, false, aggs, n, OVER_SCRIPT, ns);
}

TEST(checkpoint_over_proctime_cleanup_timers) {
    static const sl_agg aggs[] = {
        {SL_AGG_SUM, "v", "sm", NULL},
        {SL_AGG_MAX, "v", "mx", NULL},
    };
    static const char *const script[] = {
        "tick 0",    "+I a 1 0 x @1", "+I b 2 0 x @2", "|",          "tick 500",
        "+I a 3 0 x @3", "|",         "tick 1200",     "+I c 4 0 x @4", "+I a 5 0 x @5",
        "|",         "tick 2600",     "+I b 6 0 x @6", "|",          "tick 5000",
        "+I a 7 0 x @7", "|",         "tick 9000",
    };
    over_cuts(false, 1 * SL_SECOND, true, aggs, 2, script, (int)SL_ARRAY_LEN(script));
    over_cuts(true, 1, true, aggs, 2, script, (int)SL_ARRAY_LEN(script));
}
