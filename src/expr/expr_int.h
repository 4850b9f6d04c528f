/*
 * expr_int.h - what the files of src/expr share and nothing else sees: the
 * expression node, the function table entries, the vectors the evaluator
 * passes between nodes, and the helpers the type checks of fn_*.c use.
 *
 * Files: expr.c builds and checks trees (and owns the operator table);
 * cse.c finds the subexpressions a set of trees shares (slexpr_share);
 * eval.c is the evaluator (scratch, arithmetic, comparison, logic, CASE,
 * COALESCE, IN); fn_string.c, fn_pattern.c, fn_time.c, fn_math.c and
 * fn_cast.c hold the scalar functions, each with its own table.
 *
 * Evaluation model: every node is evaluated for the whole batch into one
 * vector (values + a NULL byte per row) before its parent combines them; a
 * vector may be *scalar* (one value at index 0 that stands for every row:
 * literals, constant subtrees, CURRENT_TIMESTAMP). Kernels read argument i of
 * row r at index IX(arg, r).
 */
#ifndef SL_EXPR_INT_H
#define SL_EXPR_INT_H

#include "expr/expr.h"

/* Longest string a function builds (REPEAT, LPAD, REPLACE...): longer
 * results are NULL instead of exhausting memory on one bad row. */
#define SLX_MAX_STRING (64u << 20)

typedef enum slx_node_kind { SLXN_COL = 1, SLXN_LIT, SLXN_CALL, SLXN_CAST } slx_node_kind;

/* node flags */
#define SLXF_IMPLICIT 0x01 /* a cast inserted by a constructor (describe hides it) */
#define SLXF_CONST 0x02    /* depends on no column and no processing time */

/* Operators and functions. The names live in the tables. */
typedef enum slx_op {
    SLX_NONE = 0,
    /* expr.c / eval.c */
    SLX_ADD,
    SLX_SUB,
    SLX_MUL,
    SLX_DIV,
    SLX_MOD,
    SLX_NEG,
    SLX_EQ,
    SLX_NE,
    SLX_LT,
    SLX_LE,
    SLX_GT,
    SLX_GE,
    SLX_AND,
    SLX_OR,
    SLX_NOT,
    SLX_IS_NULL,
    SLX_IS_NOT_NULL,
    SLX_IS_TRUE,
    SLX_IS_NOT_TRUE,
    SLX_IS_FALSE,
    SLX_IS_NOT_FALSE,
    SLX_IS_DISTINCT,
    SLX_IS_NOT_DISTINCT,
    SLX_IN,
    SLX_NOT_IN,
    SLX_BETWEEN,
    SLX_NOT_BETWEEN,
    SLX_CASE,
    SLX_COALESCE,
    SLX_NULLIF,
    SLX_IF,
    SLX_GREATEST,
    SLX_LEAST,
    /* fn_string.c / fn_pattern.c */
    SLX_CONCAT,
    SLX_CONCAT_WS,
    SLX_UPPER,
    SLX_LOWER,
    SLX_TRIM,
    SLX_LTRIM,
    SLX_RTRIM,
    SLX_CHAR_LENGTH,
    SLX_SUBSTRING,
    SLX_REPLACE,
    SLX_POSITION,
    SLX_LOCATE,
    SLX_LPAD,
    SLX_RPAD,
    SLX_INITCAP,
    SLX_REVERSE,
    SLX_REPEAT,
    SLX_LEFT,
    SLX_RIGHT,
    SLX_SPLIT_INDEX,
    SLX_LIKE,
    SLX_NOT_LIKE,
    SLX_REGEXP_EXTRACT,
    SLX_REGEXP_REPLACE,
    SLX_REGEXP,
    SLX_MD5,
    /* fn_math.c */
    SLX_ABS,
    SLX_CEIL,
    SLX_FLOOR,
    SLX_ROUND,
    SLX_TRUNCATE,
    SLX_POWER,
    SLX_SQRT,
    SLX_EXP,
    SLX_LN,
    SLX_LOG10,
    SLX_LOG2,
    SLX_LOG,
    SLX_SIGN,
    SLX_PI,
    /* fn_time.c */
    SLX_TO_TIMESTAMP,
    SLX_TO_TIMESTAMP_LTZ,
    SLX_UNIX_TIMESTAMP,
    SLX_FROM_UNIXTIME,
    SLX_DATE_FORMAT,
    SLX_EXTRACT,
    SLX_DATEPART,
    SLX_TS_FLOOR,
    SLX_TS_CEIL,
    SLX_TIMESTAMPADD,
    SLX_TIMESTAMPDIFF,
    SLX_NOW,
} slx_op;

