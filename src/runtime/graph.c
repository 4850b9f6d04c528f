/*
 * graph.c - the logical job graph: a growable array of nodes and of edges.
 *
 * Ownership: slgraph_add_node takes the node (allocated by the caller with
 * slmem_*), its name, its factory argument (freed with arg_free) and the schema
 * references held in node->out[]. conf.dead_letter_path belongs to whoever set
 * it (the job frees it), not to the graph.
 *
 * Thread: a graph is built on one thread and read-only while it runs.
 */
#include "runtime/graph.h"

void slgraph_init(slgraph *g) {
    memset(g, 0, sizeof *g);
    g->conf.parallelism = 1;
    g->conf.batch_rows = SL_DEFAULT_BATCH_ROWS;
    g->conf.channel_cap = SL_DEFAULT_CHANNEL_CAP;
    g->conf.n_key_groups = SL_KEY_GROUPS;
}

static void node_free(slnode *n) {
    if (!n) {
        return;
    }
    if (n->arg_free) {
        n->arg_free(n->arg);
    }
    for (int p = 0; p < SL_MAX_PORTS; p++) {
        slschema_unref(n->out[p]);
    }
    slmem_free(n->name);
    slmem_free(n);
}

void slgraph_free(slgraph *g) {
    if (!g) {
        return;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        node_free(g->nodes[i]);
    }
    slmem_free(g->nodes);
    slmem_free(g->edges);
    g->nodes = NULL;
    g->edges = NULL;
    g->n_nodes = g->n_edges = 0;
    g->cap_nodes = g->cap_edges = 0;
}

int slgraph_add_node(slgraph *g, slnode *n) {
    if (!n->name) {
        n->name = slmem_strdup(n->kind == SLNODE_SOURCE ? "source" : "op");
    }
    slmem_grow((void **)&g->nodes, &g->cap_nodes, (size_t)g->n_nodes + 1, sizeof *g->nodes);
    g->nodes[g->n_nodes] = n;
    return g->n_nodes++;
}

void slgraph_add_edge(slgraph *g, const sledge *e) {
    slmem_grow((void **)&g->edges, &g->cap_edges, (size_t)g->n_edges + 1, sizeof *g->edges);
    g->edges[g->n_edges++] = *e;
}
