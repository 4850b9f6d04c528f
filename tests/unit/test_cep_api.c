/*
 * test_cep_api.c - the public pattern API (sl_pattern_*, sl_stream_pattern,
 * sl_match_*) in whole jobs: generator -> watermark -> key_by -> pattern ->
 * collector, on the memory and RocksDB backends.
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "sluice.h"
#include "test.h"

typedef struct tick {
    const char *sym, *tag;
    double price;
    int64_t sec;
} tick;

typedef struct gen {
    const tick *t;
    size_t n;
} gen;

static sl_gen_status gen_next(uint64_t i, sl_out *o, void *user) {
    gen *g = user;
    if (i >= g->n) {
        return SL_GEN_END;
    }
    const tick *t = &g->t[i];
    sl_out_string(o, 0, t->sym, strlen(t->sym));
    sl_out_string(o, 1, t->tag, strlen(t->tag));
    sl_out_double(o, 2, t->price);
    sl_out_timestamp(o, 3, t->sec * SL_SECOND);
    sl_out_emit(o);
    return SL_GEN_MORE;
}

static void collect(const sl_row *r, void *user) {
    slbuf *b = user;
    const sl_schema *s = sl_row_schema(r);
    for (int c = 0; c < sl_schema_count(s); c++) {
        if (c) {
            slbuf_putc(b, ' ');
        }
        if (sl_row_is_null(r, c)) {
            slbuf_puts(b, "NULL");
        } else if (sl_schema_type(s, c) == SL_STRING) {
            size_t len;
            const char *p = sl_row_string(r, c, &len);
            slbuf_put(b, p, len);
        } else if (sl_schema_type(s, c) == SL_DOUBLE) {
            slbuf_printf(b, "%g", sl_row_double(r, c));
        } else {
            slbuf_printf(b, "%lld", (long long)sl_row_bigint(r, c));
        }
    }
    slbuf_printf(b, " @%lld\n", (long long)(sl_row_time(r) / SL_SECOND));
}

/* ---- conditions and selects ---- */

static bool tag_is(const sl_row *r, const sl_match *m, void *user) {
    (void)m;
    size_t len;
    const char *t = sl_row_string(r, 1, &len);
    return len == strlen(user) && memcmp(t, user, len) == 0;
}

/* price lower / higher than the previous row of the match */
static bool lower(const sl_row *r, const sl_match *m, void *user) {
    (void)user;
    int n = sl_match_size(m);
    const sl_row *prev = n >= 2 ? sl_match_at(m, n - 2) : NULL;
    return prev && sl_row_double(r, 2) < sl_row_double(prev, 2);
}

static bool higher(const sl_row *r, const sl_match *m, void *user) {
    (void)user;
    int n = sl_match_size(m);
    const sl_row *prev = n >= 2 ? sl_match_at(m, n - 2) : NULL;
    return prev && sl_row_double(r, 2) > sl_row_double(prev, 2);
}

/* sym, the variables in order, first price, bottom (last "d") */
static void select_v(const sl_match *m, sl_out *o, void *user) {
    (void)user;
    char vars[256] = "";
    size_t len;
    const char *sym = sl_row_string(sl_match_at(m, 0), 0, &len);
    for (int i = 0; i < sl_match_size(m); i++) {
        strncat(vars, sl_match_var_at(m, i), sizeof vars - strlen(vars) - 1);
    }
    sl_out_string(o, 0, sym, len);
    sl_out_string(o, 1, vars, strlen(vars));
    sl_out_double(o, 2, sl_row_double(sl_match_row(m, "s", 0), 2));
    const sl_row *bottom = sl_match_row(m, "d", -1);
    if (bottom) {
        sl_out_double(o, 3, sl_row_double(bottom, 2));
    }
    sl_out_bigint(o, 4, sl_match_count(m, "d"));
    sl_out_emit(o);
}

typedef struct run_opts {
    const tick *t;
    size_t n;
    const sl_pattern *p;
    bool late;
} run_opts;

