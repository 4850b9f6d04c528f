/*
 * test_group.c - the GROUP BY aggregation operator (ops/group.h) in real jobs
 * (tests/oprun.h): exact changelogs at parallelism 1, the same changelog per
 * group at parallelism 2; append-only and updating input, unchanged results,
 * retraction to zero and re-insert, global aggregation, NULL keys and values,
 * 10 KB keys, state TTL on the manual clock, empty input, argument errors.
 * Output lines: kind, group columns, aggregates, "@" event time (seconds).
 */
#include "ops/group.h"
#include "oprun.h"

static const char *SCHEMA = "k STRING, v BIGINT, s STRING";

typedef struct gspec {
    const sl_agg *aggs;
    int n;
    bool updating;
    bool mini_batch;
} gspec;

static void *mk_group(const sl_schema *in, const slkeyspec *key, void *user,
                      const sl_schema **out) {
    gspec *g = user;
    slgroup_arg *a;
    if (slgroup_arg_new(in, key, g->aggs, g->n, g->updating, &a) != SL_OK) {
        fprintf(stderr, "slgroup_arg_new: %s\n", sl_errmsg());
        return NULL;
    }
    a->mini_batch = g->mini_batch;
    *out = a->out;
    return a;
}

/* Run the script through GROUP BY `key` at parallelism `par` (`spec` is
 * copied; `rows`: the batch.rows option or NULL). */
static void run_spec(oprun *r, const char *key, gspec spec, const char *rows,
                     const char *const *script, size_t n_script, int par, const char *ttl) {
    static gspec g;
    g = spec;
    memset(r, 0, sizeof *r);
    r->schema = SCHEMA;
    r->script = script;
    r->n_script = n_script;
    r->key = key;
    r->par = par;
    r->ttl = ttl;
    r->batch_rows = rows;
    r->mk = mk_group;
    r->mk_user = &g;
    r->op_name = "group";
    r->factory = slgroup_new;
    r->arg_free = slgroup_arg_free;
    CHECK_INT(oprun_run(r), SL_OK);
}

static void run_group(oprun *r, const char *key, const sl_agg *aggs, int n, bool updating,
                      const char *const *script, size_t n_script, int par, const char *ttl) {
    run_spec(r, key, (gspec){aggs, n, updating, false}, NULL, script, n_script, par, ttl);
}

/* Exact output at parallelism 1; at parallelism 2 the same lines per group
 * (the first `ntok` columns), in the same order within each group. */
static void check_group(const char *key, int ntok, const sl_agg *aggs, int n, bool updating,
                        const char *const *script, size_t n_script, const char *want) {
    oprun r;
    run_group(&r, key, aggs, n, updating, script, n_script, 1, NULL);
    CHECK_STR(slbuf_cstr(&r.out), want);
    oprun_free(&r);
    run_group(&r, key, aggs, n, updating, script, n_script, 2, NULL);
    slbuf a = {0}, b = {0};
    CHECK_STR(oprun_sorted(slbuf_cstr(&r.out), ntok, &a), oprun_sorted(want, ntok, &b));
    slbuf_free(&a);
    slbuf_free(&b);
    oprun_free(&r);
}

TEST(first_row_insert_then_updates) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
        {SL_AGG_MAX, "v", "hi", NULL},
    };
    static const char *const script[] = {
        "+I a 1 x @1", "+I b 2 x @2", "+I a 3 x @3", "+I a NULL x @4", "+I b 5 x @5",
    };
    check_group("k", 1, aggs, 3, false, script, SL_ARRAY_LEN(script),
                "+I a 1 1 1 @1\n"
                "+I b 1 2 2 @2\n"
                "-U a 1 1 1 @3\n"
                "+U a 2 4 3 @3\n"
                "-U a 2 4 3 @4\n"
                "+U a 3 4 3 @4\n"
                "-U b 1 2 2 @5\n"
                "+U b 2 7 5 @5\n");
}

TEST(unchanged_result_is_suppressed) {
    static const sl_agg aggs[] = {
        {SL_AGG_SUM, "v", "total", NULL},
        {SL_AGG_MAX, "v", "hi", NULL},
    };
    static const char *const script[] = {
        "+I a 5 x @1",    "+I a NULL x @2", "+I a 0 x @3",    "+I a 7 x @4",
        "+I a -7 x @5",   "+I b NULL x @6", "+I b NULL x @7", "+I a 7 x @8",
    };
    check_group("k", 1, aggs, 2, false, script, SL_ARRAY_LEN(script),
                "+I a 5 5 @1\n"
                "-U a 5 5 @4\n"
                "+U a 12 7 @4\n"
                "-U a 12 7 @5\n"
                "+U a 5 7 @5\n"
                "+I b NULL NULL @6\n"
                "-U a 5 7 @8\n"
                "+U a 12 7 @8\n");
}

