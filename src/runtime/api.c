/*
 * api.c - the public job-building API (sl_job_*, sl_stream_* for the
 * transformations the runtime and ops layers provide). Sources and sinks are
 * added by src/connectors through sljob_add_source / sljob_add_op.
 * Thread: building is single-threaded; sl_job_stop / sl_job_metrics from any.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ops/process.h"
#include "ops/stateless.h"
#include "ops/window.h"
#include "runtime/job.h"

sl_err sl_job_new(sl_job **out) {
    sl_job *j = slmem_calloc(1, sizeof *j);
    slgraph_init(&j->g);
    j->g.conf.parallelism = 1;
    j->g.conf.batch_rows = SL_DEFAULT_BATCH_ROWS;
    j->g.conf.channel_cap = SL_DEFAULT_CHANNEL_CAP;
    j->g.conf.n_key_groups = SL_KEY_GROUPS;
    j->ctl.totals.watermark = SL_TIME_MIN;
    *out = j;
    return SL_OK;
}

void sl_job_free(sl_job *j) {
    if (!j) {
        return;
    }
    for (int i = 0; i < j->n_streams; i++) {
        slschema_unref(j->streams[i]->schema);
        slmem_free(j->streams[i]);
    }
    slmem_free(j->streams);
    slmem_free(j->g.conf.dead_letter_path);
    slmem_free(j->g.conf.rocksdb_localdir);
    slmem_free(j->g.conf.ckpt_dir);
    slmem_free(j->g.conf.savepoint_dir);
    slmem_free(j->g.conf.savepoint_path);
    slgraph_free(&j->g);
    slmem_free(j);
}

sl_err sljob_check_building(const sl_job *j) {
    if (j->ran) {
        return slerr_set(SL_ERR_STATE, "the job has already run; build a new job");
    }
    return SL_OK;
}

sl_stream *sljob_stream(sl_job *j, int node, int port, const sl_schema *schema) {
    sl_stream *s = slmem_calloc(1, sizeof *s);
    s->job = j;
    s->node = node;
    s->port = port;
    s->schema = slschema_ref(schema);
    slmem_grow((void **)&j->streams, &j->cap_streams, (size_t)j->n_streams + 1,
               sizeof *j->streams);
    j->streams[j->n_streams++] = s;
    return s;
}

sl_stream *sljob_add_source(sl_job *j, const char *name, slsource_factory f, void *arg,
                            void (*arg_free)(void *), const sl_schema *schema) {
    slnode *n = slmem_calloc(1, sizeof *n);
    n->name = slmem_strdup(name);
    n->kind = SLNODE_SOURCE;
    n->source_new = f;
    n->arg = arg;
    n->arg_free = arg_free;
    n->out[0] = slschema_ref(schema);
    n->out[1] = slschema_ref(sldead_schema());
    n->parallelism = 1;
    int id = slgraph_add_node(&j->g, n);
    return sljob_stream(j, id, 0, schema);
}

static int add_node(sl_job *j, const char *name, slop_factory f, void *arg,
                    void (*arg_free)(void *), const sl_stream *in, const sl_schema *out_schema,
                    bool chainable) {
    slnode *n = slmem_calloc(1, sizeof *n);
    n->name = slmem_strdup(name);
    n->kind = SLNODE_OP;
    n->op_new = f;
    n->arg = arg;
    n->arg_free = arg_free;
    n->out[0] = out_schema ? slschema_ref(out_schema) : NULL;
    n->parallelism = in ? in->parallelism : 0;
    n->n_inputs = in ? 1 : 0;
    n->chainable = chainable && !(in && in->keyed);
    n->keyed = in && in->keyed;
    int id = slgraph_add_node(&j->g, n);
    if (in) {
        sledge e = {.from = in->node, .from_port = in->port, .to = id, .to_input = 0};
        e.part = in->keyed ? SLPART_HASH : SLPART_FORWARD;
        e.key = in->key;
        slgraph_add_edge(&j->g, &e);
    }
    return id;
}

sl_stream *sljob_add_op(sl_job *j, const char *name, slop_factory f, void *arg,
                        void (*arg_free)(void *), sl_stream *in, const sl_schema *out_schema,
                        bool chainable) {
    int id = add_node(j, name, f, arg, arg_free, in, out_schema, chainable);
    if (!out_schema) {
        return NULL;
    }
    sl_stream *s = sljob_stream(j, id, 0, out_schema);
    s->parallelism = in ? in->parallelism : 0;
    return s;
}

sl_stream *sljob_add_keyed_op2(sl_job *j, const char *name, slop_factory f, void *arg,
                               void (*arg_free)(void *), sl_stream *left, const slkeyspec *lkey,
                               sl_stream *right, const slkeyspec *rkey,
                               const sl_schema *out_schema) {
    sl_stream keyed = *left;
    keyed.keyed = true;
    keyed.key = *lkey;
    keyed.parallelism = 0;
    int id = add_node(j, name, f, arg, arg_free, &keyed, out_schema, false);
    slnode *n = j->g.nodes[id];
    n->keyed = true;
    n->n_inputs = 2;
    sledge e = {.from = right->node, .from_port = right->port, .to = id, .to_input = 1};
    e.part = SLPART_HASH;
    e.key = *rkey;
    slgraph_add_edge(&j->g, &e);
    if (!out_schema) {
        return NULL;
    }
    return sljob_stream(j, id, 0, out_schema);
}

sl_stream *sljob_add_keyed_op(sl_job *j, const char *name, slop_factory f, void *arg,
                              void (*arg_free)(void *), sl_stream *in, const slkeyspec *key,
                              const sl_schema *out_schema, const sl_schema *late) {
    sl_stream keyed = *in;
    keyed.keyed = key->n > 0;
    keyed.key = *key;
    int id = add_node(j, name, f, arg, arg_free, &keyed, out_schema, false);
    slnode *n = j->g.nodes[id];
    n->keyed = true;
    n->out[1] = late ? slschema_ref(late) : NULL;
    if (key->n == 0) {
        n->parallelism = 1;
    }
    if (!out_schema) {
        return NULL;
    }
    sl_stream *s = sljob_stream(j, id, 0, out_schema);
    s->parallelism = in->parallelism;
    return s;
}

/* ---- options ---- */

