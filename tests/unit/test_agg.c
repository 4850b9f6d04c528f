/*
 * test_agg.c - the aggregate functions of ops/agg.h used directly: add,
 * retract, merge (Chan's STDDEV merge, distinct sets, strings) and results,
 * and the run-at-a-time fold (slaggs_add_rows) against slaggs_add.
 */
#include <math.h>

#include "ops/agg.h"
#include "test.h"

typedef struct fx {
    sl_schema *in, *out;
    slaggs g;
    slstate *st;
    slaggs_store s;
    slbatch *b, *o;
    void *rec, *rec2;
} fx;

static void fx_init(fx *f, const sl_agg *aggs, int n) {
    memset(f, 0, sizeof(*f));
    CHECK(sl_schema_parse("v BIGINT, d DOUBLE, s STRING, t TIMESTAMP, f BOOLEAN", &f->in) ==
          SL_OK);
    CHECK(slaggs_init(&f->g, f->in, aggs, n) == SL_OK);
    sl_schema_new(&f->out);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof(name), "a%d", i % 100);
        sl_schema_add(f->out, name, f->g.a[i].out_type);
    }
    f->st = slstate_memory_new(128);
    f->s.str = slstate_table(f->st, "str", 0);
    f->s.distinct = slstate_table(f->st, "distinct", 0);
    f->b = slbatch_new(f->in, 64);
    f->o = slbatch_new(f->out, 4);
    f->rec = slmem_alloc(f->g.rec_size);
    f->rec2 = slmem_alloc(f->g.rec_size);
    slaggs_rec_init(&f->g, f->rec, 7);
    slaggs_rec_init(&f->g, f->rec2, 7);
}

static void fx_free(fx *f) {
    slaggs_free(&f->g);
    slstate_free(f->st);
    slbatch_free(f->b);
    slbatch_free(f->o);
    slschema_unref(f->in);
    slschema_unref(f->out);
    slmem_free(f->rec);
    slmem_free(f->rec2);
}

static const slagg_key KEY = {"key", 3, 7};

/* Append a row: v (and d = v + 0.5, s = "s<v>", t = v s, f = v odd). */
static uint32_t put(fx *f, int64_t v, int64_t ts, bool null) {
    uint32_t i = slbatch_begin_row(f->b);
    if (!null) {
        char s[32];
        int n = snprintf(s, sizeof(s), "s%lld", (long long)v);
        slbatch_set_i64(f->b, 0, i, v);
        slbatch_set_f64(f->b, 1, i, (double)v + 0.5);
        slbatch_set_str(f->b, 2, i, s, (size_t)n);
        slbatch_set_i64(f->b, 3, i, v * SL_SECOND);
        slbatch_set_bool(f->b, 4, i, v % 2 != 0);
    }
    f->b->ts[i] = ts;
    f->b->n++;
    return i;
}

static void result(fx *f, void *rec, uint64_t ns) {
    slbatch_clear(f->o);
    uint32_t r = slbatch_begin_row(f->o);
    slaggs_result(&f->g, rec, &f->s, ns, &KEY, f->o, 0, r);
    f->o->n++;
}

TEST(stddev_add_retract_merge) {
    static const sl_agg aggs[] = {
        {SL_AGG_STDDEV, "d", NULL, NULL},
        {SL_AGG_STDDEV_POP, "v", NULL, NULL},
        {SL_AGG_AVG, "v", NULL, NULL},
        {SL_AGG_SUM, "d", NULL, NULL},
    };
    fx f;
    fx_init(&f, aggs, 4);
    /* Large offset: the naive sum-of-squares formula would lose everything. */
    int64_t base = 1000000000;
    for (int i = 0; i < 10; i++) {
        uint32_t r = put(&f, base + i, i, false);
        slaggs_add(&f.g, i < 5 ? f.rec : f.rec2, &f.s, i < 5 ? 1 : 2, &KEY, f.b, r, (uint64_t)i);
    }
    slaggs_merge(&f.g, f.rec, &f.s, 1, f.rec2, &f.s, 2, &KEY);
    result(&f, f.rec, 1);
    /* 0..9 (+0.5): sample sd = sqrt(82.5/9), population sd = sqrt(8.25) */
    CHECK_DBL(f.o->cols[0].v.f64[0], sqrt(82.5 / 9), 1e-9);
    CHECK_DBL(f.o->cols[1].v.f64[0], sqrt(8.25), 1e-9);
    CHECK_INT(f.o->cols[2].v.i64[0], base + 4); /* AVG of BIGINT: truncated */
    CHECK_DBL(f.o->cols[3].v.f64[0], 10.0 * (double)base + 50, 1e-3);
    /* Retract 9, 8, ..., 1: one value left. */
    for (uint32_t r = 9; r >= 1; r--) {
        slaggs_retract(&f.g, f.rec, &f.s, 1, &KEY, f.b, r);
    }
    result(&f, f.rec, 1);
    CHECK(slbatch_is_null(f.o, 0, 0)); /* sample sd of one value */
    CHECK_DBL(f.o->cols[1].v.f64[0], 0, 1e-9);
    CHECK_INT(f.o->cols[2].v.i64[0], base);
    fx_free(&f);
}

