/*
 * test_runtime.c - the runtime (src/runtime) driving small test-only sources
 * and operators: chaining on one thread, hash exchange at parallelism 2 vs 1,
 * watermark min-combining, idle inputs (manual clock advanced by the source),
 * end-of-input order, stop, failures, dead letters, processing-time ticks,
 * backpressure with bounded memory; plus the key encoding (src/ops/key.c).
 * Nothing sleeps: sources that must wait for the job's progress wait on a
 * condition variable signalled by the collecting sink.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "runtime/graph.h"
#include "test.h"

/* ---- shared test state ---- */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;

static int64_t manual_now(void *user) {
    return __atomic_load_n((int64_t *)user, __ATOMIC_ACQUIRE);
}

/* An event log shared by ops of one test (guarded by g_mu). */
static char g_log[4096];
static void log_event(const char *s) {
    pthread_mutex_lock(&g_mu);
    size_t n = strlen(g_log);
    snprintf(g_log + n, sizeof g_log - n, "%s ", s);
    pthread_mutex_unlock(&g_mu);
}

/* Schemas shared by every test (created on the main thread, kept to exit). */
static sl_schema *g_kv, *g_cnt;
__attribute__((constructor)) static void make_schemas(void) {
    sl_schema_parse("k BIGINT, v BIGINT", &g_kv);
    sl_schema_parse("k BIGINT, cnt BIGINT, sub BIGINT", &g_cnt);
}

/* ---- counter source: row i has k = i % n_keys, v = i, ts = ts0 + i * ts_step;
 * subtask s of p produces the rows with i % p == s ---- */

typedef struct csrc_arg {
    int64_t n, n_keys, ts0, ts_step;
    int64_t dead_every; /* rows with i % dead_every == dead_every - 1 are dead letters */
    int64_t error_at;   /* fail at row i >= error_at (-1: never) */
    int64_t stop_at;    /* set *stop at row i >= stop_at (-1: never) */
    int *stop;
    int64_t *clock;     /* manual clock advanced by clock_step at every read */
    int64_t clock_step;
    bool idle_at_end;   /* when done, return IDLE until *release, then END */
    int *release;
    int *gate;          /* when done, wait until *gate before END */
    int64_t *peak_mem;  /* track the peak of slmem_in_use */
    pthread_t *thread;  /* record the reading thread */
} csrc_arg;

static csrc_arg csrc_defaults(int64_t n) {
    csrc_arg a = {.n = n, .n_keys = 10, .ts_step = 1, .error_at = -1, .stop_at = -1};
    return a;
}

typedef struct csrc {
    slsource base;
    csrc_arg *a;
    int64_t i;
    int par;
} csrc;

static void note_peak(int64_t *peak) {
    if (!peak) {
        return;
    }
    int64_t m = slmem_in_use();
    int64_t old = __atomic_load_n(peak, __ATOMIC_RELAXED);
    while (m > old && !__atomic_compare_exchange_n(peak, &old, m, false, __ATOMIC_RELAXED,
                                                   __ATOMIC_RELAXED)) {
    }
}

static slsrc_status csrc_read(slsource *s, slbatch *b) {
    csrc *c = (csrc *)s;
    csrc_arg *a = c->a;
    if (a->clock) {
        __atomic_add_fetch(a->clock, a->clock_step, __ATOMIC_ACQ_REL);
    }
    if (a->thread) {
        *a->thread = pthread_self();
    }
    note_peak(a->peak_mem);
    while (!slbatch_full(b) && c->i < a->n) {
        int64_t i = c->i;
        c->i += c->par;
        if (a->error_at >= 0 && i >= a->error_at) {
            slerr_set(SL_ERR_IO, "disk on fire at row %lld", (long long)i);
            return SLSRC_ERROR;
        }
        if (a->stop_at >= 0 && i >= a->stop_at) {
            __atomic_store_n(a->stop, 1, __ATOMIC_RELEASE);
        }
        if (a->dead_every && i % a->dead_every == a->dead_every - 1) {
            char raw[32], pos[32];
            int n = snprintf(raw, sizeof raw, "{bad %lld", (long long)i);
            snprintf(pos, sizeof pos, "f:%lld", (long long)i);
            slop_dead_letter(s->ctx, "test", pos, "not json", raw, (size_t)n);
            continue;
        }
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_i64(b, 0, r, i % a->n_keys);
        slbatch_set_i64(b, 1, r, i);
        b->ts[r] = a->ts0 + i * a->ts_step;
        b->n++;
    }
    if (c->i < a->n || b->n) {
        return SLSRC_MORE;
    }
    if (a->gate) {
        pthread_mutex_lock(&g_mu);
        while (!*a->gate) {
            pthread_cond_wait(&g_cv, &g_mu);
        }
        pthread_mutex_unlock(&g_mu);
    }
    if (a->idle_at_end && !__atomic_load_n(a->release, __ATOMIC_ACQUIRE)) {
        return SLSRC_IDLE;
    }
    return SLSRC_END;
}

static void csrc_free(slsource *s) {
    slmem_free(s);
}

static const slsource_vt csrc_vt = {.name = "counter", .read = csrc_read, .free = csrc_free};

static slsource *csrc_new(void *arg, int subtask, int parallelism) {
    csrc *c = slmem_calloc(1, sizeof *c);
    c->base.vt = &csrc_vt;
    c->a = arg;
    c->i = subtask;
    c->par = parallelism;
    return &c->base;
}

/* ---- passthrough (chainable): logs watermark/end when it has a name ---- */

typedef struct pass_arg {
    const char *log_name; /* NULL: no log */
    bool marker_at_end;   /* emit one row (v = -1) from end() */
    int64_t *ticks;       /* with a tick: record tick times here */
    int *n_ticks;
    int64_t tick_every;
    bool fail_open;
} pass_arg;

typedef struct pass {
    slop base;
    pass_arg *a;
} pass;

static sl_err pass_open(slop *o, slopctx *c) {
    SL_UNUSED(c);
    pass *p = (pass *)o;
    if (p->a->fail_open) {
        return slerr_set(SL_ERR_IO, "cannot open the sink file");
    }
    return SL_OK;
}

