/*
 * opcut.h - checkpoint tests for any keyed operator, driven directly through
 * its slop_vt with a hand-made slopctx on the state backend under test
 * (test_backend.h).
 *
 * A script is a list of lines:
 *   "+I a 5 @3"   a row: kind (+I, -U, +U, -D), one token per input column
 *                 ("NULL"; TIMESTAMP in seconds), "@<seconds>" its event time;
 *                 rows are buffered until the next other line
 *   "|"           hand the buffered rows over as one batch
 *   "wm 10"       watermark: every row before second 10 has arrived (10 s - 1)
 *   "tick 1500"   the clock is 1500 ms; tick
 * Output lines: kind, every output column, "@<seconds>"; late rows (port 1)
 * "late ..."; then a line with the operator's rows_late / rows_expired.
 *
 * opcut_check runs the script uninterrupted, then with a cut before every
 * line where no rows are buffered (snapshot, free the instance, a new one on
 * the same state: open, restore with the blob, go on), then with a cut before
 * every such line in one run, and requires the same text each time; then
 * rescaled: the state split by key group into [0, 64) and [64, 128) (the
 * tables listed), two instances restored with the one blob, rows routed by
 * key group, watermarks and ticks to both, compared as sorted lines.
 */
#ifndef SL_OPCUT_H
#define SL_OPCUT_H

#include "ops/op.h"
#include "time/timers.h"
#include "test_backend.h"

typedef struct opcut {
    const char *schema; /* input schema */
    slkeyspec key;
    slop_factory factory;
    void *arg;                   /* borrowed */
    const sl_schema *out_schema; /* borrowed: port 0 */
    const sltest_table *tables;  /* the operator's state tables */
    int n_tables;
    int64_t ttl_us;
    /* No rescale runs: sltest_state_split copies entries without their TTL
     * access times (a backend's own snapshot keeps them). */
    bool no_rescale;
} opcut;

typedef struct opinst {
    const opcut *oc;
    sl_schema *in;
    slop *op;
    slopctx ctx;
    slopmetrics m;
    slstate *st;
    slclock clk;
    int64_t now;
    slbuf *out; /* borrowed: shared by the instances of a run */
    slbatch *b;
} opinst;

static inline int64_t opcut_secs(int64_t us) {
    int64_t q = us / SL_SECOND;
    return us % SL_SECOND < 0 ? q - 1 : q;
}

static inline void opcut_val(slbuf *o, const slbatch *b, int c, uint32_t i) {
    if (slbatch_is_null(b, c, i)) {
        slbuf_puts(o, "NULL");
        return;
    }
    switch (b->cols[c].type) {
    case SL_STRING:
        slbuf_put(o, b->cols[c].v.s[i].ptr, b->cols[c].v.s[i].len);
        break;
    case SL_DOUBLE:
        slbuf_printf(o, "%.6g", b->cols[c].v.f64[i]);
        break;
    case SL_BOOLEAN:
        slbuf_puts(o, b->cols[c].v.b[i] ? "true" : "false");
        break;
    case SL_TIMESTAMP:
        slbuf_printf(o, "%lld", (long long)opcut_secs(b->cols[c].v.i64[i]));
        break;
    default:
        slbuf_printf(o, "%lld", (long long)b->cols[c].v.i64[i]);
        break;
    }
}

static inline void opcut_emit(slopctx *c, int port, slbatch *b) {
    opinst *h = c->rt;
    for (uint32_t i = 0; i < b->n; i++) {
        slbuf_puts(h->out, port == 1 ? "late" : slfmt_kind((sl_rowkind)b->kind[i]));
        for (int k = 0; k < b->schema->n; k++) {
            slbuf_putc(h->out, ' ');
            opcut_val(h->out, b, k, i);
        }
        slbuf_printf(h->out, " @%lld\n", (long long)opcut_secs(b->ts[i]));
    }
    slbatch_free(b);
}

static inline void opcut_emit_wm(slopctx *c, int64_t wm) {
    SL_UNUSED(c);
    SL_UNUSED(wm);
}

static inline int64_t opcut_now(void *user) {
    return ((opinst *)user)->now;
}

