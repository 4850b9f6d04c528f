/*
 * shell.c - `sluice sql`, the SQL shell (modelled on Flink's SQL client):
 * reads statements (with line editing and history on a terminal, plainly from
 * a pipe or -f FILE), executes them one at a time in one session, and shows
 * each SELECT's result as a table kept materialised from its changelog
 * (table.c), redrawn in place while the query runs on a terminal.
 *
 * Threads: the shell's own (foreground: input, rendering, signals), one that
 * runs the current job (sl_job_run), the job's workers (rows reach the
 * result table on sink threads), and while a result is redrawn one that
 * collects what the job writes to stderr (dead letters) so it cannot scroll
 * the table; it is printed after. SIGINT/SIGTERM are blocked in every thread
 * but the foreground, so the handler runs there only, and the job it stops
 * is never one being freed.
 *
 * Invariant: current_job is the running job between runner_start and
 * runner_join, NULL otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifdef SLCLI_HAVE_EDITLINE
#include <editline/readline.h>
#endif

#include "cli/cli.h"
#include "cli/shell_int.h"

static const char *usage_sql =
    "usage: sluice sql [options]\n"
    "\n"
    "The SQL shell (Flink SQL dialect). Statements end with ';' and may span lines.\n"
    "CREATE TABLE/VIEW, SET, SHOW TABLES, DESCRIBE and EXPLAIN answer at once; a SELECT\n"
    "runs as a job and its result is shown as a table, kept up to date from the query's\n"
    "changelog and redrawn in place while it runs (Ctrl-C stops the query and returns to\n"
    "the prompt); an INSERT INTO runs its job until the sources end. Type 'help;' in the\n"
    "shell for the list of statements and commands. Line editing and history\n"
    "(~/.sluice_history) on a terminal.\n"
    "\n"
    "Scripts: when stdin is not a terminal (sluice sql < script.sql) or with -f FILE, the\n"
    "statements are read without prompts, each SELECT's final table is printed once its\n"
    "job ends, a failing statement is reported and the script goes on.\n"
    "\n"
    "options:\n"
    "  -f FILE             run the statements of FILE, then exit\n"
    "  --set KEY=VALUE     a session option, as SET 'KEY' = 'VALUE' first (repeatable)\n"
    "  -h, --help          this help\n"
    "\n"
    "exit codes: 0 every statement succeeded (always 0 for an interactive session),\n"
    "            3 some statement failed (the count is printed at the end), 2 bad command\n"
    "            line, 4 FILE not readable, 130 a script stopped by SIGINT/SIGTERM\n";

static const char *help_text =
    "Statements end with ';' and may span lines:\n"
    "  CREATE TABLE ... WITH (...);  CREATE VIEW v AS ...;  DROP TABLE t;  DROP VIEW v;\n"
    "  SET 'key' = 'value';  RESET 'key';  SET;       session options (SET; lists them)\n"
    "  SHOW TABLES;  DESCRIBE t;  EXPLAIN statement;\n"
    "  SELECT ...;          runs the query and shows its result as a table kept up to date\n"
    "                       from its changelog; Ctrl-C (or q) stops the query\n"
    "  INSERT INTO t ...;   runs the job until its sources end; Ctrl-C stops it\n"
    "  BEGIN STATEMENT SET; INSERT INTO ...; ... END;   several INSERTs as one job\n"
    "Shell commands:\n"
    "  help;                this text\n"
    "  clear;               clear the screen\n"
    "  quit;  exit;         leave the shell (Ctrl-D too)\n";

#define PROMPT "sluice> "
#define PROMPT_MORE "     -> "
#define REDRAW_MS 200
#define LIVE_FINAL_MAX_ROWS 1000 /* rows of the final table printed on a terminal */
#define CAPTURE_MAX 65536        /* bytes of a query's stderr kept for after the table */

typedef struct shell {
    slsql *sql;         /* owned */
    const char *name;   /* borrowed: names the text in messages */
    bool interactive;   /* prompts, line editing, Ctrl-C returns to the prompt */
    bool live;          /* redraw results in place (interactive, stdout a terminal) */
    FILE *in;           /* borrowed: the statements when not interactive */
    char *history;      /* owned: history file, NULL when none */
    slcli_table *table; /* owned: the result of the SELECT being run */
    int n_selects;      /* result schemas announced for the current statement */
    int n_failed;
    bool quit;
} shell;

/* ---- signals ---- */