static void pass_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    pass *p = (pass *)o;
    if (p->a->log_name) {
        for (uint32_t i = 0; i < b->n; i++) {
            if (b->cols[1].v.i64[i] == -1) {
                char s[64];
                snprintf(s, sizeof s, "%s%d:marker", p->a->log_name, o->ctx->subtask);
                log_event(s);
            }
        }
    }
    slop_emit(o->ctx, 0, b);
}

static int64_t pass_wm(slop *o, int64_t wm) {
    pass *p = (pass *)o;
    if (p->a->log_name) {
        char s[64];
        snprintf(s, sizeof s, "%s%d:wm=%s", p->a->log_name, o->ctx->subtask,
                 wm == SL_TIME_MAX ? "MAX" : "x");
        log_event(s);
    }
    return wm;
}

static int64_t pass_tick(slop *o, int64_t now) {
    pass *p = (pass *)o;
    p->a->ticks[(*p->a->n_ticks)++] = now;
    return now + p->a->tick_every;
}

static void pass_end(slop *o) {
    pass *p = (pass *)o;
    if (p->a->log_name) {
        char s[64];
        snprintf(s, sizeof s, "%s%d:end", p->a->log_name, o->ctx->subtask);
        log_event(s);
    }
    if (p->a->marker_at_end) {
        slbatch *b = slbatch_new(g_kv, 1);
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_i64(b, 0, r, 0);
        slbatch_set_i64(b, 1, r, -1);
        b->n++;
        slop_emit(o->ctx, 0, b);
    }
}

static void op_free(slop *o) {
    slmem_free(o);
}

static const slop_vt pass_vt = {.name = "pass",
                                .open = pass_open,
                                .batch_take = pass_take,
                                .watermark = pass_wm,
                                .end = pass_end,
                                .free = op_free};
static const slop_vt pass_tick_vt = {.name = "pass_tick",
                                     .batch_take = pass_take,
                                     .tick = pass_tick,
                                     .free = op_free};

static slop *pass_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    pass *p = slmem_calloc(1, sizeof *p);
    p->a = arg;
    p->base.vt = p->a->ticks ? &pass_tick_vt : &pass_vt;
    return &p->base;
}

/* ---- watermark assigner (chainable): wm = max event time seen ---- */

typedef struct asg {
    slop base;
    int64_t max_ts, emitted;
} asg;

static void asg_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    asg *a = (asg *)o;
    for (uint32_t i = 0; i < b->n; i++) {
        a->max_ts = SL_MAX(a->max_ts, b->ts[i]);
    }
    slop_emit(o->ctx, 0, b);
    if (a->max_ts > a->emitted) {
        a->emitted = a->max_ts;
        o->ctx->emit_watermark(o->ctx, a->emitted);
    }
}

static int64_t asg_wm(slop *o, int64_t wm) {
    asg *a = (asg *)o;
    if (wm == SL_TIME_MAX) {
        a->emitted = wm;
    }
    return a->emitted;
}

static const slop_vt asg_vt = {
    .name = "asg", .batch_take = asg_take, .watermark = asg_wm, .free = op_free};

static slop *asg_new(void *arg, int subtask) {
    SL_UNUSED(arg);
    SL_UNUSED(subtask);
    asg *a = slmem_calloc(1, sizeof *a);
    a->base.vt = &asg_vt;
    a->max_ts = a->emitted = SL_TIME_MIN;
    return &a->base;
}

/* ---- union of two inputs: checks the combined watermark ---- */

typedef struct uni_arg {
    bool check_min;  /* every watermark must equal min(input_wm[0], input_wm[1]) */
    int bad;         /* violations (guarded by g_mu) */
    int64_t last;
} uni_arg;

typedef struct uni {
    slop base;
    uni_arg *a;
} uni;

static void uni_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    slop_emit(o->ctx, 0, b);
}

static int64_t uni_wm(slop *o, int64_t wm) {
    uni *u = (uni *)o;
    slopctx *c = o->ctx;
    pthread_mutex_lock(&g_mu);
    if (c->n_inputs != 2 || wm != c->watermark || wm <= u->a->last) {
        u->a->bad++;
    }
    if (u->a->check_min && wm != SL_MIN(c->input_wm[0], c->input_wm[1])) {
        u->a->bad++;
    }
    u->a->last = wm;
    pthread_mutex_unlock(&g_mu);
    return wm;
}

static const slop_vt uni_vt = {
    .name = "union", .batch_take = uni_take, .watermark = uni_wm, .free = op_free};

static slop *uni_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    uni *u = slmem_calloc(1, sizeof *u);
    u->base.vt = &uni_vt;
    u->a = arg;
    return &u->base;
}

/* ---- keyed counter: rows per key (key column 0) in keyed state, emitted at
 * end as (k, cnt, subtask) ---- */

typedef struct kcount {
    slop base;
    slkv *t;
    slkeyspec key;
    slbuf kb;
    int *bad; /* keys outside the subtask's key groups (atomic) */
} kcount;

static sl_err kcount_open(slop *o, slopctx *c) {
    kcount *k = (kcount *)o;
    if (!c->state) {
        return slerr_set(SL_ERR_STATE, "keyed operator without state");
    }
    k->t = slstate_table(c->state, "cnt", 8);
    return SL_OK;
}

static void kcount_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    kcount *k = (kcount *)o;
    slopctx *c = o->ctx;
    for (uint32_t i = 0; i < b->n; i++) {
        uint64_t h = slkey_encode(&k->key, b, i, &k->kb);
        int kg = slkey_group(h, c->n_key_groups);
        if (kg < c->kg_lo || kg >= c->kg_hi) {
            __atomic_add_fetch(k->bad, 1, __ATOMIC_RELAXED);
        }
        bool created;
        int64_t *v = slkv_upsert(k->t, 0, k->kb.data, (uint32_t)k->kb.len, h, &created);
        if (created) {
            *v = 0;
        }
        (*v)++;
        slkv_release(k->t, v, true);
    }
    slbatch_free(b);
}

typedef struct kvisit {
    kcount *k;
    slbatch *out;
} kvisit;

