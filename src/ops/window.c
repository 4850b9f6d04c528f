/*
 * window.c - the window operator's shell: spec constructors (public),
 * argument checking and output schema, the operator life cycle (slop_vt), and
 * the output helpers every assigner uses (emit with accumulation modes, late
 * rows, counters). The assigners live in window_slice.c, window_session.c and
 * window_count.c.
 *
 * Thread: the operator runs on the worker that owns its subtask; the
 * constructors and slwindow_arg_* run on the job builder's thread.
 */
#include <inttypes.h>

#include "ops/opstate.h"
#include "ops/window_int.h"

/* ---- public spec constructors ---- */

static sl_window_spec spec_defaults(sl_window_kind kind) {
    sl_window_spec s;
    memset(&s, 0, sizeof(s));
    s.kind = kind;
    s.late_every_rows = 1;
    s.mode = SL_ACCUMULATING;
    return s;
}

sl_window_spec sl_window_tumble(int64_t size) {
    sl_window_spec s = spec_defaults(SL_WINDOW_TUMBLE);
    s.size = size;
    s.slide = size;
    return s;
}

sl_window_spec sl_window_hop(int64_t size, int64_t slide) {
    sl_window_spec s = spec_defaults(SL_WINDOW_HOP);
    s.size = size;
    s.slide = slide;
    return s;
}

sl_window_spec sl_window_cumulate(int64_t max_size, int64_t step) {
    sl_window_spec s = spec_defaults(SL_WINDOW_CUMULATE);
    s.size = max_size;
    s.slide = step;
    return s;
}

sl_window_spec sl_window_session(int64_t gap) {
    sl_window_spec s = spec_defaults(SL_WINDOW_SESSION);
    s.gap = gap;
    return s;
}

sl_window_spec sl_window_count(int64_t size_rows, int64_t slide_rows) {
    sl_window_spec s = spec_defaults(SL_WINDOW_COUNT);
    s.size = size_rows;
    s.slide = slide_rows;
    s.purge_on_fire = true;
    return s;
}

sl_window_spec sl_window_global(int64_t every_rows) {
    sl_window_spec s = spec_defaults(SL_WINDOW_GLOBAL);
    s.global_every_rows = every_rows;
    return s;
}

/* ---- argument ---- */

static sl_err check_spec(const sl_window_spec *s, const slaggs *g) {
    const char *what = "";
    bool merges = false;
    switch (s->kind) {
    case SL_WINDOW_TUMBLE:
        if (s->size <= 0) {
            return slerr_set(SL_ERR_ARG, "TUMBLE window: size must be > 0 (got %" PRId64 ")",
                             s->size);
        }
        break;
    case SL_WINDOW_HOP:
    case SL_WINDOW_CUMULATE:
        what = s->kind == SL_WINDOW_HOP ? "HOP window" : "CUMULATE window";
        if (s->size <= 0 || s->slide <= 0) {
            return slerr_set(SL_ERR_ARG, "%s: size and %s must be > 0", what,
                             s->kind == SL_WINDOW_HOP ? "slide" : "step");
        }
        if (s->slide > s->size) {
            return slerr_set(SL_ERR_ARG, "%s: %s (%" PRId64 " us) must not exceed size (%" PRId64
                             " us)", what, s->kind == SL_WINDOW_HOP ? "slide" : "step",
                             s->slide, s->size);
        }
        if (s->size % s->slide != 0) {
            return slerr_set(SL_ERR_UNSUPPORTED,
                             "%s: size (%" PRId64 " us) must be a whole multiple of the %s (%" PRId64
                             " us): windows are computed from shared slices",
                             what, s->size, s->kind == SL_WINDOW_HOP ? "slide" : "step", s->slide);
        }
        merges = s->size != s->slide;
        if (merges && s->mode == SL_DISCARDING) {
            return slerr_set(SL_ERR_UNSUPPORTED,
                             "%s: DISCARDING mode needs one state per window, but overlapping "
                             "windows share slices; use ACCUMULATING or RETRACTING",
                             what);
        }
        break;
    case SL_WINDOW_SESSION:
        if (s->gap <= 0) {
            return slerr_set(SL_ERR_ARG, "SESSION window: gap must be > 0 (got %" PRId64 ")",
                             s->gap);
        }
        merges = true;
        what = "SESSION window";
        break;
    case SL_WINDOW_COUNT:
        if (s->size <= 0 || s->slide <= 0) {
            return slerr_set(SL_ERR_ARG, "COUNT window: size and slide (rows) must be > 0");
        }
        merges = s->slide != s->size;
        what = "sliding COUNT window";
        break;
    case SL_WINDOW_GLOBAL:
        if (s->global_every_rows < 0 || (s->global_every_rows == 0 && s->early_every_ms <= 0)) {
            return slerr_set(SL_ERR_ARG, "GLOBAL window: it needs a trigger (fire every N rows "
                                         "and/or every N ms of processing time)");
        }
        break;
    default:
        return slerr_set(SL_ERR_ARG, "unknown window kind %d", (int)s->kind);
    }
    if (s->allowed_lateness < 0 || s->early_every_ms < 0 || s->early_every_rows < 0 ||
        s->late_every_rows < 0) {
        return slerr_set(SL_ERR_ARG, "window: lateness and firing intervals must be >= 0");
    }
    if (s->mode < SL_DISCARDING || s->mode > SL_RETRACTING) {
        return slerr_set(SL_ERR_ARG, "window: unknown accumulation mode %d", (int)s->mode);
    }
    if (merges && !g->mergeable) {
        for (int i = 0; i < g->n; i++) {
            if (g->a[i].kind == SL_AGG_UDAF && !g->a[i].udaf->merge) {
                return slerr_set(SL_ERR_ARG, "UDAF %s has no merge function, which a %s needs",
                                 g->a[i].udaf->name ? g->a[i].udaf->name : "?", what);
            }
        }
    }
    return SL_OK;
}

