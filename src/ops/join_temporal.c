/*
 * join_temporal.c - the event-time temporal join (join.h): each probe row
 * (input 0) is joined with the version of the versioned table (input 1) of
 * its key that was valid at the probe row's time: the last version with a
 * time <= the probe's. INNER or LEFT (a probe without a live version comes
 * out NULL-padded).
 *
 * Versions: input 1's +I/+U rows are versions valid from their event time
 * on; a -D row ends the key's validity at its time (a "deleted" version,
 * cnt 0); -U rows are skipped (the +U that follows carries the new version).
 * They are kept per key in time order (ns 0 of join.r).
 *
 * Probe rows wait in join.l (per key, arrival order) with an event-time timer
 * at their time; when the watermark reaches it every waiting row of the key
 * at or behind the watermark is joined, in time order, so that versions
 * arriving out of order up to the watermark are taken into account: the
 * result does not depend on arrival order. Then the key's versions are
 * pruned: of those at or behind the watermark only the last is kept (none if
 * it is a deletion); each version sets a timer at its time so that keys
 * without probes are pruned too. Output rows carry the probe's time.
 * A version at or behind its table's watermark is late too (probes may
 * already have been answered without it): dropped and counted.
 * A probe row at or behind its input's watermark is late: dropped and
 * counted (its own input's, so that lateness does not depend on how the two
 * inputs interleave; the combined watermark is never ahead of it).
 *
 * Thread: the worker that owns the subtask.
 */
#include <stdlib.h>

#include "ops/join_int.h"

static sl_err tj_open(slop *op, slopctx *c) {
    return sljc_open((jop *)op, c, 1);
}

/* Insert version row i of b (time t, live or deleted) in time order. */
static void add_version(jop *j, uint64_t h, int64_t t, bool live, const slbatch *b, uint32_t i) {
    const char *key = j->key.data;
    uint32_t klen = (uint32_t)j->key.len;
    uint32_t vlen = 0;
    const char *v = slkv_get(j->rows[1], 0, key, klen, h, &vlen);
    slbuf_reset(&j->val);
    uint32_t off = 0;
    bool done = false;
    jent e;
    while (v && sljc_next(v, vlen, &off, &e)) {
        if (!done && e.ts > t) {
            sljc_ser_entry(&j->val, t, live, 0, b, i);
            done = true;
        }
        sljc_copy_entry(&j->val, &e);
    }
    if (!done) {
        sljc_ser_entry(&j->val, t, live, 0, b, i);
    }
    slkv_put(j->rows[1], 0, key, klen, h, j->val.data, (uint32_t)j->val.len);
}

static void tj_batch_take(slop *op, int input, slbatch *b) {
    jop *j = (jop *)op;
    slopctx *c = op->ctx;
    slmetric_add(&c->metrics->rows_in, b->n);
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t t = b->ts[i];
        bool nul;
        uint64_t h = sljc_key(j, input ? 1 : 0, b, i, &nul);
        if (input == 0) {
            if (t <= c->input_wm[0]) {
                sljc_late(j, 1);
                continue;
            }
            if (nul) {
                if (j->a->type == SLJT_LEFT) {
                    sljc_emit(j, &(jsrc){.b = b, .i = i}, &(jsrc){0}, t, SL_INSERT);
                }
                continue;
            }
            sljc_append(j, 0, 0, j->key.data, (uint32_t)j->key.len, h, t, 1, 0, b, i);
        } else {
            sl_rowkind k = (sl_rowkind)b->kind[i];
            if (nul || k == SL_UPDATE_BEFORE) {
                continue;
            }
            if (t <= c->input_wm[1]) {
                /* A version behind its table's watermark: probes up to that
                 * watermark may already have been answered without it. */
                sljc_late(j, 1);
                continue;
            }
            add_version(j, h, t, k != SL_DELETE, b, i);
        }
        sltimers_set(j->tm[0], SLTIMER_EVENT, t, 0, j->key.data, (uint32_t)j->key.len, h);
    }
    slbatch_free(b);
    sljc_flush(j);
}

