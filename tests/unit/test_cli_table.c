/*
 * The shell's result table (src/cli/table.c): the changelog applied to a
 * materialised result (+I, -U/+U pairs updating in place, -D, duplicates,
 * retractions that match nothing, compaction) and the exact rendered text
 * (NULLs, every type, alignment, truncation of multi-byte UTF-8 and wide
 * characters, escapes, row and line limits). One test feeds the table from a
 * real job through sl_row, as the shell does.
 */
#include <math.h>

#include "cli/shell_int.h"
#include "test.h"

/* ---- helpers: a table of (k STRING, n BIGINT) ---- */

static slcli_table *kn_table(void) {
    sl_schema *s = schema_of("k STRING, n BIGINT");
    slcli_table *t = slcli_table_new(s);
    sl_schema_free(s);
    return t;
}

static void kn(slcli_table *t, sl_rowkind kind, const char *k, int64_t n) {
    slcli_val v[2] = {{.null = k == NULL, .str = k, .len = k ? strlen(k) : 0}, {.i64 = n}};
    slcli_table_apply_vals(t, kind, v);
}

/* The rendered table as a C string (static buffer, valid until the next call). */
static const char *render(slcli_table *t, uint64_t max_rows, int max_cell, int max_line) {
    static slbuf out;
    slbuf_reset(&out);
    slcli_render ro = {.max_rows = max_rows, .max_cell = max_cell, .max_line = max_line};
    slcli_table_render(t, &ro, &out, NULL);
    return slbuf_cstr(&out);
}

static uint64_t rows_of(slcli_table *t) {
    slcli_table_stats st;
    slcli_table_stats_get(t, &st);
    return st.rows;
}

static uint64_t unmatched_of(slcli_table *t) {
    slcli_table_stats st;
    slcli_table_stats_get(t, &st);
    return st.unmatched;
}

/* ---- changelog ---- */

TEST(inserts_render_in_arrival_order) {
    slcli_table *t = kn_table();
    kn(t, SL_INSERT, "pear", 20);
    kn(t, SL_INSERT, "apple", 5);
    kn(t, SL_INSERT, "fig", 1234567);
    uint64_t shown = 0;
    slbuf out = {0};
    slcli_render ro = {0};
    int lines = slcli_table_render(t, &ro, &out, &shown);
    CHECK_STR(slbuf_cstr(&out), "+-------+---------+\n"
                                "| k     |       n |\n"
                                "+-------+---------+\n"
                                "| pear  |      20 |\n"
                                "| apple |       5 |\n"
                                "| fig   | 1234567 |\n"
                                "+-------+---------+\n");
    CHECK_INT(lines, 7);
    CHECK_INT(shown, 3);
    CHECK_INT(rows_of(t), 3);
    slbuf_free(&out);
    slcli_table_free(t);
}

TEST(empty_table_shows_the_header) {
    slcli_table *t = kn_table();
    CHECK_STR(render(t, 0, 0, 0), "+---+---+\n"
                                  "| k | n |\n"
                                  "+---+---+\n"
                                  "+---+---+\n");
    CHECK_INT(rows_of(t), 0);
    slcli_table_free(t);
}

TEST(update_pairs_replace_the_row_in_place) {
    slcli_table *t = kn_table();
    kn(t, SL_INSERT, "apple", 1);
    kn(t, SL_INSERT, "pear", 1);
    kn(t, SL_INSERT, "plum", 1);
    kn(t, SL_UPDATE_BEFORE, "apple", 1);
    kn(t, SL_UPDATE_AFTER, "apple", 2);
    kn(t, SL_UPDATE_BEFORE, "pear", 1);
    kn(t, SL_UPDATE_AFTER, "pear", 100);
    kn(t, SL_UPDATE_BEFORE, "apple", 2);
    kn(t, SL_UPDATE_AFTER, "apple", 3);
    CHECK_STR(render(t, 0, 0, 0), "+-------+-----+\n"
                                  "| k     |   n |\n"
                                  "+-------+-----+\n"
                                  "| apple |   3 |\n"
                                  "| pear  | 100 |\n"
                                  "| plum  |   1 |\n"
                                  "+-------+-----+\n");
    CHECK_INT(rows_of(t), 3);
    CHECK_INT(unmatched_of(t), 0);
    slcli_table_free(t);
}

