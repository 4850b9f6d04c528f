/*
 * sql_int.h - internals shared by the SQL catalog (catalog.c), binder
 * (bind.c) and planner (plan*.c).
 *
 * A relation (slrel) is what planning a FROM item or a query yields: a
 * stream of the job being built plus what SQL knows about its columns
 * (names, qualifiers, hidden helper columns), its time attribute, and
 * whether it is a changelog with retractions. A window table function whose
 * windows are not yet assigned is kept "pending" on its input so that a
 * window aggregation can take the windows directly (slices) instead of
 * materialising one row per window.
 *
 * Memory: relations and their column arrays live in the plan's arena;
 * column names point at arena copies.
 */
#ifndef SL_SQL_INT_H
#define SL_SQL_INT_H

#include "expr/expr.h"
#include "sql/ast.h"
#include "sql/sql.h"

/* ---- catalog (catalog.c) ---- */

typedef struct slcat_entry {
    char *name;          /* owned */
    bool view;
    const slstmt *def;   /* borrowed from a script the session keeps */
    const slscript *script; /* borrowed: the script holding def (for its file name) */
} slcat_entry;

typedef struct slsql_opt {
    char *key, *value; /* owned */
} slsql_opt;

struct slsql {
    slcat_entry *tables; /* owned */
    int n_tables;
    size_t cap_tables;
    slscript **scripts;  /* owned: every script whose statements the catalog uses */
    int n_scripts;
    size_t cap_scripts;
    slsql_opt *opts;     /* owned: SET options in order */
    int n_opts;
    size_t cap_opts;
};

slcat_entry *slcat_find(slsql *s, const char *name);

/* ---- planning ---- */

typedef struct slrelcol {
    const char *name; /* arena */
    const char *qual; /* arena; table alias or NULL */
    bool hidden;      /* helper column: not in *, not in the result */
} slrelcol;

typedef struct slrel {
    sl_stream *s;      /* borrowed: owned by the job */
    slrelcol *cols;    /* arena; s->schema->n of them (+3 virtual when win) */
    int n;
    int rowtime;       /* the event-time attribute column, or -1 */
    int proctime;      /* a processing-time attribute column, or -1 */
    bool updating;     /* carries -U/-D rows */
    /* pending window table function: columns n-3..n-1 are window_start,
     * window_end, window_time, not yet in the stream */
    bool win;
    sl_window_spec spec;
    slkeyspec win_part; /* SESSION ... PARTITION BY */
} slrel;

typedef struct slcte_scope {
    const slcte *ctes;
    int n;
    struct slcte_scope *up;
} slcte_scope;

typedef struct slplan {
    slsql *sess;
    sl_job *job;             /* borrowed */
    const char *file;        /* for messages */
    slarena arena;
    slsql_sinkmode mode;
    const slsql_collect *collect;
    slcte_scope *ctes;       /* innermost WITH scope */
    /* tables already scanned in this job: the same source serves every use */
    const char **scan_names;
    slrel *scans;
    int n_scans;
    size_t cap_scans;
    /* window options from SET */
    int64_t allowed_lateness_us;
    int64_t early_fire_ms;
    /* table.exec.mini-batch.enabled: GROUP BY folds each batch (group.h) */
    bool mini_batch;
} slplan;

/* Format an error at a position: "file:line:col: <message>". */
sl_err slplan_err(const slplan *p, slpos pos, sl_err code, const char *fmt, ...) SL_PRINTF(4, 5);
/* Prefix the thread's last error message with "file:line:col: ". */
sl_err slplan_err_at(const slplan *p, slpos pos, sl_err code);
char *slplan_strdup(slplan *p, const char *s);

/* ---- binding (bind.c) ---- */

/* A substitution: an AST expression that, in the scope after an aggregation
 * or OVER step, stands for an expression over that step's output
 * (usually a column of it). */
typedef struct slsubst {
    const slx *ast;
    slexpr *e; /* owned by the binder context; copied at each use */
} slsubst;

typedef struct slbind {
    slplan *p;
    const slrel *r;     /* scope (NULL: constants only) */
    slsubst *subst;
    int n_subst;
    bool agg_scope;     /* after GROUP BY: bare columns must be substituted */
    const slrel *pre;   /* agg_scope: the relation before the aggregation */
    const char *clause; /* "WHERE", "SELECT", ... for messages */
} slbind;

/* Bind an AST expression to a typed expression over the scope's columns.
 * Errors carry the position of the offending node. */
sl_err slbind_expr(slbind *b, const slx *x, slexpr **out);
/* Bind a constant expression and evaluate it (window sizes, Top-N limits). */
sl_err slbind_const(slplan *p, const slx *x, slvalue *out, slexpr **keep);
/* A day-time interval constant in microseconds (> 0). `what` names it. */
sl_err slbind_interval(slplan *p, const slx *x, const char *what, int64_t *us);
/* Structural equality of two AST expressions (positions ignored, names
 * compared case-insensitively). */
