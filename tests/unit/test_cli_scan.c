/*
 * The shell's statement scanner (src/cli/scan.c): where statements end
 * (';' outside quotes and comments), statement sets kept whole, empty
 * statements dropped, input positions, the continuation state, the rest at
 * the end of input, and the leading words the shell dispatches on.
 */
#include "cli/shell_int.h"
#include "test.h"

/* Feed `text` in one piece and return the statements as "line:col|text" lines. */
static const char *scan_all(const char *text, bool with_rest) {
    static slbuf out;
    slbuf_reset(&out);
    slcli_scan s;
    slcli_scan_init(&s);
    slcli_scan_feed(&s, text, strlen(text));
    slbuf stmt = {0};
    int line, col;
    while (slcli_scan_next(&s, &stmt, &line, &col)) {
        slbuf_printf(&out, "%d:%d|%.*s\n", line, col, (int)stmt.len, stmt.data);
    }
    if (with_rest && slcli_scan_rest(&s, &stmt, &line, &col)) {
        slbuf_printf(&out, "%d:%d|%.*s<EOF>\n", line, col, (int)stmt.len, stmt.data);
    }
    slbuf_free(&stmt);
    slcli_scan_free(&s);
    return slbuf_cstr(&out);
}

TEST(statements_end_at_semicolons) {
    CHECK_STR(scan_all("SET 'a' = 'b'; SHOW TABLES;\nSELECT 1\nFROM t;\n", false),
              "1:1|SET 'a' = 'b';\n"
              "1:15| SHOW TABLES;\n"
              "1:28|\nSELECT 1\nFROM t;\n");
}

TEST(semicolons_in_quotes_and_comments_do_not_end) {
    CHECK_STR(scan_all("SELECT 'a;b', \"c;d\", `e;f` FROM t; -- x; y\n"
                       "SELECT /* ; */ 'it''s;' FROM t;\n",
                       false),
              "1:1|SELECT 'a;b', \"c;d\", `e;f` FROM t;\n"
              "1:35| -- x; y\nSELECT /* ; */ 'it''s;' FROM t;\n");
    CHECK_STR(scan_all("SELECT 'open;\nstill; open' FROM t;\n", false),
              "1:1|SELECT 'open;\nstill; open' FROM t;\n");
    CHECK_STR(scan_all("/* a\n; */ SELECT 1 FROM t;", false), "1:1|/* a\n; */ SELECT 1 FROM t;\n");
}

TEST(empty_statements_are_dropped) {
    CHECK_STR(scan_all(";;  ; -- only a comment;\n/* c */ ;\nSHOW TABLES;", false),
              "2:10|\nSHOW TABLES;\n");
    CHECK_STR(scan_all("", true), "");
    CHECK_STR(scan_all("  \n -- c\n", true), "");
}

TEST(rest_at_end_of_input) {
    CHECK_STR(scan_all("SHOW TABLES; SELECT x\nFROM t", true), "1:1|SHOW TABLES;\n"
                                                               "1:13| SELECT x\nFROM t<EOF>\n");
    CHECK_STR(scan_all("SELECT 'unterminated; x", true), "1:1|SELECT 'unterminated; x<EOF>\n");
}

TEST(statement_sets_come_out_whole) {
    CHECK_STR(scan_all("BEGIN STATEMENT SET;\n"
                       "INSERT INTO a SELECT * FROM t;\n"
                       "INSERT INTO b SELECT * FROM t;\n"
                       "END;\n"
                       "SHOW TABLES;\n",
                       false),
              "1:1|BEGIN STATEMENT SET;\n"
              "INSERT INTO a SELECT * FROM t;\n"
              "INSERT INTO b SELECT * FROM t;\n"
              "END;\n"
              "4:5|\nSHOW TABLES;\n");
    CHECK_STR(
        scan_all("execute statement set begin insert into a select 'end;' from t; end ; x;", false),
        "1:1|execute statement set begin insert into a select 'end;' from t; end ;\n"
        "1:70| x;\n");
    CHECK_STR(scan_all("EXPLAIN STATEMENT SET BEGIN INSERT INTO a SELECT * FROM t; END;", false),
              "1:1|EXPLAIN STATEMENT SET BEGIN INSERT INTO a SELECT * FROM t; END;\n");
    /* END as a column name is not the end of the set. */
    CHECK_STR(scan_all("BEGIN STATEMENT SET; INSERT INTO a SELECT `end` FROM t; END;", false),
              "1:1|BEGIN STATEMENT SET; INSERT INTO a SELECT `end` FROM t; END;\n");
    /* An unfinished set is handed over whole at the end (the parser reports it). */
    CHECK_STR(scan_all("BEGIN STATEMENT SET; INSERT INTO a SELECT * FROM t;", true),
              "1:1|BEGIN STATEMENT SET; INSERT INTO a SELECT * FROM t;<EOF>\n");
}

