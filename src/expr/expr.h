/*
 * expr.h - typed expression trees and their vectorized evaluation over
 * columnar batches: what SQL projections, filters, computed columns and
 * aggregate arguments compile to (DESIGN.md §12, src/expr).
 *
 * An slexpr is an immutable tree, built bottom-up by the constructors below;
 * every constructor checks types and inserts the implicit casts SQL wants
 * (BIGINT -> DOUBLE in arithmetic with a DOUBLE, a NULL literal takes the type
 * its context expects). Built trees are shared read-only between threads. An
 * slexpr_eval holds the scratch vectors of one thread: each operator subtask
 * makes its own.
 *
 * Ownership: constructors *take* their child expressions (also when they fail:
 * the children are then freed), so a binder can write
 *     slexpr *e; if (slexpr_func("+", (slexpr *[]){a, b}, 2, &e)) goto out;
 * without cleanup of a and b. slexpr_free(NULL) is a no-op.
 *
 * Semantics (SQL three-valued logic, Flink's choices where SQL leaves room):
 *   - NULL in, NULL out for every function except IS [NOT] NULL/TRUE/FALSE,
 *     IS [NOT] DISTINCT FROM, COALESCE, IFNULL, CASE, AND/OR (FALSE AND NULL
 *     = FALSE, TRUE OR NULL = TRUE), CONCAT_WS (skips NULLs).
 *   - Integer overflow wraps (two's complement, as Java's long); integer
 *     division truncates toward zero; integer or DOUBLE division or modulo by
 *     zero gives NULL (Flink fails the job; a stream engine should not stop on
 *     one bad row, and the NULL is visible).
 *   - A failed CAST (CAST('x' AS BIGINT)) gives NULL, for CAST and TRY_CAST.
 *   - Timestamps are UTC microseconds; TIMESTAMP +/- INTERVAL is exact;
 *     TIMESTAMP - TIMESTAMP is not SQL (use TIMESTAMPDIFF).
 *   - String functions count characters as UTF-8 code points.
 *   - LIKE: % and _ wildcards, optional escape character; SIMILAR TO is not
 *     built (refused by the constructor).
 */
#ifndef SL_EXPR_H
#define SL_EXPR_H

#include "data/data.h"

/* Types an expression may have besides the column types of sluice.h:
 * a day-time interval (int64 microseconds; only as an argument of
 * arithmetic, comparison and the window functions' sizes) and the type of
 * the bare NULL literal before context gives it one. Neither can be the type
 * of a column of a batch. */
#define SL_INTERVAL ((sl_type)16)
#define SL_NULLTYPE ((sl_type)17)

/* A constant value. For SL_STRING, s points at bytes owned by whoever made
 * the value (the expression tree, for slexpr_const). */
typedef struct slvalue {
    sl_type type;
    bool is_null;
    union {
        int64_t i64; /* BIGINT, TIMESTAMP, INTERVAL */
        double f64;
        bool b;
        slstr s;
    } v;
} slvalue;

typedef struct slexpr slexpr;

/* ---- building ---- */

/* Column `col` of the input batch, of type `type`. */
slexpr *slexpr_column(int col, sl_type type);
/* Literals. slexpr_string copies the bytes. slexpr_null(SL_NULLTYPE) is the
 * untyped NULL literal. */
slexpr *slexpr_null(sl_type type);
slexpr *slexpr_bool(bool v);
slexpr *slexpr_bigint(int64_t v);
slexpr *slexpr_double(double v);
slexpr *slexpr_string(const char *s, size_t len);
slexpr *slexpr_timestamp(int64_t ts_us);
slexpr *slexpr_interval(int64_t us);

