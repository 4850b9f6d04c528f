/*
 * plan_io.c - tables as sources and sinks: the WITH options of CREATE TABLE
 * (Flink's connector names and keys beside ours), computed columns, the
 * WATERMARK clause, and INSERT INTO with its checks (column count, types,
 * whether the sink takes a changelog with updates).
 *
 * Connectors: 'filesystem' / 'file' (path, format json|csv), 'stdin',
 * 'datagen' and 'nexmark' (sources), 'print' / 'stdout' and 'blackhole' (sinks),
 * 'kafka' (both; options parsed by connectors/kafka_conf.c). A kafka table
 * with a WATERMARK gets no watermark assigner: its source assigns event
 * times and keeps one watermark per partition (connectors/kafka.h).
 */
#include <stdio.h>
#include <strings.h>

#include "connectors/connectors.h"
#include "connectors/lookup.h"
#include "connectors/kafka.h"
#include "sql/sql_int.h"

typedef enum conn_kind {
    CONN_FILE = 1,
    CONN_STDIN,
    CONN_DATAGEN,
    CONN_NEXMARK,
    CONN_PRINT,
    CONN_BLACKHOLE,
    CONN_JDBC,
    CONN_KAFKA
} conn_kind;

static const char *opt(const slstmt *t, const char *key) {
    for (int i = 0; i < t->n_opts; i++) {
        if (strcasecmp(t->opts[i].key, key) == 0) {
            return t->opts[i].value;
        }
    }
    return NULL;
}

static slpos opt_pos(const slstmt *t, const char *key) {
    for (int i = 0; i < t->n_opts; i++) {
        if (strcasecmp(t->opts[i].key, key) == 0) {
            return t->opts[i].pos;
        }
    }
    return t->pos;
}

/* Check every option of t is known for its connector. */
static sl_err check_opts(slplan *p, const slstmt *t, const char *conn, const char *const *known) {
    for (int i = 0; i < t->n_opts; i++) {
        const char *k = t->opts[i].key;
        bool ok = false;
        for (int j = 0; known[j] && !ok; j++) {
            size_t n = strlen(known[j]);
            ok = known[j][n - 1] == '*' ? strncasecmp(k, known[j], n - 1) == 0
                                         : strcasecmp(k, known[j]) == 0;
        }
        if (!ok) {
            slbuf d = {0};
            for (int j = 0; known[j]; j++) {
                slbuf_puts(&d, j ? ", " : "");
                slbuf_puts(&d, known[j]);
            }
            sl_err err = slplan_err(p, t->opts[i].pos, SL_ERR_ARG,
                                    "table '%s': unknown option '%s' for connector '%s' (known: %s)",
                                    t->name, k, conn, slbuf_cstr(&d));
            slbuf_free(&d);
            return err;
        }
    }
    return SL_OK;
}

static sl_err connector(slplan *p, const slstmt *t, conn_kind *out) {
    const char *c = opt(t, "connector");
    if (!c) {
        return slplan_err(p, t->pos, SL_ERR_ARG, "table '%s' has no 'connector' option", t->name);
    }
    static const struct {
        const char *name;
        conn_kind kind;
    } conns[] = {{"filesystem", CONN_FILE},   {"file", CONN_FILE},   {"stdin", CONN_STDIN},
                 {"datagen", CONN_DATAGEN},   {"nexmark", CONN_NEXMARK}, {"print", CONN_PRINT},
                 {"stdout", CONN_PRINT},      {"blackhole", CONN_BLACKHOLE},
                 {"jdbc", CONN_JDBC},         {"kafka", CONN_KAFKA}};
    for (size_t i = 0; i < SL_ARRAY_LEN(conns); i++) {
        if (strcasecmp(c, conns[i].name) == 0) {
            *out = conns[i].kind;
            return SL_OK;
        }
    }
    if (strcasecmp(c, "upsert-kafka") == 0) {
        return slplan_err(p, opt_pos(t, "connector"), SL_ERR_UNSUPPORTED,
                          "table '%s': connector '%s' is not built yet (built: filesystem, stdin, "
                          "datagen, nexmark, print, blackhole, kafka, jdbc for lookup joins)",
                          t->name, c);
    }
    return slplan_err(p, opt_pos(t, "connector"), SL_ERR_ARG,
                      "table '%s': unknown connector '%s' (known: filesystem, file, stdin, "
                      "datagen, nexmark, print, stdout, blackhole, kafka, jdbc)",
                      t->name, c);
}

static sl_err format_opt(slplan *p, const slstmt *t, bool required, sl_format *out) {
    const char *f = opt(t, "format");
    if (!f) {
        if (required) {
            return slplan_err(p, t->pos, SL_ERR_ARG, "table '%s' needs a 'format' option ('json' or 'csv')",
                              t->name);
        }
        *out = SL_FORMAT_JSON;
        return SL_OK;
    }
    if (strcasecmp(f, "json") == 0) {
        *out = SL_FORMAT_JSON;
    } else if (strcasecmp(f, "csv") == 0) {
        *out = SL_FORMAT_CSV;
    } else {
        return slplan_err(p, opt_pos(t, "format"), SL_ERR_ARG,
                          "table '%s': format '%s' is not supported (use 'json' or 'csv')", t->name,
                          f);
    }
    return SL_OK;
}

