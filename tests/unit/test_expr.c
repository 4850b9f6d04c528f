/*
 * test_expr.c - expression trees and their evaluation (src/expr).
 *
 * Trees are written as S-expressions parsed by a small reader below:
 *   (+ a 2)  ("IS NULL" s)  (CAST s BIGINT)  'text'  ts'2024-01-01 00:00:00'
 *   iv'5s' (an INTERVAL)  NULL  TRUE  FALSE  1  -2.5  and column names.
 * ev(text) evaluates over the rows of a fixed 5-row batch (NULLs mixed in)
 * and returns the results joined by '|'; k(text) evaluates a constant
 * expression both through slexpr_const and over a batch, checks that both
 * agree and returns the value. err(text) returns "<code>: <message>".
 */
#include <math.h>

#include "expr/expr.h"
#include "test.h"

/* ---- the S-expression reader ---- */

typedef struct reader {
    const char *p;
    const sl_schema *sch;
} reader;

static void skip_ws(reader *r) {
    while (*r->p == ' ' || *r->p == '\n') {
        r->p++;
    }
}

/* A quoted literal starting at r->p (after any prefix): its bytes into buf. */
static size_t read_quoted(reader *r, char *buf, size_t cap) {
    size_t n = 0;
    r->p++; /* ' */
    for (;;) {
        if (*r->p == '\0') {
            break;
        }
        if (*r->p == '\'') {
            if (r->p[1] == '\'') {
                r->p++;
            } else {
                r->p++;
                break;
            }
        }
        if (n + 1 < cap) {
            buf[n++] = *r->p;
        }
        r->p++;
    }
    buf[n] = '\0';
    return n;
}

static sl_err read_expr(reader *r, slexpr **out);

static sl_err read_call(reader *r, slexpr **out) {
    char name[64];
    size_t n = 0;
    r->p++; /* ( */
    skip_ws(r);
    if (*r->p == '"') {
        r->p++;
        while (*r->p && *r->p != '"' && n + 1 < sizeof name) {
            name[n++] = *r->p++;
        }
        r->p++;
    } else {
        while (*r->p && *r->p != ' ' && *r->p != ')' && n + 1 < sizeof name) {
            name[n++] = *r->p++;
        }
    }
    name[n] = '\0';
    slexpr *args[64];
    int na = 0;
    bool cast = strcmp(name, "CAST") == 0 || strcmp(name, "TRY_CAST") == 0;
    for (;;) {
        skip_ws(r);
        if (*r->p == ')' || *r->p == '\0') {
            r->p++;
            break;
        }
        if (cast && na == 1) {
            char tn[32];
            size_t k = 0;
            while (*r->p && *r->p != ')' && *r->p != ' ' && k + 1 < sizeof tn) {
                tn[k++] = *r->p++;
            }
            tn[k] = '\0';
            sl_type t = SL_BIGINT;
            if (!sltype_parse(tn, k, &t)) {
                t = strcmp(tn, "INTERVAL") == 0 ? SL_INTERVAL : (sl_type)0;
            }
            skip_ws(r);
            r->p++;
            return slexpr_cast(args[0], t, name[0] == 'T', out);
        }
        sl_err err = read_expr(r, &args[na]);
        if (err) {
            for (int i = 0; i < na; i++) {
                slexpr_free(args[i]);
            }
            return err;
        }
        na++;
    }
    return slexpr_func(name, args, na, out);
}

static sl_err read_expr(reader *r, slexpr **out) {
    skip_ws(r);
    char buf[256];
    if (*r->p == '(') {
        return read_call(r, out);
    }
    if (*r->p == '\'') {
        size_t n = read_quoted(r, buf, sizeof buf);
        *out = slexpr_string(buf, n);
        return SL_OK;
    }
    if (strncmp(r->p, "ts'", 3) == 0) {
        r->p += 2;
        size_t n = read_quoted(r, buf, sizeof buf);
        int64_t ts = 0;
        if (sl_parse_timestamp(buf, n, &ts)) {
            return SL_ERR_PARSE;
        }
        *out = slexpr_timestamp(ts);
        return SL_OK;
    }
    if (strncmp(r->p, "iv'", 3) == 0) {
        r->p += 2;
        read_quoted(r, buf, sizeof buf);
        bool neg = buf[0] == '-';
        int64_t us = 0;
        if (sl_parse_duration(buf + neg, &us)) {
            return SL_ERR_PARSE;
        }
        *out = slexpr_interval(neg ? -us : us);
        return SL_OK;
    }
    size_t n = 0;
    while (*r->p && *r->p != ' ' && *r->p != ')' && *r->p != '\n' && n + 1 < sizeof buf) {
        buf[n++] = *r->p++;
    }
    buf[n] = '\0';
    if (strcmp(buf, "NULL") == 0) {
        *out = slexpr_null(SL_NULLTYPE);
    } else if (strcmp(buf, "TRUE") == 0 || strcmp(buf, "FALSE") == 0) {
        *out = slexpr_bool(buf[0] == 'T');
    } else if ((buf[0] >= '0' && buf[0] <= '9') || (buf[0] == '-' && n > 1)) {
        int64_t v;
        double d;
        if (slparse_i64(buf, n, &v)) {
            *out = slexpr_bigint(v);
        } else if (slparse_f64(buf, n, &d)) {
            *out = slexpr_double(d);
        } else {
            return SL_ERR_PARSE;
        }
    } else {
        int c = r->sch ? sl_schema_find(r->sch, buf) : -1;
        if (c < 0) {
            return slerr_set(SL_ERR_NOTFOUND, "test reader: no column '%s'", buf);
        }
        *out = slexpr_column(c, r->sch->fields[c].type);
    }
    return SL_OK;
}

/* ---- the input rows ---- */

static sl_schema *g_in;
static slbatch *g_rows;
static slexpr_eval *g_ev;

static int64_t tsv(const char *text) {
    int64_t ts = 0;
    if (sl_parse_timestamp(text, strlen(text), &ts)) {
        fprintf(stderr, "bad timestamp %s\n", text);
        exit(1);
    }
    return ts;
}

#define NUL_I INT64_MIN

static void add_row(slbatch *b, int64_t a, int64_t bb, double d, const char *s, const char *t,
                    int f, int g, const char *u) {
    uint32_t i = slbatch_begin_row(b);
    if (a != NUL_I) {
        slbatch_set_i64(b, 0, i, a);
    }
    if (bb != NUL_I) {
        slbatch_set_i64(b, 1, i, bb);
    }
    if (!isnan(d)) {
        slbatch_set_f64(b, 2, i, d);
    }
    if (s) {
        slbatch_set_str(b, 3, i, s, strlen(s));
    }
    if (t) {
        slbatch_set_i64(b, 4, i, tsv(t));
    }
    if (f >= 0) {
        slbatch_set_bool(b, 5, i, f);
    }
    if (g >= 0) {
        slbatch_set_bool(b, 6, i, g);
    }
    if (u) {
        slbatch_set_str(b, 7, i, u, strlen(u));
    }
    b->ts[i] = (int64_t)i;
    b->n++;
}

static void setup(void) {
    if (g_in) {
        return;
    }
    g_in = schema_of("a BIGINT, b BIGINT, d DOUBLE, s STRING, t TIMESTAMP, f BOOLEAN, "
                     "g BOOLEAN, u STRING");
    g_rows = slbatch_new(g_in, 8);
    add_row(g_rows, 1, 2, 1.5, "abc", "2024-01-01 00:00:00", 1, 0, "x");
    add_row(g_rows, NUL_I, 5, NAN, NULL, NULL, -1, 1, NULL);
    add_row(g_rows, -7, 0, -2.25, "h\xc3\xa9llo w\xc3\xb6rld", "2024-02-29 13:45:30.123456", 0, -1,
            "%");
    add_row(g_rows, INT64_MAX, 1, 0.0, "", "1969-12-31 23:59:59.999999", 1, 1, "x%");
    add_row(g_rows, 100, -3, 1e10, "xyz", "2023-12-31 23:59:59", 0, 0, "_");
    g_ev = slexpr_eval_new(4); /* smaller than the batch: the scratch grows */
}

/* ---- formatting results ---- */

static void put_double(slbuf *o, double v) {
    if (isnan(v)) {
        slbuf_puts(o, "NaN");
    } else if (isinf(v)) {
        slbuf_puts(o, v > 0 ? "Infinity" : "-Infinity");
    } else {
        char buf[64];
        /* The shortest %g that reads back the same; whole numbers in full. */
        for (int p = 1; p <= 17; p++) {
            snprintf(buf, sizeof buf, "%.*g", p, v);
            if (strtod(buf, NULL) == v) {
                break;
            }
        }
        if (strchr(buf, 'e') && v == floor(v) && fabs(v) < 1e16) {
            snprintf(buf, sizeof buf, "%.0f", v);
        }
        slbuf_puts(o, buf);
    }
}

static void put_cell(slbuf *o, const slbatch *b, int c, uint32_t i) {
    if (b->cols[c].nulls[i]) {
        slbuf_puts(o, "NULL");
        return;
    }
    switch (b->cols[c].type) {
    case SL_BOOLEAN:
        slbuf_puts(o, b->cols[c].v.b[i] ? "TRUE" : "FALSE");
        break;
    case SL_DOUBLE:
        put_double(o, b->cols[c].v.f64[i]);
        break;
    case SL_STRING:
        slbuf_put(o, b->cols[c].v.s[i].ptr, b->cols[c].v.s[i].len);
        break;
    case SL_TIMESTAMP: {
        char buf[48];
        slbuf_put(o, buf, sl_format_timestamp(b->cols[c].v.i64[i], buf, sizeof buf));
        break;
    }
    default:
        slbuf_printf(o, "%lld", (long long)b->cols[c].v.i64[i]);
        break;
    }
}

static slbuf g_text;

static const char *fail_text(sl_err err) {
    slbuf_reset(&g_text);
    slbuf_printf(&g_text, "%s: %s", sl_err_name(err), sl_errmsg());
    return slbuf_cstr(&g_text);
}

static sl_err parse(const char *text, slexpr **e) {
    setup();
    reader r = {text, g_in};
    return read_expr(&r, e);
}

/* Evaluate e (borrowed) over `in` into text "v0|v1|...". */
static const char *eval_text(const slexpr *e, const slbatch *in) {
    sl_type t = slexpr_type(e);
    if (t == SL_NULLTYPE || (int)t == 16) {
        return "(not a column type)";
    }
    sl_schema *os = NULL;
    sl_schema_new(&os);
    sl_schema_add(os, "r", t);
    slbatch *out = slbatch_new(os, in->n ? in->n : 1);
    slexpr_eval_into(g_ev, e, in, out, 0);
    out->n = in->n;
    slbuf_reset(&g_text);
    for (uint32_t i = 0; i < out->n; i++) {
        if (i) {
            slbuf_putc(&g_text, '|');
        }
        put_cell(&g_text, out, 0, i);
    }
    slbatch_free(out);
    slschema_unref(os);
    return slbuf_cstr(&g_text);
}

static const char *ev(const char *text) {
    slexpr *e;
    sl_err err = parse(text, &e);
    if (err) {
        return fail_text(err);
    }
    eval_text(e, g_rows);
    slexpr_free(e);
    return slbuf_cstr(&g_text);
}

/* Evaluate as a filter: the indexes of the kept rows, "0,2". */
static const char *filt(const char *text) {
    slexpr *e;
    sl_err err = parse(text, &e);
    if (err) {
        return fail_text(err);
    }
    uint8_t keep[8];
    memset(keep, 7, sizeof keep);
    slexpr_eval_filter(g_ev, e, g_rows, keep);
    slbuf_reset(&g_text);
    for (uint32_t i = 0; i < g_rows->n; i++) {
        if (keep[i] > 1) {
            slbuf_puts(&g_text, "?");
        } else if (keep[i]) {
            slbuf_printf(&g_text, "%s%u", g_text.len ? "," : "", i);
        }
    }
    slexpr_free(e);
    return slbuf_cstr(&g_text);
}

