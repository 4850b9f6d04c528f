/*
 * dump.c - a one-line S-expression form of the syntax tree, for tests and
 * debugging (slsql_dump_stmt, slsql_dump_expr), and slx_op_text.
 *
 * The form is deterministic and compact: items separated by one space, no
 * positions. Structure tags are lower case; SQL operators, function names and
 * types are upper case as in SQL; names are printed as stored, backquoted
 * when they hold anything but letters, digits, _ $ and '.'.
 *
 * Statements
 *   (create-table NAME [temporary] [if-not-exists] [(columns COL ...)]
 *       [(watermark COL EXPR)] [(primary-key COL ...)] [(with 'k'='v' ...)] [(like NAME)])
 *     COL  = (NAME TYPE [not-null] [metadata]) | (NAME (as EXPR))
 *     TYPE = the name as written (DECIMAL(10, 2)), followed by :ENGINE when
 *            the engine type's name differs (INT:BIGINT), :? when unsupported
 *   (create-view NAME [temporary] [if-not-exists] [(columns NAME ...)] QUERY)
 *   (insert NAME [overwrite] [(columns NAME ...)] QUERY)
 *   QUERY                                       a bare query
 *   (set) (set 'key' 'value') (reset) (reset 'key')
 *   (explain STMT)  (statement-set STMT ...)
 *   (drop-table NAME [temporary] [if-exists])  (drop-view ...)
 *   (show-tables)  (describe NAME)
 * Queries
 *   (select [distinct] (items ITEM ...) [(from FROM)] [(where EXPR)]
 *       [(group-by EXPR ...)] [(having EXPR)])        ITEM = EXPR | (as EXPR NAME)
 *   (union-all Q Q) (union Q Q) (intersect Q Q) (except Q Q)
 *   with WITH / ORDER BY / LIMIT around it:
 *   (query [(with (NAME Q) ...)] BODY [(order-by ORDER ...)] [(limit EXPR)])
 *     ORDER = EXPR | (asc|desc EXPR [nulls-first|nulls-last])   (plain EXPR: ASC,
 *             default NULLS)
 * FROM items
 *   (table NAME [(for-system-time EXPR)] [as ALIAS])
 *   (subquery Q [as ALIAS])
 *   (tvf FN INPUT (descriptor COL) ARG ... [(partition EXPR ...)] [as ALIAS])
 *     INPUT = (table NAME) | (subquery Q)
 *   (join inner|left|right|full|cross LEFT RIGHT [(on EXPR)] [(using COL ...)])
 * Expressions
 *   col  t.col  *  t.*  42  -7  1.5  'it''s'  TRUE  FALSE  NULL
 *   (interval MICROSECONDS)  (interval-months MONTHS)  (timestamp 'YYYY-MM-DD HH:MM:SS[.f]')
 *   (- x) (+ x) (NOT x)  (+ a b) (|| a b) (= a b) (AND a b) ...
 *   (IS NULL x) (IS NOT TRUE x) (IS DISTINCT FROM a b)  (IN x v ...) (NOT IN x (subquery Q))
 *   (BETWEEN x lo hi) (NOT BETWEEN SYMMETRIC x lo hi)  (LIKE x p [esc]) (NOT SIMILAR TO x p)
 *   (case [OPERAND] (when C V) ... [(else V)])  (cast x TYPE) (try-cast x TYPE)
 *   (NAME [distinct] ARG ... [OVER])           a function call: (SUM b) (COUNT *)
 *     OVER = (over [NAME] [(partition EXPR ...)] [(order ORDER ...)] [(rows|range START)])
 *     START = unbounded | EXPR
 *   (subquery Q)
 */
#include <stdio.h>
#include <stdlib.h>

#include "sql/ast.h"