/* A new instance of the operator on state st owning [kg_lo, kg_hi), opened;
 * restored from blobs[0..n) when blobs is not NULL. */
static inline void opinst_start(opinst *h, slstate *st, int kg_lo, int kg_hi, const slbuf *blobs,
                                int n) {
    h->st = st;
    h->clk.now = opcut_now;
    h->clk.user = h;
    memset(&h->ctx, 0, sizeof h->ctx);
    h->ctx.emit = opcut_emit;
    h->ctx.emit_watermark = opcut_emit_wm;
    h->ctx.rt = h;
    h->ctx.clock = &h->clk;
    h->ctx.batch_rows = 3;
    h->ctx.n_key_groups = SL_KEY_GROUPS;
    h->ctx.kg_lo = kg_lo;
    h->ctx.kg_hi = kg_hi;
    h->ctx.parallelism = 1;
    h->ctx.n_inputs = 1;
    h->ctx.watermark = SL_TIME_MIN;
    h->ctx.input_wm[0] = SL_TIME_MIN;
    h->ctx.state = st;
    h->ctx.state_ttl_us = h->oc->ttl_us;
    h->ctx.metrics = &h->m;
    h->op = h->oc->factory(h->oc->arg, 0);
    h->op->ctx = &h->ctx;
    CHECK(h->op->vt->open(h->op, &h->ctx) == SL_OK);
    if (blobs) {
        CHECK(h->op->vt->restore(h->op, blobs, n) == SL_OK);
    }
    sltest_unpin(h->st);
}

static inline void opinst_init(opinst *h, const opcut *oc, slbuf *out) {
    memset(h, 0, sizeof *h);
    h->oc = oc;
    h->out = out;
    CHECK(sl_schema_parse(oc->schema, &h->in) == SL_OK);
    h->b = slbatch_new(h->in, 64);
}

static inline void opinst_free(opinst *h) {
    if (h->op) {
        h->op->vt->free(h->op);
    }
    slstate_free(h->st);
    slbatch_free(h->b);
    slschema_unref(h->in);
}

static inline void opinst_send(opinst *h) {
    if (h->b->n) {
        h->op->vt->batch_take(h->op, 0, h->b);
        sltest_unpin(h->st);
        h->b = slbatch_new(h->in, 64);
    }
}

static inline void opcut_row(opinst *h, const char *ln) {
    slbatch *b = h->b;
    uint32_t i = slbatch_begin_row(b);
    const char *p = ln;
    sl_rowkind kind = SL_INSERT;
    if (strncmp(p, "-U", 2) == 0) {
        kind = SL_UPDATE_BEFORE;
    } else if (strncmp(p, "+U", 2) == 0) {
        kind = SL_UPDATE_AFTER;
    } else if (strncmp(p, "-D", 2) == 0) {
        kind = SL_DELETE;
    }
    p += 2;
    int c = 0;
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        const char *t = p;
        while (*p && *p != ' ') {
            p++;
        }
        size_t len = (size_t)(p - t);
        if (t[0] == '@') {
            b->ts[i] = strtoll(t + 1, NULL, 10) * SL_SECOND;
            continue;
        }
        if (c >= b->schema->n || (len == 4 && memcmp(t, "NULL", 4) == 0)) {
            c++;
            continue;
        }
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)len, t);
        switch (b->cols[c].type) {
        case SL_STRING:
            slbatch_set_str(b, c, i, t, len);
            break;
        case SL_DOUBLE:
            slbatch_set_f64(b, c, i, strtod(buf, NULL));
            break;
        case SL_BOOLEAN:
            slbatch_set_bool(b, c, i, strcmp(buf, "true") == 0);
            break;
        case SL_TIMESTAMP:
            slbatch_set_i64(b, c, i, strtoll(buf, NULL, 10) * SL_SECOND);
            break;
        default:
            slbatch_set_i64(b, c, i, strtoll(buf, NULL, 10));
            break;
        }
        c++;
    }
    b->kind[i] = (uint8_t)kind;
    b->n++;
}

