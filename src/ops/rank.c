/*
 * rank.c - ROW_NUMBER() Top-N, deduplication and window Top-N (contract:
 * rank.h).
 *
 * State (state.h, so checkpoints cover it): one variable-size table
 *   rank.top   (ns, partition key) -> the partition's top rows, in rank order;
 *              ns = 0 (continuous mode) or the window_end (window mode).
 * Only the best `limit` rows are ever kept, in both modes: a row that would
 * rank below N is dropped on arrival. Value layout (host byte order; version
 * 1 of this encoding):
 *   u32 n      entries (1 <= n <= limit)
 *   u32 0      padding
 *   n entries, best first:
 *     u32 len    bytes of the entry, this header included
 *     u32 sklen  bytes of the sort key
 *     sort key   per ORDER BY column: event time (-1): its 8 bytes; a
 *                column: tag byte (0 NULL, 1 value), then the value
 *     row        int64 event time, then per input column a tag byte (0 NULL,
 *                1 value) and the value: BIGINT/TIMESTAMP/DOUBLE 8 bytes,
 *                BOOLEAN 1 byte, STRING u32 length + bytes
 * Rows are copied into state; nothing points into input batches. Ties: a new
 * row goes after the rows it ties with, so equal sort keys keep arrival order
 * (no sequence number is needed). The one exception is deduplication keeping
 * the last row (N = 1, ORDER BY event time DESC, in both modes): a row with
 * the same time replaces the kept one, as Flink's keep-last-row does
 * (rowtime >=).
 *
 * Ordering: values compare naturally (strings bytewise, then by length; DOUBLE
 * with NaN above every number); DESC reverses that; nulls_first[i] places
 * NULLs before (true) or after (false) the values whatever the direction. The
 * planner passes Flink's default when the query says nothing: NULLS LAST for
 * ASC, NULLS FIRST for DESC (NULL is the highest value); a NULL nulls_first
 * array means that default.
 *
 * Continuous mode (append-only input; -U/-D input rows are refused by the
 * planner, and this operator treats every row as an insert). The changelog
 * follows Flink's AppendOnlyTopNFunction exactly:
 *   - without rank column: a row entering the top N emits -D for the row it
 *     pushes out (if the top N was full), then +I for itself;
 *   - with rank column (rows keyed by partition and rank number): for every
 *     rank position from the new row's down to the last filled one, -U (the
 *     row that held the position, old rank) then +U (the row now holding it);
 *     a position that was empty before gets +I. The row pushed out of a full
 *     top N thus leaves through the -U of rank N;
 *   - deduplication (N = 1 by event time): first row +I, replacement -U/+U,
 *     with and without rank column (the rank is always 1).
 * Output rows carry the event time of the row they show. With a state TTL the
 * partition lists expire like group state (cleaned after each batch and on
 * ticks, counted in rows_expired); an expired partition starts over.
 *
 * Window mode: rows are kept per (window_end, partition key) until the
 * watermark reaches window_end - 1: an event-time timer per (key, window)
 * then emits the list as +I rows with ranks 1..n and removes it. A row whose
 * window_end - 1 is at or behind the watermark when it arrives (or whose
 * window_end is NULL) is late: port 1 and metrics->rows_late. The timers are
 * held by the operator's timer service (timers.h), in firing order: window
 * end, then the order in which (key, window) first got a row. They are
 * derived from state: every rank.top entry of namespace e has exactly one
 * timer, at e - 1; a checkpoint still saves them (rank.timers, sltimers_save)
 * to keep their firing order, which a visit of the table would not give.
 * Checkpoints (opstate.h): the blob holds the watermark the operator has
 * seen (blobs merge to the smallest), so rows late before a restore stay late.
 *
 * Thread: the operator runs on the worker that owns its subtask; the
 * slrank_arg_* functions run on the job builder's thread.
 */
#include <inttypes.h>
#include <math.h>

#include "ops/opstate.h"
#include "ops/rank.h"
#include "time/timers.h"

#define SLRANK_MAX_LIMIT 1000000
#define LIST_HDR 8
#define ENTRY_HDR 8

/* ---- argument ---- */

