/*
 * fn_string.c - string functions: || CONCAT CONCAT_WS UPPER LOWER TRIM LTRIM
 * RTRIM CHAR_LENGTH SUBSTRING REPLACE POSITION LOCATE LPAD RPAD INITCAP
 * REVERSE REPEAT LEFT RIGHT SPLIT_INDEX, with Flink's semantics (positions
 * 1-based, counted in UTF-8 code points), and the UTF-8 helpers.
 *
 * A function returning part of its input (SUBSTRING, TRIM, LEFT...) returns
 * a slice of the input bytes; new strings go to the evaluator's scratch
 * arena. Results longer than SLX_MAX_STRING are NULL. UPPER/LOWER map ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic letters (each keeps its
 * UTF-8 length); other code points are left as they are.
 * Called by the evaluator (eval.c) through the table at the end.
 */
#include "expr/expr_int.h"

/* ---- UTF-8 ---- */

/* A code point starts at every byte that is not a continuation byte. */
static inline bool is_cont(char c) {
    return ((unsigned char)c & 0xC0) == 0x80;
}

uint32_t slutf8_count(const char *s, uint32_t len) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < len; i++) {
        n += !is_cont(s[i]);
    }
    return n;
}

/* Byte offset after the code point starting at i. */
static inline uint32_t next_cp(const char *s, uint32_t len, uint32_t i) {
    i++;
    while (i < len && is_cont(s[i])) {
        i++;
    }
    return i;
}

uint32_t slutf8_offset(const char *s, uint32_t len, int64_t k) {
    uint32_t i = 0;
    while (k > 0 && i < len) {
        i = next_cp(s, len, i);
        k--;
    }
    return i;
}

/* ---- helpers ---- */

#define ARG_S(k) (&args[k].v.s[IX(&args[k], i)])
#define ARG_I(k) (args[k].v.i64[IX(&args[k], i)])

static inline void set_str(slvec *out, uint32_t i, const char *p, size_t len) {
    out->v.s[i].ptr = len ? p : "";
    out->v.s[i].len = (uint32_t)len;
}

/* Copy the bytes of tmp into scratch as row i's value (NULL when too long). */
static void set_from_buf(slexpr_eval *ev, slvec *out, uint32_t i, const slbuf *b) {
    if (b->len > SLX_MAX_STRING) {
        out->nulls[i] = 1;
        return;
    }
    char *p = slexpr_scratch(ev, b->len);
    if (b->len) {
        memcpy(p, b->data, b->len);
    }
    set_str(out, i, p, b->len);
}

static const char *find_bytes(const char *h, size_t hn, const char *nd, size_t nn) {
    if (nn == 0) {
        return h;
    }
    return hn < nn ? NULL : memmem(h, hn, nd, nn);
}

/* ---- CONCAT, CONCAT_WS ---- */

static void k_concat(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        uint64_t total = 0;
        for (int a = 0; a < e->n_args; a++) {
            total += ARG_S(a)->len;
        }
        if (total > SLX_MAX_STRING) {
            out->nulls[i] = 1;
            continue;
        }
        char *p = slexpr_scratch(ev, total);
        size_t at = 0;
        for (int a = 0; a < e->n_args; a++) {
            const slstr *s = ARG_S(a);
            if (s->len) {
                memcpy(p + at, s->ptr, s->len);
            }
            at += s->len;
        }
        set_str(out, i, p, total);
    }
}

/* Non-strict: a NULL separator gives NULL, NULL values are skipped. */
static void k_concat_ws(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                        slvec *out) {
    slbuf *b = slexpr_tmpbuf(ev);
    for (uint32_t i = 0; i < n; i++) {
        if (args[0].nulls[IX(&args[0], i)]) {
            out->nulls[i] = 1;
            continue;
        }
        const slstr *sep = ARG_S(0);
        slbuf_reset(b);
        bool first = true;
        for (int a = 1; a < e->n_args; a++) {
            if (args[a].nulls[IX(&args[a], i)]) {
                continue;
            }
            if (!first) {
                slbuf_put(b, sep->ptr, sep->len);
            }
            first = false;
            const slstr *s = ARG_S(a);
            slbuf_put(b, s->ptr, s->len);
            if (b->len > SLX_MAX_STRING) {
                break;
            }
        }
        set_from_buf(ev, out, i, b);
    }
}

