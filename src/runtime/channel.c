/*
 * channel.c - bounded channels grouped into per-consumer inboxes (channel.h).
 * Condition variables use CLOCK_MONOTONIC so timed waits ignore wall-clock
 * steps. Only the lock holder touches ring indices and counters.
 */
#include <errno.h>
#include <time.h>

#include "ops/op.h"
#include "runtime/channel.h"

static void cond_init_mono(pthread_cond_t *cv) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

/* Wait on cv (mu held) for at most timeout_us; < 0 waits without limit. */
static void cond_wait_us(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t timeout_us) {
    if (timeout_us < 0) {
        pthread_cond_wait(cv, mu);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = ts.tv_nsec + (timeout_us % 1000000) * 1000;
    ts.tv_sec += (time_t)(timeout_us / 1000000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_cond_timedwait(cv, mu, &ts);
}

void slinbox_init(slinbox *box) {
    memset(box, 0, sizeof *box);
    pthread_mutex_init(&box->mu, NULL);
    cond_init_mono(&box->ready);
}

static void msg_free(slmsg *m) {
    if (m->kind == SLMSG_BATCH) {
        slbatch_free(m->b);
        m->b = NULL;
    }
}

void slinbox_destroy(slinbox *box) {
    for (int i = 0; i < box->n_chans; i++) {
        slchan *c = box->chans[i];
        for (uint32_t k = 0; k < c->n; k++) {
            msg_free(&c->ring[(c->head + k) % c->cap]);
        }
        pthread_cond_destroy(&c->space);
        slmem_free(c->ring);
        slmem_free(c);
    }
    slmem_free(box->chans);
    pthread_cond_destroy(&box->ready);
    pthread_mutex_destroy(&box->mu);
    memset(box, 0, sizeof *box);
}

slchan *slchan_new(slinbox *box, uint32_t cap, int input) {
    slchan *c = slmem_calloc(1, sizeof *c);
    c->box = box;
    c->cap = cap ? cap : 1;
    c->ring = slmem_calloc(c->cap, sizeof *c->ring);
    cond_init_mono(&c->space);
    c->input = input;
    c->wm = SL_TIME_MIN;
    slmem_grow((void **)&box->chans, &box->cap_chans, (size_t)box->n_chans + 1,
               sizeof *box->chans);
    box->chans[box->n_chans++] = c;
    return c;
}

bool slchan_push(slchan *c, slmsg m, uint64_t *blocked_us) {
    slinbox *box = c->box;
    pthread_mutex_lock(&box->mu);
    if (c->n == c->cap && !box->closed) {
        int64_t t0 = slclock_mono_us();
        c->n_waiting++;
        while (c->n == c->cap && !box->closed) {
            pthread_cond_wait(&c->space, &box->mu);
        }
        c->n_waiting--;
        if (blocked_us) {
            slmetric_add(blocked_us, (uint64_t)(slclock_mono_us() - t0));
        }
    }
    if (box->closed) {
        pthread_mutex_unlock(&box->mu);
        msg_free(&m);
        return false;
    }
    c->ring[(c->head + c->n) % c->cap] = m;
    c->n++;
    if (c->blocked) {
        pthread_mutex_unlock(&box->mu);
        return true; /* counted when it unblocks */
    }
    box->queued++;
    if (box->waiting) {
        pthread_cond_signal(&box->ready);
    }
    pthread_mutex_unlock(&box->mu);
    return true;
}

int slinbox_pop(slinbox *box, int64_t timeout_us, slmsg *out, slchan **from) {
    pthread_mutex_lock(&box->mu);
    if (box->queued == 0 && !box->closed && !box->woken) {
        box->waiting = true;
        if (timeout_us < 0) {
            while (box->queued == 0 && !box->closed && !box->woken) {
                pthread_cond_wait(&box->ready, &box->mu);
            }
        } else {
            cond_wait_us(&box->ready, &box->mu, timeout_us);
        }
        box->waiting = false;
    }
    box->woken = false;
    if (box->closed) {
        pthread_mutex_unlock(&box->mu);
        return -1;
    }
    if (box->queued == 0) {
        pthread_mutex_unlock(&box->mu);
        return 0;
    }
    int n = box->n_chans;
    for (int k = 0; k < n; k++) {
        int i = (box->next + k) % n;
        slchan *c = box->chans[i];
        if (c->n == 0 || c->blocked) {
            continue;
        }
        *out = c->ring[c->head];
        c->ring[c->head].b = NULL;
        c->head = (c->head + 1) % c->cap;
        c->n--;
        box->queued--;
        box->next = (i + 1) % n; /* round robin: no input starves */
        if (c->n_waiting) {
            pthread_cond_signal(&c->space);
        }
        *from = c;
        pthread_mutex_unlock(&box->mu);
        return 1;
    }
    pthread_mutex_unlock(&box->mu);
    return 0;
}

bool slinbox_nap(slinbox *box, int64_t timeout_us) {
    pthread_mutex_lock(&box->mu);
    if (!box->closed) {
        cond_wait_us(&box->ready, &box->mu, timeout_us);
    }
    bool open = !box->closed;
    pthread_mutex_unlock(&box->mu);
    return open;
}

void slinbox_block(slinbox *box, slchan *c, bool blocked) {
    pthread_mutex_lock(&box->mu);
    if (c->blocked != blocked) {
        c->blocked = blocked;
        if (blocked) {
            box->queued -= c->n;
        } else {
            box->queued += c->n;
        }
    }
    pthread_mutex_unlock(&box->mu);
}

void slinbox_wake(slinbox *box) {
    pthread_mutex_lock(&box->mu);
    box->woken = true;
    if (box->waiting) {
        pthread_cond_signal(&box->ready);
    }
    pthread_mutex_unlock(&box->mu);
}

void slinbox_close(slinbox *box) {
    pthread_mutex_lock(&box->mu);
    box->closed = true;
    pthread_cond_broadcast(&box->ready);
    for (int i = 0; i < box->n_chans; i++) {
        pthread_cond_broadcast(&box->chans[i]->space);
    }
    pthread_mutex_unlock(&box->mu);
}
