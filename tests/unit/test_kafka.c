/*
 * Unit tests for the Kafka connector: option parsing and checks
 * (src/connectors/kafka_conf.c), and the source driven directly against an
 * in-process librdkafka mock cluster: per-partition watermarks and lateness
 * splits, snapshot / restore of partition offsets, and checkpoint_done
 * committing them to the consumer group (read back with group-offsets).
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "connectors/kafka.h"
#include "test.h"

/* ---- options ---- */

static sl_err set(slkafka_conf *c, const char *k, const char *v) {
    slerr_clear();
    return slkafka_conf_set(c, k, v);
}

TEST(options_parse) {
    slkafka_conf *c = slkafka_conf_new("t");
    CHECK_INT(set(c, "connector", "kafka"), SL_OK);
    CHECK_INT(set(c, "topic", " a ; b;;c "), SL_OK);
    CHECK_INT(c->n_topics, 3);
    CHECK_STR(c->topics[0], "a");
    CHECK_STR(c->topics[2], "c");
    CHECK_INT(set(c, "properties.bootstrap.servers", "h:9092"), SL_OK);
    CHECK_INT(set(c, "properties.group.id", "g"), SL_OK);
    CHECK_INT(c->n_props, 2);
    CHECK_INT(set(c, "SCAN.STARTUP.MODE", "latest-offset"), SL_OK);
    CHECK_INT(c->startup, SLKAFKA_LATEST);
    CHECK_INT(set(c, "scan.startup.specific-offsets", "partition:0,offset:42;partition:3, offset:7"),
              SL_OK);
    CHECK_INT(c->n_specific, 2);
    CHECK_INT(c->specific_part[1], 3);
    CHECK_INT(c->specific_off[0], 42);
    CHECK_INT(set(c, "scan.startup.timestamp-millis", "1700000000000"), SL_OK);
    CHECK_INT(c->startup_ts_ms, 1700000000000LL);
    CHECK_INT(set(c, "scan.bounded.mode", "latest-offset"), SL_OK);
    CHECK(c->bounded);
    CHECK_INT(set(c, "value.format", "csv"), SL_OK);
    CHECK_INT(c->format, SL_FORMAT_CSV);
    CHECK_INT(set(c, "csv.field-delimiter", "\\t"), SL_OK);
    CHECK_INT(c->csv_delim, '\t');
    CHECK_INT(set(c, "key.format", "json"), SL_OK);
    CHECK_INT(set(c, "key.fields", "a;b"), SL_OK);
    CHECK_INT(c->n_key_fields, 2);
    CHECK_INT(set(c, "sink.partitioner", "round-robin"), SL_OK);
    CHECK_INT(c->partitioner, SLKAFKA_PART_ROUND_ROBIN);
    CHECK_INT(set(c, "sink.delivery-guarantee", "at-least-once"), SL_OK);
    CHECK(c->at_least_once);
    CHECK_INT(set(c, "connect.timeout", "1500 ms"), SL_OK);
    CHECK_INT(c->connect_timeout_ms, 1500);
    CHECK_INT(set(c, "json.fail-on-missing-field", "false"), SL_OK);
    CHECK_INT(set(c, "value.fields-include", "ALL"), SL_OK);
    slkafka_conf_free(c);
}

