/*
 * checkpoint.c - checkpoints of a running job (DESIGN.md section 6,
 * docs/checkpoints.md): the coordinator thread, the workers' snapshot,
 * acknowledgement and restore steps, the metadata file, recovery.
 *
 * Protocol. The coordinator triggers checkpoint n (every
 * execution.checkpointing.interval, at least min-pause after the previous
 * one ended, one at a time) by creating <dir>/chk-n/ and publishing n in
 * ck.trigger. Each source task, between reads, snapshots its chain (source
 * position first, then its chained operators) and injects barrier n into all
 * its output channels (task.c). A task with input channels aligns the
 * barriers (exactly-once; AT_LEAST_ONCE does not block channels), snapshots
 * its chain, acknowledges, forwards the barrier. When every task has
 * acknowledged, the coordinator writes chk-n/_metadata.tmp, fsyncs it and
 * renames it to chk-n/_metadata: the commit. Workers see ck.completed move
 * and call checkpoint_done on their own thread between elements. A
 * checkpoint still pending after execution.checkpointing.timeout is aborted
 * (its barriers still flow, so alignment always ends; acks of an aborted
 * checkpoint are ignored). Any failure (full disk, unwritable directory, a
 * hook's error) fails the checkpoint, counted and warned, never the job.
 *
 * End of input. A task whose inputs ended (task_finish done) keeps
 * answering checkpoints from its final state until every task has finished;
 * then the coordinator takes one last checkpoint at once, the final one, and
 * when it commits the tasks deliver checkpoint_done (sinks publish their
 * last rows) and exit. A rerun after that restores the final checkpoint:
 * sources are at their end, nothing is emitted twice. If the final
 * checkpoint cannot be taken (eight tries, one interval apart), the job fails: what was written
 * since the last complete checkpoint stays unpublished and a rerun resumes.
 *
 * Metadata file, format version 2 (host byte order, like the state files):
 *   "SLCK" [u32 version = 2][u64 job fingerprint][i64 checkpoint id]
 *   [u8 final][u8 state backend][u32 n_key_groups][u32 n_nodes]
 *   per node: [u64 uid][u32 name length][name][u32 parallelism] then per subtask:
 *     [u32 blob length][blob: opstate or source position]
 *     [u32 state name length][state name, relative to chk-n/ (0: no state)]
 *     [u32 n_files] per file: [u32 length][path relative to chk-n/][u64 size][u64 checksum]
 *   [u64 checksum of every byte before]
 * File checksums: slhash_bytes chained over 1 MiB blocks (seed 0x5c). The
 * fingerprint hashes the graph: node names, kinds, keyed flags, inputs,
 * output column types, edges with partitioning and key columns, the number
 * of key groups and the state backend. Parallelism is not part of it: a
 * restore may rescale (keyed state by key group, opstate blobs to the hooks).
 *
 * Operator identifiers. A node's uid hashes what its state depends on: its
 * name (for SQL, the operator and its arguments: keys, aggregates, window),
 * kind, keyed flag, number of inputs and main output column types, plus its rank
 * among nodes with the same hash. When the fingerprint differs (the query
 * changed), state goes to the node of the same uid, as Flink matches
 * operator uids: operators that did not change keep their state, new ones
 * start empty; a checkpoint holding state of an operator the job no longer
 * has is refused (SL_ERR_ARG naming it), rather than dropped or misread.
 *
 * Recovery (slck_init): the chk-n directories with a _metadata are tried
 * newest first; one whose metadata or files do not verify (bad checksum,
 * wrong size, missing file) is reported on stderr and the previous one
 * tried. Directories newer than the one restored are deleted (incomplete or
 * unusable). Checkpoint ids continue after the highest id seen.
 *
 * Threads: slck_init/start/stop/free on the runtime's thread; slck_task_*
 * on the task's worker; the coordinator thread owns the commit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/rt_int.h"

#define META_VERSION 2u
#define POLL_US 5000
#define FINAL_TRIES 8
#define DEFAULT_TIMEOUT_US (600 * SL_SECOND)
#define DEFAULT_INTERVAL_US SL_SECOND

static bool rt_cancelled(const slrt *rt) {
    return __atomic_load_n(&rt->cancel, __ATOMIC_ACQUIRE) != 0;
}

/* ---- small helpers ---- */

static void put_u32(slbuf *b, uint32_t v) {
    slbuf_put(b, &v, 4);
}
static void put_u64(slbuf *b, uint64_t v) {
    slbuf_put(b, &v, 8);
}
static void put_str(slbuf *b, const char *s, size_t n) {
    put_u32(b, (uint32_t)n);
    slbuf_put(b, s, n);
}

typedef struct rd {
    const char *p, *end;
    bool bad;
} rd;

static void rd_take(rd *r, void *out, size_t n) {
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
}
static uint32_t rd_u32(rd *r) {
    uint32_t v;
    rd_take(r, &v, 4);
    return v;
}
static uint64_t rd_u64(rd *r) {
    uint64_t v;
    rd_take(r, &v, 8);
    return v;
}
static const char *rd_bytes(rd *r, uint32_t n) {
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const char *at = r->p;
    r->p += n;
    return at;
}

static void chk_dir(const slck *ck, int64_t id, slbuf *out) {
    slbuf_reset(out);
    slbuf_printf(out, "%s/chk-%lld", ck->dir, (long long)id);
}

/* Size and checksum of a file. */
static sl_err file_sum(const char *path, uint64_t *size, uint64_t *sum) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return slerr_set(SL_ERR_IO, "'%s': %s", path, strerror(errno));
    }
    enum { BLOCK = 1 << 20 };
    char *buf = slmem_alloc(BLOCK);
    uint64_t h = 0x5c, n = 0;
    sl_err err = SL_OK;
    for (;;) {
        ssize_t k = read(fd, buf, BLOCK);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            err = slerr_set(SL_ERR_IO, "'%s': %s", path, strerror(errno));
            break;
        }
        if (k == 0) {
            break;
        }
        h = slhash_bytes(buf, (size_t)k, h);
        n += (uint64_t)k;
    }
    slmem_free(buf);
    close(fd);
    *size = n;
    *sum = h;
    return err;
}

