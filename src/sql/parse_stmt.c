/*
 * parse_stmt.c - the statements of a Flink SQL script and slsql_parse, the
 * entry point of the parser (ast.h). Called by the binder / CLI with the
 * whole text of a job; does no I/O.
 *
 * Statements: CREATE [TEMPORARY] TABLE / VIEW, INSERT INTO / OVERWRITE,
 * queries, SET, RESET, EXPLAIN [PLAN FOR], DROP TABLE / VIEW, SHOW TABLES,
 * DESCRIBE / DESC, EXECUTE STATEMENT SET BEGIN .. END and the sql-client form
 * BEGIN STATEMENT SET; .. END. COMMENT 'x' is accepted where Flink allows it
 * and dropped; PARTITIONED BY and the options of CREATE TABLE .. LIKE are
 * read and dropped (the binder refuses LIKE itself).
 *
 * SET and RESET accept sql-client's unquoted forms (SET a.b-c = some value):
 * the key and value are then the source text between the tokens, as written.
 */
#include <stdio.h>

#include "sql/parse_int.h"

static sl_err parse_stmt(slparser *p, slstmt **out);

static slstmt *new_stmt(slparser *p, slstmt_kind kind, int start) {
    slstmt *st = slsql_alloc(p, sizeof *st);
    st->kind = kind;
    st->pos = p->tok[start].pos;
    return st;
}

/* The current token ends a statement. */
static bool at_end(const slparser *p) {
    return slp_is(p, SLTOK_SEMI) || slp_is(p, SLTOK_EOF);
}

static sl_err if_not_exists(slparser *p, slstmt *st) {
    if (slp_kw(p, "IF") && slp_kw_at(p, 1, "NOT")) {
        slp_next(p);
        slp_next(p);
        SLTRY(slsql_expect_kw(p, "EXISTS", "EXISTS after IF NOT"));
        st->if_not_exists = true;
    }
    return SL_OK;
}

static sl_err if_exists(slparser *p, slstmt *st) {
    if (slp_kw(p, "IF") && slp_kw_at(p, 1, "EXISTS")) {
        slp_next(p);
        slp_next(p);
        st->if_exists = true;
    }
    return SL_OK;
}

static sl_err skip_comment(slparser *p) {
    if (slp_accept_kw(p, "COMMENT")) {
        return slsql_expect(p, SLTOK_STRING, "a quoted comment after COMMENT");
    }
    return SL_OK;
}

static sl_err not_enforced(slparser *p) {
    SLTRY(slsql_expect_kw(p, "NOT", "NOT ENFORCED after PRIMARY KEY"));
    return slsql_expect_kw(p, "ENFORCED", "ENFORCED after NOT");
}

/* ---- CREATE TABLE ---- */

static sl_err primary_key(slparser *p, slstmt *st, slpos pos) {
    if (st->n_pk) {
        return slsql_error_at(p, pos, "the table already has a PRIMARY KEY");
    }
    st->pk_pos = pos;
    return SL_OK;
}

/* One element of the column list: a column, a computed column, WATERMARK,
 * or [CONSTRAINT name] PRIMARY KEY (..) NOT ENFORCED. */
