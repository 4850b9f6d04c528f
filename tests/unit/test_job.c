/*
 * End-to-end jobs through the public API (sluice.h) on the real runtime:
 * sources, watermarks, windows, side outputs, options and errors. Every
 * expected output is exact. Sinks run on worker threads, so the collector
 * locks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "data/data.h"
#include "test.h"

typedef struct collector {
    pthread_mutex_t lock;
    slbuf text;
    int rows;
} collector;

static void collector_init(collector *c) {
    pthread_mutex_init(&c->lock, NULL);
    memset(&c->text, 0, sizeof c->text);
    c->rows = 0;
}

static void collector_free(collector *c) {
    slbuf_free(&c->text);
    pthread_mutex_destroy(&c->lock);
}

static void collect(const sl_row *r, void *user) {
    collector *c = user;
    pthread_mutex_lock(&c->lock);
    slfmt_json_row(&c->text, r->b, r->i, true);
    slbuf_putc(&c->text, '\n');
    c->rows++;
    pthread_mutex_unlock(&c->lock);
}

/* A generator over a table of (key, value, "HH:MM:SS" on 2024-01-01). */
typedef struct ev {
    const char *key;
    int64_t value;
    const char *time;
} ev;

typedef struct table_gen {
    const ev *evs;
    size_t n;
} table_gen;

static int64_t at(const char *hms) {
    char buf[32];
    snprintf(buf, sizeof buf, "2024-01-01 %s", hms);
    int64_t ts = 0;
    sl_parse_timestamp(buf, strlen(buf), &ts);
    return ts;
}

static sl_gen_status table_next(uint64_t i, sl_out *o, void *user) {
    const table_gen *g = user;
    if (i >= g->n) {
        return SL_GEN_END;
    }
    sl_out_string(o, 0, g->evs[i].key, strlen(g->evs[i].key));
    sl_out_bigint(o, 1, g->evs[i].value);
    sl_out_timestamp(o, 2, at(g->evs[i].time));
    sl_out_emit(o);
    return SL_GEN_MORE;
}

static sl_schema *ev_schema(void) {
    sl_schema *s = NULL;
    sl_schema_parse("k STRING, v BIGINT, ts TIMESTAMP", &s);
    return s;
}

/* The same table, a batch at a time (sl_job_source_gen_batch). */
static sl_gen_status table_batch(uint64_t i0, sl_cols *c, void *user) {
    const table_gen *g = user;
    uint32_t m = 0;
    int64_t *v = sl_cols_bigint(c, 1), *ts = sl_cols_bigint(c, 2);
    for (; m < sl_cols_room(c) && i0 + m < g->n; m++) {
        const ev *e = &g->evs[i0 + m];
        sl_cols_string(c, 0, m, e->key, strlen(e->key));
        v[m] = e->value;
        ts[m] = at(e->time);
    }
    sl_cols_emit(c, m);
    return i0 + m == g->n ? SL_GEN_END : SL_GEN_MORE;
}

/* Rows per batch for run_window (NULL: the job default). */
static const char *g_batch_rows;
/* run_window's source is a batch generator. */
static bool g_batch_gen;

/* source -> watermark(bound) -> key_by(k) -> window(spec: COUNT, SUM(v)) -> collector;
 * late rows (if `late` is given) -> late collector. */
static sl_err run_window(const ev *evs, size_t n, int64_t bound, const sl_window_spec *spec,
                         collector *out, collector *late, int parallelism) {
    sl_job *job;
    sl_schema *schema = ev_schema();
    table_gen g = {evs, n};
    sl_stream *src, *timed, *keyed, *win, *lr;
    sl_agg aggs[] = {{.kind = SL_AGG_COUNT, .as = "n"}, {.kind = SL_AGG_SUM, .column = "v", .as = "total"}};
    char par[8];
    snprintf(par, sizeof par, "%d", parallelism);
    sl_err err;
    sl_job_new(&job);
    if ((err = sl_job_set(job, "parallelism", par)) ||
        (g_batch_rows && (err = sl_job_set(job, "batch.rows", g_batch_rows))) ||
        (err = g_batch_gen ? sl_job_source_gen_batch(job, schema, table_batch, &g, &src)
                           : sl_job_source_gen(job, schema, table_next, &g, &src)) ||
        (err = sl_stream_watermark(src, "ts", bound, &timed)) ||
        (err = sl_stream_key_by(timed, "k", &keyed)) ||
        (err = sl_stream_window(keyed, spec, aggs, 2, &win)) ||
        (err = sl_stream_foreach(win, collect, out))) {
        goto out;
    }
    if (late && ((err = sl_stream_late_rows(win, &lr)) || (err = sl_stream_foreach(lr, collect, late)))) {
        goto out;
    }
    err = sl_job_run(job);
out:
    sl_job_free(job);
    sl_schema_free(schema);
    return err;
}