/* Append to `meta` the file list of state snapshot `name` in chk dir `base`:
 * the file itself, or every file of the directory. */
static sl_err list_files(const char *base, const char *name, slbuf *meta) {
    slbuf p = {0};
    slbuf_printf(&p, "%s/%s", base, name);
    struct stat st;
    sl_err err = SL_OK;
    if (stat(slbuf_cstr(&p), &st) != 0) {
        err = slerr_set(SL_ERR_IO, "'%s': %s", slbuf_cstr(&p), strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        uint64_t size, sum;
        if ((err = file_sum(slbuf_cstr(&p), &size, &sum))) {
            goto out;
        }
        put_u32(meta, 1);
        put_str(meta, name, strlen(name));
        put_u64(meta, size);
        put_u64(meta, sum);
        goto out;
    }
    DIR *d = opendir(slbuf_cstr(&p));
    if (!d) {
        err = slerr_set(SL_ERR_IO, "'%s': %s", slbuf_cstr(&p), strerror(errno));
        goto out;
    }
    slbuf names = {0};
    uint32_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        slbuf f = {0};
        slbuf_printf(&f, "%s/%s", slbuf_cstr(&p), de->d_name);
        uint64_t size, sum;
        err = file_sum(slbuf_cstr(&f), &size, &sum);
        slbuf_free(&f);
        if (err) {
            break;
        }
        slbuf rel = {0};
        slbuf_printf(&rel, "%s/%s", name, de->d_name);
        put_str(&names, rel.data, rel.len);
        put_u64(&names, size);
        put_u64(&names, sum);
        slbuf_free(&rel);
        n++;
    }
    closedir(d);
    if (!err) {
        put_u32(meta, n);
        if (names.len) {
            slbuf_put(meta, names.data, names.len);
        }
    }
    slbuf_free(&names);
out:
    slbuf_free(&p);
    return err;
}

/* ---- fingerprint ---- */

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    return slhash_bytes(n ? p : "", n, h);
}

static uint64_t fingerprint(const slgraph *g, int n_kg) {
    uint64_t h = 0x51ce;
    h = mix(h, &g->n_nodes, sizeof g->n_nodes);
    for (int i = 0; i < g->n_nodes; i++) {
        const slnode *n = g->nodes[i];
        h = mix(h, n->name, strlen(n->name));
        int k[3] = {(int)n->kind, n->keyed, n->n_inputs};
        h = mix(h, k, sizeof k);
        for (int p = 0; p < SL_MAX_PORTS; p++) {
            const sl_schema *s = n->out[p];
            int cols = s ? s->n : -1;
            h = mix(h, &cols, sizeof cols);
            for (int c = 0; s && c < s->n; c++) {
                int ty = (int)s->fields[c].type;
                h = mix(h, &ty, sizeof ty);
            }
        }
    }
    for (int e = 0; e < g->n_edges; e++) {
        const sledge *x = &g->edges[e];
        int v[6] = {x->from, x->from_port, x->to, x->to_input, (int)x->part, x->key.n};
        h = mix(h, v, sizeof v);
        h = mix(h, x->key.cols, sizeof(int) * (size_t)SL_MAX(0, x->key.n));
    }
    int tail[2] = {n_kg, (int)g->conf.state_backend};
    return mix(h, tail, sizeof tail);
}

static uint64_t uid_base(const slnode *n) {
    uint64_t h = mix(0x0d1d, n->name, strlen(n->name));
    int k[3] = {(int)n->kind, n->keyed, n->n_inputs};
    h = mix(h, k, sizeof k);
    /* The main output's column types (side outputs, such as late rows with
     * the input's columns, may change with a projection upstream). */
    const sl_schema *sc = n->out[0];
    int cols = sc ? sc->n : -1;
    h = mix(h, &cols, sizeof cols);
    for (int c = 0; sc && c < sc->n; c++) {
        int ty = (int)sc->fields[c].type;
        h = mix(h, &ty, sizeof ty);
    }
    return h;
}

/* The uid of node i (see the file comment). */
static uint64_t node_uid(const slgraph *g, int i) {
    uint64_t base = uid_base(g->nodes[i]);
    int rank = 0;
    for (int j = 0; j < i; j++) {
        rank += uid_base(g->nodes[j]) == base;
    }
    return mix(base, &rank, sizeof rank);
}

/* ---- metadata ---- */

static sl_err write_metadata(slrt *rt, int64_t id, bool final) {
    slck *ck = &rt->ck;
    const slgraph *g = rt->g;
    slbuf base = {0}, meta = {0}, tmp = {0}, fin = {0};
    chk_dir(ck, id, &base);
    slbuf_put(&meta, "SLCK", 4);
    put_u32(&meta, META_VERSION);
    put_u64(&meta, ck->fingerprint);
    put_u64(&meta, (uint64_t)id);
    slbuf_putc(&meta, final ? 1 : 0);
    slbuf_putc(&meta, (char)g->conf.state_backend);
    put_u32(&meta, (uint32_t)rt->n_kg);
    put_u32(&meta, (uint32_t)g->n_nodes);
    sl_err err = SL_OK;
    for (int n = 0; n < g->n_nodes && !err; n++) {
        put_u64(&meta, node_uid(g, n));
        put_str(&meta, g->nodes[n]->name, strlen(g->nodes[n]->name));
        put_u32(&meta, (uint32_t)rt->par[n]);
        for (int s = 0; s < rt->par[n] && !err; s++) {
            slck_sub *x = &ck->subs[n][s];
            put_str(&meta, x->blob.data ? x->blob.data : "", x->blob.len);
            if (x->state) {
                put_str(&meta, x->state, strlen(x->state));
                err = list_files(slbuf_cstr(&base), x->state, &meta);
            } else {
                put_u32(&meta, 0);
                put_u32(&meta, 0);
            }
        }
    }
    if (!err) {
        put_u64(&meta, slhash_bytes(meta.data, meta.len, 0x5c));
        slbuf_printf(&tmp, "%s/_metadata.tmp", slbuf_cstr(&base));
        slbuf_printf(&fin, "%s/_metadata", slbuf_cstr(&base));
        err = slsnap_write_file(slbuf_cstr(&tmp), meta.data, meta.len);
        if (!err && rename(slbuf_cstr(&tmp), slbuf_cstr(&fin)) != 0) {
            err = slerr_set(SL_ERR_IO, "cannot rename '%s': %s", slbuf_cstr(&tmp),
                            strerror(errno));
        }
        if (!err) {
            slsnap_sync_dir(slbuf_cstr(&base));
            slsnap_sync_dir(ck->dir);
        }
    }
    slbuf_free(&base);
    slbuf_free(&meta);
    slbuf_free(&tmp);
    slbuf_free(&fin);
    return err;
}

