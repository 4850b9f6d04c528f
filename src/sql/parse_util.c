/*
 * parse_util.c - what every part of the parser uses: error messages with the
 * position of the offending token, the recursion guard, arena allocation and
 * arrays, identifiers and the reserved words, string literal values.
 *
 * Error messages have one form, "FILE:LINE:COL: expected X, found 'TOKEN'"
 * (or "found end of input"); other errors are "FILE:LINE:COL: <reason>".
 * A token is shown as written, cut at 40 bytes or at a line end ("..."),
 * control bytes as \xNN.
 */
#include <stdio.h>

#include "sql/parse_int.h"

/* Words that are never identifiers unless `quoted`: the ones the grammar needs
 * to decide structure (what may follow an expression, a select item or a
 * table reference without an AS). Everything else (user, value, count, data,
 * window_start, timestamp, ...) may name a column or table as is. */
static const char *const reserved[] = {
    "ALL",       "AND",      "AS",
    "BETWEEN",   "BY",       "CASE",
    "CAST",      "CREATE",   "CROSS",
    "DISTINCT",  "ELSE",     "END",
    "ESCAPE",    "EXCEPT",   "EXISTS",
    "FALSE",     "FOR",      "FROM",
    "FULL",      "GROUP",    "HAVING",
    "IN",        "INNER",    "INSERT",
    "INTERSECT", "INTERVAL", "IS",
    "JOIN",      "LATERAL",  "LEFT",
    "LIKE",      "LIMIT",    "MATCH_RECOGNIZE",
    "NATURAL",   "NOT",      "NULL",
    "ON",        "OR",       "ORDER",
    "OUTER",     "OVER",     "RIGHT",
    "SELECT",    "SIMILAR",  "TABLE",
    "THEN",      "TRUE",     "UNION",
    "USING",     "VALUES",   "WHEN",
    "WHERE",     "WINDOW",   "WITH",
};

bool slsql_reserved(const char *s, size_t n) {
    for (size_t k = 0; k < SL_ARRAY_LEN(reserved); k++) {
        if (slstr_ieq(reserved[k], s, n)) {
            return true;
        }
    }
    return false;
}

/* ---- errors ---- */

/* The token as shown in messages: 'text' or "end of input". */
static void render(const slparser *p, const sltok *t, char *buf, size_t cap) {
    if (t->kind == SLTOK_EOF) {
        snprintf(buf, cap, "end of input");
        return;
    }
    const char *s = p->src + t->off;
    size_t n = t->len, o = 0, k = 0;
    bool cut = false;
    buf[o++] = '\'';
    for (; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == '\n' || k >= 40) {
            cut = true;
            break;
        }
        if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    if (cut) {
        /* Do not end inside a UTF-8 sequence. */
        while (o > 1 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80) {
            o--;
        }
        if (o > 1 && (unsigned char)buf[o - 1] >= 0xC0) {
            o--;
        }
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
}

sl_err slsql_expected_at(slparser *p, const sltok *t, const char *what) {
    if (t->kind == SLTOK_ERROR) {
        return slerr_set(SL_ERR_PARSE, "%s:%d:%d: %s", p->file, t->pos.line, t->pos.col, p->lexerr);
    }
    char shown[200];
    render(p, t, shown, sizeof shown);
    return slerr_set(SL_ERR_PARSE, "%s:%d:%d: expected %s, found %s", p->file, t->pos.line,
                     t->pos.col, what, shown);
}

sl_err slsql_expected(slparser *p, const char *what) {
    return slsql_expected_at(p, slp_cur(p), what);
}

sl_err slsql_error_at(slparser *p, slpos pos, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return slerr_set(SL_ERR_PARSE, "%s:%d:%d: %s", p->file, pos.line, pos.col, msg);
}

sl_err slsql_expect(slparser *p, sltok_kind k, const char *what) {
    if (!slp_accept(p, k)) {
        return slsql_expected(p, what);
    }
    return SL_OK;
}

sl_err slsql_expect_kw(slparser *p, const char *kw, const char *what) {
    if (!slp_accept_kw(p, kw)) {
        return slsql_expected(p, what);
    }
    return SL_OK;
}

sl_err slsql_enter(slparser *p) {
    if (p->depth >= SLSQL_MAX_DEPTH) {
        return slsql_error_at(p, slp_cur(p)->pos, "nested too deeply (more than %d levels)",
                              SLSQL_MAX_DEPTH);
    }
    p->depth++;
    return SL_OK;
}

/* ---- memory ---- */

void *slsql_alloc(slparser *p, size_t n) {
    void *m = slarena_alloc(p->arena, n);
    memset(m, 0, n);
    return m;
}

slx *slsql_newx(slparser *p, slx_kind kind, slpos pos) {
    slx *e = slsql_alloc(p, sizeof *e);
    e->kind = kind;
    e->pos = pos;
    return e;
}

const char *slsql_strndup(slparser *p, const char *s, size_t n) {
    char *d = slarena_alloc(p->arena, n + 1);
    if (n) {
        memcpy(d, s, n);
    }
    d[n] = '\0';
    return d;
}

const char *slsql_span(slparser *p, int from, int to) {
    if (to < from) {
        return slsql_strndup(p, "", 0);
    }
    const sltok *a = &p->tok[from], *b = &p->tok[to];
    return slsql_strndup(p, p->src + a->off, b->off + b->len - a->off);
}

void slsql_push(slparser *p, void *arr, int *n, int *cap, const void *elem, size_t size) {
    char **a = arr;
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        char *grown = slarena_alloc(p->arena, slmem_mul((size_t)ncap, size));
        if (*n) {
            memcpy(grown, *a, (size_t)*n * size);
        }
        *a = grown;
        *cap = ncap;
    }
    memcpy(*a + (size_t)*n * size, elem, size);
    (*n)++;
}

