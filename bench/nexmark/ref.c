/*
 * ref.c - hand-written reference programs for Nexmark queries q0, q1, q2,
 * q5r, q7r, q14, q21 and q22 (see ref.h): what a programmer would write for
 * one query in plain C, to show what the engine's generality costs and to
 * check its results. They share only the generator with the engine: bids are
 * read from a nexmark bid source in batches of 1,024 and every row is
 * handled in a plain loop; windows live in one open-addressing hash table.
 *
 * Semantics, as the engine's SQL (bench/nexmark/q*.sql) defines them:
 *   q0  every bid (auction, bidder, price, dateTime, extra)
 *   q1  q0 with price * 0.908 (a DOUBLE)
 *   q2  (auction, price) of bids whose auction % 123 = 0
 *   q5r per 10 s window sliding by 2 s (epoch-aligned), the auction with the
 *       most bids, ties to the smallest id: (auction, num, start, end)
 *   q7r per 10 s tumbling window, the bid with the highest price, ties to the
 *       earliest, then the smallest auction, bidder
 *   q14 q1's price between 1,000,000 and 50,000,000 (exclusive), the hour of
 *       the day classified, the number of 'c' in extra
 *   q21 the channel id: 0-3 for Apple, Google, Facebook, Baidu (any case),
 *       else the url's channel_id parameter; bids with neither are dropped
 *   q22 the url's 4th to 6th '/'-separated parts (NULL past the end)
 * Called by: src/cli/bench.c (linked into the sluice program).
 */
#include "ref.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { B_AUCTION, B_BIDDER, B_PRICE, B_CHANNEL, B_URL, B_TIME, B_EXTRA };

#define SEC INT64_C(1000000)

typedef struct reader {
    slnexmark_conf *conf; /* owned */
    slsource *src;        /* owned */
    slbatch *b;           /* owned */
    slopctx ctx;
    slopmetrics m;
    bool ended;
} reader;

static void reader_open(reader *r, int64_t events, int64_t rate) {
    memset(r, 0, sizeof *r);
    r->conf = slnexmark_conf_new();
    char n[32], rt[32];
    snprintf(n, sizeof n, "%lld", (long long)events);
    snprintf(rt, sizeof rt, "%lld", (long long)rate);
    slnexmark_conf_set(r->conf, "nexmark.table", "bid");
    slnexmark_conf_set(r->conf, "events.num", n);
    slnexmark_conf_set(r->conf, "first-event.rate", rt);
    slnexmark_conf_set(r->conf, "next-event.rate", rt);
    slnexmark_conf_prepare(r->conf, NULL);
    r->ctx.parallelism = 1;
    r->ctx.metrics = &r->m;
    r->src = slnexmark_source_new(r->conf, 0, 1);
    r->src->vt->open(r->src, &r->ctx);
    r->b = slbatch_new(r->conf->schema, 1024);
}

/* The next batch of bids, or NULL at the end. */
static const slbatch *reader_next(reader *r) {
    while (!r->ended) {
        slbatch_clear(r->b);
        if (r->src->vt->read(r->src, r->b) == SLSRC_END) {
            r->ended = true;
        }
        if (r->b->n) {
            return r->b;
        }
    }
    return NULL;
}

static void reader_close(reader *r) {
    slbatch_free(r->b);
    r->src->vt->free(r->src);
    slnexmark_conf_free(r->conf);
}

/* ---- canonical rows ---- */

static void put_i64(slbuf *o, int64_t v) {
    slbuf_printf(o, "%lld", (long long)v);
}
static void put_f64(slbuf *o, double v) {
    slbuf_printf(o, "%.17g", v);
}
static void put_s(slbuf *o, const char *p, size_t n) {
    slbuf_put(o, p, n);
}
static void sep(slbuf *o) {
    slbuf_putc(o, '|');
}

void slbench_canon_row(slbuf *out, const slbatch *b, uint32_t i) {
    for (int c = 0; c < b->schema->n; c++) {
        if (c) {
            sep(out);
        }
        const slcol *col = &b->cols[c];
        if (col->nulls[i]) {
            slbuf_puts(out, "\\N");
            continue;
        }
        switch (col->type) {
        case SL_BIGINT:
        case SL_TIMESTAMP:
            put_i64(out, col->v.i64[i]);
            break;
        case SL_DOUBLE:
            put_f64(out, col->v.f64[i]);
            break;
        case SL_STRING:
            put_s(out, col->v.s[i].ptr, col->v.s[i].len);
            break;
        case SL_BOOLEAN:
            slbuf_puts(out, col->v.b[i] ? "true" : "false");
            break;
        default:
            slbuf_puts(out, "?");
        }
    }
    slbuf_putc(out, '\n');
}

