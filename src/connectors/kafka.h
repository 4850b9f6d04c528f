/*
 * kafka.h - the Kafka connector (librdkafka) as the planner and the runtime
 * see it: a configuration built option by option under Flink's keys
 * (slkafka_conf_set, then slkafka_conf_check), a source factory and a sink
 * factory. Only src/connectors/kafka*.c include librdkafka; this header does
 * not, so the planner and the tests need nothing from it.
 *
 * Source: subtask k of p reads the (topic, partition) pairs i with
 * i % p == k, in the order topics are listed (a pattern: sorted by name) and
 * partitions ascend (one topic: partition q -> subtask q % p). Each row's
 * event time comes from the table's WATERMARK column (a physical column or a
 * computed column's expression over the physical ones); the source keeps
 * one watermark per partition (max time - delay - 1) and emits their minimum
 * over partitions that are neither idle (no record for the job's idle
 * timeout) nor finished (bounded mode), splitting its output where a row is
 * behind that minimum, as the watermark assigner does (ops/stateless.h).
 * Positions for checkpoints are the next offset of every partition it reads.
 *
 * Sink: one producer per subtask; values JSON or CSV, keys from 'key.fields'
 * (or the primary key) as a JSON object / CSV record; delivery failures fail
 * the job with the broker's message; at-least-once flushes on snapshot.
 */
#ifndef SL_KAFKA_H
#define SL_KAFKA_H

#include "expr/expr.h"
#include "ops/op.h"

typedef enum slkafka_startup {
    SLKAFKA_GROUP_OFFSETS = 0, /* Flink's default: the group's committed offsets */
    SLKAFKA_EARLIEST,
    SLKAFKA_LATEST,
    SLKAFKA_TIMESTAMP,
    SLKAFKA_SPECIFIC,
} slkafka_startup;

typedef enum slkafka_partitioner {
    SLKAFKA_PART_DEFAULT = 0, /* by key hash when there is a key, else librdkafka's choice */
    SLKAFKA_PART_FIXED,       /* sink subtask k -> partition k % partitions */
    SLKAFKA_PART_ROUND_ROBIN, /* partitions in turn, row by row */
} slkafka_partitioner;

typedef struct slkafka_conf {
    char *table;       /* owned: the table's name, for messages */
    char **topics;     /* owned: 'topic' split at ';' */
    int n_topics;
    char *pattern;     /* owned: 'topic-pattern' (POSIX extended regex, whole name) */
    char **prop_keys;  /* owned: 'properties.*' without the prefix */
    char **prop_vals;  /* owned */
    int n_props;
    slkafka_startup startup;
    bool startup_set;
    int64_t startup_ts_ms;     /* SLKAFKA_TIMESTAMP */
    int n_specific;            /* SLKAFKA_SPECIFIC: partition -> offset */
    int32_t *specific_part;    /* owned */
    int64_t *specific_off;     /* owned */
    bool bounded;              /* 'scan.bounded.mode' = 'latest-offset' */
    sl_format format;          /* value format */
    bool format_set;
    char csv_delim;
    sl_format key_format;
    bool key_format_set;
    char **key_fields;         /* owned: 'key.fields' split at ';' */
    int n_key_fields;
    slkafka_partitioner partitioner;
    bool at_least_once;        /* 'sink.delivery-guarantee' */
    int64_t connect_timeout_ms; /* 'connect.timeout' (Sluice): metadata at open */
    /* Filled by the planner (slkafka_conf_prepare / the rowtime fields): */
    sl_schema *schema;   /* ref: physical columns (value decoding and encoding) */
    int key_cols[8];     /* sink: key columns in schema */
    int n_key_cols;
    bool has_wm;         /* the table has a WATERMARK clause */
    int ts_col;          /* rowtime as a physical column, or -1 ... */
    slexpr *ts_expr;     /* owned: ... a TIMESTAMP expression over the physical columns */
    int64_t wm_delay_us; /* WATERMARK FOR ts AS ts - delay */
    char *ts_name;       /* owned: rowtime column name, for dead-letter reasons */
} slkafka_conf;

slkafka_conf *slkafka_conf_new(const char *table);
void slkafka_conf_free(void *conf);
/* Set one WITH option (key case-insensitive; 'connector' is ignored).
 * Errors: SL_ERR_ARG naming the option and what it accepts;
 * SL_ERR_UNSUPPORTED for what is not built (exactly-once, ...). */
sl_err slkafka_conf_set(slkafka_conf *c, const char *key, const char *value);
/* After every option: check what is required for a source (sink = false) or
 * a sink, and that librdkafka accepts the properties. Errors name the option. */
sl_err slkafka_conf_check(const slkafka_conf *c, bool sink);
/* Set the physical schema and resolve 'key.fields' (or the primary key
 * `pk[0..n_pk)` when there are no key fields) to columns. Errors: SL_ERR_ARG
 * naming an unknown key column. */
sl_err slkafka_conf_prepare(slkafka_conf *c, const sl_schema *phys, const char *const *pk,
                            int n_pk);
/* "topic 'a'" / "topics 'a;b'" / "topic pattern 'x.*'", for plan names. */
void slkafka_describe(const slkafka_conf *c, slbuf *out);

slsource *slkafka_source_new(void *conf, int subtask, int parallelism);
slop *slkafka_sink_new(void *conf, int subtask);

#endif /* SL_KAFKA_H */
