/*
 * process.c - the keyed process operator and the public sl_ctx / sl_state_* /
 * sl_timer_* functions its callbacks use.
 *
 * For each input row the key columns are encoded (slkey_encode) into the
 * current key, then on_row runs. Due timers set the current key from the timer
 * and run on_timer. The rows a callback writes go into one output batch that is
 * emitted when full and at the end of each input batch, watermark and tick.
 *
 * State encoding: each named state is its own table of the operator's state
 * backend, named "<kind letter>:<name>":
 *   value       (ns 0, key) -> `size` bytes
 *   reducing    (ns 0, key) -> `size` bytes (the reduced value)
 *   aggregating (ns 0, key) -> the udaf's accumulator
 *   list        (ns 0, key) -> one value: u32 count, u32 used, then `used` bytes
 *               of elements, each u32 length + bytes padded to 4; the value has
 *               spare room at the end and doubles when full (amortised O(1) add)
 *   map         (ns = hash of key, [u32 key length][key][map key]) -> map value;
 *               the entry hash keeps the key's high 32 bits (its key group) and
 *               takes its low bits from the map key, so one key's many map
 *               entries spread over the index; visit_ns(hash of key) finds them.
 * All integers in host byte order (state is not portable across
 * architectures; snapshots will say so in their format header).
 *
 * Checkpoints (opstate.h): the timers are saved into the table
 * "process.timers" (no user state name can take it: theirs have ':' second);
 * the blob is [u32 tag][u32 n][int64 watermark] then n x {u8 kind, u32 size,
 * u32 name length, name}: the named states the instance had opened, so a
 * restored one opens them too (TTL cleanup visits them before a callback
 * asks). Blobs merge: the smallest watermark, the union of the states.
 *
 * Pointers handed to callbacks are released (slkv_release) when the callback
 * returns, so a backend that hands out copies writes them back then.
 *
 * Thread: the worker that owns the subtask.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ops/opstate.h"
#include "ops/process.h"
#include "time/timers.h"

#define LIST_HDR 8 /* u32 count, u32 bytes used after the header */

typedef struct pstate {
    char *name; /* owned */
    sl_state_kind kind;
    uint32_t size; /* fixed value size; 0 for list and map */
    slkv *t;       /* borrowed: owned by the state backend */
} pstate;

typedef struct pheld {
    slkv *t;   /* borrowed */
    void *val; /* borrowed: backend memory */
    bool dirty;
} pheld;

typedef struct procop procop;

struct sl_ctx {
    procop *op; /* borrowed */
};

struct procop {
    slop base;
    const slprocess_arg *arg; /* borrowed */
    sl_ctx ctx;
    sl_out out;
    sltimers *timers; /* owned */
    slkv *timer_tab;  /* borrowed (state): process.timers */
    int64_t wm;       /* the largest watermark seen (or restored) */
    slbuf key;        /* the current key, encoded */
    uint64_t hash;    /* its hash */
    slbuf scratch;    /* map entry keys, rebuilt lists */
    pstate *states;   /* owned */
    size_t n_states, cap_states;
    pheld *held; /* owned: values handed out during the current callback */
    size_t n_held, cap_held;
    /* list read cursor, so iterating i = 0..n is linear */
    const pstate *lc_state; /* borrowed */
    const char *lc_val;     /* borrowed */
    uint32_t lc_idx, lc_off;
    sl_schema *key_schema; /* ref: the key columns */
    slbatch *key_batch;    /* owned: one row, the decoded current key */
    sl_row key_row;
    bool key_row_valid;
};

/* A programming error of the process function (not bad data): stop. */
static _Noreturn void misuse(const char *name, const char *what, size_t n) {
    fprintf(stderr, "sluice: fatal: keyed state '%s': %s (%zu bytes)\n", name, what, n);
    abort();
}

static inline uint32_t pad4(uint32_t n) {
    return (n + 3) & ~UINT32_C(3);
}

