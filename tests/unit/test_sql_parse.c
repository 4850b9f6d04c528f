/*
 * Unit tests for the SQL lexer and parser (src/sql): every grammar rule with
 * a passing case, checked against the one-line dump (dump.c documents the
 * form), and a failing case, checked against the exact message; positions
 * and source texts; the nesting limits; and a seeded mutation "fuzz" run
 * that asserts only that parsing never crashes or leaks (under ASan) and
 * fails, when it fails, with a positioned SL_ERR_PARSE.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"
#include "sql/ast.h"
#include "test.h"

/* The dumps of all statements of `sql` (file "job.sql"), one per line, or
 * "error: <message>". The result stays valid until the next call. */
static const char *run(const char *sql) {
    static slbuf out;
    slbuf_reset(&out);
    slscript *s = NULL;
    sl_err err = slsql_parse(sql, strlen(sql), "job.sql", &s);
    if (err != SL_OK) {
        if (s) {
            slbuf_puts(&out, "error: *out not NULL");
        } else if (err != SL_ERR_PARSE) {
            slbuf_printf(&out, "error: code %d: %s", (int)err, sl_errmsg());
        } else {
            slbuf_printf(&out, "error: %s", sl_errmsg());
        }
        return slbuf_cstr(&out);
    }
    for (int k = 0; k < s->n; k++) {
        if (k) {
            slbuf_putc(&out, '\n');
        }
        slsql_dump_stmt(s->stmts[k], &out);
    }
    slscript_free(s);
    return slbuf_cstr(&out);
}

#define OK(sql, expect) CHECK_STR(run(sql), expect)
#define ERR(sql, msg) CHECK_STR(run(sql), "error: " msg)

/* Parse one statement for tests that look at fields; the caller frees. */
static slscript *parse1(const char *sql) {
    slscript *s = NULL;
    if (slsql_parse(sql, strlen(sql), "job.sql", &s) != SL_OK) {
        fprintf(stderr, "parse failed: %s\n", sl_errmsg());
        exit(1);
    }
    return s;
}

/* ---- lexer ---- */

TEST(lex_comments_and_spaces) {
    OK("-- leading comment\nSELECT /* inline */ a -- trailing\n FROM t /*+ OPTIONS('k'='v') */",
       "(select (items a) (from (table t)))");
    OK("SELECT a--b\nFROM t", "(select (items a) (from (table t)))");
    OK("/* only a comment */", "");
    OK("  ;;  ; -- nothing but separators\n", "");
    OK("SELECT\r\n\ta\f\vFROM\tt", "(select (items a) (from (table t)))");
    ERR("SELECT 1 /* never closed", "job.sql:1:10: unterminated comment (missing */)");
    ERR("SELECT 1;\n  /*\n*", "job.sql:2:3: unterminated comment (missing */)");
}

TEST(lex_strings) {
    OK("SELECT 'it''s', '', '''', 'a\nb', 'ünï'", "(select (items 'it''s' '' '''' 'a\nb' 'ünï'))");
    ERR("SELECT 'abc", "job.sql:1:8: unterminated string literal (missing ')");
    ERR("SELECT 'a''", "job.sql:1:8: unterminated string literal (missing ')");
    /* The string literal error is reported only when the parser gets there. */
    ERR("SELECT a b c, 'x", "job.sql:1:12: expected ';' or end of input, found 'c'");
}

TEST(lex_quoted_identifiers) {
    OK("SELECT `a b`, `x``y`, `select`, `Mixed` FROM `my table`",
       "(select (items `a b` `x``y` select Mixed) (from (table `my table`)))");
    slscript *s = parse1("SELECT `x``y` FROM t");
    CHECK_STR(s->stmts[0]->query->select->items[0].e->text, "x`y");
    slscript_free(s);
    ERR("SELECT `abc", "job.sql:1:8: unterminated quoted identifier (missing `)");
    ERR("SELECT ``", "job.sql:1:8: empty quoted identifier");
}

TEST(lex_numbers) {
    OK("SELECT 12, 1.5, 1e3, .5, 1.5E-3, 2., 0, 007",
       "(select (items 12 1.5 1000.0 0.5 0.0015 2.0 0 7))");
    OK("SELECT 9223372036854775807, -9223372036854775808, -1.25",
       "(select (items 9223372036854775807 -9223372036854775808 -1.25))");
    ERR("SELECT 9223372036854775808",
        "job.sql:1:8: number 9223372036854775808 is too large for BIGINT");
    ERR("SELECT -9223372036854775809",
        "job.sql:1:9: number -9223372036854775809 is too large for BIGINT");
    ERR("SELECT 1e999", "job.sql:1:8: number 1e999 is too large");
    ERR("SELECT 12abc", "job.sql:1:8: malformed number '12abc'");
    ERR("SELECT 1e+", "job.sql:1:8: malformed number '1e'");
}

TEST(lex_operators) {
    OK("SELECT a <> b, a != b, a <= b, a >= b, a < b, a > b, a = b, a || b, a % b",
       "(select (items (<> a b) (<> a b) (<= a b) (>= a b) (< a b) (> a b) (= a b) (|| a b) "
       "(% a b)))");
    ERR("SELECT a | b", "job.sql:1:10: expected ';' or end of input, found '|'");
    ERR("SELECT # FROM t", "job.sql:1:8: expected an expression, found '#'");
    ERR("SELECT \"a\" FROM t", "job.sql:1:8: expected an expression, found '\"'");
    ERR("SELECT a\x01", "job.sql:1:9: expected ';' or end of input, found '\\x01'");
}

TEST(lex_positions_across_lines) {
    /* Tabs count as one column; lines are counted across comments and strings. */
    ERR("SELECT\n\ta,\n\tFROM t", "job.sql:3:2: expected an expression, found 'FROM'");
    ERR("-- one\n/* two\nthree */ SELECT 'x\ny' +\n\t\t)",
        "job.sql:5:3: expected an expression, found ')'");
    ERR("SELECT 'ü', ä + )", "job.sql:1:17: expected an expression, found ')'");
    ERR("SELECT a FROM\n  ", "job.sql:2:3: expected a table name, found end of input");
}

/* ---- CREATE TABLE ---- */

TEST(create_table_basic) {
    OK("CREATE TABLE orders (\n"
       "  order_id BIGINT,\n"
       "  `user` STRING,\n"
       "  amount DECIMAL(10, 2),\n"
       "  ts TIMESTAMP(3),\n"
       "  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND\n"
       ") WITH (\n"
       "  'connector' = 'kafka',\n"
       "  'topic' = 'orders',\n"
       "  'format' = 'json'\n"
       ")",
       "(create-table orders (columns (order_id BIGINT) (user STRING) "
       "(amount DECIMAL(10, 2):DOUBLE) (ts TIMESTAMP(3):TIMESTAMP)) "
       "(watermark ts (- ts (interval 5000000))) "
       "(with 'connector'='kafka' 'topic'='orders' 'format'='json'))");
    OK("create temporary table if not exists cat.db.t (a int) with ()",
       "(create-table cat.db.t temporary if-not-exists (columns (a INT:BIGINT)))");
    OK("CREATE TABLE t WITH ('connector' = 'x') LIKE src",
       "(create-table t (with 'connector'='x') (like src))");
    OK("CREATE TABLE t (a INT) COMMENT 'table' PARTITIONED BY (a) WITH ('k' = 'it''s') "
       "LIKE src (EXCLUDING ALL INCLUDING (OPTIONS))",
       "(create-table t (columns (a INT:BIGINT)) (with 'k'='it''s') (like src))");
    ERR("CREATE TABLE t (a INT b INT)",
        "job.sql:1:23: expected ',' or ')' in column list, found 'b'");
    ERR("CREATE TABLE t (a INT,)", "job.sql:1:23: expected a column name, found ')'");
    ERR("CREATE TABLE (a INT)", "job.sql:1:14: expected a table name, found '('");
    ERR("CREATE TABLE t (a INT) WITH ('connector' = kafka)",
        "job.sql:1:44: expected a quoted option value, found 'kafka'");
    ERR("CREATE TABLE t (a INT) WITH (connector = 'kafka')",
        "job.sql:1:30: expected a quoted option key such as 'connector', found 'connector'");
    ERR("CREATE TABLE t (a INT) WITH ('connector' 'kafka')",
        "job.sql:1:42: expected '=' after the option key, found ''kafka''");
    ERR("CREATE TABLE t (a INT) WITH ('a' = 'b' 'c' = 'd')",
        "job.sql:1:40: expected ',' or ')' in the WITH options, found ''c''");
    ERR("CREATE TABLE t (a INT) LIKE src (EXCLUDING ALL",
        "job.sql:1:47: expected ')' to close the LIKE options, found end of input");
    ERR("CREATE TABLE t (a INT) AS SELECT 1",
        "job.sql:1:24: CREATE TABLE ... AS SELECT is not supported yet");
    ERR("CREATE FUNCTION f AS 'x'",
        "job.sql:1:8: expected TABLE or VIEW after CREATE, found 'FUNCTION'");
    ERR("CREATE TEMPORARY FUNCTION f",
        "job.sql:1:18: expected TABLE or VIEW after CREATE TEMPORARY, found 'FUNCTION'");
    ERR("CREATE TABLE t (a INT) COMMENT x",
        "job.sql:1:32: expected a quoted comment after COMMENT, found 'x'");
    ERR("CREATE TABLE t (a INT) PARTITIONED (a)",
        "job.sql:1:36: expected BY after PARTITIONED, found '('");
}

TEST(create_table_columns) {
    OK("CREATE TABLE t (\n"
       "  id BIGINT NOT NULL PRIMARY KEY NOT ENFORCED COMMENT 'the id',\n"
       "  n STRING NULL COMMENT 'x',\n"
       "  cost AS price * qty COMMENT 'computed',\n"
       "  pt AS PROCTIME(),\n"
       "  m TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,\n"
       "  part INT METADATA VIRTUAL COMMENT 'p',\n"
       "  off BIGINT METADATA\n"
       ")",
       "(create-table t (columns (id BIGINT not-null) (n STRING) (cost (as (* price qty))) "
       "(pt (as (PROCTIME))) (m TIMESTAMP_LTZ(3):TIMESTAMP metadata) (part INT:BIGINT metadata) "
       "(off BIGINT metadata)) (primary-key id))");
    OK("CREATE TABLE t (a INT, b STRING, CONSTRAINT pk PRIMARY KEY (a, b) NOT ENFORCED)",
       "(create-table t (columns (a INT:BIGINT) (b STRING)) (primary-key a b))");
    OK("CREATE TABLE t (a INT, PRIMARY KEY (a) NOT ENFORCED, WATERMARK FOR a AS a)",
       "(create-table t (columns (a INT:BIGINT)) (watermark a a) (primary-key a))");
    /* Words that are statements elsewhere name columns here. */
    OK("CREATE TABLE t (watermark INT, primary STRING, comment STRING, `key` INT)",
       "(create-table t (columns (watermark INT:BIGINT) (primary STRING) (comment STRING) "
       "(key INT:BIGINT)))");
    ERR("CREATE TABLE t (a INT, PRIMARY KEY (a))",
        "job.sql:1:39: expected NOT ENFORCED after PRIMARY KEY, found ')'");
    ERR("CREATE TABLE t (a INT PRIMARY KEY NOT ENFORCED, PRIMARY KEY (a) NOT ENFORCED)",
        "job.sql:1:49: the table already has a PRIMARY KEY");
    ERR("CREATE TABLE t (a INT, PRIMARY KEY (a,) NOT ENFORCED)",
        "job.sql:1:39: expected a column name, found ')'");
    ERR("CREATE TABLE t (a INT, PRIMARY KEY (a b) NOT ENFORCED)",
        "job.sql:1:39: expected ',' or ')' in PRIMARY KEY column list, found 'b'");
    ERR("CREATE TABLE t (a INT, WATERMARK FOR a a - 1)",
        "job.sql:1:40: expected AS after WATERMARK FOR column, found 'a'");
    ERR("CREATE TABLE t (a INT, WATERMARK FOR a AS a, WATERMARK FOR a AS a)",
        "job.sql:1:46: the table already has a WATERMARK");
    ERR("CREATE TABLE t (a INT METADATA FROM key)",
        "job.sql:1:37: expected a quoted metadata key after FROM, found 'key'");
    ERR("CREATE TABLE t (c AS)", "job.sql:1:21: expected an expression, found ')'");
    ERR("CREATE TABLE t (a INT NOT)", "job.sql:1:26: expected NULL after NOT, found ')'");
}

