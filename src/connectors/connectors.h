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
    pthread_mutex_t mu; /* guards truncated: the first subtask to open truncates */
    bool truncated;
} slsink_conf;

slsink_conf *slsink_conf_new(slsink_kind kind, sl_format format);
void slsink_conf_free(void *conf);
/* A sink operator: text lines carry the row kind ("op" field / first CSV
 * column), one write() per batch; foreach calls fn per row. */
slop *slsink_new(void *conf, int subtask);

#endif /* SL_CONNECTORS_H */
