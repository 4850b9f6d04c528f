/*
 * bench.c - `sluice bench`: the Nexmark suite (bench/nexmark/q*.sql) run on
 * generated events through the normal SQL planner, with figures.
 *
 * For each query the runner forks a child (so peak RSS and CPU time are the
 * query's own), which: plans bench/nexmark/ddl.sql + qN.sql with events.num
 * and the event rate replaced by --events / --rate and parallelism set to
 * --threads; replaces every sink by a discarding one (a 'blackhole' or a
 * file sink alike) and instruments the nexmark sources and the sink through
 * the connectors' hooks (slnexmark_conf.on_read, slsink_conf.on_batch); runs
 * the job; then runs the generator alone (the query's own source
 * configuration, every subtask's share, read into batches that are dropped)
 * and the hand-written reference program when there is one
 * (bench/nexmark/ref.c), and reports back through a pipe. A query the
 * planner refuses is reported with the planner's message.
 *
 * Figures: events/s = events.num / wall time of the job; per core = events /
 * CPU time of the process (user + system, getrusage) during the job, so two
 * threads busy half the time count as one core; "engine only" subtracts the
 * generator's CPU time measured alone. Peak RSS is the child's ru_maxrss.
 *
 * Latency (arrival to result leaving the sink). The source hook stamps every
 * batch it produced with the monotonic clock and the running maximum event
 * time over all source subtasks, in an append-only log; the sink hook, when a
 * batch leaves, finds for each row the arrival that caused it: for rows
 * whose time is an input row's time (stateless queries, non-windowed
 * aggregations, Top-N, dedup) the first batch whose running maximum reached
 * the row's time; for window results (row time = window end - 1 us) the
 * first batch whose running maximum made the watermark (max - 4 s - 1 us)
 * pass the row time, or the end of input when only the final watermark fires
 * it; for processing-time windows (q12) the newest arrival. This is an upper
 * bound on the true latency: the causing row arrived in that batch or later,
 * never earlier. Resolution: event times are in ms, so rows of one ms of
 * event time (rate / 1000 events; 1,000 at the default rate, about one
 * batch) are attributed to the first batch holding that ms.
 *
 * Thread: main thread only; the hooks run on worker threads of the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nexmark/ref.h"
#include "cli/cli.h"
#include "connectors/connectors.h"

#ifndef SLBENCH_QUERY_DIR
#define SLBENCH_QUERY_DIR "bench/nexmark"
#endif

static const char *usage_bench =
    "usage: sluice bench [options]\n"
    "\n"
    "Runs the Nexmark queries (bench/nexmark/q*.sql) on generated events through the SQL\n"
    "planner, with a discarding sink, and prints per query: events/s, events/s per core\n"
    "(CPU time), the same without the generator's own cost, peak RSS, p50/p99/p99.9\n"
    "latency (arrival to result; an upper bound, see src/cli/bench.c), and the\n"
    "hand-written reference program's figures where there is one.\n"
    "\n"
    "options:\n"
    "  --events N        events of all kinds per query (default 10M; suffix k, M)\n"
    "  --rate R          events per second of event time (default 1000000)\n"
    "  --queries LIST    comma-separated, e.g. q0,q1,q5r (default: all)\n"
    "  --threads P       parallelism of every operator, 1 or more (default 1);\n"
    "                    also --parallelism\n"
    "  --json FILE       also write the figures as JSON\n"
    "  --check           compare the engine's rows with the reference program's; exit 1\n"
    "                    when they differ (for the test suite, on small N)\n"
    "  --no-ref          do not run the reference programs\n"
    "  --query-dir DIR   where ddl.sql and q*.sql are (default: the source tree's)\n"
    "  -h, --help        this help\n";

/* How a query's result rows relate to the input that caused them. */
typedef enum latrule { LAT_ROW, LAT_WM, LAT_PROC } latrule;

typedef struct qdef {
    const char *name;
    latrule lat;
    const char *what;
} qdef;