sl_err slwindow_arg_new(const sl_schema *in, const slkeyspec *key, const sl_window_spec *spec,
                        const sl_agg *aggs, int n, slwindow_arg **out) {
    return slwindow_arg_new_filtered(in, key, spec, aggs, NULL, n, out);
}

sl_err slwindow_arg_new_filtered(const sl_schema *in, const slkeyspec *key,
                                 const sl_window_spec *spec, const sl_agg *aggs,
                                 const char *const *filters, int n, slwindow_arg **out) {
    *out = NULL;
    slaggs g;
    slwindow_arg *a = NULL;
    sl_err err = slaggs_init_filtered(&g, in, aggs, filters, n);
    if (err) {
        return err;
    }
    if (key->n < 0 || key->n > (int)SL_ARRAY_LEN(key->cols)) {
        err = slerr_set(SL_ERR_ARG, "window: bad number of key columns %d", key->n);
        goto out;
    }
    for (int i = 0; i < key->n; i++) {
        if (key->cols[i] < 0 || key->cols[i] >= in->n) {
            err = slerr_set(SL_ERR_NOTFOUND, "window: key column %d is not in the input",
                            key->cols[i]);
            goto out;
        }
    }
    if ((err = check_spec(spec, &g))) {
        goto out;
    }
    a = slmem_calloc(1, sizeof(*a));
    a->in = slschema_ref(in);
    a->key = *key;
    a->spec = *spec;
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
    if (!err) {
        err = sl_schema_add(s, "window_start", SL_TIMESTAMP);
    }
    if (!err) {
        err = sl_schema_add(s, "window_end", SL_TIMESTAMP);
    }
    for (int i = 0; i < n && !err; i++) {
        err = sl_schema_add(s, a->aggs[i].as, g.a[i].out_type);
    }
    if (err) {
        slerr_prefix(err, "window output: ");
    }
out:
    slaggs_free(&g);
    if (err) {
        slwindow_arg_free(a);
    } else {
        *out = a;
    }
    return err;
}

void slwindow_arg_free(slwindow_arg *a) {
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

void slwindow_arg_free_v(void *a) {
    slwindow_arg_free(a);
}

/* ---- small sorted sets ---- */

static size_t set_lower(const slwin_set *s, int64_t x) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->v[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void slwin_set_add(slwin_set *s, int64_t x) {
    size_t i = set_lower(s, x);
    if (i < s->n && s->v[i] == x) {
        return;
    }
    slmem_grow((void **)&s->v, &s->cap, s->n + 1, sizeof(int64_t));
    memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(int64_t));
    s->v[i] = x;
    s->n++;
}

bool slwin_set_has(const slwin_set *s, int64_t x) {
    size_t i = set_lower(s, x);
    return i < s->n && s->v[i] == x;
}

void slwin_set_shift(slwin_set *s, size_t k) {
    if (k == 0) {
        return;
    }
    memmove(s->v, s->v + k, (s->n - k) * sizeof(int64_t));
    s->n -= k;
}

void slwin_set_free(slwin_set *s) {
    slmem_free(s->v);
    memset(s, 0, sizeof(*s));
}

/* ---- helpers for the assigners ---- */

int64_t slwin_add(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        return b > 0 ? SL_TIME_MAX : SL_TIME_MIN;
    }
    return r;
}

