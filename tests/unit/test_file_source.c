/*
 * Unit tests for the file source (src/connectors/file.c), driven directly
 * through its factory with a hand-made operator context that captures the
 * dead letters (port 1).
 */
#include <unistd.h>

#include "connectors/connectors.h"
#include "test.h"

typedef struct harness {
    slopctx ctx;
    slopmetrics metrics;
    slbuf dead; /* "position|reason|raw\n" per dead letter */
    int n_dead;
} harness;

static void capture(slopctx *c, int port, slbatch *b) {
    harness *h = c->rt;
    CHECK_INT(port, 1);
    for (uint32_t i = 0; i < b->n; i++) {
        for (int col = 1; col < 4; col++) {
            slbuf_put(&h->dead, b->cols[col].v.s[i].ptr, b->cols[col].v.s[i].len);
            slbuf_putc(&h->dead, col < 3 ? '|' : '\n');
        }
        CHECK(b->cols[0].v.s[i].len == 4 && memcmp(b->cols[0].v.s[i].ptr, "file", 4) == 0);
        h->n_dead++;
    }
    slbatch_free(b);
}

static void harness_init(harness *h) {
    memset(h, 0, sizeof *h);
    h->ctx.emit = capture;
    h->ctx.rt = h;
    h->ctx.batch_rows = SL_DEFAULT_BATCH_ROWS;
    h->ctx.parallelism = 1;
    h->ctx.metrics = &h->metrics;
    h->ctx.dead_connected = true;
}

static void harness_free(harness *h) {
    slbatch_free(h->ctx.dead);
    slbuf_free(&h->dead);
}

