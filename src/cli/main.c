/*
 * main.c - the `sluice` program: command dispatch, `run` and `explain`.
 * The interactive shell (`sluice sql`) is in shell.c, `sluice gen` in gen.c,
 * `sluice bench` in bench.c.
 *
 * Exit codes (also in --help): 0 success; 1 the job failed while running;
 * 2 bad command line; 3 the SQL was refused (syntax, names, types, plan);
 * 4 a file could not be read; 130 stopped by SIGINT/SIGTERM.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

static const char *usage_main =
    "usage: sluice <command> [options]\n"
    "\n"
    "commands:\n"
    "  run FILE.sql        run the INSERT INTO / SELECT statements of a SQL job file as one job\n"
    "  explain FILE.sql    print the physical plan of a job file\n"
    "  sql                 the SQL shell: type statements, watch query results update live\n"
    "                      (`sluice sql < script.sql` or `-f FILE` runs a script)\n"
    "  gen nexmark         write Nexmark benchmark events to stdout (JSON lines or CSV)\n"
    "  bench               run the Nexmark queries on generated events and print figures\n"
    "  savepoint PID       ask a running `sluice run` (with checkpoints) for a savepoint\n"
    "  version             print the version\n"
    "\n"
    "Run `sluice <command> --help` for the options of a command.\n"
    "Not built yet: a web UI and Prometheus metrics (the job reports on stderr);\n"
    "docs/sql.md lists the SQL features and connectors that are not built.\n"
    "\n"
    "exit codes: 0 ok, 1 job failed while running, 2 bad command line, 3 SQL refused,\n"
    "            4 file not readable, 130 interrupted\n";

static const char *usage_run =
    "usage: sluice run [options] FILE.sql   (FILE '-' reads the job from stdin)\n"
    "\n"
    "Runs every INSERT INTO and SELECT statement of the file as one job until its sources\n"
    "end (or forever for unbounded sources; Ctrl-C stops). A bare SELECT prints its rows to\n"
    "stdout as JSON lines with the row kind in \"op\".\n"
    "\n"
    "options:\n"
    "  --set KEY=VALUE     a job option, as SET 'KEY' = 'VALUE' before the file (repeatable)\n"
    "  --checkpoint-dir DIR take checkpoints into DIR (as SET 'state.checkpoints.dir'); when DIR\n"
    "                      holds a complete checkpoint of this job, resume from the newest one\n"
    "  --status            show the live status line even when stderr is not a terminal\n"
    "  --quiet             never show the status line\n"
    "  -h, --help          this help\n"
    "\n"
    "On a terminal, stderr shows one live line: rows in and out, input rate, the current\n"
    "watermark, late and dead-letter counts.\n";

static const char *usage_explain =
    "usage: sluice explain [--set KEY=VALUE]... FILE.sql\n"
    "\n"
    "Prints the physical plan: tasks (operator chains run on one thread per parallel\n"
    "subtask), their parallelism, and how rows are exchanged between them (FORWARD,\n"
    "REBALANCE, or HASH by key columns).\n";

/* ---- shared helpers ---- */

int slcli_read_file(const char *path, slbuf *out) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sluice: cannot read '%s': %s\n", path, strerror(errno));
        return SLCLI_EXIT_IO;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        slbuf_put(out, buf, n);
    }
    bool bad = ferror(f);
    if (f != stdin) {
        fclose(f);
    }
    if (bad) {
        fprintf(stderr, "sluice: error reading '%s'\n", path);
        return SLCLI_EXIT_IO;
    }
    return 0;
}

int slcli_exit_code(sl_err err) {
    switch (err) {
    case SL_OK:
        return 0;
    case SL_ERR_IO:
        return SLCLI_EXIT_IO;
    case SL_ERR_RUNTIME:
        return SLCLI_EXIT_RUNTIME;
    default:
        return SLCLI_EXIT_SQL;
    }
}

