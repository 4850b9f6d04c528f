/*
 * libs.h - JSON libraries as readers for bench/ingest_bench.c: each file
 * (jansson.c, jsonc.c; built only when the library is installed) parses every
 * line of a JSON-lines file into the library's document and copies the
 * fields of `schema` (BIGINT, STRING, TIMESTAMP as text) into batches of
 * `batch_rows` rows, as the engine's decoder would. They are separate files
 * because the two libraries' headers declare the same names.
 */
#ifndef SL_BENCH_INGEST_LIBS_H
#define SL_BENCH_INGEST_LIBS_H

#include "data/data.h"

/* ingest_bench.c: call fn for each line (without its newline). */
uint64_t slbench_each_line(const char *path, void (*fn)(const char *p, size_t n, void *u),
                           void *user);
/* Rows decoded; *bad counts lines the library refused. */
uint64_t slbench_ingest_jansson(const char *path, const sl_schema *schema, uint32_t batch_rows,
                                uint64_t *bad);
uint64_t slbench_ingest_jsonc(const char *path, const sl_schema *schema, uint32_t batch_rows,
                              uint64_t *bad);

#endif