static sl_job *volatile current_job;
static volatile sig_atomic_t got_int, got_term;

static void on_signal(int sig) {
    if (sig == SIGINT) {
        got_int = 1;
    } else {
        got_term = 1;
    }
    sl_job *j = current_job;
    if (j) {
        sl_job_stop(j);
    }
}

/* Block SIGINT/SIGTERM in threads created until unblock_signals(old). */
static void block_signals(sigset_t *old) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void unblock_signals(const sigset_t *old) {
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- small helpers ---- */

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return;
        }
        p += k;
        n -= (size_t)k;
    }
}

static void fmt_watermark(int64_t wm, char *buf, size_t cap) {
    if (wm == SL_TIME_MIN) {
        snprintf(buf, cap, "-");
    } else if (wm == SL_TIME_MAX) {
        snprintf(buf, cap, "end");
    } else {
        sl_format_timestamp(wm, buf, cap);
    }
}

static const char *plural(uint64_t n) {
    return n == 1 ? "" : "s";
}

static void print_error(const char *msg) {
    fflush(stdout);
    fprintf(stderr, "[ERROR] %s\n", msg);
    fflush(stderr);
}

/* Late and malformed rows of a finished job, as `sluice run` reports them. */
static void report_drops(const sl_metrics *m) {
    if (m->rows_dead || m->rows_late) {
        fflush(stdout);
        fprintf(stderr,
                "[WARNING] %llu malformed row%s sent to the dead-letter output, %llu late row%s\n",
                (unsigned long long)m->rows_dead, plural(m->rows_dead),
                (unsigned long long)m->rows_late, plural(m->rows_late));
    }
}

static void term_size(int *rows, int *cols) {
    struct winsize ws;
    *rows = 24;
    *cols = 80;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
        *rows = ws.ws_row;
        *cols = ws.ws_col;
    }
}

/* ---- running a job in the background ---- */

typedef struct runner {
    sl_job *job; /* borrowed */
    sl_err err;
    char errmsg[2048];
    int done_fd; /* write end of a pipe told when the job ends, -1 none */
    pthread_t th;
} runner;

static void *run_thread(void *arg) {
    runner *r = arg;
    r->err = sl_job_run(r->job);
    if (r->err) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s", sl_errmsg());
    }
    if (r->done_fd >= 0) {
        write_all(r->done_fd, "x", 1);
    }
    return NULL;
}

static void runner_start(runner *r, sl_job *job, int done_fd) {
    memset(r, 0, sizeof *r);
    r->job = job;
    r->done_fd = done_fd;
    sigset_t old;
    block_signals(&old);
    current_job = job;
    if (pthread_create(&r->th, NULL, run_thread, r) != 0) {
        slmem_fatal("a thread to run the job", 0);
    }
    unblock_signals(&old);
    if (got_int || got_term) {
        sl_job_stop(job); /* a signal that came before current_job was set */
    }
}

static void runner_join(runner *r) {
    pthread_join(r->th, NULL);
    current_job = NULL;
}

/* ---- stderr capture while a result is redrawn ---- */

typedef struct capture {
    int saved; /* the real stderr, -1 when not capturing */
    int rd;    /* read end of the pipe now on fd 2 */
    pthread_t th;
    slbuf text; /* owned: the first CAPTURE_MAX bytes */
    size_t dropped;
} capture;

static void *capture_thread(void *arg) {
    capture *c = arg;
    char buf[4096];
    for (;;) {
        ssize_t n = read(c->rd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return NULL;
        }
        size_t keep = SL_MIN((size_t)n, CAPTURE_MAX - SL_MIN(c->text.len, CAPTURE_MAX));
        slbuf_put(&c->text, buf, keep);
        c->dropped += (size_t)n - keep;
    }
}

static void capture_begin(capture *c) {
    memset(c, 0, sizeof *c);
    c->saved = -1;
    int p[2];
    if (pipe(p) != 0) {
        return;
    }
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    if (c->saved < 0 || dup2(p[1], STDERR_FILENO) < 0) {
        if (c->saved >= 0) {
            close(c->saved);
        }
        c->saved = -1;
        close(p[0]);
        close(p[1]);
        return;
    }
    close(p[1]);
    c->rd = p[0];
    sigset_t old;
    block_signals(&old);
    if (pthread_create(&c->th, NULL, capture_thread, c) != 0) {
        slmem_fatal("a thread to collect stderr", 0);
    }
    unblock_signals(&old);
}