TEST(types) {
    OK("CREATE TABLE t (a BOOLEAN, b TINYINT, c SMALLINT, d INT, e INTEGER, f BIGINT, "
       "g FLOAT, h REAL, i DOUBLE, j DOUBLE PRECISION, k DECIMAL, l DECIMAL(10, 2), "
       "m NUMERIC(5), n DEC(3,1), o STRING, p VARCHAR, q VARCHAR(20), r CHAR(1), "
       "s TIMESTAMP, u TIMESTAMP(3), v TIMESTAMP_LTZ(3), w TIMESTAMP(3) WITH LOCAL TIME ZONE, "
       "x TIMESTAMP WITHOUT TIME ZONE, y timestamp_ltz)",
       "(create-table t (columns (a BOOLEAN) (b TINYINT:BIGINT) (c SMALLINT:BIGINT) "
       "(d INT:BIGINT) (e INTEGER:BIGINT) (f BIGINT) (g FLOAT:DOUBLE) (h REAL:DOUBLE) "
       "(i DOUBLE) (j DOUBLE PRECISION:DOUBLE) (k DECIMAL:DOUBLE) (l DECIMAL(10, 2):DOUBLE) "
       "(m NUMERIC(5):DOUBLE) (n DEC(3, 1):DOUBLE) (o STRING) (p VARCHAR:STRING) "
       "(q VARCHAR(20):STRING) (r CHAR(1):STRING) (s TIMESTAMP) (u TIMESTAMP(3):TIMESTAMP) "
       "(v TIMESTAMP_LTZ(3):TIMESTAMP) (w TIMESTAMP(3) WITH LOCAL TIME ZONE:TIMESTAMP) "
       "(x TIMESTAMP WITHOUT TIME ZONE:TIMESTAMP) (y TIMESTAMP_LTZ:TIMESTAMP)))");
    /* Types the engine lacks parse with type 0, for the binder to refuse by name. */
    OK("CREATE TABLE t (a DATE, b TIME, c TIME(3), d BYTES, e BINARY(4), f VARBINARY, "
       "g ARRAY<INT>, h MAP<STRING, ARRAY<INT NOT NULL>>, i ROW<a INT, `b c` STRING>, "
       "j ROW(x INT COMMENT 'x', y DOUBLE), k MULTISET<STRING>, l TIMESTAMP WITH TIME ZONE)",
       "(create-table t (columns (a DATE:?) (b TIME:?) (c TIME(3):?) (d BYTES:?) "
       "(e BINARY(4):?) (f VARBINARY:?) (g ARRAY<INT>:?) (h MAP<STRING, ARRAY<INT NOT NULL>>:?) "
       "(i ROW<A INT, `b c` STRING>:?) (j ROW(X INT COMMENT 'x', Y DOUBLE):?) "
       "(k MULTISET<STRING>:?) (l TIMESTAMP WITH TIME ZONE:?)))");
    slscript *s = parse1("CREATE TABLE t (a DATE, b TIMESTAMP(3) WITH LOCAL TIME ZONE)");
    CHECK_INT(s->stmts[0]->cols[0].type.type, 0);
    CHECK_STR(s->stmts[0]->cols[0].type.name, "DATE");
    CHECK_INT(s->stmts[0]->cols[1].type.type, SL_TIMESTAMP);
    CHECK_INT(s->stmts[0]->cols[1].type.pos.col, 27);
    slscript_free(s);
    ERR("CREATE TABLE t (a FOO)", "job.sql:1:19: expected a type, found 'FOO'");
    ERR("CREATE TABLE t (a `INT`)", "job.sql:1:19: expected a type, found '`INT`'");
    ERR("CREATE TABLE t (a DECIMAL(10 2))",
        "job.sql:1:30: expected ',' or ')' in the type's parameters, found '2'");
    ERR("CREATE TABLE t (a VARCHAR(x))",
        "job.sql:1:27: expected a number in the type's parameters, found 'x'");
    ERR("CREATE TABLE t (a ARRAY<INT)", "job.sql:1:28: expected '>' to close the type, found ')'");
    ERR("CREATE TABLE t (a MAP<INT>)",
        "job.sql:1:26: expected ',' between the key and value types of MAP, found '>'");
    ERR("CREATE TABLE t (a ROW<INT>)", "job.sql:1:26: expected a type, found '>'");
    ERR("CREATE TABLE t (a TIMESTAMP(3) WITH LOCAL ZONE)",
        "job.sql:1:43: expected TIME in WITH LOCAL TIME ZONE, found 'ZONE'");
    ERR("SELECT CAST(a AS INTERVAL) FROM t", "job.sql:1:18: expected a type, found 'INTERVAL'");
}

/* ---- other statements ---- */

TEST(create_view) {
    OK("CREATE VIEW v AS SELECT a FROM t", "(create-view v (select (items a) (from (table t))))");
    OK("CREATE TEMPORARY VIEW IF NOT EXISTS db.v (x, y) COMMENT 'view' AS "
       "WITH c AS (SELECT 1 AS a) SELECT a, a FROM c",
       "(create-view db.v temporary if-not-exists (columns x y) "
       "(query (with (c (select (items (as 1 a))))) (select (items a a) (from (table c)))))");
    ERR("CREATE VIEW v SELECT 1", "job.sql:1:15: expected AS before the query of the view, "
                                  "found 'SELECT'");
    ERR("CREATE VIEW v (a b) AS SELECT 1",
        "job.sql:1:18: expected ',' or ')' in view column list, found 'b'");
    ERR("CREATE VIEW IF EXISTS v AS SELECT 1",
        "job.sql:1:16: expected AS before the query of the view, found 'EXISTS'");
}

TEST(insert) {
    OK("INSERT INTO out SELECT * FROM t", "(insert out (select (items *) (from (table t))))");
    OK("insert overwrite db.out (a, b) select x, y from t",
       "(insert db.out overwrite (columns a b) (select (items x y) (from (table t))))");
    OK("INSERT INTO out (SELECT 1) UNION ALL (SELECT 2)",
       "(insert out (union-all (select (items 1)) (select (items 2))))");
    OK("INSERT INTO out WITH w AS (SELECT 1 AS a) SELECT a FROM w",
       "(insert out (query (with (w (select (items (as 1 a))))) (select (items a) (from (table "
       "w)))))");
    ERR("INSERT out SELECT 1", "job.sql:1:8: expected INTO or OVERWRITE after INSERT, found 'out'");
    ERR("INSERT INTO out VALUES (1, 2)", "job.sql:1:17: VALUES is not supported yet");
    ERR("INSERT INTO out (a, b SELECT 1",
        "job.sql:1:23: expected ',' or ')' in column list, found 'SELECT'");
    ERR("INSERT INTO out", "job.sql:1:16: expected a query (SELECT ...), found end of input");
    ERR("INSERT INTO out PARTITION (d='x') SELECT 1",
        "job.sql:1:17: INSERT ... PARTITION is not supported");
}

TEST(set_reset) {
    OK("SET", "(set)");
    OK("SET 'table.exec.mini-batch.enabled' = 'true'",
       "(set 'table.exec.mini-batch.enabled' 'true')");
    OK("SET execution.runtime-mode = streaming;\nSET 'pipeline.name' = my job #1;\n"
       "SET parallelism.default=4",
       "(set 'execution.runtime-mode' 'streaming')\n(set 'pipeline.name' 'my job #1')\n"
       "(set 'parallelism.default' '4')");
    OK("RESET; RESET 'a.b'; reset execution.runtime-mode",
       "(reset)\n(reset 'a.b')\n(reset 'execution.runtime-mode')");
    ERR("SET 'k'", "job.sql:1:8: expected '=' after the option key, found end of input");
    ERR("SET 'a' = 'b'\nSELECT 1", "job.sql:2:1: expected ';' or end of input, found 'SELECT'");
    ERR("SET 'a' x = 'b'", "job.sql:1:9: expected '=' after the option key, found 'x'");
    ERR("RESET 'a' 'b'", "job.sql:1:11: expected ';' or end of input, found ''b''");
    ERR("SET 'k' = ;", "job.sql:1:11: expected a value after '=', found ';'");
    ERR("SET = 'v'", "job.sql:1:5: expected an option key after SET, found '='");
    ERR("SET k = 'unterminated", "job.sql:1:9: unterminated string literal (missing ')");
}

TEST(explain_drop_show_describe) {
    OK("EXPLAIN SELECT 1", "(explain (select (items 1)))");
    OK("EXPLAIN PLAN FOR INSERT INTO o SELECT a FROM t",
       "(explain (insert o (select (items a) (from (table t)))))");
    OK("EXPLAIN STATEMENT SET BEGIN INSERT INTO o SELECT 1; END",
       "(explain (statement-set (insert o (select (items 1)))))");
    OK("DROP TABLE t; DROP TABLE IF EXISTS db.t; DROP TEMPORARY VIEW IF EXISTS v; DROP VIEW v",
       "(drop-table t)\n(drop-table db.t if-exists)\n(drop-view v temporary if-exists)\n"
       "(drop-view v)");
    OK("SHOW TABLES; DESCRIBE t; DESC `my t`", "(show-tables)\n(describe t)\n(describe `my t`)");
    ERR("EXPLAIN CREATE TABLE t (a INT)",
        "job.sql:1:9: expected INSERT, a query or STATEMENT SET after EXPLAIN, found 'CREATE'");
    ERR("EXPLAIN PLAN SELECT 1", "job.sql:1:14: expected FOR after EXPLAIN PLAN, found 'SELECT'");
    ERR("DROP t", "job.sql:1:6: expected TABLE or VIEW after DROP, found 't'");
    ERR("DROP TABLE IF EXISTS", "job.sql:1:21: expected a table name, found end of input");
    ERR("SHOW VIEWS", "job.sql:1:6: expected TABLES after SHOW, found 'VIEWS'");
    ERR("DESCRIBE", "job.sql:1:9: expected a table or view name, found end of input");
    ERR("USE CATALOG c",
        "job.sql:1:1: expected a statement (CREATE, INSERT, SELECT, SET, EXPLAIN, ...), "
        "found 'USE'");
}

TEST(statement_sets) {
    OK("EXECUTE STATEMENT SET BEGIN\n"
       "  INSERT INTO a SELECT x FROM t;\n"
       "  INSERT INTO b SELECT y FROM t;\n"
       "END;",
       "(statement-set (insert a (select (items x) (from (table t)))) "
       "(insert b (select (items y) (from (table t)))))");
    OK("BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\n;\nINSERT INTO b SELECT 2;\nEND;\n"
       "SELECT 3",
       "(statement-set (insert a (select (items 1))) (insert b (select (items 2))))\n"
       "(select (items 3))");
    OK("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1 END",
       "(statement-set (insert a (select (items 1))))");
    ERR("EXECUTE STATEMENT SET BEGIN SELECT 1; END",
        "job.sql:1:29: expected INSERT or END in the statement set, found 'SELECT'");
    ERR("BEGIN STATEMENT SET INSERT INTO a SELECT 1; END",
        "job.sql:1:21: expected ';' after BEGIN STATEMENT SET, found 'INSERT'");
    ERR("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b SELECT 2",
        "job.sql:1:75: expected ';' after the INSERT in the statement set, found end of input");
    ERR("EXECUTE SET BEGIN END", "job.sql:1:9: expected STATEMENT SET after EXECUTE, found 'SET'");
}

/* ---- SELECT ---- */