static sl_err table_element(slparser *p, slstmt *st, int *cap_cols) {
    const sltok *t = slp_cur(p);
    if (slp_kw(p, "WATERMARK") && slp_kw_at(p, 1, "FOR")) {
        if (st->wm_col) {
            return slsql_error_at(p, t->pos, "the table already has a WATERMARK");
        }
        st->wm_pos = t->pos;
        slp_next(p);
        slp_next(p);
        SLTRY(slsql_ident(p, "the time column after WATERMARK FOR", &st->wm_col, NULL));
        SLTRY(slsql_expect_kw(p, "AS", "AS after WATERMARK FOR column"));
        return slsql_expr(p, &st->wm_expr);
    }
    if (slp_kw(p, "CONSTRAINT") || (slp_kw(p, "PRIMARY") && slp_kw_at(p, 1, "KEY"))) {
        if (slp_accept_kw(p, "CONSTRAINT")) {
            const char *ignored;
            SLTRY(slsql_ident(p, "a constraint name", &ignored, NULL));
        }
        slpos pos = slp_cur(p)->pos;
        SLTRY(slsql_expect_kw(p, "PRIMARY", "PRIMARY KEY after the constraint name"));
        SLTRY(slsql_expect_kw(p, "KEY", "KEY after PRIMARY"));
        SLTRY(primary_key(p, st, pos));
        SLTRY(slsql_ident_list(p, "PRIMARY KEY column list", &st->pk, &st->n_pk));
        return not_enforced(p);
    }
    slcoldef c = {0};
    SLTRY(slsql_ident(p, "a column name", &c.name, &c.pos));
    if (slp_accept_kw(p, "AS")) {
        SLTRY(slsql_expr(p, &c.computed));
        SLTRY(skip_comment(p));
    } else {
        SLTRY(slsql_type(p, &c.type));
        for (;;) {
            if (slp_accept_kw(p, "NOT")) {
                SLTRY(slsql_expect_kw(p, "NULL", "NULL after NOT"));
                c.not_null = true;
            } else if (slp_accept_kw(p, "NULL")) {
                c.not_null = false;
            } else if (slp_accept_kw(p, "METADATA")) {
                c.metadata = true;
                if (slp_accept_kw(p, "FROM")) {
                    SLTRY(slsql_expect(p, SLTOK_STRING, "a quoted metadata key after FROM"));
                }
                slp_accept_kw(p, "VIRTUAL");
            } else if (slp_kw(p, "PRIMARY") || slp_kw(p, "CONSTRAINT")) {
                if (slp_accept_kw(p, "CONSTRAINT")) {
                    const char *ignored;
                    SLTRY(slsql_ident(p, "a constraint name", &ignored, NULL));
                }
                slpos pos = slp_cur(p)->pos;
                SLTRY(slsql_expect_kw(p, "PRIMARY", "PRIMARY KEY after the constraint name"));
                SLTRY(slsql_expect_kw(p, "KEY", "KEY after PRIMARY"));
                SLTRY(primary_key(p, st, pos));
                st->pk = slsql_alloc(p, sizeof *st->pk);
                st->pk[0] = c.name;
                st->n_pk = 1;
                SLTRY(not_enforced(p));
            } else if (slp_kw(p, "COMMENT")) {
                SLTRY(skip_comment(p));
            } else {
                break;
            }
        }
    }
    slsql_push(p, &st->cols, &st->n_cols, cap_cols, &c, sizeof c);
    return SL_OK;
}

static sl_err with_options(slparser *p, slstmt *st) {
    SLTRY(slsql_expect(p, SLTOK_LPAREN, "'(' after WITH"));
    if (slp_accept(p, SLTOK_RPAREN)) {
        return SL_OK;
    }
    int cap = 0;
    for (;;) {
        slopt o = {0};
        const sltok *t = slp_cur(p);
        o.pos = t->pos;
        if (t->kind != SLTOK_STRING) {
            return slsql_expected(p, "a quoted option key such as 'connector'");
        }
        o.key = slsql_string(p, t, NULL);
        slp_next(p);
        SLTRY(slsql_expect(p, SLTOK_EQ, "'=' after the option key"));
        t = slp_cur(p);
        if (t->kind != SLTOK_STRING) {
            return slsql_expected(p, "a quoted option value");
        }
        o.value = slsql_string(p, t, NULL);
        slp_next(p);
        slsql_push(p, &st->opts, &st->n_opts, &cap, &o, sizeof o);
        if (slp_accept(p, SLTOK_COMMA)) {
            continue;
        }
        return slsql_expect(p, SLTOK_RPAREN, "',' or ')' in the WITH options");
    }
}

/* The options of LIKE (INCLUDING ALL ...), read and dropped. */
static sl_err skip_parens(slparser *p) {
    int depth = 0;
    do {
        if (slp_is(p, SLTOK_EOF) || slp_is(p, SLTOK_ERROR) || slp_is(p, SLTOK_SEMI)) {
            return slsql_expected(p, "')' to close the LIKE options");
        }
        depth += slp_is(p, SLTOK_LPAREN) - slp_is(p, SLTOK_RPAREN);
        slp_next(p);
    } while (depth > 0);
    return SL_OK;
}

