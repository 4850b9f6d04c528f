/*
 * parse_expr.c - SQL expressions, literals (numbers, INTERVAL, TIMESTAMP),
 * function calls with their special syntaxes, OVER windows and ORDER BY
 * lists. Called by parse_query.c and parse_stmt.c; types are in parse_type.c.
 *
 * Precedence, loosest first (each level is left-associative):
 *   OR < AND < NOT < comparison, IS, [NOT] IN / BETWEEN / LIKE / SIMILAR TO
 *   < + - || < * / % < unary - +
 * A minus directly before a number literal is folded into it (-5 is the
 * SLX_INT -5, so -9223372036854775808 is representable).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/parse_int.h"

static sl_err parse_or(slparser *p, slx **out);
static sl_err parse_unary(slparser *p, slx **out);
static sl_err parse_primary(slparser *p, slx **out);
static sl_err parse_over(slparser *p, slover **out);

sl_err slsql_expr(slparser *p, slx **out) {
    SLTRY(slsql_enter(p));
    SLTRY(parse_or(p, out));
    p->depth--;
    return SL_OK;
}

sl_err slsql_expr_list(slparser *p, slx ***out, int *n) {
    int cap = 0;
    *out = NULL;
    *n = 0;
    do {
        slx *e;
        SLTRY(slsql_expr(p, &e));
        slsql_push(p, out, n, &cap, &e, sizeof e);
    } while (slp_accept(p, SLTOK_COMMA));
    return SL_OK;
}

static void add_kid(slparser *p, slx *e, slx *kid, int *cap) {
    slsql_push(p, &e->kids, &e->n_kids, cap, &kid, sizeof kid);
}

static slx *node2(slparser *p, slx_kind kind, slx_op op, slx *a, slx *b) {
    slx *e = slsql_newx(p, kind, a->pos);
    e->op = op;
    e->kids = slsql_alloc(p, 2 * sizeof *e->kids);
    e->kids[0] = a;
    e->kids[1] = b;
    e->n_kids = 2;
    return e;
}

static slx *unit_string(slparser *p, const sltok *t) {
    slx *s = slsql_newx(p, SLX_STRING, t->pos);
    s->text = slsql_upper(p, t);
    s->len = t->len;
    return s;
}

/* ---- operator levels ---- */

static sl_err parse_and(slparser *p, slx **out);
static sl_err parse_not(slparser *p, slx **out);
static sl_err parse_cmp(slparser *p, slx **out);
static sl_err parse_mul(slparser *p, slx **out);

static sl_err parse_or(slparser *p, slx **out) {
    slx *l, *r;
    SLTRY(parse_and(p, &l));
    while (slp_accept_kw(p, "OR")) {
        SLTRY(parse_and(p, &r));
        l = node2(p, SLX_BINARY, SLOP_OR, l, r);
    }
    *out = l;
    return SL_OK;
}

static sl_err parse_and(slparser *p, slx **out) {
    slx *l, *r;
    SLTRY(parse_not(p, &l));
    while (slp_accept_kw(p, "AND")) {
        SLTRY(parse_not(p, &r));
        l = node2(p, SLX_BINARY, SLOP_AND, l, r);
    }
    *out = l;
    return SL_OK;
}

static sl_err parse_not(slparser *p, slx **out) {
    if (!slp_kw(p, "NOT")) {
        return parse_cmp(p, out);
    }
    slpos pos = slp_cur(p)->pos;
    slp_next(p);
    slx *k;
    SLTRY(slsql_enter(p));
    SLTRY(parse_not(p, &k));
    p->depth--;
    slx *e = slsql_newx(p, SLX_UNARY, pos);
    e->op = SLOP_NOT;
    e->kids = slsql_alloc(p, sizeof *e->kids);
    e->kids[0] = k;
    e->n_kids = 1;
    *out = e;
    return SL_OK;
}

static slx_op cmp_op(sltok_kind k) {
    switch (k) {
    case SLTOK_EQ:
        return SLOP_EQ;
    case SLTOK_NE:
        return SLOP_NE;
    case SLTOK_LT:
        return SLOP_LT;
    case SLTOK_LE:
        return SLOP_LE;
    case SLTOK_GT:
        return SLOP_GT;
    case SLTOK_GE:
        return SLOP_GE;
    default:
        return SLOP_NONE;
    }
}

/* IS [NOT] NULL / TRUE / FALSE / UNKNOWN / DISTINCT FROM x, after IS. */
static sl_err parse_is(slparser *p, slx *l, slx **out) {
    bool neg = slp_accept_kw(p, "NOT");
    slx *e = slsql_newx(p, SLX_IS, l->pos);
    e->flags = neg ? SLX_F_NEGATED : 0;
    if (slp_accept_kw(p, "NULL") || slp_accept_kw(p, "UNKNOWN")) {
        e->op = SLOP_IS_NULL;
    } else if (slp_accept_kw(p, "TRUE")) {
        e->op = SLOP_IS_TRUE;
    } else if (slp_accept_kw(p, "FALSE")) {
        e->op = SLOP_IS_FALSE;
    } else if (slp_accept_kw(p, "DISTINCT")) {
        SLTRY(slsql_expect_kw(p, "FROM", "FROM after IS DISTINCT"));
        slx *r;
        SLTRY(slsql_expr_add(p, &r));
        e->op = SLOP_IS_DISTINCT_FROM;
        e->kids = slsql_alloc(p, 2 * sizeof *e->kids);
        e->kids[0] = l;
        e->kids[1] = r;
        e->n_kids = 2;
        *out = e;
        return SL_OK;
    } else {
        return slsql_expected(p, neg ? "NULL, TRUE, FALSE or DISTINCT FROM after IS NOT"
                                     : "NULL, TRUE, FALSE or DISTINCT FROM after IS");
    }
    e->kids = slsql_alloc(p, sizeof *e->kids);
    e->kids[0] = l;
    e->n_kids = 1;
    *out = e;
    return SL_OK;
}