/*
 * A function or operator applied to args[0..n) (taken). Names are upper case:
 *   arithmetic   "+" "-" "*" "/" "%" "NEG"   (numbers; TIMESTAMP +/- INTERVAL,
 *                                             INTERVAL +/- INTERVAL, INTERVAL * BIGINT)
 *   comparison   "=" "<>" "<" "<=" ">" ">="  (same-family types: numbers with numbers,
 *                                             STRING, BOOLEAN, TIMESTAMP, INTERVAL;
 *                                             a STRING literal compared with a TIMESTAMP
 *                                             is cast to TIMESTAMP)
 *   logic        "AND" "OR" "NOT"
 *   null tests   "IS NULL" "IS NOT NULL" "IS TRUE" "IS NOT TRUE" "IS FALSE"
 *                "IS NOT FALSE" "IS DISTINCT FROM" "IS NOT DISTINCT FROM"
 *   "IN"         args[0] IN (args[1..n)); "NOT IN"
 *   "BETWEEN"    args[0] BETWEEN args[1] AND args[2]; "NOT BETWEEN"
 *   "LIKE"       args: value, pattern [, escape]; "NOT LIKE"
 *   "CASE"       args: when1, then1, when2, then2, ... [, else] (searched form;
 *                n odd means an ELSE is present); result type is the common
 *                type of the thens and else
 *   "||" CONCAT CONCAT_WS UPPER LOWER TRIM LTRIM RTRIM (value [, chars])
 *   CHAR_LENGTH CHARACTER_LENGTH SUBSTRING SUBSTR (s, from [, len]; 1-based)
 *   REPLACE POSITION (needle, haystack) LOCATE (needle, haystack [, from])
 *   LPAD RPAD INITCAP REVERSE REPEAT LEFT RIGHT SPLIT_INDEX (s, sep, idx)
 *   REGEXP_EXTRACT (s, re [, group]) REGEXP_REPLACE REGEXP (s, re: BOOLEAN)
 *   MD5 (hex string)
 *   COALESCE IFNULL NULLIF IF (cond, a, b) GREATEST LEAST
 *   ABS CEIL CEILING FLOOR ROUND (x [, digits]) TRUNCATE MOD POWER SQRT
 *   EXP LN LOG10 LOG2 LOG ([base,] x: as Flink) SIGN PI (RAND is not built: results
 *   must be deterministic for replay).
 *   Date/time: TO_TIMESTAMP (string [, format]) TO_TIMESTAMP_LTZ (number,
 *   precision 0|3|6) UNIX_TIMESTAMP ([ts string [, format]]: seconds)
 *   FROM_UNIXTIME (seconds [, format]) DATE_FORMAT (ts, format) where formats
 *   are Java SimpleDateFormat patterns (yyyy MM dd HH mm ss SSS);
 *   "EXTRACT" (STRING unit literal, ts) with units YEAR QUARTER MONTH WEEK DAY
 *   DOY DOW HOUR MINUTE SECOND MILLISECOND MICROSECOND EPOCH;
 *   YEAR QUARTER MONTH WEEK DAYOFYEAR DAYOFMONTH DAYOFWEEK HOUR MINUTE SECOND (ts);
 *   "FLOOR" / "CEIL" (ts, STRING unit literal) rounds a TIMESTAMP to a unit
 *   (SECOND MINUTE HOUR DAY MONTH YEAR); TIMESTAMPADD (STRING unit, n, ts)
 *   TIMESTAMPDIFF (STRING unit, ts1, ts2): whole units from ts1 to ts2;
 *   CURRENT_TIMESTAMP NOW LOCALTIMESTAMP PROCTIME (): processing time, the
 *   evaluator's now_us; CURRENT_WATERMARK is not built.
 * Errors: unknown name -> SL_ERR_NOTFOUND ("unknown function 'FOO'");
 * wrong argument count or types -> SL_ERR_TYPE with a message naming the
 * function and the types ("cannot apply '+' to STRING and BIGINT",
 * "UPPER expects STRING, got BIGINT"). Messages carry no position: the
 * caller prefixes it.
 */
sl_err slexpr_func(const char *name, slexpr **args, int n, slexpr **out);
/* CAST(e AS type) (e taken); a cast that can never succeed (BOOLEAN to
 * TIMESTAMP) is SL_ERR_TYPE. try: TRY_CAST (same result here: NULL on failure). */
sl_err slexpr_cast(slexpr *e, sl_type type, bool try_cast, slexpr **out);
void slexpr_free(slexpr *e);
slexpr *slexpr_copy(const slexpr *e);

/* A copy of e in which column k is replaced by a copy of defs[k] (k <
 * n_defs; other columns stay): composes an expression over the output of a
 * projection with that projection. defs[k] must have column k's type. */
