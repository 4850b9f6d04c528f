/* Unit tests for the JSON-lines record decoder (src/data/json.c). */
#include "data/formats.h"
#include "test.h"

/* Decode `line` into b; returns the reason ("" on success). */
static char reason[SLFMT_REASON_MAX];
static const char *dec(sljson_dec *d, slbatch *b, const char *line) {
    reason[0] = '\0';
    uint32_t n0 = b->n;
    size_t bytes0 = b->arena.bytes;
    if (!sljson_decode_row(d, b, line, strlen(line), reason, sizeof reason)) {
        /* a failed decode leaves the batch as it was */
        CHECK_INT(b->n, n0);
        CHECK_INT(b->arena.bytes, bytes0);
        return reason;
    }
    return "";
}

static const char *str_at(const slbatch *b, int col, uint32_t i, size_t *len) {
    *len = b->cols[col].v.s[i].len;
    return b->cols[col].v.s[i].ptr;
}

TEST(every_type) {
    sl_schema *s = schema_of("id BIGINT, amount DOUBLE, ok BOOLEAN, name STRING, ts TIMESTAMP");
    slbatch *b = slbatch_new(s, 16);
    sljson_dec d;
    sljson_dec_init(&d, s);
    CHECK_STR(dec(&d, b,
                  "{\"id\": -42, \"amount\": 12.5e1, \"ok\": true, \"name\": \"bob\", "
                  "\"ts\": \"2024-03-01 10:00:01.5\"}"),
              "");
    CHECK_INT(b->n, 1);
    CHECK_INT(b->cols[0].v.i64[0], -42);
    CHECK_DBL(b->cols[1].v.f64[0], 125.0, 0);
    CHECK_INT(b->cols[2].v.b[0], 1);
    size_t len;
    const char *p = str_at(b, 3, 0, &len);
    CHECK_INT(len, 3);
    CHECK(memcmp(p, "bob", 3) == 0);
    CHECK_INT(b->cols[4].v.i64[0], INT64_C(1709287201500000));
    CHECK_INT(b->ts[0], 0);
    CHECK_INT(b->kind[0], SL_INSERT);
    for (int c = 0; c < 5; c++) {
        CHECK(!slbatch_is_null(b, c, 0));
    }
    /* fields in another order, names in another case, ISO timestamp, epoch ms */
    CHECK_STR(dec(&d, b, "{\"TS\":1709287201500,\"NAME\":\"\",\"Ok\":false,\"amount\":3,\"ID\":0}"),
              "");
    CHECK_INT(b->n, 2);
    CHECK_INT(b->cols[4].v.i64[1], INT64_C(1709287201500000));
    CHECK_INT(b->cols[3].v.s[1].len, 0);
    CHECK(!slbatch_is_null(b, 3, 1));
    CHECK_INT(b->cols[2].v.b[1], 0);
    CHECK_DBL(b->cols[1].v.f64[1], 3.0, 0);
    CHECK_STR(dec(&d, b, "{\"ts\":\"2024-03-01T10:00:01Z\",\"amount\":-0.001,\"id\":9223372036854775807}"), "");
    CHECK_INT(b->cols[4].v.i64[2], INT64_C(1709287201000000));
    CHECK_DBL(b->cols[1].v.f64[2], -0.001, 0);
    CHECK_INT(b->cols[0].v.i64[2], INT64_MAX);
    CHECK(slbatch_is_null(b, 2, 2));
    CHECK(slbatch_is_null(b, 3, 2));
    CHECK_STR(dec(&d, b, "{\"id\":-9223372036854775808, \"amount\": 1.7976931348623157e308}"), "");
    CHECK_INT(b->cols[0].v.i64[3], INT64_MIN);
    CHECK_DBL(b->cols[1].v.f64[3], 1.7976931348623157e308, 0);
    CHECK_STR(dec(&d, b, "{\"amount\": 0.1, \"id\": 0}"), "");
    CHECK(b->cols[1].v.f64[4] == 0.1);
    CHECK_STR(dec(&d, b, "{\"amount\": 123456789012345678901234567890.5}"), "");
    CHECK(b->cols[1].v.f64[5] == 123456789012345678901234567890.5);
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(nulls_missing_extra_nested) {
    sl_schema *s = schema_of("a BIGINT, b STRING, c DOUBLE");
    slbatch *b = slbatch_new(s, 8);
    sljson_dec d;
    sljson_dec_init(&d, s);
    CHECK_STR(dec(&d, b, "{\"a\":null,\"b\":null,\"c\":null}"), "");
    CHECK_STR(dec(&d, b, "{}"), "");
    CHECK_STR(dec(&d, b,
                  "{\"x\":{\"y\":[1,2,{\"z\":\"}]\"}],\"w\":{}},\"b\":\"kept\",\"e\":[],"
                  "\"f\":[[[]]],\"g\":true,\"h\":null,\"i\":-1.5e-3,\"j\":\"\\u00e9\\\"\"}"),
              "");
    CHECK_INT(b->n, 3);
    for (int c = 0; c < 3; c++) {
        CHECK(slbatch_is_null(b, c, 0));
        CHECK(slbatch_is_null(b, c, 1));
    }
    CHECK(slbatch_is_null(b, 0, 2));
    CHECK(!slbatch_is_null(b, 1, 2));
    CHECK_INT(b->cols[1].v.s[2].len, 4);
    CHECK(memcmp(b->cols[1].v.s[2].ptr, "kept", 4) == 0);
    /* a duplicate field: the last one wins */
    CHECK_STR(dec(&d, b, "{\"a\":1,\"a\":2}"), "");
    CHECK_INT(b->cols[0].v.i64[3], 2);
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(escapes_and_unicode) {
    sl_schema *s = schema_of("s STRING");
    slbatch *b = slbatch_new(s, 8);
    sljson_dec d;
    sljson_dec_init(&d, s);
    CHECK_STR(dec(&d, b, "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\"}"), "");
    size_t len;
    const char *p = str_at(b, 0, 0, &len);
    CHECK_INT(len, 13);
    CHECK(memcmp(p, "a\"b\\c/d\b\f\n\r\te", 13) == 0);
    /* \u escapes: 1, 2 and 3 byte UTF-8, a surrogate pair (4 bytes), NUL */
    CHECK_STR(dec(&d, b, "{\"s\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"}"), "");
    p = str_at(b, 0, 1, &len);
    CHECK_INT(len, 1 + 2 + 3 + 4 + 1 + 1);
    CHECK(memcmp(p, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\0z", len) == 0);
    /* raw UTF-8 passes through */
    CHECK_STR(dec(&d, b, "{\"s\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\"}"), "");
    p = str_at(b, 0, 2, &len);
    CHECK_INT(len, 10);
    /* escaped key names match too */
    CHECK_STR(dec(&d, b, "{\"\\u0073\":\"by escaped key\"}"), "");
    p = str_at(b, 0, 3, &len);
    CHECK_INT(len, 14);
    CHECK_STR(dec(&d, b, "{\"s\":\"\\ud83d\"}"),
              "invalid JSON at column 7: unpaired surrogate in \\u escape");
    CHECK_STR(dec(&d, b, "{\"s\":\"\\ude00\\ud83d\"}"),
              "invalid JSON at column 7: unpaired surrogate in \\u escape");
    CHECK_STR(dec(&d, b, "{\"s\":\"\\ud83dx\"}"),
              "invalid JSON at column 7: unpaired surrogate in \\u escape");
    CHECK_STR(dec(&d, b, "{\"s\":\"\\u12G4\"}"), "invalid JSON at column 7: invalid \\u escape");
    CHECK_STR(dec(&d, b, "{\"s\":\"\\x\"}"), "invalid JSON at column 7: invalid escape sequence");
    CHECK_STR(dec(&d, b, "{\"s\":\"a\tb\"}"),
              "invalid JSON at column 8: control character in string");
    CHECK_INT(b->n, 4);
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(malformed_reasons) {
    sl_schema *s = schema_of("a BIGINT, b STRING");
    slbatch *b = slbatch_new(s, 8);
    sljson_dec d;
    sljson_dec_init(&d, s);
    static const struct {
        const char *line, *reason;
    } cases[] = {
        {"[1,2]", "invalid JSON at column 1: expected '{'"},
        {"  x", "invalid JSON at column 3: expected '{'"},
        {"{", "invalid JSON at column 2: unexpected end of line"},
        {"{\"a\":1", "invalid JSON at column 7: unexpected end of line"},
        {"{\"a\":1 \"b\":\"x\"}", "invalid JSON at column 8: expected ',' or '}'"},
        {"{\"a\" 1}", "invalid JSON at column 6: expected ':'"},
        {"{a:1}", "invalid JSON at column 2: expected a field name"},
        {"{\"a\":1,}", "invalid JSON at column 8: expected a field name"},
        {"{\"a\":}", "invalid JSON at column 6: expected a value"},
        {"{\"b\":\"abc}", "invalid JSON at column 6: unterminated string"},
        {"{\"a\":1}x", "invalid JSON at column 8: unexpected data after the object"},
        {"{\"a\":1}{}", "invalid JSON at column 8: unexpected data after the object"},
        {"{\"a\":tru}", "invalid JSON at column 6: invalid literal"},
        {"{\"a\":nul}", "invalid JSON at column 6: invalid literal"},
        {"{\"a\":01}", "invalid JSON at column 7: expected ',' or '}'"},
        {"{\"a\":-}", "invalid JSON at column 6: invalid number"},
        {"{\"a\":1.}", "invalid JSON at column 6: invalid number"},
        {"{\"a\":1e}", "invalid JSON at column 6: invalid number"},
        {"{\"a\":+1}", "invalid JSON at column 6: expected a value"},
        {"{\"x\":[1,2}", "invalid JSON at column 10: expected ',' or ']'"},
        {"{\"x\":{\"y\":1]}", "invalid JSON at column 12: expected ',' or '}'"},
        {"{\"x\":[1,2", "invalid JSON at column 10: unexpected end of line"},
        {"{\"x\":{\"y\" 1}}", "invalid JSON at column 11: expected ':'"},
        /* type errors name the field */
        {"{\"a\":1.5}", "field 'a': expected an integer, found 1.5"},
        {"{\"a\":1e3}", "field 'a': expected an integer, found 1e3"},
        {"{\"a\":\"12\"}", "field 'a': expected an integer, found string"},
        {"{\"a\":true}", "field 'a': expected an integer, found boolean"},
        {"{\"a\":9223372036854775808}", "field 'a': integer out of range: 9223372036854775808"},
        {"{\"a\":-9223372036854775809}",
         "field 'a': integer out of range: -9223372036854775809"},
        {"{\"b\":12}", "field 'b': expected a string, found number"},
        {"{\"b\":{\"x\":1}}", "field 'b': expected a string, found object"},
        {"{\"b\":[\"x\"]}", "field 'b': expected a string, found array"},
        /* a wrong-kind value that is not even valid JSON reports the syntax */
        {"{\"b\":[1,}", "invalid JSON at column 9: expected a value"},
    };
    for (size_t k = 0; k < SL_ARRAY_LEN(cases); k++) {
        const char *got = dec(&d, b, cases[k].line);
        if (strcmp(got, cases[k].reason) != 0) {
            fprintf(stderr, "line: %s\n", cases[k].line);
        }
        CHECK_STR(got, cases[k].reason);
    }
    CHECK_INT(b->n, 0);
    /* deep nesting: skipped up to 1024 levels, refused beyond */
    char deep[3000];
    size_t n = 0;
    n += (size_t)sprintf(deep, "{\"x\":");
    for (int k = 0; k < 1024; k++) {
        deep[n++] = '[';
    }
    for (int k = 0; k < 1024; k++) {
        deep[n++] = ']';
    }
    deep[n++] = '}';
    deep[n] = '\0';
    CHECK_STR(dec(&d, b, deep), "");
    memmove(deep + 5, deep + 4, n - 3);
    deep[5] = '[';
    memmove(deep + n - 1, deep + n - 2, 3);
    deep[n] = ']';
    CHECK_STR(dec(&d, b, deep), "invalid JSON at column 1030: nesting too deep");
    CHECK_INT(b->n, 1);
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(double_and_timestamp_errors) {
    sl_schema *s = schema_of("v DOUBLE, ts TIMESTAMP, f BOOLEAN");
    slbatch *b = slbatch_new(s, 8);
    sljson_dec d;
    sljson_dec_init(&d, s);
    CHECK_STR(dec(&d, b, "{\"v\":\"1.5\"}"), "field 'v': expected a number, found string");
    CHECK_STR(dec(&d, b, "{\"v\":1e400}"), "field 'v': number out of range: 1e400");
    CHECK_STR(dec(&d, b, "{\"ts\":\"yesterday\"}"), "field 'ts': bad timestamp 'yesterday'");
    CHECK_STR(dec(&d, b, "{\"ts\":1.5}"),
              "field 'ts': expected a timestamp or epoch milliseconds, found 1.5");
    CHECK_STR(dec(&d, b, "{\"ts\":9223372036854776}"),
              "field 'ts': timestamp out of range: 9223372036854776");
    CHECK_STR(dec(&d, b, "{\"ts\":true}"), "field 'ts': expected a timestamp, found boolean");
    CHECK_STR(dec(&d, b, "{\"f\":1}"), "field 'f': expected a boolean, found number");
    CHECK_STR(dec(&d, b, "{\"f\":\"true\"}"), "field 'f': expected a boolean, found string");
    CHECK_INT(b->n, 0);
    CHECK_STR(dec(&d, b, "{\"ts\":-1, \"v\": -0, \"f\": false}"), "");
    CHECK_INT(b->cols[1].v.i64[0], -1000);
    CHECK_DBL(b->cols[0].v.f64[0], 0.0, 0);
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(blank_bom_whitespace) {
    sl_schema *s = schema_of("a BIGINT");
    slbatch *b = slbatch_new(s, 8);
    sljson_dec d;
    sljson_dec_init(&d, s);
    CHECK_STR(dec(&d, b, ""), "");
    CHECK_STR(dec(&d, b, "   \t\r"), "");
    CHECK_INT(b->n, 0);
    CHECK_STR(dec(&d, b, "\xEF\xBB\xBF{\"a\":7}"), "");
    CHECK_STR(dec(&d, b, " \t{ \"a\" : 8 } \r"), "");
    CHECK_INT(b->n, 2);
    CHECK_INT(b->cols[0].v.i64[0], 7);
    CHECK_INT(b->cols[0].v.i64[1], 8);
    /* the decoder never reads past the given length */
    const char *buf = "{\"a\":123}{\"a\":456}";
    reason[0] = '\0';
    CHECK(sljson_decode_row(&d, b, buf, 9, reason, sizeof reason));
    CHECK_INT(b->cols[0].v.i64[2], 123);
    CHECK(!sljson_decode_row(&d, b, buf, 8, reason, sizeof reason));
    CHECK_STR(reason, "invalid JSON at column 9: unexpected end of line");
    CHECK(!sljson_decode_row(&d, b, buf, 5, reason, sizeof reason));
    CHECK_STR(reason, "invalid JSON at column 6: unexpected end of line");
    CHECK(!sljson_decode_row(&d, b, "{\"a\":12", 6, reason, sizeof reason));
    CHECK_STR(reason, "invalid JSON at column 7: unexpected end of line");
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(huge_string_and_rollback) {
    sl_schema *s = schema_of("k BIGINT, big STRING, tail STRING");
    slbatch *b = slbatch_new(s, 8);
    sljson_dec d;
    sljson_dec_init(&d, s);
    size_t big = 5 * 1024 * 1024;
    char *line = malloc(big + 100);
    size_t n = (size_t)sprintf(line, "{\"k\":1,\"big\":\"");
    for (size_t k = 0; k < big; k++) {
        line[n + k] = (char)('a' + k % 26);
    }
    n += big;
    n += (size_t)sprintf(line + n, "\\n\",\"tail\":\"t\"}");
    reason[0] = '\0';
    CHECK(sljson_decode_row(&d, b, line, n, reason, sizeof reason));
    CHECK_INT(b->n, 1);
    CHECK_INT(b->cols[1].v.s[0].len, big + 1);
    CHECK(b->cols[1].v.s[0].ptr[big - 1] == (char)('a' + (big - 1) % 26));
    CHECK(b->cols[1].v.s[0].ptr[big] == '\n');
    CHECK_INT(b->cols[2].v.s[0].len, 1);
    /* a huge string followed by an error: the row and its arena bytes go */
    size_t before = b->arena.bytes;
    n -= 1;
    n += (size_t)sprintf(line + n, "x}");
    CHECK(!sljson_decode_row(&d, b, line, n, reason, sizeof reason));
    CHECK_STR(reason, "invalid JSON at column 5242909: expected ',' or '}'");
    CHECK_INT(b->n, 1);
    CHECK_INT(b->arena.bytes, before);
    /* the batch is still usable after a rollback */
    CHECK_STR(dec(&d, b, "{\"k\":2,\"tail\":\"after\"}"), "");
    CHECK_INT(b->n, 2);
    CHECK(memcmp(b->cols[2].v.s[1].ptr, "after", 5) == 0);
    free(line);
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}

TEST(many_rows_fill_batch) {
    sl_schema *s = schema_of("i BIGINT, s STRING");
    slbatch *b = slbatch_new(s, 100);
    sljson_dec d;
    sljson_dec_init(&d, s);
    char line[128];
    for (int k = 0; k < 100; k++) {
        snprintf(line, sizeof line, "{\"i\":%d,\"s\":\"row %d\"}", k, k);
        CHECK_STR(dec(&d, b, line), "");
        if (k % 10 == 3) {
            CHECK(*dec(&d, b, "{\"i\":\"bad\",\"s\":\"zzzzzzzzzzzzzzzzzzzzzzzzzz\"}") != '\0');
        }
    }
    CHECK_INT(b->n, 100);
    for (uint32_t k = 0; k < 100; k++) {
        CHECK_INT(b->cols[0].v.i64[k], k);
        snprintf(line, sizeof line, "row %u", k);
        CHECK_INT(b->cols[1].v.s[k].len, strlen(line));
        CHECK(memcmp(b->cols[1].v.s[k].ptr, line, strlen(line)) == 0);
    }
    sljson_dec_free(&d);
    slbatch_free(b);
    sl_schema_free(s);
}
