/*
 * test_state.c - the state backends: every behaviour test runs against both
 * the memory and the RocksDB backend (BACKEND_TEST: a factory per backend):
 * upsert/get/remove, visits, drop_ns, variable-size values, huge keys, many
 * entries, TTL on a manual clock. Visit order is insertion order for memory
 * and key order for RocksDB, so visits are compared exactly for memory and as
 * sorted lists for RocksDB. Then RocksDB-specific tests: state bigger than
 * the block cache and the value cache, many namespaces dropped, visits while
 * values are modified (as the operators do), TTL through eviction, the key
 * order, directories. Last, the memory backend's batch calls (upsert_many)
 * against one call at a time.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"
#include "test.h"

typedef struct backend {
    const char *name;
    bool insertion_order; /* visits in insertion order (memory) */
} backend;

static const backend BACKENDS[] = {{"memory", true}, {"rocksdb", false}};
static const backend *be; /* the backend of the test running */
static slrocks_env *g_env;

static void env_cleanup(void) {
    slrocks_env_free(g_env);
    g_env = NULL;
}

/* The env of the tests' RocksDB states: a value cache of 64 KiB (the tests
 * with many entries evict), memtables of 2 MiB (they flush to SST files). */
static slrocks_env *env(void) {
    if (!g_env) {
        slrocks_conf rc = {NULL, 8u << 20, 2u << 20, 64u << 10};
        if (slrocks_env_new(&rc, &g_env) != SL_OK) {
            fprintf(stderr, "rocksdb env: %s\n", sl_errmsg());
            exit(1);
        }
        atexit(env_cleanup);
    }
    return g_env;
}

/* A fresh state of the current backend. */
static slstate *new_state(int n_key_groups) {
    if (be->insertion_order) {
        return slstate_memory_new(n_key_groups);
    }
    static int seq;
    char name[32];
    snprintf(name, sizeof name, "t%d", seq++);
    slstate *s = NULL;
    if (slstate_rocksdb_new(env(), name, n_key_groups, &s) != SL_OK) {
        fprintf(stderr, "rocksdb state: %s\n", sl_errmsg());
        exit(1);
    }
    return s;
}

/* TEST(name) that runs its body once per backend. */
#define BACKEND_TEST(tname)                                                                        \
    static void tname##_on(void);                                                                  \
    TEST(tname) {                                                                                  \
        for (size_t bi_ = 0; bi_ < SL_ARRAY_LEN(BACKENDS); bi_++) {                                \
            be = &BACKENDS[bi_];                                                                   \
            int before_ = sltest_failed_checks;                                                    \
            tname##_on();                                                                          \
            if (sltest_failed_checks != before_) {                                                 \
                fprintf(stderr, "  ^ with the %s backend\n", be->name);                            \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void tname##_on(void)

/* Items "a;b;c;" sorted (RocksDB visits in key order). */
static char *sorted_items(const char *text) {
    size_t n = 0, cap = 0;
    char **items = NULL;
    char *copy = slmem_strdup(text);
    for (char *p = copy; *p;) {
        char *e = strchr(p, ';');
        if (!e) {
            break;
        }
        *e = '\0';
        slmem_grow((void **)&items, &cap, n + 1, sizeof *items);
        items[n++] = p;
        p = e + 1;
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: short lists */
        for (size_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
            char *x = items[j];
            items[j] = items[j - 1];
            items[j - 1] = x;
        }
    }
    slbuf b = {0};
    slbuf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        slbuf_printf(&b, "%s;", items[i]);
    }
    char *out = slmem_strdup(slbuf_cstr(&b));
    slbuf_free(&b);
    slmem_free(items);
    slmem_free(copy);
    return out;
}

/* A visit's output against the insertion-order expectation: exact for the
 * memory backend, as a sorted list for RocksDB. */
#define CHECK_VISIT(got, want)                                                                     \
    do {                                                                                           \
        if (be->insertion_order) {                                                                 \
            CHECK_STR(got, want);                                                                  \
        } else {                                                                                   \
            char *g_ = sorted_items(got), *w_ = sorted_items(want);                                \
            CHECK_STR(g_, w_);                                                                     \
            slmem_free(g_);                                                                        \
            slmem_free(w_);                                                                        \
        }                                                                                          \
    } while (0)

static uint64_t kh(const void *k, size_t n) {
    return slhash_bytes(k, n, 0);
}

static void *up(slkv *t, uint64_t ns, const char *k, bool *created) {
    return slkv_upsert(t, ns, k, (uint32_t)strlen(k), kh(k, strlen(k)), created);
}

static void *get(slkv *t, uint64_t ns, const char *k) {
    uint32_t vlen;
    return slkv_get(t, ns, k, (uint32_t)strlen(k), kh(k, strlen(k)), &vlen);
}

static bool rm(slkv *t, uint64_t ns, const char *k) {
    return slkv_remove(t, ns, k, (uint32_t)strlen(k), kh(k, strlen(k)));
}

/* Visitor that appends "ns:key=val;" (val as int64) to a buffer. */
static bool collect(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                    void *user) {
    slbuf *b = user;
    int64_t v = 0;
    if (vlen == 8) {
        memcpy(&v, val, 8);
    }
    slbuf_printf(b, "%llu:%.*s=%lld;", (unsigned long long)ns, (int)klen, (const char *)key,
                 (long long)v);
    return true;
}

static bool stop_after_two(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                           void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(key);
    SL_UNUSED(klen);
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    int *n = user;
    return ++*n < 2;
}

BACKEND_TEST(upsert_get_remove) {
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "cnt", 8);
    CHECK(slstate_table(s, "cnt", 8) == t);
    bool created = false;
    int64_t *a = up(t, 0, "alice", &created);
    CHECK(created);
    CHECK_INT(*a, 0);
    *a = 5;
    int64_t *a2 = up(t, 0, "alice", &created);
    CHECK(!created);
    CHECK(a2 == a);
    CHECK_INT(*a2, 5);
    int64_t *b = up(t, 1, "alice", &created); /* another namespace, same key */
    CHECK(created);
    CHECK(b != a);
    *b = 7;
    CHECK_INT(slkv_count(t), 2);
    CHECK(get(t, 0, "bob") == NULL);
    CHECK(get(t, 2, "alice") == NULL);
    CHECK_INT(*(int64_t *)get(t, 0, "alice"), 5);
    CHECK_INT(*(int64_t *)get(t, 1, "alice"), 7);
    /* empty key */
    int64_t *e = slkv_upsert(t, 0, NULL, 0, kh("", 0), &created);
    CHECK(created);
    *e = 11;
    CHECK_INT(*(int64_t *)slkv_get(t, 0, "", 0, kh("", 0), NULL), 11);
    CHECK(rm(t, 0, "alice"));
    CHECK(!rm(t, 0, "alice"));
    CHECK(get(t, 0, "alice") == NULL);
    CHECK_INT(*(int64_t *)get(t, 1, "alice"), 7);
    CHECK_INT(slkv_count(t), 2);
    CHECK(slstate_bytes(s) > 0);
    slstate_free(s);
    slstate_free(NULL);
}

BACKEND_TEST(visit_order_and_drop_ns) {
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "w", 8);
    const char *keys[] = {"k5", "k1", "k9", "k3", "k7", "k2"};
    for (int i = 0; i < 6; i++) {
        *(int64_t *)up(t, (uint64_t)(i % 2) + 10, keys[i], NULL) = i;
    }
    slbuf out = {0};
    slkv_visit_all(t, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "10:k5=0;11:k1=1;10:k9=2;11:k3=3;10:k7=4;11:k2=5;");
    slbuf_reset(&out);
    slkv_visit_ns(t, 11, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "11:k1=1;11:k3=3;11:k2=5;");
    slbuf_reset(&out);
    slkv_visit_ns(t, 99, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "");
    /* Removing from the middle keeps the order of the rest; re-adding appends. */
    CHECK(rm(t, 10, "k9"));
    *(int64_t *)up(t, 10, "k9", NULL) = 20;
    slbuf_reset(&out);
    slkv_visit_ns(t, 10, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "10:k5=0;10:k7=4;10:k9=20;");
    int n = 0;
    slkv_visit_all(t, stop_after_two, &n);
    CHECK_INT(n, 2);
    slkv_drop_ns(t, 10);
    CHECK_INT(slkv_count(t), 3);
    CHECK(get(t, 10, "k5") == NULL);
    slbuf_reset(&out);
    slkv_visit_all(t, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "11:k1=1;11:k3=3;11:k2=5;");
    slkv_drop_ns(t, 10); /* again: nothing */
    slkv_drop_ns(t, 11);
    CHECK_INT(slkv_count(t), 0);
    slbuf_reset(&out);
    slkv_visit_all(t, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "");
    /* The table is usable after being emptied. */
    *(int64_t *)up(t, 11, "x", NULL) = 1;
    slbuf_reset(&out);
    slkv_visit_all(t, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "11:x=1;");
    slbuf_free(&out);
    slstate_free(s);
}

