/*
 * group.c - non-windowed GROUP BY aggregation (contract: group.h), Flink
 * SQL's GroupAggregate without mini-batch: one accumulator per group, a
 * changelog row pair per input row that changes a result.
 *
 * State tables of one operator subtask (all through state.h, so checkpoints
 * cover them):
 *   group.acc       fixed  (0, group key) -> aggregate record (agg.h)
 *   group.str       var    STRING values of MIN/MAX/FIRST/LAST (agg.h)
 *   group.distinct  var    COUNT DISTINCT value sets (agg.h): per value a
 *                          multiplicity per aggregate over an updating input,
 *                          a member bitmap over an append-only one
 * The variable-size parts of a group live in namespace = the group key's hash,
 * so removing one group (its count fell to 0) visits only its own entries,
 * not every group's.
 *
 * Mini-batch (group.h): slot_touch records, the first time a batch touches a
 * group, whether it had a result and that result; the rows are folded
 * without emitting; flush_slots then compares each touched group's result
 * with the recorded one. The recorded results live in a scratch batch (row =
 * slot), the touched keys in a per-batch index, both reset per batch.
 *
 * Per input row: the result before the row (previous result) is computed
 * from the record into the next row of the output batch, the row is added
 * (+I, +U) or retracted (-U, -D), the new result goes to the row after; the
 * two are compared value by value (NULL flags included, DOUBLE bitwise) and
 * an unchanged result emits nothing (both rows are dropped again). The previous result is therefore never
 * stored: it is always the accumulator's result, which is what was last
 * emitted. A retraction for a group without state (never seen, or expired)
 * is ignored, as Flink does.
 *
 * State TTL (ctx->state_ttl_us > 0): every table gets the backend's TTL,
 * refreshed by reads and writes. A group's record is written by each of its
 * rows and its STRING values are read by each result, so they expire
 * together; an expired group starts over with +I. COUNT DISTINCT values
 * expire one by one as in Flink (each MapState entry has its own TTL): a
 * value not seen for the TTL is forgotten although its group lives on. The
 * DISTINCT aggregates over one column share a value's entry (agg.h), so a
 * row any of them takes keeps the value alive for all, as in Flink's one
 * distinct MapState per column.
 * Expired entries are removed incrementally after each batch and on ticks,
 * and counted in metrics->rows_expired.
 *
 * Thread: the operator runs on the worker that owns its subtask; the
 * slgroup_arg_* functions run on the job builder's thread.
 */
#include "ops/agg.h"
#include "ops/group.h"
#include "ops/opstate.h"

/* ---- argument ---- */

/* Refuse aggregates that cannot take back a row when the input has -U/-D. */
static sl_err check_retractable(const slaggs *g, const sl_agg *aggs) {
    for (int i = 0; i < g->n; i++) {
        const slagg_col *a = &g->a[i];
        const char *col = aggs[i].column ? aggs[i].column : "*";
        if (slagg_can_retract(a->kind, a->udaf)) {
            continue;
        }
        if (a->kind == SL_AGG_UDAF) {
            return slerr_set(SL_ERR_UNSUPPORTED,
                             "UDAF %s(%s) over an updating input needs a retract function",
                             a->udaf->name ? a->udaf->name : "?", col);
        }
        char name[32];
        const char *lower = slagg_kind_name(a->kind);
        size_t n = 0;
        for (; lower[n] && n + 1 < sizeof name; n++) {
            char ch = lower[n];
            name[n] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
        }
        name[n] = '\0';
        return slerr_set(SL_ERR_UNSUPPORTED,
                         "%s(%s) over an updating input is not supported: it cannot "
                         "retract a row (the input has -U/-D rows)",
                         name, col);
    }
    return SL_OK;
}

sl_err slgroup_arg_new(const sl_schema *in, const slkeyspec *key, const sl_agg *aggs, int n,
                       bool updating_input, slgroup_arg **out) {
    return slgroup_arg_new_filtered(in, key, aggs, NULL, n, updating_input, out);
}

