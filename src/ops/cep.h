/*
 * cep.h - complex event processing: row patterns (SQL MATCH_RECOGNIZE and the
 * C pattern API of sluice.h) compiled to an NFA and matched per key over rows
 * in event-time order.
 *
 * Pieces:
 *   slcep_pat   a pattern tree: variables, concatenation, alternation and
 *               quantifiers ({min,max}, greedy or reluctant); built by the
 *               SQL parser/planner or the C pattern builder.
 *   slcep_prog  the tree compiled to an NFA program (cep_nfa.c): CONSUME a
 *               row as a variable, SPLIT (two successors, the first
 *               preferred), JMP, MATCH. Quantifiers are unrolled ({2,4} =
 *               V V V? V? nested), so the program carries no counters.
 *   slcep_nav   a value a condition or measure reads besides the current row:
 *               PREV/LAST/FIRST of a column, an aggregate over a variable's
 *               rows, the match's row time, its classifier (cep_nav.c).
 *   slcep_arg   what the operator (cep.c) runs: the program, a condition per
 *               variable (an expression over the current row and its navs, or
 *               a C callback), WITHIN, the AFTER MATCH SKIP strategy, and the
 *               output (SQL measures or a C select callback).
 *
 * Matching semantics (as SQL's row pattern matching, for ONE ROW PER MATCH):
 * every row starts an attempt; among the ways an attempt can match, the one
 * the pattern prefers wins (greedy quantifiers prefer more rows, reluctant
 * fewer, alternation its left side); matches are emitted in the order of
 * their first rows; after a match the next attempt starts where the skip
 * strategy says, and attempts starting before that are dropped. With
 * SLCEP_SKIP_NONE (the C API's default, as FlinkCEP's noSkip) every way of
 * matching from every row is emitted, as soon as it completes. A pattern
 * never matches zero rows. WITHIN w: a match's rows satisfy
 * last.ts - first.ts < w; attempts that cannot finish in time are dropped
 * when the watermark passes first.ts + w.
 */
#ifndef SL_CEP_H
#define SL_CEP_H

#include "expr/expr.h"
#include "ops/op.h"

#define SLCEP_MAX_VARS 250
#define SLCEP_IGNORED 255 /* label of a row a relaxed-contiguity wait skipped */

/* ---- patterns ---- */

typedef enum slcep_pat_kind {
    SLCEP_PAT_VAR = 1, /* one row classified as var */
    SLCEP_PAT_SEQ,     /* kids in order */
    SLCEP_PAT_ALT,     /* one of kids, earlier ones preferred */
    SLCEP_PAT_REPEAT,  /* kids[0] repeated min..max times (max -1: unbounded) */
} slcep_pat_kind;

/* Contiguity before a variable's first row (C API; SQL is always strict). */
typedef enum slcep_contig {
    SLCEP_STRICT = 0, /* the very next row (next) */
    SLCEP_RELAXED,    /* the next row that satisfies the condition (followed_by) */
    SLCEP_ANY,        /* any later row that satisfies it (followed_by_any) */
} slcep_contig;

typedef struct slcep_pat slcep_pat;
struct slcep_pat {
    slcep_pat_kind kind;
    int var;             /* VAR */
    slcep_contig contig; /* VAR */
    slcep_pat **kids;    /* owned */
    int n_kids;
    int min, max;        /* REPEAT */
    bool greedy;         /* REPEAT */
};

slcep_pat *slcep_pat_var(int var, slcep_contig contig);
/* SEQ / ALT of kids[0..n) (taken). */
slcep_pat *slcep_pat_list(slcep_pat_kind kind, slcep_pat **kids, int n);
/* kid (taken) repeated min..max (-1 = unbounded) times. */
slcep_pat *slcep_pat_repeat(slcep_pat *kid, int min, int max, bool greedy);
slcep_pat *slcep_pat_copy(const slcep_pat *p);
void slcep_pat_free(slcep_pat *p);
/* "A B+ C{2,3}?" with names[] for messages and EXPLAIN. */
void slcep_pat_describe(const slcep_pat *p, const char *const *names, slbuf *out);

/* ---- programs ---- */

typedef enum slcep_op { SLCEP_I_CONSUME = 0, SLCEP_I_SPLIT, SLCEP_I_JMP, SLCEP_I_MATCH } slcep_op;

typedef struct slcep_ins {
    uint8_t op;     /* slcep_op */
    uint8_t contig; /* CONSUME: slcep_contig */
    uint16_t var;   /* CONSUME */
    int32_t x, y;   /* CONSUME/JMP: next = x; SPLIT: x preferred, then y */
} slcep_ins;

typedef struct slcep_prog {
    slcep_ins *ins; /* owned */
    int n;
} slcep_prog;

#define SLCEP_MAX_INS 20000

/* Compile p. Errors: SL_ERR_UNSUPPORTED when the pattern can match zero rows
 * or unrolls to more than SLCEP_MAX_INS instructions; SL_ERR_ARG for a bad
 * quantifier. The program starts at instruction 0. */
sl_err slcep_compile(const slcep_pat *p, slcep_prog **out);
void slcep_prog_free(slcep_prog *p);

/* The closure of instruction pc: the CONSUME and MATCH instructions reached
 * through SPLIT and JMP, in preference order, each once, into out (which has
 * room for prog->n). Returns how many. Scratch: `seen` of prog->n bytes
 * (cleared by the call), `stack` of 2 * prog->n + 2 entries. */
int slcep_closure(const slcep_prog *prog, int pc, int32_t *out, uint8_t *seen, int32_t *stack);

/* ---- navigation values ---- */

