/* Unit tests for src/base and src/data basics. */
#include "base/base.h"
#include "data/data.h"
#include "test.h"

TEST(parse_timestamp) {
    int64_t t;
    CHECK_INT(sl_parse_timestamp("1970-01-01 00:00:00", 19, &t), SL_OK);
    CHECK_INT(t, 0);
    CHECK_INT(sl_parse_timestamp("2024-03-01T10:00:01.5Z", 22, &t), SL_OK);
    CHECK_INT(t, INT64_C(1709287201500000));
    CHECK_INT(sl_parse_timestamp("2024-02-30 10:00:00", 19, &t), SL_ERR_PARSE);
    CHECK_CONTAINS(sl_errmsg(), "bad timestamp '2024-02-30 10:00:00'");
    CHECK_INT(sl_parse_timestamp("1969-12-31 23:59:59.999999", 26, &t), SL_OK);
    CHECK_INT(t, -1);
    char buf[40];
    sl_format_timestamp(-1, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31 23:59:59.999999");
    sl_format_timestamp(INT64_C(1709287201500000), buf, sizeof buf);
    CHECK_STR(buf, "2024-03-01 10:00:01.500");
}

TEST(parse_duration) {
    int64_t d;
    CHECK_INT(sl_parse_duration("5s", &d), SL_OK);
    CHECK_INT(d, 5 * SL_SECOND);
    CHECK_INT(sl_parse_duration("100 ms", &d), SL_OK);
    CHECK_INT(d, 100 * SL_MILLISECOND);
    CHECK_INT(sl_parse_duration("2 min", &d), SL_OK);
    CHECK_INT(d, 2 * SL_MINUTE);
    CHECK_INT(sl_parse_duration("250", &d), SL_OK);
    CHECK_INT(d, 250 * SL_MILLISECOND);
    CHECK_INT(sl_parse_duration("5 parsecs", &d), SL_ERR_PARSE);
    CHECK_CONTAINS(sl_errmsg(), "bad duration '5 parsecs'");
}

TEST(parse_numbers) {
    int64_t v;
    CHECK(slparse_i64("-9223372036854775808", 20, &v) && v == INT64_MIN);
    CHECK(!slparse_i64("9223372036854775808", 19, &v));
    CHECK(!slparse_i64("12a", 3, &v));
    double f;
    CHECK(slparse_f64("1.5e3", 5, &f) && f == 1500.0);
    CHECK(!slparse_f64("nan", 3, &f));
}

TEST(schema_parse) {
    sl_schema *s;
    CHECK_INT(sl_schema_parse("user STRING, amount DOUBLE, ts TIMESTAMP(3)", &s), SL_OK);
    CHECK_INT(sl_schema_count(s), 3);
    CHECK_INT(sl_schema_find(s, "AMOUNT"), 1);
    CHECK_INT(sl_schema_type(s, 2), SL_TIMESTAMP);
    sl_schema_free(s);
    CHECK_INT(sl_schema_parse("user STRNG", &s), SL_ERR_PARSE);
    CHECK_CONTAINS(sl_errmsg(), "unknown type 'STRNG'");
    CHECK_INT(sl_schema_parse("a BIGINT, a DOUBLE", &s), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "duplicate column name 'a'");
}

TEST(batch_rows_and_compact) {
    sl_schema *s;
    sl_schema_parse("k STRING, v BIGINT", &s);
    slbatch *b = slbatch_new(s, 4);
    for (int i = 0; i < 4; i++) {
        uint32_t r = slbatch_begin_row(b);
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        slbatch_set_str(b, 0, r, key, strlen(key));
        if (i != 2) {
            slbatch_set_i64(b, 1, r, i * 10);
        }
        b->ts[r] = i;
        b->n++;
    }
    CHECK(slbatch_full(b));
    uint8_t keep[4] = {0, 1, 1, 0};
    slbatch_compact(b, keep);
    CHECK_INT(b->n, 2);
    slbuf out = {0};
    slfmt_json_row(&out, b, 0, false);
    slbuf_putc(&out, '\n');
    slfmt_json_row(&out, b, 1, true);
    slbuf_putc(&out, '\n');
    slfmt_csv_row(&out, b, 1, false);
    CHECK_STR(slbuf_cstr(&out), "{\"k\":\"k1\",\"v\":10}\n{\"op\":\"+I\",\"k\":\"k2\",\"v\":null}\nk2,");
    slbuf_free(&out);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(arena_large_and_reset) {
    slarena a;
    slarena_init(&a);
    char *big = slarena_alloc(&a, 1 << 20);
    memset(big, 1, 1 << 20);
    char *small = slarena_alloc(&a, 10);
    CHECK(small != NULL);
    slarena_reset(&a);
    CHECK_INT(a.bytes, 0);
    slarena_free(&a);
}

TEST(hash_stable) {
    CHECK(slhash_bytes("abc", 3, 0) == slhash_bytes("abc", 3, 0));
    CHECK(slhash_bytes("abc", 3, 0) != slhash_bytes("abd", 3, 0));
    CHECK(slhash_bytes("", 0, 1) != slhash_bytes("", 0, 2));
}