TEST(select_items) {
    OK("SELECT a, b AS c, d e, *, t.*, db.t.*, `x y`.z, t.`from`, t.value FROM t",
       "(select (items a (as b c) (as d e) * t.* db.t.* `x y`.z t.from t.value) "
       "(from (table t)))");
    OK("SELECT DISTINCT a FROM t", "(select distinct (items a) (from (table t)))");
    OK("SELECT ALL a FROM t", "(select (items a) (from (table t)))");
    OK("SELECT 1", "(select (items 1))");
    OK("SELECT a.b.c FROM t", "(select (items a.b.c) (from (table t)))");
    slscript *s = parse1("SELECT a.b.c, `p q`.r FROM t");
    const slselect *sel = s->stmts[0]->query->select;
    CHECK_STR(sel->items[0].e->qual, "a.b");
    CHECK_STR(sel->items[0].e->text, "c");
    CHECK_STR(sel->items[1].e->qual, "p q");
    CHECK_INT(sel->items[1].pos.col, 15);
    slscript_free(s);
    ERR("SELECT a, FROM t", "job.sql:1:11: expected an expression, found 'FROM'");
    ERR("SELECT FROM t", "job.sql:1:8: expected an expression, found 'FROM'");
    ERR("SELECT a AS FROM t", "job.sql:1:13: expected an alias after AS, found 'FROM'");
    ERR("SELECT t. FROM t", "job.sql:1:11: expected a column name or '*' after '.', found 'FROM'");
    ERR("SELECT a b c FROM t", "job.sql:1:12: expected ';' or end of input, found 'c'");
    ERR("SELECT a FROM t WHERE", "job.sql:1:22: expected an expression, found end of input");
    ERR("SELECT a FROM t GROUP a", "job.sql:1:23: expected BY after GROUP, found 'a'");
    ERR("SELECT a FROM t ORDER a", "job.sql:1:23: expected BY after ORDER, found 'a'");
}

TEST(select_clauses) {
    OK("SELECT a, COUNT(*) AS n FROM t WHERE b > 1 GROUP BY a HAVING COUNT(*) > 2",
       "(select (items a (as (COUNT *) n)) (from (table t)) (where (> b 1)) (group-by a) "
       "(having (> (COUNT *) 2)))");
    OK("SELECT a FROM t GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), a",
       "(select (items a) (from (table t)) (group-by (TUMBLE ts (interval 60000000)) a))");
    OK("SELECT a FROM t ORDER BY a, b DESC, c ASC NULLS FIRST, d NULLS LAST LIMIT 5",
       "(query (select (items a) (from (table t))) (order-by a (desc b) (asc c nulls-first) "
       "(asc d nulls-last)) (limit 5))");
    OK("SELECT a FROM t LIMIT 10", "(query (select (items a) (from (table t))) (limit 10))");
    ERR("SELECT a FROM t ORDER BY a NULLS", "job.sql:1:33: expected FIRST or LAST after NULLS, "
                                            "found end of input");
    ERR("SELECT a FROM t LIMIT", "job.sql:1:22: expected an expression, found end of input");
    ERR("SELECT a FROM t HAVING", "job.sql:1:23: expected an expression, found end of input");
    ERR("SELECT a FROM t LIMIT 1 OFFSET 2",
        "job.sql:1:25: expected ';' or end of input, found 'OFFSET'");
}

TEST(keywords_as_identifiers) {
    OK("SELECT count, window_start, window_end, window_time, rank, data, size, name, type, "
       "comment, `value`, user, value, timestamp, date, key, partition, rows FROM t",
       "(select (items count window_start window_end window_time rank data size name type "
       "comment value user value timestamp date key partition rows) (from (table t)))");
    OK("SELECT count(*) count FROM data size", "(select (items (as (COUNT *) count)) "
                                               "(from (table data as size)))");
    OK("SELECT `select`, `from` FROM `table`", "(select (items select from) (from (table table)))");
    ERR("SELECT from FROM t", "job.sql:1:8: expected an expression, found 'from'");
    ERR("SELECT a FROM table", "job.sql:1:15: expected a table name, found 'table'");
    ERR("SELECT a FROM order", "job.sql:1:15: expected a table name, found 'order'");
}

/* ---- FROM ---- */

TEST(from_tables_and_joins) {
    OK("SELECT * FROM a x, b AS y, cat.db.c",
       "(select (items *) (from (join cross (join cross (table a as x) (table b as y)) "
       "(table cat.db.c))))");
    OK("SELECT * FROM a JOIN b ON a.k = b.k INNER JOIN c USING (k, j) LEFT JOIN d ON TRUE "
       "LEFT OUTER JOIN e ON TRUE RIGHT JOIN f ON TRUE RIGHT OUTER JOIN g ON TRUE "
       "FULL JOIN h ON TRUE FULL OUTER JOIN i ON TRUE CROSS JOIN j",
       "(select (items *) (from (join cross (join full (join full (join right (join right "
       "(join left (join left (join inner (join inner (table a) (table b) (on (= a.k b.k))) "
       "(table c) (using k j)) (table d) (on TRUE)) (table e) (on TRUE)) (table f) (on TRUE)) "
       "(table g) (on TRUE)) (table h) (on TRUE)) (table i) (on TRUE)) (table j))))");
    OK("SELECT * FROM (a JOIN b ON x) JOIN (c CROSS JOIN d) ON y",
       "(select (items *) (from (join inner (join inner (table a) (table b) (on x)) "
       "(join cross (table c) (table d)) (on y))))");
    OK("SELECT o.id, r.rate FROM orders AS o\n"
       "  JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
       "(select (items o.id r.rate) (from (join inner (table orders as o) "
       "(table rates (for-system-time o.ts) as r) (on (= o.cur r.cur)))))");
    OK("SELECT * FROM r FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01 00:00:00'",
       "(select (items *) (from (table r (for-system-time (timestamp '2024-01-01 00:00:00')))))");
    OK("SELECT s.x FROM (SELECT a AS x FROM t) s, (SELECT 1) AS u, ((SELECT 2)) v",
       "(select (items s.x) (from (join cross (join cross (subquery (select (items (as a x)) "
       "(from (table t))) as s) (subquery (select (items 1)) as u)) (subquery (select (items 2)) "
       "as v))))");
    ERR("SELECT * FROM a JOIN b", "job.sql:1:23: expected ON or USING after the joined table, "
                                  "found end of input");
    ERR("SELECT * FROM a JOIN b WHERE x",
        "job.sql:1:24: expected ON or USING after the joined table, found 'WHERE'");
    ERR("SELECT * FROM a LEFT b ON x", "job.sql:1:22: expected [OUTER] JOIN, found 'b'");
    ERR("SELECT * FROM a CROSS b", "job.sql:1:23: expected JOIN, found 'b'");
    ERR("SELECT * FROM a NATURAL JOIN b", "job.sql:1:17: NATURAL JOIN is not supported");
    ERR("SELECT * FROM a JOIN b USING k", "job.sql:1:30: expected '(' to start the USING list, "
                                          "found 'k'");
    ERR("SELECT * FROM a, LATERAL TABLE(f(x))", "job.sql:1:18: LATERAL TABLE is not supported yet");
    ERR("SELECT * FROM a CROSS JOIN UNNEST(a.arr)", "job.sql:1:28: UNNEST is not supported yet");
    ERR("SELECT * FROM (SELECT 1",
        "job.sql:1:24: expected ')' after the subquery, found end of input");
    ERR("SELECT * FROM (a JOIN b ON x", "job.sql:1:29: expected ')' after the joined tables, "
                                        "found end of input");
    ERR("SELECT * FROM r FOR SYSTEM_TIME OF x",
        "job.sql:1:33: expected AS OF after FOR SYSTEM_TIME, found 'OF'");
    ERR("SELECT * FROM r FOR x", "job.sql:1:21: expected SYSTEM_TIME after FOR, found 'x'");
}

TEST(match_recognize) {
    OK("SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY a ORDER BY ts MEASURES FIRST(A.x) AS f "
       "ONE ROW PER MATCH AFTER MATCH SKIP TO LAST B PATTERN (A B+? (C | D){2,} E* F? G{,3}) "
       "WITHIN INTERVAL '1' SECOND DEFINE A AS x > PREV(x, 2), B AS B.x < LAST(A.x)) AS m",
       "(select (items *) (from (match (table t) (partition a) (order ts) (measures ((FIRST A.x) f)) "
       "(skip to-last B) (pattern (seq A (repeat 1 -1 reluctant B) (repeat 2 -1 (alt C D)) "
       "(repeat 0 -1 E) (repeat 0 1 F) (repeat 0 3 G))) (within (interval 1000000)) "
       "(define (A (> x (PREV x 2))) (B (< B.x (LAST A.x)))) as m)))");
    OK("SELECT * FROM t AS x MATCH_RECOGNIZE (ORDER BY ts AFTER MATCH SKIP TO NEXT ROW "
       "PATTERN (START) DEFINE START AS TRUE)",
       "(select (items *) (from (match (table t as x) (order ts) (skip to-next-row) (pattern START) "
       "(define (START TRUE)))))");
    OK("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts AFTER MATCH SKIP PAST LAST ROW "
       "PATTERN (A) DEFINE A AS TRUE) m, u",
       "(select (items *) (from (join cross (match (table t) (order ts) (skip past-last-row) "
       "(pattern A) (define (A TRUE)) as m) (table u))))");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY a)",
        "job.sql:1:48: expected PATTERN, found ')'");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts ALL ROWS PER MATCH PATTERN (A) DEFINE A AS "
        "TRUE)",
        "job.sql:1:46: ALL ROWS PER MATCH is not supported (use ONE ROW PER MATCH)");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (A B** C) DEFINE A AS TRUE)",
        "job.sql:1:59: two quantifiers in a row; put the first in parentheses");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN () DEFINE A AS TRUE)",
        "job.sql:1:55: an empty pattern () is not supported");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (A {- B -}) DEFINE A AS TRUE)",
        "job.sql:1:57: pattern exclusion {- ... -} is not supported");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (PERMUTE(A, B)) DEFINE A AS TRUE)",
        "job.sql:1:55: PERMUTE is not supported");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (^A) DEFINE A AS TRUE)",
        "job.sql:1:55: pattern anchors ^ and $ are not supported");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (A{2,1}) DEFINE A AS TRUE)",
        "job.sql:1:56: bad quantifier {2,1}: the maximum is below the minimum");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (A) SUBSET U = (A) DEFINE A AS TRUE)",
        "job.sql:1:58: SUBSET is not supported");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.x PATTERN (A) DEFINE A AS TRUE)",
        "job.sql:1:59: expected AS name after a measure, found 'PATTERN'");
    ERR("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts PATTERN (A) DEFINE A AS TRUE",
        "job.sql:1:74: expected ')' closing MATCH_RECOGNIZE, found end of input");
}

/* ---- window table functions ---- */

TEST(tvf_tumble) {
    OK("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' MINUTES))",
       "(select (items *) (from (tvf TUMBLE (table t) (descriptor ts) (interval 600000000))))");
    OK("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' DAY, "
       "INTERVAL '8' HOUR)) AS w",
       "(select (items *) (from (tvf TUMBLE (table t) (descriptor ts) (interval 86400000000) "
       "(interval 28800000000) as w)))");
    OK("SELECT * FROM TABLE(TUMBLE(DATA => TABLE db.t, TIMECOL => DESCRIPTOR(ts), "
       "SIZE => INTERVAL '5' SECOND))",
       "(select (items *) (from (tvf TUMBLE (table db.t) (descriptor ts) (interval 5000000))))");
    /* Named arguments in any order land in Flink's positional order. */
    OK("SELECT * FROM TABLE(TUMBLE(offset => INTERVAL '1' SECOND, size => INTERVAL '5' SECOND, "
       "timecol => DESCRIPTOR(ts), data => TABLE t))",
       "(select (items *) (from (tvf TUMBLE (table t) (descriptor ts) (interval 5000000) "
       "(interval 1000000))))");
    OK("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), SIZE => INTERVAL '5' SECOND))",
       "(select (items *) (from (tvf TUMBLE (table t) (descriptor ts) (interval 5000000))))");
    OK("SELECT * FROM TABLE(TUMBLE(TABLE (SELECT a, ts FROM t WHERE a > 0), DESCRIPTOR(ts), "
       "INTERVAL '1' MINUTE)) w JOIN u ON w.a = u.a",
       "(select (items *) (from (join inner (tvf TUMBLE (subquery (select (items a ts) "
       "(from (table t)) (where (> a 0)))) (descriptor ts) (interval 60000000) as w) (table u) "
       "(on (= w.a u.a)))))");
    OK("SELECT * FROM TABLE(TUMBLE((SELECT * FROM t), DESCRIPTOR(`ts x`), 5))",
       "(select (items *) (from (tvf TUMBLE (subquery (select (items *) (from (table t)))) "
       "(descriptor `ts x`) 5)))");
    slscript *s = parse1("SELECT *\nFROM TABLE(\n  TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' "
                         "MINUTE))");
    const slfrom *w = s->stmts[0]->query->select->from;
    CHECK_INT(w->kind, SLFROM_WINDOW);
    CHECK_INT(w->pos.line, 2);
    CHECK_INT(w->pos.col, 6);
    CHECK_INT(w->time_col_pos.line, 3);
    CHECK_INT(w->time_col_pos.col, 30);
    CHECK_INT(w->input->pos.col, 10);
    slscript_free(s);
}

