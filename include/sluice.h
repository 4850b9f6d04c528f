/*
 * sluice.h - the public C API of Sluice, a stream processing engine.
 *
 * This header is the whole contract: everything else in the source tree is
 * internal. Conventions (see STYLE.md):
 *   - Every call that can fail returns sl_err (SL_OK == 0). On failure a readable
 *     message is available from sl_errmsg() on the same thread until the next
 *     failing call on that thread.
 *   - Results come back through out-parameters placed last.
 *   - Arguments are borrowed: the library copies what it needs to keep.
 *   - Handles are opaque. sl_x_free(NULL) is a no-op.
 *   - Time values are int64 microseconds since the Unix epoch (UTC) unless a
 *     name says otherwise (_ms).
 *
 * A job is built as a graph of streams, then run:
 *
 *   sl_job *job; sl_job_new(&job);
 *   sl_stream *tx, *keyed, *win;
 *   sl_job_source_file(job, "tx.jsonl", SL_FORMAT_JSON, schema, &tx);
 *   sl_stream_watermark(tx, "ts", 5 * SL_SECOND, &tx);
 *   sl_stream_key_by(tx, "user", &keyed);
 *   sl_stream_window(keyed, spec, aggs, n_aggs, &win);
 *   sl_stream_print(win, SL_FORMAT_JSON);
 *   sl_job_run(job);
 *   sl_job_free(job);
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SL_VERSION "0.1.0"

/* ---- errors -------------------------------------------------------------- */

typedef enum sl_err {
    SL_OK = 0,
    SL_ERR_ARG,         /* a bad argument or option value */
    SL_ERR_NOTFOUND,    /* a named column, option or object does not exist */
    SL_ERR_TYPE,        /* a type mismatch */
    SL_ERR_IO,          /* a file or stream could not be read or written */
    SL_ERR_PARSE,       /* text (a schema, a duration, SQL) could not be parsed */
    SL_ERR_STATE,       /* the object is in the wrong state for the call */
    SL_ERR_RUNTIME,     /* the job failed while running */
    SL_ERR_UNSUPPORTED, /* a combination the engine refuses, with the reason */
} sl_err;

/* The message of the last failed call on this thread ("" if none). */
const char *sl_errmsg(void);
/* A short constant name for an error code ("SL_ERR_ARG"). */
const char *sl_err_name(sl_err err);

/* ---- time units ---------------------------------------------------------- */

#define SL_MICROSECOND INT64_C(1)
#define SL_MILLISECOND INT64_C(1000)
#define SL_SECOND INT64_C(1000000)
#define SL_MINUTE (60 * SL_SECOND)
#define SL_HOUR (60 * SL_MINUTE)
/* The watermark value that closes everything: end of input. */
#define SL_TIME_MAX INT64_MAX
#define SL_TIME_MIN INT64_MIN

/* ---- types and schemas --------------------------------------------------- */

typedef enum sl_type {
    SL_BOOLEAN = 1,
    SL_BIGINT,
    SL_DOUBLE,
    SL_STRING,
    SL_TIMESTAMP, /* microseconds since the epoch, UTC */
} sl_type;

/* Every value of every type may be NULL. */
typedef struct sl_schema sl_schema;

sl_err sl_schema_new(sl_schema **out);
/* Parse "user STRING, amount DOUBLE, ts TIMESTAMP" (SQL type names; BIGINT also
 * as INT/INTEGER/LONG, DOUBLE also as FLOAT/REAL, BOOLEAN also as BOOL,
 * STRING also as VARCHAR, TIMESTAMP also as TIMESTAMP(3)/TIMESTAMP_LTZ). */
sl_err sl_schema_parse(const char *text, sl_schema **out);
sl_err sl_schema_add(sl_schema *s, const char *name, sl_type type);
void sl_schema_free(sl_schema *s);
int sl_schema_count(const sl_schema *s);
/* Index of the column called `name`, or -1. Names compare case-insensitively. */
int sl_schema_find(const sl_schema *s, const char *name);
const char *sl_schema_name(const sl_schema *s, int col);
sl_type sl_schema_type(const sl_schema *s, int col);
const char *sl_type_name(sl_type t);