static const char *value_text(const slvalue *v) {
    slbuf_reset(&g_text);
    if (v->is_null) {
        slbuf_puts(&g_text, "NULL");
        return slbuf_cstr(&g_text);
    }
    switch ((int)v->type) {
    case SL_BOOLEAN:
        slbuf_puts(&g_text, v->v.b ? "TRUE" : "FALSE");
        break;
    case SL_DOUBLE:
        put_double(&g_text, v->v.f64);
        break;
    case SL_STRING:
        slbuf_put(&g_text, v->v.s.ptr, v->v.s.len);
        break;
    case SL_TIMESTAMP: {
        char buf[48];
        slbuf_put(&g_text, buf, sl_format_timestamp(v->v.i64, buf, sizeof buf));
        break;
    }
    default:
        slbuf_printf(&g_text, "%lld", (long long)v->v.i64);
        break;
    }
    return slbuf_cstr(&g_text);
}

/* A constant expression: through slexpr_const, and over a 3-row batch
 * (every row must agree with the constant). */
static const char *k(const char *text) {
    slexpr *e;
    sl_err err = parse(text, &e);
    if (err) {
        return fail_text(err);
    }
    if (!slexpr_is_const(e)) {
        slexpr_free(e);
        return "(not constant)";
    }
    slvalue v;
    if (slexpr_const(e, &v)) {
        slexpr_free(e);
        return "(slexpr_const failed)";
    }
    char want[512];
    snprintf(want, sizeof want, "%s", value_text(&v));
    if (slexpr_type(e) != SL_NULLTYPE && (int)slexpr_type(e) != 16) {
        slbatch *b = slbatch_new(g_in, 3);
        for (int i = 0; i < 3; i++) {
            slbatch_begin_row(b);
            b->n++;
        }
        char rows[1600];
        snprintf(rows, sizeof rows, "%s|%s|%s", want, want, want);
        const char *got = eval_text(e, b);
        if (strcmp(got, rows) != 0) {
            fprintf(stderr, "k(%s): const %s, batch %s\n", text, want, got);
            sltest_failed_checks++;
        }
        slbatch_free(b);
    }
    slexpr_free(e);
    slbuf_reset(&g_text);
    slbuf_puts(&g_text, want);
    return slbuf_cstr(&g_text);
}

static const char *err(const char *text) {
    slexpr *e;
    sl_err code = parse(text, &e);
    if (!code) {
        slexpr_free(e);
        return "(no error)";
    }
    return fail_text(code);
}

static const char *desc(const char *text) {
    slexpr *e;
    sl_err code = parse(text, &e);
    if (code) {
        return fail_text(code);
    }
    slbuf_reset(&g_text);
    slexpr_describe(e, g_in, &g_text);
    slexpr_free(e);
    return slbuf_cstr(&g_text);
}

static const char *type_of(const char *text) {
    slexpr *e;
    sl_err code = parse(text, &e);
    if (code) {
        return fail_text(code);
    }
    sl_type t = slexpr_type(e);
    slexpr_free(e);
    return (int)t == 16 ? "INTERVAL" : (int)t == 17 ? "NULL" : sl_type_name(t);
}

/* ---- columns, literals, arithmetic ---- */

TEST(columns_and_literals) {
    CHECK_STR(ev("a"), "1|NULL|-7|9223372036854775807|100");
    CHECK_STR(ev("s"), "abc|NULL|h\xc3\xa9llo w\xc3\xb6rld||xyz");
    CHECK_STR(ev("d"), "1.5|NULL|-2.25|0|10000000000");
    CHECK_STR(ev("f"), "TRUE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("t"), "2024-01-01 00:00:00|NULL|2024-02-29 13:45:30.123456|"
                       "1969-12-31 23:59:59.999999|2023-12-31 23:59:59");
    CHECK_STR(ev("'lit'"), "lit|lit|lit|lit|lit");
    CHECK_STR(ev("(CAST NULL STRING)"), "NULL|NULL|NULL|NULL|NULL");
    CHECK_STR(ev("42"), "42|42|42|42|42");
    CHECK_STR(type_of("NULL"), "NULL");
    CHECK_STR(type_of("iv'5s'"), "INTERVAL");
    slexpr *c = slexpr_column(3, SL_STRING);
    CHECK_INT(slexpr_column_index(c), 3);
    CHECK(!slexpr_is_const(c));
    slexpr_free(c);
    slexpr_free(NULL);
}

TEST(arithmetic_bigint) {
    CHECK_STR(ev("(+ a b)"), "3|NULL|-7|-9223372036854775808|97");
    CHECK_STR(ev("(- a b)"), "-1|NULL|-7|9223372036854775806|103");
    CHECK_STR(ev("(* a 2)"), "2|NULL|-14|-2|200");
    CHECK_STR(ev("(/ a b)"), "0|NULL|NULL|9223372036854775807|-33");
    CHECK_STR(ev("(% a b)"), "1|NULL|NULL|0|1");
    CHECK_STR(ev("(MOD a 3)"), "1|NULL|-1|1|1");
    CHECK_STR(ev("(NEG a)"), "-1|NULL|7|-9223372036854775807|-100");
    CHECK_STR(ev("(/ 100 a)"), "100|NULL|-14|0|1");
    CHECK_STR(k("(/ -7 2)"), "-3");
    CHECK_STR(k("(% -7 2)"), "-1");
    CHECK_STR(k("(% 7 -2)"), "1");
    CHECK_STR(k("(+ 9223372036854775807 1)"), "-9223372036854775808");
    CHECK_STR(k("(* 4611686018427387904 2)"), "-9223372036854775808");
    CHECK_STR(k("(/ (- -9223372036854775807 1) -1)"), "-9223372036854775808");
    CHECK_STR(k("(% (- -9223372036854775807 1) -1)"), "0");
    CHECK_STR(k("(NEG (- -9223372036854775807 1))"), "-9223372036854775808");
    CHECK_STR(k("(/ 1 0)"), "NULL");
    CHECK_STR(k("(% 1 0)"), "NULL");
    CHECK_STR(k("(+ 1 NULL)"), "NULL");
    CHECK_STR(type_of("(+ NULL NULL)"), "BIGINT");
    CHECK_STR(type_of("(+ a NULL)"), "BIGINT");
}

TEST(arithmetic_double_and_mixed) {
    CHECK_STR(ev("(+ d 1)"), "2.5|NULL|-1.25|1|10000000001");
    CHECK_STR(ev("(* a d)"), "1.5|NULL|15.75|0|1000000000000");
    CHECK_STR(ev("(/ a d)"), "0.6666666666666666|NULL|3.111111111111111|NULL|1e-08");
    CHECK_STR(ev("(/ d 0)"), "NULL|NULL|NULL|NULL|NULL");
    CHECK_STR(ev("(% d 1)"), "0.5|NULL|-0.25|0|0");
    CHECK_STR(ev("(NEG d)"), "-1.5|NULL|2.25|-0|-10000000000");
    CHECK_STR(type_of("(+ a d)"), "DOUBLE");
    CHECK_STR(type_of("(+ 1 2.5)"), "DOUBLE");
    CHECK_STR(k("(+ 1 2.5)"), "3.5");
    CHECK_STR(k("(/ 1.0 0.0)"), "NULL");
    CHECK_STR(k("(/ 1.0 -0.0)"), "NULL");
    CHECK_STR(k("(% 5.5 2)"), "1.5");
}

TEST(arithmetic_time) {
    CHECK_STR(ev("(+ t iv'1h')"), "2024-01-01 01:00:00|NULL|2024-02-29 14:45:30.123456|"
                                  "1970-01-01 00:59:59.999999|2024-01-01 00:59:59");
    CHECK_STR(ev("(- t iv'1d')"), "2023-12-31 00:00:00|NULL|2024-02-28 13:45:30.123456|"
                                  "1969-12-30 23:59:59.999999|2023-12-30 23:59:59");
    CHECK_STR(k("(+ iv'2s' ts'2024-01-01 00:00:00')"), "2024-01-01 00:00:02");
    CHECK_STR(type_of("(* iv'2s' 3)"), "INTERVAL");
    CHECK_STR(type_of("(+ iv'2s' iv'1s')"), "INTERVAL");
    CHECK_STR(type_of("(+ t NULL)"), "TIMESTAMP");
    CHECK_STR(k("(+ ts'2024-01-01 00:00:00' (* iv'90s' 2))"), "2024-01-01 00:03:00");
    CHECK_STR(k("(- ts'2024-01-01 00:00:00' (/ iv'1m' 4))"), "2023-12-31 23:59:45");
    CHECK_STR(k("(+ ts'2024-01-01 00:00:00' (NEG iv'1s'))"), "2023-12-31 23:59:59");
    CHECK_STR(k("(< (+ iv'1s' iv'1s') iv'3s')"), "TRUE");
    CHECK_STR(err("(- t t)"),
              "SL_ERR_TYPE: cannot apply '-' to TIMESTAMP and TIMESTAMP (use TIMESTAMPDIFF)");
    CHECK_STR(err("(+ t 1)"), "SL_ERR_TYPE: cannot apply '+' to TIMESTAMP and BIGINT");
    CHECK_STR(err("(* iv'1s' 1.5)"), "SL_ERR_TYPE: cannot apply '*' to INTERVAL and DOUBLE");
}

/* ---- comparison and logic ---- */

TEST(comparisons) {
    CHECK_STR(ev("(= a 1)"), "TRUE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(<> a b)"), "TRUE|NULL|TRUE|TRUE|TRUE");
    CHECK_STR(ev("(< a b)"), "TRUE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(<= b a)"), "FALSE|NULL|FALSE|TRUE|TRUE");
    CHECK_STR(ev("(> 2 b)"), "FALSE|FALSE|TRUE|TRUE|TRUE");
    CHECK_STR(ev("(>= d a)"), "TRUE|NULL|TRUE|FALSE|TRUE");
    CHECK_STR(ev("(= s 'abc')"), "TRUE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(< s 'b')"), "TRUE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(> s u)"), "FALSE|NULL|TRUE|FALSE|TRUE");
    CHECK_STR(ev("(= f g)"), "FALSE|NULL|NULL|TRUE|TRUE");
    CHECK_STR(ev("(< g f)"), "TRUE|NULL|NULL|FALSE|FALSE");
    CHECK_STR(ev("(>= t '2024-01-01 00:00:00')"), "TRUE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(< '2024-01-01' t)"), "FALSE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(= t ts'2023-12-31 23:59:59')"), "FALSE|NULL|FALSE|FALSE|TRUE");
    CHECK_STR(desc("(> t '2024-01-01')"), "t > '2024-01-01'");
    CHECK_STR(k("(= 1 1.0)"), "TRUE");
    CHECK_STR(k("(< 'a' 'ab')"), "TRUE");
    CHECK_STR(k("(< '\xc3\xa9' 'z')"), "FALSE"); /* bytes / code points, not locale */
    CHECK_STR(k("(= NULL NULL)"), "NULL");
    CHECK_STR(k("(<> 1 NULL)"), "NULL");
    CHECK_STR(k("(< FALSE TRUE)"), "TRUE");
    CHECK_STR(k("(!= 1 2)"), "TRUE");
    CHECK_STR(err("(= s a)"), "SL_ERR_TYPE: cannot apply '=' to STRING and BIGINT");
    CHECK_STR(err("(< t 'soon')"), "SL_ERR_TYPE: cannot apply '<' to TIMESTAMP and STRING");
    CHECK_STR(err("(= f 1)"), "SL_ERR_TYPE: cannot apply '=' to BOOLEAN and BIGINT");
    CHECK_STR(err("(< t s)"), "SL_ERR_TYPE: cannot apply '<' to TIMESTAMP and STRING");
}

