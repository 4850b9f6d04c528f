/*
 * Unit tests for the generator sources (src/connectors/gen.c, datagen.c) and
 * the sinks (src/connectors/sink.c), driven directly through their factories.
 */
#include <unistd.h>

#include "connectors/connectors.h"
#include "test.h"

static int64_t manual_now;
static int64_t manual_clock(void *user) {
    SL_UNUSED(user);
    return manual_now;
}
static const slclock test_clock = {manual_clock, NULL};

static slopmetrics metrics;
static void no_emit(slopctx *c, int port, slbatch *b) {
    SL_UNUSED(c);
    SL_UNUSED(port);
    slbatch_free(b);
}

static slopctx make_ctx(void) {
    slopctx c;
    memset(&c, 0, sizeof c);
    c.emit = no_emit;
    c.clock = &test_clock;
    c.batch_rows = SL_DEFAULT_BATCH_ROWS;
    c.parallelism = 1;
    c.metrics = &metrics;
    return c;
}

/* Emits rows_per_call[i] rows (value = running count) per call, then END. */
typedef struct multi {
    const int *per_call;
    int n_calls;
    int64_t count;
    int idle_at; /* call index answered with IDLE and no rows (-1: none) */
} multi;

static sl_gen_status multi_next(uint64_t i, sl_out *o, void *user) {
    multi *m = user;
    if ((int)i == m->idle_at) {
        return SL_GEN_IDLE;
    }
    int k = (int)i - (m->idle_at >= 0 && (int)i > m->idle_at);
    if (k >= m->n_calls) {
        return SL_GEN_END;
    }
    for (int r = 0; r < m->per_call[k]; r++) {
        sl_out_bigint(o, 0, m->count);
        char s[32];
        int n = snprintf(s, sizeof s, "row-%lld", (long long)m->count);
        sl_out_string(o, 1, s, (size_t)n);
        sl_out_time(o, m->count * 10);
        sl_out_emit(o);
        m->count++;
    }
    /* the last call emits its rows and ends */
    return k == m->n_calls - 1 ? SL_GEN_END : SL_GEN_MORE;
}

TEST(generator_multi_row_across_batches) {
    sl_schema *s = schema_of("v BIGINT, s STRING");
    static const int per_call[] = {1, 0, 5, 17, 2, 3, 40, 1, 0, 6};
    int64_t total = 75;
    uint32_t caps[] = {1, 3, 4, 7, 16, 100};
    for (size_t k = 0; k < SL_ARRAY_LEN(caps); k++) {
        multi m = {per_call, (int)SL_ARRAY_LEN(per_call), 0, k % 2 ? 0 : -1};
        slgen_conf conf = {s, multi_next, &m, NULL};
        slsource *src = slgen_source_new(&conf, 0, 1);
        slopctx ctx = make_ctx();
        CHECK_INT(src->vt->open(src, &ctx), SL_OK);
        slbatch *b = slbatch_new(s, caps[k]);
        int64_t next = 0;
        int idles = 0, calls = 0;
        slsrc_status st;
        do {
            slbatch_clear(b);
            st = src->vt->read(src, b);
            calls++;
            CHECK(b->n <= b->cap);
            if (st == SLSRC_IDLE) {
                idles++;
                CHECK_INT(b->n, 0);
            }
            if (st == SLSRC_END) {
                CHECK_INT(b->n, 0);
            }
            for (uint32_t i = 0; i < b->n; i++) {
                CHECK_INT(b->cols[0].v.i64[i], next);
                CHECK_INT(b->ts[i], next * 10);
                char want[32];
                snprintf(want, sizeof want, "row-%lld", (long long)next);
                CHECK(b->cols[1].v.s[i].len == strlen(want) &&
                      memcmp(b->cols[1].v.s[i].ptr, want, strlen(want)) == 0);
                next++;
            }
        } while (st != SLSRC_END && calls < 1000);
        CHECK_INT(next, total);
        CHECK_INT(idles, k % 2 ? 1 : 0);
        /* after the end it stays ended */
        CHECK_INT(src->vt->read(src, b), SLSRC_END);
        slbatch_free(b);
        src->vt->free(src);
    }
    /* other subtasks generate nothing */
    multi m = {per_call, 1, 0, -1};
    slgen_conf conf = {s, multi_next, &m, NULL};
    slsource *src = slgen_source_new(&conf, 1, 2);
    slbatch *b = slbatch_new(s, 4);
    CHECK_INT(src->vt->read(src, b), SLSRC_END);
    CHECK_INT(m.count, 0);
    slbatch_free(b);
    src->vt->free(src);
    sl_schema_free(s);
}

