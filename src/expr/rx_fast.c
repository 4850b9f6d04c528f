/*
 * rx_fast.c - a small matcher for simple POSIX extended regular expressions
 * that gives exactly what glibc's regexec gives, or says it cannot tell.
 * glibc finds groups slowly (thousands of instructions per match, in its
 * backward "sifting" of state sets); for the patterns below this matcher
 * finds them with a backtracking walk over a few bytes.
 *
 * The subset (anything else: slrx_compile returns NULL and regexec is used):
 * characters, escaped special characters, '.', bracket expressions (ranges,
 * negation, [:alnum:] [:alpha:] [:digit:] [:space:] [:upper:] [:lower:]
 * [:blank:]), '*' '+' '?' on one of those only, groups (not quantified) with
 * alternatives, '^' and '$'; a single-byte locale (glibc then matches bytes,
 * ranges in byte order); no REG_ICASE.
 *
 * Why the results are glibc's: the walk enumerates every way the pattern
 * matches from a start (no group is quantified, so a path is a plain
 * sequence of choices), so it finds the leftmost start with a match and the
 * longest end from there, which is POSIX's (and glibc's) overall match. If
 * every parse of that match puts the groups asked for at the same places,
 * glibc's parse - whichever valid one its rules pick - puts them there too;
 * if two parses disagree (an ambiguous pattern such as (a|aa)(ab|b)? on
 * "aab"), the matcher answers "undecided" and the caller asks regexec.
 * It also answers undecided past a step budget (patterns like a*a*a* have
 * many parses; the budget also bounds the recursion depth) and on a NUL
 * byte in the subject where glibc's handling of NUL in lists is not worth
 * copying.
 *
 * Thread: a compiled program is read-only, shared; exec keeps its state on
 * the stack.
 */
#include <ctype.h>
#include <stdlib.h>

#include "expr/rx_fast.h"

enum { I_SET, I_JMP, I_SPLIT, I_SAVE, I_BOL, I_EOL, I_MATCH };

typedef struct rxinst {
    uint8_t op;
    int x, y;        /* JMP: x; SPLIT: x then y (x preferred: irrelevant here); SAVE: slot x */
    uint64_t set[4]; /* SET: bytes accepted (bit 0, NUL, never: see exec) */
} rxinst;

struct slrx {
    rxinst *code; /* owned */
    int n, cap;
    int n_groups;      /* POSIX groups */
    uint64_t first[4]; /* bytes a match starting after position 0 can begin with */
    bool any_first;    /* such a match may also be empty or begin with anything */
};

/* ---- compiling: recursive descent straight to code ---- */

typedef struct pstate {
    const char *p;
    size_t i, len;
    slrx *prog;
    int groups;
    bool bad;
} pstate;

static int emit(pstate *ps, uint8_t op) {
    slrx *g = ps->prog;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 32;
        g->code = slmem_realloc(g->code, slmem_mul((size_t)g->cap, sizeof *g->code));
    }
    memset(&g->code[g->n], 0, sizeof g->code[0]);
    g->code[g->n].op = op;
    return g->n++;
}

static void set_add(uint64_t *s, unsigned c) {
    s[c >> 6] |= 1ull << (c & 63);
}

static bool class_add(uint64_t *s, const char *name, size_t n) {
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(name, lit, n) == 0)
    for (unsigned c = 0; c < 128; c++) {
        bool in;
        if (IS("alnum")) {
            in = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        } else if (IS("alpha")) {
            in = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        } else if (IS("digit")) {
            in = c >= '0' && c <= '9';
        } else if (IS("space")) {
            in = c == ' ' || (c >= '\t' && c <= '\r');
        } else if (IS("upper")) {
            in = c >= 'A' && c <= 'Z';
        } else if (IS("lower")) {
            in = c >= 'a' && c <= 'z';
        } else if (IS("blank")) {
            in = c == ' ' || c == '\t';
        } else {
            return false;
        }
        if (in) {
            set_add(s, c);
        }
    }
    return true;
#undef IS
}