sl_err slrank_arg_new(const sl_schema *in, const slkeyspec *partition, int n_order,
                      const int *order_col, const bool *order_desc, const bool *nulls_first,
                      int64_t limit, bool with_rank, const char *rank_name, bool window,
                      int window_end_col, slrank_arg **out) {
    *out = NULL;
    if (limit < 1) {
        return slerr_set(SL_ERR_ARG, "Top-N: the row number limit must be at least 1, not %" PRId64,
                         limit);
    }
    if (limit > SLRANK_MAX_LIMIT) {
        return slerr_set(SL_ERR_UNSUPPORTED,
                         "Top-N: a limit of %" PRId64 " rows per partition is more than the %d "
                         "this operator keeps in state",
                         limit, SLRANK_MAX_LIMIT);
    }
    if (n_order < 1 || !order_col) {
        return slerr_set(SL_ERR_ARG, "Top-N: ROW_NUMBER() needs an ORDER BY");
    }
    if (n_order > SLRANK_MAX_ORDER) {
        return slerr_set(SL_ERR_ARG, "Top-N: at most %d ORDER BY columns, not %d",
                         SLRANK_MAX_ORDER, n_order);
    }
    for (int i = 0; i < n_order; i++) {
        if (order_col[i] < -1 || order_col[i] >= in->n) {
            return slerr_set(SL_ERR_ARG, "Top-N: ORDER BY column %d is not in the input",
                             order_col[i]);
        }
    }
    if (partition->n < 0 || partition->n > (int)SL_ARRAY_LEN(partition->cols)) {
        return slerr_set(SL_ERR_ARG, "Top-N: bad number of PARTITION BY columns %d",
                         partition->n);
    }
    for (int i = 0; i < partition->n; i++) {
        if (partition->cols[i] < 0 || partition->cols[i] >= in->n) {
            return slerr_set(SL_ERR_ARG, "Top-N: PARTITION BY column %d is not in the input",
                             partition->cols[i]);
        }
    }
    if (window) {
        if (window_end_col < 0 || window_end_col >= in->n) {
            return slerr_set(SL_ERR_ARG, "window Top-N: window_end column %d is not in the input",
                             window_end_col);
        }
        sl_type t = sl_schema_type(in, window_end_col);
        if (t != SL_TIMESTAMP && t != SL_BIGINT) {
            return slerr_set(SL_ERR_TYPE, "window Top-N: window_end column '%s' is %s, not TIMESTAMP",
                             sl_schema_name(in, window_end_col), sl_type_name(t));
        }
    }
    sl_schema *s = NULL;
    sl_err err = SL_OK;
    if (with_rank) {
        sl_schema_new(&s);
        for (int i = 0; i < in->n && !err; i++) {
            err = sl_schema_add(s, in->fields[i].name, in->fields[i].type);
        }
        if (!err) {
            err = sl_schema_add(s, rank_name ? rank_name : "rn", SL_BIGINT);
        }
        if (err) {
            slschema_unref(s);
            return slerr_prefix(err, "Top-N output: ");
        }
    } else {
        s = slschema_ref(in);
    }
    slrank_arg *a = slmem_calloc(1, sizeof(*a));
    a->in = slschema_ref(in);
    a->partition = *partition;
    a->n_order = n_order;
    for (int i = 0; i < n_order; i++) {
        a->order_col[i] = order_col[i];
        a->order_desc[i] = order_desc ? order_desc[i] : false;
        a->nulls_first[i] = nulls_first ? nulls_first[i] : a->order_desc[i];
    }
    a->limit = limit;
    a->with_rank = with_rank;
    a->window = window;
    a->window_end_col = window ? window_end_col : -1;
    a->out = s;
    *out = a;
    return SL_OK;
}

void slrank_arg_free(void *arg) {
    slrank_arg *a = arg;
    if (!a) {
        return;
    }
    if (a->in) {
        slschema_unref(a->in);
    }
    if (a->out) {
        slschema_unref(a->out);
    }
    slmem_free(a);
}

/* ---- the operator ---- */

