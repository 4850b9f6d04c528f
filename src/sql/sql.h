/*
 * sql.h - streaming SQL (Flink dialect) for the command line and embedders:
 * a session holds a catalog (CREATE TABLE / CREATE VIEW) and options (SET);
 * scripts are parsed (ast.h), bound and planned into the engine's job graph
 * (runtime/job.h) through the same operators the C API uses.
 *
 * Errors carry the script position: "job.sql:7:12: unknown column 'amt'".
 * A query the planner cannot run correctly is refused with the reason
 * (SL_ERR_UNSUPPORTED), never run approximately.
 *
 * Thread: a session is used by one thread at a time.
 */
#ifndef SL_SQL_H
#define SL_SQL_H

#include "runtime/job.h"

typedef struct slsql slsql;

slsql *slsql_new(void);
void slsql_free(slsql *s);

/* How a planned statement's result leaves the job. */
typedef enum slsql_sinkmode {
    SLSQL_PRINT_SELECTS = 0, /* bare SELECTs print to stdout (JSON lines with "op") */
    SLSQL_COLLECT_SELECTS,   /* bare SELECTs call the collector (sluice sql) */
} slsql_sinkmode;

/* Collector for SELECT results: called on a sink thread for every row. */
typedef struct slsql_collect {
    void (*on_schema)(const sl_schema *schema, void *user); /* at planning time */
    sl_row_fn on_row;
    void *user;
} slsql_collect;

/*
 * Execute the statements of `text` in order: CREATE TABLE/VIEW and DROP change
 * the catalog, SET/RESET the session options, and every INSERT INTO (and bare
 * SELECT) is planned into one job, returned in *job (NULL when the script has
 * none; the caller runs and frees it). SHOW TABLES / DESCRIBE append their
 * answer to `info` (may be NULL). On error nothing of the failing statement
 * is kept (earlier statements' DDL is). `file` names the text in messages.
 */
sl_err slsql_exec(slsql *s, const char *text, size_t len, const char *file, slsql_sinkmode mode,
                  const slsql_collect *collect, sl_job **job, slbuf *info);

#endif /* SL_SQL_H */
