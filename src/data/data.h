/*
 * data.h - types, schemas, columnar batches, row views and row writers.
 *
 * A batch holds up to `cap` rows of one schema as column arrays: a value array
 * per column (int64 for BIGINT/TIMESTAMP, double, uint8 for BOOLEAN, slstr for
 * STRING), a null flag byte per row per column (1 = NULL), plus two arrays
 * every batch has: `ts`, the event time of each row (microseconds), and `kind`,
 * the changelog kind of each row (sl_rowkind). String bytes live in the batch's
 * arena, so a batch owns everything it points to and can cross threads.
 *
 * Invariants: 0 <= n <= cap; for i < n every column value is either set or its
 * null flag is 1; slstr pointers of row i point into this batch's arena (or at
 * static memory), never into another batch.
 */
#ifndef SL_DATA_H
#define SL_DATA_H

#include "base/base.h"

/* ---- schema (schema.c) ---- */

typedef struct slfield {
    char *name; /* owned */
    sl_type type;
} slfield;

struct sl_schema {
    int n, cap;
    slfield *fields; /* owned */
    int refs;        /* atomic: shared by batches and operators */
};

sl_schema *slschema_ref(const sl_schema *s);
void slschema_unref(sl_schema *s);
sl_schema *slschema_copy(const sl_schema *s);
bool slschema_equal(const sl_schema *a, const sl_schema *b);
/* "name TYPE, ..." for messages. */
void slschema_describe(const sl_schema *s, slbuf *out);
bool sltype_parse(const char *name, size_t len, sl_type *out);

/* ---- batch (batch.c) ---- */

typedef struct slcol {
    sl_type type;
    uint8_t *nulls; /* owned; 1 = NULL */
    union {
        int64_t *i64; /* BIGINT, TIMESTAMP */
        double *f64;
        uint8_t *b;
        slstr *s;
        void *raw;
    } v; /* owned */
} slcol;

typedef struct slbatch {
    sl_schema *schema; /* ref */
    uint32_t n, cap;
    slcol *cols;    /* owned, schema->n of them */
    int64_t *ts;    /* owned: event time per row */
    uint8_t *kind;  /* owned: sl_rowkind per row */
    slarena arena;  /* string bytes */
} slbatch;

slbatch *slbatch_new(const sl_schema *schema, uint32_t cap);
void slbatch_free(slbatch *b);
/* Drop all rows, keep the memory. */
void slbatch_clear(slbatch *b);
static inline bool slbatch_full(const slbatch *b) {
    return b->n >= b->cap;
}
/* Start a new row at index b->n with every column NULL, kind +I, ts 0;
 * returns its index. The caller sets values and then increments b->n. */
uint32_t slbatch_begin_row(slbatch *b);
/* Set column values of row i (strings are copied into the arena). */
static inline void slbatch_set_i64(slbatch *b, int col, uint32_t i, int64_t v) {
    b->cols[col].v.i64[i] = v;
    b->cols[col].nulls[i] = 0;
}
static inline void slbatch_set_f64(slbatch *b, int col, uint32_t i, double v) {
    b->cols[col].v.f64[i] = v;
    b->cols[col].nulls[i] = 0;
}
static inline void slbatch_set_bool(slbatch *b, int col, uint32_t i, bool v) {
    b->cols[col].v.b[i] = v;
    b->cols[col].nulls[i] = 0;
}
void slbatch_set_str(slbatch *b, int col, uint32_t i, const char *p, size_t len);
static inline void slbatch_set_null(slbatch *b, int col, uint32_t i) {
    b->cols[col].nulls[i] = 1;
}
static inline bool slbatch_is_null(const slbatch *b, int col, uint32_t i) {
    return b->cols[col].nulls[i] != 0;
}
/* Copy value (col_src of row i of src) into (col_dst of row j of dst); the
 * types must be equal. */
void slbatch_copy_value(slbatch *dst, int col_dst, uint32_t j, const slbatch *src, int col_src,
                        uint32_t i);
/* Append row i of src (same schema) to dst, with its ts and kind. dst must not
 * be full. */
void slbatch_append_row(slbatch *dst, const slbatch *src, uint32_t i);
/* Keep only the rows whose keep[i] is nonzero, in order. */
void slbatch_compact(slbatch *b, const uint8_t *keep);
/* Give b the wider schema `to` in place: b's columns must be the first
 * columns of `to` (same types); the added columns get arrays of b->cap rows,
 * every row NULL. Rows, strings and times stay where they are, so an
 * operator that only adds columns need not copy a row. */