/* A batch generator of 23 rows over every type: row i has v = i (NULL when
 * i % 5 == 4), d = i / 2, s = "s<i>" (odd i only), f = i % 3 == 0, t = i
 * seconds, event time i * 10, kind -D for i == 7. It makes at most 6 rows a
 * call, answers IDLE (no rows) at its third call and ends with its last rows. */
typedef struct bgen {
    int calls;
    uint64_t rows;
    bool wrong_types_null; /* the typed arrays refused other types */
} bgen;

static sl_gen_status bgen_next(uint64_t i0, sl_cols *c, void *user) {
    bgen *g = user;
    g->calls++;
    if (g->calls == 3) {
        return SL_GEN_IDLE;
    }
    CHECK_INT(i0, g->rows);
    uint32_t room = sl_cols_room(c);
    uint32_t m = room < 6 ? room : 6;
    if (i0 + m > 23) {
        m = (uint32_t)(23 - i0);
    }
    g->wrong_types_null &= sl_cols_bigint(c, 1) == NULL && sl_cols_double(c, 0) == NULL &&
                           sl_cols_bigint(c, 2) == NULL;
    int64_t *v = sl_cols_bigint(c, 0);
    double *d = sl_cols_double(c, 1);
    int64_t *t = sl_cols_bigint(c, 4);
    int64_t *ts = sl_cols_time(c);
    for (uint32_t j = 0; j < m; j++) {
        uint64_t i = i0 + j;
        v[j] = (int64_t)i;
        d[j] = (double)i / 2;
        t[j] = (int64_t)i * SL_SECOND;
        ts[j] = (int64_t)i * 10;
        if (i % 2) {
            char str[16];
            int n = snprintf(str, sizeof str, "s%d", (int)i);
            sl_cols_string(c, 2, j, str, (size_t)n);
        }
        sl_cols_bool(c, 3, j, i % 3 == 0);
        if (i % 5 == 4) {
            sl_cols_null(c, 0, j);
        }
        if (i == 7) {
            sl_cols_kind(c, j, SL_DELETE);
        }
    }
    sl_cols_emit(c, m);
    g->rows += m;
    return g->rows == 23 ? SL_GEN_END : SL_GEN_MORE;
}

