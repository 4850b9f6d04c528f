/*
 * connectors.h - sources and sinks of the file system, stdio and generators,
 * as the runtime sees them: a factory plus its configuration (the graph owns
 * the configuration and frees it with the matching *_conf_free). The public
 * sl_job_source_* / sl_stream_print... in builders.c only parse options and
 * add these to the job graph.
 */
#ifndef SL_CONNECTORS_H
#define SL_CONNECTORS_H

#include <pthread.h>

#include "ops/op.h"

/* ---- file / stdin source (file.c) ---- */

typedef struct slfile_conf {
    char *path; /* owned: "-" = stdin */
    sl_format format;
    sl_schema *schema; /* ref */
    bool csv_header;   /* the first record names the columns */
    char csv_delim;
    size_t read_bytes; /* bytes per read() call; 0 = default (1 MB) */
} slfile_conf;

slfile_conf *slfile_conf_new(const char *path, sl_format format, const sl_schema *schema);
void slfile_conf_free(void *conf);
/*
 * A source reading records (JSON lines or CSV) from conf->path; only subtask 0
 * reads. Malformed records become dead letters at "<path>:<line>" (the first
 * line of the record). Rows' event times are 0 (a watermark assigner sets
 * them). open() fails with SL_ERR_IO naming the path if it cannot be opened.
 */
slsource *slfile_source_new(void *conf, int subtask, int parallelism);
/* Byte offset of the first record not yet decoded (for positions). */
uint64_t slfile_source_offset(const slsource *s);

/* ---- generator sources (gen.c, datagen.c) ---- */

typedef struct slgen_conf {
    sl_schema *schema; /* ref */
    sl_gen_fn fn;      /* row generator, or NULL ... */
    void *user; /* borrowed: the caller's */
    sl_gen_batch_fn batch_fn; /* ... batch generator */
} slgen_conf;

void slgen_conf_free(void *conf);
/* A source calling conf->fn with i = 0, 1, 2, ..., or conf->batch_fn with the
 * number of rows made so far and the rest of each batch (subtask 0 only). */
slsource *slgen_source_new(void *conf, int subtask, int parallelism);

typedef enum sldatagen_kind { SLDG_RANDOM = 0, SLDG_SEQUENCE } sldatagen_kind;

typedef struct sldatagen_field {
    sldatagen_kind kind;
    int64_t min, max;     /* BIGINT random range (inclusive) */
    double dmin, dmax;    /* DOUBLE random range [dmin, dmax) */
    int64_t start, end;   /* sequence (inclusive) */
    bool has_start, has_end;
    int64_t length;       /* STRING random length */
    double null_rate;     /* fraction of NULLs */
    int64_t max_past_us;  /* TIMESTAMP random: now - [0, max_past] */
} sldatagen_field;

typedef struct sldatagen_conf {
    sl_schema *schema; /* ref */
    uint64_t seed;
    int64_t n_rows;         /* total rows; -1 = unbounded */
    double rows_per_second; /* 0 = as fast as possible */
    sldatagen_field *fields; /* owned: one per column */
} sldatagen_conf;

/* Parse datagen options ("number-of-rows=10,seed=7,fields.id.kind=sequence,...").
 * Errors: SL_ERR_ARG naming the option. */
sl_err sldatagen_conf_parse(const sl_schema *schema, const char *options, sldatagen_conf **out);
void sldatagen_conf_free(void *conf);
/* Row i of the output is a pure function of (seed, i) except random
 * timestamps, which count back from the context's clock. */
slsource *sldatagen_source_new(void *conf, int subtask, int parallelism);

/* ---- Nexmark generator (nexmark.c) ---- */

/* Which events a Nexmark source keeps: one kind, or every event as one wide
 * table (event_type 0 person, 1 auction, 2 bid; the other kinds' columns NULL). */
typedef enum slnex_table { SLNEX_PERSON = 0, SLNEX_AUCTION, SLNEX_BID, SLNEX_ALL } slnex_table;

typedef struct slnex_tables slnex_tables;

/* Generator options; slnexmark_conf_new sets the defaults, slnexmark_conf_set
 * changes one by its SQL option key, slnexmark_conf_prepare fixes the columns
 * and builds the tables. Read-only once prepared (shared by subtasks). */