/* Restore stderr and print what was written to it meanwhile. */
static void capture_end(capture *c) {
    if (c->saved < 0) {
        return;
    }
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO); /* the pipe loses its last writer: EOF */
    close(c->saved);
    pthread_join(c->th, NULL);
    close(c->rd);
    if (c->text.len) {
        write_all(STDERR_FILENO, c->text.data, c->text.len);
    }
    if (c->dropped) {
        fprintf(stderr, "... (%zu more bytes of stderr output dropped)\n", c->dropped);
    }
    slbuf_free(&c->text);
}

/* ---- waiting for a job ---- */

typedef enum wait_mode {
    WAIT_PLAIN,  /* just wait */
    WAIT_STATUS, /* a status line on stderr (INSERT on a terminal) */
    WAIT_TABLE,  /* redraw the result table on stdout */
} wait_mode;

/* The live view: the table (as many rows as the terminal holds) and a footer
 * with the row count and the job's progress. Returns the lines drawn. */
static int draw_table(shell *sh, sl_job *job, int prev_lines, slbuf *prev, slbuf *body) {
    int rows, cols;
    term_size(&rows, &cols);
    slcli_render ro = {.max_rows = rows > 8 ? (uint64_t)(rows - 7) : 1, .max_line = cols - 1};
    slbuf_reset(body);
    uint64_t shown;
    int lines = slcli_table_render(sh->table, &ro, body, &shown);
    slcli_table_stats st;
    slcli_table_stats_get(sh->table, &st);
    sl_metrics m;
    sl_job_metrics(job, &m);
    char wm[48], foot[512];
    fmt_watermark(m.watermark, wm, sizeof wm);
    int n = snprintf(foot, sizeof foot, "%llu row%s", (unsigned long long)st.rows, plural(st.rows));
    if (shown < st.rows) {
        n += snprintf(foot + n, sizeof foot - (size_t)n, " (first %llu shown)",
                      (unsigned long long)shown);
    }
    n += snprintf(foot + n, sizeof foot - (size_t)n,
                  ", updating... (Ctrl-C to stop) | rows in %llu | watermark %s",
                  (unsigned long long)m.rows_in, wm);
    if (m.rows_late || m.rows_dead) {
        snprintf(foot + n, sizeof foot - (size_t)n, " | late %llu | dead letters %llu",
                 (unsigned long long)m.rows_late, (unsigned long long)m.rows_dead);
    }
    size_t flen = strlen(foot);
    if (cols > 1 && flen > (size_t)(cols - 1)) {
        flen = (size_t)(cols - 1); /* the footer is ASCII */
    }
    slbuf_put(body, foot, flen);
    slbuf_putc(body, '\n');
    lines++;
    if (prev->len == body->len && memcmp(prev->data, body->data, body->len) == 0) {
        return prev_lines;
    }
    slbuf frame = {0};
    if (prev_lines > 0) {
        slbuf_printf(&frame, "\r\033[%dA\033[J", prev_lines);
    }
    slbuf_put(&frame, body->data, body->len);
    write_all(STDOUT_FILENO, frame.data, frame.len);
    slbuf_free(&frame);
    slbuf_reset(prev);
    slbuf_put(prev, body->data, body->len);
    return lines;
}

static void draw_status(sl_job *job) {
    sl_metrics m;
    sl_job_metrics(job, &m);
    char wm[48];
    fmt_watermark(m.watermark, wm, sizeof wm);
    fprintf(stderr,
            "\r\033[K[RUNNING] rows in %llu | rows out %llu | watermark %s (Ctrl-C to stop)",
            (unsigned long long)m.rows_in, (unsigned long long)m.rows_out, wm);
    fflush(stderr);
}

/* Run `job` to its end (or until stopped) while showing progress; returns
 * true when it was stopped by Ctrl-C or 'q' rather than ending by itself. */