TEST(batch_generator) {
    sl_schema *s = schema_of("v BIGINT, d DOUBLE, s STRING, f BOOLEAN, t TIMESTAMP");
    slbuf want = {0};
    uint32_t caps[] = {1, 4, 7, 100};
    for (size_t k = 0; k < SL_ARRAY_LEN(caps); k++) {
        bgen g = {0, 0, true};
        slgen_conf conf = {s, NULL, &g, bgen_next};
        slsource *src = slgen_source_new(&conf, 0, 1);
        slopctx ctx = make_ctx();
        CHECK_INT(src->vt->open(src, &ctx), SL_OK);
        slbatch *b = slbatch_new(s, caps[k]);
        slbuf got = {0};
        int idles = 0, calls = 0;
        slsrc_status st;
        do {
            slbatch_clear(b);
            st = src->vt->read(src, b);
            calls++;
            idles += st == SLSRC_IDLE;
            CHECK(b->n <= b->cap);
            for (uint32_t i = 0; i < b->n; i++) {
                slbuf_printf(&got, "%s @%lld ", slfmt_kind((sl_rowkind)b->kind[i]),
                             (long long)b->ts[i]);
                slfmt_json_row(&got, b, i, false);
                slbuf_putc(&got, '\n');
            }
        } while (st != SLSRC_END && calls < 1000);
        CHECK_INT(idles, 1);
        CHECK_INT(g.rows, 23);
        CHECK(g.wrong_types_null);
        CHECK_INT(src->vt->read(src, b), SLSRC_END); /* stays ended */
        if (k == 0) {
            slbuf_reset(&want);
            slbuf_puts(&want, slbuf_cstr(&got));
        } else {
            CHECK_STR(slbuf_cstr(&got), slbuf_cstr(&want)); /* any batch size */
        }
        slbuf_free(&got);
        slbatch_free(b);
        src->vt->free(src);
    }
    /* Strings only on odd rows, every fifth v NULL, one -D. */
    CHECK_STR(slbuf_cstr(&want),
                      "+I @0 {\"v\":0,\"d\":0.0,\"s\":null,\"f\":true,\"t\":\"1970-01-01 00:00:00\"}\n"
                      "+I @10 {\"v\":1,\"d\":0.5,\"s\":\"s1\",\"f\":false,\"t\":\"1970-01-01 00:00:01\"}\n"
                      "+I @20 {\"v\":2,\"d\":1.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:02\"}\n"
                      "+I @30 {\"v\":3,\"d\":1.5,\"s\":\"s3\",\"f\":true,\"t\":\"1970-01-01 00:00:03\"}\n"
                      "+I @40 {\"v\":null,\"d\":2.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:04\"}\n"
                      "+I @50 {\"v\":5,\"d\":2.5,\"s\":\"s5\",\"f\":false,\"t\":\"1970-01-01 00:00:05\"}\n"
                      "+I @60 {\"v\":6,\"d\":3.0,\"s\":null,\"f\":true,\"t\":\"1970-01-01 00:00:06\"}\n"
                      "-D @70 {\"v\":7,\"d\":3.5,\"s\":\"s7\",\"f\":false,\"t\":\"1970-01-01 00:00:07\"}\n"
                      "+I @80 {\"v\":8,\"d\":4.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:08\"}\n"
                      "+I @90 {\"v\":null,\"d\":4.5,\"s\":\"s9\",\"f\":true,\"t\":\"1970-01-01 00:00:09\"}\n"
                      "+I @100 {\"v\":10,\"d\":5.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:10\"}\n"
                      "+I @110 {\"v\":11,\"d\":5.5,\"s\":\"s11\",\"f\":false,\"t\":\"1970-01-01 00:00:11\"}\n"
                      "+I @120 {\"v\":12,\"d\":6.0,\"s\":null,\"f\":true,\"t\":\"1970-01-01 00:00:12\"}\n"
                      "+I @130 {\"v\":13,\"d\":6.5,\"s\":\"s13\",\"f\":false,\"t\":\"1970-01-01 00:00:13\"}\n"
                      "+I @140 {\"v\":null,\"d\":7.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:14\"}\n"
                      "+I @150 {\"v\":15,\"d\":7.5,\"s\":\"s15\",\"f\":true,\"t\":\"1970-01-01 00:00:15\"}\n"
                      "+I @160 {\"v\":16,\"d\":8.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:16\"}\n"
                      "+I @170 {\"v\":17,\"d\":8.5,\"s\":\"s17\",\"f\":false,\"t\":\"1970-01-01 00:00:17\"}\n"
                      "+I @180 {\"v\":18,\"d\":9.0,\"s\":null,\"f\":true,\"t\":\"1970-01-01 00:00:18\"}\n"
                      "+I @190 {\"v\":null,\"d\":9.5,\"s\":\"s19\",\"f\":false,\"t\":\"1970-01-01 00:00:19\"}\n"
                      "+I @200 {\"v\":20,\"d\":10.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:20\"}\n"
                      "+I @210 {\"v\":21,\"d\":10.5,\"s\":\"s21\",\"f\":true,\"t\":\"1970-01-01 00:00:21\"}\n"
                      "+I @220 {\"v\":22,\"d\":11.0,\"s\":null,\"f\":false,\"t\":\"1970-01-01 00:00:22\"}\n");
    slbuf_free(&want);
    /* Other subtasks generate nothing. */
    bgen g = {0, 0, true};
    slgen_conf conf = {s, NULL, &g, bgen_next};
    slsource *src = slgen_source_new(&conf, 1, 2);
    slbatch *b = slbatch_new(s, 4);
    CHECK_INT(src->vt->read(src, b), SLSRC_END);
    CHECK_INT(g.calls, 0);
    slbatch_free(b);
    src->vt->free(src);
    sl_schema_free(s);
}

/* Drain a datagen source into JSON lines. */
static void datagen_all(sldatagen_conf *c, uint32_t cap, slbuf *out) {
    slsource *src = sldatagen_source_new(c, 0, 1);
    slopctx ctx = make_ctx();
    src->vt->open(src, &ctx);
    slbatch *b = slbatch_new(c->schema, cap);
    for (int calls = 0; calls < 100000; calls++) {
        slbatch_clear(b);
        slsrc_status st = src->vt->read(src, b);
        for (uint32_t i = 0; i < b->n; i++) {
            slfmt_json_row(out, b, i, false);
            slbuf_putc(out, '\n');
        }
        if (st != SLSRC_MORE) {
            CHECK_INT(st, SLSRC_END);
            break;
        }
    }
    slbatch_free(b);
    src->vt->free(src);
}