int slcli_apply_sets(slsql *s, char **sets, int n) {
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i]) {
            fprintf(stderr, "sluice: --set: expected KEY=VALUE, got '%s'\n", sets[i]);
            return SLCLI_EXIT_USAGE;
        }
        slbuf q = {0};
        slbuf_puts(&q, "SET '");
        for (const char *p = sets[i]; p < eq; p++) {
            slbuf_put(&q, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
        }
        slbuf_puts(&q, "' = '");
        for (const char *p = eq + 1; *p; p++) {
            slbuf_put(&q, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
        }
        slbuf_puts(&q, "'");
        sl_job *job = NULL;
        sl_err err = slsql_exec(s, q.data, q.len, "--set", SLSQL_PRINT_SELECTS, NULL, &job, NULL);
        slbuf_free(&q);
        sl_job_free(job);
        if (err) {
            fprintf(stderr, "sluice: %s\n", sl_errmsg());
            return SLCLI_EXIT_USAGE;
        }
    }
    return 0;
}

typedef struct cmdline {
    char **sets;
    int n_sets;
    const char *file;
    int status; /* -1 never, 0 auto, 1 always */
    char *ckpt_set; /* owned: "state.checkpoints.dir=DIR" from --checkpoint-dir */
} cmdline;

static int parse_args(int argc, char **argv, const char *usage, cmdline *c) {
    memset(c, 0, sizeof *c);
    c->sets = slmem_calloc((size_t)argc, sizeof *c->sets);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return -1;
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "-D") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sluice: %s needs KEY=VALUE\n", a);
                return SLCLI_EXIT_USAGE;
            }
            c->sets[c->n_sets++] = argv[++i];
        } else if (strncmp(a, "--set=", 6) == 0) {
            c->sets[c->n_sets++] = argv[i] + 6;
        } else if (strcmp(a, "--status") == 0) {
            c->status = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            c->status = -1;
        } else if (strcmp(a, "--checkpoint-dir") == 0 || strncmp(a, "--checkpoint-dir=", 17) == 0) {
            const char *dir = a[16] == '=' ? a + 17 : i + 1 < argc ? argv[++i] : NULL;
            if (!dir || !*dir) {
                fprintf(stderr, "sluice: --checkpoint-dir needs a directory\n");
                return SLCLI_EXIT_USAGE;
            }
            slbuf kv = {0};
            slbuf_printf(&kv, "state.checkpoints.dir=%s", dir);
            slmem_free(c->ckpt_set);
            c->ckpt_set = slmem_strdup(slbuf_cstr(&kv));
            slbuf_free(&kv);
            c->sets[c->n_sets++] = c->ckpt_set;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sluice: unknown option '%s'\n%s", a, usage);
            return SLCLI_EXIT_USAGE;
        } else if (!c->file) {
            c->file = a;
        } else {
            fprintf(stderr, "sluice: unexpected argument '%s' (one job file only)\n", a);
            return SLCLI_EXIT_USAGE;
        }
    }
    if (!c->file) {
        fprintf(stderr, "sluice: no job file given\n%s", usage);
        return SLCLI_EXIT_USAGE;
    }
    return 0;
}

/* Plan the file into *job. Returns an exit code (0 = planned). */
static int plan_file(const cmdline *c, slsql *s, sl_job **job, slbuf *info) {
    int rc = slcli_apply_sets(s, c->sets, c->n_sets);
    if (rc) {
        return rc;
    }
    slbuf text = {0};
    if ((rc = slcli_read_file(c->file, &text))) {
        return rc;
    }
    const char *name = strcmp(c->file, "-") == 0 ? "<stdin>" : c->file;
    sl_err err = slsql_exec(s, text.data ? text.data : "", text.len, name, SLSQL_PRINT_SELECTS,
                            NULL, job, info);
    slbuf_free(&text);
    if (err) {
        fprintf(stderr, "sluice: %s\n", sl_errmsg());
        return slcli_exit_code(err);
    }
    return 0;
}

/* ---- run ---- */

static sl_job *volatile running_job;
static volatile sig_atomic_t interrupted;

/* SIGINT/SIGTERM: a job with checkpoints takes a savepoint, then stops (its
 * file sinks publish everything up to it); a second signal, or a job without
 * checkpoints, stops at once. SIGUSR1: a savepoint (`sluice savepoint PID`). */
