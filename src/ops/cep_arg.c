/*
 * cep_arg.c - the argument of the pattern operator (slcep_arg, contract in
 * cep.h): checks, schemas of conditions and measures, EXPLAIN text.
 * Thread: the job-building thread; the argument is read-only afterwards.
 */
#include <stdio.h>
#include <strings.h>

#include "ops/cep.h"

static sl_schema *nav_schema(const sl_schema *in, const slcep_nav *navs, int n, sl_err *err) {
    sl_schema *s = slschema_copy(in);
    for (int i = 0; i < n && !*err; i++) {
        char name[40];
        snprintf(name, sizeof name, "$nav%d", i);
        sl_type t;
        *err = slcep_nav_type(&navs[i], in, &t);
        if (!*err) {
            *err = sl_schema_add(s, name, t);
        }
    }
    return s;
}

sl_err slcep_arg_new(const sl_schema *in, const slkeyspec *partition, const char *const *names,
                     int n_vars, slcep_pat *pat, slcep_cond *conds, int64_t within_us,
                     slcep_skip skip, int skip_var, slcep_measure *measures, int n_measures,
                     slcep_nav *mnavs, int n_mnavs, slcep_select_fn select, void *select_user,
                     const sl_schema *out_schema, slcep_arg **out) {
    *out = NULL;
    slcep_arg *a = slmem_calloc(1, sizeof *a);
    sl_err err = SL_OK;
    a->in = slschema_ref(in);
    a->partition = *partition;
    a->pat = pat;
    a->n_vars = n_vars;
    a->names = slmem_calloc(n_vars ? (size_t)n_vars : 1, sizeof(char *));
    a->conds = slmem_calloc(n_vars ? (size_t)n_vars : 1, sizeof *a->conds);
    for (int i = 0; i < n_vars; i++) {
        a->names[i] = slmem_strdup(names[i]);
        a->conds[i] = conds[i];
        a->conds[i].schema = NULL;
    }
    a->within_us = within_us;
    a->skip = skip;
    a->skip_var = skip_var;
    a->measures = slmem_calloc(n_measures ? (size_t)n_measures : 1, sizeof(slexpr *));
    for (int i = 0; i < n_measures; i++) {
        a->measures[i] = measures[i].e;
    }
    a->n_measures = n_measures;
    a->mnavs = mnavs;
    a->n_mnavs = n_mnavs;
    a->select = select;
    a->select_user = select_user;
    if (n_vars < 1 || n_vars > SLCEP_MAX_VARS) {
        err = slerr_set(SL_ERR_ARG, "a pattern has 1 to %d variables, not %d", SLCEP_MAX_VARS,
                        n_vars);
        goto out;
    }
    if (partition->n < 0 || partition->n > (int)SL_ARRAY_LEN(partition->cols)) {
        err = slerr_set(SL_ERR_ARG, "bad number of PARTITION BY columns %d", partition->n);
        goto out;
    }
    if (within_us < 0) {
        err = slerr_set(SL_ERR_ARG, "WITHIN must be positive");
        goto out;
    }
    if ((skip == SLCEP_SKIP_TO_FIRST || skip == SLCEP_SKIP_TO_LAST) &&
        (skip_var < 0 || skip_var >= n_vars)) {
        err = slerr_set(SL_ERR_ARG, "AFTER MATCH SKIP TO names no pattern variable");
        goto out;
    }
    if ((err = slcep_compile(pat, &a->prog))) {
        goto out;
    }
    for (int i = 0; i < n_vars && !err; i++) {
        a->conds[i].schema = nav_schema(in, a->conds[i].navs, a->conds[i].n_navs, &err);
        if (!err && a->conds[i].e) {
            if (slexpr_type(a->conds[i].e) != SL_BOOLEAN) {
                err = slerr_set(SL_ERR_TYPE, "the condition of %s is not BOOLEAN", names[i]);
            } else {
                err = slexpr_check_columns(a->conds[i].e, a->conds[i].schema);
            }
        }
    }
    if (err) {
        goto out;
    }
    a->mschema = nav_schema(in, mnavs, n_mnavs, &err);
    if (err) {
        goto out;
    }
    if (select) {
        a->out = slschema_ref(out_schema);
        goto out;
    }
    if ((err = sl_schema_new(&a->out))) {
        goto out;
    }
    for (int i = 0; i < partition->n && !err; i++) {
        int c = partition->cols[i];
        if (c < 0 || c >= in->n) {
            err = slerr_set(SL_ERR_NOTFOUND, "PARTITION BY column %d is not in the input", c);
            break;
        }
        err = sl_schema_add(a->out, in->fields[c].name, in->fields[c].type);
    }
    for (int i = 0; i < n_measures && !err; i++) {
        err = slexpr_check_columns(measures[i].e, a->mschema);
        if (!err) {
            err = sl_schema_add(a->out, measures[i].name, slexpr_type(measures[i].e));
        }
    }
out:
    if (err) {
        slcep_arg_free(a);
        return err;
    }
    *out = a;
    return SL_OK;
}

void slcep_arg_free(void *arg) {
    slcep_arg *a = arg;
    if (!a) {
        return;
    }
    for (int i = 0; i < a->n_vars; i++) {
        slmem_free(a->names[i]);
        slexpr_free(a->conds[i].e);
        slmem_free(a->conds[i].navs);
        slschema_unref(a->conds[i].schema);
    }
    slmem_free(a->names);
    slmem_free(a->conds);
    for (int i = 0; i < a->n_measures; i++) {
        slexpr_free(a->measures[i]);
    }
    slmem_free(a->measures);
    slmem_free(a->mnavs);
    slcep_prog_free(a->prog);
    slcep_pat_free(a->pat);
    slschema_unref(a->in);
    slschema_unref(a->mschema);
    slschema_unref(a->out);
    slmem_free(a);
}

void slcep_describe(const slcep_arg *a, slbuf *out) {
    static const char *skips[] = {"past last row", "to next row", "to first ", "to last ",
                                  "none (every match)"};
    slbuf_puts(out, "Match(pattern: ");
    slcep_pat_describe(a->pat, (const char *const *)a->names, out);
    if (a->within_us) {
        char d[64];
        slbuf_printf(out, ", within %s", slduration_format(a->within_us, d, sizeof d));
    }
    slbuf_printf(out, ", skip %s", skips[a->skip]);
    if (a->skip == SLCEP_SKIP_TO_FIRST || a->skip == SLCEP_SKIP_TO_LAST) {
        slbuf_puts(out, a->names[a->skip_var]);
    }
    slbuf_printf(out, ", partition: %d column%s)", a->partition.n, a->partition.n == 1 ? "" : "s");
}
