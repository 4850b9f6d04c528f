/*
 * parse_match.c - the MATCH_RECOGNIZE clause of a FROM item (Flink SQL's
 * row pattern recognition) into an SLFROM_MATCH node (ast.h):
 *
 *   input MATCH_RECOGNIZE (
 *       [PARTITION BY e, ...] [ORDER BY e [ASC], ...]
 *       [MEASURES e AS name, ...]
 *       [ONE ROW PER MATCH]
 *       [AFTER MATCH SKIP {PAST LAST ROW | TO NEXT ROW | TO FIRST v | TO LAST v | TO v}]
 *       PATTERN (pattern) [WITHIN INTERVAL '..' unit]
 *       DEFINE v AS condition, ...
 *   ) [AS] alias
 *
 * Patterns: variables, concatenation (juxtaposition), alternation `|`,
 * grouping `( )`, quantifiers * + ? {n} {n,} {,m} {n,m}, each reluctant
 * with a trailing `?`. Refused with a message at their position: ALL ROWS
 * PER MATCH, PERMUTE, exclusion {- -}, anchors ^ $, SUBSET, the empty
 * pattern. Variables in expressions (A.price, PREV(..), FIRST(..)) are plain
 * expression syntax; the planner (plan_match.c) gives them their meaning.
 *
 * Called by parse_query.c; nodes live in the script's arena.
 */
#include "sql/parse_int.h"

static bool is_char(const slparser *p, char c) {
    const sltok *t = slp_cur(p);
    return t->kind == SLTOK_OTHER && t->len == 1 && p->src[t->off] == c;
}

/* A pattern variable's name: any word (reserved ones too) or a quoted one. */
static sl_err var_name(slparser *p, const char *what, const char **out, slpos *pos) {
    const sltok *t = slp_cur(p);
    if (t->kind == SLTOK_WORD) {
        *out = slsql_strndup(p, p->src + t->off, t->len);
        if (pos) {
            *pos = t->pos;
        }
        slp_next(p);
        return SL_OK;
    }
    return slsql_ident(p, what, out, pos);
}

static sl_err pat_alt(slparser *p, slmpat **out);

static slmpat *newpat(slparser *p, slmpat_kind kind, slpos pos) {
    slmpat *m = slsql_alloc(p, sizeof *m);
    m->kind = kind;
    m->pos = pos;
    return m;
}

static sl_err int_tok(slparser *p, int *out) {
    const sltok *t = slp_cur(p);
    if (t->kind != SLTOK_INT) {
        return slsql_expected(p, "a number in the quantifier");
    }
    int64_t v = 0;
    for (size_t i = 0; i < t->len; i++) {
        v = v * 10 + (p->src[t->off + i] - '0');
        if (v > 1000000) {
            return slsql_error_at(p, t->pos, "quantifier bound too large (at most 1000000)");
        }
    }
    *out = (int)v;
    slp_next(p);
    return SL_OK;
}

