/*
 * test_agg_distinct.c - COUNT DISTINCT aggregates that share one distinct
 * set per column (agg.h), with FILTER columns: the set layout itself, then
 * the GROUP BY and window operators driven through opcut.h (exact output,
 * snapshot/restore at every cut, rescale by key group) on the backend under
 * test (test_agg_distinct_rocksdb.c runs it again on RocksDB).
 *
 * Input: k STRING, v BIGINT, s STRING, f1 BOOLEAN, f2 BOOLEAN; aggregates
 * over v and s under the filters f1, f2 or none.
 */
#include "ops/agg.h"
#include "ops/group.h"
#include "ops/window.h"
#include "opcut.h"

static const char *SCHEMA = "k STRING, v BIGINT, s STRING, f1 BOOLEAN, f2 BOOLEAN";

/* n, nd, nd1, nd2, n1, s2, ns1, ns2 */
static const sl_agg AGGS[] = {
    {SL_AGG_COUNT, NULL, "n", NULL},
    {SL_AGG_COUNT_DISTINCT, "v", "nd", NULL},
    {SL_AGG_COUNT_DISTINCT, "v", "nd1", NULL},
    {SL_AGG_COUNT_DISTINCT, "v", "nd2", NULL},
    {SL_AGG_COUNT, NULL, "n1", NULL},
    {SL_AGG_SUM, "v", "s2", NULL},
    {SL_AGG_COUNT_DISTINCT, "s", "ns1", NULL},
    {SL_AGG_COUNT_DISTINCT, "s", "ns2", NULL},
};
static const char *const FILTERS[] = {NULL, NULL, "f1", "f2", "f1", "f2", "f1", "f2"};
#define NAGGS ((int)SL_ARRAY_LEN(AGGS))

/* ---- the set layout ---- */

typedef struct entries {
    int n;
    uint32_t vlens;  /* sum of value lengths */
    int64_t mults;   /* sum of all multiplicities */
} entries;

static bool count_entry(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                        void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(key);
    SL_UNUSED(klen);
    entries *e = user;
    e->n++;
    e->vlens += vlen;
    for (uint32_t j = 0; j + 8 <= vlen; j += 8) {
        int64_t m;
        memcpy(&m, (char *)val + j, 8);
        e->mults += m;
    }
    return true;
}