/* ---- named states ---- */

static pstate *state_get(procop *op, const char *name, sl_state_kind kind, size_t size) {
    if (size > UINT32_MAX / 2) {
        misuse(name, "value too large", size);
    }
    uint32_t vsize = (uint32_t)size;
    if (kind != SL_STATE_LIST && kind != SL_STATE_MAP && vsize == 0) {
        vsize = 1; /* a zero-size value still records presence */
    }
    for (size_t i = 0; i < op->n_states; i++) {
        pstate *s = &op->states[i];
        if (s->kind == kind && strcmp(s->name, name) == 0) {
            if (s->size != vsize) {
                misuse(name, "used with another value size", size);
            }
            return s;
        }
    }
    static const char letters[] = "?vlmra";
    slbuf tname = {0};
    slbuf_printf(&tname, "%c:%s", letters[kind], name);
    slopctx *c = op->base.ctx;
    slmem_grow((void **)&op->states, &op->cap_states, op->n_states + 1, sizeof(pstate));
    pstate *s = &op->states[op->n_states++];
    s->name = slmem_strdup(name);
    s->kind = kind;
    s->size = vsize;
    s->t = slstate_table(c->state, slbuf_cstr(&tname), vsize);
    slbuf_free(&tname);
    if (c->state_ttl_us > 0) {
        slkv_set_ttl(s->t, c->state_ttl_us, c->clock);
        s->t->ttl_on_read = true;
    }
    return s;
}

static void hold(procop *op, slkv *t, void *val, bool dirty) {
    slmem_grow((void **)&op->held, &op->cap_held, op->n_held + 1, sizeof(pheld));
    op->held[op->n_held++] = (pheld){t, val, dirty};
}

/* Forget held values of table t (they are about to be removed). */
static void unhold(procop *op, slkv *t) {
    size_t j = 0;
    for (size_t i = 0; i < op->n_held; i++) {
        if (op->held[i].t != t) {
            op->held[j++] = op->held[i];
        }
    }
    op->n_held = j;
}

static void end_callback(procop *op) {
    for (size_t i = 0; i < op->n_held; i++) {
        slkv_release(op->held[i].t, op->held[i].val, op->held[i].dirty);
    }
    op->n_held = 0;
    op->lc_state = NULL;
}

static void set_key(procop *op, const void *key, uint32_t klen, uint64_t hash) {
    slbuf_reset(&op->key);
    if (klen) {
        slbuf_put(&op->key, key, klen);
    }
    op->hash = hash;
    op->key_row_valid = false;
    op->lc_state = NULL;
}

static inline uint32_t cur_klen(const procop *op) {
    return (uint32_t)op->key.len;
}

static inline const char *cur_key(const procop *op) {
    return op->key.len ? op->key.data : "";
}

/* ---- value, reducing, aggregating ---- */

void *sl_state_value(sl_ctx *c, const char *name, size_t size, bool *created) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_VALUE, size);
    bool cr = false;
    void *v = slkv_upsert(s->t, 0, cur_key(op), cur_klen(op), op->hash, &cr);
    hold(op, s->t, v, true);
    if (created) {
        *created = cr;
    }
    return v;
}

const void *sl_state_reduce(sl_ctx *c, const char *name, const void *value, size_t size,
                            void (*reduce)(void *acc, const void *value, void *user),
                            void *user) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_REDUCING, size);
    bool cr = false;
    void *acc = slkv_upsert(s->t, 0, cur_key(op), cur_klen(op), op->hash, &cr);
    if (cr) {
        if (size) {
            memcpy(acc, value, size);
        }
    } else {
        reduce(acc, value, user);
    }
    hold(op, s->t, acc, true);
    return acc;
}

