/*
 * rt_int.h - the runtime's private structures (runtime.c plans and tears down,
 * task.c runs the worker threads).
 *
 * A job graph becomes instances (one per node and subtask), chained into tasks:
 * a task is a chain of instances run by one thread; a chained successor's
 * batch_take runs inside its predecessor's emit. Outputs that are not chained
 * go through channels (channel.h) into the consumer task's inbox.
 *
 * Everything here is created before the threads start and freed after they
 * are joined; while running, an instance and its task are touched only by the
 * task's thread, except metrics (relaxed atomics) and the inbox (its mutex).
 */
#ifndef SL_RT_INT_H
#define SL_RT_INT_H

#include <pthread.h>

#include "runtime/channel.h"
#include "runtime/graph.h"

typedef struct slrt_task slrt_task;
typedef struct slrt_inst slrt_inst;

typedef enum slrt_mode {
    SLRT_DIRECT = 1,  /* one channel (forward at equal parallelism, or one consumer) */
    SLRT_ROUND_ROBIN, /* by batch over all consumer subtasks */
    SLRT_HASH,        /* rows scattered by key group */
} slrt_mode;

/* One consumer edge of an output port, seen from one producer subtask. */
typedef struct slrt_out {
    slrt_mode mode;
    slkeyspec key;  /* SLRT_HASH */
    slchan **chans; /* owned array of borrowed channels, [consumer subtask] (DIRECT: 1) */
    int n;
    uint32_t rr; /* next channel for SLRT_ROUND_ROBIN */
} slrt_out;

typedef struct slrt_port {
    slrt_inst *next; /* borrowed: chained successor (port 0 only), or NULL */
    int next_input;
    slrt_out *outs; /* owned */
    int n_outs;
} slrt_port;

struct slrt_inst {
    const slnode *node; /* borrowed */
    int subtask;
    slop *op;      /* owned: SLNODE_OP */
    slsource *src; /* owned: SLNODE_SOURCE */
    slopctx ctx;
    slopmetrics metrics;
    uint64_t rows_delivered; /* atomic: rows the runtime handed to this op */
    slrt_port ports[SL_MAX_PORTS];
    slrt_task *task; /* borrowed */
    int64_t wm_out;  /* last watermark forwarded downstream */
    bool idle_out;   /* downstream was told this output is idle */
    int64_t next_tick; /* when op->tick wants to run (SL_TIME_MAX: never) */
    bool is_sink;      /* an operator whose port 0 feeds nothing */
};

struct slrt_task {
    struct slrt *rt;   /* borrowed */
    slrt_inst **chain; /* owned array of borrowed instances, head first */
    int n_chain;
    slinbox box;  /* input channels (empty for sources) */
    int n_inputs; /* logical inputs of the head */
    int n_ended;  /* channels that delivered SLMSG_END */
    bool idle;    /* every input is idle (and idleness was forwarded) */
    int64_t next_tick;
    pthread_t thread;
    bool started;
    /* Scratch for hash partitioning, used by this task's thread only. */
    slbuf key_buf;
    uint64_t *hashes; /* owned */
    size_t cap_hashes;
    uint32_t *idx; /* owned */
    size_t cap_idx;
    uint32_t *counts; /* owned */
    size_t cap_counts;
};

typedef struct slrt {
    slgraph *g;      /* borrowed */
    slrun_ctl *ctl;  /* borrowed */
    int *par;        /* owned: parallelism per node */
    slrt_inst **insts; /* owned: per node, an owned array of par[node] instances */
    slrt_task *tasks;  /* owned */
    int n_tasks;
    sldead_out *dead; /* owned */
    slrocks_env *rocks; /* owned: the RocksDB run directory (state.backend = rocksdb), or NULL */
    uint32_t batch_rows, chan_cap;
    int n_kg;
    int cancel; /* atomic: the job is being cancelled (stop or failure) */
    pthread_mutex_t mu; /* guards running, err, errmsg */
    pthread_cond_t done;
    int running;
    sl_err err;
    char errmsg[1024];
} slrt;

/* Thread entry of a task. */
void *slrt_task_main(void *task);
/* Cancel the job: every inbox is closed, blocked producers and waiting
 * consumers wake up and their threads wind down. Idempotent; any thread. */
void slrt_cancel(slrt *rt);
/* Record the first failure (message taken from this thread's sl_errmsg,
 * prefixed with `who`) and cancel. Thread: any. */
void slrt_fail(slrt *rt, sl_err err, const char *who);
/* The slopctx callbacks of every instance. Thread: the instance's task. */
void slrt_ctx_emit(slopctx *c, int port, slbatch *b);
void slrt_ctx_emit_watermark(slopctx *c, int64_t wm);
void slrt_ctx_emit_idle(slopctx *c, bool idle);

#endif /* SL_RT_INT_H */
