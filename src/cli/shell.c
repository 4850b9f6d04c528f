/*
 * shell.c - `sluice sql`, the interactive shell. Placeholder until the shell
 * lands: it says so and exits with the usage code.
 */
#include <stdio.h>

#include "cli/cli.h"

int slcli_shell(int argc, char **argv) {
    SL_UNUSED(argc);
    SL_UNUSED(argv);
    fprintf(stderr, "sluice sql: the interactive shell is not built yet; use `sluice run FILE.sql`\n");
    return SLCLI_EXIT_USAGE;
}