const void *sl_state_reduce_get(sl_ctx *c, const char *name, size_t size) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_REDUCING, size);
    void *acc = slkv_get(s->t, 0, cur_key(op), cur_klen(op), op->hash, NULL);
    if (acc) {
        hold(op, s->t, acc, false);
    }
    return acc;
}

const void *sl_state_aggregate(sl_ctx *c, const char *name, const sl_udaf *f, const sl_row *r,
                               int col) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_AGGREGATING, f->acc_size);
    bool cr = false;
    void *acc = slkv_upsert(s->t, 0, cur_key(op), cur_klen(op), op->hash, &cr);
    if (cr && f->init) {
        f->init(acc, f->user);
    }
    if (r && !sl_row_is_null(r, col)) {
        f->add(acc, r, col, f->user);
    }
    hold(op, s->t, acc, true);
    return acc;
}

bool sl_state_aggregate_result(sl_ctx *c, const char *name, const sl_udaf *f, sl_out *o,
                               int col) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_AGGREGATING, f->acc_size);
    void *acc = slkv_get(s->t, 0, cur_key(op), cur_klen(op), op->hash, NULL);
    if (!acc) {
        return false;
    }
    f->result(acc, o, col, f->user);
    hold(op, s->t, acc, false);
    return true;
}

/* ---- list ---- */

static inline uint32_t rd32(const char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void wr32(char *p, uint32_t v) {
    memcpy(p, &v, 4);
}

void sl_state_list_add(sl_ctx *c, const char *name, const void *elem, size_t len) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_LIST, 0);
    if (len > UINT32_MAX / 4) {
        misuse(name, "list element too large", len);
    }
    op->lc_state = NULL;
    unhold(op, s->t); /* the list may move */
    uint32_t need = 4 + pad4((uint32_t)len);
    uint32_t vlen = 0;
    char *v = slkv_get(s->t, 0, cur_key(op), cur_klen(op), op->hash, &vlen);
    uint32_t n = 0, used = 0;
    if (v) {
        n = rd32(v);
        used = rd32(v + 4);
    }
    if (v && (uint64_t)LIST_HDR + used + need <= vlen) {
        /* Room at the end: append in place. */
        char *p = v + LIST_HDR + used;
        wr32(p, (uint32_t)len);
        if (len) {
            memcpy(p + 4, elem, len);
        }
        memset(p + 4 + len, 0, need - 4 - len);
        wr32(v, n + 1);
        wr32(v + 4, used + need);
        slkv_release(s->t, v, true);
        return;
    }
    /* Rebuild with twice the room (exact size for a new list). */
    uint64_t cap = (uint64_t)LIST_HDR + used + need;
    if (v && cap < (uint64_t)vlen * 2) {
        cap = (uint64_t)vlen * 2;
    }
    if (cap > UINT32_MAX) {
        misuse(name, "list too large", (size_t)cap);
    }
    slbuf_reset(&op->scratch);
    slbuf_reserve(&op->scratch, cap);
    char *b = op->scratch.data;
    memset(b, 0, cap);
    if (v) {
        memcpy(b, v, LIST_HDR + used);
        slkv_release(s->t, v, false);
    }
    wr32(b, n + 1);
    wr32(b + 4, used + need);
    wr32(b + LIST_HDR + used, (uint32_t)len);
    if (len) {
        memcpy(b + LIST_HDR + used + 4, elem, len);
    }
    void *nv = slkv_put(s->t, 0, cur_key(op), cur_klen(op), op->hash, b, (uint32_t)cap);
    slkv_release(s->t, nv, false);
}

size_t sl_state_list_count(sl_ctx *c, const char *name) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_LIST, 0);
    char *v = slkv_get(s->t, 0, cur_key(op), cur_klen(op), op->hash, NULL);
    if (!v) {
        return 0;
    }
    uint32_t n = rd32(v);
    slkv_release(s->t, v, false);
    return n;
}

