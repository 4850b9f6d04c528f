/*
 * test_row.c - the row writer (sl_out, src/data/row.c) driven directly: columns
 * not set are NULL whatever the rows before them held (rows emitted, rows
 * begun and dropped, a batch cleared under the writer), default and explicit
 * time and kind, full batches handed to flush when the next row starts,
 * slout_flush.
 */
#include "data/data.h"
#include "test.h"

typedef struct sink {
    slbuf text; /* one line per row: "kind ts a b c" */
    int batches;
    uint32_t cap;
    const sl_schema *schema;
} sink;

static void put_row(slbuf *o, const slbatch *b, uint32_t i) {
    slbuf_printf(o, "%s @%lld", slfmt_kind((sl_rowkind)b->kind[i]), (long long)b->ts[i]);
    for (int c = 0; c < b->schema->n; c++) {
        if (slbatch_is_null(b, c, i)) {
            slbuf_puts(o, " NULL");
        } else if (b->cols[c].type == SL_STRING) {
            slbuf_printf(o, " %.*s", (int)b->cols[c].v.s[i].len, b->cols[c].v.s[i].ptr);
        } else if (b->cols[c].type == SL_DOUBLE) {
            slbuf_printf(o, " %g", b->cols[c].v.f64[i]);
        } else if (b->cols[c].type == SL_BOOLEAN) {
            slbuf_puts(o, b->cols[c].v.b[i] ? " true" : " false");
        } else {
            slbuf_printf(o, " %lld", (long long)b->cols[c].v.i64[i]);
        }
    }
    slbuf_putc(o, '\n');
}

static slbatch *to_sink(slbatch *full, void *user) {
    sink *s = user;
    for (uint32_t i = 0; i < full->n; i++) {
        put_row(&s->text, full, i);
    }
    s->batches++;
    slbatch_free(full);
    return slbatch_new(s->schema, s->cap);
}

typedef struct fx {
    sl_schema *schema;
    sink s;
    sl_out o;
} fx;

static void fx_init(fx *f, uint32_t cap) {
    memset(f, 0, sizeof *f);
    CHECK(sl_schema_parse("a BIGINT, b STRING, c DOUBLE, d BOOLEAN, e TIMESTAMP", &f->schema) ==
          SL_OK);
    f->s.cap = cap;
    f->s.schema = f->schema;
    slout_init(&f->o, slbatch_new(f->schema, cap), to_sink, &f->s);
}

static const char *fx_done(fx *f) {
    slout_flush(&f->o);
    return slbuf_cstr(&f->s.text);
}

static void fx_free(fx *f) {
    slbatch_free(f->o.b);
    slbuf_free(&f->s.text);
    slschema_unref(f->schema);
}

TEST(unset_columns_are_null) {
    fx f;
    fx_init(&f, 3);
    sl_out *o = &f.o;
    sl_out_bigint(o, 0, 1);
    sl_out_string(o, 1, "x", 1);
    sl_out_double(o, 2, 2.5);
    sl_out_bool(o, 3, true);
    sl_out_timestamp(o, 4, 7);
    sl_out_emit(o);
    sl_out_string(o, 1, "y", 1); /* the row before had every column */
    sl_out_emit(o);
    sl_out_emit(o); /* nothing set: all NULL */
    sl_out_double(o, 2, 3.5); /* first row of the second batch */
    sl_out_null(o, 2);
    sl_out_bool(o, 3, false);
    sl_out_emit(o);
    CHECK_STR(fx_done(&f), "+I @0 1 x 2.5 true 7\n"
                           "+I @0 NULL y NULL NULL NULL\n"
                           "+I @0 NULL NULL NULL NULL NULL\n"
                           "+I @0 NULL NULL NULL false NULL\n");
    CHECK_INT(f.s.batches, 2);
    CHECK_INT(o->emitted, 4);
    fx_free(&f);
}

