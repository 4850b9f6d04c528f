/*
 * test_rank.c - the ROW_NUMBER operator (ops/rank.h) in real jobs
 * (tests/oprun.h): continuous Top-N with and without the rank column (Flink's
 * AppendOnlyTopNFunction changelog), ties in arrival order, NULL ordering,
 * deduplication keeping the first and the last row, window Top-N with late
 * rows and the end-of-input flush, huge keys, state TTL, empty input, a
 * randomised run against a reference model, argument errors.
 * Output lines: kind, input columns, [rank], "@" event time (seconds).
 */
#include "ops/rank.h"
#include "oprun.h"

/* Continuous mode input; ts is also each row's event time in the scripts. */
static const char *SCHEMA = "k STRING, v BIGINT, ts TIMESTAMP, s STRING";
/* Window mode input (what a window TVF produces). */
static const char *WSCHEMA = "k STRING, v BIGINT, ts TIMESTAMP, ws TIMESTAMP, we TIMESTAMP";

typedef struct rspec {
    int n_order;
    int order_col[4];
    bool desc[4];
    const bool *nulls_first; /* NULL: default */
    int64_t limit;
    bool with_rank;
    bool window;
    const char *schema; /* NULL: SCHEMA or WSCHEMA */
} rspec;

static void *mk_rank(const sl_schema *in, const slkeyspec *key, void *user,
                     const sl_schema **out) {
    rspec *s = user;
    slrank_arg *a;
    int we = sl_schema_find(in, "we");
    if (slrank_arg_new(in, key, s->n_order, s->order_col, s->desc, s->nulls_first, s->limit,
                       s->with_rank, "rn", s->window, we, &a) != SL_OK) {
        fprintf(stderr, "slrank_arg_new: %s\n", sl_errmsg());
        return NULL;
    }
    *out = a->out;
    return a;
}

static void run_rank(oprun *r, const rspec *spec, const char *key, const char *const *script,
                     size_t n_script, int par, const char *ttl) {
    static rspec s;
    s = *spec;
    memset(r, 0, sizeof *r);
    r->schema = spec->schema ? spec->schema : spec->window ? WSCHEMA : SCHEMA;
    r->script = script;
    r->n_script = n_script;
    r->key = key;
    r->par = par;
    r->ttl = ttl;
    if (spec->window) {
        r->wm_col = "ts";
        r->row_batches = true; /* a watermark after every row */
        r->late = true;
    }
    r->mk = mk_rank;
    r->mk_user = &s;
    r->op_name = "rank";
    r->factory = slrank_new;
    r->arg_free = slrank_arg_free;
    CHECK_INT(oprun_run(r), SL_OK);
}

/* Exact output at parallelism 1; the same lines per partition (first
 * column) at parallelism 2. Returns rows_late of the parallelism-1 run. */
static uint64_t check_rank(const rspec *spec, const char *key, const char *const *script,
                           size_t n_script, const char *want, const char *want_late) {
    oprun r;
    run_rank(&r, spec, key, script, n_script, 1, NULL);
    CHECK_STR(slbuf_cstr(&r.out), want);
    CHECK_STR(slbuf_cstr(&r.late_text), want_late);
    uint64_t late = r.m.rows_late;
    oprun_free(&r);
    run_rank(&r, spec, key, script, n_script, 2, NULL);
    slbuf a = {0}, b = {0};
    CHECK_STR(oprun_sorted(slbuf_cstr(&r.out), 1, &a), oprun_sorted(want, 1, &b));
    CHECK_STR(oprun_sorted(slbuf_cstr(&r.late_text), 1, &a), oprun_sorted(want_late, 1, &b));
    CHECK_INT(r.m.rows_late, late);
    slbuf_free(&a);
    slbuf_free(&b);
    oprun_free(&r);
    return late;
}

TEST(top_n_without_rank) {
    /* Top 2 by v DESC (NULLs first, the default for DESC). */
    rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = 2};
    static const char *const script[] = {
        "+I a 5 1 x @1", "+I a 3 2 x @2", "+I a 4 3 x @3",  "+I a 1 4 x @4",
        "+I a 4 5 x @5", /* ties with the last: the earlier row stays */
        "+I a 9 6 x @6", "+I b NULL 7 x @7", "+I b 8 8 x @8", "+I b 9 9 x @9",
        "+I a 9 10 x @10", /* ties with the first: ranks after it */
    };
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 5 1 x @1\n"
               "+I a 3 2 x @2\n"
               "-D a 3 2 x @2\n"
               "+I a 4 3 x @3\n"
               "-D a 4 3 x @3\n"
               "+I a 9 6 x @6\n"
               "+I b NULL 7 x @7\n"
               "+I b 8 8 x @8\n"
               "-D b 8 8 x @8\n"
               "+I b 9 9 x @9\n"
               "-D a 5 1 x @1\n"
               "+I a 9 10 x @10\n",
               "");
}

