/*
 * kafka_mock.c - a test tool around librdkafka's built-in mock cluster, for
 * tests/integration/kafka.sh (no Kafka broker is installed on test machines).
 *
 *   kafka_mock serve [-t TOPIC:PARTITIONS]... [-f N]
 *       Start a one-broker mock cluster, create the topics (-f N: the first N
 *       Produce requests fail with "topic authorization failed"), print the
 *       bootstrap address ("127.0.0.1:PORT") on the first line of stdout and
 *       stay up until SIGTERM/SIGINT. Other processes reach it over loopback.
 *   kafka_mock produce -b BOOTSTRAP -t TOPIC [FILE]
 *       Produce the lines of FILE (default stdin), one message each. A line
 *       "PARTITION<TAB>TIMESTAMP_MS<TAB>VALUE" sets the partition and the
 *       record timestamp ('-' for either: any partition / now); other lines
 *       are values only. A value "\N" produces a tombstone (no value).
 *       A line "PARTITION<TAB>TIMESTAMP_MS<TAB>KEY<TAB>VALUE" also sets a key
 *       when -k is given.
 *   kafka_mock consume -b BOOTSTRAP -t TOPIC
 *       Print every message in the topic now, partition by partition in offset
 *       order, as "PARTITION<TAB>KEY<TAB>VALUE" ('-' for no key), then exit.
 *
 * Exit status 0 on success, 1 with a message on stderr otherwise. Every wait
 * is bounded (10 s), so a broken cluster fails a test instead of hanging it.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAIT_MS 10000

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

static int die(const char *what, const char *msg) {
    fprintf(stderr, "kafka_mock: %s: %s\n", what, msg);
    return 1;
}

static int serve(int argc, char **argv) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        return die("rd_kafka_new", err);
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
    if (!mc) {
        return die("mock cluster", "could not start");
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            char topic[256];
            snprintf(topic, sizeof topic, "%s", argv[++i]);
            char *colon = strrchr(topic, ':');
            int parts = 1;
            if (colon) {
                *colon = 0;
                parts = atoi(colon + 1);
            }
            rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topic, parts, 1);
            if (e) {
                return die(topic, rd_kafka_err2str(e));
            }
        } else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
            /* Fault injection: the next N Produce requests fail with a
             * non-retriable error. */
            int n = atoi(argv[++i]);
            for (int k = 0; k < n; k++) {
                rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
                rd_kafka_mock_push_request_errors_array(mc, 0 /* Produce */, 1, &e);
            }
        } else {
            return die("serve", "usage: kafka_mock serve [-t TOPIC:PARTITIONS]... [-f N]");
        }
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop_flag) {
        usleep(50 * 1000);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *boot) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", boot, err, sizeof err) ||
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err)) {
        die("conf", err);
        exit(1);
    }
    if (type == RD_KAFKA_CONSUMER) {
        rd_kafka_conf_set(conf, "group.id", "kafka_mock", err, sizeof err);
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        die("rd_kafka_new", err);
        exit(1);
    }
    return rk;
}

static int failed_dr;

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err) {
        fprintf(stderr, "kafka_mock: delivery failed: %s\n", rd_kafka_err2str(m->err));
        failed_dr++;
    }
}

static int produce(const char *boot, const char *topic, const char *path, bool keyed) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", boot, err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_conf_set(conf, "message.timeout.ms", "10000", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(conf, on_dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        return die("rd_kafka_new", err);
    }
    FILE *f = path ? fopen(path, "r") : stdin;
    if (!f) {
        return die(path, "cannot open");
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = 0;
        }
        int32_t part = RD_KAFKA_PARTITION_UA;
        int64_t ts = 0;
        char *key = NULL, *value = line;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (t1 && t2) {
            *t1 = *t2 = 0;
            if (strcmp(line, "-") != 0) {
                part = atoi(line);
            }
            if (strcmp(t1 + 1, "-") != 0) {
                ts = atoll(t1 + 1);
            }
            value = t2 + 1;
            char *t3 = keyed ? strchr(value, '\t') : NULL;
            if (t3) {
                *t3 = 0;
                key = value;
                value = t3 + 1;
            }
        }
        bool tomb = strcmp(value, "\\N") == 0;
        rd_kafka_resp_err_t e;
        for (;;) {
            e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_VALUE(tomb ? NULL : value, tomb ? 0 : strlen(value)),
                                  RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                                  RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
            if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                break;
            }
            rd_kafka_poll(rk, 100);
        }
        if (e) {
            return die("produce", rd_kafka_err2str(e));
        }
        rd_kafka_poll(rk, 0);
    }
    free(line);
    if (path) {
        fclose(f);
    }
    if (rd_kafka_flush(rk, WAIT_MS)) {
        return die("flush", "timed out");
    }
    rd_kafka_destroy(rk);
    return failed_dr ? 1 : 0;
}

static int consume(const char *boot, const char *topic) {
    char err[512];
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, boot);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, WAIT_MS);
    if (e) {
        return die("metadata", rd_kafka_err2str(e));
    }
    if (md->topic_cnt != 1 || md->topics[0].err) {
        return die(topic, md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "no such topic");
    }
    int n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    for (int p = 0; p < n; p++) {
        int64_t lo, hi;
        if ((e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, WAIT_MS))) {
            return die("watermarks", rd_kafka_err2str(e));
        }
        if (hi <= lo) {
            continue;
        }
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = lo;
        if ((e = rd_kafka_assign(rk, l))) {
            return die("assign", rd_kafka_err2str(e));
        }
        rd_kafka_topic_partition_list_destroy(l);
        int64_t next = lo;
        int waited = 0;
        while (next < hi) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
            if (!m) {
                if ((waited += 100) > WAIT_MS) {
                    return die("consume", "timed out");
                }
                continue;
            }
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    snprintf(err, sizeof err, "%s", rd_kafka_message_errstr(m));
                    return die("consume", err);
                }
            } else if (m->partition == p) {
                printf("%d\t%.*s\t%.*s\n", p, m->key ? (int)m->key_len : 1,
                       m->key ? (const char *)m->key : "-", (int)m->len,
                       m->payload ? (const char *)m->payload : "");
                next = m->offset + 1;
            }
            rd_kafka_message_destroy(m);
        }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
        return serve(argc, argv);
    }
    const char *boot = NULL, *topic = NULL, *path = NULL;
    bool keyed = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-b") == 0 && i + 1 < argc) {
            boot = argv[++i];
        } else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
            topic = argv[++i];
        } else if (strcmp(argv[i], "-k") == 0) {
            keyed = true;
        } else {
            path = argv[i];
        }
    }
    if (argc >= 2 && boot && topic && strcmp(argv[1], "produce") == 0) {
        return produce(boot, topic, path, keyed);
    }
    if (argc >= 2 && boot && topic && strcmp(argv[1], "consume") == 0) {
        return consume(boot, topic);
    }
    fprintf(stderr, "usage: kafka_mock serve [-t TOPIC:PARTITIONS]...\n"
                    "       kafka_mock produce -b BOOTSTRAP -t TOPIC [-k] [FILE]\n"
                    "       kafka_mock consume -b BOOTSTRAP -t TOPIC\n");
    return 2;
}