static const qdef queries[] = {
    {"q0", LAT_ROW, "pass-through"},
    {"q1", LAT_ROW, "currency conversion"},
    {"q2", LAT_ROW, "selection"},
    {"q3", LAT_ROW, "local item suggestion"},
    {"q4", LAT_ROW, "average price per category"},
    {"q5", LAT_WM, "hot items (Flink's join form)"},
    {"q5r", LAT_WM, "hot items (window Top-N form)"},
    {"q6", LAT_ROW, "average selling price by seller"},
    {"q7", LAT_WM, "highest bid (Flink's join form)"},
    {"q7r", LAT_WM, "highest bid (window Top-N form)"},
    {"q8", LAT_WM, "monitor new users"},
    {"q9", LAT_ROW, "winning bids"},
    {"q10", LAT_ROW, "log to file system (sink discarded)"},
    {"q11", LAT_WM, "user sessions"},
    {"q12", LAT_PROC, "processing-time windows"},
    {"q13", LAT_ROW, "bounded side input join"},
    {"q14", LAT_ROW, "calculation"},
    {"q15", LAT_ROW, "bidding statistics"},
    {"q16", LAT_ROW, "channel statistics"},
    {"q17", LAT_ROW, "auction statistics"},
    {"q18", LAT_ROW, "find last bid"},
    {"q19", LAT_ROW, "auction Top-10"},
    {"q20", LAT_ROW, "expand bid with auction"},
    {"q21", LAT_ROW, "add channel id"},
    {"q22", LAT_ROW, "get URL directories"},
};
#define N_QUERIES ((int)SL_ARRAY_LEN(queries))

/* The published figures (events/s per core). */
static const struct {
    const char *q, *ours, *label;
    const char *flink, *feldera, *jet;
} published[] = {
    {"q0", "q0", "q0 pass-through", "155K", "436K", ""},
    {"q1", "q1", "q1 currency map", "158K", "412K", ""},
    {"q2", "q2", "q2 filter", "175K", "422K", ""},
    {"q3", "q3", "q3 incremental join", "152K", "413K", ""},
    {"q4", "q4", "q4 avg closing price per category", "34K", "265K", ""},
    {"q5", "q5r", "q5 hot items (sliding)", "22K", "412K", "1.56M per vCPU"},
    {"q7", "q7r", "q7 highest bid (tumbling)", "12.3K", "196K", ""},
    {"q8", "q8", "q8 new users (window join)", "146K", "415K", ""},
};

#define WM_DELAY_US (4 * INT64_C(1000000)) /* ddl.sql: dateTime - INTERVAL '4' SECOND */
#define MAX_SUBTASKS 64

typedef struct opts {
    int64_t events, rate;
    int threads;
    const char *json, *dir;
    bool check, no_ref;
    bool want[N_QUERIES];
} opts;

/* What a child reports (fixed size: written through a pipe). */
typedef struct qres {
    int status; /* 0 ran, 1 refused by the planner, 2 failed, 3 crashed */
    char msg[400];
    double wall_s, cpu_s, gen_cpu_s;
    double ref_cpu_s, ref_wall_s;
    bool has_ref;
    uint64_t rows_out, ref_rows;
    long maxrss_kb;
    uint64_t lat_n;
    double p50_us, p99_us, p999_us;
    int check; /* -1 not checked, 0 differs, 1 equal */
    char check_msg[300];
} qres;

/* ---- latency: the arrival log and histograms ---- */

#define LOG_CHUNK 65536
#define LOG_CHUNKS 4096
#define HIST_BUCKETS 1024

typedef struct lentry {
    int64_t max_ts; /* running maximum event time over all arrivals so far */
    int64_t at_us;  /* monotonic clock at arrival */
} lentry;

typedef struct hist {
    uint64_t n[HIST_BUCKETS];
    char pad[64]; /* sink subtasks write their own hist: keep them off one line */
} hist;

typedef struct bstate {
    latrule lat;
    pthread_mutex_t mu;      /* guards appends to the log, ended, out */
    lentry *chunks[LOG_CHUNKS]; /* owned */
    uint64_t n_log;          /* atomic: entries published */
    int64_t run_max;
    int n_src, n_ended;      /* source subtasks, and how many have ended */
    int64_t end_at_us;       /* atomic: when the last source ended (0: not yet) */
    hist h[MAX_SUBTASKS];
    uint64_t rows_out[MAX_SUBTASKS];
    /* per sink subtask: the last lookup (rows of a batch share times) */
    int64_t last_t[MAX_SUBTASKS];
    int64_t last_at[MAX_SUBTASKS];
    bool collect;   /* --check: keep the rows */
    slbuf out;      /* canonical rows */
} bstate;

