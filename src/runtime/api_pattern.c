/*
 * api_pattern.c - the public pattern API (sl_pattern_*, sl_stream_pattern;
 * sluice.h): a builder of element lists that compiles to the same matcher
 * as MATCH_RECOGNIZE (ops/cep.h).
 *
 * A pattern is a sequence of elements; each is a variable with a C
 * condition, a contiguity before its first row, and a quantifier
 * {min,max}, greedy or reluctant, optionally optional. sl_stream_pattern
 * turns it into a slcep_pat: SEQ of VAR, REPEAT(VAR) or REPEAT(REPEAT(VAR),
 * 0, 1) for an optional quantified element.
 *
 * Thread: building is single-threaded; conditions and the select callback
 * run on the operator's worker threads.
 */
#include <strings.h>

#include "ops/cep.h"
#include "runtime/job.h"

typedef struct pelem {
    char *name; /* owned */
    sl_pattern_cond_fn cond;
    void *user; /* borrowed */
    slcep_contig contig;
    int min, max;
    bool greedy, optional;
} pelem;

struct sl_pattern {
    pelem *el; /* owned */
    int n;
    size_t cap;
    int64_t within_us;
    sl_skip skip;
    char *skip_var; /* owned */
};

static sl_err add_elem(sl_pattern *p, const char *what, const char *name, sl_pattern_cond_fn cond,
                       void *user, slcep_contig contig) {
    if (!p || !name || !*name) {
        return slerr_set(SL_ERR_ARG, "%s: pattern and name are required", what);
    }
    for (int i = 0; i < p->n; i++) {
        if (strcasecmp(p->el[i].name, name) == 0) {
            return slerr_set(SL_ERR_ARG, "%s: the pattern already has an element '%s'", what,
                             name);
        }
    }
    if (p->n >= SLCEP_MAX_VARS) {
        return slerr_set(SL_ERR_ARG, "%s: a pattern has at most %d elements", what,
                         SLCEP_MAX_VARS);
    }
    slmem_grow((void **)&p->el, &p->cap, (size_t)p->n + 1, sizeof *p->el);
    p->el[p->n++] = (pelem){slmem_strdup(name), cond, user, contig, 1, 1, false, false};
    return SL_OK;
}

sl_err sl_pattern_begin(const char *name, sl_pattern_cond_fn cond, void *user, sl_pattern **out) {
    *out = NULL;
    sl_pattern *p = slmem_calloc(1, sizeof *p);
    sl_err err = add_elem(p, "sl_pattern_begin", name, cond, user, SLCEP_STRICT);
    if (err) {
        sl_pattern_free(p);
        return err;
    }
    *out = p;
    return SL_OK;
}

sl_err sl_pattern_next(sl_pattern *p, const char *name, sl_pattern_cond_fn cond, void *user) {
    return add_elem(p, "sl_pattern_next", name, cond, user, SLCEP_STRICT);
}

sl_err sl_pattern_followed_by(sl_pattern *p, const char *name, sl_pattern_cond_fn cond,
                              void *user) {
    return add_elem(p, "sl_pattern_followed_by", name, cond, user, SLCEP_RELAXED);
}

sl_err sl_pattern_followed_by_any(sl_pattern *p, const char *name, sl_pattern_cond_fn cond,
                                  void *user) {
    return add_elem(p, "sl_pattern_followed_by_any", name, cond, user, SLCEP_ANY);
}

static pelem *last(sl_pattern *p) {
    return p && p->n ? &p->el[p->n - 1] : NULL;
}

sl_err sl_pattern_times(sl_pattern *p, int min, int max) {
    pelem *e = last(p);
    if (!e) {
        return slerr_set(SL_ERR_ARG, "sl_pattern_times: no element to quantify");
    }
    if (min < 1 || (max != -1 && max < min)) {
        return slerr_set(SL_ERR_ARG,
                         "sl_pattern_times: need 1 <= min <= max (or max -1), got %d, %d "
                         "(use sl_pattern_optional for zero)",
                         min, max);
    }
    e->min = min;
    e->max = max;
    return SL_OK;
}

sl_err sl_pattern_one_or_more(sl_pattern *p) {
    return sl_pattern_times(p, 1, -1);
}

sl_err sl_pattern_optional(sl_pattern *p) {
    pelem *e = last(p);
    if (!e) {
        return slerr_set(SL_ERR_ARG, "sl_pattern_optional: no element");
    }
    e->optional = true;
    return SL_OK;
}

sl_err sl_pattern_greedy(sl_pattern *p) {
    pelem *e = last(p);
    if (!e) {
        return slerr_set(SL_ERR_ARG, "sl_pattern_greedy: no element");
    }
    e->greedy = true;
    return SL_OK;
}

sl_err sl_pattern_within(sl_pattern *p, int64_t us) {
    if (!p || us <= 0) {
        return slerr_set(SL_ERR_ARG, "sl_pattern_within: the interval must be positive");
    }
    p->within_us = us;
    return SL_OK;
}

