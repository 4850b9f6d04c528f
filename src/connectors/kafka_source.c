/*
 * kafka_source.c - the Kafka source: one librdkafka consumer per subtask,
 * partitions assigned by hand (no group rebalancing: subtask k of p reads
 * the (topic, partition) pairs i with i % p == k), start offsets resolved to
 * numbers at open (earliest/latest from the partition's low/high offsets,
 * the group's committed offsets, offsets for a timestamp, or given ones),
 * records decoded straight into the runtime's batch.
 *
 * Watermarks (kafka.h): per partition max_ts - delay - 1; the source's is the
 * minimum over partitions that are neither idle nor finished. A row that the
 * rows before it make late (its time <= that minimum, not yet emitted) ends
 * the batch: it and the rows after it wait in `carry` and the watermark is
 * emitted at the start of the next read, before them, so lateness never
 * depends on how records were cut into batches.
 *
 * Positions: `next` of a partition is the offset after the last record
 * fetched; a snapshot lowers it to the first carried row of the partition,
 * so a restore re-reads exactly the rows not emitted before the barrier.
 * Blob format (version 1): u8 version, u32 count, then per partition u16
 * topic length, topic bytes, i32 partition, i64 next offset (host order).
 *
 * Thread: everything runs on the source's worker thread.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "connectors/kafka_int.h"
#include "data/formats.h"

#define POLL_MS 10 /* wait for records this long before reporting idle */

typedef struct kpart {
    char *topic; /* owned */
    int32_t partition;
    int64_t next;    /* offset after the last record fetched (the start before any) */
    int64_t end;     /* bounded: stop before this offset; INT64_MAX: unbounded */
    int64_t max_ts;  /* largest event time seen (SL_TIME_MIN before any) */
    int64_t last_us; /* processing time of its last record (or of open) */
    bool done;       /* bounded: every record up to `end` was fetched */
    bool finished;   /* done, and its rows went through walk(): it no longer
                      * holds back the watermark */
} kpart;

typedef struct kpend {
    int64_t id;
    int64_t *next; /* owned: one per partition */
} kpend;

typedef struct ksrc {
    slsource base;
    const slkafka_conf *conf; /* borrowed: owned by the graph */
    int subtask, parallelism;
    rd_kafka_t *rk;       /* owned */
    rd_kafka_queue_t *q;  /* owned: the consumer queue */
    kpart *parts;         /* owned */
    int n_parts;
    int last_part;        /* index of the partition of the last record (lookup hint) */
    bool assigned, idle_marked;
    int64_t emitted, pending; /* watermarks: last emitted, to emit at the next read */
    int32_t *row_part;        /* owned: partition index of each row of the batch */
    int64_t *row_off;         /* owned: offset of each row of the batch */
    uint8_t *keep;            /* owned */
    uint32_t row_cap;
    slbatch *carry;           /* owned: rows held back behind a watermark */
    int32_t *carry_part;      /* owned */
    int64_t *carry_off;       /* owned */
    rd_kafka_message_t **msgs; /* owned array */
    sljson_dec json;
    slcsv_dec csv;
    slexpr_eval *ev;    /* owned: for a computed rowtime */
    sl_schema *ts_schema; /* ref */
    slbatch *tsb;       /* owned: the computed rowtime column */
    slbuf raw;
    kpend *pend;        /* owned: positions of snapshots not yet committed */
    int n_pend;
    size_t cap_pend;
    char reason[SLFMT_REASON_MAX];
} ksrc;

static int64_t timeout_ms(const ksrc *k) {
    return k->conf->connect_timeout_ms;
}

/* ---- open: partitions and start offsets ---- */

static sl_err add_part(ksrc *k, size_t *cap, const char *topic, int32_t p) {
    slmem_grow((void **)&k->parts, cap, (size_t)k->n_parts + 1, sizeof *k->parts);
    kpart *kp = &k->parts[k->n_parts++];
    memset(kp, 0, sizeof *kp);
    kp->topic = slmem_strdup(topic);
    kp->partition = p;
    kp->end = INT64_MAX;
    kp->max_ts = SL_TIME_MIN;
    return SL_OK;
}

static const char *boot(const ksrc *k) {
    return slkafka_prop(k->conf, "bootstrap.servers");
}