TEST(options_errors_name_the_option) {
    static const struct {
        const char *key, *value, *msg;
        sl_err code;
    } cases[] = {
        {"scan.startup.mode", "earliest", "option 'scan.startup.mode': known modes are", SL_ERR_ARG},
        {"scan.startup.specific-offsets", "0:42", "option 'scan.startup.specific-offsets'",
         SL_ERR_ARG},
        {"scan.startup.specific-offsets", "partition:0,offset:-1", "offsets >= 0", SL_ERR_ARG},
        {"scan.startup.timestamp-millis", "yesterday", "scan.startup.timestamp-millis",
         SL_ERR_ARG},
        {"scan.bounded.mode", "forever", "option 'scan.bounded.mode'", SL_ERR_ARG},
        {"scan.bounded.mode", "timestamp", "is not built yet", SL_ERR_UNSUPPORTED},
        {"format", "avro", "option 'format': supported formats are 'json' and 'csv'", SL_ERR_ARG},
        {"sink.delivery-guarantee", "exactly-once", "needs Kafka transactions", SL_ERR_UNSUPPORTED},
        {"sink.delivery-guarantee", "maybe", "option 'sink.delivery-guarantee'", SL_ERR_ARG},
        {"sink.partitioner", "org.acme.MyPartitioner", "option 'sink.partitioner'", SL_ERR_ARG},
        {"properties.no.such", "1", "option 'properties.no.such': No such configuration property",
         SL_ERR_ARG},
        {"properties.", "1", "option 'properties.'", SL_ERR_ARG},
        {"value.fields-include", "EXCEPT_KEY", "not built yet", SL_ERR_UNSUPPORTED},
        {"csv.field-delimiter", ";;", "expected one character", SL_ERR_ARG},
        {"connect.timeout", "soon", "option 'connect.timeout'", SL_ERR_ARG},
        {"topic", " ; ", "option 'topic'", SL_ERR_ARG},
        {"scan.topic-partition-discovery.interval", "5 min",
         "unknown option 'scan.topic-partition-discovery.interval' for connector 'kafka'",
         SL_ERR_ARG},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
        slkafka_conf *c = slkafka_conf_new("t");
        CHECK_INT(set(c, cases[i].key, cases[i].value), cases[i].code);
        CHECK_CONTAINS(sl_errmsg(), cases[i].msg);
        CHECK_CONTAINS(sl_errmsg(), "table 't'");
        slkafka_conf_free(c);
    }
}

static slkafka_conf *conf_of(const char *const *kv) {
    slkafka_conf *c = slkafka_conf_new("t");
    for (int i = 0; kv[i]; i += 2) {
        CHECK_INT(set(c, kv[i], kv[i + 1]), SL_OK);
    }
    return c;
}

TEST(options_check) {
    static const struct {
        const char *kv[12];
        bool sink;
        const char *msg; /* NULL: valid */
    } cases[] = {
        {{"properties.bootstrap.servers", "h:1", "scan.startup.mode", "earliest-offset", NULL},
         false, "table 't' needs a 'topic' option (or 'topic-pattern')"},
        {{"topic", "x", "scan.startup.mode", "earliest-offset", NULL},
         false, "needs a 'properties.bootstrap.servers' option"},
        {{"topic", "x", "properties.bootstrap.servers", "h:1", NULL},
         false, "'group-offsets' (the default) needs a 'properties.group.id'"},
        {{"topic", "x", "properties.bootstrap.servers", "h:1", "properties.group.id", "g", NULL},
         false, NULL},
        {{"topic", "x", "topic-pattern", "x.*", "properties.bootstrap.servers", "h:1", NULL},
         false, "exclude each other"},
        {{"topic-pattern", "x.*", "properties.bootstrap.servers", "h:1", NULL},
         true, "a kafka sink writes to one topic: option 'topic-pattern'"},
        {{"topic", "a;b", "properties.bootstrap.servers", "h:1", NULL},
         true, "option 'topic' must name exactly one"},
        {{"topic", "x", "properties.bootstrap.servers", "h:1", NULL}, true, NULL},
        {{"topic", "x", "properties.bootstrap.servers", "h:1", "scan.startup.mode", "timestamp",
          NULL},
         false, "needs a 'scan.startup.timestamp-millis'"},
        {{"topic", "x", "properties.bootstrap.servers", "h:1", "scan.startup.mode",
          "specific-offsets", NULL},
         false, "needs a 'scan.startup.specific-offsets'"},
        {{"topic", "x", "properties.bootstrap.servers", "h:1", "key.fields", "a", NULL},
         true, "option 'key.fields' needs a 'key.format'"},
    };
    for (size_t i = 0; i < SL_ARRAY_LEN(cases); i++) {
        slkafka_conf *c = conf_of(cases[i].kv);
        slerr_clear();
        sl_err err = slkafka_conf_check(c, cases[i].sink);
        if (cases[i].msg) {
            CHECK(err != SL_OK);
            CHECK_CONTAINS(sl_errmsg(), cases[i].msg);
        } else {
            CHECK_INT(err, SL_OK);
        }
        slkafka_conf_free(c);
    }
}

