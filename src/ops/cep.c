/*
 * cep.c - the pattern operator (MATCH_RECOGNIZE and sl_stream_pattern;
 * contract in cep.h): rows sorted by event time per key, then run through
 * the pattern's NFA as a Pike VM.
 *
 * Flow. A row at or behind the watermark is late (port 1, counted). Others
 * are buffered in state under (their time T, key) with an event-time timer
 * (T, key); when the watermark passes T the key's rows of T are matched in
 * arrival order. Each matched row gets the next row id of its key.
 *
 * Matching (one key). The key's run holds attempts (groups), one per start
 * row, in start order, and threads in preference order (by group, then
 * within a group by the pattern's preference). A thread sits at a CONSUME
 * instruction and has one label per row since its group's start (the
 * variable the row was matched as, or SLCEP_IGNORED). For each row: threads
 * whose group is too old for WITHIN die; a new group starts at the row (the
 * closure of instruction 0); every thread's condition is evaluated (batched
 * per variable: one row per thread in a batch of input columns + navs, then
 * one vectorized evaluation); then threads advance in order. A thread that
 * reaches MATCH records its labels as its group's match and cuts the
 * group's lower-preference threads (they cannot give a preferred match).
 * The earliest group is final when it has no thread left: its match (if
 * any) is emitted and the skip strategy drops the groups that start before
 * the resume row. With SLCEP_SKIP_NONE every MATCH is emitted at once and
 * nothing is cut.
 *
 * State (all keyed data in ctx->state; timers in the operator's timer
 * service, saved with sltimers_save at checkpoints):
 *   cep.bufn  fixed 8  (T, key) -> int64 rows buffered at T
 *   cep.buf   var      (T, key ++ u32 i) -> row i buffered at T
 *   cep.rows  var      (0, key ++ u64 id) -> row `id` of the key, kept while an
 *                      attempt may still use it (ids >= the run's lo)
 *   cep.run   var      (0, key) -> the run: runhdr, groups, threads, labels;
 *                      removed when the key has no attempt left
 *   cep.timers         the timers at checkpoints
 * A stored row: int64 event time, then per input column a byte (0 NULL,
 * 1 value) and the value: 8 bytes (BIGINT, TIMESTAMP, DOUBLE), 1 byte
 * (BOOLEAN), or u32 length + bytes (STRING).
 * Timers: (T, key) namespace TIMER_ROWS; (first start + WITHIN, key)
 * namespace TIMER_EXPIRE drops attempts that can no longer finish in time.
 * Watermark: the forwarded watermark is held behind the first row of the
 * oldest attempt of any key (w->holds, rebuilt from cep.run at restore), so
 * a match emitted later is never behind the watermark downstream.
 * State of a key is bounded by its live attempts: rows before the oldest
 * attempt's start are deleted after every step.
 *
 * Thread: the worker that owns the subtask.
 */
#include <stdio.h>

#include "ops/cep.h"
#include "time/timers.h"

#define TIMER_ROWS 0
#define TIMER_EXPIRE 1

typedef struct runhdr {
    uint64_t next;   /* id of the key's next row */
    uint64_t lo;     /* rows below lo are gone */
    int64_t expiry;  /* pending TIMER_EXPIRE time, SL_TIME_MIN = none */
    int64_t hold;    /* first time of the oldest attempt (in w->holds), SL_TIME_MIN = none */
    uint32_t n_groups, n_threads, n_labels, pad;
} runhdr;

typedef struct cgroup {
    uint64_t start;
    int64_t start_ts;
    uint32_t m_off, m_n; /* the recorded match's labels (m_n 0: none) */
    uint32_t live;       /* threads alive (recomputed each step) */
    uint32_t pad;
} cgroup;

typedef struct cthread {
    uint64_t start; /* its group */
    int32_t pc;
    uint32_t off, n; /* labels */
    uint32_t pad;
} cthread;

typedef struct cepop {
    slop base;
    const slcep_arg *arg; /* borrowed: the graph owns it */
    slkv *bufn, *buf, *rows, *run, *tmr; /* borrowed (state) */
    sltimers *timers;                    /* owned */
    sltimers *holds;                     /* owned: a sorted set of every key's run.hold */
    slexpr_eval *ev;                     /* owned */
    /* the key being processed */
    slbuf key;
    uint64_t hash;
    runhdr h;
    cgroup *g;          /* owned */
    size_t cap_g;
    cthread *t, *nt;    /* owned: threads, next step's threads */
    size_t cap_t, cap_nt;
    uint32_t n_nt;
    slbuf lab, nlab;    /* labels of threads (and group matches), next step's */
    slbatch *win;       /* owned: rows lo .. next-1 of the key */
    /* scratch */
    slbuf ck, ser;
    int32_t *cl, *stack; /* owned: closure */
    uint8_t *seen;       /* owned */
    uint8_t *ok;         /* owned: condition result per thread */
    size_t cap_ok;
    uint32_t *sel;       /* owned: threads of one variable */
    size_t cap_sel;
    slbuf tl;            /* a thread's labels + the tentative one */
    slbatch **cb;        /* owned: condition batch per variable */
    uint8_t *keep;       /* owned */
    size_t cap_keep;
    slbatch *mb;         /* owned: rows of matches waiting for their measures */
    slbatch *res;        /* owned: measure results (out schema) */
    slbatch *out, *late; /* owned: being filled */
    sl_out sout;         /* C select: writes into out */
    bool sout_on;
    int64_t wm;
    int64_t fwd; /* watermark forwarded */
    /* end of input: keys to finish */
    slbuf endkeys;
} cepop;