/* [NOT] IN ( list | query ), after IN. */
static sl_err parse_in(slparser *p, slx *l, bool neg, slx **out) {
    slx *e = slsql_newx(p, SLX_IN, l->pos);
    e->flags = neg ? SLX_F_NEGATED : 0;
    int cap = 0;
    add_kid(p, e, l, &cap);
    SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after IN"));
    if (slp_kw(p, "SELECT") || slp_kw(p, "WITH")) {
        slx *s = slsql_newx(p, SLX_SUBQUERY, slp_cur(p)->pos);
        SLTRY(slsql_query(p, &s->sub));
        add_kid(p, e, s, &cap);
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the subquery of IN"));
    } else {
        for (;;) {
            slx *v;
            SLTRY(slsql_expr(p, &v));
            add_kid(p, e, v, &cap);
            if (slp_accept(p, SLTOK_COMMA)) {
                continue;
            }
            SLTRY(slsql_expect(p, SLTOK_RPAREN, "',' or ')' in the IN list"));
            break;
        }
    }
    *out = e;
    return SL_OK;
}

static sl_err parse_cmp(slparser *p, slx **out) {
    slx *l, *r;
    SLTRY(slsql_expr_add(p, &l));
    for (;;) {
        slx_op op = cmp_op(slp_cur(p)->kind);
        if (op != SLOP_NONE) {
            slp_next(p);
            SLTRY(slsql_expr_add(p, &r));
            l = node2(p, SLX_BINARY, op, l, r);
            continue;
        }
        if (slp_accept_kw(p, "IS")) {
            SLTRY(parse_is(p, l, &l));
            continue;
        }
        bool neg = false;
        if (slp_kw(p, "NOT") && (slp_kw_at(p, 1, "IN") || slp_kw_at(p, 1, "BETWEEN") ||
                                 slp_kw_at(p, 1, "LIKE") || slp_kw_at(p, 1, "SIMILAR"))) {
            neg = true;
            slp_next(p);
        }
        if (slp_accept_kw(p, "IN")) {
            SLTRY(parse_in(p, l, neg, &l));
        } else if (slp_accept_kw(p, "BETWEEN")) {
            slx *e = slsql_newx(p, SLX_BETWEEN, l->pos);
            e->flags = neg ? SLX_F_NEGATED : 0;
            if (slp_accept_kw(p, "SYMMETRIC")) {
                e->flags |= SLX_F_SYMMETRIC;
            } else {
                slp_accept_kw(p, "ASYMMETRIC");
            }
            slx *lo, *hi;
            SLTRY(slsql_expr_add(p, &lo));
            SLTRY(slsql_expect_kw(p, "AND", "AND between the bounds of BETWEEN"));
            SLTRY(slsql_expr_add(p, &hi));
            e->kids = slsql_alloc(p, 3 * sizeof *e->kids);
            e->kids[0] = l;
            e->kids[1] = lo;
            e->kids[2] = hi;
            e->n_kids = 3;
            l = e;
        } else if (slp_kw(p, "LIKE") || slp_kw(p, "SIMILAR")) {
            slx *e = slsql_newx(p, SLX_LIKE, l->pos);
            e->flags = neg ? SLX_F_NEGATED : 0;
            e->op = SLOP_LIKE;
            if (slp_accept_kw(p, "SIMILAR")) {
                SLTRY(slsql_expect_kw(p, "TO", "TO after SIMILAR"));
                e->op = SLOP_SIMILAR;
            } else {
                slp_next(p);
            }
            int cap = 0;
            add_kid(p, e, l, &cap);
            SLTRY(slsql_expr_add(p, &r));
            add_kid(p, e, r, &cap);
            if (slp_accept_kw(p, "ESCAPE")) {
                SLTRY(slsql_expr_add(p, &r));
                add_kid(p, e, r, &cap);
            }
            l = e;
        } else {
            break;
        }
    }
    *out = l;
    return SL_OK;
}

sl_err slsql_expr_add(slparser *p, slx **out) {
    slx *l, *r;
    SLTRY(parse_mul(p, &l));
    for (;;) {
        slx_op op = SLOP_NONE;
        switch (slp_cur(p)->kind) {
        case SLTOK_PLUS:
            op = SLOP_ADD;
            break;
        case SLTOK_MINUS:
            op = SLOP_SUB;
            break;
        case SLTOK_CONCAT:
            op = SLOP_CONCAT;
            break;
        default:
            break;
        }
        if (op == SLOP_NONE) {
            break;
        }
        slp_next(p);
        SLTRY(parse_mul(p, &r));
        l = node2(p, SLX_BINARY, op, l, r);
    }
    *out = l;
    return SL_OK;
}

static sl_err parse_mul(slparser *p, slx **out) {
    slx *l, *r;
    SLTRY(parse_unary(p, &l));
    for (;;) {
        slx_op op = SLOP_NONE;
        switch (slp_cur(p)->kind) {
        case SLTOK_STAR:
            op = SLOP_MUL;
            break;
        case SLTOK_SLASH:
            op = SLOP_DIV;
            break;
        case SLTOK_PERCENT:
            op = SLOP_MOD;
            break;
        default:
            break;
        }
        if (op == SLOP_NONE) {
            break;
        }
        slp_next(p);
        SLTRY(parse_unary(p, &r));
        l = node2(p, SLX_BINARY, op, l, r);
    }
    *out = l;
    return SL_OK;
}