TEST(sets_group_aggregates_by_column) {
    sl_schema *in;
    CHECK(sl_schema_parse(SCHEMA, &in) == SL_OK);
    slaggs g;
    CHECK_INT(slaggs_init_filtered(&g, in, AGGS, FILTERS, NAGGS), SL_OK);
    CHECK_INT(g.n_dsets, 2);
    CHECK_INT(g.dsets[0].col, 1);
    CHECK_INT(g.dsets[0].leader, 1);
    CHECK_INT(g.dsets[0].n, 3);
    CHECK_INT(g.dsets[1].col, 2);
    CHECK_INT(g.dsets[1].leader, 6);
    CHECK_INT(g.dsets[1].n, 2);
    CHECK_INT(g.a[3].dset, 0);
    CHECK_INT(g.a[3].slot, 2);
    CHECK_INT(g.a[7].slot, 1);
    CHECK_INT(g.a[4].dset, -1);
    CHECK_INT(g.a[4].filter, 3);

    /* Rows into one record: one entry per (value, set), the multiplicities
     * of the members that accepted it. */
    slstate *st = sltest_state_new(SL_KEY_GROUPS);
    slaggs_store store = {slstate_table(st, "t.str", 0), slstate_table(st, "t.distinct", 0)};
    slbatch *b = slbatch_new(in, 8);
    static const struct {
        int64_t v;
        const char *s;
        int f1, f2; /* -1: NULL */
    } rows[] = {
        {1, "x", 1, 0}, {1, "x", 0, 1}, {1, "y", 0, 0}, {2, "x", -1, 1}, {-1, NULL, 1, 1},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(rows); i++) {
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_str(b, 0, r, "k", 1);
        if (rows[i].v >= 0) {
            slbatch_set_i64(b, 1, r, rows[i].v);
        }
        if (rows[i].s) {
            slbatch_set_str(b, 2, r, rows[i].s, 1);
        }
        if (rows[i].f1 >= 0) {
            slbatch_set_bool(b, 3, r, rows[i].f1);
        }
        if (rows[i].f2 >= 0) {
            slbatch_set_bool(b, 4, r, rows[i].f2);
        }
        b->n++;
    }
    char rec[512];
    CHECK((size_t)g.rec_size <= sizeof rec);
    slagg_key k = {"k", 1, 0x1234567890abcdefULL};
    slaggs_rec_init(&g, rec, k.hash);
    for (uint32_t i = 0; i < b->n; i++) {
        slaggs_add(&g, rec, &store, 7, &k, b, i, i);
    }
    entries e = {0};
    slkv_visit_ns(store.distinct, 7, count_entry, &e);
    /* v: 1 (3 slots), 2 (3 slots); s: x (2 slots), y (no member took it:
     * no entry). */
    CHECK_INT(e.n, 3);
    CHECK_INT(e.vlens, 3 * 8 + 3 * 8 + 2 * 8);
    /* v=1: all 3, f1 1, f2 1; v=2: all 1, f2 1; x: f1 1, f2 2 */
    CHECK_INT(e.mults, 5 + 2 + 3);
    slbatch *out = slbatch_new(in, 1); /* any schema with 8 BIGINT-able columns */
    sl_schema *os;
    CHECK(sl_schema_parse("n BIGINT, nd BIGINT, nd1 BIGINT, nd2 BIGINT, n1 BIGINT, s2 BIGINT, "
                          "ns1 BIGINT, ns2 BIGINT",
                          &os) == SL_OK);
    slbatch_free(out);
    out = slbatch_new(os, 1);
    slaggs_result(&g, rec, &store, 7, &k, out, 0, 0);
    int64_t want[] = {5, 2, 1, 2, 2, 3, 1, 1};
    for (int c = 0; c < 8; c++) {
        CHECK_INT(out->cols[c].v.i64[0], want[c]);
    }
    /* Retract every row: the entries go as their last slot empties. */
    for (uint32_t i = 0; i < b->n; i++) {
        slaggs_retract(&g, rec, &store, 7, &k, b, i);
    }
    e = (entries){0};
    slkv_visit_ns(store.distinct, 7, count_entry, &e);
    CHECK_INT(e.n, 0);
    slaggs_result(&g, rec, &store, 7, &k, out, 0, 0);
    for (int c = 0; c < 8; c++) {
        if (c == 5) {
            CHECK(slbatch_is_null(out, 5, 0)); /* SUM of no rows */
        } else {
            CHECK_INT(out->cols[c].v.i64[0], 0);
        }
    }
    CHECK_INT(slaggs_rec_rows(rec), 0);
    slbatch_free(out);
    slschema_unref(os);
    slbatch_free(b);
    slaggs_free(&g);
    sltest_unpin(st);
    slstate_free(st);

    /* Filter errors. */
    const char *bad_col[] = {NULL, NULL, "nope", NULL, NULL, NULL, NULL, NULL};
    CHECK_INT(slaggs_init_filtered(&g, in, AGGS, bad_col, NAGGS), SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "no column 'nope'");
    const char *bad_type[] = {NULL, NULL, "s", NULL, NULL, NULL, NULL, NULL};
    CHECK_INT(slaggs_init_filtered(&g, in, AGGS, bad_type, NAGGS), SL_ERR_TYPE);
    CHECK_CONTAINS(sl_errmsg(), "BOOLEAN is needed");
    slschema_unref(in);
}

