/*
 * expr.c - building expression trees: nodes, literals, the lookup of
 * function names, the type checks of the operators (arithmetic, comparison,
 * logic, IN, BETWEEN, CASE, COALESCE...) with the implicit casts SQL wants,
 * CAST, copy/free, and the readable form used by EXPLAIN (slexpr_describe).
 *
 * Invariants: a node returned by a constructor is fully checked: every
 * argument has the type its kernel reads (implicit casts inserted), e->type
 * is final, SLXF_CONST and n_nodes are set. Trees are immutable afterwards
 * (except slexpr_const's cache, see eval.c), so threads share them.
 * Callers: the SQL binder, slcalc, tests.
 */
#include <stdio.h>

#include "expr/expr_int.h"

/* ---- nodes ---- */

static slexpr *node_new(slx_node_kind kind, sl_type type) {
    slexpr *e = slmem_calloc(1, sizeof *e);
    e->kind = (uint8_t)kind;
    e->type = type;
    e->col = -1;
    e->n_nodes = 1;
    return e;
}

/* Set SLXF_CONST and n_nodes from the arguments. */
static void node_finish(slexpr *e) {
    bool c = e->kind == SLXN_LIT;
    if (e->kind == SLXN_CALL || e->kind == SLXN_CAST) {
        c = !(e->fn && (e->fn->flags & SLFN_CLOCK));
    }
    uint32_t nodes = 1;
    for (int i = 0; i < e->n_args; i++) {
        c = c && (e->args[i]->flags & SLXF_CONST);
        nodes += e->args[i]->n_nodes;
    }
    e->flags = (uint8_t)((e->flags & ~SLXF_CONST) | (c ? SLXF_CONST : 0));
    e->n_nodes = nodes;
}

slexpr *slexpr_column(int col, sl_type type) {
    slexpr *e = node_new(SLXN_COL, type);
    e->col = col;
    return e;
}

static slexpr *lit_new(sl_type type) {
    slexpr *e = node_new(SLXN_LIT, type);
    e->val.type = type;
    e->flags = SLXF_CONST;
    return e;
}

slexpr *slexpr_null(sl_type type) {
    slexpr *e = lit_new(type);
    e->val.is_null = true;
    e->lit_null = 1;
    return e;
}

slexpr *slexpr_bool(bool v) {
    slexpr *e = lit_new(SL_BOOLEAN);
    e->val.v.b = v;
    return e;
}

slexpr *slexpr_bigint(int64_t v) {
    slexpr *e = lit_new(SL_BIGINT);
    e->val.v.i64 = v;
    return e;
}

slexpr *slexpr_double(double v) {
    slexpr *e = lit_new(SL_DOUBLE);
    e->val.v.f64 = v;
    return e;
}