/* A bracket expression; ps->i is just past '['. */
static void parse_bracket(pstate *ps, uint64_t *s) {
    const char *p = ps->p;
    bool neg = false;
    uint64_t t[4] = {0};
    if (ps->i < ps->len && p[ps->i] == '^') {
        neg = true;
        ps->i++;
    }
    bool first = true;
    for (;;) {
        if (ps->i >= ps->len) {
            ps->bad = true;
            return;
        }
        unsigned char c = (unsigned char)p[ps->i];
        if (c == ']' && !first) {
            ps->i++;
            break;
        }
        first = false;
        if (c == '[' && ps->i + 1 < ps->len &&
            (p[ps->i + 1] == ':' || p[ps->i + 1] == '.' || p[ps->i + 1] == '=')) {
            if (p[ps->i + 1] != ':') {
                ps->bad = true; /* collating elements, equivalence classes */
                return;
            }
            size_t b = ps->i + 2, e = b;
            while (e + 1 < ps->len && !(p[e] == ':' && p[e + 1] == ']')) {
                e++;
            }
            if (e + 1 >= ps->len || !class_add(t, p + b, e - b)) {
                ps->bad = true;
                return;
            }
            ps->i = e + 2;
            continue;
        }
        ps->i++;
        if (ps->i + 1 < ps->len && p[ps->i] == '-' && p[ps->i + 1] != ']') {
            unsigned char hi = (unsigned char)p[ps->i + 1];
            if (hi == '[' || hi < c) {
                ps->bad = true;
                return;
            }
            for (unsigned k = c; k <= hi; k++) {
                set_add(t, k);
            }
            ps->i += 2;
            continue;
        }
        set_add(t, c);
    }
    for (int k = 0; k < 4; k++) {
        s[k] = neg ? ~t[k] : t[k];
    }
}

static void parse_alt(pstate *ps);

/* One item: an atom and its quantifier. */
static void parse_item(pstate *ps) {
    const char *p = ps->p;
    char c = p[ps->i];
    if (c == '(') {
        ps->i++;
        int k = ++ps->groups;
        int a = emit(ps, I_SAVE);
        ps->prog->code[a].x = 2 * k;
        parse_alt(ps);
        if (ps->i >= ps->len || p[ps->i] != ')') {
            ps->bad = true;
            return;
        }
        ps->i++;
        int b = emit(ps, I_SAVE);
        ps->prog->code[b].x = 2 * k + 1;
        if (ps->i < ps->len && strchr("*+?{", p[ps->i])) {
            ps->bad = true; /* a quantified group */
        }
        return;
    }
    if (c == '^' || c == '$') {
        ps->i++;
        emit(ps, c == '^' ? I_BOL : I_EOL);
        if (ps->i < ps->len && strchr("*+?{", p[ps->i])) {
            ps->bad = true;
        }
        return;
    }
    uint64_t s[4] = {0};
    if (c == '[') {
        ps->i++;
        parse_bracket(ps, s);
        if (ps->bad) {
            return;
        }
    } else if (c == '.') {
        ps->i++;
        memset(s, 0xff, sizeof s);
    } else if (c == '\\') {
        if (ps->i + 1 >= ps->len || !strchr(".[]()|*+?{}^$\\", p[ps->i + 1])) {
            ps->bad = true; /* GNU operators, back-references, classes */
            return;
        }
        set_add(s, (unsigned char)p[ps->i + 1]);
        ps->i += 2;
    } else if (strchr("*+?{}", c) || c == ')' || c == ']') {
        ps->bad = true; /* a misplaced operator: leave it to regcomp's rules */
        return;
    } else {
        set_add(s, (unsigned char)c);
        ps->i++;
    }
    s[0] &= ~1ull; /* NUL: see exec */
    char q = ps->i < ps->len ? p[ps->i] : 0;
    if (q == '{' || ((q == '*' || q == '+' || q == '?') && ps->i + 1 < ps->len &&
                     strchr("*+?{", p[ps->i + 1]))) {
        ps->bad = true;
        return;
    }
    if (q == '*' || q == '?') {
        /* L: SPLIT L+1, out; SET; (star: JMP L) */
        ps->i++;
        int sp = emit(ps, I_SPLIT);
        int st = emit(ps, I_SET);
        memcpy(ps->prog->code[st].set, s, sizeof s);
        if (q == '*') {
            int j = emit(ps, I_JMP);
            ps->prog->code[j].x = sp;
        }
        ps->prog->code[sp].x = sp + 1;
        ps->prog->code[sp].y = ps->prog->n;
        return;
    }
    int st = emit(ps, I_SET);
    memcpy(ps->prog->code[st].set, s, sizeof s);
    if (q == '+') {
        /* SET; SPLIT SET, out */
        ps->i++;
        int sp = emit(ps, I_SPLIT);
        ps->prog->code[sp].x = st;
        ps->prog->code[sp].y = ps->prog->n;
    }
}

