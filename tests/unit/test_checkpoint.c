/*
 * test_checkpoint.c - checkpoints through the public API: two generator
 * sources (even and odd numbers) unioned, rebalanced to two subtasks that
 * write one file with the exactly-once file sink. A run is stopped midway
 * (after a checkpoint completed, with rows written since) and run again on
 * the same checkpoint directory: the file then holds every number exactly
 * once. Also: the final checkpoint makes a rerun of a finished job a no-op;
 * a corrupt newest checkpoint falls back to the previous one; a checkpoint
 * of another job is refused; AT_LEAST_ONCE completes; options and their
 * errors. No sleeps: the generators wait (SL_GEN_IDLE) for checkpoints to
 * appear on disk.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "state/state.h"
#include "test.h"

enum { N = 3000 };

typedef struct genctx {
    sl_job *job;
    const char *dir;
    int parity;
    uint64_t stop_at;  /* stop the job when this index is reached (0: never) */
    uint64_t wait_at;  /* wait for a complete checkpoint at this index (0: never) */
    int64_t seen_ckpt; /* newest complete checkpoint when waiting began */
    uint64_t wait2_at; /* a second wait, for a checkpoint newer than the first */
    int64_t seen2;
    bool sabotage; /* at wait2_at: make the next checkpoints' directories unwritable */
    bool sabotaged;
} genctx;

static int64_t newest_complete(const char *dir) {
    DIR *d = opendir(dir);
    int64_t best = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, "chk-", 4) == 0) {
            char p[600];
            snprintf(p, sizeof p, "%s/%s/_metadata", dir, de->d_name);
            int64_t id = atoll(de->d_name + 4);
            if (access(p, F_OK) == 0 && id > best) {
                best = id;
            }
        }
    }
    if (d) {
        closedir(d);
    }
    return best;
}

/* A batch generator: i0 is the number of rows made so far (restored from
 * the checkpoint), so rows are a function of their index. */
static sl_gen_status gen(uint64_t i0, sl_cols *c, void *user) {
    genctx *g = user;
    if (g->wait_at && i0 >= g->wait_at) {
        if (!g->seen_ckpt) {
            g->seen_ckpt = newest_complete(g->dir) + 1; /* wait for a newer one */
        }
        if (newest_complete(g->dir) < g->seen_ckpt) {
            return SL_GEN_IDLE;
        }
    }
    if (g->sabotage && !g->sabotaged && g->wait2_at && i0 >= g->wait2_at) {
        /* Files where the next checkpoints' directories go: those
         * checkpoints fail (as on a full disk), the job goes on. */
        g->sabotaged = true;
        int64_t n = newest_complete(g->dir);
        for (int64_t k = n + 2; k < n + 6; k++) {
            char p[600];
            snprintf(p, sizeof p, "%s/chk-%lld", g->dir, (long long)k);
            slsnap_write_file(p, "x", 1);
        }
    }
    if (g->wait2_at && i0 >= g->wait2_at) {
        if (!g->seen2) {
            g->seen2 = newest_complete(g->dir) + 1;
        }
        if (newest_complete(g->dir) < g->seen2) {
            return SL_GEN_IDLE;
        }
    }
    if (g->stop_at && i0 >= g->stop_at) {
        sl_job_stop(g->job);
        return SL_GEN_IDLE;
    }
    uint32_t n = sl_cols_room(c);
    if (n > 50) {
        n = 50; /* small steps: checkpoints land between them */
    }
    uint64_t lim = g->wait_at && i0 < g->wait_at     ? g->wait_at
                   : g->wait2_at && i0 < g->wait2_at ? g->wait2_at
                   : g->stop_at && i0 < g->stop_at ? g->stop_at
                                                    : N;
    if (i0 + n > lim) {
        n = (uint32_t)(lim > i0 ? lim - i0 : 0);
    }
    if (i0 + n > N) {
        n = (uint32_t)(N > i0 ? N - i0 : 0);
    }
    int64_t *v = sl_cols_bigint(c, 0);
    for (uint32_t k = 0; k < n; k++) {
        v[k] = (int64_t)((i0 + k) * 2 + (uint64_t)g->parity);
    }
    sl_cols_emit(c, n);
    return i0 + n >= N ? SL_GEN_END : SL_GEN_MORE;
}