const char *slx_op_text(slx_op op) {
    switch (op) {
    case SLOP_NONE:
        return "?";
    case SLOP_NEG:
        return "-";
    case SLOP_PLUS:
        return "+";
    case SLOP_NOT:
        return "NOT";
    case SLOP_ADD:
        return "+";
    case SLOP_SUB:
        return "-";
    case SLOP_MUL:
        return "*";
    case SLOP_DIV:
        return "/";
    case SLOP_MOD:
        return "%";
    case SLOP_CONCAT:
        return "||";
    case SLOP_EQ:
        return "=";
    case SLOP_NE:
        return "<>";
    case SLOP_LT:
        return "<";
    case SLOP_LE:
        return "<=";
    case SLOP_GT:
        return ">";
    case SLOP_GE:
        return ">=";
    case SLOP_AND:
        return "AND";
    case SLOP_OR:
        return "OR";
    case SLOP_IS_NULL:
        return "IS NULL";
    case SLOP_IS_TRUE:
        return "IS TRUE";
    case SLOP_IS_FALSE:
        return "IS FALSE";
    case SLOP_IS_DISTINCT_FROM:
        return "IS DISTINCT FROM";
    case SLOP_LIKE:
        return "LIKE";
    case SLOP_SIMILAR:
        return "SIMILAR TO";
    }
    return "?";
}

static void name(slbuf *b, const char *s) {
    if (!s) {
        slbuf_puts(b, "<null>");
        return;
    }
    bool plain = *s != '\0';
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
              u == '_' || u == '$' || u == '.' || u >= 0x80)) {
            plain = false;
        }
    }
    if (plain) {
        slbuf_puts(b, s);
        return;
    }
    slbuf_putc(b, '`');
    for (const char *c = s; *c; c++) {
        if (*c == '`') {
            slbuf_putc(b, '`');
        }
        slbuf_putc(b, *c);
    }
    slbuf_putc(b, '`');
}

static void string(slbuf *b, const char *s, size_t len) {
    slbuf_putc(b, '\'');
    for (size_t k = 0; k < len; k++) {
        if (s[k] == '\'') {
            slbuf_putc(b, '\'');
        }
        slbuf_putc(b, s[k]);
    }
    slbuf_putc(b, '\'');
}

static void cstring(slbuf *b, const char *s) {
    string(b, s, strlen(s));
}

static void type(slbuf *b, const sltypename *t) {
    slbuf_puts(b, t->name ? t->name : "<null>");
    if (!t->type) {
        slbuf_puts(b, ":?");
    } else if (!t->name || strcmp(t->name, sl_type_name(t->type)) != 0) {
        slbuf_printf(b, ":%s", sl_type_name(t->type));
    }
}

/* The shortest decimal form that reads back as the same double; whole
 * numbers below 1e15 as 1500.0 rather than 1.5e+03. */
static void dbl(slbuf *b, double d) {
    char buf[40];
    if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d) {
        slbuf_printf(b, "%lld.0", (long long)d);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) {
            break;
        }
    }
    slbuf_puts(b, buf);
}

static void query(slbuf *b, const slquery *q);

static void order_item(slbuf *b, const slorder *o) {
    if (!o->desc && !o->nulls) {
        slsql_dump_expr(o->e, b);
        return;
    }
    slbuf_puts(b, o->desc ? "(desc " : "(asc ");
    slsql_dump_expr(o->e, b);
    if (o->nulls) {
        slbuf_puts(b, o->nulls == 1 ? " nulls-first" : " nulls-last");
    }
    slbuf_putc(b, ')');
}

static void exprs(slbuf *b, const char *tag, slx *const *v, int n) {
    slbuf_printf(b, " (%s", tag);
    for (int k = 0; k < n; k++) {
        slbuf_putc(b, ' ');
        slsql_dump_expr(v[k], b);
    }
    slbuf_putc(b, ')');
}

static void orders(slbuf *b, const char *tag, const slorder *v, int n) {
    slbuf_printf(b, " (%s", tag);
    for (int k = 0; k < n; k++) {
        slbuf_putc(b, ' ');
        order_item(b, &v[k]);
    }
    slbuf_putc(b, ')');
}

static void over(slbuf *b, const slover *o) {
    slbuf_puts(b, " (over");
    if (o->name) {
        slbuf_putc(b, ' ');
        name(b, o->name);
    }
    if (o->n_partition) {
        exprs(b, "partition", o->partition, o->n_partition);
    }
    if (o->n_order) {
        orders(b, "order", o->order, o->n_order);
    }
    if (o->frame != SLFRAME_NONE) {
        slbuf_puts(b, o->frame == SLFRAME_ROWS ? " (rows " : " (range ");
        if (o->preceding) {
            slsql_dump_expr(o->preceding, b);
        } else {
            slbuf_puts(b, "unbounded");
        }
        slbuf_putc(b, ')');
    }
    slbuf_putc(b, ')');
}