static sl_err meta_err(const ksrc *k, const char *what, rd_kafka_resp_err_t e) {
    return slerr_set(SL_ERR_IO,
                     "table '%s': kafka source: cannot get %s from '%s' within %lld ms "
                     "(connect.timeout): %s",
                     k->conf->table, what, boot(k), (long long)timeout_ms(k), rd_kafka_err2str(e));
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every (topic, partition) of the table in order; keep this subtask's share. */
static sl_err list_partitions(ksrc *k) {
    const slkafka_conf *c = k->conf;
    size_t cap = 0;
    int idx = 0;
    sl_err err = SL_OK;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e;
    if (c->pattern) {
        regex_t re;
        char *anchored = slmem_alloc(strlen(c->pattern) + 8);
        sprintf(anchored, "^(%s)$", c->pattern);
        int rc = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
        slmem_free(anchored);
        if (rc != 0) {
            return slerr_set(SL_ERR_ARG, "table '%s': option 'topic-pattern': bad regular "
                                         "expression '%s'",
                             c->table, c->pattern);
        }
        if ((e = rd_kafka_metadata(k->rk, 1, NULL, &md, (int)timeout_ms(k)))) {
            regfree(&re);
            return meta_err(k, "the topic list", e);
        }
        const char **names = slmem_calloc((size_t)md->topic_cnt + 1, sizeof *names);
        int n = 0;
        for (int i = 0; i < md->topic_cnt; i++) {
            const char *t = md->topics[i].topic;
            if (!md->topics[i].err && t[0] != '_' && regexec(&re, t, 0, NULL, 0) == 0) {
                names[n++] = t;
            }
        }
        qsort(names, (size_t)n, sizeof *names, cmp_str);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < md->topic_cnt; j++) {
                if (strcmp(md->topics[j].topic, names[i]) != 0) {
                    continue;
                }
                for (int p = 0; p < md->topics[j].partition_cnt; p++, idx++) {
                    if (idx % k->parallelism == k->subtask) {
                        add_part(k, &cap, names[i], p);
                    }
                }
            }
        }
        slmem_free(names);
        regfree(&re);
        rd_kafka_metadata_destroy(md);
        return SL_OK;
    }
    for (int i = 0; i < c->n_topics && !err; i++) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->rk, c->topics[i], NULL);
        e = rd_kafka_metadata(k->rk, 0, rkt, &md, (int)timeout_ms(k));
        rd_kafka_topic_destroy(rkt);
        if (e) {
            char what[600];
            snprintf(what, sizeof what, "the metadata of topic '%s'", c->topics[i]);
            return meta_err(k, what, e);
        }
        if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
            err = slerr_set(SL_ERR_NOTFOUND, "table '%s': kafka topic '%s' on '%s': %s",
                            c->table, c->topics[i], boot(k),
                            md->topic_cnt == 1 && md->topics[0].err
                                ? rd_kafka_err2str(md->topics[0].err)
                                : "no such topic");
        } else {
            for (int p = 0; p < md->topics[0].partition_cnt; p++, idx++) {
                if (idx % k->parallelism == k->subtask) {
                    add_part(k, &cap, c->topics[i], md->topics[0].partitions[p].id);
                }
            }
        }
        rd_kafka_metadata_destroy(md);
    }
    return err;
}

static rd_kafka_topic_partition_list_t *part_list(const ksrc *k, bool with_offsets) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(k->n_parts);
    for (int i = 0; i < k->n_parts; i++) {
        rd_kafka_topic_partition_t *tp =
            rd_kafka_topic_partition_list_add(l, k->parts[i].topic, k->parts[i].partition);
        if (with_offsets) {
            tp->offset = k->parts[i].next;
        }
    }
    return l;
}