/* ---- stateless queries ---- */

static uint64_t ref_q0(reader *r, slbuf *o, bool q1) {
    uint64_t rows = 0;
    double sum = 0;
    const slbatch *b;
    while ((b = reader_next(r))) {
        const int64_t *au = b->cols[B_AUCTION].v.i64, *bi = b->cols[B_BIDDER].v.i64;
        const int64_t *pr = b->cols[B_PRICE].v.i64;
        const slstr *ex = b->cols[B_EXTRA].v.s;
        for (uint32_t i = 0; i < b->n; i++) {
            double p = q1 ? 0.908 * (double)pr[i] : (double)pr[i];
            sum += p;
            if (o) {
                put_i64(o, au[i]), sep(o), put_i64(o, bi[i]), sep(o);
                q1 ? put_f64(o, p) : put_i64(o, pr[i]);
                sep(o), put_i64(o, b->ts[i]), sep(o), put_s(o, ex[i].ptr, ex[i].len);
                slbuf_putc(o, '\n');
            }
        }
        rows += b->n;
    }
    __asm__ volatile("" : : "r"(&sum) : "memory");
    return rows;
}

static uint64_t ref_q2(reader *r, slbuf *o) {
    uint64_t rows = 0;
    const slbatch *b;
    while ((b = reader_next(r))) {
        const int64_t *au = b->cols[B_AUCTION].v.i64, *pr = b->cols[B_PRICE].v.i64;
        for (uint32_t i = 0; i < b->n; i++) {
            if (au[i] % 123 == 0) {
                rows++;
                if (o) {
                    put_i64(o, au[i]), sep(o), put_i64(o, pr[i]), slbuf_putc(o, '\n');
                }
            }
        }
    }
    return rows;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint64_t ref_q14(reader *r, slbuf *o) {
    uint64_t rows = 0;
    const slbatch *b;
    while ((b = reader_next(r))) {
        const int64_t *au = b->cols[B_AUCTION].v.i64, *bi = b->cols[B_BIDDER].v.i64;
        const int64_t *pr = b->cols[B_PRICE].v.i64;
        const slstr *ex = b->cols[B_EXTRA].v.s;
        for (uint32_t i = 0; i < b->n; i++) {
            double p = 0.908 * (double)pr[i];
            if (!(p > 1000000 && p < 50000000)) {
                continue;
            }
            rows++;
            if (!o) {
                continue;
            }
            int64_t hour = floor_div(b->ts[i], 3600 * SEC) % 24;
            const char *type = hour >= 8 && hour <= 18 ? "dayTime"
                               : hour <= 6 || hour >= 20 ? "nightTime"
                                                         : "otherTime";
            int64_t cs = 0;
            for (uint32_t k = 0; k < ex[i].len; k++) {
                cs += ex[i].ptr[k] == 'c';
            }
            put_i64(o, au[i]), sep(o), put_i64(o, bi[i]), sep(o), put_f64(o, p), sep(o);
            slbuf_puts(o, type), sep(o), put_i64(o, b->ts[i]), sep(o);
            put_s(o, ex[i].ptr, ex[i].len), sep(o), put_i64(o, cs), slbuf_putc(o, '\n');
        }
    }
    return rows;
}

/* The value of the first "channel_id=" at the start or after '&' (up to the
 * next '&'), as REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2). */
static bool channel_param(const char *u, size_t n, const char **v, size_t *vn) {
    static const char key[] = "channel_id=";
    const size_t kn = sizeof key - 1;
    for (size_t i = 0; i + kn <= n; i++) {
        size_t at = i == 0 && memcmp(u, key, kn) == 0 ? 0 : u[i] == '&' ? i + 1 : SIZE_MAX;
        if (at == SIZE_MAX || at + kn > n || memcmp(u + at, key, kn) != 0) {
            continue;
        }
        size_t e = at + kn;
        while (e < n && u[e] != '&') {
            e++;
        }
        *v = u + at + kn;
        *vn = e - (at + kn);
        return true;
    }
    return false;
}

static uint64_t ref_q21(reader *r, slbuf *o) {
    static const char *const known[] = {"apple", "google", "facebook", "baidu"};
    uint64_t rows = 0;
    const slbatch *b;
    while ((b = reader_next(r))) {
        const int64_t *au = b->cols[B_AUCTION].v.i64, *bi = b->cols[B_BIDDER].v.i64;
        const int64_t *pr = b->cols[B_PRICE].v.i64;
        const slstr *ch = b->cols[B_CHANNEL].v.s, *url = b->cols[B_URL].v.s;
        for (uint32_t i = 0; i < b->n; i++) {
            int k = -1;
            for (int j = 0; j < 4; j++) {
                if (ch[i].len == strlen(known[j]) &&
                    strncasecmp(ch[i].ptr, known[j], ch[i].len) == 0) {
                    k = j;
                }
            }
            const char *v = NULL;
            size_t vn = 0;
            bool has = channel_param(url[i].ptr, url[i].len, &v, &vn);
            if (k < 0 && !has) {
                continue;
            }
            rows++;
            if (o) {
                put_i64(o, au[i]), sep(o), put_i64(o, bi[i]), sep(o), put_i64(o, pr[i]), sep(o);
                put_s(o, ch[i].ptr, ch[i].len), sep(o);
                if (k >= 0) {
                    put_i64(o, k);
                } else {
                    put_s(o, v, vn);
                }
                slbuf_putc(o, '\n');
            }
        }
    }
    return rows;
}

static uint64_t ref_q22(reader *r, slbuf *o) {
    uint64_t rows = 0;
    const slbatch *b;
    while ((b = reader_next(r))) {
        const int64_t *au = b->cols[B_AUCTION].v.i64, *bi = b->cols[B_BIDDER].v.i64;
        const int64_t *pr = b->cols[B_PRICE].v.i64;
        const slstr *ch = b->cols[B_CHANNEL].v.s, *url = b->cols[B_URL].v.s;
        for (uint32_t i = 0; i < b->n; i++) {
            rows++;
            if (!o) {
                continue;
            }
            put_i64(o, au[i]), sep(o), put_i64(o, bi[i]), sep(o), put_i64(o, pr[i]), sep(o);
            put_s(o, ch[i].ptr, ch[i].len);
            /* parts 3, 4, 5 of the url split at '/' */
            const char *u = url[i].ptr;
            size_t n = url[i].len, start = 0;
            int part = 0;
            const char *ps[6] = {0};
            size_t pn[6] = {0};
            for (size_t k = 0; k <= n && part < 6; k++) {
                if (k == n || u[k] == '/') {
                    ps[part] = u + start;
                    pn[part] = k - start;
                    part++;
                    start = k + 1;
                }
            }
            for (int d = 3; d < 6; d++) {
                sep(o);
                if (d < part) {
                    put_s(o, ps[d], pn[d]);
                } else {
                    slbuf_puts(o, "\\N");
                }
            }
            slbuf_putc(o, '\n');
        }
    }
    return rows;
}

/* ---- windows: one open-addressing table of (window start, auction) ---- */

typedef struct wslot {
    int64_t win, key; /* win = INT64_MIN: empty */
    int64_t count;
} wslot;

typedef struct wtable {
    wslot *s; /* owned */
    size_t cap, n;
} wtable;

static void wt_init(wtable *t) {
    t->cap = 1 << 16;
    t->n = 0;
    t->s = slmem_alloc(t->cap * sizeof *t->s);
    for (size_t i = 0; i < t->cap; i++) {
        t->s[i].win = INT64_MIN;
    }
}

static wslot *wt_get(wtable *t, int64_t win, int64_t key);

static void wt_grow(wtable *t) {
    wtable old = *t;
    t->cap *= 2;
    t->n = 0;
    t->s = slmem_alloc(t->cap * sizeof *t->s);
    for (size_t i = 0; i < t->cap; i++) {
        t->s[i].win = INT64_MIN;
    }
    for (size_t i = 0; i < old.cap; i++) {
        if (old.s[i].win != INT64_MIN) {
            wt_get(t, old.s[i].win, old.s[i].key)->count = old.s[i].count;
        }
    }
    slmem_free(old.s);
}

static wslot *wt_get(wtable *t, int64_t win, int64_t key) {
    if (2 * (t->n + 1) > t->cap) {
        wt_grow(t);
    }
    size_t mask = t->cap - 1;
    size_t h = (size_t)(slhash_u64((uint64_t)win * 0x9E3779B97F4A7C15u ^ (uint64_t)key)) & mask;
    for (;;) {
        wslot *s = &t->s[h];
        if (s->win == win && s->key == key) {
            return s;
        }
        if (s->win == INT64_MIN) {
            s->win = win;
            s->key = key;
            s->count = 0;
            t->n++;
            return s;
        }
        h = (h + 1) & mask;
    }
}

/* q5r: counts per (window, auction), then the top auction of each window. */
static uint64_t ref_q5r(reader *r, slbuf *o) {
    const int64_t size = 10 * SEC, slide = 2 * SEC;
    wtable t;
    wt_init(&t);
    const slbatch *b;
    while ((b = reader_next(r))) {
        const int64_t *au = b->cols[B_AUCTION].v.i64;
        for (uint32_t i = 0; i < b->n; i++) {
            int64_t last = floor_div(b->ts[i], slide) * slide;
            for (int64_t st = last; st > b->ts[i] - size; st -= slide) {
                wt_get(&t, st, au[i])->count++;
            }
        }
    }
    /* the best of each window: a second table keyed by window (key 0) */
    wtable best;
    wt_init(&best);
    wtable best_key;
    wt_init(&best_key);
    for (size_t i = 0; i < t.cap; i++) {
        const wslot *s = &t.s[i];
        if (s->win == INT64_MIN) {
            continue;
        }
        wslot *bc = wt_get(&best, s->win, 0);
        wslot *bk = wt_get(&best_key, s->win, 0);
        if (s->count > bc->count || (s->count == bc->count && s->key < bk->count)) {
            bc->count = s->count;
            bk->count = s->key;
        }
    }
    uint64_t rows = 0;
    for (size_t i = 0; i < best.cap; i++) {
        const wslot *s = &best.s[i];
        if (s->win == INT64_MIN) {
            continue;
        }
        rows++;
        if (o) {
            put_i64(o, wt_get(&best_key, s->win, 0)->count), sep(o), put_i64(o, s->count);
            sep(o), put_i64(o, s->win), sep(o), put_i64(o, s->win + size), slbuf_putc(o, '\n');
        }
    }
    slmem_free(t.s);
    slmem_free(best.s);
    slmem_free(best_key.s);
    return rows;
}

/* q7r: the best bid per tumbling window; windows arrive in order, so one
 * current best and its extra are enough (an earlier window is final when a
 * later one starts; bids are in event-time order). */
static uint64_t ref_q7r(reader *r, slbuf *o) {
    const int64_t size = 10 * SEC;
    uint64_t rows = 0;
    bool have = false;
    int64_t win = 0, au = 0, pr = 0, bi = 0, ts = 0;
    slbuf extra = {0};
    const slbatch *b;
#define EMIT()                                                                                     \
    do {                                                                                           \
        rows++;                                                                                    \
        if (o) {                                                                                   \
            put_i64(o, au), sep(o), put_i64(o, pr), sep(o), put_i64(o, bi), sep(o);               \
            put_i64(o, ts), sep(o), put_s(o, extra.data ? extra.data : "", extra.len);            \
            slbuf_putc(o, '\n');                                                                   \
        }                                                                                          \
    } while (0)
    while ((b = reader_next(r))) {
        const int64_t *a = b->cols[B_AUCTION].v.i64, *bd = b->cols[B_BIDDER].v.i64;
        const int64_t *p = b->cols[B_PRICE].v.i64;
        const slstr *ex = b->cols[B_EXTRA].v.s;
        for (uint32_t i = 0; i < b->n; i++) {
            int64_t w = floor_div(b->ts[i], size) * size;
            if (have && w != win) {
                EMIT();
                have = false;
            }
            bool better = !have || p[i] > pr ||
                          (p[i] == pr && (b->ts[i] < ts || (b->ts[i] == ts && (a[i] < au ||
                                                            (a[i] == au && bd[i] < bi)))));
            if (better) {
                have = true;
                win = w, au = a[i], pr = p[i], bi = bd[i], ts = b->ts[i];
                slbuf_reset(&extra);
                slbuf_put(&extra, ex[i].ptr, ex[i].len);
            }
        }
    }
    if (have) {
        EMIT();
    }
#undef EMIT
    slbuf_free(&extra);
    return rows;
}

/* ---- dispatch ---- */

static const char *const names[] = {"q0", "q1", "q2", "q5r", "q7r", "q14", "q21", "q22"};

bool slbref_has(const char *name) {
    for (size_t i = 0; i < SL_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

uint64_t slbref_run(const char *name, int64_t events, int64_t rate, slbuf *lines) {
    reader r;
    reader_open(&r, events, rate);
    uint64_t rows = 0;
    if (strcmp(name, "q0") == 0 || strcmp(name, "q1") == 0) {
        rows = ref_q0(&r, lines, name[1] == '1');
    } else if (strcmp(name, "q2") == 0) {
        rows = ref_q2(&r, lines);
    } else if (strcmp(name, "q5r") == 0) {
        rows = ref_q5r(&r, lines);
    } else if (strcmp(name, "q7r") == 0) {
        rows = ref_q7r(&r, lines);
    } else if (strcmp(name, "q14") == 0) {
        rows = ref_q14(&r, lines);
    } else if (strcmp(name, "q21") == 0) {
        rows = ref_q21(&r, lines);
    } else if (strcmp(name, "q22") == 0) {
        rows = ref_q22(&r, lines);
    }
    reader_close(&r);
    return rows;
}