static void kids_from(slbuf *b, const slx *e, int from) {
    for (int k = from; k < e->n_kids; k++) {
        slbuf_putc(b, ' ');
        slsql_dump_expr(e->kids[k], b);
    }
}

void slsql_dump_expr(const slx *e, slbuf *b) {
    if (!e) {
        slbuf_puts(b, "<null>");
        return;
    }
    bool neg = e->flags & SLX_F_NEGATED;
    char buf[48];
    switch (e->kind) {
    case SLX_COLUMN:
    case SLX_STAR:
        if (e->qual) {
            name(b, e->qual);
            slbuf_putc(b, '.');
        }
        if (e->kind == SLX_STAR) {
            slbuf_putc(b, '*');
        } else {
            name(b, e->text);
        }
        return;
    case SLX_INT:
        slbuf_printf(b, "%lld", (long long)e->i);
        return;
    case SLX_DOUBLE:
        dbl(b, e->d);
        return;
    case SLX_STRING:
        string(b, e->text ? e->text : "", e->len);
        return;
    case SLX_BOOL:
        slbuf_puts(b, e->i ? "TRUE" : "FALSE");
        return;
    case SLX_NULL:
        slbuf_puts(b, "NULL");
        return;
    case SLX_INTERVAL:
        slbuf_printf(b, "(%s %lld)", e->flags & SLX_F_MONTHS ? "interval-months" : "interval",
                     (long long)e->i);
        return;
    case SLX_TIMESTAMP:
        sl_format_timestamp(e->i, buf, sizeof buf);
        slbuf_printf(b, "(timestamp '%s')", buf);
        return;
    case SLX_UNARY:
    case SLX_BINARY:
        slbuf_printf(b, "(%s", slx_op_text(e->op));
        break;
    case SLX_IS:
        slbuf_printf(b, "(IS %s%s", neg ? "NOT " : "", slx_op_text(e->op) + 3);
        break;
    case SLX_IN:
        slbuf_puts(b, neg ? "(NOT IN" : "(IN");
        break;
    case SLX_BETWEEN:
        slbuf_printf(b, "(%sBETWEEN%s", neg ? "NOT " : "",
                     e->flags & SLX_F_SYMMETRIC ? " SYMMETRIC" : "");
        break;
    case SLX_LIKE:
        slbuf_printf(b, "(%s%s", neg ? "NOT " : "", slx_op_text(e->op));
        break;
    case SLX_CASE: {
        slbuf_puts(b, "(case");
        int k = 0, end = e->n_kids - ((e->flags & SLX_F_ELSE) ? 1 : 0);
        if (e->flags & SLX_F_OPERAND) {
            slbuf_putc(b, ' ');
            slsql_dump_expr(e->kids[0], b);
            k = 1;
        }
        for (; k + 1 < end; k += 2) {
            slbuf_puts(b, " (when ");
            slsql_dump_expr(e->kids[k], b);
            slbuf_putc(b, ' ');
            slsql_dump_expr(e->kids[k + 1], b);
            slbuf_putc(b, ')');
        }
        if (e->flags & SLX_F_ELSE) {
            slbuf_puts(b, " (else ");
            slsql_dump_expr(e->kids[e->n_kids - 1], b);
            slbuf_putc(b, ')');
        }
        slbuf_putc(b, ')');
        return;
    }
    case SLX_CAST:
        slbuf_puts(b, e->flags & SLX_F_TRY ? "(try-cast" : "(cast");
        kids_from(b, e, 0);
        slbuf_putc(b, ' ');
        type(b, &e->cast);
        slbuf_putc(b, ')');
        return;
    case SLX_CALL:
        slbuf_putc(b, '(');
        name(b, e->text);
        if (e->flags & SLX_F_DISTINCT) {
            slbuf_puts(b, " distinct");
        }
        kids_from(b, e, 0);
        if (e->over) {
            over(b, e->over);
        }
        slbuf_putc(b, ')');
        return;
    case SLX_SUBQUERY:
        slbuf_puts(b, "(subquery ");
        query(b, e->sub);
        slbuf_putc(b, ')');
        return;
    default:
        slbuf_printf(b, "(?%d)", (int)e->kind);
        return;
    }
    kids_from(b, e, 0);
    slbuf_putc(b, ')');
}