TEST(tvf_hop_cumulate_session) {
    OK("SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE, "
       "INTERVAL '10' MINUTE))",
       "(select (items *) (from (tvf HOP (table t) (descriptor ts) (interval 300000000) "
       "(interval 600000000))))");
    OK("SELECT * FROM TABLE(HOP(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), "
       "SIZE => INTERVAL '10' MINUTE, SLIDE => INTERVAL '5' MINUTE, OFFSET => INTERVAL '1' "
       "MINUTE))",
       "(select (items *) (from (tvf HOP (table t) (descriptor ts) (interval 300000000) "
       "(interval 600000000) (interval 60000000))))");
    OK("SELECT * FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '2' MINUTES, "
       "INTERVAL '10' MINUTES))",
       "(select (items *) (from (tvf CUMULATE (table t) (descriptor ts) (interval 120000000) "
       "(interval 600000000))))");
    OK("SELECT * FROM TABLE(CUMULATE(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), "
       "SIZE => INTERVAL '1' HOUR, STEP => INTERVAL '10' MINUTE))",
       "(select (items *) (from (tvf CUMULATE (table t) (descriptor ts) (interval 600000000) "
       "(interval 3600000000))))");
    OK("SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), "
       "INTERVAL '5' MINUTES))",
       "(select (items *) (from (tvf SESSION (table t) (descriptor ts) (interval 300000000) "
       "(partition k))))");
    OK("SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (k, t.j), DESCRIPTOR(ts), "
       "INTERVAL '5' MINUTES))",
       "(select (items *) (from (tvf SESSION (table t) (descriptor ts) (interval 300000000) "
       "(partition k t.j))))");
    OK("SELECT * FROM TABLE(SESSION(DATA => TABLE t PARTITION BY k, "
       "TIMECOL => DESCRIPTOR(ts), GAP => INTERVAL '30' SECOND))",
       "(select (items *) (from (tvf SESSION (table t) (descriptor ts) (interval 30000000) "
       "(partition k))))");
    OK("SELECT * FROM TABLE(SESSION(TABLE t, DESCRIPTOR(ts), INTERVAL '1' HOUR))",
       "(select (items *) (from (tvf SESSION (table t) (descriptor ts) (interval 3600000000))))");
}

TEST(tvf_errors) {
    ERR("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts)))",
        "job.sql:1:51: expected ',' and window size, found ')'");
    ERR("SELECT * FROM TABLE(TUMBLE())", "job.sql:1:28: expected table argument, found ')'");
    ERR("SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
        "job.sql:1:69: expected ',' and window size, found ')'");
    ERR("SELECT * FROM TABLE(HOP(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), "
        "SIZE => INTERVAL '1' MINUTE))",
        "job.sql:1:96: expected ',' and window slide, found ')'");
    ERR("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE, "
        "INTERVAL '1' SECOND, 5))",
        "job.sql:1:93: expected ')' after window offset, found ','");
    ERR("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE",
        "job.sql:1:72: expected ',' or ')' after window size, found end of input");
    ERR("SELECT window_start, COUNT(*)\nFROM TABLE(SESSION(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '5' MINUTE\nGROUP BY window_start",
        "job.sql:3:1: expected ')' after session gap, found 'GROUP'");
    ERR("SELECT 1 FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' MINUTE) GROUP BY a",
        "job.sql:1:74: expected ')' after TUMBLE(...), found 'GROUP'");
    ERR("SELECT * FROM TABLE(TUMBLE(t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
        "job.sql:1:28: expected TABLE and a table name, found 't'");
    ERR("SELECT * FROM TABLE(TUMBLE(TABLE t, ts, INTERVAL '1' MINUTE))",
        "job.sql:1:37: expected DESCRIPTOR(time column), found 'ts'");
    ERR("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts, x), INTERVAL '1' MINUTE))",
        "job.sql:1:50: expected ')' after the time column, found ','");
    ERR("SELECT * FROM TABLE(TUMBLE(TABLE t DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
        "job.sql:1:36: expected ',' or ')' after table argument, found 'DESCRIPTOR'");
    ERR("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ))",
        "job.sql:1:53: expected window size, found ')'");
    ERR("SELECT * FROM TABLE(FOO(TABLE t))",
        "job.sql:1:21: expected a window function (TUMBLE, HOP, CUMULATE or SESSION), found 'FOO'");
    ERR("SELECT * FROM TABLE(TUMBLE TABLE t)", "job.sql:1:28: expected '(' after TUMBLE, found "
                                               "'TABLE'");
    ERR("SELECT * FROM TABLE(HOP(DATA => TABLE t, FOO => 1))",
        "job.sql:1:42: expected an argument name of HOP (DATA, TIMECOL, SLIDE, SIZE or OFFSET), "
        "found 'FOO'");
    ERR("SELECT * FROM TABLE(SESSION(TABLE t, DESCRIPTOR(ts), SIZE => INTERVAL '1' HOUR))",
        "job.sql:1:54: expected an argument name of SESSION (DATA, TIMECOL or GAP), found 'SIZE'");
    ERR("SELECT * FROM TABLE(HOP(DATA => TABLE t, SIZE => 1, SIZE => 2))",
        "job.sql:1:53: argument SIZE of HOP is given twice");
    ERR("SELECT * FROM TABLE(HOP(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), 1, 2))",
        "job.sql:1:69: expected a named argument (NAME => value) after named ones, found '1'");
    ERR("SELECT * FROM TABLE(SESSION(TABLE t PARTITION k, DESCRIPTOR(ts), INTERVAL '1' HOUR))",
        "job.sql:1:47: expected BY after PARTITION, found 'k'");
}

/* ---- expressions ---- */

TEST(precedence) {
    OK("SELECT a OR b AND c", "(select (items (OR a (AND b c))))");
    OK("SELECT a AND b OR c", "(select (items (OR (AND a b) c)))");
    OK("SELECT NOT a AND b", "(select (items (AND (NOT a) b)))");
    OK("SELECT NOT a = b", "(select (items (NOT (= a b))))");
    OK("SELECT NOT NOT a", "(select (items (NOT (NOT a))))");
    OK("SELECT a = b + c * d", "(select (items (= a (+ b (* c d)))))");
    OK("SELECT a + b - c", "(select (items (- (+ a b) c)))");
    OK("SELECT a - (b - c)", "(select (items (- a (- b c))))");
    OK("SELECT a * b / c % d", "(select (items (% (/ (* a b) c) d)))");
    OK("SELECT a || b + c", "(select (items (+ (|| a b) c)))");
    OK("SELECT -a * b", "(select (items (* (- a) b)))");
    OK("SELECT - - a, +a, -(1), -2 * 3", "(select (items (- (- a)) (+ a) (- 1) (* -2 3)))");
    OK("SELECT a - -1", "(select (items (- a -1)))");
    OK("SELECT a < b = c", "(select (items (= (< a b) c)))");
    OK("SELECT a + 1 BETWEEN b AND c + 1 AND d",
       "(select (items (AND (BETWEEN (+ a 1) b (+ c 1)) d)))");
    OK("SELECT a = 1 IS NOT NULL", "(select (items (IS NOT NULL (= a 1))))");
    OK("SELECT NOT a IN (1) OR b LIKE 'x' AND c",
       "(select (items (OR (NOT (IN a 1)) (AND (LIKE b 'x') c))))");
    slscript *s = parse1("SELECT (a + b) * c");
    const slx *e = s->stmts[0]->query->select->items[0].e;
    CHECK_INT(e->kind, SLX_BINARY);
    CHECK_INT(e->op, SLOP_MUL);
    CHECK(e->kids[0]->flags & SLX_F_PAREN);
    CHECK(!(e->kids[1]->flags & SLX_F_PAREN));
    CHECK_INT(e->pos.col, 8);
    CHECK_INT(e->kids[0]->pos.col, 8);
    CHECK_INT(e->kids[0]->kids[0]->pos.col, 9);
    slscript_free(s);
    ERR("SELECT 1 + * 2", "job.sql:1:12: expected an expression, found '*'");
    ERR("SELECT (1", "job.sql:1:10: expected ')' to close '(', found end of input");
    ERR("SELECT a = NOT b", "job.sql:1:12: expected an expression, found 'NOT'");
    ERR("SELECT a AND", "job.sql:1:13: expected an expression, found end of input");
    ERR("SELECT a NOT b", "job.sql:1:10: expected ';' or end of input, found 'NOT'");
}

TEST(literals) {
    OK("SELECT TRUE, false, NULL, 'x', 42, 4.25", "(select (items TRUE FALSE NULL 'x' 42 4.25))");
    OK("SELECT TIMESTAMP '2024-01-01 10:00:00', TIMESTAMP '2024-03-01 10:00:01.5', "
       "TIMESTAMP '1970-01-01'",
       "(select (items (timestamp '2024-01-01 10:00:00') (timestamp '2024-03-01 10:00:01.500') "
       "(timestamp '1970-01-01 00:00:00')))");
    slscript *s = parse1("SELECT TIMESTAMP '1970-01-01 00:00:01.25', 'a''b'");
    const slselect *sel = s->stmts[0]->query->select;
    CHECK_INT(sel->items[0].e->kind, SLX_TIMESTAMP);
    CHECK_INT(sel->items[0].e->i, 1250000);
    CHECK_STR(sel->items[1].e->text, "a'b");
    CHECK_INT(sel->items[1].e->len, 3);
    slscript_free(s);
    ERR("SELECT TIMESTAMP '2024-13-01 00:00:00'",
        "job.sql:1:18: bad TIMESTAMP '2024-13-01 00:00:00': expected 'YYYY-MM-DD "
        "HH:MM:SS[.ffffff]' with a valid date and time");
    ERR("SELECT TIMESTAMP 'yesterday'", "job.sql:1:18: bad TIMESTAMP 'yesterday': expected "
                                        "'YYYY-MM-DD HH:MM:SS[.ffffff]' with a valid date and "
                                        "time");
    ERR("SELECT DATE '2020-01-01'", "job.sql:1:8: DATE literals are not supported (use "
                                    "TIMESTAMP '...')");
    ERR("SELECT TIME '10:00:00'", "job.sql:1:8: TIME literals are not supported (use "
                                  "TIMESTAMP '...')");
}

