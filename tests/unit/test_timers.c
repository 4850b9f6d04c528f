/*
 * test_timers.c - the timer service: order (ties in registration order),
 * dedup, delete, both domains, timers set while firing, many timers.
 */
#include "test.h"
#include "test_backend.h"
#include "time/timers.h"

static uint64_t kh(const char *k) {
    return slhash_bytes(k, strlen(k), 0);
}

static bool set(sltimers *t, sltimer_domain d, int64_t ts, uint64_t ns, const char *k) {
    return sltimers_set(t, d, ts, ns, k, (uint32_t)strlen(k), kh(k));
}

static void log_fired(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                      uint32_t klen, uint64_t hash) {
    slbuf *b = user;
    CHECK(hash == slhash_bytes(key, klen, 0));
    slbuf_printf(b, "%c%lld/%llu/%.*s ", d == SLTIMER_EVENT ? 'e' : 'p', (long long)ts,
                 (unsigned long long)ns, (int)klen, (const char *)key);
}

TEST(order_and_ties) {
    sltimers *t = sltimers_new();
    slbuf out = {0};
    CHECK_INT(sltimers_next(t, SLTIMER_EVENT), SL_TIME_MAX);
    CHECK(set(t, SLTIMER_EVENT, 30, 0, "a"));
    CHECK(set(t, SLTIMER_EVENT, 10, 0, "b"));
    CHECK(set(t, SLTIMER_EVENT, 20, 0, "c"));
    CHECK(set(t, SLTIMER_EVENT, 10, 0, "d")); /* tie with b: after b */
    CHECK(set(t, SLTIMER_EVENT, 10, 1, "b")); /* another namespace: distinct */
    CHECK(set(t, SLTIMER_EVENT, -5, 0, "neg"));
    CHECK_INT(sltimers_count(t, SLTIMER_EVENT), 6);
    CHECK_INT(sltimers_next(t, SLTIMER_EVENT), -5);
    CHECK_INT(sltimers_pop_due(t, SLTIMER_EVENT, 9, log_fired, &out), 1);
    CHECK_STR(slbuf_cstr(&out), "e-5/0/neg ");
    slbuf_reset(&out);
    CHECK_INT(sltimers_pop_due(t, SLTIMER_EVENT, 20, log_fired, &out), 4);
    CHECK_STR(slbuf_cstr(&out), "e10/0/b e10/0/d e10/1/b e20/0/c ");
    CHECK_INT(sltimers_next(t, SLTIMER_EVENT), 30);
    slbuf_reset(&out);
    CHECK_INT(sltimers_pop_due(t, SLTIMER_EVENT, 29, log_fired, &out), 0);
    CHECK_INT(sltimers_pop_due(t, SLTIMER_EVENT, SL_TIME_MAX, log_fired, &out), 1);
    CHECK_STR(slbuf_cstr(&out), "e30/0/a ");
    CHECK_INT(sltimers_count(t, SLTIMER_EVENT), 0);
    slbuf_free(&out);
    sltimers_free(t);
    sltimers_free(NULL);
}

TEST(dedup_and_delete) {
    sltimers *t = sltimers_new();
    slbuf out = {0};
    CHECK(set(t, SLTIMER_EVENT, 100, 0, "k"));
    CHECK(!set(t, SLTIMER_EVENT, 100, 0, "k")); /* same: fires once */
    CHECK(set(t, SLTIMER_EVENT, 100, 0, "k2"));
    CHECK(set(t, SLTIMER_PROCESSING, 100, 0, "k")); /* other domain: distinct */
    CHECK(set(t, SLTIMER_EVENT, 50, 0, "k"));
    CHECK(set(t, SLTIMER_EVENT, 70, 0, ""));      /* empty key */
    CHECK(!set(t, SLTIMER_EVENT, 70, 0, ""));
    CHECK_INT(sltimers_count(t, SLTIMER_EVENT), 4);
    CHECK(sltimers_delete(t, SLTIMER_EVENT, 50, 0, "k", 1, kh("k")));
    CHECK(!sltimers_delete(t, SLTIMER_EVENT, 50, 0, "k", 1, kh("k")));
    CHECK(!sltimers_delete(t, SLTIMER_EVENT, 60, 0, "k", 1, kh("k")));
    CHECK_INT(sltimers_next(t, SLTIMER_EVENT), 70);
    /* Re-set after delete registers anew (order: after existing ties). */
    CHECK(set(t, SLTIMER_EVENT, 100, 0, "k3"));
    CHECK(sltimers_delete(t, SLTIMER_EVENT, 100, 0, "k", 1, kh("k")));
    CHECK(set(t, SLTIMER_EVENT, 100, 0, "k"));
    CHECK_INT(sltimers_pop_due(t, SLTIMER_EVENT, 1000, log_fired, &out), 4);
    CHECK_STR(slbuf_cstr(&out), "e70/0/ e100/0/k2 e100/0/k3 e100/0/k ");
    slbuf_reset(&out);
    CHECK_INT(sltimers_pop_due(t, SLTIMER_PROCESSING, 99, log_fired, &out), 0);
    CHECK_INT(sltimers_next(t, SLTIMER_PROCESSING), 100);
    CHECK_INT(sltimers_pop_due(t, SLTIMER_PROCESSING, 100, log_fired, &out), 1);
    CHECK_STR(slbuf_cstr(&out), "p100/0/k ");
    /* After firing, the same timer can be set again. */
    CHECK(set(t, SLTIMER_PROCESSING, 100, 0, "k"));
    CHECK_INT(sltimers_count(t, SLTIMER_PROCESSING), 1);
    slbuf_free(&out);
    sltimers_free(t);
}

typedef struct chain {
    sltimers *t;
    slbuf out;
} chain;

