/*
 * window_bench.c - events per second through the engine for a keyed tumbling
 * window aggregation (1,000 keys, 1-second windows, COUNT and SUM) on one
 * worker thread, next to a plain hand-written C loop computing the same
 * result in the same run, and their ratio. All consume the same generated
 * events (the generator is part of every figure); all results are checked
 * equal (sum of counts and sums over all windows).
 *
 * The engine is measured twice: with a batch generator
 * (sl_job_source_gen_batch: the events are written a column at a time), the
 * headline figure, and with a row generator (sl_job_source_gen: a call per
 * value and row), which shows what the row-at-a-time source API costs.
 *
 *   usage: window_bench [--events N] [--runs R]
 *
 * Prints the median over R runs of each (default 5), alternating engine and
 * reference so machine noise hits all alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sluice.h"

#define KEYS 1000
#define EVENTS_PER_SECOND_OF_EVENT_TIME 100000

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The event stream both sides consume: key, value and event time of event i. */
static inline int64_t ev_key(uint64_t i) {
    return (int64_t)((i * 7919u) % KEYS);
}
static inline int64_t ev_value(uint64_t i) {
    return (int64_t)(i % 100);
}
static inline int64_t ev_ts(uint64_t i) {
    return (int64_t)(i * (SL_SECOND / EVENTS_PER_SECOND_OF_EVENT_TIME));
}

/* ---- engine ---- */

typedef struct gen_state {
    uint64_t n;
} gen_state;

static sl_gen_status gen(uint64_t i, sl_out *o, void *user) {
    const gen_state *g = user;
    if (i >= g->n) {
        return SL_GEN_END;
    }
    sl_out_bigint(o, 0, ev_key(i));
    sl_out_bigint(o, 1, ev_value(i));
    sl_out_timestamp(o, 2, ev_ts(i));
    sl_out_emit(o);
    return SL_GEN_MORE;
}

/* The same events, a batch at a time. */
static sl_gen_status gen_batch(uint64_t i0, sl_cols *c, void *user) {
    const gen_state *g = user;
    if (i0 >= g->n) {
        return SL_GEN_END;
    }
    uint64_t left = g->n - i0;
    uint32_t m = left < sl_cols_room(c) ? (uint32_t)left : sl_cols_room(c);
    int64_t *k = sl_cols_bigint(c, 0), *v = sl_cols_bigint(c, 1), *ts = sl_cols_bigint(c, 2);
    for (uint32_t j = 0; j < m; j++) {
        k[j] = ev_key(i0 + j);
        v[j] = ev_value(i0 + j);
        ts[j] = ev_ts(i0 + j);
    }
    sl_cols_emit(c, m);
    return m == left ? SL_GEN_END : SL_GEN_MORE;
}

typedef struct totals {
    int64_t windows, count, sum;
} totals;

static void collect(const sl_row *r, void *user) {
    totals *t = user;
    t->windows++;
    t->count += sl_row_bigint(r, 3);
    t->sum += sl_row_bigint(r, 4);
}