static void restore_free(slrt *rt, slck_restore *r) {
    if (!r) {
        return;
    }
    for (int n = 0; n < rt->g->n_nodes; n++) {
        for (int s = 0; s < r[n].n; s++) {
            slbuf_free(&r[n].blobs[s]);
            slmem_free(r[n].state_paths[s]);
        }
        slmem_free(r[n].blobs);
        slmem_free(r[n].state_paths);
    }
    slmem_free(r);
}

/* Read and verify chk-id: metadata checksum, fingerprint, every file. On
 * success *out holds what the instances restore. SL_ERR_ARG: another job's
 * checkpoint (not to be skipped); other errors: this checkpoint is unusable. */
static sl_err load_dir(slrt *rt, const char *dir, int64_t *id, slck_restore **out);

static sl_err load_checkpoint(slrt *rt, int64_t id, slck_restore **out) {
    slbuf base = {0};
    chk_dir(&rt->ck, id, &base);
    int64_t got = id;
    sl_err err = load_dir(rt, slbuf_cstr(&base), &got, out);
    slbuf_free(&base);
    return err;
}

/* Load the checkpoint (or savepoint) in directory `dir`. *id: the id it must
 * have (0: any; set to the id found). */
static sl_err load_dir(slrt *rt, const char *dir, int64_t *id, slck_restore **out) {
    slck *ck = &rt->ck;
    const slgraph *g = rt->g;
    *out = NULL;
    slbuf base = {0}, path = {0}, f = {0};
    slbuf_puts(&base, dir);
    slbuf_printf(&path, "%s/_metadata", slbuf_cstr(&base));
    slck_restore *r = NULL;
    slck_restore *old = NULL; /* the checkpoint's nodes, before matching */
    int n_old = 0;
    sl_err err = slsnap_read_file(slbuf_cstr(&path), &f);
    if (err) {
        goto out;
    }
    uint64_t want = 0;
    if (f.len >= 16) {
        memcpy(&want, f.data + f.len - 8, 8);
    }
    if (f.len < 16 || slhash_bytes(f.data, f.len - 8, 0x5c) != want) {
        err = slerr_set(SL_ERR_PARSE, "'%s': bad checksum (truncated or corrupt)",
                        slbuf_cstr(&path));
        goto out;
    }
    rd x = {f.data, f.data + f.len - 8, false};
    char magic[4];
    rd_take(&x, magic, 4);
    uint32_t version = rd_u32(&x);
    if (x.bad || memcmp(magic, "SLCK", 4) != 0 || version != META_VERSION) {
        err = slerr_set(SL_ERR_PARSE, "'%s': not a checkpoint metadata file of version %u",
                        slbuf_cstr(&path), META_VERSION);
        goto out;
    }
    uint64_t fp = rd_u64(&x);
    int64_t got_id = (int64_t)rd_u64(&x);
    char flags[2];
    rd_take(&x, flags, 2);
    uint32_t n_kg = rd_u32(&x), n_nodes = rd_u32(&x);
    if (x.bad || n_nodes > 1u << 20) {
        err = slerr_set(SL_ERR_PARSE, "'%s': truncated or corrupt", slbuf_cstr(&path));
        goto out;
    }
    if ((int)n_kg != rt->n_kg || flags[1] != (char)g->conf.state_backend) {
        err = slerr_set(SL_ERR_ARG,
                        "the checkpoint in '%s' was taken by a different job (its number of key "
                        "groups or its state backend differ); use another state.checkpoints.dir "
                        "(or remove this one) or a savepoint of this job",
                        dir);
        goto out;
    }
    if (*id == 0) {
        *id = got_id;
    }
    if (got_id != *id) {
        err = slerr_set(SL_ERR_PARSE, "'%s': holds checkpoint %lld", slbuf_cstr(&path),
                        (long long)got_id);
        goto out;
    }
    /* Every node of the checkpoint, then matched to this job's nodes. */
    old = slmem_calloc(n_nodes ? n_nodes : 1, sizeof *old);
    uint64_t *uids = slmem_calloc(n_nodes ? n_nodes : 1, sizeof *uids);
    char **names = slmem_calloc(n_nodes ? n_nodes : 1, sizeof *names);
    bool *stateful = slmem_calloc(n_nodes ? n_nodes : 1, sizeof *stateful);
    n_old = (int)n_nodes;
    for (uint32_t n = 0; n < n_nodes && !x.bad && !err; n++) {
        uids[n] = rd_u64(&x);
        uint32_t nl = rd_u32(&x);
        const char *nm = rd_bytes(&x, nl);
        names[n] = slmem_alloc(nl + 1);
        if (nm && nl) {
            memcpy(names[n], nm, nl);
        }
        names[n][nm ? nl : 0] = 0;
        uint32_t par = rd_u32(&x);
        if (x.bad || par == 0 || par > 65536) {
            x.bad = true;
            break;
        }
        old[n].n = (int)par;
        old[n].blobs = slmem_calloc(par, sizeof *old[n].blobs);
        old[n].state_paths = slmem_calloc(par, sizeof *old[n].state_paths);
        for (uint32_t sb = 0; sb < par && !x.bad && !err; sb++) {
            uint32_t bl = rd_u32(&x);
            const char *b = rd_bytes(&x, bl);
            if (b && bl) {
                slbuf_put(&old[n].blobs[sb], b, bl);
                stateful[n] = true;
            }
            uint32_t sl = rd_u32(&x);
            const char *sn = rd_bytes(&x, sl);
            if (sn && sl) {
                slbuf sp = {0};
                slbuf_printf(&sp, "%s/%.*s", slbuf_cstr(&base), (int)sl, sn);
                old[n].state_paths[sb] = slmem_strdup(slbuf_cstr(&sp));
                slbuf_free(&sp);
                stateful[n] = true;
            }
            uint32_t nf = rd_u32(&x);
            for (uint32_t k = 0; k < nf && !x.bad && !err; k++) {
                uint32_t rl = rd_u32(&x);
                const char *rel = rd_bytes(&x, rl);
                uint64_t size = rd_u64(&x), sum = rd_u64(&x);
                if (x.bad) {
                    break;
                }
                slbuf fp2 = {0};
                slbuf_printf(&fp2, "%s/%.*s", slbuf_cstr(&base), (int)rl, rel);
                uint64_t gs = 0, gsum = 0;
                err = file_sum(slbuf_cstr(&fp2), &gs, &gsum);
                if (!err && (gs != size || gsum != sum)) {
                    err = slerr_set(SL_ERR_PARSE, "'%s': %s", slbuf_cstr(&fp2),
                                    gs != size ? "wrong size (truncated?)" : "bad checksum");
                }
                slbuf_free(&fp2);
            }
        }
    }
    if (!err && (x.bad || x.p != x.end)) {
        err = slerr_set(SL_ERR_PARSE, "'%s': truncated or corrupt", slbuf_cstr(&path));
    }
    if (!err) {
        /* this job's node for each old node (by uid), -1: none */
        r = slmem_calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *r);
        bool same_job = fp == ck->fingerprint && (int)n_nodes == g->n_nodes;
        int matched = 0, fresh = 0;
        for (int n = 0; n < g->n_nodes; n++) {
            int o = -1;
            if (same_job) {
                o = n;
            } else {
                uint64_t u = node_uid(g, n);
                for (int k = 0; k < n_old && o < 0; k++) {
                    o = uids[k] == u && old[k].n ? k : -1;
                }
            }
            if (o >= 0) {
                r[n] = old[o];
                memset(&old[o], 0, sizeof old[o]);
                matched += stateful[o];
            } else {
                fresh++;
            }
        }
        for (int k = 0; k < n_old && !err; k++) {
            if (old[k].n && stateful[k]) {
                err = slerr_set(SL_ERR_ARG,
                                "the checkpoint in '%s' was taken by a different job: it holds "
                                "state of operator '%.200s', which this job does not have (an "
                                "operator keeps its state only while its definition is "
                                "unchanged); use another state.checkpoints.dir (or remove this "
                                "one) or a savepoint of this job",
                                dir, names[k]);
            }
        }
        if (!err && !same_job) {
            fprintf(stderr,
                    "sluice: the job changed since checkpoint %lld: %d operators take their "
                    "state from it, %d start empty\n",
                    (long long)got_id, matched, fresh);
        }
    }
    for (int k = 0; k < n_old; k++) {
        slmem_free(names[k]);
    }
    slmem_free(uids);
    slmem_free(names);
    slmem_free(stateful);