static sl_err parse_int_opt(const char *key, const char *value, int64_t lo, int64_t hi,
                            int64_t *out) {
    int64_t v;
    if (!slparse_i64(value, strlen(value), &v) || v < lo || v > hi) {
        return slerr_set(SL_ERR_ARG, "option '%s': expected an integer from %lld to %lld, got '%s'",
                         key, (long long)lo, (long long)hi, value);
    }
    *out = v;
    return SL_OK;
}

static sl_err parse_duration_opt(const char *key, const char *value, int64_t *out) {
    if (sl_parse_duration(value, out) != SL_OK) {
        return slerr_set(SL_ERR_ARG, "option '%s': expected a duration such as '5s' or '100ms', got '%s'",
                         key, value);
    }
    return SL_OK;
}

/* A memory size: an integer with an optional unit b, kb, mb, gb, tb (powers of
 * 1024; k, m, g, t and Flink's "kibibytes" spellings too), spaces allowed
 * before the unit ("64 mb", "1gb", "4096"). */
static sl_err parse_bytes_opt(const char *key, const char *value, uint64_t *out) {
    static const struct {
        const char *name;
        int shift;
    } units[] = {{"", 0},    {"b", 0},    {"bytes", 0},      {"k", 10},
                 {"kb", 10}, {"kib", 10}, {"kibibytes", 10}, {"m", 20},
                 {"mb", 20}, {"mib", 20}, {"mebibytes", 20}, {"g", 30},
                 {"gb", 30}, {"gib", 30}, {"gibibytes", 30}, {"t", 40},
                 {"tb", 40}, {"tib", 40}, {"tebibytes", 40}};
    const char *p = value;
    uint64_t n = 0;
    bool any = false;
    while (*p >= '0' && *p <= '9') {
        if (n > (UINT64_MAX - 9) / 10) {
            any = false;
            break;
        }
        n = n * 10 + (uint64_t)(*p - '0');
        p++;
        any = true;
    }
    while (*p == ' ') {
        p++;
    }
    if (any) {
        for (size_t i = 0; i < SL_ARRAY_LEN(units); i++) {
            if (slstr_ieq0(p, units[i].name)) {
                if (units[i].shift && n > (UINT64_MAX >> units[i].shift)) {
                    break;
                }
                *out = n << units[i].shift;
                return SL_OK;
            }
        }
    }
    return slerr_set(SL_ERR_ARG,
                     "option '%s': expected a memory size such as '64 mb' or '1gb', got '%s'", key,
                     value);
}

