/*
 * ckpt_bench.c - what checkpoints cost (not a test; docs/checkpoints.md).
 *
 * Part 1, state snapshots: for each key count (default 100,000 and
 * 1,000,000; 8-byte keys, 24-byte values) and each backend, one state is
 * filled, then
 *   snapshot 1     the first snapshot (slstate_snapshot): time and bytes on disk
 *   snapshot 2     after 1% of the keys changed: time and bytes newly written
 *                  (RocksDB shares unchanged SST files through hard links:
 *                  only files with one link are new)
 *   restore        a fresh state loading every key group from snapshot 2
 * Part 2, a job: a generator of --rows rows (default 2M) over --keys-job keys
 * (default 100,000) into a
 * keyed tumbling-window COUNT/SUM (one window for the whole run, so its state
 * is the keys) and a discarding sink, without checkpoints and with a
 * checkpoint every second, for both backends: rows per second and the
 * checkpoints taken.
 *
 *   usage: ckpt_bench [--keys N[,N...]] [--rows N] [--keys-job N] [--dir DIR]
 * The snapshot directory defaults to $TMPDIR or /tmp (on the same file system
 * as RocksDB's working directory, so RocksDB can hard-link).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

static double ms_since(int64_t t0) {
    return (double)(slclock_mono_us() - t0) / 1e3;
}

/* Bytes of the files under path; `fresh`: only files with one link. */
static uint64_t disk_bytes(const char *path, bool fresh) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        return !fresh || st.st_nlink == 1 ? (uint64_t)st.st_size : 0;
    }
    uint64_t n = 0;
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", path, de->d_name);
        n += disk_bytes(p, fresh);
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static slrocks_env *env;

static slstate *new_state(int backend, int seq) {
    if (backend == 0) {
        return slstate_memory_new(128);
    }
    if (!env) {
        slrocks_conf rc = {0};
        if (slrocks_env_new(&rc, &env) != SL_OK) {
            fprintf(stderr, "rocksdb: %s\n", sl_errmsg());
            exit(1);
        }
    }
    char name[32];
    snprintf(name, sizeof name, "b%d", seq);
    slstate *s = NULL;
    if (slstate_rocksdb_new(env, name, 128, &s) != SL_OK) {
        fprintf(stderr, "rocksdb: %s\n", sl_errmsg());
        exit(1);
    }
    return s;
}

static void fill(slstate *s, uint64_t n, uint64_t step, uint64_t salt) {
    slkv *t = slstate_table(s, "acc", 24);
    for (uint64_t k = 0; k < n; k += step) {
        bool created;
        uint64_t *v = slkv_upsert(t, 0, &k, 8, slhash_u64(k), &created);
        v[0] = k;
        v[1] = k ^ salt;
        v[2] = salt;
        slkv_release(t, v, true);
        if ((k / step) % 1024 == 1023) {
            slstate_unpin_all(s);
        }
    }
    slstate_unpin_all(s);
}

static void part1(const uint64_t *keys, int n_keys, const char *dir) {
    static const char *names[2] = {"memory", "rocksdb"};
    printf("state snapshots (8-byte keys, 24-byte values)\n");
    printf("%-8s %10s %12s %10s %12s %10s %10s\n", "backend", "keys", "snap1 ms", "snap1 MB",
           "snap2 ms", "new MB", "restore ms");
    int seq = 0;
    for (int i = 0; i < n_keys; i++) {
        for (int b = 0; b < 2; b++) {
            char p1[4096], p2[4096];
            snprintf(p1, sizeof p1, "%s/ckb-%d-%d-1", dir, (int)getpid(), seq);
            snprintf(p2, sizeof p2, "%s/ckb-%d-%d-2", dir, (int)getpid(), seq);
            slstate *s = new_state(b, seq++);
            fill(s, keys[i], 1, 0);
            int64_t t0 = slclock_mono_us();
            if (slstate_snapshot(s, p1) != SL_OK) {
                fprintf(stderr, "snapshot: %s\n", sl_errmsg());
                exit(1);
            }
            double ms1 = ms_since(t0);
            uint64_t b1 = disk_bytes(p1, false);
            fill(s, keys[i], 100, 1); /* 1% of the keys change */
            t0 = slclock_mono_us();
            if (slstate_snapshot(s, p2) != SL_OK) {
                fprintf(stderr, "snapshot: %s\n", sl_errmsg());
                exit(1);
            }
            double ms2 = ms_since(t0);
            uint64_t b2 = disk_bytes(p2, b == 1);
            slstate_free(s);
            slstate *r = new_state(b, seq++);
            const char *paths[] = {p2};
            t0 = slclock_mono_us();
            if (slstate_restore(r, paths, 1, 0, 128) != SL_OK) {
                fprintf(stderr, "restore: %s\n", sl_errmsg());
                exit(1);
            }
            slstate_unpin_all(r);
            double ms3 = ms_since(t0);
            slstate_free(r);
            printf("%-8s %10llu %12.1f %10.1f %12.1f %10.1f %10.1f\n", names[b],
                   (unsigned long long)keys[i], ms1, (double)b1 / 1e6, ms2, (double)b2 / 1e6,
                   ms3);
            fflush(stdout);
            slsnap_remove_tree(p1);
            slsnap_remove_tree(p2);
        }
    }
}

