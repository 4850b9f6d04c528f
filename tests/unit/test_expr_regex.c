/*
 * test_expr_regex.c - the prefilter of the REGEXP functions (fn_pattern.c):
 * the required literal found in a pattern, and results with the prefilter
 * (a constant pattern, compiled once) equal to results without it (the same
 * pattern read from a column: compiled per row, no prefilter) over varied
 * subjects: matching, not matching, NULL, empty, groups, anchors,
 * alternations, quantifiers, UTF-8, case-insensitive patterns.
 */
#include "expr/expr_int.h"
#include "expr/rx_fast.h"
#include "test.h"

static const char *lit_of(const char *pattern, slbuf *o) {
    if (!slexpr_regex_literal(pattern, (uint32_t)strlen(pattern), o)) {
        return "(bad)";
    }
    return slbuf_cstr(o);
}

TEST(required_literal) {
    slbuf o = {0};
    CHECK_STR(lit_of("(&|^)channel_id=([^&]*)", &o), "channel_id=");
    CHECK_STR(lit_of("channel_id=(\\d+)", &o), "channel_id=");
    CHECK_STR(lit_of("a|b", &o), "");          /* alternatives share nothing */
    CHECK_STR(lit_of("abc|abd", &o), "");      /* conservative */
    CHECK_STR(lit_of("x(ab|cd)yy", &o), "yy"); /* the group is skipped */
    CHECK_STR(lit_of("ab*c", &o), "a");        /* b may be absent: a, c */
    CHECK_STR(lit_of("abc+d", &o), "abc");     /* c at least once */
    CHECK_STR(lit_of("abc?", &o), "ab");
    CHECK_STR(lit_of("a{2}bc", &o), "bc");
    CHECK_STR(lit_of("xy{0,3}z", &o), "x");
    CHECK_STR(lit_of("\\.com$", &o), ".com");    /* an escaped special is literal */
    CHECK_STR(lit_of("^https?://", &o), "http"); /* the longest run */
    CHECK_STR(lit_of("[a-z]+@example\\.org", &o), "@example.org");
    CHECK_STR(lit_of("[(|]abc", &o), "abc"); /* '(' and '|' in brackets */
    CHECK_STR(lit_of("[[:alpha:]]x[]y]", &o), "x");
    CHECK_STR(lit_of("\\d+-\\d+", &o), "-");
    CHECK_STR(lit_of("abc\\w", &o), "abc");
    CHECK_STR(lit_of("ab\\bcd", &o), "ab");        /* \b: not a literal */
    CHECK_STR(lit_of("h\xc3\xa9*llo", &o), "llo"); /* the whole code point is optional */
    CHECK_STR(lit_of("h\xc3\xa9llo", &o), "h\xc3\xa9llo");
    CHECK_STR(lit_of("(?i)abc", &o), ""); /* case-insensitive: none */
    CHECK_STR(lit_of("(?:ab)+cd", &o), "cd");
    CHECK_STR(lit_of("x*", &o), "");
    CHECK_STR(lit_of("", &o), "");
    CHECK_STR(lit_of(".*", &o), "");
    CHECK_STR(lit_of("(", &o), "(bad)");
    slbuf_free(&o);
}

/* Subjects: row i of column s; the pattern in column p on every row. */
static const char *subjects[] = {
    "",
    "channel_id=5",
    "a=1&channel_id=77&b=2",
    "a=1channel_id=9",
    "channel_id",
    "abc",
    "xabcx",
    "ab",
    "ac",
    "abbbcd",
    "a.c",
    "www.x.com",
    "https://x.org/a",
    "me@example.org",
    "ABC",
    "h\xc3\xa9llo",
    "h\xc3\xa9\xc3\xa9llo",
    "hllo",
    "aabc",
    "xyyyz",
    "xz",
    "x(cd)yy",
    "k=v&key=12&k2=",
    "aab",
    "aaabbb",
    "xyz xyzz",
    "a b",
    NULL,
};
#define N_SUBJ ((int)(sizeof subjects / sizeof *subjects))