void slwin_key(slwin *w, const slbatch *b, uint32_t i, slagg_key *k) {
    const slkeyspec *ks = &w->arg->key;
    if (ks->n == 1) {
        const slcol *c = &b->cols[ks->cols[0]];
        if ((c->type == SL_BIGINT || c->type == SL_TIMESTAMP) && !c->nulls[i]) {
            /* The encoding of one BIGINT key is its 8 bytes (slkey_encode):
             * use them in place. */
            k->key = (const char *)&c->v.i64[i];
            k->klen = 8;
            k->hash = slhash_bytes(k->key, 8, 0);
            return;
        }
    }
    k->hash = slkey_encode(ks, b, i, &w->key);
    k->key = w->key.data ? w->key.data : "";
    k->klen = (uint32_t)w->key.len;
}

void slwin_keys(slwin *w, const slbatch *b) {
    uint32_t n = b->n;
    if (n > w->cap_rows) {
        slmem_free(w->keys);
        slmem_free(w->recs);
        slmem_free(w->created);
        w->keys = slmem_alloc(slmem_mul(n, sizeof *w->keys));
        w->recs = slmem_alloc(slmem_mul(n, sizeof *w->recs));
        w->created = slmem_alloc(n);
        w->cap_rows = n;
    }
    slkv_key *keys = w->keys;
    const slkeyspec *ks = &w->arg->key;
    if (ks->n == 1) {
        const slcol *c = &b->cols[ks->cols[0]];
        if (c->type == SL_BIGINT || c->type == SL_TIMESTAMP) {
            /* The encoding of one BIGINT key is its 8 bytes: use them in
             * place. NULL is the single byte 0x00 (slkey_encode). */
            static const char null_key = 0;
            const int64_t *v = c->v.i64;
            const uint8_t *nulls = c->nulls;
            uint64_t null_hash = slhash_bytes(&null_key, 1, 0);
            for (uint32_t i = 0; i < n; i++) {
                if (SL_LIKELY(!nulls[i])) {
                    keys[i].key = &v[i];
                    keys[i].klen = 8;
                    keys[i].hash = slhash_bytes(&v[i], 8, 0);
                } else {
                    keys[i].key = &null_key;
                    keys[i].klen = 1;
                    keys[i].hash = null_hash;
                }
            }
            return;
        }
    }
    /* Encode every key into keybytes; point at them once it stops moving. */
    slbuf_reset(&w->keybytes);
    for (uint32_t i = 0; i < n; i++) {
        keys[i].hash = slkey_encode(ks, b, i, &w->key);
        keys[i].klen = (uint32_t)w->key.len;
        slbuf_put(&w->keybytes, w->key.data ? w->key.data : "", w->key.len);
    }
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        keys[i].key = w->keybytes.data ? w->keybytes.data + at : "";
        at += keys[i].klen;
    }
}

static slbatch *take_full(slwin *w, int port) {
    slbatch **bp = port == 0 ? &w->out : &w->late;
    if (*bp && slbatch_full(*bp)) {
        slop_emit(w->base.ctx, port, *bp);
        *bp = NULL;
    }
    if (!*bp) {
        *bp = slbatch_new(port == 0 ? w->arg->out : w->arg->in, w->base.ctx->batch_rows);
    }
    return *bp;
}

void slwin_flush(slwin *w) {
    if (w->out && w->out->n) {
        slop_emit(w->base.ctx, 0, w->out);
        w->out = NULL;
    }
    if (w->late && w->late->n) {
        slop_emit(w->base.ctx, 1, w->late);
        w->late = NULL;
    }
}

void slwin_late_row(slwin *w, const slbatch *b, uint32_t i) {
    slbatch *l = take_full(w, 1);
    slbatch_append_row(l, b, i);
    slmetric_add(&w->base.ctx->metrics->rows_late, 1);
}