/* After CREATE [TEMPORARY] TABLE. */
static sl_err create_table(slparser *p, slstmt *st) {
    SLTRY(if_not_exists(p, st));
    SLTRY(slsql_dotted(p, "a table name", &st->name, &st->name_pos));
    if (slp_accept(p, SLTOK_LPAREN)) {
        int cap = 0;
        for (;;) {
            SLTRY(table_element(p, st, &cap));
            if (slp_accept(p, SLTOK_COMMA)) {
                continue;
            }
            SLTRY(slsql_expect(p, SLTOK_RPAREN, "',' or ')' in column list"));
            break;
        }
    }
    SLTRY(skip_comment(p));
    if (slp_accept_kw(p, "PARTITIONED")) {
        SLTRY(slsql_expect_kw(p, "BY", "BY after PARTITIONED"));
        const char **cols;
        int n;
        SLTRY(slsql_ident_list(p, "PARTITIONED BY list", &cols, &n));
    }
    if (slp_accept_kw(p, "WITH")) {
        SLTRY(with_options(p, st));
    }
    if (slp_accept_kw(p, "LIKE")) {
        SLTRY(slsql_dotted(p, "a table name after LIKE", &st->like, NULL));
        if (slp_is(p, SLTOK_LPAREN)) {
            SLTRY(skip_parens(p));
        }
    }
    if (slp_kw(p, "AS")) {
        return slsql_error_at(p, slp_cur(p)->pos,
                              "CREATE TABLE ... AS SELECT is not supported yet");
    }
    return SL_OK;
}

/* After CREATE [TEMPORARY] VIEW. */
static sl_err create_view(slparser *p, slstmt *st) {
    SLTRY(if_not_exists(p, st));
    SLTRY(slsql_dotted(p, "a view name", &st->name, &st->name_pos));
    if (slp_is(p, SLTOK_LPAREN)) {
        SLTRY(slsql_ident_list(p, "view column list", &st->view_cols, &st->n_view_cols));
    }
    SLTRY(skip_comment(p));
    SLTRY(slsql_expect_kw(p, "AS", "AS before the query of the view"));
    return slsql_query(p, &st->query);
}

/* ---- other statements ---- */

/* INSERT INTO | OVERWRITE name [(cols)] query, at INSERT. */
static sl_err insert(slparser *p, slstmt *st) {
    slp_next(p);
    if (slp_accept_kw(p, "OVERWRITE")) {
        st->overwrite = true;
    } else {
        SLTRY(slsql_expect_kw(p, "INTO", "INTO or OVERWRITE after INSERT"));
    }
    SLTRY(slsql_dotted(p, "a table name", &st->name, &st->name_pos));
    if (slp_kw(p, "PARTITION")) {
        return slsql_error_at(p, slp_cur(p)->pos, "INSERT ... PARTITION is not supported");
    }
    if (slp_is(p, SLTOK_LPAREN) && !slsql_starts_query(p)) {
        SLTRY(slsql_ident_list(p, "column list", &st->insert_cols, &st->n_insert_cols));
    }
    return slsql_query(p, &st->query);
}

/* The source text from the current token up to the end of the statement
 * (or up to '=' when eq_stops), for sql-client's unquoted SET forms. */
static sl_err raw_until(slparser *p, bool eq_stops, const char *what, const char **out) {
    int start = p->i;
    while (!at_end(p) && !slp_is(p, SLTOK_ERROR) && !(eq_stops && slp_is(p, SLTOK_EQ))) {
        slp_next(p);
    }
    if (slp_is(p, SLTOK_ERROR) || p->i == start) {
        return slsql_expected(p, what);
    }
    *out = slsql_span(p, start, p->i - 1);
    return SL_OK;
}

/* A quoted key or value, or sql-client's unquoted form: the raw text up to
 * '=' (a key) or to the end of the statement (a value). A quoted value ends
 * the statement, so a forgotten ';' is reported rather than swallowed. */