BACKEND_TEST(many_namespaces_drop) {
    /* Many windows per key: one key hash in 1000 namespaces. */
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "w", 8);
    for (uint64_t ns = 0; ns < 1000; ns++) {
        for (int k = 0; k < 5; k++) {
            char key[16];
            snprintf(key, sizeof key, "k%d", k);
            *(int64_t *)up(t, ns, key, NULL) = (int64_t)(ns * 10 + (uint64_t)k);
        }
    }
    CHECK_INT(slkv_count(t), 5000);
    for (uint64_t ns = 0; ns < 1000; ns += 2) {
        slkv_drop_ns(t, ns);
    }
    CHECK_INT(slkv_count(t), 2500);
    int bad = 0;
    for (uint64_t ns = 0; ns < 1000; ns++) {
        int64_t *v = get(t, ns, "k3");
        if (ns % 2 == 0) {
            bad += v != NULL;
        } else {
            bad += !v || *v != (int64_t)(ns * 10 + 3);
        }
    }
    CHECK_INT(bad, 0);
    slstate_free(s);
}

BACKEND_TEST(variable_values) {
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "v", 0);
    uint32_t vlen = 0;
    const char *k = "key";
    uint64_t h = kh(k, 3);
    char *v = slkv_put(t, 0, k, 3, h, "hello", 5);
    CHECK(memcmp(v, "hello", 5) == 0);
    v = slkv_get(t, 0, k, 3, h, &vlen);
    CHECK_INT(vlen, 5);
    CHECK(memcmp(v, "hello", 5) == 0);
    /* shrink, grow, grow a lot, empty */
    slkv_put(t, 0, k, 3, h, "hi", 2);
    v = slkv_get(t, 0, k, 3, h, &vlen);
    CHECK_INT(vlen, 2);
    CHECK(memcmp(v, "hi", 2) == 0);
    /* Neighbours in the lists survive the entry moving when it grows. */
    slkv_put(t, 0, "a", 1, kh("a", 1), "A", 1);
    slkv_put(t, 0, "b", 1, kh("b", 1), "B", 1);
    char big[10000];
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = (char)('a' + i % 26);
    }
    slkv_put(t, 0, "a", 1, kh("a", 1), big, sizeof big);
    v = slkv_get(t, 0, "a", 1, kh("a", 1), &vlen);
    CHECK_INT(vlen, sizeof big);
    CHECK(memcmp(v, big, sizeof big) == 0);
    slkv_put(t, 0, k, 3, h, "", 0);
    v = slkv_get(t, 0, k, 3, h, &vlen);
    CHECK(v != NULL);
    CHECK_INT(vlen, 0);
    slbuf out = {0};
    slkv_visit_all(t, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "0:key=0;0:a=0;0:b=0;");
    CHECK(rm(t, 0, "a"));
    slbuf_reset(&out);
    slkv_visit_ns(t, 0, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "0:key=0;0:b=0;");
    slbuf_free(&out);
    slstate_free(s);
}

