/*
 * fn_pattern.c - pattern matching: LIKE / NOT LIKE (with ESCAPE; '_' is one
 * UTF-8 code point), the REGEXP functions over POSIX extended regular
 * expressions, and MD5.
 *
 * LIKE patterns that are constant are compiled once when the tree is built
 * (e->aux) and classified: exact, prefix ('x%'), suffix, contains ('%x%') and
 * match-all run as plain byte comparisons; others run a matcher that
 * backtracks to the last '%' only. A pattern that is not constant is compiled
 * per row into the evaluator's scratch arena.
 *
 * Regular expressions are Java syntax in Flink; they are translated to POSIX
 * ERE: \d \D \s \S \w \W, \t \n \r, (?:...) groups and a leading (?i) are
 * rewritten. Differences that remain: POSIX picks the leftmost-longest
 * match, not Java's leftmost-first (alternations such as 'a|ab' differ);
 * lazy quantifiers, lookaround and \Q..\E are not supported (such a pattern
 * is an error when constant, NULL per row otherwise); '.' matches a newline.
 * Constant patterns are compiled once (glibc's regexec locks a compiled
 * pattern, so threads sharing one tree take turns on it); others per row.
 * A constant pattern also gets (1) its required literal (rx_required_literal):
 * a subject without it gets the no-match result without regexec; (2) the
 * matcher of rx_fast.c for simple patterns, tried before regexec, which it
 * leaves to decide whenever it cannot be sure of glibc's answer. REGEXP
 * compiles with REG_NOSUB and REGEXP_EXTRACT asks for the groups up to the
 * one it returns only; REGEXP_REPLACE asks for groups only when the
 * replacement has a '$'.
 */
#include <regex.h>
#include <stdio.h>

#include "expr/expr_int.h"
#include "expr/rx_fast.h"

#define ARG_S(k) (&args[k].v.s[IX(&args[k], i)])
#define ARG_I(k) (args[k].v.i64[IX(&args[k], i)])

static inline uint32_t next_cp(const char *s, uint32_t len, uint32_t i) {
    i++;
    while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80) {
        i++;
    }
    return i;
}

/* ---- LIKE ---- */

enum { EL_LIT, EL_ONE, EL_ANY };
typedef struct like_el {
    uint8_t kind;
    uint32_t off, len; /* EL_LIT: bytes lit[off..off+len) */
} like_el;

typedef enum like_kind {
    LK_EXACT,
    LK_PREFIX,
    LK_SUFFIX,
    LK_CONTAINS,
    LK_ALL,
    LK_GENERAL
} like_kind;

typedef struct like_pat {
    like_kind kind;
    int n_el;
    like_el *el;      /* owned by whoever compiled it (slmem or scratch) */
    char *lit;        /* unescaped literal bytes */
    const char *lit1; /* the literal of the simple kinds */
    uint32_t lit1_len;
} like_pat;

/* Compile pattern p (escape esc, NULL for none; one code point) into out,
 * whose el has room for plen + 1 elements and lit for plen bytes. False for
 * a bad escape. */
