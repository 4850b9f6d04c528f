/*
 * shell_int.h - the pieces of `sluice sql` that do no terminal I/O, so unit
 * tests can drive them (tests/unit/test_cli_table.c, test_cli_scan.c):
 *
 *   - slcli_table (table.c): a SELECT's result kept materialised from its
 *     changelog (+I/+U add a row, -U/-D remove one equal row), rendered as a
 *     text table with columns sized to their content;
 *   - slcli_scan (scan.c): cuts typed or piped text into statements at ';'
 *     outside quotes and comments, keeping the input position of each.
 *
 * Who calls: shell.c; nothing in the library.
 */
#ifndef SL_CLI_SHELL_INT_H
#define SL_CLI_SHELL_INT_H

#include <pthread.h>

#include "base/base.h"

/* ---- the materialised result table (table.c) ---- */

/*
 * Rows are kept in arrival order. A removal (-U/-D) takes out the most
 * recently added row equal to it in every column (rows equal in every column
 * cannot be told apart on screen); a +U that comes right after a -U takes the
 * place of the row the -U removed, so an updated row stays where it was. A
 * removal that matches no row is counted (slcli_table_stats.unmatched) and
 * otherwise ignored.
 *
 * Thread: every function takes the table's mutex, so rows may be applied from
 * sink threads while the foreground renders.
 */
typedef struct slcli_table slcli_table;

/* One cell for slcli_table_apply_vals; which member is read follows the
 * column's type (BIGINT and TIMESTAMP: i64). */
typedef struct slcli_val {
    bool null;
    bool b;
    int64_t i64;
    double f64;
    const char *str; /* borrowed */
    size_t len;
} slcli_val;

/* A table for rows of `schema` (names and types are copied). */
slcli_table *slcli_table_new(const sl_schema *schema);
void slcli_table_free(slcli_table *t);
/* Apply one changelog row (its kind says add or remove). Thread: any. */
void slcli_table_apply(slcli_table *t, const sl_row *r);
/* The same with the cells given one per column (tests). */
void slcli_table_apply_vals(slcli_table *t, sl_rowkind kind, const slcli_val *vals);

typedef struct slcli_table_stats {
    uint64_t rows;        /* rows in the table now */
    uint64_t changes;     /* changelog rows applied */
    uint64_t unmatched;   /* -U/-D rows that matched no row */
    uint64_t compactions; /* times removed rows' space was reclaimed */
} slcli_table_stats;
void slcli_table_stats_get(slcli_table *t, slcli_table_stats *out);

typedef struct slcli_render {
    uint64_t max_rows; /* render at most this many rows (0: all) */
    int max_cell;      /* widest cell in columns (0: 40); longer cells end in '…' */
    int max_line;      /* clip every line to this many columns (0: no clipping) */
} slcli_render;

/*
 * Append the table to `out` as a box of '+', '-' and '|', a header line with
 * the column names, then one line per row (the first max_rows rows). Cells are
 * sized to the widest shown value; NULL shows as NULL, BOOLEAN as TRUE/FALSE,
 * DOUBLE in the shortest form that reads back exactly, TIMESTAMP as
 * "YYYY-MM-DD HH:MM:SS[.ffffff]"; numbers align right, the rest left. Control
 * characters and bytes that are not UTF-8 show as escapes (\n, \t, \xNN), so
 * a value can never move the cursor. Width counts terminal columns (wide East
 * Asian characters take two). Returns the number of lines appended; every
 * line ends in '\n'. *shown (may be NULL) receives the number of rows shown.
 */
int slcli_table_render(slcli_table *t, const slcli_render *opts, slbuf *out, uint64_t *shown);

/* Terminal columns taken by the UTF-8 text s[0..n) (already printable). */
int slcli_text_width(const char *s, size_t n);

/* ---- statement scanning (scan.c) ---- */

/*
 * Text is fed in pieces (lines); complete statements come out in order. A
 * statement ends at a ';' that is not inside '...', "...", `...`, a -- line
 * comment or a block comment. `BEGIN STATEMENT SET; ... END;` and `EXECUTE
 * STATEMENT SET BEGIN ... END;` come out whole, as one statement. Statements
 * with nothing but blanks and comments are dropped. Positions are 1-based
 * line and column (in bytes) of the statement's first byte in the input.
 */
typedef struct slcli_scan {
    slbuf buf;                 /* owned: fed text not yet returned */
    size_t pos;                /* buf[0..pos) is scanned */
    size_t start;              /* buf[start..] is the statement being read */
    size_t piece;              /* buf[piece..] follows the last ';' (inside a statement set) */
    int state;                 /* lexical state at pos (scan.c) */
    int line, col;             /* input position of buf[pos] */
    int start_line, start_col; /* input position of buf[start] */
    bool in_set;               /* inside BEGIN STATEMENT SET ... END */
} slcli_scan;

void slcli_scan_init(slcli_scan *s);
void slcli_scan_free(slcli_scan *s);
void slcli_scan_feed(slcli_scan *s, const char *text, size_t n);
/* The next complete statement, including its ';' (text into *stmt, which is
 * reset first; position into *line, *col). False when none is complete. */
bool slcli_scan_next(slcli_scan *s, slbuf *stmt, int *line, int *col);
/* At the end of input: the rest, when it holds more than blanks and
 * comments, as a statement without its ';'. */
bool slcli_scan_rest(slcli_scan *s, slbuf *stmt, int *line, int *col);
/* True when text that is more than blanks and comments waits for its ';'
 * (the shell then shows the continuation prompt). */
bool slcli_scan_pending(const slcli_scan *s);
/* Forget pending text and count input positions from line 1, column 1 again
 * (interactive: every fresh prompt starts a new input). */
void slcli_scan_reset(slcli_scan *s);

/*
 * The leading words of a statement (identifiers and keywords, upper-cased,
 * blanks and comments skipped, at most `max` of up to 15 bytes each). Returns
 * how many were stored; *more (may be NULL) is set when anything other than a
 * final ';' follows them.
 */
int slcli_stmt_words(const char *text, size_t len, char (*words)[16], int max, bool *more);

#endif /* SL_CLI_SHELL_INT_H */