/* ---- rows ---------------------------------------------------------------- */

/* The kind of change a row carries in a changelog stream. */
typedef enum sl_rowkind {
    SL_INSERT = 0,        /* +I */
    SL_UPDATE_BEFORE = 1, /* -U: retracts an earlier result */
    SL_UPDATE_AFTER = 2,  /* +U */
    SL_DELETE = 3,        /* -D */
} sl_rowkind;

/* A read-only view of one row, valid only during the callback it is passed to. */
typedef struct sl_row sl_row;

const sl_schema *sl_row_schema(const sl_row *r);
bool sl_row_is_null(const sl_row *r, int col);
bool sl_row_bool(const sl_row *r, int col);
int64_t sl_row_bigint(const sl_row *r, int col); /* BIGINT or TIMESTAMP */
double sl_row_double(const sl_row *r, int col);  /* DOUBLE, or BIGINT widened */
/* String bytes (not NUL-terminated); *len receives the length. */
const char *sl_row_string(const sl_row *r, int col, size_t *len);
int64_t sl_row_timestamp(const sl_row *r, int col);
/* The row's event time (microseconds). */
int64_t sl_row_time(const sl_row *r);
sl_rowkind sl_row_kind(const sl_row *r);

/* A writer for rows of an output schema, passed to map/flat_map/generator
 * callbacks. Set the columns, then sl_out_emit(). Columns not set are NULL.
 * Strings are copied. The event time defaults to the input row's. */
typedef struct sl_out sl_out;

void sl_out_null(sl_out *o, int col);
void sl_out_bool(sl_out *o, int col, bool v);
void sl_out_bigint(sl_out *o, int col, int64_t v);
void sl_out_double(sl_out *o, int col, double v);
void sl_out_string(sl_out *o, int col, const char *s, size_t len);
void sl_out_timestamp(sl_out *o, int col, int64_t ts_us);
void sl_out_time(sl_out *o, int64_t ts_us);
void sl_out_kind(sl_out *o, sl_rowkind k);
/* Copy every column of `r` (same schema) into the row being built. */
void sl_out_copy(sl_out *o, const sl_row *r);
/* Finish the row being built and start the next one. */
void sl_out_emit(sl_out *o);

/* A writer of many rows at once, column by column, passed to batch generators
 * (sl_job_source_gen_batch): room for sl_cols_room(c) rows, at first all NULL,
 * with event time 0 and kind +I. Fill rows 0..n-1, then sl_cols_emit(c, n).
 * The arrays let a loop fill a column without a call per value; taking a
 * column's array marks all its rows not NULL, so every emitted row must get a
 * value there (or sl_cols_null afterwards). Strings are copied. A row index
 * at or beyond the room is ignored (and asserts in debug builds). */
typedef struct sl_cols sl_cols;

uint32_t sl_cols_room(const sl_cols *c);
/* The values of rows 0..room-1 of a BIGINT or TIMESTAMP (microseconds)
 * column, to write; NULL if the column has another type. */
int64_t *sl_cols_bigint(sl_cols *c, int col);
/* The same for a DOUBLE column. */
double *sl_cols_double(sl_cols *c, int col);
void sl_cols_bool(sl_cols *c, int col, uint32_t row, bool v);
void sl_cols_string(sl_cols *c, int col, uint32_t row, const char *s, size_t len);
void sl_cols_null(sl_cols *c, int col, uint32_t row);
/* The event times of rows 0..room-1 (microseconds; 0 unless written). */
int64_t *sl_cols_time(sl_cols *c);
void sl_cols_kind(sl_cols *c, uint32_t row, sl_rowkind k);
/* Rows 0..n-1 are made (n is capped at the room). */
void sl_cols_emit(sl_cols *c, uint32_t n);

/* ---- jobs ---------------------------------------------------------------- */

typedef struct sl_job sl_job;
typedef struct sl_stream sl_stream; /* a stream in a job being built; owned by the job */

sl_err sl_job_new(sl_job **out);
void sl_job_free(sl_job *job);