TEST(intervals) {
    OK("SELECT INTERVAL '5' SECOND, INTERVAL '5' SECONDS, INTERVAL '2' MINUTE, "
       "INTERVAL '2' MINUTES, INTERVAL '3' HOUR, INTERVAL '3' HOURS, INTERVAL '1' DAY, "
       "INTERVAL '2' DAYS",
       "(select (items (interval 5000000) (interval 5000000) (interval 120000000) "
       "(interval 120000000) (interval 10800000000) (interval 10800000000) "
       "(interval 86400000000) (interval 172800000000)))");
    OK("SELECT INTERVAL '250' MILLISECOND, INTERVAL '7' MICROSECOND, INTERVAL '1.5' SECOND, "
       "INTERVAL '0.000001' SECOND, INTERVAL '10' SECOND(3), INTERVAL 5 SECOND, "
       "INTERVAL '1' WEEK",
       "(select (items (interval 250000) (interval 7) (interval 1500000) (interval 1) "
       "(interval 10000000) (interval 5000000) (interval 604800000000)))");
    OK("SELECT INTERVAL '2' YEAR, INTERVAL '3' MONTH, INTERVAL '1-2' YEAR TO MONTH",
       "(select (items (interval-months 24) (interval-months 3) (interval-months 14)))");
    OK("SELECT INTERVAL '1:30' MINUTE TO SECOND, INTERVAL '1 12:00' DAY TO MINUTE, "
       "INTERVAL '1 2' DAY TO HOUR, INTERVAL '1 01:02:03.5' DAY(2) TO SECOND(3), "
       "INTERVAL '12:30' HOUR TO MINUTE, INTERVAL '1:00:01' HOUR TO SECOND",
       "(select (items (interval 90000000) (interval 129600000000) (interval 93600000000) "
       "(interval 90123500000) (interval 45000000000) (interval 3601000000)))");
    OK("SELECT INTERVAL '-5' SECOND, INTERVAL -'5' SECOND, INTERVAL - '-5' SECOND, "
       "INTERVAL ' 5 ' SECOND",
       "(select (items (interval -5000000) (interval -5000000) (interval 5000000) "
       "(interval 5000000)))");
    ERR("SELECT INTERVAL '1:70' MINUTE TO SECOND",
        "job.sql:1:17: bad INTERVAL '1:70' MINUTE TO SECOND: seconds must be below 60");
    ERR("SELECT INTERVAL '1 25:00' DAY TO MINUTE",
        "job.sql:1:17: bad INTERVAL '1 25:00' DAY TO MINUTE: hours must be below 24");
    ERR("SELECT INTERVAL '1:60' HOUR TO MINUTE",
        "job.sql:1:17: bad INTERVAL '1:60' HOUR TO MINUTE: minutes must be below 60");
    ERR("SELECT INTERVAL '1-12' YEAR TO MONTH",
        "job.sql:1:17: bad INTERVAL '1-12' YEAR TO MONTH: months must be below 12");
    ERR("SELECT INTERVAL '1:30' MINUTE",
        "job.sql:1:17: bad INTERVAL '1:30' MINUTE: expected the form 'N'");
    ERR("SELECT INTERVAL 'x' SECOND",
        "job.sql:1:17: bad INTERVAL 'x' SECOND: expected the form 'N' or 'N.FFF'");
    ERR("SELECT INTERVAL '1.5' MINUTE",
        "job.sql:1:17: bad INTERVAL '1.5' MINUTE: expected the form 'N'");
    ERR("SELECT INTERVAL '1 2' DAY TO SECOND",
        "job.sql:1:17: bad INTERVAL '1 2' DAY TO SECOND: expected the form 'D H:M:S'");
    ERR("SELECT INTERVAL '99999999999999999999' SECOND",
        "job.sql:1:17: bad INTERVAL '99999999999999999999' SECOND: the value is too large");
    ERR("SELECT INTERVAL '9999999999999' DAY",
        "job.sql:1:17: bad INTERVAL '9999999999999' DAY: the value is too large");
    ERR("SELECT INTERVAL '5'", "job.sql:1:20: expected an interval unit such as SECOND, MINUTE, "
                               "HOUR or DAY, found end of input");
    ERR("SELECT INTERVAL '5' FOO", "job.sql:1:21: expected an interval unit such as SECOND, "
                                   "MINUTE, HOUR or DAY, found 'FOO'");
    ERR("SELECT INTERVAL 5.5 SECOND", "job.sql:1:17: expected a quoted value such as '5' after "
                                      "INTERVAL, found '5.5'");
    ERR("SELECT INTERVAL '5' MONTH TO SECOND",
        "job.sql:1:30: expected a smaller unit after TO, found 'SECOND'");
    ERR("SELECT INTERVAL '5' SECOND(x)", "job.sql:1:28: expected a precision number, found 'x'");
}

TEST(function_calls) {
    OK("SELECT f(), g(a), h(a, b + 1), COUNT(*), COUNT(DISTINCT a), SUM(ALL a), "
       "`my fn`(x), LEFT(s, 2), RIGHT(s, 1), IF(a, 1, 2), db_f(t.*)",
       "(select (items (F) (G a) (H a (+ b 1)) (COUNT *) (COUNT distinct a) (SUM a) "
       "(`MY FN` x) (LEFT s 2) (RIGHT s 1) (IF a 1 2) (DB_F t.*)))");
    OK("SELECT CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_DATE, CURRENT_TIME, LOCALTIME, "
       "CURRENT_TIMESTAMP(), PROCTIME(), CURRENT_ROW_TIMESTAMP()",
       "(select (items (CURRENT_TIMESTAMP) (LOCALTIMESTAMP) (CURRENT_DATE) (CURRENT_TIME) "
       "(LOCALTIME) (CURRENT_TIMESTAMP) (PROCTIME) (CURRENT_ROW_TIMESTAMP)))");
    OK("SELECT EXTRACT(YEAR FROM ts), extract(hour from ts), FLOOR(ts TO HOUR), "
       "CEIL(ts TO minute), CEILING(ts TO DAY), FLOOR(x), CEIL(x), CEILING(x)",
       "(select (items (EXTRACT 'YEAR' ts) (EXTRACT 'HOUR' ts) (FLOOR ts 'HOUR') "
       "(CEIL ts 'MINUTE') (CEIL ts 'DAY') (FLOOR x) (CEIL x) (CEILING x)))");
    OK("SELECT POSITION('a' IN s), POSITION(x, y), SUBSTRING(s FROM 2), "
       "SUBSTRING(s FROM 2 FOR 3), SUBSTRING(s, 1, 2)",
       "(select (items (POSITION 'a' s) (POSITION x y) (SUBSTRING s 2) (SUBSTRING s 2 3) "
       "(SUBSTRING s 1 2)))");
    OK("SELECT TRIM(s), TRIM(BOTH FROM s), TRIM(BOTH 'x' FROM s), TRIM(LEADING FROM s), "
       "TRIM(TRAILING 'y' FROM s), TRIM('z' FROM s), TRIM(s, 'q')",
       "(select (items (TRIM s) (TRIM s) (TRIM s 'x') (LTRIM s) (RTRIM s 'y') (TRIM s 'z') "
       "(TRIM s 'q')))");
    OK("SELECT TIMESTAMPADD(MINUTE, 5, ts), TIMESTAMPDIFF(HOUR, a, b), "
       "TIMESTAMPADD(unit_col + 1, 2, 3)",
       "(select (items (TIMESTAMPADD 'MINUTE' 5 ts) (TIMESTAMPDIFF 'HOUR' a b) "
       "(TIMESTAMPADD (+ unit_col 1) 2 3)))");
    slscript *s = parse1("SELECT EXTRACT(DAY FROM ts)");
    const slx *e = s->stmts[0]->query->select->items[0].e;
    CHECK_INT(e->kids[0]->kind, SLX_STRING);
    CHECK_STR(e->kids[0]->text, "DAY");
    CHECK_INT(e->kids[0]->len, 3);
    slscript_free(s);
    ERR("SELECT f(a b)", "job.sql:1:12: expected ',' or ')' in the arguments of F, found 'b'");
    ERR("SELECT f(a,)", "job.sql:1:12: expected an expression, found ')'");
    ERR("SELECT EXTRACT(YEAR ts)", "job.sql:1:21: expected FROM in EXTRACT(unit FROM value), "
                                   "found 'ts'");
    ERR("SELECT EXTRACT('YEAR' FROM ts)",
        "job.sql:1:16: expected a time unit such as YEAR, DAY or HOUR, found ''YEAR''");
    ERR("SELECT FLOOR(ts TO 1)",
        "job.sql:1:20: expected a time unit such as YEAR, DAY or HOUR, found '1'");
    ERR("SELECT TRIM(LEADING s)", "job.sql:1:22: expected FROM in TRIM, found ')'");
    ERR("SELECT SUBSTRING(s FROM 1 TO 2)",
        "job.sql:1:27: expected FOR or ')' in SUBSTRING(s FROM a FOR b), found 'TO'");
    ERR("SELECT COUNT(DISTINCT)", "job.sql:1:22: expected an expression, found ')'");
    /* FILTER (WHERE c): the argument becomes CASE WHEN c THEN x END (COUNT(*): 1);
     * FILTER without '(' is an alias */
    OK("SELECT COUNT(*) FILTER (WHERE a > 1), COUNT(DISTINCT b) filter (where c), "
       "SUM(x) FILTER (WHERE y IS NULL), COUNT(*) filter",
       "(select (items (COUNT (case (when (> a 1) 1))) (COUNT distinct (case (when c b))) "
       "(SUM (case (when (IS NULL y) x))) (as (COUNT *) filter)))");
    ERR("SELECT COUNT(*) FILTER (a > 1)",
        "job.sql:1:25: expected WHERE after FILTER (, found 'a'");
    ERR("SELECT COUNT(*) FILTER (WHERE a > 1",
        "job.sql:1:36: expected ')' to close FILTER (WHERE ..., found end of input");
    ERR("SELECT LAST_VALUE(a) FILTER (WHERE b)",
        "job.sql:1:22: FILTER (WHERE ...) is supported on COUNT, SUM, MIN, MAX, AVG and STDDEV "
        "of one argument, not on LAST_VALUE");
    ERR("SELECT SUM(a, b) FILTER (WHERE b)",
        "job.sql:1:18: FILTER (WHERE ...) is supported on COUNT, SUM, MIN, MAX, AVG and STDDEV "
        "of one argument, not on SUM");
}

TEST(case_and_cast) {
    OK("SELECT CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END",
       "(select (items (case (when (> a 1) 'big') (when (> a 0) 'small') (else 'none'))))");
    OK("SELECT CASE a WHEN 1 THEN 'one' END, CASE a + 1 WHEN 2 THEN x ELSE y END",
       "(select (items (case a (when 1 'one')) (case (+ a 1) (when 2 x) (else y))))");
    OK("SELECT CAST(a AS BIGINT), CAST(b AS DECIMAL(10, 2)), TRY_CAST(c AS INT), "
       "CAST(d AS TIMESTAMP(3)), CAST(e AS DATE)",
       "(select (items (cast a BIGINT) (cast b DECIMAL(10, 2):DOUBLE) (try-cast c INT:BIGINT) "
       "(cast d TIMESTAMP(3):TIMESTAMP) (cast e DATE:?)))");
    OK("SELECT try_cast FROM t", "(select (items try_cast) (from (table t)))");
    ERR("SELECT cast FROM t", "job.sql:1:8: expected an expression, found 'cast'");
    ERR("SELECT CASE END", "job.sql:1:13: expected WHEN in CASE, found 'END'");
    ERR("SELECT CASE WHEN a 1 END", "job.sql:1:20: expected THEN after the WHEN condition, "
                                    "found '1'");
    ERR("SELECT CASE WHEN a THEN 1", "job.sql:1:26: expected WHEN, ELSE or END in CASE, found "
                                     "end of input");
    ERR("SELECT CASE WHEN a THEN 1 ELSE 2", "job.sql:1:33: expected END to close CASE, found "
                                            "end of input");
    ERR("SELECT CAST(a BIGINT)", "job.sql:1:15: expected AS in CAST(value AS type), found "
                                 "'BIGINT'");
    ERR("SELECT CAST(a AS BIGINT", "job.sql:1:24: expected ')' after the type of CAST, found "
                                   "end of input");
}