static void on_signal(int sig) {
    sl_job *j = running_job;
    if (sig == SIGUSR1) {
        if (j) {
            sl_job_savepoint(j);
        }
        return;
    }
    if (j) {
        if (interrupted) {
            sl_job_stop(j);
        } else {
            sl_job_stop_with_savepoint(j);
        }
    }
    interrupted = 1;
}

typedef struct runner {
    sl_job *job;
    sl_err err;
    char errmsg[2048];
    int done; /* atomic */
} runner;

static void *run_thread(void *arg) {
    runner *r = arg;
    r->err = sl_job_run(r->job);
    if (r->err) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s", sl_errmsg());
    }
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void human(uint64_t v, char *buf, size_t cap) {
    if (v >= 10000000) {
        snprintf(buf, cap, "%.1fM", (double)v / 1e6);
    } else if (v >= 10000) {
        snprintf(buf, cap, "%.1fk", (double)v / 1e3);
    } else {
        snprintf(buf, cap, "%llu", (unsigned long long)v);
    }
}

static void status_line(const sl_metrics *m, double rate) {
    char in[32], out[32], rt[32], wm[40];
    human(m->rows_in, in, sizeof in);
    human(m->rows_out, out, sizeof out);
    human((uint64_t)rate, rt, sizeof rt);
    if (m->watermark == SL_TIME_MIN) {
        snprintf(wm, sizeof wm, "-");
    } else if (m->watermark == SL_TIME_MAX) {
        snprintf(wm, sizeof wm, "end");
    } else {
        sl_format_timestamp(m->watermark, wm, sizeof wm);
    }
    fprintf(stderr, "\r\033[Kin %s (%s/s) | out %s | watermark %s | late %llu | dead %llu", in, rt,
            out, wm, (unsigned long long)m->rows_late, (unsigned long long)m->rows_dead);
    if (m->checkpoint_id || m->checkpoints_failed) {
        fprintf(stderr, " | checkpoint %lld", (long long)m->checkpoint_id);
        if (m->checkpoints_failed) {
            fprintf(stderr, " (%llu failed)", (unsigned long long)m->checkpoints_failed);
        }
    }
    fflush(stderr);
}

static int cmd_run(int argc, char **argv) {
    cmdline c;
    int rc = parse_args(argc, argv, usage_run, &c);
    if (rc) {
        slmem_free(c.sets);
        slmem_free(c.ckpt_set);
        return rc < 0 ? 0 : rc;
    }
    slsql *s = slsql_new();
    sl_job *job = NULL;
    slbuf info = {0};
    rc = plan_file(&c, s, &job, &info);
    if (info.len) {
        fwrite(info.data, 1, info.len, stdout);
        fflush(stdout); /* before the job's sinks write to the same descriptor */
    }
    slbuf_free(&info);
    if (rc || !job) {
        if (!rc && !job) {
            fprintf(stderr, "sluice: %s has no INSERT INTO or SELECT statement: nothing to run\n",
                    c.file);
        }
        slsql_free(s);
        slmem_free(c.sets);
        slmem_free(c.ckpt_set);
        return rc;
    }
    bool show = c.status > 0 || (c.status == 0 && isatty(STDERR_FILENO));
    running_job = job;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    runner r = {.job = job};
    pthread_t th;
    pthread_create(&th, NULL, run_thread, &r);
    uint64_t last_in = 0;
    int64_t last_t = slclock_mono_us();
    double rate = 0;
    while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (show) {
            sl_metrics m;
            sl_job_metrics(job, &m);
            int64_t now = slclock_mono_us();
            if (now - last_t >= 500000) {
                rate = (double)(m.rows_in - last_in) * 1e6 / (double)(now - last_t);
                last_in = m.rows_in;
                last_t = now;
            }
            status_line(&m, rate);
        }
    }
    pthread_join(th, NULL);
    running_job = NULL;
    sl_metrics m;
    sl_job_metrics(job, &m);
    if (show) {
        status_line(&m, rate);
        fputc('\n', stderr);
    }
    if (r.err == SL_ERR_ARG) {
        /* refused at start: no checkpoint directory, a source that cannot
         * rewind, a checkpoint of another job, ... */
        fprintf(stderr, "sluice: cannot run the job: %s\n", r.errmsg);
        rc = SLCLI_EXIT_USAGE;
    } else if (r.err) {
        fprintf(stderr, "sluice: job failed: %s\n", r.errmsg);
        rc = SLCLI_EXIT_RUNTIME;
    } else if (interrupted) {
        fprintf(stderr, "sluice: stopped\n");
        rc = SLCLI_EXIT_INTERRUPTED;
    }
    if (!r.err && (m.rows_dead || m.rows_late)) {
        fprintf(stderr, "sluice: %llu malformed row%s sent to the dead-letter output, %llu late row%s\n",
                (unsigned long long)m.rows_dead, m.rows_dead == 1 ? "" : "s",
                (unsigned long long)m.rows_late, m.rows_late == 1 ? "" : "s");
    }
    sl_job_free(job);
    slsql_free(s);
    slmem_free(c.sets);
    slmem_free(c.ckpt_set);
    return rc;
}