/* Resolve the start offset (next) and the bounded end of every partition. */
static sl_err resolve_offsets(ksrc *k) {
    const slkafka_conf *c = k->conf;
    int64_t *lo = slmem_calloc((size_t)k->n_parts + 1, sizeof *lo);
    int64_t *hi = slmem_calloc((size_t)k->n_parts + 1, sizeof *hi);
    sl_err err = SL_OK;
    rd_kafka_resp_err_t e;
    for (int i = 0; i < k->n_parts; i++) {
        kpart *kp = &k->parts[i];
        if ((e = rd_kafka_query_watermark_offsets(k->rk, kp->topic, kp->partition, &lo[i], &hi[i],
                                                  (int)timeout_ms(k)))) {
            char what[600];
            snprintf(what, sizeof what, "the offsets of '%s:%d'", kp->topic, (int)kp->partition);
            err = meta_err(k, what, e);
            goto out;
        }
        kp->next = c->startup == SLKAFKA_LATEST ? hi[i] : lo[i];
        if (c->startup == SLKAFKA_SPECIFIC) {
            for (int j = 0; j < c->n_specific; j++) {
                if (c->specific_part[j] == kp->partition) {
                    kp->next = c->specific_off[j];
                }
            }
        }
    }
    if (k->n_parts && (c->startup == SLKAFKA_GROUP_OFFSETS || c->startup == SLKAFKA_TIMESTAMP)) {
        rd_kafka_topic_partition_list_t *l = part_list(k, false);
        if (c->startup == SLKAFKA_TIMESTAMP) {
            for (int i = 0; i < l->cnt; i++) {
                l->elems[i].offset = c->startup_ts_ms;
            }
            e = rd_kafka_offsets_for_times(k->rk, l, (int)timeout_ms(k));
        } else {
            e = rd_kafka_committed(k->rk, l, (int)timeout_ms(k));
        }
        if (e) {
            rd_kafka_topic_partition_list_destroy(l);
            err = meta_err(k, c->startup == SLKAFKA_TIMESTAMP ? "offsets for the timestamp"
                                                              : "the group's committed offsets",
                           e);
            goto out;
        }
        const char *reset = slkafka_prop(c, "auto.offset.reset");
        for (int i = 0; i < l->cnt && !err; i++) {
            kpart *kp = &k->parts[i];
            int64_t off = l->elems[i].offset;
            if (c->startup == SLKAFKA_TIMESTAMP) {
                kp->next = off >= 0 ? off : hi[i]; /* no record at or after the time */
            } else if (off >= 0) {
                kp->next = off;
            } else if (reset && (strcmp(reset, "earliest") == 0 || strcmp(reset, "smallest") == 0 ||
                                 strcmp(reset, "beginning") == 0)) {
                kp->next = lo[i];
            } else if (reset && (strcmp(reset, "latest") == 0 || strcmp(reset, "largest") == 0 ||
                                 strcmp(reset, "end") == 0)) {
                kp->next = hi[i];
            } else {
                err = slerr_set(SL_ERR_NOTFOUND,
                                "table '%s': group '%s' has no committed offset for '%s:%d' "
                                "('scan.startup.mode' = 'group-offsets'); set "
                                "'properties.auto.offset.reset' to 'earliest' or 'latest'",
                                c->table, slkafka_prop(c, "group.id"), kp->topic,
                                (int)kp->partition);
            }
        }
        rd_kafka_topic_partition_list_destroy(l);
    }
    for (int i = 0; i < k->n_parts; i++) {
        if (c->bounded) {
            k->parts[i].end = hi[i];
            k->parts[i].done = k->parts[i].finished = k->parts[i].next >= hi[i];
        }
    }
out:
    slmem_free(lo);
    slmem_free(hi);
    return err;
}

static sl_err ksrc_open(slsource *s, slopctx *c) {
    ksrc *k = (ksrc *)s;
    s->ctx = c;
    const slkafka_conf *conf = k->conf;
    /* librdkafka's consumer needs a group.id even when partitions are
     * assigned by hand; offsets are committed only to a group the user named. */
    const char *const extra[] = {"enable.auto.commit", "false",
                                 "enable.auto.offset.store", "false",
                                 "enable.partition.eof", "false",
                                 "client.id", "sluice",
                                 "group.id", "sluice",
                                 NULL};
    rd_kafka_conf_t *rc = slkafka_rdconf_new(conf, extra);
    if (!rc) {
        return SL_ERR_ARG;
    }
    char errstr[512];
    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof errstr);
    if (!k->rk) {
        rd_kafka_conf_destroy(rc);
        return slerr_set(SL_ERR_ARG, "table '%s': kafka consumer: %s", conf->table, errstr);
    }
    rd_kafka_poll_set_consumer(k->rk);
    k->q = rd_kafka_queue_get_consumer(k->rk);
    sl_err err = list_partitions(k);
    if (!err) {
        err = resolve_offsets(k);
    }
    if (err) {
        return err;
    }
    int64_t now = slclock_now(c->clock);
    for (int i = 0; i < k->n_parts; i++) {
        k->parts[i].last_us = now;
    }
    k->row_cap = c->batch_rows;
    k->row_part = slmem_calloc(k->row_cap, sizeof *k->row_part);
    k->row_off = slmem_calloc(k->row_cap, sizeof *k->row_off);
    k->carry_part = slmem_calloc(k->row_cap, sizeof *k->carry_part);
    k->carry_off = slmem_calloc(k->row_cap, sizeof *k->carry_off);
    k->keep = slmem_calloc(k->row_cap, 1);
    k->msgs = slmem_calloc(k->row_cap, sizeof *k->msgs);
    k->carry = slbatch_new(s->schema, k->row_cap);
    if (conf->ts_expr) {
        k->ev = slexpr_eval_new(k->row_cap);
        sl_schema_new(&k->ts_schema);
        sl_schema_add(k->ts_schema, "ts", SL_TIMESTAMP);
        k->tsb = slbatch_new(k->ts_schema, k->row_cap);
    }
    return SL_OK;
}