/* Serialized result row (win.prev values): int64 event time, then for each
 * column from nkey on,
 * a tag byte (0 NULL, 1 value) then 8 bytes (BIGINT, TIMESTAMP, DOUBLE,
 * BOOLEAN as int64) or u32 length + bytes (STRING). */
static void serialize(slwin *w, const slbatch *o, uint32_t row) {
    slbuf_reset(&w->ser);
    slbuf_put(&w->ser, &o->ts[row], 8);
    for (int c = w->nkey; c < o->schema->n; c++) {
        const slcol *col = &o->cols[c];
        if (col->nulls[row]) {
            slbuf_putc(&w->ser, 0);
            continue;
        }
        slbuf_putc(&w->ser, 1);
        switch (col->type) {
        case SL_STRING:
            slbuf_put(&w->ser, &col->v.s[row].len, 4);
            slbuf_put(&w->ser, col->v.s[row].ptr, col->v.s[row].len);
            break;
        case SL_DOUBLE:
            slbuf_put(&w->ser, &col->v.f64[row], 8);
            break;
        case SL_BOOLEAN: {
            int64_t v = col->v.b[row];
            slbuf_put(&w->ser, &v, 8);
            break;
        }
        default:
            slbuf_put(&w->ser, &col->v.i64[row], 8);
            break;
        }
    }
}

static void deserialize(slwin *w, const char *p, slbatch *o, uint32_t row) {
    p += 8;
    for (int c = w->nkey; c < o->schema->n; c++) {
        const slcol *col = &o->cols[c];
        if (*p++ == 0) {
            slbatch_set_null(o, c, row);
            continue;
        }
        switch (col->type) {
        case SL_STRING: {
            uint32_t len;
            memcpy(&len, p, 4);
            slbatch_set_str(o, c, row, p + 4, len);
            p += 4 + len;
            break;
        }
        case SL_DOUBLE: {
            double d;
            memcpy(&d, p, 8);
            slbatch_set_f64(o, c, row, d);
            p += 8;
            break;
        }
        case SL_BOOLEAN: {
            int64_t v;
            memcpy(&v, p, 8);
            slbatch_set_bool(o, c, row, v != 0);
            p += 8;
            break;
        }
        default: {
            int64_t v;
            memcpy(&v, p, 8);
            slbatch_set_i64(o, c, row, v);
            p += 8;
            break;
        }
        }
    }
}

/* Start an output row with the key columns of k; returns its index. */
static uint32_t begin_out(slwin *w, const slagg_key *k, int64_t ts, sl_rowkind kind) {
    slbatch *o = take_full(w, 0);
    uint32_t row = slbatch_begin_row(o);
    slkey_decode(&w->arg->key, w->arg->in, k->key, k->klen, o, 0, row);
    o->ts[row] = ts;
    o->kind[row] = (uint8_t)kind;
    return row;
}

/* A retraction carries the retracted row as it was emitted, event time too. */
static void emit_prev(slwin *w, const slagg_key *k, const char *prev) {
    int64_t ts;
    memcpy(&ts, prev, 8);
    uint32_t row = begin_out(w, k, ts, SL_UPDATE_BEFORE);
    deserialize(w, prev, w->out, row);
    w->out->n++;
}

void slwin_retract_prev(slwin *w, const slagg_key *k, uint64_t prev_ns) {
    if (w->spec->mode != SL_RETRACTING) {
        return;
    }
    uint32_t vlen = 0;
    const char *prev = slkv_get(w->prev, prev_ns, k->key, k->klen, k->hash, &vlen);
    if (!prev) {
        return;
    }
    emit_prev(w, k, prev);
    slkv_remove(w->prev, prev_ns, k->key, k->klen, k->hash);
}

void slwin_emit(slwin *w, const slagg_key *k, const void *rec, const slaggs_store *st,
                uint64_t ns, bool bounds, int64_t start, int64_t end, int64_t ts,
                uint64_t prev_ns) {
    if (slaggs_rec_rows(rec) <= 0) {
        return;
    }
    const char *prev = NULL;
    uint32_t vlen = 0;
    if (w->spec->mode == SL_RETRACTING) {
        prev = slkv_get(w->prev, prev_ns, k->key, k->klen, k->hash, &vlen);
        if (prev) {
            emit_prev(w, k, prev);
        }
    }
    uint32_t row = begin_out(w, k, ts, prev ? SL_UPDATE_AFTER : SL_INSERT);
    slbatch *o = w->out;
    if (bounds) {
        slbatch_set_i64(o, w->nkey, row, start);
        slbatch_set_i64(o, w->nkey + 1, row, end);
    }
    slaggs_result(&w->aggs, rec, st, ns, k, o, w->nkey + 2, row);
    o->n++;
    if (w->spec->mode == SL_RETRACTING) {
        serialize(w, o, row);
        slkv_put(w->prev, prev_ns, k->key, k->klen, k->hash, w->ser.data, (uint32_t)w->ser.len);
    }
}