/* ---- literals ---- */

/* A number token, negated when `neg` (a folded unary minus at `pos`). */
static sl_err parse_number(slparser *p, bool neg, slpos pos, slx **out) {
    const sltok *t = slp_cur(p);
    const char *s = p->src + t->off;
    if (t->kind == SLTOK_INT) {
        uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (size_t k = 0; k < t->len; k++) {
            unsigned d = (unsigned)(s[k] - '0');
            if (v > (limit - d) / 10) {
                return slsql_error_at(p, t->pos, "number %s%.*s is too large for BIGINT",
                                      neg ? "-" : "", (int)SL_MIN(t->len, 40), s);
            }
            v = v * 10 + d;
        }
        slx *e = slsql_newx(p, SLX_INT, pos);
        e->i = neg ? (int64_t)(0 - v) : (int64_t)v;
        *out = e;
    } else {
        const char *z = slsql_strndup(p, s, t->len);
        char *end;
        double d = strtod(z, &end);
        if (isinf(d) || end != z + t->len) {
            return slsql_error_at(p, t->pos, "number %.*s is too large", (int)SL_MIN(t->len, 40),
                                  s);
        }
        slx *e = slsql_newx(p, SLX_DOUBLE, pos);
        e->d = neg ? -d : d;
        *out = e;
    }
    slp_next(p);
    return SL_OK;
}

typedef enum unit {
    U_NONE = 0,
    U_YEAR,
    U_MONTH,
    U_WEEK,
    U_DAY,
    U_HOUR,
    U_MINUTE,
    U_SECOND,
    U_MILLISECOND,
    U_MICROSECOND,
} unit;

static const struct {
    const char *name, *plural;
    int64_t us;       /* microseconds, or months for YEAR and MONTH */
    int64_t max_next; /* the bound of this unit as a later field (MONTH < 12) */
} units[] = {
    [U_NONE] = {"", "", 0, 0},
    [U_YEAR] = {"YEAR", "YEARS", 12, 0},
    [U_MONTH] = {"MONTH", "MONTHS", 1, 12},
    [U_WEEK] = {"WEEK", "WEEKS", 7 * 86400 * SL_SECOND, 0},
    [U_DAY] = {"DAY", "DAYS", 86400 * SL_SECOND, 0},
    [U_HOUR] = {"HOUR", "HOURS", 3600 * SL_SECOND, 24},
    [U_MINUTE] = {"MINUTE", "MINUTES", 60 * SL_SECOND, 60},
    [U_SECOND] = {"SECOND", "SECONDS", SL_SECOND, 60},
    [U_MILLISECOND] = {"MILLISECOND", "MILLISECONDS", SL_MILLISECOND, 0},
    [U_MICROSECOND] = {"MICROSECOND", "MICROSECONDS", 1, 0},
};

/* An interval unit word with an optional precision: SECOND(3), DAY(2). */
static sl_err parse_unit(slparser *p, const char *what, unit *out) {
    const sltok *t = slp_cur(p);
    *out = U_NONE;
    for (int u = U_YEAR; u <= U_MICROSECOND; u++) {
        if (slp_tok_is(p, t, units[u].name) || slp_tok_is(p, t, units[u].plural)) {
            *out = (unit)u;
        }
    }
    if (*out == U_NONE) {
        return slsql_expected(p, what);
    }
    slp_next(p);
    if (slp_accept(p, SLTOK_LPAREN)) {
        SLTRY(slsql_expect(p, SLTOK_INT, "a precision number"));
        if (slp_accept(p, SLTOK_COMMA)) {
            SLTRY(slsql_expect(p, SLTOK_INT, "a precision number"));
        }
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the precision"));
    }
    return SL_OK;
}

/* Fields of an interval value: leading field, then the others separated by
 * '-' (YEAR TO MONTH), ' ' (DAY to HOUR) or ':'; SECOND may have a fraction. */
static const char *interval_value(const char *s, size_t n, unit from, unit to, bool *neg,
                                  int64_t *out) {
    size_t k = 0;
    while (k < n && s[k] == ' ') {
        k++;
    }
    while (n > k && s[n - 1] == ' ') {
        n--;
    }
    if (k < n && (s[k] == '-' || s[k] == '+')) {
        *neg = s[k] == '-';
        k++;
    }
    int64_t total = 0;
    for (unit u = from;; u = (unit)(u + 1)) {
        if (u == U_WEEK && u != from) {
            continue;
        }
        if (u != from) {
            char sep = u == U_MONTH ? '-' : u == U_HOUR ? ' ' : ':';
            if (k >= n || s[k] != sep) {
                return "form";
            }
            while (k < n && s[k] == sep && sep == ' ') {
                k++;
            }
            if (sep != ' ') {
                k++;
            }
        }
        if (k >= n || s[k] < '0' || s[k] > '9') {
            return "form";
        }
        int64_t v = 0;
        while (k < n && s[k] >= '0' && s[k] <= '9') {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[k] - '0', &v)) {
                return "the value is too large";
            }
            k++;
        }
        if (u != from && units[u].max_next && v >= units[u].max_next) {
            switch (u) {
            case U_MONTH:
                return "months must be below 12";
            case U_HOUR:
                return "hours must be below 24";
            case U_MINUTE:
                return "minutes must be below 60";
            default:
                return "seconds must be below 60";
            }
        }
        int64_t part;
        if (__builtin_mul_overflow(v, units[u].us, &part) ||
            __builtin_add_overflow(total, part, &total)) {
            return "the value is too large";
        }
        if (u == to) {
            break;
        }
    }
    if (k < n && s[k] == '.' && to == U_SECOND) {
        k++;
        if (k >= n) {
            return "form";
        }
        int64_t frac = 0, scale = SL_SECOND;
        for (; k < n && s[k] >= '0' && s[k] <= '9'; k++) {
            scale /= 10; /* digits beyond microseconds are dropped */
            frac += (s[k] - '0') * scale;
        }
        if (__builtin_add_overflow(total, frac, &total)) {
            return "the value is too large";
        }
    }
    if (k != n) {
        return "form";
    }
    *out = total;
    return NULL;
}