BACKEND_TEST(huge_keys) {
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "h", 16);
    size_t n = 1u << 20;
    char *k1 = slmem_alloc(n), *k2 = slmem_alloc(n);
    memset(k1, 'x', n);
    memset(k2, 'x', n);
    k2[n - 1] = 'y'; /* differs only in the last byte */
    uint64_t h1 = kh(k1, n), h2 = kh(k2, n);
    bool c;
    char *v1 = slkv_upsert(t, 0, k1, (uint32_t)n, h1, &c);
    CHECK(c);
    memcpy(v1, "first-value-16b", 16);
    char *v2 = slkv_upsert(t, 0, k2, (uint32_t)n, h2, &c);
    CHECK(c);
    memcpy(v2, "other-value-16b", 16);
    CHECK(memcmp(slkv_get(t, 0, k1, (uint32_t)n, h1, NULL), "first-value-16b", 16) == 0);
    CHECK(memcmp(slkv_get(t, 0, k2, (uint32_t)n, h2, NULL), "other-value-16b", 16) == 0);
    /* Same hash as k1, different bytes: the lookup must compare bytes. */
    char *k3 = slmem_memdup(k1, n);
    k3[n - 1] = 'z';
    CHECK(slkv_get(t, 0, k3, (uint32_t)n, h1, NULL) == NULL);
    slmem_free(k3);
    CHECK(slstate_bytes(s) > 2 * n);
    CHECK(slkv_remove(t, 0, k1, (uint32_t)n, h1));
    CHECK_INT(slkv_count(t), 1);
    slmem_free(k1);
    slmem_free(k2);
    slstate_free(s);
}

BACKEND_TEST(million_entries) {
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "m", 8);
    /* RocksDB reads the disk for most of these (random keys, a small value
     * cache): a quarter of the entries keep the test fast. */
    const uint64_t n = be->insertion_order ? 1000000 : 250000;
    for (uint64_t i = 0; i < n; i++) {
        bool c;
        int64_t *v = slkv_upsert(t, i % 3, &i, 8, slhash_u64(i), &c);
        *v += (int64_t)i;
        if (i % 1000 == 999) {
            CHECK(slstate_unpin_all(s) == SL_OK); /* as the runtime does between batches */
        }
    }
    CHECK_INT(slkv_count(t), n);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        int64_t *v = slkv_get(t, i % 3, &i, 8, slhash_u64(i), NULL);
        bad += !v || *v != (int64_t)i;
        if (i % 1000 == 999) {
            slstate_unpin_all(s);
        }
    }
    CHECK_INT(bad, 0);
    /* Remove every other entry, then check the rest are still found. */
    for (uint64_t i = 0; i < n; i += 2) {
        bad += !slkv_remove(t, i % 3, &i, 8, slhash_u64(i));
    }
    CHECK_INT(bad, 0);
    CHECK_INT(slkv_count(t), n / 2);
    for (uint64_t i = 0; i < n; i++) {
        int64_t *v = slkv_get(t, i % 3, &i, 8, slhash_u64(i), NULL);
        bad += (i % 2 == 0) ? v != NULL : (!v || *v != (int64_t)i);
        if (i % 1000 == 999) {
            slstate_unpin_all(s);
        }
    }
    CHECK_INT(bad, 0);
    slkv_drop_ns(t, 1);
    uint64_t in1 = 0; /* odd i with i % 3 == 1 (1M: 166667 dropped, 333333 left) */
    for (uint64_t i = 1; i < n; i += 2) {
        in1 += i % 3 == 1;
    }
    CHECK_INT(slkv_count(t), n / 2 - in1);
    slstate_free(s);
}

static int64_t manual_now(void *user) {
    return *(int64_t *)user;
}

BACKEND_TEST(ttl_expiry) {
    int64_t now = 1000;
    slclock clk = {manual_now, &now};
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "ttl", 8);
    slkv_set_ttl(t, 100, &clk);
    *(int64_t *)up(t, 0, "a", NULL) = 1; /* written at 1000 */
    now = 1050;
    *(int64_t *)up(t, 0, "b", NULL) = 2; /* written at 1050 */
    now = 1099;
    CHECK(get(t, 0, "a") != NULL); /* a read does not refresh by default */
    now = 1100;
    CHECK(get(t, 0, "a") == NULL); /* expired, before any cleanup */
    CHECK_INT(*(int64_t *)get(t, 0, "b"), 2);
    slbuf out = {0};
    slkv_visit_all(t, collect, &out);
    CHECK_VISIT(slbuf_cstr(&out), "0:b=2;");
    CHECK_INT(slkv_count(t), 2); /* not yet cleaned up */
    CHECK_INT(slkv_expire(t, now, 1000), 1);
    CHECK_INT(slkv_count(t), 1);
    /* A write refreshes. */
    now = 1140;
    *(int64_t *)up(t, 0, "b", NULL) += 1;
    now = 1200;
    CHECK_INT(*(int64_t *)get(t, 0, "b"), 3);
    /* Upsert of an expired entry starts over from zero. */
    now = 1240;
    bool created = false;
    int64_t *b = up(t, 0, "b", &created);
    CHECK(created);
    CHECK_INT(*b, 0);
    CHECK_INT(slkv_expire(t, now, 1000), 1); /* counts the re-created one */
    CHECK_INT(slkv_count(t), 1);
    /* Incremental: a budget of 2 examines two entries per call. */
    for (int i = 0; i < 5; i++) {
        char k[4] = {'x', (char)('0' + i), 0, 0};
        *(int64_t *)up(t, 0, k, NULL) = i;
    }
    now = 5000;
    CHECK_INT(slkv_count(t), 6);
    CHECK_INT(slkv_expire(t, now, 2), 2);
    CHECK_INT(slkv_expire(t, now, 2), 2);
    CHECK_INT(slkv_expire(t, now, 2), 2);
    CHECK_INT(slkv_expire(t, now, 2), 0);
    CHECK_INT(slkv_count(t), 0);
    /* With refresh on read. */
    t->ttl_on_read = true;
    *(int64_t *)up(t, 0, "r", NULL) = 9;
    now = 5090;
    CHECK(get(t, 0, "r") != NULL);
    now = 5180;
    CHECK(get(t, 0, "r") != NULL);
    CHECK_INT(slkv_expire(t, now, 10), 0);
    now = 5280;
    CHECK_INT(slkv_expire(t, now, 10), 1);
    slbuf_free(&out);
    slstate_free(s);
}