TEST(updating_input_retracts_to_zero_and_reinserts) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
        {SL_AGG_COUNT_DISTINCT, "v", "nd", NULL},
        {SL_AGG_AVG, "v", "av", NULL},
    };
    static const char *const script[] = {
        "+I a 1 x @1", "+I a 2 x @2", "+I a 2 x @3", "-U a 1 x @4",  "+U a 3 x @5",  "-D z 9 x @6",
        "-D a 2 x @7", "-D a 2 x @8", "-D a 3 x @9", "-D a 3 x @10", "+I a 4 x @11", "+I a 3 x @12",
        "+I b 1 x @13", "-U b 1 x @14", "+U b 1 x @15",
    };
    check_group("k", 1, aggs, 4, true, script, SL_ARRAY_LEN(script),
                "+I a 1 1 1 1 @1\n"
                "-U a 1 1 1 1 @2\n"
                "+U a 2 3 2 1 @2\n"
                "-U a 2 3 2 1 @3\n"
                "+U a 3 5 2 1 @3\n"
                "-U a 3 5 2 1 @4\n"
                "+U a 2 4 1 2 @4\n"
                "-U a 2 4 1 2 @5\n"
                "+U a 3 7 2 2 @5\n"
                "-U a 3 7 2 2 @7\n"
                "+U a 2 5 2 2 @7\n"
                "-U a 2 5 2 2 @8\n"
                "+U a 1 3 1 3 @8\n"
                "-D a 1 3 1 3 @9\n"
                "+I a 1 4 1 4 @11\n"
                "-U a 1 4 1 4 @12\n"
                "+U a 2 7 2 3 @12\n"
                "+I b 1 1 1 1 @13\n"
                "-D b 1 1 1 1 @14\n"
                "+I b 1 1 1 1 @15\n");
}

TEST(retraction_with_unchanged_result) {
    static const sl_agg aggs[] = {{SL_AGG_SUM, "v", "total", NULL}};
    static const char *const script[] = {
        "+I a 1 x @1",    "+I a NULL x @2", "-D a NULL x @3", "-D a 1 x @4",
        "+I b NULL x @5", "-D b NULL x @6",
    };
    check_group("k", 1, aggs, 1, true, script, SL_ARRAY_LEN(script),
                "+I a 1 @1\n"
                "-D a 1 @4\n"
                "+I b NULL @5\n"
                "-D b NULL @6\n");
}

TEST(no_aggregates_is_distinct) {
    /* SELECT DISTINCT k (GROUP BY k without aggregates) over an updating input. */
    static const char *const script[] = {
        "+I a 1 x @1", "+I a 2 x @2", "+I b 3 x @3", "-D a 1 x @4", "-D a 2 x @5", "+I a 3 x @6",
    };
    check_group("k", 1, NULL, 0, true, script, SL_ARRAY_LEN(script),
                "+I a @1\n"
                "+I b @3\n"
                "-D a @5\n"
                "+I a @6\n");
}

TEST(global_aggregation) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
    };
    static const char *const script[] = {
        "+I a 1 x @1", "+I b 2 x @2", "-D a 1 x @3", "-D b 2 x @4", "-D b 2 x @5", "+I c 5 x @6",
    };
    const char *want = "+I 1 1 @1\n"
                       "-U 1 1 @2\n"
                       "+U 2 3 @2\n"
                       "-U 2 3 @3\n"
                       "+U 1 2 @3\n"
                       "-D 1 2 @4\n"
                       "+I 1 5 @6\n";
    for (int par = 1; par <= 2; par++) {
        oprun r;
        run_group(&r, "", aggs, 2, true, script, SL_ARRAY_LEN(script), par, NULL);
        CHECK_STR(slbuf_cstr(&r.out), want); /* one subtask: one order */
        oprun_free(&r);
    }
}

