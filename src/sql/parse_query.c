/*
 * parse_query.c - queries: WITH, SELECT, set operations, ORDER BY, LIMIT;
 * FROM items: tables (FOR SYSTEM_TIME AS OF), subqueries, joins and the
 * window table functions TUMBLE / HOP / CUMULATE / SESSION. Called by
 * parse_stmt.c (statements) and parse_expr.c (subqueries in expressions).
 *
 * Set operations: INTERSECT binds tighter than UNION and EXCEPT; all are
 * left-associative. A parenthesised query followed by ORDER BY / LIMIT (or
 * preceded by WITH) takes them over, since the tree has no separate node for
 * "query in parentheses"; when both would have an ORDER BY or a LIMIT, or the
 * inner LIMIT would run before the outer ORDER BY, the query is refused.
 *
 * OVER w: the reference is resolved when the SELECT's WINDOW clause has been
 * read (slparser.pending), by copying the definition into the slover.
 */
#include <stdio.h>

#include "sql/parse_int.h"

static sl_err parse_from(slparser *p, slfrom **out);

bool slsql_starts_query(const slparser *p) {
    int k = 0;
    while (slp_peek(p, k)->kind == SLTOK_LPAREN) {
        k++;
        if (p->i + k >= p->n_tok) {
            return false;
        }
    }
    return slp_kw_at(p, k, "SELECT") || slp_kw_at(p, k, "WITH");
}

/* ---- window TVFs ---- */

enum slot { S_DATA, S_TIMECOL, S_SIZE, S_SLIDE, S_STEP, S_GAP, S_OFFSET };
static const char *const slot_name[] = {"DATA", "TIMECOL", "SIZE",  "SLIDE",
                                        "STEP", "GAP",     "OFFSET"};
static const char *const slot_desc[] = {
    "table argument", "time column descriptor", "window size", "window slide", "window step",
    "session gap",    "window offset"};

static const struct {
    const char *fn;
    int n, required;
    enum slot slots[5];
    const char *names; /* for messages */
} tvfs[] = {
    {"TUMBLE", 4, 3, {S_DATA, S_TIMECOL, S_SIZE, S_OFFSET}, "DATA, TIMECOL, SIZE or OFFSET"},
    {"HOP",
     5,
     4,
     {S_DATA, S_TIMECOL, S_SLIDE, S_SIZE, S_OFFSET},
     "DATA, TIMECOL, SLIDE, SIZE or OFFSET"},
    {"CUMULATE",
     5,
     4,
     {S_DATA, S_TIMECOL, S_STEP, S_SIZE, S_OFFSET},
     "DATA, TIMECOL, STEP, SIZE or OFFSET"},
    {"SESSION", 3, 3, {S_DATA, S_TIMECOL, S_GAP}, "DATA, TIMECOL or GAP"},
};

/* The DATA argument: TABLE name | TABLE (query) | (query), then for
 * SESSION an optional PARTITION BY key | PARTITION BY (k1, k2). */
static sl_err tvf_table(slparser *p, slfrom *w) {
    slfrom *in = slsql_alloc(p, sizeof *in);
    in->pos = slp_cur(p)->pos;
    bool table = slp_accept_kw(p, "TABLE");
    if (slp_is(p, SLTOK_LPAREN) && slsql_starts_query(p)) {
        slp_next(p);
        in->kind = SLFROM_SUBQUERY;
        SLTRY(slsql_query(p, &in->sub));
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the subquery"));
    } else if (table) {
        in->kind = SLFROM_TABLE;
        SLTRY(slsql_dotted(p, "a table name after TABLE", &in->name, NULL));
    } else {
        return slsql_expected(p, "TABLE and a table name");
    }
    w->input = in;
    if (slp_accept_kw(p, "PARTITION")) {
        SLTRY(slsql_expect_kw(p, "BY", "BY after PARTITION"));
        if (slp_accept(p, SLTOK_LPAREN)) {
            SLTRY(slsql_expr_list(p, &w->partition, &w->n_partition));
            SLTRY(slsql_expect(p, SLTOK_RPAREN, "',' or ')' in the PARTITION BY list"));
        } else {
            w->partition = slsql_alloc(p, sizeof *w->partition);
            w->n_partition = 1;
            SLTRY(slsql_expr(p, &w->partition[0]));
        }
    }
    return SL_OK;
}

