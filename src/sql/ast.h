/*
 * ast.h - the syntax tree of a Flink-dialect SQL script, as the parser
 * (parser.c, over lexer.c) produces it and the binder/planner consume it.
 *
 * Memory: every node, array and string of a script lives in the script's
 * arena (slscript.arena); slscript_free releases all of it at once. Nothing in
 * the tree is freed on its own, so no field below says owned/borrowed: all are
 * arena memory of the script that holds them.
 *
 * Names: identifiers are stored as written (quoted `a b` identifiers without
 * the backquotes). Keywords, function names and TVF names are stored upper
 * case. Comparing names is the binder's job (case-insensitive, as Flink does
 * by default for us).
 *
 * Positions: every node carries the line and column (both 1-based) of its
 * first token in the source text, so the binder can report
 * "job.sql:7:12: unknown column 'amt'".
 *
 * Thread: a script is used by one thread at a time.
 */
#ifndef SL_SQL_AST_H
#define SL_SQL_AST_H

#include "base/base.h"

typedef struct slpos {
    int line, col; /* 1-based */
} slpos;

/* ---- types ---- */

/* A SQL type as written. `type` is the engine type it maps to, or 0 when the
 * engine has none (the binder refuses it, naming `name`):
 *   BOOLEAN                                         -> SL_BOOLEAN
 *   TINYINT SMALLINT INT INTEGER BIGINT             -> SL_BIGINT
 *   FLOAT REAL DOUBLE [PRECISION] DECIMAL/NUMERIC(p,s) -> SL_DOUBLE
 *   STRING VARCHAR[(n)] CHAR[(n)]                   -> SL_STRING
 *   TIMESTAMP[(p)] [WITHOUT TIME ZONE], TIMESTAMP_LTZ[(p)],
 *   TIMESTAMP[(p)] WITH LOCAL TIME ZONE             -> SL_TIMESTAMP
 *   anything else (DATE, TIME, BYTES, ARRAY<..>, MAP<..>, ROW<..>) -> 0 */
typedef struct sltypename {
    sl_type type;
    const char *name; /* as written, upper case, e.g. "DECIMAL(10, 2)" */
    slpos pos;
} sltypename;

/* ---- expressions ---- */

typedef enum slx_kind {
    SLX_COLUMN = 1, /* name [qual.name]: text = name, qual = qualifier or NULL */
    SLX_STAR,       /* * or qual.*: only in a select list and COUNT(*) */
    SLX_INT,        /* i */
    SLX_DOUBLE,     /* d (decimal literals such as 1.5 or 1e3) */
    SLX_STRING,     /* text (quotes removed, '' unescaped), len = byte length */
    SLX_BOOL,       /* i = 0 / 1 */
    SLX_NULL,
    SLX_INTERVAL,   /* INTERVAL '5' SECOND: i = microseconds (day-time units),
                     * or months (YEAR/MONTH units) with flag SLX_F_MONTHS */
    SLX_TIMESTAMP,  /* TIMESTAMP '2024-01-01 10:00:00': i = microseconds */
    SLX_UNARY,      /* op (SLOP_NEG, SLOP_NOT, SLOP_PLUS), kids[0] */
    SLX_BINARY,     /* op, kids[0] op kids[1] */
    SLX_IS,         /* kids[0] IS [NOT] NULL/TRUE/FALSE: op = SLOP_IS_NULL.., negated */
    SLX_IN,         /* kids[0] [NOT] IN (kids[1..n)) */
    SLX_BETWEEN,    /* kids[0] [NOT] BETWEEN [SYMMETRIC] kids[1] AND kids[2] */
    SLX_LIKE,       /* kids[0] [NOT] LIKE kids[1] [ESCAPE kids[2]]; op = SLOP_LIKE or SLOP_SIMILAR */
    SLX_CASE,       /* kids = [operand] (when, then)* [else]: flags SLX_F_OPERAND, SLX_F_ELSE */
    SLX_CAST,       /* CAST(kids[0] AS cast) / TRY_CAST (flag SLX_F_TRY) */
    SLX_CALL,       /* text = function name upper case, kids = arguments; also
                     * EXTRACT(unit FROM x) as text "EXTRACT", kids = [STRING unit, x];
                     * FLOOR/CEIL(x TO unit) as "FLOOR"/"CEIL", kids = [x, STRING unit];
                     * TIMESTAMPADD/TIMESTAMPDIFF(unit, ..) with kids[0] a STRING unit;
                     * POSITION(a IN b) as kids [a, b]; TRIM([BOTH|LEADING|TRAILING]
                     * [chars] FROM s) as "TRIM"/"LTRIM"/"RTRIM" kids [s, chars?];
                     * SUBSTRING(s FROM a FOR b) as kids [s, a, b?];
                     * CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_DATE without
                     * parentheses as calls with no arguments.
                     * flags: SLX_F_DISTINCT (COUNT(DISTINCT x)); COUNT(*) has one
                     * SLX_STAR kid. `over` is set for f(..) OVER (..) / OVER w. */
    SLX_SUBQUERY,   /* (SELECT ...) as a scalar or in IN / EXISTS: sub */
} slx_kind;