static inline bool opcut_is_row(const char *ln) {
    return ln[0] == '+' || ln[0] == '-';
}

/* Run one script line (rows are buffered). */
static inline void opcut_step(opinst *h, const char *ln) {
    if (opcut_is_row(ln)) {
        opcut_row(h, ln);
        return;
    }
    opinst_send(h);
    if (strncmp(ln, "wm ", 3) == 0) {
        int64_t w = strtoll(ln + 3, NULL, 10) * SL_SECOND - 1;
        h->ctx.watermark = w;
        h->ctx.input_wm[0] = w;
        h->op->vt->watermark(h->op, w);
        sltest_unpin(h->st);
    } else if (strncmp(ln, "tick ", 5) == 0) {
        h->now = strtoll(ln + 5, NULL, 10) * SL_MILLISECOND;
        if (h->op->vt->tick) {
            h->op->vt->tick(h->op, h->now);
        }
        sltest_unpin(h->st);
    }
}

static inline void opcut_end(opinst *h) {
    opinst_send(h);
    h->ctx.watermark = SL_TIME_MAX;
    h->op->vt->watermark(h->op, SL_TIME_MAX);
    sltest_unpin(h->st);
    h->op->vt->end(h->op);
    sltest_unpin(h->st);
}

static inline bool opcut_cut_ok(const char *const *s, int i) {
    return i == 0 || !opcut_is_row(s[i - 1]);
}

static inline void opcut_snapshot(opinst *h, slbuf *blob) {
    slbuf_reset(blob);
    CHECK(h->op->vt->snapshot(h->op, 1, blob) == SL_OK);
    sltest_unpin(h->st);
}

/* The script with a cut before line `cut` (-1: none; INT32_MAX: before every
 * line where one can come). Returns the output (owned). */
static inline char *opcut_run(const opcut *oc, const char *const *s, int n, int cut) {
    slbuf out = {0};
    opinst h;
    opinst_init(&h, oc, &out);
    opinst_start(&h, sltest_state_new(SL_KEY_GROUPS), 0, SL_KEY_GROUPS, NULL, 0);
    slbuf blob = {0};
    slopmetrics m = {0};
    for (int i = 0; i < n; i++) {
        if ((i == cut || cut == INT32_MAX) && opcut_cut_ok(s, i)) {
            opcut_snapshot(&h, &blob);
            m.rows_late += h.m.rows_late;
            m.rows_expired += h.m.rows_expired;
            memset(&h.m, 0, sizeof h.m);
            h.op->vt->free(h.op);
            opinst_start(&h, h.st, 0, SL_KEY_GROUPS, &blob, 1);
        }
        opcut_step(&h, s[i]);
    }
    opcut_end(&h);
    slbuf_printf(&out, "~late=%llu expired=%llu\n",
                 (unsigned long long)(m.rows_late + h.m.rows_late),
                 (unsigned long long)(m.rows_expired + h.m.rows_expired));
    char *r = slmem_strdup(slbuf_cstr(&out));
    slbuf_free(&blob);
    slbuf_free(&out);
    opinst_free(&h);
    return r;
}

static inline int opcut_kg(const opcut *oc, const slbatch *b, uint32_t i) {
    slbuf tmp = {0};
    uint64_t hash = slkey_encode(&oc->key, b, i, &tmp);
    slbuf_free(&tmp);
    return slkey_group(hash, SL_KEY_GROUPS);
}

/* One instance up to `cut`, then two rescaled ones. Sorted output (owned);
 * both[j] counts the rows instance j got. */