TEST(null_keys_and_null_values) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, "v", "nv", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
        {SL_AGG_AVG, "v", "av", NULL},
        {SL_AGG_MIN, "s", "lo", NULL},
        {SL_AGG_MAX, "s", "hi", NULL},
    };
    static const char *const script[] = {
        "+I NULL 1 x @1", "+I a NULL NULL @2", "+I NULL NULL y @3", "+I a 4 b @4",
        "+I NULL NULL NULL @5",
    };
    check_group("k", 1, aggs, 5, false, script, SL_ARRAY_LEN(script),
                "+I NULL 1 1 1 x x @1\n"
                "+I a 0 NULL NULL NULL NULL @2\n"
                "-U NULL 1 1 1 x x @3\n"
                "+U NULL 1 1 1 x y @3\n"
                "-U a 0 NULL NULL NULL NULL @4\n"
                "+U a 1 4 4 b b @4\n");
}

TEST(huge_keys_and_two_key_columns) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
    };
    static const char *const script[] = {
        "+I ~10240:a 1 s @1", "+I ~10240:b 2 s @2", "+I ~10241:a 3 s @3",
        "+I ~10240:a 4 s @4", "+I ~10240:a 5 t @5", "+I NULL 6 s @6",
        "+I NULL 7 NULL @7",  "+I ~10240:b 8 s @8", "+I NULL 9 NULL @9",
    };
    check_group("k, s", 2, aggs, 2, false, script, SL_ARRAY_LEN(script),
                "+I <10240:a..a> s 1 1 @1\n"
                "+I <10240:b..b> s 1 2 @2\n"
                "+I <10241:a..a> s 1 3 @3\n"
                "-U <10240:a..a> s 1 1 @4\n"
                "+U <10240:a..a> s 2 5 @4\n"
                "+I <10240:a..a> t 1 5 @5\n"
                "+I NULL s 1 6 @6\n"
                "+I NULL NULL 1 7 @7\n"
                "-U <10240:b..b> s 1 2 @8\n"
                "+U <10240:b..b> s 2 10 @8\n"
                "-U NULL NULL 1 7 @9\n"
                "+U NULL NULL 2 16 @9\n");
}

TEST(huge_string_values) {
    static const sl_agg aggs[] = {
        {SL_AGG_MAX, "s", "hi", NULL},
        {SL_AGG_LAST_VALUE, "s", "last", NULL},
    };
    static const char *const script[] = {
        "+I a 1 ~20000:m @1", "+I a 2 ~20000:c @2", "+I a 3 ~20001:m @3", "+I a 4 ~5:z @4",
    };
    check_group("k", 1, aggs, 2, false, script, SL_ARRAY_LEN(script),
                "+I a <20000:m..m> <20000:m..m> @1\n"
                "-U a <20000:m..m> <20000:m..m> @2\n"
                "+U a <20000:m..m> <20000:c..c> @2\n"
                "-U a <20000:m..m> <20000:c..c> @3\n"
                "+U a <20001:m..m> <20001:m..m> @3\n"
                "-U a <20001:m..m> <20001:m..m> @4\n"
                "+U a zzzzz zzzzz @4\n");
}

TEST(state_ttl_expires_idle_groups) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
    };
    /* The clock starts at 1000 s; TTL 10 s. */
    static const char *const script[] = {
        "+I a 1 x @1", "+I b 2 x @2", "+I a 3 x @3",
        "sync 4 @1006", /* a last written at 1000, b at 1000 */
        "+I b 4 x @4",
        "sync 6 @1012", /* a expired (1000 + 10 <= 1012), b (1006) lives */
        "+I a 5 x @5", "+I b 6 x @6",
        "sync 9 @1030", /* both expired */
        "-D b 6 x @7",  /* retracting from an expired group: ignored */
        "+I c 7 x @8",
    };
    const char *want = "+I a 1 1 @1\n"
                       "+I b 1 2 @2\n"
                       "-U a 1 1 @3\n"
                       "+U a 2 4 @3\n"
                       "-U b 1 2 @4\n"
                       "+U b 2 6 @4\n"
                       "+I a 1 5 @5\n"
                       "-U b 2 6 @6\n"
                       "+U b 3 12 @6\n"
                       "+I c 1 7 @8\n";
    for (int par = 1; par <= 2; par++) {
        oprun r;
        run_group(&r, "k", aggs, 2, true, script, SL_ARRAY_LEN(script), par, "10 s");
        slbuf a = {0}, b = {0};
        CHECK_STR(oprun_sorted(slbuf_cstr(&r.out), 1, &a), oprun_sorted(want, 1, &b));
        if (par == 1) {
            CHECK_STR(slbuf_cstr(&r.out), want);
        }
        /* a at 1012; a and b at 1030 (c is alive at the end) */
        CHECK_INT(r.m.rows_expired, 3);
        slbuf_free(&a);
        slbuf_free(&b);
        oprun_free(&r);
    }
}