static const char *patterns[] = {
    "(&|^)channel_id=([^&]*)",
    "channel_id=(\\d+)",
    "a|b",
    "x(ab|cd)yy",
    "ab*c",
    "abc+d",
    "a{2}bc",
    "xy{0,3}z",
    "\\.com$",
    "^https?://",
    "[a-z]+@example\\.org",
    "(?i)abc",
    "h\xc3\xa9*llo",
    "(b)(c)?",
    "x*",
    "^$",
    /* groups, anchors and word operators next to the prefilter */
    "([a-z]+)=([0-9]*)",
    "(a+)(b*)$",
    "(a|aa)(ab|b)?",
    "(x|xy)(yz|z)?",
    "((a)|b)+",
    "(&|^)k=([^&]*)",
    "([a-z])(\\w*)\\b",
    "(a)\\W(b)",
};
#define N_PAT ((int)(sizeof patterns / sizeof *patterns))

static slexpr *fn(const char *name, slexpr **args, int n) {
    slexpr *e = NULL;
    CHECK_INT(slexpr_func(name, args, n, &e), SL_OK);
    return e;
}

/* Every row of e over b as "v0|v1|...", NULL as "~". */
static void eval_rows(slexpr_eval *ev, const slexpr *e, const slbatch *b, slbuf *o) {
    sl_schema *os = NULL;
    sl_schema_new(&os);
    sl_schema_add(os, "r", slexpr_type(e));
    slbatch *out = slbatch_new(os, b->n);
    slexpr_eval_into(ev, e, b, out, 0);
    out->n = b->n;
    slbuf_reset(o);
    for (uint32_t i = 0; i < out->n; i++) {
        if (i) {
            slbuf_putc(o, '|');
        }
        const slcol *c = &out->cols[0];
        if (c->nulls[i]) {
            slbuf_putc(o, '~');
        } else if (c->type == SL_BOOLEAN) {
            slbuf_puts(o, c->v.b[i] ? "T" : "F");
        } else {
            slbuf_put(o, c->v.s[i].ptr, c->v.s[i].len);
        }
    }
    slbatch_free(out);
    slschema_unref(os);
}

/* The function `name` over (s, pattern[, extra]) with the pattern as a
 * literal and as the column p: the two results as text. */
static void both(slexpr_eval *ev, const slbatch *b, const char *name, const char *pat, int extra,
                 slexpr *(*mk_extra)(int), slbuf *with, slbuf *without) {
    for (int k = 0; k < 2; k++) {
        slexpr *args[3] = {slexpr_column(0, SL_STRING),
                           k == 0 ? slexpr_string(pat, strlen(pat)) : slexpr_column(1, SL_STRING),
                           NULL};
        int n = 2;
        if (extra >= 0) {
            args[n++] = mk_extra(extra);
        }
        slexpr *e = fn(name, args, n);
        if (e) {
            eval_rows(ev, e, b, k == 0 ? with : without);
        }
        slexpr_free(e);
    }
}

static slexpr *mk_group(int g) {
    return slexpr_bigint(g);
}
static slexpr *mk_rep(int k) {
    return k ? slexpr_string("<$0>", 4) : slexpr_string("#", 1);
}

TEST(prefilter_gives_the_results_of_regexec) {
    sl_schema *sch = schema_of("s STRING, p STRING");
    slexpr_eval *ev = slexpr_eval_new(8);
    slbuf with = {0}, without = {0};
    for (int p = 0; p < N_PAT; p++) {
        slbatch *b = slbatch_new(sch, N_SUBJ);
        for (int i = 0; i < N_SUBJ; i++) {
            uint32_t r = slbatch_begin_row(b);
            if (subjects[i]) {
                slbatch_set_str(b, 0, r, subjects[i], strlen(subjects[i]));
            }
            slbatch_set_str(b, 1, r, patterns[p], strlen(patterns[p]));
            b->n++;
        }
        both(ev, b, "REGEXP", patterns[p], -1, NULL, &with, &without);
        CHECK_STR(slbuf_cstr(&with), slbuf_cstr(&without));
        for (int g = 0; g <= 3; g++) {
            both(ev, b, "REGEXP_EXTRACT", patterns[p], g, mk_group, &with, &without);
            CHECK_STR(slbuf_cstr(&with), slbuf_cstr(&without));
        }
        for (int k = 0; k < 2; k++) {
            both(ev, b, "REGEXP_REPLACE", patterns[p], k, mk_rep, &with, &without);
            CHECK_STR(slbuf_cstr(&with), slbuf_cstr(&without));
        }
        slbatch_free(b);
    }
    slbuf_free(&with);
    slbuf_free(&without);
    slexpr_eval_free(ev);
    slschema_unref(sch);
}

