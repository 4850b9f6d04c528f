/*
 * ingest_bench.c - how fast records are decoded into batches: JSON lines and
 * CSV of Nexmark bids (seven columns: four numbers and a timestamp, three
 * strings; ~230 bytes a JSON line, ~150 a CSV record) read by the engine's
 * file source (connectors/file.c: 1 MiB read() calls, records split in place,
 * data/json.c and data/csv.c decoding straight into the batch), next to a
 * plain read() of the same file in 1 MiB calls (the floor: the page cache's
 * copy), in the same run. When built with them (Debian libjansson-dev,
 * libjson-c-dev), the same JSON lines are also parsed by jansson and json-c
 * into a document per line whose fields are then copied into the same batch
 * columns, to choose the JSON decoder by measurement.
 *
 *   usage: ingest_bench [--rows N] [--runs R] [--dir DIR]
 *
 * N bids (default 1M) are generated into DIR (default $TMPDIR or /tmp),
 * read once to warm the page cache, then each reader runs R times (default
 * 3); the median is printed, as MB/s of file bytes and rows/s.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectors/connectors.h"
#include "data/formats.h"

#include "ingest/libs.h"

#define BATCH 1024
#define CHUNK (1u << 20)

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Write n bids as JSON lines and CSV; returns the bid schema (a reference). */
static sl_schema *write_files(int64_t rows, const char *json_path, const char *csv_path) {
    slnexmark_conf *c = slnexmark_conf_new();
    char n[32];
    snprintf(n, sizeof n, "%lld", (long long)(rows * 50 / 46 + 50));
    slnexmark_conf_set(c, "nexmark.table", "bid");
    slnexmark_conf_set(c, "events.num", n);
    slnexmark_conf_prepare(c, NULL);
    slopmetrics m = {0};
    slopctx ctx = {0};
    ctx.parallelism = 1;
    ctx.metrics = &m;
    slsource *s = slnexmark_source_new(c, 0, 1);
    s->vt->open(s, &ctx);
    slbatch *b = slbatch_new(c->schema, BATCH);
    FILE *fj = fopen(json_path, "wb"), *fc = fopen(csv_path, "wb");
    if (!fj || !fc) {
        fprintf(stderr, "ingest_bench: cannot write %s / %s\n", json_path, csv_path);
        exit(2);
    }
    slbuf oj = {0}, oc = {0};
    int64_t done = 0;
    bool end = false;
    while (!end && done < rows) {
        slbatch_clear(b);
        end = s->vt->read(s, b) == SLSRC_END;
        for (uint32_t i = 0; i < b->n && done < rows; i++, done++) {
            slfmt_json_row(&oj, b, i, false);
            slbuf_putc(&oj, '\n');
            slfmt_csv_row(&oc, b, i, false);
            slbuf_putc(&oc, '\n');
        }
        fwrite(oj.data, 1, oj.len, fj);
        fwrite(oc.data, 1, oc.len, fc);
        slbuf_reset(&oj);
        slbuf_reset(&oc);
    }
    fclose(fj);
    fclose(fc);
    slbuf_free(&oj);
    slbuf_free(&oc);
    slbatch_free(b);
    s->vt->free(s);
    sl_schema *schema = slschema_ref(c->schema);
    slnexmark_conf_free(c);
    return schema;
}

/* ---- readers: each returns rows read (plain read(): bytes / 1) ---- */

static uint64_t plain_read(const char *path, uint64_t *bytes) {
    int fd = open(path, O_RDONLY);
    char *buf = slmem_alloc(CHUNK);
    uint64_t total = 0, lines = 0;
    ssize_t k;
    while ((k = read(fd, buf, CHUNK)) > 0) {
        total += (uint64_t)k;
        lines += buf[k - 1] == '\n'; /* touch the data once */
    }
    close(fd);
    slmem_free(buf);
    *bytes = total;
    return lines;
}

static uint64_t engine_read(const char *path, sl_format fmt, const sl_schema *schema,
                            uint64_t *dead) {
    slfile_conf *c = slfile_conf_new(path, fmt, schema);
    slopmetrics m = {0};
    slopctx ctx = {0};
    ctx.parallelism = 1;
    ctx.metrics = &m;
    ctx.batch_rows = BATCH;
    slsource *s = slfile_source_new(c, 0, 1);
    if (s->vt->open(s, &ctx) != SL_OK) {
        fprintf(stderr, "ingest_bench: %s\n", sl_errmsg());
        exit(2);
    }
    slbatch *b = slbatch_new(schema, BATCH);
    uint64_t rows = 0;
    for (;;) {
        slbatch_clear(b);
        slsrc_status st = s->vt->read(s, b);
        rows += b->n;
        if (st == SLSRC_END || st == SLSRC_ERROR) {
            break;
        }
    }
    *dead = m.rows_dead;
    slbatch_free(b);
    s->vt->free(s);
    slfile_conf_free(c);
    return rows;
}

/* Lines of a file, read in 1 MiB chunks, handed to `fn` (the file source's
 * splitting, simplified: lines fit in 1 MiB). Used by the library readers. */
