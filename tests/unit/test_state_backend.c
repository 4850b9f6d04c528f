/*
 * test_state_backend.c - choosing the state backend of a job through the
 * public API: the state.backend options and their errors, a job whose state
 * grows past state.backend.memory.max-bytes failing on the memory backend
 * with a message that names the operator and the limit, and the same job
 * succeeding on RocksDB with the output of an unlimited memory run, at
 * parallelism 1 and 2; RocksDB's directories removed after the run.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/data.h"
#include "test_backend.h"

typedef struct collector {
    pthread_mutex_t lock;
    slbuf text;
    int rows;
} collector;

static void collect(const sl_row *r, void *user) {
    collector *c = user;
    pthread_mutex_lock(&c->lock);
    slfmt_json_row(&c->text, r->b, r->i, true);
    slbuf_putc(&c->text, '\n');
    c->rows++;
    pthread_mutex_unlock(&c->lock);
}

/* N_KEYS distinct keys, each KEY_ROWS rows in one hour: a tumbling hour window
 * keeps an accumulator (and a string minimum) per key until the end. */
enum { N_KEYS = 20000, KEY_ROWS = 3 };

static sl_gen_status many_keys(uint64_t i, sl_out *o, void *user) {
    SL_UNUSED(user);
    if (i >= (uint64_t)N_KEYS * KEY_ROWS) {
        return SL_GEN_END;
    }
    char k[32];
    int n = snprintf(k, sizeof k, "key-%06llu", (unsigned long long)(i % N_KEYS));
    sl_out_string(o, 0, k, (size_t)n);
    sl_out_bigint(o, 1, (int64_t)(i * 7 % 1000));
    sl_out_timestamp(o, 2, (int64_t)(i / 100) * SL_MILLISECOND);
    sl_out_emit(o);
    return SL_GEN_MORE;
}

typedef struct run_opts {
    const char *backend;   /* NULL: default */
    const char *max_bytes; /* NULL: none */
    const char *localdir;  /* NULL: default */
    int parallelism;
} run_opts;

/* Run the window job; its output lines go to out. */
static sl_err run_job(const run_opts *ro, collector *out) {
    sl_job *job;
    sl_job_new(&job);
    sl_schema *schema = NULL;
    sl_schema_parse("k STRING, v BIGINT, ts TIMESTAMP", &schema);
    sl_stream *src, *timed, *keyed, *win;
    char par[8];
    snprintf(par, sizeof par, "%d", ro->parallelism ? ro->parallelism : 1);
    static const sl_agg aggs[] = {
        {SL_AGG_COUNT, NULL, "n", NULL},
        {SL_AGG_SUM, "v", "total", NULL},
        {SL_AGG_MIN, "k", "first_key", NULL},
    };
    sl_window_spec w = sl_window_tumble(SL_HOUR);
    sl_err err;
    if ((err = sl_job_set(job, "parallelism", par)) ||
        (ro->backend && (err = sl_job_set(job, "state.backend", ro->backend))) ||
        (ro->max_bytes &&
         (err = sl_job_set(job, "state.backend.memory.max-bytes", ro->max_bytes))) ||
        (ro->localdir && (err = sl_job_set(job, "state.backend.rocksdb.localdir", ro->localdir))) ||
        (err = sl_job_source_gen(job, schema, many_keys, NULL, &src)) ||
        (err = sl_stream_watermark(src, "ts", SL_SECOND, &timed)) ||
        (err = sl_stream_key_by(timed, "k", &keyed)) ||
        (err = sl_stream_window(keyed, &w, aggs, 3, &win)) ||
        (err = sl_stream_foreach(win, collect, out))) {
        goto out;
    }
    err = sl_job_run(job);
out:
    sl_job_free(job);
    sl_schema_free(schema);
    return err;
}

static void collector_init(collector *c) {
    pthread_mutex_init(&c->lock, NULL);
    memset(&c->text, 0, sizeof c->text);
    c->rows = 0;
}

static void collector_free(collector *c) {
    slbuf_free(&c->text);
    pthread_mutex_destroy(&c->lock);
}