static bool key_is(const char *key, const char *a, const char *b) {
    return strcmp(key, a) == 0 || (b && strcmp(key, b) == 0);
}

sl_err sl_job_set(sl_job *j, const char *key, const char *value) {
    if (!key || !value) {
        return slerr_set(SL_ERR_ARG, "sl_job_set: key and value must not be NULL");
    }
    sl_err err = sljob_check_building(j);
    if (err) {
        return err;
    }
    slconf *c = &j->g.conf;
    int64_t v;
    if (key_is(key, "parallelism", "parallelism.default")) {
        if ((err = parse_int_opt(key, value, 1, 256, &v))) {
            return err;
        }
        c->parallelism = (int)v;
    } else if (key_is(key, "batch.rows", NULL)) {
        if ((err = parse_int_opt(key, value, 1, 1 << 20, &v))) {
            return err;
        }
        c->batch_rows = (uint32_t)v;
    } else if (key_is(key, "channel.capacity", NULL)) {
        if ((err = parse_int_opt(key, value, 1, 1 << 16, &v))) {
            return err;
        }
        c->channel_cap = (uint32_t)v;
    } else if (key_is(key, "idle-timeout", "table.exec.source.idle-timeout")) {
        if ((err = parse_duration_opt(key, value, &c->idle_timeout_us))) {
            return err;
        }
    } else if (key_is(key, "state.ttl", "table.exec.state.ttl")) {
        if ((err = parse_duration_opt(key, value, &c->state_ttl_us))) {
            return err;
        }
    } else if (key_is(key, "dead-letter.path", NULL)) {
        slmem_free(c->dead_letter_path);
        c->dead_letter_path = slmem_strdup(value);
    } else if (key_is(key, "time.characteristic", "pipeline.time-characteristic")) {
        if (slstr_ieq0(value, "event") || slstr_ieq0(value, "EventTime")) {
            c->processing_time = false;
        } else if (slstr_ieq0(value, "processing") || slstr_ieq0(value, "ProcessingTime")) {
            c->processing_time = true;
        } else {
            return slerr_set(SL_ERR_ARG, "option '%s': expected 'event' or 'processing', got '%s'",
                             key, value);
        }
    } else if (key_is(key, "key-groups", "pipeline.max-parallelism")) {
        if ((err = parse_int_opt(key, value, 1, 32768, &v))) {
            return err;
        }
        c->n_key_groups = (int)v;
    } else if (key_is(key, "state.backend", "state.backend.type")) {
        if (slstr_ieq0(value, "memory") || slstr_ieq0(value, "hashmap")) {
            c->state_backend = SLSTATE_MEMORY;
        } else if (slstr_ieq0(value, "rocksdb")) {
            c->state_backend = SLSTATE_ROCKSDB;
        } else {
            return slerr_set(SL_ERR_ARG,
                             "option '%s': expected 'memory' (or 'hashmap') or 'rocksdb', got '%s'",
                             key, value);
        }
    } else if (key_is(key, "state.backend.rocksdb.localdir", NULL)) {
        slmem_free(c->rocksdb_localdir);
        c->rocksdb_localdir = *value ? slmem_strdup(value) : NULL;
    } else if (key_is(key, "state.backend.rocksdb.block.cache-size", NULL)) {
        if ((err = parse_bytes_opt(key, value, &c->rocksdb_block_cache_bytes))) {
            return err;
        }
    } else if (key_is(key, "state.backend.rocksdb.writebuffer.size", NULL)) {
        if ((err = parse_bytes_opt(key, value, &c->rocksdb_write_buffer_bytes))) {
            return err;
        }
    } else if (key_is(key, "state.backend.memory.max-bytes", NULL)) {
        if ((err = parse_bytes_opt(key, value, &c->memory_max_bytes))) {
            return err;
        }
    } else if (key_is(key, "execution.checkpointing.interval", "checkpoint.interval")) {
        if ((err = parse_duration_opt(key, value, &c->ckpt_interval_us))) {
            return err;
        }
        if (c->ckpt_interval_us < 0) {
            c->ckpt_interval_us = 0;
        }
    } else if (key_is(key, "execution.checkpointing.timeout", NULL)) {
        if ((err = parse_duration_opt(key, value, &c->ckpt_timeout_us))) {
            return err;
        }
        if (c->ckpt_timeout_us <= 0) {
            return slerr_set(SL_ERR_ARG, "option '%s': must be positive, got '%s'", key, value);
        }
    } else if (key_is(key, "execution.checkpointing.min-pause", NULL)) {
        if ((err = parse_duration_opt(key, value, &c->ckpt_min_pause_us))) {
            return err;
        }
    } else if (key_is(key, "execution.checkpointing.mode", NULL)) {
        if (slstr_ieq0(value, "EXACTLY_ONCE") || slstr_ieq0(value, "exactly-once")) {
            c->ckpt_at_least_once = false;
        } else if (slstr_ieq0(value, "AT_LEAST_ONCE") || slstr_ieq0(value, "at-least-once")) {
            c->ckpt_at_least_once = true;
        } else {
            return slerr_set(SL_ERR_ARG,
                             "option '%s': expected 'EXACTLY_ONCE' or 'AT_LEAST_ONCE', got '%s'",
                             key, value);
        }
    } else if (key_is(key, "state.checkpoints.num-retained", NULL)) {
        if ((err = parse_int_opt(key, value, 1, 1000, &v))) {
            return err;
        }
        c->ckpt_retained = (int)v;
    } else if (key_is(key, "state.savepoints.dir", NULL)) {
        slmem_free(c->savepoint_dir);
        const char *d = strncmp(value, "file://", 7) == 0 ? value + 7 : value;
        c->savepoint_dir = *d ? slmem_strdup(d) : NULL;
    } else if (key_is(key, "execution.savepoint.path", NULL)) {
        slmem_free(c->savepoint_path);
        const char *d = strncmp(value, "file://", 7) == 0 ? value + 7 : value;
        c->savepoint_path = *d ? slmem_strdup(d) : NULL;
    } else if (key_is(key, "state.checkpoints.dir", "execution.checkpointing.dir")) {
        slmem_free(c->ckpt_dir);
        const char *d = value;
        if (strncmp(d, "file://", 7) == 0) {
            d += 7; /* Flink writes file:///path */
        }
        c->ckpt_dir = *d ? slmem_strdup(d) : NULL;
    } else {
        return slerr_set(SL_ERR_NOTFOUND,
                         "unknown option '%s' (known: parallelism, batch.rows, channel.capacity, "
                         "idle-timeout, state.ttl, dead-letter.path, time.characteristic, "
                         "key-groups, state.backend, state.backend.rocksdb.localdir, "
                         "state.backend.rocksdb.block.cache-size, "
                         "state.backend.rocksdb.writebuffer.size, "
                         "state.backend.memory.max-bytes, execution.checkpointing.interval, "
                         "execution.checkpointing.timeout, execution.checkpointing.min-pause, "
                         "execution.checkpointing.mode, state.checkpoints.num-retained, "
                         "state.checkpoints.dir, state.savepoints.dir, execution.savepoint.path)",
                         key);
    }
    return SL_OK;
}