static sl_err tvf_descriptor(slparser *p, slfrom *w) {
    SLTRY(slsql_expect_kw(p, "DESCRIPTOR", "DESCRIPTOR(time column)"));
    SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after DESCRIPTOR"));
    SLTRY(slsql_ident(p, "the name of the time column", &w->time_col, &w->time_col_pos));
    return slsql_expect(p, SLTOK_RPAREN, "')' after the time column");
}

/* TABLE ( FN ( args ) ), at TABLE. */
static sl_err parse_tvf(slparser *p, slfrom **out) {
    slfrom *w = slsql_alloc(p, sizeof *w);
    w->kind = SLFROM_WINDOW;
    w->pos = slp_cur(p)->pos;
    slp_next(p);
    slp_next(p); /* ( */
    int which = -1;
    for (size_t k = 0; k < SL_ARRAY_LEN(tvfs); k++) {
        if (slp_kw(p, tvfs[k].fn)) {
            which = (int)k;
        }
    }
    if (which < 0) {
        return slsql_expected(p, "a window function (TUMBLE, HOP, CUMULATE or SESSION)");
    }
    w->fn = tvfs[which].fn;
    int n = tvfs[which].n;
    const enum slot *slots = tvfs[which].slots;
    slp_next(p);
    char what[160];
    snprintf(what, sizeof what, "'(' after %s", w->fn);
    SLTRY(slsql_expect(p, SLTOK_LPAREN, what));
    slx *vals[5] = {0};
    bool have[5] = {0}, named = false;
    int next_slot = 0, given = 0;
    while (!slp_is(p, SLTOK_RPAREN)) {
        int slot = -1;
        const sltok *at = slp_cur(p);
        if ((at->kind == SLTOK_WORD || at->kind == SLTOK_QIDENT) &&
            slp_peek(p, 1)->kind == SLTOK_ARROW) {
            for (int k = 0; k < n; k++) {
                if (slp_tok_is(p, at, slot_name[slots[k]])) {
                    slot = k;
                }
            }
            if (slot < 0) {
                snprintf(what, sizeof what, "an argument name of %s (%s)", w->fn,
                         tvfs[which].names);
                return slsql_expected(p, what);
            }
            if (have[slot]) {
                return slsql_error_at(p, at->pos, "argument %s of %s is given twice",
                                      slot_name[slots[slot]], w->fn);
            }
            slp_next(p);
            slp_next(p);
            named = true;
        } else if (named) {
            return slsql_expected(p, "a named argument (NAME => value) after named ones");
        } else {
            slot = next_slot++;
        }
        switch (slots[slot]) {
        case S_DATA:
            SLTRY(tvf_table(p, w));
            break;
        case S_TIMECOL:
            SLTRY(tvf_descriptor(p, w));
            break;
        default:
            SLTRY(slsql_expr(p, &vals[slot]));
            break;
        }
        have[slot] = true;
        given++;
        if (!named && slot == n - 1) {
            snprintf(what, sizeof what, "')' after %s", slot_desc[slots[slot]]);
            if (!slp_is(p, SLTOK_RPAREN)) {
                return slsql_expected(p, what);
            }
            break;
        }
        if (slp_accept(p, SLTOK_COMMA)) {
            if (slp_is(p, SLTOK_RPAREN)) {
                /* TUMBLE(TABLE t, DESCRIPTOR(ts), ) */
                return slsql_expected(p, named ? "a named argument (NAME => value)"
                                               : slot_desc[slots[next_slot]]);
            }
            continue;
        }
        snprintf(what, sizeof what, "',' or ')' after %s", slot_desc[slots[slot]]);
        if (!slp_is(p, SLTOK_RPAREN)) {
            return slsql_expected(p, what);
        }
    }
    const sltok *close = slp_cur(p); /* the ')' ending the arguments */
    slp_next(p);
    for (int k = 0; k < tvfs[which].required; k++) {
        if (!have[k]) {
            snprintf(what, sizeof what, "%s%s", given ? "',' and " : "", slot_desc[slots[k]]);
            return slsql_expected_at(p, close, what);
        }
    }
    int cap = 0;
    for (int k = 2; k < n; k++) {
        if (have[k]) {
            slsql_push(p, &w->args, &w->n_args, &cap, &vals[k], sizeof vals[k]);
        }
    }
    snprintf(what, sizeof what, "')' after %s(...)", w->fn);
    SLTRY(slsql_expect(p, SLTOK_RPAREN, what));
    *out = w;
    return SL_OK;
}