static sl_err set_value(slparser *p, bool eq_stops, const char *what, const char **out) {
    const sltok *t = slp_cur(p);
    if (t->kind == SLTOK_STRING) {
        *out = slsql_string(p, t, NULL);
        slp_next(p);
        return SL_OK;
    }
    return raw_until(p, eq_stops, what, out);
}

/* SET | SET key = value, at SET. */
static sl_err set_stmt(slparser *p, slstmt *st) {
    slp_next(p);
    if (at_end(p)) {
        return SL_OK;
    }
    SLTRY(set_value(p, true, "an option key after SET", &st->key));
    SLTRY(slsql_expect(p, SLTOK_EQ, "'=' after the option key"));
    return set_value(p, false, "a value after '='", &st->value);
}

/* RESET | RESET key, at RESET. */
static sl_err reset_stmt(slparser *p, slstmt *st) {
    slp_next(p);
    if (at_end(p)) {
        return SL_OK;
    }
    return set_value(p, false, "an option key after RESET", &st->key);
}

/* The INSERTs of a statement set up to END, after BEGIN. */
static sl_err statement_set(slparser *p, slstmt *st) {
    int cap = 0;
    for (;;) {
        while (slp_accept(p, SLTOK_SEMI)) {
        }
        if (slp_accept_kw(p, "END")) {
            return SL_OK;
        }
        if (!slp_kw(p, "INSERT")) {
            return slsql_expected(p, "INSERT or END in the statement set");
        }
        slstmt *in;
        SLTRY(parse_stmt(p, &in));
        slsql_push(p, &st->inner, &st->n_inner, &cap, &in, sizeof in);
        if (!slp_is(p, SLTOK_SEMI) && !slp_kw(p, "END")) {
            return slsql_expected(p, "';' after the INSERT in the statement set");
        }
    }
}

