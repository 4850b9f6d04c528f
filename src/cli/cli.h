/*
 * cli.h - shared pieces of the `sluice` program (main.c, shell.c, gen.c). The
 * shell's own pieces (result table, statement scanner) are in shell_int.h.
 */
#ifndef SL_CLI_H
#define SL_CLI_H

#include "sql/sql.h"

enum {
    SLCLI_EXIT_RUNTIME = 1,      /* the job failed while running */
    SLCLI_EXIT_USAGE = 2,        /* bad command line */
    SLCLI_EXIT_SQL = 3,          /* the SQL was refused */
    SLCLI_EXIT_IO = 4,           /* a file could not be read */
    SLCLI_EXIT_INTERRUPTED = 130, /* stopped by a signal */
};

/* Read a whole file ("-" = stdin) into out; returns 0 or SLCLI_EXIT_IO
 * (after printing why). */
int slcli_read_file(const char *path, slbuf *out);
/* The exit code for a failed sluice call. */
int slcli_exit_code(sl_err err);
/* Apply --set KEY=VALUE options as SET statements; returns 0 or
 * SLCLI_EXIT_USAGE (after printing why). */
int slcli_apply_sets(slsql *s, char **sets, int n);
/* `sluice sql`: the interactive shell (shell.c). */
int slcli_shell(int argc, char **argv);
/* `sluice gen nexmark ...`: generated events to stdout (gen.c). */
int slcli_gen(int argc, char **argv);
/* `sluice bench ...`: the Nexmark suite with figures (bench.c). */
int slcli_bench(int argc, char **argv);

#endif /* SL_CLI_H */