typedef struct slnexmark_conf {
    slnex_table table;
    uint64_t seed;
    int64_t n_events;       /* events of all kinds (Flink's events.num); -1 = unbounded */
    int64_t rate;           /* events per second of event time (first-event.rate) */
    int64_t first_event_ms; /* event time of event 0, ms since the epoch */
    int64_t ooo_bound_ms;   /* out-of-order bound (0 = in order) */
    bool rate_limited;      /* emit events no faster than their event time advances */
    int prop[3];            /* person, auction, bid proportions (1, 3, 46) */
    int hot_auction_ratio, hot_bidder_ratio, hot_seller_ratio; /* 2, 4, 4 */
    int avg_bytes[3];       /* average person, auction, bid sizes (200, 500, 100) */
    int active_people;      /* 1000 */
    int in_flight_auctions; /* 100 */
    /* set by slnexmark_conf_prepare */
    sl_schema *schema;      /* ref: the columns produced */
    int col_of[32];         /* generated field -> column of schema, or -1 */
    int64_t group;          /* out-of-order group size (1 = in order) */
    uint64_t seed_hash;     /* hash of seed: the per-event random streams start from it */
    slnex_tables *tabs;     /* owned: letter pools, names, channels and URLs */
    /* Instrumentation (the `sluice bench` runner; NULL otherwise): called by
     * every subtask at the end of each read() with the batch it filled (rows
     * [n0, b->n) are new) and whether the source has ended. Thread: the
     * source's worker; several subtasks call it concurrently. */
    void (*on_read)(void *user, int subtask, const slbatch *b, uint32_t n0, bool end);
    void *on_read_user; /* borrowed */
} slnexmark_conf;

slnexmark_conf *slnexmark_conf_new(void);
void slnexmark_conf_free(void *conf);
/* Set one option ("events.num", "first-event.rate", "nexmark.table", ...; the
 * list is in nexmark.c). Errors: SL_ERR_ARG naming the option and value. */
sl_err slnexmark_conf_set(slnexmark_conf *c, const char *key, const char *value);
/* The name ("person", "auction", "bid", "all") and the full schema (a new
 * reference) of a table. */
const char *slnexmark_table_name(slnex_table t);
sl_schema *slnexmark_table_schema(slnex_table t);
/* Produce the columns of `want` (NULL: the table's full schema): each must be
 * a column of the table (name case-insensitive, same type), in any order.
 * Errors: SL_ERR_ARG / SL_ERR_TYPE naming the column. Builds the tables. */
sl_err slnexmark_conf_prepare(slnexmark_conf *c, const sl_schema *want);
/* Kind (0 person, 1 auction, 2 bid) and event time (ms) of the event emitted
 * n-th (n = 0, 1, ...; out-of-order groups permute events within a group). */
void slnexmark_event_at(const slnexmark_conf *c, uint64_t n, int *kind, int64_t *ts_ms);
/* A source of conf->table's rows. Subtask k of p makes the events of blocks
 * k, k+p, ... of (sum of proportions) events, so the union over subtasks is
 * the sequential output. */
slsource *slnexmark_source_new(void *conf, int subtask, int parallelism);
/* Append row i of a batch of a prepared SLNEX_ALL conf as one JSON object in
 * Flink's nested event form: {"event_type":2,"person":null,"auction":null,
 * "bid":{...}} (no newline). */
void slnexmark_json_event(const slnexmark_conf *c, const slbatch *b, uint32_t i, slbuf *out);

/* ---- sinks (sink.c) ---- */

typedef enum slsink_kind {
    SLSINK_PRINT = 1,
    SLSINK_FILE,
    SLSINK_FOREACH,
    SLSINK_DISCARD, /* counts rows and drops them (Flink's 'blackhole') */
} slsink_kind;

typedef struct slsink_conf {
    slsink_kind kind;
    sl_format format;
    char *path; /* owned: SLSINK_FILE */
    int fd_print; /* SLSINK_PRINT: the descriptor written to (1 = stdout) */
    sl_row_fn fn; /* SLSINK_FOREACH */
    void *user;   /* borrowed */
    bool no_kind; /* text lines without the row kind (append-only output) */
    pthread_mutex_t mu; /* guards truncated (the first subtask to open truncates) and writes */
    bool truncated;
    /* Instrumentation (the `sluice bench` runner; NULL otherwise): called with
     * every batch the sink receives, before it is written or dropped.
     * Thread: the sink subtask's worker; subtasks call it concurrently. */
    void (*on_batch)(void *user, int subtask, const slbatch *b);
    void *on_batch_user; /* borrowed */
    /* Exactly-once file sink (sink.c, checkpoints on), under mu: */
    bool recovered; /* the first restore cleaned up and repaired the commit log */
    int log_fd;     /* owned: the commit log, opened at the first commit (-1: not yet) */
} slsink_conf;

slsink_conf *slsink_conf_new(slsink_kind kind, sl_format format);
void slsink_conf_free(void *conf);
/* A sink operator: text lines carry the row kind ("op" field / first CSV
 * column), one write() per batch; foreach calls fn per row. */
slop *slsink_new(void *conf, int subtask);

#endif /* SL_CONNECTORS_H */
