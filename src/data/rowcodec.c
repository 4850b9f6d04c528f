/*
 * rowcodec.c - rows as plain bytes (see data.h): what a cache or a state
 * table keeps of a row. Values are stored in host byte order: the bytes are
 * read back by the same build (snapshots record the format version).
 */
#include <string.h>

#include "data/data.h"

/* One pass to size the row, one reserve, one pass writing: the row codec is
 * on the hot path of every operator that stores rows (joins). */
void slrow_encode(slbuf *out, const slbatch *b, uint32_t i, int first, int n) {
    size_t size = 0;
    for (int c = first; c < first + n; c++) {
        const slcol *col = &b->cols[c];
        size += 1;
        if (!col->nulls[i]) {
            size += col->type == SL_BOOLEAN  ? 1
                    : col->type == SL_STRING ? 4 + (size_t)col->v.s[i].len
                                             : 8;
        }
    }
    slbuf_reserve(out, size);
    char *p = out->data + out->len;
    for (int c = first; c < first + n; c++) {
        const slcol *col = &b->cols[c];
        if (col->nulls[i]) {
            *p++ = 0;
            continue;
        }
        *p++ = 1;
        switch (col->type) {
        case SL_BOOLEAN:
            *p++ = (char)(col->v.b[i] != 0);
            break;
        case SL_DOUBLE:
            memcpy(p, &col->v.f64[i], 8);
            p += 8;
            break;
        case SL_STRING: {
            uint32_t len = col->v.s[i].len;
            memcpy(p, &len, 4);
            if (len) {
                memcpy(p + 4, col->v.s[i].ptr, len);
            }
            p += 4 + len;
            break;
        }
        default: /* BIGINT, TIMESTAMP */
            memcpy(p, &col->v.i64[i], 8);
            p += 8;
            break;
        }
    }
    out->len += size;
}

size_t slrow_decode(const char *p, slbatch *b, uint32_t row, int first, int n) {
    const char *start = p;
    for (int c = first; c < first + n; c++) {
        slcol *col = &b->cols[c];
        if (*p++ == 0) {
            col->nulls[row] = 1;
            continue;
        }
        switch (col->type) {
        case SL_BOOLEAN:
            slbatch_set_bool(b, c, row, *p++ != 0);
            break;
        case SL_DOUBLE: {
            double v;
            memcpy(&v, p, 8);
            p += 8;
            slbatch_set_f64(b, c, row, v);
            break;
        }
        case SL_STRING: {
            uint32_t len;
            memcpy(&len, p, 4);
            p += 4;
            slbatch_set_str(b, c, row, p, len);
            p += len;
            break;
        }
        default: {
            int64_t v;
            memcpy(&v, p, 8);
            p += 8;
            slbatch_set_i64(b, c, row, v);
            break;
        }
        }
    }
    return (size_t)(p - start);
}

size_t slrow_decode_some(const char *p, slbatch *b, uint32_t row, int first, int n,
                         const uint8_t *want) {
    const char *start = p;
    for (int c = first; c < first + n; c++) {
        if (*p++ == 0) {
            b->cols[c].nulls[row] = 1;
            continue;
        }
        sl_type t = b->cols[c].type;
        size_t w = t == SL_BOOLEAN ? 1 : 8;
        if (t == SL_STRING) {
            uint32_t len;
            memcpy(&len, p, 4);
            w = 4 + (size_t)len;
        }
        if (want[c - first]) {
            slrow_decode(p - 1, b, row, c, 1);
        }
        p += w;
    }
    return (size_t)(p - start);
}