TEST(fed_line_by_line_with_pending_state) {
    slcli_scan s;
    slcli_scan_init(&s);
    slbuf stmt = {0};
    int line, col;
    CHECK(!slcli_scan_pending(&s));
    slcli_scan_feed(&s, "-- a comment\n", 13);
    CHECK(!slcli_scan_next(&s, &stmt, &line, &col));
    CHECK(!slcli_scan_pending(&s)); /* only a comment: the main prompt */
    slcli_scan_feed(&s, "SELECT a,\n", 10);
    CHECK(!slcli_scan_next(&s, &stmt, &line, &col));
    CHECK(slcli_scan_pending(&s));
    slcli_scan_feed(&s, "  b FROM t; SHOW\n", 17);
    CHECK(slcli_scan_next(&s, &stmt, &line, &col));
    CHECK_STR(slbuf_cstr(&stmt), "-- a comment\nSELECT a,\n  b FROM t;");
    CHECK_INT(line, 1);
    CHECK_INT(col, 1);
    CHECK(!slcli_scan_next(&s, &stmt, &line, &col));
    CHECK(slcli_scan_pending(&s));
    slcli_scan_feed(&s, "TABLES;\n", 8);
    CHECK(slcli_scan_next(&s, &stmt, &line, &col));
    CHECK_STR(slbuf_cstr(&stmt), " SHOW\nTABLES;");
    CHECK_INT(line, 3);
    CHECK_INT(col, 12);
    CHECK(!slcli_scan_pending(&s));
    /* Inside a quote or a block comment the statement is not finished. */
    slcli_scan_feed(&s, "/* open\n", 8);
    CHECK(!slcli_scan_next(&s, &stmt, &line, &col));
    CHECK(slcli_scan_pending(&s));
    slcli_scan_feed(&s, "*/\n", 3);
    CHECK(!slcli_scan_next(&s, &stmt, &line, &col));
    CHECK(!slcli_scan_pending(&s));
    slcli_scan_feed(&s, "BEGIN STATEMENT SET;\n", 21);
    CHECK(!slcli_scan_next(&s, &stmt, &line, &col));
    CHECK(slcli_scan_pending(&s));
    /* A reset (Ctrl-C, a fresh prompt) forgets it and counts from 1:1 again. */
    slcli_scan_reset(&s);
    CHECK(!slcli_scan_pending(&s));
    slcli_scan_feed(&s, "  quit;\n", 8);
    CHECK(slcli_scan_next(&s, &stmt, &line, &col));
    CHECK_STR(slbuf_cstr(&stmt), "  quit;");
    CHECK_INT(line, 1);
    CHECK_INT(col, 1);
    slbuf_free(&stmt);
    slcli_scan_free(&s);
}

TEST(many_statements_in_a_long_input) {
    slbuf in = {0};
    for (int i = 0; i < 2000; i++) {
        slbuf_printf(&in, "SELECT %d FROM t; -- row %d\n", i, i);
    }
    slcli_scan s;
    slcli_scan_init(&s);
    slcli_scan_feed(&s, in.data, in.len);
    slbuf stmt = {0};
    int line, col, n = 0;
    while (slcli_scan_next(&s, &stmt, &line, &col)) {
        n++;
    }
    CHECK_INT(n, 2000);
    CHECK_INT(line, 1999); /* the last one starts after the previous line's ';' */
    CHECK_INT(col, 20);
    slbuf_free(&stmt);
    slbuf_free(&in);
    slcli_scan_free(&s);
}

TEST(leading_words) {
    char w[3][16];
    bool more;
    const char *t1 = " -- c\n show /* x */ Tables ;  -- end\n";
    CHECK_INT(slcli_stmt_words(t1, strlen(t1), w, 3, &more), 2);
    CHECK_STR(w[0], "SHOW");
    CHECK_STR(w[1], "TABLES");
    CHECK(!more);
    CHECK_INT(slcli_stmt_words("quit;", 5, w, 3, &more), 1);
    CHECK_STR(w[0], "QUIT");
    CHECK(!more);
    CHECK_INT(slcli_stmt_words("SET 'a' = 'b';", 14, w, 3, &more), 1);
    CHECK(more);
    CHECK_INT(slcli_stmt_words("SHOW TABLES;", 12, w, 1, &more), 1);
    CHECK(more);
    CHECK_INT(slcli_stmt_words("(SELECT 1);", 11, w, 3, &more), 0);
    CHECK(more);
    CHECK_INT(slcli_stmt_words("exit; x", 7, w, 3, &more), 1);
    CHECK(more);
    const char *t2 = "averyveryverylongkeyword_more x";
    CHECK_INT(slcli_stmt_words(t2, strlen(t2), w, 1, &more), 1);
    CHECK_STR(w[0], "AVERYVERYVERYLO");
    CHECK(more);
}
