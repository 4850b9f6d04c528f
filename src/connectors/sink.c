/*
 * sink.c - sink operators (no outputs): print to stdout, write a file, call a
 * function per row, or discard. Text sinks encode a whole batch into one
 * buffer and write it under the conf's mutex (a write() of more than PIPE_BUF
 * bytes to a pipe is not atomic), so lines of parallel subtasks never
 * interleave inside a line; every line carries the row kind (JSON "op"
 * field, CSV first column), as Flink's print connector shows it, unless
 * conf->no_kind (an append-only file written by SQL's filesystem connector).
 *
 * The file sink truncates the file once (the first subtask to open it) and
 * appends from then on (O_APPEND), so parallel subtasks share one file.
 *
 * Exactly-once file sink (the job takes checkpoints: ctx->checkpointing), by
 * two-phase commit into the one target file. Next to target T (same
 * directory, hidden names):
 *   .T.inprogress.<subtask>.<pid>.<seq>  rows written since the last checkpoint
 *   .T.pending.<id>.<subtask>.<seq>      pre-committed at checkpoint <id>
 *   .T.commits                           the commit log, one line per publish:
 *                                        "<pending name> <offset> <length>"
 * snapshot(id) pre-commits: the in-progress file is fsync'ed and renamed to
 * a pending name; the names of every pending file not yet published go to
 * the opstate. checkpoint_done(id) publishes the pending files of id and
 * earlier, in order, under the conf mutex: log line (fsync'ed), then the
 * bytes written at that offset of T (pwrite, fsync), then the pending file
 * deleted. A crash anywhere in that leaves either no log line (publish
 * again from scratch) or a log line and the pending file (write the same
 * bytes at the same offset again: idempotent). So a pending file that no
 * longer exists has been published.
 * Restore (the first subtask to restore does it once, before any subtask
 * processes an element): every logged publish whose pending file still
 * exists is finished; T is cut to the end of the last logged publish (bytes
 * past it were never published); in-progress files and pending files not
 * named in the restored opstate are deleted (rolled back: their rows are
 * replayed). Then the runtime's checkpoint_done(restored id) publishes the
 * restored pending files. A fresh start with checkpoints truncates T and
 * removes the log and every leftover hidden file. Parallel subtasks publish
 * whole files, so their rows never interleave inside a line; rows reach T
 * only at checkpoints (latency = the checkpoint interval). At end of input
 * the final checkpoint publishes the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connectors/connectors.h"

typedef struct sinkop {
    slop base;
    slsink_conf *conf; /* borrowed: owned by the graph */
    int fd;            /* owned for SLSINK_FILE (two-phase: the in-progress file, or -1) */
    slbuf out;
    bool write_failed; /* warned once */
    /* Two-phase commit (checkpoints on). */
    bool twopc;
    int subtask;
    char *inprog;     /* owned: path of the in-progress file (when fd >= 0) */
    uint64_t seq;     /* names files uniquely within this process */
    char **pending;   /* owned: pending file paths, oldest first */
    int64_t *pend_id; /* owned: the checkpoint each was pre-committed at */
    size_t n_pending, cap_pending, cap_pend_id;
} sinkop;

