/*
 * cse.c - common subexpression elimination over a set of trees evaluated on
 * the same batches (slexpr_share, expr.h), as Calcite's RexProgram does for
 * Flink's Calc: a subexpression written twice (REGEXP_EXTRACT(url, ...) in
 * a WHERE and again in a CASE of the SELECT, LOWER(channel) in five WHENs,
 * or duplicated by the planner's fusion of two calcs) gets an id in
 * slexpr.cse, and the evaluator (eval.c) computes a marked node once per
 * batch and hands the same vector to every later use.
 *
 * Which nodes are marked: calls and casts that are not constant (constant
 * subtrees are folded to one value already) and read no processing time
 * (NOW() and its kin are not deterministic: two calls are two readings of
 * the clock, so they are never merged). Every other function of the
 * library is deterministic and total: it never fails, a bad row gives NULL
 * (division by zero, a failed cast, a bad pattern), so computing a shared
 * value for a row where one of its uses would not have needed it (a CASE
 * branch that row does not take) changes no result. See eval.c for when the
 * value is computed (on first use, for the whole batch).
 *
 * Only nodes that would really be evaluated twice are marked: walking the
 * trees in order, the first occurrence of a repeated subexpression is
 * descended into and later ones are not (they will be served from the
 * cache), so f(g(x)) written twice marks f only, while g(x) written once
 * more elsewhere marks both.
 *
 * Cost: O(N log N) in the number of nodes plus equality checks within equal
 * hashes; called once per operator argument when a plan is built.
 */
#include <stdlib.h>

#include "expr/expr_int.h"

typedef struct cand {
    slexpr *e;     /* borrowed */
    uint64_t hash; /* structural */
    uint32_t cls;  /* index of the first candidate equal to this one */
} cand;

typedef struct cse_ctx {
    cand *c; /* owned */
    uint32_t n, cap;
    uint32_t *count;   /* owned: per class, occurrences */
    uint32_t *reached; /* owned: per class, occurrences seen by the pruned walk */
    uint32_t *id;      /* owned: per class, the id given (0: none) */
} cse_ctx;

static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 0x100000001b3ull;
    }
    return mix(h, n);
}

static uint64_t hash_lit(const slexpr *e) {
    uint64_t h = mix((uint64_t)e->val.type, e->val.is_null);
    if (e->val.is_null) {
        return h;
    }
    switch ((int)e->val.type) {
    case SL_STRING:
        return hash_bytes(h, e->val.v.s.ptr, e->val.v.s.len);
    case SL_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &e->val.v.f64, sizeof bits);
        return mix(h, bits);
    }
    case SL_BOOLEAN:
        return mix(h, e->val.v.b);
    default:
        return mix(h, (uint64_t)e->val.v.i64);
    }
}

static bool lit_equal(const slexpr *a, const slexpr *b) {
    if (a->val.type != b->val.type || a->val.is_null != b->val.is_null) {
        return false;
    }
    if (a->val.is_null) {
        return true;
    }
    switch ((int)a->val.type) {
    case SL_STRING:
        return a->val.v.s.len == b->val.v.s.len &&
               (a->val.v.s.len == 0 || memcmp(a->val.v.s.ptr, b->val.v.s.ptr, a->val.v.s.len) == 0);
    case SL_DOUBLE:
        /* Bit equality: -0.0 and 0.0 print differently. */
        return memcmp(&a->val.v.f64, &b->val.v.f64, sizeof(double)) == 0;
    case SL_BOOLEAN:
        return a->val.v.b == b->val.v.b;
    default:
        return a->val.v.i64 == b->val.v.i64;
    }
}

/* Structural equality: the same node kind, type, function or cast, column,
 * literal value, prepared operand and arguments. (aux, a compiled pattern or
 * format, is derived from the arguments.) */
static bool node_equal(const slexpr *a, const slexpr *b) {
    if (a == b) {
        return true;
    }
    if (a->kind != b->kind || a->type != b->type || a->fn != b->fn || a->col != b->col ||
        a->imm != b->imm || a->n_args != b->n_args || a->n_nodes != b->n_nodes) {
        return false;
    }
    if (a->kind == SLXN_LIT && !lit_equal(a, b)) {
        return false;
    }
    for (int i = 0; i < a->n_args; i++) {
        if (!node_equal(a->args[i], b->args[i])) {
            return false;
        }
    }
    return true;
}

/* Hash e's subtree bottom-up, clear old marks and collect the candidates
 * (numbered in e->cse, see walk).
 * *clock: whether the subtree reads processing time. */
