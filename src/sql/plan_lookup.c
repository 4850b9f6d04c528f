/*
 * plan_lookup.c - lookup joins in SQL, as Flink writes them:
 *
 *   SELECT o.id, c.name FROM orders AS o
 *   [LEFT] JOIN customers FOR SYSTEM_TIME AS OF o.proc_time AS c
 *   ON o.customer_id = c.id [AND more conditions]
 *
 * where customers is a 'jdbc' (PostgreSQL) or 'filesystem' table and
 * o.proc_time a PROCTIME() column of the left side. The ON condition's
 * conjuncts `left expression = table column` become the lookup key (the
 * left expression cast to the column's type); every other conjunct is a
 * residual condition evaluated on the joined row (for a LEFT join, a row
 * whose candidates all fail it is kept NULL-padded, as in Flink).
 *
 * The output is the left relation's columns, then the table's, qualified by
 * the table's alias; the left side's time attributes and changelog kind
 * carry over.
 */
#include <stdio.h>
#include <strings.h>

#include "connectors/lookup.h"
#include "sql/sql_int.h"

bool slplan_is_lookup_join(slplan *p, const slfrom *f, const slrel *left) {
    const slfrom *rf = f->right;
    if (!rf || rf->kind != SLFROM_TABLE || !rf->as_of) {
        return false;
    }
    slcat_entry *t = slcat_find(p->sess, rf->name);
    if (!t || t->view) {
        return false;
    }
    for (int i = 0; i < t->def->n_opts; i++) {
        if (strcasecmp(t->def->opts[i].key, "connector") == 0 &&
            strcasecmp(t->def->opts[i].value, "jdbc") == 0) {
            return true;
        }
    }
    const slx *a = rf->as_of;
    return a->kind == SLX_COLUMN && left->proctime >= 0 &&
           slrel_find(left, a->qual, a->text) == left->proctime;
}

/* The conjuncts of an AND tree, in order. */
static void conjuncts(const slx *x, const slx ***out, int *n, size_t *cap) {
    if (x->kind == SLX_BINARY && x->op == SLOP_AND) {
        conjuncts(x->kids[0], out, n, cap);
        conjuncts(x->kids[1], out, n, cap);
        return;
    }
    slmem_grow((void **)out, cap, (size_t)*n + 1, sizeof **out);
    (*out)[(*n)++] = x;
}

/* True when e reads only columns [0, n_left). */
static bool left_only(const slexpr *e, const sl_schema *left) {
    sl_err err = slexpr_check_columns(e, left);
    slerr_clear();
    return err == SL_OK;
}

typedef struct lkplan {
    slplan *p;
    const slrel *r;  /* the output relation (the ON scope) */
    int n_left;
    sllookup_join_arg *arg;
    sllookup_conf *conf;
    slexpr *residual; /* owned until handed to arg */
    slbuf desc;       /* "cust = id, ..." for the node name */
} lkplan;

static sl_err add_residual(lkplan *lp, slexpr *e) {
    if (!lp->residual) {
        lp->residual = e;
        return SL_OK;
    }
    slexpr *args[2] = {lp->residual, e};
    lp->residual = NULL;
    return slexpr_func("AND", args, 2, &lp->residual);
}

/* Try conjunct x as `left expression = table column`: on success the key is
 * added and *used is true. */
static sl_err try_key(lkplan *lp, slbind *b, const slx *x, bool *used) {
    *used = false;
    if (x->kind != SLX_BINARY || x->op != SLOP_EQ || lp->conf->n_keys == SL_LOOKUP_MAX_KEYS) {
        return SL_OK;
    }
    /* The comparison as the binder sees it: its type rules and messages. */
    slexpr *whole = NULL;
    sl_err err = slbind_expr(b, x, &whole);
    if (err) {
        return err;
    }
    slexpr_free(whole);
    slexpr *e[2] = {NULL, NULL};
    err = slbind_expr(b, x->kids[0], &e[0]);
    if (!err) {
        err = slbind_expr(b, x->kids[1], &e[1]);
    }
    if (err) {
        slexpr_free(e[0]);
        return err;
    }
    const sl_schema *lefts = lp->arg->in;
    for (int side = 0; side < 2; side++) {
        int col = slexpr_column_index(e[1 - side]);
        if (col < lp->n_left || !left_only(e[side], lefts)) {
            continue;
        }
        int dcol = col - lp->n_left;
        bool dup = false;
        for (int k = 0; k < lp->conf->n_keys; k++) {
            dup |= lp->conf->key_cols[k] == dcol;
        }
        if (dup) {
            break; /* the column is a key already: this one is a residual check */
        }
        sl_type want = sl_schema_type(lp->conf->dim, dcol);
        slexpr *k = e[side];
        e[side] = NULL;
        if (slexpr_type(k) != want) {
            slexpr *cast = NULL;
            if (slexpr_cast(k, want, false, &cast) != SL_OK) {
                slexpr_free(e[1 - side]);
                return slplan_err(lp->p, x->pos, SL_ERR_TYPE,
                                  "lookup join: cannot compare %s with column '%s' (%s)",
                                  sl_type_name(slexpr_type(k)),
                                  sl_schema_name(lp->conf->dim, dcol), sl_type_name(want));
            }
            k = cast;
        }
        int n = lp->conf->n_keys++;
        lp->conf->key_cols[n] = dcol;
        lp->arg->keys[n] = k;
        slbuf_puts(&lp->desc, n ? ", " : "");
        slexpr_describe(k, lefts, &lp->desc);
        slbuf_printf(&lp->desc, " = %s", sl_schema_name(lp->conf->dim, dcol));
        *used = true;
        break;
    }
    slexpr_free(e[0]);
    slexpr_free(e[1]);
    return SL_OK;
}

