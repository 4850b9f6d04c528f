/*
 * test_calc.c - the SQL projection/filter operator (src/ops/calc.c): driven
 * directly through its slop_vt with a hand-made slopctx (emitted batches are
 * kept and printed at the end, after their inputs were freed), and through a
 * real job (generator source -> calc -> foreach sink).
 */
#include <pthread.h>

#include "ops/calc.h"
#include "runtime/job.h"
#include "test.h"

typedef struct harness {
    sl_schema *in;
    slcalc_arg *arg;
    slop *op;
    slopctx ctx;
    slopmetrics m;
    int64_t now;
    slclock clk;
    slbatch *kept[32]; /* emitted batches, printed later */
    int n_kept;
    int emits;
} harness;

static void h_emit(slopctx *c, int port, slbatch *b) {
    harness *h = c->rt;
    CHECK_INT(port, 0);
    h->emits++;
    if (h->n_kept < 32) {
        h->kept[h->n_kept++] = b;
    } else {
        slbatch_free(b);
    }
}

static int64_t h_now(void *user) {
    return ((harness *)user)->now;
}

static void h_init(harness *h, const char *in_schema) {
    memset(h, 0, sizeof *h);
    h->in = schema_of(in_schema);
    h->clk.now = h_now;
    h->clk.user = h;
    h->ctx.emit = h_emit;
    h->ctx.rt = h;
    h->ctx.clock = &h->clk;
    h->ctx.batch_rows = 4;
    h->ctx.metrics = &h->m;
    h->ctx.parallelism = 1;
    h->ctx.n_inputs = 1;
}

static void h_start(harness *h) {
    h->op = slcalc_new(h->arg, 0);
    h->op->ctx = &h->ctx;
    CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
}

/* All emitted rows as lines "kind @ts: v1, v2, ...". */
static const char *h_text(harness *h, slbuf *o) {
    slbuf_reset(o);
    for (int k = 0; k < h->n_kept; k++) {
        const slbatch *b = h->kept[k];
        for (uint32_t i = 0; i < b->n; i++) {
            slbuf_printf(o, "%s @%lld:", slfmt_kind((sl_rowkind)b->kind[i]), (long long)b->ts[i]);
            for (int c = 0; c < b->schema->n; c++) {
                slbuf_putc(o, ' ');
                slfmt_json_value(o, b, c, i);
            }
            slbuf_putc(o, '\n');
        }
    }
    return slbuf_cstr(o);
}

static void h_free(harness *h) {
    if (h->op) {
        h->op->vt->free(h->op);
    }
    for (int k = 0; k < h->n_kept; k++) {
        slbatch_free(h->kept[k]);
    }
    slcalc_arg_free(h->arg);
    slschema_unref(h->in);
}

/* A batch of (k STRING, v BIGINT) rows: keys "k<i>" (NULL where i % 4 == 3),
 * values i * 10 (NULL where i % 5 == 4); ts = 1000 + i, kinds cycle. */
static slbatch *make_batch(const sl_schema *s, int first, int n) {
    slbatch *b = slbatch_new(s, (uint32_t)n);
    for (int i = first; i < first + n; i++) {
        uint32_t r = slbatch_begin_row(b);
        char key[16];
        int kl = snprintf(key, sizeof key, "k%d", i);
        if (i % 4 != 3) {
            slbatch_set_str(b, 0, r, key, (size_t)kl);
        }
        if (i % 5 != 4) {
            slbatch_set_i64(b, 1, r, (int64_t)i * 10);
        }
        b->ts[r] = 1000 + i;
        b->kind[r] = (uint8_t)(i % 4);
        b->n++;
    }
    return b;
}

static slexpr *col(const sl_schema *s, const char *name) {
    int c = sl_schema_find(s, name);
    return slexpr_column(c, s->fields[c].type);
}

static slexpr *fn2(const char *name, slexpr *a, slexpr *b) {
    slexpr *e = NULL;
    CHECK(slexpr_func(name, (slexpr *[]){a, b}, 2, &e) == SL_OK);
    return e;
}