sl_err sl_pattern_skip(sl_pattern *p, sl_skip skip, const char *var) {
    if (!p || skip < SL_SKIP_NONE || skip > SL_SKIP_TO_LAST) {
        return slerr_set(SL_ERR_ARG, "sl_pattern_skip: bad strategy");
    }
    bool to_var = skip == SL_SKIP_TO_FIRST || skip == SL_SKIP_TO_LAST;
    if (to_var && !var) {
        return slerr_set(SL_ERR_ARG, "sl_pattern_skip: SL_SKIP_TO_FIRST/LAST need a variable");
    }
    slmem_free(p->skip_var);
    p->skip_var = to_var ? slmem_strdup(var) : NULL;
    p->skip = skip;
    return SL_OK;
}

void sl_pattern_free(sl_pattern *p) {
    if (!p) {
        return;
    }
    for (int i = 0; i < p->n; i++) {
        slmem_free(p->el[i].name);
    }
    slmem_free(p->el);
    slmem_free(p->skip_var);
    slmem_free(p);
}

static slcep_pat *elem_pat(const pelem *e, int var) {
    slcep_pat *v = slcep_pat_var(var, e->contig);
    if (e->min != 1 || e->max != 1) {
        v = slcep_pat_repeat(v, e->min, e->max, e->greedy);
    }
    if (e->optional) {
        v = slcep_pat_repeat(v, 0, 1, true);
    }
    return v;
}

sl_err sl_stream_pattern(sl_stream *in, const sl_pattern *p, const sl_schema *out_schema,
                         sl_pattern_select_fn select, void *user, sl_stream **out) {
    *out = NULL;
    if (!in || !p || !out_schema || !select) {
        return slerr_set(SL_ERR_ARG,
                         "sl_stream_pattern: stream, pattern, out_schema and select are required");
    }
    sl_err err = sljob_check_building(in->job);
    if (err) {
        return err;
    }
    int skip_var = -1;
    if (p->skip_var) {
        for (int i = 0; i < p->n; i++) {
            if (strcasecmp(p->el[i].name, p->skip_var) == 0) {
                skip_var = i;
            }
        }
        if (skip_var < 0) {
            return slerr_set(SL_ERR_NOTFOUND, "sl_stream_pattern: the skip strategy names '%s', "
                                              "which is not an element of the pattern",
                             p->skip_var);
        }
    }
    static const slcep_skip skips[] = {SLCEP_SKIP_NONE, SLCEP_SKIP_PAST_LAST, SLCEP_SKIP_TO_NEXT,
                                       SLCEP_SKIP_TO_FIRST, SLCEP_SKIP_TO_LAST};
    slcep_pat **kids = slmem_calloc((size_t)p->n, sizeof *kids);
    slcep_cond *conds = slmem_calloc((size_t)p->n, sizeof *conds);
    const char **names = slmem_calloc((size_t)p->n, sizeof *names);
    for (int i = 0; i < p->n; i++) {
        kids[i] = elem_pat(&p->el[i], i);
        conds[i].fn = (slcep_cond_fn)p->el[i].cond;
        conds[i].user = p->el[i].user;
        names[i] = p->el[i].name;
    }
    slcep_pat *pat = p->n == 1 ? kids[0] : slcep_pat_list(SLCEP_PAT_SEQ, kids, p->n);
    slmem_free(kids);
    slkeyspec key = in->keyed ? in->key : (slkeyspec){0};
    slcep_arg *a;
    err = slcep_arg_new(in->schema, &key, names, p->n, pat, conds, p->within_us, skips[p->skip],
                        skip_var, NULL, 0, NULL, 0, (slcep_select_fn)select, user, out_schema, &a);
    slmem_free(conds);
    slmem_free(names);
    if (err) {
        return slerr_prefix(err, "sl_stream_pattern");
    }
    slbuf d = {0};
    slcep_describe(a, &d);
    *out = sljob_add_keyed_op(in->job, slbuf_cstr(&d), slcep_new, a, slcep_arg_free, in, &key,
                              a->out, a->in);
    slbuf_free(&d);
    return SL_OK;
}

sl_err sl_stream_pattern_late_rows(sl_stream *matches, sl_stream **out) {
    if (!matches || !out) {
        return slerr_set(SL_ERR_ARG, "sl_stream_pattern_late_rows: stream is NULL");
    }
    slnode *n = matches->job->g.nodes[matches->node];
    if (n->op_new != slcep_new || matches->port != 0) {
        return slerr_set(SL_ERR_ARG, "sl_stream_pattern_late_rows: '%s' is not a pattern stream",
                         n->name);
    }
    *out = sljob_stream(matches->job, matches->node, 1, n->out[1]);
    (*out)->parallelism = matches->parallelism;
    return SL_OK;
}