TEST(tumble_out_of_order_within_bound) {
    static const ev evs[] = {
        {"a", 1, "10:00:10"}, {"b", 2, "10:00:20"}, {"a", 3, "10:01:05"},
        {"a", 4, "10:00:50"}, /* out of order, within the 30 s bound */
        {"b", 5, "10:02:10"}, {"a", 6, "10:03:00"},
    };
    collector out;
    collector_init(&out);
    sl_window_spec spec = sl_window_tumble(SL_MINUTE);
    CHECK_INT(run_window(evs, SL_ARRAY_LEN(evs), 30 * SL_SECOND, &spec, &out, NULL, 1), SL_OK);
    CHECK_STR(slbuf_cstr(&out.text),
              "{\"op\":\"+I\",\"k\":\"a\",\"window_start\":\"2024-01-01 10:00:00\",\"window_end\":\"2024-01-01 10:01:00\",\"n\":2,\"total\":5}\n"
              "{\"op\":\"+I\",\"k\":\"b\",\"window_start\":\"2024-01-01 10:00:00\",\"window_end\":\"2024-01-01 10:01:00\",\"n\":1,\"total\":2}\n"
              "{\"op\":\"+I\",\"k\":\"a\",\"window_start\":\"2024-01-01 10:01:00\",\"window_end\":\"2024-01-01 10:02:00\",\"n\":1,\"total\":3}\n"
              "{\"op\":\"+I\",\"k\":\"b\",\"window_start\":\"2024-01-01 10:02:00\",\"window_end\":\"2024-01-01 10:03:00\",\"n\":1,\"total\":5}\n"
              "{\"op\":\"+I\",\"k\":\"a\",\"window_start\":\"2024-01-01 10:03:00\",\"window_end\":\"2024-01-01 10:04:00\",\"n\":1,\"total\":6}\n");
    collector_free(&out);
}

TEST(late_rows_go_to_side_output) {
    /* One row per batch: the watermark follows every row, so the late row
     * meets a watermark that has passed every window it could belong to. */
    ev evs[40];
    char times[40][24];
    size_t n = 0;
    for (int i = 0; i < 30; i++) {
        snprintf(times[n], sizeof times[n], "10:%02d:00", i);
        evs[n] = (ev){"a", 1, times[n]};
        n++;
    }
    evs[n++] = (ev){"a", 100, "09:00:00"}; /* an hour late: no window open */
    collector out, late;
    collector_init(&out);
    collector_init(&late);
    sl_window_spec spec = sl_window_tumble(10 * SL_MINUTE);
    g_batch_rows = "1";
    CHECK_INT(run_window(evs, n, 0, &spec, &out, &late, 1), SL_OK);
    g_batch_rows = NULL;
    CHECK_INT(out.rows, 3);
    CHECK_STR(slbuf_cstr(&late.text),
              "{\"op\":\"+I\",\"k\":\"a\",\"v\":100,\"ts\":\"2024-01-01 09:00:00\"}\n");
    collector_free(&out);
    collector_free(&late);
}

TEST(lateness_does_not_depend_on_batching) {
    /* The third row is behind the watermark the second implies (10:05:00 -
     * 10 s): it is late whether the rows arrive in one batch or one by one,
     * and the first row is not. */
    static const ev evs[] = {
        {"a", 1, "10:00:10"}, {"a", 2, "10:05:00"}, {"a", 4, "10:00:20"}, {"a", 8, "10:04:55"},
    };
    const char *expect_out =
        "{\"op\":\"+I\",\"k\":\"a\",\"window_start\":\"2024-01-01 10:00:00\",\"window_end\":\"2024-01-01 10:01:00\",\"n\":1,\"total\":1}\n"
        "{\"op\":\"+I\",\"k\":\"a\",\"window_start\":\"2024-01-01 10:04:00\",\"window_end\":\"2024-01-01 10:05:00\",\"n\":1,\"total\":8}\n"
        "{\"op\":\"+I\",\"k\":\"a\",\"window_start\":\"2024-01-01 10:05:00\",\"window_end\":\"2024-01-01 10:06:00\",\"n\":1,\"total\":2}\n";
    const char *sizes[] = {NULL, "1", "3"};
    for (size_t i = 0; i < SL_ARRAY_LEN(sizes); i++) {
        collector out, late;
        collector_init(&out);
        collector_init(&late);
        sl_window_spec spec = sl_window_tumble(SL_MINUTE);
        g_batch_rows = sizes[i];
        CHECK_INT(run_window(evs, SL_ARRAY_LEN(evs), 10 * SL_SECOND, &spec, &out, &late, 1), SL_OK);
        g_batch_rows = NULL;
        CHECK_STR(slbuf_cstr(&out.text), expect_out);
        CHECK_STR(slbuf_cstr(&late.text),
                  "{\"op\":\"+I\",\"k\":\"a\",\"v\":4,\"ts\":\"2024-01-01 10:00:20\"}\n");
        collector_free(&out);
        collector_free(&late);
    }
}