static int64_t add_sat(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        return b > 0 ? SL_TIME_MAX : SL_TIME_MIN;
    }
    return r;
}

/* ---- rows in state ---- */

static void ser_row(slbuf *o, const slbatch *b, uint32_t i) {
    slbuf_reset(o);
    slbuf_put(o, &b->ts[i], 8);
    slrow_encode(o, b, i, 0, b->schema->n);
}

/* Append the stored row p to b (not full). */
static void deser_row(const char *p, slbatch *b) {
    uint32_t j = b->n;
    memcpy(&b->ts[j], p, 8);
    b->kind[j] = SL_INSERT;
    slrow_decode(p + 8, b, j, 0, b->schema->n);
    b->n = j + 1;
}

/* The current key ++ the n bytes of suffix, in w->ck. */
static const char *comp_key(cepop *w, const void *suffix, size_t n, uint32_t *len) {
    slbuf_reset(&w->ck);
    slbuf_put(&w->ck, w->key.data ? w->key.data : "", w->key.len);
    slbuf_put(&w->ck, suffix, n);
    *len = (uint32_t)w->ck.len;
    return w->ck.data;
}

static const char *key_bytes(const cepop *w) {
    return w->key.data ? w->key.data : "";
}

/* A batch of schema s with room for n rows: *bp reused when big enough
 * (cleared), else replaced. */
static slbatch *batch_room(slbatch **bp, const sl_schema *s, size_t n) {
    if (*bp && (*bp)->cap >= n) {
        slbatch_clear(*bp);
        return *bp;
    }
    size_t cap = SL_MAX(n, *bp ? (size_t)(*bp)->cap * 2 : 8);
    if (cap > UINT32_MAX) {
        slmem_fatal("pattern rows of one key", cap);
    }
    slbatch_free(*bp);
    *bp = slbatch_new(s, (uint32_t)cap);
    return *bp;
}

/* Make room in win for `more` rows, keeping its rows. */
static void win_grow(cepop *w, size_t more) {
    size_t need = (size_t)w->win->n + more;
    if (need <= w->win->cap) {
        return;
    }
    size_t cap = SL_MAX(need, (size_t)w->win->cap * 2);
    if (cap > UINT32_MAX) {
        slmem_fatal("pattern rows of one key", cap);
    }
    slbatch *nb = slbatch_new(w->arg->in, (uint32_t)cap);
    for (uint32_t i = 0; i < w->win->n; i++) {
        slbatch_append_row(nb, w->win, i);
    }
    slbatch_free(w->win);
    w->win = nb;
}

/* ---- output ---- */