/* ---- FROM ---- */

/* [AS] alias after a FROM item. */
static sl_err from_alias(slparser *p, slfrom *f) {
    if (slp_accept_kw(p, "AS")) {
        return slsql_ident(p, "an alias after AS", &f->alias, NULL);
    }
    if (slsql_is_ident(p, slp_cur(p))) {
        return slsql_ident(p, "an alias", &f->alias, NULL);
    }
    return SL_OK;
}

/* `f MATCH_RECOGNIZE (...) [AS] alias`: wrap f when the clause follows. */
static sl_err match_recognize(slparser *p, slfrom **f) {
    if (slp_kw(p, "MATCH_RECOGNIZE")) {
        SLTRY(slsql_match_recognize(p, *f, f));
        SLTRY(from_alias(p, *f));
    }
    return SL_OK;
}

static sl_err from_primary(slparser *p, slfrom **out) {
    const sltok *t = slp_cur(p);
    slfrom *f = NULL;
    if (slp_kw(p, "TABLE") && slp_peek(p, 1)->kind == SLTOK_LPAREN) {
        SLTRY(parse_tvf(p, &f));
    } else if (slp_kw(p, "LATERAL") || slp_kw(p, "UNNEST")) {
        return slsql_error_at(p, t->pos, "%s is not supported yet",
                              slp_kw(p, "LATERAL") ? "LATERAL TABLE" : "UNNEST");
    } else if (t->kind == SLTOK_LPAREN && slsql_starts_query(p)) {
        slp_next(p);
        f = slsql_alloc(p, sizeof *f);
        f->kind = SLFROM_SUBQUERY;
        f->pos = t->pos;
        SLTRY(slsql_query(p, &f->sub));
        SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the subquery"));
    } else if (t->kind == SLTOK_LPAREN) {
        /* (a JOIN b ON ..): a parenthesised join takes no alias */
        slp_next(p);
        SLTRY(slsql_enter(p));
        SLTRY(parse_from(p, out));
        p->depth--;
        return slsql_expect(p, SLTOK_RPAREN, "')' after the joined tables");
    } else {
        f = slsql_alloc(p, sizeof *f);
        f->kind = SLFROM_TABLE;
        f->pos = t->pos;
        SLTRY(slsql_dotted(p, "a table name", &f->name, NULL));
        if (slp_kw(p, "MATCH_RECOGNIZE")) {
            SLTRY(match_recognize(p, &f));
            *out = f;
            return SL_OK;
        }
        if (slp_kw(p, "FOR")) {
            slp_next(p);
            SLTRY(slsql_expect_kw(p, "SYSTEM_TIME", "SYSTEM_TIME after FOR"));
            SLTRY(slsql_expect_kw(p, "AS", "AS OF after FOR SYSTEM_TIME"));
            SLTRY(slsql_expect_kw(p, "OF", "OF after FOR SYSTEM_TIME AS"));
            SLTRY(slsql_expr(p, &f->as_of));
        }
    }
    SLTRY(from_alias(p, f));
    SLTRY(match_recognize(p, &f));
    *out = f;
    return SL_OK;
}

