/*
 * runtime.c - turns a job graph into running tasks and back: planning
 * (parallelism, chaining, channels), creating operator instances, starting
 * and supervising one thread per task, tearing down, and metrics.
 *
 * Chaining: an edge from port 0 of A to B is chained (B runs inside A's task,
 * called synchronously from A's emit) when B is an operator with one input
 * edge, A's port 0 has no other consumer, A and B have equal parallelism, and
 * either the edge is FORWARD and B is chainable, or the parallelism is 1 (at
 * 1 -> 1 no exchange is needed whatever the partitioning, so a whole pipeline
 * runs on one thread). Every other edge becomes channels: producer subtask i
 * to consumer subtask i for FORWARD at equal parallelism, else one channel per
 * (producer subtask, consumer subtask), hash partitioned for HASH edges and
 * round robin by batch otherwise.
 *
 * Thread: slrt_run on the caller's thread (it supervises: polls ctl->stop and
 * waits for the tasks); slrt_metrics from any thread.
 */
#include <sched.h>
#include <stdio.h>

#include "runtime/rt_int.h"

#define SUPERVISE_US 20000 /* how often the caller's thread looks at ctl->stop */

/* ---- the live-metrics lock (a spin lock: held for a few loads) ---- */

static void ctl_lock(const slrun_ctl *ctl) {
    int *l = (int *)&ctl->lock;
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
        sched_yield();
    }
}

static void ctl_unlock(const slrun_ctl *ctl) {
    __atomic_store_n((int *)&ctl->lock, 0, __ATOMIC_RELEASE);
}

static void collect(const slrt *rt, slopmetrics *m) {
    memset(m, 0, sizeof *m);
    int64_t wm = SL_TIME_MAX;
    bool any_sink = false;
    /* Sinks before sources: rows are counted in at the source before they can
     * reach a sink, so a snapshot read in this order never shows more rows out
     * than in. */
    for (int pass = 0; pass < 2; pass++) {
        for (int n = 0; n < rt->g->n_nodes; n++) {
            for (int s = 0; s < rt->par[n]; s++) {
                const slrt_inst *in = &rt->insts[n][s];
                const slopmetrics *x = &in->metrics;
                if (pass == 1) {
                    if (in->src) {
                        m->rows_in += slmetric_get(&x->rows_in);
                    }
                    continue;
                }
                if (in->is_sink) {
                    m->rows_out += slmetric_get(&in->rows_delivered);
                    wm = SL_MIN(wm, __atomic_load_n(&x->watermark, __ATOMIC_RELAXED));
                    any_sink = true;
                }
                m->rows_late += slmetric_get(&x->rows_late);
                m->rows_dead += slmetric_get(&x->rows_dead);
                m->rows_expired += slmetric_get(&x->rows_expired);
                m->blocked_us += slmetric_get(&x->blocked_us);
            }
        }
    }
    m->watermark = any_sink ? wm : SL_TIME_MIN;
}

void slrt_metrics(const slrun_ctl *ctl, sl_metrics *out) {
    slopmetrics m;
    ctl_lock(ctl);
    if (ctl->live) {
        const slck *ck = &ctl->live->ck;
        collect(ctl->live, &m);
        out->checkpoints_completed = __atomic_load_n(&ck->n_completed, __ATOMIC_RELAXED);
        out->checkpoints_failed = __atomic_load_n(&ck->n_failed, __ATOMIC_RELAXED);
        out->checkpoint_id = __atomic_load_n(&ck->completed, __ATOMIC_RELAXED);
    } else {
        m = ctl->totals;
        out->checkpoints_completed = ctl->ck_completed;
        out->checkpoints_failed = ctl->ck_failed;
        out->checkpoint_id = ctl->ck_id;
    }
    ctl_unlock(ctl);
    out->rows_in = m.rows_in;
    out->rows_out = m.rows_out;
    out->rows_late = m.rows_late;
    out->rows_dead = m.rows_dead;
    out->rows_expired = m.rows_expired;
    out->watermark = m.watermark;
    out->backpressure_us = m.blocked_us;
}

/* ---- planning ---- */

int slgraph_par(const slgraph *g, int n) {
    int p = g->nodes[n]->parallelism;
    if (p <= 0) {
        p = g->conf.parallelism;
    }
    return p > 0 ? p : 1;
}

