/*
 * eval.c - the vectorized evaluator: each node of a tree is computed for the
 * whole batch into a vector (values + NULL bytes) before its parent combines
 * them, so the work per node is a tight loop over arrays, never a walk of the
 * tree per row. Here: scratch management, arithmetic, comparison, the logic
 * of AND/OR/NOT/IS, BETWEEN, IN, CASE/IF, COALESCE, NULLIF, GREATEST/LEAST,
 * and slexpr_const. Scalar functions live in fn_*.c.
 *
 * Scratch: a stack of slots (a NULL byte array and a 16-byte-per-row value
 * array each) sized for the largest batch seen. A node takes its result slot
 * before evaluating its arguments and releases theirs after combining them,
 * so a tree of N nodes never needs more than about 2N slots. Column
 * references and literals take no slot: their vectors point at the batch's
 * arrays and at the node. String results point into the input batch (when a
 * function returns part of its input) or into the evaluator's arena, reset
 * at the start of every slexpr_eval_into / slexpr_eval_filter; only
 * slexpr_eval_into copies bytes into the output batch.
 *
 * Thread: an slexpr_eval belongs to one thread; trees are shared read-only.
 */
#include <math.h>

#include "expr/expr_int.h"

#define SLOT_VAL_BYTES 16 /* sizeof(slstr) rounded: the widest value */

struct slexpr_eval {
    uint32_t cap;    /* rows every slot holds */
    int n_slots;     /* slot pointers allocated */
    int top;         /* slots in use */
    uint8_t **nulls; /* owned: per slot, cap bytes (allocated when first used) */
    void **vals;     /* owned: per slot, cap * SLOT_VAL_BYTES */
    slvec *vecs;     /* owned: argument vectors, a stack */
    size_t n_vecs, vtop;
    slarena arena; /* string results of the current evaluation */
    slbuf tmp;     /* building one value */
    int64_t now_us;
    bool share;       /* slexpr_eval_begin_batch was called: cse marks are honoured */
    struct shval *sh; /* owned: per cse id, the shared value of the current batch */
    uint32_t n_sh;
};

/* The value of a shared subexpression (cse.c) for the current batch. Its
 * buffers are the node's result vector itself (no copy); they are only
 * reallocated when the value is invalid, so no vector points at them then. */
typedef struct shval {
    bool valid;
    uint32_t n;     /* rows the value is for (1 when scalar stands for all) */
    uint32_t cap;   /* rows nulls and vals hold */
    slvec vec;      /* the result, pointing at nulls/vals */
    uint8_t *nulls; /* owned */
    void *vals;     /* owned: cap * SLOT_VAL_BYTES */
} shval;

slexpr_eval *slexpr_eval_new(uint32_t cap_rows) {
    slexpr_eval *ev = slmem_calloc(1, sizeof *ev);
    ev->cap = cap_rows ? cap_rows : 1;
    slarena_init(&ev->arena);
    return ev;
}

static void drop_slots(slexpr_eval *ev) {
    for (int i = 0; i < ev->n_slots; i++) {
        slmem_free(ev->nulls[i]);
        slmem_free(ev->vals[i]);
        ev->nulls[i] = NULL;
        ev->vals[i] = NULL;
    }
}

void slexpr_eval_free(slexpr_eval *ev) {
    if (!ev) {
        return;
    }
    drop_slots(ev);
    for (uint32_t i = 0; i < ev->n_sh; i++) {
        slmem_free(ev->sh[i].nulls);
        slmem_free(ev->sh[i].vals);
    }
    slmem_free(ev->sh);
    slmem_free(ev->nulls);
    slmem_free(ev->vals);
    slmem_free(ev->vecs);
    slarena_free(&ev->arena);
    slbuf_free(&ev->tmp);
    slmem_free(ev);
}

void slexpr_eval_set_now(slexpr_eval *ev, int64_t now_us) {
    ev->now_us = now_us;
}

int64_t slexpr_now(const slexpr_eval *ev) {
    return ev->now_us;
}

char *slexpr_scratch(slexpr_eval *ev, size_t n) {
    return slarena_alloc(&ev->arena, n ? n : 1);
}

slbuf *slexpr_tmpbuf(slexpr_eval *ev) {
    return &ev->tmp;
}

/* Make room to evaluate e over n rows. */
static void begin(slexpr_eval *ev, const slexpr *e, uint32_t n) {
    if (n > ev->cap) {
        drop_slots(ev);
        ev->cap = n;
    }
    int need = (int)SL_MIN((uint64_t)2 * e->n_nodes + 4, (uint64_t)INT32_MAX);
    if (ev->n_slots < need) {
        ev->nulls = slmem_realloc(ev->nulls, slmem_mul((size_t)need, sizeof *ev->nulls));
        ev->vals = slmem_realloc(ev->vals, slmem_mul((size_t)need, sizeof *ev->vals));
        for (int i = ev->n_slots; i < need; i++) {
            ev->nulls[i] = NULL;
            ev->vals[i] = NULL;
        }
        ev->n_slots = need;
    }
    if (ev->n_vecs < (size_t)e->n_nodes + 4) {
        ev->n_vecs = (size_t)e->n_nodes + 4;
        ev->vecs = slmem_realloc(ev->vecs, slmem_mul(ev->n_vecs, sizeof *ev->vecs));
    }
    ev->top = 0;
    ev->vtop = 0;
    if (!ev->share) {
        slarena_reset(&ev->arena); /* else: at the next batch (shared values point into it) */
    }
}