/* The rows of the layout tests: v, s, f1, f2 (-1: NULL). */
static slbatch *layout_rows(const sl_schema *in) {
    static const struct {
        int64_t v;
        const char *s;
        int f1, f2;
    } rows[] = {
        {1, "x", 1, 0}, {1, "x", 0, 1}, {1, "y", 0, 0}, {2, "x", -1, 1}, {-1, NULL, 1, 1},
    };
    slbatch *b = slbatch_new((sl_schema *)in, 8);
    for (size_t i = 0; i < SL_ARRAY_LEN(rows); i++) {
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_str(b, 0, r, "k", 1);
        if (rows[i].v >= 0) {
            slbatch_set_i64(b, 1, r, rows[i].v);
        }
        if (rows[i].s) {
            slbatch_set_str(b, 2, r, rows[i].s, 1);
        }
        if (rows[i].f1 >= 0) {
            slbatch_set_bool(b, 3, r, rows[i].f1);
        }
        if (rows[i].f2 >= 0) {
            slbatch_set_bool(b, 4, r, rows[i].f2);
        }
        b->n++;
    }
    return b;
}

/*
 * Rows 0-1 in namespace 7 of one store, rows 2-4 in namespace 0 of another
 * (the record in a table, as the window operator keeps it), merged
 * (slaggs_merge, then slaggs_merge_distinct): the results of all five rows
 * in one record. With multiplicities and with member bitmaps (whose entries
 * are one uint64 each).
 */
TEST(sets_merge_multiplicities_and_bitmaps) {
    sl_schema *in, *os;
    CHECK(sl_schema_parse(SCHEMA, &in) == SL_OK);
    CHECK(sl_schema_parse("n BIGINT, nd BIGINT, nd1 BIGINT, nd2 BIGINT, n1 BIGINT, s2 BIGINT, "
                          "ns1 BIGINT, ns2 BIGINT",
                          &os) == SL_OK);
    slbatch *b = layout_rows(in);
    for (int bits = 0; bits <= 1; bits++) {
        slaggs g;
        CHECK_INT(slaggs_init_filtered(&g, in, AGGS, FILTERS, NAGGS), SL_OK);
        if (bits) {
            slaggs_distinct_bits(&g);
            CHECK(g.distinct_bits);
        }
        slstate *st = sltest_state_new(SL_KEY_GROUPS);
        slaggs_store sa = {slstate_table(st, "a.str", 0), slstate_table(st, "a.distinct", 0)};
        slaggs_store sb = {slstate_table(st, "b.str", 0), slstate_table(st, "b.distinct", 0)};
        slkv *recs = slstate_table(st, "b.acc", g.rec_size);
        slagg_key k = {"k", 1, 0x1234567890abcdefULL};
        char ra[512];
        slaggs_rec_init(&g, ra, k.hash);
        for (uint32_t i = 0; i < 2; i++) {
            slaggs_add(&g, ra, &sa, 7, &k, b, i, i);
        }
        bool created;
        char *rb = slkv_upsert(recs, 0, k.key, k.klen, k.hash, &created);
        slaggs_rec_init(&g, rb, k.hash);
        for (uint32_t i = 2; i < 5; i++) {
            slaggs_add(&g, rb, &sb, 0, &k, b, i, i);
        }
        entries e = {0};
        slkv_visit_ns(sa.distinct, 7, count_entry, &e);
        CHECK_INT(e.n, 2); /* v=1, x */
        CHECK_INT(e.vlens, bits ? 16 : 3 * 8 + 2 * 8);
        /* counts: v=1 [2,1,1], x [1,1]; bits: v=1 0b111, x 0b11 */
        CHECK_INT(e.mults, bits ? 7 + 3 : 4 + 2);
        slaggs_merge(&g, rb, &sb, 0, ra, &sa, 7, &k);
        slkv_release(recs, rb, true);
        slaggs_merge_distinct(&g, &sb, 0, &sa, 7, recs, 0, NULL);
        e = (entries){0};
        slkv_visit_ns(sb.distinct, 0, count_entry, &e);
        CHECK_INT(e.n, 3); /* v=1, v=2, x (y was taken by no member) */
        CHECK_INT(e.vlens, bits ? 24 : 3 * 8 + 3 * 8 + 2 * 8);
        /* counts: v=1 [3,1,1], v=2 [1,0,1], x [1,2]; bits: 0b111, 0b101, 0b11 */
        CHECK_INT(e.mults, bits ? 7 + 5 + 3 : 5 + 2 + 3);
        uint32_t vl;
        rb = slkv_get(recs, 0, k.key, k.klen, k.hash, &vl);
        CHECK(rb != NULL);
        slbatch *out = slbatch_new(os, 1);
        slaggs_result(&g, rb, &sb, 0, &k, out, 0, 0);
        slkv_release(recs, rb, false);
        int64_t want[] = {5, 2, 1, 2, 2, 3, 1, 1};
        for (int c = 0; c < 8; c++) {
            CHECK_INT(out->cols[c].v.i64[0], want[c]);
        }
        slbatch_free(out);
        sltest_unpin(st);
        slstate_free(st);
        slaggs_free(&g);
    }
    slbatch_free(b);
    slschema_unref(os);
    slschema_unref(in);
}

