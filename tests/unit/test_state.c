/*
 * test_state.c - the memory state backend: upsert/get/remove, visit order,
 * drop_ns, variable-size values, huge keys, many entries, TTL on a manual clock,
 * and the batch calls (upsert_many) against one call at a time.
 */
#include "state/state.h"
#include "test.h"

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

static bool stop_after_two(uint64_t ns, const void *key, uint32_t klen, void *val,
                           uint32_t vlen, void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(key);
    SL_UNUSED(klen);
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    int *n = user;
    return ++*n < 2;
}

TEST(upsert_get_remove) {
    slstate *s = slstate_memory_new(128);
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

TEST(visit_order_and_drop_ns) {
    slstate *s = slstate_memory_new(128);
    slkv *t = slstate_table(s, "w", 8);
    const char *keys[] = {"k5", "k1", "k9", "k3", "k7", "k2"};
    for (int i = 0; i < 6; i++) {
        *(int64_t *)up(t, (uint64_t)(i % 2) + 10, keys[i], NULL) = i;
    }
    slbuf out = {0};
    slkv_visit_all(t, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "10:k5=0;11:k1=1;10:k9=2;11:k3=3;10:k7=4;11:k2=5;");
    slbuf_reset(&out);
    slkv_visit_ns(t, 11, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "11:k1=1;11:k3=3;11:k2=5;");
    slbuf_reset(&out);
    slkv_visit_ns(t, 99, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "");
    /* Removing from the middle keeps the order of the rest; re-adding appends. */
    CHECK(rm(t, 10, "k9"));
    *(int64_t *)up(t, 10, "k9", NULL) = 20;
    slbuf_reset(&out);
    slkv_visit_ns(t, 10, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "10:k5=0;10:k7=4;10:k9=20;");
    int n = 0;
    slkv_visit_all(t, stop_after_two, &n);
    CHECK_INT(n, 2);
    slkv_drop_ns(t, 10);
    CHECK_INT(slkv_count(t), 3);
    CHECK(get(t, 10, "k5") == NULL);
    slbuf_reset(&out);
    slkv_visit_all(t, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "11:k1=1;11:k3=3;11:k2=5;");
    slkv_drop_ns(t, 10); /* again: nothing */
    slkv_drop_ns(t, 11);
    CHECK_INT(slkv_count(t), 0);
    slbuf_reset(&out);
    slkv_visit_all(t, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "");
    /* The table is usable after being emptied. */
    *(int64_t *)up(t, 11, "x", NULL) = 1;
    slbuf_reset(&out);
    slkv_visit_all(t, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "11:x=1;");
    slbuf_free(&out);
    slstate_free(s);
}

TEST(many_namespaces_drop) {
    /* Many windows per key: one key hash in 1000 namespaces. */
    slstate *s = slstate_memory_new(128);
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

TEST(variable_values) {
    slstate *s = slstate_memory_new(128);
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
    CHECK_STR(slbuf_cstr(&out), "0:key=0;0:a=0;0:b=0;");
    CHECK(rm(t, 0, "a"));
    slbuf_reset(&out);
    slkv_visit_ns(t, 0, collect, &out);
    CHECK_STR(slbuf_cstr(&out), "0:key=0;0:b=0;");
    slbuf_free(&out);
    slstate_free(s);
}

TEST(huge_keys) {
    slstate *s = slstate_memory_new(128);
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
    /* Same hash, different key: the lookup must compare bytes. */
    CHECK(slkv_get(t, 0, k2, (uint32_t)n, h1, NULL) == NULL);
    CHECK(slstate_bytes(s) > 2 * n);
    CHECK(slkv_remove(t, 0, k1, (uint32_t)n, h1));
    CHECK_INT(slkv_count(t), 1);
    slmem_free(k1);
    slmem_free(k2);
    slstate_free(s);
}

TEST(million_entries) {
    slstate *s = slstate_memory_new(128);
    slkv *t = slstate_table(s, "m", 8);
    const uint64_t n = 1000000;
    for (uint64_t i = 0; i < n; i++) {
        bool c;
        int64_t *v = slkv_upsert(t, i % 3, &i, 8, slhash_u64(i), &c);
        *v += (int64_t)i;
    }
    CHECK_INT(slkv_count(t), n);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < n; i++) {
        int64_t *v = slkv_get(t, i % 3, &i, 8, slhash_u64(i), NULL);
        bad += !v || *v != (int64_t)i;
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
    }
    CHECK_INT(bad, 0);
    slkv_drop_ns(t, 1);
    CHECK_INT(slkv_count(t), 333333); /* odd i with i % 3 == 1: 166667 dropped */
    slstate_free(s);
}

static int64_t manual_now(void *user) {
    return *(int64_t *)user;
}

TEST(ttl_expiry) {
    int64_t now = 1000;
    slclock clk = {manual_now, &now};
    slstate *s = slstate_memory_new(128);
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
    CHECK_STR(slbuf_cstr(&out), "0:b=2;");
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

TEST(ttl_enabled_on_filled_table) {
    int64_t now = 0;
    slclock clk = {manual_now, &now};
    slstate *s = slstate_memory_new(4);
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
    /* Windows open and close: memory of dropped entries is reused. */
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

TEST(ttl_enabled_on_filled_fixed_table) {
    int64_t now = 5;
    slclock clk = {manual_now, &now};
    slstate *s = slstate_memory_new(128);
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
