/*
 * gen.c - the generator source behind sl_job_source_gen: calls the user's
 * sl_gen_fn with i = 0, 1, 2, ... and an sl_out writing straight into the
 * batch given to read(). With sl_job_source_gen_batch it calls the user's
 * sl_gen_batch_fn once per read() with an sl_cols over the rest of the batch
 * (no spill: the writer cannot overflow it).
 *
 * A call may emit more rows than the batch has room for: when the batch fills
 * in the middle of a call, the writer's flush callback switches it to spill
 * batches owned by the source; the next read() first moves spilled rows into
 * its batch, in order, and calls the generator again only once they are gone.
 * Only subtask 0 generates (a user function cannot be split).
 */
#include "connectors/connectors.h"

typedef struct gensrc {
    slsource base;
    const slgen_conf *conf; /* borrowed: owned by the graph */
    bool active;            /* subtask 0 */
    uint64_t next_i;
    slbatch *target;   /* borrowed: the batch of the current read() */
    slbatch **spill;   /* owned: FIFO of spilled rows */
    size_t n_spill, cap_spill;
    uint32_t spill_pos; /* rows of spill[0] already handed out */
    bool ended;
} gensrc;

void slgen_conf_free(void *conf) {
    slgen_conf *c = conf;
    if (c) {
        slschema_unref(c->schema);
        slmem_free(c);
    }
}

/* The writer filled `full` (the target or a spill batch): continue in a new
 * spill batch. */
static slbatch *spill_flush(slbatch *full, void *user) {
    gensrc *g = user;
    SL_UNUSED(full); /* the target, or the last spill batch (already queued) */
    slbatch *s = slbatch_new(g->conf->schema, g->target->cap);
    slmem_grow((void **)&g->spill, &g->cap_spill, g->n_spill + 1, sizeof *g->spill);
    g->spill[g->n_spill++] = s;
    return s;
}

/* Move spilled rows into b; true if none are left. */
static bool drain(gensrc *g, slbatch *b) {
    while (g->n_spill > 0 && !slbatch_full(b)) {
        slbatch *s = g->spill[0];
        while (g->spill_pos < s->n && !slbatch_full(b)) {
            slbatch_append_row(b, s, g->spill_pos++);
        }
        if (g->spill_pos < s->n) {
            break;
        }
        slbatch_free(s); /* drain runs between generator calls: no writer holds it */
        memmove(g->spill, g->spill + 1, (g->n_spill - 1) * sizeof *g->spill);
        g->n_spill--;
        g->spill_pos = 0;
    }
    return g->n_spill == 0;
}

static sl_err gen_open(slsource *s, slopctx *c) {
    s->ctx = c;
    return SL_OK;
}

/* A batch generator fills the rest of b in one call; next_i counts rows. */
static slsrc_status gen_read_batch(gensrc *g, slbatch *b) {
    if (g->ended) {
        return SLSRC_END;
    }
    sl_cols c;
    slcols_init(&c, b);
    if (c.room == 0) {
        return SLSRC_MORE;
    }
    sl_gen_status st = g->conf->batch_fn(g->next_i, &c, g->conf->user);
    slcols_finish(&c);
    g->next_i += c.n;
    if (st == SL_GEN_END) {
        g->ended = true; /* the rows made with it are emitted all the same */
        return SLSRC_END;
    }
    if (st == SL_GEN_IDLE && c.n == 0) {
        return SLSRC_IDLE;
    }
    return SLSRC_MORE;
}

static slsrc_status gen_read(slsource *s, slbatch *b) {
    gensrc *g = (gensrc *)s;
    if (!g->active) {
        return SLSRC_END;
    }
    if (g->conf->batch_fn) {
        return gen_read_batch(g, b);
    }
    uint32_t n0 = b->n;
    if (!drain(g, b)) {
        return SLSRC_MORE;
    }
    sl_gen_status st = SL_GEN_MORE;
    g->target = b;
    sl_out o;
    slout_init(&o, b, spill_flush, g);
    /* Locals: the calls are opaque, so fields read through g would be
     * reloaded on every row. */
    sl_gen_fn fn = g->conf->fn;
    void *user = g->conf->user;
    uint64_t i = g->next_i;
    bool ended = g->ended;
    while (!ended && o.b == b && !slbatch_full(b)) {
        st = fn(i++, &o, user);
        if (SL_UNLIKELY(st != SL_GEN_MORE)) {
            if (st == SL_GEN_END) {
                ended = true;
            } else if (st == SL_GEN_IDLE) {
                break;
            }
        }
    }
    g->next_i = i;
    g->ended = ended;
    g->target = NULL;
    /* A row begun but not emitted is dropped, as sl_out documents. */
    if (b->n > n0 || g->n_spill > 0) {
        return SLSRC_MORE;
    }
    if (g->ended) {
        return SLSRC_END;
    }
    return st == SL_GEN_IDLE ? SLSRC_IDLE : SLSRC_MORE;
}

static void gen_free(slsource *s) {
    gensrc *g = (gensrc *)s;
    if (!g) {
        return;
    }
    for (size_t k = 0; k < g->n_spill; k++) {
        slbatch_free(g->spill[k]);
    }
    slmem_free(g->spill);
    slmem_free(g);
}

/* Position: [u64 next_i][u8 ended] (host order) of subtask 0, the only one
 * that generates: the generator is a function of the index. Rows spilled
 * (a generator call that made more rows than the batch had room for) are
 * not part of a position: a checkpoint taken while some wait fails (the
 * next one succeeds). */
static sl_err gen_snapshot(slsource *s, int64_t id, slbuf *pos) {
    SL_UNUSED(id);
    gensrc *g = (gensrc *)s;
    if (g->n_spill > 0) {
        return slerr_set(SL_ERR_STATE, "generator source: rows of one index are still "
                                       "being handed out");
    }
    uint64_t v[2] = {g->next_i, g->ended};
    slbuf_put(pos, v, sizeof v);
    return SL_OK;
}

static sl_err gen_restore(slsource *s, const slbuf *pos, int n) {
    gensrc *g = (gensrc *)s;
    if (!g->active || n < 1) {
        return SL_OK;
    }
    uint64_t v[2];
    if (pos[0].len != sizeof v) {
        return slerr_set(SL_ERR_PARSE, "generator source: bad position in the checkpoint");
    }
    memcpy(v, pos[0].data, sizeof v);
    g->next_i = v[0];
    g->ended = v[1] != 0;
    return SL_OK;
}

static const slsource_vt gen_vt = {
    .name = "gen",
    .open = gen_open,
    .read = gen_read,
    .free = gen_free,
    .snapshot = gen_snapshot,
    .restore = gen_restore,
};

slsource *slgen_source_new(void *conf, int subtask, int parallelism) {
    SL_UNUSED(parallelism);
    const slgen_conf *c = conf;
    gensrc *g = slmem_calloc(1, sizeof *g);
    g->base.vt = &gen_vt;
    g->base.schema = c->schema;
    g->conf = c;
    g->active = subtask == 0;
    return &g->base;
}