/* ---- GROUP BY over a changelog ---- */

static void group_cuts_ttl(bool updating, int64_t ttl_us, const char *const *script,
                           int n_script, const char *want) {
    sl_schema *in;
    CHECK(sl_schema_parse(SCHEMA, &in) == SL_OK);
    slkeyspec key = {1, {0}};
    slgroup_arg *a;
    CHECK(slgroup_arg_new_filtered(in, &key, AGGS, FILTERS, NAGGS, updating, &a) == SL_OK);
    slaggs g;
    CHECK(slaggs_init_filtered(&g, in, AGGS, FILTERS, NAGGS) == SL_OK);
    const sltest_table tabs[] = {
        {"group.acc", g.rec_size}, {"group.str", 0}, {"group.distinct", 0}};
    opcut oc = {SCHEMA, key, slgroup_new, a, a->out, tabs, 3, ttl_us, ttl_us > 0};
    opcut_check(&oc, script, n_script, want);
    slaggs_free(&g);
    slgroup_arg_free(a);
    slschema_unref(in);
}

static void group_cuts(bool updating, const char *const *script, int n_script,
                       const char *want) {
    group_cuts_ttl(updating, 0, script, n_script, want);
}

/*
 * Filters that accept and reject the same value, NULL values and NULL
 * filters, retractions that empty one slot of an entry but not the others,
 * an entry removed when its last slot empties, a group removed (-D) and
 * started again with no old values, an update (-U/+U) that changes a row's
 * filter.
 */