static bool kcount_visit(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                         void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(vlen);
    kvisit *kv = user;
    slopctx *c = kv->k->base.ctx;
    if (slbatch_full(kv->out)) {
        slop_emit(c, 0, kv->out);
        kv->out = slbatch_new(g_cnt, c->batch_rows);
    }
    uint32_t r = slbatch_begin_row(kv->out);
    slkey_decode(&kv->k->key, g_kv, key, klen, kv->out, 0, r);
    slbatch_set_i64(kv->out, 1, r, *(int64_t *)val);
    slbatch_set_i64(kv->out, 2, r, c->subtask);
    kv->out->n++;
    return true;
}

static void kcount_end(slop *o) {
    kcount *k = (kcount *)o;
    kvisit v = {k, slbatch_new(g_cnt, o->ctx->batch_rows)};
    slkv_visit_all(k->t, kcount_visit, &v);
    slop_emit(o->ctx, 0, v.out);
}

static void kcount_free(slop *o) {
    kcount *k = (kcount *)o;
    slbuf_free(&k->kb);
    slmem_free(k);
}

static const slop_vt kcount_vt = {.name = "kcount",
                                  .open = kcount_open,
                                  .batch_take = kcount_take,
                                  .end = kcount_end,
                                  .free = kcount_free};

static slop *kcount_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    kcount *k = slmem_calloc(1, sizeof *k);
    k->base.vt = &kcount_vt;
    k->key.n = 1;
    k->key.cols[0] = 0;
    k->bad = arg;
    return &k->base;
}

/* ---- collecting sink: rows, watermarks, ends (guarded by g_mu) ---- */

typedef struct coll {
    int64_t *rows; /* 3 values per row: col0, col1, col2 or subtask (stdlib memory) */
    size_t n, cap;
    bool store;     /* keep rows (else only count and sum) */
    int ncols;      /* 2 (kv) or 3 (cnt) */
    uint64_t count;
    int64_t sum_v;  /* sum of column 1 */
    int64_t wms[256]; /* watermarks seen, in order (first 256) */
    int n_wm, ends, backwards, saw_max;
    int64_t last_wm[8];
    int64_t gate_wm; /* a watermark >= this (and < MAX) sets *gate and *release */
    int *gate, *release;
    slbuf json; /* with json: every row as a JSON line */
    bool json_mode;
    int work;       /* extra passes over each batch (a slow sink) */
    int64_t *peak_mem;
    pthread_t thread;
    const slrun_ctl *ctl; /* read live metrics while running */
    int metrics_bad;
} coll;

typedef struct csink {
    slop base;
    coll *c;
} csink;

static void coll_init(coll *c) {
    memset(c, 0, sizeof *c);
    c->store = true;
    c->ncols = 2;
    for (int i = 0; i < 8; i++) {
        c->last_wm[i] = SL_TIME_MIN;
    }
}

static void coll_free(coll *c) {
    free(c->rows);
    slbuf_free(&c->json);
}

static void csink_take(slop *o, int input, slbatch *b) {
    SL_UNUSED(input);
    csink *s = (csink *)o;
    coll *c = s->c;
    volatile uint64_t sink = 0;
    for (int w = 0; w < c->work; w++) {
        sink += slhash_bytes(b->cols[1].v.i64, b->n * sizeof(int64_t), (uint64_t)w);
    }
    note_peak(c->peak_mem);
    if (c->ctl) {
        sl_metrics m;
        slrt_metrics(c->ctl, &m);
        if (m.rows_in < m.rows_out) {
            __atomic_add_fetch(&c->metrics_bad, 1, __ATOMIC_RELAXED);
        }
    }
    pthread_mutex_lock(&g_mu);
    c->thread = pthread_self();
    c->count += b->n;
    for (uint32_t i = 0; i < b->n; i++) {
        if (c->json_mode) {
            slfmt_json_row(&c->json, b, i, false);
            slbuf_putc(&c->json, '\n');
            continue;
        }
        c->sum_v += b->cols[1].v.i64[i];
        if (!c->store) {
            continue;
        }
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 256;
            c->rows = realloc(c->rows, c->cap * 3 * sizeof *c->rows);
        }
        int64_t *r = &c->rows[c->n * 3];
        r[0] = b->cols[0].v.i64[i];
        r[1] = b->cols[1].v.i64[i];
        r[2] = c->ncols == 3 ? b->cols[2].v.i64[i] : o->ctx->subtask;
        c->n++;
    }
    pthread_mutex_unlock(&g_mu);
    slbatch_free(b);
}

static int64_t csink_wm(slop *o, int64_t wm) {
    csink *s = (csink *)o;
    coll *c = s->c;
    int sub = o->ctx->subtask;
    pthread_mutex_lock(&g_mu);
    if (c->n_wm < (int)SL_ARRAY_LEN(c->wms)) {
        c->wms[c->n_wm++] = wm;
    }
    if (wm <= c->last_wm[sub]) {
        c->backwards++;
    }
    c->last_wm[sub] = wm;
    c->saw_max += wm == SL_TIME_MAX;
    if (c->gate && wm >= c->gate_wm && wm != SL_TIME_MAX) {
        *c->gate = 1;
        __atomic_store_n(c->release, 1, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&g_cv);
    }
    pthread_mutex_unlock(&g_mu);
    return wm;
}

static void csink_end(slop *o) {
    csink *s = (csink *)o;
    pthread_mutex_lock(&g_mu);
    s->c->ends++;
    pthread_mutex_unlock(&g_mu);
}

static const slop_vt csink_vt = {.name = "collect",
                                 .batch_take = csink_take,
                                 .watermark = csink_wm,
                                 .end = csink_end,
                                 .free = op_free};

static slop *csink_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    csink *s = slmem_calloc(1, sizeof *s);
    s->base.vt = &csink_vt;
    s->c = arg;
    return &s->base;
}

/* ---- graph building ---- */