static bool like_compile(const char *p, uint32_t plen, const slstr *esc, like_pat *out) {
    int n = 0;
    uint32_t nlit = 0;
    like_el *el = out->el;
    for (uint32_t i = 0; i < plen;) {
        uint32_t j = next_cp(p, plen, i);
        if (esc && j - i == esc->len && memcmp(p + i, esc->ptr, esc->len) == 0) {
            /* The escaped character: %, _ or the escape itself. */
            i = j;
            if (i >= plen) {
                return false;
            }
            j = next_cp(p, plen, i);
            bool self = j - i == esc->len && memcmp(p + i, esc->ptr, esc->len) == 0;
            if (!self && p[i] != '%' && p[i] != '_') {
                return false;
            }
        } else if (p[i] == '%') {
            if (n == 0 || el[n - 1].kind != EL_ANY) {
                el[n++] = (like_el){EL_ANY, 0, 0};
            }
            i = j;
            continue;
        } else if (p[i] == '_') {
            el[n++] = (like_el){EL_ONE, 0, 0};
            i = j;
            continue;
        }
        if (n && el[n - 1].kind == EL_LIT && el[n - 1].off + el[n - 1].len == nlit) {
            el[n - 1].len += j - i;
        } else {
            el[n++] = (like_el){EL_LIT, nlit, j - i};
        }
        memcpy(out->lit + nlit, p + i, j - i);
        nlit += j - i;
        i = j;
    }
    out->n_el = n;
    out->kind = LK_GENERAL;
    out->lit1 = "";
    out->lit1_len = 0;
#define K(i) (el[i].kind)
    if (n == 0) {
        out->kind = LK_EXACT;
    } else if (n == 1 && K(0) == EL_LIT) {
        out->kind = LK_EXACT;
    } else if (n == 1 && K(0) == EL_ANY) {
        out->kind = LK_ALL;
    } else if (n == 2 && K(0) == EL_LIT && K(1) == EL_ANY) {
        out->kind = LK_PREFIX;
    } else if (n == 2 && K(0) == EL_ANY && K(1) == EL_LIT) {
        out->kind = LK_SUFFIX;
    } else if (n == 3 && K(0) == EL_ANY && K(1) == EL_LIT && K(2) == EL_ANY) {
        out->kind = LK_CONTAINS;
    }
#undef K
    for (int k = 0; k < n; k++) {
        if (el[k].kind == EL_LIT) {
            out->lit1 = out->lit + el[k].off;
            out->lit1_len = el[k].len;
            break;
        }
    }
    return true;
}

/* Greedy match with backtracking to the most recent '%' only: enough for
 * patterns of '%', '_' and literals. */
static bool like_general(const like_pat *p, const char *s, uint32_t n) {
    int pi = 0, star = -1;
    uint32_t si = 0, star_si = 0;
    for (;;) {
        if (pi < p->n_el) {
            const like_el *e = &p->el[pi];
            if (e->kind == EL_ANY) {
                star = pi++;
                star_si = si;
                continue;
            }
            if (e->kind == EL_ONE) {
                if (si < n) {
                    si = next_cp(s, n, si);
                    pi++;
                    continue;
                }
            } else if (si + e->len <= n && memcmp(s + si, p->lit + e->off, e->len) == 0) {
                si += e->len;
                pi++;
                continue;
            }
        } else if (si == n || star == p->n_el - 1) {
            return true;
        }
        if (star < 0 || star_si >= n) {
            return false;
        }
        star_si = next_cp(s, n, star_si);
        si = star_si;
        pi = star + 1;
    }
}

static inline bool like_match(const like_pat *p, const char *s, uint32_t n) {
    uint32_t l = p->lit1_len;
    switch (p->kind) {
    case LK_EXACT:
        return n == l && (l == 0 || memcmp(s, p->lit1, l) == 0);
    case LK_PREFIX:
        return n >= l && memcmp(s, p->lit1, l) == 0;
    case LK_SUFFIX:
        return n >= l && memcmp(s + n - l, p->lit1, l) == 0;
    case LK_CONTAINS:
        return n >= l && memmem(s, n, p->lit1, l) != NULL;
    case LK_ALL:
        return true;
    default:
        return like_general(p, s, n);
    }
}

static void like_free(void *p) {
    like_pat *lp = p;
    slmem_free(lp->el);
    slmem_free(lp->lit);
    slmem_free(lp);
}