static slexpr *fn1(const char *name, slexpr *a) {
    slexpr *e = NULL;
    CHECK(slexpr_func(name, (slexpr *[]){a}, 1, &e) == SL_OK);
    return e;
}

TEST(project_and_filter) {
    harness h;
    h_init(&h, "k STRING, v BIGINT");
    sl_schema *out = schema_of("key STRING, v2 BIGINT, big BOOLEAN");
    /* WHERE v >= 20 OR k IS NULL;  SELECT UPPER(k), v * 2, v > 40 */
    slexpr *where =
        fn2("OR", fn2(">=", col(h.in, "v"), slexpr_bigint(20)), fn1("IS NULL", col(h.in, "k")));
    slexpr *proj[] = {fn1("UPPER", col(h.in, "k")), fn2("*", col(h.in, "v"), slexpr_bigint(2)),
                      fn2(">", col(h.in, "v"), slexpr_bigint(40))};
    CHECK(slcalc_arg_new(h.in, out, where, proj, 3, &h.arg) == SL_OK);
    h_start(&h);
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 0, 6));
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 6, 4));
    slbuf t = {0};
    CHECK_STR(h_text(&h, &t), "+U @1002: \"K2\" 40 false\n"
                              "-D @1003: null 60 false\n"
                              "-U @1005: \"K5\" 100 true\n"
                              "+U @1006: \"K6\" 120 true\n"
                              "-D @1007: null 140 true\n"
                              "+I @1008: \"K8\" 160 true\n");
    CHECK_INT(h.m.rows_in, 10);
    CHECK_INT(h.m.rows_out, 6); /* v NULL: NULL OR FALSE drops rows 4 and 9 */
    CHECK_INT(h.emits, 2);
    slbuf_free(&t);
    slschema_unref(out);
    h_free(&h);
}

TEST(strings_survive_the_input_batch) {
    harness h;
    h_init(&h, "k STRING, v BIGINT");
    sl_schema *out = schema_of("k STRING, kk STRING");
    slexpr *proj[] = {col(h.in, "k"), fn2("||", col(h.in, "k"), col(h.in, "k"))};
    CHECK(slcalc_arg_new(h.in, out, NULL, proj, 2, &h.arg) == SL_OK);
    h_start(&h);
    for (int i = 0; i < 3; i++) {
        /* Each input batch is freed inside batch_take; the outputs are read
         * only at the end (ASan would see a use after free). */
        h.op->vt->batch_take(h.op, 0, make_batch(h.in, i * 3, 3));
    }
    slbuf t = {0};
    CHECK_STR(h_text(&h, &t), "+I @1000: \"k0\" \"k0k0\"\n"
                              "-U @1001: \"k1\" \"k1k1\"\n"
                              "+U @1002: \"k2\" \"k2k2\"\n"
                              "-D @1003: null null\n"
                              "+I @1004: \"k4\" \"k4k4\"\n"
                              "-U @1005: \"k5\" \"k5k5\"\n"
                              "+U @1006: \"k6\" \"k6k6\"\n"
                              "-D @1007: null null\n"
                              "+I @1008: \"k8\" \"k8k8\"\n");
    slbuf_free(&t);
    slschema_unref(out);
    h_free(&h);
}

/* Bare column references pass through without copying strings: a column
 * used twice (copied, then moved), columns reordered, an expression reading
 * a column that a later reference moves, after a filter (v NULL and v = 20 dropped), and the outputs read
 * after every input batch was freed. */
