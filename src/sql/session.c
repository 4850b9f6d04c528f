/*
 * session.c - a SQL session: the catalog of tables and views, SET options,
 * and executing scripts statement by statement (slsql_exec), which plans
 * every INSERT INTO / SELECT of a script into one job.
 *
 * Scripts whose statements the catalog refers to are kept for the session's
 * lifetime (a view's definition is its AST). Thread: one at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sql/sql_int.h"

slsql *slsql_new(void) {
    return slmem_calloc(1, sizeof(slsql));
}

void slsql_free(slsql *s) {
    if (!s) {
        return;
    }
    for (int i = 0; i < s->n_tables; i++) {
        slmem_free(s->tables[i].name);
    }
    slmem_free(s->tables);
    for (int i = 0; i < s->n_scripts; i++) {
        slscript_free(s->scripts[i]);
    }
    slmem_free(s->scripts);
    for (int i = 0; i < s->n_opts; i++) {
        slmem_free(s->opts[i].key);
        slmem_free(s->opts[i].value);
    }
    slmem_free(s->opts);
    slmem_free(s);
}

slcat_entry *slcat_find(slsql *s, const char *name) {
    for (int i = 0; i < s->n_tables; i++) {
        if (strcasecmp(s->tables[i].name, name) == 0) {
            return &s->tables[i];
        }
    }
    return NULL;
}

static const char *opt_get(const slsql *s, const char *key) {
    for (int i = 0; i < s->n_opts; i++) {
        if (strcmp(s->opts[i].key, key) == 0) {
            return s->opts[i].value;
        }
    }
    return NULL;
}

/* ---- options ---- */

typedef enum optclass {
    OPT_ENGINE = 1, /* passed to sl_job_set */
    OPT_PLANNER,    /* read by the planner */
    OPT_IGNORED,    /* accepted for Flink compatibility; no effect here */
    OPT_NOT_BUILT,  /* accepted with a warning: the feature is not built yet */
} optclass;

static optclass classify(const char *key) {
    static const char *planner[] = {"table.exec.emit.allow-lateness",
                                    "table.exec.emit.early-fire.enabled",
                                    "table.exec.emit.early-fire.delay",
                                    "table.exec.mini-batch.enabled",
                                    "table.exec.mini-batch.allow-latency",
                                    "table.exec.mini-batch.size"};
    static const char *ignored_prefix[] = {"sql-client.", "table.exec.mini-batch.",
                                           "table.optimizer.", "pipeline.name",
                                           "table.dml-sync", "execution.runtime-mode",
                                           "table.exec.sink.", "table.local-time-zone"};
    static const char *not_built_prefix[] = {"execution.checkpointing.", "state.backend",
                                             "state.checkpoints.", "state.savepoints.",
                                             "execution.savepoint."};
    /* State backend and checkpoint options the engine has (sl_job_set); the
     * rest of these prefixes (savepoints, unaligned checkpoints, ...) is not
     * built yet. */
    static const char *engine[] = {"execution.checkpointing.interval",
                                   "execution.checkpointing.timeout",
                                   "execution.checkpointing.min-pause",
                                   "execution.checkpointing.mode",
                                   "state.checkpoints.num-retained",
                                   "state.checkpoints.dir",
                                   "state.savepoints.dir",
                                   "execution.savepoint.path",
                                   "state.backend",
                                   "state.backend.type",
                                   "state.backend.rocksdb.localdir",
                                   "state.backend.rocksdb.block.cache-size",
                                   "state.backend.rocksdb.writebuffer.size",
                                   "state.backend.memory.max-bytes"};
    for (size_t i = 0; i < SL_ARRAY_LEN(engine); i++) {
        if (strcmp(key, engine[i]) == 0) {
            return OPT_ENGINE;
        }
    }
    for (size_t i = 0; i < SL_ARRAY_LEN(planner); i++) {
        if (strcmp(key, planner[i]) == 0) {
            return OPT_PLANNER;
        }
    }
    for (size_t i = 0; i < SL_ARRAY_LEN(ignored_prefix); i++) {
        if (strncmp(key, ignored_prefix[i], strlen(ignored_prefix[i])) == 0) {
            return OPT_IGNORED;
        }
    }
    for (size_t i = 0; i < SL_ARRAY_LEN(not_built_prefix); i++) {
        if (strncmp(key, not_built_prefix[i], strlen(not_built_prefix[i])) == 0) {
            return OPT_NOT_BUILT;
        }
    }
    return OPT_ENGINE;
}

