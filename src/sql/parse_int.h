/*
 * parse_int.h - private to src/sql/: the tokens of lexer.c and the parser state
 * shared by parse_expr.c (expressions, types, OVER), parse_query.c (queries,
 * FROM, window TVFs) and parse_stmt.c (statements, slsql_parse).
 *
 * The lexer turns the whole text into an array of tokens up front; the last
 * token is SLTOK_EOF, or SLTOK_ERROR when the text could not be tokenised
 * (unterminated string, quoted identifier or comment, a malformed number):
 * the parser reports that error only if it gets that far, so a syntax error
 * earlier in the text is reported first.
 *
 * Parse functions return sl_err with the tree through an out-parameter. All
 * nodes live in the script's arena, so an error just unwinds: nothing is
 * freed along the way. The first error sets the message (slerr_set) with the
 * position of the offending token; callers only pass the code up (SLTRY).
 *
 * Recursion: every function that may recurse into itself through the grammar
 * (expressions, queries, FROM items, nested types) goes through slsql_enter,
 * which fails beyond SLSQL_MAX_DEPTH levels. Trees made deep by iteration
 * (a long chain of a + b + c ..., UNIONs or joins) are bounded after each
 * statement by a walk that refuses trees taller than SLSQL_MAX_HEIGHT, so the
 * binder, the dump and the planner can recurse over any tree we return.
 */
#ifndef SL_SQL_PARSE_INT_H
#define SL_SQL_PARSE_INT_H

#include "sql/ast.h"

#define SLSQL_MAX_DEPTH 200
#define SLSQL_MAX_HEIGHT 1000

/* ---- tokens (lexer.c) ---- */

typedef enum sltok_kind {
    SLTOK_EOF = 0,
    SLTOK_ERROR,   /* the text could not be tokenised here: sltokens.err */
    SLTOK_WORD,    /* identifier or keyword: [A-Za-z_][A-Za-z0-9_$]*, UTF-8 letters */
    SLTOK_QIDENT,  /* `quoted identifier` (`` inside stands for one `) */
    SLTOK_STRING,  /* 'string' ('' inside stands for one ') */
    SLTOK_INT,     /* 123 */
    SLTOK_DECIMAL, /* 1.5  .5  1e3  1.5E-3 */
    SLTOK_LPAREN,
    SLTOK_RPAREN,
    SLTOK_COMMA,
    SLTOK_SEMI,
    SLTOK_DOT,
    SLTOK_STAR,
    SLTOK_PLUS,
    SLTOK_MINUS,
    SLTOK_SLASH,
    SLTOK_PERCENT,
    SLTOK_CONCAT, /* || */
    SLTOK_EQ,
    SLTOK_NE, /* <> or != */
    SLTOK_LT,
    SLTOK_LE,
    SLTOK_GT,
    SLTOK_GE,
    SLTOK_ARROW, /* => */
    SLTOK_OTHER, /* any other character: only ever reported in a message */
} sltok_kind;

typedef struct sltok {
    sltok_kind kind;
    size_t off, len; /* the token's bytes in the source text */
    slpos pos;       /* of its first byte; columns count characters, a tab is one */
} sltok;

typedef struct sltokens {
    sltok *v; /* owned; n >= 1, v[n - 1] is SLTOK_EOF or SLTOK_ERROR */
    int n;
    char err[160]; /* the message of the SLTOK_ERROR token, without position */
} sltokens;

/* Tokenise `len` bytes of `text` (borrowed). Comments and white space are
 * dropped. Never fails: a lexical error becomes the last token. */
void sllex_run(const char *text, size_t len, sltokens *out);
void sllex_free(sltokens *t);

/* ---- parser state ---- */

typedef struct slparser {
    const char *src; /* borrowed: the text being parsed */
    size_t len;
    const char *file; /* arena */
    const sltok *tok; /* borrowed from the sltokens */
    int n_tok;
    int i;              /* the current token */
    const char *lexerr; /* borrowed: sltokens.err */
    slarena *arena;     /* borrowed: the script's */
    int depth;          /* recursion depth (slsql_enter) */
    /* OVER w references of the SELECTs being parsed, resolved when their
     * WINDOW clause has been read (a stack: inner SELECTs pop theirs). */
    slover **pending; /* arena */
    int n_pending, cap_pending;
} slparser;

#define SLTRY(x)                                                                                   \
    do {                                                                                           \
        sl_err slerr_try_ = (x);                                                                   \
        if (slerr_try_ != SL_OK) {                                                                 \
            return slerr_try_;                                                                     \
        }                                                                                          \
    } while (0)

static inline const sltok *slp_cur(const slparser *p) {
    return &p->tok[p->i];
}

static inline const sltok *slp_peek(const slparser *p, int k) {
    int j = p->i + k;
    return &p->tok[j < p->n_tok ? j : p->n_tok - 1];
}

static inline void slp_next(slparser *p) {
    if (p->i < p->n_tok - 1) {
        p->i++;
    }
}

