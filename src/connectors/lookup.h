/*
 * lookup.h - lookup joins: each row of a stream is enriched with the rows of
 * an external table whose key columns equal values computed from the row
 * (Flink's `JOIN dim FOR SYSTEM_TIME AS OF s.proc_time ON s.k = dim.k`).
 *
 * The table is read at processing time, when the row arrives: a lookup join
 * is not deterministic (a changed table changes later results), as in Flink.
 * Two kinds of table:
 *   - PostgreSQL through libpq (lookup_pg.c): the rows of a batch's missing
 *     keys are fetched in one query; a cache per subtask (lookup_join.c)
 *     keeps recent keys (bounded by rows, expiring after a TTL);
 *   - a JSON-lines or CSV file (lookup_file.c) loaded whole when the
 *     operator opens (the file is the cache; it is not re-read).
 *
 * The operator is stateless for checkpoints (a cache is not state): it keeps
 * nothing that a restore would need.
 */
#ifndef SL_LOOKUP_H
#define SL_LOOKUP_H

#include "connectors/connectors.h"
#include "expr/expr.h"

#define SL_LOOKUP_MAX_KEYS 8

typedef enum sllookup_kind { SLLOOKUP_POSTGRES = 1, SLLOOKUP_FILE } sllookup_kind;

/* Where the table is and how it is cached. Read-only once built; shared by
 * the subtasks. */
typedef struct sllookup_conf {
    sllookup_kind kind;
    sl_schema *dim;   /* ref: the table's columns */
    char *name;       /* owned: the table's name in messages */
    /* POSTGRES */
    char *conninfo;   /* owned: a libpq connection URI or "key=value" string */
    char *user, *password; /* owned or NULL */
    char *table;      /* owned: the table name, possibly schema-qualified */
    int max_retries;  /* attempts after a failed query (reconnecting) */
    /* FILE */
    slfile_conf *file; /* owned */
    /* key: dim columns compared for equality */
    int n_keys;
    int key_cols[SL_LOOKUP_MAX_KEYS];
    /* cache (POSTGRES) */
    int64_t cache_max_rows;  /* keys kept; 0 = no cache */
    int64_t cache_ttl_us;    /* expire after write; 0 = never */
    bool cache_missing;      /* also cache keys that found no row */
} sllookup_conf;

sllookup_conf *sllookup_conf_new(sllookup_kind kind, const sl_schema *dim, const char *name);
void sllookup_conf_free(sllookup_conf *c);

/* An open table of one subtask. */
typedef struct sllookup sllookup;
typedef struct sllookup_vt {
    /* Append to `rows` (the dim schema, grown as needed: *rows may be
     * replaced) every table row whose key columns equal row j of `keys` for
     * any j (keys' columns: the key columns' types, in key order; rows with a
     * NULL key are never passed). */
    sl_err (*fetch)(sllookup *l, const slbatch *keys, slbatch **rows);
    void (*close)(sllookup *l);
} sllookup_vt;

struct sllookup {
    const sllookup_vt *vt;
    const sllookup_conf *conf; /* borrowed */
};

/* Make room for one more row in *rows (replacing it by a batch of twice the
 * capacity holding the same rows when it is full). */
void sllookup_room(slbatch **rows);

/* Connect (POSTGRES) or load the file (FILE; malformed records become dead
 * letters of `c` at "path:line"). Errors: SL_ERR_IO naming the table. */
sl_err sllookup_pg_open(const sllookup_conf *conf, sllookup **out);
sl_err sllookup_file_open(const sllookup_conf *conf, slopctx *c, sllookup **out);

/* ---- the join operator (lookup_join.c) ---- */

typedef struct sllookup_join_arg {
    sllookup_conf *conf;   /* owned */
    sl_schema *in, *out;   /* ref: out = in's columns, then the dim columns */
    slexpr *keys[SL_LOOKUP_MAX_KEYS]; /* owned: over `in`, typed as the key columns */
    slexpr *residual;      /* owned or NULL: over `out`, BOOLEAN */
    bool left_outer;       /* rows without a match are kept, NULL-padded */
} sllookup_join_arg;

void sllookup_join_arg_free(void *arg);
/* The operator factory (arg: an sllookup_join_arg, borrowed). */
slop *sllookup_join_new(void *arg, int subtask);

#endif /* SL_LOOKUP_H */