/*
 * Set a job option. Unknown keys and bad values fail with a message naming the
 * option. Keys (Flink's names are accepted where Flink has one):
 *   parallelism (parallelism.default)      default parallelism of operators: 1
 *   batch.rows                             rows per columnar batch: 1024
 *   channel.capacity                       batches a channel holds: 16
 *   idle-timeout (table.exec.source.idle-timeout)  e.g. "5s"; 0 = never idle
 *   state.ttl (table.exec.state.ttl)       idle keys expire after this: 0 = never
 *   dead-letter.path                       file for malformed rows ("-" = stderr,
 *                                          the default)
 *   time.characteristic                    "event" (default) or "processing"
 *   key-groups (pipeline.max-parallelism)  key groups keyed state is split into: 128
 *   state.backend (state.backend.type)     where keyed operators keep their state:
 *                                          "memory" (default; Flink's "hashmap" too),
 *                                          hash tables in the process, or "rocksdb",
 *                                          an embedded RocksDB database per operator
 *                                          subtask on local disk, for state larger
 *                                          than memory
 *   state.backend.rocksdb.localdir         directory for the RocksDB databases; each
 *                                          run makes a fresh sluice-state-XXXXXX in
 *                                          it and removes it at the end (default:
 *                                          $TMPDIR, else /tmp)
 *   state.backend.rocksdb.block.cache-size RocksDB block cache shared by the job's
 *                                          databases, e.g. "64 mb" (the default)
 *   state.backend.rocksdb.writebuffer.size memtable size per database: "8 mb"
 *   state.backend.memory.max-bytes         the memory backend's limit per operator
 *                                          subtask, e.g. "512 mb": a job whose state
 *                                          grows past it fails with a message (checked
 *                                          after each batch); default: no limit
 * Memory sizes take the units b, kb, mb, gb, tb (powers of 1024).
 */
sl_err sl_job_set(sl_job *job, const char *key, const char *value);

/* A clock the job reads processing time from (tests drive a manual clock).
 * `now` returns microseconds. Default: the system's real-time clock. */
typedef int64_t (*sl_clock_fn)(void *user);
sl_err sl_job_set_clock(sl_job *job, sl_clock_fn now, void *user);

/* Run the job until every source ends (or sl_job_stop is called). On a clean
 * end every window the final watermark closes is emitted. A job runs once. */
sl_err sl_job_run(sl_job *job);
/* Ask a running job to stop; safe from any thread and from a signal handler. */
void sl_job_stop(sl_job *job);
/* Savepoints (docs/checkpoints.md; the job takes checkpoints): ask the
 * running job for a savepoint, a checkpoint copied to state.savepoints.dir
 * and kept until deleted. sl_job_stop_with_savepoint takes one, then stops
 * the job (if the savepoint fails, the job stops all the same). Both return
 * at once; async-signal-safe (atomic stores). Any thread. */
void sl_job_savepoint(sl_job *job);
void sl_job_stop_with_savepoint(sl_job *job);

typedef struct sl_metrics {
    uint64_t rows_in;       /* rows read by sources */
    uint64_t rows_out;      /* rows written by sinks */
    uint64_t rows_late;     /* rows behind the watermark beyond allowed lateness */
    uint64_t rows_dead;     /* malformed rows sent to the dead-letter output */
    uint64_t rows_expired;  /* state entries removed by TTL */
    int64_t watermark;      /* the lowest watermark among the sinks (SL_TIME_MIN before any) */
    uint64_t backpressure_us; /* time producers spent blocked on full channels */
    /* Checkpoints (docs/checkpoints.md): completed and failed (or expired)
     * in this run, and the id of the newest complete one (0: none). */
    uint64_t checkpoints_completed, checkpoints_failed;
    int64_t checkpoint_id;
} sl_metrics;
/* A snapshot of the job's counters; safe from any thread while it runs. */
void sl_job_metrics(const sl_job *job, sl_metrics *out);

/* ---- sources ------------------------------------------------------------- */

typedef enum sl_format { SL_FORMAT_JSON = 1, SL_FORMAT_CSV } sl_format;