static const char *interval_form(unit from, unit to) {
    if (from == to) {
        return from == U_SECOND ? "'N' or 'N.FFF'" : "'N'";
    }
    if (from == U_YEAR) {
        return "'Y-M'";
    }
    static const char *const forms[] = {
        "'D H'", "'D H:M'", "'D H:M:S'", NULL, "'H:M'", "'H:M:S'", NULL, NULL, "'M:S'",
    };
    int k = (from - U_DAY) * 3 + (to - U_HOUR);
    return k >= 0 && k < (int)SL_ARRAY_LEN(forms) && forms[k] ? forms[k] : "'N'";
}

/* INTERVAL [-] 'value' unit [(p)] [TO unit [(p)]], at INTERVAL. */
static sl_err parse_interval(slparser *p, slx **out) {
    slpos pos = slp_cur(p)->pos;
    slp_next(p);
    bool neg = false;
    if (slp_accept(p, SLTOK_MINUS)) {
        neg = true;
    } else {
        slp_accept(p, SLTOK_PLUS);
    }
    const sltok *vt = slp_cur(p);
    const char *val;
    size_t len;
    if (vt->kind == SLTOK_STRING) {
        val = slsql_string(p, vt, &len);
    } else if (vt->kind == SLTOK_INT) {
        val = p->src + vt->off;
        len = vt->len;
    } else {
        return slsql_expected(p, "a quoted value such as '5' after INTERVAL");
    }
    slp_next(p);
    unit from, to;
    SLTRY(parse_unit(p, "an interval unit such as SECOND, MINUTE, HOUR or DAY", &from));
    to = from;
    if (slp_accept_kw(p, "TO")) {
        const char *what = "a smaller unit after TO";
        const sltok *ut = slp_cur(p);
        SLTRY(parse_unit(p, what, &to));
        bool ok = (from == U_YEAR && to == U_MONTH) ||
                  (from >= U_DAY && from <= U_MINUTE && to > from && to <= U_SECOND);
        if (!ok) {
            return slsql_expected_at(p, ut, what);
        }
    }
    int64_t v = 0;
    bool vneg = false;
    const char *why = interval_value(val, len, from, to, &vneg, &v);
    if (why) {
        char unitname[40];
        if (from == to) {
            snprintf(unitname, sizeof unitname, "%s", units[from].name);
        } else {
            snprintf(unitname, sizeof unitname, "%s TO %s", units[from].name, units[to].name);
        }
        if (strcmp(why, "form") == 0) {
            return slsql_error_at(p, vt->pos, "bad INTERVAL '%.*s' %s: expected the form %s",
                                  (int)SL_MIN(len, 40), val, unitname, interval_form(from, to));
        }
        return slsql_error_at(p, vt->pos, "bad INTERVAL '%.*s' %s: %s", (int)SL_MIN(len, 40), val,
                              unitname, why);
    }
    slx *e = slsql_newx(p, SLX_INTERVAL, pos);
    e->i = neg != vneg ? -v : v;
    if (from == U_YEAR || from == U_MONTH) {
        e->flags |= SLX_F_MONTHS;
    }
    *out = e;
    return SL_OK;
}

/* TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.ffffff]', at TIMESTAMP. */
static sl_err parse_timestamp(slparser *p, slx **out) {
    slx *e = slsql_newx(p, SLX_TIMESTAMP, slp_cur(p)->pos);
    slp_next(p);
    const sltok *t = slp_cur(p);
    size_t len;
    const char *s = slsql_string(p, t, &len);
    if (sl_parse_timestamp(s, len, &e->i) != SL_OK) {
        return slsql_error_at(p, t->pos,
                              "bad TIMESTAMP '%.*s': expected 'YYYY-MM-DD HH:MM:SS[.ffffff]' "
                              "with a valid date and time",
                              (int)SL_MIN(len, 40), s);
    }
    slp_next(p);
    *out = e;
    return SL_OK;
}

/* ---- function calls ---- */

/* The rest of a generic argument list: (',' arg)* ')'. */
static sl_err call_rest(slparser *p, slx *e, int *cap) {
    while (slp_accept(p, SLTOK_COMMA)) {
        slx *a;
        SLTRY(slsql_expr(p, &a));
        add_kid(p, e, a, cap);
    }
    char what[100];
    snprintf(what, sizeof what, "',' or ')' in the arguments of %.40s", e->text);
    return slsql_expect(p, SLTOK_RPAREN, what);
}

/* A word used as a unit argument (EXTRACT(YEAR FROM ..), FLOOR(.. TO DAY)). */
static sl_err unit_word(slparser *p, slx **out) {
    const sltok *t = slp_cur(p);
    if (t->kind != SLTOK_WORD) {
        return slsql_expected(p, "a time unit such as YEAR, DAY or HOUR");
    }
    *out = unit_string(p, t);
    slp_next(p);
    return SL_OK;
}