TEST(options_key_columns) {
    sl_schema *s = schema_of("a BIGINT, b STRING, c DOUBLE");
    slkafka_conf *c = slkafka_conf_new("t");
    const char *pk[] = {"c", "a"};
    CHECK_INT(slkafka_conf_prepare(c, s, pk, 2), SL_OK);
    CHECK_INT(c->n_key_cols, 2);
    CHECK_INT(c->key_cols[0], 2);
    CHECK_INT(set(c, "key.fields", "b"), SL_OK);
    CHECK_INT(slkafka_conf_prepare(c, s, pk, 2), SL_OK); /* key.fields wins */
    CHECK_INT(c->n_key_cols, 1);
    CHECK_INT(c->key_cols[0], 1);
    CHECK_INT(set(c, "key.fields", "b;zz"), SL_OK);
    CHECK(slkafka_conf_prepare(c, s, NULL, 0) != SL_OK);
    CHECK_CONTAINS(sl_errmsg(), "option 'key.fields': column 'zz' is not a physical column");
    slbuf d = {0};
    CHECK_INT(set(c, "topic", "x;y"), SL_OK);
    slkafka_describe(c, &d);
    CHECK_STR(slbuf_cstr(&d), "topics 'x;y'");
    slbuf_free(&d);
    slkafka_conf_free(c);
    slschema_unref(s);
}

/* ---- the source against an in-process mock cluster ---- */

typedef struct mock {
    rd_kafka_t *rk; /* the producer that owns the cluster */
    rd_kafka_mock_cluster_t *mc;
    char boot[256];
} mock;

static void mock_start(mock *m, const char *topic, int parts) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    CHECK(m->rk != NULL);
    m->mc = rd_kafka_mock_cluster_new(m->rk, 1);
    CHECK(m->mc != NULL);
    snprintf(m->boot, sizeof m->boot, "%s", rd_kafka_mock_cluster_bootstraps(m->mc));
    CHECK_INT(rd_kafka_mock_topic_create(m->mc, topic, parts, 1), 0);
}

/* Produce (partition, JSON value) pairs and wait for them. */
static void mock_produce(mock *m, const char *topic, const int *part, const char *const *vals,
                         int n) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", m->boot, err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    for (int i = 0; i < n; i++) {
        CHECK_INT(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part[i]),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_VALUE((void *)vals[i], strlen(vals[i])),
                                    RD_KAFKA_V_END),
                  0);
    }
    CHECK_INT(rd_kafka_flush(p, 10000), 0);
    rd_kafka_destroy(p);
}

static void mock_stop(mock *m) {
    rd_kafka_mock_cluster_destroy(m->mc);
    rd_kafka_destroy(m->rk);
}

typedef struct harness {
    slopctx ctx;
    slopmetrics metrics;
    slbuf log; /* rows as "v=N\n", watermarks as "wm=SECONDS\n" */
    int64_t last_wm;
} harness;

static void h_emit(slopctx *c, int port, slbatch *b) {
    SL_UNUSED(c);
    SL_UNUSED(port);
    slbatch_free(b);
}
static void h_wm(slopctx *c, int64_t wm) {
    harness *h = c->rt;
    CHECK(wm > h->last_wm);
    h->last_wm = wm;
    slbuf_printf(&h->log, "wm=%lld\n", (long long)((wm + 1) / SL_SECOND));
}
static void h_idle(slopctx *c, bool idle) {
    SL_UNUSED(c);
    SL_UNUSED(idle);
}

static void harness_init(harness *h, uint32_t batch_rows) {
    memset(h, 0, sizeof *h);
    h->ctx.emit = h_emit;
    h->ctx.emit_watermark = h_wm;
    h->ctx.emit_idle = h_idle;
    h->ctx.rt = h;
    h->ctx.batch_rows = batch_rows;
    h->ctx.parallelism = 1;
    h->ctx.metrics = &h->metrics;
    h->last_wm = SL_TIME_MIN;
}

static void harness_free(harness *h) {
    slbatch_free(h->ctx.dead);
    slbuf_free(&h->log);
}

/* Read until END (or `max_rows` rows), logging rows and watermarks; stop
 * after the read that reaches `max_rows`. Returns the rows read. */
static int drain(slsource *s, harness *h, int max_rows) {
    slbatch *b = slbatch_new(s->schema, h->ctx.batch_rows);
    int rows = 0;
    for (int calls = 0; calls < 20000 && rows < max_rows; calls++) {
        slbatch_clear(b);
        slsrc_status st = s->vt->read(s, b);
        CHECK(st != SLSRC_ERROR);
        for (uint32_t i = 0; i < b->n; i++) {
            slbuf_printf(&h->log, "v=%lld ts=%lld\n", (long long)b->cols[0].v.i64[i],
                         (long long)(b->ts[i] / SL_SECOND));
        }
        rows += (int)b->n;
        if (st == SLSRC_END) {
            break;
        }
    }
    slbatch_free(b);
    return rows;
}