out:
    if (err) {
        restore_free(rt, r);
    } else {
        *out = r;
    }
    for (int k = 0; k < n_old; k++) { /* parts no node took */
        for (int sb = 0; sb < old[k].n; sb++) {
            slbuf_free(&old[k].blobs[sb]);
            slmem_free(old[k].state_paths[sb]);
        }
        slmem_free(old[k].blobs);
        slmem_free(old[k].state_paths);
    }
    slmem_free(old);
    slbuf_free(&base);
    slbuf_free(&path);
    slbuf_free(&f);
    return err;
}

/* The ids of the chk-<n> directories of dir (descending), and which have a
 * _metadata. */
typedef struct chk_list {
    int64_t *ids;
    bool *complete;
    size_t n, cap, cap2;
} chk_list;

static int cmp_desc(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void list_checkpoints(const char *dir, chk_list *l) {
    memset(l, 0, sizeof *l);
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "chk-", 4) != 0) {
            continue;
        }
        char *end;
        long long id = strtoll(de->d_name + 4, &end, 10);
        if (*end || id <= 0) {
            continue;
        }
        slmem_grow((void **)&l->ids, &l->cap, l->n + 1, sizeof *l->ids);
        l->ids[l->n++] = id;
    }
    closedir(d);
    if (l->n) {
        qsort(l->ids, l->n, sizeof *l->ids, cmp_desc);
    }
    l->complete = slmem_calloc(l->n ? l->n : 1, sizeof *l->complete);
    for (size_t i = 0; i < l->n; i++) {
        slbuf p = {0};
        slbuf_printf(&p, "%s/chk-%lld/_metadata", dir, (long long)l->ids[i]);
        l->complete[i] = access(slbuf_cstr(&p), F_OK) == 0;
        slbuf_free(&p);
    }
}

static void remove_chk(const slck *ck, int64_t id) {
    slbuf p = {0};
    chk_dir(ck, id, &p);
    slsnap_remove_tree(slbuf_cstr(&p));
    slbuf_free(&p);
}

/* Keep the newest `keep` complete checkpoints; delete older ones and
 * incomplete ones older than the newest complete one. Coordinator thread. */
static void retain(slrt *rt) {
    slck *ck = &rt->ck;
    int keep = rt->g->conf.ckpt_retained > 0 ? rt->g->conf.ckpt_retained : 1;
    chk_list l;
    list_checkpoints(ck->dir, &l);
    int seen = 0;
    bool newer_complete = false;
    for (size_t i = 0; i < l.n; i++) {
        if (l.ids[i] == ck->pending) {
            continue;
        }
        if (l.complete[i]) {
            if (++seen > keep) {
                remove_chk(ck, l.ids[i]);
            }
            newer_complete = true;
        } else if (newer_complete) {
            remove_chk(ck, l.ids[i]);
        }
    }
    slmem_free(l.ids);
    slmem_free(l.complete);
}

/* ---- set-up ---- */