static void k_like(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    bool negate = e->fn->op == SLX_NOT_LIKE;
    const like_pat *cp = e->aux;
    const slvec *a = &args[0];
    uint8_t *r = out->v.b, *nl = out->nulls;
    if (cp && !a->scalar && cp->kind == LK_PREFIX && cp->lit1_len > 0) {
        /* The common shape, as a tight loop. */
        const char *lit = cp->lit1;
        uint32_t l = cp->lit1_len;
        /* The first byte decides most rows: no call for them. */
        for (uint32_t i = 0; i < n; i++) {
            const slstr *s = &a->v.s[i];
            r[i] = !nl[i] && s->len >= l && s->ptr[0] == lit[0] &&
                   (l == 1 || memcmp(s->ptr + 1, lit + 1, l - 1) == 0);
            r[i] ^= negate;
        }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (nl[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        like_pat row;
        const like_pat *p = cp;
        if (!p) {
            const slstr *pat = ARG_S(1);
            const slstr *esc = e->n_args > 2 ? ARG_S(2) : NULL;
            if (esc && (esc->len == 0 || next_cp(esc->ptr, esc->len, 0) != esc->len)) {
                nl[i] = 1;
                continue;
            }
            row.el = (like_el *)slexpr_scratch(ev, ((size_t)pat->len + 1) * sizeof(like_el));
            row.lit = slexpr_scratch(ev, pat->len);
            if (!like_compile(pat->ptr, pat->len, esc, &row)) {
                nl[i] = 1;
                continue;
            }
            p = &row;
        }
        r[i] = like_match(p, s->ptr, s->len) != negate;
    }
}

static sl_err check_like(slexpr *e) {
    for (int a = 0; a < e->n_args; a++) {
        sl_type t = e->args[a]->type;
        if (t != SL_STRING && t != SL_NULLTYPE) {
            return slerr_set(SL_ERR_TYPE, "cannot apply '%s' to %s and %s", e->fn->name,
                             slexpr_type_name(e->args[0]->type),
                             slexpr_type_name(e->args[a == 0 ? 1 : a]->type));
        }
    }
    sl_err err = slexpr_check_sig(e);
    if (err) {
        return err;
    }
    e->type = SL_BOOLEAN;
    slvalue pv, ev = {0};
    if (!slexpr_arg_const(e, 1, &pv) || pv.is_null ||
        (e->n_args > 2 && (!slexpr_arg_const(e, 2, &ev) || ev.is_null))) {
        return SL_OK; /* compiled per row (or NULL) */
    }
    const slstr *esc = e->n_args > 2 ? &ev.v.s : NULL;
    if (esc && (esc->len == 0 || next_cp(esc->ptr, esc->len, 0) != esc->len)) {
        return slerr_set(SL_ERR_ARG, "LIKE escape must be one character, got '%.*s'",
                         (int)SL_MIN(esc->len, 32), esc->ptr);
    }
    like_pat *p = slmem_calloc(1, sizeof *p);
    p->el = slmem_alloc(((size_t)pv.v.s.len + 1) * sizeof(like_el));
    p->lit = slmem_alloc((size_t)pv.v.s.len + 1);
    if (!like_compile(pv.v.s.ptr, pv.v.s.len, esc, p)) {
        like_free(p);
        return slerr_set(SL_ERR_ARG, "bad escape in LIKE pattern '%.*s'",
                         (int)SL_MIN(pv.v.s.len, 64), pv.v.s.ptr);
    }
    e->aux = p;
    e->aux_free = like_free;
    return SL_OK;
}

/* ---- regular expressions ---- */

#define RX_MAX_GROUPS 32 /* Java capturing groups */
#define RX_MAX_POSIX 64  /* POSIX groups (incl. (?:...)) */

typedef struct rxpat {
    regex_t re;
    int n_groups;               /* Java capturing groups */
    int map[RX_MAX_GROUPS + 1]; /* Java group -> POSIX group */
    char *lit;                  /* owned (NULL: none): bytes every match contains */
    uint32_t lit_len;
    slrx *fast; /* owned (NULL: none): the matcher tried before regexec */
} rxpat;

/* Translate Java syntax to POSIX ERE into b; false for what POSIX lacks. */
static bool rx_translate(const char *p, uint32_t n, slbuf *b, rxpat *r, bool *icase) {
    uint32_t i = 0;
    int posix = 0;
    *icase = false;
    r->n_groups = 0;
    r->map[0] = 0;
    if (n >= 4 && memcmp(p, "(?i)", 4) == 0) {
        *icase = true;
        i = 4;
    }
    bool in_br = false;
    for (; i < n; i++) {
        char c = p[i];
        if (in_br) {
            if (c == '\\' && i + 1 < n) {
                char d = p[++i];
                switch (d) {
                case 'd':
                    slbuf_puts(b, "0-9");
                    break;
                case 's':
                    slbuf_puts(b, "[:space:]");
                    break;
                case 'w':
                    slbuf_puts(b, "[:alnum:]_");
                    break;
                case 't':
                    slbuf_putc(b, '\t');
                    break;
                case 'n':
                    slbuf_putc(b, '\n');
                    break;
                case 'r':
                    slbuf_putc(b, '\r');
                    break;
                default:
                    slbuf_putc(b, d);
                    break;
                }
                continue;
            }
            if (c == ']') {
                in_br = false;
            }
            slbuf_putc(b, c);
            continue;
        }
        if (c == '\\' && i + 1 < n) {
            char d = p[++i];
            switch (d) {
            case 'd':
                slbuf_puts(b, "[0-9]");
                break;
            case 'D':
                slbuf_puts(b, "[^0-9]");
                break;
            case 's':
                slbuf_puts(b, "[[:space:]]");
                break;
            case 'S':
                slbuf_puts(b, "[^[:space:]]");
                break;
            case 'w':
                slbuf_puts(b, "[[:alnum:]_]");
                break;
            case 'W':
                slbuf_puts(b, "[^[:alnum:]_]");
                break;
            case 't':
                slbuf_putc(b, '\t');
                break;
            case 'n':
                slbuf_putc(b, '\n');
                break;
            case 'r':
                slbuf_putc(b, '\r');
                break;
            case 'Q':
            case 'E':
            case 'A':
            case 'Z':
            case 'z':
            case 'G':
            case 'p':
            case 'P':
                return false;
            default:
                slbuf_putc(b, '\\');
                slbuf_putc(b, d);
                break;
            }
            continue;
        }
        if (c == '[') {
            in_br = true;
            slbuf_putc(b, c);
            if (i + 1 < n && p[i + 1] == '^') {
                slbuf_putc(b, p[++i]);
            }
            if (i + 1 < n && p[i + 1] == ']') {
                slbuf_putc(b, p[++i]);
            }
            continue;
        }
        if (c == '(') {
            if (++posix > RX_MAX_POSIX) {
                return false;
            }
            if (i + 1 < n && p[i + 1] == '?') {
                if (i + 2 < n && p[i + 2] == ':') {
                    i += 2;
                    slbuf_putc(b, '(');
                    continue;
                }
                return false; /* lookaround, named groups, inline flags */
            }
            if (++r->n_groups > RX_MAX_GROUPS) {
                return false;
            }
            r->map[r->n_groups] = posix;
            slbuf_putc(b, '(');
            continue;
        }
        if ((c == '?' || c == '+') && i > 0 &&
            (p[i - 1] == '*' || p[i - 1] == '+' || p[i - 1] == '?' || p[i - 1] == '}')) {
            return false; /* lazy or possessive quantifier */
        }
        slbuf_putc(b, c);
    }
    return true;
}

/* p[i] is the '[' opening a bracket expression (^ and a leading ] taken
 * literally, [:class:] [.coll.] [=equiv=] inside): the index of its closing
 * ']', or len when it does not close. */
static size_t bracket_end(const char *p, size_t len, size_t i) {
    i++;
    if (i < len && p[i] == '^') {
        i++;
    }
    if (i < len && p[i] == ']') {
        i++;
    }
    for (; i < len && p[i] != ']'; i++) {
        if (p[i] == '[' && i + 1 < len &&
            (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
            char close = p[i + 1];
            i += 2;
            while (i + 1 < len && !(p[i] == close && p[i + 1] == ']')) {
                i++;
            }
            i++;
        }
    }
    return i;
}

/*
 * The required literal of a POSIX ERE (as rx_translate wrote it, len bytes
 * up to its first NUL, which is where regcomp stops): the longest run of
 * plain characters that every match must contain, so that a subject without
 * it cannot match and regexec can be skipped (a memmem is much cheaper).
 * Conservative by construction: no literal when the pattern has a '|'
 * outside parentheses (alternatives need not share one) or is
 * case-insensitive; groups, brackets, '.', anchors and escapes other than
 * an escaped special character end a run; a '*', '?' or '{' takes its atom
 * (the last character, a whole UTF-8 sequence) out of the run and ends it;
 * '+' ends the run after its atom. A '{' without '}' or an unmatched ')'
 * gives up. Writes the literal into out (empty: none).
 */
static void rx_required_literal(const char *p, size_t len, bool icase, slbuf *out) {
    slbuf_reset(out);
    if (icase) {
        return;
    }
    /* A top-level alternation? Also checks that parentheses balance. */
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '\\') {
            i++;
        } else if (c == '[') {
            i = bracket_end(p, len, i);
            if (i >= len) {
                return;
            }
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (--depth < 0) {
                return;
            }
        } else if (c == '|' && depth == 0) {
            return;
        }
    }
    if (depth != 0) {
        return;
    }
    slbuf run = {0};
    size_t atom = 0;        /* where the run's last atom starts */
    bool have_atom = false; /* the run ends with an atom a quantifier would take */
#define FLUSH()                                                                                    \
    do {                                                                                           \
        if (run.len > out->len) {                                                                  \
            slbuf_reset(out);                                                                      \
            slbuf_put(out, run.data, run.len);                                                     \
        }                                                                                          \
        slbuf_reset(&run);                                                                         \
        have_atom = false;                                                                         \
    } while (0)
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        switch (c) {
        case '*':
        case '?':
        case '{':
            if (have_atom) {
                run.len = atom;
            }
            FLUSH();
            if (c == '{') {
                while (i < len && p[i] != '}') {
                    i++;
                }
                if (i >= len) {
                    slbuf_reset(out);
                    goto done;
                }
            }
            break;
        case '+':
            FLUSH();
            break;
        case '\\':
            if (i + 1 < len && strchr(".[]()|*+?{}^$\\", p[i + 1])) {
                atom = run.len;
                slbuf_putc(&run, p[++i]);
                have_atom = true;
            } else {
                FLUSH();
                i++; /* a class or GNU operator (\w, \b, \<, \`...) */
            }
            break;
        case '[':
            FLUSH();
            i = bracket_end(p, len, i);
            break;
        case '(': {
            FLUSH();
            int d = 0;
            for (; i < len; i++) {
                if (p[i] == '\\') {
                    i++;
                } else if (p[i] == '[') {
                    i = bracket_end(p, len, i); /* brackets may hold parentheses */
                } else if (p[i] == '(') {
                    d++;
                } else if (p[i] == ')' && --d == 0) {
                    break;
                }
            }
            break;
        }
        case '.':
        case '^':
        case '$':
        case ')':
        case '|':
        case ']':
        case '}':
            FLUSH();
            break;
        default:
            if (((unsigned char)c & 0xC0) != 0x80 || !have_atom) {
                atom = run.len; /* a continuation byte stays in its character's atom */
            }
            slbuf_putc(&run, c);
            have_atom = true;
            break;
        }
    }
    FLUSH();
done:
#undef FLUSH
    slbuf_free(&run);
}