TEST(empty_input) {
    static const sl_agg aggs[] = {{SL_AGG_COUNT, NULL, "n", NULL}};
    for (int par = 1; par <= 2; par++) {
        oprun r;
        run_group(&r, "k", aggs, 1, false, NULL, 0, par, NULL);
        CHECK_STR(slbuf_cstr(&r.out), "");
        oprun_free(&r);
        run_group(&r, "", aggs, 1, false, NULL, 0, par, NULL);
        CHECK_STR(slbuf_cstr(&r.out), "");
        oprun_free(&r);
    }
}

TEST(many_rows_same_changelog_per_key) {
    enum { N = 1500, KEYS = 37 };
    static char rows[N][48];
    static const char *script[N];
    int64_t cnt[KEYS] = {0}, sum[KEYS] = {0};
    slbuf want = {0};
    for (int i = 0; i < N; i++) {
        int k = (i * 7) % KEYS;
        snprintf(rows[i], sizeof rows[i], "+I k%d %d x @%d", k, i, i);
        script[i] = rows[i];
        if (cnt[k] == 0) {
            slbuf_printf(&want, "+I k%d 1 %d @%d\n", k, i, i);
        } else {
            slbuf_printf(&want, "-U k%d %lld %lld @%d\n", k, (long long)cnt[k],
                         (long long)sum[k], i);
            slbuf_printf(&want, "+U k%d %lld %lld @%d\n", k, (long long)cnt[k] + 1,
                         (long long)sum[k] + i, i);
        }
        cnt[k]++;
        sum[k] += i;
    }
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
    };
    check_group("k", 1, aggs, 2, false, script, N, slbuf_cstr(&want));
    slbuf_free(&want);
}

/* Mini-batch: GROUP BY k over batches of `rows` rows (parallelism 1). */
static void run_mini(oprun *r, const sl_agg *aggs, int n, bool updating, bool mini,
                     const char *rows, const char *const *script, size_t n_script) {
    run_spec(r, "k", (gspec){aggs, n, updating, mini}, rows, script, n_script, 1, NULL);
}

static const sl_agg COUNT_SUM[] = {
    {SL_AGG_COUNT, NULL, "n", NULL},
    {SL_AGG_SUM, "v", "total", NULL},
};

TEST(mini_batch_emits_once_per_group_and_batch) {
    /* Batches of 4 rows; a group emits with its last row's time and columns. */
    static const char *const script[] = {
        "+I a 1 x @1", "+I b 2 x @2", "+I a 3 x @3",    "+I c 4 x @4",
        "+I a 5 x @5", "+I b NULL x @6", "+I b 6 x @7", "+I d 7 x @8",
        "+I d 0 x @9", /* COUNT changes, SUM does not: still an update */
    };
    oprun r;
    run_mini(&r, COUNT_SUM, 2, false, true, "4", script, SL_ARRAY_LEN(script));
    CHECK_STR(slbuf_cstr(&r.out), "+I a 2 4 @3\n"
                                  "+I b 1 2 @2\n"
                                  "+I c 1 4 @4\n"
                                  "-U a 2 4 @5\n"
                                  "+U a 3 9 @5\n"
                                  "-U b 1 2 @7\n"
                                  "+U b 3 8 @7\n"
                                  "+I d 1 7 @8\n"
                                  "-U d 1 7 @9\n"
                                  "+U d 2 7 @9\n");
    oprun_free(&r);
}

TEST(mini_batch_updating_input) {
    /* Batches of 4: a group made and emptied within a batch says nothing; an
     * unchanged result over a batch says nothing; a group emptied by a batch
     * is -D with its result before the batch; retracting an unknown group is
     * ignored. */
    static const char *const script[] = {
        "+I a 1 x @1",  "+I a 2 x @2",  "-D a 1 x @3",  "-D a 2 x @4",
        "+I b 5 x @5",  "-U b 5 x @6",  "+U b 5 x @7",  "+I c 1 x @8",
        "-D b 5 x @9",  "+I b 5 x @10", "-D c 1 x @11", "-D z 9 x @12",
        "+I c 2 x @13", "-U c 2 x @14", "+U c 3 x @15", "+I a 9 x @16",
    };
    oprun r;
    run_mini(&r, COUNT_SUM, 2, true, true, "4", script, SL_ARRAY_LEN(script));
    CHECK_STR(slbuf_cstr(&r.out), "+I b 1 5 @7\n"
                                  "+I c 1 1 @8\n"
                                  "-D c 1 1 @11\n"
                                  "+I c 1 3 @15\n"
                                  "+I a 1 9 @16\n");
    oprun_free(&r);
}