slexpr *slexpr_string(const char *s, size_t len) {
    if (len > UINT32_MAX) {
        slmem_fatal("string literal", len);
    }
    slexpr *e = lit_new(SL_STRING);
    char *p = slmem_alloc(len + 1);
    if (len) {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    e->val.v.s.ptr = p;
    e->val.v.s.len = (uint32_t)len;
    return e;
}

slexpr *slexpr_timestamp(int64_t ts_us) {
    slexpr *e = lit_new(SL_TIMESTAMP);
    e->val.v.i64 = ts_us;
    return e;
}

slexpr *slexpr_interval(int64_t us) {
    slexpr *e = lit_new(SL_INTERVAL);
    e->val.v.i64 = us;
    return e;
}

void slexpr_free(slexpr *e) {
    if (!e) {
        return;
    }
    for (int i = 0; i < e->n_args; i++) {
        slexpr_free(e->args[i]);
    }
    slmem_free(e->args);
    if (e->aux && e->aux_free) {
        e->aux_free(e->aux);
    }
    if (e->kind == SLXN_LIT && e->type == SL_STRING && !e->val.is_null) {
        slmem_free((void *)e->val.v.s.ptr);
    }
    slmem_free(e->const_val);
    slmem_free(e->const_str);
    slmem_free(e);
}

slexpr *slexpr_copy(const slexpr *e) {
    if (!e) {
        return NULL;
    }
    slexpr *c = slmem_alloc(sizeof *c);
    *c = *e;
    c->aux = NULL;
    c->aux_free = NULL;
    c->const_val = NULL;
    c->const_str = NULL;
    c->cse = 0; /* a copy belongs to no set of shared subexpressions */
    if (e->kind == SLXN_LIT && e->type == SL_STRING && !e->val.is_null) {
        char *p = slmem_alloc((size_t)e->val.v.s.len + 1);
        memcpy(p, e->val.v.s.ptr, e->val.v.s.len);
        p[e->val.v.s.len] = '\0';
        c->val.v.s.ptr = p;
    }
    if (e->n_args) {
        c->args = slmem_alloc(slmem_mul((size_t)e->n_args, sizeof *c->args));
        for (int i = 0; i < e->n_args; i++) {
            c->args[i] = slexpr_copy(e->args[i]);
        }
    }
    /* Rebuild what the check prepared (compiled patterns, formats); on a
     * checked tree it inserts nothing and cannot fail. */
    if (c->kind == SLXN_CALL && (c->fn->check ? c->fn->check(c) : slexpr_check_sig(c)) != SL_OK) {
        sllog_warn("slexpr_copy: re-checking %s failed: %s", c->fn->name, sl_errmsg());
    }
    return c;
}

slexpr *slexpr_inline(const slexpr *e, slexpr *const *defs, int n_defs) {
    if (e->kind == SLXN_COL) {
        return e->col >= 0 && e->col < n_defs ? slexpr_copy(defs[e->col]) : slexpr_copy(e);
    }
    if (!e->n_args) {
        return slexpr_copy(e);
    }
    slexpr *c = slmem_alloc(sizeof *c);
    *c = *e;
    c->aux = NULL;
    c->aux_free = NULL;
    c->const_val = NULL;
    c->const_str = NULL;
    c->cse = 0; /* a copy belongs to no set of shared subexpressions */
    c->args = slmem_alloc(slmem_mul((size_t)e->n_args, sizeof *c->args));
    c->n_nodes = 1;
    for (int i = 0; i < e->n_args; i++) {
        c->args[i] = slexpr_inline(e->args[i], defs, n_defs);
        c->n_nodes += c->args[i]->n_nodes;
    }
    if (c->kind == SLXN_CALL && (c->fn->check ? c->fn->check(c) : slexpr_check_sig(c)) != SL_OK) {
        sllog_warn("slexpr_inline: re-checking %s failed: %s", c->fn->name, sl_errmsg());
    }
    return c;
}

sl_type slexpr_type(const slexpr *e) {
    return e->type;
}

bool slexpr_is_const(const slexpr *e) {
    return (e->flags & SLXF_CONST) != 0;
}

int slexpr_column_index(const slexpr *e) {
    return e->kind == SLXN_COL ? e->col : -1;
}

bool slexpr_is_proctime(const slexpr *e) {
    return e->kind == SLXN_CALL && e->fn && strcmp(e->fn->name, "PROCTIME") == 0;
}

sl_err slexpr_check_columns(const slexpr *e, const sl_schema *in) {
    if (e->kind == SLXN_COL) {
        if (e->col < 0 || e->col >= in->n) {
            return slerr_set(SL_ERR_TYPE, "column $%d does not exist (the input has %d columns)",
                             e->col, in->n);
        }
        if (in->fields[e->col].type != e->type) {
            return slerr_set(SL_ERR_TYPE, "column '%s' is %s, the expression reads it as %s",
                             in->fields[e->col].name, slexpr_type_name(in->fields[e->col].type),
                             slexpr_type_name(e->type));
        }
    }
    for (int i = 0; i < e->n_args; i++) {
        sl_err err = slexpr_check_columns(e->args[i], in);
        if (err) {
            return err;
        }
    }
    return SL_OK;
}

void slexpr_mark_columns(const slexpr *e, uint8_t *used, int n) {
    if (e->kind == SLXN_COL && e->col >= 0 && e->col < n) {
        used[e->col] = 1;
    }
    for (int i = 0; i < e->n_args; i++) {
        slexpr_mark_columns(e->args[i], used, n);
    }
}

const char *slexpr_type_name(sl_type t) {
    switch ((int)t) {
    case SL_INTERVAL:
        return "INTERVAL";
    case SL_NULLTYPE:
        return "NULL";
    default:
        return sl_type_name(t);
    }
}

/* ---- implicit casts and coercion ---- */

slexpr *slexpr_implicit_cast(slexpr *e, sl_type t) {
    slexpr *c = node_new(SLXN_CAST, t);
    c->flags = SLXF_IMPLICIT;
    c->args = slmem_alloc(sizeof *c->args);
    c->args[0] = e;
    c->n_args = 1;
    node_finish(c);
    return c;
}

static bool is_num(sl_type t) {
    return t == SL_BIGINT || t == SL_DOUBLE;
}

/* A constant STRING that parses as a timestamp (it may then stand for one in
 * a comparison). */
static bool const_str_is_ts(const slexpr *a) {
    slvalue v;
    if (a->type != SL_STRING || !slexpr_is_const(a) || slexpr_const(a, &v) != SL_OK) {
        return false;
    }
    int64_t ts;
    return v.is_null || slexpr_parse_ts(v.v.s.ptr, v.v.s.len, &ts);
}

/* Give *slot type t; the caller has decided the change is allowed. */
static void coerce(slexpr **slot, sl_type t) {
    slexpr *a = *slot;
    if (a->type == t) {
        return;
    }
    if (a->type == SL_NULLTYPE && a->kind == SLXN_LIT) {
        a->type = t;
        a->val.type = t;
        return;
    }
    *slot = slexpr_implicit_cast(a, t);
}

/* Whether a value of type `from` may be used where `to` is wanted without
 * a CAST. */
static bool assignable(sl_type from, sl_type to) {
    return from == to || from == SL_NULLTYPE || (from == SL_BIGINT && to == SL_DOUBLE);
}

sl_err slexpr_want(slexpr *e, int a, sl_type t) {
    sl_type got = e->args[a]->type;
    if (!assignable(got, t)) {
        if (e->n_args == 1) {
            return slerr_set(SL_ERR_TYPE, "%s expects %s, got %s", e->fn->name, slexpr_type_name(t),
                             slexpr_type_name(got));
        }
        return slerr_set(SL_ERR_TYPE, "%s argument %d expects %s, got %s", e->fn->name, a + 1,
                         slexpr_type_name(t), slexpr_type_name(got));
    }
    coerce(&e->args[a], t);
    return SL_OK;
}

sl_err slexpr_check_sig(slexpr *e) {
    const char *sig = e->fn->sig;
    size_t ns = strlen(sig);
    for (int a = 0; a < e->n_args; a++) {
        char c = sig[SL_MIN((size_t)a, ns - 1)];
        sl_err err;
        switch (c) {
        case 'S':
            err = slexpr_want(e, a, SL_STRING);
            break;
        case 'I':
            err = slexpr_want(e, a, SL_BIGINT);
            break;
        case 'D':
            err = slexpr_want(e, a, SL_DOUBLE);
            break;
        case 'T':
            err = slexpr_want(e, a, SL_TIMESTAMP);
            break;
        case 'B':
            err = slexpr_want(e, a, SL_BOOLEAN);
            break;
        default: /* N */
            err = slexpr_want_num(e, a);
            break;
        }
        if (err) {
            return err;
        }
    }
    e->type = e->fn->result ? e->fn->result : e->args[0]->type;
    return SL_OK;
}

sl_err slexpr_want_num(slexpr *e, int a) {
    sl_type got = e->args[a]->type;
    if (got == SL_DOUBLE) {
        return SL_OK;
    }
    return slexpr_want(e, a, SL_BIGINT);
}

bool slexpr_arg_const(const slexpr *e, int a, slvalue *out) {
    return slexpr_is_const(e->args[a]) && slexpr_const(e->args[a], out) == SL_OK;
}

sl_err slexpr_want_const_str(slexpr *e, int a, char *buf, size_t cap) {
    slvalue v;
    if (e->args[a]->type != SL_STRING || !slexpr_arg_const(e, a, &v) || v.is_null) {
        return slerr_set(SL_ERR_TYPE, "%s argument %d must be a constant unit name", e->fn->name,
                         a + 1);
    }
    size_t n = SL_MIN((size_t)v.v.s.len, cap - 1);
    memcpy(buf, v.v.s.ptr, n);
    buf[n] = '\0';
    return SL_OK;
}

/* The common type of args[idx[0..k)]; see slexpr_unify. `op_style` picks the
 * message form: "cannot apply '=' to A and B" or "CASE arguments have
 * incompatible types A and B". */
static sl_err unify_idx(slexpr *e, const int *idx, int k, bool cmp, const char *what, bool op_style,
                        sl_type *out) {
    bool has_ts = false;
    for (int j = 0; cmp && j < k; j++) {
        has_ts |= e->args[idx[j]]->type == SL_TIMESTAMP;
    }
    sl_type t = SL_NULLTYPE;
    for (int j = 0; j < k; j++) {
        const slexpr *a = e->args[idx[j]];
        sl_type at = a->type;
        if (at == SL_STRING && has_ts && const_str_is_ts(a)) {
            at = SL_TIMESTAMP;
        }
        if (at == SL_NULLTYPE || at == t) {
            continue;
        }
        if (t == SL_NULLTYPE) {
            t = at;
        } else if (is_num(t) && is_num(at)) {
            t = SL_DOUBLE;
        } else {
            /* Name the first argument's type and the clashing one. */
            sl_type first = e->args[idx[0]]->type;
            sl_type shown = first == SL_NULLTYPE || first == a->type ? t : first;
            if (op_style) {
                return slerr_set(SL_ERR_TYPE, "cannot apply '%s' to %s and %s", what,
                                 slexpr_type_name(shown), slexpr_type_name(a->type));
            }
            return slerr_set(SL_ERR_TYPE, "%s arguments have incompatible types %s and %s", what,
                             slexpr_type_name(t), slexpr_type_name(a->type));
        }
    }
    for (int j = 0; j < k && t != SL_NULLTYPE; j++) {
        coerce(&e->args[idx[j]], t);
    }
    *out = t;
    return SL_OK;
}

sl_err slexpr_unify(slexpr *e, int first, int n, bool cmp, const char *what, sl_type *out) {
    int small[16] = {0};
    int *idx = n <= 16 ? small : slmem_alloc(slmem_mul((size_t)n, sizeof *idx));
    for (int j = 0; j < n; j++) {
        idx[j] = first + j;
    }
    sl_err err = unify_idx(e, idx, n, cmp, what, false, out);
    if (idx != small) {
        slmem_free(idx);
    }
    return err;
}

/* ---- type checks of the core operators ---- */

/* The symbol shown in messages ("-" for NEG). */
static const char *op_symbol(const slexpr *e) {
    return e->fn->op == SLX_NEG ? "-" : e->fn->name;
}

static sl_err check_arith(slexpr *e) {
    slx_op op = e->fn->op;
    sl_type ta = e->args[0]->type, tb = e->args[1]->type;
    if ((is_num(ta) || ta == SL_NULLTYPE) && (is_num(tb) || tb == SL_NULLTYPE)) {
        sl_type t;
        int idx[2] = {0, 1};
        sl_err err = unify_idx(e, idx, 2, false, op_symbol(e), true, &t);
        if (err) {
            return err;
        }
        if (t == SL_NULLTYPE) {
            t = SL_BIGINT;
            coerce(&e->args[0], t);
            coerce(&e->args[1], t);
        }
        e->type = t;
        return SL_OK;
    }
    /* Time arithmetic: first matching rule, an untyped NULL matching any
     * type; the order makes "INTERVAL + NULL" an INTERVAL. */
    static const struct {
        slx_op op;
        sl_type a, b, r;
    } rules[] = {
        {SLX_ADD, SL_TIMESTAMP, SL_INTERVAL, SL_TIMESTAMP},
        {SLX_ADD, SL_INTERVAL, SL_INTERVAL, SL_INTERVAL},
        {SLX_ADD, SL_INTERVAL, SL_TIMESTAMP, SL_TIMESTAMP},
        {SLX_SUB, SL_TIMESTAMP, SL_INTERVAL, SL_TIMESTAMP},
        {SLX_SUB, SL_INTERVAL, SL_INTERVAL, SL_INTERVAL},
        {SLX_MUL, SL_INTERVAL, SL_BIGINT, SL_INTERVAL},
        {SLX_MUL, SL_BIGINT, SL_INTERVAL, SL_INTERVAL},
        {SLX_DIV, SL_INTERVAL, SL_BIGINT, SL_INTERVAL},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(rules); i++) {
        if (rules[i].op == op && (ta == rules[i].a || ta == SL_NULLTYPE) &&
            (tb == rules[i].b || tb == SL_NULLTYPE)) {
            coerce(&e->args[0], rules[i].a);
            coerce(&e->args[1], rules[i].b);
            e->type = rules[i].r;
            return SL_OK;
        }
    }
    if (op == SLX_SUB && ta == SL_TIMESTAMP && tb == SL_TIMESTAMP) {
        return slerr_set(SL_ERR_TYPE,
                         "cannot apply '-' to TIMESTAMP and TIMESTAMP (use TIMESTAMPDIFF)");
    }
    return slerr_set(SL_ERR_TYPE, "cannot apply '%s' to %s and %s", op_symbol(e),
                     slexpr_type_name(ta), slexpr_type_name(tb));
}

static sl_err check_neg(slexpr *e) {
    sl_type t = e->args[0]->type;
    if (t == SL_NULLTYPE) {
        coerce(&e->args[0], SL_BIGINT);
        t = SL_BIGINT;
    }
    if (!is_num(t) && t != SL_INTERVAL) {
        return slerr_set(SL_ERR_TYPE, "cannot apply '-' to %s", slexpr_type_name(t));
    }
    e->type = t;
    return SL_OK;
}

/* Comparison-like: every argument of one comparable type. */
static sl_err check_cmp(slexpr *e) {
    sl_type t;
    int small[16] = {0};
    int n = e->n_args;
    int *idx = n <= 16 ? small : slmem_alloc(slmem_mul((size_t)n, sizeof *idx));
    for (int j = 0; j < n; j++) {
        idx[j] = j;
    }
    const char *what = e->fn->name;
    sl_err err = unify_idx(e, idx, n, true, what, true, &t);
    if (idx != small) {
        slmem_free(idx);
    }
    if (err) {
        return err;
    }
    if (t == SL_NULLTYPE) {
        for (int j = 0; j < n; j++) {
            coerce(&e->args[j], SL_BIGINT);
        }
    }
    e->type = SL_BOOLEAN;
    return SL_OK;
}

static sl_err check_logic(slexpr *e) {
    for (int i = 0; i < e->n_args; i++) {
        if (!assignable(e->args[i]->type, SL_BOOLEAN)) {
            if (e->n_args == 1) {
                return slerr_set(SL_ERR_TYPE, "cannot apply '%s' to %s", e->fn->name,
                                 slexpr_type_name(e->args[0]->type));
            }
            return slerr_set(SL_ERR_TYPE, "cannot apply '%s' to %s and %s", e->fn->name,
                             slexpr_type_name(e->args[0]->type),
                             slexpr_type_name(e->args[1]->type));
        }
    }
    for (int i = 0; i < e->n_args; i++) {
        coerce(&e->args[i], SL_BOOLEAN);
    }
    e->type = SL_BOOLEAN;
    return SL_OK;
}

static sl_err check_is_null(slexpr *e) {
    e->type = SL_BOOLEAN;
    return SL_OK;
}

static sl_err check_cond(slexpr *e) {
    /* CASE: when/then pairs, then an optional else. */
    int n = e->n_args;
    int n_pairs = n / 2;
    int small[16] = {0};
    int *idx = n <= 16 ? small : slmem_alloc(slmem_mul((size_t)n, sizeof *idx));
    int k = 0;
    sl_err err = SL_OK;
    for (int p = 0; p < n_pairs; p++) {
        sl_type ct = e->args[2 * p]->type;
        if (!assignable(ct, SL_BOOLEAN)) {
            err = slerr_set(SL_ERR_TYPE, "CASE condition must be BOOLEAN, got %s",
                            slexpr_type_name(ct));
            goto out;
        }
        coerce(&e->args[2 * p], SL_BOOLEAN);
        idx[k++] = 2 * p + 1;
    }
    if (n % 2) {
        idx[k++] = n - 1;
    }
    err = unify_idx(e, idx, k, false, "CASE", false, &e->type);
out:
    if (idx != small) {
        slmem_free(idx);
    }
    return err;
}

static sl_err check_coalesce(slexpr *e) {
    return slexpr_unify(e, 0, e->n_args, false, e->fn->name, &e->type);
}

static sl_err check_nullif(slexpr *e) {
    sl_type t;
    sl_err err = slexpr_unify(e, 0, 2, true, e->fn->name, &t);
    e->type = t;
    return err;
}

static sl_err check_if(slexpr *e) {
    sl_type ct = e->args[0]->type;
    if (!assignable(ct, SL_BOOLEAN)) {
        return slerr_set(SL_ERR_TYPE, "IF argument 1 expects BOOLEAN, got %s",
                         slexpr_type_name(ct));
    }
    coerce(&e->args[0], SL_BOOLEAN);
    return slexpr_unify(e, 1, 2, false, "IF", &e->type);
}

static sl_err check_greatest(slexpr *e) {
    return slexpr_unify(e, 0, e->n_args, true, e->fn->name, &e->type);
}

/* clang-format off */
const slexpr_fn slexpr_fns_core[] = {
    {"+", SLX_ADD, 2, 2, 0, check_arith, slexpr_k_arith, NULL, 0},
    {"-", SLX_SUB, 2, 2, 0, check_arith, slexpr_k_arith, NULL, 0},
    {"*", SLX_MUL, 2, 2, 0, check_arith, slexpr_k_arith, NULL, 0},
    {"/", SLX_DIV, 2, 2, 0, check_arith, slexpr_k_arith, NULL, 0},
    {"%", SLX_MOD, 2, 2, 0, check_arith, slexpr_k_arith, NULL, 0},
    {"MOD", SLX_MOD, 2, 2, 0, check_arith, slexpr_k_arith, NULL, 0},
    {"NEG", SLX_NEG, 1, 1, 0, check_neg, slexpr_k_neg, NULL, 0},
    {"=", SLX_EQ, 2, 2, 0, check_cmp, slexpr_k_cmp, NULL, 0},
    {"<>", SLX_NE, 2, 2, 0, check_cmp, slexpr_k_cmp, NULL, 0},
    {"!=", SLX_NE, 2, 2, 0, check_cmp, slexpr_k_cmp, NULL, 0},
    {"<", SLX_LT, 2, 2, 0, check_cmp, slexpr_k_cmp, NULL, 0},
    {"<=", SLX_LE, 2, 2, 0, check_cmp, slexpr_k_cmp, NULL, 0},
    {">", SLX_GT, 2, 2, 0, check_cmp, slexpr_k_cmp, NULL, 0},
    {">=", SLX_GE, 2, 2, 0, check_cmp, slexpr_k_cmp, NULL, 0},
    {"AND", SLX_AND, 2, -1, SLFN_LAZY, check_logic, NULL, NULL, 0},
    {"OR", SLX_OR, 2, -1, SLFN_LAZY, check_logic, NULL, NULL, 0},
    {"NOT", SLX_NOT, 1, 1, 0, check_logic, slexpr_k_not, NULL, 0},
    {"IS NULL", SLX_IS_NULL, 1, 1, SLFN_NONSTRICT, check_is_null, slexpr_k_is, NULL, 0},
    {"IS NOT NULL", SLX_IS_NOT_NULL, 1, 1, SLFN_NONSTRICT, check_is_null, slexpr_k_is, NULL, 0},
    {"IS TRUE", SLX_IS_TRUE, 1, 1, SLFN_NONSTRICT, check_logic, slexpr_k_is, NULL, 0},
    {"IS NOT TRUE", SLX_IS_NOT_TRUE, 1, 1, SLFN_NONSTRICT, check_logic, slexpr_k_is, NULL, 0},
    {"IS FALSE", SLX_IS_FALSE, 1, 1, SLFN_NONSTRICT, check_logic, slexpr_k_is, NULL, 0},
    {"IS NOT FALSE", SLX_IS_NOT_FALSE, 1, 1, SLFN_NONSTRICT, check_logic, slexpr_k_is, NULL, 0},
    {"IS DISTINCT FROM", SLX_IS_DISTINCT, 2, 2, SLFN_NONSTRICT, check_cmp, slexpr_k_is, NULL, 0},
    {"IS NOT DISTINCT FROM", SLX_IS_NOT_DISTINCT, 2, 2, SLFN_NONSTRICT, check_cmp, slexpr_k_is,
     NULL, 0},
    {"IN", SLX_IN, 2, -1, SLFN_NONSTRICT, check_cmp, slexpr_k_in, NULL, 0},
    {"NOT IN", SLX_NOT_IN, 2, -1, SLFN_NONSTRICT, check_cmp, slexpr_k_in, NULL, 0},
    {"BETWEEN", SLX_BETWEEN, 3, 3, SLFN_LAZY, check_cmp, NULL, NULL, 0},
    {"NOT BETWEEN", SLX_NOT_BETWEEN, 3, 3, SLFN_LAZY, check_cmp, NULL, NULL, 0},
    {"CASE", SLX_CASE, 1, -1, SLFN_LAZY, check_cond, NULL, NULL, 0},
    {"COALESCE", SLX_COALESCE, 1, -1, SLFN_LAZY, check_coalesce, NULL, NULL, 0},
    {"IFNULL", SLX_COALESCE, 2, 2, SLFN_LAZY, check_coalesce, NULL, NULL, 0},
    {"NULLIF", SLX_NULLIF, 2, 2, SLFN_NONSTRICT, check_nullif, slexpr_k_nullif, NULL, 0},
    {"IF", SLX_IF, 3, 3, SLFN_LAZY, check_if, NULL, NULL, 0},
    {"GREATEST", SLX_GREATEST, 1, -1, 0, check_greatest, slexpr_k_greatest, NULL, 0},
    {"LEAST", SLX_LEAST, 1, -1, 0, check_greatest, slexpr_k_greatest, NULL, 0},
};
/* clang-format on */
const int slexpr_n_fns_core = (int)SL_ARRAY_LEN(slexpr_fns_core);

/* ---- slexpr_func / slexpr_cast ---- */

static const struct {
    const slexpr_fn *fns;
    const int *n;
} tables[] = {
    {slexpr_fns_core, &slexpr_n_fns_core},       {slexpr_fns_string, &slexpr_n_fns_string},
    {slexpr_fns_pattern, &slexpr_n_fns_pattern}, {slexpr_fns_math, &slexpr_n_fns_math},
    {slexpr_fns_time, &slexpr_n_fns_time},
};

/* The entry called `name` that takes n arguments; else the first called
 * `name` (*count_ok false); NULL when no entry has the name. */
static const slexpr_fn *lookup(const char *name, int n, bool *count_ok) {
    const slexpr_fn *first = NULL;
    size_t len = strlen(name);
    for (size_t t = 0; t < SL_ARRAY_LEN(tables); t++) {
        for (int i = 0; i < *tables[t].n; i++) {
            const slexpr_fn *f = &tables[t].fns[i];
            if (!slstr_ieq(f->name, name, len)) {
                continue;
            }
            if (n >= f->min_args && (f->max_args < 0 || n <= f->max_args)) {
                *count_ok = true;
                return f;
            }
            first = first ? first : f;
        }
    }
    *count_ok = false;
    return first;
}

static void free_args(slexpr **args, int n) {
    for (int i = 0; i < n; i++) {
        slexpr_free(args[i]);
    }
}

sl_err slexpr_func(const char *name, slexpr **args, int n, slexpr **out) {
    *out = NULL;
    static const struct {
        const char *name, *why;
    } refused[] = {
        {"SIMILAR TO", "SIMILAR TO is not supported (use REGEXP)"},
        {"NOT SIMILAR TO", "SIMILAR TO is not supported (use REGEXP)"},
        {"RAND", "RAND is not supported: results must be deterministic for replay"},
        {"RAND_INTEGER", "RAND_INTEGER is not supported: results must be deterministic for replay"},
        {"UUID", "UUID is not supported: results must be deterministic for replay"},
        {"CURRENT_WATERMARK", "CURRENT_WATERMARK is not supported"},
        {"CURRENT_DATE", "CURRENT_DATE is not supported (there is no DATE type: use "
                         "FLOOR(CURRENT_TIMESTAMP TO DAY))"},
        {"CURRENT_TIME", "CURRENT_TIME is not supported (there is no TIME type)"},
        {"LOCALTIME", "LOCALTIME is not supported (there is no TIME type)"},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(refused); i++) {
        if (slstr_ieq(refused[i].name, name, strlen(name))) {
            free_args(args, n);
            return slerr_set(SL_ERR_UNSUPPORTED, "%s", refused[i].why);
        }
    }
    bool count_ok;
    const slexpr_fn *f = lookup(name, n, &count_ok);
    if (!f) {
        free_args(args, n);
        return slerr_set(SL_ERR_NOTFOUND, "unknown function '%s'", name);
    }
    if (!count_ok) {
        free_args(args, n);
        if (f->max_args == f->min_args) {
            return slerr_set(SL_ERR_TYPE, "%s takes %d argument%s, got %d", f->name, f->min_args,
                             f->min_args == 1 ? "" : "s", n);
        }
        if (f->max_args < 0) {
            return slerr_set(SL_ERR_TYPE, "%s takes at least %d argument%s, got %d", f->name,
                             f->min_args, f->min_args == 1 ? "" : "s", n);
        }
        return slerr_set(SL_ERR_TYPE, "%s takes %d to %d arguments, got %d", f->name, f->min_args,
                         f->max_args, n);
    }
    slexpr *e = node_new(SLXN_CALL, SL_NULLTYPE);
    e->fn = f;
    e->n_args = n;
    if (n) {
        e->args = slmem_alloc(slmem_mul((size_t)n, sizeof *e->args));
        memcpy(e->args, args, (size_t)n * sizeof *args);
    }
    sl_err err = f->check ? f->check(e) : slexpr_check_sig(e);
    if (err) {
        slexpr_free(e);
        return err;
    }
    node_finish(e);
    *out = e;
    return SL_OK;
}

sl_err slexpr_cast(slexpr *e, sl_type type, bool try_cast, slexpr **out) {
    SL_UNUSED(try_cast); /* a failed cast is NULL either way */
    *out = NULL;
    if (e->type == type) {
        *out = e;
        return SL_OK;
    }
    sl_err err = slexpr_cast_check(e->type, type);
    if (err) {
        slexpr_free(e);
        return err;
    }
    if (e->type == SL_NULLTYPE && e->kind == SLXN_LIT) {
        e->type = type;
        e->val.type = type;
        *out = e;
        return SL_OK;
    }
    slexpr *c = slexpr_implicit_cast(e, type);
    c->flags &= (uint8_t)~SLXF_IMPLICIT;
    *out = c;
    return SL_OK;
}

/* ---- describe ---- */

static const slexpr *skip_implicit(const slexpr *e) {
    while (e->kind == SLXN_CAST && (e->flags & SLXF_IMPLICIT)) {
        e = e->args[0];
    }
    return e;
}

static void put_quoted(slbuf *out, const char *s, size_t n) {
    slbuf_putc(out, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') {
            slbuf_putc(out, '\'');
        }
        slbuf_putc(out, s[i]);
    }
    slbuf_putc(out, '\'');
}

