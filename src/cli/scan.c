/*
 * scan.c - cuts the shell's input into statements (shell_int.h).
 *
 * This is only the lexical skeleton the shell needs to know where a statement
 * ends: quotes ('' "" `` with their doubled-quote escapes, which scan as a
 * close and a reopen), -- line comments and block comments. Everything else,
 * including every error, is the SQL parser's business.
 *
 * Invariants: buf[start..pos) has been scanned in state `state`; (line, col)
 * is the input position of buf[pos], (start_line, start_col) that of
 * buf[start]. Text before `start` has been returned and may be discarded.
 */
#include <ctype.h>

#include "cli/shell_int.h"

enum { ST_CODE = 0, ST_SQUOTE, ST_DQUOTE, ST_BQUOTE, ST_LINE_COMMENT, ST_BLOCK_COMMENT };

void slcli_scan_init(slcli_scan *s) {
    memset(s, 0, sizeof *s);
    s->line = s->col = 1;
    s->start_line = s->start_col = 1;
}

void slcli_scan_free(slcli_scan *s) {
    slbuf_free(&s->buf);
}

void slcli_scan_reset(slcli_scan *s) {
    slbuf buf = s->buf;
    slbuf_reset(&buf);
    slcli_scan_init(s);
    s->buf = buf;
}

void slcli_scan_feed(slcli_scan *s, const char *text, size_t n) {
    slbuf_put(&s->buf, text, n);
}

/* Skip blanks and comments from p; returns the first other byte's offset. */
static size_t skip_blank(const char *t, size_t p, size_t len) {
    while (p < len) {
        if (isspace((unsigned char)t[p])) {
            p++;
        } else if (t[p] == '-' && p + 1 < len && t[p + 1] == '-') {
            while (p < len && t[p] != '\n') {
                p++;
            }
        } else if (t[p] == '/' && p + 1 < len && t[p + 1] == '*') {
            p += 2;
            while (p < len && !(t[p] == '*' && p + 1 < len && t[p + 1] == '/')) {
                p++;
            }
            p = p < len ? p + 2 : len;
        } else {
            break;
        }
    }
    return p;
}

int slcli_stmt_words(const char *text, size_t len, char (*words)[16], int max, bool *more) {
    int n = 0;
    size_t p = skip_blank(text, 0, len);
    while (n < max && p < len && (isalpha((unsigned char)text[p]) || text[p] == '_')) {
        size_t k = 0;
        while (p < len && (isalnum((unsigned char)text[p]) || text[p] == '_' || text[p] == '$')) {
            if (k < 15) {
                words[n][k++] = (char)toupper((unsigned char)text[p]);
            }
            p++;
        }
        words[n][k] = '\0';
        n++;
        p = skip_blank(text, p, len);
    }
    if (p < len && text[p] == ';') {
        p = skip_blank(text, p + 1, len);
    }
    if (more) {
        *more = p < len;
    }
    return n;
}

static bool has_content(const char *text, size_t len) {
    if (len == 0) {
        return false;
    }
    char w[1][16];
    bool more;
    return slcli_stmt_words(text, len, w, 1, &more) > 0 || more;
}

/* Does the statement open a statement set that runs up to END? */
static bool opens_set(const char *text, size_t len) {
    char w[5][16];
    int n = slcli_stmt_words(text, len, w, 5, NULL);
    int i = 0;
    if (i < n && strcmp(w[i], "EXPLAIN") == 0) {
        i++;
    }
    if (n - i >= 3 && strcmp(w[i], "BEGIN") == 0 && strcmp(w[i + 1], "STATEMENT") == 0 &&
        strcmp(w[i + 2], "SET") == 0) {
        return true;
    }
    if (i < n && strcmp(w[i], "EXECUTE") == 0) {
        i++;
    }
    return n - i >= 3 && strcmp(w[i], "STATEMENT") == 0 && strcmp(w[i + 1], "SET") == 0 &&
           strcmp(w[i + 2], "BEGIN") == 0;
}

