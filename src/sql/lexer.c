/*
 * lexer.c - tokens of Flink-dialect SQL for the parser (parse_*.c).
 *
 * Words are identifiers or keywords (the parser decides by context; keywords
 * compare case-insensitively). `Backquoted` identifiers, 'strings' with ''
 * escapes, numbers (12, 1.5, .5, 1e3), the operators of parse_int.h; comments
 * "-- to end of line" and C-style block comments are skipped (so Flink's
 * hints, written as block comments starting with '+', are ignored).
 *
 * Positions: lines and columns are 1-based; a column counts characters
 * (UTF-8 continuation bytes do not start one), a tab is one column.
 *
 * Errors stop the lexer: the last token is then SLTOK_ERROR at the position of
 * the construct that failed (the opening quote of an unterminated string),
 * with the reason in sltokens.err. Called by slsql_parse only.
 */
#include <stdio.h>

#include "sql/parse_int.h"

typedef struct lexer {
    const char *s; /* borrowed: the text */
    size_t n, i;   /* its length, the current offset */
    slpos pos;     /* of offset i */
    sltokens *out; /* borrowed: where tokens go */
    int cap;       /* of out->v */
} lexer;

static void advance(lexer *L, size_t k) {
    for (size_t j = 0; j < k && L->i < L->n; j++, L->i++) {
        unsigned char c = (unsigned char)L->s[L->i];
        if (c == '\n') {
            L->pos.line++;
            L->pos.col = 1;
        } else if ((c & 0xC0) != 0x80) {
            L->pos.col++;
        }
    }
}

static void emit(lexer *L, sltok_kind kind, size_t off, size_t len, slpos pos) {
    sltokens *o = L->out;
    if (o->n == L->cap) {
        size_t cap = (size_t)L->cap;
        slmem_grow((void **)&o->v, &cap, cap + 1, sizeof *o->v);
        L->cap = cap > INT32_MAX ? INT32_MAX : (int)cap;
    }
    o->v[o->n++] = (sltok){kind, off, len, pos};
}

static bool is_ident_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}

static unsigned char at(const lexer *L, size_t k) {
    return L->i + k < L->n ? (unsigned char)L->s[L->i + k] : 0;
}

/* Stop with an error token at `pos` (offset `off`). */
static void fail(lexer *L, size_t off, slpos pos, const char *msg) {
    snprintf(L->out->err, sizeof L->out->err, "%s", msg);
    emit(L, SLTOK_ERROR, off, L->n - off < 1 ? 0 : 1, pos);
}

/* Scan a quoted run ending at `q` where a doubled q stands for one; returns
 * false when the text ends first. On success L->i is past the closing quote. */
static bool quoted(lexer *L, char q) {
    advance(L, 1);
    while (L->i < L->n) {
        if (L->s[L->i] == q) {
            if (at(L, 1) == (unsigned char)q) {
                advance(L, 2);
                continue;
            }
            advance(L, 1);
            return true;
        }
        advance(L, 1);
    }
    return false;
}

/* A number: digits [. digits] [e [+-] digits], or . digits [...]. */
static bool number(lexer *L, sltok_kind *kind) {
    *kind = SLTOK_INT;
    while (is_digit(at(L, 0))) {
        advance(L, 1);
    }
    if (at(L, 0) == '.') {
        *kind = SLTOK_DECIMAL;
        advance(L, 1);
        while (is_digit(at(L, 0))) {
            advance(L, 1);
        }
    }
    if (at(L, 0) == 'e' || at(L, 0) == 'E') {
        size_t k = 1;
        if (at(L, 1) == '+' || at(L, 1) == '-') {
            k = 2;
        }
        if (!is_digit(at(L, k))) {
            return false;
        }
        *kind = SLTOK_DECIMAL;
        advance(L, k);
        while (is_digit(at(L, 0))) {
            advance(L, 1);
        }
    }
    /* 12abc is neither a number nor a name. */
    return !is_ident_char(at(L, 0));
}