TEST(three_valued_logic_truth_tables) {
    const char *v[] = {"TRUE", "FALSE", "NULL"};
    /* AND / OR rows: x in v, columns: y in v. */
    const char *and_t[3][3] = {
        {"TRUE", "FALSE", "NULL"}, {"FALSE", "FALSE", "FALSE"}, {"NULL", "FALSE", "NULL"}};
    const char *or_t[3][3] = {
        {"TRUE", "TRUE", "TRUE"}, {"TRUE", "FALSE", "NULL"}, {"TRUE", "NULL", "NULL"}};
    for (int x = 0; x < 3; x++) {
        for (int y = 0; y < 3; y++) {
            char q[64];
            snprintf(q, sizeof q, "(AND %s %s)", v[x], v[y]);
            CHECK_STR(k(q), and_t[x][y]);
            snprintf(q, sizeof q, "(OR %s %s)", v[x], v[y]);
            CHECK_STR(k(q), or_t[x][y]);
        }
    }
    CHECK_STR(k("(NOT TRUE)"), "FALSE");
    CHECK_STR(k("(NOT NULL)"), "NULL");
    /* Over columns: f = T N F T F, g = F T N T F. */
    CHECK_STR(ev("(AND f g)"), "FALSE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(OR f g)"), "TRUE|TRUE|NULL|TRUE|FALSE");
    CHECK_STR(ev("(NOT f)"), "FALSE|NULL|TRUE|FALSE|TRUE");
    CHECK_STR(ev("(AND f TRUE)"), "TRUE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(OR NULL g)"), "NULL|TRUE|NULL|TRUE|NULL");
    CHECK_STR(ev("(AND f g (> a 0))"), "FALSE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(OR FALSE f)"), "TRUE|NULL|FALSE|TRUE|FALSE");
    /* An all-FALSE left side decides without the right (which would fail). */
    CHECK_STR(ev("(AND FALSE (= (/ 1 0) 1))"), "FALSE|FALSE|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(AND (> b 0) (> (/ 10 b) 3))"), "TRUE|FALSE|FALSE|TRUE|FALSE");
    CHECK_STR(filt("(AND f g)"), "3");
    CHECK_STR(filt("(OR f g)"), "0,1,3");
    CHECK_STR(filt("(NOT f)"), "2,4");
    CHECK_STR(filt("NULL"), "");
    CHECK_STR(filt("TRUE"), "0,1,2,3,4");
    CHECK_STR(err("(AND f a)"), "SL_ERR_TYPE: cannot apply 'AND' to BOOLEAN and BIGINT");
    CHECK_STR(err("(NOT s)"), "SL_ERR_TYPE: cannot apply 'NOT' to STRING");
}

TEST(null_tests) {
    CHECK_STR(ev("(\"IS NULL\" a)"), "FALSE|TRUE|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(\"IS NOT NULL\" s)"), "TRUE|FALSE|TRUE|TRUE|TRUE");
    CHECK_STR(ev("(\"IS TRUE\" g)"), "FALSE|TRUE|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(\"IS NOT TRUE\" g)"), "TRUE|FALSE|TRUE|FALSE|TRUE");
    CHECK_STR(ev("(\"IS FALSE\" g)"), "TRUE|FALSE|FALSE|FALSE|TRUE");
    CHECK_STR(ev("(\"IS NOT FALSE\" g)"), "FALSE|TRUE|TRUE|TRUE|FALSE");
    CHECK_STR(ev("(\"IS DISTINCT FROM\" f g)"), "TRUE|TRUE|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(\"IS NOT DISTINCT FROM\" a NULL)"), "FALSE|TRUE|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(\"IS DISTINCT FROM\" s u)"), "TRUE|FALSE|TRUE|TRUE|TRUE");
    CHECK_STR(k("(\"IS NULL\" NULL)"), "TRUE");
    CHECK_STR(k("(\"IS NULL\" (/ 1 0))"), "TRUE");
    CHECK_STR(k("(\"IS NOT DISTINCT FROM\" NULL NULL)"), "TRUE");
    CHECK_STR(err("(\"IS TRUE\" a)"), "SL_ERR_TYPE: cannot apply 'IS TRUE' to BIGINT");
}

TEST(in_and_between) {
    CHECK_STR(ev("(IN a 1 100 5)"), "TRUE|NULL|FALSE|FALSE|TRUE");
    CHECK_STR(ev("(\"NOT IN\" a 1 100)"), "FALSE|NULL|TRUE|TRUE|FALSE");
    CHECK_STR(ev("(IN a 1 NULL)"), "TRUE|NULL|NULL|NULL|NULL");
    CHECK_STR(ev("(\"NOT IN\" a 1 NULL)"), "FALSE|NULL|NULL|NULL|NULL");
    CHECK_STR(ev("(IN a b 1)"), "TRUE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(IN s 'abc' 'xyz')"), "TRUE|NULL|FALSE|FALSE|TRUE");
    CHECK_STR(ev("(IN d 1.5 0)"), "TRUE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(IN a 1.0 -7.0)"), "TRUE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(IN t '2024-01-01 00:00:00' '2023-12-31 23:59:59')"),
              "TRUE|NULL|FALSE|FALSE|TRUE");
    CHECK_STR(ev("(BETWEEN a 0 100)"), "TRUE|NULL|FALSE|FALSE|TRUE");
    CHECK_STR(ev("(\"NOT BETWEEN\" a 0 100)"), "FALSE|NULL|TRUE|TRUE|FALSE");
    CHECK_STR(ev("(BETWEEN b a 10)"), "TRUE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(BETWEEN a NULL 10)"), "NULL|NULL|NULL|FALSE|FALSE");
    CHECK_STR(ev("(\"NOT BETWEEN\" a NULL 10)"), "NULL|NULL|NULL|TRUE|TRUE");
    CHECK_STR(ev("(BETWEEN s 'a' 'i')"), "TRUE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(BETWEEN t '2024-01-01' '2024-12-31')"), "TRUE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(BETWEEN d -3 2)"), "TRUE|NULL|TRUE|TRUE|FALSE");
    CHECK_STR(err("(IN a 'x')"), "SL_ERR_TYPE: cannot apply 'IN' to BIGINT and STRING");
    CHECK_STR(err("(BETWEEN s 1 2)"), "SL_ERR_TYPE: cannot apply 'BETWEEN' to STRING and BIGINT");
}

/* ---- conditionals ---- */

TEST(case_if_coalesce) {
    CHECK_STR(ev("(CASE (> a 10) 'big' (> a 0) 'small' 'other')"), "small|other|other|big|big");
    CHECK_STR(ev("(CASE (> a 10) 'big')"), "NULL|NULL|NULL|big|big");
    CHECK_STR(ev("(CASE f 1 g 2.5)"), "1|2.5|NULL|1|NULL");
    CHECK_STR(type_of("(CASE f 1 g 2.5)"), "DOUBLE");
    CHECK_STR(ev("(CASE f NULL 7)"), "NULL|7|7|NULL|7");
    CHECK_STR(type_of("(CASE f NULL 7)"), "BIGINT");
    /* A failing branch: NULL there, only where it is taken. */
    CHECK_STR(ev("(CASE (<> b 0) (/ 10 b) -1)"), "5|2|-1|10|-3");
    CHECK_STR(ev("(CASE (= b 0) (/ 10 b) 0)"), "0|0|NULL|0|0");
    CHECK_STR(ev("(CASE FALSE (CAST (/ 1 0) STRING) TRUE s)"),
              "abc|NULL|h\xc3\xa9llo w\xc3\xb6rld||xyz");
    CHECK_STR(ev("(IF f s u)"), "abc|NULL|%||_");
    CHECK_STR(ev("(IF (> b 1) 'y' 'n')"), "y|y|n|n|n");
    CHECK_STR(ev("(COALESCE a b 0)"), "1|5|-7|9223372036854775807|100");
    CHECK_STR(ev("(COALESCE s u 'none')"), "abc|none|h\xc3\xa9llo w\xc3\xb6rld||xyz");
    CHECK_STR(ev("(COALESCE d a)"), "1.5|NULL|-2.25|0|10000000000");
    CHECK_STR(ev("(IFNULL g FALSE)"), "FALSE|TRUE|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(NULLIF a 100)"), "1|NULL|-7|9223372036854775807|NULL");
    CHECK_STR(ev("(NULLIF b a)"), "2|5|0|1|-3");
    CHECK_STR(ev("(GREATEST a b 0)"), "2|NULL|0|9223372036854775807|100");
    CHECK_STR(ev("(LEAST s u)"), "abc|NULL|%||_");
    CHECK_STR(ev("(GREATEST a d)"), "1.5|NULL|-2.25|9.223372036854776e+18|10000000000");
    CHECK_STR(k("(COALESCE NULL NULL)"), "NULL");
    CHECK_STR(type_of("(COALESCE NULL NULL)"), "NULL");
    CHECK_STR(k("(CASE NULL 1 2)"), "2");
    CHECK_STR(k("(CASE (> 1 0) 'a' 'b')"), "a");
    CHECK_STR(err("(CASE a 1 2)"), "SL_ERR_TYPE: CASE condition must be BOOLEAN, got BIGINT");
    CHECK_STR(err("(CASE f 1 'x')"),
              "SL_ERR_TYPE: CASE arguments have incompatible types BIGINT and STRING");
    CHECK_STR(err("(COALESCE a s)"),
              "SL_ERR_TYPE: COALESCE arguments have incompatible types BIGINT and STRING");
    CHECK_STR(err("(IF a 1 2)"), "SL_ERR_TYPE: IF argument 1 expects BOOLEAN, got BIGINT");
}

/* ---- casts ---- */

TEST(casts) {
    CHECK_STR(ev("(CAST a STRING)"), "1|NULL|-7|9223372036854775807|100");
    CHECK_STR(ev("(CAST d STRING)"), "1.5|NULL|-2.25|0.0|1.0E10");
    CHECK_STR(ev("(CAST d BIGINT)"), "1|NULL|-2|0|10000000000");
    CHECK_STR(ev("(CAST f BIGINT)"), "1|NULL|0|1|0");
    CHECK_STR(ev("(CAST f STRING)"), "TRUE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(CAST a BOOLEAN)"), "TRUE|NULL|TRUE|TRUE|TRUE");
    CHECK_STR(ev("(CAST t STRING)"), "2024-01-01 00:00:00|NULL|2024-02-29 13:45:30.123456|"
                                     "1969-12-31 23:59:59.999999|2023-12-31 23:59:59");
    CHECK_STR(ev("(CAST t BIGINT)"), "1704067200|NULL|1709214330|-1|1704067199");
    CHECK_STR(ev("(CAST s BIGINT)"), "NULL|NULL|NULL|NULL|NULL");
    CHECK_STR(k("(CAST ' 42 ' BIGINT)"), "42");
    CHECK_STR(k("(CAST '-12.9' BIGINT)"), "-12");
    CHECK_STR(k("(CAST '12x' BIGINT)"), "NULL");
    CHECK_STR(k("(CAST '9223372036854775808' BIGINT)"), "NULL");
    CHECK_STR(k("(CAST '-9223372036854775808' BIGINT)"), "-9223372036854775808");
    CHECK_STR(k("(TRY_CAST 'x' BIGINT)"), "NULL");
    CHECK_STR(k("(CAST '1e3' DOUBLE)"), "1000");
    CHECK_STR(k("(CAST ' -0.5' DOUBLE)"), "-0.5");
    CHECK_STR(k("(CAST 'NaN' DOUBLE)"), "NaN");
    CHECK_STR(k("(CAST 'abc' DOUBLE)"), "NULL");
    CHECK_STR(k("(CAST 'TRUE' BOOLEAN)"), "TRUE");
    CHECK_STR(k("(CAST 'fAlSe' BOOLEAN)"), "FALSE");
    CHECK_STR(k("(CAST 'maybe' BOOLEAN)"), "NULL");
    CHECK_STR(k("(CAST '2024-03-01 12:00:00' TIMESTAMP)"), "2024-03-01 12:00:00");
    CHECK_STR(k("(CAST '2024-03-01' TIMESTAMP)"), "2024-03-01 00:00:00");
    CHECK_STR(k("(CAST '2024-02-30 00:00:00' TIMESTAMP)"), "NULL");
    CHECK_STR(k("(CAST 1e300 BIGINT)"), "9223372036854775807");
    CHECK_STR(k("(CAST -1e300 BIGINT)"), "-9223372036854775808");
    CHECK_STR(k("(CAST (CAST 'NaN' DOUBLE) BIGINT)"), "0");
    CHECK_STR(k("(CAST -3.99 BIGINT)"), "-3");
    CHECK_STR(k("(CAST 7 DOUBLE)"), "7");
    CHECK_STR(k("(CAST 100.0 STRING)"), "100.0");
    CHECK_STR(k("(CAST 0.001 STRING)"), "0.001");
    CHECK_STR(k("(CAST 0.0001 STRING)"), "1.0E-4");
    CHECK_STR(k("(CAST 1234567.5 STRING)"), "1234567.5");
    CHECK_STR(k("(CAST 12345678.9 STRING)"), "1.23456789E7");
    CHECK_STR(k("(CAST 0.1 STRING)"), "0.1");
    CHECK_STR(k("(CAST (/ 1.0 3) STRING)"), "0.3333333333333333");
    CHECK_STR(k("(CAST -0.0 STRING)"), "-0.0");
    CHECK_STR(k("(CAST (CAST '-Infinity' DOUBLE) STRING)"), "-Infinity");
    CHECK_STR(k("(CAST NULL BIGINT)"), "NULL");
    CHECK_STR(type_of("(CAST a BIGINT)"), "BIGINT");
    CHECK_STR(err("(CAST f TIMESTAMP)"), "SL_ERR_TYPE: cannot cast BOOLEAN to TIMESTAMP");
    CHECK_STR(err("(CAST a TIMESTAMP)"),
              "SL_ERR_TYPE: cannot cast BIGINT to TIMESTAMP (use TO_TIMESTAMP_LTZ(value, 0|3|6) "
              "for epoch seconds, milliseconds or microseconds)");
    CHECK_STR(err("(CAST t DOUBLE)"), "SL_ERR_TYPE: cannot cast TIMESTAMP to DOUBLE");
    CHECK_STR(err("(CAST iv'1s' BIGINT)"), "SL_ERR_TYPE: cannot cast INTERVAL to BIGINT");
}