sl_err sl_job_set_clock(sl_job *j, sl_clock_fn now, void *user) {
    j->g.conf.clock.now = now;
    j->g.conf.clock.user = user;
    return SL_OK;
}

sl_err sl_job_run(sl_job *j) {
    sl_err err = sljob_check_building(j);
    if (err) {
        return err;
    }
    if (j->g.n_nodes == 0) {
        return slerr_set(SL_ERR_STATE, "the job has no sources");
    }
    j->ran = true;
    return slrt_run(&j->g, &j->ctl);
}

void sl_job_stop(sl_job *j) {
    __atomic_store_n(&j->ctl.stop, 1, __ATOMIC_RELEASE);
}

void sl_job_savepoint(sl_job *j) {
    __atomic_add_fetch(&j->ctl.savepoint_req, 1, __ATOMIC_ACQ_REL);
}

void sl_job_stop_with_savepoint(sl_job *j) {
    __atomic_store_n(&j->ctl.stop_after_savepoint, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&j->ctl.savepoint_req, 1, __ATOMIC_ACQ_REL);
}

void sl_job_metrics(const sl_job *j, sl_metrics *out) {
    slrt_metrics(&j->ctl, out);
}

/* ---- stateless transformations ---- */

static sl_err check_stream(const sl_stream *s, const char *what) {
    if (!s) {
        return slerr_set(SL_ERR_ARG, "%s: stream is NULL", what);
    }
    return sljob_check_building(s->job);
}