sl_err slgroup_arg_new_filtered(const sl_schema *in, const slkeyspec *key, const sl_agg *aggs,
                                const char *const *filters, int n, bool updating_input,
                                slgroup_arg **out) {
    *out = NULL;
    slaggs g;
    slgroup_arg *a = NULL;
    sl_err err = slaggs_init_filtered(&g, in, aggs, filters, n);
    if (err) {
        return slerr_prefix(err, "GROUP BY: ");
    }
    if (key->n < 0 || key->n > (int)SL_ARRAY_LEN(key->cols)) {
        err = slerr_set(SL_ERR_ARG, "GROUP BY: bad number of group columns %d", key->n);
        goto out;
    }
    for (int i = 0; i < key->n; i++) {
        if (key->cols[i] < 0 || key->cols[i] >= in->n) {
            err = slerr_set(SL_ERR_NOTFOUND, "GROUP BY: group column %d is not in the input",
                            key->cols[i]);
            goto out;
        }
    }
    if (updating_input && (err = check_retractable(&g, aggs))) {
        goto out;
    }
    a = slmem_calloc(1, sizeof(*a));
    a->in = slschema_ref(in);
    a->key = *key;
    a->updating_input = updating_input;
    a->n_aggs = n;
    a->aggs = slagg_list_copy(aggs, n);
    a->filters = slagg_filters_copy(filters, n);
    sl_schema *s;
    if ((err = sl_schema_new(&s))) {
        goto out;
    }
    a->out = s;
    for (int i = 0; i < key->n && !err; i++) {
        err = sl_schema_add(s, sl_schema_name(in, key->cols[i]),
                            sl_schema_type(in, key->cols[i]));
    }
    for (int i = 0; i < n && !err; i++) {
        err = sl_schema_add(s, a->aggs[i].as, g.a[i].out_type);
    }
    if (err) {
        slerr_prefix(err, "GROUP BY output: ");
    }
out:
    slaggs_free(&g);
    if (err) {
        slgroup_arg_free(a);
    } else {
        *out = a;
    }
    return err;
}

void slgroup_arg_free(void *arg) {
    slgroup_arg *a = arg;
    if (!a) {
        return;
    }
    slagg_list_free(a->aggs, a->n_aggs);
    slagg_filters_free(a->filters, a->n_aggs);
    if (a->in) {
        slschema_unref(a->in);
    }
    if (a->out) {
        slschema_unref(a->out);
    }
    slmem_free(a);
}

/* ---- the operator ---- */

/* A group touched by the batch being folded (mini-batch). */
typedef struct gslot {
    uint64_t hash;
    size_t koff;      /* its key: keys.data + koff, klen bytes */
    uint32_t klen;
    uint32_t row;     /* its last row in the batch */
    bool before;      /* it had a result before the batch (row `slot` of prev) */
} gslot;

typedef struct slgroup {
    slop base;
    const slgroup_arg *arg; /* borrowed: the graph owns it */
    slaggs aggs;
    slkv *acc;       /* borrowed (state): records */
    slaggs_store st; /* borrowed tables */
    int nkey;        /* output columns: [0, nkey) group columns, then aggregates */
    slbuf key;       /* the current row's encoded group key */
    slbatch *out;    /* owned: output being filled (results are computed into it) */
    uint64_t seq;    /* arrival number of the next row (FIRST/LAST ties) */
    /* Mini-batch: the groups the current batch touched, in first-touch order,
     * found through an open-addressing index (slot number + 1; 0 = empty). */
    gslot *slots;    /* owned */
    size_t cap_slots;
    uint32_t n_slots;
    uint32_t *index; /* owned: index_cap entries, a power of two */
    uint32_t index_cap;
    slbuf keys;      /* the touched groups' encoded keys */
    slbatch *prev;   /* owned: row s = slot s's result before the batch */
} slgroup;

/* The output batch, with room for two more rows. */
static slbatch *out_room2(slgroup *g) {
    if (g->out && g->out->n + 2 > g->out->cap) {
        slop_emit(g->base.ctx, 0, g->out);
        g->out = NULL;
    }
    if (!g->out) {
        g->out = slbatch_new(g->arg->out, SL_MAX(g->base.ctx->batch_rows, 2));
    }
    return g->out;
}