TEST(top_n_with_rank) {
    /* Top 3 by v ASC (NULLs last), rank column: updates per rank position. */
    rspec sp = {.n_order = 1, .order_col = {1}, .limit = 3, .with_rank = true};
    static const char *const script[] = {
        "+I a 5 1 x @1", "+I a 3 2 x @2", "+I a 4 3 x @3", "+I a 6 4 x @4",
        "+I a 4 5 x @5", "+I a 1 6 x @6", "+I a NULL 7 x @7", "+I b NULL 8 x @8",
        "+I b 2 9 x @9",
    };
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 5 1 x 1 @1\n"
               "-U a 5 1 x 1 @1\n"
               "+U a 3 2 x 1 @2\n"
               "+I a 5 1 x 2 @1\n"
               "-U a 5 1 x 2 @1\n"
               "+U a 4 3 x 2 @3\n"
               "+I a 5 1 x 3 @1\n"
               "-U a 5 1 x 3 @1\n"
               "+U a 4 5 x 3 @5\n"
               "-U a 3 2 x 1 @2\n"
               "+U a 1 6 x 1 @6\n"
               "-U a 4 3 x 2 @3\n"
               "+U a 3 2 x 2 @2\n"
               "-U a 4 5 x 3 @5\n"
               "+U a 4 3 x 3 @3\n"
               "+I b NULL 8 x 1 @8\n"
               "-U b NULL 8 x 1 @8\n"
               "+U b 2 9 x 1 @9\n"
               "+I b NULL 8 x 2 @8\n",
               "");
}

TEST(order_by_two_columns_and_nulls_first) {
    /* ORDER BY s ASC NULLS FIRST, v DESC NULLS LAST; top 3, one partition. */
    static const bool nf[] = {true, false};
    rspec sp = {.n_order = 2, .order_col = {3, 1}, .desc = {false, true}, .nulls_first = nf,
                .limit = 3, .with_rank = true};
    static const char *const script[] = {
        "+I a 1 1 m @1", "+I a 2 2 m @2", "+I a NULL 3 m @3", "+I a 7 4 NULL @4",
        "+I a 5 5 b @5",
    };
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 1 1 m 1 @1\n"
               "-U a 1 1 m 1 @1\n"
               "+U a 2 2 m 1 @2\n"
               "+I a 1 1 m 2 @1\n"
               "+I a NULL 3 m 3 @3\n"
               "-U a 2 2 m 1 @2\n"
               "+U a 7 4 NULL 1 @4\n"
               "-U a 1 1 m 2 @1\n"
               "+U a 2 2 m 2 @2\n"
               "-U a NULL 3 m 3 @3\n"
               "+U a 1 1 m 3 @1\n"
               "-U a 2 2 m 2 @2\n"
               "+U a 5 5 b 2 @5\n"
               "-U a 1 1 m 3 @1\n"
               "+U a 2 2 m 3 @2\n",
               "");
}

TEST(double_and_boolean_order) {
    /* ORDER BY d ASC (NaN above every number, -0.0 equal to 0.0), b DESC. */
    rspec sp = {.n_order = 2, .order_col = {1, 2}, .desc = {false, true}, .limit = 3,
                .schema = "k STRING, d DOUBLE, b BOOLEAN, ts TIMESTAMP"};
    static const char *const script[] = {
        "+I a 1.5 true 1 @1", "+I a nan false 2 @2", "+I a -0.0 false 3 @3",
        "+I a 0.0 true 4 @4", "+I a 0 false 5 @5",   "+I a NULL true 6 @6",
    };
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 1.5 true 1 @1\n"
               "+I a nan false 2 @2\n"
               "+I a -0 false 3 @3\n"
               "-D a nan false 2 @2\n"
               "+I a 0 true 4 @4\n"
               "-D a 1.5 true 1 @1\n"
               "+I a 0 false 5 @5\n",
               "");
}

