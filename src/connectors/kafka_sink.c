/*
 * kafka_sink.c - the Kafka sink: one librdkafka producer per subtask. Each
 * row becomes one record: the value is the row as JSON or CSV (no row kind:
 * the planner only lets append-only queries in), the key the key columns as
 * a JSON object or CSV record when the table has key fields, the timestamp
 * the row's event time (ms) when it has one.
 *
 * Errors: delivery reports are served after every batch; the first failed
 * delivery fails the job with the broker's message (slop_fail). A full
 * local queue is backpressure: the sink waits for deliveries and retries.
 * End flushes everything; with 'sink.delivery-guarantee' = 'at-least-once'
 * a snapshot flushes too, so a completed checkpoint never loses a row.
 *
 * Thread: the sink's worker; librdkafka's delivery callback runs inside
 * rd_kafka_poll / rd_kafka_flush on that same thread.
 */
#include <stdio.h>

#include "connectors/kafka_int.h"

#define FLUSH_STEP_MS 1000

typedef struct ksink {
    slop base;
    const slkafka_conf *conf; /* borrowed: owned by the graph */
    int subtask;
    rd_kafka_t *rk;  /* owned */
    int32_t n_partitions;
    int32_t rr;      /* round-robin: the next partition */
    bool failed;     /* a delivery failed (the job is failing) */
    char err[512];   /* the first delivery error */
    sl_schema *key_schema; /* ref: the key columns */
    slbatch *key_row;      /* owned: one row of key columns, for encoding */
    slbuf val, key;
} ksink;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    SL_UNUSED(rk);
    ksink *k = opaque;
    if (m->err && !k->err[0]) {
        snprintf(k->err, sizeof k->err, "%s", rd_kafka_err2str(m->err));
    }
}

static const char *boot(const ksink *k) {
    return slkafka_prop(k->conf, "bootstrap.servers");
}

static sl_err ksink_open(slop *op, slopctx *ctx) {
    ksink *k = (ksink *)op;
    op->ctx = ctx;
    const slkafka_conf *c = k->conf;
    static const char *const extra[] = {"client.id", "sluice", NULL};
    rd_kafka_conf_t *rc = slkafka_rdconf_new(c, extra);
    if (!rc) {
        return SL_ERR_ARG;
    }
    rd_kafka_conf_set_dr_msg_cb(rc, on_delivery);
    rd_kafka_conf_set_opaque(rc, k);
    char errstr[512];
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof errstr);
    if (!k->rk) {
        rd_kafka_conf_destroy(rc);
        return slerr_set(SL_ERR_ARG, "table '%s': kafka producer: %s", c->table, errstr);
    }
    /* Check the topic now: an unreachable broker or a missing topic fails
     * the job at start, within connect.timeout, instead of at the first
     * delivery timeout. */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(k->rk, c->topics[0], NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 0, rkt, &md, (int)c->connect_timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (e) {
        return slerr_set(SL_ERR_IO,
                         "table '%s': kafka sink: cannot get the metadata of topic '%s' from '%s' "
                         "within %lld ms (connect.timeout): %s",
                         c->table, c->topics[0], boot(k), (long long)c->connect_timeout_ms,
                         rd_kafka_err2str(e));
    }
    sl_err err = SL_OK;
    if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
        err = slerr_set(SL_ERR_NOTFOUND, "table '%s': kafka topic '%s' on '%s': %s", c->table,
                        c->topics[0], boot(k),
                        md->topic_cnt == 1 && md->topics[0].err
                            ? rd_kafka_err2str(md->topics[0].err)
                            : "no such topic");
    } else {
        k->n_partitions = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    if (err) {
        return err;
    }
    k->rr = (int32_t)(k->subtask % k->n_partitions);
    if (c->n_key_cols) {
        sl_schema_new(&k->key_schema);
        for (int i = 0; i < c->n_key_cols; i++) {
            int col = c->key_cols[i];
            sl_schema_add(k->key_schema, sl_schema_name(c->schema, col),
                          sl_schema_type(c->schema, col));
        }
        k->key_row = slbatch_new(k->key_schema, 1);
    }
    return SL_OK;
}

/* Fail the job once with the first delivery error. */
static bool check_failed(ksink *k) {
    if (k->err[0] && !k->failed) {
        k->failed = true;
        slop_fail(k->base.ctx,
                  slerr_set(SL_ERR_IO, "table '%s': kafka sink: delivery to topic '%s' failed: %s",
                            k->conf->table, k->conf->topics[0], k->err));
    }
    return k->failed;
}