/* ---- strings ---- */

TEST(string_functions) {
    CHECK_STR(ev("(|| s '!')"), "abc!|NULL|h\xc3\xa9llo w\xc3\xb6rld!|!|xyz!");
    CHECK_STR(ev("(CONCAT s '-' u)"), "abc-x|NULL|h\xc3\xa9llo w\xc3\xb6rld-%|-x%|xyz-_");
    CHECK_STR(ev("(CONCAT_WS ',' s u)"), "abc,x||h\xc3\xa9llo w\xc3\xb6rld,%|,x%|xyz,_");
    CHECK_STR(k("(CONCAT_WS NULL 'a' 'b')"), "NULL");
    CHECK_STR(k("(CONCAT_WS '-' 'a' NULL 'b')"), "a-b");
    CHECK_STR(k("(CONCAT 'a' NULL)"), "NULL");
    CHECK_STR(ev("(UPPER s)"), "ABC|NULL|H\xc3\x89LLO W\xc3\x96RLD||XYZ");
    CHECK_STR(k("(LOWER 'AbC \xc3\x89\xce\xa3\xd0\x96')"), "abc \xc3\xa9\xcf\x83\xd0\xb6");
    CHECK_STR(k("(UPPER '\xc3\xbf\xc4\x81\xe2\x82\xac')"), "\xc5\xb8\xc4\x80\xe2\x82\xac");
    CHECK_STR(ev("(CHAR_LENGTH s)"), "3|NULL|11|0|3");
    CHECK_STR(k("(CHARACTER_LENGTH '\xe2\x82\xac\xf0\x9f\x98\x80')"), "2");
    CHECK_STR(k("(TRIM '  a b  ')"), "a b");
    CHECK_STR(k("(LTRIM '  a b  ')"), "a b  ");
    CHECK_STR(k("(RTRIM '  a b  ')"), "  a b");
    CHECK_STR(k("(TRIM 'xxaxyx' 'xy')"), "a");
    CHECK_STR(k("(TRIM '\xc3\xa9\xc3\xa9"
                "a\xc3\xa9' '\xc3\xa9')"),
              "a");
    CHECK_STR(k("(TRIM '   ')"), "");
    CHECK_STR(k("(TRIM '\ta ')"), "\ta");
    CHECK_STR(k("(REPLACE 'aXbXc' 'X' '--')"), "a--b--c");
    CHECK_STR(k("(REPLACE 'aaa' 'aa' 'b')"), "ba");
    CHECK_STR(k("(REPLACE 'abc' '' '-')"), "-a-b-c-");
    CHECK_STR(k("(REPLACE 'abc' 'z' '-')"), "abc");
    CHECK_STR(k("(POSITION 'l' 'h\xc3\xa9llo')"), "3");
    CHECK_STR(k("(POSITION 'z' 'abc')"), "0");
    CHECK_STR(k("(POSITION '' 'abc')"), "1");
    CHECK_STR(k("(LOCATE 'a' 'banana')"), "2");
    CHECK_STR(k("(LOCATE 'a' 'banana' 3)"), "4");
    CHECK_STR(k("(LOCATE 'a' 'banana' 0)"), "0");
    CHECK_STR(k("(LOCATE 'a' 'banana' 7)"), "0");
    CHECK_STR(k("(LPAD 'hi' 5 'ab')"), "abahi");
    CHECK_STR(k("(RPAD 'hi' 5 'ab')"), "hiaba");
    CHECK_STR(k("(LPAD 'hello' 3 'x')"), "hel");
    CHECK_STR(k("(RPAD 'h\xc3\xa9' 4 '\xc3\xb6')"), "h\xc3\xa9\xc3\xb6\xc3\xb6");
    CHECK_STR(k("(LPAD 'hi' -1 'x')"), "NULL");
    CHECK_STR(k("(LPAD 'hi' 4 '')"), "NULL");
    CHECK_STR(k("(LPAD 'hi' 0 'x')"), "");
    CHECK_STR(k("(INITCAP 'hello wORLD  x1y-zz')"), "Hello World  X1y-Zz");
    CHECK_STR(k("(REVERSE 'h\xc3\xa9llo')"), "oll\xc3\xa9h");
    CHECK_STR(k("(REPEAT 'ab' 3)"), "ababab");
    CHECK_STR(k("(REPEAT 'ab' 0)"), "");
    CHECK_STR(k("(REPEAT 'ab' -2)"), "");
    CHECK_STR(k("(REPEAT 'ab' 100000000000)"), "NULL");
    CHECK_STR(k("(LEFT 'h\xc3\xa9llo' 2)"), "h\xc3\xa9");
    CHECK_STR(k("(RIGHT 'h\xc3\xa9llo' 4)"), "\xc3\xa9llo");
    CHECK_STR(k("(RIGHT 'abc' 10)"), "abc");
    CHECK_STR(k("(LEFT 'abc' -1)"), "");
    CHECK_STR(k("(SPLIT_INDEX 'a,b,,c' ',' 1)"), "b");
    CHECK_STR(k("(SPLIT_INDEX 'a,b,,c' ',' 2)"), "");
    CHECK_STR(k("(SPLIT_INDEX 'a,b,,c' ',' 4)"), "NULL");
    CHECK_STR(k("(SPLIT_INDEX 'a,' ',' 1)"), "");
    CHECK_STR(k("(SPLIT_INDEX 'a--b' '--' 1)"), "b");
    CHECK_STR(k("(SPLIT_INDEX 'a b' '' 1)"), "b");
    CHECK_STR(k("(SPLIT_INDEX '' ',' 0)"), "NULL");
    CHECK_STR(k("(SPLIT_INDEX 'abc' ',' -1)"), "NULL");
    CHECK_STR(k("(SPLIT_INDEX 'a,b,,c' ',' 3)"), "c");
    CHECK_STR(k("(SPLIT_INDEX 'a,b,,c' ',' 0)"), "a");
    CHECK_STR(k("(SPLIT_INDEX ',x' ',' 0)"), "");
    CHECK_STR(k("(SPLIT_INDEX 'abc' ',' 0)"), "abc");
    CHECK_STR(k("(SPLIT_INDEX 'abc' ',' 1)"), "NULL");
    CHECK_STR(k("(SPLIT_INDEX 'https://www.nexmark.com/a/bb/item.htm' '/' 3)"), "a");
    CHECK_STR(k("(SPLIT_INDEX 'https://www.nexmark.com/a/bb/item.htm' '/' 4)"), "bb");
    CHECK_STR(k("(SPLIT_INDEX 'https://www.nexmark.com/a/bb/item.htm' '/' 5)"), "item.htm");
    CHECK_STR(k("(SPLIT_INDEX 'https://www.nexmark.com/a/bb/item.htm' '/' 6)"), "NULL");
    CHECK_STR(ev("(SPLIT_INDEX s 'l' 1)"), "NULL|NULL||NULL|NULL");
    CHECK_STR(ev("(SPLIT_INDEX s 'l' 0)"), "abc|NULL|h\xc3\xa9|NULL|xyz");
    CHECK_STR(k("(MD5 '')"), "d41d8cd98f00b204e9800998ecf8427e");
    CHECK_STR(k("(MD5 'The quick brown fox jumps over the lazy dog')"),
              "9e107d9d372bb6826bd81d3542a419d6");
    CHECK_STR(
        k("(MD5 "
          "'12345678901234567890123456789012345678901234567890123456789012345678901234567890')"),
        "57edf4a22be3c955ac49da2e2107b67a");
    CHECK_STR(ev("(MD5 u)"), "9dd4e461268c8034f5c8564e155c67a6|NULL|"
                             "0bcef9c45bd8a48eda1b26eb0c61c869|"
                             "e4fdc325f53046902750334dfa57d01d|b14a7b8059d9c055954c92674ce60032");
}

TEST(substring_edge_cases) {
    CHECK_STR(k("(SUBSTRING 'hello' 2)"), "ello");
    CHECK_STR(k("(SUBSTRING 'hello' 2 3)"), "ell");
    CHECK_STR(k("(SUBSTR 'hello' 0 2)"), "he");
    CHECK_STR(k("(SUBSTRING 'hello' -3)"), "llo");
    CHECK_STR(k("(SUBSTRING 'hello' -3 2)"), "ll");
    CHECK_STR(k("(SUBSTRING 'hello' -10 2)"), "");
    CHECK_STR(k("(SUBSTRING 'hello' 6)"), "");
    CHECK_STR(k("(SUBSTRING 'hello' 5 100)"), "o");
    CHECK_STR(k("(SUBSTRING 'hello' 1 0)"), "");
    CHECK_STR(k("(SUBSTRING 'hello' 1 -1)"), "NULL");
    CHECK_STR(k("(SUBSTRING '' 1 -1)"), "NULL");
    CHECK_STR(k("(SUBSTRING '' 3)"), "");
    CHECK_STR(k("(SUBSTRING 'h\xc3\xa9llo' 2 2)"), "\xc3\xa9l");
    CHECK_STR(k("(SUBSTRING 'hello' NULL)"), "NULL");
    CHECK_STR(ev("(SUBSTRING s 2 3)"), "bc|NULL|\xc3\xa9ll||yz");
    CHECK_STR(ev("(SUBSTRING s b)"), "bc|NULL|h\xc3\xa9llo w\xc3\xb6rld||xyz");
}

