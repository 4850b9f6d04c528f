/*
 * cep_nfa.c - row patterns (slcep_pat) and their compilation to an NFA
 * program (slcep_prog), contract in cep.h.
 *
 * The program is a Thompson automaton written as instructions, as a Pike VM
 * runs it: CONSUME classifies one row as a variable and goes on at x; SPLIT
 * goes on at x and at y, x preferred; JMP goes on at x; MATCH accepts.
 * Preference order (greedy: more iterations first; reluctant: fewer;
 * alternation: the left side) is the order of a SPLIT's successors, so the
 * runner (cep.c) keeps a thread list in preference order and never needs a
 * backtracking search. Bounded quantifiers are unrolled: V{2,4} compiles as
 * V V (V (V)?)?; V{2,} as V V V*. Copies after the first of a quantified
 * element are strict (rows of a loop are consecutive; the contiguity of a
 * C API element applies to its first row).
 *
 * Called on the job-building thread; programs are read-only afterwards and
 * shared by the operator's subtasks.
 */
#include <stdio.h>

#include "ops/cep.h"

#define CTRY(x)                                                                                    \
    do {                                                                                           \
        sl_err e_ = (x);                                                                           \
        if (e_) {                                                                                  \
            return e_;                                                                             \
        }                                                                                          \
    } while (0)

/* ---- patterns ---- */

slcep_pat *slcep_pat_var(int var, slcep_contig contig) {
    slcep_pat *p = slmem_calloc(1, sizeof *p);
    p->kind = SLCEP_PAT_VAR;
    p->var = var;
    p->contig = contig;
    return p;
}

slcep_pat *slcep_pat_list(slcep_pat_kind kind, slcep_pat **kids, int n) {
    slcep_pat *p = slmem_calloc(1, sizeof *p);
    p->kind = kind;
    p->kids = slmem_calloc(n ? (size_t)n : 1, sizeof *p->kids);
    memcpy(p->kids, kids, (size_t)n * sizeof *kids);
    p->n_kids = n;
    return p;
}

slcep_pat *slcep_pat_repeat(slcep_pat *kid, int min, int max, bool greedy) {
    slcep_pat *p = slcep_pat_list(SLCEP_PAT_REPEAT, &kid, 1);
    p->min = min;
    p->max = max;
    p->greedy = greedy;
    return p;
}

slcep_pat *slcep_pat_copy(const slcep_pat *p) {
    if (!p) {
        return NULL;
    }
    slcep_pat *c = slmem_memdup(p, sizeof *p);
    c->kids = slmem_calloc(p->n_kids ? (size_t)p->n_kids : 1, sizeof *c->kids);
    for (int i = 0; i < p->n_kids; i++) {
        c->kids[i] = slcep_pat_copy(p->kids[i]);
    }
    return c;
}

void slcep_pat_free(slcep_pat *p) {
    if (!p) {
        return;
    }
    for (int i = 0; i < p->n_kids; i++) {
        slcep_pat_free(p->kids[i]);
    }
    slmem_free(p->kids);
    slmem_free(p);
}

static void describe(const slcep_pat *p, const char *const *names, slbuf *out, bool paren) {
    switch (p->kind) {
    case SLCEP_PAT_VAR:
        slbuf_puts(out, names ? names[p->var] : "?");
        return;
    case SLCEP_PAT_SEQ:
    case SLCEP_PAT_ALT:
        if (paren) {
            slbuf_putc(out, '(');
        }
        for (int i = 0; i < p->n_kids; i++) {
            if (i) {
                slbuf_puts(out, p->kind == SLCEP_PAT_SEQ ? " " : " | ");
            }
            describe(p->kids[i], names, out, p->kind == SLCEP_PAT_SEQ
                                                 ? p->kids[i]->kind == SLCEP_PAT_ALT
                                                 : false);
        }
        if (paren) {
            slbuf_putc(out, ')');
        }
        return;
    case SLCEP_PAT_REPEAT:
        describe(p->kids[0], names, out, p->kids[0]->kind != SLCEP_PAT_VAR);
        if (p->min == 0 && p->max == -1) {
            slbuf_putc(out, '*');
        } else if (p->min == 1 && p->max == -1) {
            slbuf_putc(out, '+');
        } else if (p->min == 0 && p->max == 1) {
            slbuf_putc(out, '?');
        } else if (p->min == p->max) {
            slbuf_printf(out, "{%d}", p->min);
        } else if (p->max == -1) {
            slbuf_printf(out, "{%d,}", p->min);
        } else {
            slbuf_printf(out, "{%d,%d}", p->min, p->max);
        }
        if (!p->greedy) {
            slbuf_putc(out, '?');
        }
        return;
    }
}