slsink_conf *slsink_conf_new(slsink_kind kind, sl_format format) {
    slsink_conf *c = slmem_calloc(1, sizeof *c);
    c->kind = kind;
    c->format = format;
    c->fd_print = 1;
    c->log_fd = -1;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void slsink_conf_free(void *conf) {
    slsink_conf *c = conf;
    if (!c) {
        return;
    }
    pthread_mutex_destroy(&c->mu);
    if (c->log_fd >= 0) {
        close(c->log_fd);
    }
    slmem_free(c->path);
    slmem_free(c);
}

/* ---- two-phase commit (see the top of the file) ---- */

/* dir and base name of the target */
static void split_path(const char *path, slbuf *dir, const char **base) {
    const char *slash = strrchr(path, '/');
    slbuf_reset(dir);
    if (slash) {
        slbuf_put(dir, path, (size_t)(slash - path));
        if (dir->len == 0) {
            slbuf_putc(dir, '/');
        }
        *base = slash + 1;
    } else {
        slbuf_putc(dir, '.');
        *base = path;
    }
}

static void hidden(const slsink_conf *c, const char *what, slbuf *out) {
    slbuf dir = {0};
    const char *base;
    split_path(c->path, &dir, &base);
    slbuf_reset(out);
    slbuf_printf(out, "%s/.%s.%s", slbuf_cstr(&dir), base, what);
    slbuf_free(&dir);
}

/* Remove hidden files of the target: every in-progress and pending file but
 * those named in keep[0..n_keep). Conf mutex held. */
static void remove_leftovers(const slsink_conf *c, char *const *keep, size_t n_keep) {
    slbuf dir = {0}, pre_i = {0}, pre_p = {0}, f = {0};
    const char *base;
    split_path(c->path, &dir, &base);
    slbuf_printf(&pre_i, ".%s.inprogress.", base);
    slbuf_printf(&pre_p, ".%s.pending.", base);
    DIR *d = opendir(slbuf_cstr(&dir));
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, pre_i.data, pre_i.len) != 0 &&
            strncmp(de->d_name, pre_p.data, pre_p.len) != 0) {
            continue;
        }
        slbuf_reset(&f);
        slbuf_printf(&f, "%s/%s", slbuf_cstr(&dir), de->d_name);
        bool kept = false;
        for (size_t k = 0; k < n_keep && !kept; k++) {
            kept = strcmp(keep[k], slbuf_cstr(&f)) == 0;
        }
        if (!kept) {
            unlink(slbuf_cstr(&f));
        }
    }
    if (d) {
        closedir(d);
    }
    slbuf_free(&dir);
    slbuf_free(&pre_i);
    slbuf_free(&pre_p);
    slbuf_free(&f);
}

static sl_err twopc_open(sinkop *s, slopctx *ctx) {
    slsink_conf *c = s->conf;
    s->twopc = true;
    s->subtask = ctx->subtask;
    s->fd = -1;
    if (ctx->restoring) {
        return SL_OK; /* restore decides what the target holds */
    }
    pthread_mutex_lock(&c->mu);
    sl_err err = SL_OK;
    if (!c->truncated) {
        int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            err = slerr_set(SL_ERR_IO, "file sink '%s': %s", c->path, strerror(errno));
        } else {
            close(fd);
            c->truncated = true;
            slbuf lp = {0};
            hidden(c, "commits", &lp);
            unlink(slbuf_cstr(&lp));
            slbuf_free(&lp);
            remove_leftovers(c, NULL, 0);
        }
    }
    pthread_mutex_unlock(&c->mu);
    return err;
}

static sl_err write_all(int fd, const char *p, size_t n, off_t at, bool positioned) {
    while (n > 0) {
        ssize_t k = positioned ? pwrite(fd, p, n, at) : write(fd, p, n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            return slerr_set(SL_ERR_IO, "%s", strerror(errno));
        }
        p += k;
        n -= (size_t)k;
        at += k;
    }
    return SL_OK;
}

/* Write the bytes of pending file `pend` at offset `at` of the target and
 * fsync it. Conf mutex held. */
static sl_err copy_at(const slsink_conf *c, const char *pend, uint64_t at) {
    slbuf data = {0};
    sl_err err = slsnap_read_file(pend, &data);
    if (!err) {
        int fd = open(c->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            err = slerr_set(SL_ERR_IO, "file sink '%s': %s", c->path, strerror(errno));
        } else {
            err = write_all(fd, data.data, data.len, (off_t)at, true);
            if (!err && fsync(fd) != 0) {
                err = slerr_set(SL_ERR_IO, "file sink '%s': fsync: %s", c->path,
                                strerror(errno));
            }
            close(fd);
        }
    }
    slbuf_free(&data);
    return err;
}