static bool wait_job(shell *sh, sl_job *job, wait_mode mode, runner *r) {
    got_int = 0;
    if (mode == WAIT_PLAIN) {
        runner_start(r, job, -1);
        runner_join(r);
        return got_int || got_term;
    }
    int done[2];
    if (pipe(done) != 0) {
        runner_start(r, job, -1);
        runner_join(r);
        return got_int || got_term;
    }
    capture cap = {.saved = -1};
    struct termios saved;
    bool keys = false, quit_key = false;
    if (mode == WAIT_TABLE) {
        fflush(stdout);
        capture_begin(&cap);
        if (sh->interactive && tcgetattr(STDIN_FILENO, &saved) == 0) {
            struct termios t = saved;
            t.c_lflag &= ~(tcflag_t)(ECHO | ICANON); /* keys are not echoed into the table */
            t.c_cc[VMIN] = 0;
            t.c_cc[VTIME] = 0;
            keys = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
    }
    runner_start(r, job, done[1]);
    int lines = 0;
    slbuf prev = {0}, body = {0};
    for (;;) {
        struct pollfd fds[2] = {{.fd = done[0], .events = POLLIN},
                                {.fd = STDIN_FILENO, .events = POLLIN}};
        int n = poll(fds, keys ? 2 : 1, REDRAW_MS);
        if (n > 0 && (fds[0].revents & POLLIN)) {
            break;
        }
        if (n > 0 && keys && (fds[1].revents & POLLIN)) {
            char k[64];
            ssize_t got = read(STDIN_FILENO, k, sizeof k);
            for (ssize_t i = 0; i < got; i++) {
                if (k[i] == 'q' || k[i] == 'Q') {
                    quit_key = true;
                    sl_job_stop(job);
                }
            }
        }
        if (mode == WAIT_TABLE) {
            lines = draw_table(sh, job, lines, &prev, &body);
        } else {
            draw_status(job);
        }
    }
    runner_join(r);
    if (mode == WAIT_TABLE) {
        if (lines > 0) {
            char up[32];
            int k = snprintf(up, sizeof up, "\r\033[%dA\033[J", lines);
            write_all(STDOUT_FILENO, up, (size_t)k);
        }
        if (keys) {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved);
            tcflush(STDIN_FILENO, TCIFLUSH);
        }
        capture_end(&cap);
    } else {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    slbuf_free(&prev);
    slbuf_free(&body);
    close(done[0]);
    close(done[1]);
    return quit_key || got_int || got_term;
}

/* ---- statements ---- */

static void on_schema(const sl_schema *schema, void *user) {
    shell *sh = user;
    if (sh->n_selects++ == 0) {
        sh->table = slcli_table_new(schema);
    }
}

static void on_row(const sl_row *r, void *user) {
    shell *sh = user;
    slcli_table_apply(sh->table, r);
}

static void run_select(shell *sh, sl_job *job) {
    runner r;
    bool stopped = wait_job(sh, job, sh->live ? WAIT_TABLE : WAIT_PLAIN, &r);
    slbuf out = {0};
    uint64_t shown;
    slcli_render ro = {.max_rows = sh->live ? LIVE_FINAL_MAX_ROWS : 0};
    slcli_table_render(sh->table, &ro, &out, &shown);
    slcli_table_stats st;
    slcli_table_stats_get(sh->table, &st);
    const char *how = r.err ? "job failed" : stopped ? "stopped" : "job finished";
    slbuf_printf(&out, "%llu row%s (%s", (unsigned long long)st.rows, plural(st.rows), how);
    if (shown < st.rows) {
        slbuf_printf(&out, "; first %llu shown", (unsigned long long)shown);
    }
    slbuf_puts(&out, ")\n");
    fwrite(out.data, 1, out.len, stdout);
    slbuf_free(&out);
    sl_metrics m;
    sl_job_metrics(job, &m);
    if (r.err) {
        char msg[2100];
        snprintf(msg, sizeof msg, "job failed: %s", r.errmsg);
        print_error(msg);
        sh->n_failed++;
    } else {
        report_drops(&m);
    }
    if (st.unmatched) {
        fflush(stdout);
        fprintf(stderr, "[WARNING] %llu retraction%s matched no row of the result\n",
                (unsigned long long)st.unmatched, plural(st.unmatched));
    }
}

static void run_insert(shell *sh, sl_job *job) {
    runner r;
    bool stopped =
        wait_job(sh, job, sh->interactive && isatty(STDERR_FILENO) ? WAIT_STATUS : WAIT_PLAIN, &r);
    sl_metrics m;
    sl_job_metrics(job, &m);
    if (r.err) {
        char msg[2100];
        snprintf(msg, sizeof msg, "job failed: %s", r.errmsg);
        print_error(msg);
        sh->n_failed++;
        return;
    }
    printf("[INFO] Job %s: %llu row%s in, %llu row%s out.\n", stopped ? "stopped" : "finished",
           (unsigned long long)m.rows_in, plural(m.rows_in), (unsigned long long)m.rows_out,
           plural(m.rows_out));
    report_drops(&m);
}

/* The text handed to the SQL layer: the statement behind blank lines and
 * spaces, so the parser's line:column are those of the input. */
static void positioned(slbuf *out, const slbuf *stmt, int line, int col) {
    slbuf_reset(out);
    for (int i = 1; i < line; i++) {
        slbuf_putc(out, '\n');
    }
    for (int i = 1; i < col; i++) {
        slbuf_putc(out, ' ');
    }
    slbuf_put(out, stmt->data, stmt->len);
}

static void exec_statement(shell *sh, const slbuf *stmt, int line, int col) {
    char w[2][16];
    bool more;
    int n = slcli_stmt_words(stmt->data, stmt->len, w, 2, &more);
    if (n == 1 && !more) {
        if (strcmp(w[0], "QUIT") == 0 || strcmp(w[0], "EXIT") == 0) {
            sh->quit = true;
            return;
        }
        if (strcmp(w[0], "HELP") == 0) {
            fputs(help_text, stdout);
            putchar('\n');
            return;
        }
        if (strcmp(w[0], "CLEAR") == 0) {
            if (sh->interactive) {
                fputs("\033[H\033[2J", stdout);
            }
            return;
        }
    }
    bool empty_set =
        (n >= 1 && strcmp(w[0], "SHOW") == 0) || (n == 1 && !more && strcmp(w[0], "SET") == 0);
    slbuf text = {0}, info = {0};
    positioned(&text, stmt, line, col);
    sl_job *job = NULL;
    slsql_collect collect = {.on_schema = on_schema, .on_row = on_row, .user = sh};
    sh->n_selects = 0;
    sl_err err = slsql_exec(sh->sql, text.data, text.len, sh->name, SLSQL_COLLECT_SELECTS, &collect,
                            &job, &info);
    if (err) {
        print_error(sl_errmsg());
        sh->n_failed++;
    } else if (job && sh->n_selects > 1) {
        print_error("the shell runs one SELECT at a time");
        sh->n_failed++;
    } else if (job && sh->table) {
        run_select(sh, job);
    } else if (job) {
        run_insert(sh, job);
    } else if (info.len) {
        fwrite(info.data, 1, info.len, stdout);
    } else {
        puts(empty_set ? "Empty set" : "[INFO] Execute statement succeeded.");
    }
    putchar('\n');
    fflush(stdout);
    sl_job_free(job);
    slcli_table_free(sh->table);
    sh->table = NULL;
    slbuf_free(&text);
    slbuf_free(&info);
}

/* ---- input ---- */

static void history_open(shell *sh) {
#ifdef SLCLI_HAVE_EDITLINE
    using_history();
    stifle_history(1000);
    const char *home = getenv("HOME");
    if (home && *home) {
        slbuf p = {0};
        slbuf_printf(&p, "%s/.sluice_history", home);
        sh->history = slmem_strdup(slbuf_cstr(&p));
        slbuf_free(&p);
        read_history(sh->history); /* none yet is fine */
    }
#else
    SL_UNUSED(sh);
#endif
}

/* Remember a statement: one history entry, on one line unless a -- comment
 * needs its line end. */
static void history_add(shell *sh, const slbuf *stmt) {
#ifdef SLCLI_HAVE_EDITLINE
    size_t a = 0, b = stmt->len;
    while (a < b && (stmt->data[a] == ' ' || stmt->data[a] == '\n' || stmt->data[a] == '\t')) {
        a++;
    }
    while (b > a &&
           (stmt->data[b - 1] == ' ' || stmt->data[b - 1] == '\n' || stmt->data[b - 1] == '\t')) {
        b--;
    }
    char *e = slmem_strndup(stmt->data + a, b - a);
    if (!strstr(e, "--")) {
        for (char *p = e; *p; p++) {
            *p = *p == '\n' ? ' ' : *p;
        }
    }
    add_history(e);
    slmem_free(e);
    if (sh->history) {
        write_history(sh->history); /* not writable: no history, silently */
    }
#else
    SL_UNUSED(sh);
    SL_UNUSED(stmt);
#endif
}

/* One line of input without its newline, or NULL at the end of input or when
 * a signal interrupted the wait. The caller frees it with free(), not
 * slmem_free: readline and getline allocate it with malloc. */
static char *read_line(shell *sh, const char *prompt) {
    fflush(stdout);
#ifdef SLCLI_HAVE_EDITLINE
    if (sh->interactive) {
        return readline(prompt);
    }
#else
    if (sh->interactive) {
        fputs(prompt, stdout);
        fflush(stdout);
    }
#endif
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, sh->in);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n') {
        line[n - 1] = '\0';
    }
    return line;
}