static sl_err check_graph(const slgraph *g) {
    for (int i = 0; i < g->n_nodes; i++) {
        const slnode *n = g->nodes[i];
        if (n->kind == SLNODE_SOURCE && (!n->source_new || !n->out[0])) {
            return slerr_set(SL_ERR_ARG, "source '%s' has no factory or no schema", n->name);
        }
        if (n->kind == SLNODE_OP && !n->op_new) {
            return slerr_set(SL_ERR_ARG, "operator '%s' has no factory", n->name);
        }
    }
    for (int e = 0; e < g->n_edges; e++) {
        const sledge *x = &g->edges[e];
        if (x->from < 0 || x->from >= g->n_nodes || x->to < 0 || x->to >= g->n_nodes ||
            x->from_port < 0 || x->from_port >= SL_MAX_PORTS || x->to_input < 0 ||
            x->to_input >= SL_MAX_PORTS) {
            return slerr_set(SL_ERR_ARG, "edge %d refers to a node or port that does not exist",
                             e);
        }
        if (g->nodes[x->to]->kind == SLNODE_SOURCE) {
            return slerr_set(SL_ERR_ARG, "edge %d leads into source '%s'", e,
                             g->nodes[x->to]->name);
        }
        const sl_schema *s = g->nodes[x->from]->out[x->from_port];
        if (x->part == SLPART_HASH) {
            if (!s || x->key.n < 0 || x->key.n > (int)SL_ARRAY_LEN(x->key.cols)) {
                return slerr_set(SL_ERR_ARG, "edge %d: bad hash key", e);
            }
            for (int k = 0; k < x->key.n; k++) {
                if (x->key.cols[k] < 0 || x->key.cols[k] >= s->n) {
                    return slerr_set(SL_ERR_ARG, "edge %d: key column %d out of range", e,
                                     x->key.cols[k]);
                }
            }
        }
    }
    return SL_OK;
}

static void kg_range(int subtask, int par, int n_kg, int *lo, int *hi) {
    /* slkey_subtask(kg) == s  <=>  s * n_kg <= kg * par < (s + 1) * n_kg */
    *lo = (int)(((int64_t)subtask * n_kg + par - 1) / par);
    *hi = (int)(((int64_t)(subtask + 1) * n_kg + par - 1) / par);
}

static slrt_out *add_out(slrt_inst *in, int port) {
    slrt_port *p = &in->ports[port];
    p->outs = slmem_realloc(p->outs, slmem_mul((size_t)p->n_outs + 1, sizeof *p->outs));
    slrt_out *o = &p->outs[p->n_outs++];
    memset(o, 0, sizeof *o);
    return o;
}

void slgraph_chain_edges(const slgraph *g, const int *par, bool *chained) {
    int nn = g->n_nodes;
    int *n_cons0 = slmem_calloc((size_t)(nn ? nn : 1), sizeof(int)); /* consumers of port 0 */
    int *n_in = slmem_calloc((size_t)(nn ? nn : 1), sizeof(int));    /* incoming edges */
    for (int e = 0; e < g->n_edges; e++) {
        const sledge *x = &g->edges[e];
        n_in[x->to]++;
        if (x->from_port == 0) {
            n_cons0[x->from]++;
        }
    }
    for (int e = 0; e < g->n_edges; e++) {
        const sledge *x = &g->edges[e];
        const slnode *to = g->nodes[x->to];
        int p = par[x->from];
        chained[e] = false;
        if (x->from_port != 0 || n_cons0[x->from] != 1 || n_in[x->to] != 1 ||
            to->n_inputs > 1 || p != par[x->to]) {
            continue;
        }
        chained[e] = p == 1 || (x->part == SLPART_FORWARD && to->chainable);
    }
    slmem_free(n_cons0);
    slmem_free(n_in);
}

/* Build instances, tasks and channels. Sets rt->err/errmsg-free errors
 * through slerr_set on this thread. */