TEST(passthrough_columns_reordered_and_repeated) {
    harness h;
    h_init(&h, "k STRING, v BIGINT");
    sl_schema *out = schema_of("v BIGINT, k STRING, k2 STRING, up STRING, v2 BIGINT");
    slexpr *proj[] = {col(h.in, "v"), col(h.in, "k"), col(h.in, "k"), fn1("UPPER", col(h.in, "k")),
                      col(h.in, "v")};
    CHECK(slcalc_arg_new(h.in, out, fn2("<>", col(h.in, "v"), slexpr_bigint(20)), proj, 5,
                         &h.arg) == SL_OK);
    CHECK_INT(h.arg->src_col[0], 1);
    CHECK_INT(h.arg->src_col[3], -1);
    CHECK(!h.arg->last_use[0] && h.arg->last_use[4]);
    CHECK(!h.arg->last_use[1] && h.arg->last_use[2] && !h.arg->last_use[3]);
    h_start(&h);
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 0, 4));
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 4, 4));
    slbuf t = {0};
    CHECK_STR(h_text(&h, &t), "+I @1000: 0 \"k0\" \"k0\" \"K0\" 0\n"
                              "-U @1001: 10 \"k1\" \"k1\" \"K1\" 10\n"
                              "-D @1003: 30 null null null 30\n"
                              "-U @1005: 50 \"k5\" \"k5\" \"K5\" 50\n"
                              "+U @1006: 60 \"k6\" \"k6\" \"K6\" 60\n"
                              "-D @1007: 70 null null null 70\n");
    slbuf_free(&t);
    slschema_unref(out);
    h_free(&h);
}

TEST(filter_only_forwards_the_batch) {
    harness h;
    h_init(&h, "k STRING, v BIGINT");
    slexpr *where = fn1("NOT", fn2("LIKE", col(h.in, "k"), slexpr_string("%1%", 3)));
    CHECK(slcalc_arg_new(h.in, NULL, where, NULL, 0, &h.arg) == SL_OK);
    CHECK(h.arg->out == h.arg->in);
    h_start(&h);
    slbatch *b = make_batch(h.in, 8, 6); /* k8 k9 k10 NULL k12 k13 */
    h.op->vt->batch_take(h.op, 0, b);
    CHECK_INT(h.n_kept, 1);
    CHECK(h.n_kept == 1 && h.kept[0] == b); /* the same batch, compacted */
    slbuf t = {0};
    CHECK_STR(h_text(&h, &t), "+I @1008: \"k8\" 80\n"
                              "-U @1009: \"k9\" null\n");
    slbuf_free(&t);
    h_free(&h);
}

TEST(nothing_kept_and_empty_batches) {
    harness h;
    h_init(&h, "k STRING, v BIGINT");
    sl_schema *out = schema_of("v BIGINT");
    slexpr *proj[] = {col(h.in, "v")};
    CHECK(slcalc_arg_new(h.in, out, fn2("<", col(h.in, "v"), slexpr_bigint(0)), proj, 1, &h.arg) ==
          SL_OK);
    h_start(&h);
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 0, 5));
    h.op->vt->batch_take(h.op, 0, slbatch_new(h.in, 4));
    CHECK_INT(h.emits, 0);
    CHECK_INT(h.m.rows_in, 5);
    CHECK_INT(h.m.rows_out, 0);
    slschema_unref(out);
    h_free(&h);
}

TEST(projection_without_where_and_constants) {
    harness h;
    h_init(&h, "k STRING, v BIGINT");
    sl_schema *out = schema_of("c STRING, n TIMESTAMP, d DOUBLE");
    slexpr *proj[] = {slexpr_string("const", 5), NULL, fn2("/", col(h.in, "v"), slexpr_double(4))};
    CHECK(slexpr_func("CURRENT_TIMESTAMP", NULL, 0, &proj[1]) == SL_OK);
    CHECK(slcalc_arg_new(h.in, out, NULL, proj, 3, &h.arg) == SL_OK);
    h_start(&h);
    h.now = 1704067200 * SL_SECOND; /* 2024-01-01 */
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 3, 2));
    h.now += SL_SECOND;
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 5, 1));
    slbuf t = {0};
    CHECK_STR(h_text(&h, &t), "-D @1003: \"const\" \"2024-01-01 00:00:00\" 7.5\n"
                              "+I @1004: \"const\" \"2024-01-01 00:00:00\" null\n"
                              "-U @1005: \"const\" \"2024-01-01 00:00:01\" 12.5\n");
    slbuf_free(&t);
    slschema_unref(out);
    h_free(&h);
}