static void run_input(shell *sh) {
    slcli_scan scan;
    slcli_scan_init(&scan);
    slbuf stmt = {0};
    int line, col;
    while (!sh->quit && !got_term) {
        while (!sh->quit && !got_term && slcli_scan_next(&scan, &stmt, &line, &col)) {
            if (sh->interactive) {
                history_add(sh, &stmt);
            }
            exec_statement(sh, &stmt, line, col);
            if (!sh->interactive && got_int) {
                got_term = 1; /* Ctrl-C ends a script */
            }
        }
        if (sh->quit || got_term) {
            break;
        }
        bool pending = slcli_scan_pending(&scan);
        if (sh->interactive && !pending) {
            slcli_scan_reset(&scan); /* positions count from this prompt */
        }
        got_int = 0;
        char *l = read_line(sh, pending ? PROMPT_MORE : PROMPT);
        if (!l) {
            if (sh->interactive && got_int && !got_term) {
                fputs("\n", stdout); /* Ctrl-C at the prompt drops the input typed so far */
                slcli_scan_reset(&scan);
                continue;
            }
            if (!sh->interactive && got_int) {
                got_term = 1; /* Ctrl-C ends a script */
            } else if (sh->interactive) {
                fputs("\n", stdout);
            } else if (!got_term && slcli_scan_rest(&scan, &stmt, &line, &col)) {
                exec_statement(sh, &stmt, line, col); /* a last statement without ';' */
            }
            break;
        }
        slcli_scan_feed(&scan, l, strlen(l));
        slcli_scan_feed(&scan, "\n", 1);
        free(l);
    }
    slbuf_free(&stmt);
    slcli_scan_free(&scan);
}