TEST(datagen_deterministic) {
    sl_schema *s = schema_of("id BIGINT, v DOUBLE, name STRING, ok BOOLEAN, n BIGINT, ts TIMESTAMP");
    const char *opts = "number-of-rows=50, seed=7,fields.id.kind=sequence,fields.id.start=1,"
                       "fields.id.end=1000,fields.v.min=0,fields.v.max=100,fields.name.length=5,"
                       "fields.n.min=-3,fields.n.max=3,fields.n.null-rate=0.25,"
                       "fields.ts.max-past=10s";
    manual_now = 1000 * SL_SECOND;
    sldatagen_conf *c1, *c2, *c3;
    CHECK_INT(sldatagen_conf_parse(s, opts, &c1), SL_OK);
    CHECK_INT(sldatagen_conf_parse(s, opts, &c2), SL_OK);
    slbuf a = {0}, b = {0}, other = {0};
    datagen_all(c1, 7, &a);
    datagen_all(c2, 1024, &b);
    CHECK_STR(slbuf_cstr(&a), slbuf_cstr(&b));
    /* 50 rows, ids 1..50, values in range, about a quarter NULL */
    int lines = 0, nulls = 0;
    const char *p = slbuf_cstr(&a);
    for (const char *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        lines++;
        char want[32];
        snprintf(want, sizeof want, "{\"id\":%d,", lines);
        CHECK(strncmp(p, want, strlen(want)) == 0);
        nulls += strstr(p, "\"n\":null") != NULL && strstr(p, "\"n\":null") < nl;
    }
    CHECK_INT(lines, 50);
    CHECK(nulls >= 4 && nulls <= 22);
    slbatch *bt = slbatch_new(s, 64);
    slsource *src = sldatagen_source_new(c1, 0, 1);
    slopctx ctx = make_ctx();
    src->vt->open(src, &ctx);
    CHECK_INT(src->vt->read(src, bt), SLSRC_MORE);
    CHECK_INT(bt->n, 50);
    for (uint32_t i = 0; i < bt->n; i++) {
        CHECK(bt->cols[1].v.f64[i] >= 0 && bt->cols[1].v.f64[i] < 100);
        CHECK_INT(bt->cols[2].v.s[i].len, 5);
        if (!slbatch_is_null(bt, 4, i)) {
            CHECK(bt->cols[4].v.i64[i] >= -3 && bt->cols[4].v.i64[i] <= 3);
        }
        CHECK(bt->cols[5].v.i64[i] <= manual_now && bt->cols[5].v.i64[i] >= manual_now - 10 * SL_SECOND);
    }
    CHECK_INT(src->vt->read(src, bt), SLSRC_END);
    src->vt->free(src);
    slbatch_free(bt);
    /* another seed gives other values (same ids) */
    CHECK_INT(sldatagen_conf_parse(s, "number-of-rows=50,seed=8,fields.id.kind=sequence,"
                                      "fields.id.start=1,fields.id.end=1000,fields.v.min=0,"
                                      "fields.v.max=100,fields.name.length=5",
                                   &c3),
              SL_OK);
    datagen_all(c3, 16, &other);
    CHECK(strcmp(slbuf_cstr(&a), slbuf_cstr(&other)) != 0);
    sldatagen_conf_free(c1);
    sldatagen_conf_free(c2);
    sldatagen_conf_free(c3);
    slbuf_free(&a);
    slbuf_free(&b);
    slbuf_free(&other);
    sl_schema_free(s);
}