TEST(like_patterns) {
    CHECK_STR(ev("(LIKE s 'x%')"), "FALSE|NULL|FALSE|FALSE|TRUE");
    CHECK_STR(ev("(LIKE s '%c')"), "TRUE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s '%l%')"), "FALSE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s 'abc')"), "TRUE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s '%')"), "TRUE|NULL|TRUE|TRUE|TRUE");
    CHECK_STR(ev("(LIKE s '')"), "FALSE|NULL|FALSE|TRUE|FALSE");
    CHECK_STR(ev("(LIKE s '_b_')"), "TRUE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s 'h_llo%')"), "FALSE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s '%o_w%d')"), "FALSE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s '%o_w%x')"), "FALSE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s '%o w%d')"), "FALSE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(LIKE s '___________')"), "FALSE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(ev("(\"NOT LIKE\" s 'x%')"), "TRUE|NULL|TRUE|TRUE|FALSE");
    /* The pattern from a column: compiled per row. */
    CHECK_STR(ev("(LIKE 'x%' u)"), "FALSE|NULL|TRUE|TRUE|FALSE");
    CHECK_STR(ev("(LIKE s (CONCAT '%' u))"), "FALSE|NULL|TRUE|FALSE|TRUE");
    CHECK_STR(k("(LIKE 'a%c' 'a!%c' '!')"), "TRUE");
    CHECK_STR(k("(LIKE 'abc' 'a!%c' '!')"), "FALSE");
    CHECK_STR(k("(LIKE 'a_c' 'a!_c' '!')"), "TRUE");
    CHECK_STR(k("(LIKE 'abc' 'a!_c' '!')"), "FALSE");
    CHECK_STR(k("(LIKE 'a!c' 'a!!c' '!')"), "TRUE");
    CHECK_STR(k("(LIKE 'a\\c' 'a\\c')"), "TRUE"); /* no default escape */
    CHECK_STR(k("(LIKE 'a%' 'a\\%')"), "FALSE");
    CHECK_STR(k("(LIKE '\xe2\x82\xac' '_')"), "TRUE");
    CHECK_STR(k("(LIKE '\xe2\x82\xac' '__')"), "FALSE");
    CHECK_STR(k("(LIKE 'x\xc3\xa9y\xc3\xa9z' '%\xc3\xa9_\xc3\xa9%')"), "TRUE");
    CHECK_STR(k("(LIKE 'aaaab' '%a%ab')"), "TRUE");
    CHECK_STR(k("(LIKE 'abcabd' '%abd')"), "TRUE");
    CHECK_STR(k("(LIKE 'ab' 'a%%%b%')"), "TRUE");
    CHECK_STR(k("(LIKE 'abc' 'a_')"), "FALSE");
    CHECK_STR(k("(LIKE 'ABC' 'abc')"), "FALSE");
    CHECK_STR(k("(LIKE 'abc' NULL)"), "NULL");
    CHECK_STR(k("(LIKE 'abc' 'a%' NULL)"), "NULL");
    CHECK_STR(err("(LIKE 'abc' 'a!x' '!')"), "SL_ERR_ARG: bad escape in LIKE pattern 'a!x'");
    CHECK_STR(err("(LIKE 'abc' 'a!' '!')"), "SL_ERR_ARG: bad escape in LIKE pattern 'a!'");
    CHECK_STR(err("(LIKE 'abc' 'a' '!!')"),
              "SL_ERR_ARG: LIKE escape must be one character, got '!!'");
    CHECK_STR(err("(LIKE a 'x')"), "SL_ERR_TYPE: cannot apply 'LIKE' to BIGINT and STRING");
    CHECK_STR(err("(\"SIMILAR TO\" s 'x')"),
              "SL_ERR_UNSUPPORTED: SIMILAR TO is not supported (use REGEXP)");
}

TEST(regular_expressions) {
    CHECK_STR(ev("(REGEXP s '^[a-c]+$')"), "TRUE|NULL|FALSE|FALSE|FALSE");
    CHECK_STR(ev("(REGEXP s 'l+')"), "FALSE|NULL|TRUE|FALSE|FALSE");
    CHECK_STR(k("(REGEXP_EXTRACT 'foo123bar45' '(\\d+)[a-z]+(\\d+)' 2)"), "45");
    CHECK_STR(k("(REGEXP_EXTRACT 'foo123bar45' '\\d+')"), "123");
    CHECK_STR(k("(REGEXP_EXTRACT 'foo123bar' '(?:o+)(\\d+)' 1)"), "123");
    CHECK_STR(k("(REGEXP_EXTRACT 'foo' '(\\d+)' 1)"), "NULL");
    CHECK_STR(k("(REGEXP_EXTRACT 'foo1' '(\\d)' 2)"), "NULL");
    CHECK_STR(k("(REGEXP_EXTRACT 'foo1' '(x)?o' 1)"), "NULL");
    CHECK_STR(k("(REGEXP_EXTRACT 'a b\tc' 'b\\sc')"), "b\tc");
    CHECK_STR(k("(REGEXP_EXTRACT 'Hello' '(?i)h(E)l' 1)"), "e");
    CHECK_STR(k("(REGEXP_REPLACE 'a1b22c' '\\d+' '#')"), "a#b#c");
    CHECK_STR(k("(REGEXP_REPLACE 'abc' 'x*' '-')"), "-a-b-c-");
    CHECK_STR(k("(REGEXP_REPLACE 'john smith' '(\\w+) (\\w+)' '$2, $1')"), "smith, john");
    CHECK_STR(k("(REGEXP_REPLACE 'a.b' '\\.' '\\$')"), "a$b");
    CHECK_STR(k("(REGEXP_REPLACE 'aaa' '^a' 'b')"), "baa");
    CHECK_STR(k("(REGEXP_REPLACE 'abc' 'b' '$3')"), "NULL");
    CHECK_STR(k("(REGEXP_REPLACE 'h\xc3\xa9llo' '' '.')"), ".h.\xc3\xa9.l.l.o.");
    CHECK_STR(ev("(REGEXP s u)"), "FALSE|NULL|FALSE|FALSE|FALSE"); /* per-row patterns */
    CHECK_STR(ev("(REGEXP s (CONCAT u '*'))"), "TRUE|NULL|TRUE|FALSE|TRUE");
    CHECK_STR(ev("(REGEXP_EXTRACT s (CONCAT u '?'))"), "|NULL||NULL|");
    CHECK_STR(ev("(REGEXP_EXTRACT s '[a-z]+')"), "abc|NULL|h|NULL|xyz");
    CHECK_STR(err("(REGEXP s '(')"), "SL_ERR_ARG: REGEXP: bad regular expression '(': "
                                     "Unmatched ( or \\(");
    CHECK_STR(err("(REGEXP s 'a+?')"), "SL_ERR_ARG: REGEXP: bad regular expression 'a+?': "
                                       "not supported by POSIX regular expressions");
    CHECK_STR(ev("(REGEXP s (CONCAT '(' u))"), "NULL|NULL|NULL|NULL|NULL");
}

/* ---- math ---- */

TEST(math_functions) {
    CHECK_STR(ev("(ABS a)"), "1|NULL|7|9223372036854775807|100");
    CHECK_STR(k("(ABS (- -9223372036854775807 1))"), "-9223372036854775808");
    CHECK_STR(ev("(ABS d)"), "1.5|NULL|2.25|0|10000000000");
    CHECK_STR(ev("(CEIL d)"), "2|NULL|-2|0|10000000000");
    CHECK_STR(ev("(FLOOR d)"), "1|NULL|-3|0|10000000000");
    CHECK_STR(type_of("(CEIL a)"), "BIGINT");
    CHECK_STR(k("(CEILING 7)"), "7");
    CHECK_STR(k("(ROUND 2.5)"), "3");
    CHECK_STR(k("(ROUND -2.5)"), "-3");
    CHECK_STR(k("(ROUND 2.675 2)"), "2.68");
    CHECK_STR(k("(ROUND 1.005 2)"), "1.01");
    CHECK_STR(k("(ROUND 0.125 2)"), "0.13");
    CHECK_STR(k("(ROUND 999.96 1)"), "1000");
    CHECK_STR(k("(ROUND 1234.5678 -2)"), "1200");
    CHECK_STR(k("(ROUND 0.04 0)"), "0");
    CHECK_STR(k("(ROUND 0.5 0)"), "1");
    CHECK_STR(k("(ROUND 3.14159 10)"), "3.14159");
    CHECK_STR(k("(ROUND 1250 -2)"), "1300");
    CHECK_STR(k("(ROUND -1250 -2)"), "-1300");
    CHECK_STR(k("(ROUND 1249 -2)"), "1200");
    CHECK_STR(k("(ROUND 17 3)"), "17");
    CHECK_STR(k("(ROUND 17 -30)"), "0");
    CHECK_STR(k("(ROUND 1.5 (- -9223372036854775807 1))"), "0");
    CHECK_STR(k("(ROUND 1.5 9223372036854775807)"), "1.5");
    CHECK_STR(k("(ROUND 1e300 -299)"), "1e+300");
    CHECK_STR(k("(TRUNCATE 2.679 2)"), "2.67");
    CHECK_STR(k("(TRUNCATE -2.679 1)"), "-2.6");
    CHECK_STR(k("(TRUNCATE 1299 -2)"), "1200");
    CHECK_STR(k("(TRUNCATE 2.9)"), "2");
    CHECK_STR(k("(POWER 2 10)"), "1024");
    CHECK_STR(k("(SQRT 16)"), "4");
    CHECK_STR(k("(SQRT -1)"), "NaN");
    CHECK_STR(k("(EXP 0)"), "1");
    CHECK_STR(k("(LN 1)"), "0");
    CHECK_STR(k("(LN 0)"), "-Infinity");
    CHECK_STR(k("(LOG10 1000)"), "3");
    CHECK_STR(k("(LOG2 8)"), "3");
    CHECK_STR(k("(LOG 2 8)"), "3"); /* LOG(base, x) as Flink */
    CHECK_STR(k("(LOG 1)"), "0");
    CHECK_STR(ev("(SIGN a)"), "1|NULL|-1|1|1");
    CHECK_STR(ev("(SIGN d)"), "1|NULL|-1|0|1");
    CHECK_STR(k("(PI)"), "3.141592653589793");
    CHECK_STR(type_of("(ROUND a 1)"), "BIGINT");
    CHECK_STR(type_of("(POWER a 2)"), "DOUBLE");
    CHECK_STR(err("(ABS s)"), "SL_ERR_TYPE: ABS expects BIGINT, got STRING");
    CHECK_STR(err("(POWER 2 'x')"), "SL_ERR_TYPE: POWER argument 2 expects DOUBLE, got STRING");
    CHECK_STR(err("(UPPER a)"), "SL_ERR_TYPE: UPPER expects STRING, got BIGINT");
    CHECK_STR(err("(+ s a)"), "SL_ERR_TYPE: cannot apply '+' to STRING and BIGINT");
    CHECK_STR(err("(NEG s)"), "SL_ERR_TYPE: cannot apply '-' to STRING");
    CHECK_STR(err("(FOO a)"), "SL_ERR_NOTFOUND: unknown function 'FOO'");
    CHECK_STR(err("(UPPER 'a' 'b')"), "SL_ERR_TYPE: UPPER takes 1 argument, got 2");
    CHECK_STR(err("(SUBSTRING 'a')"), "SL_ERR_TYPE: SUBSTRING takes 2 to 3 arguments, got 1");
    CHECK_STR(err("(COALESCE)"), "SL_ERR_TYPE: COALESCE takes at least 1 argument, got 0");
    CHECK_STR(err("(RAND)"),
              "SL_ERR_UNSUPPORTED: RAND is not supported: results must be deterministic for "
              "replay");
}

/* ---- time ---- */

