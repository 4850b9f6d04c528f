/*
 * join_core.c - the parts the join operators share (see join_int.h): the
 * argument, stored-row lists (the regular join's row entries are its own,
 * join_regular.c), output rows, residual matching (on scratch rows holding
 * only the columns the residual reads), checkpoint hooks for their timers.
 *
 * Thread: the worker that owns the subtask; sljoin_arg_* on the builder's.
 */
#include <stdio.h>

#include "ops/join_int.h"

/* ---- the argument ---- */

sl_schema *sljoin_out_schema(const sl_schema *left, const sl_schema *right) {
    sl_schema *s;
    sl_schema_new(&s);
    for (int side = 0; side < 2; side++) {
        const sl_schema *in = side ? right : left;
        for (int c = 0; c < in->n; c++) {
            const char *name = sl_schema_name(in, c);
            char buf[300];
            snprintf(buf, sizeof buf, "%s", name);
            for (int k = 1; sl_schema_find(s, buf) >= 0; k++) {
                snprintf(buf, sizeof buf, "%s$%d", name, k);
            }
            sl_schema_add(s, buf, sl_schema_type(in, c));
        }
    }
    return s;
}

sl_err sljoin_arg_new(sljoin_mode mode, sljoin_type type, const sl_schema *left,
                      const sl_schema *right, const sl_schema *out, const slkeyspec *lkey,
                      const slkeyspec *rkey, slexpr *residual, sljoin_arg **res) {
    *res = NULL;
    if (lkey->n != rkey->n || lkey->n == 0) {
        slexpr_free(residual);
        return slerr_set(SL_ERR_ARG, "join: the two sides need the same number (> 0) of keys");
    }
    for (int k = 0; k < lkey->n; k++) {
        if (lkey->cols[k] < 0 || lkey->cols[k] >= left->n || rkey->cols[k] < 0 ||
            rkey->cols[k] >= right->n) {
            slexpr_free(residual);
            return slerr_set(SL_ERR_ARG, "join: key column out of range");
        }
        sl_type lt = sl_schema_type(left, lkey->cols[k]), rt = sl_schema_type(right, rkey->cols[k]);
        if (lt != rt) {
            slexpr_free(residual);
            return slerr_set(SL_ERR_ARG, "join: key %d has types %s and %s", k + 1,
                             sl_type_name(lt), sl_type_name(rt));
        }
    }
    if (out->n != left->n + right->n) {
        slexpr_free(residual);
        return slerr_set(SL_ERR_ARG, "join: the output must have the columns of both sides");
    }
    if (residual) {
        sl_err err = SL_OK;
        if (slexpr_type(residual) != SL_BOOLEAN) {
            err = slerr_set(SL_ERR_TYPE, "join: the join condition must be BOOLEAN");
        } else {
            err = slexpr_check_columns(residual, out);
        }
        if (err) {
            slexpr_free(residual);
            return err;
        }
    }
    sljoin_arg *a = slmem_calloc(1, sizeof *a);
    a->mode = mode;
    a->type = type;
    a->in[0] = slschema_ref(left);
    a->in[1] = slschema_ref(right);
    a->out = slschema_ref(out);
    a->key[0] = *lkey;
    a->key[1] = *rkey;
    a->residual = residual;
    for (int s = 0; s < 2; s++) {
        a->wend_col[s] = -1;
        a->time_col[s] = -1;
    }
    *res = a;
    return SL_OK;
}

void sljoin_arg_free(void *arg) {
    sljoin_arg *a = arg;
    if (!a) {
        return;
    }
    slexpr_free(a->residual);
    slschema_unref(a->in[0]);
    slschema_unref(a->in[1]);
    slschema_unref(a->out);
    slmem_free(a);
}

/* ---- lifecycle ---- */

void sljc_init(jop *j, const sljoin_arg *a, const slop_vt *vt) {
    j->base.vt = vt;
    j->a = a;
}

sl_err sljc_open(jop *j, slopctx *c, int n_timers) {
    static const char *names[2] = {"join.l", "join.r"};
    static const char *rnames[2] = {"join.rows.l", "join.rows.r"};
    static const char *tnames[2] = {"join.timers0", "join.timers1"};
    if (!c->state) {
        return slerr_set(SL_ERR_STATE, "join: the operator needs keyed state");
    }
    bool regular = j->a->mode == SLJOIN_MODE_REGULAR;
    for (int s = 0; s < 2; s++) {
        j->rows[s] = regular ? slstate_table(c->state, rnames[s], sizeof(rjval))
                             : slstate_table(c->state, names[s], 0);
        if (c->state_ttl_us > 0 && regular) {
            slkv_set_ttl(j->rows[s], c->state_ttl_us, c->clock);
        }
    }
    for (int s = 0; s < n_timers; s++) {
        j->tm[s] = sltimers_new();
        j->tm_tab[s] = slstate_table(c->state, tnames[s], SLTIMERS_STATE_VAL);
    }
    j->ev = slexpr_eval_new(c->batch_rows);
    if (j->a->residual) {
        j->res_used = slmem_calloc((size_t)j->a->out->n, 1);
        slexpr_mark_columns(j->a->residual, j->res_used, j->a->out->n);
    }
    return SL_OK;
}