static slbatch *take_full(cepop *w, int port) {
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

static slbatch *sout_flush(slbatch *full, void *user) {
    cepop *w = user;
    slop_emit(w->base.ctx, 0, full);
    return slbatch_new(w->arg->out, w->base.ctx->batch_rows);
}

/* Evaluate the measures of the matches in mb and append the output rows
 * (partition columns decoded from the current key). */
static void flush_measures(cepop *w) {
    const slcep_arg *a = w->arg;
    slbatch *mb = w->mb;
    if (!mb || mb->n == 0) {
        return;
    }
    slbatch *res = batch_room(&w->res, a->out, mb->n);
    int nk = a->partition.n;
    for (int m = 0; m < a->n_measures; m++) {
        slexpr_eval_into(w->ev, a->measures[m], mb, res, nk + m);
    }
    for (uint32_t j = 0; j < mb->n; j++) {
        if (nk) {
            slkey_decode(&a->partition, a->in, key_bytes(w), w->key.len, res, 0, j);
        }
        res->ts[j] = mb->ts[j];
        res->kind[j] = SL_INSERT;
    }
    res->n = mb->n;
    for (uint32_t j = 0; j < res->n; j++) {
        slbatch_append_row(take_full(w, 0), res, j);
    }
    slbatch_clear(mb);
}

static void flush(cepop *w) {
    flush_measures(w);
    if (w->sout_on) {
        slout_flush(&w->sout);
    }
    if (w->out && w->out->n) {
        slop_emit(w->base.ctx, 0, w->out);
        w->out = NULL;
    }
    if (w->late && w->late->n) {
        slop_emit(w->base.ctx, 1, w->late);
        w->late = NULL;
    }
}

/* Emit the match of labels[0..n) starting at row id `start`. */
static void emit_match(cepop *w, uint64_t start, const uint8_t *labels, uint32_t n) {
    const slcep_arg *a = w->arg;
    slcep_view v = {w->win, (uint32_t)(start - w->h.lo), n, labels,
                    (const char *const *)a->names, a->n_vars, {0}};
    uint32_t last = v.base + n - 1; /* a match ends with a matched row */
    if (a->select) {
        if (!w->sout_on) {
            slout_init(&w->sout, slbatch_new(a->out, w->base.ctx->batch_rows), sout_flush, w);
            w->sout_on = true;
        }
        w->sout.default_ts = w->win->ts[last];
        a->select(&v, &w->sout, a->select_user);
        return;
    }
    if (w->mb && slbatch_full(w->mb)) {
        flush_measures(w);
    }
    if (!w->mb) {
        w->mb = slbatch_new(a->mschema, w->base.ctx->batch_rows ? w->base.ctx->batch_rows : 1);
    }
    slbatch *mb = w->mb;
    uint32_t j = slbatch_begin_row(mb);
    for (int c = 0; c < a->in->n; c++) {
        slbatch_copy_value(mb, c, j, w->win, c, last);
    }
    for (int k = 0; k < a->n_mnavs; k++) {
        slcep_nav_eval(&a->mnavs[k], &v, mb, a->in->n + k, j);
    }
    mb->ts[j] = w->win->ts[last];
    mb->n = j + 1;
}

/* ---- the run of a key ---- */

static void run_load(cepop *w) {
    uint32_t vl = 0;
    const char *p = slkv_get(w->run, 0, key_bytes(w), (uint32_t)w->key.len, w->hash, &vl);
    slbuf_reset(&w->lab);
    if (!p) {
        w->h = (runhdr){0, 0, SL_TIME_MIN, SL_TIME_MIN, 0, 0, 0, 0};
    } else {
        memcpy(&w->h, p, sizeof w->h);
        const char *q = p + sizeof w->h;
        slmem_grow((void **)&w->g, &w->cap_g, w->h.n_groups + 1, sizeof *w->g);
        memcpy(w->g, q, w->h.n_groups * sizeof *w->g);
        q += w->h.n_groups * sizeof *w->g;
        slmem_grow((void **)&w->t, &w->cap_t, w->h.n_threads + 1, sizeof *w->t);
        memcpy(w->t, q, w->h.n_threads * sizeof *w->t);
        q += w->h.n_threads * sizeof *w->t;
        slbuf_put(&w->lab, q, w->h.n_labels);
        slkv_release(w->run, (void *)p, false);
    }
    /* the live rows */
    slbatch_clear(w->win);
    win_grow(w, w->h.next - w->h.lo);
    for (uint64_t id = w->h.lo; id < w->h.next; id++) {
        uint32_t cl;
        const char *ck = comp_key(w, &id, 8, &cl);
        const char *r = slkv_get(w->rows, 0, ck, cl, w->hash, &vl);
        if (!r) {
            slmem_fatal("pattern row missing from state", (size_t)id);
        }
        deser_row(r, w->win);
        slkv_release(w->rows, (void *)r, false);
    }
}

/* Drop rows no attempt can use, set the expiry timer, and store the run (or
 * remove it when no attempt is left). */
static void run_store(cepop *w) {
    uint64_t lo = w->h.n_groups ? w->g[0].start : w->h.next;
    for (uint64_t id = w->h.lo; id < lo; id++) {
        uint32_t cl;
        const char *ck = comp_key(w, &id, 8, &cl);
        slkv_remove(w->rows, 0, ck, cl, w->hash);
    }
    w->h.lo = lo;
    int64_t expiry = SL_TIME_MIN;
    if (w->arg->within_us && w->h.n_groups) {
        expiry = add_sat(w->g[0].start_ts, w->arg->within_us);
    }
    if (expiry != w->h.expiry) {
        if (w->h.expiry != SL_TIME_MIN) {
            sltimers_delete(w->timers, SLTIMER_EVENT, w->h.expiry, TIMER_EXPIRE, key_bytes(w),
                            (uint32_t)w->key.len, w->hash);
        }
        if (expiry != SL_TIME_MIN) {
            sltimers_set(w->timers, SLTIMER_EVENT, expiry, TIMER_EXPIRE, key_bytes(w),
                         (uint32_t)w->key.len, w->hash);
        }
        w->h.expiry = expiry;
    }
    int64_t hold = w->h.n_groups ? w->g[0].start_ts : SL_TIME_MIN;
    if (hold != w->h.hold) {
        if (w->h.hold != SL_TIME_MIN) {
            sltimers_delete(w->holds, SLTIMER_EVENT, w->h.hold, 0, key_bytes(w),
                            (uint32_t)w->key.len, w->hash);
        }
        if (hold != SL_TIME_MIN) {
            sltimers_set(w->holds, SLTIMER_EVENT, hold, 0, key_bytes(w), (uint32_t)w->key.len,
                         w->hash);
        }
        w->h.hold = hold;
    }
    if (w->h.n_groups == 0) {
        slkv_remove(w->run, 0, key_bytes(w), (uint32_t)w->key.len, w->hash);
        return;
    }
    /* compact the labels: group matches, then threads */
    slbuf_reset(&w->nlab);
    for (uint32_t i = 0; i < w->h.n_groups; i++) {
        cgroup *g = &w->g[i];
        uint32_t off = (uint32_t)w->nlab.len;
        slbuf_put(&w->nlab, w->lab.data + g->m_off, g->m_n);
        g->m_off = off;
    }
    for (uint32_t i = 0; i < w->h.n_threads; i++) {
        cthread *t = &w->t[i];
        uint32_t off = (uint32_t)w->nlab.len;
        slbuf_put(&w->nlab, w->lab.data + t->off, t->n);
        t->off = off;
    }
    w->h.n_labels = (uint32_t)w->nlab.len;
    slbuf_reset(&w->ser);
    slbuf_put(&w->ser, &w->h, sizeof w->h);
    slbuf_put(&w->ser, w->g, w->h.n_groups * sizeof *w->g);
    slbuf_put(&w->ser, w->t, w->h.n_threads * sizeof *w->t);
    slbuf_put(&w->ser, w->nlab.data, w->nlab.len);
    slkv_put(w->run, 0, key_bytes(w), (uint32_t)w->key.len, w->hash, w->ser.data,
             (uint32_t)w->ser.len);
}

/* The resume row after the match of group g. */
static uint64_t resume_at(const cepop *w, const cgroup *g) {
    const uint8_t *m = (const uint8_t *)w->lab.data + g->m_off;
    uint64_t r = g->start + 1;
    switch (w->arg->skip) {
    case SLCEP_SKIP_PAST_LAST:
        r = g->start + g->m_n;
        break;
    case SLCEP_SKIP_TO_FIRST:
    case SLCEP_SKIP_TO_LAST: {
        bool first = w->arg->skip == SLCEP_SKIP_TO_FIRST;
        for (uint32_t i = 0; i < g->m_n; i++) {
            uint32_t k = first ? i : g->m_n - 1 - i;
            if (m[k] == (uint8_t)w->arg->skip_var) {
                r = g->start + k;
                break;
            }
        }
        /* Resuming at the match's own first row would find it again (SQL
         * raises an error there); the next row is the nearest sane choice. */
        r = SL_MAX(r, g->start + 1);
        break;
    }
    default:
        break;
    }
    return r;
}

/* Count each group's threads, emit final matches in start order, drop
 * what the skip strategy and finished attempts leave behind. */
static void settle(cepop *w) {
    for (uint32_t i = 0; i < w->h.n_groups; i++) {
        w->g[i].live = 0;
    }
    uint32_t gi = 0;
    for (uint32_t i = 0; i < w->h.n_threads; i++) {
        while (w->g[gi].start != w->t[i].start) {
            gi++;
        }
        w->g[gi].live++;
    }
    uint64_t drop_below = 0; /* groups starting before this are skipped */
    uint32_t keep = 0;
    bool blocked = false;
    for (uint32_t i = 0; i < w->h.n_groups; i++) {
        cgroup *g = &w->g[i];
        if (g->start < drop_below) {
            continue;
        }
        if (w->arg->skip == SLCEP_SKIP_NONE) {
            if (g->live) {
                w->g[keep++] = *g;
            }
            continue;
        }
        if (blocked || g->live) {
            blocked = true; /* later groups wait for this one */
            w->g[keep++] = *g;
            continue;
        }
        if (g->m_n) {
            emit_match(w, g->start, (const uint8_t *)w->lab.data + g->m_off, g->m_n);
            drop_below = resume_at(w, g);
        }
    }
    w->h.n_groups = keep;
    if (drop_below) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < w->h.n_threads; i++) {
            if (w->t[i].start >= drop_below) {
                w->t[k++] = w->t[i];
            }
        }
        w->h.n_threads = k;
    }
}