BACKEND_TEST(ttl_enabled_on_filled_table) {
    int64_t now = 0;
    slclock clk = {manual_now, &now};
    slstate *s = new_state(4);
    slkv *t = slstate_table(s, "late", 0);
    slkv_put(t, 3, "k1", 2, kh("k1", 2), "v1", 2);
    slkv_put(t, 3, "k2", 2, kh("k2", 2), "v22", 3);
    slkv_set_ttl(t, 10, &clk);
    uint32_t vlen;
    char *v = slkv_get(t, 3, "k2", 2, kh("k2", 2), &vlen);
    CHECK(v && vlen == 3 && memcmp(v, "v22", 3) == 0);
    now = 10;
    CHECK(slkv_get(t, 3, "k1", 2, kh("k1", 2), &vlen) == NULL);
    CHECK_INT(slkv_expire(t, now, 100), 2);
    slstate_free(s);
}

TEST(slab_reuse_bounded) {
    /* Windows open and close: memory of dropped entries is reused (memory
     * backend: its slabs). */
    slstate *s = slstate_memory_new(128);
    slkv *t = slstate_table(s, "w", 24);
    uint64_t after_first = 0;
    for (uint64_t ns = 0; ns < 100; ns++) {
        for (uint64_t k = 0; k < 1000; k++) {
            uint64_t *v = slkv_upsert(t, ns, &k, 8, slhash_u64(k), NULL);
            v[0] = ns;
            v[2] = k;
        }
        slkv_drop_ns(t, ns);
        if (ns == 0) {
            after_first = slstate_bytes(s);
        }
    }
    CHECK_INT(slkv_count(t), 0);
    CHECK_INT(slstate_bytes(s), after_first);
    slstate_free(s);
}

BACKEND_TEST(ttl_enabled_on_filled_fixed_table) {
    int64_t now = 5;
    slclock clk = {manual_now, &now};
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "f", 8);
    for (int64_t i = 0; i < 100; i++) {
        *(int64_t *)slkv_upsert(t, (uint64_t)i % 4, &i, 8, slhash_u64((uint64_t)i), NULL) = i;
    }
    slkv_set_ttl(t, 10, &clk);
    slbuf out = {0};
    int64_t bad = 0;
    for (int64_t i = 0; i < 100; i++) {
        int64_t *v = slkv_get(t, (uint64_t)i % 4, &i, 8, slhash_u64((uint64_t)i), NULL);
        bad += !v || *v != i;
    }
    CHECK_INT(bad, 0);
    now = 15;
    CHECK(slkv_get(t, 0, &bad, 8, slhash_u64(0), NULL) == NULL);
    CHECK_INT(slkv_expire(t, now, 1000), 100);
    CHECK_INT(slkv_count(t), 0);
    slbuf_free(&out);
    slstate_free(s);
}

/* ---- more behaviour, both backends ---- */