static void flush(slgroup *g) {
    if (g->out && g->out->n) {
        slop_emit(g->base.ctx, 0, g->out);
        g->out = NULL;
    } else if (g->out) {
        slbatch_clear(g->out); /* strings of dropped (unchanged) rows */
    }
}

/* A new row of the output batch (out_room2 made room) holding the results
 * of `rec`; its group columns, time and kind are set by finish_row once it
 * is known to be emitted. */
static uint32_t result_row(slgroup *g, const void *rec, const slagg_key *k) {
    slbatch *o = g->out;
    uint32_t r = slbatch_begin_row(o);
    slaggs_result(&g->aggs, rec, &g->st, k->hash, k, o, g->nkey, r);
    o->n++;
    return r;
}

/* Give output row r the group columns of row i of b, that row's event time
 * and `kind`. */
static void finish_row(slgroup *g, uint32_t r, const slbatch *b, uint32_t i, sl_rowkind kind) {
    slbatch *o = g->out;
    for (int j = 0; j < g->nkey; j++) {
        slbatch_copy_value(o, j, r, b, g->arg->key.cols[j], i);
    }
    o->ts[r] = b->ts[i];
    o->kind[r] = (uint8_t)kind;
}

/* Output rows r0 and r1 hold the same results (NULL flags and bytes). */
static bool same_results(const slgroup *g, uint32_t r0, uint32_t r1) {
    const slbatch *s = g->out;
    for (int c = g->nkey; c < g->nkey + g->aggs.n; c++) {
        const slcol *col = &s->cols[c];
        if (col->nulls[r0] != col->nulls[r1]) {
            return false;
        }
        if (col->nulls[r0]) {
            continue;
        }
        switch (col->type) {
        case SL_STRING:
            if (col->v.s[r0].len != col->v.s[r1].len ||
                memcmp(col->v.s[r0].ptr, col->v.s[r1].ptr, col->v.s[r0].len) != 0) {
                return false;
            }
            break;
        case SL_BOOLEAN:
            if ((col->v.b[r0] != 0) != (col->v.b[r1] != 0)) {
                return false;
            }
            break;
        case SL_DOUBLE:
            if (memcmp(&col->v.f64[r0], &col->v.f64[r1], sizeof(double)) != 0) {
                return false;
            }
            break;
        default:
            if (col->v.i64[r0] != col->v.i64[r1]) {
                return false;
            }
            break;
        }
    }
    return true;
}

/* The result rows r0 (before) and r1 (after) of row i of b: emitted as
 * -U/+U when they differ, dropped otherwise (the last two rows of out). */
static void finish_update(slgroup *g, uint32_t r0, uint32_t r1, const slbatch *b, uint32_t i) {
    if (same_results(g, r0, r1)) {
        g->out->n -= 2;
        return;
    }
    finish_row(g, r0, b, i, SL_UPDATE_BEFORE);
    finish_row(g, r1, b, i, SL_UPDATE_AFTER);
}

/* Fold row i of b into its group and emit what changed. Results are
 * computed straight into the output batch. */
static void group_row(slgroup *g, const slbatch *b, uint32_t i) {
    slagg_key k;
    k.hash = slkey_encode(&g->arg->key, b, i, &g->key);
    k.key = g->key.data ? g->key.data : "";
    k.klen = (uint32_t)g->key.len;
    uint64_t ns = k.hash;
    bool retract = b->kind[i] == SL_UPDATE_BEFORE || b->kind[i] == SL_DELETE;
    out_room2(g);
    if (retract) {
        uint32_t vlen = 0;
        void *rec = slkv_get(g->acc, 0, k.key, k.klen, k.hash, &vlen);
        if (!rec || slaggs_rec_rows(rec) <= 0) {
            if (rec) {
                slkv_release(g->acc, rec, false);
            }
            return; /* nothing to retract from: ignored, as Flink does */
        }
        uint32_t r0 = result_row(g, rec, &k);
        slaggs_retract(&g->aggs, rec, &g->st, ns, &k, b, i);
        g->seq++;
        if (slaggs_rec_rows(rec) <= 0) {
            slkv_release(g->acc, rec, false);
            slkv_remove(g->acc, 0, k.key, k.klen, k.hash);
            slaggs_clear_key(&g->aggs, &g->st, ns, &k);
            finish_row(g, r0, b, i, SL_DELETE);
            return;
        }
        uint32_t r1 = result_row(g, rec, &k);
        slkv_release(g->acc, rec, true);
        finish_update(g, r0, r1, b, i);
        return;
    }
    bool created = false;
    void *rec = slkv_upsert(g->acc, 0, k.key, k.klen, k.hash, &created);
    if (created) {
        slaggs_rec_init(&g->aggs, rec, k.hash);
        slaggs_add(&g->aggs, rec, &g->st, ns, &k, b, i, g->seq++);
        uint32_t r = result_row(g, rec, &k);
        slkv_release(g->acc, rec, true);
        finish_row(g, r, b, i, SL_INSERT);
        return;
    }
    uint32_t r0 = result_row(g, rec, &k);
    slaggs_add(&g->aggs, rec, &g->st, ns, &k, b, i, g->seq++);
    uint32_t r1 = result_row(g, rec, &k);
    slkv_release(g->acc, rec, true);
    finish_update(g, r0, r1, b, i);
}