/* The special forms, after "NAME(": EXTRACT, FLOOR/CEIL .. TO, POSITION ..
 * IN, TRIM, SUBSTRING .. FROM .. FOR, TIMESTAMPADD/DIFF's unit. Returns with
 * *done set when the whole call including ')' was read; otherwise the
 * arguments read so far are in e and call_rest finishes. */
static sl_err special_args(slparser *p, slx *e, int *cap, bool *done) {
    const char *n = e->text;
    slx *a, *b;
    *done = false;
    if (strcmp(n, "EXTRACT") == 0) {
        SLTRY(unit_word(p, &a));
        add_kid(p, e, a, cap);
        SLTRY(slsql_expect_kw(p, "FROM", "FROM in EXTRACT(unit FROM value)"));
        SLTRY(slsql_expr(p, &b));
        add_kid(p, e, b, cap);
        *done = true;
        return slsql_expect(p, SLTOK_RPAREN, "')' after EXTRACT(unit FROM value");
    }
    if (strcmp(n, "FLOOR") == 0 || strcmp(n, "CEIL") == 0 || strcmp(n, "CEILING") == 0) {
        SLTRY(slsql_expr(p, &a));
        add_kid(p, e, a, cap);
        if (slp_accept_kw(p, "TO")) {
            e->text = n[0] == 'F' ? "FLOOR" : "CEIL";
            SLTRY(unit_word(p, &b));
            add_kid(p, e, b, cap);
            *done = true;
            return slsql_expect(p, SLTOK_RPAREN, "')' after the time unit");
        }
        return SL_OK;
    }
    if (strcmp(n, "POSITION") == 0) {
        SLTRY(slsql_expr_add(p, &a));
        add_kid(p, e, a, cap);
        if (slp_accept_kw(p, "IN")) {
            SLTRY(slsql_expr(p, &b));
            add_kid(p, e, b, cap);
            *done = true;
            return slsql_expect(p, SLTOK_RPAREN, "')' after POSITION(a IN b");
        }
        return SL_OK;
    }
    if (strcmp(n, "SUBSTRING") == 0) {
        SLTRY(slsql_expr(p, &a));
        add_kid(p, e, a, cap);
        if (slp_accept_kw(p, "FROM")) {
            SLTRY(slsql_expr(p, &b));
            add_kid(p, e, b, cap);
            if (slp_accept_kw(p, "FOR")) {
                SLTRY(slsql_expr(p, &b));
                add_kid(p, e, b, cap);
            }
            *done = true;
            return slsql_expect(p, SLTOK_RPAREN, "FOR or ')' in SUBSTRING(s FROM a FOR b)");
        }
        return SL_OK;
    }
    if (strcmp(n, "TRIM") == 0) {
        bool mode = true;
        if (slp_accept_kw(p, "LEADING")) {
            e->text = "LTRIM";
        } else if (slp_accept_kw(p, "TRAILING")) {
            e->text = "RTRIM";
        } else if (!slp_accept_kw(p, "BOTH")) {
            mode = false;
        }
        slx *chars = NULL, *s;
        if (!slp_kw(p, "FROM")) {
            SLTRY(slsql_expr(p, &chars));
        }
        if (slp_accept_kw(p, "FROM")) {
            SLTRY(slsql_expr(p, &s));
        } else if (!mode && chars) {
            s = chars; /* TRIM(s) or TRIM(s, chars): a plain call */
            chars = NULL;
            add_kid(p, e, s, cap);
            return SL_OK;
        } else {
            return slsql_expected(p, "FROM in TRIM");
        }
        add_kid(p, e, s, cap);
        if (chars) {
            add_kid(p, e, chars, cap);
        }
        *done = true;
        return slsql_expect(p, SLTOK_RPAREN, "')' after TRIM(... FROM value");
    }
    if (strcmp(n, "TIMESTAMPADD") == 0 || strcmp(n, "TIMESTAMPDIFF") == 0) {
        if (slp_is(p, SLTOK_WORD) && slp_peek(p, 1)->kind == SLTOK_COMMA) {
            SLTRY(unit_word(p, &a));
        } else {
            SLTRY(slsql_expr(p, &a));
        }
        add_kid(p, e, a, cap);
        return SL_OK;
    }
    SLTRY(slsql_expr(p, &a));
    add_kid(p, e, a, cap);
    return SL_OK;
}

/*
 * agg(x) FILTER (WHERE cond), at FILTER: rewritten to agg(CASE WHEN cond THEN
 * x END) (COUNT(*): THEN 1), which is the same for aggregates that skip NULLs;
 * the others are refused here.
 */
static sl_err parse_filter(slparser *p, slx *e) {
    static const char *const skip_nulls[] = {"COUNT", "SUM", "MIN", "MAX", "AVG", "STDDEV",
                                             "STDDEV_SAMP", "STDDEV_POP"};
    slpos pos = slp_cur(p)->pos;
    bool ok = false;
    for (size_t i = 0; i < sizeof skip_nulls / sizeof *skip_nulls; i++) {
        ok = ok || strcmp(e->text, skip_nulls[i]) == 0;
    }
    if (!ok || e->n_kids != 1) {
        return slsql_error_at(p, pos,
                              "FILTER (WHERE ...) is supported on COUNT, SUM, MIN, MAX, AVG and "
                              "STDDEV of one argument, not on %s",
                              e->text);
    }
    slp_next(p); /* FILTER */
    slp_next(p); /* ( */
    SLTRY(slsql_expect_kw(p, "WHERE", "WHERE after FILTER ("));
    slx *cond;
    SLTRY(slsql_expr(p, &cond));
    SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' to close FILTER (WHERE ..."));
    slx *val = e->kids[0];
    if (val->kind == SLX_STAR) {
        val = slsql_newx(p, SLX_INT, val->pos);
        val->i = 1;
    }
    slx *c = slsql_newx(p, SLX_CASE, pos);
    c->kids = slsql_alloc(p, 2 * sizeof *c->kids);
    c->kids[0] = cond;
    c->kids[1] = val;
    c->n_kids = 2;
    e->kids[0] = c;
    return SL_OK;
}