static slfrom *join(slparser *p, sljoin_kind kind, slfrom *l, slfrom *r, slpos pos) {
    slfrom *j = slsql_alloc(p, sizeof *j);
    j->kind = SLFROM_JOIN;
    j->pos = pos;
    j->join = kind;
    j->left = l;
    j->right = r;
    return j;
}

/* The join type at the current token, consuming "[INNER] JOIN", "LEFT
 * [OUTER] JOIN", ...; 0 when no join follows. */
static sl_err join_kind(slparser *p, sljoin_kind *out) {
    *out = 0;
    if (slp_accept_kw(p, "JOIN")) {
        *out = SLJOIN_INNER;
        return SL_OK;
    }
    if (slp_kw(p, "NATURAL")) {
        return slsql_error_at(p, slp_cur(p)->pos, "NATURAL JOIN is not supported");
    }
    sljoin_kind k = 0;
    bool outer = false;
    if (slp_kw(p, "INNER")) {
        k = SLJOIN_INNER;
    } else if (slp_kw(p, "CROSS")) {
        k = SLJOIN_CROSS;
    } else if (slp_kw(p, "LEFT")) {
        k = SLJOIN_LEFT;
        outer = true;
    } else if (slp_kw(p, "RIGHT")) {
        k = SLJOIN_RIGHT;
        outer = true;
    } else if (slp_kw(p, "FULL")) {
        k = SLJOIN_FULL;
        outer = true;
    } else {
        return SL_OK;
    }
    slp_next(p);
    if (outer) {
        slp_accept_kw(p, "OUTER");
    }
    SLTRY(slsql_expect_kw(p, "JOIN", outer ? "[OUTER] JOIN" : "JOIN"));
    *out = k;
    return SL_OK;
}

static sl_err parse_from(slparser *p, slfrom **out) {
    slpos pos = slp_cur(p)->pos;
    slfrom *l, *r;
    SLTRY(from_primary(p, &l));
    for (;;) {
        if (slp_accept(p, SLTOK_COMMA)) {
            SLTRY(from_primary(p, &r));
            l = join(p, SLJOIN_CROSS, l, r, pos);
            continue;
        }
        sljoin_kind kind;
        SLTRY(join_kind(p, &kind));
        if (!kind) {
            break;
        }
        SLTRY(from_primary(p, &r));
        l = join(p, kind, l, r, pos);
        if (kind == SLJOIN_CROSS) {
            continue;
        }
        if (slp_accept_kw(p, "ON")) {
            SLTRY(slsql_expr(p, &l->on));
        } else if (slp_kw(p, "USING")) {
            slp_next(p);
            SLTRY(slsql_ident_list(p, "USING list", &l->using_cols, &l->n_using));
        } else {
            return slsql_expected(p, "ON or USING after the joined table");
        }
    }
    *out = l;
    return SL_OK;
}

/* ---- SELECT ---- */

typedef struct named_window {
    const char *name; /* arena */
    slover *o;        /* arena */
} named_window;

/* Resolve the OVER w references made since `mark` against the WINDOW clause. */
static sl_err resolve_windows(slparser *p, int mark, named_window *defs, int n_defs) {
    for (int k = mark; k < p->n_pending; k++) {
        slover *o = p->pending[k];
        const slover *def = NULL;
        for (int d = 0; d < n_defs && !def; d++) {
            if (slstr_ieq(defs[d].name, o->name, strlen(o->name))) {
                def = defs[d].o;
            }
        }
        if (!def) {
            return slsql_error_at(p, o->pos,
                                  "unknown window '%s' (define it in the WINDOW clause of the "
                                  "SELECT)",
                                  o->name);
        }
        o->partition = def->partition;
        o->n_partition = def->n_partition;
        o->order = def->order;
        o->n_order = def->n_order;
        o->frame = def->frame;
        o->preceding = def->preceding;
    }
    p->n_pending = mark;
    return SL_OK;
}