typedef enum slx_op {
    SLOP_NONE = 0,
    /* unary */
    SLOP_NEG, SLOP_PLUS, SLOP_NOT,
    /* binary */
    SLOP_ADD, SLOP_SUB, SLOP_MUL, SLOP_DIV, SLOP_MOD, SLOP_CONCAT, /* || */
    SLOP_EQ, SLOP_NE, SLOP_LT, SLOP_LE, SLOP_GT, SLOP_GE,
    SLOP_AND, SLOP_OR,
    /* IS */
    SLOP_IS_NULL, SLOP_IS_TRUE, SLOP_IS_FALSE, SLOP_IS_DISTINCT_FROM,
    /* LIKE */
    SLOP_LIKE, SLOP_SIMILAR,
} slx_op;

/* flags */
#define SLX_F_NEGATED 0x01   /* NOT IN, NOT BETWEEN, NOT LIKE, IS NOT ... */
#define SLX_F_DISTINCT 0x02  /* aggregate over DISTINCT values */
#define SLX_F_OPERAND 0x04   /* CASE x WHEN ...: kids[0] is the operand */
#define SLX_F_ELSE 0x08      /* CASE ... ELSE: the last kid is the else value */
#define SLX_F_TRY 0x10       /* TRY_CAST */
#define SLX_F_MONTHS 0x20    /* an INTERVAL in months */
#define SLX_F_SYMMETRIC 0x40 /* BETWEEN SYMMETRIC */
#define SLX_F_PAREN 0x80     /* the expression was written in parentheses */

typedef struct slx slx;
typedef struct slquery slquery;
typedef struct slover slover;

struct slx {
    slx_kind kind;
    slx_op op;
    int flags;
    slpos pos;
    const char *text; /* name / string value / function name */
    const char *qual; /* SLX_COLUMN, SLX_STAR qualifier */
    size_t len;       /* SLX_STRING byte length */
    int64_t i;
    double d;
    slx **kids;
    int n_kids;
    sltypename cast;  /* SLX_CAST target */
    slover *over;     /* SLX_CALL with OVER */
    slquery *sub;     /* SLX_SUBQUERY */
};

/* ORDER BY item. */
typedef struct slorder {
    slx *e;
    bool desc;
    int nulls; /* 0 = default, 1 = NULLS FIRST, 2 = NULLS LAST */
} slorder;

/* OVER (PARTITION BY .. ORDER BY .. frame) or OVER name (a WINDOW clause
 * entry, resolved by the parser into this struct with `name` set). */
typedef enum slframe_kind { SLFRAME_NONE = 0, SLFRAME_ROWS, SLFRAME_RANGE } slframe_kind;
struct slover {
    slpos pos;
    const char *name; /* OVER w: the window name (its clause is copied in) */
    slx **partition;
    int n_partition;
    slorder *order;
    int n_order;
    slframe_kind frame;
    /* frame start: preceding == NULL means UNBOUNDED PRECEDING; else an
     * SLX_INT row count (ROWS) or SLX_INTERVAL (RANGE). The frame end is always
     * CURRENT ROW (the parser refuses FOLLOWING with a message). A frame given
     * only as "ROWS n PRECEDING" means BETWEEN n PRECEDING AND CURRENT ROW. */
    slx *preceding;
};

/* ---- queries ---- */

typedef struct slitem { /* a select-list item */
    slx *e;
    const char *alias; /* AS name, or NULL */
    slpos pos;
} slitem;