static void parse_seq(pstate *ps) {
    while (!ps->bad && ps->i < ps->len && ps->p[ps->i] != '|' && ps->p[ps->i] != ')') {
        parse_item(ps);
    }
}

/* a|b|c: SPLIT L1, L2; L1: a; JMP end; L2: SPLIT ...; b; JMP end; ... c */
static void parse_alt(pstate *ps) {
    int fix[64];
    int n_fix = 0;
    for (;;) {
        int sp = emit(ps, I_SPLIT);
        ps->prog->code[sp].x = sp + 1;
        parse_seq(ps);
        if (ps->bad) {
            return;
        }
        if (ps->i < ps->len && ps->p[ps->i] == '|') {
            ps->i++;
            if (n_fix == (int)SL_ARRAY_LEN(fix)) {
                ps->bad = true;
                return;
            }
            fix[n_fix++] = emit(ps, I_JMP);
            ps->prog->code[sp].y = ps->prog->n;
            continue;
        }
        /* The last alternative: its SPLIT has nowhere else to go. */
        ps->prog->code[sp].op = I_JMP;
        break;
    }
    for (int k = 0; k < n_fix; k++) {
        ps->prog->code[fix[k]].x = ps->prog->n;
    }
}

/* Collect into g->first what the instructions reachable from pc without
 * consuming a byte accept, for a start after position 0 (where '^' fails);
 * '$' or the end of the pattern reachable: any_first (an empty match is
 * possible somewhere). */
static void first_of(slrx *g, int pc, uint8_t *seen) {
    while (!seen[pc]) {
        seen[pc] = 1;
        const rxinst *in = &g->code[pc];
        switch (in->op) {
        case I_SET:
            for (int k = 0; k < 4; k++) {
                g->first[k] |= in->set[k];
            }
            return;
        case I_JMP:
            pc = in->x;
            break;
        case I_SPLIT:
            first_of(g, in->x, seen);
            pc = in->y;
            break;
        case I_SAVE:
            pc++;
            break;
        case I_BOL:
            return;
        default: /* EOL, MATCH */
            g->any_first = true;
            return;
        }
    }
}

slrx *slrx_compile(const char *posix, size_t len, bool icase) {
    if (icase || MB_CUR_MAX != 1) {
        return NULL;
    }
    slrx *g = slmem_calloc(1, sizeof *g);
    pstate ps = {posix, 0, len, g, 0, false};
    parse_alt(&ps);
    if (ps.bad || ps.i != len || ps.groups > SLRX_MAX_GROUPS) {
        slrx_free(g);
        return NULL;
    }
    emit(&ps, I_MATCH);
    g->n_groups = ps.groups;
    uint8_t *seen = slmem_calloc((size_t)g->n, 1);
    first_of(g, 0, seen);
    slmem_free(seen);
    return g;
}

void slrx_free(slrx *g) {
    if (g) {
        slmem_free(g->code);
        slmem_free(g);
    }
}

/* ---- matching ---- */

#define SLRX_START_STEPS 4000   /* steps from one start: bounds the recursion depth */
#define SLRX_TOTAL_STEPS 200000 /* steps of one call: bounds the time lost before regexec */