static void put_interval(slbuf *out, int64_t us) {
    static const struct {
        int64_t us;
        const char *unit;
    } units[] = {
        {24 * SL_HOUR, "DAY"}, {SL_HOUR, "HOUR"}, {SL_MINUTE, "MINUTE"}, {SL_SECOND, "SECOND"}};
    for (size_t i = 0; i < SL_ARRAY_LEN(units); i++) {
        if (us % units[i].us == 0 && us != 0) {
            slbuf_printf(out, "INTERVAL '%lld' %s", (long long)(us / units[i].us), units[i].unit);
            return;
        }
    }
    if (us == 0) {
        slbuf_puts(out, "INTERVAL '0' SECOND");
        return;
    }
    /* Fractional seconds, trailing zeros trimmed. */
    uint64_t mag = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
    char frac[8];
    snprintf(frac, sizeof frac, "%06llu", (unsigned long long)(mag % 1000000));
    size_t fl = strlen(frac);
    while (fl > 1 && frac[fl - 1] == '0') {
        frac[--fl] = '\0';
    }
    slbuf_printf(out, "INTERVAL '%s%llu.%s' SECOND", us < 0 ? "-" : "",
                 (unsigned long long)(mag / 1000000), frac);
}

static void put_value(slbuf *out, const slvalue *v) {
    if (v->is_null) {
        slbuf_puts(out, "NULL");
        return;
    }
    switch ((int)v->type) {
    case SL_BOOLEAN:
        slbuf_puts(out, v->v.b ? "TRUE" : "FALSE");
        break;
    case SL_BIGINT:
        slbuf_printf(out, "%lld", (long long)v->v.i64);
        break;
    case SL_DOUBLE: {
        char buf[40];
        slbuf_put(out, buf, slexpr_fmt_double(v->v.f64, buf));
        break;
    }
    case SL_STRING:
        put_quoted(out, v->v.s.ptr, v->v.s.len);
        break;
    case SL_TIMESTAMP: {
        char buf[48];
        size_t n = sl_format_timestamp(v->v.i64, buf, sizeof buf);
        slbuf_puts(out, "TIMESTAMP ");
        put_quoted(out, buf, n);
        break;
    }
    case SL_INTERVAL:
        put_interval(out, v->v.i64);
        break;
    default:
        slbuf_puts(out, "NULL");
        break;
    }
}