static void alias(slbuf *b, const char *a) {
    if (a) {
        slbuf_puts(b, " as ");
        name(b, a);
    }
}

static void from(slbuf *b, const slfrom *f);

static void mpat(slbuf *b, const slmpat *m) {
    switch (m->kind) {
    case SLMPAT_VAR:
        name(b, m->name);
        return;
    case SLMPAT_SEQ:
    case SLMPAT_ALT:
        slbuf_puts(b, m->kind == SLMPAT_SEQ ? "(seq" : "(alt");
        for (int k = 0; k < m->n_kids; k++) {
            slbuf_putc(b, ' ');
            mpat(b, m->kids[k]);
        }
        slbuf_putc(b, ')');
        return;
    case SLMPAT_REPEAT:
        slbuf_printf(b, "(repeat %d %d%s ", m->min, m->max, m->reluctant ? " reluctant" : "");
        mpat(b, m->kids[0]);
        slbuf_putc(b, ')');
        return;
    }
}

/* MATCH_RECOGNIZE: (match <input> (partition ..) (order ..) (measures (e name) ..)
 * (skip KIND [var]) (pattern ..) (within e) (define (v e) ..)) */
static void match(slbuf *b, const slfrom *f) {
    static const char *const skips[] = {"past-last-row", "to-next-row", "to-first", "to-last"};
    const slmatch *m = f->match;
    slbuf_puts(b, "(match ");
    from(b, f->input);
    if (m->n_partition) {
        exprs(b, "partition", m->partition, m->n_partition);
    }
    if (m->n_order) {
        orders(b, "order", m->order, m->n_order);
    }
    if (m->n_measures) {
        slbuf_puts(b, " (measures");
        for (int k = 0; k < m->n_measures; k++) {
            slbuf_puts(b, " (");
            slsql_dump_expr(m->measures[k].e, b);
            slbuf_putc(b, ' ');
            name(b, m->measures[k].alias);
            slbuf_putc(b, ')');
        }
        slbuf_putc(b, ')');
    }
    slbuf_printf(b, " (skip %s", skips[m->skip]);
    if (m->skip_var) {
        slbuf_putc(b, ' ');
        name(b, m->skip_var);
    }
    slbuf_puts(b, ") (pattern ");
    mpat(b, m->pattern);
    slbuf_putc(b, ')');
    if (m->within) {
        slbuf_puts(b, " (within ");
        slsql_dump_expr(m->within, b);
        slbuf_putc(b, ')');
    }
    slbuf_puts(b, " (define");
    for (int k = 0; k < m->n_defines; k++) {
        slbuf_puts(b, " (");
        name(b, m->define_names[k]);
        slbuf_putc(b, ' ');
        slsql_dump_expr(m->defines[k], b);
        slbuf_putc(b, ')');
    }
    slbuf_putc(b, ')');
}

static void from(slbuf *b, const slfrom *f) {
    static const char *const joins[] = {"?", "inner", "left", "right", "full", "cross"};
    if (!f) {
        slbuf_puts(b, "<null>");
        return;
    }
    switch (f->kind) {
    case SLFROM_TABLE:
        slbuf_puts(b, "(table ");
        name(b, f->name);
        if (f->as_of) {
            slbuf_puts(b, " (for-system-time ");
            slsql_dump_expr(f->as_of, b);
            slbuf_putc(b, ')');
        }
        break;
    case SLFROM_SUBQUERY:
        slbuf_puts(b, "(subquery ");
        query(b, f->sub);
        break;
    case SLFROM_WINDOW:
        slbuf_printf(b, "(tvf %s ", f->fn);
        from(b, f->input);
        slbuf_puts(b, " (descriptor ");
        name(b, f->time_col);
        slbuf_putc(b, ')');
        for (int k = 0; k < f->n_args; k++) {
            slbuf_putc(b, ' ');
            slsql_dump_expr(f->args[k], b);
        }
        if (f->n_partition) {
            exprs(b, "partition", f->partition, f->n_partition);
        }
        break;
    case SLFROM_JOIN:
        slbuf_printf(b, "(join %s ", f->join >= 1 && f->join <= 5 ? joins[f->join] : "?");
        from(b, f->left);
        slbuf_putc(b, ' ');
        from(b, f->right);
        if (f->on) {
            slbuf_puts(b, " (on ");
            slsql_dump_expr(f->on, b);
            slbuf_putc(b, ')');
        }
        if (f->n_using) {
            slbuf_puts(b, " (using");
            for (int k = 0; k < f->n_using; k++) {
                slbuf_putc(b, ' ');
                name(b, f->using_cols[k]);
            }
            slbuf_putc(b, ')');
        }
        break;
    case SLFROM_MATCH:
        match(b, f);
        break;
    default:
        slbuf_printf(b, "(?from%d", (int)f->kind);
        break;
    }
    alias(b, f->alias);
    slbuf_putc(b, ')');
}