typedef struct xctx {
    const slrx *g;
    const unsigned char *s;
    uint32_t len;
    int n_slots; /* 2 * groups compared and returned */
    int steps, limit;
    bool undecided; /* over budget, or a NUL */
    bool amb;       /* two parses of the longest match disagree */
    int64_t best_end;
    regoff_t sv[2 * (SLRX_MAX_GROUPS + 1)];
    regoff_t best[2 * (SLRX_MAX_GROUPS + 1)];
} xctx;

static void walk(xctx *c, int pc, uint32_t pos) {
    const rxinst *code = c->g->code;
    for (;;) {
        if (++c->steps > c->limit) {
            c->undecided = true;
        }
        if (c->undecided) {
            return;
        }
        const rxinst *in = &code[pc];
        switch (in->op) {
        case I_SET: {
            if (pos >= c->len) {
                return;
            }
            unsigned b = c->s[pos];
            if (b == 0) {
                c->undecided = true;
                return;
            }
            if (!(in->set[b >> 6] >> (b & 63) & 1)) {
                return;
            }
            pos++;
            pc++;
            continue;
        }
        case I_JMP:
            pc = in->x;
            continue;
        case I_SPLIT:
            walk(c, in->x, pos);
            pc = in->y;
            continue;
        case I_SAVE: {
            if (in->x >= c->n_slots) {
                pc++;
                continue;
            }
            regoff_t old = c->sv[in->x];
            c->sv[in->x] = (regoff_t)pos;
            walk(c, pc + 1, pos);
            c->sv[in->x] = old;
            return;
        }
        case I_BOL:
            if (pos != 0) {
                return;
            }
            pc++;
            continue;
        case I_EOL:
            if (pos != c->len) {
                return;
            }
            pc++;
            continue;
        default: /* I_MATCH */
            if ((int64_t)pos > c->best_end) {
                c->best_end = pos;
                c->amb = false;
                memcpy(c->best + 2, c->sv + 2, (size_t)(c->n_slots - 2) * sizeof c->sv[0]);
            } else if ((int64_t)pos == c->best_end &&
                       memcmp(c->best + 2, c->sv + 2, (size_t)(c->n_slots - 2) * sizeof c->sv[0]) !=
                           0) {
                c->amb = true;
            }
            return;
        }
    }
}

int slrx_exec(const slrx *g, const char *s, uint32_t len, uint32_t from, size_t nmatch,
              regmatch_t *m) {
    xctx c;
    c.g = g;
    c.s = (const unsigned char *)s;
    c.len = len;
    size_t ng = nmatch ? SL_MIN(nmatch, (size_t)g->n_groups + 1) : 1;
    c.n_slots = 2 * (int)ng;
    c.undecided = false;
    int total = 0;
    for (uint32_t start = from; start <= len; start++) {
        if (start > 0 && start < len && !g->any_first) {
            /* Skip to a byte that can begin a match (NUL: let the walk see it). */
            while (start < len && c.s[start] &&
                   !(g->first[c.s[start] >> 6] >> (c.s[start] & 63) & 1)) {
                start++;
            }
            if (start == len) {
                return 0; /* no match can begin here or later: nothing can be empty */
            }
        }
        c.steps = 0;
        c.limit = SLRX_START_STEPS;
        c.best_end = -1;
        c.amb = false;
        for (int k = 0; k < c.n_slots; k++) {
            c.sv[k] = -1;
        }
        walk(&c, 0, start);
        total += c.steps;
        if (c.undecided || total > SLRX_TOTAL_STEPS) {
            return -1;
        }
        if (c.best_end < 0) {
            continue;
        }
        if (c.amb) {
            return -1;
        }
        for (size_t k = 0; k < nmatch; k++) {
            if (k == 0) {
                m[0].rm_so = (regoff_t)start;
                m[0].rm_eo = (regoff_t)c.best_end;
            } else if (k < ng) {
                m[k].rm_so = c.best[2 * k];
                m[k].rm_eo = c.best[2 * k + 1];
            } else {
                m[k].rm_so = m[k].rm_eo = -1;
            }
        }
        return 1;
    }
    return 0;
}