/* ---- reading ---- */

static void pause_part(ksrc *k, const kpart *kp) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, kp->topic, kp->partition);
    rd_kafka_pause_partitions(k->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
}

static sl_err assign(ksrc *k) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(k->n_parts);
    for (int i = 0; i < k->n_parts; i++) {
        if (!k->parts[i].done) {
            rd_kafka_topic_partition_list_add(l, k->parts[i].topic, k->parts[i].partition)->offset =
                k->parts[i].next;
        }
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(k->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        return slerr_set(SL_ERR_IO, "table '%s': kafka assign: %s", k->conf->table,
                         rd_kafka_err2str(e));
    }
    k->assigned = true;
    return SL_OK;
}

static int find_part(ksrc *k, const rd_kafka_message_t *m) {
    const char *t = rd_kafka_topic_name(m->rkt);
    for (int j = 0; j < k->n_parts; j++) {
        int i = (k->last_part + j) % k->n_parts;
        if (k->parts[i].partition == m->partition && strcmp(k->parts[i].topic, t) == 0) {
            k->last_part = i;
            return i;
        }
    }
    return -1;
}

/* The watermark the partitions imply now (see the file comment); `emitted`
 * when every partition is idle or finished. */
static int64_t combined(const ksrc *k, int64_t now) {
    int64_t idle_us = k->base.ctx->idle_timeout_us;
    int64_t w = SL_TIME_MAX;
    bool any = false;
    for (int i = 0; i < k->n_parts; i++) {
        const kpart *kp = &k->parts[i];
        if (kp->finished || (idle_us > 0 && now - kp->last_us >= idle_us)) {
            continue;
        }
        any = true;
        int64_t d = k->conf->wm_delay_us;
        int64_t pw = kp->max_ts < SL_TIME_MIN + d + 1 ? SL_TIME_MIN : kp->max_ts - d - 1;
        w = pw < w ? pw : w;
    }
    return any ? w : k->emitted;
}

static void pos_str(const kpart *kp, int64_t off, char *buf, size_t cap) {
    snprintf(buf, cap, "%s:%d:%lld", kp->topic, (int)kp->partition, (long long)off);
}

/* Decode one record into b (or the dead letters). */
static void take_record(ksrc *k, slbatch *b, int pi, const rd_kafka_message_t *m) {
    const slkafka_conf *c = k->conf;
    kpart *kp = &k->parts[pi];
    char pos[600];
    if (!m->payload) {
        pos_str(kp, m->offset, pos, sizeof pos);
        slop_dead_letter(k->base.ctx, "kafka", pos, "record has no value (a tombstone)", "", 0);
        return;
    }
    uint32_t n0 = b->n;
    bool ok = c->format == SL_FORMAT_CSV
                  ? slcsv_decode_row(&k->csv, b, m->payload, m->len, k->reason, sizeof k->reason)
                  : sljson_decode_row(&k->json, b, m->payload, m->len, k->reason,
                                      sizeof k->reason);
    if (!ok) {
        pos_str(kp, m->offset, pos, sizeof pos);
        slop_dead_letter(k->base.ctx, "kafka", pos, k->reason, m->payload, m->len);
        return;
    }
    if (b->n == n0) {
        return; /* a blank record */
    }
    k->row_part[n0] = pi;
    k->row_off[n0] = m->offset;
    rd_kafka_timestamp_type_t tt;
    int64_t ms = rd_kafka_message_timestamp(m, &tt);
    b->ts[n0] = ms >= 0 ? ms * 1000 : 0;
}