/* Rows of `schema` decoded from a file of JSON lines or CSV ("-" = stdin). A CSV
 * file may start with a header line naming the columns (option csv.header).
 * Malformed rows go to the dead-letter output with file, line and reason. */
sl_err sl_job_source_file(sl_job *job, const char *path, sl_format fmt, const sl_schema *schema,
                          sl_stream **out);

/* The file source with every option. Lines may end in "\n" or "\r\n"; a UTF-8
 * BOM is skipped; blank lines are ignored; a CSV record may span lines inside
 * a quoted field. JSON: fields match columns by name, a TIMESTAMP column takes
 * a timestamp string or an integer of epoch milliseconds. */
typedef struct sl_file_options {
    const char *path;    /* "-" = stdin */
    sl_format format;
    bool csv_header;     /* the first line names the columns (any order, extra ignored) */
    char csv_delimiter;  /* 0 = ',' */
} sl_file_options;
sl_err sl_job_source_file_opts(sl_job *job, const sl_file_options *opts, const sl_schema *schema,
                               sl_stream **out);

/* A generator: `gen` is called with i = 0, 1, 2, ... and writes zero or more
 * rows to `o` with sl_out_emit. It returns SL_GEN_MORE to go on, SL_GEN_IDLE
 * when it has nothing now (the source may then turn idle), SL_GEN_END when the
 * source is exhausted. */
typedef enum sl_gen_status { SL_GEN_MORE = 0, SL_GEN_IDLE = 1, SL_GEN_END = 2 } sl_gen_status;
typedef sl_gen_status (*sl_gen_fn)(uint64_t i, sl_out *o, void *user);
sl_err sl_job_source_gen(sl_job *job, const sl_schema *schema, sl_gen_fn gen, void *user,
                         sl_stream **out);
/* A batch generator: `gen` is called with i0 = the number of rows made so far
 * and makes up to sl_cols_room(c) rows in `c` (sl_cols_emit). It returns as a
 * generator does; rows emitted by the call that returns SL_GEN_END count.
 * When rows are cheap to make it is several times faster than sl_gen_fn (no
 * call per value and row). */
typedef sl_gen_status (*sl_gen_batch_fn)(uint64_t i0, sl_cols *c, void *user);
sl_err sl_job_source_gen_batch(sl_job *job, const sl_schema *schema, sl_gen_batch_fn gen,
                               void *user, sl_stream **out);

/* Random rows of `schema` (Flink's 'datagen' connector), deterministic for a
 * seed. `options` is "key=value,..." with keys: number-of-rows, rows-per-second,
 * seed, and per column fields.<col>.kind (random|sequence), .min/.max (BIGINT,
 * DOUBLE), .start/.end (sequence, inclusive), .length (STRING), .null-rate,
 * .max-past (TIMESTAMP: now minus up to this duration). A bad or unknown option
 * fails with SL_ERR_ARG naming it. */
sl_err sl_job_source_datagen(sl_job *job, const sl_schema *schema, const char *options,
                             sl_stream **out);

/* The malformed rows of a source as a stream with schema
 * (source STRING, position STRING, reason STRING, raw STRING). Without this
 * call they are written to the job's dead-letter.path. */
sl_err sl_stream_dead_letters(sl_stream *source, sl_stream **out);

/* ---- time ---------------------------------------------------------------- */

/* Take event time from column `ts_col` (TIMESTAMP or BIGINT microseconds) and
 * generate bounded-out-of-orderness watermarks: W = max event time seen -
 * max_out_of_order_us - 1. Rows whose time column is NULL go to dead letters. */
sl_err sl_stream_watermark(sl_stream *s, const char *ts_col, int64_t max_out_of_order_us,
                           sl_stream **out);

/* ---- stateless transformations ------------------------------------------ */

typedef bool (*sl_filter_fn)(const sl_row *r, void *user);
/* Called once per input row; writes rows to `o` (sl_out_emit for each). */
typedef void (*sl_map_fn)(const sl_row *r, sl_out *o, void *user);