/* Apply a changelog ("kind key values @t" lines) to a table of the final row
 * per key, printed sorted. */
static void materialize(const char *log, slbuf *out) {
    enum { MAXK = 64 };
    char keys[MAXK][16], vals[MAXK][64];
    int n = 0;
    const char *p = log;
    while (*p) {
        const char *e = strchr(p, '\n');
        char line[128];
        size_t len = (size_t)(e - p);
        memcpy(line, p, len);
        line[len] = 0;
        p = e + 1;
        char kind[4], key[16], rest[64];
        CHECK(sscanf(line, "%3s %15s %63[^@]", kind, key, rest) == 3);
        int k = 0;
        while (k < n && strcmp(keys[k], key) != 0) {
            k++;
        }
        if (kind[0] == '+') {
            if (k == n) {
                snprintf(keys[n++], sizeof keys[0], "%s", key);
            }
            snprintf(vals[k], sizeof vals[0], "%s", rest);
        } else if (kind[1] == 'D' && k < n) {
            n--;
            memcpy(keys[k], keys[n], sizeof keys[0]);
            memcpy(vals[k], vals[n], sizeof vals[0]);
        }
    }
    slbuf_reset(out);
    for (int a = 0; a < n; a++) { /* selection order by key */
        int m = a;
        for (int b = a + 1; b < n; b++) {
            if (strcmp(keys[b], keys[m]) < 0) {
                m = b;
            }
        }
        char tk[16], tv[64];
        memcpy(tk, keys[a], 16);
        memcpy(tv, vals[a], 64);
        memcpy(keys[a], keys[m], 16);
        memcpy(vals[a], vals[m], 64);
        memcpy(keys[m], tk, 16);
        memcpy(vals[m], tv, 64);
        slbuf_printf(out, "%s %s\n", keys[a], vals[a]);
    }
}

TEST(mini_batch_same_final_result_fewer_rows) {
    enum { N = 600, KEYS = 9 };
    static char rows[N][48];
    static const char *script[N];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int live[KEYS] = {0};
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int k = (int)(x % KEYS);
        /* Retract a row of value k (every row of key k has value k) now and
         * then, while the key has rows. */
        bool del = live[k] > 0 && (x >> 33) % 3 == 0;
        live[k] += del ? -1 : 1;
        snprintf(rows[i], sizeof rows[i], "%s k%d %d x @%d", del ? "-D" : "+I", k, k, i);
        script[i] = rows[i];
    }
    oprun a, b;
    run_mini(&a, COUNT_SUM, 2, true, false, "50", script, N);
    run_mini(&b, COUNT_SUM, 2, true, true, "50", script, N);
    slbuf fa = {0}, fb = {0};
    materialize(slbuf_cstr(&a.out), &fa);
    materialize(slbuf_cstr(&b.out), &fb);
    CHECK_STR(slbuf_cstr(&fb), slbuf_cstr(&fa));
    CHECK(strlen(slbuf_cstr(&fa)) > 0);
    CHECK(b.n_out <= 12 * 2 * KEYS); /* 12 batches: at most 2 rows per key */
    CHECK(a.n_out > 2 * b.n_out);
    slbuf_free(&fa);
    slbuf_free(&fb);
    oprun_free(&a);
    oprun_free(&b);
}

static void udaf_init(void *acc, void *user) {
    (void)user;
    memset(acc, 0, 8);
}
static void udaf_add(void *acc, const sl_row *r, int col, void *user) {
    (void)user;
    *(int64_t *)acc += sl_row_bigint(r, col);
}
static void udaf_result(const void *acc, sl_out *o, int col, void *user) {
    (void)user;
    sl_out_bigint(o, col, *(const int64_t *)acc);
}