static int by_ts(const void *x, const void *y) {
    const jent *a = x, *b = y;
    if (a->ts != b->ts) {
        return a->ts < b->ts ? -1 : 1;
    }
    return a->hdr < b->hdr ? -1 : a->hdr > b->hdr; /* arrival order */
}

static void fire(void *user, sltimer_domain d, int64_t ts, uint64_t ns, const void *key,
                 uint32_t klen, uint64_t hash) {
    SL_UNUSED(d);
    SL_UNUSED(ts);
    jop *j = user;
    int64_t wm = j->fire_wm;
    uint32_t pl = 0, vl = 0;
    const char *pv = slkv_get(j->rows[0], ns, key, klen, hash, &pl);
    char *vv = slkv_get(j->rows[1], ns, key, klen, hash, &vl);
    jent *V = NULL;
    uint32_t nv = sljc_list(vv, vl, &j->ents2, &V);
    if (pv) {
        jent *P;
        uint32_t np = sljc_list(pv, pl, &j->ents, &P);
        qsort(P, np, sizeof *P, by_ts);
        slbuf_reset(&j->val);
        bool changed = false;
        for (uint32_t x = 0; x < np; x++) {
            if (P[x].ts > wm) {
                continue;
            }
            changed = true;
            jsrc probe = {.row = P[x].row};
            int found = -1;
            for (uint32_t k = 0; k < nv && V[k].ts <= P[x].ts; k++) {
                found = (int)k;
            }
            bool hit = found >= 0 && V[found].cnt != 0 &&
                       sljc_match(j, 0, &probe, &V[found], 1) == 1;
            if (hit) {
                sljc_emit(j, &probe, &(jsrc){.row = V[found].row}, P[x].ts, SL_INSERT);
            } else if (j->a->type == SLJT_LEFT) {
                sljc_emit(j, &probe, &(jsrc){0}, P[x].ts, SL_INSERT);
            }
        }
        if (changed) {
            /* Keep the rows still waiting, in arrival order. */
            uint32_t off = 0;
            jent e;
            while (sljc_next(pv, pl, &off, &e)) {
                if (e.ts > wm) {
                    sljc_copy_entry(&j->val, &e);
                }
            }
            if (j->val.len == 0) {
                slkv_remove(j->rows[0], ns, key, klen, hash);
            } else {
                slkv_put(j->rows[0], ns, key, klen, hash, j->val.data, (uint32_t)j->val.len);
            }
        }
    }
    /* Prune versions no probe row can need any more. */
    int last = -1;
    for (uint32_t k = 0; k < nv && V[k].ts <= wm; k++) {
        last = (int)k;
    }
    if (last < 0) {
        return;
    }
    uint32_t from = V[last].cnt != 0 ? (uint32_t)last : (uint32_t)last + 1;
    if (from == 0) {
        return;
    }
    slbuf_reset(&j->val);
    for (uint32_t k = from; k < nv; k++) {
        sljc_copy_entry(&j->val, &V[k]);
    }
    if (j->val.len == 0) {
        slkv_remove(j->rows[1], ns, key, klen, hash);
    } else {
        slkv_put(j->rows[1], ns, key, klen, hash, j->val.data, (uint32_t)j->val.len);
    }
}

static int64_t tj_watermark(slop *op, int64_t wm) {
    jop *j = (jop *)op;
    j->fire_wm = wm;
    sltimers_pop_due(j->tm[0], SLTIMER_EVENT, wm, fire, j);
    sljc_flush(j);
    return wm;
}

static void tj_end(slop *op) {
    sljc_flush((jop *)op);
}

static void tj_free(slop *op) {
    sljc_free((jop *)op);
}

static const slop_vt temporal_join_vt = {
    .name = "temporal_join",
    .open = tj_open,
    .batch_take = tj_batch_take,
    .watermark = tj_watermark,
    .end = tj_end,
    .free = tj_free,
    .snapshot = sljc_snapshot,
    .restore = sljc_restore,
};

slop *sljoin_temporal_new(void *arg, int subtask) {
    SL_UNUSED(subtask);
    jop *j = slmem_calloc(1, sizeof *j);
    sljc_init(j, arg, &temporal_join_vt);
    return &j->base;
}