/* Publish pending file `pend` (see the top of the file). Conf mutex held. */
static sl_err publish(slsink_conf *c, const char *pend) {
    struct stat ps, ts;
    if (stat(pend, &ps) != 0) {
        return SL_OK; /* published before */
    }
    sl_err err = SL_OK;
    if (c->log_fd < 0) {
        slbuf lp = {0};
        hidden(c, "commits", &lp);
        c->log_fd = open(slbuf_cstr(&lp), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        slbuf_free(&lp);
        if (c->log_fd < 0) {
            return slerr_set(SL_ERR_IO, "file sink '%s': commit log: %s", c->path,
                             strerror(errno));
        }
    }
    uint64_t at = stat(c->path, &ts) == 0 ? (uint64_t)ts.st_size : 0;
    slbuf line = {0};
    slbuf_printf(&line, "%s %llu %llu\n", pend, (unsigned long long)at,
                 (unsigned long long)ps.st_size);
    err = write_all(c->log_fd, line.data, line.len, 0, false);
    slbuf_free(&line);
    if (!err && fsync(c->log_fd) != 0) {
        err = slerr_set(SL_ERR_IO, "fsync: %s", strerror(errno));
    }
    if (!err) {
        err = copy_at(c, pend, at);
    }
    if (!err) {
        unlink(pend);
    }
    return err;
}

/* One line of the commit log. */
typedef struct logent {
    char *name; /* owned */
    uint64_t at, len;
    int64_t id; /* the checkpoint whose output it is */
} logent;

static int64_t name_id(const char *name) {
    const char *p = strrchr(name, '/');
    p = p ? p : name;
    const char *q = strstr(p, ".pending.");
    if (q) {
        return strtoll(q + 9, NULL, 10);
    }
    q = strstr(p, ".replay.");
    return q ? strtoll(q + 8, NULL, 10) : 0;
}

static size_t parse_log(const slbuf *log, logent **out) {
    size_t n = 0, cap = 0;
    *out = NULL;
    for (const char *p = log->data, *e = log->data + log->len; p && p < e;) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        if (!nl) {
            break; /* a torn last line: its publish never started */
        }
        const char *sp2 = NULL, *sp1 = NULL;
        for (const char *q = nl; q > p; q--) {
            if (*q == ' ') {
                if (!sp2) {
                    sp2 = q;
                } else {
                    sp1 = q;
                    break;
                }
            }
        }
        if (sp1 && sp2) {
            slmem_grow((void **)out, &cap, n + 1, sizeof **out);
            logent *x = &(*out)[n++];
            x->name = slmem_alloc((size_t)(sp1 - p) + 1);
            memcpy(x->name, p, (size_t)(sp1 - p));
            x->name[sp1 - p] = '\0';
            x->at = strtoull(sp1 + 1, NULL, 10);
            x->len = strtoull(sp2 + 1, NULL, 10);
            x->id = name_id(x->name);
        }
        p = nl + 1;
    }
    return n;
}

/* The first restore, of checkpoint k: finish logged publishes; if output
 * of checkpoints after k was published (k is older than the newest complete
 * checkpoint, which was unusable), take it back: cut the target where the
 * first such publish began, keeping (re-publishing through a replay file)
 * the output of k and earlier published after that point; cut the target
 * after the last publish; roll back files not in keep. Conf mutex held. */
