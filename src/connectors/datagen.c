/*
 * datagen.c - the built-in random data generator (Flink's 'datagen'
 * connector): per-column random values of the schema's types or sequences,
 * a row limit and an optional rate.
 *
 * Determinism: the value of column c in row i is a hash of (seed, i, c), so
 * the output does not depend on batch sizes, timing or how many read() calls
 * produce it. Random TIMESTAMPs are the exception: now (the context's clock)
 * minus a random amount up to max-past, as in Flink.
 *
 * Options (comma-separated key=value):
 *   number-of-rows=N          total rows (default: unbounded, or the shortest sequence)
 *   rows-per-second=R         rate limit against the context's clock (default: none)
 *   seed=S                    default 0
 *   fields.<col>.kind=random|sequence
 *   fields.<col>.min / .max   random BIGINT (inclusive; default the whole range) or
 *                             DOUBLE ([min, max); default [0, 1))
 *   fields.<col>.start / .end sequence bounds (inclusive; both required)
 *   fields.<col>.length       random STRING length (default 10)
 *   fields.<col>.null-rate    fraction of NULLs (default 0)
 *   fields.<col>.max-past     random TIMESTAMP: up to this duration before now (default 0)
 */
#include <math.h>
#include <stdio.h>

#include "connectors/connectors.h"

typedef struct dgsrc {
    slsource base;
    const sldatagen_conf *conf; /* borrowed: owned by the graph */
    uint64_t next_i;            /* next global row index of this subtask */
    uint64_t stride;            /* parallelism: subtask k makes rows k, k+p, ... */
    uint64_t made;              /* rows made by this subtask */
    int64_t start_us;           /* first read (rate limiting) */
    bool started;
} dgsrc;

void sldatagen_conf_free(void *conf) {
    sldatagen_conf *c = conf;
    if (c) {
        slschema_unref(c->schema);
        slmem_free(c->fields);
        slmem_free(c);
    }
}

/* ---- options ---- */

static sl_err bad_value(const char *key, size_t klen, const char *v, size_t vlen, const char *why) {
    return slerr_set(SL_ERR_ARG, "datagen option '%.*s': bad value '%.*s' (%s)", (int)klen, key,
                     (int)vlen, v, why);
}

static bool is_key(const char *k, size_t n, const char *name) {
    return strlen(name) == n && memcmp(k, name, n) == 0;
}