static int cmd_explain(int argc, char **argv) {
    cmdline c;
    int rc = parse_args(argc, argv, usage_explain, &c);
    if (rc) {
        slmem_free(c.sets);
        slmem_free(c.ckpt_set);
        return rc < 0 ? 0 : rc;
    }
    slsql *s = slsql_new();
    sl_job *job = NULL;
    slbuf out = {0};
    rc = plan_file(&c, s, &job, &out);
    if (!rc && !job) {
        fprintf(stderr, "sluice: %s has no INSERT INTO or SELECT statement to explain\n", c.file);
        rc = SLCLI_EXIT_SQL;
    }
    if (!rc) {
        slgraph_explain(&job->g, &out);
        fwrite(out.data, 1, out.len, stdout);
    }
    slbuf_free(&out);
    sl_job_free(job);
    slsql_free(s);
    slmem_free(c.sets);
    slmem_free(c.ckpt_set);
    return rc;
}

static const char *usage_savepoint =
    "usage: sluice savepoint PID\n"
    "\n"
    "Asks the `sluice run` process PID (a job with checkpoints) for a savepoint: a\n"
    "checkpoint copied to state.savepoints.dir (default: <checkpoint dir>/savepoints),\n"
    "kept until deleted. That process prints where it wrote it. Start a job from it with\n"
    "--set execution.savepoint.path=DIR (also with another parallelism).\n"
    "Stopping a job with checkpoints by SIGINT or SIGTERM takes a savepoint first.\n";

static int cmd_savepoint(int argc, char **argv) {
    if (argc != 1 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
        fputs(usage_savepoint, argc == 1 ? stdout : stderr);
        return argc == 1 ? 0 : SLCLI_EXIT_USAGE;
    }
    char *end;
    long pid = strtol(argv[0], &end, 10);
    if (*end || pid <= 0) {
        fprintf(stderr, "sluice: savepoint: expected a process id, got '%s'\n", argv[0]);
        return SLCLI_EXIT_USAGE;
    }
    if (kill((pid_t)pid, SIGUSR1) != 0) {
        fprintf(stderr, "sluice: savepoint: process %ld: %s\n", pid, strerror(errno));
        return SLCLI_EXIT_USAGE;
    }
    printf("asked process %ld for a savepoint (it prints where it writes it)\n", pid);
    return 0;
}

int main(int argc, char **argv) {
    /* glibc gives the top of a heap back to the kernel once 128 KiB of it are
     * free, so a batch freed and the next one allocated fault in fresh zeroed
     * pages: a third of the CPU time of a windowed Nexmark query (q7r:
     * 35,000 page faults a million events; with this, 900). Keep up to
     * 16 MiB of free heap per malloc arena instead. */
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return SLCLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0) {
        return cmd_run(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "explain") == 0) {
        return cmd_explain(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "sql") == 0) {
        return slcli_shell(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "savepoint") == 0) {
        return cmd_savepoint(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("sluice %s\n", SL_VERSION);
        return 0;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "gen") == 0) {
        return slcli_gen(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "bench") == 0) {
        return slcli_bench(argc - 2, argv + 2);
    }
    fprintf(stderr, "sluice: unknown command '%s'\n%s", cmd, usage_main);
    return SLCLI_EXIT_USAGE;
}