BACKEND_TEST(pointers_held_together) {
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "p", 16);
    slkv *v = slstate_table(s, "v", 0);
    bool c;
    char *a = up(t, 0, "a", &c);
    memcpy(a, "aaaaaaaaaaaaaaa", 16);
    char *b = up(t, 0, "b", &c);
    memcpy(b, "bbbbbbbbbbbbbbb", 16);
    CHECK(up(t, 0, "a", &c) == a); /* the same entry is the same pointer */
    CHECK(!c);
    CHECK(get(t, 0, "a") == a);
    /* Many other entries (RocksDB: past its value cache) leave held pointers alone. */
    for (uint64_t i = 0; i < 3000; i++) {
        char *x = slkv_upsert(t, 1, &i, 8, slhash_u64(i), NULL);
        memset(x, (int)(i & 0x7f), 16);
        slkv_release(t, x, true);
    }
    CHECK(memcmp(a, "aaaaaaaaaaaaaaa", 16) == 0);
    CHECK(memcmp(b, "bbbbbbbbbbbbbbb", 16) == 0);
    memcpy(a, "AAAAAAAAAAAAAAA", 16); /* a write through a held pointer is seen */
    CHECK(memcmp(get(t, 0, "a"), "AAAAAAAAAAAAAAA", 16) == 0);
    slkv_release(t, a, true);
    slkv_release(t, a, false);
    slkv_release(t, a, false);
    slkv_release(t, b, true);
    /* A removed entry's pointer may still be released (it is ignored). */
    char *d = up(t, 0, "d", NULL);
    CHECK(rm(t, 0, "d"));
    slkv_release(t, d, true);
    CHECK(get(t, 0, "d") == NULL);
    /* put that grows a variable value moves it; releasing the old pointer is harmless. */
    char *p1 = slkv_put(v, 0, "k", 1, kh("k", 1), "12", 2);
    char big[300];
    memset(big, 'x', sizeof big);
    char *p2 = slkv_put(v, 0, "k", 1, kh("k", 1), big, sizeof big);
    slkv_release(v, p1, true);
    slkv_release(v, p2, false);
    uint32_t vl = 0;
    char *p3 = slkv_get(v, 0, "k", 1, kh("k", 1), &vl);
    CHECK(vl == sizeof big && memcmp(p3, big, sizeof big) == 0);
    /* Shrinking keeps the entry in place. */
    char *p4 = slkv_put(v, 0, "k", 1, kh("k", 1), "s", 1);
    CHECK(p4 == p3);
    CHECK(slstate_unpin_all(s) == SL_OK);
    /* After unpin_all, every value is still there. */
    CHECK(memcmp(get(t, 0, "a"), "AAAAAAAAAAAAAAA", 16) == 0);
    CHECK(memcmp(get(t, 0, "b"), "bbbbbbbbbbbbbbb", 16) == 0);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < 3000; i++) {
        unsigned char *x = slkv_get(t, 1, &i, 8, slhash_u64(i), NULL);
        bad += !x || x[15] != (unsigned char)(i & 0x7f);
        if (x) {
            slkv_release(t, x, false);
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(slkv_count(t), 3002);
    p3 = slkv_get(v, 0, "k", 1, kh("k", 1), &vl);
    CHECK(p3 && vl == 1 && p3[0] == 's');
    slstate_free(s);
}

/* Visit callback doing what operators do during visits. */
typedef struct modctx {
    slkv *self, *other;
    int seen, k5;
} modctx;

static bool modify_fn(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                      void *user) {
    modctx *m = user;
    int64_t x;
    CHECK_INT(vlen, 8);
    memcpy(&x, val, 8);
    if (klen == 2 && memcmp(key, "k5", 2) == 0) {
        m->k5 = (int)x;
    }
    x *= 2;
    memcpy(val, &x, 8); /* write through val */
    uint64_t h = kh(key, klen);
    /* another table: upsert + release, put, remove */
    int64_t *o = slkv_upsert(m->other, ns, key, klen, h, NULL);
    *o = x + 1;
    slkv_release(m->other, o, true);
    slkv_put(m->other, ns + 1, key, klen, h, &x, 8);
    slkv_remove(m->other, ns + 2, key, klen, h);
    /* the visited table may be read */
    int64_t *r = slkv_get(m->self, ns, "k0", 2, kh("k0", 2), NULL);
    CHECK(r != NULL);
    if (r) {
        slkv_release(m->self, r, false);
    }
    m->seen++;
    return true;
}

BACKEND_TEST(visit_while_values_are_modified) {
    slstate *s = new_state(128);
    slkv *a = slstate_table(s, "a", 8);
    slkv *o = slstate_table(s, "o", 8);
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        int64_t *v = up(a, 1, k, NULL);
        *v = i;
        slkv_release(a, v, true);
        int64_t *w = up(o, 3, k, NULL); /* removed by the visit (ns + 2) */
        *w = -1;
        slkv_release(o, w, true);
    }
    *(int64_t *)up(a, 2, "other-ns", NULL) = 7;
    CHECK(slstate_unpin_all(s) == SL_OK);
    int64_t *held = up(a, 1, "k5", NULL); /* held across the visit, written before it */
    *held = 500;
    modctx m = {a, o, 0, 0};
    slkv_visit_ns(a, 1, modify_fn, &m);
    CHECK_INT(m.seen, 100);
    CHECK_INT(m.k5, 500);
    CHECK_INT(*held, 1000); /* the visit's write went to the same entry */
    slkv_release(a, held, true);
    CHECK(slstate_unpin_all(s) == SL_OK);
    /* Push everything out of a small cache, then read back. */
    for (uint64_t i = 0; i < 2000; i++) {
        int64_t *x = slkv_upsert(a, 9, &i, 8, slhash_u64(i), NULL);
        slkv_release(a, x, true);
    }
    CHECK(slstate_unpin_all(s) == SL_OK);
    int bad = 0;
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        int64_t want = i == 5 ? 1000 : 2 * i;
        int64_t *v = get(a, 1, k);
        int64_t *w = get(o, 1, k);
        int64_t *w2 = get(o, 2, k);
        bad +=
            !v || *v != want || !w || *w != want + 1 || !w2 || *w2 != want || get(o, 3, k) != NULL;
        slstate_unpin_all(s);
    }
    CHECK_INT(bad, 0);
    CHECK_INT(*(int64_t *)get(a, 2, "other-ns"), 7);
    CHECK_INT(slkv_count(o), 200);
    CHECK_INT(slkv_count(a), 2101);
    slstate_free(s);
}

BACKEND_TEST(count_exact_through_eviction) {
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "c", 8);
    slkv *v = slstate_table(s, "v", 0);
    const uint64_t n = 5000;
    for (uint64_t i = 0; i < n; i++) {
        int64_t *x = slkv_upsert(t, i % 4, &i, 8, slhash_u64(i), NULL);
        *x = (int64_t)i;
        slkv_release(t, x, true);
        slkv_release(v, slkv_put(v, i % 4, &i, 8, slhash_u64(i), "v", 1), false);
        if (i % 100 == 99) {
            slstate_unpin_all(s);
        }
    }
    CHECK_INT(slkv_count(t), n);
    CHECK_INT(slkv_count(v), n);
    /* Again: existing entries (cached or not) do not count twice. */
    uint64_t created = 0;
    for (uint64_t i = 0; i < n; i++) {
        bool c = false;
        int64_t *x = slkv_upsert(t, i % 4, &i, 8, slhash_u64(i), &c);
        created += c;
        slkv_release(t, x, true);
        slkv_release(v, slkv_put(v, i % 4, &i, 8, slhash_u64(i), "vv", 2), false);
        if (i % 100 == 99) {
            slstate_unpin_all(s);
        }
    }
    CHECK_INT(created, 0);
    CHECK_INT(slkv_count(t), n);
    CHECK_INT(slkv_count(v), n);
    uint64_t removed = 0, absent = 0;
    for (uint64_t i = 0; i < n; i += 3) {
        removed += slkv_remove(t, i % 4, &i, 8, slhash_u64(i));
        absent += !slkv_remove(t, i % 4, &i, 8, slhash_u64(i));
    }
    CHECK_INT(removed, (n + 2) / 3);
    CHECK_INT(absent, (n + 2) / 3);
    CHECK_INT(slkv_count(t), n - (n + 2) / 3);
    slkv_drop_ns(v, 1);
    CHECK_INT(slkv_count(v), n - n / 4);
    slkv_drop_ns(t, 2);
    uint64_t left = 0;
    for (uint64_t i = 0; i < n; i++) {
        left += i % 3 != 0 && i % 4 != 2;
    }
    CHECK_INT(slkv_count(t), left);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        int64_t *x = slkv_get(t, i % 4, &i, 8, slhash_u64(i), NULL);
        bool want = i % 3 != 0 && i % 4 != 2;
        bad += want ? (!x || *x != (int64_t)i) : x != NULL;
        uint32_t vl = 0;
        char *y = slkv_get(v, i % 4, &i, 8, slhash_u64(i), &vl);
        bad += i % 4 == 1 ? y != NULL : (!y || vl != 2 || memcmp(y, "vv", 2) != 0);
        slstate_unpin_all(s);
    }
    CHECK_INT(bad, 0);
    slstate_free(s);
}