void sljc_free(jop *j) {
    for (int s = 0; s < 2; s++) {
        sltimers_free(j->tm[s]);
    }
    slexpr_eval_free(j->ev);
    slbatch_free(j->scratch);
    slbatch_free(j->out);
    slmem_free(j->keep);
    slmem_free(j->res_used);
    slbuf_free(&j->key);
    slbuf_free(&j->val);
    slbuf_free(&j->ents);
    slbuf_free(&j->ents2);
    slbuf_free(&j->rowb);
    slbuf_free(&j->skey);
    slbuf_free(&j->pfx);
    slbuf_free(&j->prow);
    slmem_free(j);
}

sl_err sljc_snapshot(slop *op, int64_t id, slbuf *opstate) {
    SL_UNUSED(id);
    SL_UNUSED(opstate);
    jop *j = (jop *)op;
    for (int s = 0; s < 2; s++) {
        if (j->tm[s]) {
            sltimers_save(j->tm[s], j->tm_tab[s]);
        }
    }
    return SL_OK;
}

sl_err sljc_restore(slop *op, const slbuf *opstate, int n) {
    SL_UNUSED(opstate);
    SL_UNUSED(n);
    jop *j = (jop *)op;
    for (int s = 0; s < 2; s++) {
        if (j->tm[s]) {
            sltimers_load(j->tm[s], j->tm_tab[s]);
        }
    }
    return SL_OK;
}

/* ---- keys ---- */

uint64_t sljc_key(jop *j, int side, const slbatch *b, uint32_t i, bool *has_null) {
    const slkeyspec *k = &j->a->key[side];
    bool nul = false;
    for (int c = 0; c < k->n; c++) {
        nul |= b->cols[k->cols[c]].nulls[i] != 0;
    }
    *has_null = nul;
    return slkey_encode(k, b, i, &j->key);
}

bool sljc_key_has_null(const jop *j, const void *key, uint32_t klen) {
    const slkeyspec *k = &j->a->key[0];
    const sl_schema *s = j->a->in[0];
    if (k->n == 1) {
        sl_type t = sl_schema_type(s, k->cols[0]);
        if (t == SL_BIGINT || t == SL_TIMESTAMP) {
            return klen == 1;
        }
    }
    const char *p = key, *end = p + klen;
    for (int c = 0; c < k->n && p < end; c++) {
        if (*p++ == 0) {
            return true;
        }
        switch (sl_schema_type(s, k->cols[c])) {
        case SL_BOOLEAN: p += 1; break;
        case SL_STRING: {
            uint32_t len;
            memcpy(&len, p, 4);
            p += 4 + len;
            break;
        }
        default: p += 8; break;
        }
    }
    return false;
}

/* ---- stored rows ---- */

static void ser_row(slbuf *o, const slbatch *b, uint32_t i) {
    slrow_encode(o, b, i, 0, b->schema->n);
}

/* Decode stored row bytes into columns first.. of row j of dst. */
static void put_row(slbatch *dst, int first, uint32_t j, const sl_schema *s, const char *p) {
    slrow_decode(p, dst, j, first, s->n);
}

void sljc_ser_entry(slbuf *o, int64_t ts, int32_t cnt, int32_t matched, const slbatch *b,
                    uint32_t i) {
    size_t at = o->len;
    uint32_t len = 0;
    slbuf_put(o, &ts, 8);
    slbuf_put(o, &cnt, 4);
    slbuf_put(o, &matched, 4);
    slbuf_put(o, &len, 4);
    ser_row(o, b, i);
    len = (uint32_t)(o->len - at - JENT_HDR);
    memcpy(o->data + at + 16, &len, 4);
}

void sljc_copy_entry(slbuf *o, const jent *e) {
    slbuf_put(o, &e->ts, 8);
    slbuf_put(o, &e->cnt, 4);
    slbuf_put(o, &e->matched, 4);
    slbuf_put(o, &e->len, 4);
    slbuf_put(o, e->row, e->len);
}

bool sljc_next(const char *v, uint32_t vlen, uint32_t *off, jent *e) {
    if (!v || *off + JENT_HDR > vlen) {
        return false;
    }
    const char *p = v + *off;
    memcpy(&e->ts, p, 8);
    memcpy(&e->cnt, p + 8, 4);
    memcpy(&e->matched, p + 12, 4);
    memcpy(&e->len, p + 16, 4);
    e->row = p + JENT_HDR;
    e->hdr = (char *)p;
    *off += JENT_HDR + e->len;
    return true;
}