TEST(extract_and_date_parts) {
    CHECK_STR(ev("(EXTRACT 'YEAR' t)"), "2024|NULL|2024|1969|2023");
    CHECK_STR(ev("(EXTRACT 'QUARTER' t)"), "1|NULL|1|4|4");
    CHECK_STR(ev("(EXTRACT 'MONTH' t)"), "1|NULL|2|12|12");
    CHECK_STR(ev("(EXTRACT 'DAY' t)"), "1|NULL|29|31|31");
    CHECK_STR(ev("(EXTRACT 'HOUR' t)"), "0|NULL|13|23|23");
    CHECK_STR(ev("(EXTRACT 'minute' t)"), "0|NULL|45|59|59");
    CHECK_STR(ev("(EXTRACT 'SECOND' t)"), "0|NULL|30|59|59");
    CHECK_STR(ev("(EXTRACT 'MILLISECOND' t)"), "0|NULL|123|999|0");
    CHECK_STR(ev("(EXTRACT 'MICROSECOND' t)"), "0|NULL|123456|999999|0");
    CHECK_STR(ev("(EXTRACT 'DOY' t)"), "1|NULL|60|365|365");
    CHECK_STR(ev("(EXTRACT 'DOW' t)"), "2|NULL|5|4|1");
    CHECK_STR(ev("(EXTRACT 'WEEK' t)"), "1|NULL|9|1|52");
    CHECK_STR(ev("(EXTRACT 'EPOCH' t)"), "1704067200|NULL|1709214330|-1|1704067199");
    CHECK_STR(ev("(YEAR t)"), "2024|NULL|2024|1969|2023");
    CHECK_STR(ev("(DAYOFWEEK t)"), "2|NULL|5|4|1");
    CHECK_STR(ev("(DAYOFYEAR t)"), "1|NULL|60|365|365");
    CHECK_STR(ev("(DAYOFMONTH t)"), "1|NULL|29|31|31");
    CHECK_STR(ev("(WEEK t)"), "1|NULL|9|1|52");
    CHECK_STR(ev("(QUARTER t)"), "1|NULL|1|4|4");
    CHECK_STR(ev("(MONTH t)"), "1|NULL|2|12|12");
    CHECK_STR(ev("(HOUR t)"), "0|NULL|13|23|23");
    CHECK_STR(ev("(MINUTE t)"), "0|NULL|45|59|59");
    CHECK_STR(ev("(SECOND t)"), "0|NULL|30|59|59");
    CHECK_STR(k("(EXTRACT 'WEEK' ts'2021-01-03 00:00:00')"), "53");
    CHECK_STR(k("(EXTRACT 'WEEK' ts'2024-12-30 00:00:00')"), "1");
    CHECK_STR(k("(EXTRACT 'DOY' ts'2100-12-31 00:00:00')"), "365");
    CHECK_STR(k("(EXTRACT 'DOY' ts'2000-12-31 00:00:00')"), "366");
    CHECK_STR(k("(EXTRACT 'YEAR' ts'1900-03-01 00:00:00')"), "1900");
    CHECK_STR(k("(EXTRACT 'DAY' (- ts'1900-03-01 00:00:00' iv'1d'))"), "28");
    CHECK_STR(k("(EXTRACT 'DAY' (- ts'2000-03-01 00:00:00' iv'1d'))"), "29");
    CHECK_STR(err("(EXTRACT 'FORTNIGHT' t)"), "SL_ERR_ARG: EXTRACT: unknown time unit 'FORTNIGHT'");
    CHECK_STR(err("(EXTRACT s t)"), "SL_ERR_TYPE: EXTRACT argument 1 must be a constant unit name");
    CHECK_STR(err("(YEAR s)"), "SL_ERR_TYPE: YEAR expects TIMESTAMP, got STRING");
}

TEST(floor_ceil_add_diff) {
    CHECK_STR(ev("(FLOOR t 'DAY')"), "2024-01-01 00:00:00|NULL|2024-02-29 00:00:00|"
                                     "1969-12-31 00:00:00|2023-12-31 00:00:00");
    CHECK_STR(ev("(CEIL t 'DAY')"), "2024-01-01 00:00:00|NULL|2024-03-01 00:00:00|"
                                    "1970-01-01 00:00:00|2024-01-01 00:00:00");
    CHECK_STR(ev("(FLOOR t 'MONTH')"), "2024-01-01 00:00:00|NULL|2024-02-01 00:00:00|"
                                       "1969-12-01 00:00:00|2023-12-01 00:00:00");
    CHECK_STR(ev("(CEIL t 'MONTH')"), "2024-01-01 00:00:00|NULL|2024-03-01 00:00:00|"
                                      "1970-01-01 00:00:00|2024-01-01 00:00:00");
    CHECK_STR(ev("(FLOOR t 'YEAR')"), "2024-01-01 00:00:00|NULL|2024-01-01 00:00:00|"
                                      "1969-01-01 00:00:00|2023-01-01 00:00:00");
    CHECK_STR(ev("(FLOOR t 'HOUR')"), "2024-01-01 00:00:00|NULL|2024-02-29 13:00:00|"
                                      "1969-12-31 23:00:00|2023-12-31 23:00:00");
    CHECK_STR(ev("(CEIL t 'SECOND')"), "2024-01-01 00:00:00|NULL|2024-02-29 13:45:31|"
                                       "1970-01-01 00:00:00|2023-12-31 23:59:59");
    CHECK_STR(ev("(FLOOR t 'WEEK')"), "2023-12-31 00:00:00|NULL|2024-02-25 00:00:00|"
                                      "1969-12-28 00:00:00|2023-12-31 00:00:00");
    CHECK_STR(ev("(FLOOR t 'QUARTER')"), "2024-01-01 00:00:00|NULL|2024-01-01 00:00:00|"
                                         "1969-10-01 00:00:00|2023-10-01 00:00:00");
    CHECK_STR(k("(CEIL ts'2024-11-15 00:00:00' 'YEAR')"), "2025-01-01 00:00:00");
    CHECK_STR(ev("(TIMESTAMPADD 'MONTH' 1 t)"), "2024-02-01 00:00:00|NULL|"
                                                "2024-03-29 13:45:30.123456|"
                                                "1970-01-31 23:59:59.999999|2024-01-31 23:59:59");
    CHECK_STR(k("(TIMESTAMPADD 'MONTH' 1 ts'2024-01-31 10:00:00')"), "2024-02-29 10:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'MONTH' 1 ts'2023-01-31 10:00:00')"), "2023-02-28 10:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'MONTH' -13 ts'2024-03-31 00:00:00')"), "2023-02-28 00:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'YEAR' 1 ts'2024-02-29 00:00:00')"), "2025-02-28 00:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'QUARTER' 2 ts'2024-08-31 00:00:00')"), "2025-02-28 00:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'DAY' -1 ts'2024-03-01 00:00:00')"), "2024-02-29 00:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'WEEK' 1 ts'2024-12-28 00:00:00')"), "2025-01-04 00:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'SECOND' 90 ts'2024-01-01 00:00:00')"), "2024-01-01 00:01:30");
    CHECK_STR(k("(TIMESTAMPADD 'SQL_TSI_HOUR' 1 ts'2024-01-01 00:00:00')"), "2024-01-01 01:00:00");
    CHECK_STR(k("(TIMESTAMPADD 'DAY' 9223372036854775807 ts'2024-01-01 00:00:00')"), "NULL");
    CHECK_STR(k("(TIMESTAMPDIFF 'DAY' ts'2024-01-01 00:00:00' ts'2024-03-01 00:00:00')"), "60");
    CHECK_STR(k("(TIMESTAMPDIFF 'HOUR' ts'2024-01-01 10:00:00' ts'2024-01-01 08:30:00')"), "-1");
    CHECK_STR(k("(TIMESTAMPDIFF 'MONTH' ts'2024-01-31 00:00:00' ts'2024-02-29 00:00:00')"), "1");
    CHECK_STR(k("(TIMESTAMPDIFF 'MONTH' ts'2024-01-31 12:00:00' ts'2024-02-29 10:00:00')"), "0");
    CHECK_STR(k("(TIMESTAMPDIFF 'MONTH' ts'2024-03-31 00:00:00' ts'2024-02-29 00:00:00')"), "-1");
    CHECK_STR(k("(TIMESTAMPDIFF 'MONTH' ts'2024-03-15 00:00:00' ts'2024-02-16 00:00:00')"), "0");
    CHECK_STR(k("(TIMESTAMPDIFF 'YEAR' ts'2020-02-29 00:00:00' ts'2024-02-28 00:00:00')"), "3");
    CHECK_STR(k("(TIMESTAMPDIFF 'YEAR' ts'2020-02-29 00:00:00' ts'2024-02-29 00:00:00')"), "4");
    CHECK_STR(k("(TIMESTAMPDIFF 'QUARTER' ts'2024-01-01 00:00:00' ts'2024-12-31 00:00:00')"), "3");
    CHECK_STR(k("(TIMESTAMPDIFF 'SECOND' ts'2024-01-01 00:00:00' ts'2024-01-01 00:00:01.5')"), "1");
    CHECK_STR(err("(FLOOR t 'DOW')"), "SL_ERR_ARG: FLOOR does not support unit DOW");
    CHECK_STR(err("(TIMESTAMPADD 'MONTH' 1.5 t)"),
              "SL_ERR_TYPE: TIMESTAMPADD argument 2 expects BIGINT, got DOUBLE");
}

TEST(formats_and_conversions) {
    CHECK_STR(ev("(DATE_FORMAT t 'yyyy-MM-dd')"),
              "2024-01-01|NULL|2024-02-29|1969-12-31|2023-12-31");
    CHECK_STR(ev("(DATE_FORMAT t 'yy/M/d HH:mm:ss.SSS')"),
              "24/1/1 00:00:00.000|NULL|24/2/29 13:45:30.123|69/12/31 23:59:59.999|"
              "23/12/31 23:59:59.000");
    CHECK_STR(k("(DATE_FORMAT ts'2024-02-29 13:05:09.5' 'EEE, d MMM yyyy h:mm a ''q''')"),
              "Thu, 29 Feb 2024 1:05 PM q");
    CHECK_STR(k("(DATE_FORMAT ts'2024-02-29 13:05:09.5' 'h ''o''''clock''')"), "1 o'clock");
    CHECK_STR(k("(DATE_FORMAT ts'2024-07-04 00:00:00' 'EEEE MMMM D hh')"), "Thursday July 186 12");
    CHECK_STR(k("(DATE_FORMAT ts'2024-07-04 00:00:00' 'yyyyMMdd''T''HHmmssSSSSSSX')"),
              "20240704T000000000000Z");
    CHECK_STR(k("(DATE_FORMAT '2024-07-04 10:00:00' 'dd.MM.yyyy')"), "04.07.2024");
    /* zero padding to the pattern's width, and numbers wider than it */
    CHECK_STR(k("(DATE_FORMAT ts'0099-03-04 05:06:07' 'yyyyy-MMM-ddd HHH:mm:s y')"),
              "00099-Mar-004 005:06:7 99");
    CHECK_STR(k("(DATE_FORMAT 'garbage' 'dd.MM.yyyy')"), "NULL");
    CHECK_STR(k("(TO_TIMESTAMP '2024-03-01 10:20:30')"), "2024-03-01 10:20:30");
    CHECK_STR(k("(TO_TIMESTAMP '2024-03-01 10:20:30.25')"), "2024-03-01 10:20:30.250");
    CHECK_STR(k("(TO_TIMESTAMP '2024-03-01')"), "2024-03-01 00:00:00");
    CHECK_STR(k("(TO_TIMESTAMP 'nope')"), "NULL");
    CHECK_STR(k("(TO_TIMESTAMP '01/03/2024 07:08' 'dd/MM/yyyy HH:mm')"), "2024-03-01 07:08:00");
    CHECK_STR(k("(TO_TIMESTAMP '1/3/2024' 'd/M/yyyy')"), "2024-03-01 00:00:00");
    CHECK_STR(k("(TO_TIMESTAMP '20240301123456789' 'yyyyMMddHHmmssSSS')"),
              "2024-03-01 12:34:56.789");
    CHECK_STR(k("(TO_TIMESTAMP '29-Feb-24 11:30 PM' 'dd-MMM-yy hh:mm a')"), "2024-02-29 23:30:00");
    CHECK_STR(k("(TO_TIMESTAMP '2024-03-01T10:00:00+0200' 'yyyy-MM-dd''T''HH:mm:ssZ')"),
              "2024-03-01 08:00:00");
    CHECK_STR(k("(TO_TIMESTAMP '2024 366 23' 'yyyy D HH')"), "2024-12-31 23:00:00");
    CHECK_STR(k("(TO_TIMESTAMP '2023 366' 'yyyy D')"), "NULL");
    CHECK_STR(k("(TO_TIMESTAMP '2023-02-29' 'yyyy-MM-dd')"), "NULL");
    CHECK_STR(k("(TO_TIMESTAMP '2024-03-01 10:00' 'yyyy-MM-dd')"), "NULL");
    CHECK_STR(k("(TO_TIMESTAMP '2024-13-01' 'yyyy-MM-dd')"), "NULL");
    CHECK_STR(k("(UNIX_TIMESTAMP '1970-01-02 00:00:00')"), "86400");
    CHECK_STR(k("(UNIX_TIMESTAMP '1969-12-31 23:59:59.5')"), "-1");
    CHECK_STR(k("(UNIX_TIMESTAMP '02.01.1970' 'dd.MM.yyyy')"), "86400");
    CHECK_STR(k("(FROM_UNIXTIME 86400)"), "1970-01-02 00:00:00");
    CHECK_STR(k("(FROM_UNIXTIME -1 'yyyy-MM-dd HH:mm:ss')"), "1969-12-31 23:59:59");
    CHECK_STR(k("(FROM_UNIXTIME 1709214330 'HH:mm')"), "13:45");
    CHECK_STR(k("(TO_TIMESTAMP_LTZ 1709214330 0)"), "2024-02-29 13:45:30");
    CHECK_STR(k("(TO_TIMESTAMP_LTZ 1709214330123 3)"), "2024-02-29 13:45:30.123");
    CHECK_STR(k("(TO_TIMESTAMP_LTZ 1709214330123456 6)"), "2024-02-29 13:45:30.123456");
    CHECK_STR(k("(TO_TIMESTAMP_LTZ 1.5 0)"), "1970-01-01 00:00:01.500");
    CHECK_STR(k("(TO_TIMESTAMP_LTZ 9223372036854775807 0)"), "NULL");
    CHECK_STR(ev("(TO_TIMESTAMP_LTZ a 3)"), "1970-01-01 00:00:00.001|NULL|"
                                            "1969-12-31 23:59:59.993|NULL|1970-01-01 00:00:00.100");
    CHECK_STR(err("(TO_TIMESTAMP_LTZ a 2)"),
              "SL_ERR_ARG: TO_TIMESTAMP_LTZ precision must be 0, 3 or 6 (seconds, milliseconds, "
              "microseconds), got 2");
    CHECK_STR(err("(DATE_FORMAT t 'yyyy-Q')"),
              "SL_ERR_ARG: DATE_FORMAT: unsupported letter 'Q' in format 'yyyy-Q'");
    CHECK_STR(err("(DATE_FORMAT t 'yyyy ''oops')"),
              "SL_ERR_ARG: DATE_FORMAT: bad format 'yyyy 'oops'");
    /* Per-row formats; x is not a pattern letter Flink knows: NULL. */
    CHECK_STR(ev("(DATE_FORMAT t (CONCAT 'yyyy' u))"), "NULL|NULL|2024%|NULL|2023_");
}