BACKEND_TEST(many_namespaces_sizes_and_edges) {
    /* Namespaces of 1..60 entries (small ones deleted key by key, larger ones
     * as a range), the first and last namespace values, dropped while their
     * entries are new, dirty, clean or only on disk. */
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "w", 8);
    const uint64_t base[] = {0, 1, UINT64_MAX - 1, UINT64_MAX};
    uint64_t n_ns = 0, total = 0;
    for (uint64_t j = 0; j < 1200; j++) {
        uint64_t ns = j < 4 ? base[j] : j * 1000;
        uint64_t m = j % 60 + 1;
        for (uint64_t k = 0; k < m; k++) {
            uint64_t key = j * 100 + k;
            int64_t *v = slkv_upsert(t, ns, &key, 8, slhash_u64(key), NULL);
            *v = (int64_t)(ns ^ key);
            slkv_release(t, v, true);
            total++;
        }
        n_ns++;
        if (j % 10 == 0) {
            slstate_unpin_all(s);
        }
    }
    CHECK_INT(slkv_count(t), total);
    uint64_t dropped = 0;
    for (uint64_t j = 0; j < 1200; j += 2) {
        uint64_t ns = j < 4 ? base[j] : j * 1000;
        if (j % 6 == 0) {
            /* hold a pointer into the namespace and make one entry dirty */
            uint64_t key = j * 100;
            int64_t *v = slkv_upsert(t, ns, &key, 8, slhash_u64(key), NULL);
            slkv_drop_ns(t, ns);
            slkv_release(t, v, true); /* ignored: the entry is gone */
        } else {
            slkv_drop_ns(t, ns);
        }
        dropped += j % 60 + 1;
    }
    slkv_drop_ns(t, 12345); /* no such namespace */
    CHECK_INT(slkv_count(t), total - dropped);
    slstate_unpin_all(s);
    uint64_t bad = 0;
    for (uint64_t j = 0; j < 1200; j++) {
        uint64_t ns = j < 4 ? base[j] : j * 1000;
        uint64_t m = j % 60 + 1;
        int cnt = 0;
        slkv_visit_ns(t, ns, stop_after_two, &cnt);
        bad += j % 2 == 0 ? cnt != 0 : cnt != (m >= 2 ? 2 : 1);
        for (uint64_t k = 0; k < m; k++) {
            uint64_t key = j * 100 + k;
            int64_t *v = slkv_get(t, ns, &key, 8, slhash_u64(key), NULL);
            bad += j % 2 == 0 ? v != NULL : (!v || *v != (int64_t)(ns ^ key));
        }
        slstate_unpin_all(s);
    }
    CHECK_INT(bad, 0);
    /* Dropped namespaces take entries again. */
    uint64_t key = 1;
    int64_t *v = slkv_upsert(t, UINT64_MAX - 1, &key, 8, slhash_u64(key), NULL);
    *v = 42;
    slkv_release(t, v, true);
    CHECK_INT(slkv_count(t), total - dropped + 1);
    slbuf out = {0};
    slkv_visit_ns(t, UINT64_MAX - 1, collect, &out);
    CHECK_INT(out.len > 0, 1);
    slbuf_free(&out);
    slstate_free(s);
}

BACKEND_TEST(ttl_through_eviction) {
    int64_t now = 0;
    slclock clk = {manual_now, &now};
    slstate *s = new_state(128);
    slkv *t = slstate_table(s, "ttl", 8);
    slkv_set_ttl(t, 100, &clk);
    t->ttl_on_read = true;
    const uint64_t n = 3000;
    for (uint64_t i = 0; i < n; i++) {
        int64_t *v = slkv_upsert(t, 0, &i, 8, slhash_u64(i), NULL);
        *v = (int64_t)i;
        slkv_release(t, v, true);
        if (i % 100 == 99) {
            slstate_unpin_all(s);
        }
    }
    now = 60; /* read (refresh) the even keys */
    uint64_t bad = 0;
    for (uint64_t i = 0; i < n; i += 2) {
        int64_t *v = slkv_get(t, 0, &i, 8, slhash_u64(i), NULL);
        bad += !v || *v != (int64_t)i;
        slstate_unpin_all(s);
    }
    now = 100; /* the odd keys expire */
    for (uint64_t i = 0; i < n; i++) {
        int64_t *v = slkv_get(t, 0, &i, 8, slhash_u64(i), NULL);
        bad += i % 2 ? v != NULL : (!v || *v != (int64_t)i);
        slstate_unpin_all(s);
    }
    CHECK_INT(bad, 0);
    CHECK_INT(slkv_count(t), n);
    uint64_t removed = 0;
    for (int i = 0; i < 10; i++) {
        removed += slkv_expire(t, now, 700);
    }
    CHECK_INT(removed, n / 2);
    CHECK_INT(slkv_count(t), n / 2);
    now = 1000;
    CHECK_INT(slkv_expire(t, now, 100000), n / 2);
    CHECK_INT(slkv_count(t), 0);
    slstate_free(s);
}

/* ---- RocksDB only ---- */

static bool collect_order(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                          void *user) {
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    slbuf *b = user;
    int kg = slstate_key_group(kh(key, klen), 16);
    slbuf_printf(b, "%llu/%02d/%.*s;", (unsigned long long)ns, kg, (int)klen, (const char *)key);
    return true;
}

TEST(rocksdb_visits_in_key_order) {
    be = &BACKENDS[1];
    slstate *s = new_state(16);
    slkv *t = slstate_table(s, "o", 8);
    const char *keys[] = {"zz", "a", "mm", "b", "q", "aa", "c", "x", "k", "e"};
    const uint64_t nss[] = {300, 2, 70000};
    for (size_t i = 0; i < SL_ARRAY_LEN(nss); i++) {
        for (size_t k = 0; k < SL_ARRAY_LEN(keys); k++) {
            slkv_release(t, up(t, nss[i], keys[k], NULL), true);
        }
    }
    slbuf out = {0};
    slkv_visit_all(t, collect_order, &out);
    /* Items "ns/kg/key" must ascend numerically by ns, then kg, then key. */
    const char *p = slbuf_cstr(&out);
    uint64_t pns = 0;
    int pkg = -1, n = 0;
    char pkey[16] = "";
    bool ordered = true;
    while (*p) {
        unsigned long long ns;
        int kg;
        char key[16];
        if (sscanf(p, "%llu/%d/%15[^;];", &ns, &kg, key) != 3) {
            break;
        }
        if (n > 0) {
            bool up_ =
                ns > pns || (ns == pns && (kg > pkg || (kg == pkg && strcmp(key, pkey) > 0)));
            ordered &= up_;
        }
        pns = ns;
        pkg = kg;
        snprintf(pkey, sizeof pkey, "%s", key);
        n++;
        p = strchr(p, ';') + 1;
    }
    CHECK(ordered);
    CHECK_INT(n, 30);
    slbuf_free(&out);
    slstate_free(s);
}