const void *sl_state_list_get(sl_ctx *c, const char *name, size_t i, size_t *len) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_LIST, 0);
    char *v = slkv_get(s->t, 0, cur_key(op), cur_klen(op), op->hash, NULL);
    if (!v || i >= rd32(v)) {
        if (len) {
            *len = 0;
        }
        return NULL;
    }
    uint32_t idx = 0, off = 0;
    if (op->lc_state == s && op->lc_val == v && op->lc_idx <= i) {
        idx = op->lc_idx;
        off = op->lc_off;
    } else {
        hold(op, s->t, v, false);
    }
    const char *p = v + LIST_HDR;
    while (idx < i) {
        off += 4 + pad4(rd32(p + off));
        idx++;
    }
    op->lc_state = s;
    op->lc_val = v;
    op->lc_idx = idx;
    op->lc_off = off;
    if (len) {
        *len = rd32(p + off);
    }
    return p + off + 4;
}

/* ---- map ---- */

/* Build the entry key of map key k into scratch; returns the entry hash. */
static uint64_t map_entry_key(procop *op, const void *k, size_t klen) {
    if (klen > UINT32_MAX / 2) {
        misuse("(map)", "map key too large", klen);
    }
    slbuf_reset(&op->scratch);
    char hdr[4];
    wr32(hdr, cur_klen(op));
    slbuf_put(&op->scratch, hdr, 4);
    if (op->key.len) {
        slbuf_put(&op->scratch, op->key.data, op->key.len);
    }
    if (klen) {
        slbuf_put(&op->scratch, k, klen);
    }
    uint64_t low = klen ? slhash_bytes(k, klen, op->hash) : slhash_u64(op->hash);
    return (op->hash & UINT64_C(0xffffffff00000000)) | (low & 0xffffffffu);
}

void sl_state_map_put(sl_ctx *c, const char *name, const void *k, size_t klen, const void *v,
                      size_t vlen) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_MAP, 0);
    if (vlen > UINT32_MAX / 2) {
        misuse(name, "map value too large", vlen);
    }
    uint64_t h = map_entry_key(op, k, klen);
    unhold(op, s->t); /* the entry may move */
    void *nv = slkv_put(s->t, op->hash, op->scratch.data, (uint32_t)op->scratch.len, h,
                        vlen ? v : "", (uint32_t)vlen);
    slkv_release(s->t, nv, false);
}

const void *sl_state_map_get(sl_ctx *c, const char *name, const void *k, size_t klen,
                             size_t *vlen) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_MAP, 0);
    uint64_t h = map_entry_key(op, k, klen);
    uint32_t n = 0;
    void *v = slkv_get(s->t, op->hash, op->scratch.data, (uint32_t)op->scratch.len, h, &n);
    if (vlen) {
        *vlen = v ? n : 0;
    }
    if (v) {
        hold(op, s->t, v, false);
    }
    return v;
}

void sl_state_map_remove(sl_ctx *c, const char *name, const void *k, size_t klen) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_MAP, 0);
    uint64_t h = map_entry_key(op, k, klen);
    unhold(op, s->t);
    slkv_remove(s->t, op->hash, op->scratch.data, (uint32_t)op->scratch.len, h);
}

typedef struct mapscan {
    procop *op;     /* borrowed */
    size_t n;       /* entries of the current key */
    bool others;    /* entries of other keys (hash collisions) seen */
    slbuf *collect; /* NULL, or where matching map keys are appended (u32 len, bytes) */
} mapscan;

static bool map_scan_fn(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                        void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    mapscan *m = user;
    uint32_t ulen = cur_klen(m->op);
    if (klen < 4 + ulen || rd32(key) != ulen ||
        (ulen && memcmp((const char *)key + 4, m->op->key.data, ulen) != 0)) {
        m->others = true;
        return true;
    }
    m->n++;
    if (m->collect) {
        char hdr[4];
        wr32(hdr, klen - 4 - ulen);
        slbuf_put(m->collect, hdr, 4);
        if (klen > 4 + ulen) {
            slbuf_put(m->collect, (const char *)key + 4 + ulen, klen - 4 - ulen);
        }
    }
    return true;
}