sl_err sl_stream_filter(sl_stream *s, sl_filter_fn fn, void *user, sl_stream **out);
/* One output row per input row (emitted for you after fn returns). */
sl_err sl_stream_map(sl_stream *s, const sl_schema *out_schema, sl_map_fn fn, void *user,
                     sl_stream **out);
/* Zero or more output rows per input row. */
sl_err sl_stream_flat_map(sl_stream *s, const sl_schema *out_schema, sl_map_fn fn, void *user,
                          sl_stream **out);
/* Merge streams of the same schema. */
sl_err sl_stream_union(sl_stream *a, sl_stream *b, sl_stream **out);
/* Run the following operators with `n` parallel subtasks. */
sl_err sl_stream_parallelism(sl_stream *s, int n);

/* ---- keys, windows, aggregates ------------------------------------------ */

/* Partition by the comma-separated key columns ("user" or "user, country"). */
sl_err sl_stream_key_by(sl_stream *s, const char *key_cols, sl_stream **out);

typedef enum sl_window_kind {
    SL_WINDOW_TUMBLE = 1,
    SL_WINDOW_HOP,      /* sliding: size, slide */
    SL_WINDOW_CUMULATE, /* size (max), step */
    SL_WINDOW_SESSION,  /* gap */
    SL_WINDOW_COUNT,    /* size rows, slide rows (slide == size: tumbling) */
    SL_WINDOW_GLOBAL,   /* one window per key, fired by its trigger */
} sl_window_kind;

typedef enum sl_accumulate {
    SL_DISCARDING = 0,     /* each firing covers rows since the previous firing */
    SL_ACCUMULATING,       /* each firing covers all rows of the window so far */
    SL_RETRACTING,         /* accumulating, and a firing retracts the previous result (-U/+U) */
} sl_accumulate;

typedef struct sl_window_spec {
    sl_window_kind kind;
    int64_t size;   /* us; rows for COUNT */
    int64_t slide;  /* HOP slide / CUMULATE step (us); COUNT slide (rows) */
    int64_t gap;    /* SESSION inactivity gap (us) */
    int64_t offset; /* shifts time window boundaries (us), as in Flink */
    bool processing_time; /* assign and fire by the job's clock, not event time */
    int64_t allowed_lateness; /* us */
    int64_t early_every_ms;   /* early firing every N ms of processing time (0 = off) */
    int64_t early_every_rows; /* early firing every N rows per key and window (0 = off) */
    int64_t late_every_rows;  /* late firing after N late rows (default 1: every late row) */
    int64_t global_every_rows; /* GLOBAL: fire every N rows per key */
    bool purge_on_fire;       /* GLOBAL/COUNT: clear state after firing */
    sl_accumulate mode;
} sl_window_spec;

/* Specs with defaults (fire on watermark, no lateness, accumulating). */
sl_window_spec sl_window_tumble(int64_t size);
sl_window_spec sl_window_hop(int64_t size, int64_t slide);
sl_window_spec sl_window_cumulate(int64_t max_size, int64_t step);
sl_window_spec sl_window_session(int64_t gap);
sl_window_spec sl_window_count(int64_t size_rows, int64_t slide_rows);
sl_window_spec sl_window_global(int64_t every_rows);

typedef enum sl_agg_kind {
    SL_AGG_COUNT = 1, /* COUNT(col) counts non-NULL values; column NULL = COUNT(*) */
    SL_AGG_SUM,
    SL_AGG_MIN,
    SL_AGG_MAX,
    SL_AGG_AVG,       /* BIGINT in: BIGINT out, truncated toward zero (as Flink); DOUBLE: DOUBLE */
    SL_AGG_STDDEV,    /* sample standard deviation (STDDEV_SAMP) */
    SL_AGG_STDDEV_POP,
    SL_AGG_FIRST_VALUE,
    SL_AGG_LAST_VALUE,
    SL_AGG_COUNT_DISTINCT,
    SL_AGG_UDAF,
} sl_agg_kind;

