/*
 * lookup_pg.c - PostgreSQL tables for lookup joins, through libpq (the only
 * file that includes it).
 *
 * One connection per operator subtask, opened with the session time zone set
 * to UTC (TIMESTAMP values travel as UTC text). A fetch sends the batch's
 * missing keys as text parameters of one statement
 *     SELECT "c1", "c2", ... FROM table WHERE ("k1", "k2") IN (($1, $2), ...)
 * (at most MAX_KEYS_PER_QUERY keys each; PostgreSQL infers the parameter
 * types from the key columns), and decodes the text results by the SQL
 * table's column types. A query that fails because the connection broke is
 * retried after reconnecting, up to conf->max_retries times with a growing
 * pause; an SQL error (no such table or column, a value that does not fit)
 * fails at once with PostgreSQL's message.
 *
 * Thread: the subtask's worker.
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "connectors/lookup.h"

#define MAX_KEYS_PER_QUERY 256

typedef struct pglookup {
    sllookup base;
    PGconn *conn;    /* owned */
    slbuf select;    /* "SELECT ... FROM ... WHERE (k...) IN " */
    slbuf sql;       /* scratch: one statement */
    slbuf params;    /* scratch: NUL-terminated parameter texts */
} pglookup;

/* "name" with embedded quotes doubled. */
static void quote_ident(slbuf *b, const char *s, size_t n) {
    slbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            slbuf_putc(b, '"');
        }
        slbuf_putc(b, s[i]);
    }
    slbuf_putc(b, '"');
}

/* A table name as given ("schema.table" or "table"), each part quoted
 * unless it is already quoted. */
static void quote_table(slbuf *b, const char *name) {
    const char *p = name;
    while (*p) {
        if (*p == '"') { /* already quoted part: copy through the closing quote */
            const char *e = p + 1;
            while (*e && !(*e == '"' && e[1] != '"')) {
                e += *e == '"' ? 2 : 1;
            }
            slbuf_put(b, p, (size_t)(e - p) + (*e ? 1 : 0));
            p = *e ? e + 1 : e;
        } else {
            const char *e = strchr(p, '.');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            quote_ident(b, p, n);
            p += n;
        }
        if (*p == '.') {
            slbuf_putc(b, '.');
            p++;
        }
    }
}

static sl_err pg_connect(pglookup *l) {
    const sllookup_conf *c = l->base.conf;
    const char *keys[6];
    const char *vals[6];
    int k = 0;
    keys[k] = "dbname";
    vals[k++] = c->conninfo;
    if (c->user) {
        keys[k] = "user";
        vals[k++] = c->user;
    }
    if (c->password) {
        keys[k] = "password";
        vals[k++] = c->password;
    }
    keys[k] = "options";
    vals[k++] = "-c TimeZone=UTC";
    keys[k] = "connect_timeout";
    vals[k++] = "10";
    keys[k] = NULL;
    vals[k] = NULL;
    if (l->conn) {
        PQfinish(l->conn);
    }
    l->conn = PQconnectdbParams(keys, vals, 1);
    if (!l->conn || PQstatus(l->conn) != CONNECTION_OK) {
        const char *m = l->conn ? PQerrorMessage(l->conn) : "out of memory";
        size_t n = strlen(m);
        while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) {
            n--;
        }
        return slerr_set(SL_ERR_IO, "table '%s': cannot connect to PostgreSQL: %.*s", c->name,
                         (int)n, m);
    }
    return SL_OK;
}

/* The parameter text of key column k of row i into l->params; returns its
 * offset. */