/* Encode the key columns of row i into k->key. */
static void encode_key(ksink *k, const slbatch *b, uint32_t i) {
    const slkafka_conf *c = k->conf;
    slbatch_clear(k->key_row);
    uint32_t r = slbatch_begin_row(k->key_row);
    for (int j = 0; j < c->n_key_cols; j++) {
        int col = c->key_cols[j];
        const slcol *src = &b->cols[col];
        if (src->nulls[i]) {
            slbatch_set_null(k->key_row, j, r);
            continue;
        }
        switch (sl_schema_type(c->schema, col)) {
        case SL_STRING:
            slbatch_set_str(k->key_row, j, r, src->v.s[i].ptr, src->v.s[i].len);
            break;
        case SL_DOUBLE:
            slbatch_set_f64(k->key_row, j, r, src->v.f64[i]);
            break;
        case SL_BOOLEAN:
            slbatch_set_bool(k->key_row, j, r, src->v.b[i] != 0);
            break;
        default:
            slbatch_set_i64(k->key_row, j, r, src->v.i64[i]);
            break;
        }
    }
    slbuf_reset(&k->key);
    if (c->key_format == SL_FORMAT_CSV) {
        slfmt_csv_row(&k->key, k->key_row, 0, false);
    } else {
        slfmt_json_row(&k->key, k->key_row, 0, false);
    }
}

static void ksink_batch(slop *op, int input, slbatch *b) {
    SL_UNUSED(input);
    ksink *k = (ksink *)op;
    const slkafka_conf *c = k->conf;
    for (uint32_t i = 0; i < b->n && !k->failed; i++) {
        slbuf_reset(&k->val);
        if (c->format == SL_FORMAT_CSV) {
            slfmt_csv_row(&k->val, b, i, false);
        } else {
            slfmt_json_row(&k->val, b, i, false);
        }
        if (c->n_key_cols) {
            encode_key(k, b, i);
        }
        int32_t part = RD_KAFKA_PARTITION_UA;
        if (c->partitioner == SLKAFKA_PART_FIXED) {
            part = (int32_t)(k->subtask % k->n_partitions);
        } else if (c->partitioner == SLKAFKA_PART_ROUND_ROBIN) {
            part = k->rr;
            k->rr = (k->rr + 1) % k->n_partitions;
        }
        int64_t ts_ms = b->ts[i] > 0 ? b->ts[i] / 1000 : 0;
        for (;;) {
            rd_kafka_resp_err_t e = rd_kafka_producev(
                k->rk, RD_KAFKA_V_TOPIC(c->topics[0]), RD_KAFKA_V_PARTITION(part),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(k->val.data, k->val.len),
                RD_KAFKA_V_KEY(c->n_key_cols ? k->key.data : NULL, c->n_key_cols ? k->key.len : 0),
                RD_KAFKA_V_TIMESTAMP(ts_ms), RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(k->rk, 100); /* backpressure: wait for deliveries */
                if (check_failed(k)) {
                    break;
                }
                continue;
            }
            if (e) {
                snprintf(k->err, sizeof k->err, "%s", rd_kafka_err2str(e));
                check_failed(k);
            }
            break;
        }
    }
    rd_kafka_poll(k->rk, 0);
    check_failed(k);
    slmetric_add(&op->ctx->metrics->rows_out, b->n);
    slbatch_free(b);
}

/* Wait until every record is delivered or has failed (message.timeout.ms
 * bounds each record). Returns false if a delivery failed. */
static bool flush_all(ksink *k) {
    while (rd_kafka_outq_len(k->rk) > 0) {
        rd_kafka_flush(k->rk, FLUSH_STEP_MS);
        if (k->err[0]) {
            break;
        }
    }
    return !k->err[0];
}

static sl_err ksink_snapshot(slop *op, int64_t id, slbuf *opstate) {
    SL_UNUSED(opstate);
    ksink *k = (ksink *)op;
    if (!k->conf->at_least_once) {
        return SL_OK;
    }
    if (!flush_all(k)) {
        return slerr_set(SL_ERR_IO, "table '%s': kafka sink: checkpoint %lld: delivery failed: %s",
                         k->conf->table, (long long)id, k->err);
    }
    return SL_OK;
}

static void ksink_end(slop *op) {
    ksink *k = (ksink *)op;
    if (!k->failed && !flush_all(k)) {
        check_failed(k);
    }
}

static void ksink_free(slop *op) {
    ksink *k = (ksink *)op;
    if (!k) {
        return;
    }
    if (k->rk) {
        rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_destroy(k->rk);
    }
    slbatch_free(k->key_row);
    slschema_unref(k->key_schema);
    slbuf_free(&k->val);
    slbuf_free(&k->key);
    slmem_free(k);
}

static const slop_vt ksink_vt = {
    .name = "kafka sink",
    .open = ksink_open,
    .batch_take = ksink_batch,
    .end = ksink_end,
    .free = ksink_free,
    .snapshot = ksink_snapshot,
};

slop *slkafka_sink_new(void *conf, int subtask) {
    ksink *k = slmem_calloc(1, sizeof *k);
    k->base.vt = &ksink_vt;
    k->conf = conf;
    k->subtask = subtask;
    return &k->base;
}