TEST(argument_errors) {
    sl_schema *in = schema_of(SCHEMA);
    slkeyspec key = {1, {0}};
    slgroup_arg *a = NULL;
    sl_agg max_v[] = {{SL_AGG_MAX, "v", NULL, NULL}};
    CHECK_INT(slgroup_arg_new(in, &key, max_v, 1, true, &a), SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "MAX(v) over an updating input is not supported");
    CHECK(a == NULL);
    CHECK_INT(slgroup_arg_new(in, &key, max_v, 1, false, &a), SL_OK);
    CHECK_STR(sl_schema_name(a->out, 1), "max_v");
    slgroup_arg_free(a);
    sl_agg first_s[] = {{SL_AGG_FIRST_VALUE, "s", "f", NULL}};
    CHECK_INT(slgroup_arg_new(in, &key, first_s, 1, true, &a), SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "FIRST_VALUE(s)");
    sl_agg min_v[] = {{SL_AGG_COUNT, NULL, "n", NULL}, {SL_AGG_MIN, "v", "lo", NULL}};
    CHECK_INT(slgroup_arg_new(in, &key, min_v, 2, true, &a), SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "MIN(v)");
    sl_udaf u = {.name = "mysum", .acc_size = 8, .result_type = SL_BIGINT,
                 .init = udaf_init, .add = udaf_add, .result = udaf_result};
    sl_agg udaf[] = {{SL_AGG_UDAF, "v", "m", &u}};
    CHECK_INT(slgroup_arg_new(in, &key, udaf, 1, true, &a), SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "UDAF mysum(v) over an updating input needs a retract");
    CHECK_INT(slgroup_arg_new(in, &key, udaf, 1, false, &a), SL_OK);
    slgroup_arg_free(a);
    sl_agg cd[] = {{SL_AGG_COUNT_DISTINCT, "s", NULL, NULL}, {SL_AGG_AVG, "v", NULL, NULL}};
    CHECK_INT(slgroup_arg_new(in, &key, cd, 2, true, &a), SL_OK);
    CHECK_INT(sl_schema_count(a->out), 3);
    CHECK_STR(sl_schema_name(a->out, 0), "k");
    CHECK_STR(sl_schema_name(a->out, 1), "count_distinct_s");
    CHECK_INT(sl_schema_type(a->out, 2), SL_BIGINT); /* AVG of BIGINT, as Flink */
    slgroup_arg_free(a);
    sl_agg nope[] = {{SL_AGG_SUM, "nope", NULL, NULL}};
    CHECK_INT(slgroup_arg_new(in, &key, nope, 1, false, &a), SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "no column 'nope'");
    sl_agg sum_s[] = {{SL_AGG_SUM, "s", NULL, NULL}};
    CHECK_INT(slgroup_arg_new(in, &key, sum_s, 1, false, &a), SL_ERR_TYPE);
    sl_agg dup[] = {{SL_AGG_COUNT, NULL, "k", NULL}};
    CHECK_INT(slgroup_arg_new(in, &key, dup, 1, false, &a), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "duplicate column name 'k'");
    slkeyspec bad = {1, {7}};
    CHECK_INT(slgroup_arg_new(in, &bad, max_v, 1, false, &a), SL_ERR_NOTFOUND);
    slkeyspec none = {0, {0}};
    CHECK_INT(slgroup_arg_new(in, &none, max_v, 1, false, &a), SL_OK);
    CHECK_INT(sl_schema_count(a->out), 1);
    slgroup_arg_free(a);
    slgroup_arg_free(NULL);
    sl_schema_free(in);
}

/* ---- checkpoints (opcut.h): snapshot, restore on a new instance, rescale ---- */

#include "opcut.h"
#include "ops/agg.h"

/* The cut and rescale checks of the GROUP BY of `aggs` over SCHEMA keyed by
 * k, with state TTL ttl_us (0: none). */
static void group_cuts(const sl_agg *aggs, int n, bool updating, int64_t ttl_us,
                       const char *const *script, int n_script, const char *want) {
    sl_schema *in;
    CHECK(sl_schema_parse(SCHEMA, &in) == SL_OK);
    slkeyspec key = {1, {0}};
    slgroup_arg *a;
    CHECK(slgroup_arg_new(in, &key, aggs, n, updating, &a) == SL_OK);
    slaggs g;
    CHECK(slaggs_init(&g, in, aggs, n) == SL_OK);
    const sltest_table tabs[] = {
        {"group.acc", g.rec_size}, {"group.str", 0}, {"group.distinct", 0}};
    opcut oc = {SCHEMA, key, slgroup_new, a, a->out, tabs, 3, ttl_us, ttl_us > 0};
    opcut_check(&oc, script, n_script, want);
    slaggs_free(&g);
    slgroup_arg_free(a);
    slschema_unref(in);
}