/* NAME ( args ) [FILTER (WHERE ...)] [OVER ...], at '('. */
static sl_err parse_call(slparser *p, const char *name, slpos pos, slx **out) {
    slx *e = slsql_newx(p, SLX_CALL, pos);
    e->text = name;
    int cap = 0;
    slp_next(p); /* ( */
    if (slp_accept(p, SLTOK_RPAREN)) {
        /* no arguments */
    } else if (slp_kw(p, "DISTINCT") || slp_kw(p, "ALL") || slp_is(p, SLTOK_STAR)) {
        if (slp_accept_kw(p, "DISTINCT")) {
            e->flags |= SLX_F_DISTINCT;
        } else {
            slp_accept_kw(p, "ALL");
        }
        slx *a;
        if (slp_is(p, SLTOK_STAR)) {
            a = slsql_newx(p, SLX_STAR, slp_cur(p)->pos);
            slp_next(p);
        } else {
            SLTRY(slsql_expr(p, &a));
        }
        add_kid(p, e, a, &cap);
        SLTRY(call_rest(p, e, &cap));
    } else {
        bool done;
        SLTRY(special_args(p, e, &cap, &done));
        if (!done) {
            SLTRY(call_rest(p, e, &cap));
        }
    }
    if (slp_kw(p, "FILTER") && slp_peek(p, 1)->kind == SLTOK_LPAREN) {
        SLTRY(parse_filter(p, e));
    }
    if (slp_accept_kw(p, "OVER")) {
        SLTRY(parse_over(p, &e->over));
    }
    *out = e;
    return SL_OK;
}

/* CAST / TRY_CAST ( x AS type ), at the keyword. */
static sl_err parse_cast(slparser *p, slx **out) {
    slx *e = slsql_newx(p, SLX_CAST, slp_cur(p)->pos);
    if (slp_kw(p, "TRY_CAST")) {
        e->flags |= SLX_F_TRY;
    }
    slp_next(p);
    slp_next(p); /* ( */
    slx *x;
    SLTRY(slsql_expr(p, &x));
    SLTRY(slsql_expect_kw(p, "AS", "AS in CAST(value AS type)"));
    SLTRY(slsql_type(p, &e->cast));
    SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the type of CAST"));
    e->kids = slsql_alloc(p, sizeof *e->kids);
    e->kids[0] = x;
    e->n_kids = 1;
    *out = e;
    return SL_OK;
}

/* CASE [x] WHEN .. THEN .. [ELSE ..] END, at CASE. */
static sl_err parse_case(slparser *p, slx **out) {
    slx *e = slsql_newx(p, SLX_CASE, slp_cur(p)->pos);
    int cap = 0;
    slx *a;
    slp_next(p);
    if (slp_kw(p, "END") || slp_kw(p, "ELSE") || slp_kw(p, "THEN")) {
        return slsql_expected(p, "WHEN in CASE");
    }
    if (!slp_kw(p, "WHEN")) {
        SLTRY(slsql_expr(p, &a));
        add_kid(p, e, a, &cap);
        e->flags |= SLX_F_OPERAND;
    }
    if (!slp_kw(p, "WHEN")) {
        return slsql_expected(p, "WHEN in CASE");
    }
    while (slp_accept_kw(p, "WHEN")) {
        SLTRY(slsql_expr(p, &a));
        add_kid(p, e, a, &cap);
        SLTRY(slsql_expect_kw(p, "THEN", "THEN after the WHEN condition"));
        SLTRY(slsql_expr(p, &a));
        add_kid(p, e, a, &cap);
    }
    if (slp_accept_kw(p, "ELSE")) {
        SLTRY(slsql_expr(p, &a));
        add_kid(p, e, a, &cap);
        e->flags |= SLX_F_ELSE;
        SLTRY(slsql_expect_kw(p, "END", "END to close CASE"));
    } else {
        SLTRY(slsql_expect_kw(p, "END", "WHEN, ELSE or END in CASE"));
    }
    *out = e;
    return SL_OK;
}

static bool is_niladic(const slparser *p) {
    static const char *const words[] = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME",
                                        "LOCALTIMESTAMP", "LOCALTIME"};
    for (size_t k = 0; k < SL_ARRAY_LEN(words); k++) {
        if (slp_kw(p, words[k])) {
            return true;
        }
    }
    return false;
}

static const char *join_dot(slparser *p, const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *q = slarena_alloc(p->arena, na + nb + 2);
    memcpy(q, a, na);
    q[na] = '.';
    memcpy(q + na + 1, b, nb + 1);
    return q;
}

/* A column (a, t.a, `x y`.b, a.b.c with qualifier "a.b") or t.*, at its
 * first name. */