static size_t put_param(pglookup *l, const slbatch *keys, int k, uint32_t i) {
    size_t off = l->params.len;
    const slcol *col = &keys->cols[k];
    char tmp[64];
    switch (col->type) {
    case SL_BOOLEAN:
        slbuf_puts(&l->params, col->v.b[i] ? "true" : "false");
        break;
    case SL_BIGINT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)col->v.i64[i]);
        slbuf_puts(&l->params, tmp);
        break;
    case SL_DOUBLE: {
        double v = col->v.f64[i];
        if (isnan(v)) {
            slbuf_puts(&l->params, "NaN");
        } else if (isinf(v)) {
            slbuf_puts(&l->params, v > 0 ? "Infinity" : "-Infinity");
        } else {
            snprintf(tmp, sizeof tmp, "%.17g", v);
            slbuf_puts(&l->params, tmp);
        }
        break;
    }
    case SL_STRING:
        slbuf_put(&l->params, col->v.s[i].ptr, col->v.s[i].len);
        break;
    default: { /* TIMESTAMP: UTC text */
        int64_t us = col->v.i64[i];
        int64_t days = us >= 0 ? us / 86400000000 : -((-us + 86399999999) / 86400000000);
        int64_t rem = us - days * 86400000000;
        int64_t y;
        unsigned mo, d;
        sltime_civil_from_days(days, &y, &mo, &d);
        snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u %02d:%02d:%02d.%06d", (long long)y, mo, d,
                 (int)(rem / 3600000000), (int)(rem / 60000000 % 60), (int)(rem / 1000000 % 60),
                 (int)(rem % 1000000));
        slbuf_puts(&l->params, tmp);
        break;
    }
    }
    slbuf_putc(&l->params, '\0');
    return off;
}

/* Set column `col` of row `row` from PostgreSQL's text; false when the text
 * does not fit the column's type. */
static bool set_text(slbatch *b, int col, uint32_t row, const char *s, size_t n) {
    switch (b->cols[col].type) {
    case SL_BOOLEAN:
        if (n == 1 && (s[0] == 't' || s[0] == 'f')) {
            slbatch_set_bool(b, col, row, s[0] == 't');
            return true;
        }
        return false;
    case SL_BIGINT: {
        int64_t v;
        if (!slparse_i64(s, n, &v)) {
            return false;
        }
        slbatch_set_i64(b, col, row, v);
        return true;
    }
    case SL_DOUBLE: {
        double v;
        if (slparse_f64(s, n, &v)) {
            slbatch_set_f64(b, col, row, v);
        } else if (n == 3 && memcmp(s, "NaN", 3) == 0) {
            slbatch_set_f64(b, col, row, NAN);
        } else if (n == 8 && memcmp(s, "Infinity", 8) == 0) {
            slbatch_set_f64(b, col, row, INFINITY);
        } else if (n == 9 && memcmp(s, "-Infinity", 9) == 0) {
            slbatch_set_f64(b, col, row, -INFINITY);
        } else {
            return false;
        }
        return true;
    }
    case SL_STRING:
        slbatch_set_str(b, col, row, s, n);
        return true;
    default: { /* TIMESTAMP: "2024-01-02 03:04:05[.ffffff][+00]" (UTC session) */
        if (n > 3 && (s[n - 3] == '+' || s[n - 3] == '-') && s[n - 2] == '0' &&
            s[n - 1] == '0') {
            n -= 3;
        }
        int64_t v;
        if (sl_parse_timestamp(s, n, &v) != SL_OK) {
            return false;
        }
        slbatch_set_i64(b, col, row, v);
        return true;
    }
    }
}

static sl_err decode_result(pglookup *l, PGresult *res, slbatch **rows) {
    const sllookup_conf *c = l->base.conf;
    int nt = PQntuples(res);
    for (int t = 0; t < nt; t++) {
        sllookup_room(rows);
        slbatch *b = *rows;
        uint32_t row = slbatch_begin_row(b);
        for (int col = 0; col < c->dim->n; col++) {
            if (PQgetisnull(res, t, col)) {
                slbatch_set_null(b, col, row);
                continue;
            }
            const char *s = PQgetvalue(res, t, col);
            size_t n = (size_t)PQgetlength(res, t, col);
            if (!set_text(b, col, row, s, n)) {
                return slerr_set(SL_ERR_TYPE,
                                 "table '%s': column '%s' is %s but PostgreSQL returned '%.*s'",
                                 c->name, c->dim->fields[col].name,
                                 sl_type_name(c->dim->fields[col].type), (int)SL_MIN(n, 60), s);
            }
        }
        b->n++;
    }
    return SL_OK;
}