/* Append a thread of the next step: labels[0..n) then `extra` (-1: none). */
static void push_thread(cepop *w, uint64_t start, int32_t pc, const uint8_t *labels, uint32_t n,
                        int extra) {
    slmem_grow((void **)&w->nt, &w->cap_nt, (size_t)w->n_nt + 1, sizeof *w->nt);
    cthread *t = &w->nt[w->n_nt++];
    *t = (cthread){start, pc, (uint32_t)w->nlab.len, n + (extra >= 0), 0};
    slbuf_put(&w->nlab, labels, n);
    if (extra >= 0) {
        slbuf_putc(&w->nlab, (char)extra);
    }
}

static cgroup *group_of(cepop *w, uint64_t start) {
    for (uint32_t i = 0; i < w->h.n_groups; i++) { /* few groups: a scan */
        if (w->g[i].start == start) {
            return &w->g[i];
        }
    }
    return NULL;
}

/* Evaluate every thread's condition on window row `r` into w->ok. */
static void evaluate(cepop *w, uint32_t r) {
    const slcep_arg *a = w->arg;
    uint32_t nt = w->h.n_threads;
    slmem_grow((void **)&w->ok, &w->cap_ok, nt + 1, 1);
    slmem_grow((void **)&w->sel, &w->cap_sel, nt + 1, sizeof *w->sel);
    const slcep_prog *prog = a->prog;
    for (int v = 0; v < a->n_vars; v++) {
        uint32_t ns = 0;
        for (uint32_t i = 0; i < nt; i++) {
            if (prog->ins[w->t[i].pc].var == v) {
                w->sel[ns++] = i;
            }
        }
        if (ns == 0) {
            continue;
        }
        const slcep_cond *c = &a->conds[v];
        if (!c->e && !c->fn) {
            for (uint32_t s = 0; s < ns; s++) {
                w->ok[w->sel[s]] = 1;
            }
            continue;
        }
        /* rows to evaluate: one per thread, or one for all when the
         * condition reads the current row only */
        bool per_thread = c->fn || c->n_navs > 0;
        uint32_t nrows = per_thread ? ns : 1;
        slbatch *b = NULL;
        if (c->e) {
            b = batch_room(&w->cb[v], c->schema, nrows);
        }
        for (uint32_t s = 0; s < nrows; s++) {
            const cthread *t = &w->t[w->sel[s]];
            slbuf_reset(&w->tl);
            slbuf_put(&w->tl, w->lab.data + t->off, t->n);
            slbuf_putc(&w->tl, (char)v);
            slcep_view view = {w->win, (uint32_t)(t->start - w->h.lo), t->n + 1,
                               (const uint8_t *)w->tl.data, (const char *const *)a->names,
                               a->n_vars, {0}};
            if (c->fn) {
                struct sl_row row = {w->win, r};
                w->ok[w->sel[s]] = c->fn(&row, &view, c->user) ? 1 : 0;
                continue;
            }
            uint32_t j = slbatch_begin_row(b);
            for (int col = 0; col < a->in->n; col++) {
                slbatch_copy_value(b, col, j, w->win, col, r);
            }
            for (int k = 0; k < c->n_navs; k++) {
                slcep_nav_eval(&c->navs[k], &view, b, a->in->n + k, j);
            }
            b->ts[j] = w->win->ts[r];
            b->n = j + 1;
        }
        if (c->e) {
            slmem_grow((void **)&w->keep, &w->cap_keep, nrows + 1, 1);
            slexpr_eval_filter(w->ev, c->e, b, w->keep);
            for (uint32_t s = 0; s < ns; s++) {
                w->ok[w->sel[s]] = w->keep[per_thread ? s : 0];
            }
        }
    }
}