/* A primary with its optional quantifier. */
static sl_err pat_quant(slparser *p, slmpat **out) {
    const sltok *t = slp_cur(p);
    slmpat *m = NULL;
    if (t->kind == SLTOK_LPAREN) {
        slp_next(p);
        SLTRY(slsql_enter(p));
        if (slp_is(p, SLTOK_RPAREN)) {
            return slsql_error_at(p, slp_cur(p)->pos, "an empty pattern () is not supported");
        }
        SLTRY(pat_alt(p, &m));
        p->depth--;
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' closing the pattern group"));
    } else if (is_char(p, '{') && slp_peek(p, 1)->kind == SLTOK_MINUS) {
        return slsql_error_at(p, t->pos, "pattern exclusion {- ... -} is not supported "
                                         "(it only matters for ALL ROWS PER MATCH)");
    } else if (slp_kw(p, "PERMUTE") && slp_peek(p, 1)->kind == SLTOK_LPAREN) {
        return slsql_error_at(p, t->pos, "PERMUTE is not supported");
    } else if (is_char(p, '^') || is_char(p, '$')) {
        return slsql_error_at(p, t->pos, "pattern anchors ^ and $ are not supported");
    } else if (t->kind == SLTOK_WORD || t->kind == SLTOK_QIDENT) {
        m = newpat(p, SLMPAT_VAR, t->pos);
        SLTRY(var_name(p, "a pattern variable", &m->name, NULL));
    } else {
        return slsql_expected(p, "a pattern variable or '('");
    }
    const sltok *q = slp_cur(p);
    int min = -2, max = -1;
    if (q->kind == SLTOK_STAR) {
        min = 0;
        slp_next(p);
    } else if (q->kind == SLTOK_PLUS) {
        min = 1;
        slp_next(p);
    } else if (is_char(p, '?')) {
        min = 0;
        max = 1;
        slp_next(p);
    } else if (is_char(p, '{')) {
        slp_next(p);
        if (slp_is(p, SLTOK_MINUS)) {
            return slsql_error_at(p, q->pos, "pattern exclusion {- ... -} is not supported");
        }
        min = 0;
        if (!slp_is(p, SLTOK_COMMA)) {
            SLTRY(int_tok(p, &min));
            max = min;
        }
        if (slp_accept(p, SLTOK_COMMA)) {
            max = -1;
            if (!is_char(p, '}')) {
                SLTRY(int_tok(p, &max));
            }
        }
        if (!is_char(p, '}')) {
            return slsql_expected(p, "'}' closing the quantifier");
        }
        slp_next(p);
        if (max != -1 && max < min) {
            return slsql_error_at(p, q->pos, "bad quantifier {%d,%d}: the maximum is below the "
                                             "minimum", min, max);
        }
        if (max == 0) {
            return slsql_error_at(p, q->pos, "a quantifier of {0} matches nothing");
        }
    }
    if (min != -2) {
        slmpat *r = newpat(p, SLMPAT_REPEAT, q->pos);
        r->kids = slsql_alloc(p, sizeof *r->kids);
        r->kids[0] = m;
        r->n_kids = 1;
        r->min = min;
        r->max = max;
        if (is_char(p, '?')) {
            r->reluctant = true;
            slp_next(p);
        }
        if (slp_is(p, SLTOK_STAR) || slp_is(p, SLTOK_PLUS) || is_char(p, '?') || is_char(p, '{')) {
            return slsql_error_at(p, slp_cur(p)->pos,
                                  "two quantifiers in a row; put the first in parentheses");
        }
        m = r;
    }
    *out = m;
    return SL_OK;
}

static bool ends_seq(const slparser *p) {
    return slp_is(p, SLTOK_RPAREN) || is_char(p, '|') || slp_is(p, SLTOK_EOF) ||
           slp_is(p, SLTOK_ERROR);
}

static sl_err pat_seq(slparser *p, slmpat **out) {
    slmpat **kids = NULL;
    int n = 0, cap = 0;
    slpos pos = slp_cur(p)->pos;
    if (ends_seq(p)) {
        return slsql_expected(p, "a pattern variable");
    }
    while (!ends_seq(p)) {
        slmpat *k;
        SLTRY(pat_quant(p, &k));
        slsql_push(p, &kids, &n, &cap, &k, sizeof k);
    }
    if (n == 1) {
        *out = kids[0];
        return SL_OK;
    }
    slmpat *s = newpat(p, SLMPAT_SEQ, pos);
    s->kids = kids;
    s->n_kids = n;
    *out = s;
    return SL_OK;
}

static sl_err pat_alt(slparser *p, slmpat **out) {
    slmpat **kids = NULL;
    int n = 0, cap = 0;
    slpos pos = slp_cur(p)->pos;
    for (;;) {
        slmpat *k;
        SLTRY(pat_seq(p, &k));
        slsql_push(p, &kids, &n, &cap, &k, sizeof k);
        if (!is_char(p, '|')) {
            break;
        }
        slp_next(p);
    }
    if (n == 1) {
        *out = kids[0];
        return SL_OK;
    }
    slmpat *a = newpat(p, SLMPAT_ALT, pos);
    a->kids = kids;
    a->n_kids = n;
    *out = a;
    return SL_OK;
}

static sl_err skip_clause(slparser *p, slmatch *m) {
    /* AFTER MATCH SKIP already consumed */
    m->skip_pos = slp_cur(p)->pos;
    if (slp_accept_kw(p, "PAST")) {
        SLTRY(slsql_expect_kw(p, "LAST", "LAST after SKIP PAST"));
        SLTRY(slsql_expect_kw(p, "ROW", "ROW after SKIP PAST LAST"));
        m->skip = SLMSKIP_PAST_LAST;
        return SL_OK;
    }
    SLTRY(slsql_expect_kw(p, "TO", "PAST LAST ROW or TO after AFTER MATCH SKIP"));
    if (slp_kw(p, "NEXT") && slp_kw_at(p, 1, "ROW")) {
        slp_next(p);
        slp_next(p);
        m->skip = SLMSKIP_NEXT_ROW;
        return SL_OK;
    }
    m->skip = SLMSKIP_LAST;
    if ((slp_kw(p, "FIRST") || slp_kw(p, "LAST")) && !slp_kw_at(p, 1, "DEFINE") &&
        slp_peek(p, 1)->kind == SLTOK_WORD && !slp_kw_at(p, 1, "PATTERN")) {
        m->skip = slp_kw(p, "FIRST") ? SLMSKIP_FIRST : SLMSKIP_LAST;
        slp_next(p);
    }
    m->skip_pos = slp_cur(p)->pos;
    return var_name(p, "a pattern variable after SKIP TO", &m->skip_var, NULL);
}