sl_err slplan_lookup_join(slplan *p, const slfrom *f, const slrel *left_in, slrel *out) {
    const slfrom *rf = f->right;
    const char *alias = rf->alias ? rf->alias : rf->name;
    if (f->join != SLJOIN_INNER && f->join != SLJOIN_LEFT) {
        return slplan_err(p, f->pos, SL_ERR_UNSUPPORTED,
                          "a lookup join is an INNER or a LEFT join (table '%s')", rf->name);
    }
    if (!f->on) {
        return slplan_err(p, f->pos, SL_ERR_ARG,
                          "a lookup join needs ON with an equality on a column of '%s'",
                          rf->name);
    }
    slrel left = *left_in;
    if (left.win) {
        sl_err err = slplan_materialize_windows(p, &left, f->pos);
        if (err) {
            return err;
        }
    }
    const slx *a = rf->as_of;
    if (a->kind != SLX_COLUMN || left.proctime < 0 ||
        slrel_find(&left, a->qual, a->text) != left.proctime) {
        return slplan_err(p, a->pos, SL_ERR_UNSUPPORTED,
                          "a lookup join of '%s' reads the table as it is when a row arrives: "
                          "FOR SYSTEM_TIME AS OF must name the processing-time attribute of the "
                          "left side (a `proc_time AS PROCTIME()` column)",
                          rf->name);
    }
    slcat_entry *te = slcat_find(p->sess, rf->name);
    if (!te) {
        return slplan_err(p, rf->pos, SL_ERR_NOTFOUND, "unknown table '%s'", rf->name);
    }
    sllookup_conf *conf = NULL;
    const char *saved_file = p->file;
    if (!te->view) {
        p->file = te->script->file;
    }
    sl_err err = slplan_lookup_conf(p, te, &conf);
    p->file = saved_file;
    if (err) {
        return err;
    }
    /* the output: left columns, then the table's */
    const sl_schema *ls = left.s->schema;
    sl_schema *os = slschema_copy(ls);
    for (int i = 0; i < conf->dim->n; i++) {
        slplan_schema_add_unique(os, sl_schema_name(conf->dim, i), sl_schema_type(conf->dim, i));
    }
    sllookup_join_arg *arg = slmem_calloc(1, sizeof *arg);
    arg->conf = conf;
    arg->in = slschema_ref(ls);
    arg->out = os;
    arg->left_outer = f->join == SLJOIN_LEFT;
    sl_stream *s = sljob_add_op(p->job, "LookupJoin", sllookup_join_new, arg,
                                sllookup_join_arg_free, left.s, os, true);
    slplan_same_parallelism(p, left.s);
    slrel r;
    slrel_init(p, &r, s, NULL);
    for (int i = 0; i < left.n && i < ls->n; i++) {
        r.cols[i] = left.cols[i];
    }
    const char *q = slplan_strdup(p, alias);
    for (int i = 0; i < conf->dim->n; i++) {
        r.cols[ls->n + i].name = slplan_strdup(p, sl_schema_name(conf->dim, i));
        r.cols[ls->n + i].qual = q;
        r.cols[ls->n + i].hidden = false;
    }
    r.rowtime = left.rowtime;
    r.proctime = left.proctime;
    r.updating = left.updating;
    /* ON: keys and the residual condition */
    lkplan lp = {.p = p, .r = &r, .n_left = ls->n, .arg = arg, .conf = conf};
    slbind b = {.p = p, .r = &r, .clause = "ON"};
    const slx **cs = NULL;
    int n_cs = 0;
    size_t cap_cs = 0;
    conjuncts(f->on, &cs, &n_cs, &cap_cs);
    for (int i = 0; i < n_cs && !err; i++) {
        bool used = false;
        if ((err = try_key(&lp, &b, cs[i], &used)) || used) {
            continue;
        }
        slexpr *e = NULL;
        if ((err = slbind_expr(&b, cs[i], &e))) {
            break;
        }
        sl_type et = slexpr_type(e);
        if (et != SL_BOOLEAN) {
            slexpr_free(e);
            err = slplan_err(p, cs[i]->pos, SL_ERR_TYPE, "ON: the condition is %s, not BOOLEAN",
                             sl_type_name(et));
            break;
        }
        err = add_residual(&lp, e);
    }
    slmem_free(cs);
    if (!err && conf->n_keys == 0) {
        err = slplan_err(p, f->on->pos, SL_ERR_UNSUPPORTED,
                         "a lookup join needs an equality between a column of '%s' and an "
                         "expression over the left side (e.g. o.customer_id = %s.id)",
                         rf->name, alias);
    }
    arg->residual = lp.residual;
    if (!err) {
        char name[600];
        snprintf(name, sizeof name, "LookupJoin(%s %s, on: %s%s, %s)", rf->name,
                 conf->kind == SLLOOKUP_POSTGRES ? "postgresql" : "file", slbuf_cstr(&lp.desc),
                 arg->residual ? " + residual" : "", arg->left_outer ? "LEFT" : "INNER");
        slnode *n = p->job->g.nodes[s->node];
        slmem_free(n->name);
        n->name = slmem_strdup(name);
        *out = r;
    }
    slbuf_free(&lp.desc);
    return err;
}