static sl_err field_option(sldatagen_conf *c, const char *key, size_t klen, const char *v,
                           size_t vlen) {
    const char *name = key + 7; /* after "fields." */
    const char *dot = memchr(name, '.', klen - 7);
    if (!dot) {
        return slerr_set(SL_ERR_ARG, "datagen: unknown option '%.*s'", (int)klen, key);
    }
    size_t nlen = (size_t)(dot - name);
    int col = -1;
    for (int k = 0; k < c->schema->n; k++) {
        if (slstr_ieq(c->schema->fields[k].name, name, nlen)) {
            col = k;
        }
    }
    if (col < 0) {
        return slerr_set(SL_ERR_ARG, "datagen option '%.*s': no column '%.*s'", (int)klen, key,
                         (int)nlen, name);
    }
    sldatagen_field *f = &c->fields[col];
    sl_type t = c->schema->fields[col].type;
    const char *prop = dot + 1;
    size_t plen = klen - (size_t)(prop - key);
    int64_t i64;
    double f64;
    if (is_key(prop, plen, "kind")) {
        if (slstr_ieq("random", v, vlen)) {
            f->kind = SLDG_RANDOM;
        } else if (slstr_ieq("sequence", v, vlen) && t != SL_BOOLEAN) {
            f->kind = SLDG_SEQUENCE;
        } else {
            return bad_value(key, klen, v, vlen, "random or sequence");
        }
    } else if (is_key(prop, plen, "min") || is_key(prop, plen, "max")) {
        bool min = prop[1] == 'i';
        if (t == SL_DOUBLE) {
            if (!slparse_f64(v, vlen, &f64)) {
                return bad_value(key, klen, v, vlen, "a number");
            }
            *(min ? &f->dmin : &f->dmax) = f64;
        } else if (t == SL_BIGINT) {
            if (!slparse_i64(v, vlen, &i64)) {
                return bad_value(key, klen, v, vlen, "an integer");
            }
            *(min ? &f->min : &f->max) = i64;
        } else {
            return slerr_set(SL_ERR_ARG, "datagen option '%.*s': only for BIGINT and DOUBLE",
                             (int)klen, key);
        }
    } else if (is_key(prop, plen, "start") || is_key(prop, plen, "end")) {
        if (!slparse_i64(v, vlen, &i64)) {
            return bad_value(key, klen, v, vlen, "an integer");
        }
        if (prop[0] == 's') {
            f->start = i64;
            f->has_start = true;
        } else {
            f->end = i64;
            f->has_end = true;
        }
    } else if (is_key(prop, plen, "length")) {
        if (!slparse_i64(v, vlen, &i64) || i64 < 0 || i64 > (1 << 20)) {
            return bad_value(key, klen, v, vlen, "0 to 1048576");
        }
        f->length = i64;
    } else if (is_key(prop, plen, "null-rate")) {
        if (!slparse_f64(v, vlen, &f64) || f64 < 0 || f64 > 1) {
            return bad_value(key, klen, v, vlen, "a fraction from 0 to 1");
        }
        f->null_rate = f64;
    } else if (is_key(prop, plen, "max-past")) {
        char tmp[64];
        if (vlen >= sizeof tmp) {
            return bad_value(key, klen, v, vlen, "a duration");
        }
        memcpy(tmp, v, vlen);
        tmp[vlen] = '\0';
        if (sl_parse_duration(tmp, &i64) != SL_OK) {
            return bad_value(key, klen, v, vlen, "a duration");
        }
        f->max_past_us = i64;
    } else {
        return slerr_set(SL_ERR_ARG, "datagen: unknown option '%.*s'", (int)klen, key);
    }
    return SL_OK;
}

static sl_err option(sldatagen_conf *c, const char *key, size_t klen, const char *v, size_t vlen) {
    int64_t i64;
    double f64;
    if (is_key(key, klen, "number-of-rows")) {
        if (!slparse_i64(v, vlen, &i64) || i64 < 0) {
            return bad_value(key, klen, v, vlen, "a count");
        }
        c->n_rows = i64;
    } else if (is_key(key, klen, "rows-per-second")) {
        if (!slparse_f64(v, vlen, &f64) || f64 <= 0) {
            return bad_value(key, klen, v, vlen, "a positive number");
        }
        c->rows_per_second = f64;
    } else if (is_key(key, klen, "seed")) {
        if (!slparse_i64(v, vlen, &i64)) {
            return bad_value(key, klen, v, vlen, "an integer");
        }
        c->seed = (uint64_t)i64;
    } else if (klen > 7 && memcmp(key, "fields.", 7) == 0) {
        return field_option(c, key, klen, v, vlen);
    } else {
        return slerr_set(SL_ERR_ARG, "datagen: unknown option '%.*s'", (int)klen, key);
    }
    return SL_OK;
}

static void trim(const char **p, size_t *n) {
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) {
        (*n)--;
    }
}