static sl_err parse_column(slparser *p, slx **out) {
    slpos pos = slp_cur(p)->pos;
    const char *name, *qual = NULL;
    SLTRY(slsql_ident(p, "a column name", &name, NULL));
    while (slp_is(p, SLTOK_DOT)) {
        const sltok *t = slp_peek(p, 1);
        if (t->kind == SLTOK_STAR) {
            slp_next(p);
            slp_next(p);
            slx *e = slsql_newx(p, SLX_STAR, pos);
            e->qual = qual ? join_dot(p, qual, name) : name;
            *out = e;
            return SL_OK;
        }
        qual = qual ? join_dot(p, qual, name) : name;
        slp_next(p);
        SLTRY(slsql_ident(p, "a column name or '*' after '.'", &name, NULL));
    }
    slx *e = slsql_newx(p, SLX_COLUMN, pos);
    e->text = name;
    e->qual = qual;
    *out = e;
    return SL_OK;
}

static sl_err parse_primary(slparser *p, slx **out) {
    const sltok *t = slp_cur(p);
    const sltok *next = slp_peek(p, 1);
    switch (t->kind) {
    case SLTOK_INT:
    case SLTOK_DECIMAL:
        return parse_number(p, false, t->pos, out);
    case SLTOK_STRING: {
        slx *e = slsql_newx(p, SLX_STRING, t->pos);
        e->text = slsql_string(p, t, &e->len);
        slp_next(p);
        *out = e;
        return SL_OK;
    }
    case SLTOK_LPAREN: {
        slp_next(p);
        if (slp_kw(p, "SELECT") || slp_kw(p, "WITH")) {
            slx *e = slsql_newx(p, SLX_SUBQUERY, t->pos);
            SLTRY(slsql_query(p, &e->sub));
            SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the subquery"));
            *out = e;
            return SL_OK;
        }
        SLTRY(slsql_expr(p, out));
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' to close '('"));
        (*out)->flags |= SLX_F_PAREN;
        (*out)->pos = t->pos; /* a node's position is that of its first token */
        return SL_OK;
    }
    case SLTOK_QIDENT:
        if (next->kind == SLTOK_LPAREN) {
            const char *name;
            SLTRY(slsql_ident(p, "a function name", &name, NULL));
            char *up = (char *)name;
            for (; *up; up++) {
                *up = (*up >= 'a' && *up <= 'z') ? (char)(*up - 32) : *up;
            }
            return parse_call(p, name, t->pos, out);
        }
        return parse_column(p, out);
    case SLTOK_WORD:
        break;
    default:
        return slsql_expected(p, "an expression");
    }
    if (slp_kw(p, "NULL") || slp_kw(p, "TRUE") || slp_kw(p, "FALSE")) {
        slx *e = slsql_newx(p, slp_kw(p, "NULL") ? SLX_NULL : SLX_BOOL, t->pos);
        e->i = slp_kw(p, "TRUE");
        slp_next(p);
        *out = e;
        return SL_OK;
    }
    if (slp_kw(p, "INTERVAL")) {
        return parse_interval(p, out);
    }
    if (slp_kw(p, "TIMESTAMP") && next->kind == SLTOK_STRING) {
        return parse_timestamp(p, out);
    }
    if ((slp_kw(p, "DATE") || slp_kw(p, "TIME")) && next->kind == SLTOK_STRING) {
        return slsql_error_at(p, t->pos, "%s literals are not supported (use TIMESTAMP '...')",
                              slp_kw(p, "DATE") ? "DATE" : "TIME");
    }
    if (slp_kw(p, "CASE")) {
        return parse_case(p, out);
    }
    if ((slp_kw(p, "CAST") || slp_kw(p, "TRY_CAST")) && next->kind == SLTOK_LPAREN) {
        return parse_cast(p, out);
    }
    if (slp_kw(p, "EXISTS")) {
        slx *e = slsql_newx(p, SLX_CALL, t->pos);
        e->text = "EXISTS";
        slp_next(p);
        SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after EXISTS"));
        slx *s = slsql_newx(p, SLX_SUBQUERY, slp_cur(p)->pos);
        if (!slp_kw(p, "SELECT") && !slp_kw(p, "WITH") && !slp_is(p, SLTOK_LPAREN)) {
            return slsql_expected(p, "a subquery after EXISTS (");
        }
        SLTRY(slsql_query(p, &s->sub));
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the subquery of EXISTS"));
        e->kids = slsql_alloc(p, sizeof *e->kids);
        e->kids[0] = s;
        e->n_kids = 1;
        *out = e;
        return SL_OK;
    }
    if (is_niladic(p)) {
        slx *e = slsql_newx(p, SLX_CALL, t->pos);
        e->text = slsql_upper(p, t);
        slp_next(p);
        if (slp_is(p, SLTOK_LPAREN) && slp_peek(p, 1)->kind == SLTOK_RPAREN) {
            slp_next(p);
            slp_next(p);
        }
        *out = e;
        return SL_OK;
    }
    if (next->kind == SLTOK_LPAREN &&
        (!slsql_reserved(p->src + t->off, t->len) || slp_kw(p, "LEFT") || slp_kw(p, "RIGHT"))) {
        const char *name = slsql_upper(p, t);
        slp_next(p);
        return parse_call(p, name, t->pos, out);
    }
    if (slsql_reserved(p->src + t->off, t->len)) {
        return slsql_expected(p, "an expression");
    }
    return parse_column(p, out);
}

static sl_err parse_unary(slparser *p, slx **out) {
    const sltok *t = slp_cur(p);
    if (t->kind != SLTOK_MINUS && t->kind != SLTOK_PLUS) {
        return parse_primary(p, out);
    }
    slp_next(p);
    const sltok *n = slp_cur(p);
    if (t->kind == SLTOK_MINUS && (n->kind == SLTOK_INT || n->kind == SLTOK_DECIMAL)) {
        return parse_number(p, true, t->pos, out);
    }
    slx *k;
    SLTRY(slsql_enter(p));
    SLTRY(parse_unary(p, &k));
    p->depth--;
    slx *e = slsql_newx(p, SLX_UNARY, t->pos);
    e->op = t->kind == SLTOK_MINUS ? SLOP_NEG : SLOP_PLUS;
    e->kids = slsql_alloc(p, sizeof *e->kids);
    e->kids[0] = k;
    e->n_kids = 1;
    *out = e;
    return SL_OK;
}

/* ---- ORDER BY, OVER ---- */

sl_err slsql_order_list(slparser *p, slorder **out, int *n) {
    int cap = 0;
    *out = NULL;
    *n = 0;
    do {
        slorder o = {0};
        SLTRY(slsql_expr(p, &o.e));
        if (slp_accept_kw(p, "DESC")) {
            o.desc = true;
        } else {
            slp_accept_kw(p, "ASC");
        }
        if (slp_accept_kw(p, "NULLS")) {
            if (slp_accept_kw(p, "FIRST")) {
                o.nulls = 1;
            } else if (slp_accept_kw(p, "LAST")) {
                o.nulls = 2;
            } else {
                return slsql_expected(p, "FIRST or LAST after NULLS");
            }
        }
        slsql_push(p, out, n, &cap, &o, sizeof o);
    } while (slp_accept(p, SLTOK_COMMA));
    return SL_OK;
}

static sl_err following(slparser *p) {
    return slsql_error_at(p, slp_cur(p)->pos,
                          "window frames ending after the current row (FOLLOWING) are not "
                          "supported: end the frame at CURRENT ROW");
}

/* A frame start: UNBOUNDED PRECEDING | CURRENT ROW | n PRECEDING. */
static sl_err frame_start(slparser *p, slover *o) {
    slpos pos = slp_cur(p)->pos;
    if (slp_accept_kw(p, "UNBOUNDED")) {
        if (slp_kw(p, "FOLLOWING")) {
            return following(p);
        }
        o->preceding = NULL;
        return slsql_expect_kw(p, "PRECEDING", "PRECEDING after UNBOUNDED");
    }
    if (slp_accept_kw(p, "CURRENT")) {
        SLTRY(slsql_expect_kw(p, "ROW", "ROW after CURRENT"));
        o->preceding = slsql_newx(p, o->frame == SLFRAME_ROWS ? SLX_INT : SLX_INTERVAL, pos);
        return SL_OK;
    }
    if (!slp_is(p, SLTOK_INT) && !slp_kw(p, "INTERVAL")) {
        return slsql_expected(p, "UNBOUNDED, CURRENT ROW, a row count or an INTERVAL in the "
                                 "window frame");
    }
    SLTRY(slsql_expr_add(p, &o->preceding));
    if (slp_kw(p, "FOLLOWING")) {
        return following(p);
    }
    return slsql_expect_kw(p, "PRECEDING", "PRECEDING in the window frame");
}

sl_err slsql_window_spec(slparser *p, slover *o) {
    if (slp_accept_kw(p, "PARTITION")) {
        SLTRY(slsql_expect_kw(p, "BY", "BY after PARTITION"));
        SLTRY(slsql_expr_list(p, &o->partition, &o->n_partition));
    }
    if (slp_accept_kw(p, "ORDER")) {
        SLTRY(slsql_expect_kw(p, "BY", "BY after ORDER"));
        SLTRY(slsql_order_list(p, &o->order, &o->n_order));
    }
    if (slp_kw(p, "ROWS") || slp_kw(p, "RANGE")) {
        o->frame = slp_kw(p, "ROWS") ? SLFRAME_ROWS : SLFRAME_RANGE;
        slp_next(p);
        if (slp_accept_kw(p, "BETWEEN")) {
            SLTRY(frame_start(p, o));
            SLTRY(slsql_expect_kw(p, "AND", "AND in the window frame"));
            if (slp_accept_kw(p, "CURRENT")) {
                return slsql_expect_kw(p, "ROW", "ROW after CURRENT");
            }
            const sltok *end = slp_cur(p);
            if (slp_accept_kw(p, "UNBOUNDED")) {
                if (slp_kw(p, "FOLLOWING")) {
                    return following(p);
                }
            } else if (slp_is(p, SLTOK_INT) || slp_kw(p, "INTERVAL")) {
                slx *skip;
                SLTRY(slsql_expr_add(p, &skip));
                if (slp_kw(p, "FOLLOWING")) {
                    return following(p);
                }
            }
            return slsql_expected_at(p, end, "CURRENT ROW to end the window frame");
        }
        SLTRY(frame_start(p, o));
    }
    return SL_OK;
}

/* OVER ( spec ) | OVER name, after OVER. */
static sl_err parse_over(slparser *p, slover **out) {
    slover *o = slsql_alloc(p, sizeof *o);
    o->pos = slp_cur(p)->pos;
    if (slp_accept(p, SLTOK_LPAREN)) {
        SLTRY(slsql_window_spec(p, o));
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' to close OVER ("));
    } else {
        SLTRY(slsql_ident(p, "'(' or a window name after OVER", &o->name, &o->pos));
        slsql_push(p, &p->pending, &p->n_pending, &p->cap_pending, &o, sizeof o);
    }
    *out = o;
    return SL_OK;
}