static const char *engine_key(const char *key) {
    if (strcmp(key, "table.exec.resource.default-parallelism") == 0) {
        return "parallelism";
    }
    return key;
}

static sl_err check_set(slplan *p, const slstmt *st) {
    const char *k = st->key, *v = st->value ? st->value : "";
    switch (classify(k)) {
    case OPT_PLANNER: {
        if (strcmp(k, "table.exec.mini-batch.size") == 0) {
            char *end = NULL;
            long long n = strtoll(v, &end, 10);
            if (!*v || *end || n < 1) {
                return slplan_err(p, st->pos, SL_ERR_ARG,
                                  "option '%s': expected a number of rows of at least 1, got '%s'",
                                  k, v);
            }
            return SL_OK;
        }
        if (strcmp(k, "table.exec.emit.early-fire.enabled") == 0 ||
            strcmp(k, "table.exec.mini-batch.enabled") == 0) {
            if (strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0) {
                return slplan_err(p, st->pos, SL_ERR_ARG, "option '%s': expected 'true' or 'false', got '%s'", k, v);
            }
            return SL_OK;
        }
        int64_t us;
        if (sl_parse_duration(v, &us) != SL_OK || us < 0) {
            return slplan_err(p, st->pos, SL_ERR_ARG,
                              "option '%s': expected a duration such as '5 s' or '100 ms', got '%s'",
                              k, v);
        }
        return SL_OK;
    }
    case OPT_IGNORED:
        if (strcmp(k, "execution.runtime-mode") == 0 && strcasecmp(v, "streaming") != 0) {
            return slplan_err(p, st->pos, SL_ERR_UNSUPPORTED,
                              "option '%s': only 'streaming' is supported, got '%s'", k, v);
        }
        if (strcmp(k, "table.local-time-zone") == 0 && strcasecmp(v, "UTC") != 0) {
            return slplan_err(p, st->pos, SL_ERR_UNSUPPORTED,
                              "option '%s': timestamps are UTC; only 'UTC' is supported, got '%s'",
                              k, v);
        }
        return SL_OK;
    case OPT_NOT_BUILT:
        sllog_warn("%s:%d:%d: option '%s' is accepted, but what it sets is not built yet "
                   "(savepoints, unaligned checkpoints, ...): it has no effect",
                   p->file, st->pos.line, st->pos.col, k);
        return SL_OK;
    case OPT_ENGINE: {
        sl_job *scratch;
        sl_job_new(&scratch);
        sl_err err = sl_job_set(scratch, engine_key(k), v);
        sl_job_free(scratch);
        if (err) {
            return slplan_err_at(p, st->pos, err);
        }
        return SL_OK;
    }
    }
    return SL_OK;
}

static void set_opt(slsql *s, const char *key, const char *value) {
    for (int i = 0; i < s->n_opts; i++) {
        if (strcmp(s->opts[i].key, key) == 0) {
            slmem_free(s->opts[i].value);
            s->opts[i].value = slmem_strdup(value);
            return;
        }
    }
    slmem_grow((void **)&s->opts, &s->cap_opts, (size_t)s->n_opts + 1, sizeof *s->opts);
    s->opts[s->n_opts].key = slmem_strdup(key);
    s->opts[s->n_opts].value = slmem_strdup(value);
    s->n_opts++;
}

static void reset_opt(slsql *s, const char *key) {
    for (int i = 0; i < s->n_opts; i++) {
        if (!key || strcmp(s->opts[i].key, key) == 0) {
            slmem_free(s->opts[i].key);
            slmem_free(s->opts[i].value);
            s->opts[i] = s->opts[--s->n_opts];
            i--;
        }
    }
}

/* Read the planner's options from the session. */
static void planner_opts(slplan *p) {
    const char *v;
    p->allowed_lateness_us = 0;
    p->early_fire_ms = 0;
    v = opt_get(p->sess, "table.exec.mini-batch.enabled");
    p->mini_batch = v && strcasecmp(v, "true") == 0;
    if ((v = opt_get(p->sess, "table.exec.emit.allow-lateness"))) {
        sl_parse_duration(v, &p->allowed_lateness_us);
    }
    v = opt_get(p->sess, "table.exec.emit.early-fire.enabled");
    if (v && strcasecmp(v, "true") == 0) {
        int64_t us = 0;
        if ((v = opt_get(p->sess, "table.exec.emit.early-fire.delay"))) {
            sl_parse_duration(v, &us);
        }
        p->early_fire_ms = us > 0 ? (us + 999) / 1000 : 1;
    }
}