static sl_err check_concat_op(slexpr *e) {
    for (int a = 0; a < 2; a++) {
        sl_type t = e->args[a]->type;
        if (t != SL_STRING && t != SL_NULLTYPE) {
            return slerr_set(SL_ERR_TYPE, "cannot apply '||' to %s and %s",
                             slexpr_type_name(e->args[0]->type),
                             slexpr_type_name(e->args[1]->type));
        }
    }
    return slexpr_check_sig(e);
}

/* ---- case mapping ---- */

static uint32_t cp_upper(uint32_t c) {
    if (c >= 'a' && c <= 'z') {
        return c - 32;
    }
    if (c < 0x80) {
        return c;
    }
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) {
        return c - 32;
    }
    if (c == 0xFF) {
        return 0x178;
    }
    if (c >= 0x100 && c <= 0x17F) {
        bool odd_lower = (c <= 0x137 && c != 0x130 && c != 0x131) || (c >= 0x14A && c <= 0x177);
        bool even_lower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (odd_lower && (c & 1)) {
            return c - 1;
        }
        if (even_lower && !(c & 1)) {
            return c - 1;
        }
        return c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) {
        return c - 32;
    }
    if (c == 0x3C2) {
        return 0x3A3;
    }
    if (c >= 0x430 && c <= 0x44F) {
        return c - 32;
    }
    if (c >= 0x450 && c <= 0x45F) {
        return c - 80;
    }
    return c;
}

static uint32_t cp_lower(uint32_t c) {
    if (c >= 'A' && c <= 'Z') {
        return c + 32;
    }
    if (c < 0x80) {
        return c;
    }
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) {
        return c + 32;
    }
    if (c == 0x178) {
        return 0xFF;
    }
    if (c >= 0x100 && c <= 0x17F) {
        bool even_upper = (c <= 0x137 && c != 0x130 && c != 0x131) || (c >= 0x14A && c <= 0x177);
        bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (even_upper && !(c & 1)) {
            return c + 1;
        }
        if (odd_upper && (c & 1)) {
            return c + 1;
        }
        return c;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) {
        return c + 32;
    }
    if (c >= 0x410 && c <= 0x42F) {
        return c + 32;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 80;
    }
    return c;
}

static void k_case(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    bool up = e->fn->op == SLX_UPPER;
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        char *p = slexpr_scratch(ev, s->len);
        const unsigned char *q = (const unsigned char *)s->ptr;
        for (uint32_t j = 0; j < s->len;) {
            unsigned char c = q[j];
            if (c < 0x80) {
                p[j++] = (char)(up ? cp_upper(c) : cp_lower(c));
                continue;
            }
            /* Every mapped code point is two bytes in UTF-8 and maps to two. */
            if ((c & 0xE0) == 0xC0 && j + 1 < s->len && (q[j + 1] & 0xC0) == 0x80) {
                uint32_t cp = ((uint32_t)(c & 0x1F) << 6) | (q[j + 1] & 0x3F);
                uint32_t m = up ? cp_upper(cp) : cp_lower(cp);
                if (m < 0x80 || m > 0x7FF) {
                    m = cp;
                }
                p[j] = (char)(0xC0 | (m >> 6));
                p[j + 1] = (char)(0x80 | (m & 0x3F));
                j += 2;
                continue;
            }
            p[j] = (char)c;
            j++;
        }
        set_str(out, i, p, s->len);
    }
}

/* Calcite's INITCAP: ASCII letters and digits make words; the first letter
 * of a word is upper-cased, the others lower-cased. */
static void k_initcap(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(e);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        char *p = slexpr_scratch(ev, s->len);
        bool start = true;
        for (uint32_t j = 0; j < s->len; j++) {
            char c = s->ptr[j];
            bool digit = c >= '0' && c <= '9', upper = c >= 'A' && c <= 'Z',
                 lower = c >= 'a' && c <= 'z';
            if (start) {
                if (lower) {
                    c = (char)(c - 32);
                }
                start = !(digit || upper || lower);
            } else if (upper) {
                c = (char)(c + 32);
            } else if (!digit && !lower) {
                start = true;
            }
            p[j] = c;
        }
        set_str(out, i, p, s->len);
    }
}

/* ---- TRIM ---- */

