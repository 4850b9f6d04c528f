/*
 * nexmark_gen_bench.c - how fast the Nexmark generator (connectors/nexmark.c)
 * fills batches: bids per second for a bid-only source (all seven columns,
 * strings copied into the batch arena), next to a plain loop writing the same
 * number of int64s into a batch-sized array, so the generator's own cost per
 * row is visible. Batches of 1024 rows, one thread, nothing downstream; each
 * batch is cleared and reused (as a consumer would free it).
 *
 *   usage: nexmark_gen_bench [--events N] [--runs R] [--table bid|person|auction|all]
 *
 * N counts events of all kinds (default 20M; a bid source keeps 46 in 50).
 * Prints the median over R runs (default 5) of each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/connectors.h"

#define BATCH 1024

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Generate every row of the source; returns rows, *sum a checksum. */
static uint64_t run_gen(slnexmark_conf *c, uint64_t *sum) {
    slopmetrics m = {0};
    slopctx ctx = {0};
    ctx.parallelism = 1;
    ctx.metrics = &m;
    slsource *s = slnexmark_source_new(c, 0, 1);
    s->vt->open(s, &ctx);
    slbatch *b = slbatch_new(c->schema, BATCH);
    uint64_t rows = 0, x = 0;
    for (;;) {
        slbatch_clear(b);
        slsrc_status st = s->vt->read(s, b);
        rows += b->n;
        if (b->n) {
            x += (uint64_t)b->ts[b->n - 1] + b->arena.bytes;
        }
        if (st == SLSRC_END) {
            break;
        }
    }
    slbatch_free(b);
    s->vt->free(s);
    *sum = x;
    return rows;
}

/* The floor: write `rows` int64s, a batch at a time. */
static uint64_t run_plain(uint64_t rows, int64_t *col, uint64_t *sum) {
    uint64_t x = 0;
    for (uint64_t done = 0; done < rows; done += BATCH) {
        uint32_t n = (uint32_t)(rows - done < BATCH ? rows - done : BATCH);
        for (uint32_t i = 0; i < n; i++) {
            col[i] = (int64_t)(done + i) * 7;
        }
        __asm__ volatile("" : : "r"(col) : "memory"); /* keep the stores */
        x += (uint64_t)col[n - 1];
    }
    *sum = x;
    return rows;
}

int main(int argc, char **argv) {
    int64_t events = 20000000;
    int runs = 5;
    const char *table = "bid";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
            events = atoll(argv[++i]);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--table") == 0 && i + 1 < argc) {
            table = argv[++i];
        } else {
            fprintf(stderr, "usage: nexmark_gen_bench [--events N] [--runs R] "
                            "[--table bid|person|auction|all]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 99 || events < 1) {
        fprintf(stderr, "nexmark_gen_bench: bad --runs or --events\n");
        return 2;
    }
    slnexmark_conf *c = slnexmark_conf_new();
    char n[32];
    snprintf(n, sizeof n, "%lld", (long long)events);
    if (slnexmark_conf_set(c, "nexmark.table", table) || slnexmark_conf_set(c, "events.num", n) ||
        slnexmark_conf_set(c, "first-event.rate", "10000000") ||
        slnexmark_conf_prepare(c, NULL)) {
        fprintf(stderr, "nexmark_gen_bench: %s\n", sl_errmsg());
        return 2;
    }
    int64_t *col = slmem_alloc(BATCH * sizeof *col);
    int64_t t_gen[100], t_plain[100];
    uint64_t rows = 0, sum_gen = 0, sum_plain = 0;
    for (int r = 0; r < runs; r++) {
        int64_t t0 = now_ns();
        rows = run_gen(c, &sum_gen);
        int64_t t1 = now_ns();
        run_plain(rows, col, &sum_plain);
        int64_t t2 = now_ns();
        t_gen[r] = t1 - t0;
        t_plain[r] = t2 - t1;
    }
    qsort(t_gen, (size_t)runs, sizeof *t_gen, cmp_i64);
    qsort(t_plain, (size_t)runs, sizeof *t_plain, cmp_i64);
    double g = (double)t_gen[runs / 2] / 1e9, p = (double)t_plain[runs / 2] / 1e9;
    printf("nexmark generator, %s table, %lld events (%llu rows), batches of %d, median of %d "
           "runs\n",
           table, (long long)events, (unsigned long long)rows, BATCH, runs);
    printf("  generator:               %8.2f M rows/s  (%.3f s, %.1f ns/row; %.2f M events/s "
           "walked)\n",
           (double)rows / g / 1e6, g, g * 1e9 / (double)rows, (double)events / g / 1e6);
    printf("  plain loop (one int64):  %8.2f M rows/s  (%.3f s)\n", (double)rows / p / 1e6, p);
    printf("  ratio generator/plain:   %8.2fx\n", g / p);
    printf("  (checksums %llu %llu)\n", (unsigned long long)sum_gen,
           (unsigned long long)sum_plain);
    slmem_free(col);
    slnexmark_conf_free(c);
    return 0;
}