bool slwin_count(slwin *w, slkv *t, uint64_t ns, const slagg_key *k, int64_t every) {
    SL_UNUSED(w);
    bool created = false;
    int64_t *p = slkv_upsert(t, ns, k->key, k->klen, k->hash, &created);
    int64_t n;
    if (created) {
        n = 0;
    } else {
        memcpy(&n, p, 8);
    }
    n++;
    memcpy(p, &n, 8);
    slkv_release(t, p, true);
    return every <= 1 || n % every == 0;
}

void slwin_forget_ns(slwin *w, uint64_t ns) {
    slkv_drop_ns(w->prev, ns);
    slkv_drop_ns(w->early_cnt, ns);
    slkv_drop_ns(w->late_cnt, ns);
}

void slwin_forget_key(slwin *w, uint64_t ns, const slagg_key *k) {
    slkv_remove(w->prev, ns, k->key, k->klen, k->hash);
    slkv_remove(w->early_cnt, ns, k->key, k->klen, k->hash);
    slkv_remove(w->late_cnt, ns, k->key, k->klen, k->hash);
}

/* ---- the operator ---- */

static sl_err w_open(slop *op, slopctx *c) {
    slwin *w = (slwin *)op;
    slstate *s = c->state;
    if (!s) {
        return slerr_set(SL_ERR_STATE, "window operator: no keyed state");
    }
    w->acc = slstate_table(s, "win.acc", w->aggs.rec_size);
    w->st.str = slstate_table(s, "win.str", 0);
    w->st.distinct = slstate_table(s, "win.distinct", 0);
    w->fire = slstate_table(s, "win.fire", w->aggs.rec_size);
    w->fst.str = slstate_table(s, "win.fire.str", 0);
    w->fst.distinct = slstate_table(s, "win.fire.distinct", 0);
    w->prev = slstate_table(s, "win.prev", 0);
    w->early_cnt = slstate_table(s, "win.early", 8);
    w->late_cnt = slstate_table(s, "win.late", 8);
    w->meta = slstate_table(s, "win.meta", 0);
    w->wm = SL_TIME_MIN;
    if (w->spec->early_every_ms > 0) {
        w->next_early_us = slwin_add(slclock_now(c->clock), w->spec->early_every_ms * 1000);
    } else {
        w->next_early_us = SL_TIME_MAX;
    }
    if (w->impl->open) {
        w->impl->open(w);
    }
    return SL_OK;
}

static void w_batch_take(slop *op, int input, slbatch *b) {
    SL_UNUSED(input);
    slwin *w = (slwin *)op;
    int64_t now = 0;
    if (w->spec->processing_time) {
        now = slclock_now(w->base.ctx->clock);
        if (w->impl->next_due && now >= w->impl->next_due(w)) {
            w->impl->advance(w, now);
        }
    }
    w->impl->rows(w, b, now);
    slbatch_free(b);
    slwin_flush(w);
}

static int64_t w_watermark(slop *op, int64_t wm) {
    slwin *w = (slwin *)op;
    if (!w->spec->processing_time) {
        w->impl->advance(w, wm);
    } else if (wm == SL_TIME_MAX) {
        /* End of input closes processing-time windows too, so a bounded job
         * emits every window it started. */
        w->impl->advance(w, SL_TIME_MAX);
    }
    slwin_flush(w);
    return wm;
}

static int64_t w_tick(slop *op, int64_t now_us) {
    slwin *w = (slwin *)op;
    if (w->spec->processing_time && w->impl->next_due && now_us >= w->impl->next_due(w)) {
        w->impl->advance(w, now_us);
    }
    if (w->spec->early_every_ms > 0 && now_us >= w->next_early_us) {
        if (w->impl->early) {
            w->impl->early(w);
        }
        w->next_early_us = slwin_add(now_us, w->spec->early_every_ms * 1000);
    }
    slwin_flush(w);
    int64_t next = w->next_early_us;
    if (w->spec->processing_time && w->impl->next_due) {
        next = SL_MIN(next, w->impl->next_due(w));
    }
    return next;
}