sl_err sl_stream_filter(sl_stream *s, sl_filter_fn fn, void *user, sl_stream **out) {
    sl_err err = check_stream(s, "sl_stream_filter");
    if (err) {
        return err;
    }
    if (!fn) {
        return slerr_set(SL_ERR_ARG, "sl_stream_filter: fn is NULL");
    }
    slfn_arg *a = slfn_arg_new(SLFN_FILTER, (void *)fn, user, NULL);
    *out = sljob_add_op(s->job, "filter", slfn_new, a, slfn_arg_free, s, s->schema, true);
    return SL_OK;
}

static sl_err add_map(sl_stream *s, const sl_schema *schema, sl_map_fn fn, void *user,
                      slfn_kind kind, sl_stream **out) {
    const char *what = kind == SLFN_MAP ? "sl_stream_map" : "sl_stream_flat_map";
    sl_err err = check_stream(s, what);
    if (err) {
        return err;
    }
    if (!fn || !schema) {
        return slerr_set(SL_ERR_ARG, "%s: fn and out_schema must not be NULL", what);
    }
    slfn_arg *a = slfn_arg_new(kind, (void *)fn, user, schema);
    *out = sljob_add_op(s->job, kind == SLFN_MAP ? "map" : "flat_map", slfn_new, a,
                        slfn_arg_free, s, schema, true);
    return SL_OK;
}

sl_err sl_stream_map(sl_stream *s, const sl_schema *schema, sl_map_fn fn, void *user,
                     sl_stream **out) {
    return add_map(s, schema, fn, user, SLFN_MAP, out);
}

sl_err sl_stream_flat_map(sl_stream *s, const sl_schema *schema, sl_map_fn fn, void *user,
                          sl_stream **out) {
    return add_map(s, schema, fn, user, SLFN_FLAT_MAP, out);
}