#define RXC_NOSUB 0x01 /* no group is ever read (REGEXP): regexec skips finding them */
/* A pattern compiled once: find the required literal and compile the fast
 * matcher (per-row patterns would pay for both on every row). */
#define RXC_ONCE 0x02

/* Compile with RXC_* flags; on failure a message into err (when given). */
static bool rx_compile(const char *p, uint32_t n, int flags, rxpat *r, char *err, size_t errcap) {
    slbuf b = {0};
    bool icase;
    r->lit = NULL;
    r->lit_len = 0;
    r->fast = NULL;
    if (!rx_translate(p, n, &b, r, &icase)) {
        slbuf_free(&b);
        if (err) {
            snprintf(err, errcap, "not supported by POSIX regular expressions");
        }
        return false;
    }
    const char *src = slbuf_cstr(&b);
    int rc = regcomp(&r->re, src,
                     REG_EXTENDED | (icase ? REG_ICASE : 0) | (flags & RXC_NOSUB ? REG_NOSUB : 0));
    if (rc == 0 && (flags & RXC_ONCE)) {
        slbuf lit = {0};
        rx_required_literal(src, strlen(src), icase, &lit);
        if (lit.len) {
            r->lit = slmem_memdup(lit.data, lit.len);
            r->lit_len = (uint32_t)lit.len;
        }
        slbuf_free(&lit);
        r->fast = slrx_compile(src, strlen(src), icase);
    }
    slbuf_free(&b);
    if (rc != 0) {
        if (err) {
            regerror(rc, &r->re, err, errcap);
        }
        return false;
    }
    if (r->re.re_nsub > RX_MAX_POSIX) {
        regfree(&r->re);
        slmem_free(r->lit);
        r->lit = NULL;
        slrx_free(r->fast);
        r->fast = NULL;
        if (err) {
            snprintf(err, errcap, "too many groups");
        }
        return false;
    }
    return true;
}