sl_err sldatagen_conf_parse(const sl_schema *schema, const char *options, sldatagen_conf **out) {
    sl_err err = SL_OK;
    sldatagen_conf *c = slmem_calloc(1, sizeof *c);
    c->schema = slschema_ref(schema);
    c->n_rows = -1;
    c->fields = slmem_calloc((size_t)(schema->n ? schema->n : 1), sizeof *c->fields);
    for (int k = 0; k < schema->n; k++) {
        sldatagen_field *f = &c->fields[k];
        f->min = INT64_MIN;
        f->max = INT64_MAX;
        f->dmin = 0;
        f->dmax = 1;
        f->length = 10;
    }
    const char *p = options ? options : "";
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *item = p;
        p += n + (e != NULL);
        trim(&item, &n);
        if (n == 0) {
            continue;
        }
        const char *eq = memchr(item, '=', n);
        if (!eq) {
            err = slerr_set(SL_ERR_ARG, "datagen option '%.*s': expected key=value", (int)n, item);
            goto out;
        }
        const char *key = item, *v = eq + 1;
        size_t klen = (size_t)(eq - item), vlen = n - klen - 1;
        trim(&key, &klen);
        trim(&v, &vlen);
        if ((err = option(c, key, klen, v, vlen)) != SL_OK) {
            goto out;
        }
    }
    for (int k = 0; k < schema->n; k++) {
        sldatagen_field *f = &c->fields[k];
        const char *name = schema->fields[k].name;
        if (f->kind == SLDG_SEQUENCE) {
            if (!f->has_start || !f->has_end || f->start > f->end) {
                err = slerr_set(SL_ERR_ARG,
                                "datagen option 'fields.%s.kind': a sequence needs "
                                "fields.%s.start <= fields.%s.end",
                                name, name, name);
                goto out;
            }
            uint64_t len = (uint64_t)f->end - (uint64_t)f->start + 1;
            if (len != 0 && (c->n_rows < 0 || (uint64_t)c->n_rows > len)) {
                c->n_rows = (int64_t)SL_MIN(len, (uint64_t)INT64_MAX);
            }
        }
        if (f->min > f->max || f->dmin > f->dmax) {
            err = slerr_set(SL_ERR_ARG, "datagen option 'fields.%s.min': greater than max", name);
            goto out;
        }
    }
out:
    if (err) {
        sldatagen_conf_free(c);
        c = NULL;
    }
    *out = c;
    return err;
}

/* ---- generation ---- */

static inline uint64_t mix(uint64_t seed, uint64_t i, uint64_t col, uint64_t salt) {
    return slhash_u64(seed ^ slhash_u64(i * UINT64_C(0x9E3779B97F4A7C15) + col * 0x632BE5AB +
                                        salt * UINT64_C(0xD6E8FEB86659FD93)));
}

