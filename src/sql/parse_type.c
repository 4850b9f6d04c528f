/*
 * parse_type.c - SQL type names (column definitions, CAST) and the engine
 * type each maps to (ast.h, sltypename). Types the engine lacks (DATE, TIME,
 * BYTES, ARRAY<..>, MAP<..>, ROW<..>, TIMESTAMP WITH TIME ZONE) parse with
 * type 0 so the binder can refuse them by name. Called by parse_expr.c and
 * parse_stmt.c.
 *
 * The stored name is rebuilt from the tokens: words upper case, one space
 * between words and after commas, none inside brackets ("DECIMAL(10, 2)",
 * "TIMESTAMP(3) WITH LOCAL TIME ZONE", "MAP<STRING, INT>").
 */
#include "sql/parse_int.h"

static const struct {
    const char *word;
    sl_type type;
    int params; /* how many (..) numbers it may take */
} types[] = {
    {"BOOLEAN", SL_BOOLEAN, 0},
    {"TINYINT", SL_BIGINT, 0},
    {"SMALLINT", SL_BIGINT, 0},
    {"INT", SL_BIGINT, 0},
    {"INTEGER", SL_BIGINT, 0},
    {"BIGINT", SL_BIGINT, 0},
    {"FLOAT", SL_DOUBLE, 1},
    {"REAL", SL_DOUBLE, 0},
    {"DOUBLE", SL_DOUBLE, 0},
    {"DECIMAL", SL_DOUBLE, 2},
    {"DEC", SL_DOUBLE, 2},
    {"NUMERIC", SL_DOUBLE, 2},
    {"STRING", SL_STRING, 0},
    {"VARCHAR", SL_STRING, 1},
    {"CHAR", SL_STRING, 1},
    {"TIMESTAMP", SL_TIMESTAMP, 1},
    {"TIMESTAMP_LTZ", SL_TIMESTAMP, 1},
    {"DATE", 0, 0},
    {"TIME", 0, 1},
    {"BYTES", 0, 0},
    {"BINARY", 0, 1},
    {"VARBINARY", 0, 1},
    {"ARRAY", 0, 0},
    {"MULTISET", 0, 0},
    {"MAP", 0, 0},
    {"ROW", 0, 0},
};

/* The text of tokens [from, to) as a type name: words upper case, one space
 * between words and after commas, none around brackets. */
static const char *type_text(slparser *p, int from, int to) {
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        char *d = pass ? slarena_alloc(p->arena, n + 1) : NULL;
        size_t o = 0;
        for (int k = from; k < to; k++) {
            const sltok *t = &p->tok[k];
            bool wordish = t->kind == SLTOK_WORD || t->kind == SLTOK_INT ||
                           t->kind == SLTOK_QIDENT || t->kind == SLTOK_STRING;
            if (k > from) {
                const sltok *prev = &p->tok[k - 1];
                bool prev_wordish = prev->kind == SLTOK_WORD || prev->kind == SLTOK_INT ||
                                    prev->kind == SLTOK_QIDENT || prev->kind == SLTOK_STRING ||
                                    prev->kind == SLTOK_RPAREN || prev->kind == SLTOK_GT;
                if (prev->kind == SLTOK_COMMA || (prev_wordish && wordish)) {
                    if (d) {
                        d[o] = ' ';
                    }
                    o++;
                }
            }
            for (size_t j = 0; j < t->len; j++) {
                char c = p->src[t->off + j];
                if (d) {
                    d[o] = (t->kind == SLTOK_WORD && c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
                }
                o++;
            }
        }
        if (d) {
            d[o] = '\0';
            return d;
        }
        n = o;
    }
    return NULL;
}

static sl_err type_params(slparser *p, int max) {
    if (max == 0 || !slp_accept(p, SLTOK_LPAREN)) {
        return SL_OK;
    }
    SLTRY(slsql_expect(p, SLTOK_INT, "a number in the type's parameters"));
    if (max == 2 && slp_accept(p, SLTOK_COMMA)) {
        SLTRY(slsql_expect(p, SLTOK_INT, "a number in the type's parameters"));
    }
    return slsql_expect(p, SLTOK_RPAREN,
                        max == 2 ? "',' or ')' in the type's parameters"
                                 : "')' after the type's parameter");
}