sl_err sl_stream_union(sl_stream *a, sl_stream *b, sl_stream **out) {
    sl_err err = check_stream(a, "sl_stream_union");
    if (!err) {
        err = check_stream(b, "sl_stream_union");
    }
    if (err) {
        return err;
    }
    if (a->job != b->job) {
        return slerr_set(SL_ERR_ARG, "sl_stream_union: the streams belong to different jobs");
    }
    if (!slschema_equal(a->schema, b->schema)) {
        slbuf sa = {0}, sb = {0};
        slschema_describe(a->schema, &sa);
        slschema_describe(b->schema, &sb);
        err = slerr_set(SL_ERR_TYPE, "sl_stream_union: schemas differ: (%s) vs (%s)",
                        slbuf_cstr(&sa), slbuf_cstr(&sb));
        slbuf_free(&sa);
        slbuf_free(&sb);
        return err;
    }
    int id = add_node(a->job, "union", slunion_new, NULL, NULL, a, a->schema, false);
    a->job->g.nodes[id]->n_inputs = 2;
    a->job->g.nodes[id]->keyed = false;
    /* Re-key the first edge as forward: union does not partition. */
    a->job->g.edges[a->job->g.n_edges - 1].part = SLPART_FORWARD;
    sledge e = {.from = b->node, .from_port = b->port, .to = id, .to_input = 1};
    slgraph_add_edge(&a->job->g, &e);
    *out = sljob_stream(a->job, id, 0, a->schema);
    (*out)->parallelism = a->parallelism;
    return SL_OK;
}

sl_err sl_stream_parallelism(sl_stream *s, int n) {
    sl_err err = check_stream(s, "sl_stream_parallelism");
    if (err) {
        return err;
    }
    if (n < 1 || n > 256) {
        return slerr_set(SL_ERR_ARG, "sl_stream_parallelism: %d is out of range 1..256", n);
    }
    s->parallelism = n;
    return SL_OK;
}

sl_err sl_stream_key_by(sl_stream *s, const char *cols, sl_stream **out) {
    sl_err err = check_stream(s, "sl_stream_key_by");
    if (err) {
        return err;
    }
    slkeyspec key = {0};
    const char *p = cols ? cols : "";
    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        const char *start = p;
        while (*p && *p != ',') {
            p++;
        }
        const char *end = p;
        while (end > start && end[-1] == ' ') {
            end--;
        }
        if (end == start) {
            continue;
        }
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(end - start), start);
        int col = sl_schema_find(s->schema, name);
        if (col < 0) {
            slbuf d = {0};
            slschema_describe(s->schema, &d);
            err = slerr_set(SL_ERR_NOTFOUND, "sl_stream_key_by: no column '%s' in (%s)", name,
                            slbuf_cstr(&d));
            slbuf_free(&d);
            return err;
        }
        if (key.n == (int)SL_ARRAY_LEN(key.cols)) {
            return slerr_set(SL_ERR_ARG, "sl_stream_key_by: at most %d key columns",
                             (int)SL_ARRAY_LEN(key.cols));
        }
        key.cols[key.n++] = col;
    }
    if (key.n == 0) {
        return slerr_set(SL_ERR_ARG, "sl_stream_key_by: no key columns in '%s'", cols ? cols : "");
    }
    sl_stream *k = sljob_stream(s->job, s->node, s->port, s->schema);
    k->keyed = true;
    k->key = key;
    k->parallelism = s->parallelism;
    *out = k;
    return SL_OK;
}

sl_err sl_stream_watermark(sl_stream *s, const char *ts_col, int64_t bound_us, sl_stream **out) {
    sl_err err = check_stream(s, "sl_stream_watermark");
    if (err) {
        return err;
    }
    int col = ts_col ? sl_schema_find(s->schema, ts_col) : -1;
    if (col < 0) {
        return slerr_set(SL_ERR_NOTFOUND, "sl_stream_watermark: no column '%s'",
                         ts_col ? ts_col : "(null)");
    }
    sl_type t = sl_schema_type(s->schema, col);
    if (t != SL_TIMESTAMP && t != SL_BIGINT) {
        return slerr_set(SL_ERR_TYPE,
                         "sl_stream_watermark: column '%s' is %s; expected TIMESTAMP or BIGINT",
                         ts_col, sl_type_name(t));
    }
    if (bound_us < 0) {
        return slerr_set(SL_ERR_ARG, "sl_stream_watermark: negative out-of-orderness bound");
    }
    slwm_arg *a = slmem_calloc(1, sizeof *a);
    a->col = col;
    a->bound_us = bound_us;
    a->col_name = slmem_strdup(ts_col);
    *out = sljob_add_op(s->job, "watermark", slwm_new, a, slwm_arg_free, s, s->schema, true);
    /* Watermarks are generated where the rows are read (as Flink assigns them
     * in the source): same parallelism as the input, so the assigner chains
     * to it and each source split has its own watermark. */
    slgraph *g = &s->job->g;
    g->nodes[g->n_nodes - 1]->parallelism = g->nodes[s->node]->parallelism;
    return SL_OK;
}