static sl_err parse_stmt_inner(slparser *p, slstmt *st) {
    if (slp_kw(p, "CREATE")) {
        slp_next(p);
        if (slp_accept_kw(p, "TEMPORARY")) {
            st->temporary = true;
        }
        if (slp_accept_kw(p, "TABLE")) {
            st->kind = SLSTMT_CREATE_TABLE;
            return create_table(p, st);
        }
        if (slp_accept_kw(p, "VIEW")) {
            st->kind = SLSTMT_CREATE_VIEW;
            return create_view(p, st);
        }
        return slsql_expected(p, st->temporary ? "TABLE or VIEW after CREATE TEMPORARY"
                                               : "TABLE or VIEW after CREATE");
    }
    if (slp_kw(p, "INSERT")) {
        st->kind = SLSTMT_INSERT;
        return insert(p, st);
    }
    if (slp_kw(p, "SELECT") || slp_kw(p, "WITH") || slp_is(p, SLTOK_LPAREN) ||
        slp_kw(p, "VALUES")) {
        st->kind = SLSTMT_SELECT;
        return slsql_query(p, &st->query);
    }
    if (slp_kw(p, "SET")) {
        st->kind = SLSTMT_SET;
        return set_stmt(p, st);
    }
    if (slp_kw(p, "RESET")) {
        st->kind = SLSTMT_RESET;
        return reset_stmt(p, st);
    }
    if (slp_accept_kw(p, "EXPLAIN")) {
        st->kind = SLSTMT_EXPLAIN;
        if (slp_accept_kw(p, "PLAN")) {
            SLTRY(slsql_expect_kw(p, "FOR", "FOR after EXPLAIN PLAN"));
        }
        if (!slp_kw(p, "INSERT") && !slp_kw(p, "SELECT") && !slp_kw(p, "WITH") &&
            !slp_is(p, SLTOK_LPAREN) && !slp_kw(p, "EXECUTE") && !slp_kw(p, "STATEMENT")) {
            return slsql_expected(p, "INSERT, a query or STATEMENT SET after EXPLAIN");
        }
        st->inner = slsql_alloc(p, sizeof *st->inner);
        st->n_inner = 1;
        return parse_stmt(p, &st->inner[0]);
    }
    if (slp_accept_kw(p, "DROP")) {
        if (slp_accept_kw(p, "TEMPORARY")) {
            st->temporary = true;
        }
        if (slp_accept_kw(p, "TABLE")) {
            st->kind = SLSTMT_DROP_TABLE;
        } else if (slp_accept_kw(p, "VIEW")) {
            st->kind = SLSTMT_DROP_VIEW;
        } else {
            return slsql_expected(p, "TABLE or VIEW after DROP");
        }
        SLTRY(if_exists(p, st));
        return slsql_dotted(p, st->kind == SLSTMT_DROP_TABLE ? "a table name" : "a view name",
                            &st->name, &st->name_pos);
    }
    if (slp_accept_kw(p, "SHOW")) {
        st->kind = SLSTMT_SHOW_TABLES;
        return slsql_expect_kw(p, "TABLES", "TABLES after SHOW");
    }
    if (slp_accept_kw(p, "DESCRIBE") || slp_accept_kw(p, "DESC")) {
        st->kind = SLSTMT_DESCRIBE;
        return slsql_dotted(p, "a table or view name", &st->name, &st->name_pos);
    }
    if (slp_kw(p, "EXECUTE") || slp_kw(p, "STATEMENT")) {
        st->kind = SLSTMT_EXECUTE_SET;
        if (slp_accept_kw(p, "EXECUTE")) {
            SLTRY(slsql_expect_kw(p, "STATEMENT", "STATEMENT SET after EXECUTE"));
        } else {
            slp_next(p);
        }
        SLTRY(slsql_expect_kw(p, "SET", "SET after STATEMENT"));
        SLTRY(slsql_expect_kw(p, "BEGIN", "BEGIN after STATEMENT SET"));
        return statement_set(p, st);
    }
    if (slp_accept_kw(p, "BEGIN")) {
        st->kind = SLSTMT_EXECUTE_SET;
        SLTRY(slsql_expect_kw(p, "STATEMENT", "STATEMENT SET after BEGIN"));
        SLTRY(slsql_expect_kw(p, "SET", "SET after BEGIN STATEMENT"));
        SLTRY(slsql_expect(p, SLTOK_SEMI, "';' after BEGIN STATEMENT SET"));
        return statement_set(p, st);
    }
    return slsql_expected(p, "a statement (CREATE, INSERT, SELECT, SET, EXPLAIN, ...)");
}

static sl_err parse_stmt(slparser *p, slstmt **out) {
    int start = p->i;
    slstmt *st = new_stmt(p, 0, start);
    SLTRY(parse_stmt_inner(p, st));
    st->text = slsql_span(p, start, p->i - 1);
    *out = st;
    return SL_OK;
}

/* ---- the height of trees ---- */

static sl_err too_tall(slparser *p, slpos pos) {
    return slsql_error_at(p, pos, "expression or query nested too deeply (more than %d levels)",
                          SLSQL_MAX_HEIGHT);
}

static sl_err hq(slparser *p, const slquery *q, int h);

static sl_err hx(slparser *p, const slx *e, int h) {
    if (!e) {
        return SL_OK;
    }
    if (h > SLSQL_MAX_HEIGHT) {
        return too_tall(p, e->pos);
    }
    for (int k = 0; k < e->n_kids; k++) {
        SLTRY(hx(p, e->kids[k], h + 1));
    }
    if (e->over) {
        for (int k = 0; k < e->over->n_partition; k++) {
            SLTRY(hx(p, e->over->partition[k], h + 1));
        }
        for (int k = 0; k < e->over->n_order; k++) {
            SLTRY(hx(p, e->over->order[k].e, h + 1));
        }
        SLTRY(hx(p, e->over->preceding, h + 1));
    }
    return hq(p, e->sub, h + 1);
}

