/*
 * task.c - what a worker thread does: run one task (a chain of operator
 * instances of one subtask) until its inputs end, the job is cancelled or an
 * operator fails.
 *
 * Data: a source task reads batches and emits them through the chain; an
 * operator task pops elements from its inbox. Emitting on a chained port calls
 * the successor's batch_take directly; other ports go to channels (cloning the
 * batch for every consumer but the last, scattering rows by key group for
 * hash partitioning).
 *
 * Time: watermarks travel in order with batches. A task keeps the last
 * watermark of every input channel; an input's watermark is the minimum over
 * its active (not idle, not ended) channels, the task's the minimum over its
 * inputs; idle inputs do not count and if all are idle the task forwards
 * idleness. Everything forwarded is monotonic (wm_out). Sources turn idle
 * after conf.idle_timeout_us of processing time without rows.
 *
 * End: when every input channel has ended (or the source is exhausted) the
 * chain gets watermark SL_TIME_MAX, then end() in chain order, then its output
 * channels get SLMSG_END. A cancel skips all of that.
 */
#include <stdio.h>

#include "runtime/rt_int.h"

#define NAP_US 1000            /* a source with nothing to read waits this long */
#define TICK_WAIT_MIN_US 1000  /* bounds of an input wait when a tick is pending */
#define TICK_WAIT_MAX_US 100000
#define CK_WAIT_US 20000       /* with checkpoints: look for completed ones this often */

static bool cancelled(const slrt *rt) {
    return __atomic_load_n(&rt->cancel, __ATOMIC_ACQUIRE) != 0;
}

void slrt_cancel(slrt *rt) {
    if (__atomic_exchange_n(&rt->cancel, 1, __ATOMIC_ACQ_REL)) {
        return;
    }
    for (int i = 0; i < rt->n_tasks; i++) {
        slinbox_close(&rt->tasks[i].box);
    }
}

void slrt_fail(slrt *rt, sl_err err, const char *who) {
    pthread_mutex_lock(&rt->mu);
    if (!rt->err) {
        rt->err = err ? err : SL_ERR_RUNTIME;
        const char *msg = sl_errmsg();
        snprintf(rt->errmsg, sizeof rt->errmsg, "%s: %s", who, *msg ? msg : "failed");
    }
    pthread_mutex_unlock(&rt->mu);
    slrt_cancel(rt);
}

/* ---- batches ---- */

/* A new batch with rows idx[0..n) of src (all rows in order if idx is NULL);
 * strings are copied into the new batch's arena. */
static slbatch *batch_gather(const slbatch *src, const uint32_t *idx, uint32_t n) {
    slbatch *d = slbatch_new(src->schema, n);
    for (int c = 0; c < src->schema->n; c++) {
        const slcol *s = &src->cols[c];
        slcol *dc = &d->cols[c];
        if (!idx) {
            memcpy(dc->nulls, s->nulls, n);
        } else {
            for (uint32_t k = 0; k < n; k++) {
                dc->nulls[k] = s->nulls[idx[k]];
            }
        }
        switch (s->type) {
        case SL_BOOLEAN:
            for (uint32_t k = 0; k < n; k++) {
                dc->v.b[k] = s->v.b[idx ? idx[k] : k];
            }
            break;
        case SL_DOUBLE:
            for (uint32_t k = 0; k < n; k++) {
                dc->v.f64[k] = s->v.f64[idx ? idx[k] : k];
            }
            break;
        case SL_STRING:
            for (uint32_t k = 0; k < n; k++) {
                uint32_t i = idx ? idx[k] : k;
                if (!s->nulls[i]) {
                    slbatch_set_str(d, c, k, s->v.s[i].ptr, s->v.s[i].len);
                }
            }
            break;
        default:
            for (uint32_t k = 0; k < n; k++) {
                dc->v.i64[k] = s->v.i64[idx ? idx[k] : k];
            }
            break;
        }
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = idx ? idx[k] : k;
        d->ts[k] = src->ts[i];
        d->kind[k] = src->kind[i];
    }
    d->n = n;
    return d;
}

static void push(slrt_inst *in, slchan *c, slmsg m) {
    slchan_push(c, m, &in->metrics.blocked_us);
}

static void push_batch(slrt_inst *in, slchan *c, slbatch *b) {
    slmsg m = {.kind = SLMSG_BATCH, .b = b};
    push(in, c, m);
}