TEST(argument_errors) {
    sl_schema *in = schema_of("k STRING, v BIGINT");
    sl_schema *out = schema_of("x BIGINT");
    slcalc_arg *a = NULL;
    /* Every failure frees the expressions it was given (ASan checks). */
    slexpr *p1[] = {slexpr_column(0, SL_STRING)};
    CHECK_INT(slcalc_arg_new(in, out, NULL, p1, 1, &a), SL_ERR_TYPE);
    CHECK_STR(sl_errmsg(), "column 'x' is BIGINT, its expression k is STRING");
    slexpr *p2[] = {slexpr_column(1, SL_BIGINT)};
    CHECK_INT(slcalc_arg_new(in, out, slexpr_column(1, SL_BIGINT), p2, 1, &a), SL_ERR_TYPE);
    CHECK_STR(sl_errmsg(), "WHERE condition must be BOOLEAN, got BIGINT: v");
    slexpr *p3[] = {slexpr_column(7, SL_BIGINT)};
    CHECK_INT(slcalc_arg_new(in, out, NULL, p3, 1, &a), SL_ERR_TYPE);
    CHECK_STR(sl_errmsg(), "column $7 does not exist (the input has 2 columns)");
    slexpr *p4[] = {slexpr_column(0, SL_BIGINT)};
    CHECK_INT(slcalc_arg_new(in, out, NULL, p4, 1, &a), SL_ERR_TYPE);
    CHECK_STR(sl_errmsg(), "column 'k' is STRING, the expression reads it as BIGINT");
    slexpr *p5[] = {slexpr_bigint(1), slexpr_bigint(2)};
    CHECK_INT(slcalc_arg_new(in, out, NULL, p5, 2, &a), SL_ERR_ARG);
    CHECK_INT(slcalc_arg_new(in, out, NULL, NULL, 0, &a), SL_ERR_ARG);
    CHECK(a == NULL);
    slschema_unref(in);
    slschema_unref(out);
}

/* ---- through a job ---- */

typedef struct collector {
    pthread_mutex_t lock;
    slbuf text;
} collector;

static void collect(const sl_row *r, void *user) {
    collector *c = user;
    pthread_mutex_lock(&c->lock);
    slfmt_json_row(&c->text, r->b, r->i, true);
    slbuf_putc(&c->text, '\n');
    pthread_mutex_unlock(&c->lock);
}

static sl_gen_status gen(uint64_t i, sl_out *o, void *user) {
    SL_UNUSED(user);
    if (i >= 12) {
        return SL_GEN_END;
    }
    char name[16];
    int n = snprintf(name, sizeof name, "user%llu", (unsigned long long)(i % 3));
    sl_out_string(o, 0, name, (size_t)n);
    if (i % 4 != 1) {
        sl_out_double(o, 1, (double)i * 1.5);
    }
    sl_out_timestamp(o, 2, 1704067200 * SL_SECOND + (int64_t)i * SL_MINUTE);
    sl_out_time(o, (int64_t)i);
    sl_out_emit(o);
    return SL_GEN_MORE;
}

