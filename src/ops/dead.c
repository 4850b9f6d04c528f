/*
 * dead.c - dead letters: malformed records with the reason and their position.
 *
 * Sources (and operators) call slop_dead_letter per bad record; rows gather in
 * the context's `dead` batch. slop_dead_letter_flush hands them on: to port 1
 * when the job consumes them as a stream (sl_stream_dead_letters), else as JSON
 * lines to the job's dead-letter output, one FILE shared by all tasks and
 * guarded by a mutex. A dead letter's event time is the processing time at
 * which it was found (ingestion time).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "ops/op.h"

/* A static schema, never freed: its reference count starts far from zero. */
static char f_source[] = "source", f_position[] = "position", f_reason[] = "reason",
            f_raw[] = "raw";
static slfield dead_fields[4] = {
    {f_source, SL_STRING}, {f_position, SL_STRING}, {f_reason, SL_STRING}, {f_raw, SL_STRING}};
static sl_schema dead_schema = {.n = 4, .cap = 4, .fields = dead_fields, .refs = 1 << 30};

const sl_schema *sldead_schema(void) {
    return &dead_schema;
}

struct sldead_out {
    pthread_mutex_t mu;
    char *path; /* owned; NULL = stderr */
    FILE *f;    /* owned unless it is stderr */
    bool failed; /* opening failed once: write to stderr */
};

/* Where dead letters go when a context has no sldead_out (stand-alone ops). */
static pthread_mutex_t stderr_mu = PTHREAD_MUTEX_INITIALIZER;

sldead_out *sldead_out_new(const char *path) {
    sldead_out *o = slmem_calloc(1, sizeof *o);
    pthread_mutex_init(&o->mu, NULL);
    if (path && strcmp(path, "-") != 0) {
        o->path = slmem_strdup(path);
    }
    return o;
}

void sldead_out_free(sldead_out *o) {
    if (!o) {
        return;
    }
    if (o->f && o->f != stderr) {
        fclose(o->f);
    }
    pthread_mutex_destroy(&o->mu);
    slmem_free(o->path);
    slmem_free(o);
}

static void write_lines(sldead_out *o, const slbuf *lines) {
    if (!o) {
        pthread_mutex_lock(&stderr_mu);
        fwrite(lines->data, 1, lines->len, stderr);
        pthread_mutex_unlock(&stderr_mu);
        return;
    }
    pthread_mutex_lock(&o->mu);
    if (!o->f) {
        if (o->path && !o->failed) {
            o->f = fopen(o->path, "a");
            if (!o->f) {
                sllog_warn("dead-letter.path %s: %s; writing dead letters to stderr", o->path,
                           strerror(errno));
                o->failed = true;
            }
        }
        if (!o->f) {
            o->f = stderr;
        }
    }
    fwrite(lines->data, 1, lines->len, o->f);
    fflush(o->f);
    pthread_mutex_unlock(&o->mu);
}

static void set_text(slbatch *b, int col, uint32_t i, const char *s, size_t n) {
    if (s) {
        slbatch_set_str(b, col, i, s, n);
    }
}

void slop_dead_letter(slopctx *c, const char *source, const char *position, const char *reason,
                      const char *raw, size_t raw_len) {
    if (!c->dead) {
        c->dead = slbatch_new(&dead_schema, c->batch_rows ? c->batch_rows : SL_DEFAULT_BATCH_ROWS);
    }
    slbatch *b = c->dead;
    uint32_t i = slbatch_begin_row(b);
    set_text(b, 0, i, source, source ? strlen(source) : 0);
    set_text(b, 1, i, position, position ? strlen(position) : 0);
    set_text(b, 2, i, reason, reason ? strlen(reason) : 0);
    set_text(b, 3, i, raw, raw_len);
    b->ts[i] = c->clock ? slclock_now(c->clock) : 0;
    b->n = i + 1;
    if (c->metrics) {
        slmetric_add(&c->metrics->rows_dead, 1);
    }
    if (slbatch_full(b)) {
        slop_dead_letter_flush(c);
    }
}

void slop_dead_letter_flush(slopctx *c) {
    slbatch *b = c->dead;
    if (!b || b->n == 0) {
        return;
    }
    if (c->dead_connected) {
        c->dead = NULL;
        c->emit(c, 1, b);
        return;
    }
    slbuf lines = {0};
    for (uint32_t i = 0; i < b->n; i++) {
        slfmt_json_row(&lines, b, i, false);
        slbuf_putc(&lines, '\n');
    }
    write_lines(c->dead_out, &lines);
    slbuf_free(&lines);
    slbatch_clear(b);
}