TEST(prefilter_exact_results) {
    /* Exact outputs for the q21 pattern and a few others (constant
     * patterns: the prefilter is on). */
    sl_schema *sch = schema_of("s STRING, p STRING");
    slexpr_eval *ev = slexpr_eval_new(8);
    slbuf o = {0}, unused = {0};
    slbatch *b = slbatch_new(sch, N_SUBJ);
    for (int i = 0; i < N_SUBJ; i++) {
        uint32_t r = slbatch_begin_row(b);
        if (subjects[i]) {
            slbatch_set_str(b, 0, r, subjects[i], strlen(subjects[i]));
        }
        b->n++;
    }
    both(ev, b, "REGEXP_EXTRACT", "(&|^)channel_id=([^&]*)", 2, mk_group, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "~|5|77|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~");
    both(ev, b, "REGEXP", "ab*c", -1, NULL, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "F|F|F|F|F|T|T|F|T|T|F|F|F|F|F|F|F|F|T|F|F|F|F|F|F|F|F|~");
    both(ev, b, "REGEXP_EXTRACT", "x(ab|cd)yy", 1, mk_group, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~");
    both(ev, b, "REGEXP_REPLACE", "\\.com$", 0, mk_rep, &o, &unused);
    CHECK_STR(slbuf_cstr(&o),
              "|channel_id=5|a=1&channel_id=77&b=2|a=1channel_id=9|channel_id|abc|"
              "xabcx|ab|ac|abbbcd|a.c|www.x#|https://x.org/a|me@example.org|ABC|"
              "h\xc3\xa9llo|h\xc3\xa9\xc3\xa9llo|hllo|aabc|xyyyz|xz|x(cd)yy|k=v&key=12&k2=|aab|"
              "aaabbb|xyz xyzz|a b|~");
    both(ev, b, "REGEXP", "(?i)abc", -1, NULL, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "F|F|F|F|F|T|T|F|F|F|F|F|F|F|T|F|F|F|T|F|F|F|F|F|F|F|F|~");
    /* In the C locale '*' takes the last byte of the character only. */
    both(ev, b, "REGEXP_EXTRACT", "h\xc3\xa9*llo", 0, mk_group, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|h\xc3\xa9llo|~|~|~|~|~|~|~|~|~|~|~|~");
    both(ev, b, "REGEXP_EXTRACT", "^$", 0, mk_group, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~");
    /* Groups. */
    both(ev, b, "REGEXP_EXTRACT", "(&|^)k=([^&]*)", 2, mk_group, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|v|~|~|~|~|~");
    both(ev, b, "REGEXP_EXTRACT", "([a-z]+)=([0-9]*)", 2, mk_group, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "~|5|1|1|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~||~|~|~|~|~");
    /* glibc's choice for the ambiguous "aab": "a" + "ab", not "aa" + "b". */
    both(ev, b, "REGEXP_EXTRACT", "(a|aa)(ab|b)?", 1, mk_group, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "~|a|a|a|a|a|a|a|a|a|a|~|a|a|~|~|~|~|a|~|~|~|~|a|aa|~|a|~");
    both(ev, b, "REGEXP_REPLACE", "(a+)(b*)$", 1, mk_rep, &o, &unused);
    CHECK_STR(slbuf_cstr(&o), "|channel_id=5|a=1&channel_id=77&b=2|a=1channel_id=9|channel_id|abc|"
                              "xabcx|<ab>|ac|abbbcd|a.c|www.x.com|https://x.org/<a>|me@example.org|"
                              "ABC|h\xc3\xa9llo|h\xc3\xa9\xc3\xa9llo|hllo|aabc|xyyyz|xz|x(cd)yy|"
                              "k=v&key=12&k2=|<aab>|<aaabbb>|xyz xyzz|a b|~");
    slbatch_free(b);
    slbuf_free(&o);
    slbuf_free(&unused);
    slexpr_eval_free(ev);
    slschema_unref(sch);
}

/* ---- random patterns: constant (prefilter, fast matcher) vs per row ---- */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (unsigned)(g_rng % n);
}

/* A random Java pattern over a small alphabet into b (depth-limited). */
static void rnd_pattern(slbuf *b, int depth) {
    int items = 1 + (int)rnd(4);
    for (int k = 0; k < items; k++) {
        unsigned t = rnd(depth > 0 ? 12 : 9);
        switch (t) {
        case 0:
        case 1:
        case 2:
            slbuf_putc(b, "ab&="[rnd(4)]);
            break;
        case 3:
            slbuf_puts(b, rnd(2) ? "[^&]" : "[ab]");
            break;
        case 4:
            slbuf_puts(b, rnd(2) ? "." : "\\d");
            break;
        case 5:
            slbuf_putc(b, '^');
            continue; /* no quantifier on an anchor */
        case 6:
            slbuf_putc(b, '$');
            continue;
        case 7:
            slbuf_puts(b, "\\.");
            break;
        case 8:
            slbuf_puts(b, "[[:alpha:]]");
            break;
        default: {
            slbuf_putc(b, '(');
            int alts = 1 + (int)rnd(3);
            for (int a = 0; a < alts; a++) {
                if (a) {
                    slbuf_putc(b, '|');
                }
                rnd_pattern(b, depth - 1);
            }
            slbuf_putc(b, ')');
            if (rnd(4) == 0) {
                slbuf_putc(b, "*?+"[rnd(3)]); /* a quantified group: regexec alone */
            }
            continue;
        }
        }
        unsigned q = rnd(6);
        if (q < 3) {
            slbuf_putc(b, "*+?"[q]);
        }
    }
}

TEST(random_patterns_agree_with_regexec) {
    sl_schema *sch = schema_of("s STRING, p STRING");
    slexpr_eval *ev = slexpr_eval_new(16);
    slbuf with = {0}, without = {0}, pat = {0};
    int compared = 0, fast = 0, decided = 0;
    for (int round = 0; round < 300; round++) {
        slbuf_reset(&pat);
        rnd_pattern(&pat, 2);
        const char *pt = slbuf_cstr(&pat);
        slbatch *b = slbatch_new(sch, 24);
        for (int i = 0; i < 24; i++) {
            uint32_t r = slbatch_begin_row(b);
            char subj[16];
            int len = (int)rnd(12);
            for (int k = 0; k < len; k++) {
                subj[k] = "ab&=.1x"[rnd(7)];
            }
            if (i == 23) {
                slbatch_set_null(b, 0, r);
            } else {
                slbatch_set_str(b, 0, r, subj, (size_t)len);
            }
            slbatch_set_str(b, 1, r, pt, pat.len);
            b->n++;
        }
        /* Patterns regcomp refuses are refused as constants: skip those. */
        slexpr *probe = NULL;
        if (slexpr_func("REGEXP",
                        (slexpr *[]){slexpr_column(0, SL_STRING), slexpr_string(pt, pat.len)}, 2,
                        &probe) != SL_OK) {
            slbatch_free(b);
            continue;
        }
        slexpr_free(probe);
        both(ev, b, "REGEXP", pt, -1, NULL, &with, &without);
        CHECK_STR(slbuf_cstr(&with), slbuf_cstr(&without));
        for (int g = 0; g <= 3; g++) {
            both(ev, b, "REGEXP_EXTRACT", pt, g, mk_group, &with, &without);
            if (strcmp(slbuf_cstr(&with), slbuf_cstr(&without)) != 0) {
                fprintf(stderr, "pattern %s group %d\n", pt, g);
            }
            CHECK_STR(slbuf_cstr(&with), slbuf_cstr(&without));
        }
        for (int k = 0; k < 2; k++) {
            both(ev, b, "REGEXP_REPLACE", pt, k, mk_rep, &with, &without);
            CHECK_STR(slbuf_cstr(&with), slbuf_cstr(&without));
        }
        compared++;
        /* How many of them the fast matcher takes and decides (patterns
         * without \d are the same in POSIX). */
        if (!strstr(pt, "\\d")) {
            slrx *g = slrx_compile(pt, pat.len, false);
            if (g) {
                fast++;
                for (uint32_t i = 0; i + 1 < b->n; i++) {
                    regmatch_t m[4];
                    const slstr *sv = &b->cols[0].v.s[i];
                    decided += slrx_exec(g, sv->ptr, sv->len, 0, 4, m) >= 0;
                }
            }
            slrx_free(g);
        }
        slbatch_free(b);
    }
    CHECK(compared > 200);
    CHECK(fast > 100);
    CHECK(decided > 20 * fast);
    fprintf(stderr, "random patterns: %d compared, %d in the fast subset, %d rows decided by it\n",
            compared, fast, decided);
    slbuf_free(&with);
    slbuf_free(&without);
    slbuf_free(&pat);
    slexpr_eval_free(ev);
    slschema_unref(sch);
}

TEST(fast_matcher_direct) {
    regmatch_t m[4];
    const char *q21 = "(&|^)channel_id=([^&]*)";
    slrx *g = slrx_compile(q21, strlen(q21), false);
    CHECK(g != NULL);
    const char *u = "a=1&channel_id=77&b=2";
    CHECK_INT(slrx_exec(g, u, (uint32_t)strlen(u), 0, 3, m), 1);
    CHECK_INT((int)m[0].rm_so, 3);
    CHECK_INT((int)m[0].rm_eo, 17);
    CHECK_INT((int)m[1].rm_so, 3);
    CHECK_INT((int)m[1].rm_eo, 4);
    CHECK_INT((int)m[2].rm_so, 15);
    CHECK_INT((int)m[2].rm_eo, 17);
    CHECK_INT(slrx_exec(g, "channel_id=", 11, 0, 3, m), 1); /* ^, empty group 2 */
    CHECK_INT((int)m[1].rm_so, 0);
    CHECK_INT((int)m[1].rm_eo, 0);
    CHECK_INT((int)m[2].rm_so, 11);
    CHECK_INT((int)m[2].rm_eo, 11);
    CHECK_INT(slrx_exec(g, "xchannel_id=1", 13, 0, 3, m), 0);
    CHECK_INT(slrx_exec(g, "channel_id=1", 12, 1, 3, m), 0);    /* ^ is position 0 only */
    CHECK_INT(slrx_exec(g, "&channel_id=\0", 13, 0, 3, m), -1); /* a NUL: regexec decides */
    slrx_free(g);
    /* Ambiguous parses of the longest match: undecided. */
    g = slrx_compile("(a|aa)(ab|b|)", 13, false);
    CHECK(g != NULL);
    if (!g) {
        return;
    }
    CHECK_INT(slrx_exec(g, "aab", 3, 0, 3, m), -1);
    CHECK_INT(slrx_exec(g, "aab", 3, 0, 1, m), 1); /* the extent alone is certain */
    CHECK_INT((int)m[0].rm_eo, 3);
    slrx_free(g);
    /* Too many parses: undecided. */
    g = slrx_compile("a*a*a*a*a*a*b", 13, false);
    CHECK(g != NULL);
    const char *as = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    CHECK_INT(slrx_exec(g, as, (uint32_t)strlen(as), 0, 1, m), -1);
    slrx_free(g);
    /* Outside the subset. */
    const char *outside[] = {"(ab)*", "a{2}", "\\bx",    "[[.a.]]",
                             "x\\1",  "a**",  "[[=a=]]", "[[:punct:]]"};
    for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
        g = slrx_compile(outside[i], strlen(outside[i]), false);
        CHECK(g == NULL);
        slrx_free(g);
    }
    CHECK(slrx_compile("abc", 3, true) == NULL); /* REG_ICASE */
}