static sl_err parse_select(slparser *p, slselect **out) {
    slselect *s = slsql_alloc(p, sizeof *s);
    s->pos = slp_cur(p)->pos;
    int mark = p->n_pending;
    slp_next(p);
    if (slp_accept_kw(p, "DISTINCT")) {
        s->distinct = true;
    } else {
        slp_accept_kw(p, "ALL");
    }
    int cap = 0;
    do {
        slitem it = {0};
        it.pos = slp_cur(p)->pos;
        if (slp_is(p, SLTOK_STAR)) {
            it.e = slsql_newx(p, SLX_STAR, it.pos);
            slp_next(p);
        } else {
            SLTRY(slsql_expr(p, &it.e));
        }
        if (slp_accept_kw(p, "AS")) {
            SLTRY(slsql_ident(p, "an alias after AS", &it.alias, NULL));
        } else if (slsql_is_ident(p, slp_cur(p))) {
            SLTRY(slsql_ident(p, "an alias", &it.alias, NULL));
        }
        slsql_push(p, &s->items, &s->n_items, &cap, &it, sizeof it);
    } while (slp_accept(p, SLTOK_COMMA));
    if (slp_accept_kw(p, "FROM")) {
        SLTRY(parse_from(p, &s->from));
    }
    if (slp_accept_kw(p, "WHERE")) {
        SLTRY(slsql_expr(p, &s->where));
    }
    if (slp_accept_kw(p, "GROUP")) {
        SLTRY(slsql_expect_kw(p, "BY", "BY after GROUP"));
        SLTRY(slsql_expr_list(p, &s->group_by, &s->n_group_by));
    }
    if (slp_accept_kw(p, "HAVING")) {
        SLTRY(slsql_expr(p, &s->having));
    }
    named_window *defs = NULL;
    int n_defs = 0, cap_defs = 0;
    if (slp_accept_kw(p, "WINDOW")) {
        do {
            named_window d;
            d.o = slsql_alloc(p, sizeof *d.o);
            SLTRY(slsql_ident(p, "a window name", &d.name, &d.o->pos));
            SLTRY(slsql_expect_kw(p, "AS", "AS after the window name"));
            SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after AS"));
            SLTRY(slsql_window_spec(p, d.o));
            SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' to close the window definition"));
            slsql_push(p, &defs, &n_defs, &cap_defs, &d, sizeof d);
        } while (slp_accept(p, SLTOK_COMMA));
    }
    SLTRY(resolve_windows(p, mark, defs, n_defs));
    *out = s;
    return SL_OK;
}

/* ---- queries ---- */

static slquery *setop(slparser *p, slset_op op, slquery *l, slquery *r, int start) {
    slquery *q = slsql_alloc(p, sizeof *q);
    q->op = op;
    q->left = l;
    q->right = r;
    q->pos = p->tok[start].pos;
    q->text = slsql_span(p, start, p->i - 1);
    return q;
}

/* SELECT ... | ( query ) */
static sl_err query_term(slparser *p, slquery **out) {
    int start = p->i;
    if (slp_kw(p, "SELECT")) {
        slquery *q = slsql_alloc(p, sizeof *q);
        q->pos = slp_cur(p)->pos;
        SLTRY(parse_select(p, &q->select));
        q->text = slsql_span(p, start, p->i - 1);
        *out = q;
        return SL_OK;
    }
    if (slp_accept(p, SLTOK_LPAREN)) {
        SLTRY(slsql_query(p, out));
        return slsql_expect(p, SLTOK_RPAREN, "')' after the query");
    }
    if (slp_kw(p, "VALUES")) {
        return slsql_error_at(p, slp_cur(p)->pos, "VALUES is not supported yet");
    }
    return slsql_expected(p, "a query (SELECT ...)");
}