/* ---- mini-batch ---- */

/* The slot of the group of key k (hash k->hash), or -1 when the batch has not
 * touched it yet. */
static int64_t slot_find(const slgroup *g, const slagg_key *k) {
    uint32_t mask = g->index_cap - 1;
    for (uint32_t at = (uint32_t)k->hash & mask;; at = (at + 1) & mask) {
        uint32_t v = g->index[at];
        if (v == 0) {
            return -1;
        }
        const gslot *s = &g->slots[v - 1];
        if (s->hash == k->hash && s->klen == k->klen &&
            memcmp(g->keys.data + s->koff, k->key, k->klen) == 0) {
            return v - 1;
        }
    }
}

/* Touch the group of key k: a new slot records whether it had a result and
 * that result (row `slot` of g->prev). Returns the slot. */
static uint32_t slot_touch(slgroup *g, const slagg_key *k) {
    int64_t found = slot_find(g, k);
    if (found >= 0) {
        return (uint32_t)found;
    }
    uint32_t n = g->n_slots++;
    slmem_grow((void **)&g->slots, &g->cap_slots, n + 1, sizeof *g->slots);
    gslot *s = &g->slots[n];
    s->hash = k->hash;
    s->koff = g->keys.len;
    s->klen = k->klen;
    slbuf_put(&g->keys, k->key, k->klen);
    uint32_t mask = g->index_cap - 1;
    uint32_t at = (uint32_t)k->hash & mask;
    while (g->index[at]) {
        at = (at + 1) & mask;
    }
    g->index[at] = n + 1;
    uint32_t vlen = 0;
    void *rec = slkv_get(g->acc, 0, k->key, k->klen, k->hash, &vlen);
    s->before = rec && slaggs_rec_rows(rec) > 0;
    if (s->before) {
        slaggs_result(&g->aggs, rec, &g->st, k->hash, k, g->prev, g->nkey, n);
    }
    if (rec) {
        slkv_release(g->acc, rec, false);
    }
    return n;
}

/* Fold row i of b into its group (mini-batch: nothing is emitted here). */
static void fold_row(slgroup *g, const slbatch *b, uint32_t i, bool same_key, slagg_key *k) {
    if (!same_key) {
        k->hash = slkey_encode(&g->arg->key, b, i, &g->key);
        k->key = g->key.data ? g->key.data : "";
        k->klen = (uint32_t)g->key.len;
    }
    uint64_t ns = k->hash;
    bool retract = b->kind[i] == SL_UPDATE_BEFORE || b->kind[i] == SL_DELETE;
    uint32_t slot = slot_touch(g, k); /* may move g->slots */
    g->slots[slot].row = i;
    if (retract) {
        uint32_t vlen = 0;
        void *rec = slkv_get(g->acc, 0, k->key, k->klen, k->hash, &vlen);
        if (!rec || slaggs_rec_rows(rec) <= 0) {
            if (rec) {
                slkv_release(g->acc, rec, false);
            }
            return; /* nothing to retract from: ignored, as Flink does */
        }
        slaggs_retract(&g->aggs, rec, &g->st, ns, k, b, i);
        g->seq++;
        if (slaggs_rec_rows(rec) <= 0) {
            slkv_release(g->acc, rec, false);
            slkv_remove(g->acc, 0, k->key, k->klen, k->hash);
            slaggs_clear_key(&g->aggs, &g->st, ns, k);
        } else {
            slkv_release(g->acc, rec, true);
        }
        return;
    }
    bool created = false;
    void *rec = slkv_upsert(g->acc, 0, k->key, k->klen, k->hash, &created);
    if (created) {
        slaggs_rec_init(&g->aggs, rec, k->hash);
    }
    slaggs_add(&g->aggs, rec, &g->st, ns, k, b, i, g->seq++);
    slkv_release(g->acc, rec, true);
}

