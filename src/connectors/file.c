/*
 * file.c - the file/stdin source: reads JSON lines or CSV with large read()
 * calls into one buffer, splits records in place (no per-line allocation) and
 * decodes them straight into the batch the runtime passes to read().
 *
 * Buffer invariant: bytes [start, len) of buf are not consumed yet; `start`
 * is the first byte of the current record, which began on line `line` at file
 * offset `offset`; `phys` is the first byte of the physical line being looked
 * at (CSV records may span lines); no '\n' lies in [phys, scan). The buffer
 * grows (doubling) only when one record is longer than it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "connectors/connectors.h"
#include "data/formats.h"

#ifdef SL_SMALL_BUFFERS
#define READ_BYTES 16 /* every record crosses reads and the buffer grows */
#else
#define READ_BYTES (1u << 20)
#endif

typedef struct filesrc {
    slsource base;
    const slfile_conf *conf; /* borrowed: owned by the graph */
    bool reader;             /* this subtask reads (subtask 0) */
    int fd;                  /* owned unless it is 0 (stdin) */
    bool eof, done;
    char *buf; /* owned */
    size_t cap, start, phys, scan, len;
    uint64_t line;   /* line number of the record at start (1-based) */
    uint64_t offset; /* file offset of buf[start] */
    int csv_state;   /* quote tracker of the record being joined */
    uint64_t rec_lines; /* physical lines joined into the record so far */
    bool header_pending;
    sljson_dec json;
    slcsv_dec csv;
    char reason[SLFMT_REASON_MAX];
} filesrc;

slfile_conf *slfile_conf_new(const char *path, sl_format format, const sl_schema *schema) {
    slfile_conf *c = slmem_calloc(1, sizeof *c);
    c->path = slmem_strdup(path);
    c->format = format;
    c->schema = slschema_ref(schema);
    c->csv_delim = ',';
    return c;
}

void slfile_conf_free(void *conf) {
    slfile_conf *c = conf;
    if (!c) {
        return;
    }
    slmem_free(c->path);
    slschema_unref(c->schema);
    slmem_free(c);
}

static sl_err file_open(slsource *s, slopctx *c) {
    filesrc *f = (filesrc *)s;
    s->ctx = c;
    if (!f->reader) {
        return SL_OK;
    }
    const char *path = f->conf->path;
    if (strcmp(path, "-") == 0) {
        f->fd = 0;
    } else {
        f->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (f->fd < 0) {
            return slerr_set(SL_ERR_IO, "file source '%s': %s", path, strerror(errno));
        }
    }
    f->cap = f->conf->read_bytes ? f->conf->read_bytes : READ_BYTES;
    f->buf = slmem_alloc(f->cap);
    return SL_OK;
}

/* Make room and read more bytes; sets eof at the end of the input. */
static sl_err fill(filesrc *f) {
    if (f->start > 0) {
        size_t keep = f->len - f->start;
        memmove(f->buf, f->buf + f->start, keep);
        f->phys -= f->start;
        f->scan -= f->start;
        f->len = keep;
        f->start = 0;
    }
    if (f->len == f->cap) {
        f->cap = slmem_mul(f->cap, 2);
        f->buf = slmem_realloc(f->buf, f->cap);
    }
    size_t want = f->cap - f->len;
    if (f->conf->read_bytes && want > f->conf->read_bytes) {
        want = f->conf->read_bytes;
    }
    for (;;) {
        ssize_t k = read(f->fd, f->buf + f->len, want);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k < 0) {
            return slerr_set(SL_ERR_IO, "file source '%s': read failed: %s", f->conf->path,
                             strerror(errno));
        }
        if (k == 0) {
            f->eof = true;
        }
        bool first = f->offset == 0 && f->len == 0;
        f->len += (size_t)k;
        if (first && f->len >= 3 && memcmp(f->buf, "\xEF\xBB\xBF", 3) == 0) {
            f->start = f->phys = f->scan = 3; /* a UTF-8 byte order mark */
            f->offset = 3;
        }
        return SL_OK;
    }
}