void slck_prepare(slrt *rt) {
    pthread_mutex_init(&rt->ck.mu, NULL);
    pthread_cond_init(&rt->ck.cv, NULL);
    pthread_cond_init(&rt->ck.fin, NULL);
}

sl_err slck_init(slrt *rt) {
    slck *ck = &rt->ck;
    slconf *conf = &rt->g->conf;
    if (conf->ckpt_interval_us <= 0 && !conf->ckpt_dir) {
        if (conf->savepoint_path) {
            return slerr_set(SL_ERR_ARG,
                             "execution.savepoint.path needs state.checkpoints.dir: the job "
                             "resumed from a savepoint takes checkpoints");
        }
        return SL_OK;
    }
    if (!conf->ckpt_dir) {
        return slerr_set(SL_ERR_ARG,
                         "checkpoints need a directory: set state.checkpoints.dir (SET "
                         "'state.checkpoints.dir' = 'DIR', or sluice run --checkpoint-dir DIR)");
    }
    ck->on = true;
    ck->dir = conf->ckpt_dir;
    for (int n = 0; n < rt->g->n_nodes; n++) {
        const slrt_inst *in = &rt->insts[n][0];
        if (in->src && !in->src->vt->snapshot) {
            return slerr_set(SL_ERR_ARG,
                             "source '%s' cannot rewind (stdin or a source without positions), "
                             "so the job cannot take checkpoints: read a file instead, or run "
                             "without state.checkpoints.dir",
                             rt->g->nodes[n]->name);
        }
    }
    ck->fingerprint = fingerprint(rt->g, rt->n_kg);
    sl_err err = slsnap_mkdirs(ck->dir);
    if (!err) {
        err = slsnap_writer_new(&ck->writer);
    }
    if (err) {
        return slerr_prefix(err, "state.checkpoints.dir");
    }
    chk_list l;
    list_checkpoints(ck->dir, &l);
    ck->next_id = l.n ? l.ids[0] + 1 : 1;
    for (size_t i = 0; i < l.n && !ck->restore; i++) {
        if (!l.complete[i]) {
            continue;
        }
        err = load_checkpoint(rt, l.ids[i], &ck->restore);
        if (err == SL_ERR_ARG) {
            break;
        }
        if (err) {
            fprintf(stderr,
                    "sluice: checkpoint %lld in '%s' is unusable: %s; trying an older one\n",
                    (long long)l.ids[i], ck->dir, sl_errmsg());
            err = SL_OK;
            continue;
        }
        ck->restored_id = l.ids[i];
    }
    if (!err && conf->savepoint_path) {
        if (ck->restored_id) {
            fprintf(stderr,
                    "sluice: execution.savepoint.path ignored: the checkpoints in '%s' are newer "
                    "(this run resumes after a failure)\n",
                    ck->dir);
        } else {
            int64_t sid = 0;
            err = load_dir(rt, conf->savepoint_path, &sid, &ck->restore);
            if (err) {
                err = slerr_prefix(SL_ERR_ARG,
                                   "savepoint '%s' (execution.savepoint.path)",
                                   conf->savepoint_path);
            } else {
                ck->restored_id = sid;
                ck->next_id = SL_MAX(ck->next_id, sid + 1);
                fprintf(stderr, "sluice: starting from savepoint '%s' (checkpoint %lld)\n",
                        conf->savepoint_path, (long long)sid);
                __atomic_store_n(&ck->completed, ck->restored_id, __ATOMIC_RELEASE);
                slmem_free(l.ids);
                slmem_free(l.complete);
                goto subs;
            }
        }
    }
    if (!err) {
        /* Newer directories are incomplete or unusable: remove them so their
         * ids are never mistaken for this run's. */
        for (size_t i = 0; i < l.n && l.ids[i] > ck->restored_id; i++) {
            remove_chk(ck, l.ids[i]);
        }
        if (ck->restored_id) {
            __atomic_store_n(&ck->completed, ck->restored_id, __ATOMIC_RELEASE);
            fprintf(stderr, "sluice: resuming from checkpoint %lld in '%s'\n",
                    (long long)ck->restored_id, ck->dir);
        } else if (l.n) {
            fprintf(stderr, "sluice: no usable checkpoint in '%s': starting from the beginning\n",
                    ck->dir);
        }
    }
    slmem_free(l.ids);
    slmem_free(l.complete);
    if (err) {
        return err;
    }
subs:
    ck->subs = slmem_calloc((size_t)rt->g->n_nodes, sizeof *ck->subs);
    for (int n = 0; n < rt->g->n_nodes; n++) {
        ck->subs[n] = slmem_calloc((size_t)rt->par[n], sizeof **ck->subs);
    }
    return SL_OK;
}

static void subs_reset(slrt *rt) {
    slck *ck = &rt->ck;
    for (int n = 0; n < rt->g->n_nodes; n++) {
        for (int s = 0; s < rt->par[n]; s++) {
            slbuf_free(&ck->subs[n][s].blob);
            slmem_free(ck->subs[n][s].state);
            ck->subs[n][s].state = NULL;
        }
    }
}

void slck_free(slrt *rt) {
    slck *ck = &rt->ck;
    if (ck->subs) {
        subs_reset(rt);
        for (int n = 0; n < rt->g->n_nodes; n++) {
            slmem_free(ck->subs[n]);
        }
        slmem_free(ck->subs);
    }
    restore_free(rt, ck->restore);
    slsnap_writer_free(ck->writer);
    ck->writer = NULL;
    if (rt->insts) {
        for (int n = 0; n < rt->g->n_nodes; n++) {
            for (int s = 0; rt->insts[n] && s < rt->par[n]; s++) {
                slbuf_free(&rt->insts[n][s].ck.blob);
                slmem_free(rt->insts[n][s].ck.state);
            }
        }
    }
    pthread_cond_destroy(&ck->fin);
    pthread_cond_destroy(&ck->cv);
    pthread_mutex_destroy(&ck->mu);
}

/* ---- savepoints ---- */

/* Copy file src to dst (a hard link when possible: checkpoint files are
 * never changed in place). */