TEST(checkpoint_group_changelog_first_last) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
        {SL_AGG_FIRST_VALUE, "s", "fs", NULL},
        {SL_AGG_LAST_VALUE, "s", "ls", NULL},
        {SL_AGG_MAX, "s", "mx", NULL},
        {SL_AGG_COUNT_DISTINCT, "v", "nd", NULL},
    };
    /* FIRST/LAST ties (same event time) are broken by arrival number. */
    static const char *const script[] = {
        "+I a 1 x @1", "+I b 2 y @1", "+I c 3 z @1", "|",      "+I a 4 p @1", "+I d 5 q @2",
        "|",           "+I b NULL r @1", "+I e 6 s @3", "|",   "wm 2",        "+I a 7 t @1",
        "+I c 3 u @1", "|",           "+I d 8 v @2", "+I e 6 w @3", "|",      "+I a 9 NULL @1",
    };
    group_cuts(aggs, (int)SL_ARRAY_LEN(aggs), false, 0, script, (int)SL_ARRAY_LEN(script), NULL);
}

TEST(checkpoint_group_updating_input) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
        {SL_AGG_COUNT_DISTINCT, "v", "nd", NULL},
    };
    static const char *const script[] = {
        "+I a 1 x @1", "+I a 2 x @2", "+I b 2 x @3", "|",           "-U a 1 x @4", "+U a 3 x @5",
        "|",           "-D b 2 x @7", "-D z 9 x @6", "|",           "+I c 1 x @8", "+I d 1 x @8",
        "|",           "-D a 2 x @9", "-D a 3 x @10", "|",          "+I a 4 x @11", "+I b 3 x @12",
    };
    group_cuts(aggs, (int)SL_ARRAY_LEN(aggs), true, 0, script, (int)SL_ARRAY_LEN(script), NULL);
}

TEST(checkpoint_group_state_ttl) {
    static const sl_agg aggs[] = {{SL_AGG_SUM, "v", "total", NULL}};
    static const char *const script[] = {
        "tick 0",    "+I a 1 x @1", "+I b 2 x @2", "|",           "tick 1000", "+I c 3 x @3",
        "|",         "tick 2500",   "+I a 4 x @4", "+I c 5 x @5", "|",         "tick 4000",
        "tick 9000", "+I b 6 x @6", "+I c 7 x @7", "|",
    };
    group_cuts(aggs, 1, false, 2 * SL_SECOND, script, (int)SL_ARRAY_LEN(script), NULL);
}

/* COUNT DISTINCT over many values of one group (Nexmark q15's shape): every
 * value's entry hashes apart (this once put all of a group's values in one
 * probe run: quadratic), retractions find their entries, and the count
 * returns to the right value. */
TEST(count_distinct_many_values_in_one_group) {
    enum { N = 20000 };
    static const sl_agg aggs[] = {{SL_AGG_COUNT_DISTINCT, "v", "nd", NULL}};
    char **lines = slmem_alloc(2 * N * sizeof *lines);
    size_t n = 0;
    char buf[64];
    for (int i = 0; i < N; i++) { /* values 0..N/2-1, each twice */
        snprintf(buf, sizeof buf, "+I a %d x @%d", i % (N / 2), i + 1);
        lines[n++] = slmem_strdup(buf);
    }
    for (int i = 0; i < N / 2; i++) { /* values 0..N/4-1 removed twice: N/4 left */
        snprintf(buf, sizeof buf, "-D a %d x @%d", i % (N / 4), N + i + 1);
        lines[n++] = slmem_strdup(buf);
    }
    oprun r;
    run_group(&r, "k", aggs, 1, true, (const char *const *)lines, n, 1, NULL);
    const char *out = slbuf_cstr(&r.out);
    const char *last = out + strlen(out) - 1;
    while (last > out && last[-1] != '\n') {
        last--;
    }
    snprintf(buf, sizeof buf, "+U a %d @%d\n", N / 4, N + N / 2);
    CHECK_STR(last, buf);
    oprun_free(&r);
    for (size_t i = 0; i < n; i++) {
        slmem_free(lines[i]);
    }
    slmem_free(lines);
}