static slkafka_conf *source_conf(const mock *m, const char *topic, const char *mode,
                                 const char *group) {
    slkafka_conf *c = slkafka_conf_new("t");
    CHECK_INT(set(c, "topic", topic), SL_OK);
    CHECK_INT(set(c, "properties.bootstrap.servers", m->boot), SL_OK);
    CHECK_INT(set(c, "properties.log_level", "0"), SL_OK);
    CHECK_INT(set(c, "scan.startup.mode", mode), SL_OK);
    CHECK_INT(set(c, "scan.bounded.mode", "latest-offset"), SL_OK);
    if (group) {
        CHECK_INT(set(c, "properties.group.id", group), SL_OK);
    }
    CHECK_INT(slkafka_conf_check(c, false), SL_OK);
    sl_schema *s = schema_of("v BIGINT, ts TIMESTAMP");
    CHECK_INT(slkafka_conf_prepare(c, s, NULL, 0), SL_OK);
    slschema_unref(s);
    c->has_wm = true;
    c->ts_col = 1;
    c->ts_name = slmem_strdup("ts");
    return c;
}

static const char *const vals[] = {
    "{\"v\":1,\"ts\":\"2024-01-01 00:00:01\"}", "{\"v\":2,\"ts\":\"2024-01-01 00:00:15\"}",
    "{\"v\":3,\"ts\":\"2024-01-01 00:00:03\"}", "{\"v\":4,\"ts\":\"2024-01-01 00:00:20\"}",
    "{\"v\":5,\"ts\":\"2024-01-01 00:00:21\"}", "{\"v\":6,\"ts\":\"2024-01-01 00:00:22\"}",
};

/* One partition: the source emits the watermark the rows before a late row
 * imply before that row, whatever the batch size. */
TEST(source_splits_before_late_rows) {
    mock m;
    mock_start(&m, "one", 1);
    int parts[6] = {0};
    mock_produce(&m, "one", parts, vals, 6);
    for (uint32_t rows = 1; rows <= 7; rows += 3) {
        slkafka_conf *c = source_conf(&m, "one", "earliest-offset", NULL);
        harness h;
        harness_init(&h, rows);
        slsource *s = slkafka_source_new(c, 0, 1);
        CHECK_INT(s->vt->open(s, &h.ctx), SL_OK);
        CHECK_INT(drain(s, &h, 1000), 6);
        /* 2024-01-01 00:00:00 is 1704067200 s */
        slbuf want = {0};
        slbuf_printf(&want,
                     "v=1 ts=1704067201\nwm=1704067201\nv=2 ts=1704067215\nwm=1704067215\n"
                     "v=3 ts=1704067203\nv=4 ts=1704067220\nwm=1704067220\nv=5 ts=1704067221\n"
                     "wm=1704067221\nv=6 ts=1704067222\n");
        /* With batches of more than one row, watermarks in between rows that
         * are not late are only emitted at batch ends: compare the rows and
         * the watermark right before v=3. */
        CHECK_CONTAINS(slbuf_cstr(&h.log), "wm=1704067215\nv=3 ts=1704067203\n");
        if (rows == 1) {
            CHECK_STR(slbuf_cstr(&h.log), slbuf_cstr(&want));
        }
        slbuf_free(&want);
        s->vt->free(s);
        harness_free(&h);
        slkafka_conf_free(c);
    }
    mock_stop(&m);
}

/* Sorted lines of the rows ("v=...") in a log. */
static void rows_of(slbuf *log, slbuf *out) {
    char *lines[64];
    int n = 0;
    char *save = NULL;
    for (char *l = strtok_r((char *)slbuf_cstr(log), "\n", &save); l && n < 64;
         l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == 'v') {
            lines[n++] = l;
        }
    }
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
            char *t = lines[j];
            lines[j] = lines[j - 1];
            lines[j - 1] = t;
        }
    }
    for (int i = 0; i < n; i++) {
        slbuf_printf(out, "%s\n", lines[i]);
    }
}

/* Two partitions: snapshot midway, restore a new instance from the blob,
 * and the union of both runs is every record exactly once; checkpoint_done
 * commits the snapshot's offsets to the group, so a group-offsets source
 * reads exactly the rest too. */