/* Whether the code point at s[i..j) is one of the code points of set. */
static bool in_set(const char *s, uint32_t i, uint32_t j, const slstr *set) {
    uint32_t len = j - i;
    for (uint32_t k = 0; k < set->len;) {
        uint32_t e = next_cp(set->ptr, set->len, k);
        if (e - k == len && memcmp(set->ptr + k, s + i, len) == 0) {
            return true;
        }
        k = e;
    }
    return false;
}

static void k_trim(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(ev);
    slx_op op = e->fn->op;
    static const slstr space = {" ", 1};
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        const slstr *set = e->n_args > 1 ? ARG_S(1) : &space;
        uint32_t lo = 0, hi = s->len;
        if (op != SLX_RTRIM) {
            while (lo < hi) {
                uint32_t nx = next_cp(s->ptr, hi, lo);
                if (!in_set(s->ptr, lo, nx, set)) {
                    break;
                }
                lo = nx;
            }
        }
        if (op != SLX_LTRIM) {
            while (hi > lo) {
                uint32_t st = hi - 1;
                while (st > lo && is_cont(s->ptr[st])) {
                    st--;
                }
                if (!in_set(s->ptr, st, hi, set)) {
                    break;
                }
                hi = st;
            }
        }
        set_str(out, i, s->ptr + lo, hi - lo);
    }
}

/* ---- lengths, positions, slices ---- */

static void k_char_length(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                          slvec *out) {
    SL_UNUSED(ev);
    SL_UNUSED(e);
    for (uint32_t i = 0; i < n; i++) {
        if (!out->nulls[i]) {
            const slstr *s = ARG_S(0);
            out->v.i64[i] = slutf8_count(s->ptr, s->len);
        }
    }
}

/* Flink's substringSQL: pos > 0 counts from 1, pos < 0 from the end, pos 0
 * is the start; a negative length is NULL. */
static void k_substring(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                        slvec *out) {
    SL_UNUSED(ev);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        int64_t pos = ARG_I(1);
        int64_t len = e->n_args > 2 ? ARG_I(2) : INT64_MAX;
        if (len < 0) {
            out->nulls[i] = 1;
            continue;
        }
        int64_t chars = slutf8_count(s->ptr, s->len);
        int64_t start;
        if (pos > 0) {
            start = pos - 1;
        } else if (pos < 0) {
            start = pos < -chars ? -1 : chars + pos;
        } else {
            start = 0;
        }
        if (start < 0 || start >= chars) {
            set_str(out, i, "", 0);
            continue;
        }
        int64_t end = chars - start < len ? chars : start + len;
        uint32_t b0 = slutf8_offset(s->ptr, s->len, start);
        uint32_t b1 = b0 + slutf8_offset(s->ptr + b0, s->len - b0, end - start);
        set_str(out, i, s->ptr + b0, b1 - b0);
    }
}

static void k_left_right(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                         slvec *out) {
    SL_UNUSED(ev);
    bool left = e->fn->op == SLX_LEFT;
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        int64_t k = ARG_I(1);
        if (k <= 0) {
            set_str(out, i, "", 0);
            continue;
        }
        if (left) {
            set_str(out, i, s->ptr, slutf8_offset(s->ptr, s->len, k));
        } else {
            int64_t chars = slutf8_count(s->ptr, s->len);
            uint32_t b0 = k >= chars ? 0 : slutf8_offset(s->ptr, s->len, chars - k);
            set_str(out, i, s->ptr + b0, s->len - b0);
        }
    }
}

/* POSITION(needle IN haystack) / LOCATE(needle, haystack [, from]): the
 * 1-based code point position of the first occurrence at or after from, 0
 * when there is none (LOCATE: also when from is out of range, as Calcite). */
static void k_position(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                       slvec *out) {
    SL_UNUSED(ev);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *nd = ARG_S(0), *h = ARG_S(1);
        int64_t from = e->n_args > 2 ? ARG_I(2) : 1;
        int64_t chars = slutf8_count(h->ptr, h->len);
        if (from < 1 || from - 1 > chars) {
            out->v.i64[i] = 0;
            continue;
        }
        uint32_t b0 = slutf8_offset(h->ptr, h->len, from - 1);
        const char *hit = find_bytes(h->ptr + b0, h->len - b0, nd->ptr, nd->len);
        out->v.i64[i] = hit ? (int64_t)slutf8_count(h->ptr, (uint32_t)(hit - h->ptr)) + 1 : 0;
    }
}

/* Java's String.replace: every non-overlapping occurrence, left to right;
 * an empty search string inserts the replacement around every character. */