slexpr *slexpr_inline(const slexpr *e, slexpr *const *defs, int n_defs);

sl_type slexpr_type(const slexpr *e);
/* True when e depends on no column and no processing time. */
bool slexpr_is_const(const slexpr *e);
/* Evaluate a constant expression. String values point into e (valid while e
 * lives). SL_ERR_ARG when e is not constant. */
sl_err slexpr_const(const slexpr *e, slvalue *out);
/* The column index when e is a bare column reference, else -1. */
int slexpr_column_index(const slexpr *e);
/* True when e is a call of PROCTIME() (a processing-time attribute). */
bool slexpr_is_proctime(const slexpr *e);
/* Check that every column e reads exists in `in` with the type the tree
 * expects (SL_ERR_TYPE naming the column otherwise): a guard for operators
 * that receive trees from the planner. */
sl_err slexpr_check_columns(const slexpr *e, const sl_schema *in);
/* Set used[c] = 1 for every column c < n that e reads (others untouched). */
void slexpr_mark_columns(const slexpr *e, uint8_t *used, int n);
/* Readable form for EXPLAIN and messages: "(amount * 2) > 100", columns by
 * the names of `in` ($3 when in is NULL). */
void slexpr_describe(const slexpr *e, const sl_schema *in, slbuf *out);

/* ---- common subexpressions ---- */

/*
 * Common subexpression elimination over a set of trees that are evaluated
 * over the same batches (a Calc's WHERE and its projections; NULL entries
 * are skipped): gives every subexpression that would otherwise be computed
 * more than once per batch (same function or cast, structurally equal
 * arguments) an id, so that an evaluator in a shared batch
 * (slexpr_eval_begin_batch) computes it once and reuses its vector.
 * Constant subtrees (already computed once) and subtrees that read
 * processing time (CURRENT_TIMESTAMP, NOW, PROCTIME: not deterministic) are
 * never merged; every other function is deterministic (RAND and UUID are not
 * built). Returns the number of ids. Marks of an earlier call on the same
 * trees are replaced; copies are unmarked. Call it while building the trees,
 * before any thread evaluates them.
 */
int slexpr_share(slexpr *const *exprs, int n);

/* ---- evaluation ---- */

typedef struct slexpr_eval slexpr_eval;

/* Scratch for evaluating expressions over batches of up to `cap_rows` rows
 * (batches may be larger: the scratch grows). Thread: one evaluator per
 * thread. */
slexpr_eval *slexpr_eval_new(uint32_t cap_rows);
void slexpr_eval_free(slexpr_eval *ev);
/* Processing time seen by CURRENT_TIMESTAMP and friends (set per batch). */
void slexpr_eval_set_now(slexpr_eval *ev, int64_t now_us);

/* Compute e for rows 0..in->n of `in` into column `col` of `out` (rows
 * 0..in->n; out->cap >= in->n; out->n is the caller's to set). The column's
 * type must equal slexpr_type(e). Strings are copied into out's arena. */
void slexpr_eval_into(slexpr_eval *ev, const slexpr *e, const slbatch *in, slbatch *out, int col);
/* Compute a BOOLEAN e for rows 0..in->n: keep[i] = 1 when TRUE (not FALSE,
 * not NULL). */
void slexpr_eval_filter(slexpr_eval *ev, const slexpr *e, const slbatch *in, uint8_t *keep);

/*
 * Shared values (see slexpr_share). From the first call of
 * slexpr_eval_begin_batch on, the evaluator keeps the vector of every marked
 * subexpression it computes, and the string scratch, until the next call:
 * every slexpr_eval_into / slexpr_eval_filter in between must be over the
 * same batch (or its compaction, below) and over trees of one slexpr_share
 * set. Without it, marks are ignored.
 */
void slexpr_eval_begin_batch(slexpr_eval *ev);
/* The caller compacted the batch of n rows with keep[0..n) (slbatch_compact):
 * compact the shared values alike. */
void slexpr_eval_compact(slexpr_eval *ev, const uint8_t *keep, uint32_t n);

#endif /* SL_EXPR_H */
