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
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "connectors/connectors.h"

typedef struct sinkop {
    slop base;
    slsink_conf *conf; /* borrowed: owned by the graph */
    int fd;            /* owned for SLSINK_FILE */
    slbuf out;
    bool write_failed; /* warned once */
} sinkop;

slsink_conf *slsink_conf_new(slsink_kind kind, sl_format format) {
    slsink_conf *c = slmem_calloc(1, sizeof *c);
    c->kind = kind;
    c->format = format;
    c->fd_print = 1;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void slsink_conf_free(void *conf) {
    slsink_conf *c = conf;
    if (!c) {
        return;
    }
    pthread_mutex_destroy(&c->mu);
    slmem_free(c->path);
    slmem_free(c);
}

static sl_err sink_open(slop *op, slopctx *ctx) {
    sinkop *s = (sinkop *)op;
    op->ctx = ctx;
    slsink_conf *c = s->conf;
    if (c->kind == SLSINK_PRINT) {
        s->fd = c->fd_print;
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
    slbuf_free(&s->out);
    slmem_free(s);
}

static const slop_vt sink_vt = {
    .name = "sink",
    .open = sink_open,
    .batch_take = sink_batch,
    .end = sink_end,
    .free = sink_free,
};

slop *slsink_new(void *conf, int subtask) {
    SL_UNUSED(subtask);
    sinkop *s = slmem_calloc(1, sizeof *s);
    s->base.vt = &sink_vt;
    s->conf = conf;
    s->fd = -1;
    return &s->base;
}