TEST(min_max_first_last_types) {
    static const sl_agg aggs[] = {
        {SL_AGG_MIN, "t", NULL, NULL},
        {SL_AGG_MAX, "f", NULL, NULL},
        {SL_AGG_MIN, "f", NULL, NULL},
        {SL_AGG_MAX, "d", NULL, NULL},
        {SL_AGG_FIRST_VALUE, "v", NULL, NULL},
        {SL_AGG_LAST_VALUE, "s", NULL, NULL},
        {SL_AGG_MAX, "s", NULL, NULL},
        {SL_AGG_COUNT, "v", NULL, NULL},
    };
    fx f;
    fx_init(&f, aggs, 8);
    int64_t vals[] = {4, 2, 8, 3, 5};
    int64_t tss[] = {10, 5, 5, 20, 20}; /* ties at 5 and at 20: arrival order */
    for (int i = 0; i < 5; i++) {
        uint32_t r = put(&f, vals[i], tss[i], false);
        slaggs_add(&f.g, i % 2 ? f.rec2 : f.rec, &f.s, i % 2 ? 2 : 1, &KEY, f.b, r,
                   (uint64_t)i);
    }
    uint32_t r = put(&f, 0, 100, true); /* NULLs are ignored */
    slaggs_add(&f.g, f.rec2, &f.s, 2, &KEY, f.b, r, 5);
    slaggs_merge(&f.g, f.rec, &f.s, 1, f.rec2, &f.s, 2, &KEY);
    result(&f, f.rec, 1);
    CHECK_INT(f.o->cols[0].v.i64[0], 2 * SL_SECOND);
    CHECK_INT(f.o->cols[1].v.b[0], 1);
    CHECK_INT(f.o->cols[2].v.b[0], 0);
    CHECK_DBL(f.o->cols[3].v.f64[0], 8.5, 0);
    CHECK_INT(f.o->cols[4].v.i64[0], 2); /* ts 5, arrived before 8 */
    CHECK(f.o->cols[5].v.s[0].len == 2 && memcmp(f.o->cols[5].v.s[0].ptr, "s5", 2) == 0);
    CHECK(f.o->cols[6].v.s[0].len == 2 && memcmp(f.o->cols[6].v.s[0].ptr, "s8", 2) == 0);
    CHECK_INT(f.o->cols[7].v.i64[0], 5);
    fx_free(&f);
}