/* Scatter the rows of b over the consumer subtasks by key group (takes b). */
static void send_hash(slrt_inst *in, slrt_out *o, slbatch *b) {
    slrt_task *t = in->task;
    int n_kg = t->rt->n_kg;
    uint32_t n = b->n;
    slmem_grow((void **)&t->hashes, &t->cap_hashes, n, sizeof *t->hashes);
    slmem_grow((void **)&t->idx, &t->cap_idx, n, sizeof *t->idx);
    slmem_grow((void **)&t->counts, &t->cap_counts, (size_t)o->n + 1, sizeof *t->counts);
    slkey_hash_batch(&o->key, b, t->hashes, &t->key_buf);
    memset(t->counts, 0, ((size_t)o->n + 1) * sizeof *t->counts);
    /* The hash array is reused for each row's target subtask. */
    for (uint32_t i = 0; i < n; i++) {
        int target = slkey_subtask(slkey_group(t->hashes[i], n_kg), n_kg, o->n);
        t->hashes[i] = (uint64_t)target;
        t->counts[target + 1]++;
    }
    for (int j = 0; j < o->n; j++) {
        if (t->counts[j + 1] == n) {
            push_batch(in, o->chans[j], b); /* every row goes to one subtask */
            return;
        }
    }
    for (int j = 0; j < o->n; j++) {
        t->counts[j + 1] += t->counts[j]; /* counts[j] = first slot of target j */
    }
    for (uint32_t i = 0; i < n; i++) {
        t->idx[t->counts[t->hashes[i]]++] = i; /* counts[j] advances to the end of j */
    }
    uint32_t start = 0;
    for (int j = 0; j < o->n; j++) {
        uint32_t end = t->counts[j];
        if (end > start) {
            push_batch(in, o->chans[j], batch_gather(b, t->idx + start, end - start));
        }
        start = end;
    }
    slbatch_free(b);
}

static void send_out(slrt_inst *in, slrt_out *o, slbatch *b) {
    if (o->n == 1) {
        push_batch(in, o->chans[0], b);
    } else if (o->mode == SLRT_HASH) {
        send_hash(in, o, b);
    } else {
        push_batch(in, o->chans[o->rr++ % (uint32_t)o->n], b);
    }
}

static void deliver(slrt_inst *to, int input, slbatch *b) {
    slmetric_add(&to->rows_delivered, b->n);
    to->op->vt->batch_take(to->op, input, b);
}

void slrt_ctx_emit(slopctx *c, int port, slbatch *b) {
    slrt_inst *in = c->rt;
    if (port < 0 || port >= SL_MAX_PORTS) {
        slbatch_free(b);
        return;
    }
    slrt_port *p = &in->ports[port];
    if (p->next) {
        deliver(p->next, p->next_input, b);
        return;
    }
    if (p->n_outs == 0) {
        slbatch_free(b); /* nothing consumes this port */
        return;
    }
    for (int k = 0; k < p->n_outs; k++) {
        slbatch *x = k == p->n_outs - 1 ? b : batch_gather(b, NULL, b->n);
        send_out(in, &p->outs[k], x);
    }
}

/* Send a control element to every channel of every port of `in`. */
void slrt_broadcast(slrt_inst *in, slmsg m) {
    for (int port = 0; port < SL_MAX_PORTS; port++) {
        slrt_port *p = &in->ports[port];
        for (int k = 0; k < p->n_outs; k++) {
            for (int j = 0; j < p->outs[k].n; j++) {
                push(in, p->outs[k].chans[j], m);
            }
        }
    }
}

/* ---- watermarks and idleness ---- */

static void input_watermark(slrt_inst *in, int64_t wm);

/* `in` produces watermark wm: forward it if it advances. */
static void output_watermark(slrt_inst *in, int64_t wm) {
    if (wm <= in->wm_out) {
        return;
    }
    in->wm_out = wm;
    slrt_inst *next = in->ports[0].next;
    if (next && wm > next->ctx.watermark) {
        next->ctx.input_wm[in->ports[0].next_input] = wm;
        input_watermark(next, wm);
    }
    slmsg m = {.kind = SLMSG_WATERMARK, .v = wm};
    slrt_broadcast(in, m);
}

/* The combined input watermark of `in` advanced to wm (input_wm[] set). */
static void input_watermark(slrt_inst *in, int64_t wm) {
    in->ctx.watermark = wm;
    __atomic_store_n(&in->metrics.watermark, wm, __ATOMIC_RELAXED);
    int64_t out = wm;
    if (in->op && in->op->vt->watermark) {
        out = in->op->vt->watermark(in->op, wm);
    }
    output_watermark(in, out);
}