static bool opt_bool(const char *v) {
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* The physical (stored) columns of a table. */
static sl_err physical_schema(slplan *p, const slstmt *t, sl_schema **out) {
    sl_schema *s;
    sl_schema_new(&s);
    for (int i = 0; i < t->n_cols; i++) {
        const slcoldef *c = &t->cols[i];
        if (c->metadata) {
            slschema_unref(s);
            return slplan_err(p, c->pos, SL_ERR_UNSUPPORTED,
                              "metadata columns are not supported ('%s')", c->name);
        }
        if (c->computed) {
            continue;
        }
        if (!c->type.type) {
            slschema_unref(s);
            return slplan_err(p, c->type.pos, SL_ERR_UNSUPPORTED,
                              "type %s of column '%s' is not supported (supported: BOOLEAN, "
                              "integer types as BIGINT, FLOAT/DOUBLE/DECIMAL as DOUBLE, "
                              "STRING/VARCHAR/CHAR, TIMESTAMP, TIMESTAMP_LTZ)",
                              c->type.name, c->name);
        }
        if (sl_schema_find(s, c->name) >= 0) {
            slschema_unref(s);
            return slplan_err(p, c->pos, SL_ERR_ARG, "column '%s' is declared twice", c->name);
        }
        sl_schema_add(s, c->name, c->type.type);
    }
    *out = s;
    return SL_OK;
}

static bool is_proctime_call(const slx *x) {
    return x->kind == SLX_CALL && strcmp(x->text, "PROCTIME") == 0 && x->n_kids == 0;
}

/* Position of the declared column `name` (for messages). */
static slpos col_pos(const slstmt *t, const char *name) {
    for (int i = 0; i < t->n_cols; i++) {
        if (strcasecmp(t->cols[i].name, name) == 0) {
            return t->cols[i].pos;
        }
    }
    return t->pos;
}

/* The kafka options of table t, checked for a source or a sink; errors
 * point at the option that is wrong. */
static sl_err kafka_conf(slplan *p, const slstmt *t, const sl_schema *phys, bool sink,
                         slkafka_conf **out) {
    slkafka_conf *c = slkafka_conf_new(t->name);
    sl_err err = SL_OK;
    for (int i = 0; i < t->n_opts && !err; i++) {
        if ((err = slkafka_conf_set(c, t->opts[i].key, t->opts[i].value))) {
            err = slplan_err_at(p, t->opts[i].pos, err);
        }
    }
    if (!err && (err = slkafka_conf_check(c, sink))) {
        err = slplan_err_at(p, t->pos, err);
    }
    if (!err && (err = slkafka_conf_prepare(c, phys, t->pk, t->n_pk))) {
        err = slplan_err_at(p, c->n_key_fields ? opt_pos(t, "key.fields") : t->pk_pos, err);
    }
    if (err) {
        slkafka_conf_free(c);
        return err;
    }
    *out = c;
    return SL_OK;
}

/* The kafka source's configuration behind stream s, or NULL. */
static slkafka_conf *kafka_source_conf(slplan *p, const sl_stream *s) {
    slnode *n = p->job->g.nodes[s->node];
    return n->kind == SLNODE_SOURCE && n->source_new == slkafka_source_new ? n->arg : NULL;
}

/* A 'nexmark' table: generator options under Flink's keys (plus nexmark.*),
 * the declared columns checked against the generated ones. */
static sl_err add_nexmark(slplan *p, const slstmt *t, const sl_schema *phys, sl_stream **out) {
    static const char *const nx_opts[] = {
        "connector", "nexmark.*", "events.num", "first-event.rate", "next-event.rate",
        "rate.limited", "person.proportion", "auction.proportion", "bid.proportion",
        "bid.hot-ratio.auctions", "bid.hot-ratio.bidders", "auction.hot-ratio.sellers",
        "person.avg-size", "auction.avg-size", "bid.avg-size", NULL};
    sl_err err = check_opts(p, t, "nexmark", nx_opts);
    if (err) {
        return err;
    }
    if (!opt(t, "nexmark.table")) {
        return slplan_err(p, t->pos, SL_ERR_ARG,
                          "table '%s' needs a 'nexmark.table' option ('person', 'auction', 'bid' "
                          "or 'all')",
                          t->name);
    }
    slnexmark_conf *c = slnexmark_conf_new();
    /* first-event.rate before next-event.rate, which must equal it */
    const char *rate = opt(t, "first-event.rate");
    if (rate && (err = slnexmark_conf_set(c, "first-event.rate", rate))) {
        err = slplan_err_at(p, opt_pos(t, "first-event.rate"), err);
        goto fail;
    }
    for (int i = 0; i < t->n_opts; i++) {
        const char *k = t->opts[i].key;
        if (strcasecmp(k, "connector") == 0 || strcasecmp(k, "first-event.rate") == 0) {
            continue;
        }
        if ((err = slnexmark_conf_set(c, k, t->opts[i].value))) {
            err = slplan_err_at(p, t->opts[i].pos, err);
            goto fail;
        }
    }
    sl_schema *full = slnexmark_table_schema(c->table);
    for (int j = 0; j < phys->n && !err; j++) {
        const char *name = sl_schema_name(phys, j);
        int k = sl_schema_find(full, name);
        if (k < 0) {
            slbuf d = {0};
            slschema_describe(full, &d);
            err = slplan_err(p, col_pos(t, name), SL_ERR_ARG,
                             "table '%s': column '%s' is not generated by the nexmark %s table "
                             "(its columns: %s)",
                             t->name, name, slnexmark_table_name(c->table), slbuf_cstr(&d));
            slbuf_free(&d);
        } else if (sl_schema_type(phys, j) != sl_schema_type(full, k)) {
            err = slplan_err(p, col_pos(t, name), SL_ERR_TYPE,
                             "table '%s': column '%s' is declared %s, but the nexmark %s table "
                             "generates it as %s",
                             t->name, name, sl_type_name(sl_schema_type(phys, j)),
                             slnexmark_table_name(c->table), sl_type_name(sl_schema_type(full, k)));
        }
    }
    slschema_unref(full);
    if (err) {
        goto fail;
    }
    if ((err = slnexmark_conf_prepare(c, phys))) {
        err = slplan_err_at(p, t->pos, err);
        goto fail;
    }
    *out = sljob_add_source(p->job, "nexmark", slnexmark_source_new, c, slnexmark_conf_free, phys);
    /* The generator splits its events between subtasks (blocks of 50 events
     * round robin): it runs at the job's parallelism, unlike the other
     * sources. */
    p->job->g.nodes[(*out)->node]->parallelism = 0;
    return SL_OK;
fail:
    slnexmark_conf_free(c);
    return err;
}

/* The options of a file or stdin table. */
static sl_err file_opts(slplan *p, const slstmt *t, conn_kind kind, sl_file_options *fo) {
    static const char *const file_keys[] = {"connector", "path", "format", "csv.field-delimiter",
                                            "csv.header", "json.*", NULL};
    static const char *const stdin_keys[] = {"connector", "format", "csv.field-delimiter",
                                             "csv.header", "json.*", NULL};
    sl_err err = check_opts(p, t, opt(t, "connector"), kind == CONN_FILE ? file_keys : stdin_keys);
    if (err) {
        return err;
    }
    fo->path = kind == CONN_STDIN ? "-" : opt(t, "path");
    if (!fo->path || !*fo->path) {
        return slplan_err(p, t->pos, SL_ERR_ARG, "table '%s' needs a 'path' option", t->name);
    }
    if ((err = format_opt(p, t, true, &fo->format))) {
        return err;
    }
    const char *d = opt(t, "csv.field-delimiter");
    if (d) {
        if (strlen(d) != 1 && strcmp(d, "\\t") != 0) {
            return slplan_err(p, opt_pos(t, "csv.field-delimiter"), SL_ERR_ARG,
                              "table '%s': 'csv.field-delimiter' must be one character", t->name);
        }
        fo->csv_delimiter = strcmp(d, "\\t") == 0 ? '\t' : d[0];
    }
    fo->csv_header = opt_bool(opt(t, "csv.header"));
    return SL_OK;
}

static sl_err add_source(slplan *p, const slstmt *t, const sl_schema *phys, sl_stream **out) {
    conn_kind kind;
    sl_err err = connector(p, t, &kind);
    if (err) {
        return err;
    }
    char name[512];
    if (kind == CONN_FILE || kind == CONN_STDIN) {
        sl_file_options fo = {0};
        if ((err = file_opts(p, t, kind, &fo))) {
            return err;
        }
        if ((err = sl_job_source_file_opts(p->job, &fo, phys, out))) {
            return slplan_err_at(p, t->pos, err);
        }
        snprintf(name, sizeof name, "Source: %s (%s %s, %s)", t->name,
                 kind == CONN_STDIN ? "stdin" : "file", kind == CONN_STDIN ? "" : fo.path,
                 fo.format == SL_FORMAT_JSON ? "json" : "csv");
    } else if (kind == CONN_DATAGEN) {
        static const char *const dg_opts[] = {"connector", "number-of-rows", "rows-per-second",
                                              "seed", "fields.*", NULL};
        if ((err = check_opts(p, t, "datagen", dg_opts))) {
            return err;
        }
        slbuf o = {0};
        for (int i = 0; i < t->n_opts; i++) {
            if (strcasecmp(t->opts[i].key, "connector") == 0) {
                continue;
            }
            if (o.len) {
                slbuf_putc(&o, ',');
            }
            slbuf_puts(&o, t->opts[i].key);
            slbuf_putc(&o, '=');
            slbuf_puts(&o, t->opts[i].value);
        }
        err = sl_job_source_datagen(p->job, phys, slbuf_cstr(&o), out);
        slbuf_free(&o);
        if (err) {
            return slplan_err_at(p, t->pos, err);
        }
        snprintf(name, sizeof name, "Source: %s (datagen)", t->name);
    } else if (kind == CONN_NEXMARK) {
        if ((err = add_nexmark(p, t, phys, out))) {
            return err;
        }
        snprintf(name, sizeof name, "Source: %s (nexmark %s)", t->name, opt(t, "nexmark.table"));
    } else if (kind == CONN_KAFKA) {
        slkafka_conf *c;
        if ((err = kafka_conf(p, t, phys, false, &c))) {
            return err;
        }
        slbuf d = {0};
        slkafka_describe(c, &d);
        snprintf(name, sizeof name, "Source: %s (kafka %s, %s%s)", t->name, slbuf_cstr(&d),
                 c->format == SL_FORMAT_JSON ? "json" : "csv", c->bounded ? ", bounded" : "");
        slbuf_free(&d);
        *out = sljob_add_source(p->job, "kafka", slkafka_source_new, c, slkafka_conf_free, phys);
        /* Partitions are split over the source's subtasks: it runs at the
         * job's parallelism. */
        p->job->g.nodes[(*out)->node]->parallelism = 0;
    } else if (kind == CONN_JDBC) {
        return slplan_err(p, opt_pos(t, "connector"), SL_ERR_UNSUPPORTED,
                          "table '%s': a 'jdbc' table serves lookup joins (JOIN %s FOR "
                          "SYSTEM_TIME AS OF s.proc_time ON ...); reading it as a stream is not "
                          "built yet",
                          t->name, t->name);
    } else {
        return slplan_err(p, opt_pos(t, "connector"), SL_ERR_ARG,
                          "table '%s': connector '%s' can only be written to, not read", t->name,
                          opt(t, "connector"));
    }
    slnode *n = p->job->g.nodes[(*out)->node];
    slmem_free(n->name);
    n->name = slmem_strdup(name);
    return SL_OK;
}

sl_err slplan_scan(slplan *p, const slcat_entry *te, slpos pos, slrel *out) {
    SL_UNUSED(pos);
    for (int i = 0; i < p->n_scans; i++) {
        if (strcasecmp(p->scan_names[i], te->name) == 0) {
            *out = p->scans[i];
            return SL_OK;
        }
    }
    const slstmt *t = te->def;
    const char *saved_file = p->file;
    p->file = te->script->file;
    sl_schema *phys = NULL;
    sl_err err = physical_schema(p, t, &phys);
    sl_stream *s = NULL;
    if (!err) {
        err = add_source(p, t, phys, &s);
    }
    slschema_unref(phys);
    slrel r;
    if (err) {
        goto out;
    }
    slrel_init(p, &r, s, t->name);
    /* Computed columns: one calc computing every declared column in order. */
    bool computed = false;
    for (int i = 0; i < t->n_cols; i++) {
        computed |= t->cols[i].computed != NULL;
    }
    if (computed) {
        slexpr **proj = slmem_calloc((size_t)t->n_cols, sizeof *proj);
        const char **names = slarena_alloc(&p->arena, sizeof *names * (size_t)t->n_cols);
        int proctime = -1;
        slbind b = {.p = p, .r = &r, .clause = "a computed column"};
        for (int i = 0; i < t->n_cols && !err; i++) {
            const slcoldef *c = &t->cols[i];
            names[i] = c->name;
            if (!c->computed) {
                int k = sl_schema_find(r.s->schema, c->name);
                proj[i] = slexpr_column(k, sl_schema_type(r.s->schema, k));
                continue;
            }
            if (is_proctime_call(c->computed)) {
                proctime = i;
            }
            if ((err = slbind_expr(&b, c->computed, &proj[i]))) {
                for (int k = 0; k < i; k++) {
                    slexpr_free(proj[k]);
                }
            }
        }
        slkafka_conf *kc = kafka_source_conf(p, r.s);
        if (!err && kc && t->wm_col) {
            for (int i = 0; i < t->n_cols; i++) {
                if (t->cols[i].computed && strcasecmp(t->cols[i].name, t->wm_col) == 0 &&
                    slexpr_type(proj[i]) == SL_TIMESTAMP) {
                    kc->ts_expr = slexpr_copy(proj[i]);
                }
            }
        }
        if (!err) {
            err = slplan_calc(p, &r, NULL, proj, names, NULL, t->n_cols, &r);
            if (!err) {
                for (int i = 0; i < r.n; i++) {
                    r.cols[i].qual = slplan_strdup(p, t->name);
                }
                r.proctime = proctime;
            }
        }
        slmem_free(proj);
        if (err) {
            goto out;
        }
    }
    if (t->wm_col) {
        int col = slrel_find(&r, NULL, t->wm_col);
        if (col < 0) {
            err = slplan_err(p, t->wm_pos, SL_ERR_NOTFOUND,
                             "WATERMARK FOR '%s': no such column in table '%s'", t->wm_col,
                             t->name);
            goto out;
        }
        if (sl_schema_type(r.s->schema, col) != SL_TIMESTAMP) {
            err = slplan_err(p, t->wm_pos, SL_ERR_TYPE,
                             "WATERMARK FOR '%s': the column is %s; the time attribute must be a "
                             "TIMESTAMP (convert with TO_TIMESTAMP_LTZ(millis, 3) in a computed "
                             "column)",
                             t->wm_col, sl_type_name(sl_schema_type(r.s->schema, col)));
            goto out;
        }
        const slx *w = t->wm_expr;
        int64_t bound = 0;
        bool same_col = w->kind == SLX_COLUMN && strcasecmp(w->text, t->wm_col) == 0;
        bool minus = w->kind == SLX_BINARY && w->op == SLOP_SUB &&
                     w->kids[0]->kind == SLX_COLUMN && strcasecmp(w->kids[0]->text, t->wm_col) == 0;
        if (minus) {
            if ((err = slbind_interval(p, w->kids[1], "the watermark delay", &bound))) {
                goto out;
            }
        } else if (!same_col) {
            err = slplan_err(p, w->pos, SL_ERR_UNSUPPORTED,
                             "WATERMARK expression: supported are `%s` (ascending) and `%s - "
                             "INTERVAL 'n' unit` (bounded out-of-orderness)",
                             t->wm_col, t->wm_col);
            goto out;
        }
        slkafka_conf *kc = kafka_source_conf(p, s);
        if (kc) {
            /* Per-partition watermarks in the source (kafka.h). */
            kc->has_wm = true;
            kc->wm_delay_us = bound;
            kc->ts_name = slmem_strdup(t->wm_col);
            kc->ts_col = kc->ts_expr ? -1 : sl_schema_find(kc->schema, t->wm_col);
            if (!kc->ts_expr && kc->ts_col < 0) {
                err = slplan_err(p, t->wm_pos, SL_ERR_UNSUPPORTED,
                                 "WATERMARK FOR '%s': a kafka table's time attribute must be a "
                                 "physical column or a computed column over physical columns",
                                 t->wm_col);
                goto out;
            }
            char d[40];
            slnode *sn = p->job->g.nodes[s->node];
            slbuf nm = {0};
            size_t len = strlen(sn->name);
            len -= len && sn->name[len - 1] == ')';
            slbuf_put(&nm, sn->name, len);
            slbuf_printf(&nm, "; per-partition watermarks %s - %s)", t->wm_col,
                         slduration_format(bound, d, sizeof d));
            slmem_free(sn->name);
            sn->name = slmem_strdup(slbuf_cstr(&nm));
            slbuf_free(&nm);
            r.rowtime = col;
            goto done_wm;
        }
        sl_stream *ws;
        if ((err = sl_stream_watermark(r.s, sl_schema_name(r.s->schema, col), bound, &ws))) {
            err = slplan_err_at(p, t->wm_pos, err);
            goto out;
        }
        char name[300], d[40];
        snprintf(name, sizeof name, "Watermark(%s - %s)", t->wm_col,
                 slduration_format(bound, d, sizeof d));
        slnode *n = p->job->g.nodes[ws->node];
        slmem_free(n->name);
        n->name = slmem_strdup(name);
        r.s = ws;
        r.rowtime = col;
    }
done_wm:
    slmem_grow((void **)&p->scans, &p->cap_scans, (size_t)p->n_scans + 1, sizeof *p->scans);
    p->scan_names = slmem_realloc(p->scan_names, sizeof *p->scan_names * p->cap_scans);
    p->scan_names[p->n_scans] = slplan_strdup(p, te->name);
    p->scans[p->n_scans++] = r;
    *out = r;
out:
    p->file = saved_file;
    return err;
}

/* ---- lookup tables ---- */

/* A duration option ("10s", "5 min", ...) in microseconds. */
static sl_err duration_opt(slplan *p, const slstmt *t, const char *key, int64_t *us) {
    const char *v = opt(t, key);
    if (!v) {
        return SL_OK;
    }
    if (sl_parse_duration(v, us) != SL_OK || *us < 0) {
        return slplan_err(p, opt_pos(t, key), SL_ERR_ARG,
                          "table '%s': option '%s' = '%s' is not a duration (e.g. '10s', "
                          "'5 min')",
                          t->name, key, v);
    }
    return SL_OK;
}

static sl_err count_opt(slplan *p, const slstmt *t, const char *key, int64_t *n) {
    const char *v = opt(t, key);
    if (!v) {
        return SL_OK;
    }
    if (!slparse_i64(v, strlen(v), n) || *n < 0) {
        return slplan_err(p, opt_pos(t, key), SL_ERR_ARG,
                          "table '%s': option '%s' = '%s' is not a count", t->name, key, v);
    }
    return SL_OK;
}

sl_err slplan_lookup_conf(slplan *p, const slcat_entry *te, sllookup_conf **out) {
    const slstmt *t = te->def;
    if (te->view) {
        return slplan_err(p, t->pos, SL_ERR_UNSUPPORTED,
                          "'%s' is a view; a lookup join needs a table ('jdbc' or 'filesystem')",
                          te->name);
    }
    conn_kind kind;
    sl_err err = connector(p, t, &kind);
    if (err) {
        return err;
    }
    if (kind != CONN_JDBC && kind != CONN_FILE) {
        return slplan_err(p, opt_pos(t, "connector"), SL_ERR_UNSUPPORTED,
                          "table '%s': connector '%s' cannot be looked up (lookup joins read "
                          "'jdbc' and 'filesystem' tables)",
                          t->name, opt(t, "connector"));
    }
    for (int i = 0; i < t->n_cols; i++) {
        if (t->cols[i].computed) {
            return slplan_err(p, t->cols[i].pos, SL_ERR_UNSUPPORTED,
                              "table '%s': a looked-up table cannot have computed columns ('%s')",
                              t->name, t->cols[i].name);
        }
    }
    sl_schema *phys = NULL;
    if ((err = physical_schema(p, t, &phys))) {
        return err;
    }
    sllookup_conf *c = NULL;
    if (kind == CONN_FILE) {
        sl_file_options fo = {0};
        if ((err = file_opts(p, t, kind, &fo))) {
            slschema_unref(phys);
            return err;
        }
        c = sllookup_conf_new(SLLOOKUP_FILE, phys, t->name);
        c->file = slfile_conf_new(fo.path, fo.format, phys);
        c->file->csv_header = fo.csv_header;
        c->file->csv_delim = fo.csv_delimiter ? fo.csv_delimiter : ',';
        slschema_unref(phys);
        *out = c;
        return SL_OK;
    }
    static const char *const jdbc_keys[] = {
        "connector", "url", "table-name", "username", "password", "driver",
        "lookup.cache", "lookup.partial-cache.max-rows", "lookup.partial-cache.expire-after-write",
        "lookup.partial-cache.expire-after-access", "lookup.partial-cache.cache-missing-key",
        "lookup.cache.max-rows", "lookup.cache.ttl", "lookup.cache.caching-missing-key",
        "lookup.max-retries", NULL};
    if ((err = check_opts(p, t, "jdbc", jdbc_keys))) {
        slschema_unref(phys);
        return err;
    }
    const char *url = opt(t, "url");
    const char *table = opt(t, "table-name");
    if (!url || !table) {
        slschema_unref(phys);
        return slplan_err(p, t->pos, SL_ERR_ARG, "table '%s' needs the '%s' option", t->name,
                          !url ? "url" : "table-name");
    }
    /* Flink's JDBC URL names PostgreSQL as jdbc:postgresql://host:port/db;
     * libpq takes the same without "jdbc:". */
    if (strncasecmp(url, "jdbc:", 5) == 0) {
        url += 5;
    }
    if (strncasecmp(url, "postgresql://", 13) != 0 && strncasecmp(url, "postgres://", 11) != 0) {
        slschema_unref(phys);
        return slplan_err(p, opt_pos(t, "url"), SL_ERR_UNSUPPORTED,
                          "table '%s': 'url' must be a PostgreSQL URL "
                          "(jdbc:postgresql://host:port/database); other databases are not built",
                          t->name);
    }
    c = sllookup_conf_new(SLLOOKUP_POSTGRES, phys, t->name);
    slschema_unref(phys);
    c->conninfo = slmem_strdup(url);
    c->table = slmem_strdup(table);
    if (opt(t, "username")) {
        c->user = slmem_strdup(opt(t, "username"));
    }
    if (opt(t, "password")) {
        c->password = slmem_strdup(opt(t, "password"));
    }
    /* Cache: Flink's lookup.cache = NONE | PARTIAL with lookup.partial-cache.*,
     * or the older lookup.cache.max-rows / ttl (a cache when max-rows is set). */
    const char *mode = opt(t, "lookup.cache");
    int64_t max_rows = 0, ttl = 0, retries = c->max_retries;
    if (mode && strcasecmp(mode, "NONE") != 0 && strcasecmp(mode, "PARTIAL") != 0) {
        err = slplan_err(p, opt_pos(t, "lookup.cache"), SL_ERR_ARG,
                         "table '%s': 'lookup.cache' must be 'NONE' or 'PARTIAL' (FULL is not "
                         "built)",
                         t->name);
    }
    if (!err) {
        err = count_opt(p, t, "lookup.cache.max-rows", &max_rows);
    }
    if (!err) {
        err = count_opt(p, t, "lookup.partial-cache.max-rows", &max_rows);
    }
    if (!err) {
        err = duration_opt(p, t, "lookup.cache.ttl", &ttl);
    }
    if (!err) {
        err = duration_opt(p, t, "lookup.partial-cache.expire-after-write", &ttl);
    }
    if (!err) {
        err = duration_opt(p, t, "lookup.partial-cache.expire-after-access", &ttl);
    }
    if (!err) {
        err = count_opt(p, t, "lookup.max-retries", &retries);
    }
    if (!err && mode && strcasecmp(mode, "PARTIAL") == 0 && max_rows == 0 && ttl == 0) {
        err = slplan_err(p, opt_pos(t, "lookup.cache"), SL_ERR_ARG,
                         "table '%s': a PARTIAL lookup cache needs "
                         "'lookup.partial-cache.max-rows' or "
                         "'lookup.partial-cache.expire-after-write'",
                         t->name);
    }
    if (err) {
        sllookup_conf_free(c);
        return err;
    }
    if (mode && strcasecmp(mode, "NONE") == 0) {
        max_rows = 0;
    } else if (max_rows == 0 && ttl > 0) {
        max_rows = INT64_MAX; /* bounded by time only */
    }
    c->cache_max_rows = max_rows;
    c->cache_ttl_us = ttl;
    c->max_retries = (int)SL_MIN(retries, 100);
    const char *miss = opt(t, "lookup.partial-cache.cache-missing-key");
    if (!miss) {
        miss = opt(t, "lookup.cache.caching-missing-key");
    }
    c->cache_missing = !miss || opt_bool(miss);
    *out = c;
    return SL_OK;
}

/* ---- sinks ---- */

static const char *updating_hint =
    "use a window aggregation (append-only results) or a sink that accepts updates "
    "('print', 'blackhole')";

/* Add the sink of table t for relation q (checked and cast to t's columns). */
static sl_err add_sink(slplan *p, const slstmt *t, const slstmt *ins, slrel *q) {
    conn_kind kind;
    sl_err err = connector(p, t, &kind);
    if (err) {
        return err;
    }
    if (kind == CONN_JDBC) {
        return slplan_err(p, ins->name_pos, SL_ERR_UNSUPPORTED,
                          "table '%s': writing to a 'jdbc' table is not built yet (jdbc tables "
                          "serve lookup joins)",
                          t->name);
    }
    if (kind == CONN_DATAGEN || kind == CONN_NEXMARK || kind == CONN_STDIN) {
        return slplan_err(p, ins->name_pos, SL_ERR_ARG,
                          "table '%s' (connector '%s') can only be read, not written", t->name,
                          opt(t, "connector"));
    }
    /* The file sink writes comma-separated CSV: no delimiter option here. */
    static const char *const file_opts[] = {"connector", "path", "format", "sink.*", "json.*",
                                            NULL};
    static const char *const print_opts[] = {"connector", "format", "print-identifier",
                                             "standard-error", NULL};
    static const char *const bh_opts[] = {"connector", NULL};
    if (kind == CONN_KAFKA && q->updating) {
        return slplan_err(p, ins->pos, SL_ERR_UNSUPPORTED,
                          "table '%s' (connector 'kafka') takes only appended rows, but the query "
                          "produces a changelog with updates (-U/+U/-D); %s (the 'upsert-kafka' "
                          "connector, which takes updates, is not built yet)",
                          t->name, updating_hint);
    }
    if (kind != CONN_KAFKA &&
        (err = check_opts(p, t, opt(t, "connector"),
                          kind == CONN_FILE ? file_opts : kind == CONN_PRINT ? print_opts : bh_opts))) {
        return err;
    }
    if (kind == CONN_FILE && q->updating) {
        return slplan_err(p, ins->pos, SL_ERR_UNSUPPORTED,
                          "table '%s' (connector '%s') takes only appended rows, but the query "
                          "produces a changelog with updates (-U/+U/-D); %s",
                          t->name, opt(t, "connector"), updating_hint);
    }
    /* Map the query's columns onto the sink's physical columns. */
    sl_schema *phys;
    if ((err = physical_schema(p, t, &phys))) {
        return err;
    }
    int nq = 0;
    for (int i = 0; i < q->n; i++) {
        nq += !q->cols[i].hidden;
    }
    int *from = slarena_alloc(&p->arena, sizeof(int) * (size_t)(phys->n ? phys->n : 1));
    for (int j = 0; j < phys->n; j++) {
        from[j] = ins->n_insert_cols ? -1 : j;
    }
    int want = ins->n_insert_cols ? ins->n_insert_cols : phys->n;
    if (nq != want) {
        err = slplan_err(p, ins->pos, SL_ERR_ARG,
                         "INSERT INTO %s: the query has %d column%s, the %s %d", t->name, nq,
                         nq == 1 ? "" : "s", ins->n_insert_cols ? "column list has" : "table has",
                         want);
        goto out;
    }
    for (int i = 0; i < ins->n_insert_cols; i++) {
        int j = sl_schema_find(phys, ins->insert_cols[i]);
        if (j < 0) {
            err = slplan_err(p, ins->pos, SL_ERR_NOTFOUND, "INSERT INTO %s: no column '%s'",
                             t->name, ins->insert_cols[i]);
            goto out;
        }
        from[j] = i;
    }
    /* visible query column i -> its index in q */
    int *vis = slarena_alloc(&p->arena, sizeof(int) * (size_t)(nq ? nq : 1));
    for (int i = 0, k = 0; i < q->n; i++) {
        if (!q->cols[i].hidden) {
            vis[k++] = i;
        }
    }
    slexpr **proj = slmem_calloc((size_t)(phys->n ? phys->n : 1), sizeof *proj);
    const char **names = slarena_alloc(&p->arena, sizeof *names * (size_t)(phys->n ? phys->n : 1));
    bool identity = phys->n == q->n;
    for (int j = 0; j < phys->n && !err; j++) {
        sl_type want_t = sl_schema_type(phys, j);
        names[j] = sl_schema_name(phys, j);
        if (from[j] < 0) {
            proj[j] = slexpr_null(want_t);
            identity = false;
            continue;
        }
        int c = vis[from[j]];
        sl_type have = sl_schema_type(q->s->schema, c);
        proj[j] = slexpr_column(c, have);
        identity &= c == j && strcmp(sl_schema_name(q->s->schema, c), names[j]) == 0;
        if (have == want_t) {
            continue;
        }
        identity = false;
        bool ok = (have == SL_BIGINT && want_t == SL_DOUBLE) || want_t == SL_STRING;
        if (!ok) {
            err = slplan_err(p, ins->pos, SL_ERR_TYPE,
                             "INSERT INTO %s: column '%s' is %s, but the query's column %d ('%s') "
                             "is %s; CAST it",
                             t->name, names[j], sl_type_name(want_t), from[j] + 1, q->cols[c].name,
                             sl_type_name(have));
            break;
        }
        if ((err = slexpr_cast(proj[j], want_t, false, &proj[j]))) {
            proj[j] = NULL;
            err = slplan_err_at(p, ins->pos, err);
        }
    }
    if (err) {
        for (int j = 0; j < phys->n; j++) {
            slexpr_free(proj[j]);
        }
        slmem_free(proj);
        goto out;
    }
    slrel sink_in = *q;
    if (!identity) {
        err = slplan_calc(p, q, NULL, proj, names, NULL, phys->n, &sink_in);
    } else {
        for (int j = 0; j < phys->n; j++) {
            slexpr_free(proj[j]);
        }
    }
    slmem_free(proj);
    if (err) {
        goto out;
    }
    slsink_conf *c;
    char name[600];
    if (kind == CONN_FILE) {
        sl_format fmt;
        if ((err = format_opt(p, t, true, &fmt))) {
            goto out;
        }
        const char *path = opt(t, "path");
        if (!path || !*path) {
            err = slplan_err(p, t->pos, SL_ERR_ARG, "table '%s' needs a 'path' option", t->name);
            goto out;
        }
        c = slsink_conf_new(SLSINK_FILE, fmt);
        c->path = slmem_strdup(path);
        c->no_kind = true;
        snprintf(name, sizeof name, "Sink: %s (file %s; append-only)", t->name, path);
    } else if (kind == CONN_KAFKA) {
        slkafka_conf *kc;
        if ((err = kafka_conf(p, t, phys, true, &kc))) {
            goto out;
        }
        slbuf d = {0};
        slkafka_describe(kc, &d);
        snprintf(name, sizeof name, "Sink: %s (kafka %s, %s; append-only)", t->name,
                 slbuf_cstr(&d), kc->format == SL_FORMAT_JSON ? "json" : "csv");
        slbuf_free(&d);
        sljob_add_op(p->job, name, slkafka_sink_new, kc, slkafka_conf_free, sink_in.s, NULL,
                     false);
        slplan_same_parallelism(p, sink_in.s);
        goto out;
    } else if (kind == CONN_PRINT) {
        sl_format fmt;
        if ((err = format_opt(p, t, false, &fmt))) {
            goto out;
        }
        c = slsink_conf_new(SLSINK_PRINT, fmt);
        c->fd_print = opt_bool(opt(t, "standard-error")) ? 2 : 1;
        snprintf(name, sizeof name, "Sink: %s (print; accepts updates: prints the row kind)", t->name);
    } else {
        c = slsink_conf_new(SLSINK_DISCARD, SL_FORMAT_JSON);
        snprintf(name, sizeof name, "Sink: %s (blackhole; accepts updates)", t->name);
    }
    sljob_add_op(p->job, name, slsink_new, c, slsink_conf_free, sink_in.s, NULL, false);
    slplan_same_parallelism(p, sink_in.s);
out:
    slschema_unref(phys);
    return err;
}

sl_err slplan_insert(slplan *p, const slstmt *st) {
    if (st->overwrite) {
        return slplan_err(p, st->pos, SL_ERR_UNSUPPORTED,
                          "INSERT OVERWRITE is not supported on a streaming job");
    }
    slcat_entry *t = slcat_find(p->sess, st->name);
    if (!t) {
        return slplan_err(p, st->name_pos, SL_ERR_NOTFOUND, "unknown table '%s'", st->name);
    }
    if (t->view) {
        return slplan_err(p, st->name_pos, SL_ERR_ARG, "cannot INSERT INTO view '%s'", st->name);
    }
    slrel q;
    sl_err err = slplan_query(p, st->query, &q);
    if (err) {
        return err;
    }
    const char *saved = p->file;
    err = add_sink(p, t->def, st, &q);
    p->file = saved;
    return err;
}

sl_err slplan_select_sink(slplan *p, const slstmt *st) {
    slrel q;
    sl_err err = slplan_query(p, st->query, &q);
    if (err) {
        return err;
    }
    /* Drop hidden helper columns from the result. */
    bool hidden = false;
    for (int i = 0; i < q.n; i++) {
        hidden |= q.cols[i].hidden;
    }
    if (hidden) {
        slexpr **proj = slmem_calloc((size_t)q.n, sizeof *proj);
        const char **names = slarena_alloc(&p->arena, sizeof *names * (size_t)q.n);
        int k = 0;
        for (int i = 0; i < q.n; i++) {
            if (!q.cols[i].hidden) {
                proj[k] = slexpr_column(i, sl_schema_type(q.s->schema, i));
                names[k++] = q.cols[i].name;
            }
        }
        err = slplan_calc(p, &q, NULL, proj, names, NULL, k, &q);
        slmem_free(proj);
        if (err) {
            return err;
        }
    }
    if (p->mode == SLSQL_COLLECT_SELECTS && p->collect) {
        if (p->collect->on_schema) {
            p->collect->on_schema(q.s->schema, p->collect->user);
        }
        slsink_conf *c = slsink_conf_new(SLSINK_FOREACH, SL_FORMAT_JSON);
        c->fn = p->collect->on_row;
        c->user = p->collect->user;
        sljob_add_op(p->job, "Sink: collect", slsink_new, c, slsink_conf_free, q.s, NULL, false);
        slplan_same_parallelism(p, q.s);
        return SL_OK;
    }
    slsink_conf *c = slsink_conf_new(SLSINK_PRINT, SL_FORMAT_JSON);
    c->fd_print = 1;
    sljob_add_op(p->job, "Sink: stdout (print; accepts updates: prints the row kind)", slsink_new, c, slsink_conf_free, q.s, NULL, false);
    slplan_same_parallelism(p, q.s);
    return SL_OK;
}