static int slot_take(slexpr_eval *ev) {
    int s = ev->top++;
    if (!ev->nulls[s]) {
        ev->nulls[s] = slmem_alloc(ev->cap);
        ev->vals[s] = slmem_alloc(slmem_mul(ev->cap, SLOT_VAL_BYTES));
    }
    return s;
}

static void vec_on_slot(slexpr_eval *ev, int s, sl_type t, slvec *v) {
    v->type = t;
    v->scalar = false;
    v->nulls = ev->nulls[s];
    v->v.raw = ev->vals[s];
}

/* ---- values ---- */

int slexpr_cmp_at(const slvec *a, uint32_t ia, const slvec *b, uint32_t ib) {
    switch (a->type) {
    case SL_DOUBLE: {
        double x = a->v.f64[ia], y = b->v.f64[ib];
        return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
    }
    case SL_BOOLEAN:
        return (a->v.b[ia] != 0) - (b->v.b[ib] != 0);
    case SL_STRING: {
        const slstr *x = &a->v.s[ia], *y = &b->v.s[ib];
        uint32_t l = SL_MIN(x->len, y->len);
        int c = l ? memcmp(x->ptr, y->ptr, l) : 0;
        if (c) {
            return c < 0 ? -1 : 1;
        }
        return x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
    }
    default: {
        int64_t x = a->v.i64[ia], y = b->v.i64[ib];
        return x < y ? -1 : x > y ? 1 : 0;
    }
    }
}

/* out row i = a row j (same type). */
static inline void put_val(slvec *out, uint32_t i, const slvec *a, uint32_t j) {
    switch ((int)out->type) {
    case SL_DOUBLE:
        out->v.f64[i] = a->v.f64[j];
        break;
    case SL_BOOLEAN:
        out->v.b[i] = a->v.b[j] != 0;
        break;
    case SL_STRING:
        out->v.s[i] = a->v.s[j];
        break;
    case SL_NULLTYPE:
        break;
    default:
        out->v.i64[i] = a->v.i64[j];
        break;
    }
}

/* For rows i < n with take[i]: out row i = a row IX(a, i), NULL flag too. */
static void copy_rows(slvec *out, const slvec *a, const uint8_t *take, uint32_t n) {
    uint32_t step = a->scalar ? 0 : 1;
    for (uint32_t i = 0, j = 0; i < n; i++, j += step) {
        if (!take[i]) {
            continue;
        }
        out->nulls[i] = a->nulls[j];
        if (!a->nulls[j]) {
            put_val(out, i, a, j);
        }
    }
}

/* r = OR of the NULL bytes of the non-scalar args (scalar ones are known
 * not NULL here). */
static void null_or(const slvec *args, int k, uint32_t n, uint8_t *r) {
    bool first = true;
    for (int a = 0; a < k; a++) {
        if (args[a].scalar) {
            continue;
        }
        const uint8_t *x = args[a].nulls;
        if (first) {
            memcpy(r, x, n);
            first = false;
        } else {
            for (uint32_t i = 0; i < n; i++) {
                r[i] |= x[i];
            }
        }
    }
    if (first) {
        memset(r, 0, n);
    }
}

/* r = the NULL bytes of a strict function of args: a scalar NULL makes
 * every row NULL. */
static void nulls_of(const slvec *args, int k, uint32_t n, uint8_t *r) {
    for (int a = 0; a < k; a++) {
        if (args[a].scalar && args[a].nulls[0]) {
            memset(r, 1, n);
            return;
        }
    }
    null_or(args, k, n, r);
}

/* ---- arithmetic ---- */

/* R[i] = EXPR of x = A[i], y = B[i] for the three shapes (vector/vector,
 * vector/scalar, scalar/vector); both scalar means n == 1. */