TEST(datagen_sequence_ends_and_rate) {
    sl_schema *s = schema_of("id BIGINT, tag STRING");
    sldatagen_conf *c;
    CHECK_INT(sldatagen_conf_parse(s, "fields.id.kind=sequence,fields.id.start=-2,fields.id.end=2,"
                                      "fields.tag.kind=sequence,fields.tag.start=10,fields.tag.end=99",
                                   &c),
              SL_OK);
    slbuf out = {0};
    datagen_all(c, 2, &out);
    CHECK_STR(slbuf_cstr(&out), "{\"id\":-2,\"tag\":\"10\"}\n{\"id\":-1,\"tag\":\"11\"}\n"
                                "{\"id\":0,\"tag\":\"12\"}\n{\"id\":1,\"tag\":\"13\"}\n"
                                "{\"id\":2,\"tag\":\"14\"}\n");
    sldatagen_conf_free(c);
    /* rate: 3 rows per second of the manual clock */
    CHECK_INT(sldatagen_conf_parse(s, "rows-per-second=3,number-of-rows=7", &c), SL_OK);
    slsource *src = sldatagen_source_new(c, 0, 1);
    slopctx ctx = make_ctx();
    manual_now = 5 * SL_SECOND;
    src->vt->open(src, &ctx);
    slbatch *b = slbatch_new(s, 100);
    CHECK_INT(src->vt->read(src, b), SLSRC_MORE);
    CHECK_INT(b->n, 3);
    CHECK_INT(src->vt->read(src, b), SLSRC_IDLE);
    manual_now += SL_SECOND - 1;
    CHECK_INT(src->vt->read(src, b), SLSRC_IDLE);
    manual_now += 1;
    CHECK_INT(src->vt->read(src, b), SLSRC_MORE);
    CHECK_INT(b->n, 6);
    manual_now += 10 * SL_SECOND;
    CHECK_INT(src->vt->read(src, b), SLSRC_MORE);
    CHECK_INT(b->n, 7);
    CHECK_INT(src->vt->read(src, b), SLSRC_END);
    src->vt->free(src);
    slbatch_free(b);
    sldatagen_conf_free(c);
    slbuf_free(&out);
    sl_schema_free(s);
}

TEST(datagen_bad_options) {
    sl_schema *s = schema_of("id BIGINT, v DOUBLE, ok BOOLEAN");
    static const struct {
        const char *opts, *msg;
    } cases[] = {
        {"rows=5", "datagen: unknown option 'rows'"},
        {"number-of-rows=-1", "datagen option 'number-of-rows': bad value '-1' (a count)"},
        {"seed", "datagen option 'seed': expected key=value"},
        {"seed=x", "datagen option 'seed': bad value 'x' (an integer)"},
        {"fields.zz.kind=random", "datagen option 'fields.zz.kind': no column 'zz'"},
        {"fields.id.kind=zigzag",
         "datagen option 'fields.id.kind': bad value 'zigzag' (random or sequence)"},
        {"fields.id.colour=red", "datagen: unknown option 'fields.id.colour'"},
        {"fields.id.kind=sequence,fields.id.start=5",
         "datagen option 'fields.id.kind': a sequence needs fields.id.start <= fields.id.end"},
        {"fields.v.min=abc", "datagen option 'fields.v.min': bad value 'abc' (a number)"},
        {"fields.ok.min=1", "datagen option 'fields.ok.min': only for BIGINT and DOUBLE"},
        {"fields.id.min=5,fields.id.max=1", "datagen option 'fields.id.min': greater than max"},
        {"fields.v.null-rate=2",
         "datagen option 'fields.v.null-rate': bad value '2' (a fraction from 0 to 1)"},
        {"rows-per-second=0",
         "datagen option 'rows-per-second': bad value '0' (a positive number)"},
    };
    for (size_t k = 0; k < SL_ARRAY_LEN(cases); k++) {
        sldatagen_conf *c = (sldatagen_conf *)&c;
        CHECK_INT(sldatagen_conf_parse(s, cases[k].opts, &c), SL_ERR_ARG);
        CHECK(c == NULL);
        CHECK_STR(sl_errmsg(), cases[k].msg);
    }
    sldatagen_conf *c;
    CHECK_INT(sldatagen_conf_parse(s, "", &c), SL_OK);
    CHECK_INT(c->n_rows, -1);
    sldatagen_conf_free(c);
    sl_schema_free(s);
}

/* ---- sinks ---- */

static void count_rows(const sl_row *r, void *user) {
    slbuf *out = user;
    slbuf_printf(out, "%s %lld;", slfmt_kind(sl_row_kind(r)), (long long)sl_row_bigint(r, 0));
}