static sl_err plan(slrt *rt) {
    slgraph *g = rt->g;
    int nn = g->n_nodes;
    sl_err err = check_graph(g);
    if (err) {
        return err;
    }
    rt->par = slmem_calloc((size_t)(nn ? nn : 1), sizeof *rt->par);
    int *next = slmem_calloc((size_t)(nn ? nn : 1), sizeof(int)); /* chained successor */
    bool *has_prev = slmem_calloc((size_t)(nn ? nn : 1), sizeof(bool));
    bool *chained = slmem_calloc((size_t)(g->n_edges ? g->n_edges : 1), sizeof(bool));
    for (int i = 0; i < nn; i++) {
        rt->par[i] = slgraph_par(g, i);
        next[i] = -1;
    }
    slgraph_chain_edges(g, rt->par, chained);
    for (int e = 0; e < g->n_edges; e++) {
        if (chained[e]) {
            next[g->edges[e].from] = g->edges[e].to;
            has_prev[g->edges[e].to] = true;
        }
    }

    /* Instances and tasks: one task per chain head and subtask. */
    rt->insts = slmem_calloc((size_t)(nn ? nn : 1), sizeof *rt->insts);
    int n_tasks = 0;
    for (int i = 0; i < nn; i++) {
        rt->insts[i] = slmem_calloc((size_t)rt->par[i], sizeof **rt->insts);
        if (!has_prev[i]) {
            n_tasks += rt->par[i];
        }
    }
    rt->tasks = slmem_calloc((size_t)(n_tasks ? n_tasks : 1), sizeof *rt->tasks);
    rt->n_tasks = n_tasks;
    int ti = 0;
    for (int h = 0; h < nn; h++) {
        if (has_prev[h]) {
            continue;
        }
        int len = 0;
        for (int k = h; k >= 0; k = next[k]) {
            len++;
        }
        for (int s = 0; s < rt->par[h]; s++) {
            slrt_task *t = &rt->tasks[ti++];
            t->rt = rt;
            slinbox_init(&t->box);
            t->chain = slmem_calloc((size_t)len, sizeof *t->chain);
            t->n_inputs = g->nodes[h]->n_inputs;
            for (int k = h; k >= 0; k = next[k]) {
                slrt_inst *in = &rt->insts[k][s];
                in->task = t;
                t->chain[t->n_chain++] = in;
            }
        }
    }
    for (int e = 0; e < g->n_edges; e++) {
        const sledge *x = &g->edges[e];
        int P = rt->par[x->from], Q = rt->par[x->to];
        if (chained[e]) {
            for (int s = 0; s < P; s++) {
                rt->insts[x->from][s].ports[0].next = &rt->insts[x->to][s];
                rt->insts[x->from][s].ports[0].next_input = x->to_input;
            }
            continue;
        }
        for (int s = 0; s < Q; s++) {
            slrt_task *t = rt->insts[x->to][s].task;
            t->n_inputs = SL_MAX(t->n_inputs, x->to_input + 1);
        }
        bool direct = x->part == SLPART_FORWARD && P == Q;
        for (int i = 0; i < P; i++) {
            slrt_out *o = add_out(&rt->insts[x->from][i], x->from_port);
            o->mode = direct ? SLRT_DIRECT : x->part == SLPART_HASH ? SLRT_HASH : SLRT_ROUND_ROBIN;
            o->key = x->key;
            o->rr = (uint32_t)i; /* spread the producers' first batches */
            o->n = direct ? 1 : Q;
            o->chans = slmem_calloc((size_t)o->n, sizeof *o->chans);
            for (int j = 0; j < o->n; j++) {
                slrt_task *t = rt->insts[x->to][direct ? i : j].task;
                o->chans[j] = slchan_new(&t->box, rt->chan_cap, x->to_input);
            }
        }
    }
    slmem_free(next);
    slmem_free(has_prev);
    slmem_free(chained);
    return SL_OK;
}

/* The keyed state of subtask s of node n, in the job's backend. The RocksDB
 * run directory is made on first use. */