TEST(update_before_alone_removes_and_a_later_insert_appends) {
    slcli_table *t = kn_table();
    kn(t, SL_INSERT, "a", 1);
    kn(t, SL_INSERT, "b", 1);
    kn(t, SL_UPDATE_BEFORE, "a", 1);
    kn(t, SL_INSERT, "c", 1);       /* not a +U: the hole of 'a' is not reused */
    kn(t, SL_UPDATE_AFTER, "a", 2); /* no -U right before it: appended */
    CHECK_STR(render(t, 0, 0, 0), "+---+---+\n"
                                  "| k | n |\n"
                                  "+---+---+\n"
                                  "| b | 1 |\n"
                                  "| c | 1 |\n"
                                  "| a | 2 |\n"
                                  "+---+---+\n");
    slcli_table_free(t);
}

TEST(delete_removes_one_equal_row) {
    slcli_table *t = kn_table();
    kn(t, SL_INSERT, "x", 1);
    kn(t, SL_INSERT, "y", 1);
    kn(t, SL_INSERT, "x", 1); /* a duplicate */
    kn(t, SL_INSERT, "x", 2); /* equal key, other value: a different row */
    kn(t, SL_DELETE, "x", 1);
    CHECK_INT(rows_of(t), 3);
    CHECK_STR(render(t, 0, 0, 0), "+---+---+\n"
                                  "| k | n |\n"
                                  "+---+---+\n"
                                  "| x | 1 |\n"
                                  "| y | 1 |\n"
                                  "| x | 2 |\n"
                                  "+---+---+\n");
    kn(t, SL_DELETE, "x", 1);
    kn(t, SL_DELETE, "x", 1); /* none left: counted, ignored */
    kn(t, SL_UPDATE_BEFORE, "nope", 7);
    CHECK_INT(unmatched_of(t), 2);
    kn(t, SL_DELETE, "y", 1);
    kn(t, SL_DELETE, "x", 2);
    CHECK_INT(rows_of(t), 0);
    CHECK_STR(render(t, 0, 0, 0), "+---+---+\n"
                                  "| k | n |\n"
                                  "+---+---+\n"
                                  "+---+---+\n");
    slcli_table_stats st;
    slcli_table_stats_get(t, &st);
    CHECK_INT(st.changes, 10);
    slcli_table_free(t);
}

TEST(nulls_match_nulls_only) {
    slcli_table *t = kn_table();
    kn(t, SL_INSERT, NULL, 1);
    kn(t, SL_INSERT, "", 1); /* the empty string is not NULL */
    kn(t, SL_INSERT, "NULL", 1);
    kn(t, SL_DELETE, NULL, 1);
    CHECK_STR(render(t, 0, 0, 0), "+------+---+\n"
                                  "| k    | n |\n"
                                  "+------+---+\n"
                                  "|      | 1 |\n"
                                  "| NULL | 1 |\n"
                                  "+------+---+\n");
    kn(t, SL_DELETE, "NULL", 1);
    kn(t, SL_INSERT, NULL, 2);
    CHECK_STR(render(t, 0, 0, 0), "+------+---+\n"
                                  "| k    | n |\n"
                                  "+------+---+\n"
                                  "|      | 1 |\n"
                                  "| NULL | 2 |\n"
                                  "+------+---+\n");
    CHECK_INT(unmatched_of(t), 0);
    slcli_table_free(t);
}

