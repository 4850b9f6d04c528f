/*
 * job.h - the internals of the public sl_job / sl_stream handles: a job is a
 * logical graph (graph.h) under construction plus its run control. Modules
 * above the runtime (connectors, sql) add nodes through sljob_add_*.
 *
 * Thread: building a job is single-threaded; sl_job_stop and sl_job_metrics
 * may be called from any thread while sl_job_run runs.
 */
#ifndef SL_JOB_H
#define SL_JOB_H

#include "runtime/graph.h"

struct sl_stream {
    sl_job *job;       /* borrowed: the owner */
    int node, port;    /* the node and output port producing this stream */
    sl_schema *schema; /* ref */
    bool keyed;        /* produced by key_by: the next operator is keyed */
    slkeyspec key;     /* key columns when keyed */
    int parallelism;   /* parallelism requested for operators added after it (0 = default) */
};

struct sl_job {
    slgraph g;
    sl_stream **streams; /* owned */
    int n_streams;
    size_t cap_streams;
    slrun_ctl ctl;
    bool ran;
};

/* A new stream handle owned by the job. */
sl_stream *sljob_stream(sl_job *j, int node, int port, const sl_schema *schema);

/* Add a source node; the graph takes `arg`. Returns its port-0 stream, and its
 * port-1 (dead letter) schema is set to sldead_schema(). */
sl_stream *sljob_add_source(sl_job *j, const char *name, slsource_factory f, void *arg,
                            void (*arg_free)(void *), const sl_schema *schema);

/* Add an operator node fed by `in` (port of in's node -> input 0). The edge is
 * SLPART_HASH on in->key when `in` is keyed, else forward. `chainable` marks a
 * stateless one-input operator. The graph takes `arg`. Returns the port-0
 * stream with `out_schema` (NULL for sinks: then returns NULL). */
sl_stream *sljob_add_op(sl_job *j, const char *name, slop_factory f, void *arg,
                        void (*arg_free)(void *), sl_stream *in, const sl_schema *out_schema,
                        bool chainable);

/* Add a keyed operator fed by `in`, partitioned by `key` (HASH edge) — or,
 * when key->n == 0, run as one subtask fed by a forward edge (one key for the
 * whole stream, as Flink's windowAll / global aggregation). `late` is the
 * schema of output port 1 (NULL: none). The graph takes `arg`. Returns the
 * port-0 stream (NULL for sinks). */
sl_stream *sljob_add_keyed_op(sl_job *j, const char *name, slop_factory f, void *arg,
                              void (*arg_free)(void *), sl_stream *in, const slkeyspec *key,
                              const sl_schema *out_schema, const sl_schema *late);

/* Add a keyed operator with two inputs: `left` feeds input 0 partitioned by
 * `lkey`, `right` feeds input 1 partitioned by `rkey` (HASH edges; the key
 * columns must have pairwise equal types so equal keys land in the same key
 * group). Both keys have n > 0 columns. The node runs with the job's default
 * parallelism. The graph takes `arg`. Returns the port-0 stream. */
sl_stream *sljob_add_keyed_op2(sl_job *j, const char *name, slop_factory f, void *arg,
                               void (*arg_free)(void *), sl_stream *left, const slkeyspec *lkey,
                               sl_stream *right, const slkeyspec *rkey,
                               const sl_schema *out_schema);

/* Fail with SL_ERR_STATE if the job already ran. */
sl_err sljob_check_building(const sl_job *j);

#endif /* SL_JOB_H */