static char dir[256], out[300];
static sl_metrics last_metrics; /* of the last run */

static sl_err run(genctx *a, genctx *b, const char *mode, bool other_job) {
    sl_job *job;
    sl_job_new(&job);
    a->job = b->job = job;
    a->dir = b->dir = dir;
    sl_schema *s = schema_of("n BIGINT");
    sl_job_set(job, "state.checkpoints.dir", dir);
    sl_job_set(job, "execution.checkpointing.interval", "1ms");
    sl_job_set(job, "state.checkpoints.num-retained", "3");
    if (mode) {
        sl_job_set(job, "execution.checkpointing.mode", mode);
    }
    sl_stream *x, *y, *u;
    sl_job_source_gen_batch(job, s, gen, a, &x);
    if (other_job) {
        u = x; /* source y's position has no operator to go to: refused */
    } else {
        sl_job_source_gen_batch(job, s, gen, b, &y);
        sl_stream_union(x, y, &u);
    }
    sl_stream_parallelism(u, 2);
    sl_stream_write_file(u, out, SL_FORMAT_CSV);
    sl_err err = sl_job_run(job);
    sl_job_metrics(job, &last_metrics);
    sl_job_free(job);
    sl_schema_free(s);
    return err;
}

/* The file holds 0 .. 2N-1 exactly once. */
static void check_output(void) {
    slbuf f = {0};
    CHECK(slsnap_read_file(out, &f) == SL_OK);
    char *seen = slmem_calloc(2 * N, 1);
    int lines = 0, dup = 0, bad = 0;
    for (const char *p = f.data, *e = f.data + f.len; p && p < e;) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *comma = memchr(p, ',', (size_t)((nl ? nl : e) - p)); /* "+I,<n>" */
        long v = comma ? strtol(comma + 1, NULL, 10) : -1;
        if (v < 0 || v >= 2 * N) {
            bad++;
        } else if (seen[v]++) {
            dup++;
        }
        lines++;
        p = nl ? nl + 1 : e;
    }
    CHECK_INT(lines, 2 * N);
    CHECK_INT(dup, 0);
    CHECK_INT(bad, 0);
    slmem_free(seen);
    slbuf_free(&f);
}

static void fresh(const char *name) {
    snprintf(dir, sizeof dir, "/tmp/sl-cktest-%d-%s", (int)getpid(), name);
    snprintf(out, sizeof out, "%s-out.csv", dir);
    slsnap_remove_tree(dir);
    unlink(out);
}

static void done(void) {
    slsnap_remove_tree(dir);
    unlink(out);
}

TEST(uninterrupted_run_writes_everything_once) {
    fresh("plain");
    genctx a = {.parity = 0}, b = {.parity = 1};
    CHECK(run(&a, &b, NULL, false) == SL_OK);
    check_output();
    CHECK(newest_complete(dir) > 0); /* the final checkpoint */
    /* A rerun restores the final checkpoint: nothing new, nothing twice. */
    genctx a2 = {.parity = 0}, b2 = {.parity = 1};
    CHECK(run(&a2, &b2, NULL, false) == SL_OK);
    check_output();
    done();
}

TEST(stopped_and_resumed_exactly_once) {
    fresh("resume");
    /* Stop after a checkpoint completed past row 1000 and more rows came. */
    genctx a = {.parity = 0, .wait_at = 1000, .stop_at = 1500};
    genctx b = {.parity = 1, .wait_at = 700};
    CHECK(run(&a, &b, NULL, false) == SL_OK);
    CHECK(newest_complete(dir) > 0);
    genctx a2 = {.parity = 0, .wait_at = 2000, .stop_at = 2500}, b2 = {.parity = 1};
    CHECK(run(&a2, &b2, NULL, false) == SL_OK);
    genctx a3 = {.parity = 0}, b3 = {.parity = 1};
    CHECK(run(&a3, &b3, NULL, false) == SL_OK);
    check_output();
    done();
}