TEST(every_type_and_null_renders) {
    sl_schema *s = schema_of("b BOOLEAN, i BIGINT, d DOUBLE, s STRING, ts TIMESTAMP");
    slcli_table *t = slcli_table_new(s);
    sl_schema_free(s);
    int64_t ts;
    sl_parse_timestamp("2024-01-01 10:00:00", 19, &ts);
    slcli_val r1[5] = {
        {.b = true}, {.i64 = -42}, {.f64 = 0.1}, {.str = "x", .len = 1}, {.i64 = ts}};
    slcli_val r2[5] = {
        {.b = false}, {.i64 = INT64_MIN}, {.f64 = 3.0}, {.str = "", .len = 0}, {.i64 = ts + 1500}};
    slcli_val r3[5] = {
        {.null = true}, {.null = true}, {.null = true}, {.null = true}, {.null = true}};
    slcli_val r4[5] = {{.b = true}, {.i64 = 0}, {.f64 = 1e20}, {.str = "y", .len = 1}, {.i64 = 0}};
    slcli_val r5[5] = {{.b = true}, {.i64 = 7}, {.f64 = NAN}, {.str = "z", .len = 1}, {.i64 = -1}};
    slcli_val r6[5] = {
        {.b = true}, {.i64 = 7}, {.f64 = -INFINITY}, {.str = "w", .len = 1}, {.null = true}};
    slcli_val r7[5] = {
        {.b = true}, {.i64 = 7}, {.f64 = -2.5e-7}, {.str = "v", .len = 1}, {.null = true}};
    slcli_table_apply_vals(t, SL_INSERT, r1);
    slcli_table_apply_vals(t, SL_INSERT, r2);
    slcli_table_apply_vals(t, SL_INSERT, r3);
    slcli_table_apply_vals(t, SL_INSERT, r4);
    slcli_table_apply_vals(t, SL_INSERT, r5);
    slcli_table_apply_vals(t, SL_INSERT, r6);
    slcli_table_apply_vals(t, SL_INSERT, r7);
    CHECK_STR(render(t, 0, 0, 0),
              "+-------+----------------------+-----------+------+----------------------------+\n"
              "| b     |                    i |         d | s    | ts                         |\n"
              "+-------+----------------------+-----------+------+----------------------------+\n"
              "| TRUE  |                  -42 |       0.1 | x    | 2024-01-01 10:00:00        |\n"
              "| FALSE | -9223372036854775808 |       3.0 |      | 2024-01-01 10:00:00.001500 |\n"
              "| NULL  |                 NULL |      NULL | NULL | NULL                       |\n"
              "| TRUE  |                    0 |     1e+20 | y    | 1970-01-01 00:00:00        |\n"
              "| TRUE  |                    7 |       NaN | z    | 1969-12-31 23:59:59.999999 |\n"
              "| TRUE  |                    7 | -Infinity | w    | NULL                       |\n"
              "| TRUE  |                    7 |  -2.5e-07 | v    | NULL                       |\n"
              "+-------+----------------------+-----------+------+----------------------------+\n");
    slcli_table_apply_vals(t, SL_DELETE, r3); /* an all-NULL row matches an all-NULL row */
    slcli_table_apply_vals(t, SL_DELETE, r5); /* NaN matches the same NaN (bytes compare) */
    CHECK_INT(rows_of(t), 5);
    CHECK_INT(unmatched_of(t), 0);
    slcli_table_free(t);
}

TEST(truncates_wide_cells_on_character_boundaries) {
    sl_schema *s = schema_of("s STRING, n BIGINT");
    slcli_table *t = slcli_table_new(s);
    sl_schema_free(s);
    const char *texts[] = {
        "h\xc3\xa9llo w\xc3\xb6rld",                        /* héllo wörld: 2-byte chars */
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86", /* 日本語テ: 2 columns each */
        "e\xcc\x81t\xc3\xa9", /* e + combining acute, t, é: 3 columns */
        "ab\xf0\x9f\x98\x80", /* ab😀: 4 columns */
        "short",
    };
    for (int i = 0; i < 5; i++) {
        slcli_val v[2] = {{.str = texts[i], .len = strlen(texts[i])}, {.i64 = 123456789}};
        slcli_table_apply_vals(t, SL_INSERT, v);
    }
    CHECK_STR(render(t, 0, 6, 0), "+--------+--------+\n"
                                  "| s      |      n |\n"
                                  "+--------+--------+\n"
                                  "| h\xc3\xa9llo\xe2\x80\xa6 | 12345\xe2\x80\xa6 |\n"
                                  "| \xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6  | 12345\xe2\x80\xa6 |\n"
                                  "| e\xcc\x81t\xc3\xa9    | 12345\xe2\x80\xa6 |\n"
                                  "| ab\xf0\x9f\x98\x80   | 12345\xe2\x80\xa6 |\n"
                                  "| short  | 12345\xe2\x80\xa6 |\n"
                                  "+--------+--------+\n");
    CHECK_INT(slcli_text_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4);
    CHECK_INT(slcli_text_width("e\xcc\x81", 3), 1);
    CHECK_INT(slcli_text_width("\xe2\x80\xa6", 3), 1);
    slcli_table_free(t);
}