sl_err slsql_match_recognize(slparser *p, slfrom *input, slfrom **out) {
    slpos pos = slp_cur(p)->pos;
    slp_next(p); /* MATCH_RECOGNIZE */
    SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after MATCH_RECOGNIZE"));
    slmatch *m = slsql_alloc(p, sizeof *m);
    m->pos = pos;
    if (slp_kw(p, "PARTITION")) {
        slp_next(p);
        SLTRY(slsql_expect_kw(p, "BY", "BY after PARTITION"));
        SLTRY(slsql_expr_list(p, &m->partition, &m->n_partition));
    }
    if (slp_kw(p, "ORDER")) {
        m->order_pos = slp_cur(p)->pos;
        slp_next(p);
        SLTRY(slsql_expect_kw(p, "BY", "BY after ORDER"));
        SLTRY(slsql_order_list(p, &m->order, &m->n_order));
    }
    if (slp_accept_kw(p, "MEASURES")) {
        int cap = 0;
        for (;;) {
            slitem it = {0};
            it.pos = slp_cur(p)->pos;
            SLTRY(slsql_expr(p, &it.e));
            SLTRY(slsql_expect_kw(p, "AS", "AS name after a measure"));
            SLTRY(slsql_ident(p, "the measure's name", &it.alias, NULL));
            slsql_push(p, &m->measures, &m->n_measures, &cap, &it, sizeof it);
            if (!slp_accept(p, SLTOK_COMMA)) {
                break;
            }
        }
    }
    if (slp_kw(p, "ALL") && slp_kw_at(p, 1, "ROWS")) {
        return slsql_error_at(p, slp_cur(p)->pos,
                              "ALL ROWS PER MATCH is not supported (use ONE ROW PER MATCH)");
    }
    if (slp_accept_kw(p, "ONE")) {
        SLTRY(slsql_expect_kw(p, "ROW", "ROW after ONE"));
        SLTRY(slsql_expect_kw(p, "PER", "PER after ONE ROW"));
        SLTRY(slsql_expect_kw(p, "MATCH", "MATCH after ONE ROW PER"));
    }
    if (slp_accept_kw(p, "AFTER")) {
        SLTRY(slsql_expect_kw(p, "MATCH", "MATCH after AFTER"));
        SLTRY(slsql_expect_kw(p, "SKIP", "SKIP after AFTER MATCH"));
        SLTRY(skip_clause(p, m));
    }
    SLTRY(slsql_expect_kw(p, "PATTERN", "PATTERN"));
    SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after PATTERN"));
    if (slp_is(p, SLTOK_RPAREN)) {
        return slsql_error_at(p, slp_cur(p)->pos, "an empty pattern () is not supported");
    }
    SLTRY(pat_alt(p, &m->pattern));
    SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' closing the pattern"));
    if (slp_accept_kw(p, "WITHIN")) {
        SLTRY(slsql_expr(p, &m->within));
    }
    if (slp_kw(p, "SUBSET")) {
        return slsql_error_at(p, slp_cur(p)->pos, "SUBSET is not supported");
    }
    SLTRY(slsql_expect_kw(p, "DEFINE", "DEFINE"));
    int cap = 0, cap_pos = 0, n_pos = 0, cap_e = 0, n_e = 0;
    for (;;) {
        const char *name;
        slpos npos;
        SLTRY(var_name(p, "a pattern variable after DEFINE", &name, &npos));
        SLTRY(slsql_expect_kw(p, "AS", "AS after the variable's name"));
        slx *e;
        SLTRY(slsql_expr(p, &e));
        slsql_push(p, &m->define_names, &m->n_defines, &cap, &name, sizeof name);
        slsql_push(p, &m->define_pos, &n_pos, &cap_pos, &npos, sizeof npos);
        slsql_push(p, &m->defines, &n_e, &cap_e, &e, sizeof e);
        if (!slp_accept(p, SLTOK_COMMA)) {
            break;
        }
    }
    SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' closing MATCH_RECOGNIZE"));
    slfrom *f = slsql_alloc(p, sizeof *f);
    f->kind = SLFROM_MATCH;
    f->pos = pos;
    f->input = input;
    f->match = m;
    *out = f;
    return SL_OK;
}