void slcep_pat_describe(const slcep_pat *p, const char *const *names, slbuf *out) {
    describe(p, names, out, false);
}

/* ---- compilation ---- */

typedef struct comp {
    slcep_ins *ins;
    size_t cap;
    int n;
    bool too_big;
} comp;

static int emit(comp *c, slcep_op op) {
    if (c->n >= SLCEP_MAX_INS) {
        c->too_big = true;
        return c->n - 1;
    }
    slmem_grow((void **)&c->ins, &c->cap, (size_t)c->n + 1, sizeof *c->ins);
    c->ins[c->n] = (slcep_ins){.op = (uint8_t)op};
    return c->n++;
}

static sl_err gen(comp *c, const slcep_pat *p, bool strict);

/* kid, optional: SPLIT take, end (greedy) / end, take (reluctant). Returns
 * the SPLIT's index; its skip branch is patched by the caller. */
static sl_err gen_repeat(comp *c, const slcep_pat *p, bool strict) {
    const slcep_pat *kid = p->kids[0];
    if (p->min < 0 || (p->max != -1 && p->max < p->min) || p->max < -1) {
        return slerr_set(SL_ERR_ARG, "bad quantifier {%d,%d}", p->min, p->max);
    }
    for (int i = 0; i < p->min && !c->too_big; i++) {
        CTRY(gen(c, kid, strict || i > 0));
    }
    bool later = strict || p->min > 0;
    if (p->max == -1) {
        /* L1: SPLIT L2, L3; L2: kid; JMP L1; L3: */
        int l1 = emit(c, SLCEP_I_SPLIT);
        CTRY(gen(c, kid, later));
        int j = emit(c, SLCEP_I_JMP);
        c->ins[j].x = l1;
        int l3 = c->n;
        c->ins[l1].x = p->greedy ? l1 + 1 : l3;
        c->ins[l1].y = p->greedy ? l3 : l1 + 1;
        return SL_OK;
    }
    int n_opt = p->max - p->min;
    if (n_opt > SLCEP_MAX_INS) {
        c->too_big = true;
        return SL_OK;
    }
    int *splits = slmem_calloc(n_opt ? (size_t)n_opt : 1, sizeof(int));
    sl_err err = SL_OK;
    for (int i = 0; i < n_opt && !err && !c->too_big; i++) {
        splits[i] = emit(c, SLCEP_I_SPLIT);
        err = gen(c, kid, later || i > 0);
    }
    int end = c->n;
    for (int i = 0; i < n_opt && !c->too_big; i++) {
        c->ins[splits[i]].x = p->greedy ? splits[i] + 1 : end;
        c->ins[splits[i]].y = p->greedy ? end : splits[i] + 1;
    }
    slmem_free(splits);
    return err;
}