/* A user-defined aggregate over one input column. The accumulator is
 * `acc_size` bytes that the engine stores in keyed state; `init` sets it up,
 * `add` folds in one value (never called for NULL), `merge` combines two
 * accumulators (needed for sliding/cumulate/session windows), `retract` (may
 * be NULL) removes a value, `result` writes the output value to column `col`
 * of `o`. Accumulators must be plain bytes (no pointers), so they can be
 * copied, merged and checkpointed. */
typedef struct sl_udaf {
    const char *name;
    size_t acc_size;
    sl_type result_type;
    void (*init)(void *acc, void *user);
    void (*add)(void *acc, const sl_row *r, int col, void *user);
    void (*merge)(void *acc, const void *other, void *user);
    void (*retract)(void *acc, const sl_row *r, int col, void *user);
    void (*result)(const void *acc, sl_out *o, int col, void *user);
    void *user;
} sl_udaf;

typedef struct sl_agg {
    sl_agg_kind kind;
    const char *column;   /* input column (NULL for COUNT(*)) */
    const char *as;       /* output column name */
    const sl_udaf *udaf;  /* for SL_AGG_UDAF */
} sl_agg;

/*
 * Aggregate a keyed stream in windows. The output schema is: the key columns,
 * window_start TIMESTAMP, window_end TIMESTAMP, then one column per aggregate.
 * The output rows' event time is window_end - 1 (the window's max timestamp).
 */
sl_err sl_stream_window(sl_stream *keyed, const sl_window_spec *spec, const sl_agg *aggs,
                        int n_aggs, sl_stream **out);

/* The late rows of a window stream (rows later than the allowed lateness), as a
 * stream with the window input's schema. Without this call they are counted
 * and dropped. */
sl_err sl_stream_late_rows(sl_stream *windowed, sl_stream **out);

/* ---- keyed process functions: state and timers -------------------------- */

typedef struct sl_ctx sl_ctx; /* valid during a callback only */

typedef enum sl_state_kind {
    SL_STATE_VALUE = 1,
    SL_STATE_LIST,
    SL_STATE_MAP,
    SL_STATE_REDUCING,
    SL_STATE_AGGREGATING,
} sl_state_kind;

/* Value state of the current key: a pointer to `size` bytes (zeroed when new,
 * *created set to true); the bytes stay valid until the callback returns and
 * changes to them are kept. */
void *sl_state_value(sl_ctx *c, const char *name, size_t size, bool *created);
void sl_state_clear(sl_ctx *c, const char *name);
/* List state: append an element / iterate elements of the current key. */
void sl_state_list_add(sl_ctx *c, const char *name, const void *elem, size_t len);
size_t sl_state_list_count(sl_ctx *c, const char *name);
const void *sl_state_list_get(sl_ctx *c, const char *name, size_t i, size_t *len);
/* Map state of the current key. */
void sl_state_map_put(sl_ctx *c, const char *name, const void *k, size_t klen, const void *v,
                      size_t vlen);
const void *sl_state_map_get(sl_ctx *c, const char *name, const void *k, size_t klen,
                             size_t *vlen);
void sl_state_map_remove(sl_ctx *c, const char *name, const void *k, size_t klen);
size_t sl_state_map_count(sl_ctx *c, const char *name);

/* Reducing state of the current key: the first value is stored as is (`size`
 * bytes), each later one is folded in with reduce(acc, value, user). Returns
 * the reduced value (valid until the callback returns). */
const void *sl_state_reduce(sl_ctx *c, const char *name, const void *value, size_t size,
                            void (*reduce)(void *acc, const void *value, void *user),
                            void *user);
/* The reduced value of the current key, or NULL when nothing was added. */
const void *sl_state_reduce_get(sl_ctx *c, const char *name, size_t size);
/* Aggregating state of the current key, with a user aggregate (sl_udaf, see
 * above; merge/retract are not used): the accumulator is created with init,
 * then column `col` of `r` is added unless NULL (r may be NULL to only create
 * it). Returns the accumulator (valid until the callback returns). */
const void *sl_state_aggregate(sl_ctx *c, const char *name, const sl_udaf *f, const sl_row *r,
                               int col);