TEST(dropped_rows_leave_nothing) {
    /* A row begun and dropped (as flat_map drops it) must not leak its
     * values into the row written at the same place next. */
    fx f;
    fx_init(&f, 4);
    sl_out *o = &f.o;
    sl_out_bigint(o, 0, 1);
    sl_out_emit(o);
    sl_out_bigint(o, 0, 99);
    sl_out_string(o, 1, "dropped", 7);
    sl_out_time(o, 5);
    sl_out_kind(o, SL_DELETE);
    o->started = false; /* dropped */
    sl_out_double(o, 2, 1.5);
    o->started = false; /* dropped again, at the same place */
    sl_out_timestamp(o, 4, 3);
    sl_out_emit(o);
    sl_out_bigint(o, 0, 2);
    sl_out_emit(o);
    CHECK_STR(fx_done(&f), "+I @0 1 NULL NULL NULL NULL\n"
                           "+I @0 NULL NULL NULL NULL 3\n"
                           "+I @0 2 NULL NULL NULL NULL\n");
    fx_free(&f);
}

TEST(defaults_and_explicit_time_and_kind) {
    fx f;
    fx_init(&f, 2);
    sl_out *o = &f.o;
    o->default_ts = 100;
    o->default_kind = SL_UPDATE_AFTER;
    sl_out_bigint(o, 0, 1);
    sl_out_emit(o);
    o->default_ts = 200;
    o->default_kind = SL_INSERT;
    sl_out_time(o, 7); /* the first call of a row may be time or kind */
    sl_out_bigint(o, 0, 2);
    sl_out_emit(o);
    sl_out_kind(o, SL_UPDATE_BEFORE);
    sl_out_emit(o);
    sl_out_emit(o);
    CHECK_STR(fx_done(&f), "+U @100 1 NULL NULL NULL NULL\n"
                           "+I @7 2 NULL NULL NULL NULL\n"
                           "-U @200 NULL NULL NULL NULL NULL\n"
                           "+I @200 NULL NULL NULL NULL NULL\n");
    fx_free(&f);
}

TEST(batch_changed_under_the_writer) {
    /* The batch's rows are cleared behind the writer's back: the rows it
     * writes again are still NULL where not set. */
    fx f;
    fx_init(&f, 8);
    sl_out *o = &f.o;
    for (int i = 0; i < 3; i++) {
        sl_out_bigint(o, 0, i);
        sl_out_string(o, 1, "s", 1);
        sl_out_emit(o);
    }
    slbatch_clear(o->b);
    sl_out_string(o, 1, "t", 1);
    sl_out_emit(o);
    sl_out_bigint(o, 0, 9);
    sl_out_emit(o);
    CHECK_STR(fx_done(&f), "+I @0 NULL t NULL NULL NULL\n"
                           "+I @0 9 NULL NULL NULL NULL\n");
    fx_free(&f);
}

TEST(flush_drops_a_begun_row) {
    fx f;
    fx_init(&f, 4);
    sl_out *o = &f.o;
    sl_out_bigint(o, 0, 1);
    sl_out_emit(o);
    sl_out_bigint(o, 0, 2); /* begun, not emitted */
    slout_flush(o);
    sl_out_string(o, 1, "z", 1);
    sl_out_emit(o);
    CHECK_STR(fx_done(&f), "+I @0 1 NULL NULL NULL NULL\n"
                           "+I @0 NULL z NULL NULL NULL\n");
    CHECK_INT(f.s.batches, 2);
    fx_free(&f);
}

TEST(many_rows_many_batches) {
    /* Every column pattern over 1000 rows in batches of 7. */
    fx f;
    fx_init(&f, 7);
    sl_out *o = &f.o;
    slbuf want = {0};
    for (int i = 0; i < 1000; i++) {
        int mask = (i * 7) % 32;
        slbuf_printf(&want, "+I @%d", i);
        if (mask & 1) {
            sl_out_bigint(o, 0, i);
            slbuf_printf(&want, " %d", i);
        } else {
            slbuf_puts(&want, " NULL");
        }
        if (mask & 2) {
            sl_out_string(o, 1, "s", 1);
            slbuf_puts(&want, " s");
        } else {
            slbuf_puts(&want, " NULL");
        }
        if (mask & 4) {
            sl_out_double(o, 2, 0.5);
            slbuf_puts(&want, " 0.5");
        } else {
            slbuf_puts(&want, " NULL");
        }
        if (mask & 8) {
            sl_out_bool(o, 3, true);
            slbuf_puts(&want, " true");
        } else {
            slbuf_puts(&want, " NULL");
        }
        if (mask & 16) {
            sl_out_timestamp(o, 4, -i);
            slbuf_printf(&want, " %d", -i);
        } else {
            slbuf_puts(&want, " NULL");
        }
        slbuf_putc(&want, '\n');
        sl_out_time(o, i);
        sl_out_emit(o);
    }
    CHECK_STR(fx_done(&f), slbuf_cstr(&want));
    CHECK_INT(f.s.batches, 143);
    slbuf_free(&want);
    fx_free(&f);
}