TEST(corrupt_newest_checkpoint_falls_back) {
    fresh("corrupt");
    genctx a = {.parity = 0, .wait_at = 800, .wait2_at = 1200, .stop_at = 1600};
    genctx b = {.parity = 1};
    CHECK(run(&a, &b, NULL, false) == SL_OK);
    int64_t id = newest_complete(dir);
    CHECK(id > 1);
    char p[600];
    snprintf(p, sizeof p, "%s/chk-%lld/_metadata", dir, (long long)id);
    slbuf f = {0};
    CHECK(slsnap_read_file(p, &f) == SL_OK);
    f.data[f.len / 2] ^= 0x55;
    CHECK(slsnap_write_file(p, f.data, f.len) == SL_OK);
    slbuf_free(&f);
    genctx a2 = {.parity = 0}, b2 = {.parity = 1};
    CHECK(run(&a2, &b2, NULL, false) == SL_OK);
    check_output();
    done();
}

TEST(failed_checkpoints_do_not_fail_the_job) {
    fresh("sabotage");
    genctx a = {.parity = 0, .wait_at = 500, .wait2_at = 1000, .sabotage = true};
    genctx b = {.parity = 1};
    CHECK(run(&a, &b, NULL, false) == SL_OK);
    check_output();
    CHECK(newest_complete(dir) > 6); /* later checkpoints, and the final one, completed */
    CHECK(last_metrics.checkpoints_failed >= 3);
    CHECK(last_metrics.checkpoints_completed >= 2);
    CHECK_INT(last_metrics.checkpoint_id, newest_complete(dir));
    done();
}

TEST(checkpoint_of_another_job_is_refused) {
    fresh("other");
    genctx a = {.parity = 0, .wait_at = 500, .stop_at = 600}, b = {.parity = 1};
    CHECK(run(&a, &b, NULL, false) == SL_OK);
    genctx a2 = {.parity = 0}, b2 = {.parity = 1};
    CHECK(run(&a2, &b2, NULL, true) == SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "was taken by a different job");
    done();
}

TEST(at_least_once_mode_runs) {
    fresh("alo");
    genctx a = {.parity = 0, .wait_at = 1000}, b = {.parity = 1};
    CHECK(run(&a, &b, "AT_LEAST_ONCE", false) == SL_OK);
    check_output();
    done();
}

TEST(options) {
    sl_job *job;
    sl_job_new(&job);
    CHECK(sl_job_set(job, "execution.checkpointing.interval", "100ms") == SL_OK);
    CHECK(sl_job_set(job, "execution.checkpointing.timeout", "0s") == SL_ERR_ARG);
    CHECK(sl_job_set(job, "execution.checkpointing.timeout", "1 min") == SL_OK);
    CHECK(sl_job_set(job, "execution.checkpointing.min-pause", "50 ms") == SL_OK);
    CHECK(sl_job_set(job, "execution.checkpointing.mode", "exactly_once") == SL_OK);
    CHECK(sl_job_set(job, "execution.checkpointing.mode", "sometimes") == SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "AT_LEAST_ONCE");
    CHECK(sl_job_set(job, "state.checkpoints.num-retained", "0") == SL_ERR_ARG);
    CHECK(sl_job_set(job, "state.checkpoints.dir", "file:///tmp/x") == SL_OK);
    sl_job_free(job);
    /* An interval without a directory: refused when the job starts. */
    sl_job_new(&job);
    sl_schema *s = schema_of("n BIGINT");
    genctx a = {.parity = 0};
    sl_stream *x;
    sl_job_source_gen_batch(job, s, gen, &a, &x);
    sl_stream_print(x, SL_FORMAT_JSON);
    sl_job_set(job, "execution.checkpointing.interval", "1s");
    CHECK(sl_job_run(job) == SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "state.checkpoints.dir");
    sl_job_free(job);
    sl_schema_free(s);
}