/* A column of values for every row of a batch (or one value: scalar).
 * Pointers are borrowed: into the input batch, a literal node, or a scratch
 * slot of the evaluator. String values of NULL rows are never read (they may
 * be garbage); numeric values of NULL rows are read by branch-free loops and
 * then ignored. */
typedef struct slvec {
    sl_type type;
    bool scalar;
    uint8_t *nulls;
    union {
        int64_t *i64; /* BIGINT, TIMESTAMP, INTERVAL */
        double *f64;
        uint8_t *b; /* BOOLEAN: 0 / 1 */
        slstr *s;
        void *raw;
    } v;
} slvec;

#define IX(vec, i) ((vec)->scalar ? 0u : (i))

typedef struct slexpr_fn slexpr_fn;

/* A kernel computes out for rows 0..n (n == 1 when every argument is
 * scalar). For strict functions out->nulls arrives set (a row is NULL when
 * any argument is) and the kernel computes the other rows, possibly setting
 * more NULLs; for SLFN_NONSTRICT ones out->nulls arrives zeroed. */
typedef void (*slexpr_kernel)(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                              slvec *out);
/* A type check: e->args are set (taken); coerce them (slexpr_want*), set
 * e->type and prepare constant operands (e->imm, e->aux). Called again on a
 * copy of a checked node, where it must succeed. */
typedef sl_err (*slexpr_check)(slexpr *e);

/* fn flags */
#define SLFN_NONSTRICT 0x01 /* sees NULL arguments (COALESCE, IS NULL...) */
#define SLFN_LAZY 0x02      /* evaluated by eval.c itself, argument by argument */
#define SLFN_CLOCK 0x04     /* reads processing time: never constant */

struct slexpr_fn {
    const char *name; /* as shown by describe and in messages */
    slx_op op;
    int8_t min_args, max_args; /* max_args -1: any number */
    uint8_t flags;
    slexpr_check check; /* NULL: slexpr_check_sig with sig and result */
    slexpr_kernel eval;
    /* Argument types, one letter each, the last repeating: S STRING,
     * I BIGINT, D DOUBLE, N a number (kept as it is), T TIMESTAMP,
     * B BOOLEAN. result 0: the type of argument 1. */
    const char *sig;
    sl_type result;
};

struct slexpr {
    uint8_t kind;  /* slx_node_kind */
    uint8_t flags; /* SLXF_* */
    sl_type type;
    const slexpr_fn *fn; /* CALL: borrowed (static table) */
    int col;             /* COL */
    slvalue val;         /* LIT; a string's bytes are owned (val.v.s.ptr) */
    uint8_t lit_null;    /* LIT: val.is_null as the byte a vector points at */
    int n_args;
    slexpr **args; /* owned */
    int64_t imm;   /* a prepared constant operand: a unit, a precision */
    void *aux;     /* owned via aux_free: a compiled pattern or format */
    void (*aux_free)(void *aux);
    uint32_t n_nodes;   /* nodes in this subtree */
    uint32_t cse;       /* 0, or the id (1..) of a subexpression shared by a set of
                           trees (slexpr_share, cse.c): the evaluator caches its value */
    slvalue *const_val; /* owned: slexpr_const's cached result */
    char *const_str;    /* owned: its string bytes */
};

/* ---- tables (one per file) ---- */

extern const slexpr_fn slexpr_fns_core[];
extern const int slexpr_n_fns_core;
extern const slexpr_fn slexpr_fns_string[];
extern const int slexpr_n_fns_string;
extern const slexpr_fn slexpr_fns_pattern[];
extern const int slexpr_n_fns_pattern;
extern const slexpr_fn slexpr_fns_math[];
extern const int slexpr_n_fns_math;
extern const slexpr_fn slexpr_fns_time[];
extern const int slexpr_n_fns_time;

/* ---- helpers for type checks (expr.c) ---- */

/* The check of a function described by its sig and result. */
sl_err slexpr_check_sig(slexpr *e);

