/*
 * opstate.h - the operator-state blobs of the built-in operators (what
 * slop_vt.snapshot appends to `opstate`, see op.h), and the rule every
 * operator follows to be checkpointable.
 *
 * Checkpointing operators. After restore, an operator instance must behave
 * exactly as the instance that took the snapshot would have. So:
 *   - keyed state lives in c->state tables (the backend snapshots them and a
 *     rescaled restore splits them by key group);
 *   - keyed state kept in memory beside them (timers, sets of open windows,
 *     caches) is either written into a state table by `snapshot`, under the
 *     hash of the key it belongs to so it lands in that key's group (timers:
 *     sltimers_save / sltimers_load), or rebuilt by `restore` from the tables
 *     (visit them) - never put into the blob, which is not split by key;
 *   - only non-keyed scalars go into the blob (a watermark, an arrival
 *     counter, an id counter). On a rescaled restore an instance holds some key
 *     groups and receives the blobs of ALL old subtasks, so each field says
 *     how blobs merge: arrival numbers and id counters take the maximum (they
 *     stay increasing for every key and unique), a watermark the minimum
 *     (nothing that has not fired is taken as fired; subtasks downstream of an
 *     aligned barrier saw the same watermark anyway);
 *   - caches (the hot slice, a prepared batch) are reset by restore, and
 *     processing-time deadlines restart from the clock as in open.
 * An operator with nothing outside c->state needs no hooks. Every operator
 * with hooks has a test that cuts its input at every element: snapshot, free
 * the instance, open a new one on the same state, restore, feed the rest, and
 * compare with an uninterrupted run; and a rescale test restoring two
 * instances on key groups [0, 64) and [64, 128).
 *
 * Blob layout (host byte order, like state values): [u32 tag][u32 n][n x
 * int64]. The tag names the operator and the layout version; a blob with
 * another tag or length is refused with SL_ERR_STATE (a checkpoint of another
 * job or version), so it is never misread.
 *
 * Thread: the operator's worker.
 */
#ifndef SL_OPSTATE_H
#define SL_OPSTATE_H

#include "base/base.h"

#define SLOPSTATE_TAG(a, b, c, d)                                                                  \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* Append a blob of n int64 fields. */
static inline void slopstate_put(slbuf *b, uint32_t tag, const int64_t *v, uint32_t n) {
    slbuf_put(b, &tag, 4);
    slbuf_put(b, &n, 4);
    slbuf_put(b, v, (size_t)n * 8);
}

/* Read the n fields of blob `b` into v. An empty blob (an operator instance
 * that saved nothing) returns false with v untouched; a blob of another tag or
 * size returns SL_ERR_STATE through *err naming `what`. */
static inline bool slopstate_get(const slbuf *b, uint32_t tag, int64_t *v, uint32_t n,
                                 const char *what, sl_err *err) {
    if (b->len == 0) {
        return false;
    }
    uint32_t t, m;
    if (b->len != 8 + (size_t)n * 8 || (memcpy(&t, b->data, 4), t != tag) ||
        (memcpy(&m, b->data + 4, 4), m != n)) {
        *err = slerr_set(SL_ERR_STATE,
                         "%s: the checkpoint's operator state does not belong to this operator "
                         "(%zu bytes)",
                         what, b->len);
        return false;
    }
    memcpy(v, b->data + 8, (size_t)n * 8);
    return true;
}

#endif /* SL_OPSTATE_H */
