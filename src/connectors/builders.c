/*
 * builders.c - the public constructors of sources and sinks (sluice.h): check
 * arguments, build the connector's configuration and add it to the job graph
 * through sljob_add_source / sljob_add_op (runtime/job.h). The graph owns the
 * configuration from then on. Thread: the job builder's.
 */
#include "connectors/connectors.h"
#include "runtime/job.h"

static sl_err check_job(const sl_job *job, const void *schema, const void *out, const char *what) {
    if (!job || !schema || !out) {
        return slerr_set(SL_ERR_ARG, "%s: job, schema and out must not be NULL", what);
    }
    return sljob_check_building(job);
}

static bool valid_format(sl_format f) {
    return f == SL_FORMAT_JSON || f == SL_FORMAT_CSV;
}

sl_err sl_job_source_file_opts(sl_job *job, const sl_file_options *opts, const sl_schema *schema,
                               sl_stream **out) {
    sl_err err = check_job(job, schema, out, "sl_job_source_file");
    if (err) {
        return err;
    }
    if (!opts || !opts->path || !*opts->path) {
        return slerr_set(SL_ERR_ARG, "sl_job_source_file: no path");
    }
    if (!valid_format(opts->format)) {
        return slerr_set(SL_ERR_ARG, "sl_job_source_file '%s': bad format %d", opts->path,
                         (int)opts->format);
    }
    char delim = opts->csv_delimiter ? opts->csv_delimiter : ',';
    if (delim == '"' || delim == '\n' || delim == '\r') {
        return slerr_set(SL_ERR_ARG, "sl_job_source_file '%s': bad CSV delimiter", opts->path);
    }
    slfile_conf *c = slfile_conf_new(opts->path, opts->format, schema);
    c->csv_header = opts->csv_header;
    c->csv_delim = delim;
    *out = sljob_add_source(job, opts->path, slfile_source_new, c, slfile_conf_free, schema);
    return SL_OK;
}

sl_err sl_job_source_file(sl_job *job, const char *path, sl_format fmt, const sl_schema *schema,
                          sl_stream **out) {
    sl_file_options o = {.path = path, .format = fmt};
    return sl_job_source_file_opts(job, &o, schema, out);
}

sl_err sl_job_source_gen(sl_job *job, const sl_schema *schema, sl_gen_fn gen, void *user,
                         sl_stream **out) {
    sl_err err = check_job(job, schema, out, "sl_job_source_gen");
    if (err) {
        return err;
    }
    if (!gen) {
        return slerr_set(SL_ERR_ARG, "sl_job_source_gen: no generator function");
    }
    slgen_conf *c = slmem_calloc(1, sizeof *c);
    c->schema = slschema_ref(schema);
    c->fn = gen;
    c->user = user;
    *out = sljob_add_source(job, "gen", slgen_source_new, c, slgen_conf_free, schema);
    return SL_OK;
}

sl_err sl_job_source_gen_batch(sl_job *job, const sl_schema *schema, sl_gen_batch_fn gen,
                               void *user, sl_stream **out) {
    sl_err err = check_job(job, schema, out, "sl_job_source_gen_batch");
    if (err) {
        return err;
    }
    if (!gen) {
        return slerr_set(SL_ERR_ARG, "sl_job_source_gen_batch: no generator function");
    }
    slgen_conf *c = slmem_calloc(1, sizeof *c);
    c->schema = slschema_ref(schema);
    c->batch_fn = gen;
    c->user = user;
    *out = sljob_add_source(job, "gen", slgen_source_new, c, slgen_conf_free, schema);
    return SL_OK;
}

sl_err sl_job_source_datagen(sl_job *job, const sl_schema *schema, const char *options,
                             sl_stream **out) {
    sl_err err = check_job(job, schema, out, "sl_job_source_datagen");
    if (err) {
        return err;
    }
    sldatagen_conf *c;
    if ((err = sldatagen_conf_parse(schema, options, &c)) != SL_OK) {
        return err;
    }
    *out = sljob_add_source(job, "datagen", sldatagen_source_new, c, sldatagen_conf_free, schema);
    return SL_OK;
}

/* ---- sinks ---- */

static sl_err add_sink(sl_stream *s, slsink_conf *c, const char *name) {
    sl_err err = sljob_check_building(s->job);
    if (err) {
        slsink_conf_free(c);
        return err;
    }
    sljob_add_op(s->job, name, slsink_new, c, slsink_conf_free, s, NULL, false);
    return SL_OK;
}

sl_err sl_stream_print(sl_stream *s, sl_format fmt) {
    if (!s || !valid_format(fmt)) {
        return slerr_set(SL_ERR_ARG, "sl_stream_print: %s", s ? "bad format" : "stream is NULL");
    }
    return add_sink(s, slsink_conf_new(SLSINK_PRINT, fmt), "print");
}

sl_err sl_stream_write_file(sl_stream *s, const char *path, sl_format fmt) {
    if (!s || !path || !*path || !valid_format(fmt)) {
        return slerr_set(SL_ERR_ARG, "sl_stream_write_file: %s",
                         !s ? "stream is NULL" : (!path || !*path) ? "no path" : "bad format");
    }
    slsink_conf *c = slsink_conf_new(SLSINK_FILE, fmt);
    c->path = slmem_strdup(path);
    return add_sink(s, c, path);
}

sl_err sl_stream_foreach(sl_stream *s, sl_row_fn fn, void *user) {
    if (!s || !fn) {
        return slerr_set(SL_ERR_ARG, "sl_stream_foreach: %s",
                         s ? "no function" : "stream is NULL");
    }
    slsink_conf *c = slsink_conf_new(SLSINK_FOREACH, SL_FORMAT_JSON);
    c->fn = fn;
    c->user = user;
    return add_sink(s, c, "foreach");
}