static slbatch *sample_batch(const sl_schema *s) {
    slbatch *b = slbatch_new(s, 4);
    for (int k = 0; k < 3; k++) {
        uint32_t i = slbatch_begin_row(b);
        slbatch_set_i64(b, 0, i, k);
        if (k != 1) {
            slbatch_set_str(b, 1, i, k ? "a,\"b\"" : "", k ? 5 : 0);
        }
        b->kind[i] = (uint8_t)(k == 2 ? SL_UPDATE_BEFORE : SL_INSERT);
        b->n = i + 1;
    }
    return b;
}

TEST(sinks) {
    sl_schema *s = schema_of("id BIGINT, s STRING");
    char path[] = "/tmp/sluice_test_sink_XXXXXX";
    int fd = mkstemp(path);
    CHECK_INT(write(fd, "old content that must go\n", 25), 25);
    close(fd);
    sl_format fmts[] = {SL_FORMAT_JSON, SL_FORMAT_CSV};
    const char *want[] = {"{\"op\":\"+I\",\"id\":0,\"s\":\"\"}\n{\"op\":\"+I\",\"id\":1,\"s\":null}\n"
                          "{\"op\":\"-U\",\"id\":2,\"s\":\"a,\\\"b\\\"\"}\n",
                          "+I,0,\"\"\n+I,1,\n-U,2,\"a,\"\"b\"\"\"\n"};
    for (int f = 0; f < 2; f++) {
        slsink_conf *c = slsink_conf_new(SLSINK_FILE, fmts[f]);
        c->path = slmem_strdup(path);
        slopctx ctx = make_ctx();
        memset(&metrics, 0, sizeof metrics);
        slop *a = slsink_new(c, 0), *b2 = slsink_new(c, 1);
        a->ctx = &ctx;
        b2->ctx = &ctx;
        CHECK_INT(a->vt->open(a, &ctx), SL_OK);
        CHECK_INT(b2->vt->open(b2, &ctx), SL_OK); /* the second subtask appends */
        a->vt->batch_take(a, 0, sample_batch(s));
        b2->vt->batch_take(b2, 0, slbatch_new(s, 2)); /* empty batch */
        a->vt->end(a);
        b2->vt->end(b2);
        a->vt->free(a);
        b2->vt->free(b2);
        CHECK_INT(metrics.rows_out, 3);
        FILE *fp = fopen(path, "r");
        char buf[512] = {0};
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        CHECK_STR(buf, want[f]);
        slsink_conf_free(c);
    }
    unlink(path);
    /* print goes to the configured descriptor (a pipe here) */
    int pfd[2];
    CHECK_INT(pipe(pfd), 0);
    slsink_conf *c = slsink_conf_new(SLSINK_PRINT, SL_FORMAT_CSV);
    c->fd_print = pfd[1];
    slopctx ctx = make_ctx();
    slop *p = slsink_new(c, 0);
    p->ctx = &ctx;
    CHECK_INT(p->vt->open(p, &ctx), SL_OK);
    p->vt->batch_take(p, 0, sample_batch(s));
    p->vt->end(p);
    p->vt->free(p);
    close(pfd[1]);
    char buf[256] = {0};
    CHECK_INT(read(pfd[0], buf, sizeof buf - 1), strlen(want[1]));
    CHECK_STR(buf, want[1]);
    close(pfd[0]);
    slsink_conf_free(c);
    /* foreach sees every row with its kind */
    slbuf seen = {0};
    c = slsink_conf_new(SLSINK_FOREACH, SL_FORMAT_JSON);
    c->fn = count_rows;
    c->user = &seen;
    p = slsink_new(c, 0);
    p->ctx = &ctx;
    CHECK_INT(p->vt->open(p, &ctx), SL_OK);
    p->vt->batch_take(p, 0, sample_batch(s));
    p->vt->end(p);
    p->vt->free(p);
    CHECK_STR(slbuf_cstr(&seen), "+I 0;+I 1;-U 2;");
    slbuf_free(&seen);
    slsink_conf_free(c);
    /* a file sink that cannot open fails with the path */
    c = slsink_conf_new(SLSINK_FILE, SL_FORMAT_JSON);
    c->path = slmem_strdup("/nonexistent/dir/out.jsonl");
    p = slsink_new(c, 0);
    CHECK_INT(p->vt->open(p, &ctx), SL_ERR_IO);
    CHECK_STR(sl_errmsg(), "file sink '/nonexistent/dir/out.jsonl': No such file or directory");
    p->vt->free(p);
    slsink_conf_free(c);
    sl_schema_free(s);
}