#define BIN_LOOP(T, R, A, B, EXPR)                                                                 \
    do {                                                                                           \
        if (sb) {                                                                                  \
            const T y = (B)[0];                                                                    \
            for (uint32_t i = 0; i < n; i++) {                                                     \
                const T x = (A)[i];                                                                \
                (R)[i] = (EXPR);                                                                   \
            }                                                                                      \
        } else if (sa) {                                                                           \
            const T x = (A)[0];                                                                    \
            for (uint32_t i = 0; i < n; i++) {                                                     \
                const T y = (B)[i];                                                                \
                (R)[i] = (EXPR);                                                                   \
            }                                                                                      \
        } else {                                                                                   \
            for (uint32_t i = 0; i < n; i++) {                                                     \
                const T x = (A)[i];                                                                \
                const T y = (B)[i];                                                                \
                (R)[i] = (EXPR);                                                                   \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* Division and modulo: a zero divisor makes the row NULL. */
#define DIV_LOOP(T, R, A, B, ZERO, EXPR)                                                           \
    do {                                                                                           \
        for (uint32_t i = 0; i < n; i++) {                                                         \
            const T x = (A)[sa ? 0 : i];                                                           \
            const T y = (B)[sb ? 0 : i];                                                           \
            if (y == (ZERO)) {                                                                     \
                (R)[i] = 0;                                                                        \
                nulls[i] = 1;                                                                      \
            } else {                                                                               \
                (R)[i] = (EXPR);                                                                   \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static inline int64_t wrap_add(int64_t x, int64_t y) {
    return (int64_t)((uint64_t)x + (uint64_t)y);
}
static inline int64_t wrap_sub(int64_t x, int64_t y) {
    return (int64_t)((uint64_t)x - (uint64_t)y);
}
static inline int64_t wrap_mul(int64_t x, int64_t y) {
    return (int64_t)((uint64_t)x * (uint64_t)y);
}
/* Java's long division: MIN / -1 wraps to MIN. y != 0. */
static inline int64_t java_div(int64_t x, int64_t y) {
    return y == -1 ? (int64_t)(0 - (uint64_t)x) : x / y;
}
static inline int64_t java_mod(int64_t x, int64_t y) {
    return y == -1 ? 0 : x % y;
}

void slexpr_k_arith(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    const slvec *a = &args[0], *b = &args[1];
    bool sa = a->scalar, sb = b->scalar;
    uint8_t *nulls = out->nulls;
    if (a->type == SL_DOUBLE) {
        const double *A = a->v.f64, *B = b->v.f64;
        double *R = out->v.f64;
        switch (e->fn->op) {
        case SLX_ADD:
            BIN_LOOP(double, R, A, B, x + y);
            break;
        case SLX_SUB:
            BIN_LOOP(double, R, A, B, x - y);
            break;
        case SLX_MUL:
            BIN_LOOP(double, R, A, B, x *y);
            break;
        case SLX_DIV:
            DIV_LOOP(double, R, A, B, 0.0, x / y);
            break;
        default:
            DIV_LOOP(double, R, A, B, 0.0, fmod(x, y));
            break;
        }
        return;
    }
    const int64_t *A = a->v.i64, *B = b->v.i64;
    int64_t *R = out->v.i64;
    switch (e->fn->op) {
    case SLX_ADD:
        BIN_LOOP(int64_t, R, A, B, wrap_add(x, y));
        break;
    case SLX_SUB:
        BIN_LOOP(int64_t, R, A, B, wrap_sub(x, y));
        break;
    case SLX_MUL:
        BIN_LOOP(int64_t, R, A, B, wrap_mul(x, y));
        break;
    case SLX_DIV:
        DIV_LOOP(int64_t, R, A, B, 0, java_div(x, y));
        break;
    default:
        DIV_LOOP(int64_t, R, A, B, 0, java_mod(x, y));
        break;
    }
}

void slexpr_k_neg(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    SL_UNUSED(e);
    if (args[0].type == SL_DOUBLE) {
        for (uint32_t i = 0; i < n; i++) {
            out->v.f64[i] = -args[0].v.f64[i];
        }
    } else {
        for (uint32_t i = 0; i < n; i++) {
            out->v.i64[i] = (int64_t)(0 - (uint64_t)args[0].v.i64[i]);
        }
    }
}

/* ---- comparison ---- */

#define CMP_OPS(T, A, B)                                                                           \
    switch (op) {                                                                                  \
    case SLX_EQ:                                                                                   \
        BIN_LOOP(T, R, A, B, x == y);                                                              \
        break;                                                                                     \
    case SLX_NE:                                                                                   \
        BIN_LOOP(T, R, A, B, x != y);                                                              \
        break;                                                                                     \
    case SLX_LT:                                                                                   \
        BIN_LOOP(T, R, A, B, x < y);                                                               \
        break;                                                                                     \
    case SLX_LE:                                                                                   \
        BIN_LOOP(T, R, A, B, x <= y);                                                              \
        break;                                                                                     \
    case SLX_GT:                                                                                   \
        BIN_LOOP(T, R, A, B, x > y);                                                               \
        break;                                                                                     \
    default:                                                                                       \
        BIN_LOOP(T, R, A, B, x >= y);                                                              \
        break;                                                                                     \
    }

static inline uint8_t cmp_holds(slx_op op, int c) {
    switch (op) {
    case SLX_EQ:
        return c == 0;
    case SLX_NE:
        return c != 0;
    case SLX_LT:
        return c == -1;
    case SLX_LE:
        return c == -1 || c == 0;
    case SLX_GT:
        return c == 1;
    default:
        return c == 1 || c == 0;
    }
}

/* out->v.b[i] = a op b for rows 0..n; out->nulls already set (string rows
 * that are NULL are skipped). */
static void cmp_values(slx_op op, const slvec *a, const slvec *b, uint32_t n, slvec *out) {
    bool sa = a->scalar, sb = b->scalar;
    uint8_t *R = out->v.b;
    switch (a->type) {
    case SL_DOUBLE:
        CMP_OPS(double, a->v.f64, b->v.f64);
        break;
    case SL_BOOLEAN: {
        /* Booleans of NULL rows may be any byte: compare their truth. */
        const uint8_t *A = a->v.b, *B = b->v.b;
        switch (op) {
        case SLX_EQ:
            BIN_LOOP(uint8_t, R, A, B, (x != 0) == (y != 0));
            break;
        case SLX_NE:
            BIN_LOOP(uint8_t, R, A, B, (x != 0) != (y != 0));
            break;
        case SLX_LT:
            BIN_LOOP(uint8_t, R, A, B, (x != 0) < (y != 0));
            break;
        case SLX_LE:
            BIN_LOOP(uint8_t, R, A, B, (x != 0) <= (y != 0));
            break;
        case SLX_GT:
            BIN_LOOP(uint8_t, R, A, B, (x != 0) > (y != 0));
            break;
        default:
            BIN_LOOP(uint8_t, R, A, B, (x != 0) >= (y != 0));
            break;
        }
        break;
    }
    case SL_STRING: {
        const uint8_t *nulls = out->nulls;
        for (uint32_t i = 0; i < n; i++) {
            if (nulls[i]) {
                R[i] = 0;
                continue;
            }
            const slstr *x = &a->v.s[sa ? 0 : i], *y = &b->v.s[sb ? 0 : i];
            if (op == SLX_EQ || op == SLX_NE) {
                bool eq = x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
                R[i] = (uint8_t)(eq == (op == SLX_EQ));
            } else {
                R[i] = cmp_holds(op, slexpr_cmp_at(a, sa ? 0 : i, b, sb ? 0 : i));
            }
        }
        break;
    }
    default:
        CMP_OPS(int64_t, a->v.i64, b->v.i64);
        break;
    }
}

void slexpr_k_cmp(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    cmp_values(e->fn->op, &args[0], &args[1], n, out);
}

/* ---- logic ---- */

void slexpr_k_not(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    SL_UNUSED(e);
    const uint8_t *a = args[0].v.b;
    for (uint32_t i = 0; i < n; i++) {
        out->v.b[i] = a[i] == 0;
    }
}

void slexpr_k_is(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    const slvec *a = &args[0];
    uint8_t *r = out->v.b;
    slx_op op = e->fn->op;
    if (op == SLX_IS_DISTINCT || op == SLX_IS_NOT_DISTINCT) {
        const slvec *b = &args[1];
        uint8_t want = op == SLX_IS_DISTINCT;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t ia = IX(a, i), ib = IX(b, i);
            uint8_t an = a->nulls[ia], bn = b->nulls[ib];
            uint8_t distinct;
            if (an || bn) {
                distinct = an != bn;
            } else {
                distinct = slexpr_cmp_at(a, ia, b, ib) != 0;
            }
            r[i] = distinct == want;
        }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ia = IX(a, i);
        uint8_t an = a->nulls[ia] != 0;
        uint8_t av = !an && a->type == SL_BOOLEAN && a->v.b[ia] != 0;
        switch (op) {
        case SLX_IS_NULL:
            r[i] = an;
            break;
        case SLX_IS_NOT_NULL:
            r[i] = !an;
            break;
        case SLX_IS_TRUE:
            r[i] = av;
            break;
        case SLX_IS_NOT_TRUE:
            r[i] = !av;
            break;
        case SLX_IS_FALSE:
            r[i] = !an && !av;
            break;
        default: /* IS NOT FALSE */
            r[i] = an || av;
            break;
        }
    }
}

/* out (rows 0..n, normalized 0/1) = out AND / OR b, three-valued. */
static void logic_combine(bool is_and, slvec *out, const slvec *b, uint32_t n) {
    uint8_t *rn = out->nulls, *rv = out->v.b;
    const uint8_t *bn = b->nulls, *bv = b->v.b;
    uint32_t step = b->scalar ? 0 : 1;
    for (uint32_t i = 0, j = 0; i < n; i++, j += step) {
        /* a is known true / false; b likewise (values are 0/1). */
        uint8_t at = (uint8_t)(rn[i] ^ 1) & rv[i], af = (uint8_t)(rn[i] ^ 1) & (rv[i] ^ 1);
        uint8_t xv = bv[j] != 0, xn = bn[j] != 0;
        uint8_t bt = (uint8_t)(xn ^ 1) & xv, bf = (uint8_t)(xn ^ 1) & (xv ^ 1);
        uint8_t t, f;
        if (is_and) {
            f = af | bf;
            t = at & bt;
        } else {
            t = at | bt;
            f = af & bf;
        }
        rn[i] = !(t | f);
        rv[i] = t;
    }
}

/* ---- IN, NULLIF, GREATEST ---- */

void slexpr_k_in(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    const slvec *x = &args[0];
    int k = e->n_args - 1;
    bool negate = e->fn->op == SLX_NOT_IN;
    uint8_t *rn = out->nulls, *rv = out->v.b;
    /* Common case: a BIGINT/TIMESTAMP column against constants. */
    bool fast = x->type != SL_DOUBLE && x->type != SL_BOOLEAN && x->type != SL_STRING && k <= 64;
    int64_t consts[64];
    for (int j = 0; fast && j < k; j++) {
        const slvec *c = &args[1 + j];
        fast = c->scalar && !c->nulls[0];
        consts[j] = fast ? c->v.i64[0] : 0;
    }
    if (fast) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t ix = IX(x, i);
            int64_t v = x->v.i64[ix];
            uint8_t found = 0;
            for (int j = 0; j < k; j++) {
                found |= v == consts[j];
            }
            rn[i] = x->nulls[ix] != 0;
            rv[i] = found != negate;
        }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ix = IX(x, i);
        if (x->nulls[ix]) {
            rn[i] = 1;
            rv[i] = 0;
            continue;
        }
        bool found = false, any_null = false;
        for (int j = 0; j < k && !found; j++) {
            const slvec *c = &args[1 + j];
            uint32_t ic = IX(c, i);
            if (c->nulls[ic]) {
                any_null = true;
            } else if (slexpr_cmp_at(x, ix, c, ic) == 0) {
                found = true;
            }
        }
        rn[i] = !found && any_null;
        rv[i] = found != negate;
    }
}

void slexpr_k_nullif(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    SL_UNUSED(e);
    const slvec *a = &args[0], *b = &args[1];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ia = IX(a, i), ib = IX(b, i);
        if (a->nulls[ia] || (!b->nulls[ib] && slexpr_cmp_at(a, ia, b, ib) == 0)) {
            out->nulls[i] = 1;
            continue;
        }
        put_val(out, i, a, ia);
    }
}

void slexpr_k_greatest(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                       slvec *out) {
    SL_UNUSED(ev);
    int want = e->fn->op == SLX_GREATEST ? 1 : -1;
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        int best = 0;
        for (int j = 1; j < e->n_args; j++) {
            if (slexpr_cmp_at(&args[j], IX(&args[j], i), &args[best], IX(&args[best], i)) == want) {
                best = j;
            }
        }
        put_val(out, i, &args[best], IX(&args[best], i));
    }
}

/* ---- the tree walk ---- */

static void eval_node(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, slvec *out);
static void eval_call(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, int my,
                      slvec *out);

/* Evaluate argument a of e into a fresh vector on the vector stack. */
static slvec *eval_arg(slexpr_eval *ev, const slexpr *e, int a, const slbatch *in, uint32_t n) {
    slvec *v = &ev->vecs[ev->vtop++];
    eval_node(ev, e->args[a], in, n, v);
    return v;
}

/* Whether every row of v is FALSE (want_true: TRUE). */
static bool all_decided(const slvec *v, uint32_t n, bool want_true) {
    const uint8_t *nl = v->nulls, *b = v->v.b;
    for (uint32_t i = 0; i < n; i++) {
        if (nl[i] || (b[i] != 0) != want_true) {
            return false;
        }
    }
    return true;
}

/* AND / OR over any number of arguments, stopping early when every row is
 * decided (FALSE for AND, TRUE for OR). */
static void eval_logic(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, int my,
                       slvec *out) {
    bool is_and = e->fn->op == SLX_AND;
    size_t vbase = ev->vtop;
    const slvec *a = eval_arg(ev, e, 0, in, n);
    uint8_t *rn = out->nulls, *rv = out->v.b;
    const uint8_t *an = a->nulls, *av = a->v.b;
    if (a->scalar) {
        memset(rn, an[0] != 0, n);
        memset(rv, !an[0] && av[0], n);
    } else {
        for (uint32_t i = 0; i < n; i++) {
            uint8_t x = an[i] != 0;
            rn[i] = x;
            rv[i] = (uint8_t)(x ^ 1) & (av[i] != 0);
        }
    }
    ev->vtop = vbase;
    ev->top = my + 1;
    for (int k = 1; k < e->n_args; k++) {
        if (all_decided(out, n, !is_and)) {
            break;
        }
        const slvec *b = eval_arg(ev, e, k, in, n);
        logic_combine(is_and, out, b, n);
        ev->vtop = vbase;
        ev->top = my + 1;
    }
}

static void eval_between(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, int my,
                         slvec *out) {
    size_t vbase = ev->vtop;
    const slvec *x = eval_arg(ev, e, 0, in, n);
    const slvec *lo = eval_arg(ev, e, 1, in, n);
    const slvec *hi = eval_arg(ev, e, 2, in, n);
    slvec hi_ok;
    vec_on_slot(ev, slot_take(ev), SL_BOOLEAN, &hi_ok);
    slvec pair[2] = {*x, *lo};
    nulls_of(pair, 2, n, out->nulls);
    cmp_values(SLX_GE, x, lo, n, out);
    pair[1] = *hi;
    nulls_of(pair, 2, n, hi_ok.nulls);
    cmp_values(SLX_LE, x, hi, n, &hi_ok);
    logic_combine(true, out, &hi_ok, n);
    if (e->fn->op == SLX_NOT_BETWEEN) {
        for (uint32_t i = 0; i < n; i++) {
            out->v.b[i] = !out->nulls[i] && !out->v.b[i];
        }
    }
    ev->vtop = vbase;
    ev->top = my + 1;
}

/* CASE WHEN c1 THEN v1 ... [ELSE d] END (and IF(c, a, b), laid out the
 * same). A THEN branch is evaluated only when some undecided row takes it. */
static void eval_case(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, int my,
                      slvec *out) {
    size_t vbase = ev->vtop;
    int ms = slot_take(ev);
    uint8_t *decided = ev->nulls[ms];
    uint8_t *take = ev->vals[ms];
    int base_top = ev->top;
    memset(decided, 0, n);
    memset(out->nulls, 1, n);
    uint32_t left = n;
    int n_pairs = e->n_args / 2;
    for (int p = 0; p < n_pairs && left; p++) {
        const slvec *c = eval_arg(ev, e, 2 * p, in, n);
        uint32_t cnt = 0;
        uint32_t step = c->scalar ? 0 : 1;
        for (uint32_t i = 0, j = 0; i < n; i++, j += step) {
            take[i] = !decided[i] && !c->nulls[j] && c->v.b[j];
            cnt += take[i];
        }
        if (cnt) {
            const slvec *v = eval_arg(ev, e, 2 * p + 1, in, n);
            copy_rows(out, v, take, n);
            for (uint32_t i = 0; i < n; i++) {
                decided[i] |= take[i];
            }
            left -= cnt;
        }
        ev->vtop = vbase;
        ev->top = base_top;
    }
    if (left && (e->n_args % 2)) {
        const slvec *v = eval_arg(ev, e, e->n_args - 1, in, n);
        for (uint32_t i = 0; i < n; i++) {
            take[i] = !decided[i];
        }
        copy_rows(out, v, take, n);
    }
    ev->vtop = vbase;
    ev->top = my + 1;
}

static void eval_coalesce(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, int my,
                          slvec *out) {
    size_t vbase = ev->vtop;
    memset(out->nulls, 1, n);
    uint32_t left = n;
    for (int k = 0; k < e->n_args && left && e->type != SL_NULLTYPE; k++) {
        const slvec *v = eval_arg(ev, e, k, in, n);
        uint32_t step = v->scalar ? 0 : 1;
        for (uint32_t i = 0, j = 0; i < n; i++, j += step) {
            if (out->nulls[i] && !v->nulls[j]) {
                out->nulls[i] = 0;
                put_val(out, i, v, j);
                left--;
            }
        }
        ev->vtop = vbase;
        ev->top = my + 1;
    }
}

/*
 * A subexpression shared by several trees (slexpr_share): computed on its
 * first use in the batch, for every row of the batch, then handed out as it
 * is. Why whole-batch evaluation on first use is safe: every node is already
 * computed for all rows of the batch whenever it is computed at all (a CASE
 * branch is evaluated over the whole batch when any row takes it; AND/OR
 * skip an argument only when every row is decided), and the functions are
 * total (a bad row gives NULL, never an error), so sharing changes neither
 * results nor which rows are computed; a use that this batch never reaches
 * (a skipped CASE branch) computes nothing. Values computed by the WHERE
 * over all rows are compacted with the batch (slexpr_eval_compact) and
 * reused by the projections over the kept rows.
 */
static void eval_shared(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n,
                        slvec *out) {
    if (e->cse >= ev->n_sh) {
        uint32_t k = SL_MAX(e->cse + 1, 2 * ev->n_sh);
        ev->sh = slmem_realloc(ev->sh, slmem_mul(k, sizeof *ev->sh));
        memset(ev->sh + ev->n_sh, 0, (size_t)(k - ev->n_sh) * sizeof *ev->sh);
        ev->n_sh = k;
    }
    shval *sv = &ev->sh[e->cse];
    if (sv->valid && sv->vec.type == e->type && (sv->vec.scalar || sv->n == n)) {
        *out = sv->vec;
        return;
    }
    if (sv->cap < n) {
        slmem_free(sv->nulls);
        slmem_free(sv->vals);
        sv->cap = SL_MAX(n, ev->cap);
        sv->nulls = slmem_alloc(sv->cap);
        sv->vals = slmem_alloc(slmem_mul(sv->cap, SLOT_VAL_BYTES));
    }
    int my = slot_take(ev);
    out->type = e->type;
    out->scalar = false;
    out->nulls = sv->nulls;
    out->v.raw = sv->vals;
    eval_call(ev, e, in, n, my, out);
    sv = &ev->sh[e->cse]; /* nested shared values may have moved the array */
    sv->vec = *out;
    sv->n = out->scalar ? 1 : n;
    sv->valid = true;
}

static void eval_node(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, slvec *out) {
    if (e->kind == SLXN_COL) {
        const slcol *c = &in->cols[e->col];
        out->type = e->type;
        out->scalar = false;
        out->nulls = c->nulls;
        out->v.raw = c->v.raw;
        return;
    }
    if (e->kind == SLXN_LIT) {
        out->type = e->type;
        out->scalar = true;
        out->nulls = (uint8_t *)&e->lit_null;
        out->v.raw = (void *)&e->val.v;
        return;
    }
    if (e->cse && ev->share) {
        eval_shared(ev, e, in, n, out);
        return;
    }
    int my = slot_take(ev);
    vec_on_slot(ev, my, e->type, out);
    eval_call(ev, e, in, n, my, out);
}

/* A call or cast node whose result vector `out` is set up on slot `my`
 * (or on a shared value's buffers). */
static void eval_call(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint32_t n, int my,
                      slvec *out) {
    bool is_const = (e->flags & SLXF_CONST) != 0;
    uint32_t m = is_const ? 1 : n;
    if (e->kind == SLXN_CALL && (e->fn->flags & SLFN_LAZY)) {
        switch (e->fn->op) {
        case SLX_AND:
        case SLX_OR:
            eval_logic(ev, e, in, m, my, out);
            break;
        case SLX_BETWEEN:
        case SLX_NOT_BETWEEN:
            eval_between(ev, e, in, m, my, out);
            break;
        case SLX_COALESCE:
            eval_coalesce(ev, e, in, m, my, out);
            break;
        default: /* CASE, IF */
            eval_case(ev, e, in, m, my, out);
            break;
        }
        out->scalar = is_const;
        return;
    }
    size_t vbase = ev->vtop;
    slvec *args = &ev->vecs[vbase];
    ev->vtop += (size_t)e->n_args;
    bool all_scalar = true;
    for (int a = 0; a < e->n_args; a++) {
        eval_node(ev, e->args[a], in, m, &args[a]);
        all_scalar = all_scalar && args[a].scalar;
    }
    if (all_scalar) {
        m = 1;
    }
    out->scalar = all_scalar;
    bool strict = e->kind == SLXN_CAST || !(e->fn->flags & SLFN_NONSTRICT);
    slexpr_kernel k = e->kind == SLXN_CAST ? slexpr_k_cast : e->fn->eval;
    if (strict) {
        for (int a = 0; a < e->n_args; a++) {
            if (args[a].scalar && args[a].nulls[0]) {
                /* NULL in, NULL out for every row. */
                out->scalar = true;
                out->nulls[0] = 1;
                k = NULL;
                break;
            }
        }
        if (k) {
            null_or(args, e->n_args, m, out->nulls);
        }
    } else {
        memset(out->nulls, 0, m);
    }
    if (k) {
        k(ev, e, args, m, out);
    }
    ev->vtop = vbase;
    ev->top = my + 1;
}

/* ---- entry points ---- */

void slexpr_eval_into(slexpr_eval *ev, const slexpr *e, const slbatch *in, slbatch *out, int col) {
    uint32_t n = in->n;
    if (n == 0) {
        return;
    }
    begin(ev, e, n);
    slvec r;
    eval_node(ev, e, in, n, &r);
    slcol *c = &out->cols[col];
    if (r.type == SL_NULLTYPE) {
        memset(c->nulls, 1, n);
        return;
    }
    if (r.scalar) {
        memset(c->nulls, r.nulls[0] != 0, n);
        if (r.nulls[0]) {
            return;
        }
        switch (c->type) {
        case SL_DOUBLE:
            for (uint32_t i = 0; i < n; i++) {
                c->v.f64[i] = r.v.f64[0];
            }
            break;
        case SL_BOOLEAN:
            memset(c->v.b, r.v.b[0] != 0, n);
            break;
        case SL_STRING: {
            slstr s = r.v.s[0];
            s.ptr = s.len ? slarena_strdup(&out->arena, s.ptr, s.len) : "";
            for (uint32_t i = 0; i < n; i++) {
                c->v.s[i] = s;
            }
            break;
        }
        default:
            for (uint32_t i = 0; i < n; i++) {
                c->v.i64[i] = r.v.i64[0];
            }
            break;
        }
        return;
    }
    memmove(c->nulls, r.nulls, n);
    switch (c->type) {
    case SL_DOUBLE:
        memmove(c->v.f64, r.v.f64, (size_t)n * sizeof(double));
        break;
    case SL_BOOLEAN:
        memmove(c->v.b, r.v.b, n);
        break;
    case SL_STRING: {
        /* One arena allocation for the batch's strings. */
        size_t total = 0;
        for (uint32_t i = 0; i < n; i++) {
            total += r.nulls[i] ? 0 : r.v.s[i].len;
        }
        char *p = total ? slarena_alloc(&out->arena, total) : NULL;
        for (uint32_t i = 0; i < n; i++) {
            if (r.nulls[i]) {
                continue;
            }
            slstr s = r.v.s[i];
            if (s.len) {
                memcpy(p, s.ptr, s.len);
                s.ptr = p;
                p += s.len;
            } else {
                s.ptr = "";
            }
            c->v.s[i] = s;
        }
        break;
    }
    default:
        memmove(c->v.i64, r.v.i64, (size_t)n * sizeof(int64_t));
        break;
    }
}

void slexpr_eval_filter(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint8_t *keep) {
    uint32_t n = in->n;
    if (n == 0) {
        return;
    }
    begin(ev, e, n);
    slvec r;
    eval_node(ev, e, in, n, &r);
    if (r.type != SL_BOOLEAN) {
        memset(keep, 0, n);
        return;
    }
    if (r.scalar) {
        memset(keep, !r.nulls[0] && r.v.b[0], n);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        keep[i] = !r.nulls[i] & (r.v.b[i] != 0);
    }
}

void slexpr_eval_begin_batch(slexpr_eval *ev) {
    ev->share = true;
    for (uint32_t i = 0; i < ev->n_sh; i++) {
        ev->sh[i].valid = false;
    }
    slarena_reset(&ev->arena);
}

/* Bytes of one value of type t in a vector. */
static size_t val_size(sl_type t) {
    switch ((int)t) {
    case SL_BOOLEAN:
        return 1;
    case SL_DOUBLE:
        return sizeof(double);
    case SL_STRING:
        return sizeof(slstr);
    case SL_NULLTYPE:
        return 0;
    default:
        return sizeof(int64_t);
    }
}

void slexpr_eval_compact(slexpr_eval *ev, const uint8_t *keep, uint32_t n) {
    for (uint32_t k = 0; k < ev->n_sh; k++) {
        shval *sv = &ev->sh[k];
        if (!sv->valid || sv->vec.scalar) {
            continue;
        }
        if (sv->n != n) {
            sv->valid = false; /* not of this batch: cannot happen when used as documented */
            continue;
        }
        size_t w = val_size(sv->vec.type);
        uint8_t *nl = sv->vec.nulls;
        char *v = sv->vec.v.raw;
        uint32_t j = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (!keep[i]) {
                continue;
            }
            if (i != j) {
                nl[j] = nl[i];
                memcpy(v + (size_t)j * w, v + (size_t)i * w, w);
            }
            j++;
        }
        sv->n = j;
    }
}