const char *slexpr_type_name(sl_type t);
/* Make argument a of e have type t: same type, an untyped NULL, or BIGINT
 * widened to DOUBLE (an implicit cast). Else SL_ERR_TYPE
 * "<NAME> expects T, got U" (one argument) or "<NAME> argument k expects T,
 * got U". */
sl_err slexpr_want(slexpr *e, int a, sl_type t);
/* Argument a must be a number: a NULL literal becomes BIGINT. */
sl_err slexpr_want_num(slexpr *e, int a);
/* Argument a must be a constant STRING (a unit name): its value, NUL
 * terminated, into buf (truncated at cap - 1). */
sl_err slexpr_want_const_str(slexpr *e, int a, char *buf, size_t cap);
/* Coerce args[0..n) of e to one type (numbers widen to DOUBLE; constant
 * STRINGs become TIMESTAMP next to a TIMESTAMP when `cmp`); *out receives
 * it (SL_NULLTYPE when every argument is an untyped NULL). `what` names the
 * operation for the message "cannot apply 'what' to A and B". */
sl_err slexpr_unify(slexpr *e, int first, int n, bool cmp, const char *what, sl_type *out);
/* A constant argument's value (strings point into the tree), false when
 * the argument is not constant. */
bool slexpr_arg_const(const slexpr *e, int a, slvalue *out);
/* An implicit cast of e (taken) to t. */
slexpr *slexpr_implicit_cast(slexpr *e, sl_type t);

/* ---- evaluator services for kernels (eval.c) ---- */

/* n bytes of scratch that live until the end of the current evaluation. */
char *slexpr_scratch(slexpr_eval *ev, size_t n);
/* A per-evaluator growable buffer for building one value (reset by the
 * caller). */
slbuf *slexpr_tmpbuf(slexpr_eval *ev);
int64_t slexpr_now(const slexpr_eval *ev);
/* Comparison of two non-NULL values of one type: <0, 0, >0; 2 when
 * unordered (a NaN). */
int slexpr_cmp_at(const slvec *a, uint32_t ia, const slvec *b, uint32_t ib);

/* ---- kernels defined in eval.c used by the core table ---- */

void slexpr_k_arith(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
void slexpr_k_neg(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
void slexpr_k_cmp(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
void slexpr_k_not(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
void slexpr_k_is(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
void slexpr_k_in(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
void slexpr_k_nullif(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
void slexpr_k_greatest(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);

/* ---- casts (fn_cast.c) ---- */

/* Whether a cast from `from` to `to` can ever succeed; SL_ERR_TYPE with the
 * message otherwise. */
sl_err slexpr_cast_check(sl_type from, sl_type to);
void slexpr_k_cast(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out);
/* A DOUBLE as Java's Double.toString prints it, with the shortest digits
 * that read back to the same value ("1.5", "100.0", "1.0E10", "NaN").
 * buf holds >= 32 bytes; returns the length. */
size_t slexpr_fmt_double(double d, char *buf);
/* Parse text as CAST(text AS BIGINT / DOUBLE / BOOLEAN) does. */
bool slexpr_parse_bigint(const char *s, size_t n, int64_t *out);
bool slexpr_parse_double(const char *s, size_t n, double *out);
bool slexpr_parse_bool(const char *s, size_t n, bool *out);

/* ---- regular expressions (fn_pattern.c) ---- */

/* The literal bytes every match of the (Java syntax) pattern contains, the
 * prefilter of the REGEXP functions, into out (empty: none); false when the
 * pattern does not compile. For tests. */
bool slexpr_regex_literal(const char *pattern, uint32_t n, slbuf *out);

/* ---- time (fn_time.c) ---- */

/* Parse "YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z]" (UTC) without touching
 * the thread's error message. */
bool slexpr_parse_ts(const char *s, size_t n, int64_t *out_us);

/* ---- UTF-8 (fn_string.c) ---- */

/* Bytes of the code point starting with byte c (1 for a stray byte). */
static inline uint32_t slutf8_len(unsigned char c) {
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}
/* Byte offset of code point k (0-based) of s, or len when s is shorter. */
uint32_t slutf8_offset(const char *s, uint32_t len, int64_t k);
/* Number of code points. */
uint32_t slutf8_count(const char *s, uint32_t len);

#endif /* SL_EXPR_INT_H */