static sl_err apply_engine_opts(slsql *s, sl_job *job) {
    for (int i = 0; i < s->n_opts; i++) {
        if (classify(s->opts[i].key) == OPT_ENGINE) {
            sl_err err = sl_job_set(job, engine_key(s->opts[i].key), s->opts[i].value);
            if (err) {
                return err;
            }
        }
    }
    return SL_OK;
}

/* ---- statements ---- */

static void plan_init(slplan *p, slsql *s, const char *file, slsql_sinkmode mode,
                      const slsql_collect *collect) {
    memset(p, 0, sizeof *p);
    p->sess = s;
    p->file = file;
    p->mode = mode;
    p->collect = collect;
    slarena_init(&p->arena);
}

static void plan_reset_scans(slplan *p) {
    slmem_free(p->scans);
    slmem_free(p->scan_names);
    p->scans = NULL;
    p->scan_names = NULL;
    p->n_scans = 0;
    p->cap_scans = 0;
}

static void plan_free(slplan *p) {
    plan_reset_scans(p);
    slarena_free(&p->arena);
}

/* Plan `st` (an INSERT, SELECT or statement set) into p->job. */
static sl_err plan_dml(slplan *p, const slstmt *st) {
    planner_opts(p);
    switch (st->kind) {
    case SLSTMT_INSERT:
        return slplan_insert(p, st);
    case SLSTMT_SELECT:
        return slplan_select_sink(p, st);
    case SLSTMT_EXECUTE_SET:
        for (int i = 0; i < st->n_inner; i++) {
            sl_err err = plan_dml(p, st->inner[i]);
            if (err) {
                return err;
            }
        }
        return SL_OK;
    default:
        return slplan_err(p, st->pos, SL_ERR_ARG, "not a query or INSERT statement");
    }
}

/* Plan into a throwaway job: checks a view or explains a statement. */
static sl_err plan_scratch(slsql *s, const char *file, const slstmt *st, slbuf *explain) {
    slplan p;
    plan_init(&p, s, file, SLSQL_PRINT_SELECTS, NULL);
    sl_job_new(&p.job);
    sl_err err;
    if (st->kind == SLSTMT_CREATE_VIEW) {
        slrel r;
        err = slplan_query(&p, st->query, &r);
    } else {
        err = plan_dml(&p, st);
        if (!err) {
            err = apply_engine_opts(s, p.job);
        }
        if (!err && explain) {
            slgraph_explain(&p.job->g, explain);
        }
    }
    sl_job_free(p.job);
    plan_free(&p);
    return err;
}

static sl_err create_entry(slsql *s, const slscript *sc, const slstmt *st, bool view) {
    slcat_entry *old = slcat_find(s, st->name);
    if (old) {
        if (st->if_not_exists) {
            return SL_OK;
        }
        return slerr_set(SL_ERR_ARG, "%s:%d:%d: %s '%s' already exists", sc->file,
                         st->name_pos.line, st->name_pos.col, old->view ? "view" : "table",
                         st->name);
    }
    slmem_grow((void **)&s->tables, &s->cap_tables, (size_t)s->n_tables + 1, sizeof *s->tables);
    slcat_entry *e = &s->tables[s->n_tables++];
    e->name = slmem_strdup(st->name);
    e->view = view;
    e->def = st;
    e->script = sc;
    return SL_OK;
}

static sl_err drop_entry(slsql *s, const slscript *sc, const slstmt *st) {
    slcat_entry *e = slcat_find(s, st->name);
    bool want_view = st->kind == SLSTMT_DROP_VIEW;
    if (!e || e->view != want_view) {
        if (st->if_exists) {
            return SL_OK;
        }
        return slerr_set(SL_ERR_NOTFOUND, "%s:%d:%d: no %s '%s'", sc->file, st->name_pos.line,
                         st->name_pos.col, want_view ? "view" : "table", st->name);
    }
    slmem_free(e->name);
    *e = s->tables[--s->n_tables];
    return SL_OK;
}

