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

/* ---- checkpoints (checkpoint.c; DESIGN.md section 6, docs/checkpoints.md) ---- */

/* One instance's part of a checkpoint. */
typedef struct slck_sub {
    slbuf blob;  /* opstate (operators) or position (sources) */
    char *state; /* owned: the state snapshot's name in the checkpoint directory, or NULL */
} slck_sub;

/* What a restore hands to the instances of one node: every old subtask's
 * part (n is the old parallelism). */
typedef struct slck_restore {
    int n;
    slbuf *blobs;       /* owned: [n] */
    char **state_paths; /* owned: [n] absolute paths (NULL: the subtask had no state) */
} slck_restore;

/* The checkpoint coordinator: one thread that triggers checkpoints, collects
 * the tasks' acknowledgements and commits (writes the metadata file). The
 * fields under `mu` are shared with the workers; trigger and completed are
 * atomics the workers poll between elements. */
typedef struct slck {
    bool on;            /* the job takes checkpoints */
    const char *dir;    /* borrowed: conf.ckpt_dir */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;  /* the coordinator waits here for acks and stop */
    pthread_cond_t fin; /* finished tasks wait here for the final checkpoint */
    bool stop;
    int64_t next_id;
    int64_t pending; /* the checkpoint in flight (0: none) */
    int64_t pending_start_us;
    bool pending_failed;
    char pending_err[640];
    int n_acked;
    slck_sub **subs; /* owned: [node][subtask] parts of the pending checkpoint */
    int64_t final_id; /* the end-of-input checkpoint (0: not begun) */
    bool final_done, final_failed;
    int64_t last_end_us, last_trigger_us;
    int64_t trigger;   /* atomic: sources inject this checkpoint's barrier */
    int64_t completed; /* atomic: id of the newest complete checkpoint */
    uint64_t n_completed, n_failed;
    slck_restore *restore; /* owned: [node] when the job resumes, else NULL */
    int64_t restored_id;
    uint64_t fingerprint;
    slsnap_writer *writer; /* owned: writes memory-state snapshot files (NULL: off) */
} slck;

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
    slck_sub ck;       /* this instance's part of the checkpoint being taken */
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
    /* Checkpoints, touched by this task's thread only. */
    int64_t ck_align;     /* the checkpoint whose barriers are being aligned (0: none) */
    int64_t ck_injected;  /* sources: the last checkpoint whose barrier was injected */
    int64_t ck_done_seen; /* the last completed checkpoint delivered to the chain */
    int64_t ck_acked;     /* the last checkpoint this task acknowledged */
    int ck_finished;      /* atomic: the task ended cleanly and waits for the final checkpoint */
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
    slck ck;
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
/* task.c: send m to every channel of every port of `in`. */
void slrt_broadcast(slrt_inst *in, slmsg m);

/* checkpoint.c. slck_init on the runtime's thread after the instances exist:
 * checks the job can take checkpoints (a directory, rewindable sources),
 * computes the job's fingerprint and loads the newest complete checkpoint
 * that verifies (ck.restore). Errors: SL_ERR_ARG (no directory, a source
 * that cannot rewind, a checkpoint of another job). */
sl_err slck_init(slrt *rt);
/* Before anything else (slck_free undoes it). */
void slck_prepare(slrt *rt);
void slck_start(slrt *rt);
void slck_stop(slrt *rt);
void slck_free(slrt *rt);
/* Task thread, after open: restore the chain's state, opstate and
 * positions. Errors fail the job. */
sl_err slck_task_restore(slrt_task *t);
/* Task thread, between elements: snapshot every instance of the chain for
 * checkpoint id and acknowledge it (a failure fails the checkpoint, not the
 * job); the caller then forwards the barrier. */
void slck_task_snapshot(slrt_task *t, int64_t id);
/* Task thread: deliver checkpoint_done to the chain if a checkpoint
 * completed since the last call. */
void slck_task_poll_done(slrt_task *t);
/* Task thread, after its clean end: take part in the final checkpoint and
 * wait until it is committed, then deliver checkpoint_done. */
void slck_task_final(slrt_task *t);

#endif /* SL_RT_INT_H */