TEST(full_batch_goes_on_when_the_next_row_starts) {
    fx f;
    fx_init(&f, 2);
    sl_out *o = &f.o;
    slbatch *first = o->b;
    sl_out_bigint(o, 0, 1);
    sl_out_emit(o);
    sl_out_bigint(o, 0, 2);
    sl_out_emit(o);
    CHECK(o->b == first && slbatch_full(o->b)); /* kept until a row starts */
    CHECK_INT(f.s.batches, 0);
    sl_out_emit(o); /* an all-NULL row starts in a new batch */
    CHECK_INT(f.s.batches, 1);
    CHECK_INT(o->b->n, 1);
    sl_out_bigint(o, 0, 4);
    sl_out_emit(o); /* fills the second batch: slout_flush hands it on */
    CHECK_STR(fx_done(&f), "+I @0 1 NULL NULL NULL NULL\n"
                           "+I @0 2 NULL NULL NULL NULL\n"
                           "+I @0 NULL NULL NULL NULL NULL\n"
                           "+I @0 4 NULL NULL NULL NULL\n");
    CHECK_INT(f.s.batches, 2);
    slout_flush(o); /* nothing left: no empty batch goes on */
    CHECK_INT(f.s.batches, 2);
    fx_free(&f);
}

/* The row codec: every type, NULLs, empty and long strings, a column range. */
TEST(row_codec_roundtrip) {
    sl_schema *s = schema_of("b BOOLEAN, i BIGINT, d DOUBLE, s STRING, t TIMESTAMP");
    slbatch *b = slbatch_new(s, 4);
    uint32_t r = slbatch_begin_row(b);
    slbatch_set_bool(b, 0, r, true);
    slbatch_set_i64(b, 1, r, INT64_MIN);
    slbatch_set_f64(b, 2, r, -0.5);
    slbatch_set_str(b, 3, r, "", 0);
    slbatch_set_i64(b, 4, r, 1700000000123456);
    b->n++;
    r = slbatch_begin_row(b); /* all NULL */
    b->n++;
    char big[3000];
    memset(big, 'x', sizeof big);
    r = slbatch_begin_row(b);
    slbatch_set_str(b, 3, r, big, sizeof big);
    b->n++;
    slbuf enc = {0};
    for (uint32_t i = 0; i < b->n; i++) {
        slrow_encode(&enc, b, i, 0, 5);
    }
    slrow_encode(&enc, b, 0, 1, 2); /* columns 1..2 only */
    slbatch *o = slbatch_new(s, 8);
    const char *p = enc.data;
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t row = slbatch_begin_row(o);
        p += slrow_decode(p, o, row, 0, 5);
        o->n++;
    }
    uint32_t row = slbatch_begin_row(o);
    p += slrow_decode(p, o, row, 1, 2);
    o->n++;
    CHECK_INT((int64_t)(p - enc.data), (int64_t)enc.len);
    CHECK(o->cols[0].v.b[0] == 1);
    CHECK_INT(o->cols[1].v.i64[0], INT64_MIN);
    CHECK_DBL(o->cols[2].v.f64[0], -0.5, 0);
    CHECK_INT(o->cols[3].v.s[0].len, 0);
    CHECK(!slbatch_is_null(o, 3, 0));
    CHECK_INT(o->cols[4].v.i64[0], 1700000000123456);
    for (int c = 0; c < 5; c++) {
        CHECK(slbatch_is_null(o, c, 1));
    }
    CHECK_INT(o->cols[3].v.s[2].len, sizeof big);
    CHECK(memcmp(o->cols[3].v.s[2].ptr, big, sizeof big) == 0);
    CHECK(slbatch_is_null(o, 0, 3));
    CHECK_INT(o->cols[1].v.i64[3], INT64_MIN);
    CHECK_DBL(o->cols[2].v.f64[3], -0.5, 0);
    CHECK(slbatch_is_null(o, 3, 3));
    slbuf_free(&enc);
    slbatch_free(b);
    slbatch_free(o);
    slschema_unref(s);
}