static sl_err recover(slsink_conf *c, int64_t k, char *const *keep, size_t n_keep) {
    slbuf lp = {0}, log = {0};
    hidden(c, "commits", &lp);
    sl_err err = SL_OK;
    if (access(slbuf_cstr(&lp), F_OK) == 0) {
        err = slsnap_read_file(slbuf_cstr(&lp), &log);
    }
    logent *ents = NULL;
    size_t n = err ? 0 : parse_log(&log, &ents);
    uint64_t end = 0, cut = UINT64_MAX;
    for (size_t i = 0; i < n && !err; i++) {
        if (access(ents[i].name, F_OK) == 0) {
            err = copy_at(c, ents[i].name, ents[i].at);
            if (!err) {
                unlink(ents[i].name);
            }
        }
        end = SL_MAX(end, ents[i].at + ents[i].len);
        if (ents[i].id > k) {
            cut = SL_MIN(cut, ents[i].at);
        }
    }
    if (!err && cut < end) {
        slbuf keepb = {0}, newlog = {0}, rp = {0}, what = {0};
        int fd = open(c->path, O_RDONLY | O_CLOEXEC);
        for (size_t i = 0; i < n && fd >= 0; i++) {
            if (ents[i].at < cut) {
                slbuf_printf(&newlog, "%s %llu %llu\n", ents[i].name,
                             (unsigned long long)ents[i].at, (unsigned long long)ents[i].len);
            } else if (ents[i].id <= k) {
                slbuf_reserve(&keepb, ents[i].len);
                ssize_t got = pread(fd, keepb.data + keepb.len, ents[i].len, (off_t)ents[i].at);
                if (got == (ssize_t)ents[i].len) {
                    keepb.len += ents[i].len;
                }
            }
        }
        if (fd >= 0) {
            close(fd);
        }
        slbuf_printf(&what, "replay.%lld.%d", (long long)k, (int)getpid());
        hidden(c, slbuf_cstr(&what), &rp);
        if (keepb.len) {
            err = slsnap_write_file(slbuf_cstr(&rp), keepb.data, keepb.len);
            slbuf_printf(&newlog, "%s %llu %llu\n", slbuf_cstr(&rp), (unsigned long long)cut,
                         (unsigned long long)keepb.len);
        }
        if (!err) {
            slbuf tmp = {0};
            slbuf_printf(&tmp, "%s.tmp", slbuf_cstr(&lp));
            err = slsnap_write_file(slbuf_cstr(&tmp), newlog.data ? newlog.data : "", newlog.len);
            if (!err && rename(slbuf_cstr(&tmp), slbuf_cstr(&lp)) != 0) {
                err = slerr_set(SL_ERR_IO, "file sink '%s': commit log: %s", c->path,
                                strerror(errno));
            }
            slbuf_free(&tmp);
        }
        if (!err && truncate(c->path, (off_t)cut) != 0) {
            err = slerr_set(SL_ERR_IO, "file sink '%s': %s", c->path, strerror(errno));
        }
        if (!err && keepb.len) {
            err = copy_at(c, slbuf_cstr(&rp), cut);
            if (!err) {
                unlink(slbuf_cstr(&rp));
            }
        }
        end = cut + keepb.len;
        if (c->log_fd >= 0) {
            close(c->log_fd);
            c->log_fd = -1;
        }
        slbuf_free(&keepb);
        slbuf_free(&newlog);
        slbuf_free(&rp);
        slbuf_free(&what);
    }
    if (!err && truncate(c->path, (off_t)end) != 0) {
        if (errno == ENOENT) {
            int fd = open(c->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd >= 0) {
                close(fd);
            }
        } else {
            err = slerr_set(SL_ERR_IO, "file sink '%s': %s", c->path, strerror(errno));
        }
    }
    if (!err) {
        remove_leftovers(c, keep, n_keep);
    }
    for (size_t i = 0; i < n; i++) {
        slmem_free(ents[i].name);
    }
    slmem_free(ents);
    slbuf_free(&lp);
    slbuf_free(&log);
    return err;
}

static void add_pending(sinkop *s, const char *path, int64_t id) {
    slmem_grow((void **)&s->pending, &s->cap_pending, s->n_pending + 1, sizeof *s->pending);
    slmem_grow((void **)&s->pend_id, &s->cap_pend_id, s->n_pending + 1, sizeof *s->pend_id);
    s->pending[s->n_pending] = slmem_strdup(path);
    s->pend_id[s->n_pending] = id;
    s->n_pending++;
}

