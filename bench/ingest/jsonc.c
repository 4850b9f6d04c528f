/*
 * jsonc.c - the json-c reader of the ingest bench (libs.h): one reused
 * tokener, json_tokener_parse_ex per line (a document of json_objects),
 * fields looked up by name.
 */
#include <json-c/json.h>

#include "libs.h"

typedef struct ctx {
    slbatch *b;              /* owned by the caller */
    struct json_tokener *tok; /* owned by the caller */
    uint64_t rows, bad;
} ctx;

static void line(const char *p, size_t n, void *user) {
    ctx *x = user;
    json_tokener_reset(x->tok);
    struct json_object *o = json_tokener_parse_ex(x->tok, p, (int)n);
    if (!o) {
        x->bad++;
        return;
    }
    slbatch *b = x->b;
    uint32_t row = slbatch_begin_row(b);
    for (int c = 0; c < b->schema->n; c++) {
        struct json_object *v;
        if (!json_object_object_get_ex(o, b->schema->fields[c].name, &v) || !v) {
            continue;
        }
        switch (b->schema->fields[c].type) {
        case SL_BIGINT:
            slbatch_set_i64(b, c, row, json_object_get_int64(v));
            break;
        case SL_STRING:
            slbatch_set_str(b, c, row, json_object_get_string(v),
                            (size_t)json_object_get_string_len(v));
            break;
        case SL_TIMESTAMP: {
            int64_t us;
            const char *s = json_object_get_string(v);
            if (sl_parse_timestamp(s, (size_t)json_object_get_string_len(v), &us) == SL_OK) {
                slbatch_set_i64(b, c, row, us);
            }
            break;
        }
        default:
            break;
        }
    }
    b->n++;
    json_object_put(o);
    if (b->n == b->cap) {
        x->rows += b->n;
        slbatch_clear(b);
    }
}

uint64_t slbench_ingest_jsonc(const char *path, const sl_schema *schema, uint32_t batch_rows,
                              uint64_t *bad) {
    ctx x = {slbatch_new(schema, batch_rows), json_tokener_new(), 0, 0};
    slbench_each_line(path, line, &x);
    x.rows += x.b->n;
    json_tokener_free(x.tok);
    slbatch_free(x.b);
    *bad = x.bad;
    return x.rows;
}