/* Write the aggregate's result to column `col` of `o`; false (and nothing
 * written) when the current key has no accumulator. */
bool sl_state_aggregate_result(sl_ctx *c, const char *name, const sl_udaf *f, sl_out *o,
                               int col);

/* With a state TTL (option state.ttl) every state entry (a value, a whole
 * list, one map entry, a reducing or aggregating value) not read or written
 * for the TTL is gone: it reads as absent and is removed in the background. */

/* Timers of the current key; a timer set twice for the same time fires once. */
void sl_timer_event(sl_ctx *c, int64_t ts);
void sl_timer_processing(sl_ctx *c, int64_t ts);
int64_t sl_ctx_watermark(const sl_ctx *c);
int64_t sl_ctx_now(const sl_ctx *c);
/* The key columns of the current key, as a row of the key columns. */
const sl_row *sl_ctx_key(const sl_ctx *c);

typedef struct sl_process_fns {
    void (*on_row)(sl_ctx *c, const sl_row *r, sl_out *o, void *user);
    void (*on_timer)(sl_ctx *c, int64_t ts, bool event_time, sl_out *o, void *user);
} sl_process_fns;

sl_err sl_stream_process(sl_stream *keyed, const sl_schema *out_schema,
                         const sl_process_fns *fns, void *user, sl_stream **out);

/* ---- patterns (complex event processing) --------------------------------- */

/*
 * A row pattern matched per key over a keyed stream, in event-time order
 * (rows are buffered until the watermark passes them; late rows are counted
 * and dropped), as FlinkCEP's Pattern API:
 *
 *   sl_pattern *p;
 *   sl_pattern_begin("start", is_high, NULL, &p);
 *   sl_pattern_next(p, "down", is_lower, NULL);       // the very next row
 *   sl_pattern_one_or_more(p);                         // quantifies "down"
 *   sl_pattern_greedy(p);
 *   sl_pattern_followed_by(p, "up", is_higher, NULL); // a later row (gaps allowed)
 *   sl_pattern_within(p, 10 * SL_MINUTE);
 *   sl_stream_pattern(keyed, p, out_schema, on_match, NULL, &matches);
 *   sl_pattern_free(p);                                // the stream keeps a copy
 *
 * Each element is a named variable with a condition; the quantifier calls
 * (times, one_or_more, optional, greedy) apply to the element added last.
 * Rows of one quantified element are consecutive; the contiguity given by
 * next / followed_by / followed_by_any applies before its first row:
 *   next             strict: the row right after the previous element's last
 *   followed_by      relaxed: the first later row that satisfies the condition
 *   followed_by_any  non-deterministic relaxed: any later satisfying row
 * Quantifiers are reluctant (as few rows as possible) unless greedy() is
 * called. The skip strategy (default SL_SKIP_NONE, FlinkCEP's noSkip: every
 * match is emitted, from every row) chooses what happens after a match; with
 * the others, each row starts at most one match (the preferred one) and
 * matches are emitted in the order of their first rows. The SQL
 * MATCH_RECOGNIZE clause compiles to the same matcher (docs/sql.md).
 */
typedef struct sl_pattern sl_pattern;
/* A match, or a partial match while a condition runs; valid during the
 * callback it is passed to. */
typedef struct sl_match sl_match;

/* Whether row `r` may be the next row of the variable being tested; `m` is
 * the match so far, ending with r (so sl_match_row(m, "down", -2) is the
 * previous "down" row). */
typedef bool (*sl_pattern_cond_fn)(const sl_row *r, const sl_match *m, void *user);
/* Write the output rows of a complete match to `o` (sl_out_emit each); their
 * event time defaults to that of the match's last row. */
typedef void (*sl_pattern_select_fn)(const sl_match *m, sl_out *o, void *user);

typedef enum sl_skip {
    SL_SKIP_NONE = 0,      /* every match (noSkip) */
    SL_SKIP_PAST_LAST_ROW, /* the next match starts after this one's last row */
    SL_SKIP_TO_NEXT_ROW,   /* ... at the row after this one's first row */
    SL_SKIP_TO_FIRST,      /* ... at the first row of variable `var` */
    SL_SKIP_TO_LAST,       /* ... at the last row of variable `var` */
} sl_skip;