/* Decode the record [start, end) into b or send it to the dead letters. */
static slsrc_status record(filesrc *f, slbatch *b, size_t end) {
    const char *rec = f->buf + f->start;
    size_t n = end - f->start;
    if (n && rec[n - 1] == '\r') {
        n--;
    }
    bool ok;
    if (f->conf->format == SL_FORMAT_CSV) {
        if (f->header_pending) {
            bool blank = true;
            for (size_t k = 0; k < n && blank; k++) {
                blank = rec[k] == ' ' || rec[k] == '\t';
            }
            if (blank) {
                return SLSRC_MORE;
            }
            f->header_pending = false;
            if (!slcsv_dec_header(&f->csv, rec, n, f->reason, sizeof f->reason)) {
                slerr_set(SL_ERR_PARSE, "file source '%s': line %llu: %s", f->conf->path,
                          (unsigned long long)f->line, f->reason);
                return SLSRC_ERROR;
            }
            return SLSRC_MORE;
        }
        ok = slcsv_decode_row(&f->csv, b, rec, n, f->reason, sizeof f->reason);
    } else {
        ok = sljson_decode_row(&f->json, b, rec, n, f->reason, sizeof f->reason);
    }
    if (!ok) {
        char pos[4096];
        snprintf(pos, sizeof pos, "%s:%llu", f->conf->path, (unsigned long long)f->line);
        slop_dead_letter(f->base.ctx, "file", pos, f->reason, rec, n);
    }
    return SLSRC_MORE;
}

static slsrc_status file_read(slsource *s, slbatch *b) {
    filesrc *f = (filesrc *)s;
    if (!f->reader || f->done) {
        return SLSRC_END;
    }
    uint32_t n0 = b->n;
    bool csv = f->conf->format == SL_FORMAT_CSV;
    while (!slbatch_full(b)) {
        const char *nl = f->scan < f->len ? memchr(f->buf + f->scan, '\n', f->len - f->scan) : NULL;
        size_t end, next;
        if (nl) {
            end = (size_t)(nl - f->buf);
            next = end + 1;
            f->rec_lines++;
            if (csv && slcsv_continues(&f->csv_state, f->buf + f->phys, end - f->phys,
                                       f->conf->csv_delim)) {
                f->phys = f->scan = next; /* a quoted field holds this newline */
                continue;
            }
        } else if (!f->eof) {
            f->scan = f->len;
            if (b->n > n0) {
                break; /* hand on what is decoded before a read that may block (a pipe) */
            }
            if (fill(f) != SL_OK) {
                return SLSRC_ERROR;
            }
            continue;
        } else if (f->start < f->len) {
            end = next = f->len; /* the last record has no newline */
            f->rec_lines++;
        } else {
            f->done = true;
            break;
        }
        if (record(f, b, end) == SLSRC_ERROR) {
            return SLSRC_ERROR;
        }
        f->offset += next - f->start;
        f->line += f->rec_lines;
        f->rec_lines = 0;
        f->csv_state = 0;
        f->start = f->phys = f->scan = next;
    }
    /* End only in a call that added nothing, so no caller can drop rows. */
    return b->n > n0 || !f->done ? SLSRC_MORE : SLSRC_END;
}

static void file_free(slsource *s) {
    filesrc *f = (filesrc *)s;
    if (!f) {
        return;
    }
    if (f->fd > 0) {
        close(f->fd);
    }
    slmem_free(f->buf);
    sljson_dec_free(&f->json);
    slcsv_dec_free(&f->csv);
    slmem_free(f);
}

/* Position: [u64 byte offset][u64 line][u8 done] (host order) of the next
 * record, from subtask 0 (the reader); other subtasks append nothing. */
