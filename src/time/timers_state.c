/*
 * timers_state.c - pending timers written into a keyed state table and read
 * back (see timers.h): how operators with timers take part in checkpoints.
 *
 * Entry layout (namespace 0): key = [u8 domain][i64 ts][u64 ns][timer key
 * bytes], value = [u64 ordinal within its domain in firing order][u64 the
 * timer key's hash]. The entry is stored under the timer key's hash, so its
 * key group is the key group of the operator key it belongs to.
 *
 * Thread: the worker that owns the operator subtask.
 */
#include <stdlib.h>
#include <string.h>

#include "state/state.h"
#include "time/timers.h"

typedef struct save_ctx {
    slkv *table;
    slbuf key;
    uint64_t ord[2];
} save_ctx;

static void save_one(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                     uint32_t klen, uint64_t hash) {
    save_ctx *c = user;
    slbuf_reset(&c->key);
    uint8_t dom = (uint8_t)d;
    slbuf_put(&c->key, &dom, 1);
    slbuf_put(&c->key, &ts, 8);
    slbuf_put(&c->key, &ns, 8);
    slbuf_put(&c->key, key, klen);
    uint64_t val[2] = {c->ord[d]++, hash};
    slkv_put(c->table, 0, c->key.data, (uint32_t)c->key.len, hash, val, sizeof val);
}

void sltimers_save(sltimers *t, slkv *table) {
    slkv_drop_ns(table, 0);
    save_ctx c = {.table = table};
    sltimers_visit(t, save_one, &c);
    slbuf_free(&c.key);
}

typedef struct lrec {
    uint8_t domain;
    int64_t ts;
    uint64_t ord, ns, hash;
    size_t koff;
    uint32_t klen;
} lrec;

typedef struct load_ctx {
    lrec *recs;
    size_t n, cap;
    slbuf keys;
} load_ctx;

static bool load_one(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                     void *user) {
    (void)ns;
    load_ctx *c = user;
    if (klen < 17 || vlen != SLTIMERS_STATE_VAL) {
        return true; /* not a timer entry: the table is ours alone, so never */
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->recs = slmem_realloc(c->recs, slmem_mul(c->cap, sizeof *c->recs));
    }
    const unsigned char *k = key;
    lrec *r = &c->recs[c->n++];
    r->domain = k[0];
    memcpy(&r->ts, k + 1, 8);
    memcpy(&r->ns, k + 9, 8);
    uint64_t v[2];
    memcpy(v, val, sizeof v);
    r->ord = v[0];
    r->hash = v[1];
    r->koff = c->keys.len;
    r->klen = klen - 17;
    slbuf_put(&c->keys, k + 17, r->klen);
    return true;
}

static int lrec_cmp(const void *a, const void *b) {
    const lrec *x = a, *y = b;
    if (x->domain != y->domain) {
        return x->domain < y->domain ? -1 : 1;
    }
    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }
    return x->ord < y->ord ? -1 : (x->ord > y->ord);
}

uint64_t sltimers_load(sltimers *t, slkv *table) {
    load_ctx c = {0};
    slkv_visit_all(table, load_one, &c);
    if (c.n > 1) {
        qsort(c.recs, c.n, sizeof *c.recs, lrec_cmp);
    }
    uint64_t set = 0;
    for (size_t i = 0; i < c.n; i++) {
        lrec *r = &c.recs[i];
        set += sltimers_set(t, (sltimer_domain)r->domain, r->ts, r->ns, c.keys.data + r->koff,
                            r->klen, r->hash);
    }
    slmem_free(c.recs);
    slbuf_free(&c.keys);
    return set;
}