/* A new pattern whose first element is `name` (cond NULL: any row). Names
 * are unique within a pattern (compared case-insensitively). */
sl_err sl_pattern_begin(const char *name, sl_pattern_cond_fn cond, void *user, sl_pattern **out);
sl_err sl_pattern_next(sl_pattern *p, const char *name, sl_pattern_cond_fn cond, void *user);
sl_err sl_pattern_followed_by(sl_pattern *p, const char *name, sl_pattern_cond_fn cond,
                              void *user);
sl_err sl_pattern_followed_by_any(sl_pattern *p, const char *name, sl_pattern_cond_fn cond,
                                  void *user);
/* The last element occurs min..max times (max -1: at least min). */
sl_err sl_pattern_times(sl_pattern *p, int min, int max);
sl_err sl_pattern_one_or_more(sl_pattern *p);
/* The last element may be absent (combines with times / one_or_more). */
sl_err sl_pattern_optional(sl_pattern *p);
/* The last element's quantifier takes as many rows as it can. */
sl_err sl_pattern_greedy(sl_pattern *p);
/* Rows of a match lie within `us` microseconds: last - first < us. */
sl_err sl_pattern_within(sl_pattern *p, int64_t us);
/* `var` names the variable for SL_SKIP_TO_FIRST / SL_SKIP_TO_LAST. */
sl_err sl_pattern_skip(sl_pattern *p, sl_skip skip, const char *var);
void sl_pattern_free(sl_pattern *p);

/* Match `p` on a keyed stream (not keyed: one key, parallelism 1); `select`
 * writes the output rows (schema out_schema) of each match. */
sl_err sl_stream_pattern(sl_stream *keyed, const sl_pattern *p, const sl_schema *out_schema,
                         sl_pattern_select_fn select, void *user, sl_stream **out);
/* The late rows of a pattern stream, as a stream with its input's schema. */
sl_err sl_stream_pattern_late_rows(sl_stream *matches, sl_stream **out);

/* Rows of the match, in order (0 .. size-1). */
int sl_match_size(const sl_match *m);
const sl_row *sl_match_at(const sl_match *m, int i);
/* The variable row i was matched as. */
const char *sl_match_var_at(const sl_match *m, int i);
/* Rows matched as `var` (NULL: all rows). */
int sl_match_count(const sl_match *m, const char *var);
/* The i-th row matched as `var` (NULL: any): 0 the first, -1 the last, -2
 * the one before it; NULL when there is none. The view is valid until the
 * next sl_match_row / sl_match_at call. */
const sl_row *sl_match_row(const sl_match *m, const char *var, int i);

/* ---- sinks --------------------------------------------------------------- */

/* Write rows to stdout; the row kind is printed (JSON: "op" field, CSV: first column). */
sl_err sl_stream_print(sl_stream *s, sl_format fmt);
/* Write rows to a file (truncated when the job starts), in the print format
 * (with the row kind); one write per batch. */
sl_err sl_stream_write_file(sl_stream *s, const char *path, sl_format fmt);
/* Call `fn` for every row (on a sink thread). */
typedef void (*sl_row_fn)(const sl_row *r, void *user);
sl_err sl_stream_foreach(sl_stream *s, sl_row_fn fn, void *user);

/* ---- helpers ------------------------------------------------------------- */

/* Parse a duration such as "5s", "100ms", "2 min", "1h" into microseconds. */
sl_err sl_parse_duration(const char *text, int64_t *out_us);
/* Parse a timestamp ("2024-01-01 10:00:00[.ffffff]", ISO "T" and "Z" accepted)
 * into microseconds since the epoch (UTC). */
sl_err sl_parse_timestamp(const char *text, size_t len, int64_t *out_us);
/* Format a timestamp as "YYYY-MM-DD HH:MM:SS[.ffffff]" into buf (>= 32 bytes). */
size_t sl_format_timestamp(int64_t ts_us, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_H */
