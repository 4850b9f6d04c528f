/*
 * test_backend.h - the state backend an operator test runs with. A test
 * program compiled as is uses the memory backend; the tests/unit/..._rocksdb.c
 * define SL_TEST_ROCKSDB and include the memory test's source, so the same
 * tests run again on RocksDB. Harnesses that drive an operator directly call
 * sltest_unpin after each element, as the runtime does; job tests set
 * state.backend with sltest_job_backend.
 *
 * Where an operator emits by visiting its state (window firings), the order
 * of rows of different keys follows the backend's visit order (insertion for
 * memory, key order for RocksDB), so CHECK_OUT compares sorted lines on
 * RocksDB and exact text on memory.
 */
#ifndef SL_TEST_BACKEND_H
#define SL_TEST_BACKEND_H

#include "state/state.h"
#include "test.h"

#ifdef SL_TEST_ROCKSDB
#define SLTEST_BACKEND "rocksdb"

static slrocks_env *sltest_env_;

static inline void sltest_env_free_(void) {
    slrocks_env_free(sltest_env_);
    sltest_env_ = NULL;
}

/* A RocksDB state with a 64 KiB value cache (tests evict) and 2 MiB
 * memtables, in one run directory removed at exit. */
static inline slstate *sltest_state_new(int n_key_groups) {
    static int seq;
    if (!sltest_env_) {
        slrocks_conf rc = {NULL, 8u << 20, 2u << 20, 64u << 10};
        if (slrocks_env_new(&rc, &sltest_env_) != SL_OK) {
            fprintf(stderr, "rocksdb env: %s\n", sl_errmsg());
            exit(1);
        }
        atexit(sltest_env_free_);
    }
    char name[32];
    snprintf(name, sizeof name, "s%d", seq++);
    slstate *s = NULL;
    if (slstate_rocksdb_new(sltest_env_, name, n_key_groups, &s) != SL_OK) {
        fprintf(stderr, "rocksdb state: %s\n", sl_errmsg());
        exit(1);
    }
    return s;
}
#else
#define SLTEST_BACKEND "memory"

static inline slstate *sltest_state_new(int n_key_groups) {
    return slstate_memory_new(n_key_groups);
}
#endif

/* Between elements, as the runtime does. */
static inline void sltest_unpin(slstate *s) {
    if (slstate_unpin_all(s) != SL_OK) {
        fprintf(stderr, "state: %s\n", sl_errmsg());
        sltest_failed_checks++;
    }
}

/* A state table an operator uses: its name and value size (0: variable). */
typedef struct sltest_table {
    const char *name;
    uint32_t val_size;
} sltest_table;

typedef struct sltest_split_ {
    slkv *dst;
    int n_key_groups, kg_lo, kg_hi;
} sltest_split_;

static inline bool sltest_split_one_(uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                                     void *val, uint32_t vlen, void *user) {
    sltest_split_ *c = user;
    int kg = slstate_key_group(hash, c->n_key_groups);
    if (kg >= c->kg_lo && kg < c->kg_hi) {
        slkv_put(c->dst, ns, key, klen, hash, val, vlen);
    }
    return true;
}

/* A new state (of the backend under test) holding the entries of the tables
 * `t[0..n)` of `src` whose key group is in [kg_lo, kg_hi): what a subtask owning
 * those key groups gets on a rescaled restore. */
static inline slstate *sltest_state_split(slstate *src, const sltest_table *t, int n, int kg_lo,
                                          int kg_hi) {
    slstate *dst = sltest_state_new(src->n_key_groups);
    for (int i = 0; i < n; i++) {
        sltest_split_ c = {slstate_table(dst, t[i].name, t[i].val_size), src->n_key_groups, kg_lo,
                           kg_hi};
        slkv_visit_all_hash(slstate_table(src, t[i].name, t[i].val_size), sltest_split_one_, &c);
    }
    sltest_unpin(src);
    sltest_unpin(dst);
    return dst;
}

/* The lines of `text` sorted (byte order); free with slmem_free. */
static inline char *sltest_sort_lines(const char *text) {
    size_t n = 0, cap = 0;
    const char **ls = NULL;
    size_t *lens = NULL, cap2 = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        slmem_grow((void **)&ls, &cap, n + 1, sizeof *ls);
        slmem_grow((void **)&lens, &cap2, n + 1, sizeof *lens);
        ls[n] = p;
        lens[n] = len;
        n++;
        p += len;
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: test outputs are short */
        for (size_t j = i; j > 0; j--) {
            size_t m = lens[j - 1] < lens[j] ? lens[j - 1] : lens[j];
            int c = memcmp(ls[j - 1], ls[j], m);
            if (c < 0 || (c == 0 && lens[j - 1] <= lens[j])) {
                break;
            }
            const char *x = ls[j];
            ls[j] = ls[j - 1];
            ls[j - 1] = x;
            size_t y = lens[j];
            lens[j] = lens[j - 1];
            lens[j - 1] = y;
        }
    }
    slbuf b = {0};
    slbuf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        slbuf_put(&b, ls[i], lens[i]);
    }
    char *out = slmem_strdup(slbuf_cstr(&b));
    slbuf_free(&b);
    slmem_free(ls);
    slmem_free(lens);
    return out;
}

#ifdef SL_TEST_ROCKSDB
#define CHECK_OUT(got, want)                                                                       \
    do {                                                                                           \
        char *g_ = sltest_sort_lines(got), *w_ = sltest_sort_lines(want);                          \
        CHECK_STR(g_, w_);                                                                         \
        slmem_free(g_);                                                                            \
        slmem_free(w_);                                                                            \
    } while (0)
#else
#define CHECK_OUT(got, want) CHECK_STR(got, want)
#endif

#endif /* SL_TEST_BACKEND_H */