/* Rows go to the in-progress file (created at the first write). */
static void twopc_write(sinkop *s) {
    if (s->fd < 0) {
        slbuf p = {0}, what = {0};
        slbuf_printf(&what, "inprogress.%d.%d.%llu", s->subtask, (int)getpid(),
                     (unsigned long long)s->seq++);
        hidden(s->conf, slbuf_cstr(&what), &p);
        s->fd = open(slbuf_cstr(&p), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (s->fd < 0 && !s->write_failed) {
            sllog_warn("file sink '%s': cannot create '%s': %s", s->conf->path, slbuf_cstr(&p),
                       strerror(errno));
            s->write_failed = true;
        }
        slmem_free(s->inprog);
        s->inprog = slmem_strdup(slbuf_cstr(&p));
        slbuf_free(&p);
        slbuf_free(&what);
    }
    if (s->fd >= 0 && write_all(s->fd, s->out.data, s->out.len, 0, false) && !s->write_failed) {
        sllog_warn("file sink '%s': write failed: %s", s->conf->path, sl_errmsg());
        s->write_failed = true;
    }
    slbuf_reset(&s->out);
}

static sl_err sink_snapshot(slop *op, int64_t id, slbuf *opstate) {
    sinkop *s = (sinkop *)op;
    if (!s->twopc) {
        return SL_OK;
    }
    if (s->out.len) {
        twopc_write(s);
    }
    if (s->write_failed) {
        return slerr_set(SL_ERR_IO, "file sink '%s': a write failed since the last checkpoint",
                         s->conf->path);
    }
    if (s->fd >= 0) {
        if (fsync(s->fd) != 0) {
            return slerr_set(SL_ERR_IO, "file sink '%s': fsync: %s", s->conf->path,
                             strerror(errno));
        }
        close(s->fd);
        s->fd = -1;
        slbuf p = {0}, what = {0};
        slbuf_printf(&what, "pending.%lld.%d.%llu", (long long)id, s->subtask,
                     (unsigned long long)s->seq++);
        hidden(s->conf, slbuf_cstr(&what), &p);
        if (rename(s->inprog, slbuf_cstr(&p)) != 0) {
            sl_err err = slerr_set(SL_ERR_IO, "file sink '%s': rename: %s", s->conf->path,
                                   strerror(errno));
            slbuf_free(&p);
            slbuf_free(&what);
            s->write_failed = true; /* the rows are lost for this checkpoint: fail it */
            return err;
        }
        add_pending(s, slbuf_cstr(&p), id);
        slbuf_free(&p);
        slbuf_free(&what);
    }
    /* opstate: [i64 checkpoint id][u32 n] then n x ([i64 id][u32 length][path]) */
    uint32_t n = (uint32_t)s->n_pending;
    slbuf_put(opstate, &id, 8);
    slbuf_put(opstate, &n, 4);
    for (size_t k = 0; k < s->n_pending; k++) {
        uint32_t len = (uint32_t)strlen(s->pending[k]);
        slbuf_put(opstate, &s->pend_id[k], 8);
        slbuf_put(opstate, &len, 4);
        slbuf_put(opstate, s->pending[k], len);
    }
    return SL_OK;
}

static sl_err sink_restore(slop *op, const slbuf *opstate, int n) {
    sinkop *s = (sinkop *)op;
    if (!s->twopc) {
        return SL_OK;
    }
    int par = op->ctx->parallelism;
    /* Every old subtask's pending list: this subtask takes j % par == subtask;
     * all of them are kept by the recovery. */
    char **keep = NULL;
    size_t n_keep = 0, cap_keep = 0;
    sl_err err = SL_OK;
    int64_t ck_id = 0;
    for (int j = 0; j < n && !err; j++) {
        const char *p = opstate[j].data, *e = p + opstate[j].len;
        if (opstate[j].len == 0) {
            continue;
        }
        uint32_t cnt;
        if (e - p < 12) {
            err = slerr_set(SL_ERR_PARSE, "file sink: bad opstate");
            break;
        }
        memcpy(&ck_id, p, 8);
        memcpy(&cnt, p + 8, 4);
        p += 12;
        for (uint32_t k = 0; k < cnt; k++) {
            int64_t id;
            uint32_t len;
            if (e - p < 12) {
                err = slerr_set(SL_ERR_PARSE, "file sink: bad opstate");
                break;
            }
            memcpy(&id, p, 8);
            memcpy(&len, p + 8, 4);
            p += 12;
            if ((uint32_t)(e - p) < len) {
                err = slerr_set(SL_ERR_PARSE, "file sink: bad opstate");
                break;
            }
            char *name = slmem_alloc((size_t)len + 1);
            memcpy(name, p, len);
            name[len] = '\0';
            p += len;
            if (j % par == s->subtask) {
                add_pending(s, name, id);
            }
            slmem_grow((void **)&keep, &cap_keep, n_keep + 1, sizeof *keep);
            keep[n_keep++] = name;
        }
    }
    if (!err) {
        pthread_mutex_lock(&s->conf->mu);
        if (!s->conf->recovered) {
            s->conf->recovered = true;
            s->conf->truncated = true;
            err = recover(s->conf, ck_id, keep, n_keep);
        }
        pthread_mutex_unlock(&s->conf->mu);
    }
    for (size_t k = 0; k < n_keep; k++) {
        slmem_free(keep[k]);
    }
    slmem_free(keep);
    return err;
}

static void sink_checkpoint_done(slop *op, int64_t id) {
    sinkop *s = (sinkop *)op;
    if (!s->twopc) {
        return;
    }
    size_t k = 0;
    pthread_mutex_lock(&s->conf->mu);
    for (; k < s->n_pending && s->pend_id[k] <= id; k++) {
        slerr_clear();
        if (publish(s->conf, s->pending[k]) != SL_OK) {
            sllog_warn("file sink '%s': publishing '%s' failed: %s (retried at the next "
                       "checkpoint)",
                       s->conf->path, s->pending[k], sl_errmsg());
            break;
        }
        slmem_free(s->pending[k]);
    }
    pthread_mutex_unlock(&s->conf->mu);
    if (k == 0) {
        return;
    }
    memmove(s->pending, s->pending + k, (s->n_pending - k) * sizeof *s->pending);
    memmove(s->pend_id, s->pend_id + k, (s->n_pending - k) * sizeof *s->pend_id);
    s->n_pending -= k;
}

static sl_err sink_open(slop *op, slopctx *ctx) {
    sinkop *s = (sinkop *)op;
    op->ctx = ctx;
    slsink_conf *c = s->conf;
    if (c->kind == SLSINK_PRINT) {
        s->fd = c->fd_print;
    } else if (c->kind == SLSINK_FILE && ctx->checkpointing) {
        return twopc_open(s, ctx);
    } else if (c->kind == SLSINK_FILE) {
        pthread_mutex_lock(&c->mu);
        int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (c->truncated ? 0 : O_TRUNC);
        s->fd = open(c->path, flags, 0644);
        if (s->fd >= 0) {
            c->truncated = true;
        }
        pthread_mutex_unlock(&c->mu);
        if (s->fd < 0) {
            return slerr_set(SL_ERR_IO, "file sink '%s': %s", c->path, strerror(errno));
        }
    }
    return SL_OK;
}

static void write_out(sinkop *s) {
    if (s->twopc) {
        twopc_write(s);
        return;
    }
    const char *p = s->out.data;
    size_t n = s->out.len;
    pthread_mutex_lock(&s->conf->mu);
    while (n > 0) {
        ssize_t k = write(s->fd, p, n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            if (!s->write_failed) {
                sllog_warn("%s sink: write failed: %s",
                           s->conf->kind == SLSINK_FILE ? s->conf->path : "print",
                           strerror(errno));
                s->write_failed = true;
            }
            break;
        }
        p += k;
        n -= (size_t)k;
    }
    pthread_mutex_unlock(&s->conf->mu);
    slbuf_reset(&s->out);
}

static void sink_batch(slop *op, int input, slbatch *b) {
    SL_UNUSED(input);
    sinkop *s = (sinkop *)op;
    if (s->conf->on_batch) {
        s->conf->on_batch(s->conf->on_batch_user, op->ctx ? op->ctx->subtask : 0, b);
    }
    if (s->conf->kind == SLSINK_DISCARD) {
        /* counted below */
    } else if (s->conf->kind == SLSINK_FOREACH) {
        sl_row r = {b, 0};
        for (r.i = 0; r.i < b->n; r.i++) {
            s->conf->fn(&r, s->conf->user);
        }
    } else {
        bool json = s->conf->format == SL_FORMAT_JSON;
        bool with_kind = !s->conf->no_kind;
        for (uint32_t i = 0; i < b->n; i++) {
            if (json) {
                slfmt_json_row(&s->out, b, i, with_kind);
            } else {
                slfmt_csv_row(&s->out, b, i, with_kind);
            }
            slbuf_putc(&s->out, '\n');
        }
        write_out(s);
    }
    if (op->ctx && op->ctx->metrics) {
        slmetric_add(&op->ctx->metrics->rows_out, b->n);
    }
    slbatch_free(b);
}

static void sink_end(slop *op) {
    sinkop *s = (sinkop *)op;
    if (s->out.len) {
        write_out(s);
    }
    if (s->twopc) {
        return; /* the final checkpoint publishes the rest */
    }
    if (s->conf->kind == SLSINK_FILE && s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

static void sink_free(slop *op) {
    sinkop *s = (sinkop *)op;
    if (!s) {
        return;
    }
    if (s->conf->kind == SLSINK_FILE && s->fd >= 0) {
        close(s->fd);
    }
    for (size_t k = 0; k < s->n_pending; k++) {
        slmem_free(s->pending[k]);
    }
    slmem_free(s->pending);
    slmem_free(s->pend_id);
    slmem_free(s->inprog);
    slbuf_free(&s->out);
    slmem_free(s);
}

static const slop_vt sink_vt = {
    .name = "sink",
    .open = sink_open,
    .batch_take = sink_batch,
    .end = sink_end,
    .free = sink_free,
    .snapshot = sink_snapshot,
    .restore = sink_restore,
    .checkpoint_done = sink_checkpoint_done,
};

slop *slsink_new(void *conf, int subtask) {
    sinkop *s = slmem_calloc(1, sizeof *s);
    s->base.vt = &sink_vt;
    s->conf = conf;
    s->fd = -1;
    s->subtask = subtask;
    return &s->base;
}