/* Append to the output batch a row holding slot n's result before the
 * batch (out_room2 made room); returns it. */
static uint32_t prev_row(slgroup *g, uint32_t n) {
    slbatch *o = g->out;
    uint32_t r = slbatch_begin_row(o);
    for (int j = g->nkey; j < g->nkey + g->aggs.n; j++) {
        slbatch_copy_value(o, j, r, g->prev, j, n);
    }
    o->n++;
    return r;
}

/* Emit what changed for every group the batch touched, and forget them. */
static void flush_slots(slgroup *g, const slbatch *b) {
    for (uint32_t n = 0; n < g->n_slots; n++) {
        const gslot *s = &g->slots[n];
        slagg_key k = {.key = g->keys.data + s->koff, .klen = s->klen, .hash = s->hash};
        uint32_t vlen = 0;
        void *rec = slkv_get(g->acc, 0, k.key, k.klen, k.hash, &vlen);
        bool after = rec && slaggs_rec_rows(rec) > 0;
        out_room2(g);
        if (s->before) {
            uint32_t r0 = prev_row(g, n);
            if (after) {
                uint32_t r1 = result_row(g, rec, &k);
                finish_update(g, r0, r1, b, s->row);
            } else {
                finish_row(g, r0, b, s->row, SL_DELETE);
            }
        } else if (after) {
            finish_row(g, result_row(g, rec, &k), b, s->row, SL_INSERT);
        }
        if (rec) {
            slkv_release(g->acc, rec, false);
        }
    }
    memset(g->index, 0, g->index_cap * sizeof *g->index);
    g->n_slots = 0;
    slbuf_reset(&g->keys);
    slbatch_clear(g->prev);
}

/* Fold the batch per group, then emit once per group. */
static void take_mini_batch(slgroup *g, const slbatch *b) {
    uint32_t want = 16;
    while (want < 2 * b->n) {
        want *= 2;
    }
    if (g->index_cap < want) {
        slmem_free(g->index);
        g->index = slmem_calloc(want, sizeof *g->index);
        g->index_cap = want;
    }
    if (!g->prev || g->prev->cap < b->n) {
        slbatch_free(g->prev);
        g->prev = slbatch_new(g->arg->out, b->n);
    }
    slagg_key k = {0};
    for (uint32_t i = 0; i < b->n; i++) {
        fold_row(g, b, i, i > 0 && slkey_same(&g->arg->key, b, i, i - 1), &k);
    }
    flush_slots(g, b);
}

/* Incremental TTL cleanup: examine up to `budget` entries per table. */
static void cleanup(slgroup *g, int64_t now_us, uint64_t budget) {
    slopctx *c = g->base.ctx;
    if (c->state_ttl_us <= 0) {
        return;
    }
    uint64_t removed = slkv_expire(g->acc, now_us, budget);
    removed += slkv_expire(g->st.str, now_us, budget);
    removed += slkv_expire(g->st.distinct, now_us, budget);
    if (removed) {
        slmetric_add(&c->metrics->rows_expired, removed);
    }
}

