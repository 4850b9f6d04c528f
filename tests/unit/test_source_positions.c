/*
 * test_source_positions.c - source positions for checkpoints (the slsource_vt
 * snapshot/restore hooks): a source read up to batch k, its position
 * snapshotted, and a new source restored from it and read to the end gives
 * exactly the rows of an uninterrupted read, for every cut k. File source
 * (JSON lines; CSV with a byte order mark, a header, CRLF, a quoted newline
 * and no final newline), datagen (two subtasks), nexmark; stdin has no
 * position; a restore with another parallelism is refused by the generators.
 */
#include <unistd.h>

#include "connectors/connectors.h"
#include "test.h"

typedef struct harness {
    slopctx ctx;
    slopmetrics metrics;
} harness;

static void drop(slopctx *c, int port, slbatch *b) {
    SL_UNUSED(c);
    SL_UNUSED(port);
    slbatch_free(b);
}

static void harness_init(harness *h, int subtask, int par) {
    memset(h, 0, sizeof *h);
    h->ctx.emit = drop;
    h->ctx.rt = h;
    h->ctx.batch_rows = 3;
    h->ctx.subtask = subtask;
    h->ctx.parallelism = par;
    h->ctx.metrics = &h->metrics;
    h->ctx.dead_connected = true;
}

typedef slsource *(*factory)(void *conf, int subtask, int par);

/* Read from s (opened) until END or `max_batches` batches; rows as JSON lines
 * into out. Returns the batches read (the call that said END included). */
static int read_some(slsource *s, const sl_schema *schema, int max_batches, slbuf *out) {
    slbatch *b = slbatch_new(schema, 3);
    int n = 0;
    while (n < max_batches) {
        slbatch_clear(b);
        slsrc_status st = s->vt->read(s, b);
        for (uint32_t i = 0; i < b->n; i++) {
            slfmt_json_row(out, b, i, false);
            slbuf_putc(out, '\n');
        }
        n++;
        if (st == SLSRC_END || st == SLSRC_ERROR) {
            break;
        }
    }
    slbatch_free(b);
    slop_dead_letter_flush(s->ctx);
    return n;
}

/* Cut at every batch: the rows before and after equal a full read. */
static void check_cuts(factory f, void *conf, const sl_schema *schema, int subtask, int par) {
    slbuf full = {0};
    harness h;
    harness_init(&h, subtask, par);
    slsource *s = f(conf, subtask, par);
    CHECK(s->vt->snapshot && s->vt->restore);
    CHECK(s->vt->open(s, &h.ctx) == SL_OK);
    int total = read_some(s, schema, 100000, &full);
    CHECK(total < 1000);
    s->vt->free(s);
    slbatch_free(h.ctx.dead);
    for (int k = 0; k <= total; k++) {
        slbuf got = {0};
        slbuf *pos = slmem_calloc((size_t)par, sizeof *pos);
        harness h1;
        harness_init(&h1, subtask, par);
        slsource *a = f(conf, subtask, par);
        CHECK(a->vt->open(a, &h1.ctx) == SL_OK);
        read_some(a, schema, k, &got);
        CHECK(a->vt->snapshot(a, 7, &pos[subtask]) == SL_OK);
        a->vt->free(a);
        slbatch_free(h1.ctx.dead);
        harness h2;
        harness_init(&h2, subtask, par);
        slsource *b = f(conf, subtask, par);
        CHECK(b->vt->open(b, &h2.ctx) == SL_OK);
        CHECK(b->vt->restore(b, pos, par) == SL_OK);
        read_some(b, schema, 1000000, &got);
        b->vt->free(b);
        slbatch_free(h2.ctx.dead);
        CHECK_STR(slbuf_cstr(&got), slbuf_cstr(&full));
        for (int j = 0; j < par; j++) {
            slbuf_free(&pos[j]);
        }
        slmem_free(pos);
        slbuf_free(&got);
    }
    CHECK(full.len > 0);
    slbuf_free(&full);
}

static char *temp_file(const char *content) {
    char *path = slmem_strdup("/tmp/sluice_test_pos_XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, content, strlen(content)), strlen(content));
    close(fd);
    return path;
}

TEST(file_json_every_cut) {
    char *p = temp_file("{\"id\":1,\"s\":\"a\"}\n\n{\"id\":2,\"s\":\"b\"}\nnot json\n{\"id\":3}\n"
                        "{\"id\":4,\"s\":\"d\"}\n{\"id\":5}\n{\"id\":6}\n{\"id\":7,\"s\":\"last\"}");
    sl_schema *s = schema_of("id BIGINT, s STRING");
    slfile_conf *c = slfile_conf_new(p, SL_FORMAT_JSON, s);
    c->read_bytes = 5; /* records cross reads */
    check_cuts(slfile_source_new, c, s, 0, 1);
    slfile_conf_free(c);
    sl_schema_free(s);
    unlink(p);
    slmem_free(p);
}

TEST(file_csv_with_header_every_cut) {
    char *p = temp_file("\xEF\xBB\xBF"
                        "s,id\r\nx,1\r\n\"multi\nline\",2\r\ny,3\r\nz,4\r\nw,5\r\nv,6\r\nlast,7");
    sl_schema *s = schema_of("id BIGINT, s STRING");
    slfile_conf *c = slfile_conf_new(p, SL_FORMAT_CSV, s);
    c->csv_header = true;
    c->read_bytes = 4;
    check_cuts(slfile_source_new, c, s, 0, 1);
    slfile_conf_free(c);
    sl_schema_free(s);
    unlink(p);
    slmem_free(p);
}

TEST(stdin_has_no_position) {
    sl_schema *s = schema_of("id BIGINT");
    slfile_conf *c = slfile_conf_new("-", SL_FORMAT_JSON, s);
    slsource *src = slfile_source_new(c, 0, 1);
    CHECK(src->vt->snapshot == NULL);
    src->vt->free(src);
    slfile_conf_free(c);
    sl_schema_free(s);
}

TEST(datagen_every_cut_two_subtasks) {
    sl_schema *s = schema_of("id BIGINT, name STRING, x DOUBLE");
    sldatagen_conf *c = NULL;
    CHECK(sldatagen_conf_parse(s, "number-of-rows=40", &c) == SL_OK);
    for (int sub = 0; sub < 2; sub++) {
        check_cuts(sldatagen_source_new, c, s, sub, 2);
    }
    /* another parallelism: refused */
    harness h;
    harness_init(&h, 0, 3);
    slsource *src = sldatagen_source_new(c, 0, 3);
    CHECK(src->vt->open(src, &h.ctx) == SL_OK);
    slbuf pos[2] = {{0}, {0}};
    uint64_t v[2] = {0, 0};
    slbuf_put(&pos[0], v, sizeof v);
    slbuf_put(&pos[1], v, sizeof v);
    CHECK(src->vt->restore(src, pos, 2) == SL_ERR_ARG);
    CHECK_CONTAINS(sl_errmsg(), "another parallelism");
    src->vt->free(src);
    slbuf_free(&pos[0]);
    slbuf_free(&pos[1]);
    sldatagen_conf_free(c);
    sl_schema_free(s);
}

TEST(nexmark_every_cut) {
    slnexmark_conf *c = slnexmark_conf_new();
    CHECK(slnexmark_conf_set(c, "events.num", "60") == SL_OK);
    CHECK(slnexmark_conf_set(c, "nexmark.table", "bid") == SL_OK);
    CHECK(slnexmark_conf_prepare(c, NULL) == SL_OK);
    check_cuts(slnexmark_source_new, c, c->schema, 0, 1);
    slnexmark_conf_free(c);
}