TEST(dedup_keep_first_row) {
    /* N = 1 by event time ASC: the first row (earliest time) stays; an equal
     * time keeps the earlier arrival; an earlier time replaces (-U/+U). */
    rspec sp = {.n_order = 1, .order_col = {-1}, .limit = 1};
    static const char *const script[] = {
        "+I a 1 5 x @5", "+I a 2 7 x @7", "+I a 3 5 x @5", "+I a 4 3 x @3", "+I b 5 9 x @9",
    };
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 1 5 x @5\n"
               "-U a 1 5 x @5\n"
               "+U a 4 3 x @3\n"
               "+I b 5 9 x @9\n",
               "");
}

TEST(dedup_keep_last_row) {
    /* N = 1 by event time DESC: a row at the same or a later time replaces. */
    static const char *const script[] = {
        "+I a 1 5 x @5", "+I a 2 7 x @7", "+I a 3 7 x @7", "+I a 4 3 x @3", "+I b 5 9 x @9",
    };
    rspec sp = {.n_order = 1, .order_col = {-1}, .desc = {true}, .limit = 1};
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 1 5 x @5\n"
               "-U a 1 5 x @5\n"
               "+U a 2 7 x @7\n"
               "-U a 2 7 x @7\n"
               "+U a 3 7 x @7\n"
               "+I b 5 9 x @9\n",
               "");
    sp.with_rank = true;
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 1 5 x 1 @5\n"
               "-U a 1 5 x 1 @5\n"
               "+U a 2 7 x 1 @7\n"
               "-U a 2 7 x 1 @7\n"
               "+U a 3 7 x 1 @7\n"
               "+I b 5 9 x 1 @9\n",
               "");
}

TEST(top_one_by_a_column_is_not_dedup) {
    /* N = 1 ordered by a column: Top-N changelog (-D, +I). */
    rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = 1};
    static const char *const script[] = {"+I a 1 1 x @1", "+I a 2 2 x @2", "+I a 2 3 x @3"};
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I a 1 1 x @1\n"
               "-D a 1 1 x @1\n"
               "+I a 2 2 x @2\n",
               "");
}

TEST(huge_keys_and_values) {
    rspec sp = {.n_order = 1, .order_col = {3}, .limit = 2};
    static const char *const script[] = {
        "+I ~10240:a 1 1 ~10000:m @1", "+I ~10240:b 2 2 ~10000:c @2",
        "+I ~10240:a 3 3 ~10000:c @3", "+I ~10240:a 4 4 ~9999:c @4",
        "+I NULL 5 5 ~10000:z @5",
    };
    check_rank(&sp, "k", script, SL_ARRAY_LEN(script),
               "+I <10240:a..a> 1 1 <10000:m..m> @1\n"
               "+I <10240:b..b> 2 2 <10000:c..c> @2\n"
               "+I <10240:a..a> 3 3 <10000:c..c> @3\n"
               "-D <10240:a..a> 1 1 <10000:m..m> @1\n"
               "+I <10240:a..a> 4 4 <9999:c..c> @4\n"
               "+I NULL 5 5 <10000:z..z> @5\n",
               "");
}

TEST(no_partition_columns) {
    rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = 2, .with_rank = true};
    static const char *const script[] = {"+I a 1 1 x @1", "+I b 3 2 x @2", "+I c 2 3 x @3"};
    const char *want = "+I a 1 1 x 1 @1\n"
                       "-U a 1 1 x 1 @1\n"
                       "+U b 3 2 x 1 @2\n"
                       "+I a 1 1 x 2 @1\n"
                       "-U a 1 1 x 2 @1\n"
                       "+U c 2 3 x 2 @3\n";
    for (int par = 1; par <= 2; par++) {
        oprun r;
        run_rank(&r, &sp, "", script, SL_ARRAY_LEN(script), par, NULL);
        CHECK_STR(slbuf_cstr(&r.out), want);
        oprun_free(&r);
    }
}

