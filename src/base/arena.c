/*
 * arena.c - bump allocation for bytes sharing one lifetime (a batch's strings).
 * Chunks are SL_ARENA_CHUNK bytes or, for a large request, exactly its size.
 */
#include "base.h"

struct slarena_chunk {
    slarena_chunk *next; /* owned */
    size_t size;
    _Alignas(16) char data[];
};

void slarena_init(slarena *a) {
    a->head = NULL;
    a->pos = a->end = NULL;
    a->bytes = 0;
}

void *slarena_alloc(slarena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    if ((size_t)(a->end - a->pos) < n || !a->pos) {
        size_t size = n > SL_ARENA_CHUNK / 4 ? n : SL_ARENA_CHUNK;
        slarena_chunk *c = slmem_alloc(sizeof *c + size);
        c->size = size;
        if (size == n && a->head) {
            /* A large block: keep the current chunk open for small ones. */
            c->next = a->head->next;
            a->head->next = c;
            a->bytes += n;
            return c->data;
        }
        c->next = a->head;
        a->head = c;
        a->pos = c->data;
        a->end = c->data + size;
    }
    void *p = a->pos;
    a->pos += n;
    a->bytes += n;
    return p;
}

const char *slarena_strdup(slarena *a, const char *s, size_t n) {
    char *p = slarena_alloc(a, n ? n : 1);
    if (n) {
        memcpy(p, s, n);
    }
    return p;
}

void slarena_reset(slarena *a) {
    if (!a->head) {
        return;
    }
    /* Keep the most recent chunk if it is a standard one. */
    slarena_chunk *keep = a->head;
    slarena_chunk *c = keep->next;
    while (c) {
        slarena_chunk *n = c->next;
        slmem_free(c);
        c = n;
    }
    keep->next = NULL;
    a->pos = keep->data;
    a->end = keep->data + keep->size;
    a->bytes = 0;
}

void slarena_free(slarena *a) {
    slarena_chunk *c = a->head;
    while (c) {
        slarena_chunk *n = c->next;
        slmem_free(c);
        c = n;
    }
    slarena_init(a);
}

slarena_pos slarena_mark(const slarena *a) {
    slarena_pos m = {a->head, a->head ? a->head->next : NULL, a->pos, a->end, a->bytes};
    return m;
}

/* Chunks made since the mark sit in front of the marked head (new standard
 * chunks, and large blocks linked after them) or right after it (large blocks
 * linked while it was the head); free both runs and restore the position. */
void slarena_rollback(slarena *a, const slarena_pos *m) {
    while (a->head != m->head) {
        slarena_chunk *c = a->head;
        a->head = c->next;
        slmem_free(c);
    }
    if (m->head) {
        while (m->head->next != m->next) {
            slarena_chunk *c = m->head->next;
            m->head->next = c->next;
            slmem_free(c);
        }
    }
    a->pos = m->pos;
    a->end = m->end;
    a->bytes = m->bytes;
}
