/*
 * jansson.c - the jansson reader of the ingest bench (libs.h): json_loadb per
 * line (a document of reference-counted values), fields looked up by name.
 */
#include <jansson.h>

#include "libs.h"

typedef struct ctx {
    slbatch *b; /* owned by the caller */
    uint64_t rows, bad;
} ctx;

static void line(const char *p, size_t n, void *user) {
    ctx *x = user;
    json_error_t err;
    json_t *o = json_loadb(p, n, 0, &err);
    if (!o) {
        x->bad++;
        return;
    }
    slbatch *b = x->b;
    uint32_t row = slbatch_begin_row(b);
    for (int c = 0; c < b->schema->n; c++) {
        json_t *v = json_object_get(o, b->schema->fields[c].name);
        if (!v || json_is_null(v)) {
            continue;
        }
        switch (b->schema->fields[c].type) {
        case SL_BIGINT:
            slbatch_set_i64(b, c, row, json_integer_value(v));
            break;
        case SL_STRING:
            slbatch_set_str(b, c, row, json_string_value(v), json_string_length(v));
            break;
        case SL_TIMESTAMP: {
            int64_t us;
            if (sl_parse_timestamp(json_string_value(v), json_string_length(v), &us) == SL_OK) {
                slbatch_set_i64(b, c, row, us);
            }
            break;
        }
        default:
            break;
        }
    }
    b->n++;
    json_decref(o);
    if (b->n == b->cap) {
        x->rows += b->n;
        slbatch_clear(b);
    }
}

uint64_t slbench_ingest_jansson(const char *path, const sl_schema *schema, uint32_t batch_rows,
                                uint64_t *bad) {
    ctx x = {slbatch_new(schema, batch_rows), 0, 0};
    slbench_each_line(path, line, &x);
    x.rows += x.b->n;
    slbatch_free(x.b);
    *bad = x.bad;
    return x.rows;
}