/* Fired timers under 40 set a follow-up 10 later and delete "victim". */
static void rearm(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                  uint32_t klen, uint64_t hash) {
    chain *c = user;
    log_fired(&c->out, d, ts, ns, key, klen, hash);
    if (ts < 40) {
        /* Many other keys too, to force growth and compaction of the key store. */
        for (int i = 0; i < 50; i++) {
            char k[64];
            snprintf(k, sizeof k, "filler-%lld-%d", (long long)ts, i);
            sltimers_set(c->t, d, 1000000 + i, 0, k, (uint32_t)strlen(k), kh(k));
        }
        sltimers_set(c->t, d, ts + 10, ns, key, klen, hash);
        sltimers_delete(c->t, d, 35, 0, "victim", 6, kh("victim"));
    }
}

TEST(set_while_firing) {
    chain c = {sltimers_new(), {0}};
    set(c.t, SLTIMER_EVENT, 10, 0, "x");
    set(c.t, SLTIMER_EVENT, 35, 0, "victim");
    CHECK_INT(sltimers_pop_due(c.t, SLTIMER_EVENT, 45, rearm, &c), 4);
    CHECK_STR(slbuf_cstr(&c.out), "e10/0/x e20/0/x e30/0/x e40/0/x ");
    CHECK_INT(sltimers_count(c.t, SLTIMER_EVENT), 150); /* fillers set at 10, 20, 30 */
    slbuf_free(&c.out);
    sltimers_free(c.t);
}

struct ck {
    int64_t last;
    uint64_t bad, n;
};

static void check_order(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                        uint32_t klen, uint64_t hash) {
    struct ck *c = user;
    uint64_t k;
    memcpy(&k, key, 8);
    c->bad += d != SLTIMER_PROCESSING || ts < c->last || ns != 0 || klen != 8 || k == 3 ||
              hash != slhash_u64(k);
    c->last = ts;
}

TEST(many_timers_in_order) {
    sltimers *t = sltimers_new();
    /* 100000 timers at pseudo-random times with many duplicates. */
    uint64_t added = 0;
    for (uint64_t i = 0; i < 100000; i++) {
        int64_t ts = (int64_t)(slhash_u64(i) % 5000);
        uint64_t key = i % 7;
        added += sltimers_set(t, SLTIMER_PROCESSING, ts, 0, &key, 8, slhash_u64(key));
    }
    CHECK_INT(sltimers_count(t, SLTIMER_PROCESSING), added);
    CHECK(added <= 35000);
    CHECK(added > 30000);
    /* Delete all timers of key 3. */
    uint64_t deleted = 0;
    for (int64_t ts = 0; ts < 5000; ts++) {
        uint64_t key = 3;
        deleted += sltimers_delete(t, SLTIMER_PROCESSING, ts, 0, &key, 8, slhash_u64(key));
    }
    CHECK(deleted > 0);
    CHECK_INT(sltimers_count(t, SLTIMER_PROCESSING), added - deleted);
    CHECK(sltimers_bytes(t) > 0);
    /* Pop in steps and check the order: ts never decreases. */
    struct ck ck = {INT64_MIN, 0, 0};
    for (int64_t upto = 0; upto < 5000 + 333; upto += 333) {
        ck.n += sltimers_pop_due(t, SLTIMER_PROCESSING, upto, check_order, &ck);
        CHECK(sltimers_next(t, SLTIMER_PROCESSING) > upto);
    }
    CHECK_INT(ck.bad, 0);
    CHECK_INT(ck.n, added - deleted);
    CHECK_INT(sltimers_count(t, SLTIMER_PROCESSING), 0);
    sltimers_free(t);
}

/* Timers written into a state table and read back into a new service fire
 * in the same order; a key-group filtered copy (as a rescaled restore sees
 * it) keeps exactly the timers of those key groups. */
TEST(save_and_load) {
    slstate *s = sltest_state_new(8);
    slkv *tab = slstate_table(s, "timers", SLTIMERS_STATE_VAL);
    sltimers *t = sltimers_new();
    CHECK(set(t, SLTIMER_EVENT, 30, 0, "a"));
    CHECK(set(t, SLTIMER_EVENT, 10, 7, "b"));
    CHECK(set(t, SLTIMER_EVENT, 10, 0, "d")); /* tie with b: after b */
    CHECK(set(t, SLTIMER_PROCESSING, 5, 0, "a"));
    CHECK(set(t, SLTIMER_EVENT, -3, 0, ""));
    sltimers_save(t, tab);
    sltest_unpin(s);
    CHECK_INT(slkv_count(tab), 5);
    /* saving again replaces the contents */
    CHECK(sltimers_delete(t, SLTIMER_EVENT, 30, 0, "a", 1, kh("a")));
    sltimers_save(t, tab);
    sltest_unpin(s);
    CHECK_INT(slkv_count(tab), 4);
    sltimers *u = sltimers_new();
    CHECK_INT(sltimers_load(u, tab), 4);
    sltest_unpin(s);
    CHECK_INT(slkv_count(tab), 4);
    slbuf out = {0};
    CHECK_INT(sltimers_pop_due(u, SLTIMER_EVENT, SL_TIME_MAX, log_fired, &out), 3);
    CHECK_INT(sltimers_pop_due(u, SLTIMER_PROCESSING, SL_TIME_MAX, log_fired, &out), 1);
    CHECK_STR(slbuf_cstr(&out), "e-3/0/ e10/7/b e10/0/d p5/0/a ");
    /* an empty service saves an empty table */
    sltimers_save(u, tab);
    sltest_unpin(s);
    CHECK_INT(slkv_count(tab), 0);
    slbuf_free(&out);
    sltimers_free(t);
    sltimers_free(u);
    slstate_free(s);
}
