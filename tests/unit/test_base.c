/* Unit tests for src/base and src/data basics. */
#include <math.h>

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

/* Numbers and times as sinks write them: equal to what printf writes (the
 * formatter does not call printf for BIGINT, integral DOUBLE and times of
 * years 0-9999). */
TEST(format_numbers_and_times_like_printf) {
    sl_schema *s;
    sl_schema_parse("v BIGINT, d DOUBLE, t TIMESTAMP", &s);
    slbatch *b = slbatch_new(s, 1);
    static const int64_t ints[] = {0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN,
                                   INT64_MIN + 1, 999999999999999};
    static const double dbls[] = {0.0, -0.0, 1.0, -1.0, 42.0, -123456.0, 1e14, -999999999999999.0,
                                  0.5, -2.25, 1e15, 3e20};
    static const int64_t times[] = {0, -1, 1, 999, 1000, 1500000, INT64_C(1709287201500000),
                                    INT64_C(-62135596800000000) /* 0001-01-01 */,
                                    INT64_C(253402300799999999) /* 9999-12-31 23:59:59.999999 */,
                                    INT64_C(253402300800000000) /* 10000-01-01: snprintf path */,
                                    INT64_C(-62167219200000001) /* before year 0 */};
    slbuf got = {0};
    char want[64];
    for (size_t k = 0; k < SL_ARRAY_LEN(ints); k++) {
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_i64(b, 0, r, ints[k]);
        slbuf_reset(&got);
        slfmt_csv_row(&got, b, r, false);
        snprintf(want, sizeof want, "%lld,,", (long long)ints[k]);
        CHECK_STR(slbuf_cstr(&got), want);
    }
    for (size_t k = 0; k < SL_ARRAY_LEN(dbls); k++) {
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_f64(b, 1, r, dbls[k]);
        slbuf_reset(&got);
        slfmt_csv_row(&got, b, r, false);
        if (dbls[k] == floor(dbls[k]) && fabs(dbls[k]) < 1e15) {
            snprintf(want, sizeof want, ",%.1f,", dbls[k]);
            CHECK_STR(slbuf_cstr(&got), want);
        }
    }
    char buf[40];
    for (size_t k = 0; k < SL_ARRAY_LEN(times); k++) {
        int64_t t = times[k];
        int64_t days = t / (86400 * SL_SECOND), rem = t % (86400 * SL_SECOND);
        if (rem < 0) {
            rem += 86400 * SL_SECOND;
            days--;
        }
        int64_t y;
        unsigned m, d;
        sltime_civil_from_days(days, &y, &m, &d);
        int64_t secs = rem / SL_SECOND, us = rem % SL_SECOND;
        int n = snprintf(want, sizeof want, "%04lld-%02u-%02u %02lld:%02lld:%02lld", (long long)y,
                         m, d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
                         (long long)(secs % 60));
        if (us && us % 1000 == 0) {
            snprintf(want + n, sizeof want - (size_t)n, ".%03lld", (long long)(us / 1000));
        } else if (us) {
            snprintf(want + n, sizeof want - (size_t)n, ".%06lld", (long long)us);
        }
        size_t len = sl_format_timestamp(t, buf, sizeof buf);
        CHECK_STR(buf, want);
        CHECK_INT(len, strlen(want));
    }
    CHECK_STR((sl_format_timestamp(0, buf, sizeof buf), buf), "1970-01-01 00:00:00");
    slbuf_free(&got);
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