TEST(count_distinct_add_retract_merge) {
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT_DISTINCT, "s", NULL, NULL},
        {SL_AGG_COUNT_DISTINCT, "d", NULL, NULL},
    };
    fx f;
    fx_init(&f, aggs, 2);
    slkv *recs = slstate_table(f.st, "recs", f.g.rec_size);
    int64_t vals[] = {1, 2, 1, 3, 1};
    uint32_t rows[5];
    for (int i = 0; i < 5; i++) {
        rows[i] = put(&f, vals[i], i, false);
        slaggs_add(&f.g, f.rec, &f.s, 1, &KEY, f.b, rows[i], (uint64_t)i);
    }
    result(&f, f.rec, 1);
    CHECK_INT(f.o->cols[0].v.i64[0], 3);
    CHECK_INT(f.o->cols[1].v.i64[0], 3);
    slaggs_retract(&f.g, f.rec, &f.s, 1, &KEY, f.b, rows[1]); /* the only 2 */
    slaggs_retract(&f.g, f.rec, &f.s, 1, &KEY, f.b, rows[0]); /* one of three 1s */
    result(&f, f.rec, 1);
    CHECK_INT(f.o->cols[0].v.i64[0], 2);
    /* Merge into another table: {1, 3} and {3, 9} give 3 distinct. */
    slaggs_store other = {slstate_table(f.st, "str2", 0), slstate_table(f.st, "d2", 0)};
    bool created;
    void *dst = slkv_upsert(recs, 0, KEY.key, KEY.klen, KEY.hash, &created);
    slaggs_rec_init(&f.g, dst, KEY.hash);
    uint32_t r9 = put(&f, 9, 9, false);
    uint32_t r3 = put(&f, 3, 9, false);
    slaggs_add(&f.g, dst, &other, 0, &KEY, f.b, r9, 9);
    slaggs_add(&f.g, dst, &other, 0, &KEY, f.b, r3, 10);
    slkv_release(recs, dst, true);
    slaggs_merge_distinct(&f.g, &other, 0, &f.s, 1, recs, 0, NULL);
    uint32_t vl;
    dst = slkv_get(recs, 0, KEY.key, KEY.klen, KEY.hash, &vl);
    slbatch_clear(f.o);
    uint32_t o = slbatch_begin_row(f.o);
    slaggs_result(&f.g, dst, &other, 0, &KEY, f.o, 0, o);
    CHECK_INT(f.o->cols[0].v.i64[0], 3);
    CHECK_INT(f.o->cols[1].v.i64[0], 3);
    fx_free(&f);
}

TEST(init_errors) {
    sl_schema *in;
    CHECK(sl_schema_parse("v BIGINT, s STRING", &in) == SL_OK);
    slaggs g;
    sl_agg a1[] = {{SL_AGG_AVG, "s", NULL, NULL}};
    CHECK(slaggs_init(&g, in, a1, 1) == SL_ERR_TYPE);
    sl_agg a2[] = {{SL_AGG_MIN, NULL, NULL, NULL}};
    CHECK(slaggs_init(&g, in, a2, 1) == SL_ERR_ARG);
    sl_agg a3[] = {{SL_AGG_UDAF, "v", NULL, NULL}};
    CHECK(slaggs_init(&g, in, a3, 1) == SL_ERR_ARG);
    sl_agg a4[] = {{SL_AGG_COUNT, "zz", NULL, NULL}};
    CHECK(slaggs_init(&g, in, a4, 1) == SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "zz");
    slschema_unref(in);
}

/* A UDAF: sum of squares of a BIGINT column. */
static void sq_init(void *acc, void *user) {
    SL_UNUSED(user);
    memset(acc, 0, 8);
}
static void sq_add(void *acc, const sl_row *r, int col, void *user) {
    SL_UNUSED(user);
    int64_t v = sl_row_bigint(r, col);
    *(int64_t *)acc += v * v;
}
static void sq_result(const void *acc, sl_out *o, int col, void *user) {
    SL_UNUSED(user);
    sl_out_bigint(o, col, *(const int64_t *)acc);
}
static const sl_udaf sq = {"sq", 8, SL_BIGINT, sq_init, sq_add, NULL, NULL, sq_result, NULL};