typedef enum slfrom_kind {
    SLFROM_TABLE = 1, /* name [[AS] alias] [FOR SYSTEM_TIME AS OF as_of] */
    SLFROM_SUBQUERY,  /* (query) [AS] alias */
    SLFROM_WINDOW,    /* TABLE(TUMBLE|HOP|CUMULATE|SESSION(TABLE input, DESCRIPTOR(col), ...)) */
    SLFROM_JOIN,      /* left JOIN right ON on / USING / , (cross) */
    SLFROM_MATCH,     /* input MATCH_RECOGNIZE (match) [AS] alias */
} slfrom_kind;

typedef enum sljoin_kind {
    SLJOIN_INNER = 1, SLJOIN_LEFT, SLJOIN_RIGHT, SLJOIN_FULL, SLJOIN_CROSS,
} sljoin_kind;

/* MATCH_RECOGNIZE (parse_match.c). A row pattern: a variable, a
 * concatenation or alternation of kids, or kids[0] quantified {min,max}
 * (max -1: unbounded), reluctant when written with a trailing '?'. */
typedef enum slmpat_kind { SLMPAT_VAR = 1, SLMPAT_SEQ, SLMPAT_ALT, SLMPAT_REPEAT } slmpat_kind;
typedef struct slmpat slmpat;
struct slmpat {
    slmpat_kind kind;
    slpos pos;
    const char *name; /* VAR, as written */
    slmpat **kids;
    int n_kids;
    int min, max;     /* REPEAT */
    bool reluctant;   /* REPEAT */
};

typedef enum slmskip {
    SLMSKIP_PAST_LAST = 0, /* AFTER MATCH SKIP PAST LAST ROW (the default) */
    SLMSKIP_NEXT_ROW,      /* SKIP TO NEXT ROW */
    SLMSKIP_FIRST,         /* SKIP TO FIRST var */
    SLMSKIP_LAST,          /* SKIP TO LAST var / SKIP TO var */
} slmskip;

typedef struct slmatch {
    slpos pos;           /* of MATCH_RECOGNIZE */
    slx **partition;
    int n_partition;
    slorder *order;
    int n_order;
    slpos order_pos;
    slitem *measures;    /* expr AS name (alias required) */
    int n_measures;
    slmskip skip;
    const char *skip_var;
    slpos skip_pos;
    slmpat *pattern;
    slx *within;         /* WITHIN INTERVAL ..., or NULL */
    const char **define_names;
    slx **defines;
    slpos *define_pos;
    int n_defines;
} slmatch;

typedef struct slfrom slfrom;
struct slfrom {
    slfrom_kind kind;
    slpos pos;
    const char *alias;  /* NULL when none */
    /* TABLE */
    const char *name;
    slx *as_of;         /* FOR SYSTEM_TIME AS OF expr, or NULL */
    /* SUBQUERY */
    slquery *sub;
    /* WINDOW: fn is "TUMBLE", "HOP", "CUMULATE" or "SESSION"; input is the
     * TABLE argument (an SLFROM_TABLE or SLFROM_SUBQUERY); time_col the
     * DESCRIPTOR column; args the remaining arguments in Flink's positional
     * order, named arguments (DATA =>, TIMECOL =>, SIZE =>, SLIDE =>, STEP =>,
     * GAP =>, OFFSET =>) already put in that order:
     *   TUMBLE(size [, offset])  HOP(slide, size [, offset])
     *   CUMULATE(step, size [, offset])  SESSION(gap)
     * SESSION may partition: TABLE(SESSION(TABLE t PARTITION BY k, ...)) -> partition. */
    const char *fn;
    slfrom *input;
    const char *time_col;
    slpos time_col_pos;
    slx **args;
    int n_args;
    slx **partition;
    int n_partition;
    /* JOIN */
    sljoin_kind join;
    slfrom *left, *right;
    slx *on;            /* NULL for CROSS / comma joins */
    const char **using_cols;
    int n_using;
    /* MATCH: the clause; the input relation is `input` */
    slmatch *match;
};

typedef struct slselect {
    slpos pos;
    bool distinct;
    slitem *items;
    int n_items;
    slfrom *from;  /* NULL: SELECT without FROM */
    slx *where;
    slx **group_by; /* may hold calls: GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), user */
    int n_group_by;
    slx *having;
} slselect;

typedef enum slset_op { SLSET_NONE = 0, SLSET_UNION_ALL, SLSET_UNION, SLSET_INTERSECT, SLSET_EXCEPT } slset_op;

typedef struct slcte {
    const char *name;
    slpos pos;
    slquery *q;
} slcte;

