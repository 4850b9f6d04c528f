/*
 * test_cep.c - the pattern matcher (ops/cep*.c): compilation, and the
 * operator driven directly with rows of letters (row i of "aab" has c = "a",
 * "a", "b" and time t0 + i s); variable X's condition is c == lower(X) (or
 * any row for '_'), and the select writes each match as "key: A@1 A@2 B@3"
 * (variable @ seconds). Runs on both state backends (test_cep_rocksdb.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "ops/cep.h"
#include "test_backend.h"
#include "time/timers.h"

/* ---- patterns ---- */

static slcep_pat *V(int v) {
    return slcep_pat_var(v, SLCEP_STRICT);
}
static slcep_pat *VC(int v, slcep_contig c) {
    return slcep_pat_var(v, c);
}
static slcep_pat *SEQ(int n, ...) {
    slcep_pat *k[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        k[i] = va_arg(ap, slcep_pat *);
    }
    va_end(ap);
    return slcep_pat_list(SLCEP_PAT_SEQ, k, n);
}
static slcep_pat *ALT(int n, ...) {
    slcep_pat *k[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        k[i] = va_arg(ap, slcep_pat *);
    }
    va_end(ap);
    return slcep_pat_list(SLCEP_PAT_ALT, k, n);
}
static slcep_pat *REP(slcep_pat *k, int min, int max, bool greedy) {
    return slcep_pat_repeat(k, min, max, greedy);
}

static const char *NAMES[] = {"A", "B", "C", "D", "_"};