/* Match window row r (id = w->h.next, already appended to win). */
static void step(cepop *w, uint32_t r) {
    const slcep_arg *a = w->arg;
    const slcep_prog *prog = a->prog;
    uint64_t id = w->h.next++;
    int64_t ts = w->win->ts[r];
    /* WITHIN: attempts whose first row is too old for this row end here */
    if (a->within_us) {
        uint32_t k = 0, gi = 0;
        for (uint32_t i = 0; i < w->h.n_threads; i++) {
            while (w->g[gi].start != w->t[i].start) { /* both in start order */
                gi++;
            }
            if (ts - w->g[gi].start_ts < a->within_us) {
                w->t[k++] = w->t[i];
            }
        }
        w->h.n_threads = k;
    }
    /* a new attempt at this row */
    slmem_grow((void **)&w->g, &w->cap_g, (size_t)w->h.n_groups + 1, sizeof *w->g);
    w->g[w->h.n_groups++] = (cgroup){id, ts, 0, 0, 0, 0};
    int nc = slcep_closure(prog, 0, w->cl, w->seen, w->stack);
    slmem_grow((void **)&w->t, &w->cap_t, (size_t)w->h.n_threads + (size_t)nc + 1, sizeof *w->t);
    for (int i = 0; i < nc; i++) {
        w->t[w->h.n_threads++] = (cthread){id, w->cl[i], 0, 0, 0};
    }
    evaluate(w, r);
    /* advance in preference order, into nt / nlab (recorded matches first) */
    w->n_nt = 0;
    slbuf_reset(&w->nlab);
    for (uint32_t i = 0; i < w->h.n_groups; i++) {
        cgroup *g = &w->g[i];
        uint32_t off = (uint32_t)w->nlab.len;
        slbuf_put(&w->nlab, w->lab.data + g->m_off, g->m_n);
        g->m_off = off;
    }
    uint64_t cut = UINT64_MAX; /* the group whose remaining threads are cut */
    for (uint32_t i = 0; i < w->h.n_threads; i++) {
        const cthread *t = &w->t[i];
        if (t->start == cut) {
            continue;
        }
        const slcep_ins *in = &prog->ins[t->pc];
        const uint8_t *labels = (const uint8_t *)w->lab.data + t->off;
        if (w->ok[i]) {
            int k = slcep_closure(prog, in->x, w->cl, w->seen, w->stack);
            for (int c = 0; c < k; c++) {
                if (prog->ins[w->cl[c]].op == SLCEP_I_MATCH) {
                    if (a->skip == SLCEP_SKIP_NONE) {
                        /* every match, now: labels + v in tl */
                        slbuf_reset(&w->tl);
                        slbuf_put(&w->tl, labels, t->n);
                        slbuf_putc(&w->tl, (char)in->var);
                        emit_match(w, t->start, (const uint8_t *)w->tl.data, t->n + 1);
                        continue;
                    }
                    cgroup *g = group_of(w, t->start);
                    g->m_off = (uint32_t)w->nlab.len;
                    g->m_n = t->n + 1;
                    slbuf_put(&w->nlab, labels, t->n);
                    slbuf_putc(&w->nlab, (char)in->var);
                    cut = t->start;
                    break;
                }
                push_thread(w, t->start, w->cl[c], labels, t->n, in->var);
            }
        }
        if (t->start != cut && ((in->contig == SLCEP_RELAXED && !w->ok[i]) ||
                                in->contig == SLCEP_ANY)) {
            push_thread(w, t->start, t->pc, labels, t->n, SLCEP_IGNORED);
        }
    }
    /* the next step's threads become current */
    cthread *tt = w->t;
    size_t tc = w->cap_t;
    w->t = w->nt;
    w->cap_t = w->cap_nt;
    w->nt = tt;
    w->cap_nt = tc;
    w->h.n_threads = w->n_nt;
    slbuf lb = w->lab;
    w->lab = w->nlab;
    w->nlab = lb;
    settle(w);
}

