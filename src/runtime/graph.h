/*
 * graph.h - the logical job graph: nodes (sources and operators) and edges,
 * as built by the C API (and later the SQL planner), plus job configuration.
 * The runtime (runtime.c) turns it into tasks: chains of operators connected
 * by forward edges at equal parallelism run as one task per subtask (at
 * parallelism 1 any single-input operator with a single-consumer producer is
 * chained, whatever the partitioning); every other edge becomes bounded
 * channels between tasks. See runtime.c for the exact rule.
 *
 * The graph owns its nodes, their names, their factory arguments and the
 * schema references in out[]. conf.dead_letter_path and conf.rocksdb_localdir
 * belong to the job.
 */
#ifndef SL_GRAPH_H
#define SL_GRAPH_H

#include "ops/op.h"

typedef enum slnode_kind { SLNODE_SOURCE = 1, SLNODE_OP } slnode_kind;

typedef enum slpart {
    SLPART_FORWARD = 0, /* subtask i -> subtask i (same parallelism), else rebalance */
    SLPART_HASH,        /* by key group of the edge's key */
    SLPART_REBALANCE,   /* round robin */
} slpart;

typedef struct sledge {
    int from, from_port; /* node index, output port */
    int to, to_input;    /* node index, logical input */
    slpart part;
    slkeyspec key; /* for SLPART_HASH: key columns of the from-port schema */
} sledge;

typedef struct slnode {
    char *name; /* owned: shown in plans and metrics */
    slnode_kind kind;
    slop_factory op_new;         /* SLNODE_OP */
    slsource_factory source_new; /* SLNODE_SOURCE */
    void *arg;                   /* owned via arg_free */
    void (*arg_free)(void *arg);
    sl_schema *out[SL_MAX_PORTS]; /* ref: schema of each output port (NULL: none) */
    int parallelism;              /* 0 = the job default */
    int n_inputs;
    bool chainable; /* may run in its predecessor's task (one input, stateless) */
    bool keyed;     /* needs keyed state */
} slnode;

typedef struct slconf {
    int parallelism;
    uint32_t batch_rows;
    uint32_t channel_cap;
    int n_key_groups;
    int64_t idle_timeout_us; /* 0 = sources never turn idle */
    int64_t state_ttl_us;    /* 0 = never */
    bool processing_time;
    char *dead_letter_path; /* owned; NULL or "-" = stderr */
    slclock clock;
    /* Keyed state (options state.backend*). */
    slstate_backend state_backend; /* SLSTATE_MEMORY (default) or SLSTATE_ROCKSDB */
    char *rocksdb_localdir;        /* owned; NULL: $TMPDIR or /tmp */
    uint64_t rocksdb_block_cache_bytes;  /* 0: the backend's default */
    uint64_t rocksdb_write_buffer_bytes; /* 0: the backend's default */
    uint64_t memory_max_bytes; /* memory backend: fail a subtask's state above this; 0 = no limit */
    /* Checkpoints (options execution.checkpointing.*, state.checkpoints.*;
     * checkpoint.c). Off while ckpt_interval_us == 0. */
    int64_t ckpt_interval_us;
    int64_t ckpt_timeout_us;   /* abort a checkpoint older than this (default 10 min) */
    int64_t ckpt_min_pause_us; /* between the end of one and the start of the next */
    bool ckpt_at_least_once;   /* execution.checkpointing.mode = AT_LEAST_ONCE: no alignment */
    int ckpt_retained;         /* complete checkpoints kept (default 1) */
    char *ckpt_dir;            /* owned: state.checkpoints.dir; NULL: none */
    char *savepoint_dir;       /* owned: state.savepoints.dir; NULL: <ckpt_dir>/savepoints */
    char *savepoint_path;      /* owned: execution.savepoint.path: restore from it; NULL: none */
} slconf;

typedef struct slgraph {
    slnode **nodes; /* owned */
    int n_nodes;
    size_t cap_nodes;
    sledge *edges; /* owned */
    int n_edges;
    size_t cap_edges;
    slconf conf;
} slgraph;

void slgraph_init(slgraph *g);
void slgraph_free(slgraph *g);
/* Add a node (allocated with slmem_*) and return its index. The graph takes
 * the node itself, its name, `arg` (freed with arg_free) and the references
 * held in n->out[] (the caller refs the schemas it puts there). */
int slgraph_add_node(slgraph *g, slnode *n);
void slgraph_add_edge(slgraph *g, const sledge *e);

/* The parallelism node n runs with (its own, else the job default). */
int slgraph_par(const slgraph *g, int n);
/* Which edges are chained (the producer's task runs the consumer), given
 * each node's parallelism par[]: chained[e] for every edge (runtime.c states
 * the rule). */
void slgraph_chain_edges(const slgraph *g, const int *par, bool *chained);
/* Describe the physical plan: tasks (chains of operators) with their
 * parallelism, and how data is exchanged between them (EXPLAIN). */
void slgraph_explain(const slgraph *g, slbuf *out);

/* Run-time control and counters shared between the runtime and the API. */
typedef struct slrun_ctl {
    int stop;           /* atomic: set to 1 to stop the job */
    slopmetrics totals; /* aggregated: sources' rows_in, sinks' rows_out, ... (after the run) */
    int lock;           /* atomic spin lock guarding `live` */
    struct slrt *live;  /* borrowed: the running job's runtime, NULL when not running */
    uint64_t ck_completed, ck_failed; /* checkpoints of the last run (after it) */
    int64_t ck_id;                    /* newest complete checkpoint of the last run */
    int savepoint_req;        /* atomic: savepoints asked for (sl_job_savepoint) */
    int stop_after_savepoint; /* atomic: stop once the next savepoint is done */
} slrun_ctl;

/* Run the graph to completion (all sources ended) or until ctl->stop is set.
 * On a stop the job winds down like a cancel: no final watermark, no end().
 * Errors (an open failing, a source failing) stop the job and are returned
 * with their message. Thread: the caller's; worker threads are started and
 * joined inside. */
sl_err slrt_run(slgraph *g, slrun_ctl *ctl);
/* A snapshot of the counters (live while running, final totals after); safe
 * from any thread while the job runs. */
void slrt_metrics(const slrun_ctl *ctl, sl_metrics *out);

#endif /* SL_GRAPH_H */