static char *temp_file(const char *content, size_t len) {
    char *path = slmem_strdup("/tmp/sluice_test_file_XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_INT(write(fd, content, len), len);
    close(fd);
    return path;
}

/*
 * Read everything from a file source over `conf` with batches of `batch_rows`,
 * appending each row as a JSON line to `out`. Returns the last status.
 */
static slsrc_status read_all(slfile_conf *conf, harness *h, uint32_t batch_rows, slbuf *out,
                             int *n_calls) {
    slsource *s = slfile_source_new(conf, 0, 1);
    slsrc_status st = SLSRC_ERROR;
    if (s->vt->open(s, &h->ctx) != SL_OK) {
        s->vt->free(s);
        return SLSRC_ERROR;
    }
    slbatch *b = slbatch_new(conf->schema, batch_rows);
    int calls = 0;
    for (;;) {
        slbatch_clear(b);
        st = s->vt->read(s, b);
        calls++;
        for (uint32_t i = 0; i < b->n; i++) {
            CHECK_INT(b->ts[i], 0);
            slfmt_json_row(out, b, i, false);
            slbuf_putc(out, '\n');
        }
        if (st != SLSRC_MORE || calls > 100000) {
            break;
        }
    }
    CHECK_INT(slfile_source_offset(s) <= (uint64_t)1 << 40, 1);
    slop_dead_letter_flush(&h->ctx);
    slbatch_free(b);
    s->vt->free(s);
    if (n_calls) {
        *n_calls = calls;
    }
    return st;
}

TEST(json_good_and_bad_lines) {
    const char *text = "{\"id\":1,\"name\":\"a\"}\n"
                       "\n"
                       "{\"id\":2,\"name\":\"b\"}\n"
                       "{\"id\":\"x\"}\n"
                       "not json\n"
                       "{\"id\":3,\"name\":\"c\",\"extra\":[1,{}]}\n"
                       "{\"id\":4}\n";
    char *path = temp_file(text, strlen(text));
    sl_schema *s = schema_of("id BIGINT, name STRING");
    slfile_conf *conf = slfile_conf_new(path, SL_FORMAT_JSON, s);
    uint32_t sizes[] = {1, 2, 3, 1024};
    for (size_t k = 0; k < SL_ARRAY_LEN(sizes); k++) {
        harness h;
        harness_init(&h);
        slbuf out = {0};
        CHECK_INT(read_all(conf, &h, sizes[k], &out, NULL), SLSRC_END);
        CHECK_STR(slbuf_cstr(&out), "{\"id\":1,\"name\":\"a\"}\n"
                                    "{\"id\":2,\"name\":\"b\"}\n"
                                    "{\"id\":3,\"name\":\"c\"}\n"
                                    "{\"id\":4,\"name\":null}\n");
        char want[1024];
        snprintf(want, sizeof want,
                 "%s:4|field 'id': expected an integer, found string|{\"id\":\"x\"}\n"
                 "%s:5|invalid JSON at column 1: expected '{'|not json\n",
                 path, path);
        CHECK_STR(slbuf_cstr(&h.dead), want);
        CHECK_INT(h.metrics.rows_dead, 2);
        slbuf_free(&out);
        harness_free(&h);
    }
    slfile_conf_free(conf);
    sl_schema_free(s);
    unlink(path);
    slmem_free(path);
}

TEST(empty_file_and_no_trailing_newline) {
    sl_schema *s = schema_of("id BIGINT");
    char *path = temp_file("", 0);
    slfile_conf *conf = slfile_conf_new(path, SL_FORMAT_JSON, s);
    harness h;
    harness_init(&h);
    slbuf out = {0};
    int calls = 0;
    CHECK_INT(read_all(conf, &h, 4, &out, &calls), SLSRC_END);
    CHECK_INT(out.len, 0);
    CHECK_INT(calls, 1);
    CHECK_INT(h.n_dead, 0);
    slfile_conf_free(conf);
    unlink(path);
    slmem_free(path);
    harness_free(&h);

    /* no newline at the end; a bad last line still gets its line number */
    const char *text = "{\"id\":1}\n{\"id\":2}\n{\"id\":";
    path = temp_file(text, strlen(text));
    conf = slfile_conf_new(path, SL_FORMAT_JSON, s);
    harness_init(&h);
    out.len = 0;
    CHECK_INT(read_all(conf, &h, 4, &out, NULL), SLSRC_END);
    CHECK_STR(slbuf_cstr(&out), "{\"id\":1}\n{\"id\":2}\n");
    char want[512];
    snprintf(want, sizeof want, "%s:3|invalid JSON at column 7: unexpected end of line|{\"id\":\n",
             path);
    CHECK_STR(slbuf_cstr(&h.dead), want);
    slfile_conf_free(conf);
    unlink(path);
    slmem_free(path);
    harness_free(&h);

    text = "{\"id\":5}";
    path = temp_file(text, strlen(text));
    conf = slfile_conf_new(path, SL_FORMAT_JSON, s);
    harness_init(&h);
    out.len = 0;
    CHECK_INT(read_all(conf, &h, 4, &out, NULL), SLSRC_END);
    CHECK_STR(slbuf_cstr(&out), "{\"id\":5}\n");
    slfile_conf_free(conf);
    unlink(path);
    slmem_free(path);
    harness_free(&h);
    slbuf_free(&out);
    sl_schema_free(s);
}

TEST(crlf_bom_and_long_lines) {
    sl_schema *s = schema_of("id BIGINT, name STRING");
    slbuf text = {0};
    slbuf_puts(&text, "\xEF\xBB\xBF{\"id\":1,\"name\":\"x\"}\r\n\r\n");
    slbuf_puts(&text, "{\"id\":2,\"name\":\"");
    for (int k = 0; k < 100000; k++) {
        slbuf_putc(&text, (char)('a' + k % 26));
    }
    slbuf_puts(&text, "\"}\r\n{\"id\":oops}\r\n{\"id\":3}\r\n");
    char *path = temp_file(text.data, text.len);
    slfile_conf *conf = slfile_conf_new(path, SL_FORMAT_JSON, s);
    size_t reads[] = {0, 1, 7, 64};
    for (size_t k = 0; k < SL_ARRAY_LEN(reads); k++) {
        conf->read_bytes = reads[k];
        harness h;
        harness_init(&h);
        slbuf out = {0};
        CHECK_INT(read_all(conf, &h, 2, &out, NULL), SLSRC_END);
        const char *o = slbuf_cstr(&out);
        CHECK(strncmp(o, "{\"id\":1,\"name\":\"x\"}\n{\"id\":2,\"name\":\"abcdef", 42) == 0);
        CHECK(strcmp(o + out.len - 28, "abcd\"}\n{\"id\":3,\"name\":null}\n") == 0);
        CHECK_INT(out.len, 20 + 16 + 100000 + 3 + 21);
        char want[512];
        snprintf(want, sizeof want, "%s:4|invalid JSON at column 7: expected a value|{\"id\":oops}\n",
                 path);
        CHECK_STR(slbuf_cstr(&h.dead), want);
        slbuf_free(&out);
        harness_free(&h);
    }
    slfile_conf_free(conf);
    unlink(path);
    slmem_free(path);
    slbuf_free(&text);
    sl_schema_free(s);
}

TEST(csv_multiline_and_header) {
    sl_schema *s = schema_of("id BIGINT, note STRING, v DOUBLE");
    const char *text = "v,id,note\r\n"
                       "1.5,1,plain\r\n"
                       "2.5,2,\"two\r\nlines, with \"\"quotes\"\"\"\r\n"
                       "x,3,bad\r\n"
                       "4.5,4\r\n"
                       "5.5,5,\"three\n\nlines\"\n"
                       "6.5,6,\"\"\n"
                       "7.5,7,\"never closed\n"
                       "8.5,8,x\n";
    char *path = temp_file(text, strlen(text));
    slfile_conf *conf = slfile_conf_new(path, SL_FORMAT_CSV, s);
    conf->csv_header = true;
    size_t reads[] = {0, 1, 5};
    for (size_t k = 0; k < SL_ARRAY_LEN(reads); k++) {
        conf->read_bytes = reads[k];
        harness h;
        harness_init(&h);
        slbuf out = {0};
        CHECK_INT(read_all(conf, &h, 3, &out, NULL), SLSRC_END);
        CHECK_STR(slbuf_cstr(&out),
                  "{\"id\":1,\"note\":\"plain\",\"v\":1.5}\n"
                  "{\"id\":2,\"note\":\"two\\r\\nlines, with \\\"quotes\\\"\",\"v\":2.5}\n"
                  "{\"id\":5,\"note\":\"three\\n\\nlines\",\"v\":5.5}\n"
                  "{\"id\":6,\"note\":\"\",\"v\":6.5}\n");
        char want[1024];
        snprintf(want, sizeof want,
                 "%s:5|column 'v': expected a number, found 'x'|x,3,bad\n"
                 "%s:6|expected 3 fields, found 2|4.5,4\n"
                 "%s:11|invalid CSV at column 7: unterminated quoted field|7.5,7,\"never "
                 "closed\n8.5,8,x\n\n",
                 path, path, path);
        CHECK_STR(slbuf_cstr(&h.dead), want);
        slbuf_free(&out);
        harness_free(&h);
    }
    /* without the header the header line itself is a bad record */
    conf->csv_header = false;
    conf->read_bytes = 0;
    harness h;
    harness_init(&h);
    slbuf out = {0};
    CHECK_INT(read_all(conf, &h, 3, &out, NULL), SLSRC_END);
    CHECK_INT(h.n_dead, 8);
    char want[512];
    snprintf(want, sizeof want, "%s:1|column 'id': expected an integer, found 'v'|v,id,note\n",
             path);
    CHECK(strncmp(slbuf_cstr(&h.dead), want, strlen(want)) == 0);
    slbuf_free(&out);
    harness_free(&h);
    slfile_conf_free(conf);
    unlink(path);
    slmem_free(path);
    sl_schema_free(s);
}

TEST(csv_bad_header_and_missing_file) {
    sl_schema *s = schema_of("id BIGINT");
    const char *text = "a,b\n1,2\n";
    char *path = temp_file(text, strlen(text));
    slfile_conf *conf = slfile_conf_new(path, SL_FORMAT_CSV, s);
    conf->csv_header = true;
    harness h;
    harness_init(&h);
    slbuf out = {0};
    CHECK_INT(read_all(conf, &h, 3, &out, NULL), SLSRC_ERROR);
    char want[512];
    snprintf(want, sizeof want,
             "file source '%s': line 1: CSV header names none of the columns (a,b)", path);
    CHECK_STR(sl_errmsg(), want);
    harness_free(&h);
    slfile_conf_free(conf);
    unlink(path);
    slmem_free(path);

    conf = slfile_conf_new("/nonexistent/dir/x.jsonl", SL_FORMAT_JSON, s);
    harness_init(&h);
    CHECK_INT(read_all(conf, &h, 3, &out, NULL), SLSRC_ERROR);
    CHECK_STR(sl_errmsg(), "file source '/nonexistent/dir/x.jsonl': No such file or directory");
    harness_free(&h);
    slfile_conf_free(conf);
    slbuf_free(&out);
    sl_schema_free(s);
}

TEST(other_subtasks_read_nothing) {
    sl_schema *s = schema_of("id BIGINT");
    slfile_conf *conf = slfile_conf_new("/nonexistent", SL_FORMAT_JSON, s);
    harness h;
    harness_init(&h);
    slsource *src = slfile_source_new(conf, 1, 2);
    CHECK_INT(src->vt->open(src, &h.ctx), SL_OK);
    slbatch *b = slbatch_new(s, 4);
    CHECK_INT(src->vt->read(src, b), SLSRC_END);
    CHECK_INT(b->n, 0);
    slbatch_free(b);
    src->vt->free(src);
    harness_free(&h);
    slfile_conf_free(conf);
    sl_schema_free(s);
}