size_t sl_state_map_count(sl_ctx *c, const char *name) {
    procop *op = c->op;
    pstate *s = state_get(op, name, SL_STATE_MAP, 0);
    mapscan m = {op, 0, false, NULL};
    slkv_visit_ns(s->t, op->hash, map_scan_fn, &m);
    return m.n;
}

static void map_clear(procop *op, pstate *s) {
    slbuf keys = {0};
    mapscan m = {op, 0, false, &keys};
    slkv_visit_ns(s->t, op->hash, map_scan_fn, &m);
    if (!m.others) {
        slkv_drop_ns(s->t, op->hash);
    } else {
        for (size_t off = 0; off < keys.len;) {
            uint32_t n = rd32(keys.data + off);
            uint64_t h = map_entry_key(op, keys.data + off + 4, n);
            slkv_remove(s->t, op->hash, op->scratch.data, (uint32_t)op->scratch.len, h);
            off += 4 + n;
        }
    }
    slbuf_free(&keys);
}

void sl_state_clear(sl_ctx *c, const char *name) {
    procop *op = c->op;
    for (size_t i = 0; i < op->n_states; i++) {
        pstate *s = &op->states[i];
        if (strcmp(s->name, name) != 0) {
            continue;
        }
        unhold(op, s->t);
        if (op->lc_state == s) {
            op->lc_state = NULL;
        }
        if (s->kind == SL_STATE_MAP) {
            map_clear(op, s);
        } else {
            slkv_remove(s->t, 0, cur_key(op), cur_klen(op), op->hash);
        }
    }
}

/* ---- timers and context ---- */

void sl_timer_event(sl_ctx *c, int64_t ts) {
    procop *op = c->op;
    sltimers_set(op->timers, SLTIMER_EVENT, ts, 0, cur_key(op), cur_klen(op), op->hash);
}

void sl_timer_processing(sl_ctx *c, int64_t ts) {
    procop *op = c->op;
    sltimers_set(op->timers, SLTIMER_PROCESSING, ts, 0, cur_key(op), cur_klen(op), op->hash);
}

int64_t sl_ctx_watermark(const sl_ctx *c) {
    return SL_MAX(c->op->wm, c->op->base.ctx->watermark);
}

int64_t sl_ctx_now(const sl_ctx *c) {
    return slclock_now(c->op->base.ctx->clock);
}

const sl_row *sl_ctx_key(const sl_ctx *c) {
    procop *op = c->op;
    const slprocess_arg *a = op->arg;
    if (!op->key_row_valid) {
        if (!op->key_batch) {
            sl_schema_new(&op->key_schema);
            for (int i = 0; i < a->key.n; i++) {
                int col = a->key.cols[i];
                sl_schema_add(op->key_schema, sl_schema_name(a->in_schema, col),
                              sl_schema_type(a->in_schema, col));
            }
            op->key_batch = slbatch_new(op->key_schema, 1);
        }
        slbatch_clear(op->key_batch);
        uint32_t row = slbatch_begin_row(op->key_batch);
        slkey_decode(&a->key, a->in_schema, cur_key(op), op->key.len, op->key_batch, 0, row);
        op->key_batch->n = row + 1;
        op->key_row = (sl_row){op->key_batch, row};
        op->key_row_valid = true;
    }
    return &op->key_row;
}

/* ---- the operator ---- */

static slbatch *out_flush(slbatch *full, void *user) {
    procop *op = user;
    slop_emit(op->base.ctx, 0, full);
    return slbatch_new(op->arg->out_schema, op->base.ctx->batch_rows);
}