/* Whether e prints as an operator form that needs parentheses inside
 * another operator. */
static bool is_operator_form(const slexpr *e) {
    e = skip_implicit(e);
    if (e->kind != SLXN_CALL) {
        return false;
    }
    switch (e->fn->op) {
    case SLX_ADD:
    case SLX_SUB:
    case SLX_MUL:
    case SLX_DIV:
    case SLX_NEG:
    case SLX_EQ:
    case SLX_NE:
    case SLX_LT:
    case SLX_LE:
    case SLX_GT:
    case SLX_GE:
    case SLX_AND:
    case SLX_OR:
    case SLX_NOT:
    case SLX_IS_NULL:
    case SLX_IS_NOT_NULL:
    case SLX_IS_TRUE:
    case SLX_IS_NOT_TRUE:
    case SLX_IS_FALSE:
    case SLX_IS_NOT_FALSE:
    case SLX_IS_DISTINCT:
    case SLX_IS_NOT_DISTINCT:
    case SLX_IN:
    case SLX_NOT_IN:
    case SLX_BETWEEN:
    case SLX_NOT_BETWEEN:
    case SLX_LIKE:
    case SLX_NOT_LIKE:
        return true;
    case SLX_MOD:
        return strcmp(e->fn->name, "%") == 0;
    case SLX_CONCAT:
        return strcmp(e->fn->name, "||") == 0;
    default:
        return false;
    }
}