TEST(rocksdb_state_bigger_than_its_caches) {
#ifdef SL_SMALL_BUFFERS
    const uint64_t n = 40000;
#else
    const uint64_t n = 200000;
#endif
    slrocks_conf rc = {NULL, 64u << 10, 64u << 10, 8u << 10};
    slrocks_env *e = NULL;
    CHECK(slrocks_env_new(&rc, &e) == SL_OK);
    slstate *s = NULL;
    CHECK(slstate_rocksdb_new(e, "big", 128, &s) == SL_OK);
    slkv *t = slstate_table(s, "big", 32);
    for (uint64_t i = 0; i < n; i++) {
        bool c = false;
        uint64_t *v = slkv_upsert(t, i % 7, &i, 8, slhash_u64(i), &c);
        CHECK(c);
        v[0] = i;
        v[1] = ~i;
        v[2] = i * 3;
        v[3] = i ^ 0x5555;
        slkv_release(t, v, true);
        if (i % 997 == 0) {
            CHECK(slstate_unpin_all(s) == SL_OK);
        }
    }
    CHECK(slstate_unpin_all(s) == SL_OK);
    CHECK_INT(slkv_count(t), n);
    CHECK(slstate_bytes(s) > (uint64_t)(4 * (64u << 10)));
    uint64_t bad = 0;
    for (uint64_t j = 0; j < n; j++) {
        uint64_t i = (j * 7919) % n; /* all keys, scattered */
        uint64_t *v = slkv_get(t, i % 7, &i, 8, slhash_u64(i), NULL);
        bad += !v || v[0] != i || v[1] != ~i || v[2] != i * 3 || v[3] != (i ^ 0x5555);
        if (v) {
            slkv_release(t, v, false);
        }
        if (j % 512 == 0) {
            slstate_unpin_all(s);
        }
    }
    CHECK_INT(bad, 0);
    for (uint64_t i = 0; i < n; i += 3) {
        bad += !slkv_remove(t, i % 7, &i, 8, slhash_u64(i));
    }
    CHECK_INT(bad, 0);
    CHECK_INT(slkv_count(t), n - (n + 2) / 3);
    int seen = 0;
    slkv_visit_ns(t, 3, stop_after_two, &seen);
    CHECK_INT(seen, 2);
    slkv_drop_ns(t, 3);
    uint64_t in3 = 0;
    for (uint64_t i = 3; i < n; i += 7) {
        in3 += i % 3 != 0;
    }
    CHECK_INT(slkv_count(t), n - (n + 2) / 3 - in3);
    slstate_free(s);
    slrocks_env_free(e);
}

static bool dir_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