static void rx_free(void *p) {
    rxpat *r = p;
    regfree(&r->re);
    slmem_free(r->lit);
    slrx_free(r->fast);
    slmem_free(r);
}

/* Find the first match in s[from..n); m[0..nmatch) absolute offsets
 * (nmatch >= 1). */
static bool rx_find(const rxpat *r, const char *s, uint32_t n, uint32_t from, size_t nmatch,
                    regmatch_t *m) {
    if (r->fast) {
        int rc = slrx_exec(r->fast, s, n, from, nmatch, m);
        if (rc >= 0) {
            return rc == 1;
        }
    }
    m[0].rm_so = from;
    m[0].rm_eo = n;
    return regexec(&r->re, s ? s : "", nmatch, m, REG_STARTEND) == 0;
}

/* Java's Matcher.appendReplacement rules: $n group references, \x a literal
 * x. False for a bad reference (NULL). */
static bool rx_append_replacement(slbuf *b, const rxpat *r, const char *s, const regmatch_t *m,
                                  const slstr *rep) {
    for (uint32_t k = 0; k < rep->len; k++) {
        char c = rep->ptr[k];
        if (c == '\\') {
            if (++k >= rep->len) {
                return false;
            }
            slbuf_putc(b, rep->ptr[k]);
        } else if (c == '$') {
            if (++k >= rep->len || (unsigned)(rep->ptr[k] - '0') > 9) {
                return false;
            }
            int g = rep->ptr[k] - '0';
            /* More digits while they still name a group. */
            while (k + 1 < rep->len && (unsigned)(rep->ptr[k + 1] - '0') <= 9 &&
                   g * 10 + (rep->ptr[k + 1] - '0') <= r->n_groups) {
                g = g * 10 + (rep->ptr[++k] - '0');
            }
            if (g > r->n_groups) {
                return false;
            }
            const regmatch_t *gm = &m[r->map[g]];
            if (gm->rm_so >= 0) {
                slbuf_put(b, s + gm->rm_so, (size_t)(gm->rm_eo - gm->rm_so));
            }
        } else {
            slbuf_putc(b, c);
        }
    }
    return true;
}