TEST(add_rows_matches_add) {
    /* Every kind over every type it takes, folded a run at a time into
     * records that several rows share, against slaggs_add row by row. */
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, NULL, NULL},        {SL_AGG_COUNT, "s", NULL, NULL},
        {SL_AGG_SUM, "v", NULL, NULL},           {SL_AGG_SUM, "d", NULL, NULL},
        {SL_AGG_AVG, "v", NULL, NULL},           {SL_AGG_AVG, "d", NULL, NULL},
        {SL_AGG_STDDEV, "d", NULL, NULL},        {SL_AGG_STDDEV_POP, "v", NULL, NULL},
        {SL_AGG_MIN, "t", NULL, NULL},           {SL_AGG_MAX, "v", NULL, NULL},
        {SL_AGG_MIN, "d", NULL, NULL},           {SL_AGG_MAX, "f", NULL, NULL},
        {SL_AGG_MIN, "s", NULL, NULL},           {SL_AGG_MAX, "s", NULL, NULL},
        {SL_AGG_FIRST_VALUE, "v", NULL, NULL},   {SL_AGG_LAST_VALUE, "d", NULL, NULL},
        {SL_AGG_FIRST_VALUE, "s", NULL, NULL},   {SL_AGG_LAST_VALUE, "s", NULL, NULL},
        {SL_AGG_COUNT_DISTINCT, "v", NULL, NULL}, {SL_AGG_COUNT_DISTINCT, "s", NULL, NULL},
        {SL_AGG_UDAF, "v", NULL, &sq},           {SL_AGG_COUNT, NULL, NULL, NULL},
    };
    enum { NA = (int)(sizeof(aggs) / sizeof(aggs[0])), ROWS = 40, RECS = 3 };
    fx f;
    fx_init(&f, aggs, NA);
    slaggs_store other = {slstate_table(f.st, "str2", 0), slstate_table(f.st, "d2", 0)};
    static const char *names[RECS] = {"a", "bb", "c"};
    slkv_key keys[ROWS];
    void *recs[ROWS];
    void *ra[RECS], *rb[RECS];
    for (int r = 0; r < RECS; r++) {
        uint64_t h = slhash_bytes(names[r], strlen(names[r]), 0);
        ra[r] = slmem_alloc(f.g.rec_size);
        rb[r] = slmem_alloc(f.g.rec_size);
        slaggs_rec_init(&f.g, ra[r], h);
        slaggs_rec_init(&f.g, rb[r], h);
    }
    /* Values repeat (distinct counts), ts ties (FIRST/LAST by arrival), a
     * NULL row every 7th. */
    for (int j = 0; j < ROWS; j++) {
        int64_t v = (j * 13) % 11 - 3;
        put(&f, v, (j / 4) * 10, j % 7 == 3);
        int r = (j * 5) % RECS;
        keys[j] = (slkv_key){names[r], (uint32_t)strlen(names[r]),
                             slhash_bytes(names[r], strlen(names[r]), 0)};
        recs[j] = ra[r];
    }
    /* Two runs: rows 0..16 and 17..39 (arrival numbers go on). */
    slaggs_add_rows(&f.g, recs, &f.s, 1, keys, f.b, 0, 17, 100);
    slaggs_add_rows(&f.g, recs + 17, &f.s, 1, keys + 17, f.b, 17, ROWS - 17, 117);
    for (int j = 0; j < ROWS; j++) {
        int r = (j * 5) % RECS;
        slagg_key k = {keys[j].key, keys[j].klen, keys[j].hash};
        slaggs_add(&f.g, rb[r], &other, 1, &k, f.b, (uint32_t)j, 100 + (uint64_t)j);
    }
    slbuf ja = {0}, jb = {0};
    for (int r = 0; r < RECS; r++) {
        slagg_key k = {names[r], (uint32_t)strlen(names[r]),
                       slhash_bytes(names[r], strlen(names[r]), 0)};
        slbatch_clear(f.o);
        uint32_t o = slbatch_begin_row(f.o);
        slaggs_result(&f.g, ra[r], &f.s, 1, &k, f.o, 0, o);
        f.o->n++;
        o = slbatch_begin_row(f.o);
        slaggs_result(&f.g, rb[r], &other, 1, &k, f.o, 0, o);
        f.o->n++;
        slbuf_reset(&ja);
        slbuf_reset(&jb);
        slfmt_json_row(&ja, f.o, 0, false);
        slfmt_json_row(&jb, f.o, 1, false);
        CHECK_STR(slbuf_cstr(&ja), slbuf_cstr(&jb));
        if (r == 0) {
            /* Record "a": rows 0, 3, 6, ...: 14 rows, 12 not NULL, sum 16,
             * 10 distinct values, squares 166, first -3 (checked by hand). */
            CHECK_STR(slbuf_cstr(&ja),
                      "{\"a0\":14,\"a1\":12,\"a2\":16,\"a3\":22.0,\"a4\":1,"
                      "\"a5\":1.8333333333333333,\"a6\":3.6265017787828464,"
                      "\"a7\":3.4721111093332766,\"a8\":\"1969-12-31 23:59:57\",\"a9\":7,"
                      "\"a10\":-2.5,\"a11\":true,\"a12\":\"s-1\",\"a13\":\"s7\",\"a14\":-3,"
                      "\"a15\":-1.5,\"a16\":\"s-3\",\"a17\":\"s-2\",\"a18\":10,\"a19\":10,"
                      "\"a20\":166,\"a21\":14}");
        }
        CHECK_INT(slaggs_rec_rows(ra[r]), slaggs_rec_rows(rb[r]));
        CHECK(memcmp(ra[r], rb[r], f.g.rec_size) == 0);
        slmem_free(ra[r]);
        slmem_free(rb[r]);
    }
    slbuf_free(&ja);
    slbuf_free(&jb);
    fx_free(&f);
}