static void w_end(slop *op) {
    slwin_flush((slwin *)op);
}

static void w_free(slop *op) {
    slwin *w = (slwin *)op;
    if (!w) {
        return;
    }
    if (w->impl->free) {
        w->impl->free(w);
    }
    sltimers_free(w->timers);
    slaggs_free(&w->aggs);
    slbuf_free(&w->key);
    slbuf_free(&w->ser);
    slbuf_free(&w->tmp);
    slbuf_free(&w->keybytes);
    slmem_free(w->keys);
    slmem_free(w->recs);
    slmem_free(w->created);
    slbatch_free(w->out);
    slbatch_free(w->late);
    slmem_free(w->rec);
    slwin_set_free(&w->pending);
    slwin_set_free(&w->fired);
    slwin_set_free(&w->slices);
    slmem_free(w);
}

/* Operator state: the watermark, the arrival counter, the session id
 * counter and the next processing-time early firing (a deadline that passed
 * while the job was down fires at the first tick). Everything else is keyed (c->state) or rebuilt from it by the
 * assigner's restore. */
#define WIN_TAG SLOPSTATE_TAG('W', 'I', 'N', 1)

static sl_err w_snapshot(slop *op, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    slwin *w = (slwin *)op;
    if (w->impl->snapshot) {
        w->impl->snapshot(w);
    }
    int64_t v[4] = {w->wm, (int64_t)w->seq, (int64_t)w->next_id, w->next_early_us};
    slopstate_put(opstate, WIN_TAG, v, 4);
    return SL_OK;
}

/* Blobs merge (rescaled restore): the smallest watermark (a window that has
 * not fired everywhere is not taken as fired), the largest counters (arrival
 * numbers keep increasing for every key, session ids stay unique), the
 * earliest early-firing deadline. */
static sl_err w_restore(slop *op, const slbuf *opstate, int n) {
    slwin *w = (slwin *)op;
    sl_err err = SL_OK;
    bool any = false;
    int64_t wm = SL_TIME_MAX, seq = 0, next_id = 1, next_early = SL_TIME_MAX;
    for (int j = 0; j < n; j++) {
        int64_t v[4];
        if (slopstate_get(&opstate[j], WIN_TAG, v, 4, "window operator", &err)) {
            any = true;
            wm = SL_MIN(wm, v[0]);
            seq = SL_MAX(seq, v[1]);
            next_id = SL_MAX(next_id, v[2]);
            next_early = SL_MIN(next_early, v[3]);
        } else if (err) {
            return err;
        }
    }
    if (any) {
        w->wm = wm;
        w->seq = (uint64_t)seq;
        w->next_id = (uint64_t)next_id;
        if (w->spec->early_every_ms > 0) {
            w->next_early_us = next_early;
        }
    }
    w->hot_se = SL_TIME_MIN;
    w->hot_known = false;
    if (w->impl->restore) {
        w->impl->restore(w);
    }
    return SL_OK;
}

static const slop_vt window_vt = {
    .name = "window",
    .open = w_open,
    .batch_take = w_batch_take,
    .watermark = w_watermark,
    .tick = w_tick,
    .end = w_end,
    .free = w_free,
    .snapshot = w_snapshot,
    .restore = w_restore,
};

slop *slwindow_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    const slwindow_arg *a = arg;
    slwin *w = slmem_calloc(1, sizeof(*w));
    w->base.vt = &window_vt;
    w->arg = a;
    w->spec = &a->spec;
    if (slaggs_init_filtered(&w->aggs, a->in, a->aggs, (const char *const *)a->filters,
                             a->n_aggs) != SL_OK) {
        /* slwindow_arg_new checked the same aggregates. */
        slmem_fatal("window aggregates", 0);
    }
    w->nkey = a->key.n;
    w->rec = slmem_alloc(w->aggs.rec_size);
    w->next_id = 1;
    switch (a->spec.kind) {
    case SL_WINDOW_SESSION:
        w->impl = &slwin_session_impl;
        break;
    case SL_WINDOW_COUNT:
        w->impl = &slwin_count_impl;
        break;
    case SL_WINDOW_GLOBAL:
        w->impl = &slwin_global_impl;
        break;
    default:
        w->impl = &slwin_slice_impl;
        break;
    }
    return &w->base;
}