TEST(group_shared_sets_with_filters_and_retractions) {
    static const char *const script[] = {
        "+I a 1 x true false @1",
        "+I a 1 y false true @2",
        "|",
        "+I a NULL z true true @3",
        "+I a 2 x NULL true @4",
        "|",
        "-D a 1 x true false @5",
        "|",
        "-D a 1 y false true @6",
        "+I a 1 y true false @7",
        "|",
        "+I b 5 w false false @8",
        "+I c 5 w true true @8",
        "|",
        "-D b 5 w false false @9",
        "|",
        "+I b 5 w true NULL @10",
        "+I d 6 w false true @10",
        "-U a 2 x NULL true @11",
        "+U a 2 x true true @11",
        "|",
        "+I e 7 q true true @12",
        "-D c 5 w true true @12",
    };
    group_cuts(true, script, (int)SL_ARRAY_LEN(script),
               /*  k n nd nd1 nd2 n1 s2 ns1 ns2 */
               "+I a 1 1 1 0 1 NULL 1 0 @1\n"
               "-U a 1 1 1 0 1 NULL 1 0 @2\n"
               "+U a 2 1 1 1 1 1 1 1 @2\n"
               "-U a 2 1 1 1 1 1 1 1 @3\n"
               "+U a 3 1 1 1 2 1 2 2 @3\n"
               "-U a 3 1 1 1 2 1 2 2 @4\n"
               "+U a 4 2 1 2 2 3 2 3 @4\n"
               "-U a 4 2 1 2 2 3 2 3 @5\n"
               "+U a 3 2 0 2 1 3 1 3 @5\n"
               "-U a 3 2 0 2 1 3 1 3 @6\n"
               "+U a 2 1 0 1 1 2 1 2 @6\n"
               "-U a 2 1 0 1 1 2 1 2 @7\n"
               "+U a 3 2 1 1 2 2 2 2 @7\n"
               "+I b 1 1 0 0 0 NULL 0 0 @8\n"
               "+I c 1 1 1 1 1 5 1 1 @8\n"
               "-D b 1 1 0 0 0 NULL 0 0 @9\n"
               "+I b 1 1 1 0 1 NULL 1 0 @10\n"
               "+I d 1 1 0 1 0 6 0 1 @10\n"
               "-U a 3 2 1 1 2 2 2 2 @11\n"
               "+U a 2 1 1 0 2 NULL 2 1 @11\n"
               "-U a 2 1 1 0 2 NULL 2 1 @11\n"
               "+U a 3 2 2 1 3 2 3 2 @11\n"
               "+I e 1 1 1 1 1 7 1 1 @12\n"
               "-D c 1 1 1 1 1 5 1 1 @12\n"
               "~late=0 expired=0\n");
}

/*
 * State TTL (2 s): a shared entry lives as long as any of its aggregates
 * touches it (v=1 is kept alive by rows that only the unfiltered aggregate
 * and f2 take); an entry left alone expires as a whole, and the value comes
 * back as new (counted again, as Flink's expired MapState entries are).
 */
TEST(group_shared_sets_state_ttl) {
    static const char *const script[] = {
        "tick 0",    "+I a 1 x true false @1", "|",
        "tick 1000", "+I a 1 y false true @2", "|",
        "tick 1500", "+I a 2 y false false @3", "|",
        "tick 2500", "+I a 1 x true false @4", "|",
        "tick 3200", "+I a 2 y false true @5", "|",
    };
    /* x (last touched at 0) expires at 2 s, y (1 s; the row at 1.5 s is
     * taken by no member) at 3 s: each comes back counted again. */
    group_cuts_ttl(false, 2 * SL_SECOND, script, (int)SL_ARRAY_LEN(script),
                   /*  k n nd nd1 nd2 n1 s2 ns1 ns2 */
                   "+I a 1 1 1 0 1 NULL 1 0 @1\n"
                   "-U a 1 1 1 0 1 NULL 1 0 @2\n"
                   "+U a 2 1 1 1 1 1 1 1 @2\n"
                   "-U a 2 1 1 1 1 1 1 1 @3\n"
                   "+U a 3 2 1 1 1 1 1 1 @3\n"
                   "-U a 3 2 1 1 1 1 1 1 @4\n"
                   "+U a 4 2 1 1 2 1 2 1 @4\n"
                   "-U a 4 2 1 1 2 1 2 1 @5\n"
                   "+U a 5 2 1 2 2 3 2 2 @5\n"
                   "~late=0 expired=2\n");
}

/* ---- windows ---- */