static void k_regexp(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    slx_op op = e->fn->op;
    regmatch_t m[RX_MAX_POSIX + 1];
    slbuf *b = slexpr_tmpbuf(ev);
    /* regexec wants a NUL-terminated subject (REG_STARTEND alone would do
     * for glibc, but not for every libc nor for ASan's interceptor): a
     * copy, in a buffer reused for the batch. Results point back into the
     * input (same offsets). */
    slbuf subj = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *orig = ARG_S(0);
        const rxpat *r = e->aux;
        if (r && r->lit &&
            (orig->len < r->lit_len || !memmem(orig->ptr, orig->len, r->lit, r->lit_len))) {
            /* Without the required literal there is no match: the results
             * of no match, without regexec. */
            if (op == SLX_REGEXP) {
                out->v.b[i] = 0;
                continue;
            }
            if (op == SLX_REGEXP_EXTRACT) {
                out->nulls[i] = 1;
                continue;
            }
            if (orig->len <= SLX_MAX_STRING) { /* REGEXP_REPLACE: the input */
                out->v.s[i] = *orig;
                continue;
            }
        }
        slbuf_reset(&subj);
        slbuf_put(&subj, orig->ptr, orig->len);
        slstr subject = {slbuf_cstr(&subj), orig->len};
        const slstr *s = &subject;
        rxpat row;
        if (!r) {
            const slstr *pat = ARG_S(1);
            if (!rx_compile(pat->ptr, pat->len, op == SLX_REGEXP ? RXC_NOSUB : 0, &row, NULL, 0)) {
                out->nulls[i] = 1;
                continue;
            }
            r = &row;
        }
        switch (op) {
        case SLX_REGEXP:
            out->v.b[i] = rx_find(r, s->ptr, s->len, 0, 1, m);
            break;
        case SLX_REGEXP_EXTRACT: {
            int64_t g = e->n_args > 2 ? ARG_I(2) : 0;
            /* Only the groups up to the one read. */
            if (g < 0 || g > r->n_groups ||
                !rx_find(r, s->ptr, s->len, 0, (size_t)r->map[g] + 1, m) ||
                m[r->map[g]].rm_so < 0) {
                out->nulls[i] = 1;
                break;
            }
            const regmatch_t *gm = &m[r->map[g]];
            out->v.s[i].ptr = orig->ptr + gm->rm_so;
            out->v.s[i].len = (uint32_t)(gm->rm_eo - gm->rm_so);
            break;
        }
        default: { /* REGEXP_REPLACE: every match, as Java's replaceAll */
            const slstr *rep = ARG_S(2);
            slbuf_reset(b);
            uint32_t pos = 0, last = 0;
            bool ok = true;
            /* Groups only when the replacement may name one. */
            size_t nm = rep->len && memchr(rep->ptr, '$', rep->len) ? r->re.re_nsub + 1 : 1;
            while (pos <= s->len && b->len <= SLX_MAX_STRING &&
                   rx_find(r, s->ptr, s->len, pos, nm, m)) {
                uint32_t so = (uint32_t)m[0].rm_so, eo = (uint32_t)m[0].rm_eo;
                slbuf_put(b, s->ptr + last, so - last);
                if (!rx_append_replacement(b, r, s->ptr, m, rep)) {
                    ok = false;
                    break;
                }
                last = eo;
                if (eo == so) {
                    if (so >= s->len) {
                        break;
                    }
                    pos = next_cp(s->ptr, s->len, so);
                } else {
                    pos = eo;
                }
            }
            if (!ok || b->len > SLX_MAX_STRING) {
                out->nulls[i] = 1;
                break;
            }
            slbuf_put(b, s->ptr + last, s->len - last);
            char *p = slexpr_scratch(ev, b->len);
            if (b->len) {
                memcpy(p, b->data, b->len);
            }
            out->v.s[i].ptr = b->len ? p : "";
            out->v.s[i].len = (uint32_t)b->len;
            break;
        }
        }
        if (r == &row) {
            regfree(&row.re);
        }
    }
    slbuf_free(&subj);
}