static sl_err parse_type_inner(slparser *p, sl_type *type);

/* A nested type [NOT NULL] inside ARRAY<..>, MAP<..>, ROW<..>. */
static sl_err nested_type(slparser *p) {
    sl_type ignored;
    SLTRY(parse_type_inner(p, &ignored));
    if (slp_accept_kw(p, "NOT")) {
        SLTRY(slsql_expect_kw(p, "NULL", "NULL after NOT"));
    } else {
        slp_accept_kw(p, "NULL");
    }
    return SL_OK;
}

static sl_err parse_type_inner(slparser *p, sl_type *type) {
    const sltok *t = slp_cur(p);
    int which = -1;
    for (size_t k = 0; k < SL_ARRAY_LEN(types) && t->kind == SLTOK_WORD; k++) {
        if (slp_kw(p, types[k].word)) {
            which = (int)k;
        }
    }
    if (which < 0) {
        return slsql_expected(p, "a type");
    }
    SLTRY(slsql_enter(p));
    const char *w = types[which].word;
    *type = types[which].type;
    slp_next(p);
    if (strcmp(w, "DOUBLE") == 0) {
        slp_accept_kw(p, "PRECISION");
    }
    SLTRY(type_params(p, types[which].params));
    if (strcmp(w, "TIMESTAMP") == 0 || strcmp(w, "TIME") == 0) {
        if (slp_kw(p, "WITHOUT") && slp_kw_at(p, 1, "TIME")) {
            slp_next(p);
            slp_next(p);
            SLTRY(slsql_expect_kw(p, "ZONE", "ZONE after WITHOUT TIME"));
        } else if (slp_kw(p, "WITH") && (slp_kw_at(p, 1, "LOCAL") || slp_kw_at(p, 1, "TIME"))) {
            slp_next(p);
            if (!slp_accept_kw(p, "LOCAL")) {
                *type = 0; /* TIMESTAMP WITH TIME ZONE: Flink has none either */
            }
            SLTRY(slsql_expect_kw(p, "TIME", "TIME in WITH LOCAL TIME ZONE"));
            SLTRY(slsql_expect_kw(p, "ZONE", "ZONE in WITH LOCAL TIME ZONE"));
        }
    } else if (strcmp(w, "ARRAY") == 0 || strcmp(w, "MULTISET") == 0 || strcmp(w, "MAP") == 0) {
        SLTRY(slsql_expect(p, SLTOK_LT, "'<' after the type name"));
        SLTRY(nested_type(p));
        if (w[1] == 'A') { /* MAP */
            SLTRY(slsql_expect(p, SLTOK_COMMA, "',' between the key and value types of MAP"));
            SLTRY(nested_type(p));
        }
        SLTRY(slsql_expect(p, SLTOK_GT, "'>' to close the type"));
    } else if (strcmp(w, "ROW") == 0) {
        sltok_kind close = slp_is(p, SLTOK_LPAREN) ? SLTOK_RPAREN : SLTOK_GT;
        if (!slp_accept(p, SLTOK_LPAREN)) {
            SLTRY(slsql_expect(p, SLTOK_LT, "'<' or '(' after ROW"));
        }
        if (!slp_accept(p, close)) {
            do {
                const char *field;
                SLTRY(slsql_ident(p, "a field name", &field, NULL));
                SLTRY(nested_type(p));
                if (slp_accept_kw(p, "COMMENT")) {
                    SLTRY(slsql_expect(p, SLTOK_STRING, "a quoted comment after COMMENT"));
                }
            } while (slp_accept(p, SLTOK_COMMA));
            SLTRY(slsql_expect(
                p, close, close == SLTOK_GT ? "',' or '>' in ROW<...>" : "',' or ')' in ROW(...)"));
        }
    }
    p->depth--;
    return SL_OK;
}

sl_err slsql_type(slparser *p, sltypename *out) {
    int from = p->i;
    out->pos = slp_cur(p)->pos;
    SLTRY(parse_type_inner(p, &out->type));
    out->name = type_text(p, from, p->i);
    return SL_OK;
}