TEST(empty_input) {
    collector out;
    collector_init(&out);
    sl_window_spec spec = sl_window_tumble(SL_MINUTE);
    CHECK_INT(run_window(NULL, 0, 0, &spec, &out, NULL, 1), SL_OK);
    CHECK_INT(out.rows, 0);
    collector_free(&out);
}

TEST(parallelism_two_same_result) {
    ev evs[600];
    char keys[600][16], times[600][24];
    for (int i = 0; i < 600; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i % 37);
        snprintf(times[i], sizeof times[i], "10:%02d:%02d", i / 60, i % 60);
        evs[i] = (ev){keys[i], i, times[i]};
    }
    sl_window_spec spec = sl_window_tumble(SL_MINUTE);
    collector one, two;
    collector_init(&one);
    collector_init(&two);
    CHECK_INT(run_window(evs, 600, 0, &spec, &one, NULL, 1), SL_OK);
    CHECK_INT(run_window(evs, 600, 0, &spec, &two, NULL, 2), SL_OK);
    CHECK_INT(one.rows, 370);
    CHECK_INT(two.rows, 370);
    /* Same multiset of lines: compare sorted. */
    char *a = slmem_strdup(slbuf_cstr(&one.text)), *b = slmem_strdup(slbuf_cstr(&two.text));
    char *la[400], *lb[400];
    int na = 0, nb = 0;
    for (char *t = strtok(a, "\n"); t && na < 400; t = strtok(NULL, "\n")) {
        la[na++] = t;
    }
    for (char *t = strtok(b, "\n"); t && nb < 400; t = strtok(NULL, "\n")) {
        lb[nb++] = t;
    }
    CHECK_INT(na, nb);
    int same = na == nb;
    for (int i = 0; same && i < na; i++) {
        int found = 0;
        for (int j = 0; j < nb; j++) {
            if (lb[j] && strcmp(la[i], lb[j]) == 0) {
                lb[j] = NULL;
                found = 1;
                break;
            }
        }
        same &= found;
    }
    CHECK(same);
    slmem_free(a);
    slmem_free(b);
    collector_free(&one);
    collector_free(&two);
}

TEST(options_are_checked) {
    sl_job *job;
    sl_job_new(&job);
    CHECK_INT(sl_job_set(job, "paralelism", "2"), SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "unknown option 'paralelism'");
    CHECK_INT(sl_job_set(job, "parallelism", "zero"), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "option 'parallelism': expected an integer from 1 to 256, got 'zero'");
    CHECK_INT(sl_job_set(job, "table.exec.source.idle-timeout", "5 parsecs"), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "option 'table.exec.source.idle-timeout'");
    CHECK_INT(sl_job_set(job, "parallelism.default", "2"), SL_OK);
    CHECK_INT(sl_job_set(job, "state.ttl", "1 h"), SL_OK);
    CHECK_INT(sl_job_run(job), SL_ERR_STATE);
    CHECK_CONTAINS(sl_errmsg(), "no sources");
    sl_job_free(job);
}

TEST(bad_columns_are_named) {
    sl_job *job;
    sl_schema *schema = ev_schema();
    table_gen g = {NULL, 0};
    sl_stream *src, *timed, *keyed;
    sl_job_new(&job);
    CHECK_INT(sl_job_source_gen(job, schema, table_next, &g, &src), SL_OK);
    CHECK_INT(sl_stream_watermark(src, "time", 0, &timed), SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "no column 'time'");
    CHECK_INT(sl_stream_watermark(src, "k", 0, &timed), SL_ERR_TYPE);
    CHECK_CONTAINS(sl_errmsg(), "column 'k' is STRING");
    CHECK_INT(sl_stream_key_by(src, "k, nope", &keyed), SL_ERR_NOTFOUND);
    CHECK_CONTAINS(sl_errmsg(), "no column 'nope' in (k STRING, v BIGINT, ts TIMESTAMP)");
    sl_job_free(job);
    sl_schema_free(schema);
}