static void run_job(const run_opts *ro, const char *backend, slbuf *out, slbuf *late) {
    sl_job *job;
    CHECK_INT(sl_job_new(&job), SL_OK);
    CHECK_INT(sl_job_set(job, "state.backend", backend), SL_OK);
    sl_schema *in, *os;
    CHECK_INT(sl_schema_parse("sym STRING, tag STRING, price DOUBLE, ts TIMESTAMP", &in), SL_OK);
    CHECK_INT(sl_schema_parse("sym STRING, vars STRING, first DOUBLE, bottom DOUBLE, downs BIGINT",
                              &os),
              SL_OK);
    gen g = {ro->t, ro->n};
    sl_stream *src, *timed, *keyed, *m, *lr;
    CHECK_INT(sl_job_source_gen(job, in, gen_next, &g, &src), SL_OK);
    CHECK_INT(sl_stream_watermark(src, "ts", 2 * SL_SECOND, &timed), SL_OK);
    CHECK_INT(sl_stream_key_by(timed, "sym", &keyed), SL_OK);
    CHECK_INT(sl_stream_pattern(keyed, ro->p, os, select_v, NULL, &m), SL_OK);
    CHECK_INT(sl_stream_foreach(m, collect, out), SL_OK);
    if (ro->late) {
        CHECK_INT(sl_stream_pattern_late_rows(m, &lr), SL_OK);
        CHECK_INT(sl_stream_foreach(lr, collect, late), SL_OK);
    }
    CHECK_INT(sl_job_run(job), SL_OK);
    sl_job_free(job);
    sl_schema_free(in);
    sl_schema_free(os);
}

static const char *BACKENDS[] = {"memory", "rocksdb"};

TEST(vshape_with_the_c_api) {
    /* prices of A: 10 9 8 7 12 | 11 10 13 ; B: 5 4 3 2 1 0 4 (rows out of order) */
    static const tick t[] = {
        {"A", "", 10, 1}, {"A", "", 9, 2},  {"B", "", 5, 2},  {"A", "", 8, 3},  {"B", "", 4, 3},
        {"A", "", 7, 4},  {"B", "", 2, 5},  {"B", "", 3, 4},  {"A", "", 12, 5}, {"A", "", 11, 6},
        {"B", "", 1, 6},  {"A", "", 10, 7}, {"B", "", 0, 7},  {"A", "", 13, 8}, {"B", "", 4, 8},
    };
    sl_pattern *p;
    CHECK_INT(sl_pattern_begin("s", NULL, NULL, &p), SL_OK);
    CHECK_INT(sl_pattern_next(p, "d", lower, NULL), SL_OK);
    CHECK_INT(sl_pattern_times(p, 3, -1), SL_OK);
    CHECK_INT(sl_pattern_greedy(p), SL_OK);
    CHECK_INT(sl_pattern_next(p, "u", higher, NULL), SL_OK);
    CHECK_INT(sl_pattern_skip(p, SL_SKIP_PAST_LAST_ROW, NULL), SL_OK);
    for (int b = 0; b < 2; b++) {
        slbuf out = {0};
        run_opts ro = {t, SL_ARRAY_LEN(t), p, false};
        run_job(&ro, BACKENDS[b], &out, NULL);
        CHECK_STR(slbuf_cstr(&out), "A sdddu 10 7 3 @5\n"
                                    "B sdddddu 5 0 5 @8\n");
        slbuf_free(&out);
    }
    sl_pattern_free(p);
}

TEST(contiguity_within_and_late_rows) {
    static const tick t[] = {
        {"K", "a", 1, 1}, {"K", "x", 1, 2}, {"K", "b", 1, 3}, {"K", "b", 1, 4},
        {"K", "a", 1, 10}, {"K", "b", 1, 20}, /* too late for WITHIN 5 s */
        {"K", "b", 1, 5},                     /* late: the watermark is at 17 */
    };
    const char *want[] = {
        /* followed_by: the first b after a */
        "K sb 1 NULL 0 @3\n",
        /* followed_by_any: every b after a (no skip: every match) */
        "K sb 1 NULL 0 @3\nK sb 1 NULL 0 @4\n",
    };
    for (int any = 0; any < 2; any++) {
        sl_pattern *p;
        CHECK_INT(sl_pattern_begin("s", tag_is, "a", &p), SL_OK);
        if (any) {
            CHECK_INT(sl_pattern_followed_by_any(p, "b", tag_is, "b"), SL_OK);
        } else {
            CHECK_INT(sl_pattern_followed_by(p, "b", tag_is, "b"), SL_OK);
        }
        CHECK_INT(sl_pattern_within(p, 5 * SL_SECOND), SL_OK);
        for (int b = 0; b < 2; b++) {
            slbuf out = {0}, late = {0};
            run_opts ro = {t, SL_ARRAY_LEN(t), p, true};
            run_job(&ro, BACKENDS[b], &out, &late);
            CHECK_STR(slbuf_cstr(&out), want[any]);
            CHECK_STR(slbuf_cstr(&late), "K b 1 5000000 @5\n");
            slbuf_free(&out);
            slbuf_free(&late);
        }
        sl_pattern_free(p);
    }
}