static int add_source(slgraph *g, const char *name, csrc_arg *a, int par) {
    slnode *n = slmem_calloc(1, sizeof *n);
    n->name = slmem_strdup(name);
    n->kind = SLNODE_SOURCE;
    n->source_new = csrc_new;
    n->arg = a;
    n->out[0] = slschema_ref(g_kv);
    n->out[1] = slschema_ref(sldead_schema());
    n->parallelism = par;
    return slgraph_add_node(g, n);
}

static int add_op(slgraph *g, const char *name, slop_factory f, void *arg,
                  const sl_schema *out, int par, int n_inputs, bool chainable, bool keyed) {
    slnode *n = slmem_calloc(1, sizeof *n);
    n->name = slmem_strdup(name);
    n->kind = SLNODE_OP;
    n->op_new = f;
    n->arg = arg;
    n->out[0] = out ? slschema_ref(out) : NULL;
    n->parallelism = par;
    n->n_inputs = n_inputs;
    n->chainable = chainable;
    n->keyed = keyed;
    return slgraph_add_node(g, n);
}

static void add_edge(slgraph *g, int from, int port, int to, int input, slpart part) {
    sledge e = {.from = from, .from_port = port, .to = to, .to_input = input, .part = part};
    if (part == SLPART_HASH) {
        e.key.n = 1;
        e.key.cols[0] = 0;
    }
    slgraph_add_edge(g, &e);
}