static void dump_select(slbuf *b, const slselect *s) {
    slbuf_puts(b, s->distinct ? "(select distinct (items" : "(select (items");
    for (int k = 0; k < s->n_items; k++) {
        slbuf_putc(b, ' ');
        if (s->items[k].alias) {
            slbuf_puts(b, "(as ");
            slsql_dump_expr(s->items[k].e, b);
            slbuf_putc(b, ' ');
            name(b, s->items[k].alias);
            slbuf_putc(b, ')');
        } else {
            slsql_dump_expr(s->items[k].e, b);
        }
    }
    slbuf_putc(b, ')');
    if (s->from) {
        slbuf_puts(b, " (from ");
        from(b, s->from);
        slbuf_putc(b, ')');
    }
    if (s->where) {
        slbuf_puts(b, " (where ");
        slsql_dump_expr(s->where, b);
        slbuf_putc(b, ')');
    }
    if (s->n_group_by) {
        exprs(b, "group-by", s->group_by, s->n_group_by);
    }
    if (s->having) {
        slbuf_puts(b, " (having ");
        slsql_dump_expr(s->having, b);
        slbuf_putc(b, ')');
    }
    slbuf_putc(b, ')');
}

static void body(slbuf *b, const slquery *q) {
    static const char *const ops[] = {"?", "union-all", "union", "intersect", "except"};
    if (q->op == SLSET_NONE) {
        if (q->select) {
            dump_select(b, q->select);
        } else {
            slbuf_puts(b, "<null>");
        }
        return;
    }
    slbuf_printf(b, "(%s ", q->op >= 1 && q->op <= 4 ? ops[q->op] : "?");
    query(b, q->left);
    slbuf_putc(b, ' ');
    query(b, q->right);
    slbuf_putc(b, ')');
}

static void query(slbuf *b, const slquery *q) {
    if (!q) {
        slbuf_puts(b, "<null>");
        return;
    }
    bool wrap = q->n_with || q->n_order || q->limit;
    if (!wrap) {
        body(b, q);
        return;
    }
    slbuf_puts(b, "(query ");
    if (q->n_with) {
        slbuf_puts(b, "(with");
        for (int k = 0; k < q->n_with; k++) {
            slbuf_puts(b, " (");
            name(b, q->with[k].name);
            slbuf_putc(b, ' ');
            query(b, q->with[k].q);
            slbuf_putc(b, ')');
        }
        slbuf_puts(b, ") ");
    }
    body(b, q);
    if (q->n_order) {
        orders(b, "order-by", q->order, q->n_order);
    }
    if (q->limit) {
        slbuf_puts(b, " (limit ");
        slsql_dump_expr(q->limit, b);
        slbuf_putc(b, ')');
    }
    slbuf_putc(b, ')');
}

static void names(slbuf *b, const char *tag, const char *const *v, int n) {
    slbuf_printf(b, " (%s", tag);
    for (int k = 0; k < n; k++) {
        slbuf_putc(b, ' ');
        name(b, v[k]);
    }
    slbuf_putc(b, ')');
}

static void flags(slbuf *b, const slstmt *s) {
    if (s->temporary) {
        slbuf_puts(b, " temporary");
    }
    if (s->if_not_exists) {
        slbuf_puts(b, " if-not-exists");
    }
    if (s->if_exists) {
        slbuf_puts(b, " if-exists");
    }
}