static sl_err copy_file(const char *src, const char *dst) {
    if (link(src, dst) == 0) {
        return SL_OK;
    }
    slbuf data = {0};
    sl_err err = slsnap_read_file(src, &data);
    if (!err) {
        err = slsnap_write_file(dst, data.data ? data.data : "", data.len);
    }
    slbuf_free(&data);
    return err;
}

/* Copy directory src (files and one level of directories) to dst. */
static sl_err copy_tree(const char *src, const char *dst, int depth) {
    sl_err err = slsnap_mkdirs(dst);
    DIR *d = err ? NULL : opendir(src);
    if (!err && !d) {
        err = slerr_set(SL_ERR_IO, "'%s': %s", src, strerror(errno));
    }
    struct dirent *de;
    while (d && !err && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        slbuf a = {0}, b = {0};
        slbuf_printf(&a, "%s/%s", src, de->d_name);
        slbuf_printf(&b, "%s/%s", dst, de->d_name);
        struct stat st;
        if (stat(slbuf_cstr(&a), &st) == 0 && S_ISDIR(st.st_mode) && depth < 2) {
            err = copy_tree(slbuf_cstr(&a), slbuf_cstr(&b), depth + 1);
        } else {
            err = copy_file(slbuf_cstr(&a), slbuf_cstr(&b));
        }
        slbuf_free(&a);
        slbuf_free(&b);
    }
    if (d) {
        closedir(d);
    }
    return err;
}

/* Copy the complete checkpoint id to <savepoints dir>/savepoint-<id>
 * (through a .tmp name renamed at the end: a savepoint directory is complete
 * or absent). Coordinator thread. */
static sl_err write_savepoint(slrt *rt, int64_t id, slbuf *where) {
    const slconf *conf = &rt->g->conf;
    slbuf spdir = {0}, src = {0}, tmp = {0};
    if (conf->savepoint_dir) {
        slbuf_puts(&spdir, conf->savepoint_dir);
    } else {
        slbuf_printf(&spdir, "%s/savepoints", rt->ck.dir);
    }
    chk_dir(&rt->ck, id, &src);
    slbuf_reset(where);
    slbuf_printf(where, "%s/savepoint-%lld", slbuf_cstr(&spdir), (long long)id);
    slbuf_printf(&tmp, "%s.tmp", slbuf_cstr(where));
    slsnap_remove_tree(slbuf_cstr(&tmp));
    sl_err err = slsnap_mkdirs(slbuf_cstr(&spdir));
    if (!err) {
        err = copy_tree(slbuf_cstr(&src), slbuf_cstr(&tmp), 0);
    }
    if (!err) {
        slsnap_remove_tree(slbuf_cstr(where));
        if (rename(slbuf_cstr(&tmp), slbuf_cstr(where)) != 0) {
            err = slerr_set(SL_ERR_IO, "cannot rename '%s': %s", slbuf_cstr(&tmp),
                            strerror(errno));
        }
        slsnap_sync_dir(slbuf_cstr(&spdir));
    }
    if (err) {
        slsnap_remove_tree(slbuf_cstr(&tmp));
    }
    slbuf_free(&spdir);
    slbuf_free(&src);
    slbuf_free(&tmp);
    return err;
}

/* ---- the coordinator ---- */

static void wake_tasks(slrt *rt) {
    for (int i = 0; i < rt->n_tasks; i++) {
        slinbox_wake(&rt->tasks[i].box);
    }
}

/* Begin checkpoint id (mu held). False if its directory cannot be made. */
static bool trigger(slrt *rt, int64_t id, int64_t now) {
    slck *ck = &rt->ck;
    slbuf d = {0};
    chk_dir(ck, id, &d);
    sl_err err = slsnap_mkdirs(slbuf_cstr(&d));
    slbuf_free(&d);
    ck->last_trigger_us = now;
    if (err) {
        __atomic_add_fetch(&ck->n_failed, 1, __ATOMIC_RELAXED);
        ck->last_end_us = now;
        sllog_warn("checkpoint %lld failed: %s", (long long)id, sl_errmsg());
        return false;
    }
    subs_reset(rt);
    ck->pending = id;
    ck->pending_start_us = now;
    ck->pending_failed = false;
    ck->n_acked = 0;
    __atomic_store_n(&ck->trigger, id, __ATOMIC_RELEASE);
    return true;
}