static int bucket_of(int64_t v) {
    if (v < 16) {
        return v < 0 ? 0 : (int)v;
    }
    int e = 63 - __builtin_clzll((unsigned long long)v);
    int b = 16 + (e - 4) * 16 + (int)((v >> (e - 4)) & 15);
    return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

static double bucket_value(int b) {
    if (b < 16) {
        return b;
    }
    int e = (b - 16) / 16 + 4, sub = (b - 16) % 16;
    double lo = (double)(((int64_t)16 + sub) << (e - 4));
    return lo + (double)((int64_t)1 << (e - 4)) / 2; /* the middle of the bucket */
}

static void on_read(void *user, int subtask, const slbatch *b, uint32_t n0, bool end) {
    SL_UNUSED(subtask);
    bstate *st = user;
    int64_t now = slclock_mono_us();
    int64_t mx = INT64_MIN;
    for (uint32_t i = n0; i < b->n; i++) {
        mx = SL_MAX(mx, b->ts[i]);
    }
    pthread_mutex_lock(&st->mu);
    if (b->n > n0) {
        st->run_max = SL_MAX(st->run_max, mx);
        uint64_t k = st->n_log;
        if (k < (uint64_t)LOG_CHUNK * LOG_CHUNKS) {
            lentry **c = &st->chunks[k / LOG_CHUNK];
            if (!*c) {
                *c = slmem_alloc(LOG_CHUNK * sizeof **c);
            }
            (*c)[k % LOG_CHUNK] = (lentry){st->run_max, now};
            __atomic_store_n(&st->n_log, k + 1, __ATOMIC_RELEASE);
        }
    }
    if (end && ++st->n_ended == st->n_src) {
        __atomic_store_n(&st->end_at_us, now, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&st->mu);
}

static inline const lentry *log_at(const bstate *st, uint64_t k) {
    return &st->chunks[k / LOG_CHUNK][k % LOG_CHUNK];
}

/* Arrival time of the first logged batch whose running maximum is >= want,
 * or -1 when none is (yet). */
static int64_t first_reaching(const bstate *st, uint64_t n, int64_t want) {
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (log_at(st, mid)->max_ts >= want) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo < n ? log_at(st, lo)->at_us : -1;
}

static void on_batch(void *user, int subtask, const slbatch *b) {
    bstate *st = user;
    int sub = subtask >= 0 && subtask < MAX_SUBTASKS ? subtask : 0;
    int64_t now = slclock_mono_us();
    uint64_t n = __atomic_load_n(&st->n_log, __ATOMIC_ACQUIRE);
    st->rows_out[sub] += b->n;
    hist *h = &st->h[sub];
    if (n > 0) {
        for (uint32_t i = 0; i < b->n; i++) {
            int64_t t = b->ts[i], at;
            if (st->lat == LAT_PROC) {
                at = log_at(st, n - 1)->at_us;
            } else if (t == st->last_t[sub] && st->last_at[sub] >= 0) {
                at = st->last_at[sub];
            } else {
                int64_t want = st->lat == LAT_WM ? t + WM_DELAY_US + 1 : t;
                at = first_reaching(st, n, want);
                if (at < 0) { /* fired by the final watermark: the end of input */
                    int64_t e = __atomic_load_n(&st->end_at_us, __ATOMIC_ACQUIRE);
                    at = e ? e : log_at(st, n - 1)->at_us;
                } else {
                    st->last_t[sub] = t;
                    st->last_at[sub] = at;
                }
            }
            h->n[bucket_of(now - at)]++;
        }
    }
    if (st->collect) {
        pthread_mutex_lock(&st->mu);
        for (uint32_t i = 0; i < b->n; i++) {
            if (b->kind[i] != SL_INSERT) {
                slbuf_puts(&st->out, "<update>|");
            }
            slbench_canon_row(&st->out, b, i);
        }
        pthread_mutex_unlock(&st->mu);
    }
}

/* ---- one query, in the child ---- */

static double tv_s(struct timeval t) {
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static double cpu_now(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

/* Replace every occurrence of `from` in text by `to`. */
static void replace_all(slbuf *text, const char *from, const char *to) {
    slbuf out = {0};
    size_t fl = strlen(from);
    const char *p = text->data ? text->data : "", *end = p + text->len;
    while (p < end) {
        const char *q = strstr(p, from);
        if (!q || q >= end) {
            slbuf_put(&out, p, (size_t)(end - p));
            break;
        }
        slbuf_put(&out, p, (size_t)(q - p));
        slbuf_puts(&out, to);
        p = q + fl;
    }
    slbuf_free(text);
    *text = out;
}

static int cmp_lines(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split NUL-free text into sorted lines (pointers into text, which is
 * modified: newlines become NULs). */
static char **sorted_lines(slbuf *text, size_t *n) {
    size_t cap = 0;
    for (size_t i = 0; i < text->len; i++) {
        cap += text->data[i] == '\n';
    }
    char **v = slmem_alloc((cap + 1) * sizeof *v);
    size_t k = 0;
    char *p = text->data;
    for (size_t i = 0; i < text->len; i++) {
        if (text->data[i] == '\n') {
            text->data[i] = '\0';
            v[k++] = p;
            p = text->data + i + 1;
        }
    }
    qsort(v, k, sizeof *v, cmp_lines);
    *n = k;
    return v;
}

static void compare(qres *r, slbuf *eng, slbuf *ref) {
    size_t ne, nr;
    char **e = sorted_lines(eng, &ne), **f = sorted_lines(ref, &nr);
    r->check = 1;
    size_t i = 0;
    for (; i < ne && i < nr; i++) {
        if (strcmp(e[i], f[i]) != 0) {
            break;
        }
    }
    if (i < ne || i < nr) {
        r->check = 0;
        snprintf(r->check_msg, sizeof r->check_msg,
                 "%zu rows vs %zu of the reference; first difference (sorted): engine '%.100s', "
                 "reference '%.100s'",
                 ne, nr, i < ne ? e[i] : "(none)", i < nr ? f[i] : "(none)");
    } else {
        snprintf(r->check_msg, sizeof r->check_msg, "same %zu rows as the reference", ne);
    }
    slmem_free(e);
    slmem_free(f);
}

/* Generator alone: every nexmark source of the job, every subtask's share,
 * into batches that are dropped. Returns CPU seconds. */
static double gen_alone(sl_job *job, int par) {
    double c0 = cpu_now();
    for (int k = 0; k < job->g.n_nodes; k++) {
        slnode *nd = job->g.nodes[k];
        if (nd->kind != SLNODE_SOURCE || nd->source_new != slnexmark_source_new) {
            continue;
        }
        slnexmark_conf *c = nd->arg;
        c->on_read = NULL;
        int p = nd->parallelism > 0 ? nd->parallelism : par;
        for (int sub = 0; sub < p; sub++) {
            slopmetrics m = {0};
            slopctx ctx = {0};
            ctx.parallelism = p;
            ctx.subtask = sub;
            ctx.metrics = &m;
            slsource *s = slnexmark_source_new(c, sub, p);
            s->vt->open(s, &ctx);
            slbatch *b = slbatch_new(c->schema, job->g.conf.batch_rows ? job->g.conf.batch_rows : 1024);
            for (;;) {
                slbatch_clear(b);
                if (s->vt->read(s, b) == SLSRC_END) {
                    break;
                }
            }
            slbatch_free(b);
            s->vt->free(s);
        }
    }
    return cpu_now() - c0;
}

/* q13's side input (its table's path): keys 0..9999, each with a value, as
 * Flink's Nexmark writes it; made when missing. */
#define SIDE_INPUT "/tmp/sluice-nexmark-side_input.txt"
static void make_side_input(void) {
    if (access(SIDE_INPUT, R_OK) == 0) {
        return;
    }
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s.%d", SIDE_INPUT, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        return; /* the query then fails naming the file */
    }
    for (int k = 0; k < 10000; k++) {
        fprintf(f, "%d,side-%d\n", k, k);
    }
    if (fclose(f) == 0) {
        rename(tmp, SIDE_INPUT);
    } else {
        remove(tmp);
    }
}

static void run_query(const opts *o, const qdef *q, qres *r) {
    memset(r, 0, sizeof *r);
    r->check = -1;
    slbuf text = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/ddl.sql", o->dir);
    if (slcli_read_file(path, &text)) {
        r->status = 2;
        snprintf(r->msg, sizeof r->msg, "cannot read %.300s", path);
        return;
    }
    snprintf(path, sizeof path, "%s/%s.sql", o->dir, q->name);
    if (slcli_read_file(path, &text)) {
        r->status = 2;
        snprintf(r->msg, sizeof r->msg, "cannot read %.300s", path);
        slbuf_free(&text);
        return;
    }
    if (strstr(slbuf_cstr(&text), SIDE_INPUT)) {
        make_side_input();
    }
    char num[64];
    snprintf(num, sizeof num, "'events.num' = '%lld'", (long long)o->events);
    replace_all(&text, "'events.num' = '100000000'", num);
    snprintf(num, sizeof num, "-event.rate' = '%lld'", (long long)o->rate);
    replace_all(&text, "-event.rate' = '10000000'", num);

    slsql *s = slsql_new();
    char par[32];
    snprintf(par, sizeof par, "parallelism=%d", o->threads);
    char *sets[] = {par};
    sl_job *job = NULL;
    sl_err err = SL_OK;
    if (slcli_apply_sets(s, sets, 1)) {
        err = SL_ERR_ARG;
    } else {
        err = slsql_exec(s, text.data, text.len, path, SLSQL_PRINT_SELECTS, NULL, &job, NULL);
    }
    slbuf_free(&text);
    if (err || !job) {
        r->status = 1;
        snprintf(r->msg, sizeof r->msg, "%s", err ? sl_errmsg() : "no INSERT statement");
        sl_job_free(job);
        slsql_free(s);
        return;
    }

    bstate *st = slmem_calloc(1, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    st->lat = q->lat;
    st->run_max = INT64_MIN;
    st->collect = o->check;
    for (int k = 0; k < MAX_SUBTASKS; k++) {
        st->last_at[k] = -1;
    }
    int n_sinks = 0;
    for (int k = 0; k < job->g.n_nodes; k++) {
        slnode *nd = job->g.nodes[k];
        int p = slgraph_par(&job->g, k);
        if (nd->kind == SLNODE_SOURCE && nd->source_new == slnexmark_source_new) {
            slnexmark_conf *c = nd->arg;
            c->on_read = on_read;
            c->on_read_user = st;
            st->n_src += p;
        } else if (nd->kind == SLNODE_OP && nd->op_new == slsink_new) {
            slsink_conf *c = nd->arg;
            c->kind = SLSINK_DISCARD;
            c->on_batch = on_batch;
            c->on_batch_user = st;
            n_sinks++;
        }
    }
    if (n_sinks == 0 || st->n_src == 0) {
        r->status = 2;
        snprintf(r->msg, sizeof r->msg, "the job has no %s", n_sinks ? "nexmark source" : "sink");
        goto out;
    }

    double c0 = cpu_now();
    int64_t t0 = slclock_mono_us();
    err = sl_job_run(job);
    int64_t t1 = slclock_mono_us();
    double c1 = cpu_now();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r->maxrss_kb = ru.ru_maxrss;
    if (err) {
        r->status = 2;
        snprintf(r->msg, sizeof r->msg, "job failed: %s", sl_errmsg());
        goto out;
    }
    r->wall_s = (double)(t1 - t0) / 1e6;
    r->cpu_s = c1 - c0;
    for (int k = 0; k < MAX_SUBTASKS; k++) {
        r->rows_out += st->rows_out[k];
    }
    /* latency percentiles over every sink subtask's histogram */
    static hist all;
    memset(&all, 0, sizeof all);
    for (int k = 0; k < MAX_SUBTASKS; k++) {
        for (int b = 0; b < HIST_BUCKETS; b++) {
            all.n[b] += st->h[k].n[b];
            r->lat_n += st->h[k].n[b];
        }
    }
    double *pct[] = {&r->p50_us, &r->p99_us, &r->p999_us};
    const double want[] = {0.50, 0.99, 0.999};
    for (int k = 0; k < 3; k++) {
        uint64_t need = (uint64_t)((double)r->lat_n * want[k]), acc = 0;
        *pct[k] = 0;
        for (int b = 0; b < HIST_BUCKETS; b++) {
            acc += all.n[b];
            if (acc > need || (acc == r->lat_n && acc > 0)) {
                *pct[k] = bucket_value(b);
                break;
            }
        }
    }

    r->gen_cpu_s = gen_alone(job, o->threads);

    if (!o->no_ref && slbref_has(q->name)) {
        slbuf ref = {0};
        double rc0 = cpu_now();
        int64_t rt0 = slclock_mono_us();
        r->ref_rows = slbref_run(q->name, o->events, o->rate, o->check ? &ref : NULL);
        r->ref_wall_s = (double)(slclock_mono_us() - rt0) / 1e6;
        r->ref_cpu_s = cpu_now() - rc0;
        r->has_ref = true;
        if (o->check) {
            compare(r, &st->out, &ref);
        }
        slbuf_free(&ref);
    }
out:
    slbuf_free(&st->out);
    for (int k = 0; k < LOG_CHUNKS; k++) {
        slmem_free(st->chunks[k]);
    }
    pthread_mutex_destroy(&st->mu);
    slmem_free(st);
    sl_job_free(job);
    slsql_free(s);
}

/* Run one query in a child process; the result comes back through a pipe. */
static void run_forked(const opts *o, const qdef *q, qres *r) {
    int fd[2];
    if (pipe(fd) != 0) {
        memset(r, 0, sizeof *r);
        r->status = 2;
        snprintf(r->msg, sizeof r->msg, "pipe: %s", strerror(errno));
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        qres res;
        run_query(o, q, &res);
        const char *p = (const char *)&res;
        size_t left = sizeof res;
        while (left > 0) {
            ssize_t k = write(fd[1], p, left);
            if (k <= 0) {
                break;
            }
            p += k;
            left -= (size_t)k;
        }
        _exit(0);
    }
    close(fd[1]);
    size_t got = 0;
    char *p = (char *)r;
    while (pid > 0 && got < sizeof *r) {
        ssize_t k = read(fd[0], p + got, sizeof *r - got);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            break;
        }
        got += (size_t)k;
    }
    close(fd[0]);
    int ws = 0;
    if (pid > 0) {
        waitpid(pid, &ws, 0);
    }
    if (got < sizeof *r) {
        memset(r, 0, sizeof *r);
        r->status = 3;
        r->check = -1;
        snprintf(r->msg, sizeof r->msg, "%s",
                 pid < 0                ? "fork failed"
                 : WIFSIGNALED(ws)      ? strsignal(WTERMSIG(ws))
                                        : "the child ended without a result");
    }
}

/* ---- printing ---- */

static void fmt_rate(double v, char *buf, size_t cap) {
    if (v >= 1e6) {
        snprintf(buf, cap, "%.2fM", v / 1e6);
    } else if (v >= 1e3) {
        snprintf(buf, cap, "%.1fK", v / 1e3);
    } else {
        snprintf(buf, cap, "%.0f", v);
    }
}

static void fmt_us(double us, char *buf, size_t cap) {
    if (us >= 1e6) {
        snprintf(buf, cap, "%.2fs", us / 1e6);
    } else if (us >= 1e3) {
        snprintf(buf, cap, "%.1fms", us / 1e3);
    } else {
        snprintf(buf, cap, "%.0fus", us);
    }
}

static double per_core(const opts *o, double cpu) {
    return cpu > 0 ? (double)o->events / cpu : 0;
}

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s, f);
        } else if ((unsigned char)*s < 0x20) {
            fprintf(f, "\\u%04x", (unsigned char)*s);
        } else {
            fputc(*s, f);
        }
    }
    fputc('"', f);
}