/* Drop the threads of attempts that started at or before `upto` - WITHIN
 * (all threads when upto is SL_TIME_MAX), then settle. */
static void expire(cepop *w, int64_t upto) {
    uint32_t k = 0, gi = 0;
    for (uint32_t i = 0; i < w->h.n_threads; i++) {
        while (w->g[gi].start != w->t[i].start) {
            gi++;
        }
        bool old = upto == SL_TIME_MAX ||
                   (w->arg->within_us && add_sat(w->g[gi].start_ts, w->arg->within_us) <= upto);
        if (!old) {
            w->t[k++] = w->t[i];
        }
    }
    w->h.n_threads = k;
    settle(w);
}

static void set_key(cepop *w, const void *key, uint32_t klen, uint64_t hash) {
    slbuf_reset(&w->key);
    if (klen) {
        slbuf_put(&w->key, key, klen);
    }
    w->hash = hash;
}

/* Match the current key's rows buffered at T, in arrival order. */
static void process_rows(cepop *w, int64_t T) {
    uint32_t vl = 0;
    void *cp = slkv_get(w->bufn, (uint64_t)T, key_bytes(w), (uint32_t)w->key.len, w->hash, &vl);
    if (!cp) {
        return;
    }
    int64_t n;
    memcpy(&n, cp, 8);
    slkv_release(w->bufn, cp, false);
    slkv_remove(w->bufn, (uint64_t)T, key_bytes(w), (uint32_t)w->key.len, w->hash);
    run_load(w);
    win_grow(w, (size_t)n);
    for (uint32_t i = 0; i < (uint32_t)n; i++) {
        uint32_t cl;
        const char *ck = comp_key(w, &i, 4, &cl);
        const char *p = slkv_get(w->buf, (uint64_t)T, ck, cl, w->hash, &vl);
        if (!p) {
            continue;
        }
        /* keep the row under its id, then match it */
        slbuf_reset(&w->ser);
        slbuf_put(&w->ser, p, vl);
        slkv_release(w->buf, (void *)p, false);
        slkv_remove(w->buf, (uint64_t)T, ck, cl, w->hash);
        uint64_t id = w->h.next;
        ck = comp_key(w, &id, 8, &cl);
        slkv_put(w->rows, 0, ck, cl, w->hash, w->ser.data, (uint32_t)w->ser.len);
        deser_row(w->ser.data, w->win);
        step(w, w->win->n - 1);
    }
    run_store(w);
    flush_measures(w);
}