static inline double unit(uint64_t h) {
    return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

static void gen_value(const dgsrc *d, slbatch *b, int col, uint32_t row, uint64_t i, int64_t now) {
    const sldatagen_field *f = &d->conf->fields[col];
    uint64_t seed = d->conf->seed;
    if (f->null_rate > 0 && unit(mix(seed, i, (uint64_t)col, 1)) < f->null_rate) {
        slbatch_set_null(b, col, row);
        return;
    }
    sl_type t = b->cols[col].type;
    if (f->kind == SLDG_SEQUENCE) {
        int64_t v = (int64_t)((uint64_t)f->start + i);
        if (t == SL_DOUBLE) {
            slbatch_set_f64(b, col, row, (double)v);
        } else if (t == SL_STRING) {
            char tmp[24];
            int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
            slbatch_set_str(b, col, row, tmp, (size_t)n);
        } else {
            slbatch_set_i64(b, col, row, v);
        }
        return;
    }
    uint64_t h = mix(seed, i, (uint64_t)col, 0);
    switch (t) {
    case SL_BOOLEAN:
        slbatch_set_bool(b, col, row, h & 1);
        break;
    case SL_BIGINT: {
        uint64_t span = (uint64_t)f->max - (uint64_t)f->min + 1;
        slbatch_set_i64(b, col, row, span ? (int64_t)((uint64_t)f->min + h % span) : (int64_t)h);
        break;
    }
    case SL_DOUBLE:
        slbatch_set_f64(b, col, row, f->dmin + unit(h) * (f->dmax - f->dmin));
        break;
    case SL_TIMESTAMP:
        slbatch_set_i64(b, col, row,
                        now - (int64_t)(f->max_past_us > 0 ? h % ((uint64_t)f->max_past_us + 1) : 0));
        break;
    case SL_STRING: {
        static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        size_t n = (size_t)f->length;
        char *p = n ? slarena_alloc(&b->arena, n) : NULL;
        for (size_t k = 0; k < n; k++) {
            if (k % 10 == 0 && k) {
                h = mix(seed, i, (uint64_t)col, 2 + k);
            }
            p[k] = alphabet[h % 36];
            h /= 36;
        }
        b->cols[col].v.s[row].ptr = n ? p : "";
        b->cols[col].v.s[row].len = (uint32_t)n;
        b->cols[col].nulls[row] = 0;
        break;
    }
    }
}

static sl_err dg_open(slsource *s, slopctx *c) {
    s->ctx = c;
    return SL_OK;
}

static slsrc_status dg_read(slsource *s, slbatch *b) {
    dgsrc *d = (dgsrc *)s;
    const sldatagen_conf *c = d->conf;
    int64_t now = s->ctx && s->ctx->clock ? slclock_now(s->ctx->clock) : 0;
    uint64_t limit = UINT64_MAX;
    if (c->rows_per_second > 0) {
        if (!d->started) {
            d->started = true;
            d->start_us = now;
        }
        /* A second's worth at the start of every second, as Flink's throttle. */
        double seconds = floor((double)(now - d->start_us) / 1e6) + 1;
        double allowed = floor(seconds * c->rows_per_second / (double)d->stride);
        limit = allowed > 0 ? (uint64_t)allowed : 0;
    }
    uint32_t n0 = b->n;
    while (!slbatch_full(b) && d->made < limit) {
        uint64_t i = d->next_i;
        if (c->n_rows >= 0 && i >= (uint64_t)c->n_rows) {
            break;
        }
        uint32_t row = slbatch_begin_row(b);
        for (int col = 0; col < b->schema->n; col++) {
            gen_value(d, b, col, row, i, now);
        }
        b->n = row + 1;
        d->next_i += d->stride;
        d->made++;
    }
    if (b->n > n0) {
        return SLSRC_MORE;
    }
    if (c->n_rows >= 0 && d->next_i >= (uint64_t)c->n_rows) {
        return SLSRC_END;
    }
    return SLSRC_IDLE; /* rate limited */
}

static void dg_free(slsource *s) {
    slmem_free(s);
}

/* Position: [u64 next_i][u64 made] (host order): row i is a pure function of
 * i (and the seed), so this is all a restore needs. */
static sl_err dg_snapshot(slsource *s, int64_t id, slbuf *pos) {
    SL_UNUSED(id);
    dgsrc *d = (dgsrc *)s;
    uint64_t v[2] = {d->next_i, d->made};
    slbuf_put(pos, v, sizeof v);
    return SL_OK;
}

static sl_err dg_restore(slsource *s, const slbuf *pos, int n) {
    dgsrc *d = (dgsrc *)s;
    int sub = s->ctx->subtask;
    if (n != s->ctx->parallelism) {
        return slerr_set(SL_ERR_ARG,
                         "the datagen source cannot be restored with another parallelism "
                         "(checkpointed with %d, now %d)",
                         n, s->ctx->parallelism);
    }
    uint64_t v[2];
    if (pos[sub].len != sizeof v) {
        return slerr_set(SL_ERR_PARSE, "datagen source: bad position in the checkpoint");
    }
    memcpy(v, pos[sub].data, sizeof v);
    d->next_i = v[0];
    d->made = v[1];
    return SL_OK;
}

static const slsource_vt dg_vt = {
    .name = "datagen",
    .open = dg_open,
    .read = dg_read,
    .free = dg_free,
    .snapshot = dg_snapshot,
    .restore = dg_restore,
};

slsource *sldatagen_source_new(void *conf, int subtask, int parallelism) {
    const sldatagen_conf *c = conf;
    dgsrc *d = slmem_calloc(1, sizeof *d);
    d->base.vt = &dg_vt;
    d->base.schema = c->schema;
    d->conf = c;
    d->next_i = (uint64_t)subtask;
    d->stride = (uint64_t)(parallelism > 0 ? parallelism : 1);
    return &d->base;
}