static double run_engine(uint64_t n, bool batch, totals *t) {
    sl_job *job;
    sl_schema *schema;
    sl_stream *src, *timed, *keyed, *win;
    gen_state g = {n};
    memset(t, 0, sizeof *t);
    sl_schema_parse("k BIGINT, v BIGINT, ts TIMESTAMP", &schema);
    sl_window_spec spec = sl_window_tumble(SL_SECOND);
    sl_agg aggs[] = {{.kind = SL_AGG_COUNT, .as = "n"}, {.kind = SL_AGG_SUM, .column = "v", .as = "total"}};
    sl_err err = sl_job_new(&job);
    if (!err) {
        err = batch ? sl_job_source_gen_batch(job, schema, gen_batch, &g, &src)
                    : sl_job_source_gen(job, schema, gen, &g, &src);
    }
    if (err ||
        sl_stream_watermark(src, "ts", 0, &timed) || sl_stream_key_by(timed, "k", &keyed) ||
        sl_stream_window(keyed, &spec, aggs, 2, &win) || sl_stream_foreach(win, collect, t)) {
        fprintf(stderr, "window_bench: %s\n", sl_errmsg());
        exit(1);
    }
    int64_t t0 = now_ns();
    if (sl_job_run(job)) {
        fprintf(stderr, "window_bench: %s\n", sl_errmsg());
        exit(1);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    sl_job_free(job);
    sl_schema_free(schema);
    return secs;
}

/* ---- the plain loop: the same aggregation written by hand ---- */

typedef struct slot {
    int64_t key;
    int64_t count, sum;
    int used;
} slot;

static double run_plain(uint64_t n, totals *t) {
    memset(t, 0, sizeof *t);
    enum { CAP = 4096 };
    slot *table = calloc(CAP, sizeof *table);
    int64_t *order = malloc(CAP * sizeof *order); /* slots in first-seen order */
    int used = 0;
    int64_t window = -1;
    int64_t t0 = now_ns();
    for (uint64_t i = 0; i <= n; i++) {
        int64_t w = i < n ? ev_ts(i) / SL_SECOND : -2;
        if (w != window) { /* events arrive in order: a new window closes the last */
            for (int s = 0; s < used; s++) {
                slot *e = &table[order[s]];
                t->windows++;
                t->count += e->count;
                t->sum += e->sum;
                e->used = 0;
            }
            used = 0;
            window = w;
        }
        if (i == n) {
            break;
        }
        int64_t k = ev_key(i);
        uint64_t h = ((uint64_t)k * UINT64_C(0x9e3779b97f4a7c15)) >> 52;
        while (table[h].used && table[h].key != k) {
            h = (h + 1) & (CAP - 1);
        }
        slot *e = &table[h];
        if (!e->used) {
            e->used = 1;
            e->key = k;
            e->count = 0;
            e->sum = 0;
            order[used++] = (int64_t)h;
        }
        e->count++;
        e->sum += ev_value(i);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    free(table);
    free(order);
    return secs;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    uint64_t n = 20000000;
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
            n = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: window_bench [--events N] [--runs R]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 100) {
        runs = 5;
    }
    double eng[100], row[100], ref[100];
    totals te, tw, tr;
    for (int r = 0; r < runs; r++) {
        eng[r] = run_engine(n, true, &te);
        ref[r] = run_plain(n, &tr);
        row[r] = run_engine(n, false, &tw);
        const totals *bad = NULL;
        if (te.windows != tr.windows || te.count != tr.count || te.sum != tr.sum) {
            bad = &te;
        } else if (tw.windows != tr.windows || tw.count != tr.count || tw.sum != tr.sum) {
            bad = &tw;
        }
        if (bad) {
            fprintf(stderr,
                    "window_bench: results differ: engine (%s generator) %lld windows/%lld "
                    "rows/%lld sum, plain loop %lld/%lld/%lld\n",
                    bad == &te ? "batch" : "row", (long long)bad->windows,
                    (long long)bad->count, (long long)bad->sum, (long long)tr.windows,
                    (long long)tr.count, (long long)tr.sum);
            return 1;
        }
    }
    qsort(eng, (size_t)runs, sizeof *eng, cmp_double);
    qsort(row, (size_t)runs, sizeof *row, cmp_double);
    qsort(ref, (size_t)runs, sizeof *ref, cmp_double);
    double e = eng[runs / 2], w = row[runs / 2], p = ref[runs / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("tumbling window COUNT+SUM, %d keys, 1 s windows, %llu events, median of %d runs\n", KEYS,
           (unsigned long long)n, runs);
    printf("  engine (1 worker thread): %8.2f M events/s  (%.3f s)\n", (double)n / e / 1e6, e);
    printf("  plain C loop:             %8.2f M events/s  (%.3f s)\n", (double)n / p / 1e6, p);
    printf("  ratio engine/plain time:  %8.2fx\n", e / p);
    printf("  engine, row generator:    %8.2f M events/s  (%.3f s), ratio %.2fx\n",
           (double)n / w / 1e6, w, w / p);
    printf("  windows emitted: %lld, peak RSS: %.1f MiB\n", (long long)te.windows,
           (double)ru.ru_maxrss / 1024.0);
    return 0;
}