static void k_replace(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(e);
    slbuf *b = slexpr_tmpbuf(ev);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0), *from = ARG_S(1), *to = ARG_S(2);
        slbuf_reset(b);
        if (from->len == 0) {
            slbuf_put(b, to->ptr, to->len);
            for (uint32_t j = 0; j < s->len && b->len <= SLX_MAX_STRING;) {
                uint32_t nx = next_cp(s->ptr, s->len, j);
                slbuf_put(b, s->ptr + j, nx - j);
                slbuf_put(b, to->ptr, to->len);
                j = nx;
            }
        } else {
            uint32_t j = 0;
            while (j <= s->len && b->len <= SLX_MAX_STRING) {
                const char *hit = find_bytes(s->ptr + j, s->len - j, from->ptr, from->len);
                if (!hit) {
                    break;
                }
                uint32_t at = (uint32_t)(hit - s->ptr);
                slbuf_put(b, s->ptr + j, at - j);
                slbuf_put(b, to->ptr, to->len);
                j = at + from->len;
            }
            slbuf_put(b, s->ptr + j, s->len - j);
        }
        set_from_buf(ev, out, i, b);
    }
}

/* Flink's LPAD/RPAD: NULL for a negative length or an empty pad; a base
 * longer than the length is cut to its first `len` characters. */
static void k_pad(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    bool left = e->fn->op == SLX_LPAD;
    slbuf *b = slexpr_tmpbuf(ev);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0), *pad = ARG_S(2);
        int64_t len = ARG_I(1);
        if (len < 0 || pad->len == 0 || len > SLX_MAX_STRING) {
            out->nulls[i] = 1;
            continue;
        }
        int64_t chars = slutf8_count(s->ptr, s->len);
        if (len <= chars) {
            set_str(out, i, s->ptr, slutf8_offset(s->ptr, s->len, len));
            continue;
        }
        slbuf_reset(b);
        if (!left) {
            slbuf_put(b, s->ptr, s->len);
        }
        uint32_t j = 0;
        for (int64_t k = 0; k < len - chars && b->len <= SLX_MAX_STRING; k++) {
            uint32_t nx = next_cp(pad->ptr, pad->len, j);
            slbuf_put(b, pad->ptr + j, nx - j);
            j = nx >= pad->len ? 0 : nx;
        }
        if (left) {
            slbuf_put(b, s->ptr, s->len);
        }
        set_from_buf(ev, out, i, b);
    }
}

static void k_reverse(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(e);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        char *p = slexpr_scratch(ev, s->len);
        uint32_t w = s->len;
        for (uint32_t j = 0; j < s->len;) {
            uint32_t nx = next_cp(s->ptr, s->len, j);
            w -= nx - j;
            memcpy(p + w, s->ptr + j, nx - j);
            j = nx;
        }
        set_str(out, i, p, s->len);
    }
}

static void k_repeat(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n, slvec *out) {
    SL_UNUSED(e);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0);
        int64_t k = ARG_I(1);
        if (k <= 0 || s->len == 0) {
            set_str(out, i, "", 0);
            continue;
        }
        if ((uint64_t)k > SLX_MAX_STRING / s->len) {
            out->nulls[i] = 1;
            continue;
        }
        size_t total = (size_t)k * s->len;
        char *p = slexpr_scratch(ev, total);
        for (int64_t r = 0; r < k; r++) {
            memcpy(p + (size_t)r * s->len, s->ptr, s->len);
        }
        set_str(out, i, p, total);
    }
}

/* Flink's SPLIT_INDEX: tokens between whole separators (an empty separator
 * is " "), empty tokens kept ("a," is "a" and ""); the idx-th (0-based) or
 * NULL. An empty string has no tokens. */