static uint64_t collect(cse_ctx *x, slexpr *e, bool *clock) {
    e->cse = 0;
    uint64_t h = mix(mix(mix(e->kind, (uint64_t)e->type), (uint64_t)(uintptr_t)e->fn),
                     mix((uint64_t)(int64_t)e->col, (uint64_t)e->imm));
    if (e->kind == SLXN_LIT) {
        h = mix(h, hash_lit(e));
    }
    bool clk = e->fn && (e->fn->flags & SLFN_CLOCK);
    for (int i = 0; i < e->n_args; i++) {
        bool c = false;
        h = mix(h, collect(x, e->args[i], &c));
        clk = clk || c;
    }
    *clock = clk;
    if ((e->kind == SLXN_CALL || e->kind == SLXN_CAST) && !(e->flags & SLXF_CONST) && !clk) {
        if (x->n == x->cap) {
            x->cap = x->cap ? 2 * x->cap : 32;
            x->c = slmem_realloc(x->c, slmem_mul(x->cap, sizeof *x->c));
        }
        x->c[x->n] = (cand){e, h, x->n};
        e->cse = ++x->n; /* see walk */
    }
    return h;
}

static int by_hash(const void *pa, const void *pb) {
    const cand *a = pa, *b = pb;
    if (a->hash != b->hash) {
        return a->hash < b->hash ? -1 : 1;
    }
    /* Stable within a hash: the order of collection (pointers would make
     * the marks depend on the allocator). */
    return a->cls < b->cls ? -1 : a->cls > b->cls;
}

/* The pruned walk: count the occurrences that evaluation will reach. While
 * slexpr_share runs, a candidate's cse field holds its index in collection
 * order + 1 (pos maps that to its place in the sorted array). */
static void walk(cse_ctx *x, const uint32_t *pos, const slexpr *e) {
    if (e->cse) {
        uint32_t cls = x->c[pos[e->cse - 1]].cls;
        if (x->count[cls] >= 2 && x->reached[cls]++ > 0) {
            return; /* served from the cache: its arguments are not evaluated */
        }
    }
    for (int i = 0; i < e->n_args; i++) {
        walk(x, pos, e->args[i]);
    }
}

int slexpr_share(slexpr *const *exprs, int n) {
    cse_ctx x = {0};
    for (int i = 0; i < n; i++) {
        if (exprs[i]) {
            bool clk;
            collect(&x, exprs[i], &clk);
        }
    }
    int ids = 0;
    uint32_t *pos = NULL; /* owned: collection order -> sorted place */
    if (x.n < 2) {
        for (uint32_t i = 0; i < x.n; i++) {
            x.c[i].e->cse = 0;
        }
        goto out;
    }
    qsort(x.c, x.n, sizeof *x.c, by_hash);
    /* Classes: the first equal candidate within a run of equal hashes. */
    pos = slmem_alloc(slmem_mul(x.n, sizeof *pos));
    for (uint32_t i = 0; i < x.n; i++) {
        pos[x.c[i].cls] = i; /* cls still holds the collection order here */
    }
    x.count = slmem_calloc(x.n, sizeof *x.count);
    x.reached = slmem_calloc(x.n, sizeof *x.reached);
    x.id = slmem_calloc(x.n, sizeof *x.id);
    for (uint32_t i = 0; i < x.n; i++) {
        uint32_t cls = i;
        for (uint32_t j = i; j-- > 0 && x.c[j].hash == x.c[i].hash;) {
            if (node_equal(x.c[j].e, x.c[i].e)) {
                cls = x.c[j].cls;
            }
        }
        x.c[i].cls = cls;
        x.count[cls]++;
    }
    for (int i = 0; i < n; i++) {
        if (exprs[i]) {
            walk(&x, pos, exprs[i]);
        }
    }
    /* Ids in the order of first occurrence, so that they do not depend on
     * hash values. */
    for (uint32_t k = 0; k < x.n; k++) {
        uint32_t cls = x.c[pos[k]].cls;
        if (x.reached[cls] >= 2 && !x.id[cls]) {
            x.id[cls] = (uint32_t)++ids;
        }
    }
    for (uint32_t i = 0; i < x.n; i++) {
        x.c[i].e->cse = x.id[x.c[i].cls];
    }
out:
    slmem_free(x.c);
    slmem_free(x.count);
    slmem_free(x.reached);
    slmem_free(x.id);
    slmem_free(pos);
    return ids;
}