TEST(compile_describe) {
    slcep_pat *p = SEQ(4, V(0), REP(V(1), 1, -1, true), REP(ALT(2, V(2), V(3)), 2, 3, false),
                       REP(SEQ(2, V(0), V(1)), 0, 1, true));
    slbuf b = {0};
    slcep_pat_describe(p, NAMES, &b);
    CHECK_STR(slbuf_cstr(&b), "A B+ (C | D){2,3}? (A B)?");
    slcep_prog *prog;
    CHECK(slcep_compile(p, &prog) == SL_OK);
    CHECK(prog->n > 8);
    slcep_prog_free(prog);
    slcep_pat_free(p);
    slbuf_free(&b);
    /* a pattern that can match zero rows is refused */
    p = SEQ(2, REP(V(0), 0, -1, true), REP(V(1), 0, 1, true));
    CHECK(slcep_compile(p, &prog) == SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "zero rows");
    slcep_pat_free(p);
    /* too large once unrolled */
    p = REP(V(0), 1, 100000, true);
    CHECK(slcep_compile(p, &prog) == SL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(sl_errmsg(), "too large");
    slcep_pat_free(p);
}

/* ---- the operator ---- */

typedef struct harness {
    sl_schema *in, *out;
    slcep_arg *arg;
    slop *op;
    slopctx ctx;
    slopmetrics m;
    slstate *st;
    slbuf text, late;
    slbatch *b;
    uint64_t n_out;
} harness;

static void h_emit(slopctx *c, int port, slbatch *b) {
    harness *h = c->rt;
    for (uint32_t i = 0; i < b->n; i++) {
        slbuf *o = port == 0 ? &h->text : &h->late;
        if (port == 0) {
            h->n_out++;
        }
        if (o->len < 100000) {
            slstr k = b->cols[0].v.s[i], m = b->cols[1].v.s[i];
            slbuf_printf(o, "%.*s: %.*s\n", (int)k.len, k.ptr, (int)m.len, m.ptr);
        }
    }
    slbatch_free(b);
}

static bool letter_cond(const sl_row *r, const sl_match *m, void *user) {
    (void)m;
    const char *name = user;
    size_t len;
    const char *c = sl_row_string(r, 1, &len);
    return name[0] == '_' || (len == 1 && c[0] == tolower((unsigned char)name[0]));
}

static void select_fn(const sl_match *m, sl_out *o, void *user) {
    (void)user;
    slbuf s = {0};
    size_t klen;
    const char *k = sl_row_string(sl_match_at(m, 0), 0, &klen);
    for (int i = 0; i < sl_match_size(m); i++) {
        const sl_row *r = sl_match_at(m, i);
        slbuf_printf(&s, "%s%s@%lld", i ? " " : "", sl_match_var_at(m, i),
                     (long long)(sl_row_time(r) / SL_SECOND));
    }
    sl_out_string(o, 0, k, klen);
    sl_out_string(o, 1, s.data ? s.data : "", s.len);
    sl_out_emit(o);
    slbuf_free(&s);
}

static void h_open(harness *h) {
    h->op = slcep_new(h->arg, 0);
    h->op->ctx = &h->ctx;
    CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
}

/* pat is taken. n_vars variables named A, B, ... (conditions: letters). */
static void h_init(harness *h, slcep_pat *pat, int n_vars, slcep_skip skip, int skip_var,
                   int64_t within_us) {
    memset(h, 0, sizeof *h);
    h->in = schema_of("k STRING, c STRING, ts TIMESTAMP");
    h->out = schema_of("k STRING, m STRING");
    slkeyspec key = {1, {0}};
    slcep_cond conds[5] = {{0}};
    for (int i = 0; i < n_vars; i++) {
        conds[i].fn = letter_cond;
        conds[i].user = (void *)NAMES[i];
    }
    CHECK(slcep_arg_new(h->in, &key, NAMES, n_vars, pat, conds, within_us, skip, skip_var, NULL,
                        0, NULL, 0, select_fn, NULL, h->out, &h->arg) == SL_OK);
    h->st = sltest_state_new(SL_KEY_GROUPS);
    h->ctx.emit = h_emit;
    h->ctx.rt = h;
    h->ctx.batch_rows = 3;
    h->ctx.n_key_groups = SL_KEY_GROUPS;
    h->ctx.kg_hi = SL_KEY_GROUPS;
    h->ctx.parallelism = 1;
    h->ctx.n_inputs = 1;
    h->ctx.watermark = SL_TIME_MIN;
    h->ctx.state = h->st;
    h->ctx.metrics = &h->m;
    h_open(h);
    h->b = slbatch_new(h->in, 64);
}

static void h_free(harness *h) {
    h->op->vt->free(h->op);
    slstate_free(h->st);
    slcep_arg_free(h->arg);
    slbatch_free(h->b);
    slschema_unref(h->in);
    slschema_unref(h->out);
    slbuf_free(&h->text);
    slbuf_free(&h->late);
}

static void h_send(harness *h) {
    if (h->b->n) {
        h->op->vt->batch_take(h->op, 0, h->b);
        sltest_unpin(h->st);
        h->b = slbatch_new(h->in, 64);
    }
}

static void h_row(harness *h, const char *k, const char *c, int64_t ts_s) {
    if (slbatch_full(h->b)) {
        h_send(h);
    }
    uint32_t i = slbatch_begin_row(h->b);
    slbatch_set_str(h->b, 0, i, k, strlen(k));
    if (c) {
        slbatch_set_str(h->b, 1, i, c, strlen(c));
    } else {
        slbatch_set_null(h->b, 1, i);
    }
    slbatch_set_i64(h->b, 2, i, ts_s * SL_SECOND);
    h->b->ts[i] = ts_s * SL_SECOND;
    h->b->n++;
}

/* Rows of key k: one per letter of s ('.' = NULL), times t0, t0 + 1, ... */
static void h_rows(harness *h, const char *k, const char *s, int64_t t0) {
    for (int i = 0; s[i]; i++) {
        char c[2] = {s[i], 0};
        h_row(h, k, s[i] == '.' ? NULL : c, t0 + i);
    }
}

static void h_wm(harness *h, int64_t w_s) {
    h_send(h);
    int64_t w = w_s == INT64_MAX ? SL_TIME_MAX : w_s * SL_SECOND;
    h->ctx.watermark = w;
    h->op->vt->watermark(h->op, w);
    sltest_unpin(h->st);
}

static void h_end(harness *h) {
    h_wm(h, INT64_MAX);
    h->op->vt->end(h->op);
}

/* Run pat over key "k" rows s and return the matches (static buffer). */
static const char *run(slcep_pat *pat, int n_vars, slcep_skip skip, int skip_var,
                       const char *s) {
    static char buf[4096];
    harness h;
    h_init(&h, pat, n_vars, skip, skip_var, 0);
    h_rows(&h, "k", s, 1);
    h_end(&h);
    snprintf(buf, sizeof buf, "%s", h.text.data ? slbuf_cstr(&h.text) : "");
    h_free(&h);
    return buf;
}

TEST(quantifiers) {
    /* A B+ C, greedy and reluctant: the same single way to match here */
    CHECK_STR(run(SEQ(3, V(0), REP(V(1), 1, -1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1, "abbbcab"),
              "k: A@1 B@2 B@3 B@4 C@5\n");
    /* A B* C: zero B's */
    CHECK_STR(run(SEQ(3, V(0), REP(V(1), 0, -1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1, "acabc"),
              "k: A@1 C@2\nk: A@3 B@4 C@5\n");
    /* A B? C */
    CHECK_STR(run(SEQ(3, V(0), REP(V(1), 0, 1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1, "abbcac"),
              "k: A@5 C@6\n");
    /* A B{2} C, A B{2,} C, A B{1,2} C */
    CHECK_STR(run(SEQ(3, V(0), REP(V(1), 2, 2, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1, "abcabbcabbbc"),
              "k: A@4 B@5 B@6 C@7\n");
    CHECK_STR(run(SEQ(3, V(0), REP(V(1), 2, -1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1, "abcabbcabbbc"),
              "k: A@4 B@5 B@6 C@7\nk: A@8 B@9 B@10 B@11 C@12\n");
    CHECK_STR(run(SEQ(3, V(0), REP(V(1), 1, 2, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1, "abcabbcabbbc"),
              "k: A@1 B@2 C@3\nk: A@4 B@5 B@6 C@7\n");
    /* a trailing greedy B+ ends at the first non-B or at the end of input */
    CHECK_STR(run(SEQ(2, V(0), REP(V(1), 1, -1, true)), 2, SLCEP_SKIP_PAST_LAST, -1, "abbcabb"),
              "k: A@1 B@2 B@3\nk: A@5 B@6 B@7\n");
    /* reluctant B+? at the end takes one row */
    CHECK_STR(run(SEQ(2, V(0), REP(V(1), 1, -1, false)), 2, SLCEP_SKIP_PAST_LAST, -1, "abbcabb"),
              "k: A@1 B@2\nk: A@5 B@6\n");
    /* alternation, grouping */
    CHECK_STR(run(SEQ(2, ALT(2, V(0), V(1)), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1, "acbcc"),
              "k: A@1 C@2\nk: B@3 C@4\n");
    CHECK_STR(run(SEQ(2, REP(SEQ(2, V(0), V(1)), 1, -1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1,
                  "ababcabac"),
              "k: A@1 B@2 A@3 B@4 C@5\n");
    /* NULL values satisfy no condition */
    CHECK_STR(run(SEQ(2, V(0), V(1)), 2, SLCEP_SKIP_PAST_LAST, -1, "a.bab"), "k: A@4 B@5\n");
}

/* Greedy vs reluctant with overlapping conditions: _ matches every row. */
static bool any_cond(const sl_row *r, const sl_match *m, void *user) {
    (void)r;
    (void)m;
    (void)user;
    return true;
}

TEST(greedy_vs_reluctant) {
    for (int g = 0; g < 2; g++) {
        harness h;
        /* X = any row, repeated, then B: greedy takes the last b, reluctant the first */
        h_init(&h, SEQ(3, V(0), REP(V(2), 1, -1, g == 1), V(1)), 3, SLCEP_SKIP_PAST_LAST, -1, 0);
        h.arg->conds[2].fn = any_cond;
        h_rows(&h, "k", "axbxbx", 1);
        h_end(&h);
        CHECK_STR(slbuf_cstr(&h.text), g ? "k: A@1 C@2 C@3 C@4 B@5\n" : "k: A@1 C@2 B@3\n");
        h_free(&h);
    }
}

TEST(skip_strategies) {
    const char *s = "aaabab";
#define PAT SEQ(2, REP(V(0), 1, -1, true), V(1))
    CHECK_STR(run(PAT, 2, SLCEP_SKIP_PAST_LAST, -1, s), "k: A@1 A@2 A@3 B@4\nk: A@5 B@6\n");
    CHECK_STR(run(PAT, 2, SLCEP_SKIP_TO_NEXT, -1, s),
              "k: A@1 A@2 A@3 B@4\nk: A@2 A@3 B@4\nk: A@3 B@4\nk: A@5 B@6\n");
    CHECK_STR(run(PAT, 2, SLCEP_SKIP_TO_LAST, 0, s),
              "k: A@1 A@2 A@3 B@4\nk: A@3 B@4\nk: A@5 B@6\n");
    /* TO FIRST A would resume at the match's own first row: next row instead */
    CHECK_STR(run(PAT, 2, SLCEP_SKIP_TO_FIRST, 0, s),
              "k: A@1 A@2 A@3 B@4\nk: A@2 A@3 B@4\nk: A@3 B@4\nk: A@5 B@6\n");
#undef PAT
    /* TO FIRST B: A B+ C over "abbcbc"? resume at the first B */
    CHECK_STR(run(SEQ(3, V(0), REP(V(1), 1, -1, true), V(2)), 3, SLCEP_SKIP_TO_FIRST, 1, "abbcabc"),
              "k: A@1 B@2 B@3 C@4\nk: A@5 B@6 C@7\n");
    /* no skip: every match from every row, as it completes */
    CHECK_STR(run(SEQ(2, V(0), REP(V(1), 1, -1, true)), 2, SLCEP_SKIP_NONE, -1, "abbb"),
              "k: A@1 B@2\nk: A@1 B@2 B@3\nk: A@1 B@2 B@3 B@4\n");
}

TEST(contiguity) {
    /* strict: A B over "axb" does not match; relaxed skips x; any takes each b */
    CHECK_STR(run(SEQ(2, V(0), VC(1, SLCEP_STRICT)), 2, SLCEP_SKIP_NONE, -1, "axbb"), "");
    CHECK_STR(run(SEQ(2, V(0), VC(1, SLCEP_RELAXED)), 2, SLCEP_SKIP_NONE, -1, "axbb"),
              "k: A@1 B@3\n");
    CHECK_STR(run(SEQ(2, V(0), VC(1, SLCEP_ANY)), 2, SLCEP_SKIP_NONE, -1, "axbb"),
              "k: A@1 B@3\nk: A@1 B@4\n");
}

TEST(within_expiry_and_order) {
    harness h;
    h_init(&h, SEQ(3, V(0), REP(V(1), 1, -1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1,
           5 * SL_SECOND);
    /* a@1 b@2 b@3 c@6: 6 - 1 >= 5, too late; a@10 b@11 c@14 matches; rows
     * of key "k" arrive out of order within the watermark */
    h_row(&h, "k", "b", 3);
    h_row(&h, "k", "a", 1);
    h_row(&h, "k", "b", 2);
    h_row(&h, "k", "c", 6);
    h_wm(&h, 4);
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.rows", 0)), 3);
    h_wm(&h, 6); /* 1 + 5 <= 6: the attempt from a@1 is dropped; nothing is left */
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.rows", 0)), 0);
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.run", 0)), 0);
    h_row(&h, "k", "c", 14);
    h_row(&h, "k", "a", 10);
    h_row(&h, "k", "b", 11);
    h_row(&h, "k", "x", 5); /* late: behind the watermark 6 */
    h_end(&h);
    CHECK_STR(slbuf_cstr(&h.text), "k: A@10 B@11 C@14\n");
    CHECK_STR(slbuf_cstr(&h.late), "k: x\n");
    CHECK_INT(h.m.rows_late, 1);
    h_free(&h);
}

TEST(keys_and_huge_keys) {
    harness h;
    h_init(&h, SEQ(2, V(0), V(1)), 2, SLCEP_SKIP_PAST_LAST, -1, 0);
    char big[5000];
    memset(big, 'K', sizeof big - 1);
    big[sizeof big - 1] = 0;
    h_rows(&h, "x", "ab", 1);
    h_rows(&h, big, "aab", 1);
    h_rows(&h, "y", "ba", 1);
    h_wm(&h, 10);
    slbuf want = {0};
    slbuf_printf(&want, "x: A@1 B@2\n%s: A@2 B@3\n", big);
    CHECK_OUT(slbuf_cstr(&h.text), slbuf_cstr(&want));
    slbuf_free(&want);
    h_end(&h);
    h_free(&h);
}

/* The forwarded watermark waits for attempts in progress: a match emitted
 * later carries its last row's time, which must not be behind it. */
TEST(watermark_held_by_attempts) {
    harness h;
    h_init(&h, SEQ(2, V(0), REP(V(1), 1, -1, true)), 2, SLCEP_SKIP_PAST_LAST, -1, 0);
    h_rows(&h, "k", "abb", 1);
    h_send(&h);
    h.ctx.watermark = 5 * SL_SECOND;
    CHECK_INT(h.op->vt->watermark(h.op, 5 * SL_SECOND), 1 * SL_SECOND - 1);
    sltest_unpin(h.st);
    CHECK_STR(h.text.data ? slbuf_cstr(&h.text) : "", "");
    h_row(&h, "k", "c", 6); /* ends the greedy B+ */
    h_send(&h);
    CHECK_INT(h.op->vt->watermark(h.op, 10 * SL_SECOND), 10 * SL_SECOND);
    sltest_unpin(h.st);
    CHECK_STR(slbuf_cstr(&h.text), "k: A@1 B@2 B@3\n");
    /* after a restore the hold is rebuilt from state */
    h_rows(&h, "k", "ab", 20);
    h_wm(&h, 25);
    h.op->vt->free(h.op);
    h_open(&h);
    CHECK(h.op->vt->restore(h.op, NULL, 0) == SL_OK);
    CHECK_INT(h.op->vt->watermark(h.op, 26 * SL_SECOND), 20 * SL_SECOND - 1);
    sltest_unpin(h.st);
    h_end(&h);
    CHECK_STR(slbuf_cstr(&h.text), "k: A@1 B@2 B@3\nk: A@20 B@21\n");
    h_free(&h);
}

TEST(empty_input_and_empty_state) {
    harness h;
    h_init(&h, SEQ(2, V(0), V(1)), 2, SLCEP_SKIP_PAST_LAST, -1, SL_SECOND);
    h_wm(&h, 5);
    h_end(&h);
    CHECK_STR(h.text.data ? slbuf_cstr(&h.text) : "", "");
    CHECK_INT(h.n_out, 0);
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.run", 0)), 0);
    h_free(&h);
    /* rows that start no attempt leave nothing behind */
    h_init(&h, SEQ(2, V(0), V(1)), 2, SLCEP_SKIP_PAST_LAST, -1, 0);
    h_rows(&h, "k", "xx..xx", 1);
    h_wm(&h, 10);
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.rows", 0)), 0);
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.run", 0)), 0);
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.buf", 0)), 0);
    h_end(&h);
    CHECK_INT(h.n_out, 0);
    h_free(&h);
}

/* Snapshot halfway, restore into a new operator on the same state, go on:
 * the same output as an uninterrupted run. */
TEST(snapshot_restore) {
    const char *want = NULL;
    char first[1024] = "";
    for (int pass = 0; pass < 2; pass++) {
        harness h;
        h_init(&h, SEQ(3, V(0), REP(V(1), 1, -1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1,
               100 * SL_SECOND);
        h_rows(&h, "k", "abb", 1);
        h_rows(&h, "j", "ab", 1);
        h_wm(&h, 2);
        if (pass == 1) {
            slbuf ops = {0};
            CHECK(h.op->vt->snapshot(h.op, 1, &ops) == SL_OK);
            h.op->vt->free(h.op);
            h_open(&h);
            CHECK(h.op->vt->restore(h.op, &ops, 1) == SL_OK);
            slbuf_free(&ops);
        }
        h_rows(&h, "k", "bc", 4);
        h_rows(&h, "j", "bbc", 3);
        h_end(&h);
        if (pass == 0) {
            snprintf(first, sizeof first, "%s", slbuf_cstr(&h.text));
            want = first;
            CHECK_OUT(first, "k: A@1 B@2 B@3 B@4 C@5\nj: A@1 B@2 B@3 B@4 C@5\n");
        } else {
            CHECK_OUT(slbuf_cstr(&h.text), want);
        }
        h_free(&h);
    }
}

/* A long run: state stays flat once the watermark advances. */
TEST(state_stays_flat) {
    harness h;
    h_init(&h, SEQ(3, V(0), REP(V(1), 1, -1, true), V(2)), 3, SLCEP_SKIP_PAST_LAST, -1,
           20 * SL_SECOND);
    const char *cycle = "abbbcxaxxb"; /* one match per cycle, one attempt left to expire */
    uint64_t max_rows = 0, max_runs = 0;
    for (int i = 0; i < 20000; i++) {
        char c[2] = {cycle[(i / 2) % 10], 0};
        h_row(&h, i % 2 ? "even" : "odd", c, i);
        if (i % 50 == 49) {
            h_wm(&h, i - 2);
            uint64_t r = slkv_count(slstate_table(h.st, "cep.rows", 0)) +
                         slkv_count(slstate_table(h.st, "cep.buf", 0));
            max_rows = SL_MAX(max_rows, r);
            max_runs = SL_MAX(max_runs, slkv_count(slstate_table(h.st, "cep.run", 0)));
        }
    }
    h_end(&h);
    CHECK(max_rows < 120);
    CHECK(max_runs <= 2);
    CHECK_INT(slkv_count(slstate_table(h.st, "cep.rows", 0)), 0);
    CHECK_INT(h.n_out, 2000);
    h_free(&h);
}