static void write_json(const opts *o, const qres *res, FILE *f) {
    fprintf(f, "{\n  \"events\": %lld,\n  \"rate\": %lld,\n  \"threads\": %d,\n  \"queries\": [\n",
            (long long)o->events, (long long)o->rate, o->threads);
    bool first = true;
    for (int i = 0; i < N_QUERIES; i++) {
        if (!o->want[i]) {
            continue;
        }
        const qres *r = &res[i];
        const qdef *q = &queries[i];
        fprintf(f, "%s    {\"query\": \"%s\", \"what\": ", first ? "" : ",\n", q->name);
        json_str(f, q->what);
        first = false;
        static const char *const status[] = {"ran", "refused", "failed", "crashed"};
        fprintf(f, ", \"status\": \"%s\"", status[r->status]);
        if (r->status != 0) {
            fprintf(f, ", \"reason\": ");
            json_str(f, r->status == 1 ? "refused by the planner" : r->msg);
            fprintf(f, ", \"planner\": ");
            json_str(f, r->msg);
            fputc('}', f);
            continue;
        }
        double eng = r->cpu_s - r->gen_cpu_s;
        fprintf(f,
                ", \"wall_s\": %.6f, \"cpu_s\": %.6f, \"events_per_s\": %.0f, "
                "\"events_per_s_per_core\": %.0f, \"generator_cpu_s\": %.6f, "
                "\"engine_only_events_per_s_per_core\": %.0f, \"rows_out\": %llu, "
                "\"peak_rss_kb\": %ld, \"latency_us\": {\"rows\": %llu, \"p50\": %.0f, "
                "\"p99\": %.0f, \"p99_9\": %.0f}",
                r->wall_s, r->cpu_s, (double)o->events / r->wall_s, per_core(o, r->cpu_s),
                r->gen_cpu_s, per_core(o, eng), (unsigned long long)r->rows_out, r->maxrss_kb,
                (unsigned long long)r->lat_n, r->p50_us, r->p99_us, r->p999_us);
        if (r->has_ref) {
            fprintf(f,
                    ", \"reference\": {\"cpu_s\": %.6f, \"wall_s\": %.6f, \"rows_out\": %llu, "
                    "\"events_per_s_per_core\": %.0f, \"engine_over_reference_cpu\": %.3f}",
                    r->ref_cpu_s, r->ref_wall_s, (unsigned long long)r->ref_rows,
                    per_core(o, r->ref_cpu_s), r->ref_cpu_s > 0 ? r->cpu_s / r->ref_cpu_s : 0);
        }
        if (r->check >= 0) {
            fprintf(f, ", \"check\": {\"equal\": %s, \"detail\": ", r->check ? "true" : "false");
            json_str(f, r->check_msg);
            fputc('}', f);
        }
        fputc('}', f);
    }
    fprintf(f, "\n  ]\n}\n");
}

