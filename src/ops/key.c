/*
 * key.c - the byte encoding of row keys (for keyed state and partitioning) and
 * their hash, which decides key group and subtask.
 *
 * Encoding (version 1; state snapshots depend on it):
 *   - a key of one BIGINT or TIMESTAMP column: its 8 bytes (host order, i.e.
 *     little-endian on the platforms we build for); a NULL value is the single
 *     byte 0x00, which no 8-byte value can be confused with;
 *   - otherwise, for each key column in order: a tag byte, 0 = NULL (nothing
 *     follows) or 1 = value, then the value: BIGINT/TIMESTAMP 8 bytes,
 *     DOUBLE 8 bytes (IEEE, -0.0 stored as 0.0 so equal values group
 *     together), BOOLEAN 1 byte (0/1), STRING a 4-byte length then its bytes.
 * hash = slhash_bytes(encoded bytes, 0).
 *
 * Thread: any; functions only touch their arguments.
 */
#include "ops/op.h"

static const char key_null_byte = 0;

static bool single_i64(const slkeyspec *k, const slbatch *b) {
    if (k->n != 1) {
        return false;
    }
    sl_type t = b->cols[k->cols[0]].type;
    return t == SL_BIGINT || t == SL_TIMESTAMP;
}

static void put_value(slbuf *out, const slcol *col, uint32_t i) {
    switch (col->type) {
    case SL_BOOLEAN: {
        char v = col->v.b[i] ? 1 : 0;
        slbuf_putc(out, v);
        break;
    }
    case SL_DOUBLE: {
        double d = col->v.f64[i];
        if (d == 0.0) {
            d = 0.0; /* -0.0 and 0.0 are one key */
        }
        slbuf_put(out, &d, 8);
        break;
    }
    case SL_STRING: {
        uint32_t len = col->v.s[i].len;
        slbuf_put(out, &len, 4);
        slbuf_put(out, col->v.s[i].ptr, len);
        break;
    }
    default:
        slbuf_put(out, &col->v.i64[i], 8);
        break;
    }
}

uint64_t slkey_encode(const slkeyspec *k, const slbatch *b, uint32_t i, slbuf *out) {
    slbuf_reset(out);
    if (single_i64(k, b)) {
        const slcol *col = &b->cols[k->cols[0]];
        if (col->nulls[i]) {
            slbuf_putc(out, key_null_byte);
        } else {
            slbuf_put(out, &col->v.i64[i], 8);
        }
        return slhash_bytes(out->data, out->len, 0);
    }
    for (int j = 0; j < k->n; j++) {
        const slcol *col = &b->cols[k->cols[j]];
        if (col->nulls[i]) {
            slbuf_putc(out, 0);
            continue;
        }
        slbuf_putc(out, 1);
        put_value(out, col, i);
    }
    if (out->len == 0) {
        /* A key of no columns: every row has the same (empty) key. */
        slbuf_reserve(out, 1);
    }
    return slhash_bytes(out->data, out->len, 0);
}

void slkey_hash_batch(const slkeyspec *k, const slbatch *b, uint64_t *hashes, slbuf *scratch) {
    if (single_i64(k, b)) {
        const slcol *col = &b->cols[k->cols[0]];
        uint64_t null_hash = slhash_bytes(&key_null_byte, 1, 0);
        for (uint32_t i = 0; i < b->n; i++) {
            hashes[i] = col->nulls[i] ? null_hash : slhash_bytes(&col->v.i64[i], 8, 0);
        }
        return;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        hashes[i] = i > 0 && slkey_same(k, b, i, i - 1) ? hashes[i - 1]
                                                         : slkey_encode(k, b, i, scratch);
    }
}

bool slkey_same(const slkeyspec *k, const slbatch *b, uint32_t i, uint32_t j) {
    for (int x = 0; x < k->n; x++) {
        const slcol *c = &b->cols[k->cols[x]];
        if (c->nulls[i] != c->nulls[j]) {
            return false;
        }
        if (c->nulls[i]) {
            continue;
        }
        switch (c->type) {
        case SL_BOOLEAN:
            if (c->v.b[i] != c->v.b[j]) {
                return false;
            }
            break;
        case SL_STRING:
            if (c->v.s[i].len != c->v.s[j].len ||
                memcmp(c->v.s[i].ptr, c->v.s[j].ptr, c->v.s[i].len) != 0) {
                return false;
            }
            break;
        default: /* BIGINT, TIMESTAMP, DOUBLE: their 8 bytes */
            if (c->v.i64[i] != c->v.i64[j]) {
                return false;
            }
            break;
        }
    }
    return true;
}

void slkey_decode(const slkeyspec *k, const sl_schema *in_schema, const char *key, size_t len,
                  slbatch *b, int first_col, uint32_t row) {
    if (k->n == 1 && (in_schema->fields[k->cols[0]].type == SL_BIGINT ||
                      in_schema->fields[k->cols[0]].type == SL_TIMESTAMP)) {
        if (len == 8) {
            int64_t v;
            memcpy(&v, key, 8);
            slbatch_set_i64(b, first_col, row, v);
        } else {
            slbatch_set_null(b, first_col, row);
        }
        return;
    }
    size_t at = 0;
    for (int j = 0; j < k->n; j++) {
        int col = first_col + j;
        /* A truncated key (never produced by slkey_encode) leaves NULLs. */
        if (at >= len || key[at] == 0) {
            slbatch_set_null(b, col, row);
            at++;
            continue;
        }
        at++;
        switch (in_schema->fields[k->cols[j]].type) {
        case SL_BOOLEAN:
            if (at + 1 > len) {
                slbatch_set_null(b, col, row);
                break;
            }
            slbatch_set_bool(b, col, row, key[at] != 0);
            at += 1;
            break;
        case SL_DOUBLE: {
            double d;
            if (at + 8 > len) {
                slbatch_set_null(b, col, row);
                at = len;
                break;
            }
            memcpy(&d, key + at, 8);
            slbatch_set_f64(b, col, row, d);
            at += 8;
            break;
        }
        case SL_STRING: {
            uint32_t n;
            if (at + 4 > len) {
                slbatch_set_null(b, col, row);
                at = len;
                break;
            }
            memcpy(&n, key + at, 4);
            at += 4;
            if (n > len - at) {
                slbatch_set_null(b, col, row);
                at = len;
                break;
            }
            slbatch_set_str(b, col, row, key + at, n);
            at += n;
            break;
        }
        default: {
            int64_t v;
            if (at + 8 > len) {
                slbatch_set_null(b, col, row);
                at = len;
                break;
            }
            memcpy(&v, key + at, 8);
            slbatch_set_i64(b, col, row, v);
            at += 8;
            break;
        }
        }
    }
}