/* A query: a SELECT, or a set operation of two queries, with optional WITH,
 * ORDER BY and LIMIT around it. */
struct slquery {
    slpos pos;
    slset_op op;          /* SLSET_NONE: select is set */
    slselect *select;
    slquery *left, *right;
    slcte *with;
    int n_with;
    slorder *order;
    int n_order;
    slx *limit;           /* NULL when none */
    const char *text;     /* the query's source text (for views and EXPLAIN) */
};

/* ---- statements ---- */

typedef enum slstmt_kind {
    SLSTMT_CREATE_TABLE = 1,
    SLSTMT_CREATE_VIEW,
    SLSTMT_INSERT,   /* INSERT INTO name [(cols)] query */
    SLSTMT_SELECT,   /* a bare query */
    SLSTMT_SET,      /* SET 'key' = 'value'; SET alone lists options (key NULL) */
    SLSTMT_RESET,    /* RESET ['key'] */
    SLSTMT_EXPLAIN,  /* EXPLAIN [PLAN FOR] <INSERT or query>: inner */
    SLSTMT_DROP_TABLE,
    SLSTMT_DROP_VIEW,
    SLSTMT_SHOW_TABLES,
    SLSTMT_DESCRIBE, /* DESCRIBE name / DESC name */
    SLSTMT_EXECUTE_SET, /* EXECUTE STATEMENT SET BEGIN inserts END / BEGIN STATEMENT SET; ... END; */
} slstmt_kind;

typedef struct slcoldef {
    const char *name;
    slpos pos;
    sltypename type;   /* unset (type.name NULL) for computed columns */
    bool not_null;
    slx *computed;     /* name AS expr */
    bool metadata;     /* name type METADATA [FROM 'key'] [VIRTUAL]: refused by the binder */
} slcoldef;

typedef struct slopt { /* 'key' = 'value' */
    const char *key, *value;
    slpos pos;
} slopt;

typedef struct slstmt slstmt;
struct slstmt {
    slstmt_kind kind;
    slpos pos;
    const char *name;  /* table / view name */
    slpos name_pos;
    bool if_not_exists, if_exists, temporary;
    /* CREATE TABLE */
    slcoldef *cols;
    int n_cols;
    const char *wm_col; /* WATERMARK FOR wm_col AS wm_expr */
    slx *wm_expr;
    slpos wm_pos;
    const char **pk;    /* PRIMARY KEY (..) NOT ENFORCED */
    int n_pk;
    slpos pk_pos;
    slopt *opts;        /* WITH (...) */
    int n_opts;
    const char *like;   /* CREATE TABLE t (...) LIKE other: refused by the binder */
    /* CREATE VIEW: optional column names */
    const char **view_cols;
    int n_view_cols;
    /* SET / RESET: key, value (quotes removed; NULL when absent) */
    const char *key, *value;
    /* INSERT */
    const char **insert_cols;
    int n_insert_cols;
    bool overwrite;     /* INSERT OVERWRITE: refused by the binder */
    /* CREATE VIEW, INSERT, SELECT */
    slquery *query;
    /* EXPLAIN: the statement explained; EXECUTE_SET: the INSERTs */
    slstmt **inner;
    int n_inner;
    const char *text;   /* the statement's source text, without the ';' */
};

typedef struct slscript {
    slstmt **stmts;
    int n;
    slarena arena;     /* everything above */
    const char *file;  /* the name used in messages (arena copy) */
} slscript;

/*
 * Parse `len` bytes of SQL text holding statements separated by ';' (a last
 * statement may omit it; empty statements and -- and C-style comments are
 * skipped). `file` names the text in messages ("job.sql", "<stdin>").
 * On error returns SL_ERR_PARSE with a message
 *     "job.sql:7:12: expected ')' after window size, found 'GROUP'"
 * and *out = NULL. The text is borrowed (copied where kept).
 */
sl_err slsql_parse(const char *text, size_t len, const char *file, slscript **out);
void slscript_free(slscript *s);

/* The source text of a token kind or operator, for messages ("'<='"). */
const char *slx_op_text(slx_op op);

/* Print a tree in a compact S-expression form for tests and debugging:
 * (select (items (col a) (call SUM (col b)))(from (table t)) ...). */
void slsql_dump_stmt(const slstmt *s, slbuf *out);
void slsql_dump_expr(const slx *e, slbuf *out);

#endif /* SL_SQL_AST_H */