TEST(state_larger_than_the_memory_limit_runs_on_rocksdb) {
    for (int p = 1; p <= 2; p++) {
        /* Unlimited memory: the reference output. */
        collector ref;
        collector_init(&ref);
        run_opts unlimited = {NULL, NULL, NULL, p};
        CHECK_INT(run_job(&unlimited, &ref), SL_OK);
        CHECK_INT(ref.rows, N_KEYS);
        /* The memory backend with a limit far below what the state takes. */
        collector lim;
        collector_init(&lim);
        run_opts limited = {"memory", "512 kb", NULL, p};
        CHECK_INT(run_job(&limited, &lim), SL_ERR_RUNTIME);
        const char *msg = sl_errmsg();
        CHECK_CONTAINS(msg, "operator 'window'");
        CHECK_CONTAINS(msg, "over the memory backend's limit of 524288 bytes");
        CHECK_CONTAINS(msg, "state.backend.memory.max-bytes");
        CHECK_CONTAINS(msg, "state.backend = 'rocksdb'");
        CHECK(lim.rows < N_KEYS);
        /* RocksDB, with the same limit set (it applies to memory only). */
        collector rk;
        collector_init(&rk);
        run_opts rocks = {"rocksdb", "512 kb", NULL, p};
        CHECK_INT(run_job(&rocks, &rk), SL_OK);
        CHECK_INT(rk.rows, N_KEYS);
        char *want = sltest_sort_lines(slbuf_cstr(&ref.text));
        char *got = sltest_sort_lines(slbuf_cstr(&rk.text));
        CHECK(strcmp(want, got) == 0);
        CHECK_CONTAINS(got, "\"k\":\"key-000007\",\"window_start\":\"1970-01-01 00:00:00\","
                            "\"window_end\":\"1970-01-01 01:00:00\",\"n\":3,");
        slmem_free(want);
        slmem_free(got);
        collector_free(&ref);
        collector_free(&lim);
        collector_free(&rk);
    }
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

TEST(rocksdb_localdir_is_used_and_cleaned) {
    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/sluice-localdir-%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    collector c;
    collector_init(&c);
    run_opts ro = {"RocksDB", NULL, dir, 2};
    CHECK_INT(run_job(&ro, &c), SL_OK);
    CHECK_INT(c.rows, N_KEYS);
    CHECK_INT(count_entries(dir), 0); /* the run's directory is gone, localdir stays */
    rmdir(dir);
    collector_free(&c);
    /* A localdir that cannot be created fails the run with an I/O error. */
    collector_init(&c);
    run_opts bad = {"rocksdb", NULL, "/proc/sluice/no", 1};
    CHECK_INT(run_job(&bad, &c), SL_ERR_IO);
    CHECK_CONTAINS(sl_errmsg(), "state.backend.rocksdb.localdir");
    collector_free(&c);
}

TEST(options) {
    sl_job *j;
    sl_job_new(&j);
    CHECK_INT(sl_job_set(j, "state.backend", "hashmap"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend", "memory"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend.type", "rocksdb"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend", "filesystem"), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "option 'state.backend': expected 'memory' (or 'hashmap') or "
                                "'rocksdb', got 'filesystem'");
    CHECK_INT(sl_job_set(j, "state.backend.memory.max-bytes", "64 mb"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend.memory.max-bytes", "1GB"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend.memory.max-bytes", "4096"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend.memory.max-bytes", "12 parsecs"), SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "expected a memory size such as '64 mb'");
    CHECK_INT(sl_job_set(j, "state.backend.memory.max-bytes", ""), SL_ERR_ARG);
    CHECK_INT(sl_job_set(j, "state.backend.memory.max-bytes", "99999999999999999999"), SL_ERR_ARG);
    CHECK_INT(sl_job_set(j, "state.backend.memory.max-bytes", "17179869184 gb"), SL_ERR_ARG);
    CHECK_INT(sl_job_set(j, "state.backend.rocksdb.block.cache-size", "8mb"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend.rocksdb.writebuffer.size", "2 mb"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend.rocksdb.localdir", "/tmp"), SL_OK);
    CHECK_INT(sl_job_set(j, "state.backend.rocksdb.nonsense", "1"), SL_ERR_NOTFOUND);
    sl_job_free(j);
}

TEST(memory_limit_not_reached) {
    collector c;
    collector_init(&c);
    run_opts ro = {"memory", "1 gb", NULL, 1};
    CHECK_INT(run_job(&ro, &c), SL_OK);
    CHECK_INT(c.rows, N_KEYS);
    collector_free(&c);
}