static sl_err gen(comp *c, const slcep_pat *p, bool strict) {
    if (c->too_big) {
        return SL_OK;
    }
    switch (p->kind) {
    case SLCEP_PAT_VAR: {
        int i = emit(c, SLCEP_I_CONSUME);
        c->ins[i].var = (uint16_t)p->var;
        c->ins[i].contig = (uint8_t)(strict ? SLCEP_STRICT : p->contig);
        c->ins[i].x = i + 1;
        return SL_OK;
    }
    case SLCEP_PAT_SEQ:
        for (int i = 0; i < p->n_kids; i++) {
            CTRY(gen(c, p->kids[i], strict && i == 0));
        }
        return SL_OK;
    case SLCEP_PAT_ALT: {
        int *jmps = slmem_calloc((size_t)p->n_kids + 1, sizeof(int));
        sl_err err = SL_OK;
        for (int i = 0; i < p->n_kids && !err; i++) {
            int s = -1;
            if (i + 1 < p->n_kids) {
                s = emit(c, SLCEP_I_SPLIT);
                c->ins[s].x = s + 1;
            }
            err = gen(c, p->kids[i], strict);
            if (i + 1 < p->n_kids) {
                jmps[i] = emit(c, SLCEP_I_JMP);
                if (!c->too_big) {
                    c->ins[s].y = c->n;
                }
            }
        }
        for (int i = 0; i + 1 < p->n_kids && !c->too_big; i++) {
            c->ins[jmps[i]].x = c->n;
        }
        slmem_free(jmps);
        return err;
    }
    case SLCEP_PAT_REPEAT:
        return gen_repeat(c, p, strict);
    }
    return slerr_set(SL_ERR_ARG, "bad pattern node");
}

int slcep_closure(const slcep_prog *prog, int pc, int32_t *out, uint8_t *seen, int32_t *stack) {
    memset(seen, 0, (size_t)prog->n);
    int n = 0, sp = 0;
    stack[sp++] = pc;
    while (sp) {
        int p = stack[--sp];
        if (seen[p]) {
            continue;
        }
        seen[p] = 1;
        const slcep_ins *in = &prog->ins[p];
        switch (in->op) {
        case SLCEP_I_JMP:
            stack[sp++] = in->x;
            break;
        case SLCEP_I_SPLIT:
            stack[sp++] = in->y;
            stack[sp++] = in->x;
            break;
        default:
            out[n++] = p;
            break;
        }
    }
    return n;
}

sl_err slcep_compile(const slcep_pat *p, slcep_prog **out) {
    *out = NULL;
    comp c = {0};
    sl_err err = gen(&c, p, true);
    if (!err && c.too_big) {
        err = slerr_set(SL_ERR_UNSUPPORTED,
                        "the pattern is too large once its quantifiers are expanded (more than "
                        "%d steps)",
                        SLCEP_MAX_INS);
    }
    if (!err) {
        emit(&c, SLCEP_I_MATCH);
    }
    if (err) {
        slmem_free(c.ins);
        return err;
    }
    slcep_prog *prog = slmem_calloc(1, sizeof *prog);
    prog->ins = c.ins;
    prog->n = c.n;
    uint8_t *seen = slmem_alloc((size_t)prog->n);
    int32_t *stack = slmem_alloc(slmem_mul((size_t)prog->n * 2 + 2, sizeof(int32_t)));
    int32_t *cl = slmem_alloc(slmem_mul((size_t)prog->n, sizeof(int32_t)));
    int k = slcep_closure(prog, 0, cl, seen, stack);
    bool empty = false;
    for (int i = 0; i < k; i++) {
        empty = empty || prog->ins[cl[i]].op == SLCEP_I_MATCH;
        /* an attempt starts at its first row: no wait before it */
        prog->ins[cl[i]].contig = SLCEP_STRICT;
    }
    slmem_free(seen);
    slmem_free(stack);
    slmem_free(cl);
    if (empty) {
        slcep_prog_free(prog);
        return slerr_set(SL_ERR_UNSUPPORTED, "the pattern can match zero rows (every part of it "
                                             "is optional); make one part of it required");
    }
    *out = prog;
    return SL_OK;
}

void slcep_prog_free(slcep_prog *p) {
    if (p) {
        slmem_free(p->ins);
        slmem_free(p);
    }
}