TEST(long_header_is_truncated_too) {
    sl_schema *s = schema_of("a_very_long_column_name BIGINT");
    slcli_table *t = slcli_table_new(s);
    sl_schema_free(s);
    slcli_val v = {.i64 = 1};
    slcli_table_apply_vals(t, SL_INSERT, &v);
    CHECK_STR(render(t, 0, 8, 0), "+----------+\n"
                                  "| a_very_\xe2\x80\xa6 |\n"
                                  "+----------+\n"
                                  "|        1 |\n"
                                  "+----------+\n");
    slcli_table_free(t);
}

TEST(control_characters_and_bad_utf8_are_escaped) {
    slcli_table *t = kn_table();
    kn(t, SL_INSERT, "a\nb\tc\r", 1);
    kn(t, SL_INSERT, "\x1b[31mred", 2);
    kn(t, SL_INSERT, "bad\xff\xc3", 3);
    kn(t, SL_INSERT, "c1\xc2\x85.", 4);
    CHECK_STR(render(t, 0, 0, 0), "+-------------+---+\n"
                                  "| k           | n |\n"
                                  "+-------------+---+\n"
                                  "| a\\nb\\tc\\r   | 1 |\n"
                                  "| \\x1B[31mred | 2 |\n"
                                  "| bad\\xFF\\xC3 | 3 |\n"
                                  "| c1\\u0085.   | 4 |\n"
                                  "+-------------+---+\n");
    /* A string with a NUL inside is one value, distinct from its prefix. */
    slcli_val v[2] = {{.str = "x\0y", .len = 3}, {.i64 = 5}};
    slcli_table_apply_vals(t, SL_INSERT, v);
    kn(t, SL_DELETE, "x", 5);
    CHECK_INT(unmatched_of(t), 1);
    slcli_table_apply_vals(t, SL_DELETE, v);
    CHECK_INT(rows_of(t), 4);
    slcli_table_free(t);
}

TEST(row_limit_and_line_clipping) {
    slcli_table *t = kn_table();
    kn(t, SL_INSERT, "first", 1);
    kn(t, SL_INSERT, "second", 2);
    kn(t, SL_INSERT, "third", 3);
    slbuf out = {0};
    uint64_t shown = 0;
    slcli_render ro = {.max_rows = 2, .max_line = 12};
    int lines = slcli_table_render(t, &ro, &out, &shown);
    CHECK_INT(lines, 6);
    CHECK_INT(shown, 2);
    CHECK_STR(slbuf_cstr(&out), "+--------+-\xe2\x80\xa6\n"
                                "| k      | \xe2\x80\xa6\n"
                                "+--------+-\xe2\x80\xa6\n"
                                "| first  | \xe2\x80\xa6\n"
                                "| second | \xe2\x80\xa6\n"
                                "+--------+-\xe2\x80\xa6\n");
    slbuf_free(&out);
    slcli_table_free(t);
}