bool slexpr_regex_literal(const char *pattern, uint32_t n, slbuf *out) {
    slbuf_reset(out);
    rxpat r;
    if (!rx_compile(pattern, n, RXC_ONCE, &r, NULL, 0)) {
        return false;
    }
    if (r.lit_len) {
        slbuf_put(out, r.lit, r.lit_len);
    }
    regfree(&r.re);
    slmem_free(r.lit);
    slrx_free(r.fast);
    return true;
}

static sl_err check_regexp(slexpr *e) {
    sl_err err = slexpr_check_sig(e);
    if (err) {
        return err;
    }
    slvalue pv;
    if (!slexpr_arg_const(e, 1, &pv) || pv.is_null) {
        return SL_OK;
    }
    rxpat *r = slmem_calloc(1, sizeof *r);
    char msg[128];
    int flags = RXC_ONCE | (e->fn->op == SLX_REGEXP ? RXC_NOSUB : 0);
    if (!rx_compile(pv.v.s.ptr, pv.v.s.len, flags, r, msg, sizeof msg)) {
        slmem_free(r);
        return slerr_set(SL_ERR_ARG, "%s: bad regular expression '%.*s': %s", e->fn->name,
                         (int)SL_MIN(pv.v.s.len, 64), pv.v.s.ptr, msg);
    }
    e->aux = r;
    e->aux_free = rx_free;
    return SL_OK;
}

