/*
 * explain.c - the physical plan of a job graph as text (EXPLAIN, `sluice
 * explain`): one block per task (a chain of operators that runs on one
 * thread per subtask), its parallelism, and for each input how rows reach it
 * (forward, rebalance, or hashed by key columns). Uses the same chaining
 * rule as the runtime (slgraph_chain_edges), so what it prints is what runs.
 *
 *   Task 2 (parallelism 2)
 *     input: HASH [user] from Task 1
 *     WindowAggregate(TUMBLE(size=5 min), key: 1 column, aggs: count(*))
 *     -> Calc(where: ..., select: ...)
 *     -> Sink: alerts (print)
 *
 * Thread: any (reads the graph only).
 */
#include "runtime/graph.h"

static const char *part_name(const sledge *e, int from_par, int to_par) {
    switch (e->part) {
    case SLPART_HASH:
        return "HASH";
    case SLPART_REBALANCE:
        return "REBALANCE";
    default:
        return from_par == to_par ? "FORWARD" : "REBALANCE";
    }
}

void slgraph_explain(const slgraph *g, slbuf *out) {
    int nn = g->n_nodes;
    int *par = slmem_calloc((size_t)(nn ? nn : 1), sizeof(int));
    int *task = slmem_calloc((size_t)(nn ? nn : 1), sizeof(int));
    int *next = slmem_calloc((size_t)(nn ? nn : 1), sizeof(int));
    bool *has_prev = slmem_calloc((size_t)(nn ? nn : 1), sizeof(bool));
    bool *chained = slmem_calloc((size_t)(g->n_edges ? g->n_edges : 1), sizeof(bool));
    for (int i = 0; i < nn; i++) {
        par[i] = slgraph_par(g, i);
        next[i] = -1;
    }
    slgraph_chain_edges(g, par, chained);
    for (int e = 0; e < g->n_edges; e++) {
        if (chained[e]) {
            next[g->edges[e].from] = g->edges[e].to;
            has_prev[g->edges[e].to] = true;
        }
    }
    int n_tasks = 0;
    for (int h = 0; h < nn; h++) {
        if (!has_prev[h]) {
            n_tasks++;
            for (int k = h; k >= 0; k = next[k]) {
                task[k] = n_tasks;
            }
        }
    }
    for (int h = 0; h < nn; h++) {
        if (has_prev[h]) {
            continue;
        }
        slbuf_printf(out, "Task %d (parallelism %d)\n", task[h], par[h]);
        for (int e = 0; e < g->n_edges; e++) {
            const sledge *x = &g->edges[e];
            if (x->to != h) {
                continue;
            }
            slbuf_printf(out, "  input %d: %s", x->to_input, part_name(x, par[x->from], par[h]));
            if (x->part == SLPART_HASH) {
                const sl_schema *s = g->nodes[x->from]->out[x->from_port];
                slbuf_puts(out, " [");
                for (int k = 0; k < x->key.n; k++) {
                    slbuf_puts(out, k ? ", " : "");
                    slbuf_puts(out, s ? sl_schema_name(s, x->key.cols[k]) : "?");
                }
                slbuf_puts(out, "]");
            }
            slbuf_printf(out, " from Task %d%s\n", task[x->from],
                         x->from_port == 1 ? " (side output)" : "");
        }
        for (int k = h; k >= 0; k = next[k]) {
            slbuf_printf(out, "  %s%s\n", k == h ? "" : "-> ", g->nodes[k]->name);
        }
    }
    slmem_free(par);
    slmem_free(task);
    slmem_free(next);
    slmem_free(has_prev);
    slmem_free(chained);
}