static void *coord_main(void *arg) {
    slrt *rt = arg;
    slck *ck = &rt->ck;
    const slconf *conf = &rt->g->conf;
    int64_t interval = conf->ckpt_interval_us > 0 ? conf->ckpt_interval_us : DEFAULT_INTERVAL_US;
    int64_t timeout = conf->ckpt_timeout_us > 0 ? conf->ckpt_timeout_us : DEFAULT_TIMEOUT_US;
    int final_tries = 0;
    int sp_seen = 0;          /* savepoint requests handled */
    int64_t sp_pending = 0;   /* the pending checkpoint is a savepoint */
    pthread_mutex_lock(&ck->mu);
    ck->last_trigger_us = ck->last_end_us = slclock_mono_us();
    while (!ck->stop) {
        int64_t now = slclock_mono_us();
        if (ck->pending && ck->n_acked == rt->n_tasks) {
            int64_t id = ck->pending;
            bool failed = ck->pending_failed;
            bool final = id == ck->final_id;
            char why[700];
            snprintf(why, sizeof why, "%s", ck->pending_err);
            pthread_mutex_unlock(&ck->mu);
            sl_err err = SL_OK;
            if (!failed) {
                slerr_clear();
                /* the state files the workers handed to the writer are on disk */
                err = slsnap_writer_wait(ck->writer);
                if (!err) {
                    err = write_metadata(rt, id, final);
                }
                if (err) {
                    snprintf(why, sizeof why, "%s", sl_errmsg());
                }
            } else {
                (void)slsnap_writer_wait(ck->writer); /* this failure is reported already */
            }
            bool savepoint = id == sp_pending;
            if (savepoint && !failed && !err) {
                slbuf where = {0};
                slerr_clear();
                if (write_savepoint(rt, id, &where)) {
                    sllog_warn("savepoint %lld failed: %s", (long long)id, sl_errmsg());
                } else {
                    fprintf(stderr, "sluice: savepoint written to '%s'\n", slbuf_cstr(&where));
                }
                slbuf_free(&where);
            } else if (savepoint) {
                sllog_warn("savepoint %lld failed: %s", (long long)id, why);
            }
            if (savepoint) {
                sp_pending = 0;
                if (__atomic_load_n(&rt->ctl->stop_after_savepoint, __ATOMIC_ACQUIRE)) {
                    __atomic_store_n(&rt->ctl->stop, 1, __ATOMIC_RELEASE);
                }
            }
            pthread_mutex_lock(&ck->mu);
            ck->pending = 0;
            ck->last_end_us = slclock_mono_us();
            if (failed || err) {
                __atomic_add_fetch(&ck->n_failed, 1, __ATOMIC_RELAXED);
                sllog_warn("checkpoint %lld failed: %s", (long long)id, why);
                remove_chk(ck, id);
            } else {
                __atomic_add_fetch(&ck->n_completed, 1, __ATOMIC_RELAXED);
                __atomic_store_n(&ck->completed, id, __ATOMIC_RELEASE);
                if (final) {
                    ck->final_done = true;
                }
                pthread_cond_broadcast(&ck->fin);
                pthread_mutex_unlock(&ck->mu);
                retain(rt);
                wake_tasks(rt);
                pthread_mutex_lock(&ck->mu);
            }
            if (final && !ck->final_done) {
                ck->final_id = 0; /* try again below */
                if (++final_tries >= FINAL_TRIES) {
                    ck->final_failed = true;
                    pthread_cond_broadcast(&ck->fin);
                }
            }
            continue;
        }
        if (ck->pending && now - ck->pending_start_us > timeout) {
            __atomic_add_fetch(&ck->n_failed, 1, __ATOMIC_RELAXED);
            sllog_warn("checkpoint %lld expired after %lld ms (execution.checkpointing.timeout) "
                       "and was aborted",
                       (long long)ck->pending, (long long)((now - ck->pending_start_us) / 1000));
            if (ck->pending == ck->final_id) {
                ck->final_id = 0;
                if (++final_tries >= FINAL_TRIES) {
                    ck->final_failed = true;
                    pthread_cond_broadcast(&ck->fin);
                }
            }
            remove_chk(ck, ck->pending);
            if (ck->pending == sp_pending) {
                sp_pending = 0;
                sllog_warn("the savepoint was not taken");
                if (__atomic_load_n(&rt->ctl->stop_after_savepoint, __ATOMIC_ACQUIRE)) {
                    __atomic_store_n(&rt->ctl->stop, 1, __ATOMIC_RELEASE);
                }
            }
            ck->pending = 0;
            ck->last_end_us = now;
        }
        int n_finished = 0;
        for (int i = 0; i < rt->n_tasks; i++) {
            n_finished += __atomic_load_n(&rt->tasks[i].ck_finished, __ATOMIC_ACQUIRE) != 0;
        }
        if (!ck->pending && !ck->final_done && !ck->final_failed && n_finished == rt->n_tasks &&
            (final_tries == 0 || now - ck->last_end_us >= interval)) {
            int64_t id = ck->next_id++;
            if (trigger(rt, id, now)) {
                ck->final_id = id;
            } else if (++final_tries >= FINAL_TRIES) {
                ck->final_failed = true;
                pthread_cond_broadcast(&ck->fin);
            }
            wake_tasks(rt);
        } else if (!ck->pending && !ck->final_id &&
                   __atomic_load_n(&rt->ctl->savepoint_req, __ATOMIC_ACQUIRE) > sp_seen) {
            sp_seen = __atomic_load_n(&rt->ctl->savepoint_req, __ATOMIC_ACQUIRE);
            int64_t id = ck->next_id++;
            if (trigger(rt, id, now)) {
                sp_pending = id;
            } else if (__atomic_load_n(&rt->ctl->stop_after_savepoint, __ATOMIC_ACQUIRE)) {
                __atomic_store_n(&rt->ctl->stop, 1, __ATOMIC_RELEASE);
            }
        } else if (!ck->pending && !ck->final_id && now - ck->last_trigger_us >= interval &&
                   now - ck->last_end_us >= conf->ckpt_min_pause_us) {
            trigger(rt, ck->next_id++, now);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += POLL_US * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&ck->cv, &ck->mu, &ts);
    }
    pthread_mutex_unlock(&ck->mu);
    return NULL;
}

void slck_start(slrt *rt) {
    slck *ck = &rt->ck;
    if (!ck->on) {
        return;
    }
    ck->started = pthread_create(&ck->thread, NULL, coord_main, rt) == 0;
    if (!ck->started) {
        sllog_warn("could not start the checkpoint coordinator: the job runs without checkpoints");
    }
}

void slck_stop(slrt *rt) {
    slck *ck = &rt->ck;
    if (!ck->started) {
        return;
    }
    pthread_mutex_lock(&ck->mu);
    ck->stop = true;
    pthread_cond_broadcast(&ck->cv);
    pthread_cond_broadcast(&ck->fin);
    pthread_mutex_unlock(&ck->mu);
    pthread_join(ck->thread, NULL);
    ck->started = false;
    if (ck->n_failed) {
        fprintf(stderr, "sluice: %llu checkpoint(s) completed, %llu failed\n",
                (unsigned long long)ck->n_completed, (unsigned long long)ck->n_failed);
    }
}

/* ---- the workers' side ---- */