/* ---- names and literals ---- */

const char *slsql_upper(slparser *p, const sltok *t) {
    char *d = slarena_alloc(p->arena, t->len + 1);
    const char *s = p->src + t->off;
    for (size_t k = 0; k < t->len; k++) {
        char c = s[k];
        d[k] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    d[t->len] = '\0';
    return d;
}

/* The body of a token quoted with q (first and last byte), doubled q undone. */
static const char *unquote(slparser *p, const sltok *t, char q, size_t *len) {
    const char *s = p->src + t->off + 1;
    size_t n = t->len - 2;
    char *d = slarena_alloc(p->arena, n + 1);
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        d[o++] = s[k];
        if (s[k] == q) {
            k++; /* the lexer guarantees quotes inside come in pairs */
        }
    }
    d[o] = '\0';
    if (len) {
        *len = o;
    }
    return d;
}

const char *slsql_string(slparser *p, const sltok *t, size_t *len) {
    return unquote(p, t, '\'', len);
}

bool slsql_is_ident(const slparser *p, const sltok *t) {
    return t->kind == SLTOK_QIDENT ||
           (t->kind == SLTOK_WORD && !slsql_reserved(p->src + t->off, t->len));
}

/* The name of a WORD or QIDENT token. */
static const char *name_of(slparser *p, const sltok *t) {
    if (t->kind == SLTOK_QIDENT) {
        return unquote(p, t, '`', NULL);
    }
    return slsql_strndup(p, p->src + t->off, t->len);
}

sl_err slsql_ident(slparser *p, const char *what, const char **out, slpos *pos) {
    const sltok *t = slp_cur(p);
    if (!slsql_is_ident(p, t)) {
        return slsql_expected(p, what);
    }
    *out = name_of(p, t);
    if (pos) {
        *pos = t->pos;
    }
    slp_next(p);
    return SL_OK;
}

sl_err slsql_dotted(slparser *p, const char *what, const char **out, slpos *pos) {
    SLTRY(slsql_ident(p, what, out, pos));
    while (slp_is(p, SLTOK_DOT)) {
        const sltok *t = slp_peek(p, 1);
        if (!slsql_is_ident(p, t)) {
            slp_next(p);
            return slsql_expected(p, "a name after '.'");
        }
        const char *part = name_of(p, t);
        size_t a = strlen(*out), b = strlen(part);
        char *joined = slarena_alloc(p->arena, a + b + 2);
        memcpy(joined, *out, a);
        joined[a] = '.';
        memcpy(joined + a + 1, part, b + 1);
        *out = joined;
        slp_next(p);
        slp_next(p);
    }
    return SL_OK;
}

sl_err slsql_ident_list(slparser *p, const char *list, const char ***out, int *n) {
    char what[120];
    snprintf(what, sizeof what, "'(' to start the %s", list);
    SLTRY(slsql_expect(p, SLTOK_LPAREN, what));
    int cap = 0;
    *out = NULL;
    *n = 0;
    for (;;) {
        const char *name;
        SLTRY(slsql_ident(p, "a column name", &name, NULL));
        slsql_push(p, out, n, &cap, &name, sizeof name);
        if (slp_accept(p, SLTOK_COMMA)) {
            continue;
        }
        snprintf(what, sizeof what, "',' or ')' in %s", list);
        return slsql_expect(p, SLTOK_RPAREN, what);
    }
}