typedef struct slrank {
    slop base;
    const slrank_arg *arg; /* borrowed: the graph owns it */
    slkv *top;             /* borrowed (state) */
    sltimers *timers;      /* owned: window mode */
    slkv *timer_tab;       /* borrowed (state): rank.timers, window mode */
    int64_t wm;            /* the largest watermark seen (or restored) */
    bool dedup;            /* continuous, N = 1 ordered by event time only */
    bool keep_last;        /* N = 1 by event time DESC: an equal time replaces */
    int ncol;              /* input columns */
    sl_type otype[SLRANK_MAX_ORDER]; /* types of the ORDER BY columns */
    slbuf key;             /* the current row's partition key */
    slbuf sk;              /* the current row's sort key */
    slbuf list;            /* a new list being built */
    size_t *old_off;       /* owned: entry offsets of the stored list */
    size_t *new_off;       /* owned: entry offsets of r->list */
    size_t cap_old, cap_new;
    slbatch *out;  /* owned: port 0 being filled */
    slbatch *late; /* owned: port 1 being filled */
    /* The partition of the previous row of the batch being taken: rows of one
     * partition usually come together, so a row equal to the last one looked
     * up in its partition columns reuses r->key, its hash, the list pointer
     * (held, not released, until the next put or the end of the batch) and
     * its entry index. */
    bool cur_ok;       /* cur_* describe row cur_row's partition */
    uint32_t cur_row;  /* of the batch being taken */
    uint32_t cur_n;    /* entries of cur_v (indexed in old_off) */
    uint64_t cur_hash;
    uint64_t cur_ns;
    const char *cur_v; /* borrowed (state, held until drop_cur): its list or NULL */
} slrank;

