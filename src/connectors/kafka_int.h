/*
 * kafka_int.h - helpers shared by kafka_conf.c, kafka_source.c and
 * kafka_sink.c (the only files that include librdkafka).
 */
#ifndef SL_KAFKA_INT_H
#define SL_KAFKA_INT_H

#include <librdkafka/rdkafka.h>

#include "connectors/kafka.h"

/* A librdkafka configuration with c's properties (and `extra` key/value
 * pairs, NULL-terminated, set first so the user's properties win). NULL
 * with SL_ERR_ARG set naming the property librdkafka refused. */
rd_kafka_conf_t *slkafka_rdconf_new(const slkafka_conf *c, const char *const *extra);
/* A property's value (key without 'properties.'), or NULL. */
const char *slkafka_prop(const slkafka_conf *c, const char *key);
/* librdkafka's log lines at error level or worse go to sllog_warn. */
void slkafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

#endif /* SL_KAFKA_INT_H */