typedef enum slcep_nav_kind {
    SLCEP_NAV_PREV = 1, /* col of the row `off` rows before the last row of var (-1: the
                         * current / last row), within the match */
    SLCEP_NAV_LAST,     /* col of the `off`-th last row of var (-1: any row) */
    SLCEP_NAV_FIRST,    /* col of the `off`-th first row of var */
    SLCEP_NAV_COUNT,    /* rows of var (col >= 0: with col not NULL) */
    SLCEP_NAV_SUM,
    SLCEP_NAV_AVG,      /* DOUBLE */
    SLCEP_NAV_MIN,
    SLCEP_NAV_MAX,
    SLCEP_NAV_ROWTIME,  /* event time of the last row (TIMESTAMP) */
    SLCEP_NAV_CLASSIFIER, /* the variable of the last row (STRING) */
} slcep_nav_kind;

typedef struct slcep_nav {
    slcep_nav_kind kind;
    int var;     /* -1: every row of the match */
    int col;     /* input column, -1 for COUNT(*), ROWTIME, CLASSIFIER */
    int64_t off; /* PREV/LAST/FIRST */
    sl_type type; /* result type */
} slcep_nav;

/* The result type of a nav over input schema `in`, or SL_ERR_TYPE (SUM of a
 * STRING, ...) with a message naming the function. */
sl_err slcep_nav_type(const slcep_nav *nav, const sl_schema *in, sl_type *out);

/* A match (or a partial one) as conditions, measures and the C API see it:
 * rows win[base .. base + n) with labels[k] the variable of row base + k
 * (SLCEP_IGNORED: skipped by a relaxed wait, not part of the match). The
 * public sl_match is this struct. */
struct sl_match {
    const slbatch *win;      /* borrowed */
    uint32_t base, n;
    const uint8_t *labels;   /* borrowed */
    const char *const *names; /* borrowed: variable names */
    int n_vars;
    struct sl_row row;       /* scratch for sl_match_row */
};
typedef struct sl_match slcep_view;

/* Write nav's value over the view into (col, row j) of dst. */
void slcep_nav_eval(const slcep_nav *nav, const slcep_view *v, slbatch *dst, int col, uint32_t j);

/* ---- the operator ---- */

typedef enum slcep_skip {
    SLCEP_SKIP_PAST_LAST = 0, /* AFTER MATCH SKIP PAST LAST ROW (SQL's default) */
    SLCEP_SKIP_TO_NEXT,       /* SKIP TO NEXT ROW */
    SLCEP_SKIP_TO_FIRST,      /* SKIP TO FIRST var */
    SLCEP_SKIP_TO_LAST,       /* SKIP TO LAST var / SKIP TO var */
    SLCEP_SKIP_NONE,          /* every match (FlinkCEP noSkip) */
} slcep_skip;

/* A C condition: row r classified as the variable, given the match so far
 * (which ends with r). */
typedef bool (*slcep_cond_fn)(const struct sl_row *r, const struct sl_match *m, void *user);
/* A C select: write the output rows of match m to o. */
typedef void (*slcep_select_fn)(const struct sl_match *m, struct sl_out *o, void *user);

/* A variable's condition: NULL e and NULL fn = always true. e is over
 * `schema` = the input columns, then one column per nav. */
typedef struct slcep_cond {
    slexpr *e;           /* owned */
    slcep_nav *navs;     /* owned */
    int n_navs;
    sl_schema *schema;   /* ref (set by slcep_arg_new) */
    slcep_cond_fn fn;
    void *user;          /* borrowed */
} slcep_cond;

/* A measure: an expression over the input columns of the match's last row
 * and its navs (measure schema: input, then every measure nav). */
typedef struct slcep_measure {
    const char *name; /* borrowed during slcep_arg_new (copied) */
    slexpr *e;        /* taken by slcep_arg_new */
} slcep_measure;

typedef struct slcep_arg {
    sl_schema *in;           /* ref */
    slkeyspec partition;     /* n may be 0 */
    char **names;            /* owned: variable names */
    int n_vars;
    slcep_prog *prog;        /* owned */
    slcep_pat *pat;          /* owned (EXPLAIN) */
    slcep_cond *conds;       /* owned, n_vars */
    int64_t within_us;       /* 0: none */
    slcep_skip skip;
    int skip_var;
    /* output: SQL measures ... */
    slexpr **measures;       /* owned */
    int n_measures;
    slcep_nav *mnavs;        /* owned */
    int n_mnavs;
    sl_schema *mschema;      /* ref: in + mnavs */
    /* ... or a C select */
    slcep_select_fn select;
    void *select_user;       /* borrowed */
    sl_schema *out;          /* ref: partition columns then measures; or the select's */
} slcep_arg;

/*
 * Make an operator argument. Takes pat, conds[i].e and .navs, measures[i].e
 * and mnavs (also on failure); copies the rest. `select` NULL: SQL output
 * (partition columns, then the measures named measures[i].name); else
 * out_schema is the select's output schema. Errors name what is wrong.
 */
sl_err slcep_arg_new(const sl_schema *in, const slkeyspec *partition, const char *const *names,
                     int n_vars, slcep_pat *pat, slcep_cond *conds, int64_t within_us,
                     slcep_skip skip, int skip_var, slcep_measure *measures, int n_measures,
                     slcep_nav *mnavs, int n_mnavs, slcep_select_fn select, void *select_user,
                     const sl_schema *out_schema, slcep_arg **out);
void slcep_arg_free(void *arg);
/* Run the pattern: a keyed operator (port 0 matches, port 1 late rows with
 * the input schema). The node must be added keyed (sljob_add_keyed_op). */
slop *slcep_new(void *arg, int subtask);
/* "Match(pattern: A B+, within 10s, skip past last row)" for EXPLAIN. */
void slcep_describe(const slcep_arg *a, slbuf *out);

#endif /* SL_CEP_H */