/* One statement for keys rows [from, to). */
static sl_err fetch_range(pglookup *l, const slbatch *keys, uint32_t from, uint32_t to,
                          slbatch **rows) {
    const sllookup_conf *c = l->base.conf;
    slbuf_reset(&l->sql);
    slbuf_put(&l->sql, l->select.data, l->select.len);
    slbuf_reset(&l->params);
    int nk = c->n_keys;
    size_t n_params = (size_t)(to - from) * (size_t)nk;
    size_t *offs = slmem_alloc(slmem_mul(n_params, sizeof *offs));
    const char **vals = slmem_alloc(slmem_mul(n_params, sizeof *vals));
    int pi = 0;
    slbuf_putc(&l->sql, '(');
    for (uint32_t i = from; i < to; i++) {
        slbuf_puts(&l->sql, i > from ? ", " : "");
        slbuf_puts(&l->sql, nk > 1 ? "(" : "");
        for (int k = 0; k < nk; k++) {
            offs[pi] = put_param(l, keys, k, i);
            slbuf_printf(&l->sql, "%s$%d", k ? ", " : "", pi + 1);
            pi++;
        }
        slbuf_puts(&l->sql, nk > 1 ? ")" : "");
    }
    slbuf_putc(&l->sql, ')');
    for (size_t p = 0; p < n_params; p++) {
        vals[p] = l->params.data + offs[p];
    }
    sl_err err = SL_OK;
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQexecParams(l->conn, slbuf_cstr(&l->sql), (int)n_params, NULL, vals,
                                     NULL, NULL, 0);
        ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK) {
            err = decode_result(l, res, rows);
            PQclear(res);
            break;
        }
        const char *m = res ? PQresultErrorMessage(res) : PQerrorMessage(l->conn);
        size_t n = strcspn(m, "\n"); /* the first line: PostgreSQL's message */
        bool broken = PQstatus(l->conn) != CONNECTION_OK;
        err = slerr_set(SL_ERR_IO, "PostgreSQL: %.*s", (int)n, m);
        PQclear(res);
        if (!broken || attempt >= c->max_retries) {
            break;
        }
        struct timespec ts = {0, (long)(attempt + 1) * 100000000L};
        nanosleep(&ts, NULL);
        PQreset(l->conn);
    }
    slmem_free(offs);
    slmem_free(vals);
    return err;
}

static sl_err pg_fetch(sllookup *base, const slbatch *keys, slbatch **rows) {
    pglookup *l = (pglookup *)base;
    for (uint32_t from = 0; from < keys->n; from += MAX_KEYS_PER_QUERY) {
        uint32_t to = SL_MIN(keys->n, from + MAX_KEYS_PER_QUERY);
        sl_err err = fetch_range(l, keys, from, to, rows);
        if (err) {
            return err;
        }
    }
    return SL_OK;
}

static void pg_close(sllookup *base) {
    pglookup *l = (pglookup *)base;
    if (l->conn) {
        PQfinish(l->conn);
    }
    slbuf_free(&l->select);
    slbuf_free(&l->sql);
    slbuf_free(&l->params);
    slmem_free(l);
}

static const sllookup_vt pg_vt = {.fetch = pg_fetch, .close = pg_close};

sl_err sllookup_pg_open(const sllookup_conf *conf, sllookup **out) {
    pglookup *l = slmem_calloc(1, sizeof *l);
    l->base.vt = &pg_vt;
    l->base.conf = conf;
    slbuf_puts(&l->select, "SELECT ");
    for (int i = 0; i < conf->dim->n; i++) {
        const char *name = conf->dim->fields[i].name;
        slbuf_puts(&l->select, i ? ", " : "");
        quote_ident(&l->select, name, strlen(name));
    }
    slbuf_puts(&l->select, " FROM ");
    quote_table(&l->select, conf->table);
    slbuf_puts(&l->select, " WHERE ");
    slbuf_puts(&l->select, conf->n_keys > 1 ? "(" : "");
    for (int k = 0; k < conf->n_keys; k++) {
        const char *name = conf->dim->fields[conf->key_cols[k]].name;
        slbuf_puts(&l->select, k ? ", " : "");
        quote_ident(&l->select, name, strlen(name));
    }
    slbuf_puts(&l->select, conf->n_keys > 1 ? ") IN " : " IN ");
    sl_err err = pg_connect(l);
    if (err) {
        pg_close(&l->base);
        return err;
    }
    *out = &l->base;
    return SL_OK;
}