static void describe_table(slsql *s, const slcat_entry *e, slbuf *info) {
    SL_UNUSED(s);
    const slstmt *d = e->def;
    if (e->view) {
        slbuf_puts(info, "view ");
        slbuf_puts(info, e->name);
        slbuf_puts(info, " AS ");
        slbuf_puts(info, d->query->text ? d->query->text : "");
        slbuf_putc(info, '\n');
        return;
    }
    for (int i = 0; i < d->n_cols; i++) {
        const slcoldef *c = &d->cols[i];
        slbuf_puts(info, c->name);
        slbuf_putc(info, ' ');
        if (c->computed) {
            slbuf_puts(info, "AS (computed)");
        } else {
            slbuf_puts(info, c->type.type ? sl_type_name(c->type.type) : c->type.name);
        }
        if (d->wm_col && strcasecmp(d->wm_col, c->name) == 0) {
            slbuf_puts(info, " (event time)");
        }
        slbuf_putc(info, '\n');
    }
}

sl_err slsql_exec(slsql *s, const char *text, size_t len, const char *file, slsql_sinkmode mode,
                  const slsql_collect *collect, sl_job **job, slbuf *info) {
    *job = NULL;
    slscript *sc;
    sl_err err = slsql_parse(text, len, file, &sc);
    if (err) {
        return err;
    }
    slmem_grow((void **)&s->scripts, &s->cap_scripts, (size_t)s->n_scripts + 1,
               sizeof *s->scripts);
    s->scripts[s->n_scripts++] = sc;
    slplan p;
    plan_init(&p, s, sc->file, mode, collect);
    for (int i = 0; i < sc->n && !err; i++) {
        const slstmt *st = sc->stmts[i];
        p.file = sc->file;
        switch (st->kind) {
        case SLSTMT_CREATE_TABLE:
            if (st->like) {
                err = slplan_err(&p, st->pos, SL_ERR_UNSUPPORTED, "CREATE TABLE ... LIKE is not supported");
                break;
            }
            err = create_entry(s, sc, st, false);
            break;
        case SLSTMT_CREATE_VIEW:
            if (!(err = plan_scratch(s, sc->file, st, NULL))) {
                err = create_entry(s, sc, st, true);
            }
            break;
        case SLSTMT_DROP_TABLE:
        case SLSTMT_DROP_VIEW:
            err = drop_entry(s, sc, st);
            break;
        case SLSTMT_SET:
            if (!st->key) {
                for (int k = 0; info && k < s->n_opts; k++) {
                    slbuf_printf(info, "'%s' = '%s'\n", s->opts[k].key, s->opts[k].value);
                }
                break;
            }
            if (!(err = check_set(&p, st))) {
                set_opt(s, st->key, st->value ? st->value : "");
            }
            break;
        case SLSTMT_RESET:
            reset_opt(s, st->key);
            break;
        case SLSTMT_SHOW_TABLES:
            for (int k = 0; info && k < s->n_tables; k++) {
                slbuf_printf(info, "%s%s\n", s->tables[k].name, s->tables[k].view ? " (view)" : "");
            }
            break;
        case SLSTMT_DESCRIBE: {
            slcat_entry *e = slcat_find(s, st->name);
            if (!e) {
                err = slplan_err(&p, st->name_pos, SL_ERR_NOTFOUND, "unknown table '%s'", st->name);
            } else if (info) {
                describe_table(s, e, info);
            }
            break;
        }
        case SLSTMT_EXPLAIN: {
            slbuf local = {0};
            err = plan_scratch(s, sc->file, st->inner[0], info ? info : &local);
            slbuf_free(&local);
            break;
        }
        case SLSTMT_INSERT:
        case SLSTMT_SELECT:
        case SLSTMT_EXECUTE_SET:
            if (!p.job) {
                sl_job_new(&p.job);
            }
            err = plan_dml(&p, st);
            break;
        }
    }
    if (!err && p.job) {
        if ((err = apply_engine_opts(s, p.job))) {
            err = slerr_prefix(err, "%s", sc->file);
        }
    }
    if (err) {
        sl_job_free(p.job);
        p.job = NULL;
    }
    *job = p.job;
    plan_free(&p);
    return err;
}