/* Event times of rows [from, b->n) from the rowtime column or expression;
 * rows with a NULL time go to the dead letters. */
static void event_times(ksrc *k, slbatch *b, uint32_t from) {
    const slkafka_conf *c = k->conf;
    const slcol *col;
    if (c->ts_expr) {
        k->tsb->n = 0;
        slexpr_eval_into(k->ev, c->ts_expr, b, k->tsb, 0);
        col = &k->tsb->cols[0];
    } else {
        col = &b->cols[c->ts_col];
    }
    bool any_null = false;
    for (uint32_t i = from; i < b->n; i++) {
        any_null |= col->nulls[i] != 0;
        b->ts[i] = col->v.i64[i];
    }
    if (!any_null) {
        return;
    }
    char reason[300], pos[600];
    snprintf(reason, sizeof reason, "event time column '%s' is NULL", c->ts_name);
    uint32_t j = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        k->keep[i] = i < from || !col->nulls[i];
        if (!k->keep[i]) {
            slbuf_reset(&k->raw);
            slfmt_json_row(&k->raw, b, i, false);
            pos_str(&k->parts[k->row_part[i]], k->row_off[i], pos, sizeof pos);
            slop_dead_letter(k->base.ctx, "kafka", pos, reason, k->raw.data, k->raw.len);
            continue;
        }
        k->row_part[j] = k->row_part[i];
        k->row_off[j++] = k->row_off[i];
    }
    slbatch_compact(b, k->keep);
}

static int64_t position(const ksrc *k, int i);

/* Walk the rows in order, advancing partition maxima; at the first row the
 * rows before it make late, move it and the rest to `carry`. */
static void walk(ksrc *k, slbatch *b, int64_t now) {
    const slkafka_conf *c = k->conf;
    int64_t w = combined(k, now);
    for (uint32_t i = 0; i < b->n; i++) {
        if (c->has_wm && w > k->emitted && b->ts[i] <= w) {
            for (uint32_t r = i; r < b->n; r++) {
                uint32_t j = k->carry->n;
                slbatch_append_row(k->carry, b, r);
                k->carry_part[j] = k->row_part[r];
                k->carry_off[j] = k->row_off[r];
            }
            for (uint32_t r = 0; r < b->n; r++) {
                k->keep[r] = r < i;
            }
            slbatch_compact(b, k->keep);
            k->pending = w;
            for (int p = 0; p < k->n_parts; p++) {
                k->parts[p].finished = k->parts[p].done && position(k, p) == k->parts[p].next;
            }
            return;
        }
        kpart *kp = &k->parts[k->row_part[i]];
        if (b->ts[i] > kp->max_ts) {
            kp->max_ts = b->ts[i];
            w = combined(k, now);
        }
    }
    for (int p = 0; p < k->n_parts; p++) {
        k->parts[p].finished = k->parts[p].done;
    }
    if (c->has_wm) {
        k->pending = combined(k, now);
    }
}

static slsrc_status fail_msg(ksrc *k, const rd_kafka_message_t *m) {
    if (m->rkt) {
        slerr_set(SL_ERR_IO, "table '%s': kafka topic '%s' partition %d: %s", k->conf->table,
                  rd_kafka_topic_name(m->rkt), (int)m->partition, rd_kafka_message_errstr(m));
    } else {
        slerr_set(SL_ERR_IO, "table '%s': kafka consumer: %s", k->conf->table,
                  rd_kafka_message_errstr(m));
    }
    return SLSRC_ERROR;
}