/* The expiry timer at E fired (watermark wm >= E). */
static void expire_key(cepop *w, int64_t E, int64_t wm) {
    uint32_t vl = 0;
    void *p = slkv_get(w->run, 0, key_bytes(w), (uint32_t)w->key.len, w->hash, &vl);
    if (!p) {
        return;
    }
    slkv_release(w->run, p, false);
    run_load(w);
    if (w->h.expiry != E) {
        return; /* superseded: the timer of the current expiry is pending */
    }
    w->h.expiry = SL_TIME_MIN; /* it fired */
    expire(w, wm);
    run_store(w);
    flush_measures(w);
}

static void on_timer(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                     uint32_t klen, uint64_t hash) {
    SL_UNUSED(d);
    cepop *w = user;
    set_key(w, key, klen, hash);
    if (ns == TIMER_ROWS) {
        process_rows(w, ts);
    } else {
        expire_key(w, ts, w->wm);
    }
}

/* Buffer row i of b under (its time, its key) and set its timer. */
static void buffer_row(cepop *w, const slbatch *b, uint32_t i) {
    int64_t T = b->ts[i];
    w->hash = slkey_encode(&w->arg->partition, b, i, &w->key);
    bool created = false;
    void *cp = slkv_upsert(w->bufn, (uint64_t)T, key_bytes(w), (uint32_t)w->key.len, w->hash,
                           &created);
    int64_t n = 0;
    if (!created) {
        memcpy(&n, cp, 8);
    }
    if (n >= (int64_t)UINT32_MAX) {
        slmem_fatal("pattern rows of one key and time", (size_t)n);
    }
    uint32_t idx = (uint32_t)n;
    n++;
    memcpy(cp, &n, 8);
    slkv_release(w->bufn, cp, true);
    ser_row(&w->ser, b, i);
    uint32_t cl;
    const char *ck = comp_key(w, &idx, 4, &cl);
    slkv_put(w->buf, (uint64_t)T, ck, cl, w->hash, w->ser.data, (uint32_t)w->ser.len);
    sltimers_set(w->timers, SLTIMER_EVENT, T, TIMER_ROWS, key_bytes(w), (uint32_t)w->key.len,
                 w->hash);
}

/* ---- the operator ---- */

static sl_err cep_open(slop *op, slopctx *c) {
    cepop *w = (cepop *)op;
    slstate *s = c->state;
    if (!s) {
        return slerr_set(SL_ERR_STATE, "pattern: no keyed state (the node must be marked keyed)");
    }
    w->bufn = slstate_table(s, "cep.bufn", 8);
    w->buf = slstate_table(s, "cep.buf", 0);
    w->rows = slstate_table(s, "cep.rows", 0);
    w->run = slstate_table(s, "cep.run", 0);
    w->tmr = slstate_table(s, "cep.timers", SLTIMERS_STATE_VAL);
    w->win = slbatch_new(w->arg->in, 16);
    w->ev = slexpr_eval_new(c->batch_rows ? c->batch_rows : 1);
    w->wm = SL_TIME_MIN;
    w->fwd = SL_TIME_MIN;
    return SL_OK;
}

static void cep_batch_take(slop *op, int input, slbatch *b) {
    SL_UNUSED(input);
    cepop *w = (cepop *)op;
    slopctx *c = op->ctx;
    slmetric_add(&c->metrics->rows_in, b->n);
    for (uint32_t i = 0; i < b->n; i++) {
        if (w->wm != SL_TIME_MIN && b->ts[i] <= w->wm) {
            slbatch_append_row(take_full(w, 1), b, i);
            slmetric_add(&c->metrics->rows_late, 1);
            continue;
        }
        buffer_row(w, b, i);
    }
    slbatch_free(b);
    flush(w);
}

static bool collect_key(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                        void *user) {
    SL_UNUSED(ns);
    SL_UNUSED(val);
    SL_UNUSED(vlen);
    cepop *w = user;
    uint64_t hash = slhash_bytes(key, klen, 0); /* as slkey_encode hashes keys */
    slbuf_put(&w->endkeys, &klen, 4);
    slbuf_put(&w->endkeys, &hash, 8);
    slbuf_put(&w->endkeys, key, klen);
    return true;
}