static sl_err p_open(slop *o, slopctx *c) {
    procop *op = (procop *)o;
    op->timers = sltimers_new();
    op->timer_tab = slstate_table(c->state, "process.timers", SLTIMERS_STATE_VAL);
    op->wm = SL_TIME_MIN;
    slout_init(&op->out, slbatch_new(op->arg->out_schema, c->batch_rows), out_flush, op);
    return SL_OK;
}

/* Incremental TTL cleanup: examine up to `budget` entries per state table. */
static void cleanup(procop *op, int64_t now_us, uint64_t budget) {
    slopctx *c = op->base.ctx;
    if (c->state_ttl_us <= 0) {
        return;
    }
    uint64_t removed = 0;
    for (size_t i = 0; i < op->n_states; i++) {
        removed += slkv_expire(op->states[i].t, now_us, budget);
    }
    if (removed) {
        slmetric_add(&c->metrics->rows_expired, removed);
    }
}

static void p_batch_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    procop *op = (procop *)o;
    slopctx *c = o->ctx;
    const slprocess_arg *a = op->arg;
    slmetric_add(&c->metrics->rows_in, b->n);
    if (a->fns.on_row) {
        for (uint32_t i = 0; i < b->n; i++) {
            op->hash = slkey_encode(&a->key, b, i, &op->key);
            op->key_row_valid = false;
            op->lc_state = NULL;
            sl_row r = {b, i};
            op->out.default_ts = b->ts[i];
            a->fns.on_row(&op->ctx, &r, &op->out, a->user);
            end_callback(op);
        }
    }
    cleanup(op, slclock_now(c->clock), 2 * (uint64_t)b->n + 16);
    slout_flush(&op->out);
    slbatch_free(b);
}

static void fire(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                 uint32_t klen, uint64_t hash) {
    SL_UNUSED(ns);
    procop *op = user;
    const slprocess_arg *a = op->arg;
    if (!a->fns.on_timer) {
        return;
    }
    set_key(op, key, klen, hash);
    op->out.default_ts = ts;
    a->fns.on_timer(&op->ctx, ts, d == SLTIMER_EVENT, &op->out, a->user);
    end_callback(op);
}

static int64_t p_watermark(slop *o, int64_t wm) {
    procop *op = (procop *)o;
    op->wm = SL_MAX(op->wm, wm);
    sltimers_pop_due(op->timers, SLTIMER_EVENT, op->wm, fire, op);
    slout_flush(&op->out);
    return wm;
}

static int64_t p_tick(slop *o, int64_t now_us) {
    procop *op = (procop *)o;
    slopctx *c = o->ctx;
    sltimers_pop_due(op->timers, SLTIMER_PROCESSING, now_us, fire, op);
    slout_flush(&op->out);
    int64_t next = sltimers_next(op->timers, SLTIMER_PROCESSING);
    if (c->state_ttl_us > 0) {
        bool any = false;
        for (size_t i = 0; i < op->n_states && !any; i++) {
            any = slkv_count(op->states[i].t) > 0;
        }
        if (any) {
            cleanup(op, now_us, 1024);
            /* Come back for more cleanup a few times per TTL period. */
            int64_t step = SL_MAX(c->state_ttl_us / 4, SL_MILLISECOND);
            if (now_us < SL_TIME_MAX - step) {
                next = SL_MIN(next, now_us + step);
            }
        }
    }
    return next;
}

static void p_end(slop *o) {
    procop *op = (procop *)o;
    slout_flush(&op->out);
}

static void p_free(slop *o) {
    procop *op = (procop *)o;
    if (!op) {
        return;
    }
    sltimers_free(op->timers);
    slbatch_free(op->out.b);
    slbuf_free(&op->key);
    slbuf_free(&op->scratch);
    for (size_t i = 0; i < op->n_states; i++) {
        slmem_free(op->states[i].name);
    }
    slmem_free(op->states);
    slmem_free(op->held);
    slbatch_free(op->key_batch);
    slschema_unref(op->key_schema);
    slmem_free(op);
}