TEST(predicates) {
    OK("SELECT a IS NULL, a IS NOT NULL, a IS TRUE, a IS NOT TRUE, a IS FALSE, "
       "a IS NOT FALSE, a IS UNKNOWN, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b + 1",
       "(select (items (IS NULL a) (IS NOT NULL a) (IS TRUE a) (IS NOT TRUE a) (IS FALSE a) "
       "(IS NOT FALSE a) (IS NULL a) (IS DISTINCT FROM a b) (IS NOT DISTINCT FROM a (+ b 1))))");
    OK("SELECT a IN (1, 2), a NOT IN ('x'), a IN (SELECT b FROM u), a NOT IN (WITH w AS "
       "(SELECT 1 AS c) SELECT c FROM w)",
       "(select (items (IN a 1 2) (NOT IN a 'x') (IN a (subquery (select (items b) "
       "(from (table u))))) (NOT IN a (subquery (query (with (w (select (items (as 1 c))))) "
       "(select (items c) (from (table w))))))))");
    OK("SELECT a BETWEEN 1 AND 2, a NOT BETWEEN 1 AND 2, a BETWEEN SYMMETRIC 2 AND 1, "
       "a BETWEEN ASYMMETRIC 1 AND 2, a NOT BETWEEN SYMMETRIC 1 AND 2",
       "(select (items (BETWEEN a 1 2) (NOT BETWEEN a 1 2) (BETWEEN SYMMETRIC a 2 1) "
       "(BETWEEN a 1 2) (NOT BETWEEN SYMMETRIC a 1 2)))");
    OK("SELECT a LIKE 'x%', a NOT LIKE 'y', a LIKE 'a!%' ESCAPE '!', a SIMILAR TO 'b', "
       "a NOT SIMILAR TO 'c' ESCAPE '\\'",
       "(select (items (LIKE a 'x%') (NOT LIKE a 'y') (LIKE a 'a!%' '!') (SIMILAR TO a 'b') "
       "(NOT SIMILAR TO a 'c' '\\')))");
    OK("SELECT EXISTS (SELECT 1 FROM u WHERE u.k = t.k), NOT EXISTS (SELECT 2) FROM t",
       "(select (items (EXISTS (subquery (select (items 1) (from (table u)) "
       "(where (= u.k t.k))))) (NOT (EXISTS (subquery (select (items 2)))))) (from (table t)))");
    OK("SELECT (SELECT MAX(x) FROM u) + 1, a = (SELECT 1)",
       "(select (items (+ (subquery (select (items (MAX x)) (from (table u)))) 1) "
       "(= a (subquery (select (items 1))))))");
    ERR("SELECT a IS b", "job.sql:1:13: expected NULL, TRUE, FALSE or DISTINCT FROM after IS, "
                         "found 'b'");
    ERR("SELECT a IS NOT 1", "job.sql:1:17: expected NULL, TRUE, FALSE or DISTINCT FROM after "
                             "IS NOT, found '1'");
    ERR("SELECT a IS DISTINCT b", "job.sql:1:22: expected FROM after IS DISTINCT, found 'b'");
    ERR("SELECT a IN 1", "job.sql:1:13: expected '(' after IN, found '1'");
    ERR("SELECT a IN (1 2)", "job.sql:1:16: expected ',' or ')' in the IN list, found '2'");
    ERR("SELECT a IN (SELECT 1", "job.sql:1:22: expected ')' after the subquery of IN, found "
                                 "end of input");
    ERR("SELECT a BETWEEN 1 OR 2", "job.sql:1:20: expected AND between the bounds of BETWEEN, "
                                   "found 'OR'");
    ERR("SELECT a SIMILAR 'x'", "job.sql:1:18: expected TO after SIMILAR, found ''x''");
    ERR("SELECT EXISTS 1", "job.sql:1:15: expected '(' after EXISTS, found '1'");
    ERR("SELECT EXISTS (1)", "job.sql:1:16: expected a subquery after EXISTS (, found '1'");
    ERR("SELECT (SELECT 1", "job.sql:1:17: expected ')' after the subquery, found end of input");
}

TEST(over_windows) {
    OK("SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY ts DESC) AS rn FROM t",
       "(select (items (as (ROW_NUMBER (over (partition a) (order (desc ts)))) rn)) "
       "(from (table t)))");
    OK("SELECT SUM(x) OVER (), SUM(x) OVER (PARTITION BY a, b), "
       "SUM(x) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), "
       "SUM(x) OVER (ORDER BY ts ROWS 5 PRECEDING), "
       "SUM(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW), "
       "SUM(x) OVER (ORDER BY ts RANGE UNBOUNDED PRECEDING), "
       "SUM(x) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND CURRENT ROW) FROM t",
       "(select (items (SUM x (over)) (SUM x (over (partition a b))) "
       "(SUM x (over (order ts) (rows unbounded))) (SUM x (over (order ts) (rows 5))) "
       "(SUM x (over (order ts) (range (interval 3600000000)))) "
       "(SUM x (over (order ts) (range unbounded))) (SUM x (over (order ts) (rows 0)))) "
       "(from (table t)))");
    OK("SELECT SUM(x) OVER w, AVG(x) OVER `w`, COUNT(*) OVER v FROM t "
       "WINDOW w AS (PARTITION BY a ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), "
       "v AS (ORDER BY ts)",
       "(select (items (SUM x (over w (partition a) (order ts) (rows 2))) "
       "(AVG x (over w (partition a) (order ts) (rows 2))) (COUNT * (over v (order ts)))) "
       "(from (table t)))");
    /* A subquery resolves its own window names; the outer ones stay pending. */
    OK("SELECT SUM(x) OVER w, (SELECT MAX(y) OVER w FROM u WINDOW w AS (ORDER BY b)) FROM t "
       "WINDOW w AS (ORDER BY a)",
       "(select (items (SUM x (over w (order a))) (subquery (select (items (MAX y (over w "
       "(order b)))) (from (table u))))) (from (table t)))");
    slscript *s =
        parse1("SELECT SUM(x) OVER (ORDER BY ts RANGE INTERVAL '1' HOUR PRECEDING) FROM t");
    const slover *o = s->stmts[0]->query->select->items[0].e->over;
    CHECK_INT(o->frame, SLFRAME_RANGE);
    CHECK_INT(o->preceding->kind, SLX_INTERVAL);
    CHECK_INT(o->pos.col, 20);
    CHECK(o->name == NULL);
    slscript_free(s);
    ERR("SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t",
        "job.sql:1:64: window frames ending after the current row (FOLLOWING) are not "
        "supported: end the frame at CURRENT ROW");
    ERR("SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)",
        "job.sql:1:72: window frames ending after the current row (FOLLOWING) are not "
        "supported: end the frame at CURRENT ROW");
    ERR("SELECT SUM(x) OVER (ORDER BY ts ROWS 1 FOLLOWING)",
        "job.sql:1:40: window frames ending after the current row (FOLLOWING) are not "
        "supported: end the frame at CURRENT ROW");
    ERR("SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 PRECEDING)",
        "job.sql:1:62: expected CURRENT ROW to end the window frame, found '2'");
    ERR("SELECT SUM(x) OVER (ORDER BY ts ROWS x PRECEDING)",
        "job.sql:1:38: expected UNBOUNDED, CURRENT ROW, a row count or an INTERVAL in the window "
        "frame, found 'x'");
    ERR("SELECT SUM(x) OVER (ORDER BY ts ROWS 5)",
        "job.sql:1:39: expected PRECEDING in the window frame, found ')'");
    ERR("SELECT SUM(x) OVER (PARTITION a)", "job.sql:1:31: expected BY after PARTITION, found 'a'");
    ERR("SELECT SUM(x) OVER (ORDER BY a", "job.sql:1:31: expected ')' to close OVER (, found "
                                          "end of input");
    ERR("SELECT SUM(x) OVER", "job.sql:1:19: expected '(' or a window name after OVER, found "
                              "end of input");
    ERR("SELECT SUM(x) OVER w FROM t",
        "job.sql:1:20: unknown window 'w' (define it in the WINDOW clause of the SELECT)");
    ERR("SELECT SUM(x) OVER w FROM t WINDOW v AS (ORDER BY a)",
        "job.sql:1:20: unknown window 'w' (define it in the WINDOW clause of the SELECT)");
    ERR("SELECT 1 FROM t WINDOW w (ORDER BY a)", "job.sql:1:26: expected AS after the window "
                                                 "name, found '('");
    ERR("SELECT a FROM t ORDER BY SUM(x) OVER w",
        "job.sql:1:38: unknown window 'w' (define it in the WINDOW clause of the SELECT)");
}

/* ---- queries ---- */

TEST(set_operations) {
    OK("SELECT a FROM t UNION ALL SELECT b FROM u",
       "(union-all (select (items a) (from (table t))) (select (items b) (from (table u))))");
    OK("SELECT 1 UNION SELECT 2 UNION DISTINCT SELECT 3",
       "(union (union (select (items 1)) (select (items 2))) (select (items 3)))");
    /* INTERSECT binds tighter than UNION and EXCEPT; all left-associative. */
    OK("SELECT 1 UNION ALL SELECT 2 INTERSECT SELECT 3 EXCEPT SELECT 4",
       "(except (union-all (select (items 1)) (intersect (select (items 2)) "
       "(select (items 3)))) (select (items 4)))");
    OK("SELECT 1 EXCEPT SELECT 2 EXCEPT SELECT 3",
       "(except (except (select (items 1)) (select (items 2))) (select (items 3)))");
    OK("SELECT 1 UNION ALL (SELECT 2 UNION ALL SELECT 3)",
       "(union-all (select (items 1)) (union-all (select (items 2)) (select (items 3))))");
    OK("SELECT 1 INTERSECT DISTINCT SELECT 2 EXCEPT DISTINCT SELECT 3",
       "(except (intersect (select (items 1)) (select (items 2))) (select (items 3)))");
    OK("SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a LIMIT 3",
       "(query (union-all (select (items a) (from (table t))) (select (items a) "
       "(from (table u)))) (order-by a) (limit 3))");
    ERR("SELECT 1 INTERSECT ALL SELECT 2", "job.sql:1:20: INTERSECT ALL is not supported");
    ERR("SELECT 1 EXCEPT ALL SELECT 2", "job.sql:1:17: EXCEPT ALL is not supported");
    ERR("SELECT 1 UNION", "job.sql:1:15: expected a query (SELECT ...), found end of input");
    ERR("SELECT 1 UNION ALL 2", "job.sql:1:20: expected a query (SELECT ...), found '2'");
}

TEST(with_and_parentheses) {
    OK("WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b",
       "(query (with (a (select (items (as 1 x)))) (b (select (items x) (from (table a))))) "
       "(select (items *) (from (table b))))");
    OK("(SELECT a FROM t)", "(select (items a) (from (table t)))");
    OK("((SELECT a FROM t)) ORDER BY a LIMIT 2",
       "(query (select (items a) (from (table t))) (order-by a) (limit 2))");
    OK("(SELECT a FROM t ORDER BY a) LIMIT 2",
       "(query (select (items a) (from (table t))) (order-by a) (limit 2))");
    OK("WITH a AS (SELECT 1) (WITH b AS (SELECT 2) SELECT 3)",
       "(query (with (a (select (items 1))) (b (select (items 2)))) (select (items 3)))");
    ERR("(SELECT a FROM t LIMIT 2) ORDER BY a",
        "job.sql:1:27: ORDER BY after a parenthesised query that has ORDER BY or LIMIT is not "
        "supported");
    ERR("(SELECT a FROM t LIMIT 2) LIMIT 1",
        "job.sql:1:27: LIMIT after a parenthesised query that has LIMIT is not supported");
    ERR("WITH a (x) AS (SELECT 1) SELECT x FROM a",
        "job.sql:1:8: expected AS after the name of the WITH query, found '('");
    ERR("WITH a AS SELECT 1", "job.sql:1:11: expected '(' after AS, found 'SELECT'");
    ERR("WITH a AS (SELECT 1 SELECT 2", "job.sql:1:21: expected ')' after the WITH query, found "
                                        "'SELECT'");
    ERR("WITH RECURSIVE a AS (SELECT 1) SELECT 1", "job.sql:1:6: WITH RECURSIVE is not supported");
    ERR("WITH a AS (SELECT 1)", "job.sql:1:21: expected a query (SELECT ...), found end of input");
    ERR("(SELECT 1", "job.sql:1:10: expected ')' after the query, found end of input");
    ERR("VALUES (1)", "job.sql:1:1: VALUES is not supported yet");
}

/* ---- scripts, positions and texts ---- */

