/*
 * cols.c - the column writer (sl_cols_*) that batch generators fill: rows
 * b->n .. cap-1 of a batch, prepared all NULL with time 0 and kind +I by
 * slcols_init; the generator writes whole columns through arrays or single
 * values through setters, says how many rows it made (sl_cols_emit), and
 * slcols_finish adds them to the batch.
 *
 * Invariant: rows base .. base+room-1 of c->b are the writer's and lie below
 * the batch's capacity; nothing else writes them until slcols_finish.
 * Called by the generator source (connectors/gen.c) on its worker thread.
 */
#include <assert.h>

#include "data/data.h"

void slcols_init(sl_cols *c, slbatch *b) {
    c->b = b;
    c->base = b->n;
    c->room = b->cap - b->n;
    c->n = 0;
    for (int col = 0; col < b->schema->n; col++) {
        memset(b->cols[col].nulls + c->base, 1, c->room);
    }
    memset(b->ts + c->base, 0, (size_t)c->room * sizeof *b->ts);
    memset(b->kind + c->base, SL_INSERT, c->room);
}

void slcols_finish(sl_cols *c) {
    c->b->n = c->base + c->n;
}

uint32_t sl_cols_room(const sl_cols *c) {
    return c->room;
}

/* The column's slots, marked not NULL, if it has one of the two types. */
static void *column(sl_cols *c, int col, sl_type t1, sl_type t2) {
    if (col < 0 || col >= c->b->schema->n) {
        assert(!"sl_cols: no such column");
        return NULL;
    }
    slcol *k = &c->b->cols[col];
    if (k->type != t1 && k->type != t2) {
        return NULL;
    }
    memset(k->nulls + c->base, 0, c->room);
    return (char *)k->v.raw + (size_t)c->base * (k->type == SL_DOUBLE ? sizeof(double)
                                                                        : sizeof(int64_t));
}

int64_t *sl_cols_bigint(sl_cols *c, int col) {
    return column(c, col, SL_BIGINT, SL_TIMESTAMP);
}

double *sl_cols_double(sl_cols *c, int col) {
    return column(c, col, SL_DOUBLE, SL_DOUBLE);
}

/* Row `row` exists and column `col` has type t (0: any). */
static bool slot_ok(const sl_cols *c, int col, uint32_t row, int t) {
    bool ok = col >= 0 && col < c->b->schema->n && row < c->room &&
              (t == 0 || (int)c->b->cols[col].type == t);
    assert(ok);
    return ok;
}

void sl_cols_bool(sl_cols *c, int col, uint32_t row, bool v) {
    if (slot_ok(c, col, row, SL_BOOLEAN)) {
        slbatch_set_bool(c->b, col, c->base + row, v);
    }
}

void sl_cols_string(sl_cols *c, int col, uint32_t row, const char *s, size_t len) {
    if (slot_ok(c, col, row, SL_STRING)) {
        slbatch_set_str(c->b, col, c->base + row, s, len);
    }
}

void sl_cols_null(sl_cols *c, int col, uint32_t row) {
    if (slot_ok(c, col, row, 0)) {
        slbatch_set_null(c->b, col, c->base + row);
    }
}

int64_t *sl_cols_time(sl_cols *c) {
    return c->b->ts + c->base;
}

void sl_cols_kind(sl_cols *c, uint32_t row, sl_rowkind k) {
    if (row < c->room) {
        c->b->kind[c->base + row] = (uint8_t)k;
    } else {
        assert(!"sl_cols_kind: row beyond the room");
    }
}

void sl_cols_emit(sl_cols *c, uint32_t n) {
    c->n = n < c->room ? n : c->room;
}