static sl_err make_state(slrt *rt, int n, int s, slstate **out) {
    const slconf *conf = &rt->g->conf;
    const slnode *node = rt->g->nodes[n];
    *out = NULL;
    if (conf->state_backend != SLSTATE_ROCKSDB) {
        *out = slstate_memory_new(rt->n_kg);
        return SL_OK;
    }
    sl_err err;
    if (!rt->rocks) {
        slrocks_conf rc = {conf->rocksdb_localdir, conf->rocksdb_block_cache_bytes,
                           conf->rocksdb_write_buffer_bytes, 0};
        if ((err = slrocks_env_new(&rc, &rt->rocks))) {
            return err;
        }
    }
    slbuf name = {0};
    slbuf_printf(&name, "op%d-%s-%d", n, node->name, s);
    err = slstate_rocksdb_new(rt->rocks, slbuf_cstr(&name), rt->n_kg, out);
    slbuf_free(&name);
    if (err) {
        return slerr_prefix(err, "operator '%s'", node->name);
    }
    return SL_OK;
}

/* Fill every instance's context and create its operator or source. */
static sl_err create_instances(slrt *rt) {
    slgraph *g = rt->g;
    for (int n = 0; n < g->n_nodes; n++) {
        const slnode *node = g->nodes[n];
        for (int s = 0; s < rt->par[n]; s++) {
            slrt_inst *in = &rt->insts[n][s];
            slopctx *c = &in->ctx;
            in->node = node;
            in->subtask = s;
            in->wm_out = SL_TIME_MIN;
            in->next_tick = SL_TIME_MAX;
            in->metrics.watermark = SL_TIME_MIN;
            in->is_sink = node->kind == SLNODE_OP && !in->ports[0].next && !in->ports[0].n_outs;
            c->emit = slrt_ctx_emit;
            c->emit_watermark = slrt_ctx_emit_watermark;
            c->emit_idle = slrt_ctx_emit_idle;
            c->idle_timeout_us = g->conf.idle_timeout_us;
            c->rt = in;
            c->clock = &g->conf.clock;
            c->batch_rows = rt->batch_rows;
            c->subtask = s;
            c->parallelism = rt->par[n];
            c->n_key_groups = rt->n_kg;
            kg_range(s, rt->par[n], rt->n_kg, &c->kg_lo, &c->kg_hi);
            c->n_inputs = in->task->chain[0] == in ? in->task->n_inputs : 1;
            for (int i = 0; i < SL_MAX_PORTS; i++) {
                c->input_wm[i] = SL_TIME_MIN;
            }
            c->watermark = SL_TIME_MIN;
            c->state_ttl_us = g->conf.state_ttl_us;
            c->metrics = &in->metrics;
            c->dead_connected = node->kind == SLNODE_SOURCE && in->ports[1].n_outs > 0;
            c->dead_out = rt->dead;
            if (node->kind == SLNODE_SOURCE) {
                in->src = node->source_new(node->arg, s, rt->par[n]);
                if (!in->src) {
                    return slerr_set(SL_ERR_RUNTIME, "source '%s': could not create subtask %d",
                                     node->name, s);
                }
                in->src->ctx = c;
                if (!in->src->schema) {
                    in->src->schema = node->out[0];
                }
            } else {
                if (node->keyed) {
                    sl_err err = make_state(rt, n, s, &c->state);
                    if (err) {
                        return err;
                    }
                }
                in->op = node->op_new(node->arg, s);
                if (!in->op) {
                    return slerr_set(SL_ERR_RUNTIME,
                                     "operator '%s': could not create subtask %d", node->name, s);
                }
                in->op->ctx = c;
            }
        }
    }
    return SL_OK;
}

static void teardown(slrt *rt) {
    slck_free(rt);
    if (rt->insts) {
        for (int n = 0; n < rt->g->n_nodes; n++) {
            for (int s = 0; rt->insts[n] && s < rt->par[n]; s++) {
                slrt_inst *in = &rt->insts[n][s];
                if (in->op && in->op->vt->free) {
                    in->op->vt->free(in->op);
                }
                if (in->src && in->src->vt->free) {
                    in->src->vt->free(in->src);
                }
                slbatch_free(in->ctx.dead);
                slstate_free(in->ctx.state);
                for (int p = 0; p < SL_MAX_PORTS; p++) {
                    for (int k = 0; k < in->ports[p].n_outs; k++) {
                        slmem_free(in->ports[p].outs[k].chans);
                    }
                    slmem_free(in->ports[p].outs);
                }
            }
            slmem_free(rt->insts[n]);
        }
    }
    for (int i = 0; i < rt->n_tasks; i++) {
        slrt_task *t = &rt->tasks[i];
        slinbox_destroy(&t->box);
        slmem_free(t->chain);
        slbuf_free(&t->key_buf);
        slmem_free(t->hashes);
        slmem_free(t->idx);
        slmem_free(t->counts);
    }
    slmem_free(rt->tasks);
    slmem_free(rt->insts);
    slmem_free(rt->par);
    slrocks_env_free(rt->rocks); /* after every state: removes the run directory */
    sldead_out_free(rt->dead);
    pthread_cond_destroy(&rt->done);
    pthread_mutex_destroy(&rt->mu);
    slmem_free(rt);
}