/* map / flat_map / filter with callbacks */
static void double_it(const sl_row *r, sl_out *o, void *user) {
    (void)user;
    size_t len;
    const char *k = sl_row_string(r, 0, &len);
    sl_out_string(o, 0, k, len);
    sl_out_bigint(o, 1, sl_row_bigint(r, 1) * 2);
}

static void explode(const sl_row *r, sl_out *o, void *user) {
    (void)user;
    for (int64_t i = 0; i < sl_row_bigint(r, 1); i++) {
        sl_out_copy(o, r);
        sl_out_bigint(o, 1, i);
        sl_out_emit(o);
    }
}

static bool odd(const sl_row *r, void *user) {
    (void)user;
    return sl_row_bigint(r, 1) % 2 == 1;
}

TEST(map_flat_map_filter) {
    static const ev evs[] = {{"x", 1, "10:00:00"}, {"y", 2, "10:00:01"}, {"z", 0, "10:00:02"}};
    table_gen g = {evs, 3};
    sl_job *job;
    sl_schema *schema = ev_schema(), *kv;
    sl_schema_parse("k STRING, v2 BIGINT", &kv);
    sl_stream *src, *m, *fm, *f;
    collector out;
    collector_init(&out);
    sl_job_new(&job);
    CHECK_INT(sl_job_source_gen(job, schema, table_next, &g, &src), SL_OK);
    CHECK_INT(sl_stream_flat_map(src, schema, explode, NULL, &fm), SL_OK); /* x:0 y:0 y:1 */
    CHECK_INT(sl_stream_map(fm, kv, double_it, NULL, &m), SL_OK);         /* 0 0 2 */
    CHECK_INT(sl_stream_filter(fm, odd, NULL, &f), SL_OK);                /* y:1 */
    CHECK_INT(sl_stream_foreach(m, collect, &out), SL_OK);
    CHECK_INT(sl_stream_foreach(f, collect, &out), SL_OK);
    CHECK_INT(sl_job_run(job), SL_OK);
    CHECK_INT(out.rows, 4);
    CHECK_CONTAINS(slbuf_cstr(&out.text), "{\"op\":\"+I\",\"k\":\"y\",\"v2\":2}\n");
    CHECK_CONTAINS(slbuf_cstr(&out.text), "{\"op\":\"+I\",\"k\":\"y\",\"v\":1,\"ts\":\"2024-01-01 10:00:01\"}\n");
    sl_job_free(job);
    sl_schema_free(schema);
    sl_schema_free(kv);
    collector_free(&out);
}

TEST(job_runs_once) {
    static const ev evs[] = {{"x", 1, "10:00:00"}};
    table_gen g = {evs, 1};
    sl_job *job;
    sl_schema *schema = ev_schema();
    sl_stream *src;
    collector out;
    collector_init(&out);
    sl_job_new(&job);
    sl_job_source_gen(job, schema, table_next, &g, &src);
    sl_stream_foreach(src, collect, &out);
    CHECK_INT(sl_job_run(job), SL_OK);
    CHECK_INT(sl_job_run(job), SL_ERR_STATE);
    CHECK_CONTAINS(sl_errmsg(), "already run");
    sl_metrics m;
    sl_job_metrics(job, &m);
    CHECK_INT(m.rows_in, 1);
    CHECK_INT(m.rows_out, 1);
    sl_job_free(job);
    sl_schema_free(schema);
    collector_free(&out);
}

/* ---- files end to end: CSV in (with a header and a malformed row), window,
 * CSV file out, dead letters as a stream; and JSON from stdin ---- */

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return slmem_strdup("(missing)");
    }
    slbuf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        slbuf_put(&b, tmp, n);
    }
    fclose(f);
    char *s = slmem_strdup(slbuf_cstr(&b));
    slbuf_free(&b);
    return s;
}