TEST(rocksdb_directories) {
    char base[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(base, sizeof base, "%s/sluice-test-%d/nested/dir", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    slrocks_conf rc = {base, 0, 0, 0};
    slrocks_env *e = NULL;
    CHECK(slrocks_env_new(&rc, &e) == SL_OK);
    CHECK(dir_exists(slrocks_env_dir(e)));
    CHECK(strncmp(slrocks_env_dir(e), base, strlen(base)) == 0);
    /* A leftover directory of the same name is replaced. */
    char path[512];
    snprintf(path, sizeof path, "%s/a_b_c", slrocks_env_dir(e));
    CHECK(mkdir(path, 0777) == 0);
    snprintf(path, sizeof path, "%s/a_b_c/LOCK", slrocks_env_dir(e));
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("junk", f);
        fclose(f);
    }
    slstate *s = NULL;
    CHECK(slstate_rocksdb_new(e, "a/b c", 4, &s) == SL_OK);
    snprintf(path, sizeof path, "%s/a_b_c", slrocks_env_dir(e));
    CHECK(dir_exists(path));
    slkv *t = slstate_table(s, "x", 8);
    slkv_release(t, up(t, 0, "k", NULL), true);
    CHECK(slstate_unpin_all(s) == SL_OK);
    slstate_free(s);
    CHECK(!dir_exists(path)); /* removed with the state */
    char run[1200];
    snprintf(run, sizeof run, "%s", slrocks_env_dir(e));
    slrocks_env_free(e);
    CHECK(!dir_exists(run)); /* the run directory goes with the env */
    CHECK(dir_exists(base)); /* the local directory stays */
    snprintf(path, sizeof path, "%s/sluice-test-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    snprintf(run, sizeof run, "rm -rf '%s'", path);
    CHECK(system(run) == 0);
    /* A local directory that cannot be made is an I/O error. */
    rc.localdir = "/proc/sluice-no/such";
    CHECK(slrocks_env_new(&rc, &e) == SL_ERR_IO);
    CHECK_CONTAINS(sl_errmsg(), "state.backend.rocksdb.localdir");
}

TEST(upsert_many_matches_upsert) {
    /* One batch call against the same calls one at a time: 8-byte keys and
     * other lengths, duplicates, entries that exist already, and enough new
     * ones to grow the index in the middle of the batch. */
    slstate *s = slstate_memory_new(128);
    slkv *a = slstate_table(s, "a", 16);
    slkv *b = slstate_table(s, "b", 16);
    enum { N = 600 };
    static char strs[N][16];
    slkv_key keys[N];
    int64_t ints[N];
    for (int j = 0; j < N; j++) {
        ints[j] = (j * 7) % 250; /* 250 distinct, each about 2.4 times */
        if (j % 3 == 0) {
            int n = snprintf(strs[j], sizeof strs[j], "k%lld", (long long)ints[j]);
            keys[j] = (slkv_key){strs[j], (uint32_t)n, kh(strs[j], (size_t)n)};
        } else {
            keys[j] = (slkv_key){&ints[j], 8, kh(&ints[j], 8)};
        }
    }
    /* Some exist before: the first 50 keys, with a value. */
    for (int j = 0; j < 50; j++) {
        int64_t *v = slkv_upsert(a, 9, keys[j].key, keys[j].klen, keys[j].hash, NULL);
        v[0] = 100 + j;
        v = slkv_upsert(b, 9, keys[j].key, keys[j].klen, keys[j].hash, NULL);
        v[0] = 100 + j;
    }
    void *vals[N];
    uint8_t created[N];
    uint32_t n_created = slkv_upsert_many(a, 9, keys, N, vals, created);
    int bad_created = 0, bad_ptr = 0, want_created = 0;
    for (int j = 0; j < N; j++) {
        bool c = false;
        void *v = slkv_upsert(b, 9, keys[j].key, keys[j].klen, keys[j].hash, &c);
        bad_created += created[j] != c;
        want_created += c;
        int64_t *x = vals[j];
        x[1]++; /* duplicates share one value: the counts add up */
        int64_t *y = v;
        y[1]++;
    }
    slkv_release_many(a, vals, N, true);
    for (int j = 0; j < N; j++) {
        uint32_t vl;
        const int64_t *x = slkv_get(a, 9, keys[j].key, keys[j].klen, keys[j].hash, &vl);
        const int64_t *y = slkv_get(b, 9, keys[j].key, keys[j].klen, keys[j].hash, &vl);
        bad_ptr += x != vals[j] || !y || x[0] != y[0] || x[1] != y[1];
    }
    CHECK_INT(bad_created, 0);
    CHECK_INT(bad_ptr, 0);
    CHECK_INT(n_created, want_created);
    CHECK(want_created > 200); /* the index grew during the batch */
    CHECK_INT(slkv_count(a), slkv_count(b));
    /* The same key in another namespace is another entry. */
    slkv_upsert_many(a, 10, keys, 1, vals, created);
    CHECK_INT(created[0], 1);
    CHECK_INT(((int64_t *)vals[0])[0], 0);
    slkv_release_many(a, vals, 1, true);
    /* An empty batch. */
    slkv_upsert_many(a, 10, keys, 0, vals, created);
    slkv_release_many(a, vals, 0, true);
    slstate_free(s);
}

TEST(upsert_many_ttl) {
    int64_t now = 0;
    slclock clk = {manual_now, &now};
    slstate *s = slstate_memory_new(128);
    slkv *t = slstate_table(s, "t", 8);
    slkv_set_ttl(t, 100, &clk);
    int64_t k1 = 1, k2 = 2;
    slkv_key keys[3] = {{&k1, 8, kh(&k1, 8)}, {&k2, 8, kh(&k2, 8)}, {&k1, 8, kh(&k1, 8)}};
    void *vals[3];
    uint8_t created[3];
    CHECK_INT(slkv_upsert_many(t, 0, keys, 3, vals, created), 2);
    CHECK(created[0] == 1 && created[1] == 1 && created[2] == 0);
    CHECK(vals[0] == vals[2]);
    *(int64_t *)vals[0] = 5;
    *(int64_t *)vals[1] = 6;
    slkv_release_many(t, vals, 3, true);
    now = 60;
    slkv_upsert_many(t, 0, keys, 1, vals, created); /* refreshes k1 only */
    CHECK(created[0] == 0 && *(int64_t *)vals[0] == 5);
    slkv_release_many(t, vals, 1, true);
    now = 120; /* k2 expired, k1 not */
    CHECK_INT(slkv_upsert_many(t, 0, keys, 2, vals, created), 1);
    CHECK(created[0] == 0 && *(int64_t *)vals[0] == 5);
    CHECK(created[1] == 1 && *(int64_t *)vals[1] == 0);
    slkv_release_many(t, vals, 2, true);
    slstate_free(s);
}

/* ---- visit_all_hash: each entry's key group, for splitting a state ---- */

typedef struct kgsum {
    int n;
    uint64_t kg_mask[2]; /* key groups seen */
    bool hash_ok;        /* memory: the full hash comes back */
} kgsum;

static bool kg_visit(uint64_t ns, const void *key, uint32_t klen, uint64_t hash, void *val,
                     uint32_t vlen, void *user) {
    SL_UNUSED(vlen);
    SL_UNUSED(val);
    kgsum *s = user;
    uint64_t want = slhash_bytes(key, klen, 0);
    int kg = slstate_key_group(hash, 128);
    s->n++;
    s->kg_mask[kg / 64] |= UINT64_C(1) << (kg % 64);
    if (kg != slstate_key_group(want, 128) || ns != 7) {
        s->hash_ok = false;
    }
    if (be->insertion_order && hash != want) {
        s->hash_ok = false;
    }
    return true;
}

BACKEND_TEST(visit_all_hash_gives_key_groups) {
    slstate *s = new_state(128);
    slkv *fixed = slstate_table(s, "f", 8), *var = slstate_table(s, "v", 0);
    char key[16];
    for (int i = 0; i < 500; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        uint64_t h = slhash_bytes(key, (size_t)n, 0), v = (uint64_t)i;
        bool created;
        void *p = slkv_upsert(fixed, 7, key, (uint32_t)n, h, &created);
        memcpy(p, &v, 8);
        slkv_release(fixed, p, true);
        slkv_put(var, 7, key, (uint32_t)n, h, key, (uint32_t)n);
    }
    CHECK(slstate_unpin_all(s) == SL_OK);
    for (int t = 0; t < 2; t++) {
        kgsum sum = {0, {0, 0}, true};
        slkv_visit_all_hash(t ? var : fixed, kg_visit, &sum);
        CHECK_INT(sum.n, 500);
        CHECK(sum.hash_ok);
        CHECK(sum.kg_mask[0] != 0 && sum.kg_mask[1] != 0); /* both halves */
    }
    slstate_free(s);
}