void slbatch_extend(slbatch *b, const sl_schema *to);
/* Projection without copying. slbatch_adopt_strings hands src's string bytes
 * (its arena) to dst, whose own arena must be empty: strings of src stay valid
 * as long as dst lives, and src's arena starts empty. Then
 * slbatch_copy_column copies rows [0, n) of column cs of src into column cd
 * of dst (same type; strings by reference, so only after adopting), and
 * slbatch_move_column swaps the arrays of the two columns (same type, equal
 * cap), leaving src's column cs with dst's old, unspecified content. */
void slbatch_adopt_strings(slbatch *dst, slbatch *src);
void slbatch_copy_column(slbatch *dst, int cd, const slbatch *src, int cs, uint32_t n);
void slbatch_move_column(slbatch *dst, int cd, slbatch *src, int cs);
/* Bytes held by the batch (for memory accounting). */
size_t slbatch_bytes(const slbatch *b);

/* ---- row codec (rowcodec.c) ----
 * A row's values as plain bytes (for state values, caches and snapshots):
 * per column a tag byte (0 = NULL, 1 = value) then the value: 8 bytes for
 * BIGINT, TIMESTAMP and DOUBLE, 1 for BOOLEAN, a u32 length and the bytes
 * for STRING. Event time and row kind are not included. */

/* Append columns [first, first + n) of row i of b to out. */
void slrow_encode(slbuf *out, const slbatch *b, uint32_t i, int first, int n);
/* Decode an encoded row into columns [first, first + n) of row `row` of b
 * (their types must be the encoded columns' types; strings are copied into
 * b's arena). Returns the bytes read. */
size_t slrow_decode(const char *p, slbatch *b, uint32_t row, int first, int n);
/* slrow_decode of the columns c with want[c - first] != 0 only; the others
 * are skipped (left as they are). Returns the bytes of all n columns. */
size_t slrow_decode_some(const char *p, slbatch *b, uint32_t row, int first, int n,
                         const uint8_t *want);

/* ---- row views and writers (row.c) ---- */

/* The public sl_row is a (batch, index) view. */
struct sl_row {
    const slbatch *b; /* borrowed */
    uint32_t i;
};

/* The public sl_out writes rows into a batch and hands full batches to
 * `flush`, which takes the batch and returns an empty one to continue in.
 * A batch is handed on when a row starts in it while it is full (so after the
 * emit that fills it, o->b is full until the next row or slout_flush). */
typedef slbatch *(*slout_flush_fn)(slbatch *full, void *user);

struct sl_out {
    slbatch *b;          /* owned while writing */
    uint32_t row;        /* index of the row being built (== b->n) */
    bool started;        /* the row at `row` has been initialised */
    int64_t default_ts;  /* event time of the row unless set */
    uint8_t default_kind; /* row kind unless set (sl_rowkind) */
    slout_flush_fn flush;
    void *flush_user;    /* borrowed */
    uint64_t emitted;    /* rows emitted through this writer */
    /* Rows [fresh_from, fresh_to) of b have every null flag set and nothing
     * written since: starting one of them sets only ts and kind. The writer
     * sets the flags of the rest of a batch in one pass per column when it
     * first starts a row in it, instead of once per row and column. */
    uint32_t fresh_from, fresh_to;
};

void slout_init(sl_out *o, slbatch *b, slout_flush_fn flush, void *user);
/* Hand the batch being written (if it has rows) to flush. */
void slout_flush(sl_out *o);

/* ---- column writers (cols.c) ---- */

/* The public sl_cols: rows base .. base+room-1 of a batch, filled by a batch
 * generator. */
struct sl_cols {
    slbatch *b;    /* borrowed: the batch being filled */
    uint32_t base; /* index in b of the writer's row 0 (== b->n) */
    uint32_t room;
    uint32_t n;    /* rows emitted */
};

/* Make rows b->n .. cap-1 of b all NULL with time 0 and kind +I, and point c
 * at them. */
void slcols_init(sl_cols *c, slbatch *b);
/* Add the emitted rows to b (b->n += c->n). */
void slcols_finish(sl_cols *c);

/* ---- text encoders for sinks and messages (format.c) ---- */

/* Append the value of (col, row i) in JSON form (strings quoted and escaped,
 * NULL as null, timestamps as "YYYY-MM-DD HH:MM:SS[.fff]"). */
void slfmt_json_value(slbuf *out, const slbatch *b, int col, uint32_t i);
/* Append one row as a JSON object line (no newline). With `with_op` a leading
 * "op":"+I" field carries the row kind. */
void slfmt_json_row(slbuf *out, const slbatch *b, uint32_t i, bool with_op);
/* Append one row as CSV (RFC 4180 quoting; NULL as empty field). With
 * `with_op` the first field is the row kind. */
void slfmt_csv_row(slbuf *out, const slbatch *b, uint32_t i, bool with_op);
void slfmt_json_string(slbuf *out, const char *s, size_t n);
const char *slfmt_kind(sl_rowkind k); /* "+I", "-U", "+U", "-D" */

#endif /* SL_DATA_H */
