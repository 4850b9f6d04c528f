/*
 * ref.h - hand-written C reference programs for Nexmark queries (ref.c), run
 * by `sluice bench` next to the engine on the same generated events.
 *
 * Each reference reads bids straight from the generator (connectors/nexmark.c:
 * a bid source of the same options, one thread) and computes its query with
 * plain loops and one hash table, no engine code. With `lines` it appends its
 * result rows in the bench's canonical text form (slbench_canon_row: one line
 * a row, columns joined by '|', BIGINT and TIMESTAMP as integers (us),
 * DOUBLE as %.17g, NULL as \N), in any order.
 */
#ifndef SL_BENCH_REF_H
#define SL_BENCH_REF_H

#include "connectors/connectors.h"

/* Does query `name` ("q1", "q5r", ...) have a reference? */
bool slbref_has(const char *name);
/* Run the reference of `name` over the bids of `events` events at `rate`
 * events/s of event time (seed 0, the bench's options). Returns the number of
 * result rows; appends them to `lines` when it is not NULL. */
uint64_t slbref_run(const char *name, int64_t events, int64_t rate, slbuf *lines);
/* Append row i of b in the canonical form, with a newline. */
void slbench_canon_row(slbuf *out, const slbatch *b, uint32_t i);

#endif /* SL_BENCH_REF_H */
