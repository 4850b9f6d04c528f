/*
 * oprun.h - runs one keyed operator in a real job, for the operator tests
 * (test_group.c, test_rank.c):
 *
 *   scripted generator -> [watermark] -> key_by -> operator -> collectors
 *
 * The source, the watermark assigner and the script run with parallelism 1;
 * the operator and the collectors run with `par` subtasks. The script is a
 * list of lines:
 *   "+I a 5 @3"     a row: its kind (+I, -U, +U, -D), one token per input
 *                   column ("NULL"; "~N:c" = a STRING of N times c;
 *                   TIMESTAMP in seconds), then "@<seconds>": its event time
 *   "sync 4 @20"    wait until the operator's output has 4 rows, then set
 *                   the job's manual clock to 20 s (TTL tests: the operator
 *                   has then processed every row before the line)
 * Output rows are collected as text lines "+I a 2 5 @3" (values as above,
 * then the event time in seconds), late rows (port 1) as "late ...".
 * With par > 1 the order of rows across keys is not defined: oprun_sorted
 * stably sorts lines by their first tokens (the key), which keeps the
 * defined order of rows within a key.
 */
#ifndef SL_OPRUN_H
#define SL_OPRUN_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/job.h"
#include "test.h"

#define OPRUN_UNUSED __attribute__((unused))

/* Make the operator's argument for input schema `in` and key `key` (the
 * columns given to key_by); the job takes it. */
typedef void *(*oprun_mk)(const sl_schema *in, const slkeyspec *key, void *user,
                          const sl_schema **out_schema);

typedef struct oprun {
    /* in */
    const char *schema;
    const char *const *script;
    size_t n_script;
    const char *key;      /* key_by columns; "" = no columns (one group, parallelism 1) */
    int par;
    const char *ttl;      /* option state.ttl, or NULL */
    const char *batch_rows; /* option batch.rows, or NULL */
    const char *wm_col;   /* watermark column, or NULL */
    int64_t wm_bound_us;
    bool row_batches;     /* every row is a batch of its own */
    oprun_mk mk;
    void *mk_user;
    const char *op_name;
    slop_factory factory;
    void (*arg_free)(void *);
    bool late;            /* collect port 1 */
    /* out */
    slbuf out, late_text;
    int n_out, n_late;
    sl_metrics m;
    /* private */
    sl_schema *in;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t clock;
    bool sync_timeout;
} oprun;

static int64_t oprun_now(void *user) {
    return __atomic_load_n((int64_t *)user, __ATOMIC_ACQUIRE);
}

static void oprun_value(slbuf *o, const sl_row *r, int c) {
    if (sl_row_is_null(r, c)) {
        slbuf_puts(o, "NULL");
        return;
    }
    switch (sl_schema_type(sl_row_schema(r), c)) {
    case SL_STRING: {
        size_t len;
        const char *s = sl_row_string(r, c, &len);
        if (len > 64) {
            slbuf_printf(o, "<%zu:%c..%c>", len, s[0], s[len - 1]);
        } else {
            slbuf_put(o, s, len);
        }
        break;
    }
    case SL_DOUBLE:
        slbuf_printf(o, "%g", sl_row_double(r, c));
        break;
    case SL_BOOLEAN:
        slbuf_puts(o, sl_row_bool(r, c) ? "true" : "false");
        break;
    case SL_TIMESTAMP:
        slbuf_printf(o, "%lld", (long long)(sl_row_timestamp(r, c) / SL_SECOND));
        break;
    default:
        slbuf_printf(o, "%lld", (long long)sl_row_bigint(r, c));
        break;
    }
}

static void oprun_line(slbuf *o, const char *prefix, const sl_row *r) {
    slbuf_puts(o, prefix);
    for (int c = 0; c < sl_schema_count(sl_row_schema(r)); c++) {
        slbuf_putc(o, ' ');
        oprun_value(o, r, c);
    }
    slbuf_printf(o, " @%lld\n", (long long)(sl_row_time(r) / SL_SECOND));
}