static void output_idle(slrt_inst *in, bool idle) {
    if (in->idle_out == idle) {
        return;
    }
    in->idle_out = idle;
    if (in->ports[0].next) {
        output_idle(in->ports[0].next, idle); /* its only input is idle */
    }
    slmsg m = {.kind = SLMSG_IDLE, .v = idle};
    slrt_broadcast(in, m);
}

void slrt_ctx_emit_watermark(slopctx *c, int64_t wm) {
    output_watermark(c->rt, wm);
}

void slrt_ctx_emit_idle(slopctx *c, bool idle) {
    output_idle(c->rt, idle);
}

/* Recompute the head's input watermarks after a channel's watermark, idleness
 * or end changed; forward what advanced. */
static void combine(slrt_task *t) {
    slrt_inst *h = t->chain[0];
    int64_t total = SL_TIME_MAX;
    bool any_active = false, all_ended = true;
    for (int i = 0; i < t->n_inputs; i++) {
        int64_t m = SL_TIME_MAX;
        bool active = false, ended = true;
        for (int k = 0; k < t->box.n_chans; k++) {
            const slchan *c = t->box.chans[k];
            if (c->input != i || c->ended) {
                continue;
            }
            ended = false;
            if (c->idle) {
                continue;
            }
            active = true;
            m = SL_MIN(m, c->wm);
        }
        if (ended) {
            h->ctx.input_wm[i] = SL_TIME_MAX;
            continue;
        }
        all_ended = false;
        if (!active) {
            continue; /* idle: does not hold back the watermark */
        }
        any_active = true;
        if (m > h->ctx.input_wm[i]) {
            h->ctx.input_wm[i] = m;
        }
        total = SL_MIN(total, h->ctx.input_wm[i]);
    }
    bool idle = !all_ended && !any_active;
    if (idle != t->idle) {
        t->idle = idle;
        output_idle(h, idle);
    }
    if (!idle && total > h->ctx.watermark) {
        input_watermark(h, total);
    }
}

/* ---- processing time ---- */

static void fire_ticks(slrt_task *t, int64_t now) {
    int64_t next = SL_TIME_MAX;
    for (int k = 0; k < t->n_chain; k++) {
        slrt_inst *in = t->chain[k];
        if (!in->op || !in->op->vt->tick) {
            continue;
        }
        if (in->next_tick <= now) {
            in->next_tick = in->op->vt->tick(in->op, now);
        }
        next = SL_MIN(next, in->next_tick);
    }
    t->next_tick = next;
}

/* Fire due ticks; returns the processing time read (or 0 if none pending). */
static int64_t check_ticks(slrt_task *t) {
    if (t->next_tick == SL_TIME_MAX) {
        return 0;
    }
    int64_t now = slclock_now(&t->rt->g->conf.clock);
    if (now >= t->next_tick) {
        fire_ticks(t, now);
    }
    return now;
}

/* ---- state between elements ---- */

/* An element (batch, watermark, tick, end) has been processed and no
 * operator code of the task runs: state pointers are released
 * (slstate_unpin_all), backend failures and the memory backend's limit
 * (state.backend.memory.max-bytes) fail the job. Returns false if it failed. */
static bool step_done(slrt_task *t) {
    const slconf *conf = &t->rt->g->conf;
    for (int k = 0; k < t->n_chain; k++) {
        slrt_inst *in = t->chain[k];
        char who[300];
        if (in->ctx.failed) {
            snprintf(who, sizeof who, "operator '%.256s'", in->node->name);
            slerr_set(in->ctx.failed, "%s", in->ctx.fail_msg);
            slrt_fail(t->rt, in->ctx.failed, who);
            return false;
        }
        slstate *st = in->ctx.state;
        if (!st) {
            continue;
        }
        slerr_clear();
        sl_err err = slstate_unpin_all(st);
        if (!err && conf->state_backend == SLSTATE_MEMORY && conf->memory_max_bytes > 0) {
            uint64_t bytes = slstate_bytes(st);
            if (bytes > conf->memory_max_bytes) {
                err = slerr_set(SL_ERR_RUNTIME,
                                "keyed state of subtask %d takes %llu bytes, over the memory "
                                "backend's limit of %llu bytes (state.backend.memory.max-bytes); "
                                "set state.backend = 'rocksdb' to keep state larger than memory "
                                "on local disk",
                                in->subtask, (unsigned long long)bytes,
                                (unsigned long long)conf->memory_max_bytes);
            }
        }
        if (err) {
            snprintf(who, sizeof who, "operator '%.256s'", in->node->name);
            slrt_fail(t->rt, err, who);
            return false;
        }
    }
    return true;
}