TEST(csv_file_window_to_file) {
    char in[] = "/tmp/sluice-test-in-XXXXXX", out[] = "/tmp/sluice-test-out-XXXXXX";
    int fd = mkstemp(in);
    int fd2 = mkstemp(out);
    close(fd2);
    const char *text = "ts,k,v\n"
                       "2024-01-01 10:00:01,a,1\n"
                       "2024-01-01 10:00:02,b,2\n"
                       "2024-01-01 10:00:03,a,not-a-number\n"
                       "2024-01-01 10:00:04,a,3\n"
                       "2024-01-01 10:01:30,b,4\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    sl_job *job;
    sl_schema *schema = ev_schema();
    sl_stream *src, *timed, *keyed, *win, *dead;
    collector dl;
    collector_init(&dl);
    sl_file_options fo = {.path = in, .format = SL_FORMAT_CSV, .csv_header = true};
    sl_window_spec spec = sl_window_tumble(SL_MINUTE);
    sl_agg aggs[] = {{.kind = SL_AGG_SUM, .column = "v", .as = "total"}};
    sl_job_new(&job);
    CHECK_INT(sl_job_source_file_opts(job, &fo, schema, &src), SL_OK);
    CHECK_INT(sl_stream_dead_letters(src, &dead), SL_OK);
    CHECK_INT(sl_stream_foreach(dead, collect, &dl), SL_OK);
    CHECK_INT(sl_stream_watermark(src, "ts", 0, &timed), SL_OK);
    CHECK_INT(sl_stream_key_by(timed, "k", &keyed), SL_OK);
    CHECK_INT(sl_stream_window(keyed, &spec, aggs, 1, &win), SL_OK);
    CHECK_INT(sl_stream_write_file(win, out, SL_FORMAT_CSV), SL_OK);
    CHECK_INT(sl_job_run(job), SL_OK);
    char *got = slurp(out);
    CHECK_STR(got, "+I,a,2024-01-01 10:00:00,2024-01-01 10:01:00,4\n"
                   "+I,b,2024-01-01 10:00:00,2024-01-01 10:01:00,2\n"
                   "+I,b,2024-01-01 10:01:00,2024-01-01 10:02:00,4\n");
    slmem_free(got);
    CHECK_INT(dl.rows, 1);
    char pos[128];
    snprintf(pos, sizeof pos, "\"position\":\"%s:4\"", in);
    CHECK_CONTAINS(slbuf_cstr(&dl.text), pos);
    CHECK_CONTAINS(slbuf_cstr(&dl.text), "\"raw\":\"2024-01-01 10:00:03,a,not-a-number\"");
    sl_metrics m;
    sl_job_metrics(job, &m);
    CHECK_INT(m.rows_dead, 1);
    sl_job_free(job);
    sl_schema_free(schema);
    collector_free(&dl);
    unlink(in);
    unlink(out);
}

TEST(json_from_stdin) {
    int p[2];
    CHECK(pipe(p) == 0);
    const char *text = "{\"k\":\"x\",\"v\":5,\"ts\":\"2024-01-01 10:00:00\"}\n"
                       "{\"k\":\"y\",\"v\":null,\"ts\":\"2024-01-01 10:00:01\"}\n";
    CHECK(write(p[1], text, strlen(text)) == (ssize_t)strlen(text));
    close(p[1]);
    int saved = dup(0); /* -1 when the test runs with stdin closed */
    if (p[0] != 0) {
        dup2(p[0], 0);
        close(p[0]);
    }
    sl_job *job;
    sl_schema *schema = ev_schema();
    sl_stream *src;
    collector out;
    collector_init(&out);
    sl_job_new(&job);
    CHECK_INT(sl_job_source_file(job, "-", SL_FORMAT_JSON, schema, &src), SL_OK);
    CHECK_INT(sl_stream_foreach(src, collect, &out), SL_OK);
    CHECK_INT(sl_job_run(job), SL_OK);
    if (saved >= 0) {
        dup2(saved, 0);
        close(saved);
    } else {
        close(0);
    }
    CHECK_STR(slbuf_cstr(&out.text),
              "{\"op\":\"+I\",\"k\":\"x\",\"v\":5,\"ts\":\"2024-01-01 10:00:00\"}\n"
              "{\"op\":\"+I\",\"k\":\"y\",\"v\":null,\"ts\":\"2024-01-01 10:00:01\"}\n");
    sl_job_free(job);
    sl_schema_free(schema);
    collector_free(&out);
}

/* Rows a, v = i, at 10:00:i, except rows 3 and 17, whose time is NULL. */
static sl_gen_status null_ts_next(uint64_t i, sl_out *o, void *user) {
    SL_UNUSED(user);
    if (i >= 20) {
        return SL_GEN_END;
    }
    sl_out_string(o, 0, "a", 1);
    sl_out_bigint(o, 1, (int64_t)i);
    if (i != 3 && i != 17) {
        char hms[16];
        snprintf(hms, sizeof hms, "10:00:%02d", (int)i);
        sl_out_timestamp(o, 2, at(hms));
    }
    sl_out_emit(o);
    return SL_GEN_MORE;
}