static void oprun_collect(const sl_row *row, void *user) {
    oprun *r = user;
    pthread_mutex_lock(&r->mu);
    oprun_line(&r->out, slfmt_kind(sl_row_kind(row)), row);
    r->n_out++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void oprun_collect_late(const sl_row *row, void *user) {
    oprun *r = user;
    pthread_mutex_lock(&r->mu);
    oprun_line(&r->late_text, "late", row);
    r->n_late++;
    pthread_mutex_unlock(&r->mu);
}

/* Wait (bounded) until the output has n rows. */
static void oprun_wait(oprun *r, int n) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 30;
    pthread_mutex_lock(&r->mu);
    while (r->n_out < n) {
        if (pthread_cond_timedwait(&r->cv, &r->mu, &dl) != 0) {
            r->sync_timeout = true;
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
}

static void oprun_token(const char *t, size_t len, sl_type type, int c, sl_out *o) {
    char buf[64];
    if (len == 4 && memcmp(t, "NULL", 4) == 0) {
        sl_out_null(o, c);
        return;
    }
    if (type == SL_STRING) {
        if (t[0] == '~') {
            long n = strtol(t + 1, NULL, 10);
            const char *colon = memchr(t, ':', len);
            char ch = colon ? colon[1] : 'x';
            char *s = malloc((size_t)n);
            memset(s, ch, (size_t)n);
            sl_out_string(o, c, s, (size_t)n);
            free(s);
        } else {
            sl_out_string(o, c, t, len);
        }
        return;
    }
    snprintf(buf, sizeof buf, "%.*s", (int)len, t);
    switch (type) {
    case SL_DOUBLE:
        sl_out_double(o, c, strtod(buf, NULL));
        break;
    case SL_BOOLEAN:
        sl_out_bool(o, c, strcmp(buf, "true") == 0);
        break;
    case SL_TIMESTAMP:
        sl_out_timestamp(o, c, strtoll(buf, NULL, 10) * SL_SECOND);
        break;
    default:
        sl_out_bigint(o, c, strtoll(buf, NULL, 10));
        break;
    }
}

static sl_gen_status oprun_gen(uint64_t i, sl_out *o, void *user) {
    oprun *r = user;
    if (i >= r->n_script) {
        return SL_GEN_END;
    }
    const char *s = r->script[i];
    if (strncmp(s, "sync ", 5) == 0) {
        int n = atoi(s + 5);
        const char *at = strchr(s, '@');
        oprun_wait(r, n);
        if (at) {
            __atomic_store_n(&r->clock, strtoll(at + 1, NULL, 10) * SL_SECOND, __ATOMIC_RELEASE);
        }
        return SL_GEN_MORE;
    }
    const char *p = s;
    sl_rowkind kind = SL_INSERT;
    if (strncmp(p, "-U", 2) == 0) {
        kind = SL_UPDATE_BEFORE;
    } else if (strncmp(p, "+U", 2) == 0) {
        kind = SL_UPDATE_AFTER;
    } else if (strncmp(p, "-D", 2) == 0) {
        kind = SL_DELETE;
    }
    p += 2;
    int c = 0;
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        if (!*p) {
            break;
        }
        const char *t = p;
        while (*p && *p != ' ') {
            p++;
        }
        size_t len = (size_t)(p - t);
        if (t[0] == '@') {
            sl_out_time(o, strtoll(t + 1, NULL, 10) * SL_SECOND);
            continue;
        }
        if (c < sl_schema_count(r->in)) {
            oprun_token(t, len, sl_schema_type(r->in, c), c, o);
        }
        c++;
    }
    sl_out_kind(o, kind);
    sl_out_emit(o);
    /* A sync waits for this row's output: hand the row over first. */
    bool sync_next = i + 1 < r->n_script && strncmp(r->script[i + 1], "sync ", 5) == 0;
    return r->row_batches || sync_next ? SL_GEN_IDLE : SL_GEN_MORE;
}

/* Run the job; r->out / r->late_text / r->m hold the results. */
static OPRUN_UNUSED sl_err oprun_run(oprun *r) {
    memset(&r->out, 0, sizeof r->out);
    memset(&r->late_text, 0, sizeof r->late_text);
    r->n_out = r->n_late = 0;
    r->sync_timeout = false;
    r->clock = 1000 * SL_SECOND;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    CHECK_INT(sl_schema_parse(r->schema, &r->in), SL_OK);
    sl_job *job;
    sl_job_new(&job);
    sl_job_set_clock(job, oprun_now, &r->clock);
    sl_stream *src, *s, *keyed, *res;
    sl_err err;
    if ((r->ttl && (err = sl_job_set(job, "state.ttl", r->ttl))) ||
        (r->batch_rows && (err = sl_job_set(job, "batch.rows", r->batch_rows))) ||
        (err = sl_job_source_gen(job, r->in, oprun_gen, r, &src))) {
        goto out;
    }
    s = src;
    if (r->wm_col && (err = sl_stream_watermark(src, r->wm_col, r->wm_bound_us, &s))) {
        goto out;
    }
    if ((err = sl_stream_parallelism(s, r->par))) {
        goto out;
    }
    bool global = r->key[0] == '\0';
    if (global) {
        /* What the planner does for an aggregation without keys: a keyed
         * stream of no columns (every row hashes alike) into one subtask. */
        keyed = sljob_stream(job, s->node, s->port, s->schema);
        keyed->keyed = true;
        keyed->key = (slkeyspec){0};
        keyed->parallelism = 1;
    } else if ((err = sl_stream_key_by(s, r->key, &keyed))) {
        goto out;
    }
    const sl_schema *out_schema = NULL;
    void *arg = r->mk(r->in, &keyed->key, r->mk_user, &out_schema);
    if (!arg) {
        err = SL_ERR_ARG;
        goto out;
    }
    res = sljob_add_op(job, r->op_name, r->factory, arg, r->arg_free, keyed, out_schema, false);
    slnode *n = job->g.nodes[res->node];
    n->keyed = true;
    if (global) {
        n->parallelism = 1;
        res->parallelism = 1;
    }
    if ((err = sl_stream_foreach(res, oprun_collect, r))) {
        goto out;
    }
    if (r->late) {
        n->out[1] = slschema_ref(r->in);
        sl_stream *late = sljob_stream(job, res->node, 1, r->in);
        late->parallelism = res->parallelism;
        if ((err = sl_stream_foreach(late, oprun_collect_late, r))) {
            goto out;
        }
    }
    err = sl_job_run(job);
    sl_job_metrics(job, &r->m);
out:
    sl_job_free(job);
    sl_schema_free(r->in);
    r->in = NULL;
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    CHECK(!r->sync_timeout);
    return err;
}

static OPRUN_UNUSED void oprun_free(oprun *r) {
    slbuf_free(&r->out);
    slbuf_free(&r->late_text);
}

/* The first `ntok` tokens of a line after its kind (the key). */
static size_t oprun_key_len(const char *line, int ntok) {
    const char *p = strchr(line, ' ');
    if (!p) {
        return 0;
    }
    const char *start = ++p;
    for (int t = 0; t < ntok && *p && *p != '\n'; t++) {
        while (*p && *p != ' ' && *p != '\n') {
            p++;
        }
        if (t + 1 < ntok && *p == ' ') {
            p++;
        }
    }
    return (size_t)(p - start);
}

static int oprun_key_cmp(const char *a, const char *b, int ntok) {
    const char *ka = strchr(a, ' '), *kb = strchr(b, ' ');
    size_t la = oprun_key_len(a, ntok), lb = oprun_key_len(b, ntok);
    int c = memcmp(ka ? ka + 1 : "", kb ? kb + 1 : "", SL_MIN(la, lb));
    return c ? c : la < lb ? -1 : la > lb ? 1 : 0;
}

/* `text` with its lines stably sorted by their first `ntok` key tokens, in
 * `out` (reset first). */
static OPRUN_UNUSED const char *oprun_sorted(const char *text, int ntok, slbuf *out) {
    char *copy = slmem_strdup(text);
    size_t n = 0, cap = 0;
    char **lines = NULL;
    for (char *p = copy; *p;) {
        char *e = strchr(p, '\n');
        slmem_grow((void **)&lines, &cap, n + 1, sizeof *lines);
        lines[n++] = p;
        if (!e) {
            break;
        }
        *e = '\0';
        p = e + 1;
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: stable */
        char *x = lines[i];
        size_t j = i;
        while (j > 0 && oprun_key_cmp(lines[j - 1], x, ntok) > 0) {
            lines[j] = lines[j - 1];
            j--;
        }
        lines[j] = x;
    }
    slbuf_reset(out);
    for (size_t i = 0; i < n; i++) {
        slbuf_puts(out, lines[i]);
        slbuf_putc(out, '\n');
    }
    slmem_free(lines);
    slmem_free(copy);
    return slbuf_cstr(out);
}

#endif /* SL_OPRUN_H */