uint64_t slbench_each_line(const char *path, void (*fn)(const char *p, size_t n, void *u),
                           void *user) {
    int fd = open(path, O_RDONLY);
    char *buf = slmem_alloc(2 * CHUNK + 1);
    size_t have = 0;
    uint64_t lines = 0;
    ssize_t k;
    while ((k = read(fd, buf + have, CHUNK)) > 0) {
        have += (size_t)k;
        size_t at = 0;
        for (;;) {
            char *nl = memchr(buf + at, '\n', have - at);
            if (!nl) {
                break;
            }
            fn(buf + at, (size_t)(nl - (buf + at)), user);
            lines++;
            at = (size_t)(nl - buf) + 1;
        }
        memmove(buf, buf + at, have - at);
        have -= at;
    }
    close(fd);
    slmem_free(buf);
    return lines;
}

enum { R_READ_JSON, R_READ_CSV, R_JSON, R_CSV, R_JANSSON, R_JSONC, N_READERS };
static const char *const reader_name[] = {
    "read() of the JSON file", "read() of the CSV file", "engine JSON decoder (file source)",
    "engine CSV decoder (file source)", "jansson (DOM per line)", "json-c (DOM per line)",
};

static uint64_t run_reader(int r, const char *jp, const char *cp, const sl_schema *schema,
                           uint64_t *bytes, uint64_t *dead) {
    *dead = 0;
    switch (r) {
    case R_READ_JSON:
        return plain_read(jp, bytes);
    case R_READ_CSV:
        return plain_read(cp, bytes);
    case R_JSON:
        return engine_read(jp, SL_FORMAT_JSON, schema, dead);
    case R_CSV:
        return engine_read(cp, SL_FORMAT_CSV, schema, dead);
    default:
        break;
    }
#ifdef SLBENCH_HAVE_JANSSON
    if (r == R_JANSSON) {
        return slbench_ingest_jansson(jp, schema, BATCH, dead);
    }
#endif
#ifdef SLBENCH_HAVE_JSONC
    if (r == R_JSONC) {
        return slbench_ingest_jsonc(jp, schema, BATCH, dead);
    }
#endif
    return 0;
}

static bool have_reader(int r) {
#ifndef SLBENCH_HAVE_JANSSON
    if (r == R_JANSSON) {
        return false;
    }
#endif
#ifndef SLBENCH_HAVE_JSONC
    if (r == R_JSONC) {
        return false;
    }
#endif
    SL_UNUSED(r);
    return true;
}

int main(int argc, char **argv) {
    int64_t rows = 1000000;
    int runs = 3;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            rows = atoll(argv[++i]);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "usage: ingest_bench [--rows N] [--runs R] [--dir DIR]\n");
            return 2;
        }
    }
    if (rows < 1 || runs < 1 || runs > 99) {
        fprintf(stderr, "ingest_bench: bad --rows or --runs\n");
        return 2;
    }
    char jp[1024], cp[1024];
    snprintf(jp, sizeof jp, "%s/sluice-ingest-%d.jsonl", dir, (int)getpid());
    snprintf(cp, sizeof cp, "%s/sluice-ingest-%d.csv", dir, (int)getpid());
    sl_schema *schema = write_files(rows, jp, cp);
    uint64_t bytes_json = 0, bytes_csv = 0;
    plain_read(jp, &bytes_json); /* warm the page cache */
    plain_read(cp, &bytes_csv);
    printf("ingest: %lld Nexmark bids (7 columns), JSON lines %.1f MB (%.0f B/row), CSV %.1f MB "
           "(%.0f B/row), median of %d runs, one thread\n\n",
           (long long)rows, (double)bytes_json / 1e6, (double)bytes_json / (double)rows,
           (double)bytes_csv / 1e6, (double)bytes_csv / (double)rows, runs);
    printf("  %-36s %10s %12s %10s\n", "reader", "MB/s", "rows/s", "vs read()");
    double read_s[2] = {0, 0};
    int status = 0;
    for (int r = 0; r < N_READERS; r++) {
        if (!have_reader(r)) {
            printf("  %-36s (not built: install %s and rebuild)\n", reader_name[r],
                   r == R_JANSSON ? "libjansson-dev" : "libjson-c-dev");
            continue;
        }
        int64_t t[100];
        uint64_t got = 0, dead = 0, bytes = 0;
        for (int k = 0; k < runs; k++) {
            int64_t t0 = now_ns();
            got = run_reader(r, jp, cp, schema, &bytes, &dead);
            t[k] = now_ns() - t0;
        }
        qsort(t, (size_t)runs, sizeof *t, cmp_i64);
        double s = (double)t[runs / 2] / 1e9;
        bool csv = r == R_READ_CSV || r == R_CSV;
        double mb = (double)(csv ? bytes_csv : bytes_json) / 1e6;
        if (r <= R_READ_CSV) {
            read_s[csv] = s;
            printf("  %-36s %10.0f %12s %10s\n", reader_name[r], mb / s, "-", "1.00x");
            continue;
        }
        if (got != (uint64_t)rows || dead) {
            fprintf(stderr, "ingest_bench: %s read %llu rows (%llu bad), expected %lld\n",
                    reader_name[r], (unsigned long long)got, (unsigned long long)dead,
                    (long long)rows);
            status = 1;
        }
        printf("  %-36s %10.0f %10.2fM %9.1fx\n", reader_name[r], mb / s, (double)got / s / 1e6,
               s / read_s[csv]);
    }
    unlink(jp);
    unlink(cp);
    sl_schema_free(schema);
    return status;
}