static void wait_tasks(slrt *rt) {
    pthread_mutex_lock(&rt->mu);
    while (rt->running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += SUPERVISE_US * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&rt->done, &rt->mu, &ts);
        if (!rt->ck.started && __atomic_load_n(&rt->ctl->stop_after_savepoint, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&rt->ctl->stop, 1, __ATOMIC_RELEASE); /* no checkpoints: just stop */
        }
        if (rt->running > 0 && __atomic_load_n(&rt->ctl->stop, __ATOMIC_ACQUIRE)) {
            pthread_mutex_unlock(&rt->mu);
            slrt_cancel(rt); /* releases sources blocked on full channels */
            pthread_mutex_lock(&rt->mu);
        }
    }
    pthread_mutex_unlock(&rt->mu);
}

sl_err slrt_run(slgraph *g, slrun_ctl *ctl) {
    slrt *rt = slmem_calloc(1, sizeof *rt);
    rt->g = g;
    rt->ctl = ctl;
    rt->batch_rows = g->conf.batch_rows ? g->conf.batch_rows : SL_DEFAULT_BATCH_ROWS;
    rt->chan_cap = g->conf.channel_cap ? g->conf.channel_cap : SL_DEFAULT_CHANNEL_CAP;
    rt->n_kg = g->conf.n_key_groups > 0 ? g->conf.n_key_groups : SL_KEY_GROUPS;
    rt->dead = sldead_out_new(g->conf.dead_letter_path);
    pthread_mutex_init(&rt->mu, NULL);
    pthread_cond_init(&rt->done, NULL);
    slck_prepare(rt);
    ctl->totals.watermark = SL_TIME_MIN;
    sl_err err = plan(rt);
    if (!err) {
        err = create_instances(rt);
    }
    if (!err) {
        err = slck_init(rt);
    }
    if (!err) {
        for (int n = 0; n < g->n_nodes; n++) {
            for (int s = 0; s < rt->par[n]; s++) {
                rt->insts[n][s].ctx.checkpointing = rt->ck.on;
                rt->insts[n][s].ctx.restoring = rt->ck.restore != NULL;
            }
        }
        slck_start(rt);
    }
    if (err) {
        teardown(rt);
        return err;
    }
    ctl_lock(ctl);
    ctl->live = rt;
    ctl_unlock(ctl);

    rt->running = rt->n_tasks;
    for (int i = 0; i < rt->n_tasks; i++) {
        slrt_task *t = &rt->tasks[i];
        if (pthread_create(&t->thread, NULL, slrt_task_main, t) != 0) {
            pthread_mutex_lock(&rt->mu);
            rt->running -= rt->n_tasks - i;
            pthread_mutex_unlock(&rt->mu);
            slerr_set(SL_ERR_RUNTIME, "could not start a worker thread");
            slrt_fail(rt, SL_ERR_RUNTIME, "runtime");
            break;
        }
        t->started = true;
    }
    wait_tasks(rt);
    for (int i = 0; i < rt->n_tasks; i++) {
        if (rt->tasks[i].started) {
            pthread_join(rt->tasks[i].thread, NULL);
        }
    }
    slck_stop(rt);

    slopmetrics final;
    collect(rt, &final);
    ctl_lock(ctl);
    ctl->totals = final;
    ctl->ck_completed = rt->ck.n_completed;
    ctl->ck_failed = rt->ck.n_failed;
    ctl->ck_id = rt->ck.completed;
    ctl->live = NULL;
    ctl_unlock(ctl);
    err = rt->err;
    if (err) {
        slerr_set(err, "%s", rt->errmsg);
    }
    teardown(rt);
    return err;
}