sl_err slck_task_restore(slrt_task *t) {
    slrt *rt = t->rt;
    slck *ck = &rt->ck;
    t->ck_done_seen = 0; /* checkpoint_done(restored id) finishes its pending commits */
    t->ck_injected = ck->restored_id;
    t->ck_acked = ck->restored_id;
    if (!ck->restore) {
        return SL_OK;
    }
    for (int k = 0; k < t->n_chain; k++) {
        slrt_inst *in = t->chain[k];
        int node = -1;
        for (int n = 0; n < rt->g->n_nodes; n++) {
            if (rt->g->nodes[n] == in->node) {
                node = n;
            }
        }
        const slck_restore *r = &ck->restore[node];
        if (r->n == 0) {
            continue; /* an operator the checkpoint did not have: it starts empty */
        }
        sl_err err = SL_OK;
        slerr_clear();
        if (in->ctx.state) {
            const char **paths = slmem_calloc((size_t)r->n, sizeof *paths);
            int np = 0;
            for (int s = 0; s < r->n; s++) {
                if (r->state_paths[s]) {
                    paths[np++] = r->state_paths[s];
                }
            }
            err = slstate_restore(in->ctx.state, paths, np, in->ctx.kg_lo, in->ctx.kg_hi);
            slmem_free(paths);
            if (!err) {
                err = slstate_unpin_all(in->ctx.state);
            }
        }
        if (!err && in->op && in->op->vt->restore) {
            err = in->op->vt->restore(in->op, r->blobs, r->n);
        }
        if (!err && in->src && in->src->vt->restore) {
            err = in->src->vt->restore(in->src, r->blobs, r->n);
        }
        if (err) {
            slerr_prefix(err, "restoring checkpoint %lld", (long long)ck->restored_id);
            slrt_fail(rt, err, in->node->name);
            return err;
        }
    }
    return SL_OK;
}

static int node_index(const slrt *rt, const slnode *node) {
    for (int n = 0; n < rt->g->n_nodes; n++) {
        if (rt->g->nodes[n] == node) {
            return n;
        }
    }
    return 0;
}

void slck_task_snapshot(slrt_task *t, int64_t id) {
    slrt *rt = t->rt;
    slck *ck = &rt->ck;
    sl_err err = SL_OK;
    char who[600] = "";
    slbuf base = {0}, path = {0};
    chk_dir(ck, id, &base);
    for (int k = 0; k < t->n_chain && !err; k++) {
        slrt_inst *in = t->chain[k];
        slbuf_reset(&in->ck.blob);
        slmem_free(in->ck.state);
        in->ck.state = NULL;
        slerr_clear();
        if (in->src && in->src->vt->snapshot) {
            err = in->src->vt->snapshot(in->src, id, &in->ck.blob);
        }
        if (!err && in->op && in->op->vt->snapshot) {
            err = in->op->vt->snapshot(in->op, id, &in->ck.blob);
        }
        if (!err && in->ctx.state) {
            err = slstate_unpin_all(in->ctx.state);
            if (!err) {
                slbuf name = {0};
                slbuf_printf(&name, "op%d-%d.%s", node_index(rt, in->node), in->subtask,
                             rt->g->conf.state_backend == SLSTATE_ROCKSDB ? "rocks" : "state");
                slbuf_reset(&path);
                slbuf_printf(&path, "%s/%s", slbuf_cstr(&base), slbuf_cstr(&name));
                slsnap_remove_tree(slbuf_cstr(&path));
                in->ctx.state->writer = rt->ck.writer; /* memory: written in the background */
                err = slstate_snapshot(in->ctx.state, slbuf_cstr(&path));
                in->ck.state = slmem_strdup(slbuf_cstr(&name));
                slbuf_free(&name);
            }
        }
        if (err) {
            snprintf(who, sizeof who, "operator '%.200s' subtask %d: %.300s", in->node->name,
                     in->subtask, sl_errmsg());
        }
    }
    slbuf_free(&base);
    slbuf_free(&path);
    pthread_mutex_lock(&ck->mu);
    if (id == ck->pending && id > t->ck_acked) {
        t->ck_acked = id;
        for (int k = 0; k < t->n_chain; k++) {
            slrt_inst *in = t->chain[k];
            slck_sub *dst = &ck->subs[node_index(rt, in->node)][in->subtask];
            slbuf_free(&dst->blob);
            slmem_free(dst->state);
            *dst = in->ck;
            memset(&in->ck, 0, sizeof in->ck);
        }
        if (err && !ck->pending_failed) {
            ck->pending_failed = true;
            snprintf(ck->pending_err, sizeof ck->pending_err, "%s", who);
        }
        ck->n_acked++;
        pthread_cond_signal(&ck->cv);
    }
    pthread_mutex_unlock(&ck->mu);
}

static void deliver_done(slrt_task *t, int64_t id) {
    t->ck_done_seen = id;
    for (int k = 0; k < t->n_chain; k++) {
        slrt_inst *in = t->chain[k];
        if (in->op && in->op->vt->checkpoint_done) {
            in->op->vt->checkpoint_done(in->op, id);
        }
        if (in->src && in->src->vt->checkpoint_done) {
            in->src->vt->checkpoint_done(in->src, id);
        }
    }
}

void slck_task_poll_done(slrt_task *t) {
    int64_t done = __atomic_load_n(&t->rt->ck.completed, __ATOMIC_ACQUIRE);
    if (done > t->ck_done_seen) {
        deliver_done(t, done);
    }
}

void slck_task_final(slrt_task *t) {
    slrt *rt = t->rt;
    slck *ck = &rt->ck;
    if (!ck->on || !ck->started) {
        return;
    }
    __atomic_store_n(&t->ck_finished, 1, __ATOMIC_RELEASE);
    for (;;) {
        if (rt_cancelled(rt)) {
            return;
        }
        slck_task_poll_done(t);
        pthread_mutex_lock(&ck->mu);
        pthread_cond_signal(&ck->cv);
        bool done = ck->final_done, failed = ck->final_failed || ck->stop;
        int64_t final_id = ck->final_id, pending = ck->pending;
        if (!done && !failed && (pending == 0 || pending <= t->ck_acked)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += POLL_US * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&ck->fin, &ck->mu, &ts);
        }
        pthread_mutex_unlock(&ck->mu);
        if (done) {
            slck_task_poll_done(t);
            return;
        }
        if (failed) {
            slerr_set(SL_ERR_IO,
                      "the final checkpoint could not be taken (see the warnings above): the "
                      "output since the last complete checkpoint was not published; run the job "
                      "again to resume");
            slrt_fail(rt, SL_ERR_IO, "checkpoints");
            return;
        }
        SL_UNUSED(final_id);
        if (pending && pending > t->ck_acked) {
            /* Answer every checkpoint from the final state. */
            slck_task_snapshot(t, pending);
        }
    }
}