static void window_cuts(const sl_window_spec *spec, const char *const *script, int n_script,
                        const char *want) {
    sl_schema *in;
    CHECK(sl_schema_parse(SCHEMA, &in) == SL_OK);
    slkeyspec key = {1, {0}};
    slwindow_arg *a;
    /* No SUM (window output stays short): n, nd, nd1, nd2, n1, ns1, ns2. */
    static const int pick[] = {0, 1, 2, 3, 4, 6, 7};
    sl_agg aggs[7];
    const char *filters[7];
    for (int i = 0; i < 7; i++) {
        aggs[i] = AGGS[pick[i]];
        filters[i] = FILTERS[pick[i]];
    }
    CHECK(slwindow_arg_new_filtered(in, &key, spec, aggs, filters, 7, &a) == SL_OK);
    slaggs g;
    CHECK(slaggs_init_filtered(&g, in, aggs, filters, 7) == SL_OK);
    const sltest_table tabs[] = {
        {"win.acc", g.rec_size}, {"win.str", 0},   {"win.distinct", 0}, {"win.prev", 0},
        {"win.early", 8},        {"win.late", 8},  {"win.meta", 0},
        {"win.timers", SLTIMERS_STATE_VAL},
    };
    opcut oc = {SCHEMA, key, slwindow_new, a, a->out, tabs, (int)SL_ARRAY_LEN(tabs), 0, false};
    opcut_check(&oc, script, n_script, want);
    slaggs_free(&g);
    slwindow_arg_free(a);
    slschema_unref(in);
}

/*
 * HOP windows of 10 s sliding by 5 s are slices of 5 s combined at firing:
 * an entry of one slice whose slot is empty meets the same value with that
 * slot set in another slice (merge adds slot by slot; the count moves only
 * where the combined slot becomes non-zero).
 */
TEST(hop_windows_combine_shared_sets) {
    sl_window_spec spec = sl_window_hop(10 * SL_SECOND, 5 * SL_SECOND);
    static const char *const script[] = {
        "+I a 1 y false true @6", "+I a 2 x true true @7",  "+I b 3 x true false @2",
        "+I c 4 x false false @3", "|",
        "+I a 1 z true false @12", "+I a NULL z true true @13", "+I d 4 x true true @11",
        "+I e 5 x NULL NULL @12", "+I b 3 y false true @8", "|",
        "wm 10", "+I a 2 q false false @14", "|", "wm 20",
    };
    window_cuts(&spec, script, (int)SL_ARRAY_LEN(script),
                /* k start end n nd nd1 nd2 n1 ns1 ns2 */
                "+I b -5 5 1 1 1 0 1 1 0 @4\n"
                "+I c -5 5 1 1 0 0 0 0 0 @4\n"
                "+I b 0 10 2 1 1 1 1 1 1 @9\n"
                "+I c 0 10 1 1 0 0 0 0 0 @9\n"
                "+I a 0 10 2 2 1 2 1 1 2 @9\n"
                "+I a 5 15 5 2 2 2 3 2 3 @14\n"
                "+I b 5 15 1 1 0 1 0 0 1 @14\n"
                "+I d 5 15 1 1 1 1 1 1 1 @14\n"
                "+I e 5 15 1 1 0 0 0 0 0 @14\n"
                "+I a 10 20 3 2 1 0 2 1 1 @19\n"
                "+I d 10 20 1 1 1 1 1 1 1 @19\n"
                "+I e 10 20 1 1 0 0 0 0 0 @19\n"
                "~late=0 expired=0\n");
}

/*
 * Session windows (gap 5 s): sessions merge when a row bridges them, and
 * the merged session's sets are the slot-by-slot sums of both (the same
 * table on both sides: merge_distinct copies the entries out first).
 */
TEST(session_merge_shared_sets) {
    sl_window_spec spec = sl_window_session(5 * SL_SECOND);
    static const char *const script[] = {
        "+I a 1 x true false @1", "+I a 1 x false true @12", "+I b 2 y true true @1", "|",
        "+I a 2 y false false @3", "+I c 1 x true true @2", "|",
        "+I a 1 z true true @8",  "+I b 3 y false true @30", "|",
        "wm 40",
    };
    window_cuts(&spec, script, (int)SL_ARRAY_LEN(script),
                /* k start end n nd nd1 nd2 n1 ns1 ns2 */
                "+I a 1 17 4 2 1 1 2 2 2 @16\n"
                "+I b 1 6 1 1 1 1 1 1 1 @5\n"
                "+I b 30 35 1 1 0 1 0 0 1 @34\n"
                "+I c 2 7 1 1 1 1 1 1 1 @6\n"
                "~late=0 expired=0\n");
}