uint32_t sljc_list(const char *v, uint32_t vlen, slbuf *arr, jent **out) {
    slbuf_reset(arr);
    uint32_t off = 0, n = 0;
    jent e;
    while (sljc_next(v, vlen, &off, &e)) {
        slbuf_put(arr, &e, sizeof e);
        n++;
    }
    *out = (jent *)arr->data;
    return n;
}

void sljc_append(jop *j, int side, uint64_t ns, const void *key, uint32_t klen, uint64_t hash,
                 int64_t ts, int32_t cnt, int32_t matched, const slbatch *b, uint32_t i) {
    uint32_t vlen = 0;
    const char *old = slkv_get(j->rows[side], ns, key, klen, hash, &vlen);
    slbuf_reset(&j->val);
    if (old) {
        slbuf_put(&j->val, old, vlen);
    }
    sljc_ser_entry(&j->val, ts, cnt, matched, b, i);
    slkv_put(j->rows[side], ns, key, klen, hash, j->val.data, (uint32_t)j->val.len);
}

/* ---- output ---- */

static void put_side(slbatch *dst, int first, uint32_t r, const sl_schema *s, const jsrc *x) {
    if (x->b) {
        for (int c = 0; c < s->n; c++) {
            slbatch_copy_value(dst, first + c, r, x->b, c, x->i);
        }
    } else if (x->row) {
        put_row(dst, first, r, s, x->row);
    } /* else: padding, the row starts all NULL */
}

/* put_side for the residual: only the columns with used[c] (the others stay
 * NULL). */
static void put_side_some(slbatch *dst, int first, uint32_t r, const sl_schema *s, const jsrc *x,
                          const uint8_t *used) {
    if (x->b) {
        for (int c = 0; c < s->n; c++) {
            if (used[c]) {
                slbatch_copy_value(dst, first + c, r, x->b, c, x->i);
            }
        }
    } else if (x->row) {
        slrow_decode_some(x->row, dst, r, first, s->n, used);
    }
}

void sljc_emit(jop *j, const jsrc *l, const jsrc *r, int64_t ts, sl_rowkind kind) {
    slopctx *c = j->base.ctx;
    if (j->out && slbatch_full(j->out)) {
        slop_emit(c, 0, j->out);
        j->out = NULL;
    }
    if (!j->out) {
        j->out = slbatch_new(j->a->out, c->batch_rows);
    }
    uint32_t row = slbatch_begin_row(j->out);
    put_side(j->out, 0, row, j->a->in[0], l);
    put_side(j->out, j->a->in[0]->n, row, j->a->in[1], r);
    j->out->ts[row] = ts;
    j->out->kind[row] = (uint8_t)kind;
    j->out->n = row + 1;
}

void sljc_flush(jop *j) {
    if (j->out && j->out->n) {
        slop_emit(j->base.ctx, 0, j->out);
        j->out = NULL;
    }
}

/* sljc_match with pair k's probe: `probe`, or row rows[k] of b when rows is
 * set. */
static uint32_t match_pairs(jop *j, int probe_side, const jsrc *probe, const slbatch *b,
                            const uint32_t *rows, const jent *ents, uint32_t n) {
    if (n == 0) {
        return 0;
    }
    if (n > j->scap) {
        uint32_t cap = j->scap ? j->scap : 16;
        while (cap < n) {
            cap *= 2;
        }
        slmem_free(j->keep);
        j->keep = slmem_calloc(cap, 1);
        if (j->a->residual) {
            slbatch_free(j->scratch);
            j->scratch = slbatch_new(j->a->out, cap);
        }
        j->scap = cap;
    }
    if (!j->a->residual) {
        memset(j->keep, 1, n);
        return n;
    }
    slbatch_clear(j->scratch);
    const sl_schema *other = j->a->in[1 - probe_side];
    int pfirst = probe_side == 0 ? 0 : j->a->in[0]->n;
    int ofirst = probe_side == 0 ? j->a->in[0]->n : 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = slbatch_begin_row(j->scratch);
        jsrc p = rows ? (jsrc){.b = b, .i = rows[k]} : *probe;
        put_side_some(j->scratch, pfirst, r, j->a->in[probe_side], &p, j->res_used + pfirst);
        slrow_decode_some(ents[k].row, j->scratch, r, ofirst, other->n, j->res_used + ofirst);
        j->scratch->n = r + 1;
    }
    slexpr_eval_filter(j->ev, j->a->residual, j->scratch, j->keep);
    uint32_t m = 0;
    for (uint32_t k = 0; k < n; k++) {
        j->keep[k] = j->keep[k] != 0;
        m += j->keep[k];
    }
    return m;
}

uint32_t sljc_match(jop *j, int probe_side, const jsrc *probe, const jent *ents, uint32_t n) {
    return match_pairs(j, probe_side, probe, NULL, NULL, ents, n);
}

uint32_t sljc_match_rows(jop *j, int probe_side, const slbatch *b, const uint32_t *rows,
                         const jent *ents, uint32_t n) {
    return match_pairs(j, probe_side, NULL, b, rows, ents, n);
}