TEST(calc_in_a_job) {
    sl_schema *in = schema_of("name STRING, amount DOUBLE, ts TIMESTAMP");
    sl_schema *out = schema_of("who STRING, cents BIGINT, minute BIGINT");
    /* SELECT CONCAT(name, '!'), CAST(amount * 100 AS BIGINT), EXTRACT(MINUTE FROM ts)
     * WHERE amount > 3 AND name <> 'user2' */
    slexpr *where = fn2("AND", fn2(">", col(in, "amount"), slexpr_bigint(3)),
                        fn2("<>", col(in, "name"), slexpr_string("user2", 5)));
    slexpr *cents = NULL;
    CHECK(slexpr_cast(fn2("*", col(in, "amount"), slexpr_bigint(100)), SL_BIGINT, false, &cents) ==
          SL_OK);
    slexpr *proj[] = {fn2("CONCAT", col(in, "name"), slexpr_string("!", 1)), cents,
                      fn2("EXTRACT", slexpr_string("MINUTE", 6), col(in, "ts"))};
    slcalc_arg *arg = NULL;
    CHECK(slcalc_arg_new(in, out, where, proj, 3, &arg) == SL_OK);
    sl_job *job;
    sl_job_new(&job);
    CHECK(sl_job_set(job, "batch.rows", "5") == SL_OK);
    sl_stream *src, *calc;
    CHECK(sl_job_source_gen(job, in, gen, NULL, &src) == SL_OK);
    calc = sljob_add_op(job, "calc", slcalc_new, arg, slcalc_arg_free, src, out, true);
    collector c = {.lock = PTHREAD_MUTEX_INITIALIZER};
    CHECK(sl_stream_foreach(calc, collect, &c) == SL_OK);
    CHECK_INT(sl_job_run(job), SL_OK);
    CHECK_STR(slbuf_cstr(&c.text),
              "{\"op\":\"+I\",\"who\":\"user0!\",\"cents\":450,\"minute\":3}\n"
              "{\"op\":\"+I\",\"who\":\"user1!\",\"cents\":600,\"minute\":4}\n"
              "{\"op\":\"+I\",\"who\":\"user0!\",\"cents\":900,\"minute\":6}\n"
              "{\"op\":\"+I\",\"who\":\"user1!\",\"cents\":1050,\"minute\":7}\n"
              "{\"op\":\"+I\",\"who\":\"user1!\",\"cents\":1500,\"minute\":10}\n");
    sl_metrics m;
    sl_job_metrics(job, &m);
    CHECK_INT(m.rows_in, 12);
    CHECK_INT(m.rows_out, 5);
    sl_job_free(job);
    slbuf_free(&c.text);
    slschema_unref(in);
    slschema_unref(out);
}

/* ---- common subexpressions (slexpr_share through the calc) ---- */

TEST(shared_subexpression_used_by_filter_and_projection) {
    harness h;
    h_init(&h, "k STRING, v BIGINT");
    sl_schema *out = schema_of("u STRING, c STRING, n BIGINT");
    /* WHERE UPPER(k) LIKE 'K1%' OR v / (v - 50) > 0 OR v - 50 = 0
     * SELECT UPPER(k), CASE WHEN UPPER(k) = 'K12' THEN 'twelve'
     *                       WHEN v - 50 = 0 THEN 'zero'
     *                       ELSE UPPER(k) || '/' END,
     *        v / (v - 50)   -- NULL when v = 50 (division by zero) */
    slexpr *where =
        fn2("OR",
            fn2("OR", fn2("LIKE", fn1("UPPER", col(h.in, "k")), slexpr_string("K1%", 3)),
                fn2(">", fn2("/", col(h.in, "v"), fn2("-", col(h.in, "v"), slexpr_bigint(50))),
                    slexpr_bigint(0))),
            fn2("=", fn2("-", col(h.in, "v"), slexpr_bigint(50)), slexpr_bigint(0)));
    slexpr *cs = NULL;
    CHECK(slexpr_func(
              "CASE",
              (slexpr *[]){fn2("=", fn1("UPPER", col(h.in, "k")), slexpr_string("K12", 3)),
                           slexpr_string("twelve", 6),
                           fn2("=", fn2("-", col(h.in, "v"), slexpr_bigint(50)), slexpr_bigint(0)),
                           slexpr_string("zero", 4),
                           fn2("||", fn1("UPPER", col(h.in, "k")), slexpr_string("/", 1))},
              5, &cs) == SL_OK);
    slexpr *proj[] = {fn1("UPPER", col(h.in, "k")), cs,
                      fn2("/", col(h.in, "v"), fn2("-", col(h.in, "v"), slexpr_bigint(50)))};
    CHECK(slcalc_arg_new(h.in, out, where, proj, 3, &h.arg) == SL_OK);
    /* UPPER(k), v - 50, v / (v - 50) and v - 50 = 0 */
    CHECK_INT(h.arg->n_shared, 4);
    h_start(&h);
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 0, 7));
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 7, 7));
    h.op->vt->batch_take(h.op, 0, make_batch(h.in, 14, 0));
    slbuf t = {0};
    /* Rows 0-13: v = 10 i (NULL at 4, 9), k NULL at 3, 7, 11. */
    CHECK_STR(h_text(&h, &t), "-U @1001: \"K1\" \"K1/\" 0\n"
                              "-U @1005: \"K5\" \"zero\" null\n"
                              "+U @1006: \"K6\" \"K6/\" 6\n"
                              "-D @1007: null null 3\n"
                              "+I @1008: \"K8\" \"K8/\" 2\n"
                              "+U @1010: \"K10\" \"K10/\" 2\n"
                              "-D @1011: null null 1\n"
                              "+I @1012: \"K12\" \"twelve\" 1\n"
                              "-U @1013: \"K13\" \"K13/\" 1\n");
    slbuf_free(&t);
    slschema_unref(out);
    h_free(&h);
}

