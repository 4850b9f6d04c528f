/* Unit tests for the CSV record decoder (src/data/csv.c). */
#include <math.h>

#include "data/formats.h"
#include "test.h"

static char reason[SLFMT_REASON_MAX];
static const char *dec(slcsv_dec *d, slbatch *b, const char *rec) {
    reason[0] = '\0';
    uint32_t n0 = b->n;
    size_t bytes0 = b->arena.bytes;
    if (!slcsv_decode_row(d, b, rec, strlen(rec), reason, sizeof reason)) {
        CHECK_INT(b->n, n0);
        CHECK_INT(b->arena.bytes, bytes0);
        return reason;
    }
    return "";
}

static bool str_is(const slbatch *b, int col, uint32_t i, const char *want) {
    return !slbatch_is_null(b, col, i) && b->cols[col].v.s[i].len == strlen(want) &&
           memcmp(b->cols[col].v.s[i].ptr, want, strlen(want)) == 0;
}

TEST(types_and_quotes) {
    sl_schema *s = schema_of("id BIGINT, name STRING, amount DOUBLE, ok BOOLEAN, ts TIMESTAMP");
    slbatch *b = slbatch_new(s, 16);
    slcsv_dec d;
    slcsv_dec_init(&d, s, ',');
    CHECK_STR(dec(&d, b, "1,bob,12.5,true,2024-03-01 10:00:01.5"), "");
    CHECK_INT(b->cols[0].v.i64[0], 1);
    CHECK(str_is(b, 1, 0, "bob"));
    CHECK_DBL(b->cols[2].v.f64[0], 12.5, 0);
    CHECK_INT(b->cols[3].v.b[0], 1);
    CHECK_INT(b->cols[4].v.i64[0], INT64_C(1709287201500000));
    /* quoted fields: embedded delimiter, "" escapes, embedded newline, quoted numbers */
    CHECK_STR(dec(&d, b, "\"2\",\"a,b \"\"quoted\"\"\nline2\", 3 ,FALSE,1709287201500"), "");
    CHECK_INT(b->cols[0].v.i64[1], 2);
    CHECK(str_is(b, 1, 1, "a,b \"quoted\"\nline2"));
    CHECK_DBL(b->cols[2].v.f64[1], 3.0, 0);
    CHECK_INT(b->cols[3].v.b[1], 0);
    CHECK_INT(b->cols[4].v.i64[1], INT64_C(1709287201500000));
    /* NULL vs empty string */
    CHECK_STR(dec(&d, b, ",,,,"), "");
    for (int c = 0; c < 5; c++) {
        CHECK(slbatch_is_null(b, c, 2));
    }
    CHECK_STR(dec(&d, b, "\"\",\"\",\"\",\"\",\"\""), "");
    CHECK(str_is(b, 1, 3, ""));
    CHECK(slbatch_is_null(b, 0, 3));
    CHECK(slbatch_is_null(b, 2, 3));
    /* a quote inside an unquoted field is kept; NaN and infinities */
    CHECK_STR(dec(&d, b, "5,it\"s,NaN,1,"), "");
    CHECK(str_is(b, 1, 4, "it\"s"));
    CHECK(isnan(b->cols[2].v.f64[4]));
    CHECK_STR(dec(&d, b, "6, sp ,-Infinity,0,"), "");
    CHECK(str_is(b, 1, 5, " sp "));
    CHECK(isinf(b->cols[2].v.f64[5]) && b->cols[2].v.f64[5] < 0);
    CHECK_INT(b->n, 6);
    /* blank records add nothing */
    CHECK_STR(dec(&d, b, ""), "");
    CHECK_STR(dec(&d, b, "  \r"), "");
    CHECK_INT(b->n, 6);
    slcsv_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(errors) {
    sl_schema *s = schema_of("id BIGINT, name STRING, amount DOUBLE, ok BOOLEAN");
    slbatch *b = slbatch_new(s, 16);
    slcsv_dec d;
    slcsv_dec_init(&d, s, ',');
    CHECK_STR(dec(&d, b, "1,a,2.5"), "expected 4 fields, found 3");
    CHECK_STR(dec(&d, b, "1,a,2.5,true,x"), "expected 4 fields, found 5");
    CHECK_STR(dec(&d, b, "x"), "expected 4 fields, found 1");
    /* a shifted record reports the count, not the type error it causes */
    CHECK_STR(dec(&d, b, "a,2.5,true"), "expected 4 fields, found 3");
    CHECK_STR(dec(&d, b, "1.5,a,2,true"), "column 'id': expected an integer, found '1.5'");
    CHECK_STR(dec(&d, b, "99999999999999999999,a,2,true"),
              "column 'id': expected an integer, found '99999999999999999999'");
    CHECK_STR(dec(&d, b, "1,a,abc,true"), "column 'amount': expected a number, found 'abc'");
    CHECK_STR(dec(&d, b, "1,a,2,yes"), "column 'ok': expected a boolean, found 'yes'");
    CHECK_STR(dec(&d, b, "1,\"abc,2,true"),
              "invalid CSV at column 3: unterminated quoted field");
    CHECK_STR(dec(&d, b, "1,\"ab\"c,2,true"),
              "invalid CSV at column 7: expected ',' after a closing quote");
    CHECK_INT(b->n, 0);
    /* a rolled-back string does not leak into the next row */
    CHECK_STR(dec(&d, b, "1,\"long string value\",x,true"),
              "column 'amount': expected a number, found 'x'");
    CHECK_STR(dec(&d, b, "2,\"b\",1,true"), "");
    CHECK_INT(b->n, 1);
    CHECK(str_is(b, 1, 0, "b"));
    sl_schema *ts = schema_of("t TIMESTAMP");
    slbatch *tb = slbatch_new(ts, 4);
    slcsv_dec td;
    slcsv_dec_init(&td, ts, ',');
    CHECK_STR(dec(&td, tb, "noon"), "column 't': expected a timestamp, found 'noon'");
    CHECK_STR(dec(&td, tb, "2024-01-01T00:00:00Z"), "");
    CHECK_INT(tb->cols[0].v.i64[0], INT64_C(1704067200000000));
    slcsv_dec_free(&td);
    slbatch_free(tb);
    sl_schema_free(ts);
    slcsv_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(header_mapping_and_delimiter) {
    sl_schema *s = schema_of("id BIGINT, name STRING, amount DOUBLE");
    slbatch *b = slbatch_new(s, 16);
    slcsv_dec d;
    slcsv_dec_init(&d, s, ';');
    CHECK(slcsv_dec_header(&d, "\xEF\xBB\xBF" "Amount;ignored;\"ID\"", 22, reason, sizeof reason));
    CHECK_STR(dec(&d, b, "2.5;zzz;7"), "");
    CHECK_DBL(b->cols[2].v.f64[0], 2.5, 0);
    CHECK_INT(b->cols[0].v.i64[0], 7);
    CHECK(slbatch_is_null(b, 1, 0));
    CHECK_STR(dec(&d, b, "2.5;7"), "expected 3 fields, found 2");
    CHECK_STR(dec(&d, b, "x;y,z;1"), "column 'amount': expected a number, found 'x'");
    CHECK(!slcsv_dec_header(&d, "a;b;c", 5, reason, sizeof reason));
    CHECK_STR(reason, "CSV header names none of the columns (a;b;c)");
    /* the failed header left the mapping unchanged */
    CHECK_STR(dec(&d, b, "1;;3"), "");
    CHECK_INT(b->cols[0].v.i64[1], 3);
    slcsv_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(quote_tracker) {
    int st = 0;
    CHECK(!slcsv_continues(&st, "a,b,c", 5, ','));
    st = 0;
    CHECK(slcsv_continues(&st, "1,\"multi", 8, ','));
    CHECK(slcsv_continues(&st, "line \"\" still", 13, ','));
    CHECK(!slcsv_continues(&st, "end\",3", 6, ','));
    st = 0;
    CHECK(!slcsv_continues(&st, "1,it\"s,3", 8, ','));
    st = 0;
    CHECK(!slcsv_continues(&st, "\"\"", 2, ','));
    st = 0;
    CHECK(slcsv_continues(&st, "x;\"a;", 5, ';'));
    CHECK(!slcsv_continues(&st, "\"", 1, ';'));
}