TEST(source_snapshot_restore_commit) {
    mock m;
    mock_start(&m, "two", 2);
    int parts[6] = {0, 1, 0, 1, 0, 1};
    mock_produce(&m, "two", parts, vals, 6);
    slkafka_conf *c = source_conf(&m, "two", "earliest-offset", "grp");
    harness h1;
    harness_init(&h1, 2);
    slsource *s1 = slkafka_source_new(c, 0, 1);
    CHECK_INT(s1->vt->open(s1, &h1.ctx), SL_OK);
    int first = drain(s1, &h1, 3);
    CHECK(first >= 3);
    slbuf pos = {0};
    CHECK_INT(s1->vt->snapshot(s1, 7, &pos), SL_OK);
    s1->vt->checkpoint_done(s1, 7);
    harness h1b;
    harness_init(&h1b, 2);
    s1->ctx = &h1b.ctx;
    int rest1 = drain(s1, &h1b, 1000); /* the uninterrupted run's rest */
    CHECK_INT(first + rest1, 6);

    /* restore: a new instance, the same positions */
    harness h2;
    harness_init(&h2, 2);
    slsource *s2 = slkafka_source_new(c, 0, 1);
    CHECK_INT(s2->vt->open(s2, &h2.ctx), SL_OK);
    CHECK_INT(s2->vt->restore(s2, &pos, 1), SL_OK);
    CHECK_INT(drain(s2, &h2, 1000), rest1);
    slbuf a = {0}, b = {0};
    rows_of(&h1b.log, &a);
    rows_of(&h2.log, &b);
    CHECK_STR(slbuf_cstr(&b), slbuf_cstr(&a));

    /* the committed offsets */
    slkafka_conf *cg = source_conf(&m, "two", "group-offsets", "grp");
    harness h3;
    harness_init(&h3, 5);
    slsource *s3 = slkafka_source_new(cg, 0, 1);
    CHECK_INT(s3->vt->open(s3, &h3.ctx), SL_OK);
    CHECK_INT(drain(s3, &h3, 1000), rest1);
    slbuf g = {0};
    rows_of(&h3.log, &g);
    CHECK_STR(slbuf_cstr(&g), slbuf_cstr(&a));

    /* a restore blob that is cut short is an error */
    slbuf cut = {0};
    slbuf_put(&cut, pos.data, pos.len - 3);
    slsource *s4 = slkafka_source_new(c, 0, 1);
    harness h4;
    harness_init(&h4, 2);
    CHECK_INT(s4->vt->open(s4, &h4.ctx), SL_OK);
    CHECK(s4->vt->restore(s4, &cut, 1) != SL_OK);
    CHECK_CONTAINS(sl_errmsg(), "bad checkpoint position");

    s1->vt->free(s1);
    s2->vt->free(s2);
    s3->vt->free(s3);
    s4->vt->free(s4);
    slbuf_free(&pos);
    slbuf_free(&cut);
    slbuf_free(&a);
    slbuf_free(&b);
    slbuf_free(&g);
    harness_free(&h1);
    harness_free(&h1b);
    harness_free(&h2);
    harness_free(&h3);
    harness_free(&h4);
    slkafka_conf_free(c);
    slkafka_conf_free(cg);
    mock_stop(&m);
}

/* Partitions split over subtasks: partition p -> subtask p % parallelism. */
TEST(source_partitions_split_over_subtasks) {
    mock m;
    mock_start(&m, "three", 3);
    int parts[6] = {0, 1, 2, 0, 1, 2};
    mock_produce(&m, "three", parts, vals, 6);
    slkafka_conf *c = source_conf(&m, "three", "earliest-offset", NULL);
    int total = 0;
    const char *want[2] = {"v=1 ts=1704067201\nv=3 ts=1704067203\nv=4 ts=1704067220\n"
                           "v=6 ts=1704067222\n",
                           "v=2 ts=1704067215\nv=5 ts=1704067221\n"};
    for (int k = 0; k < 2; k++) {
        harness h;
        harness_init(&h, 4);
        h.ctx.subtask = k;
        h.ctx.parallelism = 2;
        slsource *s = slkafka_source_new(c, k, 2);
        CHECK_INT(s->vt->open(s, &h.ctx), SL_OK);
        total += drain(s, &h, 1000);
        slbuf r = {0};
        rows_of(&h.log, &r);
        CHECK_STR(slbuf_cstr(&r), want[k]);
        slbuf_free(&r);
        s->vt->free(s);
        harness_free(&h);
    }
    CHECK_INT(total, 6);
    slkafka_conf_free(c);
    mock_stop(&m);
}