TEST(shared_values_match_an_unshared_run) {
    /* The same calc run with sharing and with every mark cleared (copies are
     * unmarked): identical output, for batches with and without NULLs and
     * a batch that the filter empties. */
    const char *outs[2] = {0};
    slbuf t[2] = {{0}, {0}};
    for (int run = 0; run < 2; run++) {
        harness h;
        h_init(&h, "k STRING, v BIGINT");
        sl_schema *out = schema_of("a BIGINT, b BIGINT, c STRING");
        slexpr *sum = fn2("+", col(h.in, "v"), fn1("CHAR_LENGTH", col(h.in, "k")));
        slexpr *where =
            fn2("OR", fn1("IS NULL", slexpr_copy(sum)),
                fn2("<>", fn2("%", slexpr_copy(sum), slexpr_bigint(3)), slexpr_bigint(1)));
        slexpr *proj[] = {slexpr_copy(sum), fn2("*", slexpr_copy(sum), slexpr_copy(sum)),
                          fn1("LOWER", fn1("UPPER", col(h.in, "k")))};
        slexpr_free(sum);
        CHECK(slcalc_arg_new(h.in, out, where, proj, 3, &h.arg) == SL_OK);
        if (run == 1) {
            slexpr *all[] = {h.arg->where, h.arg->proj[0], h.arg->proj[1], h.arg->proj[2]};
            CHECK_INT(slexpr_share(all, 0), 0); /* nothing to clear with */
            slcalc_arg *a = h.arg;
            slexpr *w2 = slexpr_copy(a->where);
            slexpr_free(a->where);
            a->where = w2;
            for (int i = 0; i < 3; i++) {
                slexpr *p = slexpr_copy(a->proj[i]);
                slexpr_free(a->proj[i]);
                a->proj[i] = p;
            }
        } else {
            CHECK_INT(h.arg->n_shared, 1); /* v + CHAR_LENGTH(k) */
        }
        h_start(&h);
        h.op->vt->batch_take(h.op, 0, make_batch(h.in, 0, 9));
        h.op->vt->batch_take(h.op, 0, make_batch(h.in, 20, 1));
        h.op->vt->batch_take(h.op, 0, make_batch(h.in, 30, 11));
        outs[run] = h_text(&h, &t[run]);
        h_free(&h);
        slschema_unref(out);
    }
    CHECK_STR(outs[0], outs[1]);
    CHECK_STR(outs[0], "+I @1000: 2 4 \"k0\"\n"
                       "-U @1001: 12 144 \"k1\"\n"
                       "-D @1003: null null null\n"
                       "+I @1004: null null \"k4\"\n"
                       "+U @1006: 62 3844 \"k6\"\n"
                       "-D @1007: null null null\n"
                       "+I @1020: 203 41209 \"k20\"\n"
                       "+U @1030: 303 91809 \"k30\"\n"
                       "-D @1031: null null null\n"
                       "+I @1032: 323 104329 \"k32\"\n"
                       "-U @1033: 333 110889 \"k33\"\n"
                       "+U @1034: null null \"k34\"\n"
                       "-D @1035: null null null\n"
                       "+I @1036: 363 131769 \"k36\"\n"
                       "+U @1038: 383 146689 \"k38\"\n"
                       "-D @1039: null null null\n");
    slbuf_free(&t[0]);
    slbuf_free(&t[1]);
}