static bool is_end(const char *text, size_t len) {
    char w[1][16];
    bool more;
    return slcli_stmt_words(text, len, w, 1, &more) == 1 && !more && strcmp(w[0], "END") == 0;
}

/* Drop returned text from the front of the buffer. */
static void compact(slcli_scan *s) {
    if (s->start == 0) {
        return;
    }
    size_t keep = s->buf.len - s->start;
    memmove(s->buf.data, s->buf.data + s->start, keep);
    s->buf.len = keep;
    s->pos -= s->start;
    s->piece -= s->start;
    s->start = 0;
}

/* Consume buf[pos], keeping the input position. */
static void advance(slcli_scan *s) {
    if (s->buf.data[s->pos] == '\n') {
        s->line++;
        s->col = 1;
    } else {
        s->col++;
    }
    s->pos++;
}

/* The statement buf[start..end) is returned (or dropped): the next begins at pos. */
static void take(slcli_scan *s, size_t end, slbuf *stmt, int *line, int *col) {
    slbuf_reset(stmt);
    slbuf_put(stmt, s->buf.data + s->start, end - s->start);
    *line = s->start_line;
    *col = s->start_col;
}

bool slcli_scan_next(slcli_scan *s, slbuf *stmt, int *line, int *col) {
    compact(s);
    const char *t = s->buf.data;
    size_t len = s->buf.len;
    while (s->pos < len) {
        char c = t[s->pos];
        bool next2 = s->pos + 1 < len;
        switch (s->state) {
        case ST_CODE:
            if (c == '\'') {
                s->state = ST_SQUOTE;
            } else if (c == '"') {
                s->state = ST_DQUOTE;
            } else if (c == '`') {
                s->state = ST_BQUOTE;
            } else if (c == '-' && next2 && t[s->pos + 1] == '-') {
                s->state = ST_LINE_COMMENT;
                advance(s);
            } else if (c == '/' && next2 && t[s->pos + 1] == '*') {
                s->state = ST_BLOCK_COMMENT;
                advance(s);
            } else if (c == ';') {
                advance(s);
                size_t end = s->pos;
                bool done = false;
                if (s->in_set) {
                    done = is_end(t + s->piece, end - s->piece);
                    s->in_set = !done;
                } else if (opens_set(t + s->start, end - s->start)) {
                    s->in_set = true;
                } else {
                    done = true;
                }
                s->piece = end;
                if (!done) {
                    continue;
                }
                bool content = has_content(t + s->start, end - s->start);
                if (content) {
                    take(s, end, stmt, line, col);
                }
                s->start = end;
                s->start_line = s->line;
                s->start_col = s->col;
                if (content) {
                    return true;
                }
                continue;
            }
            break;
        case ST_SQUOTE:
        case ST_DQUOTE:
        case ST_BQUOTE: {
            char q = s->state == ST_SQUOTE ? '\'' : s->state == ST_DQUOTE ? '"' : '`';
            if (c == q) {
                s->state = ST_CODE;
            }
            break;
        }
        case ST_LINE_COMMENT:
            if (c == '\n') {
                s->state = ST_CODE;
            }
            break;
        case ST_BLOCK_COMMENT:
            if (c == '*' && next2 && t[s->pos + 1] == '/') {
                advance(s);
                s->state = ST_CODE;
            }
            break;
        }
        advance(s);
    }
    return false;
}

bool slcli_scan_rest(slcli_scan *s, slbuf *stmt, int *line, int *col) {
    stmt->len = 0;
    if (slcli_scan_next(s, stmt, line, col)) {
        return true; /* a complete statement was still waiting */
    }
    size_t end = s->buf.len;
    bool content = end > s->start && has_content(s->buf.data + s->start, end - s->start);
    if (content) {
        take(s, end, stmt, line, col);
    }
    slcli_scan_reset(s);
    return content;
}

bool slcli_scan_pending(const slcli_scan *s) {
    if (s->in_set || (s->state != ST_CODE && s->state != ST_LINE_COMMENT)) {
        return true;
    }
    return s->buf.len > s->start && has_content(s->buf.data + s->start, s->buf.len - s->start);
}