TEST(processing_time) {
    setup();
    slexpr *e;
    CHECK(parse("(+ (NOW) iv'1s')", &e) == SL_OK);
    CHECK(!slexpr_is_const(e));
    slvalue v;
    CHECK_INT(slexpr_const(e, &v), SL_ERR_ARG);
    slexpr_eval_set_now(g_ev, tsv("2024-05-05 05:05:05"));
    CHECK_STR(eval_text(e, g_rows), "2024-05-05 05:05:06|2024-05-05 05:05:06|2024-05-05 05:05:06|"
                                    "2024-05-05 05:05:06|2024-05-05 05:05:06");
    slexpr_free(e);
    CHECK(parse("(UNIX_TIMESTAMP)", &e) == SL_OK);
    CHECK_STR(eval_text(e, g_rows), "1714885505|1714885505|1714885505|1714885505|1714885505");
    CHECK(!slexpr_is_const(e));
    slexpr_free(e);
    CHECK_STR(type_of("(CURRENT_TIMESTAMP)"), "TIMESTAMP");
    CHECK_STR(type_of("(PROCTIME)"), "TIMESTAMP");
    CHECK_STR(type_of("(LOCALTIMESTAMP)"), "TIMESTAMP");
    CHECK_STR(err("(CURRENT_DATE)"), "SL_ERR_UNSUPPORTED: CURRENT_DATE is not supported (there is "
                                     "no DATE type: use FLOOR(CURRENT_TIMESTAMP TO DAY))");
}

/* ---- describe, constants, copies ---- */

TEST(describe) {
    CHECK_STR(desc("(> (* a 2) 100)"), "(a * 2) > 100");
    CHECK_STR(desc("(AND (> (+ (* a 2) b) 100) (LIKE s 'x%'))"),
              "(((a * 2) + b) > 100) AND (s LIKE 'x%')");
    CHECK_STR(desc("(+ a 1.5)"), "a + 1.5");
    CHECK_STR(desc("(NEG (- a b))"), "-(a - b)");
    CHECK_STR(desc("(NOT (\"IS NULL\" s))"), "NOT (s IS NULL)");
    CHECK_STR(desc("(IN a 1 2 3)"), "a IN (1, 2, 3)");
    CHECK_STR(desc("(\"NOT BETWEEN\" a 1 (+ b 1))"), "a NOT BETWEEN 1 AND (b + 1)");
    CHECK_STR(desc("(LIKE s 'a!%' '!')"), "s LIKE 'a!%' ESCAPE '!'");
    CHECK_STR(desc("(CASE f 'it''s' 'no')"), "CASE WHEN f THEN 'it''s' ELSE 'no' END");
    CHECK_STR(desc("(CAST a STRING)"), "CAST(a AS STRING)");
    CHECK_STR(desc("(UPPER (SUBSTRING s 1 2))"), "UPPER(SUBSTRING(s, 1, 2))");
    CHECK_STR(desc("(EXTRACT 'YEAR' t)"), "EXTRACT(YEAR FROM t)");
    CHECK_STR(desc("(FLOOR t 'HOUR')"), "FLOOR(t TO HOUR)");
    CHECK_STR(desc("(TIMESTAMPADD 'DAY' 1 t)"), "TIMESTAMPADD(DAY, 1, t)");
    CHECK_STR(desc("(POSITION 'a' s)"), "POSITION('a' IN s)");
    CHECK_STR(desc("(+ t iv'90s')"), "t + INTERVAL '90' SECOND");
    CHECK_STR(desc("(+ t iv'1h')"), "t + INTERVAL '1' HOUR");
    CHECK_STR(desc("(- t iv'1500ms')"), "t - INTERVAL '1.5' SECOND");
    CHECK_STR(desc("(= t ts'2024-01-01 10:00:00')"), "t = TIMESTAMP '2024-01-01 10:00:00'");
    CHECK_STR(desc("(|| s (CONCAT u 'x'))"), "s || CONCAT(u, 'x')");
    CHECK_STR(desc("(\"IS NOT DISTINCT FROM\" a NULL)"), "a IS NOT DISTINCT FROM NULL");
    CHECK_STR(desc("(+ d 10000000000.0)"), "d + 1.0E10");
    CHECK_STR(desc("(% a 2)"), "a % 2");
    CHECK_STR(desc("(MOD a 2)"), "MOD(a, 2)");
    CHECK_STR(desc("(NOW)"), "NOW()");
    slexpr *e = slexpr_column(2, SL_BIGINT);
    slbuf b = {0};
    slexpr_describe(e, NULL, &b);
    CHECK_STR(slbuf_cstr(&b), "$2");
    slbuf_free(&b);
    slexpr_free(e);
}

TEST(constant_folding) {
    CHECK_STR(k("(+ (* 6 7) 0)"), "42");
    CHECK_STR(k("(UPPER (CONCAT 'ab' 'cd'))"), "ABCD");
    CHECK_STR(k("(SUBSTRING 'hello' 2 3)"), "ell");
    CHECK_STR(k("(CASE (> 2 1) (ROUND 2.5) 0)"), "3");
    CHECK_STR(k("(DATE_FORMAT (+ ts'2024-01-01 00:00:00' iv'1d') 'yyyy-MM-dd')"), "2024-01-02");
    CHECK_STR(k("NULL"), "NULL");
    CHECK_STR(k("'x'"), "x");
    setup();
    slexpr *e;
    CHECK(parse("(+ a 1)", &e) == SL_OK);
    CHECK(!slexpr_is_const(e));
    slvalue v;
    CHECK_INT(slexpr_const(e, &v), SL_ERR_ARG);
    slexpr_free(e);
    /* A constant string stays valid while the tree lives, and repeats. */
    CHECK(parse("(LOWER 'ABC')", &e) == SL_OK);
    slvalue v1, v2;
    CHECK(slexpr_const(e, &v1) == SL_OK && slexpr_const(e, &v2) == SL_OK);
    CHECK(v1.v.s.ptr == v2.v.s.ptr && v1.v.s.len == 3 && memcmp(v1.v.s.ptr, "abc", 3) == 0);
    slexpr_free(e);
}

TEST(copy_is_deep) {
    setup();
    slexpr *e;
    CHECK(parse("(AND (LIKE s 'x%') (REGEXP (DATE_FORMAT t 'yyyy') '^20'))", &e) == SL_OK);
    slexpr *c = slexpr_copy(e);
    slexpr_free(e);
    CHECK_STR(eval_text(c, g_rows), "FALSE|NULL|FALSE|FALSE|TRUE");
    slbuf b = {0};
    slexpr_describe(c, g_in, &b);
    CHECK_STR(slbuf_cstr(&b), "(s LIKE 'x%') AND REGEXP(DATE_FORMAT(t, 'yyyy'), '^20')");
    slbuf_free(&b);
    slexpr_free(c);
    CHECK(slexpr_copy(NULL) == NULL);
}

TEST(constructor_frees_children_on_error) {
    /* Under ASan a leak here fails the test run. */
    slexpr *e = (slexpr *)1;
    CHECK_INT(slexpr_func("UPPER", (slexpr *[]){slexpr_bigint(1)}, 1, &e), SL_ERR_TYPE);
    CHECK(e == NULL);
    CHECK_INT(slexpr_func("NOPE", (slexpr *[]){slexpr_string("x", 1)}, 1, &e), SL_ERR_NOTFOUND);
    CHECK_STR(sl_errmsg(), "unknown function 'NOPE'");
    CHECK_INT(slexpr_cast(slexpr_bool(true), SL_TIMESTAMP, false, &e), SL_ERR_TYPE);
    CHECK_INT(slexpr_func("+", (slexpr *[]){slexpr_string("x", 1), slexpr_bigint(1)}, 2, &e),
              SL_ERR_TYPE);
    CHECK_STR(sl_errmsg(), "cannot apply '+' to STRING and BIGINT");
    CHECK_INT(slexpr_func("upper", (slexpr *[]){slexpr_string("x", 1)}, 1, &e), SL_OK);
    slexpr_free(e);
}

/* ---- batches: empty, large, NULL-heavy ---- */

TEST(empty_batch) {
    setup();
    slbatch *empty = slbatch_new(g_in, 4);
    slexpr *e;
    CHECK(parse("(AND (> (+ (* a 2) b) 100) (LIKE s 'x%'))", &e) == SL_OK);
    CHECK_STR(eval_text(e, empty), "");
    uint8_t keep[1] = {9};
    slexpr_eval_filter(g_ev, e, empty, keep);
    CHECK_INT(keep[0], 9);
    slexpr_free(e);
    slbatch_free(empty);
}

