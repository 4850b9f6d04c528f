/*
 * channel.h - bounded channels between tasks.
 *
 * A channel carries elements from one producer subtask to one consumer task:
 * batches (owned by the channel while queued), watermarks, idle/active marks
 * end-of-input and checkpoint barriers, in order.
 *
 * Every consumer task has one inbox; all of its input channels share the
 * inbox's mutex and its `ready` condition, so the consumer waits on ONE
 * condition for "any input has something". A producer that finds its channel
 * full waits on that channel's `space` condition (backpressure) and adds the
 * time it waited to its operator's blocked_us. One lock per element (a batch
 * carries ~1k rows), never per row.
 *
 * Closing an inbox (job cancelled or failed) wakes everyone: the consumer's
 * pop returns -1 and pushes drop their element, so no producer stays blocked
 * on a consumer that has gone.
 *
 * Thread: push from the producer's thread, pop from the consumer's, close from
 * any.
 */
#ifndef SL_CHANNEL_H
#define SL_CHANNEL_H

#include <pthread.h>

#include "data/data.h"

typedef enum slmsg_kind {
    SLMSG_BATCH = 1, /* b: the rows */
    SLMSG_WATERMARK, /* v: the producer's output watermark */
    SLMSG_IDLE,      /* v: 1 = the producer is idle, 0 = active again */
    SLMSG_END,       /* the producer has ended cleanly */
    SLMSG_BARRIER,   /* v: checkpoint id */
} slmsg_kind;

typedef struct slmsg {
    slmsg_kind kind;
    slbatch *b; /* owned: SLMSG_BATCH only */
    int64_t v;
} slmsg;

typedef struct slchan slchan;

typedef struct slinbox {
    pthread_mutex_t mu;
    pthread_cond_t ready; /* the consumer waits here */
    slchan **chans;       /* owned array; the channels themselves are owned by the inbox too */
    int n_chans;
    size_t cap_chans;
    int next;        /* where the next scan for a ready channel starts (fairness) */
    uint32_t queued; /* elements queued over all channels that are not blocked */
    bool closed;     /* cancelled: pops fail, pushes drop */
    bool waiting;    /* the consumer is waiting on `ready` */
    bool woken;      /* slinbox_wake: the next (or current) wait returns at once */
} slinbox;

struct slchan {
    slinbox *box; /* borrowed: the consumer's inbox */
    slmsg *ring;  /* owned: cap elements */
    uint32_t cap, head, n;
    pthread_cond_t space; /* producers wait here while the ring is full */
    int n_waiting;        /* producers waiting on `space` */
    /* Consumer-side bookkeeping, touched only by the consumer's thread. */
    int input;   /* the logical input of the consumer this channel feeds */
    int64_t wm;  /* last watermark received */
    bool idle;   /* the producer said it is idle */
    bool ended;  /* SLMSG_END received */
    int64_t barrier; /* id of the last checkpoint barrier received */
    /* Aligning (exactly-once checkpoints): the consumer takes nothing from
     * this channel until it unblocks it. Changed under the inbox mutex by
     * slinbox_block only. */
    bool blocked;
};

void slinbox_init(slinbox *box);
/* Free every channel (and the batches still queued in them). */
void slinbox_destroy(slinbox *box);
/* A new channel of `cap` elements into `box`, feeding logical input `input`.
 * Thread: set-up only (before any push/pop). */
slchan *slchan_new(slinbox *box, uint32_t cap, int input);
/* Append `m` (taking m.b), waiting while the channel is full. Time spent
 * waiting is added to *blocked_us. Returns false if the inbox was closed: the
 * element was dropped (its batch freed). */
bool slchan_push(slchan *c, slmsg m, uint64_t *blocked_us);
/* Take the next element of any channel of `box`. Waits up to timeout_us
 * (< 0: no limit) when nothing is queued. Returns 1 with *out and *from set,
 * 0 on timeout, -1 when the inbox is closed. */
int slinbox_pop(slinbox *box, int64_t timeout_us, slmsg *out, slchan **from);
/* Wait up to timeout_us on the inbox (for tasks without inputs that have
 * nothing to do) unless it is closed; returns false if it is closed. */
bool slinbox_nap(slinbox *box, int64_t timeout_us);
/* Block or unblock channel c of box (barrier alignment): pops skip a
 * blocked channel; its elements stay queued. Thread: the consumer. */
void slinbox_block(slinbox *box, slchan *c, bool blocked);
/* Wake the consumer if it waits in slinbox_pop (it returns 0). Any thread. */
void slinbox_wake(slinbox *box);
/* Close: wake the consumer and every blocked producer. Idempotent. */
void slinbox_close(slinbox *box);

#endif /* SL_CHANNEL_H */