TEST(optional_and_times) {
    static const tick t[] = {
        {"K", "a", 1, 1}, {"K", "c", 1, 2},                   /* a c */
        {"K", "a", 1, 3}, {"K", "d", 1, 4}, {"K", "c", 1, 5}, /* a d c */
        {"K", "a", 1, 6}, {"K", "d", 1, 7}, {"K", "d", 1, 8}, {"K", "d", 1, 9}, {"K", "c", 1, 10},
    };
    sl_pattern *p;
    CHECK_INT(sl_pattern_begin("s", tag_is, "a", &p), SL_OK);
    CHECK_INT(sl_pattern_next(p, "d", tag_is, "d"), SL_OK);
    CHECK_INT(sl_pattern_times(p, 1, 2), SL_OK);
    CHECK_INT(sl_pattern_optional(p), SL_OK);
    CHECK_INT(sl_pattern_next(p, "c", tag_is, "c"), SL_OK);
    slbuf out = {0};
    run_opts ro = {t, SL_ARRAY_LEN(t), p, false};
    run_job(&ro, "memory", &out, NULL);
    CHECK_STR(slbuf_cstr(&out), "K sc 1 NULL 0 @2\nK sdc 1 1 1 @5\n");
    slbuf_free(&out);
    sl_pattern_free(p);
}

TEST(builder_errors) {
    sl_pattern *p;
    CHECK_INT(sl_pattern_begin("", NULL, NULL, &p), SL_ERR_ARG);
    CHECK(p == NULL);
    CHECK_INT(sl_pattern_begin("a", NULL, NULL, &p), SL_OK);
    CHECK_INT(sl_pattern_next(p, "A", NULL, NULL), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "already has an element 'A'");
    CHECK_INT(sl_pattern_times(p, 0, 2), SL_ERR_ARG);
    CHECK_INT(sl_pattern_times(p, 3, 2), SL_ERR_ARG);
    CHECK_INT(sl_pattern_within(p, 0), SL_ERR_ARG);
    CHECK_INT(sl_pattern_skip(p, SL_SKIP_TO_FIRST, NULL), SL_ERR_ARG);
    CHECK_INT(sl_pattern_skip(p, SL_SKIP_TO_FIRST, "zz"), SL_OK);
    /* a pattern of one optional element can match zero rows */
    CHECK_INT(sl_pattern_optional(p), SL_OK);
    sl_job *job;
    sl_schema *in;
    CHECK_INT(sl_job_new(&job), SL_OK);
    CHECK_INT(sl_schema_parse("sym STRING, tag STRING, price DOUBLE, ts TIMESTAMP", &in), SL_OK);
    gen g = {NULL, 0};
    sl_stream *src, *m;
    CHECK_INT(sl_job_source_gen(job, in, gen_next, &g, &src), SL_OK);
    CHECK_INT(sl_stream_pattern(src, p, in, select_v, NULL, &m), SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "'zz'");
    CHECK_INT(sl_pattern_skip(p, SL_SKIP_NONE, NULL), SL_OK);
    CHECK_INT(sl_stream_pattern(src, p, in, select_v, NULL, &m), SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "zero rows");
    CHECK_INT(sl_stream_pattern_late_rows(src, &m), SL_ERR_ARG);
    sl_pattern_free(p);
    sl_pattern_free(NULL);
    sl_job_free(job);
    sl_schema_free(in);
}