sl_err sl_stream_dead_letters(sl_stream *source, sl_stream **out) {
    sl_err err = check_stream(source, "sl_stream_dead_letters");
    if (err) {
        return err;
    }
    slnode *n = source->job->g.nodes[source->node];
    if (n->kind != SLNODE_SOURCE) {
        return slerr_set(SL_ERR_ARG, "sl_stream_dead_letters: '%s' is not a source", n->name);
    }
    *out = sljob_stream(source->job, source->node, 1, sldead_schema());
    return SL_OK;
}

/* ---- keyed process functions ---- */

sl_err sl_stream_process(sl_stream *keyed, const sl_schema *out_schema, const sl_process_fns *fns,
                         void *user, sl_stream **out) {
    sl_err err = check_stream(keyed, "sl_stream_process");
    if (err) {
        return err;
    }
    if (!keyed->keyed) {
        return slerr_set(SL_ERR_ARG, "sl_stream_process: the stream is not keyed (call sl_stream_key_by first)");
    }
    if (!fns || !fns->on_row || !out_schema) {
        return slerr_set(SL_ERR_ARG, "sl_stream_process: fns->on_row and out_schema are required");
    }
    slprocess_arg *a = slprocess_arg_new(keyed->schema, out_schema, &keyed->key, fns, user);
    *out = sljob_add_op(keyed->job, "process", slprocess_new, a, slprocess_arg_free, keyed,
                        out_schema, false);
    return SL_OK;
}

/* ---- windows ---- */

sl_err sl_stream_window(sl_stream *in, const sl_window_spec *spec, const sl_agg *aggs, int n_aggs,
                        sl_stream **out) {
    sl_err err = check_stream(in, "sl_stream_window");
    if (err) {
        return err;
    }
    if (!spec) {
        return slerr_set(SL_ERR_ARG, "sl_stream_window: spec is NULL");
    }
    sl_window_spec s = *spec;
    if (in->job->g.conf.processing_time && s.kind != SL_WINDOW_COUNT) {
        s.processing_time = true;
    }
    /* A stream that is not keyed is windowed as one key on one subtask
     * (Flink's windowAll). */
    slkeyspec key = in->keyed ? in->key : (slkeyspec){0};
    slwindow_arg *a;
    if ((err = slwindow_arg_new(in->schema, &key, &s, aggs, n_aggs, &a))) {
        return slerr_prefix(err, "sl_stream_window");
    }
    *out = sljob_add_keyed_op(in->job, "window", slwindow_new, a, slwindow_arg_free_v, in, &key,
                              a->out, a->in);
    return SL_OK;
}

sl_err sl_stream_late_rows(sl_stream *windowed, sl_stream **out) {
    sl_err err = check_stream(windowed, "sl_stream_late_rows");
    if (err) {
        return err;
    }
    slnode *n = windowed->job->g.nodes[windowed->node];
    if (n->op_new != slwindow_new || windowed->port != 0) {
        return slerr_set(SL_ERR_ARG, "sl_stream_late_rows: '%s' is not a window stream", n->name);
    }
    *out = sljob_stream(windowed->job, windowed->node, 1, n->out[1]);
    (*out)->parallelism = windowed->parallelism;
    return SL_OK;
}