/* ---- life cycle ---- */

static bool task_open(slrt_task *t) {
    t->next_tick = SL_TIME_MAX;
    for (int k = 0; k < t->n_chain; k++) {
        slrt_inst *in = t->chain[k];
        sl_err err = SL_OK;
        slerr_clear();
        if (in->src && in->src->vt->open) {
            err = in->src->vt->open(in->src, &in->ctx);
        } else if (in->op && in->op->vt->open) {
            err = in->op->vt->open(in->op, &in->ctx);
        }
        if (err) {
            slrt_fail(t->rt, err, in->node->name);
            return false;
        }
        if (in->op && in->op->vt->tick) {
            in->next_tick = SL_TIME_MIN; /* ask at once when it wants ticks */
            t->next_tick = SL_TIME_MIN;
        }
    }
    if (t->rt->ck.on && slck_task_restore(t) != SL_OK) {
        return false;
    }
    return true;
}

/* ---- checkpoints ---- */

/* Snapshot the chain for checkpoint id, acknowledge, forward the barrier. */
static void take_checkpoint(slrt_task *t, int64_t id) {
    slck_task_snapshot(t, id);
    slmsg m = {.kind = SLMSG_BARRIER, .v = id};
    for (int k = 0; k < t->n_chain; k++) {
        slrt_broadcast(t->chain[k], m);
    }
}

static void unblock_all(slrt_task *t) {
    for (int k = 0; k < t->box.n_chans; k++) {
        if (t->box.chans[k]->blocked) {
            slinbox_block(&t->box, t->box.chans[k], false);
        }
    }
}

/* If every channel delivered the barrier being aligned (or ended): take the
 * checkpoint and let the channels go. */
static void check_aligned(slrt_task *t) {
    if (!t->ck_align) {
        return;
    }
    for (int k = 0; k < t->box.n_chans; k++) {
        const slchan *c = t->box.chans[k];
        if (!c->ended && c->barrier < t->ck_align) {
            return;
        }
    }
    int64_t id = t->ck_align;
    t->ck_align = 0;
    take_checkpoint(t, id);
    unblock_all(t);
}

/* Barrier `id` from channel c. Exactly-once blocks c until the others
 * deliver it too; a newer barrier abandons an older alignment (that
 * checkpoint was aborted and some source never injected it). */
static void on_barrier(slrt_task *t, slchan *c, int64_t id) {
    if (id <= t->ck_acked || id < t->ck_align) {
        return; /* stale */
    }
    if (id > t->ck_align) {
        if (t->ck_align) {
            unblock_all(t);
        }
        t->ck_align = id;
    }
    c->barrier = id;
    if (!t->rt->g->conf.ckpt_at_least_once) {
        slinbox_block(&t->box, c, true);
    }
    check_aligned(t);
}

/* Clean end of input: final watermark, end() in chain order, dead letters,
 * end-of-input downstream. */
static void task_finish(slrt_task *t) {
    slrt_inst *h = t->chain[0];
    if (h->src) {
        output_idle(h, false);
        output_watermark(h, SL_TIME_MAX);
    } else {
        for (int i = 0; i < t->n_inputs; i++) {
            h->ctx.input_wm[i] = SL_TIME_MAX;
        }
        if (h->ctx.watermark != SL_TIME_MAX) {
            input_watermark(h, SL_TIME_MAX);
        }
    }
    for (int k = 0; k < t->n_chain; k++) {
        slrt_inst *in = t->chain[k];
        if (in->op && in->op->vt->end) {
            in->op->vt->end(in->op);
        }
    }
    slmsg end = {.kind = SLMSG_END};
    for (int k = 0; k < t->n_chain; k++) {
        slop_dead_letter_flush(&t->chain[k]->ctx);
        slrt_broadcast(t->chain[k], end);
    }
}