static void create_table(slbuf *b, const slstmt *s) {
    slbuf_puts(b, "(create-table ");
    name(b, s->name);
    flags(b, s);
    if (s->n_cols) {
        slbuf_puts(b, " (columns");
        for (int k = 0; k < s->n_cols; k++) {
            const slcoldef *c = &s->cols[k];
            slbuf_puts(b, " (");
            name(b, c->name);
            if (c->computed) {
                slbuf_puts(b, " (as ");
                slsql_dump_expr(c->computed, b);
                slbuf_putc(b, ')');
            } else {
                slbuf_putc(b, ' ');
                type(b, &c->type);
            }
            if (c->not_null) {
                slbuf_puts(b, " not-null");
            }
            if (c->metadata) {
                slbuf_puts(b, " metadata");
            }
            slbuf_putc(b, ')');
        }
        slbuf_putc(b, ')');
    }
    if (s->wm_col) {
        slbuf_puts(b, " (watermark ");
        name(b, s->wm_col);
        slbuf_putc(b, ' ');
        slsql_dump_expr(s->wm_expr, b);
        slbuf_putc(b, ')');
    }
    if (s->n_pk) {
        names(b, "primary-key", s->pk, s->n_pk);
    }
    if (s->n_opts) {
        slbuf_puts(b, " (with");
        for (int k = 0; k < s->n_opts; k++) {
            slbuf_putc(b, ' ');
            cstring(b, s->opts[k].key);
            slbuf_putc(b, '=');
            cstring(b, s->opts[k].value);
        }
        slbuf_putc(b, ')');
    }
    if (s->like) {
        slbuf_puts(b, " (like ");
        name(b, s->like);
        slbuf_putc(b, ')');
    }
    slbuf_putc(b, ')');
}

void slsql_dump_stmt(const slstmt *s, slbuf *b) {
    if (!s) {
        slbuf_puts(b, "<null>");
        return;
    }
    switch (s->kind) {
    case SLSTMT_CREATE_TABLE:
        create_table(b, s);
        return;
    case SLSTMT_CREATE_VIEW:
        slbuf_puts(b, "(create-view ");
        name(b, s->name);
        flags(b, s);
        if (s->n_view_cols) {
            names(b, "columns", s->view_cols, s->n_view_cols);
        }
        slbuf_putc(b, ' ');
        query(b, s->query);
        slbuf_putc(b, ')');
        return;
    case SLSTMT_INSERT:
        slbuf_puts(b, "(insert ");
        name(b, s->name);
        if (s->overwrite) {
            slbuf_puts(b, " overwrite");
        }
        if (s->n_insert_cols) {
            names(b, "columns", s->insert_cols, s->n_insert_cols);
        }
        slbuf_putc(b, ' ');
        query(b, s->query);
        slbuf_putc(b, ')');
        return;
    case SLSTMT_SELECT:
        query(b, s->query);
        return;
    case SLSTMT_SET:
    case SLSTMT_RESET:
        slbuf_puts(b, s->kind == SLSTMT_SET ? "(set" : "(reset");
        if (s->key) {
            slbuf_putc(b, ' ');
            cstring(b, s->key);
        }
        if (s->value) {
            slbuf_putc(b, ' ');
            cstring(b, s->value);
        }
        slbuf_putc(b, ')');
        return;
    case SLSTMT_EXPLAIN:
    case SLSTMT_EXECUTE_SET:
        slbuf_puts(b, s->kind == SLSTMT_EXPLAIN ? "(explain" : "(statement-set");
        for (int k = 0; k < s->n_inner; k++) {
            slbuf_putc(b, ' ');
            slsql_dump_stmt(s->inner[k], b);
        }
        slbuf_putc(b, ')');
        return;
    case SLSTMT_DROP_TABLE:
    case SLSTMT_DROP_VIEW:
        slbuf_puts(b, s->kind == SLSTMT_DROP_TABLE ? "(drop-table " : "(drop-view ");
        name(b, s->name);
        flags(b, s);
        slbuf_putc(b, ')');
        return;
    case SLSTMT_SHOW_TABLES:
        slbuf_puts(b, "(show-tables)");
        return;
    case SLSTMT_DESCRIBE:
        slbuf_puts(b, "(describe ");
        name(b, s->name);
        slbuf_putc(b, ')');
        return;
    }
    slbuf_printf(b, "(?stmt%d)", (int)s->kind);
}