/* The result is cached in the (otherwise immutable) tree so that string
 * values stay valid while e lives. Thread: not concurrently on one tree. */
sl_err slexpr_const(const slexpr *e, slvalue *out) {
    if (!slexpr_is_const(e)) {
        return slerr_set(SL_ERR_ARG, "expression is not constant");
    }
    if (e->kind == SLXN_LIT) {
        *out = e->val;
        return SL_OK;
    }
    if (!e->const_val) {
        slexpr_eval *ev = slexpr_eval_new(1);
        begin(ev, e, 1);
        slvec r;
        eval_node(ev, e, NULL, 1, &r);
        slexpr *m = (slexpr *)e;
        slvalue v;
        memset(&v, 0, sizeof v);
        v.type = e->type;
        v.is_null = r.nulls[0] != 0 || e->type == SL_NULLTYPE;
        if (!v.is_null) {
            switch (e->type) {
            case SL_DOUBLE:
                v.v.f64 = r.v.f64[0];
                break;
            case SL_BOOLEAN:
                v.v.b = r.v.b[0] != 0;
                break;
            case SL_STRING: {
                slstr s = r.v.s[0];
                m->const_str = slmem_alloc((size_t)s.len + 1);
                if (s.len) {
                    memcpy(m->const_str, s.ptr, s.len);
                }
                m->const_str[s.len] = '\0';
                v.v.s.ptr = m->const_str;
                v.v.s.len = s.len;
                break;
            }
            default:
                v.v.i64 = r.v.i64[0];
                break;
            }
        }
        m->const_val = slmem_memdup(&v, sizeof v);
        slexpr_eval_free(ev);
    }
    *out = *e->const_val;
    return SL_OK;
}