TEST(script_positions_and_texts) {
    const char *sql = "-- a job\n"
                      "SET 'parallelism.default' = '2';\n"
                      "\n"
                      "CREATE TABLE src (\n"
                      "\tuser STRING,\n"
                      "\tts TIMESTAMP(3),\n"
                      "\tWATERMARK FOR ts AS ts - INTERVAL '1' SECOND\n"
                      ") WITH ('connector' = 'datagen') ;\n"
                      "INSERT INTO sink /* hint */ SELECT user, COUNT(*)\n"
                      "  FROM src GROUP BY user;";
    slscript *s = parse1(sql);
    CHECK_INT(s->n, 3);
    CHECK_STR(s->file, "job.sql");
    const slstmt *set = s->stmts[0], *ct = s->stmts[1], *ins = s->stmts[2];
    CHECK_STR(set->text, "SET 'parallelism.default' = '2'");
    CHECK_INT(set->pos.line, 2);
    CHECK_INT(set->pos.col, 1);
    CHECK_STR(set->key, "parallelism.default");
    CHECK_STR(set->value, "2");
    CHECK_STR(ct->text, "CREATE TABLE src (\n\tuser STRING,\n\tts TIMESTAMP(3),\n"
                        "\tWATERMARK FOR ts AS ts - INTERVAL '1' SECOND\n"
                        ") WITH ('connector' = 'datagen')");
    CHECK_INT(ct->pos.line, 4);
    CHECK_INT(ct->name_pos.line, 4);
    CHECK_INT(ct->name_pos.col, 14);
    CHECK_INT(ct->n_cols, 2);
    CHECK_INT(ct->cols[0].pos.line, 5);
    CHECK_INT(ct->cols[0].pos.col, 2);
    CHECK_INT(ct->cols[1].type.pos.line, 6);
    CHECK_INT(ct->cols[1].type.pos.col, 5);
    CHECK_INT(ct->wm_pos.line, 7);
    CHECK_INT(ct->wm_pos.col, 2);
    CHECK_INT(ct->wm_expr->pos.col, 22);
    CHECK_INT(ct->wm_expr->kids[1]->pos.col, 27);
    CHECK_INT(ct->opts[0].pos.line, 8);
    CHECK_INT(ct->opts[0].pos.col, 9);
    CHECK_STR(ins->text,
              "INSERT INTO sink /* hint */ SELECT user, COUNT(*)\n  FROM src GROUP BY user");
    CHECK_STR(ins->query->text, "SELECT user, COUNT(*)\n  FROM src GROUP BY user");
    CHECK_INT(ins->query->pos.line, 9);
    CHECK_INT(ins->query->pos.col, 29);
    CHECK_INT(ins->name_pos.col, 13);
    const slselect *sel = ins->query->select;
    CHECK_INT(sel->items[1].e->pos.col, 42);
    CHECK_INT(sel->from->pos.line, 10);
    CHECK_INT(sel->from->pos.col, 8);
    CHECK_INT(sel->group_by[0]->pos.col, 21);
    slscript_free(s);

    s = parse1(
        "WITH w AS (SELECT 1 AS a)\nSELECT a FROM w UNION ALL (SELECT 2 ORDER BY 1) LIMIT 5");
    const slquery *q = s->stmts[0]->query;
    CHECK_STR(q->text, "WITH w AS (SELECT 1 AS a)\nSELECT a FROM w UNION ALL (SELECT 2 ORDER BY "
                       "1) LIMIT 5");
    CHECK_STR(q->with[0].q->text, "SELECT 1 AS a");
    CHECK_INT(q->with[0].pos.col, 6);
    CHECK_STR(q->left->text, "SELECT a FROM w");
    CHECK_STR(q->right->text, "SELECT 2 ORDER BY 1");
    CHECK_INT(q->right->pos.col, 28);
    slscript_free(s);

    ERR("SELECT 1;\nSELECT 2;\n\nSELECT a,\n\t\tb c d",
        "job.sql:5:7: expected ';' or end of input, found 'd'");
    ERR("SELECT 1;\nSELECT 2 garbage more", "job.sql:2:18: expected ';' or end of input, found "
                                            "'more'");
}

TEST(statement_texts_inside_sets) {
    slscript *s = parse1("EXPLAIN PLAN FOR\n  SELECT 1;\nBEGIN STATEMENT SET;\n"
                         "INSERT INTO a SELECT 1 ;\nEND");
    CHECK_INT(s->n, 2);
    CHECK_STR(s->stmts[0]->text, "EXPLAIN PLAN FOR\n  SELECT 1");
    CHECK_STR(s->stmts[0]->inner[0]->text, "SELECT 1");
    CHECK_INT(s->stmts[0]->inner[0]->pos.line, 2);
    CHECK_STR(s->stmts[1]->text, "BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1 ;\nEND");
    CHECK_INT(s->stmts[1]->n_inner, 1);
    CHECK_STR(s->stmts[1]->inner[0]->text, "INSERT INTO a SELECT 1");
    CHECK_INT(s->stmts[1]->inner[0]->kind, SLSTMT_INSERT);
    slscript_free(s);
}

TEST(message_shows_long_and_odd_tokens) {
    ERR("SELECT a FROM t 'a very long string literal that goes on and on and on'",
        "job.sql:1:17: expected ';' or end of input, found ''a very long string literal that "
        "goes on...'");
    ERR("SELECT a FROM t 'two\nlines'", "job.sql:1:17: expected ';' or end of input, found "
                                        "''two...'");
    ERR("SELECT a FROM t x `q`", "job.sql:1:19: expected ';' or end of input, found '`q`'");
}

/* ---- whole Flink jobs ---- */

TEST(flink_job_tumble_insert) {
    const char *job =
        "CREATE TABLE transactions (\n"
        "  `user` STRING,\n"
        "  amount DOUBLE,\n"
        "  country STRING,\n"
        "  ts TIMESTAMP(3),\n"
        "  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND\n"
        ") WITH (\n"
        "  'connector' = 'filesystem',\n"
        "  'path' = 'transactions.jsonl',\n"
        "  'format' = 'json'\n"
        ");\n"
        "\n"
        "CREATE TABLE alerts (\n"
        "  `user` STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), cnt BIGINT\n"
        ") WITH ('connector' = 'print');\n"
        "\n"
        "INSERT INTO alerts\n"
        "SELECT `user`, window_start, window_end, COUNT(*) AS cnt\n"
        "FROM TABLE(\n"
        "    TUMBLE(TABLE transactions, DESCRIPTOR(ts), INTERVAL '5' MINUTES))\n"
        "GROUP BY window_start, window_end, user\n"
        "HAVING COUNT(*) > 3;\n";
    OK(job, "(create-table transactions (columns (user STRING) (amount DOUBLE) (country STRING) "
            "(ts TIMESTAMP(3):TIMESTAMP)) (watermark ts (- ts (interval 5000000))) "
            "(with 'connector'='filesystem' 'path'='transactions.jsonl' 'format'='json'))\n"
            "(create-table alerts (columns (user STRING) (window_start TIMESTAMP(3):TIMESTAMP) "
            "(window_end TIMESTAMP(3):TIMESTAMP) (cnt BIGINT)) (with 'connector'='print'))\n"
            "(insert alerts (select (items user window_start window_end (as (COUNT *) cnt)) "
            "(from (tvf TUMBLE (table transactions) (descriptor ts) (interval 300000000))) "
            "(group-by window_start window_end user) (having (> (COUNT *) 3))))");
}

TEST(flink_job_session_topn_join) {
    const char *job =
        "SET 'execution.runtime-mode' = 'streaming';\n"
        "CREATE TEMPORARY VIEW sessions AS\n"
        "  SELECT user, window_start, window_end, COUNT(DISTINCT country) AS countries\n"
        "  FROM TABLE(SESSION(TABLE transactions PARTITION BY user, DESCRIPTOR(ts),\n"
        "                     INTERVAL '1' HOUR))\n"
        "  GROUP BY user, window_start, window_end;\n"
        "SELECT * FROM (\n"
        "  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start ORDER BY cnt DESC) AS rownum\n"
        "  FROM (SELECT window_start, user, COUNT(*) AS cnt\n"
        "        FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE, "
        "INTERVAL '5' MINUTE))\n"
        "        GROUP BY window_start, window_end, user)\n"
        ") WHERE rownum <= 3;\n"
        "INSERT INTO enriched\n"
        "SELECT o.id, o.amount * r.rate AS eur\n"
        "FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur\n"
        "WHERE o.amount > 0 AND r.rate IS NOT NULL";
    OK(job, "(set 'execution.runtime-mode' 'streaming')\n"
            "(create-view sessions temporary (select (items user window_start window_end "
            "(as (COUNT distinct country) countries)) (from (tvf SESSION (table transactions) "
            "(descriptor ts) (interval 3600000000) (partition user))) "
            "(group-by user window_start window_end)))\n"
            "(select (items *) (from (subquery (select (items * (as (ROW_NUMBER (over "
            "(partition window_start) (order (desc cnt)))) rownum)) (from (subquery (select "
            "(items window_start user (as (COUNT *) cnt)) (from (tvf HOP (table t) "
            "(descriptor ts) (interval 60000000) (interval 300000000))) "
            "(group-by window_start window_end user))))))) (where (<= rownum 3)))\n"
            "(insert enriched (select (items o.id (as (* o.amount r.rate) eur)) "
            "(from (join left (table orders as o) (table rates (for-system-time o.ts) as r) "
            "(on (= o.cur r.cur)))) (where (AND (> o.amount 0) (IS NOT NULL r.rate)))))");
}

/* ---- limits ---- */

static char *repeat(const char *head, const char *unit, int n, const char *tail) {
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * (size_t)n + tl + 1);
    memcpy(s, head, hl);
    for (int k = 0; k < n; k++) {
        memcpy(s + hl + ul * (size_t)k, unit, ul);
    }
    memcpy(s + hl + ul * (size_t)n, tail, tl + 1);
    return s;
}

TEST(nesting_limits) {
    /* Parentheses, unary operators, subqueries and nested types recurse: capped. */
    char *a = repeat("SELECT ", "(", 300, "1");
    ERR(a, "job.sql:1:207: nested too deeply (more than 200 levels)");
    free(a);
    a = repeat("SELECT ", "NOT ", 500, "1");
    ERR(a, "job.sql:1:804: nested too deeply (more than 200 levels)");
    free(a);
    a = repeat("SELECT ", "- ", 500, "a");
    ERR(a, "job.sql:1:406: nested too deeply (more than 200 levels)");
    free(a);
    a = repeat("SELECT * FROM ", "(SELECT * FROM ", 250, "t");
    ERR(a, "job.sql:1:3001: nested too deeply (more than 200 levels)");
    free(a);
    a = repeat("CREATE TABLE t (a ", "ARRAY<", 300, "INT");
    ERR(a, "job.sql:1:1219: nested too deeply (more than 200 levels)");
    free(a);
    /* 150 levels are fine. */
    char *b = repeat("SELECT ", "(", 150, "1");
    char *c = repeat(b, ")", 150, "");
    slscript *s = parse1(c);
    CHECK_INT(s->stmts[0]->query->select->items[0].e->i, 1);
    slscript_free(s);
    free(b);
    free(c);
    /* Long chains are built by loops, not recursion, but the trees they make
     * are bounded too so that consumers may recurse over them. */
    a = repeat("SELECT 1", " + 1", 990, "");
    s = parse1(a);
    slscript_free(s);
    free(a);
    a = repeat("SELECT 1", " + 1", 1000, "");
    ERR(a, "job.sql:1:8: expression or query nested too deeply (more than 1000 levels)");
    free(a);
    a = repeat("SELECT 1", " OR a", 100000, "");
    ERR(a, "job.sql:1:8: expression or query nested too deeply (more than 1000 levels)");
    free(a);
    a = repeat("SELECT 1", " UNION ALL SELECT 1", 2000, "");
    ERR(a, "job.sql:1:1: expression or query nested too deeply (more than 1000 levels)");
    free(a);
    a = repeat("SELECT * FROM t", ", t", 2000, "");
    ERR(a, "job.sql:1:15: expression or query nested too deeply (more than 1000 levels)");
    free(a);
}