static void run_source(slrt_task *t) {
    slrt *rt = t->rt;
    slrt_inst *s = t->chain[0];
    const slconf *conf = &rt->g->conf;
    const sl_schema *schema = s->node->out[0] ? s->node->out[0] : s->src->schema;
    bool track_idle = conf->idle_timeout_us > 0;
    int64_t last_rows_us = track_idle ? slclock_now(&conf->clock) : 0;
    for (;;) {
        if (cancelled(rt)) {
            return;
        }
        if (__atomic_load_n(&rt->ctl->stop, __ATOMIC_ACQUIRE)) {
            slrt_cancel(rt);
            return;
        }
        if (rt->ck.on) {
            int64_t trig = __atomic_load_n(&rt->ck.trigger, __ATOMIC_ACQUIRE);
            if (trig > t->ck_injected) {
                t->ck_injected = trig;
                take_checkpoint(t, trig);
            }
            slck_task_poll_done(t);
        }
        slbatch *b = slbatch_new(schema, rt->batch_rows);
        slerr_clear();
        slsrc_status st = s->src->vt->read(s->src, b);
        uint32_t n = b->n;
        if (n) {
            slmetric_add(&s->metrics.rows_in, n);
            if (track_idle) {
                last_rows_us = slclock_now(&conf->clock);
            }
            output_idle(s, false);
            slop_emit(&s->ctx, 0, b);
        } else {
            slbatch_free(b);
        }
        slop_dead_letter_flush(&s->ctx);
        if (st == SLSRC_ERROR) {
            slrt_fail(rt, SL_ERR_RUNTIME, s->node->name);
            return;
        }
        if (!step_done(t)) {
            return;
        }
        if (st == SLSRC_END) {
            task_finish(t);
            if (step_done(t)) {
                slck_task_final(t);
            }
            return;
        }
        int64_t now = check_ticks(t);
        if (now && !step_done(t)) {
            return;
        }
        if (n == 0 && track_idle && !s->idle_out) {
            if (!now) {
                now = slclock_now(&conf->clock);
            }
            if (now - last_rows_us >= conf->idle_timeout_us) {
                output_idle(s, true);
            }
        }
        if (st == SLSRC_IDLE && !slinbox_nap(&t->box, NAP_US)) {
            return;
        }
    }
}

static void run_inputs(slrt_task *t) {
    slrt_inst *h = t->chain[0];
    if (t->box.n_chans == 0) {
        task_finish(t); /* an operator without inputs ends at once */
        if (step_done(t)) {
            slck_task_final(t);
        }
        return;
    }
    bool ck = t->rt->ck.on;
    for (;;) {
        int64_t timeout_us = -1;
        int64_t now = check_ticks(t);
        if (now && !step_done(t)) {
            return;
        }
        if (t->next_tick != SL_TIME_MAX) {
            int64_t d = t->next_tick - now;
            timeout_us = d < TICK_WAIT_MIN_US ? TICK_WAIT_MIN_US
                         : d > TICK_WAIT_MAX_US ? TICK_WAIT_MAX_US
                                                : d;
        }
        if (ck) {
            slck_task_poll_done(t);
            if (!step_done(t)) {
                return;
            }
            if (timeout_us < 0 || timeout_us > CK_WAIT_US) {
                timeout_us = CK_WAIT_US;
            }
        }
        slmsg m;
        slchan *c = NULL;
        int r = slinbox_pop(&t->box, timeout_us, &m, &c);
        if (r < 0) {
            return; /* cancelled */
        }
        if (r == 0) {
            continue;
        }
        switch (m.kind) {
        case SLMSG_BATCH:
            if (c->idle) { /* rows from an idle producer make it active again */
                c->idle = false;
                combine(t);
            }
            deliver(h, c->input, m.b);
            break;
        case SLMSG_WATERMARK:
            if (m.v > c->wm) {
                c->wm = m.v;
                combine(t);
            }
            break;
        case SLMSG_IDLE:
            if (c->idle != (m.v != 0)) {
                c->idle = m.v != 0;
                combine(t);
            }
            break;
        case SLMSG_END:
            c->ended = true;
            t->n_ended++;
            combine(t);
            if (t->n_ended == t->box.n_chans) {
                t->ck_align = 0; /* an unfinished alignment: answered from the final state */
                task_finish(t);
                if (step_done(t)) {
                    slck_task_final(t);
                }
                return;
            }
            if (ck) {
                check_aligned(t);
            }
            break;
        case SLMSG_BARRIER:
            if (ck) {
                on_barrier(t, c, m.v);
            }
            break;
        }
        if (!step_done(t)) {
            return;
        }
    }
}

void *slrt_task_main(void *arg) {
    slrt_task *t = arg;
    slrt *rt = t->rt;
    if (task_open(t) && step_done(t)) {
        if (t->chain[0]->src) {
            run_source(t);
        } else {
            run_inputs(t);
        }
    }
    pthread_mutex_lock(&rt->mu);
    rt->running--;
    pthread_cond_signal(&rt->done);
    pthread_mutex_unlock(&rt->mu);
    return NULL;
}