/* End of input: every attempt ends; emit what is final. */
static void finish_all(cepop *w) {
    slbuf_reset(&w->endkeys);
    slkv_visit_all(w->run, collect_key, w);
    size_t off = 0;
    while (off < w->endkeys.len) {
        uint32_t klen;
        uint64_t hash;
        memcpy(&klen, w->endkeys.data + off, 4);
        memcpy(&hash, w->endkeys.data + off + 4, 8);
        off += 12;
        set_key(w, w->endkeys.data + off, klen, hash);
        off += klen;
        run_load(w);
        expire(w, SL_TIME_MAX);
        run_store(w);
        flush_measures(w);
    }
}

/* The watermark forwarded: held back behind the oldest attempt of any key,
 * whose match (emitted later, with the time of its last row) would
 * otherwise be behind the watermark downstream. Never goes back. */
static int64_t cep_watermark(slop *op, int64_t wm) {
    cepop *w = (cepop *)op;
    if (wm > w->wm) {
        w->wm = wm;
    }
    sltimers_pop_due(w->timers, SLTIMER_EVENT, w->wm, on_timer, w);
    if (w->wm == SL_TIME_MAX) {
        finish_all(w);
    }
    flush(w);
    int64_t fwd = w->wm, hold = sltimers_next(w->holds, SLTIMER_EVENT);
    if (hold != SL_TIME_MAX) {
        fwd = SL_MIN(fwd, add_sat(hold, -1));
    }
    w->fwd = SL_MAX(w->fwd, fwd);
    return w->fwd;
}

static void cep_end(slop *op) {
    flush((cepop *)op);
}

static sl_err cep_snapshot(slop *op, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    SL_UNUSED(opstate);
    cepop *w = (cepop *)op;
    sltimers_save(w->timers, w->tmr);
    return SL_OK;
}

static bool restore_hold(uint64_t ns, const void *key, uint32_t klen, void *val, uint32_t vlen,
                         void *user) {
    SL_UNUSED(ns);
    cepop *w = user;
    runhdr h;
    if (vlen >= sizeof h) {
        memcpy(&h, val, sizeof h);
        if (h.hold != SL_TIME_MIN) {
            sltimers_set(w->holds, SLTIMER_EVENT, h.hold, 0, key, klen, slhash_bytes(key, klen, 0));
        }
    }
    return true;
}

/* Timers from their table; the holds from the runs. */
static sl_err cep_restore(slop *op, const slbuf *opstate, int n) {
    SL_UNUSED(opstate);
    SL_UNUSED(n);
    cepop *w = (cepop *)op;
    sltimers_load(w->timers, w->tmr);
    slkv_visit_all(w->run, restore_hold, w);
    return SL_OK;
}

static void cep_free(slop *op) {
    cepop *w = (cepop *)op;
    if (!w) {
        return;
    }
    sltimers_free(w->timers);
    sltimers_free(w->holds);
    slexpr_eval_free(w->ev);
    slbuf_free(&w->key);
    slmem_free(w->g);
    slmem_free(w->t);
    slmem_free(w->nt);
    slbuf_free(&w->lab);
    slbuf_free(&w->nlab);
    slbatch_free(w->win);
    slbuf_free(&w->ck);
    slbuf_free(&w->ser);
    slmem_free(w->cl);
    slmem_free(w->stack);
    slmem_free(w->seen);
    slmem_free(w->ok);
    slmem_free(w->sel);
    slbuf_free(&w->tl);
    for (int v = 0; v < w->arg->n_vars; v++) {
        slbatch_free(w->cb[v]);
    }
    slmem_free(w->cb);
    slmem_free(w->keep);
    slbatch_free(w->mb);
    slbatch_free(w->res);
    slbatch_free(w->out);
    slbatch_free(w->late);
    if (w->sout_on) {
        slbatch_free(w->sout.b);
    }
    slbuf_free(&w->endkeys);
    slmem_free(w);
}

static const slop_vt cep_vt = {
    .name = "match",
    .open = cep_open,
    .batch_take = cep_batch_take,
    .watermark = cep_watermark,
    .end = cep_end,
    .free = cep_free,
    .snapshot = cep_snapshot,
    .restore = cep_restore,
};

slop *slcep_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    const slcep_arg *a = arg;
    cepop *w = slmem_calloc(1, sizeof *w);
    w->base.vt = &cep_vt;
    w->arg = a;
    int n = a->prog->n;
    w->cl = slmem_alloc(slmem_mul((size_t)n, sizeof(int32_t)));
    w->stack = slmem_alloc(slmem_mul((size_t)n * 2 + 2, sizeof(int32_t)));
    w->seen = slmem_alloc((size_t)n);
    w->cb = slmem_calloc((size_t)a->n_vars, sizeof *w->cb);
    w->timers = sltimers_new();
    w->holds = sltimers_new();
    return &w->base;
}