static uint32_t rd32(const char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int64_t rd64(const char *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Append the value of (col, row i) with its tag byte. */
static void put_value(slbuf *o, const slcol *c, uint32_t i) {
    if (c->nulls[i]) {
        slbuf_putc(o, 0);
        return;
    }
    slbuf_putc(o, 1);
    switch (c->type) {
    case SL_BOOLEAN:
        slbuf_putc(o, c->v.b[i] ? 1 : 0);
        break;
    case SL_DOUBLE:
        slbuf_put(o, &c->v.f64[i], 8);
        break;
    case SL_STRING:
        slbuf_put(o, &c->v.s[i].len, 4);
        slbuf_put(o, c->v.s[i].ptr, c->v.s[i].len);
        break;
    default:
        slbuf_put(o, &c->v.i64[i], 8);
        break;
    }
}

static void encode_sort_key(slrank *r, const slbatch *b, uint32_t i) {
    const slrank_arg *a = r->arg;
    slbuf_reset(&r->sk);
    for (int j = 0; j < a->n_order; j++) {
        if (a->order_col[j] < 0) {
            slbuf_put(&r->sk, &b->ts[i], 8);
        } else {
            put_value(&r->sk, &b->cols[a->order_col[j]], i);
        }
    }
}

/* Append an entry for row i of b (its sort key is r->sk) to r->list. */
static void append_new_entry(slrank *r, const slbatch *b, uint32_t i) {
    slbuf *o = &r->list;
    size_t start = o->len;
    uint32_t zero = 0, sklen = (uint32_t)r->sk.len;
    slbuf_put(o, &zero, 4);
    slbuf_put(o, &sklen, 4);
    slbuf_put(o, r->sk.data, r->sk.len);
    slbuf_put(o, &b->ts[i], 8);
    for (int c = 0; c < r->ncol; c++) {
        put_value(o, &b->cols[c], i);
    }
    size_t len = o->len - start;
    if (len > UINT32_MAX) {
        slmem_fatal("Top-N row in state", len);
    }
    uint32_t l32 = (uint32_t)len;
    memcpy(o->data + start, &l32, 4);
}

/* Entry offsets of the list at v (n entries) into *off. */
static void index_list(const char *v, uint32_t n, size_t **off, size_t *cap) {
    slmem_grow((void **)off, cap, (size_t)n + 1, sizeof(size_t));
    size_t at = LIST_HDR;
    for (uint32_t k = 0; k < n; k++) {
        (*off)[k] = at;
        at += rd32(v + at);
    }
}

/* -1, 0, 1: the non-NULL value of column c at row i against the stored
 * value at *pk (advanced past it), in the order of cmp_value. */
static int cmp_row_value(const slcol *c, uint32_t i, const char **pk) {
    const char *k = *pk;
    switch (c->type) {
    case SL_BOOLEAN:
        *pk += 1;
        return (c->v.b[i] != 0) - (k[0] != 0);
    case SL_DOUBLE: {
        double x = c->v.f64[i], y;
        memcpy(&y, k, 8);
        *pk += 8;
        if (x < y) {
            return -1;
        }
        if (x > y) {
            return 1;
        }
        bool nx = isnan(x) != 0, ny = isnan(y) != 0;
        return nx == ny ? 0 : nx ? 1 : -1;
    }
    case SL_STRING: {
        uint32_t la = c->v.s[i].len, lb = rd32(k);
        int d = memcmp(c->v.s[i].ptr, k + 4, SL_MIN(la, lb));
        if (d == 0) {
            d = la < lb ? -1 : la > lb ? 1 : 0;
        }
        *pk += 4 + lb;
        return d < 0 ? -1 : d > 0 ? 1 : 0;
    }
    default: {
        int64_t x = c->v.i64[i], y = rd64(k);
        *pk += 8;
        return x < y ? -1 : x > y ? 1 : 0;
    }
    }
}

/* cmp_sort_keys(encoded sort key of row i of b, k) without encoding the row:
 * most rows are compared with a full top N's last entry and dropped. */
static int cmp_row_sort_key(const slrank *r, const slbatch *b, uint32_t i, const char *k) {
    const slrank_arg *g = r->arg;
    for (int j = 0; j < g->n_order; j++) {
        int col = g->order_col[j];
        int c;
        if (col < 0) {
            int64_t x = b->ts[i], y = rd64(k);
            k += 8;
            c = x < y ? -1 : x > y ? 1 : 0;
        } else {
            const slcol *cl = &b->cols[col];
            bool ta = !cl->nulls[i], tb = *k++ != 0;
            if (!ta || !tb) {
                if (!ta && !tb) {
                    continue;
                }
                return !ta == g->nulls_first[j] ? -1 : 1;
            }
            c = cmp_row_value(cl, i, &k);
        }
        if (c != 0) {
            return g->order_desc[j] ? -c : c;
        }
    }
    return 0;
}

/* Where row i of b goes among the n entries of v: the first entry it ranks
 * before (ties: after them, or before them when keeping the last row). n
 * when it goes last. */
static uint32_t find_pos(const slrank *r, const slbatch *b, uint32_t i, const char *v, uint32_t n,
                         const size_t *off) {
    if (n == 0) {
        return 0;
    }
    /* Most rows of a full top N do not enter it: try the last entry first. */
    if ((int64_t)n >= r->arg->limit) {
        int c = cmp_row_sort_key(r, b, i, v + off[n - 1] + ENTRY_HDR);
        if (c > 0 || (c == 0 && !r->keep_last)) {
            return n;
        }
    }
    for (uint32_t k = 0; k < n; k++) {
        int c = cmp_row_sort_key(r, b, i, v + off[k] + ENTRY_HDR);
        if (c < 0 || (c == 0 && r->keep_last)) {
            return k;
        }
    }
    return n;
}

/* Build in r->list the list v (n entries, may be NULL) with row i of b
 * inserted at pos and cut to the limit; index it into r->new_off. Returns
 * its number of entries. */
static uint32_t build_list(slrank *r, const char *v, uint32_t n, uint32_t pos, const slbatch *b,
                           uint32_t i) {
    uint32_t nn = (int64_t)n + 1 > r->arg->limit ? (uint32_t)r->arg->limit : n + 1;
    slbuf_reset(&r->list);
    uint32_t pad = 0;
    slbuf_put(&r->list, &nn, 4);
    slbuf_put(&r->list, &pad, 4);
    if (pos > 0) {
        /* Entries before pos are contiguous: one copy. */
        slbuf_put(&r->list, v + LIST_HDR, r->old_off[pos - 1] + rd32(v + r->old_off[pos - 1]) -
                                              LIST_HDR);
    }
    encode_sort_key(r, b, i);
    append_new_entry(r, b, i);
    for (uint32_t k = pos; k + 1 < nn; k++) {
        const char *e = v + r->old_off[k];
        slbuf_put(&r->list, e, rd32(e));
    }
    if (r->list.len > UINT32_MAX) {
        slmem_fatal("Top-N list in state", r->list.len);
    }
    index_list(r->list.data, nn, &r->new_off, &r->cap_new);
    return nn;
}

static slbatch *take_room(slrank *r, int port) {
    slbatch **bp = port == 0 ? &r->out : &r->late;
    if (*bp && slbatch_full(*bp)) {
        slop_emit(r->base.ctx, port, *bp);
        *bp = NULL;
    }
    if (!*bp) {
        *bp = slbatch_new(port == 0 ? r->arg->out : r->arg->in, r->base.ctx->batch_rows);
    }
    return *bp;
}

static void flush(slrank *r) {
    if (r->out && r->out->n) {
        slop_emit(r->base.ctx, 0, r->out);
        r->out = NULL;
    }
    if (r->late && r->late->n) {
        slop_emit(r->base.ctx, 1, r->late);
        r->late = NULL;
    }
}

/* Emit the row stored in entry e as `kind`, with row number `rank` when the
 * output has the rank column. */
static void emit_entry(slrank *r, const char *e, int64_t rank, sl_rowkind kind) {
    slbatch *o = take_room(r, 0);
    uint32_t row = slbatch_begin_row(o);
    const char *p = e + ENTRY_HDR + rd32(e + 4);
    o->ts[row] = rd64(p);
    p += 8;
    for (int c = 0; c < r->ncol; c++) {
        if (*p++ == 0) {
            continue; /* begin_row left it NULL */
        }
        switch (o->cols[c].type) {
        case SL_BOOLEAN:
            slbatch_set_bool(o, c, row, *p != 0);
            p += 1;
            break;
        case SL_DOUBLE: {
            double d;
            memcpy(&d, p, 8);
            slbatch_set_f64(o, c, row, d);
            p += 8;
            break;
        }
        case SL_STRING: {
            uint32_t len = rd32(p);
            slbatch_set_str(o, c, row, p + 4, len);
            p += 4 + len;
            break;
        }
        default:
            slbatch_set_i64(o, c, row, rd64(p));
            p += 8;
            break;
        }
    }
    if (r->arg->with_rank) {
        slbatch_set_i64(o, r->ncol, row, rank);
    }
    o->kind[row] = (uint8_t)kind;
    o->n++;
}

static void late_row(slrank *r, const slbatch *b, uint32_t i) {
    slbatch *l = take_room(r, 1);
    slbatch_append_row(l, b, i);
    slmetric_add(&r->base.ctx->metrics->rows_late, 1);
}

/* Forget the cached partition (releasing its list). */
static void drop_cur(slrank *r) {
    if (r->cur_ok && r->cur_v) {
        slkv_release(r->top, (void *)r->cur_v, false);
    }
    r->cur_ok = false;
    r->cur_v = NULL;
}

/* Row i's partition in namespace ns: r->key holds its encoded key; returns
 * its stored list (NULL when none; entries indexed in r->old_off, count in
 * *n). Reuses the previous row's when the partition is the same. */
static const char *partition_list(slrank *r, const slbatch *b, uint32_t i, uint64_t ns,
                                  uint32_t *n) {
    if (!(r->cur_ok && r->cur_ns == ns && slkey_same(&r->arg->partition, b, i, r->cur_row))) {
        drop_cur(r);
        r->cur_hash = slkey_encode(&r->arg->partition, b, i, &r->key);
        uint32_t vlen = 0;
        r->cur_v = slkv_get(r->top, ns, r->key.data ? r->key.data : "", (uint32_t)r->key.len,
                            r->cur_hash, &vlen);
        r->cur_n = r->cur_v ? rd32(r->cur_v) : 0;
        if (r->cur_v) {
            index_list(r->cur_v, r->cur_n, &r->old_off, &r->cap_old);
        }
        r->cur_ns = ns;
        r->cur_ok = true;
    }
    r->cur_row = i;
    *n = r->cur_n;
    return r->cur_v;
}

/* Store r->list as the list of the cached partition (the cache is dropped:
 * the put may move the value). */
static void store_list(slrank *r, uint64_t ns) {
    uint64_t hash = r->cur_hash;
    drop_cur(r);
    slkv_put(r->top, ns, r->key.data ? r->key.data : "", (uint32_t)r->key.len, hash,
             r->list.data, (uint32_t)r->list.len);
}

/* Continuous mode: one input row. */
static void topn_row(slrank *r, const slbatch *b, uint32_t i) {
    uint32_t n;
    const char *v = partition_list(r, b, i, 0, &n);
    uint32_t pos = find_pos(r, b, i, v, n, r->old_off);
    if ((int64_t)pos >= r->arg->limit) {
        return;
    }
    uint32_t nn = build_list(r, v, n, pos, b, i);
    const char *nl = r->list.data;
    const size_t *no = r->new_off, *oo = r->old_off;
    if (r->dedup) {
        if (n > 0) {
            emit_entry(r, v + oo[0], 1, SL_UPDATE_BEFORE);
            emit_entry(r, nl + no[0], 1, SL_UPDATE_AFTER);
        } else {
            emit_entry(r, nl + no[0], 1, SL_INSERT);
        }
    } else if (!r->arg->with_rank) {
        if (nn <= n) { /* full: the last row is pushed out */
            emit_entry(r, v + oo[nn - 1], 0, SL_DELETE);
        }
        emit_entry(r, nl + no[pos], 0, SL_INSERT);
    } else {
        for (uint32_t k = pos; k < nn; k++) {
            if (k < n) {
                emit_entry(r, v + oo[k], (int64_t)k + 1, SL_UPDATE_BEFORE);
                emit_entry(r, nl + no[k], (int64_t)k + 1, SL_UPDATE_AFTER);
            } else {
                emit_entry(r, nl + no[k], (int64_t)k + 1, SL_INSERT);
            }
        }
    }
    store_list(r, 0);
}

/* Window mode: one input row. */
static void window_row(slrank *r, const slbatch *b, uint32_t i) {
    const slcol *wc = &b->cols[r->arg->window_end_col];
    int64_t we = wc->nulls[i] ? SL_TIME_MIN : wc->v.i64[i];
    if (we == SL_TIME_MIN || we - 1 <= SL_MAX(r->wm, r->base.ctx->watermark)) {
        late_row(r, b, i);
        return;
    }
    uint64_t ns = (uint64_t)we;
    uint32_t n;
    const char *v = partition_list(r, b, i, ns, &n);
    uint32_t pos = find_pos(r, b, i, v, n, r->old_off);
    if ((int64_t)pos >= r->arg->limit) {
        return;
    }
    build_list(r, v, n, pos, b, i);
    if (!v) {
        sltimers_set(r->timers, SLTIMER_EVENT, we - 1, ns, r->key.data ? r->key.data : "",
                     (uint32_t)r->key.len, r->cur_hash);
    }
    store_list(r, ns);
}

/* A window of one partition is complete: emit its rows and drop them. */
static void fire(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                 uint32_t klen, uint64_t hash) {
    SL_UNUSED(d);
    SL_UNUSED(ts);
    slrank *r = user;
    uint32_t vlen = 0;
    const char *v = slkv_get(r->top, ns, key, klen, hash, &vlen);
    if (!v) {
        return;
    }
    uint32_t n = rd32(v);
    size_t at = LIST_HDR;
    for (uint32_t k = 0; k < n; k++) {
        emit_entry(r, v + at, (int64_t)k + 1, SL_INSERT);
        at += rd32(v + at);
    }
    slkv_release(r->top, (void *)v, false);
    slkv_remove(r->top, ns, key, klen, hash);
}

static void cleanup(slrank *r, int64_t now_us, uint64_t budget) {
    slopctx *c = r->base.ctx;
    uint64_t removed = slkv_expire(r->top, now_us, budget);
    if (removed) {
        slmetric_add(&c->metrics->rows_expired, removed);
    }
}

static bool uses_ttl(const slrank *r) {
    return !r->arg->window && r->base.ctx->state_ttl_us > 0;
}

static sl_err r_open(slop *op, slopctx *c) {
    slrank *r = (slrank *)op;
    if (!c->state) {
        return slerr_set(SL_ERR_STATE, "Top-N: no keyed state (the node must be keyed, also "
                                       "without PARTITION BY)");
    }
    r->top = slstate_table(c->state, "rank.top", 0);
    if (uses_ttl(r)) {
        slkv_set_ttl(r->top, c->state_ttl_us, c->clock);
        r->top->ttl_on_read = true;
    }
    if (r->arg->window) {
        r->timers = sltimers_new();
        r->timer_tab = slstate_table(c->state, "rank.timers", SLTIMERS_STATE_VAL);
    }
    r->wm = SL_TIME_MIN;
    return SL_OK;
}

static void r_batch_take(slop *op, int input, slbatch *b) {
    SL_UNUSED(input);
    slrank *r = (slrank *)op;
    slopctx *c = op->ctx;
    slmetric_add(&c->metrics->rows_in, b->n);
    for (uint32_t i = 0; i < b->n; i++) {
        if (r->arg->window) {
            window_row(r, b, i);
        } else {
            topn_row(r, b, i);
        }
    }
    drop_cur(r);
    if (uses_ttl(r)) {
        cleanup(r, slclock_now(c->clock), 2 * (uint64_t)b->n + 16);
    }
    flush(r);
    slbatch_free(b);
}

static int64_t r_watermark(slop *op, int64_t wm) {
    slrank *r = (slrank *)op;
    r->wm = SL_MAX(r->wm, wm);
    if (r->timers) {
        sltimers_pop_due(r->timers, SLTIMER_EVENT, r->wm, fire, r);
    }
    flush(r);
    return wm;
}

static int64_t r_tick(slop *op, int64_t now_us) {
    slrank *r = (slrank *)op;
    if (!uses_ttl(r)) {
        return SL_TIME_MAX;
    }
    cleanup(r, now_us, 1024);
    int64_t step = SL_MAX(op->ctx->state_ttl_us / 4, SL_MILLISECOND);
    return now_us < SL_TIME_MAX - step ? now_us + step : SL_TIME_MAX;
}

static void r_end(slop *op) {
    flush((slrank *)op);
}

static void r_free(slop *op) {
    slrank *r = (slrank *)op;
    if (!r) {
        return;
    }
    sltimers_free(r->timers);
    slbuf_free(&r->key);
    slbuf_free(&r->sk);
    slbuf_free(&r->list);
    slmem_free(r->old_off);
    slmem_free(r->new_off);
    slbatch_free(r->out);
    slbatch_free(r->late);
    slmem_free(r);
}

#define RANK_TAG SLOPSTATE_TAG('R', 'N', 'K', 1)

static sl_err r_snapshot(slop *op, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    slrank *r = (slrank *)op;
    if (r->timers) {
        sltimers_save(r->timers, r->timer_tab);
    }
    slopstate_put(opstate, RANK_TAG, &r->wm, 1);
    return SL_OK;
}

static sl_err r_restore(slop *op, const slbuf *opstate, int n) {
    slrank *r = (slrank *)op;
    sl_err err = SL_OK;
    int64_t wm = SL_TIME_MAX;
    bool any = false;
    for (int j = 0; j < n; j++) {
        int64_t v;
        if (slopstate_get(&opstate[j], RANK_TAG, &v, 1, "Top-N", &err)) {
            wm = SL_MIN(wm, v);
            any = true;
        } else if (err) {
            return err;
        }
    }
    if (any) {
        r->wm = wm;
    }
    if (r->timers) {
        sltimers_free(r->timers);
        r->timers = sltimers_new();
        sltimers_load(r->timers, r->timer_tab);
    }
    return SL_OK;
}

static const slop_vt rank_vt = {
    .name = "rank",
    .open = r_open,
    .batch_take = r_batch_take,
    .watermark = r_watermark,
    .tick = r_tick,
    .end = r_end,
    .free = r_free,
    .snapshot = r_snapshot,
    .restore = r_restore,
};

slop *slrank_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    const slrank_arg *a = arg;
    slrank *r = slmem_calloc(1, sizeof(*r));
    r->base.vt = &rank_vt;
    r->arg = a;
    r->ncol = a->in->n;
    for (int j = 0; j < a->n_order; j++) {
        r->otype[j] = a->order_col[j] < 0 ? SL_TIMESTAMP : a->in->fields[a->order_col[j]].type;
    }
    bool by_time = a->limit == 1 && a->n_order == 1 && a->order_col[0] < 0;
    r->dedup = by_time && !a->window;
    r->keep_last = by_time && a->order_desc[0];
    return &r->base;
}