static void describe(const slexpr *e, const sl_schema *in, slbuf *out);

static void describe_operand(const slexpr *e, const sl_schema *in, slbuf *out) {
    bool paren = is_operator_form(e);
    if (paren) {
        slbuf_putc(out, '(');
    }
    describe(e, in, out);
    if (paren) {
        slbuf_putc(out, ')');
    }
}

/* A unit argument (a constant STRING) printed bare: DAY, not 'DAY'. */
static void describe_unit(const slexpr *e, const sl_schema *in, slbuf *out) {
    e = skip_implicit(e);
    if (e->kind == SLXN_LIT && e->type == SL_STRING && !e->val.is_null) {
        slbuf_put(out, e->val.v.s.ptr, e->val.v.s.len);
    } else {
        describe(e, in, out);
    }
}

static void describe_call(const slexpr *e, const sl_schema *in, slbuf *out) {
    const char *name = e->fn->name;
    slexpr *const *a = e->args;
    int n = e->n_args;
    switch (e->fn->op) {
    case SLX_NEG:
        slbuf_putc(out, '-');
        describe_operand(a[0], in, out);
        return;
    case SLX_NOT:
        slbuf_puts(out, "NOT ");
        describe_operand(a[0], in, out);
        return;
    case SLX_IS_NULL:
    case SLX_IS_NOT_NULL:
    case SLX_IS_TRUE:
    case SLX_IS_NOT_TRUE:
    case SLX_IS_FALSE:
    case SLX_IS_NOT_FALSE:
        describe_operand(a[0], in, out);
        slbuf_printf(out, " %s", name);
        return;
    case SLX_IN:
    case SLX_NOT_IN:
        describe_operand(a[0], in, out);
        slbuf_printf(out, " %s (", name);
        for (int i = 1; i < n; i++) {
            if (i > 1) {
                slbuf_puts(out, ", ");
            }
            describe(a[i], in, out);
        }
        slbuf_putc(out, ')');
        return;
    case SLX_BETWEEN:
    case SLX_NOT_BETWEEN:
        describe_operand(a[0], in, out);
        slbuf_printf(out, " %s ", name);
        describe_operand(a[1], in, out);
        slbuf_puts(out, " AND ");
        describe_operand(a[2], in, out);
        return;
    case SLX_LIKE:
    case SLX_NOT_LIKE:
        describe_operand(a[0], in, out);
        slbuf_printf(out, " %s ", name);
        describe_operand(a[1], in, out);
        if (n > 2) {
            slbuf_puts(out, " ESCAPE ");
            describe_operand(a[2], in, out);
        }
        return;
    case SLX_CASE:
        slbuf_puts(out, "CASE");
        for (int i = 0; i + 1 < n; i += 2) {
            slbuf_puts(out, " WHEN ");
            describe(a[i], in, out);
            slbuf_puts(out, " THEN ");
            describe(a[i + 1], in, out);
        }
        if (n % 2) {
            slbuf_puts(out, " ELSE ");
            describe(a[n - 1], in, out);
        }
        slbuf_puts(out, " END");
        return;
    case SLX_EXTRACT:
        slbuf_puts(out, "EXTRACT(");
        describe_unit(a[0], in, out);
        slbuf_puts(out, " FROM ");
        describe(a[1], in, out);
        slbuf_putc(out, ')');
        return;
    case SLX_TS_FLOOR:
    case SLX_TS_CEIL:
        slbuf_printf(out, "%s(", name);
        describe(a[0], in, out);
        slbuf_puts(out, " TO ");
        describe_unit(a[1], in, out);
        slbuf_putc(out, ')');
        return;
    case SLX_TIMESTAMPADD:
    case SLX_TIMESTAMPDIFF:
        slbuf_printf(out, "%s(", name);
        describe_unit(a[0], in, out);
        for (int i = 1; i < n; i++) {
            slbuf_puts(out, ", ");
            describe(a[i], in, out);
        }
        slbuf_putc(out, ')');
        return;
    case SLX_POSITION:
        slbuf_puts(out, "POSITION(");
        describe(a[0], in, out);
        slbuf_puts(out, " IN ");
        describe(a[1], in, out);
        slbuf_putc(out, ')');
        return;
    default:
        break;
    }
    if (is_operator_form(e)) {
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                slbuf_printf(out, " %s ", name);
            }
            describe_operand(a[i], in, out);
        }
        return;
    }
    slbuf_printf(out, "%s(", name);
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            slbuf_puts(out, ", ");
        }
        describe(a[i], in, out);
    }
    slbuf_putc(out, ')');
}

static void describe(const slexpr *e, const sl_schema *in, slbuf *out) {
    e = skip_implicit(e);
    switch (e->kind) {
    case SLXN_COL:
        if (in && e->col >= 0 && e->col < in->n) {
            slbuf_puts(out, in->fields[e->col].name);
        } else {
            slbuf_printf(out, "$%d", e->col);
        }
        break;
    case SLXN_LIT:
        put_value(out, &e->val);
        break;
    case SLXN_CAST:
        slbuf_puts(out, "CAST(");
        describe(e->args[0], in, out);
        slbuf_printf(out, " AS %s)", slexpr_type_name(e->type));
        break;
    default:
        describe_call(e, in, out);
        break;
    }
}

void slexpr_describe(const slexpr *e, const sl_schema *in, slbuf *out) {
    describe(e, in, out);
}