static sl_err no_all(slparser *p, const char *op) {
    if (slp_kw(p, "ALL")) {
        return slsql_error_at(p, slp_cur(p)->pos, "%s ALL is not supported", op);
    }
    slp_accept_kw(p, "DISTINCT");
    return SL_OK;
}

static sl_err query_intersect(slparser *p, slquery **out) {
    int start = p->i;
    slquery *l, *r;
    SLTRY(query_term(p, &l));
    while (slp_accept_kw(p, "INTERSECT")) {
        SLTRY(no_all(p, "INTERSECT"));
        SLTRY(query_term(p, &r));
        l = setop(p, SLSET_INTERSECT, l, r, start);
    }
    *out = l;
    return SL_OK;
}

static sl_err query_set(slparser *p, slquery **out) {
    int start = p->i;
    slquery *l, *r;
    SLTRY(query_intersect(p, &l));
    for (;;) {
        slset_op op;
        if (slp_accept_kw(p, "UNION")) {
            op = slp_accept_kw(p, "ALL") ? SLSET_UNION_ALL : SLSET_UNION;
            if (op == SLSET_UNION) {
                slp_accept_kw(p, "DISTINCT");
            }
        } else if (slp_accept_kw(p, "EXCEPT")) {
            SLTRY(no_all(p, "EXCEPT"));
            op = SLSET_EXCEPT;
        } else {
            break;
        }
        SLTRY(query_intersect(p, &r));
        l = setop(p, op, l, r, start);
    }
    *out = l;
    return SL_OK;
}

sl_err slsql_query(slparser *p, slquery **out) {
    SLTRY(slsql_enter(p));
    int start = p->i;
    slpos pos = slp_cur(p)->pos;
    slcte *with = NULL;
    int n_with = 0, cap = 0;
    if (slp_accept_kw(p, "WITH")) {
        if (slp_kw(p, "RECURSIVE")) {
            return slsql_error_at(p, slp_cur(p)->pos, "WITH RECURSIVE is not supported");
        }
        do {
            slcte c = {0};
            SLTRY(slsql_ident(p, "a name for the WITH query", &c.name, &c.pos));
            SLTRY(slsql_expect_kw(p, "AS", "AS after the name of the WITH query"));
            SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after AS"));
            SLTRY(slsql_query(p, &c.q));
            SLTRY(slsql_expect(p, SLTOK_RPAREN, "')' after the WITH query"));
            slsql_push(p, &with, &n_with, &cap, &c, sizeof c);
        } while (slp_accept(p, SLTOK_COMMA));
    }
    slquery *q;
    SLTRY(query_set(p, &q));
    if (slp_kw(p, "ORDER")) {
        slpos at = slp_cur(p)->pos;
        slp_next(p);
        SLTRY(slsql_expect_kw(p, "BY", "BY after ORDER"));
        if (q->n_order || q->limit) {
            return slsql_error_at(p, at,
                                  "ORDER BY after a parenthesised query that has ORDER BY or "
                                  "LIMIT is not supported");
        }
        SLTRY(slsql_order_list(p, &q->order, &q->n_order));
    }
    if (slp_kw(p, "LIMIT")) {
        if (q->limit) {
            return slsql_error_at(p, slp_cur(p)->pos,
                                  "LIMIT after a parenthesised query that has LIMIT is not "
                                  "supported");
        }
        slp_next(p);
        SLTRY(slsql_expr(p, &q->limit));
    }
    if (n_with) {
        for (int k = 0; k < q->n_with; k++) {
            slsql_push(p, &with, &n_with, &cap, &q->with[k], sizeof q->with[k]);
        }
        q->with = with;
        q->n_with = n_with;
    }
    q->pos = pos;
    q->text = slsql_span(p, start, p->i - 1);
    p->depth--;
    *out = q;
    return SL_OK;
}