static inline char *opcut_rescale(const opcut *oc, const char *const *s, int n, int cut,
                                  int *both) {
    slbuf out = {0};
    opinst h[2];
    opinst_init(&h[0], oc, &out);
    opinst_init(&h[1], oc, &out);
    opinst_start(&h[0], sltest_state_new(SL_KEY_GROUPS), 0, SL_KEY_GROUPS, NULL, 0);
    int i = 0;
    for (; i < cut; i++) {
        opcut_step(&h[0], s[i]);
    }
    slbuf blob = {0};
    opcut_snapshot(&h[0], &blob);
    uint64_t late = h[0].m.rows_late, expired = h[0].m.rows_expired;
    memset(&h[0].m, 0, sizeof h[0].m);
    slstate *old = h[0].st;
    slstate *parts[2] = {sltest_state_split(old, oc->tables, oc->n_tables, 0, 64),
                         sltest_state_split(old, oc->tables, oc->n_tables, 64, SL_KEY_GROUPS)};
    h[0].op->vt->free(h[0].op);
    slstate_free(old);
    for (int j = 0; j < 2; j++) {
        h[j].now = h[0].now;
        opinst_start(&h[j], parts[j], j ? 64 : 0, j ? SL_KEY_GROUPS : 64, &blob, 1);
    }
    for (; i < n; i++) {
        if (opcut_is_row(s[i])) {
            opcut_row(&h[0], s[i]);
            continue;
        }
        slbatch *b = h[0].b;
        h[0].b = slbatch_new(h[0].in, 64);
        for (uint32_t r = 0; r < b->n; r++) {
            int j = opcut_kg(oc, b, r) < 64 ? 0 : 1;
            slbatch_append_row(h[j].b, b, r);
            both[j]++;
        }
        slbatch_free(b);
        for (int j = 0; j < 2; j++) {
            opcut_step(&h[j], s[i]);
        }
    }
    /* rows buffered at the end go to their instance too */
    slbatch *rest = h[0].b;
    h[0].b = slbatch_new(h[0].in, 64);
    for (uint32_t r = 0; r < rest->n; r++) {
        int k = opcut_kg(oc, rest, r) < 64 ? 0 : 1;
        slbatch_append_row(h[k].b, rest, r);
        both[k]++;
    }
    slbatch_free(rest);
    for (int j = 0; j < 2; j++) {
        opcut_end(&h[j]);
        late += h[j].m.rows_late;
        expired += h[j].m.rows_expired;
    }
    slbuf_printf(&out, "~late=%llu expired=%llu\n", (unsigned long long)late,
                 (unsigned long long)expired);
    char *r = sltest_sort_lines(slbuf_cstr(&out));
    slbuf_free(&blob);
    slbuf_free(&out);
    opinst_free(&h[0]);
    opinst_free(&h[1]);
    return r;
}

/* Returns the number of failed comparisons (each also fails a CHECK). */
static inline int opcut_check(const opcut *oc, const char *const *s, int n, const char *want) {
    int bad = 0;
    char *base = opcut_run(oc, s, n, -1);
    if (want) {
        CHECK_OUT(base, want);
    }
    for (int c = 0; c <= n; c++) {
        if (c < n && !opcut_cut_ok(s, c)) {
            continue;
        }
        char *got = opcut_run(oc, s, n, c);
        if (strcmp(got, base) != 0) {
            fprintf(stderr, "cut before line %d:\n", c);
            bad++;
        }
        CHECK_STR(got, base);
        slmem_free(got);
    }
    char *got = opcut_run(oc, s, n, INT32_MAX);
    if (strcmp(got, base) != 0) {
        fprintf(stderr, "cut before every line:\n");
        bad++;
    }
    CHECK_STR(got, base);
    slmem_free(got);
    char *sorted = sltest_sort_lines(base);
    int split = 0;
    for (int c = 0; c <= n && !oc->no_rescale; c++) {
        if (c < n && !opcut_cut_ok(s, c)) {
            continue;
        }
        int both[2] = {0, 0};
        got = opcut_rescale(oc, s, n, c, both);
        if (strcmp(got, sorted) != 0) {
            fprintf(stderr, "rescale at line %d:\n", c);
            bad++;
        }
        CHECK_STR(got, sorted);
        split += both[0] > 0 && both[1] > 0;
        slmem_free(got);
    }
    if (oc->key.n > 0 && !oc->no_rescale) {
        CHECK(split > 0); /* the keys spread over both halves */
    }
    slmem_free(sorted);
    slmem_free(base);
    return bad;
}

#define OPCUT_CHECK(oc, script, want) opcut_check(oc, script, (int)SL_ARRAY_LEN(script), want)

#endif /* SL_OPCUT_H */