TEST(null_event_times_are_dead_letters) {
    /* 20 rows in one batch: the watermark assigner looks for NULLs 8 at a
     * time (row 3) and then in the tail (row 17). */
    char dpath[] = "/tmp/sluice-test-dead-XXXXXX";
    close(mkstemp(dpath));
    sl_job *job;
    sl_schema *schema = ev_schema();
    sl_stream *src, *timed, *keyed, *win;
    collector out;
    collector_init(&out);
    sl_window_spec spec = sl_window_tumble(SL_MINUTE);
    sl_agg aggs[] = {{.kind = SL_AGG_COUNT, .as = "n"}, {.kind = SL_AGG_SUM, .column = "v", .as = "total"}};
    sl_job_new(&job);
    CHECK_INT(sl_job_set(job, "dead-letter.path", dpath), SL_OK);
    CHECK_INT(sl_job_source_gen(job, schema, null_ts_next, NULL, &src), SL_OK);
    CHECK_INT(sl_stream_watermark(src, "ts", 0, &timed), SL_OK);
    CHECK_INT(sl_stream_key_by(timed, "k", &keyed), SL_OK);
    CHECK_INT(sl_stream_window(keyed, &spec, aggs, 2, &win), SL_OK);
    CHECK_INT(sl_stream_foreach(win, collect, &out), SL_OK);
    CHECK_INT(sl_job_run(job), SL_OK);
    CHECK_STR(slbuf_cstr(&out.text),
              "{\"op\":\"+I\",\"k\":\"a\",\"window_start\":\"2024-01-01 10:00:00\",\"window_end\":\"2024-01-01 10:01:00\",\"n\":18,\"total\":170}\n");
    sl_metrics m;
    sl_job_metrics(job, &m);
    CHECK_INT(m.rows_dead, 2);
    char *dl = slurp(dpath);
    CHECK_STR(dl, "{\"source\":\"watermark\",\"position\":\"ts\",\"reason\":\"event time column 'ts' "
                  "is NULL\",\"raw\":\"{\\\"k\\\":\\\"a\\\",\\\"v\\\":3,\\\"ts\\\":null}\"}\n"
                  "{\"source\":\"watermark\",\"position\":\"ts\",\"reason\":\"event time column 'ts' "
                  "is NULL\",\"raw\":\"{\\\"k\\\":\\\"a\\\",\\\"v\\\":17,\\\"ts\\\":null}\"}\n");
    slmem_free(dl);
    sl_job_free(job);
    sl_schema_free(schema);
    collector_free(&out);
    unlink(dpath);
}

TEST(batch_generator_same_result_as_row_generator) {
    /* 600 rows of 37 keys through watermark, key_by and a tumbling window:
     * the batch generator's output equals the row generator's, line for line,
     * with default batches and with batches of 7 rows (and with none). */
    ev evs[600];
    char keys[600][16], times[600][24];
    for (int i = 0; i < 600; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", (i * 7) % 37);
        snprintf(times[i], sizeof times[i], "10:%02d:%02d", i / 60, i % 60);
        evs[i] = (ev){keys[i], i, times[i]};
    }
    sl_window_spec spec = sl_window_tumble(SL_MINUTE);
    const char *sizes[] = {NULL, "7"};
    for (int k = 0; k < 2; k++) {
        collector rows, batches, empty;
        collector_init(&rows);
        collector_init(&batches);
        collector_init(&empty);
        g_batch_rows = sizes[k];
        CHECK_INT(run_window(evs, 600, 0, &spec, &rows, NULL, 1), SL_OK);
        g_batch_gen = true;
        CHECK_INT(run_window(evs, 600, 0, &spec, &batches, NULL, 1), SL_OK);
        CHECK_INT(run_window(evs, 0, 0, &spec, &empty, NULL, 1), SL_OK);
        g_batch_gen = false;
        g_batch_rows = NULL;
        CHECK_INT(rows.rows, 370);
        CHECK_STR(slbuf_cstr(&batches.text), slbuf_cstr(&rows.text));
        CHECK_INT(empty.rows, 0);
        collector_free(&rows);
        collector_free(&batches);
        collector_free(&empty);
    }
}