/* ---- MD5 (RFC 1321) ---- */

typedef struct md5 {
    uint32_t h[4];
    uint64_t bytes;
    unsigned char buf[64];
} md5;

static uint32_t rotl(uint32_t x, int c) {
    return (x << c) | (x >> (32 - c));
}

static void md5_block(md5 *s, const unsigned char *p) {
    static const uint32_t K[64] = {
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391};
    static const int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                              5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                              4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                              6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
    uint32_t w[16];
    for (int i = 0; i < 16; i++) {
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        uint32_t t = d;
        d = c;
        c = b;
        b = b + rotl(a + f + K[i] + w[g], R[i]);
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
}

static void md5_hex(const char *data, size_t n, char out[32]) {
    md5 s = {{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}, 0, {0}};
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        md5_block(&s, p + i);
    }
    size_t rest = n - i;
    memcpy(s.buf, p + i, rest);
    s.buf[rest++] = 0x80;
    if (rest > 56) {
        memset(s.buf + rest, 0, 64 - rest);
        md5_block(&s, s.buf);
        rest = 0;
    }
    memset(s.buf + rest, 0, 56 - rest);
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++) {
        s.buf[56 + k] = (unsigned char)(bits >> (8 * k));
    }
    md5_block(&s, s.buf);
    static const char hex[] = "0123456789abcdef";
    for (int k = 0; k < 16; k++) {
        unsigned char byte = (unsigned char)(s.h[k / 4] >> (8 * (k % 4)));
        out[2 * k] = hex[byte >> 4];
        out[2 * k + 1] = hex[byte & 15];
    }
}

static void k_md5(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(e);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        char *p = slexpr_scratch(ev, 32);
        md5_hex(s->ptr, s->len, p);
        out->v.s[i].ptr = p;
        out->v.s[i].len = 32;
    }
}

/* clang-format off */
const slexpr_fn slexpr_fns_pattern[] = {
    {"LIKE", SLX_LIKE, 2, 3, 0, check_like, k_like, "S", SL_BOOLEAN},
    {"NOT LIKE", SLX_NOT_LIKE, 2, 3, 0, check_like, k_like, "S", SL_BOOLEAN},
    {"REGEXP", SLX_REGEXP, 2, 2, 0, check_regexp, k_regexp, "S", SL_BOOLEAN},
    {"REGEXP_EXTRACT", SLX_REGEXP_EXTRACT, 2, 3, 0, check_regexp, k_regexp, "SSI", SL_STRING},
    {"REGEXP_REPLACE", SLX_REGEXP_REPLACE, 3, 3, 0, check_regexp, k_regexp, "S", SL_STRING},
    {"MD5", SLX_MD5, 1, 1, 0, NULL, k_md5, "S", SL_STRING},
};
/* clang-format on */
const int slexpr_n_fns_pattern = (int)SL_ARRAY_LEN(slexpr_fns_pattern);
