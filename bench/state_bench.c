/*
 * state_bench.c - throughput of the keyed state backends, memory and RocksDB
 * side by side, through the slkv interface the operators use (not a test).
 *
 * For each key count (default 100,000 and 1,000,000; 8-byte keys, 32-byte
 * values, 4 namespaces) and each backend, in one fresh state:
 *   upsert new      every key once, in order (insert: RocksDB looks it up first)
 *   upsert random   every key again, in a scattered order (read-modify-write)
 *   upsert hot      as many upserts over 1,000 keys (what a window with few
 *                   keys does; RocksDB serves them from its value cache)
 *   get random      every key, scattered order
 *   visit_all       one pass over the table
 * Operations go in "batches" of 1,024 with slstate_unpin_all between them,
 * as the runtime does. RocksDB runs with its defaults (64 MiB block cache,
 * 8 MiB memtables, 4 MiB value cache) in $TMPDIR.
 *
 *   usage: state_bench [--keys N[,N...]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"

#define BATCH 1024
#define HOT_KEYS 1000
#define N_NS 4

typedef struct row {
    const char *phase;
    double mops[2]; /* million operations per second: memory, rocksdb */
} row;

static double elapsed_s(int64_t t0) {
    return (double)(slclock_mono_us() - t0) / 1e6;
}

/* Scattered order: i -> i * p mod n with p coprime to n. */
static uint64_t scatter(uint64_t i, uint64_t n) {
    return (i * UINT64_C(2654435761)) % n;
}

static bool sum_visit(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                      void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(key);
    SL_UNUSED(klen);
    SL_UNUSED(vlen);
    uint64_t v;
    memcpy(&v, val, 8);
    *(uint64_t *)user += v;
    return true;
}

static void upsert_one(slkv *t, uint64_t k, uint64_t add) {
    uint64_t *v = slkv_upsert(t, k % N_NS, &k, 8, slhash_u64(k), NULL);
    uint64_t x;
    memcpy(&x, v, 8);
    x += add;
    memcpy(v, &x, 8);
    slkv_release(t, v, true);
}

/* One backend, n keys: fills rows[*].mops[b]. Returns false on an error. */
static bool run(int b, slrocks_env *env, uint64_t n, row *rows) {
    slstate *s = NULL;
    if (b == 0) {
        s = slstate_memory_new(128);
    } else if (slstate_rocksdb_new(env, "bench", 128, &s) != SL_OK) {
        fprintf(stderr, "state_bench: %s\n", sl_errmsg());
        return false;
    }
    slkv *t = slstate_table(s, "t", 32);
    int r = 0;

    int64_t t0 = slclock_mono_us();
    for (uint64_t i = 0; i < n; i++) {
        upsert_one(t, i, 1);
        if (i % BATCH == BATCH - 1) {
            slstate_unpin_all(s);
        }
    }
    slstate_unpin_all(s);
    rows[r++].mops[b] = (double)n / elapsed_s(t0) / 1e6;

    t0 = slclock_mono_us();
    for (uint64_t i = 0; i < n; i++) {
        upsert_one(t, scatter(i, n), 1);
        if (i % BATCH == BATCH - 1) {
            slstate_unpin_all(s);
        }
    }
    slstate_unpin_all(s);
    rows[r++].mops[b] = (double)n / elapsed_s(t0) / 1e6;

    t0 = slclock_mono_us();
    for (uint64_t i = 0; i < n; i++) {
        upsert_one(t, scatter(i, HOT_KEYS), 0);
        if (i % BATCH == BATCH - 1) {
            slstate_unpin_all(s);
        }
    }
    slstate_unpin_all(s);
    rows[r++].mops[b] = (double)n / elapsed_s(t0) / 1e6;

    t0 = slclock_mono_us();
    uint64_t bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = scatter(i, n);
        uint64_t *v = slkv_get(t, k % N_NS, &k, 8, slhash_u64(k), NULL);
        uint64_t x = 0;
        if (v) {
            memcpy(&x, v, 8);
            slkv_release(t, v, false);
        }
        bad += x != 2;
        if (i % BATCH == BATCH - 1) {
            slstate_unpin_all(s);
        }
    }
    slstate_unpin_all(s);
    rows[r++].mops[b] = (double)n / elapsed_s(t0) / 1e6;

    t0 = slclock_mono_us();
    uint64_t sum = 0;
    slkv_visit_all(t, sum_visit, &sum);
    rows[r++].mops[b] = (double)n / elapsed_s(t0) / 1e6;
    bool ok = bad == 0 && sum == 2 * n && slkv_count(t) == n;
    if (!ok) {
        fprintf(stderr, "state_bench: %s: wrong results (bad %llu, sum %llu, count %llu)\n",
                b ? "rocksdb" : "memory", (unsigned long long)bad, (unsigned long long)sum,
                (unsigned long long)slkv_count(t));
    }
    slstate_free(s);
    return ok;
}

int main(int argc, char **argv) {
    uint64_t counts[8] = {100000, 1000000};
    int n_counts = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc) {
            n_counts = 0;
            char *p = argv[++i];
            while (*p && n_counts < 8) {
                counts[n_counts++] = strtoull(p, &p, 10);
                if (*p == ',') {
                    p++;
                }
            }
        } else {
            fprintf(stderr, "usage: state_bench [--keys N[,N...]]\n");
            return 2;
        }
    }
    slrocks_env *env = NULL;
    if (slrocks_env_new(NULL, &env) != SL_OK) {
        fprintf(stderr, "state_bench: %s\n", sl_errmsg());
        return 1;
    }
    printf("keyed state, 8-byte keys, 32-byte values, %d namespaces; "
           "million operations per second\n",
           N_NS);
    printf("%10s  %-16s %10s %10s %8s\n", "keys", "phase", "memory", "rocksdb", "ratio");
    int rc = 0;
    for (int c = 0; c < n_counts; c++) {
        row rows[] = {{"upsert new", {0, 0}},
                      {"upsert random", {0, 0}},
                      {"upsert hot", {0, 0}},
                      {"get random", {0, 0}},
                      {"visit_all", {0, 0}}};
        for (int b = 0; b < 2; b++) {
            if (!run(b, env, counts[c], rows)) {
                rc = 1;
            }
        }
        for (size_t r = 0; r < SL_ARRAY_LEN(rows); r++) {
            printf("%10llu  %-16s %10.3f %10.3f %7.1fx\n", (unsigned long long)counts[c],
                   rows[r].phase, rows[r].mops[0], rows[r].mops[1],
                   rows[r].mops[1] > 0 ? rows[r].mops[0] / rows[r].mops[1] : 0.0);
        }
    }
    slrocks_env_free(env);
    return rc;
}
