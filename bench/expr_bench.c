/*
 * expr_bench.c - rows per second of the vectorized expression evaluator on a
 * filter, `a * 2 + b > 100 AND s LIKE 'x%'`, over 10M rows in batches of
 * 1024 (slexpr_eval_filter), next to a plain C loop over the same column
 * arrays computing the same keep flags, and their ratio. Both read the same
 * pre-built batches (10% NULLs in each column; building them is not timed);
 * the kept-row counts are checked equal.
 *
 *   usage: expr_bench [--rows N] [--runs R]
 *
 * Prints the median over R runs of each (default 5), alternating.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expr/expr.h"

#define BATCH 1024
#define POOL 64 /* distinct batches, cycled */

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static slbatch *make_batch(const sl_schema *s, uint64_t seed) {
    slbatch *b = slbatch_new(s, BATCH);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 0; i < BATCH; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t r = slbatch_begin_row(b);
        if (x % 10 != 0) {
            slbatch_set_i64(b, 0, r, (int64_t)(x >> 8) % 100);
        }
        if ((x >> 4) % 10 != 0) {
            slbatch_set_i64(b, 1, r, (int64_t)(x >> 16) % 50);
        }
        if ((x >> 8) % 10 != 0) {
            char buf[16];
            int n = snprintf(buf, sizeof buf, "%c%u", (x >> 20) % 2 ? 'x' : 'y',
                             (unsigned)(x >> 32) % 1000);
            slbatch_set_str(b, 2, r, buf, (size_t)n);
        }
        b->n++;
    }
    return b;
}

/* The same predicate written by hand. */
static uint64_t plain(slbatch **pool, uint64_t rows, uint8_t *keep) {
    uint64_t kept = 0;
    for (uint64_t done = 0, k = 0; done < rows; done += BATCH, k++) {
        const slbatch *b = pool[k % POOL];
        const int64_t *a = b->cols[0].v.i64, *bb = b->cols[1].v.i64;
        const uint8_t *an = b->cols[0].nulls, *bn = b->cols[1].nulls, *sn = b->cols[2].nulls;
        const slstr *s = b->cols[2].v.s;
        for (uint32_t i = 0; i < b->n; i++) {
            keep[i] = !an[i] && !bn[i] && !sn[i] && a[i] * 2 + bb[i] > 100 && s[i].len >= 1 &&
                      s[i].ptr[0] == 'x';
        }
        for (uint32_t i = 0; i < b->n; i++) {
            kept += keep[i];
        }
    }
    return kept;
}

static uint64_t engine(slexpr_eval *ev, const slexpr *e, slbatch **pool, uint64_t rows,
                       uint8_t *keep) {
    uint64_t kept = 0;
    for (uint64_t done = 0, k = 0; done < rows; done += BATCH, k++) {
        const slbatch *b = pool[k % POOL];
        slexpr_eval_filter(ev, e, b, keep);
        for (uint32_t i = 0; i < b->n; i++) {
            kept += keep[i];
        }
    }
    return kept;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static slexpr *fn(const char *name, slexpr *a, slexpr *b) {
    slexpr *e = NULL;
    if (slexpr_func(name, (slexpr *[]){a, b}, 2, &e) != SL_OK) {
        fprintf(stderr, "%s: %s\n", name, sl_errmsg());
        exit(1);
    }
    return e;
}

int main(int argc, char **argv) {
    uint64_t rows = 10000000;
    int runs = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rows") == 0) {
            rows = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--runs") == 0) {
            runs = atoi(argv[i + 1]);
        }
    }
    rows = (rows + BATCH - 1) / BATCH * BATCH;
    if (runs < 1 || runs > 99) {
        runs = 5;
    }
    sl_schema *s = NULL;
    sl_schema_parse("a BIGINT, b BIGINT, s STRING", &s);
    slbatch *pool[POOL];
    for (int i = 0; i < POOL; i++) {
        pool[i] = make_batch(s, (uint64_t)i + 1);
    }
    /* a * 2 + b > 100 AND s LIKE 'x%' */
    slexpr *e = fn("AND",
                   fn(">",
                      fn("+", fn("*", slexpr_column(0, SL_BIGINT), slexpr_bigint(2)),
                         slexpr_column(1, SL_BIGINT)),
                      slexpr_bigint(100)),
                   fn("LIKE", slexpr_column(2, SL_STRING), slexpr_string("x%", 2)));
    slexpr_eval *ev = slexpr_eval_new(BATCH);
    uint8_t keep[BATCH];
    int64_t t_eng[99], t_plain[99];
    uint64_t k_eng = 0, k_plain = 0;
    for (int r = 0; r < runs; r++) {
        int64_t t0 = now_ns();
        k_eng = engine(ev, e, pool, rows, keep);
        int64_t t1 = now_ns();
        k_plain = plain(pool, rows, keep);
        int64_t t2 = now_ns();
        t_eng[r] = t1 - t0;
        t_plain[r] = t2 - t1;
    }
    if (k_eng != k_plain) {
        fprintf(stderr, "mismatch: engine kept %llu rows, plain loop %llu\n",
                (unsigned long long)k_eng, (unsigned long long)k_plain);
        return 1;
    }
    qsort(t_eng, (size_t)runs, sizeof t_eng[0], cmp_i64);
    qsort(t_plain, (size_t)runs, sizeof t_plain[0], cmp_i64);
    double eng = (double)rows / ((double)t_eng[runs / 2] / 1e9);
    double pl = (double)rows / ((double)t_plain[runs / 2] / 1e9);
    slbuf d = {0};
    slexpr_describe(e, s, &d);
    printf("filter: %s  (%llu rows, batches of %d, %llu kept)\n", slbuf_cstr(&d),
           (unsigned long long)rows, BATCH, (unsigned long long)k_eng);
    printf("engine     %12.0f rows/s\n", eng);
    printf("plain C    %12.0f rows/s\n", pl);
    printf("ratio      %12.2f (plain / engine)\n", pl / eng);
    slbuf_free(&d);
    slexpr_free(e);
    slexpr_eval_free(ev);
    for (int i = 0; i < POOL; i++) {
        slbatch_free(pool[i]);
    }
    sl_schema_free(s);
    return 0;
}
