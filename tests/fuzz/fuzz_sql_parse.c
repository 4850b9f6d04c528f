/*
 * fuzz_sql_parse.c - libFuzzer target for the SQL parser (slsql_parse) and
 * the tree dump: any input must parse or fail with SL_ERR_PARSE and a
 * positioned message, without crashing, leaking or recursing without bound.
 *
 * Not part of the default build. Build and run with clang (ASan + UBSan):
 *
 *   CC=clang cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug \
 *       -DSL_SANITIZE=ON -DSL_SMALL_BUFFERS=ON -DSL_FUZZ=ON
 *   cmake --build build/fuzz --target fuzz_sql_parse
 *   mkdir -p /tmp/sql-corpus
 *   build/fuzz/fuzz/fuzz_sql_parse -max_total_time=300 -max_len=4096 \
 *       /tmp/sql-corpus tests/fuzz/corpus_sql
 *
 * (The first corpus directory collects new inputs; tests/fuzz/corpus_sql
 * holds the seeds.) The unit test test_sql_parse runs a seeded mutation
 * loop over the same entry point on every build.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sql/ast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    slscript *s = NULL;
    sl_err err = slsql_parse((const char *)data, size, "fuzz.sql", &s);
    if (err == SL_OK) {
        slbuf b = {0};
        for (int k = 0; k < s->n; k++) {
            slbuf_reset(&b);
            slsql_dump_stmt(s->stmts[k], &b);
        }
        slbuf_free(&b);
        slscript_free(s);
    } else if (err != SL_ERR_PARSE || s != NULL || strncmp(sl_errmsg(), "fuzz.sql:", 9) != 0) {
        fprintf(stderr, "unexpected result %d: %s\n", (int)err, sl_errmsg());
        abort();
    }
    return 0;
}