static inline bool slp_tok_is(const slparser *p, const sltok *t, const char *kw) {
    return t->kind == SLTOK_WORD && slstr_ieq(kw, p->src + t->off, t->len);
}

/* Is the current token the keyword `kw` (upper case)? */
static inline bool slp_kw(const slparser *p, const char *kw) {
    return slp_tok_is(p, slp_cur(p), kw);
}

static inline bool slp_kw_at(const slparser *p, int k, const char *kw) {
    return slp_tok_is(p, slp_peek(p, k), kw);
}

static inline bool slp_is(const slparser *p, sltok_kind k) {
    return slp_cur(p)->kind == k;
}

static inline bool slp_accept_kw(slparser *p, const char *kw) {
    if (slp_kw(p, kw)) {
        slp_next(p);
        return true;
    }
    return false;
}

static inline bool slp_accept(slparser *p, sltok_kind k) {
    if (slp_is(p, k)) {
        slp_next(p);
        return true;
    }
    return false;
}

/* ---- parser helpers (parse_stmt.c) ---- */

/* "FILE:L:C: expected <what>, found '<current token>'" (or the lexer's
 * message when the current token is the lexical error). Returns SL_ERR_PARSE. */
sl_err slsql_expected(slparser *p, const char *what);
sl_err slsql_expected_at(slparser *p, const sltok *t, const char *what);
/* "FILE:L:C: <message>". Returns SL_ERR_PARSE. */
sl_err slsql_error_at(slparser *p, slpos pos, const char *fmt, ...) SL_PRINTF(3, 4);
/* Consume a token of kind `k` / the keyword `kw`, or fail with "expected <what>". */
sl_err slsql_expect(slparser *p, sltok_kind k, const char *what);
sl_err slsql_expect_kw(slparser *p, const char *kw, const char *what);
/* Enter one level of recursion; fails beyond SLSQL_MAX_DEPTH. The caller
 * decrements p->depth when it returns successfully. */
sl_err slsql_enter(slparser *p);

/* Zeroed arena memory. */
void *slsql_alloc(slparser *p, size_t n);
slx *slsql_newx(slparser *p, slx_kind kind, slpos pos);
/* A NUL-terminated arena copy of n bytes. */
const char *slsql_strndup(slparser *p, const char *s, size_t n);
/* The source text of tokens [from, to] (inclusive), as an arena string. */
const char *slsql_span(slparser *p, int from, int to);
/* Append `elem` (of `size` bytes) to the arena array *arr of *n elements and
 * capacity *cap, growing it by doubling into fresh arena memory. */
void slsql_push(slparser *p, void *arr, int *n, int *cap, const void *elem, size_t size);
/* The current token's text, upper case, as an arena string. */
const char *slsql_upper(slparser *p, const sltok *t);
/* The value of a string token, quotes removed and '' unescaped. */
const char *slsql_string(slparser *p, const sltok *t, size_t *len);
/* Is this word reserved, i.e. never an identifier unless quoted? */
bool slsql_reserved(const char *s, size_t n);
/* Is the token usable as an identifier (a quoted one or a non-reserved word)? */
bool slsql_is_ident(const slparser *p, const sltok *t);
/* An identifier: a quoted one or a non-reserved word ("expected <what>"). */
sl_err slsql_ident(slparser *p, const char *what, const char **out, slpos *pos);
/* A possibly dotted name (cat.db.tbl), joined with '.'. */
sl_err slsql_dotted(slparser *p, const char *what, const char **out, slpos *pos);
/* A parenthesised list of identifiers "(a, b)"; `list` names it in messages
 * ("column list"). */
sl_err slsql_ident_list(slparser *p, const char *list, const char ***out, int *n);

/* ---- expressions (parse_expr.c) ---- */

sl_err slsql_expr(slparser *p, slx **out);
/* An expression at the level of + - || and above (no comparisons, AND, OR):
 * the operands of BETWEEN, the first argument of POSITION. */
sl_err slsql_expr_add(slparser *p, slx **out);
/* A comma-separated list of expressions. */
sl_err slsql_expr_list(slparser *p, slx ***out, int *n);
sl_err slsql_order_list(slparser *p, slorder **out, int *n);
/* The inside of OVER ( ... ) or of a WINDOW clause entry. */
sl_err slsql_window_spec(slparser *p, slover *o);
sl_err slsql_type(slparser *p, sltypename *out);

/* ---- queries (parse_query.c) ---- */

sl_err slsql_query(slparser *p, slquery **out);
/* Does a query start at the current token, after any number of '('? */
bool slsql_starts_query(const slparser *p);

/* ---- MATCH_RECOGNIZE (parse_match.c) ---- */

/* At the keyword MATCH_RECOGNIZE: parse the clause over `input` into an
 * SLFROM_MATCH item (its alias is parsed by the caller). */
sl_err slsql_match_recognize(slparser *p, slfrom *input, slfrom **out);

#endif /* SL_SQL_PARSE_INT_H */