/* ---- API odds and ends ---- */

TEST(api_edges) {
    slscript_free(NULL);
    slscript *s = (slscript *)1;
    CHECK_INT(slsql_parse(NULL, 0, NULL, &s), SL_OK);
    CHECK_INT(s->n, 0);
    CHECK_STR(s->file, "<sql>");
    slscript_free(s);
    s = (slscript *)1;
    CHECK_INT(slsql_parse("SELECT", 6, "x.sql", &s), SL_ERR_PARSE);
    CHECK(s == NULL);
    CHECK_STR(sl_errmsg(), "x.sql:1:7: expected an expression, found end of input");
    /* The length is honoured: the text need not end in NUL, and may hold one. */
    CHECK_INT(slsql_parse("SELECT 1; garbage", 8, "x.sql", &s), SL_OK);
    CHECK_INT(s->n, 1);
    slscript_free(s);
    CHECK_INT(slsql_parse("SELECT 1\0 2", 11, "x.sql", &s), SL_ERR_PARSE);
    CHECK_STR(sl_errmsg(), "x.sql:1:9: expected ';' or end of input, found '\\x00'");
    slbuf b = {0};
    slsql_dump_expr(NULL, &b);
    slsql_dump_stmt(NULL, &b);
    CHECK_STR(slbuf_cstr(&b), "<null><null>");
    slbuf_free(&b);
    static const char *const ops[] = {"?",        "-",
                                      "+",        "NOT",
                                      "+",        "-",
                                      "*",        "/",
                                      "%",        "||",
                                      "=",        "<>",
                                      "<",        "<=",
                                      ">",        ">=",
                                      "AND",      "OR",
                                      "IS NULL",  "IS TRUE",
                                      "IS FALSE", "IS DISTINCT FROM",
                                      "LIKE",     "SIMILAR TO"};
    for (int k = 0; k <= SLOP_SIMILAR; k++) {
        CHECK_STR(slx_op_text((slx_op)k), ops[k]);
    }
}

/* ---- mutation fuzzing ---- */

static const char *const fuzz_seeds[] = {
    "CREATE TABLE t (a BIGINT, b STRING, ts TIMESTAMP(3), c AS a + 1, m INT METADATA FROM 'x' "
    "VIRTUAL, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, PRIMARY KEY (a) NOT ENFORCED) "
    "COMMENT 'c' WITH ('connector' = 'kafka', 'topic' = 'x')",
    "INSERT INTO out SELECT window_start, window_end, user, SUM(amount) FROM TABLE(TUMBLE("
    "TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) GROUP BY window_start, window_end, user "
    "HAVING SUM(amount) > 100;",
    "SELECT * FROM TABLE(HOP(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' "
    "MINUTE, SLIDE => INTERVAL '5' MINUTE, OFFSET => INTERVAL '1' MINUTE)) AS w",
    "SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (k, j), DESCRIPTOR(ts), INTERVAL '1' HOUR))",
    "SELECT * FROM TABLE(CUMULATE(TABLE (SELECT * FROM t), DESCRIPTOR(ts), INTERVAL '1' MINUTE, "
    "INTERVAL '1' HOUR))",
    "WITH c AS (SELECT 1 AS one) SELECT one FROM c UNION ALL (SELECT 2 ORDER BY 1) INTERSECT "
    "SELECT 3 EXCEPT SELECT 4 ORDER BY one DESC NULLS LAST LIMIT 10",
    "SELECT a, CASE WHEN a > 1 THEN 'x' WHEN b THEN 'y' ELSE 'z' END, CASE a WHEN 1 THEN 2 END, "
    "CAST(a AS DECIMAL(10, 2)), TRY_CAST(b AS TIMESTAMP(3) WITH LOCAL TIME ZONE) FROM t",
    "SELECT EXTRACT(YEAR FROM ts), FLOOR(ts TO HOUR), POSITION('a' IN s), TRIM(LEADING 'x' "
    "FROM s), SUBSTRING(s FROM 1 FOR 2), TIMESTAMPADD(MINUTE, 1, ts), CURRENT_TIMESTAMP FROM t",
    "SELECT a FROM t WHERE a IN (1, 2) AND b NOT IN (SELECT b FROM u) AND c BETWEEN SYMMETRIC 1 "
    "AND 2 AND d NOT LIKE 'x%' ESCAPE '!' AND EXISTS (SELECT 1) AND e IS NOT DISTINCT FROM f",
    "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY ts DESC) rn, SUM(x) OVER w, "
    "COUNT(DISTINCT y) FROM t WINDOW w AS (ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)",
    "SELECT SUM(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW) "
    "FROM t",
    "SELECT o.id FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.c = r.c LEFT "
    "OUTER JOIN x USING (k) CROSS JOIN y, z FULL JOIN (a JOIN b ON TRUE) ON 1 = 1",
    "SET 'a.b' = 'c'; SET x.y-z = some value; RESET; RESET 'k'; SET; SHOW TABLES; DESC t",
    "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b (x) SELECT 2; END;",
    "BEGIN STATEMENT SET; INSERT INTO a SELECT 1; END; EXPLAIN PLAN FOR SELECT 1",
    "CREATE TEMPORARY VIEW IF NOT EXISTS v (a, b) COMMENT 'v' AS SELECT -1, 1.5e3 FROM t; "
    "DROP TEMPORARY VIEW IF EXISTS v; DROP TABLE t",
    "SELECT INTERVAL '1:30' MINUTE TO SECOND, INTERVAL '1 12:00:01.5' DAY(2) TO SECOND(3), "
    "INTERVAL '1-2' YEAR TO MONTH, TIMESTAMP '2024-01-01 10:00:00', 'it''s', `q``x`",
    "CREATE TABLE t (a ARRAY<INT>, b MAP<STRING, ROW<x INT, y ARRAY<DOUBLE NOT NULL>>>, "
    "c ROW(d INT COMMENT 'd'), e DATE)",
    "-- comment\nSELECT /* c */ a || b, -a * (b + c) / d % e, NOT a = b OR c <> d AND e >= f "
    "FROM `my t` AS x WHERE x.`from` <= 1",
    "SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY a); SELECT a b c",
};

static const char *const fuzz_tokens[] = {
    "SELECT ",
    " FROM ",
    "(",
    ")",
    "'",
    "`",
    "/*",
    "*/",
    "--",
    "\n",
    " OVER ",
    " INTERVAL ",
    "TABLE(",
    "TUMBLE(",
    "SESSION(",
    ",",
    " => ",
    " END",
    " CASE ",
    " WHEN ",
    " NOT ",
    " AND ",
    "1e",
    ".5",
    "99999999999999999999",
    " WITH ",
    ";",
    " UNION ",
    " JOIN ",
    " ON ",
    " PARTITION BY ",
    " DESCRIPTOR(",
    " ROWS ",
    " PRECEDING",
    " FOLLOWING",
    " BEGIN ",
    " STATEMENT SET",
    " EXECUTE ",
    " IN (",
    " IS ",
    " BETWEEN ",
    " ESCAPE ",
    " ARRAY<",
    " MAP<",
    " TIMESTAMP '",
    " TO ",
    " CAST(",
    " AS ",
    "*",
    " LIMIT ",
    " ORDER BY ",
    " WINDOW ",
    "\xc3\xa4",
    "\xff",
    "\0",
    "\t",
};

static uint64_t fuzz_rng;

static uint64_t fuzz_next(void) {
    fuzz_rng ^= fuzz_rng << 13;
    fuzz_rng ^= fuzz_rng >> 7;
    fuzz_rng ^= fuzz_rng << 17;
    return fuzz_rng;
}

static size_t fuzz_below(size_t n) {
    return n ? (size_t)(fuzz_next() % n) : 0;
}

/* One mutation of buf[0..*len) in place (cap bytes of room). */
static void fuzz_mutate(char *buf, size_t *len, size_t cap) {
    size_t n = *len;
    switch (fuzz_next() % 8) {
    case 0: { /* delete a range */
        size_t at = fuzz_below(n + 1), k = 1 + fuzz_below(8);
        k = SL_MIN(k, n - at);
        memmove(buf + at, buf + at + k, n - at - k);
        n -= k;
        break;
    }
    case 1: { /* insert a byte */
        static const char alphabet[] = "()',;.*+-/%|=<>!`\"\n\t 0123456789aeXZ_";
        if (n + 1 <= cap) {
            size_t at = fuzz_below(n + 1);
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] =
                fuzz_next() % 4 ? alphabet[fuzz_below(sizeof alphabet - 1)] : (char)fuzz_next();
            n++;
        }
        break;
    }
    case 2: { /* duplicate a range somewhere */
        size_t from = fuzz_below(n + 1), k = SL_MIN(1 + fuzz_below(40), n - from);
        if (n + k <= cap) {
            char tmp[64];
            memcpy(tmp, buf + from, k);
            size_t at = fuzz_below(n + 1);
            memmove(buf + at + k, buf + at, n - at);
            memcpy(buf + at, tmp, k);
            n += k;
        }
        break;
    }
    case 3: { /* swap two bytes */
        if (n >= 2) {
            size_t i = fuzz_below(n), j = fuzz_below(n);
            char c = buf[i];
            buf[i] = buf[j];
            buf[j] = c;
        }
        break;
    }
    case 4:
    case 5: { /* insert a token */
        size_t t = fuzz_below(SL_ARRAY_LEN(fuzz_tokens));
        size_t k = fuzz_tokens[t][0] ? strlen(fuzz_tokens[t]) : 1;
        if (n + k <= cap) {
            size_t at = fuzz_below(n + 1);
            memmove(buf + at + k, buf + at, n - at);
            memcpy(buf + at, fuzz_tokens[t], k);
            n += k;
        }
        break;
    }
    case 6: { /* delete a word */
        size_t at = fuzz_below(n + 1), end = at;
        while (end < n && buf[end] != ' ') {
            end++;
        }
        memmove(buf + at, buf + end, n - end);
        n -= end - at;
        break;
    }
    default: /* truncate */
        n = fuzz_below(n + 1);
        break;
    }
    *len = n;
}

TEST(mutation_fuzz) {
    enum { CAP = 4096 };
    char *buf = malloc(CAP);
    fuzz_rng = UINT64_C(0x9E3779B97F4A7C15);
    int bad = 0, ok = 0;
    slbuf dump = {0};
    for (int iter = 0; iter < 20000; iter++) {
        const char *seed = fuzz_seeds[fuzz_below(SL_ARRAY_LEN(fuzz_seeds))];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        if (fuzz_next() % 8 == 0) { /* splice in part of another seed */
            const char *other = fuzz_seeds[fuzz_below(SL_ARRAY_LEN(fuzz_seeds))];
            size_t from = fuzz_below(strlen(other)), k = strlen(other) - from;
            size_t at = fuzz_below(len + 1);
            memmove(buf + at + k, buf + at, len - at);
            memcpy(buf + at, other + from, k);
            len += k;
        }
        int muts = 1 + (int)fuzz_below(4);
        for (int m = 0; m < muts; m++) {
            fuzz_mutate(buf, &len, CAP);
        }
        slscript *s = (slscript *)1;
        sl_err err = slsql_parse(buf, len, "fuzz.sql", &s);
        if (err == SL_OK) {
            ok++;
            for (int k = 0; k < s->n; k++) {
                slbuf_reset(&dump);
                slsql_dump_stmt(s->stmts[k], &dump);
            }
            slscript_free(s);
        } else if (err != SL_ERR_PARSE || s != NULL || strncmp(sl_errmsg(), "fuzz.sql:", 9) != 0) {
            if (bad++ < 3) {
                fprintf(stderr, "fuzz case %d: err %d: %s\ninput: %.*s\n", iter, (int)err,
                        sl_errmsg(), (int)len, buf);
            }
        }
    }
    CHECK_INT(bad, 0);
    /* The mutations should leave a fair share of inputs valid, or the test
     * exercises only the error paths. */
    CHECK(ok > 1000);
    slbuf_free(&dump);
    free(buf);
}