static void print_report(const opts *o, const qres *res) {
    printf("\nNexmark, %lld events at %lld events/s of event time, %d thread%s "
           "(figures per core use the process's CPU time)\n\n",
           (long long)o->events, (long long)o->rate, o->threads, o->threads == 1 ? "" : "s");
    printf("%-5s %9s %10s %10s %7s %8s %8s %8s %9s %10s %7s\n", "query", "events/s", "ev/s/core",
           "engine/cr", "rss MB", "p50", "p99", "p99.9", "rows out", "ref/core", "eng/ref");
    for (int i = 0; i < N_QUERIES; i++) {
        if (!o->want[i]) {
            continue;
        }
        const qres *r = &res[i];
        const qdef *q = &queries[i];
        if (r->status != 0) {
            const char *m = r->msg;
            printf("%-5s skipped: %s\n", q->name, r->status == 1 ? "refused by the planner" : m);
            if (r->status != 1) {
                continue;
            }
            printf("      (planner: %.150s)\n", strstr(m, ": ") ? strstr(m, ": ") + 2 : m);
            continue;
        }
        char a[16], b[16], c[16], p50[16], p99[16], p999[16], rf[16], ratio[16];
        fmt_rate((double)o->events / r->wall_s, a, sizeof a);
        fmt_rate(per_core(o, r->cpu_s), b, sizeof b);
        if (r->cpu_s - r->gen_cpu_s < 0.1 * r->cpu_s) {
            /* the engine's share is within the noise of the two measurements */
            snprintf(c, sizeof c, "gen-bound");
        } else {
            fmt_rate(per_core(o, r->cpu_s - r->gen_cpu_s), c, sizeof c);
        }
        fmt_us(r->p50_us, p50, sizeof p50);
        fmt_us(r->p99_us, p99, sizeof p99);
        fmt_us(r->p999_us, p999, sizeof p999);
        snprintf(rf, sizeof rf, "-");
        snprintf(ratio, sizeof ratio, "-");
        if (r->has_ref) {
            fmt_rate(per_core(o, r->ref_cpu_s), rf, sizeof rf);
            snprintf(ratio, sizeof ratio, "%.2fx", r->ref_cpu_s > 0 ? r->cpu_s / r->ref_cpu_s : 0);
        }
        printf("%-5s %9s %10s %10s %7.1f %8s %8s %8s %9llu %10s %7s\n", q->name, a, b, c,
               (double)r->maxrss_kb / 1024, p50, p99, p999, (unsigned long long)r->rows_out, rf,
               ratio);
        if (r->check >= 0) {
            printf("      check: %s%s\n", r->check ? "ok, " : "DIFFERENT: ", r->check_msg);
        }
    }
    printf("\nevents/s: events / wall time; ev/s/core: events / CPU s; engine/cr: the same with\n"
           "the generator's CPU time (measured alone) taken out (gen-bound: the generator is\n"
           "over 90%% of it); ref/core: the hand-written C\n"
           "program on the same events (generator included); eng/ref: engine CPU / reference CPU.\n"
           "q5r, q7r: join-free forms of q5, q7 (window Top-N; see their files).\n");
    printf("\nPublished figures (events/s per core) and ours (ev/s/core above):\n\n");
    printf("| query | Flink 1.13 | Feldera (16 cores) | Hazelcast Jet | Sluice (%d thread%s) |\n",
           o->threads, o->threads == 1 ? "" : "s");
    printf("|---|---|---|---|---|\n");
    for (size_t k = 0; k < SL_ARRAY_LEN(published); k++) {
        char ours[64] = "not run";
        for (int i = 0; i < N_QUERIES; i++) {
            if (strcmp(queries[i].name, published[k].ours) != 0 || !o->want[i]) {
                continue;
            }
            if (res[i].status == 0) {
                fmt_rate(per_core(o, res[i].cpu_s), ours, sizeof ours);
                if (strcmp(published[k].ours, published[k].q) != 0) {
                    size_t l = strlen(ours);
                    snprintf(ours + l, sizeof ours - l, " (%s)", published[k].ours);
                }
            } else {
                snprintf(ours, sizeof ours, "%s",
                         res[i].status == 1 ? "refused by the planner" : "failed");
            }
        }
        printf("| %s | %s | %s | %s | %s |\n", published[k].label, published[k].flink,
               published[k].feldera, published[k].jet, ours);
    }
}