static void k_split_index(slexpr_eval *ev, const slexpr *e, const slvec *args, uint32_t n,
                          slvec *out) {
    SL_UNUSED(ev);
    SL_UNUSED(e);
    for (uint32_t i = 0; i < n; i++) {
        if (out->nulls[i]) {
            continue;
        }
        const slstr *s = ARG_S(0), *sep = ARG_S(1);
        int64_t idx = ARG_I(2);
        const char *sp = sep->len ? sep->ptr : " ";
        uint32_t sl = sep->len ? sep->len : 1;
        if (idx < 0 || s->len == 0) {
            out->nulls[i] = 1;
            continue;
        }
        if (sl == 1) {
            /* One-byte separator (the usual case): memchr from field to
             * field, without memmem's setup per call. */
            const char *p = s->ptr, *end = s->ptr + s->len;
            int64_t k = 0;
            for (; k < idx; k++) {
                const char *hit = memchr(p, sp[0], (size_t)(end - p));
                if (!hit) {
                    break;
                }
                p = hit + 1;
            }
            if (k < idx) {
                out->nulls[i] = 1;
                continue;
            }
            const char *hit = memchr(p, sp[0], (size_t)(end - p));
            set_str(out, i, p, (uint32_t)((hit ? hit : end) - p));
            continue;
        }
        uint32_t beg = 0;
        bool found = false;
        for (int64_t k = 0;; k++) {
            const char *hit = find_bytes(s->ptr + beg, s->len - beg, sp, sl);
            uint32_t end = hit ? (uint32_t)(hit - s->ptr) : s->len;
            if (k == idx) {
                set_str(out, i, s->ptr + beg, end - beg);
                found = true;
                break;
            }
            if (!hit) {
                break;
            }
            beg = end + sl;
        }
        if (!found) {
            out->nulls[i] = 1;
        }
    }
}

/* clang-format off */
const slexpr_fn slexpr_fns_string[] = {
    {"||", SLX_CONCAT, 2, 2, 0, check_concat_op, k_concat, "S", SL_STRING},
    {"CONCAT", SLX_CONCAT, 1, -1, 0, NULL, k_concat, "S", SL_STRING},
    {"CONCAT_WS", SLX_CONCAT_WS, 1, -1, SLFN_NONSTRICT, NULL, k_concat_ws, "S", SL_STRING},
    {"UPPER", SLX_UPPER, 1, 1, 0, NULL, k_case, "S", SL_STRING},
    {"LOWER", SLX_LOWER, 1, 1, 0, NULL, k_case, "S", SL_STRING},
    {"INITCAP", SLX_INITCAP, 1, 1, 0, NULL, k_initcap, "S", SL_STRING},
    {"TRIM", SLX_TRIM, 1, 2, 0, NULL, k_trim, "S", SL_STRING},
    {"LTRIM", SLX_LTRIM, 1, 2, 0, NULL, k_trim, "S", SL_STRING},
    {"RTRIM", SLX_RTRIM, 1, 2, 0, NULL, k_trim, "S", SL_STRING},
    {"CHAR_LENGTH", SLX_CHAR_LENGTH, 1, 1, 0, NULL, k_char_length, "S", SL_BIGINT},
    {"CHARACTER_LENGTH", SLX_CHAR_LENGTH, 1, 1, 0, NULL, k_char_length, "S", SL_BIGINT},
    {"SUBSTRING", SLX_SUBSTRING, 2, 3, 0, NULL, k_substring, "SI", SL_STRING},
    {"SUBSTR", SLX_SUBSTRING, 2, 3, 0, NULL, k_substring, "SI", SL_STRING},
    {"REPLACE", SLX_REPLACE, 3, 3, 0, NULL, k_replace, "S", SL_STRING},
    {"POSITION", SLX_POSITION, 2, 2, 0, NULL, k_position, "S", SL_BIGINT},
    {"LOCATE", SLX_LOCATE, 2, 3, 0, NULL, k_position, "SSI", SL_BIGINT},
    {"LPAD", SLX_LPAD, 3, 3, 0, NULL, k_pad, "SIS", SL_STRING},
    {"RPAD", SLX_RPAD, 3, 3, 0, NULL, k_pad, "SIS", SL_STRING},
    {"REVERSE", SLX_REVERSE, 1, 1, 0, NULL, k_reverse, "S", SL_STRING},
    {"REPEAT", SLX_REPEAT, 2, 2, 0, NULL, k_repeat, "SI", SL_STRING},
    {"LEFT", SLX_LEFT, 2, 2, 0, NULL, k_left_right, "SI", SL_STRING},
    {"RIGHT", SLX_RIGHT, 2, 2, 0, NULL, k_left_right, "SI", SL_STRING},
    {"SPLIT_INDEX", SLX_SPLIT_INDEX, 3, 3, 0, NULL, k_split_index, "SSI", SL_STRING},
};
/* clang-format on */
const int slexpr_n_fns_string = (int)SL_ARRAY_LEN(slexpr_fns_string);