#define PROC_TAG SLOPSTATE_TAG('P', 'R', 'C', 1)

static sl_err p_snapshot(slop *o, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    procop *op = (procop *)o;
    sltimers_save(op->timers, op->timer_tab);
    uint32_t tag = PROC_TAG, n = (uint32_t)op->n_states;
    slbuf_put(opstate, &tag, 4);
    slbuf_put(opstate, &n, 4);
    slbuf_put(opstate, &op->wm, 8);
    for (size_t i = 0; i < op->n_states; i++) {
        const pstate *ps = &op->states[i];
        uint8_t kind = (uint8_t)ps->kind;
        uint32_t len = (uint32_t)strlen(ps->name);
        slbuf_put(opstate, &kind, 1);
        slbuf_put(opstate, &ps->size, 4);
        slbuf_put(opstate, &len, 4);
        slbuf_put(opstate, ps->name, len);
    }
    return SL_OK;
}

static sl_err p_restore(slop *o, const slbuf *opstate, int n) {
    procop *op = (procop *)o;
    int64_t wm = SL_TIME_MAX;
    bool any = false;
    char *name = NULL;
    for (int j = 0; j < n; j++) {
        const char *p = opstate[j].data, *end = p + opstate[j].len;
        if (p == end) {
            continue;
        }
        uint32_t tag, ns;
        if (end - p < 16 || (memcpy(&tag, p, 4), tag != PROC_TAG)) {
            goto bad;
        }
        memcpy(&ns, p + 4, 4);
        int64_t w;
        memcpy(&w, p + 8, 8);
        wm = SL_MIN(wm, w);
        any = true;
        p += 16;
        for (uint32_t i = 0; i < ns; i++) {
            uint8_t kind;
            uint32_t size, len;
            if (end - p < 9) {
                goto bad;
            }
            memcpy(&kind, p, 1);
            memcpy(&size, p + 1, 4);
            memcpy(&len, p + 5, 4);
            p += 9;
            if ((size_t)(end - p) < len || kind < SL_STATE_VALUE || kind > SL_STATE_AGGREGATING) {
                goto bad;
            }
            name = slmem_alloc((size_t)len + 1);
            memcpy(name, p, len);
            name[len] = 0;
            p += len;
            state_get(op, name, (sl_state_kind)kind, size);
            slmem_free(name);
            name = NULL;
        }
    }
    if (any) {
        op->wm = wm;
    }
    sltimers_free(op->timers);
    op->timers = sltimers_new();
    sltimers_load(op->timers, op->timer_tab);
    return SL_OK;
bad:
    return slerr_set(SL_ERR_STATE, "process function: the checkpoint's operator state does not "
                                   "belong to this operator");
}

static const slop_vt process_vt = {
    .name = "process",
    .open = p_open,
    .batch_take = p_batch_take,
    .watermark = p_watermark,
    .tick = p_tick,
    .end = p_end,
    .free = p_free,
    .snapshot = p_snapshot,
    .restore = p_restore,
};

slop *slprocess_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    procop *op = slmem_calloc(1, sizeof *op);
    op->base.vt = &process_vt;
    op->arg = arg;
    op->ctx.op = op;
    return &op->base;
}

slprocess_arg *slprocess_arg_new(const sl_schema *in_schema, const sl_schema *out_schema,
                                 const slkeyspec *key, const sl_process_fns *fns, void *user) {
    slprocess_arg *a = slmem_calloc(1, sizeof *a);
    a->in_schema = slschema_ref(in_schema);
    a->out_schema = slschema_ref(out_schema);
    a->key = *key;
    a->fns = *fns;
    a->user = user;
    return a;
}

void slprocess_arg_free(void *arg) {
    slprocess_arg *a = arg;
    if (!a) {
        return;
    }
    slschema_unref(a->in_schema);
    slschema_unref(a->out_schema);
    slmem_free(a);
}