TEST(many_changes_compact_and_keep_order) {
    slcli_table *t = kn_table();
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        kn(t, SL_INSERT, k, i);
    }
    slcli_table_stats st;
    slcli_table_stats_get(t, &st);
    CHECK_INT(st.compactions, 0);
    /* Keep every 1000th row; update the kept rows many times. */
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        if (i % 1000 != 0) {
            kn(t, SL_DELETE, k, i);
        }
    }
    slcli_table_stats_get(t, &st);
    CHECK_INT(st.compactions, 3); /* each time dead entries outnumbered the live ones */
    for (int round = 0; round < 12000; round++) {
        for (int i = 0; i < 5000; i += 1000) {
            snprintf(k, sizeof k, "key%d", i);
            kn(t, SL_UPDATE_BEFORE, k, i + round);
            kn(t, SL_UPDATE_AFTER, k, i + round + 1);
        }
    }
    slcli_table_stats_get(t, &st);
    CHECK(st.compactions > 3); /* and then for the bytes of replaced rows */
    CHECK_INT(st.rows, 5);
    CHECK_INT(st.unmatched, 0);
    CHECK_STR(render(t, 0, 0, 0), "+---------+-------+\n"
                                  "| k       |     n |\n"
                                  "+---------+-------+\n"
                                  "| key0    | 12000 |\n"
                                  "| key1000 | 13000 |\n"
                                  "| key2000 | 14000 |\n"
                                  "| key3000 | 15000 |\n"
                                  "| key4000 | 16000 |\n"
                                  "+---------+-------+\n");
    slcli_table_free(t);
}

TEST(huge_string_value) {
    slcli_table *t = kn_table();
    size_t n = 1 << 20;
    char *big = slmem_alloc(n);
    memset(big, 'x', n);
    slcli_val v[2] = {{.str = big, .len = n}, {.i64 = 1}};
    slcli_table_apply_vals(t, SL_INSERT, v);
    CHECK_STR(render(t, 0, 4, 0), "+------+---+\n"
                                  "| k    | n |\n"
                                  "+------+---+\n"
                                  "| xxx\xe2\x80\xa6 | 1 |\n"
                                  "+------+---+\n");
    slcli_table_apply_vals(t, SL_DELETE, v);
    CHECK_INT(rows_of(t), 0);
    slmem_free(big);
    slcli_table_free(t);
}

/* ---- through a real job: rows arrive as sl_row on a sink thread ---- */

typedef struct change {
    sl_rowkind kind;
    const char *k;
    int64_t n;
} change;

static const change changes[] = {
    {SL_INSERT, "apple", 1},        {SL_INSERT, "pear", 1},        {SL_UPDATE_BEFORE, "apple", 1},
    {SL_UPDATE_AFTER, "apple", 2},  {SL_INSERT, NULL, 9},          {SL_DELETE, "pear", 1},
    {SL_UPDATE_BEFORE, "apple", 2}, {SL_UPDATE_AFTER, "apple", 3}, {SL_INSERT, "fig", 4},
};

static sl_gen_status gen_changes(uint64_t i, sl_out *o, void *user) {
    (void)user;
    if (i >= SL_ARRAY_LEN(changes)) {
        return SL_GEN_END;
    }
    const change *c = &changes[i];
    if (c->k) {
        sl_out_string(o, 0, c->k, strlen(c->k));
    }
    sl_out_bigint(o, 1, c->n);
    sl_out_kind(o, c->kind);
    sl_out_emit(o);
    return SL_GEN_MORE;
}

static void on_row(const sl_row *r, void *user) {
    slcli_table_apply(user, r);
}

TEST(fed_by_a_job_through_sl_row) {
    sl_schema *s = schema_of("k STRING, n BIGINT");
    slcli_table *t = slcli_table_new(s);
    sl_job *job;
    sl_stream *src;
    sl_job_new(&job);
    CHECK_INT(sl_job_source_gen(job, s, gen_changes, NULL, &src), SL_OK);
    CHECK_INT(sl_stream_foreach(src, on_row, t), SL_OK);
    CHECK_INT(sl_job_run(job), SL_OK);
    CHECK_STR(render(t, 0, 0, 0), "+-------+---+\n"
                                  "| k     | n |\n"
                                  "+-------+---+\n"
                                  "| apple | 3 |\n"
                                  "| NULL  | 9 |\n"
                                  "| fig   | 4 |\n"
                                  "+-------+---+\n");
    slcli_table_stats st;
    slcli_table_stats_get(t, &st);
    CHECK_INT(st.changes, 9);
    CHECK_INT(st.unmatched, 0);
    sl_job_free(job);
    sl_schema_free(s);
    slcli_table_free(t);
}