TEST(large_batch_with_mixed_nulls) {
    setup();
    enum { N = 3000 };
    slbatch *b = slbatch_new(g_in, N);
    int64_t want_sum = 0, want_kept = 0, want_len = 0, want_nulls = 0;
    for (int i = 0; i < N; i++) {
        uint32_t r = slbatch_begin_row(b);
        if (i % 7) {
            slbatch_set_i64(b, 0, r, i);
        }
        if (i % 5) {
            slbatch_set_i64(b, 1, r, i % 50);
        }
        char s[32];
        int n = snprintf(s, sizeof s, "%s%d", i % 3 ? "x" : "y", i);
        if (i % 11) {
            slbatch_set_str(b, 3, r, s, (size_t)n);
        }
        b->n++;
        bool an = i % 7 == 0, bn = i % 5 == 0, sn = i % 11 == 0;
        want_nulls += an || bn;
        if (!an && !bn) {
            int64_t v = (int64_t)i * 2 + i % 50;
            want_sum += v;
            want_kept += v > 100 && !sn && i % 3 != 0;
        }
        if (!sn && i % 3 != 0) {
            want_len += n + 1;
        }
    }
    slexpr_eval *ev2 = slexpr_eval_new(16);
    slexpr *e, *p, *c;
    CHECK(parse("(AND (> (+ (* a 2) b) 100) (LIKE s 'x%'))", &e) == SL_OK);
    CHECK(parse("(+ (* a 2) b)", &p) == SL_OK);
    CHECK(parse("(CASE (LIKE s 'x%') (CONCAT s '!') NULL)", &c) == SL_OK);
    uint8_t *keep = malloc(N);
    slexpr_eval_filter(ev2, e, b, keep);
    int64_t kept = 0;
    for (int i = 0; i < N; i++) {
        kept += keep[i];
    }
    CHECK_INT(kept, want_kept);
    sl_schema *os = schema_of("p BIGINT, c STRING");
    slbatch *out = slbatch_new(os, N);
    slexpr_eval_into(ev2, p, b, out, 0);
    slexpr_eval_into(ev2, c, b, out, 1);
    out->n = N;
    int64_t sum = 0, nulls = 0, len = 0;
    for (int i = 0; i < N; i++) {
        if (out->cols[0].nulls[i]) {
            nulls++;
        } else {
            sum += out->cols[0].v.i64[i];
        }
        if (!out->cols[1].nulls[i]) {
            len += out->cols[1].v.s[i].len;
            CHECK(out->cols[1].v.s[i].ptr[out->cols[1].v.s[i].len - 1] == '!');
        }
    }
    CHECK_INT(sum, want_sum);
    CHECK_INT(nulls, want_nulls);
    CHECK_INT(len, want_len);
    /* The output owns its strings: free the input and read them again. */
    slbatch_free(b);
    int64_t len2 = 0;
    for (int i = 0; i < N; i++) {
        len2 += out->cols[1].nulls[i] ? 0 : out->cols[1].v.s[i].len;
        if (!out->cols[1].nulls[i]) {
            CHECK(out->cols[1].v.s[i].ptr[0] == 'x');
        }
    }
    CHECK_INT(len2, want_len);
    free(keep);
    slbatch_free(out);
    slschema_unref(os);
    slexpr_free(e);
    slexpr_free(p);
    slexpr_free(c);
    slexpr_eval_free(ev2);
}

__attribute__((destructor)) static void teardown(void) {
    slexpr_eval_free(g_ev);
    slbatch_free(g_rows);
    slschema_unref(g_in);
    slbuf_free(&g_text);
}

TEST(inline_composes_with_a_projection) {
    /* A projection p = [a + 1, s] and an expression over its output,
     * ($0 * 2) || '' ... composed: columns of p replaced by p's expressions. */
    slexpr *defs[2];
    CHECK_INT(parse("(+ a 1)", &defs[0]), SL_OK);
    CHECK_INT(parse("s", &defs[1]), SL_OK);
    slexpr *e;
    CHECK_INT(slexpr_func("*", (slexpr *[]){slexpr_column(0, SL_BIGINT), slexpr_bigint(2)}, 2, &e),
              SL_OK);
    slexpr *c = slexpr_inline(e, defs, 2);
    eval_text(c, g_rows);
    CHECK_STR(slbuf_cstr(&g_text), "4|NULL|-12|0|202");
    slexpr_free(c);
    slexpr *u;
    CHECK_INT(slexpr_func("UPPER", (slexpr *[]){slexpr_column(1, SL_STRING)}, 1, &u), SL_OK);
    c = slexpr_inline(u, defs, 2);
    eval_text(c, g_rows);
    CHECK_STR(slbuf_cstr(&g_text), "ABC|NULL|H\xc3\x89LLO W\xc3\x96RLD||XYZ");
    slexpr_free(c);
    slexpr_free(u);
    slexpr_free(e);
    slexpr_free(defs[0]);
    slexpr_free(defs[1]);
}

/* ---- common subexpressions (slexpr_share, cse.c) ---- */

/* Parse texts[0..n) ("" for a NULL entry), share, and return the number of
 * ids; the trees into es. */
static int share_of(const char *const *texts, int n, slexpr **es) {
    for (int i = 0; i < n; i++) {
        es[i] = NULL;
        if (texts[i][0]) {
            CHECK_INT(parse(texts[i], &es[i]), SL_OK);
        }
    }
    return slexpr_share(es, n);
}

static void free_all(slexpr **es, int n) {
    for (int i = 0; i < n; i++) {
        slexpr_free(es[i]);
    }
}

TEST(cse_marks_what_is_evaluated_twice) {
    slexpr *es[4];
    /* LOWER(s) in a WHERE and twice in a CASE */
    const char *q21[] = {"(OR (\"IS NOT NULL\" (REGEXP_EXTRACT u '(&|^)x=([^&]*)' 2)) "
                         "(IN (LOWER s) 'abc' 'xyz'))",
                         "(CASE (= (LOWER s) 'abc') '0' (= (LOWER s) 'xyz') '1' "
                         "(REGEXP_EXTRACT u '(&|^)x=([^&]*)' 2))"};
    CHECK_INT(share_of(q21, 2, es), 2);
    free_all(es, 2);
    /* f(g(x)) twice: only f is evaluated twice; with g(x) once more, both. */
    const char *nested[] = {"(UPPER (LOWER s))", "(CONCAT (UPPER (LOWER s)) '!')", ""};
    CHECK_INT(share_of(nested, 3, es), 1);
    free_all(es, 3);
    const char *nested2[] = {"(UPPER (LOWER s))", "(CONCAT (UPPER (LOWER s)) '!')", "(LOWER s)"};
    CHECK_INT(share_of(nested2, 3, es), 2);
    free_all(es, 3);
    /* Within one tree too. */
    const char *one[] = {"(* (+ a b) (+ a b))"};
    CHECK_INT(share_of(one, 1, es), 1);
    free_all(es, 1);
    /* Processing time is read afresh by each call: never merged. */
    const char *clock[] = {"(> (NOW) t)", "(> (NOW) t)", "(EXTRACT 'SECOND' (NOW))",
                           "(EXTRACT 'SECOND' (NOW))"};
    CHECK_INT(share_of(clock, 4, es), 0);
    free_all(es, 4);
    /* Constants are computed once already; columns and literals cost
     * nothing. */
    const char *cst[] = {"(+ a (* 2 3))", "(- b (* 2 3))", "(LOWER 'X')", "(LOWER 'X')"};
    CHECK_INT(share_of(cst, 4, es), 0);
    free_all(es, 4);
    /* Not equal: other column, literal, type, function. */
    const char *diff[] = {"(CONCAT (LOWER s) (LOWER u))", "(CONCAT (LOWER s) 'a')",
                          "(CONCAT (LOWER s) 'a ')", "(+ a 1.0)"};
    CHECK_INT(share_of(diff, 4, es), 1); /* LOWER(s) only */
    free_all(es, 4);
    const char *num[] = {"(+ a 1)", "(+ a 1.0)", "(+ a -0.0)", "(+ a 0.0)"};
    CHECK_INT(share_of(num, 4, es), 1); /* CAST(a AS DOUBLE) */
    free_all(es, 4);
    /* A copy is unmarked; marking again replaces the marks. */
    const char *again[] = {"(LOWER s)", "(LOWER s)"};
    CHECK_INT(share_of(again, 2, es), 1);
    slexpr *c = slexpr_copy(es[0]);
    slexpr *pair[] = {c, es[1]};
    CHECK_INT(slexpr_share(pair, 1), 0);
    CHECK_INT(slexpr_share(pair, 2), 1);
    slexpr_free(c);
    free_all(es, 2);
}

/* Evaluate the shared trees es[0..n) over one batch (results joined by " ; ")
 * with sharing on (begin_batch) or off (a fresh evaluator). */
static const char *eval_set(slexpr **es, int n, const slbatch *in, bool share, slbuf *o) {
    slexpr_eval *saved = g_ev;
    g_ev = slexpr_eval_new(3);
    if (share) {
        slexpr_eval_begin_batch(g_ev);
    }
    slbuf_reset(o);
    for (int i = 0; i < n; i++) {
        slbuf_printf(o, "%s%s", i ? " ; " : "", eval_text(es[i], in));
    }
    slexpr_eval_free(g_ev);
    g_ev = saved;
    return slbuf_cstr(o);
}

TEST(cse_values_equal_unshared_evaluation) {
    slexpr *es[6];
    const char *texts[] = {
        /* a shared division guarded by CASE: b = 0 gives NULL either way */
        "(CASE (= b 0) -1 (/ a b))",
        "(COALESCE (/ a b) 99)",
        /* NULL propagation through a shared value */
        "(+ (* a b) 1)",
        "(\"IS NULL\" (* a b))",
        /* shared under AND/OR and strings pointing into the scratch */
        "(AND (\"IS NOT NULL\" (UPPER s)) (LIKE (UPPER s) '%L%'))",
        "(CONCAT (UPPER s) '|' (UPPER s))",
    };
    CHECK_INT(share_of(texts, 6, es), 3);
    slbuf a = {0}, b = {0};
    CHECK_STR(eval_set(es, 6, g_rows, true, &a), eval_set(es, 6, g_rows, false, &b));
    CHECK_STR(slbuf_cstr(&a),
              "0|NULL|-1|9223372036854775807|-33 ; 0|99|99|9223372036854775807|-33 ; "
              "3|NULL|1|-9223372036854775808|-299 ; "
              "FALSE|TRUE|FALSE|FALSE|FALSE ; "
              "FALSE|FALSE|TRUE|FALSE|FALSE ; "
              "ABC|ABC|NULL|H\xc3\x89LLO W\xc3\x96RLD|H\xc3\x89LLO W\xc3\x96RLD"
              "|||XYZ|XYZ");
    slbuf_free(&a);
    slbuf_free(&b);
    free_all(es, 6);
}

TEST(cse_value_is_reused_and_compacted) {
    slexpr *es[2];
    const char *texts[] = {"(\"IS NOT NULL\" (LOWER s))", "(CONCAT (LOWER s) '!')"};
    CHECK_INT(share_of(texts, 2, es), 1);
    slexpr_eval *ev = slexpr_eval_new(2);
    /* The WHERE computes LOWER(s) over all 5 rows; the batch and the shared
     * value are compacted; the projection reuses it over the 4 kept rows. */
    slbatch *b = slbatch_new(g_in, 8);
    for (uint32_t i = 0; i < g_rows->n; i++) {
        slbatch_append_row(b, g_rows, i);
    }
    slexpr_eval_begin_batch(ev);
    uint8_t keep[8];
    slexpr_eval_filter(ev, es[0], b, keep);
    CHECK_INT(keep[0] + keep[1] + keep[2] + keep[3] + keep[4], 4);
    slbatch_compact(b, keep);
    slexpr_eval_compact(ev, keep, 5);
    sl_schema *os = schema_of("r STRING");
    slbatch *out = slbatch_new(os, 8);
    slexpr_eval_into(ev, es[1], b, out, 0);
    out->n = b->n;
    slbuf o = {0};
    for (uint32_t i = 0; i < out->n; i++) {
        slbuf_printf(&o, "%s%.*s", i ? "|" : "", (int)out->cols[0].v.s[i].len,
                     out->cols[0].v.s[i].ptr);
    }
    CHECK_STR(slbuf_cstr(&o), "abc!|h\xc3\xa9llo w\xc3\xb6rld!|!|xyz!");
    /* Proof that the value is reused, not recomputed: against the rules, the
     * same evaluator evaluates the projection over another batch of as many
     * rows without a new begin_batch, and still sees the old LOWER(s). */
    slbatch *other = slbatch_new(g_in, 8);
    for (uint32_t i = 0; i < b->n; i++) {
        uint32_t r = slbatch_begin_row(other);
        slbatch_set_str(other, 3, r, "Q", 1);
        other->n++;
    }
    slexpr_eval_into(ev, es[1], other, out, 0);
    CHECK_INT((int)out->cols[0].v.s[0].len, 4);
    CHECK(memcmp(out->cols[0].v.s[0].ptr, "abc!", 4) == 0);
    /* After begin_batch it is computed afresh. */
    slexpr_eval_begin_batch(ev);
    slexpr_eval_into(ev, es[1], other, out, 0);
    CHECK_INT((int)out->cols[0].v.s[0].len, 2);
    CHECK(memcmp(out->cols[0].v.s[0].ptr, "q!", 2) == 0);
    slbuf_free(&o);
    slbatch_free(out);
    slbatch_free(other);
    slbatch_free(b);
    slschema_unref(os);
    slexpr_eval_free(ev);
    free_all(es, 2);
}