/* ---- part 2: a job ---- */

typedef struct genarg {
    uint64_t rows, keys;
} genarg;

static sl_gen_status gen(uint64_t i0, sl_cols *c, void *user) {
    genarg *g = user;
    uint32_t n = sl_cols_room(c);
    if (i0 + n > g->rows) {
        n = (uint32_t)(g->rows - i0);
    }
    int64_t *k = sl_cols_bigint(c, 0), *v = sl_cols_bigint(c, 1), *ts = sl_cols_time(c);
    for (uint32_t j = 0; j < n; j++) {
        uint64_t i = i0 + j;
        k[j] = (int64_t)((i * UINT64_C(2654435761)) % g->keys);
        v[j] = (int64_t)(i & 1023);
        ts[j] = (int64_t)i; /* one microsecond apart: one hour window for the run */
    }
    sl_cols_emit(c, n);
    return i0 + n >= g->rows ? SL_GEN_END : SL_GEN_MORE;
}

static void discard(const sl_row *r, void *user) {
    (void)r;
    (void)user;
}

static void part2(uint64_t rows, uint64_t keys, const char *dir) {
    printf("\njob: %llu rows over %llu keys, keyed tumbling window (COUNT, SUM), discarded\n",
           (unsigned long long)rows, (unsigned long long)keys);
    printf("%-8s %-14s %12s %8s %12s\n", "backend", "checkpoints", "rows/s", "taken", "failed");
    static const char *backends[2] = {"memory", "rocksdb"};
    for (int b = 0; b < 2; b++) {
        for (int ck = 0; ck < 2; ck++) {
            sl_job *job;
            sl_job_new(&job);
            sl_schema *s;
            sl_schema_new(&s);
            sl_schema_add(s, "k", SL_BIGINT);
            sl_schema_add(s, "v", SL_BIGINT);
            genarg g = {rows, keys};
            sl_stream *src, *keyed, *win;
            sl_job_source_gen_batch(job, s, gen, &g, &src);
            sl_job_set(job, "state.backend", backends[b]);
            char cdir[4096];
            snprintf(cdir, sizeof cdir, "%s/ckb-job-%d", dir, (int)getpid());
            if (ck) {
                sl_job_set(job, "state.checkpoints.dir", cdir);
                sl_job_set(job, "execution.checkpointing.interval", "1s");
            }
            sl_stream_key_by(src, "k", &keyed);
            sl_window_spec w = sl_window_tumble(3600LL * SL_SECOND);
            sl_agg aggs[] = {{SL_AGG_COUNT, NULL, "n", NULL}, {SL_AGG_SUM, "v", "s", NULL}};
            sl_stream_window(keyed, &w, aggs, 2, &win);
            sl_stream_foreach(win, discard, NULL);
            int64_t t0 = slclock_mono_us();
            sl_err err = sl_job_run(job);
            double secs = (double)(slclock_mono_us() - t0) / 1e6;
            sl_metrics m;
            sl_job_metrics(job, &m);
            if (err) {
                fprintf(stderr, "job: %s\n", sl_errmsg());
            }
            printf("%-8s %-14s %12.0f %8llu %12llu\n", backends[b], ck ? "every 1 s" : "off",
                   (double)rows / secs, (unsigned long long)m.checkpoints_completed,
                   (unsigned long long)m.checkpoints_failed);
            fflush(stdout);
            sl_job_free(job);
            sl_schema_free(s);
            slsnap_remove_tree(cdir);
        }
    }
}

int main(int argc, char **argv) {
    uint64_t keys[8] = {100000, 1000000};
    int n_keys = 2;
    uint64_t rows = 2000000, keys_job = 100000;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc) {
            n_keys = 0;
            for (char *p = argv[++i]; *p && n_keys < 8;) {
                keys[n_keys++] = strtoull(p, &p, 10);
                if (*p == ',') {
                    p++;
                }
            }
        } else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            rows = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--keys-job") == 0 && i + 1 < argc) {
            keys_job = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "usage: ckpt_bench [--keys N[,N...]] [--rows N] [--keys-job N] "
                            "[--dir DIR]\n");
            return 2;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0755) != 0) {
        fprintf(stderr, "ckpt_bench: cannot create the directory '%s'\n", dir);
        return 1;
    }
    part1(keys, n_keys, dir);
    part2(rows, keys_job, dir);
    slrocks_env_free(env);
    return 0;
}