/* ---- the command ---- */

int slcli_shell(int argc, char **argv) {
    char **sets = slmem_calloc((size_t)argc + 1, sizeof *sets);
    int n_sets = 0;
    const char *file = NULL;
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_sql, stdout);
            slmem_free(sets);
            return 0;
        } else if (strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sluice sql: %s needs FILE\n", a);
                rc = SLCLI_EXIT_USAGE;
            } else {
                file = argv[++i];
            }
        } else if (strcmp(a, "--set") == 0 || strcmp(a, "-D") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "sluice sql: %s needs KEY=VALUE\n", a);
                rc = SLCLI_EXIT_USAGE;
            } else {
                sets[n_sets++] = argv[++i];
            }
        } else if (strncmp(a, "--set=", 6) == 0) {
            sets[n_sets++] = argv[i] + 6;
        } else {
            fprintf(stderr, "sluice sql: unexpected argument '%s'\n%s", a, usage_sql);
            rc = SLCLI_EXIT_USAGE;
        }
    }
    shell sh = {.name = "<shell>", .in = stdin};
    if (!rc && file) {
        sh.in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
        if (!sh.in) {
            fprintf(stderr, "sluice sql: cannot read '%s': %s\n", file, strerror(errno));
            rc = SLCLI_EXIT_IO;
        }
        sh.name = file;
    }
    if (rc) {
        slmem_free(sets);
        return rc;
    }
    sh.sql = slsql_new();
    if ((rc = slcli_apply_sets(sh.sql, sets, n_sets))) {
        goto out;
    }
    sh.interactive = !file && isatty(STDIN_FILENO);
    sh.live = sh.interactive && isatty(STDOUT_FILENO);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends readline's wait */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (sh.interactive) {
        history_open(&sh);
        printf("Sluice %s SQL shell. Statements end with ';'. Type 'help;' for help, 'quit;' or "
               "Ctrl-D to leave.\n\n",
               SL_VERSION);
    }
    run_input(&sh);
    if (got_term) {
        rc = SLCLI_EXIT_INTERRUPTED;
    } else if (!sh.interactive && sh.n_failed) {
        fflush(stdout);
        fprintf(stderr, "[ERROR] %d statement%s failed\n", sh.n_failed,
                plural((uint64_t)sh.n_failed));
        rc = SLCLI_EXIT_SQL;
    }
out:
    if (sh.in && sh.in != stdin) {
        fclose(sh.in);
    }
    slmem_free(sh.history);
    slsql_free(sh.sql);
    slmem_free(sets);
    return rc;
}