static sl_err hf(slparser *p, const slfrom *f, int h) {
    if (!f) {
        return SL_OK;
    }
    if (h > SLSQL_MAX_HEIGHT) {
        return too_tall(p, f->pos);
    }
    SLTRY(hx(p, f->as_of, h + 1));
    SLTRY(hq(p, f->sub, h + 1));
    SLTRY(hf(p, f->input, h + 1));
    for (int k = 0; k < f->n_args; k++) {
        SLTRY(hx(p, f->args[k], h + 1));
    }
    for (int k = 0; k < f->n_partition; k++) {
        SLTRY(hx(p, f->partition[k], h + 1));
    }
    SLTRY(hf(p, f->left, h + 1));
    SLTRY(hf(p, f->right, h + 1));
    return hx(p, f->on, h + 1);
}

static sl_err hq(slparser *p, const slquery *q, int h) {
    if (!q) {
        return SL_OK;
    }
    if (h > SLSQL_MAX_HEIGHT) {
        return too_tall(p, q->pos);
    }
    for (int k = 0; k < q->n_with; k++) {
        SLTRY(hq(p, q->with[k].q, h + 1));
    }
    const slselect *s = q->select;
    if (s) {
        for (int k = 0; k < s->n_items; k++) {
            SLTRY(hx(p, s->items[k].e, h + 2));
        }
        SLTRY(hf(p, s->from, h + 2));
        SLTRY(hx(p, s->where, h + 2));
        for (int k = 0; k < s->n_group_by; k++) {
            SLTRY(hx(p, s->group_by[k], h + 2));
        }
        SLTRY(hx(p, s->having, h + 2));
    }
    SLTRY(hq(p, q->left, h + 1));
    SLTRY(hq(p, q->right, h + 1));
    for (int k = 0; k < q->n_order; k++) {
        SLTRY(hx(p, q->order[k].e, h + 1));
    }
    return hx(p, q->limit, h + 1);
}

static sl_err hstmt(slparser *p, const slstmt *st, int h) {
    for (int k = 0; k < st->n_cols; k++) {
        SLTRY(hx(p, st->cols[k].computed, h + 1));
    }
    SLTRY(hx(p, st->wm_expr, h + 1));
    SLTRY(hq(p, st->query, h + 1));
    for (int k = 0; k < st->n_inner; k++) {
        SLTRY(hstmt(p, st->inner[k], h + 1));
    }
    return SL_OK;
}

/* ---- entry points ---- */

sl_err slsql_parse(const char *text, size_t len, const char *file, slscript **out) {
    *out = NULL;
    slscript *s = slmem_calloc(1, sizeof *s);
    slarena_init(&s->arena);
    slparser P = {0};
    slparser *p = &P;
    p->arena = &s->arena;
    if (!file) {
        file = "<sql>";
    }
    s->file = p->file = slsql_strndup(p, file, strlen(file));
    if (!text) {
        text = "";
        len = 0;
    }
    sltokens toks;
    sllex_run(text, len, &toks);
    p->src = text;
    p->len = len;
    p->tok = toks.v;
    p->n_tok = toks.n;
    p->lexerr = toks.err;
    int cap = 0;
    sl_err err = SL_OK;
    for (;;) {
        while (slp_accept(p, SLTOK_SEMI)) {
        }
        if (slp_is(p, SLTOK_EOF)) {
            break;
        }
        slstmt *st;
        if ((err = parse_stmt(p, &st)) != SL_OK) {
            goto out;
        }
        if (!at_end(p)) {
            err = slsql_expected(p, "';' or end of input");
            goto out;
        }
        if (p->n_pending) {
            err = slsql_error_at(p, p->pending[0]->pos,
                                 "unknown window '%s' (define it in the WINDOW clause of the "
                                 "SELECT)",
                                 p->pending[0]->name);
            goto out;
        }
        if ((err = hstmt(p, st, 1)) != SL_OK) {
            goto out;
        }
        slsql_push(p, &s->stmts, &s->n, &cap, &st, sizeof st);
    }
out:
    sllex_free(&toks);
    if (err != SL_OK) {
        slscript_free(s);
        return err;
    }
    *out = s;
    return SL_OK;
}

void slscript_free(slscript *s) {
    if (!s) {
        return;
    }
    slarena_free(&s->arena);
    slmem_free(s);
}