static sl_err file_snapshot(slsource *s, int64_t id, slbuf *pos) {
    SL_UNUSED(id);
    filesrc *f = (filesrc *)s;
    if (!f->reader) {
        return SL_OK;
    }
    if (f->rec_lines || f->phys != f->start) {
        /* Never between reads (a read ends on a record boundary), but be safe. */
        return slerr_set(SL_ERR_STATE, "file source '%s': in the middle of a record",
                         f->conf->path);
    }
    uint64_t v[3] = {f->offset, f->line, f->done};
    slbuf_put(pos, v, sizeof v);
    return SL_OK;
}

static sl_err file_restore(slsource *s, const slbuf *pos, int n) {
    filesrc *f = (filesrc *)s;
    if (!f->reader) {
        return SL_OK;
    }
    uint64_t v[3];
    if (n < 1 || pos[0].len != sizeof v) {
        return slerr_set(SL_ERR_PARSE, "file source '%s': bad position in the checkpoint",
                         f->conf->path);
    }
    memcpy(v, pos[0].data, sizeof v);
    if (lseek(f->fd, (off_t)v[0], SEEK_SET) != (off_t)v[0]) {
        return slerr_set(SL_ERR_IO, "file source '%s': cannot seek to byte %llu: %s",
                         f->conf->path, (unsigned long long)v[0], strerror(errno));
    }
    f->offset = v[0];
    f->line = v[1];
    f->done = v[2] != 0;
    f->eof = f->done;
    f->start = f->phys = f->scan = f->len = 0;
    f->rec_lines = 0;
    f->csv_state = 0;
    if (v[0] > 0 && f->header_pending) {
        /* The header was read before the checkpoint: read it again for the
         * column mapping (the first non-blank line). */
        char hdr[65536];
        ssize_t k = pread(f->fd, hdr, sizeof hdr, 0);
        size_t at = k >= 3 && memcmp(hdr, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        while (k > 0 && at < (size_t)k) {
            const char *nl = memchr(hdr + at, '\n', (size_t)k - at);
            size_t end = nl ? (size_t)(nl - hdr) : (size_t)k;
            size_t len = end - at;
            if (len && hdr[at + len - 1] == '\r') {
                len--;
            }
            bool blank = true;
            for (size_t i = 0; i < len && blank; i++) {
                blank = hdr[at + i] == ' ' || hdr[at + i] == '\t';
            }
            if (!blank) {
                if (!slcsv_dec_header(&f->csv, hdr + at, len, f->reason, sizeof f->reason)) {
                    return slerr_set(SL_ERR_PARSE, "file source '%s': header: %s",
                                     f->conf->path, f->reason);
                }
                break;
            }
            at = end + 1;
        }
        f->header_pending = false;
    }
    return SL_OK;
}

static const slsource_vt file_vt = {
    .name = "file",
    .open = file_open,
    .read = file_read,
    .free = file_free,
    .snapshot = file_snapshot,
    .restore = file_restore,
};

/* stdin cannot rewind: no position hooks, so a job with checkpoints refuses it. */
static const slsource_vt stdin_vt = {
    .name = "stdin",
    .open = file_open,
    .read = file_read,
    .free = file_free,
};

slsource *slfile_source_new(void *conf, int subtask, int parallelism) {
    SL_UNUSED(parallelism);
    const slfile_conf *c = conf;
    filesrc *f = slmem_calloc(1, sizeof *f);
    f->base.vt = strcmp(c->path, "-") == 0 ? &stdin_vt : &file_vt;
    f->base.schema = c->schema;
    f->conf = c;
    f->reader = subtask == 0;
    f->fd = -1;
    f->line = 1;
    f->header_pending = c->format == SL_FORMAT_CSV && c->csv_header;
    sljson_dec_init(&f->json, c->schema);
    slcsv_dec_init(&f->csv, c->schema, c->csv_delim);
    return &f->base;
}

uint64_t slfile_source_offset(const slsource *s) {
    return ((const filesrc *)s)->offset;
}