/* ---- command line ---- */

static bool parse_count(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno) {
        return false;
    }
    double m = 1;
    if (*end == 'k' || *end == 'K') {
        m = 1e3, end++;
    } else if (*end == 'm' || *end == 'M') {
        m = 1e6, end++;
    } else if (*end == 'g' || *end == 'G') {
        m = 1e9, end++;
    }
    if (*end || v * m < 1 || v * m > 1e15) {
        return false;
    }
    *out = (int64_t)(v * m + 0.5);
    return true;
}

static int select_queries(opts *o, const char *list) {
    memset(o->want, 0, sizeof o->want);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool found = false;
        for (int i = 0; i < N_QUERIES; i++) {
            if (strcmp(queries[i].name, t) == 0) {
                o->want[i] = found = true;
            }
        }
        if (!found) {
            fprintf(stderr, "sluice bench: unknown query '%s' (q0 .. q22, q5r, q7r)\n", t);
            return SLCLI_EXIT_USAGE;
        }
    }
    return 0;
}

int slcli_bench(int argc, char **argv) {
    opts o = {.events = 10000000, .rate = 1000000, .threads = 1, .dir = SLBENCH_QUERY_DIR};
    for (int i = 0; i < N_QUERIES; i++) {
        o.want[i] = true;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool takes = strcmp(a, "--events") == 0 || strcmp(a, "--rate") == 0 ||
                     strcmp(a, "--queries") == 0 || strcmp(a, "--threads") == 0 ||
                     strcmp(a, "--parallelism") == 0 || strcmp(a, "--json") == 0 ||
                     strcmp(a, "--query-dir") == 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_bench, stdout);
            return 0;
        }
        if (takes && i + 1 >= argc) {
            fprintf(stderr, "sluice bench: %s needs a value\n", a);
            return SLCLI_EXIT_USAGE;
        }
        const char *v = takes ? argv[++i] : NULL;
        int64_t n;
        if (strcmp(a, "--events") == 0 || strcmp(a, "--rate") == 0) {
            if (!parse_count(v, &n)) {
                fprintf(stderr, "sluice bench: %s: '%s' is not a count (as 1000 or 10M)\n", a, v);
                return SLCLI_EXIT_USAGE;
            }
            *(strcmp(a, "--events") == 0 ? &o.events : &o.rate) = n;
        } else if (strcmp(a, "--threads") == 0 || strcmp(a, "--parallelism") == 0) {
            if (!parse_count(v, &n) || n > 32) {
                fprintf(stderr, "sluice bench: %s: '%s' is not a thread count (1 to 32)\n", a, v);
                return SLCLI_EXIT_USAGE;
            }
            o.threads = (int)n;
        } else if (strcmp(a, "--queries") == 0) {
            int rc = select_queries(&o, v);
            if (rc) {
                return rc;
            }
        } else if (strcmp(a, "--json") == 0) {
            o.json = v;
        } else if (strcmp(a, "--query-dir") == 0) {
            o.dir = v;
        } else if (strcmp(a, "--check") == 0) {
            o.check = true;
        } else if (strcmp(a, "--no-ref") == 0) {
            o.no_ref = true;
        } else {
            fprintf(stderr, "sluice bench: unknown option '%s'\n%s", a, usage_bench);
            return SLCLI_EXIT_USAGE;
        }
    }
    qres *res = slmem_calloc(N_QUERIES, sizeof *res);
    int bad = 0;
    for (int i = 0; i < N_QUERIES; i++) {
        if (!o.want[i]) {
            continue;
        }
        fprintf(stderr, "sluice bench: %s ...\n", queries[i].name);
        run_forked(&o, &queries[i], &res[i]);
        bad += res[i].check == 0 || res[i].status >= 2;
    }
    print_report(&o, res);
    if (o.json) {
        FILE *f = fopen(o.json, "w");
        if (!f) {
            fprintf(stderr, "sluice bench: cannot write '%s': %s\n", o.json, strerror(errno));
            slmem_free(res);
            return SLCLI_EXIT_IO;
        }
        write_json(&o, res, f);
        fclose(f);
    }
    slmem_free(res);
    return bad ? SLCLI_EXIT_RUNTIME : 0;
}