static sl_err g_open(slop *op, slopctx *c) {
    slgroup *g = (slgroup *)op;
    slstate *s = c->state;
    if (!s) {
        return slerr_set(SL_ERR_STATE, "group aggregation: no keyed state (the node must be "
                                       "keyed, also without group columns)");
    }
    g->acc = slstate_table(s, "group.acc", g->aggs.rec_size);
    g->st.str = slstate_table(s, "group.str", 0);
    g->st.distinct = slstate_table(s, "group.distinct", 0);
    if (c->state_ttl_us > 0) {
        slkv *tables[] = {g->acc, g->st.str, g->st.distinct};
        for (size_t i = 0; i < SL_ARRAY_LEN(tables); i++) {
            slkv_set_ttl(tables[i], c->state_ttl_us, c->clock);
            tables[i]->ttl_on_read = true;
        }
    }
    return SL_OK;
}

static void g_batch_take(slop *op, int input, slbatch *b) {
    SL_UNUSED(input);
    slgroup *g = (slgroup *)op;
    slopctx *c = op->ctx;
    slmetric_add(&c->metrics->rows_in, b->n);
    if (g->arg->mini_batch) {
        take_mini_batch(g, b);
    } else {
        for (uint32_t i = 0; i < b->n; i++) {
            group_row(g, b, i);
        }
    }
    if (c->state_ttl_us > 0) {
        cleanup(g, slclock_now(c->clock), 2 * (uint64_t)b->n + 16);
    }
    flush(g);
    slbatch_free(b);
}

static int64_t g_watermark(slop *op, int64_t wm) {
    flush((slgroup *)op);
    return wm;
}

static int64_t g_tick(slop *op, int64_t now_us) {
    slgroup *g = (slgroup *)op;
    slopctx *c = op->ctx;
    if (c->state_ttl_us <= 0) {
        return SL_TIME_MAX;
    }
    cleanup(g, now_us, 1024);
    /* Come back a few times per TTL period. */
    int64_t step = SL_MAX(c->state_ttl_us / 4, SL_MILLISECOND);
    return now_us < SL_TIME_MAX - step ? now_us + step : SL_TIME_MAX;
}

static void g_end(slop *op) {
    flush((slgroup *)op);
}

static void g_free(slop *op) {
    slgroup *g = (slgroup *)op;
    if (!g) {
        return;
    }
    slaggs_free(&g->aggs);
    slbuf_free(&g->key);
    slbatch_free(g->out);
    slbatch_free(g->prev);
    slmem_free(g->slots);
    slmem_free(g->index);
    slbuf_free(&g->keys);
    slmem_free(g);
}

/* Checkpoints (opstate.h): the groups are in state; the blob holds the
 * arrival counter (blobs merge to the largest, so FIRST/LAST ties keep their
 * order for every key). */
#define GROUP_TAG SLOPSTATE_TAG('G', 'R', 'P', 1)

static sl_err g_snapshot(slop *op, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    int64_t v = (int64_t)((slgroup *)op)->seq;
    slopstate_put(opstate, GROUP_TAG, &v, 1);
    return SL_OK;
}

static sl_err g_restore(slop *op, const slbuf *opstate, int n) {
    slgroup *g = (slgroup *)op;
    sl_err err = SL_OK;
    for (int j = 0; j < n; j++) {
        int64_t v;
        if (slopstate_get(&opstate[j], GROUP_TAG, &v, 1, "group aggregation", &err)) {
            g->seq = SL_MAX(g->seq, (uint64_t)v);
        } else if (err) {
            return err;
        }
    }
    return SL_OK;
}

static const slop_vt group_vt = {
    .name = "group",
    .open = g_open,
    .batch_take = g_batch_take,
    .watermark = g_watermark,
    .tick = g_tick,
    .end = g_end,
    .free = g_free,
    .snapshot = g_snapshot,
    .restore = g_restore,
};

slop *slgroup_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    const slgroup_arg *a = arg;
    slgroup *g = slmem_calloc(1, sizeof(*g));
    g->base.vt = &group_vt;
    g->arg = a;
    if (slaggs_init_filtered(&g->aggs, a->in, a->aggs, (const char *const *)a->filters,
                             a->n_aggs) != SL_OK) {
        /* slgroup_arg_new checked the same aggregates. */
        slmem_fatal("group aggregates", 0);
    }
    if (!a->updating_input) {
        slaggs_distinct_bits(&g->aggs); /* no retractions: member bitmaps */
    }
    g->nkey = a->key.n;
    return &g->base;
}