TEST(window_top_n_late_rows_and_end_flush) {
    /* Top 2 by v DESC per (k, window); windows [0, 10) and [10, 20). */
    rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = 2, .with_rank = true,
                .window = true};
    static const char *const script[] = {
        "+I a 1 1 0 10",   "+I a 5 2 0 10",   "+I b 7 3 0 10",    "+I a 3 4 0 10",
        "+I a 9 12 10 20", /* the watermark passes 10 s: window [0, 10) fires */
        "+I a 2 8 0 10",   /* late */
        "+I b 4 15 10 20", "+I a 9 16 10 20", "+I a 10 17 10 20", "+I c 1 18 10 NULL",
    };
    uint64_t late = check_rank(&sp, "k, ws, we", script, SL_ARRAY_LEN(script),
                               "+I a 5 2 0 10 1 @2\n"
                               "+I a 3 4 0 10 2 @4\n"
                               "+I b 7 3 0 10 1 @3\n"
                               "+I a 10 17 10 20 1 @17\n"
                               "+I a 9 12 10 20 2 @12\n"
                               "+I b 4 15 10 20 1 @15\n",
                               "late a 2 8 0 10 @8\n"
                               "late c 1 18 10 NULL @18\n");
    CHECK_INT(late, 2);
    /* Without the rank column, keeping 1 row. */
    sp.with_rank = false;
    sp.limit = 1;
    check_rank(&sp, "k, ws, we", script, SL_ARRAY_LEN(script),
               "+I a 5 2 0 10 @2\n"
               "+I b 7 3 0 10 @3\n"
               "+I a 10 17 10 20 @17\n"
               "+I b 4 15 10 20 @15\n",
               "late a 2 8 0 10 @8\n"
               "late c 1 18 10 NULL @18\n");
}

TEST(window_top_n_by_time_ties_in_arrival_order) {
    /* Top 2 by event time ASC: equal times keep arrival order. */
    rspec sp = {.n_order = 1, .order_col = {-1}, .limit = 2, .with_rank = true, .window = true};
    static const char *const script[] = {
        "+I a 1 5 0 10", "+I a 2 3 0 10", "+I a 3 3 0 10", "+I a 4 4 0 10",
    };
    check_rank(&sp, "k, ws, we", script, SL_ARRAY_LEN(script),
               "+I a 2 3 0 10 1 @3\n"
               "+I a 3 3 0 10 2 @3\n",
               "");
    /* Window deduplication keeping the last row: an equal time replaces. */
    static const char *const last[] = {
        "+I a 1 3 0 10", "+I a 2 5 0 10", "+I a 3 5 0 10", "+I a 4 4 0 10", "+I b 5 1 0 10",
    };
    rspec sp2 = {.n_order = 1, .order_col = {-1}, .desc = {true}, .limit = 1, .window = true};
    check_rank(&sp2, "k, ws, we", last, SL_ARRAY_LEN(last),
               "+I a 3 5 0 10 @5\n"
               "+I b 5 1 0 10 @1\n",
               "");
}

TEST(empty_input) {
    static const rspec specs[] = {
        {.n_order = 1, .order_col = {1}, .limit = 2, .with_rank = true},
        {.n_order = 1, .order_col = {-1}, .limit = 1},
        {.n_order = 1, .order_col = {1}, .limit = 2, .window = true},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(specs); i++) {
        check_rank(&specs[i], specs[i].window ? "k, ws, we" : "k", NULL, 0, "", "");
    }
}

TEST(state_ttl_forgets_idle_partitions) {
    rspec sp = {.n_order = 1, .order_col = {-1}, .limit = 1};
    static const char *const script[] = {
        "+I a 1 5 x @5", "+I b 2 5 x @5", "sync 2 @1006", "+I b 3 4 x @4",
        "sync 4 @1012", /* a (1000) expired, b (1006) not */
        "+I a 4 7 x @7", "+I b 5 9 x @9",
    };
    oprun r;
    run_rank(&r, &sp, "k", script, SL_ARRAY_LEN(script), 1, "10 s");
    CHECK_STR(slbuf_cstr(&r.out), "+I a 1 5 x @5\n"
                                  "+I b 2 5 x @5\n"
                                  "-U b 2 5 x @5\n"
                                  "+U b 3 4 x @4\n"
                                  "+I a 4 7 x @7\n");
    CHECK_INT(r.m.rows_expired, 1);
    oprun_free(&r);
}

/* ---- randomised run against a reference model ---- */

typedef struct mrow {
    int64_t v, ts;
} mrow;

static void model_line(slbuf *o, const char *kind, int key, mrow m, int64_t rank) {
    slbuf_printf(o, "%s k%d %lld %lld x", kind, key, (long long)m.v, (long long)m.ts);
    if (rank > 0) {
        slbuf_printf(o, " %lld", (long long)rank);
    }
    slbuf_printf(o, " @%lld\n", (long long)m.ts);
}