void sllex_run(const char *text, size_t len, sltokens *out) {
    lexer L = {text, len, 0, {1, 1}, out, 0};
    out->v = NULL;
    out->n = 0;
    out->err[0] = '\0';
    while (L.i < L.n) {
        unsigned char c = at(&L, 0);
        size_t off = L.i;
        slpos pos = L.pos;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            advance(&L, 1);
            continue;
        }
        if (c == '-' && at(&L, 1) == '-') {
            while (L.i < L.n && L.s[L.i] != '\n') {
                advance(&L, 1);
            }
            continue;
        }
        if (c == '/' && at(&L, 1) == '*') {
            advance(&L, 2);
            while (L.i < L.n && !(at(&L, 0) == '*' && at(&L, 1) == '/')) {
                advance(&L, 1);
            }
            if (L.i >= L.n) {
                fail(&L, off, pos, "unterminated comment (missing */)");
                return;
            }
            advance(&L, 2);
            continue;
        }
        if (is_ident_start(c)) {
            while (L.i < L.n && is_ident_char(at(&L, 0))) {
                advance(&L, 1);
            }
            emit(&L, SLTOK_WORD, off, L.i - off, pos);
            continue;
        }
        if (c == '`') {
            if (!quoted(&L, '`')) {
                fail(&L, off, pos, "unterminated quoted identifier (missing `)");
                return;
            }
            if (L.i - off == 2) {
                fail(&L, off, pos, "empty quoted identifier");
                return;
            }
            emit(&L, SLTOK_QIDENT, off, L.i - off, pos);
            continue;
        }
        if (c == '\'') {
            if (!quoted(&L, '\'')) {
                fail(&L, off, pos, "unterminated string literal (missing ')");
                return;
            }
            emit(&L, SLTOK_STRING, off, L.i - off, pos);
            continue;
        }
        if (is_digit(c) || (c == '.' && is_digit(at(&L, 1)))) {
            sltok_kind kind;
            if (!number(&L, &kind)) {
                while (L.i < L.n && (is_ident_char(at(&L, 0)) || at(&L, 0) == '.')) {
                    advance(&L, 1);
                }
                char msg[120];
                snprintf(msg, sizeof msg, "malformed number '%.*s'", (int)SL_MIN(L.i - off, 40),
                         text + off);
                fail(&L, off, pos, msg);
                return;
            }
            emit(&L, kind, off, L.i - off, pos);
            continue;
        }
        sltok_kind kind = SLTOK_OTHER;
        size_t k = 1;
        unsigned char d = at(&L, 1);
        switch (c) {
        case '(':
            kind = SLTOK_LPAREN;
            break;
        case ')':
            kind = SLTOK_RPAREN;
            break;
        case ',':
            kind = SLTOK_COMMA;
            break;
        case ';':
            kind = SLTOK_SEMI;
            break;
        case '.':
            kind = SLTOK_DOT;
            break;
        case '*':
            kind = SLTOK_STAR;
            break;
        case '+':
            kind = SLTOK_PLUS;
            break;
        case '-':
            kind = SLTOK_MINUS;
            break;
        case '/':
            kind = SLTOK_SLASH;
            break;
        case '%':
            kind = SLTOK_PERCENT;
            break;
        case '|':
            if (d == '|') {
                kind = SLTOK_CONCAT;
                k = 2;
            }
            break;
        case '=':
            kind = SLTOK_EQ;
            if (d == '>') {
                kind = SLTOK_ARROW;
                k = 2;
            }
            break;
        case '!':
            if (d == '=') {
                kind = SLTOK_NE;
                k = 2;
            }
            break;
        case '<':
            kind = SLTOK_LT;
            if (d == '=') {
                kind = SLTOK_LE;
                k = 2;
            } else if (d == '>') {
                kind = SLTOK_NE;
                k = 2;
            }
            break;
        case '>':
            kind = SLTOK_GT;
            if (d == '=') {
                kind = SLTOK_GE;
                k = 2;
            }
            break;
        default:
            break;
        }
        advance(&L, k);
        emit(&L, kind, off, k, pos);
    }
    emit(&L, SLTOK_EOF, L.n, 0, L.pos);
}

void sllex_free(sltokens *t) {
    slmem_free(t->v);
    t->v = NULL;
    t->n = 0;
}