static slsrc_status ksrc_read(slsource *s, slbatch *b) {
    ksrc *k = (ksrc *)s;
    slopctx *c = s->ctx;
    if (!k->assigned) {
        if (assign(k) != SL_OK) {
            return SLSRC_ERROR;
        }
        if (k->n_parts == 0 && !k->conf->bounded && !k->idle_marked) {
            c->emit_idle(c, true); /* nothing to read: hold nothing back */
            k->idle_marked = true;
        }
    }
    if (k->pending > k->emitted) {
        /* A watermark makes the output active again (the runtime marks a
         * source idle when it has no rows for the idle timeout, but an idle
         * output's watermark does not reach downstream). */
        k->emitted = k->pending;
        c->emit_idle(c, false);
        c->emit_watermark(c, k->pending);
    }
    for (uint32_t i = 0; i < k->carry->n; i++) {
        k->row_part[b->n] = k->carry_part[i];
        k->row_off[b->n] = k->carry_off[i];
        slbatch_append_row(b, k->carry, i);
    }
    bool had_carry = k->carry->n > 0;
    slbatch_clear(k->carry);
    uint32_t first_new = b->n;
    bool all_done = true;
    for (int i = 0; i < k->n_parts; i++) {
        all_done &= k->parts[i].done;
    }
    ssize_t cnt = 0;
    if (!all_done && b->n < b->cap) {
        cnt = rd_kafka_consume_batch_queue(k->q, had_carry ? 0 : POLL_MS, k->msgs,
                                           b->cap - b->n);
    }
    int64_t now = slclock_now(c->clock);
    slsrc_status st = SLSRC_MORE;
    for (ssize_t i = 0; i < cnt; i++) {
        rd_kafka_message_t *m = k->msgs[i];
        if (st == SLSRC_ERROR) {
            rd_kafka_message_destroy(m);
            continue;
        }
        if (m->err) {
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                /* nothing */
            } else if (m->rkt || rd_kafka_fatal_error(k->rk, NULL, 0)) {
                st = fail_msg(k, m);
            }
            /* else: a transient client error (a broker went away);
             * librdkafka reconnects by itself and logs it. */
            rd_kafka_message_destroy(m);
            continue;
        }
        int pi = find_part(k, m);
        kpart *kp = pi >= 0 ? &k->parts[pi] : NULL;
        if (!kp || kp->done || m->offset < kp->next || m->offset >= kp->end) {
            if (kp && !kp->done && m->offset >= kp->end) {
                kp->done = true;
                pause_part(k, kp);
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        kp->next = m->offset + 1;
        kp->last_us = now;
        take_record(k, b, pi, m);
        if (kp->next >= kp->end) {
            kp->done = true;
            pause_part(k, kp);
        }
        rd_kafka_message_destroy(m);
    }
    if (st == SLSRC_ERROR) {
        return st;
    }
    if (k->conf->has_wm && b->n > first_new) {
        event_times(k, b, first_new);
    }
    walk(k, b, now);
    if (b->n > 0 || k->carry->n > 0) {
        return SLSRC_MORE;
    }
    all_done = true;
    for (int i = 0; i < k->n_parts; i++) {
        all_done &= k->parts[i].done;
    }
    if (all_done && k->conf->bounded) {
        return SLSRC_END;
    }
    return cnt > 0 ? SLSRC_MORE : SLSRC_IDLE;
}

/* ---- checkpoints ---- */

/* The position of partition i: its next offset, or its first carried row. */
static int64_t position(const ksrc *k, int i) {
    int64_t off = k->parts[i].next;
    for (uint32_t r = 0; k->carry && r < k->carry->n; r++) {
        if (k->carry_part[r] == i && k->carry_off[r] < off) {
            off = k->carry_off[r];
        }
    }
    return off;
}

static sl_err ksrc_snapshot(slsource *s, int64_t id, slbuf *pos) {
    ksrc *k = (ksrc *)s;
    slmem_grow((void **)&k->pend, &k->cap_pend, (size_t)k->n_pend + 1, sizeof *k->pend);
    kpend *pd = &k->pend[k->n_pend++];
    pd->id = id;
    pd->next = slmem_calloc((size_t)k->n_parts + 1, sizeof *pd->next);
    uint8_t ver = 1;
    uint32_t n = (uint32_t)k->n_parts;
    slbuf_put(pos, &ver, 1);
    slbuf_put(pos, &n, 4);
    for (int i = 0; i < k->n_parts; i++) {
        const kpart *kp = &k->parts[i];
        uint16_t len = (uint16_t)strlen(kp->topic);
        int64_t off = position(k, i);
        pd->next[i] = off;
        slbuf_put(pos, &len, 2);
        slbuf_put(pos, kp->topic, len);
        slbuf_put(pos, &kp->partition, 4);
        slbuf_put(pos, &off, 8);
    }
    return SL_OK;
}

static sl_err ksrc_restore(slsource *s, const slbuf *pos, int n) {
    ksrc *k = (ksrc *)s;
    for (int j = 0; j < n; j++) {
        const uint8_t *p = (const uint8_t *)pos[j].data;
        size_t left = pos[j].len;
        if (left == 0) {
            continue;
        }
        uint32_t cnt;
        if (left < 5 || p[0] != 1) {
            goto bad;
        }
        memcpy(&cnt, p + 1, 4);
        p += 5;
        left -= 5;
        for (uint32_t e = 0; e < cnt; e++) {
            uint16_t len;
            int32_t part;
            int64_t off;
            if (left < 2) {
                goto bad;
            }
            memcpy(&len, p, 2);
            if (left < 2u + len + 12u) {
                goto bad;
            }
            const char *topic = (const char *)p + 2;
            memcpy(&part, p + 2 + len, 4);
            memcpy(&off, p + 6 + len, 8);
            p += 14 + len;
            left -= 14u + len;
            for (int i = 0; i < k->n_parts; i++) {
                kpart *kp = &k->parts[i];
                if (kp->partition == part && strlen(kp->topic) == len &&
                    memcmp(kp->topic, topic, len) == 0) {
                    kp->next = off;
                    kp->done = kp->finished = kp->next >= kp->end;
                }
            }
        }
    }
    if (k->assigned) {
        return assign(k);
    }
    return SL_OK;
bad:
    return slerr_set(SL_ERR_PARSE, "table '%s': kafka source: bad checkpoint position",
                     k->conf->table);
}

static void ksrc_checkpoint_done(slsource *s, int64_t id) {
    ksrc *k = (ksrc *)s;
    int last = -1;
    for (int i = 0; i < k->n_pend; i++) {
        if (k->pend[i].id <= id) {
            last = i;
        }
    }
    if (last < 0) {
        return;
    }
    if (slkafka_prop(k->conf, "group.id") && k->n_parts > 0) {
        rd_kafka_topic_partition_list_t *l = part_list(k, false);
        for (int i = 0; i < l->cnt; i++) {
            l->elems[i].offset = k->pend[last].next[i];
        }
        rd_kafka_resp_err_t e = rd_kafka_commit(k->rk, l, 0);
        if (e) {
            sllog_warn("table '%s': kafka offset commit for checkpoint %lld failed: %s",
                       k->conf->table, (long long)id, rd_kafka_err2str(e));
        }
        rd_kafka_topic_partition_list_destroy(l);
    }
    for (int i = 0; i <= last; i++) {
        slmem_free(k->pend[i].next);
    }
    memmove(k->pend, k->pend + last + 1, sizeof *k->pend * (size_t)(k->n_pend - last - 1));
    k->n_pend -= last + 1;
}

static void ksrc_free(slsource *s) {
    ksrc *k = (ksrc *)s;
    if (!k) {
        return;
    }
    if (k->q) {
        rd_kafka_queue_destroy(k->q);
    }
    if (k->rk) {
        rd_kafka_consumer_close(k->rk);
        rd_kafka_destroy(k->rk);
    }
    for (int i = 0; i < k->n_parts; i++) {
        slmem_free(k->parts[i].topic);
    }
    slmem_free(k->parts);
    for (int i = 0; i < k->n_pend; i++) {
        slmem_free(k->pend[i].next);
    }
    slmem_free(k->pend);
    slmem_free(k->row_part);
    slmem_free(k->row_off);
    slmem_free(k->carry_part);
    slmem_free(k->carry_off);
    slmem_free(k->keep);
    slmem_free(k->msgs);
    slbatch_free(k->carry);
    slbatch_free(k->tsb);
    slschema_unref(k->ts_schema);
    slexpr_eval_free(k->ev);
    sljson_dec_free(&k->json);
    slcsv_dec_free(&k->csv);
    slbuf_free(&k->raw);
    slmem_free(k);
}

static const slsource_vt ksrc_vt = {
    .name = "kafka",
    .open = ksrc_open,
    .read = ksrc_read,
    .free = ksrc_free,
    .snapshot = ksrc_snapshot,
    .restore = ksrc_restore,
    .checkpoint_done = ksrc_checkpoint_done,
};

slsource *slkafka_source_new(void *conf, int subtask, int parallelism) {
    const slkafka_conf *c = conf;
    ksrc *k = slmem_calloc(1, sizeof *k);
    k->base.vt = &ksrc_vt;
    k->base.schema = c->schema;
    k->conf = c;
    k->subtask = subtask;
    k->parallelism = parallelism > 0 ? parallelism : 1;
    k->emitted = k->pending = SL_TIME_MIN;
    sljson_dec_init(&k->json, c->schema);
    slcsv_dec_init(&k->csv, c->schema, c->csv_delim);
    return &k->base;
}