/* Random rows against a model of Top-4 by v DESC; keys random per row, or
 * in runs (the operator reuses the looked-up partition while the key stays
 * the same within a batch, and must drop it after a row enters). */
TEST(random_rows_match_reference_model) {
    enum { N = 1200, KEYS = 13, LIMIT = 4 };
    static char rows[N][64];
    static const char *script[N];
    for (int variant = 0; variant < 4; variant++) {
        int with_rank = variant & 1, runs = variant >> 1;
        int prev_key = 0;
        mrow top[KEYS][LIMIT + 1];
        int n[KEYS] = {0};
        slbuf want = {0};
        uint64_t x = 88172645463325252ull;
        for (int i = 0; i < N; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            int key = runs && (x >> 40) % 5 != 0 ? prev_key : (int)(x % KEYS);
            prev_key = key;
            mrow m = {(int64_t)((x >> 20) % 50), i};
            snprintf(rows[i], sizeof rows[i], "+I k%d %lld %d x @%d", key, (long long)m.v, i, i);
            script[i] = rows[i];
            /* ORDER BY v DESC, ties after the earlier rows. */
            int pos = 0;
            while (pos < n[key] && top[key][pos].v >= m.v) {
                pos++;
            }
            if (pos >= LIMIT) {
                continue;
            }
            mrow old[LIMIT];
            int on = n[key];
            memcpy(old, top[key], sizeof old);
            memmove(&top[key][pos + 1], &top[key][pos], (size_t)(on - pos) * sizeof(mrow));
            top[key][pos] = m;
            n[key] = on < LIMIT ? on + 1 : LIMIT;
            if (!with_rank) {
                if (on == LIMIT) {
                    model_line(&want, "-D", key, old[LIMIT - 1], 0);
                }
                model_line(&want, "+I", key, m, 0);
                continue;
            }
            for (int k = pos; k < n[key]; k++) {
                if (k < on) {
                    model_line(&want, "-U", key, old[k], k + 1);
                    model_line(&want, "+U", key, top[key][k], k + 1);
                } else {
                    model_line(&want, "+I", key, top[key][k], k + 1);
                }
            }
        }
        rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = LIMIT,
                    .with_rank = with_rank != 0};
        check_rank(&sp, "k", script, N, slbuf_cstr(&want), "");
        slbuf_free(&want);
    }
}

TEST(argument_errors) {
    sl_schema *in = schema_of(SCHEMA), *win = schema_of(WSCHEMA);
    slkeyspec key = {1, {0}};
    int col1[] = {1}, bad[] = {9}, two[] = {1, -1};
    bool desc[] = {true, false};
    slrank_arg *a = NULL;
    CHECK_INT(slrank_arg_new(in, &key, 1, col1, desc, NULL, 0, false, NULL, false, -1, &a),
              SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "at least 1");
    CHECK_INT(slrank_arg_new(in, &key, 0, col1, desc, NULL, 3, false, NULL, false, -1, &a),
              SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "ORDER BY");
    CHECK_INT(slrank_arg_new(in, &key, 1, bad, desc, NULL, 3, false, NULL, false, -1, &a),
              SL_ERR_ARG);
    CHECK_INT(slrank_arg_new(in, &key, 1, col1, desc, NULL, 3, true, "v", false, -1, &a),
              SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "duplicate column name 'v'");
    CHECK_INT(slrank_arg_new(in, &key, 1, col1, desc, NULL, 3, false, NULL, true, 3, &a),
              SL_ERR_TYPE);
    CHECK_CONTAINS(sl_errmsg(), "window_end column 's' is STRING");
    CHECK(a == NULL);
    CHECK_INT(slrank_arg_new(in, &key, 2, two, desc, NULL, 3, true, NULL, false, -1, &a),
              SL_OK);
    CHECK_INT(sl_schema_count(a->out), 5);
    CHECK_STR(sl_schema_name(a->out, 4), "rn");
    CHECK_INT(sl_schema_type(a->out, 4), SL_BIGINT);
    CHECK(a->nulls_first[0] && !a->nulls_first[1]); /* defaults: DESC first, ASC last */
    slrank_arg_free(a);
    CHECK_INT(slrank_arg_new(win, &key, 1, col1, NULL, NULL, 1, false, NULL, true, 4, &a), SL_OK);
    CHECK(a->out == a->in);
    CHECK_INT(a->window_end_col, 4);
    slrank_arg_free(a);
    slrank_arg_free(NULL);
    sl_schema_free(in);
    sl_schema_free(win);
}

