/*
 * snapwriter.c - the snapshot writer: a thread that writes snapshot files
 * handed to it, so that a worker taking a checkpoint pauses only for the copy
 * of its state into a buffer (the consistent image), not for the write and
 * fsync (DESIGN.md section 6: "without stopping the pipeline for longer than
 * a copy-on-write or flush takes").
 *
 * Jobs are queued FIFO under one mutex; the thread writes each with
 * slsnap_write_file and frees its buffer. The first error since the last
 * slsnap_writer_wait is kept (message copied) and returned by it; the
 * checkpoint coordinator waits before it lists and checksums the files of a
 * checkpoint, so a checkpoint commits only after its files are durable.
 *
 * Thread: put from workers, wait from the coordinator, new/free from the
 * runtime's thread; the writer thread is internal.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "state/state.h"

typedef struct wjob {
    struct wjob *next;
    char *path;  /* owned */
    slbuf data;  /* owned */
} wjob;

struct slsnap_writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work; /* the thread waits here for jobs or stop */
    pthread_cond_t idle; /* waiters wait here for the queue to drain */
    wjob *head, *tail;
    bool busy;           /* the thread is writing a job */
    bool stop;
    sl_err err;          /* first failure since the last wait */
    char errmsg[512];
};

static void *writer_main(void *arg) {
    slsnap_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stop) {
            pthread_cond_wait(&w->work, &w->mu);
        }
        if (!w->head) {
            break; /* stopped with nothing left */
        }
        wjob *j = w->head;
        w->head = j->next;
        if (!w->head) {
            w->tail = NULL;
        }
        w->busy = true;
        pthread_mutex_unlock(&w->mu);
        slerr_clear();
        sl_err err = slsnap_write_file(j->path, j->data.data ? j->data.data : "", j->data.len);
        char msg[512];
        if (err) {
            snprintf(msg, sizeof msg, "%s", sl_errmsg());
        }
        slmem_free(j->path);
        slbuf_free(&j->data);
        slmem_free(j);
        pthread_mutex_lock(&w->mu);
        w->busy = false;
        if (err && !w->err) {
            w->err = err;
            memcpy(w->errmsg, msg, sizeof msg);
        }
        if (!w->head) {
            pthread_cond_broadcast(&w->idle);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

sl_err slsnap_writer_new(slsnap_writer **out) {
    slsnap_writer *w = slmem_calloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->idle, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->idle);
        slmem_free(w);
        return slerr_set(SL_ERR_RUNTIME, "cannot start the snapshot writer thread");
    }
    *out = w;
    return SL_OK;
}

void slsnap_writer_put(slsnap_writer *w, const char *path, slbuf *data) {
    wjob *j = slmem_calloc(1, sizeof *j);
    j->path = slmem_strdup(path);
    j->data = *data;
    memset(data, 0, sizeof *data);
    pthread_mutex_lock(&w->mu);
    if (w->tail) {
        w->tail->next = j;
    } else {
        w->head = j;
    }
    w->tail = j;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
}

sl_err slsnap_writer_wait(slsnap_writer *w) {
    pthread_mutex_lock(&w->mu);
    while (w->head || w->busy) {
        pthread_cond_wait(&w->idle, &w->mu);
    }
    sl_err err = w->err;
    char msg[512];
    memcpy(msg, w->errmsg, sizeof msg);
    w->err = SL_OK;
    w->errmsg[0] = 0;
    pthread_mutex_unlock(&w->mu);
    if (err) {
        slerr_set(err, "%s", msg);
    }
    return err;
}

void slsnap_writer_free(slsnap_writer *w) {
    if (!w) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL); /* writes what is queued first */
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->idle);
    slmem_free(w);
}