bool slx_equal(const slx *a, const slx *b);
/* Aggregate function kind of a call name (COUNT, SUM, ...), 0 if none. */
sl_agg_kind slbind_agg_kind(const char *name, bool distinct);
/* Find the column `name` (qualifier `qual` or NULL) of r: index, -1 when
 * missing, -2 when ambiguous. Hidden columns are found too. */
int slrel_find(const slrel *r, const char *qual, const char *name);
/* "a, b, c" of r's visible columns for messages. */
void slrel_describe(const slrel *r, slbuf *out);

/* ---- planning (plan.c, plan_agg.c, plan_io.c) ---- */

sl_err slplan_query(slplan *p, const slquery *q, slrel *out);
sl_err slplan_select(slplan *p, const slselect *sel, slrel *out);
/* Add column `name` to a stream schema; duplicate output names are legal SQL
 * (SELECT a, a; joined tables' columns) but schemas want unique names, so a
 * taken name gets a suffix ("a$1"). */
void slplan_schema_add_unique(sl_schema *schema, const char *name, sl_type t);
/* A relation over stream s with column names from its schema, qualifier
 * `qual`. */
void slrel_init(slplan *p, slrel *r, sl_stream *s, const char *qual);
/* Add a calc node: rows of `in` for which `where` (taken; may be NULL) holds,
 * projected through proj[0..n) (taken) named names[i]. Returns the new
 * stream; out->s set, columns named, rowtime/proctime/updating carried for
 * bare column projections. */
sl_err slplan_calc(slplan *p, const slrel *in, slexpr *where, slexpr **proj, const char **names,
                   const bool *hidden, int n, slrel *out);
/* Bind sel's WHERE over r (NULL when there is none); a non-BOOLEAN
 * condition is an error at its position. */
sl_err slplan_bind_where(slplan *p, const slselect *sel, const slrel *r, slexpr **where);
/* Bind the select list of sel over b's scope and add the calc that
 * computes it (with `where`, taken, as its filter). */
sl_err slplan_project_items(slplan *p, slbind *b, const slselect *sel, slexpr *where,
                            slrel *out);
/* Set a window's lateness and early firing from the SET options; when the
 * window may fire more than once it retracts its earlier results. */
void slplan_window_emit(const slplan *p, sl_window_spec *spec);
/* Give the node added last the parallelism of the node producing `in`:
 * stateless steps and sinks run in their input's tasks (chained), so a
 * changelog keeps its order per key from the keyed operator to the sink. */
void slplan_same_parallelism(slplan *p, const sl_stream *in);
/* Assign the pending windows of r as real columns (window TVF without
 * aggregation). */
sl_err slplan_materialize_windows(slplan *p, slrel *r, slpos pos);

/* Plan one FROM item (table, view, subquery, window TVF, join). */
sl_err slplan_from(slplan *p, const slfrom *f, slrel *out);
/* A JOIN FROM item (plan_join.c): window, interval, regular or temporal. */
sl_err slplan_join(slplan *p, const slfrom *f, slrel *out);

/* Aggregation / OVER / Top-N steps of a SELECT (plan_agg.c). */
bool slplan_has_aggs(const slselect *sel);
sl_err slplan_aggregate(slplan *p, const slselect *sel, slrel *r, slrel *out);
bool slplan_has_over(const slselect *sel);
sl_err slplan_over(slplan *p, const slselect *sel, slrel *r, slrel *out);
/* FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM ...) WHERE rn <= N:
 * returns true in *matched when sel has that shape, and plans the ranking. */
sl_err slplan_topn(slplan *p, const slselect *sel, bool *matched, slrel *out);

/* MATCH_RECOGNIZE over `in` (the planned input of f; plan_match.c). */
sl_err slplan_match(slplan *p, const slfrom *f, slrel *in, slrel *out);

/* Sources and sinks (plan_io.c). */
sl_err slplan_scan(slplan *p, const slcat_entry *t, slpos pos, slrel *out);
sl_err slplan_insert(slplan *p, const slstmt *st);
sl_err slplan_select_sink(slplan *p, const slstmt *st);
/* The looked-up side of a lookup join: a 'jdbc' (PostgreSQL) or
 * 'filesystem' table's location, columns and cache options (key columns are
 * the caller's to set). */
struct sllookup_conf;
sl_err slplan_lookup_conf(slplan *p, const slcat_entry *te, struct sllookup_conf **out);

/* Lookup joins (plan_lookup.c): `f` is a join whose right side is a table
 * FOR SYSTEM_TIME AS OF a processing-time attribute of `left` (already
 * planned), or a 'jdbc' table. */
bool slplan_is_lookup_join(slplan *p, const slfrom *f, const slrel *left);
sl_err slplan_lookup_join(slplan *p, const slfrom *f, const slrel *left, slrel *out);

#endif /* SL_SQL_INT_H */