/* ---- checkpoints (opcut.h): snapshot, restore on a new instance, rescale ---- */

#include "opcut.h"

static void rank_cuts(const rspec *sp, const char *const *script, int n_script, int64_t ttl_us) {
    const char *schema = sp->window ? WSCHEMA : SCHEMA;
    sl_schema *in;
    CHECK(sl_schema_parse(schema, &in) == SL_OK);
    slkeyspec key = sp->window ? (slkeyspec){3, {0, 3, 4}} : (slkeyspec){1, {0}};
    slrank_arg *a;
    CHECK(slrank_arg_new(in, &key, sp->n_order, sp->order_col, sp->desc, sp->nulls_first,
                         sp->limit, sp->with_rank, "rn", sp->window, sl_schema_find(in, "we"),
                         &a) == SL_OK);
    const sltest_table tabs[] = {{"rank.top", 0}, {"rank.timers", SLTIMERS_STATE_VAL}};
    opcut oc = {schema, key, slrank_new, a, a->out, tabs, sp->window ? 2 : 1, ttl_us, ttl_us > 0};
    opcut_check(&oc, script, n_script, NULL);
    slrank_arg_free(a);
    slschema_unref(in);
}

static const char *const RANK_SCRIPT[] = {
    "+I a 1 1 x @1", "+I b 7 2 y @2",  "+I a 5 2 z @2", "|",           "+I c 3 3 u @3",
    "+I a 3 4 v @4", "|",              "+I a 9 5 w @5", "+I b 7 5 p @5", "|",
    "+I d NULL 6 q @6", "+I a 5 6 r @6", "|",           "+I c 8 7 s @7", "+I d 2 7 t @7",
    "|",             "+I b 1 8 o @8",  "+I a 9 9 n @9",
};

TEST(checkpoint_top_n_and_dedup) {
    rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = 2};
    int n = (int)SL_ARRAY_LEN(RANK_SCRIPT);
    rank_cuts(&sp, RANK_SCRIPT, n, 0);
    sp.with_rank = true;
    sp.limit = 3;
    rank_cuts(&sp, RANK_SCRIPT, n, 0);
    rspec first = {.n_order = 1, .order_col = {-1}, .limit = 1};
    rank_cuts(&first, RANK_SCRIPT, n, 0);
    rspec last = {.n_order = 1, .order_col = {-1}, .desc = {true}, .limit = 1, .with_rank = true};
    rank_cuts(&last, RANK_SCRIPT, n, 0);
}

TEST(checkpoint_top_n_state_ttl) {
    static const char *const script[] = {
        "tick 0",    "+I a 1 1 x @1", "+I b 2 2 x @2", "|",           "tick 1500",
        "+I a 3 3 x @3", "|",         "tick 3200",     "+I b 4 4 x @4", "+I c 1 4 x @4",
        "|",         "tick 9000",     "+I a 2 5 x @5", "|",
    };
    rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = 1, .with_rank = true};
    rank_cuts(&sp, script, (int)SL_ARRAY_LEN(script), 2 * SL_SECOND);
}

TEST(checkpoint_window_top_n) {
    static const char *const script[] = {
        "+I a 1 1 0 10 @1",   "+I a 5 2 0 10 @2",  "+I b 7 3 0 10 @3",   "|",
        "+I c 3 4 0 10 @4",   "+I a 3 4 0 10 @4",  "|",                  "wm 4",
        "+I a 9 12 10 20 @12", "+I d 1 13 10 20 @13", "|",               "wm 10",
        "+I a 2 8 0 10 @8",   "+I b 4 15 10 20 @15", "|",               "+I a 9 16 10 20 @16",
        "+I c 1 18 10 NULL @18", "+I e 6 25 20 30 @25", "|",            "wm 19",
        "+I a 10 19 10 20 @19", "+I b 5 19 10 20 @19", "|",             "wm 22",
    };
    rspec sp = {.n_order = 1, .order_col = {1}, .desc = {true}, .limit = 2, .with_rank = true,
                .window = true};
    rank_cuts(&sp, script, (int)SL_ARRAY_LEN(script), 0);
    rspec last = {.n_order = 1, .order_col = {-1}, .desc = {true}, .limit = 1, .window = true};
    rank_cuts(&last, script, (int)SL_ARRAY_LEN(script), 0);
}