static int cmp_row3(const void *a, const void *b) {
    const int64_t *x = a, *y = b;
    for (int i = 0; i < 3; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

/* ---- tests ---- */

TEST(chain_runs_on_one_thread) {
    slgraph g;
    slgraph_init(&g);
    pthread_t src_thread;
    csrc_arg a = csrc_defaults(1000);
    a.thread = &src_thread;
    pass_arg pa = {0};
    coll c;
    coll_init(&c);
    int s = add_source(&g, "src", &a, 0);
    int p = add_op(&g, "pass", pass_new, &pa, g_kv, 0, 1, true, false);
    int k = add_op(&g, "sink", csink_new, &c, NULL, 0, 1, false, false);
    add_edge(&g, s, 0, p, 0, SLPART_FORWARD);
    add_edge(&g, p, 0, k, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    CHECK_INT(c.n, 1000);
    bool in_order = true;
    for (size_t i = 0; i < c.n; i++) {
        in_order &= c.rows[i * 3 + 1] == (int64_t)i && c.rows[i * 3] == (int64_t)i % 10;
    }
    CHECK(in_order);
    CHECK(pthread_equal(src_thread, c.thread));
    CHECK_INT(c.n_wm, 1); /* no assigner: only the end-of-input watermark */
    CHECK(c.wms[0] == SL_TIME_MAX);
    CHECK_INT(c.ends, 1);
    sl_metrics m;
    slrt_metrics(&ctl, &m);
    CHECK_INT(m.rows_in, 1000);
    CHECK_INT(m.rows_out, 1000);
    CHECK(m.watermark == SL_TIME_MAX);
    CHECK_INT(m.rows_dead, 0);
    coll_free(&c);
    slgraph_free(&g);
}

/* Run source (par src_par) -> keyed count (par cnt_par, HASH) -> sink (par 1)
 * and return the sorted (k, cnt, subtask) rows. */
static void run_count(int src_par, int cnt_par, coll *c, int *bad) {
    slgraph g;
    slgraph_init(&g);
    csrc_arg a = csrc_defaults(20000);
    a.n_keys = 97;
    coll_init(c);
    c->ncols = 3;
    int s = add_source(&g, "src", &a, src_par);
    int k = add_op(&g, "count", kcount_new, bad, g_cnt, cnt_par, 1, false, true);
    int o = add_op(&g, "sink", csink_new, c, NULL, 1, 1, false, false);
    add_edge(&g, s, 0, k, 0, SLPART_HASH);
    add_edge(&g, k, 0, o, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    qsort(c->rows, c->n, 3 * sizeof *c->rows, cmp_row3);
    sl_metrics m;
    slrt_metrics(&ctl, &m);
    CHECK_INT(m.rows_in, 20000);
    CHECK_INT(m.rows_out, 97);
    slgraph_free(&g);
}

TEST(hash_exchange_parallel_matches_serial) {
    coll c1, c2, c3;
    int bad = 0;
    run_count(1, 1, &c1, &bad);
    run_count(1, 2, &c2, &bad);
    run_count(2, 3, &c3, &bad);
    CHECK_INT(bad, 0);
    CHECK_INT(c1.n, 97);
    CHECK_INT(c2.n, 97);
    CHECK_INT(c3.n, 97);
    bool same = c1.n == 97 && c2.n == 97 && c3.n == 97;
    int per_sub[3] = {0};
    for (size_t i = 0; same && i < 97; i++) {
        int64_t *r1 = &c1.rows[i * 3], *r2 = &c2.rows[i * 3], *r3 = &c3.rows[i * 3];
        /* every key once, with the full count: 20000 = 206 * 97 + 18 */
        same &= r1[0] == (int64_t)i && r1[1] == (i < 18 ? 207 : 206) && r1[2] == 0;
        same &= r2[0] == r1[0] && r2[1] == r1[1];
        same &= r3[0] == r1[0] && r3[1] == r1[1];
        /* it landed on the subtask that owns its key group */
        slbatch *b = slbatch_new(g_kv, 1);
        uint32_t r = slbatch_begin_row(b);
        slbatch_set_i64(b, 0, r, (int64_t)i);
        b->n = 1;
        slkeyspec ks = {.n = 1, .cols = {0}};
        slbuf kb = {0};
        int kg = slkey_group(slkey_encode(&ks, b, 0, &kb), SL_KEY_GROUPS);
        same &= r2[2] == slkey_subtask(kg, SL_KEY_GROUPS, 2);
        same &= r3[2] == slkey_subtask(kg, SL_KEY_GROUPS, 3);
        per_sub[r3[2]]++;
        slbuf_free(&kb);
        slbatch_free(b);
    }
    CHECK(same);
    CHECK(per_sub[0] > 0 && per_sub[1] > 0 && per_sub[2] > 0);
    coll_free(&c1);
    coll_free(&c2);
    coll_free(&c3);
}

TEST(watermark_is_min_of_two_inputs) {
    slgraph g;
    slgraph_init(&g);
    csrc_arg a = csrc_defaults(500), b = csrc_defaults(300);
    a.ts_step = 10;
    b.ts0 = 5;
    b.ts_step = 17;
    uni_arg ua = {.check_min = true, .last = SL_TIME_MIN};
    coll c;
    coll_init(&c);
    int sa = add_source(&g, "a", &a, 1), sb = add_source(&g, "b", &b, 1);
    int wa = add_op(&g, "wa", asg_new, NULL, g_kv, 1, 1, true, false);
    int wb = add_op(&g, "wb", asg_new, NULL, g_kv, 1, 1, true, false);
    int u = add_op(&g, "union", uni_new, &ua, g_kv, 1, 2, false, false);
    int k = add_op(&g, "sink", csink_new, &c, NULL, 1, 1, true, false);
    add_edge(&g, sa, 0, wa, 0, SLPART_FORWARD);
    add_edge(&g, sb, 0, wb, 0, SLPART_FORWARD);
    add_edge(&g, wa, 0, u, 0, SLPART_FORWARD);
    add_edge(&g, wb, 0, u, 1, SLPART_FORWARD);
    add_edge(&g, u, 0, k, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    CHECK_INT(c.count, 800);
    CHECK_INT(ua.bad, 0);
    CHECK_INT(c.backwards, 0);
    CHECK_INT(c.saw_max, 1);
    CHECK(c.n_wm >= 1 && c.wms[c.n_wm - 1] == SL_TIME_MAX);
    /* Before the end, never past the larger max event time (5 + 299 * 17):
     * a's ended input (max 4990) no longer holds back b's. */
    bool bounded = true;
    for (int i = 0; i + 1 < c.n_wm; i++) {
        bounded &= c.wms[i] <= 5088;
    }
    CHECK(bounded);
    coll_free(&c);
    slgraph_free(&g);
}

TEST(idle_input_does_not_hold_back_watermark) {
    slgraph g;
    slgraph_init(&g);
    int64_t clock = 0;
    int gate = 0, release = 0;
    g.conf.clock.now = manual_now;
    g.conf.clock.user = &clock;
    g.conf.idle_timeout_us = 1000;
    csrc_arg a = csrc_defaults(100), b = csrc_defaults(3);
    a.ts0 = 1000;
    a.ts_step = 10; /* last ts 1990 */
    a.gate = &gate;
    b.clock = &clock;
    b.clock_step = 1000; /* every read of b advances processing time by the timeout */
    b.idle_at_end = true;
    b.release = &release;
    uni_arg ua = {.last = SL_TIME_MIN};
    coll c;
    coll_init(&c);
    c.gate_wm = 1990;
    c.gate = &gate;
    c.release = &release;
    int sa = add_source(&g, "a", &a, 1), sb = add_source(&g, "b", &b, 1);
    int wa = add_op(&g, "wa", asg_new, NULL, g_kv, 1, 1, true, false);
    int wb = add_op(&g, "wb", asg_new, NULL, g_kv, 1, 1, true, false);
    int u = add_op(&g, "union", uni_new, &ua, g_kv, 1, 2, false, false);
    int k = add_op(&g, "sink", csink_new, &c, NULL, 1, 1, true, false);
    add_edge(&g, sa, 0, wa, 0, SLPART_FORWARD);
    add_edge(&g, sb, 0, wb, 0, SLPART_FORWARD);
    add_edge(&g, wa, 0, u, 0, SLPART_FORWARD);
    add_edge(&g, wb, 0, u, 1, SLPART_FORWARD);
    add_edge(&g, u, 0, k, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    /* Source a only ends once the sink has seen watermark 1990, which needs b
     * (stuck at 2) to be excluded as idle: without idleness this would hang. */
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    CHECK_INT(c.count, 103);
    CHECK_INT(ua.bad, 0);
    CHECK_INT(c.backwards, 0);
    bool saw_1990 = false, plausible = true;
    for (int i = 0; i < c.n_wm; i++) {
        int64_t w = c.wms[i];
        saw_1990 |= w == 1990;
        plausible &= w <= 2 || (w >= 1000 && w <= 1990) || w == SL_TIME_MAX;
    }
    CHECK(saw_1990);
    CHECK(plausible);
    CHECK(c.wms[c.n_wm - 1] == SL_TIME_MAX);
    coll_free(&c);
    slgraph_free(&g);
}

TEST(end_of_input_order) {
    slgraph g;
    slgraph_init(&g);
    g_log[0] = '\0';
    csrc_arg a = csrc_defaults(20);
    pass_arg pa = {.log_name = "A", .marker_at_end = true}, pb = {.log_name = "B"};
    coll c;
    coll_init(&c);
    int s = add_source(&g, "src", &a, 1);
    int p1 = add_op(&g, "A", pass_new, &pa, g_kv, 1, 1, true, false);
    int p2 = add_op(&g, "B", pass_new, &pb, g_kv, 1, 1, true, false);
    int k = add_op(&g, "sink", csink_new, &c, NULL, 1, 1, true, false);
    add_edge(&g, s, 0, p1, 0, SLPART_FORWARD);
    add_edge(&g, p1, 0, p2, 0, SLPART_FORWARD);
    add_edge(&g, p2, 0, k, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    CHECK_STR(g_log, "A0:wm=MAX B0:wm=MAX A0:end B0:marker B0:end ");
    CHECK_INT(c.count, 21);
    CHECK_INT(c.ends, 1);
    coll_free(&c);
    slgraph_free(&g);

    /* The same across an exchange: A at parallelism 1, B at 2. */
    slgraph_init(&g);
    g_log[0] = '\0';
    coll_init(&c);
    s = add_source(&g, "src", &a, 1);
    p1 = add_op(&g, "A", pass_new, &pa, g_kv, 1, 1, true, false);
    p2 = add_op(&g, "B", pass_new, &pb, g_kv, 2, 1, true, false);
    k = add_op(&g, "sink", csink_new, &c, NULL, 2, 1, true, false);
    add_edge(&g, s, 0, p1, 0, SLPART_FORWARD);
    add_edge(&g, p1, 0, p2, 0, SLPART_REBALANCE);
    add_edge(&g, p2, 0, k, 0, SLPART_FORWARD);
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    /* A's watermark first; A's end (and its marker row) before B's ends; each B
     * subtask gets the final watermark before its end. */
    CHECK(strncmp(g_log, "A0:wm=MAX ", 10) == 0);
    const char *a_end = strstr(g_log, "A0:end");
    const char *mk = strstr(g_log, ":marker");
    CHECK(a_end && mk && a_end < mk);
    for (int sub = 0; sub < 2; sub++) {
        char wm_ev[32], end_ev[32];
        snprintf(wm_ev, sizeof wm_ev, "B%d:wm=MAX", sub);
        snprintf(end_ev, sizeof end_ev, "B%d:end", sub);
        const char *w = strstr(g_log, wm_ev), *e = strstr(g_log, end_ev);
        CHECK(w && e && w < e && a_end < e);
        CHECK(w && strstr(w + 1, wm_ev) == NULL); /* exactly once */
        CHECK(e && strstr(e + 1, end_ev) == NULL);
    }
    if (mk) { /* the subtask that got the marker ends after it */
        char end_ev[32];
        snprintf(end_ev, sizeof end_ev, "B%c:end", mk[-1]);
        CHECK(strstr(mk, end_ev) != NULL);
    }
    CHECK_INT(c.count, 21);
    CHECK_INT(c.ends, 2);
    coll_free(&c);
    slgraph_free(&g);
}

TEST(stop_cancels_without_end) {
    for (int variant = 0; variant < 2; variant++) {
        slgraph g;
        slgraph_init(&g);
        slrun_ctl ctl = {0};
        csrc_arg a = csrc_defaults(INT64_MAX);
        a.stop_at = 5000;
        a.stop = &ctl.stop;
        pass_arg pa = {.log_name = NULL};
        coll c;
        coll_init(&c);
        c.store = false;
        int s = add_source(&g, "src", &a, 1);
        int p = add_op(&g, "pass", pass_new, &pa, g_kv, 1, 1, true, false);
        /* variant 0: one chain; variant 1: sink behind channels at parallelism 2 */
        int k = add_op(&g, "sink", csink_new, &c, NULL, variant ? 2 : 1, 1, false, false);
        add_edge(&g, s, 0, p, 0, SLPART_FORWARD);
        add_edge(&g, p, 0, k, 0, SLPART_FORWARD);
        CHECK_INT(slrt_run(&g, &ctl), SL_OK);
        CHECK_INT(c.ends, 0);
        CHECK_INT(c.saw_max, 0);
        sl_metrics m;
        slrt_metrics(&ctl, &m);
        CHECK(m.rows_in >= 5000);
        CHECK(m.rows_out <= m.rows_in);
        CHECK(m.watermark != SL_TIME_MAX);
        coll_free(&c);
        slgraph_free(&g);
    }
}

TEST(source_error_fails_the_job) {
    /* One failing source; and a failing source next to an endless one whose
     * consumer blocks it: both must end with the message. */
    for (int variant = 0; variant < 2; variant++) {
        slgraph g;
        slgraph_init(&g);
        csrc_arg a = csrc_defaults(10000), e = csrc_defaults(INT64_MAX);
        a.error_at = 3000;
        coll c;
        coll_init(&c);
        c.store = false;
        c.work = 50;
        uni_arg ua = {.last = SL_TIME_MIN};
        int sa = add_source(&g, "files", &a, 1);
        if (variant == 0) {
            int k = add_op(&g, "sink", csink_new, &c, NULL, 1, 1, false, false);
            add_edge(&g, sa, 0, k, 0, SLPART_FORWARD);
        } else {
            int se = add_source(&g, "endless", &e, 1);
            int u = add_op(&g, "union", uni_new, &ua, g_kv, 2, 2, false, false);
            int k = add_op(&g, "sink", csink_new, &c, NULL, 2, 1, true, false);
            add_edge(&g, se, 0, u, 0, SLPART_REBALANCE);
            add_edge(&g, sa, 0, u, 1, SLPART_REBALANCE);
            add_edge(&g, u, 0, k, 0, SLPART_FORWARD);
        }
        slrun_ctl ctl = {0};
        CHECK_INT(slrt_run(&g, &ctl), SL_ERR_RUNTIME);
        CHECK_STR(sl_errmsg(), "files: disk on fire at row 3000");
        CHECK_INT(c.ends, 0);
        coll_free(&c);
        slgraph_free(&g);
    }
}

TEST(open_error_fails_the_job_and_releases_producers) {
    slgraph g;
    slgraph_init(&g);
    csrc_arg a = csrc_defaults(INT64_MAX);
    pass_arg pa = {.fail_open = true};
    int s = add_source(&g, "src", &a, 1);
    int k = add_op(&g, "out", pass_new, &pa, NULL, 2, 1, false, false);
    add_edge(&g, s, 0, k, 0, SLPART_REBALANCE);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_ERR_IO);
    CHECK_STR(sl_errmsg(), "out: cannot open the sink file");
    slgraph_free(&g);
}

TEST(bad_graph_is_refused) {
    slgraph g;
    slgraph_init(&g);
    csrc_arg a = csrc_defaults(10);
    int s = add_source(&g, "src", &a, 1);
    add_edge(&g, s, 0, 7, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "edge 0");
    slgraph_free(&g);
}

static const char *expected_dead =
    "{\"source\":\"test\",\"position\":\"f:9\",\"reason\":\"not json\",\"raw\":\"{bad 9\"}\n"
    "{\"source\":\"test\",\"position\":\"f:19\",\"reason\":\"not json\",\"raw\":\"{bad 19\"}\n"
    "{\"source\":\"test\",\"position\":\"f:29\",\"reason\":\"not json\",\"raw\":\"{bad 29\"}\n";

TEST(dead_letters_to_port_1) {
    slgraph g;
    slgraph_init(&g);
    csrc_arg a = csrc_defaults(30);
    a.dead_every = 10;
    coll c, d;
    coll_init(&c);
    coll_init(&d);
    d.json_mode = true;
    int s = add_source(&g, "src", &a, 1);
    int k = add_op(&g, "sink", csink_new, &c, NULL, 1, 1, true, false);
    int dk = add_op(&g, "dead", csink_new, &d, NULL, 1, 1, true, false);
    add_edge(&g, s, 0, k, 0, SLPART_FORWARD);
    add_edge(&g, s, 1, dk, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    CHECK_INT(c.count, 27);
    CHECK_STR(slbuf_cstr(&d.json), expected_dead);
    CHECK_INT(d.ends, 1);
    sl_metrics m;
    slrt_metrics(&ctl, &m);
    CHECK_INT(m.rows_dead, 3);
    CHECK_INT(m.rows_in, 27);
    CHECK_INT(m.rows_out, 30); /* both sinks */
    coll_free(&c);
    coll_free(&d);
    slgraph_free(&g);
}

TEST(fan_out_clones_for_every_consumer) {
    slgraph g;
    slgraph_init(&g);
    csrc_arg a = csrc_defaults(30);
    a.dead_every = 10;
    coll c1, c2, d1, d2;
    coll_init(&c1);
    coll_init(&c2);
    coll_init(&d1);
    coll_init(&d2);
    d1.json_mode = d2.json_mode = true;
    int s = add_source(&g, "src", &a, 1);
    int k1 = add_op(&g, "sink1", csink_new, &c1, NULL, 1, 1, true, false);
    int k2 = add_op(&g, "sink2", csink_new, &c2, NULL, 1, 1, true, false);
    int dk1 = add_op(&g, "dead1", csink_new, &d1, NULL, 1, 1, true, false);
    int dk2 = add_op(&g, "dead2", csink_new, &d2, NULL, 1, 1, true, false);
    add_edge(&g, s, 0, k1, 0, SLPART_FORWARD);
    add_edge(&g, s, 0, k2, 0, SLPART_FORWARD);
    add_edge(&g, s, 1, dk1, 0, SLPART_FORWARD);
    add_edge(&g, s, 1, dk2, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    CHECK_INT(c1.n, 27);
    CHECK_INT(c2.n, 27);
    CHECK(c1.n == 27 && c2.n == 27 && memcmp(c1.rows, c2.rows, 27 * 3 * sizeof(int64_t)) == 0);
    CHECK_INT(c1.sum_v, 435 - 9 - 19 - 29);
    CHECK_STR(slbuf_cstr(&d1.json), expected_dead);
    CHECK_STR(slbuf_cstr(&d2.json), expected_dead);
    CHECK_INT(c1.ends + c2.ends + d1.ends + d2.ends, 4);
    coll_free(&c1);
    coll_free(&c2);
    coll_free(&d1);
    coll_free(&d2);
    slgraph_free(&g);
}

TEST(dead_letters_to_file) {
    char path[] = "/tmp/sluice_dead_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *before = "{\"earlier\":1}\n"; /* the file is appended to */
    CHECK(write(fd, before, strlen(before)) == (ssize_t)strlen(before));
    close(fd);
    slgraph g;
    slgraph_init(&g);
    g.conf.dead_letter_path = path;
    csrc_arg a = csrc_defaults(30);
    a.dead_every = 10;
    coll c;
    coll_init(&c);
    int s = add_source(&g, "src", &a, 2);
    int k = add_op(&g, "sink", csink_new, &c, NULL, 1, 1, true, false);
    add_edge(&g, s, 0, k, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    CHECK_INT(c.count, 27);
    FILE *f = fopen(path, "r");
    char buf[2048] = {0};
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f) {
        fclose(f);
    }
    /* Two source subtasks: rows 9 and 29 come from subtask 1, 19 from subtask
     * 0, so compare as sets of lines. */
    CHECK(strncmp(buf, before, strlen(before)) == 0);
    CHECK_INT(strlen(buf), strlen(before) + strlen(expected_dead));
    const char *lines[] = {
        "{\"source\":\"test\",\"position\":\"f:9\",\"reason\":\"not json\",\"raw\":\"{bad 9\"}\n",
        "{\"source\":\"test\",\"position\":\"f:19\",\"reason\":\"not json\",\"raw\":\"{bad 19\"}\n",
        "{\"source\":\"test\",\"position\":\"f:29\",\"reason\":\"not json\",\"raw\":\"{bad 29\"}\n"};
    for (int i = 0; i < 3; i++) {
        CHECK_CONTAINS(buf, lines[i]);
    }
    sl_metrics m;
    slrt_metrics(&ctl, &m);
    CHECK_INT(m.rows_dead, 3);
    unlink(path);
    coll_free(&c);
    slgraph_free(&g);
}

TEST(processing_time_ticks) {
    slgraph g;
    slgraph_init(&g);
    int64_t clock = 0;
    g.conf.clock.now = manual_now;
    g.conf.clock.user = &clock;
    g.conf.batch_rows = 8;
    csrc_arg a = csrc_defaults(80); /* 10 full batches, then END */
    a.clock = &clock;
    a.clock_step = 50; /* each read: +50us */
    int64_t ticks[64];
    int n_ticks = 0;
    pass_arg pa = {.ticks = ticks, .n_ticks = &n_ticks, .tick_every = 100};
    coll c;
    coll_init(&c);
    int s = add_source(&g, "src", &a, 1);
    int p = add_op(&g, "ticker", pass_new, &pa, g_kv, 1, 1, true, false);
    int k = add_op(&g, "sink", csink_new, &c, NULL, 1, 1, true, false);
    add_edge(&g, s, 0, p, 0, SLPART_FORWARD);
    add_edge(&g, p, 0, k, 0, SLPART_FORWARD);
    slrun_ctl ctl = {0};
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    /* First tick at once (50), then each time the clock reaches the asked time. */
    CHECK_INT(n_ticks, 5);
    for (int i = 0; i < n_ticks && i < 5; i++) {
        CHECK_INT(ticks[i], 50 + 100 * i);
    }
    CHECK_INT(c.count, 80);
    coll_free(&c);
    slgraph_free(&g);
}

TEST(backpressure_bounds_memory) {
    slgraph g;
    slgraph_init(&g);
    slrun_ctl ctl = {0};
    const int64_t n = 1000000;
    int64_t peak = 0;
    csrc_arg a = csrc_defaults(n);
    a.peak_mem = &peak;
    coll c;
    coll_init(&c);
    c.store = false;
    c.work = 30; /* the sink hashes every batch 30 times: slower than the source */
    c.peak_mem = &peak;
    c.ctl = &ctl;
    int s = add_source(&g, "src", &a, 1);
    /* parallelism 2 on the sink forces an exchange: 2 channels */
    int k = add_op(&g, "sink", csink_new, &c, NULL, 2, 1, true, false);
    add_edge(&g, s, 0, k, 0, SLPART_FORWARD);
    slbatch *probe = slbatch_new(g_kv, g.conf.batch_rows);
    int64_t batch_bytes = (int64_t)slbatch_bytes(probe) + 256; /* + allocation headers */
    slbatch_free(probe);
    int64_t base = slmem_in_use();
    peak = base;
    CHECK_INT(slrt_run(&g, &ctl), SL_OK);
    /* Bound: 2 channels x channel_cap queued batches, plus one batch being
     * filled by the source, one it is pushing and one per sink subtask being
     * processed, plus 256 KiB for the runtime's own structures. Unbounded
     * queuing would hold all 1M rows (~17 MB). */
    int64_t bound = (2 * (int64_t)g.conf.channel_cap + 4) * batch_bytes + 256 * 1024;
    CHECK(peak - base <= bound);
    if (peak - base > bound || getenv("SL_TEST_VERBOSE")) {
        fprintf(stderr, "peak %lld bytes over base, bound %lld\n", (long long)(peak - base),
                (long long)bound);
    }
    CHECK_INT(c.count, n);
    CHECK_INT(c.sum_v, n * (n - 1) / 2);
    CHECK_INT(c.metrics_bad, 0);
    sl_metrics m;
    slrt_metrics(&ctl, &m);
    CHECK_INT(m.rows_in, n);
    CHECK_INT(m.rows_out, n);
    coll_free(&c);
    slgraph_free(&g);
}

/* ---- key encoding ---- */

TEST(key_encoding) {
    sl_schema *s;
    sl_schema_parse("a BIGINT, b STRING, c DOUBLE, d BOOLEAN", &s);
    slbatch *b = slbatch_new(s, 4);
    uint32_t r = slbatch_begin_row(b);
    slbatch_set_i64(b, 0, r, 0x0102030405060708);
    slbatch_set_str(b, 1, r, "xy", 2);
    slbatch_set_f64(b, 2, r, -0.0);
    slbatch_set_bool(b, 3, r, true);
    b->n++;
    r = slbatch_begin_row(b); /* all NULL */
    b->n++;
    r = slbatch_begin_row(b);
    slbatch_set_i64(b, 0, r, 0x0102030405060708);
    slbatch_set_str(b, 1, r, "xy", 2);
    slbatch_set_f64(b, 2, r, 0.0);
    slbatch_set_bool(b, 3, r, true);
    b->n++;
    slbuf kb = {0};
    slkeyspec one = {.n = 1, .cols = {0}};
    uint64_t h = slkey_encode(&one, b, 0, &kb);
    CHECK_INT(kb.len, 8);
    int64_t v;
    memcpy(&v, kb.data, 8);
    CHECK(v == 0x0102030405060708);
    CHECK(h == slhash_bytes(kb.data, 8, 0));
    slkey_encode(&one, b, 1, &kb);
    CHECK_INT(kb.len, 1); /* NULL single key */
    CHECK_INT(kb.data[0], 0);

    slkeyspec all = {.n = 4, .cols = {0, 1, 2, 3}};
    uint64_t h0 = slkey_encode(&all, b, 0, &kb);
    /* 1+8, 1+4+2, 1+8, 1+1 */
    CHECK_INT(kb.len, 27);
    CHECK_INT(kb.data[0], 1);
    CHECK_INT(kb.data[9], 1);
    uint32_t len;
    memcpy(&len, kb.data + 10, 4);
    CHECK_INT(len, 2);
    CHECK(memcmp(kb.data + 14, "xy", 2) == 0);
    CHECK_INT(kb.data[26], 1);
    uint64_t h2 = slkey_encode(&all, b, 2, &kb); /* -0.0 groups with 0.0 */
    CHECK(h0 == h2);
    /* decode into a batch of the key columns */
    slbatch *o = slbatch_new(s, 2);
    r = slbatch_begin_row(o);
    slkey_decode(&all, s, kb.data, kb.len, o, 0, r);
    o->n++;
    CHECK(o->cols[0].v.i64[0] == 0x0102030405060708);
    CHECK_INT(o->cols[1].v.s[0].len, 2);
    CHECK(memcmp(o->cols[1].v.s[0].ptr, "xy", 2) == 0);
    CHECK(o->cols[2].v.f64[0] == 0.0 && !slbatch_is_null(o, 2, 0));
    CHECK(o->cols[3].v.b[0] == 1);
    slkey_encode(&all, b, 1, &kb);
    CHECK_INT(kb.len, 4); /* four NULL tags */
    r = slbatch_begin_row(o);
    slkey_decode(&all, s, kb.data, kb.len, o, 0, r);
    o->n++;
    CHECK(slbatch_is_null(o, 0, 1) && slbatch_is_null(o, 1, 1) && slbatch_is_null(o, 2, 1) &&
          slbatch_is_null(o, 3, 1));
    /* hash_batch agrees with encode, on the fast path and the general one */
    uint64_t hs[4];
    slkey_hash_batch(&one, b, hs, &kb);
    for (uint32_t i = 0; i < b->n; i++) {
        CHECK(hs[i] == slkey_encode(&one, b, i, &kb));
    }
    slkey_hash_batch(&all, b, hs, &kb);
    for (uint32_t i = 0; i < b->n; i++) {
        CHECK(hs[i] == slkey_encode(&all, b, i, &kb));
    }
    slbuf_free(&kb);
    slbatch_free(b);
    slbatch_free(o);
    slschema_unref(s);
}
